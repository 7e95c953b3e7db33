/*
 * feedpoll.h - the daemon's side of the feeds (SPEC §3 Feeds): a timer on
 * the event loop starts each feed's fetch every feeds.interval through the
 * same curl multi handle as the Matrix calls (no thread, no blocking
 * call), and hands each answer to feed.c inside one transaction with the
 * notices it queues.  A fetch in flight never holds up anything else.
 */
#ifndef CAUCUS_FEEDPOLL_H
#define CAUCUS_FEEDPOLL_H

#include "engine.h"

struct config;
struct feedpoll;
struct loop;
struct mx_api;
struct store;

/* Put the replies into the outbox inside the open transaction (and
 * acknowledge them): 0 or -1.  Then 'kick' sends them after the commit. */
typedef int (*feedpoll_queue_fn)(void *ud, struct engine_replies *r);
typedef void (*feedpoll_kick_fn)(void *ud);

/*
 * Start polling.  Everything is kept, not owned; *cfg is read at each tick
 * (a reload swaps it).  Free with feedpoll_free(), before the API.
 */
struct feedpoll *feedpoll_new(struct store *st, struct engine *eng, struct mx_api *api,
			      struct loop *loop, struct config *const *cfg,
			      feedpoll_queue_fn queue, feedpoll_kick_fn kick, void *ud);
void feedpoll_free(struct feedpoll *fp);        /* cancels fetches; NULL is a no-op */

#endif
