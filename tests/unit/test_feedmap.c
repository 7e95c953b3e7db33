/*
 * test_feedmap.c - feed events to sessions (bot/feedmap.c) and the
 * [[issue]] match key that drives it (bot/config.c): which issue an event
 * goes to, through each of SUMMARY, CATEGORIES, LOCATION and DESCRIPTION,
 * case-insensitively, first issue first; a feed's own issue; all-day
 * events and unmatched ones skipped with their reason; a missing end.
 */
#include "testutil.h"

#include "config.h"
#include "feedmap.h"
#include "ical.h"

#define CONFIG \
	"[matrix]\n" \
	"homeserver = \"https://matrix.example.org\"\n" \
	"user_id = \"@caucus:example.org\"\n" \
	"password = \"change-me\"\n" \
	"[bot]\n" \
	"timezone = \"Asia/Dubai\"\n" \
	"[sessions]\n" \
	"default_length = \"45m\"\n" \
	"[[issue]]\n" \
	"slug = \"cybersecurity\"\n" \
	"name = \"Cybersecurity\"\n" \
	"match = [\"Res. 130\", \"WG-CYB\"]\n" \
	"[[issue]]\n" \
	"slug = \"gender\"\n" \
	"name = \"Gender\"\n" \
	"match = [\"gender\", \"Res. 70\"]\n" \
	"[[issue]]\n" \
	"slug = \"ott\"\n" \
	"name = \"Over-the-top services\"\n" \
	"match = [\"OTT\"]\n" \
	"[[issue]]\n" \
	"slug = \"privacy\"\n" \
	"name = \"Privacy and data protection\"\n"

static struct config *load(const char *text, struct buf *errs)
{
	struct config *cfg = NULL;

	buf_init(errs, 0);
	config_load_string("caucus.toml", text, &cfg, errs);
	return cfg;
}

static int setup(void **state)
{
	struct buf errs;
	struct config *cfg = load(CONFIG, &errs);

	if (!cfg)
		print_error("%s", errs.data);
	buf_release(&errs);
	*state = cfg;
	return cfg ? 0 : -1;
}

static int teardown(void **state)
{
	config_free(*state);
	return 0;
}

static struct ical_event event(const char *summary, const char *categories,
			       const char *location, const char *description)
{
	struct ical_event e;

	memset(&e, 0, sizeof(e));
	e.uid = (char *)(uintptr_t)"u1";
	e.summary = (char *)(uintptr_t)summary;
	e.categories = (char *)(uintptr_t)categories;
	e.location = (char *)(uintptr_t)location;
	e.description = (char *)(uintptr_t)description;
	e.start_s = 1541412000;
	e.end_s = 1541415600;
	return e;
}

static void test_match_config(void **state)
{
	const struct config *cfg = *state;

	assert_int_equal(cfg->n_issues, 4);
	assert_int_equal(cfg->issues[0].match.n, 2);
	assert_string_equal(cfg->issues[0].match.v[0], "Res. 130");
	assert_int_equal(cfg->issues[3].match.n, 0);
	/* "caucus check" says what the rules mean */
	{
		struct buf out;
		buf_init(&out, 0);
		config_describe(cfg, &out);
		assert_non_null(strstr(out.data, "    feed events containing: \"Res. 130\", "
				       "\"WG-CYB\"\n"));
		assert_int_equal(strstr(out.data, "feed events containing: \"OTT\"") != NULL, 1);
		buf_release(&out);
	}
}

static void test_match_fields(void **state)
{
	const struct config *cfg = *state;
	struct ical_event e;

	/* each field, each case */
	e = event("Drafting group on RES. 130", NULL, NULL, NULL);
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), 0);
	e = event("Side event", "Working groups, WG-Cyb", NULL, NULL);
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), 0);
	e = event("Reception", NULL, "Gender Lounge (Hall 2)", NULL);
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), 1);
	e = event("Bilateral", NULL, NULL, "On the revision of Res. 70\n(Dubai, 2018)");
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), 1);
	/* the first issue in the file wins */
	e = event("Gender and Res. 130", NULL, NULL, NULL);
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), 0);
	/* a substring anywhere, even inside a word ("OTT" in "Scott") */
	e = event("Meeting with Scott", NULL, NULL, NULL);
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), 2);
	/* nothing hits; an event with no text at all */
	e = event("Coffee break", "Break", "Foyer", "Coffee.");
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), -1);
	e = event(NULL, NULL, NULL, NULL);
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), -1);
	/* "Res. 13" is not "Res. 130" the other way round */
	e = event("Res. 13", NULL, NULL, NULL);
	assert_int_equal(feedmap_match(cfg->issues, cfg->n_issues, &e), -1);
}

static void test_event_verdicts(void **state)
{
	const struct config *cfg = *state;
	struct feedmap_result r;
	struct ical_event e;

	e = event("[WG-CYB] Drafting", NULL, "Room C (DWTC)", NULL);
	assert_int_equal(feedmap_event(cfg, NULL, &e, &r), FEEDMAP_SESSION);
	assert_int_equal(r.issue, 0);
	assert_string_equal(r.title, "[WG-CYB] Drafting");
	assert_string_equal(r.place, "Room C (DWTC)");
	assert_int_equal(r.start_s, e.start_s);
	assert_int_equal(r.end_s, e.end_s);
	assert_string_equal(feedmap_reason(r.verdict), "");

	/* the feed's own issue takes every event, matched or not */
	e = event("Coffee break", NULL, "", NULL);
	assert_int_equal(feedmap_event(cfg, "privacy", &e, &r), FEEDMAP_SESSION);
	assert_int_equal(r.issue, 3);
	assert_null(r.place);
	assert_int_equal(feedmap_event(cfg, NULL, &e, &r), FEEDMAP_UNMATCHED);
	assert_string_equal(feedmap_reason(r.verdict), "no issue's match rules hit it");
	assert_int_equal(feedmap_event(cfg, "no-such-issue", &e, &r), FEEDMAP_UNMATCHED);

	/* no end: sessions.default_length (45m here) */
	e = event("Res. 130 informal", NULL, NULL, NULL);
	e.no_end = 1;
	e.end_s = e.start_s;
	assert_int_equal(feedmap_event(cfg, NULL, &e, &r), FEEDMAP_SESSION);
	assert_int_equal(r.end_s - r.start_s, 45 * 60);

	/* all-day: skipped even when it matches */
	e = event("Gender day", NULL, NULL, NULL);
	e.all_day = 1;
	assert_int_equal(feedmap_event(cfg, NULL, &e, &r), FEEDMAP_ALL_DAY);
	assert_string_equal(feedmap_reason(r.verdict), "an all-day event, not a meeting");

	/* cancelled is carried; an empty title is named */
	e = event("", NULL, NULL, NULL);
	e.cancelled = 1;
	assert_int_equal(feedmap_event(cfg, "ott", &e, &r), FEEDMAP_SESSION);
	assert_true(r.cancelled);
	assert_string_equal(r.title, "(untitled)");
}

/* The Indico-shaped fixture through the parser and the rules. */
static void test_fixture(void **state)
{
	const struct config *cfg = *state;
	struct ical_in in = { .timezone = "Asia/Dubai" };
	struct ical_feed f;
	struct feedmap_result r;
	FILE *fp = fopen("tests/ical/indico.ics", "rb");
	char data[8192], err[200];
	size_t n;

	assert_non_null(fp);
	n = fread(data, 1, sizeof(data), fp);
	fclose(fp);
	assert_int_equal(ical_parse(data, n, &in, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(feedmap_event(cfg, NULL, &f.v[0], &r), FEEDMAP_SESSION);
	assert_string_equal(cfg->issues[r.issue].slug, "cybersecurity");
	assert_int_equal(feedmap_event(cfg, NULL, &f.v[1], &r), FEEDMAP_UNMATCHED);
	ical_feed_release(&f);
}

static void test_match_errors(void **state)
{
	/* the rule is on line 27, in a fifth issue after CONFIG's 24 lines */
	static const struct {
		const char *rule, *error;
	} cases[] = {
		{ "match = \"Res. 130\"",
		  "caucus.toml:27: issue.match: expected an array, not a string\n" },
		{ "match = [\"\"]", "caucus.toml:27: issue.match: a rule must not be empty\n" },
		{ "match = [\"  \"]", "caucus.toml:27: issue.match: a rule must not be empty\n" },
		{ "match = [130]",
		  "caucus.toml:27: issue.match: expected a string, not an integer\n" },
		{ "mach = [\"x\"]",
		  "caucus.toml:27: issue.mach: unknown key 'mach' (did you mean 'match'?)\n" },
	};
	struct buf errs;
	struct config *cfg;
	char text[2048], rule[260];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), CONFIG "[[issue]]\nslug = \"x\"\nname = \"X\"\n%s\n",
			 cases[i].rule);
		cfg = load(text, &errs);
		assert_null(cfg);
		assert_string_equal(errs.data, cases[i].error);
		buf_release(&errs);
	}
	memset(rule, 'a', 201);
	rule[201] = 0;
	snprintf(text, sizeof(text), CONFIG "[[issue]]\nslug = \"x\"\nname = \"X\"\n"
		 "match = [\"%s\"]\n", rule);
	cfg = load(text, &errs);
	assert_null(cfg);
	assert_string_equal(errs.data, "caucus.toml:27: issue.match: a rule is at most 200 bytes\n");
	buf_release(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_config),
		cmocka_unit_test(test_match_fields),
		cmocka_unit_test(test_event_verdicts),
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_match_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
