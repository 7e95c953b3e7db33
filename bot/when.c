/*
 * when.c - durations ("1h30m") and the <when> grammar of SPEC §2 ("tomorrow
 * 14:00-15:30", "2018-11-05 9:00", "in 90m").  Input is whatever a room
 * member typed, so every byte sequence gets either a result or a one-line
 * reason that quotes the bad token.  Calendar and zone arithmetic is tz.c's;
 * this file knows nothing of commands, Matrix or the store.
 */
#include "when.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define MAX_DURATION ((int64_t)366 * 86400)
#define SHOW_LEN 48     /* a quoted token in an error: 44 bytes and "..." */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int when_parse_duration(const char *s, int64_t *secs)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	int64_t total = 0;
	size_t next = 0;        /* units before this one are used up */

	if (!s || !*s)
		return -1;
	while (*s) {
		int64_t n = 0;
		size_t i;
		char u;

		if (!is_digit(*s))
			return -1;
		for (; is_digit(*s); s++) {
			n = n * 10 + (*s - '0');
			if (n > MAX_DURATION)   /* also keeps n * unit from overflowing */
				return -1;
		}
		u = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		for (i = next; i < ARRAY_LEN(units) && units[i].unit != u; i++)
			;
		if (i == ARRAY_LEN(units))
			return -1;      /* unknown, repeated or out of order */
		total += n * units[i].secs;
		if (total > MAX_DURATION)
			return -1;
		next = i + 1;
		s++;
	}
	if (total <= 0)
		return -1;
	*secs = total;
	return 0;
}

void when_format_duration(int64_t secs, char *out, size_t outlen)
{
	uint64_t v = secs < 0 ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
	uint64_t d = v / 86400, h = v % 86400 / 3600, m = v % 3600 / 60, s = v % 60;
	struct buf b;

	if (!out || outlen == 0)
		return;
	buf_init(&b, 128);
	if (secs < 0)
		buf_putc(&b, '-');
	if (d)
		buf_printf(&b, "%llud", (unsigned long long)d);
	if (h)
		buf_printf(&b, "%lluh", (unsigned long long)h);
	if (m)
		buf_printf(&b, "%llum", (unsigned long long)m);
	if (s || v == 0)
		buf_printf(&b, "%llus", (unsigned long long)s);
	snprintf(out, outlen, "%s", b.data);
	buf_release(&b);
}

PRINTF_LIKE(3, 4)
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * A token as it may appear inside an error message: at most tmplen - 4
 * (>= 5) bytes, cut
 * on a UTF-8 boundary, control bytes shown as '?', so a hostile token can
 * neither break the one-line reply nor leave half a character in it.
 */
static const char *show(const char *tok, char *tmp, size_t tmplen)
{
	size_t o = 0, keep = tmplen - 4;        /* room for "..." and NUL */

	while (tok[o] && o < keep) {
		unsigned char c = (unsigned char)tok[o];

		tmp[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (tok[o]) {
		/* cut inside a character: drop its leading bytes too */
		if (((unsigned char)tok[o] & 0xC0) == 0x80) {
			while (o > 0 && ((unsigned char)tmp[o - 1] & 0xC0) == 0x80)
				o--;
			if (o > 0 && (unsigned char)tmp[o - 1] >= 0xC0)
				o--;
		}
		memcpy(tmp + o, "...", 3);
		o += 3;
	}
	tmp[o] = '\0';
	return tmp;
}

/*
 * "H:MM" or "HH:MM" at the start of s, hours 0-23, minutes 00-59.  Returns
 * the number of bytes read, 0 when s does not start with a time.
 */
static size_t parse_hm(const char *s, int *hour, int *min)
{
	size_t i = 1;
	int h, m;

	if (!is_digit(s[0]))
		return 0;
	h = s[0] - '0';
	if (is_digit(s[1])) {
		h = h * 10 + (s[1] - '0');
		i = 2;
	}
	if (s[i] != ':' || !is_digit(s[i + 1]) || !is_digit(s[i + 2]))
		return 0;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	if (h > 23 || m > 59)
		return 0;
	*hour = h;
	*min = m;
	return i + 3;
}

/* A time token: "HH:MM", or "HH:MM-HH:MM" with has_end set. */
static int parse_time_token(const char *tok, int *h, int *m, int *has_end,
			    int *eh, int *em, char *err, size_t errlen)
{
	char tmp[SHOW_LEN];
	size_t n, n2;

	n = parse_hm(tok, h, m);
	*has_end = 0;
	if (n && tok[n] == '\0')
		return 0;
	if (n && tok[n] == '-') {
		n2 = parse_hm(tok + n + 1, eh, em);
		if (n2 && tok[n + 1 + n2] == '\0') {
			*has_end = 1;
			return 0;
		}
		set_err(err, errlen, "'%s' is not a time range (HH:MM-HH:MM)",
			show(tok, tmp, sizeof(tmp)));
		return -1;
	}
	set_err(err, errlen, "'%s' is not a time (HH:MM)",
		show(tok, tmp, sizeof(tmp)));
	return -1;
}

/* Does tok look like it means to be a date: four digits and a dash. */
static int looks_like_date(const char *tok)
{
	return is_digit(tok[0]) && is_digit(tok[1]) && is_digit(tok[2]) &&
	       is_digit(tok[3]) && tok[4] == '-';
}

/* 1-2 digits at *s, advancing it; -1 when there are none or more. */
static int two_digits(const char **s)
{
	const char *p = *s;
	int v;

	if (!is_digit(p[0]))
		return -1;
	v = p[0] - '0';
	p++;
	if (is_digit(p[0])) {
		v = v * 10 + (p[0] - '0');
		p++;
	}
	*s = p;
	return v;
}

/* "YYYY-MM-DD" (month and day may have one digit), a real calendar date. */
static int parse_date(const char *tok, int *year, int *month, int *day)
{
	const char *p = tok + 5;
	int y, m, d;

	if (!looks_like_date(tok))
		return -1;
	y = (tok[0] - '0') * 1000 + (tok[1] - '0') * 100 + (tok[2] - '0') * 10 +
	    (tok[3] - '0');
	m = two_digits(&p);
	if (m < 0 || *p++ != '-')
		return -1;
	d = two_digits(&p);
	if (d < 0 || *p != '\0')
		return -1;
	if (y < TZ_YEAR_MIN || y > TZ_YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > tz_days_in_month(y, m))
		return -1;
	*year = y;
	*month = m;
	*day = d;
	return 0;
}

/* 0 = Sunday .. 6 = Saturday for "mon".."sun" / "monday".., else -1. */
static int parse_weekday(const char *tok)
{
	static const char *const names[7][2] = {
		{ "sun", "sunday" }, { "mon", "monday" }, { "tue", "tuesday" },
		{ "wed", "wednesday" }, { "thu", "thursday" }, { "fri", "friday" },
		{ "sat", "saturday" },
	};
	int i;

	for (i = 0; i < 7; i++)
		if (str_ieq(tok, names[i][0]) || str_ieq(tok, names[i][1]))
			return i;
	return -1;
}

/* Local date and time -> instant, with the reason when there is none. */
static int resolve(const char *tz, int y, int mo, int d, int h, int mi,
		   int64_t *out, char *err, size_t errlen)
{
	int rc = tz_from_local(tz, y, mo, d, h, mi, 0, out);

	if (rc == -2)
		set_err(err, errlen,
			"%02d:%02d does not exist on %04d-%02d-%02d in %s (clocks go forward)",
			h, mi, y, mo, d, tz);
	else if (rc != 0)
		set_err(err, errlen, "%04d-%02d-%02d %02d:%02d is out of range",
			y, mo, d, h, mi);
	return rc == 0 ? 0 : -1;
}

static int parse_in(int64_t now, char *const *argv,
		    size_t argc, size_t *consumed, int64_t *start,
		    char *err, size_t errlen)
{
	char tmp[SHOW_LEN];
	int64_t d;

	if (argc < 2 || !argv[1]) {
		set_err(err, errlen, "'%s' needs a duration after it (e.g. in 90m)",
			show(argv[0], tmp, sizeof(tmp)));
		return -1;
	}
	if (when_parse_duration(argv[1], &d) != 0) {
		set_err(err, errlen,
			"'%s' is not a duration (e.g. 90m, 2h, 1h30m, up to 366d)",
			show(argv[1], tmp, sizeof(tmp)));
		return -1;
	}
	if (now > INT64_MAX - d) {
		set_err(err, errlen, "'in %s' is out of range",
			show(argv[1], tmp, sizeof(tmp)));
		return -1;
	}
	*start = now + d;
	*consumed = 2;
	return 0;
}

int when_parse(const char *tz, int64_t now, char *const *argv, size_t argc,
	       size_t *consumed, int64_t *start, int64_t *end,
	       char *err, size_t errlen)
{
	struct local_time lt;
	const char *tok0, *ttok;
	char tmp[SHOW_LEN];
	int y, mo, d, h, mi, eh = 0, emi = 0, has_end, wday = -1, days = 0;
	int64_t s, e = -1, dur;
	size_t used;

	*consumed = 0;
	*start = -1;
	*end = -1;
	if (err && errlen)
		err[0] = '\0';
	if (!tz_valid(tz)) {
		set_err(err, errlen, "unknown time zone '%s'",
			tz ? show(tz, tmp, sizeof(tmp)) : "");
		return -1;
	}
	if (argc == 0 || !argv || !argv[0] || !argv[0][0]) {
		set_err(err, errlen,
			"missing time (HH:MM, tomorrow HH:MM, mon HH:MM, YYYY-MM-DD HH:MM or in 90m)");
		return -1;
	}
	tok0 = argv[0];
	if (str_ieq(tok0, "in"))
		return parse_in(now, argv, argc, consumed, start, err, errlen);

	if (tz_to_local(tz, now, &lt) != 0) {
		set_err(err, errlen, "the current time is out of range");
		return -1;
	}
	y = lt.year;
	mo = lt.month;
	d = lt.day;
	used = 2;
	if (str_ieq(tok0, "today")) {
		days = 0;
	} else if (str_ieq(tok0, "tomorrow")) {
		days = 1;
	} else if ((wday = parse_weekday(tok0)) >= 0) {
		days = (wday - lt.wday + 7) % 7;
	} else if (looks_like_date(tok0)) {
		if (parse_date(tok0, &y, &mo, &d) != 0) {
			set_err(err, errlen, "'%s' is not a date (YYYY-MM-DD)",
				show(tok0, tmp, sizeof(tmp)));
			return -1;
		}
	} else {
		used = 1;
		if (!strchr(tok0, ':') && when_parse_duration(tok0, &dur) == 0) {
			set_err(err, errlen, "'%s' is not a time (HH:MM); for a delay write 'in %s'",
				show(tok0, tmp, sizeof(tmp)), show(tok0, tmp, sizeof(tmp)));
			return -1;
		}
	}
	if (used == 2 && (argc < 2 || !argv[1])) {
		set_err(err, errlen, "'%s' needs a time after it (HH:MM)",
			show(tok0, tmp, sizeof(tmp)));
		return -1;
	}
	ttok = argv[used - 1];
	if (parse_time_token(ttok, &h, &mi, &has_end, &eh, &emi, err, errlen) != 0)
		return -1;
	if (days && tz_date_add(&y, &mo, &d, days) != 0) {
		set_err(err, errlen, "'%s' is out of range", show(tok0, tmp, sizeof(tmp)));
		return -1;
	}
	if (resolve(tz, y, mo, d, h, mi, &s, err, errlen) != 0) {
		/* today's time is in a gap: fine if it is past, next week is meant */
		if (wday < 0 || days != 0 ||
		    h * 60 + mi > lt.hour * 60 + lt.min)
			return -1;
		s = now;
	}
	if (wday >= 0 && days == 0 && s <= now) {
		/* that weekday is today but the time has passed: next week */
		if (tz_date_add(&y, &mo, &d, 7) != 0) {
			set_err(err, errlen, "'%s' is out of range", show(tok0, tmp, sizeof(tmp)));
			return -1;
		}
		if (resolve(tz, y, mo, d, h, mi, &s, err, errlen) != 0)
			return -1;
	}
	if (has_end) {
		/* an end not after the start is on the next day: 23:00-01:00 */
		if (eh * 60 + emi <= h * 60 + mi && tz_date_add(&y, &mo, &d, 1) != 0) {
			set_err(err, errlen, "'%s' is out of range", show(ttok, tmp, sizeof(tmp)));
			return -1;
		}
		if (resolve(tz, y, mo, d, eh, emi, &e, err, errlen) != 0)
			return -1;
		if (e <= s) {
			set_err(err, errlen, "'%s' ends before it starts",
				show(ttok, tmp, sizeof(tmp)));
			return -1;
		}
	}
	if (err && errlen)
		err[0] = '\0';
	*consumed = used;
	*start = s;
	*end = e;
	return 0;
}
