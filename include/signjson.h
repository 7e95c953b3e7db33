/*
 * signjson.h - Matrix canonical JSON and signed JSON (spec appendices
 * "Canonical JSON", "Signing JSON"): what device keys, one-time keys and
 * cross-signing keys are signed over.  cJSON prints neither sorted keys
 * nor canonical numbers, so the printer is our own.  Signing and checking
 * go through crypto.h.
 */
#ifndef CAUCUS_SIGNJSON_H
#define CAUCUS_SIGNJSON_H

#include <stddef.h>

#include "util.h"

struct cJSON;
struct crypto_account;
struct crypto_signer;

/*
 * Append the canonical form of v to out: no whitespace, object keys in
 * code point order, strings as raw UTF-8 with only " \ and control
 * characters escaped, numbers only as integers within +-(2^53 - 1).
 * -1 (out's content then unspecified) for a fraction, an exponent beyond
 * integers, an out-of-range number, invalid UTF-8, a key twice in one
 * object, nesting deeper than 64, or a cap reached.  (cJSON's parser cuts
 * a string at an escaped U+0000, so the printer never sees one: a caller
 * that must refuse it looks at the raw text.)
 */
int signjson_canonical(const struct cJSON *v, struct buf *out);

/* The canonical form of obj without its top-level "signatures" and
 * "unsigned" - the bytes a signature covers.  NULL when obj is not an
 * object or not canonicalisable; caller frees; *len may be NULL. */
char *signjson_signable(const struct cJSON *obj, size_t *len);

/* Sign obj in place: add signatures[user_id]["ed25519:" key_id], by the
 * device account or by a cross-signing key.  0 or -1 (obj unchanged). */
int signjson_sign_account(struct cJSON *obj, const char *user_id, const char *key_id,
			  struct crypto_account *a);
int signjson_sign_signer(struct cJSON *obj, const char *user_id, const char *key_id,
			 struct crypto_signer *s);

/* 0 when obj carries signatures[user_id]["ed25519:" key_id] and it is a
 * valid signature by ed25519_key; -1 otherwise (missing, malformed,
 * wrong). */
int signjson_verify(const struct cJSON *obj, const char *user_id, const char *key_id,
		    const char *ed25519_key);

#endif
