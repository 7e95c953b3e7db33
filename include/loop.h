/*
 * loop.h - the daemon's one event loop: timers on CLOCK_MONOTONIC and
 * signals turned into bytes on a self-pipe.  It does not wait by itself:
 * the caller's poll function (the HTTP layer's curl_multi_poll) waits on
 * its own sockets plus the descriptor loop_run() hands it (the self-pipe),
 * so network, signals and timers share one wait.  Knows nothing of HTTP, Matrix or commands.
 */
#ifndef CAUCUS_LOOP_H
#define CAUCUS_LOOP_H

#include <stdint.h>

struct loop;

/* Signals the loop reports (a bit mask). */
#define LOOP_SIG_TERM 1u        /* SIGTERM or SIGINT */
#define LOOP_SIG_HUP 2u

typedef void (*loop_timer_fn)(void *ud);
typedef void (*loop_signal_fn)(void *ud, unsigned sigs);
/*
 * Wait at most timeout_ms (-1: no limit) for the caller's own events or
 * for 'fd' to become readable, and handle what came.  Returns 0, or -1 on
 * a failure that should stop the loop.
 */
typedef int (*loop_poll_fn)(void *ud, int fd, int timeout_ms);

/*
 * A new loop; installs handlers for SIGTERM, SIGINT and SIGHUP (one loop
 * per process) and ignores SIGPIPE.  Free with loop_free().
 */
struct loop *loop_new(void);
void loop_free(struct loop *l);         /* NULL is a no-op; frees pending timers */

/* Milliseconds on CLOCK_MONOTONIC: what timers wait on. */
int64_t loop_now(void);
/* Milliseconds since the epoch (CLOCK_REALTIME): what the store keeps. */
int64_t loop_wall_ms(void);

/*
 * The wait before try number 'attempt' (1, 2, ...) after failures in a
 * row: first_ms doubled each time, at most max_ms.  loop_jitter() spreads
 * a wait over 75%..125% (random()) so clients do not retry in step.
 */
int64_t loop_backoff_ms(int attempt, int64_t first_ms, int64_t max_ms);
int64_t loop_jitter(int64_t ms);

/*
 * Call fn(ud) once, after_ms from now.  Returns the timer's id, never 0
 * and never handed out twice by one loop, so an owner may keep it after
 * the timer fired: cancelling a stale id is harmless.  The loop owns the
 * timer and frees it after it fires or when cancelled.  Timers due at the
 * same time fire in the order they were added.
 */
uint64_t loop_timer_add(struct loop *l, int64_t after_ms, loop_timer_fn fn, void *ud);
/* Cancel timer id; 0, or an id that fired or was cancelled, is a no-op. */
void loop_timer_cancel(struct loop *l, uint64_t id);
/* 1 while timer id waits to fire; 0 once it fired (already inside its
 * callback) or was cancelled. */
int loop_timer_pending(const struct loop *l, uint64_t id);

void loop_on_signal(struct loop *l, loop_signal_fn fn, void *ud);

/*
 * Run until loop_stop() (also one called before loop_run): wait through
 * poll_fn, then hand signals to the signal function, then fire due
 * timers.  Returns 0 after loop_stop(), -1 when poll_fn failed.
 */
int loop_run(struct loop *l, loop_poll_fn poll_fn, void *ud);
void loop_stop(struct loop *l);

#endif
