/*
 * test_direct.c - direct rooms and members' settings: the store's map of
 * member to direct room (made, being made, forgotten when the member
 * leaves), messages waiting in the outbox for a room not made yet, and
 * what the engine sends to a direct room.
 */
#include "testengine.h"


#include "person.h"
#include "store_direct.h"
#include "store_outbox.h"

#define H 3600
#define DM_BOB "!dm-bob:example.org"

/* The reply to user's direct room in t->out, or NULL. */
static const struct engine_reply *to_user(struct te *t, const char *user)
{
	for (size_t i = 0; i < t->out.n; i++)
		if (!t->out.v[i].room_id && t->out.v[i].to_user &&
		    !strcmp(t->out.v[i].to_user, user))
			return &t->out.v[i];
	return NULL;
}

static size_t count_to(struct te *t, const char *user)
{
	size_t n = 0;

	for (size_t i = 0; i < t->out.n; i++)
		n += !t->out.v[i].room_id && t->out.v[i].to_user &&
		     !strcmp(t->out.v[i].to_user, user);
	return n;
}

/* The reply posted in room, or NULL. */
static const struct engine_reply *in_room(struct te *t, const char *room)
{
	for (size_t i = 0; i < t->out.n; i++)
		if (t->out.v[i].room_id && !strcmp(t->out.v[i].room_id, room))
			return &t->out.v[i];
	return NULL;
}

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

static void set_zone(struct te *t, const char *tz)
{
	free(t->cfg.timezone);
	t->cfg.timezone = xstrdup(tz);
}

static void bob_direct_room(struct te *t)
{
	assert_int_equal(store_direct_set(t->st, BOB, DM_BOB, t->now_ms), 0);
	te_member(t, DM_BOB, BOB, "Bob");
	te_member(t, DM_BOB, "@caucus:example.org", "caucus");
}

/* ---- !prefs ---- */

static void test_prefs(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	/* asked in an issue room: the answer goes to the direct room */
	assert_contains(te_say(t, CYBER, BOB, "!prefs"), "sent you the answer in our direct room");
	assert_int_equal(t->out.n, 2);
	assert_string_equal(t->out.v[0].room_id, CYBER);
	r = to_user(t, BOB);
	assert_non_null(r);
	assert_contains(r->body, "dm off");
	assert_contains(r->body, "(the default)");
	assert_contains(r->body, "quiet off");

	te_say(t, CYBER, BOB, "!prefs dm on quiet 23:00-07:00");
	r = to_user(t, BOB);
	assert_non_null(r);
	assert_contains(r->body, "Saved");
	assert_contains(r->body, "dm on");
	assert_not_contains(r->body, "(the default)");
	assert_contains(r->body, "quiet 23:00-07:00");
	/* kept: asked again it says the same */
	te_say(t, COORD, BOB, "!prefs");
	assert_contains(to_user(t, BOB)->body, "quiet 23:00-07:00");
	/* and it is only bob's */
	te_say(t, COORD, CAROL, "!prefs");
	assert_contains(to_user(t, CAROL)->body, "dm off");

	te_say(t, CYBER, BOB, "!prefs quiet off dm off");
	r = to_user(t, BOB);
	assert_contains(r->body, "quiet off");
	assert_contains(r->body, "dm off");

	/* errors are answered where asked, with the usage line */
	assert_contains(te_say(t, CYBER, BOB, "!prefs dm maybe"), "dm takes on or off");
	assert_int_equal(t->out.n, 1);
	assert_contains(t->out.v[0].body, "Usage: !prefs");
	assert_contains(te_say(t, CYBER, BOB, "!prefs quiet 7-8"), "HH:MM-HH:MM");
	assert_contains(te_say(t, CYBER, BOB, "!prefs quiet 25:00-07:00"), "HH:MM-HH:MM");
	assert_contains(te_say(t, CYBER, BOB, "!prefs quiet 07:00-07:00"), "different times");
	assert_contains(te_say(t, CYBER, BOB, "!prefs colour blue"), "not a setting");
	assert_null(to_user(t, BOB));

	/* asked in the direct room itself: answered there, once */
	bob_direct_room(t);
	assert_contains(te_say(t, DM_BOB, BOB, "!prefs"), "Your settings");
	assert_int_equal(t->out.n, 1);
	assert_string_equal(t->out.v[0].room_id, DM_BOB);
}

/* A direct room is never an issue room: nothing said there is logged. */
static void test_direct_room_not_logged(void **state)
{
	struct te *t = *state;

	bob_direct_room(t);
	assert_contains(te_say(t, DM_BOB, ALICE, "!issue link cyber"), "direct room");
	te_say(t, DM_BOB, BOB, "a private zebra");
	assert_contains(te_say(t, COORD, BOB, "!search zebra"), "Nothing");
	assert_not_contains(t->out.v[0].body, "private");
}

/* ---- !my ---- */

static void test_my(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	te_say(t, CYBER, ALICE, "!cover cyber");
	te_say(t, CYBER, ALICE, "!cover privacy @bob:example.org backup");
	te_say(t, CYBER, ALICE, "!session cyber tomorrow 14:00 Drafting group @ Room 4");
	te_say(t, CYBER, BOB, "!attend 1");
	te_say(t, PRIVACY, ALICE, "!session privacy today 16:00 Briefing");
	te_say(t, CYBER, ALICE, "!session cyber wed 15:00 Too far ahead");
	te_say(t, CYBER, BOB, "!attend 3");
	te_say(t, CYBER, ALICE, "!action @bob:example.org call the Kenyan delegation");
	te_say(t, CYBER, ALICE, "!action @carol:example.org not bob's");

	assert_contains(te_say(t, COORD, BOB, "!my"), "direct room");
	r = to_user(t, BOB);
	assert_non_null(r);
	assert_contains(r->body, "Your next 48 h");
	assert_contains(r->body, "Sessions you attend (1)");
	assert_contains(r->body, "#1 Drafting group @ Room 4 (Cybersecurity)");
	assert_not_contains(r->body, "Too far ahead");    /* Wed 15:00: past 48 h */
	assert_contains(r->body, "Issues you cover (1)");
	assert_contains(r->body, "Privacy and data protection (backup): next today 16:00-17:00 #2 Briefing");
	assert_contains(r->body, "Your open actions (1)");
	assert_contains(r->body, "call the Kenyan delegation");
	assert_not_contains(r->body, "not bob's");
	assert_int_equal(r->mentions.n, 0);

	/* nothing at all: says so, still in the direct room */
	te_say(t, COORD, DAVE, "!my");
	r = to_user(t, DAVE);
	assert_contains(r->body, "Sessions you attend (0)");
	assert_contains(r->body, "Issues you cover (0)");
	assert_contains(r->body, "Your open actions (0)");
	assert_contains(te_say(t, COORD, DAVE, "!my please"), "takes no arguments");
}

/* ---- reminders in direct rooms ---- */

static void test_dm_reminders(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	char *id;

	te_say(t, COORD, BOB, "!prefs dm on");
	te_say(t, CYBER, ALICE, "!session cyber 10:00 Drafting group @ Room 4");
	te_say(t, CYBER, BOB, "!attend 1");
	te_say(t, CYBER, CAROL, "!attend 1");
	te_say(t, PRIVACY, ALICE, "!session privacy 10:00 Briefing");
	te_say(t, PRIVACY, BOB, "!attend 2");
	te_say(t, CYBER, ALICE, "!session cyber 12:00 Later");
	te_say(t, CYBER, BOB, "!attend 3");

	te_advance(t, 30 * 60);         /* 09:30: the 30 min reminders */
	te_due(t);
	/* one message to bob for both parallel sessions; carol has dm off */
	assert_int_equal(count_to(t, BOB), 1);
	assert_int_equal(count_to(t, CAROL), 0);
	r = to_user(t, BOB);
	assert_contains(r->body, "#1 Drafting group @ Room 4 (Cybersecurity)");
	assert_contains(r->body, "#2 Briefing (Privacy and data protection)");
	assert_not_contains(r->body, "Later");
	assert_int_equal(r->hold_until_ms, 0);
	/* the rooms get theirs as before */
	assert_non_null(in_room(t, CYBER));
	assert_non_null(in_room(t, PRIVACY));
	/* not handed out yet: the same message with the same ID again */
	id = xstrdup(r->due_id);
	te_due(t);
	assert_string_equal(to_user(t, BOB)->due_id, id);
	free(id);
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);  /* exactly once */

	/* turned off: the 5 min reminder goes to the rooms only */
	te_say(t, COORD, BOB, "!prefs dm off");
	te_advance(t, 25 * 60);
	te_due(t);
	assert_int_equal(count_to(t, BOB), 0);
	assert_non_null(in_room(t, CYBER));
	te_ack_all(t);
}

static void test_remind_dm(void **state)
{
	struct te *t = *state;

	te_say(t, COORD, CAROL, "!remind in 10m without dm");
	t->cfg.remind_dm = 1;           /* the configured default: on */
	te_say(t, CYBER, BOB, "!remind in 10m call the Kenyan delegation");
	te_advance(t, 10 * 60);
	te_due(t);
	assert_int_equal(count_to(t, BOB), 1);
	assert_contains(to_user(t, BOB)->body, "call the Kenyan delegation");
	assert_contains(in_room(t, CYBER)->body, "call the Kenyan delegation");
	/* carol's reminder: the default now says dm on for her too */
	assert_int_equal(count_to(t, CAROL), 1);
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);

	/* asked in the direct room: said there once */
	bob_direct_room(t);
	te_say(t, DM_BOB, BOB, "!remind in 5m again");
	te_advance(t, 5 * 60);
	te_due(t);
	assert_int_equal(count_to(t, BOB), 0);
	assert_non_null(in_room(t, DM_BOB));
	te_ack_all(t);
}

/* ---- quiet hours ---- */

static void test_quiet_end(void **state)
{
	int64_t t;

	(void)state;
	/* Dubai (no DST): 23:00-07:00 */
	t = 1541394000;                 /* Mon 09:00 */
	assert_int_equal(person_quiet_end("Asia/Dubai", 23 * 60, 7 * 60, t), 0);
	t = 1541444400 + 30 * 60;       /* Mon 23:00 + 30 min */
	assert_int_equal(person_quiet_end("Asia/Dubai", 23 * 60, 7 * 60, t), 1541473200);
	t = 1541469600;                 /* Tue 06:00 */
	assert_int_equal(person_quiet_end("Asia/Dubai", 23 * 60, 7 * 60, t), 1541473200);
	assert_int_equal(person_quiet_end("Asia/Dubai", 23 * 60, 7 * 60, 1541473200), 0);
	/* a daytime window */
	assert_int_equal(person_quiet_end("Asia/Dubai", 12 * 60, 14 * 60, 1541394000 + 4 * H),
			 1541394000 + 5 * H);
	/* Paris, the night clocks go back (Sun 28 Oct 2018, 03:00 CEST -> 02:00 CET):
	 * Sat 23:30 CEST (21:30 UTC) to Sun 07:00 CET (06:00 UTC) is 8.5 hours */
	assert_int_equal(person_quiet_end("Europe/Paris", 23 * 60, 7 * 60, 1540675800),
			 1540706400);
	/* and the night they go forward (Sun 31 Mar 2019): to 07:00 CEST = 05:00 UTC */
	assert_int_equal(person_quiet_end("Europe/Paris", 23 * 60, 7 * 60, 1553985000),
			 1554008400);
	/* an end inside the gap (02:30 does not exist): the gap's end, 03:00 CEST */
	assert_int_equal(person_quiet_end("Europe/Paris", 1 * 60, 2 * 60 + 30, 1553993000),
			 1553994000);
}

/* Across midnight: a !remind at 23:40 waits until 07:00; a session starting
 * within the quiet hours is reminded at once. */
static void test_quiet_holds_across_midnight(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;
	const int64_t tue_0700 = 1541473200;

	te_say(t, COORD, BOB, "!prefs dm on quiet 23:00-07:00");
	t->now_ms = (1541444400 + 30 * 60) * 1000LL;     /* Mon 23:30 */
	/* asked during the quiet hours, an answer is never held */
	te_say(t, CYBER, BOB, "!my");
	assert_int_equal(to_user(t, BOB)->hold_until_ms, 0);
	te_say(t, CYBER, BOB, "!remind in 10m read the draft");
	te_say(t, CYBER, ALICE, "!session cyber tomorrow 06:30 Dawn drafting");
	te_say(t, CYBER, BOB, "!attend 1");
	te_say(t, CYBER, ALICE, "!session cyber tomorrow 07:20 Breakfast briefing");
	te_say(t, CYBER, BOB, "!attend 2");
	te_advance(t, 10 * 60);         /* 23:40 */
	te_due(t);
	r = to_user(t, BOB);
	assert_non_null(r);
	assert_int_equal(r->hold_until_ms, tue_0700 * 1000);
	/* the room's reminder mentions only bob: it waits too */
	r = in_room(t, CYBER);
	assert_contains(r->body, "read the draft");
	assert_int_equal(r->hold_until_ms, tue_0700 * 1000);
	te_ack_all(t);

	t->now_ms = (1541469600) * 1000LL;       /* Tue 06:00: 30 min before 06:30 */
	te_due(t);
	r = to_user(t, BOB);
	assert_contains(r->body, "Dawn drafting");
	assert_int_equal(r->hold_until_ms, 0);   /* starts within the quiet hours */
	assert_int_equal(in_room(t, CYBER)->hold_until_ms, 0);
	te_ack_all(t);

	/* carol is awake: the room's reminder goes now, waking her, not bob */
	te_say(t, CYBER, CAROL, "!attend 2");
	t->now_ms = (1541469600 + 50 * 60) * 1000LL;     /* 06:50: 30 min before 07:20 */
	te_due(t);
	r = to_user(t, BOB);
	assert_contains(r->body, "Breakfast briefing");
	assert_int_equal(r->hold_until_ms, tue_0700 * 1000);
	r = in_room(t, CYBER);
	assert_int_equal(r->hold_until_ms, 0);
	assert_int_equal(r->mentions.n, 1);
	assert_string_equal(r->mentions.v[0], CAROL);
	assert_contains(r->body, "Bob");         /* still named */
	te_ack_all(t);
}

static void test_quiet_mixed_mentions(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	te_say(t, COORD, BOB, "!prefs quiet 08:00-12:00");
	te_say(t, CYBER, ALICE, "!session cyber 11:00 Late morning");
	te_say(t, CYBER, BOB, "!attend 1");
	te_say(t, CYBER, CAROL, "!attend 1");
	te_advance(t, 90 * 60);         /* 10:30 */
	te_due(t);
	r = in_room(t, CYBER);
	/* 11:00 starts within bob's quiet hours: everyone is reminded */
	assert_int_equal(r->hold_until_ms, 0);
	assert_int_equal(r->mentions.n, 2);
	te_ack_all(t);
	/* an action for bob while he is quiet: the answer goes, without a ping */
	te_say(t, CYBER, ALICE, "!action @bob:example.org read the draft");
	assert_int_equal(t->out.v[0].hold_until_ms, 0);
	assert_int_equal(t->out.v[0].mentions.n, 0);
}

/* Paris, the night the clocks go back: a DM held at 23:30 CEST goes at
 * 07:00 CET, 8.5 hours later. */
static void test_quiet_across_dst(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r;

	set_zone(t, "Europe/Paris");
	t->now_ms = 1540675800LL * 1000;        /* Sat 27 Oct 2018 23:30 CEST */
	te_say(t, COORD, BOB, "!prefs dm on quiet 23:00-07:00");
	te_say(t, CYBER, BOB, "!remind in 1m the DST night");
	te_advance(t, 60);
	te_due(t);
	r = to_user(t, BOB);
	assert_non_null(r);
	assert_int_equal(r->hold_until_ms, 1540706400LL * 1000);  /* Sun 07:00 CET */
	te_ack_all(t);
	/* 06:30 CET, still quiet; 07:00 CET no longer */
	t->now_ms = (1540706400LL - 30 * 60) * 1000;
	te_say(t, CYBER, BOB, "!remind in 1m still quiet");
	te_advance(t, 60);
	te_due(t);
	assert_int_equal(to_user(t, BOB)->hold_until_ms, 1540706400LL * 1000);
	te_ack_all(t);
	t->now_ms = 1540706400LL * 1000;
	te_say(t, CYBER, BOB, "!remind in 1m awake");
	te_advance(t, 60);
	te_due(t);
	assert_int_equal(to_user(t, BOB)->hold_until_ms, 0);
	te_ack_all(t);
}


static void test_store_map(void **state)
{
	struct store *st;
	char err[256], *v;

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_null(store_direct_room(st, BOB));
	assert_int_equal(store_direct_making(st, BOB), 0);
	assert_int_equal(store_direct_begin(st, BOB, 1000), 0);
	assert_int_equal(store_direct_making(st, BOB), 1);
	assert_null(store_direct_room(st, BOB));
	assert_int_equal(store_direct_set(st, BOB, "!dm-bob:x", 2000), 0);
	assert_int_equal(store_direct_making(st, BOB), 0);
	v = store_direct_room(st, BOB);
	assert_string_equal(v, "!dm-bob:x");
	free(v);
	v = store_direct_user(st, "!dm-bob:x");
	assert_string_equal(v, BOB);
	free(v);
	assert_int_equal(store_direct_is(st, "!dm-bob:x", BOB), 1);
	assert_int_equal(store_direct_is(st, "!dm-bob:x", ALICE), 0);
	/* a room is one member's: carol taking it takes it from bob */
	assert_int_equal(store_direct_set(st, CAROL, "!dm-bob:x", 3000), 0);
	assert_null(store_direct_room(st, BOB));
	assert_int_equal(store_direct_forget_room(st, "!dm-bob:x"), 0);
	assert_null(store_direct_room(st, CAROL));
	store_close(st);
}

static void test_outbox_waits_for_room(void **state)
{
	struct store *st;
	struct outbox_row *rows;
	size_t n;
	char err[256];

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_outbox_add(st, BOB, "t1", "m.room.message", "{}", 1), 0);
	assert_int_equal(store_outbox_add(st, CYBER, "t2", "m.room.message", "{}", 1), 0);
	assert_int_equal(store_outbox_heads(st, INT64_MAX, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].room_id, CYBER);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_readdress(st, BOB, "!dm-bob:x"), 0);
	assert_int_equal(store_outbox_heads(st, INT64_MAX, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].room_id, "!dm-bob:x");
	store_outbox_rows_free(rows, n);
	store_close(st);
}

static void test_prefs_store(void **state)
{
	struct store *st;
	struct store_prefs p = { .dm = 1, .quiet_start = 23 * 60, .quiet_end = 7 * 60 }, q;
	char err[256];

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_prefs_get(st, BOB, &q), 0);
	assert_int_equal(q.dm, -1);
	assert_int_equal(q.quiet_start, -1);
	assert_int_equal(store_prefs_set(st, BOB, &p), 0);
	assert_int_equal(store_prefs_get(st, BOB, &q), 0);
	assert_int_equal(q.dm, 1);
	assert_int_equal(q.quiet_start, 23 * 60);
	assert_int_equal(q.quiet_end, 7 * 60);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_map),
		cmocka_unit_test(test_outbox_waits_for_room),
		cmocka_unit_test(test_prefs_store),
		cmocka_unit_test(test_quiet_end),
		cmocka_unit_test_setup_teardown(test_prefs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_room_not_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_my, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dm_reminders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remind_dm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_holds_across_midnight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_mixed_mentions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_across_dst, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
