/*
 * crypto.c - the bot's encryption primitives (crypto.h) over libolm 3.2,
 * and the one file that includes libolm (and OpenSSL's libcrypto, for
 * the HKDF, AES-CTR and HMAC of secret storage, which libolm does not
 * export, and the SHA-256 and constant-time compare of calendar links): upstream deprecated libolm for
 * vodozemac, so a swap should touch only this file.  libolm's habits stay
 * here: outputs sized by their *_length() companion and without a NUL,
 * inputs decoded in place (each call gets a private copy), '=' padding
 * refused, randomness from the caller (getrandom, wiped after use).
 * Nothing here knows about Matrix events, the store or the network.
 */
#include "crypto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>
#include <olm/inbound_group_session.h>
#include <olm/olm.h>
#include <olm/outbound_group_session.h>
#include <olm/pk.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "util.h"

/* --- errors, scratch copies, randomness -------------------------------- */

static char last_error[64] = "no error";

static void set_error(const char *why)
{
	snprintf(last_error, sizeof(last_error), "%s", why ? why : "unknown error");
}

const char *crypto_error(void)
{
	return last_error;
}

/* Wipe n bytes at p, then free it; NULL is a no-op. */
static void wipe_free(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

/* The length of base64 text s without its '=' padding, which libolm's
 * decoder takes for data. */
static size_t unpadded_len(const char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == '=')
		n--;
	return n;
}

/* A private copy of base64 text s, unpadded, for one libolm call that
 * decodes its input in place; *n gets its length.  The caller wipes and
 * frees it with wipe_free(copy, *n). */
static char *scratch(const char *s, size_t *n)
{
	*n = unpadded_len(s);
	return xstrndup(s, *n);
}

int crypto_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			set_error(strerror(errno));
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* n random bytes, or NULL (error set).  The caller wipes and frees them
 * with wipe_free(r, n) once libolm has used them. */
static unsigned char *random_new(size_t n)
{
	unsigned char *r = xmalloc(n);

	if (crypto_random(r, n)) {
		free(r);
		return NULL;
	}
	return r;
}

/*
 * The end of a libolm call that wrote n bytes of text into out (cap bytes
 * allocated, at least n + 1): out NUL-terminated, or, when n is
 * olm_error(), NULL with err recorded and out wiped and freed.
 */
static char *text_result(char *out, size_t cap, size_t n, const char *err)
{
	if (n == olm_error()) {
		set_error(err);
		wipe_free(out, cap);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

/* 1 (error set) when k cannot be a pickle key; any length, even 0, can. */
static int bad_pickle_key(const struct crypto_pickle_key *k)
{
	if (!k || (!k->key && k->len)) {
		set_error("bad input");
		return 1;
	}
	return 0;
}

/*
 * libolm's four pickled objects (account, Olm session, Megolm inbound and
 * outbound) have the same life cycle under per-type names: this makes, for
 * each, the struct, NAME_alloc(), crypto_NAME_free() (wipes; NULL is a
 * no-op), crypto_NAME_pickle() (caller frees) and crypto_NAME_load() (the
 * caller owns the object; the pickle is only read).
 */
#define OLM_OBJECT(NAME, TYPE, OLM)						\
struct crypto_##NAME {								\
	TYPE *olm;      /* lives in mem */					\
	void *mem;								\
};										\
										\
static struct crypto_##NAME *NAME##_alloc(void)					\
{										\
	struct crypto_##NAME *x = xmalloc(sizeof(*x));				\
										\
	x->mem = xmalloc(olm_##OLM##_size());					\
	x->olm = olm_##OLM(x->mem);						\
	return x;								\
}										\
										\
void crypto_##NAME##_free(struct crypto_##NAME *x)				\
{										\
	if (!x)									\
		return;								\
	olm_clear_##OLM(x->olm);						\
	wipe_free(x->mem, olm_##OLM##_size());					\
	free(x);								\
}										\
										\
char *crypto_##NAME##_pickle(struct crypto_##NAME *x,				\
			     const struct crypto_pickle_key *k)			\
{										\
	size_t cap, n;								\
	char *out;								\
										\
	if (bad_pickle_key(k))							\
		return NULL;							\
	cap = olm_pickle_##OLM##_length(x->olm);				\
	out = xmalloc(cap + 1);							\
	n = olm_pickle_##OLM(x->olm, k->key, k->len, out, cap);			\
	return text_result(out, cap + 1, n, olm_##OLM##_last_error(x->olm));	\
}										\
										\
struct crypto_##NAME *crypto_##NAME##_load(const char *pickle,			\
					   const struct crypto_pickle_key *k)	\
{										\
	struct crypto_##NAME *x;						\
	char *copy;								\
	size_t n;								\
										\
	if (!pickle || bad_pickle_key(k)) {					\
		set_error("bad input");						\
		return NULL;							\
	}									\
	x = NAME##_alloc();							\
	copy = scratch(pickle, &n);						\
	if (olm_unpickle_##OLM(x->olm, k->key, k->len, copy, n) == olm_error()) { \
		set_error(olm_##OLM##_last_error(x->olm));			\
		crypto_##NAME##_free(x);					\
		x = NULL;							\
	}									\
	wipe_free(copy, n);							\
	return x;								\
}

OLM_OBJECT(account, OlmAccount, account)
OLM_OBJECT(session, OlmSession, session)
OLM_OBJECT(inbound, OlmInboundGroupSession, inbound_group_session)
OLM_OBJECT(outbound, OlmOutboundGroupSession, outbound_group_session)

/* --- the Olm account ---------------------------------------------------- */

/* The caller owns the account (crypto_account_free). */
struct crypto_account *crypto_account_new(void)
{
	struct crypto_account *a = account_alloc(), *ret = NULL;
	size_t rlen = olm_create_account_random_length(a->olm);
	unsigned char *rnd = random_new(rlen);

	if (!rnd)
		goto out;
	if (olm_create_account(a->olm, rnd, rlen) == olm_error()) {
		set_error(olm_account_last_error(a->olm));
		goto out;
	}
	ret = a;
	a = NULL;
out:
	wipe_free(rnd, rlen);
	crypto_account_free(a);
	return ret;
}

/* Copies one 43-character key from the identity JSON into dst. */
static int identity_key(const cJSON *keys, const char *name, char *dst)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(keys, name);

	if (!cJSON_IsString(v) || strlen(v->valuestring) != CRYPTO_KEY_LEN) {
		set_error("bad identity keys");
		return -1;
	}
	memcpy(dst, v->valuestring, CRYPTO_KEY_LEN + 1);
	return 0;
}

/* curve and ed are the caller's, CRYPTO_KEY_LEN + 1 bytes each. */
int crypto_account_identity(struct crypto_account *a, char *curve, char *ed)
{
	size_t len = olm_account_identity_keys_length(a->olm), n;
	char *json = xmalloc(len + 1);
	cJSON *keys = NULL;
	int rc = -1;

	n = olm_account_identity_keys(a->olm, json, len);
	if (n == olm_error()) {
		set_error(olm_account_last_error(a->olm));
		goto out;
	}
	keys = cJSON_ParseWithLength(json, n);
	if (identity_key(keys, "curve25519", curve) || identity_key(keys, "ed25519", ed))
		goto out;
	rc = 0;
out:
	cJSON_Delete(keys);
	free(json);
	return rc;
}

/* The caller frees the signature (free). */
char *crypto_account_sign(struct crypto_account *a, const void *msg, size_t len)
{
	size_t cap = olm_account_signature_length(a->olm), n;
	char *out = xmalloc(cap + 1);

	n = olm_account_sign(a->olm, msg, len, out, cap);
	return text_result(out, cap + 1, n, olm_account_last_error(a->olm));
}

size_t crypto_account_max_otks(struct crypto_account *a)
{
	return olm_account_max_number_of_one_time_keys(a->olm);
}

/* More keys than the account holds would silently push out the oldest
 * private keys, breaking sessions peers build from them later. */
int crypto_account_generate_otks(struct crypto_account *a, size_t n)
{
	unsigned char *rnd = NULL;
	size_t rlen = 0;
	int rc = -1;

	if (n > olm_account_max_number_of_one_time_keys(a->olm)) {
		set_error("bad input");
		return -1;
	}
	rlen = olm_account_generate_one_time_keys_random_length(a->olm, n);
	if (!(rnd = random_new(rlen)))
		goto out;
	if (olm_account_generate_one_time_keys(a->olm, n, rnd, rlen) == olm_error()) {
		set_error(olm_account_last_error(a->olm));
		goto out;
	}
	rc = 0;
out:
	wipe_free(rnd, rlen);
	return rc;
}

/* The caller frees the JSON text (free). */
char *crypto_account_otks(struct crypto_account *a)
{
	size_t cap = olm_account_one_time_keys_length(a->olm), n;
	char *out = xmalloc(cap + 1);

	n = olm_account_one_time_keys(a->olm, out, cap);
	return text_result(out, cap + 1, n, olm_account_last_error(a->olm));
}

int crypto_account_generate_fallback(struct crypto_account *a)
{
	size_t rlen = olm_account_generate_fallback_key_random_length(a->olm);
	unsigned char *rnd = random_new(rlen);
	int rc = -1;

	if (!rnd)
		goto out;
	if (olm_account_generate_fallback_key(a->olm, rnd, rlen) == olm_error()) {
		set_error(olm_account_last_error(a->olm));
		goto out;
	}
	rc = 0;
out:
	wipe_free(rnd, rlen);
	return rc;
}

/* The caller frees the JSON text (free). */
char *crypto_account_fallback(struct crypto_account *a)
{
	size_t cap = olm_account_unpublished_fallback_key_length(a->olm), n;
	char *out = xmalloc(cap + 1);

	n = olm_account_unpublished_fallback_key(a->olm, out, cap);
	return text_result(out, cap + 1, n, olm_account_last_error(a->olm));
}

void crypto_account_mark_published(struct crypto_account *a)
{
	olm_account_mark_keys_as_published(a->olm);
}

void crypto_account_forget_old_fallback(struct crypto_account *a)
{
	olm_account_forget_old_fallback_key(a->olm);
}

/* --- Olm sessions ------------------------------------------------------- */

/* The caller owns the session; the keys are only read. */
struct crypto_session *crypto_session_outbound(struct crypto_account *a,
					       const char *their_curve, const char *their_otk)
{
	struct crypto_session *s = NULL, *ret = NULL;
	unsigned char *rnd = NULL;
	size_t rlen = 0;

	if (!their_curve || !their_otk) {
		set_error("bad input");
		return NULL;
	}
	s = session_alloc();
	rlen = olm_create_outbound_session_random_length(s->olm);
	if (!(rnd = random_new(rlen)))
		goto out;
	if (olm_create_outbound_session(s->olm, a->olm, their_curve, unpadded_len(their_curve),
					their_otk, unpadded_len(their_otk),
					rnd, rlen) == olm_error()) {
		set_error(olm_session_last_error(s->olm));
		goto out;
	}
	ret = s;
	s = NULL;
out:
	wipe_free(rnd, rlen);
	crypto_session_free(s);
	return ret;
}

/* The caller owns the session; their_curve and body are only read. */
struct crypto_session *crypto_session_inbound(struct crypto_account *a,
					      const char *their_curve, const char *body)
{
	struct crypto_session *s = NULL;
	char *copy = NULL;
	size_t n = 0;

	if (!their_curve || !body) {
		set_error("bad input");
		return NULL;
	}
	s = session_alloc();
	copy = scratch(body, &n);
	if (olm_create_inbound_session_from(s->olm, a->olm, their_curve,
					    unpadded_len(their_curve), copy, n) == olm_error()) {
		set_error(olm_session_last_error(s->olm));
		crypto_session_free(s);
		s = NULL;
	}
	wipe_free(copy, n);
	return s;
}

int crypto_account_remove_otks(struct crypto_account *a, struct crypto_session *s)
{
	if (olm_remove_one_time_keys(a->olm, s->olm) == olm_error()) {
		set_error(olm_account_last_error(a->olm));
		return -1;
	}
	return 0;
}

int crypto_session_matches(struct crypto_session *s, const char *their_curve,
			   const char *body)
{
	char *copy;
	size_t n, r;

	if (!their_curve || !body) {
		set_error("bad input");
		return -1;
	}
	copy = scratch(body, &n);
	r = olm_matches_inbound_session_from(s->olm, their_curve, unpadded_len(their_curve),
					     copy, n);
	wipe_free(copy, n);
	if (r == olm_error()) {
		set_error(olm_session_last_error(s->olm));
		return -1;
	}
	return r == 1;
}

/* The caller frees the plaintext (free_secret); body is only read.  The
 * body is decoded twice, a fresh copy each time: libolm destroys it
 * while sizing the plaintext, then again while decrypting. */
char *crypto_session_decrypt(struct crypto_session *s, int type, const char *body,
			     size_t *len)
{
	char *copy = NULL, *out = NULL;
	size_t n = 0, max = 0, got;

	if (!body || (type != 0 && type != 1)) {
		set_error("bad input");
		return NULL;
	}
	copy = scratch(body, &n);
	max = olm_decrypt_max_plaintext_length(s->olm, (size_t)type, copy, n);
	wipe_free(copy, n);
	if (max == olm_error()) {
		set_error(olm_session_last_error(s->olm));
		return NULL;
	}
	copy = scratch(body, &n);
	out = xmalloc(max + 1);
	got = olm_decrypt(s->olm, (size_t)type, copy, n, out, max);
	wipe_free(copy, n);
	out = text_result(out, max + 1, got, olm_session_last_error(s->olm));
	if (out && len)
		*len = got;
	return out;
}

/* The caller frees the ciphertext (free); plaintext is only read. */
char *crypto_session_encrypt(struct crypto_session *s, const void *plaintext, size_t len,
			     int *type)
{
	unsigned char *rnd = NULL;
	char *out = NULL;
	size_t mtype, rlen = 0, cap, n;

	mtype = olm_encrypt_message_type(s->olm);
	if (mtype == olm_error()) {
		set_error(olm_session_last_error(s->olm));
		return NULL;
	}
	rlen = olm_encrypt_random_length(s->olm);
	if (!(rnd = random_new(rlen)))
		return NULL;
	cap = olm_encrypt_message_length(s->olm, len);
	out = xmalloc(cap + 1);
	n = olm_encrypt(s->olm, plaintext, len, rnd, rlen, out, cap);
	wipe_free(rnd, rlen);
	out = text_result(out, cap + 1, n, olm_session_last_error(s->olm));
	if (out && type)
		*type = (int)mtype;
	return out;
}

/* The caller frees the ID (free). */
char *crypto_session_id(struct crypto_session *s)
{
	size_t cap = olm_session_id_length(s->olm), n;
	char *out = xmalloc(cap + 1);

	n = olm_session_id(s->olm, out, cap);
	return text_result(out, cap + 1, n, olm_session_last_error(s->olm));
}

/* --- Megolm, receiving side -------------------------------------------- */

/* The caller owns the session; session_key is only read (libolm decodes
 * it into a buffer of its own). */
struct crypto_inbound *crypto_inbound_new(const char *session_key)
{
	struct crypto_inbound *g;

	if (!session_key) {
		set_error("bad input");
		return NULL;
	}
	g = inbound_alloc();
	if (olm_init_inbound_group_session(g->olm, (const uint8_t *)session_key,
					   unpadded_len(session_key)) == olm_error()) {
		set_error(olm_inbound_group_session_last_error(g->olm));
		crypto_inbound_free(g);
		return NULL;
	}
	return g;
}

/* The caller owns the session; exported is only read (the header says
 * libolm overwrites its input here, so it gets a copy). */
struct crypto_inbound *crypto_inbound_import(const char *exported)
{
	struct crypto_inbound *g;
	char *copy;
	size_t n;

	if (!exported) {
		set_error("bad input");
		return NULL;
	}
	g = inbound_alloc();
	copy = scratch(exported, &n);
	if (olm_import_inbound_group_session(g->olm, (uint8_t *)copy, n) == olm_error()) {
		set_error(olm_inbound_group_session_last_error(g->olm));
		crypto_inbound_free(g);
		g = NULL;
	}
	wipe_free(copy, n);
	return g;
}

/* The caller frees the ID (free). */
char *crypto_inbound_id(struct crypto_inbound *g)
{
	size_t cap = olm_inbound_group_session_id_length(g->olm), n;
	char *out = xmalloc(cap + 1);

	n = olm_inbound_group_session_id(g->olm, (uint8_t *)out, cap);
	return text_result(out, cap + 1, n, olm_inbound_group_session_last_error(g->olm));
}

uint32_t crypto_inbound_first_index(struct crypto_inbound *g)
{
	return olm_inbound_group_session_first_known_index(g->olm);
}

/* The caller frees the plaintext (free_secret); ciphertext is only read
 * and decoded from a fresh copy for each of the two libolm calls. */
char *crypto_inbound_decrypt(struct crypto_inbound *g, const char *ciphertext, size_t *len,
			     uint32_t *index, int *unknown_index)
{
	char *copy = NULL, *out = NULL;
	size_t n = 0, max, got;
	uint32_t idx = 0;

	if (unknown_index)
		*unknown_index = 0;
	if (!ciphertext) {
		set_error("bad input");
		return NULL;
	}
	copy = scratch(ciphertext, &n);
	max = olm_group_decrypt_max_plaintext_length(g->olm, (uint8_t *)copy, n);
	wipe_free(copy, n);
	if (max == olm_error()) {
		set_error(olm_inbound_group_session_last_error(g->olm));
		return NULL;
	}
	copy = scratch(ciphertext, &n);
	out = xmalloc(max + 1);
	got = olm_group_decrypt(g->olm, (uint8_t *)copy, n, (uint8_t *)out, max, &idx);
	wipe_free(copy, n);
	if (got == olm_error() && unknown_index)
		*unknown_index = olm_inbound_group_session_last_error_code(g->olm) ==
				 OLM_UNKNOWN_MESSAGE_INDEX;
	out = text_result(out, max + 1, got, olm_inbound_group_session_last_error(g->olm));
	if (!out)
		return NULL;
	if (len)
		*len = got;
	if (index)
		*index = idx;
	return out;
}

/* --- Megolm, sending side ---------------------------------------------- */

/* The caller owns the session (crypto_outbound_free). */
struct crypto_outbound *crypto_outbound_new(void)
{
	struct crypto_outbound *o = outbound_alloc(), *ret = NULL;
	size_t rlen = olm_init_outbound_group_session_random_length(o->olm);
	unsigned char *rnd = random_new(rlen);

	if (!rnd)
		goto out;
	if (olm_init_outbound_group_session(o->olm, rnd, rlen) == olm_error()) {
		set_error(olm_outbound_group_session_last_error(o->olm));
		goto out;
	}
	ret = o;
	o = NULL;
out:
	wipe_free(rnd, rlen);
	crypto_outbound_free(o);
	return ret;
}

/* The caller frees the ID (free). */
char *crypto_outbound_id(struct crypto_outbound *o)
{
	size_t cap = olm_outbound_group_session_id_length(o->olm), n;
	char *out = xmalloc(cap + 1);

	n = olm_outbound_group_session_id(o->olm, (uint8_t *)out, cap);
	return text_result(out, cap + 1, n, olm_outbound_group_session_last_error(o->olm));
}

/* The caller frees the key (free_secret). */
char *crypto_outbound_key(struct crypto_outbound *o)
{
	size_t cap = olm_outbound_group_session_key_length(o->olm), n;
	char *out = xmalloc(cap + 1);

	n = olm_outbound_group_session_key(o->olm, (uint8_t *)out, cap);
	return text_result(out, cap + 1, n, olm_outbound_group_session_last_error(o->olm));
}

uint32_t crypto_outbound_index(struct crypto_outbound *o)
{
	return olm_outbound_group_session_message_index(o->olm);
}

/* The caller frees the ciphertext (free); plaintext is only read. */
char *crypto_outbound_encrypt(struct crypto_outbound *o, const void *plaintext, size_t len)
{
	size_t cap = olm_group_encrypt_message_length(o->olm, len), n;
	char *out = xmalloc(cap + 1);

	n = olm_group_encrypt(o->olm, plaintext, len, (uint8_t *)out, cap);
	return text_result(out, cap + 1, n, olm_outbound_group_session_last_error(o->olm));
}

/* --- ed25519 signing keys ---------------------------------------------- */

struct crypto_signer {
	OlmPkSigning *olm;      /* lives in mem */
	void *mem;
};

void crypto_signer_free(struct crypto_signer *s)
{
	if (!s)
		return;
	olm_clear_pk_signing(s->olm);
	wipe_free(s->mem, olm_pk_signing_size());
	free(s);
}

/* The caller owns the signer; seed is only read (libolm keeps the key
 * pair it derives, not the caller's buffer). */
struct crypto_signer *crypto_signer_new(const unsigned char *seed, char *pub)
{
	struct crypto_signer *s;
	char key[CRYPTO_KEY_LEN + 1];

	if (!seed || olm_pk_signing_seed_length() != CRYPTO_SEED_LEN ||
	    olm_pk_signing_public_key_length() != CRYPTO_KEY_LEN) {
		set_error("bad input");
		return NULL;
	}
	s = xmalloc(sizeof(*s));
	s->mem = xmalloc(olm_pk_signing_size());
	s->olm = olm_pk_signing(s->mem);
	if (olm_pk_signing_key_from_seed(s->olm, key, CRYPTO_KEY_LEN, seed, CRYPTO_SEED_LEN) ==
	    olm_error()) {
		set_error(olm_pk_signing_last_error(s->olm));
		crypto_signer_free(s);
		return NULL;
	}
	key[CRYPTO_KEY_LEN] = '\0';
	if (pub)
		memcpy(pub, key, sizeof(key));
	return s;
}

/* The caller frees the signature (free). */
char *crypto_signer_sign(struct crypto_signer *s, const void *msg, size_t len)
{
	size_t cap = olm_pk_signature_length(), n;
	char *out = xmalloc(cap + 1);

	n = olm_pk_sign(s->olm, msg, len, (uint8_t *)out, cap);
	return text_result(out, cap + 1, n, olm_pk_signing_last_error(s->olm));
}

/* --- sealed secrets ----------------------------------------------------- */

/*
 * libolm has no "encrypt these bytes under the pickle key" call, but it
 * pickles a PkDecryption object, whose private key is any 32 bytes we
 * choose: the pickle of an object made from the secret is the secret,
 * encrypted and authenticated like every other pickle.
 */
struct pk {
	OlmPkDecryption *olm;   /* lives in mem */
	void *mem;
};

static void pk_init(struct pk *d)
{
	d->mem = xmalloc(olm_pk_decryption_size());
	d->olm = olm_pk_decryption(d->mem);
}

static void pk_release(struct pk *d)
{
	olm_clear_pk_decryption(d->olm);
	wipe_free(d->mem, olm_pk_decryption_size());
}

/* The caller frees the sealed text (free); secret is only read. */
char *crypto_seal(const unsigned char *secret, const struct crypto_pickle_key *k)
{
	struct pk d;
	char pub[CRYPTO_KEY_LEN + 1];
	char *out = NULL;
	size_t cap, n;

	if (!secret || bad_pickle_key(k) || olm_pk_private_key_length() != CRYPTO_SEED_LEN ||
	    olm_pk_key_length() != CRYPTO_KEY_LEN) {
		set_error("bad input");
		return NULL;
	}
	pk_init(&d);
	if (olm_pk_key_from_private(d.olm, pub, CRYPTO_KEY_LEN, secret, CRYPTO_SEED_LEN) ==
	    olm_error()) {
		set_error(olm_pk_decryption_last_error(d.olm));
		goto out;
	}
	cap = olm_pickle_pk_decryption_length(d.olm);
	out = xmalloc(cap + 1);
	n = olm_pickle_pk_decryption(d.olm, k->key, k->len, out, cap);
	out = text_result(out, cap + 1, n, olm_pk_decryption_last_error(d.olm));
out:
	pk_release(&d);
	return out;
}

/* secret is the caller's (CRYPTO_SEED_LEN bytes), written only on
 * success; sealed is only read. */
int crypto_unseal(const char *sealed, const struct crypto_pickle_key *k,
		  unsigned char *secret)
{
	struct pk d;
	unsigned char key[CRYPTO_SEED_LEN];
	char pub[CRYPTO_KEY_LEN + 1];
	char *copy = NULL;
	size_t n = 0;
	int rc = -1;

	if (!sealed || !secret || bad_pickle_key(k) || olm_pk_private_key_length() != CRYPTO_SEED_LEN ||
	    olm_pk_key_length() != CRYPTO_KEY_LEN) {
		set_error("bad input");
		return -1;
	}
	pk_init(&d);
	copy = scratch(sealed, &n);
	if (olm_unpickle_pk_decryption(d.olm, k->key, k->len, copy, n, pub, CRYPTO_KEY_LEN) ==
	    olm_error()) {
		set_error(olm_pk_decryption_last_error(d.olm));
		goto out;
	}
	if (olm_pk_get_private_key(d.olm, key, sizeof(key)) == olm_error()) {
		set_error(olm_pk_decryption_last_error(d.olm));
		goto out;
	}
	memcpy(secret, key, sizeof(key));
	rc = 0;
out:
	explicit_bzero(key, sizeof(key));
	wipe_free(copy, n);
	pk_release(&d);
	return rc;
}

/* --- signature checks --------------------------------------------------- */

/* key, msg and sig are only read (sig is decoded from a private copy). */
int crypto_verify(const char *key, const void *msg, size_t len, const char *sig)
{
	void *mem = NULL;
	OlmUtility *u;
	char *copy = NULL;
	size_t n = 0;
	int rc = -1;

	if (!key || !sig || (!msg && len)) {
		set_error("bad input");
		return -1;
	}
	mem = xmalloc(olm_utility_size());
	u = olm_utility(mem);
	copy = scratch(sig, &n);
	if (olm_ed25519_verify(u, key, unpadded_len(key), msg ? msg : "", len, copy, n) ==
	    olm_error()) {
		set_error(olm_utility_last_error(u));
		goto out;
	}
	rc = 0;
out:
	wipe_free(copy, n);
	olm_clear_utility(u);
	wipe_free(mem, olm_utility_size());
	return rc;
}

/* --- base64 --------------------------------------------------------------- */

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long crypto_base64_decode(const char *in, unsigned char *out, size_t max)
{
	size_t n = 0, len = in ? unpadded_len(in) : 0;
	uint32_t acc = 0;
	int bits = 0;

	if (!in || len % 4 == 1) {
		set_error("INVALID_BASE64");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0) {
			set_error("INVALID_BASE64");
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= max) {
				set_error("too long");
				return -1;
			}
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)n;
}

char *crypto_base64_encode(const unsigned char *in, size_t len)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc(len / 3 * 4 + 5), *o = out;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*o++ = abc[(acc >> bits) & 63];
		}
	}
	if (bits)
		*o++ = abc[(acc << (6 - bits)) & 63];
	*o = '\0';
	return out;
}

/* --- secret storage: m.secret_storage.v1.aes-hmac-sha2 --------------------- */

/* HKDF-SHA-256 of key (salt: 32 zero bytes, info: name) into the AES key
 * (out[0..32)) and the HMAC key (out[32..64)).  0 or -1. */
static int ssss_keys(const unsigned char *key, const char *name, unsigned char out[64])
{
	unsigned char k[CRYPTO_SSSS_KEY_LEN], salt[32] = { 0 };
	char digest[] = "SHA256";
	char *info = xstrdup(name);
	OSSL_PARAM params[5], *p = params;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int rc = -1;

	memcpy(k, key, sizeof(k));
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, k, sizeof(k));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof(salt));
	if (*info)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
							 strlen(info));
	*p = OSSL_PARAM_construct_end();
	if (!ctx || EVP_KDF_derive(ctx, out, 64, params) != 1)
		set_error("HKDF failed");
	else
		rc = 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	explicit_bzero(k, sizeof(k));
	free(info);
	return rc;
}

/* AES-256-CTR of in[0..len) into out (same length); 0 or -1. */
static int aes_ctr(const unsigned char *key, const unsigned char *iv, const unsigned char *in,
		   size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, rc = -1;

	if (len > (size_t)1 << 30) {
		set_error("too long");
		goto out;
	}
	if (c && EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(c, out, &n, in, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(c, out + n, &m) == 1 && (size_t)(n + m) == len)
		rc = 0;
	else
		set_error("AES-CTR failed");
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static int hmac_sha256(const unsigned char *key, const unsigned char *in, size_t len,
		       unsigned char mac[32])
{
	unsigned int n = 0;

	if (!HMAC(EVP_sha256(), key, 32, in, len, mac, &n) || n != 32) {
		set_error("HMAC failed");
		return -1;
	}
	return 0;
}

int crypto_ssss_encrypt(const unsigned char *key, const char *name, const unsigned char *iv,
			const void *plaintext, size_t len, char **ct_b64, char **mac_b64)
{
	unsigned char keys[64], mac[32], *ct = xmalloc(len ? len : 1);
	int rc = -1;

	*ct_b64 = *mac_b64 = NULL;
	if (ssss_keys(key, name, keys) || aes_ctr(keys, iv, plaintext, len, ct) ||
	    hmac_sha256(keys + 32, ct, len, mac))
		goto out;
	*ct_b64 = crypto_base64_encode(ct, len);
	*mac_b64 = crypto_base64_encode(mac, sizeof(mac));
	rc = 0;
out:
	explicit_bzero(keys, sizeof(keys));
	free(ct);
	return rc;
}

char *crypto_ssss_decrypt(const unsigned char *key, const char *name, const char *iv_b64,
			  const char *ct_b64, const char *mac_b64, size_t *len)
{
	unsigned char keys[64], iv[16], mac[32], want[32];
	size_t max = ct_b64 ? strlen(ct_b64) : 0;
	unsigned char *ct = xmalloc(max + 1);
	char *pt = NULL;
	long n;

	if (!name || crypto_base64_decode(iv_b64, iv, sizeof(iv)) != (long)sizeof(iv) ||
	    crypto_base64_decode(mac_b64, mac, sizeof(mac)) != (long)sizeof(mac) ||
	    (n = crypto_base64_decode(ct_b64, ct, max)) < 0) {
		set_error("malformed iv, mac or ciphertext");
		goto out;
	}
	if (ssss_keys(key, name, keys) || hmac_sha256(keys + 32, ct, (size_t)n, want))
		goto out;
	if (CRYPTO_memcmp(mac, want, sizeof(mac))) {
		set_error("BAD_MAC");
		goto out;
	}
	pt = xmalloc((size_t)n + 1);
	if (aes_ctr(keys, iv, ct, (size_t)n, (unsigned char *)pt)) {
		wipe_free(pt, (size_t)n + 1);
		pt = NULL;
		goto out;
	}
	pt[n] = '\0';
	if (len)
		*len = (size_t)n;
out:
	explicit_bzero(keys, sizeof(keys));
	free(ct);
	return pt;
}

int crypto_ssss_check_key(const unsigned char *key, const char *iv_b64, const char *mac_b64)
{
	static const unsigned char zeros[32];
	unsigned char iv[16], mac[32], want[32];
	char *ct = NULL, *m = NULL;
	int rc = -1;

	if (crypto_base64_decode(iv_b64, iv, sizeof(iv)) != (long)sizeof(iv) ||
	    crypto_base64_decode(mac_b64, mac, sizeof(mac)) != (long)sizeof(mac)) {
		set_error("malformed iv or mac");
		return -1;
	}
	if (crypto_ssss_encrypt(key, "", iv, zeros, sizeof(zeros), &ct, &m) ||
	    crypto_base64_decode(m, want, sizeof(want)) != (long)sizeof(want))
		goto out;
	rc = CRYPTO_memcmp(mac, want, sizeof(mac)) ? 1 : 0;
out:
	free(ct);
	free(m);
	return rc;
}

int crypto_pbkdf2_sha512(const char *pass, const char *salt, int iterations,
			 unsigned char *out, size_t len)
{
	if (!pass || !salt || iterations < 1 || len > 64) {
		set_error("bad input");
		return -1;
	}
	if (PKCS5_PBKDF2_HMAC(pass, (int)strlen(pass), (const unsigned char *)salt,
			      (int)strlen(salt), iterations, EVP_sha512(), (int)len, out) != 1) {
		set_error("PBKDF2 failed");
		return -1;
	}
	return 0;
}

int crypto_sha256(const void *in, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(in, len, out, &n, EVP_sha256(), NULL) != 1 || n != CRYPTO_SHA256_LEN) {
		set_error("SHA-256 failed");
		return -1;
	}
	return 0;
}

int crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
