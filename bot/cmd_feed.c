/*
 * cmd_feed.c - the feed commands (SPEC §2 !feed add, !feed remove,
 * !feeds): which iCalendar feeds the bot follows and how each one is
 * doing.  Fetching is the daemon's and applying feed.c's; these only
 * change the list and read the state it keeps.  Admins only: a feed makes
 * sessions in every issue, and its URL may carry a private token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "digest.h"
#include "feed.h"
#include "store_feed.h"
#include "when.h"

#define URL_MAX 2000
#define FEEDS_MAX 50
#define ETAG_SHOWN 24           /* bytes of an ETag !feeds shows */            /* the same limit as [[feed]] in the file */

static int url_ok(const char *s)
{
	const char *host = str_iprefix(s, "https://") ? s + 8 : str_iprefix(s, "http://") ?
			   s + 7 : NULL;

	if (!host || !*host || *host == '/')
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

static int cmd_feed_add(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	struct feed_list all = { 0 };
	const char *url;
	char every[32];
	int64_t id;
	int rc = 0, got;

	if (ctx->argc < 1 || ctx->argc > 2)
		return cmd_usage(ctx, "Give the feed's URL and, if all its events belong to one "
				 "issue, that issue.");
	url = ctx->argv[0];
	if (strlen(url) > URL_MAX)
		return cmd_usage(ctx, "That URL is longer than %d bytes.", URL_MAX);
	if (!url_ok(url))
		return cmd_usage(ctx, "'%s' is not an http:// or https:// URL.", url);
	if (ctx->argc == 2 && cmd_issue_arg(ctx, ctx->argv[1], &is))
		return 0;
	if (store_feed_list(ctx->st, &all)) {
		rc = -1;
		goto out;
	}
	if (all.n >= FEEDS_MAX) {
		cmd_fail(ctx, "I already follow %d feeds, the most I follow; remove one first "
			 "(%sfeed remove <n>).", FEEDS_MAX, ctx->prefix);
		goto out;
	}
	got = store_feed_add(ctx->st, url, is.slug, 0, ctx->msg->sender, ctx->now_ms, &id);
	if (got < 0) {
		rc = -1;
		goto out;
	}
	if (got == 1) {
		cmd_fail(ctx, "I already follow that feed: feed %lld (see %sfeeds).",
			 (long long)id, ctx->prefix);
		goto out;
	}
	if (is.slug)
		doc_para(ctx->doc, "Following feed %lld for %s: every event becomes one of its "
			 "sessions.", (long long)id, is.name);
	else
		doc_para(ctx->doc, "Following feed %lld: each event goes to the first issue whose "
			 "match rules hit it; others are skipped.", (long long)id);
	when_format_duration(ctx->cfg->feeds_interval, every, sizeof(every));
	doc_para(ctx->doc, "I fetch it every %s; changes are told in the issue rooms.", every);
out:
	store_feed_list_release(&all);
	cmd_issue_release(&is);
	return rc;
}

static int cmd_feed_remove(struct cmd_ctx *ctx)
{
	struct feed f = { 0 };
	char url[96];
	int64_t n;
	int rc = 0;

	if (ctx->argc != 1)
		return cmd_usage(ctx, "Give the feed's number (see %sfeeds).", ctx->prefix);
	if (cmd_number_arg(ctx, ctx->argv[0], "feed", &n))
		return 0;
	switch (store_feed_get(ctx->st, n, &f)) {
	case 0:
		break;
	case 1:
		cmd_fail(ctx, "There is no feed %lld (see %sfeeds).", (long long)n, ctx->prefix);
		return 0;
	default:
		return -1;
	}
	if (f.from_config) {
		cmd_fail(ctx, "Feed %lld comes from the configuration file; remove its [[feed]] "
			 "entry there and reload.", (long long)n);
		goto out;
	}
	if (store_feed_remove(ctx->st, n) < 0) {
		rc = -1;
		goto out;
	}
	feed_url_short(f.url, url, sizeof(url));
	doc_para(ctx->doc, "No longer following feed %lld (%s).", (long long)n, url);
	if (f.sessions_made)
		doc_para(ctx->doc, "Its %lld session%s stay%s, as ordinary sessions.",
			 (long long)f.sessions_made, f.sessions_made == 1 ? "" : "s",
			 f.sessions_made == 1 ? "s" : "");
out:
	store_feed_release(&f);
	return rc;
}

static void feed_items(struct cmd_ctx *ctx, const struct feed *f)
{
	char when[48], url[96];
	int64_t day = tz_day_start(ctx->tz, ctx->now);

	feed_url_short(f->url, url, sizeof(url));
	doc_heading(ctx->doc, "Feed %lld: %s", (long long)f->id, url);
	if (f->issue)
		doc_item(ctx->doc, "for: %s", f->issue);
	else
		doc_item(ctx->doc, "for: by match rules");
	if (f->from_config)
		doc_item(ctx->doc, "from: the configuration file");
	if (!f->last_fetch_ms) {
		doc_item(ctx->doc, "last fetch: not yet");
		return;
	}
	digest_when(ctx->tz, f->last_fetch_ms / 1000, day, when, sizeof(when));
	if (f->last_error)
		doc_item(ctx->doc, "last fetch: %s, failed (%lld in a row)", when,
			 (long long)f->failures);
	else
		doc_item(ctx->doc, "last fetch: %s, ok", when);
	/* a hash of 40 digits would run off a phone's screen: its start tells
	 * one answer from another well enough */
	if (f->etag && strlen(f->etag) > ETAG_SHOWN)
		doc_item(ctx->doc, "ETag: %.*s\xe2\x80\xa6", ETAG_SHOWN - 1, f->etag);
	else
		doc_item(ctx->doc, "ETag: %s", f->etag ? f->etag : "none");
	doc_item(ctx->doc, "events seen: %lld", (long long)f->events_seen);
	doc_item(ctx->doc, "sessions made: %lld", (long long)f->sessions_made);
	doc_item(ctx->doc, "skipped as unmatched: %lld%s", (long long)f->skipped_unmatched,
		 f->skipped_unmatched && !f->issue ? " (no issue's match rules hit them)" : "");
	if (f->skipped_other || f->skip_note)
		doc_item(ctx->doc, "other skips: %lld%s%s%s", (long long)f->skipped_other,
			 f->skip_note ? " (" : "", f->skip_note ? f->skip_note : "",
			 f->skip_note ? ")" : "");
	if (f->last_error)
		doc_item(ctx->doc, "last error: %s", f->last_error);
}

static int cmd_feeds(struct cmd_ctx *ctx)
{
	struct feed_list all = { 0 };

	if (ctx->argc)
		return cmd_usage(ctx, "%sfeeds takes no arguments.", ctx->prefix);
	if (store_feed_list(ctx->st, &all))
		return -1;
	if (!all.n)
		doc_para(ctx->doc, "I follow no feeds; add one with %sfeed add <url> [issue].",
			 ctx->prefix);
	for (size_t i = 0; i < all.n; i++)
		feed_items(ctx, &all.v[i]);
	store_feed_list_release(&all);
	return 0;
}

const struct cmd_entry cmd_feed_table[] = {
	{ .name = "feed add", .args = "<url> [issue]",
	  .summary = "follow an iCalendar feed: its events become sessions (of the issue, or "
		     "by the issues' match rules)",
	  .example = "feed add https://conference.example.org/schedule.ics cyber", .admin = 1,
	  .fn = cmd_feed_add },
	{ .name = "feed remove", .args = "<n>",
	  .summary = "stop following feed n; its sessions stay",
	  .example = "feed remove 2", .admin = 1, .fn = cmd_feed_remove },
	{ .name = "feeds", .args = "",
	  .summary = "the feeds followed, with their last fetch, counts and errors",
	  .example = "feeds", .admin = 1, .fn = cmd_feeds },
	{ .name = NULL },
};
