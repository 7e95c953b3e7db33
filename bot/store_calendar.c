/*
 * store_calendar.c - the calendar_tokens table (see store_calendar.h).
 * A link is a row: the SHA-256 of its token, its owner, when it was made.
 * Revoking deletes the rows, so nothing of a dead link is kept.
 */
#include "store_calendar.h"

#include <string.h>

#include "store_int.h"

int store_calendar_token_add(struct store *st, const char *user_id, const unsigned char *hash,
			     int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO calendar_tokens(hash, user_id, created_ms) "
				     "VALUES (?, ?, ?)");

	if (!s)
		return -1;
	sqlite3_bind_blob(s, 1, hash, STORE_CALENDAR_HASH_LEN, SQLITE_STATIC);
	store_bind_text(s, 2, user_id);
	store_bind_i64(s, 3, now_ms);
	return store_exec_stmt(st, s);
}

int64_t store_calendar_token_count(struct store *st, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM calendar_tokens WHERE user_id = ?");
	int64_t n;

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, "count calendar links");
		sqlite3_reset(s);
		return -1;
	}
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);       /* no read left open between two turns of the loop */
	return n;
}

int64_t store_calendar_token_revoke(struct store *st, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM calendar_tokens WHERE user_id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(st->db);
}

int store_calendar_token_find(struct store *st, const unsigned char *hash,
			      unsigned char stored[STORE_CALENDAR_HASH_LEN], char **user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT hash, user_id FROM calendar_tokens WHERE hash = ?");
	int rc;

	*user_id = NULL;
	if (!s)
		return -1;
	sqlite3_bind_blob(s, 1, hash, STORE_CALENDAR_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 1;
	}
	if (rc != SQLITE_ROW || sqlite3_column_bytes(s, 0) != STORE_CALENDAR_HASH_LEN) {
		store_fail(st, "find a calendar link");
		sqlite3_reset(s);
		return -1;
	}
	memcpy(stored, sqlite3_column_blob(s, 0), STORE_CALENDAR_HASH_LEN);
	*user_id = store_col_text(s, 1);
	sqlite3_reset(s);       /* no read left open between two turns of the loop */
	return *user_id ? 0 : -1;
}
