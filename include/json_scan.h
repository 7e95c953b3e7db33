/*
 * json_scan.h - reading a server's answer that cJSON refuses as a whole
 * (one event nested 1,000 deep, one string with a broken escape), so that
 * one bad event costs that event, not the whole batch.  A flat scanner:
 * no recursion, so no depth can exhaust the stack.  Knows nothing of
 * Matrix beyond the names of the arrays that hold events.
 */
#ifndef CAUCUS_JSON_SCAN_H
#define CAUCUS_JSON_SCAN_H

#include <stddef.h>

/* Deeper than this, an event is not one the bot can use. */
#define JSON_EVENT_MAX_DEPTH 64

/*
 * The document s[0..len) with each element of an "events" or "chunk"
 * array that cannot be read on its own (nested deeper than max_depth, or
 * not valid JSON) replaced by null.  *n_dropped gets how many were.
 * NULL when the document is broken outside such elements (unbalanced,
 * cut short).  Caller frees; *out_len (may be NULL) gets the length.
 */
char *json_drop_bad_events(const char *s, size_t len, int max_depth, size_t *n_dropped,
			   size_t *out_len);

/*
 * The string value of the top-level member 'key' of s[0..len), read
 * without parsing the rest (a /sync's next_batch, a /messages page's end),
 * or NULL when it is absent, not a plain string (escapes are refused) or
 * the document is broken before it.  Caller frees.
 */
char *json_top_string(const char *s, size_t len, const char *key);

#endif
