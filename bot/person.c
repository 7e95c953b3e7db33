/*
 * person.c - members' settings as they apply: reminders by direct
 * message and quiet hours (see person.h).
 */
#include "person.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_session.h"
#include "config.h"
#include "doc.h"
#include "log.h"
#include "store_direct.h"
#include "store_room.h"
#include "util.h"
#include "when.h"

int person_dm(struct engine *eng, const char *user_id)
{
	struct store_prefs p;

	if (store_prefs_get(engine_store(eng), user_id, &p))
		return -1;
	return p.dm >= 0 ? p.dm : engine_config(eng)->remind_dm != 0;
}

/* The instant of local wall time h:m on the given date; in a DST gap, the
 * first instant after it. */
static int64_t wall_instant(const char *tz, int y, int mo, int d, int min)
{
	int64_t t;
	int rc = tz_from_local(tz, y, mo, d, min / 60, min % 60, 0, &t);

	for (int step = 1; rc == -2 && step <= 180; step++)
		rc = tz_from_local(tz, y, mo, d, (min + step) / 60 % 24, (min + step) % 60, 0, &t);
	return rc ? 0 : t;
}

int64_t person_quiet_end(const char *tz, int start_min, int end_min, int64_t t)
{
	struct local_time lt;
	int m, inside, y, mo, d;

	if (start_min < 0 || end_min < 0 || start_min == end_min || tz_to_local(tz, t, &lt))
		return 0;
	m = lt.hour * 60 + lt.min;
	if (start_min < end_min)
		inside = m >= start_min && m < end_min;
	else
		inside = m >= start_min || m < end_min;
	if (!inside)
		return 0;
	y = lt.year;
	mo = lt.month;
	d = lt.day;
	/* before midnight in a night that crosses it: ends tomorrow */
	if (start_min > end_min && m >= start_min && tz_date_add(&y, &mo, &d, 1))
		return 0;
	return wall_instant(tz, y, mo, d, end_min);
}

int64_t person_quiet_until(struct engine *eng, const char *user_id, int64_t t)
{
	struct store_prefs p;

	if (store_prefs_get(engine_store(eng), user_id, &p) || p.quiet_start < 0)
		return 0;
	return person_quiet_end(engine_config(eng)->timezone, p.quiet_start, p.quiet_end, t);
}

/* Until when a message for user_id waits at now (0: it goes now). */
static int64_t held_until(struct engine *eng, const char *user_id, int64_t now,
			  int64_t starts_s)
{
	int64_t until = person_quiet_until(eng, user_id, now);

	if (!until || (starts_s > 0 && starts_s < until))
		return 0;       /* awake, or the session starts within the quiet hours */
	return until;
}

void person_quiet_apply(struct engine *eng, int64_t now, const char *asker,
			struct engine_replies *out, size_t from)
{
	for (size_t i = from; i < out->n; i++) {
		struct engine_reply *r = &out->v[i];
		int64_t earliest = 0;
		size_t quiet = 0;
		int answer = r->reply_to && !r->due_id;   /* asked for: never held */

		if (r->kind != ENGINE_POST)
			continue;
		if (!r->room_id && r->to_user) {
			int64_t u = held_until(eng, r->to_user, now, r->starts_s);

			/* the answer the asker gets in their direct room */
			answer = !r->due_id && asker && !strcmp(asker, r->to_user);
			if (u && !answer)
				r->hold_until_ms = u * 1000;
			continue;
		}
		if (!r->mentions.n)
			continue;
		for (size_t k = 0; k < r->mentions.n; k++) {
			int64_t u = held_until(eng, r->mentions.v[k], now, r->starts_s);
			if (u) {
				quiet++;
				if (!earliest || u < earliest)
					earliest = u;
			}
		}
		if (!quiet)
			continue;
		if (quiet == r->mentions.n && !answer) {
			r->hold_until_ms = earliest * 1000;
			continue;
		}
		/* some are awake (or it answers a command): it goes now, waking
		 * only those not in their quiet hours */
		for (size_t k = 0; k < r->mentions.n;) {
			if (held_until(eng, r->mentions.v[k], now, r->starts_s)) {
				free(r->mentions.v[k]);
				memmove(r->mentions.v + k, r->mentions.v + k + 1,
					(r->mentions.n - k - 1) * sizeof(*r->mentions.v));
				r->mentions.n--;
			} else {
				k++;
			}
		}
	}
}

/* ---- reminders in direct rooms ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A stable due ID for one person's reminders of one minute. */
static char *dm_group_id(const char *user_id, struct strv *keys)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	qsort(keys->v, keys->n, sizeof(*keys->v), cmp_str);
	for (size_t i = 0; i < keys->n; i++) {
		for (const char *p = keys->v[i]; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 0x100000001b3ULL;
		}
		h ^= '\n';
		h *= 0x100000001b3ULL;
	}
	return xasprintf("dm:%s:%016llx", user_id, (unsigned long long)h);
}

/* "Reminder: #3 Drafting group starts in 30 min, today 14:00-15:00 @ Room 4 (Cybersecurity)." */
static void dm_line(struct engine *eng, int64_t now, const struct person_due *p, struct doc *d)
{
	const char *tz = engine_config(eng)->timezone;
	const struct session *s = p->s;
	char when[96];
	int64_t min = (s->start_s - now + 30) / 60;

	cmd_session_when(tz, now, s->start_s, s->end_s, 1, when, sizeof(when));
	doc_begin(d, DOC_ITEM);
	doc_strong(d, "%s", when);
	doc_text(d, " #%lld %s", (long long)s->id, s->title);
	if (s->place)
		doc_text(d, " @ %s", s->place);
	doc_text(d, " (%s)", s->issue_name);
	if (min > 0)
		doc_text(d, ": starts in %lld min", (long long)min);
	doc_end(d);
}

int person_session_dms(struct engine *eng, int64_t now, const struct person_due *v,
		       size_t n, struct engine_replies *out)
{
	struct strv people = { 0 };
	int rc = -1;

	/* everyone attending any of them, once */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].s->attendees.n; k++)
			if (!strv_has(&people, v[i].s->attendees.v[k]))
				strv_push(&people, v[i].s->attendees.v[k]);
	for (size_t u = 0; u < people.n; u++) {
		const char *who = people.v[u];
		int dm = person_dm(eng, who);
		uint8_t *used;

		if (dm < 0)
			goto out;
		if (!dm)
			continue;
		used = xcalloc(n ? n : 1, 1);
		/* one message per minute for this person */
		for (size_t a = 0; a < n; a++) {
			struct strv keys = { 0 }, mentions = { 0 };
			struct doc d;
			int64_t first = 0;
			char *id;

			if (used[a] || !strv_has(&v[a].s->attendees, who))
				continue;
			doc_init(&d);
			doc_begin(&d, DOC_PARA);
			doc_strong(&d, "Reminder:");
			doc_end(&d);
			for (size_t b = a; b < n; b++) {
				char *key;

				if (used[b] || v[b].due / 60 != v[a].due / 60 ||
				    !strv_has(&v[b].s->attendees, who))
					continue;
				used[b] = 1;
				key = xasprintf("dm:%s:%s", who, v[b].key);
				if (cmd_due_done(eng, key)) {
					free(key);
					continue;
				}
				dm_line(eng, now, &v[b], &d);
				strv_push_owned(&keys, key);
				if (!first || v[b].s->start_s < first)
					first = v[b].s->start_s;
			}
			if (keys.n) {
				struct engine_reply *r;

				strv_push(&mentions, who);
				id = dm_group_id(who, &keys);
				cmd_due_add(out, NULL, &d, &mentions, id, &keys);
				r = &out->v[out->n - 1];
				r->to_user = xstrdup(who);
				r->starts_s = first;
				free(id);
			}
			strv_release(&keys);
			strv_release(&mentions);
			doc_release(&d);
		}
		free(used);
	}
	rc = 0;
out:
	strv_release(&people);
	return rc;
}

int person_remind_dm(struct engine *eng, const char *room_id, const char *sender,
		     const char *key, const char *text, const char *late,
		     struct engine_replies *out)
{
	struct strv mentions = { 0 }, keys = { 0 };
	int dm = person_dm(eng, sender), here;
	struct doc d;
	char *id;

	if (dm <= 0)
		return dm;
	here = store_direct_is(engine_store(eng), room_id, sender);
	if (here < 0)
		return -1;
	if (here)
		return 0;       /* asked in the direct room: the reminder is there already */
	doc_init(&d);
	doc_begin(&d, DOC_PARA);
	doc_strong(&d, "Reminder:");
	doc_text(&d, " %s", text);
	doc_end(&d);
	if (late)
		doc_para(&d, "(late: this was due %s)", late);
	id = xasprintf("dm:%s", key);
	strv_push(&mentions, sender);
	strv_push(&keys, id);
	cmd_due_add(out, NULL, &d, &mentions, id, &keys);
	doc_release(&d);
	out->v[out->n - 1].to_user = xstrdup(sender);
	strv_release(&mentions);
	strv_release(&keys);
	free(id);
	return 0;
}
