/*
 * feed.c - one fetch of a feed applied to the sessions (see feed.h).  The
 * feed is trusted for what it says of an event (times, title, place) and
 * never for the people: attendees and reminders are the bot's and survive
 * every update.  Two things the feed is not believed on: a session moved
 * by hand keeps its time (the change is announced instead), and an answer
 * that suddenly lacks most known events is a broken answer, not a mass
 * cancellation.  Knows nothing of HTTP or Matrix.
 */
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_session.h"
#include "doc.h"
#include "feedmap.h"
#include "ical.h"
#include "log.h"
#include "person.h"
#include "store_feed.h"
#include "when.h"
#include "store_session.h"

#define NOTE_REASONS 4          /* distinct skip reasons kept in the note */

/* What one fetch tells one room, or one attendee's direct room: one
 * message, whatever the number of changes. */
struct notice {
	char *room_id;          /* the issue room, or NULL: to_user's direct room */
	char *to_user;
	struct doc d;
	struct strv mentions;
	size_t n;               /* changes told; the first DOC_LIST_SHOWN are written */
	int64_t first_start;    /* earliest start told (quiet hours let it through) */
};

struct run {
	struct engine *eng;
	struct store *st;
	const struct config *cfg;
	struct feed f;
	int64_t now_ms, now;
	struct notice *nv;
	size_t nn;
	int64_t made;           /* live sessions the feed maps to */
	int64_t unmatched, all_day, past, cancelled;
};

/* The notice of room_id, or (room_id NULL) of to_user's direct room. */
static struct notice *notice_for(struct run *r, const char *room_id, const char *to_user)
{
	struct notice *n;

	for (size_t i = 0; i < r->nn; i++)
		if (room_id ? r->nv[i].room_id && !strcmp(r->nv[i].room_id, room_id)
			    : r->nv[i].to_user && !strcmp(r->nv[i].to_user, to_user))
			return &r->nv[i];
	r->nv = xrealloc(r->nv, (r->nn + 1) * sizeof(*r->nv));
	n = &r->nv[r->nn++];
	memset(n, 0, sizeof(*n));
	n->room_id = room_id ? xstrdup(room_id) : NULL;
	n->to_user = room_id ? NULL : xstrdup(to_user);
	doc_init(&n->d);
	if (room_id) {
		doc_heading(&n->d, "Schedule changes from feed %lld:", (long long)r->f.id);
	} else {
		doc_heading(&n->d, "Your sessions changed (feed %lld):", (long long)r->f.id);
		strv_push(&n->mentions, to_user);
	}
	return n;
}

static void when_place(struct run *r, int64_t start, int64_t end, const char *place,
		       char *out, size_t len)
{
	char w[96];

	tz_format_span(r->cfg->timezone, r->now, start, end, TZ_SPAN_NEAR, w, sizeof(w));
	if (place)
		snprintf(out, len, "%s @ %s", w, place);
	else
		snprintf(out, len, "%s", w);
}

/* One change of session s as an item of notice n (see tell). */
static void tell_item(struct run *r, struct notice *n, const struct session *s,
		      const char *what, const char *was, const char *why, int mention)
{
	char now[200];

	if (!n->first_start || s->start_s < n->first_start)
		n->first_start = s->start_s;
	if (++n->n > DOC_LIST_SHOWN)
		return;
	when_place(r, s->start_s, s->end_s, s->place, now, sizeof(now));
	doc_begin(&n->d, DOC_ITEM);
	doc_strong(&n->d, "%s", what);
	doc_text(&n->d, " #%lld %s, %s", (long long)s->id, s->title, now);
	if (was)
		doc_text(&n->d, " (was %s)", was);
	if (why)
		doc_text(&n->d, " %s", why);
	if (mention && n->room_id && s->attendees.n) {
		doc_text(&n->d, ": ");
		for (size_t i = 0; i < s->attendees.n; i++) {
			char *name = cmd_display_name(r->eng, s->issue_room, s->attendees.v[i]);
			if (i)
				doc_text(&n->d, ", ");
			doc_user(&n->d, s->attendees.v[i], name);
			free(name);
		}
	}
	doc_end(&n->d);
}

/*
 * One change of session s into its room's notice: "what: #n title, when"
 * plus, with was, "(was ...)"; with mention (a move or a cancellation),
 * the attendees are named and mentioned, and each attendee whose
 * reminders come to the direct room (!prefs dm on) gets it there too
 * (SPEC §3).  A session whose issue has no room (yet) is not announced.
 */
static void tell(struct run *r, const struct session *s, const char *what, const char *was,
		 const char *why, int mention)
{
	struct notice *n;

	if (!s->issue_room || s->issue_room[0] == '#')
		return;
	n = notice_for(r, s->issue_room, NULL);
	if (mention)
		for (size_t i = 0; i < s->attendees.n; i++)
			if (!strv_has(&n->mentions, s->attendees.v[i]))
				strv_push(&n->mentions, s->attendees.v[i]);
	tell_item(r, n, s, what, was, why, mention);
	for (size_t i = 0; mention && i < s->attendees.n; i++)
		if (person_dm(r->eng, s->attendees.v[i]) == 1)
			tell_item(r, notice_for(r, NULL, s->attendees.v[i]), s, what, was, why, 1);
}

/* Every notice into out, as due replies numbered by this fetch; then
 * quiet hours hold what would only wake members who sleep (person.c). */
static void flush(struct run *r, struct engine_replies *out)
{
	size_t first = out->n;

	for (size_t i = 0; i < r->nn; i++) {
		struct notice *n = &r->nv[i];
		struct engine_reply *x;
		char *id = xasprintf("feed.%lld.%lld.%zu", (long long)r->f.id,
				     (long long)r->f.fetches, i);
		if (n->n > DOC_LIST_SHOWN)
			doc_more(&n->d, n->n - DOC_LIST_SHOWN, "sessions");
		cmd_due_add(out, n->room_id, &n->d, &n->mentions, id, NULL);
		x = &out->v[out->n - 1];
		x->to_user = n->to_user ? xstrdup(n->to_user) : NULL;
		x->starts_s = n->first_start;
		free(id);
	}
	person_quiet_apply(r->eng, r->now, NULL, out, first);
}

static void notices_release(struct run *r)
{
	for (size_t i = 0; i < r->nn; i++) {
		free(r->nv[i].room_id);
		free(r->nv[i].to_user);
		doc_release(&r->nv[i].d);
		strv_release(&r->nv[i].mentions);
	}
	free(r->nv);
	r->nv = NULL;
	r->nn = 0;
}

/* A notice in the coordination room (failing, working again). */
static void tell_coord(struct run *r, struct engine_replies *out, const char *text)
{
	const char *coord = engine_coordination_room(r->eng);
	struct doc d;
	char *id;

	if (!coord)
		return;
	doc_init(&d);
	doc_para(&d, "%s", text);
	id = xasprintf("feed.%lld.%lld.coord", (long long)r->f.id, (long long)r->f.fetches);
	cmd_due_add(out, coord, &d, NULL, id, NULL);
	free(id);
	doc_release(&d);
}

/* The store issue an event of this feed belongs to: 0 for none. */
static int64_t issue_of(struct run *r, const struct ical_event *e, struct feedmap_result *m)
{
	int64_t id;

	feedmap_event(r->cfg, NULL, e, m);
	if (m->verdict == FEEDMAP_ALL_DAY)
		return 0;
	if (r->f.issue) {
		id = engine_issue_id(r->eng, r->f.issue);
		return id > 0 ? id : 0;
	}
	if (m->verdict != FEEDMAP_SESSION)
		return 0;
	id = engine_issue_id(r->eng, r->cfg->issues[m->issue].slug);
	return id > 0 ? id : 0;
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The item (uid, rid) of items, which the store lists by UID (bytewise,
 * as strcmp orders) then occurrence: a binary search, as a feed may hold
 * thousands of events. */
static struct feed_item *find_item(struct feed_item_list *items, const char *uid, int64_t rid)
{
	size_t lo = 0, hi = items->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct feed_item *it = &items->v[mid];
		int c = strcmp(it->uid, uid);
		if (!c)
			c = it->recurrence_s < rid ? -1 : it->recurrence_s > rid;
		if (!c)
			return &items->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One mapped event against what the feed said of it before. */
static int apply_event(struct run *r, const struct ical_event *e, int64_t issue_id,
		       const struct feedmap_result *m, struct feed_item *it)
{
	struct session s = { 0 };
	struct feed_item nw;
	char was[200], fwas[200];
	int rc = -1, moved;

	memset(&nw, 0, sizeof(nw));
	nw.uid = e->uid;
	nw.recurrence_s = e->recurrence_s;
	nw.start_s = m->start_s;
	nw.end_s = m->end_s;
	nw.title = xstrdup(m->title);
	nw.place = xstrdup(m->place);
	nw.cancelled = m->cancelled;
	if (!it) {
		/* new to us: an event cancelled or over before we met it is nothing */
		if (m->cancelled || m->end_s <= r->now) {
			r->past += !m->cancelled;
			r->cancelled += m->cancelled;
			rc = 0;
			goto out;
		}
		if (store_session_add(r->st, issue_id, m->title, m->place, m->start_s, m->end_s,
				      r->cfg->user_id, r->now_ms, &nw.session_id) ||
		    store_feed_item_put(r->st, r->f.id, &nw) ||
		    store_session_get(r->st, nw.session_id, &s))
			goto out;
		r->made++;
		tell(r, &s, "New:", NULL, NULL, 0);
		rc = 0;
		goto out;
	}
	nw.session_id = it->session_id;
	nw.by_hand = it->by_hand;
	if (!m->cancelled)
		r->made++;
	if (it->start_s == nw.start_s && it->end_s == nw.end_s && same_text(it->place, nw.place) &&
	    same_text(it->title, nw.title) && it->cancelled == nw.cancelled) {
		rc = 0;         /* the feed says what it said */
		goto out;
	}
	switch (store_session_get(r->st, it->session_id, &s)) {
	case 0:
		break;
	case 1:
		rc = 0;         /* deleted with its issue: nothing to follow */
		goto out;
	default:
		goto out;
	}
	when_place(r, s.start_s, s.end_s, s.place, was, sizeof(was));
	when_place(r, it->start_s, it->end_s, it->place, fwas, sizeof(fwas));
	moved = it->start_s != nw.start_s || it->end_s != nw.end_s || !same_text(it->place, nw.place);
	if (nw.cancelled) {
		if (!s.cancelled_ms && !it->by_hand) {
			if (store_session_cancel(r->st, s.id, r->now_ms))
				goto out;
			s.cancelled_ms = r->now_ms;
			tell(r, &s, "Cancelled:", NULL, "(cancelled in the feed)", 1);
		} else if (!s.cancelled_ms) {
			tell(r, &s, "Not applied:", NULL, "was cancelled in the feed, but it was "
			     "moved by hand, so it stays; cancel it yourself if so", 0);
		}
	} else if (it->by_hand && (moved || it->cancelled)) {
		struct session fs = s;
		char *why = xasprintf("in the feed, but it was moved by hand to %s and stays "
				      "there", was);
		fs.start_s = nw.start_s;
		fs.end_s = nw.end_s;
		fs.place = nw.place;
		tell(r, &fs, "Not applied:", fwas, why, 0);
		free(why);
	} else if (s.cancelled_ms && !it->cancelled) {
		/* cancelled by hand while the feed still had it: the feed's
		 * changes do not bring it back */
	} else {
		/* moved by hand: only the title follows the feed */
		const char *place = it->by_hand ? s.place : nw.place;
		int64_t start = it->by_hand ? s.start_s : nw.start_s;
		int64_t end = it->by_hand ? s.end_s : nw.end_s;
		char *p = xstrdup(place);

		if (store_feed_session_set(r->st, s.id, nw.title, p, start, end, r->now_ms)) {
			free(p);
			goto out;
		}
		free(s.title);
		free(s.place);
		s.title = xstrdup(nw.title);
		s.place = p;
		s.start_s = start;
		s.end_s = end;
		if (it->cancelled)
			tell(r, &s, "Back on:", NULL, NULL, 1);
		else if (moved)
			tell(r, &s, "Moved:", was, NULL, 1);
	}
	if (store_feed_item_put(r->st, r->f.id, &nw))
		goto out;
	rc = 0;
out:
	free(nw.title);
	free(nw.place);
	store_session_release(&s);
	return rc;
}

/* A known event no longer in the feed: its session is cancelled. */
static int apply_gone(struct run *r, struct feed_item *it)
{
	struct session s = { 0 };
	int rc = -1;

	switch (store_session_get(r->st, it->session_id, &s)) {
	case 0:
		break;
	case 1:
		return 0;
	default:
		return -1;
	}
	if (!s.cancelled_ms && !it->by_hand) {
		if (store_session_cancel(r->st, s.id, r->now_ms))
			goto out;
		s.cancelled_ms = r->now_ms;
		tell(r, &s, "Cancelled:", NULL, "(gone from the feed)", 1);
	} else if (!s.cancelled_ms) {
		tell(r, &s, "Not applied:", NULL, "is gone from the feed, but it was moved by "
		     "hand, so it stays; cancel it yourself if so", 0);
	}
	it->cancelled = 1;
	if (store_feed_item_put(r->st, r->f.id, it))
		goto out;
	rc = 0;
out:
	store_session_release(&s);
	return rc;
}

/* "3 all-day events (not meetings); 2 already over; ..." or NULL. */
static char *skip_note(struct run *r, const struct ical_feed *pf)
{
	struct buf b;
	const char *reasons[NOTE_REASONS];
	size_t counts[NOTE_REASONS] = { 0 }, nr = 0, other = 0;
	char *s;

	buf_init(&b, 0);
	if (r->all_day)
		buf_printf(&b, "; %lld all-day (not meetings)", (long long)r->all_day);
	if (r->past)
		buf_printf(&b, "; %lld already over", (long long)r->past);
	if (r->cancelled)
		buf_printf(&b, "; %lld cancelled before I met them", (long long)r->cancelled);
	for (size_t i = 0; i < pf->n_skipped; i++) {
		const char *why = i < ICAL_MAX_SKIPS ? pf->skips[i].reason : NULL;
		size_t k;
		for (k = 0; why && k < nr && strcmp(reasons[k], why); k++)
			;
		if (why && k == nr && nr < NOTE_REASONS)
			reasons[nr++] = why;
		if (why && k < nr)
			counts[k]++;
		else
			other++;
	}
	for (size_t k = 0; k < nr; k++)
		buf_printf(&b, "; %zu with %s", counts[k], reasons[k]);
	if (other)
		buf_printf(&b, "; %zu for other reasons", other);
	if (pf->truncated)
		buf_printf(&b, "; %zu past the %d-occurrence limit", pf->truncated, ICAL_MAX_EVENTS);
	if (pf->unknown_tzid)
		buf_printf(&b, "; %zu with a TZID I do not know (times read in %s, not skipped)",
			   pf->unknown_tzid, r->cfg->timezone);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	s = xstrdup(b.data + 2);
	buf_release(&b);
	return s;
}

/* The fetch failed (why): counted, told once after FEED_FAILS_TOLD. */
static void failed(struct run *r, struct engine_replies *out, const char *why)
{
	free(r->f.last_error);
	r->f.last_error = xstrdup(why);
	r->f.failures++;
	if (r->f.failures >= FEED_FAILS_TOLD && !r->f.down_told) {
		char url[96], *msg;
		feed_url_short(r->f.url, url, sizeof(url));
		msg = xasprintf("Feed %lld (%s) failed %d times in a row, the last time with: "
				"%s.  I keep trying; its sessions stay as they are.",
				(long long)r->f.id, url, FEED_FAILS_TOLD, why);
		tell_coord(r, out, msg);
		free(msg);
		r->f.down_told = 1;
	}
}

static void worked(struct run *r, struct engine_replies *out, const struct feed_fetch *res)
{
	free(r->f.last_error);
	r->f.last_error = NULL;
	r->f.failures = 0;
	r->f.last_ok_ms = r->now_ms;
	if (res->status == 200) {
		free(r->f.etag);
		free(r->f.last_modified);
		r->f.etag = xstrdup(res->etag);
		r->f.last_modified = xstrdup(res->last_modified);
	}
	if (r->f.down_told) {
		char url[96], *msg;
		feed_url_short(r->f.url, url, sizeof(url));
		msg = xasprintf("Feed %lld (%s) works again.", (long long)r->f.id, url);
		tell_coord(r, out, msg);
		free(msg);
		r->f.down_told = 0;
	}
}

/* A 200 answer: parse, check for a mass loss, apply.  *result set. */
static int apply_body(struct run *r, const struct feed_fetch *res, struct engine_replies *out,
		      const char **result)
{
	struct ical_in in = { .timezone = r->cfg->timezone, .from_s = r->now };
	struct ical_feed pf;
	struct feed_item_list items = { 0 };
	struct feedmap_result m;
	char err[256], why[400];
	unsigned char *present = NULL;
	size_t known = 0, gone = 0;
	int rc = -1;

	if (ical_parse(res->body, res->len, &in, &pf, err, sizeof(err))) {
		if (str_iprefix(err, "not iCalendar"))
			snprintf(why, sizeof(why), "%s", err);
		else
			snprintf(why, sizeof(why), "not iCalendar (%s)", err);
		failed(r, out, why);
		*result = "not_ical";
		rc = 0;
		goto out;
	}
	if (store_feed_items(r->st, r->f.id, &items))
		goto out;
	present = xcalloc(items.n ? items.n : 1, 1);
	for (size_t i = 0; i < pf.n; i++) {
		struct feed_item *it = find_item(&items, pf.v[i].uid, pf.v[i].recurrence_s);
		if (it)
			present[it - items.v] = 1;
	}
	/* an event that started before now may have left a recurring
	 * event's window: only later ones are expected back */
	for (size_t i = 0; i < items.n; i++) {
		if (items.v[i].cancelled || items.v[i].start_s < r->now)
			continue;
		known++;
		gone += !present[i];
	}
	if (gone && 2 * gone > known && (known >= FEED_LOSS_MIN || !pf.n)) {
		snprintf(why, sizeof(why), "the answer lacked %zu of its %zu known events; "
			 "taken as broken, nothing was cancelled", gone, known);
		failed(r, out, why);
		*result = "mass_loss";
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < pf.n; i++) {
		const struct ical_event *e = &pf.v[i];
		struct feed_item *it = find_item(&items, e->uid, e->recurrence_s);
		int64_t issue_id = issue_of(r, e, &m);

		if (m.verdict == FEEDMAP_ALL_DAY) {
			r->all_day++;
			continue;
		}
		if (!issue_id && !it) {
			r->unmatched++;
			continue;
		}
		if (apply_event(r, e, issue_id, &m, it))
			goto out;
	}
	for (size_t i = 0; i < items.n; i++)
		if (!present[i] && !items.v[i].cancelled && items.v[i].start_s >= r->now &&
		    apply_gone(r, &items.v[i]))
			goto out;
	r->f.events_seen = (int64_t)(pf.n + pf.n_skipped + pf.truncated);
	r->f.sessions_made = r->made;
	r->f.skipped_unmatched = r->unmatched;
	r->f.skipped_other = r->all_day + r->past + r->cancelled + (int64_t)pf.n_skipped +
			     (int64_t)pf.truncated;
	free(r->f.skip_note);
	r->f.skip_note = skip_note(r, &pf);
	flush(r, out);
	worked(r, out, res);
	*result = "ok";
	rc = 0;
out:
	free(present);
	store_feed_item_list_release(&items);
	ical_feed_release(&pf);
	return rc;
}

int feed_apply(struct engine *eng, int64_t feed_id, const struct feed_fetch *res,
	       struct engine_replies *out, const char **result)
{
	struct run r;
	char why[200];
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.eng = eng;
	r.st = engine_store(eng);
	r.cfg = engine_config(eng);
	r.now_ms = engine_now_ms(eng);
	r.now = r.now_ms / 1000;
	*result = "ok";
	switch (store_feed_get(r.st, feed_id, &r.f)) {
	case 0:
		break;
	case 1:
		return 0;
	default:
		return -1;
	}
	r.f.fetches++;
	r.f.last_fetch_ms = r.now_ms;
	if (res->status == 0) {
		snprintf(why, sizeof(why), "%s", res->error ? res->error : "no answer");
		failed(&r, out, why);
		*result = "error";
	} else if (res->status == 304) {
		worked(&r, out, res);
		*result = "not_modified";
	} else if (res->status != 200) {
		snprintf(why, sizeof(why), "HTTP %ld", res->status);
		failed(&r, out, why);
		*result = "error";
	} else if (apply_body(&r, res, out, result)) {
		goto out;
	}
	rc = store_feed_save(r.st, &r.f);
out:
	notices_release(&r);
	store_feed_release(&r.f);
	return rc;
}

void feed_url_short(const char *url, char *out, size_t len)
{
	const char *host = strstr(url, "://"), *path, *last, *q;
	size_t hl, ll;

	if (strlen(url) <= FEED_URL_SHOWN || !host) {
		snprintf(out, len, "%s", url);
		return;
	}
	host += 3;
	path = strchr(host, '/');
	hl = path ? (size_t)(path - host) : strlen(host);
	q = path ? strpbrk(path, "?#") : NULL;
	ll = q ? (size_t)(q - path) : path ? strlen(path) : 0;
	last = path;
	for (const char *p = path; p && p < path + ll; p++)
		if (*p == '/' && p + 1 < path + ll)
			last = p;
	ll = last ? (size_t)(path + ll - last) : 0;
	if (hl > 24)
		hl = 24;
	if (ll > 20)
		ll = 20;
	snprintf(out, len, "%.*s/\xe2\x80\xa6%.*s", (int)hl, host, (int)ll, last ? last : "");
}

int feed_sync_config(struct engine *eng)
{
	const struct config *cfg = engine_config(eng);
	const char **urls = xcalloc(cfg->n_feeds + 1, sizeof(*urls));
	const char **issues = xcalloc(cfg->n_feeds + 1, sizeof(*issues));
	int rc;

	for (size_t i = 0; i < cfg->n_feeds; i++) {
		urls[i] = cfg->feeds[i].url;
		issues[i] = cfg->feeds[i].issue;
	}
	rc = store_feed_sync_config(engine_store(eng), urls, issues, cfg->n_feeds, cfg->user_id,
				    engine_now_ms(eng));
	free(urls);
	free(issues);
	return rc;
}
