/*
 * store_session.c - queries for sessions, attendees and !remind rows (see
 * store_session.h).  A cancelled session stays in the table, marked, so
 * catch-up and the digest can tell people it was called off.
 */
#include "store_session.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* The columns every session read returns, in read_row()'s order. */
#define SESSION_COLS                                                            \
	"s.id, s.issue_id, i.name, i.room_id, s.title, s.place, s.start_s, "   \
	"s.end_s, s.created_by, s.created_ms, s.updated_ms, s.cancelled_ms, "  \
	"s.sequence "                                                           \
	"FROM sessions s JOIN issues i ON i.id = s.issue_id "

void store_session_release(struct session *s)
{
	if (!s)
		return;
	free(s->issue_name);
	free(s->issue_room);
	free(s->title);
	free(s->place);
	free(s->created_by);
	strv_release(&s->attendees);
	memset(s, 0, sizeof(*s));
}

void store_session_list_release(struct session_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		store_session_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void read_row(sqlite3_stmt *s, struct session *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(s, 0);
	out->issue_id = sqlite3_column_int64(s, 1);
	out->issue_name = store_col_text(s, 2);
	out->issue_room = store_col_text(s, 3);
	out->title = store_col_text(s, 4);
	out->place = store_col_text(s, 5);
	out->start_s = sqlite3_column_int64(s, 6);
	out->end_s = sqlite3_column_int64(s, 7);
	out->created_by = store_col_text(s, 8);
	out->created_ms = sqlite3_column_int64(s, 9);
	out->updated_ms = sqlite3_column_int64(s, 10);
	out->cancelled_ms = sqlite3_column_int64(s, 11);        /* NULL reads 0 */
	out->sequence = sqlite3_column_int64(s, 12);
}

static int read_attendees(struct store *st, struct session *sess)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id FROM attendees WHERE session_id = ? "
					 "ORDER BY added_ms, user_id");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, sess->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(&sess->attendees, store_col_text(s, 0));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list attendees");
		return -1;
	}
	return 0;
}

/* Step s (bound by the caller) to the end, appending its rows to out, then
 * read each one's attendees.  With unattended, keep only empty ones. */
static int read_list(struct store *st, sqlite3_stmt *s, int unattended,
		     struct session_list *out)
{
	size_t first = out->n, keep;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		read_row(s, &out->v[out->n++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list sessions");
		return -1;
	}
	/* attendees are read after the list statement is reset: the cache
	 * hands out one statement object per SQL text */
	for (size_t i = first; i < out->n; i++)
		if (read_attendees(st, &out->v[i]))
			return -1;
	if (!unattended)
		return 0;
	keep = first;
	for (size_t i = first; i < out->n; i++) {
		if (out->v[i].attendees.n)
			store_session_release(&out->v[i]);
		else
			out->v[keep++] = out->v[i];
	}
	out->n = keep;
	return 0;
}

int store_session_add(struct store *st, int64_t issue_id, const char *title,
		      const char *place, int64_t start_s, int64_t end_s,
		      const char *created_by, int64_t now_ms, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO sessions(issue_id, title, place, start_s, end_s, created_by, "
		"created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?7, ?7)");

	*id = 0;
	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, title);
	store_bind_text(s, 3, place);
	store_bind_i64(s, 4, start_s);
	store_bind_i64(s, 5, end_s);
	store_bind_text(s, 6, created_by);
	store_bind_i64(s, 7, now_ms);
	if (store_exec_stmt(st, s))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_session_get(struct store *st, int64_t id, struct session *out)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " SESSION_COLS "WHERE s.id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_row(s, out);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW) {
		store_fail(st, "read session");
		return -1;
	}
	if (read_attendees(st, out)) {
		store_session_release(out);
		return -1;
	}
	return 0;
}

int store_session_list(struct store *st, int64_t issue_id, int64_t from_s,
		       int64_t to_s, int unattended, struct session_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " SESSION_COLS "WHERE s.cancelled_ms IS NULL AND "
		"(?1 = 0 OR s.issue_id = ?1) AND s.end_s > ?2 AND s.start_s < ?3 "
		"ORDER BY s.start_s, s.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, from_s);
	store_bind_i64(s, 3, to_s);
	return read_list(st, s, unattended, out);
}

int store_session_of_issue(struct store *st, int64_t issue_id, int64_t since_s,
			   struct session_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " SESSION_COLS "WHERE s.issue_id = ? AND s.end_s > ? "
		"ORDER BY s.start_s, s.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, since_s);
	return read_list(st, s, 0, out);
}

int store_session_of_member(struct store *st, const char *user_id, int64_t since_s,
			    int64_t cancelled_since_ms, struct session_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " SESSION_COLS "WHERE s.end_s > ?2 AND "
		"(s.cancelled_ms IS NULL OR s.cancelled_ms >= ?3) AND "
		"(EXISTS (SELECT 1 FROM attendees a WHERE a.session_id = s.id AND a.user_id = ?1) "
		" OR EXISTS (SELECT 1 FROM coverage c WHERE c.issue_id = s.issue_id AND "
		"            c.user_id = ?1)) "
		"ORDER BY s.start_s, s.id");

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	store_bind_i64(s, 2, since_s);
	store_bind_i64(s, 3, cancelled_since_ms);
	return read_list(st, s, 0, out);
}

/* Live sessions of issue_id (0: every issue) starting in [from_s, to_s);
 * with in_room, only those whose issue has a room. */
static int starting(struct store *st, int64_t issue_id, int64_t from_s, int64_t to_s,
		    int in_room, struct session_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " SESSION_COLS "WHERE (?1 = 0 OR s.issue_id = ?1) AND "
		"(?4 = 0 OR i.room_id IS NOT NULL) AND s.cancelled_ms IS NULL AND "
		"s.start_s >= ?2 AND s.start_s < ?3 ORDER BY s.start_s, s.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, from_s);
	store_bind_i64(s, 3, to_s);
	store_bind_i64(s, 4, in_room);
	return read_list(st, s, 0, out);
}

int store_session_starting(struct store *st, int64_t from_s, int64_t to_s,
			   struct session_list *out)
{
	return starting(st, 0, from_s, to_s, 1, out);
}

int store_session_between(struct store *st, int64_t issue_id, int64_t from_s,
			  int64_t to_s, struct session_list *out)
{
	return starting(st, issue_id, from_s, to_s, 0, out);
}

int store_session_changed(struct store *st, int64_t issue_id, int64_t since_ms,
			  int64_t until_ms, struct session_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " SESSION_COLS "WHERE (?1 = 0 OR s.issue_id = ?1) AND "
		"((s.created_ms >= ?2 AND s.created_ms < ?3) OR "
		"(s.updated_ms >= ?2 AND s.updated_ms < ?3) OR "
		"(s.cancelled_ms >= ?2 AND s.cancelled_ms < ?3)) "
		"ORDER BY max(s.created_ms, s.updated_ms, COALESCE(s.cancelled_ms, 0)), s.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, since_ms);
	store_bind_i64(s, 3, until_ms);
	return read_list(st, s, 0, out);
}

int store_session_move(struct store *st, int64_t id, int64_t start_s, int64_t end_s,
		       int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE sessions SET start_s = ?, end_s = ?, "
					 "updated_ms = ?, sequence = sequence + 1 WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, start_s);
	store_bind_i64(s, 2, end_s);
	store_bind_i64(s, 3, now_ms);
	store_bind_i64(s, 4, id);
	return store_exec_stmt(st, s);
}

int store_session_cancel(struct store *st, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE sessions SET cancelled_ms = ?1, "
					 "updated_ms = ?1 WHERE id = ?2");

	if (!s)
		return -1;
	store_bind_i64(s, 1, now_ms);
	store_bind_i64(s, 2, id);
	return store_exec_stmt(st, s);
}

int store_session_attend(struct store *st, int64_t id, const char *user_id,
			 int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO attendees(session_id, "
					 "user_id, added_ms) VALUES (?, ?, ?)");

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	store_bind_text(s, 2, user_id);
	store_bind_i64(s, 3, now_ms);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(st->db) ? 0 : 1;
}

int store_session_skip(struct store *st, int64_t id, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM attendees WHERE session_id = ? AND "
					 "user_id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	store_bind_text(s, 2, user_id);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(st->db) ? 0 : 1;
}

void store_clash_list_release(struct clash_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].user);
		free(l->v[i].title);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int store_session_clashes(struct store *st, int64_t except_id, int64_t start_s,
			  int64_t end_s, const struct strv *users, struct clash_list *out)
{
	for (size_t u = 0; u < users->n; u++) {
		sqlite3_stmt *s = store_stmt(st,
			"SELECT s.id, s.title, s.start_s, s.end_s FROM attendees a "
			"JOIN sessions s ON s.id = a.session_id WHERE a.user_id = ? AND "
			"s.cancelled_ms IS NULL AND s.id != ? AND s.start_s < ? AND "
			"s.end_s > ? ORDER BY s.start_s, s.id");
		int rc;

		if (!s)
			return -1;
		store_bind_text(s, 1, users->v[u]);
		store_bind_i64(s, 2, except_id);
		store_bind_i64(s, 3, end_s);
		store_bind_i64(s, 4, start_s);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct session_clash *c;

			out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			c = &out->v[out->n++];
			c->user = xstrdup(users->v[u]);
			c->id = sqlite3_column_int64(s, 0);
			c->title = store_col_text(s, 1);
			c->start_s = sqlite3_column_int64(s, 2);
			c->end_s = sqlite3_column_int64(s, 3);
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			store_fail(st, "find clashes");
			return -1;
		}
	}
	return 0;
}

void store_reminder_list_release(struct reminder_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].room_id);
		free(l->v[i].sender);
		free(l->v[i].text);
		free(l->v[i].reply_to);
		free(l->v[i].thread_root);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int store_reminder_add(struct store *st, const char *room_id, const char *sender,
		       const char *text, int64_t due_s, int64_t now_ms,
		       const char *reply_to, const char *thread_root, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO reminders(room_id, sender, text, due_s, created_ms, reply_to, "
		"thread_root) VALUES (?, ?, ?, ?, ?, ?, ?)");

	*id = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, sender);
	store_bind_text(s, 3, text);
	store_bind_i64(s, 4, due_s);
	store_bind_i64(s, 5, now_ms);
	store_bind_text(s, 6, reply_to);
	store_bind_text(s, 7, thread_root);
	if (store_exec_stmt(st, s))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_reminder_due(struct store *st, int64_t now_s, size_t limit,
		       struct reminder_list *out)
{
	/*
	 * Fair: every sender's first due reminder comes before anyone's
	 * second, and among equals each room's first before a room's second,
	 * so one person's (or one room's) thousand reminders hold nobody
	 * else's up.  One already handed out (its due key is
	 * recorded) is marked sent first and skipped.
	 */
	sqlite3_stmt *s = store_stmt(st,
		"UPDATE reminders SET sent_ms = ?2 WHERE sent_ms IS NULL AND due_s <= ?1 AND "
		"EXISTS (SELECT 1 FROM due_sent d WHERE d.key = 'remind:' || reminders.id)");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, now_s);
	store_bind_i64(s, 2, now_s * 1000);
	if (store_exec_stmt(st, s))
		return -1;
	s = store_stmt(st,
		"SELECT id, room_id, sender, text, due_s, reply_to, thread_root FROM "
		"(SELECT *, row_number() OVER (PARTITION BY sender ORDER BY due_s, id) AS by_user, "
		"row_number() OVER (PARTITION BY room_id ORDER BY due_s, id) AS by_room "
		"FROM reminders WHERE sent_ms IS NULL AND due_s <= ?1) "
		"ORDER BY by_user, by_room, due_s, id LIMIT ?2");
	if (!s)
		return -1;
	store_bind_i64(s, 1, now_s);
	store_bind_i64(s, 2, (int64_t)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct reminder *r;

		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		r = &out->v[out->n++];
		r->id = sqlite3_column_int64(s, 0);
		r->room_id = store_col_text(s, 1);
		r->sender = store_col_text(s, 2);
		r->text = store_col_text(s, 3);
		r->due_s = sqlite3_column_int64(s, 4);
		r->reply_to = store_col_text(s, 5);
		r->thread_root = store_col_text(s, 6);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list reminders");
		return -1;
	}
	return 0;
}

int64_t store_reminder_open(struct store *st, const char *sender)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM reminders WHERE sender = ? AND "
					 "sent_ms IS NULL");
	int64_t n = -1;

	if (!s)
		return -1;
	store_bind_text(s, 1, sender);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else
		store_fail(st, "count reminders");
	sqlite3_reset(s);
	return n;
}

int store_reminder_sent(struct store *st, int64_t id, int64_t sent_ms)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE reminders SET sent_ms = ? WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, sent_ms);
	store_bind_i64(s, 2, id);
	return store_exec_stmt(st, s);
}
