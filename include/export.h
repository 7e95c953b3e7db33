/*
 * export.h - "caucus export": one issue's log as Markdown or JSON, for the
 * coalition's report after the conference.
 */
#ifndef CAUCUS_EXPORT_H
#define CAUCUS_EXPORT_H

#include <stdint.h>

#include "util.h"

struct store;

/* One log entry as exported. */
struct export_entry {
	int64_t id;
	const char *sender;
	const char *kind;
	const char *body;
	int64_t ts_ms;
};

/*
 * Call fn for each log entry of issue_id at or after since_ms, oldest
 * first.  The entry's strings are valid only during the call.  Returns 0,
 * or -1 on a store failure.
 */
int store_export_log(struct store *st, int64_t issue_id, int64_t since_ms,
		     void (*fn)(const struct export_entry *e, void *ud), void *ud);

struct ical_out;

/* The issue's sessions ending after since_s, cancelled ones too, as one
 * iCalendar (see ical.h for o).  0, or -1 with err set. */
int export_issue_ics(struct store *st, int64_t issue_id, int64_t since_s,
		     const struct ical_out *o, struct buf *out, char *err, size_t errlen);

/* Write the export to out ("md" or "json"); tz for printed times. */
int export_issue(struct store *st, int64_t issue_id, const char *slug, const char *name,
		 const char *tz, int64_t since_ms, const char *format, struct buf *out);

#endif
