/*
 * engine_lat.c - latency inside the command engine, no network: the time
 * engine_handle() takes for a command, measured around the call alone (the
 * daemon runs it inside a sync batch's transaction, so the commit is not
 * the command's).  Three figures, each with its p50/p99/max in ms:
 *   mix     the commands of the integration tests' mix, in an issue room
 *   search  !search over a log of LOG_ROWS entries
 *   digest  !digest of an issue with DIGEST_ROWS messages today
 * Prints one JSON line per figure.
 *
 * Usage: engine_lat CONFIG DB LOG_ROWS DIGEST_ROWS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "config.h"
#include "engine.h"
#include "store.h"
#include "util.h"

#define ROOM "!room0000:bench"          /* issue0000's room (gen.py) */
#define BUSY "!room0001:bench"          /* issue0001's: the digest's */
#define NOW_MS 1541413200000LL          /* Mon 5 Nov 2018 14:20 Dubai */

static const char *const words[] = {
	"delegation", "draft", "resolution", "amendment", "plenary", "chair", "consensus",
	"cybersecurity", "privacy", "mandate", "working", "group", "session", "text",
	"bracket", "proposal", "support", "oppose", "revision", "annex", "paragraph",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *const mix[] = {
	"!who-covers issue0000", "!coverage", "!sessions", "!sessions all", "!issues",
	"!log 10", "!positions", "!actions", "!uncovered", "!help", "!note noted {n}",
	"!decision agreed {n}", "!position CEPT oppose text {n}", "!action @member1:bench do {n}",
	"!session issue0000 tomorrow 10:00 Drafting group {n} @ Room {n}", "!attend 1",
	"!skip 1", "!cover issue0000", "!uncover issue0000", "!catchup", "!search draft",
	"!remind in 2h look at text {n}",
};
#define N_MIX (sizeof(mix) / sizeof(mix[0]))

static int64_t clock_ms(void *ud)
{
	return *(int64_t *)ud;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("{\"figure\": \"%s\", \"n\": %zu, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
	       "\"max_ms\": %.3f}\n", what, n, v[n / 2], v[(n * 99) / 100], v[n - 1]);
}

/* One message through the engine; returns its ms, or -1 on a store error. */
static double handle(struct engine *eng, const char *room, const char *sender,
		     const char *text, long n)
{
	char eid[48];
	struct engine_replies out = { 0 };
	struct engine_msg m = { .room_id = room, .sender = sender, .body = text,
				.event_id = eid };
	double t0;
	int rc;

	snprintf(eid, sizeof(eid), "$lat%ld", n);
	t0 = mono_ms();
	rc = engine_handle(eng, &m, &out);
	t0 = mono_ms() - t0;
	engine_replies_release(&out);
	return rc ? -1 : t0;
}

/*
 * 'rows' ordinary messages into the log of the issue 'slug' (room 'room'),
 * from ts0 on, step_ms apart, written straight into the store's own schema
 * through a second connection, the log row and its index row as the store
 * writes them (a million through the engine would take the benchmark longer
 * than the figure is worth; the rows are the same).
 */
static int fill(const char *path, const char *slug, const char *room, long rows, long base,
		int64_t ts0, int64_t step_ms)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL, *f = NULL;
	char text[160], eid[32];
	int rc = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO log(issue_id, room_id, event_id, sender, kind,"
			       " body, ts_ms) SELECT id, ?, ?, '@member2:bench', 'message', ?, ?"
			       " FROM issues WHERE slug = ?", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO log_fts(rowid, body) VALUES (last_insert_rowid(), ?)",
			       -1, &f, NULL) != SQLITE_OK)
		goto out;
	for (long n = 0; n < rows; n++) {
		size_t off = 0;

		for (int k = 0; k < 8; k++)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s ",
						words[(size_t)((base + n) * 7 + k * 3) % N_WORDS]);
		snprintf(text + off, sizeof(text) - off, "#%ld", base + n);
		snprintf(eid, sizeof(eid), "$fill%ld", base + n);
		sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, eid, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, ts0 + n * step_ms);
		sqlite3_bind_text(s, 5, slug, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto out;
		sqlite3_reset(s);
		/* the index row, as store_log_add() writes it */
		sqlite3_bind_text(f, 1, text, -1, SQLITE_STATIC);
		if (sqlite3_step(f) != SQLITE_DONE)
			goto out;
		sqlite3_reset(f);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		rc = 0;
out:
	if (rc)
		fprintf(stderr, "engine_lat: fill: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_finalize(f);
	sqlite3_close(db);
	return rc;
}

/* Copies template t into line with every "{n}" replaced by n. */
static void expand(char *line, size_t len, const char *t, long n)
{
	size_t off = 0;
	const char *p;

	line[0] = '\0';
	while ((p = strstr(t, "{n}")) && off < len) {
		off += (size_t)snprintf(line + off, len - off, "%.*s%ld", (int)(p - t), t, n);
		t = p + 3;
	}
	if (off < len)
		snprintf(line + off, len - off, "%s", t);
}

int main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct engine *eng = NULL;
	struct buf errs = { 0 };
	char err[256], text[256];
	long log_rows, digest_rows, n = 0;
	int64_t now = NOW_MS;
	double *v = NULL;
	int rc = 1;

	if (argc != 5 || (log_rows = strtol(argv[3], NULL, 10)) < 0 ||
	    (digest_rows = strtol(argv[4], NULL, 10)) < 0) {
		fprintf(stderr, "usage: engine_lat CONFIG DB LOG_ROWS DIGEST_ROWS\n");
		return 2;
	}
	if (config_load(argv[1], &cfg, &errs)) {
		fprintf(stderr, "engine_lat: %s\n", errs.len ? errs.data : "bad config");
		goto out;
	}
	remove(argv[2]);
	if (!(st = store_open(argv[2], err, sizeof(err)))) {
		fprintf(stderr, "engine_lat: %s\n", err);
		goto out;
	}
	eng = engine_new(cfg, st, (struct engine_clock){ clock_ms, &now });
	if (engine_sync_config(eng))
		goto out;
	for (int u = 0; u < 8; u++) {
		char user[48];

		snprintf(user, sizeof(user), "@member%d:bench", u);
		if (engine_member(eng, ROOM, user, NULL, "join", 0) ||
		    engine_member(eng, BUSY, user, NULL, "join", 0))
			goto out;
	}
	/* the big log over the last weeks; the busy issue's day this morning */
	if (fill(argv[2], "issue0000", ROOM, log_rows, 0, NOW_MS - 30 * 86400000LL,
		 log_rows ? 29 * 86400000LL / log_rows : 0) ||
	    fill(argv[2], "issue0001", BUSY, digest_rows, log_rows, NOW_MS - 4 * 3600000LL,
		 digest_rows ? 4 * 3600000LL / digest_rows : 0))
		goto out;
	now = NOW_MS;
	v = xcalloc(2000, sizeof(*v));

	if (store_begin(st))
		goto out;
	for (size_t i = 0; i < 2000; i++) {
		char line[256];

		expand(line, sizeof(line), mix[i % N_MIX], (long)i);
		if ((v[i] = handle(eng, ROOM, "@member1:bench", line, 1000000000L + n++)) < 0)
			goto out;
	}
	if (store_commit(st))
		goto out;
	/* each command of the mix alone, so a slow one can be named */
	for (size_t c = 0; c < N_MIX; c++) {
		double w[2000 / N_MIX + 1];
		size_t k = 0;
		char name[64];

		for (size_t i = c; i < 2000; i += N_MIX)
			w[k++] = v[i];
		snprintf(name, sizeof(name), "mix: %.*s", (int)strcspn(mix[c], "{"), mix[c]);
		report(name, w, k);
	}
	report("mix", v, 2000);

	for (size_t i = 0; i < 200; i++) {
		snprintf(text, sizeof(text), "!search %s %s", words[i % N_WORDS],
			 words[(i * 5 + 1) % N_WORDS]);
		if ((v[i] = handle(eng, ROOM, "@member1:bench", text, 2000000000L + n++)) < 0)
			goto out;
	}
	report("search", v, 200);

	for (size_t i = 0; i < 20; i++)
		if ((v[i] = handle(eng, BUSY, "@member1:bench", "!digest", 3000000000L + n++)) < 0)
			goto out;
	report("digest", v, 20);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "engine_lat: failed: %s\n", st ? store_errmsg(st) : "");
	free(v);
	engine_free(eng);
	store_close(st);
	config_free(cfg);
	buf_release(&errs);
	return rc;
}
