/*
 * when.h - durations, the <when> grammar of SPEC §2 and conference-time-zone
 * arithmetic.  All instants are int64_t seconds since the Unix epoch (UTC);
 * local times are computed through the system tz database.  Knows nothing of
 * commands, Matrix or sqlite.
 */
#ifndef CAUCUS_WHEN_H
#define CAUCUS_WHEN_H

#include <stddef.h>
#include <stdint.h>

/* "90m", "2h", "1h30m", "45s", "1d" (units d h m s, each at most once, in
 * that order, total > 0 and <= 366 days).  Returns 0 and sets *secs, or -1. */
int when_parse_duration(const char *s, int64_t *secs);

/* Format a duration the same way ("1h30m", "5m", "45s"). Writes into out. */
void when_format_duration(int64_t secs, char *out, size_t outlen);

/* The tz_* functions point TZ at the zone for the length of the call and
 * then restore it (and tzset()): call them from one thread only.  A zone
 * that already is the process's own (tz_keep) costs neither. */

/*
 * Make tz the process's local zone (TZ and tzset(), once), so that the
 * tz_* calls for it switch nothing: each switch re-reads a zone file,
 * twice per call.  For the daemon and the console, whose one zone is the
 * conference's and which read local time nowhere else (their logs are
 * UTC).  Returns 0, or -1 for a bad zone (nothing changed).
 */
int tz_keep(const char *tz);

/* 1 when 'tz' names a zone of the system tz database (e.g. "Asia/Dubai",
 * "UTC"), 0 otherwise.  Rejects paths ("../", leading '/'). */
int tz_valid(const char *tz);

/* Broken-down local time in zone tz. */
struct local_time {
	int year, month, day;   /* month 1-12 */
	int hour, min, sec;
	int wday;               /* 0 = Sunday */
	int utc_offset;         /* seconds east of UTC */
	char abbr[16];          /* "GST", "BST", ... */
};
/* Instant -> local time.  Returns 0, or -1 for a bad zone. */
int tz_to_local(const char *tz, int64_t t, struct local_time *out);
/*
 * Local wall-clock time -> instant.  A time that does not exist (the gap
 * when clocks go forward) returns -2; an ambiguous time (clocks go back)
 * resolves to the earlier instant.  -1 for a bad zone or out-of-range field.
 */
int tz_from_local(const char *tz, int year, int month, int day, int hour,
		  int min, int sec, int64_t *out);
/* Instant of local midnight starting the day that contains t (when midnight
 * falls in a DST gap, the first instant of that day); -1 for a bad zone. */
int64_t tz_day_start(const char *tz, int64_t t);
/* Forget what zones said (tz.c keeps offsets and day starts); for tests. */
void tz_cache_clear(void);

/* Calendar dates handled (tz_from_local, tz_date_add, <when>): years
 * TZ_YEAR_MIN..TZ_YEAR_MAX. */
#define TZ_YEAR_MIN 1970
#define TZ_YEAR_MAX 9999
/* Days in a month (1-12) of a Gregorian year; 0 for a bad month. */
int tz_days_in_month(int year, int month);
/* Move a calendar date by 'days' (may be negative), in place, on the
 * calendar rather than by 86400 s: DST days are 23 or 25 hours long.
 * Returns 0, or -1 (date unchanged) for a bad date or a result outside
 * TZ_YEAR_MIN..TZ_YEAR_MAX. */
int tz_date_add(int *year, int *month, int *day, int days);

/*
 * Formats for printing in the conference zone:
 *   tz_format_hm        "14:00"
 *   tz_format_day       "Mon 5 Nov"
 *   tz_format_dayhm     "Mon 5 Nov 14:00"
 *   tz_format_date      "2018-11-05"
 */
void tz_format_hm(const char *tz, int64_t t, char *out, size_t outlen);
void tz_format_day(const char *tz, int64_t t, char *out, size_t outlen);
void tz_format_dayhm(const char *tz, int64_t t, char *out, size_t outlen);
void tz_format_date(const char *tz, int64_t t, char *out, size_t outlen);

/* "today", "tomorrow" (local days as seen at 'now') or "Wed 7 Nov" for
 * the local day of t.  Writes into out. */
void tz_format_near_day(const char *tz, int64_t now, int64_t t, char *out, size_t outlen);

/* How tz_format_span writes the day of a span (of a session, say). */
enum tz_span {
	TZ_SPAN_TIME,   /* "14:00-15:00" */
	TZ_SPAN_NEAR,   /* "today 14:00-15:00", "tomorrow 09:00-10:30", "Wed 7 Nov 23:00-01:00" */
	TZ_SPAN_DATE,   /* "Tue 6 Nov 10:00-11:00", for a record read later (digests) */
};
/*
 * The span [start, end) in zone tz, as 'how' says.  With TZ_SPAN_TIME and
 * TZ_SPAN_NEAR a span going on at 'now' reads "now until 15:00" and one
 * of a day or more gives the end's day ("09:00-Thu 8 Nov 09:00");
 * TZ_SPAN_DATE ignores 'now' and writes the end as a time only.  Writes
 * into out.
 */
void tz_format_span(const char *tz, int64_t now, int64_t start, int64_t end,
		    enum tz_span how, char *out, size_t outlen);

/*
 * Parse a <when> at the start of argv (SPEC §2): "HH:MM", "today HH:MM",
 * "tomorrow HH:MM", "<weekday> HH:MM" (mon..sun / monday.., the next such
 * day; today if the time is still ahead), "YYYY-MM-DD HH:MM", "in <duration>".
 * A range end may follow the time in the same token: "14:00-15:30" (an end
 * earlier than the start means the next day, e.g. 23:00-01:00).
 * 'now' is the current instant; "HH:MM" alone means today (even if past).
 * On success returns 0, sets *consumed (tokens used: 1 or 2), *start, and
 * *end (-1 when no range was given).  On failure returns -1 and writes a
 * one-line, lower-case reason into err (e.g. "'25:00' is not a time (HH:MM)",
 * "14:30 does not exist on 2018-03-25 in Europe/London (clocks go forward)").
 */
int when_parse(const char *tz, int64_t now, char *const *argv, size_t argc,
	       size_t *consumed, int64_t *start, int64_t *end,
	       char *err, size_t errlen);

#endif
