/*
 * answers.c - writes the answers a phone must show well, one HTML page
 * each, for tests/phone/run.sh to render in a headless browser at 360 px:
 * the coverage of 11 issues, the positions of 12 actors, a full digest,
 * the sessions of a busy day, the help, a feed's change notice and !feeds.  The answers come from the
 * real command engine (testengine.h's set-up); the page shows the
 * formatted_body as a chat client does, in a proportional font.
 *
 * Usage: answers OUTDIR   (writes OUTDIR/NAME.html and NAME.txt, the plain
 * body, for each answer)
 */
#include "testengine.h"

#include "store_direct.h"

#include <stdio.h>

#include "feed.h"

static const char *outdir;

static const char page_head[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>caucus answer</title>\n<style>\n"
	/* a phone's screen: the body is 360 px wide (headless chromium's window
	 * is at least 500 px; the grey beyond the body is not the phone) */
	"html { margin: 0; background: #888; }\n"
	"body { margin: 0; padding: 8px 0; width: 360px; min-height: 100vh; background: #fff;\n"
	"       box-sizing: border-box;\n"
	"       font: 15px/1.4 'DejaVu Sans', sans-serif; color: #1b1d22; }\n"
	".msg { margin: 0 12px; padding: 6px 10px; border-left: 3px solid #0dbd8b;\n"
	"       background: #f4f6fa; }\n"
	".sender { font-weight: bold; color: #0dbd8b; margin-bottom: 4px; }\n"
	"p { margin: 0 0 6px; } ul, ol { margin: 0 0 6px; padding-left: 20px; }\n"
	"code { font: 13px 'DejaVu Sans Mono', monospace; background: #e3e8f0; }\n"
	"</style></head><body>\n<div class=\"msg\"><div class=\"sender\">caucus</div>\n";

/*
 * The page's verdict goes in its title, which the browser dumps: FITS
 * when the body does not scroll sideways (scrollWidth <= clientWidth), no
 * element reaches past its right edge, and there is no table (Element X
 * shows none, so a table that fits here is still blank on a phone).
 */
static const char page_tail[] =
	"\n</div>\n<script>\n"
	"var b = document.body, e = document.documentElement, bad = '';\n"
	"var edge = b.getBoundingClientRect().right;\n"
	"if (b.scrollWidth > b.clientWidth || e.scrollWidth > e.clientWidth) bad = 'scrolls';\n"
	"document.querySelectorAll('.msg *').forEach(function (el) {\n"
	"  if (!bad && el.getBoundingClientRect().right > edge + 0.5) bad = '<' +\n"
	"    el.tagName.toLowerCase() + '>-past-the-edge';\n"
	"});\n"
	"if (document.querySelector('table')) bad = 'a-table';\n"
	"document.title = (bad ? 'OVERFLOWS ' : 'FITS ') + b.scrollWidth + ' ' +\n"
	"  b.clientWidth + ' ' + Math.ceil(e.scrollHeight) + (bad ? ' ' + bad : '');\n"
	"</script></body></html>\n";

/* Write the first reply's formatted_body as OUTDIR/name.html. */
static void save(struct te *t, const char *name)
{
	char path[512];
	FILE *f;

	assert_true(t->out.n > 0);
	snprintf(path, sizeof(path), "%s/%s.html", outdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(page_head, f);
	fputs(t->out.v[0].html, f);
	fputs(page_tail, f);
	assert_int_equal(fclose(f), 0);
	printf("wrote %s\n", path);
	/* and the plain body beside it, for a person to compare */
	snprintf(path, sizeof(path), "%s/%s.txt", outdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", t->out.v[0].body);
	assert_int_equal(fclose(f), 0);
}

static void say(struct te *t, const char *room, const char *who, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
static void say(struct te *t, const char *room, const char *who, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	te_say(t, room, who, line);
	free(line);
}

/* One answer of feed 1: a drafting group at 'start' in 'place', and four
 * side events; attended by Bob and Carol once made. */
static void feed(struct te *t, const char *start, const char *place)
{
	struct buf b;
	struct feed_fetch res = { .status = 200, .etag = "\"33a64df551425fcc55e4d42a148795d9f25f89d4\"" };
	const char *result;

	buf_init(&b, 0);
	buf_printf(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\n"
		   "BEGIN:VEVENT\r\nUID:dg@x\r\nDTSTAMP:20181101T000000Z\r\nDTSTART:%s\r\n"
		   "DURATION:PT1H30M\r\nSUMMARY:Drafting group on Res. 130 (Cybersecurity), "
		   "second reading\r\nLOCATION:%s\r\nEND:VEVENT\r\n", start, place);
	for (int i = 0; i < 4; i++)
		buf_printf(&b, "BEGIN:VEVENT\r\nUID:side%d@x\r\nDTSTAMP:20181101T000000Z\r\n"
			   "DTSTART:2018110%dT060000Z\r\nDURATION:PT1H\r\nSUMMARY:Side event %d on "
			   "the digital divide\r\nEND:VEVENT\r\n", i, 6 + i, i);
	buf_puts(&b, "END:VCALENDAR\r\n");
	res.body = b.data;
	res.len = b.len;
	engine_replies_release(&t->out);
	assert_int_equal(store_begin(t->st), 0);
	assert_int_equal(feed_apply(t->eng, 1, &res, &t->out, &result), 0);
	assert_int_equal(store_commit(t->st), 0);
	te_check_replies(t);
	buf_release(&b);
	if (!strcmp(start, "20181106T100000Z")) {
		say(t, CYBER, BOB, "!attend 20");
		say(t, CYBER, CAROL, "!attend 20");
	}
}

/* The coordination group of SPEC's example: 11 issues, covered unevenly. */
static void eleven_issues(struct te *t)
{
	static const char *const more[][2] = {
		{ "internet-policy", "Internet-related public policy" },
		{ "ott", "Over-the-top services" },
		{ "iot", "IoT and smart cities" },
		{ "doa", "Digital object architecture" },
		{ "connectivity", "Connectivity and the digital divide" },
		{ "transparency", "Openness and transparency of the ITU" },
	};

	for (size_t i = 0; i < ARRAY_LEN(more); i++)
		say(t, COORD, ALICE, "!issue add %s %s", more[i][0], more[i][1]);
	say(t, COORD, ALICE, "!cover cyber");
	say(t, COORD, BOB, "!cover cyber backup");
	say(t, COORD, CAROL, "!cover privacy");
	say(t, COORD, DAVE, "!cover privacy backup");
	say(t, COORD, BOB, "!cover ai");
	say(t, COORD, CAROL, "!cover internet-policy");
	say(t, COORD, ALICE, "!cover internet-policy backup");
	say(t, COORD, DAVE, "!cover connectivity");
}

static void test_write_answers(void **state)
{
	static const char *const actors[][3] = {
		{ "CEPT", "oppose", "no mandate expansion beyond Res 130" },
		{ "ATU", "support", "wants capacity building in the text" },
		{ "APT", "amend", "accepts the text with a sunset clause" },
		{ "CITEL", "oppose", "" },
		{ "RCC", "support", "proposes a new study group question" },
		{ "\"Arab Group\"", "support", "co-sponsors the RCC proposal" },
		{ "Brazil", "amend", "will table an amendment to Res 130 tomorrow" },
		{ "India", "undecided", "" },
		{ "\"United States\"", "oppose", "no ITU role in cybersecurity" },
		{ "Kenya", "support", "" },
		{ "China", "support", "supports the RCC proposal" },
		{ "Germany", "oppose", "follows the CEPT line" },
	};
	static const char *const slugs[] = { "cyber", "privacy", "ai", "iot", "ott", "gender" };
	struct te *t = te_new();

	(void)state;
	eleven_issues(t);
	/* a busy day: 18 sessions from 10:00 to 23:00, some attended */
	for (int i = 0; i < 18; i++) {
		say(t, COORD, ALICE, "!session %s %02d:%02d-%02d:%02d %s %d @ Room %c",
		    slugs[i % 6], 10 + i * 3 / 4, (i * 45) % 60, 11 + i * 3 / 4, (i * 45) % 60,
		    i % 3 ? "Ad hoc group on Res." : "Working Group of the Plenary, drafting", 130 + i,
		    'A' + i % 5);
		if (i % 3 != 2)
			say(t, COORD, i % 2 ? CAROL : BOB, "!attend %d", i + 1);
	}
	say(t, COORD, ALICE, "!coverage");
	save(t, "coverage");
	te_advance(t, 30 * 60);
	say(t, COORD, ALICE, "!sessions today");
	save(t, "sessions");

	for (size_t i = 0; i < ARRAY_LEN(actors); i++)
		say(t, CYBER, CAROL, "!position %s %s %s", actors[i][0], actors[i][1], actors[i][2]);
	say(t, CYBER, ALICE, "!positions");
	save(t, "positions");

	say(t, CYBER, BOB, "Brazil will table an amendment on encryption");
	say(t, CYBER, BOB, "!decision we back the CEPT text on Res 130, with the APT sunset clause");
	say(t, CYBER, CAROL, "!note the vote on Res 130 is on Thursday; the chair wants consensus first");
	say(t, CYBER, CAROL, "!note RCC circulated DT/64(Rev.2) at the coffee break");
	say(t, CYBER, BOB, "!action \"Carol Smith\" draft our statement for Com 5");
	say(t, CYBER, BOB, "!action Alice call the CITEL chair before the plenary");
	say(t, CYBER, ALICE, "!done 2");
	say(t, CYBER, ALICE, "!session cyber tomorrow 09:30-11:00 Committee 5, Res 130 @ Plenary hall");
	say(t, CYBER, ALICE, "!attend %d", 19);
	say(t, CYBER, ALICE, "!digest");
	save(t, "digest");

	/* a person's day in their direct room */
	assert_int_equal(store_direct_set(t->st, BOB, "!dm-bob:example.org", t->now_ms), 0);
	te_member(t, "!dm-bob:example.org", BOB, "Bob");
	say(t, "!dm-bob:example.org", BOB, "!my");
	save(t, "my");
	say(t, "!dm-bob:example.org", BOB, "!prefs dm on quiet 23:30-07:00");
	save(t, "prefs");

	say(t, COORD, ALICE, "!help");
	save(t, "help");

	/* a conference feed behind a long link: new sessions, then a move told
	 * with its attendees, then the state of the feeds */
	t->cfg.feeds_interval = 300;
	say(t, COORD, ALICE, "!feed add https://calendar.google.com/calendar/ical/"
	    "c_0123456789abcdef0123456789abcdef%%40group.calendar.google.com/public/basic.ics "
	    "cyber");
	feed(t, "20181106T100000Z", "Room D");
	feed(t, "20181106T113000Z", "Room B, Dubai World Trade Centre, Sheikh Rashid Hall");
	save(t, "feed-notice");
	say(t, COORD, ALICE, "!feeds");
	save(t, "feeds");
	te_free(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_answers),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	return cmocka_run_group_tests_name("phone answers", tests, NULL, NULL);
}
