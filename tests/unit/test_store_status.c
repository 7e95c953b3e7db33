/*
 * test_store_status.c - the figures of "caucus status": the read-only
 * opening (it never creates or migrates a file), the warnings kept (the
 * newest STORE_WARNINGS_KEEP), outbox figures and what comes next.
 */
#include "testutil.h"

#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "store_status.h"
#include "util.h"

static char dbpath[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(dbpath, sizeof(dbpath), "/tmp/caucus-test-status-XXXXXX");
	fd = mkstemp(dbpath);
	assert_true(fd >= 0);
	close(fd);
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

static void exec_sql(struct store *st, const char *sql)
{
	sqlite3 *db;

	(void)st;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_reader_never_creates(void **state)
{
	char err[256];

	(void)state;
	assert_null(store_open_reader(dbpath, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
	assert_int_equal(access(dbpath, F_OK), -1);
	/* an empty sqlite file is not a caucus database */
	exec_sql(NULL, "CREATE TABLE x(y)");
	assert_null(store_open_reader(dbpath, err, sizeof(err)));
	assert_non_null(strstr(err, "not a caucus database"));
}

static void test_figures(void **state)
{
	static const int64_t before[] = { 1800, 300 };
	char err[256];
	struct store *w, *r;
	struct store_status s;
	int64_t now = (int64_t)1700000000 * 1000;

	(void)state;
	w = store_open(dbpath, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(store_writable(w, err, sizeof(err)), 0);
	assert_int_equal(store_begin(w), 0);
	for (int i = 0; i < STORE_WARNINGS_KEEP + 20; i++) {
		char text[32];
		snprintf(text, sizeof(text), "warning %d", i);
		assert_int_equal(store_warning_add(w, now - 1000, i % 2 ? "error" : "warn", text),
				 0);
	}
	assert_int_equal(store_meta_set(w, "sync_ms", "1699999990000"), 0);
	assert_int_equal(store_meta_set(w, "e2ee.otk_count", "42"), 0);
	assert_int_equal(store_meta_set(w, "device_id", "DEV"), 0);
	assert_int_equal(store_commit(w), 0);
	exec_sql(w, "INSERT INTO outbox(room_id, txn_id, content, created_ms, attempts, "
		 "next_try_ms) VALUES ('!a', 't1', '{}', 1699999000000, 2, 1700000100000),"
		 "('!a', 't2', '{}', 1699999500000, 0, 0);"
		 "INSERT INTO outbox(room_id, txn_id, content, created_ms, sent_event_id) "
		 "VALUES ('!a', 't3', '{}', 1600000000000, '$sent');"
		 "INSERT INTO reminders(room_id, sender, text, due_s, created_ms) "
		 "VALUES ('!a', '@u:x', 'call them', 1700003600, 0);"
		 "INSERT INTO issues(id, slug, name) VALUES (1, 'cyber', 'Cyber');"
		 "INSERT INTO sessions(issue_id, title, start_s, end_s, created_by, created_ms, "
		 "updated_ms) VALUES (1, 'WG meeting', 1700001200, 1700004800, '@u:x', 0, 0);");

	r = store_open_reader(dbpath, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(store_status_read(r, now, "UTC", before, 2, 23 * 60, &s), 0);
	assert_int_equal(s.sync_ms, 1699999990000);
	assert_int_equal(s.otk_count, 42);
	assert_string_equal(s.device_id, "DEV");
	assert_null(s.xsign);
	assert_int_equal(s.outbox_depth, 2);
	assert_int_equal(s.outbox_oldest_ms, 1699999000000);
	assert_int_equal(s.outbox_held, 1);
	assert_int_equal(s.warnings.n, 10);
	assert_non_null(strstr(s.warnings.v[0], " error warning 119"));
	assert_non_null(strstr(s.warnings.v[9], " warn warning 110"));
	/* 22:13 UTC now, the session at 22:33: its 30-minute reminder is past,
	 * the 5-minute one comes, then the 23:00 digest, the !remind at 23:13
	 * and the next day's digest */
	assert_int_equal(s.upcoming.n, 4);
	assert_non_null(strstr(s.upcoming.v[0], "session reminder (5m before): #1 WG meeting"));
	assert_non_null(strstr(s.upcoming.v[1], "daily digest"));
	assert_non_null(strstr(s.upcoming.v[2], "reminder: call them"));
	assert_non_null(strstr(s.upcoming.v[3], "daily digest"));
	store_status_release(&s);
	/* the reader cannot write, and says so */
	assert_int_equal(store_writable(r, err, sizeof(err)), -1);
	store_close(r);

	/* only the newest are kept */
	exec_sql(w, "SELECT 1");
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), min(text) FROM warnings",
						    -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), STORE_WARNINGS_KEEP);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	store_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reader_never_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
