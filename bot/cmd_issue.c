/*
 * cmd_issue.c - the issue and coverage commands (SPEC §2: !issues,
 * !issue add/link/alias/room, !join, !cover, !uncover, !who-covers,
 * !coverage): what the group follows, where, and who makes sure someone
 * is in the room.  Answers are docs; the store does the queries; room work
 * (invites, new rooms) goes out as requests: nothing here knows Matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_session.h"
#include "store_direct.h"
#include "store_issue.h"
#include "store_people.h"
#include "store_session.h"
#include "when.h"

#define NAME_MAX_LEN 100
#define SLUG_MAX_LEN 32
#define DAY 86400

/* Words other commands read in an issue's place ("!sessions today",
 * "!cover cyber backup"): no issue may be called that. */
static const char *const reserved[] = { "all", "today", "tomorrow", "lead", "backup" };

static int is_role_word(const char *arg)
{
	return str_ieq(arg, "lead") || str_ieq(arg, "backup");
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * Check a new slug or alias (lower-cased in place): [a-z0-9-], starting
 * with a letter or digit, not reserved, not already an issue's name.
 * Answers and returns 1 when it is not acceptable, 0 when it is, -1 when
 * the store failed.
 */
static int check_name(struct cmd_ctx *ctx, char *name, const char *what)
{
	struct issue other = { 0 };
	int64_t id;
	int rc;

	str_lower(name);
	if (!*name || strlen(name) > SLUG_MAX_LEN || name[0] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(name)) {
		cmd_usage(ctx, "'%s' cannot be %s: use up to %d letters a-z, digits and '-'.",
			  name, what, SLUG_MAX_LEN);
		return 1;
	}
	for (size_t i = 0; i < ARRAY_LEN(reserved); i++) {
		if (!strcmp(name, reserved[i])) {
			cmd_usage(ctx, "'%s' cannot be %s: commands read it as a keyword.", name,
				  what);
			return 1;
		}
	}
	rc = store_issue_find_exact(ctx->st, name, &id);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (cmd_issue_by_id(ctx, id, &other))
		return -1;
	cmd_fail(ctx, "'%s' is already taken by %s.", name, other.name);
	cmd_issue_release(&other);
	return 1;
}

/* Write users as pills, separated by commas. */
static void user_list(struct cmd_ctx *ctx, const struct strv *users)
{
	for (size_t i = 0; i < users->n; i++) {
		if (i)
			doc_text(ctx->doc, ", ");
		cmd_doc_user(ctx, users->v[i]);
	}
}

/* Covering users as pills, each shift with its end: "Bob (until 18:00)".
 * -1 when the store failed. */
static int cover_user_list(struct cmd_ctx *ctx, int64_t issue_id, const struct strv *users)
{
	for (size_t i = 0; i < users->n; i++) {
		int64_t until = store_cover_until(ctx->st, issue_id, users->v[i]);
		char when[48];

		if (until < 0)
			return -1;
		if (i)
			doc_text(ctx->doc, ", ");
		cmd_doc_user(ctx, users->v[i]);
		if (until > 0) {
			cmd_until_words(ctx->tz, ctx->now, until, when, sizeof(when));
			doc_text(ctx->doc, " (until %s)", when);
		}
	}
	return 0;
}

/* Name the user at the start of a sentence: "You" for the sender. */
static int subject(struct cmd_ctx *ctx, const char *user)
{
	int self = !strcmp(user, ctx->msg->sender);

	if (self)
		doc_text(ctx->doc, "You");
	else
		cmd_doc_user(ctx, user);
	return self;
}

/* ---- !issues ---- */

/*
 * "all" as the only argument lifts the cut of a long list; 1 with *all
 * set when the arguments are fine, 0 when answered.
 */
static int all_arg(struct cmd_ctx *ctx, const char *name, int *all)
{
	*all = ctx->argc == 1 && str_ieq(ctx->argv[0], "all");
	if (ctx->argc && !*all) {
		cmd_usage(ctx, "%s%s takes no arguments but 'all'.", ctx->prefix, name);
		return 0;
	}
	return 1;
}

static int cmd_issues(struct cmd_ctx *ctx)
{
	struct issue_list l = { 0 };
	size_t shown;
	int all;

	if (!all_arg(ctx, "issues", &all))
		return 0;
	if (store_issue_list(ctx->st, 0, &l)) {
		store_issue_list_release(&l);
		return -1;
	}
	if (!l.n) {
		doc_para(ctx->doc, "No issues yet. An admin can add one with %sissue add <slug> "
			 "<name>.", ctx->prefix);
		goto out;
	}
	doc_heading(ctx->doc, "%zu issue%s", l.n, plural(l.n));
	shown = doc_list_shown(l.n, all);
	for (size_t i = 0; i < shown; i++) {
		const struct issue_row *r = &l.v[i];

		/* Cybersecurity (cybersecurity, cyber, res130) — this room; lead Alice */
		doc_begin(ctx->doc, DOC_ITEM);
		doc_strong(ctx->doc, "%s", r->name);
		doc_text(ctx->doc, " (%s", r->slug);
		for (size_t k = 0; k < r->aliases.n; k++)
			doc_text(ctx->doc, ", %s", r->aliases.v[k]);
		doc_text(ctx->doc, ") — ");
		if (!r->room_id)
			doc_text(ctx->doc, "no room");
		else if (!strcmp(r->room_id, ctx->msg->room_id))
			doc_text(ctx->doc, "this room");
		else
			doc_text(ctx->doc, "%s", r->room_id);
		doc_text(ctx->doc, "; ");
		if (r->leads.n) {
			doc_text(ctx->doc, "lead%s ", plural(r->leads.n));
			user_list(ctx, &r->leads);
		} else {
			doc_strong(ctx->doc, "no lead");
		}
		doc_end(ctx->doc);
	}
	if (shown < l.n) {
		char more[64];

		snprintf(more, sizeof(more), "%sissues all", ctx->prefix);
		doc_more(ctx->doc, l.n - shown, more);
	}
out:
	store_issue_list_release(&l);
	return 0;
}

/* ---- !issue add / link / alias ---- */

/* The bot's server, where new rooms get their alias. */
static const char *bot_server(struct cmd_ctx *ctx)
{
	const char *colon = strchr(ctx->cfg->user_id, ':');

	return colon ? colon + 1 : ctx->cfg->user_id;
}

static int cmd_issue_add(struct cmd_ctx *ctx)
{
	char *slug = NULL, *name = NULL;
	int64_t id;
	int rc = 0, bad;

	if (ctx->argc < 2)
		return cmd_usage(ctx, "give the issue a short slug and a name.");
	slug = xstrdup(ctx->argv[0]);
	bad = check_name(ctx, slug, "a slug");
	if (bad) {
		rc = bad < 0 ? -1 : 0;
		goto out;
	}
	/* one quoted argument loses its quotes; several keep the text as typed */
	name = xstrdup(ctx->argc == 2 ? ctx->argv[1] : cmd_text_from(ctx, 1));
	{
		char *t = str_trim(name);       /* trims the end in place */

		memmove(name, t, strlen(t) + 1);
	}
	if (!*name || strlen(name) > NAME_MAX_LEN) {
		cmd_usage(ctx, "an issue's name has 1 to %d characters.", NAME_MAX_LEN);
		goto out;
	}
	if (store_issue_add(ctx->st, slug, name, ctx->now_ms, &id)) {
		rc = -1;
		goto out;
	}
	doc_begin(ctx->doc, DOC_PARA);
	doc_text(ctx->doc, "Added ");
	doc_strong(ctx->doc, "%s", name);
	doc_text(ctx->doc, " (%s). To give it a room, send %sissue room %s (creates #%s:%s and "
		 "invites you) or %sissue link %s in an existing room.", slug, ctx->prefix, slug,
		 slug, bot_server(ctx), ctx->prefix, slug);
	doc_end(ctx->doc);
out:
	free(slug);
	free(name);
	return rc;
}

/* A newly linked room joins the coalition's Space, when there is one
 * (caucus setup makes it). */
static void space_add(struct cmd_ctx *ctx, const char *room)
{
	char *space = store_meta_get(ctx->st, "space_room_id");

	if (space && *space)
		cmd_request(ctx, ENGINE_SPACE_ADD, room, NULL, 0, "add %s to the Space %s", room,
			    space);
	free(space);
}

static int cmd_issue_link(struct cmd_ctx *ctx)
{
	struct issue is = { 0 }, prev = { 0 };
	const char *room = ctx->msg->room_id;
	int64_t old_issue = 0;
	char *old_room = NULL;
	int rc = 0;

	if (ctx->argc != 1)
		return cmd_usage(ctx, "name the one issue this room is for.");
	if (ctx->is_coord)
		return cmd_fail(ctx, "this is the coordination room; it cannot be an issue's "
				"room. Send this in the issue's own room.");
	{
		/* SPEC §1: a direct room is private and never logged */
		char *owner = store_direct_user(ctx->st, room);
		int direct = owner != NULL;

		free(owner);
		if (direct)
			return cmd_fail(ctx, "this is a direct room; it cannot be an issue's room. "
					"Send this in the issue's own room.");
	}
	if (cmd_issue_arg(ctx, ctx->argv[0], &is))
		goto out;
	if (is.room_id && !strcmp(is.room_id, room)) {
		doc_para(ctx->doc, "This room is already %s's room.", is.name);
		goto out;
	}
	if (ctx->room_issue > 0 && cmd_issue_by_id(ctx, ctx->room_issue, &prev)) {
		rc = -1;
		goto out;
	}
	if (store_issue_link(ctx->st, is.id, room, &old_issue, &old_room)) {
		rc = -1;
		goto out;
	}
	doc_begin(ctx->doc, DOC_PARA);
	doc_text(ctx->doc, "This room is now ");
	doc_strong(ctx->doc, "%s", is.name);
	doc_text(ctx->doc, "'s room: its messages go to the %s log.", is.name);
	doc_end(ctx->doc);
	if (old_issue && prev.name)
		doc_para(ctx->doc, "It was %s's room before; %s has no room now.", prev.name,
			 prev.name);
	if (old_room)
		doc_para(ctx->doc, "%s's previous room (%s) is no longer linked.", is.name,
			 old_room);
	space_add(ctx, room);
out:
	cmd_issue_release(&is);
	cmd_issue_release(&prev);
	free(old_room);
	return rc;
}

static int cmd_issue_alias(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	char *alias = NULL;
	int rc = 0, bad;

	if (ctx->argc != 2)
		return cmd_usage(ctx, "name the issue, then the one new alias.");
	if (cmd_issue_arg(ctx, ctx->argv[0], &is))
		goto out;
	alias = xstrdup(ctx->argv[1]);
	bad = check_name(ctx, alias, "an alias");
	if (bad) {
		rc = bad < 0 ? -1 : 0;
		goto out;
	}
	if (store_issue_alias_add(ctx->st, is.id, alias)) {
		rc = -1;
		goto out;
	}
	doc_para(ctx->doc, "%s can now also be called '%s'.", is.name, alias);
out:
	cmd_issue_release(&is);
	free(alias);
	return rc;
}

/* ---- !issue room, !join ---- */

static int cmd_issue_room(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	const char *server = bot_server(ctx);

	if (ctx->argc != 1)
		return cmd_usage(ctx, "name the one issue to make a room for.");
	if (cmd_issue_arg(ctx, ctx->argv[0], &is))
		return 0;
	if (is.room_id) {
		doc_para(ctx->doc, "%s already has a room; %sjoin %s gets you an invite to it.",
			 is.name, ctx->prefix, is.slug);
		goto out;
	}
	cmd_request(ctx, ENGINE_CREATE_ROOM, NULL, ctx->msg->sender, is.id,
		    "create the room #%s:%s for %s%s, invite %s and link it", is.slug, server,
		    is.name, ctx->cfg->encryption ? " (encrypted)" : "", ctx->msg->sender);
	doc_para(ctx->doc, "Creating %s's room #%s:%s (invite-only%s); I will invite you to it.",
		 is.name, is.slug, server, ctx->cfg->encryption ? ", encrypted" : "");
out:
	cmd_issue_release(&is);
	return 0;
}

/* Why the asker cannot be invited to room (NULL: they can), in words
 * that follow "cannot invite you to X's room: ". */
static const char *join_obstacle(struct cmd_ctx *ctx, const char *room)
{
	if (!room)
		return "no room yet";
	if (room[0] != '!')
		return "its alias has not been found on the server yet";
	if (cmd_can_see_room(ctx->eng, ctx->msg->sender, room))
		return "you are already in it";
	return NULL;
}

static void join_request(struct cmd_ctx *ctx, const char *room, const char *name)
{
	cmd_request(ctx, ENGINE_INVITE, room, ctx->msg->sender, 0, "invite %s to %s (%s)",
		    ctx->msg->sender, room, name);
}

static int cmd_join_all(struct cmd_ctx *ctx)
{
	struct issue_list l = { 0 };
	struct buf in, none;
	size_t n_in = 0, n_none = 0, n_inv = 0;

	if (store_issue_list(ctx->st, 0, &l)) {
		store_issue_list_release(&l);
		return -1;
	}
	buf_init(&in, 0);
	buf_init(&none, 0);
	for (size_t i = 0; i < l.n; i++)
		if (!join_obstacle(ctx, l.v[i].room_id))
			n_inv++;
	if (n_inv)
		doc_para(ctx->doc, "Inviting you to %zu issue room%s; accept the invite%s in your "
			 "client:", n_inv, plural(n_inv), plural(n_inv));
	for (size_t i = 0; i < l.n; i++) {
		const struct issue_row *r = &l.v[i];
		const char *why = join_obstacle(ctx, r->room_id);

		if (!why) {
			join_request(ctx, r->room_id, r->name);
			doc_begin(ctx->doc, DOC_ITEM);
			doc_text(ctx->doc, "%s", r->name);
			doc_end(ctx->doc);
		} else if (r->room_id && r->room_id[0] == '!') {
			buf_printf(&in, "%s%s", n_in++ ? ", " : "", r->name);
		} else {
			buf_printf(&none, "%s%s", n_none++ ? ", " : "", r->slug);
		}
	}
	if (!l.n)
		doc_para(ctx->doc, "There are no issues yet.");
	else if (!n_inv && !n_none)
		doc_para(ctx->doc, "You are already in every issue room.");
	else if (n_in)
		doc_para(ctx->doc, "Already in: %s.", in.data);
	if (n_none)
		doc_para(ctx->doc, "No room yet: %s (an admin can make one with %sissue room "
			 "<issue>).", none.data, ctx->prefix);
	buf_release(&in);
	buf_release(&none);
	store_issue_list_release(&l);
	return 0;
}

static int cmd_join(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	const char *why;

	if (ctx->argc != 1)
		return cmd_usage(ctx, "name one issue, or all.");
	if (str_ieq(ctx->argv[0], "all"))
		return cmd_join_all(ctx);
	if (cmd_issue_arg(ctx, ctx->argv[0], &is))
		return 0;
	why = join_obstacle(ctx, is.room_id);
	if (!why) {
		join_request(ctx, is.room_id, is.name);
		doc_para(ctx->doc, "Inviting you to %s's room; accept the invite in your client.",
			 is.name);
	} else if (!is.room_id) {
		doc_para(ctx->doc, "%s has no room yet; an admin can make one with %sissue room %s.",
			 is.name, ctx->prefix, is.slug);
	} else {
		doc_para(ctx->doc, "Cannot invite you to %s's room: %s.", is.name, why);
	}
	cmd_issue_release(&is);
	return 0;
}

/* ---- !cover, !uncover ---- */

/* argv[from..] minus the role words, joined by spaces (a display name may
 * come unquoted: "Carol Smith"); NULL when only role words are there.
 * *role is the last role word seen, or NULL. */
static char *who_words(struct cmd_ctx *ctx, size_t from, const char **role)
{
	struct buf b;
	char *out;

	*role = NULL;
	buf_init(&b, 0);
	for (size_t i = from; i < ctx->argc; i++) {
		if (is_role_word(ctx->argv[i])) {
			*role = str_ieq(ctx->argv[i], "lead") ? "lead" : "backup";
			continue;
		}
		if (b.len)
			buf_putc(&b, ' ');
		buf_puts(&b, ctx->argv[i]);
	}
	out = b.len ? xstrdup(b.data) : NULL;
	buf_release(&b);
	return out;
}

/*
 * The issue and user of "!cover <issue> [user] [backup]" and "!uncover
 * <issue> [user]".  In an issue room the issue may be left out, when the
 * first argument reads as a user or a role word instead.  *user (the
 * sender by default) is a copy the caller frees.  -1 when answered.
 */
static int cover_args(struct cmd_ctx *ctx, int roles, struct issue *is, char **user,
		      const char **role)
{
	size_t i = 0;
	char *who = NULL;
	int rc = -1;

	*user = NULL;
	*role = NULL;
	memset(is, 0, sizeof(*is));
	if (ctx->argc == 0) {
		if (cmd_room_issue(ctx, is))
			return -1;
	} else if (cmd_issue_lookup(ctx, ctx->argv[0], is) == 0) {
		i = 1;
	} else {
		const char *r;
		char *w = who_words(ctx, 0, &r);
		int fallback = ctx->room_issue > 0 &&
			       ((roles && is_role_word(ctx->argv[0])) ||
				(w && cmd_is_user(ctx, w)));

		free(w);
		if (fallback ? cmd_room_issue(ctx, is) : cmd_issue_arg(ctx, ctx->argv[0], is))
			return -1;
	}
	who = who_words(ctx, i, role);
	if (*role && !roles) {
		cmd_usage(ctx, "%suncover takes no role; it ends either.", ctx->prefix);
		goto out;
	}
	if (!who)
		*user = xstrdup(ctx->msg->sender);
	else if (cmd_user_arg(ctx, who, user))
		goto out;
	rc = 0;
out:
	free(who);
	if (rc)
		cmd_issue_release(is);
	return rc;
}

static int cmd_cover(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	char *user = NULL, *old = NULL;
	const char *role;
	int self, rc = 0;

	char when[48] = "";
	int64_t until = 0, was_until;

	/* "... until <when>": a shift, which ends by itself (SPEC §2) */
	for (size_t k = 0; k < ctx->argc; k++) {
		size_t i = k + 1;
		int64_t end;

		if (!str_ieq(ctx->argv[k], "until"))
			continue;
		if (i >= ctx->argc)
			return cmd_usage(ctx, "until when? Give a time, e.g. until 18:00.");
		if (cmd_when_arg(ctx, &i, &until, &end))
			return 0;
		if (i < ctx->argc)
			return cmd_usage(ctx, "I did not understand '%s' after the time.",
					 ctx->argv[i]);
		if (until <= ctx->now)
			return cmd_usage(ctx, "that time is already past; a shift ends later.");
		ctx->argc = k;
		break;
	}
	if (cover_args(ctx, 1, &is, &user, &role))
		return 0;
	if (!role)
		role = "lead";
	was_until = store_cover_until(ctx->st, is.id, user);
	if (was_until < 0 || store_cover_set(ctx->st, is.id, user, role, ctx->now_ms, &old) ||
	    store_cover_set_until(ctx->st, is.id, user, until)) {
		rc = -1;
		goto out;
	}
	if (until)
		cmd_until_words(ctx->tz, ctx->now, until, when, sizeof(when));
	doc_begin(ctx->doc, DOC_PARA);
	self = subject(ctx, user);
	if (old && !strcmp(old, role) && was_until == until)
		doc_text(ctx->doc, " already cover%s %s as %s", self ? "" : "s", is.name, role);
	else if (old && strcmp(old, role))
		doc_text(ctx->doc, " now cover%s %s as %s (was %s)", self ? "" : "s", is.name,
			 role, old);
	else
		doc_text(ctx->doc, " now cover%s %s as %s", self ? "" : "s", is.name, role);
	if (until)
		doc_text(ctx->doc, " until %s.", when);
	else
		doc_text(ctx->doc, ".");
	doc_end(ctx->doc);
out:
	cmd_issue_release(&is);
	free(user);
	free(old);
	return rc;
}

static int cmd_uncover(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	struct strv leads = { 0 }, backups = { 0 };
	char *user = NULL;
	const char *role;
	int self, removed, rc = 0;

	if (cover_args(ctx, 0, &is, &user, &role))
		return 0;
	removed = store_cover_remove(ctx->st, is.id, user);
	if (removed < 0 || store_cover_list(ctx->st, is.id, &leads, &backups)) {
		rc = -1;
		goto out;
	}
	doc_begin(ctx->doc, DOC_PARA);
	self = subject(ctx, user);
	if (removed)
		doc_text(ctx->doc, " %s not cover %s.", self ? "do" : "does", is.name);
	else
		doc_text(ctx->doc, " no longer cover%s %s.", self ? "" : "s", is.name);
	doc_end(ctx->doc);
	if (!removed && !leads.n)
		doc_para(ctx->doc, "%s has no lead now%s.", is.name,
			 backups.n ? "" : ", and nobody covers it");
out:
	cmd_issue_release(&is);
	strv_release(&leads);
	strv_release(&backups);
	free(user);
	return rc;
}

/* ---- !who-covers, !coverage ---- */

static int cmd_who_covers(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	struct strv leads = { 0 }, backups = { 0 };
	struct session_list next = { 0 };
	size_t i = 0;
	int rc = 0;

	if (cmd_issue_or_room(ctx, &i, &is, NULL))
		return 0;
	if (i < ctx->argc) {
		cmd_usage(ctx, "name one issue.");
		goto out;
	}
	if (store_cover_list(ctx->st, is.id, &leads, &backups) ||
	    store_session_list(ctx->st, is.id, ctx->now, INT64_MAX, 0, &next)) {
		rc = -1;
		goto out;
	}
	doc_begin(ctx->doc, DOC_PARA);
	if (!leads.n && !backups.n) {
		doc_text(ctx->doc, "Nobody covers %s.", is.name);
	} else {
		if (leads.n) {
			doc_text(ctx->doc, "%s: lead%s ", is.name, plural(leads.n));
			if (cover_user_list(ctx, is.id, &leads))
				rc = -1;
		} else {
			doc_text(ctx->doc, "%s has no lead", is.name);
		}
		if (backups.n) {
			doc_text(ctx->doc, "; backup%s ", plural(backups.n));
			if (cover_user_list(ctx, is.id, &backups))
				rc = -1;
		}
		doc_text(ctx->doc, ".");
	}
	doc_end(ctx->doc);
	if (!next.n) {
		doc_para(ctx->doc, "No session of %s is scheduled.", is.name);
	} else {
		const struct session *s = &next.v[0];
		char when[96];

		tz_format_span(ctx->tz, ctx->now, s->start_s, s->end_s, TZ_SPAN_NEAR,
			       when, sizeof(when));
		doc_begin(ctx->doc, DOC_PARA);
		doc_text(ctx->doc, "Next session: #%lld %s, %s", (long long)s->id, s->title, when);
		if (s->place)
			doc_text(ctx->doc, " @ %s", s->place);
		if (s->attendees.n) {
			doc_text(ctx->doc, "; attending: ");
			user_list(ctx, &s->attendees);
			doc_text(ctx->doc, ".");
		} else {
			doc_text(ctx->doc, "; ");
			doc_strong(ctx->doc, "nobody attending");
			doc_text(ctx->doc, " yet.");
		}
		doc_end(ctx->doc);
	}
out:
	cmd_issue_release(&is);
	strv_release(&leads);
	strv_release(&backups);
	store_session_list_release(&next);
	return rc;
}

static int cmd_coverage(struct cmd_ctx *ctx)
{
	struct issue_list l = { 0 };
	struct session_list open = { 0 }, all = { 0 };
	struct buf first;
	size_t nolead = 0, shown;
	int rc = 0, every;

	if (!all_arg(ctx, "coverage", &every))
		return 0;
	if (store_issue_list(ctx->st, 0, &l) ||
	    store_session_list(ctx->st, 0, ctx->now, ctx->now + DAY, 1, &open) ||
	    store_session_list(ctx->st, 0, ctx->now, ctx->now + DAY, 0, &all)) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		nolead += l.v[i].leads.n == 0;
	/* the first line is the whole answer for someone in a hurry */
	buf_init(&first, 0);
	buf_printf(&first, "%zu issue%s, ", l.n, plural(l.n));
	if (nolead)
		buf_printf(&first, "%zu without a lead; ", nolead);
	else
		buf_puts(&first, l.n ? "each with a lead; " : "none to cover; ");
	if (open.n)
		buf_printf(&first, "%zu session%s in the next 24 h with nobody attending.",
			   open.n, plural(open.n));
	else if (all.n)
		buf_puts(&first, "every session in the next 24 h has someone attending.");
	else
		buf_puts(&first, "no sessions in the next 24 h.");
	doc_begin(ctx->doc, DOC_PARA);
	doc_strong(ctx->doc, "%s", first.data);
	doc_end(ctx->doc);
	buf_release(&first);
	/* Cybersecurity — lead Alice; backup Bob */
	shown = doc_list_shown(l.n, every);
	for (size_t i = 0; i < shown; i++) {
		const struct issue_row *r = &l.v[i];

		doc_begin(ctx->doc, DOC_ITEM);
		doc_strong(ctx->doc, "%s", r->name);
		doc_text(ctx->doc, " — ");
		if (r->leads.n) {
			doc_text(ctx->doc, "lead%s ", plural(r->leads.n));
			if (cover_user_list(ctx, r->id, &r->leads))
				rc = -1;
		} else {
			doc_strong(ctx->doc, "NO LEAD");
		}
		if (r->backups.n) {
			doc_text(ctx->doc, "; backup%s ", plural(r->backups.n));
			if (cover_user_list(ctx, r->id, &r->backups))
				rc = -1;
		}
		doc_end(ctx->doc);
	}
	if (shown < l.n) {
		char more[64];

		snprintf(more, sizeof(more), "%scoverage all", ctx->prefix);
		doc_more(ctx->doc, l.n - shown, more);
	}
	if (open.n) {
		size_t n = doc_list_shown(open.n, every);

		doc_heading(ctx->doc, "Nobody attending (next 24 h)");
		for (size_t i = 0; i < n; i++)
			cmd_session_item(ctx, &open.v[i], 1, 1);
		if (n < open.n) {
			char more[64];

			snprintf(more, sizeof(more), "%suncovered all", ctx->prefix);
			doc_more(ctx->doc, open.n - n, more);
		}
	}
out:
	store_issue_list_release(&l);
	store_session_list_release(&open);
	store_session_list_release(&all);
	return rc;
}

/* ---- the table ---- */

const struct cmd_entry cmd_issue_table[] = {
	{ .name = "issues",
	  .args = "[all]",
	  .summary = "every issue: name, aliases, room, leads",
	  .example = "issues",
	  .fn = cmd_issues },
	{ .name = "issue add",
	  .args = "<slug> <name...>",
	  .summary = "create an issue",
	  .example = "issue add ots Over-the-top services",
	  .admin = 1,
	  .fn = cmd_issue_add },
	{ .name = "issue link",
	  .args = "<issue>",
	  .summary = "link this room to the issue",
	  .example = "issue link cybersecurity",
	  .admin = 1,
	  .fn = cmd_issue_link },
	{ .name = "issue alias",
	  .args = "<issue> <alias>",
	  .summary = "add another name for the issue",
	  .example = "issue alias cybersecurity res130",
	  .admin = 1,
	  .fn = cmd_issue_alias },
	{ .name = "issue room",
	  .args = "<issue>",
	  .summary = "create the issue's room (invite-only, encrypted when encryption is on), "
	    "invite you and link it",
	  .example = "issue room gender",
	  .admin = 1,
	  .fn = cmd_issue_room },
	{ .name = "join",
	  .args = "<issue>|all",
	  .summary = "be invited to the issue's room (or to every issue room)",
	  .example = "join cyber",
	  .fn = cmd_join },
	{ .name = "cover",
	  .args = "<issue> [user] [backup] [until <when>]",
	  .summary = "you (or the user) cover the issue, as lead or as backup; until: a shift "
	    "that ends by itself",
	  .example = "cover cyber @bob:example.org backup until 18:00",
	  .fn = cmd_cover },
	{ .name = "uncover",
	  .args = "<issue> [user]",
	  .summary = "you (or the user) stop covering the issue",
	  .example = "uncover cyber",
	  .fn = cmd_uncover },
	{ .name = "who-covers",
	  .args = "<issue>",
	  .summary = "who covers the issue, leads first, and who attends its next session",
	  .example = "who-covers privacy",
	  .fn = cmd_who_covers },
	{ .name = "coverage",
	  .args = "[all]",
	  .summary = "every issue's leads and backups, gaps flagged; unattended sessions of "
	    "the next 24 h",
	  .example = "coverage",
	  .fn = cmd_coverage },
	{ .name = NULL },
};
