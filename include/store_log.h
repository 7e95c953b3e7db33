/*
 * store_log.h - the per-issue log (SPEC §3): every message kept from an
 * issue room plus notes, decisions, action items and actors' positions,
 * with full-text search over it.  The engine core keeps, edits, redacts
 * and purges entries; the log commands and the digest read them.
 * Knows nothing of Matrix or of commands.
 */
#ifndef CAUCUS_STORE_LOG_H
#define CAUCUS_STORE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Keep one log entry.  kind is one of "message", "note", "decision",
 * "action", "position".  event_id may be NULL (console); an entry whose
 * event_id is already kept is not added again: then 0 is returned with
 * *id_out set to the existing entry.  id_out may be NULL.  Returns 0 or -1.
 * Keeps none of its arguments.
 */
int store_log_add(struct store *st, int64_t issue_id, const char *room_id,
		  const char *event_id, const char *sender, const char *kind,
		  const char *body, int64_t ts_ms, int64_t *id_out);

/* An edit: the entry kept for event_id takes 'body' and edited_ms = ts_ms.
 * No entry for event_id is not an error.  Returns 0 or -1. */
int store_log_edit(struct store *st, const char *event_id, const char *body,
		   int64_t ts_ms);

/* A redaction: the entry kept for event_id is deleted, with the action
 * item or position it recorded (the full-text index follows by trigger).
 * No entry for event_id is not an error.  Returns 0 or -1. */
int store_log_redact(struct store *st, const char *event_id);

/* Retention: delete entries older than before_ms, with the positions and
 * closed action items recorded before then; open action items stay (they
 * are still owed).  Returns 0 or -1. */
int store_log_purge(struct store *st, int64_t before_ms);

#endif
