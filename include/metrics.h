/*
 * metrics.h - the daemon's counters and their Prometheus text rendering
 * (SPEC §7, text format 0.0.4).  Counters live in memory from the start of
 * the process, as Prometheus expects of a counter.  Label values come from
 * the code (command names, event kinds, reasons), never from users, and
 * each counter holds at most METRICS_MAX_SERIES of them: the rest are
 * counted as "other".  Knows nothing of HTTP, Matrix or the store.
 */
#ifndef CAUCUS_METRICS_H
#define CAUCUS_METRICS_H

#include <stdint.h>

#include "util.h"

#define METRICS_MAX_SERIES 64

enum metric {
	METRIC_EVENTS,          /* caucus_events_total{kind} */
	METRIC_COMMANDS,        /* caucus_commands_total{command} */
	METRIC_SEND_FAILURES,   /* caucus_send_failures_total{reason} */
	METRIC_RATE_LIMITED,    /* caucus_rate_limited_total */
	METRIC_REMINDERS,       /* caucus_reminders_total{late} */
	METRIC_DECRYPT_FAILURES,/* caucus_decrypt_failures_total */
	METRIC_FEED_FETCH,      /* caucus_feed_fetch_total{result} */
	METRIC_COUNT
};

/*
 * Add one to a counter; label is its label's value (NULL for a counter
 * without a label).  Between metrics_begin() and metrics_commit() counts
 * are held back, and metrics_discard() forgets them: what a rolled-back
 * sync batch counted is counted again when it is replayed, not twice.
 */
void metrics_count(enum metric m, const char *label);
void metrics_begin(void);
void metrics_commit(void);
void metrics_discard(void);

/* The current value of one series (tests); 0 when it does not exist. */
uint64_t metrics_value(enum metric m, const char *label);

/* Forget every count (tests; the end of the process). */
void metrics_reset(void);

/* What is read at scrape time rather than counted. */
struct metrics_gauges {
	int up;                 /* caucus_up: 1 while syncing and the store is writable */
	double sync_lag_s;      /* caucus_sync_lag_seconds; < 0: no sync applied yet */
	int64_t outbox_depth;   /* caucus_outbox_depth */
};

/* Append every metric, with HELP and TYPE, to out. */
void metrics_render(const struct metrics_gauges *g, struct buf *out);

#endif
