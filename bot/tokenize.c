/*
 * tokenize.c - command-line splitting and mention-pill reading.  Input is
 * whatever a room member typed, so every path is bounded and nothing here
 * can fail on any byte sequence.
 */
#include "tokenize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Length of an opening quote at p: '"' or U+201C/U+201D/U+201E (phones). */
static size_t quote_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] == '"')
		return 1;
	if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x9C || u[2] == 0x9D || u[2] == 0x9E))
		return 3;
	return 0;
}

/* U+00A0 no-break space also separates (phones insert it). */
static size_t space_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	if (is_space(u[0]))
		return 1;
	if (u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	return 0;
}

int tokenize(const char *text, struct strv *argv, size_t **offs, char *err, size_t errlen)
{
	const char *p = text;
	struct buf tok;
	size_t n = 0, q, sp;

	*offs = NULL;
	buf_init(&tok, 0);
	for (;;) {
		while ((sp = space_len(p)))
			p += sp;
		if (!*p)
			break;
		if (n >= TOKENIZE_MAX_ARGS) {
			snprintf(err, errlen, "too many arguments (at most %d)", TOKENIZE_MAX_ARGS);
			goto fail;
		}
		*offs = xrealloc(*offs, (n + 1) * sizeof(**offs));
		(*offs)[n] = (size_t)(p - text);
		buf_reset(&tok);
		while (*p && !space_len(p)) {
			if ((q = quote_len(p))) {
				p += q;
				for (;;) {
					if (!*p) {
						snprintf(err, errlen, "unterminated quote");
						goto fail;
					}
					if ((q = quote_len(p))) {
						p += q;
						break;
					}
					if (*p == '\\' && p[1] == '"')
						p++;
					buf_putc(&tok, *p++);
				}
			} else {
				buf_putc(&tok, *p++);
			}
		}
		strv_push(argv, tok.data);
		n++;
	}
	buf_release(&tok);
	return 0;
fail:
	buf_release(&tok);
	strv_release(argv);
	free(*offs);
	*offs = NULL;
	return -1;
}

/* Decode the few entities an HTML label can carry. */
static char *decode_entities(const char *s, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&#39;", '\'' }, { "&#x27;", '\'' }, { "&apos;", '\'' },
	};
	struct buf b;
	size_t i = 0, k;

	buf_init(&b, 0);
	while (i < n) {
		if (s[i] == '&') {
			for (k = 0; k < ARRAY_LEN(ents); k++) {
				size_t el = strlen(ents[k].ent);
				if (i + el <= n && !strncmp(s + i, ents[k].ent, el)) {
					buf_putc(&b, ents[k].c);
					i += el;
					break;
				}
			}
			if (k < ARRAY_LEN(ents))
				continue;
		}
		buf_putc(&b, s[i++]);
	}
	return buf_detach(&b);
}

void pills_parse(const char *html, struct strv *labels, struct strv *users)
{
	static const char prefix[] = "https://matrix.to/#/";
	const char *p = html;
	size_t count = 0;

	while (p && (p = strstr(p, "<a ")) && count < TOKENIZE_MAX_ARGS) {
		const char *href = strstr(p, "href=");
		const char *gt, *end, *id, *id_end;
		char quote;

		gt = strchr(p, '>');
		if (!href || !gt || href > gt) {
			p += 3;
			continue;
		}
		href += 5;
		quote = *href;
		if (quote != '"' && quote != '\'')
			goto next;
		href++;
		if (strncmp(href, prefix, sizeof(prefix) - 1))
			goto next;
		id = href + sizeof(prefix) - 1;
		id_end = strchr(id, quote);
		if (!id_end || id_end > gt || (id[0] != '@' && strncmp(id, "%40", 3)))
			goto next;
		end = strstr(gt, "</a>");
		if (!end)
			goto next;
		{
			char *uid = decode_entities(id, (size_t)(id_end - id));
			char *q = strchr(uid, '?');     /* matrix.to links may carry ?via= */
			if (q)
				*q = '\0';
			/* %40 is how some clients encode '@' */
			if (!strncmp(uid, "%40", 3))
				memmove(uid + 1, uid + 3, strlen(uid + 3) + 1), uid[0] = '@';
			strv_push_owned(labels, decode_entities(gt + 1, (size_t)(end - gt - 1)));
			strv_push_owned(users, uid);
			count++;
		}
next:
		p = gt + 1;
	}
}

char *pills_apply(const char *body, const struct strv *labels, const struct strv *users)
{
	struct buf b;
	const char *p = body;

	buf_init(&b, 0);
	for (size_t i = 0; i < labels->n && i < users->n; i++) {
		const char *label = labels->v[i];
		const char *hit;

		if (!*label)
			continue;
		hit = strstr(p, label);
		if (!hit)
			continue;
		buf_add(&b, p, (size_t)(hit - p));
		buf_puts(&b, users->v[i]);
		p = hit + strlen(label);
	}
	buf_puts(&b, p);
	return buf_detach(&b);
}
