/*
 * store_room.c - queries for rooms and members and last-spoke times (see
 * store_room.h).
 */
#include "store_room.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int store_member_set(struct store *st, const char *room_id, const char *user_id,
		     const char *display_name, const char *membership, int power)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO members(room_id, user_id, display_name, membership, power) "
		"VALUES (?, ?, ?, ?, ?) ON CONFLICT(room_id, user_id) DO UPDATE SET "
		"display_name = excluded.display_name, membership = excluded.membership, "
		"power = excluded.power");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	store_bind_text(s, 3, display_name);
	store_bind_text(s, 4, membership);
	store_bind_i64(s, 5, power);
	return store_exec_stmt(st, s);
}

int store_member_room_unknown(struct store *st, const char *room_id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE members SET membership = 'unknown' "
					 "WHERE room_id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	return store_exec_stmt(st, s);
}

int store_member_joined(struct store *st, const char *room_id, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM members WHERE room_id = ? AND "
					 "user_id = ? AND membership = 'join'");
	int rc;

	if (!s)
		return 0;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	rc = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return rc;
}

char *store_member_state(struct store *st, const char *room_id, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT membership FROM members WHERE room_id = ? AND "
					 "user_id = ?");
	char *v = NULL;

	if (!s)
		return NULL;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = store_col_text(s, 0);
	sqlite3_reset(s);
	return v;
}

char *store_member_name(struct store *st, const char *room_id, const char *user_id)
{
	/* two statements: with the room given, the primary key finds the one
	 * row (one with "?2 IS NULL OR" walked all of the user's rooms) */
	sqlite3_stmt *s = room_id ?
		store_stmt(st, "SELECT display_name FROM members WHERE room_id = ?2 AND "
			   "user_id = ?1 AND display_name IS NOT NULL AND display_name != ''") :
		store_stmt(st, "SELECT display_name FROM members WHERE user_id = ?1 AND "
			   "display_name IS NOT NULL AND display_name != '' "
			   "ORDER BY membership = 'join' DESC LIMIT 1");
	char *name = NULL;

	if (!s)
		return NULL;
	store_bind_text(s, 1, user_id);
	if (room_id)
		store_bind_text(s, 2, room_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		name = store_col_text(s, 0);
	sqlite3_reset(s);
	return name;
}

int store_member_by_name(struct store *st, const char *room_id, const char *name,
			 char **user_id)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT user_id FROM members WHERE room_id = ? AND membership = 'join' "
		"AND display_name = ? COLLATE NOCASE LIMIT 2");
	int n = 0, rc;

	*user_id = NULL;
	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n++ == 0)
			*user_id = store_col_text(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(*user_id);
		*user_id = NULL;
		return -1;
	}
	if (n == 1)
		return 0;
	free(*user_id);
	*user_id = NULL;
	return n == 0 ? 1 : 2;
}

int store_member_power(struct store *st, const char *room_id, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT power FROM members WHERE room_id = ? AND "
					 "user_id = ? AND membership = 'join'");
	int p = 0;

	if (!s)
		return 0;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		p = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return p;
}

int64_t store_last_spoke(struct store *st, const char *room_id, const char *user_id)
{
	sqlite3_stmt *s;
	int64_t ts = 0;

	if (store_spoke_flush(st))
		return 0;
	s = store_stmt(st, "SELECT ts_ms FROM last_spoke WHERE room_id = ? AND user_id = ?");
	if (!s)
		return 0;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		ts = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return ts;
}

static int spoke_write(struct store *st, const char *room_id, const char *user_id,
		       int64_t ts_ms)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO last_spoke(room_id, user_id, ts_ms) VALUES (?, ?, ?) "
		"ON CONFLICT(room_id, user_id) DO UPDATE SET ts_ms = max(ts_ms, excluded.ts_ms)");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, user_id);
	store_bind_i64(s, 3, ts_ms);
	return store_exec_stmt(st, s);
}

void store_spoke_drop(struct store *st)
{
	for (size_t i = 0; i < st->n_spoke; i++) {
		free(st->spoke[i].room_id);
		free(st->spoke[i].user_id);
	}
	st->n_spoke = 0;
}

int store_spoke_flush(struct store *st)
{
	int rc = 0;

	for (size_t i = 0; i < st->n_spoke && !rc; i++)
		rc = spoke_write(st, st->spoke[i].room_id, st->spoke[i].user_id,
				 st->spoke[i].ts_ms);
	/* on failure the transaction is rolled back, and these with it */
	store_spoke_drop(st);
	return rc;
}

int store_last_spoke_set(struct store *st, const char *room_id, const char *user_id,
			 int64_t ts_ms)
{
	struct spoke *p;

	if (st->depth == 0)
		return spoke_write(st, room_id, user_id, ts_ms);
	for (size_t i = 0; i < st->n_spoke; i++) {
		p = &st->spoke[i];
		if (!strcmp(p->room_id, room_id) && !strcmp(p->user_id, user_id)) {
			if (ts_ms > p->ts_ms)
				p->ts_ms = ts_ms;
			return 0;
		}
	}
	if (st->n_spoke == STORE_SPOKE_MAX && store_spoke_flush(st))
		return -1;
	p = &st->spoke[st->n_spoke++];
	p->room_id = xstrdup(room_id);
	p->user_id = xstrdup(user_id);
	p->ts_ms = ts_ms;
	return 0;
}
