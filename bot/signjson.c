/*
 * signjson.c - Matrix canonical JSON and signed JSON (spec v1.12
 * appendices "Canonical JSON", "Signing Details", "Checking for a
 * Signature").  cJSON prints keys in arrival order and numbers like
 * 9.00719925474099e+15, so the printer is our own.  Received objects are
 * canonicalised as they are, unknown fields included, never rebuilt from
 * the fields we know.  Every look-up is case-sensitive: user IDs, device
 * IDs and key IDs differ by case alone.  Keys come from crypto.h.
 */
#include "signjson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "crypto.h"

/* Deeper JSON is refused rather than recursed into. */
#define MAX_DEPTH 64

/* 2^53 - 1: the largest integer every JSON implementation keeps exactly. */
#define MAX_SAFE_INT 9007199254740991.0

static int canonical(const cJSON *v, struct buf *out, int depth, int signable);

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)      /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string: raw UTF-8, only " \ and control characters escaped
 * (short forms where JSON has them, else \u00xx in lower case). */
static int put_string(const char *str, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run;

	if (!s || buf_putc(out, '"'))
		return -1;
	while (*s) {
		char esc[7] = "\\u00";
		size_t n;

		for (run = s; *s >= 0x20 && *s != '"' && *s != '\\'; s += n)
			if (!(n = utf8_seq(s)))
				return -1;
		if (buf_add(out, run, (size_t)(s - run)))
			return -1;
		if (!*s)
			break;
		switch (*s) {
		case '"': memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\b': memcpy(esc, "\\b", 3); break;
		case '\f': memcpy(esc, "\\f", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		default:
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 0xf];
			esc[6] = '\0';
		}
		if (buf_puts(out, esc))
			return -1;
		s++;
	}
	return buf_putc(out, '"');
}

/* Integers only, within +-(2^53 - 1); -0 is 0. */
static int put_number(double d, struct buf *out)
{
	if (!isfinite(d) || d != floor(d) || fabs(d) > MAX_SAFE_INT)
		return -1;
	return buf_printf(out, "%lld", (long long)d);
}

static int key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/*
 * An object, keys sorted byte-wise (for UTF-8 the same as by code point).
 * A key twice is refused: cJSON keeps both and other implementations keep
 * one or the other, so signer and checker could see different objects.
 * With signable, a top-level object leaves out "signatures" and "unsigned".
 */
static int put_object(const cJSON *v, struct buf *out, int depth, int signable)
{
	const cJSON **kids = NULL;
	const cJSON *c;
	size_t n = 0, i, k = 0;
	int rc = -1;

	for (c = v->child; c; c = c->next)
		n++;
	kids = xmalloc((n ? n : 1) * sizeof(*kids));
	for (c = v->child; c; c = c->next) {
		if (!c->string)
			goto out;
		if (signable && (!strcmp(c->string, "signatures") ||
				 !strcmp(c->string, "unsigned")))
			continue;
		kids[k++] = c;
	}
	qsort(kids, k, sizeof(*kids), key_cmp);
	if (buf_putc(out, '{'))
		goto out;
	for (i = 0; i < k; i++) {
		if (i && !strcmp(kids[i - 1]->string, kids[i]->string))
			goto out;
		if ((i && buf_putc(out, ',')) || put_string(kids[i]->string, out) ||
		    buf_putc(out, ':') || canonical(kids[i], out, depth + 1, 0))
			goto out;
	}
	rc = buf_putc(out, '}');
out:
	free(kids);
	return rc;
}

static int put_array(const cJSON *v, struct buf *out, int depth)
{
	const cJSON *c;

	if (buf_putc(out, '['))
		return -1;
	for (c = v->child; c; c = c->next)
		if ((c != v->child && buf_putc(out, ',')) || canonical(c, out, depth + 1, 0))
			return -1;
	return buf_putc(out, ']');
}

static int canonical(const cJSON *v, struct buf *out, int depth, int signable)
{
	if (!v || depth > MAX_DEPTH)
		return -1;
	if (cJSON_IsObject(v))
		return put_object(v, out, depth, signable);
	if (cJSON_IsArray(v))
		return put_array(v, out, depth);
	if (cJSON_IsString(v))
		return put_string(v->valuestring, out);
	if (cJSON_IsNumber(v))
		return put_number(v->valuedouble, out);
	if (cJSON_IsTrue(v))
		return buf_puts(out, "true");
	if (cJSON_IsFalse(v))
		return buf_puts(out, "false");
	if (cJSON_IsNull(v))
		return buf_puts(out, "null");
	return -1;      /* cJSON_Raw, cJSON_Invalid */
}

int signjson_canonical(const cJSON *v, struct buf *out)
{
	return canonical(v, out, 0, 0);
}

/* The caller frees the text (free). */
char *signjson_signable(const cJSON *obj, size_t *len)
{
	struct buf b;

	if (!cJSON_IsObject(obj))
		return NULL;
	buf_init(&b, 0);
	if (canonical(obj, &b, 0, 1)) {
		buf_release(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

/*
 * Sign with whichever of a and s is given.  Everything that can fail
 * happens before obj is touched: existing "signatures" and
 * signatures[user_id] must be objects; a signature already under the
 * same key ID is replaced, the others are kept.
 */
static int sign(cJSON *obj, const char *user_id, const char *key_id,
		struct crypto_account *a, struct crypto_signer *s)
{
	cJSON *sigs, *mine, *item;
	char *canon = NULL, *sig = NULL, *name = NULL;
	size_t len;
	int rc = -1;

	if (!user_id || !key_id || !(canon = signjson_signable(obj, &len)))
		goto out;
	sigs = cJSON_GetObjectItemCaseSensitive(obj, "signatures");
	mine = cJSON_GetObjectItemCaseSensitive(sigs, user_id);
	if ((sigs && !cJSON_IsObject(sigs)) || (mine && !cJSON_IsObject(mine)))
		goto out;
	sig = a ? crypto_account_sign(a, canon, len) : crypto_signer_sign(s, canon, len);
	if (!sig)
		goto out;
	name = xasprintf("ed25519:%s", key_id);
	if (!(item = cJSON_CreateString(sig)))
		goto out;
	if (!sigs)
		sigs = cJSON_AddObjectToObject(obj, "signatures");
	if (sigs && !mine)
		mine = cJSON_AddObjectToObject(sigs, user_id);
	if (!mine) {
		cJSON_Delete(item);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(mine, name))
		rc = cJSON_ReplaceItemInObjectCaseSensitive(mine, name, item) ? 0 : -1;
	else
		rc = cJSON_AddItemToObject(mine, name, item) ? 0 : -1;
	if (rc)
		cJSON_Delete(item);
out:
	free(name);
	free(sig);
	free(canon);
	return rc;
}

int signjson_sign_account(cJSON *obj, const char *user_id, const char *key_id,
			  struct crypto_account *a)
{
	return a ? sign(obj, user_id, key_id, a, NULL) : -1;
}

int signjson_sign_signer(cJSON *obj, const char *user_id, const char *key_id,
			 struct crypto_signer *s)
{
	return s ? sign(obj, user_id, key_id, NULL, s) : -1;
}

int signjson_verify(const cJSON *obj, const char *user_id, const char *key_id,
		    const char *ed25519_key)
{
	const cJSON *sigs, *mine, *sig;
	char *canon = NULL, *name = NULL;
	size_t len;
	int rc = -1;

	if (!user_id || !key_id || !ed25519_key)
		return -1;
	sigs = cJSON_GetObjectItemCaseSensitive(obj, "signatures");
	mine = cJSON_GetObjectItemCaseSensitive(sigs, user_id);
	name = xasprintf("ed25519:%s", key_id);
	sig = cJSON_GetObjectItemCaseSensitive(mine, name);
	if (!cJSON_IsString(sig) || !(canon = signjson_signable(obj, &len)))
		goto out;
	rc = crypto_verify(ed25519_key, canon, len, sig->valuestring);
out:
	free(name);
	free(canon);
	return rc;
}
