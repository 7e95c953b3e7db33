/*
 * store_issue.h - issues, their aliases and linked rooms, and who covers
 * them (SPEC §1, §2 "!issue", "!cover"), and the lookups behind issue-name
 * resolution.  The issue commands, the digest and the engine's
 * configuration sync are the callers.  Knows nothing of Matrix
 * or of commands: room IDs and user IDs are plain strings here.
 */
#ifndef CAUCUS_STORE_ISSUE_H
#define CAUCUS_STORE_ISSUE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

struct cfg_issue;

/* One issue with everything the overviews show.  The row owns every
 * string; store_issue_row_release() frees them. */
struct issue_row {
	int64_t id;
	char *slug;
	char *name;
	char *room_id;          /* linked room (ID, or alias not yet resolved), or NULL */
	struct strv aliases;    /* in name order */
	struct strv leads;      /* user IDs, longest-serving first */
	struct strv backups;
};
void store_issue_row_release(struct issue_row *r);

struct issue_list {
	struct issue_row *v;
	size_t n;
};
void store_issue_list_release(struct issue_list *l);   /* frees every row */

/*
 * The issue whose slug or alias is exactly 'name' (ASCII case-insensitive).
 * Returns 0 and sets *id, 1 when no issue is called that, -1 on error.
 * Keeps nothing.
 */
int store_issue_find_exact(struct store *st, const char *name, int64_t *id);

/* A new issue; slug and name are copied.  *id receives its ID.  The caller
 * checks first that the slug is free (store_issue_find_exact). */
int store_issue_add(struct store *st, const char *slug, const char *name,
		    int64_t now_ms, int64_t *id);

/* Add an alias to issue_id (copied).  The caller checks it is free. */
int store_issue_alias_add(struct store *st, int64_t issue_id, const char *alias);

/*
 * Link room_id to issue_id, undoing any other link of either: the room's
 * previous issue loses its room and the issue's previous room is
 * released.  *old_issue receives the ID of the issue the room belonged to
 * (0: none) and *old_room a copy of the room the issue had (NULL: none;
 * the caller frees it).  Either out pointer may be NULL.  0 or -1.
 */
int store_issue_link(struct store *st, int64_t issue_id, const char *room_id,
		     int64_t *old_issue, char **old_room);

/*
 * Every issue in name order (issue_id 0), or just issue_id, with aliases
 * and coverage.  Rows are appended to out; release with
 * store_issue_list_release().  0 or -1.
 */
int store_issue_list(struct store *st, int64_t issue_id, struct issue_list *out);

/*
 * user_id covers issue_id as 'role' ("lead" or "backup").  *old_role gets
 * the role held before as a copy the caller frees, or NULL when the user
 * did not cover the issue.  since_ms is now_ms for a new or changed role
 * and kept for an unchanged one (it orders leads).  0 or -1.
 */
int store_cover_set(struct store *st, int64_t issue_id, const char *user_id,
		    const char *role, int64_t now_ms, char **old_role);

/* user_id stops covering issue_id: 0 removed, 1 was not covering, -1 error. */
int store_cover_remove(struct store *st, int64_t issue_id, const char *user_id);

/* The leads and backups of issue_id, longest-serving first, appended to
 * leads and backups (user IDs; the caller releases both).  0 or -1. */
int store_cover_list(struct store *st, int64_t issue_id, struct strv *leads,
		     struct strv *backups);

/*
 * Create or update the issue a configuration file describes (SPEC §5: the
 * file's issues are created or updated at start): the name is set, the
 * aliases are added (one already naming another issue is skipped with a
 * warning), and the room is linked when the file gives one.  The room
 * given by the file is applied the first time and whenever the file's
 * value changes; otherwise a room resolved from the file's alias, or a
 * link an admin changed from chat, is kept.
 * Keeps nothing.  0 or -1.
 */
int store_issue_upsert_config(struct store *st, const struct cfg_issue *ci, int64_t now_ms);

/* Every issue's ID, by slug, into *ids (the caller frees it) and *n.
 * 0 or -1 (then *ids is NULL). */
int store_issue_ids(struct store *st, int64_t **ids, size_t *n);

/* Issue lookups for name resolution (exact names: store_issue_find_exact).
 * Every slug and alias with its issue ID: names[i] belongs to ids[i].
 * The caller releases names with strv_release and frees *ids. */
int store_lookup_names(struct store *st, struct strv *names, int64_t **ids);
/* The issue's fields (caller frees the strings); 0, 1 when absent, -1 error. */
int store_lookup_issue(struct store *st, int64_t id, char **slug, char **name,
		       char **room_id);
/* The issue linked to room_id, 0 when none, -1 when the store fails. */
int64_t store_lookup_room_issue(struct store *st, const char *room_id);
/* Point issues linked to 'alias' at 'room_id' (alias resolved). */
int store_lookup_resolve_room(struct store *st, const char *alias, const char *room_id);

#endif
