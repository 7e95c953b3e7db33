/*
 * store_calendar.h - the calendar links of SPEC §4: which member each
 * link belongs to, kept only as the SHA-256 of its token (the token itself
 * is shown once, in the member's direct room, and never stored).  Knows
 * nothing of tokens' format or of HTTP: calendar.c does.
 */
#ifndef CAUCUS_STORE_CALENDAR_H
#define CAUCUS_STORE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_CALENDAR_HASH_LEN 32

/* Keep hash (STORE_CALENDAR_HASH_LEN bytes) as a link of user_id.  0 or -1. */
int store_calendar_token_add(struct store *st, const char *user_id, const unsigned char *hash,
			     int64_t now_ms);

/* How many links user_id has, or -1. */
int64_t store_calendar_token_count(struct store *st, const char *user_id);

/* Forget every link of user_id (they stop working at once).  The number
 * forgotten, or -1. */
int64_t store_calendar_token_revoke(struct store *st, const char *user_id);

/*
 * The link whose hash is 'hash': 0 found (*user_id a copy the caller
 * frees, stored[] the hash as kept, for the caller's constant-time
 * check), 1 none, -1 error.
 */
int store_calendar_token_find(struct store *st, const unsigned char *hash,
			      unsigned char stored[STORE_CALENDAR_HASH_LEN], char **user_id);

#endif
