/*
 * schedule.c - what falls due on its own (SPEC §3), in one place: the
 * reminders before each session (in its issue room), the personal ones of
 * !remind, and the daily digests.  Each job hands its messages out through
 * cmd_due_add() with stable keys, so a message comes out again until it is
 * acknowledged and never twice; the engine runs the jobs through the
 * families' due hooks (cmd_families[]).  A new job (escalations, shift
 * ends, feed polls) is one more function here and one hook.  Knows nothing
 * of how due messages are sent.
 */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_session.h"
#include "config.h"
#include "digest.h"
#include "log.h"
#include "metrics.h"
#include "person.h"
#include "store.h"
#include "store_issue.h"
#include "store_log.h"
#include "store_due.h"
#include "store_room.h"
#include "store_session.h"
#include "when.h"

#define REMIND_SCAN_MAX 2000    /* personal reminders released in one scan */
#define LATE_AFTER 60           /* seconds past its time before a reminder says "late" */
#define DIGEST_LATE_AFTER 300   /* seconds past digest time before a digest says "late" */
#define DAY 86400

/* ---- session reminders ---- */

/* One session reminder to send: session index, offset, key. */
struct due_rem {
	size_t sess;
	int64_t offset;
	int64_t due;
	char *key;
};

static int cmp_due(const void *a, const void *b)
{
	const struct due_rem *x = a, *y = b;

	if (x->due / 60 != y->due / 60)
		return x->due / 60 < y->due / 60 ? -1 : 1;
	return x->sess < y->sess ? -1 : x->sess > y->sess;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A stable ID for a group of keys: the key itself when alone, else a
 * 64-bit FNV-1a hash of the sorted keys. */
static char *group_id(struct strv *keys)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	if (keys->n == 1)
		return xstrdup(keys->v[0]);
	qsort(keys->v, keys->n, sizeof(*keys->v), cmp_str);
	for (size_t i = 0; i < keys->n; i++) {
		for (const char *p = keys->v[i]; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 0x100000001b3ULL;
		}
		h ^= '\n';
		h *= 0x100000001b3ULL;
	}
	return xasprintf("rem:group:%016llx", (unsigned long long)h);
}

/* Write one session's reminder into d; mentions get the people told. */
static void write_reminder(struct engine *eng, const char *tz, int64_t now,
			   const struct session *s, int64_t due, struct doc *d,
			   struct strv *mentions)
{
	struct store *st = engine_store(eng);
	struct strv leads = { 0 }, backups = { 0 };
	const struct strv *who = &s->attendees;
	char when[96], wait[48];

	tz_format_span(tz, now, s->start_s, s->end_s, TZ_SPAN_NEAR, when, sizeof(when));
	cmd_session_wait(s->start_s - now, wait, sizeof(wait));
	doc_begin(d, DOC_PARA);
	doc_strong(d, "Reminder%s:", now - due > LATE_AFTER ? " (late)" : "");
	metrics_count(METRIC_REMINDERS, now - due > LATE_AFTER ? "true" : "false");
	doc_text(d, " #%lld %s starts %s, %s", (long long)s->id, s->title, wait, when);
	if (s->place)
		doc_text(d, " @ %s", s->place);
	doc_text(d, ".");
	doc_end(d);
	doc_begin(d, DOC_PARA);
	if (s->attendees.n) {
		doc_text(d, "Attending: ");
	} else {
		/* nobody goes: wake the leads, whose issue it is */
		if (store_cover_list(st, s->issue_id, &leads, &backups))
			log_warn("reminder: cannot read the leads of issue %lld",
				 (long long)s->issue_id);
		who = &leads;
		if (leads.n)
			doc_text(d, "Nobody attends yet; leads: ");
		else
			doc_text(d, "Nobody attends, and nobody leads %s.", s->issue_name);
	}
	for (size_t i = 0; i < who->n; i++) {
		char *name = cmd_display_name(eng, s->issue_room, who->v[i]);

		if (i)
			doc_text(d, ", ");
		doc_user(d, who->v[i], name);
		free(name);
		if (!strv_has(mentions, who->v[i]))
			strv_push(mentions, who->v[i]);
	}
	doc_end(d);
	strv_release(&leads);
	strv_release(&backups);
}

/*
 * Session reminders (SPEC §3).  Each (session, start, offset) has its own
 * key, so a moved session gets fresh reminders.  A reminder whose time
 * passed unsent is sent late while the session has not started, else
 * dropped; of several passed unsent ones of a session only the latest goes
 * out (two stale "starts soon" messages at once help nobody).  A reminder
 * due before the session was scheduled or moved is dropped: nobody missed
 * it.
 */
static int session_reminders(struct engine *eng, int64_t now, struct engine_replies *out)
{
	const struct config *cfg = engine_config(eng);
	struct session_list l = { 0 };
	struct due_rem *v = NULL;
	size_t n = 0;
	int64_t max_off = 0;
	int rc = -1;

	for (size_t k = 0; k < cfg->n_remind_before; k++)
		if (cfg->remind_before[k] > max_off)
			max_off = cfg->remind_before[k];
	if (!cfg->n_remind_before)
		return 0;
	/* started sessions of the last day too: their unsent keys are dropped */
	if (store_session_starting(engine_store(eng), now - DAY, now + max_off + 1, &l))
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		const struct session *s = &l.v[i];
		struct due_rem pick = { 0 };

		if (s->issue_room[0] == '#')
			continue;       /* alias not resolved yet: no room to post in */
		for (size_t k = 0; k < cfg->n_remind_before; k++) {
			int64_t off = cfg->remind_before[k], due = s->start_s - off;
			char *key;

			if (off <= 0 || due > now)
				continue;
			key = xasprintf("rem:%lld:%lld:%lld", (long long)s->id,
					(long long)s->start_s, (long long)off);
			if (cmd_due_done(eng, key)) {
				free(key);
				continue;
			}
			if (s->start_s <= now || due < s->updated_ms / 1000 ||
			    (pick.key && pick.due > due)) {
				cmd_due_drop(eng, key);
				free(key);
				continue;
			}
			if (pick.key)           /* superseded by a later one */
				cmd_due_drop(eng, pick.key);
			free(pick.key);
			pick = (struct due_rem){ i, off, due, key };
		}
		if (pick.key) {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = pick;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_due);
	/* personal reminders (person.c): the same, to attendees' direct rooms */
	if (n) {
		struct person_due *pd = xcalloc(n, sizeof(*pd));
		int bad;

		for (size_t i = 0; i < n; i++)
			pd[i] = (struct person_due){ &l.v[v[i].sess], v[i].due, v[i].key };
		bad = person_session_dms(eng, now, pd, n, out);
		free(pd);
		if (bad)
			goto out;
	}
	/* one message per room and minute: parallel sessions start together */
	for (size_t a = 0; a < n;) {
		const char *room = l.v[v[a].sess].issue_room;
		struct strv keys = { 0 }, mentions = { 0 };
		struct doc d;
		struct buf about;
		int64_t first = 0;
		char *id;

		doc_init(&d);
		buf_init(&about, 0);
		for (size_t b = a; b < n; b++) {
			if (!v[b].key || v[b].due / 60 != v[a].due / 60 ||
			    strcmp(l.v[v[b].sess].issue_room, room))
				continue;
			if (!first || l.v[v[b].sess].start_s < first)
				first = l.v[v[b].sess].start_s;
			write_reminder(eng, cfg->timezone, now, &l.v[v[b].sess], v[b].due, &d,
				       &mentions);
			buf_printf(&about, "%ssession:%lld", about.len ? " " : "",
				   (long long)l.v[v[b].sess].id);
			strv_push_owned(&keys, v[b].key);
			v[b].key = NULL;
		}
		id = group_id(&keys);
		cmd_due_add(out, room, &d, &mentions, id, &keys);
		out->v[out->n - 1].starts_s = first;   /* quiet hours let it through (person.c) */
		out->v[out->n - 1].about = buf_detach(&about);    /* reactions: 👍 attends */
		free(id);
		strv_release(&keys);
		strv_release(&mentions);
		doc_release(&d);
		buf_release(&about);
		while (a < n && !v[a].key)
			a++;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].key);
	free(v);
	store_session_list_release(&l);
	return rc;
}

/* ---- personal reminders ---- */

/*
 * !remind rows.  A personal reminder is never dropped: one that comes late
 * (the bot was down) is still better than one lost, so it goes out marked
 * late.  Once its key is handed out the row is marked sent, which keeps
 * the scan short.
 */
static int personal_reminders(struct engine *eng, int64_t now_ms, struct engine_replies *out)
{
	struct store *st = engine_store(eng);
	const struct config *cfg = engine_config(eng);
	struct reminder_list l = { 0 };
	int64_t now = now_ms / 1000;

	if (store_reminder_due(st, now, REMIND_SCAN_MAX, &l))
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct reminder *r = &l.v[i];
		char *key = xasprintf("remind:%lld", (long long)r->id);
		int done = store_due_done(st, key);

		if (done == 1) {
			store_reminder_sent(st, r->id, now_ms);
		} else if (done == 0) {
			struct strv mentions = { 0 };
			struct doc d;
			char when[48];
			char *name = cmd_display_name(eng, r->room_id, r->sender);
			struct engine_reply *rep;

			doc_init(&d);
			doc_begin(&d, DOC_PARA);
			doc_strong(&d, "Reminder");
			doc_text(&d, " for ");
			doc_user(&d, r->sender, name);
			doc_text(&d, ": %s", r->text);
			doc_end(&d);
			metrics_count(METRIC_REMINDERS, now - r->due_s > LATE_AFTER ? "true" : "false");
			when[0] = '\0';
			if (now - r->due_s > LATE_AFTER) {
				tz_format_dayhm(cfg->timezone, r->due_s, when, sizeof(when));
				doc_para(&d, "(late: this was due %s)", when);
			}
			strv_push(&mentions, r->sender);
			cmd_due_add(out, r->room_id, &d, &mentions, key, NULL);
			rep = &out->v[out->n - 1];
			rep->reply_to = xstrdup(r->reply_to);
			rep->thread_root = xstrdup(r->thread_root);
			/* personal reminders (person.c): also in the asker's direct room */
			if (person_remind_dm(eng, r->room_id, r->sender, key, r->text,
					     when[0] ? when : NULL, out))
				log_warn("reminder: cannot read the settings of %s", r->sender);
			strv_release(&mentions);
			doc_release(&d);
			free(name);
		}
		free(key);
	}
	store_reminder_list_release(&l);
	return 0;
}

/* ---- digests ---- */

/* "digest:<slug>:<YYYY-MM-DD>" of the local day starting at day_s. */
static char *digest_key(const char *tz, const char *slug, int64_t day_s)
{
	char date[16];

	tz_format_date(tz, day_s, date, sizeof(date));
	return xasprintf("digest:%s:%s", slug, date);
}

/* A room ID we can post to (an unresolved #alias is not one yet). */
static int postable(const char *room_id)
{
	return room_id && room_id[0] == '!';
}

/*
 * Hand out the digest of one room for the period [since_s, until_s)
 * ending on the local day starting at day_s, unless its key is done.  A
 * digest with nothing to say is recorded as dropped at once, so each
 * room's digest is decided once, at digest time (or at the first look
 * after it, which is then rightly called late).
 */
static int digest_one(struct engine *eng, const struct issue *is, int64_t day_s,
		      int64_t since_s, int64_t until_s, int late, struct engine_replies *out)
{
	const struct config *cfg = engine_config(eng);
	const char *room = is ? is->room_id : engine_coordination_room(eng);
	char *key = digest_key(cfg->timezone, is ? is->slug : "coordination", day_s);
	struct doc d;
	int active = 0, rc = -1;

	doc_init(&d);
	if (!postable(room) || cmd_due_done(eng, key)) {
		rc = 0;
		goto out;
	}
	if (is ? digest_issue(eng, is, since_s, until_s, late, &d, &active)
	       : digest_overview(eng, since_s, until_s, late, &d, &active))
		goto out;
	if (!active) {
		rc = cmd_due_drop(eng, key);    /* SPEC §3: a quiet issue gets none */
		goto out;
	}
	cmd_due_add(out, room, &d, NULL, key, NULL);
	rc = 0;
out:
	doc_release(&d);
	free(key);
	return rc;
}

/* Every digest of one period: see digest_one. */
static int digest_period(struct engine *eng, int64_t day_s, int64_t since_s, int64_t until_s,
			 int late, struct engine_replies *out)
{
	struct store *st = engine_store(eng);
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = -1;

	if (store_issue_ids(st, &ids, &n))
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct issue is = { 0 };
		int bad;
		is.id = ids[i];
		bad = store_lookup_issue(st, ids[i], &is.slug, &is.name, &is.room_id) ||
		      digest_one(eng, &is, day_s, since_s, until_s, late, out);
		cmd_issue_release(&is);
		if (bad)
			goto out;
	}
	if (digest_one(eng, NULL, day_s, since_s, until_s, late, out))
		goto out;
	rc = 0;
out:
	free(ids);
	return rc;
}

/* When digests were first looked for: a digest time before it was not
 * missed, there was no bot yet.  Set on the first call.  0 or -1. */
static int first_look(struct engine *eng, int64_t now_s, int64_t *first_s)
{
	struct store *st = engine_store(eng);
	char *v = store_meta_get(st, "digest.first_look");
	char buf[32];

	if (v) {
		*first_s = strtoll(v, NULL, 10);
		free(v);
		return 0;
	}
	*first_s = now_s;
	snprintf(buf, sizeof(buf), "%lld", (long long)now_s);
	return store_meta_set(st, "digest.first_look", buf);
}

/* ---- the due hooks (schedule.h) ---- */

int schedule_reminders_due(struct engine *eng, int64_t now_ms, struct engine_replies *out)
{
	if (session_reminders(eng, now_ms / 1000, out))
		return -1;
	return personal_reminders(eng, now_ms, out);
}

int schedule_digests_due(struct engine *eng, int64_t now_ms, struct engine_replies *out)
{
	int64_t now_s = now_ms / 1000, day_s, since_s, until_s, first_s;

	/* the last digest time passed: on time, or (the bot was down) late,
	 * once, still covering its own period; older ones are not news */
	digest_last_period(engine_config(eng), now_s, &day_s, &since_s, &until_s);
	if (first_look(eng, now_s, &first_s))
		return -1;
	if (until_s < first_s)
		return 0;
	return digest_period(eng, day_s, since_s, until_s, now_s >= until_s + DIGEST_LATE_AFTER,
			     out);
}
