/*
 * test_config.c - the configuration file (bot/config.c): defaults, every
 * kind of error with its exact "FILE:LINE: KEY: reason", typo suggestions,
 * secret files, relative paths (and $STATE_DIRECTORY, $CREDENTIALS_DIRECTORY
 * under systemd), access globs and admins, the summary of
 * "caucus check", and bot.example.toml loading clean.  Run from the top of
 * the tree (as "make unit" does), so bot.example.toml is found.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define BASE \
	"[matrix]\n" \
	"homeserver = \"https://matrix.example.org/\"\n" \
	"user_id = \"@caucus:example.org\"\n" \
	"password = \"change-me\"\n"

static struct config *load_ok(const char *text)
{
	struct config *cfg = NULL;
	struct buf errs;

	buf_init(&errs, 0);
	if (config_load_string("caucus.toml", text, &cfg, &errs)) {
		print_error("unexpected errors:\n%s", errs.data);
		fail();
	}
	assert_string_equal(errs.data, "");
	buf_release(&errs);
	assert_non_null(cfg);
	return cfg;
}

/* Load text that must fail; returns the error lines (caller frees). */
static char *load_bad(const char *text)
{
	struct config *cfg = (struct config *)&cfg;     /* must be reset */
	struct buf errs;
	char *s;

	buf_init(&errs, 0);
	assert_int_equal(config_load_string("caucus.toml", text, &cfg, &errs), -1);
	assert_null(cfg);
	s = buf_detach(&errs);
	buf_release(&errs);
	return s;
}

static void test_defaults(void **state)
{
	struct config *cfg = load_ok(BASE);

	(void)state;
	assert_string_equal(cfg->path, "caucus.toml");
	assert_string_equal(cfg->homeserver, "https://matrix.example.org"); /* no '/' */
	assert_string_equal(cfg->user_id, "@caucus:example.org");
	assert_string_equal(cfg->password, "change-me");
	assert_null(cfg->access_token);
	assert_string_equal(cfg->device_name, "caucus");
	assert_string_equal(cfg->database, "caucus.db");  /* relative to cwd */
	assert_string_equal(cfg->command_prefix, "!");
	assert_string_equal(cfg->timezone, "UTC");
	assert_null(cfg->coordination_room);
	assert_int_equal(cfg->admins.n, 0);
	assert_int_equal(cfg->allowed_users.n, 1);
	assert_string_equal(cfg->allowed_users.v[0], "@*:example.org");
	assert_int_equal(cfg->encryption, 1);
	assert_string_equal(cfg->pickle_key_file, "caucus.key");
	assert_int_equal(cfg->n_remind_before, 2);
	assert_int_equal(cfg->remind_before[0], 1800);
	assert_int_equal(cfg->remind_before[1], 300);
	assert_int_equal(cfg->remind_escalate, 900);
	assert_int_equal(cfg->default_length, 3600);
	assert_int_equal(cfg->digest_minute, 23 * 60);
	assert_int_equal(cfg->retention_days, 90);
	assert_int_equal(cfg->n_issues, 0);
	config_free(cfg);
	config_free(NULL);
}

static void test_every_key(void **state)
{
	struct config *cfg = load_ok(
		"[matrix]\n"
		"homeserver = \"http://localhost:8008\"\n"
		"user_id = \"@bot:localhost\"\n"
		"access_token = \"syt_abc\"\n"
		"device_name = \"conference bot\"\n"
		"[bot]\n"
		"database = \"/var/lib/caucus/c.db\"\n"
		"command_prefix = \"caucus:\"\n"
		"timezone = \"Asia/Dubai\"\n"
		"coordination_room = \"!abc:localhost\"\n"
		"admins = [\"@alice:localhost\", \"@bob:other.org\"]\n"
		"[access]\n"
		"allowed_users = [\"@*:localhost\", \"@carol:other.org\"]\n"
		"[encryption]\n"
		"enabled = false\n"
		"pickle_key_file = \"keys/pickle\"\n"
		"[reminders]\n"
		"before = [\"5m\", \"1h30m\", \"45s\"]\n"
		"escalate = \"20m\"\n"
		"[sessions]\n"
		"default_length = \"90m\"\n"
		"[digest]\n"
		"time = \"07:05\"\n"
		"[log]\n"
		"retention_days = 0\n"
		"[[issue]]\n"
		"slug = \"cybersecurity\"\n"
		"name = \"Cybersecurity\"\n"
		"aliases = [\"Cyber\", \"res130\"]\n"
		"room = \"#cybersecurity:localhost\"\n"
		"[[issue]]\n"
		"slug = \"gender\"\n"
		"name = \"Gender\"\n");

	(void)state;
	assert_string_equal(cfg->homeserver, "http://localhost:8008");
	assert_null(cfg->password);
	assert_string_equal(cfg->access_token, "syt_abc");
	assert_string_equal(cfg->device_name, "conference bot");
	assert_string_equal(cfg->database, "/var/lib/caucus/c.db");
	assert_string_equal(cfg->command_prefix, "caucus:");
	assert_string_equal(cfg->timezone, "Asia/Dubai");
	assert_string_equal(cfg->coordination_room, "!abc:localhost");
	assert_int_equal(cfg->admins.n, 2);
	assert_int_equal(cfg->allowed_users.n, 2);
	assert_int_equal(cfg->encryption, 0);
	assert_string_equal(cfg->pickle_key_file, "keys/pickle");
	/* sorted largest first */
	assert_int_equal(cfg->n_remind_before, 3);
	assert_int_equal(cfg->remind_before[0], 5400);
	assert_int_equal(cfg->remind_before[1], 300);
	assert_int_equal(cfg->remind_before[2], 45);
	assert_int_equal(cfg->remind_escalate, 1200);
	assert_int_equal(cfg->default_length, 5400);
	assert_int_equal(cfg->digest_minute, 7 * 60 + 5);
	assert_int_equal(cfg->retention_days, 0);
	assert_int_equal(cfg->n_issues, 2);
	assert_string_equal(cfg->issues[0].slug, "cybersecurity");
	assert_string_equal(cfg->issues[0].name, "Cybersecurity");
	assert_int_equal(cfg->issues[0].aliases.n, 2);
	assert_string_equal(cfg->issues[0].aliases.v[0], "cyber");    /* lower-cased */
	assert_string_equal(cfg->issues[0].aliases.v[1], "res130");
	assert_string_equal(cfg->issues[0].room, "#cybersecurity:localhost");
	assert_int_equal(cfg->issues[1].aliases.n, 0);
	assert_null(cfg->issues[1].room);
	config_free(cfg);
}

static void test_no_reminders(void **state)
{
	struct config *cfg = load_ok(BASE "[reminders]\nbefore = []\nescalate = \"\"\n");

	(void)state;
	assert_int_equal(cfg->n_remind_before, 0);
	assert_int_equal(cfg->remind_escalate, 0);   /* "" turns escalation off */
	config_free(cfg);
}

/* One problem each, reported with its file, line and key. */
static void test_errors(void **state)
{
	static const struct {
		const char *extra;      /* appended to BASE (which is lines 1-4) */
		const char *err;
	} cases[] = {
		/* unknown keys and sections, with the closest known name */
		{ "homserver = \"x\"\n", "caucus.toml:5: matrix.homserver: unknown key 'homserver' (did you mean 'homeserver'?)" },
		{ "[bot]\ntimezon = \"UTC\"\n", "caucus.toml:6: bot.timezon: unknown key 'timezon' (did you mean 'timezone'?)" },
		{ "[bot]\nallowed_users = []\n", "caucus.toml:6: bot.allowed_users: unknown key 'allowed_users' (it belongs in [access])" },
		{ "[bot]\nfrobnicate = 1\n", "caucus.toml:6: bot.frobnicate: unknown key 'frobnicate'" },
		{ "[remiders]\nbefore = []\n", "caucus.toml:5: remiders: unknown section 'remiders' (did you mean 'reminders'?)" },
		{ "[colours]\n", "caucus.toml:5: colours: unknown section 'colours'" },
		{ "[bot.extra]\n", "caucus.toml:5: bot.extra: unknown key 'extra'" },
		{ "[digest]\n[[digest.x]]\n", "caucus.toml:6: digest.x: unknown key 'x'" },
		/* wrong types */
		{ "device_name = 3\n", "caucus.toml:5: matrix.device_name: expected a string, not an integer" },
		{ "[encryption]\nenabled = \"yes\"\n", "caucus.toml:6: encryption.enabled: expected a boolean, not a string" },
		{ "[log]\nretention_days = 9.5\n", "caucus.toml:6: log.retention_days: expected an integer, not a float" },
		{ "[bot]\nadmins = \"@a:b\"\n", "caucus.toml:6: bot.admins: expected an array, not a string" },
		{ "[bot]\nadmins = [\n  \"@a:b\",\n  1,\n]\n", "caucus.toml:8: bot.admins: expected a string, not an integer" },
		{ "bot = 1\n", "caucus.toml:5: matrix.bot: unknown key 'bot'" },
		{ "[log]\nretention_days = 1979-05-27\n", "caucus.toml:6: log.retention_days: expected an integer, not a local date" },
		{ "device_name = \"a\\u0000b\"\n", "caucus.toml:5: matrix.device_name: a NUL character (\\u0000) is not allowed" },
		/* durations, zones, times, numbers */
		{ "[sessions]\ndefault_length = \"1 hour\"\n", "caucus.toml:6: sessions.default_length: '1 hour' is not a duration (like 90m, 2h, 1h30m, 45s; at most 366 days)" },
		{ "[reminders]\nbefore = [\"30m\", \"5x\"]\n", "caucus.toml:6: reminders.before: '5x' is not a duration (like 90m, 2h, 1h30m, 45s; at most 366 days)" },
		{ "[reminders]\nbefore = [\"30m\", \"0h30m\"]\n", "caucus.toml:6: reminders.before: 30m is listed twice" },
		{ "[reminders]\nescalate = \"soon\"\n", "caucus.toml:6: reminders.escalate: 'soon' is not a duration (like 90m, 2h, 1h30m, 45s; at most 366 days)" },
		{ "[reminders]\nescalate = 15\n", "caucus.toml:6: reminders.escalate: expected a string, not an integer" },
		{ "[bot]\ntimezone = \"Asia/Atlantis\"\n", "caucus.toml:6: bot.timezone: unknown time zone 'Asia/Atlantis' (an IANA name like Asia/Dubai)" },
		{ "[bot]\ntimezone = \"../etc/passwd\"\n", "caucus.toml:6: bot.timezone: unknown time zone '../etc/passwd' (an IANA name like Asia/Dubai)" },
		{ "[digest]\ntime = \"7:00\"\n", "caucus.toml:6: digest.time: '7:00' is not a time of day (HH:MM, 00:00 to 23:59)" },
		{ "[digest]\ntime = \"23:60\"\n", "caucus.toml:6: digest.time: '23:60' is not a time of day (HH:MM, 00:00 to 23:59)" },
		{ "[log]\nretention_days = -1\n", "caucus.toml:6: log.retention_days: -1 is out of range (0 keeps forever, at most 36500)" },
		/* shapes of IDs and strings */
		{ "[bot]\ncommand_prefix = \"\"\n", "caucus.toml:6: bot.command_prefix: must be non-empty and without spaces" },
		{ "[bot]\ncommand_prefix = \"! \"\n", "caucus.toml:6: bot.command_prefix: must be non-empty and without spaces" },
		{ "[bot]\ncoordination_room = \"coordination\"\n", "caucus.toml:6: bot.coordination_room: 'coordination' is not a room ID (!id:server) or alias (#name:server)" },
		{ "[bot]\nadmins = [\"@alice\"]\n", "caucus.toml:6: bot.admins: '@alice' is not a user ID like @name:example.org" },
		{ "[bot]\nadmins = [\"@a:b\", \"@a:b\"]\n", "caucus.toml:6: bot.admins: '@a:b' is listed twice" },
		{ "[access]\nallowed_users = [\"*:example.org\"]\n", "caucus.toml:6: access.allowed_users: '*:example.org' is not a user ID pattern like @*:example.org" },
		{ "[bot]\ndatabase = \"\"\n", "caucus.toml:6: bot.database: must not be empty" },
		{ "device_name = \"\"\n", "caucus.toml:5: matrix.device_name: must not be empty" },
		/* secrets */
		{ "access_token_file = \"/nonexistent/token\"\n", "caucus.toml:5: matrix.access_token_file: cannot read '/nonexistent/token': No such file or directory" },
		{ "access_token = \"\"\n", "caucus.toml:5: matrix.access_token: must not be empty" },
		/* issues */
		{ "[[issue]]\nslug = \"Cyber\"\nname = \"C\"\n", "caucus.toml:6: issue.slug: 'Cyber' must be lower-case letters, digits and '-'" },
		{ "[[issue]]\nslug = \"a b\"\nname = \"C\"\n", "caucus.toml:6: issue.slug: 'a b' must be lower-case letters, digits and '-'" },
		{ "[[issue]]\nname = \"C\"\n", "caucus.toml:5: issue.slug: required key missing" },
		{ "[[issue]]\nslug = \"c\"\n", "caucus.toml:5: issue.name: required key missing" },
		{ "[[issue]]\nslug = \"c\"\nname = \"\"\n", "caucus.toml:7: issue.name: must not be empty" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\nalias = []\n", "caucus.toml:8: issue.alias: unknown key 'alias' (did you mean 'aliases'?)" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\nowner = \"x\"\n", "caucus.toml:8: issue.owner: unknown key 'owner' (an issue has slug, name, aliases, room and match)" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\nmatch = [\" \"]\n", "caucus.toml:8: issue.match: a rule must not be empty" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\nroom = \"c:example.org\"\n", "caucus.toml:8: issue.room: 'c:example.org' is not a room ID (!id:server) or alias (#name:server)" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\nroom = \"#c\"\n", "caucus.toml:8: issue.room: '#c' is not a room ID (!id:server) or alias (#name:server)" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\naliases = \"x\"\n", "caucus.toml:8: issue.aliases: expected an array, not a string" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\naliases = [\"x\", \"X\"]\n", "caucus.toml:8: issue.aliases: 'X' is listed twice" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\naliases = [\"c\"]\n", "caucus.toml:8: issue.aliases: 'c' is the issue's own slug" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\n[[issue]]\nslug = \"c\"\nname = \"D\"\n", "caucus.toml:9: issue.slug: 'c' is already used by issue 'c' (line 5)" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\naliases = [\"x\"]\n[[issue]]\nslug = \"d\"\nname = \"D\"\naliases = [\"y\",\n \"X\"]\n", "caucus.toml:13: issue.aliases: 'x' is already used by issue 'c' (line 5)" },
		{ "[[issue]]\nslug = \"c\"\nname = \"C\"\naliases = [\"dd\"]\n[[issue]]\nslug = \"dd\"\nname = \"D\"\n", "caucus.toml:10: issue.slug: 'dd' is already used by issue 'c' (line 5)" },
		{ "[issue]\nslug = \"c\"\n", "caucus.toml:5: issue: expected an array of tables: write each issue as [[issue]]" },
		/* a syntax error: line and column */
		{ "[bot\n", "caucus.toml:5:5: expected ']' to close the table header" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		char *text = xasprintf("%s%s", BASE, cases[i].extra);
		char *want = xasprintf("%s\n", cases[i].err);
		char *got = load_bad(text);
		if (strcmp(got, want)) {
			print_error("case %zu:\n got: %s want: %s", i, got, want);
			fail();
		}
		free(text);
		free(want);
		free(got);
	}
}

static void test_missing_keys(void **state)
{
	char *got;

	(void)state;
	/* no [matrix] at all: line 1 */
	got = load_bad("[bot]\ntimezone = \"UTC\"\n");
	assert_string_equal(got,
		"caucus.toml:1: matrix.homeserver: required key missing\n"
		"caucus.toml:1: matrix.user_id: required key missing\n"
		"caucus.toml:1: matrix.password: required key missing (or password_file, "
		"access_token or access_token_file)\n");
	free(got);
	/* a [matrix] without them: its header's line */
	got = load_bad("# caucus\n\n[matrix]\nhomeserver = \"https://m.org\"\n");
	assert_string_equal(got,
		"caucus.toml:3: matrix.user_id: required key missing\n"
		"caucus.toml:3: matrix.password: required key missing (or password_file, "
		"access_token or access_token_file)\n");
	free(got);
	/* the same key anywhere else does not count */
	got = load_bad("user_id = \"@a:b\"\n[matrix]\nhomeserver = \"https://m.org\"\n"
		       "access_token = \"t\"\n");
	assert_string_equal(got,
		"caucus.toml:1: user_id: unknown key 'user_id' (it belongs in [matrix])\n"
		"caucus.toml:2: matrix.user_id: required key missing\n");
	free(got);
	/* [[issue]] entries must be tables */
	got = load_bad("issue = [1]\n" BASE);
	assert_string_equal(got, "caucus.toml:1: issue: expected a table, not an integer\n");
	free(got);
}

/* Every problem is reported, in the order of the file. */
static void test_all_errors_collected(void **state)
{
	char *got = load_bad(
		"[matrix]\n"
		"homeserver = \"matrix.example.org\"\n"
		"user_id = \"caucus\"\n"
		"password = \"x\"\n"
		"[bot]\n"
		"timezone = \"Nowhere\"\n"
		"[reminders]\n"
		"before = [\"soon\"]\n"
		"[bot.x]\n");

	(void)state;
	assert_string_equal(got,
		"caucus.toml:2: matrix.homeserver: 'matrix.example.org' is not an http:// or "
		"https:// URL\n"
		"caucus.toml:3: matrix.user_id: 'caucus' is not a user ID like @name:example.org\n"
		"caucus.toml:6: bot.timezone: unknown time zone 'Nowhere' (an IANA name like "
		"Asia/Dubai)\n"
		"caucus.toml:8: reminders.before: 'soon' is not a duration (like 90m, 2h, 1h30m, "
		"45s; at most 366 days)\n"
		"caucus.toml:9: bot.x: unknown key 'x'\n");
	free(got);
}

/* --- files: secrets and relative paths ----------------------------------- */

static char tmpdir[64];

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/caucus-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc;
}

static void test_secret_files(void **state)
{
	struct config *cfg = NULL;
	struct buf errs;
	char *pw, *tok, *conf, *want;

	(void)state;
	pw = write_file("pw", "s3cret\r\n", 0600);
	tok = write_file("token", "syt_token\n\n", 0600);
	conf = write_file("caucus.toml",
		"[matrix]\n"
		"homeserver = \"https://matrix.example.org\"\n"
		"user_id = \"@caucus:example.org\"\n"
		"password_file = \"pw\"\n"
		"access_token_file = \"token\"\n"
		"[bot]\n"
		"database = \"data/caucus.db\"\n"
		"[encryption]\n"
		"pickle_key_file = \"/abs/caucus.key\"\n", 0644);
	buf_init(&errs, 0);
	assert_int_equal(config_load(conf, &cfg, &errs), 0);
	assert_string_equal(errs.data, "");
	assert_string_equal(cfg->password, "s3cret");          /* newline stripped */
	assert_string_equal(cfg->access_token, "syt_token");
	assert_string_equal(cfg->path, conf);
	/* relative paths resolve against the file's folder, absolute ones stay */
	want = xasprintf("%s/data/caucus.db", tmpdir);
	assert_string_equal(cfg->database, want);
	assert_string_equal(cfg->pickle_key_file, "/abs/caucus.key");
	config_free(cfg);
	free(want);
	free(conf);

	/* a secret given twice, inline and from a file */
	conf = write_file("twice.toml",
		"[matrix]\n"
		"homeserver = \"https://matrix.example.org\"\n"
		"user_id = \"@caucus:example.org\"\n"
		"password_file = \"pw\"\n"
		"password = \"change-me\"\n", 0644);
	buf_reset(&errs);
	assert_int_equal(config_load(conf, &cfg, &errs), -1);
	want = xasprintf("%s:5: matrix.password: set only one of password and password_file\n",
			 conf);
	assert_string_equal(errs.data, want);
	free(want);
	free(conf);
	free(pw);
	free(tok);
	buf_release(&errs);
}

/* Under systemd: relative paths against $STATE_DIRECTORY, secret and key
 * files from $CREDENTIALS_DIRECTORY when a credential of their name is there. */
static void test_systemd_dirs(void **state)
{
	struct config *cfg = NULL;
	struct buf errs;
	char *state_dir, *cred_dir, *conf, *pw, *key, *want;

	(void)state;
	state_dir = xasprintf("%s/state", tmpdir);
	cred_dir = xasprintf("%s/creds", tmpdir);
	assert_int_equal(mkdir(state_dir, 0700), 0);
	assert_int_equal(mkdir(cred_dir, 0700), 0);
	pw = write_file("creds/caucus.password", "from-credential\n", 0400);
	key = write_file("creds/caucus.key", "00", 0400);
	free(write_file("state/caucus.token", "syt_from_state\n", 0600));
	conf = write_file("unit.toml",
		"[matrix]\n"
		"homeserver = \"https://matrix.example.org\"\n"
		"user_id = \"@caucus:example.org\"\n"
		"password_file = \"/nonexistent/caucus.password\"\n"
		"access_token_file = \"caucus.token\"\n"
		"[bot]\n"
		"database = \"db/caucus.db\"\n"
		"[encryption]\n"
		"pickle_key_file = \"/var/lib/caucus/caucus.key\"\n", 0644);
	assert_int_equal(setenv("STATE_DIRECTORY", state_dir, 1), 0);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", cred_dir, 1), 0);
	buf_init(&errs, 0);
	assert_int_equal(config_load(conf, &cfg, &errs), 0);
	assert_string_equal(errs.data, "");
	/* the credential stands in for the absolute path of the same name */
	assert_string_equal(cfg->password, "from-credential");
	assert_string_equal(cfg->pickle_key_file, key);
	/* no credential "caucus.token": read from the state directory */
	assert_string_equal(cfg->access_token, "syt_from_state");
	want = xasprintf("%s/db/caucus.db", state_dir);
	assert_string_equal(cfg->database, want);
	free(want);
	config_free(cfg);

	/* defaults resolve there too; a missing credential is not an error */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(setenv("STATE_DIRECTORY", "/var/lib/caucus/:/var/lib/other", 1), 0);
	cfg = load_ok(BASE);
	assert_string_equal(cfg->database, "/var/lib/caucus/caucus.db");
	assert_string_equal(cfg->pickle_key_file, "/var/lib/caucus/caucus.key");
	config_free(cfg);

	/* a relative $STATE_DIRECTORY is not systemd's: the file's folder rules */
	assert_int_equal(setenv("STATE_DIRECTORY", "relative", 1), 0);
	assert_int_equal(unsetenv("CREDENTIALS_DIRECTORY"), 0);
	buf_reset(&errs);
	assert_int_equal(config_load(conf, &cfg, &errs), -1);
	want = xasprintf("%s:4: matrix.password_file: cannot read "
			 "'/nonexistent/caucus.password': No such file or directory\n"
			 "%s:5: matrix.access_token_file: cannot read '%s/caucus.token': "
			 "No such file or directory\n", conf, conf, tmpdir);
	assert_string_equal(errs.data, want);
	free(want);
	assert_int_equal(unsetenv("STATE_DIRECTORY"), 0);

	buf_release(&errs);
	free(conf);
	free(pw);
	free(key);
	free(state_dir);
	free(cred_dir);
}

static void test_unreadable_secret(void **state)
{
	static const struct {
		const char *file_text;  /* NULL: the secret file is a directory */
		const char *reason;
	} cases[] = {
		{ NULL, "cannot read '%s/secret': Is a directory" },
		{ "\n", "'%s/secret' is empty" },
		{ "one\ntwo\n", "'%s/secret' must hold the secret on one line" },
	};
	struct config *cfg = NULL;
	struct buf errs;
	char *conf, *secret, *reason, *want;
	size_t i;

	(void)state;
	conf = write_file("bad.toml",
		"[matrix]\n"
		"homeserver = \"https://matrix.example.org\"\n"
		"user_id = \"@caucus:example.org\"\n"
		"password_file = \"secret\"\n", 0644);
	secret = xasprintf("%s/secret", tmpdir);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		if (cases[i].file_text) {
			free(write_file("secret", cases[i].file_text, 0600));
		} else {
			assert_int_equal(mkdir(secret, 0700), 0);
		}
		buf_init(&errs, 0);
		assert_int_equal(config_load(conf, &cfg, &errs), -1);
		assert_null(cfg);
		reason = xasprintf(cases[i].reason, tmpdir);
		want = xasprintf("%s:4: matrix.password_file: %s\n", conf, reason);
		assert_string_equal(errs.data, want);
		free(reason);
		free(want);
		buf_release(&errs);
		if (cases[i].file_text)
			assert_int_equal(unlink(secret), 0);
		else
			assert_int_equal(rmdir(secret), 0);
	}
	free(secret);
	free(conf);
}

/* What the code under test writes to stderr while fn runs; caller frees. */
static char *stderr_of(void (*fn)(void *), void *arg)
{
	char *path = xasprintf("%s/stderr", tmpdir), buf[4096];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	free(path);
	buf[n > 0 ? n : 0] = '\0';
	return xstrdup(buf);
}

static void load_file(void *path)
{
	struct config *cfg = NULL;
	struct buf errs;

	buf_init(&errs, 0);
	assert_int_equal(config_load(path, &cfg, &errs), 0);
	config_free(cfg);
	buf_release(&errs);
}

/* Secret files others can read are refused (as the pickle key is); a
 * configuration file holding a password that others can read is loaded
 * with a warning. */
static void test_secret_file_modes(void **state)
{
	static const mode_t loose[] = { 0640, 0604, 0660, 0620 };
	struct config *cfg = NULL;
	struct buf errs;
	char *conf, *want, *got;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(loose); i++) {
		const char *key = i % 2 ? "access_token_file" : "password_file";
		char *text = xasprintf("[matrix]\nhomeserver = \"https://m.example.org\"\n"
				       "user_id = \"@caucus:example.org\"\n%s = \"secret\"\n", key);
		char *secret = write_file("secret", "s3cret\n", loose[i]);
		conf = write_file("modes.toml", text, 0600);
		buf_init(&errs, 0);
		assert_int_equal(config_load(conf, &cfg, &errs), -1);
		assert_null(cfg);
		want = xasprintf("%s:4: matrix.%s: '%s' can be read by others (mode %03o); "
				 "chmod 600 it\n", conf, key, secret, (unsigned)loose[i]);
		assert_string_equal(errs.data, want);
		free(want);
		buf_release(&errs);
		/* 0600 is fine, and no warning about it */
		assert_int_equal(chmod(secret, 0600), 0);
		got = stderr_of(load_file, conf);
		assert_string_equal(got, "");
		free(got);
		free(text);
		free(secret);
		free(conf);
	}
	conf = write_file("inline.toml", "[matrix]\nhomeserver = \"https://m.example.org\"\n"
			  "user_id = \"@caucus:example.org\"\npassword = \"hunter2\"\n", 0644);
	got = stderr_of(load_file, conf);
	assert_non_null(strstr(got, "holds matrix.password and others can read it (mode 644)"));
	assert_null(strstr(got, "hunter2"));
	free(got);
	assert_int_equal(chmod(conf, 0600), 0);
	got = stderr_of(load_file, conf);
	assert_string_equal(got, "");
	free(got);
	free(conf);
}

static void test_missing_file(void **state)
{
	struct config *cfg = NULL;
	struct buf errs;

	(void)state;
	buf_init(&errs, 0);
	assert_int_equal(config_load("/nonexistent/caucus.toml", &cfg, &errs), -1);
	assert_null(cfg);
	assert_string_equal(errs.data, "/nonexistent/caucus.toml: cannot open "
			    "'/nonexistent/caucus.toml': No such file or directory\n");
	buf_release(&errs);
}

/* --- who may do what ------------------------------------------------------- */

static void test_access(void **state)
{
	static const struct {
		const char *user;
		int allowed, admin;
	} cases[] = {
		{ "@alice:example.org", 1, 1 },
		{ "@bob:example.org", 1, 0 },
		{ "@bob:example.org.evil", 0, 0 },
		{ "@carol:partner.net", 1, 0 },
		{ "@carl:partner.net", 0, 0 },
		{ "@cat:partner.net", 1, 0 },
		{ "@mallory:elsewhere.org", 0, 0 },
		{ "@Alice:example.org", 1, 0 },         /* admins match exactly */
		{ "", 0, 0 },
	};
	struct config *cfg;
	size_t i;

	(void)state;
	cfg = load_ok(BASE "[bot]\nadmins = [\"@alice:example.org\"]\n"
		      "[access]\nallowed_users = [\"@*:example.org\", \"@carol:partner.net\", "
		      "\"@ca?:partner.net\"]\n");
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		if (config_user_allowed(cfg, cases[i].user) != cases[i].allowed ||
		    config_is_admin(cfg, cases[i].user) != cases[i].admin) {
			print_error("%s: allowed %d admin %d\n", cases[i].user,
				    config_user_allowed(cfg, cases[i].user),
				    config_is_admin(cfg, cases[i].user));
			fail();
		}
	}
	assert_int_equal(config_user_allowed(cfg, NULL), 0);
	assert_int_equal(config_is_admin(cfg, NULL), 0);
	config_free(cfg);

	/* by default: everyone on the bot's own server, nobody else */
	cfg = load_ok("[matrix]\nhomeserver = \"https://m.org\"\n"
		      "user_id = \"@bot:chat.example.net\"\naccess_token = \"t\"\n");
	assert_int_equal(cfg->allowed_users.n, 1);
	assert_string_equal(cfg->allowed_users.v[0], "@*:chat.example.net");
	assert_int_equal(config_user_allowed(cfg, "@x:chat.example.net"), 1);
	assert_int_equal(config_user_allowed(cfg, "@x:example.net"), 0);
	assert_int_equal(config_is_admin(cfg, "@x:chat.example.net"), 0);
	config_free(cfg);

	/* an empty list is taken at its word */
	cfg = load_ok(BASE "[access]\nallowed_users = []\n");
	assert_int_equal(config_user_allowed(cfg, "@caucus:example.org"), 0);
	config_free(cfg);
}

/* --- the summary and the example ------------------------------------------ */

static void test_describe(void **state)
{
	struct config *cfg = load_ok(BASE
		"[bot]\ntimezone = \"Asia/Dubai\"\nadmins = [\"@alice:example.org\"]\n"
		"[reminders]\nbefore = [\"5m\", \"1h\", \"30m\"]\n"
		"[[issue]]\nslug = \"cybersecurity\"\nname = \"Cybersecurity\"\n"
		"aliases = [\"cyber\", \"res130\"]\nroom = \"#cybersecurity:example.org\"\n");
	struct buf out;
	static const char *const want[] = {
		"homeserver:        https://matrix.example.org\n",
		"bot user:          @caucus:example.org",
		"login:             password",
		"database:          caucus.db\n",
		"time zone:         Asia/Dubai (now UTC+04:00",
		"command prefix:    !",
		"coordination room: none",
		"admins:            @alice:example.org\n",
		"allowed users:     @*:example.org\n",
		"encryption:        on\n",
		"reminders:         1h, 30m and 5m before each session\n",
		"session length:    1h",
		"daily digest:      23:00 Asia/Dubai\n",
		"log retention:     90 days\n",
		"  cybersecurity: Cybersecurity\n",
		"    aliases: cyber, res130\n",
		"    room:    #cybersecurity:example.org\n",
	};
	size_t i;

	(void)state;
	buf_init(&out, 0);
	config_describe(cfg, &out);
	for (i = 0; i < ARRAY_LEN(want); i++) {
		if (!strstr(out.data, want[i])) {
			print_error("missing '%s' in:\n%s", want[i], out.data);
			fail();
		}
	}
	assert_null(strstr(out.data, "change-me"));     /* never the secret */
	buf_release(&out);
	config_free(cfg);
}

static void test_example_file(void **state)
{
	static const char *const slugs[] = {
		"internet-policy", "cybersecurity", "counterfeit", "ott", "privacy", "iot",
		"ai", "doa", "connectivity", "gender", "transparency",
	};
	struct config *cfg = NULL;
	struct buf errs, out;
	size_t i;

	(void)state;
	buf_init(&errs, 0);
	if (config_load("bot.example.toml", &cfg, &errs)) {
		print_error("bot.example.toml:\n%s", errs.data);
		fail();
	}
	assert_string_equal(errs.data, "");
	assert_string_equal(cfg->timezone, "Asia/Dubai");
	assert_string_equal(cfg->user_id, "@caucus:example.org");
	assert_string_equal(cfg->homeserver, "https://matrix.example.org");
	assert_string_equal(cfg->coordination_room, "#coordination:example.org");
	assert_int_equal(cfg->n_issues, ARRAY_LEN(slugs));
	for (i = 0; i < ARRAY_LEN(slugs); i++) {
		char *room = xasprintf("#%s:example.org", slugs[i]);
		assert_string_equal(cfg->issues[i].slug, slugs[i]);
		assert_string_equal(cfg->issues[i].room, room);
		free(room);
	}
	assert_string_equal(cfg->issues[1].aliases.v[1], "res130");
	buf_init(&out, 0);
	config_describe(cfg, &out);
	assert_non_null(strstr(out.data, "30m and 5m before each session"));
	buf_release(&out);
	buf_release(&errs);
	config_free(cfg);
}

/* [http]: off by default; listen is host:port; public_url a URL or "". */
static void test_http_keys(void **state)
{
	static const char *const bad[][2] = {
		{ "[http]\nlisten = \"8470\"\n", "caucus.toml:6: http.listen: '8470' is not host:port (e.g. \"127.0.0.1:8470\")" },
		{ "[http]\nlisten = \"localhost:http\"\n", "caucus.toml:6: http.listen: 'localhost:http' is not host:port (e.g. \"127.0.0.1:8470\")" },
		{ "[http]\nlisten = \"127.0.0.1:70000\"\n", "caucus.toml:6: http.listen: '127.0.0.1:70000' is not host:port (e.g. \"127.0.0.1:8470\")" },
		{ "[http]\nlisten = \":8470\"\n", "caucus.toml:6: http.listen: ':8470' is not host:port (e.g. \"127.0.0.1:8470\")" },
		{ "[http]\npublic_url = \"caucus.example.org\"\n", "caucus.toml:6: http.public_url: 'caucus.example.org' is not an http:// or https:// URL" },
		{ "[http]\nmetrics = \"yes\"\n", "caucus.toml:6: http.metrics: expected a boolean, not a string" },
	};
	struct config *cfg = load_ok(BASE);

	(void)state;
	assert_string_equal(cfg->http_listen, "");
	assert_string_equal(cfg->http_public_url, "");
	assert_int_equal(cfg->http_metrics, 0);
	config_free(cfg);
	cfg = load_ok(BASE "[http]\nlisten = \"[::1]:8470\"\npublic_url = "
		      "\"https://caucus.example.org\"\nmetrics = true\n");
	assert_string_equal(cfg->http_listen, "[::1]:8470");
	assert_string_equal(cfg->http_public_url, "https://caucus.example.org");
	assert_int_equal(cfg->http_metrics, 1);
	config_free(cfg);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *text = xasprintf("%s%s", BASE, bad[i][0]);
		char *want = xasprintf("%s\n", bad[i][1]);
		char *got = load_bad(text);
		if (strcmp(got, want)) {
			print_error("case %zu:\n got: %s want: %s", i, got, want);
			fail();
		}
		free(text);
		free(want);
		free(got);
	}
}

/* [feeds] and [[feed]]: defaults, entries, and each error named. */
static void test_feed_keys(void **state)
{
	static const char *const bad[][2] = {
		{ "[[feed]]\nissue = \"cyber\"\n", "caucus.toml:5: feed.url: required key missing" },
		{ "[[feed]]\nurl = \"ftp://x/y.ics\"\n", "caucus.toml:6: feed.url: 'ftp://x/y.ics' is not an http:// or https:// URL" },
		{ "[[feed]]\nurl = \"https://x/y.ics\"\nisue = \"cyber\"\n", "caucus.toml:7: feed.isue: unknown key 'isue' (did you mean 'issue'?)" },
		{ "[[feed]]\nurl = \"https://x/y.ics\"\nissue = \"two words\"\n", "caucus.toml:7: feed.issue: 'two words' must be one word: the issue's slug or alias" },
		{ "[[feed]]\nurl = \"https://x/y.ics\"\n[[feed]]\nurl = \"https://x/y.ics\"\n", "caucus.toml:8: feed.url: 'https://x/y.ics' is listed twice" },
		{ "[[feed]]\nurl = 3\n", "caucus.toml:6: feed.url: expected a string, not an integer" },
		{ "[feed]\nurl = \"https://x/y.ics\"\n", "caucus.toml:5: feed: expected an array of tables: write each feed as [[feed]]" },
		{ "[feeds]\ninterval = \"often\"\n", NULL },
		{ "[feeds]\ntimeout = \"11m\"\n", "caucus.toml:6: feeds.timeout: at most 10 minutes" },
		{ "[feeds]\nintervall = \"5m\"\n", "caucus.toml:6: feeds.intervall: unknown key 'intervall' (did you mean 'interval'?)" },
	};
	struct config *cfg = load_ok(BASE);
	struct buf out;

	(void)state;
	assert_int_equal(cfg->feeds_interval, 300);
	assert_int_equal(cfg->feeds_timeout, 60);
	assert_int_equal(cfg->n_feeds, 0);
	config_free(cfg);
	cfg = load_ok(BASE "[feeds]\ninterval = \"2s\"\ntimeout = \"10s\"\n"
		      "[[feed]]\nurl = \"https://conf.example.org/all.ics\"\n"
		      "[[feed]]\nurl = \"http://127.0.0.1:8000/cyber.ics\"\nissue = \"cyber\"\n");
	assert_int_equal(cfg->feeds_interval, 2);
	assert_int_equal(cfg->feeds_timeout, 10);
	assert_int_equal(cfg->n_feeds, 2);
	assert_string_equal(cfg->feeds[0].url, "https://conf.example.org/all.ics");
	assert_null(cfg->feeds[0].issue);
	assert_string_equal(cfg->feeds[1].issue, "cyber");
	buf_init(&out, 0);
	config_describe(cfg, &out);
	assert_non_null(strstr(out.data, "feeds:             2 in this file"));
	assert_non_null(strstr(out.data, "https://conf.example.org/all.ics: by the issues' match rules"));
	buf_release(&out);
	config_free(cfg);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *text = xasprintf("%s%s", BASE, bad[i][0]);
		char *got = load_bad(text);
		char *want = bad[i][1] ? xasprintf("%s\n", bad[i][1]) : NULL;
		if (want ? strcmp(got, want) : !strstr(got, "feeds.interval")) {
			print_error("case %zu:\n got: %s want: %s", i, got, want ? want : "feeds.interval");
			fail();
		}
		free(text);
		free(want);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_no_reminders),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_secret_files),
		cmocka_unit_test(test_systemd_dirs),
		cmocka_unit_test(test_unreadable_secret),
		cmocka_unit_test(test_secret_file_modes),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_http_keys),
		cmocka_unit_test(test_feed_keys),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
