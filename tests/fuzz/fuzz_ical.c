/*
 * fuzz_ical.c - libFuzzer target for the feed parser (bot/ical.c), which
 * reads whatever a conference's server sends.  Input: one byte choosing
 * the conference zone and the expansion window, then the feed's text.
 * Beyond not crashing it checks the promises of ical.h: every occurrence
 * has a UID and ends no earlier than it starts, recurring ones lie in the
 * window, no more are kept than the caps allow, every kept skip has a
 * reason, and an error is a non-empty message.  Each parsed feed is also
 * rendered back out, as sessions, which must succeed, and every event goes
 * through the feed-to-session mapping (bot/feedmap.c) under match rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "feedmap.h"
#include "ical.h"

static const char *const zones[] = {
	"Asia/Dubai", "Europe/Berlin", "UTC", "America/Sao_Paulo", "Australia/Lord_Howe",
};

static void render_back(const struct ical_feed *f, const char *tz)
{
	struct session s[8];
	size_t n = f->n < 8 ? f->n : 8;
	int64_t alarms[] = { 1800 };
	struct ical_out o = { .server = "example.org", .timezone = tz, .alarms_s = alarms,
			      .n_alarms = 1, .now_s = 1541400000 };
	struct buf b;
	char err[256];

	memset(s, 0, sizeof(s));
	for (size_t i = 0; i < n; i++) {
		s[i].id = (int64_t)i + 1;
		s[i].title = f->v[i].summary;
		s[i].place = f->v[i].location;
		s[i].start_s = f->v[i].start_s;
		s[i].end_s = f->v[i].end_s;
		s[i].cancelled_ms = f->v[i].cancelled;
	}
	buf_init(&b, 0);
	if (ical_render(s, n, &o, &b, err, sizeof(err)) || strncmp(b.data, "BEGIN:VCALENDAR", 15))
		abort();
	buf_release(&b);
}

static const struct config *rules(void)
{
	static struct config *cfg;
	struct buf errs;

	if (cfg)
		return cfg;
	buf_init(&errs, 0);
	if (config_load_string("fuzz.toml",
			       "[matrix]\nhomeserver = \"https://m.example.org\"\n"
			       "user_id = \"@c:example.org\"\npassword = \"x\"\n"
			       "[[issue]]\nslug = \"cyber\"\nname = \"Cyber\"\n"
			       "match = [\"Res. 130\", \"e\"]\n"
			       "[[issue]]\nslug = \"gender\"\nname = \"Gender\"\n"
			       "match = [\"GENDER\", \"\xc3\xa9\"]\n", &cfg, &errs))
		abort();
	buf_release(&errs);
	return cfg;
}

static void map_all(const struct ical_feed *f, int with_issue)
{
	const struct config *cfg = rules();

	for (size_t i = 0; i < f->n; i++) {
		struct feedmap_result r;
		enum feedmap_verdict v = feedmap_event(cfg, with_issue ? "gender" : NULL,
						       &f->v[i], &r);
		if (v != r.verdict || !r.title || r.end_s < r.start_s)
			abort();
		if (v == FEEDMAP_SESSION && r.issue >= cfg->n_issues)
			abort();
		if (v != FEEDMAP_SESSION && !*feedmap_reason(v))
			abort();
		if (with_issue && v == FEEDMAP_UNMATCHED)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ical_feed f;
	struct ical_in in;
	char err[256];
	int64_t to_s;

	if (size < 1)
		return 0;
	in.timezone = zones[data[0] % (sizeof(zones) / sizeof(zones[0]))];
	/* windows around 2018, 2020 and 2026, and the epoch */
	in.from_s = (int64_t[]){ 1541030400, 1585699200, 1772323200, 0 }[(data[0] >> 4) & 3];
	to_s = in.from_s + (int64_t)ICAL_EXPAND_DAYS * 86400;
	err[0] = 0;
	if (ical_parse((const char *)data + 1, size - 1, &in, &f, err, sizeof(err))) {
		if (!err[0] || f.n)
			abort();
		ical_feed_release(&f);
		return 0;
	}
	if (f.n > ICAL_MAX_EVENTS)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		const struct ical_event *e = &f.v[i];
		if (!e->uid || !*e->uid || e->end_s < e->start_s)
			abort();
		/* an expanded occurrence overlaps the window */
		if (e->recurrence_s && e->recurrence_s == e->start_s &&
		    !(e->end_s >= in.from_s && e->start_s < to_s))
			abort();
		if (e->summary && strlen(e->summary) > ICAL_MAX_TEXT)
			abort();
	}
	for (size_t i = 0; i < f.n_skipped && i < ICAL_MAX_SKIPS; i++)
		if (!f.skips[i].reason || !*f.skips[i].reason)
			abort();
	render_back(&f, in.timezone);
	map_all(&f, data[0] & 0x40);
	ical_feed_release(&f);
	return 0;
}
