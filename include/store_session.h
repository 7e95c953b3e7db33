/*
 * store_session.h - sessions, their attendees, and the personal reminders
 * of !remind (SPEC §2 "!session" .. "!remind", §3 reminders).  Instants
 * are seconds since the epoch (start_s, end_s, due_s) or milliseconds for
 * bookkeeping (*_ms).  Knows nothing of Matrix or of commands.
 */
#ifndef CAUCUS_STORE_SESSION_H
#define CAUCUS_STORE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* A session with its issue's name and room.  The session owns every
 * string; store_session_release() frees them. */
struct session {
	int64_t id;
	int64_t issue_id;
	char *issue_name;
	char *issue_room;       /* the issue's room, or NULL */
	char *title;
	char *place;            /* NULL when none */
	int64_t start_s, end_s;
	char *created_by;
	int64_t created_ms;
	int64_t updated_ms;     /* when it was scheduled, moved or cancelled */
	int64_t cancelled_ms;   /* 0: not cancelled */
	int64_t sequence;       /* iCalendar SEQUENCE: raised on every move */
	struct strv attendees;  /* user IDs in the order they signed up */
};
void store_session_release(struct session *s);

struct session_list {
	struct session *v;
	size_t n;
};
void store_session_list_release(struct session_list *l);       /* frees all */

/* A new session; strings are copied, place may be NULL.  *id receives its
 * number.  0 or -1. */
int store_session_add(struct store *st, int64_t issue_id, const char *title,
		      const char *place, int64_t start_s, int64_t end_s,
		      const char *created_by, int64_t now_ms, int64_t *id);

/* Session 'id' with its attendees: 0 found (release *out), 1 absent, -1
 * error.  Cancelled sessions are found too (cancelled_ms says so). */
int store_session_get(struct store *st, int64_t id, struct session *out);

/*
 * Live (not cancelled) sessions of issue_id (0: every issue) that have
 * not ended by from_s and start before to_s, by start then number, with
 * their attendees.  With unattended set, only those nobody attends.
 * Appended to out.  0 or -1.
 */
int store_session_list(struct store *st, int64_t issue_id, int64_t from_s,
		       int64_t to_s, int unattended, struct session_list *out);

/* Every session of issue_id that ends after since_s, cancelled ones too
 * (for calendars: a cancelled event must reach the phone as such), by
 * start then number, with their attendees.  Appended to out.  0 or -1. */
int store_session_of_issue(struct store *st, int64_t issue_id, int64_t since_s,
			   struct session_list *out);

/*
 * A member's calendar (SPEC §7): the sessions user_id attends and those of
 * the issues user_id covers, ending after since_s; cancelled ones only if
 * cancelled at or after cancelled_since_ms (a calendar keeps telling
 * phones for a while that they are off).  By start then number, each
 * once, with their attendees.  Appended to out.  0 or -1.
 */
int store_session_of_member(struct store *st, const char *user_id, int64_t since_s,
			    int64_t cancelled_since_ms, struct session_list *out);

/* Live sessions whose issue has a room, starting in [from_s, to_s), for
 * the reminders.  Appended to out.  0 or -1. */
int store_session_starting(struct store *st, int64_t from_s, int64_t to_s,
			   struct session_list *out);

/* Live sessions of issue_id (0: every issue) starting in [from_s, to_s),
 * whether or not their issue has a room (the digest's "next 24 hours"), by
 * start then number, with their attendees.  Appended to out (release
 * with store_session_list_release).  0 or -1. */
int store_session_between(struct store *st, int64_t issue_id, int64_t from_s,
			  int64_t to_s, struct session_list *out);

/* Sessions of issue_id (0: every issue) created, changed or cancelled in
 * [since_ms, until_ms), cancelled ones too, oldest change first, with
 * their attendees (the digest's "Sessions").  Appended to out (release
 * with store_session_list_release).  0 or -1. */
int store_session_changed(struct store *st, int64_t issue_id, int64_t since_ms,
			  int64_t until_ms, struct session_list *out);

/* New times for session 'id' (updated_ms = now_ms, sequence + 1).  0 or -1. */
int store_session_move(struct store *st, int64_t id, int64_t start_s, int64_t end_s,
		       int64_t now_ms);
/* Mark session 'id' cancelled.  0 or -1. */
int store_session_cancel(struct store *st, int64_t id, int64_t now_ms);

/* user_id attends session 'id': 0 added, 1 already attending, -1 error. */
int store_session_attend(struct store *st, int64_t id, const char *user_id,
			 int64_t now_ms);
/* user_id no longer attends: 0 removed, 1 was not attending, -1 error. */
int store_session_skip(struct store *st, int64_t id, const char *user_id);

/* One clash: 'user' attends session 'id' ("title"), which overlaps. */
struct session_clash {
	char *user;
	int64_t id;
	char *title;
	int64_t start_s, end_s;
};
struct clash_list {
	struct session_clash *v;
	size_t n;
};
void store_clash_list_release(struct clash_list *l);    /* frees all */

/*
 * For each user of 'users', the live sessions other than except_id that
 * the user attends and that overlap [start_s, end_s).  Appended to out in
 * the order of users, then by start.  0 or -1.
 */
int store_session_clashes(struct store *st, int64_t except_id, int64_t start_s,
			  int64_t end_s, const struct strv *users, struct clash_list *out);

/* ---- !remind ---- */

/* A personal reminder; the struct owns its strings. */
struct reminder {
	int64_t id;
	char *room_id;
	char *sender;
	char *text;
	int64_t due_s;
	char *reply_to;         /* the command's event ID, or NULL */
	char *thread_root;      /* the command's thread, or NULL */
};
struct reminder_list {
	struct reminder *v;
	size_t n;
};
void store_reminder_list_release(struct reminder_list *l);       /* frees all */

/* Store a reminder (strings copied; reply_to and thread_root may be NULL).
 * *id receives its number.  0 or -1. */
int store_reminder_add(struct store *st, const char *room_id, const char *sender,
		       const char *text, int64_t due_s, int64_t now_ms,
		       const char *reply_to, const char *thread_root, int64_t *id);

/* Reminders due by now_s and not yet handed out, at most 'limit', fairly:
 * each sender's first before anyone's second (among equals, each room's
 * first before a room's second), then oldest first.  Those whose due key is recorded are marked sent on the way.
 * Appended to out.  0 or -1. */
int store_reminder_due(struct store *st, int64_t now_s, size_t limit,
		       struct reminder_list *out);

/* How many reminders of sender are not sent yet, or -1. */
int64_t store_reminder_open(struct store *st, const char *sender);

/* Mark reminder 'id' sent at sent_ms (housekeeping once its due key is
 * handed out: it leaves store_reminder_due's answers).  0 or -1. */
int store_reminder_sent(struct store *st, int64_t id, int64_t sent_ms);

#endif
