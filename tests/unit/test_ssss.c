/*
 * test_ssss.c - secret storage (bot/ssss.c and its ciphers in
 * bot/crypto.c) against vectors made by matrix-js-sdk
 * (tests/js/make_ssss_vectors.mjs): the recovery key both ways and its
 * mistakes, the key description's check, a secret decrypted, and what a
 * wrong key, a damaged MAC or a damaged ciphertext give.
 */
#include "testutil.h"

#include <cjson/cJSON.h>

#include "crypto.h"
#include "ssss.h"
#include "ssss_vectors.h"
#include "util.h"

static void hex(const char *h, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

static void test_recovery_key(void **state)
{
	unsigned char key[32], want[32];
	char err[200], *text;

	(void)state;
	hex(SSSS_KEY_BYTES, want, sizeof(want));
	assert_int_equal(ssss_recovery_key(SSSS_RECOVERY_KEY, key, err, sizeof(err)), 0);
	assert_memory_equal(key, want, 32);
	text = ssss_recovery_key_text(key);
	assert_string_equal(text, SSSS_RECOVERY_KEY);
	free(text);
	/* spaces, tabs and a newline anywhere, or none at all */
	{
		char loose[200], *o = loose;
		for (const char *p = SSSS_RECOVERY_KEY; *p; p++)
			if (*p != ' ')
				*o++ = *p;
		*o++ = '\n';
		*o = '\0';
		memset(key, 0, sizeof(key));
		assert_int_equal(ssss_recovery_key(loose, key, err, sizeof(err)), 0);
		assert_memory_equal(key, want, 32);
		assert_int_equal(ssss_recovery_key("\t " SSSS_RECOVERY_KEY " \n", key, err,
						   sizeof(err)), 0);
	}
}

static void test_recovery_key_mistakes(void **state)
{
	unsigned char key[32];
	char err[200], bad[200];

	(void)state;
	/* one character changed: the parity byte or the length says so */
	snprintf(bad, sizeof(bad), "%s", SSSS_RECOVERY_KEY);
	bad[6] = bad[6] == 'a' ? 'b' : 'a';
	assert_int_equal(ssss_recovery_key(bad, key, err, sizeof(err)), -1);
	assert_true(strstr(err, "parity") || strstr(err, "length") || strstr(err, "prefix"));
	/* 0, O, I and l are not base58 */
	snprintf(bad, sizeof(bad), "%s", SSSS_RECOVERY_KEY);
	bad[0] = '0';
	assert_int_equal(ssss_recovery_key(bad, key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not base58"));
	/* cut short, or doubled */
	snprintf(bad, sizeof(bad), "%.20s", SSSS_RECOVERY_KEY);
	assert_int_equal(ssss_recovery_key(bad, key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "length"));
	snprintf(bad, sizeof(bad), "%s%s", SSSS_RECOVERY_KEY, SSSS_RECOVERY_KEY);
	assert_int_equal(ssss_recovery_key(bad, key, err, sizeof(err)), -1);
	assert_int_equal(ssss_recovery_key("", key, err, sizeof(err)), -1);
	assert_int_equal(ssss_recovery_key(NULL, key, err, sizeof(err)), -1);
	/* a mistyped key still looks like one; a phrase does not */
	snprintf(bad, sizeof(bad), "%s", SSSS_RECOVERY_KEY);
	bad[6] = bad[6] == 'a' ? 'b' : 'a';
	assert_true(ssss_looks_like_recovery_key(bad));
	assert_true(ssss_looks_like_recovery_key(SSSS_RECOVERY_KEY));
	assert_false(ssss_looks_like_recovery_key(SSSS_PHRASE));
	/* a security phrase is no recovery key */
	assert_int_equal(ssss_recovery_key("correct horse battery staple", key, err,
					   sizeof(err)), -1);
}

static cJSON *desc(const char *iv, const char *mac)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "algorithm", "m.secret_storage.v1.aes-hmac-sha2");
	if (iv)
		cJSON_AddStringToObject(d, "iv", iv);
	if (mac)
		cJSON_AddStringToObject(d, "mac", mac);
	return d;
}

static void test_key_check(void **state)
{
	unsigned char key[32];
	char err[200];
	cJSON *d = desc(SSSS_CHECK_IV, SSSS_CHECK_MAC), *other;

	(void)state;
	hex(SSSS_KEY_BYTES, key, sizeof(key));
	assert_int_equal(crypto_ssss_check_key(key, SSSS_CHECK_IV, SSSS_CHECK_MAC), 0);
	assert_int_equal(ssss_check_key(key, "KEYID", d, err, sizeof(err)), 0);
	key[31] ^= 1;
	assert_int_equal(crypto_ssss_check_key(key, SSSS_CHECK_IV, SSSS_CHECK_MAC), 1);
	assert_int_equal(ssss_check_key(key, "KEYID", d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not the key"));
	key[31] ^= 1;
	/* another algorithm, or a mac that is not base64 */
	other = cJSON_CreateObject();
	cJSON_AddStringToObject(other, "algorithm", "m.secret_storage.v2.something");
	assert_int_equal(ssss_check_key(key, "KEYID", other, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "algorithm"));
	cJSON_Delete(other);
	other = desc(SSSS_CHECK_IV, "not*base64");
	assert_int_equal(ssss_check_key(key, "KEYID", other, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	cJSON_Delete(other);
	cJSON_Delete(d);
}

static cJSON *secret(const char *iv, const char *ct, const char *mac)
{
	cJSON *c = cJSON_CreateObject();
	cJSON *k = cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "encrypted"), "KEYID");

	cJSON_AddStringToObject(k, "iv", iv);
	cJSON_AddStringToObject(k, "ciphertext", ct);
	cJSON_AddStringToObject(k, "mac", mac);
	return c;
}

static void test_secret(void **state)
{
	const char *name = "m.cross_signing.self_signing";
	unsigned char key[32], seed[32], want[32], iv[16];
	char err[200], ct[200];
	cJSON *c = secret(SSSS_SECRET_IV, SSSS_SECRET_CT, SSSS_SECRET_MAC);

	(void)state;
	hex(SSSS_KEY_BYTES, key, sizeof(key));
	hex(SSSS_SEED_HEX, want, sizeof(want));
	assert_int_equal(ssss_secret_seed(key, "KEYID", name, c, seed, err, sizeof(err)), 0);
	assert_memory_equal(seed, want, 32);
	/* under another key ID, or another name (the HKDF info): nothing */
	assert_int_equal(ssss_secret_seed(key, "OTHER", name, c, seed, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no m.cross_signing.self_signing"));
	assert_int_equal(ssss_secret_seed(key, "KEYID", "m.cross_signing.master", c, seed, err,
					  sizeof(err)), -1);
	assert_non_null(strstr(err, "MAC does not match"));
	/* a wrong key */
	key[0] ^= 0x80;
	assert_int_equal(ssss_secret_seed(key, "KEYID", name, c, seed, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MAC does not match"));
	key[0] ^= 0x80;
	cJSON_Delete(c);
	/* a damaged ciphertext */
	snprintf(ct, sizeof(ct), "%s", SSSS_SECRET_CT);
	ct[3] = ct[3] == 'A' ? 'B' : 'A';
	c = secret(SSSS_SECRET_IV, ct, SSSS_SECRET_MAC);
	assert_int_equal(ssss_secret_seed(key, "KEYID", name, c, seed, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MAC does not match"));
	cJSON_Delete(c);
	/* our own encryption gives js-sdk's ciphertext and MAC (unpadded) */
	{
		char *b64 = crypto_base64_encode(want, 32), *mct, *mmac;
		assert_int_equal(crypto_base64_decode(SSSS_SECRET_IV, iv, sizeof(iv)), 16);
		assert_int_equal(crypto_ssss_encrypt(key, name, iv, b64, strlen(b64), &mct,
						     &mmac), 0);
		assert_int_equal(strncmp(mct, SSSS_SECRET_CT, strlen(mct)), 0);
		assert_int_equal(strncmp(mmac, SSSS_SECRET_MAC, strlen(mmac)), 0);
		free(b64);
		free(mct);
		free(mmac);
	}
}

static void test_phrase(void **state)
{
	unsigned char key[32], want[32];
	char err[200];
	cJSON *d = desc(NULL, NULL), *pp = cJSON_AddObjectToObject(d, "passphrase");

	(void)state;
	hex(SSSS_PHRASE_KEY_HEX, want, sizeof(want));
	/* no passphrase settings: a clear error */
	{
		cJSON *none = desc(NULL, NULL);
		assert_int_equal(ssss_phrase_key(SSSS_PHRASE, none, key, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "no security phrase"));
		cJSON_Delete(none);
	}
	cJSON_AddStringToObject(pp, "algorithm", "m.pbkdf2");
	cJSON_AddStringToObject(pp, "salt", SSSS_PHRASE_SALT);
	cJSON_AddNumberToObject(pp, "iterations", SSSS_PHRASE_ITERATIONS);
	assert_int_equal(ssss_phrase_key(SSSS_PHRASE, d, key, err, sizeof(err)), 0);
	assert_memory_equal(key, want, 32);
	assert_int_equal(ssss_phrase_key("correct horse battery stapler", d, key, err,
					 sizeof(err)), 0);
	assert_memory_not_equal(key, want, 32);
	/* absurd settings are refused before any work */
	cJSON_ReplaceItemInObjectCaseSensitive(pp, "iterations", cJSON_CreateNumber(1e12));
	assert_int_equal(ssss_phrase_key(SSSS_PHRASE, d, key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "settings"));
	cJSON_Delete(d);
}

static void test_base64(void **state)
{
	unsigned char out[8];

	(void)state;
	assert_int_equal(crypto_base64_decode("AAECAw", out, sizeof(out)), 4);
	assert_int_equal(crypto_base64_decode("AAECAw==", out, sizeof(out)), 4);
	assert_memory_equal(out, "\0\1\2\3", 4);
	assert_int_equal(crypto_base64_decode("AAE*Aw", out, sizeof(out)), -1);
	assert_int_equal(crypto_base64_decode("A", out, sizeof(out)), -1);
	assert_int_equal(crypto_base64_decode("AAAAAAAAAAAAAAAA", out, sizeof(out)), -1);
	assert_int_equal(crypto_base64_decode(NULL, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recovery_key),
		cmocka_unit_test(test_recovery_key_mistakes),
		cmocka_unit_test(test_key_check),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
