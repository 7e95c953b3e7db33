/*
 * log.h - one line per event on standard error, with a level and a time.
 * Secrets never reach this module: callers log IDs, never tokens or keys.
 */
#ifndef CAUCUS_LOG_H
#define CAUCUS_LOG_H

#include "util.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
int log_enabled(enum log_level lvl);    /* 1 when lines of lvl are written */

/* Start each line with its syslog priority ("<4>warn ...") instead of the
 * time: on when JOURNAL_STREAM names standard error, unless this says
 * otherwise. */
void log_set_journal(int on);

/* fn(ud, level, text) for every warning and error, after it is written;
 * text is the message alone, borrowed for the call.  NULL removes it. */
typedef void (*log_sink_fn)(void *ud, enum log_level lvl, const char *text);
void log_set_sink(log_sink_fn fn, void *ud);
void log_msg(enum log_level lvl, const char *fmt, ...) PRINTF_LIKE(2, 3);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
