/*
 * feedpoll.c - when each feed is fetched, and what happens to the answer
 * (see feedpoll.h).  The feed's last fetch time is in the store, so a
 * restart keeps the rhythm; an answer is applied, its notices queued and
 * the feed's new validators kept in one transaction, so a crash before
 * the commit fetches again and tells the same changes once.
 */
#include "feedpoll.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "feed.h"
#include "ical.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "mx_api.h"
#include "store.h"
#include "store_feed.h"
#include "util.h"

#define TICK_MAX_MS 15000       /* a feed added by command is fetched this soon */
#define IN_FLIGHT_MAX 4         /* fetches at once */

struct fetch {
	struct feedpoll *fp;
	int64_t feed_id;
	struct mx_http_req *req;
	struct fetch *next;
};

struct feedpoll {
	struct store *st;
	struct engine *eng;
	struct mx_api *api;
	struct loop *loop;
	struct config *const *cfg;
	feedpoll_queue_fn queue;
	feedpoll_kick_fn kick;
	void *ud;
	uint64_t timer;          /* 0: none */
	struct fetch *inflight;
	size_t n_inflight;
};

static void arm(struct feedpoll *fp);

static void fetch_free(struct fetch *f)
{
	struct feedpoll *fp = f->fp;

	for (struct fetch **p = &fp->inflight; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			fp->n_inflight--;
			break;
		}
	free(f);
}

/* One answer (or none) of feed_id, applied in one transaction. */
static void apply(struct feedpoll *fp, int64_t feed_id, const struct feed_fetch *res)
{
	struct engine_replies r = { 0 };
	const char *result = "ok";

	metrics_begin();
	if (store_begin(fp->st))
		goto out;
	if (feed_apply(fp->eng, feed_id, res, &r, &result) || fp->queue(fp->ud, &r) ||
	    store_commit(fp->st)) {
		store_rollback(fp->st);
		log_error("feeds: cannot apply feed %lld: %s", (long long)feed_id,
			  store_errmsg(fp->st));
		goto out;
	}
	metrics_count(METRIC_FEED_FETCH, result);
	metrics_commit();
	if (strcmp(result, "ok") && strcmp(result, "not_modified")) {
		struct feed f = { 0 };
		/* the reason as !feeds shows it; the URL's query may hold a token */
		if (store_feed_get(fp->st, feed_id, &f) == 0)
			log_warn("feeds: feed %lld failed (%lld in a row): %s", (long long)feed_id,
				 (long long)f.failures, f.last_error ? f.last_error : result);
		store_feed_release(&f);
	}
	if (r.n)
		fp->kick(fp->ud);
out:
	metrics_discard();      /* a no-op after the commit */
	engine_replies_release(&r);
}

static void on_fetched(void *ud, const struct mx_fetch_result *fr)
{
	struct fetch *f = ud;
	struct feedpoll *fp = f->fp;
	struct feed_fetch res = {
		.status = fr->http, .error = fr->error, .body = fr->body, .len = fr->len,
		.etag = fr->etag, .last_modified = fr->last_modified,
	};
	int64_t id = f->feed_id;

	f->req = NULL;
	fetch_free(f);
	apply(fp, id, &res);
}

static int in_flight(struct feedpoll *fp, int64_t id)
{
	for (struct fetch *f = fp->inflight; f; f = f->next)
		if (f->feed_id == id)
			return 1;
	return 0;
}

static void start(struct feedpoll *fp, const struct feed *fd)
{
	const struct config *cfg = *fp->cfg;
	struct fetch *f = xcalloc(1, sizeof(*f));
	long timeout_ms = (long)(cfg->feeds_timeout * 1000);

	f->fp = fp;
	f->feed_id = fd->id;
	f->req = mx_api_fetch(fp->api, fd->url, fd->etag, fd->last_modified,
			      timeout_ms > 0 && timeout_ms <= FEED_TIMEOUT_MS_MAX ? timeout_ms :
			      FEED_TIMEOUT_MS_MAX, ICAL_MAX_BYTES, FEED_REDIRECTS, on_fetched, f);
	if (!f->req) {
		struct feed_fetch res = { .status = 0, .error = "the request could not start" };
		free(f);
		apply(fp, fd->id, &res);
		return;
	}
	f->next = fp->inflight;
	fp->inflight = f;
	fp->n_inflight++;
}

static void tick(void *ud)
{
	struct feedpoll *fp = ud;
	const struct config *cfg = *fp->cfg;
	struct feed_list all = { 0 };
	int64_t now = engine_now_ms(fp->eng);

	fp->timer = 0;
	if (store_feed_list(fp->st, &all)) {
		log_error("feeds: cannot list the feeds: %s", store_errmsg(fp->st));
		goto out;
	}
	for (size_t i = 0; i < all.n && fp->n_inflight < IN_FLIGHT_MAX; i++) {
		const struct feed *fd = &all.v[i];
		if (in_flight(fp, fd->id) || (fd->last_fetch_ms &&
		    now - fd->last_fetch_ms < cfg->feeds_interval * 1000 && now >= fd->last_fetch_ms))
			continue;
		start(fp, fd);
	}
out:
	store_feed_list_release(&all);
	arm(fp);
}

static void arm(struct feedpoll *fp)
{
	int64_t ms = (*fp->cfg)->feeds_interval * 1000 / 2;

	if (ms > TICK_MAX_MS)
		ms = TICK_MAX_MS;
	if (ms < 500)
		ms = 500;
	fp->timer = loop_timer_add(fp->loop, ms, tick, fp);
}

struct feedpoll *feedpoll_new(struct store *st, struct engine *eng, struct mx_api *api,
			      struct loop *loop, struct config *const *cfg,
			      feedpoll_queue_fn queue, feedpoll_kick_fn kick, void *ud)
{
	struct feedpoll *fp = xcalloc(1, sizeof(*fp));

	fp->st = st;
	fp->eng = eng;
	fp->api = api;
	fp->loop = loop;
	fp->cfg = cfg;
	fp->queue = queue;
	fp->kick = kick;
	fp->ud = ud;
	fp->timer = loop_timer_add(loop, 0, tick, fp);
	return fp;
}

void feedpoll_free(struct feedpoll *fp)
{
	if (!fp)
		return;
	loop_timer_cancel(fp->loop, fp->timer);
	while (fp->inflight) {
		struct fetch *f = fp->inflight;
		fp->inflight = f->next;
		mx_api_cancel(fp->api, f->req);         /* frees the call, not f */
		free(f);
	}
	free(fp);
}
