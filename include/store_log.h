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
#include "util.h"

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

/* An edit by sender in room_id: the entry kept for event_id, if sender
 * wrote it in that room, takes 'body' and edited_ms = ts_ms.
 * No entry for event_id is not an error.  Returns 0 or -1. */
int store_log_edit(struct store *st, const char *room_id, const char *event_id,
		   const char *sender, const char *body, int64_t ts_ms);

/* The entry sender kept for event_id in room_id: 0 with its kind (caller
 * frees) and the action item it made (0: none) in *action_id; 1 when
 * there is none; -1 on error. */
int store_log_recorded(struct store *st, const char *room_id, const char *event_id,
		       const char *sender, char **kind, int64_t *action_id);

/* A redaction in room_id: the entry kept for event_id in that room is
 * deleted, with the action item or position it recorded; the full-text
 * index follows by trigger and is merged so no deleted term stays in it.
 * No entry for event_id is not an error.  Returns 0 or -1. */
int store_log_redact(struct store *st, const char *room_id, const char *event_id);

/* Retention: delete entries older than before_ms, with the positions and
 * closed action items recorded before then; open action items stay (they
 * are still owed).  Returns 0 or -1. */
int store_log_purge(struct store *st, int64_t before_ms);

/*
 * Reads.  Every list below owns its strings; release it with its
 * *_release function (which also resets it, so it can be reused).  The
 * readers append to the list they are given and return 0 or -1.
 *
 * 'viewer' (may be NULL: no filter) keeps only entries kept in a room
 * where that user is a joined member: SPEC §4, nothing logged in one room
 * is shown to someone who is not in it.  It fails closed: an entry with
 * no room, or kept in a room whose members are unknown (the bot left it),
 * is shown to no viewer.  'room_id' (may be NULL) keeps only entries kept
 * in that room.  The same two filters apply to action items and
 * positions, by the room each was recorded in.
 */
struct log_entry {
	int64_t id;
	int64_t issue_id;
	char *issue;            /* the issue's slug */
	char *room_id;
	char *sender;
	char *kind;
	char *body;             /* search results: a snippet, see store_log_search */
	int64_t ts_ms;
	int64_t edited_ms;      /* 0 when never edited */
};

struct log_list {
	struct log_entry *v;
	size_t n;
};
void store_log_list_release(struct log_list *l);

/* The last n entries of issue_id, oldest first. */
int store_log_last(struct store *st, int64_t issue_id, const char *viewer, size_t n,
		   struct log_list *out);

/* Entries of one kind (one commands make: not "message") of issue_id
 * with since_ms <= ts_ms < until_ms, oldest first, at most 'limit'. */
int store_log_kind_range(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, const char *kind, int64_t since_ms,
			 int64_t until_ms, size_t limit, struct log_list *out);
/* How many entries store_log_kind_range would give with no limit. */
int store_log_kind_count(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, const char *kind, int64_t since_ms,
			 int64_t until_ms, size_t *count);

/*
 * Ordinary messages of issue_id in [since_ms, until_ms): their number in
 * *messages, every entry of any kind in *entries, and the distinct
 * senders of any kind, most active first, appended to people.
 */
int store_log_activity(struct store *st, int64_t issue_id, const char *room_id,
		       const char *viewer, int64_t since_ms, int64_t until_ms,
		       int64_t *messages, int64_t *entries, struct strv *people);

/* A search ranks the newest SEARCH_POOL matches and counts up to
 * SEARCH_COUNT_MAX + 1, so its cost does not grow with the log. */
#define SEARCH_POOL 300
#define SEARCH_COUNT_MAX 400

/*
 * Full-text search.  'match' is an FTS5 query the caller built safely
 * (never raw user text).  Entries of issue_id (0: every issue) that viewer
 * may see: of the newest SEARCH_POOL that match, the best first, at most
 * 'limit'; *total (may be NULL) gets how many matched in all, or
 * SEARCH_COUNT_MAX + 1 when there are more than SEARCH_COUNT_MAX (with
 * limit 0 nothing is shown, so nothing is counted: 0).  Each body is a snippet in which the matches
 * sit between the bytes 0x02 and 0x03, so a caller can highlight them
 * after escaping.  Returns 0, or -1 when the store failed or FTS5 refused
 * the query: then *bad_query (may be NULL) is 1 for a refused query.
 */
int store_log_search(struct store *st, const char *match, int64_t issue_id,
		     const char *viewer, size_t limit, struct log_list *out,
		     size_t *total, int *bad_query);

/* ---- action items (numbered by their own ID) ---- */

struct action_item {
	int64_t id;
	int64_t issue_id;
	char *issue;            /* the issue's slug */
	char *room_id;          /* where it was recorded (NULL: unknown) */
	char *assignee;
	char *text;
	char *created_by;
	int64_t created_ms;
	int64_t done_ms;        /* 0 while open */
	char *done_by;          /* NULL while open */
};

struct action_list {
	struct action_item *v;
	size_t n;
};
void store_action_list_release(struct action_list *l);

/* A new action item recorded in room_id; log_id is its log entry (0:
 * none).  *id_out gets its number. */
int store_action_add(struct store *st, int64_t issue_id, const char *room_id,
		     int64_t log_id, const char *assignee, const char *text,
		     const char *created_by, int64_t created_ms, int64_t *id_out);
/* Action item 'id' appended to out: 0 found, 1 absent, -1 error. */
int store_action_get(struct store *st, int64_t id, struct action_list *out);
/* Close it: 0 closed, 1 absent or already closed, -1 error. */
int store_action_done(struct store *st, int64_t id, const char *done_by, int64_t ts_ms);
/* Open items of issue_id (0: every issue), oldest first, filtered by
 * room_id and viewer as above. */
int store_action_open(struct store *st, int64_t issue_id, const char *room_id,
		      const char *viewer, struct action_list *out);
/* Items of issue_id opened or closed in [since_ms, until_ms), oldest first. */
int store_action_changed(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, int64_t since_ms, int64_t until_ms,
			 struct action_list *out);

/* ---- positions ---- */

struct position {
	int64_t id;
	int64_t issue_id;
	char *actor;            /* as last spelt */
	char *stance;
	char *text;             /* may be NULL */
	char *sender;
	int64_t ts_ms;
	char *before;           /* the actor's stance before this one, or NULL */
};

struct position_list {
	struct position *v;
	size_t n;
};
void store_position_list_release(struct position_list *l);

/* Record a stance, in room_id; log_id is its log entry (0: none).  Actors
 * compare case-insensitively ("cept" is CEPT). */
int store_position_add(struct store *st, int64_t issue_id, const char *room_id,
		       int64_t log_id, const char *actor, const char *stance, const char *text,
		       const char *sender, int64_t ts_ms, int64_t *id_out);
/* The latest stance of every actor on issue_id, by actor name, among the
 * stances room_id and viewer let through (the "before" too). */
int store_position_latest(struct store *st, int64_t issue_id, const char *room_id,
			  const char *viewer, struct position_list *out);
/* Stances recorded on issue_id in [since_ms, until_ms), oldest first, each
 * with the stance it replaced. */
int store_position_range(struct store *st, int64_t issue_id, const char *room_id,
			 const char *viewer, int64_t since_ms, int64_t until_ms,
			 struct position_list *out);

#endif
