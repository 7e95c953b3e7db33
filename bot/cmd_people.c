/*
 * cmd_people.c - people handing work on and being called when nobody
 * goes (SPEC §2 !handover, §3 escalation and shifts): !handover, the
 * escalation of a session nobody attends shortly before it starts, and
 * the end of a shift (a cover with "until").  Knows nothing of Matrix:
 * answers are docs, other rooms are told with cmd_post(), what runs on its
 * own leaves as due replies with stable keys, so it goes out once, also
 * across restarts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_session.h"
#include "log.h"
#include "store_issue.h"
#include "store_log.h"
#include "store_people.h"
#include "store_session.h"
#include "when.h"

#define NOTE_MAX 1000           /* bytes of a handover note */
#define SHIFT_SCAN_MAX 200      /* ended shifts handled in one pass (the rest next minute) */
#define DAY 86400

void cmd_until_words(const char *tz, int64_t now, int64_t until, char *out, size_t outlen)
{
	if (tz_day_start(tz, until) == tz_day_start(tz, now))
		tz_format_hm(tz, until, out, outlen);
	else
		tz_format_dayhm(tz, until, out, outlen);
}

/* Users as pills (mentioned when 'mention'), into d; names from room. */
static void doc_users(struct engine *eng, struct doc *d, const char *room,
		      const struct strv *users, struct strv *mentions)
{
	for (size_t i = 0; i < users->n; i++) {
		char *name = cmd_display_name(eng, room, users->v[i]);

		if (i)
			doc_text(d, ", ");
		doc_user(d, users->v[i], name);
		free(name);
		if (mentions && !strv_has(mentions, users->v[i]))
			strv_push(mentions, users->v[i]);
	}
}

/* ---- !handover ---- */

static int user_arg_ok(struct cmd_ctx *ctx, const char *arg)
{
	return cmd_is_user(ctx, arg);
}

static int cmd_handover(struct cmd_ctx *ctx)
{
	struct issue is = { 0 };
	struct strv leads = { 0 }, backups = { 0 }, mentions = { 0 };
	char *user = NULL, *old = NULL, *me = NULL, *them = NULL, *body = NULL;
	const char *note, *asker = ctx->msg->sender, *room;
	size_t i = 0;
	int64_t log_id;
	int rc = 0, here;

	if (ctx->argc == 0)
		return cmd_usage(ctx, "which issue, and to whom?");
	if (cmd_issue_or_room(ctx, &i, &is, user_arg_ok))
		return 0;
	if (i >= ctx->argc) {
		cmd_usage(ctx, "to whom? Name the new lead.");
		goto out;
	}
	if (cmd_user_arg(ctx, ctx->argv[i], &user))
		goto out;
	note = cmd_text_from(ctx, i + 1);
	if (strlen(note) > NOTE_MAX) {
		cmd_usage(ctx, "that note is too long (at most %d characters); put the rest in "
			  "%snote.", NOTE_MAX, ctx->prefix);
		goto out;
	}
	if (!strcmp(user, asker)) {
		cmd_fail(ctx, "you cannot hand %s over to yourself; name the new lead.", is.name);
		goto out;
	}
	if (store_cover_list(ctx->st, is.id, &leads, &backups)) {
		rc = -1;
		goto out;
	}
	if (!strv_has(&leads, asker)) {
		cmd_fail(ctx, "you do not lead %s, so there is no lead to hand over; to make "
			 "someone lead, send %scover %s <user>.", is.name, ctx->prefix, is.slug);
		goto out;
	}
	/* the new lead for good (a shift of theirs ends no more); the asker
	 * stays on as backup, keeping the end of a shift of theirs */
	if (store_cover_set(ctx->st, is.id, user, "lead", ctx->now_ms, &old) ||
	    store_cover_set_until(ctx->st, is.id, user, 0))
		goto fail;
	free(old);
	old = NULL;
	if (store_cover_set(ctx->st, is.id, asker, "backup", ctx->now_ms, &old))
		goto fail;
	/* the log keeps it as a note marked as a handover: digest and
	 * !catchup show it with the issue's notes */
	here = is.room_id && !strcmp(is.room_id, ctx->msg->room_id);
	room = is.room_id && is.room_id[0] != '#' ? is.room_id : ctx->msg->room_id;
	me = cmd_display_name(ctx->eng, room, asker);
	them = cmd_display_name(ctx->eng, room, user);
	body = *note ? xasprintf("Handover: %s hands the lead to %s: %s", me, them, note)
		     : xasprintf("Handover: %s hands the lead to %s.", me, them);
	if (store_log_add(ctx->st, is.id, room, here ? ctx->msg->event_id : NULL, asker, "note",
			  body, ctx->msg->ts_ms ? ctx->msg->ts_ms : ctx->now_ms, &log_id))
		goto fail;
	doc_begin(ctx->doc, DOC_PARA);
	doc_strong(ctx->doc, "Handover:");
	doc_text(ctx->doc, " ");
	if (here)
		cmd_mention(ctx, user);     /* SPEC §2: the new lead is mentioned */
	else
		cmd_doc_user(ctx, user);
	doc_text(ctx->doc, " now leads %s; you are backup.", is.name);
	doc_end(ctx->doc);
	if (*note)
		doc_para(ctx->doc, "Note: %s", note);
	if (!here && is.room_id && is.room_id[0] != '#') {
		struct doc d;

		doc_init(&d);
		doc_begin(&d, DOC_PARA);
		doc_strong(&d, "Handover:");
		doc_text(&d, " ");
		doc_user(&d, user, them);
		strv_push(&mentions, user);
		doc_text(&d, " now leads %s, from %s.", is.name, me);
		doc_end(&d);
		if (*note)
			doc_para(&d, "Note: %s", note);
		cmd_post(ctx, is.room_id, &d, &mentions);
		doc_release(&d);
		doc_para(ctx->doc, "I told %s in the %s room.", them, is.name);
	} else if (!here) {
		doc_para(ctx->doc, "%s has no room I can post in, so tell %s yourself.", is.name,
			 them);
	}
	goto out;
fail:
	rc = -1;
out:
	cmd_issue_release(&is);
	strv_release(&leads);
	strv_release(&backups);
	strv_release(&mentions);
	free(user);
	free(old);
	free(me);
	free(them);
	free(body);
	return rc;
}

/* ---- escalation (SPEC §3) ---- */

/* One escalation message for session s into room, under key. */
static void escalation(struct engine *eng, int64_t now, const struct session *s,
		       const char *room, const struct strv *leads, const struct strv *backups,
		       const char *key, struct engine_replies *out)
{
	const struct config *cfg = engine_config(eng);
	struct strv mentions = { 0 };
	char when[96];
	int64_t min = (s->start_s - now + 59) / 60;
	struct doc d;

	tz_format_span(cfg->timezone, now, s->start_s, s->end_s, TZ_SPAN_NEAR, when, sizeof(when));
	doc_init(&d);
	doc_begin(&d, DOC_PARA);
	doc_strong(&d, "Nobody is going");
	doc_text(&d, " to #%lld %s (%s), starting in %lld min, %s", (long long)s->id, s->title,
		 s->issue_name, (long long)min, when);
	if (s->place)
		doc_text(&d, " @ %s", s->place);
	doc_text(&d, ".");
	doc_end(&d);
	doc_begin(&d, DOC_PARA);
	if (leads->n) {
		doc_text(&d, "Lead%s: ", leads->n == 1 ? "" : "s");
		doc_users(eng, &d, s->issue_room, leads, &mentions);
	}
	if (backups->n) {
		doc_text(&d, "%sackup%s: ", leads->n ? "; b" : "B", backups->n == 1 ? "" : "s");
		doc_users(eng, &d, s->issue_room, backups, &mentions);
	}
	if (!leads->n && !backups->n)
		doc_text(&d, "Nobody covers %s.", s->issue_name);
	else
		doc_text(&d, ".");
	doc_end(&d);
	doc_para(&d, "React \u270B to go (or send %sattend %lld).", cfg->command_prefix,
		 (long long)s->id);
	cmd_due_add(out, room, &d, &mentions, key, NULL);
	out->v[out->n - 1].about = xasprintf("session:%lld", (long long)s->id);
	out->v[out->n - 1].starts_s = s->start_s;   /* quiet hours let it through, as reminders */
	strv_release(&mentions);
	doc_release(&d);
}

/*
 * reminders.escalate before a session nobody attends: one message in its
 * issue room and one in the coordination room, each once (its own key,
 * per start time: a moved session may be escalated again).  A session
 * scheduled or moved after that point is not escalated (its !session
 * answer already said nobody attends), nor one someone attends.
 */
static int escalations(struct engine *eng, int64_t now, struct engine_replies *out)
{
	const struct config *cfg = engine_config(eng);
	struct store *st = engine_store(eng);
	const char *coord = engine_coordination_room(eng);
	struct session_list l = { 0 };
	int64_t esc = cfg->remind_escalate;
	int rc = -1;

	if (esc <= 0)
		return 0;
	if (store_session_starting(st, now - DAY, now + esc + 1, &l))
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct session *s = &l.v[i];
		struct strv leads = { 0 }, backups = { 0 };
		const char *rooms[2] = { s->issue_room, coord };
		int64_t due = s->start_s - esc;

		if (due > now || s->cancelled_ms || !s->issue_room || s->issue_room[0] == '#')
			continue;
		for (size_t k = 0; k < 2; k++) {
			char *key;

			if (!rooms[k] || (k == 1 && !strcmp(rooms[1], rooms[0])))
				continue;
			key = xasprintf("esc:%lld:%lld:%s", (long long)s->id, (long long)s->start_s,
					k ? "coord" : "room");
			if (cmd_due_done(eng, key)) {
				free(key);
				continue;
			}
			if (s->start_s <= now || due < s->updated_ms / 1000) {
				cmd_due_drop(eng, key);
			} else if (!s->attendees.n) {
				if (!leads.n && !backups.n &&
				    store_cover_list(st, s->issue_id, &leads, &backups)) {
					free(key);
					strv_release(&leads);
					strv_release(&backups);
					goto out;
				}
				escalation(eng, now, s, rooms[k], &leads, &backups, key, out);
			}
			free(key);
		}
		strv_release(&leads);
		strv_release(&backups);
	}
	rc = 0;
out:
	store_session_list_release(&l);
	return rc;
}

/* ---- shifts (SPEC §3) ---- */

/*
 * Covers whose "until" has passed end here: the cover is removed, the
 * issue's log keeps a note ("Shift ended: ..."; digest and !catchup show
 * it), and when a lead's shift leaves the issue with no lead the
 * coordination room (else the issue room) is told, once: the removal and
 * the message leave in the same transaction.
 */
static int shift_ends(struct engine *eng, int64_t now, struct engine_replies *out)
{
	const struct config *cfg = engine_config(eng);
	struct store *st = engine_store(eng);
	const char *coord = engine_coordination_room(eng);
	struct shift_end_list l = { 0 };
	int rc = -1;

	if (store_shift_ended(st, now, SHIFT_SCAN_MAX, &l))
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct shift_end *e = &l.v[i];
		struct issue_list il = { 0 };
		struct issue_row *is;
		const char *room;
		char hm[48], *name, *body, *key;
		int64_t log_id;
		int bad;

		if (store_cover_remove(st, e->issue_id, e->user_id) < 0 ||
		    store_issue_list(st, e->issue_id, &il))
			goto out;
		if (!il.n) {
			store_issue_list_release(&il);
			continue;
		}
		is = &il.v[0];
		room = is->room_id && is->room_id[0] != '#' ? is->room_id : NULL;
		cmd_until_words(cfg->timezone, now, e->until_s, hm, sizeof(hm));
		name = cmd_display_name(eng, room, e->user_id);
		body = xasprintf("Shift ended: %s no longer %s %s (until %s).", name,
				 !strcmp(e->role, "lead") ? "leads" : "backs up", is->name, hm);
		bad = room && store_log_add(st, is->id, room, NULL, e->user_id, "note", body,
					    e->until_s * 1000, &log_id);
		free(body);
		if (!bad && !strcmp(e->role, "lead") && !is->leads.n && (coord || room)) {
			struct strv mentions = { 0 };
			struct doc d;

			doc_init(&d);
			doc_begin(&d, DOC_PARA);
			doc_strong(&d, "%s has no lead now:", is->name);
			doc_text(&d, " the shift of %s ended at %s.", name, hm);
			doc_end(&d);
			if (is->backups.n) {
				doc_begin(&d, DOC_PARA);
				doc_text(&d, "Backup%s: ", is->backups.n == 1 ? "" : "s");
				doc_users(eng, &d, room, &is->backups, &mentions);
				doc_text(&d, ".");
				doc_end(&d);
			}
			doc_para(&d, "Take it with %scover %s (add 'until <when>' for a shift).",
				 cfg->command_prefix, is->slug);
			key = xasprintf("shift:%lld:%s:%lld", (long long)is->id, e->user_id,
					(long long)e->until_s);
			cmd_due_add(out, coord ? coord : room, &d, &mentions, key, NULL);
			free(key);
			strv_release(&mentions);
			doc_release(&d);
		}
		free(name);
		store_issue_list_release(&il);
		if (bad)
			goto out;
	}
	rc = 0;
out:
	store_shift_end_list_release(&l);
	return rc;
}

int cmd_people_due(struct engine *eng, int64_t now_ms, struct engine_replies *out)
{
	if (shift_ends(eng, now_ms / 1000, out))
		return -1;
	return escalations(eng, now_ms / 1000, out);
}

/* ---- the table ---- */

const struct cmd_entry cmd_people_table[] = {
	{ .name = "handover", .args = "<issue> <user> [note...]",
	  .summary = "pass your lead on the issue to the user (you become backup); the note "
		     "goes to the log and the new lead is mentioned",
	  .example = "handover cyber @bob:example.org the Res. 130 text is in DT/64",
	  .fn = cmd_handover },
	{ .name = NULL },
};
