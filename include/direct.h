/*
 * direct.h - the daemon's side of direct rooms (SPEC §1, §2): where a
 * message to a member goes (their direct room, or, until it exists, the
 * outbox under their user ID while a room is made), which rooms are direct
 * rooms (made by the bot, or made by a member who invited the bot with
 * is_direct), and forgetting one when its member leaves.  Everything runs
 * inside the caller's transaction; the Matrix calls are roomwork's
 * ("direct": create the room, "mdirect": write the bot's m.direct).
 */
#ifndef CAUCUS_DIRECT_H
#define CAUCUS_DIRECT_H

#include <stdint.h>

struct store;

/*
 * Queue content (JSON text) for user_id's direct room under txn_id: into
 * the room when it is ready (the bot joined, the member joined or is
 * invited), else under the member's ID, asking for a new room when there
 * is none.  hold_until_ms (0: none) keeps it until then.  0 or -1.
 */
int direct_queue(struct store *st, const char *me, const char *user_id, const char *txn_id,
		 const char *content, int64_t hold_until_ms, int64_t now_ms);

/* A membership change in room_id seen in a sync: the direct room becomes
 * ready (waiting messages go to it) or is forgotten (its member left).
 * 0 or -1. */
int direct_member(struct store *st, const char *me, const char *room_id, const char *user_id,
		  const char *membership, int64_t now_ms);

/* The bot was invited to room_id by an allowed inviter with is_direct: it
 * becomes the inviter's direct room.  0 or -1. */
int direct_invited(struct store *st, const char *room_id, const char *inviter, int64_t now_ms);

/* The bot left room_id: if it was a direct room, it is forgotten. */
int direct_left(struct store *st, const char *room_id, int64_t now_ms);

/* roomwork made room_id for user_id: record it (messages go when it is
 * ready).  0 or -1. */
int direct_created(struct store *st, const char *me, const char *user_id,
		   const char *room_id, int64_t now_ms);

/* Messages waiting for a member whose direct room is ready go to it (the
 * readiness was seen while they could not be moved).  0 or -1. */
int direct_sweep(struct store *st, const char *me);

/* The bot's m.direct content (JSON text, caller frees): every direct room
 * by member, as Element writes it.  NULL on error. */
char *direct_account_data(struct store *st);

#endif
