/*
 * test_leaks.c - SPEC §4 as one table: a secret word planted in every kind
 * of log entry of one room, a viewer outside that room, and every command
 * that reads the log run by that viewer where it could show it.  The
 * secret must never appear in any reply.  The table is checked against
 * the engine's command tables: a command must be either in it or in the
 * explicit list of commands that do not read the log, so a new command
 * that reads the log cannot be added without a case here.
 */
#include "testengine.h"

#include <strings.h>

#include "cmd.h"
#include "store_sync.h"

#define NEWROOM "!newcyber:example.org"
#define BOT "@caucus:example.org"
#define SECRET "zebra"

/* Commands whose answers show nothing of the log. */
static const char *const no_log[] = {
	"help", "issues", "issue add", "issue link", "issue alias", "cover", "uncover",
	"who-covers", "coverage", "session", "sessions", "attend", "skip", "move", "cancel",
	"uncovered", "remind", "issue room", "join", "prefs",
	/* a link to the asker's own calendar, in the asker's direct room */
	"calendar",
	"feed add", "feed remove", "feeds",     /* feed state only, admins only */
	/* these write the log; their answer echoes only the text just given */
	"note", "decision", "action",
	/* writes a note; its answer echoes only the note just given */
	"handover",
};

/* Every command that reads the log, as the viewer runs it, and where. */
struct leak_case {
	const char *room;       /* NEWROOM: the issue's new room; COORD */
	const char *line;
};

static const struct leak_case cases[] = {
	{ NEWROOM, "!log" },
	{ NEWROOM, "!log 50" },
	{ NEWROOM, "!search zebr*" },
	{ COORD, "!search zebr*" },
	{ NEWROOM, "!positions" },
	{ COORD, "!positions cyber" },
	{ NEWROOM, "!actions" },
	{ COORD, "!actions" },
	{ NEWROOM, "!done 1" },                 /* the planted action item */
	{ NEWROOM, "!position CEPT support" },  /* answers the stance before */
	{ NEWROOM, "!catchup" },
	{ NEWROOM, "!catchup since 08:00" },
	{ NEWROOM, "!digest" },
	{ COORD, "!digest" },
	{ NEWROOM, "!my" },                     /* the action planted for the viewer */
	{ COORD, "!my" },
};

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

/* The secret in every kind of entry, kept in CYBER by alice. */
static void plant(struct te *t)
{
	te_say(t, CYBER, ALICE, "the zebra message nobody else may read");
	te_say(t, CYBER, ALICE, "!note zebra note");
	te_say(t, CYBER, ALICE, "!decision zebra decision");
	te_say(t, CYBER, ALICE, "!action @bob:example.org zebra action");
	te_say(t, CYBER, ALICE, "!position Zebraland zebrastance zebra text");
	te_say(t, CYBER, ALICE, "!position CEPT zebrahold");
	te_say(t, CYBER, ALICE, "!action @dave:example.org zebra task for dave");
	/* the planting worked: a member sees it */
	assert_contains(te_say(t, CYBER, ALICE, "!log"), "zebra note");
}

static void assert_no_secret(struct te *t, const char *what)
{
	for (size_t i = 0; i < t->out.n; i++) {
		const struct engine_reply *r = &t->out.v[i];
		if ((r->body && strcasestr(r->body, SECRET)) || (r->html && strcasestr(r->html, SECRET)))
			fail_msg("%s leaked the secret:\n%s", what, r->body);
	}
}

static int listed(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

/* The command name a case runs ("done", "issue add"). */
static int case_runs(const struct leak_case *c, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(c->line + 1, name, n) && (c->line[1 + n] == ' ' || !c->line[1 + n]);
}

static void test_table_is_complete(void **state)
{
	static const struct cmd_entry *const tables[] = {
		cmd_core_table, cmd_issue_table, cmd_session_table, cmd_log_table,
		cmd_person_table, cmd_calendar_table, cmd_feed_table,
	};
	size_t reads = 0;

	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(tables); k++) {
		for (const struct cmd_entry *e = tables[k]; e->name; e++) {
			int in_cases = 0;
			for (size_t i = 0; i < ARRAY_LEN(cases); i++)
				in_cases |= case_runs(&cases[i], e->name);
			if (in_cases == listed(e->name, no_log, ARRAY_LEN(no_log)))
				fail_msg("command '%s' must be either in the leak cases (it reads "
					 "the log) or in no_log (it does not), not %s", e->name,
					 in_cases ? "both" : "neither");
			reads += in_cases;
		}
	}
	assert_true(reads >= 8);
}

/* The issue moves to a new room that dave is in; the old room's entries
 * stay the old room's. */
static void test_relinked_issue(void **state)
{
	struct te *t = *state;

	plant(t);
	te_member(t, NEWROOM, ALICE, "Alice");
	te_member(t, NEWROOM, DAVE, "Dave");
	te_member(t, NEWROOM, BOT, "caucus");
	assert_contains(te_say(t, NEWROOM, ALICE, "!issue link cybersecurity"), "linked");
	te_say(t, NEWROOM, DAVE, "hello from the new room");
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		te_say(t, cases[i].room, DAVE, cases[i].line);
		assert_true(t->out.n > 0);
		assert_no_secret(t, cases[i].line);
	}
	/* the scheduled digests of the day, posted where dave reads them */
	te_advance(t, 14 * 3600);
	assert_true(te_due(t) > 0);
	assert_no_secret(t, "the scheduled digest");
	/* the filter is by room, not a blanket: alice, in the old room, sees it */
	assert_contains(te_say(t, NEWROOM, ALICE, "!positions"), "Zebraland");
}

/* The bot left the room: nobody's membership there is known any more. */
static void test_bot_left_the_room(void **state)
{
	struct te *t = *state;

	plant(t);
	assert_int_equal(store_sync_room_left(t->st, CYBER), 0);
	assert_int_equal(engine_member(t->eng, CYBER, BOT, NULL, "leave", 0), 0);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (strcmp(cases[i].room, COORD))
			continue;
		/* alice was in the room: fail closed even for her */
		te_say(t, COORD, ALICE, cases[i].line);
		assert_true(t->out.n > 0);
		assert_no_secret(t, cases[i].line);
	}
	te_advance(t, 14 * 3600);
	te_due(t);
	assert_no_secret(t, "the scheduled digest");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_complete),
		cmocka_unit_test_setup_teardown(test_relinked_issue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bot_left_the_room, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
