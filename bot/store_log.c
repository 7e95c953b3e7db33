/*
 * store_log.c - queries behind the per-issue log (see store_log.h): log
 * entries and their full-text index, action items, positions, and the
 * reads of sessions and coverage the digest needs.  The FTS index follows
 * the log table by trigger (schema in store.c), so nothing here touches
 * log_fts except to search it.
 */
#include "store_log.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

int store_log_add(struct store *st, int64_t issue_id, const char *room_id,
		  const char *event_id, const char *sender, const char *kind,
		  const char *body, int64_t ts_ms, int64_t *id_out)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO log(issue_id, room_id, event_id, sender, kind, body, ts_ms) "
		"VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING");
	int64_t id = 0;

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, event_id);
	store_bind_text(s, 4, sender);
	store_bind_text(s, 5, kind);
	store_bind_text(s, 6, body);
	store_bind_i64(s, 7, ts_ms);
	if (store_exec_stmt(st, s))
		return -1;
	if (sqlite3_changes(st->db) > 0) {
		id = sqlite3_last_insert_rowid(st->db);
	} else if (event_id) {
		/* the event was kept before (a sync replayed after a restart) */
		s = store_stmt(st, "SELECT id FROM log WHERE event_id = ?");
		if (!s)
			return -1;
		store_bind_text(s, 1, event_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	if (id_out)
		*id_out = id;
	return 0;
}

int store_log_edit(struct store *st, const char *event_id, const char *body, int64_t ts_ms)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE log SET body = ?, edited_ms = ? "
					 "WHERE event_id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, body);
	store_bind_i64(s, 2, ts_ms);
	store_bind_text(s, 3, event_id);
	return store_exec_stmt(st, s);
}

int store_log_redact(struct store *st, const char *event_id)
{
	/* actions and positions would only lose their log_id (ON DELETE SET
	 * NULL); the room deleted the message, so the record goes too */
	static const char *const sql[] = {
		"DELETE FROM actions WHERE log_id IN (SELECT id FROM log WHERE event_id = ?)",
		"DELETE FROM positions WHERE log_id IN (SELECT id FROM log WHERE event_id = ?)",
		"DELETE FROM log WHERE event_id = ?",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(sql); i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i]);
		if (!s)
			return -1;
		store_bind_text(s, 1, event_id);
		if (store_exec_stmt(st, s))
			return -1;
	}
	return 0;
}

int store_log_purge(struct store *st, int64_t before_ms)
{
	static const char *const sql[] = {
		"DELETE FROM positions WHERE ts_ms < ?",
		"DELETE FROM actions WHERE done_ms IS NOT NULL AND done_ms < ?",
		"DELETE FROM log WHERE ts_ms < ?",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(sql); i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i]);
		if (!s)
			return -1;
		store_bind_i64(s, 1, before_ms);
		if (store_exec_stmt(st, s))
			return -1;
	}
	return 0;
}
