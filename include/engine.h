/*
 * engine.h - the command engine (SPEC §2-§4).  It takes one message (room,
 * sender, text, time) and returns answers; it hands out reminders and
 * digests as due messages with stable IDs.  It knows nothing of Matrix or
 * of terminals: the daemon and the console both drive it.  Time comes from
 * an injected clock.  The caller owns the transaction: the engine works
 * inside savepoints of whatever transaction is open, so the daemon can
 * apply a whole sync batch, answers included, atomically.
 */
#ifndef CAUCUS_ENGINE_H
#define CAUCUS_ENGINE_H

#include <stdint.h>

#include "util.h"

struct config;
struct store;
struct engine;

struct engine_clock {
	int64_t (*now_ms)(void *ud);    /* milliseconds since the epoch */
	void *ud;
};

/* A shared file (m.file, m.image, m.video, m.audio).  Only what points at
 * it: an encrypted attachment's keys never reach the engine. */
struct engine_file {
	const char *msgtype;
	const char *name;               /* the file name */
	const char *caption;            /* the text sent with it, or NULL */
	const char *url;                /* mxc:// */
	const char *mimetype;           /* or NULL */
	int64_t size;                   /* bytes, -1 when not given */
	int encrypted;                  /* sent as an encrypted attachment */
};

/* One incoming message; the engine keeps none of these pointers. */
struct engine_msg {
	const char *room_id;
	const char *sender;
	const char *event_id;           /* NULL when there is none (console) */
	const char *body;               /* reply fallback already stripped */
	const char *formatted_body;     /* HTML or NULL; pills are read from it */
	const char *thread_root;        /* thread root event ID, or NULL */
	int64_t ts_ms;                  /* when it was sent; 0 = now */
	const struct engine_file *file; /* a shared file (never a command), or NULL */
};

/*
 * What a reply asks of the daemon.  Besides messages, the engine asks for
 * room work it cannot do itself (it knows nothing of Matrix); the daemon
 * keeps such a request in its store with the batch that caused it and
 * carries it out, telling room_id (replying to reply_to) when it fails.
 */
enum engine_kind {
	ENGINE_POST,            /* send body/html to room_id; with room_id NULL and
				 * to_user set, to that member's direct room (the
				 * daemon finds it, or makes it first) */
	ENGINE_INVITE,          /* invite 'user' to the room 'target' */
	ENGINE_CREATE_ROOM,     /* create issue_id's room (#<slug>:<server>), invite
				 * 'user', link it to the issue */
	ENGINE_SPACE_ADD,       /* add 'target', just linked, to the coalition's Space */
};

/* One outgoing message or request.  All strings are owned by the reply.
 * A request's body (and html) says in one line what it will do. */
struct engine_reply {
	enum engine_kind kind;
	char *target;           /* requests: the room acted on, or NULL */
	char *user;             /* requests: the user to invite, or NULL */
	int64_t issue_id;       /* ENGINE_CREATE_ROOM */
	char *room_id;                  /* NULL: to to_user's direct room */
	char *to_user;                  /* ENGINE_POST to a direct room, else NULL */
	char *body;                     /* plain text */
	char *html;                     /* formatted_body */
	struct strv mentions;           /* user IDs for m.mentions (empty: {}) */
	char *reply_to;                 /* event ID answered, or NULL */
	char *thread_root;              /* thread to stay in, or NULL */
	int64_t hold_until_ms;          /* quiet hours: not sent before (0: at once) */
	int64_t starts_s;               /* a session reminder: its (first) session's
					 * start, which quiet hours let through when
					 * within them; else 0 */
	char *due_id;                   /* stable ID of a reminder/digest, else NULL */
	struct strv due_keys;           /* what engine_ack() marks as handed out */
	/* what the message is about, for reactions to it: "session:12",
	 * "action:3", several separated by spaces; NULL when nothing.  The
	 * daemon keeps it with the event ID the server gives the message. */
	char *about;
};

struct engine_replies {
	struct engine_reply *v;
	size_t n;
};
void engine_replies_release(struct engine_replies *r);  /* frees the contents */

/*
 * A new engine over cfg and st (both kept, not owned: they must outlive the
 * engine).  Free with engine_free().
 */
struct engine *engine_new(const struct config *cfg, struct store *st,
			  struct engine_clock clock);
void engine_free(struct engine *eng);   /* NULL is a no-op */

/* Swap in a reloaded configuration (kept, not owned). */
void engine_set_config(struct engine *eng, const struct config *cfg);

/* Create or update the issues of the configuration in the store. */
int engine_sync_config(struct engine *eng);

/*
 * Handle one message: answer a command, or keep an ordinary message of an
 * issue room in the log.  Appends answers to out.  Messages from users not
 * allowed are ignored.  Returns 0, or -1 when the store failed (nothing of
 * this message was kept; the caller may retry the whole batch).
 */
int engine_handle(struct engine *eng, const struct engine_msg *msg,
		  struct engine_replies *out);
/*
 * 1 when engine_handle() would take body as a command.  Handling anything
 * else twice changes nothing (the log keeps an event once, last_spoke
 * keeps the latest time), so only commands need to be remembered as done.
 */
int engine_is_command(const struct engine *eng, const char *body);

/* An edit (m.replace) of event_id by sender: the log entry takes the new
 * text when sender wrote it; an edit by anyone else changes nothing.
 * A command is never run again.  Only an entry of room_id changes.
 * Returns 0 or -1 (store). */
int engine_edit(struct engine *eng, const char *room_id, const char *event_id,
		const char *sender, const char *new_body);

/* The same, answering into out: an edit of a command that recorded a
 * stance or an action item changes nothing and is answered with how to
 * change it (a new !position; !done and a new !action). */
int engine_edit_reply(struct engine *eng, const char *room_id, const char *event_id,
		      const char *sender, const char *new_body, struct engine_replies *out);

/* A redaction of event_id in room_id: its log entry there is deleted (an
 * entry of another room is not touched). */
int engine_redact(struct engine *eng, const char *room_id, const char *event_id);

/*
 * Reactions as commands (SPEC §2).  An annotation 'key' by sender on
 * target_event of room_id: 👍 or ✋ on the bot's message about one
 * session is !attend, ✅ on the bot's message about an action item (or
 * on the !action message itself) is !done; the answer replies to
 * target_event.  The reaction that made an attendance is kept (under
 * reaction_event_id) so that engine_unreaction() can undo it.  A
 * reaction to a message the bot does not know (someone else's, or one
 * older than its memory) or with another emoji is an ordinary emoji:
 * nothing happens and nothing is said.  Users not allowed are ignored.
 * Returns 0, or -1 when the store failed (nothing was kept).
 */
int engine_reaction(struct engine *eng, const char *room_id, const char *sender,
		    const char *target_event, const char *key,
		    const char *reaction_event_id, struct engine_replies *out);

/* The reaction reaction_event_id of room_id was redacted: when it made an
 * attendance, that is undone (!skip) and said, unless the same person
 * still has another 👍/✋ on the session.  Anything else: nothing.  0 or -1. */
int engine_unreaction(struct engine *eng, const char *room_id,
		      const char *reaction_event_id, struct engine_replies *out);

/*
 * Append every reminder and digest due now and not yet acknowledged.  The
 * same due message comes out again until engine_ack() is called for it, so
 * the caller can put it in its outbox and acknowledge in one transaction.
 */
int engine_due(struct engine *eng, struct engine_replies *out);
int engine_ack(struct engine *eng, const struct engine_reply *r);

/* Seconds until the next due event could fall due (for the event loop),
 * capped at 60. */
int64_t engine_next_due_in(struct engine *eng);

/* Delete log entries older than log.retention_days. */
int engine_purge(struct engine *eng);

/* The engine's idea of now (the injected clock). */
int64_t engine_now_ms(struct engine *eng);

/* Room membership, as the daemon learns it from the server (and the
 * console seeds it).  membership: "join", "invite", "leave", "ban". */
int engine_member(struct engine *eng, const char *room_id, const char *user_id,
		  const char *display_name, const char *membership, int power);

/* Record the room ID an alias resolved to (issue rooms, coordination). */
int engine_room_resolved(struct engine *eng, const char *alias, const char *room_id);

/* The issue named by slug, alias or a unique prefix of either (any case):
 * its ID, 0 when none, -2 when the prefix fits several, -1 on error. */
int64_t engine_issue_id(struct engine *eng, const char *name);

/* The coordination room's ID (resolved), or NULL; owned by the engine. */
const char *engine_coordination_room(struct engine *eng);

#endif
