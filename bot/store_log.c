/*
 * store_log.c - queries behind the per-issue log (see store_log.h): log
 * entries and their full-text index, action items and positions (sessions
 * and coverage have their own queries, in store_session.c and
 * store_issue.c).  New rows reach the full-text index in bulk (store_int.h:
 * fts_from); deletes and edits take rows out of it by trigger (schema in
 * store.c), after the pending rows are indexed.
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
		/* the index row: with the batch's, at COMMIT (store_int.h) */
		if (!st->fts_from)
			st->fts_from = id;
		if (st->depth == 0 && store_fts_sync(st))
			return -1;
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

int store_log_edit(struct store *st, const char *room_id, const char *event_id,
		   const char *sender, const char *body, int64_t ts_ms)
{
	sqlite3_stmt *s;

	if (store_fts_sync(st))         /* log_au takes the old row out of the index */
		return -1;
	s = store_stmt(st, "UPDATE log SET body = ?, edited_ms = ? "
		       "WHERE event_id = ? AND sender = ? AND room_id = ?");
	if (!s)
		return -1;
	store_bind_text(s, 1, body);
	store_bind_i64(s, 2, ts_ms);
	store_bind_text(s, 3, event_id);
	store_bind_text(s, 4, sender);
	store_bind_text(s, 5, room_id);
	return store_exec_stmt(st, s);
}

int store_log_recorded(struct store *st, const char *room_id, const char *event_id,
		       const char *sender, char **kind, int64_t *action_id)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT l.kind, COALESCE((SELECT a.id FROM actions a WHERE a.log_id = l.id), 0) "
		"FROM log l WHERE l.event_id = ? AND l.room_id = ? AND l.sender = ?");
	int rc;

	*kind = NULL;
	*action_id = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, event_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, sender);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*kind = store_col_text(s, 0);
		*action_id = sqlite3_column_int64(s, 1);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "reading a log entry");
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW && *kind ? 0 : rc == SQLITE_DONE || rc == SQLITE_ROW ? 1 : -1;
}

/* Deleted terms must leave the file: inside a transaction the merge is
 * done once, at its COMMIT (a batch with many redactions rewrites the
 * index once: 0.18 s each over 220,000 entries); outside one, now. */
static int fts_forget(struct store *st)
{
	if (st->depth > 0) {
		st->fts_dirty = 1;
		return 0;
	}
	return store_fts_merge(st);
}

int store_log_redact(struct store *st, const char *room_id, const char *event_id)
{
	/* actions and positions would only lose their log_id (ON DELETE SET
	 * NULL); the room deleted the message, so the record goes too.  Only
	 * an entry of the room the redaction came from: a redaction in one
	 * room names no event of another. */
	static const char *const sql[] = {
		"DELETE FROM actions WHERE log_id IN "
		"(SELECT id FROM log WHERE event_id = ?1 AND room_id = ?2)",
		"DELETE FROM positions WHERE log_id IN "
		"(SELECT id FROM log WHERE event_id = ?1 AND room_id = ?2)",
		"DELETE FROM log WHERE event_id = ?1 AND room_id = ?2",
	};
	size_t i;
	int deleted = 0;

	if (store_fts_sync(st))         /* log_ad takes the rows out of the index */
		return -1;
	for (i = 0; i < ARRAY_LEN(sql); i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i]);
		if (!s)
			return -1;
		store_bind_text(s, 1, event_id);
		store_bind_text(s, 2, room_id);
		if (store_exec_stmt(st, s))
			return -1;
		if (i == ARRAY_LEN(sql) - 1)
			deleted = sqlite3_changes(sqlite3_db_handle(s)) > 0;
	}
	return deleted ? fts_forget(st) : 0;
}

int store_log_purge(struct store *st, int64_t before_ms)
{
	static const char *const sql[] = {
		"DELETE FROM positions WHERE ts_ms < ?",
		"DELETE FROM actions WHERE done_ms IS NOT NULL AND done_ms < ?",
		"DELETE FROM log WHERE ts_ms < ?",
	};
	size_t i;
	int deleted = 0;

	if (store_fts_sync(st))         /* log_ad takes the rows out of the index */
		return -1;
	for (i = 0; i < ARRAY_LEN(sql); i++) {
		sqlite3_stmt *s = store_stmt(st, sql[i]);
		if (!s)
			return -1;
		store_bind_i64(s, 1, before_ms);
		if (store_exec_stmt(st, s))
			return -1;
		if (i == ARRAY_LEN(sql) - 1)
			deleted = sqlite3_changes(sqlite3_db_handle(s)) > 0;
	}
	/* what retention deleted leaves no terms in the index either */
	return deleted ? fts_forget(st) : 0;
}

/* ---- log entries ---- */

#define ENTRY_COLS \
	"l.id, l.issue_id, i.slug, l.room_id, l.sender, l.kind, l.body, l.ts_ms, " \
	"COALESCE(l.edited_ms, 0)"
/*
 * SPEC §4: viewer v, when bound, must be a joined member of 'room', the
 * room the row was recorded in.  Fails closed: a row with no room (NULL IN
 * is not true), a room whose members are unknown (the bot left it) or any
 * membership but 'join' shows nothing.  The rooms are one list read once
 * per statement (the subquery does not depend on the row), not a look-up
 * per row: over a search's thousand rows that was most of its time.
 */
#define SEES(v, room) \
	"(" v " IS NULL OR " room " IN (SELECT m.room_id FROM members m " \
	"WHERE m.user_id = " v " AND m.membership = 'join'))"
#define VIEWER_CAN_SEE(v) SEES(v, "l.room_id")
/* ?R (room, may be NULL: any) and ?V (viewer, may be NULL: anyone) on 'room' */
#define SCOPE(r, v, room) "(" r " IS NULL OR " room " = " r ") AND " SEES(v, room)

void store_log_list_release(struct log_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct log_entry *e = &l->v[i];
		free(e->issue);
		free(e->room_id);
		free(e->sender);
		free(e->kind);
		free(e->body);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void read_entry(sqlite3_stmt *s, struct log_list *out)
{
	struct log_entry *e;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	e = &out->v[out->n++];
	e->id = sqlite3_column_int64(s, 0);
	e->issue_id = sqlite3_column_int64(s, 1);
	e->issue = store_col_text(s, 2);
	e->room_id = store_col_text(s, 3);
	e->sender = store_col_text(s, 4);
	e->kind = store_col_text(s, 5);
	e->body = store_col_text(s, 6);
	if (!e->body)
		e->body = xstrdup("");
	e->ts_ms = sqlite3_column_int64(s, 7);
	e->edited_ms = sqlite3_column_int64(s, 8);
}

/* Step s to the end, appending each row with read_entry. */
static int read_entries(struct store *st, sqlite3_stmt *s, struct log_list *out)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		read_entry(s, out);
	if (rc != SQLITE_DONE)
		store_fail(st, "reading the log");
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_log_last(struct store *st, int64_t issue_id, const char *viewer, size_t n,
		   struct log_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " ENTRY_COLS " FROM log l JOIN issues i ON i.id = l.issue_id "
		"WHERE l.issue_id = ?1 AND " VIEWER_CAN_SEE("?2") " "
		"ORDER BY l.ts_ms DESC, l.id DESC LIMIT ?3");
	size_t first = out->n;

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, viewer);
	store_bind_i64(s, 3, (int64_t)n);
	if (read_entries(st, s, out))
		return -1;
	/* newest first out of the query, oldest first for the reader */
	for (size_t a = first, b = out->n; a + 1 < b; a++, b--) {
		struct log_entry tmp = out->v[a];
		out->v[a] = out->v[b - 1];
		out->v[b - 1] = tmp;
	}
	return 0;
}

/* The entries store_log_kind_range reads and store_log_kind_count counts:
 * one WHERE for both, so a count never includes what the list may not show.
 * "kind != 'message'" lets sqlite use the partial index of schema step 15
 * (the kinds asked for are the ones commands make). */
#define KIND_RANGE_WHERE \
	"WHERE l.issue_id = ?1 AND (?2 IS NULL OR l.room_id = ?2) AND " \
	VIEWER_CAN_SEE("?3") " AND l.kind = ?4 AND l.kind != 'message' " \
	"AND l.ts_ms >= ?5 AND l.ts_ms < ?6 "

int store_log_kind_range(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, const char *kind, int64_t since_ms,
			 int64_t until_ms, size_t limit, struct log_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " ENTRY_COLS " FROM log l JOIN issues i ON i.id = l.issue_id "
		KIND_RANGE_WHERE "ORDER BY l.ts_ms, l.id LIMIT ?7");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, viewer);
	store_bind_text(s, 4, kind);
	store_bind_i64(s, 5, since_ms);
	store_bind_i64(s, 6, until_ms);
	store_bind_i64(s, 7, (int64_t)limit);
	return read_entries(st, s, out);
}

int store_log_kind_count(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, const char *kind, int64_t since_ms,
			 int64_t until_ms, size_t *count)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT count(*) FROM log l " KIND_RANGE_WHERE);
	int rc;

	*count = 0;
	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, viewer);
	store_bind_text(s, 4, kind);
	store_bind_i64(s, 5, since_ms);
	store_bind_i64(s, 6, until_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*count = (size_t)sqlite3_column_int64(s, 0);
	else
		store_fail(st, "counting log entries of a kind");
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_log_activity(struct store *st, int64_t issue_id, const char *room_id,
		       const char *viewer, int64_t since_ms, int64_t until_ms,
		       int64_t *messages, int64_t *entries, struct strv *people)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT l.sender, count(*), sum(l.kind = 'message') FROM log l "
		"WHERE l.issue_id = ?1 AND " SCOPE("?2", "?5", "l.room_id") " AND l.ts_ms >= ?3 "
		"AND l.ts_ms < ?4 GROUP BY l.sender ORDER BY count(*) DESC, min(l.ts_ms)");
	int rc;

	*messages = *entries = 0;
	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, room_id);
	store_bind_i64(s, 3, since_ms);
	store_bind_i64(s, 4, until_ms);
	store_bind_text(s, 5, viewer);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		strv_push_owned(people, store_col_text(s, 0));
		*entries += sqlite3_column_int64(s, 1);
		*messages += sqlite3_column_int64(s, 2);
	}
	if (rc != SQLITE_DONE)
		store_fail(st, "counting log entries");
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * caucus_rank(log_fts, N, body): BM25 without its IDF, lower is better (as
 * bm25()).  FTS5's bm25() finds each word's IDF by reading the word's
 * whole list of entries, once per query: 14 ms for a word in a third of a
 * million entries, whatever the pool.  Every match of a search holds every
 * word (fts_query() in cmd_log.c asks for all of them), so the IDF only
 * weighs one word's count against another's; within the pool of the newest
 * matches the order is nearly the same.  This scores how often each word
 * is in the entry against the entry's length, from that entry alone.  It
 * scores the first N rows of its query and gives NULL after them: a walk
 * that goes on only to count pays nothing more.  The entry's length is counted from body, its text, as unicode61
 * splits it (runs of letters and digits; any non-ASCII byte counts as a
 * letter): FTS5's own count is a look-up per row, as much as the rest.
 */
#define RANK_K1 1.2
#define RANK_B 0.75

static int count_tokens(const unsigned char *p)
{
	int n = 0, in = 0;

	for (; p && *p; p++) {
		int tok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			  (*p >= 'A' && *p <= 'Z') || *p >= 0x80;
		n += tok && !in;
		in = tok;
	}
	return n;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
		    int nval, sqlite3_value **val)
{
	sqlite3_int64 rows = 0, tokens = 0;
	int phrases = api->xPhraseCount(fts), len = 0;
	double avg, score = 0;
	int *seen = api->xGetAuxdata(fts, 0);

	if (!seen) {
		/* per query; FTS5 frees it with the query */
		if (!(seen = sqlite3_malloc(sizeof(*seen))) ||
		    api->xSetAuxdata(fts, seen, sqlite3_free) != SQLITE_OK) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		*seen = 0;
	}
	if (nval > 0 && ++*seen > sqlite3_value_int(val[0])) {
		sqlite3_result_null(ctx);
		return;
	}
	if (nval > 1)
		len = count_tokens(sqlite3_value_text(val[1]));
	if (api->xRowCount(fts, &rows) != SQLITE_OK ||
	    api->xColumnTotalSize(fts, 0, &tokens) != SQLITE_OK ||
	    (nval < 2 && api->xColumnSize(fts, 0, &len) != SQLITE_OK)) {
		sqlite3_result_error(ctx, "caucus_rank: cannot read the index", -1);
		return;
	}
	avg = rows > 0 && tokens > 0 ? (double)tokens / (double)rows : 1.0;
	for (int i = 0; i < phrases; i++) {
		Fts5PhraseIter it;
		int col, off, tf = 0;

		if (api->xPhraseFirst(fts, i, &it, &col, &off) != SQLITE_OK)
			break;
		for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off))
			tf++;
		score -= tf * (RANK_K1 + 1) / (tf + RANK_K1 * (1 - RANK_B + RANK_B * len / avg));
	}
	sqlite3_result_double(ctx, score);
}

int store_log_register(struct store *st)
{
	sqlite3_stmt *s = NULL;
	fts5_api *api = NULL;
	int rc = -1;

	/* the documented way to FTS5's API: a pointer handed out by fts5(?) */
	if (sqlite3_prepare_v2(st->db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(s);
	if (api && api->iVersion >= 2 &&
	    api->xCreateFunction(api, "caucus_rank", NULL, rank_fn, NULL) == SQLITE_OK)
		rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_log_search(struct store *st, const char *match, int64_t issue_id,
		     const char *viewer, size_t limit, struct log_list *out,
		     size_t *total, int *bad_query)
{
	/*
	 * One walk of the matches, newest first (FTS5 reads its lists in
	 * rowid order and stops at the LIMIT): its first SEARCH_POOL are
	 * ranked, all of them up to SEARCH_COUNT_MAX + 1 counted; ranking
	 * every match of a common word would read the whole index.  Then the
	 * entries shown are read again, from a second walk over just the
	 * range they span, for their snippets (snippet() costs as much as the
	 * rest of a row, so only for what is shown).  With nothing to show
	 * the LIMIT is 0, which ends the statement before the second walk
	 * starts: FTS5 would walk every match again, NULL bounds or not.
	 */
	sqlite3_stmt *s = store_stmt(st,
		"WITH walk AS MATERIALIZED (SELECT l.id, l.ts_ms, caucus_rank(log_fts, ?5, l.body) AS score "
		"FROM log_fts JOIN log l ON l.id = log_fts.rowid JOIN issues i ON i.id = l.issue_id "
		"WHERE log_fts MATCH ?1 AND (?2 = 0 OR l.issue_id = ?2) AND " VIEWER_CAN_SEE("?3")
		" ORDER BY log_fts.rowid DESC LIMIT ?6), "
		"top AS MATERIALIZED (SELECT id, ts_ms, score FROM walk WHERE score IS NOT NULL "
		"ORDER BY score, ts_ms DESC, id DESC LIMIT ?4) "
		"SELECT l.id, l.issue_id, i.slug, l.room_id, l.sender, l.kind, "
		"snippet(f.log_fts, 0, char(2), char(3), '…', 24), l.ts_ms, "
		"COALESCE(l.edited_ms, 0), (SELECT count(*) FROM walk) "
		"FROM log_fts f CROSS JOIN top p ON p.id = f.rowid JOIN log l ON l.id = f.rowid "
		"JOIN issues i ON i.id = l.issue_id WHERE f.log_fts MATCH ?1 AND "
		"f.rowid >= (SELECT min(id) FROM top) AND f.rowid <= (SELECT max(id) FROM top) "
		"ORDER BY p.score, p.ts_ms DESC, p.id DESC LIMIT (SELECT count(*) FROM top)");
	size_t counted = 0;
	int rc;

	if (bad_query)
		*bad_query = 0;
	if (store_fts_sync(st))         /* this batch's messages are found too */
		return -1;
	if (total)
		*total = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, match);
	store_bind_i64(s, 2, issue_id);
	store_bind_text(s, 3, viewer);
	store_bind_i64(s, 4, (int64_t)limit);
	store_bind_i64(s, 5, SEARCH_POOL);
	store_bind_i64(s, 6, SEARCH_COUNT_MAX + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_entry(s, out);
		counted = (size_t)sqlite3_column_int64(s, 9);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		if (total)
			*total = counted;
		return 0;
	}
	/* the statement prepared, so an error now is FTS5 refusing the query */
	if (rc == SQLITE_ERROR && bad_query)
		*bad_query = 1;
	else
		store_fail(st, "searching the log");
	return -1;
}

/* ---- action items ---- */

#define ACTION_SELECT \
	"SELECT a.id, a.issue_id, i.slug, a.room_id, a.assignee, " \
	"a.text, a.created_by, a.created_ms, COALESCE(a.done_ms, 0), a.done_by " \
	"FROM actions a JOIN issues i ON i.id = a.issue_id "

void store_action_list_release(struct action_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct action_item *a = &l->v[i];
		free(a->issue);
		free(a->room_id);
		free(a->assignee);
		free(a->text);
		free(a->created_by);
		free(a->done_by);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int read_actions(struct store *st, sqlite3_stmt *s, struct action_list *out)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct action_item *a;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		a = &out->v[out->n++];
		a->id = sqlite3_column_int64(s, 0);
		a->issue_id = sqlite3_column_int64(s, 1);
		a->issue = store_col_text(s, 2);
		a->room_id = store_col_text(s, 3);
		a->assignee = store_col_text(s, 4);
		a->text = store_col_text(s, 5);
		a->created_by = store_col_text(s, 6);
		a->created_ms = sqlite3_column_int64(s, 7);
		a->done_ms = sqlite3_column_int64(s, 8);
		a->done_by = store_col_text(s, 9);
	}
	if (rc != SQLITE_DONE)
		store_fail(st, "reading action items");
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_action_add(struct store *st, int64_t issue_id, const char *room_id,
		     int64_t log_id, const char *assignee, const char *text,
		     const char *created_by, int64_t created_ms, int64_t *id_out)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO actions(issue_id, log_id, assignee, text, created_by, created_ms, "
		"room_id) VALUES (?, ?, ?, ?, ?, ?, ?)");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	if (log_id > 0)
		store_bind_i64(s, 2, log_id);
	store_bind_text(s, 3, assignee);
	store_bind_text(s, 4, text);
	store_bind_text(s, 5, created_by);
	store_bind_i64(s, 6, created_ms);
	store_bind_text(s, 7, room_id);
	if (store_exec_stmt(st, s))
		return -1;
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_action_get(struct store *st, int64_t id, struct action_list *out)
{
	sqlite3_stmt *s = store_stmt(st, ACTION_SELECT "WHERE a.id = ?");
	size_t before = out->n;

	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	if (read_actions(st, s, out))
		return -1;
	return out->n > before ? 0 : 1;
}

int store_action_done(struct store *st, int64_t id, const char *done_by, int64_t ts_ms)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE actions SET done_ms = ?, done_by = ? "
					 "WHERE id = ? AND done_ms IS NULL");

	if (!s)
		return -1;
	store_bind_i64(s, 1, ts_ms);
	store_bind_text(s, 2, done_by);
	store_bind_i64(s, 3, id);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(st->db) > 0 ? 0 : 1;
}

int store_action_open(struct store *st, int64_t issue_id, const char *room_id,
		      const char *viewer, struct action_list *out)
{
	sqlite3_stmt *s = store_stmt(st, ACTION_SELECT
		"WHERE a.done_ms IS NULL AND (?1 = 0 OR a.issue_id = ?1) AND "
		SCOPE("?2", "?3", "a.room_id") " ORDER BY a.created_ms, a.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, room_id);
	store_bind_text(s, 3, viewer);
	return read_actions(st, s, out);
}

int store_action_changed(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, int64_t since_ms, int64_t until_ms,
			 struct action_list *out)
{
	sqlite3_stmt *s = store_stmt(st, ACTION_SELECT
		"WHERE a.issue_id = ?1 AND ((a.created_ms >= ?2 AND a.created_ms < ?3) OR "
		"(a.done_ms >= ?2 AND a.done_ms < ?3)) AND " SCOPE("?4", "?5", "a.room_id")
		" ORDER BY a.created_ms, a.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, since_ms);
	store_bind_i64(s, 3, until_ms);
	store_bind_text(s, 4, room_id);
	store_bind_text(s, 5, viewer);
	return read_actions(st, s, out);
}

/* ---- positions ---- */

void store_position_list_release(struct position_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct position *p = &l->v[i];
		free(p->actor);
		free(p->stance);
		free(p->text);
		free(p->sender);
		free(p->before);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int read_positions(struct store *st, sqlite3_stmt *s, struct position_list *out)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct position *p;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		p = &out->v[out->n++];
		p->id = sqlite3_column_int64(s, 0);
		p->issue_id = sqlite3_column_int64(s, 1);
		p->actor = store_col_text(s, 2);
		p->stance = store_col_text(s, 3);
		p->text = store_col_text(s, 4);
		p->sender = store_col_text(s, 5);
		p->ts_ms = sqlite3_column_int64(s, 6);
		p->before = store_col_text(s, 7);
	}
	if (rc != SQLITE_DONE)
		store_fail(st, "reading positions");
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_position_add(struct store *st, int64_t issue_id, const char *room_id,
		       int64_t log_id, const char *actor, const char *stance, const char *text,
		       const char *sender, int64_t ts_ms, int64_t *id_out)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO positions(issue_id, log_id, actor, stance, text, sender, ts_ms, "
		"room_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	if (log_id > 0)
		store_bind_i64(s, 2, log_id);
	store_bind_text(s, 3, actor);
	store_bind_text(s, 4, stance);
	store_bind_text(s, 5, text);
	store_bind_text(s, 6, sender);
	store_bind_i64(s, 7, ts_ms);
	store_bind_text(s, 8, room_id);
	if (store_exec_stmt(st, s))
		return -1;
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/*
 * Every position read is scoped by ?8 (room) and ?9 (viewer) on the room
 * it was recorded in, the stance it replaced and "the latest" included:
 * a stance from a room the viewer is not in is not even a "was".
 */
#define POS_SCOPE(q) SCOPE("?8", "?9", q ".room_id")
/* The stance an actor held just before position p (actor is NOCASE). */
#define POSITION_BEFORE \
	"(SELECT q.stance FROM positions q WHERE q.issue_id = p.issue_id AND " \
	"q.actor = p.actor AND (q.ts_ms < p.ts_ms OR (q.ts_ms = p.ts_ms AND q.id < p.id)) " \
	"AND " POS_SCOPE("q") " ORDER BY q.ts_ms DESC, q.id DESC LIMIT 1)"

static void bind_scope(sqlite3_stmt *s, const char *room_id, const char *viewer)
{
	store_bind_text(s, 8, room_id);
	store_bind_text(s, 9, viewer);
}

int store_position_latest(struct store *st, int64_t issue_id, const char *room_id,
			  const char *viewer, struct position_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT p.id, p.issue_id, p.actor, p.stance, p.text, p.sender, p.ts_ms, "
		POSITION_BEFORE " FROM positions p WHERE p.issue_id = ?1 AND p.id = "
		"(SELECT q.id FROM positions q WHERE q.issue_id = p.issue_id AND "
		"q.actor = p.actor AND " POS_SCOPE("q") " ORDER BY q.ts_ms DESC, q.id DESC "
		"LIMIT 1) ORDER BY p.actor, p.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	bind_scope(s, room_id, viewer);
	return read_positions(st, s, out);
}

int store_position_range(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, int64_t since_ms, int64_t until_ms,
			 struct position_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT p.id, p.issue_id, p.actor, p.stance, p.text, p.sender, p.ts_ms, "
		POSITION_BEFORE " FROM positions p WHERE p.issue_id = ?1 AND "
		"p.ts_ms >= ?2 AND p.ts_ms < ?3 AND " POS_SCOPE("p") " ORDER BY p.ts_ms, p.id");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, since_ms);
	store_bind_i64(s, 3, until_ms);
	bind_scope(s, room_id, viewer);
	return read_positions(st, s, out);
}
