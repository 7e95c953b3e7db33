/*
 * engine_lat.c - latency inside the command engine, no network: the time
 * engine_handle() takes for a command, measured around the call alone (the
 * daemon runs it inside a sync batch's transaction, so the commit is not
 * the command's).  Figures, each with its p50/p99/max in ms:
 *   mix: CMD      each command of the mix alone, so a slow one is named
 *   mix           the commands of the integration tests' mix, in an issue
 *                 room (issue0003) whose own log is a busy week, 20,000
 *                 entries (the big logs of the other issues are in the DB)
 *   search-third  !search of two words over a log of LOG_ROWS entries made
 *                 of 21 words, each in a third of the log (issue0000): the
 *                 worst case, 2 of 3 pairs match nothing and their lists
 *                 interleave, so FTS5 walks both to the end
 *   search-zipf   !search of one or two words over another LOG_ROWS entries
 *                 (issue0002) whose words are drawn from 5,000 made-up ones
 *                 with a Zipf distribution, and so are the queries': the
 *                 realistic case
 *   digest        !digest of an issue with DIGEST_ROWS messages today
 * Prints one JSON line per figure.
 *
 * Usage: engine_lat CONFIG DB LOG_ROWS DIGEST_ROWS
 * CONFIG names at least 4 issues (bench/gen.py's config(4, ...)).
 *
 * Filling two logs of a million takes minutes.  With ENGINE_LAT_FILLED=FILE
 * the filled database is kept in FILE (made by the first run) and later
 * runs with the same LOG_ROWS and DIGEST_ROWS copy it to DB instead of
 * filling it again; the commands then run on the same rows every time.
 * ENGINE_LAT_ONLY=mix (or search, or digest) runs that part alone, for a
 * profile of it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "engine.h"
#include "store.h"
#include "util.h"

#define ROOM "!room0000:bench"          /* issue0000's room (gen.py): log of a third */
#define BUSY "!room0001:bench"          /* issue0001's: the digest's */
#define ZIPF "!room0002:bench"          /* issue0002's: the realistic log */
#define MIX_ROOM "!room0003:bench"      /* issue0003's: the mix's, a busy week */
#define MIX_ISSUE "issue0003"
#define MIX_ROWS 20000
#define NOW_MS 1541413200000LL          /* Mon 5 Nov 2018 14:20 Dubai */
#define DAY_MS 86400000LL

static const char *const words[] = {
	"delegation", "draft", "resolution", "amendment", "plenary", "chair", "consensus",
	"cybersecurity", "privacy", "mandate", "working", "group", "session", "text",
	"bracket", "proposal", "support", "oppose", "revision", "annex", "paragraph",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

/* The realistic vocabulary: ZIPF_WORDS made-up words of three syllables
 * (none is one of words[]), word r drawn with weight 1 / (r + 1). */
#define ZIPF_WORDS 5000
static const char consonants[] = "bdfgklmnprstvz", vowels[] = "aeiou";
#define N_SYLL ((sizeof(consonants) - 1) * (sizeof(vowels) - 1))
static double zipf_cum[ZIPF_WORDS];     /* cumulative weights */

#define MIX_TEMPLATES \
	"!who-covers " MIX_ISSUE, "!coverage", "!sessions", "!sessions all", "!issues", \
	"!log 10", "!positions", "!actions", "!uncovered", "!help", "!note noted {n}", \
	"!decision agreed {n}", "!position CEPT oppose text {n}", \
	"!action @member1:bench do {n}", \
	"!session " MIX_ISSUE " tomorrow 10:00 Drafting group {n} @ Room {n}", "!attend 1", \
	"!skip 1", "!cover " MIX_ISSUE, "!uncover " MIX_ISSUE, "!catchup", "!search draft", \
	"!remind in 2h look at text {n}"
static const char *const mix[] = { MIX_TEMPLATES };
#define N_MIX (sizeof(mix) / sizeof(mix[0]))

/* xorshift64: the same rows and queries on every run */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void zipf_init(void)
{
	double sum = 0;

	for (size_t r = 0; r < ZIPF_WORDS; r++)
		zipf_cum[r] = sum += 1.0 / (double)(r + 1);
}

/* Word r of the realistic vocabulary into w (at least 7 bytes). */
static void zipf_word(char *w, size_t r)
{
	/* a multiplier prime to N_SYLL^3 scatters ranks over the spellings */
	size_t k = (r * 7919u) % (N_SYLL * N_SYLL * N_SYLL);

	for (int i = 0; i < 3; i++, k /= N_SYLL) {
		w[2 * i] = consonants[(k % N_SYLL) / (sizeof(vowels) - 1)];
		w[2 * i + 1] = vowels[(k % N_SYLL) % (sizeof(vowels) - 1)];
	}
	w[6] = '\0';
}

/* A rank drawn with the Zipf weights. */
static size_t zipf_draw(uint64_t *x)
{
	double u = (double)(rnd(x) >> 11) / 9007199254740992.0 * zipf_cum[ZIPF_WORDS - 1];
	size_t lo = 0, hi = ZIPF_WORDS - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (zipf_cum[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A row's words, as fill() asks for them: entry n of the log into text. */
typedef void body_fn(char *text, size_t len, long n, uint64_t *x);

/* 8 of the 21 words, all of one residue class mod 3 */
static void body_third(char *text, size_t len, long n, uint64_t *x)
{
	size_t off = 0;

	(void)x;
	for (int k = 0; k < 8; k++)
		off += (size_t)snprintf(text + off, len - off, "%s ",
					words[(size_t)(n * 7 + k * 3) % N_WORDS]);
	snprintf(text + off, len - off, "#%ld", n);
}

/* 4 to 14 words of the realistic vocabulary */
static void body_zipf(char *text, size_t len, long n, uint64_t *x)
{
	size_t off = 0, count = 4 + rnd(x) % 11;
	char w[8];

	for (size_t k = 0; k < count && off + 8 < len; k++) {
		zipf_word(w, zipf_draw(x));
		off += (size_t)snprintf(text + off, len - off, "%s ", w);
	}
	snprintf(text + off, len - off, "#%ld", n);
}

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
		int64_t ts0, int64_t step_ms, body_fn *body)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)base;
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
		body(text, sizeof(text), base + n, &x);
		snprintf(eid, sizeof(eid), "$fill%ld", base + n);
		sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, eid, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, ts0 + n * step_ms);
		sqlite3_bind_text(s, 5, slug, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto out;
		if (sqlite3_changes(db) == 0) {
			fprintf(stderr, "engine_lat: the config has no issue %s (bench/gen.py's "
				"config(4, ...) has them all)\n", slug);
			goto out;
		}
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

/* Copies the database at 'from' to 'to' page by page (either may be in
 * WAL mode: the copy is what a reader of 'from' sees). */
static int copy_db(const char *from, const char *to)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	int rc = -1;

	if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open(to, &dst) != SQLITE_OK)
		goto out;
	if ((b = sqlite3_backup_init(dst, "main", src, "main"))) {
		sqlite3_backup_step(b, -1);
		if (sqlite3_backup_finish(b) == SQLITE_OK)
			rc = 0;
	}
out:
	if (rc)
		fprintf(stderr, "engine_lat: copying %s to %s: %s\n", from, to,
			sqlite3_errmsg(dst ? dst : src));
	sqlite3_close(src);
	sqlite3_close(dst);
	return rc;
}

/* The sizes a kept filled database was made with, in its own table. */
static int fill_sizes(const char *path, long log_rows, long digest_rows, int write)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		goto out;
	if (write) {
		char sql[160];

		snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS bench_fill(log_rows, "
			 "digest_rows); INSERT INTO bench_fill VALUES (%ld, %ld)", log_rows,
			 digest_rows);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	} else if (sqlite3_prepare_v2(db, "SELECT log_rows, digest_rows FROM bench_fill",
				      -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		rc = sqlite3_column_int64(s, 0) == log_rows &&
		     sqlite3_column_int64(s, 1) == digest_rows ? 0 : 1;
		if (rc)
			fprintf(stderr, "engine_lat: %s was filled with %lld and %lld rows\n", path,
				(long long)sqlite3_column_int64(s, 0),
				(long long)sqlite3_column_int64(s, 1));
	}
out:
	if (rc < 0)
		fprintf(stderr, "engine_lat: %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc;
}

/* The four logs, straight into the store's schema (see fill()). */
static int fill_all(const char *path, long log_rows, long digest_rows)
{
	/* the big logs over the last weeks; the busy issue's day this morning;
	 * the mix's week last, so its entries are the newest in the index */
	int64_t step = log_rows ? 29 * DAY_MS / log_rows : 0;

	return fill(path, "issue0000", ROOM, log_rows, 0, NOW_MS - 30 * DAY_MS, step,
		    body_third) ||
	       fill(path, "issue0001", BUSY, digest_rows, log_rows, NOW_MS - 4 * 3600000LL,
		    digest_rows ? 4 * 3600000LL / digest_rows : 0, body_third) ||
	       fill(path, "issue0002", ZIPF, log_rows, log_rows + digest_rows,
		    NOW_MS - 30 * DAY_MS, step, body_zipf) ||
	       fill(path, MIX_ISSUE, MIX_ROOM, MIX_ROWS, 2 * log_rows + digest_rows,
		    NOW_MS - 7 * DAY_MS, 7 * DAY_MS / MIX_ROWS, body_third) ? -1 : 0;
}

/* 200 searches in room; query i from make_query. */
static int search_figure(struct engine *eng, const char *room, const char *name,
			 void (*make_query)(char *, size_t, size_t, uint64_t *), long *n,
			 double *v)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;
	char text[256];

	for (size_t i = 0; i < 200; i++) {
		make_query(text, sizeof(text), i, &x);
		if ((v[i] = handle(eng, room, "@member1:bench", text, 2000000000L + (*n)++)) < 0)
			return -1;
	}
	report(name, v, 200);
	return 0;
}

static void query_third(char *text, size_t len, size_t i, uint64_t *x)
{
	(void)x;
	snprintf(text, len, "!search %s %s", words[i % N_WORDS], words[(i * 5 + 1) % N_WORDS]);
}

/* one word or two, alternately, drawn as the log's were */
static void query_zipf(char *text, size_t len, size_t i, uint64_t *x)
{
	char a[8], b[8];

	zipf_word(a, zipf_draw(x));
	if (i % 2) {
		zipf_word(b, zipf_draw(x));
		snprintf(text, len, "!search %s %s", a, b);
	} else {
		snprintf(text, len, "!search %s", a);
	}
}

int main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct engine *eng = NULL;
	struct buf errs = { 0 };
	const char *kept = getenv("ENGINE_LAT_FILLED"), *only = getenv("ENGINE_LAT_ONLY");
	char err[256];
	long log_rows, digest_rows, n = 0;
	int64_t now = NOW_MS;
	double *v = NULL;
	int rc = 1, reuse = 0;

	if (argc != 5 || (log_rows = strtol(argv[3], NULL, 10)) < 0 ||
	    (digest_rows = strtol(argv[4], NULL, 10)) < 0) {
		fprintf(stderr, "usage: engine_lat CONFIG DB LOG_ROWS DIGEST_ROWS\n");
		return 2;
	}
	zipf_init();
	if (config_load(argv[1], &cfg, &errs)) {
		fprintf(stderr, "engine_lat: %s\n", errs.len ? errs.data : "bad config");
		goto out;
	}
	remove(argv[2]);
	if (kept && *kept && access(kept, R_OK) == 0) {
		if (fill_sizes(kept, log_rows, digest_rows, 0) || copy_db(kept, argv[2]))
			goto out;
		reuse = 1;
	}
	if (!(st = store_open(argv[2], err, sizeof(err)))) {
		fprintf(stderr, "engine_lat: %s\n", err);
		goto out;
	}
	eng = engine_new(cfg, st, (struct engine_clock){ clock_ms, &now });
	if (engine_sync_config(eng))
		goto out;
	for (int u = 0; u < 8; u++) {
		static const char *const rooms[] = { ROOM, BUSY, ZIPF, MIX_ROOM };
		char user[48];

		snprintf(user, sizeof(user), "@member%d:bench", u);
		for (size_t r = 0; r < ARRAY_LEN(rooms); r++)
			if (engine_member(eng, rooms[r], user, NULL, "join", 0))
				goto out;
	}
	if (!reuse && fill_all(argv[2], log_rows, digest_rows))
		goto out;
	if (!reuse && kept && *kept &&
	    (copy_db(argv[2], kept) || fill_sizes(kept, log_rows, digest_rows, 1)))
		goto out;
	now = NOW_MS;
	v = xcalloc(2000, sizeof(*v));

	if (only && *only && strcmp(only, "mix"))
		goto searches;
	if (store_begin(st))
		goto out;
	for (size_t i = 0; i < 2000; i++) {
		char line[256];

		expand(line, sizeof(line), mix[i % N_MIX], (long)i);
		if ((v[i] = handle(eng, MIX_ROOM, "@member1:bench", line, 1000000000L + n++)) < 0)
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
searches:
	if (only && *only && strcmp(only, "search"))
		goto digest;
	if (search_figure(eng, ROOM, "search-third", query_third, &n, v) ||
	    search_figure(eng, ZIPF, "search-zipf", query_zipf, &n, v))
		goto out;
digest:
	if (only && *only && strcmp(only, "digest")) {
		rc = 0;
		goto out;
	}
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
