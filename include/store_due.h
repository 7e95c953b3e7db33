/*
 * store_due.h - which due events (session and personal reminders, digests)
 * were handed out, by key, so that each leaves at most once even across a
 * restart.  The jobs that find events due and the engine core that hands
 * them out are the callers.  Knows nothing of Matrix or of commands.
 */
#ifndef CAUCUS_STORE_DUE_H
#define CAUCUS_STORE_DUE_H

#include <stdint.h>

#include "store.h"

/* Due events handed out: 1 when 'key' is recorded, 0 when not, -1 error.
 * Keeps nothing. */
int store_due_done(struct store *st, const char *key);
/* Record 'key' with outcome "sent", "late" or "dropped" (idempotent: the
 * first outcome recorded stays).  Keeps nothing.  0 or -1. */
int store_due_mark(struct store *st, const char *key, const char *outcome, int64_t now_ms);

#endif
