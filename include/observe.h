/*
 * observe.h - how the running daemon is seen from outside (SPEC §6, §7):
 * the HTTP listener's routes (/healthz, /metrics), the systemd watchdog
 * and status line, the sync time and warnings kept in the store for
 * "caucus status".  The daemon calls it at a few points; it knows nothing
 * of commands or of Matrix JSON (a batch's key count comes from mx_sync).
 */
#ifndef CAUCUS_OBSERVE_H
#define CAUCUS_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct loop;
struct store;
struct observe;

/*
 * Start watching: the warning sink of the log, the watchdog timer when
 * systemd asks for one, and the HTTP listener when http.listen is set.
 * st, loop and cfg are kept, not owned.  NULL (and a reason in err) when
 * the listener cannot listen.  Free with observe_free().
 */
struct observe *observe_new(struct store *st, struct loop *loop, const struct config *cfg,
			    char *err, size_t errlen);
void observe_free(struct observe *o);   /* NULL is a no-op */

/* A reloaded configuration (kept, not owned); http.metrics takes effect at
 * once, a new http.listen at the next start. */
void observe_set_config(struct observe *o, const struct config *cfg);

/* Inside the transaction that applies a sync batch: keep its time and the
 * one-time key count the server reported (mx_sync_otk_count; -1: none
 * reported, the last one stays).  0 or -1 (store). */
int observe_batch(struct observe *o, int64_t otk_count, int64_t now_ms);

/* The batch was committed: the first one makes the daemon ready. */
void observe_synced(struct observe *o);

/* What the loop waits on, and for how long (see http_poll_fd()). */
int observe_poll_fd(struct observe *o, int loop_fd);
int observe_timeout(struct observe *o, int timeout_ms);

/* After each wait: serve HTTP, keep the queued warnings. */
void observe_run(struct observe *o);

/* 1 when healthy (SPEC §7: last sync under 2 minutes old, store writable),
 * else 0 and the reason in why. */
int observe_healthy(struct observe *o, char *why, size_t whylen);

/* The port the listener is on, 0 when there is none. */
int observe_http_port(struct observe *o);

#endif
