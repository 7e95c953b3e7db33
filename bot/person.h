/*
 * person.h - what the bot does for each member rather than for rooms
 * (SPEC §3): members' settings as they apply (reminders by direct
 * message, quiet hours), the session reminders each attendee gets in
 * their direct room, and holding what would wake a member during their
 * quiet hours.  Shared by the command families (cmd_person.c: !my,
 * !prefs; cmd_session.c's reminders) and the engine core.
 */
#ifndef CAUCUS_PERSON_H
#define CAUCUS_PERSON_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "store_session.h"

struct engine;

/* 1 when user_id gets reminders in their direct room (!prefs dm, else
 * reminders.dm), 0 when not, -1 on store error. */
int person_dm(struct engine *eng, const char *user_id);

/*
 * When the quiet hours [start_min, end_min) (minutes after local midnight
 * in zone tz; start > end crosses midnight) that contain instant t end,
 * as an instant; 0 when t is outside them (or start == end).  Local wall
 * times, so a DST change inside the night makes it an hour shorter or
 * longer.  A quiet end that falls in a DST gap ends at the gap's end.
 */
int64_t person_quiet_end(const char *tz, int start_min, int end_min, int64_t t);

/* The end of user_id's quiet hours if t is inside them, else 0. */
int64_t person_quiet_until(struct engine *eng, const char *user_id, int64_t t);

/*
 * Quiet hours over the replies out->v[from..]: a reply that would wake
 * only members in their quiet hours (its mentions, or the member of a
 * direct room) waits until the earliest of those hours ends; with some
 * members awake it goes now, not notifying the quiet ones (they stay
 * named in the text).  A reminder of a session starting within the quiet
 * hours (starts_s) goes at once.  Answers to commands (reply_to set, no
 * due_id), and what goes to the asker's direct room (asker: who sent the
 * command, NULL for due events), are never held; an answer's mentions of
 * quiet members are dropped.
 */
void person_quiet_apply(struct engine *eng, int64_t now, const char *asker,
			struct engine_replies *out, size_t from);

/* One session reminder about to go to a room (cmd_session.c's pick). */
struct person_due {
	const struct session *s;
	int64_t due;            /* when it fell due */
	const char *key;        /* its due key */
};

/*
 * The same reminders to each attendee with dm on, in their direct room:
 * one message per person and minute, parallel sessions together.  Each
 * has its own due keys (dm:<user>:<key>), handed out with the room's.
 * 0 or -1.
 */
int person_session_dms(struct engine *eng, int64_t now, const struct person_due *v,
		       size_t n, struct engine_replies *out);

/* The copy of a !remind (key, text; late: when it was due, if late, else
 * NULL) in the asker's direct room, when dm is on and it was not asked
 * there: appended to out with key "dm:<key>".  0 or -1. */
int person_remind_dm(struct engine *eng, const char *room_id, const char *sender,
		     const char *key, const char *text, const char *late,
		     struct engine_replies *out);

#endif
