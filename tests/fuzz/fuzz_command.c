/*
 * fuzz_command.c - libFuzzer target for everything a room member's text
 * goes through: the tokenizer, the pill reader and, through the whole
 * command engine, every command handler.  Input: "body\0formatted_body".
 *
 * The engine and its store are set up once; each input runs inside one
 * outer transaction that is rolled back afterwards, and the clock starts
 * again, so every input meets the same state (fast, and reproducible)
 * rather than a store that grows with every run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "store.h"
#include "tokenize.h"

static struct config cfg;
static int64_t before[2] = { 1800, 300 };
static struct store *st;
static struct engine *eng;
#define START_MS (1541394000LL * 1000)
static int64_t now_ms = START_MS;

static int64_t clock_now(void *ud)
{
	(void)ud;
	return now_ms;
}

static void setup(void)
{
	static struct cfg_issue issues[2];
	char err[256];

	cfg.user_id = "@caucus:example.org";
	cfg.command_prefix = "!";
	cfg.timezone = "Europe/London";
	cfg.coordination_room = "!coord:x";
	strv_push(&cfg.admins, "@a:x");
	strv_push(&cfg.allowed_users, "@*:x");
	cfg.remind_before = before;
	cfg.n_remind_before = 2;
	cfg.default_length = 3600;
	cfg.digest_minute = 23 * 60;
	cfg.retention_days = 90;
	issues[0].slug = "cybersecurity";
	issues[0].name = "Cybersecurity";
	issues[0].room = "!cyber:x";
	strv_push(&issues[0].aliases, "cyber");
	issues[1].slug = "privacy";
	issues[1].name = "Privacy";
	cfg.issues = issues;
	cfg.n_issues = 2;
	st = store_open(":memory:", err, sizeof(err));
	if (!st)
		abort();
	eng = engine_new(&cfg, st, (struct engine_clock){ clock_now, NULL });
	engine_sync_config(eng);
	engine_member(eng, "!cyber:x", "@a:x", "Alice", "join", 100);
	engine_member(eng, "!cyber:x", "@b:x", "Bob", "join", 0);
	engine_member(eng, "!coord:x", "@a:x", "Alice", "join", 100);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Inputs may grow to -max_len at once (libFuzzer otherwise lets them grow
 * slowly from the seeds' size): commands get long arguments. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *args[64];
	static char len_control[] = "-len_control=0";
	int n = *argc < 62 ? *argc : 62;

	for (int i = 0; i < n; i++) {
		if (!strncmp((*argv)[i], "-len_control=", 13))
			return 0;       /* chosen on the command line */
		args[i] = (*argv)[i];
	}
	args[n] = len_control;
	args[n + 1] = NULL;
	*argc = n + 1;
	*argv = args;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2), *html;
	struct strv argv = { 0 }, labels = { 0 }, users = { 0 };
	struct engine_replies out = { 0 };
	struct engine_msg m = { 0 };
	size_t *offs = NULL;
	char err[128];

	if (!eng)
		setup();
	if (store_begin(st))
		abort();
	now_ms = START_MS;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	html = text + strlen(text) + 1;
	if (tokenize(text, &argv, &offs, err, sizeof(err)) == 0) {
		strv_release(&argv);
		free(offs);
	}
	pills_parse(html, &labels, &users);
	free(pills_apply(text, &labels, &users));
	strv_release(&labels);
	strv_release(&users);

	m.room_id = (size & 1) ? "!cyber:x" : "!coord:x";
	m.sender = "@a:x";
	m.body = text;
	m.formatted_body = *html ? html : NULL;
	m.event_id = "$e";
	engine_handle(eng, &m, &out);
	engine_replies_release(&out);
	now_ms += 61 * 1000;    /* let reminders and digests fall due too */
	engine_due(eng, &out);
	engine_replies_release(&out);
	if (store_rollback(st))         /* back to the state after setup() */
		abort();
	free(text);
	return 0;
}
