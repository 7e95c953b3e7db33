/*
 * test_digest.c - the daily digest (digest.c): what an issue's digest and
 * the coordination overview say, that a quiet issue gets none, and when
 * they fall due: once at digest time (conference time zone) until
 * acknowledged, late (once, for its own period) when the bot was down.
 * A digest covers the conference day as lived: from the previous digest
 * time to this one, for digest.time 23:00, 00:30, 03:30 and 07:00, and
 * across a change of daylight-saving time.
 */
#include "testengine.h"

#include <time.h>

#include "store_due.h"
#include "store_room.h"

#define HOUR 3600

static int setup(void **state)
{
	*state = te_new();
	return 0;
}

static int teardown(void **state)
{
	te_free(*state);
	return 0;
}

/* The due reply with due_id 'key' among t->out, or NULL. */
static const struct engine_reply *due_reply(struct te *t, const char *key)
{
	for (size_t i = 0; i < t->out.n; i++)
		if (t->out.v[i].due_id && !strcmp(t->out.v[i].due_id, key))
			return &t->out.v[i];
	return NULL;
}

/* How many digests (not session reminders) are due now. */
static size_t digests_due(struct te *t)
{
	size_t n = 0;

	te_due(t);
	for (size_t i = 0; i < t->out.n; i++)
		n += t->out.v[i].due_id && !strncmp(t->out.v[i].due_id, "digest:", 7);
	return n;
}

/* Move the clock to local time hh:mm on the day 'day' days after Monday
 * 5 Nov 2018 (Dubai is UTC+4, no DST). */
static void te_at(struct te *t, int day, int hh, int mm)
{
	t->now_ms = (1541361600LL + day * 86400LL + hh * 3600LL + mm * 60LL) * 1000;
}

static void busy_day(struct te *t)
{
	te_say(t, CYBER, ALICE, "!cover cyber");
	te_say(t, CYBER, BOB, "Brazil will table an amendment on encryption");
	te_say(t, CYBER, CAROL, "CEPT is still consulting");
	te_say(t, CYBER, BOB, "!decision we back the CEPT text on Res 130");
	te_say(t, CYBER, CAROL, "!note the vote is on Thursday");
	te_say(t, CYBER, BOB, "!action \"Carol Smith\" draft our statement");
	te_say(t, CYBER, BOB, "!action Alice call the CITEL chair");
	te_say(t, CYBER, BOB, "!position CEPT support");
	te_advance(t, HOUR);
	te_say(t, CYBER, CAROL, "!done 2");
	te_say(t, CYBER, CAROL, "!position CEPT oppose after the ad hoc group");
	te_say(t, CYBER, BOB, "!session cyber tomorrow 10:00-11:30 Ad hoc group 1 @ Room B");
	te_say(t, CYBER, CAROL, "!attend 1");
	te_say(t, CYBER, BOB, "!attend 1");
	te_say(t, CYBER, BOB, "!session cyber tomorrow 15:00 WG-PL drafting");
}

static void test_issue_digest_content(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	busy_day(t);
	te_at(t, 0, 23, 0);
	assert_true(digests_due(t) >= 1);
	r = due_reply(t, "digest:cybersecurity:2018-11-05");
	assert_non_null(r);
	assert_string_equal(r->room_id, CYBER);
	assert_int_equal(r->mentions.n, 0);
	assert_int_equal(r->due_keys.n, 1);
	assert_string_equal(r->due_keys.v[0], "digest:cybersecurity:2018-11-05");
	assert_contains(r->body, "Cybersecurity — digest, Sun 4 Nov 23:00 – Mon 5 Nov 23:00\n");
	assert_contains(r->body, "2 messages, 2 people active; 1 decision, 1 note, "
				 "2 actions opened, 1 closed, 2 positions, 2 session changes.");
	assert_contains(r->body, "Decisions\n• 09:00 Bob: we back the CEPT text on Res 130");
	assert_contains(r->body, "Notes\n• 09:00 Carol Smith: the vote is on Thursday");
	assert_contains(r->body, "new #1 for Carol Smith: draft our statement");
	assert_contains(r->body, "new #2 for Alice: call the CITEL chair (already done)");
	assert_contains(r->body, "CEPT support (first recorded)");
	assert_contains(r->body, "CEPT oppose (was support) — after the ad hoc group");
	assert_contains(r->body, "Active: Bob, Carol Smith.");
	assert_not_contains(r->body, "Active: Bob, Carol Smith, Alice");
	assert_contains(r->body, "Next 24 hours\n");
	assert_contains(r->body, "• Tue 6 Nov 10:00-11:30 #1 Ad hoc group 1 @ Room B: Bob, "
				 "Carol Smith\n");
	assert_contains(r->body, "• Tue 6 Nov 15:00-16:00 #2 WG-PL drafting: nobody attending");
	assert_not_contains(r->body, "Sent late");
	/* ordinary messages count, but their text is the log's, not the digest's */
	assert_not_contains(r->body, "encryption");
	assert_contains(r->html, "<li><b>Tue 6 Nov 10:00-11:30</b> #1 Ad hoc group 1 @ Room B: ");
	assert_not_contains(r->html, "<table");
}

static void test_nobody_attending_tomorrow_flagged(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	te_say(t, CYBER, BOB, "!session cyber tomorrow 09:00 Com 5 <plenary> & more");
	te_at(t, 0, 23, 0);
	digests_due(t);
	r = due_reply(t, "digest:cybersecurity:2018-11-05");
	assert_non_null(r);
	assert_contains(r->body, "0 messages, 0 people active; 1 session change.");
	assert_contains(r->body, "• Tue 6 Nov 09:00-10:00 #1 Com 5 <plenary> & more: nobody "
				 "attending");
	assert_contains(r->html, "<b>nobody attending</b>");
	assert_contains(r->html, "#1 Com 5 &lt;plenary&gt; &amp; more");
	assert_not_contains(r->html, "<plenary>");
}

static void test_quiet_issue_gets_none(void **state)
{
	struct te *t = *state;

	te_say(t, CYBER, BOB, "one message");
	te_at(t, 0, 23, 0);
	digests_due(t);
	assert_non_null(due_reply(t, "digest:cybersecurity:2018-11-05"));
	assert_null(due_reply(t, "digest:privacy:2018-11-05"));
	assert_null(due_reply(t, "digest:ai:2018-11-05"));
	/* issues without a room have nowhere to go */
	assert_null(due_reply(t, "digest:gender:2018-11-05"));
	/* decided once: the quiet ones are recorded, not reconsidered all evening */
	assert_int_equal(store_due_done(t->st, "digest:privacy:2018-11-05"), 1);
	assert_int_equal(store_due_done(t->st, "digest:cybersecurity:2018-11-05"), 0);
	/* a command in the coordination room is not issue activity */
	te_at(t, 1, 10, 0);
	te_say(t, COORD, ALICE, "!issues");
	te_at(t, 1, 23, 0);
	assert_int_equal(digests_due(t), 0);
}

static void test_due_once_until_ack(void **state)
{
	struct te *t = *state;

	te_say(t, CYBER, BOB, "!decision we back the CEPT text");
	te_at(t, 0, 22, 59);
	assert_int_equal(digests_due(t), 0);
	te_at(t, 0, 23, 0);
	assert_int_equal(digests_due(t), 2);
	assert_non_null(due_reply(t, "digest:cybersecurity:2018-11-05"));
	assert_non_null(due_reply(t, "digest:coordination:2018-11-05"));
	/* not acknowledged (say the outbox failed): it comes out again */
	te_at(t, 0, 23, 1);
	assert_int_equal(digests_due(t), 2);
	te_ack_all(t);
	te_at(t, 0, 23, 2);
	assert_int_equal(digests_due(t), 0);
	te_at(t, 0, 23, 59);
	assert_int_equal(digests_due(t), 0);
	assert_int_equal(store_due_done(t->st, "digest:cybersecurity:2018-11-05"), 1);
	/* the next day: no activity, no digest; and the day before is not resent */
	te_at(t, 1, 23, 0);
	assert_int_equal(digests_due(t), 0);
}

static void test_late_same_day(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	/* running since Monday morning: Sunday's digest time was before it */
	assert_int_equal(digests_due(t), 0);
	te_say(t, CYBER, BOB, "!note kept before the outage");
	/* the bot was down from 22:00 to 23:40 */
	te_at(t, 0, 23, 40);
	assert_int_equal(digests_due(t), 2);
	r = due_reply(t, "digest:cybersecurity:2018-11-05");
	assert_non_null(r);
	assert_contains(r->body, "(Sent late: I was offline at 23:00.)");
	assert_contains(r->body, "kept before the outage");
	r = due_reply(t, "digest:coordination:2018-11-05");
	assert_non_null(r);
	assert_contains(r->body, "(Sent late: I was offline at 23:00.)");
	te_ack_all(t);
	te_at(t, 0, 23, 41);
	assert_int_equal(digests_due(t), 0);
}

static void test_missed_goes_out_late_once(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	assert_int_equal(digests_due(t), 0);
	te_say(t, CYBER, BOB, "!note Monday's note");
	/* down from before 23:00 Monday until Tuesday 08:00: Monday's digest
	 * still goes out, late, covering its own period */
	te_at(t, 1, 8, 0);
	assert_int_equal(digests_due(t), 2);
	r = due_reply(t, "digest:cybersecurity:2018-11-05");
	assert_non_null(r);
	assert_contains(r->body, "digest, Sun 4 Nov 23:00 – Mon 5 Nov 23:00");
	assert_contains(r->body, "(Sent late: I was offline at 23:00.)");
	assert_contains(r->body, "Monday's note");
	te_ack_all(t);
	te_at(t, 1, 8, 1);
	assert_int_equal(digests_due(t), 0);
	/* Tuesday's covers from Monday's digest time on, not Monday's news again */
	te_at(t, 1, 9, 0);
	te_say(t, CYBER, BOB, "!note Tuesday's note");
	te_at(t, 1, 23, 0);
	assert_int_equal(digests_due(t), 2);
	r = due_reply(t, "digest:cybersecurity:2018-11-06");
	assert_non_null(r);
	assert_contains(r->body, "digest, Mon 5 Nov 23:00 – Tue 6 Nov 23:00");
	assert_contains(r->body, "Tuesday's note");
	assert_not_contains(r->body, "Monday's note");
	assert_not_contains(r->body, "late");
	assert_null(due_reply(t, "digest:cybersecurity:2018-11-05"));
}

static void test_day_is_local(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	/* 00:30 Tuesday in Dubai is still Monday in UTC; the 23:00 digest
	 * of Monday does not have it, Tuesday's does */
	te_at(t, 1, 0, 30);
	te_say(t, CYBER, BOB, "!decision after local midnight");
	te_at(t, 1, 23, 0);
	digests_due(t);
	r = due_reply(t, "digest:cybersecurity:2018-11-06");
	assert_non_null(r);
	/* times of the digest's own day print short */
	assert_contains(r->body, "• 00:30 Bob: after local midnight");
	assert_null(due_reply(t, "digest:cybersecurity:2018-11-05"));
}

static void test_digest_time_from_config(void **state)
{
	struct te *t = *state;

	t->cfg.digest_minute = 18 * 60 + 30;
	te_say(t, CYBER, BOB, "!note early digest");
	te_at(t, 0, 18, 29);
	assert_int_equal(digests_due(t), 0);
	te_at(t, 0, 18, 30);
	assert_int_equal(digests_due(t), 2);
	assert_not_contains(due_reply(t, "digest:cybersecurity:2018-11-05")->body, "late");
}

static void test_overview(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	busy_day(t);
	te_say(t, PRIVACY, DAVE, "privacy chatter");
	te_say(t, PRIVACY, DAVE, "!cover privacy backup");
	te_at(t, 0, 23, 0);
	digests_due(t);
	r = due_reply(t, "digest:coordination:2018-11-05");
	assert_non_null(r);
	assert_string_equal(r->room_id, COORD);
	assert_int_equal(r->mentions.n, 0);
	assert_contains(r->body, "Daily overview — Sun 4 Nov 23:00 – Mon 5 Nov 23:00\n");
	assert_contains(r->body, "2 of 5 issues active in this period; 4 with no lead; 1 session "
				 "in the next 24 h with nobody attending.");
	assert_contains(r->body, "Active\n• Cybersecurity — 2 messages, 1 decision, 1 note, "
				 "2 actions opened, 1 closed, 2 positions, 2 session changes; 1 open "
				 "action; lead Alice\n");
	assert_contains(r->body, "• Privacy and data protection — 1 message; 0 open actions; "
				 "no lead\n");
	assert_contains(r->body, "Quiet: Artificial intelligence, Counterfeit devices, "
				 "Gender.");
	assert_contains(r->html, "<li><b>Cybersecurity</b> — 2 messages");
	assert_contains(r->body, "No lead\nArtificial intelligence, Counterfeit devices, Gender, "
				 "Privacy and data protection. !cover <issue> takes one on.");
	assert_contains(r->body, "Nobody attending (next 24 h)\n• Cybersecurity — #2 WG-PL "
				 "drafting");
	/* SPEC §4: the coordination room is not every issue room: numbers only */
	assert_not_contains(r->body, "CEPT text");
	assert_not_contains(r->body, "Thursday");
	assert_not_contains(r->body, "privacy chatter");
	assert_not_contains(r->html, "<table");
	/* the privacy room gets its own digest */
	assert_non_null(due_reply(t, "digest:privacy:2018-11-05"));
	assert_contains(due_reply(t, "digest:privacy:2018-11-05")->body,
			"1 message, 1 person active.");
}

static void test_overview_for_sessions_alone(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	/* scheduled from the coordination room the day before: Tuesday's
	 * overview still warns that nobody attends */
	te_say(t, COORD, BOB, "!session ai wed 09:00 AI side event");
	te_at(t, 0, 23, 5);
	te_ack_all(t);
	digests_due(t);
	te_ack_all(t);
	te_at(t, 1, 23, 0);
	assert_int_equal(digests_due(t), 1);
	r = due_reply(t, "digest:coordination:2018-11-06");
	assert_non_null(r);
	assert_contains(r->body, "0 of 5 issues active in this period");
	assert_contains(r->body, "Artificial intelligence — #1 AI side event");
}


/* ---- the conference day: from one digest time to the next ---- */

/* One decision at local hh:mm on day 'day' (see te_at). */
static void decision_at(struct te *t, int day, int hh, int mm, const char *text)
{
	char cmd[96];

	te_at(t, day, hh, mm);
	snprintf(cmd, sizeof(cmd), "!decision %s", text);
	te_say(t, CYBER, BOB, cmd);
}

static void test_period_by_digest_time(void **state)
{
	static const struct {
		int hh, mm;             /* digest.time */
		int day[3], at[3][2];   /* decisions a, b (in the period), c (after it) */
		int due_day;            /* the digest checked: on this day at digest.time */
		const char *key, *title;
	} cases[] = {
		{ 23, 0, { 0, 0, 0 }, { { 9, 0 }, { 22, 59 }, { 23, 0 } }, 0,
		  "digest:cybersecurity:2018-11-05", "Sun 4 Nov 23:00 – Mon 5 Nov 23:00" },
		{ 0, 30, { 0, 0, 1 }, { { 9, 0 }, { 23, 50 }, { 0, 40 } }, 1,
		  "digest:cybersecurity:2018-11-06", "Mon 5 Nov 00:30 – Tue 6 Nov 00:30" },
		{ 3, 30, { 0, 1, 1 }, { { 9, 0 }, { 2, 45 }, { 3, 31 } }, 1,
		  "digest:cybersecurity:2018-11-06", "Mon 5 Nov 03:30 – Tue 6 Nov 03:30" },
		{ 7, 0, { 0, 0, 1 }, { { 9, 0 }, { 22, 0 }, { 7, 5 } }, 1,
		  "digest:cybersecurity:2018-11-06", "Mon 5 Nov 07:00 – Tue 6 Nov 07:00" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct te *t = te_new();
		const struct engine_reply *r;
		char want[128];

		t->cfg.digest_minute = cases[i].hh * 60 + cases[i].mm;
		/* running since Monday 09:00: no digest was missed before */
		assert_int_equal(digests_due(t), 0);
		decision_at(t, cases[i].day[0], cases[i].at[0][0], cases[i].at[0][1], "first-a");
		decision_at(t, cases[i].day[1], cases[i].at[1][0], cases[i].at[1][1], "second-b");
		/* the digest falls due at its time, covering a and b */
		te_at(t, cases[i].due_day, cases[i].hh, cases[i].mm);
		r = digests_due(t) ? due_reply(t, cases[i].key) : NULL;
		if (!r)
			fail_msg("digest.time %02d:%02d: no %s", cases[i].hh, cases[i].mm,
				 cases[i].key);
		snprintf(want, sizeof(want), "Cybersecurity — digest, %s\n", cases[i].title);
		assert_contains(r->body, want);
		assert_contains(r->body, "first-a");
		assert_contains(r->body, "second-b");
		assert_not_contains(r->body, "late");
		te_ack_all(t);
		/* c comes after: it is the next digest's */
		decision_at(t, cases[i].day[2], cases[i].at[2][0], cases[i].at[2][1], "third-c");
		te_at(t, cases[i].due_day + 1, cases[i].hh, cases[i].mm);
		assert_int_equal(digests_due(t), 2);
		assert_non_null(t->out.v[0].body);
		for (size_t k = 0; k < t->out.n; k++)
			if (!strcmp(t->out.v[k].room_id, CYBER)) {
				assert_contains(t->out.v[k].body, "third-c");
				assert_not_contains(t->out.v[k].body, "first-a");
			}
		te_free(t);
	}
}

/* The issue's own example: a 07:00 morning briefing has Monday's day and
 * the sessions of the day ahead, not "no sessions tomorrow". */
static void test_morning_digest_lists_day_ahead(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	t->cfg.digest_minute = 7 * 60;
	assert_int_equal(digests_due(t), 0);
	te_say(t, CYBER, BOB, "!session cyber tomorrow 10:00 Com 5 drafting");
	decision_at(t, 0, 22, 0, "late-evening decision");
	te_at(t, 1, 7, 0);
	assert_int_equal(digests_due(t), 2);
	r = due_reply(t, "digest:cybersecurity:2018-11-06");
	assert_non_null(r);
	assert_contains(r->body, "digest, Mon 5 Nov 07:00 – Tue 6 Nov 07:00");
	assert_contains(r->body, "late-evening decision");
	assert_contains(r->body, "Next 24 hours\n• Tue 6 Nov 10:00-11:00 #1 Com 5 drafting: nobody "
				 "attending");
	assert_not_contains(r->body, "No sessions");
	r = due_reply(t, "digest:coordination:2018-11-06");
	assert_non_null(r);
	assert_contains(r->body, "Daily overview — Mon 5 Nov 07:00 – Tue 6 Nov 07:00");
}

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000;
}

static void say_at(struct te *t, int64_t ms, const char *cmd)
{
	t->now_ms = ms;
	te_say(t, CYBER, BOB, cmd);
}

/* Paris leaves summer time on Sunday 28 October 2018 at 03:00 (back to
 * 02:00): the 03:30 digest of that day covers 25 hours, both 02:30s. */
static void test_period_across_dst(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	free(t->cfg.timezone);
	t->cfg.timezone = xstrdup("Europe/Paris");
	t->cfg.digest_minute = 3 * 60 + 30;
	t->now_ms = utc_ms(2018, 10, 26, 12, 0);
	assert_int_equal(digests_due(t), 0);
	say_at(t, utc_ms(2018, 10, 27, 1, 29), "!decision before Saturday's digest");
	say_at(t, utc_ms(2018, 10, 27, 8, 0), "!decision Saturday 10:00 summer time");
	say_at(t, utc_ms(2018, 10, 28, 0, 30), "!decision the first 02:30");
	say_at(t, utc_ms(2018, 10, 28, 1, 30), "!decision the second 02:30");
	say_at(t, utc_ms(2018, 10, 28, 2, 29), "!decision 03:29 winter time");
	/* Sunday 03:30 CET is 02:30 UTC, 25 h after Saturday's 01:30 UTC */
	t->now_ms = utc_ms(2018, 10, 28, 2, 29);
	digests_due(t);
	te_ack_all(t);
	assert_null(due_reply(t, "digest:cybersecurity:2018-10-28"));
	t->now_ms = utc_ms(2018, 10, 28, 2, 30);
	say_at(t, utc_ms(2018, 10, 28, 2, 30), "!decision after the digest");
	digests_due(t);
	r = due_reply(t, "digest:cybersecurity:2018-10-28");
	assert_non_null(r);
	assert_contains(r->body, "digest, Sat 27 Oct 03:30 – Sun 28 Oct 03:30");
	assert_contains(r->body, "Saturday 10:00 summer time");
	assert_contains(r->body, "the first 02:30");
	assert_contains(r->body, "the second 02:30");
	assert_contains(r->body, "03:29 winter time");
	assert_not_contains(r->body, "before Saturday's digest");
	assert_not_contains(r->body, "after the digest");
	assert_contains(r->body, "0 messages, 1 person active; 4 decisions.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_issue_digest_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nobody_attending_tomorrow_flagged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quiet_issue_gets_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_due_once_until_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_same_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_goes_out_late_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_day_is_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_time_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overview, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overview_for_sessions_alone, setup, teardown),
		cmocka_unit_test(test_period_by_digest_time),
		cmocka_unit_test_setup_teardown(test_morning_digest_lists_day_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_period_across_dst, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
