/*
 * store_sync.c - queries behind the daemon's sync bookkeeping: the handled
 * table (schema step 2), the backlog positions (meta rows "backlog.<room>",
 * no schema step) and the few room changes that come from the server
 * rather than from a command.
 */
#include "store_sync.h"

#include <stdlib.h>

#include "store_int.h"

int store_handled_has(struct store *st, const char *event_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM handled WHERE event_id = ?");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_fail(st, "reading handled events");
	return -1;
}

int store_handled_add(struct store *st, const char *event_id, int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO handled(event_id, ts_ms) VALUES (?, ?) "
					 "ON CONFLICT(event_id) DO NOTHING");

	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_i64(s, 2, now_ms);
	return store_exec_stmt(st, s);
}

int store_handled_purge(struct store *st, int64_t before_ms)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM handled WHERE ts_ms < ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, before_ms);
	return store_exec_stmt(st, s);
}

int store_sync_members(struct store *st, const char *room_id, struct strv *users)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id FROM members WHERE room_id = ?");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(users, store_col_text(s, 0));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "reading room members");
		return -1;
	}
	return 0;
}

int store_sync_member_power(struct store *st, const char *room_id, const char *user_id,
			    int power)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE members SET power = ? "
					 "WHERE room_id = ? AND user_id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, power);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, user_id);
	return store_exec_stmt(st, s);
}

int store_sync_room_left(struct store *st, const char *room_id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE issues SET room_id = NULL WHERE room_id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	if (store_exec_stmt(st, s))
		return -1;
	s = store_stmt(st, "INSERT INTO rooms(room_id, joined) VALUES (?, 0) "
			   "ON CONFLICT(room_id) DO UPDATE SET joined = 0");
	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	return store_exec_stmt(st, s);
}

#define BACKLOG_KEY "backlog."

char *store_backlog_get(struct store *st, const char *room_id)
{
	char *key = xasprintf(BACKLOG_KEY "%s", room_id), *v = store_meta_get(st, key);

	free(key);
	return v;
}

int store_backlog_set(struct store *st, const char *room_id, const char *position)
{
	char *key = xasprintf(BACKLOG_KEY "%s", room_id);
	int rc = store_meta_set(st, key, position);

	free(key);
	return rc;
}

int store_backlog_clear(struct store *st)
{
	/* a range, so the primary key's index finds them ('/' follows '.') */
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM meta WHERE key >= '" BACKLOG_KEY "' "
					 "AND key < 'backlog/'");

	if (!s)
		return -1;
	return store_exec_stmt(st, s);
}
