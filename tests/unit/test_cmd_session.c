/*
 * test_cmd_session.c - the session commands (cmd_session.c) driven through
 * the engine, and the reminders engine_due() hands out: session reminders
 * before the start, grouped per room and minute, late or dropped after a
 * gap, fresh after a move; and the personal ones of !remind.
 *
 * The clock starts on Monday 2018-11-05 09:00 in Dubai.
 */
#include "testengine.h"

#include "store_session.h"

#define H 3600
#define AT_14 (T0_MS / 1000 + 5 * H)    /* today 14:00 in Dubai */

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

/* A post to room, or fail: a due message, or after a command a message
 * other than the answer (which comes first). */
static const struct engine_reply *post_to(struct te *t, const char *room, size_t skip)
{
	size_t first = t->out.n && !t->out.v[0].due_id ? 1 : 0;

	for (size_t i = first; i < t->out.n; i++)
		if (!strcmp(t->out.v[i].room_id, room) && skip-- == 0)
			return &t->out.v[i];
	fail_msg("no message to %s", room);
	return NULL;
}

/* The answer to the command: the first reply (posts elsewhere follow). */
static const char *answer(struct te *t)
{
	assert_true(t->out.n > 0);
	return t->out.v[0].body;
}

static void say_ok(struct te *t, const char *room, const char *who, const char *cmd,
		   const char *expect)
{
	te_say(t, room, who, cmd);
	assert_contains(answer(t), expect);
}

/* Move the clock to 'at' (seconds since the epoch). */
static void clock_at(struct te *t, int64_t at)
{
	t->now_ms = at * 1000;
}

/* ---- !session ---- */

static void test_session_schedules(void **state)
{
	struct te *t = *state;
	const struct engine_reply *p;

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group on Res. 130 @ Room D");
	assert_contains(answer(t), "Scheduled #1: Drafting group on Res. 130 (Cybersecurity), "
			"today 14:00-15:00 @ Room D.");
	assert_contains(answer(t), "Nobody attends yet: !attend 1 to go.");
	assert_int_equal(t->out.v[0].mentions.n, 0);
	/* the issue room hears of it when it was scheduled elsewhere */
	p = post_to(t, CYBER, 0);
	assert_contains(p->body, "New session: #1 Drafting group on Res. 130, today "
			"14:00-15:00 @ Room D.");

	/* a range; the place glued to '@' */
	say_ok(t, COORD, ALICE, "!session privacy tomorrow 10:00-11:30 Plenary @Room A",
	       "Scheduled #2: Plenary (Privacy and data protection), tomorrow 10:00-11:30 "
	       "@ Room A.");
	/* a quoted title, no place, a weekday */
	say_ok(t, COORD, ALICE, "!session ai wed 09:00 \"AI briefing\"",
	       "Scheduled #3: AI briefing (Artificial intelligence), Wed 7 Nov 09:00-10:00.");
	/* an issue with no room: nobody else to tell */
	te_say(t, COORD, ALICE, "!session gender 12:00 Side event");
	assert_int_equal(t->out.n, 1);
	assert_contains(answer(t), "Scheduled #4: Side event (Gender), today 12:00-13:00.");
}

static void test_session_defaults_to_room_issue(void **state)
{
	struct te *t = *state;

	te_say(t, CYBER, BOB, "!session 15:00 Briefing");
	/* scheduled in its own room: one answer, no second notice */
	assert_int_equal(t->out.n, 1);
	assert_contains(answer(t), "Scheduled #1: Briefing (Cybersecurity), today 15:00-16:00.");
	say_ok(t, CYBER, BOB, "!session in 2h Consultations",
	       "Scheduled #2: Consultations (Cybersecurity), today 11:00-12:00.");
	say_ok(t, COORD, BOB, "!session 15:00 Briefing", "this is not an issue room");
	assert_contains(answer(t), "Usage: !session <issue> <when> <title...> [@ <place>]");
}

static void test_session_errors(void **state)
{
	struct te *t = *state;

	say_ok(t, COORD, ALICE, "!session cyber 08:00 Too late",
	       "Mon 5 Nov 08:00 is in the past (it is 09:00 now); for tomorrow, write "
	       "'tomorrow 08:00'.");
	assert_contains(answer(t), "Usage: !session");
	say_ok(t, COORD, ALICE, "!session cyber 14:00", "what is the session called?");
	say_ok(t, COORD, ALICE, "!session cyber 14:00 Drafting @", "where?");
	say_ok(t, COORD, ALICE, "!session cyber 25:00 Drafting", "'25:00'");
	assert_contains(answer(t), "Usage: !session");
	say_ok(t, COORD, ALICE, "!session nosuch 14:00 Drafting", "no such issue 'nosuch'");
	say_ok(t, COORD, ALICE, "!session", "which issue, when, and what?");
	say_ok(t, COORD, ALICE, "!session cyber 14:00-14:00 Drafting", "less than 24 h");
	say_ok(t, COORD, ALICE, "!sessions all", "No upcoming sessions.");
	/* the current minute still counts as now */
	te_advance(t, 40);
	say_ok(t, COORD, ALICE, "!session cyber 09:00 Starting now", "Scheduled #1");
}

static void test_session_clash(void **state)
{
	struct te *t = *state;

	te_say(t, COORD, ALICE, "!cover cyber");
	te_say(t, COORD, ALICE, "!session privacy 14:00 Plenary 3");
	te_say(t, COORD, ALICE, "!attend 1");
	te_say(t, COORD, BOB, "!session cyber 14:30 Drafting group");
	assert_contains(answer(t), "Scheduled #2");
	assert_contains(answer(t), "Clash: Alice (lead) already attends #1 Plenary 3, today "
			"14:00-15:00.");
	/* no overlap, no clash */
	te_say(t, COORD, BOB, "!session cyber 15:00 Drafting group 2");
	assert_contains(answer(t), "Scheduled #3");
	assert_not_contains(answer(t), "Clash");
	/* attending an overlapping one is flagged too */
	te_say(t, COORD, ALICE, "!attend 2");
	assert_contains(answer(t), "You will attend #2 Drafting group");
	assert_contains(answer(t), "Clash: Alice already attends #1 Plenary 3");
	/* moving a session into an attendee's other session */
	te_say(t, COORD, BOB, "!attend 3");
	te_say(t, COORD, BOB, "!session ai 17:00 AI plenary");
	te_say(t, COORD, BOB, "!attend 4");
	te_say(t, COORD, BOB, "!move 4 15:30");
	assert_contains(answer(t), "Clash: Bob already attends #3 Drafting group 2");
}

/* ---- !sessions, !uncovered ---- */

static void test_sessions_lists(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group @ Room D");
	te_say(t, COORD, ALICE, "!session privacy 16:00 Plenary 3");
	te_say(t, COORD, ALICE, "!session cyber tomorrow 08:00 Drafting group, day 2");
	te_say(t, COORD, ALICE, "!session ai wed 10:00 AI briefing");
	te_say(t, COORD, BOB, "!attend 1");

	r = te_say(t, COORD, ALICE, "!sessions");
	assert_contains(r, "3 sessions in the next 24 h");
	assert_contains(r, "Today, Mon 5 Nov");
	assert_contains(r, "14:00-15:00 #1 Drafting group @ Room D (Cybersecurity): Bob");
	assert_contains(r, "16:00-17:00 #2 Plenary 3 (Privacy and data protection): nobody "
			"attending");
	assert_contains(r, "Tomorrow, Tue 6 Nov");
	assert_not_contains(r, "AI briefing");
	assert_contains(t->out.v[0].html, "<b>nobody attending</b>");

	/* in an issue room: that issue's, however far */
	r = te_say(t, CYBER, ALICE, "!sessions");
	assert_contains(r, "2 upcoming Cybersecurity sessions");
	assert_contains(r, "#1 Drafting group @ Room D: Bob");
	assert_contains(r, "#3 Drafting group, day 2");
	assert_not_contains(r, "Plenary");

	r = te_say(t, COORD, ALICE, "!sessions ai");
	assert_contains(r, "1 upcoming Artificial intelligence session\n");
	assert_contains(r, "Wed 7 Nov");
	r = te_say(t, COORD, ALICE, "!sessions today");
	assert_contains(r, "2 sessions today");
	assert_not_contains(r, "day 2");
	r = te_say(t, COORD, ALICE, "!sessions tomorrow");
	assert_contains(r, "1 session tomorrow (Tue 6 Nov)");
	assert_contains(r, "08:00-09:00 #3 Drafting group, day 2 (Cybersecurity)");
	r = te_say(t, PRIVACY, ALICE, "!sessions tomorrow");
	assert_contains(r, "No Privacy and data protection sessions tomorrow (Tue 6 Nov).");
	r = te_say(t, PRIVACY, ALICE, "!sessions all");
	assert_contains(r, "4 upcoming sessions");
	r = te_say(t, COORD, ALICE, "!sessions nosuch");
	assert_contains(r, "no such issue 'nosuch'");
	r = te_say(t, COORD, ALICE, "!sessions cyber today");
	assert_contains(r, "Usage: !sessions [issue|today|tomorrow|all]");

	/* a session going on shows as such; one that ended is gone */
	clock_at(t, AT_14 + 600);
	r = te_say(t, COORD, ALICE, "!sessions");
	assert_contains(r, "now until 15:00 #1 Drafting group");
	clock_at(t, AT_14 + H);
	r = te_say(t, COORD, ALICE, "!sessions");
	assert_not_contains(r, "#1");
	assert_contains(r, "#2 Plenary 3");
}

static void test_uncovered(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, ALICE, "!uncovered");
	assert_string_equal(r, "No sessions in the next 24 h.");
	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	te_say(t, COORD, ALICE, "!session privacy 16:00 Plenary 3");
	te_say(t, COORD, ALICE, "!session ai wed 10:00 Far away");
	te_say(t, COORD, BOB, "!attend 1");
	r = te_say(t, COORD, ALICE, "!uncovered");
	assert_contains(r, "1 session in the next 24 h with nobody attending");
	assert_contains(r, "#2 Plenary 3 (Privacy and data protection): nobody attending");
	assert_not_contains(r, "#1");
	assert_not_contains(r, "Far away");
	te_say(t, COORD, CAROL, "!attend 2");
	r = te_say(t, COORD, ALICE, "!uncovered");
	assert_string_equal(r, "Every session in the next 24 h has someone attending.");
	r = te_say(t, COORD, ALICE, "!uncovered cyber");
	assert_contains(r, "Usage: !uncovered");
}

/* ---- !attend, !skip ---- */

static void test_attend_skip(void **state)
{
	struct te *t = *state;

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group @ Room D");
	say_ok(t, COORD, BOB, "!attend 1",
	       "You will attend #1 Drafting group, today 14:00-15:00 @ Room D.");
	say_ok(t, COORD, BOB, "!attend #1", "You already attend #1 Drafting group");
	say_ok(t, COORD, BOB, "!attend 1 Carol Smith", "Carol Smith will attend #1");
	say_ok(t, COORD, BOB, "!attend 1 @carol:example.org", "Carol Smith already attends #1");
	te_say(t, COORD, BOB, "!sessions");
	assert_contains(answer(t), "Bob, Carol Smith");

	say_ok(t, COORD, BOB, "!skip 1", "You no longer attend #1 Drafting group.");
	assert_not_contains(answer(t), "Nobody");
	say_ok(t, COORD, BOB, "!skip 1", "You were not attending #1 Drafting group.");
	say_ok(t, COORD, BOB, "!skip 1 Carol Smith", "Carol Smith no longer attends #1");
	assert_contains(answer(t), "Nobody attends #1 now.");

	say_ok(t, COORD, BOB, "!attend 12", "no session #12");
	say_ok(t, COORD, BOB, "!skip 12", "no session #12");
	say_ok(t, COORD, BOB, "!attend x", "'x' is not a session number.");
	assert_contains(answer(t), "Usage: !attend <n> [user]");
	say_ok(t, COORD, BOB, "!attend", "which session?");
	say_ok(t, COORD, BOB, "!attend 1 Nobody", "no member of this room is called 'Nobody'");

	clock_at(t, AT_14 + H);
	say_ok(t, COORD, BOB, "!attend 1", "#1 Drafting group is already over.");
}

/* ---- !move, !cancel ---- */

static void test_move_tells_attendees(void **state)
{
	struct te *t = *state;
	const struct engine_reply *p;

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group @ Room D");
	te_say(t, COORD, BOB, "!attend 1");
	te_say(t, COORD, CAROL, "!attend 1");
	te_say(t, COORD, ALICE, "!move 1 16:00");
	/* keeps its length */
	assert_contains(answer(t), "Moved #1 Drafting group to today 16:00-17:00 (was today "
			"14:00-15:00).");
	assert_contains(answer(t), "I told its attendees in the Cybersecurity room.");
	assert_int_equal(t->out.v[0].mentions.n, 0);
	p = post_to(t, CYBER, 0);
	assert_contains(p->body, "Moved: #1 Drafting group, today 16:00-17:00 @ Room D (was "
			"today 14:00-15:00).");
	assert_contains(p->body, "Attending: Bob, Carol Smith");
	assert_int_equal(p->mentions.n, 2);
	assert_true(strv_has(&p->mentions, BOB));
	assert_true(strv_has(&p->mentions, CAROL));
	assert_contains(p->html, "https://matrix.to/#/@carol:example.org");

	/* a range sets a new length */
	say_ok(t, COORD, ALICE, "!move 1 tomorrow 09:00-09:30",
	       "Moved #1 Drafting group to tomorrow 09:00-09:30 (was today 16:00-17:00).");
	/* moved from the issue room itself: the notice still mentions them */
	te_say(t, CYBER, ALICE, "!move 1 tomorrow 10:00");
	assert_int_equal(t->out.n, 2);
	assert_contains(answer(t), "Moved #1 Drafting group to tomorrow 10:00-10:30");
	assert_not_contains(answer(t), "I told");
	assert_int_equal(t->out.v[0].mentions.n, 0);
	assert_int_equal(post_to(t, CYBER, 0)->mentions.n, 2);

	say_ok(t, COORD, ALICE, "!move 1 08:00", "is in the past");
	say_ok(t, COORD, ALICE, "!move 1 tomorrow 10:00", "is already at that time");
	say_ok(t, COORD, ALICE, "!move 1", "when?");
	assert_contains(answer(t), "Usage: !move <n> <when>");
	say_ok(t, COORD, ALICE, "!move 9 15:00", "no session #9");
	say_ok(t, COORD, ALICE, "!move 9", "Usage: !move <n> <when>");
	say_ok(t, COORD, ALICE, "!move 1 15:00 please", "I did not understand 'please'");

	/* three moves made, none refused: the calendar's SEQUENCE is 3 */
	{
		struct session s;
		assert_int_equal(store_session_get(t->st, 1, &s), 0);
		assert_int_equal(s.sequence, 3);
		store_session_release(&s);
	}
}

static void test_cancel_tells_attendees(void **state)
{
	struct te *t = *state;
	const struct engine_reply *p;
	const char *r;

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group @ Room D");
	te_say(t, COORD, BOB, "!attend 1");
	te_say(t, COORD, ALICE, "!cancel 1");
	assert_contains(answer(t), "Cancelled #1 Drafting group, today 14:00-15:00 @ Room D.");
	assert_contains(answer(t), "I told its attendee in the Cybersecurity room.");
	p = post_to(t, CYBER, 0);
	assert_contains(p->body, "Cancelled: #1 Drafting group, today 14:00-15:00 @ Room D.");
	assert_contains(p->body, "Was attending: Bob");
	assert_int_equal(p->mentions.n, 1);
	assert_string_equal(p->mentions.v[0], BOB);

	/* cancelled sessions leave the lists */
	r = te_say(t, COORD, ALICE, "!sessions");
	assert_string_equal(r, "No sessions in the next 24 h.");
	say_ok(t, COORD, ALICE, "!cancel 1", "#1 Drafting group was already cancelled.");
	say_ok(t, COORD, BOB, "!attend 1", "#1 Drafting group was cancelled.");
	say_ok(t, COORD, ALICE, "!move 1 16:00", "was cancelled");
	say_ok(t, COORD, ALICE, "!cancel 7", "no session #7");
	say_ok(t, COORD, ALICE, "!cancel 1 2", "Usage: !cancel <n>");
	say_ok(t, COORD, ALICE, "!cancel 9 now", "Usage: !cancel <n>");

	/* an issue without a room cannot be told */
	te_say(t, COORD, ALICE, "!session gender 15:00 Side event");
	te_say(t, COORD, BOB, "!attend 2");
	te_say(t, COORD, ALICE, "!cancel 2");
	assert_int_equal(t->out.n, 1);
	assert_contains(answer(t), "Gender has no room I can post in, so tell its attendee "
			"yourself.");
}

/* ---- session reminders ---- */

static void test_reminder_due_at_start_minus_30m(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	char key[64];

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group @ Room D");
	te_say(t, COORD, BOB, "!attend 1");
	clock_at(t, AT_14 - 1800 - 1);
	assert_int_equal(te_due(t), 0);
	clock_at(t, AT_14 - 1800);
	assert_int_equal(te_due(t), 1);
	r = &t->out.v[0];
	assert_string_equal(r->room_id, CYBER);
	assert_contains(r->body, "Reminder: #1 Drafting group starts in 30 min, today "
			"14:00-15:00 @ Room D.");
	assert_contains(r->body, "Attending: Bob");
	assert_not_contains(r->body, "late");
	assert_int_equal(r->mentions.n, 1);
	assert_string_equal(r->mentions.v[0], BOB);
	snprintf(key, sizeof(key), "rem:1:%lld:1800", (long long)AT_14);
	assert_int_equal(r->due_keys.n, 1);
	assert_string_equal(r->due_keys.v[0], key);
	assert_string_equal(r->due_id, key);

	/* the same until acknowledged, then never again */
	assert_int_equal(te_due(t), 1);
	assert_string_equal(t->out.v[0].due_id, key);
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);
	te_advance(t, 120);
	assert_int_equal(te_due(t), 0);

	/* and the 5-minute one */
	clock_at(t, AT_14 - 300);
	assert_int_equal(te_due(t), 1);
	assert_contains(t->out.v[0].body, "starts in 5 min");
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);
}

static void test_reminders_grouped_per_room_and_minute(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	char k1[64], k2[64];

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	te_say(t, COORD, ALICE, "!session cyber 14:00 Informal consultations");
	te_say(t, COORD, ALICE, "!session privacy 14:00 Plenary 3");
	te_say(t, COORD, BOB, "!attend 1");
	te_say(t, COORD, CAROL, "!attend 2");
	te_say(t, COORD, DAVE, "!attend 3");
	clock_at(t, AT_14 - 1800);
	assert_int_equal(te_due(t), 2);
	r = post_to(t, CYBER, 0);
	assert_contains(r->body, "#1 Drafting group starts in 30 min");
	assert_contains(r->body, "#2 Informal consultations starts in 30 min");
	assert_int_equal(r->mentions.n, 2);
	assert_int_equal(r->due_keys.n, 2);
	snprintf(k1, sizeof(k1), "rem:1:%lld:1800", (long long)AT_14);
	snprintf(k2, sizeof(k2), "rem:2:%lld:1800", (long long)AT_14);
	assert_true(strv_has(&r->due_keys, k1));
	assert_true(strv_has(&r->due_keys, k2));
	assert_non_null(strstr(r->due_id, "rem:"));
	{
		/* the group's ID is stable */
		char *id = xstrdup(r->due_id);

		assert_int_equal(te_due(t), 2);
		assert_string_equal(post_to(t, CYBER, 0)->due_id, id);
		free(id);
	}
	r = post_to(t, PRIVACY, 0);
	assert_contains(r->body, "#3 Plenary 3");
	assert_not_contains(r->body, "Drafting");
	assert_int_equal(r->due_keys.n, 1);
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);
}

static void test_reminder_late_and_superseded(void **state)
{
	struct te *t = *state;

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	te_say(t, COORD, BOB, "!attend 1");
	/* the bot was down at 13:30; back at 13:45: sent, marked late */
	clock_at(t, AT_14 - 900);
	assert_int_equal(te_due(t), 1);
	assert_contains(t->out.v[0].body, "Reminder (late): #1 Drafting group starts in 15 min");
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);
	/* within a minute of its time a reminder is not late */
	clock_at(t, AT_14 - 300 + 60);
	assert_int_equal(te_due(t), 1);
	assert_contains(t->out.v[0].body, "Reminder: #1");
	assert_not_contains(t->out.v[0].body, "late");
	te_ack_all(t);

	/* down through both reminders of another session: only the latest goes */
	te_say(t, COORD, ALICE, "!session cyber 18:00 Evening plenary");
	clock_at(t, AT_14 + 4 * H - 120);
	assert_int_equal(te_due(t), 1);
	assert_contains(t->out.v[0].body, "Reminder (late): #2 Evening plenary starts in 2 min");
	assert_int_equal(t->out.v[0].due_keys.n, 1);
	assert_non_null(strstr(t->out.v[0].due_keys.v[0], ":300"));
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);
}

static void test_reminder_dropped_after_start(void **state)
{
	struct te *t = *state;

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	te_say(t, COORD, BOB, "!attend 1");
	/* down from before 13:30 until after the start: nothing, ever */
	clock_at(t, AT_14 + 60);
	assert_int_equal(te_due(t), 0);
	clock_at(t, AT_14 + 600);
	assert_int_equal(te_due(t), 0);
}

static void test_reminder_after_move_and_cancel(void **state)
{
	struct te *t = *state;
	char key[64];

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	te_say(t, COORD, BOB, "!attend 1");
	clock_at(t, AT_14 - 1800);
	assert_int_equal(te_due(t), 1);
	te_ack_all(t);
	/* moved to 16:00 at 13:40: it gets its reminders again */
	clock_at(t, AT_14 - 1200);
	te_say(t, COORD, ALICE, "!move 1 16:00");
	assert_contains(answer(t), "Moved #1");
	assert_int_equal(te_due(t), 0);
	clock_at(t, AT_14 + 2 * H - 1800);
	assert_int_equal(te_due(t), 1);
	assert_contains(t->out.v[0].body, "today 16:00-17:00");
	snprintf(key, sizeof(key), "rem:1:%lld:1800", (long long)(AT_14 + 2 * H));
	assert_string_equal(t->out.v[0].due_id, key);
	te_ack_all(t);

	/* a cancelled session gets none */
	te_say(t, COORD, ALICE, "!cancel 1");
	clock_at(t, AT_14 + 2 * H - 300);
	assert_int_equal(te_due(t), 0);
}

static void test_reminder_scheduled_late_skips_passed_ones(void **state)
{
	struct te *t = *state;

	/* scheduled at 13:50 for 14:00: the 30-minute one was never owed */
	clock_at(t, AT_14 - 600);
	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	assert_int_equal(te_due(t), 0);
	clock_at(t, AT_14 - 300);
	assert_int_equal(te_due(t), 1);
	assert_contains(t->out.v[0].body, "starts in 5 min");
}

static void test_reminder_mentions_leads_when_nobody_attends(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	te_say(t, COORD, ALICE, "!cover cyber");
	te_say(t, COORD, BOB, "!cover cyber backup");
	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	te_say(t, COORD, ALICE, "!session gender 14:00 Side event");   /* no room: none */
	clock_at(t, AT_14 - 1800);
	assert_int_equal(te_due(t), 1);
	r = &t->out.v[0];
	assert_string_equal(r->room_id, CYBER);
	assert_contains(r->body, "Nobody attends yet; leads: Alice");
	assert_int_equal(r->mentions.n, 1);
	assert_string_equal(r->mentions.v[0], ALICE);

	te_say(t, COORD, ALICE, "!uncover cyber");
	te_say(t, COORD, ALICE, "!session cyber 14:30 Plenary");
	clock_at(t, AT_14);
	assert_int_equal(te_due(t), 1);
	assert_contains(t->out.v[0].body, "Nobody attends, and nobody leads Cybersecurity.");
	assert_int_equal(t->out.v[0].mentions.n, 0);
}

/* ---- !remind ---- */

static void test_remind(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	struct engine_msg m;
	char ev[32];

	te_say(t, PRIVACY, DAVE, "!remind in 2h call the \"Kenyan\" delegation");
	assert_contains(answer(t), "OK, I will remind you today 11:00 (in 2 h): call the "
			"\"Kenyan\" delegation");
	te_last_event(t, ev, sizeof(ev));
	te_advance(t, 2 * H - 1);
	assert_int_equal(te_due(t), 0);
	te_advance(t, 1);
	assert_int_equal(te_due(t), 1);
	r = &t->out.v[0];
	assert_string_equal(r->room_id, PRIVACY);
	assert_contains(r->body, "Reminder for Dave: call the \"Kenyan\" delegation");
	assert_not_contains(r->body, "late");
	assert_int_equal(r->mentions.n, 1);
	assert_string_equal(r->mentions.v[0], DAVE);
	assert_string_equal(r->reply_to, ev);
	assert_null(r->thread_root);
	assert_string_equal(r->due_id, "remind:1");
	assert_contains(r->html, "&quot;Kenyan&quot;");
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);
	te_advance(t, 3600);
	assert_int_equal(te_due(t), 0);

	/* from a thread: it answers in the thread */
	memset(&m, 0, sizeof(m));
	m.room_id = CYBER;
	m.sender = ALICE;
	m.event_id = "$threaded";
	m.thread_root = "$root";
	m.body = "!remind 13:00 read the draft";
	m.ts_ms = t->now_ms;
	engine_replies_release(&t->out);
	assert_int_equal(engine_handle(t->eng, &m, &t->out), 0);
	assert_contains(answer(t), "OK, I will remind you today 13:00");
	/* the bot was down at 13:00: it still comes, late */
	te_advance(t, 2 * H);
	assert_int_equal(te_due(t), 1);
	r = &t->out.v[0];
	assert_contains(r->body, "Reminder for Alice: read the draft");
	assert_contains(r->body, "(late: this was due Mon 5 Nov 13:00)");
	assert_string_equal(r->reply_to, "$threaded");
	assert_string_equal(r->thread_root, "$root");
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);
}

static void test_remind_errors(void **state)
{
	struct te *t = *state;

	say_ok(t, COORD, ALICE, "!remind 08:00 too late", "that time is already past (it is "
	       "09:00 now).");
	assert_contains(answer(t), "Usage: !remind <when> <text...>");
	say_ok(t, COORD, ALICE, "!remind in 10m", "remind you of what?");
	say_ok(t, COORD, ALICE, "!remind", "when?");
	say_ok(t, COORD, ALICE, "!remind in 10x call", "Usage: !remind");
	assert_int_equal(te_due(t), 0);
	te_advance(t, 3600);
	assert_int_equal(te_due(t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_schedules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_defaults_to_room_issue, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_session_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_clash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attend_skip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_tells_attendees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_tells_attendees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reminder_due_at_start_minus_30m, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reminders_grouped_per_room_and_minute, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reminder_late_and_superseded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reminder_dropped_after_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reminder_after_move_and_cancel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reminder_scheduled_late_skips_passed_ones,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reminder_mentions_leads_when_nobody_attends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_remind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remind_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
