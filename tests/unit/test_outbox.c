/*
 * test_outbox.c - the sender behind the store's outbox (bot/outbox.c)
 * against a stand-in transport and a real temporary store: one message
 * in flight per room and rooms side by side, each room in order; a
 * failure backs off exponentially with jitter, a 429 waits what the
 * server said, a refusal drops the message and says so; on hold nothing
 * goes.  The stand-in records each send and the test answers it.
 */
#include "testutil.h"

#include <poll.h>
#include <unistd.h>

#include "loop.h"
#include "mx_api.h"
#include "outbox.h"
#include "store.h"
#include "store_outbox.h"

#define MAX_SENDS 16

struct sent {
	char room[32];
	char txn[32];
	mx_api_cb cb;
	void *cb_ud;
	int answered;
	int cancelled;
};

struct fake {
	struct sent v[MAX_SENDS];
	int n;
	int refuse_start;       /* send returns NULL (could not start) */
	char refused_txn[32];
	long refused_http;
	struct loop *loop;
	int stop_at;            /* stop the loop when this many sends were made */
};

static struct mx_http_req *fake_send(void *ud, const char *room_id, const char *type,
				     const char *txn_id, const char *content, mx_api_cb cb,
				     void *cb_ud)
{
	struct fake *f = ud;
	struct sent *s;

	assert_string_equal(type, "m.room.message");
	assert_non_null(content);
	if (f->refuse_start || f->n == MAX_SENDS)
		return NULL;
	s = &f->v[f->n++];
	snprintf(s->room, sizeof(s->room), "%s", room_id);
	snprintf(s->txn, sizeof(s->txn), "%s", txn_id);
	s->cb = cb;
	s->cb_ud = cb_ud;
	if (f->loop && f->n == f->stop_at)
		loop_stop(f->loop);
	return (struct mx_http_req *)s;
}

static void fake_cancel(void *ud, struct mx_http_req *req)
{
	(void)ud;
	((struct sent *)req)->cancelled = 1;
}

static void on_refused(void *ud, const char *room_id, const char *txn_id, long http,
		       const char *errcode)
{
	struct fake *f = ud;

	(void)room_id;
	(void)errcode;
	snprintf(f->refused_txn, sizeof(f->refused_txn), "%s", txn_id);
	f->refused_http = http;
}

/* Answer send i with outcome (HTTP status, retry_after_ms). */
static void answer(struct fake *f, int i, enum mx_outcome outcome, long http, int64_t retry)
{
	struct mx_result r = {
		.outcome = outcome, .http = http, .retry_after_ms = retry,
		.error = outcome == MX_OK ? NULL : "test", .event_id = "$sent",
	};

	assert_true(i < f->n);
	assert_false(f->v[i].answered);
	f->v[i].answered = 1;
	f->v[i].cb(f->v[i].cb_ud, &r);
}

struct fixture {
	char path[64];
	struct store *st;
	struct loop *loop;
	struct fake fake;
	struct outbox *ob;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct outbox_transport t = { .send = fake_send, .cancel = fake_cancel };
	char err[256];

	snprintf(fx->path, sizeof(fx->path), "/tmp/caucus-test-outbox-%d.db", (int)getpid());
	unlink(fx->path);
	fx->st = store_open(fx->path, err, sizeof(err));
	assert_non_null(fx->st);
	fx->loop = loop_new();
	t.ud = &fx->fake;
	fx->ob = outbox_new_with(fx->st, &t, fx->loop);
	outbox_on_refused(fx->ob, on_refused, &fx->fake);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char p[80];

	outbox_free(fx->ob);
	loop_free(fx->loop);
	store_close(fx->st);
	unlink(fx->path);
	snprintf(p, sizeof(p), "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->path);
	unlink(p);
	free(fx);
	return 0;
}

static void queue(struct fixture *fx, const char *room, const char *txn)
{
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(outbox_queue(fx->st, room, txn, "{\"msgtype\":\"m.notice\",\"body\":\"x\"}",
				      loop_wall_ms()), 0);
	assert_int_equal(store_commit(fx->st), 0);
}

/* The head of room's queue: its attempts and how long until its next try. */
static void head_of(struct fixture *fx, const char *room, const char *txn, int *attempts,
		    int64_t *wait_ms)
{
	struct outbox_row *rows = NULL;
	size_t n = 0;
	int found = 0;

	assert_int_equal(store_outbox_heads(fx->st, INT64_MAX, &rows, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].room_id, room))
			continue;
		assert_string_equal(rows[i].txn_id, txn);
		*attempts = rows[i].attempts;
		*wait_ms = rows[i].next_try_ms - loop_wall_ms();
		found = 1;
	}
	store_outbox_rows_free(rows, n);
	assert_true(found);
}

static int wait_fd(void *ud, int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	(void)ud;
	poll(&p, 1, timeout_ms);
	return 0;
}

static void on_too_long(void *ud)
{
	struct fake *f = ud;

	f->stop_at = -1;
	loop_stop(f->loop);
}

/* Run the loop until the outbox has made 'sends' sends in all; the time
 * it took, in ms. */
static int64_t run_until(struct fixture *fx, int sends)
{
	int64_t t0 = loop_now();
	uint64_t guard;

	fx->fake.loop = fx->loop;
	fx->fake.stop_at = sends;
	guard = loop_timer_add(fx->loop, 5000, on_too_long, &fx->fake);
	assert_int_equal(loop_run(fx->loop, wait_fd, fx), 0);
	loop_timer_cancel(fx->loop, guard);
	assert_int_equal(fx->fake.stop_at, sends);     /* not the guard */
	return loop_now() - t0;
}

static void test_hold(void **state)
{
	struct fixture *fx = *state;

	queue(fx, "!a:x", "a1");
	outbox_kick(fx->ob);                    /* a new outbox is on hold */
	assert_int_equal(fx->fake.n, 0);
	outbox_hold(fx->ob, 0);
	assert_int_equal(fx->fake.n, 1);
	assert_int_equal(outbox_in_flight(fx->ob), 1);
}

/* One message in flight per room, rooms side by side, each in order. */
static void test_order(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = &fx->fake;

	queue(fx, "!a:x", "a1");
	queue(fx, "!a:x", "a2");
	queue(fx, "!b:x", "b1");
	queue(fx, "!a:x", "a3");
	outbox_hold(fx->ob, 0);
	assert_int_equal(f->n, 2);
	assert_int_equal(outbox_in_flight(fx->ob), 2);
	assert_string_equal(f->v[0].txn, !strcmp(f->v[0].room, "!a:x") ? "a1" : "b1");
	assert_string_equal(f->v[1].txn, !strcmp(f->v[1].room, "!a:x") ? "a1" : "b1");
	outbox_kick(fx->ob);                    /* nothing more while both fly */
	assert_int_equal(f->n, 2);

	answer(f, !strcmp(f->v[0].txn, "a1") ? 0 : 1, MX_OK, 200, -1);
	assert_int_equal(f->n, 3);
	assert_string_equal(f->v[2].txn, "a2");
	answer(f, !strcmp(f->v[0].txn, "b1") ? 0 : 1, MX_OK, 200, -1);
	assert_int_equal(f->n, 3);              /* b has nothing more */
	answer(f, 2, MX_OK, 200, -1);
	assert_int_equal(f->n, 4);
	assert_string_equal(f->v[3].txn, "a3");
	answer(f, 3, MX_OK, 200, -1);
	assert_int_equal(f->n, 4);
	assert_int_equal(outbox_in_flight(fx->ob), 0);
	assert_int_equal(store_outbox_pending(fx->st), 0);
}

/* A 5xx backs off 1 s, then 2 s (each +-25%), and the same txn ID goes
 * again when the wait is over; a success ends it. */
static void test_backoff(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = &fx->fake;
	int attempts;
	int64_t wait, took;

	queue(fx, "!a:x", "a1");
	queue(fx, "!a:x", "a2");
	outbox_hold(fx->ob, 0);
	assert_int_equal(f->n, 1);
	answer(f, 0, MX_RETRY, 502, -1);
	assert_int_equal(f->n, 1);              /* waits; a2 waits behind it */
	head_of(fx, "!a:x", "a1", &attempts, &wait);
	assert_int_equal(attempts, 1);
	assert_in_range(wait, 600, 1250);
	took = run_until(fx, 2);
	assert_string_equal(f->v[1].txn, "a1");
	assert_in_range(took, 550, 3000);    /* a busy machine is late, never early */

	answer(f, 1, MX_RETRY, 0, -1);          /* no answer at all: the same */
	head_of(fx, "!a:x", "a1", &attempts, &wait);
	assert_int_equal(attempts, 2);
	assert_in_range(wait, 1300, 2500);

	outbox_wake(fx->ob);                    /* the server is back: at once */
	assert_int_equal(f->n, 3);
	assert_string_equal(f->v[2].txn, "a1");
	answer(f, 2, MX_OK, 200, -1);
	assert_int_equal(f->n, 4);
	assert_string_equal(f->v[3].txn, "a2");
}

/* A 429 waits the server's retry_after_ms (plus a little), not the backoff;
 * a refusal drops the message, tells the owner, and the next one goes. */
static void test_rate_limit_and_refusal(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = &fx->fake;
	int attempts;
	int64_t wait, took;

	queue(fx, "!a:x", "a1");
	queue(fx, "!a:x", "a2");
	outbox_hold(fx->ob, 0);
	answer(f, 0, MX_RETRY, 429, 300);
	head_of(fx, "!a:x", "a1", &attempts, &wait);
	assert_int_equal(attempts, 1);
	assert_in_range(wait, 200, 350);
	took = run_until(fx, 2);
	assert_in_range(took, 250, 2500);
	assert_string_equal(f->v[1].txn, "a1");

	/* a long retry_after is waited in full, not cut to the backoff's cap */
	answer(f, 1, MX_RETRY, 429, 120000);
	head_of(fx, "!a:x", "a1", &attempts, &wait);
	assert_int_equal(attempts, 2);
	assert_in_range(wait, 119000, 120100);
	assert_int_equal(f->n, 2);

	outbox_wake(fx->ob);
	assert_int_equal(f->n, 3);
	answer(f, 2, MX_REFUSED, 413, -1);
	assert_string_equal(f->refused_txn, "a1");
	assert_int_equal(f->refused_http, 413);
	assert_int_equal(f->n, 4);
	assert_string_equal(f->v[3].txn, "a2");
	assert_int_equal(store_outbox_pending(fx->st), 1);
}

/* A send that cannot start is tried again later, not lost; freeing the
 * outbox cancels what is in flight. */
static void test_start_failure_and_free(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = &fx->fake;

	queue(fx, "!a:x", "a1");
	f->refuse_start = 1;
	outbox_hold(fx->ob, 0);
	assert_int_equal(f->n, 0);
	assert_int_equal(outbox_in_flight(fx->ob), 0);
	f->refuse_start = 0;
	outbox_kick(fx->ob);
	assert_int_equal(f->n, 1);
	outbox_free(fx->ob);
	fx->ob = NULL;
	assert_true(f->v[0].cancelled);
	assert_int_equal(store_outbox_pending(fx->st), 1);     /* goes next start */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_and_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_failure_and_free, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
