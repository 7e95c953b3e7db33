/*
 * log.c - the daemon's log: standard error, one line each, "time level
 * message".  No buffering games: a crash must not lose the last lines.
 * Under systemd (JOURNAL_STREAM naming stderr, SPEC §6) each line starts with its
 * syslog priority instead of the time, so journald keeps the level and
 * stamps the line itself.  Warnings and errors also go to one sink, which
 * the daemon uses to keep the last ones for "caucus status".
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static int journal = -1;        /* -1: not looked at yet */
static log_sink_fn sink;
static void *sink_ud;
static int in_sink;

void log_set_sink(log_sink_fn fn, void *ud)
{
	sink = fn;
	sink_ud = ud;
}

void log_set_journal(int on)
{
	journal = on;
}

/* systemd.exec(5): JOURNAL_STREAM is "DEV:INODE" of the stream it gave us;
 * only when standard error still is that stream does journald read it
 * (not when the output was redirected to a file). */
static int stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char *end;

	if (!v || !*v)
		return 0;
	dev = strtoull(v, &end, 10);
	if (*end != ':')
		return 0;
	ino = strtoull(end + 1, &end, 10);
	if (*end || fstat(STDERR_FILENO, &sb))
		return 0;
	return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void log_set_level(enum log_level lvl)
{
	min_level = lvl;
}

int log_enabled(enum log_level lvl)
{
	return lvl >= min_level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	static const char prio[] = { '7', '6', '4', '3' };     /* syslog priorities */
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (lvl < min_level)
		return;
	if (journal < 0)
		journal = stderr_is_journal();
	if (journal) {
		fprintf(stderr, "<%c>%s ", prio[lvl], names[lvl]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s %s ", stamp, names[lvl]);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (sink && lvl >= LOG_WARN && !in_sink) {
		char *line;
		va_start(ap, fmt);
		line = xvasprintf(fmt, ap);
		va_end(ap);
		in_sink = 1;    /* what the sink logs itself does not come back to it */
		sink(sink_ud, lvl, line);
		in_sink = 0;
		free(line);
	}
}
