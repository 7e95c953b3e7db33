/*
 * store_request.c - queries behind the room requests (schema step 4): the
 * daemon takes the oldest due one, carries it out, and forgets it or
 * moves its next try.
 */
#include "store_request.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

void store_request_release(struct store_request *r)
{
	free(r->key);
	free(r->kind);
	free(r->target);
	free(r->user_id);
	free(r->room_id);
	free(r->reply_to);
	free(r->thread_root);
	memset(r, 0, sizeof(*r));
}

int store_request_add(struct store *st, const char *key, const char *kind,
		      const char *target, const char *user_id, int64_t issue_id,
		      const char *room_id, const char *reply_to, const char *thread_root)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO room_requests(key, kind, target, user_id, issue_id, room_id, reply_to, "
		"thread_root) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING");

	if (!s)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, kind);
	store_bind_text(s, 3, target);
	store_bind_text(s, 4, user_id);
	store_bind_i64(s, 5, issue_id);
	store_bind_text(s, 6, room_id);
	store_bind_text(s, 7, reply_to);
	store_bind_text(s, 8, thread_root);
	return store_exec_stmt(st, s);
}

int store_request_next(struct store *st, int64_t now_ms, struct store_request *out,
		       int64_t *wait_ms)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT id, kind, target, user_id, issue_id, room_id, reply_to, attempts, "
		"next_try_ms, key, thread_root FROM room_requests ORDER BY next_try_ms > ?1, "
		"CASE WHEN next_try_ms > ?1 THEN next_try_ms ELSE 0 END, id LIMIT 1");
	int rc;

	memset(out, 0, sizeof(*out));
	*wait_ms = -1;
	if (!s)
		return -1;
	store_bind_i64(s, 1, now_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		store_fail(st, "reading the room requests");
		return -1;
	}
	out->next_try_ms = sqlite3_column_int64(s, 8);
	if (out->next_try_ms > now_ms) {
		/* due rows sort first: none is due, and this one is the next */
		*wait_ms = out->next_try_ms - now_ms;
		sqlite3_reset(s);
		out->next_try_ms = 0;
		return 1;
	}
	out->id = sqlite3_column_int64(s, 0);
	out->kind = store_col_text(s, 1);
	out->target = store_col_text(s, 2);
	out->user_id = store_col_text(s, 3);
	out->issue_id = sqlite3_column_int64(s, 4);
	out->room_id = store_col_text(s, 5);
	out->reply_to = store_col_text(s, 6);
	out->attempts = sqlite3_column_int(s, 7);
	out->key = store_col_text(s, 9);
	out->thread_root = store_col_text(s, 10);
	sqlite3_reset(s);
	return 0;
}

int store_request_retry(struct store *st, int64_t id, int attempts, int64_t next_try_ms)
{
	sqlite3_stmt *s = store_stmt(st,
		"UPDATE room_requests SET attempts = ?, next_try_ms = ? WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, attempts);
	store_bind_i64(s, 2, next_try_ms);
	store_bind_i64(s, 3, id);
	return store_exec_stmt(st, s);
}

int store_request_done(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM room_requests WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	return store_exec_stmt(st, s);
}
