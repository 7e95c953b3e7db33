/*
 * test_trust.c - hard limits and stale rights in the engine: admin rights
 * follow the configured coordination room (not a stored one), leaving a
 * room forgets who is in it, every answer fits one event even encrypted,
 * personal reminders are released fairly and capped, and an edit of a
 * command that recorded a stance or an action item is refused.
 */
#include "testengine.h"

#include "mx_content.h"
#include "store.h"
#include "store_room.h"
#include "store_session.h"

#define BOT "@caucus:example.org"
#define EVE "@eve:example.org"
#define OTHER "!other:example.org"
#define EVENT_MAX 65536

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

/* ---- stale admin rights (defect 4) ---- */

static void test_coordination_room_follows_the_configuration(void **state)
{
	struct te *t = *state;
	char err[256];

	/* eve has power 100 in the coordination room: an admin */
	te_member(t, OTHER, EVE, "Eve");
	assert_int_equal(engine_member(t->eng, COORD, EVE, "Eve", "join", 100), 0);
	assert_contains(te_say(t, COORD, EVE, "!issue add ots Over-the-top"), "ots");
	/* an earlier daemon stored the coordination room under its own key */
	assert_int_equal(store_meta_set(t->st, "coordination_room_id", COORD), 0);

	/* the configuration now names another room: COORD grants nothing */
	free(t->cfg.coordination_room);
	t->cfg.coordination_room = xstrdup(OTHER);
	engine_set_config(t->eng, &t->cfg);
	assert_string_equal(engine_coordination_room(t->eng), OTHER);
	assert_contains(te_say(t, COORD, EVE, "!issue add iot IoT"), "only admins");

	/* so does a fresh start on the same store */
	engine_free(t->eng);
	t->eng = engine_new(&t->cfg, t->st, (struct engine_clock){ te_clock, t });
	assert_contains(te_say(t, COORD, EVE, "!issue add iot IoT"), "only admins");

	/* no coordination room at all: none */
	free(t->cfg.coordination_room);
	t->cfg.coordination_room = NULL;
	engine_set_config(t->eng, &t->cfg);
	assert_null(engine_coordination_room(t->eng));
	assert_contains(te_say(t, COORD, EVE, "!issue add iot IoT"), "only admins");

	/* an alias: its own resolution, not another alias's */
	t->cfg.coordination_room = xstrdup("#coord:example.org");
	engine_set_config(t->eng, &t->cfg);
	assert_null(engine_coordination_room(t->eng));
	assert_int_equal(engine_room_resolved(t->eng, "#elsewhere:example.org", COORD), 0);
	assert_null(engine_coordination_room(t->eng));
	assert_int_equal(engine_room_resolved(t->eng, "#coord:example.org", COORD), 0);
	assert_string_equal(engine_coordination_room(t->eng), COORD);
	assert_contains(te_say(t, COORD, EVE, "!issue add iot IoT"), "iot");
	(void)err;
}

static void test_leaving_a_room_forgets_its_members(void **state)
{
	struct te *t = *state;

	assert_int_equal(store_member_joined(t->st, CYBER, BOB), 1);
	assert_int_equal(engine_member(t->eng, CYBER, BOT, NULL, "leave", 0), 0);
	assert_int_equal(store_member_joined(t->st, CYBER, BOB), 0);
	assert_int_equal(store_member_joined(t->st, CYBER, ALICE), 0);
	assert_int_equal(store_member_joined(t->st, PRIVACY, BOB), 1);
	/* back in the room, the server's member list counts again */
	assert_int_equal(engine_member(t->eng, CYBER, BOT, NULL, "join", 0), 0);
	te_member(t, CYBER, BOB, "Bob");
	assert_int_equal(store_member_joined(t->st, CYBER, BOB), 1);
	assert_int_equal(store_member_joined(t->st, CYBER, ALICE), 0);

	/* power in a coordination room the bot left grants nothing */
	assert_int_equal(engine_member(t->eng, COORD, EVE, "Eve", "join", 100), 0);
	assert_contains(te_say(t, COORD, EVE, "!issue add ots Over-the-top"), "ots");
	assert_int_equal(engine_member(t->eng, COORD, BOT, NULL, "leave", 0), 0);
	assert_contains(te_say(t, COORD, EVE, "!issue add iot IoT"), "only admins");
}

/* ---- answers fit one event (defect 5) ---- */

/* The size of the event the homeserver would judge, encrypted. */
static size_t event_size(const struct engine_reply *r)
{
	struct mx_notice n = {
		.body = r->body, .html = r->html, .mentions = r->mentions.v,
		.n_mentions = r->mentions.n, .reply_to = r->reply_to,
		.thread_root = r->thread_root,
	};
	char *content = mx_content_notice(&n);
	/* {"type":..,"content":..,"room_id":..} sealed: base64 (4/3) plus the
	 * m.room.encrypted keys, then the server's hashes, signatures, prev
	 * and auth events */
	size_t plain = strlen(content) + 100, size = plain * 4 / 3 + 500 + 3000;

	free(content);
	return size;
}

static void assert_fits(struct te *t, const char *what)
{
	assert_true(t->out.n > 0);
	for (size_t i = 0; i < t->out.n; i++)
		if (event_size(&t->out.v[i]) > EVENT_MAX)
			fail_msg("%s: an answer of %zu bytes as an event", what,
				 event_size(&t->out.v[i]));
}

static void test_big_answers_fit(void **state)
{
	struct te *t = *state;
	char *line, *arg;
	struct buf b;

	/* 50 long messages whose every character HTML escapes */
	buf_init(&b, 0);
	for (int i = 0; i < 2000; i++)
		buf_puts(&b, "<&>\"'");
	for (int i = 0; i < 60; i++)
		te_say(t, CYBER, ALICE, b.data);
	buf_release(&b);
	te_say(t, CYBER, ALICE, "!log 50");
	assert_fits(t, "!log 50");
	assert_contains(t->out.v[0].body, "… and ");
	assert_contains(t->out.v[0].html, "… and ");
	assert_contains(t->out.v[0].html, "</ul>");
	assert_non_null(t->out.v[0].reply_to);

	/* a day of long notes and decisions: the digest and the catch-up */
	buf_init(&b, 0);
	for (int i = 0; i < 60; i++)
		buf_puts(&b, "<&>\"'");
	for (int i = 0; i < 50; i++) {
		line = xasprintf("!note %d %s", i, b.data);
		te_say(t, CYBER, ALICE, line);
		free(line);
		line = xasprintf("!decision %d %s", i, b.data);
		te_say(t, CYBER, ALICE, line);
		free(line);
	}
	buf_release(&b);
	te_say(t, CYBER, ALICE, "!digest");
	assert_fits(t, "!digest");
	te_say(t, CYBER, BOB, "!catchup since 08:00");
	assert_fits(t, "!catchup");
	te_advance(t, 14 * 3600);
	assert_true(te_due(t) > 0);
	assert_fits(t, "the scheduled digest");
	te_ack_all(t);

	/* 400 open action items */
	buf_init(&b, 0);
	for (int i = 0; i < 290; i++)
		buf_putc(&b, 'x');
	for (int i = 0; i < 400; i++) {
		line = xasprintf("!action @bob:example.org %d %s", i, b.data);
		te_say(t, CYBER, ALICE, line);
		free(line);
	}
	buf_release(&b);
	te_say(t, CYBER, ALICE, "!actions");
	assert_fits(t, "!actions");
	assert_contains(t->out.v[0].body, "… and ");
	te_say(t, COORD, ALICE, "!actions");
	assert_fits(t, "!actions in the coordination room");

	/* an error that repeats a 60 KB argument */
	arg = xmalloc(60001);
	memset(arg, 'q', 60000);
	arg[60000] = '\0';
	line = xasprintf("!positions %s", arg);
	te_say(t, COORD, ALICE, line);
	assert_fits(t, "an error echoing 60 KB");
	assert_contains(t->out.v[0].body, "no such issue");
	free(line);
	line = xasprintf("!%s", arg);
	te_say(t, COORD, ALICE, line);
	assert_fits(t, "an unknown command of 60 KB");
	assert_contains(t->out.v[0].body, "unknown command");
	free(line);
	line = xasprintf("!search %s", arg);
	te_say(t, COORD, ALICE, line);
	assert_fits(t, "a search for 60 KB");
	free(line);
	free(arg);
}

/* ---- personal reminders under load (defect 9) ---- */

static void test_reminders_are_fair(void **state)
{
	struct te *t = *state;
	int64_t due = T0_MS / 1000 + 600, id;
	size_t reminders = 0, bob_at = (size_t)-1, dave_at = (size_t)-1;

	/* alice's thousand (kept before any cap), then bob's one, all due at once */
	assert_int_equal(store_begin(t->st), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(store_reminder_add(t->st, CYBER, ALICE, "alice's many", due,
						    t->now_ms, NULL, NULL, &id), 0);
	assert_int_equal(store_reminder_add(t->st, CYBER, BOB, "bob's one", due, t->now_ms,
					    NULL, NULL, &id), 0);
	assert_int_equal(store_reminder_add(t->st, PRIVACY, DAVE, "dave's one", due, t->now_ms,
					    NULL, NULL, &id), 0);
	assert_int_equal(store_commit(t->st), 0);

	te_advance(t, 600);
	te_due(t);
	for (size_t i = 0; i < t->out.n; i++) {
		if (!t->out.v[i].due_id || strncmp(t->out.v[i].due_id, "remind:", 7))
			continue;
		reminders++;
		if (strstr(t->out.v[i].body, "bob's one"))
			bob_at = i;
		if (strstr(t->out.v[i].body, "dave's one"))
			dave_at = i;
	}
	/* every one of them in the scan at their time; bob's (same room) and
	 * dave's (another room) among the first */
	assert_int_equal(reminders, 1002);
	assert_true(bob_at < 3);
	assert_true(dave_at < 3);
	te_ack_all(t);
	te_advance(t, 60);
	te_due(t);
	assert_int_equal(t->out.n, 0);

	/* no more than a hundred waiting per person, said plainly */
	for (int i = 0; i < 100; i++) {
		char *line = xasprintf("!remind in %dm call %d", 10 + i, i);
		assert_contains(te_say(t, CYBER, CAROL, line), "OK, I will remind you");
		free(line);
	}
	assert_contains(te_say(t, CYBER, CAROL, "!remind in 3h one too many"),
			"you already have 100 reminders waiting");
	assert_contains(te_say(t, CYBER, BOB, "!remind in 3h mine"), "OK, I will remind you");
}

/* ---- edits of commands that recorded something (defect 14) ---- */

/* The log and the record keep agreeing whatever an edit says. */
static void test_edit_keeps_record_and_log_together(void **state)
{
	struct te *t = *state;
	char pos[32], act[32];

	te_say(t, CYBER, ALICE, "!position CEPT support");
	te_last_event(t, pos, sizeof(pos));
	te_say(t, CYBER, ALICE, "!action @bob:example.org draft the statement");
	te_last_event(t, act, sizeof(act));
	assert_int_equal(engine_edit(t->eng, CYBER, pos, ALICE, "!position CEPT oppose"), 0);
	assert_int_equal(engine_edit(t->eng, CYBER, act, ALICE,
				     "!action @carol:example.org call the chair"), 0);
	te_say(t, CYBER, ALICE, "!positions");
	assert_contains(t->out.v[0].body, "support");
	assert_not_contains(t->out.v[0].body, "oppose");
	te_say(t, CYBER, ALICE, "!log");
	assert_contains(t->out.v[0].body, "CEPT support");
	assert_not_contains(t->out.v[0].body, "oppose");
	assert_contains(t->out.v[0].body, "draft the statement");
	assert_not_contains(t->out.v[0].body, "call the chair");
	te_say(t, CYBER, ALICE, "!actions");
	assert_contains(t->out.v[0].body, "draft the statement");
}

/* The author is told why the edit changed nothing, and how to change it. */
static void test_edit_of_a_record_is_answered(void **state)
{
	struct te *t = *state;
	struct engine_replies out = { 0 };
	char pos[32], act[32], note[32];

	te_say(t, CYBER, ALICE, "!position CEPT support");
	te_last_event(t, pos, sizeof(pos));
	te_say(t, CYBER, ALICE, "!action @bob:example.org draft the statement");
	te_last_event(t, act, sizeof(act));
	te_say(t, CYBER, ALICE, "!note first words");
	te_last_event(t, note, sizeof(note));

	assert_int_equal(engine_edit_reply(t->eng, CYBER, pos, ALICE, "!position CEPT oppose",
					   &out), 0);
	assert_int_equal(out.n, 1);
	assert_contains(out.v[0].body, "does not change the stance");
	assert_contains(out.v[0].body, "!position <actor> <stance>");
	assert_string_equal(out.v[0].reply_to, pos);
	assert_string_equal(out.v[0].room_id, CYBER);
	engine_replies_release(&out);

	assert_int_equal(engine_edit_reply(t->eng, CYBER, act, ALICE, "!action @bob:example.org x",
					   &out), 0);
	assert_int_equal(out.n, 1);
	assert_contains(out.v[0].body, "does not change action #1");
	assert_contains(out.v[0].body, "!done 1");
	engine_replies_release(&out);

	/* someone else's edit: nothing to answer; a note's edit is its new text */
	assert_int_equal(engine_edit_reply(t->eng, CYBER, pos, BOB, "!position CEPT oppose", &out),
			 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(engine_edit_reply(t->eng, CYBER, note, ALICE, "!note second words", &out),
			 0);
	assert_int_equal(out.n, 0);
	assert_contains(te_say(t, CYBER, ALICE, "!log"), "second words");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_coordination_room_follows_the_configuration,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaving_a_room_forgets_its_members, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_answers_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reminders_are_fair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_keeps_record_and_log_together, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_edit_of_a_record_is_answered, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
