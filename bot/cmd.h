/*
 * cmd.h - what the command families (cmd_*.c) share with the engine core
 * (engine.c): the command table entry, the list of families with their
 * hooks, the context a handler gets, and the helpers (cmd.c) that read
 * arguments (issues, users, times) and write answers.  The engine knows
 * the families only through cmd_families[].  A handler never sees
 * Matrix: only a room ID, a sender and text.
 */
#ifndef CAUCUS_CMD_H
#define CAUCUS_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "doc.h"
#include "engine.h"
#include "store.h"
#include "util.h"

struct cmd_ctx;

struct cmd_entry {
	const char *name;       /* "who-covers", or two words: "issue add" */
	const char *args;       /* "<issue> [user] [backup]" */
	const char *summary;    /* one line for !help */
	const char *example;    /* "cover cyber @bob:example.org backup" (no prefix) */
	int admin;              /* 1: admins only */
	/*
	 * Fill ctx->doc with the answer.  Return 0 when answered (also for a
	 * usage error answered with cmd_usage()), -1 when the store failed:
	 * the engine then undoes the command's changes and says so.
	 */
	int (*fn)(struct cmd_ctx *ctx);
};

/* The families' tables, each ended by an entry with name == NULL. */
extern const struct cmd_entry cmd_issue_table[];       /* cmd_issue.c */
extern const struct cmd_entry cmd_session_table[];     /* cmd_session.c */
extern const struct cmd_entry cmd_log_table[];         /* cmd_log.c */
extern const struct cmd_entry cmd_doc_table[];         /* cmd_doc.c */
extern const struct cmd_entry cmd_calendar_table[];    /* cmd_calendar.c */
extern const struct cmd_entry cmd_core_table[];        /* cmd.c: help */
extern const struct cmd_entry cmd_person_table[];      /* cmd_person.c: my, prefs */
extern const struct cmd_entry cmd_feed_table[];        /* cmd_feed.c */
extern const struct cmd_entry cmd_people_table[];      /* cmd_people.c: handover */

/*
 * A family of commands and what it does on its own.  Each hook may be
 * NULL.  due appends what is due at now_ms and not yet handed out (see
 * cmd_due_done): each reply carries a stable due_id and the keys
 * engine_ack() records; 0 or -1 (store).  next_due says in how many
 * seconds its next due event could fall (NULL: at the next minute, the
 * grain of every due job so far).  file keeps a file shared in an issue
 * room (see cmd_doc_file).
 */
struct cmd_family {
	const char *title;                      /* heading in !help, or NULL */
	const struct cmd_entry *table;          /* or NULL */
	int (*due)(struct engine *eng, int64_t now_ms, struct engine_replies *out);
	int64_t (*next_due)(struct engine *eng, int64_t now_ms);
	int (*file)(struct engine *eng, const struct engine_msg *msg, int64_t issue_id,
		    int64_t ts_ms, struct engine_replies *out);
};
/* Every family (cmd.c), in the order of !help, dispatch and due jobs. */
extern const struct cmd_family cmd_families[];
extern const size_t cmd_families_n;

/* The entry named name, or "name second" (then *words = 2), any case;
 * NULL when none. */
const struct cmd_entry *cmd_find(const char *name, const char *second, int *words);

/* An issue as read from the store; cmd_issue_release frees the strings. */
struct issue {
	int64_t id;
	char *slug;
	char *name;
	char *room_id;          /* linked room or NULL */
};
void cmd_issue_release(struct issue *is);

struct cmd_ctx {
	struct engine *eng;
	const struct config *cfg;
	struct store *st;
	const struct engine_msg *msg;   /* room_id, sender, event_id, ... */
	int64_t now_ms;                 /* the clock, once per command */
	int64_t now;                    /* seconds */
	const char *tz;                 /* cfg->timezone */
	const char *prefix;             /* cfg->command_prefix */
	int64_t room_issue;             /* the issue linked to this room, or 0 */
	int is_coord;                   /* this is the coordination room */
	int is_direct;                  /* this is the asker's direct room */
	const struct cmd_entry *entry;
	size_t argc;                    /* arguments after the command name */
	char **argv;                    /* unquoted; pills already user IDs */
	struct doc *doc;                /* the answer */
	struct strv *mentions;          /* user IDs the answer mentions */
	struct engine_replies *out;     /* extra messages to other rooms */
	char *about;                    /* what the answer is about (see engine_reply), or NULL */
	const char *reaction;           /* the emoji, when a reaction runs the command */
	int acted;                      /* !attend: the user attends afterwards */
	/* set by engine.c, read through cmd_text_from() */
	const char *text;               /* the body after pill replacement */
	size_t *offs;                   /* offset in text of each argv[i] */
};

/*
 * Answer a malformed command: a one-line reason then the usage line.
 * Returns 0 so handlers can 'return cmd_usage(ctx, "...")'.
 */
int cmd_usage(struct cmd_ctx *ctx, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Answer with a one-line error, no usage line (e.g. "no session #12"). */
int cmd_fail(struct cmd_ctx *ctx, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* The raw text from argument i to the end (quotes kept, as typed), or ""
 * when i >= argc.  Points into the context; do not free. */
const char *cmd_text_from(struct cmd_ctx *ctx, size_t i);

/* s cut to about max bytes on a character boundary (with "…"), line
 * breaks turned into spaces, for list items and echoed text.  Caller
 * frees. */
char *cmd_clip(const char *s, size_t max);

/*
 * Resolve an issue name (slug, alias, or a unique prefix of either, any
 * case).  On success fills *out (release with cmd_issue_release) and returns
 * 0.  On failure answers "no such issue 'x'; did you mean ...?" or
 * "'c' matches several issues: ..." with the usage line, returns -1.
 */
int cmd_issue_arg(struct cmd_ctx *ctx, const char *name, struct issue *out);
/* Look up without answering: 0 found, -1 not found (no answer written). */
int cmd_issue_lookup(struct cmd_ctx *ctx, const char *name, struct issue *out);
/* The issue by ID: 0 or -1. */
int cmd_issue_by_id(struct cmd_ctx *ctx, int64_t id, struct issue *out);
/* The same resolution without a command (engine_issue_id): the ID, 0 when
 * nothing matches, -2 when several do, -1 on error. */
int64_t cmd_issue_find(struct store *st, const char *name);

/*
 * The issue argument of commands whose issue defaults to the room's: when
 * argv[*i] names an issue it is taken and *i advances; when argv[*i] is
 * absent, or does not name an issue but 'fallback_ok(arg)' says it is
 * another argument, the room's issue is used.  Otherwise answers the
 * error and returns -1.  fallback_ok may be NULL (then only absence falls
 * back).
 */
int cmd_issue_or_room(struct cmd_ctx *ctx, size_t *i, struct issue *out,
		      int (*fallback_ok)(struct cmd_ctx *ctx, const char *arg));
/* The room's issue, or answer "this is not an issue room; ..." and -1. */
int cmd_room_issue(struct cmd_ctx *ctx, struct issue *out);

/*
 * Resolve a user argument: a full user ID (@local:server), a pill (already
 * turned into its user ID) or the display name of a member of this room
 * (any case).  On success *user_id is a copy the caller frees; on failure
 * the error is answered and -1 returned.
 */
int cmd_user_arg(struct cmd_ctx *ctx, const char *arg, char **user_id);
/* 1 when arg resolves to a user (answers nothing). */
int cmd_is_user(struct cmd_ctx *ctx, const char *arg);

/* Parse a <when> starting at argv[*i]; advances *i.  end = -1 without a
 * range.  Answers the error and returns -1 on failure. */
int cmd_when_arg(struct cmd_ctx *ctx, size_t *i, int64_t *start, int64_t *end);

/* Parse a positive number ("12" or "#12"); answers and returns -1 if not. */
int cmd_number_arg(struct cmd_ctx *ctx, const char *arg, const char *what, int64_t *n);

/* 1 when the sender is an admin (bot.admins or power >= 50 in the
 * coordination room). */
int cmd_is_admin(struct cmd_ctx *ctx);

/* A user's display name in room_id (or any room), else the user ID.
 * Returns a copy the caller frees. */
char *cmd_display_name(struct engine *eng, const char *room_id, const char *user_id);
/* Write a user pill into the answer, labelled with the display name. */
void cmd_doc_user(struct cmd_ctx *ctx, const char *user_id);
/* Mention a user in the answer (adds to m.mentions and writes the pill). */
void cmd_mention(struct cmd_ctx *ctx, const char *user_id);

/* 1 when user_id is a joined member of room_id (who may see its log). */
int cmd_can_see_room(struct engine *eng, const char *user_id, const char *room_id);

/*
 * Append a reply to room_id built from d (its content taken), mentions
 * (may be NULL) copied, cut to fit one event.  The reply is the caller's
 * to fill further (reply_to, due_id, ...); it lives in out.
 */
struct engine_reply *cmd_reply_push(struct engine_replies *out, const char *room_id,
				    struct doc *d, const struct strv *mentions);

/*
 * Queue an extra message (not the answer) into ctx->out, e.g. telling an
 * issue room that a session moved.  Takes the doc's content; mentions
 * (may be NULL) are copied.
 */
struct engine_reply *cmd_post(struct cmd_ctx *ctx, const char *room_id, struct doc *d,
			      const struct strv *mentions);
/* The answer (or the reply r, when not NULL) is about fmt ("session:12"):
 * a reaction to it acts on that (engine_reaction). */
void cmd_about(struct cmd_ctx *ctx, struct engine_reply *r, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/*
 * Queue a message (not the answer) to user_id's direct room: the daemon
 * finds the room, or makes it first (then the message waits in the
 * outbox).  Takes the doc's content; mentions (may be NULL) are copied.
 */
void cmd_post_direct(struct cmd_ctx *ctx, const char *user_id, struct doc *d,
		     const struct strv *mentions);

/*
 * For answers that are private (!my, !prefs, !calendar): moves the answer
 * written so far in ctx->doc (and ctx->mentions) to the asker's direct
 * room, and answers in the asking room in one line that it was sent
 * there.  Asked in the direct room itself, the answer stays as it is.
 * Call it last, once the answer is complete.  Returns 0.
 */
int cmd_answer_direct(struct cmd_ctx *ctx);

/*
 * Ask the daemon for room work (see enum engine_kind): target and user
 * (may be NULL) are copied; fmt says in one line what will happen (the
 * console prints it).  Outcomes are told in this room, replying to the
 * command.
 */
void cmd_request(struct cmd_ctx *ctx, enum engine_kind kind, const char *target,
		 const char *user, int64_t issue_id, const char *fmt, ...) PRINTF_LIKE(6, 7);

/* A file shared in issue_id's room (msg->file set): kept in the log as
 * kind 'file' and, when its name holds a known document's symbol, as that
 * document's revision (a higher one announced into out).  0 or -1.
 * cmd_doc.c; the documents family's file hook. */
int cmd_doc_file(struct engine *eng, const struct engine_msg *msg, int64_t issue_id,
		 int64_t ts_ms, struct engine_replies *out);

/* The engine's store and configuration (engine.c), for code that holds
 * the engine rather than a command: due jobs, digests, file hooks. */
struct store *engine_store(struct engine *eng);
const struct config *engine_config(struct engine *eng);

/* "18:00" for a time today, else "Tue 6 Nov 18:00" (cmd_people.c). */
void cmd_until_words(const char *tz, int64_t now, int64_t until, char *out, size_t outlen);
/* cmd_people.c: escalations of unattended sessions and ended shifts
 * (the people family's due hook). */
int cmd_people_due(struct engine *eng, int64_t now_ms, struct engine_replies *out);
/* For the due hooks (schedule.c): 1 when 'key' was already handed out
 * (acknowledged or dropped). */
int cmd_due_done(struct engine *eng, const char *key);
/* Record 'key' as handled without sending (outcome "dropped"). */
int cmd_due_drop(struct engine *eng, const char *key);
/* Append a due reply built from d (taken) to out. */
void cmd_due_add(struct engine_replies *out, const char *room_id, struct doc *d,
		 const struct strv *mentions, const char *due_id,
		 const struct strv *keys);

#endif
