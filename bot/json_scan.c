/*
 * json_scan.c - a flat walk over JSON text that cJSON refused, to set aside
 * the one event that made it fail and keep the rest of a batch (see
 * json_scan.h).  One token at a time with an explicit stack of open
 * containers: no recursion, whatever the depth.  It checks only what it
 * needs (strings, brackets); the text it returns is parsed by cJSON again.
 */
#include "json_scan.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define EVENTS_ARRAY 0x80       /* stack flag: an "events" or "chunk" array */

struct range {
	size_t a, b;            /* [a, b) of the text */
};

struct scan {
	const char *s;
	size_t len;
	int max_depth;
	const char *want;       /* json_top_string: the key, else NULL */
	char *found;
	struct range *drop;     /* json_drop_bad_events: what to replace */
	size_t n_drop, cap_drop;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int key_is(const char *k, size_t klen, const char *name)
{
	return k && klen == strlen(name) && !memcmp(k, name, klen);
}

/* An event on its own: too deep, or not JSON, is dropped. */
static void check_element(struct scan *c, size_t a, size_t b, size_t depth)
{
	cJSON *one;

	if (c->want)
		return;         /* only looking for a key */
	if ((int)depth <= c->max_depth) {
		one = cJSON_ParseWithLength(c->s + a, b - a);
		if (one) {
			cJSON_Delete(one);
			return;
		}
	}
	if (c->n_drop == c->cap_drop) {
		c->cap_drop = c->cap_drop ? c->cap_drop * 2 : 8;
		c->drop = xrealloc(c->drop, c->cap_drop * sizeof(*c->drop));
	}
	c->drop[c->n_drop].a = a;
	c->drop[c->n_drop].b = b;
	c->n_drop++;
}

/* Walk the whole text; 0, or -1 when it is broken (unbalanced, cut short). */
static int scan(struct scan *c)
{
	unsigned char *stack = NULL;    /* per open container: '{' or '[' | flags */
	size_t depth = 0, cap = 0, i = 0;
	const char *key = NULL;         /* the key of the value about to start */
	size_t klen = 0;
	int expect_key = 0, in_elem = 0, done = 0, rc = -1;
	size_t elem_start = 0, elem_level = 0, elem_max = 0;

	while (i < c->len && !done) {
		char ch = c->s[i];
		size_t start = i;
		int value = 0, scalar = 0;

		if (is_space(ch) || ch == ',' || ch == ':') {
			if (ch == ',' && depth && (stack[depth - 1] & 0x7f) == '{')
				expect_key = 1;
			i++;
			continue;
		}
		if (ch == '"') {
			for (i++; i < c->len && c->s[i] != '"'; i++)
				if (c->s[i] == '\\')
					i++;
			if (i >= c->len)
				goto out;
			i++;
			if (expect_key) {
				key = c->s + start + 1;
				klen = i - start - 2;
				expect_key = 0;
				continue;
			}
			value = scalar = 1;
		} else if (ch == '{' || ch == '[') {
			value = 1;
		} else if (ch == '}' || ch == ']') {
			if (!depth || (stack[depth - 1] & 0x7f) != (ch == '}' ? '{' : '['))
				goto out;
			depth--;
			i++;
			expect_key = 0;
			if (in_elem && depth == elem_level) {
				check_element(c, elem_start, i, elem_max - elem_level);
				in_elem = 0;
			}
			if (!depth)
				done = 1;
			continue;
		} else {
			/* a literal or number: up to what ends it (a NUL is part of it,
			 * so at least one byte is always taken) */
			while (i < c->len && !is_space(c->s[i]) &&
			       !(c->s[i] && strchr(",:]}[{\"", c->s[i])))
				i++;
			value = scalar = 1;
			i--;    /* the common step below moves past it */
		}
		/* a value starts at 'start' */
		if (value && !in_elem && depth && (stack[depth - 1] & EVENTS_ARRAY)) {
			in_elem = 1;
			elem_start = start;
			elem_level = depth;
			elem_max = depth;
		}
		if (value && c->want && depth == 1 && scalar && ch == '"' &&
		    key_is(key, klen, c->want) && !c->found &&
		    !memchr(c->s + start + 1, '\\', i - start - 2))
			c->found = xstrndup(c->s + start + 1, i - start - 2);
		if (ch == '{' || ch == '[') {
			unsigned char f = (unsigned char)ch;
			if (ch == '[' && !in_elem && depth && (stack[depth - 1] & 0x7f) == '{' &&
			    (key_is(key, klen, "events") || key_is(key, klen, "chunk")))
				f |= EVENTS_ARRAY;
			if (depth == cap) {
				cap = cap ? cap * 2 : 64;
				stack = xrealloc(stack, cap);
			}
			stack[depth++] = f;
			if (in_elem && depth > elem_max)
				elem_max = depth;
			expect_key = ch == '{';
			i++;
			continue;
		}
		if (ch != '"')
			i++;
		if (scalar && in_elem && depth == elem_level) {
			check_element(c, elem_start, i, 0);
			in_elem = 0;
		}
		if (!depth)
			done = 1;
	}
	rc = done ? 0 : -1;
out:
	free(stack);
	return rc;
}

char *json_drop_bad_events(const char *s, size_t len, int max_depth, size_t *n_dropped,
			   size_t *out_len)
{
	struct scan c = { .s = s, .len = len, .max_depth = max_depth };
	struct buf b;
	size_t at = 0;
	char *out = NULL;

	*n_dropped = 0;
	if (scan(&c))
		goto out;
	buf_init(&b, 0);
	for (size_t k = 0; k < c.n_drop; k++) {
		buf_add(&b, s + at, c.drop[k].a - at);
		buf_puts(&b, "null");
		at = c.drop[k].b;
	}
	buf_add(&b, s + at, len - at);
	*n_dropped = c.n_drop;
	if (out_len)
		*out_len = b.len;
	out = buf_detach(&b);
	buf_release(&b);        /* detach leaves an empty buffer */
out:
	free(c.drop);
	return out;
}

char *json_top_string(const char *s, size_t len, const char *key)
{
	struct scan c = { .s = s, .len = len, .max_depth = 1 << 30, .want = key };

	scan(&c);       /* broken after the key is fine: what came before was read */
	free(c.drop);
	return c.found;
}
