/*
 * store_room.h - rooms and who is in them (for display names, access checks
 * and "who may see this log"), plus the engine core's bookkeeping: when a
 * user last spoke in a room, which due events were handed out, and the
 * issue lookups behind issue-name resolution.
 */
#ifndef CAUCUS_STORE_ROOM_H
#define CAUCUS_STORE_ROOM_H

#include <stdint.h>

#include "store.h"
#include "util.h"

/* Upsert a member; display_name may be NULL. */
int store_member_set(struct store *st, const char *room_id, const char *user_id,
		     const char *display_name, const char *membership, int power);
/* Every membership in room_id becomes 'unknown' (the bot left it). */
int store_member_room_unknown(struct store *st, const char *room_id);
/* 1 when user_id has membership 'join' in room_id. */
int store_member_joined(struct store *st, const char *room_id, const char *user_id);
/* user_id's membership of room_id ("join", "invite", ...), or NULL when
 * unknown.  Caller frees. */
char *store_member_state(struct store *st, const char *room_id, const char *user_id);
/* The display name in room_id (or in any room when room_id is NULL);
 * a copy the caller frees, or NULL. */
char *store_member_name(struct store *st, const char *room_id, const char *user_id);
/*
 * The joined member of room_id whose display name is 'name' (any case).
 * 0 with *user_id (caller frees) when exactly one; 1 when none; 2 when
 * several (then *user_id is NULL).  -1 on store failure.
 */
int store_member_by_name(struct store *st, const char *room_id, const char *name,
			 char **user_id);
/* The member's power level in room_id (0 when unknown). */
int store_member_power(struct store *st, const char *room_id, const char *user_id);

/* When user_id last spoke in room_id (ms), or 0 when never. */
int64_t store_last_spoke(struct store *st, const char *room_id, const char *user_id);
int store_last_spoke_set(struct store *st, const char *room_id, const char *user_id,
			 int64_t ts_ms);

/* Due events handed out: 1 when 'key' is recorded, 0 when not, -1 error. */
int store_due_done(struct store *st, const char *key);
/* Record 'key' with outcome "sent", "late" or "dropped" (idempotent). */
int store_due_mark(struct store *st, const char *key, const char *outcome, int64_t now_ms);

/* Issue lookups for name resolution (exact names: store_issue_find_exact).
 * Every slug and alias with its issue ID: names[i] belongs to ids[i].
 * The caller releases names with strv_release and frees *ids. */
int store_lookup_names(struct store *st, struct strv *names, int64_t **ids);
/* The issue's fields (caller frees the strings); 0, 1 when absent, -1 error. */
int store_lookup_issue(struct store *st, int64_t id, char **slug, char **name,
		       char **room_id);
/* The issue linked to room_id, 0 when none. */
int64_t store_lookup_room_issue(struct store *st, const char *room_id);
/* Point issues linked to 'alias' at 'room_id' (alias resolved). */
int store_lookup_resolve_room(struct store *st, const char *alias, const char *room_id);

#endif
