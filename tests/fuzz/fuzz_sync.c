/*
 * fuzz_sync.c - libFuzzer target for what a homeserver's /sync answer goes
 * through: the parser (with the flat scanner that sets bad events aside),
 * a /messages page for each limited timeline, and the apply path with a
 * real store and command engine behind handlers shaped like the daemon's
 * (members, power levels, messages, edits, redactions, leaving), each
 * event in a savepoint as when a batch is isolated.  Input: the answer's
 * body; the same bytes are also offered as a /messages page.
 *
 * The store is set up once; each input runs in one outer transaction that
 * is rolled back, so every input meets the same state.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "json_scan.h"
#include "log.h"
#include "mx_sync.h"
#include "store.h"
#include "store_sync.h"

#define BOT "@caucus:x"

static struct config cfg;
static struct store *st;
static struct engine *eng;

static int64_t clock_now(void *ud)
{
	(void)ud;
	return 1541394000LL * 1000;
}

static void setup(void)
{
	static struct cfg_issue issues[1];
	static int64_t before[1] = { 300 };
	char err[256];

	log_set_level((enum log_level)(LOG_ERROR + 1));   /* bad input is logged: quiet here */
	cfg.user_id = BOT;
	cfg.command_prefix = "!";
	cfg.timezone = "UTC";
	strv_push(&cfg.admins, "@a:x");
	strv_push(&cfg.allowed_users, "@*:x");
	cfg.remind_before = before;
	cfg.n_remind_before = 1;
	cfg.default_length = 3600;
	cfg.digest_minute = 23 * 60;
	issues[0].slug = "cybersecurity";
	issues[0].name = "Cybersecurity";
	issues[0].room = "!cyber:x";
	cfg.issues = issues;
	cfg.n_issues = 1;
	st = store_open(":memory:", err, sizeof(err));
	if (!st)
		abort();
	eng = engine_new(&cfg, st, (struct engine_clock){ clock_now, NULL });
	if (engine_sync_config(eng))
		abort();
}

static int h_member(void *ud, const char *room_id, const char *user_id,
		    const char *display_name, const char *membership)
{
	(void)ud;
	return engine_member(eng, room_id, user_id, display_name, membership, 0);
}

static int h_power_levels(void *ud, const char *room_id, const char *content)
{
	struct strv users = { 0 };
	int rc = store_sync_members(st, room_id, &users);

	(void)ud;
	for (size_t i = 0; !rc && i < users.n; i++)
		rc = store_sync_member_power(st, room_id, users.v[i],
					     mx_power_level(content, users.v[i]));
	strv_release(&users);
	return rc;
}

static int h_message(void *ud, const struct mx_message *m)
{
	struct engine_replies r = { 0 };
	struct engine_msg msg = {
		.room_id = m->room_id, .sender = m->sender, .event_id = m->event_id,
		.body = m->body, .formatted_body = m->formatted_body,
		.thread_root = m->thread_root, .ts_ms = m->ts_ms,
	};
	int rc;

	(void)ud;
	if (store_handled_has(st, m->event_id))
		return 0;
	if (m->replaces)
		rc = engine_edit(eng, m->room_id, m->replaces, m->sender, m->body);
	else
		rc = engine_handle(eng, &msg, &r);
	engine_replies_release(&r);
	return rc ? rc : store_handled_add(st, m->event_id, 1);
}

static int h_redaction(void *ud, const char *room_id, const char *event_id,
		       const char *sender, const char *redacts)
{
	(void)ud;
	(void)event_id;
	(void)sender;
	return engine_redact(eng, room_id, redacts);
}

static int h_left(void *ud, const char *room_id, const char *membership, const char *by)
{
	(void)ud;
	(void)by;
	if (store_sync_room_left(st, room_id))
		return -1;
	return engine_member(eng, room_id, BOT, NULL, membership, 0);
}

/* A decrypt stand-in: an m.room.encrypted whose content holds a
 * "plaintext" object is read as that (what a peer could make us decrypt). */
static int h_decrypt(void *ud, const char *room_id, const cJSON *ev, cJSON **out)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(ev, "content"), "plaintext");

	(void)ud;
	(void)room_id;
	*out = cJSON_IsObject(pt) ? cJSON_Duplicate(pt, 1) : NULL;
	return 0;
}

static int h_begin(void *ud)
{
	(void)ud;
	return store_begin(st);
}

static int h_end(void *ud, const char *room_id, const char *event_id, int rc)
{
	(void)ud;
	(void)room_id;
	(void)event_id;
	return rc ? store_rollback(st) : store_commit(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mx_sync_crypto crypto = { .decrypt = h_decrypt };
	const struct mx_sync_handler h = {
		.crypto = &crypto, .member = h_member, .power_levels = h_power_levels,
		.message = h_message, .redaction = h_redaction, .left = h_left,
		.event_begin = (size & 1) ? h_begin : NULL, .event_end = (size & 1) ? h_end : NULL,
	};
	const char *body = (const char *)data, *room, *from, *to;
	char err[160], *top;
	struct mx_sync_batch *b;
	size_t n = 0, pages = 0;

	if (!eng)
		setup();
	top = json_top_string(body, size, "next_batch");
	free(top);
	b = mx_sync_parse(body, size, BOT, err, sizeof(err));
	if (!b)
		return 0;
	/* each limited timeline gets the input as its /messages page, twice at
	 * most (a page naming itself as the next one must not loop); each
	 * page in its own transaction, as the daemon does */
	while (mx_sync_next_gap(b, &room, &from, &to) == 0 && pages++ < 4) {
		struct mx_gap_page p;
		char *r = strdup(room);
		if (store_begin(st))
			abort();
		if (mx_sync_gap_apply(b, r, body, size, &h, &p) == 0)
			mx_sync_gap_advance(b, r, &p);
		else
			mx_sync_close_gap(b, r);
		mx_gap_page_release(&p);
		if (store_rollback(st))
			abort();
		if (pages % 2 == 0)
			mx_sync_close_gap(b, r);
		free(r);
	}
	if (store_begin(st))
		abort();
	mx_sync_apply(b, &h, &n);
	if (store_rollback(st))         /* back to the state after setup() */
		abort();
	mx_sync_free(b);
	return 0;
}
