/*
 * roomwork.h - carries out the room work the command engine asks for
 * (SPEC §2 !join, !issue room; the Space of §6): invites, new issue rooms
 * and Space links.  Requests are kept in the store inside the batch that
 * caused them (roomwork_queue), and carried out one at a time after the
 * commit (roomwork_kick), retried with backoff across restarts; a refusal
 * is told, as a notice through the outbox, where the command was asked.
 * Knows the Matrix calls, not the commands.
 */
#ifndef CAUCUS_ROOMWORK_H
#define CAUCUS_ROOMWORK_H

#include <stddef.h>

struct config;
struct engine_reply;
struct loop;
struct mx_api;
struct outbox;
struct store;
struct roomwork;

/*
 * A worker over st, api, loop and ob (kept, not owned).  *cfg is read at
 * each use, so a reload that swaps the configuration is seen.  It starts
 * on hold.  Free with roomwork_free().
 */
struct roomwork *roomwork_new(struct store *st, struct mx_api *api, struct loop *loop,
			      struct outbox *ob, struct config *const *cfg);
void roomwork_free(struct roomwork *w);         /* abandons the call in flight; NULL: no-op */

/* Keep the request r (an engine reply of a kind other than ENGINE_POST),
 * inside the caller's transaction; cause and i make its key, so keeping it
 * twice is a no-op.  0 or -1. */
int roomwork_queue(struct store *st, const struct engine_reply *r, const char *cause, size_t i);

/* Start the next due request, if none is in flight and not on hold. */
void roomwork_kick(struct roomwork *w);
/* Hold the work (no valid access token) or let it go. */
void roomwork_hold(struct roomwork *w, int hold);

#endif
