/*
 * test_store_due.c - the due marks (store_due.c): a key is recorded once
 * with its first outcome, keys are told apart exactly, and the marks
 * survive a reopen of the database (a restart must not send twice).
 */
#include "testutil.h"

#include <unistd.h>

#include "store.h"
#include "store_due.h"
#include "store_int.h"

/* The outcome recorded for key (caller frees), or NULL. */
static char *outcome(struct store *st, const char *key)
{
	sqlite3_stmt *s = NULL;
	char *out = NULL;

	assert_int_equal(sqlite3_prepare_v2(st->db, "SELECT outcome || ' ' || sent_ms FROM "
					    "due_sent WHERE key = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		out = store_col_text(s, 0);
	sqlite3_finalize(s);
	return out;
}

static void test_first_outcome_stays(void **state)
{
	char err[256], *o;
	struct store *st = store_open(":memory:", err, sizeof(err));

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_due_done(st, "digest:cyber:2018-11-05"), 0);
	assert_int_equal(store_due_mark(st, "digest:cyber:2018-11-05", "late", 5), 0);
	assert_int_equal(store_due_mark(st, "digest:cyber:2018-11-05", "sent", 6), 0);
	assert_int_equal(store_due_mark(st, "digest:cyber:2018-11-05", "dropped", 7), 0);
	assert_int_equal(store_due_done(st, "digest:cyber:2018-11-05"), 1);
	o = outcome(st, "digest:cyber:2018-11-05");
	assert_string_equal(o, "late 5");
	free(o);
	store_close(st);
}

/* Keys are compared whole and by case: "remind:1" is not "remind:10". */
static void test_keys_exact(void **state)
{
	static const struct {
		const char *key;
		int done;
	} rows[] = {
		{ "remind:1", 1 },
		{ "remind:10", 0 },
		{ "remind:", 0 },
		{ "Remind:1", 0 },
		{ "remind:1 ", 0 },
		{ "session:4:start", 1 },
		{ "session:4", 0 },
	};
	char err[256];
	struct store *st = store_open(":memory:", err, sizeof(err));

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_due_mark(st, "remind:1", "sent", 1), 0);
	assert_int_equal(store_due_mark(st, "session:4:start", "sent", 1), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(store_due_done(st, rows[i].key), rows[i].done);
	store_close(st);
}

static void test_survives_reopen(void **state)
{
	char path[64], p[80], err[256];
	struct store *st;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/caucus-due-%d.db", (int)getpid());
	unlink(path);
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_due_mark(st, "digest:coord:2018-11-05", "sent", 1), 0);
	store_close(st);
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_due_done(st, "digest:coord:2018-11-05"), 1);
	assert_int_equal(store_due_done(st, "digest:coord:2018-11-06"), 0);
	store_close(st);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_outcome_stays),
		cmocka_unit_test(test_keys_exact),
		cmocka_unit_test(test_survives_reopen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
