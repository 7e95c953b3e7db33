/*
 * store_crypto.c - rows behind end-to-end encryption (schema step 3):
 * Olm and Megolm session pickles, device lists, events waiting for their
 * room key and queued to-device sends.  All in the caller's transaction.
 */
#include "store_crypto.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Finish a SELECT loop: 0 when it ended cleanly, else -1 (logged). */
static int done(struct store *st, sqlite3_stmt *s, int rc, const char *what)
{
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, what);
		return -1;
	}
	return 0;
}

/* One row expected: 1 (row left for the caller to read, then reset), 0
 * when none (reset), -1 on error. */
static int one(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 1;
	return done(st, s, rc, what) ? -1 : 0;
}

int store_room_set_encrypted(struct store *st, const char *room_id, int64_t rotation_ms,
			     int64_t rotation_msgs)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO rooms(room_id, encrypted, rotation_ms, rotation_msgs) "
		"VALUES (?1, 1, ?2, ?3) ON CONFLICT(room_id) DO UPDATE SET encrypted = 1, "
		"rotation_ms = ?2, rotation_msgs = ?3");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_i64(s, 2, rotation_ms > 0 ? rotation_ms : 0);
	store_bind_i64(s, 3, rotation_msgs > 0 ? rotation_msgs : 0);
	return store_exec_stmt(st, s);
}

int store_room_encrypted(struct store *st, const char *room_id, int64_t *ms, int64_t *msgs)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT encrypted, IFNULL(rotation_ms, 0), "
					 "IFNULL(rotation_msgs, 0) FROM rooms WHERE room_id = ?");
	int rc, enc;

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	if ((rc = one(st, s, "reading room encryption")) <= 0)
		return rc;
	enc = sqlite3_column_int(s, 0) != 0;
	if (ms)
		*ms = sqlite3_column_int64(s, 1);
	if (msgs)
		*msgs = sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	return enc;
}

int store_room_recipients(struct store *st, const char *room_id, struct strv *users)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id FROM members WHERE room_id = ? "
					 "AND membership IN ('join', 'invite') ORDER BY user_id");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(users, store_col_text(s, 0));
	return done(st, s, rc, "reading room members");
}

int store_olm_sessions(struct store *st, const char *curve, struct olm_row **rows, size_t *n)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT session_id, pickle FROM olm_sessions "
					 "WHERE curve25519 = ? ORDER BY used_ms DESC, rowid DESC");
	int rc;

	*rows = NULL;
	*n = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, curve);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
		(*rows)[*n].session_id = store_col_text(s, 0);
		(*rows)[*n].pickle = store_col_text(s, 1);
		(*n)++;
	}
	return done(st, s, rc, "reading Olm sessions");
}

void store_olm_rows_free(struct olm_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].session_id);
		free(rows[i].pickle);
	}
	free(rows);
}

int store_olm_put(struct store *st, const char *session_id, const char *curve,
		  const char *pickle, int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO olm_sessions(session_id, curve25519, pickle, created_ms, used_ms) "
		"VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(session_id) DO UPDATE SET "
		"pickle = excluded.pickle, used_ms = excluded.used_ms");

	if (!s)
		return -1;
	store_bind_text(s, 1, session_id);
	store_bind_text(s, 2, curve);
	store_bind_text(s, 3, pickle);
	store_bind_i64(s, 4, now_ms);
	return store_exec_stmt(st, s);
}

int store_megolm_in_get(struct store *st, const char *room_id, const char *session_id,
			struct megolm_in *m)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT sender, sender_key, ed25519, first_index, "
					 "pickle FROM megolm_in WHERE room_id = ? "
					 "AND session_id = ?");
	int rc;

	memset(m, 0, sizeof(*m));
	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, session_id);
	if ((rc = one(st, s, "reading a Megolm session")) <= 0)
		return rc;
	m->sender = store_col_text(s, 0);
	m->sender_key = store_col_text(s, 1);
	m->ed25519 = store_col_text(s, 2);
	m->first_index = sqlite3_column_int64(s, 3);
	m->pickle = store_col_text(s, 4);
	sqlite3_reset(s);
	return 1;
}

void store_megolm_in_release(struct megolm_in *m)
{
	free(m->sender);
	free(m->sender_key);
	free(m->ed25519);
	free(m->pickle);
	memset(m, 0, sizeof(*m));
}

int store_megolm_in_put(struct store *st, const char *room_id, const char *session_id,
			const struct megolm_in *m)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO megolm_in(room_id, session_id, sender, sender_key, ed25519, "
		"first_index, pickle) VALUES (?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT(room_id, session_id) DO UPDATE SET sender = excluded.sender, "
		"sender_key = excluded.sender_key, ed25519 = excluded.ed25519, "
		"first_index = excluded.first_index, pickle = excluded.pickle");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, session_id);
	store_bind_text(s, 3, m->sender);
	store_bind_text(s, 4, m->sender_key);
	store_bind_text(s, 5, m->ed25519);
	store_bind_i64(s, 6, m->first_index);
	store_bind_text(s, 7, m->pickle);
	return store_exec_stmt(st, s);
}

int store_megolm_seen(struct store *st, const char *session_id, int64_t index,
		      const char *event_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT event_id FROM megolm_seen "
					 "WHERE session_id = ? AND msg_index = ?");
	int rc, same;

	if (!s)
		return -1;
	store_bind_text(s, 1, session_id);
	store_bind_i64(s, 2, index);
	if ((rc = one(st, s, "reading the replay table")) < 0)
		return -1;
	if (rc == 1) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		same = t && !strcmp((const char *)t, event_id);
		sqlite3_reset(s);
		return same ? 0 : 1;
	}
	s = store_stmt(st, "INSERT INTO megolm_seen(session_id, msg_index, event_id) "
			   "VALUES (?, ?, ?)");
	if (!s)
		return -1;
	store_bind_text(s, 1, session_id);
	store_bind_i64(s, 2, index);
	store_bind_text(s, 3, event_id);
	return store_exec_stmt(st, s);
}

int store_megolm_out_get(struct store *st, const char *room_id, struct megolm_out *m)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT session_id, pickle, created_ms, msgs, invalid "
					 "FROM megolm_out WHERE room_id = ?");
	int rc;

	memset(m, 0, sizeof(*m));
	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	if ((rc = one(st, s, "reading an outbound Megolm session")) <= 0)
		return rc;
	m->session_id = store_col_text(s, 0);
	m->pickle = store_col_text(s, 1);
	m->created_ms = sqlite3_column_int64(s, 2);
	m->msgs = sqlite3_column_int64(s, 3);
	m->invalid = sqlite3_column_int(s, 4);
	sqlite3_reset(s);
	return 1;
}

void store_megolm_out_release(struct megolm_out *m)
{
	free(m->session_id);
	free(m->pickle);
	memset(m, 0, sizeof(*m));
}

int store_megolm_out_put(struct store *st, const char *room_id, const struct megolm_out *m)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO megolm_out(room_id, session_id, pickle, created_ms, msgs, invalid) "
		"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(room_id) DO UPDATE SET "
		"session_id = excluded.session_id, pickle = excluded.pickle, "
		"created_ms = excluded.created_ms, msgs = excluded.msgs, "
		"invalid = excluded.invalid");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, m->session_id);
	store_bind_text(s, 3, m->pickle);
	store_bind_i64(s, 4, m->created_ms);
	store_bind_i64(s, 5, m->msgs);
	store_bind_i64(s, 6, m->invalid);
	return store_exec_stmt(st, s);
}

int store_megolm_out_invalidate(struct store *st, const char *room_id)
{
	return store_exec_text(st, "UPDATE megolm_out SET invalid = 1 WHERE room_id = ?", room_id);
}

int store_megolm_shared(struct store *st, const char *session_id, struct strv *out)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id || char(10) || device_id "
					 "FROM megolm_shared WHERE session_id = ?");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, session_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(out, store_col_text(s, 0));
	return done(st, s, rc, "reading who has a room key");
}

int store_megolm_shared_add(struct store *st, const char *session_id, const char *user_id,
			    const char *device_id)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO megolm_shared(session_id, "
					 "user_id, device_id) VALUES (?, ?, ?)");

	if (!s)
		return -1;
	store_bind_text(s, 1, session_id);
	store_bind_text(s, 2, user_id);
	store_bind_text(s, 3, device_id);
	return store_exec_stmt(st, s);
}

static void device_read(sqlite3_stmt *s, struct device_row *d)
{
	d->user_id = store_col_text(s, 0);
	d->device_id = store_col_text(s, 1);
	d->ed25519 = store_col_text(s, 2);
	d->curve25519 = store_col_text(s, 3);
	d->deleted = sqlite3_column_int(s, 4);
}

int store_devices(struct store *st, const char *user_id, struct device_row **rows, size_t *n)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id, device_id, ed25519, curve25519, "
					 "deleted FROM devices WHERE user_id = ? "
					 "ORDER BY device_id");
	int rc;

	*rows = NULL;
	*n = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
		device_read(s, &(*rows)[(*n)++]);
	}
	return done(st, s, rc, "reading devices");
}

void store_device_rows_free(struct device_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].user_id);
		free(rows[i].device_id);
		free(rows[i].ed25519);
		free(rows[i].curve25519);
	}
	free(rows);
}

int store_device_by_curve(struct store *st, const char *user_id, const char *curve,
			  struct device_row *d)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id, device_id, ed25519, curve25519, "
					 "deleted FROM devices WHERE user_id = ? AND "
					 "curve25519 = ? ORDER BY deleted LIMIT 1");
	int rc;

	memset(d, 0, sizeof(*d));
	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	store_bind_text(s, 2, curve);
	if ((rc = one(st, s, "reading a device")) <= 0)
		return rc;
	device_read(s, d);
	sqlite3_reset(s);
	return 1;
}

int store_device_put(struct store *st, const char *user_id, const char *device_id,
		     const char *ed25519, const char *curve25519, int deleted)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO devices(user_id, device_id, ed25519, curve25519, deleted) "
		"VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id, device_id) DO UPDATE SET "
		"ed25519 = excluded.ed25519, curve25519 = excluded.curve25519, "
		"deleted = excluded.deleted");

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	store_bind_text(s, 2, device_id);
	store_bind_text(s, 3, ed25519);
	store_bind_text(s, 4, curve25519);
	store_bind_i64(s, 5, deleted);
	return store_exec_stmt(st, s);
}

int store_tracked_ensure(struct store *st, const char *user_id)
{
	return store_exec_text(st, "INSERT OR IGNORE INTO tracked(user_id) VALUES (?)", user_id);
}

int store_tracked_changed(struct store *st, const char *user_id)
{
	return store_exec_text(st, "UPDATE tracked SET gen = gen + 1 WHERE user_id = ?", user_id);
}

int store_tracked_forget(struct store *st, const char *user_id)
{
	return store_exec_text(st, "DELETE FROM tracked WHERE user_id = ?", user_id);
}

int store_tracked_all_outdated(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE tracked SET gen = gen + 1");

	return s ? store_exec_stmt(st, s) : -1;
}

int store_tracked_outdated(struct store *st, struct strv *users, int64_t **gens)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id, gen FROM tracked WHERE fresh < gen "
					 "ORDER BY user_id");
	int rc;

	*gens = NULL;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*gens = xrealloc(*gens, (users->n + 1) * sizeof(**gens));
		(*gens)[users->n] = sqlite3_column_int64(s, 1);
		strv_push_owned(users, store_col_text(s, 0));
	}
	return done(st, s, rc, "reading outdated device lists");
}

int store_tracked_fresh(struct store *st, const char *user_id, int64_t gen)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE tracked SET fresh = ? WHERE user_id = ? "
					 "AND fresh < ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, gen);
	store_bind_text(s, 2, user_id);
	store_bind_i64(s, 3, gen);
	return store_exec_stmt(st, s);
}

int store_tracked_is_fresh(struct store *st, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT fresh >= gen FROM tracked WHERE user_id = ?");
	int rc, fresh;

	if (!s)
		return -1;
	store_bind_text(s, 1, user_id);
	if ((rc = one(st, s, "reading a device list's state")) <= 0)
		return rc;
	fresh = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return fresh;
}

int store_tracked_from_rooms(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT OR IGNORE INTO tracked(user_id) SELECT DISTINCT m.user_id "
		"FROM members m JOIN rooms r ON r.room_id = m.room_id "
		"WHERE r.encrypted = 1 AND m.membership IN ('join', 'invite')");

	return s ? store_exec_stmt(st, s) : -1;
}

int store_pending_add(struct store *st, const char *event_id, const char *room_id,
		      const char *session_id, const char *sender, const char *event,
		      int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO pending_enc(event_id, room_id, "
					 "session_id, sender, event, first_ms) "
					 "VALUES (?, ?, ?, ?, ?, ?)");

	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, session_id);
	store_bind_text(s, 4, sender);
	store_bind_text(s, 5, event);
	store_bind_i64(s, 6, now_ms);
	return store_exec_stmt(st, s);
}

int store_pending_list(struct store *st, const char *room_id, const char *session_id,
		       int64_t before_ms, struct pending_row **rows, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*rows = NULL;
	*n = 0;
	if (room_id) {
		s = store_stmt(st, "SELECT event_id, room_id, session_id, sender, event "
				   "FROM pending_enc WHERE room_id = ? AND session_id = ? "
				   "ORDER BY first_ms, rowid");
		if (!s)
			return -1;
		store_bind_text(s, 1, room_id);
		store_bind_text(s, 2, session_id);
	} else {
		s = store_stmt(st, "SELECT event_id, room_id, session_id, sender, event "
				   "FROM pending_enc WHERE first_ms < ? ORDER BY first_ms, rowid");
		if (!s)
			return -1;
		store_bind_i64(s, 1, before_ms);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pending_row *p;
		*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
		p = &(*rows)[(*n)++];
		p->event_id = store_col_text(s, 0);
		p->room_id = store_col_text(s, 1);
		p->session_id = store_col_text(s, 2);
		p->sender = store_col_text(s, 3);
		p->event = store_col_text(s, 4);
	}
	return done(st, s, rc, "reading events waiting for keys");
}

void store_pending_rows_free(struct pending_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].event_id);
		free(rows[i].room_id);
		free(rows[i].session_id);
		free(rows[i].sender);
		free(rows[i].event);
	}
	free(rows);
}

int store_pending_del(struct store *st, const char *event_id)
{
	return store_exec_text(st, "DELETE FROM pending_enc WHERE event_id = ?", event_id);
}

int store_told_once(struct store *st, const char *room_id, const char *sender,
		    const char *session_id)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO undecryptable_told(room_id, "
					 "sender, session_id) VALUES (?, ?, ?)");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, sender);
	store_bind_text(s, 3, session_id);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(sqlite3_db_handle(s)) > 0;
}

int store_to_device_add(struct store *st, const char *txn_id, const char *event_type,
			const char *body)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO to_device(txn_id, event_type, body) "
					 "VALUES (?, ?, ?)");

	if (!s)
		return -1;
	store_bind_text(s, 1, txn_id);
	store_bind_text(s, 2, event_type);
	store_bind_text(s, 3, body);
	return store_exec_stmt(st, s);
}

int store_to_device_head(struct store *st, int64_t *id, char **txn_id, char **event_type,
			 char **body)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id, txn_id, event_type, body FROM to_device "
					 "ORDER BY id LIMIT 1");
	int rc;

	if (!s)
		return -1;
	if ((rc = one(st, s, "reading the to-device queue")) <= 0)
		return rc;
	*id = sqlite3_column_int64(s, 0);
	*txn_id = store_col_text(s, 1);
	*event_type = store_col_text(s, 2);
	*body = store_col_text(s, 3);
	sqlite3_reset(s);
	return 1;
}

int store_to_device_del(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM to_device WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	return store_exec_stmt(st, s);
}

int store_to_device_waiting(struct store *st)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM to_device LIMIT 1");
	int rc;

	if (!s)
		return -1;
	if ((rc = one(st, s, "reading the to-device queue")) == 1)
		sqlite3_reset(s);
	return rc;
}
