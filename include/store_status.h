/*
 * store_status.h - what "caucus status" and the daemon's health checks
 * read from the store (SPEC §6, §7): sync age, outbox figures, the last
 * warnings, upcoming reminders, the encryption state; and a read-only
 * opening that never writes to a database a running daemon holds.
 */
#ifndef CAUCUS_STORE_STATUS_H
#define CAUCUS_STORE_STATUS_H

#include <stdint.h>

#include "util.h"

struct store;

#define STORE_WARNINGS_KEEP 100         /* older warnings are deleted */

/*
 * Open 'path' read-only, without migrating or changing it (a WAL reader
 * next to the running daemon).  NULL and a reason in err when it is
 * missing, not a caucus database, or newer than this program.  Free with
 * store_close().
 */
struct store *store_open_reader(const char *path, char *err, size_t errlen);

/* Keep one warning (level "warn" or "error"); only the newest
 * STORE_WARNINGS_KEEP stay.  0 or -1. */
int store_warning_add(struct store *st, int64_t ts_ms, const char *level, const char *text);

/* Is the store writable now (not read-only, the write lock obtainable)?
 * Writes nothing.  0 when it is, else -1 and a reason in why. */
int store_writable(struct store *st, char *why, size_t whylen);

struct store_status {
	int64_t sync_ms;        /* wall ms of the last applied sync batch, 0: never */
	int64_t outbox_depth;   /* not yet sent */
	int64_t outbox_oldest_ms;       /* created_ms of the oldest of them, 0: none */
	int64_t outbox_held;    /* of them, waiting for a retry (rate limit, outage) */
	int64_t outbox_quiet;   /* of them, held for a member's quiet hours */
	char *device_id;        /* or NULL */
	int64_t otk_count;      /* one-time keys on the server, -1: unknown */
	char *xsign;            /* "signed", "foreign", or NULL (not yet) */
	struct strv warnings;   /* the newest 10, newest first: "TIME level text" */
	struct strv upcoming;   /* the next 5 reminders and digests, soonest first */
};

/*
 * Read every figure in one read transaction.  now_ms is the wall clock;
 * tz, remind_before and digest_minute come from the configuration (the
 * session reminders and the daily digest are computed from them).
 * 0 or -1; release with store_status_release().
 */
int store_status_read(struct store *st, int64_t now_ms, const char *tz,
		      const int64_t *remind_before, size_t n_remind_before, int digest_minute,
		      struct store_status *out);
void store_status_release(struct store_status *s);

#endif
