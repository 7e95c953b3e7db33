/*
 * doc.c - one answer rendered twice: plain text for the body and HTML for
 * formatted_body.  The HTML side escapes every piece of text it is given;
 * the tags come only from the block structure kept here.
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
	if (d->in_table && next != DOC_ROW) {
		buf_puts(&d->html, "</tbody></table>");
		d->in_table = 0;
	}
}

void doc_end(struct doc *d)
{
	if (!d->open)
		return;
	switch (d->block) {
	case DOC_PARA: buf_puts(&d->html, "</p>"); break;
	case DOC_HEADING: buf_puts(&d->html, "</strong></p>"); break;
	case DOC_ITEM: buf_puts(&d->html, "</li>"); break;
	case DOC_ROW: buf_puts(&d->html, d->cell ? "</td></tr>" : "</tr>"); break;
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
	d->cell = 0;
	switch (kind) {
	case DOC_PARA: buf_puts(&d->html, "<p>"); break;
	case DOC_HEADING: buf_puts(&d->html, "<p><strong>"); break;
	case DOC_ITEM:
		if (!d->in_list) {
			buf_puts(&d->html, "<ul>");
			d->in_list = 1;
		}
		buf_puts(&d->html, "<li>");
		buf_puts(&d->plain, "• ");
		break;
	case DOC_ROW:
		if (!d->in_table) {     /* a row without doc_table: a bare table */
			buf_puts(&d->html, "<table><tbody>");
			d->in_table = 1;
		}
		buf_puts(&d->html, "<tr>");
		buf_puts(&d->plain, "  ");
		break;
	}
}

static void ensure_open(struct doc *d)
{
	if (!d->open)
		doc_begin(d, DOC_PARA);
}

static void vtext(struct doc *d, const char *open, const char *close, const char *fmt,
		  va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	ensure_open(d);
	buf_puts(&d->plain, s);
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
	vtext(d, "<strong>", "</strong>", fmt, ap);
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
	ensure_open(d);
	buf_puts(&d->plain, name ? name : user_id);
	buf_puts(&d->html, "<a href=\"https://matrix.to/#/");
	/* user IDs are restricted to a safe grammar, but escape all the same */
	buf_html_escape(&d->html, user_id);
	buf_puts(&d->html, "\">");
	buf_html_escape(&d->html, name ? name : user_id);
	buf_puts(&d->html, "</a>");
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

void doc_table(struct doc *d, size_t n, const char *const *titles)
{
	doc_end(d);
	close_containers(d, DOC_PARA);
	buf_puts(&d->html, "<table><thead><tr>");
	buf_puts(&d->plain, "  ");
	for (size_t i = 0; i < n; i++) {
		buf_puts(&d->html, "<th>");
		buf_html_escape(&d->html, titles[i]);
		buf_puts(&d->html, "</th>");
		if (i)
			buf_puts(&d->plain, " | ");
		buf_puts(&d->plain, titles[i]);
	}
	buf_puts(&d->html, "</tr></thead><tbody>");
	buf_putc(&d->plain, '\n');
	d->in_table = 1;
}

void doc_cell(struct doc *d)
{
	if (!d->open || d->block != DOC_ROW)
		doc_begin(d, DOC_ROW);
	if (d->cell++) {
		buf_puts(&d->html, "</td>");
		buf_puts(&d->plain, " | ");
	}
	buf_puts(&d->html, "<td>");
}

void doc_finish(struct doc *d, char **plain, char **html)
{
	doc_end(d);
	close_containers(d, DOC_PARA);
	while (d->plain.len && d->plain.data[d->plain.len - 1] == '\n')
		d->plain.data[--d->plain.len] = '\0';
	*plain = buf_detach(&d->plain);
	*html = buf_detach(&d->html);
	d->open = d->in_list = d->in_table = d->cell = 0;
}
