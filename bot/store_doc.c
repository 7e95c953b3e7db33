/*
 * store_doc.c - queries behind files and documents (see store_doc.h).
 * A document is the set of its revision rows sharing a doc_key; "current"
 * is computed on read (highest Rev., then the latest), so a revision that
 * a redaction removes hands the place back to the one before it.
 */
#include "store_doc.h"

#include <stdlib.h>
#include <string.h>

#include "docsym.h"
#include "store_int.h"
#include "util.h"

int store_file_add(struct store *st, int64_t log_id, const char *msgtype, const char *name,
		   const char *url, int64_t size, const char *mimetype, int encrypted)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO log_files(log_id, msgtype, name, url, size, mimetype, encrypted) "
		"VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(log_id) DO NOTHING");

	if (!s)
		return -1;
	store_bind_i64(s, 1, log_id);
	store_bind_text(s, 2, msgtype);
	store_bind_text(s, 3, name);
	store_bind_text(s, 4, url);
	if (size >= 0)
		store_bind_i64(s, 5, size);
	else
		sqlite3_bind_null(s, 5);
	store_bind_text(s, 6, mimetype);
	store_bind_i64(s, 7, encrypted ? 1 : 0);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(st->db) > 0 ? 0 : 1;
}

char *store_file_edit_text(struct store *st, const char *event_id, const char *caption)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT f.name FROM log l JOIN log_files f ON "
				     "f.log_id = l.id WHERE l.event_id = ?");
	char *name = NULL, *text = NULL;

	if (!s)
		return NULL;
	store_bind_text(s, 1, event_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		name = store_col_text(s, 0);
	sqlite3_reset(s);
	if (name)
		text = *caption && strcmp(caption, name) ? xasprintf("%s — %s", name, caption)
							  : xstrdup(name);
	free(name);
	return text;
}

int store_doc_add(struct store *st, int64_t issue_id, int64_t log_id, const char *room_id,
		  const struct docsym *sym, const char *title, const char *url,
		  int64_t file_log_id, const char *sender, int64_t ts_ms, int64_t *id_out)
{
	sqlite3_stmt *s = store_stmt(st,
		"INSERT INTO documents(issue_id, log_id, room_id, doc_key, doc, symbol, rev, title, "
		"url, file_log_id, sender, ts_ms) VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, "
		"NULLIF(?, 0), ?, ?)");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, log_id);
	store_bind_text(s, 3, room_id);
	store_bind_text(s, 4, sym->key);
	store_bind_text(s, 5, sym->doc);
	store_bind_text(s, 6, sym->text);
	store_bind_i64(s, 7, sym->rev);
	store_bind_text(s, 8, title);
	store_bind_text(s, 9, url);
	store_bind_i64(s, 10, file_log_id);
	store_bind_text(s, 11, sender);
	store_bind_i64(s, 12, ts_ms);
	if (store_exec_stmt(st, s))
		return -1;
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* ---- reads ---- */

/* SPEC §4: ?V, when bound, must be a joined member of the row's room */
#define CAN_SEE(alias, v) \
	"(" v " IS NULL OR EXISTS (SELECT 1 FROM members m WHERE m.room_id = " alias \
	".room_id AND m.user_id = " v " AND m.membership = 'join'))"

/* a revision with no title or file of its own shows its document's */
#define REV_COLS \
	"d.id, d.issue_id, i.slug, d.room_id, d.doc_key, d.doc, d.symbol, d.rev, " \
	"COALESCE(d.title, (SELECT t.title FROM documents t WHERE t.issue_id = d.issue_id AND " \
	"  t.doc_key = d.doc_key AND t.title IS NOT NULL AND " CAN_SEE("t", "?3") \
	"  ORDER BY t.ts_ms DESC, t.id DESC LIMIT 1)), " \
	"COALESCE(d.url, (SELECT t.url FROM documents t WHERE t.issue_id = d.issue_id AND " \
	"  t.doc_key = d.doc_key AND t.rev = d.rev AND t.url IS NOT NULL AND " CAN_SEE("t", "?3") \
	"  ORDER BY t.ts_ms DESC LIMIT 1)), " \
	"f.name, f.url, d.sender, d.ts_ms"
#define REV_FROM \
	"FROM documents d JOIN issues i ON i.id = d.issue_id " \
	"LEFT JOIN log_files f ON f.log_id = COALESCE(d.file_log_id, (SELECT t.file_log_id " \
	"  FROM documents t WHERE t.issue_id = d.issue_id AND t.doc_key = d.doc_key AND " \
	"  t.rev = d.rev AND t.file_log_id IS NOT NULL AND " CAN_SEE("t", "?3") \
	"  ORDER BY t.ts_ms DESC LIMIT 1)) "

void store_doc_list_release(struct doc_rev_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct doc_rev *r = &l->v[i];
		free(r->issue);
		free(r->room_id);
		free(r->doc_key);
		free(r->doc);
		free(r->symbol);
		free(r->title);
		free(r->url);
		free(r->file_name);
		free(r->file_url);
		free(r->sender);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static char *col_or_empty(sqlite3_stmt *s, int i)
{
	char *v = store_col_text(s, i);

	return v ? v : xstrdup("");
}

/* Step s to the end, appending each row (REV_COLS, then changed_ms if
 * 'changed'). */
static int read_revs(struct store *st, sqlite3_stmt *s, int changed, struct doc_rev_list *out)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct doc_rev *r;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(s, 0);
		r->issue_id = sqlite3_column_int64(s, 1);
		r->issue = col_or_empty(s, 2);
		r->room_id = col_or_empty(s, 3);
		r->doc_key = col_or_empty(s, 4);
		r->doc = col_or_empty(s, 5);
		r->symbol = col_or_empty(s, 6);
		r->rev = sqlite3_column_int(s, 7);
		r->title = store_col_text(s, 8);
		r->url = store_col_text(s, 9);
		r->file_name = store_col_text(s, 10);
		r->file_url = store_col_text(s, 11);
		r->sender = col_or_empty(s, 12);
		r->ts_ms = sqlite3_column_int64(s, 13);
		r->changed_ms = changed ? sqlite3_column_int64(s, 14) : r->ts_ms;
	}
	if (rc != SQLITE_DONE)
		store_fail(st, "reading documents");
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* the current revision of d's document, as ?3 may see it */
#define IS_CURRENT \
	"d.id = (SELECT c.id FROM documents c WHERE c.issue_id = d.issue_id AND " \
	"c.doc_key = d.doc_key AND " CAN_SEE("c", "?3") \
	" ORDER BY c.rev DESC, c.ts_ms DESC, c.id DESC LIMIT 1)"

/* *total = the count 'sql' gives for issue ?1 seen by viewer ?3 (its ?2,
 * the list's limit, is unused here and bound to 0); 0 or -1. */
static int count_of(struct store *st, const char *sql, int64_t issue_id, const char *viewer,
		    const char *what, size_t *total)
{
	sqlite3_stmt *s = store_stmt(st, sql);
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, 0);
	store_bind_text(s, 3, viewer);
	rc = sqlite3_step(s);
	*total = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		store_fail(st, what);
		return -1;
	}
	return 0;
}

int store_doc_current(struct store *st, int64_t issue_id, const char *viewer, size_t limit,
		      struct doc_rev_list *out, size_t *total)
{
	sqlite3_stmt *s;

	if (total && count_of(st, "SELECT count(DISTINCT d.doc_key), ?2 FROM documents d "
			      "WHERE d.issue_id = ?1 AND " CAN_SEE("d", "?3"), issue_id, viewer,
			      "counting documents", total))
		return -1;
	s = store_stmt(st,
		"SELECT " REV_COLS ", (SELECT max(c.ts_ms) FROM documents c WHERE "
		"c.issue_id = d.issue_id AND c.doc_key = d.doc_key AND " CAN_SEE("c", "?3") ") AS ch "
		REV_FROM "WHERE d.issue_id = ?1 AND " CAN_SEE("d", "?3") " AND " IS_CURRENT
		" ORDER BY ch DESC, d.id DESC LIMIT ?2");
	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, (int64_t)limit);
	store_bind_text(s, 3, viewer);
	return read_revs(st, s, 1, out);
}

int store_doc_history(struct store *st, int64_t issue_id, const char *doc_key,
		      const char *viewer, struct doc_rev_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " REV_COLS " " REV_FROM "WHERE d.issue_id = ?1 AND d.doc_key = ?2 AND "
		CAN_SEE("d", "?3") " ORDER BY d.rev DESC, d.ts_ms DESC, d.id DESC LIMIT 50");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, doc_key);
	store_bind_text(s, 3, viewer);
	return read_revs(st, s, 0, out);
}

int store_doc_range(struct store *st, int64_t issue_id, const char *room_id,
		    const char *viewer, int64_t since_ms, int64_t until_ms, size_t limit,
		    struct doc_rev_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT " REV_COLS " " REV_FROM "WHERE d.issue_id = ?1 AND d.ts_ms >= ?4 AND "
		"d.ts_ms < ?5 AND (?6 IS NULL OR d.room_id = ?6) AND " CAN_SEE("d", "?3")
		" ORDER BY d.ts_ms, d.id LIMIT ?2");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, (int64_t)limit);
	store_bind_text(s, 3, viewer);
	store_bind_i64(s, 4, since_ms);
	store_bind_i64(s, 5, until_ms);
	store_bind_text(s, 6, room_id);
	return read_revs(st, s, 0, out);
}

int store_doc_files(struct store *st, int64_t issue_id, const char *viewer, size_t limit,
		    struct doc_rev_list *out, size_t *total)
{
#define FILES_FROM \
	"FROM log l JOIN log_files f ON f.log_id = l.id JOIN issues i ON i.id = l.issue_id " \
	"WHERE l.issue_id = ?1 AND " CAN_SEE("l", "?3") " AND NOT EXISTS (SELECT 1 FROM " \
	"documents t WHERE t.file_log_id = l.id) "
	sqlite3_stmt *s;

	if (total && count_of(st, "SELECT count(*), ?2 " FILES_FROM, issue_id, viewer,
			      "counting files", total))
		return -1;
	s = store_stmt(st,
		"SELECT l.id, l.issue_id, i.slug, l.room_id, '', '', '', 0, NULL, NULL, f.name, "
		"f.url, l.sender, l.ts_ms " FILES_FROM "ORDER BY l.ts_ms DESC, l.id DESC LIMIT ?2");
	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, (int64_t)limit);
	store_bind_text(s, 3, viewer);
	return read_revs(st, s, 0, out);
#undef FILES_FROM
}
