/*
 * roomwork.c - the engine's room requests carried out on the server, one
 * at a time: "invite" (POST /invite), "create" (an issue's room: POST
 * /createRoom as Element makes a private room, then the link to the
 * issue and a Space request, in one transaction with the notice that says
 * so) and "space" (m.space.child in the Space, then m.space.parent in the
 * room), "direct" (a member's direct room: /createRoom with is_direct,
 * see direct.c) and "mdirect" (the bot's m.direct account data).  Network
 * errors, 5xx and 429 are tried again later; a refusal ends the request
 * with a notice to the asker.
 */
#include "roomwork.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "direct.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "mx_api.h"
#include "mx_content.h"
#include "outbox.h"
#include "store.h"
#include "store_direct.h"
#include "store_issue.h"
#include "store_request.h"
#include "store_room.h"
#include "util.h"

#define TRIES 12
#define FIRST_WAIT_MS 2000
#define MAX_WAIT_MS 120000
#define STORE_WAIT_MS 5000

struct roomwork {
	struct store *st;
	struct mx_api *api;
	struct loop *loop;
	struct outbox *ob;
	struct config *const *cfg;
	int hold;
	struct store_request cur;       /* the request in hand (id 0: none) */
	int step;                       /* "space": 0 child, 1 parent */
	char *space;                    /* "space": the Space's room ID */
	struct mx_http_req *req;
	struct loop_timer *timer;
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *server_of(const char *user_id)
{
	const char *colon = strchr(user_id, ':');

	return colon ? colon + 1 : user_id;
}

struct roomwork *roomwork_new(struct store *st, struct mx_api *api, struct loop *loop,
			      struct outbox *ob, struct config *const *cfg)
{
	struct roomwork *w = xcalloc(1, sizeof(*w));

	w->st = st;
	w->api = api;
	w->loop = loop;
	w->ob = ob;
	w->cfg = cfg;
	w->hold = 1;
	return w;
}

void roomwork_free(struct roomwork *w)
{
	if (!w)
		return;
	if (w->req)
		mx_api_cancel(w->api, w->req);
	loop_timer_cancel(w->loop, w->timer);
	store_request_release(&w->cur);
	free(w->space);
	free(w);
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case ENGINE_INVITE: return "invite";
	case ENGINE_CREATE_ROOM: return "create";
	case ENGINE_SPACE_ADD: return "space";
	default: return NULL;
	}
}

int roomwork_queue(struct store *st, const struct engine_reply *r, const char *cause, size_t i)
{
	const char *kind = kind_name(r->kind);
	char *key;
	int rc;

	if (!kind)
		return 0;
	key = xasprintf("%s.%zu", cause ? cause : "-", i);
	rc = store_request_add(st, key, kind, r->target, r->user, r->issue_id, r->room_id,
			       r->reply_to, r->thread_root);
	free(key);
	return rc;
}

static void on_timer(void *ud)
{
	struct roomwork *w = ud;

	w->timer = NULL;
	roomwork_kick(w);
}

static void arm(struct roomwork *w, int64_t ms)
{
	loop_timer_cancel(w->loop, w->timer);
	w->timer = loop_timer_add(w->loop, ms, on_timer, w);
}

void roomwork_hold(struct roomwork *w, int hold)
{
	w->hold = hold;
	if (!hold)
		roomwork_kick(w);
}

/* Queue a notice (text, escaped here) to where the request came from,
 * under a transaction ID derived from the request: once, also after a crash. */
static int tell(struct roomwork *w, const char *text)
{
	struct buf html;
	struct mx_notice n;
	char *content, *txn;
	int rc;

	buf_init(&html, 0);
	buf_html_escape(&html, text);
	memset(&n, 0, sizeof(n));
	n.body = text;
	n.html = html.data;
	n.reply_to = w->cur.reply_to;
	n.thread_root = w->cur.thread_root;
	content = mx_content_notice(&n);
	txn = xasprintf("caucus.rq.%s", w->cur.key);
	rc = outbox_queue(w->st, w->cur.room_id, txn, content, wall_ms());
	free(content);
	free(txn);
	buf_release(&html);
	return rc;
}

/* The issue's name for a notice (caller frees): by ID, else by room. */
static char *issue_name(struct roomwork *w, int64_t issue_id, const char *room)
{
	char *slug = NULL, *name = NULL, *linked = NULL;

	if (issue_id <= 0 && room)
		issue_id = store_lookup_room_issue(w->st, room);
	if (issue_id > 0 && store_lookup_issue(w->st, issue_id, &slug, &name, &linked) == 0) {
		free(slug);
		free(linked);
		return name;
	}
	return xstrdup(room ? room : "the issue");
}

/*
 * End the request in hand: forget it, with the notice 'text' (may be
 * NULL) and an optional link of the new room 'created' to its issue,
 * all in one transaction.  Then go on with the next.
 */
static void finish(struct roomwork *w, const char *text, const char *created)
{
	int64_t id = w->cur.id;
	char *space = NULL, *key = NULL;
	int ok;

	ok = store_begin(w->st) == 0;
	if (ok && created) {
		ok = store_issue_link(w->st, w->cur.issue_id, created, NULL, NULL) == 0;
		space = store_meta_get(w->st, "space_room_id");
		key = xasprintf("space.%s", created);
		if (ok && space && *space)
			ok = store_request_add(w->st, key, "space", created, NULL, 0,
					       w->cur.room_id, NULL, NULL) == 0;
	}
	/* a direct room given up on: the next message to the member asks
	 * again (nobody asked in a room, so nothing is told) */
	if (ok && w->cur.kind && !strcmp(w->cur.kind, "direct")) {
		ok = store_direct_forget_user(w->st, w->cur.user_id) == 0;
		text = NULL;
	}
	if (w->cur.kind && !strcmp(w->cur.kind, "mdirect"))
		text = NULL;
	if (ok && text)
		ok = tell(w, text) == 0;
	if (ok)
		ok = store_request_done(w->st, id) == 0 && store_commit(w->st) == 0;
	if (!ok) {
		store_rollback(w->st);
		log_error("rooms: cannot record the end of request %lld: %s", (long long)id,
			  store_errmsg(w->st));
		/* the request stays: it runs again in a while */
		arm(w, STORE_WAIT_MS);
	}
	free(space);
	free(key);
	store_request_release(&w->cur);
	free(w->space);
	w->space = NULL;
	w->step = 0;
	if (ok) {
		outbox_kick(w->ob);
		roomwork_kick(w);
	}
}

/* A transient failure: the request waits, growing, then runs again; after
 * TRIES it ends with a notice. */
static void later(struct roomwork *w, const struct mx_result *r, const char *what)
{
	int64_t ms = FIRST_WAIT_MS;
	int attempts = w->cur.attempts + 1;

	if (attempts >= TRIES) {
		char *text = xasprintf("I could not %s: the server did not answer (%s).", what,
				       r->error);
		log_warn("rooms: giving up on request %lld (%s): %s", (long long)w->cur.id,
			 w->cur.kind, r->error);
		finish(w, text, NULL);
		free(text);
		return;
	}
	for (int i = 1; i < attempts && ms < MAX_WAIT_MS; i++)
		ms *= 2;
	if (ms > MAX_WAIT_MS)
		ms = MAX_WAIT_MS;
	if (r->retry_after_ms > ms)
		ms = r->retry_after_ms;
	log_warn("rooms: request %lld (%s) failed (%s); again in %lld ms", (long long)w->cur.id,
		 w->cur.kind, r->error, (long long)ms);
	if (store_begin(w->st) || store_request_retry(w->st, w->cur.id, attempts, wall_ms() + ms) ||
	    store_commit(w->st))
		store_rollback(w->st);
	store_request_release(&w->cur);
	free(w->space);
	w->space = NULL;
	w->step = 0;
	arm(w, ms);
}

static void on_invited(void *ud, const struct mx_result *r)
{
	struct roomwork *w = ud;
	char *name = issue_name(w, 0, w->cur.target), *what, *text;

	w->req = NULL;
	what = xasprintf("invite you to %s's room", name);
	if (r->outcome == MX_OK) {
		log_info("rooms: invited %s to %s", w->cur.user_id, w->cur.target);
		finish(w, NULL, NULL);
	} else if (r->outcome == MX_REFUSED) {
		text = xasprintf("I could not %s: %s.", what, r->error);
		log_warn("rooms: cannot invite %s to %s: %s", w->cur.user_id, w->cur.target,
			 r->error);
		finish(w, text, NULL);
		free(text);
	} else {
		later(w, r, what);
	}
	free(what);
	free(name);
}

static void on_created(void *ud, const struct mx_result *r)
{
	struct roomwork *w = ud;
	char *slug = NULL, *name = NULL, *room = NULL, *what = NULL, *text = NULL;
	const char *server = server_of((*w->cfg)->user_id);

	w->req = NULL;
	if (store_lookup_issue(w->st, w->cur.issue_id, &slug, &name, &room)) {
		finish(w, "That issue is gone; no room was linked.", NULL);
		goto out;
	}
	what = xasprintf("create %s's room", name);
	if (r->outcome == MX_OK && r->room_id) {
		log_info("rooms: created #%s:%s (%s) for %s", slug, server, r->room_id, slug);
		text = xasprintf("%s's room #%s:%s is ready and linked; I have invited you to it.",
				 name, slug, server);
		finish(w, text, r->room_id);
	} else if (r->outcome == MX_REFUSED && r->errcode && !strcmp(r->errcode, "M_ROOM_IN_USE")) {
		text = xasprintf("I could not %s: #%s:%s already exists. Invite me to it and send "
				 "%sissue link %s there.", what, slug, server,
				 (*w->cfg)->command_prefix, slug);
		finish(w, text, NULL);
	} else if (r->outcome == MX_REFUSED || (r->outcome == MX_OK && !r->room_id)) {
		text = xasprintf("I could not %s: %s.", what, r->error ? r->error : "no room ID");
		finish(w, text, NULL);
	} else {
		later(w, r, what);
	}
out:
	free(slug);
	free(name);
	free(room);
	free(what);
	free(text);
}

/* "direct": the room made for a member (SPEC §2), recorded with the
 * member; messages waiting for it go once the sync shows it ready. */
static void on_direct(void *ud, const struct mx_result *r)
{
	struct roomwork *w = ud;
	const struct config *cfg = *w->cfg;
	int64_t id = w->cur.id;
	int ok;

	w->req = NULL;
	if (r->outcome == MX_OK && r->room_id) {
		log_info("rooms: made the direct room %s with %s", r->room_id, w->cur.user_id);
		ok = store_begin(w->st) == 0 &&
		     direct_created(w->st, cfg->user_id, w->cur.user_id, r->room_id, wall_ms()) == 0 &&
		     store_request_done(w->st, id) == 0 && store_commit(w->st) == 0;
		if (!ok) {
			store_rollback(w->st);
			log_error("rooms: cannot record the direct room %s: %s", r->room_id,
				  store_errmsg(w->st));
		}
		store_request_release(&w->cur);
		outbox_kick(w->ob);
		roomwork_kick(w);
		return;
	}
	if (r->outcome == MX_REFUSED || r->outcome == MX_OK) {
		/* forgotten: the next message to the member tries again; what
		 * waits for the room keeps waiting in the outbox */
		log_warn("rooms: cannot make a direct room with %s: %s", w->cur.user_id,
			 r->error ? r->error : "no room ID");
		if (store_begin(w->st) || store_direct_forget_user(w->st, w->cur.user_id) ||
		    store_request_done(w->st, id) || store_commit(w->st))
			store_rollback(w->st);
		store_request_release(&w->cur);
		roomwork_kick(w);
		return;
	}
	later(w, r, "make a direct room");
}

/* "mdirect": the bot's m.direct account data, as Element keeps it. */
static void on_account_data(void *ud, const struct mx_result *r)
{
	struct roomwork *w = ud;

	w->req = NULL;
	if (r->outcome == MX_RETRY || r->outcome == MX_UNAUTHORIZED) {
		later(w, r, "mark the direct rooms");
		return;
	}
	if (r->outcome != MX_OK)
		log_warn("rooms: cannot write m.direct: %s", r->error);
	finish(w, NULL, NULL);
}

static void space_step(struct roomwork *w);

static void on_linked(void *ud, const struct mx_result *r)
{
	struct roomwork *w = ud;

	w->req = NULL;
	if (r->outcome == MX_RETRY || r->outcome == MX_UNAUTHORIZED) {
		later(w, r, "add the room to the Space");
		return;
	}
	if (r->outcome != MX_OK) {
		/* the parent half needs power in a room someone else made: the
		 * child half is what clients list, so that is no failure to tell */
		log_warn("rooms: cannot write m.space.%s for %s: %s", w->step ? "parent" : "child",
			 w->cur.target, r->error);
		finish(w, NULL, NULL);
		return;
	}
	if (w->step++ == 0) {
		space_step(w);
		return;
	}
	log_info("rooms: %s added to the Space %s", w->cur.target, w->space);
	finish(w, NULL, NULL);
}

static void space_step(struct roomwork *w)
{
	const char *server = server_of((*w->cfg)->user_id);

	if (w->step == 0)
		w->req = mx_api_space_child(w->api, w->space, w->cur.target, server, on_linked, w);
	else
		w->req = mx_api_space_parent(w->api, w->cur.target, w->space, server, on_linked, w);
	if (!w->req) {
		struct mx_result r = { .outcome = MX_RETRY, .error = "could not start",
				       .retry_after_ms = -1 };
		later(w, &r, "add the room to the Space");
	}
}

static void start(struct roomwork *w)
{
	struct store_request *q = &w->cur;
	const struct config *cfg = *w->cfg;

	if (!strcmp(q->kind, "invite") && q->target && q->user_id) {
		w->req = mx_api_invite(w->api, q->target, q->user_id, on_invited, w);
	} else if (!strcmp(q->kind, "create") && q->user_id) {
		char *slug = NULL, *name = NULL, *room = NULL, *text = NULL;
		const char *invite[1] = { q->user_id };
		struct mx_room_spec spec;

		if (store_lookup_issue(w->st, q->issue_id, &slug, &name, &room)) {
			finish(w, "That issue is gone; no room was made.", NULL);
			return;
		}
		if (room) {
			/* linked meanwhile (another !issue room, an !issue link) */
			text = xasprintf("%s has a room already; %sjoin %s gets you an invite.",
					 name, cfg->command_prefix, slug);
			finish(w, text, NULL);
		} else {
			memset(&spec, 0, sizeof(spec));
			spec.alias_local = slug;
			spec.name = name;
			spec.encrypted = cfg->encryption;
			spec.invite = invite;
			spec.n_invite = 1;
			spec.creator = cfg->user_id;
			w->req = mx_api_create_room(w->api, &spec, on_created, w);
		}
		free(slug);
		free(name);
		free(room);
		if (text) {
			free(text);
			return;
		}
	} else if (!strcmp(q->kind, "direct") && q->user_id) {
		const char *invite[1] = { q->user_id };
		struct mx_room_spec spec;

		memset(&spec, 0, sizeof(spec));
		spec.encrypted = cfg->encryption;
		spec.is_direct = 1;
		spec.invite = invite;
		spec.n_invite = 1;
		spec.creator = cfg->user_id;
		w->req = mx_api_create_room(w->api, &spec, on_direct, w);
	} else if (!strcmp(q->kind, "mdirect")) {
		char *content = direct_account_data(w->st);

		if (!content) {
			struct mx_result r = { .outcome = MX_RETRY, .error = "the store failed",
					       .retry_after_ms = -1 };
			later(w, &r, "mark the direct rooms");
			return;
		}
		w->req = mx_api_account_data(w->api, cfg->user_id, "m.direct", content,
					     on_account_data, w);
		free(content);
	} else if (!strcmp(q->kind, "space") && q->target) {
		w->space = store_meta_get(w->st, "space_room_id");
		if (!w->space || !*w->space) {
			finish(w, NULL, NULL);      /* no Space was made: nothing to add to */
			return;
		}
		w->step = 0;
		space_step(w);
		return;
	} else {
		log_warn("rooms: dropping malformed request %lld (%s)", (long long)q->id, q->kind);
		finish(w, NULL, NULL);
		return;
	}
	if (!w->req) {
		struct mx_result r = { .outcome = MX_RETRY, .error = "could not start",
				       .retry_after_ms = -1 };
		later(w, &r, "do that");
	}
}

void roomwork_kick(struct roomwork *w)
{
	int64_t wait = -1;
	int rc;

	if (w->hold || w->req || w->cur.id)
		return;
	rc = store_request_next(w->st, wall_ms(), &w->cur, &wait);
	if (rc < 0) {
		arm(w, STORE_WAIT_MS);
		return;
	}
	if (rc == 1) {
		if (wait >= 0)
			arm(w, wait);
		return;
	}
	start(w);
}
