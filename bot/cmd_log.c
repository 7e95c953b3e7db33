/*
 * cmd_log.c - the log commands (SPEC §2): notes, decisions, action items,
 * actors' positions, reading and searching an issue's log, catching up and
 * the digest on demand.  Everything shown passes the SPEC §4 rule: an entry
 * kept in a room is shown only to someone who is a member of that room.
 * Knows nothing of Matrix; the digest is written by digest.c and handed
 * out daily by schedule.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "digest.h"
#include "store_log.h"
#include "store_room.h"
#include "when.h"

#define LOG_DEFAULT 10
#define LOG_MAX 50
#define SEARCH_SHOWN 10
#define SEARCH_WORDS 16
#define ACTOR_MAX 64
#define STANCE_MAX 32
#define CLIP_BYTES 300

/* When the command's message was sent (what the log entry records). */
static int64_t msg_ts(const struct cmd_ctx *ctx)
{
	return ctx->msg->ts_ms ? ctx->msg->ts_ms : ctx->now_ms;
}

/* "14:02" today, "Sun 4 Nov 14:02" another day. */
static void when_str(const struct cmd_ctx *ctx, int64_t ms, char *out, size_t len)
{
	digest_when(ctx->tz, ms / 1000, tz_day_start(ctx->tz, ctx->now), out, len);
}

/* "just now", "40m", "5h", "3d" */
static void age_str(int64_t secs, char *out, size_t len)
{
	if (secs < 60)
		snprintf(out, len, "just now");
	else if (secs < 3600)
		snprintf(out, len, "%lldm", (long long)(secs / 60));
	else if (secs < 86400)
		snprintf(out, len, "%lldh", (long long)(secs / 3600));
	else
		snprintf(out, len, "%lldd", (long long)(secs / 86400));
}

/*
 * The issue of this room, for the commands that work on its log.  0 with
 * *is filled; 1 when answered "this is not an issue room; <where>"; -1
 * when the store failed.
 */
static int this_issue(struct cmd_ctx *ctx, struct issue *is, const char *where)
{
	memset(is, 0, sizeof(*is));
	if (ctx->room_issue <= 0) {
		cmd_usage(ctx, "this is not an issue room; %s", where);
		return 1;
	}
	return cmd_issue_by_id(ctx, ctx->room_issue, is) ? -1 : 0;
}

/* !note and !decision: one entry of 'kind' in this issue's log. */
static int keep_entry(struct cmd_ctx *ctx, const char *kind, const char *label,
		      const char *what)
{
	struct issue is;
	int64_t id = 0;
	int rc = this_issue(ctx, &is, what);

	if (rc)
		return rc < 0 ? -1 : 0;
	if (ctx->argc == 0) {
		rc = cmd_usage(ctx, "what should the %s say?", kind);
		goto out;
	}
	rc = -1;
	if (store_log_add(ctx->st, is.id, ctx->msg->room_id, ctx->msg->event_id,
			  ctx->msg->sender, kind, cmd_text_from(ctx, 0), msg_ts(ctx), &id))
		goto out;
	doc_para(ctx->doc, "%s #%lld kept in the %s log.", label, (long long)id, is.name);
	rc = 0;
out:
	cmd_issue_release(&is);
	return rc;
}

static int cmd_note(struct cmd_ctx *ctx)
{
	return keep_entry(ctx, "note", "Note", "notes go in an issue's room.");
}

static int cmd_decision(struct cmd_ctx *ctx)
{
	return keep_entry(ctx, "decision", "Decision", "decisions go in an issue's room.");
}

/* ---- action items ---- */

static int cmd_action(struct cmd_ctx *ctx)
{
	struct issue is;
	char *user = NULL, *who = NULL;
	const char *text;
	size_t len;
	int64_t log_id = 0, id = 0;
	int rc = this_issue(ctx, &is, "action items go in an issue's room.");

	if (rc)
		return rc < 0 ? -1 : 0;
	rc = 0;
	if (ctx->argc < 2) {
		cmd_usage(ctx, ctx->argc ? "what should they do?" : "who should do what?");
		goto out;
	}
	/* "!action Bob: do this" reads naturally, and clients put ": " after a
	 * pill that starts a message */
	who = xstrdup(ctx->argv[0]);
	len = strlen(who);
	if (len > 1 && (who[len - 1] == ':' || who[len - 1] == ','))
		who[len - 1] = '\0';
	if (cmd_user_arg(ctx, who, &user))
		goto out;
	text = cmd_text_from(ctx, 1);
	rc = -1;
	if (store_log_add(ctx->st, is.id, ctx->msg->room_id, ctx->msg->event_id,
			  ctx->msg->sender, "action", cmd_text_from(ctx, 0), msg_ts(ctx),
			  &log_id) ||
	    store_action_add(ctx->st, is.id, ctx->msg->room_id, log_id, user, text,
			     ctx->msg->sender, msg_ts(ctx), &id))
		goto out;
	/* SPEC §2: action items mention the person concerned */
	doc_begin(ctx->doc, DOC_PARA);
	doc_text(ctx->doc, "Action #%lld for ", (long long)id);
	cmd_mention(ctx, user);
	doc_text(ctx->doc, ": %s", text);
	doc_end(ctx->doc);
	doc_para(ctx->doc, "Close it with %sdone %lld, or react \u2705.", ctx->prefix,
		 (long long)id);
	cmd_about(ctx, NULL, "action:%lld", (long long)id);
	rc = 0;
out:
	free(who);
	free(user);
	cmd_issue_release(&is);
	return rc;
}

static int cmd_done(struct cmd_ctx *ctx)
{
	struct action_list al = { 0 };
	const struct action_item *a;
	char when[48], *text = NULL;
	int64_t n;
	int rc = 0, got;

	if (ctx->argc != 1)
		return cmd_usage(ctx, ctx->argc ? "one action number at a time." :
				 "which action? Its number is in %sactions.", ctx->prefix);
	if (cmd_number_arg(ctx, ctx->argv[0], "valid action", &n))
		return 0;
	got = store_action_get(ctx->st, n, &al);
	if (got < 0)
		return -1;
	if (got > 0)
		return cmd_fail(ctx, "no action #%lld; %sactions lists the open ones.",
				(long long)n, ctx->prefix);
	a = &al.v[0];
	/* SPEC §4, failing closed: an item of no known room is nobody's to see */
	if (!a->room_id || !cmd_can_see_room(ctx->eng, ctx->msg->sender, a->room_id)) {
		cmd_fail(ctx, "action #%lld belongs to %s, whose room you are not in.",
			 (long long)n, a->issue);
		goto out;
	}
	if (!a->done_ms) {
		got = store_action_done(ctx->st, n, ctx->msg->sender, ctx->now_ms);
		if (got < 0) {
			rc = -1;
			goto out;
		}
	}
	if (a->done_ms || got > 0) {
		char *by = cmd_display_name(ctx->eng, ctx->msg->room_id,
					    a->done_by ? a->done_by : ctx->msg->sender);
		when_str(ctx, a->done_ms ? a->done_ms : ctx->now_ms, when, sizeof(when));
		cmd_fail(ctx, "action #%lld was already closed, by %s at %s.", (long long)n, by, when);
		free(by);
		goto out;
	}
	text = cmd_clip(a->text, CLIP_BYTES);
	doc_begin(ctx->doc, DOC_PARA);
	doc_text(ctx->doc, "Action #%lld done, closed by ", (long long)n);
	cmd_doc_user(ctx, ctx->msg->sender);
	doc_text(ctx->doc, ": %s", text);
	if (strcmp(a->assignee, ctx->msg->sender)) {
		/* someone else closed it: tell the person it was for */
		doc_text(ctx->doc, " (it was for ");
		cmd_mention(ctx, a->assignee);
		doc_text(ctx->doc, ")");
	}
	doc_end(ctx->doc);
out:
	free(text);
	store_action_list_release(&al);
	return rc;
}

/* A last argument "all": every item of a list, not the first
 * DOC_LIST_SHOWN.  Takes it off the arguments; 1 when it was there. */
static int take_all(struct cmd_ctx *ctx)
{
	if (!ctx->argc || !str_ieq(ctx->argv[ctx->argc - 1], "all"))
		return 0;
	ctx->argc--;
	return 1;
}

static int cmd_actions(struct cmd_ctx *ctx)
{
	struct action_list al = { 0 };
	struct issue is = { 0 };
	int all = ctx->room_issue <= 0, every = take_all(ctx);
	size_t shown = 0, limit, written = 0;
	int rc = -1;

	if (ctx->argc)
		return cmd_usage(ctx, "%sactions takes no arguments but 'all': in an issue room "
				 "it lists that issue's, elsewhere every issue's.", ctx->prefix);
	if (!all && cmd_issue_by_id(ctx, ctx->room_issue, &is))
		return -1;
	/* SPEC §4: only items recorded in rooms the asker is in */
	if (store_action_open(ctx->st, all ? 0 : is.id, NULL, ctx->msg->sender, &al))
		goto out;
	shown = al.n;
	if (!shown) {
		if (all)
			doc_para(ctx->doc, "No open actions.");
		else
			doc_para(ctx->doc, "No open actions in %s.", is.name);
		rc = 0;
		goto out;
	}
	if (all)
		doc_heading(ctx->doc, "%zu open %s", shown, shown == 1 ? "action" : "actions");
	else
		doc_heading(ctx->doc, "%zu open %s in %s", shown, shown == 1 ? "action" : "actions",
			    is.name);
	/* #3 Alice: draft the statement (Cybersecurity, opened 2h ago) */
	limit = doc_list_shown(shown, every);
	for (size_t i = 0; i < al.n && written < limit; i++) {
		const struct action_item *a = &al.v[i];
		char age[32], *text;
		written++;
		text = cmd_clip(a->text, CLIP_BYTES);
		age_str(ctx->now - a->created_ms / 1000, age, sizeof(age));
		doc_begin(ctx->doc, DOC_ITEM);
		doc_strong(ctx->doc, "#%lld", (long long)a->id);
		doc_text(ctx->doc, " ");
		cmd_doc_user(ctx, a->assignee);
		doc_text(ctx->doc, ": %s (", text);
		if (all)
			doc_text(ctx->doc, "%s, ", a->issue);
		doc_text(ctx->doc, "opened %s%s)", age, strcmp(age, "just now") ? " ago" : "");
		doc_end(ctx->doc);
		free(text);
	}
	if (written < shown) {
		char more[64];

		snprintf(more, sizeof(more), "%sactions all", ctx->prefix);
		doc_more(ctx->doc, shown - written, more);
	}
	doc_para(ctx->doc, "Close one with %sdone <n>.", ctx->prefix);
	rc = 0;
out:
	cmd_issue_release(&is);
	store_action_list_release(&al);
	return rc;
}

/* ---- positions ---- */

static int has_space(const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n')
			return 1;
	return 0;
}

static int cmd_position(struct cmd_ctx *ctx)
{
	struct position_list latest = { 0 };
	const struct position *prev = NULL;
	struct issue is;
	char *stance = NULL, *actor = NULL, when[48];
	const char *text;
	int64_t log_id = 0;
	int rc = this_issue(ctx, &is, "positions go in an issue's room.");

	if (rc)
		return rc < 0 ? -1 : 0;
	rc = 0;
	if (ctx->argc < 2) {
		cmd_usage(ctx, ctx->argc ? "what is %s's stance? One word: support, oppose, "
			  "amend, undecided..." : "whose stance, and what is it?",
			  ctx->argc ? ctx->argv[0] : "");
		goto out;
	}
	actor = xstrdup(ctx->argv[0]);
	stance = xstrdup(ctx->argv[1]);
	if (!*str_trim(actor) || strlen(actor) > ACTOR_MAX) {
		cmd_usage(ctx, "the actor is a member state or group, e.g. CEPT, Brazil or "
			  "\"Arab Group\" (at most %d characters).", ACTOR_MAX);
		goto out;
	}
	if (!*stance || has_space(stance) || strlen(stance) > STANCE_MAX) {
		cmd_usage(ctx, "the stance is one word, e.g. support, oppose, amend, undecided.");
		goto out;
	}
	str_lower(stance);
	text = ctx->argc > 2 ? cmd_text_from(ctx, 2) : NULL;
	rc = -1;
	/* the stance before, as the asker may see it (SPEC §4) */
	if (store_position_latest(ctx->st, is.id, NULL, ctx->msg->sender, &latest))
		goto out;
	for (size_t i = 0; i < latest.n; i++)
		if (str_ieq(latest.v[i].actor, str_trim(actor)))
			prev = &latest.v[i];
	if (store_log_add(ctx->st, is.id, ctx->msg->room_id, ctx->msg->event_id,
			  ctx->msg->sender, "position", cmd_text_from(ctx, 0), msg_ts(ctx),
			  &log_id) ||
	    store_position_add(ctx->st, is.id, ctx->msg->room_id, log_id,
			       prev ? prev->actor : str_trim(actor),    /* one spelling per actor */
			       stance, text, ctx->msg->sender, msg_ts(ctx), NULL))
		goto out;
	doc_begin(ctx->doc, DOC_PARA);
	doc_strong(ctx->doc, "%s", prev ? prev->actor : str_trim(actor));
	doc_text(ctx->doc, ": %s on %s", stance, is.name);
	if (prev) {
		tz_format_day(ctx->tz, prev->ts_ms / 1000, when, sizeof(when));
		if (str_ieq(prev->stance, stance))
			doc_text(ctx->doc, " (unchanged since %s).", when);
		else
			doc_text(ctx->doc, " (was %s since %s).", prev->stance, when);
	} else {
		doc_text(ctx->doc, " (first recorded).");
	}
	doc_end(ctx->doc);
	rc = 0;
out:
	free(actor);
	free(stance);
	store_position_list_release(&latest);
	cmd_issue_release(&is);
	return rc;
}

static int cmd_positions(struct cmd_ctx *ctx)
{
	struct position_list latest = { 0 };
	struct issue is;
	size_t i = 0, shown;
	int rc = -1, every = take_all(ctx);

	if (cmd_issue_or_room(ctx, &i, &is, NULL))
		return 0;
	if (i < ctx->argc) {
		rc = cmd_usage(ctx, "one issue at a time.");
		goto out;
	}
	/* SPEC §4: each stance by the room it was recorded in, whatever room
	 * the issue has now (or none) */
	if (store_position_latest(ctx->st, is.id, NULL, ctx->msg->sender, &latest))
		goto out;
	rc = 0;
	if (!latest.n && is.room_id && !cmd_can_see_room(ctx->eng, ctx->msg->sender, is.room_id)) {
		cmd_fail(ctx, "you are not in the room of %s, so I cannot show its positions "
			 "here.", is.name);
		goto out;
	}
	if (!latest.n) {
		doc_para(ctx->doc, "No positions recorded on %s yet.", is.name);
		doc_begin(ctx->doc, DOC_PARA);
		doc_text(ctx->doc, "Record one in its room: ");
		doc_code(ctx->doc, "%sposition CEPT support", ctx->prefix);
		doc_end(ctx->doc);
		goto out;
	}
	doc_heading(ctx->doc, "Positions on %s: %zu %s", is.name, latest.n,
		    latest.n == 1 ? "actor" : "actors");
	/* CEPT oppose (was support), since Mon 5 Nov — "no mandate expansion" */
	shown = doc_list_shown(latest.n, every);
	for (size_t k = 0; k < shown; k++) {
		const struct position *p = &latest.v[k];
		char day[32], *text = p->text ? cmd_clip(p->text, 160) : NULL;
		tz_format_day(ctx->tz, p->ts_ms / 1000, day, sizeof(day));
		doc_begin(ctx->doc, DOC_ITEM);
		doc_strong(ctx->doc, "%s", p->actor);
		doc_text(ctx->doc, " %s", p->stance);
		if (p->before && !str_ieq(p->before, p->stance))
			doc_text(ctx->doc, " (was %s)", p->before);
		doc_text(ctx->doc, ", since %s", day);
		if (text && *text)
			doc_text(ctx->doc, " — %s", text);
		doc_end(ctx->doc);
		free(text);
	}
	if (shown < latest.n) {
		char more[160];

		snprintf(more, sizeof(more), "%spositions %s all", ctx->prefix, is.slug);
		doc_more(ctx->doc, latest.n - shown, more);
	}
out:
	store_position_list_release(&latest);
	cmd_issue_release(&is);
	return rc;
}

/* ---- reading the log ---- */

static const char *kind_label(const char *kind)
{
	return !strcmp(kind, "message") ? NULL : kind;
}

/* One entry as a list item: when, who, kind, text (or a highlighted snippet). */
static void entry_item(struct cmd_ctx *ctx, const struct log_entry *e, int with_issue,
		       int snippet)
{
	char when[48], *body = cmd_clip(e->body, CLIP_BYTES);
	const char *kind = kind_label(e->kind);

	when_str(ctx, e->ts_ms, when, sizeof(when));
	doc_begin(ctx->doc, DOC_ITEM);
	if (with_issue)
		doc_text(ctx->doc, "[%s] ", e->issue);
	doc_text(ctx->doc, "%s ", when);
	cmd_doc_user(ctx, e->sender);
	if (kind)
		doc_text(ctx->doc, " (%s)", kind);
	doc_text(ctx->doc, ": ");
	if (snippet) {
		/* FTS5 marked the matches with 0x02 ... 0x03 */
		char *p = body;
		int strong = 0;
		while (*p) {
			size_t n = strcspn(p, "\x02\x03");
			if (n) {
				char c = p[n];
				p[n] = '\0';
				if (strong)
					doc_strong(ctx->doc, "%s", p);
				else
					doc_text(ctx->doc, "%s", p);
				p[n] = c;
				p += n;
			}
			if (*p)
				strong = *p++ == '\x02';
		}
	} else {
		doc_text(ctx->doc, "%s", body);
	}
	if (e->edited_ms)
		doc_text(ctx->doc, " (edited)");
	doc_end(ctx->doc);
	free(body);
}

static int cmd_log(struct cmd_ctx *ctx)
{
	struct log_list l = { 0 };
	struct issue is;
	int64_t n = LOG_DEFAULT;
	int capped = 0;
	int rc = this_issue(ctx, &is, "each issue room has its own log; use this there.");

	if (rc)
		return rc < 0 ? -1 : 0;
	rc = 0;
	if (ctx->argc > 1) {
		cmd_usage(ctx, "give one number: how many entries to show.");
		goto out;
	}
	if (ctx->argc == 1 && cmd_number_arg(ctx, ctx->argv[0], "valid count", &n))
		goto out;
	if (n > LOG_MAX) {
		n = LOG_MAX;
		capped = 1;
	}
	rc = -1;
	if (store_log_last(ctx->st, is.id, ctx->msg->sender, (size_t)n, &l))
		goto out;
	rc = 0;
	if (!l.n) {
		doc_para(ctx->doc, "The %s log is empty.", is.name);
		goto out;
	}
	if ((int64_t)l.n < n)
		doc_heading(ctx->doc, "All %zu %s of the %s log", l.n,
			    l.n == 1 ? "entry" : "entries", is.name);
	else
		doc_heading(ctx->doc, "Last %zu %s of the %s log%s", l.n,
			    l.n == 1 ? "entry" : "entries", is.name,
			    capped ? " (at most 50 at a time)" : "");
	for (size_t i = 0; i < l.n; i++)
		entry_item(ctx, &l.v[i], 0, 0);
out:
	store_log_list_release(&l);
	cmd_issue_release(&is);
	return rc;
}

/*
 * Turn the user's words into an FTS5 query that can only mean "all these
 * words": each word becomes a quoted phrase (inner quotes doubled), so no
 * FTS5 operator, column filter or bracket typed by a user takes effect.
 * A trailing '*' is kept as a prefix search.  Returns the number of words.
 */
static size_t fts_query(struct cmd_ctx *ctx, struct buf *q)
{
	size_t words = 0;

	for (size_t i = 0; i < ctx->argc && words < SEARCH_WORDS; i++) {
		const char *w = ctx->argv[i];
		size_t len = strlen(w);
		int prefix = 0;

		if (len > 1 && w[len - 1] == '*') {
			prefix = 1;
			len--;
		}
		if (len == 0 || len > 200)
			continue;
		if (words++)
			buf_putc(q, ' ');
		buf_putc(q, '"');
		for (size_t k = 0; k < len; k++) {
			if (w[k] == '"')
				buf_putc(q, '"');
			buf_putc(q, w[k]);
		}
		buf_putc(q, '"');
		if (prefix)
			buf_puts(q, " *");
	}
	return words;
}

static int cmd_search(struct cmd_ctx *ctx)
{
	struct log_list l = { 0 };
	struct issue is = { 0 };
	struct buf q;
	size_t total = 0;
	int bad = 0, rc = 0;
	char *said = NULL;

	buf_init(&q, 0);
	if (!ctx->argc || !fts_query(ctx, &q)) {
		cmd_usage(ctx, "search for what? Give a few words.");
		goto out;
	}
	/* SPEC §2: an issue room searches its issue; elsewhere every issue */
	if (ctx->room_issue > 0 && cmd_issue_by_id(ctx, ctx->room_issue, &is)) {
		rc = -1;
		goto out;
	}
	said = cmd_clip(cmd_text_from(ctx, 0), 80);
	if (store_log_search(ctx->st, q.data, is.id, ctx->msg->sender, SEARCH_SHOWN, &l,
			     &total, &bad)) {
		if (!bad) {
			rc = -1;
			goto out;
		}
		cmd_usage(ctx, "I cannot search for '%s'; try plain words.", said);
		goto out;
	}
	if (!l.n) {
		if (is.id)
			doc_para(ctx->doc, "Nothing in the %s log matches '%s'.", is.name, said);
		else
			doc_para(ctx->doc, "Nothing matches '%s' in the issue rooms you are in.",
				 said);
		goto out;
	}
	if (total > SEARCH_COUNT_MAX)
		doc_heading(ctx->doc, "More than %d matches for '%s'%s%s — the best recent ones "
			    "(more words narrow it):", SEARCH_COUNT_MAX, said, is.id ? " in " : "",
			    is.id ? is.name : "");
	else
		doc_heading(ctx->doc, "%zu %s for '%s'%s%s%s", total,
			    total == 1 ? "match" : "matches", said, is.id ? " in " : "",
			    is.id ? is.name : "", total > l.n ? " — the best ones:" : "");
	for (size_t i = 0; i < l.n; i++)
		entry_item(ctx, &l.v[i], is.id == 0, 1);
out:
	free(said);
	buf_release(&q);
	store_log_list_release(&l);
	cmd_issue_release(&is);
	return rc;
}

/* ---- catching up ---- */

static int is_weekday_word(const char *s)
{
	static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

	for (size_t i = 0; i < ARRAY_LEN(days); i++)
		if (str_iprefix(s, days[i]))
			return 1;
	return 0;
}

/* The start of a catch-up: 0 and *since_ms, 1 when answered. */
static int catchup_since(struct cmd_ctx *ctx, int64_t *since_ms, int *spoke)
{
	int64_t start, end, last;
	size_t i = 1;

	*spoke = 0;
	if (ctx->argc == 0) {
		last = store_last_spoke(ctx->st, ctx->msg->room_id, ctx->msg->sender);
		*spoke = last > 0;
		/* the previous message: this command's own time is set after it runs */
		*since_ms = last > 0 ? last + 1 : ctx->now_ms - 86400 * 1000LL;
		return 0;
	}
	if (!str_ieq(ctx->argv[0], "since") || ctx->argc < 2) {
		cmd_usage(ctx, "say since when, e.g. since 14:00 or since mon 09:00.");
		return 1;
	}
	if (cmd_when_arg(ctx, &i, &start, &end))
		return 1;
	if (i < ctx->argc) {
		cmd_usage(ctx, "I did not understand '%s' after the time.", ctx->argv[i]);
		return 1;
	}
	/* a weekday means the next one when scheduling; looking back, the last one */
	if (start > ctx->now && is_weekday_word(ctx->argv[1]))
		start -= 7 * 86400;
	if (start > ctx->now) {
		cmd_usage(ctx, "that is in the future; catch-up looks back, e.g. since 09:00.");
		return 1;
	}
	*since_ms = start * 1000;
	return 0;
}

/* "Bob, Carol Smith and 3 more" */
static void people_names(struct cmd_ctx *ctx, const struct strv *people, struct buf *b)
{
	for (size_t i = 0; i < people->n && i < 5; i++) {
		char *name = cmd_display_name(ctx->eng, ctx->msg->room_id, people->v[i]);
		buf_printf(b, "%s%s", i ? ", " : "", name);
		free(name);
	}
	if (people->n > 5)
		buf_printf(b, " and %zu more", people->n - 5);
}

static int cmd_catchup(struct cmd_ctx *ctx)
{
	struct digest_data dd;
	struct issue is;
	struct buf sum;
	char when[48];
	const char *why = "";
	int spoke = 0;
	int64_t since_ms = 0;
	int rc = this_issue(ctx, &is, "catch up in an issue's room.");

	memset(&dd, 0, sizeof(dd));
	buf_init(&sum, 0);
	if (rc)
		goto out;
	if (catchup_since(ctx, &since_ms, &spoke))
		goto out;
	rc = -1;
	if (digest_load(ctx->eng, is.id, NULL, ctx->msg->sender, since_ms, ctx->now_ms + 1, &dd))
		goto out;
	rc = 0;
	when_str(ctx, since_ms, when, sizeof(when));
	if (ctx->argc == 0 && !spoke)
		why = " (the last 24 h: you have not spoken here)";
	if (digest_data_quiet(&dd)) {
		if (!dd.messages) {
			doc_para(ctx->doc, "Nothing new in %s since %s%s.", is.name, when, why);
			goto out;
		}
		/* quiet: everyone who wrote, wrote ordinary messages */
		buf_printf(&sum, "%lld %s, from ", (long long)dd.messages,
			   dd.messages == 1 ? "message" : "messages");
		people_names(ctx, &dd.people, &sum);
		doc_para(ctx->doc, "Nothing noted in %s since %s%s: no decisions, notes, actions, "
			 "positions or session changes; %s.", is.name, when, why, sum.data);
		goto out;
	}
	digest_summary(&dd, &sum);
	if (dd.messages)
		buf_printf(&sum, "; %lld %s", (long long)dd.messages,
			   dd.messages == 1 ? "message" : "messages");
	doc_para(ctx->doc, "Since %s in %s%s: %s.", when, is.name, why, sum.data);
	digest_sections(ctx->eng, &dd, ctx->msg->room_id, ctx->doc);
	if (dd.people.n) {
		buf_reset(&sum);
		people_names(ctx, &dd.people, &sum);
		doc_para(ctx->doc, "Active: %s.", sum.data);
	}
out:
	digest_data_release(&dd);
	buf_release(&sum);
	cmd_issue_release(&is);
	return rc < 0 ? -1 : 0;
}

static int cmd_digest(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	int active = 0, rc = 0;

	if (ctx->argc)
		return cmd_usage(ctx, "%sdigest takes no arguments: it digests the room it is "
				 "used in.", ctx->prefix);
	if (ctx->room_issue > 0) {
		if (cmd_issue_by_id(ctx, ctx->room_issue, &is))
			return -1;
		rc = digest_issue(ctx->eng, &is, digest_period_start(ctx->eng, ctx->now), ctx->now + 1,
				  0, ctx->doc, &active);
		cmd_issue_release(&is);
	} else if (ctx->is_coord) {
		rc = digest_overview(ctx->eng, digest_period_start(ctx->eng, ctx->now), ctx->now + 1,
				     0, ctx->doc, &active);
	} else {
		cmd_usage(ctx, "this is neither an issue room nor the coordination room; "
			  "there is no digest for it.");
	}
	return rc;
}

const struct cmd_entry cmd_log_table[] = {
	{ .name = "note",
	  .args = "<text>",
	  .summary = "keep a note in this issue's log",
	  .example = "note Brazil will table an amendment to Res 130 tomorrow",
	  .fn = cmd_note },
	{ .name = "decision",
	  .args = "<text>",
	  .summary = "record a decision of the group in this issue's log",
	  .example = "decision we back the CEPT text on Res 130",
	  .fn = cmd_decision },
	{ .name = "action",
	  .args = "<user> <text>",
	  .summary = "give someone an action item (they are mentioned)",
	  .example = "action @bob:example.org draft our statement for Com 5",
	  .fn = cmd_action },
	{ .name = "done",
	  .args = "<n>",
	  .summary = "close action item n (anyone may)",
	  .example = "done 5",
	  .fn = cmd_done },
	{ .name = "actions",
	  .args = "[all]",
	  .summary = "open action items (this issue's, or every issue's)",
	  .example = "actions",
	  .fn = cmd_actions },
	{ .name = "position",
	  .args = "<actor> <stance> [text...]",
	  .summary = "record an actor's stance on this issue (stance: one word)",
	  .example = "position \"Arab Group\" oppose wants the ITU to take on OTT regulation",
	  .fn = cmd_position },
	{ .name = "positions",
	  .args = "[issue] [all]",
	  .summary = "the latest stance of every actor on the issue",
	  .example = "positions cyber",
	  .fn = cmd_positions },
	{ .name = "log",
	  .args = "[n]",
	  .summary = "the last n log entries of this issue (default 10, at most 50)",
	  .example = "log 20",
	  .fn = cmd_log },
	{ .name = "search",
	  .args = "<words...>",
	  .summary = "search the log: this issue's, or every issue's from the coordination "
	    "room",
	  .example = "search amendment brazil",
	  .fn = cmd_search },
	{ .name = "catchup",
	  .args = "[since <when>]",
	  .summary = "what happened in this issue since you last spoke here (or since <when>)",
	  .example = "catchup since 14:00",
	  .fn = cmd_catchup },
	{ .name = "digest",
	  .args = "",
	  .summary = "the digest since the last scheduled one, now (in the coordination room: "
	    "the overview)",
	  .example = "digest",
	  .fn = cmd_digest },
	{ .name = NULL },
};
