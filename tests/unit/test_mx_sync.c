/*
 * test_mx_sync.c - /sync answers recorded from Synapse 1.160 (tests/unit/
 * sync/, one JSON file each, taken with the bot's own filter) replayed through the sync
 * layer; each handler call is written as one line and the lines compared.
 * Plus the message details (reply fallbacks, power levels), limited
 * timelines filled from /messages pages, and malformed answers.
 */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <time.h>

#include "mx_sync.h"
#include "util.h"

struct rec {
	struct buf log;
	int fail_at;            /* make the n-th call fail (1-based), 0: never */
	int calls;
};

static int step(struct rec *r)
{
	return ++r->calls == r->fail_at ? -1 : 0;
}

static const char *s(const char *v)
{
	return v ? v : "-";
}

static int h_member(void *ud, const char *room, const char *user, const char *name,
		    const char *membership)
{
	struct rec *r = ud;

	buf_printf(&r->log, "member %.6s %s '%s' %s\n", room, user, s(name), membership);
	return step(r);
}

static int h_power(void *ud, const char *room, const char *content)
{
	struct rec *r = ud;

	buf_printf(&r->log, "power %.6s bob=%d alice=%d carol=%d\n", room,
		   mx_power_level(content, "@bob:localhost"),
		   mx_power_level(content, "@alice:localhost"),
		   mx_power_level(content, "@carol:localhost"));
	return step(r);
}

static int h_message(void *ud, const struct mx_message *m)
{
	struct rec *r = ud;

	buf_printf(&r->log, "message %.6s %.6s %s %s '%s' html='%s' thread=%.6s reply=%.6s "
		   "replaces=%.6s\n", m->room_id, m->event_id, m->sender, s(m->msgtype), m->body,
		   s(m->formatted_body), s(m->thread_root), s(m->in_reply_to), s(m->replaces));
	return step(r);
}

static int h_redaction(void *ud, const char *room, const char *event_id, const char *sender,
		       const char *redacts)
{
	struct rec *r = ud;

	buf_printf(&r->log, "redaction %.6s %.6s by %s of %.6s\n", room, event_id, s(sender),
		   redacts);
	return step(r);
}

static int h_invite(void *ud, const char *room, const char *inviter, int is_direct)
{
	struct rec *r = ud;

	buf_printf(&r->log, "invite %.6s by %s%s\n", room, inviter, is_direct ? " (direct)" : "");
	return step(r);
}

static int h_left(void *ud, const char *room, const char *membership, const char *by)
{
	struct rec *r = ud;

	buf_printf(&r->log, "left %.6s %s by %s\n", room, membership, s(by));
	return step(r);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[4096], *out;
	size_t n;

	if (!f)
		fail_msg("cannot open '%s' (run from the top of the tree)", path);
	buf_init(&b, 0);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	out = buf_detach(&b);
	buf_release(&b);   /* detach leaves an empty buffer */
	return out;
}

static char *replay_text(const char *json, size_t len, int fail_at, int *rc)
{
	struct rec r = { .fail_at = fail_at };
	struct mx_sync_handler h = {
		.ud = &r, .member = h_member, .power_levels = h_power, .message = h_message,
		.redaction = h_redaction, .invite = h_invite, .left = h_left,
	};
	char err[128], *out;
	struct mx_sync_batch *b = mx_sync_parse(json, len, "@capbot:localhost", err, sizeof(err));

	buf_init(&r.log, 0);
	if (!b) {
		buf_printf(&r.log, "error: %s\n", err);
		*rc = -2;
	} else {
		*rc = mx_sync_apply(b, &h, NULL);
		buf_printf(&r.log, "next %s\n", mx_sync_next_batch(b));
	}
	mx_sync_free(b);
	out = buf_detach(&r.log);
	buf_release(&r.log);   /* detach leaves an empty buffer */
	return out;
}

static char *replay(const char *path, int fail_at, int *rc)
{
	size_t len;
	char *json = slurp(path, &len), *out = replay_text(json, len, fail_at, rc);

	free(json);
	return out;
}

static void test_recorded_batch(void **state)
{
	int rc;
	char *got = replay("tests/unit/sync/batch.json", 0, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(got,
		/* a command */
		"message !nENla $5JVE9 @alice:localhost m.text '!who-covers cybersecurity' "
		"html='-' thread=- reply=- replaces=-\n"
		/* a reply: fallback stripped from body, <mx-reply> from the HTML */
		"message !nENla $PCjRw @alice:localhost m.text '!cover cyber' "
		"html='!cover <a href=\"https://matrix.to/#/@bob:localhost\">Bob</a>' "
		"thread=- reply=$5JVE9 replaces=-\n"
		/* in a thread */
		"message !nENla $dmvPv @alice:localhost m.text '!sessions' html='-' "
		"thread=$5JVE9 reply=$5JVE9 replaces=-\n"
		/* the redacted message itself (content {}) is skipped; its edit is read */
		"message !nENla $sNzdI @alice:localhost m.text 'the word is mango' html='-' "
		"thread=- reply=- replaces=$ACbuF\n"
		"redaction !nENla $0GPFA by @alice:localhost of $ACbuF\n"
		"member !nENla @alice:localhost 'Alice A.' join\n"
		"power !nENla bob=50 alice=100 carol=0\n"
		/* kicked */
		"member !qAqCQ @capbot:localhost '-' leave\n"
		"left !qAqCQ leave by @alice:localhost\n"
		"invite !xEwZN by @mallory:localhost (direct)\n"
		"next s48_1_0_1_1_1_1_10_0_1_1_1_1_1\n");
	free(got);
}

static void test_history_before_join(void **state)
{
	int rc;
	char *got = replay("tests/unit/sync/join.json", 0, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	/* the command said before the bot joined is not handed on */
	assert_null(strstr(got, "before the bot joined"));
	assert_non_null(strstr(got, "'!who-covers after the join'"));
	assert_non_null(strstr(got, "@capbot:localhost 'capbot' join"));
	free(got);
}

static void test_handler_failure_stops(void **state)
{
	int rc;
	char *got = replay("tests/unit/sync/batch.json", 3, &rc);

	(void)state;
	assert_int_equal(rc, -1);
	/* nothing after the failing call */
	assert_null(strstr(got, "mango"));
	free(got);
}

static const char gap_sync[] =
	"{\"next_batch\":\"s9\",\"rooms\":{\"join\":{\"!r:x\":{"
	"\"timeline\":{\"limited\":true,\"prev_batch\":\"p5\",\"events\":["
	"{\"type\":\"m.room.message\",\"event_id\":\"$e5\",\"sender\":\"@a:x\","
	"\"content\":{\"msgtype\":\"m.text\",\"body\":\"five\"}}]}}}}}";

/* Apply one page of !r:x's gap; advance when apply succeeded and 'commit'. */
static int page(struct mx_sync_batch *b, const struct mx_sync_handler *h, const char *body,
		int commit, char **pos)
{
	struct mx_gap_page p;
	int rc = mx_sync_gap_apply(b, "!r:x", body, strlen(body), h, &p);

	if (rc == 0 && pos) {
		free(*pos);
		*pos = xstrdup(p.position);
	}
	if (rc == 0 && commit)
		mx_sync_gap_advance(b, "!r:x", &p);
	mx_gap_page_release(&p);
	return rc;
}

#define GMSG(id, text) "{\"type\":\"m.room.message\",\"event_id\":\"$" id "\"," \
	"\"sender\":\"@a:x\",\"content\":{\"msgtype\":\"m.text\",\"body\":\"" text "\"}}"

/* dir=f pages, oldest first, each applied as it comes and the gap moved
 * only once its transaction is done; the batch's own timeline after. */
static void test_gap_filled_in_order(void **state)
{
	struct rec r = { 0 };
	struct mx_sync_handler h = { .ud = &r, .message = h_message };
	char err[128], *pos = NULL;
	struct mx_sync_batch *b = mx_sync_parse(gap_sync, strlen(gap_sync), "@bot:x", err,
						sizeof(err));
	const char *room, *from, *to;
	const char page1[] = "{\"end\":\"t3\",\"chunk\":[" GMSG("e2", "two") "," GMSG("e3", "three")
			     "]}";
	const char page2[] = "{\"end\":\"t4\",\"chunk\":[" GMSG("e4", "four") "]}";
	const char page3[] = "{\"end\":\"t4\",\"chunk\":[]}";

	(void)state;
	buf_init(&r.log, 0);
	assert_non_null(b);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 0);
	assert_string_equal(room, "!r:x");
	assert_null(from);      /* the last sync's token */
	assert_string_equal(to, "p5");
	assert_int_equal(page(b, &h, page1, 1, &pos), 0);
	assert_string_equal(pos, "jt3");
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 0);
	assert_string_equal(from, "t3");
	/* a page whose transaction failed leaves the gap where it was */
	assert_int_equal(page(b, &h, page2, 0, &pos), 0);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 0);
	assert_string_equal(from, "t3");
	assert_int_equal(page(b, &h, page2, 1, &pos), 0);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 0);
	assert_string_equal(from, "t4");
	/* an empty page ends it; the position is then the sync's prev_batch */
	assert_int_equal(page(b, &h, page3, 1, &pos), 0);
	assert_string_equal(pos, "jp5");
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 1);
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_non_null(strstr(r.log.data, "'two'"));
	assert_true(strstr(r.log.data, "'two'") < strstr(r.log.data, "'three'"));
	assert_true(strstr(r.log.data, "'three'") < strstr(r.log.data, "'four'"));
	assert_true(strstr(r.log.data, "'four'") < strstr(r.log.data, "'five'"));
	/* the gap's events are not walked again with the batch */
	assert_null(strstr(strstr(r.log.data, "'four'") + 1, "'two'"));
	mx_sync_free(b);

	/* a crash: the stored position is where the next batch reads on from */
	b = mx_sync_parse(gap_sync, strlen(gap_sync), "@bot:x", err, sizeof(err));
	assert_int_equal(mx_sync_gap_room(b, 0, &room), 0);
	assert_string_equal(room, "!r:x");
	assert_int_equal(mx_sync_gap_room(b, 1, &room), 1);
	assert_int_equal(mx_sync_gap_resume(b, "!r:x", "jt3"), 0);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 0);
	assert_string_equal(from, "t3");
	assert_int_equal(mx_sync_gap_resume(b, "!r:x", "x"), -1);
	/* a page without "end" is the last one */
	assert_int_equal(page(b, &h, "{\"chunk\":[" GMSG("e4", "four") "]}", 1, &pos), 0);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 1);
	mx_sync_free(b);

	/* an unreadable page closes the gap rather than looping */
	b = mx_sync_parse(gap_sync, strlen(gap_sync), "@bot:x", err, sizeof(err));
	{
		struct mx_gap_page p;
		assert_int_equal(mx_sync_gap_apply(b, "!r:x", "<html>", 6, &h, &p), 0);
		assert_int_equal(p.done, 1);
		assert_int_equal(p.skipped, 1);
		assert_string_equal(p.position, "jp5");
		mx_sync_gap_advance(b, "!r:x", &p);
		mx_gap_page_release(&p);
	}
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 1);
	/* a handler that fails: -1, and the gap stays */
	mx_sync_free(b);
	b = mx_sync_parse(gap_sync, strlen(gap_sync), "@bot:x", err, sizeof(err));
	r.fail_at = r.calls + 2;
	assert_int_equal(page(b, &h, page1, 1, &pos), -1);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 0);
	assert_null(from);
	r.fail_at = 0;
	mx_sync_free(b);
	free(pos);
	buf_release(&r.log);
}

/* The bot's own join inside a gap: what the gap holds before it is history,
 * across pages and across a crash (the position says which side it is). */
static void test_gap_join(void **state)
{
	static const char sync[] =
		"{\"next_batch\":\"s9\",\"rooms\":{\"join\":{\"!r:x\":{"
		"\"state\":{\"events\":[{\"type\":\"m.room.member\",\"state_key\":\"@bot:x\","
		"\"sender\":\"@bot:x\",\"content\":{\"membership\":\"join\"}}]},"
		"\"timeline\":{\"limited\":true,\"prev_batch\":\"p5\",\"events\":["
		GMSG("e9", "after") "]}}}}}";
	static const char p1[] = "{\"end\":\"t2\",\"chunk\":[" GMSG("e1", "old one") "]}";
	static const char p2[] = "{\"end\":\"t4\",\"chunk\":[" GMSG("e2", "old two") ","
		"{\"type\":\"m.room.member\",\"state_key\":\"@bot:x\",\"sender\":\"@bot:x\","
		"\"event_id\":\"$j\",\"content\":{\"membership\":\"join\"}}," GMSG("e3", "new") "]}";
	struct rec r = { 0 };
	struct mx_sync_handler h = { .ud = &r, .message = h_message };
	char err[128], *pos = NULL;
	struct mx_sync_batch *b = mx_sync_parse(sync, strlen(sync), "@bot:x", err, sizeof(err));

	(void)state;
	buf_init(&r.log, 0);
	assert_int_equal(page(b, &h, p1, 1, &pos), 0);
	assert_string_equal(pos, "ht2");
	mx_sync_free(b);
	/* resumed after a crash: still history until the join */
	b = mx_sync_parse(sync, strlen(sync), "@bot:x", err, sizeof(err));
	assert_int_equal(mx_sync_gap_resume(b, "!r:x", pos), 0);
	assert_int_equal(page(b, &h, p2, 1, &pos), 0);
	assert_string_equal(pos, "jt4");
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_null(strstr(r.log.data, "'old"));
	assert_non_null(strstr(r.log.data, "'new'"));
	assert_true(strstr(r.log.data, "'new'") < strstr(r.log.data, "'after'"));
	mx_sync_free(b);
	free(pos);
	buf_release(&r.log);
}

/* What the "ciphertexts" of test_decrypted_types say, by content.n. */
static const char *const plaintexts[] = {
	"{\"type\":\"m.room.redaction\",\"event_id\":\"$c\",\"sender\":\"@m:x\","
	"\"redacts\":\"$x\",\"content\":{\"redacts\":\"$x\"}}",
	"{\"type\":\"m.room.member\",\"state_key\":\"@m:x\",\"content\":{\"membership\":\"join\"}}",
	"{\"type\":\"m.room.power_levels\",\"state_key\":\"\",\"content\":{}}",
	"{\"type\":\"m.room.message\",\"event_id\":\"$c\",\"sender\":\"@m:x\",\"state_key\":\"\","
	"\"content\":{\"body\":\"hi\"}}",
	"{\"type\":\"m.reaction\",\"event_id\":\"$c\",\"sender\":\"@m:x\",\"content\":"
	"{\"m.relates_to\":{\"rel_type\":\"m.annotation\",\"event_id\":\"$e\",\"key\":\"k4\"}}}",
};

static int h_decrypt_any(void *ud, const char *room, const cJSON *ev, cJSON **out)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(ev, "content");

	(void)ud;
	(void)room;
	*out = cJSON_Parse(plaintexts[cJSON_GetObjectItemCaseSensitive(c, "n")->valueint]);
	return 0;
}

/* The end-to-end peer: sees the whole answer first, hands back one event
 * whose key came, and decrypts what the handlers accept. */
struct peer {
	struct rec *r;
	int ready_left;
	int64_t otk;
};

static int p_prepare(void *ud, const cJSON *root)
{
	struct peer *p = ud;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "to_device");

	buf_printf(&p->r->log, "prepare to_device=%d\n", cJSON_IsObject(c));
	return 0;
}

static int p_take_ready(void *ud, char **room, char **event)
{
	struct peer *p = ud;

	if (!p->ready_left)
		return 0;
	p->ready_left--;
	*room = xstrdup("!r:x");
	*event = xstrdup("{\"type\":\"m.room.encrypted\",\"event_id\":\"$old\",\"sender\":"
			 "\"@m:x\",\"content\":{\"n\":0}}");
	return 1;
}

static int p_decrypt(void *ud, const char *room, const cJSON *ev, cJSON **out)
{
	struct peer *p = ud;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "event_id");

	(void)room;
	buf_printf(&p->r->log, "decrypt %s\n", id->valuestring);
	*out = cJSON_Parse("{\"type\":\"m.room.message\",\"event_id\":\"$x\",\"sender\":\"@m:x\","
			   "\"content\":{\"body\":\"secret\"}}");
	return 0;
}

static int h_encrypted(void *ud, const char *room, const char *event_id, const char *sender)
{
	struct rec *r = ud;

	(void)room;
	buf_printf(&r->log, "encrypted %s from %s\n", s(event_id), s(sender));
	return strcmp(event_id, "$skip") != 0;
}

static void test_crypto_peer(void **state)
{
	static const char sync[] =
		"{\"next_batch\":\"n\",\"to_device\":{\"events\":[]},"
		"\"device_one_time_keys_count\":{\"signed_curve25519\":42},"
		"\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":{\"events\":["
		"{\"type\":\"m.room.message\",\"event_id\":\"$1\",\"sender\":\"@m:x\","
		"\"content\":{\"body\":\"plain\"}},"
		"{\"type\":\"m.room.encrypted\",\"event_id\":\"$skip\",\"sender\":\"@m:x\","
		"\"content\":{}},"
		"{\"type\":\"m.room.encrypted\",\"event_id\":\"$2\",\"sender\":\"@m:x\","
		"\"content\":{}}]}}}}}";
	struct rec r = { 0 };
	struct peer p = { .r = &r, .ready_left = 1 };
	const struct mx_sync_crypto crypto = {
		.ud = &p, .prepare = p_prepare, .take_ready = p_take_ready, .decrypt = p_decrypt,
	};
	struct mx_sync_handler h = { .ud = &r, .message = h_message, .encrypted = h_encrypted };
	char err[128];
	struct mx_sync_batch *b = mx_sync_parse(sync, strlen(sync), "@bot:x", err, sizeof(err));
	size_t n = 0;

	(void)state;
	buf_init(&r.log, 0);
	assert_non_null(b);
	assert_int_equal(mx_sync_otk_count(b), 42);
	/* without a peer, encrypted events are asked about but never decrypted */
	assert_int_equal(mx_sync_apply(b, &h, &n), 0);
	assert_null(strstr(r.log.data, "decrypt"));
	buf_reset(&r.log);
	h.crypto = &crypto;
	assert_int_equal(mx_sync_apply(b, &h, &n), 0);
	assert_string_equal(r.log.data,
		"prepare to_device=1\n"
		"encrypted $old from @m:x\n"
		"decrypt $old\n"
		"message !r:x $x @m:x - 'secret' html='-' thread=- reply=- replaces=-\n"
		"message !r:x $1 @m:x - 'plain' html='-' thread=- reply=- replaces=-\n"
		"encrypted $skip from @m:x\n"
		"encrypted $2 from @m:x\n"
		"decrypt $2\n"
		"message !r:x $x @m:x - 'secret' html='-' thread=- reply=- replaces=-\n");
	assert_int_equal(n, 3);         /* the batch's own timeline, not the kept event */
	buf_release(&r.log);
	mx_sync_free(b);

	b = mx_sync_parse("{\"next_batch\":\"n\"}", strlen("{\"next_batch\":\"n\"}"), "@bot:x",
			  err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(mx_sync_otk_count(b), -1);
	mx_sync_free(b);
	{
		static const char cut[] = "{\"next_batch\":\"s9\",\"rooms\":{";
		char *next = mx_sync_scan_next_batch(cut, strlen(cut));
		assert_string_equal(next, "s9");
		free(next);
	}
}

/* Decrypted content is never read as a redaction, state or membership. */
static void test_decrypted_types(void **state)
{
#define ENC(n) "{\"type\":\"m.room.encrypted\",\"event_id\":\"$c\",\"sender\":\"@m:x\"," \
	       "\"content\":{\"n\":" #n "}}"
	static const char sync[] =
		"{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":{\"events\":["
		ENC(0) "," ENC(1) "," ENC(2) "," ENC(3) "]}}}}}";
#undef ENC
	struct rec r = { 0 };
	const struct mx_sync_crypto crypto = { .decrypt = h_decrypt_any };
	struct mx_sync_handler h = {
		.ud = &r, .crypto = &crypto, .member = h_member, .power_levels = h_power,
		.message = h_message, .redaction = h_redaction,
	};
	char err[128];
	struct mx_sync_batch *b = mx_sync_parse(sync, strlen(sync), "@bot:x", err, sizeof(err));

	(void)state;
	buf_init(&r.log, 0);
	assert_non_null(b);
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_null(strstr(r.log.data, "redaction"));
	assert_null(strstr(r.log.data, "member"));
	assert_null(strstr(r.log.data, "power"));
	/* a message is read, as a message, even with a state_key in its plaintext */
	assert_non_null(strstr(r.log.data, "message !r:x $c @m:x - 'hi'"));
	mx_sync_free(b);
	buf_release(&r.log);
}

static int h_reaction(void *ud, const char *room, const char *event_id, const char *sender,
		      const char *relates_to, const char *key)
{
	struct rec *r = ud;

	buf_printf(&r->log, "reaction %s %s by %s on %s key %s\n", room, event_id, sender,
		   relates_to, key);
	return 0;
}

/* m.reaction with m.annotation is handed on, in the clear and decrypted
 * (the relation from the clear part, as e2ee_recv.c keeps it); another
 * rel_type or a missing key is not a reaction. */
/* An encrypted event on a gap page goes through the end-to-end peer like
 * one of the batch's own timeline: decrypted, then read as a message. */
static void test_gap_page_decrypted(void **state)
{
	struct rec r = { 0 };
	const struct mx_sync_crypto crypto = { .decrypt = h_decrypt_any };
	struct mx_sync_handler h = { .ud = &r, .crypto = &crypto, .message = h_message };
	char err[128];
	struct mx_sync_batch *b = mx_sync_parse(gap_sync, strlen(gap_sync), "@bot:x", err,
						sizeof(err));
	const char page1[] = "{\"end\":\"t3\",\"chunk\":[{\"type\":\"m.room.encrypted\","
			     "\"event_id\":\"$c\",\"sender\":\"@m:x\",\"content\":{\"n\":3}}]}";

	(void)state;
	buf_init(&r.log, 0);
	assert_non_null(b);
	assert_int_equal(page(b, &h, page1, 1, NULL), 0);
	assert_non_null(r.log.data);
	assert_non_null(strstr(r.log.data, "message !r:x $c @m:x - 'hi'"));
	mx_sync_free(b);
	buf_release(&r.log);
}

static void test_reactions(void **state)
{
#define REACT(id, rel) "{\"type\":\"m.reaction\",\"event_id\":\"" id "\",\"sender\":\"@b:x\"," \
		       "\"content\":{\"m.relates_to\":" rel "}}"
	static const char sync[] =
		"{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":{\"events\":["
		REACT("$r1", "{\"rel_type\":\"m.annotation\",\"event_id\":\"$a\",\"key\":\"k1\"}") ","
		REACT("$r2", "{\"rel_type\":\"m.reference\",\"event_id\":\"$a\",\"key\":\"k2\"}") ","
		REACT("$r3", "{\"rel_type\":\"m.annotation\",\"event_id\":\"$a\"}") ","
		"{\"type\":\"m.room.encrypted\",\"event_id\":\"$c\",\"sender\":\"@m:x\","
		"\"content\":{\"n\":4}}]}}}}}";
#undef REACT
	struct rec r = { 0 };
	const struct mx_sync_crypto crypto = { .decrypt = h_decrypt_any };
	struct mx_sync_handler h = { .ud = &r, .crypto = &crypto, .reaction = h_reaction };
	char err[128];
	struct mx_sync_batch *b = mx_sync_parse(sync, strlen(sync), "@bot:x", err, sizeof(err));

	(void)state;
	buf_init(&r.log, 0);
	assert_non_null(b);
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_string_equal(r.log.data, "reaction !r:x $r1 by @b:x on $a key k1\n"
			    "reaction !r:x $c by @m:x on $e key k4\n");
	mx_sync_free(b);
	buf_release(&r.log);
}

static int64_t seen_ts[8];
static size_t n_seen_ts;

static int h_ts(void *ud, const struct mx_message *m)
{
	(void)ud;
	if (n_seen_ts < ARRAY_LEN(seen_ts))
		seen_ts[n_seen_ts++] = m->ts_ms;
	return 0;
}

/* origin_server_ts is the sender's server's word: only sane times are
 * taken, anything else is the time of receipt (and 1e300 is no UB). */
static void test_timestamps(void **state)
{
#define MSG(ts) "{\"type\":\"m.room.message\",\"event_id\":\"$t\",\"sender\":\"@a:x\"," \
		"\"origin_server_ts\":" ts ",\"content\":{\"body\":\"b\"}}"
	static const char sync[] =
		"{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":{\"events\":["
		MSG("1e300") "," MSG("-1e300") "," MSG("1700000000000") "," MSG("946684799999") ","
		MSG("4102444800000") "," MSG("\"1700000000000\"") "," MSG("1.7e12") "]}}}}}";
#undef MSG
	struct mx_sync_handler h = { .message = h_ts };
	char err[128];
	struct mx_sync_batch *b = mx_sync_parse(sync, strlen(sync), "@bot:x", err, sizeof(err));
	struct timespec t0, t1;
	int64_t lo, hi;
	cJSON *n;

	(void)state;
	assert_non_null(b);
	n_seen_ts = 0;
	clock_gettime(CLOCK_REALTIME, &t0);
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &t1);
	lo = (int64_t)t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
	hi = (int64_t)t1.tv_sec * 1000 + t1.tv_nsec / 1000000;
	assert_int_equal(n_seen_ts, 7);
	for (size_t i = 0; i < 7; i++) {
		if (i == 2 || i == 6) {
			assert_int_equal(seen_ts[i], 1700000000000);
		} else {
			assert_true(seen_ts[i] >= lo && seen_ts[i] <= hi);
		}
	}
	mx_sync_free(b);
	/* the bounds themselves */
	n = cJSON_CreateNumber(946684800000.0);
	assert_int_equal(mx_sane_ts(n, 2000000000000), 946684800000);
	cJSON_SetNumberValue(n, 2000000000000.0 + 86400000.0);
	assert_int_equal(mx_sane_ts(n, 2000000000000), 2000000000000 + 86400000);
	cJSON_SetNumberValue(n, 2000000000000.0 + 86400001.0);
	assert_int_equal(mx_sane_ts(n, 2000000000000), 2000000000000);
	assert_int_equal(mx_sane_ts(NULL, 5), 5);
	cJSON_Delete(n);
}

/* One event nested 1,000 deep made the whole answer unreadable, and the
 * bot retried it forever: now that event is skipped (and counted), the
 * rest of the batch is read. */
static void test_deep_event_skipped(void **state)
{
	struct buf deep;
	struct rec r = { 0 };
	struct mx_sync_handler h = { .ud = &r, .message = h_message };
	char err[128], *doc;
	struct mx_sync_batch *b;

	(void)state;
	buf_init(&deep, 0);
	for (int i = 0; i < 1000; i++)
		buf_puts(&deep, "[");
	for (int i = 0; i < 1000; i++)
		buf_puts(&deep, "]");
	doc = xasprintf("{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":"
			"{\"events\":[{\"type\":\"m.room.message\",\"event_id\":\"$d\",\"sender\":"
			"\"@m:x\",\"content\":{\"body\":\"deep\",\"x\":%s}},"
			"{\"type\":\"m.room.message\",\"event_id\":\"$ok\",\"sender\":\"@a:x\","
			"\"content\":{\"msgtype\":\"m.text\",\"body\":\"!issues\"}}]}}}}}", deep.data);
	buf_init(&r.log, 0);
	b = mx_sync_parse(doc, strlen(doc), "@bot:x", err, sizeof(err));
	assert_non_null(b);
	assert_string_equal(mx_sync_next_batch(b), "s2");
	assert_int_equal(mx_sync_skipped(b), 1);
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_non_null(strstr(r.log.data, "'!issues'"));
	assert_null(strstr(r.log.data, "'deep'"));
	mx_sync_free(b);
	buf_release(&r.log);
	buf_release(&deep);
	free(doc);
}

/* A /messages page that cannot be read is skipped as a counted gap when it
 * says where the next page starts; the gap is read on from there. */
static void test_unreadable_page_skipped(void **state)
{
	struct rec r = { 0 };
	struct mx_sync_handler h = { .ud = &r, .message = h_message };
	char err[128], *pos = NULL;
	struct mx_sync_batch *b = mx_sync_parse(gap_sync, strlen(gap_sync), "@bot:x", err,
						sizeof(err));
	const char *room, *from, *to;
	/* cut short: no event of it can be told from the next */
	static const char bad[] = "{\"start\":\"s1\",\"end\":\"t3\",\"chunk\":[{\"a\":1},{\"b";
	static const char page2[] = "{\"chunk\":[" GMSG("e2", "two") "]}";
	struct mx_gap_page p;

	(void)state;
	buf_init(&r.log, 0);
	assert_int_equal(mx_sync_gap_apply(b, "!r:x", bad, strlen(bad), &h, &p), 0);
	assert_int_equal(p.skipped, 1);
	assert_int_equal(p.done, 0);
	mx_sync_gap_advance(b, "!r:x", &p);
	mx_gap_page_release(&p);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 0);
	assert_string_equal(from, "t3");
	assert_int_equal(page(b, &h, page2, 1, &pos), 0);
	assert_int_equal(mx_sync_next_gap(b, &room, &from, &to), 1);
	assert_int_equal(mx_sync_skipped(b), 0);
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_true(strstr(r.log.data, "'two'") < strstr(r.log.data, "'five'"));
	assert_non_null(strstr(r.log.data, "'two'"));
	mx_sync_free(b);
	free(pos);
	buf_release(&r.log);
}

struct guard {
	int begun, kept, set_aside, depth;
	struct buf log;
};

static int g_message(void *ud, const struct mx_message *m)
{
	struct guard *g = ud;

	buf_printf(&g->log, "%s ", m->body);
	return strcmp(m->body, "poison") ? 0 : -1;     /* the store fails on it, every time */
}

static int g_begin(void *ud)
{
	struct guard *g = ud;

	g->begun++;
	g->depth++;
	return 0;
}

static int g_end(void *ud, const char *room, const char *event_id, int rc)
{
	struct guard *g = ud;

	(void)room;
	(void)event_id;
	g->depth--;
	if (rc)
		g->set_aside++;
	else
		g->kept++;
	return 0;
}

/* With event_begin/event_end, an event that always fails is set aside by
 * the caller and the batch goes on; without them it stops the batch. */
static void test_event_isolation(void **state)
{
	static const char doc[] =
		"{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":{\"events\":["
		"{\"type\":\"m.room.message\",\"event_id\":\"$1\",\"sender\":\"@a:x\","
		"\"content\":{\"body\":\"one\"}},"
		"{\"type\":\"m.room.message\",\"event_id\":\"$2\",\"sender\":\"@a:x\","
		"\"content\":{\"body\":\"poison\"}},"
		"{\"type\":\"m.room.message\",\"event_id\":\"$3\",\"sender\":\"@a:x\","
		"\"content\":{\"body\":\"three\"}}]}}}}}";
	struct guard g = { 0 };
	struct mx_sync_handler h = { .ud = &g, .message = g_message };
	char err[128];
	struct mx_sync_batch *b = mx_sync_parse(doc, strlen(doc), "@bot:x", err, sizeof(err));

	(void)state;
	buf_init(&g.log, 0);
	assert_int_equal(mx_sync_apply(b, &h, NULL), -1);
	assert_null(strstr(g.log.data, "three"));
	buf_reset(&g.log);
	h.event_begin = g_begin;
	h.event_end = g_end;
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_string_equal(g.log.data, "one poison three ");
	assert_int_equal(g.begun, 3);
	assert_int_equal(g.kept, 2);
	assert_int_equal(g.set_aside, 1);
	assert_int_equal(g.depth, 0);
	mx_sync_free(b);
	buf_release(&g.log);
}

static void test_malformed(void **state)
{
	static const char *const cases[] = {
		"", "null", "[]", "{", "{\"next_batch\":5}", "{\"next_batch\":\"\"}",
		"{\"next_batch\":\"n\",\"rooms\":[]}",
		"{\"next_batch\":\"n\",\"rooms\":{\"join\":[1,2]}}",
		"{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r\":{\"timeline\":{\"events\":{}}}}}}",
		"{\"next_batch\":\"n\",\"rooms\":{\"join\":{\"!r\":{\"timeline\":{\"events\":"
		"[1,null,{\"type\":5},{\"type\":\"m.room.message\",\"content\":[]},"
		"{\"type\":\"m.room.message\",\"event_id\":\"$e\",\"sender\":\"@a:x\","
		"\"content\":{\"body\":7}},"
		"{\"type\":\"m.room.member\",\"state_key\":\"@a:x\",\"content\":{\"membership\":1}},"
		"{\"type\":\"m.room.redaction\",\"event_id\":\"$r\",\"content\":{}},"
		"{\"type\":\"m.room.message\",\"event_id\":\"$e\",\"sender\":\"@a:x\","
		"\"content\":{\"body\":\"x\",\"m.relates_to\":{\"rel_type\":\"m.replace\","
		"\"event_id\":\"$o\"}}}]}}},"
		"\"invite\":{\"!i\":{\"invite_state\":{\"events\":[{\"type\":\"m.room.member\","
		"\"state_key\":\"@bot:x\",\"content\":{\"membership\":\"invite\"}}]}}},"
		"\"leave\":{\"!l\":{}}}}",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int rc;
		char *got = replay_text(cases[i], strlen(cases[i]), 0, &rc);
		assert_true(rc == 0 || rc == -2);
		free(got);
	}
}


/* m.file and friends: what points at the file, never an encrypted
 * attachment's key (spec "Sending encrypted attachments"). */
static int h_file(void *ud, const struct mx_message *m)
{
	struct rec *r = ud;

	buf_printf(&r->log, "%s %s name='%s' caption='%s' url=%s size=%lld mime=%s enc=%d\n",
		   m->event_id, s(m->msgtype), s(m->file_name), s(m->file_caption),
		   s(m->file_url), (long long)(m->file_url ? m->file_size : 0),
		   s(m->file_mimetype), m->file_encrypted);
	return step(r);
}

static const char file_sync[] =
	"{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":{\"events\":["
	"{\"type\":\"m.room.message\",\"event_id\":\"$f1\",\"sender\":\"@a:x\",\"content\":"
	"{\"msgtype\":\"m.file\",\"body\":\"DT-64-Rev2.pdf\",\"url\":\"mxc://x/abc\","
	"\"info\":{\"size\":40960,\"mimetype\":\"application/pdf\"}}},"
	"{\"type\":\"m.room.message\",\"event_id\":\"$f2\",\"sender\":\"@a:x\",\"content\":"
	"{\"msgtype\":\"m.image\",\"body\":\"the chair's slide\",\"filename\":\"slide.png\","
	"\"file\":{\"url\":\"mxc://x/enc\",\"key\":{\"k\":\"SECRETKEYMATERIAL\",\"alg\":\"A256CTR\","
	"\"kty\":\"oct\",\"key_ops\":[\"encrypt\",\"decrypt\"],\"ext\":true},"
	"\"iv\":\"SECRETIV\",\"hashes\":{\"sha256\":\"SECRETHASH\"},\"v\":\"v2\"}}},"
	"{\"type\":\"m.room.message\",\"event_id\":\"$f3\",\"sender\":\"@a:x\",\"content\":"
	"{\"msgtype\":\"m.file\",\"body\":\"x.pdf\",\"url\":\"https://evil.example/x.pdf\"}},"
	"{\"type\":\"m.room.message\",\"event_id\":\"$f4\",\"sender\":\"@a:x\",\"content\":"
	"{\"msgtype\":\"m.text\",\"body\":\"plain\",\"url\":\"mxc://x/notafile\"}}"
	"]}}}}}";

static void test_files(void **state)
{
	struct rec r = { 0 };
	struct mx_sync_handler h = { .ud = &r, .message = h_file };
	char err[128];
	struct mx_sync_batch *b = mx_sync_parse(file_sync, strlen(file_sync), "@bot:x", err,
						sizeof(err));

	(void)state;
	buf_init(&r.log, 0);
	assert_non_null(b);
	assert_int_equal(mx_sync_apply(b, &h, NULL), 0);
	assert_string_equal(r.log.data,
		"$f1 m.file name='DT-64-Rev2.pdf' caption='-' url=mxc://x/abc size=40960 "
		"mime=application/pdf enc=0\n"
		"$f2 m.image name='slide.png' caption='the chair's slide' url=mxc://x/enc size=-1 "
		"mime=- enc=1\n"
		"$f3 m.file name='-' caption='-' url=- size=0 mime=- enc=0\n"
		"$f4 m.text name='-' caption='-' url=- size=0 mime=- enc=0\n");
	assert_null(strstr(r.log.data, "SECRET"));
	mx_sync_free(b);
	buf_release(&r.log);
}

static void test_reply_fallback(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "> <@a:x> hello\n\n!cover cyber", "!cover cyber" },
		{ "> <@a:x> line one\n> line two\n>\n> three\n\n!log", "!log" },
		{ "> <@a:x> no blank line\n!log", "!log" },
		{ "!log", "!log" },
		{ "not > a quote", "not > a quote" },
		{ "> only a quote", "" },
		{ "", "" },
		{ ">no space\n\nrest", ">no space\n\nrest" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = mx_strip_reply_fallback(cases[i].in);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void test_mx_reply(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "<mx-reply><blockquote>x</blockquote></mx-reply>!log", "!log" },
		{ "!log", "!log" },
		{ "<mx-reply>never closed !log", "<mx-reply>never closed !log" },
		{ "a<mx-reply>q</mx-reply>b", "ab" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = mx_strip_mx_reply(cases[i].in);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void test_power_level(void **state)
{
	static const struct {
		const char *content, *user;
		int want;
	} cases[] = {
		{ "{\"users\":{\"@a:x\":100},\"users_default\":10}", "@a:x", 100 },
		{ "{\"users\":{\"@a:x\":100},\"users_default\":10}", "@b:x", 10 },
		{ "{\"users\":{\"@a:x\":\"50\"}}", "@a:x", 50 },
		{ "{\"users\":{\"@a:x\":\"lots\"}}", "@a:x", 0 },
		{ "{\"users\":{\"@a:x\":1e300}}", "@a:x", 1000000000 },
		{ "{}", "@a:x", 0 },
		{ "not json", "@a:x", 0 },
		{ NULL, "@a:x", 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		assert_int_equal(mx_power_level(cases[i].content, cases[i].user), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_batch),
		cmocka_unit_test(test_history_before_join),
		cmocka_unit_test(test_handler_failure_stops),
		cmocka_unit_test(test_gap_filled_in_order),
		cmocka_unit_test(test_gap_join),
		cmocka_unit_test(test_decrypted_types),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_deep_event_skipped),
		cmocka_unit_test(test_unreadable_page_skipped),
		cmocka_unit_test(test_event_isolation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_reply_fallback),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_reactions),
		cmocka_unit_test(test_gap_page_decrypted),
		cmocka_unit_test(test_mx_reply),
		cmocka_unit_test(test_power_level),
		cmocka_unit_test(test_crypto_peer),
	};
	return cmocka_run_group_tests_name("mx_sync", tests, NULL, NULL);
}
