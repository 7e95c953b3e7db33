/*
 * feedmap.h - what a feed's event becomes (SPEC §3 Feeds): a session of
 * which issue, with which times, title and place, or skipped and why.  A
 * pure function of the configuration and the event; fetching, storing and
 * announcing are elsewhere.
 */
#ifndef CAUCUS_FEEDMAP_H
#define CAUCUS_FEEDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ical.h"

enum feedmap_verdict {
	FEEDMAP_SESSION,        /* a session of issues[issue] */
	FEEDMAP_UNMATCHED,      /* no issue's match rule hits it */
	FEEDMAP_ALL_DAY,        /* an all-day event (a holiday, "day 3"): no session */
};

struct feedmap_result {
	enum feedmap_verdict verdict;
	size_t issue;           /* index into cfg->issues (FEEDMAP_SESSION) */
	int64_t start_s, end_s; /* an event without an end lasts sessions.default_length */
	const char *title;      /* the event's SUMMARY, or "(untitled)"; the event owns it */
	const char *place;      /* the event's LOCATION, or NULL */
	int cancelled;
};

/*
 * The first issue of issues[0..n) with a match rule that is a
 * case-insensitive (ASCII) substring of the event's SUMMARY, CATEGORIES,
 * LOCATION or DESCRIPTION; its index, or -1 when none.
 */
long feedmap_match(const struct cfg_issue *issues, size_t n, const struct ical_event *e);

/*
 * Map event e of a feed.  feed_issue: the slug the feed names (every event
 * goes there), or NULL to use the match rules.  A feed issue that is not
 * in cfg->issues leaves the event unmatched.  Fills *out; returns its
 * verdict.
 */
enum feedmap_verdict feedmap_event(const struct config *cfg, const char *feed_issue,
				   const struct ical_event *e, struct feedmap_result *out);

/* A short reason for a verdict other than FEEDMAP_SESSION ("" for it). */
const char *feedmap_reason(enum feedmap_verdict v);

#endif
