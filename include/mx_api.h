/*
 * mx_api.h - the Matrix client-server calls the bot makes (login, whoami,
 * sync, send, join, leave, alias lookup, room creation, invites, Space
 * links), asynchronous over mx_http.  Each
 * answer is classified once here - done, worth retrying, refused, token
 * rejected - so callers decide on outcomes, not on HTTP codes.  Knows
 * nothing of commands, rooms' meaning or the store.
 *
 * Every call follows mx_http's contract: it returns NULL and never calls
 * back, or returns a handle and calls back exactly once (unless cancelled
 * with mx_api_cancel()).
 */
#ifndef CAUCUS_MX_API_H
#define CAUCUS_MX_API_H

#include <stddef.h>
#include <stdint.h>

struct mx_api;
struct mx_http_req;

enum mx_outcome {
	MX_OK,
	MX_RETRY,               /* network error, 5xx, 429: try again later */
	MX_REFUSED,             /* a permanent 4xx: trying again will not help */
	MX_UNAUTHORIZED,        /* 401: the access token is no good */
};

/* What a call came back with.  All pointers are valid during the callback
 * only; fields a call does not return are NULL. */
struct mx_result {
	enum mx_outcome outcome;
	long http;              /* HTTP status, 0 when there was no response */
	const char *errcode;    /* "M_LIMIT_EXCEEDED", ... or NULL */
	const char *error;      /* a readable reason when not MX_OK */
	int64_t retry_after_ms; /* from a 429, else -1 */
	const char *user_id;
	const char *device_id;
	const char *access_token;       /* secret: never log it */
	const char *room_id;
	const char *event_id;
	const char *body;       /* the raw response body (sync) */
	size_t len;
};

typedef void (*mx_api_cb)(void *ud, const struct mx_result *r);

/* A client of the homeserver at base_url (copied).  NULL on failure. */
struct mx_api *mx_api_new(const char *base_url);
void mx_api_free(struct mx_api *a);     /* cancels everything; NULL is a no-op */

/* The access token for later calls (copied, wiped when replaced). */
void mx_api_set_token(struct mx_api *a, const char *token);

/* The event loop's wait: see mx_http_poll(). */
int mx_api_poll(struct mx_api *a, int extra_fd, int timeout_ms);
void mx_api_cancel(struct mx_api *a, struct mx_http_req *req);  /* NULL: no-op */

/*
 * Not a Matrix call: GET a calendar feed on the same connection pool and
 * event loop (see mx_http_fetch: no token is sent, redirects are limited,
 * validators go out as If-None-Match / If-Modified-Since).  All pointers
 * of the result are valid during the callback only.
 */
struct mx_fetch_result {
	long http;              /* 0: no answer (error says why) */
	const char *error;
	const char *body;
	size_t len;
	const char *etag, *last_modified;       /* or NULL */
};
typedef void (*mx_fetch_cb)(void *ud, const struct mx_fetch_result *r);
struct mx_http_req *mx_api_fetch(struct mx_api *a, const char *url, const char *etag,
				 const char *last_modified, long timeout_ms, size_t cap,
				 long max_redirs, mx_fetch_cb cb, void *ud);

/* POST /login with a password; device_id may be NULL (a new device).
 * Result: access_token, device_id, user_id. */
struct mx_http_req *mx_api_login(struct mx_api *a, const char *user_id, const char *password,
				 const char *device_id, const char *device_name,
				 mx_api_cb cb, void *ud);
/* GET /account/whoami.  Result: user_id, device_id. */
struct mx_http_req *mx_api_whoami(struct mx_api *a, mx_api_cb cb, void *ud);
/* GET /directory/room/{alias}.  Result: room_id. */
struct mx_http_req *mx_api_resolve(struct mx_api *a, const char *alias, mx_api_cb cb, void *ud);
/* POST /join/{room} (ID or alias).  Result: room_id. */
struct mx_http_req *mx_api_join(struct mx_api *a, const char *room, mx_api_cb cb, void *ud);
/* POST /rooms/{room_id}/leave (also declines an invite). */
struct mx_http_req *mx_api_leave(struct mx_api *a, const char *room_id, mx_api_cb cb, void *ud);

/* POST /rooms/{room_id}/invite. */
struct mx_http_req *mx_api_invite(struct mx_api *a, const char *room_id, const char *user_id,
				  mx_api_cb cb, void *ud);

/* What POST /createRoom makes: an invite-only room (or Space) in the
 * state Element gives a private one.  Strings are read during the call only. */
struct mx_room_spec {
	const char *alias_local;        /* room_alias_name ("cybersecurity"), or NULL */
	const char *name;               /* m.room.name, or NULL */
	int encrypted;                  /* m.room.encryption megolm in the initial state */
	int space;                      /* creation type m.space (only admins add rooms) */
	int is_direct;                  /* a direct room: is_direct on the invite */
	const char *const *invite;      /* users to invite; the creator is skipped */
	size_t n_invite;
	const char *creator;            /* the bot's user ID: power 100 with the invitees */
};
/* POST /createRoom.  Result: room_id (errcode M_ROOM_IN_USE: the alias is taken). */
struct mx_http_req *mx_api_create_room(struct mx_api *a, const struct mx_room_spec *spec,
				       mx_api_cb cb, void *ud);

/* PUT /user/{user_id}/account_data/{type} with content (JSON text).
 * Result: nothing. */
struct mx_http_req *mx_api_account_data(struct mx_api *a, const char *user_id,
					const char *type, const char *content,
					mx_api_cb cb, void *ud);

/*
 * The two halves of a Space link, as Element writes them: m.space.child
 * in the Space (state key: the child) and m.space.parent in the child
 * (state key: the Space, canonical), each with "via": [via_server].
 * Result: event_id.
 */
struct mx_http_req *mx_api_space_child(struct mx_api *a, const char *space_id,
				       const char *child_id, const char *via_server,
				       mx_api_cb cb, void *ud);
struct mx_http_req *mx_api_space_parent(struct mx_api *a, const char *child_id,
					const char *space_id, const char *via_server,
					mx_api_cb cb, void *ud);

/*
 * GET /sync, long-polling up to timeout_ms, with the bot's filter (only
 * the event types it reads, full membership).  since may be NULL (first
 * sync).  Result: body (parse it with mx_sync_apply()); cap bounds it.
 */
struct mx_http_req *mx_api_sync(struct mx_api *a, const char *since, int timeout_ms,
				size_t cap, mx_api_cb cb, void *ud);

/* The same without waiting, and with one timeline event per room (so each
 * room's timeline is limited, and read from /messages page by page): to
 * get past an answer that cannot be read. */
struct mx_http_req *mx_api_sync_narrow(struct mx_api *a, const char *since, size_t cap,
				       mx_api_cb cb, void *ud);

/*
 * GET /rooms/{room_id}/messages from 'from' to 'to' (a sync token, may be
 * NULL), forward (dir=f, oldest first) or backwards, up to 'limit'
 * events.  Result: body.
 */
struct mx_http_req *mx_api_messages(struct mx_api *a, const char *room_id, const char *from,
				    const char *to, int forward, int limit, size_t cap,
				    mx_api_cb cb, void *ud);

/*
 * PUT /rooms/{room_id}/send/{type}/{txn_id} with content (JSON text),
 * sent as given (the outbox seals messages to encrypted rooms before).
 * Result: event_id.
 */
struct mx_http_req *mx_api_send(struct mx_api *a, const char *room_id, const char *type,
				const char *txn_id, const char *content, mx_api_cb cb, void *ud);

/*
 * Any other call: method on API path (after "/_matrix/client/v3", its
 * parts already escaped with mx_api_escape) with an optional JSON body.
 * Result: body (the raw answer, whatever the status).
 */
struct mx_http_req *mx_api_call(struct mx_api *a, const char *method, const char *path,
				const char *body, mx_api_cb cb, void *ud);
/* s escaped for a URL path segment; caller frees. */
char *mx_api_escape(const char *s);

#endif
