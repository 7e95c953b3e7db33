/*
 * engine.c - the core of the command engine: it decides whether a message
 * is a command, splits it into arguments, finds the command in the
 * families' tables, runs it inside a savepoint and turns its answer into a
 * reply.  Ordinary messages of issue rooms go to the log.  It also holds
 * the argument helpers every family uses (issues, users, times).  It knows
 * nothing of Matrix: a room is an ID, a user is an ID.
 */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "digest.h"
#include "doc.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store_issue.h"
#include "store_doc.h"
#include "store_log.h"
#include "store_people.h"
#include "store_room.h"
#include "tokenize.h"
#include "when.h"

struct engine {
	const struct config *cfg;
	struct store *st;
	struct engine_clock clock;
	char *coord_room;       /* the configured coordination room's ID, or NULL */
};

static const struct cmd_entry *const tables[] = {
	cmd_core_table, cmd_issue_table, cmd_session_table, cmd_log_table, cmd_doc_table,
	cmd_people_table,
};
/* The short heading of each table's commands in !help (NULL: none). */
static const char *const table_titles[] = {
	NULL, "Issues and coverage", "Sessions", "The log", "Documents", "Shifts",
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
	return store_commit(eng->st);
}

/* ---- replies ---- */

static void reply_free(struct engine_reply *x)
{
	free(x->target);
	free(x->user);
	free(x->room_id);
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

/*
 * SPEC §2: an answer is never silence, and a homeserver refuses an event
 * over 64 KiB (413).  An encrypted answer grows by 4/3 (base64 of the
 * Megolm ciphertext) plus its envelope, and the server adds its own
 * (hashes, signatures, prev/auth events), so the body and formatted_body
 * together, as JSON text, stay under ANSWER_JSON_MAX:
 *   (45,000 + 1,000 content keys) * 4/3 + 500 (m.room.encrypted)
 *   + 3,000 (the server's part) = 64,833 < 65,536.
 * A longer answer is cut at a line (plain) or block (HTML) and says how
 * many were left out.
 */
#define ANSWER_JSON_MAX 45000
#define ANSWER_TAIL 160         /* room kept for "… and N more" and closing tags */
#define REACT_MEMORY_DAYS 30    /* how long the bot knows what its messages were about */
#define ECHO_MAX 400            /* bytes of the user's own text an error repeats */

/* Bytes s takes as a JSON string's contents (cJSON's escaping). */
static size_t json_len(const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r' || c == '\b' ||
		    c == '\f')
			len += 2;
		else if (c < 0x20)
			len += 6;
		else
			len++;
	}
	return len;
}

/* The longest prefix of s whose JSON length is at most max. */
static size_t json_prefix(const char *s, size_t max)
{
	size_t n = 0, len = 0;

	while (s[n]) {
		size_t c = json_len(s + n, 1);
		if (len + c > max)
			break;
		len += c;
		n++;
	}
	/* never in the middle of a UTF-8 character */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + strlen(needle), needle))
		n++;
	return n;
}

/* The plain body cut to max: whole lines, then "… and N more". */
static char *cap_plain(const char *s, size_t max)
{
	size_t cut = json_prefix(s, max), lines;
	struct buf b;

	for (size_t k = cut; k > 0; k--)
		if (s[k - 1] == '\n') {
			cut = k;
			break;
		}
	lines = count_str(s + cut, "\n") + (s[cut] && s[strlen(s) - 1] != '\n');
	buf_init(&b, 0);
	buf_add(&b, s, cut);
	if (cut && s[cut - 1] != '\n')
		buf_puts(&b, "…\n");
	buf_printf(&b, "… and %zu more (too long for one message)\n", lines ? lines : 1);
	return buf_detach(&b);
}

/* The HTML cut to max at the end of a block (or, inside one block, a safe
 * place in its text), its open tags closed, then "… and N more". */
static char *cap_html(const char *s, size_t max)
{
	static const char *const ends[] = { "</li>", "</p>", "</tr>" };
	size_t cut = json_prefix(s, max), best = 0, blocks = 0;
	struct strv open = { 0 };
	struct buf b;

	for (size_t i = 0; i < ARRAY_LEN(ends); i++) {
		size_t n = strlen(ends[i]);
		for (const char *p = strstr(s, ends[i]); p && (size_t)(p - s) + n <= cut;
		     p = strstr(p + n, ends[i]))
			if ((size_t)(p - s) + n > best)
				best = (size_t)(p - s) + n;
	}
	if (best) {
		cut = best;
	} else {
		/* one long block: not inside a tag or an entity */
		const char *lt = memrchr(s, '<', cut), *gt = memrchr(s, '>', cut);
		const char *amp = memrchr(s, '&', cut), *semi = memrchr(s, ';', cut);

		if (lt && (!gt || gt < lt))
			cut = (size_t)(lt - s);
		if (amp && (size_t)(amp - s) < cut && (!semi || semi < amp))
			cut = (size_t)(amp - s);
	}
	for (size_t i = 0; i < ARRAY_LEN(ends); i++)
		blocks += count_str(s + cut, ends[i]);
	/* the tags still open at the cut, innermost last */
	for (size_t i = 0; i < cut; i++) {
		size_t n, end;
		if (s[i] != '<')
			continue;
		n = strcspn(s + i + 1, " />");
		end = i + 1 + strcspn(s + i + 1, ">");
		if (s[i + 1] == '/') {
			if (open.n)
				free(open.v[--open.n]);
		} else if (n && s[end - 1] != '/') {
			strv_push_owned(&open, xstrndup(s + i + 1, n));
		}
		i = end;
	}
	buf_init(&b, 0);
	buf_add(&b, s, cut);
	if (!best)
		buf_puts(&b, "…");
	while (open.n) {
		char *tag = open.v[--open.n];
		buf_printf(&b, "</%s>", tag);
		free(tag);
	}
	strv_release(&open);
	buf_printf(&b, "<p>… and %zu more (too long for one message)</p>", blocks ? blocks : 1);
	return buf_detach(&b);
}

/* Keep the answer inside one event (see ANSWER_JSON_MAX). */
static void cap_answer(struct engine_reply *r)
{
	size_t jp = json_len(r->body, strlen(r->body)), jh = json_len(r->html, strlen(r->html));
	size_t max = ANSWER_JSON_MAX, bp;
	char *p, *h;

	/* m.mentions takes its room first, a tenth of it at most: the people
	 * past that are still named in the text, only not notified */
	for (size_t i = 0, used = 0; i < r->mentions.n; i++) {
		size_t m = json_len(r->mentions.v[i], strlen(r->mentions.v[i])) + 3;
		if (used + m > ANSWER_JSON_MAX / 10) {
			while (r->mentions.n > i)
				free(r->mentions.v[--r->mentions.n]);
			break;
		}
		used += m;
		max -= m;
	}
	if (jp + jh <= max)
		return;
	/* each rendering keeps its share of the room */
	bp = (size_t)((double)max * (double)jp / (double)(jp + jh));
	p = cap_plain(r->body, bp > ANSWER_TAIL ? bp - ANSWER_TAIL : 0);
	h = cap_html(r->html, max - bp > ANSWER_TAIL ? max - bp - ANSWER_TAIL : 0);
	log_warn("engine: an answer of %zu bytes was cut to fit one event", jp + jh);
	free(r->body);
	free(r->html);
	r->body = p;
	r->html = h;
}

static struct engine_reply *reply_push(struct engine_replies *out, const char *room_id,
				       struct doc *d, const struct strv *mentions)
{
	struct engine_reply *r;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	r = &out->v[out->n++];
	memset(r, 0, sizeof(*r));
	r->room_id = xstrdup(room_id);
	doc_finish(d, &r->body, &r->html);
	for (size_t i = 0; mentions && i < mentions->n; i++)
		if (!strv_has(&r->mentions, mentions->v[i]))
			strv_push(&r->mentions, mentions->v[i]);
	cap_answer(r);
	return r;
}

struct engine_reply *cmd_post(struct cmd_ctx *ctx, const char *room_id, struct doc *d,
			      const struct strv *mentions)
{
	return reply_push(ctx->out, room_id, d, mentions);
}

void cmd_about(struct cmd_ctx *ctx, struct engine_reply *r, const char *fmt, ...)
{
	char **slot = r ? &r->about : &ctx->about;
	va_list ap;

	free(*slot);
	va_start(ap, fmt);
	*slot = xvasprintf(fmt, ap);
	va_end(ap);
}

void cmd_request(struct cmd_ctx *ctx, enum engine_kind kind, const char *target,
		 const char *user, int64_t issue_id, const char *fmt, ...)
{
	struct engine_replies *out = ctx->out;
	struct engine_reply *r;
	va_list ap;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	r = &out->v[out->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->target = target ? xstrdup(target) : NULL;
	r->user = user ? xstrdup(user) : NULL;
	r->issue_id = issue_id;
	r->room_id = xstrdup(ctx->msg->room_id);
	r->reply_to = ctx->msg->event_id ? xstrdup(ctx->msg->event_id) : NULL;
	r->thread_root = ctx->msg->thread_root ? xstrdup(ctx->msg->thread_root) : NULL;
	va_start(ap, fmt);
	r->body = xvasprintf(fmt, ap);
	va_end(ap);
	r->html = xstrdup(r->body);
}

void cmd_due_add(struct engine_replies *out, const char *room_id, struct doc *d,
		 const struct strv *mentions, const char *due_id, const struct strv *keys)
{
	struct engine_reply *r = reply_push(out, room_id, d, mentions);

	r->due_id = xstrdup(due_id);
	for (size_t i = 0; keys && i < keys->n; i++)
		strv_push(&r->due_keys, keys->v[i]);
	if (!r->due_keys.n)
		strv_push(&r->due_keys, due_id);
}

/* ---- argument helpers ---- */

static void usage_line(struct cmd_ctx *ctx)
{
	doc_begin(ctx->doc, DOC_PARA);
	doc_text(ctx->doc, "Usage: ");
	doc_code(ctx->doc, "%s%s%s%s", ctx->prefix, ctx->entry->name,
		 *ctx->entry->args ? " " : "", ctx->entry->args);
	doc_end(ctx->doc);
}

/* The one-line reason; the user's own text it repeats is clipped. */
static void vreason(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap), *c = digest_clip(s, ECHO_MAX);

	doc_para(ctx->doc, "%s", c);
	free(c);
	free(s);
}

int cmd_usage(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(ctx, fmt, ap);
	va_end(ap);
	usage_line(ctx);
	return 0;
}

int cmd_fail(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(ctx, fmt, ap);
	va_end(ap);
	return 0;
}

const char *cmd_text_from(struct cmd_ctx *ctx, size_t i)
{
	if (i >= ctx->argc)
		return "";
	return ctx->text + ctx->offs[i];
}

void issue_release(struct issue *is)
{
	free(is->slug);
	free(is->name);
	free(is->room_id);
	memset(is, 0, sizeof(*is));
}

int cmd_issue_by_id(struct cmd_ctx *ctx, int64_t id, struct issue *out)
{
	memset(out, 0, sizeof(*out));
	if (store_lookup_issue(ctx->st, id, &out->slug, &out->name, &out->room_id))
		return -1;
	out->id = id;
	return 0;
}

/*
 * Resolve 'name': exact slug or alias first, then a unique prefix.  Returns
 * the issue ID, 0 when nothing matched, -2 when several did (their names
 * in 'several'), -1 on store failure.
 */
static int64_t resolve_issue(struct store *st, const char *name, struct strv *several)
{
	struct strv names = { 0 };
	int64_t *ids = NULL, found = 0, id;

	switch (store_issue_find_exact(st, name, &id)) {
	case 0: return id;
	case 1: break;
	default: return -1;
	}
	if (store_lookup_names(st, &names, &ids)) {
		found = -1;
		goto out;
	}
	for (size_t i = 0; i < names.n; i++) {
		if (!str_iprefix(names.v[i], name))
			continue;
		if (found && found != ids[i]) {
			found = -2;
		} else if (!found) {
			found = ids[i];
		}
	}
	if (found == -2) {
		for (size_t i = 0; i < names.n; i++) {
			if (str_iprefix(names.v[i], name)) {
				char *slug, *nm, *room;
				if (store_lookup_issue(st, ids[i], &slug, &nm, &room) == 0 &&
				    !strv_has(several, slug))
					strv_push(several, slug);
				free(slug);
				free(nm);
				free(room);
			}
		}
	}
out:
	strv_release(&names);
	free(ids);
	return found;
}

int64_t engine_issue_id(struct engine *eng, const char *name)
{
	struct strv several = { 0 };
	int64_t id = resolve_issue(eng->st, name, &several);

	strv_release(&several);
	return id;
}

int cmd_issue_lookup(struct cmd_ctx *ctx, const char *name, struct issue *out)
{
	struct strv several = { 0 };
	int64_t id = resolve_issue(ctx->st, name, &several);

	strv_release(&several);
	memset(out, 0, sizeof(*out));
	if (id <= 0)
		return -1;
	return cmd_issue_by_id(ctx, id, out);
}

/* The closest names to 'name', for "did you mean". */
static void closest_issues(struct store *st, const char *name, struct strv *best)
{
	struct strv names = { 0 };
	int64_t *ids = NULL;
	size_t bestd = (size_t)-1;

	if (store_lookup_names(st, &names, &ids))
		goto out;
	for (size_t i = 0; i < names.n; i++) {
		size_t d = str_distance(name, names.v[i]);
		if (strstr(names.v[i], name) && strlen(name) >= 3)
			d = d < 2 ? d : 2;  /* a substring is a good hint */
		if (d < bestd) {
			strv_release(best);
			bestd = d;
		}
		if (d == bestd && best->n < 3) {
			char *slug, *nm, *room;
			if (store_lookup_issue(st, ids[i], &slug, &nm, &room) == 0 &&
			    !strv_has(best, slug))
				strv_push(best, slug);
			free(slug);
			free(nm);
			free(room);
		}
	}
	/* too far to be a typo: no suggestion beats a silly one */
	if (bestd > 3 && bestd * 2 > strlen(name))
		strv_release(best);
out:
	strv_release(&names);
	free(ids);
}

static void join_names(struct buf *b, const struct strv *sv, const char *last)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			buf_puts(b, i + 1 == sv->n ? last : ", ");
		buf_puts(b, sv->v[i]);
	}
}

int cmd_issue_arg(struct cmd_ctx *ctx, const char *name, struct issue *out)
{
	struct strv several = { 0 };
	struct buf msg;
	int64_t id;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&msg, 0);
	id = resolve_issue(ctx->st, name, &several);
	if (id > 0) {
		rc = cmd_issue_by_id(ctx, id, out);
		goto out;
	}
	if (id == -2) {
		buf_printf(&msg, "'%s' matches several issues: ", name);
		join_names(&msg, &several, " and ");
		buf_puts(&msg, ".");
	} else if (id == 0) {
		struct strv best = { 0 };
		closest_issues(ctx->st, name, &best);
		buf_printf(&msg, "no such issue '%s'", name);
		if (best.n) {
			buf_puts(&msg, "; did you mean ");
			join_names(&msg, &best, " or ");
			buf_puts(&msg, "?");
		} else {
			buf_printf(&msg, "; %sissues lists them.", ctx->prefix);
		}
		strv_release(&best);
	} else {
		buf_puts(&msg, "the database failed; please try again.");
	}
	cmd_usage(ctx, "%s", msg.data);
out:
	buf_release(&msg);
	strv_release(&several);
	return rc;
}

int cmd_room_issue(struct cmd_ctx *ctx, struct issue *out)
{
	memset(out, 0, sizeof(*out));
	if (ctx->room_issue > 0 && cmd_issue_by_id(ctx, ctx->room_issue, out) == 0)
		return 0;
	cmd_usage(ctx, "this is not an issue room; name the issue, or use this in an issue's room.");
	return -1;
}

int cmd_issue_or_room(struct cmd_ctx *ctx, size_t *i, struct issue *out,
		      int (*fallback_ok)(struct cmd_ctx *ctx, const char *arg))
{
	memset(out, 0, sizeof(*out));
	if (*i >= ctx->argc) {
		if (ctx->room_issue > 0)
			return cmd_issue_by_id(ctx, ctx->room_issue, out);
		cmd_usage(ctx, "which issue? Name it, or use this in an issue's room.");
		return -1;
	}
	if (cmd_issue_lookup(ctx, ctx->argv[*i], out) == 0) {
		(*i)++;
		return 0;
	}
	if (ctx->room_issue > 0 && fallback_ok && fallback_ok(ctx, ctx->argv[*i]))
		return cmd_issue_by_id(ctx, ctx->room_issue, out);
	return cmd_issue_arg(ctx, ctx->argv[*i], out);
}

static int valid_user_id(const char *s)
{
	const char *colon;

	if (s[0] != '@' || strlen(s) > 255)
		return 0;
	colon = strchr(s, ':');
	if (!colon || colon == s + 1 || !colon[1])
		return 0;
	for (const char *p = s + 1; *p; p++)
		if ((unsigned char)*p <= ' ')
			return 0;
	return 1;
}

static int resolve_user(struct cmd_ctx *ctx, const char *arg, char **user_id)
{
	char *copy = xstrdup(arg), *name = copy;
	size_t n = strlen(copy);
	int rc;

	*user_id = NULL;
	/* a pill at the start of a message comes with ": " (Element) */
	if (n > 1 && (copy[n - 1] == ':' || copy[n - 1] == ','))
		copy[n - 1] = '\0';
	if (valid_user_id(copy)) {
		*user_id = copy;
		return 0;
	}
	if (name[0] == '@')     /* "@Bob" typed by hand: a display name */
		name++;
	rc = store_member_by_name(ctx->st, ctx->msg->room_id, name, user_id);
	free(copy);
	return rc;
}

int cmd_is_user(struct cmd_ctx *ctx, const char *arg)
{
	char *u = NULL;
	int ok = resolve_user(ctx, arg, &u) == 0;

	free(u);
	return ok;
}

int cmd_user_arg(struct cmd_ctx *ctx, const char *arg, char **user_id)
{
	int rc = resolve_user(ctx, arg, user_id);

	if (rc == 0)
		return 0;
	if (rc == 2)
		cmd_usage(ctx, "several members of this room are called '%s'; use the user ID "
			  "(@name:server) or a mention.", arg);
	else if (rc == 1)
		cmd_usage(ctx, "no member of this room is called '%s'; use the user ID "
			  "(@name:server) or a mention.", arg);
	else
		cmd_fail(ctx, "the database failed; please try again.");
	return -1;
}

int cmd_when_arg(struct cmd_ctx *ctx, size_t *i, int64_t *start, int64_t *end)
{
	char err[160];
	size_t used = 0;

	if (*i >= ctx->argc) {
		cmd_usage(ctx, "when? e.g. 14:00, tomorrow 09:30, wed 10:00-11:30, in 2h.");
		return -1;
	}
	if (when_parse(ctx->tz, ctx->now, ctx->argv + *i, ctx->argc - *i, &used, start, end,
		       err, sizeof(err))) {
		cmd_usage(ctx, "%s", err);
		return -1;
	}
	*i += used;
	return 0;
}

int cmd_number_arg(struct cmd_ctx *ctx, const char *arg, const char *what, int64_t *n)
{
	const char *p = arg[0] == '#' ? arg + 1 : arg;

	if (str_to_i64(p, n) || *n <= 0) {
		cmd_usage(ctx, "'%s' is not a %s number.", arg, what);
		return -1;
	}
	return 0;
}

int cmd_is_admin(struct cmd_ctx *ctx)
{
	const char *coord = engine_coordination_room(ctx->eng);

	if (config_is_admin(ctx->cfg, ctx->msg->sender))
		return 1;
	return coord && store_member_power(ctx->st, coord, ctx->msg->sender) >= 50;
}

char *cmd_display_name(struct engine *eng, const char *room_id, const char *user_id)
{
	char *name = store_member_name(eng->st, room_id, user_id);

	if (!name && room_id)
		name = store_member_name(eng->st, NULL, user_id);
	return name ? name : xstrdup(user_id);
}

void cmd_doc_user(struct cmd_ctx *ctx, const char *user_id)
{
	char *name = cmd_display_name(ctx->eng, ctx->msg->room_id, user_id);

	doc_user(ctx->doc, user_id, name);
	free(name);
}

void cmd_mention(struct cmd_ctx *ctx, const char *user_id)
{
	if (!strv_has(ctx->mentions, user_id))
		strv_push(ctx->mentions, user_id);
	cmd_doc_user(ctx, user_id);
}

int cmd_can_see_room(struct engine *eng, const char *user_id, const char *room_id)
{
	return store_member_joined(eng->st, room_id, user_id);
}

int cmd_due_done(struct engine *eng, const char *key)
{
	return store_due_done(eng->st, key) != 0;  /* an error counts as done: never twice */
}

int cmd_due_drop(struct engine *eng, const char *key)
{
	return store_due_mark(eng->st, key, "dropped", engine_now_ms(eng));
}

/* ---- help ---- */

static const struct cmd_entry *find_entry(const char *name, const char *second, int *words);

static int cmd_help(struct cmd_ctx *ctx)
{
	struct doc *d = ctx->doc;

	if (ctx->argc >= 1) {
		const char *name = ctx->argv[0];
		int words = 0;
		const struct cmd_entry *e;

		if (!strncmp(name, ctx->prefix, strlen(ctx->prefix)))
			name += strlen(ctx->prefix);
		e = find_entry(name, ctx->argc > 1 ? ctx->argv[1] : NULL, &words);
		if (!e)
			return cmd_usage(ctx, "no command '%s'; %shelp lists them.", ctx->argv[0],
					 ctx->prefix);
		doc_begin(d, DOC_PARA);
		doc_code(d, "%s%s%s%s", ctx->prefix, e->name, *e->args ? " " : "", e->args);
		doc_text(d, " — %s%s", e->summary, e->admin ? " (admins only)" : "");
		doc_end(d);
		doc_begin(d, DOC_PARA);
		doc_text(d, "Example: ");
		doc_code(d, "%s%s", ctx->prefix, e->example);
		doc_end(d);
		return 0;
	}
	/* one line per command, the usage first: it is read on a phone */
	doc_para(d, "%shelp <command> shows one command with an example.", ctx->prefix);
	for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
		if (t < ARRAY_LEN(table_titles) && table_titles[t])
			doc_heading(d, "%s", table_titles[t]);
		for (const struct cmd_entry *e = tables[t]; e->name; e++) {
			doc_begin(d, DOC_ITEM);
			doc_code(d, "%s%s%s%s", ctx->prefix, e->name, *e->args ? " " : "", e->args);
			doc_text(d, " — %s", e->summary);
			doc_end(d);
		}
	}
	doc_para(d, "Times are in %s.", ctx->tz);
	return 0;
}

const struct cmd_entry cmd_core_table[] = {
	{ "help", "[command]", "list commands, or one command's usage with an example",
	  "help session", 0, cmd_help },
	{ NULL, NULL, NULL, NULL, 0, NULL },
};

/* ---- dispatch ---- */

static const struct cmd_entry *find_entry(const char *name, const char *second, int *words)
{
	char two[128];

	if (second) {
		snprintf(two, sizeof(two), "%s %s", name, second);
		for (size_t t = 0; t < ARRAY_LEN(tables); t++)
			for (const struct cmd_entry *e = tables[t]; e->name; e++)
				if (str_ieq(e->name, two)) {
					*words = 2;
					return e;
				}
	}
	for (size_t t = 0; t < ARRAY_LEN(tables); t++)
		for (const struct cmd_entry *e = tables[t]; e->name; e++)
			if (str_ieq(e->name, name)) {
				*words = 1;
				return e;
			}
	return NULL;
}

/* The first word of each two-word command ("issue"), for a bare "!issue". */
static const struct cmd_entry *find_family(const char *name)
{
	size_t n = strlen(name);

	for (size_t t = 0; t < ARRAY_LEN(tables); t++)
		for (const struct cmd_entry *e = tables[t]; e->name; e++)
			if (!strncasecmp(e->name, name, n) && e->name[n] == ' ')
				return e;
	return NULL;
}

static void unknown_command(struct cmd_ctx *ctx, const char *typed)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	char *name = digest_clip(typed, 64);

	for (size_t t = 0; t < ARRAY_LEN(tables); t++)
		for (const struct cmd_entry *e = tables[t]; e->name; e++) {
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
	for (size_t t = 0; t < ARRAY_LEN(tables); t++)
		for (const struct cmd_entry *e = tables[t]; e->name; e++)
			if (!strncasecmp(e->name, name, n) && e->name[n] == ' ') {
				doc_begin(ctx->doc, DOC_ITEM);
				doc_code(ctx->doc, "%s%s %s", ctx->prefix, e->name, e->args);
				doc_end(ctx->doc);
			}
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
	e = find_entry(argv.v[0], argv.n > 1 ? argv.v[1] : NULL, &words);
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
		struct engine_reply *r = reply_push(out, msg->room_id, &doc, &mentions), tmp;
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
		if (room_issue > 0 && cmd_doc_file(eng, msg, room_issue, ts, out))
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
		e = find_entry(first, second[0] ? second : NULL, &words);
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
	r = reply_push(out, room_id, &d, NULL);
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

	if (cmd_session_due(eng, now, out) || cmd_people_due(eng, now, out))
		return -1;
	return cmd_digest_due(eng, now, out);
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

	/* due events are minute-grained: wake at the next minute boundary */
	return 60 - (now / 1000) % 60;
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
	r = reply_push(out, room_id, &d, NULL);
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
