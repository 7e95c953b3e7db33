/*
 * ssss.h - the account's secret storage (spec "Secret Storage"): the
 * recovery key, the key description's check, and one secret (a 32-byte
 * signing seed) decrypted.  Each function fills err with a sentence naming
 * the cause when it fails; none logs, and none keeps a secret.
 */
#ifndef CAUCUS_SSSS_H
#define CAUCUS_SSSS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "crypto.h"

/* A recovery key as people are shown it (base58, spaces anywhere): 0 and
 * the 32-byte key, or -1 (not base58, wrong length, prefix or parity). */
int ssss_recovery_key(const char *text, unsigned char key[CRYPTO_SSSS_KEY_LEN], char *err,
		      size_t errlen);
/* 1 when text is meant as a recovery key (base58 of about the right
 * length), even a mistyped one; 0 for anything else (a security phrase). */
int ssss_looks_like_recovery_key(const char *text);
/* The recovery key of a 32-byte key, in groups of four (caller frees). */
char *ssss_recovery_key_text(const unsigned char key[CRYPTO_SSSS_KEY_LEN]);
/* The key of a security phrase (the passphrase form of a recovery key),
 * from the key description's m.pbkdf2 settings: 0, or -1. */
int ssss_phrase_key(const char *phrase, const cJSON *desc, unsigned char key[CRYPTO_SSSS_KEY_LEN],
		    char *err, size_t errlen);
/* 0 when key opens the key description desc (m.secret_storage.key.ID
 * account data) of key_id; -1 for a wrong key or an unknown algorithm. */
int ssss_check_key(const unsigned char key[CRYPTO_SSSS_KEY_LEN], const char *key_id,
		   const cJSON *desc, char *err, size_t errlen);
/* The secret 'name' (account data content) decrypted with key_id's key,
 * as a 32-byte seed: 0, or -1 (missing, wrong MAC, not a seed). */
int ssss_secret_seed(const unsigned char key[CRYPTO_SSSS_KEY_LEN], const char *key_id,
		     const char *name, const cJSON *content, unsigned char seed[CRYPTO_SEED_LEN],
		     char *err, size_t errlen);

#endif
