/*
 * fuzz_e2ee.c - libFuzzer target for what the server and other devices
 * can hand the encryption code: /sync answers with to-device messages
 * (Olm ciphertexts, room keys, device lists, key counts) and room events
 * of type m.room.encrypted.  A peer device shares a real Megolm session
 * and a real Olm session at start, so mutations reach libolm's decryption
 * and the plaintext checks, not only the JSON parsing.
 *
 * Input: one mode byte, then JSON.  'r': a room event for !r:x; anything
 * else: a /sync answer.  In the JSON, @S is replaced by the peer's Megolm
 * session ID, @C by a valid Megolm ciphertext of it, @B by the bot's
 * curve25519 key, @P by the peer's and @O by a valid Olm pre-key body.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "e2ee.h"
#include "log.h"
#include "loop.h"
#include "mx_api.h"
#include "store.h"
#include "util.h"

static struct store *st;
static struct e2ee *e;
static char *subst[5][2];

static void setup(void)
{
	char err[256], dir[] = "/tmp/caucus-fuzz-XXXXXX", *keyfile, *p, *otk[2], buf[128];
	char *key, *body[2];
	char bc[CRYPTO_KEY_LEN + 1], be[CRYPTO_KEY_LEN + 1];
	char pc[CRYPTO_KEY_LEN + 1], pe[CRYPTO_KEY_LEN + 1];
	struct crypto_pickle_key pk;
	struct crypto_account *a, *peer;
	struct crypto_session *s;
	struct crypto_outbound *o;
	cJSON *j;
	FILE *f;
	size_t n;
	int type;

	log_set_level(getenv("FUZZ_DEBUG") ? LOG_DEBUG : LOG_ERROR);
	if (!mkdtemp(dir))
		abort();
	keyfile = xasprintf("%s/key", dir);
	st = store_open(":memory:", err, sizeof(err));
	e = st ? e2ee_new(st, mx_api_new("http://127.0.0.1:9"), loop_new(), keyfile, "@bot:x",
			  "BOTDEV", NULL, err, sizeof(err)) : NULL;
	if (!e)
		abort();
	f = fopen(keyfile, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	unlink(keyfile);
	rmdir(dir);
	free(keyfile);
	buf[n] = '\0';
	pk.key = str_trim(buf);
	pk.len = strlen(pk.key);

	/* the bot publishes two one-time keys; the peer opens a session on each */
	p = store_meta_get(st, "e2ee.account");
	a = crypto_account_load(p, &pk);
	free(p);
	if (!a || crypto_account_identity(a, bc, be) || crypto_account_generate_otks(a, 2))
		abort();
	p = crypto_account_otks(a);
	j = cJSON_Parse(p);
	free(p);
	otk[0] = xstrdup(cJSON_GetObjectItemCaseSensitive(j, "curve25519")->child->valuestring);
	otk[1] = xstrdup(cJSON_GetObjectItemCaseSensitive(j, "curve25519")->child->next
			 ->valuestring);
	cJSON_Delete(j);
	crypto_account_mark_published(a);
	p = crypto_account_pickle(a, &pk);
	store_meta_set(st, "e2ee.account", p);
	free(p);
	crypto_account_free(a);
	peer = crypto_account_new();
	if (!peer || crypto_account_identity(peer, pc, pe))
		abort();
	o = crypto_outbound_new();
	if (!o)
		abort();
	p = crypto_outbound_key(o);
	subst[0][1] = crypto_outbound_id(o);
	key = xasprintf("{\"type\":\"m.room_key\",\"content\":{\"algorithm\":"
			"\"m.megolm.v1.aes-sha2\",\"room_id\":\"!r:x\",\"session_id\":"
			"\"%s\",\"session_key\":\"%s\"},\"sender\":\"@p:x\","
			"\"keys\":{\"ed25519\":\"%s\"},\"recipient\":\"@bot:x\","
			"\"recipient_keys\":{\"ed25519\":\"%s\"}}",
			subst[0][1], p, pe, be);
	free(p);
	for (int i = 0; i < 2; i++) {
		s = crypto_session_outbound(peer, bc, otk[i]);
		body[i] = s ? crypto_session_encrypt(s, key, strlen(key), &type) : NULL;
		if (!body[i])
			abort();
		crypto_session_free(s);
		free(otk[i]);
	}
	free(key);
	/* the first is received for good: the room key is there for @C */
	p = xasprintf("{\"to_device\":{\"events\":[{\"type\":\"m.room.encrypted\","
		      "\"sender\":\"@p:x\",\"content\":{\"algorithm\":"
		      "\"m.olm.v1.curve25519-aes-sha2\",\"sender_key\":\"%s\","
		      "\"ciphertext\":{\"%s\":{\"type\":0,\"body\":\"%s\"}}}}]}}",
		      pc, bc, body[0]);
	j = cJSON_Parse(p);
	free(p);
	free(body[0]);
	if (store_begin(st) || e2ee_sync_prepare(e, j, 1000) || store_commit(st))
		abort();
	cJSON_Delete(j);
	subst[4][1] = body[1];
	p = xstrdup("{\"type\":\"m.room.message\",\"content\":{\"msgtype\":\"m.text\","
		    "\"body\":\"!who-covers x\"},\"room_id\":\"!r:x\"}");
	subst[1][1] = crypto_outbound_encrypt(o, p, strlen(p));
	free(p);
	subst[2][1] = xstrdup(bc);
	subst[3][1] = xstrdup(pc);
	subst[0][0] = "@S";
	subst[1][0] = "@C";
	subst[2][0] = "@B";
	subst[3][0] = "@P";
	subst[4][0] = "@O";
	crypto_outbound_free(o);
	crypto_account_free(peer);
}

/* The input with the placeholders filled in (caller frees). */
static char *expand(const uint8_t *data, size_t size)
{
	struct buf b;

	buf_init(&b, (size_t)1 << 20);
	for (size_t i = 0; i < size; i++) {
		int done = 0;
		for (int k = 0; k < 5 && !done; k++)
			if (data[i] == '@' && i + 1 < size && data[i + 1] == (uint8_t)subst[k][0][1]) {
				buf_puts(&b, subst[k][1]);
				i++;
				done = 1;
			}
		if (!done)
			buf_putc(&b, (char)data[i]);
	}
	return buf_detach(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *room, *ev;
	cJSON *j, *out = NULL;

	if (!st)
		setup();
	if (size < 1)
		return 0;
	text = expand(data + 1, size - 1);
	j = cJSON_Parse(text);
	if (store_begin(st))
		abort();
	if (data[0] == 'r') {
		if (e2ee_decrypt(e, "!r:x", j, 1000, &out) == 0 && out) {
			if (getenv("FUZZ_DEBUG")) {
				char *t = cJSON_PrintUnformatted(out);
				log_debug("fuzz: decrypted %s", t);
				free(t);
			}
			cJSON_Delete(out);
		}
	} else if (e2ee_sync_prepare(e, j, 1000) == 0) {
		while (e2ee_take_ready(e, &room, &ev) == 1) {
			free(room);
			free(ev);
		}
	}
	/* nothing is kept: every input meets the same starting state */
	store_rollback(st);
	e2ee_rollback(e);
	cJSON_Delete(j);
	free(text);
	return 0;
}
