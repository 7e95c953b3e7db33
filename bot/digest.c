/*
 * digest.c - what the daily digest says (SPEC §3): for each issue room,
 * what the conference day brought (decisions, notes, actions, positions,
 * documents, who was active) and the sessions of the next 24 hours; for
 * the coordination room, every issue in numbers and the coverage gaps.  A
 * day runs from one digest time to the next (a 03:30 digest covers the
 * evening and the night before), as a conference that sits until 03:00
 * lives it.  The same loading and writing serve !catchup and !digest
 * (cmd_log.c); schedule.c hands the daily ones out.  Not a command family.
 */
#include "digest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_issue.h"
#include "when.h"

/* entries of one kind loaded for one answer: enough for doc_list_shown() */
#define ITEMS_MAX (DOC_LIST_SHOWN + 2)
#define CLIP_BYTES 300          /* a long note is cut, the log keeps it whole */

static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void digest_when(const char *tz, int64_t t, int64_t day_s, char *out, size_t len)
{
	if (tz_day_start(tz, t) == day_s)
		tz_format_hm(tz, t, out, len);
	else
		tz_format_dayhm(tz, t, out, len);
}

/* ---- loading ---- */

int digest_load(struct engine *eng, int64_t issue_id, const char *room_id,
		const char *viewer, int64_t since_ms, int64_t until_ms,
		struct digest_data *dd)
{
	struct store *st = engine_store(eng);

	memset(dd, 0, sizeof(*dd));
	dd->since_ms = since_ms;
	dd->until_ms = until_ms;
	/* SPEC §4: with neither a room nor a viewer to scope it, show nothing
	 * (an issue whose room is gone has no digest) */
	if (!room_id && !viewer)
		return 0;
	if (store_log_kind_range(st, issue_id, room_id, viewer, "decision", since_ms, until_ms,
				 ITEMS_MAX, &dd->decisions) ||
	    store_log_kind_count(st, issue_id, room_id, viewer, "decision", since_ms, until_ms,
				 &dd->n_decisions) ||
	    store_log_kind_range(st, issue_id, room_id, viewer, "note", since_ms, until_ms,
				 ITEMS_MAX, &dd->notes) ||
	    store_log_kind_count(st, issue_id, room_id, viewer, "note", since_ms, until_ms,
				 &dd->n_notes) ||
	    store_action_changed(st, issue_id, room_id, viewer, since_ms, until_ms,
				 &dd->actions) ||
	    store_position_range(st, issue_id, room_id, viewer, since_ms, until_ms,
				 &dd->positions) ||
	    store_session_changed(st, issue_id, since_ms, until_ms, &dd->sessions) ||
	    store_log_activity(st, issue_id, room_id, viewer, since_ms, until_ms, &dd->messages,
			       &dd->entries, &dd->people) ||
	    store_doc_range(st, issue_id, room_id, viewer, since_ms, until_ms, ITEMS_MAX,
			    &dd->docs))
		return -1;
	return 0;
}

void digest_data_release(struct digest_data *dd)
{
	store_log_list_release(&dd->decisions);
	store_log_list_release(&dd->notes);
	store_action_list_release(&dd->actions);
	store_position_list_release(&dd->positions);
	store_session_list_release(&dd->sessions);
	store_doc_list_release(&dd->docs);
	strv_release(&dd->people);
}

int digest_data_quiet(const struct digest_data *dd)
{
	return !dd->decisions.n && !dd->notes.n && !dd->actions.n && !dd->positions.n &&
	       !dd->sessions.n && !dd->docs.n;
}

static int in_window(const struct digest_data *dd, int64_t ms)
{
	return ms >= dd->since_ms && ms < dd->until_ms;
}

/* Append one ", "-separated part of a summary that began at b->data[start]. */
static void part(struct buf *b, size_t start, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void part(struct buf *b, size_t start, const char *fmt, ...)
{
	va_list ap;

	if (b->len > start)
		buf_puts(b, ", ");
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void digest_summary(const struct digest_data *dd, struct buf *b)
{
	int64_t opened = 0, closed = 0, n;
	size_t start = b->len;

	for (size_t i = 0; i < dd->actions.n; i++) {
		opened += in_window(dd, dd->actions.v[i].created_ms);
		closed += dd->actions.v[i].done_ms && in_window(dd, dd->actions.v[i].done_ms);
	}
	/* the real numbers, not the number of entries loaded to show */
	if ((n = (int64_t)dd->n_decisions))
		part(b, start, "%lld %s", (long long)n, plural(n, "decision", "decisions"));
	if ((n = (int64_t)dd->n_notes))
		part(b, start, "%lld %s", (long long)n, plural(n, "note", "notes"));
	if (opened)
		part(b, start, "%lld %s opened", (long long)opened,
		     plural(opened, "action", "actions"));
	if (opened && closed)   /* "2 actions opened, 1 closed" */
		part(b, start, "%lld closed", (long long)closed);
	else if (closed)
		part(b, start, "%lld %s closed", (long long)closed,
		     plural(closed, "action", "actions"));
	if ((n = (int64_t)dd->positions.n))
		part(b, start, "%lld %s", (long long)n, plural(n, "position", "positions"));
	if ((n = (int64_t)dd->sessions.n))
		part(b, start, "%lld session %s", (long long)n, plural(n, "change", "changes"));
	if ((n = (int64_t)dd->docs.n))
		part(b, start, "%lld%s %s", (long long)n, n >= ITEMS_MAX ? "+" : "",
		     plural(n, "document or revision", "documents or revisions"));
}

/* ---- writing ---- */

static void name_text(struct engine *eng, struct doc *d, const char *room_id, const char *user)
{
	char *name = cmd_display_name(eng, room_id, user);

	doc_text(d, "%s", name);
	free(name);
}

static void name_pill(struct engine *eng, struct doc *d, const char *room_id, const char *user)
{
	char *name = cmd_display_name(eng, room_id, user);

	doc_user(d, user, name);
	free(name);
}

/* The first entries of l as items: as many as a list of 'total' shows. */
static size_t entry_items(struct engine *eng, const char *tz, int64_t day_s,
			  const struct log_list *l, size_t total, const char *room_id,
			  struct doc *d)
{
	size_t n = doc_list_shown(total, 0);

	if (n > l->n)
		n = l->n;
	for (size_t i = 0; i < n; i++) {
		char when[48], *body = cmd_clip(l->v[i].body, CLIP_BYTES);

		digest_when(tz, l->v[i].ts_ms / 1000, day_s, when, sizeof(when));
		doc_begin(d, DOC_ITEM);
		doc_text(d, "%s ", when);
		name_text(eng, d, room_id, l->v[i].sender);
		doc_text(d, ": %s", body);
		doc_end(d);
		free(body);
	}
	return n;
}

/*
 * After the first shown of total entries of a kind: how many were left
 * out and where to read them (SPEC §2: nothing is cut silently).
 */
static void entries_left_out(struct engine *eng, size_t shown, size_t total,
			     const char *kinds, struct doc *d)
{
	const char *prefix = engine_config(eng)->command_prefix;

	if (total <= shown)
		return;
	doc_begin(d, DOC_PARA);
	doc_text(d, "… and %zu more %s, not shown here: ", total - shown, kinds);
	doc_code(d, "%slog 50", prefix);
	doc_text(d, " and ");
	doc_code(d, "%ssearch <words>", prefix);
	doc_text(d, " in the issue room read them, ");
	doc_code(d, "caucus export <issue>");
	doc_text(d, " has them all.");
	doc_end(d);
}

/* The line ending a cut list of the digest, pointing at a command. */
static void items_left_out(struct engine *eng, size_t left, const char *cmd, struct doc *d)
{
	char more[64];

	if (!left)
		return;
	snprintf(more, sizeof(more), "%s%s", engine_config(eng)->command_prefix, cmd);
	doc_more(d, left, more);
}

void digest_sections(struct engine *eng, const struct digest_data *dd,
		     const char *room_id, struct doc *d)
{
	const char *tz = engine_config(eng)->timezone;
	/* times of the window's own day print short */
	int64_t day_s = tz_day_start(tz, (dd->until_ms - 1) / 1000);

	if (dd->decisions.n) {
		doc_heading(d, "Decisions");
		entries_left_out(eng, entry_items(eng, tz, day_s, &dd->decisions, dd->n_decisions,
						  room_id, d),
				 dd->n_decisions, "decisions", d);
	}
	if (dd->notes.n) {
		doc_heading(d, "Notes");
		entries_left_out(eng, entry_items(eng, tz, day_s, &dd->notes, dd->n_notes, room_id,
						  d),
				 dd->n_notes, "notes", d);
	}
	if (dd->actions.n) {
		size_t n = 0, written = 0;

		for (size_t i = 0; i < dd->actions.n; i++)
			n += in_window(dd, dd->actions.v[i].created_ms) ||
			     (dd->actions.v[i].done_ms && in_window(dd, dd->actions.v[i].done_ms));
		doc_heading(d, "Actions");
		for (size_t i = 0; i < dd->actions.n && written < doc_list_shown(n, 0); i++) {
			const struct action_item *a = &dd->actions.v[i];
			char *text = cmd_clip(a->text, CLIP_BYTES);
			written += in_window(dd, a->created_ms) ||
				   (a->done_ms && in_window(dd, a->done_ms));
			if (in_window(dd, a->created_ms)) {
				doc_begin(d, DOC_ITEM);
				doc_text(d, "new #%lld for ", (long long)a->id);
				name_pill(eng, d, room_id, a->assignee);
				doc_text(d, ": %s", text);
				if (a->done_ms && in_window(dd, a->done_ms))
					doc_text(d, " (already done)");
				doc_end(d);
			} else if (a->done_ms && in_window(dd, a->done_ms)) {
				doc_begin(d, DOC_ITEM);
				doc_text(d, "done #%lld (", (long long)a->id);
				name_text(eng, d, room_id, a->assignee);
				doc_text(d, "), closed by ");
				name_text(eng, d, room_id, a->done_by);
				doc_text(d, ": %s", text);
				doc_end(d);
			}
			free(text);
		}
		items_left_out(eng, n - written, "actions all", d);
	}
	if (dd->positions.n) {
		size_t n = doc_list_shown(dd->positions.n, 0);

		doc_heading(d, "Positions");
		for (size_t i = 0; i < n; i++) {
			const struct position *p = &dd->positions.v[i];
			doc_begin(d, DOC_ITEM);
			doc_strong(d, "%s", p->actor);
			doc_text(d, " %s", p->stance);
			if (!p->before)
				doc_text(d, " (first recorded)");
			else if (str_ieq(p->before, p->stance))
				doc_text(d, " (unchanged)");
			else
				doc_text(d, " (was %s)", p->before);
			if (p->text && *p->text) {
				char *text = cmd_clip(p->text, CLIP_BYTES);
				doc_text(d, " — %s", text);
				free(text);
			}
			doc_end(d);
		}
		items_left_out(eng, dd->positions.n - n, "positions all", d);
	}
	if (dd->sessions.n) {
		size_t n = doc_list_shown(dd->sessions.n, 0);

		doc_heading(d, "Sessions");
		for (size_t i = 0; i < n; i++) {
			const struct session *s = &dd->sessions.v[i];
			char span[80];
			const char *what = s->cancelled_ms && in_window(dd, s->cancelled_ms) ? "cancelled"
					   : in_window(dd, s->created_ms) ? "new"
					   : "changed";
			tz_format_span(tz, 0, s->start_s, s->end_s, TZ_SPAN_DATE, span,
				       sizeof(span));
			doc_begin(d, DOC_ITEM);
			doc_strong(d, "#%lld", (long long)s->id);
			doc_text(d, " %s: %s, %s", what, s->title, span);
			if (s->place && *s->place)
				doc_text(d, " @ %s", s->place);
			doc_end(d);
		}
		items_left_out(eng, dd->sessions.n - n, "sessions all", d);
	}
	if (dd->docs.n) {
		size_t n = doc_list_shown(dd->docs.n, 0);

		/* 14:02 Bob: DT/64(Rev.3) Draft resolution, file DT-64-Rev3.pdf */
		doc_heading(d, "Documents");
		for (size_t i = 0; i < n; i++) {
			const struct doc_rev *r = &dd->docs.v[i];
			char when[48];
			digest_when(tz, r->ts_ms / 1000, day_s, when, sizeof(when));
			doc_begin(d, DOC_ITEM);
			doc_text(d, "%s ", when);
			name_text(eng, d, room_id, r->sender);
			doc_text(d, ": ");
			doc_strong(d, "%s", r->symbol);
			if (r->title) {
				char *title = cmd_clip(r->title, CLIP_BYTES);
				doc_text(d, " %s", title);
				free(title);
			}
			if (r->file_name) {
				char *f = cmd_clip(r->file_name, CLIP_BYTES);
				doc_text(d, ", file %s", f);
				free(f);
			}
			doc_end(d);
		}
		if (n < dd->docs.n) {
			char more[64];
			snprintf(more, sizeof(more), "%sdocs", engine_config(eng)->command_prefix);
			doc_more(d, dd->docs.n - n, more);
		}
	}
}

/* "Mon 5 Nov 07:00 – Tue 6 Nov 07:00": what a digest is titled by */
static void period_str(const char *tz, int64_t since_s, int64_t until_s, char *out, size_t len)
{
	char a[48], b[48];

	tz_format_dayhm(tz, since_s, a, sizeof(a));
	tz_format_dayhm(tz, until_s, b, sizeof(b));
	snprintf(out, len, "%s – %s", a, b);
}

static void late_line(const struct config *cfg, struct doc *d)
{
	doc_para(d, "(Sent late: I was offline at %02d:%02d.)", cfg->digest_minute / 60,
		 cfg->digest_minute % 60);
}

static void attendee_names(struct engine *eng, const struct strv *users, const char *room_id,
			   struct doc *d)
{
	for (size_t i = 0; i < users->n; i++) {
		if (i)
			doc_text(d, ", ");
		name_text(eng, d, room_id, users->v[i]);
	}
}

int digest_issue(struct engine *eng, const struct issue *is, int64_t since_s, int64_t until_s,
		 int late, struct doc *d, int *active)
{
	const struct config *cfg = engine_config(eng);
	const char *tz = cfg->timezone;
	struct store *st = engine_store(eng);
	struct digest_data dd;
	struct session_list soon = { 0 };
	struct buf sum;
	int64_t now_s = engine_now_ms(eng) / 1000;
	char period[112];
	int rc = -1;

	buf_init(&sum, 0);
	*active = 0;
	if (digest_load(eng, is->id, is->room_id, NULL, since_s * 1000, until_s * 1000, &dd) ||
	    store_session_between(st, is->id, now_s, now_s + 86400, &soon))
		goto out;
	*active = dd.entries > 0 || !digest_data_quiet(&dd);

	period_str(tz, since_s, until_s, period, sizeof(period));
	doc_heading(d, "%s — digest, %s", is->name, period);
	if (late)
		late_line(cfg, d);
	digest_summary(&dd, &sum);
	if (!*active)
		doc_para(d, "Nothing was logged in this period.");
	else
		doc_para(d, "%lld %s, %zu %s active%s%s.", (long long)dd.messages,
			 plural(dd.messages, "message", "messages"), dd.people.n,
			 plural((int64_t)dd.people.n, "person", "people"), sum.len ? "; " : "",
			 sum.data);
	digest_sections(eng, &dd, is->room_id, d);
	if (dd.people.n) {
		doc_begin(d, DOC_PARA);
		doc_text(d, "Active: ");
		attendee_names(eng, &dd.people, is->room_id, d);
		doc_text(d, ".");
		doc_end(d);
	}

	/* SPEC §3: the next 24 hours, not "tomorrow": at 03:30 today's
	 * sessions are the ones ahead */
	if (!soon.n) {
		doc_para(d, "No sessions in the next 24 hours.");
	} else {
		size_t n = doc_list_shown(soon.n, 0);

		/* Tue 6 Nov 10:00-11:00 #4 Plenary @ Room D: Alice, Bob */
		doc_heading(d, "Next 24 hours");
		for (size_t i = 0; i < n; i++) {
			const struct session *s = &soon.v[i];
			char span[80];
			tz_format_span(tz, 0, s->start_s, s->end_s, TZ_SPAN_DATE, span,
				       sizeof(span));
			doc_begin(d, DOC_ITEM);
			doc_strong(d, "%s", span);
			doc_text(d, " #%lld %s", (long long)s->id, s->title);
			if (s->place && *s->place)
				doc_text(d, " @ %s", s->place);
			doc_text(d, ": ");
			if (s->attendees.n)
				attendee_names(eng, &s->attendees, is->room_id, d);
			else
				doc_strong(d, "nobody attending");
			doc_end(d);
		}
		items_left_out(eng, soon.n - n, "sessions all", d);
	}
	rc = 0;
out:
	digest_data_release(&dd);
	store_session_list_release(&soon);
	buf_release(&sum);
	return rc;
}

/* One issue's line of the overview. */
struct overview_row {
	struct issue is;
	struct digest_data dd;
	size_t open_actions;
	struct strv leads;
};

static void overview_rows_release(struct overview_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cmd_issue_release(&rows[i].is);
		digest_data_release(&rows[i].dd);
		strv_release(&rows[i].leads);
	}
	free(rows);
}

static int overview_load(struct engine *eng, int64_t id, int64_t since_ms, int64_t until_ms,
			 struct overview_row *r)
{
	struct store *st = engine_store(eng);
	struct action_list open = { 0 };
	struct strv backups = { 0 };
	int rc;

	r->is.id = id;
	if (store_lookup_issue(st, id, &r->is.slug, &r->is.name, &r->is.room_id))
		return -1;
	/* the overview shows numbers only: those of the issue's own room */
	if (digest_load(eng, id, r->is.room_id, NULL, since_ms, until_ms, &r->dd))
		return -1;
	rc = store_cover_list(st, id, &r->leads, &backups);
	strv_release(&backups);
	if (rc)
		return -1;
	rc = r->is.room_id ? store_action_open(st, id, r->is.room_id, NULL, &open) : 0;
	r->open_actions = open.n;
	store_action_list_release(&open);
	return rc;
}

/* Every issue's row and the sessions of the next 24 h: what the overview
 * counts and lists. */
struct overview {
	struct overview_row *rows;
	size_t n;                       /* issues */
	size_t nrows;                   /* rows loaded (all n once loaded) */
	size_t busy, leadless, nobody;  /* active issues, without a lead, sessions unattended */
	struct session_list soon;
};

static void overview_release(struct overview *ov)
{
	overview_rows_release(ov->rows, ov->nrows);
	store_session_list_release(&ov->soon);
}

/* Anything happened in the issue's room in the period. */
static int row_active(const struct overview_row *r)
{
	return r->dd.entries > 0 || !digest_data_quiet(&r->dd);
}

/* Load every issue's row and the next 24 h's sessions into ov (released
 * by overview_release, also after a failure).  0 or -1. */
static int overview_load_all(struct engine *eng, int64_t since_s, int64_t until_s,
			     struct overview *ov)
{
	struct store *st = engine_store(eng);
	int64_t *ids = NULL, now_s = engine_now_ms(eng) / 1000;
	int rc = -1;

	memset(ov, 0, sizeof(*ov));
	if (store_issue_ids(st, &ids, &ov->n))
		goto out;
	ov->rows = xcalloc(ov->n ? ov->n : 1, sizeof(*ov->rows));
	for (ov->nrows = 0; ov->nrows < ov->n; ov->nrows++) {
		struct overview_row *r = &ov->rows[ov->nrows];
		if (overview_load(eng, ids[ov->nrows], since_s * 1000, until_s * 1000, r)) {
			ov->nrows++;
			goto out;
		}
		ov->busy += row_active(r);
		ov->leadless += r->leads.n == 0;
	}
	if (store_session_between(st, 0, now_s, now_s + 86400, &ov->soon))
		goto out;
	for (size_t i = 0; i < ov->soon.n; i++)
		ov->nobody += ov->soon.v[i].attendees.n == 0;
	rc = 0;
out:
	free(ids);
	return rc;
}

/* The active issues, one line each:
 * Cybersecurity — 3 messages, 1 note; 2 open actions; lead Alice */
static void overview_active(struct engine *eng, const struct overview *ov, struct doc *d)
{
	size_t written = 0, limit = doc_list_shown(ov->busy, 0);
	struct buf b;

	if (!ov->busy)
		return;
	buf_init(&b, 0);
	doc_heading(d, "Active");
	for (size_t i = 0; i < ov->nrows && written < limit; i++) {
		const struct overview_row *r = &ov->rows[i];
		if (!row_active(r))
			continue;
		written++;
		doc_begin(d, DOC_ITEM);
		doc_strong(d, "%s", r->is.name);
		buf_reset(&b);
		if (r->dd.messages)
			buf_printf(&b, "%lld %s", (long long)r->dd.messages,
				   plural(r->dd.messages, "message", "messages"));
		if (!digest_data_quiet(&r->dd)) {
			if (b.len)
				buf_puts(&b, ", ");
			digest_summary(&r->dd, &b);
		}
		doc_text(d, " — %s; %zu open %s; ", b.len ? b.data : "log entries",
			 r->open_actions, plural((int64_t)r->open_actions, "action", "actions"));
		if (r->leads.n) {
			doc_text(d, "%s ", plural((int64_t)r->leads.n, "lead", "leads"));
			attendee_names(eng, &r->leads, NULL, d);
		} else {
			doc_strong(d, "no lead");
		}
		doc_end(d);
	}
	if (written < ov->busy)
		doc_para(d, "… and %zu more active issues: %sdigest in each issue's room.",
			 ov->busy - written, engine_config(eng)->command_prefix);
	buf_release(&b);
}

/* The quiet issues, named on one line. */
static void overview_quiet(const struct overview *ov, struct doc *d)
{
	if (ov->busy >= ov->nrows)
		return;
	doc_begin(d, DOC_PARA);
	doc_strong(d, "Quiet:");
	for (size_t i = 0, k = 0; i < ov->nrows; i++) {
		if (row_active(&ov->rows[i]))
			continue;
		doc_text(d, "%s%s", k++ ? ", " : " ", ov->rows[i].is.name);
	}
	doc_text(d, ".");
	doc_end(d);
}

/* The issues nobody leads, and how to take one on. */
static void overview_no_lead(struct engine *eng, const struct overview *ov, struct doc *d)
{
	if (!ov->leadless)
		return;
	doc_heading(d, "No lead");
	doc_begin(d, DOC_PARA);
	for (size_t i = 0, k = 0; i < ov->nrows; i++) {
		if (ov->rows[i].leads.n)
			continue;
		doc_text(d, "%s%s", k++ ? ", " : "", ov->rows[i].is.name);
	}
	doc_text(d, ". %scover <issue> takes one on.", engine_config(eng)->command_prefix);
	doc_end(d);
}

/* The sessions of the next 24 h nobody attends, with their issue. */
static void overview_unattended(struct engine *eng, const struct overview *ov, struct doc *d)
{
	const char *tz = engine_config(eng)->timezone;
	size_t written = 0, shown = doc_list_shown(ov->nobody, 0);

	if (!ov->nobody)
		return;
	doc_heading(d, "Nobody attending (next 24 h)");
	for (size_t i = 0; i < ov->soon.n && written < shown; i++) {
		const struct session *s = &ov->soon.v[i];
		const char *issue = "?";
		char span[80];
		if (s->attendees.n)
			continue;
		written++;
		for (size_t k = 0; k < ov->nrows; k++)
			if (ov->rows[k].is.id == s->issue_id)
				issue = ov->rows[k].is.name;
		tz_format_span(tz, 0, s->start_s, s->end_s, TZ_SPAN_DATE, span, sizeof(span));
		doc_begin(d, DOC_ITEM);
		doc_strong(d, "%s", issue);
		doc_text(d, " — #%lld %s, %s", (long long)s->id, s->title, span);
		doc_end(d);
	}
	items_left_out(eng, ov->nobody - written, "uncovered all", d);
}

int digest_overview(struct engine *eng, int64_t since_s, int64_t until_s, int late,
		    struct doc *d, int *active)
{
	const struct config *cfg = engine_config(eng);
	struct overview ov;
	char period[112];
	int rc = -1;

	*active = 0;
	if (overview_load_all(eng, since_s, until_s, &ov))
		goto out;
	*active = ov.busy > 0 || ov.soon.n > 0;

	period_str(cfg->timezone, since_s, until_s, period, sizeof(period));
	doc_heading(d, "Daily overview — %s", period);
	if (late)
		late_line(cfg, d);
	doc_para(d, "%zu of %zu %s active in this period; %zu with no lead; %zu %s in the next 24 h "
		 "with nobody attending.", ov.busy, ov.n, plural((int64_t)ov.n, "issue", "issues"),
		 ov.leadless, ov.nobody, plural((int64_t)ov.nobody, "session", "sessions"));
	overview_active(eng, &ov, d);
	overview_quiet(&ov, d);
	overview_no_lead(eng, &ov, d);
	overview_unattended(eng, &ov, d);
	rc = 0;
out:
	overview_release(&ov);
	return rc;
}

/* ---- the period a digest covers ---- */

/* The instant of the digest time on the local day starting at day_s. */
static int64_t digest_at(const char *tz, int64_t day_s, int minute)
{
	struct local_time lt;
	int64_t t;

	if (tz_to_local(tz, day_s, &lt) == 0 &&
	    tz_from_local(tz, lt.year, lt.month, lt.day, minute / 60, minute % 60, 0, &t) == 0)
		return t;
	return day_s + (int64_t)minute * 60;    /* a time the clocks skip */
}

/* The local day before the one starting at day_s (23, 24 or 25 hours). */
static int64_t previous_day(const char *tz, int64_t day_s)
{
	return tz_day_start(tz, day_s - 1);
}

void digest_last_period(const struct config *cfg, int64_t t, int64_t *day_s,
			int64_t *since_s, int64_t *until_s)
{
	const char *tz = cfg->timezone;

	*day_s = tz_day_start(tz, t);
	*until_s = digest_at(tz, *day_s, cfg->digest_minute);
	if (t < *until_s) {
		*day_s = previous_day(tz, *day_s);
		*until_s = digest_at(tz, *day_s, cfg->digest_minute);
	}
	*since_s = digest_at(tz, previous_day(tz, *day_s), cfg->digest_minute);
}

int64_t digest_period_start(struct engine *eng, int64_t now_s)
{
	int64_t day_s, since_s, until_s;

	digest_last_period(engine_config(eng), now_s, &day_s, &since_s, &until_s);
	return until_s;
}
