/*
 * test_engine.c - the engine core: dispatch, help, access, admin checks,
 * issue and user resolution, pills, reply relations, and that every
 * command answers a malformed use with a reason and its usage line.
 */
#include "testengine.h"

#include "cmd.h"
#include "store_int.h"

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

static void test_help(void **state)
{
	struct te *t = *state;
	const char *r = te_say(t, COORD, BOB, "!help");

	assert_contains(r, "!who-covers <issue>");
	assert_contains(r, "!session <issue> <when> <title...> [@ <place>]");
	assert_contains(r, "!search <words...>");
	assert_contains(r, "Asia/Dubai");
	r = te_say(t, COORD, BOB, "!help cover");
	assert_contains(r, "!cover <issue> [user] [backup]");
	assert_contains(r, "Example: !cover");
	r = te_say(t, COORD, BOB, "!HELP !issue add");
	assert_contains(r, "!issue add <slug> <name...>");
	assert_contains(r, "admins only");
	r = te_say(t, COORD, BOB, "!help frobnicate");
	assert_contains(r, "no command 'frobnicate'");
	assert_contains(r, "Usage: !help [command]");
}

static void test_unknown_and_not_commands(void **state)
{
	struct te *t = *state;

	assert_contains(te_say(t, COORD, BOB, "!who-cover cyber"),
			"unknown command '!who-cover'; did you mean !who-covers?");
	assert_contains(te_say(t, COORD, BOB, "!zzzzzzzzzz"), "!help lists them all");
	assert_contains(te_say(t, COORD, BOB, "!issue"), "needs a subcommand");
	/* not commands: plain text, a lone prefix, "! spaced" */
	assert_null(te_say(t, COORD, BOB, "hello there"));
	assert_null(te_say(t, COORD, BOB, "!"));
	assert_null(te_say(t, COORD, BOB, "! not a command"));
	assert_contains(te_say(t, COORD, BOB, "!note \"open"), "unterminated quote");
}

static void test_access(void **state)
{
	struct te *t = *state;

	/* outside access.allowed_users: never answered, never logged */
	assert_null(te_say(t, CYBER, MALLORY, "!who-covers cyber"));
	assert_null(te_say(t, CYBER, MALLORY, "secret plans zebra"));
	assert_null(te_say(t, CYBER, "@caucus:example.org", "!help"));   /* own echo */
	assert_contains(te_say(t, CYBER, ALICE, "!search zebra"), "zebra");
	assert_not_contains(t->out.v[0].body, "secret plans");
}

static void test_admin(void **state)
{
	struct te *t = *state;

	assert_contains(te_say(t, COORD, BOB, "!issue add wsis WSIS follow-up"),
			"only admins may use !issue add");
	assert_not_contains(te_say(t, COORD, ALICE, "!issues"), "wsis");
	assert_not_contains(te_say(t, COORD, ALICE, "!issue add wsis WSIS follow-up"), "only admins");
	assert_contains(te_say(t, COORD, ALICE, "!issues"), "wsis");
	/* power level 50 in the coordination room makes an admin */
	assert_int_equal(engine_member(t->eng, COORD, BOB, "Bob", "join", 50), 0);
	assert_not_contains(te_say(t, COORD, BOB, "!issue alias wsis summit"), "only admins");
	assert_contains(te_say(t, COORD, BOB, "!who-covers summit"), "WSIS");
	/* 50 elsewhere does not */
	assert_int_equal(engine_member(t->eng, CYBER, CAROL, "Carol Smith", "join", 100), 0);
	assert_contains(te_say(t, CYBER, CAROL, "!issue add x X"), "only admins");
}

static void test_issue_resolution(void **state)
{
	struct te *t = *state;

	assert_contains(te_say(t, COORD, BOB, "!who-covers CYBER"), "Cybersecurity");
	assert_contains(te_say(t, COORD, BOB, "!who-covers res130"), "Cybersecurity");
	assert_contains(te_say(t, COORD, BOB, "!who-covers cybers"), "Cybersecurity");
	assert_contains(te_say(t, COORD, BOB, "!who-covers data"), "Privacy");
	assert_contains(te_say(t, COORD, BOB, "!who-covers c"),
			"'c' matches several issues: counterfeit and cybersecurity.");
	assert_contains(t->out.v[0].body, "Usage: !who-covers <issue>");
	assert_contains(te_say(t, COORD, BOB, "!who-covers cybersecurty"),
			"no such issue 'cybersecurty'; did you mean cybersecurity?");
	assert_contains(te_say(t, COORD, BOB, "!who-covers prvacy"), "did you mean privacy?");
	assert_contains(te_say(t, COORD, BOB, "!who-covers qqqqqqqqqqq"),
			"no such issue 'qqqqqqqqqqq'; !issues lists them.");
}

static void test_users_and_pills(void **state)
{
	struct te *t = *state;

	/* a display name with a space, quoted */
	assert_contains(te_say(t, CYBER, ALICE, "!cover cyber \"carol smith\""), "Carol Smith");
	assert_contains(te_say(t, COORD, ALICE, "!who-covers cyber"), "Carol Smith");
	/* a pill: the label is replaced by the user ID before parsing */
	te_say_html(t, CYBER, ALICE, "!cover privacy Bob backup",
		    "!cover privacy <a href=\"https://matrix.to/#/@bob:example.org\">Bob</a> backup");
	assert_contains(te_say(t, COORD, ALICE, "!who-covers privacy"), "Bob");
	assert_contains(t->out.v[0].body, "backup");
	/* dave is not in the cyber room: his name does not resolve there */
	assert_contains(te_say(t, CYBER, ALICE, "!cover ai Dave"),
			"no member of this room is called 'Dave'");
	/* but his user ID does */
	assert_not_contains(te_say(t, CYBER, ALICE, "!cover ai @dave:example.org"), "no member");
}

static void test_reply_relation(void **state)
{
	struct te *t = *state;
	struct engine_msg m = { 0 };

	m.room_id = CYBER;
	m.sender = BOB;
	m.event_id = "$cmd1";
	m.thread_root = "$root";
	m.body = "!who-covers cyber";
	assert_int_equal(engine_handle(t->eng, &m, &t->out), 0);
	assert_int_equal(t->out.n, 1);
	assert_string_equal(t->out.v[0].room_id, CYBER);
	assert_string_equal(t->out.v[0].reply_to, "$cmd1");
	assert_string_equal(t->out.v[0].thread_root, "$root");
	assert_int_equal(t->out.v[0].mentions.n, 0);
	assert_null(t->out.v[0].due_id);
	assert_non_null(t->out.v[0].html);
}

static void test_html_escaped(void **state)
{
	struct te *t = *state;

	te_say(t, CYBER, ALICE, "!note <script>alert(1)</script> & more");
	te_say(t, CYBER, ALICE, "!log");
	assert_contains(t->out.v[0].body, "<script>alert(1)</script> & more");
	assert_null(strstr(t->out.v[0].html, "<script>"));
	assert_contains(t->out.v[0].html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more");
	te_say(t, COORD, ALICE, "!issue add evil \"<b>Evil</b> issue\"");
	te_say(t, COORD, ALICE, "!issues");
	assert_null(strstr(t->out.v[0].html, "<b>Evil"));
	assert_contains(t->out.v[0].html, "&lt;b&gt;Evil");
}

static void test_messages_logged_edit_redact(void **state)
{
	struct te *t = *state;
	char ev[32];

	te_say(t, CYBER, BOB, "the chair proposes a new draft on encryption");
	te_last_event(t, ev, sizeof(ev));
	assert_contains(te_say(t, CYBER, ALICE, "!search encryption"), "new draft");
	/* someone else's m.replace changes nothing */
	assert_int_equal(engine_edit(t->eng, CYBER, ev, CAROL, "forged words"), 0);
	assert_contains(te_say(t, CYBER, ALICE, "!search encryption"), "new draft");
	assert_not_contains(te_say(t, CYBER, ALICE, "!search forged"), "forged words");
	assert_int_equal(engine_edit(t->eng, CYBER, ev, BOB, "the chair withdrew the draft"), 0);
	assert_not_contains(te_say(t, CYBER, ALICE, "!search encryption"), "new draft");
	assert_contains(t->out.v[0].body, "matches");
	assert_contains(te_say(t, CYBER, ALICE, "!search withdrew"), "the chair withdrew the draft");
	assert_int_equal(engine_redact(t->eng, CYBER, ev), 0);
	assert_not_contains(te_say(t, CYBER, ALICE, "!search withdrew"), "chair withdrew");
	/* messages in a room with no issue are not kept */
	te_say(t, COORD, BOB, "coordination chatter about encryption");
	assert_not_contains(te_say(t, COORD, ALICE, "!search chatter"), "coordination chatter");
}

/* A redaction or an edit deletes or changes an entry only in the room it
 * was sent in: one in another room naming the same event ID is ignored. */
static void test_redact_edit_only_in_their_room(void **state)
{
	struct te *t = *state;
	char ev[32];

	te_say(t, CYBER, BOB, "the delegation of X supports the quokka clause");
	te_last_event(t, ev, sizeof(ev));
	assert_int_equal(engine_edit(t->eng, PRIVACY, ev, BOB, "rewritten elsewhere"), 0);
	assert_int_equal(engine_redact(t->eng, PRIVACY, ev), 0);
	assert_int_equal(engine_redact(t->eng, COORD, ev), 0);
	assert_contains(te_say(t, CYBER, ALICE, "!search quokka"), "supports the quokka clause");
	assert_not_contains(t->out.v[0].body, "rewritten");
	/* in its own room both still work */
	assert_int_equal(engine_redact(t->eng, CYBER, ev), 0);
	assert_not_contains(te_say(t, CYBER, ALICE, "!search quokka"), "quokka clause");
}

static void test_edit_of_a_command_entry(void **state)
{
	struct te *t = *state;
	char ev[32];

	te_say(t, CYBER, ALICE, "!note first draft of the text");
	te_last_event(t, ev, sizeof(ev));
	assert_int_equal(engine_edit(t->eng, CYBER, ev, ALICE, "!note second draft of the text"), 0);
	te_say(t, CYBER, ALICE, "!log");
	assert_contains(t->out.v[0].body, "second draft of the text");
	assert_not_contains(t->out.v[0].body, "!note second");
	assert_not_contains(t->out.v[0].body, "first draft");
	/* an edit never runs the command again */
	assert_int_equal(t->out.n, 1);
}

static void test_pill_with_colon(void **state)
{
	struct te *t = *state;

	te_say_html(t, CYBER, ALICE, "!cover ai Bob: backup",
		    "!cover ai <a href=\"https://matrix.to/#/@bob:example.org\">Bob</a>: backup");
	assert_not_contains(t->out.v[0].body, "no member");
	assert_contains(te_say(t, COORD, ALICE, "!who-covers ai"), "Bob");
}

/*
 * A command whose store work fails: the answer says nothing was changed,
 * the savepoint is undone, and the engine goes on serving.
 */
static void test_store_failure_in_a_command(void **state)
{
	struct te *t = *state;

	/* the note goes in first, then the coverage table is gone: !cover fails */
	te_say(t, CYBER, ALICE, "!note kept before the failure");
	assert_int_equal(sqlite3_exec(t->st->db, "DROP TABLE coverage", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_contains(te_say(t, CYBER, ALICE, "!cover cyber"),
			"something went wrong storing that; nothing was changed");
	assert_int_equal(t->out.n, 1);
	/* what came before survives, and other commands still work */
	assert_contains(te_say(t, CYBER, ALICE, "!log"), "kept before the failure");
}

/*
 * Every command: a malformed use gets a one-line reason and the usage
 * line.  The table names each command once; the test checks that none is
 * missing from it.
 */
static const struct {
	const char *room;
	const char *line;
	const char *usage;
} malformed[] = {
	{ COORD, "!help nosuchthing", "Usage: !help [command]" },
	{ COORD, "!issues extra args here", "Usage: !issues" },
	{ COORD, "!issue add", "Usage: !issue add <slug> <name...>" },
	{ COORD, "!issue link", "Usage: !issue link <issue>" },
	{ COORD, "!issue alias cyber", "Usage: !issue alias <issue> <alias>" },
	{ COORD, "!issue room", "Usage: !issue room <issue>" },
	{ COORD, "!join cyber privacy", "Usage: !join <issue>|all" },
	{ COORD, "!cover", "Usage: !cover <issue> [user] [backup]" },
	{ COORD, "!uncover", "Usage: !uncover <issue> [user]" },
	{ COORD, "!who-covers", "Usage: !who-covers <issue>" },
	{ COORD, "!coverage everything", "Usage: !coverage" },
	{ COORD, "!session cyber 25:00 Plenary", "Usage: !session <issue> <when> <title...> [@ <place>]" },
	{ COORD, "!sessions nonsense-zz", "Usage: !sessions [issue|today|tomorrow|all]" },
	{ COORD, "!attend abc", "Usage: !attend <n> [user]" },
	{ COORD, "!skip", "Usage: !skip <n> [user]" },
	{ COORD, "!move 1", "Usage: !move <n> <when>" },
	{ COORD, "!cancel x", "Usage: !cancel <n>" },
	{ COORD, "!uncovered now", "Usage: !uncovered" },
	{ CYBER, "!note", "Usage: !note <text>" },
	{ CYBER, "!decision", "Usage: !decision <text>" },
	{ CYBER, "!action", "Usage: !action <user> <text>" },
	{ CYBER, "!done zero", "Usage: !done <n>" },
	{ CYBER, "!actions please", "Usage: !actions" },
	{ CYBER, "!position CEPT", "Usage: !position <actor> <stance> [text...]" },
	{ COORD, "!positions nosuchissue-zz", "Usage: !positions [issue]" },
	{ CYBER, "!log many", "Usage: !log [n]" },
	{ CYBER, "!search", "Usage: !search <words...>" },
	{ CYBER, "!catchup since yesterday-ish", "Usage: !catchup [since <when>]" },
	{ CYBER, "!remind 14:00", "Usage: !remind <when> <text...>" },
	{ CYBER, "!digest now please", "Usage: !digest" },
};

static void test_malformed_each_command(void **state)
{
	struct te *t = *state;
	const struct cmd_entry *const tables[] = { cmd_core_table, cmd_issue_table,
						   cmd_session_table, cmd_log_table };

	for (size_t i = 0; i < ARRAY_LEN(malformed); i++) {
		const char *r = te_say(t, malformed[i].room, ALICE, malformed[i].line);
		if (!r || !strstr(r, malformed[i].usage))
			fail_msg("'%s' answered:\n%s\nwanted the usage '%s'", malformed[i].line,
				 r ? r : "(nothing)", malformed[i].usage);
		/* a reason comes first: the answer is more than the usage line */
		if (strncmp(r, "Usage:", 6) == 0)
			fail_msg("'%s' gave no reason before the usage line", malformed[i].line);
	}
	/* every command of every table is in the list above */
	for (size_t k = 0; k < ARRAY_LEN(tables); k++)
		for (const struct cmd_entry *e = tables[k]; e->name; e++) {
			char want[64];
			int found = 0;
			snprintf(want, sizeof(want), "Usage: !%s", e->name);
			for (size_t i = 0; i < ARRAY_LEN(malformed); i++)
				if (!strncmp(malformed[i].usage, want, strlen(want)) &&
				    (malformed[i].usage[strlen(want)] == ' ' ||
				     malformed[i].usage[strlen(want)] == '\0'))
					found = 1;
			if (!found)
				fail_msg("command '%s' has no malformed case", e->name);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_not_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_resolution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_and_pills, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_relation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages_logged_edit_redact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_each_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_of_a_command_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redact_edit_only_in_their_room, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pill_with_colon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failure_in_a_command, setup, teardown),
	};
	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
