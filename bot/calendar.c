/*
 * calendar.c - calendar links and the feed behind them (see calendar.h).
 * A token is never kept: it is made here, hashed, handed to the caller to
 * show once, and forgotten (wiped).  Serving a feed reads the owner's
 * sessions (store_session_of_member: attending, or of an issue they
 * cover, which is what !my and !sessions show them in chat) and has
 * ical.c write them; the ETag is a digest of that text, so it changes
 * exactly when the feed does.  DTSTAMP is the latest change of the
 * sessions shown, not the time of the request, for the same reason.
 */
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "ical.h"
#include "log.h"
#include "store.h"
#include "store_calendar.h"
#include "store_session.h"
#include "util.h"

#define PATH_PREFIX "/calendar/"
#define PATH_SUFFIX ".ics"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64url of in[0..n) into out (4 * n / 3 rounded up, + NUL). */
static void encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t k = n - i < 3 ? n - i : 3;
		if (k > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (k > 2)
			v |= in[i + 2];
		for (size_t j = 0; j < k + 1; j++)
			out[o++] = b64url[(v >> (18 - 6 * j)) & 63];
	}
	out[o] = '\0';
}

int calendar_token_new(char token[CALENDAR_TOKEN_LEN + 1], unsigned char hash[CRYPTO_SHA256_LEN])
{
	unsigned char raw[CALENDAR_TOKEN_BYTES];
	int rc = -1;

	if (crypto_random(raw, sizeof(raw))) {
		log_error("calendar: no randomness for a link: %s", crypto_error());
		goto out;
	}
	encode(raw, sizeof(raw), token);
	rc = crypto_sha256(token, CALENDAR_TOKEN_LEN, hash);
out:
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

int calendar_token_hash(const char *token, size_t len, unsigned char hash[CRYPTO_SHA256_LEN])
{
	if (!token || len != CALENDAR_TOKEN_LEN)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!token[i] || !strchr(b64url, token[i]))
			return -1;
	return crypto_sha256(token, len, hash);
}

int calendar_token_owner(struct store *st, const char *token, size_t len, char **user_id)
{
	unsigned char hash[CRYPTO_SHA256_LEN], kept[STORE_CALENDAR_HASH_LEN];
	int rc;

	*user_id = NULL;
	if (calendar_token_hash(token, len, hash))
		return 1;
	/* the lookup is by the hash, whose timing says nothing of the token;
	 * the kept hash is then checked in constant time all the same */
	rc = store_calendar_token_find(st, hash, kept, user_id);
	if (rc == 0 && !crypto_equal(hash, kept, sizeof(kept))) {
		free(*user_id);
		*user_id = NULL;
		rc = 1;
	}
	return rc;
}

int calendar_link_new(struct store *st, const char *public_url, const char *user_id,
		      int reset, int64_t now_ms, char **link, int64_t *revoked)
{
	char token[CALENDAR_TOKEN_LEN + 1];
	unsigned char hash[CRYPTO_SHA256_LEN];
	size_t base = strlen(public_url);
	int64_t n = 0;
	int rc = -1;

	*link = NULL;
	if (revoked)
		*revoked = 0;
	if (reset && (n = store_calendar_token_revoke(st, user_id)) < 0)
		goto out;
	if (revoked)
		*revoked = n;
	n = store_calendar_token_count(st, user_id);
	if (n < 0)
		goto out;
	if (n >= CALENDAR_MAX_LINKS) {
		rc = 1;
		goto out;
	}
	if (calendar_token_new(token, hash) ||
	    store_calendar_token_add(st, user_id, hash, now_ms))
		goto out;
	while (base && public_url[base - 1] == '/')
		base--;
	*link = xasprintf("%.*s" PATH_PREFIX "%s" PATH_SUFFIX, (int)base, public_url, token);
	rc = 0;
out:
	explicit_bzero(token, sizeof(token));
	return rc;
}

/* 1 when an If-None-Match value names etag (weak comparison, RFC 9110
 * 13.1.2: a W/ prefix is ignored), or is "*". */
static int etag_matches(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm;

	while (p && *p) {
		const char *end;
		p += strspn(p, " \t,");
		if (*p == '*')
			return 1;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (*p != '"')
			return 0;       /* not a list of entity tags */
		end = strchr(p + 1, '"');
		if (!end)
			return 0;
		if ((size_t)(end + 1 - p) == elen && !memcmp(p, etag, elen))
			return 1;
		p = end + 1;
	}
	return 0;
}

static void not_found(struct http_reply *rep)
{
	rep->status = 404;
	rep->content_type = "text/plain; charset=utf-8";
	rep->etag = NULL;
	buf_reset(&rep->body);
	buf_puts(&rep->body, "not found\n");
}

/* The owner is no longer allowed: their links die with this request. */
static void revoke_for_good(struct store *st, const char *user_id)
{
	int64_t n = -1;

	if (store_begin(st) == 0) {
		n = store_calendar_token_revoke(st, user_id);
		if (n < 0 || store_commit(st)) {
			store_rollback(st);
			n = -1;
		}
	}
	if (n < 0)
		log_warn("calendar: could not kill the links of %s (no longer allowed); "
			 "they stay refused", user_id);
	else
		log_info("calendar: %s is no longer allowed: %lld link%s killed", user_id,
			 (long long)n, n == 1 ? "" : "s");
}

void calendar_serve(struct store *st, const struct config *cfg, const char *path,
		    const char *if_none_match, int64_t now_ms, struct http_reply *rep)
{
	static char etag[2 + 2 * 16 + 1];
	struct session_list l = { 0 };
	unsigned char digest[CRYPTO_SHA256_LEN];
	const char *server = strchr(cfg->user_id, ':');
	struct ical_out o = { .server = server ? server + 1 : cfg->user_id,
			      .timezone = cfg->timezone, .alarms_s = cfg->remind_before,
			      .n_alarms = cfg->n_remind_before };
	size_t plen = path ? strlen(path) : 0, pre = strlen(PATH_PREFIX),
	       suf = strlen(PATH_SUFFIX);
	char *user = NULL, err[200];
	int64_t now_s = now_ms / 1000;

	if (plen != pre + CALENDAR_TOKEN_LEN + suf || strncmp(path, PATH_PREFIX, pre) ||
	    strcmp(path + plen - suf, PATH_SUFFIX) ||
	    calendar_token_owner(st, path + pre, CALENDAR_TOKEN_LEN, &user)) {
		not_found(rep);
		goto out;
	}
	if (!config_user_allowed(cfg, user)) {
		revoke_for_good(st, user);
		not_found(rep);
		goto out;
	}
	if (store_session_of_member(st, user, now_s - CALENDAR_KEEP_S,
				    now_ms - (int64_t)CALENDAR_KEEP_S * 1000, &l)) {
		rep->status = 503;
		buf_puts(&rep->body, "the calendar cannot be read right now\n");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		int64_t t = (l.v[i].updated_ms > l.v[i].created_ms ? l.v[i].updated_ms
								    : l.v[i].created_ms) / 1000;
		if (t > o.now_s)
			o.now_s = t;
	}
	if (ical_render(l.v, l.n, &o, &rep->body, err, sizeof(err))) {
		log_error("calendar: the feed of %s: %s", user, err);
		buf_reset(&rep->body);
		rep->status = 500;
		buf_puts(&rep->body, "the calendar could not be written\n");
		goto out;
	}
	if (crypto_sha256(rep->body.data, rep->body.len, digest)) {
		rep->status = 500;
		buf_reset(&rep->body);
		goto out;
	}
	etag[0] = '"';
	for (size_t i = 0; i < 16; i++)
		snprintf(etag + 1 + 2 * i, 3, "%02x", digest[i]);
	etag[33] = '"';
	etag[34] = '\0';
	rep->etag = etag;
	rep->content_type = "text/calendar; charset=utf-8";
	if (if_none_match && etag_matches(if_none_match, etag)) {
		rep->status = 304;
		buf_reset(&rep->body);
	}
out:
	store_session_list_release(&l);
	free(user);
}
