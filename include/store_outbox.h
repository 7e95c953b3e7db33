/*
 * store_outbox.h - the outbox table: messages waiting to be sent, each
 * with the transaction ID it will be sent under for good (so a resend
 * after a crash is recognised by the server as the same message).  Rows
 * are written inside the caller's transaction, with what caused them.
 */
#ifndef CAUCUS_STORE_OUTBOX_H
#define CAUCUS_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

struct outbox_row {
	int64_t id;
	char *room_id;
	char *txn_id;
	char *event_type;
	char *content;          /* JSON text */
	int attempts;
	int64_t next_try_ms;    /* wall clock; 0 = at once */
};

/* Queue a message (all strings copied).  A txn_id already queued is left
 * as it was: queueing the same message twice sends it once. */
int store_outbox_add(struct store *st, const char *room_id, const char *txn_id,
		     const char *event_type, const char *content, int64_t now_ms);

/* The same, held until hold_until_ms (quiet hours; 0: not held).  A
 * held message does not keep its room's later messages waiting. */
int store_outbox_add_held(struct store *st, const char *room_id, const char *txn_id,
			  const char *event_type, const char *content, int64_t now_ms,
			  int64_t hold_until_ms);
/* The earliest end of a hold after now_ms, or 0 when nothing is held. */
int64_t store_outbox_next_release(struct store *st, int64_t now_ms);
/* The message queued under txn_id is about 'about' ("session:12",
 * "action:3"): once sent, its event ID is kept with it (store_people.h),
 * for reactions to it.  0 or -1. */
int store_outbox_about(struct store *st, const char *txn_id, const char *about);

/*
 * The oldest unsent message of each room not held at now_ms (what may be sent next while
 * keeping each room's order), into *rows.  Messages queued under a
 * member's user ID instead of a room ID wait for that member's direct
 * room (store_outbox_readdress) and are not among them.  Into *rows (caller frees with
 * store_outbox_rows_free) and *n.  0 or -1.
 */
int store_outbox_heads(struct store *st, int64_t now_ms, struct outbox_row **rows, size_t *n);
void store_outbox_rows_free(struct outbox_row *rows, size_t n);

/* Messages waiting under 'from' (a member's ID) go to room_id now. */
int store_outbox_readdress(struct store *st, const char *from, const char *room_id);

/* The members messages wait for (queued under a user ID), into users
 * (caller releases).  0 or -1. */
int store_outbox_waiting_users(struct store *st, struct strv *users);

/* The same for messages of room_id not sealed yet (sealed ones are for
 * that room only): they wait under 'to' (a member's ID) again. */
int store_outbox_readdress_unsealed(struct store *st, const char *room_id, const char *to);

/* The message was encrypted: from now on it is sent as (event_type,
 * content), every retry the same. */
int store_outbox_seal(struct store *st, int64_t id, const char *event_type,
		      const char *content);
/* The message went out as event_id (what it is about is then kept by
 * that event ID). */
int store_outbox_sent(struct store *st, int64_t id, const char *event_id);
/* The message failed; try again at next_try_ms. */
int store_outbox_retry(struct store *st, int64_t id, int attempts, int64_t next_try_ms);
/* Forget every pending message's wait (the server is back). */
int store_outbox_wake(struct store *st);
/* The server refused the message for good: forget it. */
int store_outbox_drop(struct store *st, int64_t id);
/* Forget messages sent before before_ms. */
int store_outbox_purge(struct store *st, int64_t before_ms);
/* Messages not sent yet, or -1. */
int64_t store_outbox_pending(struct store *st);

#endif
