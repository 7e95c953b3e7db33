/*
 * crypto.h - the bot's end-to-end encryption primitives over libolm 3.2:
 * the Olm account (device identity and one-time keys), Olm sessions
 * (one per peer device, for to-device messages), Megolm sessions (room
 * messages, inbound and outbound), ed25519 signing keys for cross-signing
 * and signature checks.  crypto.c is the one file that includes
 * <olm/olm.h>: everything about libolm's buffers (size companions, inputs
 * it destroys, outputs without a NUL, padded base64 it refuses) stays
 * there, so another library could replace it behind this header.
 *
 * Conventions: objects are opaque and freed with their _free() (NULL is a
 * no-op; the memory is wiped).  Strings returned are NUL-terminated,
 * malloc'd and the caller's to free (free_secret() for secrets).  Keys,
 * signatures and ciphertexts are unpadded base64 text; padded input is
 * accepted.  Functions that fail return NULL or -1 and leave a reason in
 * crypto_error() (libolm's name for it, e.g. "BAD_MESSAGE_MAC").  Pickles
 * are encrypted with the pickle key given (any length, from the key file).
 */
#ifndef CAUCUS_CRYPTO_H
#define CAUCUS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_LEN 43       /* unpadded base64 of a 32-byte key */

struct crypto_pickle_key {
	const void *key;
	size_t len;
};

/* Why the last call failed (static string, valid until the next call). */
const char *crypto_error(void);

/* n random bytes from the kernel into buf; 0 or -1. */
int crypto_random(void *buf, size_t n);

/* --- the Olm account: one per device --- */
struct crypto_account;

struct crypto_account *crypto_account_new(void);
struct crypto_account *crypto_account_load(const char *pickle,
					   const struct crypto_pickle_key *k);
char *crypto_account_pickle(struct crypto_account *a, const struct crypto_pickle_key *k);
void crypto_account_free(struct crypto_account *a);
/* The identity keys into curve/ed (each CRYPTO_KEY_LEN + 1 bytes). */
int crypto_account_identity(struct crypto_account *a, char *curve, char *ed);
/* ed25519 signature of msg[0..len) by the device key. */
char *crypto_account_sign(struct crypto_account *a, const void *msg, size_t len);
/* The most one-time keys the account holds (100 in libolm). */
size_t crypto_account_max_otks(struct crypto_account *a);
/* Make n more one-time keys (unpublished until marked).  -1 for n above
 * crypto_account_max_otks(): libolm would silently drop the oldest. */
int crypto_account_generate_otks(struct crypto_account *a, size_t n);
/* Unpublished one-time keys as JSON: {"curve25519":{"AAAAAQ":"<key>",...}}. */
char *crypto_account_otks(struct crypto_account *a);
/* A new fallback key (the previous one is kept until forgotten). */
int crypto_account_generate_fallback(struct crypto_account *a);
/* The unpublished fallback key as JSON: {"curve25519":{"AAAAMw":"<key>"}}
 * or {"curve25519":{}}. */
char *crypto_account_fallback(struct crypto_account *a);
/* Mark every one-time and fallback key published. */
void crypto_account_mark_published(struct crypto_account *a);
/* Forget the fallback key before the current one. */
void crypto_account_forget_old_fallback(struct crypto_account *a);

/* --- Olm sessions: one per peer device --- */
struct crypto_session;

/* A session to a device from its curve25519 identity key and a claimed
 * one-time (or fallback) key. */
struct crypto_session *crypto_session_outbound(struct crypto_account *a,
					       const char *their_curve, const char *their_otk);
/* A session from a pre-key message (type 0) body sent by their_curve.
 * The one-time key it used is NOT removed: call
 * crypto_account_remove_otks() once a message decrypted. */
struct crypto_session *crypto_session_inbound(struct crypto_account *a,
					      const char *their_curve, const char *body);
int crypto_account_remove_otks(struct crypto_account *a, struct crypto_session *s);
/* 1 when the pre-key message body from their_curve belongs to s, 0 when
 * not, -1 on error. */
int crypto_session_matches(struct crypto_session *s, const char *their_curve,
			   const char *body);
/* Decrypt a message of type 0 or 1; *len (may be NULL) gets its length.
 * The plaintext is NUL-terminated; caller frees with free_secret(). */
char *crypto_session_decrypt(struct crypto_session *s, int type, const char *body,
			     size_t *len);
/* Encrypt plaintext[0..len); *type gets the message type (0 or 1). */
char *crypto_session_encrypt(struct crypto_session *s, const void *plaintext, size_t len,
			     int *type);
char *crypto_session_id(struct crypto_session *s);
char *crypto_session_pickle(struct crypto_session *s, const struct crypto_pickle_key *k);
struct crypto_session *crypto_session_load(const char *pickle,
					   const struct crypto_pickle_key *k);
void crypto_session_free(struct crypto_session *s);

/* --- Megolm, receiving side --- */
struct crypto_inbound;

/* From an m.room_key's session_key (the signed sharing format). */
struct crypto_inbound *crypto_inbound_new(const char *session_key);
/* From an m.forwarded_room_key's session_key (the export format). */
struct crypto_inbound *crypto_inbound_import(const char *exported);
char *crypto_inbound_id(struct crypto_inbound *g);
uint32_t crypto_inbound_first_index(struct crypto_inbound *g);
/*
 * Decrypt a Megolm ciphertext; *index gets the message index.  On failure
 * NULL, and *unknown_index (may be NULL) is 1 when the session only knows
 * later messages.  Plaintext NUL-terminated; caller frees (free_secret).
 */
char *crypto_inbound_decrypt(struct crypto_inbound *g, const char *ciphertext, size_t *len,
			     uint32_t *index, int *unknown_index);
char *crypto_inbound_pickle(struct crypto_inbound *g, const struct crypto_pickle_key *k);
struct crypto_inbound *crypto_inbound_load(const char *pickle,
					   const struct crypto_pickle_key *k);
void crypto_inbound_free(struct crypto_inbound *g);

/* --- Megolm, sending side --- */
struct crypto_outbound;

struct crypto_outbound *crypto_outbound_new(void);
char *crypto_outbound_id(struct crypto_outbound *o);
/* The session key at the current index, for m.room_key (a secret). */
char *crypto_outbound_key(struct crypto_outbound *o);
uint32_t crypto_outbound_index(struct crypto_outbound *o);
char *crypto_outbound_encrypt(struct crypto_outbound *o, const void *plaintext, size_t len);
char *crypto_outbound_pickle(struct crypto_outbound *o, const struct crypto_pickle_key *k);
struct crypto_outbound *crypto_outbound_load(const char *pickle,
					     const struct crypto_pickle_key *k);
void crypto_outbound_free(struct crypto_outbound *o);

/* --- ed25519 signing keys (cross-signing) --- */
struct crypto_signer;

#define CRYPTO_SEED_LEN 32

/* A signing key from a 32-byte seed; its public key (CRYPTO_KEY_LEN + 1
 * bytes) into pub. */
struct crypto_signer *crypto_signer_new(const unsigned char *seed, char *pub);
char *crypto_signer_sign(struct crypto_signer *s, const void *msg, size_t len);
void crypto_signer_free(struct crypto_signer *s);

/* A 32-byte secret (a signing seed) encrypted with the pickle key as text,
 * and back.  0 or -1 (wrong key, corrupt text).  Like every libolm pickle
 * it has no random IV: a secret sealed twice under one key gives the same
 * text. */
char *crypto_seal(const unsigned char *secret, const struct crypto_pickle_key *k);
int crypto_unseal(const char *sealed, const struct crypto_pickle_key *k,
		  unsigned char *secret);

/* 0 when sig is key's ed25519 signature of msg[0..len), -1 otherwise. */
int crypto_verify(const char *key, const void *msg, size_t len, const char *sig);

/* --- base64 (standard alphabet; padding optional on input, none out) --- */

/* Decode in into out (at most max bytes): the length, or -1. */
long crypto_base64_decode(const char *in, unsigned char *out, size_t max);
char *crypto_base64_encode(const unsigned char *in, size_t len);

/*
 * --- secret storage (spec "Secret Storage", m.secret_storage.v1.aes-hmac-
 * sha2): HKDF-SHA-256 of the 32-byte key with the secret's name, AES-256-
 * CTR, HMAC-SHA-256 of the ciphertext.  iv, ciphertext and mac in base64.
 */
#define CRYPTO_SSSS_KEY_LEN 32
/* Encrypt plaintext[0..len) under name with the 16-byte iv given; *ct_b64
 * and *mac_b64 are the caller's to free.  0 or -1. */
int crypto_ssss_encrypt(const unsigned char *key, const char *name, const unsigned char *iv,
			const void *plaintext, size_t len, char **ct_b64, char **mac_b64);
/* The plaintext (NUL-terminated, *len its length; caller frees with
 * free_secret), or NULL: crypto_error() is "BAD_MAC" when the MAC does
 * not match (a wrong key, or a damaged secret). */
char *crypto_ssss_decrypt(const unsigned char *key, const char *name, const char *iv_b64,
			  const char *ct_b64, const char *mac_b64, size_t *len);
/* A key description's check: 0 when iv and mac are what key gives for 32
 * zero bytes under the empty name, 1 when not (a wrong key), -1 when
 * malformed. */
int crypto_ssss_check_key(const unsigned char *key, const char *iv_b64, const char *mac_b64);
/* PBKDF2-HMAC-SHA-512 of pass with salt (both text) into out[0..len),
 * len at most 64 (a security phrase's key, m.pbkdf2).  0 or -1. */
int crypto_pbkdf2_sha512(const char *pass, const char *salt, int iterations,
			 unsigned char *out, size_t len);

/* --- digests and comparisons for the bot's own secrets (calendar links) --- */
#define CRYPTO_SHA256_LEN 32
/* SHA-256 of in[0..len) into out.  0 or -1. */
int crypto_sha256(const void *in, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);
/* 1 when a[0..n) and b[0..n) are equal, else 0, in a time that depends
 * on n only (never on where they differ). */
int crypto_equal(const void *a, const void *b, size_t n);

#endif
