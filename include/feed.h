/*
 * feed.h - what a feed's answer does to the sessions (SPEC §3 Feeds): the
 * events become sessions of their issue, changes are announced in the
 * issue rooms, failures are counted and told in the coordination room
 * after 3 in a row.  Part of the command engine: it knows nothing of HTTP
 * (the daemon fetches and hands over the answer) nor of Matrix.  The
 * caller owns the transaction: the session changes and the notices (due
 * replies for the outbox) go in together, so each is told exactly once.
 */
#ifndef CAUCUS_FEED_H
#define CAUCUS_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define FEED_FAILS_TOLD 3       /* failed fetches in a row before the room is told */
#define FEED_LOSS_MIN 4         /* known events before a mass loss can be suspected */
#define FEED_TIMEOUT_MS_MAX 600000
#define FEED_REDIRECTS 5

/* One fetch's outcome, as the HTTP layer saw it; nothing is kept. */
struct feed_fetch {
	long status;            /* HTTP status; 0: no answer */
	const char *error;      /* why there was no answer, or NULL */
	const char *body;       /* the answer (need not be NUL-terminated) */
	size_t len;
	const char *etag;       /* the answer's ETag, or NULL */
	const char *last_modified;      /* its Last-Modified, or NULL */
};

/*
 * Apply fetch res of feed feed_id at the engine's now: sessions made,
 * moved or cancelled, the feed's state updated, and the notices appended
 * to out as due replies (stable due IDs: queue and engine_ack them in the
 * same transaction).  *result is the caucus_feed_fetch_total label
 * ("ok", "not_modified", "error" for no answer or an HTTP error,
 * "not_ical", "mass_loss").  A feed removed meanwhile is ignored.  0, or -1 when the
 * store failed (roll back).
 */
int feed_apply(struct engine *eng, int64_t feed_id, const struct feed_fetch *res,
	       struct engine_replies *out, const char **result);

/*
 * url as a phone shows it on one line: as it is up to FEED_URL_SHOWN
 * bytes, else "host/…/last-part" (a calendar link of 100 characters would
 * run off a 360-pixel screen).  Writes into out.
 */
#define FEED_URL_SHOWN 44
void feed_url_short(const char *url, char *out, size_t len);

/* Make the configuration's [[feed]] entries the store's configured feeds. */
int feed_sync_config(struct engine *eng);

#endif
