/*
 * doc.h - builds one answer twice at once: a plain-text body and an HTML
 * formatted_body (paragraphs, bold headings, lists, user pills).  Every
 * piece of text given to it is escaped in the HTML and has its line breaks
 * folded into spaces, so a title or a name typed with a newline cannot add
 * a line to either rendering; only this module writes tags.  It writes no
 * tables and only tags every Matrix client renders (p, b, code, a, ul, li):
 * answers are read on phones, whose clients show no HTML tables.  Knows
 * nothing of Matrix beyond the matrix.to link of a user pill.
 */
#ifndef CAUCUS_DOC_H
#define CAUCUS_DOC_H

#include "util.h"

enum doc_block {
	DOC_PARA,       /* a paragraph */
	DOC_HEADING,    /* a short bold line heading a section */
	DOC_ITEM,       /* an item of a bulleted list (consecutive items share it) */
};

/* Lists longer than this are cut, ending with doc_more(). */
#define DOC_LIST_SHOWN 15

/* How many of n items a list shows: all when 'all' (the user asked for
 * every one) or when there are few enough, else DOC_LIST_SHOWN (a cut
 * that leaves out one or two would save nothing). */
size_t doc_list_shown(size_t n, int all);

struct doc {
	struct buf plain;
	struct buf html;
	enum doc_block block;
	int open;       /* inside a block */
	int in_list;
};

void doc_init(struct doc *d);
void doc_release(struct doc *d);

/* Start a block; ends any open block first. */
void doc_begin(struct doc *d, enum doc_block kind);
/* Text into the open block (a paragraph is begun when none is open). */
void doc_text(struct doc *d, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* bold: the key of a list item, a flag such as "no lead" */
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

/* The line that ends a cut list: "… and 12 more: !actions all" (cmd in
 * code style; NULL for none). */
void doc_more(struct doc *d, size_t more, const char *cmd);

/* 1 when nothing has been written. */
int doc_empty(const struct doc *d);

/* Close everything and hand out both renderings (caller frees both);
 * the doc is reset and can be reused. */
void doc_finish(struct doc *d, char **plain, char **html);

#endif
