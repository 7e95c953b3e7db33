/*
 * calendar.h - each member's calendar feed (SPEC §2 !calendar, §4 calendar
 * links, §7 GET /calendar/<token>.ics).  A link carries a token of 128
 * random bits from the kernel, written as 22 characters of unpadded
 * base64url; the store keeps only its SHA-256, and a presented token is
 * checked against the kept hash in constant time.  A member may hold up
 * to CALENDAR_MAX_LINKS live links at once (each !calendar makes one more,
 * as the plain token cannot be shown again); a reset kills them all.
 * Knows nothing of Matrix; speaks HTTP only through struct http_reply.
 */
#ifndef CAUCUS_CALENDAR_H
#define CAUCUS_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

struct config;
struct store;
struct http_reply;

#define CALENDAR_TOKEN_BYTES 16         /* 128 bits */
#define CALENDAR_TOKEN_LEN 22           /* their unpadded base64url */
#define CALENDAR_MAX_LINKS 10           /* live links per member */
#define CALENDAR_KEEP_S (7 * 86400)     /* past and cancelled sessions stay this long */

/* A fresh token (NUL-terminated) and its hash.  0, or -1 when the kernel
 * gave no randomness. */
int calendar_token_new(char token[CALENDAR_TOKEN_LEN + 1],
		       unsigned char hash[CRYPTO_SHA256_LEN]);

/* The hash of token[0..len) when it has a token's shape (22 base64url
 * characters), else -1. */
int calendar_token_hash(const char *token, size_t len, unsigned char hash[CRYPTO_SHA256_LEN]);

/* The owner of token[0..len): 0 (*user_id a copy the caller frees), 1 no
 * such link (or not a token at all), -1 store error. */
int calendar_token_owner(struct store *st, const char *token, size_t len, char **user_id);

/*
 * A new link for user_id, under public_url (no trailing slash needed):
 * "<public_url>/calendar/<token>.ics" into *link (caller frees).  With
 * reset, the member's other links are killed first (*revoked: how many;
 * may be NULL).  0, 1 when the member already has CALENDAR_MAX_LINKS
 * links (nothing made), -1 error.  Runs inside the caller's transaction.
 */
int calendar_link_new(struct store *st, const char *public_url, const char *user_id,
		      int reset, int64_t now_ms, char **link, int64_t *revoked);

/*
 * Answer GET /calendar/<token>.ics (path as requested; if_none_match the
 * request's header or NULL): the owner's sessions as text/calendar, with
 * an ETag of the body, 304 when if_none_match names it, 404 with no
 * detail for anything else (bad path, unknown token, an owner no longer
 * in access.allowed_users, whose links are then killed).  rep's etag
 * points into a buffer of this module, valid until the next call.
 */
void calendar_serve(struct store *st, const struct config *cfg, const char *path,
		    const char *if_none_match, int64_t now_ms, struct http_reply *rep);

#endif
