/*
 * store_due.c - the marks of due events handed out (see store_due.h): the
 * one table that makes a reminder or a digest leave at most once, across
 * restarts and whichever job found it due.
 */
#include "store_due.h"

#include "store_int.h"

int store_due_done(struct store *st, const char *key)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM due_sent WHERE key = ?");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_due_mark(struct store *st, const char *key, const char *outcome, int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO due_sent(key, sent_ms, outcome) "
					 "VALUES (?, ?, ?)");

	if (!s)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_i64(s, 2, now_ms);
	store_bind_text(s, 3, outcome);
	return store_exec_stmt(st, s);
}
