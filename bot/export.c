/*
 * export.c - renders one issue's log for "caucus export": Markdown for
 * people (grouped by day, kinds marked) or JSON for other tools; or its
 * sessions as iCalendar, for a calendar program.
 */
#include "export.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_doc.h"
#include "ical.h"
#include "store_session.h"
#include "when.h"

#define EXPORT_DOCS_MAX 10000   /* revisions exported; a conference has hundreds */

struct export_state {
	const char *tz;
	struct buf *out;
	cJSON *arr;
	char day[16];
};

static void md_entry(const struct export_entry *e, void *ud)
{
	struct export_state *x = ud;
	char day[16], hm[8];

	tz_format_date(x->tz, e->ts_ms / 1000, day, sizeof(day));
	tz_format_hm(x->tz, e->ts_ms / 1000, hm, sizeof(hm));
	if (strcmp(day, x->day)) {
		buf_printf(x->out, "\n## %s\n\n", day);
		snprintf(x->day, sizeof(x->day), "%s", day);
	}
	buf_printf(x->out, "- %s %s", hm, e->sender);
	if (strcmp(e->kind, "message"))
		buf_printf(x->out, " **%s**", e->kind);
	buf_puts(x->out, ": ");
	/* keep each entry one list item: indent continuation lines */
	for (const char *p = e->body; *p; p++) {
		buf_putc(x->out, *p);
		if (*p == '\n')
			buf_puts(x->out, "  ");
	}
	buf_putc(x->out, '\n');
}

static void json_entry(const struct export_entry *e, void *ud)
{
	struct export_state *x = ud;
	cJSON *o = cJSON_CreateObject();
	char when[32], day[16], hm[8];

	tz_format_date(x->tz, e->ts_ms / 1000, day, sizeof(day));
	tz_format_hm(x->tz, e->ts_ms / 1000, hm, sizeof(hm));
	snprintf(when, sizeof(when), "%s %s", day, hm);
	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "ts_ms", (double)e->ts_ms);
	cJSON_AddStringToObject(o, "sender", e->sender);
	cJSON_AddStringToObject(o, "kind", e->kind);
	cJSON_AddStringToObject(o, "body", e->body);
	cJSON_AddItemToArray(x->arr, o);
}

/* Every revision recorded for the issue since since_ms, oldest first. */
static int load_docs(struct store *st, int64_t issue_id, int64_t since_ms,
		     struct doc_rev_list *docs)
{
	return store_doc_range(st, issue_id, NULL, NULL, since_ms, INT64_MAX, EXPORT_DOCS_MAX, docs);
}

static void json_docs(const char *tz, const struct doc_rev_list *docs, cJSON *arr)
{
	for (size_t i = 0; i < docs->n; i++) {
		const struct doc_rev *r = &docs->v[i];
		cJSON *o = cJSON_CreateObject();
		char day[16], hm[8], when[32];

		tz_format_date(tz, r->ts_ms / 1000, day, sizeof(day));
		tz_format_hm(tz, r->ts_ms / 1000, hm, sizeof(hm));
		snprintf(when, sizeof(when), "%s %s", day, hm);
		cJSON_AddStringToObject(o, "document", r->doc);
		cJSON_AddStringToObject(o, "symbol", r->symbol);
		cJSON_AddNumberToObject(o, "revision", r->rev);
		if (r->title)
			cJSON_AddStringToObject(o, "title", r->title);
		if (r->url)
			cJSON_AddStringToObject(o, "url", r->url);
		if (r->file_name) {
			cJSON_AddStringToObject(o, "file", r->file_name);
			cJSON_AddStringToObject(o, "file_url", r->file_url ? r->file_url : "");
		}
		cJSON_AddStringToObject(o, "sender", r->sender);
		cJSON_AddStringToObject(o, "time", when);
		cJSON_AddNumberToObject(o, "ts_ms", (double)r->ts_ms);
		cJSON_AddItemToArray(arr, o);
	}
}

static void md_docs(const char *tz, const struct doc_rev_list *docs, struct buf *out)
{
	if (!docs->n)
		return;
	buf_puts(out, "\n## Documents\n\n");
	for (size_t i = 0; i < docs->n; i++) {
		const struct doc_rev *r = &docs->v[i];
		char day[16], hm[8];

		tz_format_date(tz, r->ts_ms / 1000, day, sizeof(day));
		tz_format_hm(tz, r->ts_ms / 1000, hm, sizeof(hm));
		buf_printf(out, "- %s %s **%s**", day, hm, r->symbol);
		if (r->title)
			buf_printf(out, " %s", r->title);
		buf_printf(out, " (%s", r->sender);
		if (r->file_name)
			buf_printf(out, ", file %s", r->file_name);
		if (r->url)
			buf_printf(out, ", %s", r->url);
		buf_puts(out, ")\n");
	}
}

int export_issue(struct store *st, int64_t issue_id, const char *slug, const char *name,
		 const char *tz, int64_t since_ms, const char *format, struct buf *out)
{
	struct export_state x = { .tz = tz, .out = out };
	struct doc_rev_list docs = { 0 };
	int rc = -1;

	if (load_docs(st, issue_id, since_ms, &docs))
		return -1;
	if (!strcmp(format, "json")) {
		cJSON *root = cJSON_CreateObject();
		char *text;
		cJSON_AddStringToObject(root, "issue", slug);
		cJSON_AddStringToObject(root, "name", name);
		cJSON_AddStringToObject(root, "timezone", tz);
		x.arr = cJSON_AddArrayToObject(root, "entries");
		json_docs(tz, &docs, cJSON_AddArrayToObject(root, "documents"));
		if (store_export_log(st, issue_id, since_ms, json_entry, &x) == 0) {
			text = cJSON_Print(root);
			buf_puts(out, text);
			buf_putc(out, '\n');
			free(text);
			rc = 0;
		}
		cJSON_Delete(root);
		store_doc_list_release(&docs);
		return rc;
	}
	buf_printf(out, "# %s (%s)\n\nTimes in %s.\n", name, slug, tz);
	rc = store_export_log(st, issue_id, since_ms, md_entry, &x);
	if (rc == 0)
		md_docs(tz, &docs, out);
	store_doc_list_release(&docs);
	return rc;
}

int export_issue_ics(struct store *st, int64_t issue_id, int64_t since_s,
		     const struct ical_out *o, struct buf *out, char *err, size_t errlen)
{
	struct session_list l = { 0 };
	int rc = -1;

	if (store_session_of_issue(st, issue_id, since_s, &l)) {
		snprintf(err, errlen, "could not read the sessions");
		goto out;
	}
	rc = ical_render(l.v, l.n, o, out, err, errlen);
out:
	store_session_list_release(&l);
	return rc;
}
