/*
 * store_people.h - what lets people act with a tap and hand work on: the
 * bot's own messages by event ID and what each is about (a session, an
 * action item), the reactions that made an attendance (so that removing
 * one undoes it), and covers that end by themselves (shifts).  Knows
 * nothing of Matrix or of commands: event and room IDs are plain strings.
 */
#ifndef CAUCUS_STORE_PEOPLE_H
#define CAUCUS_STORE_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Keep that the bot's message event_id in room_id is about 'about'
 * ("session:12", "action:3", several separated by spaces).  A second
 * call for the same event changes nothing.  0 or -1. */
int store_bot_event_add(struct store *st, const char *event_id, const char *room_id,
			const char *about, int64_t sent_ms);

/* What the bot's message event_id of room_id is about: 0 with *about (a
 * copy the caller frees), 1 when the bot knows no such message there,
 * -1 on error. */
int store_bot_event_about(struct store *st, const char *room_id, const char *event_id,
			  char **about);

/* The action item an !action message (event_id, in room_id) made: 0 with
 * *id, 1 when that message made none, -1 on error. */
int store_action_by_event(struct store *st, const char *room_id, const char *event_id,
			  int64_t *id);

/* The reaction event_id by sender to the bot's message 'target' made
 * sender attend session_id.  0 or -1. */
int store_reaction_add(struct store *st, const char *event_id, const char *room_id,
		       const char *sender, const char *target, int64_t session_id,
		       int64_t ts_ms);

/*
 * Forget the reaction event_id of room_id: 0 with *sender and *target
 * (copies the caller frees), *session_id and *others (how many other reactions of
 * the same sender on the same session are still there), 1 when no
 * reaction of that ID made an attendance there, -1 on error.
 */
int store_reaction_take(struct store *st, const char *room_id, const char *event_id,
			char **sender, char **target, int64_t *session_id, int64_t *others);

/* Forget the bot's messages (and the reactions kept) older than before_ms:
 * a reaction to them is then an ordinary emoji.  0 or -1. */
int store_people_purge(struct store *st, int64_t before_ms);

/* The end of user_id's cover of issue_id (until_s, epoch seconds; 0: none).
 * Only for a cover that exists.  0 or -1. */
int store_cover_set_until(struct store *st, int64_t issue_id, const char *user_id,
			  int64_t until_s);
/* When user_id's cover of issue_id ends: the epoch second, 0 when it does
 * not end by itself (or there is no such cover), -1 on error. */
int64_t store_cover_until(struct store *st, int64_t issue_id, const char *user_id);

/* A cover whose time is up. */
struct shift_end {
	int64_t issue_id;
	char *user_id;
	char *role;             /* "lead" or "backup" */
	int64_t until_s;
};
struct shift_end_list {
	struct shift_end *v;
	size_t n;
};
void store_shift_end_list_release(struct shift_end_list *l);

/* Covers that ended at or before now_s, at most max, oldest first,
 * appended to out.  0 or -1. */
int store_shift_ended(struct store *st, int64_t now_s, size_t max, struct shift_end_list *out);

#endif
