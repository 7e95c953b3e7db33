/*
 * ical.h - iCalendar (RFC 5545) both ways, behind one module so that only
 * ical.c knows libical.  Out: a list of sessions as a VCALENDAR for phone
 * calendars and "caucus export --format ics".  In: a feed's text as a flat
 * list of event occurrences in UTC, with every event it could not use
 * counted and explained.
 */
#ifndef CAUCUS_ICAL_H
#define CAUCUS_ICAL_H

#include <stddef.h>
#include <stdint.h>

#include "store_session.h"
#include "util.h"

/* ---- out ---- */

struct ical_out {
	const char *server;             /* the bot's server: UID <id>@<server> */
	const char *timezone;           /* conference zone (IANA) */
	const int64_t *alarms_s;        /* reminders.before, seconds */
	size_t n_alarms;
	int64_t now_s;                  /* DTSTAMP */
};

/*
 * Append sessions[0..n) to out as one VCALENDAR.  Cancelled sessions come
 * out with STATUS:CANCELLED (and no alarms).  0, or -1 with err set (an
 * unknown time zone, or out's size cap).
 */
int ical_render(const struct session *sessions, size_t n, const struct ical_out *o,
		struct buf *out, char *err, size_t errlen);

/* ---- in ---- */

/* Feeds are untrusted: these bound what one feed may cost. */
#define ICAL_MAX_BYTES          ((size_t)8 << 20)
#define ICAL_MAX_EVENTS         20000   /* occurrences kept per feed */
#define ICAL_MAX_SKIPS          200     /* skip explanations kept (all are counted) */
#define ICAL_MAX_TEXT           4000    /* bytes kept of a summary, place, description */
#define ICAL_EXPAND_DAYS        30      /* recurring events: occurrences this far ahead */

/* One occurrence.  The event owns its strings (NULL when absent). */
struct ical_event {
	char *uid;
	int64_t recurrence_s;   /* the occurrence's original start (UTC) for a
				 * recurring event or an override, else 0 */
	int64_t start_s, end_s; /* UTC */
	int all_day;            /* VALUE=DATE: start and end are local midnights */
	int no_end;             /* neither DTEND nor DURATION: end_s = start_s */
	int cancelled;          /* STATUS:CANCELLED */
	char *summary, *location, *description;
	char *categories;       /* every CATEGORIES value, joined with ", " */
};

struct ical_skip {
	char *uid;              /* or NULL when the event had none */
	char *reason;
};

struct ical_feed {
	struct ical_event *v;
	size_t n;
	struct ical_skip *skips;        /* the first ICAL_MAX_SKIPS */
	size_t n_skipped;               /* every skipped event */
	size_t unknown_tzid;            /* times read in the conference zone instead */
	size_t windows_tzid;            /* times whose TZID was a Windows name */
	size_t truncated;               /* occurrences dropped past ICAL_MAX_EVENTS */
};
void ical_feed_release(struct ical_feed *f);     /* frees all */

struct ical_in {
	const char *timezone;   /* conference zone: floating times, unknown TZIDs */
	int64_t from_s;         /* recurring events expand over [from_s, from_s + 30 days) */
};

/*
 * Parse a feed body (len bytes, need not be NUL-terminated; a BOM, LF-only
 * lines and folded lines are fine) into out (zeroed first; release it
 * also on failure).  0, or -1 with err set when the text is not iCalendar
 * at all or is too big.  Single events come out whatever their date;
 * recurring ones as their occurrences in the window.
 */
int ical_parse(const char *data, size_t len, const struct ical_in *in, struct ical_feed *out,
	       char *err, size_t errlen);

#endif
