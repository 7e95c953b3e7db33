/*
 * doc.c - one answer rendered twice: plain text for the body and HTML for
 * formatted_body.  The HTML side escapes every piece of text it is given;
 * the tags come only from the block structure kept here.  No tables: one
 * item per line, key first, reads on a 360 px phone screen (and Element X
 * renders no HTML table at all).
 */
#include "doc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void doc_init(struct doc *d)
{
	memset(d, 0, sizeof(*d));
	buf_init(&d->plain, 0);
	buf_init(&d->html, 0);
}

void doc_release(struct doc *d)
{
	buf_release(&d->plain);
	buf_release(&d->html);
}

int doc_empty(const struct doc *d)
{
	return d->plain.len == 0 && d->html.len == 0;
}

static void close_containers(struct doc *d, enum doc_block next)
{
	if (d->in_list && next != DOC_ITEM) {
		buf_puts(&d->html, "</ul>");
		d->in_list = 0;
	}
}

/* Line breaks, tabs and other control characters in s become single
 * spaces, in place: a block is one line of the plain body, whatever a
 * title or a name holds. */
static void fold_controls(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		unsigned char c = (unsigned char)*r;
		if (c < 0x20 || c == 0x7f) {
			if (w == s || w[-1] != ' ')
				*w++ = ' ';
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

void doc_end(struct doc *d)
{
	if (!d->open)
		return;
	switch (d->block) {
	case DOC_PARA: buf_puts(&d->html, "</p>"); break;
	case DOC_HEADING: buf_puts(&d->html, "</b></p>"); break;
	case DOC_ITEM: buf_puts(&d->html, "</li>"); break;
	}
	buf_putc(&d->plain, '\n');
	d->open = 0;
}

void doc_begin(struct doc *d, enum doc_block kind)
{
	doc_end(d);
	close_containers(d, kind);
	d->block = kind;
	d->open = 1;
	switch (kind) {
	case DOC_PARA: buf_puts(&d->html, "<p>"); break;
	case DOC_HEADING: buf_puts(&d->html, "<p><b>"); break;
	case DOC_ITEM:
		if (!d->in_list) {
			buf_puts(&d->html, "<ul>");
			d->in_list = 1;
		}
		buf_puts(&d->html, "<li>");
		buf_puts(&d->plain, "• ");
		break;
	}
}

static void ensure_open(struct doc *d)
{
	if (!d->open)
		doc_begin(d, DOC_PARA);
}

/*
 * s into the plain body, a '|' that could read as a column separator (at
 * either end, or next to a space) written as '¦': no text, whoever typed
 * it, makes a line of the plain body look like a row of a table.  A '|'
 * inside a word ("[issue|today|all]") stays.
 */
static void plain_puts(struct doc *d, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '|' && (i == 0 || s[i - 1] == ' ' || s[i + 1] == ' ' || !s[i + 1]))
			buf_puts(&d->plain, "¦");
		else
			buf_putc(&d->plain, s[i]);
	}
}

static void vtext(struct doc *d, const char *open, const char *close, const char *fmt,
		  va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	fold_controls(s);
	ensure_open(d);
	plain_puts(d, s);
	if (open)
		buf_puts(&d->html, open);
	buf_html_escape(&d->html, s);
	if (close)
		buf_puts(&d->html, close);
	free(s);
}

void doc_text(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtext(d, NULL, NULL, fmt, ap);
	va_end(ap);
}

void doc_strong(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtext(d, "<b>", "</b>", fmt, ap);
	va_end(ap);
}

void doc_code(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtext(d, "<code>", "</code>", fmt, ap);
	va_end(ap);
}

void doc_user(struct doc *d, const char *user_id, const char *name)
{
	char *label = xstrdup(name ? name : user_id), *id = xstrdup(user_id);

	fold_controls(label);
	fold_controls(id);
	ensure_open(d);
	plain_puts(d, label);
	buf_puts(&d->html, "<a href=\"https://matrix.to/#/");
	/* user IDs are restricted to a safe grammar, but escape all the same */
	buf_html_escape(&d->html, id);
	buf_puts(&d->html, "\">");
	buf_html_escape(&d->html, label);
	buf_puts(&d->html, "</a>");
	free(label);
	free(id);
}

static void whole_block(struct doc *d, enum doc_block kind, const char *fmt, va_list ap)
{
	doc_begin(d, kind);
	vtext(d, NULL, NULL, fmt, ap);
	doc_end(d);
}

void doc_para(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	whole_block(d, DOC_PARA, fmt, ap);
	va_end(ap);
}

void doc_heading(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	whole_block(d, DOC_HEADING, fmt, ap);
	va_end(ap);
}

void doc_item(struct doc *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	whole_block(d, DOC_ITEM, fmt, ap);
	va_end(ap);
}

size_t doc_list_shown(size_t n, int all)
{
	return all || n <= DOC_LIST_SHOWN + 2 ? n : DOC_LIST_SHOWN;
}

void doc_more(struct doc *d, size_t more, const char *cmd)
{
	doc_begin(d, DOC_PARA);
	doc_text(d, "… and %zu more", more);
	if (cmd) {
		doc_text(d, ": ");
		doc_code(d, "%s", cmd);
	}
	doc_end(d);
}

void doc_finish(struct doc *d, char **plain, char **html)
{
	doc_end(d);
	close_containers(d, DOC_PARA);
	while (d->plain.len && d->plain.data[d->plain.len - 1] == '\n')
		d->plain.data[--d->plain.len] = '\0';
	*plain = buf_detach(&d->plain);
	*html = buf_detach(&d->html);
	d->open = d->in_list = 0;
}
