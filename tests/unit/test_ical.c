/*
 * test_ical.c - iCalendar in and out (bot/ical.c).  In: the fixtures in
 * tests/ical/ (one per exporter shape and one of quirks), then every file
 * of ../shared/ics-real/ (skipped with a notice when absent) with local
 * times read off each file by hand.  Out: sessions rendered, checked as
 * text and parsed back.  The conference zone is Asia/Dubai throughout.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ical.h"
#include "when.h"

#define CONF_TZ "Asia/Dubai"
#define REAL_DIR "../shared/ics-real"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	*len = fread(data, 1, (size_t)n, f);
	data[*len] = 0;
	fclose(f);
	return data;
}

/* Midnight UTC of "YYYY-MM-DD". */
static int64_t day(const char *ymd)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static void parse_path(const char *path, const char *from, struct ical_feed *f)
{
	struct ical_in in = { .timezone = CONF_TZ, .from_s = from ? day(from) : 0 };
	size_t len = 0;
	char *data = slurp(path, &len), err[200] = "";

	assert_non_null(data);
	if (ical_parse(data, len, &in, f, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", path, err);
		fail();
	}
	free(data);
}

/* "YYYY-MM-DD HH:MM" of t in tz. */
static void local(const char *tz, int64_t t, char *out, size_t outlen)
{
	char d[16], hm[8];

	tz_format_date(tz, t, d, sizeof(d));
	tz_format_hm(tz, t, hm, sizeof(hm));
	snprintf(out, outlen, "%s %s", d, hm);
}

/* The event whose summary contains 'summary' and that starts at 'start'
 * (local time in tz), or NULL. */
static const struct ical_event *find(const struct ical_feed *f, const char *summary,
				     const char *tz, const char *start)
{
	char buf[32];

	for (size_t i = 0; i < f->n; i++) {
		if (!f->v[i].summary || !strstr(f->v[i].summary, summary))
			continue;
		local(tz, f->v[i].start_s, buf, sizeof(buf));
		if (!strcmp(buf, start))
			return &f->v[i];
	}
	return NULL;
}

/* That event exists, and ends at 'end' (local in tz; NULL: no check). */
static const struct ical_event *expect(const struct ical_feed *f, const char *summary,
				       const char *tz, const char *start, const char *end)
{
	const struct ical_event *e = find(f, summary, tz, start);
	char buf[32];

	if (!e) {
		fprintf(stderr, "no event '%s' at %s %s; have:\n", summary, start, tz);
		for (size_t i = 0; i < f->n && i < 40; i++) {
			local(tz, f->v[i].start_s, buf, sizeof(buf));
			fprintf(stderr, "  %s %s\n", buf, f->v[i].summary ? f->v[i].summary : "-");
		}
		fail();
	}
	if (end) {
		local(tz, e->end_s, buf, sizeof(buf));
		assert_string_equal(buf, end);
	}
	return e;
}

static size_t count_summary(const struct ical_feed *f, const char *summary)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].summary && strstr(f->v[i].summary, summary))
			n++;
	return n;
}

/* ---- the fixtures' shapes ------------------------------------------ */

/* Indico: UTC times, "[label]" in SUMMARY, LOCATION "room (venue)", CRLF,
 * a folded DESCRIPTION. */
static void test_indico(void **state)
{
	struct ical_feed f;
	const struct ical_event *e;

	(void)state;
	parse_path("tests/ical/indico.ics", NULL, &f);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.n_skipped, 0);
	e = expect(&f, "[WG-CYB] Drafting group on Res. 130", CONF_TZ, "2018-11-05 14:00",
		   "2018-11-05 15:30");
	assert_string_equal(e->uid, "indico-contribution-812-4127@indico.example.org");
	assert_string_equal(e->location, "Room C (Dubai World Trade Centre)");
	assert_string_equal(e->categories, "Working groups");
	assert_non_null(strstr(e->description, "(Dubai, 2018)\nURL: https://indico.example.org/"));
	assert_int_equal(e->recurrence_s, 0);
	expect(&f, "[PLEN] Plenary", CONF_TZ, "2018-11-05 09:30", "2018-11-05 12:00");
	ical_feed_release(&f);
}

/* pretalx: local times under a generated VTIMEZONE, "title - speakers",
 * UID pretalx-<event>-<code>@host, an escaped comma, non-ASCII names. */
static void test_pretalx(void **state)
{
	struct ical_feed f;
	const struct ical_event *e;

	(void)state;
	parse_path("tests/ical/pretalx.ics", NULL, &f);
	assert_int_equal(f.n, 2);
	e = expect(&f, "Encryption for everyone", "Europe/Berlin", "2023-09-15 14:30",
		   "2023-09-15 15:15");
	assert_string_equal(e->summary, "Encryption for everyone - Amira Haddad, Lukas Meier");
	assert_string_equal(e->uid, "pretalx-rightscon23-QXK7PZ@pretalx.example.org");
	assert_string_equal(e->location, "Saal Zuse");
	/* November is winter time: 09:00 CET is 08:00 UTC */
	e = expect(&f, "Winter session", "UTC", "2023-11-15 08:00", "2023-11-15 09:00");
	assert_string_equal(e->summary, "Winter session - J\xc3\xb8rgen \xc3\x98" "deg\xc3\xa5rd");
	assert_int_equal(f.unknown_tzid, 0);
	ical_feed_release(&f);
}

/* Sched: UTC times, X-WR-TIMEZONE, CATEGORIES (one empty), LF only,
 * long unfolded lines. */
static void test_sched(void **state)
{
	struct ical_feed f;
	const struct ical_event *e;

	(void)state;
	parse_path("tests/ical/sched.ics", NULL, &f);
	assert_int_equal(f.n, 2);
	e = expect(&f, "Civil society briefing", CONF_TZ, "2018-11-06 13:00", "2018-11-06 14:00");
	assert_string_equal(e->categories, "Side event");
	assert_string_equal(e->location, "Room 12, Level 2");
	assert_true(strlen(e->description) > 200);
	e = expect(&f, "Gender and ICTs", CONF_TZ, "2018-11-07 17:00", NULL);
	assert_string_equal(e->categories, "Reception");
	ical_feed_release(&f);
}

/* Google: RRULE with COUNT, EXDATE, a RECURRENCE-ID override, an all-day
 * event, a floating time read in X-WR-TIMEZONE, a folded non-ASCII
 * DESCRIPTION, an empty LOCATION. */
static void test_google(void **state)
{
	struct ical_feed f;
	const struct ical_event *e;

	(void)state;
	parse_path("tests/ical/google.ics", "2018-10-28", &f);
	/* 10 days, minus the EXDATE, one of them replaced by its override */
	assert_int_equal(count_summary(&f, "Morning coordination"), 9);
	e = expect(&f, "Morning coordination", "Europe/Berlin", "2018-10-29 08:30",
		   "2018-10-29 09:00");
	assert_int_equal(e->recurrence_s, e->start_s);
	assert_null(e->location);
	assert_non_null(strstr(e->description, "T\xc3\xa4gliche Abstimmung"));
	assert_non_null(strstr(e->description, "every morning"));
	assert_null(find(&f, "Morning coordination", "Europe/Berlin", "2018-10-31 08:30"));
	assert_null(find(&f, "Morning coordination", "Europe/Berlin", "2018-11-02 08:30"));
	e = expect(&f, "(late start)", "Europe/Berlin", "2018-11-02 10:00", "2018-11-02 10:30");
	assert_int_equal(e->recurrence_s, day("2018-11-02") + 7 * 3600 + 1800);
	e = expect(&f, "Day of action", "Europe/Berlin", "2018-11-05 00:00", "2018-11-06 00:00");
	assert_true(e->all_day);
	expect(&f, "Lunch (floating)", "Europe/Berlin", "2018-11-06 12:00", "2018-11-06 13:00");
	ical_feed_release(&f);

	/* a window after the series: only the single events are left */
	parse_path("tests/ical/google.ics", "2018-12-01", &f);
	assert_int_equal(count_summary(&f, "Morning coordination"), 0);
	assert_int_equal(f.n, 2);
	ical_feed_release(&f);
}

/* Outlook: a BOM, Windows zone names with and without their VTIMEZONE,
 * a TAB-folded SUMMARY with a LANGUAGE parameter, X-MICROSOFT-CDO-*. */
static void test_outlook(void **state)
{
	struct ical_feed f;
	const struct ical_event *e;

	(void)state;
	parse_path("tests/ical/outlook.ics", NULL, &f);
	assert_int_equal(f.n, 2);
	e = expect(&f, "Bilateral", CONF_TZ, "2018-11-08 16:00", "2018-11-08 17:00");
	assert_string_equal(e->summary, "Bilateral: CITEL on OTT services");
	assert_string_equal(e->location, "Delegates' lounge");
	/* W. Europe Standard Time is Europe/Berlin: 09:00 CET */
	expect(&f, "Call with Geneva office", "UTC", "2018-11-09 08:00", "2018-11-09 08:30");
	assert_int_equal(f.windows_tzid, 2);
	assert_int_equal(f.unknown_tzid, 0);
	ical_feed_release(&f);
}

/* Floating, unknown TZID, DURATION, no DTEND, no UID, no DTSTART, ends
 * before it starts, CANCELLED, RDATE, a vendor-prefixed TZID, a reused
 * UID, an exact duplicate, a year-1601 start, a VTODO. */
static void test_quirks(void **state)
{
	struct ical_feed f;
	const struct ical_event *e;
	int no_start = 0, backwards = 0, duplicate = 0, ancient = 0;

	(void)state;
	parse_path("tests/ical/quirks.ics", "2018-11-01", &f);
	expect(&f, "Floating", CONF_TZ, "2018-11-05 15:00", "2018-11-05 16:00");
	/* Mars/Olympus_Mons: read in the conference zone, and counted */
	expect(&f, "Unknown zone", CONF_TZ, "2018-11-05 17:00", "2018-11-05 18:00");
	assert_int_equal(f.unknown_tzid, 1);
	expect(&f, "With DURATION", "UTC", "2018-11-06 06:00", "2018-11-06 07:30");
	e = expect(&f, "Without DTEND", "UTC", "2018-11-06 08:00", "2018-11-06 08:00");
	assert_true(e->no_end);
	e = expect(&f, "Without UID", "UTC", "2018-11-06 09:00", NULL);
	assert_true(!strncmp(e->uid, "no-uid-", 7));
	e = expect(&f, "Called off", "UTC", "2018-11-07 06:00", NULL);
	assert_true(e->cancelled);
	assert_int_equal(count_summary(&f, "Briefing on three days"), 3);
	expect(&f, "Briefing on three days", "UTC", "2018-11-12 06:00", "2018-11-12 06:30");
	expect(&f, "Vendor-prefixed TZID", "Europe/Paris", "2018-11-08 10:00", NULL);
	e = expect(&f, "Same UID A", "UTC", "2018-11-10 06:00", NULL);
	assert_string_equal(e->uid, "dup");
	e = expect(&f, "Same UID B", "UTC", "2018-11-10 08:00", NULL);
	assert_string_equal(e->uid, "dup#1541836800");
	assert_int_equal(count_summary(&f, "Same UID B"), 1);
	assert_int_equal(count_summary(&f, "Not an event"), 0);
	assert_int_equal(f.n, 12);
	assert_int_equal(f.n_skipped, 4);
	for (size_t i = 0; i < f.n_skipped; i++) {
		no_start += !strcmp(f.skips[i].uid, "no-start-1") &&
			    !strcmp(f.skips[i].reason, "no DTSTART");
		backwards += !strcmp(f.skips[i].uid, "backwards-1") &&
			     !strcmp(f.skips[i].reason, "ends before it starts");
		duplicate += !strcmp(f.skips[i].uid, "dup") &&
			     strstr(f.skips[i].reason, "same UID") != NULL;
		ancient += !strcmp(f.skips[i].uid, "ancient-1") &&
			   strstr(f.skips[i].reason, "before 1970") != NULL;
	}
	assert_int_equal(no_start + backwards + duplicate + ancient, 4);
	ical_feed_release(&f);
}

/* X-WR-TIMEZONE is for floating times only: UTC and TZID times keep
 * theirs.  A bogus X-WR-TIMEZONE leaves floating times in the
 * conference zone. */
static void test_x_wr_timezone(void **state)
{
	static const char bogus[] =
		"BEGIN:VCALENDAR\nX-WR-TIMEZONE:Nowhere/Special\nBEGIN:VEVENT\nUID:f\n"
		"DTSTART:20181105T100000\nSUMMARY:Floating\nEND:VEVENT\nEND:VCALENDAR\n";
	struct ical_in in = { .timezone = CONF_TZ };
	struct ical_feed f;
	char err[200];

	(void)state;
	parse_path("tests/ical/x-wr-timezone.ics", NULL, &f);
	assert_int_equal(f.n, 3);
	expect(&f, "In UTC", "UTC", "2018-11-05 10:00", "2018-11-05 11:00");
	expect(&f, "In Paris", "Europe/Paris", "2018-11-05 10:00", "2018-11-05 11:00");
	expect(&f, "Floating", "America/New_York", "2018-11-05 10:00", "2018-11-05 11:00");
	ical_feed_release(&f);

	assert_int_equal(ical_parse(bogus, sizeof(bogus) - 1, &in, &f, err, sizeof(err)), 0);
	expect(&f, "Floating", CONF_TZ, "2018-11-05 10:00", NULL);
	ical_feed_release(&f);
}

static void test_not_ical(void **state)
{
	struct ical_in in = { .timezone = CONF_TZ };
	struct ical_feed f;
	char err[200];
	static const char *const bad[] = {
		"", "this is not a calendar\n", "<html><body>502 Bad Gateway</body></html>",
		"BEGIN:VCALENDAR", "\xef\xbb\xbf",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ical_parse(bad[i], strlen(bad[i]), &in, &f, err, sizeof(err));
		/* a lone BEGIN:VCALENDAR may come out as an empty calendar */
		if (rc == 0)
			assert_int_equal(f.n, 0);
		else
			assert_true(!strncmp(err, "not iCalendar", 13));
		ical_feed_release(&f);
	}
	assert_int_equal(ical_parse("x", ICAL_MAX_BYTES + 1, &in, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "8 MiB"));
	ical_feed_release(&f);
}

/* Stray END lines (which libical would report on stderr, outside the
 * log's format) are dropped: the events still come out, stderr stays
 * empty. */
static void test_stray_end(void **state)
{
	static const char feed[] =
		"END:VEVENT\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\n"
		"DTSTART:20181105T100000Z\r\nSUMMARY:Kept\r\n END:VEVENT as folded text\r\n"
		"END:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nend:vcalendar\r\n";
	struct ical_in in = { .timezone = CONF_TZ };
	struct ical_feed f;
	char err[200], tmpl[] = "/tmp/caucus-ical-stderr-XXXXXX";
	int fd = mkstemp(tmpl), saved = dup(2);
	struct stat sb;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	assert_int_equal(ical_parse(feed, sizeof(feed) - 1, &in, &f, err, sizeof(err)), 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(fstat(fd, &sb), 0);
	close(fd);
	unlink(tmpl);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].summary, "KeptEND:VEVENT as folded text");
	ical_feed_release(&f);
}

/* A feed bigger than the caps: ICAL_MAX_EVENTS kept, the rest counted. */
static void test_caps(void **state)
{
	struct ical_in in = { .timezone = CONF_TZ };
	struct ical_feed f;
	struct buf b;
	char err[200];
	size_t extra = 100;

	(void)state;
	buf_init(&b, 0);
	buf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
	for (size_t i = 0; i < ICAL_MAX_EVENTS + extra; i++)
		buf_printf(&b, "BEGIN:VEVENT\r\nUID:e%zu@example.org\r\nDTSTART:20181105T%02zu"
			   "%02zu00Z\r\nDURATION:PT30M\r\nSUMMARY:Event %zu\r\nEND:VEVENT\r\n",
			   i, i % 24, i % 60, i);
	buf_puts(&b, "END:VCALENDAR\r\n");
	assert_int_equal(ical_parse(b.data, b.len, &in, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, ICAL_MAX_EVENTS);
	assert_int_equal(f.truncated, extra);
	assert_string_equal(f.v[ICAL_MAX_EVENTS - 1].summary, "Event 19999");
	ical_feed_release(&f);
	buf_release(&b);
}

/* ---- the real exports in ../shared/ics-real ------------------------ */

struct real_check {
	const char *summary, *tz, *start, *end;
	int all_day, cancelled;
};

static const struct real_case {
	const char *file;
	const char *from;               /* expansion window start, or NULL */
	size_t n, skipped, unknown;
	struct real_check checks[3];
	const char *absent[2];          /* "summary|tz|start" that must not be there */
} real_cases[] = {
	{ "bad-tzid-utc-plus-11.ics", "2017-02-01", 1, 0, 0,
	  { { "TESTIN", "Etc/GMT-11", "2017-02-28 23:00", "2017-02-28 23:30", 0, 0 } }, { 0 } },
	{ "bom-crlf-empty.ics", NULL, 0, 0, 0, { { 0 } }, { 0 } },
	{ "china-holidays-allday.ics", NULL, 137, 0, 0,
	  { { "\xe5\x85\x83\xe6\x97\xa6", CONF_TZ, "2016-01-01 00:00", "2016-01-02 00:00", 1, 0 } },
	  { 0 } },
	{ "discourse-no-dtend-dup-vtimezone.ics", "2019-01-01", 4, 0, 0,
	  { { "openLab", "Europe/Berlin", "2019-01-17 18:00", "2019-01-17 18:00", 0, 0 },
	    { "Hanf als nachhaltiges", "Europe/Berlin", "2019-02-28 15:00", "2019-02-28 18:30",
	      0, 0 } }, { 0 } },
	{ "evolution-arabian-standard-time.ics", NULL, 1, 0, 0,
	  { { "Webinar - Middle East", CONF_TZ, "2021-03-31 14:00", "2021-03-31 15:00", 0, 0 } },
	  { 0 } },
	/* daily on weekdays 3-22 July at 10:00 (+02:00), UNTIL in UTC */
	{ "exchange-cdo-gmt-offset-tzid.ics", "2015-07-01", 14, 0, 0,
	  { { "Sprint 25 Daily Standup", "Europe/Berlin", "2015-07-03 10:00", "2015-07-03 10:30",
	      0, 0 },
	    { "Sprint 25 Daily Standup", "Europe/Berlin", "2015-07-22 10:00", NULL, 0, 0 } },
	  { "Sprint 25 Daily Standup|Europe/Berlin|2015-07-04 10:00" } },
	{ "exchange2010-custom-tz-escaped-comma.ics", NULL, 1, 0, 0,
	  { { "Test event", "Asia/Bangkok", "2019-04-30 09:00", "2019-04-30 12:00", 0, 0 } },
	  { 0 } },
	/* fortnightly all-day bins; the 16 April one moved to the 17th */
	{ "exchange2010-gmt-standard-time-overrides.ics", "2020-04-01", 5, 0, 0,
	  { { "Blue Recycle bin", CONF_TZ, "2020-04-09 00:00", "2020-04-10 00:00", 1, 0 },
	    { "Refuse black bin", CONF_TZ, "2020-04-17 00:00", "2020-04-18 00:00", 1, 0 } },
	  { "Refuse black bin|" CONF_TZ "|2020-04-16 00:00" } },
	/* one event's DTSTART parameter is broken: skipped as "no DTSTART" */
	{ "exchange2010-many-windows-zones.ics", "2020-09-01", 18, 1, 0,
	  { { "test", "Europe/Berlin", "2020-09-10 09:00", "2020-09-10 09:30", 0, 0 },
	    { "Not the actual summary 1", "America/Los_Angeles", "2020-09-15 08:30",
	      "2020-09-15 09:30", 0, 0 },
	    { "Not the actual summary either", "America/Los_Angeles", "2020-09-01 12:00", NULL,
	      0, 0 } }, { 0 } },
	/* daily from 26 April, 14:00 Berlin, UNTIL 29th 00:00, 27th excluded */
	{ "exchange2010-w-europe-via-evolution.ics", "2020-04-20", 2, 0, 0,
	  { { "Reoccur", "Europe/Berlin", "2020-04-26 14:00", "2020-04-26 14:30", 0, 0 },
	    { "Reoccur", "Europe/Berlin", "2020-04-28 14:00", NULL, 0, 0 } },
	  { "Reoccur|Europe/Berlin|2020-04-27 14:00" } },
	{ "festival-value-date-datetime.ics", "2011-08-01", 129, 0, 0,
	  { { "foobar Summer 2011 starts!", CONF_TZ, "2011-08-04 12:00", NULL, 0, 0 } }, { 0 } },
	{ "google-machbar-potsdam.ics", "2019-02-16", 61, 0, 0,
	  { { "Bio\xc3\xb6konomie-Tag", "Europe/Berlin", "2019-02-28 20:00", "2019-02-28 21:00",
	      0, 0 },
	    { "Montessori Schulklasse", "Europe/Berlin", "2019-02-28 08:30", "2019-02-28 14:30",
	      0, 0 } }, { 0 } },
	/* the last Friday of December moved to the 17th */
	{ "google-partyborn-moved-occurrence.ics", "2021-12-01", 1, 0, 0,
	  { { "Karaoke", "Europe/Berlin", "2021-12-17 21:30", NULL, 0, 0 } },
	  { "Karaoke|Europe/Berlin|2021-12-31 21:30" } },
	/* floating times: read in the conference zone */
	{ "lastfm-floating-blank-lines.ics", NULL, 33, 0, 0,
	  { { "Gerard van Maasakkers", CONF_TZ, "2010-02-10 20:30", "2010-02-10 23:59", 0, 0 } },
	  { 0 } },
	/* 67 events share one UID: kept apart as <uid>#<start>[-<hash>] */
	{ "moca24-camp-schedule.ics", NULL, 88, 0, 0,
	  { { "Closing ceremony", "Europe/Rome", "2024-09-15 15:00", "2024-09-15 16:00", 0, 0 },
	    { "Digital Forensics", "Europe/Rome", "2024-09-15 13:00", "2024-09-15 13:30", 0, 0 } },
	  { 0 } },
	{ "non-ascii-tzid-brasilia.ics", NULL, 1, 0, 0,
	  { { "", "America/Sao_Paulo", "2017-05-11 13:30", "2017-05-11 14:00", 0, 0 } }, { 0 } },
	{ "outlook12-tab-folded-html.ics", NULL, 1, 0, 0,
	  { { "Session #6:  Signature distribution overview", "UTC", "2007-03-14 17:00",
	      "2007-03-14 18:00", 0, 0 } }, { 0 } },
	{ "podio-tab-folding-trailing-text.ics", NULL, 1, 0, 0,
	  { { "Termin 4353", "Europe/Berlin", "2022-02-22 19:30", "2022-02-22 20:30", 0, 0 } },
	  { 0 } },
	{ "pretalx-democon-localhost.ics", NULL, 36, 0, 0,
	  { { "Persevering cohesive concept - Susan Martinez", "Europe/Berlin",
	      "2022-09-06 01:50", "2022-09-06 03:20", 0, 0 } }, { 0 } },
	{ "pycon-india-2021-duration.ics", NULL, 60, 0, 0,
	  { { "No Code Platform", "Asia/Kolkata", "2021-09-19 16:00", "2021-09-19 16:30", 0, 0 } },
	  { 0 } },
	/* RDATEs only: 3 and 31 August 2013 in the window */
	{ "rdate-list-hpr.ics", "2013-08-02", 2, 0, 0,
	  { { "HPR Community News", "UTC", "2013-08-03 19:00", "2013-08-03 21:00", 0, 0 },
	    { "HPR Community News", "UTC", "2013-08-31 19:00", "2013-08-31 21:00", 0, 0 } },
	  { 0 } },
	{ "sched-jococruise-2022.ics", NULL, 358, 0, 0,
	  { { "Theme: Welcome, New Cruisers!", "UTC", "2022-03-05 13:00", "2022-03-06 05:00",
	      0, 0 } }, { 0 } },
	{ "sched-kubecon-eu-2026-excerpt.ics", NULL, 80, 0, 0,
	  { { "Badge Pick-Up", "Europe/Amsterdam", "2026-03-22 08:00", "2026-03-22 18:00",
	      0, 0 } }, { 0 } },
	{ "sixt-french-freebusy-broken-organizer.ics", NULL, 1, 0, 0,
	  { { "Sixt : d\xc3\xa9tails", "UTC", "2019-06-24 06:30", "2019-06-24 16:30", 0, 0 } },
	  { 0 } },
	/* three daily occurrences, the second cancelled by its override */
	{ "thunderbird-cancelled-occurrence.ics", "2020-01-27", 3, 0, 0,
	  { { "one is cancelled", "Europe/Berlin", "2020-01-29 22:00", "2020-01-29 23:00", 0, 1 },
	    { "one is cancelled", "Europe/Berlin", "2020-01-30 22:00", NULL, 0, 0 } },
	  { 0 } },
};

static void test_real_exports(void **state)
{
	struct stat sb;
	size_t files = 0;

	(void)state;
	if (stat(REAL_DIR, &sb)) {
		printf("test_ical: " REAL_DIR " is absent, real exports skipped\n");
		skip();
	}
	for (size_t i = 0; i < sizeof(real_cases) / sizeof(real_cases[0]); i++) {
		const struct real_case *c = &real_cases[i];
		char path[256];
		struct ical_feed f;

		snprintf(path, sizeof(path), REAL_DIR "/%s", c->file);
		if (stat(path, &sb)) {
			printf("test_ical: %s is absent\n", path);
			continue;
		}
		files++;
		parse_path(path, c->from, &f);
		if (f.n != c->n || f.n_skipped != c->skipped || f.unknown_tzid != c->unknown)
			fprintf(stderr, "%s: %zu events, %zu skipped, %zu unknown TZID\n", c->file,
				f.n, f.n_skipped, f.unknown_tzid);
		assert_int_equal(f.n, c->n);
		assert_int_equal(f.n_skipped, c->skipped);
		assert_int_equal(f.unknown_tzid, c->unknown);
		for (size_t k = 0; k < f.n_skipped; k++)
			assert_true(f.skips[k].reason && *f.skips[k].reason);
		for (size_t k = 0; k < 3 && c->checks[k].tz; k++) {
			const struct real_check *ck = &c->checks[k];
			const struct ical_event *e;
			if (!*ck->summary) {            /* an event without SUMMARY */
				char buf[32];
				assert_true(f.n > 0);
				local(ck->tz, f.v[0].start_s, buf, sizeof(buf));
				assert_string_equal(buf, ck->start);
				continue;
			}
			e = expect(&f, ck->summary, ck->tz, ck->start, ck->end);
			assert_int_equal(e->all_day, ck->all_day);
			assert_int_equal(e->cancelled, ck->cancelled);
		}
		for (size_t k = 0; k < 2 && c->absent[k]; k++) {
			char s[128], *tz, *start;
			snprintf(s, sizeof(s), "%s", c->absent[k]);
			tz = strchr(s, '|');
			*tz++ = 0;
			start = strchr(tz, '|');
			*start++ = 0;
			if (find(&f, s, tz, start)) {
				fprintf(stderr, "%s: '%s' at %s should not be there\n", c->file, s, start);
				fail();
			}
		}
		ical_feed_release(&f);
	}
	printf("test_ical: %zu real exports checked\n", files);
}

/* ---- out ----------------------------------------------------------- */

static char issue_name[] = "Cybersecurity", room[] = "!abc:example.org",
	    alias[] = "#cyber:example.org", title[] = "Res. 130 drafting, ad hoc",
	    place[] = "Room C; Hall 2 \xe2\x80\x94 Dubai", amira[] = "@amira:example.org",
	    bob[] = "@bob:example.org";

static void two_sessions(struct session s[2], char **att)
{
	memset(s, 0, 2 * sizeof(*s));
	s[0].id = 12;
	s[0].issue_name = issue_name;
	s[0].issue_room = room;
	s[0].title = title;
	s[0].place = place;
	s[0].start_s = day("2018-11-05") + 10 * 3600;   /* 14:00 in Dubai */
	s[0].end_s = s[0].start_s + 3600;
	s[0].sequence = 2;
	s[0].attendees.v = att;
	s[0].attendees.n = 2;
	s[0].created_ms = (int64_t)day("2018-11-01") * 1000;
	s[0].updated_ms = (int64_t)day("2018-11-02") * 1000;
	s[1] = s[0];
	s[1].id = 13;
	s[1].cancelled_ms = (int64_t)day("2018-11-03") * 1000;
	s[1].attendees.n = 0;
	s[1].place = NULL;
	s[1].issue_room = alias;
	s[1].sequence = 0;
}

static size_t occurrences(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_render(void **state)
{
	struct session s[2];
	char *att[] = { amira, bob };
	int64_t alarms[] = { 1800, 300 };
	struct ical_out o = { .server = "example.org", .timezone = CONF_TZ, .alarms_s = alarms,
			      .n_alarms = 2, .now_s = day("2018-11-04") };
	struct ical_in in = { .timezone = "UTC" };
	struct ical_feed f;
	struct buf b;
	char err[200];

	(void)state;
	two_sessions(s, att);
	buf_init(&b, 0);
	assert_int_equal(ical_render(s, 2, &o, &b, err, sizeof(err)), 0);
	assert_true(!strncmp(b.data, "BEGIN:VCALENDAR\r\n", 17));
	assert_non_null(strstr(b.data, "VERSION:2.0\r\n"));
	assert_int_equal(occurrences(b.data, "BEGIN:VTIMEZONE\r\nTZID:Asia/Dubai\r\n"), 1);
	assert_non_null(strstr(b.data, "UID:12@example.org\r\n"));
	assert_non_null(strstr(b.data, "UID:13@example.org\r\n"));
	assert_non_null(strstr(b.data, "DTSTART;TZID=Asia/Dubai:20181105T140000\r\n"));
	assert_non_null(strstr(b.data, "SEQUENCE:2\r\n"));
	assert_non_null(strstr(b.data, "STATUS:CONFIRMED\r\n"));
	assert_non_null(strstr(b.data, "STATUS:CANCELLED\r\n"));
	assert_non_null(strstr(b.data, "SUMMARY:Res. 130 drafting\\, ad hoc\r\n"));
	assert_non_null(strstr(b.data, "TRIGGER:-PT30M\r\n"));
	assert_non_null(strstr(b.data, "TRIGGER:-PT5M\r\n"));
	/* alarms for the live session only */
	assert_int_equal(occurrences(b.data, "BEGIN:VALARM"), 2);
	assert_non_null(strstr(b.data, "URL:https://matrix.to/#/%23cyber:example.org\r\n"));
	for (const char *p = b.data; *p; p++)      /* every line ends in CRLF */
		if (*p == '\n')
			assert_int_equal(p[-1], '\r');

	/* read back: the same sessions, in UTC */
	assert_int_equal(ical_parse(b.data, b.len, &in, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.unknown_tzid, 0);
	assert_string_equal(f.v[0].uid, "12@example.org");
	assert_int_equal(f.v[0].start_s, s[0].start_s);
	assert_int_equal(f.v[0].end_s, s[0].end_s);
	assert_string_equal(f.v[0].summary, s[0].title);
	assert_string_equal(f.v[0].location, s[0].place);
	assert_string_equal(f.v[0].categories, "Cybersecurity");
	assert_non_null(strstr(f.v[0].description, "Issue: Cybersecurity"));
	assert_non_null(strstr(f.v[0].description, "@amira:example.org, @bob:example.org"));
	assert_non_null(strstr(f.v[0].description, "https://matrix.to/#/!abc:example.org"));
	assert_false(f.v[0].cancelled);
	assert_true(f.v[1].cancelled);
	assert_non_null(strstr(f.v[1].description, "nobody yet"));
	ical_feed_release(&f);

	/* a conference in UTC: times in UTC, no VTIMEZONE */
	o.timezone = "UTC";
	buf_reset(&b);
	assert_int_equal(ical_render(s, 2, &o, &b, err, sizeof(err)), 0);
	assert_null(strstr(b.data, "BEGIN:VTIMEZONE"));
	assert_non_null(strstr(b.data, "DTSTART:20181105T100000Z\r\n"));

	/* an unknown zone is an error, not a calendar in UTC */
	o.timezone = "Mars/Olympus_Mons";
	buf_reset(&b);
	assert_int_equal(ical_render(s, 2, &o, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "time zone"));
	/* the output's size cap is honoured */
	o.timezone = CONF_TZ;
	buf_release(&b);
	buf_init(&b, 64);
	assert_int_equal(ical_render(s, 2, &o, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too big"));
	buf_release(&b);
}

static void test_render_empty(void **state)
{
	struct ical_out o = { .server = "example.org", .timezone = CONF_TZ, .now_s = 1 };
	struct buf b;
	char err[200];

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(ical_render(NULL, 0, &o, &b, err, sizeof(err)), 0);
	assert_non_null(strstr(b.data, "BEGIN:VTIMEZONE"));
	assert_null(strstr(b.data, "BEGIN:VEVENT"));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indico),
		cmocka_unit_test(test_pretalx),
		cmocka_unit_test(test_sched),
		cmocka_unit_test(test_google),
		cmocka_unit_test(test_outlook),
		cmocka_unit_test(test_quirks),
		cmocka_unit_test(test_x_wr_timezone),
		cmocka_unit_test(test_not_ical),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_stray_end),
		cmocka_unit_test(test_real_exports),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
