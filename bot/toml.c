/*
 * toml.c - a TOML 1.0.0 parser written for caucus's configuration file
 * (include/toml.h).  One pass over the bytes with no separate tokenizer;
 * the tree records for every key the line and column it was defined on so
 * config.c can name them.  The input may be hostile: UTF-8 is checked up
 * front, nesting is capped at TOML_MAX_DEPTH so neither parsing nor freeing
 * can recurse without bound, and big tables get a hash index so many keys
 * do not cost quadratic time.  Knows nothing of what the keys mean.
 */
#include "toml.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * How a table came to be, which decides what may later add to it (TOML 1.0
 * "Table" and "Inline Table"): a table header may define a table once, and
 * only if no header or dotted key defined it before; dotted keys may extend
 * tables they created themselves (or that only headers further down implied)
 * but never a table a header defined; nothing extends an inline table; a
 * [[header]] appends only to an array that [[headers]] created.
 */
enum {
	F_IMPLICIT = 1 << 0,    /* made on the way to a deeper [a.b.c] header */
	F_DEFINED = 1 << 1,     /* made by its own [header], or the root */
	F_DOTTED = 1 << 2,      /* made by a dotted key: a.b = 1 */
	F_INLINE = 1 << 3,      /* { ... }: closed once written */
	F_AOT = 1 << 4,         /* array made by [[header]] */
};

#define INDEX_MIN 8             /* tables with this many keys get an index */
#define SHOW_KEY 48             /* bytes of a key quoted in a message */

struct toml_node {
	enum toml_type type;
	unsigned flags;
	int line, col, depth;
	struct toml_node *parent;       /* for messages: the path of a key */
	char *key;                      /* NULL for the root and array elements */
	size_t keylen;
	union {
		struct {
			char *s;
			size_t len;
		} str;
		int64_t i;
		double f;
		int b;
		struct {
			struct toml_datetime v;
			char text[40];
		} dt;
		struct {                /* TOML_TABLE, TOML_ARRAY */
			struct toml_node **v;
			size_t n, alloc;
			size_t *index;  /* open addressing: kid index + 1, 0 = free */
			size_t icap;    /* power of two, or 0 without an index */
		} kids;
	} u;
};

struct keypart {
	char *s;
	size_t len;
	size_t pos;
	int line, col;
};

struct keypath {
	struct keypart *v;
	size_t n, alloc;
};

struct parser {
	const char *s;
	size_t len, pos;
	size_t lc_pos;          /* line/column memo: positions only move forward */
	int lc_line, lc_col;
	char *err;
	size_t errlen;
	struct toml_node *root, *cur;
};

/* --- positions and errors ---------------------------------------------- */

static void linecol(struct parser *p, size_t pos, int *line, int *col)
{
	size_t i;

	if (pos < p->lc_pos) {  /* only for an error pointing back: rare */
		p->lc_pos = 0;
		p->lc_line = p->lc_col = 1;
	}
	for (i = p->lc_pos; i < pos && i < p->len; i++) {
		unsigned char c = (unsigned char)p->s[i];
		if (c == '\n') {
			p->lc_line++;
			p->lc_col = 1;
		} else if ((c & 0xc0) != 0x80) {
			p->lc_col++;
		}
	}
	p->lc_pos = pos;
	*line = p->lc_line;
	*col = p->lc_col;
}

static int fail(struct parser *p, size_t pos, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int line, col, n;

	if (!p->err || !p->errlen)
		return -1;
	linecol(p, pos, &line, &col);
	n = snprintf(p->err, p->errlen, "%d:%d: ", line, col);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The character at pos, for a message: 'x', "end of file", "newline". */
static const char *describe(const struct parser *p, size_t pos, char *out, size_t outlen)
{
	unsigned char c;
	size_t n = 1;

	if (pos >= p->len)
		return "end of file";
	c = (unsigned char)p->s[pos];
	if (c == '\n')
		return "end of line";
	if (c == '\r')
		return "carriage return";
	if (c < 0x20 || c == 0x7f) {
		snprintf(out, outlen, "control character U+%04X", c);
		return out;
	}
	if (c >= 0x80)
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (n > p->len - pos)
		n = p->len - pos;
	snprintf(out, outlen, "'%.*s'", (int)n, p->s + pos);
	return out;
}

/* A key for a message: control characters as '?', long keys cut short on a
 * character boundary. */
static void show(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xc0) != 0x80 && o >= SHOW_KEY) {
			if (o + 4 <= outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (o + 1 >= outlen)
			break;
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
}

/* "a.b.c": the full key of a node, for a message (array elements are
 * named by their array). */
static void show_path(char *out, size_t outlen, const struct toml_node *n)
{
	const struct toml_node *chain[TOML_MAX_DEPTH + 2];
	char part[SHOW_KEY + 8];
	size_t k = 0, o = 0;

	out[0] = '\0';
	for (; n && k < ARRAY_LEN(chain); n = n->parent)
		if (n->key)
			chain[k++] = n;
	while (k--) {
		int w;
		show(part, sizeof(part), chain[k]->key, chain[k]->keylen);
		w = snprintf(out + o, outlen - o, "%s%s", o ? "." : "", part);
		if (w < 0 || (size_t)w >= outlen - o)
			break;
		o += (size_t)w;
	}
}

/* What a node is, with its article, for a message. */
static const char *what(const struct toml_node *n)
{
	switch (n->type) {
	case TOML_TABLE:
		return n->flags & F_INLINE ? "an inline table" : "a table";
	case TOML_ARRAY:
		return n->flags & F_AOT ? "an array of tables" : "an array";
	case TOML_INTEGER: return "an integer";
	case TOML_DATETIME: return "an offset date-time";
	case TOML_STRING: return "a string";
	case TOML_FLOAT: return "a float";
	case TOML_BOOL: return "a boolean";
	case TOML_DATETIME_LOCAL: return "a local date-time";
	case TOML_DATE_LOCAL: return "a local date";
	case TOML_TIME_LOCAL: return "a local time";
	}
	return "a value";
}

/* Reject anything that is not UTF-8: overlong forms, surrogates and code
 * points past U+10FFFF included. */
static int check_utf8(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->s;
	size_t i = 0, n = p->len;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, need;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return fail(p, i, "invalid UTF-8 byte 0x%02X", c);
		}
		if (n - i <= need)
			return fail(p, i, "truncated UTF-8 sequence");
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return fail(p, i, "invalid UTF-8 sequence");
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail(p, i, "invalid UTF-8 sequence (U+%04X)", (unsigned)cp);
		i += need + 1;
	}
	return 0;
}

/* --- nodes ------------------------------------------------------------- */

static struct toml_node *node_new(enum toml_type type, int line, int col, int depth)
{
	struct toml_node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = line;
	n->col = col;
	n->depth = depth;
	return n;
}

static void node_free(struct toml_node *n)
{
	size_t i;

	if (!n)
		return;
	free(n->key);
	if (n->type == TOML_STRING) {
		/* a configuration's strings may be passwords: wipe them */
		if (n->u.str.s)
			explicit_bzero(n->u.str.s, n->u.str.len);
		free(n->u.str.s);
	} else if (n->type == TOML_TABLE || n->type == TOML_ARRAY) {
		/* depth is capped at TOML_MAX_DEPTH, so this recursion is too */
		for (i = 0; i < n->u.kids.n; i++)
			node_free(n->u.kids.v[i]);
		free(n->u.kids.v);
		free(n->u.kids.index);
	}
	free(n);
}

void toml_free(struct toml_node *root)
{
	node_free(root);
}

static uint64_t hash_key(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;  /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void index_put(struct toml_node *t, size_t kid)
{
	const struct toml_node *k = t->u.kids.v[kid];
	size_t mask = t->u.kids.icap - 1;
	size_t slot = (size_t)hash_key(k->key, k->keylen) & mask;

	while (t->u.kids.index[slot])
		slot = (slot + 1) & mask;
	t->u.kids.index[slot] = kid + 1;
}

static void index_rebuild(struct toml_node *t, size_t icap)
{
	size_t i;

	free(t->u.kids.index);
	t->u.kids.index = xcalloc(icap, sizeof(size_t));
	t->u.kids.icap = icap;
	for (i = 0; i < t->u.kids.n; i++)
		index_put(t, i);
}

static void kids_push(struct toml_node *t, struct toml_node *kid)
{
	if (t->u.kids.n == t->u.kids.alloc) {
		t->u.kids.alloc = t->u.kids.alloc ? t->u.kids.alloc * 2 : 4;
		t->u.kids.v = xrealloc(t->u.kids.v, t->u.kids.alloc * sizeof(kid));
	}
	t->u.kids.v[t->u.kids.n++] = kid;
	if (t->type != TOML_TABLE)
		return;
	if (t->u.kids.icap) {
		if (t->u.kids.n * 2 > t->u.kids.icap)
			index_rebuild(t, t->u.kids.icap * 2);
		else
			index_put(t, t->u.kids.n - 1);
	} else if (t->u.kids.n >= INDEX_MIN) {
		index_rebuild(t, INDEX_MIN * 4);
	}
}

static struct toml_node *table_find(const struct toml_node *t, const char *key, size_t len)
{
	size_t i;

	if (t->u.kids.icap) {
		size_t mask = t->u.kids.icap - 1;
		size_t slot = (size_t)hash_key(key, len) & mask;
		for (; t->u.kids.index[slot]; slot = (slot + 1) & mask) {
			struct toml_node *k = t->u.kids.v[t->u.kids.index[slot] - 1];
			if (k->keylen == len && !memcmp(k->key, key, len))
				return k;
		}
		return NULL;
	}
	for (i = 0; i < t->u.kids.n; i++) {
		struct toml_node *k = t->u.kids.v[i];
		if (k->keylen == len && !memcmp(k->key, key, len))
			return k;
	}
	return NULL;
}

/* Add kid to table t under a copy of the key part. */
static void table_add(struct toml_node *t, struct toml_node *kid, const struct keypart *part)
{
	kid->key = xstrndup(part->s, part->len);
	kid->keylen = part->len;
	kid->parent = t;
	kids_push(t, kid);
}

static int check_depth(struct parser *p, size_t pos, int depth)
{
	if (depth > TOML_MAX_DEPTH)
		return fail(p, pos, "tables and arrays nested deeper than %d levels",
			    TOML_MAX_DEPTH);
	return 0;
}

/* --- lexical helpers --------------------------------------------------- */

static int at(const struct parser *p, size_t off)
{
	size_t i = p->pos + off;
	return i < p->len ? (unsigned char)p->s[i] : -1;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_bare(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       c == '_' || c == '-';
}

static int is_control(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
		p->pos++;
}

static int eat_newline(struct parser *p)
{
	if (at(p, 0) == '\n') {
		p->pos++;
		return 1;
	}
	if (at(p, 0) == '\r' && at(p, 1) == '\n') {
		p->pos += 2;
		return 1;
	}
	return 0;
}

/* At '#': skip the comment up to (not over) the end of the line. */
static int skip_comment(struct parser *p)
{
	char d[40];

	for (p->pos++; p->pos < p->len; p->pos++) {
		int c = at(p, 0);
		if (c == '\n' || (c == '\r' && at(p, 1) == '\n'))
			break;
		if (is_control(c))
			return fail(p, p->pos, "%s in a comment", describe(p, p->pos, d, sizeof(d)));
	}
	return 0;
}

/* Whitespace, newlines and comments, as allowed between array elements. */
static int skip_blank(struct parser *p)
{
	for (;;) {
		skip_ws(p);
		if (at(p, 0) == '#') {
			if (skip_comment(p))
				return -1;
		} else if (!eat_newline(p)) {
			return 0;
		}
	}
}

/* After a key/value pair or a header: only a comment may follow on the line. */
static int end_of_line(struct parser *p, const char *what)
{
	char d[40];

	skip_ws(p);
	if (at(p, 0) == '#' && skip_comment(p))
		return -1;
	if (p->pos >= p->len || eat_newline(p))
		return 0;
	return fail(p, p->pos, "expected the end of the line after %s, found %s", what,
		    describe(p, p->pos, d, sizeof(d)));
}

/* --- strings ----------------------------------------------------------- */

static void put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	buf_add(b, u, n);
}

/* At a backslash in a basic string: append what the escape stands for. */
static int parse_escape(struct parser *p, struct buf *b)
{
	size_t start = p->pos, i, ndig;
	uint32_t cp = 0;
	int c = at(p, 1);
	char d[40];

	switch (c) {
	case 'b': buf_putc(b, '\b'); break;
	case 't': buf_putc(b, '\t'); break;
	case 'n': buf_putc(b, '\n'); break;
	case 'f': buf_putc(b, '\f'); break;
	case 'r': buf_putc(b, '\r'); break;
	case '"': buf_putc(b, '"'); break;
	case '\\': buf_putc(b, '\\'); break;
	case 'u':
	case 'U':
		ndig = c == 'u' ? 4 : 8;
		for (i = 0; i < ndig; i++) {
			int h = at(p, 2 + i);
			if (!is_hex(h))
				return fail(p, start, "\\%c needs %zu hex digits", c, ndig);
			cp = cp << 4 | (uint32_t)(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail(p, start, "\\%c%.*s is not a Unicode scalar value", c,
				    (int)ndig, p->s + start + 2);
		put_utf8(b, cp);
		p->pos += 2 + ndig;
		return 0;
	default:
		return fail(p, start, "invalid escape '\\' followed by %s",
			    describe(p, start + 1, d, sizeof(d)));
	}
	p->pos += 2;
	return 0;
}

/*
 * At an opening quote: read a basic ("), literal ('), multi-line basic
 * (""") or multi-line literal (''') string into a new string *out.  Keys
 * pass multi = 0: a multi-line string there is an error.
 */
static int parse_string(struct parser *p, int multi, char **out, size_t *outlen)
{
	size_t start = p->pos, run;
	int q = at(p, 0), basic = q == '"', ml;
	struct buf b;
	char d[40];
	int rc = -1;

	buf_init(&b, TOML_MAX_SIZE);
	ml = at(p, 1) == q && at(p, 2) == q;
	if (ml && !multi) {
		fail(p, start, "a multi-line string cannot be a key");
		goto out;
	}
	p->pos += ml ? 3 : 1;
	if (ml)
		eat_newline(p); /* a newline right after the delimiter is dropped */
	for (;;) {
		int c = at(p, 0);

		if (c < 0) {
			fail(p, start, "unterminated string");
			goto out;
		}
		if (c == q) {
			if (!ml) {
				p->pos++;
				break;
			}
			for (run = 0; at(p, run) == q && run < 6; run++)
				;
			if (run >= 3) {
				if (run > 5) {
					fail(p, p->pos + 5, "too many quotes at the end of a string");
					goto out;
				}
				buf_add(&b, p->s + p->pos, run - 3);
				p->pos += run;
				break;
			}
			buf_add(&b, p->s + p->pos, run);
			p->pos += run;
			continue;
		}
		if (c == '\\' && basic) {
			if (ml) {       /* line-ending backslash: trim to the next text */
				size_t j = 0;
				while (at(p, 1 + j) == ' ' || at(p, 1 + j) == '\t')
					j++;
				if (at(p, 1 + j) == '\n' ||
				    (at(p, 1 + j) == '\r' && at(p, 2 + j) == '\n')) {
					p->pos += 1 + j;
					for (;;) {
						skip_ws(p);
						if (!eat_newline(p))
							break;
					}
					continue;
				}
			}
			if (parse_escape(p, &b))
				goto out;
			continue;
		}
		if (ml && c == '\n') {
			buf_putc(&b, '\n');
			p->pos++;
			continue;
		}
		if (ml && c == '\r' && at(p, 1) == '\n') {
			buf_putc(&b, '\n');     /* CRLF is a newline like LF */
			p->pos += 2;
			continue;
		}
		if (c == '\n' || (c == '\r' && at(p, 1) == '\n')) {
			fail(p, p->pos, "unterminated string: newline before the closing quote");
			goto out;
		}
		if (is_control(c)) {
			fail(p, p->pos, "%s in a string%s", describe(p, p->pos, d, sizeof(d)),
			     basic ? " (write it as an escape)" : "");
			goto out;
		}
		for (run = 1; p->pos + run < p->len; run++) {
			int k = (unsigned char)p->s[p->pos + run];
			if (k == q || k == '\\' || is_control(k))
				break;
		}
		buf_add(&b, p->s + p->pos, run);
		p->pos += run;
	}
	*outlen = b.len;
	*out = buf_detach(&b);
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

/* --- keys -------------------------------------------------------------- */

static void keypath_release(struct keypath *kp)
{
	size_t i;

	for (i = 0; i < kp->n; i++)
		free(kp->v[i].s);
	free(kp->v);
	kp->v = NULL;
	kp->n = kp->alloc = 0;
}

/* A key: simple keys (bare or quoted) joined by dots, with optional blanks
 * around the dots.  Stops after the blanks following the last part. */
static int parse_key(struct parser *p, struct keypath *kp)
{
	char d[40];

	for (;;) {
		struct keypart part;
		int c;

		skip_ws(p);
		if (kp->n >= TOML_MAX_DEPTH)
			return fail(p, p->pos, "key has more than %d parts", TOML_MAX_DEPTH);
		memset(&part, 0, sizeof(part));
		part.pos = p->pos;
		linecol(p, p->pos, &part.line, &part.col);
		c = at(p, 0);
		if (is_bare(c)) {
			size_t start = p->pos;
			while (is_bare(at(p, 0)))
				p->pos++;
			part.len = p->pos - start;
			part.s = xstrndup(p->s + start, part.len);
		} else if (c == '"' || c == '\'') {
			if (parse_string(p, 0, &part.s, &part.len))
				return -1;
		} else {
			return fail(p, p->pos, "expected a key, found %s",
				    describe(p, p->pos, d, sizeof(d)));
		}
		if (kp->n == kp->alloc) {
			kp->alloc = kp->alloc ? kp->alloc * 2 : 4;
			kp->v = xrealloc(kp->v, kp->alloc * sizeof(*kp->v));
		}
		kp->v[kp->n++] = part;
		skip_ws(p);
		if (at(p, 0) != '.')
			return 0;
		p->pos++;
	}
}

/* --- scalar values ----------------------------------------------------- */

static int is_tokchar(int c)
{
	return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* Digits of a number with '_' only between two digits.  Returns the end
 * of the run, or NULL when it is empty or an underscore is misplaced. */
static const char *digits(const char *q, const char *end, int (*ok)(int))
{
	const char *start = q;

	if (q >= end || !ok((unsigned char)*q))
		return NULL;
	for (; q < end; q++) {
		if (*q == '_') {
			if (q + 1 >= end || !ok((unsigned char)q[1]))
				return NULL;
		} else if (!ok((unsigned char)*q)) {
			break;
		}
	}
	return q > start ? q : NULL;
}

static int is_oct(int c)
{
	return c >= '0' && c <= '7';
}

static int is_bin(int c)
{
	return c == '0' || c == '1';
}

static int digit_value(int c)
{
	return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* A number token: integer (decimal, 0x, 0o, 0b) or float.  Returns NULL
 * and fills n, or a reason. */
static const char *parse_number(const char *tok, size_t len, struct toml_node *n)
{
	const char *q = tok, *end = tok + len, *e;
	int neg = 0, sign = 0;
	uint64_t v = 0, limit;

	if (*q == '+' || *q == '-') {
		neg = *q == '-';
		sign = 1;
		q++;
	}
	if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'o' || q[1] == 'b')) {
		int base = q[1] == 'x' ? 16 : q[1] == 'o' ? 8 : 2;
		if (sign)
			return "a hexadecimal, octal or binary integer cannot have a sign";
		e = digits(q + 2, end, base == 16 ? is_hex : base == 8 ? is_oct : is_bin);
		if (!e || e != end)
			return "not a valid integer";
		for (q += 2; q < end; q++) {
			if (*q == '_')
				continue;
			if (v > ((uint64_t)INT64_MAX - (uint64_t)digit_value(*q)) / (uint64_t)base)
				return "integer out of range (64 bits)";
			v = v * (uint64_t)base + (uint64_t)digit_value(*q);
		}
		n->type = TOML_INTEGER;
		n->u.i = (int64_t)v;
		return NULL;
	}
	e = digits(q, end, is_digit);
	if (!e)
		return "not a valid number";
	if (*q == '0' && e - q > 1)
		return "leading zeros are not allowed";
	if (e == end) {
		limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		for (; q < end; q++) {
			if (*q == '_')
				continue;
			if (v > (limit - (uint64_t)(*q - '0')) / 10)
				return "integer out of range (64 bits)";
			v = v * 10 + (uint64_t)(*q - '0');
		}
		n->type = TOML_INTEGER;
		n->u.i = neg ? (int64_t)(0 - v) : (int64_t)v;
		return NULL;
	}
	if (*e == '.') {
		e = digits(e + 1, end, is_digit);
		if (!e)
			return "a decimal point needs digits on both sides";
	}
	if (e < end && (*e == 'e' || *e == 'E')) {
		e++;
		if (e < end && (*e == '+' || *e == '-'))
			e++;
		e = digits(e, end, is_digit);
		if (!e)
			return "an exponent needs digits";
	}
	if (e != end)
		return "not a valid number";
	{
		char *copy = xmalloc(len + 1), *o = copy, *stop;
		double f;
		for (q = tok; q < end; q++)
			if (*q != '_')
				*o++ = *q;
		*o = '\0';
		f = strtod(copy, &stop);
		e = *stop ? "not a valid number" : NULL;
		free(copy);
		if (e)
			return e;
		if (isinf(f))
			return "float out of range";
		n->type = TOML_FLOAT;
		n->u.f = f;
	}
	return NULL;
}

static int two(const char *q)
{
	return (q[0] - '0') * 10 + (q[1] - '0');
}

static int all_digits(const char *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)q[i]))
			return 0;
	return 1;
}

static int days_in(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* "HH:MM:SS" with an optional fraction at q; returns its length or 0. */
static size_t parse_time(const char *q, const char *end, struct toml_datetime *dt,
			 const char **why)
{
	size_t n = 8, i;
	int scale = 100000000;

	if (end - q < 8 || !all_digits(q, 2) || q[2] != ':' || !all_digits(q + 3, 2) ||
	    q[5] != ':' || !all_digits(q + 6, 2)) {
		*why = "a time is HH:MM:SS";
		return 0;
	}
	dt->hour = two(q);
	dt->minute = two(q + 3);
	dt->second = two(q + 6);
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60) {
		*why = "hour, minute or second out of range";
		return 0;
	}
	if (q + 8 < end && q[8] == '.') {
		for (i = 9; q + i < end && is_digit((unsigned char)q[i]); i++) {
			dt->nanosecond += scale * (q[i] - '0');
			scale /= 10;
		}
		if (i == 9) {
			*why = "a decimal point in a time needs digits";
			return 0;
		}
		n = i;
	}
	return n;
}

/* Date, date-time or time token; returns NULL and fills n, or a reason. */
static const char *parse_datetime(const char *tok, size_t len, struct toml_node *n)
{
	const char *q = tok, *end = tok + len;
	struct toml_datetime dt;
	size_t tl, frac, tsz = sizeof(n->u.dt.text);
	int has_date = 0, has_off = 0, o = 0;
	char *t = n->u.dt.text;
	const char *why = "not a valid date or time";

	memset(&dt, 0, sizeof(dt));
	if (len >= 10 && all_digits(q, 4) && q[4] == '-' && all_digits(q + 5, 2) &&
	    q[7] == '-' && all_digits(q + 8, 2)) {
		dt.year = two(q) * 100 + two(q + 2);
		dt.month = two(q + 5);
		dt.day = two(q + 8);
		if (dt.month < 1 || dt.month > 12)
			return "month out of range";
		if (dt.day < 1 || dt.day > days_in(dt.year, dt.month))
			return "day out of range for its month";
		has_date = 1;
		o = snprintf(t, tsz, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
		q += 10;
		if (q == end) {
			n->type = TOML_DATE_LOCAL;
			n->u.dt.v = dt;
			return NULL;
		}
		if (*q != 'T' && *q != 't' && *q != ' ')
			return why;
		t[o++] = 'T';
		q++;
	}
	tl = parse_time(q, end, &dt, &why);
	if (!tl)
		return why;
	frac = tl > 9 ? tl - 9 : 0;
	if (frac > 9)
		frac = 9;
	o += snprintf(t + o, tsz - (size_t)o, "%02d:%02d:%02d", dt.hour, dt.minute,
		      dt.second);
	if (frac)
		o += snprintf(t + o, tsz - (size_t)o, ".%.*s", (int)frac, q + 9);
	q += tl;
	if (q < end && has_date) {
		if (*q == 'Z' || *q == 'z') {
			q++;
			snprintf(t + o, tsz - (size_t)o, "Z");
		} else if ((*q == '+' || *q == '-') && end - q >= 6 && all_digits(q + 1, 2) &&
			   q[3] == ':' && all_digits(q + 4, 2)) {
			int h = two(q + 1), m = two(q + 4);
			if (h > 23 || m > 59)
				return "time zone offset out of range";
			dt.offset_minutes = (*q == '-' ? -1 : 1) * (h * 60 + m);
			snprintf(t + o, tsz - (size_t)o, "%.6s", q);
			q += 6;
		} else {
			return "a time zone offset is Z or +HH:MM";
		}
		has_off = 1;
	}
	if (q != end)
		return why;
	n->u.dt.v = dt;
	n->type = has_off ? TOML_DATETIME : has_date ? TOML_DATETIME_LOCAL : TOML_TIME_LOCAL;
	return NULL;
}

/* A bare value: boolean, number, date or time, read as one token. */
static int parse_scalar(struct parser *p, struct toml_node *n)
{
	size_t start = p->pos, len;
	const char *tok = p->s + start, *why;
	char d[40];

	while (is_tokchar(at(p, 0)))
		p->pos++;
	/* "1979-05-27 07:32:00": a space may separate date and time */
	if (p->pos - start == 10 && tok[4] == '-' && at(p, 0) == ' ' &&
	    is_digit(at(p, 1)) && is_digit(at(p, 2)) && at(p, 3) == ':') {
		p->pos++;
		while (is_tokchar(at(p, 0)))
			p->pos++;
	}
	len = p->pos - start;
	if (!len)
		return fail(p, start, "expected a value, found %s",
			    describe(p, start, d, sizeof(d)));
	if ((len == 4 && !memcmp(tok, "true", 4)) || (len == 5 && !memcmp(tok, "false", 5))) {
		n->type = TOML_BOOL;
		n->u.b = len == 4;
		return 0;
	}
	if ((len == 3 || (len == 4 && (*tok == '+' || *tok == '-'))) &&
	    (!memcmp(tok + len - 3, "inf", 3) || !memcmp(tok + len - 3, "nan", 3))) {
		int neg = *tok == '-';
		n->type = TOML_FLOAT;
		if (tok[len - 3] == 'i')
			n->u.f = neg ? -HUGE_VAL : HUGE_VAL;
		else
			n->u.f = neg ? -NAN : NAN;
		return 0;
	}
	if ((len >= 10 && tok[4] == '-' && is_digit((unsigned char)tok[0])) ||
	    (len >= 3 && tok[2] == ':'))
		why = parse_datetime(tok, len, n);
	else if (is_digit((unsigned char)*tok) || *tok == '+' || *tok == '-')
		why = parse_number(tok, len, n);
	else
		why = "not a value (strings need quotes)";
	if (why) {
		char shown[SHOW_KEY + 8];
		show(shown, sizeof(shown), tok, len);
		return fail(p, start, "invalid value '%s': %s", shown, why);
	}
	return 0;
}

/* --- compound values --------------------------------------------------- */

static int parse_keyval(struct parser *p, struct toml_node *table);

static int parse_value(struct parser *p, int depth, int line, int col,
		       struct toml_node **out);

static int parse_array(struct parser *p, struct toml_node *arr)
{
	char d[40];

	p->pos++;
	for (;;) {
		struct toml_node *elem = NULL;
		int line, col;

		if (skip_blank(p))
			return -1;
		if (at(p, 0) == ']')
			break;
		linecol(p, p->pos, &line, &col);
		if (parse_value(p, arr->depth + 1, line, col, &elem))
			return -1;
		elem->parent = arr;
		kids_push(arr, elem);
		if (skip_blank(p))
			return -1;
		if (at(p, 0) == ',') {
			p->pos++;
			continue;
		}
		if (at(p, 0) != ']')
			return fail(p, p->pos, "expected ',' or ']' in an array, found %s",
				    describe(p, p->pos, d, sizeof(d)));
		break;
	}
	p->pos++;
	return 0;
}

/* { k = v, ... } on one line; closed to every later addition. */
static int parse_inline_table(struct parser *p, struct toml_node *t)
{
	char d[40];

	p->pos++;
	skip_ws(p);
	if (at(p, 0) != '}') {
		for (;;) {
			if (parse_keyval(p, t))
				return -1;
			skip_ws(p);
			if (at(p, 0) == ',') {
				p->pos++;
				continue;
			}
			if (at(p, 0) == '}')
				break;
			return fail(p, p->pos, "expected ',' or '}' in an inline table, found %s",
				    describe(p, p->pos, d, sizeof(d)));
		}
	}
	p->pos++;
	t->flags |= F_INLINE;
	return 0;
}

/* Any value at p->pos; on success *out is a new node at 'depth'. */
static int parse_value(struct parser *p, int depth, int line, int col,
		       struct toml_node **out)
{
	struct toml_node *n;
	int c = at(p, 0), rc;

	*out = NULL;
	if (check_depth(p, p->pos, depth))
		return -1;
	n = node_new(TOML_STRING, line, col, depth);
	if (c == '"' || c == '\'') {
		rc = parse_string(p, 1, &n->u.str.s, &n->u.str.len);
	} else if (c == '[') {
		n->type = TOML_ARRAY;
		rc = parse_array(p, n);
	} else if (c == '{') {
		n->type = TOML_TABLE;
		rc = parse_inline_table(p, n);
	} else {
		n->type = TOML_BOOL;    /* nothing to free if it fails */
		rc = parse_scalar(p, n);
	}
	if (rc) {
		node_free(n);
		return -1;
	}
	*out = n;
	return 0;
}

/* key = value into 'table', making the tables of a dotted key on the way. */
static int parse_keyval(struct parser *p, struct toml_node *table)
{
	struct keypath kp = { 0 };
	struct toml_node *t = table, *kid, *v = NULL;
	struct keypart *last;
	char path[256], d[40];
	size_t i;
	int rc = -1;

	if (parse_key(p, &kp))
		goto out;
	if (at(p, 0) != '=') {
		fail(p, p->pos, "expected '=' after a key, found %s",
		     describe(p, p->pos, d, sizeof(d)));
		goto out;
	}
	p->pos++;
	skip_ws(p);
	for (i = 0; i + 1 < kp.n; i++) {
		struct keypart *part = &kp.v[i];
		kid = table_find(t, part->s, part->len);
		if (!kid) {
			if (check_depth(p, part->pos, t->depth + 1))
				goto out;
			kid = node_new(TOML_TABLE, part->line, part->col, t->depth + 1);
			kid->flags = F_DOTTED;
			table_add(t, kid, part);
		} else if (kid->type != TOML_TABLE || (kid->flags & (F_INLINE | F_DEFINED))) {
			show_path(path, sizeof(path), kid);
			fail(p, part->pos, "cannot add keys to '%s': it is %s defined on line %d%s",
			     path, what(kid), kid->line, kid->type == TOML_TABLE &&
			     !(kid->flags & F_INLINE) ? " by a [table] header" : "");
			goto out;
		} else if (kid->flags & F_IMPLICIT) {
			kid->flags = F_DOTTED;
		}
		t = kid;
	}
	last = &kp.v[kp.n - 1];
	kid = table_find(t, last->s, last->len);
	if (kid) {
		show_path(path, sizeof(path), kid);
		fail(p, last->pos, "key '%s' is already defined on line %d", path, kid->line);
		goto out;
	}
	if (parse_value(p, t->depth + 1, last->line, last->col, &v))
		goto out;
	table_add(t, v, last);
	rc = 0;
out:
	keypath_release(&kp);
	return rc;
}

/* [a.b.c] or [[a.b.c]]: make p->cur the table it names. */
static int parse_header(struct parser *p)
{
	struct keypath kp = { 0 };
	struct toml_node *t = p->root, *kid;
	struct keypart *last;
	int aot = at(p, 1) == '[';
	char path[256];
	size_t i;
	int rc = -1;

	p->pos += aot ? 2 : 1;
	if (parse_key(p, &kp))
		goto out;
	if (at(p, 0) != ']' || (aot && at(p, 1) != ']')) {
		fail(p, p->pos, "expected '%s' to close the table header", aot ? "]]" : "]");
		goto out;
	}
	p->pos += aot ? 2 : 1;
	for (i = 0; i + 1 < kp.n; i++) {
		struct keypart *part = &kp.v[i];
		kid = table_find(t, part->s, part->len);
		if (!kid) {
			if (check_depth(p, part->pos, t->depth + 1))
				goto out;
			kid = node_new(TOML_TABLE, part->line, part->col, t->depth + 1);
			kid->flags = F_IMPLICIT;
			table_add(t, kid, part);
		} else if (kid->type == TOML_ARRAY && (kid->flags & F_AOT)) {
			kid = kid->u.kids.v[kid->u.kids.n - 1];
		} else if (kid->type != TOML_TABLE || (kid->flags & F_INLINE)) {
			show_path(path, sizeof(path), kid);
			fail(p, part->pos, "cannot add a table to '%s': it is %s defined on line %d",
			     path, what(kid), kid->line);
			goto out;
		}
		t = kid;
	}
	last = &kp.v[kp.n - 1];
	kid = table_find(t, last->s, last->len);
	if (kid)
		show_path(path, sizeof(path), kid);
	if (aot) {
		struct toml_node *arr = kid;
		if (!arr) {
			if (check_depth(p, last->pos, t->depth + 2))
				goto out;
			arr = node_new(TOML_ARRAY, last->line, last->col, t->depth + 1);
			arr->flags = F_AOT;
			table_add(t, arr, last);
		} else if (arr->type != TOML_ARRAY || !(arr->flags & F_AOT)) {
			fail(p, last->pos, "'%s' is already %s defined on line %d, not an "
			     "array of tables", path, what(arr), arr->line);
			goto out;
		}
		kid = node_new(TOML_TABLE, last->line, last->col, arr->depth + 1);
		kid->flags = F_DEFINED;
		kid->parent = arr;
		kids_push(arr, kid);
	} else if (!kid) {
		if (check_depth(p, last->pos, t->depth + 1))
			goto out;
		kid = node_new(TOML_TABLE, last->line, last->col, t->depth + 1);
		kid->flags = F_DEFINED;
		table_add(t, kid, last);
	} else if (kid->type == TOML_TABLE && kid->flags == F_IMPLICIT) {
		kid->flags = F_DEFINED;
		kid->line = last->line;
		kid->col = last->col;
	} else {
		if (kid->type == TOML_TABLE && !(kid->flags & F_INLINE))
			fail(p, last->pos, "table '%s' is already defined on line %d", path,
			     kid->line);
		else
			fail(p, last->pos, "'%s' is already %s defined on line %d", path,
			     what(kid), kid->line);
		goto out;
	}
	p->cur = kid;
	rc = 0;
out:
	keypath_release(&kp);
	return rc;
}

/* --- the document ------------------------------------------------------ */

int toml_parse(const char *text, size_t len, struct toml_node **root,
	       char *err, size_t errlen)
{
	struct parser p;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.s = text;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	p.lc_line = p.lc_col = 1;
	if (err && errlen)
		err[0] = '\0';
	*root = NULL;
	p.root = p.cur = node_new(TOML_TABLE, 1, 1, 0);
	p.root->flags = F_DEFINED;
	if (len > TOML_MAX_SIZE) {
		fail(&p, 0, "document larger than %zu bytes", TOML_MAX_SIZE);
		goto out;
	}
	if (!text && len) {
		fail(&p, 0, "no document");
		goto out;
	}
	if (check_utf8(&p))
		goto out;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.pos = p.lc_pos = 3;
	for (;;) {
		int c;

		skip_ws(&p);
		c = at(&p, 0);
		if (c < 0)
			break;
		if (c == '#') {
			if (skip_comment(&p))
				goto out;
		} else if (eat_newline(&p)) {
			continue;
		} else if (c == '[') {
			if (parse_header(&p) || end_of_line(&p, "a table header"))
				goto out;
		} else {
			if (parse_keyval(&p, p.cur) || end_of_line(&p, "a value"))
				goto out;
		}
	}
	*root = p.root;
	p.root = NULL;
	rc = 0;
out:
	node_free(p.root);
	return rc;
}

/* --- access ------------------------------------------------------------ */

enum toml_type toml_type(const struct toml_node *n)
{
	return n->type;
}

const char *toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_STRING: return "string";
	case TOML_INTEGER: return "integer";
	case TOML_FLOAT: return "float";
	case TOML_BOOL: return "boolean";
	case TOML_DATETIME: return "offset date-time";
	case TOML_DATETIME_LOCAL: return "local date-time";
	case TOML_DATE_LOCAL: return "local date";
	case TOML_TIME_LOCAL: return "local time";
	case TOML_ARRAY: return "array";
	case TOML_TABLE: return "table";
	}
	return "value";
}

int toml_line(const struct toml_node *n)
{
	return n->line;
}

int toml_column(const struct toml_node *n)
{
	return n->col;
}

const char *toml_key(const struct toml_node *n, size_t *len)
{
	if (len)
		*len = n->keylen;
	return n->key;
}

size_t toml_count(const struct toml_node *n)
{
	if (!n || (n->type != TOML_TABLE && n->type != TOML_ARRAY))
		return 0;
	return n->u.kids.n;
}

const struct toml_node *toml_at(const struct toml_node *n, size_t i)
{
	return i < toml_count(n) ? n->u.kids.v[i] : NULL;
}

const struct toml_node *toml_get(const struct toml_node *table, const char *key)
{
	if (!table || table->type != TOML_TABLE || !key)
		return NULL;
	return table_find(table, key, strlen(key));
}

const struct toml_node *toml_path(const struct toml_node *table, const char *dotted)
{
	const char *part = dotted, *dot;

	if (!dotted)
		return NULL;
	for (;;) {
		if (!table || table->type != TOML_TABLE)
			return NULL;
		dot = strchr(part, '.');
		if (!dot)
			return table_find(table, part, strlen(part));
		table = table_find(table, part, (size_t)(dot - part));
		part = dot + 1;
	}
}

int toml_string(const struct toml_node *n, const char **s, size_t *len)
{
	if (!n || n->type != TOML_STRING)
		return -1;
	*s = n->u.str.s;
	if (len)
		*len = n->u.str.len;
	return 0;
}

int toml_int(const struct toml_node *n, int64_t *v)
{
	if (!n || n->type != TOML_INTEGER)
		return -1;
	*v = n->u.i;
	return 0;
}

int toml_float(const struct toml_node *n, double *v)
{
	if (!n || n->type != TOML_FLOAT)
		return -1;
	*v = n->u.f;
	return 0;
}

int toml_bool(const struct toml_node *n, int *v)
{
	if (!n || n->type != TOML_BOOL)
		return -1;
	*v = n->u.b;
	return 0;
}

static int is_datetime(const struct toml_node *n)
{
	return n && (n->type == TOML_DATETIME || n->type == TOML_DATETIME_LOCAL ||
		     n->type == TOML_DATE_LOCAL || n->type == TOML_TIME_LOCAL);
}

int toml_datetime(const struct toml_node *n, struct toml_datetime *v)
{
	if (!is_datetime(n))
		return -1;
	*v = n->u.dt.v;
	return 0;
}

const char *toml_datetime_text(const struct toml_node *n)
{
	return is_datetime(n) ? n->u.dt.text : NULL;
}
