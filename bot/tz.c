/*
 * tz.c - conference-time-zone arithmetic on top of the system tz database
 * (/usr/share/zoneinfo).  libc only converts in "the" local zone, so each
 * call points TZ at the wanted zone, converts, and puts the previous TZ
 * back: the rest of the daemon never sees the zone change (the program is
 * single-threaded).  Wall-clock -> instant is verified by converting back,
 * because mktime() silently normalises times in a DST gap and guesses on
 * ambiguous ones.  Knows nothing of the <when> grammar or of commands.
 * Entering a zone costs libc two reads of zone files (ours, then the
 * caller's back), so what a zone said is kept (see the caches below): a
 * list of 90 sessions asked it a thousand times.  The daemon and the
 * console make the conference zone their own once (tz_keep), and then
 * entering it switches nothing.
 */
#include "when.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define ZONEINFO "/usr/share/zoneinfo/"
#define TZ_NAME_MAX 128

/*
 * The zone tz_valid() last found valid: nearly every call is for the one
 * conference zone, and its file need not be opened and checked each time.
 */
static char checked_zone[TZ_NAME_MAX + 1];
static char *saved_tz;          /* the caller's TZ while a zone is entered */
static int saved_tz_set;
static int entered;              /* 1: TZ switched; 2: it already was the zone */

static int is_zone_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+';
}

/* A relative path of [A-Za-z0-9_+-] components, none empty or hidden. */
static int zone_name_ok(const char *tz)
{
	size_t len, i;

	len = strlen(tz);
	if (len == 0 || len > TZ_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (tz[i] == '/') {
			/* no leading '/', no "//", no trailing '/' */
			if (i == 0 || tz[i - 1] == '/' || i + 1 == len)
				return 0;
		} else if (!is_zone_char(tz[i])) {
			return 0;       /* this also rules out "." and ".." */
		}
	}
	/*
	 * "right/..." zones count leap seconds, so their instants are not Unix
	 * time; "localtime" is whatever the host is set to, not a zone.
	 */
	if (strncmp(tz, "right/", 6) == 0 || strcmp(tz, "localtime") == 0)
		return 0;
	return 1;
}

int tz_valid(const char *tz)
{
	char path[sizeof(ZONEINFO) + TZ_NAME_MAX];
	char magic[4];
	struct stat st;
	int fd = -1, ok = 0;
	int n;

	if (!tz)
		return 0;
	if (strcmp(tz, "UTC") == 0 || (checked_zone[0] && strcmp(tz, checked_zone) == 0))
		return 1;
	if (!zone_name_ok(tz))
		return 0;
	n = snprintf(path, sizeof(path), "%s%s", ZONEINFO, tz);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	/* O_NONBLOCK: a FIFO planted in the tree must not hang the daemon */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		goto out;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (read(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic))
		goto out;
	ok = memcmp(magic, "TZif", 4) == 0;
	if (ok)
		snprintf(checked_zone, sizeof(checked_zone), "%s", tz);
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * The TZ value for tz: an absolute path, so the zone used is the file
 * tz_valid() checked whatever TZDIR says; UTC as a POSIX rule works
 * without tzdata.  Returns 0, or -1 (bad zone).
 */
static int zone_value(const char *tz, char *val, size_t len)
{
	int n;

	if (!tz_valid(tz))
		return -1;
	if (strcmp(tz, "UTC") == 0)
		n = snprintf(val, len, "UTC0");
	else
		n = snprintf(val, len, ":%s%s", ZONEINFO, tz);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int tz_keep(const char *tz)
{
	char val[sizeof(ZONEINFO) + TZ_NAME_MAX + 1];

	if (entered || zone_value(tz, val, sizeof(val)) || setenv("TZ", val, 1))
		return -1;
	tzset();
	return 0;
}

/* Point libc's local zone at tz.  Returns 0, or -1 (nothing changed). */
static int zone_enter(const char *tz)
{
	char val[sizeof(ZONEINFO) + TZ_NAME_MAX + 1];
	const char *cur;

	if (entered || zone_value(tz, val, sizeof(val)))
		return -1;
	cur = getenv("TZ");
	if (cur && !strcmp(cur, val)) {
		entered = 2;    /* already ours (tz_keep): nothing to switch back */
		return 0;
	}
	saved_tz_set = cur != NULL;
	saved_tz = cur ? xstrdup(cur) : NULL;
	if (setenv("TZ", val, 1) != 0) {
		free(saved_tz);
		saved_tz = NULL;
		return -1;
	}
	tzset();
	entered = 1;
	return 0;
}

/*
 * Put the caller's TZ back.  The tzset() makes libc re-read the caller's
 * zone (some 10 us per call, as zone_enter() re-reads ours), but leaving
 * ours loaded would give any localtime_r() elsewhere the wrong zone.
 */
static void zone_leave(void)
{
	if (!entered)
		return;
	if (entered == 2) {
		entered = 0;
		return;
	}
	if (saved_tz_set)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
	saved_tz = NULL;
	entered = 0;
}

/* localtime_r() for an int64_t instant; -1 when it does not fit. */
static int local_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	if ((int64_t)tt != t)
		return -1;
	return localtime_r(&tt, tm) ? 0 : -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (the
 * algorithms of H. Hinnant's "chrono-compatible low-level date algorithms"). */
static int64_t days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = month > 2 ? month - 3 : month + 9;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	*year = (int)(yoe + era * 400 + (m <= 2));
	*month = (int)m;
	*day = (int)d;
}

int tz_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap;

	if (month < 1 || month > 12)
		return 0;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return days[month - 1] + (month == 2 && leap);
}

int tz_date_add(int *year, int *month, int *day, int days)
{
	int y, m, d;

	if (*year < TZ_YEAR_MIN || *year > TZ_YEAR_MAX || *month < 1 ||
	    *month > 12 || *day < 1 || *day > tz_days_in_month(*year, *month))
		return -1;
	civil_from_days(days_from_civil(*year, *month, *day) + days, &y, &m, &d);
	if (y < TZ_YEAR_MIN || y > TZ_YEAR_MAX)
		return -1;
	*year = y;
	*month = m;
	*day = d;
	return 0;
}

/*
 * The caches.  An offset is kept for a bucket of OFF_BUCKET_S seconds
 * (UTC-aligned) only when its first and last second have the same offset,
 * DST flag and abbreviation: zones never change twice in 3 h (as
 * from_local_entered() assumes), so the whole bucket has them too.  A day
 * start is kept per local date: it depends on nothing else.  Only zones
 * entered successfully are kept, and only instants in TZ_YEAR_MIN..MAX.
 * What is kept is forgotten after CACHE_TTL_S, so an update of the tz
 * database is seen within the hour, as before it was at the next call.
 */
#define OFF_BUCKET_S 3600
#define OFF_SLOTS 64
#define DAY_SLOTS 64
#define CACHE_T_MAX 253402300799LL      /* 9999-12-31 23:59:59 UTC */
#define CACHE_TTL_S 3600

static struct off_slot {
	char zone[TZ_NAME_MAX + 1];     /* "" while empty */
	int64_t bucket;                 /* t / OFF_BUCKET_S */
	int64_t kept_s;                 /* mono_s() when kept */
	int utc_offset, isdst;
	char abbr[sizeof(((struct local_time *)0)->abbr)];
} off_cache[OFF_SLOTS];

static struct day_slot {
	char zone[TZ_NAME_MAX + 1];
	int year, month, day;
	int64_t start;
	int64_t kept_s;
} day_cache[DAY_SLOTS];

/* Seconds of a clock that only goes forward. */
static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static int fresh(int64_t kept_s)
{
	return mono_s() - kept_s < CACHE_TTL_S;
}

void tz_cache_clear(void)
{
	memset(off_cache, 0, sizeof(off_cache));
	memset(day_cache, 0, sizeof(day_cache));
}

static int cacheable(const char *tz, int64_t t)
{
	return t >= 0 && t <= CACHE_T_MAX && strlen(tz) <= TZ_NAME_MAX;
}

static struct off_slot *off_slot(int64_t bucket)
{
	return &off_cache[(uint64_t)bucket % OFF_SLOTS];
}

/* tm as a local_time, its abbreviation copied (it points into libc's
 * zone data, which zone_leave() replaces). */
static void from_tm(const struct tm *tm, struct local_time *out)
{
	out->year = tm->tm_year + 1900;
	out->month = tm->tm_mon + 1;
	out->day = tm->tm_mday;
	out->hour = tm->tm_hour;
	out->min = tm->tm_min;
	out->sec = tm->tm_sec;
	out->wday = tm->tm_wday;
	out->utc_offset = (int)tm->tm_gmtoff;
	snprintf(out->abbr, sizeof(out->abbr), "%s", tm->tm_zone ? tm->tm_zone : "");
}

/* Keeps t's bucket when its ends agree.  Call inside zone_enter(). */
static void off_keep(const char *tz, int64_t t)
{
	int64_t b = t / OFF_BUCKET_S;
	struct tm first, last;
	struct off_slot *o = off_slot(b);

	if (local_tm(b * OFF_BUCKET_S, &first) != 0 ||
	    local_tm(b * OFF_BUCKET_S + OFF_BUCKET_S - 1, &last) != 0 ||
	    first.tm_gmtoff != last.tm_gmtoff || first.tm_isdst != last.tm_isdst ||
	    strcmp(first.tm_zone ? first.tm_zone : "", last.tm_zone ? last.tm_zone : ""))
		return;
	snprintf(o->zone, sizeof(o->zone), "%s", tz);
	o->bucket = b;
	o->kept_s = mono_s();
	o->utc_offset = (int)first.tm_gmtoff;
	o->isdst = first.tm_isdst;
	snprintf(o->abbr, sizeof(o->abbr), "%s", first.tm_zone ? first.tm_zone : "");
}

/* t's local time from the offset cache; 0, or -1 when not kept. */
static int off_lookup(const char *tz, int64_t t, struct local_time *out)
{
	struct off_slot *o;
	int64_t local, days, secs;

	if (!cacheable(tz, t))
		return -1;
	o = off_slot(t / OFF_BUCKET_S);
	if (o->bucket != t / OFF_BUCKET_S || strcmp(o->zone, tz) || !o->zone[0] ||
	    !fresh(o->kept_s))
		return -1;
	local = t + o->utc_offset;
	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - days * 86400;
	civil_from_days(days, &out->year, &out->month, &out->day);
	out->hour = (int)(secs / 3600);
	out->min = (int)(secs / 60 % 60);
	out->sec = (int)(secs % 60);
	out->wday = (int)(((days % 7) + 11) % 7);     /* 1970-01-01 was a Thursday */
	out->utc_offset = o->utc_offset;
	snprintf(out->abbr, sizeof(out->abbr), "%s", o->abbr);
	return 0;
}

int tz_to_local(const char *tz, int64_t t, struct local_time *out)
{
	struct tm tm;
	int rc = -1;

	if (tz && off_lookup(tz, t, out) == 0)
		return 0;
	if (zone_enter(tz) != 0)
		return -1;
	if (local_tm(t, &tm) != 0)
		goto out;
	from_tm(&tm, out);
	if (cacheable(tz, t))
		off_keep(tz, t);
	rc = 0;
out:
	zone_leave();
	return rc;
}

static int tm_is(const struct tm *tm, int year, int month, int day, int hour,
		 int min, int sec)
{
	return tm->tm_year == year - 1900 && tm->tm_mon == month - 1 &&
	       tm->tm_mday == day && tm->tm_hour == hour && tm->tm_min == min &&
	       tm->tm_sec == sec;
}

/*
 * Every instant whose local time is the given one, the earliest wins.  A
 * solution t satisfies t = naive - offset(t), and offsets never exceed a
 * day, so it is enough to try each offset in force within 30 h of 'naive'
 * (probing every 3 h finds each, zones never change twice in 3 h), plus
 * mktime()'s two guesses; each candidate is kept only if it converts back.
 * Call inside zone_enter().
 */
static int from_local_entered(int year, int month, int day, int hour, int min,
			      int sec, int64_t *out)
{
	int64_t naive, cand[24], best = 0;
	size_t ncand = 0, i, j;
	int found = 0, isdst, h;
	struct tm tm;

	naive = days_from_civil(year, month, day) * 86400 +
		hour * 3600 + min * 60 + sec;
	for (h = -30; h <= 30; h += 3) {
		int64_t c;

		if (local_tm(naive + h * 3600, &tm) != 0)
			continue;
		c = naive - tm.tm_gmtoff;
		for (j = 0; j < ncand && cand[j] != c; j++)
			;
		if (j == ncand && ncand < ARRAY_LEN(cand))
			cand[ncand++] = c;
	}
	for (isdst = 0; isdst <= 1 && ncand < ARRAY_LEN(cand); isdst++) {
		time_t r;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = year - 1900;
		tm.tm_mon = month - 1;
		tm.tm_mday = day;
		tm.tm_hour = hour;
		tm.tm_min = min;
		tm.tm_sec = sec;
		tm.tm_isdst = isdst;
		r = mktime(&tm);
		if (r != (time_t)-1)
			cand[ncand++] = (int64_t)r;
	}
	for (i = 0; i < ncand; i++) {
		if (local_tm(cand[i], &tm) != 0 ||
		    !tm_is(&tm, year, month, day, hour, min, sec))
			continue;
		if (!found || cand[i] < best)
			best = cand[i];
		found = 1;
	}
	if (!found)
		return -2;
	*out = best;
	return 0;
}

int tz_from_local(const char *tz, int year, int month, int day, int hour,
		  int min, int sec, int64_t *out)
{
	int rc;

	if (year < TZ_YEAR_MIN || year > TZ_YEAR_MAX || month < 1 || month > 12 ||
	    day < 1 || day > tz_days_in_month(year, month) || hour < 0 ||
	    hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59)
		return -1;
	if (zone_enter(tz) != 0)
		return -1;
	rc = from_local_entered(year, month, day, hour, min, sec, out);
	zone_leave();
	return rc;
}

static struct day_slot *day_slot(int year, int month, int day)
{
	return &day_cache[(unsigned)(year * 372 + month * 31 + day) % DAY_SLOTS];
}

static int64_t day_start_entered(int64_t t);

int64_t tz_day_start(const char *tz, int64_t t)
{
	struct local_time lt;
	struct day_slot *d;
	int64_t res;

	if (!tz || !cacheable(tz, t) || tz_to_local(tz, t, &lt) != 0 ||
	    lt.year < TZ_YEAR_MIN || lt.year > TZ_YEAR_MAX)
		lt.year = 0;
	d = day_slot(lt.year, lt.month, lt.day);
	if (lt.year && d->year == lt.year && d->month == lt.month && d->day == lt.day &&
	    d->zone[0] && !strcmp(d->zone, tz) && fresh(d->kept_s))
		return d->start;
	if (zone_enter(tz) != 0)
		return -1;
	res = day_start_entered(t);
	zone_leave();
	if (res != -1 && lt.year) {
		snprintf(d->zone, sizeof(d->zone), "%s", tz);
		d->year = lt.year;
		d->month = lt.month;
		d->day = lt.day;
		d->start = res;
		d->kept_s = mono_s();
	}
	return res;
}

/* tz_day_start() inside zone_enter(). */
static int64_t day_start_entered(int64_t t)
{
	int64_t res = -1, lo, hi;
	struct tm tm;
	int year, month, day;

	if (local_tm(t, &tm) != 0)
		goto out;
	year = tm.tm_year + 1900;
	month = tm.tm_mon + 1;
	day = tm.tm_mday;
	if (year < TZ_YEAR_MIN || year > TZ_YEAR_MAX)
		goto out;
	if (from_local_entered(year, month, day, 0, 0, 0, &res) == 0)
		goto out;
	/*
	 * Midnight fell in a gap (clocks going forward at 00:00, as Brazil
	 * did): the day starts at the first instant whose local date is it.
	 * 48 h earlier is always on an earlier local date.
	 */
	lo = t - 2 * 86400;
	hi = t;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (local_tm(mid, &tm) != 0)
			break;
		if (tm.tm_year + 1900 == year && tm.tm_mon + 1 == month &&
		    tm.tm_mday == day)
			hi = mid;
		else
			lo = mid;
	}
	res = hi;
out:
	return res;
}

static const char *const day_abbr[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const mon_abbr[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Names are spelled out here rather than by strftime, so the output does
 * not depend on the locale. */
enum tz_fmt { FMT_HM, FMT_DAY, FMT_DAYHM, FMT_DATE };

static void format(const char *tz, int64_t t, enum tz_fmt what, char *out,
		   size_t outlen)
{
	struct local_time lt;

	if (!out || outlen == 0)
		return;
	if (tz_to_local(tz, t, &lt) != 0) {
		snprintf(out, outlen, "?");
		return;
	}
	switch (what) {
	case FMT_HM:
		snprintf(out, outlen, "%02d:%02d", lt.hour, lt.min);
		break;
	case FMT_DAY:
		snprintf(out, outlen, "%s %d %s", day_abbr[lt.wday], lt.day,
			 mon_abbr[lt.month - 1]);
		break;
	case FMT_DAYHM:
		snprintf(out, outlen, "%s %d %s %02d:%02d", day_abbr[lt.wday],
			 lt.day, mon_abbr[lt.month - 1], lt.hour, lt.min);
		break;
	case FMT_DATE:
		snprintf(out, outlen, "%04d-%02d-%02d", lt.year, lt.month, lt.day);
		break;
	}
}

void tz_format_hm(const char *tz, int64_t t, char *out, size_t outlen)
{
	format(tz, t, FMT_HM, out, outlen);
}

void tz_format_day(const char *tz, int64_t t, char *out, size_t outlen)
{
	format(tz, t, FMT_DAY, out, outlen);
}

void tz_format_dayhm(const char *tz, int64_t t, char *out, size_t outlen)
{
	format(tz, t, FMT_DAYHM, out, outlen);
}

void tz_format_date(const char *tz, int64_t t, char *out, size_t outlen)
{
	format(tz, t, FMT_DATE, out, outlen);
}

/* Start of the local day after the one containing t (DST days vary). */
static int64_t next_day_start(const char *tz, int64_t t)
{
	return tz_day_start(tz, tz_day_start(tz, t) + 86400 + 43200);
}

void tz_format_near_day(const char *tz, int64_t now, int64_t t, char *out, size_t outlen)
{
	int64_t day = tz_day_start(tz, t);

	if (day == tz_day_start(tz, now))
		snprintf(out, outlen, "today");
	else if (day == next_day_start(tz, now))
		snprintf(out, outlen, "tomorrow");
	else
		tz_format_day(tz, t, out, outlen);
}

void tz_format_span(const char *tz, int64_t now, int64_t start, int64_t end,
		    enum tz_span how, char *out, size_t outlen)
{
	char day[32] = "", a[48], b[48];

	if (how == TZ_SPAN_DATE) {
		tz_format_dayhm(tz, start, a, sizeof(a));
		tz_format_hm(tz, end, b, sizeof(b));
		snprintf(out, outlen, "%s-%s", a, b);
		return;
	}
	tz_format_hm(tz, start, a, sizeof(a));
	if (end - start >= 86400)
		tz_format_dayhm(tz, end, b, sizeof(b));
	else
		tz_format_hm(tz, end, b, sizeof(b));
	if (start <= now && now < end) {
		snprintf(out, outlen, "now until %s", b);
		return;
	}
	if (how == TZ_SPAN_NEAR)
		tz_format_near_day(tz, now, start, day, sizeof(day));
	snprintf(out, outlen, "%s%s%s-%s", day, *day ? " " : "", a, b);
}
