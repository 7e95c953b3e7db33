/*
 * cmd_session.c - the session commands (SPEC §2: !session, !sessions,
 * !attend, !skip, !move, !cancel, !uncovered, !remind).  Sessions are
 * numbered "#N" for people typing on phones.  The reminders that then
 * run on their own (SPEC §3) are schedule.c's.  Knows nothing of Matrix:
 * answers are docs, other rooms are told through cmd_post().
 */
#include "cmd_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_feed.h"
#include "store_issue.h"
#include "store_due.h"
#include "when.h"

#define TITLE_MAX 200           /* bytes; a title is a line, not a memo */
#define PLACE_MAX 100
#define REMIND_TEXT_MAX 1000
#define LIST_MAX 100            /* items even when every one was asked for */
#define REMIND_OPEN_MAX 100      /* personal reminders one user may have waiting */
#define DAY 86400

/* ---- writing sessions ---- */

/* Start of the local day after the one containing t (DST days vary). */
static int64_t next_day(const char *tz, int64_t t)
{
	return tz_day_start(tz, tz_day_start(tz, t) + DAY + DAY / 2);
}

/* Write users as pills separated by commas.  mention: also m.mentions. */
static void user_list(struct cmd_ctx *ctx, const struct strv *users, int mention)
{
	for (size_t i = 0; i < users->n; i++) {
		if (i)
			doc_text(ctx->doc, ", ");
		if (mention)
			cmd_mention(ctx, users->v[i]);
		else
			cmd_doc_user(ctx, users->v[i]);
	}
}

void cmd_session_item(struct cmd_ctx *ctx, const struct session *s, int with_day,
		      int with_issue)
{
	char when[96];

	tz_format_span(ctx->tz, ctx->now, s->start_s, s->end_s,
		       with_day ? TZ_SPAN_NEAR : TZ_SPAN_TIME, when, sizeof(when));
	doc_begin(ctx->doc, DOC_ITEM);
	doc_strong(ctx->doc, "%s", when);
	doc_text(ctx->doc, " #%lld %s", (long long)s->id, s->title);
	if (s->place)
		doc_text(ctx->doc, " @ %s", s->place);
	if (with_issue)
		doc_text(ctx->doc, " (%s)", s->issue_name);
	doc_text(ctx->doc, ": ");
	if (s->attendees.n)
		user_list(ctx, &s->attendees, 0);
	else
		doc_strong(ctx->doc, "nobody attending");
	doc_end(ctx->doc);
}

/* "#3 Drafting group, today 14:00-15:00 @ Room D" into the open block. */
static void session_line(struct cmd_ctx *ctx, const struct session *s)
{
	char when[96];

	tz_format_span(ctx->tz, ctx->now, s->start_s, s->end_s, TZ_SPAN_NEAR,
		       when, sizeof(when));
	doc_text(ctx->doc, "#%lld %s, %s", (long long)s->id, s->title, when);
	if (s->place)
		doc_text(ctx->doc, " @ %s", s->place);
}

/* ---- reading arguments ---- */

/* argv[from..to) joined by single spaces (quotes already removed); the
 * caller frees. */
static char *join_args(struct cmd_ctx *ctx, size_t from, size_t to)
{
	struct buf b;
	char *out;

	buf_init(&b, 0);
	for (size_t i = from; i < to && i < ctx->argc; i++) {
		if (i > from)
			buf_putc(&b, ' ');
		buf_puts(&b, ctx->argv[i]);
	}
	out = xstrdup(b.data);
	buf_release(&b);
	return out;
}

/*
 * The user named by argv[from..]: the sender when there is none, else one
 * argument, or several read as one display name typed without quotes
 * ("Carol Smith").  *user is a copy the caller frees; -1 when answered.
 */
static int user_from(struct cmd_ctx *ctx, size_t from, char **user)
{
	char *name;
	int rc;

	*user = NULL;
	if (from >= ctx->argc) {
		*user = xstrdup(ctx->msg->sender);
		return 0;
	}
	if (from + 1 == ctx->argc)
		return cmd_user_arg(ctx, ctx->argv[from], user);
	name = join_args(ctx, from, ctx->argc);
	rc = cmd_user_arg(ctx, name, user);
	free(name);
	return rc;
}

/* The session number in argv[0]: 0 with *n, -1 when answered (missing or
 * not a number).  Checked before any lookup: a malformed command gets its
 * usage whether or not the session exists. */
static int session_num(struct cmd_ctx *ctx, int64_t *n)
{
	if (ctx->argc == 0) {
		cmd_usage(ctx, "which session? Give its number (%ssessions lists them).",
			  ctx->prefix);
		return -1;
	}
	return cmd_number_arg(ctx, ctx->argv[0], "session", n);
}

/*
 * Session n: 0 with *s filled (release it), -1 when answered ("no session
 * #12") or when the store failed (then *failed is set, so the handler
 * returns -1).
 */
static int session_get(struct cmd_ctx *ctx, int64_t n, struct session *s, int *failed)
{
	int rc = store_session_get(ctx->st, n, s);

	*failed = rc < 0;
	if (rc == 1)
		cmd_fail(ctx, "no session #%lld; %ssessions lists the upcoming ones.",
			 (long long)n, ctx->prefix);
	return rc ? -1 : 0;
}

/* session_num then session_get. */
static int session_arg(struct cmd_ctx *ctx, struct session *s, int *failed)
{
	int64_t n;

	*failed = 0;
	memset(s, 0, sizeof(*s));
	if (session_num(ctx, &n))
		return -1;
	return session_get(ctx, n, s, failed);
}

/* A start must not be in the past; the current minute still counts, so
 * "14:00" typed at 14:00:40 works.  Answers and returns -1 when it is. */
static int check_future(struct cmd_ctx *ctx, int64_t start)
{
	char when[64], now[16], hm[16];

	if (start >= ctx->now - ctx->now % 60)
		return 0;
	tz_format_dayhm(ctx->tz, start, when, sizeof(when));
	tz_format_hm(ctx->tz, ctx->now, now, sizeof(now));
	tz_format_hm(ctx->tz, start, hm, sizeof(hm));
	cmd_usage(ctx, "%s is in the past (it is %s now); for tomorrow, write 'tomorrow %s'.",
		  when, now, hm);
	return -1;
}

/* A session lasts less than a day: "14:00-14:00" is a slip of the thumb,
 * not a 24-hour meeting.  Answers and returns -1 when it is too long. */
static int check_length(struct cmd_ctx *ctx, int64_t start, int64_t end)
{
	if (end - start < DAY)
		return 0;
	cmd_usage(ctx, "a session lasts less than 24 h; check the end time.");
	return -1;
}

/* ---- clashes and notices ---- */

/* "Clash: Alice (lead) already attends #2 Plenary, today 13:30-14:30." for
 * each clash; users among 'leads' (may be NULL) are labelled as such. */
static void write_clashes(struct cmd_ctx *ctx, const struct clash_list *cl,
			  const struct strv *leads)
{
	for (size_t i = 0; i < cl->n; i++) {
		const struct session_clash *c = &cl->v[i];
		char when[96];

		tz_format_span(ctx->tz, ctx->now, c->start_s, c->end_s, TZ_SPAN_NEAR,
			       when, sizeof(when));
		doc_begin(ctx->doc, DOC_PARA);
		doc_strong(ctx->doc, "Clash:");
		doc_text(ctx->doc, " ");
		cmd_doc_user(ctx, c->user);
		if (leads && strv_has(leads, c->user))
			doc_text(ctx->doc, " (lead)");
		doc_text(ctx->doc, " already attends #%lld %s, %s.", (long long)c->id, c->title,
			 when);
		doc_end(ctx->doc);
	}
}

/*
 * Tell the session's issue room what happened to it ("Moved", "Cancelled",
 * "New session"), mentioning the attendees; 'was' is the old time, or
 * NULL.  Nothing is posted when the issue has no room (or only an alias
 * not resolved yet), or when the command came from that room and nobody
 * attends (the answer already said it there).  Returns 1 when posted.
 */
static int tell_issue_room(struct cmd_ctx *ctx, const struct session *s,
			   const char *what, const char *was)
{
	struct doc d;
	struct cmd_ctx sub;
	struct strv mentions = { 0 };
	int here = s->issue_room && !strcmp(s->issue_room, ctx->msg->room_id);

	if (!s->issue_room || s->issue_room[0] == '#' || (here && !s->attendees.n))
		return 0;
	doc_init(&d);
	/* write through a copy of the context so pills and mentions use the
	 * same helpers, into this doc and its own mention list */
	sub = *ctx;
	sub.doc = &d;
	sub.mentions = &mentions;
	doc_begin(&d, DOC_PARA);
	doc_text(&d, "%s: ", what);
	session_line(&sub, s);
	if (was)
		doc_text(&d, " (was %s)", was);
	doc_text(&d, ".");
	doc_end(&d);
	if (s->attendees.n) {
		doc_begin(&d, DOC_PARA);
		doc_text(&d, "%s: ", s->cancelled_ms ? "Was attending" : "Attending");
		user_list(&sub, &s->attendees, 1);
		doc_end(&d);
	} else if (!s->cancelled_ms) {
		doc_para(&d, "Nobody attends yet: %sattend %lld to go.", ctx->prefix,
			 (long long)s->id);
	}
	{
		struct engine_reply *r = cmd_post(ctx, s->issue_room, &d, &mentions);

		if (!s->cancelled_ms)   /* reactions: 👍 on it attends (engine_reaction) */
			cmd_about(ctx, r, "session:%lld", (long long)s->id);
	}
	strv_release(&mentions);
	doc_release(&d);
	return 1;
}

/* After a move or cancel: say whether the attendees were told. */
static void told(struct cmd_ctx *ctx, const struct session *s, int posted)
{
	int here = s->issue_room && !strcmp(s->issue_room, ctx->msg->room_id);

	if (!s->attendees.n || (posted && here))
		return;
	if (posted)
		doc_para(ctx->doc, "I told %s in the %s room.",
			 s->attendees.n == 1 ? "its attendee" : "its attendees", s->issue_name);
	else
		doc_para(ctx->doc, "%s has no room I can post in, so tell %s yourself.",
			 s->issue_name, s->attendees.n == 1 ? "its attendee" : "its attendees");
}

/* ---- !session ---- */

/* 1 when argv[i] starts the place: "@" alone, or "@Room" (not a user ID). */
static int is_place_mark(const char *arg)
{
	return arg[0] == '@' && !strchr(arg, ':');
}

static int cmd_session(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	struct session s = { 0 };
	struct strv leads = { 0 }, backups = { 0 };
	struct clash_list cl = { 0 };
	char *title = NULL, *place = NULL, when[96], err[160];
	size_t i = 0, at, used;
	int64_t start, end, id;
	int rc = 0;

	if (ctx->argc == 0)
		return cmd_usage(ctx, "which issue, when, and what?");
	/* the issue may be left out in an issue room: a first argument that
	 * reads as a time is the time */
	if (when_parse(ctx->tz, ctx->now, ctx->argv, ctx->argc, &used, &start, &end, err,
		       sizeof(err)) == 0) {
		if (cmd_room_issue(ctx, &is))
			goto out;
	} else {
		if (cmd_issue_arg(ctx, ctx->argv[0], &is))
			goto out;
		i = 1;
	}
	if (cmd_when_arg(ctx, &i, &start, &end) || check_future(ctx, start))
		goto out;
	if (end < 0)
		end = start + (ctx->cfg->default_length > 0 ? ctx->cfg->default_length : 3600);
	else if (check_length(ctx, start, end))
		goto out;
	for (at = i; at < ctx->argc && !is_place_mark(ctx->argv[at]); at++)
		;
	title = join_args(ctx, i, at);
	if (!*title) {
		cmd_usage(ctx, "what is the session called? Add a title after the time.");
		goto out;
	}
	if (at < ctx->argc) {
		const char *first = ctx->argv[at] + 1;     /* "@Room" */
		struct buf b;

		buf_init(&b, 0);
		buf_puts(&b, first);
		for (size_t k = at + 1; k < ctx->argc; k++) {
			if (b.len)
				buf_putc(&b, ' ');
			buf_puts(&b, ctx->argv[k]);
		}
		place = xstrdup(b.data);
		buf_release(&b);
		if (!*place) {
			cmd_usage(ctx, "where? Put the place after '@', e.g. @ Room D.");
			goto out;
		}
	}
	if (strlen(title) > TITLE_MAX || (place && strlen(place) > PLACE_MAX)) {
		cmd_usage(ctx, "that is too long: a title has at most %d characters, a place "
			  "%d.", TITLE_MAX, PLACE_MAX);
		goto out;
	}
	if (store_session_add(ctx->st, is.id, title, place, start, end, ctx->msg->sender,
			      ctx->now_ms, &id) ||
	    store_session_get(ctx->st, id, &s) ||
	    store_cover_list(ctx->st, is.id, &leads, &backups) ||
	    store_session_clashes(ctx->st, id, start, end, &leads, &cl)) {
		rc = -1;
		goto out;
	}
	tz_format_span(ctx->tz, ctx->now, start, end, TZ_SPAN_NEAR, when, sizeof(when));
	doc_begin(ctx->doc, DOC_PARA);
	doc_text(ctx->doc, "Scheduled ");
	doc_strong(ctx->doc, "#%lld", (long long)id);
	doc_text(ctx->doc, ": %s (%s), %s", title, is.name, when);
	if (place)
		doc_text(ctx->doc, " @ %s", place);
	doc_text(ctx->doc, ".");
	doc_end(ctx->doc);
	write_clashes(ctx, &cl, &leads);
	doc_para(ctx->doc, "Nobody attends yet: %sattend %lld to go.", ctx->prefix,
		 (long long)id);
	cmd_about(ctx, NULL, "session:%lld", (long long)id);
	if (!is.room_id || strcmp(is.room_id, ctx->msg->room_id))
		tell_issue_room(ctx, &s, "New session", NULL);
out:
	cmd_issue_release(&is);
	store_session_release(&s);
	strv_release(&leads);
	strv_release(&backups);
	store_clash_list_release(&cl);
	free(title);
	free(place);
	return rc;
}

/* ---- !sessions, !uncovered ---- */

/*
 * Write the list under day headings: the first DOC_LIST_SHOWN items, or
 * when 'every' up to LIST_MAX; a cut list ends with "… and N more" and
 * 'more' (the command that shows them all).
 */
static void write_list(struct cmd_ctx *ctx, const struct session_list *l, int with_issue,
		       int every, const char *more)
{
	int64_t day = -1;
	size_t n = every ? (l->n < LIST_MAX ? l->n : LIST_MAX) : doc_list_shown(l->n, 0);

	for (size_t i = 0; i < n; i++) {
		const struct session *s = &l->v[i];
		int64_t d = tz_day_start(ctx->tz, s->start_s > ctx->now ? s->start_s : ctx->now);

		if (d != day) {
			char word[32], date[32];

			tz_format_near_day(ctx->tz, ctx->now, d, word, sizeof(word));
			tz_format_day(ctx->tz, d, date, sizeof(date));
			if (strcmp(word, date))
				doc_heading(ctx->doc, "%c%s, %s", word[0] - 'a' + 'A', word + 1, date);
			else
				doc_heading(ctx->doc, "%s", date);
			day = d;
		}
		cmd_session_item(ctx, s, 0, with_issue);
	}
	if (n < l->n)
		doc_more(ctx->doc, l->n - n, every ? "caucus export <issue> --format ics" : more);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static int cmd_sessions(struct cmd_ctx *ctx)
{
	enum { NEXT_24H, TODAY, TOMORROW, ALL, ISSUE } span = NEXT_24H;
	struct issue is = { 0 };
	struct session_list l = { 0 };
	int64_t from = ctx->now, to = ctx->now + DAY;
	char pre[160] = "", post[64] = "", date[32], more[160];
	/* a last "all" lifts the cut: "!sessions today all"; "!sessions all"
	 * is every upcoming session, every one */
	int rc = 0, every = ctx->argc && str_ieq(ctx->argv[ctx->argc - 1], "all");

	if (ctx->argc == 2 && every)
		ctx->argc = 1;
	if (ctx->argc > 1)
		return cmd_usage(ctx, "give one issue, or today, tomorrow or all.");
	if (ctx->argc == 0)
		span = ctx->room_issue > 0 ? ISSUE : NEXT_24H;
	else if (str_ieq(ctx->argv[0], "today"))
		span = TODAY;
	else if (str_ieq(ctx->argv[0], "tomorrow"))
		span = TOMORROW;
	else if (str_ieq(ctx->argv[0], "all"))
		span = ALL;
	else if (cmd_issue_arg(ctx, ctx->argv[0], &is))
		goto out;
	else
		span = ISSUE;
	/* in an issue room, a day means that issue's day; "all" means all */
	if (!is.id && (span == ISSUE || ((span == TODAY || span == TOMORROW) &&
					 ctx->room_issue > 0)))
		if (cmd_room_issue(ctx, &is))
			goto out;
	if (span == TODAY || span == TOMORROW) {
		to = next_day(ctx->tz, ctx->now);
		if (span == TOMORROW) {
			from = to;
			to = next_day(ctx->tz, from);
		}
	} else if (span == ALL || span == ISSUE) {
		to = INT64_MAX;
	}
	if (store_session_list(ctx->st, is.id, from, to, 0, &l)) {
		rc = -1;
		goto out;
	}
	/* the first line: "<count> <pre>session(s)<post>" */
	if (is.id)
		snprintf(pre, sizeof(pre), "%s%s ", span == ISSUE ? "upcoming " : "", is.name);
	else if (span == ALL)
		snprintf(pre, sizeof(pre), "upcoming ");
	tz_format_day(ctx->tz, from, date, sizeof(date));
	if (span == TODAY)
		snprintf(post, sizeof(post), " %stoday", l.n ? "" : "left ");
	else if (span == TOMORROW)
		snprintf(post, sizeof(post), " tomorrow (%s)", date);
	else if (span == NEXT_24H)
		snprintf(post, sizeof(post), " in the next 24 h");
	if (!l.n) {
		doc_para(ctx->doc, "No %ssessions%s.", pre, post);
		goto out;
	}
	doc_begin(ctx->doc, DOC_PARA);
	doc_strong(ctx->doc, "%zu %ssession%s%s", l.n, pre, plural(l.n), post);
	doc_end(ctx->doc);
	if (span == TODAY || span == TOMORROW)
		snprintf(more, sizeof(more), "%ssessions %s all", ctx->prefix,
			 span == TODAY ? "today" : "tomorrow");
	else if (span == ISSUE)
		snprintf(more, sizeof(more), "%ssessions %s all", ctx->prefix, is.slug);
	else
		snprintf(more, sizeof(more), "%ssessions all", ctx->prefix);
	write_list(ctx, &l, is.id == 0, every, more);
out:
	cmd_issue_release(&is);
	store_session_list_release(&l);
	return rc;
}

static int cmd_uncovered(struct cmd_ctx *ctx)
{
	struct session_list l = { 0 }, all = { 0 };
	int every = ctx->argc == 1 && str_ieq(ctx->argv[0], "all");
	char more[64];

	if (ctx->argc && !every)
		return cmd_usage(ctx, "%suncovered takes no arguments but 'all'.", ctx->prefix);
	if (store_session_list(ctx->st, 0, ctx->now, ctx->now + DAY, 1, &l) ||
	    store_session_list(ctx->st, 0, ctx->now, ctx->now + DAY, 0, &all)) {
		store_session_list_release(&l);
		store_session_list_release(&all);
		return -1;
	}
	if (!l.n) {
		doc_para(ctx->doc, all.n ? "Every session in the next 24 h has someone attending."
					 : "No sessions in the next 24 h.");
	} else {
		doc_begin(ctx->doc, DOC_PARA);
		doc_strong(ctx->doc, "%zu session%s in the next 24 h with nobody attending", l.n,
			   plural(l.n));
		doc_end(ctx->doc);
		snprintf(more, sizeof(more), "%suncovered all", ctx->prefix);
		write_list(ctx, &l, 1, every, more);
		doc_para(ctx->doc, "%sattend <n> to go.", ctx->prefix);
	}
	store_session_list_release(&l);
	store_session_list_release(&all);
	return 0;
}

/* ---- !attend, !skip ---- */

/* 1 when the answer speaks to user as "you": the sender of a typed
 * command (a reaction's answer is read by the whole room). */
static int is_you(struct cmd_ctx *ctx, const char *user)
{
	return !ctx->reaction && !strcmp(user, ctx->msg->sender);
}

/* Name the user in the open block: "You" for the sender, else a pill. */
static void subject(struct cmd_ctx *ctx, const char *user)
{
	if (is_you(ctx, user))
		doc_text(ctx->doc, "You");
	else
		cmd_doc_user(ctx, user);
}

/* After a reaction's !attend or !skip: who attends session id now. */
static int reaction_attendees(struct cmd_ctx *ctx, int64_t id)
{
	struct session s = { 0 };

	if (!ctx->reaction)
		return 0;
	if (store_session_get(ctx->st, id, &s) < 0)
		return -1;
	doc_begin(ctx->doc, DOC_PARA);
	if (s.attendees.n) {
		doc_text(ctx->doc, "Attending #%lld: ", (long long)id);
		user_list(ctx, &s.attendees, 0);
		doc_text(ctx->doc, ".");
	} else {
		doc_text(ctx->doc, "Nobody attends #%lld now.", (long long)id);
	}
	doc_end(ctx->doc);
	store_session_release(&s);
	return 0;
}

static int cmd_attend(struct cmd_ctx *ctx)
{
	struct session s = { 0 };
	struct strv one = { 0 };
	struct clash_list cl = { 0 };
	char *user = NULL;
	int failed = 0, rc = 0, added;

	if (session_arg(ctx, &s, &failed)) {
		rc = failed ? -1 : 0;
		goto out;
	}
	if (user_from(ctx, 1, &user))
		goto out;
	if (s.cancelled_ms) {
		cmd_fail(ctx, "#%lld %s was cancelled.", (long long)s.id, s.title);
		goto out;
	}
	if (s.end_s <= ctx->now) {
		cmd_fail(ctx, "#%lld %s is already over.", (long long)s.id, s.title);
		goto out;
	}
	added = store_session_attend(ctx->st, s.id, user, ctx->now_ms);
	strv_push(&one, user);
	if (added < 0 || store_session_clashes(ctx->st, s.id, s.start_s, s.end_s, &one, &cl)) {
		rc = -1;
		goto out;
	}
	ctx->acted = 1;
	doc_begin(ctx->doc, DOC_PARA);
	subject(ctx, user);
	doc_text(ctx->doc, added == 1 ? " already attend%s " : " will attend%s ",
		 added == 1 && !is_you(ctx, user) ? "s" : "");
	session_line(ctx, &s);
	doc_text(ctx->doc, ".");
	doc_end(ctx->doc);
	write_clashes(ctx, &cl, NULL);
	if (reaction_attendees(ctx, s.id))
		rc = -1;
out:
	store_session_release(&s);
	strv_release(&one);
	store_clash_list_release(&cl);
	free(user);
	return rc;
}

static int cmd_skip(struct cmd_ctx *ctx)
{
	struct session s = { 0 };
	char *user = NULL;
	int failed = 0, rc = 0, removed;
	int self;

	if (session_arg(ctx, &s, &failed)) {
		rc = failed ? -1 : 0;
		goto out;
	}
	if (user_from(ctx, 1, &user))
		goto out;
	self = is_you(ctx, user);
	removed = store_session_skip(ctx->st, s.id, user);
	if (removed < 0) {
		rc = -1;
		goto out;
	}
	doc_begin(ctx->doc, DOC_PARA);
	subject(ctx, user);
	if (removed == 1)
		doc_text(ctx->doc, " %s not attending #%lld %s.", self ? "were" : "was",
			 (long long)s.id, s.title);
	else
		doc_text(ctx->doc, " no longer attend%s #%lld %s.", self ? "" : "s",
			 (long long)s.id, s.title);
	doc_end(ctx->doc);
	if (ctx->reaction) {
		if (reaction_attendees(ctx, s.id))
			rc = -1;
	} else if (removed == 0 && s.attendees.n == 1 && !s.cancelled_ms && s.end_s > ctx->now) {
		doc_para(ctx->doc, "Nobody attends #%lld now.", (long long)s.id);
	}
out:
	store_session_release(&s);
	free(user);
	return rc;
}

/* ---- !move, !cancel ---- */

static int cmd_move(struct cmd_ctx *ctx)
{
	struct session s = { 0 };
	struct clash_list cl = { 0 };
	char was[96], when[96];
	size_t i = 1;
	int64_t n, start, end;
	int failed = 0, rc = 0;

	if (session_num(ctx, &n) || cmd_when_arg(ctx, &i, &start, &end))
		goto out;
	if (i < ctx->argc) {
		cmd_usage(ctx, "I did not understand '%s' after the time.", ctx->argv[i]);
		goto out;
	}
	if (check_future(ctx, start))
		goto out;
	if (session_get(ctx, n, &s, &failed)) {
		rc = failed ? -1 : 0;
		goto out;
	}
	if (s.cancelled_ms) {
		cmd_fail(ctx, "#%lld %s was cancelled; schedule a new one with %ssession.",
			 (long long)s.id, s.title, ctx->prefix);
		goto out;
	}
	if (end < 0)
		end = start + (s.end_s - s.start_s);
	else if (check_length(ctx, start, end))
		goto out;
	if (start == s.start_s && end == s.end_s) {
		cmd_fail(ctx, "#%lld %s is already at that time.", (long long)s.id, s.title);
		goto out;
	}
	tz_format_span(ctx->tz, ctx->now, s.start_s, s.end_s, TZ_SPAN_NEAR, was, sizeof(was));
	if (store_session_move(ctx->st, s.id, start, end, ctx->now_ms) ||
	    store_feed_by_hand(ctx->st, s.id) ||        /* feeds: announce, not apply, later */
	    store_session_clashes(ctx->st, s.id, start, end, &s.attendees, &cl)) {
		rc = -1;
		goto out;
	}
	s.start_s = start;
	s.end_s = end;
	tz_format_span(ctx->tz, ctx->now, start, end, TZ_SPAN_NEAR, when, sizeof(when));
	doc_para(ctx->doc, "Moved #%lld %s to %s (was %s).", (long long)s.id, s.title, when,
		 was);
	write_clashes(ctx, &cl, NULL);
	told(ctx, &s, tell_issue_room(ctx, &s, "Moved", was));
out:
	store_session_release(&s);
	store_clash_list_release(&cl);
	return rc;
}

static int cmd_cancel(struct cmd_ctx *ctx)
{
	struct session s = { 0 };
	int64_t n;
	int failed = 0, rc = 0;

	if (session_num(ctx, &n))
		goto out;
	if (ctx->argc > 1) {
		cmd_usage(ctx, "%scancel takes only the session number.", ctx->prefix);
		goto out;
	}
	if (session_get(ctx, n, &s, &failed)) {
		rc = failed ? -1 : 0;
		goto out;
	}
	if (s.cancelled_ms) {
		cmd_fail(ctx, "#%lld %s was already cancelled.", (long long)s.id, s.title);
		goto out;
	}
	if (s.end_s <= ctx->now) {
		cmd_fail(ctx, "#%lld %s is already over; nothing to cancel.", (long long)s.id,
			 s.title);
		goto out;
	}
	if (store_session_cancel(ctx->st, s.id, ctx->now_ms)) {
		rc = -1;
		goto out;
	}
	doc_begin(ctx->doc, DOC_PARA);
	doc_text(ctx->doc, "Cancelled ");
	session_line(ctx, &s);
	doc_text(ctx->doc, ".");
	doc_end(ctx->doc);
	s.cancelled_ms = ctx->now_ms;
	told(ctx, &s, tell_issue_room(ctx, &s, "Cancelled", NULL));
out:
	store_session_release(&s);
	return rc;
}

/* ---- !remind ---- */

void cmd_session_wait(int64_t secs, char *out, size_t outlen)
{
	int64_t min = (secs + 30) / 60;

	if (min <= 0)
		snprintf(out, outlen, "now");
	else if (min < 60)
		snprintf(out, outlen, "in %lld min", (long long)min);
	else if (min % 60 == 0)
		snprintf(out, outlen, "in %lld h", (long long)(min / 60));
	else
		snprintf(out, outlen, "in %lld h %lld min", (long long)(min / 60),
			 (long long)(min % 60));
}

static int cmd_remind(struct cmd_ctx *ctx)
{
	char *text = NULL, day[32], hm[16], wait[48];
	size_t i = 0;
	int64_t due, end, id, open;
	int rc = 0;

	if (cmd_when_arg(ctx, &i, &due, &end))
		goto out;
	if (due <= ctx->now) {
		tz_format_hm(ctx->tz, ctx->now, hm, sizeof(hm));
		cmd_usage(ctx, "that time is already past (it is %s now).", hm);
		goto out;
	}
	text = xstrdup(cmd_text_from(ctx, i));
	{
		char *t = str_trim(text);     /* trims the end in place */

		memmove(text, t, strlen(t) + 1);
	}
	if (!*text) {
		cmd_usage(ctx, "remind you of what? Add the text after the time.");
		goto out;
	}
	if (strlen(text) > REMIND_TEXT_MAX) {
		cmd_usage(ctx, "that is too long for a reminder (at most %d characters).",
			  REMIND_TEXT_MAX);
		goto out;
	}
	open = store_reminder_open(ctx->st, ctx->msg->sender);
	if (open < 0) {
		rc = -1;
		goto out;
	}
	if (open >= REMIND_OPEN_MAX) {
		cmd_fail(ctx, "you already have %d reminders waiting, the most one person may "
			 "have; this one was not kept.", REMIND_OPEN_MAX);
		goto out;
	}
	if (store_reminder_add(ctx->st, ctx->msg->room_id, ctx->msg->sender, text, due,
			       ctx->now_ms, ctx->msg->event_id, ctx->msg->thread_root, &id)) {
		rc = -1;
		goto out;
	}
	tz_format_near_day(ctx->tz, ctx->now, due, day, sizeof(day));
	tz_format_hm(ctx->tz, due, hm, sizeof(hm));
	cmd_session_wait(due - ctx->now, wait, sizeof(wait));
	doc_para(ctx->doc, "OK, I will remind you %s %s (%s): %s", day, hm, wait, text);
out:
	free(text);
	return rc;
}

/* ---- the table ---- */

const struct cmd_entry cmd_session_table[] = {
	{ .name = "session",
	  .args = "<issue> <when> <title...> [@ <place>]",
	  .summary = "schedule a session; answers with its number and any clash",
	  .example = "session cyber tomorrow 14:00-15:30 Drafting group on Res. 130 @ Room D",
	  .fn = cmd_session },
	{ .name = "sessions",
	  .args = "[issue|today|tomorrow|all] [all]",
	  .summary = "upcoming sessions (default: the next 24 h; in an issue room, that "
	    "issue's)",
	  .example = "sessions tomorrow",
	  .fn = cmd_sessions },
	{ .name = "attend",
	  .args = "<n> [user]",
	  .summary = "you (or the user) attend session n",
	  .example = "attend 3",
	  .fn = cmd_attend },
	{ .name = "skip",
	  .args = "<n> [user]",
	  .summary = "you (or the user) no longer attend session n",
	  .example = "skip 3",
	  .fn = cmd_skip },
	{ .name = "move",
	  .args = "<n> <when>",
	  .summary = "reschedule session n; attendees are told in the issue room",
	  .example = "move 3 tomorrow 10:00",
	  .fn = cmd_move },
	{ .name = "cancel",
	  .args = "<n>",
	  .summary = "cancel session n; attendees are told in the issue room",
	  .example = "cancel 3",
	  .fn = cmd_cancel },
	{ .name = "uncovered",
	  .args = "[all]",
	  .summary = "sessions in the next 24 h with nobody attending",
	  .example = "uncovered",
	  .fn = cmd_uncovered },
	{ .name = "remind",
	  .args = "<when> <text...>",
	  .summary = "post the text in this room at that time, mentioning you",
	  .example = "remind in 2h call the Kenyan delegation",
	  .fn = cmd_remind },
	{ .name = NULL },
};
