/*
 * loop.c - the one event loop (STYLE "The daemon"): a sorted list of
 * timers on CLOCK_MONOTONIC, known to their owners by id, and a self-pipe
 * the signal handlers write to.
 * Handlers only set a flag and write a byte; everything else happens in
 * loop_run(), between waits.  The waiting itself is the caller's poll
 * function, so libcurl's sockets and our pipe share one curl_multi_poll.
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

struct loop_timer {
	int64_t at;
	uint64_t seq;           /* also the timer's id */
	loop_timer_fn fn;
	void *ud;
	struct loop_timer *next;
};

struct loop {
	struct loop_timer *timers;      /* sorted by (at, seq) */
	uint64_t seq;           /* the next id; ids start at 1 */
	int pipe[2];
	int stopped;
	loop_signal_fn on_signal;
	void *signal_ud;
};

static volatile sig_atomic_t got_term, got_hup;
static int signal_pipe = -1;

static void on_signal(int sig)
{
	int saved = errno;
	char c = 's';

	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
	if (signal_pipe >= 0 && write(signal_pipe, &c, 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

int64_t loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_backoff_ms(int attempt, int64_t first_ms, int64_t max_ms)
{
	int64_t ms = first_ms;

	for (int i = 1; i < attempt && ms < max_ms; i++)
		ms *= 2;
	return ms > max_ms ? max_ms : ms;
}

int64_t loop_jitter(int64_t ms)
{
	return ms * 3 / 4 + random() % (ms / 2 + 1);
}

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	struct sigaction sa;

	l->seq = 1;

	if (pipe(l->pipe) < 0 || set_flags(l->pipe[0]) < 0 || set_flags(l->pipe[1]) < 0) {
		log_error("loop: cannot create the signal pipe: %s", strerror(errno));
		free(l);
		return NULL;
	}
	got_term = got_hup = 0;
	signal_pipe = l->pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return l;
}

void loop_free(struct loop *l)
{
	struct loop_timer *t, *next;
	struct sigaction sa;

	if (!l)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal_pipe = -1;
	for (t = l->timers; t; t = next) {
		next = t->next;
		free(t);
	}
	close(l->pipe[0]);
	close(l->pipe[1]);
	free(l);
}

uint64_t loop_timer_add(struct loop *l, int64_t after_ms, loop_timer_fn fn, void *ud)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t)), **pp;

	t->at = loop_now() + (after_ms > 0 ? after_ms : 0);
	t->seq = l->seq++;
	t->fn = fn;
	t->ud = ud;
	for (pp = &l->timers; *pp && (*pp)->at <= t->at; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t->seq;
}

void loop_timer_cancel(struct loop *l, uint64_t id)
{
	struct loop_timer **pp, *t;

	if (!id)
		return;
	for (pp = &l->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->seq == id) {
			t = *pp;
			*pp = t->next;
			free(t);
			return;
		}
	}
}

int loop_timer_pending(const struct loop *l, uint64_t id)
{
	for (const struct loop_timer *t = l->timers; id && t; t = t->next)
		if (t->seq == id)
			return 1;
	return 0;
}

void loop_on_signal(struct loop *l, loop_signal_fn fn, void *ud)
{
	l->on_signal = fn;
	l->signal_ud = ud;
}

void loop_stop(struct loop *l)
{
	l->stopped = 1;
}

static void drain_signals(struct loop *l)
{
	char tmp[64];
	unsigned sigs = 0;

	while (read(l->pipe[0], tmp, sizeof(tmp)) > 0)
		;
	if (got_term) {
		got_term = 0;
		sigs |= LOOP_SIG_TERM;
	}
	if (got_hup) {
		got_hup = 0;
		sigs |= LOOP_SIG_HUP;
	}
	if (sigs && l->on_signal)
		l->on_signal(l->signal_ud, sigs);
}

/* Fire the timers due now; ones added meanwhile wait for the next turn. */
static void run_timers(struct loop *l)
{
	int64_t now = loop_now();
	uint64_t limit = l->seq;

	while (!l->stopped && l->timers && l->timers->at <= now && l->timers->seq < limit) {
		struct loop_timer *t = l->timers;
		l->timers = t->next;
		t->fn(t->ud);
		free(t);
	}
}

int loop_run(struct loop *l, loop_poll_fn poll_fn, void *ud)
{
	while (!l->stopped) {
		int timeout = -1;

		if (l->timers) {
			int64_t d = l->timers->at - loop_now();
			timeout = d <= 0 ? 0 : d > 3600000 ? 3600000 : (int)d;
		}
		if (got_term || got_hup)
			timeout = 0;
		if (poll_fn(ud, l->pipe[0], timeout))
			return -1;
		drain_signals(l);
		if (l->stopped)
			break;
		run_timers(l);
	}
	return 0;
}
