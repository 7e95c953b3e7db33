/*
 * fuzz_feed.c - libFuzzer target for the feed-to-session mapping
 * (bot/feed.c over bot/ical.c, bot/feedmap.c and the store): what a
 * conference's server sends, twice, turned into sessions and notices.
 * Input: one byte of options (the feed's issue or the match rules; the
 * second answer's HTTP status), then the first answer, then, after a line
 * "====", the second one.  Beyond not crashing it checks feed.h's
 * promises: the store never fails, each fetch tells each room at most one
 * message, every notice has a stable due ID, every mapped event points at
 * a session that exists, no more sessions are counted than events seen,
 * and applying the same answer again after a rollback tells the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "feed.h"
#include "store.h"
#include "store_feed.h"
#include "store_session.h"

static int64_t now_ms = 1541394000LL * 1000;     /* Mon 2018-11-05 09:00 in Dubai */

static int64_t clock_ms(void *ud)
{
	(void)ud;
	return now_ms;
}

static const struct config *conf(void)
{
	static struct config *cfg;
	struct buf errs;

	if (cfg)
		return cfg;
	buf_init(&errs, 0);
	if (config_load_string("fuzz.toml",
			       "[matrix]\nhomeserver = \"https://m.example.org\"\n"
			       "user_id = \"@c:example.org\"\npassword = \"x\"\n"
			       "[bot]\ntimezone = \"Asia/Dubai\"\n"
			       "coordination_room = \"!coord:example.org\"\n"
			       "[[issue]]\nslug = \"cyber\"\nname = \"Cyber\"\n"
			       "room = \"!cyber:example.org\"\nmatch = [\"Res. 130\", \"e\"]\n"
			       "[[issue]]\nslug = \"gender\"\nname = \"Gender\"\n"
			       "room = \"!gender:example.org\"\nmatch = [\"GENDER\", \"\xc3\xa9\"]\n",
			       &cfg, &errs))
		abort();
	buf_release(&errs);
	return cfg;
}

/* At most one message per room, each with a due ID. */
static void check_replies(const struct engine_replies *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!r->v[i].due_id || !r->v[i].room_id || !r->v[i].body || !r->v[i].html)
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->v[i].room_id, r->v[j].room_id))
				abort();
	}
}

static void check_store(struct store *st, int64_t id)
{
	struct feed_item_list items = { 0 };
	struct feed f = { 0 };

	if (store_feed_get(st, id, &f) || store_feed_items(st, id, &items))
		abort();
	for (size_t i = 0; i < items.n; i++) {
		struct session s = { 0 };
		if (store_session_get(st, items.v[i].session_id, &s))
			abort();
		store_session_release(&s);
	}
	if (f.sessions_made > f.events_seen || f.sessions_made > (int64_t)items.n)
		abort();
	store_feed_item_list_release(&items);
	store_feed_release(&f);
}

/* One answer, applied, then applied again after a rollback: the same. */
static void apply(struct engine *eng, struct store *st, int64_t id, const struct feed_fetch *res)
{
	struct engine_replies a = { 0 }, b = { 0 };
	const char *result;

	if (store_begin(st) || feed_apply(eng, id, res, &a, &result) || store_rollback(st))
		abort();
	if (store_begin(st) || feed_apply(eng, id, res, &b, &result) || store_commit(st))
		abort();
	if (a.n != b.n)
		abort();
	for (size_t i = 0; i < a.n; i++)
		if (strcmp(a.v[i].due_id, b.v[i].due_id) || strcmp(a.v[i].body, b.v[i].body))
			abort();
	check_replies(&b);
	engine_replies_release(&a);
	engine_replies_release(&b);
	check_store(st, id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 200, 304, 500 };
	const char *text = (const char *)data + 1, *sep;
	size_t len = size ? size - 1 : 0, first;
	struct feed_fetch res = { .status = 200 };
	struct store *st;
	struct engine *eng;
	char err[256];
	int64_t id;

	if (size < 1)
		return 0;
	sep = memmem(text, len, "\n====\n", 6);
	first = sep ? (size_t)(sep - text) : len;
	st = store_open(":memory:", err, sizeof(err));
	if (!st)
		abort();
	eng = engine_new(conf(), st, (struct engine_clock){ clock_ms, NULL });
	if (engine_sync_config(eng) || store_begin(st) ||
	    store_feed_add(st, "https://f.example.org/a.ics", (data[0] & 1) ? "gender" : NULL, 0,
			   "@alice:example.org", now_ms, &id) ||
	    store_commit(st))
		abort();
	res.body = text;
	res.len = first;
	apply(eng, st, id, &res);
	if (sep) {
		res.status = statuses[(data[0] >> 1) & 3];
		res.body = sep + 6;
		res.len = len - first - 6;
		now_ms += 3600 * 1000;
		apply(eng, st, id, &res);
		now_ms -= 3600 * 1000;
	}
	engine_free(eng);
	store_close(st);
	return 0;
}
