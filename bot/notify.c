/*
 * notify.c - tells systemd what the daemon is doing (sd_notify(3)): ready
 * after its first sync, reloading, stopping, alive (the watchdog) and a
 * one-line status.  The only file that includes libsystemd; nothing here
 * knows of Matrix or of the store.
 */
#include "notify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "util.h"

#define STATUS_MAX 200

static char last_status[STATUS_MAX + 1];

static void send_state(const char *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		log_debug("notify: cannot tell the service manager '%.40s': %s", state,
			  strerror(-rc));
}

void notify_ready(void)
{
	send_state("READY=1");
}

void notify_reloading(void)
{
	struct timespec ts;
	char *msg;

	/* systemd matches the reload by this stamp (Type=notify-reload) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	msg = xasprintf("RELOADING=1\nMONOTONIC_USEC=%llu",
			(unsigned long long)ts.tv_sec * 1000000ull +
			(unsigned long long)ts.tv_nsec / 1000);
	send_state(msg);
	free(msg);
}

void notify_stopping(void)
{
	send_state("STOPPING=1");
}

void notify_watchdog(void)
{
	send_state("WATCHDOG=1");
}

void notify_status(const char *line)
{
	char one[STATUS_MAX + 1];
	size_t i;
	char *msg;

	for (i = 0; line[i] && i < STATUS_MAX; i++)
		one[i] = line[i] == '\n' || line[i] == '\r' ? ' ' : line[i];
	one[i] = '\0';
	if (!strcmp(one, last_status))
		return;
	memcpy(last_status, one, i + 1);
	msg = xasprintf("STATUS=%s", one);
	send_state(msg);
	free(msg);
}

int64_t notify_watchdog_interval_ms(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	return (int64_t)(usec / 2000) > 0 ? (int64_t)(usec / 2000) : 1;
}
