/*
 * test_store.c - the store core: schema migrations, nested transactions,
 * the meta table and the files sqlite leaves.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_due.h"
#include "store_int.h"
#include "store_log.h"
#include "store_outbox.h"
#include "store_people.h"
#include "store_room.h"

static char dbpath[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dbpath, sizeof(dbpath), "/tmp/caucus-test-%d.db", (int)getpid());
	unlink(dbpath);
	return 0;
}

static int teardown(void **state)
{
	char p[80];

	(void)state;
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

static void test_fresh_is_current(void **state)
{
	char err[256];
	struct store *st;

	(void)state;
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_version(st), store_schema_version());
	assert_true(store_schema_version() >= 2);
	store_close(st);
}

/* A database written by schema 1 keeps its data and gains the new tables. */
static void test_migrates_old_database(void **state)
{
	char err[256], *v;
	struct store *st;

	(void)state;
	st = store_open_at_version(dbpath, 1, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_version(st), 1);
	assert_int_equal(store_meta_set(st, "since", "s123"), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@a:x", "A", "join", 0), 0);
	store_close(st);

	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_version(st), store_schema_version());
	v = store_meta_get(st, "since");
	assert_string_equal(v, "s123");
	free(v);
	assert_int_equal(store_member_joined(st, "!r:x", "@a:x"), 1);
	/* the version 2 table is there */
	assert_int_equal(store_due_mark(st, "k", "sent", 1), 0);
	store_close(st);

	/* opening again is a no-op */
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_version(st), store_schema_version());
	store_close(st);
}

/* Schema 4 rebuilds the log for its new kinds: rows, IDs, the links of
 * actions and positions and the full-text index all survive. */
static void test_log_rebuild_keeps_links(void **state)
{
	static const char *const fill =
		"INSERT INTO issues(id, slug, name) VALUES (1, 'cyber', 'Cybersecurity');"
		"INSERT INTO log(id, issue_id, room_id, event_id, sender, kind, body, ts_ms) VALUES"
		"  (7, 1, '!r:x', '$e7', '@a:x', 'action', 'draft the statement', 5),"
		"  (8, 1, '!r:x', '$e8', '@a:x', 'position', 'CEPT support', 6);"
		"INSERT INTO actions(id, issue_id, log_id, assignee, text, created_by, created_ms)"
		"  VALUES (3, 1, 7, '@b:x', 'draft', '@a:x', 5);"
		"INSERT INTO positions(id, issue_id, log_id, actor, stance, sender, ts_ms)"
		"  VALUES (4, 1, 8, 'CEPT', 'support', '@a:x', 6);";
	char err[256];
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *s;

	(void)state;
	st = store_open_at_version(dbpath, 3, err, sizeof(err));
	assert_non_null(st);
	store_close(st);
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, fill, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	store_close(st);
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT (SELECT log_id FROM actions WHERE id = 3), "
		"(SELECT log_id FROM positions WHERE id = 4), "
		"(SELECT rowid FROM log_fts WHERE log_fts MATCH 'statement'), "
		"(SELECT count(*) FROM log)", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 7);
	assert_int_equal(sqlite3_column_int(s, 1), 8);
	assert_int_equal(sqlite3_column_int(s, 2), 7);
	assert_int_equal(sqlite3_column_int(s, 3), 2);
	sqlite3_finalize(s);
	/* the new kinds are accepted, others still refused */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO log(issue_id, room_id, sender, kind, body,"
				      " ts_ms) VALUES (1, '!r:x', '@a:x', 'file', 'DT-64.pdf', 9)",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO log(issue_id, room_id, sender, kind,"
					  " body, ts_ms) VALUES (1, '!r:x', '@a:x', 'gossip', 'x',"
					  " 9)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_newer_schema_refused(void **state)
{
	char err[256];
	sqlite3 *db;

	(void)state;
	/* a database from a future caucus */
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(dbpath, err, sizeof(err)));
	assert_non_null(strstr(err, "newer than this caucus"));
}

static void test_nested_transactions(void **state)
{
	char err[256], *v;
	struct store *st = store_open(":memory:", err, sizeof(err));

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "a", "1"), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "b", "2"), 0);
	assert_int_equal(store_rollback(st), 0);        /* undoes b only */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "c", "3"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_commit(st), 0);
	v = store_meta_get(st, "a");
	assert_string_equal(v, "1");
	free(v);
	assert_null(store_meta_get(st, "b"));
	v = store_meta_get(st, "c");
	assert_string_equal(v, "3");
	free(v);
	/* an unbalanced commit is refused */
	assert_int_equal(store_commit(st), -1);
	store_close(st);
}

static void test_unopenable(void **state)
{
	char err[256];

	(void)state;
	assert_null(store_open("/nonexistent-dir/x/caucus.db", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open '/nonexistent-dir/x/caucus.db'"));
}

/* 1 when the bytes of 'word' are anywhere in the file at path. */
static int file_holds(const char *path, const char *word)
{
	FILE *f = fopen(path, "rb");
	size_t n, len = strlen(word), cap = 1 << 20, have = 0;
	char *buf = malloc(cap);
	int found = 0;

	assert_non_null(f);
	while ((n = fread(buf + have, 1, cap - have, f)) > 0) {
		have += n;
		if (have == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	for (size_t i = 0; i + len <= have && !found; i++)
		found = !memcmp(buf + i, word, len);
	free(buf);
	return found;
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 0777;
}

/* The database keeps the access token: created 0600 whatever the umask,
 * and an existing one others could read is made 0600 (with its WAL). */
static void test_database_private(void **state)
{
	char err[256], wal[80];
	struct store *st;
	mode_t old = umask(022);
	FILE *f;

	(void)state;
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_meta_set(st, "access_token", "t"), 0);
	assert_int_equal(mode_of(dbpath), 0600);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	assert_int_equal(mode_of(wal), 0600);
	store_close(st);
	assert_int_equal(chmod(dbpath, 0644), 0);
	f = fopen(wal, "w");    /* a WAL left by another program */
	fclose(f);
	assert_int_equal(chmod(wal, 0664), 0);
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(mode_of(dbpath), 0600);
	assert_int_equal(mode_of(wal), 0600);
	store_close(st);
	umask(old);
}

/* A redacted message leaves no words in the file: not in the log table,
 * not in its full-text index, not in the outbox once a row is sent. */
static void test_redacted_text_gone(void **state)
{
	char err[256], body[128];
	struct store *st = store_open(dbpath, err, sizeof(err));
	int64_t id;
	struct outbox_row *rows = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_exec_text(st, "INSERT INTO issues(slug, name) VALUES ('x', ?)",
					 "X"), 0);
	for (int i = 0; i < 300; i++) {
		char ev[16];
		snprintf(ev, sizeof(ev), "$e%d", i);
		snprintf(body, sizeof(body), "%s filler words number %d of the day",
			 i == 150 ? "quixoticzebrafish" : "ordinary", i);
		assert_int_equal(store_log_add(st, 1, "!r:x", ev, "@a:x", "message", body,
					       1000 + i, &id), 0);
	}
	assert_int_equal(store_outbox_add(st, "!r:x", "txn1", "m.room.message",
					  "{\"body\":\"outboxsecretpangolin\"}", 1), 0);
	store_close(st);
	assert_true(file_holds(dbpath, "quixoticzebrafish"));   /* the test can fail */
	assert_true(file_holds(dbpath, "outboxsecretpangolin"));

	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	/* a redaction from another room names no entry here */
	assert_int_equal(store_log_redact(st, "!other:x", "$e150"), 0);
	store_close(st);
	assert_true(file_holds(dbpath, "quixoticzebrafish"));
	st = store_open(dbpath, err, sizeof(err));
	assert_int_equal(store_log_redact(st, "!r:x", "$e150"), 0);
	assert_int_equal(store_outbox_heads(st, INT64_MAX, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_sent(st, rows[0].id, "$sent"), 0);
	store_outbox_rows_free(rows, n);
	store_close(st);
	assert_false(file_holds(dbpath, "quixoticzebrafish"));
	assert_false(file_holds(dbpath, "outboxsecretpangolin"));
	assert_true(file_holds(dbpath, "ordinary filler"));
}

/* What a message is about rides with it in the outbox and is kept by the
 * event ID the server gave it; a message about nothing leaves nothing. */
static void test_sent_message_about(void **state)
{
	char err[256], *about = NULL;
	struct store *st = store_open(dbpath, err, sizeof(err));
	struct outbox_row *rows = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_outbox_add(st, "!r:x", "t1", "m.room.message", "{}", 5), 0);
	assert_int_equal(store_outbox_about(st, "t1", "session:7"), 0);
	assert_int_equal(store_outbox_add(st, "!s:x", "t2", "m.room.message", "{}", 5), 0);
	assert_int_equal(store_outbox_heads(st, INT64_MAX, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_bot_event_about(st, "!r:x", "$one", &about), 1);
	assert_int_equal(store_outbox_sent(st, rows[0].id, "$one"), 0);
	assert_int_equal(store_outbox_sent(st, rows[1].id, "$two"), 0);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_bot_event_about(st, "!r:x", "$one", &about), 0);
	assert_string_equal(about, "session:7");
	free(about);
	assert_int_equal(store_bot_event_about(st, "!other:x", "$one", &about), 1);
	assert_int_equal(store_bot_event_about(st, "!s:x", "$two", &about), 1);
	assert_null(about);
	assert_int_equal(store_people_purge(st, 6), 0);
	assert_int_equal(store_bot_event_about(st, "!r:x", "$one", &about), 1);
	store_close(st);
}

/* Inside a transaction (a sync batch) the index is merged once, at its
 * COMMIT: two redactions leave neither word in the file afterwards, and
 * a rolled-back redaction leaves the entry searchable. */
static void test_redactions_in_a_batch(void **state)
{
	char err[256], body[128];
	struct store *st = store_open(dbpath, err, sizeof(err));
	struct log_list l = { 0 };
	size_t total = 0;
	int64_t id;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_exec_text(st, "INSERT INTO issues(slug, name) VALUES ('x', ?)",
					 "X"), 0);
	for (int i = 0; i < 200; i++) {
		char ev[16];
		snprintf(ev, sizeof(ev), "$e%d", i);
		snprintf(body, sizeof(body), "%s filler words number %d", i == 10 ? "aardvarkone" :
			 i == 20 ? "aardvarktwo" : i == 30 ? "aardvarkthree" : "ordinary", i);
		assert_int_equal(store_log_add(st, 1, "!r:x", ev, "@a:x", "message", body,
					       1000 + i, &id), 0);
	}
	store_close(st);
	st = store_open(dbpath, err, sizeof(err));
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_log_redact(st, "!r:x", "$e10"), 0);
	assert_int_equal(store_log_redact(st, "!r:x", "$e20"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_log_redact(st, "!r:x", "$e30"), 0);
	assert_int_equal(store_rollback(st), 0);
	assert_int_equal(store_log_search(st, "aardvarkthree", 0, NULL, 10, &l, &total, NULL), 0);
	assert_int_equal(l.n, 1);
	store_log_list_release(&l);
	store_close(st);
	assert_false(file_holds(dbpath, "aardvarkone"));
	assert_false(file_holds(dbpath, "aardvarktwo"));
	assert_true(file_holds(dbpath, "aardvarkthree"));
}

/* The index must hold exactly the log's rows: FTS5's own check, against
 * the log table it indexes. */
static int index_matches_log(struct store *st)
{
	return store_exec_text(st, "INSERT INTO log_fts(log_fts, rank) VALUES "
			       "('integrity-check', ?)", "1") == 0;
}

static size_t found(struct store *st, const char *word)
{
	struct log_list l = { 0 };
	size_t total = 0, n;

	assert_int_equal(store_log_search(st, word, 0, NULL, 10, &l, &total, NULL), 0);
	n = l.n;
	store_log_list_release(&l);
	return n;
}

static void add(struct store *st, int i, const char *word)
{
	char ev[16], body[64];
	int64_t id;

	snprintf(ev, sizeof(ev), "$f%d", i);
	snprintf(body, sizeof(body), "%s said in message %d", word, i);
	assert_int_equal(store_log_add(st, 1, "!r:x", ev, "@a:x", "message", body, 1000 + i,
				       &id), 0);
}

/*
 * Inside a transaction the index rows wait for the batch (store_int.h:
 * fts_from): a search, an edit and a redaction in the middle of it see
 * the batch's rows; a savepoint rolled back after a search indexed them
 * leaves its earlier rows to be indexed again; a rolled-back batch leaves
 * nothing.  After each, the index holds exactly the log's rows.
 */
static void test_index_follows_batch(void **state)
{
	char err[256];
	struct store *st = store_open(dbpath, err, sizeof(err));

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_exec_text(st, "INSERT INTO issues(slug, name) VALUES ('x', ?)",
					 "X"), 0);
	assert_int_equal(store_begin(st), 0);
	add(st, 1, "wombat");
	add(st, 2, "quokka");
	assert_int_equal(found(st, "wombat"), 1);       /* indexed before the search */
	add(st, 3, "numbat");
	assert_int_equal(store_log_edit(st, "!r:x", "$f3", "@a:x", "bilby now", 2000), 0);
	add(st, 4, "dingo");
	assert_int_equal(store_log_redact(st, "!r:x", "$f4"), 0);
	add(st, 5, "echidna");
	assert_int_equal(store_begin(st), 0);           /* a command's savepoint */
	add(st, 6, "possum");
	assert_int_equal(found(st, "possum"), 1);
	assert_int_equal(store_rollback(st), 0);        /* possum and its index row go */
	add(st, 7, "wallaby");
	assert_int_equal(store_commit(st), 0);
	assert_true(index_matches_log(st));
	assert_int_equal(found(st, "numbat"), 0);
	assert_int_equal(found(st, "bilby"), 1);
	assert_int_equal(found(st, "dingo"), 0);
	assert_int_equal(found(st, "echidna"), 1);      /* pending again after the rollback */
	assert_int_equal(found(st, "possum"), 0);
	assert_int_equal(found(st, "wallaby"), 1);

	assert_int_equal(store_begin(st), 0);
	add(st, 8, "platypus");
	assert_int_equal(store_rollback(st), 0);
	add(st, 9, "kookaburra");                       /* outside a transaction: at once */
	assert_true(index_matches_log(st));
	assert_int_equal(found(st, "platypus"), 0);
	assert_int_equal(found(st, "kookaburra"), 1);
	store_close(st);
}

/* Inside a transaction last_spoke times wait for the COMMIT (store_int.h):
 * a read in between sees them, a rolled-back savepoint drops only its
 * own, a rolled-back batch drops all, and more members than are kept
 * pending are all written. */
static void test_last_spoke_batched(void **state)
{
	char err[256], user[32];
	struct store *st = store_open(dbpath, err, sizeof(err));

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@a:x", 100), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@a:x", 200), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@a:x", 150), 0);
	assert_int_equal(store_last_spoke(st, "!r:x", "@a:x"), 200);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@b:x", 10), 0);
	assert_int_equal(store_begin(st), 0);           /* a command's savepoint */
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@a:x", 300), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@c:x", 30), 0);
	assert_int_equal(store_rollback(st), 0);
	for (int i = 0; i < 100; i++) {                 /* more than STORE_SPOKE_MAX */
		snprintf(user, sizeof(user), "@m%d:x", i);
		assert_int_equal(store_last_spoke_set(st, "!s:x", user, 1000 + i), 0);
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_last_spoke(st, "!r:x", "@a:x"), 200);
	assert_int_equal(store_last_spoke(st, "!r:x", "@b:x"), 10);     /* kept before */
	assert_int_equal(store_last_spoke(st, "!r:x", "@c:x"), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(user, sizeof(user), "@m%d:x", i);
		assert_int_equal(store_last_spoke(st, "!s:x", user), 1000 + i);
	}
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@a:x", 900), 0);
	assert_int_equal(store_rollback(st), 0);
	assert_int_equal(store_last_spoke(st, "!r:x", "@a:x"), 200);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@a:x", 950), 0);    /* at once */
	store_close(st);
	st = store_open(dbpath, err, sizeof(err));
	assert_int_equal(store_last_spoke(st, "!r:x", "@a:x"), 950);
	store_close(st);
}

static void test_members_and_due(void **state)
{
	char err[256], *u, *n;
	struct store *st = store_open(":memory:", err, sizeof(err));

	(void)state;
	assert_int_equal(store_member_set(st, "!r:x", "@bob:x", "Bob", "join", 50), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@bob2:x", "bob", "join", 0), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@cat:x", "Cat", "leave", 0), 0);
	assert_int_equal(store_member_by_name(st, "!r:x", "BOB", &u), 2);
	assert_null(u);
	assert_int_equal(store_member_by_name(st, "!r:x", "cat", &u), 1);  /* left */
	assert_int_equal(store_member_power(st, "!r:x", "@bob:x"), 50);
	assert_int_equal(store_member_joined(st, "!r:x", "@cat:x"), 0);
	n = store_member_name(st, NULL, "@cat:x");
	assert_string_equal(n, "Cat");
	free(n);
	assert_int_equal(store_due_done(st, "rem:1"), 0);
	assert_int_equal(store_due_mark(st, "rem:1", "sent", 5), 0);
	assert_int_equal(store_due_mark(st, "rem:1", "sent", 6), 0);
	assert_int_equal(store_due_done(st, "rem:1"), 1);
	assert_int_equal(store_last_spoke(st, "!r:x", "@bob:x"), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@bob:x", 100), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@bob:x", 50), 0);  /* never backwards */
	assert_int_equal(store_last_spoke(st, "!r:x", "@bob:x"), 100);
	store_close(st);
}

/* Adds n entries "body" to room of issue 1, event IDs from tag. */
static void add_entries(struct store *st, const char *room, const char *tag, int n,
			const char *body, int64_t ts)
{
	for (int i = 0; i < n; i++) {
		char ev[48];
		int64_t id;

		snprintf(ev, sizeof(ev), "$%s%d", tag, i);
		assert_int_equal(store_log_add(st, 1, room, ev, "@a:x", "message", body, ts + i,
					       &id), 0);
	}
}

static size_t search(struct store *st, const char *match, const char *viewer,
		     struct log_list *l, size_t *total)
{
	store_log_list_release(l);
	assert_int_equal(store_log_search(st, match, 1, viewer, 10, l, total, NULL), 0);
	return l->n;
}

/* The ranking prefers more of the words in a shorter entry; the total is
 * exact up to SEARCH_COUNT_MAX whether or not the pool was full; a viewer
 * sees only rooms joined (not left, not rooms whose members are unknown),
 * NULL anyone; a query FTS5 refuses is told apart from a store error. */
static void test_search_rank_total_viewer(void **state)
{
	char err[256];
	struct store *st = store_open(":memory:", err, sizeof(err));
	struct log_list l = { 0 };
	size_t total = 0;
	int bad = 0;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_exec_text(st, "INSERT INTO issues(slug, name) VALUES ('x', ?)",
					 "X"), 0);
	assert_int_equal(store_member_set(st, "!a:x", "@bob:x", "Bob", "join", 0), 0);
	assert_int_equal(store_member_set(st, "!b:x", "@bob:x", "Bob", "leave", 0), 0);
	assert_int_equal(store_begin(st), 0);
	add_entries(st, "!a:x", "long", 1, "kiwi and many other words about something else "
		    "entirely that go on and on", 100);
	add_entries(st, "!a:x", "many", 1, "kiwi kiwi kiwi", 50);          /* oldest, best */
	add_entries(st, "!a:x", "one", 3, "kiwi mango", 200);
	add_entries(st, "!b:x", "left", 2, "kiwi in a room bob left", 300);
	add_entries(st, "!c:x", "unknown", 2, "kiwi in a room of no known members", 400);
	/* the best entry for "plum", but older than the newest SEARCH_POOL */
	add_entries(st, "!a:x", "oldbest", 1, "plum plum plum", 10);
	add_entries(st, "!a:x", "pool", SEARCH_POOL + 50, "plum pear", 1000);
	add_entries(st, "!a:x", "big", SEARCH_COUNT_MAX + 20, "fig", 5000);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(search(st, "\"kiwi\"", NULL, &l, &total), 9);
	assert_int_equal(total, 9);
	assert_string_equal(l.v[0].body, "\002kiwi\003 \002kiwi\003 \002kiwi\003");
	assert_true(strstr(l.v[8].body, "many other words") != NULL);
	/* both words, the shorter entry first */
	assert_int_equal(search(st, "\"kiwi\" \"mango\"", NULL, &l, &total), 3);
	assert_int_equal(total, 3);

	/* a full pool is counted beyond it, up to SEARCH_COUNT_MAX + 1; only
	 * the pool is ranked */
	assert_int_equal(search(st, "\"plum\"", NULL, &l, &total), 10);
	assert_int_equal(total, SEARCH_POOL + 51);
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.v[i].body, "\002plum\003 pear");
	assert_int_equal(search(st, "\"fig\"", NULL, &l, &total), 10);
	assert_int_equal(total, SEARCH_COUNT_MAX + 1);
	assert_int_equal(search(st, "\"nothing\"", NULL, &l, &total), 0);
	assert_int_equal(total, 0);

	/* bob: only the room he is in; a stranger: nothing (fails closed) */
	assert_int_equal(search(st, "\"kiwi\"", "@bob:x", &l, &total), 5);
	assert_int_equal(total, 5);
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.v[i].room_id, "!a:x");
	assert_int_equal(search(st, "\"kiwi\"", "@eve:x", &l, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(search(st, "\"plum\"", "@eve:x", &l, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(store_member_set(st, "!a:x", "@bob:x", "Bob", "leave", 0), 0);
	assert_int_equal(search(st, "\"kiwi\"", "@bob:x", &l, &total), 0);

	store_log_list_release(&l);
	assert_int_equal(store_log_search(st, "\"open", 1, NULL, 10, &l, &total, &bad), -1);
	assert_int_equal(bad, 1);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_is_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_old_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test(test_nested_transactions),
		cmocka_unit_test_setup_teardown(test_log_rebuild_keeps_links, setup, teardown),
		cmocka_unit_test(test_unopenable),
		cmocka_unit_test(test_members_and_due),
		cmocka_unit_test_setup_teardown(test_database_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redacted_text_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sent_message_about, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redactions_in_a_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_follows_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_spoke_batched, setup, teardown),
		cmocka_unit_test(test_search_rank_total_viewer),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
