/*
 * doc.h - builds one answer twice at once: a plain-text body and an HTML
 * formatted_body (paragraphs, lists, tables, user pills).  Every piece of
 * text given to it is escaped in the HTML; only this module writes tags.
 * Knows nothing of Matrix beyond the matrix.to link of a user pill.
 */
#ifndef CAUCUS_DOC_H
#define CAUCUS_DOC_H

#include "util.h"

enum doc_block {
	DOC_PARA,       /* a paragraph */
	DOC_HEADING,    /* a bold line */
	DOC_ITEM,       /* an item of a bulleted list (consecutive items share it) */
	DOC_ROW,        /* a row of the current table (see doc_table) */
};

struct doc {
	struct buf plain;
	struct buf html;
	enum doc_block block;
	int open;       /* inside a block */
	int in_list;
	int in_table;
	int cell;       /* cells begun in the current row */
};

void doc_init(struct doc *d);
void doc_release(struct doc *d);

/* Start a block; ends any open block first. */
void doc_begin(struct doc *d, enum doc_block kind);
/* Text into the open block (a paragraph is begun when none is open). */
void doc_text(struct doc *d, const char *fmt, ...) PRINTF_LIKE(2, 3);
void doc_strong(struct doc *d, const char *fmt, ...) PRINTF_LIKE(2, 3);
void doc_code(struct doc *d, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* A user: HTML pill to matrix.to with 'name' (or the ID when NULL) as label;
 * plain text shows the name. */
void doc_user(struct doc *d, const char *user_id, const char *name);
void doc_end(struct doc *d);

/* Shorthands: one whole block of formatted text. */
void doc_para(struct doc *d, const char *fmt, ...) PRINTF_LIKE(2, 3);
void doc_heading(struct doc *d, const char *fmt, ...) PRINTF_LIKE(2, 3);
void doc_item(struct doc *d, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Tables: doc_table() opens one with a header row of n titles; each row is
 * doc_begin(DOC_ROW), then doc_cell() before each cell's text. */
void doc_table(struct doc *d, size_t n, const char *const *titles);
void doc_cell(struct doc *d);

/* 1 when nothing has been written. */
int doc_empty(const struct doc *d);

/* Close everything and hand out both renderings (caller frees both);
 * the doc is reset and can be reused. */
void doc_finish(struct doc *d, char **plain, char **html);

#endif
