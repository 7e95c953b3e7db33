/*
 * metrics.c - counters kept in memory and written out in the Prometheus
 * text exposition format 0.0.4 (SPEC §7).  A counter is a short list of
 * series, one per label value; the values are static strings of the code
 * or copies, bounded by METRICS_MAX_SERIES.  Counting in a batch goes to a
 * pending column first, so a rolled-back transaction counts nothing.
 */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

struct series {
	char *label;            /* NULL for a counter without a label */
	uint64_t value, pending;
};

struct counter_def {
	const char *name;
	const char *help;
	const char *label;      /* the label's name, or NULL */
	const char *const *always;      /* series shown even at zero, NULL-ended */
};

static const char *const kinds[] = { "message", "member", "redaction", "invite", "reaction",
				     "encrypted", NULL };
static const char *const late[] = { "false", "true", NULL };
static const char *const reasons[] = { "retry", "refused", NULL };
static const char *const results[] = { "ok", "not_modified", "error", "not_ical", "mass_loss",
					NULL };

static const struct counter_def defs[METRIC_COUNT] = {
	[METRIC_EVENTS] = { "caucus_events_total",
			    "Room events applied from /sync, by kind.", "kind", kinds },
	[METRIC_COMMANDS] = { "caucus_commands_total",
			      "Commands run, by command name.", "command", NULL },
	[METRIC_SEND_FAILURES] = { "caucus_send_failures_total",
				   "Failed sends from the outbox, by reason (retry: tried again "
				   "later; refused: dropped).", "reason", reasons },
	[METRIC_RATE_LIMITED] = { "caucus_rate_limited_total",
				  "Sends the homeserver answered with 429 (rate limited).",
				  NULL, NULL },
	[METRIC_REMINDERS] = { "caucus_reminders_total",
			       "Reminders handed to the outbox, by whether they were late.",
			       "late", late },
	[METRIC_DECRYPT_FAILURES] = { "caucus_decrypt_failures_total",
				      "Encrypted events that could not be decrypted.", NULL, NULL },
	[METRIC_FEED_FETCH] = { "caucus_feed_fetch_total",
				"Calendar feed fetches, by result.", "result", results },
};

static struct {
	struct series v[METRICS_MAX_SERIES];
	size_t n;
} counters[METRIC_COUNT];
static int batching;

static struct series *series_get(enum metric m, const char *label)
{
	size_t i;

	if (!defs[m].label)
		label = NULL;
	else if (!label || !*label)
		label = "other";
	for (i = 0; i < counters[m].n; i++) {
		const char *l = counters[m].v[i].label;
		if ((!l && !label) || (l && label && !strcmp(l, label)))
			return &counters[m].v[i];
	}
	if (counters[m].n == METRICS_MAX_SERIES - 1 && label && strcmp(label, "other"))
		return series_get(m, "other");  /* the last slot is kept for "other" */
	if (counters[m].n == METRICS_MAX_SERIES)
		return &counters[m].v[counters[m].n - 1];
	counters[m].v[counters[m].n].label = xstrdup(label);
	return &counters[m].v[counters[m].n++];
}

void metrics_count(enum metric m, const char *label)
{
	struct series *s;

	if ((unsigned)m >= METRIC_COUNT)
		return;
	s = series_get(m, label);
	if (batching)
		s->pending++;
	else
		s->value++;
}

void metrics_begin(void)
{
	metrics_discard();
	batching = 1;
}

static void settle(int keep)
{
	for (size_t m = 0; m < METRIC_COUNT; m++)
		for (size_t i = 0; i < counters[m].n; i++) {
			if (keep)
				counters[m].v[i].value += counters[m].v[i].pending;
			counters[m].v[i].pending = 0;
		}
	batching = 0;
}

void metrics_commit(void)
{
	settle(1);
}

void metrics_discard(void)
{
	settle(0);
}

uint64_t metrics_value(enum metric m, const char *label)
{
	if ((unsigned)m >= METRIC_COUNT)
		return 0;
	for (size_t i = 0; i < counters[m].n; i++) {
		const char *l = counters[m].v[i].label;
		if ((!l && !label) || (l && label && !strcmp(l, label)))
			return counters[m].v[i].value;
	}
	return 0;
}

void metrics_reset(void)
{
	for (size_t m = 0; m < METRIC_COUNT; m++) {
		for (size_t i = 0; i < counters[m].n; i++)
			free(counters[m].v[i].label);
		memset(&counters[m], 0, sizeof(counters[m]));
	}
	batching = 0;
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void put_label_value(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(out, "\\\\");
		else if (*s == '"')
			buf_puts(out, "\\\"");
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *s);
	}
}

static void put_head(struct buf *out, const char *name, const char *help, const char *type)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_counter(struct buf *out, enum metric m)
{
	const struct counter_def *d = &defs[m];

	put_head(out, d->name, d->help, "counter");
	if (!d->label) {
		buf_printf(out, "%s %llu\n", d->name,
			   (unsigned long long)metrics_value(m, NULL));
		return;
	}
	/* the fixed series first, at zero when nothing was counted yet */
	for (const char *const *a = d->always; a && *a; a++)
		buf_printf(out, "%s{%s=\"%s\"} %llu\n", d->name, d->label, *a,
			   (unsigned long long)metrics_value(m, *a));
	for (size_t i = 0; i < counters[m].n; i++) {
		const struct series *s = &counters[m].v[i];
		int fixed = 0;
		for (const char *const *a = d->always; a && *a; a++)
			fixed |= !strcmp(*a, s->label);
		if (fixed)
			continue;
		buf_printf(out, "%s{%s=\"", d->name, d->label);
		put_label_value(out, s->label);
		buf_printf(out, "\"} %llu\n", (unsigned long long)s->value);
	}
}

void metrics_render(const struct metrics_gauges *g, struct buf *out)
{
	put_head(out, "caucus_up", "1 while the bot syncs and its store is writable.", "gauge");
	buf_printf(out, "caucus_up %d\n", g->up ? 1 : 0);
	put_head(out, "caucus_sync_lag_seconds",
		 "Seconds since the last sync batch was applied (NaN before the first).", "gauge");
	if (g->sync_lag_s < 0)
		buf_puts(out, "caucus_sync_lag_seconds NaN\n");
	else
		buf_printf(out, "caucus_sync_lag_seconds %.3f\n", g->sync_lag_s);
	put_head(out, "caucus_outbox_depth", "Messages in the outbox not yet sent.", "gauge");
	buf_printf(out, "caucus_outbox_depth %lld\n", (long long)g->outbox_depth);
	for (int m = 0; m < METRIC_COUNT; m++)
		put_counter(out, (enum metric)m);
}
