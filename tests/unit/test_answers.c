/*
 * test_answers.c - every command family's answers have the phone shape
 * (SPEC §2, answercheck.h): the checks themselves, every command with
 * hostile names and titles, the console cases replayed through the engine,
 * and long lists and digests that say what they left out.
 */
#include "testengine.h"

#include <dirent.h>
#include <stdio.h>

#include "when.h"

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

/* The checks catch what they are for (else passing them proves nothing). */
static void test_checks_can_fail(void **state)
{
	static const char *const bad_html[] = {
		"<table><tr><td>x</td></tr></table>",
		"<p><strong>x</strong></p>",
		"<p>a <script>alert(1)</script></p>",
		"<p>Tom & Jerry</p>",
		"<p>1 > 0</p>",
		"<p><b>x</p></b>",
		"<ul><b>x</b></ul>",
		"<li>x</li>",
		"<p><ul><li>x</li></ul></p>",
		"<p>open",
		"<a href=\"javascript:x\">x</a>",
		"<p onclick=\"x\">x</p>",
		"<p>a <b",
	};
	static const char *const good_html[] = {
		"<p><b>2 issues</b></p><ul><li><b>Cybersecurity</b> — lead "
		"<a href=\"https://matrix.to/#/@alice:example.org\">Alice</a></li></ul>",
		"<p>&lt;script&gt; &amp; &quot;x&quot; &#39;y&#39;<br>z <code>!help</code> "
		"<i>i</i></p><blockquote><p>q</p></blockquote><ol><li>1</li></ol>",
		"",
	};
	static const char *const bad_plain[] = {
		"Issue | Leads | Backups\n",
		"x\n  Cybersecurity | Alice",
		"|a|b|",
		"ok\n  padded",
	};
	char why[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad_html); i++)
		if (!answer_html_check(bad_html[i], why, sizeof(why)))
			fail_msg("accepted: %s", bad_html[i]);
	for (size_t i = 0; i < ARRAY_LEN(good_html); i++)
		if (answer_html_check(good_html[i], why, sizeof(why)))
			fail_msg("refused (%s): %s", why, good_html[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad_plain); i++)
		if (!answer_plain_check(bad_plain[i], why, sizeof(why)))
			fail_msg("accepted: %s", bad_plain[i]);
	assert_int_equal(answer_plain_check("Positions\n• CEPT oppose, since Mon 5 Nov\n"
					    "• !sessions [issue|today|all] — upcoming", why,
					    sizeof(why)), 0);
}

#define EVIL "<script>x</script> & \"q\" 'a' | b |"

/*
 * Every command, with hostile text in every place a user can put some:
 * display names, issue names, titles, places, actors, stances' notes,
 * log entries.  te_say checks each answer (testengine.h); here the raw
 * markup must never come back, and the script must use every command
 * !help lists, so a new command cannot slip past.
 */
static void test_every_command_hostile(void **state)
{
	static const char *const script[][2] = {
		{ COORD, "!help" },
		{ COORD, "!help session" },
		{ COORD, "!issue add evil \"" EVIL "\"" },
		{ CYBER, "!issue alias cyber cs" },
		{ PRIVACY, "!issue link privacy" },
		{ COORD, "!issue room gender" },
		{ COORD, "!issues" },
		{ COORD, "!issues all" },
		{ COORD, "!join cyber" },
		{ CYBER, "!cover cyber" },
		{ CYBER, "!cover cyber @mal:example.org backup" },
		{ CYBER, "!who-covers" },
		{ COORD, "!coverage" },
		{ CYBER, "!session 14:00 \"" EVIL "\" @ " EVIL },
		{ CYBER, "!session 15:00 Plenary" },
		{ CYBER, "!sessions" },
		{ COORD, "!sessions all" },
		{ CYBER, "!attend 1" },
		{ CYBER, "!attend 1 @mal:example.org" },
		{ CYBER, "!skip 1" },
		{ CYBER, "!move 1 16:00" },
		{ CYBER, "!uncovered" },
		{ CYBER, "!cancel 2" },
		{ CYBER, "!remind in 1h " EVIL },
		{ CYBER, "!note " EVIL },
		{ CYBER, "!decision " EVIL },
		{ CYBER, "!action @mal:example.org " EVIL },
		{ CYBER, "!actions" },
		{ COORD, "!actions all" },
		{ CYBER, "!done 1" },
		{ CYBER, "!position \"" EVIL "\" support " EVIL },
		{ CYBER, "!positions" },
		{ CYBER, "!log" },
		{ CYBER, "!search script" },
		{ COORD, "!search script" },
		{ CYBER, "!catchup" },
		{ CYBER, "!digest" },
		{ COORD, "!digest" },
		{ CYBER, "!handover cyber Bob " EVIL },
		{ CYBER, "!doc DT/64 " EVIL },
		{ CYBER, "!docs" },
		{ CYBER, "!my" },
		{ CYBER, "!calendar" },
		{ CYBER, "!prefs" },
		{ COORD, "!feeds" },
		{ COORD, "!feed remove 9" },
		{ CYBER, "!uncover cyber" },
		{ CYBER, "!frobnicate " EVIL },
		{ CYBER, "!issue" },
		{ CYBER, "!cover " EVIL },
	};
	struct te *t = *state;
	struct strv used = { 0 }, listed = { 0 };
	char *help;
	const char *line;

	te_member(t, CYBER, "@mal:example.org", EVIL);
	te_member(t, COORD, "@mal:example.org", EVIL);
	help = xstrdup(te_say(t, COORD, ALICE, "!help"));
	for (size_t i = 0; i < ARRAY_LEN(script); i++) {
		char cmd[64];
		size_t n;

		te_say(t, script[i][0], ALICE, script[i][1]);
		for (size_t k = 0; k < t->out.n; k++) {
			assert_not_contains(t->out.v[k].html, "<script");
			assert_not_contains(t->out.v[k].html, "\"q\"");
		}
		n = strcspn(script[i][1] + 1, " ");
		snprintf(cmd, sizeof(cmd), "!%.*s", (int)n, script[i][1] + 1);
		strv_push(&used, cmd);
	}
	/* every command !help lists ("• !issue add <slug> ..." counts as "!issue") */
	for (line = help; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char cmd[64];
		if (strncmp(line, "• !", strlen("• !")))
			continue;
		line += strlen("• ");
		snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(line, " \n"), line);
		strv_push(&listed, cmd);
	}
	assert_true(listed.n >= 20);
	for (size_t i = 0; i < listed.n; i++)
		if (!strv_has(&used, listed.v[i]))
			fail_msg("the script never runs %s", listed.v[i]);
	strv_release(&used);
	strv_release(&listed);
	free(help);
}

/* The console cases (tests/console, each .case file), replayed through the engine:
 * the same commands, now checked in both renderings. */
static void replay_case(const char *path, size_t *lines)
{
	struct te *t = te_new();
	const char *room = COORD, *who = ALICE;
	char line[1024], *as = NULL;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "# args:", 7)) {
			const char *r = strstr(line, "--room ");
			const char *a = strstr(line, "--as ");
			if (r && !strncmp(r + 7, "cybersecurity", 13))
				room = CYBER;
			else if (r && !strncmp(r + 7, "privacy", 7))
				room = PRIVACY;
			if (a) {
				free(as);
				as = xstrndup(a + 5, strcspn(a + 5, " "));
				who = as;
			}
		} else if (!strncmp(line, "> /advance ", 11)) {
			int64_t secs;
			assert_int_equal(when_parse_duration(line + 11, &secs), 0);
			te_advance(t, secs);
			te_due(t);
			(*lines)++;
		} else if (!strncmp(line, "> ", 2) && line[2] != '/') {
			te_say(t, room, who, line + 2);
			(*lines)++;
		}
	}
	fclose(f);
	free(as);
	te_free(t);
}

static void test_console_cases(void **state)
{
	DIR *dir = opendir("tests/console");
	struct dirent *e;
	size_t cases = 0, lines = 0;

	(void)state;
	if (!dir) {
		print_message("tests/console not found (run from the repository root); skipped\n");
		skip();
	}
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		char path[512];
		if (n < 5 || strcmp(e->d_name + n - 5, ".case"))
			continue;
		snprintf(path, sizeof(path), "tests/console/%s", e->d_name);
		replay_case(path, &lines);
		cases++;
	}
	closedir(dir);
	assert_true(cases >= 4);
	assert_true(lines >= 30);
}

/* How many lines s has. */
static size_t count_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * Issue 9, defect 12: a newline or '|' in an issue's name, a session's
 * title or an actor's name cannot add a row (or a column) to the plain
 * body: each item stays one line.
 */
static void test_names_cannot_break_lines(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, COORD, ALICE, "!issue add evil \"Evil\nName | fake | row\"");
	r = te_say(t, COORD, ALICE, "!issues");
	/* a heading and one line for each of the 6 issues */
	assert_int_equal(count_lines(r), 1 + 6);
	assert_contains(r, "• Evil Name ¦ fake ¦ row (evil) — no room; no lead\n");

	te_say(t, CYBER, ALICE, "!position \"CEPT\n• Brazil\" support \"a\nb | c\"");
	te_say(t, CYBER, ALICE, "!position ATU oppose");
	r = te_say(t, CYBER, ALICE, "!positions");
	assert_int_equal(count_lines(r), 1 + 2);
	assert_contains(r, "• CEPT • Brazil support, since Mon 5 Nov — \"a b ¦ c\"");

	te_say(t, CYBER, ALICE, "!session 14:00 \"Drafting\n• 15:00 fake session\" @ Room\nD");
	r = te_say(t, CYBER, ALICE, "!sessions");
	/* "1 upcoming ..." line, the day heading, one item */
	assert_int_equal(count_lines(r), 3);
	assert_contains(r, "#1 Drafting • 15:00 fake session @ Room D");
}

/*
 * Issue 9, defect 10: a digest or a catch-up with more notes than it shows
 * says how many there were, how many it left out and where to read them.
 */
static void test_digest_says_what_it_left_out(void **state)
{
	struct te *t = *state;
	const char *r;
	char cmd[64];

	for (int i = 1; i <= 60; i++) {
		snprintf(cmd, sizeof(cmd), "!note note number %d", i);
		te_say(t, CYBER, BOB, cmd);
	}
	for (int i = 1; i <= 3; i++) {
		snprintf(cmd, sizeof(cmd), "!decision decision %d", i);
		te_say(t, CYBER, BOB, cmd);
	}
	r = te_say(t, CYBER, ALICE, "!digest");
	assert_contains(r, "3 decisions, 60 notes");
	assert_contains(r, "note number 15\n");
	assert_not_contains(r, "note number 16\n");
	assert_contains(r, "… and 45 more notes, not shown here: !log 50 and !search <words> in "
			   "the issue room read them, caucus export <issue> has them all.");
	assert_not_contains(r, "more decisions");
	assert_true(count_lines(r) < 40);

	r = te_say(t, CYBER, ALICE, "!catchup since 08:00");
	assert_contains(r, "3 decisions, 60 notes");
	assert_contains(r, "… and 45 more notes");
}

/* A list longer than about 15 items shows 15 and says how to see them all. */
static void test_long_lists_cut(void **state)
{
	struct te *t = *state;
	const char *r;
	char cmd[96];

	for (int i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "!position Actor%02d support", i);
		te_say(t, CYBER, ALICE, cmd);
		snprintf(cmd, sizeof(cmd), "!action Bob task %d", i);
		te_say(t, CYBER, ALICE, cmd);
		snprintf(cmd, sizeof(cmd), "!session tomorrow %02d:%02d Meeting %d", 8 + i / 2,
			 i % 2 * 30, i);
		te_say(t, CYBER, ALICE, cmd);
	}
	r = te_say(t, CYBER, ALICE, "!positions");
	assert_contains(r, "Positions on Cybersecurity: 20 actors");
	assert_contains(r, "• Actor14 support");
	assert_not_contains(r, "Actor15");
	assert_contains(r, "… and 5 more: !positions cybersecurity all");
	r = te_say(t, CYBER, ALICE, "!positions cybersecurity all");
	assert_contains(r, "• Actor19 support");
	assert_not_contains(r, "more");

	r = te_say(t, CYBER, ALICE, "!actions");
	assert_contains(r, "20 open actions in Cybersecurity");
	assert_contains(r, "… and 5 more: !actions all");
	r = te_say(t, CYBER, ALICE, "!actions all");
	assert_contains(r, "task 19");

	r = te_say(t, CYBER, ALICE, "!sessions tomorrow");
	assert_contains(r, "20 Cybersecurity sessions tomorrow");
	assert_contains(r, "… and 5 more: !sessions tomorrow all");
	assert_not_contains(r, "Meeting 15");
	r = te_say(t, CYBER, ALICE, "!sessions tomorrow all");
	assert_contains(r, "Meeting 19");
	assert_not_contains(r, "more:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks_can_fail),
		cmocka_unit_test_setup_teardown(test_every_command_hostile, setup, teardown),
		cmocka_unit_test(test_console_cases),
		cmocka_unit_test_setup_teardown(test_names_cannot_break_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_says_what_it_left_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_lists_cut, setup, teardown),
	};
	return cmocka_run_group_tests_name("answers", tests, NULL, NULL);
}
