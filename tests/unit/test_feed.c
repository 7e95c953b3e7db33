/*
 * test_feed.c - a feed's answers applied to the sessions (feed.c) and the
 * feed commands (cmd_feed.c): new, moved, cancelled and gone events, a
 * recurring event with an override, moves by hand, failures told after 3
 * in a row, a mass loss taken as a broken answer, match rules, 304s, and
 * the same notice IDs when a fetch is applied again after a rollback (what
 * makes each notice go out once across a crash).
 */
#include "testengine.h"

#include <dirent.h>
#include <stdio.h>
#include <time.h>

#include "feed.h"
#include "metrics.h"
#include "store_feed.h"
#include "store_session.h"

#define URL "http://feeds.example.org/schedule.ics"

#define HEAD "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
#define TAIL "END:VCALENDAR\r\n"
#define EV(uid, start, end, summary, extra)                                             \
	"BEGIN:VEVENT\r\nUID:" uid "\r\nDTSTAMP:20181101T000000Z\r\nDTSTART:" start         \
	"\r\nDTEND:" end "\r\nSUMMARY:" summary "\r\n" extra "END:VEVENT\r\n"

/* Tue 6 Nov 2018, in UTC: Dubai is 4 h ahead */
#define A1 EV("a@x", "20181106T100000Z", "20181106T110000Z", "Drafting Res. 130", \
	     "LOCATION:Room D\r\n")
#define B1 EV("b@x", "20181106T120000Z", "20181106T130000Z", "Plenary", "")
#define C1 EV("c@x", "20181107T080000Z", "20181107T090000Z", "Side event", "")

static int setup(void **state)
{
	struct te *t = te_new();

	t->cfg.feeds_interval = 300;
	t->cfg.feeds_timeout = 60;
	metrics_reset();
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct te *t = *state;

	for (size_t i = 0; i < t->cfg.n_issues; i++)
		strv_release(&t->cfg.issues[i].match);
	te_free(t);
	return 0;
}

/* Apply one answer to feed 'id' inside a transaction, replies in t->out;
 * returns the result label. */
static const char *fetched(struct te *t, int64_t id, long status, const char *body,
			   const char *etag)
{
	struct feed_fetch res = {
		.status = status, .body = body, .len = body ? strlen(body) : 0, .etag = etag,
		.error = status ? NULL : "connection refused",
	};
	const char *result = NULL;

	engine_replies_release(&t->out);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(feed_apply(t->eng, id, &res, &t->out, &result), 0);
	for (size_t i = 0; i < t->out.n; i++)
		assert_int_equal(engine_ack(t->eng, &t->out.v[i]), 0);
	assert_int_equal(store_commit(t->st), 0);
	te_check_replies(t);
	for (size_t i = 0; getenv("SHOW") && i < t->out.n; i++)
		printf("-> %s\n%s\n", t->out.v[i].room_id, t->out.v[i].body);
	return result;
}

/* The one reply to room in t->out (fails when there are several or none). */
static const struct engine_reply *reply_to(struct te *t, const char *room)
{
	const struct engine_reply *found = NULL;

	for (size_t i = 0; i < t->out.n; i++) {
		if (strcmp(t->out.v[i].room_id, room))
			continue;
		if (found)
			fail_msg("two messages to %s in one fetch:\n%s\n%s", room, found->body,
				 t->out.v[i].body);
		found = &t->out.v[i];
	}
	if (!found)
		fail_msg("no message to %s", room);
	return found;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int64_t add_feed(struct te *t, const char *line)
{
	struct feed_list all = { 0 };
	int64_t id;

	assert_contains(te_say(t, COORD, ALICE, line), "Following feed");
	assert_int_equal(store_feed_list(t->st, &all), 0);
	assert_true(all.n > 0);
	id = all.v[all.n - 1].id;
	store_feed_list_release(&all);
	return id;
}

static void test_new_moved_cancelled_gone(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	int64_t id = add_feed(t, "!feed add " URL " cyber");

	assert_string_equal(fetched(t, id, 200, HEAD A1 B1 C1 TAIL, "\"v1\""), "ok");
	r = reply_to(t, CYBER);
	assert_int_equal(count(r->body, "New:"), 3);
	assert_contains(r->body, "Drafting Res. 130");
	assert_contains(r->body, "14:00-15:00");          /* 10:00Z in Dubai */
	assert_contains(r->body, "Room D");
	assert_int_equal(r->mentions.n, 0);
	/* the sessions are ordinary ones: people attend them */
	assert_contains(te_say(t, CYBER, BOB, "!attend 1"), "#1");
	assert_contains(te_say(t, CYBER, CAROL, "!attend 2"), "#2");

	/* the same answer again: nothing to say */
	assert_string_equal(fetched(t, id, 200, HEAD A1 B1 C1 TAIL, "\"v1\""), "ok");
	assert_int_equal(t->out.n, 0);

	/* A moved and to another room, B cancelled, C gone, D new: one message */
	assert_string_equal(fetched(t, id, 200, HEAD
		EV("a@x", "20181106T110000Z", "20181106T120000Z", "Drafting Res. 130",
		   "LOCATION:Room B\r\n")
		EV("b@x", "20181106T120000Z", "20181106T130000Z", "Plenary", "STATUS:CANCELLED\r\n")
		EV("d@x", "20181108T080000Z", "20181108T090000Z", "Wrap-up", "")
		TAIL, "\"v2\""), "ok");
	r = reply_to(t, CYBER);
	assert_int_equal(t->out.n, 1);
	assert_int_equal(count(r->body, "Moved:"), 1);
	assert_contains(r->body, "15:00-16:00 @ Room B");
	assert_contains(r->body, "was tomorrow 14:00-15:00 @ Room D");
	assert_contains(r->body, "Bob");
	assert_int_equal(count(r->body, "Cancelled:"), 2);
	assert_contains(r->body, "(cancelled in the feed)");
	assert_contains(r->body, "(gone from the feed)");
	assert_int_equal(count(r->body, "New:"), 1);
	assert_true(strv_has(&r->mentions, BOB));
	assert_true(strv_has(&r->mentions, CAROL));
	assert_int_equal(r->mentions.n, 2);

	/* attendees survived the move; the session shows the feed's new time */
	{
		struct session s = { 0 };
		assert_int_equal(store_session_get(t->st, 1, &s), 0);
		assert_int_equal(s.start_s, 1541502000);         /* 2018-11-06 11:00Z */
		assert_string_equal(s.place, "Room B");
		assert_int_equal(s.attendees.n, 1);
		assert_int_equal(s.sequence, 1);
		store_session_release(&s);
		assert_int_equal(store_session_get(t->st, 3, &s), 0);
		assert_true(s.cancelled_ms > 0);
		store_session_release(&s);
	}
	/* the state !feeds shows */
	assert_contains(te_say(t, COORD, ALICE, "!feeds"), "ETag: \"v2\"");
	assert_contains(t->out.v[0].body, "sessions made: 2");
	assert_contains(t->out.v[0].body, "for: cybersecurity");
	assert_contains(t->out.v[0].body, "last fetch: 09:00, ok");
}

static void test_recurring_with_override(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	int64_t id = add_feed(t, "!feed add " URL " privacy");
	const char *body = HEAD
		EV("daily@x", "20181106T060000Z", "20181106T070000Z", "Morning briefing",
		   "RRULE:FREQ=DAILY;COUNT=3\r\n")
		"BEGIN:VEVENT\r\nUID:daily@x\r\nDTSTAMP:20181101T000000Z\r\n"
		"RECURRENCE-ID:20181107T060000Z\r\nDTSTART:20181107T090000Z\r\n"
		"DTEND:20181107T100000Z\r\nSUMMARY:Morning briefing (late)\r\nEND:VEVENT\r\n"
		TAIL;
	struct session_list l = { 0 };

	assert_string_equal(fetched(t, id, 200, body, NULL), "ok");
	r = reply_to(t, PRIVACY);
	assert_int_equal(count(r->body, "New:"), 3);
	assert_contains(r->body, "Morning briefing (late)");
	assert_int_equal(store_session_list(t->st, 0, 0, INT64_MAX / 2, 0, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[1].start_s, 1541581200);            /* 2018-11-07 09:00Z */
	store_session_list_release(&l);

	/* the override moves again: only that occurrence is told */
	assert_string_equal(fetched(t, id, 200, HEAD
		EV("daily@x", "20181106T060000Z", "20181106T070000Z", "Morning briefing",
		   "RRULE:FREQ=DAILY;COUNT=3\r\n")
		"BEGIN:VEVENT\r\nUID:daily@x\r\nDTSTAMP:20181101T000000Z\r\n"
		"RECURRENCE-ID:20181107T060000Z\r\nDTSTART:20181107T100000Z\r\n"
		"DTEND:20181107T110000Z\r\nSUMMARY:Morning briefing (late)\r\nEND:VEVENT\r\n"
		TAIL, NULL), "ok");
	r = reply_to(t, PRIVACY);
	assert_int_equal(count(r->body, "Moved:"), 1);
	assert_int_equal(count(r->body, "New:"), 0);
	assert_int_equal(count(r->body, "Cancelled:"), 0);
}

static void test_moved_by_hand(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	struct session s = { 0 };
	int64_t id = add_feed(t, "!feed add " URL " cyber");

	fetched(t, id, 200, HEAD A1 B1 TAIL, NULL);
	assert_contains(te_say(t, CYBER, ALICE, "!move 1 tomorrow 17:00"), "Moved #1");
	/* the feed moves it too: told, not applied */
	fetched(t, id, 200, HEAD
		EV("a@x", "20181106T080000Z", "20181106T090000Z", "Drafting Res. 130",
		   "LOCATION:Room D\r\n") B1 TAIL, NULL);
	r = reply_to(t, CYBER);
	assert_contains(r->body, "Not applied:");
	assert_contains(r->body, "moved by hand to tomorrow 17:00-18:00");
	assert_int_equal(store_session_get(t->st, 1, &s), 0);
	assert_int_equal(s.start_s, 1541509200);         /* Tue 17:00 Dubai = 13:00Z */
	store_session_release(&s);
	/* told once */
	fetched(t, id, 200, HEAD
		EV("a@x", "20181106T080000Z", "20181106T090000Z", "Drafting Res. 130",
		   "LOCATION:Room D\r\n") B1 TAIL, NULL);
	assert_int_equal(t->out.n, 0);
	/* a new title is taken; the time set by hand stays */
	fetched(t, id, 200, HEAD
		EV("a@x", "20181106T080000Z", "20181106T090000Z", "Drafting Res. 130 (cont.)",
		   "LOCATION:Room D\r\n") B1 TAIL, NULL);
	assert_int_equal(store_session_get(t->st, 1, &s), 0);
	assert_string_equal(s.title, "Drafting Res. 130 (cont.)");
	assert_int_equal(s.start_s, 1541509200);
	store_session_release(&s);
}

static void test_failures_told_after_three(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	int64_t id = add_feed(t, "!feed add " URL);

	assert_string_equal(fetched(t, id, 0, NULL, NULL), "error");
	assert_int_equal(t->out.n, 0);
	assert_string_equal(fetched(t, id, 500, "oops", NULL), "error");
	assert_int_equal(t->out.n, 0);
	assert_string_equal(fetched(t, id, 200, "<html>not a calendar</html>", NULL), "not_ical");
	r = reply_to(t, COORD);
	assert_int_equal(t->out.n, 1);
	assert_contains(r->body, "failed 3 times in a row");
	assert_contains(r->body, "not iCalendar");
	assert_contains(te_say(t, COORD, ALICE, "!feeds"), "failed (3 in a row)");
	assert_contains(t->out.v[0].body, "last error: not iCalendar");
	/* quiet after that */
	fetched(t, id, 404, "", NULL);
	assert_int_equal(t->out.n, 0);
	/* and one notice when it works again */
	assert_string_equal(fetched(t, id, 200, HEAD TAIL, NULL), "ok");
	r = reply_to(t, COORD);
	assert_contains(r->body, "works again");
	fetched(t, id, 200, HEAD TAIL, NULL);
	assert_int_equal(t->out.n, 0);
	assert_not_contains(te_say(t, COORD, ALICE, "!feeds"), "last error");
}

static void test_mass_loss_is_a_failure(void **state)
{
	struct te *t = *state;
	struct session_list l = { 0 };
	int64_t id = add_feed(t, "!feed add " URL " cyber");

	fetched(t, id, 200, HEAD A1 B1 C1
		EV("d@x", "20181108T080000Z", "20181108T090000Z", "Wrap-up", "")
		EV("e@x", "20181109T080000Z", "20181109T090000Z", "Closing", "") TAIL, "\"v1\"");
	/* 1 of 5 left: a broken answer, not four cancellations */
	assert_string_equal(fetched(t, id, 200, HEAD A1 TAIL, "\"v2\""), "mass_loss");
	assert_int_equal(t->out.n, 0);
	assert_int_equal(store_session_list(t->st, 0, 0, INT64_MAX / 2, 0, &l), 0);
	assert_int_equal(l.n, 5);
	store_session_list_release(&l);
	assert_contains(te_say(t, COORD, ALICE, "!feeds"), "lacked 4 of its 5 known events");
	assert_contains(t->out.v[0].body, "ETag: \"v1\"");      /* fetched in full next time */
	/* losing one of five is believed */
	fetched(t, id, 200, HEAD A1 B1 C1
		EV("d@x", "20181108T080000Z", "20181108T090000Z", "Wrap-up", "") TAIL, "\"v3\"");
	assert_int_equal(count(reply_to(t, CYBER)->body, "Cancelled:"), 1);
}

static void test_match_rules_and_skips(void **state)
{
	struct te *t = *state;
	int64_t id;
	const char *ans;

	strv_push(&t->cfg.issues[0].match, "Res. 130");
	strv_push(&t->cfg.issues[1].match, "privacy");
	id = add_feed(t, "!feed add " URL);
	fetched(t, id, 200, HEAD A1 B1
		EV("p@x", "20181106T140000Z", "20181106T150000Z", "Data", "CATEGORIES:Privacy\r\n")
		"BEGIN:VEVENT\r\nUID:h@x\r\nDTSTAMP:20181101T000000Z\r\n"
		"DTSTART;VALUE=DATE:20181106\r\nSUMMARY:Privacy day\r\nEND:VEVENT\r\n"
		EV("old@x", "20181101T080000Z", "20181101T090000Z", "Old privacy talk", "")
		TAIL, NULL);
	assert_int_equal(t->out.n, 2);
	assert_contains(reply_to(t, CYBER)->body, "Drafting Res. 130");
	assert_contains(reply_to(t, PRIVACY)->body, "Data");
	ans = te_say(t, COORD, ALICE, "!feeds");
	assert_contains(ans, "for: by match rules");
	assert_contains(ans, "events seen: 5");
	assert_contains(ans, "sessions made: 2");
	assert_contains(ans, "skipped as unmatched: 1 (no issue's match rules hit them)");
	assert_contains(ans, "other skips: 2 (1 all-day (not meetings); 1 already over)");
}

static void test_not_modified(void **state)
{
	struct te *t = *state;
	int64_t id = add_feed(t, "!feed add " URL " cyber");

	fetched(t, id, 200, HEAD A1 TAIL, "\"v1\"");
	assert_string_equal(fetched(t, id, 304, "", NULL), "not_modified");
	assert_int_equal(t->out.n, 0);
	assert_contains(te_say(t, COORD, ALICE, "!feeds"), "ETag: \"v1\"");
	assert_contains(t->out.v[0].body, "sessions made: 1");
}

/* What makes a notice go out once across a crash: applying the same
 * answer after a rollback gives the same due IDs (the outbox keys). */
static void test_same_ids_after_rollback(void **state)
{
	struct te *t = *state;
	struct engine_replies a = { 0 }, b = { 0 };
	struct feed_fetch res = { .status = 200, .body = HEAD A1 B1 TAIL };
	const char *result;
	int64_t id = add_feed(t, "!feed add " URL " cyber");

	res.len = strlen(res.body);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(feed_apply(t->eng, id, &res, &a, &result), 0);
	assert_int_equal(store_rollback(t->st), 0);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(feed_apply(t->eng, id, &res, &b, &result), 0);
	assert_int_equal(store_commit(t->st), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_string_equal(a.v[0].due_id, b.v[0].due_id);
	assert_string_equal(a.v[0].body, b.v[0].body);
	engine_replies_release(&a);
	engine_replies_release(&b);
	/* the next fetch has its own IDs */
	assert_int_equal(store_begin(t->st), 0);
	res.body = HEAD A1 TAIL;
	res.len = strlen(res.body);
	assert_int_equal(feed_apply(t->eng, id, &res, &a, &result), 0);
	assert_int_equal(store_commit(t->st), 0);
	assert_int_equal(a.n, 1);
	assert_string_not_equal(a.v[0].due_id, "feed.1.1.0");
	engine_replies_release(&a);
}

/* Apply body to feed id in a transaction that is then rolled back; the
 * replies into out. */
static int try_apply(struct te *t, int64_t id, const char *body, struct engine_replies *out)
{
	struct feed_fetch res = { .status = 200, .body = body, .len = strlen(body) };
	const char *result;
	int rc;

	if (store_begin(t->st))
		return -1;      /* the fault hit BEGIN itself */
	rc = feed_apply(t->eng, id, &res, out, &result);
	store_rollback(t->st);
	return rc;
}

/* The store failing at any statement of a fetch leaves nothing of it:
 * the clean retry tells exactly what a fetch without the failure tells. */
static void test_store_faults(void **state)
{
	struct te *t = *state;
	const char *v2 = HEAD
		EV("a@x", "20181106T110000Z", "20181106T120000Z", "Drafting Res. 130", "")
		EV("b@x", "20181106T120000Z", "20181106T130000Z", "Plenary", "STATUS:CANCELLED\r\n")
		EV("d@x", "20181108T080000Z", "20181108T090000Z", "Wrap-up", "") TAIL;
	struct engine_replies ref = { 0 };
	int64_t id = add_feed(t, "!feed add " URL " cyber");
	int n, failed = 0;

	fetched(t, id, 200, HEAD A1 B1 C1 TAIL, NULL);
	te_say(t, CYBER, BOB, "!attend 1");
	store_fault_arm(t->st, 0, STORE_FAULT_IOERR);
	assert_int_equal(try_apply(t, id, v2, &ref), 0);
	n = store_fault_seen();
	store_fault_disarm();
	assert_int_equal(ref.n, 1);
	assert_true(n > 10);
	for (int k = 1; k <= n; k++) {
		struct engine_replies junk = { 0 }, got = { 0 };
		store_fault_arm(t->st, k, STORE_FAULT_IOERR);
		failed += try_apply(t, id, v2, &junk) != 0;
		if (!store_fault_fired())
			fail_msg("the fault at statement %d of %d never fired", k, n);
		store_fault_disarm();
		engine_replies_release(&junk);
		assert_int_equal(try_apply(t, id, v2, &got), 0);
		assert_int_equal(got.n, ref.n);
		assert_string_equal(got.v[0].due_id, ref.v[0].due_id);
		assert_string_equal(got.v[0].body, ref.v[0].body);
		engine_replies_release(&got);
	}
	assert_true(failed > n / 2);
	engine_replies_release(&ref);
}

static void test_commands(void **state)
{
	struct te *t = *state;
	struct feed_list all = { 0 };
	const char *urls[] = { "https://conf.example.org/all.ics" }, *issues[] = { NULL };

	assert_contains(te_say(t, COORD, ALICE, "!feeds"), "I follow no feeds");
	assert_contains(te_say(t, COORD, BOB, "!feed add " URL), "admin");
	assert_contains(te_say(t, COORD, ALICE, "!feed add ftp://x/y.ics"), "not an http");
	assert_contains(t->out.v[0].body, "Usage:");
	assert_contains(te_say(t, COORD, ALICE, "!feed add " URL " nosuchissue"), "no such issue");
	assert_contains(te_say(t, COORD, ALICE, "!feed add " URL), "Following feed 1");
	assert_contains(te_say(t, COORD, ALICE, "!feed add " URL), "already follow that feed");
	assert_contains(te_say(t, COORD, ALICE, "!feeds"), "Feed 1: " URL);
	assert_contains(t->out.v[0].body, "last fetch: not yet");
	assert_contains(te_say(t, COORD, ALICE, "!feed remove 7"), "no feed 7");
	assert_contains(te_say(t, COORD, ALICE, "!feed remove x"), "not a feed number");
	/* a configured feed is removed in the file, not by command */
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(store_feed_sync_config(t->st, urls, issues, 1, BOB, t->now_ms), 0);
	assert_int_equal(store_commit(t->st), 0);
	assert_contains(te_say(t, COORD, ALICE, "!feed remove 2"), "configuration file");
	assert_contains(te_say(t, COORD, ALICE, "!feed remove 1"), "No longer following feed 1");
	assert_int_equal(store_feed_list(t->st, &all), 0);
	assert_int_equal(all.n, 1);
	assert_string_equal(all.v[0].url, urls[0]);
	assert_true(all.v[0].from_config);
	store_feed_list_release(&all);
	/* the file no longer lists it: gone */
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(store_feed_sync_config(t->st, urls, issues, 0, BOB, t->now_ms), 0);
	assert_int_equal(store_commit(t->st), 0);
	assert_contains(te_say(t, COORD, ALICE, "!feeds"), "I follow no feeds");
}

/* Midnight UTC before the first event's DTSTART date in text, or 1 Jan 2000. */
static int64_t first_day(const char *text)
{
	const char *p = strstr(text, "BEGIN:VEVENT");
	struct tm tm = { 0 };
	int64_t ymd;
	char digits[9];

	p = p ? strstr(p, "DTSTART") : NULL;
	p = p ? strchr(p, ':') : NULL;
	if (!p || strspn(p + 1, "0123456789") < 8)
		return 946684800;
	memcpy(digits, p + 1, 8);
	digits[8] = '\0';
	assert_int_equal(str_to_i64(digits, &ymd), 0);
	tm.tm_year = (int)(ymd / 10000) - 1900;
	tm.tm_mon = (int)(ymd / 100 % 100) - 1;
	tm.tm_mday = (int)(ymd % 100) - 1;
	return (int64_t)timegm(&tm);
}

/* Every real export imports without a crash, each event a session or
 * counted as skipped. */
static void test_real_feeds(void **state)
{
	struct te *t = *state;
	const char *dir = "../shared/ics-real";
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t files = 0;

	if (!d) {
		printf("# skipped: %s is absent\n", dir);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char path[512], line[600];
		struct buf body;
		struct feed f = { 0 };
		FILE *fp;
		int64_t id;

		if (n < 4 || strcmp(de->d_name + n - 4, ".ics"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		buf_init(&body, 0);
		while ((n = fread(line, 1, sizeof(line), fp)) > 0)
			buf_add(&body, line, n);
		fclose(fp);
		snprintf(line, sizeof(line), "!feed add http://real.example.org/%s ai", de->d_name);
		id = add_feed(t, line);
		/* the day before the file's first event, so that its events lie
		 * ahead and its recurring ones expand */
		t->now_ms = first_day(body.data) * 1000;
		{
			struct feed_fetch res = { .status = 200, .body = body.data, .len = body.len };
			const char *result;
			struct engine_replies r = { 0 };
			assert_int_equal(store_begin(t->st), 0);
			assert_int_equal(feed_apply(t->eng, id, &res, &r, &result), 0);
			assert_int_equal(store_commit(t->st), 0);
			engine_replies_release(&r);
		}
		t->now_ms = T0_MS;
		assert_int_equal(store_feed_get(t->st, id, &f), 0);
		if (getenv("SHOW"))
			printf("%s: seen %lld made %lld other %lld (%s) err %s\n", de->d_name,
			       (long long)f.events_seen, (long long)f.sessions_made,
			       (long long)f.skipped_other, f.skip_note ? f.skip_note : "",
			       f.last_error ? f.last_error : "-");
		if (!f.last_error)
			assert_int_equal(f.events_seen, f.sessions_made + f.skipped_other);
		store_feed_release(&f);
		buf_release(&body);
		files++;
	}
	closedir(d);
	assert_true(files >= 20);
}

static void test_url_short(void **state)
{
	static const char *const cases[][2] = {
		{ URL, URL },
		{ "https://calendar.google.com/calendar/ical/abc123def456%40group.calendar.google"
		  ".com/public/basic.ics", "calendar.google.com/\xe2\x80\xa6/basic.ics" },
		{ "https://outlook.office365.com/owa/calendar/0123456789abcdef/fedcba9876543210/"
		  "calendar.ics?token=secret", "outlook.office365.com/\xe2\x80\xa6/calendar.ics" },
		{ "https://a-very-long-host-name.conference.example.org/", "a-very-long-host-name.co/\xe2\x80\xa6/" },
		{ "https://a-very-long-host-name.conference.example.org", "a-very-long-host-name.co/\xe2\x80\xa6" },
	};
	char out[96];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		feed_url_short(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_moved_cancelled_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recurring_with_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_told_after_three, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mass_loss_is_a_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_rules_and_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_modified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_ids_after_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_feeds, setup, teardown),
		cmocka_unit_test(test_url_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
