/*
 * setup.c - "caucus setup" (SPEC §6): logs in as the daemon does, then
 * creates the rooms the configuration names but that do not exist yet
 * (coordination room and issue rooms, invite-only, encrypted when
 * encryption is on, bot.admins invited) and the coalition's Space holding
 * them.  It changes nothing that exists, so a second run creates nothing.
 * One call at a time on the daemon's own Matrix layer (mx_api over the
 * curl multi handle), each waited for in place: a command line tool, not
 * a daemon.  Knows nothing of commands.
 */
#include "setup.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "mx_api.h"
#include "store.h"
#include "util.h"

#define TRIES 6

/* A copy of what one call came back with. */
struct answer {
	int done;
	enum mx_outcome outcome;
	long http;
	int64_t retry_after_ms;
	char *errcode;
	char *error;
	char *room_id;
	char *user_id;
	char *device_id;
	char *access_token;     /* secret */
	char *body;
};

enum op_kind { OP_WHOAMI, OP_LOGIN, OP_RESOLVE, OP_CREATE, OP_CHILD, OP_PARENT, OP_GET };

/* One call to make (and to make again after a transient failure). */
struct op {
	enum op_kind kind;
	const char *a, *b;
	const struct mx_room_spec *spec;
};

struct setup {
	struct config *cfg;
	struct store *st;
	struct mx_api *api;
	const char *server;     /* the bot's server name (in cfg->user_id) */
	struct strv children;   /* room IDs for the Space: coordination first */
	char *coord_name;       /* the Space is named after it */
	int created_rooms, created_spaces, created_links, failures;
};

static void answer_release(struct answer *a)
{
	free(a->errcode);
	free(a->error);
	free(a->room_id);
	free(a->user_id);
	free(a->device_id);
	free_secret(a->access_token);
	free(a->body);
	memset(a, 0, sizeof(*a));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void on_answer(void *ud, const struct mx_result *r)
{
	struct answer *a = ud;

	a->done = 1;
	a->outcome = r->outcome;
	a->http = r->http;
	a->retry_after_ms = r->retry_after_ms;
	a->errcode = dup_or_null(r->errcode);
	a->error = dup_or_null(r->error);
	a->room_id = dup_or_null(r->room_id);
	a->user_id = dup_or_null(r->user_id);
	a->device_id = dup_or_null(r->device_id);
	a->access_token = dup_or_null(r->access_token);
	a->body = r->body ? xstrdup(r->body) : NULL;
}

static struct mx_http_req *op_start(struct setup *s, const struct op *op, struct answer *a)
{
	switch (op->kind) {
	case OP_WHOAMI:
		return mx_api_whoami(s->api, on_answer, a);
	case OP_LOGIN:
		return mx_api_login(s->api, s->cfg->user_id, s->cfg->password, op->a,
				    s->cfg->device_name, on_answer, a);
	case OP_RESOLVE:
		return mx_api_resolve(s->api, op->a, on_answer, a);
	case OP_CREATE:
		return mx_api_create_room(s->api, op->spec, on_answer, a);
	case OP_CHILD:
		return mx_api_space_child(s->api, op->a, op->b, s->server, on_answer, a);
	case OP_PARENT:
		return mx_api_space_parent(s->api, op->a, op->b, s->server, on_answer, a);
	case OP_GET:
		return mx_api_call(s->api, "GET", op->a, NULL, on_answer, a);
	}
	return NULL;
}

/*
 * Make the call and wait for its answer in *a (release it after), trying
 * again after a network failure, a 5xx or a 429 (honouring retry_after_ms).
 * Returns 0 when the server said yes, -1 otherwise (the reason is in *a).
 */
static int call(struct setup *s, const struct op *op, struct answer *a)
{
	for (int attempt = 1;; attempt++) {
		struct mx_http_req *req;
		int64_t wait;

		answer_release(a);
		req = op_start(s, op, a);
		if (!req) {
			a->outcome = MX_RETRY;
			a->error = xstrdup("the request could not be started");
		}
		while (req && !a->done)
			if (mx_api_poll(s->api, -1, 1000)) {
				mx_api_cancel(s->api, req);
				a->outcome = MX_RETRY;
				a->error = xstrdup("the network layer failed");
				return -1;
			}
		if (a->outcome != MX_RETRY || attempt >= TRIES)
			return a->outcome == MX_OK ? 0 : -1;
		wait = a->retry_after_ms >= 0 ? a->retry_after_ms + 100 : 1000LL * attempt;
		if (wait > 30000)
			wait = 30000;
		log_debug("setup: %s; trying again in %lld ms", a->error, (long long)wait);
		/* nothing is in flight: the poll is the wait */
		mx_api_poll(s->api, -1, (int)wait);
	}
}

/* ---- login, as the daemon does it ---- */

static int keep_login(struct setup *s, const struct answer *a)
{
	if (store_begin(s->st) || store_meta_set(s->st, "access_token", a->access_token) ||
	    (a->device_id && store_meta_set(s->st, "device_id", a->device_id)) ||
	    store_commit(s->st)) {
		store_rollback(s->st);
		fprintf(stderr, "caucus setup: cannot keep the new access token: %s\n",
			store_errmsg(s->st));
		return -1;
	}
	return 0;
}

static int login(struct setup *s)
{
	struct answer a = { 0 };
	struct op op = { .kind = OP_WHOAMI };
	char *stored = NULL, *device = NULL;
	int rc = -1;

	if (s->cfg->access_token) {
		mx_api_set_token(s->api, s->cfg->access_token);
	} else {
		stored = store_meta_get(s->st, "access_token");
		if (stored && *stored)
			mx_api_set_token(s->api, stored);
	}
	if (s->cfg->access_token || (stored && *stored)) {
		if (call(s, &op, &a) == 0)
			goto whoami_ok;
		/* only a refused token calls for a new login, not a network failure */
		if (a.outcome != MX_UNAUTHORIZED) {
			fprintf(stderr, "caucus setup: whoami failed: %s\n", a.error);
			goto out;
		}
	}
	if (s->cfg->access_token || !s->cfg->password) {
		fprintf(stderr, "caucus setup: %s\n", a.error ? a.error :
			"no access token kept and no password configured; set matrix.password "
			"or matrix.access_token");
		goto out;
	}
	mx_api_set_token(s->api, NULL);
	device = store_meta_get(s->st, "device_id");
	op.kind = OP_LOGIN;
	op.a = device && *device ? device : NULL;
	if (call(s, &op, &a) || !a.access_token) {
		fprintf(stderr, "caucus setup: login as %s refused: %s\n", s->cfg->user_id,
			a.error ? a.error : "no access token in the answer");
		goto out;
	}
	if (keep_login(s, &a))
		goto out;
	mx_api_set_token(s->api, a.access_token);
	op.kind = OP_WHOAMI;
	if (call(s, &op, &a)) {
		fprintf(stderr, "caucus setup: whoami failed: %s\n", a.error);
		goto out;
	}
whoami_ok:
	if (!a.user_id || strcmp(a.user_id, s->cfg->user_id)) {
		fprintf(stderr, "caucus setup: the access token belongs to %s, not to "
			"matrix.user_id %s\n", a.user_id ? a.user_id : "nobody", s->cfg->user_id);
		goto out;
	}
	rc = 0;
out:
	answer_release(&a);
	free_secret(stored);
	free(device);
	return rc;
}

/* ---- rooms ---- */

/* The local part of "#local:server" into buf; NULL (and a message) when
 * the alias is not on the bot's server, where setup could not make it. */
static const char *alias_local(struct setup *s, const char *alias, char *buf, size_t len)
{
	const char *colon = strchr(alias, ':');

	if (alias[0] != '#' || !colon || colon == alias + 1 || strcmp(colon + 1, s->server)) {
		printf("cannot create %s: only aliases on %s can be made by %s\n", alias,
		       s->server, s->cfg->user_id);
		return NULL;
	}
	if ((size_t)(colon - alias) > len) {
		printf("cannot create %s: the alias is too long\n", alias);
		return NULL;
	}
	snprintf(buf, len, "%.*s", (int)(colon - alias - 1), alias + 1);
	return buf;
}

/*
 * The room behind alias, created when it does not resolve.  Returns its
 * ID (caller frees) or NULL after printing why.  space: make a Space.
 */
static char *ensure_room(struct setup *s, const char *alias, const char *name, int space)
{
	struct answer a = { 0 };
	struct op op = { .kind = OP_RESOLVE, .a = alias };
	struct mx_room_spec spec;
	char local[256], *id = NULL;

	if (call(s, &op, &a) == 0 && a.room_id) {
		printf("exists: %s %s (%s)\n", space ? "space" : "room", alias, a.room_id);
		id = xstrdup(a.room_id);
		goto out;
	}
	if (a.http != 404) {
		printf("cannot look up %s: %s\n", alias, a.error ? a.error : "no room ID");
		s->failures++;
		goto out;
	}
	if (!alias_local(s, alias, local, sizeof(local))) {
		s->failures++;
		goto out;
	}
	memset(&spec, 0, sizeof(spec));
	spec.alias_local = local;
	spec.name = name;
	spec.encrypted = s->cfg->encryption;
	spec.space = space;
	spec.invite = (const char *const *)s->cfg->admins.v;
	spec.n_invite = s->cfg->admins.n;
	spec.creator = s->cfg->user_id;
	op.kind = OP_CREATE;
	op.spec = &spec;
	if (call(s, &op, &a) || !a.room_id) {
		printf("cannot create %s: %s\n", alias, a.error ? a.error : "no room ID");
		s->failures++;
		goto out;
	}
	id = xstrdup(a.room_id);
	if (space)
		s->created_spaces++;
	else
		s->created_rooms++;
	printf("created: %s %s (%s) \"%s\"%s", space ? "space" : "room", alias, id, name,
	       !space && s->cfg->encryption ? ", encrypted" : "");
	for (size_t i = 0, n = 0; i < s->cfg->admins.n; i++)
		if (strcmp(s->cfg->admins.v[i], s->cfg->user_id))
			printf("%s%s", n++ ? ", " : ", invited ", s->cfg->admins.v[i]);
	printf("\n");
out:
	answer_release(&a);
	return id;
}

/* A room of the configuration: an alias to make sure of, or a room ID
 * taken as it is. */
static void configured_room(struct setup *s, const char *room, const char *name)
{
	char *id;

	if (room[0] == '!') {
		if (!strv_has(&s->children, room))
			strv_push(&s->children, room);
		return;
	}
	id = ensure_room(s, room, name, 0);
	if (id && !strv_has(&s->children, id))
		strv_push(&s->children, id);
	free(id);
}

/* ---- the Space ---- */

/* The Space's alias: the coordination room's, with "-space" after its
 * local part; the caller frees. */
static char *space_alias(struct setup *s)
{
	const char *coord = s->cfg->coordination_room, *colon;

	if (coord && coord[0] == '#' && (colon = strchr(coord, ':')))
		return xasprintf("%.*s-space:%s", (int)(colon - coord), coord, s->server);
	return xasprintf("#caucus-space:%s", s->server);
}

/* The rooms the Space already lists (m.space.child with a "via"). */
static int space_children(struct setup *s, const char *space_id, struct strv *out)
{
	struct answer a = { 0 };
	char *e = mx_api_escape(space_id), *path = xasprintf("/rooms/%s/state", e);
	struct op op = { .kind = OP_GET, .a = path };
	cJSON *state = NULL, *ev;
	int rc = -1;

	if (call(s, &op, &a)) {
		printf("cannot read the space's state: %s\n", a.error);
		goto out;
	}
	state = cJSON_Parse(a.body ? a.body : "");
	if (!cJSON_IsArray(state)) {
		printf("cannot read the space's state: not a list of events\n");
		goto out;
	}
	cJSON_ArrayForEach(ev, state) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(ev, "state_key");
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
		const cJSON *via = cJSON_GetObjectItemCaseSensitive(content, "via");

		/* an m.space.child without via is a removed child (spec "Spaces") */
		if (cJSON_IsString(type) && !strcmp(type->valuestring, "m.space.child") &&
		    cJSON_IsString(key) && cJSON_IsArray(via) && cJSON_GetArraySize(via) > 0)
			strv_push(out, key->valuestring);
	}
	rc = 0;
out:
	cJSON_Delete(state);
	answer_release(&a);
	free(e);
	free(path);
	return rc;
}

static int ensure_space(struct setup *s)
{
	struct strv have = { 0 };
	struct answer a = { 0 };
	char *alias = space_alias(s), *id = NULL;
	int rc = -1;

	id = ensure_room(s, alias, s->coord_name, 1);
	if (!id)
		goto out;
	if (store_begin(s->st) || store_meta_set(s->st, "space_room_id", id) ||
	    store_commit(s->st)) {
		store_rollback(s->st);
		printf("cannot keep the space's ID: %s\n", store_errmsg(s->st));
		s->failures++;
		goto out;
	}
	if (space_children(s, id, &have)) {
		s->failures++;
		goto out;
	}
	for (size_t i = 0; i < s->children.n; i++) {
		const char *child = s->children.v[i];
		struct op op = { .kind = OP_CHILD, .a = id, .b = child };

		if (strv_has(&have, child))
			continue;
		if (call(s, &op, &a)) {
			printf("cannot add %s to the space: %s\n", child, a.error);
			s->failures++;
			continue;
		}
		s->created_links++;
		op.kind = OP_PARENT;
		op.a = child;
		op.b = id;
		/* a room made by someone else may not let the bot say so: the
		 * child link alone is what clients list */
		if (call(s, &op, &a))
			printf("added %s to the space (its own m.space.parent was refused: %s)\n",
			       child, a.error);
		else
			printf("added %s to the space\n", child);
	}
	rc = 0;
out:
	answer_release(&a);
	strv_release(&have);
	free(alias);
	free(id);
	return rc;
}

/* ---- the subcommand ---- */

int setup_main(const char *config_path)
{
	struct setup s;
	struct buf errs;
	char err[512];
	const char *colon;
	int rc = 1;

	memset(&s, 0, sizeof(s));
	buf_init(&errs, 0);
	if (getenv("CAUCUS_DEBUG"))
		log_set_level(LOG_DEBUG);
	if (config_load(config_path, &s.cfg, &errs)) {
		fprintf(stderr, "%s", errs.data);
		fprintf(stderr, "caucus setup: %s has errors\n", config_path);
		goto out;
	}
	colon = strchr(s.cfg->user_id, ':');
	s.server = colon + 1;   /* config_load checked "@local:server" */
	umask(077);     /* the database keeps the access token */
	s.st = store_open(s.cfg->database, err, sizeof(err));
	if (!s.st) {
		fprintf(stderr, "caucus setup: %s\n", err);
		goto out;
	}
	s.api = mx_api_new(s.cfg->homeserver);
	if (!s.api || login(&s))
		goto out;
	if (s.cfg->coordination_room) {
		const char *c = s.cfg->coordination_room, *cc = strchr(c, ':');

		s.coord_name = c[0] == '#' && cc ? xasprintf("%.*s", (int)(cc - c - 1), c + 1)
						 : xstrdup("caucus");
		configured_room(&s, c, s.coord_name);
	} else {
		s.coord_name = xstrdup("caucus");
	}
	for (size_t i = 0; i < s.cfg->n_issues; i++) {
		const struct cfg_issue *ci = &s.cfg->issues[i];

		if (ci->room)
			configured_room(&s, ci->room, ci->name);
		else
			printf("skipped: issue %s names no room (the daemon's %sissue room %s "
			       "makes one)\n", ci->slug, s.cfg->command_prefix, ci->slug);
	}
	ensure_space(&s);
	if (s.created_rooms || s.created_spaces || s.created_links)
		printf("caucus setup: created %d room%s, %d space%s and %d space link%s\n",
		       s.created_rooms, s.created_rooms == 1 ? "" : "s", s.created_spaces,
		       s.created_spaces == 1 ? "" : "s", s.created_links,
		       s.created_links == 1 ? "" : "s");
	else
		printf("caucus setup: nothing to create\n");
	if (s.failures)
		fprintf(stderr, "caucus setup: %d thing%s could not be done (see above)\n",
			s.failures, s.failures == 1 ? "" : "s");
	rc = s.failures ? 1 : 0;
out:
	mx_api_free(s.api);
	store_close(s.st);
	config_free(s.cfg);
	strv_release(&s.children);
	free(s.coord_name);
	buf_release(&errs);
	return rc;
}
