/*
 * mx_api.c - the Matrix client-server calls (spec v1.12, "Client-Server
 * API"): builds each request's path and JSON, then turns each answer into
 * an mx_result with a single outcome (done / retry / refused / bad token),
 * reading errcode and retry_after_ms from error bodies.  The /sync body is
 * handed on untouched: parsing it is mx_sync.c's job.
 */
#include "mx_api.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_get.h"
#include "log.h"
#include "mx_http.h"
#include "util.h"

#define API "/_matrix/client/v3"
#define SMALL_CAP ((size_t)1 << 20)
#define CALL_TIMEOUT_MS 60000L

/*
 * The /sync filter (spec "Filtering"): only what the bot reads.  Room
 * state and timeline carry messages, reactions, redactions, membership
 * and power levels (plus the encryption events the next step needs);
 * membership is not lazy-loaded, so the bot knows every member of its
 * rooms (access checks, and later sharing keys with them).  Presence,
 * account data, receipts and typing are left out.  timeline.limit bounds
 * what one answer holds (rooms x 5 events, held while the rooms' missed
 * events are read: 300 rooms at 10 made a quarter of a big backlog's peak
 * memory): a room with more is limited, and what it missed is read forward
 * page by page from /messages (same timeline types), each page applied
 * alone.  A live sync rarely brings a room more than one or two.
 */
#define TIMELINE_TYPES "[\"m.room.message\",\"m.room.redaction\",\"m.room.member\"," \
	"\"m.room.power_levels\",\"m.room.encryption\",\"m.room.encrypted\",\"m.reaction\"]"

static const char sync_filter[] =
	"{\"presence\":{\"types\":[]},"
	"\"account_data\":{\"types\":[]},"
	"\"room\":{"
	"\"state\":{\"types\":[\"m.room.member\",\"m.room.power_levels\","
	"\"m.room.encryption\",\"m.room.create\"],\"lazy_load_members\":false},"
	"\"timeline\":{\"types\":" TIMELINE_TYPES ","
	"\"limit\":5,\"lazy_load_members\":false},"
	"\"ephemeral\":{\"types\":[]},"
	"\"account_data\":{\"types\":[]}}}";

enum call_kind { CALL_PLAIN, CALL_RAW };

struct mx_api {
	struct mx_http *http;
};

struct call {
	mx_api_cb cb;
	void *ud;
	enum call_kind kind;
};

struct mx_api *mx_api_new(const char *base_url)
{
	static cJSON_Hooks hooks = { xmalloc, free };
	struct mx_api *a = xcalloc(1, sizeof(*a));

	cJSON_InitHooks(&hooks);        /* out of memory aborts in one place */
	a->http = mx_http_new(base_url, free);   /* a cancelled call's 'struct call' */
	if (!a->http) {
		free(a);
		return NULL;
	}
	return a;
}

void mx_api_free(struct mx_api *a)
{
	if (!a)
		return;
	mx_http_free(a->http);
	free(a);
}

void mx_api_set_token(struct mx_api *a, const char *token)
{
	mx_http_set_token(a->http, token);
}

int mx_api_poll(struct mx_api *a, int extra_fd, int timeout_ms)
{
	return mx_http_poll(a->http, extra_fd, timeout_ms);
}

void mx_api_cancel(struct mx_api *a, struct mx_http_req *req)
{
	mx_http_cancel(a->http, req);
}

/* A fetch's callback, hung on the request like a 'struct call' (the
 * client frees it when the request is cancelled). */
struct fetch_call {
	mx_fetch_cb cb;
	void *ud;
};

static void on_fetched(void *ud, const struct mx_http_res *res)
{
	struct fetch_call *c = ud;
	struct mx_fetch_result r = {
		.http = res->status, .error = res->error, .body = res->body, .len = res->len,
		.etag = res->etag, .last_modified = res->last_modified,
	};

	c->cb(c->ud, &r);
	free(c);
}

struct mx_http_req *mx_api_fetch(struct mx_api *a, const char *url, const char *etag,
				 const char *last_modified, long timeout_ms, size_t cap,
				 long max_redirs, mx_fetch_cb cb, void *ud)
{
	struct fetch_call *c = xcalloc(1, sizeof(*c));
	struct mx_http_req *req;

	c->cb = cb;
	c->ud = ud;
	req = mx_http_fetch(a->http, url, etag, last_modified, timeout_ms, cap, max_redirs,
			    on_fetched, c);
	if (!req)
		free(c);
	return req;
}

static void on_response(void *ud, const struct mx_http_res *res)
{
	struct call *c = ud;
	struct mx_result r;
	cJSON *json = NULL;
	char reason[300];

	memset(&r, 0, sizeof(r));
	r.http = res->status;
	r.retry_after_ms = -1;
	r.body = res->body;
	r.len = res->len;
	if (res->status == 0) {
		/* no answer: the network, a timeout, or a body past its cap.  A
		 * too-large body will be as large next time, but the caller
		 * decides (a sync may shrink once the backlog is read). */
		r.outcome = MX_RETRY;
		r.error = res->error ? res->error : "no response";
		goto out;
	}
	if (c->kind == CALL_PLAIN || res->status != 200)
		json = cJSON_ParseWithLength(res->body, res->len);
	if (res->status == 200) {
		if (c->kind == CALL_PLAIN && !cJSON_IsObject(json)) {
			r.outcome = MX_RETRY;
			r.error = "the server's answer is not a JSON object";
			goto out;
		}
		r.outcome = MX_OK;
		r.user_id = jstr(json, "user_id");
		r.device_id = jstr(json, "device_id");
		r.access_token = jstr(json, "access_token");
		r.room_id = jstr(json, "room_id");
		r.event_id = jstr(json, "event_id");
		goto out;
	}
	r.errcode = jstr(json, "errcode");
	{
		const char *msg = jstr(json, "error");
		const cJSON *ra = cJSON_GetObjectItemCaseSensitive(json, "retry_after_ms");
		snprintf(reason, sizeof(reason), "HTTP %ld%s%s%s%.200s", res->status,
			 r.errcode ? " " : "", r.errcode ? r.errcode : "", msg ? ": " : "",
			 msg ? msg : "");
		r.error = reason;
		if (cJSON_IsNumber(ra) && ra->valuedouble >= 0 && ra->valuedouble < 86400000.0)
			r.retry_after_ms = (int64_t)ra->valuedouble;
	}
	if (res->status == 429 || res->status >= 500 || res->status == 408)
		r.outcome = MX_RETRY;
	else if (res->status == 401)
		r.outcome = MX_UNAUTHORIZED;
	else
		r.outcome = MX_REFUSED;
out:
	c->cb(c->ud, &r);
	cJSON_Delete(json);
	free(c);
}

static struct mx_http_req *start(struct mx_api *a, const char *method, const char *path,
				 const char *body, long timeout_ms, size_t cap,
				 enum call_kind kind, mx_api_cb cb, void *ud)
{
	struct call *c = xcalloc(1, sizeof(*c));
	struct mx_http_req *req;

	c->cb = cb;
	c->ud = ud;
	c->kind = kind;
	req = mx_http_start(a->http, method, path, body, timeout_ms, cap, on_response, c);
	if (!req)
		free(c);
	return req;
}

struct mx_http_req *mx_api_login(struct mx_api *a, const char *user_id, const char *password,
				 const char *device_id, const char *device_name,
				 mx_api_cb cb, void *ud)
{
	cJSON *o = cJSON_CreateObject(), *id = cJSON_AddObjectToObject(o, "identifier");
	struct mx_http_req *req;
	char *body;

	cJSON_AddStringToObject(o, "type", "m.login.password");
	cJSON_AddStringToObject(id, "type", "m.id.user");
	cJSON_AddStringToObject(id, "user", user_id);
	cJSON_AddStringToObject(o, "password", password);
	if (device_id)
		cJSON_AddStringToObject(o, "device_id", device_id);
	if (device_name)
		cJSON_AddStringToObject(o, "initial_device_display_name", device_name);
	body = cJSON_PrintUnformatted(o);
	if (!body)
		abort();
	req = start(a, "POST", API "/login", body, CALL_TIMEOUT_MS, SMALL_CAP, CALL_PLAIN, cb, ud);
	free_secret(body);
	/* the tree holds the password too */
	cJSON_ReplaceItemInObject(o, "password", cJSON_CreateString(""));
	cJSON_Delete(o);
	return req;
}

struct mx_http_req *mx_api_whoami(struct mx_api *a, mx_api_cb cb, void *ud)
{
	return start(a, "GET", API "/account/whoami", NULL, CALL_TIMEOUT_MS, SMALL_CAP,
		     CALL_PLAIN, cb, ud);
}

/* A plain call on a path with one escaped segment: fmt holds one %s. */
static struct mx_http_req *on_path(struct mx_api *a, const char *method, const char *fmt,
				   const char *segment, const char *body, mx_api_cb cb,
				   void *ud)
{
	char *e = mx_http_escape(segment), *path = xasprintf(fmt, e);
	struct mx_http_req *req;

	req = start(a, method, path, body, CALL_TIMEOUT_MS, SMALL_CAP, CALL_PLAIN, cb, ud);
	free(e);
	free(path);
	return req;
}

struct mx_http_req *mx_api_resolve(struct mx_api *a, const char *alias, mx_api_cb cb, void *ud)
{
	return on_path(a, "GET", API "/directory/room/%s", alias, NULL, cb, ud);
}

struct mx_http_req *mx_api_join(struct mx_api *a, const char *room, mx_api_cb cb, void *ud)
{
	return on_path(a, "POST", API "/join/%s", room, "{}", cb, ud);
}

struct mx_http_req *mx_api_leave(struct mx_api *a, const char *room_id, mx_api_cb cb, void *ud)
{
	return on_path(a, "POST", API "/rooms/%s/leave", room_id, "{}", cb, ud);
}

struct mx_http_req *mx_api_invite(struct mx_api *a, const char *room_id, const char *user_id,
				  mx_api_cb cb, void *ud)
{
	cJSON *o = cJSON_CreateObject();
	struct mx_http_req *req;
	char *body;

	cJSON_AddStringToObject(o, "user_id", user_id);
	body = cJSON_PrintUnformatted(o);
	if (!body)
		abort();
	req = on_path(a, "POST", API "/rooms/%s/invite", room_id, body, cb, ud);
	free(body);
	cJSON_Delete(o);
	return req;
}

static void add_state(cJSON *list, const char *type, const char *key, cJSON *content)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "state_key", key);
	cJSON_AddItemToObject(ev, "content", content);
	cJSON_AddItemToArray(list, ev);
}

/*
 * Element's private room (spec "Creation": preset private_chat gives
 * join_rules invite and history_visibility shared; the encryption event
 * goes in the initial state so no message is ever sent in the clear).
 */
struct mx_http_req *mx_api_create_room(struct mx_api *a, const struct mx_room_spec *spec,
				       mx_api_cb cb, void *ud)
{
	cJSON *o = cJSON_CreateObject(), *inv = cJSON_AddArrayToObject(o, "invite");
	cJSON *state = cJSON_AddArrayToObject(o, "initial_state");
	cJSON *pl = cJSON_AddObjectToObject(o, "power_level_content_override");
	cJSON *users = cJSON_AddObjectToObject(pl, "users"), *c;
	struct mx_http_req *req;
	char *body;

	cJSON_AddStringToObject(o, "preset", "private_chat");
	cJSON_AddStringToObject(o, "visibility", "private");
	if (spec->alias_local)
		cJSON_AddStringToObject(o, "room_alias_name", spec->alias_local);
	if (spec->name)
		cJSON_AddStringToObject(o, "name", spec->name);
	if (spec->creator)
		cJSON_AddNumberToObject(users, spec->creator, 100);
	for (size_t i = 0; i < spec->n_invite; i++) {
		if (spec->creator && !strcmp(spec->invite[i], spec->creator))
			continue;
		cJSON_AddItemToArray(inv, cJSON_CreateString(spec->invite[i]));
		if (!cJSON_GetObjectItemCaseSensitive(users, spec->invite[i]))
			cJSON_AddNumberToObject(users, spec->invite[i], 100);
	}
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "join_rule", "invite");
	add_state(state, "m.room.join_rules", "", c);
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "history_visibility", "shared");
	add_state(state, "m.room.history_visibility", "", c);
	if (spec->encrypted && !spec->space) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "algorithm", "m.megolm.v1.aes-sha2");
		add_state(state, "m.room.encryption", "", c);
	}
	if (spec->is_direct)
		cJSON_AddTrueToObject(o, "is_direct");
	if (spec->space) {
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "creation_content"), "type",
					"m.space");
		cJSON_AddNumberToObject(pl, "events_default", 100);
		cJSON_AddNumberToObject(pl, "invite", 0);
	}
	body = cJSON_PrintUnformatted(o);
	if (!body)
		abort();
	req = start(a, "POST", API "/createRoom", body, CALL_TIMEOUT_MS, SMALL_CAP, CALL_PLAIN,
		    cb, ud);
	free(body);
	cJSON_Delete(o);
	return req;
}

/* PUT /rooms/{room}/state/{type}/{key} with {"via": [via], ...}. */
static struct mx_http_req *put_link(struct mx_api *a, const char *room, const char *type,
				    const char *key, const char *via, int canonical,
				    mx_api_cb cb, void *ud)
{
	cJSON *o = cJSON_CreateObject();
	char *r = mx_http_escape(room), *t = mx_http_escape(type), *k = mx_http_escape(key);
	char *path = xasprintf(API "/rooms/%s/state/%s/%s", r, t, k), *body;
	struct mx_http_req *req;

	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "via"), cJSON_CreateString(via));
	if (canonical)
		cJSON_AddTrueToObject(o, "canonical");
	else
		cJSON_AddFalseToObject(o, "suggested");
	body = cJSON_PrintUnformatted(o);
	if (!body)
		abort();
	req = start(a, "PUT", path, body, CALL_TIMEOUT_MS, SMALL_CAP, CALL_PLAIN, cb, ud);
	free(body);
	free(r);
	free(t);
	free(k);
	free(path);
	cJSON_Delete(o);
	return req;
}

struct mx_http_req *mx_api_account_data(struct mx_api *a, const char *user_id,
					const char *type, const char *content,
					mx_api_cb cb, void *ud)
{
	char *u = mx_http_escape(user_id), *t = mx_http_escape(type);
	char *path = xasprintf(API "/user/%s/account_data/%s", u, t);
	struct mx_http_req *req;

	req = start(a, "PUT", path, content, CALL_TIMEOUT_MS, SMALL_CAP, CALL_PLAIN, cb, ud);
	free(u);
	free(t);
	free(path);
	return req;
}

struct mx_http_req *mx_api_space_child(struct mx_api *a, const char *space_id,
				       const char *child_id, const char *via_server,
				       mx_api_cb cb, void *ud)
{
	return put_link(a, space_id, "m.space.child", child_id, via_server, 0, cb, ud);
}

struct mx_http_req *mx_api_space_parent(struct mx_api *a, const char *child_id,
					const char *space_id, const char *via_server,
					mx_api_cb cb, void *ud)
{
	return put_link(a, child_id, "m.space.parent", space_id, via_server, 1, cb, ud);
}

static struct mx_http_req *sync_with(struct mx_api *a, const char *filter, const char *since,
				     int timeout_ms, size_t cap, mx_api_cb cb, void *ud)
{
	char *s = since ? mx_http_escape(since) : NULL, *path;
	struct mx_http_req *req;

	path = xasprintf(API "/sync?timeout=%d&set_presence=offline&filter=%s%s%s", timeout_ms,
			 filter, s ? "&since=" : "", s ? s : "");
	/* a first sync can take the server a long while to assemble */
	req = start(a, "GET", path, NULL, since ? timeout_ms + 60000L : 600000L, cap, CALL_RAW,
		    cb, ud);
	free(s);
	free(path);
	return req;
}

struct mx_http_req *mx_api_sync(struct mx_api *a, const char *since, int timeout_ms,
				size_t cap, mx_api_cb cb, void *ud)
{
	static char *filter;

	if (!filter)
		filter = mx_http_escape(sync_filter);
	return sync_with(a, filter, since, timeout_ms, cap, cb, ud);
}

struct mx_http_req *mx_api_sync_narrow(struct mx_api *a, const char *since, size_t cap,
				       mx_api_cb cb, void *ud)
{
	static char *filter;

	if (!filter) {
		/* the same filter, one timeline event per room: the rest comes
		 * page by page from /messages */
		char *f = xstrdup(sync_filter), *lim = strstr(f, "\"limit\":5");
		if (lim)
			memcpy(lim, "\"limit\":1", strlen("\"limit\":5"));
		filter = mx_http_escape(f);
		free(f);
	}
	return sync_with(a, filter, since, 0, cap, cb, ud);
}

struct mx_http_req *mx_api_messages(struct mx_api *a, const char *room_id, const char *from,
				    const char *to, int forward, int limit, size_t cap,
				    mx_api_cb cb, void *ud)
{
	static char *filter;
	char *r = mx_http_escape(room_id), *f = mx_http_escape(from);
	char *t = to ? mx_http_escape(to) : NULL, *path;
	struct mx_http_req *req;

	if (!filter)
		filter = mx_http_escape("{\"types\":" TIMELINE_TYPES ","
					"\"lazy_load_members\":false}");
	path = xasprintf(API "/rooms/%s/messages?dir=%c&limit=%d&from=%s&filter=%s%s%s", r,
			 forward ? 'f' : 'b', limit, f, filter, t ? "&to=" : "", t ? t : "");
	req = start(a, "GET", path, NULL, CALL_TIMEOUT_MS, cap, CALL_RAW, cb, ud);
	free(r);
	free(f);
	free(t);
	free(path);
	return req;
}

struct mx_http_req *mx_api_send(struct mx_api *a, const char *room_id, const char *type,
				const char *txn_id, const char *content, mx_api_cb cb, void *ud)
{
	char *r = NULL, *ty = NULL, *tx = NULL, *path = NULL;
	struct mx_http_req *req = NULL;

	r = mx_http_escape(room_id);
	ty = mx_http_escape(type);
	tx = mx_http_escape(txn_id);
	path = xasprintf(API "/rooms/%s/send/%s/%s", r, ty, tx);
	req = start(a, "PUT", path, content, CALL_TIMEOUT_MS, SMALL_CAP, CALL_PLAIN, cb, ud);
	free(r);
	free(ty);
	free(tx);
	free(path);
	return req;
}

struct mx_http_req *mx_api_call(struct mx_api *a, const char *method, const char *path,
				const char *body, mx_api_cb cb, void *ud)
{
	char *full = xasprintf(API "%s", path);
	struct mx_http_req *req;

	req = start(a, method, full, body, CALL_TIMEOUT_MS, (size_t)64 << 20, CALL_RAW, cb, ud);
	free(full);
	return req;
}

char *mx_api_escape(const char *s)
{
	return mx_http_escape(s);
}
