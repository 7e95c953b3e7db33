/*
 * test_crypto.c - the libolm wrapper (bot/crypto.c): accounts and their
 * keys, an Olm conversation between two accounts, Megolm sessions, pickles
 * under right and wrong keys, sealed secrets, the spec's ed25519 test
 * vector, and ciphertexts that are corrupt, cut short or not base64 at
 * all.  Inputs are checked unchanged after each call: libolm decodes some
 * of them in place, and the wrapper must hand it copies.
 */
#include "testutil.h"

#include <cjson/cJSON.h>

#include "crypto.h"
#include "util.h"

static const struct crypto_pickle_key key = { "pickle key for tests", 20 };
static const struct crypto_pickle_key wrong_key = { "pickle key for test!", 20 };

/* --- unpadded base64, for the test vectors ------------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decodes unpadded base64 into out (cap bytes); its length, or -1. */
static long b64_decode(const char *in, unsigned char *out, size_t cap)
{
	unsigned long acc = 0;
	size_t n = 0;
	int bits = 0;

	for (; *in; in++) {
		const char *p = strchr(b64, *in);
		if (!p)
			return -1;
		acc = acc << 6 | (unsigned long)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	return (long)n;
}

/* Unpadded base64 of in[0..n); caller frees. */
static char *b64_encode(const unsigned char *in, size_t n)
{
	char *out = xmalloc(n * 4 / 3 + 4), *o = out;
	unsigned long acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*o++ = b64[(acc >> bits) & 63];
		}
	}
	if (bits)
		*o++ = b64[(acc << (6 - bits)) & 63];
	*o = '\0';
	return out;
}

/* --- helpers -------------------------------------------------------------- */

/* The one key of an {"curve25519":{id:key}} answer, or NULL; caller frees.
 * *count gets the number of keys. */
static char *only_key(const char *json, int *count)
{
	cJSON *v = cJSON_Parse(json);
	const cJSON *curve = cJSON_GetObjectItemCaseSensitive(v, "curve25519");
	const cJSON *k;
	char *first = NULL;

	assert_true(cJSON_IsObject(curve));
	*count = cJSON_GetArraySize(curve);
	cJSON_ArrayForEach(k, curve) {
		assert_true(cJSON_IsString(k));
		assert_int_equal(strlen(k->valuestring), CRYPTO_KEY_LEN);
		if (!first)
			first = xstrdup(k->valuestring);
	}
	cJSON_Delete(v);
	return first;
}

/* A claimed one-time key of a: generated, read, marked published. */
static char *claim_otk(struct crypto_account *a)
{
	char *json, *otk;
	int n;

	assert_int_equal(crypto_account_generate_otks(a, 1), 0);
	json = crypto_account_otks(a);
	otk = only_key(json, &n);
	assert_int_equal(n, 1);
	free(json);
	crypto_account_mark_published(a);
	return otk;
}

static char *with_suffix(const char *s, const char *suffix)
{
	return xasprintf("%s%s", s, suffix);
}

/* Ways to spoil a ciphertext; each answer is the caller's to free. */
static char *spoil(const char *ct, int how)
{
	char *s = xstrdup(ct);
	size_t n = strlen(s);

	switch (how) {
	case 0: s[n / 2] = s[n / 2] == 'A' ? 'B' : 'A'; break;         /* corrupt */
	case 1: s[n - 1] = s[n - 1] == 'A' ? 'B' : 'A'; break;         /* the MAC */
	case 2: s[n / 2] = '\0'; break;                                 /* cut */
	case 3: s[1] = '\0'; break;                                     /* one char */
	case 4: s[0] = '\0'; break;                                     /* empty */
	case 5: s[n / 3] = '!'; break;                                  /* not base64 */
	case 6: free(s); s = xstrdup("not base64 at all, {\"json\": true}"); break;
	case 7: free(s); s = xstrdup("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); break;
	}
	return s;
}
#define N_SPOIL 8

/* --- accounts ------------------------------------------------------------- */

static void test_account_pickle(void **state)
{
	struct crypto_account *a = crypto_account_new(), *b;
	char curve[CRYPTO_KEY_LEN + 1], ed[CRYPTO_KEY_LEN + 1];
	char curve2[CRYPTO_KEY_LEN + 1], ed2[CRYPTO_KEY_LEN + 1];
	char *pickle, *copy, *sig;

	(void)state;
	assert_non_null(a);
	assert_int_equal(crypto_account_identity(a, curve, ed), 0);
	assert_int_equal(strlen(curve), CRYPTO_KEY_LEN);
	assert_int_equal(strlen(ed), CRYPTO_KEY_LEN);
	assert_string_not_equal(curve, ed);

	pickle = crypto_account_pickle(a, &key);
	assert_non_null(pickle);
	copy = xstrdup(pickle);
	b = crypto_account_load(pickle, &key);
	assert_non_null(b);
	assert_string_equal(pickle, copy);              /* not decoded in place */
	assert_int_equal(crypto_account_identity(b, curve2, ed2), 0);
	assert_string_equal(curve, curve2);
	assert_string_equal(ed, ed2);
	crypto_account_free(b);

	/* the wrong key, a damaged pickle, none at all */
	assert_null(crypto_account_load(pickle, &wrong_key));
	assert_string_equal(crypto_error(), "BAD_ACCOUNT_KEY");
	pickle[strlen(pickle) / 2] ^= 1;
	assert_null(crypto_account_load(pickle, &key));
	assert_null(crypto_account_load("", &key));
	assert_null(crypto_account_load("@@@@", &key));
	assert_null(crypto_account_load(NULL, &key));
	assert_string_equal(crypto_error(), "bad input");
	free(pickle);
	free(copy);

	/* a signature by the device key */
	sig = crypto_account_sign(a, "msg", 3);
	assert_non_null(sig);
	assert_int_equal(strlen(sig), 86);
	assert_int_equal(crypto_verify(ed, "msg", 3, sig), 0);
	assert_int_equal(crypto_verify(ed, "msh", 3, sig), -1);
	assert_int_equal(crypto_verify(curve, "msg", 3, sig), -1);
	free(sig);

	crypto_account_free(a);
	crypto_account_free(NULL);
}

static void test_account_keys(void **state)
{
	struct crypto_account *a = crypto_account_new(), *b;
	char *json, *k, *pickle, *fb;
	int n;

	(void)state;
	assert_int_equal(crypto_account_max_otks(a), 100);
	json = crypto_account_otks(a);
	assert_string_equal(json, "{\"curve25519\":{}}");
	free(json);

	assert_int_equal(crypto_account_generate_otks(a, 5), 0);
	json = crypto_account_otks(a);
	k = only_key(json, &n);
	assert_int_equal(n, 5);
	free(k);

	/* unpublished keys survive a pickle */
	pickle = crypto_account_pickle(a, &key);
	b = crypto_account_load(pickle, &key);
	free(pickle);
	fb = crypto_account_otks(b);
	assert_string_equal(fb, json);
	free(fb);
	free(json);
	crypto_account_free(b);

	crypto_account_mark_published(a);
	json = crypto_account_otks(a);
	assert_string_equal(json, "{\"curve25519\":{}}");
	free(json);

	/* more than the account can hold would push out keys peers may use */
	assert_int_equal(crypto_account_generate_otks(a, 101), -1);
	assert_int_equal(crypto_account_generate_otks(a, 0), 0);

	/* the fallback key */
	fb = crypto_account_fallback(a);
	assert_string_equal(fb, "{\"curve25519\":{}}");
	free(fb);
	assert_int_equal(crypto_account_generate_fallback(a), 0);
	fb = crypto_account_fallback(a);
	k = only_key(fb, &n);
	assert_int_equal(n, 1);
	free(k);
	free(fb);
	crypto_account_mark_published(a);
	fb = crypto_account_fallback(a);
	assert_string_equal(fb, "{\"curve25519\":{}}");
	free(fb);
	assert_int_equal(crypto_account_generate_fallback(a), 0);
	crypto_account_forget_old_fallback(a);
	fb = crypto_account_fallback(a);
	k = only_key(fb, &n);
	assert_int_equal(n, 1);
	free(k);
	free(fb);

	crypto_account_free(a);
}

/* --- Olm sessions ------------------------------------------------------- */

struct pair {
	struct crypto_account *a, *b;
	char a_curve[CRYPTO_KEY_LEN + 1], a_ed[CRYPTO_KEY_LEN + 1];
	char b_curve[CRYPTO_KEY_LEN + 1], b_ed[CRYPTO_KEY_LEN + 1];
};

static void pair_init(struct pair *p)
{
	p->a = crypto_account_new();
	p->b = crypto_account_new();
	assert_non_null(p->a);
	assert_non_null(p->b);
	assert_int_equal(crypto_account_identity(p->a, p->a_curve, p->a_ed), 0);
	assert_int_equal(crypto_account_identity(p->b, p->b_curve, p->b_ed), 0);
}

static void pair_release(struct pair *p)
{
	crypto_account_free(p->a);
	crypto_account_free(p->b);
}

static void test_olm_conversation(void **state)
{
	struct pair p;
	struct crypto_session *sa, *sb, *sb2, *other;
	char *otk, *ct, *ct_copy, *pt, *reply, *id_a, *id_b, *json, *pickle, *padded_curve,
	     *padded_otk;
	size_t len = 0;
	int type = -1, n;

	(void)state;
	pair_init(&p);
	otk = claim_otk(p.b);

	/* padded keys are accepted */
	padded_curve = with_suffix(p.b_curve, "=");
	padded_otk = with_suffix(otk, "=");
	sa = crypto_session_outbound(p.a, padded_curve, padded_otk);
	assert_non_null(sa);
	free(padded_curve);
	free(padded_otk);

	ct = crypto_session_encrypt(sa, "hello", 5, &type);
	assert_non_null(ct);
	assert_int_equal(type, 0);
	ct_copy = xstrdup(ct);

	sb = crypto_session_inbound(p.b, p.a_curve, ct);
	assert_non_null(sb);
	assert_int_equal(crypto_session_matches(sb, p.a_curve, ct), 1);
	assert_int_equal(crypto_session_matches(sb, p.b_curve, ct), 0);
	pt = crypto_session_decrypt(sb, 0, ct, &len);
	assert_non_null(pt);
	assert_string_equal(pt, "hello");
	assert_int_equal(len, 5);
	free_secret(pt);
	assert_string_equal(ct, ct_copy);               /* every call got a copy */

	id_a = crypto_session_id(sa);
	id_b = crypto_session_id(sb);
	assert_int_equal(strlen(id_a), 43);
	assert_string_equal(id_a, id_b);
	free(id_a);
	free(id_b);

	/* the one-time key goes once a message decrypted */
	assert_int_equal(crypto_account_generate_otks(p.b, 1), 0);
	assert_int_equal(crypto_account_remove_otks(p.b, sb), 0);
	json = crypto_account_otks(p.b);
	free(only_key(json, &n));
	assert_int_equal(n, 1);                         /* only the new one */
	free(json);

	/* the answer is a normal message; after it A's are too */
	reply = crypto_session_encrypt(sb, "reply", 5, &type);
	assert_int_equal(type, 1);
	pt = crypto_session_decrypt(sa, 1, reply, NULL);
	assert_string_equal(pt, "reply");
	free_secret(pt);
	free(reply);
	free(crypto_session_encrypt(sa, "x", 1, &type));
	assert_int_equal(type, 1);

	/* a redelivered pre-key message: its keys are used up */
	assert_null(crypto_session_decrypt(sb, 0, ct, NULL));
	assert_string_equal(crypto_error(), "BAD_MESSAGE_MAC");
	assert_null(crypto_session_inbound(p.b, p.a_curve, ct));
	assert_string_equal(crypto_error(), "BAD_MESSAGE_KEY_ID");
	/* a pre-key message from someone else's session does not match */
	free(otk);
	otk = claim_otk(p.a);
	other = crypto_session_outbound(p.b, p.a_curve, otk);
	free(ct);
	ct = crypto_session_encrypt(other, "x", 1, &type);
	assert_int_equal(crypto_session_matches(sb, p.b_curve, ct), 0);
	/* libolm's decoder takes any character: junk is a message that does
	 * not match; only an impossible base64 length is an error */
	assert_int_equal(crypto_session_matches(sb, p.a_curve, "garbage!"), 0);
	assert_int_equal(crypto_session_matches(sb, p.a_curve, "AAAAA"), -1);
	assert_string_equal(crypto_error(), "INVALID_BASE64");
	crypto_session_free(other);

	/* a pickled session carries on */
	pickle = crypto_session_pickle(sb, &key);
	assert_null(crypto_session_load(pickle, &wrong_key));
	assert_string_equal(crypto_error(), "BAD_ACCOUNT_KEY");
	sb2 = crypto_session_load(pickle, &key);
	assert_non_null(sb2);
	free(pickle);
	free(ct);
	ct = crypto_session_encrypt(sa, "after pickle", 12, &type);
	pt = crypto_session_decrypt(sb2, type, ct, NULL);
	assert_string_equal(pt, "after pickle");
	free_secret(pt);

	free(ct);
	free(ct_copy);
	free(otk);
	crypto_session_free(sa);
	crypto_session_free(sb);
	crypto_session_free(sb2);
	crypto_session_free(NULL);
	pair_release(&p);
}

static void test_olm_fallback_key(void **state)
{
	struct pair p;
	struct crypto_session *sa, *sb;
	char *json, *fb, *ct, *pt;
	int n, type;

	(void)state;
	pair_init(&p);
	assert_int_equal(crypto_account_generate_fallback(p.b), 0);
	json = crypto_account_fallback(p.b);
	fb = only_key(json, &n);
	free(json);
	crypto_account_mark_published(p.b);

	sa = crypto_session_outbound(p.a, p.b_curve, fb);
	ct = crypto_session_encrypt(sa, "via fallback", 12, &type);
	assert_int_equal(type, 0);
	sb = crypto_session_inbound(p.b, p.a_curve, ct);
	assert_non_null(sb);
	pt = crypto_session_decrypt(sb, 0, ct, NULL);
	assert_string_equal(pt, "via fallback");
	free_secret(pt);
	/* succeeds and keeps the fallback key for the next sender */
	assert_int_equal(crypto_account_remove_otks(p.b, sb), 0);
	crypto_session_free(sb);
	sb = crypto_session_inbound(p.b, p.a_curve, ct);
	assert_non_null(sb);

	free(ct);
	free(fb);
	crypto_session_free(sa);
	crypto_session_free(sb);
	pair_release(&p);
}

static void test_olm_bad_ciphertexts(void **state)
{
	struct pair p;
	struct crypto_session *sa, *sb;
	char *otk, *ct0, *ct1, *pt;
	int type;

	(void)state;
	pair_init(&p);
	otk = claim_otk(p.b);
	sa = crypto_session_outbound(p.a, p.b_curve, otk);
	ct0 = crypto_session_encrypt(sa, "first", 5, &type);
	sb = crypto_session_inbound(p.b, p.a_curve, ct0);
	free_secret(crypto_session_decrypt(sb, 0, ct0, NULL));
	free(crypto_session_encrypt(sb, "reply", 5, &type));
	ct1 = crypto_session_encrypt(sb, "second", 6, &type);
	assert_int_equal(type, 1);

	for (int how = 0; how < N_SPOIL; how++) {
		char *bad0 = spoil(ct0, how), *bad1 = spoil(ct1, how);
		struct crypto_session *s;
		int m;

		assert_null(crypto_session_decrypt(sa, 1, bad1, NULL));
		assert_null(crypto_session_decrypt(sb, 0, bad0, NULL));
		/* matching reads only the pre-key header, which may be intact;
		 * a session made from it must then fail to decrypt */
		m = crypto_session_matches(sb, p.a_curve, bad0);
		assert_true(m >= -1 && m <= 1);
		s = crypto_session_inbound(p.b, p.a_curve, bad0);
		if (s)
			assert_null(crypto_session_decrypt(s, 0, bad0, NULL));
		crypto_session_free(s);
		free(bad0);
		free(bad1);
	}
	assert_null(crypto_session_decrypt(sa, 2, ct1, NULL));
	assert_string_equal(crypto_error(), "bad input");
	assert_null(crypto_session_decrypt(sa, 1, NULL, NULL));
	assert_null(crypto_session_outbound(p.a, "short", otk));
	assert_null(crypto_session_outbound(p.a, p.b_curve, NULL));

	/* the good message still decrypts after all that */
	pt = crypto_session_decrypt(sa, 1, ct1, NULL);
	assert_string_equal(pt, "second");
	free_secret(pt);

	free(ct0);
	free(ct1);
	free(otk);
	crypto_session_free(sa);
	crypto_session_free(sb);
	pair_release(&p);
}

/* --- Megolm ------------------------------------------------------------- */

/* The export format of a session key: version 1, no signature. */
static char *export_of(const char *session_key)
{
	unsigned char raw[229];
	long n = b64_decode(session_key, raw, sizeof(raw));

	assert_int_equal(n, 229);       /* version, index, ratchet, key, signature */
	assert_int_equal(raw[0], 2);
	raw[0] = 1;
	return b64_encode(raw, 229 - 64);
}

static void check_decrypt(struct crypto_inbound *g, const char *ct, const char *want,
			  uint32_t want_index)
{
	uint32_t index = 99;
	size_t len = 0;
	int unknown = -1;
	char *copy = xstrdup(ct);
	char *pt = crypto_inbound_decrypt(g, ct, &len, &index, &unknown);

	assert_non_null(pt);
	assert_string_equal(pt, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(index, want_index);
	assert_int_equal(unknown, 0);
	assert_string_equal(ct, copy);
	free_secret(pt);
	free(copy);
}

static void test_megolm(void **state)
{
	struct crypto_outbound *o = crypto_outbound_new(), *o2;
	struct crypto_inbound *g, *g2, *g3, *gi;
	char *out_id, *in_id, *key0, *key2, *c0, *c1, *c2, *pickle, *exported, *padded;
	int unknown = -1;

	(void)state;
	assert_non_null(o);
	assert_int_equal(crypto_outbound_index(o), 0);
	key0 = crypto_outbound_key(o);
	g = crypto_inbound_new(key0);
	assert_non_null(g);
	assert_int_equal(crypto_inbound_first_index(g), 0);
	out_id = crypto_outbound_id(o);
	in_id = crypto_inbound_id(g);
	assert_int_equal(strlen(out_id), 43);
	assert_string_equal(out_id, in_id);
	free(in_id);

	c0 = crypto_outbound_encrypt(o, "m0", 2);
	c1 = crypto_outbound_encrypt(o, "m1", 2);
	assert_int_equal(crypto_outbound_index(o), 2);
	check_decrypt(g, c0, "m0", 0);
	check_decrypt(g, c1, "m1", 1);
	check_decrypt(g, c0, "m0", 0);  /* replays are the caller's to catch */
	padded = with_suffix(c1, "=");
	check_decrypt(g, padded, "m1", 1);
	free(padded);

	/* a key shared at index 2 knows nothing earlier */
	key2 = crypto_outbound_key(o);
	g2 = crypto_inbound_new(key2);
	assert_int_equal(crypto_inbound_first_index(g2), 2);
	c2 = crypto_outbound_encrypt(o, "m2", 2);
	assert_null(crypto_inbound_decrypt(g2, c0, NULL, NULL, &unknown));
	assert_int_equal(unknown, 1);
	assert_string_equal(crypto_error(), "UNKNOWN_MESSAGE_INDEX");
	check_decrypt(g2, c2, "m2", 2);
	check_decrypt(g, c2, "m2", 2);

	/* a forwarded key, in the export format */
	exported = export_of(key0);
	gi = crypto_inbound_import(exported);
	assert_non_null(gi);
	assert_int_equal(crypto_inbound_first_index(gi), 0);
	check_decrypt(gi, c1, "m1", 1);
	assert_null(crypto_inbound_import(key0));
	assert_null(crypto_inbound_new(exported));
	assert_null(crypto_inbound_new("garbage"));
	assert_null(crypto_inbound_import("garbage!"));

	/* both sides through a pickle */
	pickle = crypto_inbound_pickle(g2, &key);
	assert_null(crypto_inbound_load(pickle, &wrong_key));
	g3 = crypto_inbound_load(pickle, &key);
	assert_non_null(g3);
	check_decrypt(g3, c2, "m2", 2);
	free(pickle);
	pickle = crypto_outbound_pickle(o, &key);
	assert_null(crypto_outbound_load(pickle, &wrong_key));
	o2 = crypto_outbound_load(pickle, &key);
	assert_non_null(o2);
	assert_int_equal(crypto_outbound_index(o2), 3);
	free(pickle);
	free(c2);
	c2 = crypto_outbound_encrypt(o2, "m3", 2);
	check_decrypt(g3, c2, "m3", 3);

	/* spoiled ciphertexts */
	for (int how = 0; how < N_SPOIL; how++) {
		char *bad = spoil(c1, how);

		unknown = -1;
		assert_null(crypto_inbound_decrypt(g, bad, NULL, NULL, &unknown));
		assert_int_equal(unknown, 0);
		free(bad);
	}
	assert_null(crypto_inbound_decrypt(g, NULL, NULL, NULL, NULL));
	check_decrypt(g, c1, "m1", 1);

	free(exported);
	free(out_id);
	free_secret(key0);
	free_secret(key2);
	free(c0);
	free(c1);
	free(c2);
	crypto_outbound_free(o);
	crypto_outbound_free(o2);
	crypto_outbound_free(NULL);
	crypto_inbound_free(g);
	crypto_inbound_free(g2);
	crypto_inbound_free(g3);
	crypto_inbound_free(gi);
	crypto_inbound_free(NULL);
}

/* --- signing keys, sealed secrets, randomness ------------------------------ */

static void test_signer_spec_vector(void **state)
{
	unsigned char seed[CRYPTO_SEED_LEN + 1];
	char pub[CRYPTO_KEY_LEN + 1];
	struct crypto_signer *s;
	char *sig, *padded;
	static const char msg[] = "{\"one\":1,\"two\":\"Two\"}";
	static const char want_empty[] = "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geit"
					 "b76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ";
	static const char want_msg[] = "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoq"
				       "E7BP7vBZhG6kYdD13EIMJpvhJI+6Bw";

	(void)state;
	assert_int_equal(b64_decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1", seed,
				    sizeof(seed)), CRYPTO_SEED_LEN);
	s = crypto_signer_new(seed, pub);
	assert_non_null(s);
	assert_string_equal(pub, "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI");

	sig = crypto_signer_sign(s, "{}", 2);
	assert_string_equal(sig, want_empty);
	assert_int_equal(crypto_verify(pub, "{}", 2, sig), 0);
	free(sig);
	sig = crypto_signer_sign(s, msg, strlen(msg));
	assert_string_equal(sig, want_msg);
	assert_int_equal(crypto_verify(pub, msg, strlen(msg), sig), 0);
	free(sig);

	/* padded key and signature are accepted */
	padded = with_suffix(want_empty, "==");
	assert_int_equal(crypto_verify("XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI=", "{}", 2,
				       padded), 0);
	free(padded);

	/* one bit off anywhere */
	{
		char m[sizeof(msg)], bad[sizeof(want_msg)];

		memcpy(m, msg, sizeof(msg));
		m[3] ^= 1;
		assert_int_equal(crypto_verify(pub, m, strlen(m), want_msg), -1);
		assert_string_equal(crypto_error(), "BAD_MESSAGE_MAC");
		memcpy(bad, want_msg, sizeof(want_msg));
		bad[10] = bad[10] == 'A' ? 'B' : 'A';
		assert_int_equal(crypto_verify(pub, msg, strlen(msg), bad), -1);
		assert_int_equal(crypto_verify(want_msg, msg, strlen(msg), want_msg), -1);
		assert_int_equal(crypto_verify(pub, msg, strlen(msg), "short"), -1);
		assert_int_equal(crypto_verify(pub, msg, strlen(msg), ""), -1);
		assert_int_equal(crypto_verify(NULL, msg, strlen(msg), want_msg), -1);
	}

	/* the signer without asking for its public key */
	crypto_signer_free(s);
	s = crypto_signer_new(seed, NULL);
	sig = crypto_signer_sign(s, "{}", 2);
	assert_string_equal(sig, want_empty);
	free(sig);
	crypto_signer_free(s);
	crypto_signer_free(NULL);
	assert_null(crypto_signer_new(NULL, pub));
}

static void test_seal(void **state)
{
	unsigned char secret[CRYPTO_SEED_LEN], back[CRYPTO_SEED_LEN];
	char *sealed, *copy, *sealed2;

	(void)state;
	assert_int_equal(crypto_random(secret, sizeof(secret)), 0);
	sealed = crypto_seal(secret, &key);
	assert_non_null(sealed);
	copy = xstrdup(sealed);
	memset(back, 0, sizeof(back));
	assert_int_equal(crypto_unseal(sealed, &key, back), 0);
	assert_memory_equal(secret, back, sizeof(secret));
	assert_string_equal(sealed, copy);

	/* libolm pickles have no random IV: the same secret under the same
	 * key seals to the same text */
	sealed2 = crypto_seal(secret, &key);
	assert_string_equal(sealed, sealed2);
	free(sealed2);

	/* the wrong key, a damaged text: refused, the output untouched */
	memset(back, 0x55, sizeof(back));
	assert_int_equal(crypto_unseal(sealed, &wrong_key, back), -1);
	assert_string_equal(crypto_error(), "BAD_ACCOUNT_KEY");
	sealed[strlen(sealed) / 2] ^= 1;
	assert_int_equal(crypto_unseal(sealed, &key, back), -1);
	assert_int_equal(crypto_unseal("", &key, back), -1);
	assert_int_equal(crypto_unseal(NULL, &key, back), -1);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0x55);

	free(sealed);
	free(copy);
}

static void test_random(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(crypto_random(a, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_pickle),
		cmocka_unit_test(test_account_keys),
		cmocka_unit_test(test_olm_conversation),
		cmocka_unit_test(test_olm_fallback_key),
		cmocka_unit_test(test_olm_bad_ciphertexts),
		cmocka_unit_test(test_megolm),
		cmocka_unit_test(test_signer_spec_vector),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
