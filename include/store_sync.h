/*
 * store_sync.h - what the daemon keeps of what it read from the server:
 * the events already handled (never handled twice), how far each room's
 * missed events have been read (a backlog read page by page), and the
 * room changes the command engine has no call for (power levels of every
 * member, a room the bot was removed from).
 */
#ifndef CAUCUS_STORE_SYNC_H
#define CAUCUS_STORE_SYNC_H

#include <stdint.h>

#include "store.h"
#include "util.h"

/* 1 when event_id was handled, 0 when not, -1 on error. */
int store_handled_has(struct store *st, const char *event_id);
int store_handled_add(struct store *st, const char *event_id, int64_t now_ms);
/* Forget handled events recorded before before_ms. */
int store_handled_purge(struct store *st, int64_t before_ms);

/* Every user with a member row in room_id, appended to 'users'. */
int store_sync_members(struct store *st, const char *room_id, struct strv *users);
/* Set one member's power level (no-op when there is no such member). */
int store_sync_member_power(struct store *st, const char *room_id, const char *user_id,
			    int power);
/* The bot is out of room_id: the issue linked to it is unlinked. */
int store_sync_room_left(struct store *st, const char *room_id);

/*
 * How far a room's missed stretch (a limited timeline's gap) has been read
 * and applied since the stored sync token: set with each page, cleared
 * with the token's next value.  get returns a copy (caller frees) or NULL.
 */
char *store_backlog_get(struct store *st, const char *room_id);
int store_backlog_set(struct store *st, const char *room_id, const char *position);
int store_backlog_clear(struct store *st);

#endif
