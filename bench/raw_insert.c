/*
 * raw_insert.c - the limit: how fast sqlite takes the backlog's rows into
 * caucus's own log schema when nothing else is done (no JSON, no
 * commands, no outbox).  The tables are the real ones: store_open() makes
 * them, so the figure follows every change to them.  Two ways, each in one
 * transaction with prepared statements:
 *   trigger  - rows into `log`, the FTS5 index fed by an AFTER INSERT trigger
 *   direct   - no trigger, each FTS5 row inserted by its own statement (what
 *              store_log_add() does)
 * Prints one JSON line per way: rows, seconds.
 *
 * Usage: raw_insert ROWS DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

static const char *const words[] = {
	"delegation", "draft", "resolution", "amendment", "plenary", "chair", "consensus",
	"cybersecurity", "privacy", "mandate", "working", "group", "session", "text",
	"bracket", "proposal", "support", "oppose", "revision", "annex", "paragraph",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The body of message n, as gen.py writes it (about 60 bytes). */
static void body(char *buf, size_t len, long n)
{
	size_t off = 0;

	for (int k = 0; k < 8 && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s ",
					words[(size_t)(n * 7 + k * 3) % N_WORDS]);
	if (off < len)
		snprintf(buf + off, len - off, "#%ld", n);
}

static int check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "raw_insert: %s: %s\n", what, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Inserts 'rows' rows into a fresh database at 'path'; returns seconds or -1. */
static double run(const char *path, long rows, int direct)
{
	char err[256], text[160], eid[32];
	struct store *st;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *fts = NULL;
	double t0, secs = -1;

	remove(path);
	if (!(st = store_open(path, err, sizeof(err)))) {
		fprintf(stderr, "raw_insert: %s\n", err);
		return -1;
	}
	store_close(st);
	if (check(db, sqlite3_open(path, &db), "open") ||
	    check(db, sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				   "INSERT INTO issues(slug, name) VALUES ('bench', 'Bench');",
				   NULL, NULL, NULL), "setup"))
		goto out;
	/* both ways whatever the schema does now (it feeds the index itself) */
	if (check(db, sqlite3_exec(db, direct ? "DROP TRIGGER IF EXISTS log_ai" :
				   "CREATE TRIGGER IF NOT EXISTS log_ai AFTER INSERT ON log BEGIN"
				   " INSERT INTO log_fts(rowid, body) VALUES (new.id, new.body); END",
				   NULL, NULL, NULL), "trigger"))
		goto out;
	if (check(db, sqlite3_prepare_v2(db, "INSERT INTO log(issue_id, room_id, event_id, sender,"
					 " kind, body, ts_ms) VALUES (1, ?, ?, ?, 'message', ?, ?)",
					 -1, &ins, NULL), "prepare") ||
	    check(db, sqlite3_prepare_v2(db, "INSERT INTO log_fts(rowid, body) VALUES (?, ?)", -1,
					 &fts, NULL), "prepare fts"))
		goto out;
	t0 = now_s();
	if (check(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin"))
		goto out;
	for (long n = 0; n < rows; n++) {
		body(text, sizeof(text), n);
		snprintf(eid, sizeof(eid), "$e%ld", n);
		sqlite3_bind_text(ins, 1, "!room:bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, eid, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, "@member:bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, 1541400000000LL + n);
		if (check(db, sqlite3_step(ins), "insert"))
			goto out;
		sqlite3_reset(ins);
		if (direct) {
			sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db));
			sqlite3_bind_text(fts, 2, text, -1, SQLITE_STATIC);
			if (check(db, sqlite3_step(fts), "insert fts"))
				goto out;
			sqlite3_reset(fts);
		}
	}
	if (check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit"))
		goto out;
	secs = now_s() - t0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(fts);
	sqlite3_close(db);
	return secs;
}

int main(int argc, char **argv)
{
	char path[4096];
	long rows;
	char *end;

	if (argc != 3 || (rows = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: raw_insert ROWS DIR\n");
		return 2;
	}
	for (int direct = 0; direct <= 1; direct++) {
		double s;

		snprintf(path, sizeof(path), "%s/raw-%d.db", argv[2], direct);
		if ((s = run(path, rows, direct)) < 0)
			return 1;
		printf("{\"way\": \"%s\", \"rows\": %ld, \"seconds\": %.6f}\n",
		       direct ? "direct" : "trigger", rows, s);
	}
	return 0;
}
