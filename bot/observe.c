/*
 * observe.c - the daemon seen from outside (SPEC §6, §7): the routes of
 * the HTTP listener (/healthz, /metrics, /calendar/<token>.ics; a new
 * route is one line of 'routes'), the systemd watchdog and status line,
 * and what "caucus status" reads later: the time of the last applied sync
 * and the last warnings.  Warnings are queued in memory as they are logged and written
 * between two turns of the loop, never inside the daemon's transactions.
 */
#include "observe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calendar.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "notify.h"
#include "store.h"
#include "store_outbox.h"
#include "store_status.h"
#include "util.h"

#define HEALTHY_SYNC_MS (2 * 60 * 1000)
#define WARN_QUEUE 32
#define WARN_TEXT_MAX 500

struct observe {
	struct store *st;
	struct loop *loop;
	const struct config *cfg;
	struct http *http;
	uint64_t watchdog;
	int64_t watchdog_ms;
	int64_t synced_at;      /* loop_now() of the last applied batch, 0: none yet */
	int ready;
	int flushing;
	char *warn_text[WARN_QUEUE];
	int64_t warn_ms[WARN_QUEUE];
	enum log_level warn_level[WARN_QUEUE];
	size_t n_warn, warn_lost;
};

/* ---- the routes ---- */

static void route_healthz(void *ud, const struct http_request *req, struct http_reply *rep)
{
	struct observe *o = ud;
	cJSON *j = cJSON_CreateObject();
	char why[200], *text;
	int ok = observe_healthy(o, why, sizeof(why));

	(void)req;
	cJSON_AddStringToObject(j, "status", ok ? "ok" : "unhealthy");
	if (!ok)
		cJSON_AddStringToObject(j, "reason", why);
	if (o->synced_at)
		cJSON_AddNumberToObject(j, "last_sync_seconds_ago",
					(double)(loop_now() - o->synced_at) / 1000.0);
	cJSON_AddNumberToObject(j, "outbox_depth", (double)store_outbox_pending(o->st));
	text = cJSON_PrintUnformatted(j);
	rep->status = ok ? 200 : 503;
	rep->content_type = "application/json";
	buf_puts(&rep->body, text ? text : "{}");
	buf_putc(&rep->body, '\n');
	free(text);
	cJSON_Delete(j);
}

static void route_metrics(void *ud, const struct http_request *req, struct http_reply *rep)
{
	struct observe *o = ud;
	struct metrics_gauges g;
	char why[200];

	(void)req;
	if (!o->cfg->http_metrics) {
		rep->status = 404;
		buf_puts(&rep->body, "not found\n");
		return;
	}
	g.up = observe_healthy(o, why, sizeof(why));
	g.sync_lag_s = o->synced_at ? (double)(loop_now() - o->synced_at) / 1000.0 : -1;
	g.outbox_depth = store_outbox_pending(o->st);
	rep->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(&g, &rep->body);
}

static void route_calendar(void *ud, const struct http_request *req, struct http_reply *rep)
{
	struct observe *o = ud;

	calendar_serve(o->st, o->cfg, req->path, http_request_header(req, "If-None-Match"),
		       loop_wall_ms(), rep);
}

/* Every path the listener serves. */
static const struct http_route routes[] = {
	{ "/healthz", 0, route_healthz },
	{ "/metrics", 0, route_metrics },
	{ "/calendar/", 1, route_calendar },
};

/* ---- health, status line, watchdog ---- */

int observe_healthy(struct observe *o, char *why, size_t whylen)
{
	int64_t age = o->synced_at ? loop_now() - o->synced_at : -1;

	if (age < 0) {
		snprintf(why, whylen, "no sync applied yet");
		return 0;
	}
	if (age >= HEALTHY_SYNC_MS) {
		snprintf(why, whylen, "the last sync was applied %lld s ago",
			 (long long)(age / 1000));
		return 0;
	}
	return store_writable(o->st, why, whylen) == 0;
}

static void update_status(struct observe *o)
{
	int64_t n = store_outbox_pending(o->st);
	char line[160];

	if (!o->ready)
		snprintf(line, sizeof(line), "starting: connecting to %s", o->cfg->homeserver);
	else
		snprintf(line, sizeof(line), "syncing with %s; %lld message%s waiting to be sent",
			 o->cfg->homeserver, (long long)n, n == 1 ? "" : "s");
	notify_status(line);
}

static void on_watchdog(void *ud)
{
	struct observe *o = ud;

	/* fired by the loop itself: a loop that is stuck stops the pings */
	notify_watchdog();
	o->watchdog = loop_timer_add(o->loop, o->watchdog_ms, on_watchdog, o);
}

/* ---- warnings for "caucus status" ---- */

static void on_warning(void *ud, enum log_level lvl, const char *text)
{
	struct observe *o = ud;

	if (o->flushing)
		return;         /* a failure while keeping warnings is not kept */
	if (o->n_warn == WARN_QUEUE) {
		o->warn_lost++;
		return;
	}
	/* xstrndup copies n bytes: cut the length first */
	o->warn_text[o->n_warn] = xstrndup(text, strnlen(text, WARN_TEXT_MAX));
	o->warn_ms[o->n_warn] = loop_wall_ms();
	o->warn_level[o->n_warn++] = lvl;
}

static void flush_warnings(struct observe *o)
{
	size_t i;

	if (!o->n_warn)
		return;
	o->flushing = 1;
	if (store_begin(o->st) == 0) {
		for (i = 0; i < o->n_warn; i++)
			if (store_warning_add(o->st, o->warn_ms[i],
					      o->warn_level[i] == LOG_ERROR ? "error" : "warn",
					      o->warn_text[i]))
				break;
		if (i < o->n_warn || store_commit(o->st))
			store_rollback(o->st);
	}
	for (i = 0; i < o->n_warn; i++)
		free(o->warn_text[i]);
	o->n_warn = 0;
	if (o->warn_lost)
		log_debug("observe: %zu warnings were not kept (too many at once)", o->warn_lost);
	o->warn_lost = 0;
	o->flushing = 0;
}

/* ---- life cycle and the daemon's hooks ---- */

struct observe *observe_new(struct store *st, struct loop *loop, const struct config *cfg,
			    char *err, size_t errlen)
{
	struct observe *o = xcalloc(1, sizeof(*o));

	o->st = st;
	o->loop = loop;
	o->cfg = cfg;
	if (*cfg->http_listen) {
		o->http = http_new(cfg->http_listen, routes, ARRAY_LEN(routes), o, err, errlen);
		if (!o->http) {
			free(o);
			return NULL;
		}
		log_info("http: listening on %s (port %d): /healthz, /calendar/%s", cfg->http_listen,
			 http_port(o->http), cfg->http_metrics ? ", /metrics" : "");
	}
	log_set_sink(on_warning, o);
	o->watchdog_ms = notify_watchdog_interval_ms();
	if (o->watchdog_ms > 0) {
		log_info("notify: watchdog ping every %lld ms", (long long)o->watchdog_ms);
		notify_watchdog();
		o->watchdog = loop_timer_add(loop, o->watchdog_ms, on_watchdog, o);
	}
	update_status(o);
	return o;
}

void observe_free(struct observe *o)
{
	if (!o)
		return;
	flush_warnings(o);
	log_set_sink(NULL, NULL);
	loop_timer_cancel(o->loop, o->watchdog);
	http_free(o->http);
	free(o);
}

void observe_set_config(struct observe *o, const struct config *cfg)
{
	if (strcmp(cfg->http_listen, o->cfg->http_listen))
		log_warn("config: http.listen takes effect at the next start");
	o->cfg = cfg;
	update_status(o);
}

int observe_batch(struct observe *o, int64_t otk_count, int64_t now_ms)
{
	char v[32];

	if (!o)
		return 0;       /* a batch applied with nothing observing it (tests) */
	snprintf(v, sizeof(v), "%lld", (long long)now_ms);
	if (store_meta_set(o->st, "sync_ms", v))
		return -1;
	if (otk_count >= 0) {
		snprintf(v, sizeof(v), "%lld", (long long)otk_count);
		if (store_meta_set(o->st, "e2ee.otk_count", v))
			return -1;
	}
	return 0;
}

void observe_synced(struct observe *o)
{
	o->synced_at = loop_now();
	if (!o->ready) {
		o->ready = 1;
		log_info("caucus: ready (first sync applied)");
		notify_ready();
	}
	update_status(o);
}

int observe_poll_fd(struct observe *o, int loop_fd)
{
	return o && o->http ? http_poll_fd(o->http, loop_fd) : loop_fd;
}

int observe_timeout(struct observe *o, int timeout_ms)
{
	return o && o->http ? http_timeout(o->http, timeout_ms) : timeout_ms;
}

void observe_run(struct observe *o)
{
	if (!o)
		return;
	if (o->http)
		http_run(o->http);
	flush_warnings(o);
}

int observe_http_port(struct observe *o)
{
	return o && o->http ? http_port(o->http) : 0;
}
