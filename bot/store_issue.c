/*
 * store_issue.c - queries for issues, aliases, issue rooms, coverage and
 * the lookups behind name resolution (see store_issue.h).  Slugs and aliases share one name space: the
 * columns are COLLATE NOCASE, so "Cyber" and "cyber" are the same name.
 */
#include "store_issue.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "store_int.h"

void store_issue_row_release(struct issue_row *r)
{
	if (!r)
		return;
	free(r->slug);
	free(r->name);
	free(r->room_id);
	strv_release(&r->aliases);
	strv_release(&r->leads);
	strv_release(&r->backups);
	memset(r, 0, sizeof(*r));
}

void store_issue_list_release(struct issue_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		store_issue_row_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int store_issue_find_exact(struct store *st, const char *name, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT id FROM issues WHERE slug = ?1 "
		"UNION ALL SELECT issue_id FROM aliases WHERE alias = ?1 LIMIT 1");
	int rc;

	*id = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	store_fail(st, "find issue");
	return -1;
}

int store_issue_add(struct store *st, const char *slug, const char *name,
		    int64_t now_ms, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO issues(slug, name, created_ms) "
					 "VALUES (?, ?, ?)");

	*id = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, slug);
	store_bind_text(s, 2, name);
	store_bind_i64(s, 3, now_ms);
	if (store_exec_stmt(st, s))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_issue_alias_add(struct store *st, int64_t issue_id, const char *alias)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO aliases(alias, issue_id) VALUES (?, ?)");

	if (!s)
		return -1;
	store_bind_text(s, 1, alias);
	store_bind_i64(s, 2, issue_id);
	return store_exec_stmt(st, s);
}

/* The issue linked to room_id: 0 with *id (0 when none), -1 on error. */
void store_room_issue_forget(struct store *st)
{
	free(st->ri_room);
	st->ri_room = NULL;
}

static int room_issue(struct store *st, const char *room_id, int64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	if (st->depth > 0 && st->ri_room && room_id && !strcmp(st->ri_room, room_id)) {
		*id = st->ri_id;        /* kept in this transaction (store_int.h) */
		return 0;
	}
	s = store_stmt(st, "SELECT id FROM issues WHERE room_id = ?");
	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (st->depth > 0 && room_id) {
		store_room_issue_forget(st);
		st->ri_room = xstrdup(room_id);
		st->ri_id = *id;
	}
	return 0;
}

/* The room of issue_id: 0 with *room_id (a copy, NULL when none), 1 when
 * there is no such issue, -1 on error. */
static int issue_room(struct store *st, int64_t issue_id, char **room_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT room_id FROM issues WHERE id = ?");
	int rc;

	*room_id = NULL;
	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*room_id = store_col_text(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static int set_room(struct store *st, int64_t issue_id, const char *room_id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE issues SET room_id = ? WHERE id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_i64(s, 2, issue_id);
	return store_exec_stmt(st, s);
}

int store_issue_link(struct store *st, int64_t issue_id, const char *room_id,
		     int64_t *old_issue, char **old_room)
{
	int64_t prev = 0;
	char *room = NULL;
	int rc = -1;

	if (old_issue)
		*old_issue = 0;
	if (old_room)
		*old_room = NULL;
	if (room_issue(st, room_id, &prev) || issue_room(st, issue_id, &room) < 0)
		goto out;
	/* room_id is UNIQUE: free it from its previous issue first */
	if (prev && prev != issue_id && set_room(st, prev, NULL))
		goto out;
	if (set_room(st, issue_id, room_id))
		goto out;
	if (old_issue && prev != issue_id)
		*old_issue = prev;
	if (old_room && room && strcmp(room, room_id)) {
		*old_room = room;
		room = NULL;
	}
	rc = 0;
out:
	free(room);
	return rc;
}

/* Fill row->aliases, ->leads and ->backups. */
static int row_details(struct store *st, struct issue_row *row)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT alias FROM aliases WHERE issue_id = ? "
					 "ORDER BY alias");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, row->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		strv_push_owned(&row->aliases, store_col_text(s, 0));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list aliases");
		return -1;
	}
	return store_cover_list(st, row->id, &row->leads, &row->backups);
}

int store_issue_list(struct store *st, int64_t issue_id, struct issue_list *out)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT id, slug, name, room_id FROM issues WHERE ?1 = 0 OR id = ?1 "
		"ORDER BY name COLLATE NOCASE, slug");
	size_t first = out->n;
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct issue_row *r;

		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(s, 0);
		r->slug = store_col_text(s, 1);
		r->name = store_col_text(s, 2);
		r->room_id = store_col_text(s, 3);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list issues");
		return -1;
	}
	/* the statement above is done before the detail queries run */
	for (size_t i = first; i < out->n; i++)
		if (row_details(st, &out->v[i]))
			return -1;
	return 0;
}

/* The role user_id holds on issue_id: 0 with *role (copy or NULL), -1. */
static int cover_role(struct store *st, int64_t issue_id, const char *user_id, char **role)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT role FROM coverage WHERE issue_id = ? "
					 "AND user_id = ?");
	int rc;

	*role = NULL;
	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, user_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*role = store_col_text(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_cover_set(struct store *st, int64_t issue_id, const char *user_id,
		    const char *role, int64_t now_ms, char **old_role)
{
	sqlite3_stmt *s;

	if (cover_role(st, issue_id, user_id, old_role))
		return -1;
	if (*old_role && !strcmp(*old_role, role))
		return 0;
	s = store_stmt(st, "INSERT INTO coverage(issue_id, user_id, role, since_ms) "
			   "VALUES (?, ?, ?, ?) ON CONFLICT(issue_id, user_id) DO UPDATE "
			   "SET role = excluded.role, since_ms = excluded.since_ms");
	if (!s)
		goto fail;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, user_id);
	store_bind_text(s, 3, role);
	store_bind_i64(s, 4, now_ms);
	if (store_exec_stmt(st, s))
		goto fail;
	return 0;
fail:
	free(*old_role);
	*old_role = NULL;
	return -1;
}

int store_cover_remove(struct store *st, int64_t issue_id, const char *user_id)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM coverage WHERE issue_id = ? AND "
					 "user_id = ?");

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_text(s, 2, user_id);
	if (store_exec_stmt(st, s))
		return -1;
	return sqlite3_changes(st->db) ? 0 : 1;
}

int store_cover_list(struct store *st, int64_t issue_id, struct strv *leads,
		     struct strv *backups)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT user_id, role FROM coverage WHERE "
					 "issue_id = ? ORDER BY since_ms, user_id");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(s, 1);

		strv_push_owned(role && !strcmp(role, "lead") ? leads : backups,
				store_col_text(s, 0));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "list coverage");
		return -1;
	}
	return 0;
}

static int set_name(struct store *st, int64_t issue_id, const char *name)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE issues SET name = ? WHERE id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, issue_id);
	return store_exec_stmt(st, s);
}

/*
 * The file's room is applied only when it differs from the value applied
 * last time (kept in meta under "config_room:<slug>"): re-applying an
 * unchanged alias at every start would undo its resolution to a room ID
 * until the daemon resolved it again, and would silently revert a link an
 * admin made from chat.
 */
static int upsert_room(struct store *st, int64_t issue_id, const struct cfg_issue *ci)
{
	char *key = xasprintf("config_room:%s", ci->slug);
	char *last = NULL, *cur = NULL;
	int rc = -1;

	last = store_meta_get(st, key);
	if (issue_room(st, issue_id, &cur) < 0)
		goto out;
	if (last && !strcmp(last, ci->room)) {
		rc = 0;
		goto out;
	}
	if (!cur || strcmp(cur, ci->room))
		if (store_issue_link(st, issue_id, ci->room, NULL, NULL))
			goto out;
	rc = store_meta_set(st, key, ci->room);
out:
	free(key);
	free(last);
	free(cur);
	return rc;
}

/* The issue whose slug (not alias) is 'slug': 0 with *id (0: none), -1. */
static int find_slug(struct store *st, const char *slug, int64_t *id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id FROM issues WHERE slug = ?");
	int rc;

	*id = 0;
	if (!s)
		return -1;
	store_bind_text(s, 1, slug);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_issue_upsert_config(struct store *st, const struct cfg_issue *ci, int64_t now_ms)
{
	int64_t id = 0, owner;
	int rc;

	if (find_slug(st, ci->slug, &id))
		return -1;
	if (!id) {
		if (store_issue_find_exact(st, ci->slug, &owner) == 0) {
			log_warn("config: issue '%s': the name is already an alias of "
				 "another issue; not created", ci->slug);
			return 0;
		}
		if (store_issue_add(st, ci->slug, ci->name ? ci->name : ci->slug, now_ms, &id))
			return -1;
	} else if (ci->name && set_name(st, id, ci->name)) {
		return -1;
	}
	for (size_t i = 0; i < ci->aliases.n; i++) {
		const char *alias = ci->aliases.v[i];

		rc = store_issue_find_exact(st, alias, &owner);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (owner != id)
				log_warn("config: issue '%s': alias '%s' already names another "
					 "issue; skipped", ci->slug, alias);
			continue;
		}
		if (store_issue_alias_add(st, id, alias))
			return -1;
	}
	if (ci->room && *ci->room && upsert_room(st, id, ci))
		return -1;
	return 0;
}

/* ---- lookups for name resolution ---- */

int store_issue_ids(struct store *st, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id FROM issues ORDER BY slug");
	int rc;

	*ids = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ids = xrealloc(*ids, (*n + 1) * sizeof(**ids));
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "listing issues");
		free(*ids);
		*ids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int store_lookup_names(struct store *st, struct strv *names, int64_t **ids)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT slug, id FROM issues UNION ALL "
					 "SELECT alias, issue_id FROM aliases ORDER BY 1");
	size_t n = 0;
	int rc;

	*ids = NULL;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		strv_push_owned(names, store_col_text(s, 0));
		*ids = xrealloc(*ids, (n + 1) * sizeof(**ids));
		(*ids)[n++] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_lookup_issue(struct store *st, int64_t id, char **slug, char **name,
		       char **room_id)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT slug, name, room_id FROM issues WHERE id = ?");
	int rc;

	*slug = *name = *room_id = NULL;
	if (!s)
		return -1;
	store_bind_i64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*slug = store_col_text(s, 0);
		*name = store_col_text(s, 1);
		*room_id = store_col_text(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int64_t store_lookup_room_issue(struct store *st, const char *room_id)
{
	int64_t id;

	return room_issue(st, room_id, &id) ? -1 : id;
}

int store_lookup_resolve_room(struct store *st, const char *alias, const char *room_id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE issues SET room_id = ? WHERE room_id = ?");

	if (!s)
		return -1;
	store_bind_text(s, 1, room_id);
	store_bind_text(s, 2, alias);
	return store_exec_stmt(st, s);
}
