/*
 * cmd_doc.c - the documents commands (SPEC §2 !doc, !docs) and the files
 * shared in issue rooms (SPEC §3 "Documents").  At a conference the work
 * is text: "is Rev.2 out yet?" must have an answer, so a symbol is parsed
 * (docsym.c) and a higher revision is announced.  Everything shown passes
 * the SPEC §4 rule: a document or file kept in a room is shown only to a
 * member of that room.  Knows nothing of Matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "digest.h"
#include "docsym.h"
#include "store_doc.h"
#include "store_log.h"
#include "when.h"

#define TITLE_MAX 200
#define URL_MAX 1000
#define CLIP_BYTES 120

/* When the command's message was sent (what the record keeps). */
static int64_t msg_ts(const struct engine_msg *msg, int64_t now_ms)
{
	return msg->ts_ms ? msg->ts_ms : now_ms;
}

static void when_str(struct engine *eng, int64_t ms, int64_t now_s, char *out, size_t len)
{
	const char *tz = engine_config(eng)->timezone;

	digest_when(tz, ms / 1000, tz_day_start(tz, now_s), out, len);
}

static int is_url(const char *s)
{
	return str_iprefix(s, "https://") || str_iprefix(s, "http://");
}

/* "Rev.2", or "the original" for a text with no revision yet */
static void rev_str(int rev, char *out, size_t len)
{
	if (rev)
		snprintf(out, len, "Rev.%d", rev);
	else
		snprintf(out, len, "the original");
}

/* "DT/64 is now at Rev.3 — was Rev.2, added Tue 6 Nov 14:02 by Bob." */
static void announce(struct engine *eng, struct doc *d, const char *room_id,
		     const struct docsym *sym, const struct doc_rev *prev, int64_t now_s)
{
	char was[32], when[48];
	char *name = cmd_display_name(eng, room_id, prev->sender);

	rev_str(prev->rev, was, sizeof(was));
	when_str(eng, prev->ts_ms, now_s, when, sizeof(when));
	doc_begin(d, DOC_PARA);
	doc_strong(d, "%s", sym->doc);
	doc_text(d, " is now at Rev.%d — was %s, added %s by %s.", sym->rev, was, when, name);
	doc_end(d);
	free(name);
}

/* One revision as a list item: key first. */
static void rev_item(struct cmd_ctx *ctx, const struct doc_rev *r, int with_title)
{
	char when[48], *title = NULL;

	when_str(ctx->eng, r->ts_ms, ctx->now, when, sizeof(when));
	doc_begin(ctx->doc, DOC_ITEM);
	doc_strong(ctx->doc, "%s", r->symbol[0] ? r->symbol : r->file_name);
	if (with_title && r->title) {
		title = cmd_clip(r->title, CLIP_BYTES);
		doc_text(ctx->doc, " %s", title);
	}
	doc_text(ctx->doc, " — ");
	cmd_doc_user(ctx, r->sender);
	doc_text(ctx->doc, ", %s", when);
	if (r->symbol[0] && r->file_name) {
		char *f = cmd_clip(r->file_name, CLIP_BYTES);
		doc_text(ctx->doc, ", file ");
		doc_code(ctx->doc, "%s", f);
		free(f);
	}
	if (r->url) {
		char *u = cmd_clip(r->url, CLIP_BYTES * 2);
		doc_text(ctx->doc, ", %s", u);
		free(u);
	}
	doc_end(ctx->doc);
	free(title);
}

/* !doc <symbol> alone, for a known document: its revisions. */
static int history(struct cmd_ctx *ctx, const struct issue *is, const struct docsym *sym,
		   const struct doc_rev_list *h)
{
	size_t shown = doc_list_shown(h->n, 0);

	(void)sym;
	doc_heading(ctx->doc, "%s in %s: %zu %s, the current one first", h->v[0].doc, is->name,
		    h->n, h->n == 1 ? "revision" : "revisions");
	for (size_t i = 0; i < shown; i++)
		rev_item(ctx, &h->v[i], i == 0);
	if (shown < h->n)
		doc_more(ctx->doc, h->n - shown, NULL);
	return 0;
}

static int cmd_doc(struct cmd_ctx *ctx)
{
	struct doc_rev_list h = { 0 }, seen = { 0 };
	struct issue is = { 0 };
	struct docsym sym;
	struct buf title, sym_text;
	const char *url = NULL;
	char why[160], when[48];
	size_t i = 1, last;
	int64_t log_id = 0, ts = msg_ts(ctx->msg, ctx->now_ms);
	int rc = 0, known_rev = 0;

	buf_init(&title, 0);
	buf_init(&sym_text, 0);
	if (ctx->room_issue <= 0) {
		cmd_usage(ctx, "this is not an issue room; documents go in an issue's room.");
		goto out;
	}
	if (!ctx->argc) {
		cmd_usage(ctx, "which document? Give its symbol, e.g. DT/64(Rev.2).");
		goto out;
	}
	if (cmd_issue_by_id(ctx, ctx->room_issue, &is)) {
		rc = -1;
		goto out;
	}
	/* "!doc DT/64 Rev.2": the part may come as an argument of its own */
	buf_puts(&sym_text, ctx->argv[0]);
	if (ctx->argc > 1 && docsym_is_part(ctx->argv[1])) {
		buf_printf(&sym_text, " %s", ctx->argv[1]);
		i = 2;
	}
	if (docsym_parse(sym_text.data, &sym, why, sizeof(why))) {
		char *said = cmd_clip(sym_text.data, 60);
		cmd_usage(ctx, "I cannot read '%s' as a document symbol: %s.", said, why);
		free(said);
		goto out;
	}
	last = ctx->argc;
	if (last > i && is_url(ctx->argv[last - 1])) {
		url = ctx->argv[last - 1];
		if (strlen(url) > URL_MAX) {
			cmd_usage(ctx, "that link is too long (at most %d characters).", URL_MAX);
			goto out;
		}
		last--;
	}
	for (size_t j = i; j < last; j++)
		buf_printf(&title, "%s%s", j > i ? " " : "", ctx->argv[j]);
	if (title.len > TITLE_MAX) {
		cmd_usage(ctx, "a title is at most %d characters.", TITLE_MAX);
		goto out;
	}
	rc = -1;
	if (store_doc_history(ctx->st, is.id, sym.key, ctx->msg->sender, &seen))
		goto out;
	for (size_t j = 0; j < seen.n; j++)
		known_rev |= seen.v[j].rev == sym.rev;
	/* SPEC §2: the symbol alone, for one already known, is its history */
	if (!title.len && !url && seen.n && (known_rev || !sym.rev)) {
		rc = history(ctx, &is, &sym, &seen);
		goto out;
	}
	/* the announcement compares with every revision, seen or not by the
	 * asker: the room it goes to is the issue's own */
	if (store_doc_history(ctx->st, is.id, sym.key, NULL, &h))
		goto out;
	if (store_log_add(ctx->st, is.id, ctx->msg->room_id, ctx->msg->event_id,
			  ctx->msg->sender, "doc", cmd_text_from(ctx, 0), ts, &log_id) ||
	    store_doc_add(ctx->st, is.id, log_id, ctx->msg->room_id, &sym,
			  title.len ? title.data : NULL, url, 0, ctx->msg->sender, ts, NULL))
		goto out;
	rc = 0;
	if (!h.n) {
		doc_begin(ctx->doc, DOC_PARA);
		doc_strong(ctx->doc, "%s", sym.text);
		doc_text(ctx->doc, " recorded for %s", is.name);
		if (title.len) {
			char *t = cmd_clip(title.data, CLIP_BYTES);
			doc_text(ctx->doc, ": %s", t);
			free(t);
		}
		doc_text(ctx->doc, ".");
		doc_end(ctx->doc);
		goto out;
	}
	if (sym.rev > h.v[0].rev) {
		announce(ctx->eng, ctx->doc, ctx->msg->room_id, &sym, &h.v[0], ctx->now);
		goto out;
	}
	when_str(ctx->eng, h.v[0].ts_ms, ctx->now, when, sizeof(when));
	{
		char *name = cmd_display_name(ctx->eng, ctx->msg->room_id, h.v[0].sender);
		doc_begin(ctx->doc, DOC_PARA);
		doc_strong(ctx->doc, "%s", sym.text);
		if (sym.rev == h.v[0].rev)
			doc_text(ctx->doc, " recorded again; it is the current one (first added %s "
				 "by %s).", when, name);
		else
			doc_text(ctx->doc, " recorded, but the current one is %s, added %s by %s.",
				 h.v[0].symbol, when, name);
		doc_end(ctx->doc);
		free(name);
	}
out:
	buf_release(&title);
	buf_release(&sym_text);
	store_doc_list_release(&h);
	store_doc_list_release(&seen);
	cmd_issue_release(&is);
	return rc;
}

static int cmd_docs(struct cmd_ctx *ctx)
{
	struct doc_rev_list cur = { 0 }, files = { 0 };
	struct issue is = { 0 };
	size_t i = 0, total = 0, nfiles = 0, shown;
	int all = 0, rc = 0;

	if (ctx->argc && str_ieq(ctx->argv[ctx->argc - 1], "all")) {
		all = 1;
		ctx->argc--;
	}
	if (cmd_issue_or_room(ctx, &i, &is, NULL))
		goto out;
	if (i < ctx->argc) {
		cmd_usage(ctx, "I did not understand '%s' after the issue.", ctx->argv[i]);
		goto out;
	}
	rc = -1;
	if (store_doc_current(ctx->st, is.id, ctx->msg->sender, all ? 1000 : DOC_LIST_SHOWN + 2,
			      &cur, &total) ||
	    store_doc_files(ctx->st, is.id, ctx->msg->sender, all ? 1000 : DOC_LIST_SHOWN + 2,
			    &files, &nfiles))
		goto out;
	rc = 0;
	if (!total && !nfiles) {
		doc_para(ctx->doc, "No documents or files in %s yet. Record one with %sdoc "
			 "<symbol> [title] [link].", is.name, ctx->prefix);
		goto out;
	}
	if (total) {
		doc_heading(ctx->doc, "%zu %s in %s, the latest change first", total,
			    total == 1 ? "document" : "documents", is.name);
		shown = doc_list_shown(total, all);
		for (size_t j = 0; j < cur.n && j < shown; j++)
			rev_item(ctx, &cur.v[j], 1);
		if (shown < total) {
			char more[64];
			snprintf(more, sizeof(more), "%sdocs %s all", ctx->prefix, is.slug);
			doc_more(ctx->doc, total - shown, more);
		}
	}
	if (nfiles) {
		doc_heading(ctx->doc, "%zu %s shared in %s", nfiles, nfiles == 1 ? "file" : "files",
			    is.name);
		shown = doc_list_shown(nfiles, all);
		for (size_t j = 0; j < files.n && j < shown; j++)
			rev_item(ctx, &files.v[j], 0);
		if (shown < nfiles) {
			char more[64];
			snprintf(more, sizeof(more), "%sdocs %s all", ctx->prefix, is.slug);
			doc_more(ctx->doc, nfiles - shown, more);
		}
	}
out:
	store_doc_list_release(&cur);
	store_doc_list_release(&files);
	cmd_issue_release(&is);
	return rc;
}

int cmd_doc_file(struct engine *eng, const struct engine_msg *msg, int64_t issue_id,
		 int64_t ts_ms, struct engine_replies *out)
{
	const struct engine_file *f = msg->file;
	struct store *st = engine_store(eng);
	struct doc_rev_list h = { 0 };
	struct docsym sym, canon;
	struct buf body;
	char why[160];
	int64_t log_id = 0;
	int rc = -1, kept;

	buf_init(&body, 0);
	/* search finds a file by its name and its caption */
	buf_puts(&body, f->name);
	if (f->caption && *f->caption)
		buf_printf(&body, " — %s", f->caption);
	if (store_log_add(st, issue_id, msg->room_id, msg->event_id, msg->sender, "file",
			  body.data, ts_ms, &log_id))
		goto out;
	kept = store_file_add(st, log_id, f->msgtype, f->name, f->url, f->size, f->mimetype,
			      f->encrypted);
	if (kept) {
		rc = kept < 0 ? -1 : 0;
		goto out;
	}
	rc = 0;
	/* a file is a document's only when its name holds a symbol already known */
	if (docsym_parse_name(f->name, &sym) ||
	    (rc = store_doc_history(st, issue_id, sym.key, NULL, &h)) || !h.n)
		goto out;
	rc = -1;
	/* spelt as the group spells it, not as the file name does */
	if (docsym_parse(h.v[0].doc, &canon, why, sizeof(why)))
		canon = sym;
	docsym_set_rev(&canon, sym.rev);
	if (store_doc_add(st, issue_id, log_id, msg->room_id, &canon, NULL, NULL, log_id,
			  msg->sender, ts_ms, NULL))
		goto out;
	rc = 0;
	if (canon.rev > h.v[0].rev) {
		struct cmd_ctx ctx;
		struct doc d;
		memset(&ctx, 0, sizeof(ctx));
		ctx.out = out;
		doc_init(&d);
		announce(eng, &d, msg->room_id, &canon, &h.v[0], ts_ms / 1000);
		cmd_post(&ctx, msg->room_id, &d, NULL);
		doc_release(&d);
	}
out:
	buf_release(&body);
	store_doc_list_release(&h);
	return rc;
}

const struct cmd_entry cmd_doc_table[] = {
	{ .name = "doc",
	  .args = "<symbol> [title...] [<url>]",
	  .summary = "record a document or a new revision of it (the symbol alone: its "
	    "history)",
	  .example = "doc DT/64(Rev.2) Draft revision of Resolution 130 "
	    "https://www.itu.int/md/S18-PP-C-0064",
	  .fn = cmd_doc },
	{ .name = "docs",
	  .args = "[issue] [all]",
	  .summary = "the current revision of each document, and the files shared",
	  .example = "docs cyber",
	  .fn = cmd_docs },
	{ .name = NULL },
};
