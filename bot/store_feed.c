/*
 * store_feed.c - queries for the feeds and their items (see store_feed.h).
 * Removing a feed removes its items but not their sessions: people may
 * have signed up to them, and they go on as ordinary sessions.
 */
#include "store_feed.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define FEED_COLS                                                               \
	"id, url, issue, from_config, added_by, added_ms, etag, last_modified, "  \
	"last_fetch_ms, last_ok_ms, last_error, failures, down_told, fetches, "   \
	"events_seen, sessions_made, skipped_unmatched, skipped_other, skip_note " \
	"FROM feeds "

void store_feed_release(struct feed *f)
{
	if (!f)
		return;
	free(f->url);
	free(f->issue);
	free(f->added_by);
	free(f->etag);
	free(f->last_modified);
	free(f->last_error);
	free(f->skip_note);
	memset(f, 0, sizeof(*f));
}

void store_feed_list_release(struct feed_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		store_feed_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void read_feed(sqlite3_stmt *s, struct feed *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->url = store_col_text(s, 1);
	f->issue = store_col_text(s, 2);
	f->from_config = sqlite3_column_int(s, 3);
	f->added_by = store_col_text(s, 4);
	f->added_ms = sqlite3_column_int64(s, 5);
	f->etag = store_col_text(s, 6);
	f->last_modified = store_col_text(s, 7);
	f->last_fetch_ms = sqlite3_column_int64(s, 8);
	f->last_ok_ms = sqlite3_column_int64(s, 9);
	f->last_error = store_col_text(s, 10);
	f->failures = sqlite3_column_int64(s, 11);
	f->down_told = sqlite3_column_int(s, 12);
	f->fetches = sqlite3_column_int64(s, 13);
	f->events_seen = sqlite3_column_int64(s, 14);
	f->sessions_made = sqlite3_column_int64(s, 15);
	f->skipped_unmatched = sqlite3_column_int64(s, 16);
	f->skipped_other = sqlite3_column_int64(s, 17);
	f->skip_note = store_col_text(s, 18);
}

static int feed_by_url(struct store *st, const char *url, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id FROM feeds WHERE url = ?");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, url);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "find feed");
		return -1;
	}
	return rc == SQLITE_ROW ? 0 : 1;
}

int store_feed_add(struct store *st, const char *url, const char *issue, int from_config,
		   const char *added_by, int64_t now_ms, int64_t *id)
{
	sqlite3_stmt *s;
	int rc = feed_by_url(st, url, id);

	if (rc <= 0)
		return rc ? -1 : 1;
	s = store_stmt(st, "INSERT INTO feeds(url, issue, from_config, added_by, added_ms) "
			   "VALUES (?, ?, ?, ?, ?)");
	if (!s)
		return -1;
	store_bind_text(s, 1, url);
	store_bind_text(s, 2, issue);
	store_bind_i64(s, 3, from_config);
	store_bind_text(s, 4, added_by);
	store_bind_i64(s, 5, now_ms);
	if (store_exec_stmt(st, s))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_feed_list(struct store *st, struct feed_list *out)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " FEED_COLS "ORDER BY id");
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		read_feed(s, &out->v[out->n++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list feeds");
		return -1;
	}
	return 0;
}

int store_feed_get(struct store *st, int64_t id, struct feed *out)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT " FEED_COLS "WHERE id = ?");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_feed(s, out);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "get feed");
		return -1;
	}
	return rc == SQLITE_ROW ? 0 : 1;
}

int store_feed_remove(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM feeds WHERE id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(st->db) ? 0 : 1;
}

int store_feed_save(struct store *st, const struct feed *f)
{
	sqlite3_stmt *s = store_stmt(st,
		"UPDATE feeds SET etag = ?, last_modified = ?, last_fetch_ms = ?, last_ok_ms = ?, "
		"last_error = ?, failures = ?, down_told = ?, fetches = ?, events_seen = ?, "
		"sessions_made = ?, skipped_unmatched = ?, skipped_other = ?, skip_note = ? "
		"WHERE id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, f->etag);
	store_bind_text(s, 2, f->last_modified);
	store_bind_i64(s, 3, f->last_fetch_ms);
	store_bind_i64(s, 4, f->last_ok_ms);
	store_bind_text(s, 5, f->last_error);
	store_bind_i64(s, 6, f->failures);
	store_bind_i64(s, 7, f->down_told);
	store_bind_i64(s, 8, f->fetches);
	store_bind_i64(s, 9, f->events_seen);
	store_bind_i64(s, 10, f->sessions_made);
	store_bind_i64(s, 11, f->skipped_unmatched);
	store_bind_i64(s, 12, f->skipped_other);
	store_bind_text(s, 13, f->skip_note);
	store_bind_i64(s, 14, f->id);
	return store_exec_stmt(st, s);
}

int store_feed_sync_config(struct store *st, const char *const *urls,
			   const char *const *issues, size_t n, const char *added_by,
			   int64_t now_ms)
{
	sqlite3_stmt *s;
	int64_t id;

	/* mark every configured feed, unmark as they are met, drop the rest */
	if (!(s = store_stmt(st, "UPDATE feeds SET from_config = 2 WHERE from_config = 1")) ||
	    store_exec_stmt(st, s))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (store_feed_add(st, urls[i], issues[i], 1, added_by, now_ms, &id) < 0)
			return -1;
		s = store_stmt(st, "UPDATE feeds SET from_config = 1, issue = ? WHERE id = ?");
		if (!s)
			return -1;
		store_bind_text(s, 1, issues[i]);
		store_bind_i64(s, 2, id);
		if (store_exec_stmt(st, s))
			return -1;
	}
	s = store_stmt(st, "DELETE FROM feeds WHERE from_config = 2");
	return s ? store_exec_stmt(st, s) : -1;
}

/* ---- items ---- */

void store_feed_item_list_release(struct feed_item_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].uid);
		free(l->v[i].title);
		free(l->v[i].place);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int store_feed_items(struct store *st, int64_t feed_id, struct feed_item_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT uid, recurrence_s, session_id, start_s, end_s, title, place, cancelled, "
		"by_hand FROM feed_items WHERE feed_id = ? ORDER BY uid, recurrence_s");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, feed_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct feed_item *it;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		it = &out->v[out->n++];
		it->uid = store_col_text(s, 0);
		it->recurrence_s = sqlite3_column_int64(s, 1);
		it->session_id = sqlite3_column_int64(s, 2);
		it->start_s = sqlite3_column_int64(s, 3);
		it->end_s = sqlite3_column_int64(s, 4);
		it->title = store_col_text(s, 5);
		it->place = store_col_text(s, 6);
		it->cancelled = sqlite3_column_int(s, 7);
		it->by_hand = sqlite3_column_int(s, 8);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list feed items");
		return -1;
	}
	return 0;
}

int store_feed_item_put(struct store *st, int64_t feed_id, const struct feed_item *it)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT OR REPLACE INTO feed_items(feed_id, uid, recurrence_s, session_id, start_s, "
		"end_s, title, place, cancelled, by_hand) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

	if (!s)
		return -1;
	store_bind_i64(s, 1, feed_id);
	store_bind_text(s, 2, it->uid);
	store_bind_i64(s, 3, it->recurrence_s);
	store_bind_i64(s, 4, it->session_id);
	store_bind_i64(s, 5, it->start_s);
	store_bind_i64(s, 6, it->end_s);
	store_bind_text(s, 7, it->title);
	store_bind_text(s, 8, it->place);
	store_bind_i64(s, 9, it->cancelled);
	store_bind_i64(s, 10, it->by_hand);
	return store_exec_stmt(st, s);
}

int store_feed_by_hand(struct store *st, int64_t session_id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE feed_items SET by_hand = 1 WHERE session_id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, session_id);
	return store_exec_stmt(st, s);
}

int store_feed_session_set(struct store *st, int64_t id, const char *title, const char *place,
			   int64_t start_s, int64_t end_s, int64_t now_ms)
{
	sqlite3_stmt *s = store_stmt(st,
		"UPDATE sessions SET sequence = sequence + (start_s != ?3 OR end_s != ?4 OR "
		"place IS NOT ?2 OR cancelled_ms IS NOT NULL), title = ?1, place = ?2, "
		"start_s = ?3, end_s = ?4, cancelled_ms = NULL, updated_ms = ?5 WHERE id = ?6");

	if (!s)
		return -1;
	store_bind_text(s, 1, title);
	store_bind_text(s, 2, place);
	store_bind_i64(s, 3, start_s);
	store_bind_i64(s, 4, end_s);
	store_bind_i64(s, 5, now_ms);
	store_bind_i64(s, 6, id);
	return store_exec_stmt(st, s);
}
