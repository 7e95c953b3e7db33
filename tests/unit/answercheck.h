/*
 * answercheck.h - what every answer must look like to read well on a
 * phone (SPEC §2): its formatted_body uses only the tags every Matrix
 * client renders (b, i, code, a, ul, ol, li, br, p, blockquote), well
 * nested, with every other '<', '>' and '&' escaped, and no table; its
 * plain body has no line built of '|'-separated or padded columns.
 * testengine.h runs every reply of every engine test through both.
 */
#ifndef CAUCUS_ANSWERCHECK_H
#define CAUCUS_ANSWERCHECK_H

#include <stdio.h>
#include <string.h>

#define ANSWER_DEPTH 16

static inline int answer_tag_allowed(const char *name)
{
	static const char *const ok[] = { "b", "i", "code", "a", "ul", "ol", "li", "br", "p",
					  "blockquote" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(name, ok[i]))
			return 1;
	return 0;
}

/* 1 when a tag 'name' may open inside 'parent' ("" at the top). */
static inline int answer_nesting_ok(const char *parent, const char *name)
{
	int block = !strcmp(name, "p") || !strcmp(name, "ul") || !strcmp(name, "ol") ||
		    !strcmp(name, "blockquote");

	if (!strcmp(name, "li"))
		return !strcmp(parent, "ul") || !strcmp(parent, "ol");
	if (!strcmp(parent, "ul") || !strcmp(parent, "ol"))
		return 0;       /* only items inside a list */
	if (block)      /* blocks at the top, in quotes or in items, never in text */
		return !*parent || !strcmp(parent, "blockquote") || !strcmp(parent, "li");
	return 1;
}

/*
 * Check html; 0 when it is fine, else -1 with the reason in why.
 */
static inline int answer_html_check(const char *html, char *why, size_t len)
{
	char stack[ANSWER_DEPTH][16];
	size_t depth = 0;
	const char *p = html;

	while (*p) {
		if (*p == '&') {
			static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;",
							    "&#39;" };
			size_t k;
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
				if (!strncmp(p, ents[k], strlen(ents[k])))
					break;
			if (k == sizeof(ents) / sizeof(ents[0])) {
				snprintf(why, len, "unescaped '&' at %.20s", p);
				return -1;
			}
			p += strlen(ents[k]);
			continue;
		}
		if (*p == '>') {
			snprintf(why, len, "unescaped '>' at %.20s", p);
			return -1;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		{
			int closing = p[1] == '/';
			const char *n = p + 1 + closing, *end;
			char name[16];
			size_t nl = strspn(n, "abcdefghijklmnopqrstuvwxyz");

			if (!nl || nl >= sizeof(name)) {
				snprintf(why, len, "unescaped '<' at %.20s", p);
				return -1;
			}
			memcpy(name, n, nl);
			name[nl] = '\0';
			if (!answer_tag_allowed(name)) {
				snprintf(why, len, "tag <%s> is not one every client renders", name);
				return -1;
			}
			end = strchr(n, '>');
			if (!end) {
				snprintf(why, len, "unterminated tag at %.20s", p);
				return -1;
			}
			if (closing) {
				if (end != n + nl) {
					snprintf(why, len, "bad closing tag at %.20s", p);
					return -1;
				}
				if (!depth || strcmp(stack[depth - 1], name)) {
					snprintf(why, len, "</%s> closes <%s>", name,
						 depth ? stack[depth - 1] : "nothing");
					return -1;
				}
				depth--;
			} else {
				const char *attrs = n + nl;
				if (!strcmp(name, "a")) {
					/* a user pill, nothing else */
					static const char href[] = " href=\"https://matrix.to/#/";
					const char *q;
					if (strncmp(attrs, href, strlen(href))) {
						snprintf(why, len, "<a> without a matrix.to href");
						return -1;
					}
					q = strchr(attrs + strlen(href), '"');
					if (!q || q + 1 != end) {
						snprintf(why, len, "bad <a> attributes at %.40s", p);
						return -1;
					}
				} else if (attrs != end && strcmp(name, "br")) {
					snprintf(why, len, "attributes on <%s>", name);
					return -1;
				}
				if (!strcmp(name, "br")) {
					p = end + 1;
					continue;
				}
				if (!answer_nesting_ok(depth ? stack[depth - 1] : "", name)) {
					snprintf(why, len, "<%s> inside <%s>", name,
						 depth ? stack[depth - 1] : "");
					return -1;
				}
				if (depth == ANSWER_DEPTH) {
					snprintf(why, len, "nested too deep");
					return -1;
				}
				memcpy(stack[depth++], name, nl + 1);
			}
			p = end + 1;
		}
	}
	if (depth) {
		snprintf(why, len, "<%s> never closed", stack[depth - 1]);
		return -1;
	}
	return 0;
}

/*
 * Check a plain body: no line in the shape of a text table (a row of
 * cells " | "-separated, or padded with leading spaces).  0 or -1 with why.
 */
static inline int answer_plain_check(const char *plain, char *why, size_t len)
{
	const char *line = plain;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		size_t bars = 0;

		for (size_t i = 0; i + 2 < n; i++)
			bars += line[i] == ' ' && line[i + 1] == '|' && line[i + 2] == ' ';
		if (bars >= 2 || (n && line[0] == '|') || (n >= 2 && line[0] == ' ' &&
							   line[1] == ' ')) {
			snprintf(why, len, "a table row: '%.*s'", (int)(n < 80 ? n : 80), line);
			return -1;
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

#endif
