/*
 * store_people.c - the queries behind reactions as commands and shifts
 * (see store_people.h): bot_events, reactions, coverage.until_s.
 */
#include "store_people.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

int store_bot_event_add(struct store *st, const char *event_id, const char *room_id,
			const char *about, int64_t sent_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO bot_events(event_id, room_id, about, "
					 "sent_ms) VALUES (?, ?, ?, ?) "
					 "ON CONFLICT(event_id) DO NOTHING");

	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, about);
	store_bind_i64(s, 4, sent_ms);
	return store_exec_stmt(st, s);
}

int store_bot_event_about(struct store *st, const char *room_id, const char *event_id,
			  char **about)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT about FROM bot_events WHERE event_id = ? "
					 "AND room_id = ?");
	int rc;

	*about = NULL;
	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_text(s, 2, room_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*about = store_col_text(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "read a message of the bot");
		return -1;
	}
	return *about ? 0 : 1;
}

int store_action_by_event(struct store *st, const char *room_id, const char *event_id,
			  int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT a.id FROM actions a JOIN log l ON "
					 "a.log_id = l.id WHERE l.event_id = ? AND "
					 "l.room_id = ? AND l.kind = 'action'");
	int rc;

	*id = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_text(s, 2, room_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "find an action by its message");
		return -1;
	}
	return *id ? 0 : 1;
}

int store_reaction_add(struct store *st, const char *event_id, const char *room_id,
		       const char *sender, const char *target, int64_t session_id,
		       int64_t ts_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO reactions(event_id, room_id, sender, "
					 "target, session_id, ts_ms) VALUES (?, ?, ?, ?, ?, ?) "
					 "ON CONFLICT(event_id) DO NOTHING");

	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, sender);
	store_bind_text(s, 4, target);
	store_bind_i64(s, 5, session_id);
	store_bind_i64(s, 6, ts_ms);
	return store_exec_stmt(st, s);
}

int store_reaction_take(struct store *st, const char *room_id, const char *event_id,
			char **sender, char **target, int64_t *session_id, int64_t *others)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT sender, session_id, target FROM reactions "
					 "WHERE event_id = ? AND room_id = ?");
	int rc;

	*sender = NULL;
	*target = NULL;
	*session_id = 0;
	*others = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_text(s, 2, room_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*sender = store_col_text(s, 0);
		*session_id = sqlite3_column_int64(s, 1);
		*target = store_col_text(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "read a reaction");
		return -1;
	}
	if (!*sender) {
		free(*target);
		*target = NULL;
		return 1;
	}
	s = store_stmt(st, "DELETE FROM reactions WHERE event_id = ?");
	if (!s)
		goto fail;
	store_bind_text(s, 1, event_id);
	if (store_exec_stmt(st, s))
		goto fail;
	s = store_stmt(st, "SELECT count(*) FROM reactions WHERE session_id = ? AND sender = ?");
	if (!s)
		goto fail;
	store_bind_i64(s, 1, *session_id);
	store_bind_text(s, 2, *sender);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*others = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		store_fail(st, "count reactions");
		goto fail;
	}
	return 0;
fail:
	free(*sender);
	free(*target);
	*sender = NULL;
	*target = NULL;
	return -1;
}

int store_people_purge(struct store *st, int64_t before_ms)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM bot_events WHERE sent_ms < ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, before_ms);
	if (store_exec_stmt(st, s))
		return -1;
	s = store_stmt(st, "DELETE FROM reactions WHERE ts_ms < ?");
	if (!s)
		return -1;
	store_bind_i64(s, 1, before_ms);
	return store_exec_stmt(st, s);
}

int store_cover_set_until(struct store *st, int64_t issue_id, const char *user_id,
			  int64_t until_s)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE coverage SET until_s = ? WHERE issue_id = ? "
					 "AND user_id = ?");

	if (!s)
		return -1;
	if (until_s > 0)
		store_bind_i64(s, 1, until_s);
	else
		sqlite3_bind_null(s, 1);
	store_bind_i64(s, 2, issue_id);
	store_bind_text(s, 3, user_id);
	return store_exec_stmt(st, s);
}

int64_t store_cover_until(struct store *st, int64_t issue_id, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT until_s FROM coverage WHERE issue_id = ? AND "
					 "user_id = ?");
	int64_t until = 0;
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, user_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		until = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "read a cover's end");
		return -1;
	}
	return until;
}

void store_shift_end_list_release(struct shift_end_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].user_id);
		free(l->v[i].role);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int store_shift_ended(struct store *st, int64_t now_s, size_t max, struct shift_end_list *out)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT issue_id, user_id, role, until_s FROM coverage "
					 "WHERE until_s IS NOT NULL AND until_s <= ? "
					 "ORDER BY until_s, issue_id, user_id LIMIT ?");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, now_s);
	store_bind_i64(s, 2, (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct shift_end *e;

		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		e = &out->v[out->n++];
		e->issue_id = sqlite3_column_int64(s, 0);
		e->user_id = store_col_text(s, 1);
		e->role = store_col_text(s, 2);
		e->until_s = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list ended shifts");
		return -1;
	}
	return 0;
}
