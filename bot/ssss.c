/*
 * ssss.c - reading an account's secret storage (spec "Secret Storage",
 * "Key representation"): the recovery key people are shown (base58 with a
 * two-byte prefix and a parity byte), the check of a key description, and
 * one secret decrypted.  Used when the bot account's cross-signing
 * identity was made by another client (Element at first login): the
 * self-signing key comes out of secret storage to sign the bot's device.
 * The ciphers are in crypto.c; this file only reads formats.  Every
 * secret buffer is wiped before it is released.
 */
#include "ssss.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "util.h"

#define RK_LEN (2 + CRYPTO_SSSS_KEY_LEN + 1)    /* prefix, key, parity */
#define RK_TEXT_MAX 200                          /* with spaces; base58 of 35 bytes is 48 */

static int fail(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Bitcoin's base58 of text (whitespace ignored) into out[0..RK_LEN):
 * 0, or -1 (a character outside the alphabet, or not RK_LEN bytes). */
static int base58_decode(const char *text, unsigned char out[RK_LEN], char *err,
			 size_t errlen)
{
	static const char abc[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char buf[RK_LEN + 8] = { 0 };  /* big-endian, buf[sizeof-1] lowest */
	size_t zeros = 0, digits = 0, used = 0;
	int rc = -1;

	for (const char *p = text; *p; p++) {
		const char *d;
		unsigned carry;

		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			continue;
		d = strchr(abc, *p);
		if (!d || !*p) {
			fail(err, errlen, "the recovery key has a character that is not base58 "
			     "(position %zu)", (size_t)(p - text) + 1);
			goto out;
		}
		if (d == abc && !used && digits == zeros)
			zeros++;
		digits++;
		carry = (unsigned)(d - abc);
		for (size_t i = sizeof(buf); i-- > 0;) {
			carry += 58u * buf[i];
			buf[i] = (unsigned char)(carry & 0xff);
			carry >>= 8;
		}
		if (carry) {
			fail(err, errlen, "the recovery key is too long");
			goto out;
		}
		for (used = 0; used < sizeof(buf) && !buf[used]; used++)
			;
		used = sizeof(buf) - used;
	}
	if (zeros + used != RK_LEN) {
		fail(err, errlen, "the recovery key has the wrong length (%zu bytes, not %d)",
		     zeros + used, RK_LEN);
		goto out;
	}
	memset(out, 0, zeros);
	memcpy(out + zeros, buf + sizeof(buf) - used, used);
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int ssss_recovery_key(const char *text, unsigned char key[CRYPTO_SSSS_KEY_LEN], char *err,
		      size_t errlen)
{
	unsigned char raw[RK_LEN], parity = 0;
	int rc = -1;

	if (!text || strlen(text) > RK_TEXT_MAX)
		return fail(err, errlen, "the recovery key is missing or too long");
	if (base58_decode(text, raw, err, errlen))
		goto out;
	if (raw[0] != 0x8b || raw[1] != 0x01) {
		fail(err, errlen, "this is not a recovery key (wrong prefix): a security "
		     "phrase or another kind of key?");
		goto out;
	}
	for (size_t i = 0; i < RK_LEN; i++)
		parity ^= raw[i];
	if (parity) {
		fail(err, errlen, "the recovery key's parity check fails (a mistyped "
		     "character?)");
		goto out;
	}
	memcpy(key, raw + 2, CRYPTO_SSSS_KEY_LEN);
	rc = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

int ssss_looks_like_recovery_key(const char *text)
{
	static const char abc[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	size_t n = 0;

	for (const char *p = text; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (!strchr(abc, *p))
			return 0;
		n++;
	}
	return n >= 44 && n <= 52;      /* 35 bytes are 48 digits */
}

char *ssss_recovery_key_text(const unsigned char key[CRYPTO_SSSS_KEY_LEN])
{
	static const char abc[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char raw[RK_LEN], digits[64] = { 0 };
	size_t nd = 0, zeros = 0, o = 0;
	char *out = xmalloc(100);

	raw[0] = 0x8b;
	raw[1] = 0x01;
	memcpy(raw + 2, key, CRYPTO_SSSS_KEY_LEN);
	raw[RK_LEN - 1] = 0;
	for (size_t i = 0; i < RK_LEN - 1; i++)
		raw[RK_LEN - 1] ^= raw[i];
	while (zeros < RK_LEN && !raw[zeros])
		zeros++;
	for (size_t i = zeros; i < RK_LEN; i++) {      /* digits little-endian */
		unsigned carry = raw[i];
		for (size_t j = 0; j < nd; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (unsigned char)(carry % 58);
			carry /= 58;
		}
		while (carry) {
			digits[nd++] = (unsigned char)(carry % 58);
			carry /= 58;
		}
	}
	for (size_t i = 0, n = 0; i < zeros + nd; i++, n++) {
		if (n && n % 4 == 0)
			out[o++] = ' ';
		out[o++] = i < zeros ? '1' : abc[digits[nd - 1 - (i - zeros)]];
	}
	out[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(digits, sizeof(digits));
	return out;
}

#define PHRASE_ITERATIONS_MAX 10000000        /* 10 M: some seconds, not hours */

static const cJSON *get(const cJSON *o, const char *k);
static const char *str(const cJSON *o, const char *k);

int ssss_phrase_key(const char *phrase, const cJSON *desc, unsigned char key[CRYPTO_SSSS_KEY_LEN],
		    char *err, size_t errlen)
{
	const cJSON *pp = get(desc, "passphrase"), *it = get(pp, "iterations");
	const char *algo = str(pp, "algorithm"), *salt = str(pp, "salt");
	const cJSON *bits = get(pp, "bits");

	if (!cJSON_IsObject(pp))
		return fail(err, errlen, "the file holds no recovery key, and the account's "
			    "secret storage key has no security phrase");
	if (!algo || strcmp(algo, "m.pbkdf2") || !salt || !cJSON_IsNumber(it) ||
	    it->valuedouble < 1 || it->valuedouble > PHRASE_ITERATIONS_MAX ||
	    (bits && (!cJSON_IsNumber(bits) || bits->valuedouble != 256)))
		return fail(err, errlen, "the account's security phrase uses settings caucus "
			    "does not read (%.40s)", algo ? algo : "no algorithm");
	if (crypto_pbkdf2_sha512(phrase, salt, (int)it->valuedouble, key, CRYPTO_SSSS_KEY_LEN))
		return fail(err, errlen, "cannot derive the key of the security phrase: %s",
			    crypto_error());
	return 0;
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ssss_check_key(const unsigned char key[CRYPTO_SSSS_KEY_LEN], const char *key_id,
		   const cJSON *desc, char *err, size_t errlen)
{
	const char *algo = str(desc, "algorithm");
	int r;

	if (!algo || strcmp(algo, "m.secret_storage.v1.aes-hmac-sha2"))
		return fail(err, errlen, "the account's secret storage key %.60s uses algorithm "
			    "%.60s, which caucus does not read", key_id, algo ? algo : "(none)");
	if (!str(desc, "iv") || !str(desc, "mac"))
		return 0;       /* old key descriptions have no check: the MACs will tell */
	r = crypto_ssss_check_key(key, str(desc, "iv"), str(desc, "mac"));
	if (r > 0)
		return fail(err, errlen, "the recovery key is not the key of the account's "
			    "secret storage (key %.60s): wrong recovery key, or storage was "
			    "reset since", key_id);
	if (r < 0)
		return fail(err, errlen, "the account's secret storage key %.60s is damaged "
			    "(%s)", key_id, crypto_error());
	return 0;
}

int ssss_secret_seed(const unsigned char key[CRYPTO_SSSS_KEY_LEN], const char *key_id,
		     const char *name, const cJSON *content, unsigned char seed[CRYPTO_SEED_LEN],
		     char *err, size_t errlen)
{
	const cJSON *enc = get(get(content, "encrypted"), key_id);
	char *pt;
	size_t len = 0;
	long n;
	int rc = -1;

	if (!cJSON_IsObject(enc))
		return fail(err, errlen, "the account's secret storage has no %s encrypted with "
			    "key %.60s", name, key_id);
	pt = crypto_ssss_decrypt(key, name, str(enc, "iv"), str(enc, "ciphertext"),
				 str(enc, "mac"), &len);
	if (!pt)
		return fail(err, errlen, "cannot decrypt %s from secret storage: %s", name,
			    !strcmp(crypto_error(), "BAD_MAC") ? "its MAC does not match (wrong "
			    "recovery key, or a damaged secret)" : crypto_error());
	/* the secret is the unpadded base64 of the 32-byte seed */
	n = crypto_base64_decode(pt, seed, CRYPTO_SEED_LEN);
	if (n != CRYPTO_SEED_LEN)
		fail(err, errlen, "%s in secret storage is not a 32-byte key", name);
	else
		rc = 0;
	if (rc)
		explicit_bzero(seed, CRYPTO_SEED_LEN);
	explicit_bzero(pt, len);
	free(pt);
	return rc;
}
