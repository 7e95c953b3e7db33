/*
 * cmd_calendar.c - !calendar [reset] (SPEC §2): the asker's private link
 * to their calendar feed (calendar.h), always answered in their direct
 * room, as the link is a capability: whoever holds it sees the member's
 * sessions.  Only the hash of a link is kept, so a link cannot be shown
 * twice: each !calendar makes a fresh one (older ones go on working, up to
 * CALENDAR_MAX_LINKS), and !calendar reset kills them all first.
 */
#include <stdlib.h>
#include <strings.h>

#include "calendar.h"
#include "cmd.h"
#include "doc.h"
#include "store_calendar.h"

/* The answer goes to the asker's direct room; where it was asked, one line
 * says so. */
static int cmd_calendar(struct cmd_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	int reset = ctx->argc == 1 && !strcasecmp(ctx->argv[0], "reset");
	int64_t revoked = 0, n;
	char *link = NULL;
	int rc;

	if (ctx->argc > 1 || (ctx->argc == 1 && !reset))
		return cmd_usage(ctx, "the only word %scalendar takes is 'reset'.", ctx->prefix);
	if (!cfg->http_listen || !*cfg->http_listen)
		return cmd_fail(ctx, "calendar links are off here: the configuration sets no "
				"[http] listen.");
	if (!cfg->http_public_url || !*cfg->http_public_url)
		return cmd_fail(ctx, "calendar links are off here: the configuration sets no "
				"[http] public_url.");
	rc = calendar_link_new(ctx->st, cfg->http_public_url, ctx->msg->sender, reset,
			       ctx->now_ms, &link, &revoked);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(ctx, "you have %d calendar links already, the most one may have; "
				"%scalendar reset kills them all and makes a new one.",
				CALENDAR_MAX_LINKS, ctx->prefix);
	doc_para(ctx->doc, "Your calendar (keep the link to yourself: whoever has it sees "
		 "your sessions):");
	doc_item(ctx->doc, "%s", link);
	doc_item(ctx->doc, "add it in your calendar app as a subscription (by URL): the "
		 "sessions you attend and those of the issues you cover, times in your own zone");
	if (revoked > 0)
		doc_item(ctx->doc, "your %lld older link%s no longer work%s", (long long)revoked,
			 revoked == 1 ? "" : "s", revoked == 1 ? "s" : "");
	n = store_calendar_token_count(ctx->st, ctx->msg->sender);
	if (n < 0) {
		free(link);
		return -1;
	}
	if (n > 1)
		doc_item(ctx->doc, "your %lld other link%s go%s on working; %scalendar reset kills "
			 "them all", (long long)(n - 1), n == 2 ? "" : "s", n == 2 ? "es" : "",
			 ctx->prefix);
	else
		doc_item(ctx->doc, "%scalendar reset kills this link and makes a new one",
			 ctx->prefix);
	free(link);
	/* the link is a capability: it never shows where others read */
	return cmd_answer_direct(ctx);
}

const struct cmd_entry cmd_calendar_table[] = {
	{ .name = "calendar", .args = "[reset]",
	  .summary = "your private calendar link, sent to your direct room; reset kills old links",
	  .example = "calendar", .admin = 0, .fn = cmd_calendar },
	{ .name = NULL },
};
