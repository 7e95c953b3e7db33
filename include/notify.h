/*
 * notify.h - the systemd notify protocol (sd_notify(3), SPEC §6): READY,
 * RELOADING, STOPPING, WATCHDOG and STATUS.  Without NOTIFY_SOCKET every
 * call is a no-op, so the daemon calls them unconditionally.
 */
#ifndef CAUCUS_NOTIFY_H
#define CAUCUS_NOTIFY_H

#include <stdint.h>

void notify_ready(void);        /* READY=1 */
void notify_reloading(void);    /* RELOADING=1 with MONOTONIC_USEC */
void notify_stopping(void);     /* STOPPING=1 */
void notify_watchdog(void);     /* WATCHDOG=1 */

/* STATUS=<line>: one line (newlines become spaces); sent only when it
 * changed since the last one. */
void notify_status(const char *line);

/* Milliseconds between WATCHDOG=1 pings (half of WATCHDOG_USEC), or 0
 * when the service manager does not watch this process. */
int64_t notify_watchdog_interval_ms(void);

#endif
