/*
 * engine.c - the core of the command engine: it decides whether a message
 * is a command, splits it into arguments, finds the command in the
 * families' tables (cmd_families[], cmd.c), runs it inside a savepoint and
 * turns its answer into a reply.  Ordinary messages of issue rooms go to
 * the log, shared files to the family that keeps them, and due events
 * come from each family's due hook.  It names no family: they are data to
 * it.  It knows nothing of Matrix: a room is an ID, a user is an ID.
 */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "doc.h"
#include "feed.h"
#include "log.h"
#include "metrics.h"
#include "person.h"
#include "store.h"
#include "store_issue.h"
#include "store_direct.h"
#include "store_doc.h"
#include "store_due.h"
#include "store_log.h"
#include "store_people.h"
#include "store_room.h"
#include "tokenize.h"

struct engine {
	const struct config *cfg;
	struct store *st;
	struct engine_clock clock;
	char *coord_room;       /* the configured coordination room's ID, or NULL */
};

/* The store key of what an alias resolved to. */
static char *alias_key(const char *alias)
{
	return xasprintf("room_alias:%s", alias);
}

/*
 * Derive the coordination room from the configuration, never from what
 * an earlier configuration named (its admins must not stay admins): a
 * room ID as it is, an alias through what it was last resolved to, else
 * NULL until it is resolved.
 */
static void derive_coord(struct engine *eng)
{
	const char *room = eng->cfg->coordination_room;
	char *key;

	free(eng->coord_room);
	eng->coord_room = NULL;
	if (!room)
		return;
	if (room[0] != '#') {
		eng->coord_room = xstrdup(room);
		return;
	}
	key = alias_key(room);
	eng->coord_room = store_meta_get(eng->st, key);
	free(key);
}

struct engine *engine_new(const struct config *cfg, struct store *st, struct engine_clock clock)
{
	struct engine *eng = xcalloc(1, sizeof(*eng));

	eng->cfg = cfg;
	eng->st = st;
	eng->clock = clock;
	derive_coord(eng);
	return eng;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
	free(eng->coord_room);
	free(eng);
}

void engine_set_config(struct engine *eng, const struct config *cfg)
{
	eng->cfg = cfg;
	derive_coord(eng);
}

struct store *engine_store(struct engine *eng)
{
	return eng->st;
}

const struct config *engine_config(struct engine *eng)
{
	return eng->cfg;
}

int64_t engine_now_ms(struct engine *eng)
{
	return eng->clock.now_ms(eng->clock.ud);
}

const char *engine_coordination_room(struct engine *eng)
{
	return eng->coord_room;
}

int engine_room_resolved(struct engine *eng, const char *alias, const char *room_id)
{
	char *key = alias_key(alias);
	int rc = store_meta_set(eng->st, key, room_id);

	free(key);
	if (rc)
		return -1;
	if (eng->cfg->coordination_room && !strcmp(alias, eng->cfg->coordination_room))
		derive_coord(eng);
	return store_lookup_resolve_room(eng->st, alias, room_id);
}

int engine_member(struct engine *eng, const char *room_id, const char *user_id,
		  const char *display_name, const char *membership, int power)
{
	/* the bot left: it learns nothing more of who is there, so nobody's
	 * membership there counts any longer (SPEC §4 fails closed) */
	if (eng->cfg->user_id && !strcmp(user_id, eng->cfg->user_id) &&
	    strcmp(membership, "join") && strcmp(membership, "invite") &&
	    store_member_room_unknown(eng->st, room_id))
		return -1;
	return store_member_set(eng->st, room_id, user_id, display_name, membership, power);
}

int engine_sync_config(struct engine *eng)
{
	int64_t now = engine_now_ms(eng);

	if (store_begin(eng->st))
		return -1;
	for (size_t i = 0; i < eng->cfg->n_issues; i++) {
		if (store_issue_upsert_config(eng->st, &eng->cfg->issues[i], now)) {
			store_rollback(eng->st);
			return -1;
		}
	}
	if (feed_sync_config(eng)) {    /* feeds: the file's [[feed]] entries */
		store_rollback(eng->st);
		return -1;
	}
	return store_commit(eng->st);
}

int64_t engine_issue_id(struct engine *eng, const char *name)
{
	return cmd_issue_find(eng->st, name);
}

/* ---- replies ---- */

#define REACT_MEMORY_DAYS 30    /* how long the bot knows what its messages were about */

static void reply_free(struct engine_reply *x)
{
	free(x->target);
	free(x->user);
	free(x->room_id);
	free(x->to_user);
	free(x->body);
	free(x->html);
	strv_release(&x->mentions);
	free(x->reply_to);
	free(x->thread_root);
	free(x->due_id);
	strv_release(&x->due_keys);
	free(x->about);
}

void engine_replies_release(struct engine_replies *r)
{
	for (size_t i = 0; i < r->n; i++)
		reply_free(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* ---- dispatch ---- */

/* The first word of each two-word command ("issue"), for a bare "!issue". */
static const struct cmd_entry *find_family(const char *name)
{
	size_t n = strlen(name);

	for (size_t f = 0; f < cmd_families_n; f++)
		for (const struct cmd_entry *e = cmd_families[f].table; e && e->name; e++)
			if (!strncasecmp(e->name, name, n) && e->name[n] == ' ')
				return e;
	return NULL;
}

static void unknown_command(struct cmd_ctx *ctx, const char *typed)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	char *name = cmd_clip(typed, 64);

	for (size_t f = 0; f < cmd_families_n; f++)
		for (const struct cmd_entry *e = cmd_families[f].table; e && e->name; e++) {
			size_t d = str_distance(name, e->name);
			if (d < bestd) {
				bestd = d;
				best = e->name;
			}
		}
	if (best && bestd <= 2)
		doc_para(ctx->doc, "unknown command '%s%s'; did you mean %s%s? %shelp lists them all.",
			 ctx->prefix, name, ctx->prefix, best, ctx->prefix);
	else
		doc_para(ctx->doc, "unknown command '%s%s'; %shelp lists them all.", ctx->prefix,
			 name, ctx->prefix);
	free(name);
}

static void family_usage(struct cmd_ctx *ctx, const char *name)
{
	size_t n = strlen(name);

	doc_para(ctx->doc, "'%s%s' needs a subcommand:", ctx->prefix, name);
	for (size_t f = 0; f < cmd_families_n; f++)
		for (const struct cmd_entry *e = cmd_families[f].table; e && e->name; e++)
			if (!strncasecmp(e->name, name, n) && e->name[n] == ' ') {
				doc_begin(ctx->doc, DOC_ITEM);
				doc_code(ctx->doc, "%s%s %s", ctx->prefix, e->name, e->args);
				doc_end(ctx->doc);
			}
}

/* A file shared in an issue room goes to the family that keeps files. */
static int keep_file(struct engine *eng, const struct engine_msg *msg, int64_t issue_id,
		     int64_t ts, struct engine_replies *out)
{
	for (size_t f = 0; f < cmd_families_n; f++)
		if (cmd_families[f].file)
			return cmd_families[f].file(eng, msg, issue_id, ts, out);
	return 0;
}

/* Keep an ordinary message of an issue room in the log. */
static int log_message(struct engine *eng, const struct engine_msg *msg, int64_t issue_id,
		       int64_t ts)
{
	int64_t id;

	return store_log_add(eng->st, issue_id, msg->room_id, msg->event_id, msg->sender,
			     "message", msg->body, ts, &id);
}

static int run_command(struct engine *eng, const struct engine_msg *msg, const char *line,
		       int64_t room_issue, int64_t now_ms, struct engine_replies *out,
		       const char *reaction, int *acted)
{
	struct strv labels = { 0 }, users = { 0 }, argv = { 0 }, mentions = { 0 };
	struct doc doc;
	struct cmd_ctx ctx;
	const struct cmd_entry *e = NULL;
	size_t *offs = NULL;
	char *text = NULL, err[128];
	int words = 0, rc = 0;
	const char *coord = engine_coordination_room(eng);
	size_t first = out->n;

	doc_init(&doc);
	memset(&ctx, 0, sizeof(ctx));
	ctx.eng = eng;
	ctx.cfg = eng->cfg;
	ctx.st = eng->st;
	ctx.msg = msg;
	ctx.now_ms = now_ms;
	ctx.now = now_ms / 1000;
	ctx.tz = eng->cfg->timezone;
	ctx.prefix = eng->cfg->command_prefix;
	ctx.room_issue = room_issue;
	ctx.is_coord = coord && !strcmp(coord, msg->room_id);
	ctx.is_direct = store_direct_is(eng->st, msg->room_id, msg->sender) == 1;
	ctx.doc = &doc;
	ctx.mentions = &mentions;
	ctx.out = out;
	ctx.reaction = reaction;

	if (msg->formatted_body)
		pills_parse(msg->formatted_body, &labels, &users);
	text = pills_apply(line, &labels, &users);
	if (tokenize(text, &argv, &offs, err, sizeof(err))) {
		doc_para(&doc, "I could not read that command: %s.", err);
		goto answer;
	}
	if (argv.n == 0)
		goto out;       /* a lone prefix: not a command */
	e = cmd_find(argv.v[0], argv.n > 1 ? argv.v[1] : NULL, &words);
	metrics_count(METRIC_COMMANDS, e ? e->name : "unknown");  /* names from the table only */
	if (!e) {
		if (find_family(argv.v[0]))
			family_usage(&ctx, argv.v[0]);
		else
			unknown_command(&ctx, argv.v[0]);
		goto answer;
	}
	ctx.entry = e;
	ctx.argc = argv.n - (size_t)words;
	ctx.argv = argv.v + words;
	ctx.text = text;
	ctx.offs = offs + words;
	if (e->admin && !cmd_is_admin(&ctx)) {
		doc_para(&doc, "only admins may use %s%s.", ctx.prefix, e->name);
		goto answer;
	}
	if (store_begin(eng->st)) {
		rc = -1;
		goto out;
	}
	if (e->fn(&ctx)) {
		store_rollback(eng->st);
		/* the partial answer and any extra posts are void */
		doc_release(&doc);
		doc_init(&doc);
		strv_release(&mentions);
		while (out->n > first)
			reply_free(&out->v[--out->n]);
		free(ctx.about);
		ctx.about = NULL;
		ctx.acted = 0;
		doc_para(&doc, "something went wrong storing that; nothing was changed. Please "
			 "try again.");
		log_error("engine: command '%s' failed in the store", e->name);
	} else if (store_commit(eng->st)) {
		store_rollback(eng->st);
		rc = -1;
		goto out;
	}
	if (doc_empty(&doc))
		doc_para(&doc, "done.");
answer:
	{
		/* the answer goes first, before any post the command made elsewhere */
		struct engine_reply *r = cmd_reply_push(out, msg->room_id, &doc, &mentions), tmp;
		r->reply_to = xstrdup(msg->event_id);
		r->thread_root = xstrdup(msg->thread_root);
		r->about = ctx.about;
		ctx.about = NULL;
		tmp = out->v[out->n - 1];
		memmove(out->v + first + 1, out->v + first,
			(out->n - 1 - first) * sizeof(*out->v));
		out->v[first] = tmp;
	}
out:
	if (acted)
		*acted = ctx.acted;
	free(ctx.about);
	doc_release(&doc);
	strv_release(&labels);
	strv_release(&users);
	strv_release(&argv);
	strv_release(&mentions);
	free(offs);
	free(text);
	return rc;
}

int engine_is_command(const struct engine *eng, const char *body)
{
	const char *prefix = eng->cfg->command_prefix;
	size_t plen = strlen(prefix);

	return body && !strncmp(body, prefix, plen) && body[plen] && body[plen] != ' ';
}

int engine_handle(struct engine *eng, const struct engine_msg *msg, struct engine_replies *out)
{
	const char *prefix = eng->cfg->command_prefix;
	size_t plen = strlen(prefix);
	int64_t now_ms = engine_now_ms(eng);
	int64_t ts = msg->ts_ms ? msg->ts_ms : now_ms;
	int64_t room_issue;
	size_t before = out->n;
	int rc = -1, own_txn;

	if (!msg->room_id || !msg->sender || !msg->body)
		return 0;
	if (eng->cfg->user_id && !strcmp(msg->sender, eng->cfg->user_id))
		return 0;       /* our own echo */
	if (!config_user_allowed(eng->cfg, msg->sender))
		return 0;       /* SPEC §4: never answered, never logged */
	/*
	 * A command (or a file) runs in a savepoint of its own, so that its
	 * failure takes back all it did.  An ordinary message inside the
	 * caller's transaction does not need one: if its store work fails,
	 * the caller's whole batch is rolled back anyway, and a savepoint a
	 * message makes FTS5 write a tiny index segment for each (most of a
	 * big backlog's time).
	 */
	own_txn = msg->file || !store_in_transaction(eng->st) ||
		  (!strncmp(msg->body, prefix, plen) && msg->body[plen] && msg->body[plen] != ' ');
	if (own_txn && store_begin(eng->st))
		return -1;
	room_issue = store_lookup_room_issue(eng->st, msg->room_id);
	if (room_issue < 0)
		goto fail;
	if (msg->file) {
		/* a file's caption is never a command */
		if (room_issue > 0 && keep_file(eng, msg, room_issue, ts, out))
			goto fail;
	} else if (!strncmp(msg->body, prefix, plen) && msg->body[plen] && msg->body[plen] != ' ') {
		if (run_command(eng, msg, msg->body + plen, room_issue, now_ms, out, NULL, NULL))
			goto fail;
	} else if (room_issue > 0) {
		if (log_message(eng, msg, room_issue, ts))
			goto fail;
	}
	/* catch-up reads the previous value, so this comes after the command */
	if (store_last_spoke_set(eng->st, msg->room_id, msg->sender, ts))
		goto fail;
	if (own_txn && store_commit(eng->st))
		goto fail;
	person_quiet_apply(eng, now_ms / 1000, msg->sender, out, before);
	return 0;
fail:
	if (own_txn)
		store_rollback(eng->st);
	/* answers of a message that was not kept must not go out */
	while (out->n > before)
		reply_free(&out->v[--out->n]);
	return rc;
}

/* Copy the next space-separated word at *p into w and advance; -1 if too long. */
static int next_word(const char **p, char *w, size_t len)
{
	size_t n = 0;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	while (**p && **p != ' ' && **p != '\t' && **p != '\n') {
		if (n + 1 >= len)
			return -1;
		w[n++] = *(*p)++;
	}
	w[n] = '\0';
	return 0;
}

/*
 * The text a log entry keeps for an edited message: a command's entries
 * (notes, decisions, ...) keep only its arguments, so an edit of "!note x"
 * to "!note y" keeps "y".  Points into body.
 */
static const char *edit_text(struct engine *eng, const char *body)
{
	const char *prefix = eng->cfg->command_prefix, *p;
	size_t plen = strlen(prefix);
	char first[64], second[64];
	const struct cmd_entry *e;
	int words = 0;

	if (strncmp(body, prefix, plen))
		return body;
	p = body + plen;
	if (next_word(&p, first, sizeof(first)) || !first[0])
		return body;
	{
		const char *q = p;
		if (next_word(&q, second, sizeof(second)))
			second[0] = '\0';
		e = cmd_find(first, second[0] ? second : NULL, &words);
		if (!e)
			return body;
		if (words == 2)
			p = q;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * An edit of a command that recorded more than text (a stance, an action
 * item) is refused: rewriting the log's words would leave the record
 * saying something else, and running the command again would record
 * twice.  Answers how to change it instead; the log keeps what was
 * recorded.  0 refused (answered), 1 not such an entry, -1 store.
 */
static int refuse_record_edit(struct engine *eng, const char *room_id, const char *event_id,
			      const char *sender, struct engine_replies *out)
{
	const char *prefix = eng->cfg->command_prefix;
	char *kind = NULL;
	int64_t action = 0;
	struct engine_reply *r;
	struct doc d;
	int rc = store_log_recorded(eng->st, room_id, event_id, sender, &kind, &action);

	if (rc)
		return rc;
	doc_init(&d);
	if (!strcmp(kind, "position")) {
		doc_para(&d, "Editing a %sposition does not change the stance it recorded. To "
			 "record a change, send a new one: %sposition <actor> <stance> [text...].",
			 prefix, prefix);
	} else if (!strcmp(kind, "action")) {
		if (action > 0)
			doc_para(&d, "Editing an %saction does not change action #%lld. To change it, "
				 "close it with %sdone %lld and send a new %saction.", prefix,
				 (long long)action, prefix, (long long)action, prefix);
		else
			doc_para(&d, "Editing an %saction does not change the action item it made; "
				 "send a new %saction instead.", prefix, prefix);
	} else {
		free(kind);
		doc_release(&d);
		return 1;
	}
	r = cmd_reply_push(out, room_id, &d, NULL);
	r->reply_to = xstrdup(event_id);
	doc_release(&d);
	free(kind);
	return 0;
}

int engine_edit_reply(struct engine *eng, const char *room_id, const char *event_id,
		      const char *sender, const char *new_body, struct engine_replies *out)
{
	int rc = refuse_record_edit(eng, room_id, event_id, sender, out);

	if (rc <= 0)
		return rc;
	/* only the author may rewrite what the log keeps (SPEC §3: an edit
	 * replaces the text; a forged m.replace from another member must not),
	 * and only in the room the edit was sent in */
	{
		/* a file's new caption keeps its name searchable */
		char *file = store_file_edit_text(eng->st, event_id, new_body);
		rc = store_log_edit(eng->st, room_id, event_id, sender,
				    file ? file : edit_text(eng, new_body), engine_now_ms(eng));
		free(file);
		return rc;
	}
}

int engine_edit(struct engine *eng, const char *room_id, const char *event_id,
		const char *sender, const char *new_body)
{
	struct engine_replies out = { 0 };
	int rc = engine_edit_reply(eng, room_id, event_id, sender, new_body, &out);

	engine_replies_release(&out);
	return rc;
}

int engine_redact(struct engine *eng, const char *room_id, const char *event_id)
{
	return store_log_redact(eng->st, room_id, event_id);
}

int engine_purge(struct engine *eng)
{
	int64_t days = eng->cfg->retention_days;

	/* the bot's messages older than REACT_MEMORY_DAYS: a reaction to
	 * them is then an ordinary emoji (a conference lasts three weeks) */
	if (store_people_purge(eng->st, engine_now_ms(eng) - REACT_MEMORY_DAYS * 86400 * 1000LL))
		return -1;
	if (days <= 0)
		return 0;
	return store_log_purge(eng->st, engine_now_ms(eng) - days * 86400 * 1000);
}

int engine_due(struct engine *eng, struct engine_replies *out)
{
	int64_t now = engine_now_ms(eng);
	size_t first = out->n;

	for (size_t f = 0; f < cmd_families_n; f++)
		if (cmd_families[f].due && cmd_families[f].due(eng, now, out))
			return -1;
	/* SPEC §3: what would wake a member in their quiet hours waits */
	person_quiet_apply(eng, now / 1000, NULL, out, first);
	return 0;
}

int engine_ack(struct engine *eng, const struct engine_reply *r)
{
	int64_t now = engine_now_ms(eng);

	for (size_t i = 0; i < r->due_keys.n; i++)
		if (store_due_mark(eng->st, r->due_keys.v[i], "sent", now))
			return -1;
	return 0;
}

int64_t engine_next_due_in(struct engine *eng)
{
	int64_t now = engine_now_ms(eng);
	/* due events are minute-grained unless a family says otherwise: wake
	 * at the next minute boundary at the latest */
	int64_t in = 60 - (now / 1000) % 60;

	for (size_t f = 0; f < cmd_families_n; f++) {
		int64_t n = cmd_families[f].next_due ? cmd_families[f].next_due(eng, now) : in;
		if (n < in)
			in = n > 0 ? n : 0;
	}
	return in;
}

/* ---- reactions as commands (SPEC §2) ---- */

#define REACT_KEY_MAX 32        /* bytes of an annotation key worth reading */

enum react_kind { REACT_NONE, REACT_GO, REACT_DONE };

/*
 * What an annotation key asks: 👍 (U+1F44D) or ✋ (U+270B) to go, ✅
 * (U+2705) done.  The variation selector U+FE0F and skin tones
 * (U+1F3FB..U+1F3FF) that clients add are ignored.
 */
static enum react_kind react_kind(const char *key)
{
	char k[REACT_KEY_MAX];
	size_t n = 0, len = strlen(key);

	if (len >= sizeof(k))
		return REACT_NONE;
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)key + i;
		if (len - i >= 3 && p[0] == 0xef && p[1] == 0xb8 && p[2] == 0x8f) {
			i += 3;         /* U+FE0F */
			continue;
		}
		if (len - i >= 4 && p[0] == 0xf0 && p[1] == 0x9f && p[2] == 0x8f &&
		    p[3] >= 0xbb && p[3] <= 0xbf) {
			i += 4;         /* a skin tone */
			continue;
		}
		k[n++] = key[i++];
	}
	k[n] = '\0';
	if (!strcmp(k, "\xf0\x9f\x91\x8d") || !strcmp(k, "\xe2\x9c\x8b"))
		return REACT_GO;
	if (!strcmp(k, "\xe2\x9c\x85"))
		return REACT_DONE;
	return REACT_NONE;
}

/* The numbers of the "<what>:N" words of about, appended to ids. */
static void about_ids(const char *about, const char *what, int64_t *ids, size_t max,
		      size_t *n)
{
	size_t wl = strlen(what);

	*n = 0;
	for (const char *p = about; p && *p;) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int64_t id;
		char num[24];

		if (len > wl + 1 && len - wl - 1 < sizeof(num) && !strncmp(p, what, wl) &&
		    p[wl] == ':') {
			memcpy(num, p + wl + 1, len - wl - 1);
			num[len - wl - 1] = '\0';
			if (!str_to_i64(num, &id) && id > 0 && *n < max)
				ids[(*n)++] = id;
		}
		p = end ? end + 1 : p + len;
	}
}

/* A one-paragraph answer in room_id replying to reply_to. */
static void react_say(struct engine_replies *out, const char *room_id, const char *reply_to,
		      const char *fmt, ...) PRINTF_LIKE(4, 5);

static void react_say(struct engine_replies *out, const char *room_id, const char *reply_to,
		      const char *fmt, ...)
{
	struct engine_reply *r;
	struct doc d;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	doc_init(&d);
	doc_para(&d, "%s", text);
	r = cmd_reply_push(out, room_id, &d, NULL);
	r->reply_to = xstrdup(reply_to);
	doc_release(&d);
	free(text);
}

/* Run the command 'line' as sender in room_id because of a reaction
 * (emoji), answering as a reply to target.  *acted as run_command. */
static int react_run(struct engine *eng, const char *room_id, const char *sender,
		     const char *target, const char *line, const char *emoji,
		     struct engine_replies *out, int *acted)
{
	struct engine_msg msg = {
		.room_id = room_id, .sender = sender, .event_id = target, .body = line,
	};
	int64_t room_issue = store_lookup_room_issue(eng->st, room_id);

	if (room_issue < 0)
		return -1;
	return run_command(eng, &msg, line, room_issue, engine_now_ms(eng), out, emoji, acted);
}

/* What the reaction acts on, as a space-separated about string, into
 * *about (NULL when nothing): the bot's message, else an !action. */
static int react_target(struct engine *eng, const char *room_id, const char *target,
			char **about)
{
	int64_t action;
	int rc = store_bot_event_about(eng->st, room_id, target, about);

	if (rc <= 0)
		return rc;
	rc = store_action_by_event(eng->st, room_id, target, &action);
	if (rc == 0)
		*about = xasprintf("action:%lld", (long long)action);
	return rc < 0 ? -1 : 0;
}

int engine_reaction(struct engine *eng, const char *room_id, const char *sender,
		    const char *target_event, const char *key,
		    const char *reaction_event_id, struct engine_replies *out)
{
	enum react_kind kind = key ? react_kind(key) : REACT_NONE;
	const char *prefix = eng->cfg->command_prefix;
	int64_t sessions[8], actions[8];
	size_t ns = 0, na = 0, before = out->n;
	char *about = NULL, line[48];
	int acted = 0, rc = -1;

	if (kind == REACT_NONE || !room_id || !sender || !target_event || !reaction_event_id)
		return 0;
	if (eng->cfg->user_id && !strcmp(sender, eng->cfg->user_id))
		return 0;
	if (!config_user_allowed(eng->cfg, sender))
		return 0;       /* SPEC §4: never answered */
	if (store_begin(eng->st))
		return -1;
	if (react_target(eng, room_id, target_event, &about))
		goto fail;
	about_ids(about, "session", sessions, ARRAY_LEN(sessions), &ns);
	about_ids(about, "action", actions, ARRAY_LEN(actions), &na);
	if (kind == REACT_GO && ns == 1) {
		snprintf(line, sizeof(line), "attend %lld", (long long)sessions[0]);
		if (react_run(eng, room_id, sender, target_event, line, key, out, &acted) ||
		    (acted && store_reaction_add(eng->st, reaction_event_id, room_id, sender,
						 target_event, sessions[0], engine_now_ms(eng))))
			goto fail;
	} else if (kind == REACT_DONE && na == 1) {
		snprintf(line, sizeof(line), "done %lld", (long long)actions[0]);
		if (react_run(eng, room_id, sender, target_event, line, key, out, NULL))
			goto fail;
	} else if (kind == REACT_GO && ns > 1) {
		react_say(out, room_id, target_event, "That message is about %zu sessions; to go "
			  "to one, send %sattend <n> with its number.", ns, prefix);
	} else if (kind == REACT_GO && na) {
		react_say(out, room_id, target_event, "%s goes to sessions; to close action #%lld, "
			  "react \u2705 or send %sdone %lld.", key, (long long)actions[0], prefix,
			  (long long)actions[0]);
	} else if (kind == REACT_DONE && ns) {
		react_say(out, room_id, target_event, "\u2705 closes action items; to go to #%lld, "
			  "react \U0001F44D or \u270B, or send %sattend %lld.", (long long)sessions[0],
			  prefix, (long long)sessions[0]);
	} else if (kind == REACT_DONE && na > 1) {
		react_say(out, room_id, target_event, "That message is about %zu action items; "
			  "close one with %sdone <n>.", na, prefix);
	}
	/* else: a message the bot does not know, an ordinary emoji */
	if (store_commit(eng->st))
		goto fail;
	rc = 0;
	goto out;
fail:
	store_rollback(eng->st);
	while (out->n > before)
		reply_free(&out->v[--out->n]);
out:
	free(about);
	return rc;
}

int engine_unreaction(struct engine *eng, const char *room_id,
		      const char *reaction_event_id, struct engine_replies *out)
{
	char *sender = NULL, *target = NULL, line[48];
	int64_t session, others;
	size_t before = out->n;
	int rc;

	if (!room_id || !reaction_event_id)
		return 0;
	if (store_begin(eng->st))
		return -1;
	rc = store_reaction_take(eng->st, room_id, reaction_event_id, &sender, &target, &session,
				 &others);
	if (rc < 0)
		goto fail;
	if (rc == 0 && others) {
		char *name = cmd_display_name(eng, room_id, sender);

		react_say(out, room_id, target, "%s still attends #%lld (another reaction of theirs "
			  "stays).", name, (long long)session);
		free(name);
	} else if (rc == 0) {
		snprintf(line, sizeof(line), "skip %lld", (long long)session);
		if (react_run(eng, room_id, sender, target, line, "-", out, NULL))
			goto fail;
	}
	if (store_commit(eng->st))
		goto fail;
	free(sender);
	free(target);
	return 0;
fail:
	store_rollback(eng->st);
	while (out->n > before)
		reply_free(&out->v[--out->n]);
	free(sender);
	free(target);
	return -1;
}
