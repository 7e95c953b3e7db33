/*
 * test_loop.c - the event loop (bot/loop.c): timers fire in time order,
 * ties in the order they were added; ids make a stale cancel harmless;
 * a signal reaches the handler through the self-pipe the poll function
 * waits on; the backoff helpers stay in their bounds.  The poll function
 * here is a plain poll() on the loop's descriptor.
 */
#include "testutil.h"

#include <poll.h>
#include <signal.h>

#include "loop.h"

struct rec {
	struct loop *l;
	char order[32];
	size_t n;
	int stop_after;         /* stop the loop after this many fired */
	unsigned sigs;
	int pipe_readable;      /* the poll function saw the loop's fd readable */
	int polls;
};

struct mark {
	struct rec *r;
	char c;
};

static void on_mark(void *ud)
{
	struct mark *m = ud;

	m->r->order[m->r->n++] = m->c;
	if ((int)m->r->n == m->r->stop_after)
		loop_stop(m->r->l);
}

static int wait_fd(void *ud, int fd, int timeout_ms)
{
	struct rec *r = ud;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	r->polls++;
	if (poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN))
		r->pipe_readable = 1;
	return 0;
}

static int failing_poll(void *ud, int fd, int timeout_ms)
{
	(void)ud;
	(void)fd;
	(void)timeout_ms;
	return -1;
}

/* A safety net: a test that waits for something that never comes fails. */
static void on_too_long(void *ud)
{
	struct rec *r = ud;

	r->order[r->n++] = '!';
	loop_stop(r->l);
}

static void test_timer_order(void **state)
{
	struct rec r = { .stop_after = 5 };
	struct mark a = { &r, 'a' }, b = { &r, 'b' }, c = { &r, 'c' }, d = { &r, 'd' },
		    e = { &r, 'e' };

	(void)state;
	r.l = loop_new();
	assert_non_null(r.l);
	loop_timer_add(r.l, 30, on_mark, &a);
	loop_timer_add(r.l, 10, on_mark, &b);
	loop_timer_add(r.l, 20, on_mark, &c);
	loop_timer_add(r.l, 10, on_mark, &d);   /* same time as b: after it */
	loop_timer_add(r.l, -5, on_mark, &e);   /* in the past: at once */
	loop_timer_add(r.l, 5000, on_too_long, &r);
	assert_int_equal(loop_run(r.l, wait_fd, &r), 0);
	r.order[r.n] = '\0';
	assert_string_equal(r.order, "ebdca");
	loop_free(r.l);
}

static void add_zero(void *ud)
{
	struct mark *m = ud;

	on_mark(ud);
	if (m->c == 'x') {
		/* added while the loop fires timers: waits for the next turn */
		static struct mark y;
		y = (struct mark){ m->r, 'y' };
		loop_timer_add(m->r->l, 0, on_mark, &y);
	}
}

static void test_added_in_callback_waits_a_turn(void **state)
{
	struct rec r = { .stop_after = 3 };
	struct mark x = { &r, 'x' }, z = { &r, 'z' };

	(void)state;
	r.l = loop_new();
	loop_timer_add(r.l, 0, add_zero, &x);
	loop_timer_add(r.l, 0, on_mark, &z);
	loop_timer_add(r.l, 5000, on_too_long, &r);
	assert_int_equal(loop_run(r.l, wait_fd, &r), 0);
	r.order[r.n] = '\0';
	assert_string_equal(r.order, "xzy");
	loop_free(r.l);
}

struct canceller {
	struct rec *r;
	uint64_t victim;
};

static void cancel_other(void *ud)
{
	struct canceller *k = ud;

	k->r->order[k->r->n++] = 'k';
	loop_timer_cancel(k->r->l, k->victim);
}

static struct mark b_mark, c_mark, d_mark;
static struct canceller k_cancel;
static uint64_t first_id;

/* The first timer fired: its id is stale now, inside its callback too. */
static void after_first(void *ud)
{
	struct rec *r = ud;
	uint64_t tb, tc;

	r->order[r->n++] = 'a';
	assert_false(loop_timer_pending(r->l, first_id));
	b_mark = (struct mark){ r, 'b' };
	c_mark = (struct mark){ r, 'c' };
	d_mark = (struct mark){ r, 'd' };
	tb = loop_timer_add(r->l, 0, on_mark, &b_mark);
	tc = loop_timer_add(r->l, 20, on_mark, &c_mark);
	assert_true(tb != first_id && tc != first_id && tb != tc);
	/* cancelling the stale id touches none of the new timers */
	loop_timer_cancel(r->l, first_id);
	loop_timer_cancel(r->l, first_id);
	assert_true(loop_timer_pending(r->l, tb));
	assert_true(loop_timer_pending(r->l, tc));
	/* one cancelled twice, one cancelled by another timer's callback */
	loop_timer_cancel(r->l, tb);
	loop_timer_cancel(r->l, tb);
	assert_false(loop_timer_pending(r->l, tb));
	k_cancel = (struct canceller){ .r = r, .victim = tc };
	loop_timer_add(r->l, 5, cancel_other, &k_cancel);
	loop_timer_add(r->l, 60, on_mark, &d_mark);
}

static void test_cancel_by_id(void **state)
{
	struct rec r = { .stop_after = 3 };

	(void)state;
	r.l = loop_new();
	loop_timer_cancel(r.l, 0);              /* "no timer": a no-op */
	first_id = loop_timer_add(r.l, 0, after_first, &r);
	assert_true(first_id != 0);
	assert_true(loop_timer_pending(r.l, first_id));
	loop_timer_add(r.l, 5000, on_too_long, &r);
	assert_int_equal(loop_run(r.l, wait_fd, &r), 0);
	r.order[r.n] = '\0';
	assert_string_equal(r.order, "akd");  /* neither b nor c fired */
	loop_free(r.l);
}

static void on_sig(void *ud, unsigned sigs)
{
	struct rec *r = ud;

	r->sigs |= sigs;
	if (sigs & LOOP_SIG_TERM)
		loop_stop(r->l);
}

/* A signal sets a flag and writes to the pipe the poll function waits on;
 * the loop hands it to the signal function, HUP and TERM apart. */
static void test_signal_path(void **state)
{
	struct rec r = { 0 };

	(void)state;
	r.l = loop_new();
	loop_on_signal(r.l, on_sig, &r);
	loop_timer_add(r.l, 5000, on_too_long, &r);
	raise(SIGHUP);
	raise(SIGTERM);
	assert_int_equal(loop_run(r.l, wait_fd, &r), 0);
	assert_int_equal(r.sigs, LOOP_SIG_HUP | LOOP_SIG_TERM);
	assert_true(r.pipe_readable);
	assert_int_equal(r.n, 0);               /* not stopped by the safety net */
	assert_int_equal(r.polls, 1);           /* no waiting with a signal pending */

	loop_free(r.l);

	/* HUP alone does not stop the loop: the timer after it still fires */
	memset(&r, 0, sizeof(r));
	r.l = loop_new();
	loop_on_signal(r.l, on_sig, &r);
	r.stop_after = 1;
	raise(SIGHUP);
	loop_timer_add(r.l, 20, on_mark, &(struct mark){ &r, 'h' });
	assert_int_equal(loop_run(r.l, wait_fd, &r), 0);
	assert_int_equal(r.sigs, LOOP_SIG_HUP);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], 'h');
	loop_free(r.l);
}

static void test_stop_and_poll_failure(void **state)
{
	struct rec r = { 0 };

	(void)state;
	r.l = loop_new();
	loop_stop(r.l);                         /* before loop_run: returns at once */
	assert_int_equal(loop_run(r.l, wait_fd, &r), 0);
	assert_int_equal(r.polls, 0);
	loop_free(r.l);
	r.l = loop_new();
	assert_int_equal(loop_run(r.l, failing_poll, &r), -1);
	loop_free(r.l);
	loop_free(NULL);
}

static void test_backoff(void **state)
{
	static const struct {
		int attempt;
		int64_t want;
	} cases[] = {
		{ 0, 1000 }, { 1, 1000 }, { 2, 2000 }, { 3, 4000 }, { 4, 8000 },
		{ 5, 15000 }, { 6, 15000 }, { 1000000, 15000 },
	};
	int64_t lo = INT64_MAX, hi = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(loop_backoff_ms(cases[i].attempt, 1000, 15000), cases[i].want);
	for (int i = 0; i < 2000; i++) {
		int64_t j = loop_jitter(1000);
		lo = j < lo ? j : lo;
		hi = j > hi ? j : hi;
	}
	assert_true(lo >= 750 && hi <= 1250);
	assert_true(hi - lo > 250);             /* spread, not one value */
	assert_true(loop_wall_ms() > (int64_t)1600000000 * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_added_in_callback_waits_a_turn),
		cmocka_unit_test(test_cancel_by_id),
		cmocka_unit_test(test_signal_path),
		cmocka_unit_test(test_stop_and_poll_failure),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
