/*
 * toml.h - a TOML 1.0.0 parser: one document from a (pointer, length)
 * buffer into an immutable tree of nodes.  Every node remembers the line
 * and column where its key (or, in an array, its value) was written, so a
 * configuration error can name the line.  Hostile input is bounded: nesting
 * depth, key paths and document size have hard limits and nothing recurses
 * deeper than TOML_MAX_DEPTH.  Knows nothing of caucus's own keys.
 */
#ifndef CAUCUS_TOML_H
#define CAUCUS_TOML_H

#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_DEPTH 128              /* tables and arrays inside each other */
#define TOML_MAX_SIZE ((size_t)1 << 30) /* bytes in one document */
#define TOML_ERR_SIZE 256               /* enough for any error message */

enum toml_type {
	TOML_STRING = 1,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,          /* offset date-time: 1979-05-27T07:32:00Z */
	TOML_DATETIME_LOCAL,    /* 1979-05-27T07:32:00 */
	TOML_DATE_LOCAL,        /* 1979-05-27 */
	TOML_TIME_LOCAL,        /* 07:32:00 */
	TOML_ARRAY,
	TOML_TABLE,
};

/* The fields of a date/time; those its kind lacks are 0. */
struct toml_datetime {
	int year, month, day;           /* month 1-12 */
	int hour, minute, second;       /* second 0-60 */
	int nanosecond;                 /* fraction digits past 9 are dropped */
	int offset_minutes;             /* east of UTC; TOML_DATETIME only */
};

struct toml_node;

/*
 * Parse 'len' bytes at 'text' (need not be NUL-terminated; a UTF-8 BOM at
 * the start is skipped).  On success returns 0 and sets *root to the
 * top-level table, which the caller frees with toml_free(); the tree keeps
 * no pointer into 'text'.  On failure returns -1, sets *root to NULL and
 * writes "LINE:COL: reason" (1-based, COL in characters) into err, which
 * should hold TOML_ERR_SIZE bytes; err may be NULL.
 */
int toml_parse(const char *text, size_t len, struct toml_node **root,
	       char *err, size_t errlen);

/* Free a tree from toml_parse; NULL is a no-op.  String values are wiped
 * first (a configuration holds passwords).  Every node, string and key
 * pointer obtained from the tree dies with it. */
void toml_free(struct toml_node *root);

/* The node's type; "string", "integer", "float", "boolean", "offset
 * date-time", "local date-time", "local date", "local time", "array",
 * "table" for messages (static strings). */
enum toml_type toml_type(const struct toml_node *n);
const char *toml_type_name(enum toml_type t);

/* Where the node's key was defined (a table header, a key = value or a dotted
 * key part), or where an array element starts; the root is 1:1. */
int toml_line(const struct toml_node *n);
int toml_column(const struct toml_node *n);

/* The node's key inside its table (NUL-terminated, but it may hold NUL
 * bytes too: *len tells), or NULL for the root and array elements.  len may
 * be NULL.  Owned by the tree. */
const char *toml_key(const struct toml_node *n, size_t *len);

/* Entries of a table in the order they were defined, or elements of an
 * array; 0 for any other node.  toml_at returns NULL past the end. */
size_t toml_count(const struct toml_node *n);
const struct toml_node *toml_at(const struct toml_node *n, size_t i);

/* The entry 'key' of a table, or NULL (also when n is not a table). */
const struct toml_node *toml_get(const struct toml_node *table, const char *key);
/* Walk "a.b.c" through tables from 'table' (parts are split on '.', no
 * quoting); NULL when any part is missing or not a table. */
const struct toml_node *toml_path(const struct toml_node *table, const char *dotted);

/*
 * Typed access: 0 and the value when the node has that type, else -1 and
 * the output untouched.  A string is NUL-terminated and owned by the tree;
 * it may hold NUL bytes ("\u0000"), so *len (may be NULL) is its length.
 * toml_datetime accepts all four date/time kinds.
 */
int toml_string(const struct toml_node *n, const char **s, size_t *len);
int toml_int(const struct toml_node *n, int64_t *v);
int toml_float(const struct toml_node *n, double *v);
int toml_bool(const struct toml_node *n, int *v);
int toml_datetime(const struct toml_node *n, struct toml_datetime *v);
/* A date/time as RFC 3339 text ("1979-05-27T07:32:00.5+01:00", upper-case
 * 'T' and 'Z', fraction as written up to 9 digits), owned by the tree; NULL
 * for other types. */
const char *toml_datetime_text(const struct toml_node *n);

#endif
