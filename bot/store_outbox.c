/*
 * store_outbox.c - queries behind the outbox (schema step 2).  A row is
 * pending while sent_event_id is NULL; the index outbox_pending serves the
 * "oldest pending row per room" query the sender runs after each send.
 */
#include "store_outbox.h"

#include <stdlib.h>

#include "store_int.h"
#include "util.h"

int store_outbox_add(struct store *st, const char *room_id, const char *txn_id,
		     const char *event_type, const char *content, int64_t now_ms)
{
	return store_outbox_add_held(st, room_id, txn_id, event_type, content, now_ms, 0);
}

int store_outbox_add_held(struct store *st, const char *room_id, const char *txn_id,
			  const char *event_type, const char *content, int64_t now_ms,
			  int64_t hold_until_ms)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO outbox(room_id, txn_id, event_type, content, created_ms, "
		"hold_until_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(txn_id) DO NOTHING");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, txn_id);
	store_bind_text(s, 3, event_type);
	store_bind_text(s, 4, content);
	store_bind_i64(s, 5, now_ms);
	store_bind_i64(s, 6, hold_until_ms > 0 ? hold_until_ms : 0);
	return store_exec_stmt(st, s);
}

int store_outbox_about(struct store *st, const char *txn_id, const char *about)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET about = ? WHERE txn_id = ? AND "
					 "sent_event_id IS NULL");

	if (!s)
		return -1;
	store_bind_text(s, 1, about);
	store_bind_text(s, 2, txn_id);
	return store_exec_stmt(st, s);
}

int64_t store_outbox_next_release(struct store *st, int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT min(hold_until_ms) FROM outbox WHERE "
					 "sent_event_id IS NULL AND hold_until_ms > ?");
	int64_t at = 0;

	if (!s)
		return 0;
	store_bind_i64(s, 1, now_ms);
	if (sqlite3_step(s) == SQLITE_ROW)
		at = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return at;
}

int store_outbox_heads(struct store *st, int64_t now_ms, struct outbox_row **rows, size_t *n)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT id, room_id, txn_id, event_type, content, attempts, next_try_ms "
		"FROM outbox WHERE id IN (SELECT min(id) FROM outbox "
		"WHERE sent_event_id IS NULL AND room_id LIKE '!%' AND hold_until_ms <= ? "
		"GROUP BY room_id) ORDER BY id");
	int rc;

	*rows = NULL;
	*n = 0;
	if (!s)
		return -1;
	store_bind_i64(s, 1, now_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct outbox_row *r;
		*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
		r = &(*rows)[(*n)++];
		r->id = sqlite3_column_int64(s, 0);
		r->room_id = store_col_text(s, 1);
		r->txn_id = store_col_text(s, 2);
		r->event_type = store_col_text(s, 3);
		r->content = store_col_text(s, 4);
		r->attempts = sqlite3_column_int(s, 5);
		r->next_try_ms = sqlite3_column_int64(s, 6);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "reading the outbox");
		store_outbox_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void store_outbox_rows_free(struct outbox_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].room_id);
		free(rows[i].txn_id);
		free(rows[i].event_type);
		free(rows[i].content);
	}
	free(rows);
}

int store_outbox_sent(struct store *st, int64_t id, const char *event_id)
{
	/* once sent, the row only keeps its txn_id (so queueing it again is a
	 * no-op): no message body stays on disk for a redaction to miss */
	sqlite3_stmt *s;

	/* a message about a session or an action item: keep what it is about
	 * under its event ID, so that a reaction to it can act (see about) */
	if (event_id && *event_id) {
		s = store_stmt(st, "INSERT INTO bot_events(event_id, room_id, about, sent_ms) "
				   "SELECT ?, room_id, about, created_ms FROM outbox "
				   "WHERE id = ? AND about IS NOT NULL "
				   "ON CONFLICT(event_id) DO NOTHING");
		if (!s)
			return -1;
		store_bind_text(s, 1, event_id);
		store_bind_i64(s, 2, id);
		if (store_exec_stmt(st, s))
			return -1;
	}
	s = store_stmt(st, "UPDATE outbox SET sent_event_id = ?, content = '' WHERE id = ?");
	if (!s)
		return -1;
	store_bind_text(s, 1, event_id ? event_id : "");
	store_bind_i64(s, 2, id);
	return store_exec_stmt(st, s);
}

int store_outbox_retry(struct store *st, int64_t id, int attempts, int64_t next_try_ms)
{
	sqlite3_stmt *s = store_stmt(st,
		"UPDATE outbox SET attempts = ?, next_try_ms = ? WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, attempts);
	store_bind_i64(s, 2, next_try_ms);
	store_bind_i64(s, 3, id);
	return store_exec_stmt(st, s);
}

int store_outbox_wake(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET next_try_ms = 0 "
					 "WHERE sent_event_id IS NULL AND next_try_ms != 0");

	return s ? store_exec_stmt(st, s) : -1;
}

int store_outbox_drop(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM outbox WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	return store_exec_stmt(st, s);
}

int store_outbox_purge(struct store *st, int64_t before_ms)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM outbox WHERE sent_event_id IS NOT NULL "
					 "AND created_ms < ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, before_ms);
	return store_exec_stmt(st, s);
}

int64_t store_outbox_pending(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM outbox WHERE sent_event_id IS NULL");
	int64_t n = -1;

	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

int store_outbox_seal(struct store *st, int64_t id, const char *event_type,
		      const char *content)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET event_type = ?, content = ? "
					 "WHERE id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, event_type);
	store_bind_text(s, 2, content);
	store_bind_i64(s, 3, id);
	return store_exec_stmt(st, s);
}

int store_outbox_readdress(struct store *st, const char *from, const char *room_id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET room_id = ? WHERE room_id = ? AND "
					 "sent_event_id IS NULL");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, from);
	return store_exec_stmt(st, s);
}

int store_outbox_readdress_unsealed(struct store *st, const char *room_id, const char *to)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE outbox SET room_id = ? WHERE room_id = ? AND "
					 "sent_event_id IS NULL AND event_type != 'm.room.encrypted'");

	if (!s)
		return -1;
	store_bind_text(s, 1, to);
	store_bind_text(s, 2, room_id);
	return store_exec_stmt(st, s);
}

int store_outbox_waiting_users(struct store *st, struct strv *users)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT DISTINCT room_id FROM outbox WHERE "
					 "sent_event_id IS NULL AND room_id LIKE '@%'");
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(users, store_col_text(s, 0));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "reading the waiting messages");
		strv_release(users);
		return -1;
	}
	return 0;
}
