/*
 * outbox.c - the sender behind the store's outbox.  After each commit and
 * each finished send it reads the oldest unsent message of every room and
 * starts those whose room has nothing in flight and whose wait is over,
 * MAX_IN_FLIGHT at most at a time.
 * The txn ID was fixed when the row was written, so a message sent twice
 * (a crash between the server's answer and our update) is one event.
 * Waits are kept in the row (wall clock), so they survive a restart; the
 * timer that ends them runs on the loop's monotonic clock.  Sends go
 * through a struct outbox_transport: mx_api, or a stand-in in the tests.
 */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "e2ee.h"
#include "log.h"
#include "metrics.h"
#include "loop.h"
#include "mx_api.h"
#include "store.h"
#include "store_crypto.h"
#include "store_outbox.h"
#include "util.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000
#define STORE_CALM_MS 5000              /* after the store failed to record a send */
#define MAX_IN_FLIGHT 32                /* sends at once, however many rooms wait */

struct flight {
	struct outbox *ob;
	int64_t id;
	char *room_id;
	char *txn_id;
	int attempts;
	struct mx_http_req *req;
	struct flight *next;
};

struct outbox {
	struct store *st;
	struct outbox_transport t;
	struct loop *loop;
	struct flight *flights;
	uint64_t timer;
	int64_t timer_at;       /* wall clock ms the timer is for */
	int n_flights;
	int hold;
	int64_t calm_until;     /* no sends before (wall ms): the store failed */
	struct e2ee *e2ee;      /* seals messages to encrypted rooms, or NULL */
	outbox_refused_fn refused;      /* told of each message refused for good */
	void *refused_ud;
};

static struct mx_http_req *api_send(void *ud, const char *room_id, const char *type,
				    const char *txn_id, const char *content, mx_api_cb cb,
				    void *cb_ud)
{
	return mx_api_send(ud, room_id, type, txn_id, content, cb, cb_ud);
}

static void api_cancel(void *ud, struct mx_http_req *req)
{
	mx_api_cancel(ud, req);
}

struct outbox *outbox_new(struct store *st, struct mx_api *api, struct loop *loop)
{
	const struct outbox_transport t = { .send = api_send, .cancel = api_cancel, .ud = api };

	return outbox_new_with(st, &t, loop);
}

struct outbox *outbox_new_with(struct store *st, const struct outbox_transport *t,
			       struct loop *loop)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));

	ob->st = st;
	ob->t = *t;
	ob->loop = loop;
	ob->hold = 1;
	srandom((unsigned)(loop_wall_ms() ^ (int64_t)(uintptr_t)ob));
	return ob;
}

static void flight_free(struct outbox *ob, struct flight *f)
{
	struct flight **pp;

	for (pp = &ob->flights; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	ob->n_flights--;
	free(f->room_id);
	free(f->txn_id);
	free(f);
}

void outbox_free(struct outbox *ob)
{
	if (!ob)
		return;
	while (ob->flights) {
		ob->t.cancel(ob->t.ud, ob->flights->req);
		flight_free(ob, ob->flights);
	}
	loop_timer_cancel(ob->loop, ob->timer);
	free(ob);
}

int outbox_queue(struct store *st, const char *room_id, const char *txn_id,
		 const char *content, int64_t now_ms)
{
	return store_outbox_add(st, room_id, txn_id, "m.room.message", content, now_ms);
}

static void on_keys(void *ud)
{
	outbox_kick(ud);
}

void outbox_on_refused(struct outbox *ob, outbox_refused_fn fn, void *ud)
{
	ob->refused = fn;
	ob->refused_ud = ud;
}

void outbox_set_e2ee(struct outbox *ob, struct e2ee *e)
{
	ob->e2ee = e;
	e2ee_on_progress(e, on_keys, ob);
}

/*
 * A message to an encrypted room is sealed once, when its turn comes and
 * every member's device has the room key: the ciphertext and the ratchet
 * step are committed together before the first try, so every retry sends
 * the same event.  0 sealed (or nothing to do), 1 wait, -1 error.
 */
static int seal(struct outbox *ob, struct outbox_row *row)
{
	char *sealed = NULL;
	int rc;

	if (!ob->e2ee || !strcmp(row->event_type, "m.room.encrypted"))
		return 0;
	rc = e2ee_prepare(ob->e2ee, row->room_id);
	if (rc)
		return rc;
	if (store_begin(ob->st))
		return -1;
	if (store_room_encrypted(ob->st, row->room_id, NULL, NULL) != 1) {
		store_rollback(ob->st);
		return 0;
	}
	if (e2ee_seal(ob->e2ee, row->room_id, row->event_type, row->content, &sealed) ||
	    store_outbox_seal(ob->st, row->id, "m.room.encrypted", sealed) ||
	    store_commit(ob->st)) {
		store_rollback(ob->st);
		free(sealed);
		log_warn("outbox: cannot encrypt %s for %s", row->txn_id, row->room_id);
		return -1;
	}
	free(row->event_type);
	row->event_type = xstrdup("m.room.encrypted");
	free(row->content);
	row->content = sealed;
	return 0;
}

int outbox_in_flight(const struct outbox *ob)
{
	return ob->n_flights;
}

/* Exponential, capped, with +-25% jitter so rooms do not retry in step. */
static int64_t backoff_ms(int attempts)
{
	return loop_jitter(loop_backoff_ms(attempts, BACKOFF_FIRST_MS, BACKOFF_MAX_MS));
}

static void on_timer(void *ud)
{
	outbox_kick(ud);
}

static void on_sent(void *ud, const struct mx_result *r)
{
	struct flight *f = ud;
	struct outbox *ob = f->ob;
	int64_t delay;
	int rc = 0;

	f->req = NULL;
	switch (r->outcome) {
	case MX_OK:
		log_debug("outbox: %s sent to %s as %s", f->txn_id, f->room_id,
			  r->event_id ? r->event_id : "?");
		rc = store_outbox_sent(ob->st, f->id, r->event_id);
		break;
	case MX_REFUSED:
		metrics_count(METRIC_SEND_FAILURES, "refused");
		log_warn("outbox: dropping message %s to %s: %s", f->txn_id, f->room_id, r->error);
		rc = store_outbox_drop(ob->st, f->id);
		/* SPEC §2: never silence; the owner may say what failed */
		if (ob->refused)
			ob->refused(ob->refused_ud, f->room_id, f->txn_id, r->http, r->errcode);
		break;
	case MX_RETRY:
	case MX_UNAUTHORIZED:
		f->attempts++;
		delay = r->retry_after_ms >= 0 ? r->retry_after_ms + 50 : backoff_ms(f->attempts);
		metrics_count(r->http == 429 ? METRIC_RATE_LIMITED : METRIC_SEND_FAILURES, "retry");
		if (r->http == 429)
			log_info("outbox: rate-limited in %s; next try in %lld ms", f->room_id,
				 (long long)delay);
		else    /* an outage's first failures are news, the rest noise */
			log_msg(f->attempts <= 3 || f->attempts % 20 == 0 ? LOG_WARN : LOG_DEBUG,
				"outbox: sending %s to %s failed (%s); attempt %d, next in %lld ms",
				f->txn_id, f->room_id, r->error, f->attempts, (long long)delay);
		rc = store_outbox_retry(ob->st, f->id, f->attempts, loop_wall_ms() + delay);
		break;
	}
	flight_free(ob, f);
	if (rc) {
		/* not recorded (a full disk?): sending again at once would loop as
		 * fast as the server answers; the same txn ID later is one event */
		log_warn("outbox: cannot record a send (%s); next try in %d s",
			 store_errmsg(ob->st), STORE_CALM_MS / 1000);
		ob->calm_until = loop_wall_ms() + STORE_CALM_MS;
	}
	outbox_kick(ob);
}

static int room_busy(const struct outbox *ob, const char *room_id)
{
	for (const struct flight *f = ob->flights; f; f = f->next)
		if (!strcmp(f->room_id, room_id))
			return 1;
	return 0;
}

static void arm(struct outbox *ob, int64_t at)
{
	int64_t now = loop_wall_ms();

	if (loop_timer_pending(ob->loop, ob->timer) && ob->timer_at <= at)
		return;
	loop_timer_cancel(ob->loop, ob->timer);
	ob->timer_at = at;
	ob->timer = loop_timer_add(ob->loop, at > now ? at - now : 0, on_timer, ob);
}

void outbox_kick(struct outbox *ob)
{
	struct outbox_row *rows = NULL;
	size_t n = 0;
	int64_t now = loop_wall_ms();

	if (ob->hold)
		return;
	if (ob->n_flights >= MAX_IN_FLIGHT)
		return;         /* no room for one more: each that ends kicks again */
	if (now < ob->calm_until) {
		arm(ob, ob->calm_until);
		return;
	}
	if (store_outbox_heads(ob->st, now, &rows, &n)) {
		arm(ob, now + 5000);    /* the store failed: look again soon */
		return;
	}
	{
		/* messages held for quiet hours go when the hold ends */
		int64_t release = store_outbox_next_release(ob->st, now);
		if (release > 0)
			arm(ob, release);
	}
	for (size_t i = 0; i < n; i++) {
		struct outbox_row *row = &rows[i];
		struct flight *f;

		/* each send holds a connection and its buffers: a backlog's
		 * answers in 300 rooms go 32 at a time (each finished one
		 * kicks the next) */
		if (ob->n_flights >= MAX_IN_FLIGHT)
			break;
		if (room_busy(ob, row->room_id))
			continue;
		if (row->next_try_ms > now) {
			arm(ob, row->next_try_ms);
			continue;
		}
		switch (seal(ob, row)) {
		case 0:
			break;
		case 1:
			continue;       /* keys on their way: on_keys() comes back */
		default:
			arm(ob, now + 5000);
			continue;
		}
		f = xcalloc(1, sizeof(*f));
		f->ob = ob;
		f->id = row->id;
		f->room_id = xstrdup(row->room_id);
		f->txn_id = xstrdup(row->txn_id);
		f->attempts = row->attempts;
		f->req = ob->t.send(ob->t.ud, row->room_id, row->event_type, row->txn_id,
				    row->content, on_sent, f);
		if (!f->req) {
			free(f->room_id);
			free(f->txn_id);
			free(f);
			arm(ob, now + 5000);
			continue;
		}
		f->next = ob->flights;
		ob->flights = f;
		ob->n_flights++;
	}
	store_outbox_rows_free(rows, n);
}

void outbox_hold(struct outbox *ob, int hold)
{
	ob->hold = hold;
	if (!hold)
		outbox_kick(ob);
}

void outbox_wake(struct outbox *ob)
{
	if (store_outbox_wake(ob->st) == 0)
		outbox_kick(ob);
}
