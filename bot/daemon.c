/*
 * daemon.c - "caucus run" (SPEC §3, §6): logs in, then long-polls /sync and
 * applies each batch in one transaction with its next_batch token - the
 * engine's work, the answers queued in the outbox, the events marked
 * handled - so a crash at any point replays the batch or nothing.  Sends,
 * due reminders and digests, invites and retries share the one loop.  The
 * Matrix wire format stays in mx_*.c; the commands stay in the engine.
 */
#include "daemon.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "direct.h"
#include "e2ee.h"
#include "engine.h"
#include "feedpoll.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "mx_api.h"
#include "mx_content.h"
#include "mx_sync.h"
#include "notify.h"
#include "observe.h"
#include "outbox.h"
#include "roomwork.h"
#include "store.h"
#include "store_outbox.h"
#include "store_sync.h"
#include "util.h"
#include "when.h"

#define SYNC_TIMEOUT_MS 30000
#define SYNC_CAP ((size_t)256 << 20)    /* a day's backlog, not a runaway server */
#define GAP_PAGE 500                    /* events per /messages page, one transaction each */
#define GAP_MAX_PAGES 20000             /* pages per batch: 10 million missed events */
#define TRIM_AFTER_BYTES ((size_t)256 << 10)   /* an answer this big gives its memory back */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 15000
#define INVITE_TRIES 8
#define PURGE_EVERY_MS (3600 * 1000)
#define HANDLED_KEEP_MS ((int64_t)30 * 86400 * 1000)
#define SENT_KEEP_MS ((int64_t)7 * 86400 * 1000)
#define KEY_WAIT_MS (2 * 60 * 1000)     /* an encrypted message waits this long for its key */
#define KEY_CHECK_MS 15000
#define BAD_SYNCS_NARROW 2              /* unreadable answers before syncing narrowly */
#define BAD_SYNCS_SKIP 4                /* ... and before skipping the batch as a gap */
#define APPLY_FAILURES_ISOLATE 2        /* failed applies before one event at a time */
#define QUARANTINE_MAX 10               /* events set aside per batch, at most */

enum phase { PH_AUTH, PH_RESOLVE, PH_SYNC };

struct power {
	char *room_id;
	char *content;          /* m.room.power_levels content, or NULL */
	struct power *next;
};

/*
 * A call tried again until it is done: a room alias of the configuration
 * looked up, or an invite answered with a join (accepting it) or a leave
 * (declining it).
 */
enum call_kind { CALL_RESOLVE, CALL_JOIN, CALL_LEAVE };

struct call {
	struct daemon *d;
	enum call_kind kind;
	char *target;           /* the alias, or the room ID */
	char *inviter;          /* a join or a leave: who invited the bot */
	int holds_sync;         /* a lookup the first sync waits for */
	int attempts;
	struct mx_http_req *req;
	uint64_t timer;
	struct call *next;
};

/*
 * A /messages page asked for.  A page that came before an older one was
 * applied keeps a copy of its answer (body, error, errcode) until then.
 */
#define PAGES_AHEAD 2
struct page {
	struct daemon *d;
	char *room;
	struct mx_http_req *req;        /* NULL once answered */
	int answered;
	struct mx_result r;     /* the answer kept, pointing at the copies below */
	char *body, *error, *errcode;
};

struct daemon {
	const char *config_path;
	struct config *cfg;
	struct store *st;
	struct engine *eng;
	struct loop *loop;
	struct mx_api *api;
	struct outbox *ob;
	struct roomwork *rw;    /* invites, new rooms, Space links the engine asks for */
	struct e2ee *e2ee;      /* NULL when encryption is off */
	struct mx_sync_crypto crypto;   /* e2ee as the sync layer's peer */
	struct observe *obs;    /* health, metrics, watchdog, status */
	struct feedpoll *feeds; /* fetches the iCalendar feeds, once syncing */
	char *me;               /* the bot's user ID, from whoami */
	char *since;            /* the last applied next_batch */
	int token_from_store;
	enum phase phase;
	struct mx_http_req *req;        /* login, whoami, sync or a /messages page */
	uint64_t retry_timer;
	int failures;
	struct mx_sync_batch *batch;    /* a sync answer whose gaps are being read */
	struct page *pages[PAGES_AHEAD];        /* its /messages pages out, oldest first */
	int gap_pages;          /* /messages pages read for it */
	size_t gap_events;      /* events they held */
	int64_t sync_t0;        /* when its answer came */
	size_t sync_bytes;      /* how big it was, with its pages */
	int bad_syncs;          /* unreadable /sync answers in a row */
	int narrow;             /* syncing with a one-event timeline (after bad ones) */
	int apply_failures;     /* failed applies of the same batch in a row */
	int isolating;          /* applying one event at a time, setting failures aside */
	int quarantined;        /* events set aside in the batch being applied */
	int initial;            /* applying a first sync: history is not replayed */
	int resolving;          /* alias lookups the first sync waits for */
	struct power *powers;
	struct call *calls;
	struct call *new_calls; /* invites met in the batch being applied */
	uint64_t due_timer, purge_timer, key_timer;
	int64_t key_wait_ms;    /* KEY_WAIT_MS, or CAUCUS_KEY_WAIT_MS (tests) */
	int exit_code;
};

static void start_auth(struct daemon *d);
static void start_login(struct daemon *d);
static void start_whoami(struct daemon *d);
static void start_sync(struct daemon *d);
static void fill_gaps(struct daemon *d);
static void pages_drop(struct daemon *d);

/* The engine's clock. */
static int64_t wall_ms(void *ud)
{
	(void)ud;
	return loop_wall_ms();
}

static int64_t backoff_ms(int failures)
{
	return loop_jitter(loop_backoff_ms(failures, RETRY_FIRST_MS, RETRY_MAX_MS));
}

static void fatal_stop(struct daemon *d)
{
	d->exit_code = 1;
	loop_stop(d->loop);
}

/* Run fn again after a backoff that grows with each failure in a row. */
static void retry_later(struct daemon *d, void (*fn)(void *), const char *what,
			const char *why)
{
	int64_t ms;

	d->failures++;
	ms = backoff_ms(d->failures);
	/* the first failures of an outage are worth a warning, the rest are noise */
	log_msg(d->failures <= 3 || d->failures % 20 == 0 ? LOG_WARN : LOG_DEBUG,
		"%s failed (%s); retry %d in %lld ms", what, why, d->failures, (long long)ms);
	loop_timer_cancel(d->loop, d->retry_timer);
	d->retry_timer = loop_timer_add(d->loop, ms, fn, d);
}

/* ---- login ---- */

static void again_auth(void *ud)
{
	struct daemon *d = ud;

	start_auth(d);
}

static void again_whoami(void *ud)
{
	struct daemon *d = ud;

	start_whoami(d);
}

/* The token was refused: log in again with the password, if there is one. */
static void token_refused(struct daemon *d, const struct mx_result *r)
{
	if (d->cfg->password && !d->cfg->access_token) {
		log_warn("matrix: the stored access token was refused (%s); logging in again",
			 r->error);
		if (store_begin(d->st) == 0) {
			if (store_meta_set(d->st, "access_token", "") || store_commit(d->st))
				store_rollback(d->st);
		}
		mx_api_set_token(d->api, NULL);
		outbox_hold(d->ob, 1);
		roomwork_hold(d->rw, 1);
		d->phase = PH_AUTH;
		start_login(d);
		return;
	}
	log_error("matrix: the access token was refused: %s", r->error);
	fatal_stop(d);
}

static void on_login(void *ud, const struct mx_result *r)
{
	struct daemon *d = ud;

	d->req = NULL;
	if (r->outcome == MX_RETRY) {
		retry_later(d, again_auth, "login", r->error);
		return;
	}
	if (r->outcome != MX_OK || !r->access_token) {
		log_error("matrix: login as %s refused: %s", d->cfg->user_id,
			  r->error ? r->error : "no access token in the answer");
		fatal_stop(d);
		return;
	}
	if (store_begin(d->st) || store_meta_set(d->st, "access_token", r->access_token) ||
	    (r->device_id && store_meta_set(d->st, "device_id", r->device_id)) ||
	    store_commit(d->st)) {
		store_rollback(d->st);
		log_error("matrix: cannot keep the new access token: %s", store_errmsg(d->st));
		fatal_stop(d);
		return;
	}
	log_info("matrix: logged in as %s, device %s", r->user_id ? r->user_id : "?",
		 r->device_id ? r->device_id : "?");
	mx_api_set_token(d->api, r->access_token);
	d->token_from_store = 1;
	start_whoami(d);
}

static void start_login(struct daemon *d)
{
	char *device = store_meta_get(d->st, "device_id");

	d->req = mx_api_login(d->api, d->cfg->user_id, d->cfg->password,
			      device && *device ? device : NULL, d->cfg->device_name, on_login, d);
	free(device);
	if (!d->req)
		retry_later(d, again_auth, "login", "could not start the request");
}

static void resolve_all(struct daemon *d);

/* A notice to sender in reply to their event_id, under the txn ID
 * txn_prefix + event_id (so it is queued once), in the caller's
 * transaction.  0 or -1. */
static int tell_sender(struct daemon *d, const char *room_id, const char *event_id,
		       const char *sender, const char *text, const char *txn_prefix)
{
	char *mention[1] = { xstrdup(sender) };
	struct mx_notice n = { .body = text, .html = text, .mentions = mention,
			       .n_mentions = 1, .reply_to = event_id };
	char *content = mx_content_notice(&n), *txn = xasprintf("%s%s", txn_prefix, event_id);
	int rc = outbox_queue(d->st, room_id, txn, content, loop_wall_ms());

	free(mention[0]);
	free(content);
	free(txn);
	return rc;
}

/* A sender's client withheld the key of their message: tell them why at
 * once (people outside access.allowed_users get nothing). */
static int tell_withheld(void *ud, const char *room_id, const char *event_id,
			 const char *sender, const char *text)
{
	struct daemon *d = ud;

	if (!config_user_allowed(d->cfg, sender))
		return 0;
	return tell_sender(d, room_id, event_id, sender, text, "caucus.withheld.");
}

static void on_whoami(void *ud, const struct mx_result *r)
{
	struct daemon *d = ud;

	d->req = NULL;
	if (r->outcome == MX_RETRY) {
		retry_later(d, again_whoami, "whoami", r->error);
		return;
	}
	if (r->outcome == MX_UNAUTHORIZED) {
		token_refused(d, r);
		return;
	}
	if (r->outcome != MX_OK || !r->user_id) {
		log_error("matrix: whoami failed: %s", r->error ? r->error : "no user_id");
		fatal_stop(d);
		return;
	}
	d->failures = 0;
	free(d->me);
	d->me = xstrdup(r->user_id);
	if (strcmp(d->me, d->cfg->user_id))
		log_warn("matrix: the access token belongs to %s, not to matrix.user_id %s",
			 d->me, d->cfg->user_id);
	if (r->device_id && store_begin(d->st) == 0) {
		if (store_meta_set(d->st, "device_id", r->device_id) || store_commit(d->st))
			store_rollback(d->st);
	}
	log_info("matrix: running as %s (device %s) on %s", d->me,
		 r->device_id ? r->device_id : "?", d->cfg->homeserver);
	if (d->cfg->encryption && !d->e2ee) {
		char err[300];
		if (!r->device_id) {
			log_error("e2ee: the server did not say which device this is; "
				  "encryption needs it");
			fatal_stop(d);
			return;
		}
		d->e2ee = e2ee_new(d->st, d->api, d->loop, d->cfg->pickle_key_file, d->me,
				   r->device_id, d->cfg->password, err, sizeof(err));
		if (!d->e2ee) {
			log_error("e2ee: %s", err);
			fatal_stop(d);
			return;
		}
		e2ee_sync_peer(d->e2ee, &d->crypto);
		outbox_set_e2ee(d->ob, d->e2ee);
		e2ee_on_withheld(d->e2ee, tell_withheld, d);
		if (d->cfg->recovery_key_file)
			e2ee_set_recovery_key_file(d->e2ee, d->cfg->recovery_key_file);
		e2ee_kick(d->e2ee);
	}
	d->phase = PH_RESOLVE;
	resolve_all(d);
}

static void start_whoami(struct daemon *d)
{
	d->req = mx_api_whoami(d->api, on_whoami, d);
	if (!d->req)
		retry_later(d, again_whoami, "whoami", "could not start the request");
}

/* Token from the configuration, else the one kept from the last login,
 * else log in with the password. */
static void start_auth(struct daemon *d)
{
	char *stored = NULL;

	d->phase = PH_AUTH;
	if (d->cfg->access_token) {
		mx_api_set_token(d->api, d->cfg->access_token);
		d->token_from_store = 0;
		start_whoami(d);
		return;
	}
	stored = store_meta_get(d->st, "access_token");
	if (stored && *stored) {
		mx_api_set_token(d->api, stored);
		d->token_from_store = 1;
		free_secret(stored);
		start_whoami(d);
		return;
	}
	free_secret(stored);
	if (!d->cfg->password) {
		log_error("matrix: no access token kept and no password configured; set "
			  "matrix.password or matrix.access_token in %s", d->config_path);
		fatal_stop(d);
		return;
	}
	start_login(d);
}

/* ---- calls retried until done: alias lookups, answers to invites ---- */

static void call_start(struct call *c);

/* Unlink c from the daemon's calls and free it. */
static void call_free(struct call *c)
{
	struct daemon *d = c->d;
	struct call **pp;

	for (pp = &d->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	free(c->target);
	free(c->inviter);
	free(c);
}

static void call_again(void *ud)
{
	call_start(ud);
}

/* Try c again later: an alias lookup each minute for ever, a join or a
 * leave with a growing wait, INVITE_TRIES tries in all.  0 when it will
 * be tried again, -1 when it has had its tries (the caller frees it). */
static int call_retry(struct call *c)
{
	int64_t ms;

	if (c->kind == CALL_RESOLVE)
		ms = 60000;
	else if (++c->attempts < INVITE_TRIES)
		ms = backoff_ms(c->attempts);
	else
		return -1;
	c->timer = loop_timer_add(c->d->loop, ms, call_again, c);
	return 0;
}

static void first_lookup_done(struct daemon *d, struct call *c)
{
	if (c && !c->holds_sync)
		return;
	if (c)
		c->holds_sync = 0;
	if (d->phase == PH_RESOLVE && --d->resolving == 0)
		start_sync(d);
}

static void on_resolved(void *ud, const struct mx_result *r)
{
	struct call *c = ud;
	struct daemon *d = c->d;

	c->req = NULL;
	if (r->outcome == MX_OK && r->room_id) {
		if (store_begin(d->st) || engine_room_resolved(d->eng, c->target, r->room_id) ||
		    store_commit(d->st)) {
			store_rollback(d->st);
			log_error("store: cannot record that %s is %s", c->target, r->room_id);
		} else {
			log_info("matrix: %s is %s", c->target, r->room_id);
		}
	} else if (r->outcome == MX_RETRY) {
		/* do not hold the first sync up for it: look again in a minute */
		log_warn("matrix: cannot look up %s yet (%s); trying again in 60 s", c->target,
			 r->error);
		first_lookup_done(d, c);
		call_retry(c);
		return;
	} else {
		log_warn("matrix: room alias %s: %s", c->target, r->error ? r->error : "no room");
	}
	first_lookup_done(d, c);
	call_free(c);
}

static void on_membership(void *ud, const struct mx_result *r)
{
	struct call *c = ud;
	int join = c->kind == CALL_JOIN;

	c->req = NULL;
	if (r->outcome == MX_OK) {
		if (join)
			log_info("matrix: joined %s (invited by %s)", c->target, c->inviter);
		else
			log_info("matrix: declined the invite to %s from %s (not in "
				 "access.allowed_users)", c->target, c->inviter);
	} else if (r->outcome == MX_RETRY && call_retry(c) == 0) {
		return;
	} else {
		log_warn("matrix: cannot %s %s: %s", join ? "join" : "decline the invite to",
			 c->target, r->error);
	}
	call_free(c);
}

static void call_start(struct call *c)
{
	struct mx_api *api = c->d->api;

	switch (c->kind) {
	case CALL_RESOLVE:
		c->req = mx_api_resolve(api, c->target, on_resolved, c);
		break;
	case CALL_JOIN:
		c->req = mx_api_join(api, c->target, on_membership, c);
		break;
	case CALL_LEAVE:
		c->req = mx_api_leave(api, c->target, on_membership, c);
		break;
	}
	if (!c->req && call_retry(c))
		call_free(c);
}

static void resolve_one(struct daemon *d, const char *alias)
{
	struct call *c;

	if (!alias || alias[0] != '#')
		return;
	for (c = d->calls; c; c = c->next)
		if (c->kind == CALL_RESOLVE && !strcmp(c->target, alias))
			return;
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->kind = CALL_RESOLVE;
	c->target = xstrdup(alias);
	c->next = d->calls;
	d->calls = c;
	if (d->phase == PH_RESOLVE) {
		d->resolving++;
		c->holds_sync = 1;
	}
	call_start(c);
}

/* Look up every alias the configuration names (coordination and issue
 * rooms); the first sync waits for the answers. */
static void resolve_all(struct daemon *d)
{
	d->resolving = 1;
	resolve_one(d, d->cfg->coordination_room);
	for (size_t i = 0; i < d->cfg->n_issues; i++)
		resolve_one(d, d->cfg->issues[i].room);
	first_lookup_done(d, NULL);
}

/* ---- applying a sync batch ---- */

static struct power *power_entry(struct daemon *d, const char *room_id)
{
	struct power *p;
	char *key;

	for (p = d->powers; p; p = p->next)
		if (!strcmp(p->room_id, room_id))
			return p;
	p = xcalloc(1, sizeof(*p));
	p->room_id = xstrdup(room_id);
	key = xasprintf("power_levels:%s", room_id);
	p->content = store_meta_get(d->st, key);
	free(key);
	p->next = d->powers;
	d->powers = p;
	return p;
}

static void powers_forget(struct daemon *d)
{
	struct power *p, *next;

	for (p = d->powers; p; p = next) {
		next = p->next;
		free(p->room_id);
		free(p->content);
		free(p);
	}
	d->powers = NULL;
}

static int h_member(void *ud, const char *room_id, const char *user_id,
		    const char *display_name, const char *membership)
{
	struct daemon *d = ud;
	int power = mx_power_level(power_entry(d, room_id)->content, user_id);

	metrics_count(METRIC_EVENTS, "member");
	if (d->e2ee && e2ee_member(d->e2ee, room_id, user_id, membership))
		return -1;
	if (engine_member(d->eng, room_id, user_id, display_name, membership, power))
		return -1;
	/* a direct room becomes ready, or its member left it */
	return direct_member(d->st, d->me ? d->me : d->cfg->user_id, room_id, user_id, membership,
			     wall_ms(NULL));
}

/* Which m.room.encrypted events the end-to-end layer decrypts. */
static int h_encrypted(void *ud, const char *room_id, const char *event_id,
		       const char *sender)
{
	struct daemon *d = ud;

	(void)room_id;
	(void)event_id;
	metrics_count(METRIC_EVENTS, "encrypted");
	if (!d->e2ee || d->initial)
		return 0;       /* a first sync's history is not read anyway */
	if (!sender || !strcmp(sender, d->me))
		return 0;       /* our own echo: never read, no need to decrypt it */
	if (!config_user_allowed(d->cfg, sender))
		return 0;       /* SPEC §4: ignored, so not even decrypted, never told */
	return 1;
}

static int h_encryption(void *ud, const char *room_id, const char *content)
{
	struct daemon *d = ud;

	return d->e2ee ? e2ee_room_encryption(d->e2ee, room_id, content) : 0;
}

/* m.room.power_levels: every member's level follows (admins, SPEC §4). */
static int h_power_levels(void *ud, const char *room_id, const char *content)
{
	struct daemon *d = ud;
	struct power *p = power_entry(d, room_id);
	struct strv users = { 0 };
	char *key = xasprintf("power_levels:%s", room_id);
	int rc = -1;

	free(p->content);
	p->content = xstrdup(content);
	if (store_meta_set(d->st, key, content) || store_sync_members(d->st, room_id, &users))
		goto out;
	for (size_t i = 0; i < users.n; i++)
		if (store_sync_member_power(d->st, room_id, users.v[i],
					    mx_power_level(content, users.v[i])))
			goto out;
	rc = 0;
out:
	strv_release(&users);
	free(key);
	return rc;
}

static int queue_replies(struct daemon *d, struct engine_replies *r, const char *cause,
			 int due)
{
	int64_t now = loop_wall_ms();

	for (size_t i = 0; i < r->n; i++) {
		struct engine_reply *x = &r->v[i];
		if (x->kind != ENGINE_POST) {
			if (roomwork_queue(d->st, x, cause, i))
				return -1;
			continue;
		}
		struct mx_notice n = {
			.body = x->body, .html = x->html, .mentions = x->mentions.v,
			.n_mentions = x->mentions.n, .reply_to = x->reply_to,
			.thread_root = x->thread_root,
		};
		char *content = mx_content_notice(&n);
		/* derived from what caused it: queueing it again is a no-op */
		char *txn = due ? xasprintf("caucus.due.%s", x->due_id)
				: xasprintf("caucus.re.%s.%zu", cause, i);
		int rc = 0;

		if (x->room_id)
			rc = store_outbox_add_held(d->st, x->room_id, txn, "m.room.message", content,
						   now, x->hold_until_ms);
		else if (x->to_user)    /* a member's direct room, made first if need be */
			rc = direct_queue(d->st, d->me ? d->me : d->cfg->user_id, x->to_user, txn,
					  content, x->hold_until_ms, now);
		/* what it is about is kept by its event ID once sent (reactions) */
		if (!rc && x->about)
			rc = store_outbox_about(d->st, txn, x->about);
		free(content);
		free(txn);
		if (rc || (due && engine_ack(d->eng, x)))
			return -1;
	}
	return 0;
}

/* feeds: a fetch's notices go to the outbox like due reminders (feedpoll.c) */
static int feed_queue(void *ud, struct engine_replies *r)
{
	return queue_replies(ud, r, NULL, 1);
}

static void feed_kick(void *ud)
{
	outbox_kick(((struct daemon *)ud)->ob);
}

static int h_message(void *ud, const struct mx_message *m)
{
	struct daemon *d = ud;
	struct engine_replies r = { 0 };
	int seen, once, rc = -1;

	if (!strcmp(m->sender, d->me))
		return 0;
	if (d->initial)
		return 0;       /* a first sync shows history: it was never ours to answer */
	metrics_count(METRIC_EVENTS, "message");
	/* an ordinary message handled twice changes nothing (engine.h):
	 * two statements fewer for nearly every event of a backlog */
	once = m->replaces || m->file_url || engine_is_command(d->eng, m->body);
	seen = once ? store_handled_has(d->st, m->event_id) : 0;
	if (seen)
		return seen < 0 ? -1 : 0;
	if (m->replaces) {
		/* an edit updates the log; a command is never run again (an edit
		 * of one that recorded a stance or an action item is answered) */
		if (engine_edit_reply(d->eng, m->room_id, m->replaces, m->sender, m->body, &r) ||
		    queue_replies(d, &r, m->event_id, 0))
			goto out;
	} else if (!m->msgtype || strcmp(m->msgtype, "m.notice")) {
		/* m.notice is what bots send: never a command (no bot loops) */
		struct engine_file file = {
			.msgtype = m->msgtype, .name = m->file_name, .caption = m->file_caption,
			.url = m->file_url, .mimetype = m->file_mimetype, .size = m->file_size,
			.encrypted = m->file_encrypted,
		};
		struct engine_msg msg = {
			.room_id = m->room_id, .sender = m->sender, .event_id = m->event_id,
			.body = m->body, .formatted_body = m->formatted_body,
			.thread_root = m->thread_root, .ts_ms = m->ts_ms,
			.file = m->file_url ? &file : NULL,
		};
		if (engine_handle(d->eng, &msg, &r) || queue_replies(d, &r, m->event_id, 0))
			goto out;
	}
	rc = once ? store_handled_add(d->st, m->event_id, loop_wall_ms()) : 0;
out:
	engine_replies_release(&r);
	return rc;
}

/* An m.annotation: 👍/✋/✅ on the bot's own messages are commands. */
static int h_reaction(void *ud, const char *room_id, const char *event_id, const char *sender,
		      const char *relates_to, const char *key)
{
	struct daemon *d = ud;
	struct engine_replies r = { 0 };
	int seen, rc = -1;

	if (!strcmp(sender, d->me) || d->initial)
		return 0;
	metrics_count(METRIC_EVENTS, "reaction");
	seen = store_handled_has(d->st, event_id);
	if (seen)
		return seen < 0 ? -1 : 0;
	if (engine_reaction(d->eng, room_id, sender, relates_to, key, event_id, &r) ||
	    queue_replies(d, &r, event_id, 0))
		goto out;
	rc = store_handled_add(d->st, event_id, loop_wall_ms());
out:
	engine_replies_release(&r);
	return rc;
}

static int h_redaction(void *ud, const char *room_id, const char *event_id, const char *sender,
		       const char *redacts)
{
	struct daemon *d = ud;
	struct engine_replies r = { 0 };
	int seen = store_handled_has(d->st, event_id), rc = -1;

	(void)sender;       /* the server checked the redacter's power */
	metrics_count(METRIC_EVENTS, "redaction");
	if (seen)
		return seen < 0 ? -1 : 0;
	/* a reaction that made an attendance is undone (!skip) */
	if (engine_redact(d->eng, room_id, redacts) ||
	    (d->e2ee && e2ee_redacted(d->e2ee, room_id, redacts)) ||
	    engine_unreaction(d->eng, room_id, redacts, &r) ||
	    queue_replies(d, &r, event_id, 0))
		goto out;
	rc = store_handled_add(d->st, event_id, loop_wall_ms());
out:
	engine_replies_release(&r);
	return rc;
}

static int h_invite(void *ud, const char *room_id, const char *inviter, int is_direct)
{
	struct daemon *d = ud;
	struct call *c;

	metrics_count(METRIC_EVENTS, "invite");
	/* a member made a direct room with the bot (Element's "start chat") */
	if (is_direct && config_user_allowed(d->cfg, inviter) &&
	    direct_invited(d->st, room_id, inviter, loop_wall_ms()))
		return -1;
	for (c = d->calls; c; c = c->next)
		if (c->kind != CALL_RESOLVE && !strcmp(c->target, room_id))
			return 0;
	for (c = d->new_calls; c; c = c->next)
		if (!strcmp(c->target, room_id))
			return 0;
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->target = xstrdup(room_id);
	c->inviter = xstrdup(inviter);
	/* SPEC §3, §4 */
	c->kind = config_user_allowed(d->cfg, inviter) ? CALL_JOIN : CALL_LEAVE;
	c->next = d->new_calls;
	d->new_calls = c;
	return 0;
}

static int h_left(void *ud, const char *room_id, const char *membership, const char *by)
{
	struct daemon *d = ud;

	if (by && strcmp(by, d->me))
		log_warn("matrix: %s from %s by %s; its issue is unlinked",
			 !strcmp(membership, "ban") ? "banned" : "removed", room_id, by);
	if (store_sync_room_left(d->st, room_id) || direct_left(d->st, room_id, wall_ms(NULL)))
		return -1;
	return engine_member(d->eng, room_id, d->me, NULL, membership, 0);
}

/* Add n to the counter 'key' of the meta table (in the caller's
 * transaction): gaps and quarantined events, for the operator. */
static int count_up(struct daemon *d, const char *key, size_t n)
{
	char *v = store_meta_get(d->st, key), num[24];
	int64_t have = 0;
	int rc;

	if (v && str_to_i64(v, &have))
		have = 0;
	free(v);
	snprintf(num, sizeof(num), "%lld", (long long)(have + (int64_t)n));
	rc = store_meta_set(d->st, key, num);
	return rc;
}

static int h_event_begin(void *ud)
{
	struct daemon *d = ud;

	return store_begin(d->st);
}

/*
 * Isolating a batch that failed again and again: an event whose handlers
 * fail is rolled back alone, recorded (meta "quarantine.<event ID>") and
 * skipped.  When even the record cannot be written, or too many fail, the
 * store is what is broken: the batch is abandoned and retried.
 */
static int h_event_end(void *ud, const char *room_id, const char *event_id, int rc)
{
	struct daemon *d = ud;
	char *key;

	if (rc == 0)
		return store_commit(d->st);
	if (store_rollback(d->st) || ++d->quarantined > QUARANTINE_MAX || !event_id)
		return -1;
	key = xasprintf("quarantine.%s", event_id);
	rc = store_meta_set(d->st, key, room_id) || count_up(d, "sync.quarantined", 1) ||
	     store_handled_add(d->st, event_id, loop_wall_ms());
	free(key);
	if (rc)
		return -1;
	log_error("sync: event %.255s in %s fails every time it is applied; set aside "
		  "(meta quarantine.%.255s) and skipped", event_id, room_id, event_id);
	return 0;
}

static const struct mx_sync_handler handler = {
	.encrypted = h_encrypted,
	.encryption = h_encryption,
	.member = h_member,
	.power_levels = h_power_levels,
	.message = h_message,
	.reaction = h_reaction,
	.redaction = h_redaction,
	.invite = h_invite,
	.left = h_left,
};

static void again_sync(void *ud)
{
	struct daemon *d = ud;

	start_sync(d);
}

static void drop_new_calls(struct daemon *d)
{
	while (d->new_calls) {
		struct call *c = d->new_calls;
		d->new_calls = c->next;
		free(c->target);
		free(c->inviter);
		free(c);
	}
}

/* Forget what a failed transaction taught (nothing of it was kept). */
static void apply_failed(struct daemon *d)
{
	metrics_discard();
	if (d->e2ee)
		e2ee_rollback(d->e2ee);
	powers_forget(d);
	drop_new_calls(d);
}

/* The handlers for one transaction of events (a batch or a gap page):
 * the end-to-end peer first (room keys, then the events that waited for
 * them), one savepoint per event while a failing batch is isolated.
 * 'initial': the first sync, whose old commands are not answered. */
static struct mx_sync_handler apply_handler(struct daemon *d, int initial)
{
	struct mx_sync_handler h = handler;

	h.ud = d;
	h.crypto = d->e2ee ? &d->crypto : NULL;
	d->initial = initial;
	d->quarantined = 0;
	if (d->isolating) {
		h.event_begin = h_event_begin;
		h.event_end = h_event_end;
	}
	return h;
}

/* The batch, its answers and its token, in one transaction (the gaps'
 * pages were applied before, each in its own, and their positions go
 * with the token); when it fails, nothing of it is kept, in the store or
 * in memory. */
static int apply_txn(struct daemon *d, size_t *n)
{
	struct mx_sync_handler h = apply_handler(d, d->since == NULL);

	metrics_begin();
	if (store_begin(d->st))
		goto fail;
	if (mx_sync_apply(d->batch, &h, n) ||
	    (mx_sync_skipped(d->batch) &&
	     count_up(d, "sync.gaps", mx_sync_skipped(d->batch))) ||
	    store_meta_set(d->st, "since", mx_sync_next_batch(d->batch)) ||
	    store_backlog_clear(d->st) ||
	    observe_batch(d->obs, mx_sync_otk_count(d->batch), loop_wall_ms())) {
		store_rollback(d->st);
		goto fail;
	}
	if (store_commit(d->st)) {
		store_rollback(d->st);
		goto fail;
	}
	metrics_commit();
	return 0;
fail:
	apply_failed(d);
	return -1;
}

static void apply_batch(struct daemon *d)
{
	int64_t t0 = loop_now();
	size_t n = 0;

	if (apply_txn(d, &n)) {
		/* nothing of the batch was kept: the same sync comes again */
		mx_sync_free(d->batch);
		d->batch = NULL;
		/* the same batch failing again and again: next time one event at a
		 * time, so one that always fails is set aside instead of stopping all */
		if (++d->apply_failures >= APPLY_FAILURES_ISOLATE && !d->isolating) {
			log_warn("sync: the batch failed %d times; applying it one event at a time",
				 d->apply_failures);
			d->isolating = 1;
		}
		retry_later(d, again_sync, "applying a sync batch", store_errmsg(d->st));
		return;
	}
	observe_synced(d->obs);
	if (d->e2ee)
		e2ee_kick(d->e2ee);
	free(d->since);
	d->since = xstrdup(mx_sync_next_batch(d->batch));
	if (n + d->gap_events)
		log_info("sync: %zu events applied in %lld ms (%zu of them from %d /messages pages)",
			 n + d->gap_events, (long long)(loop_now() - (d->gap_pages ? d->sync_t0 : t0)),
			 d->gap_events, d->gap_pages);
	if (mx_sync_skipped(d->batch))
		log_warn("sync: %zu unreadable event%s or page%s skipped in this batch (counted "
			 "in meta sync.gaps)", mx_sync_skipped(d->batch),
			 mx_sync_skipped(d->batch) == 1 ? "" : "s",
			 mx_sync_skipped(d->batch) == 1 ? "" : "s");
	mx_sync_free(d->batch);
	d->batch = NULL;
	/* a big batch's parse tree is freed now: hand the pages back to the
	 * system rather than keep them until the next backlog (a first sync
	 * of 300 rooms' state left 3 MiB of the heap free but held) */
	if (d->sync_bytes >= TRIM_AFTER_BYTES)
		malloc_trim(0);
	d->failures = 0;
	d->apply_failures = 0;
	d->isolating = 0;
	d->narrow = 0;
	outbox_kick(d->ob);
	roomwork_kick(d->rw);
	if (!d->feeds)          /* feeds: rooms are known now, so notices can go out */
		d->feeds = feedpoll_new(d->st, d->eng, d->api, d->loop, &d->cfg, feed_queue,
					feed_kick, d);
	while (d->new_calls) {
		struct call *c = d->new_calls;
		d->new_calls = c->next;
		c->next = d->calls;
		d->calls = c;
		call_start(c);
	}
	start_sync(d);
}

int daemon_apply_sync(const struct daemon_batch_env *env, const char *body, size_t len)
{
	struct daemon d;
	char err[160];
	int rc = -1;

	memset(&d, 0, sizeof(d));
	d.cfg = env->cfg;
	d.st = env->st;
	d.eng = env->eng;
	d.e2ee = env->e2ee;
	if (d.e2ee)
		e2ee_sync_peer(d.e2ee, &d.crypto);
	d.me = xstrdup(env->me);
	d.since = env->since ? xstrdup(env->since) : NULL;
	d.batch = mx_sync_parse(body, len, d.me, err, sizeof(err));
	if (d.batch)
		rc = apply_txn(&d, NULL);
	else
		log_error("sync: %s", err);
	powers_forget(&d);
	drop_new_calls(&d);
	mx_sync_free(d.batch);
	free(d.me);
	free(d.since);
	return rc;
}

static void again_gaps(void *ud)
{
	struct daemon *d = ud;

	fill_gaps(d);
}

/*
 * One /messages page of room's gap, in its own transaction with the gap's
 * new position (a crash reads on from there, nothing twice, nothing
 * lost).  The batch's to-device keys are read with the batch itself: an
 * event whose key is not known yet waits for it as any other.  Returns
 * 0, or -1 when nothing of the page was kept.
 */
static int apply_page(struct daemon *d, const char *room, const struct mx_result *r)
{
	/* encrypted missed events are decrypted like the batch's own; one whose
	 * key is not here yet waits in the end-to-end layer, and comes back
	 * through take_ready when the key does (in this batch or a later one) */
	struct mx_sync_handler h = apply_handler(d, 0);
	struct mx_gap_page p = { 0 };

	metrics_begin();
	if (store_begin(d->st))
		goto fail;
	if (mx_sync_gap_apply(d->batch, room, r->body, r->len, &h, &p) ||
	    (p.skipped && count_up(d, "sync.gaps", p.skipped)) ||
	    store_backlog_set(d->st, room, p.position)) {
		store_rollback(d->st);
		goto fail;
	}
	if (store_commit(d->st)) {
		store_rollback(d->st);
		goto fail;
	}
	metrics_commit();
	d->gap_events += p.n_events;
	d->sync_bytes += r->len;
	if (p.skipped)
		log_warn("sync: %s: %zu unreadable event%s or page%s of missed events skipped "
			 "(counted in meta sync.gaps)", room, p.skipped, p.skipped == 1 ? "" : "s",
			 p.skipped == 1 ? "" : "s");
	mx_sync_gap_advance(d->batch, room, &p);
	mx_gap_page_release(&p);
	return 0;
fail:
	mx_gap_page_release(&p);
	apply_failed(d);
	return -1;
}

/*
 * The answer for the oldest page asked for (pages[0]): applied, or the
 * reason it was not.  Returns 0 to go on reading, -1 when the reading
 * stopped (a retry is due, or the token was refused): the caller drops
 * the pages asked for then (r may be one's copy).
 */
static int page_answered(struct daemon *d, const char *room, const struct mx_result *r)
{
	if (r->outcome == MX_RETRY) {
		retry_later(d, again_gaps, "reading missed events", r->error);
		return -1;
	}
	if (r->outcome == MX_UNAUTHORIZED) {
		/* the pages applied so far are kept with their positions: the
		 * sync after the new login reads on from there */
		mx_sync_free(d->batch);
		d->batch = NULL;
		token_refused(d, r);
		return -1;
	}
	d->gap_pages++;
	if (r->outcome != MX_OK) {
		log_warn("sync: cannot read the missed events of %s: %s", room, r->error);
		mx_sync_close_gap(d->batch, room);
	} else if (apply_page(d, room, r)) {
		/* the same page is read again; one that fails again and again is
		 * applied one event at a time, so a bad event is set aside */
		if (++d->apply_failures >= APPLY_FAILURES_ISOLATE && !d->isolating) {
			log_warn("sync: a page of missed events failed %d times; applying it one "
				 "event at a time", d->apply_failures);
			d->isolating = 1;
		}
		retry_later(d, again_gaps, "applying missed events", store_errmsg(d->st));
		return -1;
	}
	d->failures = 0;
	d->apply_failures = 0;
	d->isolating = 0;
	outbox_kick(d->ob);     /* the page's answers go out while the next is read */
	return 0;
}

/* Frees p and what it kept (NULL is a no-op); a request still out is cancelled. */
static void page_free(struct daemon *d, struct page *p)
{
	if (!p)
		return;
	if (p->req)
		mx_api_cancel(d->api, p->req);
	free(p->room);
	free(p->body);
	free(p->error);
	free(p->errcode);
	free(p);
}

/* The oldest page is done with: the others move up. */
static void page_shift(struct daemon *d)
{
	page_free(d, d->pages[0]);
	memmove(&d->pages[0], &d->pages[1], (PAGES_AHEAD - 1) * sizeof(d->pages[0]));
	d->pages[PAGES_AHEAD - 1] = NULL;
}

static void pages_drop(struct daemon *d)
{
	for (int i = 0; i < PAGES_AHEAD; i++) {
		page_free(d, d->pages[i]);
		d->pages[i] = NULL;
	}
}

/*
 * Apply the answered pages in the order they were asked for: pages[0]
 * first; a later one that came first waits, a copy of its answer kept.
 * Different rooms' pages may be out at once, never two of one room, so
 * each room's events are applied in order.
 */
static void on_messages(void *ud, const struct mx_result *r)
{
	struct page *p = ud;
	struct daemon *d = p->d;

	p->req = NULL;
	if (p != d->pages[0]) {
		p->answered = 1;
		p->r = (struct mx_result){ .outcome = r->outcome, .http = r->http,
					   .retry_after_ms = r->retry_after_ms, .len = r->len };
		if (r->body) {
			p->body = xmalloc(r->len + 1);
			memcpy(p->body, r->body, r->len);
			p->body[r->len] = '\0';
		}
		p->error = r->error ? xstrdup(r->error) : NULL;
		p->errcode = r->errcode ? xstrdup(r->errcode) : NULL;
		p->r.body = p->body;
		p->r.error = p->error;
		p->r.errcode = p->errcode;
		return;
	}
	for (;;) {
		int rc = page_answered(d, p->room, r);

		if (rc) {
			pages_drop(d);
			return;
		}
		page_shift(d);
		p = d->pages[0];
		if (!p || !p->answered)
			break;
		r = &p->r;
	}
	fill_gaps(d);
}

/* Each room's positions of a backlog read in part before a crash: read on
 * from there, not from the last sync's token. */
static void resume_gaps(struct daemon *d)
{
	const char *room;

	for (size_t i = 0; mx_sync_gap_room(d->batch, i, &room) == 0; i++) {
		char *pos = store_backlog_get(d->st, room);
		if (pos && mx_sync_gap_resume(d->batch, room, pos))
			log_warn("sync: %s: the stored position of its missed events is not one; "
				 "reading them from the last sync", room);
		free(pos);
	}
}

/* GAP_PAGE, or CAUCUS_GAP_PAGE (tests: a small backlog in many pages). */
static int gap_page_size(void)
{
	static int size;
	const char *v;
	int64_t n;

	if (size)
		return size;
	size = GAP_PAGE;
	v = getenv("CAUCUS_GAP_PAGE");
	if (v && !str_to_i64(v, &n) && n >= 1 && n <= GAP_PAGE)
		size = (int)n;
	else if (v)
		log_warn("caucus: CAUCUS_GAP_PAGE is not 1..%d; ignored", GAP_PAGE);
	return size;
}

/* 1 when a page of room is out or waits to be applied. */
static int page_out(const struct daemon *d, const char *room)
{
	for (int i = 0; i < PAGES_AHEAD; i++)
		if (d->pages[i] && !strcmp(d->pages[i]->room, room))
			return 1;
	return 0;
}

/*
 * Read each limited timeline's gap forward from the last sync's position
 * (or where a crash left it) to the room's prev_batch, page by page, each
 * page applied as it comes (SPEC §3: the bot never skips what it missed;
 * memory holds PAGES_AHEAD pages and the batch's own timelines), then the
 * batch.  The next room's page is asked for while one is applied, so the
 * server prepares it meanwhile.
 */
static void fill_gaps(struct daemon *d)
{
	const char *room, *from, *to;
	int used = 0;

	while (used < PAGES_AHEAD && d->pages[used])
		used++;
	for (size_t i = 0; used < PAGES_AHEAD &&
	     mx_sync_open_gap(d->batch, i, &room, &from, &to) == 0; i++) {
		struct page *p;

		if (page_out(d, room))
			continue;
		if (d->gap_pages + used >= GAP_MAX_PAGES) {
			log_error("sync: %d pages of missed events read for one sync (%zu events), "
				  "the most one sync may take; the rest of %s is skipped", d->gap_pages,
				  d->gap_events, room);
		} else {
			p = xcalloc(1, sizeof(*p));
			*p = (struct page){ .d = d, .room = xstrdup(room) };
			p->req = mx_api_messages(d->api, room, from ? from : d->since, to, 1,
						 gap_page_size(), SYNC_CAP, on_messages, p);
			if (p->req) {
				d->pages[used++] = p;
				continue;
			}
			page_free(d, p);
		}
		mx_sync_close_gap(d->batch, room);
		i--;    /* it is no longer open: the next one has its place */
	}
	if (!used)
		apply_batch(d);
}

/* Past a batch that cannot be read at all: its next_batch, read by the
 * flat scanner, becomes the position; what it held is a counted gap. */
static int skip_batch(struct daemon *d, const char *next)
{
	if (store_begin(d->st))
		return -1;
	if (count_up(d, "sync.gaps", 1) || store_meta_set(d->st, "since", next) ||
	    store_commit(d->st)) {
		store_rollback(d->st);
		return -1;
	}
	free(d->since);
	d->since = xstrdup(next);
	return 0;
}

/*
 * An answer that does not parse.  The same one again and again would stop
 * every room: first the stretch is synced again with one timeline event
 * per room (the rest read page by page from /messages, where an unreadable
 * page is skipped as a gap); if even that cannot be read, the batch is
 * skipped as a logged, counted gap.
 */
static void bad_sync(struct daemon *d, const struct mx_result *r, const char *err)
{
	char *next;

	d->bad_syncs++;
	if (!d->since || d->bad_syncs < BAD_SYNCS_NARROW) {
		retry_later(d, again_sync, "sync", err);
		return;
	}
	if (!d->narrow) {
		log_warn("sync: %s, %d times; syncing that stretch again with one event per room "
			 "and reading the rest page by page", err, d->bad_syncs);
		d->narrow = 1;
		retry_later(d, again_sync, "sync", err);
		return;
	}
	next = d->bad_syncs >= BAD_SYNCS_SKIP ? mx_sync_scan_next_batch(r->body, r->len)
					      : NULL;
	if (next && *next && !skip_batch(d, next)) {
		log_error("sync: %s, even with one event per room; skipped that batch (a gap, "
			  "counted in meta sync.gaps)", err);
		d->bad_syncs = 0;
		d->narrow = 0;
		free(next);
		start_sync(d);
		return;
	}
	free(next);
	retry_later(d, again_sync, "sync", err);
}

static void on_sync(void *ud, const struct mx_result *r)
{
	struct daemon *d = ud;
	char err[160];

	d->req = NULL;
	if (r->outcome == MX_UNAUTHORIZED) {
		token_refused(d, r);
		return;
	}
	if (r->outcome != MX_OK) {
		retry_later(d, again_sync, "sync", r->error);
		return;
	}
	d->batch = mx_sync_parse(r->body, r->len, d->me, err, sizeof(err));
	if (!d->batch) {
		bad_sync(d, r, err);
		return;
	}
	d->bad_syncs = 0;
	if (d->failures) {
		log_info("sync: the server answers again");
		outbox_wake(d->ob);
	}
	d->gap_pages = 0;
	d->gap_events = 0;
	d->sync_t0 = loop_now();
	d->sync_bytes = r->len;
	if (d->since) {
		resume_gaps(d);
		fill_gaps(d);
	} else {
		apply_batch(d);
	}
}

static void start_sync(struct daemon *d)
{
	if (d->phase != PH_SYNC) {
		d->phase = PH_SYNC;
		log_info("sync: starting from %s", d->since ? "the saved position" : "scratch");
		outbox_hold(d->ob, 0);
		roomwork_hold(d->rw, 0);
	}
	if (d->e2ee)
		e2ee_sync_started(d->e2ee);
	if (d->narrow && d->since)
		d->req = mx_api_sync_narrow(d->api, d->since, SYNC_CAP, on_sync, d);
	else
		d->req = mx_api_sync(d->api, d->since, d->since ? SYNC_TIMEOUT_MS : 0, SYNC_CAP,
				     on_sync, d);
	if (!d->req)
		retry_later(d, again_sync, "sync", "could not start the request");
}

/* ---- timers: reminders, digests, purge ---- */

static void on_due(void *ud);

static void arm_due(struct daemon *d)
{
	int64_t s = engine_next_due_in(d->eng);

	loop_timer_cancel(d->loop, d->due_timer);
	d->due_timer = loop_timer_add(d->loop, (s > 0 ? s : 1) * 1000 + 100, on_due, d);
}

/* An encrypted message whose key never came: say so, once per sender and
 * session, instead of staying silent. */
static int tell_unreadable(void *ud, const char *room_id, const char *event_id,
			   const char *sender)
{
	struct daemon *d = ud;

	if (!config_user_allowed(d->cfg, sender))
		return 0;       /* kept from before it was ignored: still never told */
	metrics_count(METRIC_DECRYPT_FAILURES, NULL);   /* its key never came */
	return tell_sender(d, room_id, event_id, sender,
			   "I could not decrypt your message; please send it again.",
			   "caucus.utd.");
}

#define REFUSED_PREFIX "caucus.refused."

/*
 * SPEC §2, never silence: the server refused one of our messages for good
 * (too large, forbidden...).  Say so in a short notice in that room, in
 * reply to the command when the message was an answer.  A refused notice
 * is not followed by another.  The outbox kicks after this returns.
 */
static void tell_refused(void *ud, const char *room_id, const char *txn_id, long http,
			 const char *errcode)
{
	struct daemon *d = ud;
	const char *re = "caucus.re.", *code = "";
	char *reply_to = NULL, *body, *content, *txn, *dot;
	struct mx_notice n = { 0 };
	int rc;

	if (!strncmp(txn_id, REFUSED_PREFIX, strlen(REFUSED_PREFIX)))
		return;
	/* the server's errcode, only if it looks like one (it goes in HTML) */
	if (errcode && strlen(errcode) < 40 && strspn(errcode, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") ==
	    strlen(errcode))
		code = errcode;
	if (!strncmp(txn_id, re, strlen(re))) {
		/* "caucus.re.<command's event ID>.<n>"; n = 0 is the answer, in
		 * the command's room, the others went elsewhere */
		reply_to = xstrdup(txn_id + strlen(re));
		dot = strrchr(reply_to, '.');
		if (dot && !strcmp(dot, ".0")) {
			*dot = '\0';
		} else {
			free(reply_to);
			reply_to = NULL;
		}
	}
	if (http == 413)
		body = xasprintf("My %s was too long for the server (%ld %s) and was not posted%s",
				 reply_to ? "answer" : "message", http, code,
				 reply_to ? "; please ask for less at a time." : ".");
	else
		body = xasprintf("The server refused my %s (%ld%s%s); it was not posted.",
				 reply_to ? "answer" : "message", http, *code ? " " : "", code);
	n.body = body;
	n.html = body;
	n.reply_to = reply_to;
	content = mx_content_notice(&n);
	txn = xasprintf(REFUSED_PREFIX "%s", txn_id);
	rc = store_begin(d->st);
	if (!rc && (outbox_queue(d->st, room_id, txn, content, loop_wall_ms()) ||
		    store_commit(d->st))) {
		store_rollback(d->st);
		rc = -1;
	}
	if (rc)
		log_error("outbox: cannot queue the notice that %s was refused", txn_id);
	free(txn);
	free(content);
	free(body);
	free(reply_to);
}

/* Due reminders and digests go to the outbox and are acknowledged in one
 * transaction: each is queued once, also across a crash. */
static void run_due(struct daemon *d)
{
	struct engine_replies r = { 0 };

	metrics_begin();
	if (store_begin(d->st))
		goto out;
	/* direct rooms that became ready unseen (e.g. a restart) take their mail */
	if (direct_sweep(d->st, d->me ? d->me : d->cfg->user_id) ||
	    engine_due(d->eng, &r) || queue_replies(d, &r, NULL, 1)) {
		store_rollback(d->st);
		log_error("due: cannot queue reminders and digests: %s", store_errmsg(d->st));
		goto out;
	}
	if (store_commit(d->st)) {
		store_rollback(d->st);
		goto out;
	}
	metrics_commit();
	if (r.n) {
		log_info("due: %zu reminder/digest message%s queued", r.n, r.n == 1 ? "" : "s");
		outbox_kick(d->ob);
		roomwork_kick(d->rw);   /* a direct room to make first */
	}
out:
	metrics_discard();      /* a no-op after the commit */
	engine_replies_release(&r);
}

static void on_due(void *ud)
{
	struct daemon *d = ud;

	run_due(d);
	arm_due(d);
}

/* Encrypted messages whose key never came get their answer. */
static void on_key_timer(void *ud)
{
	struct daemon *d = ud;

	d->key_timer = loop_timer_add(d->loop, d->key_wait_ms < KEY_CHECK_MS ? d->key_wait_ms :
				      KEY_CHECK_MS, on_key_timer, d);
	if (!d->e2ee || store_begin(d->st))
		return;
	if (e2ee_expire(d->e2ee, loop_wall_ms() - d->key_wait_ms, tell_unreadable, d) ||
	    store_commit(d->st)) {
		store_rollback(d->st);
		return;
	}
	outbox_kick(d->ob);
}

static void on_purge(void *ud)
{
	struct daemon *d = ud;
	int64_t now = loop_wall_ms();

	d->purge_timer = loop_timer_add(d->loop, PURGE_EVERY_MS, on_purge, d);
	if (store_begin(d->st))
		return;
	if (engine_purge(d->eng) || store_handled_purge(d->st, now - HANDLED_KEEP_MS) ||
	    store_outbox_purge(d->st, now - SENT_KEEP_MS) || store_commit(d->st))
		store_rollback(d->st);
}

/* ---- signals ---- */

static void reload(struct daemon *d)
{
	struct config *cfg = NULL;
	struct buf errs;

	buf_init(&errs, 0);
	notify_reloading();
	if (config_load(d->config_path, &cfg, &errs)) {
		log_error("config: %s not reloaded, it has errors:", d->config_path);
		for (char *line = errs.data, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
			nl = strchr(line, '\n');
			log_error("config: %.*s", nl ? (int)(nl - line) : (int)strlen(line), line);
		}
		goto out;
	}
	if (strcmp(cfg->homeserver, d->cfg->homeserver) || strcmp(cfg->user_id, d->cfg->user_id) ||
	    strcmp(cfg->database, d->cfg->database))
		log_warn("config: matrix.homeserver, matrix.user_id and bot.database take effect "
			 "at the next start");
	engine_set_config(d->eng, cfg);
	observe_set_config(d->obs, cfg);
	tz_keep(cfg->timezone);
	config_free(d->cfg);
	d->cfg = cfg;
	cfg = NULL;
	if (engine_sync_config(d->eng))
		log_error("config: cannot store the configured issues: %s", store_errmsg(d->st));
	if (d->phase == PH_SYNC) {
		resolve_one(d, d->cfg->coordination_room);
		for (size_t i = 0; i < d->cfg->n_issues; i++)
			resolve_one(d, d->cfg->issues[i].room);
	}
	arm_due(d);
	log_info("config: %s reloaded", d->config_path);
out:
	notify_ready();         /* the old configuration stays when the new one is bad */
	config_free(cfg);
	buf_release(&errs);
}

static void on_signal(void *ud, unsigned sigs)
{
	struct daemon *d = ud;

	if (sigs & LOOP_SIG_TERM) {
		log_info("caucus: stopping");
		notify_stopping();
		loop_stop(d->loop);
		return;
	}
	if (sigs & LOOP_SIG_HUP)
		reload(d);
}

static int poll_fn(void *ud, int fd, int timeout_ms)
{
	struct daemon *d = ud;
	int rc;

	/* the HTTP listener's descriptor joins the wait; it is served here */
	rc = mx_api_poll(d->api, observe_poll_fd(d->obs, fd), observe_timeout(d->obs, timeout_ms));
	observe_run(d->obs);
	return rc;
}

/* ---- life cycle ---- */

static void daemon_release(struct daemon *d)
{
	feedpoll_free(d->feeds);
	roomwork_free(d->rw);
	observe_free(d->obs);
	outbox_free(d->ob);
	e2ee_free(d->e2ee);
	if (d->req)
		mx_api_cancel(d->api, d->req);
	pages_drop(d);
	for (struct call *c = d->calls; c; c = c->next) {
		if (c->req)
			mx_api_cancel(d->api, c->req);
		loop_timer_cancel(d->loop, c->timer);
	}
	while (d->calls)
		call_free(d->calls);
	drop_new_calls(d);
	mx_sync_free(d->batch);
	mx_api_free(d->api);
	powers_forget(d);
	engine_free(d->eng);
	store_close(d->st);
	config_free(d->cfg);
	loop_free(d->loop);
	free(d->me);
	free(d->since);
}

int daemon_main(const char *config_path)
{
	struct daemon d;
	struct buf errs;
	char err[512];

	memset(&d, 0, sizeof(d));
	d.config_path = config_path;
	d.exit_code = 1;
	buf_init(&errs, 0);
	if (getenv("CAUCUS_DEBUG"))
		log_set_level(LOG_DEBUG);
	if (config_load(config_path, &d.cfg, &errs)) {
		fprintf(stderr, "%s", errs.data);
		fprintf(stderr, "caucus run: %s has errors\n", config_path);
		goto out;
	}
	tz_keep(d.cfg->timezone);       /* the conference's zone is ours (when.h) */
	umask(077);     /* the database keeps the access token */
	d.st = store_open(d.cfg->database, err, sizeof(err));
	if (!d.st) {
		log_error("caucus: %s", err);
		goto out;
	}
	{
		/* which file is the daemon's own: the console refuses it, not a copy */
		char *id = store_file_identity(d.st);
		int bad = id && store_meta_set(d.st, "daemon.file", id);
		free(id);
		if (bad) {
			log_error("caucus: cannot write to %s: %s", d.cfg->database,
				  store_errmsg(d.st));
			goto out;
		}
	}
	d.loop = loop_new();
	d.api = d.loop ? mx_api_new(d.cfg->homeserver) : NULL;
	if (!d.api)
		goto out;
	d.eng = engine_new(d.cfg, d.st, (struct engine_clock){ wall_ms, NULL });
	if (engine_sync_config(d.eng)) {
		log_error("caucus: cannot store the configured issues: %s", store_errmsg(d.st));
		goto out;
	}
	d.ob = outbox_new(d.st, d.api, d.loop);
	d.rw = roomwork_new(d.st, d.api, d.loop, d.ob, &d.cfg);
	outbox_on_refused(d.ob, tell_refused, &d);
	d.obs = observe_new(d.st, d.loop, d.cfg, err, sizeof(err));
	if (!d.obs) {
		log_error("caucus: %s", err);
		goto out;
	}
	d.since = store_meta_get(d.st, "since");
	log_info("caucus: starting as %s on %s, database %s, %lld message%s waiting to be sent",
		 d.cfg->user_id, d.cfg->homeserver, d.cfg->database,
		 (long long)store_outbox_pending(d.st), store_outbox_pending(d.st) == 1 ? "" : "s");
	loop_on_signal(d.loop, on_signal, &d);
	d.exit_code = 0;
	start_auth(&d);
	run_due(&d);
	arm_due(&d);
	d.purge_timer = loop_timer_add(d.loop, 60000, on_purge, &d);
	d.key_wait_ms = KEY_WAIT_MS;
	if (getenv("CAUCUS_KEY_WAIT_MS")) {
		/* tests only; a value that is not a sane number of ms is ignored */
		int64_t v;
		if (!str_to_i64(getenv("CAUCUS_KEY_WAIT_MS"), &v) && v >= 100 && v <= KEY_WAIT_MS)
			d.key_wait_ms = v;
		else
			log_warn("caucus: CAUCUS_KEY_WAIT_MS is not 100..%d ms; ignored", KEY_WAIT_MS);
	}
	d.key_timer = loop_timer_add(d.loop, d.key_wait_ms < KEY_CHECK_MS ? d.key_wait_ms :
				     KEY_CHECK_MS, on_key_timer, &d);
	if (loop_run(d.loop, poll_fn, &d))
		d.exit_code = 1;
out:
	daemon_release(&d);
	buf_release(&errs);
	return d.exit_code;
}
