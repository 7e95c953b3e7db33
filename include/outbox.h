/*
 * outbox.h - sends what the store's outbox holds, in order per room, one
 * message in flight per room, rooms side by side.  A message is queued
 * inside the transaction that caused it (outbox_queue), and sent after the
 * commit (outbox_kick).  Network errors and 5xx back off exponentially
 * with jitter, a 429 waits its retry_after_ms, a permanent 4xx drops the
 * message with a log line.  Knows nothing of commands or of JSON.
 */
#ifndef CAUCUS_OUTBOX_H
#define CAUCUS_OUTBOX_H

#include <stdint.h>

#include "mx_api.h"

struct outbox;
struct store;
struct loop;

/* A sender over st, api and loop (kept, not owned).  Free with outbox_free(). */
struct outbox *outbox_new(struct store *st, struct mx_api *api, struct loop *loop);

/*
 * What the outbox sends through: mx_api_send and mx_api_cancel for
 * outbox_new, or a stand-in with their contract (tests): send returns NULL
 * and never calls back, or a handle and calls cb(cb_ud, result) once,
 * later, unless cancelled.  ud is the transport's own.
 */
struct outbox_transport {
	struct mx_http_req *(*send)(void *ud, const char *room_id, const char *type,
				    const char *txn_id, const char *content, mx_api_cb cb,
				    void *cb_ud);
	void (*cancel)(void *ud, struct mx_http_req *req);
	void *ud;
};
/* The same over transport t (copied). */
struct outbox *outbox_new_with(struct store *st, const struct outbox_transport *t,
			       struct loop *loop);
/* Abandons the sends in flight (they go again, same txn ID, next start). */
void outbox_free(struct outbox *ob);    /* NULL is a no-op */

/*
 * Queue an m.room.message (content: JSON text, copied) to room_id under
 * txn_id, inside the caller's transaction.  The txn_id must be derived
 * from what caused the message, so that queueing it again is a no-op.
 */
int outbox_queue(struct store *st, const char *room_id, const char *txn_id,
		 const char *content, int64_t now_ms);

/* Start every send that may start now, and arm a timer for the rest.
 * Nothing is sent while the outbox is on hold. */
void outbox_kick(struct outbox *ob);

/* Hold sends (no valid access token yet: they would only fail) or let
 * them go; a new outbox starts on hold. */
void outbox_hold(struct outbox *ob, int hold);
/* Seal messages to encrypted rooms with e (kept, not owned) from now on. */
struct e2ee;
void outbox_set_e2ee(struct outbox *ob, struct e2ee *e);

/*
 * Called after a message was refused for good (a 4xx other than 429) and
 * dropped: room, its txn ID, the HTTP status and errcode (may be NULL).
 * The callback may queue (and kick) another message.
 */
typedef void (*outbox_refused_fn)(void *ud, const char *room_id, const char *txn_id,
				  long http, const char *errcode);
void outbox_on_refused(struct outbox *ob, outbox_refused_fn fn, void *ud);

/* The server is reachable again: retry waiting messages now. */
void outbox_wake(struct outbox *ob);

/* Sends in flight. */
int outbox_in_flight(const struct outbox *ob);

#endif
