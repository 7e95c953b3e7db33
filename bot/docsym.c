/*
 * docsym.c - document symbols (see docsym.h).  A conference writes one
 * document many ways: "DT/64(Rev.2)", "DT/64 Rev.2", "dt/64/rev.2", and a
 * delegate's laptop saves it as "DT-64-Rev2.pdf".  The group asks "is Rev.2
 * out yet?", so the revision must be read, not just the text kept.  Pure
 * text: no store, no Matrix.
 */
#include "docsym.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

enum part_kind { PART_NONE, PART_REV, PART_ADD, PART_CORR };

/* Organs whose symbols write their parts with a slash (A/73/L.1/Rev.1);
 * everything else (the ITU's DT/64(Rev.1)) in parentheses. */
static const char *const un_organs[] = {
	"A", "E", "S", "ST", "FCCC", "UNEP", "TD", "ICCD", "CBD", "CRC", "CCPR", "CEDAW",
	"CERD", "CAT", "DP", "UNW", "ECE", "HRC",
};

/* The part keyword at s: its kind and length, or PART_NONE.  A keyword
 * must not run on into letters ("Review" is no Rev.). */
static enum part_kind part_at(const char *s, size_t *len, int short_rev)
{
	static const struct { const char *word; enum part_kind kind; } words[] = {
		{ "corr", PART_CORR }, { "rev", PART_REV }, { "add", PART_ADD },
	};

	for (size_t i = 0; i < ARRAY_LEN(words); i++) {
		size_t n = strlen(words[i].word);
		if (!strncasecmp(s, words[i].word, n) && !isalpha((unsigned char)s[n])) {
			*len = n;
			return words[i].kind;
		}
	}
	/* file names shorten Rev.1 to R1 */
	if (short_rev && (s[0] == 'R' || s[0] == 'r') && isdigit((unsigned char)s[1])) {
		*len = 1;
		return PART_REV;
	}
	return PART_NONE;
}

static const char *part_name(enum part_kind k)
{
	return k == PART_REV ? "Rev" : k == PART_ADD ? "Add" : "Corr";
}

/* Store part n of kind k in out; -1 (with why) when it is there twice. */
static int set_part(struct docsym *out, enum part_kind k, int n, char *why, size_t whylen)
{
	int *slot = k == PART_REV ? &out->rev : k == PART_ADD ? &out->add : &out->corr;

	if (*slot) {
		snprintf(why, whylen, "the symbol has two %s. parts", part_name(k));
		return -1;
	}
	*slot = n;
	return 0;
}

/* "PP-18/64" -> "PP18/64": separators between a letter and a digit go
 * (PP-18, L.15, CONF.236), every other one becomes '/'. */
static void make_key(const char *base, char *key, size_t len)
{
	size_t n = 0;
	char prev = 0;

	for (const char *p = base; *p && n + 1 < len; p++) {
		if (isalnum((unsigned char)*p)) {
			prev = (char)toupper((unsigned char)*p);
			key[n++] = prev;
			continue;
		}
		if (isalpha((unsigned char)prev) && isdigit((unsigned char)p[1]))
			continue;
		if (n && key[n - 1] != '/')
			key[n++] = '/';
	}
	key[n] = '\0';
}

/* Fill doc, text and key from base and the parts. */
static void finish(struct docsym *out)
{
	char first[16];
	size_t n = strcspn(out->base, "/");
	char add[16] = "", corr[16] = "", rev[16] = "";
	const char *open = "(", *close = ")";

	snprintf(first, sizeof(first), "%.*s", (int)(n < 15 ? n : 15), out->base);
	out->un_style = 0;
	for (size_t i = 0; i < ARRAY_LEN(un_organs); i++)
		if (!strcmp(first, un_organs[i]))
			out->un_style = 1;
	if (out->un_style) {
		open = "/";
		close = "";
	}
	if (out->add)
		snprintf(add, sizeof(add), "%sAdd.%d%s", open, out->add, close);
	if (out->corr)
		snprintf(corr, sizeof(corr), "%sCorr.%d%s", open, out->corr, close);
	if (out->rev)
		snprintf(rev, sizeof(rev), "%sRev.%d%s", open, out->rev, close);
	snprintf(out->doc, sizeof(out->doc), "%s%s%s", out->base, add, corr);
	snprintf(out->text, sizeof(out->text), "%s%s%s%s", out->base, add, rev, corr);
	make_key(out->base, out->key, sizeof(out->key));
	n = strlen(out->key);
	if (out->add)
		snprintf(out->key + n, sizeof(out->key) - n, "+A%d", out->add);
	n = strlen(out->key);
	if (out->corr)
		snprintf(out->key + n, sizeof(out->key) - n, "+C%d", out->corr);
}

void docsym_set_rev(struct docsym *d, int rev)
{
	d->rev = rev;
	finish(d);
}

/* A part's number at *p (after "Rev", "Rev.", "Rev. "): 1..DOCSYM_PART_MAX. */
static int part_number(const char **p, enum part_kind k, char *why, size_t whylen)
{
	int n = 0, digits = 0;

	if (**p == '.')
		(*p)++;
	while (**p == ' ')
		(*p)++;
	while (isdigit((unsigned char)**p)) {
		if (++digits > 3) {
			snprintf(why, whylen, "%s.%.4s… is too high a number (at most %d)",
				 part_name(k), *p - 3, DOCSYM_PART_MAX);
			return -1;
		}
		n = n * 10 + (**p - '0');
		(*p)++;
	}
	if (!digits) {
		snprintf(why, whylen, "'%s' needs a number, e.g. %s.2", part_name(k), part_name(k));
		return -1;
	}
	if (n == 0) {
		snprintf(why, whylen, "%s.0 is not a part: the first one is %s.1", part_name(k),
			 part_name(k));
		return -1;
	}
	return n;
}

int docsym_is_part(const char *s)
{
	size_t len;
	int paren = *s == '(';

	if (paren)
		s++;
	if (part_at(s, &len, 0) == PART_NONE)
		return 0;
	s += len;
	if (*s == '.')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (paren && *s++ != ')')
		return 0;
	return *s == '\0';
}

/* A language letter the ITU appends ("PP-18/64-E"): '-' and one of the
 * six official languages' letters, at the end. */
static int lang_suffix_at(const char *p)
{
	return p[0] == '-' && p[1] && strchr("EFSARCefsarc", p[1]) && p[2] == '\0';
}

int docsym_parse(const char *s, struct docsym *out, char *why, size_t whylen)
{
	const char *p = s;
	size_t n = 0, segs = 0, len;
	int digit = 0;
	enum part_kind k;

	memset(out, 0, sizeof(*out));
	while (*p == ' ')
		p++;
	if (!*p) {
		snprintf(why, whylen, "no symbol given, e.g. DT/64 or A/HRC/35/L.15");
		return -1;
	}
	/* room for the parts after a base of DOCSYM_MAX - 1, so that a
	 * canonical spelling always reads back */
	if (strlen(p) >= DOCSYM_MAX + 40) {
		snprintf(why, whylen, "a symbol is at most %d characters", DOCSYM_MAX - 1);
		return -1;
	}
	/* the reasons below quote the input: only printable ASCII gets there */
	for (const char *q = p; *q; q++)
		if (*q < ' ' || *q > '~') {
			snprintf(why, whylen, "a symbol is written with letters, digits and "
				 "/ . - ( ) only");
			return -1;
		}
	/* the base: segments of letters and digits, joined inside by '.' or
	 * '-' (PP-18, L.15), separated by '/' */
	for (;;) {
		size_t start = n;
		while (*p == ' ')
			p++;
		if (part_at(p, &len, 0) != PART_NONE && segs)
			break;
		while (isalnum((unsigned char)*p) ||
		       ((*p == '.' || *p == '-') && isalnum((unsigned char)p[1]) && n > start &&
			!(*p == '-' && (part_at(p + 1, &len, 0) != PART_NONE || lang_suffix_at(p))))) {
			if (isdigit((unsigned char)*p))
				digit = 1;
			if (n + 2 >= DOCSYM_MAX) {
				snprintf(why, whylen, "a symbol is at most %d characters",
					 DOCSYM_MAX - 1);
				return -1;
			}
			out->base[n++] = (char)toupper((unsigned char)*p);
			p++;
		}
		if (n == start) {
			if (*p && *p != '/' && *p != '(')
				snprintf(why, whylen, "'%c' cannot be in a symbol", *p);
			else
				snprintf(why, whylen, segs ? "a part between slashes is empty"
					 : "a symbol starts with letters or digits, e.g. DT/64");
			return -1;
		}
		segs++;
		while (*p == ' ')
			p++;
		if (*p != '/')
			break;
		p++;
		while (*p == ' ')
			p++;
		if (part_at(p, &len, 0) != PART_NONE)
			break;
		out->base[n++] = '/';
	}
	/* a language letter before the parts or doubled ("PP-18/64-E(Rev.1)") */
	while (n >= 2 && out->base[n - 2] == '-' && strchr("EFSARC", out->base[n - 1]))
		n -= 2;
	out->base[n] = '\0';
	if (*p && !isalnum((unsigned char)*p) && !strchr("/( -", *p)) {
		snprintf(why, whylen, "'%c' cannot be in a symbol", *p);
		return -1;
	}
	if (segs < 2) {
		snprintf(why, whylen, "'%s' has no '/': a symbol reads like DT/64 or A/73/L.1",
			 out->base);
		return -1;
	}
	if (!digit) {
		snprintf(why, whylen, "'%s' has no number: a symbol reads like DT/64", out->base);
		return -1;
	}
	/* the parts: Rev.N, (Rev.N), /Rev.N, -Rev.N, " Rev N"; Add. and Corr. too */
	while (*p) {
		int paren = 0, num;
		if (lang_suffix_at(p))
			break;
		if (*p == '/' || *p == '-' || *p == ' ')
			p++;
		while (*p == ' ')
			p++;
		if (*p == '(') {
			paren = 1;
			p++;
		}
		k = part_at(p, &len, 0);
		if (k == PART_NONE) {
			snprintf(why, whylen, "I cannot read '%.20s' after %s; parts are Rev.N, "
				 "Add.N or Corr.N", p, out->base);
			return -1;
		}
		p += len;
		if ((num = part_number(&p, k, why, whylen)) < 0)
			return -1;
		if (paren && *p++ != ')') {
			snprintf(why, whylen, "'(' without ')' after %s.%d", part_name(k), num);
			return -1;
		}
		if (set_part(out, k, num, why, whylen))
			return -1;
		while (*p == ' ')
			p++;
	}
	finish(out);
	return 0;
}

/* ---- file names ---- */

#define NAME_TOKENS 16

int docsym_parse_name(const char *name, struct docsym *out)
{
	char stem[DOCSYM_MAX], tok[NAME_TOKENS][DOCSYM_MAX];
	size_t len = strlen(name), ntok = 0, nbase = 0, n = 0;
	const char *dot = strrchr(name, '.');
	char why[128];
	int digit = 0, letters = 0;

	memset(out, 0, sizeof(*out));
	/* the extension: up to five letters or digits after the last dot */
	if (dot && len - (size_t)(dot - name) - 1 <= 5 && dot[1]) {
		for (const char *q = dot + 1; *q; q++)
			letters |= isalpha((unsigned char)*q);
		for (const char *q = dot + 1; *q; q++)
			if (!isalnum((unsigned char)*q))
				letters = 0;
		if (letters)
			len = (size_t)(dot - name);
	}
	if (len == 0 || len >= sizeof(stem))
		return -1;
	memcpy(stem, name, len);
	stem[len] = '\0';
	/* tokens: runs of letters, digits and inner dots ("L.15", "Rev.1") */
	for (const char *p = stem; *p;) {
		size_t t = 0;
		while (*p && !isalnum((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (ntok == NAME_TOKENS)
			return -1;
		while (isalnum((unsigned char)*p) || (*p == '.' && isalnum((unsigned char)p[1])))
			tok[ntok][t++] = *p++;
		tok[ntok++][t] = '\0';
	}
	for (size_t i = 0; i < ntok; i++) {
		const char *t = tok[i], *q;
		size_t plen;
		enum part_kind k = part_at(t, &plen, 1);
		int num;

		if (k == PART_NONE && nbase) {
			/* "64R1", "64Rev2": a part glued to the base's last number */
			for (q = t; isdigit((unsigned char)*q); q++)
				;
			if (q > t && (k = part_at(q, &plen, 1)) != PART_NONE) {
				size_t keep = (size_t)(q - t);
				memmove(tok[nbase], t, keep);
				tok[nbase][keep] = '\0';
				nbase++;
				digit = 1;
				t = q;
			}
		}
		if (k == PART_NONE) {
			if (out->rev || out->add || out->corr)
				break;          /* words after the symbol: "DT-64-Rev2-clean" */
			/* a last lone E/F/S/A/C/R is the language of the copy */
			if (i == ntok - 1 && nbase >= 2 && !t[1] && strchr("EFSARC", toupper((unsigned char)t[0])))
				break;
			if (t != tok[nbase])
				memmove(tok[nbase], t, strlen(t) + 1);
			for (q = tok[nbase]; *q; q++)
				digit |= isdigit((unsigned char)*q) != 0;
			nbase++;
			continue;
		}
		if (nbase < 2)
			return -1;
		t += plen;
		if ((num = part_number(&t, k, why, sizeof(why))) < 0 || *t ||
		    set_part(out, k, num, why, sizeof(why)))
			return -1;
	}
	if (nbase < 2 || !digit)
		return -1;
	for (size_t i = 0; i < nbase; i++) {
		size_t tl = strlen(tok[i]);
		if (n + tl + 2 > sizeof(out->base))
			return -1;
		if (i)
			out->base[n++] = '/';
		for (size_t j = 0; j < tl; j++)
			out->base[n++] = (char)toupper((unsigned char)tok[i][j]);
	}
	out->base[n] = '\0';
	finish(out);
	return 0;
}
