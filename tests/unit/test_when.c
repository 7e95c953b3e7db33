/*
 * test_when.c - durations, the <when> grammar, time-zone arithmetic and
 * how spans of time are written (bot/when.c, bot/tz.c), table-driven.
 * Daylight-saving cases use the system tz database: Europe/London and
 * America/New_York in 2018 (gaps and ambiguous hours), Asia/Dubai (no
 * DST, +04:00), America/Sao_Paulo 2018 (midnight itself skipped).
 */
#include "testutil.h"

#include <time.h>

#include "when.h"

/* A UTC instant from fields, for readable expectations. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm);
}

/* --- durations ----------------------------------------------------- */

static void test_duration_good(void **state)
{
	static const struct {
		const char *in;
		int64_t secs;
		const char *formatted;
	} cases[] = {
		{ "90m", 5400, "1h30m" },
		{ "2h", 7200, "2h" },
		{ "1h30m", 5400, "1h30m" },
		{ "45s", 45, "45s" },
		{ "1d2h", 93600, "1d2h" },
		{ "1d", 86400, "1d" },
		{ "1H30M", 5400, "1h30m" },
		{ "0h5m", 300, "5m" },
		{ "005m", 300, "5m" },
		{ "1d1h1m1s", 90061, "1d1h1m1s" },
		{ "366d", 366 * 86400LL, "366d" },
		{ "365d24h", 366 * 86400LL, "366d" },
		{ "31622400s", 366 * 86400LL, "366d" },
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t secs = -1;

		if (when_parse_duration(cases[i].in, &secs) != 0)
			fail_msg("'%s' rejected", cases[i].in);
		assert_int_equal(secs, cases[i].secs);
		when_format_duration(secs, out, sizeof(out));
		assert_string_equal(out, cases[i].formatted);
	}
}

static void test_duration_bad(void **state)
{
	static const char *const cases[] = {
		"", "0m", "0s", "0d0h", "m", "1x", "1h1h", "30m1h", "1s1m", "-5m",
		"+5m", "5", "1h 30m", " 5m", "5m ", "1.5h", "1hm", "h1", "367d",
		"366d1s", "31622401s", "99999999999999999999m",
		"9223372036854775807s", "1d1d", "5mm", "5 m", "in", "1h30",
	};
	size_t i;

	(void)state;
	assert_int_equal(when_parse_duration(NULL, &(int64_t){ 0 }), -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t secs = 42;

		if (when_parse_duration(cases[i], &secs) != -1)
			fail_msg("'%s' accepted", cases[i]);
		assert_int_equal(secs, 42);
	}
}

static void test_duration_format(void **state)
{
	static const struct {
		int64_t secs;
		const char *out;
	} cases[] = {
		{ 0, "0s" }, { 1, "1s" }, { 60, "1m" }, { 61, "1m1s" },
		{ 3600, "1h" }, { 86400 + 60, "1d1m" }, { -300, "-5m" },
		{ INT64_MIN, "-106751991167300d15h30m8s" },
	};
	char out[64];
	char tiny[3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		when_format_duration(cases[i].secs, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
	when_format_duration(5400, tiny, sizeof(tiny));
	assert_string_equal(tiny, "1h");
	when_format_duration(5400, NULL, 0);    /* no crash */
}

/* --- <when> -------------------------------------------------------- */

struct when_case {
	const char *tz;
	int64_t now;
	const char *in;         /* split on spaces */
	int rc;
	size_t consumed;
	int64_t start, end;
	const char *err;        /* substring expected in the reason */
};

/* Splits a copy of 'in' on spaces into argv. */
static size_t split(const char *in, char *copy, size_t copylen, char **argv,
		    size_t max)
{
	size_t n = 0;
	char *p;

	snprintf(copy, copylen, "%s", in);
	p = copy;
	while (*p && n < max) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

static void run_when_cases(const struct when_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct when_case *c = &cases[i];
		char copy[256], err[256];
		char *argv[8];
		size_t argc, consumed = 99;
		int64_t start = 99, end = 99;
		int rc;

		argc = split(c->in, copy, sizeof(copy), argv, 8);
		rc = when_parse(c->tz, c->now, argv, argc, &consumed, &start, &end,
				err, sizeof(err));
		if (rc != c->rc)
			fail_msg("%s '%s': rc %d, want %d (%s)", c->tz, c->in, rc,
				 c->rc, err);
		if (rc == 0) {
			if (consumed != c->consumed || start != c->start ||
			    end != c->end)
				fail_msg("%s '%s': consumed %zu start %lld end %lld, "
					 "want %zu %lld %lld", c->tz, c->in, consumed,
					 (long long)start, (long long)end, c->consumed,
					 (long long)c->start, (long long)c->end);
			assert_string_equal(err, "");
		} else {
			if (!strstr(err, c->err))
				fail_msg("%s '%s': reason '%s' lacks '%s'", c->tz,
					 c->in, err, c->err);
			if (strchr(err, '\n'))
				fail_msg("reason has a newline: '%s'", err);
			assert_int_equal(consumed, 0);
		}
	}
}

/* Monday 2018-11-05 14:00 in Dubai (+04:00, no DST). */
#define DXB "Asia/Dubai"
#define DXB_NOW utc(2018, 11, 5, 10, 0)

static void test_when_forms(void **state)
{
	const struct when_case cases[] = {
		{ DXB, DXB_NOW, "14:00", 0, 1, utc(2018, 11, 5, 10, 0), -1, NULL },
		{ DXB, DXB_NOW, "15:30 title words", 0, 1, utc(2018, 11, 5, 11, 30), -1, NULL },
		{ DXB, DXB_NOW, "9:05", 0, 1, utc(2018, 11, 5, 5, 5), -1, NULL },
		{ DXB, DXB_NOW, "09:00", 0, 1, utc(2018, 11, 5, 5, 0), -1, NULL },
		{ DXB, DXB_NOW, "00:00", 0, 1, utc(2018, 11, 4, 20, 0), -1, NULL },
		{ DXB, DXB_NOW, "23:59", 0, 1, utc(2018, 11, 5, 19, 59), -1, NULL },
		{ DXB, DXB_NOW, "today 09:00", 0, 2, utc(2018, 11, 5, 5, 0), -1, NULL },
		{ DXB, DXB_NOW, "TODAY 16:00 x", 0, 2, utc(2018, 11, 5, 12, 0), -1, NULL },
		{ DXB, DXB_NOW, "tomorrow 9:00", 0, 2, utc(2018, 11, 6, 5, 0), -1, NULL },
		{ DXB, DXB_NOW, "Tomorrow 14:00", 0, 2, utc(2018, 11, 6, 10, 0), -1, NULL },
		/* weekdays: today while the time is ahead, else a week on */
		{ DXB, DXB_NOW, "mon 15:00", 0, 2, utc(2018, 11, 5, 11, 0), -1, NULL },
		{ DXB, DXB_NOW, "mon 13:00", 0, 2, utc(2018, 11, 12, 9, 0), -1, NULL },
		{ DXB, DXB_NOW, "Monday 14:00", 0, 2, utc(2018, 11, 12, 10, 0), -1, NULL },
		{ DXB, DXB_NOW, "tue 10:00", 0, 2, utc(2018, 11, 6, 6, 0), -1, NULL },
		{ DXB, DXB_NOW, "TUESDAY 10:00", 0, 2, utc(2018, 11, 6, 6, 0), -1, NULL },
		{ DXB, DXB_NOW, "wed 10:00", 0, 2, utc(2018, 11, 7, 6, 0), -1, NULL },
		{ DXB, DXB_NOW, "thursday 10:00", 0, 2, utc(2018, 11, 8, 6, 0), -1, NULL },
		{ DXB, DXB_NOW, "fri 10:00", 0, 2, utc(2018, 11, 9, 6, 0), -1, NULL },
		{ DXB, DXB_NOW, "Sat 10:00", 0, 2, utc(2018, 11, 10, 6, 0), -1, NULL },
		{ DXB, DXB_NOW, "SUN 10:00", 0, 2, utc(2018, 11, 11, 6, 0), -1, NULL },
		{ DXB, DXB_NOW, "sunday 10:00", 0, 2, utc(2018, 11, 11, 6, 0), -1, NULL },
		/* dates */
		{ DXB, DXB_NOW, "2018-11-05 14:00", 0, 2, utc(2018, 11, 5, 10, 0), -1, NULL },
		{ DXB, DXB_NOW, "2020-02-29 12:00", 0, 2, utc(2020, 2, 29, 8, 0), -1, NULL },
		{ DXB, DXB_NOW, "2000-02-29 12:00", 0, 2, utc(2000, 2, 29, 8, 0), -1, NULL },
		{ DXB, DXB_NOW, "2019-1-7 8:00", 0, 2, utc(2019, 1, 7, 4, 0), -1, NULL },
		{ DXB, DXB_NOW, "2017-01-01 10:00", 0, 2, utc(2017, 1, 1, 6, 0), -1, NULL },
		/* in <duration> */
		{ DXB, DXB_NOW, "in 90m", 0, 2, DXB_NOW + 5400, -1, NULL },
		{ DXB, DXB_NOW, "IN 1h30m title", 0, 2, DXB_NOW + 5400, -1, NULL },
		{ DXB, DXB_NOW, "in 45s", 0, 2, DXB_NOW + 45, -1, NULL },
		{ DXB, DXB_NOW, "in 2d", 0, 2, DXB_NOW + 172800, -1, NULL },
		/* ranges */
		{ DXB, DXB_NOW, "14:00-15:30", 0, 1, utc(2018, 11, 5, 10, 0), utc(2018, 11, 5, 11, 30), NULL },
		{ DXB, DXB_NOW, "9:00-9:30", 0, 1, utc(2018, 11, 5, 5, 0), utc(2018, 11, 5, 5, 30), NULL },
		{ DXB, DXB_NOW, "23:00-01:00", 0, 1, utc(2018, 11, 5, 19, 0), utc(2018, 11, 5, 21, 0), NULL },
		{ DXB, DXB_NOW, "22:00-00:00", 0, 1, utc(2018, 11, 5, 18, 0), utc(2018, 11, 5, 20, 0), NULL },
		{ DXB, DXB_NOW, "14:00-14:00", 0, 1, utc(2018, 11, 5, 10, 0), utc(2018, 11, 6, 10, 0), NULL },
		{ DXB, DXB_NOW, "tomorrow 14:00-15:30 t", 0, 2, utc(2018, 11, 6, 10, 0), utc(2018, 11, 6, 11, 30), NULL },
		{ DXB, DXB_NOW, "fri 23:30-0:30", 0, 2, utc(2018, 11, 9, 19, 30), utc(2018, 11, 9, 20, 30), NULL },
		{ DXB, DXB_NOW, "2018-12-31 23:30-00:30", 0, 2, utc(2018, 12, 31, 19, 30), utc(2018, 12, 31, 20, 30), NULL },
		{ DXB, DXB_NOW, "2020-02-28 23:00-1:00", 0, 2, utc(2020, 2, 28, 19, 0), utc(2020, 2, 28, 21, 0), NULL },
		/* month and year ends */
		{ DXB, utc(2018, 12, 31, 12, 0), "tomorrow 10:00", 0, 2, utc(2019, 1, 1, 6, 0), -1, NULL },
		{ DXB, utc(2020, 2, 28, 12, 0), "tomorrow 10:00", 0, 2, utc(2020, 2, 29, 6, 0), -1, NULL },
		{ DXB, utc(2019, 2, 28, 12, 0), "tomorrow 10:00", 0, 2, utc(2019, 3, 1, 6, 0), -1, NULL },
		/* UTC */
		{ "UTC", DXB_NOW, "14:00", 0, 1, utc(2018, 11, 5, 14, 0), -1, NULL },
		{ "UTC", DXB_NOW, "sun 00:00-23:59", 0, 2, utc(2018, 11, 11, 0, 0), utc(2018, 11, 11, 23, 59), NULL },
		/* "today" is the conference zone's day, not UTC's */
		{ DXB, utc(2018, 11, 5, 21, 0), "today 09:00", 0, 2, utc(2018, 11, 6, 5, 0), -1, NULL },
		{ "America/New_York", utc(2018, 11, 6, 2, 0), "today 09:00", 0, 2, utc(2018, 11, 5, 14, 0), -1, NULL },
	};

	(void)state;
	run_when_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_when_errors(void **state)
{
	const struct when_case cases[] = {
		{ DXB, DXB_NOW, "", -1, 0, 0, 0, "missing time" },
		{ DXB, DXB_NOW, "25:00", -1, 0, 0, 0, "'25:00' is not a time" },
		{ DXB, DXB_NOW, "24:00", -1, 0, 0, 0, "'24:00' is not a time" },
		{ DXB, DXB_NOW, "12:60", -1, 0, 0, 0, "'12:60' is not a time" },
		{ DXB, DXB_NOW, "1:5", -1, 0, 0, 0, "'1:5' is not a time" },
		{ DXB, DXB_NOW, "123:00", -1, 0, 0, 0, "'123:00' is not a time" },
		{ DXB, DXB_NOW, "12:000", -1, 0, 0, 0, "'12:000' is not a time" },
		{ DXB, DXB_NOW, "12:00x", -1, 0, 0, 0, "'12:00x' is not a time" },
		{ DXB, DXB_NOW, ":00", -1, 0, 0, 0, "':00' is not a time" },
		{ DXB, DXB_NOW, "-1:00", -1, 0, 0, 0, "'-1:00' is not a time" },
		{ DXB, DXB_NOW, "noon", -1, 0, 0, 0, "'noon' is not a time" },
		{ DXB, DXB_NOW, "90m", -1, 0, 0, 0, "for a delay write 'in 90m'" },
		{ DXB, DXB_NOW, "12:00-", -1, 0, 0, 0, "'12:00-' is not a time range" },
		{ DXB, DXB_NOW, "12:00-24:00", -1, 0, 0, 0, "'12:00-24:00' is not a time range" },
		{ DXB, DXB_NOW, "12:00-13:00-14:00", -1, 0, 0, 0, "is not a time range" },
		{ DXB, DXB_NOW, "12:00-1pm", -1, 0, 0, 0, "'12:00-1pm' is not a time range" },
		{ DXB, DXB_NOW, "today", -1, 0, 0, 0, "'today' needs a time after it" },
		{ DXB, DXB_NOW, "tomorrow", -1, 0, 0, 0, "'tomorrow' needs a time after it" },
		{ DXB, DXB_NOW, "fri", -1, 0, 0, 0, "'fri' needs a time after it" },
		{ DXB, DXB_NOW, "tomorrow 25:00", -1, 0, 0, 0, "'25:00' is not a time" },
		{ DXB, DXB_NOW, "tomorrow noon", -1, 0, 0, 0, "'noon' is not a time" },
		{ DXB, DXB_NOW, "fri 9", -1, 0, 0, 0, "'9' is not a time" },
		{ DXB, DXB_NOW, "2018-11-05", -1, 0, 0, 0, "'2018-11-05' needs a time after it" },
		{ DXB, DXB_NOW, "2018-11-05 noon", -1, 0, 0, 0, "'noon' is not a time" },
		{ DXB, DXB_NOW, "2018-02-29 10:00", -1, 0, 0, 0, "'2018-02-29' is not a date" },
		{ DXB, DXB_NOW, "1900-02-29 10:00", -1, 0, 0, 0, "'1900-02-29' is not a date" },
		{ DXB, DXB_NOW, "2018-04-31 10:00", -1, 0, 0, 0, "'2018-04-31' is not a date" },
		{ DXB, DXB_NOW, "2018-13-01 10:00", -1, 0, 0, 0, "'2018-13-01' is not a date" },
		{ DXB, DXB_NOW, "2018-00-10 10:00", -1, 0, 0, 0, "'2018-00-10' is not a date" },
		{ DXB, DXB_NOW, "2018-11-00 10:00", -1, 0, 0, 0, "'2018-11-00' is not a date" },
		{ DXB, DXB_NOW, "2018-011-05 10:00", -1, 0, 0, 0, "'2018-011-05' is not a date" },
		{ DXB, DXB_NOW, "2018-11-05x 10:00", -1, 0, 0, 0, "'2018-11-05x' is not a date" },
		{ DXB, DXB_NOW, "2018-11 10:00", -1, 0, 0, 0, "'2018-11' is not a date" },
		{ DXB, DXB_NOW, "1969-12-31 10:00", -1, 0, 0, 0, "'1969-12-31' is not a date" },
		{ DXB, DXB_NOW, "in", -1, 0, 0, 0, "'in' needs a duration after it" },
		{ DXB, DXB_NOW, "in 0m", -1, 0, 0, 0, "'0m' is not a duration" },
		{ DXB, DXB_NOW, "in soon", -1, 0, 0, 0, "'soon' is not a duration" },
		{ DXB, DXB_NOW, "in 400d", -1, 0, 0, 0, "'400d' is not a duration" },
		{ DXB, DXB_NOW, "in -5m", -1, 0, 0, 0, "'-5m' is not a duration" },
		{ DXB, INT64_MAX - 10, "in 1h", -1, 0, 0, 0, "out of range" },
		{ DXB, INT64_MAX - 10, "12:00", -1, 0, 0, 0, "out of range" },
		{ DXB, utc(9999, 12, 31, 12, 0), "tomorrow 10:00", -1, 0, 0, 0, "out of range" },
		{ "Mars/Olympus_Mons", DXB_NOW, "12:00", -1, 0, 0, 0, "unknown time zone 'Mars/Olympus_Mons'" },
		{ "../../etc/passwd", DXB_NOW, "12:00", -1, 0, 0, 0, "unknown time zone" },
		/* hostile tokens are quoted short and on one line */
		{ DXB, DXB_NOW, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -1, 0, 0, 0,
		  "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a time" },
		{ DXB, DXB_NOW, "bad\nline", -1, 0, 0, 0, "'bad?line' is not a time" },
	};

	(void)state;
	run_when_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_when_err_truncation(void **state)
{
	/* "\xc3\xa9" is one character: the quote must not end inside it */
	char tok[64], err[128];
	char *argv[1] = { tok };
	size_t consumed;
	int64_t s, e;
	char *q;

	(void)state;
	memset(tok, 'a', sizeof(tok));
	memcpy(tok + 43, "\xc3\xa9", 2);
	tok[63] = '\0';
	assert_int_equal(when_parse(DXB, DXB_NOW, argv, 1, &consumed, &s, &e,
				    err, sizeof(err)), -1);
	q = strstr(err, "...");
	assert_non_null(q);
	assert_true((unsigned char)q[-1] == 'a');
	/* a tiny or absent error buffer is fine */
	assert_int_equal(when_parse(DXB, DXB_NOW, argv, 1, &consumed, &s, &e,
				    err, 4), -1);
	assert_string_equal(err, "'aa");
	assert_int_equal(when_parse(DXB, DXB_NOW, argv, 1, &consumed, &s, &e,
				    NULL, 0), -1);
	assert_int_equal(when_parse(DXB, DXB_NOW, NULL, 0, &consumed, &s, &e,
				    NULL, 0), -1);
}

#define LON "Europe/London"
#define NYC "America/New_York"

static void test_when_dst(void **state)
{
	const struct when_case cases[] = {
		/* London, spring forward 2018-03-25 01:00 GMT -> 02:00 BST */
		{ LON, utc(2018, 3, 24, 12, 0), "2018-03-25 01:30", -1, 0, 0, 0,
		  "01:30 does not exist on 2018-03-25 in Europe/London (clocks go forward)" },
		{ LON, utc(2018, 3, 24, 12, 0), "2018-03-25 00:59", 0, 2, utc(2018, 3, 25, 0, 59), -1, NULL },
		{ LON, utc(2018, 3, 24, 12, 0), "2018-03-25 02:00", 0, 2, utc(2018, 3, 25, 1, 0), -1, NULL },
		{ LON, utc(2018, 3, 24, 12, 0), "tomorrow 09:00", 0, 2, utc(2018, 3, 25, 8, 0), -1, NULL },
		{ LON, utc(2018, 3, 24, 12, 0), "sun 09:00", 0, 2, utc(2018, 3, 25, 8, 0), -1, NULL },
		{ LON, utc(2018, 3, 24, 12, 0), "tomorrow 01:30", -1, 0, 0, 0, "does not exist on 2018-03-25" },
		{ LON, utc(2018, 3, 24, 12, 0), "2018-03-25 00:30-02:30", 0, 2, utc(2018, 3, 25, 0, 30), utc(2018, 3, 25, 1, 30), NULL },
		{ LON, utc(2018, 3, 24, 12, 0), "2018-03-25 00:30-01:30", -1, 0, 0, 0, "01:30 does not exist" },
		{ LON, utc(2018, 3, 24, 12, 0), "2018-03-24 23:30-01:30", -1, 0, 0, 0, "01:30 does not exist on 2018-03-25" },
		{ LON, utc(2018, 3, 24, 12, 0), "in 24h", 0, 2, utc(2018, 3, 25, 12, 0), -1, NULL },
		/* Sunday 00:30 on the day: "sun 01:30" is in today's gap, ahead */
		{ LON, utc(2018, 3, 25, 0, 30), "sun 01:30", -1, 0, 0, 0, "does not exist on 2018-03-25" },
		/* Sunday 03:00 BST: today's gap is past, next Sunday is meant */
		{ LON, utc(2018, 3, 25, 2, 0), "sun 01:30", 0, 2, utc(2018, 4, 1, 0, 30), -1, NULL },
		/* London, fall back 2018-10-28 02:00 BST -> 01:00 GMT */
		{ LON, utc(2018, 10, 27, 12, 0), "2018-10-28 01:30", 0, 2, utc(2018, 10, 28, 0, 30), -1, NULL },
		{ LON, utc(2018, 10, 27, 12, 0), "2018-10-28 00:59", 0, 2, utc(2018, 10, 27, 23, 59), -1, NULL },
		{ LON, utc(2018, 10, 27, 12, 0), "2018-10-28 02:00", 0, 2, utc(2018, 10, 28, 2, 0), -1, NULL },
		{ LON, utc(2018, 10, 27, 12, 0), "tomorrow 09:00", 0, 2, utc(2018, 10, 28, 9, 0), -1, NULL },
		{ LON, utc(2018, 10, 27, 12, 0), "sunday 09:00", 0, 2, utc(2018, 10, 28, 9, 0), -1, NULL },
		{ LON, utc(2018, 10, 27, 12, 0), "2018-10-28 00:30-01:30", 0, 2, utc(2018, 10, 27, 23, 30), utc(2018, 10, 28, 0, 30), NULL },
		{ LON, utc(2018, 10, 27, 12, 0), "2018-10-28 00:00-03:00", 0, 2, utc(2018, 10, 27, 23, 0), utc(2018, 10, 28, 3, 0), NULL },
		{ LON, utc(2018, 10, 27, 12, 0), "2018-10-27 23:00-02:00", 0, 2, utc(2018, 10, 27, 22, 0), utc(2018, 10, 28, 2, 0), NULL },
		/* New York, spring forward 2018-03-11 02:00 EST -> 03:00 EDT */
		{ NYC, utc(2018, 3, 10, 17, 0), "2018-03-11 02:30", -1, 0, 0, 0,
		  "02:30 does not exist on 2018-03-11 in America/New_York (clocks go forward)" },
		{ NYC, utc(2018, 3, 10, 17, 0), "2018-03-11 01:59", 0, 2, utc(2018, 3, 11, 6, 59), -1, NULL },
		{ NYC, utc(2018, 3, 10, 17, 0), "2018-03-11 03:00", 0, 2, utc(2018, 3, 11, 7, 0), -1, NULL },
		{ NYC, utc(2018, 3, 10, 17, 0), "tomorrow 09:00", 0, 2, utc(2018, 3, 11, 13, 0), -1, NULL },
		{ NYC, utc(2018, 3, 10, 17, 0), "12:00", 0, 1, utc(2018, 3, 10, 17, 0), -1, NULL },
		/* New York, fall back 2018-11-04 02:00 EDT -> 01:00 EST */
		{ NYC, utc(2018, 11, 3, 16, 0), "2018-11-04 01:30", 0, 2, utc(2018, 11, 4, 5, 30), -1, NULL },
		{ NYC, utc(2018, 11, 3, 16, 0), "2018-11-04 02:30", 0, 2, utc(2018, 11, 4, 7, 30), -1, NULL },
		{ NYC, utc(2018, 11, 3, 16, 0), "tomorrow 09:00", 0, 2, utc(2018, 11, 4, 14, 0), -1, NULL },
		{ NYC, utc(2018, 11, 3, 16, 0), "sun 09:00-10:00", 0, 2, utc(2018, 11, 4, 14, 0), utc(2018, 11, 4, 15, 0), NULL },
		/* Dubai has no DST */
		{ DXB, utc(2018, 3, 24, 12, 0), "2018-03-25 01:30", 0, 2, utc(2018, 3, 24, 21, 30), -1, NULL },
		{ DXB, utc(2018, 10, 27, 12, 0), "2018-10-28 01:30", 0, 2, utc(2018, 10, 27, 21, 30), -1, NULL },
	};

	(void)state;
	run_when_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* --- tz ------------------------------------------------------------ */

static void test_tz_valid(void **state)
{
	static const char *const good[] = {
		"UTC", "Europe/London", "America/New_York", "Asia/Dubai",
		"Etc/UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires",
		"America/Port-au-Prince",
	};
	static const char *const bad[] = {
		"", "Mars/Olympus_Mons", "utc", "europe/london", "/etc/passwd",
		"/usr/share/zoneinfo/UTC", "../../../etc/passwd", "..", ".",
		"Europe/../Europe/London", "./UTC", "Europe//London",
		"Europe/London/", "Europe", "Europe/London ", " UTC",
		"Europe/London\n", "zone.tab", "tzdata.zi", "iso3166.tab",
		"right/Europe/London", "localtime", "Europe/.London", "Europe\\London",
		"Europe/London%00", "Etc/UTC:", "UTC0", "EST5EDT,M3.2.0,M11.1.0",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/UTC",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	assert_false(tz_valid(NULL));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!tz_valid(good[i]))
			fail_msg("'%s' rejected", good[i]);
	/* again, now that a zone is cached */
	assert_true(tz_valid("Asia/Dubai"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_valid(bad[i]))
			fail_msg("'%s' accepted after a cached zone", bad[i]);
}

static void test_tz_to_local(void **state)
{
	const struct {
		const char *tz;
		int64_t t;
		int year, month, day, hour, min, sec, wday, off;
		const char *abbr;
	} cases[] = {
		{ DXB, utc(2018, 11, 5, 10, 0), 2018, 11, 5, 14, 0, 0, 1, 14400, "+04" },
		{ LON, utc(2018, 7, 1, 12, 0) + 7, 2018, 7, 1, 13, 0, 7, 0, 3600, "BST" },
		{ LON, utc(2018, 12, 1, 12, 0), 2018, 12, 1, 12, 0, 0, 6, 0, "GMT" },
		{ LON, utc(2018, 10, 28, 0, 30), 2018, 10, 28, 1, 30, 0, 0, 3600, "BST" },
		{ LON, utc(2018, 10, 28, 1, 30), 2018, 10, 28, 1, 30, 0, 0, 0, "GMT" },
		{ NYC, utc(2018, 11, 4, 5, 30), 2018, 11, 4, 1, 30, 0, 0, -14400, "EDT" },
		{ NYC, utc(2018, 11, 4, 6, 30), 2018, 11, 4, 1, 30, 0, 0, -18000, "EST" },
		{ "UTC", 0, 1970, 1, 1, 0, 0, 0, 4, 0, "UTC" },
	};
	struct local_time lt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tz_to_local(cases[i].tz, cases[i].t, &lt), 0);
		assert_int_equal(lt.year, cases[i].year);
		assert_int_equal(lt.month, cases[i].month);
		assert_int_equal(lt.day, cases[i].day);
		assert_int_equal(lt.hour, cases[i].hour);
		assert_int_equal(lt.min, cases[i].min);
		assert_int_equal(lt.sec, cases[i].sec);
		assert_int_equal(lt.wday, cases[i].wday);
		assert_int_equal(lt.utc_offset, cases[i].off);
		assert_string_equal(lt.abbr, cases[i].abbr);
	}
	assert_int_equal(tz_to_local("Mars/Base", 0, &lt), -1);
	assert_int_equal(tz_to_local(NULL, 0, &lt), -1);
	assert_int_equal(tz_to_local(LON, INT64_MAX, &lt), -1);
}

static void test_tz_from_local(void **state)
{
	static const struct {
		const char *tz;
		int y, mo, d, h, mi, s;
		int rc;
		int64_t t;
	} cases[] = {
		{ DXB, 2018, 11, 5, 14, 0, 0, 0, 1541412000 },
		{ LON, 2018, 3, 25, 1, 30, 0, -2, 0 },
		{ LON, 2018, 3, 25, 1, 0, 0, -2, 0 },
		{ LON, 2018, 3, 25, 1, 59, 59, -2, 0 },
		{ LON, 2018, 3, 25, 2, 0, 0, 0, 1521939600 },
		{ LON, 2018, 10, 28, 1, 30, 0, 0, 1540686600 },        /* 00:30 UTC */
		{ LON, 2018, 10, 28, 1, 0, 0, 0, 1540684800 },         /* 00:00 UTC */
		{ LON, 2018, 10, 28, 1, 59, 59, 0, 1540688399 },
		{ NYC, 2018, 3, 11, 2, 30, 0, -2, 0 },
		{ NYC, 2018, 11, 4, 1, 30, 0, 0, 1541309400 },         /* 05:30 UTC */
		{ "America/Sao_Paulo", 2018, 11, 4, 0, 0, 0, -2, 0 },
		/* an offset change with no DST flag change: Moscow, 2014-10-26
		 * 02:00 +04 -> 01:00 +03; 01:30 comes twice, earlier is +04 */
		{ "Europe/Moscow", 2014, 10, 26, 1, 30, 0, 0, 1414272600 },
		/* Samoa skipped 2011-12-30 */
		{ "Pacific/Apia", 2011, 12, 30, 12, 0, 0, -2, 0 },
		{ "Pacific/Apia", 2011, 12, 31, 0, 0, 0, 0, 1325239200 },
		/* bad fields and zones */
		{ LON, 2018, 13, 1, 0, 0, 0, -1, 0 },
		{ LON, 2018, 0, 1, 0, 0, 0, -1, 0 },
		{ LON, 2018, 4, 31, 0, 0, 0, -1, 0 },
		{ LON, 2019, 2, 29, 0, 0, 0, -1, 0 },
		{ LON, 2018, 1, 1, 24, 0, 0, -1, 0 },
		{ LON, 2018, 1, 1, 0, 60, 0, -1, 0 },
		{ LON, 2018, 1, 1, 0, 0, 60, -1, 0 },
		{ LON, 2018, 1, 1, -1, 0, 0, -1, 0 },
		{ LON, 10000, 1, 1, 0, 0, 0, -1, 0 },
		{ LON, 1969, 1, 1, 0, 0, 0, -1, 0 },
		{ "Mars/Base", 2018, 1, 1, 0, 0, 0, -1, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = 7;
		int rc = tz_from_local(cases[i].tz, cases[i].y, cases[i].mo,
				       cases[i].d, cases[i].h, cases[i].mi,
				       cases[i].s, &t);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
		if (rc == 0 && t != cases[i].t)
			fail_msg("case %zu: %lld, want %lld", i, (long long)t,
				 (long long)cases[i].t);
		if (rc != 0)
			assert_int_equal(t, 7);
	}
}

static void test_tz_round_trip(void **state)
{
	/* every half hour (Lord Howe shifts by 30 min) through 2018 converts
	 * back to itself, except the second pass through an ambiguous hour,
	 * which gives the first */
	static const char *const zones[] = { LON, NYC, DXB, "UTC", "Australia/Lord_Howe" };
	size_t z;

	(void)state;
	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		int64_t t;

		for (t = utc(2018, 1, 1, 0, 0); t < utc(2019, 1, 1, 0, 0); t += 1800) {
			struct local_time lt;
			int64_t back;

			assert_int_equal(tz_to_local(zones[z], t, &lt), 0);
			assert_int_equal(tz_from_local(zones[z], lt.year, lt.month,
						       lt.day, lt.hour, lt.min,
						       lt.sec, &back), 0);
			if (back != t && !(back < t && t - back <= 3600))
				fail_msg("%s %lld -> %lld", zones[z], (long long)t,
					 (long long)back);
		}
	}
}

/* libc's own answer for t in zone tz (the test sets TZ itself). */
static void libc_local(const char *tz, int64_t t, struct tm *tm)
{
	char val[160];
	time_t tt = (time_t)t;

	snprintf(val, sizeof(val), ":/usr/share/zoneinfo/%s", tz);
	setenv("TZ", val, 1);
	tzset();
	assert_non_null(localtime_r(&tt, tm));
}

/* What tz.c keeps (offsets per hour, day starts per date) answers as libc
 * does, the first time and from the cache, through every DST change of
 * 2011 and 2018 in zones with odd ones: half-hour DST (Lord Howe), +05:45
 * (Kathmandu), a day skipped (Apia, 30 Dec 2011), midnight skipped (Sao
 * Paulo), +12:45/+13:45 (Chatham). */
static void test_tz_cache_agrees(void **state)
{
	static const char *const zones[] = { LON, NYC, "Australia/Lord_Howe", "Asia/Kathmandu",
					     "Pacific/Apia", "America/Sao_Paulo",
					     "Pacific/Chatham" };
	const int64_t spans[][2] = { { utc(2011, 1, 1, 0, 0), utc(2012, 1, 1, 0, 0) },
				     { utc(2018, 1, 1, 0, 0), utc(2019, 1, 1, 0, 0) } };
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		for (size_t sp = 0; sp < 2; sp++) {
			for (int64_t t = spans[sp][0]; t < spans[sp][1]; t += 3701) {
				struct local_time a, b;
				struct tm want;
				char abbr[16];

				libc_local(zones[z], t, &want);
				snprintf(abbr, sizeof(abbr), "%s", want.tm_zone);
				if (saved)
					setenv("TZ", saved, 1);
				else
					unsetenv("TZ");
				tzset();
				assert_int_equal(tz_to_local(zones[z], t, &a), 0);
				assert_int_equal(tz_to_local(zones[z], t, &b), 0);
				if (a.year != want.tm_year + 1900 || a.month != want.tm_mon + 1 ||
				    a.day != want.tm_mday || a.hour != want.tm_hour ||
				    a.min != want.tm_min || a.sec != want.tm_sec ||
				    a.wday != want.tm_wday || a.utc_offset != want.tm_gmtoff ||
				    strcmp(a.abbr, abbr) || a.year != b.year || a.month != b.month ||
				    a.day != b.day || a.hour != b.hour || a.min != b.min ||
				    a.sec != b.sec || a.wday != b.wday ||
				    a.utc_offset != b.utc_offset || strcmp(a.abbr, b.abbr))
					fail_msg("%s %lld: %d-%d-%d %d:%d:%d wday %d off %d %s",
						 zones[z], (long long)t, a.year, a.month, a.day,
						 a.hour, a.min, a.sec, a.wday, a.utc_offset, a.abbr);
			}
			for (int64_t t = spans[sp][0]; t < spans[sp][1]; t += 26003) {
				int64_t kept = tz_day_start(zones[z], t), fresh;

				assert_int_equal(tz_day_start(zones[z], t), kept);
				tz_cache_clear();
				fresh = tz_day_start(zones[z], t);
				if (kept != fresh || kept == -1)
					fail_msg("%s %lld: day start %lld, uncached %lld", zones[z],
						 (long long)t, (long long)kept, (long long)fresh);
			}
		}
	}
	free(saved);
}

static void test_tz_day_start(void **state)
{
	const struct {
		const char *tz;
		int64_t t, start;
	} cases[] = {
		{ DXB, utc(2018, 11, 5, 10, 0), utc(2018, 11, 4, 20, 0) },
		{ DXB, utc(2018, 11, 4, 20, 0), utc(2018, 11, 4, 20, 0) },
		{ DXB, utc(2018, 11, 4, 19, 59), utc(2018, 11, 3, 20, 0) },
		{ LON, utc(2018, 3, 25, 12, 0), utc(2018, 3, 25, 0, 0) },
		{ LON, utc(2018, 10, 28, 12, 0), utc(2018, 10, 27, 23, 0) },
		{ LON, utc(2018, 10, 28, 1, 30), utc(2018, 10, 27, 23, 0) },
		{ NYC, utc(2018, 11, 4, 12, 0), utc(2018, 11, 4, 4, 0) },
		{ "UTC", utc(2018, 11, 4, 12, 0), utc(2018, 11, 4, 0, 0) },
		/* Brazil 2018-11-04: 00:00 -03 became 01:00 -02 */
		{ "America/Sao_Paulo", utc(2018, 11, 4, 15, 0), utc(2018, 11, 4, 3, 0) },
		{ "America/Sao_Paulo", utc(2018, 11, 4, 3, 0), utc(2018, 11, 4, 3, 0) },
		{ "America/Sao_Paulo", utc(2018, 11, 4, 2, 59), utc(2018, 11, 3, 3, 0) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t s = tz_day_start(cases[i].tz, cases[i].t);

		if (s != cases[i].start)
			fail_msg("case %zu: %lld, want %lld", i, (long long)s,
				 (long long)cases[i].start);
	}
	assert_int_equal(tz_day_start("Mars/Base", 0), -1);
}

static void test_tz_date_add(void **state)
{
	static const struct {
		int y, m, d, days, rc, ry, rm, rd;
	} cases[] = {
		{ 2018, 11, 5, 1, 0, 2018, 11, 6 },
		{ 2018, 12, 31, 1, 0, 2019, 1, 1 },
		{ 2020, 2, 28, 1, 0, 2020, 2, 29 },
		{ 2019, 2, 28, 1, 0, 2019, 3, 1 },
		{ 2100, 2, 28, 1, 0, 2100, 3, 1 },
		{ 2018, 3, 1, -1, 0, 2018, 2, 28 },
		{ 2018, 1, 1, 365, 0, 2019, 1, 1 },
		{ 2018, 11, 5, 7, 0, 2018, 11, 12 },
		{ 2018, 11, 5, 0, 0, 2018, 11, 5 },
		{ 9999, 12, 31, 1, -1, 9999, 12, 31 },
		{ 1970, 1, 1, -1, -1, 1970, 1, 1 },
		{ 2018, 2, 30, 1, -1, 2018, 2, 30 },
		{ 2018, 13, 1, 1, -1, 2018, 13, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int y = cases[i].y, m = cases[i].m, d = cases[i].d;

		assert_int_equal(tz_date_add(&y, &m, &d, cases[i].days), cases[i].rc);
		assert_int_equal(y, cases[i].ry);
		assert_int_equal(m, cases[i].rm);
		assert_int_equal(d, cases[i].rd);
	}
	assert_int_equal(tz_days_in_month(2000, 2), 29);
	assert_int_equal(tz_days_in_month(1900, 2), 28);
	assert_int_equal(tz_days_in_month(2024, 2), 29);
	assert_int_equal(tz_days_in_month(2018, 4), 30);
	assert_int_equal(tz_days_in_month(2018, 13), 0);
}

static void test_tz_format(void **state)
{
	const struct {
		const char *tz;
		int64_t t;
		const char *hm, *day, *dayhm, *date;
	} cases[] = {
		{ DXB, utc(2018, 11, 5, 10, 0), "14:00", "Mon 5 Nov", "Mon 5 Nov 14:00", "2018-11-05" },
		{ DXB, utc(2018, 11, 5, 20, 5), "00:05", "Tue 6 Nov", "Tue 6 Nov 00:05", "2018-11-06" },
		{ LON, utc(2018, 7, 1, 8, 9), "09:09", "Sun 1 Jul", "Sun 1 Jul 09:09", "2018-07-01" },
		{ NYC, utc(2019, 1, 1, 3, 0), "22:00", "Mon 31 Dec", "Mon 31 Dec 22:00", "2018-12-31" },
		{ "Mars/Base", 0, "?", "?", "?", "?" },
	};
	char out[32], tiny[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tz_format_hm(cases[i].tz, cases[i].t, out, sizeof(out));
		assert_string_equal(out, cases[i].hm);
		tz_format_day(cases[i].tz, cases[i].t, out, sizeof(out));
		assert_string_equal(out, cases[i].day);
		tz_format_dayhm(cases[i].tz, cases[i].t, out, sizeof(out));
		assert_string_equal(out, cases[i].dayhm);
		tz_format_date(cases[i].tz, cases[i].t, out, sizeof(out));
		assert_string_equal(out, cases[i].date);
	}
	tz_format_dayhm(DXB, utc(2018, 11, 5, 10, 0), tiny, sizeof(tiny));
	assert_string_equal(tiny, "Mon");
	tz_format_hm(DXB, 0, NULL, 0);  /* no crash */
}

/* Session spans: relative days for answers, dated ones for digests. */
static void test_tz_format_span(void **state)
{
	/* now: Mon 5 Nov 2018 12:00 in Dubai */
	const int64_t now = utc(2018, 11, 5, 8, 0);
	const struct {
		int64_t start, end;
		enum tz_span how;
		const char *want;
	} cases[] = {
		{ utc(2018, 11, 5, 10, 0), utc(2018, 11, 5, 11, 0), TZ_SPAN_NEAR, "today 14:00-15:00" },
		{ utc(2018, 11, 6, 5, 0), utc(2018, 11, 6, 6, 30), TZ_SPAN_NEAR,
		  "tomorrow 09:00-10:30" },
		{ utc(2018, 11, 7, 19, 0), utc(2018, 11, 7, 21, 0), TZ_SPAN_NEAR,
		  "Wed 7 Nov 23:00-01:00" },
		{ utc(2018, 11, 5, 10, 0), utc(2018, 11, 5, 11, 0), TZ_SPAN_TIME, "14:00-15:00" },
		/* going on now, whatever the style asked */
		{ utc(2018, 11, 5, 7, 0), utc(2018, 11, 5, 9, 0), TZ_SPAN_NEAR, "now until 13:00" },
		{ utc(2018, 11, 5, 8, 0), utc(2018, 11, 5, 9, 0), TZ_SPAN_TIME, "now until 13:00" },
		/* a day or more gives the end's day */
		{ utc(2018, 11, 6, 5, 0), utc(2018, 11, 7, 5, 0), TZ_SPAN_NEAR,
		  "tomorrow 09:00-Wed 7 Nov 09:00" },
		/* dated: always the day, never "now", the end a time */
		{ utc(2018, 11, 5, 7, 0), utc(2018, 11, 5, 9, 0), TZ_SPAN_DATE,
		  "Mon 5 Nov 11:00-13:00" },
		{ utc(2018, 11, 6, 6, 0), utc(2018, 11, 6, 7, 0), TZ_SPAN_DATE,
		  "Tue 6 Nov 10:00-11:00" },
		{ utc(2018, 11, 6, 5, 0), utc(2018, 11, 7, 5, 0), TZ_SPAN_DATE,
		  "Tue 6 Nov 09:00-09:00" },
	};
	char out[64], tiny[6];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tz_format_span(DXB, now, cases[i].start, cases[i].end, cases[i].how, out,
			       sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	tz_format_span(DXB, now, cases[0].start, cases[0].end, TZ_SPAN_NEAR, tiny, sizeof(tiny));
	assert_string_equal(tiny, "today");
	tz_format_near_day(DXB, now, utc(2018, 11, 4, 19, 59), out, sizeof(out));
	assert_string_equal(out, "Sun 4 Nov");
	tz_format_near_day(DXB, now, utc(2018, 11, 4, 20, 0), out, sizeof(out));
	assert_string_equal(out, "today");
	tz_format_near_day(DXB, now, utc(2018, 11, 6, 19, 59), out, sizeof(out));
	assert_string_equal(out, "tomorrow");
}

/* The caller's TZ, set or unset, is what it was after each call. */
static void test_tz_restores_env(void **state)
{
	struct local_time lt;
	struct tm tm;
	time_t t = (time_t)utc(2018, 7, 1, 12, 0);
	int64_t x;

	(void)state;
	assert_int_equal(setenv("TZ", "America/New_York", 1), 0);
	tzset();
	assert_int_equal(tz_to_local(LON, (int64_t)t, &lt), 0);
	assert_int_equal(tz_from_local(DXB, 2018, 1, 1, 0, 0, 0, &x), 0);
	assert_string_equal(getenv("TZ"), "America/New_York");
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_hour, 8);

	assert_int_equal(unsetenv("TZ"), 0);
	tzset();
	assert_int_equal(tz_to_local(DXB, (int64_t)t, &lt), 0);
	assert_null(getenv("TZ"));
	/* a failing call changes nothing either */
	assert_int_equal(tz_to_local("Mars/Base", (int64_t)t, &lt), -1);
	assert_null(getenv("TZ"));
}

/*
 * tz_day_start() keeps the days it found: across DST changes and a
 * skipped date (Samoa went from 29 to 31 December 2011) every answer from
 * that cache equals the one worked out afresh.
 */
static void test_tz_day_start_cached(void **state)
{
	const struct {
		const char *tz;
		int64_t from;
	} spans[] = {
		{ LON, utc(2018, 10, 26, 0, 0) },
		{ LON, utc(2018, 3, 23, 0, 0) },
		{ "America/Sao_Paulo", utc(2018, 11, 2, 0, 0) },
		{ "Pacific/Apia", utc(2011, 12, 28, 0, 0) },
		{ "Australia/Lord_Howe", utc(2018, 4, 29, 0, 0) },
	};
	enum { STEPS = 4 * 24 * 3 };            /* four days, every 20 minutes */
	int64_t cached[STEPS];

	(void)state;
	for (size_t z = 0; z < sizeof(spans) / sizeof(spans[0]); z++) {
		for (int i = 0; i < STEPS; i++)
			cached[i] = tz_day_start(spans[z].tz, spans[z].from + i * 1200);
		for (int i = 0; i < STEPS; i++) {
			int64_t t = spans[z].from + i * 1200, fresh;

			tz_cache_clear();       /* worked out afresh */
			fresh = tz_day_start(spans[z].tz, t);
			if (fresh != cached[i] || fresh > t || t - fresh >= 26 * 3600)
				fail_msg("%s %lld: cached %lld, fresh %lld", spans[z].tz,
					 (long long)t, (long long)cached[i], (long long)fresh);
		}
	}
}

/* tz_keep() makes a zone the process's own: its calls switch nothing, and
 * another zone's calls put it back. */
static void test_tz_keep(void **state)
{
	struct local_time lt;
	struct tm tm;
	time_t t = (time_t)utc(2018, 7, 1, 12, 0);
	char *kept;

	(void)state;
	assert_int_equal(tz_keep("Mars/Base"), -1);
	assert_int_equal(tz_keep(DXB), 0);
	kept = strdup(getenv("TZ"));
	assert_non_null(strstr(kept, DXB));
	assert_int_equal(tz_to_local(DXB, (int64_t)t, &lt), 0);
	assert_int_equal(lt.hour, 16);
	assert_int_equal(tz_to_local(LON, (int64_t)t, &lt), 0);
	assert_int_equal(lt.hour, 13);
	assert_string_equal(getenv("TZ"), kept);
	localtime_r(&t, &tm);
	assert_int_equal(tm.tm_hour, 16);
	free(kept);
	assert_int_equal(unsetenv("TZ"), 0);
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first, while tz.c has no zone cached yet */
		cmocka_unit_test(test_tz_valid),
		cmocka_unit_test(test_duration_good),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_when_forms),
		cmocka_unit_test(test_when_errors),
		cmocka_unit_test(test_when_err_truncation),
		cmocka_unit_test(test_when_dst),
		cmocka_unit_test(test_tz_to_local),
		cmocka_unit_test(test_tz_from_local),
		cmocka_unit_test(test_tz_round_trip),
		cmocka_unit_test(test_tz_day_start),
		cmocka_unit_test(test_tz_cache_agrees),
		cmocka_unit_test(test_tz_date_add),
		cmocka_unit_test(test_tz_format),
		cmocka_unit_test(test_tz_format_span),
		cmocka_unit_test(test_tz_restores_env),
		cmocka_unit_test(test_tz_day_start_cached),
		cmocka_unit_test(test_tz_keep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
