/*
 * store_request.h - the room work the command engine asked for and the
 * daemon has not finished (invites, new issue rooms, Space links).  A
 * request is written inside the transaction of the batch that caused it,
 * so a crash neither loses it nor runs it twice from one command.  Knows
 * nothing of Matrix: rooms and users are plain strings.
 */
#ifndef CAUCUS_STORE_REQUEST_H
#define CAUCUS_STORE_REQUEST_H

#include <stdint.h>

#include "store.h"

struct store_request {
	int64_t id;
	char *key;              /* what caused it, unique */
	char *kind;             /* "invite", "create", "space" */
	char *target;           /* the room acted on, or NULL */
	char *user_id;          /* who to invite, or NULL */
	int64_t issue_id;       /* "create": the issue, else 0 */
	char *room_id;          /* where the outcome is told */
	char *reply_to;         /* the command's event, or NULL */
	char *thread_root;      /* the command's thread, or NULL */
	int attempts;
	int64_t next_try_ms;
};
void store_request_release(struct store_request *r);    /* frees the strings */

/* Keep a request (strings copied).  A key already kept is left as it was. */
int store_request_add(struct store *st, const char *key, const char *kind,
		      const char *target, const char *user_id, int64_t issue_id,
		      const char *room_id, const char *reply_to, const char *thread_root);

/*
 * The oldest request due at now_ms into *out (release it after): 0.  1
 * when none is due; *wait_ms is then the time until the next one (-1:
 * none at all).  -1 on error.
 */
int store_request_next(struct store *st, int64_t now_ms, struct store_request *out,
		       int64_t *wait_ms);
/* Try request id again at next_try_ms. */
int store_request_retry(struct store *st, int64_t id, int attempts, int64_t next_try_ms);
/* The request is finished (done or given up): forget it. */
int store_request_done(struct store *st, int64_t id);

#endif
