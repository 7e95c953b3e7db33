/*
 * testengine.h - a command engine for unit tests: an in-memory store, a
 * hand-built configuration (conference zone Asia/Dubai, issues with rooms,
 * alice an admin), members in the rooms and a clock the test moves.
 *
 * Rooms: COORD, CYBER, PRIVACY, AI.  alice, bob and carol are in every
 * room; dave is only in COORD and PRIVACY.  The clock starts on Monday
 * 2018-11-05 09:00 in Dubai (05:00 UTC).
 *
 * Every reply te_say and te_due collect passes answercheck.h's checks
 * (tags a phone renders, well nested, escaped, no tables), so every
 * engine test also tests the shape of the answers it provokes.
 */
#ifndef CAUCUS_TESTENGINE_H
#define CAUCUS_TESTENGINE_H

#include "testutil.h"

#include "answercheck.h"
#include "config.h"
#include "engine.h"
#include "store.h"

#define COORD "!coord:example.org"
#define CYBER "!cyber:example.org"
#define PRIVACY "!privacy:example.org"
#define AI "!ai:example.org"
#define ALICE "@alice:example.org"
#define BOB "@bob:example.org"
#define CAROL "@carol:example.org"
#define DAVE "@dave:example.org"
#define MALLORY "@mallory:evil.example"
#define T0_MS (1541394000LL * 1000)   /* Mon 2018-11-05 09:00 Asia/Dubai */

struct te {
	struct config cfg;
	int64_t before[2];
	struct store *st;
	struct engine *eng;
	int64_t now_ms;
	struct engine_replies out;
	int seq;
};

static inline int64_t te_clock(void *ud)
{
	return ((struct te *)ud)->now_ms;
}

static inline void te_issue(struct te *t, const char *slug, const char *name, const char *room,
		     const char *a1, const char *a2)
{
	struct cfg_issue *ci;

	t->cfg.issues = xrealloc(t->cfg.issues, (t->cfg.n_issues + 1) * sizeof(*ci));
	ci = &t->cfg.issues[t->cfg.n_issues++];
	memset(ci, 0, sizeof(*ci));
	ci->slug = xstrdup(slug);
	ci->name = xstrdup(name);
	ci->room = xstrdup(room);
	if (a1)
		strv_push(&ci->aliases, a1);
	if (a2)
		strv_push(&ci->aliases, a2);
}

static inline void te_member(struct te *t, const char *room, const char *user, const char *name)
{
	assert_int_equal(engine_member(t->eng, room, user, name, "join", 0), 0);
}

static inline struct te *te_new(void)
{
	struct te *t = xcalloc(1, sizeof(*t));
	char err[256];
	const char *rooms[] = { COORD, CYBER, PRIVACY, AI };

	t->cfg.path = xstrdup("test.toml");
	t->cfg.homeserver = xstrdup("https://matrix.example.org");
	t->cfg.user_id = xstrdup("@caucus:example.org");
	t->cfg.device_name = xstrdup("caucus");
	t->cfg.database = xstrdup(":memory:");
	t->cfg.command_prefix = xstrdup("!");
	t->cfg.timezone = xstrdup("Asia/Dubai");
	t->cfg.coordination_room = xstrdup(COORD);
	strv_push(&t->cfg.admins, ALICE);
	strv_push(&t->cfg.allowed_users, "@*:example.org");
	t->cfg.encryption = 0;
	t->before[0] = 1800;
	t->before[1] = 300;
	t->cfg.remind_before = t->before;
	t->cfg.n_remind_before = 2;
	t->cfg.default_length = 3600;
	t->cfg.digest_minute = 23 * 60;
	t->cfg.retention_days = 90;
	te_issue(t, "cybersecurity", "Cybersecurity", CYBER, "cyber", "res130");
	te_issue(t, "privacy", "Privacy and data protection", PRIVACY, "data-protection", NULL);
	te_issue(t, "ai", "Artificial intelligence", AI, "artificial-intelligence", NULL);
	te_issue(t, "counterfeit", "Counterfeit devices", NULL, "counterfeit-devices", "res188");
	te_issue(t, "gender", "Gender", NULL, NULL, NULL);

	t->now_ms = T0_MS;
	t->st = store_open(":memory:", err, sizeof(err));
	assert_non_null(t->st);
	t->eng = engine_new(&t->cfg, t->st, (struct engine_clock){ te_clock, t });
	assert_int_equal(engine_sync_config(t->eng), 0);
	for (size_t i = 0; i < ARRAY_LEN(rooms); i++) {
		te_member(t, rooms[i], ALICE, "Alice");
		te_member(t, rooms[i], BOB, "Bob");
		te_member(t, rooms[i], CAROL, "Carol Smith");
		te_member(t, rooms[i], "@caucus:example.org", "caucus");
	}
	te_member(t, COORD, DAVE, "Dave");
	te_member(t, PRIVACY, DAVE, "Dave");
	return t;
}

static inline void te_free(struct te *t)
{
	engine_replies_release(&t->out);
	engine_free(t->eng);
	store_close(t->st);
	t->cfg.remind_before = NULL;
	t->cfg.n_remind_before = 0;
	free(t->cfg.path);
	free(t->cfg.homeserver);
	free(t->cfg.user_id);
	free(t->cfg.device_name);
	free(t->cfg.database);
	free(t->cfg.command_prefix);
	free(t->cfg.timezone);
	free(t->cfg.coordination_room);
	strv_release(&t->cfg.admins);
	strv_release(&t->cfg.allowed_users);
	for (size_t i = 0; i < t->cfg.n_issues; i++) {
		free(t->cfg.issues[i].slug);
		free(t->cfg.issues[i].name);
		free(t->cfg.issues[i].room);
		strv_release(&t->cfg.issues[i].aliases);
	}
	free(t->cfg.issues);
	free(t);
}

/* Fail the test when a reply in t->out is not phone-shaped. */
static inline void te_check_replies(const struct te *t)
{
	char why[160];

	for (size_t i = 0; i < t->out.n; i++) {
		const struct engine_reply *r = &t->out.v[i];

		if (!r->html || answer_html_check(r->html, why, sizeof(why)))
			fail_msg("formatted_body: %s in:\n%s", r->html ? why : "missing",
				 r->html ? r->html : "");
		if (!r->body || answer_plain_check(r->body, why, sizeof(why)))
			fail_msg("body: %s in:\n%s", r->body ? why : "missing",
				 r->body ? r->body : "");
	}
}

/*
 * Send body (with an optional formatted body) as sender in room; returns
 * the plain body of the first reply, or NULL when the engine stayed
 * silent.  All replies are in t->out until the next call.
 */
static inline const char *te_say_html(struct te *t, const char *room, const char *sender,
			       const char *body, const char *html)
{
	char event_id[32];
	struct engine_msg m;

	engine_replies_release(&t->out);
	snprintf(event_id, sizeof(event_id), "$ev%d", ++t->seq);
	memset(&m, 0, sizeof(m));
	m.room_id = room;
	m.sender = sender;
	m.event_id = event_id;
	m.body = body;
	m.formatted_body = html;
	m.ts_ms = t->now_ms;
	assert_int_equal(engine_handle(t->eng, &m, &t->out), 0);
	te_check_replies(t);
	return t->out.n ? t->out.v[0].body : NULL;
}

static inline const char *te_say(struct te *t, const char *room, const char *sender, const char *body)
{
	return te_say_html(t, room, sender, body, NULL);
}

/* The event ID te_say gave the last message. */
static inline const char *te_last_event(struct te *t, char *buf, size_t len)
{
	snprintf(buf, len, "$ev%d", t->seq);
	return buf;
}

/* Collect due events into t->out; returns how many. */
static inline size_t te_due(struct te *t)
{
	engine_replies_release(&t->out);
	assert_int_equal(engine_due(t->eng, &t->out), 0);
	te_check_replies(t);
	return t->out.n;
}

/* Acknowledge every due event in t->out (as the daemon does once queued). */
static inline void te_ack_all(struct te *t)
{
	for (size_t i = 0; i < t->out.n; i++)
		assert_int_equal(engine_ack(t->eng, &t->out.v[i]), 0);
}

static inline void te_advance(struct te *t, int64_t seconds)
{
	t->now_ms += seconds * 1000;
}

/* assert that haystack contains needle, printing both when not */
#define assert_contains(hay, needle)                                                   \
	do {                                                                               \
		const char *h_ = (hay);                                                        \
		if (!h_ || !strstr(h_, (needle)))                                              \
			fail_msg("expected \"%s\" in:\n%s", (needle), h_ ? h_ : "(no reply)");     \
	} while (0)
#define assert_not_contains(hay, needle)                                               \
	do {                                                                               \
		const char *h_ = (hay);                                                        \
		if (h_ && strstr(h_, (needle)))                                                \
			fail_msg("did not expect \"%s\" in:\n%s", (needle), h_);                   \
	} while (0)

#endif
