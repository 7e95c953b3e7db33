/*
 * cmd_person.c - the commands about the asker rather than an issue
 * (SPEC §2): !my (your next 48 hours) and !prefs (reminders by direct
 * message, quiet hours).  Both answer in the asker's direct room and say
 * so in one line where they were asked.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_session.h"
#include "digest.h"
#include "person.h"
#include "store_direct.h"
#include "store_issue.h"
#include "store_log.h"
#include "store_session.h"
#include "when.h"

#define MY_SPAN (48 * 3600)
#define MY_CLIP 160             /* bytes of an action item's text shown */

/* ---- !my ---- */

/* "Cybersecurity (lead): next today 14:00-15:00 #3 Drafting group" */
static int my_cover_item(struct cmd_ctx *ctx, const struct issue_row *is, const char *role)
{
	struct session_list l = { 0 };
	char when[96];

	if (store_session_list(ctx->st, is->id, ctx->now, ctx->now + MY_SPAN, 0, &l))
		return -1;
	doc_begin(ctx->doc, DOC_ITEM);
	doc_strong(ctx->doc, "%s", is->name);
	doc_text(ctx->doc, " (%s): ", role);
	if (l.n) {
		const struct session *s = &l.v[0];

		cmd_session_when(ctx->tz, ctx->now, s->start_s, s->end_s, 1, when, sizeof(when));
		doc_text(ctx->doc, "next %s #%lld %s", when, (long long)s->id, s->title);
		if (!s->attendees.n)
			doc_strong(ctx->doc, " — nobody attending");
	} else {
		doc_text(ctx->doc, "no session in the next 48 h");
	}
	doc_end(ctx->doc);
	store_session_list_release(&l);
	return 0;
}

static int cmd_my(struct cmd_ctx *ctx)
{
	const char *me = ctx->msg->sender;
	struct session_list all = { 0 };
	struct issue_list issues = { 0 };
	struct action_list actions = { 0 };
	size_t attends = 0, covers = 0, open = 0, shown;
	int rc = -1;

	if (ctx->argc)
		return cmd_usage(ctx, "%smy takes no arguments.", ctx->prefix);
	if (store_session_list(ctx->st, 0, ctx->now, ctx->now + MY_SPAN, 0, &all) ||
	    store_issue_list(ctx->st, 0, &issues) ||
	    store_action_open(ctx->st, 0, NULL, me, &actions))
		goto out;
	doc_begin(ctx->doc, DOC_PARA);
	doc_strong(ctx->doc, "Your next 48 h");
	doc_end(ctx->doc);

	/* sessions you attend */
	for (size_t i = 0; i < all.n; i++)
		attends += strv_has(&all.v[i].attendees, me);
	doc_heading(ctx->doc, "Sessions you attend (%zu)", attends);
	shown = 0;
	for (size_t i = 0; i < all.n; i++) {
		if (!strv_has(&all.v[i].attendees, me))
			continue;
		if (shown++ < DOC_LIST_SHOWN)
			cmd_session_item(ctx, &all.v[i], 1, 1);
	}
	if (shown > DOC_LIST_SHOWN)
		doc_more(ctx->doc, shown - DOC_LIST_SHOWN, NULL);
	if (!shown)
		doc_item(ctx->doc, "none; %ssessions lists what is coming", ctx->prefix);

	/* issues you cover, with their next session */
	for (size_t i = 0; i < issues.n; i++)
		covers += strv_has(&issues.v[i].leads, me) || strv_has(&issues.v[i].backups, me);
	doc_heading(ctx->doc, "Issues you cover (%zu)", covers);
	shown = 0;
	for (size_t i = 0; i < issues.n; i++) {
		const struct issue_row *is = &issues.v[i];
		const char *role = strv_has(&is->leads, me) ? "lead" :
				   strv_has(&is->backups, me) ? "backup" : NULL;

		if (!role)
			continue;
		if (shown++ < DOC_LIST_SHOWN && my_cover_item(ctx, is, role))
			goto out;
	}
	if (shown > DOC_LIST_SHOWN)
		doc_more(ctx->doc, shown - DOC_LIST_SHOWN, NULL);
	if (!covers)
		doc_item(ctx->doc, "none");

	/* your open action items (only those of rooms you are in: SPEC §4) */
	for (size_t i = 0; i < actions.n; i++)
		open += actions.v[i].assignee && !strcmp(actions.v[i].assignee, me);
	doc_heading(ctx->doc, "Your open actions (%zu)", open);
	shown = 0;
	for (size_t i = 0; i < actions.n; i++) {
		const struct action_item *a = &actions.v[i];
		char *text;

		if (!a->assignee || strcmp(a->assignee, me) || shown++ >= DOC_LIST_SHOWN)
			continue;
		text = digest_clip(a->text, MY_CLIP);
		doc_begin(ctx->doc, DOC_ITEM);
		doc_strong(ctx->doc, "#%lld", (long long)a->id);
		doc_text(ctx->doc, " %s (%s)", text, a->issue);
		doc_end(ctx->doc);
		free(text);
	}
	if (shown > DOC_LIST_SHOWN) {
		char more[64];

		snprintf(more, sizeof(more), "%sactions", ctx->prefix);
		doc_more(ctx->doc, shown - DOC_LIST_SHOWN, more);
	}
	if (!open)
		doc_item(ctx->doc, "none");
	rc = cmd_answer_direct(ctx);
out:
	store_session_list_release(&all);
	store_issue_list_release(&issues);
	store_action_list_release(&actions);
	return rc;
}

/* ---- !prefs ---- */

/* "HH:MM" -> minutes after midnight, or -1. */
static int parse_hm(const char *s, size_t len)
{
	int h, m;

	if (len != 5 || s[2] != ':')
		return -1;
	for (size_t i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

/* "23:00-07:00" -> start and end minutes: 0, or -1. */
static int parse_quiet(const char *arg, int *start, int *end)
{
	const char *dash = strchr(arg, '-');

	if (!dash)
		return -1;
	*start = parse_hm(arg, (size_t)(dash - arg));
	*end = parse_hm(dash + 1, strlen(dash + 1));
	return *start < 0 || *end < 0 ? -1 : 0;
}

static void write_prefs(struct cmd_ctx *ctx, const struct store_prefs *p, int saved)
{
	int dm = p->dm >= 0 ? p->dm : ctx->cfg->remind_dm != 0;

	doc_begin(ctx->doc, DOC_PARA);
	doc_strong(ctx->doc, "%s", saved ? "Saved. Your settings" : "Your settings");
	doc_end(ctx->doc);
	doc_begin(ctx->doc, DOC_ITEM);
	doc_strong(ctx->doc, "dm");
	doc_text(ctx->doc, " %s: session reminders %salso in our direct room%s", dm ? "on" : "off",
		 dm ? "" : "not ", p->dm < 0 ? " (the default)" : "");
	doc_end(ctx->doc);
	doc_begin(ctx->doc, DOC_ITEM);
	doc_strong(ctx->doc, "quiet");
	if (p->quiet_start >= 0)
		doc_text(ctx->doc, " %02d:%02d-%02d:%02d: direct messages and mentions of you wait "
			 "until %02d:%02d, except reminders of sessions starting before then",
			 p->quiet_start / 60, p->quiet_start % 60, p->quiet_end / 60,
			 p->quiet_end % 60, p->quiet_end / 60, p->quiet_end % 60);
	else
		doc_text(ctx->doc, " off: no quiet hours");
	doc_end(ctx->doc);
	doc_para(ctx->doc, "Change with %sprefs dm on|off, %sprefs quiet 23:00-07:00 or "
		 "%sprefs quiet off (times in %s).", ctx->prefix, ctx->prefix, ctx->prefix, ctx->tz);
}

static int cmd_prefs(struct cmd_ctx *ctx)
{
	struct store_prefs p;
	int changed = 0;

	if (store_prefs_get(ctx->st, ctx->msg->sender, &p))
		return -1;
	for (size_t i = 0; i < ctx->argc; i++) {
		const char *key = ctx->argv[i], *val = i + 1 < ctx->argc ? ctx->argv[i + 1] : NULL;

		if (str_ieq(key, "dm")) {
			if (!val || !(str_ieq(val, "on") || str_ieq(val, "off")))
				return cmd_usage(ctx, "dm takes on or off.");
			p.dm = str_ieq(val, "on");
		} else if (str_ieq(key, "quiet")) {
			int start, end;

			if (val && str_ieq(val, "off")) {
				p.quiet_start = p.quiet_end = -1;
			} else if (!val || parse_quiet(val, &start, &end)) {
				return cmd_usage(ctx, "quiet takes HH:MM-HH:MM (e.g. 23:00-07:00) or off.");
			} else if (start == end) {
				return cmd_usage(ctx, "quiet hours must start and end at different times.");
			} else {
				p.quiet_start = start;
				p.quiet_end = end;
			}
		} else {
			return cmd_usage(ctx, "'%.40s' is not a setting; there are dm and quiet.", key);
		}
		i++;
		changed = 1;
	}
	if (changed && store_prefs_set(ctx->st, ctx->msg->sender, &p))
		return -1;
	write_prefs(ctx, &p, changed);
	return cmd_answer_direct(ctx);
}

/* ---- the table ---- */

const struct cmd_entry cmd_person_table[] = {
	{ .name = "my", .args = "",
	  .summary = "your next 48 h: sessions you attend, issues you cover, your open actions "
		     "(in our direct room)",
	  .example = "my", .fn = cmd_my },
	{ .name = "prefs", .args = "[dm on|off] [quiet <HH:MM-HH:MM>|quiet off]",
	  .summary = "your settings: reminders also by direct message; quiet hours",
	  .example = "prefs dm on quiet 23:30-07:00", .fn = cmd_prefs },
	{ .name = NULL },
};
