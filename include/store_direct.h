/*
 * store_direct.h - the direct rooms the bot keeps with members (SPEC §1:
 * one per member, for private answers and personal reminders) and the
 * members' own settings (!prefs: reminders by direct message, quiet
 * hours).  Knows nothing of Matrix: rooms and users are plain strings.
 */
#ifndef CAUCUS_STORE_DIRECT_H
#define CAUCUS_STORE_DIRECT_H

#include <stdint.h>

#include "store.h"
#include "util.h"

/* user_id's direct room, or NULL (none, or still being made).  Caller
 * frees. */
char *store_direct_room(struct store *st, const char *user_id);
/* 1 when room_id is user_id's direct room, 0 when not, -1 on error. */
int store_direct_is(struct store *st, const char *room_id, const char *user_id);
/* The member whose direct room room_id is, or NULL.  Caller frees. */
char *store_direct_user(struct store *st, const char *room_id);

/*
 * 1 when a room is being made for user_id (asked, not yet there), 0 when
 * not, -1 on error.
 */
int store_direct_making(struct store *st, const char *user_id);
/* Record that a room is being made for user_id (a row with no room). */
int store_direct_begin(struct store *st, const char *user_id, int64_t now_ms);
/* user_id's direct room is room_id from now on (replaces any other). */
int store_direct_set(struct store *st, const char *user_id, const char *room_id,
		     int64_t now_ms);
/* Forget the direct room room_id (the member left it); 0 or -1. */
int store_direct_forget_room(struct store *st, const char *room_id);
/* Forget user_id's row, made or being made; 0 or -1. */
int store_direct_forget_user(struct store *st, const char *user_id);

/* Every direct room made, by member: users->v[i] keeps rooms->v[i]
 * (caller releases both).  0 or -1. */
int store_direct_all(struct store *st, struct strv *users, struct strv *rooms);

/* A member's settings; fields are -1 when not set (then the defaults). */
struct store_prefs {
	int dm;                 /* 1 on, 0 off, -1: reminders.dm */
	int quiet_start;        /* minutes after midnight, -1: no quiet hours */
	int quiet_end;
};
/* Read user_id's settings (all -1 when none): 0 or -1. */
int store_prefs_get(struct store *st, const char *user_id, struct store_prefs *out);
/* Write them (fields -1 stored as unset): 0 or -1. */
int store_prefs_set(struct store *st, const char *user_id, const struct store_prefs *p);

#endif
