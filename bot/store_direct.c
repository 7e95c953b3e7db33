/*
 * store_direct.c - queries behind the direct rooms and !prefs (see
 * store_direct.h; schema step 10).  A direct_rooms row with a NULL room_id
 * says a room is being made for that member.
 */
#include "store_direct.h"

#include <stdlib.h>

#include "store_int.h"
#include "util.h"

/* One text column of the first row of s (bound by the caller), or NULL. */
static char *first_text(sqlite3_stmt *s)
{
	char *v = NULL;

	if (sqlite3_step(s) == SQLITE_ROW)
		v = store_col_text(s, 0);
	sqlite3_reset(s);
	return v;
}

char *store_direct_room(struct store *st, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT room_id FROM direct_rooms WHERE user_id = ? "
					 "AND room_id IS NOT NULL");

	if (!s)
		return NULL;
	store_bind_text(s, 1, user_id);
	return first_text(s);
}

char *store_direct_user(struct store *st, const char *room_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id FROM direct_rooms WHERE room_id = ?");

	if (!s)
		return NULL;
	store_bind_text(s, 1, room_id);
	return first_text(s);
}

int store_direct_is(struct store *st, const char *room_id, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM direct_rooms WHERE room_id = ? AND "
					 "user_id = ?");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	rc = store_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_direct_making(struct store *st, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM direct_rooms WHERE user_id = ? AND "
					 "room_id IS NULL");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	rc = store_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_direct_begin(struct store *st, const char *user_id, int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO direct_rooms(user_id, room_id, since_ms) "
					 "VALUES (?, NULL, ?) ON CONFLICT(user_id) DO UPDATE SET "
					 "room_id = NULL, since_ms = excluded.since_ms");

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	store_bind_i64(s, 2, now_ms);
	return store_exec_stmt(st, s);
}

int store_direct_set(struct store *st, const char *user_id, const char *room_id,
		     int64_t now_ms)
{
	sqlite3_stmt *s;

	/* a room is one member's at most */
	s = store_stmt(st, "DELETE FROM direct_rooms WHERE room_id = ? AND user_id != ?");
	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	if (store_exec_stmt(st, s))
		return -1;
	s = store_stmt(st, "INSERT INTO direct_rooms(user_id, room_id, since_ms) VALUES (?, ?, ?) "
			   "ON CONFLICT(user_id) DO UPDATE SET room_id = excluded.room_id, "
			   "since_ms = excluded.since_ms");
	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	store_bind_text(s, 2, room_id);
	store_bind_i64(s, 3, now_ms);
	return store_exec_stmt(st, s);
}

int store_direct_forget_room(struct store *st, const char *room_id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM direct_rooms WHERE room_id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	return store_exec_stmt(st, s);
}

int store_direct_forget_user(struct store *st, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM direct_rooms WHERE user_id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	return store_exec_stmt(st, s);
}

int store_direct_all(struct store *st, struct strv *users, struct strv *rooms)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id, room_id FROM direct_rooms WHERE "
					 "room_id IS NOT NULL ORDER BY user_id");
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		strv_push_owned(users, store_col_text(s, 0));
		strv_push_owned(rooms, store_col_text(s, 1));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "reading the direct rooms");
		strv_release(users);
		strv_release(rooms);
		return -1;
	}
	return 0;
}

static int col_or_unset(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int(s, i);
}

int store_prefs_get(struct store *st, const char *user_id, struct store_prefs *out)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT dm, quiet_start, quiet_end FROM prefs "
					 "WHERE user_id = ?");
	int rc;

	out->dm = out->quiet_start = out->quiet_end = -1;
	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	rc = store_step(s);
	if (rc == SQLITE_ROW) {
		out->dm = col_or_unset(s, 0);
		out->quiet_start = col_or_unset(s, 1);
		out->quiet_end = col_or_unset(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "reading a member's settings");
		return -1;
	}
	return 0;
}

static void bind_or_null(sqlite3_stmt *s, int i, int v)
{
	if (v < 0)
		sqlite3_bind_null(s, i);
	else
		store_bind_i64(s, i, v);
}

int store_prefs_set(struct store *st, const char *user_id, const struct store_prefs *p)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO prefs(user_id, dm, quiet_start, quiet_end) VALUES (?, ?, ?, ?) "
		"ON CONFLICT(user_id) DO UPDATE SET dm = excluded.dm, "
		"quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end");

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	bind_or_null(s, 2, p->dm);
	bind_or_null(s, 3, p->quiet_start);
	bind_or_null(s, 4, p->quiet_end);
	return store_exec_stmt(st, s);
}
