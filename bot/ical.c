/*
 * ical.c - the one file that knows libical (see ical.h).  libical reads and
 * writes the text, folds and unfolds lines, and expands recurrence rules;
 * this file decides which time zone a time is in (real feeds name zones in
 * every way there is) and turns each event into plain occurrences in UTC.
 *
 * Zones, in this order: a time in UTC is UTC; a TZID that is an IANA name
 * (also after a "/vendor/.../" prefix) is the system's zone; a Windows
 * name ("W. Europe Standard Time") is its CLDR IANA zone; else the
 * VTIMEZONE the feed carries under that TZID; else the conference zone,
 * counted in unknown_tzid.  A floating time (no TZID, no Z) is read in the
 * feed's X-WR-TIMEZONE when that is a known zone, else in the conference
 * zone.  All-day events (VALUE=DATE) come out flagged, from local midnight
 * to local midnight in the same zone; what to do with them is the caller's
 * choice.
 */
#include "ical.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "winzones.h"

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (errlen)
		snprintf(err, errlen, "%s", msg);
}

/* Errors are return values, not aborts. */
static void quiet_libical(void)
{
	icalerror_set_errors_are_fatal(0);
	icalerror_clear_errno();
}

/* ------------------------------------------------------------------ out */

/* matrix.to link for a room ID or alias; caller frees. */
static char *matrix_to(const char *room)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "https://matrix.to/#/");
	for (const char *p = room; *p; p++) {
		if (*p == '#')
			buf_puts(&b, "%23");
		else if (*p == '?' || *p == '&' || *p == ' ' || *p == '%' || *p == '/')
			buf_printf(&b, "%%%02X", (unsigned char)*p);
		else
			buf_putc(&b, *p);
	}
	return buf_detach(&b);
}

/* A DATE-TIME property in zone, its TZID the zone's IANA name (libical's
 * own "/freeassociation.sourceforge.net/..." TZIDs puzzle some clients). */
static icalproperty *zoned_time(icalproperty *(*make)(struct icaltimetype), int64_t t,
				icaltimezone *zone, const char *tzid)
{
	struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)t, 0, zone);
	icalproperty *p;

	tt.zone = NULL;         /* local fields, written without Z; the TZID says where */
	p = make(tt);

	icalproperty_remove_parameter_by_kind(p, ICAL_TZID_PARAMETER);
	icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
	return p;
}

static icalproperty *utc_time(icalproperty *(*make)(struct icaltimetype), int64_t t)
{
	return make(icaltime_from_timet_with_zone((time_t)t, 0,
						  icaltimezone_get_utc_timezone()));
}

/* One session as a VEVENT; times in zone (named tzid), or in UTC when
 * tzid is NULL. */
static icalcomponent *render_one(const struct session *s, const struct ical_out *o,
				 icaltimezone *zone, const char *tzid)
{
	icalcomponent *ev = icalcomponent_new_vevent();
	struct buf desc;
	char *uid = xasprintf("%lld@%s", (long long)s->id, o->server);

	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	free(uid);
	icalcomponent_add_property(ev, utc_time(icalproperty_new_dtstamp, o->now_s));
	if (s->created_ms)
		icalcomponent_add_property(ev, utc_time(icalproperty_new_created,
							s->created_ms / 1000));
	if (s->updated_ms)
		icalcomponent_add_property(ev, utc_time(icalproperty_new_lastmodified,
							s->updated_ms / 1000));
	if (tzid) {
		icalcomponent_add_property(ev, zoned_time(icalproperty_new_dtstart, s->start_s,
							  zone, tzid));
		icalcomponent_add_property(ev, zoned_time(icalproperty_new_dtend, s->end_s, zone,
							  tzid));
	} else {
		icalcomponent_add_property(ev, utc_time(icalproperty_new_dtstart, s->start_s));
		icalcomponent_add_property(ev, utc_time(icalproperty_new_dtend, s->end_s));
	}
	icalcomponent_add_property(ev, icalproperty_new_sequence((int)(s->sequence > 0x7fffffff
						? 0x7fffffff : s->sequence)));
	icalcomponent_add_property(ev, icalproperty_new_summary(s->title ? s->title : ""));
	if (s->place && *s->place)
		icalcomponent_add_property(ev, icalproperty_new_location(s->place));
	icalcomponent_add_property(ev, icalproperty_new_status(s->cancelled_ms
						? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	if (s->issue_name)
		icalcomponent_add_property(ev, icalproperty_new_categories(s->issue_name));

	buf_init(&desc, 0);
	buf_printf(&desc, "Issue: %s\n", s->issue_name ? s->issue_name : "");
	buf_puts(&desc, "Attending: ");
	if (!s->attendees.n)
		buf_puts(&desc, "nobody yet");
	for (size_t i = 0; i < s->attendees.n; i++)
		buf_printf(&desc, "%s%s", i ? ", " : "", s->attendees.v[i]);
	buf_putc(&desc, '\n');
	if (s->issue_room) {
		char *link = matrix_to(s->issue_room);
		buf_printf(&desc, "Room: %s\n", link);
		icalcomponent_add_property(ev, icalproperty_new_url(link));
		free(link);
	}
	buf_printf(&desc, "Session #%lld", (long long)s->id);
	icalcomponent_add_property(ev, icalproperty_new_description(desc.data));
	buf_release(&desc);

	for (size_t i = 0; !s->cancelled_ms && i < o->n_alarms; i++) {
		icalcomponent *al = icalcomponent_new_valarm();
		struct icaltriggertype trig;
		char *text = xasprintf("%s (in %lld min)", s->title ? s->title : "",
				       (long long)(o->alarms_s[i] / 60));

		memset(&trig, 0, sizeof(trig));
		trig.time = icaltime_null_time();
		trig.duration = icaldurationtype_from_int(-(int)o->alarms_s[i]);
		icalcomponent_add_property(al, icalproperty_new_action(ICAL_ACTION_DISPLAY));
		icalcomponent_add_property(al, icalproperty_new_trigger(trig));
		icalcomponent_add_property(al, icalproperty_new_description(text));
		free(text);
		icalcomponent_add_component(ev, al);
	}
	return ev;
}

int ical_render(const struct session *sessions, size_t n, const struct ical_out *o,
		struct buf *out, char *err, size_t errlen)
{
	icaltimezone *zone;
	icalcomponent *cal = NULL, *vtz = NULL;
	char *text = NULL, *tzid = NULL;
	int rc = -1;

	quiet_libical();
	zone = o->timezone ? icaltimezone_get_builtin_timezone(o->timezone) : NULL;
	if (zone && zone != icaltimezone_get_utc_timezone()) {
		/* a conference in UTC gets times in UTC and no VTIMEZONE */
		if (!(vtz = icaltimezone_get_component(zone)) ||
		    !icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY) ||
		    !icaltimezone_get_location(zone))
			zone = NULL;
		else
			tzid = xstrdup(icaltimezone_get_location(zone));
	}
	if (!zone) {
		set_err(err, errlen, "the conference time zone is unknown to libical");
		goto out;
	}
	cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//caucus//caucus//EN"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	if (tzid) {
		vtz = icalcomponent_new_clone(vtz);
		icalproperty_set_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY),
				      tzid);
		icalcomponent_add_component(cal, vtz);
	}
	for (size_t i = 0; i < n; i++)
		icalcomponent_add_component(cal, render_one(&sessions[i], o, zone, tzid));
	text = icalcomponent_as_ical_string_r(cal);
	if (!text) {
		set_err(err, errlen, "libical could not write the calendar");
		goto out;
	}
	if (buf_puts(out, text)) {
		set_err(err, errlen, "the calendar is too big");
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(tzid);
	if (cal)
		icalcomponent_free(cal);
	return rc;
}

/* ------------------------------------------------------------------- in */

/* What one parse works with. */
struct parse {
	const struct ical_in *in;
	struct ical_feed *out;
	icaltimezone *conf;             /* the conference zone */
	icaltimezone *floating;         /* X-WR-TIMEZONE or conf */
	icalcomponent *cal;             /* the VCALENDAR being read */
	int64_t to_s;                   /* end of the expansion window */
	/* RECURRENCE-ID overrides seen: uid + original start, so the master's
	 * expansion leaves those occurrences to them */
	size_t *slots;                  /* (uid, recurrence) -> index + 1 into out->v */
	struct override {
		char *uid;
		int64_t rid_s;
		int year, month, day;   /* the RECURRENCE-ID's own date */
	} *ov;
	size_t n_ov;
};

static void skip(struct parse *p, const char *uid, const char *reason)
{
	struct ical_feed *f = p->out;

	if (f->n_skipped++ < ICAL_MAX_SKIPS) {
		f->skips = xrealloc(f->skips, (f->n_skipped) * sizeof(*f->skips));
		f->skips[f->n_skipped - 1].uid = xstrdup(uid);
		f->skips[f->n_skipped - 1].reason = xstrdup(reason);
	}
}

/* The IANA zone for an IANA-looking TZID, also behind a "/vendor/.../"
 * prefix (Mozilla and libical write such). */
static icaltimezone *iana_zone(const char *tzid)
{
	icaltimezone *z;

	if (!tzid || !*tzid || strlen(tzid) > 200)
		return NULL;
	if ((z = icaltimezone_get_builtin_timezone(tzid)))
		return z;
	for (const char *p = tzid; (p = strchr(p, '/')); p++) {
		/* try each tail that starts after a '/' and has a '/' itself */
		if (p[1] && strchr(p + 1, '/') && (z = icaltimezone_get_builtin_timezone(p + 1)))
			return z;
	}
	return NULL;
}

static icaltimezone *zone_for_tzid(struct parse *p, const char *tzid)
{
	icaltimezone *z;
	const char *iana;

	if ((z = iana_zone(tzid)))
		return z;
	if ((iana = winzone_to_iana(tzid)) && (z = icaltimezone_get_builtin_timezone(iana))) {
		p->out->windows_tzid++;
		return z;
	}
	if (p->cal && (z = icalcomponent_get_timezone(p->cal, tzid)))
		return z;
	p->out->unknown_tzid++;
	return p->conf;
}

/* The zone of a DTSTART-like property's value. */
static icaltimezone *zone_of(struct parse *p, icalproperty *prop, struct icaltimetype t)
{
	icalparameter *par;

	if (icaltime_is_utc(t))
		return icaltimezone_get_utc_timezone();
	par = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
	if (par && icalparameter_get_tzid(par))
		return zone_for_tzid(p, icalparameter_get_tzid(par));
	return p->floating;
}

/* t (its fields read in zone) as UTC epoch seconds. */
static int64_t to_utc(struct icaltimetype t, icaltimezone *zone)
{
	t.zone = NULL;
	/* libical's zone arithmetic is slow far from today: such years (no
	 * meeting's) are read as UTC */
	if (t.year < 1970 || t.year > 2200)
		return (int64_t)icaltime_as_timet(t);
	return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

/* A copy of s cut to ICAL_MAX_TEXT bytes on a UTF-8 boundary, or NULL. */
static char *text_copy(const char *s)
{
	size_t n;

	if (!s || !*s)
		return NULL;
	n = strlen(s);
	if (n > ICAL_MAX_TEXT) {
		n = ICAL_MAX_TEXT;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return xstrndup(s, n);
}

static char *categories_of(icalcomponent *ev)
{
	struct buf b;

	buf_init(&b, ICAL_MAX_TEXT);
	for (icalproperty *c = icalcomponent_get_first_property(ev, ICAL_CATEGORIES_PROPERTY); c;
	     c = icalcomponent_get_next_property(ev, ICAL_CATEGORIES_PROPERTY)) {
		const char *v = icalproperty_get_categories(c);
		if (!v || !*v)
			continue;
		if (b.len)
			buf_puts(&b, ", ");
		buf_puts(&b, v);
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The template of one event: everything but the occurrence's times. */
struct tmpl {
	const char *uid;
	int all_day, no_end, cancelled;
	const char *summary, *location, *description;
	char *categories;
};

/* An override replaces the occurrence that starts at its RECURRENCE-ID; of
 * an all-day master, the one on its date (Exchange writes the
 * RECURRENCE-ID of a date as a midnight in its own zone). */
static int is_overridden(const struct parse *p, const struct tmpl *t, int64_t start_s,
			 struct icaltimetype local)
{
	for (size_t i = 0; i < p->n_ov; i++) {
		const struct override *o = &p->ov[i];
		if (strcmp(o->uid, t->uid))
			continue;
		if (o->rid_s == start_s)
			return 1;
		if (t->all_day && o->year == local.year && o->month == local.month &&
		    o->day == local.day)
			return 1;
	}
	return 0;
}

/* FNV-1a over two strings (either may be NULL). */
static unsigned text_hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	for (const char *s = a ? a : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (const char *s = b ? b : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (unsigned)h;
}

/* The kept events by UID and RECURRENCE-ID: an open-addressing table,
 * twice the size of the most events kept, so duplicates are found in
 * constant time even in a feed of thousands. */
#define SLOTS 65536
_Static_assert(SLOTS >= 2 * ICAL_MAX_EVENTS, "SLOTS too small for ICAL_MAX_EVENTS");

static size_t slot_of(const char *uid, int64_t rid_s)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *s = uid; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h ^= (uint64_t)rid_s * 0x9e3779b97f4a7c15ull;
	return (size_t)(h ^ (h >> 29)) & (SLOTS - 1);
}

/* The index of the kept event (uid, rid_s), or -1; *free_slot receives
 * where it would go. */
static long find_kept(struct parse *p, const char *uid, int64_t rid_s, size_t *free_slot)
{
	size_t i = slot_of(uid, rid_s);

	if (!p->slots)
		p->slots = xcalloc(SLOTS, sizeof(*p->slots));
	for (; p->slots[i]; i = (i + 1) & (SLOTS - 1)) {
		const struct ical_event *e = &p->out->v[p->slots[i] - 1];
		if (e->recurrence_s == rid_s && !strcmp(e->uid, uid))
			return (long)(p->slots[i] - 1);
	}
	if (free_slot)
		*free_slot = i;
	return -1;
}

/* a and b equal, NULL and "" alike (b as the feed has it, a as kept). */
static int same_text(const char *a, const char *b)
{
	char *cb = text_copy(b);
	int same = !strcmp(a ? a : "", cb ? cb : "");

	free(cb);
	return same;
}

/* Append one occurrence.  Same UID and RECURRENCE-ID as one already kept
 * (a feed that reuses a UID for different events): keep it under
 * "<uid>#<start>", or "<uid>#<start>-<hash of title and place>", so
 * both are seen, and skip it only when even that is taken. */
static void emit(struct parse *p, const struct tmpl *t, int64_t rid_s, int64_t start_s,
		 int64_t end_s)
{
	struct ical_feed *f = p->out;
	struct ical_event *e;
	char *uid = xstrdup(t->uid);
	size_t slot = 0;

	if (f->n >= ICAL_MAX_EVENTS) {
		f->truncated++;
		free(uid);
		return;
	}
	for (int pass = 0; pass < 3; pass++) {
		long i = find_kept(p, uid, rid_s, &slot);
		const struct ical_event *o;
		if (i < 0)
			break;
		o = &f->v[i];
		if (o->start_s == start_s && same_text(o->summary, t->summary) &&
		    same_text(o->location, t->location))
			pass = 2;       /* the very same event twice */
		if (pass == 2) {
			skip(p, t->uid, "the same UID, time, title and place as another event");
			free(uid);
			return;
		}
		free(uid);
		if (pass == 0)
			uid = xasprintf("%s#%lld", t->uid, (long long)start_s);
		else
			uid = xasprintf("%s#%lld-%08x", t->uid, (long long)start_s,
					text_hash(t->summary, t->location));
	}
	if (!(f->n & (f->n + 1)) || !f->v)     /* grow at 0, 1, 3, 7, ... */
		f->v = xrealloc(f->v, (2 * f->n + 1) * sizeof(*f->v));
	e = &f->v[f->n++];
	memset(e, 0, sizeof(*e));
	e->uid = uid;
	e->recurrence_s = rid_s;
	e->start_s = start_s;
	e->end_s = end_s;
	e->all_day = t->all_day;
	e->no_end = t->no_end;
	e->cancelled = t->cancelled;
	e->summary = text_copy(t->summary);
	e->location = text_copy(t->location);
	e->description = text_copy(t->description);
	e->categories = xstrdup(t->categories);
	p->slots[slot] = f->n;
}

static int in_window(const struct parse *p, int64_t start_s, int64_t end_s)
{
	return end_s > p->in->from_s && start_s < p->to_s;
}

#define MAX_RECUR_STEPS 20000   /* iterator steps per recurring event */
#define MIN_YEAR 1970           /* times outside these years are no meeting */
#define MAX_YEAR 2200

/* The EXDATEs of ev in UTC; *n receives their number; caller frees. */
static int64_t *exdates(struct parse *p, icalcomponent *ev, size_t *n)
{
	int64_t *v = NULL;

	*n = 0;
	for (icalproperty *x = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); x;
	     x = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
		struct icaltimetype t = icalproperty_get_exdate(x);
		if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = to_utc(t, zone_of(p, x, t));
	}
	return v;
}

static void occurrence(struct parse *p, const struct tmpl *t, int64_t start_s,
		       struct icaltimetype local, int64_t dur, const int64_t *ex, size_t n_ex)
{
	for (size_t i = 0; i < n_ex; i++)
		if (ex[i] == start_s)
			return;
	if (!in_window(p, start_s, start_s + dur) || is_overridden(p, t, start_s, local))
		return;
	emit(p, t, start_s, start_s, start_s + dur);
}

/* Expand RRULE and RDATE of a master event over the window. */
static void expand(struct parse *p, icalcomponent *ev, const struct tmpl *t,
		   struct icaltimetype dtstart, icaltimezone *zone, int64_t dur)
{
	size_t n_ex;
	int64_t *ex = exdates(p, ev, &n_ex);
	int64_t first = to_utc(dtstart, zone);

	occurrence(p, t, first, dtstart, dur, ex, n_ex);
	for (icalproperty *r = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY); r;
	     r = icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype rule = icalproperty_get_rrule(r);
		struct icaltimetype local = dtstart, next;
		icalrecur_iterator *it;
		long steps = 0;

		if (rule.freq == ICAL_NO_RECURRENCE) {
			skip(p, t->uid, "an RRULE libical cannot read");
			continue;
		}
		local.zone = NULL;
		/* libical compares UNTIL field by field with the local DTSTART: an
		 * UNTIL in UTC (as Exchange writes it) must be made local first */
		if (!icaltime_is_null_time(rule.until) && icaltime_is_utc(rule.until) &&
		    zone != icaltimezone_get_utc_timezone() && !dtstart.is_date) {
			rule.until = icaltime_from_timet_with_zone(
				icaltime_as_timet_with_zone(rule.until,
							    icaltimezone_get_utc_timezone()),
				0, zone);
			rule.until.zone = NULL;
		}
		if (!(it = icalrecur_iterator_new(rule, local))) {
			skip(p, t->uid, "an RRULE libical cannot expand");
			continue;
		}
		/* jump close to the window when libical can (not with COUNT) */
		if (!rule.count) {
			struct icaltimetype near = icaltime_from_timet_with_zone(
				(time_t)(p->in->from_s - dur - 2 * 86400), dtstart.is_date, zone);
			near.zone = NULL;
			if (icaltime_compare(near, local) > 0)
				icalrecur_iterator_set_start(it, near);
		}
		while (!icaltime_is_null_time(next = icalrecur_iterator_next(it))) {
			/* the local fields read as UTC are within a day of the real
			 * instant: far-off ones need no zone arithmetic (slow in
			 * libical for old years) */
			int64_t rough = (int64_t)icaltime_as_timet(next), s;
			if (++steps > MAX_RECUR_STEPS) {
				skip(p, t->uid, "a recurrence too long to expand");
				break;
			}
			if (rough >= p->to_s + 86400)
				break;
			if (rough + dur + 86400 < p->in->from_s)
				continue;
			s = to_utc(next, zone);
			if (s >= p->to_s)
				break;
			if (s != first)
				occurrence(p, t, s, next, dur, ex, n_ex);
		}
		icalrecur_iterator_free(it);
	}
	for (icalproperty *r = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY); r;
	     r = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype dp = icalproperty_get_rdate(r);
		struct icaltimetype rt = icaltime_is_null_time(dp.time) ? dp.period.start : dp.time;
		int64_t s;
		if (icaltime_is_null_time(rt) || !icaltime_is_valid_time(rt))
			continue;
		s = to_utc(rt, zone_of(p, r, rt));
		if (s != first)
			occurrence(p, t, s, rt, dur, ex, n_ex);
	}
	free(ex);
}

/* A stand-in UID for an event without one: stable while the event keeps
 * its start and title. */
static char *made_uid(int64_t start_s, const char *summary)
{
	return xasprintf("no-uid-%lld-%08x", (long long)start_s, text_hash(summary, NULL));
}

static void read_event(struct parse *p, icalcomponent *ev)
{
	icalproperty *ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
	icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
	icalproperty *pr = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
	const char *uid = icalcomponent_get_uid(ev);
	struct tmpl t;
	struct icaltimetype st;
	icaltimezone *zone;
	int64_t start_s, end_s;
	char *own_uid = NULL;
	size_t unknown0 = p->out->unknown_tzid, windows0 = p->out->windows_tzid;

	memset(&t, 0, sizeof(t));
	if (uid && !*uid)
		uid = NULL;
	if (!ps) {
		skip(p, uid, "no DTSTART");
		goto out;
	}
	st = icalproperty_get_dtstart(ps);
	if (icaltime_is_null_time(st) || !icaltime_is_valid_time(st)) {
		skip(p, uid, "a DTSTART that is not a date or a time");
		goto out;
	}
	if (st.year < MIN_YEAR || st.year > MAX_YEAR) {
		skip(p, uid, "a DTSTART before 1970 or after 2200");
		goto out;
	}
	zone = zone_of(p, ps, st);
	start_s = to_utc(st, zone);
	t.all_day = st.is_date;
	if (pe) {
		struct icaltimetype et = icalproperty_get_dtend(pe);
		if (icaltime_is_null_time(et) || !icaltime_is_valid_time(et)) {
			skip(p, uid, "a DTEND that is not a date or a time");
			goto out;
		}
		end_s = to_utc(et, zone_of(p, pe, et));
	} else if (pd) {
		struct icaldurationtype d = icalproperty_get_duration(pd);
		end_s = start_s + icaldurationtype_as_int(d);
	} else if (st.is_date) {
		end_s = start_s + 86400;
	} else {
		end_s = start_s;
		t.no_end = 1;
	}
	if (end_s < start_s) {
		skip(p, uid, "ends before it starts");
		goto out;
	}
	if (end_s - start_s > (int64_t)366 * 86400) {
		skip(p, uid, "lasts more than a year");
		goto out;
	}
	if (!uid) {
		own_uid = made_uid(start_s, icalcomponent_get_summary(ev));
		uid = own_uid;
	}
	t.uid = uid;
	t.cancelled = icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED;
	t.summary = icalcomponent_get_summary(ev);
	t.location = icalcomponent_get_location(ev);
	t.description = icalcomponent_get_description(ev);
	t.categories = categories_of(ev);

	if (pr) {
		struct icaltimetype rt = icalproperty_get_recurrenceid(pr);
		int64_t rid = icaltime_is_null_time(rt) ? start_s : to_utc(rt, zone_of(p, pr, rt));
		if (in_window(p, start_s, end_s) || (rid >= p->in->from_s && rid < p->to_s))
			emit(p, &t, rid, start_s, end_s);
	} else if (icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY) ||
		   icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY)) {
		expand(p, ev, &t, st, zone, end_s - start_s);
	} else {
		emit(p, &t, 0, start_s, end_s);
	}
	free(t.categories);
	free(own_uid);
out:
	/* counted per event, not per property */
	if (p->out->unknown_tzid > unknown0)
		p->out->unknown_tzid = unknown0 + 1;
	if (p->out->windows_tzid > windows0)
		p->out->windows_tzid = windows0 + 1;
}

/* Note the RECURRENCE-IDs of cal's overrides before any master expands. */
static void note_overrides(struct parse *p, icalcomponent *cal)
{
	for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	     ev; ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		icalproperty *pr = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
		const char *uid = icalcomponent_get_uid(ev);
		struct icaltimetype rt;
		if (!pr || !uid || !*uid)
			continue;
		rt = icalproperty_get_recurrenceid(pr);
		if (icaltime_is_null_time(rt) || !icaltime_is_valid_time(rt))
			continue;
		p->ov = xrealloc(p->ov, (p->n_ov + 1) * sizeof(*p->ov));
		p->ov[p->n_ov].uid = xstrdup(uid);
		p->ov[p->n_ov].rid_s = to_utc(rt, zone_of(p, pr, rt));
		p->ov[p->n_ov].year = rt.year;
		p->ov[p->n_ov].month = rt.month;
		p->ov[p->n_ov].day = rt.day;
		p->n_ov++;
	}
}

static void read_calendar(struct parse *p, icalcomponent *cal)
{
	icalproperty *x;
	size_t unknown = p->out->unknown_tzid, windows = p->out->windows_tzid;

	p->cal = cal;
	p->floating = p->conf;
	for (x = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY); x;
	     x = icalcomponent_get_next_property(cal, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(x), *v = icalproperty_get_x(x);
		icaltimezone *z;
		if (name && v && !strcasecmp(name, "X-WR-TIMEZONE") && (z = iana_zone(v)))
			p->floating = z;
	}
	note_overrides(p, cal);
	/* the override pass resolved zones too: count each TZID use once */
	p->out->unknown_tzid = unknown;
	p->out->windows_tzid = windows;
	for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	     ev; ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		read_event(p, ev);
	for (size_t i = 0; i < p->n_ov; i++)
		free(p->ov[i].uid);
	free(p->ov);
	p->ov = NULL;
	p->n_ov = 0;
}

/* 1 when the line at p is a property named name ("BEGIN", "END"). */
static int line_is(const char *p, const char *name)
{
	size_t n = strlen(name);

	return !strncasecmp(p, name, n) && (p[n] == ':' || p[n] == ';');
}

/*
 * Drop each END line that closes nothing, in place.  libical warns of
 * those on stderr, outside our log's format; nothing else of it prints.
 * Continuation lines start with a space or TAB, so they are never taken
 * for a BEGIN or an END.
 */
static void drop_stray_ends(char *text)
{
	char *r = text, *w = text;
	long depth = 0;

	while (*r) {
		char *eol = strchr(r, '\n');
		size_t len = eol ? (size_t)(eol - r) + 1 : strlen(r);
		int keep = 1;

		if (line_is(r, "BEGIN"))
			depth++;
		else if (line_is(r, "END") && depth-- <= 0) {
			depth = 0;
			keep = 0;
		}
		if (keep) {
			memmove(w, r, len);
			w += len;
		}
		r += len;
	}
	*w = 0;
}

void ical_feed_release(struct ical_feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		struct ical_event *e = &f->v[i];
		free(e->uid);
		free(e->summary);
		free(e->location);
		free(e->description);
		free(e->categories);
	}
	free(f->v);
	for (size_t i = 0; i < f->n_skipped && i < ICAL_MAX_SKIPS; i++) {
		free(f->skips[i].uid);
		free(f->skips[i].reason);
	}
	free(f->skips);
	memset(f, 0, sizeof(*f));
}

int ical_parse(const char *data, size_t len, const struct ical_in *in, struct ical_feed *out,
	       char *err, size_t errlen)
{
	struct parse p;
	icalcomponent *root = NULL;
	char *text = NULL;
	int rc = -1, any = 0;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	quiet_libical();
	if (len > ICAL_MAX_BYTES) {
		set_err(err, errlen, "the feed is over 8 MiB");
		goto out;
	}
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
		data += 3;
		len -= 3;
	}
	text = xstrndup(data, len);
	drop_stray_ends(text);
	p.in = in;
	p.out = out;
	p.conf = in->timezone ? icaltimezone_get_builtin_timezone(in->timezone) : NULL;
	if (!p.conf)
		p.conf = icaltimezone_get_utc_timezone();
	p.to_s = in->from_s + (int64_t)ICAL_EXPAND_DAYS * 86400;
	if (!strstr(text, "BEGIN:VCALENDAR") && !strstr(text, "begin:vcalendar")) {
		set_err(err, errlen, "not iCalendar: no BEGIN:VCALENDAR");
		goto out;
	}
	root = icalparser_parse_string(text);
	if (!root) {
		set_err(err, errlen, "not iCalendar: libical found no calendar in it");
		goto out;
	}
	if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) {
		read_calendar(&p, root);
		any = 1;
	} else {
		for (icalcomponent *c = icalcomponent_get_first_component(root,
							ICAL_VCALENDAR_COMPONENT);
		     c; c = icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT)) {
			read_calendar(&p, c);
			any = 1;
		}
	}
	if (!any) {
		set_err(err, errlen, "not iCalendar: no VCALENDAR in it");
		goto out;
	}
	rc = 0;
out:
	if (root)
		icalcomponent_free(root);
	free(text);
	free(p.slots);
	return rc;
}
