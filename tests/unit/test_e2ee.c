/*
 * test_e2ee.c - the receiving side of e2ee.c against a peer device built
 * from the same primitives: a room key over Olm (pre-key message), Megolm
 * events decrypted, kept until their key comes, replays and forgeries
 * refused, bad input logged and skipped; the pickle key file's rules.
 * The sending side needs a server and is covered by the integration tests.
 */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "e2ee.h"
#include "mx_sync.h"
#include "e2ee_int.h"
#include "signjson.h"
#include "log.h"
#include "loop.h"
#include "mx_api.h"
#include "store.h"
#include "store_crypto.h"
#include "util.h"

#define ROOM "!r:x"
#define BOT "@bot:x"
#define PEER "@peer:x"

struct fx {
	char dir[64];
	char keyfile[96];
	struct store *st;
	struct loop *loop;
	struct mx_api *api;
	struct e2ee *e;
	struct crypto_pickle_key pk;
	char *key;
	char bot_curve[CRYPTO_KEY_LEN + 1], bot_ed[CRYPTO_KEY_LEN + 1];
	/* the peer */
	struct crypto_account *peer;
	char peer_curve[CRYPTO_KEY_LEN + 1], peer_ed[CRYPTO_KEY_LEN + 1];
	struct crypto_session *olm;
	struct crypto_outbound *megolm;
	char *sid;
};

static char *slurp_key(const char *path)
{
	char buf[128];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(str_trim(buf));
}

/* One one-time key of the bot's account (marked published, as after an
 * upload); caller frees. */
static char *bot_otk(struct fx *f)
{
	char *p = store_meta_get(f->st, "e2ee.account"), *json, *key;
	struct crypto_account *a = crypto_account_load(p, &f->pk);
	cJSON *j;

	assert_non_null(a);
	assert_int_equal(crypto_account_generate_otks(a, 1), 0);
	json = crypto_account_otks(a);
	j = cJSON_Parse(json);
	key = xstrdup(cJSON_GetObjectItemCaseSensitive(j, "curve25519")->child->valuestring);
	crypto_account_mark_published(a);
	free(p);
	p = crypto_account_pickle(a, &f->pk);
	assert_int_equal(store_meta_set(f->st, "e2ee.account", p), 0);
	free(p);
	free(json);
	cJSON_Delete(j);
	crypto_account_free(a);
	return key;
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char err[256], *p;
	struct crypto_account *a;
	char *otk;

	log_set_level(getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_ERROR);
	strcpy(f->dir, "/tmp/caucus-e2ee-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->keyfile, sizeof(f->keyfile), "%s/key", f->dir);
	f->st = store_open(":memory:", err, sizeof(err));
	f->loop = loop_new();
	f->api = mx_api_new("http://127.0.0.1:9");
	assert_non_null(f->st);
	f->e = e2ee_new(f->st, f->api, f->loop, f->keyfile, BOT, "BOTDEV", NULL, err,
			sizeof(err));
	assert_non_null(f->e);
	f->key = slurp_key(f->keyfile);
	f->pk.key = f->key;
	f->pk.len = strlen(f->key);
	p = store_meta_get(f->st, "e2ee.account");
	a = crypto_account_load(p, &f->pk);
	assert_non_null(a);
	assert_int_equal(crypto_account_identity(a, f->bot_curve, f->bot_ed), 0);
	crypto_account_free(a);
	free(p);

	f->peer = crypto_account_new();
	assert_int_equal(crypto_account_identity(f->peer, f->peer_curve, f->peer_ed), 0);
	otk = bot_otk(f);
	f->olm = crypto_session_outbound(f->peer, f->bot_curve, otk);
	assert_non_null(f->olm);
	free(otk);
	f->megolm = crypto_outbound_new();
	f->sid = crypto_outbound_id(f->megolm);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[128];

	e2ee_free(f->e);
	mx_api_free(f->api);
	loop_free(f->loop);
	store_close(f->st);
	crypto_account_free(f->peer);
	crypto_session_free(f->olm);
	crypto_outbound_free(f->megolm);
	free(f->sid);
	free_secret(f->key);
	unlink(f->keyfile);
	snprintf(path, sizeof(path), "%s/other", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A to-device m.room.encrypted carrying plaintext from the peer, as a
 * /sync answer (caller frees). */
static cJSON *to_device(struct fx *f, const char *plaintext, const char *for_curve)
{
	int type;
	char *body = crypto_session_encrypt(f->olm, plaintext, strlen(plaintext), &type);
	cJSON *root = cJSON_CreateObject(), *ev, *c, *ct, *one;

	assert_non_null(body);
	ev = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "to_device"),
						    "events"), ev);
	cJSON_AddStringToObject(ev, "type", "m.room.encrypted");
	cJSON_AddStringToObject(ev, "sender", PEER);
	c = cJSON_AddObjectToObject(ev, "content");
	cJSON_AddStringToObject(c, "algorithm", "m.olm.v1.curve25519-aes-sha2");
	cJSON_AddStringToObject(c, "sender_key", f->peer_curve);
	ct = cJSON_AddObjectToObject(c, "ciphertext");
	one = cJSON_AddObjectToObject(ct, for_curve ? for_curve : f->bot_curve);
	cJSON_AddNumberToObject(one, "type", type);
	cJSON_AddStringToObject(one, "body", body);
	free(body);
	return root;
}

/* The m.room_key for the peer's Megolm session, as the peer would send it. */
static char *room_key(struct fx *f, const char *recipient, const char *room)
{
	char *key = crypto_outbound_key(f->megolm);
	char *s = xasprintf("{\"type\":\"m.room_key\",\"content\":{\"algorithm\":"
			    "\"m.megolm.v1.aes-sha2\",\"room_id\":\"%s\",\"session_id\":\"%s\","
			    "\"session_key\":\"%s\"},\"sender\":\"" PEER "\",\"sender_device\":"
			    "\"PEERDEV\",\"keys\":{\"ed25519\":\"%s\"},\"recipient\":\"%s\","
			    "\"recipient_keys\":{\"ed25519\":\"%s\"}}",
			    room, f->sid, key, f->peer_ed, recipient, f->bot_ed);
	free(key);
	return s;
}

/* A room event sealed with the peer's Megolm session (caller frees). */
static cJSON *room_event(struct fx *f, const char *event_id, const char *sender,
			 const char *body, const char *room_in_payload)
{
	char *pt = xasprintf("{\"type\":\"m.room.message\",\"content\":{\"msgtype\":\"m.text\","
			     "\"body\":\"%s\",\"m.relates_to\":{\"rel_type\":\"m.replace\","
			     "\"event_id\":\"$forged\"}},\"room_id\":\"%s\"}", body,
			     room_in_payload);
	char *ct = crypto_outbound_encrypt(f->megolm, pt, strlen(pt));
	cJSON *ev = cJSON_CreateObject(), *c;

	assert_non_null(ct);
	cJSON_AddStringToObject(ev, "type", "m.room.encrypted");
	cJSON_AddStringToObject(ev, "event_id", event_id);
	cJSON_AddStringToObject(ev, "sender", sender);
	cJSON_AddNumberToObject(ev, "origin_server_ts", 1000);
	c = cJSON_AddObjectToObject(ev, "content");
	cJSON_AddStringToObject(c, "algorithm", "m.megolm.v1.aes-sha2");
	cJSON_AddStringToObject(c, "session_id", f->sid);
	cJSON_AddStringToObject(c, "ciphertext", ct);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(c, "m.relates_to"), "m.in_reply_to",
			      cJSON_Parse("{\"event_id\":\"$clear\"}"));
	free(pt);
	free(ct);
	return ev;
}

static int apply_sync(struct fx *f, cJSON *root)
{
	int rc;

	assert_int_equal(store_begin(f->st), 0);
	rc = e2ee_sync_prepare(f->e, root, 5000);
	assert_int_equal(store_commit(f->st), 0);
	cJSON_Delete(root);
	return rc;
}

static cJSON *decrypt(struct fx *f, const cJSON *ev)
{
	cJSON *out = NULL;

	assert_int_equal(e2ee_decrypt(f->e, ROOM, ev, 1000, &out), 0);
	return out;
}

static const char *body_of(const cJSON *ev)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "content"),
						"body")->valuestring;
}

static void test_key_then_message(void **state)
{
	struct fx *f = *state;
	char *pt = room_key(f, BOT, ROOM);
	cJSON *ev, *out, *rel;
	struct megolm_in m;

	assert_int_equal(apply_sync(f, to_device(f, pt, NULL)), 0);
	free(pt);
	assert_int_equal(store_megolm_in_get(f->st, ROOM, f->sid, &m), 1);
	assert_string_equal(m.sender, PEER);
	assert_string_equal(m.ed25519, f->peer_ed);
	store_megolm_in_release(&m);

	ev = room_event(f, "$1", PEER, "!who-covers cyber", ROOM);
	out = decrypt(f, ev);
	assert_non_null(out);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(out, "type")->valuestring,
			    "m.room.message");
	assert_string_equal(body_of(out), "!who-covers cyber");
	/* relations come from the clear part only, never from the ciphertext */
	rel = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(out, "content"),
					       "m.relates_to");
	assert_null(cJSON_GetObjectItemCaseSensitive(rel, "rel_type"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(rel, "m.in_reply_to"));
	cJSON_Delete(out);

	/* the same event again (a replayed batch) reads the same */
	out = decrypt(f, ev);
	assert_non_null(out);
	cJSON_Delete(out);
	/* the same ciphertext under another event ID is a replay */
	cJSON_ReplaceItemInObjectCaseSensitive(ev, "event_id", cJSON_CreateString("$2"));
	assert_null(decrypt(f, ev));
	cJSON_Delete(ev);
}

static void test_message_waits_for_key(void **state)
{
	struct fx *f = *state;
	char *pt = room_key(f, BOT, ROOM), *room = NULL, *json = NULL;
	cJSON *ev = room_event(f, "$early", PEER, "!note hello", ROOM), *out, *root;

	assert_null(decrypt(f, ev));
	/* the key arrives in a later batch: the event comes out, once */
	root = to_device(f, pt, NULL);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(e2ee_sync_prepare(f->e, root, 5000), 0);
	cJSON_Delete(root);
	assert_int_equal(e2ee_take_ready(f->e, &room, &json), 1);
	assert_string_equal(room, ROOM);
	cJSON_Delete(ev);
	ev = cJSON_Parse(json);
	out = decrypt(f, ev);
	assert_non_null(out);
	assert_string_equal(body_of(out), "!note hello");
	free(room);
	free(json);
	assert_int_equal(e2ee_take_ready(f->e, &room, &json), 0);
	assert_int_equal(store_commit(f->st), 0);
	free(pt);
	cJSON_Delete(out);
	cJSON_Delete(ev);
}

/* A message redacted while it waits for its key is never read later; a
 * redaction from another room naming it changes nothing. */
static void test_redacted_while_waiting(void **state)
{
	struct fx *f = *state;
	char *pt = room_key(f, BOT, ROOM), *room = NULL, *json = NULL;
	cJSON *ev = room_event(f, "$gone", PEER, "words to forget", ROOM), *root;

	assert_null(decrypt(f, ev));
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(e2ee_redacted(f->e, "!other:x", "$gone"), 0);
	assert_int_equal(e2ee_redacted(f->e, ROOM, "$never"), 0);
	root = to_device(f, pt, NULL);
	assert_int_equal(e2ee_sync_prepare(f->e, root, 5000), 0);
	cJSON_Delete(root);
	assert_int_equal(e2ee_take_ready(f->e, &room, &json), 1);  /* still there */
	free(room);
	free(json);
	assert_int_equal(store_rollback(f->st), 0);
	e2ee_rollback(f->e);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(e2ee_redacted(f->e, ROOM, "$gone"), 0);
	root = to_device(f, pt, NULL);
	assert_int_equal(e2ee_sync_prepare(f->e, root, 5000), 0);
	cJSON_Delete(root);
	assert_int_equal(e2ee_take_ready(f->e, &room, &json), 0);
	assert_int_equal(store_commit(f->st), 0);
	free(pt);
	cJSON_Delete(ev);
}

static int told;
static int tell(void *ud, const char *room_id, const char *event_id, const char *sender)
{
	(void)ud;
	assert_string_equal(room_id, ROOM);
	assert_string_equal(sender, PEER);
	assert_true(!strcmp(event_id, "$a") || !strcmp(event_id, "$b"));
	told++;
	return 0;
}

static void test_key_never_comes(void **state)
{
	struct fx *f = *state;
	cJSON *a = room_event(f, "$a", PEER, "one", ROOM);
	cJSON *b = room_event(f, "$b", PEER, "two", ROOM);
	cJSON *c = room_event(f, "$c", PEER, "three", ROOM);
	cJSON *cc = cJSON_GetObjectItemCaseSensitive(c, "content");

	/* an invented session ID does not buy another notice */
	cJSON_ReplaceItemInObjectCaseSensitive(cc, "session_id",
					       cJSON_CreateString("an-invented-session"));
	assert_null(decrypt(f, a));
	assert_null(decrypt(f, b));
	told = 0;
	assert_int_equal(e2ee_expire(f->e, 500, tell, NULL), 0);
	assert_int_equal(told, 0);              /* not waited long enough */
	assert_int_equal(e2ee_expire(f->e, 2000, tell, NULL), 0);
	assert_int_equal(told, 1);              /* once per sender and session */
	assert_int_equal(e2ee_expire(f->e, 2000, tell, NULL), 0);
	assert_int_equal(told, 1);
	assert_null(decrypt(f, c));
	assert_int_equal(e2ee_expire(f->e, 2000, tell, NULL), 0);
	assert_int_equal(told, 1);              /* and at most so often per sender and room */
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
}

static void test_forgeries_refused(void **state)
{
	struct fx *f = *state;
	char *pt = room_key(f, "@someone-else:x", ROOM);
	struct megolm_in m;
	cJSON *ev;

	/* an m.room_key addressed to another user is not taken */
	assert_int_equal(apply_sync(f, to_device(f, pt, NULL)), 0);
	free(pt);
	assert_int_equal(store_megolm_in_get(f->st, ROOM, f->sid, &m), 0);
	/* nor one encrypted for another device's key */
	pt = room_key(f, BOT, ROOM);
	assert_int_equal(apply_sync(f, to_device(f, pt, f->peer_curve)), 0);
	assert_int_equal(store_megolm_in_get(f->st, ROOM, f->sid, &m), 0);
	/* the real one is */
	assert_int_equal(apply_sync(f, to_device(f, pt, NULL)), 0);
	free(pt);
	assert_int_equal(store_megolm_in_get(f->st, ROOM, f->sid, &m), 1);
	store_megolm_in_release(&m);
	/* a message claiming another sender than the key's */
	ev = room_event(f, "$x", "@mallory:x", "forged", ROOM);
	assert_null(decrypt(f, ev));
	cJSON_Delete(ev);
	/* a message whose payload names another room (moved by the server) */
	ev = room_event(f, "$y", PEER, "moved", "!other:x");
	assert_null(decrypt(f, ev));
	cJSON_Delete(ev);
}

/* A Megolm event sealing any plaintext the peer likes (caller frees). */
static cJSON *sealed(struct fx *f, const char *event_id, const char *pt)
{
	char *ct = crypto_outbound_encrypt(f->megolm, pt, strlen(pt));
	cJSON *ev = cJSON_CreateObject(), *c;

	assert_non_null(ct);
	cJSON_AddStringToObject(ev, "type", "m.room.encrypted");
	cJSON_AddStringToObject(ev, "event_id", event_id);
	cJSON_AddStringToObject(ev, "sender", PEER);
	cJSON_AddNumberToObject(ev, "origin_server_ts", 1000);
	c = cJSON_AddObjectToObject(ev, "content");
	cJSON_AddStringToObject(c, "algorithm", "m.megolm.v1.aes-sha2");
	cJSON_AddStringToObject(c, "session_id", f->sid);
	cJSON_AddStringToObject(c, "ciphertext", ct);
	free(ct);
	return ev;
}

/* The server saw only m.room.encrypted: a redaction, state or membership
 * inside a ciphertext was never checked, so it is never read as one. */
static void test_plaintext_never_decides_type(void **state)
{
	struct fx *f = *state;
	static const char *const forged[] = {
		"{\"type\":\"m.room.redaction\",\"content\":{\"redacts\":\"$x\"},"
		"\"redacts\":\"$x\",\"room_id\":\"" ROOM "\"}",
		"{\"type\":\"m.room.power_levels\",\"state_key\":\"\",\"content\":"
		"{\"users\":{\"" PEER "\":100}},\"room_id\":\"" ROOM "\"}",
		"{\"type\":\"m.room.member\",\"state_key\":\"" PEER "\",\"content\":"
		"{\"membership\":\"join\"},\"room_id\":\"" ROOM "\"}",
		"{\"type\":\"m.room.encryption\",\"content\":{},\"room_id\":\"" ROOM "\"}",
	};
	static const char *const ok[] = { "m.room.message", "m.reaction", "m.sticker" };
	char *pt = room_key(f, BOT, ROOM), id[16];
	cJSON *ev, *out;

	assert_int_equal(apply_sync(f, to_device(f, pt, NULL)), 0);
	free(pt);
	for (size_t i = 0; i < ARRAY_LEN(forged); i++) {
		snprintf(id, sizeof(id), "$f%zu", i);
		ev = sealed(f, id, forged[i]);
		assert_null(decrypt(f, ev));
		cJSON_Delete(ev);
	}
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		snprintf(id, sizeof(id), "$ok%zu", i);
		pt = xasprintf("{\"type\":\"%s\",\"content\":{\"body\":\"b\"},\"state_key\":"
			       "\"\",\"room_id\":\"" ROOM "\"}", ok[i]);
		ev = sealed(f, id, pt);
		cJSON_AddStringToObject(ev, "redacts", "$x");
		out = decrypt(f, ev);
		assert_non_null(out);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(out, "type")->valuestring,
				    ok[i]);
		/* nothing the server did not check for a message survives */
		assert_null(cJSON_GetObjectItemCaseSensitive(out, "state_key"));
		assert_null(cJSON_GetObjectItemCaseSensitive(out, "redacts"));
		cJSON_Delete(out);
		cJSON_Delete(ev);
		free(pt);
	}
	assert_int_equal(mx_plaintext_type_ok("m.room.redaction"), 0);
	assert_int_equal(mx_plaintext_type_ok(NULL), 0);
}

static void test_bad_input(void **state)
{
	struct fx *f = *state;
	char *pt = room_key(f, BOT, ROOM);
	cJSON *ev, *c;
	const char *cts[] = { "", "AAAA", "!!!not base64!!!", "AwgAEhAg" };
	char *s;

	assert_int_equal(apply_sync(f, to_device(f, pt, NULL)), 0);
	free(pt);
	ev = room_event(f, "$bad", PEER, "x", ROOM);
	c = cJSON_GetObjectItemCaseSensitive(ev, "content");
	s = xstrdup(cJSON_GetObjectItemCaseSensitive(c, "ciphertext")->valuestring);
	/* corrupted: one character changed in the middle */
	s[strlen(s) / 2] = s[strlen(s) / 2] == 'A' ? 'B' : 'A';
	cJSON_ReplaceItemInObjectCaseSensitive(c, "ciphertext", cJSON_CreateString(s));
	assert_null(decrypt(f, ev));
	/* truncated */
	s[strlen(s) / 3] = '\0';
	cJSON_ReplaceItemInObjectCaseSensitive(c, "ciphertext", cJSON_CreateString(s));
	assert_null(decrypt(f, ev));
	free(s);
	for (size_t i = 0; i < ARRAY_LEN(cts); i++) {
		cJSON_ReplaceItemInObjectCaseSensitive(c, "ciphertext", cJSON_CreateString(cts[i]));
		assert_null(decrypt(f, ev));
	}
	/* an unknown algorithm */
	cJSON_ReplaceItemInObjectCaseSensitive(c, "algorithm", cJSON_CreateString("m.rot13"));
	assert_null(decrypt(f, ev));
	cJSON_Delete(ev);
	/* to-device junk: each is skipped, none fails the batch */
	assert_int_equal(apply_sync(f, cJSON_Parse(
		"{\"to_device\":{\"events\":[{\"type\":\"m.room.encrypted\",\"sender\":\"@p:x\","
		"\"content\":{\"algorithm\":\"m.olm.v1.curve25519-aes-sha2\",\"sender_key\":"
		"\"abc\",\"ciphertext\":5}},{\"type\":\"m.room.encrypted\",\"content\":{}},"
		"{\"type\":\"m.room.encrypted\",\"sender\":\"@p:x\",\"content\":{\"algorithm\":"
		"\"m.olm.v9\"}},7,null]},\"device_lists\":{\"changed\":[1,\"@p:x\"]},"
		"\"device_one_time_keys_count\":{\"signed_curve25519\":\"many\"}}")), 0);
}

static void test_garbled_olm(void **state)
{
	struct fx *f = *state;
	char *pt = room_key(f, BOT, ROOM);
	cJSON *root = to_device(f, pt, NULL), *one;
	char *body;

	free(pt);
	one = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(
				cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(root, "to_device"),
					"events"), 0), "content"), "ciphertext"), f->bot_curve);
	body = xstrdup(cJSON_GetObjectItemCaseSensitive(one, "body")->valuestring);
	body[strlen(body) - 10] ^= 1;
	cJSON_ReplaceItemInObjectCaseSensitive(one, "body", cJSON_CreateString(body));
	free(body);
	/* the pre-key message cannot be read: nothing is kept, the one-time
	 * key is not spent, and the next good message still works */
	assert_int_equal(apply_sync(f, root), 0);
	pt = room_key(f, BOT, ROOM);
	assert_int_equal(apply_sync(f, to_device(f, pt, NULL)), 0);
	free(pt);
	{
		struct megolm_in m;
		assert_int_equal(store_megolm_in_get(f->st, ROOM, f->sid, &m), 1);
		store_megolm_in_release(&m);
	}
}

/* A device of PEER as /keys/query gives it, self-signed by account a. */
static cJSON *device_entry(const char *dev, struct crypto_account *a)
{
	char curve[CRYPTO_KEY_LEN + 1], ed[CRYPTO_KEY_LEN + 1], *k;
	cJSON *o = cJSON_CreateObject(), *keys;

	assert_int_equal(crypto_account_identity(a, curve, ed), 0);
	cJSON_AddStringToObject(o, "user_id", PEER);
	cJSON_AddStringToObject(o, "device_id", dev);
	cJSON_AddItemToObject(o, "algorithms", cJSON_Parse("[\"m.olm.v1.curve25519-aes-sha2\","
							   "\"m.megolm.v1.aes-sha2\"]"));
	keys = cJSON_AddObjectToObject(o, "keys");
	k = xasprintf("curve25519:%s", dev);
	cJSON_AddStringToObject(keys, k, curve);
	free(k);
	k = xasprintf("ed25519:%s", dev);
	cJSON_AddStringToObject(keys, k, ed);
	free(k);
	assert_int_equal(signjson_sign_account(o, PEER, dev, a), 0);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "unsigned"), "device_display_name",
			      cJSON_CreateString("phone"));
	return o;
}

/* Apply a /keys/query answer listing 'devs' (taken) for PEER. */
static void query_answer(struct fx *f, cJSON *devs)
{
	cJSON *resp = cJSON_CreateObject();
	int64_t *gens = NULL;
	struct strv users = { 0 };

	cJSON_AddItemToObject(cJSON_AddObjectToObject(resp, "device_keys"), PEER, devs);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_tracked_ensure(f->st, PEER), 0);
	assert_int_equal(store_tracked_changed(f->st, PEER), 0);
	assert_int_equal(store_tracked_outdated(f->st, &users, &gens), 0);
	f->e->q_users = users;
	f->e->q_gens = gens;
	assert_int_equal(e2ee_devices_apply(f->e, resp), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_tracked_is_fresh(f->st, PEER), 1);
	strv_release(&f->e->q_users);
	free(f->e->q_gens);
	f->e->q_gens = NULL;
	cJSON_Delete(resp);
}

/* PEER's device 'dev' as stored: its ed25519 key (caller frees) and
 * *deleted, or NULL when unknown. */
static char *stored_ed(struct fx *f, const char *dev, int *deleted)
{
	struct device_row *rows = NULL;
	size_t n = 0;
	char *ed = NULL;

	assert_int_equal(store_devices(f->st, PEER, &rows, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].device_id, dev)) {
			ed = xstrdup(rows[i].ed25519);
			*deleted = rows[i].deleted;
		}
	store_device_rows_free(rows, n);
	return ed;
}

static void test_device_lists_checked(void **state)
{
	struct fx *f = *state;
	struct crypto_account *other = crypto_account_new();
	cJSON *devs, *forged;
	char *ed;
	int deleted = -1;

	/* a well-signed device is taken */
	devs = cJSON_CreateObject();
	cJSON_AddItemToObject(devs, "PHONE", device_entry("PHONE", f->peer));
	query_answer(f, devs);
	ed = stored_ed(f, "PHONE", &deleted);
	assert_non_null(ed);
	assert_string_equal(ed, f->peer_ed);
	assert_int_equal(deleted, 0);
	free(ed);

	/* the same device ID with another ed25519 key, even well signed by
	 * it, is refused: the old key stays */
	devs = cJSON_CreateObject();
	cJSON_AddItemToObject(devs, "PHONE", device_entry("PHONE", other));
	/* a device whose signature does not match its keys is not taken */
	forged = device_entry("LAPTOP", other);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(forged, "keys"),
					       "curve25519:LAPTOP",
					       cJSON_CreateString(f->peer_curve));
	cJSON_AddItemToObject(devs, "LAPTOP", forged);
	/* nor one filed under another device ID than its own */
	cJSON_AddItemToObject(devs, "TABLET", device_entry("WATCH", other));
	query_answer(f, devs);
	ed = stored_ed(f, "PHONE", &deleted);
	assert_string_equal(ed, f->peer_ed);
	free(ed);
	assert_null(stored_ed(f, "LAPTOP", &deleted));
	assert_null(stored_ed(f, "TABLET", &deleted));
	assert_null(stored_ed(f, "WATCH", &deleted));

	/* a device the answer no longer lists is gone */
	query_answer(f, cJSON_CreateObject());
	ed = stored_ed(f, "PHONE", &deleted);
	assert_non_null(ed);
	assert_int_equal(deleted, 1);
	free(ed);
	crypto_account_free(other);
}

static void test_key_file_rules(void **state)
{
	struct fx *f = *state;
	char err[256], other[96];
	struct e2ee *e;
	struct stat sb;
	FILE *fp;

	assert_int_equal(stat(f->keyfile, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* the same store under another device is refused */
	e = e2ee_new(f->st, f->api, f->loop, f->keyfile, BOT, "OTHERDEV", NULL, err, sizeof(err));
	assert_null(e);
	assert_non_null(strstr(err, "belong to device BOTDEV"));
	/* a key that does not open the store is refused, clearly */
	snprintf(other, sizeof(other), "%s/other", f->dir);
	fp = fopen(other, "w");
	fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", fp);
	fclose(fp);
	chmod(other, 0600);
	e = e2ee_new(f->st, f->api, f->loop, other, BOT, "BOTDEV", NULL, err, sizeof(err));
	assert_null(e);
	assert_non_null(strstr(err, "does not open"));
	/* a key file others can read is refused */
	chmod(other, 0644);
	e = e2ee_new(f->st, f->api, f->loop, other, BOT, "BOTDEV", NULL, err, sizeof(err));
	assert_null(e);
	assert_non_null(strstr(err, "chmod 600"));
}

/* A sync answer with one plain to-device event (caller frees). */
static cJSON *plain_to_device(const char *type, const char *sender, const char *content)
{
	cJSON *root = cJSON_CreateObject(), *ev = cJSON_CreateObject();

	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "to_device"),
						    "events"), ev);
	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "sender", sender);
	cJSON_AddItemToObject(ev, "content", cJSON_Parse(content));
	return root;
}

static int n_explained;
static char explained_event[64];

static int explain(void *ud, const char *room_id, const char *event_id, const char *sender,
		   const char *text)
{
	(void)ud;
	assert_string_equal(room_id, ROOM);
	assert_string_equal(sender, PEER);
	assert_non_null(strstr(text, "verified devices only"));
	assert_non_null(strstr(text, "BOTDEV"));
	snprintf(explained_event, sizeof(explained_event), "%s", event_id);
	n_explained++;
	return 0;
}

static void test_withheld_explained(void **state)
{
	struct fx *f = *state;
	char *w = xasprintf("{\"algorithm\":\"m.megolm.v1.aes-sha2\",\"room_id\":\"" ROOM
			    "\",\"session_id\":\"%s\",\"sender_key\":\"%s\",\"code\":"
			    "\"m.unverified\",\"reason\":\"Device not verified\"}", f->sid,
			    f->peer_curve);
	cJSON *a = room_event(f, "$a", PEER, "!issues", ROOM);
	cJSON *b = room_event(f, "$b", PEER, "!issues", ROOM);
	cJSON *c = room_event(f, "$c", "@other:x", "!issues", ROOM);

	e2ee_on_withheld(f->e, explain, NULL);
	n_explained = 0;
	/* the message first, then the withheld notice: answered at once */
	assert_int_equal(store_begin(f->st), 0);
	assert_null(decrypt(f, a));
	assert_int_equal(n_explained, 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(apply_sync(f, plain_to_device("m.room_key.withheld", PEER, w)), 0);
	assert_int_equal(n_explained, 1);
	assert_string_equal(explained_event, "$a");
	/* the same session again, and the notice redelivered: nothing more */
	assert_null(decrypt(f, b));
	assert_int_equal(apply_sync(f, plain_to_device("m.room_key.withheld", PEER, w)), 0);
	assert_int_equal(n_explained, 1);
	/* someone else's message in that session is not the sender's notice */
	assert_null(decrypt(f, c));
	assert_int_equal(n_explained, 1);
	free(w);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
}

static void test_withheld_first(void **state)
{
	struct fx *f = *state;
	char *w = xasprintf("{\"algorithm\":\"m.megolm.v1.aes-sha2\",\"room_id\":\"" ROOM
			    "\",\"session_id\":\"%s\",\"code\":\"m.unverified\"}", f->sid);
	cJSON *a = room_event(f, "$a", PEER, "!issues", ROOM);
	char *text;

	e2ee_on_withheld(f->e, explain, NULL);
	n_explained = 0;
	assert_int_equal(apply_sync(f, plain_to_device("m.room_key.withheld", PEER, w)), 0);
	assert_int_equal(n_explained, 0);
	assert_null(decrypt(f, a));
	assert_int_equal(n_explained, 1);
	assert_string_equal(explained_event, "$a");
	/* every code has its own advice, naming the device where it helps */
	text = e2ee_withheld_text("m.blacklisted", "DEV1");
	assert_non_null(strstr(text, "blocked"));
	assert_non_null(strstr(text, "DEV1"));
	free(text);
	text = e2ee_withheld_text("m.no_olm", "DEV1");
	assert_non_null(strstr(text, "secure channel"));
	free(text);
	text = e2ee_withheld_text("m.something_new", "DEV1");
	assert_non_null(strstr(text, "withheld"));
	free(text);
	free(w);
	cJSON_Delete(a);
}

static void test_key_request_refused(void **state)
{
	struct fx *f = *state;
	const char *req = "{\"action\":\"request\",\"requesting_device_id\":\"OTHERDEV\","
			  "\"request_id\":\"r1\",\"body\":{\"algorithm\":"
			  "\"m.megolm.v1.aes-sha2\",\"room_id\":\"" ROOM "\",\"session_id\":"
			  "\"S1\",\"sender_key\":\"K\"}}";
	char *txn = NULL, *type = NULL, *body = NULL;
	int64_t id;
	cJSON *j, *m;

	/* from someone else: nothing queued */
	assert_int_equal(apply_sync(f, plain_to_device("m.room_key_request", PEER, req)), 0);
	assert_int_equal(store_to_device_waiting(f->st), 0);
	/* from another device of the bot's own account: refused, and told so */
	assert_int_equal(apply_sync(f, plain_to_device("m.room_key_request", BOT, req)), 0);
	assert_int_equal(store_to_device_head(f->st, &id, &txn, &type, &body), 1);
	assert_string_equal(type, "m.room_key.withheld");
	j = cJSON_Parse(body);
	m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "messages"), BOT), "OTHERDEV");
	assert_non_null(m);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "code")->valuestring,
			    "m.unauthorised");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "session_id")->valuestring,
			    "S1");
	/* no key material in the answer */
	assert_null(cJSON_GetObjectItemCaseSensitive(m, "session_key"));
	cJSON_Delete(j);
	free(txn);
	free(type);
	free(body);
}

static void test_recovery_key_file_rules(void **state)
{
	struct fx *f = *state;
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/recovery", f->dir);
	/* a well-formed key (tests/unit/ssss_vectors.h), readable by others:
	 * refused */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("EsT1 HT7u 2D8e RJ5J Xpm5 QiQG RLzx hTZJ mA5Y F4nN CHD4 4593\n", fp);
	fclose(fp);
	chmod(path, 0644);
	e2ee_set_recovery_key_file(f->e, path);
	assert_false(f->e->rk_ok);
	chmod(path, 0600);
	e2ee_set_recovery_key_file(f->e, path);
	assert_true(f->e->rk_ok);
	e2ee_xsign_forget_secrets(f->e);
	assert_false(f->e->rk_ok);
	/* a mistyped key: refused */
	fp = fopen(path, "w");
	fputs("EsT1 HT7u 2D8e RJ5J Xpm5 QiQG RLzx hTZJ mA5Y F4nN CHD4 4594\n", fp);
	fclose(fp);
	e2ee_set_recovery_key_file(f->e, path);
	assert_false(f->e->rk_ok);
	/* a missing file: logged, nothing else */
	unlink(path);
	e2ee_set_recovery_key_file(f->e, path);
	assert_false(f->e->rk_ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_then_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_waits_for_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_never_comes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redacted_while_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgeries_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plaintext_never_decides_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbled_olm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_lists_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withheld_explained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withheld_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_request_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_key_file_rules, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
