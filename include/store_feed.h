/*
 * store_feed.h - the iCalendar feeds the bot follows (SPEC §3 Feeds, §2
 * !feed / !feeds) and, for each, which session every event became: a
 * feed item maps (feed, UID, RECURRENCE-ID) to a session and keeps what
 * the feed last said about it.  Knows nothing of HTTP, iCalendar or
 * Matrix: feed.c decides, this file only keeps.
 */
#ifndef CAUCUS_STORE_FEED_H
#define CAUCUS_STORE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* A feed and its state.  The struct owns its strings (NULL when absent);
 * store_feed_release() frees them. */
struct feed {
	int64_t id;
	char *url;
	char *issue;            /* the issue it names (slug), or NULL: match rules */
	int from_config;        /* a [[feed]] of the configuration file */
	char *added_by;
	int64_t added_ms;
	char *etag, *last_modified;     /* validators of the last good answer */
	int64_t last_fetch_ms, last_ok_ms;
	char *last_error;       /* NULL when the last fetch went well */
	int64_t failures;       /* failed fetches in a row */
	int down_told;          /* the coordination room was told it is failing */
	int64_t fetches;        /* fetches so far: numbers each fetch's notices */
	int64_t events_seen, sessions_made, skipped_unmatched, skipped_other;
	char *skip_note;        /* why the other skipped events were skipped, or NULL */
};
void store_feed_release(struct feed *f);

struct feed_list {
	struct feed *v;
	size_t n;
};
void store_feed_list_release(struct feed_list *l);      /* frees all */

/* Follow url (copied; issue may be NULL).  0 added (*id its number), 1
 * already followed (*id the existing feed), -1 error. */
int store_feed_add(struct store *st, const char *url, const char *issue, int from_config,
		   const char *added_by, int64_t now_ms, int64_t *id);

/* Every feed by number, appended to out.  0 or -1. */
int store_feed_list(struct store *st, struct feed_list *out);

/* Feed 'id': 0 found (release *out), 1 absent, -1 error. */
int store_feed_get(struct store *st, int64_t id, struct feed *out);

/* Stop following feed 'id'; its sessions stay, as ordinary sessions.
 * 0 removed, 1 absent, -1 error. */
int store_feed_remove(struct store *st, int64_t id);

/* Write back f's state (validators, counters, error, notices told).  The
 * URL, issue and origin are not changed.  0 or -1. */
int store_feed_save(struct store *st, const struct feed *f);

/*
 * Make the configuration's feeds (urls[i] for issues[i], which may be
 * NULL) the from_config ones: new ones are added, their issue updated, and
 * configured feeds no longer listed are removed.  A feed added with !feed
 * add that the file now lists becomes a configured one.  0 or -1.
 */
int store_feed_sync_config(struct store *st, const char *const *urls,
			   const char *const *issues, size_t n, const char *added_by,
			   int64_t now_ms);

/* ---- items ---- */

/* One event (or occurrence) of a feed and its session; owns its strings. */
struct feed_item {
	char *uid;
	int64_t recurrence_s;   /* 0: not an occurrence of a recurring event */
	int64_t session_id;
	int64_t start_s, end_s; /* what the feed last said */
	char *title;
	char *place;            /* or NULL */
	int cancelled;          /* the feed cancelled it, or it left the feed */
	int by_hand;            /* moved by hand (!move) since the feed set it */
};
struct feed_item_list {
	struct feed_item *v;
	size_t n;
};
void store_feed_item_list_release(struct feed_item_list *l);    /* frees all */

/* Every item of feed_id, by UID then occurrence, appended to out.  0 or -1. */
int store_feed_items(struct store *st, int64_t feed_id, struct feed_item_list *out);

/* Insert or replace the item (feed_id, it->uid, it->recurrence_s); strings
 * are copied.  0 or -1. */
int store_feed_item_put(struct store *st, int64_t feed_id, const struct feed_item *it);

/* Session 'id' was moved by hand: the feeds' later changes to it are
 * announced, not applied.  0 (also when no feed made it) or -1. */
int store_feed_by_hand(struct store *st, int64_t session_id);

/*
 * What the feed now says of session 'id': title, place (may be NULL) and
 * times; a cancelled session is live again.  The SEQUENCE goes up when the
 * times or the place changed.  0 or -1.
 */
int store_feed_session_set(struct store *st, int64_t id, const char *title, const char *place,
			   int64_t start_s, int64_t end_s, int64_t now_ms);

#endif
