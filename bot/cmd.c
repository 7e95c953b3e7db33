/*
 * cmd.c - what every command family (cmd_*.c) and the engine core share:
 * the list of families (cmd_families[], as tmux's cmd.c lists its
 * entries), !help, the argument readers (issues, users, times, numbers),
 * the answer writers (usage lines, pills, mentions) and the replies a
 * command or a due job adds (cmd_post, cmd_request, cmd_due_add), each
 * kept inside one event.  Knows nothing of Matrix, nor of how the engine
 * dispatches: engine.c walks the families, the families call down here.
 */
#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "doc.h"
#include "log.h"
#include "schedule.h"
#include "store.h"
#include "store_issue.h"
#include "store_due.h"
#include "store_room.h"
#include "when.h"

/* ---- replies ---- */

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

struct engine_reply *cmd_reply_push(struct engine_replies *out, const char *room_id,
				    struct doc *d, const struct strv *mentions)
{
	struct engine_reply *r;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	r = &out->v[out->n++];
	memset(r, 0, sizeof(*r));
	r->room_id = room_id ? xstrdup(room_id) : NULL;
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
	return cmd_reply_push(ctx->out, room_id, d, mentions);
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

void cmd_post_direct(struct cmd_ctx *ctx, const char *user_id, struct doc *d,
		     const struct strv *mentions)
{
	struct engine_reply *r = cmd_reply_push(ctx->out, NULL, d, mentions);

	r->to_user = xstrdup(user_id);
}

int cmd_answer_direct(struct cmd_ctx *ctx)
{
	if (ctx->is_direct)
		return 0;
	cmd_post_direct(ctx, ctx->msg->sender, ctx->doc, ctx->mentions);
	strv_release(ctx->mentions);
	doc_release(ctx->doc);
	doc_init(ctx->doc);
	doc_para(ctx->doc, "I sent you the answer in our direct room.");
	return 0;
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
	struct engine_reply *r = cmd_reply_push(out, room_id, d, mentions);

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
	char *s = xvasprintf(fmt, ap), *c = cmd_clip(s, ECHO_MAX);

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

char *cmd_clip(const char *s, size_t max)
{
	size_t n = strlen(s), cut = n;
	char *out;

	if (n > max) {
		cut = max;
		/* back up to the start of a UTF-8 character */
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	out = xmalloc(cut + sizeof("…"));
	memcpy(out, s, cut);
	out[cut] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (cut < n)
		memcpy(out + cut, "…", sizeof("…"));
	return out;
}

void cmd_issue_release(struct issue *is)
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

int64_t cmd_issue_find(struct store *st, const char *name)
{
	struct strv several = { 0 };
	int64_t id = resolve_issue(st, name, &several);

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
	char *name = store_member_name(engine_store(eng), room_id, user_id);

	if (!name && room_id)
		name = store_member_name(engine_store(eng), NULL, user_id);
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
	return store_member_joined(engine_store(eng), room_id, user_id);
}

int cmd_due_done(struct engine *eng, const char *key)
{
	return store_due_done(engine_store(eng), key) != 0;  /* an error counts as done: never twice */
}

int cmd_due_drop(struct engine *eng, const char *key)
{
	return store_due_mark(engine_store(eng), key, "dropped", engine_now_ms(eng));
}

/* ---- help ---- */

static int cmd_help(struct cmd_ctx *ctx)
{
	struct doc *d = ctx->doc;

	if (ctx->argc >= 1) {
		const char *name = ctx->argv[0];
		int words = 0;
		const struct cmd_entry *e;

		if (!strncmp(name, ctx->prefix, strlen(ctx->prefix)))
			name += strlen(ctx->prefix);
		e = cmd_find(name, ctx->argc > 1 ? ctx->argv[1] : NULL, &words);
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
	for (size_t f = 0; f < cmd_families_n; f++) {
		if (cmd_families[f].title)
			doc_heading(d, "%s", cmd_families[f].title);
		for (const struct cmd_entry *e = cmd_families[f].table; e && e->name; e++) {
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
	{ .name = "help",
	  .args = "[command]",
	  .summary = "list commands, or one command's usage with an example",
	  .example = "help session",
	  .fn = cmd_help },
	{ .name = NULL },
};

/* ---- the families ---- */

const struct cmd_entry *cmd_find(const char *name, const char *second, int *words)
{
	char two[128];

	if (second) {
		snprintf(two, sizeof(two), "%s %s", name, second);
		for (size_t f = 0; f < cmd_families_n; f++)
			for (const struct cmd_entry *e = cmd_families[f].table; e && e->name; e++)
				if (str_ieq(e->name, two)) {
					*words = 2;
					return e;
				}
	}
	for (size_t f = 0; f < cmd_families_n; f++)
		for (const struct cmd_entry *e = cmd_families[f].table; e && e->name; e++)
			if (str_ieq(e->name, name)) {
				*words = 1;
				return e;
			}
	return NULL;
}


/*
 * Every family, in the order !help lists them and dispatch looks in them
 * (two-word commands first, see cmd_find).  The engine runs the due jobs
 * in this order too, so session reminders come out before digests.
 */
const struct cmd_family cmd_families[] = {
	{ .table = cmd_core_table },
	{ .title = "Issues and coverage", .table = cmd_issue_table },
	{ .title = "Sessions", .table = cmd_session_table, .due = schedule_reminders_due },
	{ .title = "The log", .table = cmd_log_table, .due = schedule_digests_due },
	{ .title = "Documents", .table = cmd_doc_table, .file = cmd_doc_file },
	{ .title = "You", .table = cmd_person_table },
	{ .table = cmd_calendar_table },        /* under "You" too */
	{ .title = "Feeds", .table = cmd_feed_table },
	{ .title = "Shifts", .table = cmd_people_table, .due = cmd_people_due },
};
const size_t cmd_families_n = ARRAY_LEN(cmd_families);
