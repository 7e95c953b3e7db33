/*
 * mx_sync.c - a /sync answer (spec v1.12 "Syncing"), read once into a
 * cJSON tree and walked in event order: for each room, the state before
 * the timeline, then the timeline; then rooms left and invites.  The gap
 * of a limited timeline is read before, page by page (each page walked
 * as it comes, the tree holding only the batch's own timelines).  The
 * end-to-end layer (struct mx_sync_crypto) reads the rest of the answer
 * first and hands back the events whose key came.
 * Every timeline event passes read_event(); an m.room.encrypted one is
 * decrypted by that layer first, and what its plaintext says is read only
 * as a message (mx_plaintext_type_ok), never as a redaction, state or
 * membership.  Message details (reply fallbacks,
 * m.replace, m.thread) are read here so the handlers see plain strings.
 */
#include "mx_sync.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_get.h"
#include "json_scan.h"
#include "log.h"
#include "loop.h"
#include "util.h"

/* A limited timeline's missed stretch, read forward page by page. */
struct gap {
	char *room_id;
	char *from;             /* where to read on from; NULL: the last sync's token */
	char *to;               /* the room's prev_batch in this sync */
	int open;
	int before_join;        /* the bot's own join is still ahead: history */
	struct gap *next;
};

struct mx_sync_batch {
	cJSON *root;
	char *own;
	const char *next_batch;
	struct gap *gaps;
	size_t skipped;         /* events, and gaps given up, that could not be read */
};

/*
 * cJSON's parse of a server's answer, or when that fails (one event nested
 * too deep, one broken string), of the answer without the events that
 * cannot be read on their own (*skipped counts them).  NULL when even that
 * fails.
 */
static cJSON *parse_answer(const char *body, size_t len, size_t *skipped)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	size_t n = 0, flen = 0;
	char *fixed;

	if (root || !len)
		return root;
	fixed = json_drop_bad_events(body, len, JSON_EVENT_MAX_DEPTH, &n, &flen);
	if (fixed && n)
		root = cJSON_ParseWithLength(fixed, flen);
	free(fixed);
	if (root) {
		log_warn("sync: %zu event%s of an answer cannot be read (nested too deep or not "
			 "JSON); skipped, the rest is read", n, n == 1 ? "" : "s");
		*skipped += n;
	}
	return root;
}

static const cJSON *jpath(const cJSON *o, const char *a, const char *b)
{
	return jget(jget(o, a), b);
}

static int has_own_join(const struct mx_sync_batch *b, const cJSON *events);

static struct gap *find_gap(const struct mx_sync_batch *b, const char *room_id)
{
	for (struct gap *g = b->gaps; g; g = g->next)
		if (!strcmp(g->room_id, room_id))
			return g;
	return NULL;
}

static void note_gaps(struct mx_sync_batch *b, const cJSON *rooms)
{
	const cJSON *room;

	cJSON_ArrayForEach(room, rooms) {
		const cJSON *tl = jget(room, "timeline");
		const char *prev = jstr(tl, "prev_batch");
		struct gap *g;

		if (!room->string || !cJSON_IsTrue(jget(tl, "limited")) || !prev)
			continue;
		if (has_own_join(b, jget(tl, "events")))
			continue;       /* what came before the bot joined is not missed */
		g = xcalloc(1, sizeof(*g));
		g->room_id = xstrdup(room->string);
		g->to = xstrdup(prev);
		g->open = 1;
		/* the join itself in the state: it lies in the gap, and what
		 * the gap holds before it is history, not the bot's to answer */
		g->before_join = has_own_join(b, jpath(room, "state", "events"));
		g->next = b->gaps;
		b->gaps = g;
	}
}

struct mx_sync_batch *mx_sync_parse(const char *body, size_t len, const char *own_user_id,
				    char *err, size_t errlen)
{
	struct mx_sync_batch *b = xcalloc(1, sizeof(*b));

	b->root = parse_answer(body, len, &b->skipped);
	if (!cJSON_IsObject(b->root)) {
		snprintf(err, errlen, "the /sync answer is not JSON (%zu bytes)", len);
		goto fail;
	}
	b->next_batch = jstr(b->root, "next_batch");
	if (!b->next_batch || !*b->next_batch) {
		snprintf(err, errlen, "the /sync answer has no next_batch");
		goto fail;
	}
	b->own = xstrdup(own_user_id);
	note_gaps(b, jpath(b->root, "rooms", "join"));
	note_gaps(b, jpath(b->root, "rooms", "leave"));
	return b;
fail:
	mx_sync_free(b);
	return NULL;
}

void mx_sync_free(struct mx_sync_batch *b)
{
	struct gap *g, *next;

	if (!b)
		return;
	for (g = b->gaps; g; g = next) {
		next = g->next;
		free(g->room_id);
		free(g->from);
		free(g->to);
		free(g);
	}
	cJSON_Delete(b->root);
	free(b->own);
	free(b);
}

const char *mx_sync_next_batch(const struct mx_sync_batch *b)
{
	return b->next_batch;
}

size_t mx_sync_skipped(const struct mx_sync_batch *b)
{
	return b->skipped;
}

int mx_sync_open_gap(const struct mx_sync_batch *b, size_t i, const char **room_id,
		     const char **from, const char **to)
{
	for (struct gap *g = b->gaps; g; g = g->next) {
		if (g->open && i-- == 0) {
			*room_id = g->room_id;
			*from = g->from;
			*to = g->to;
			return 0;
		}
	}
	return 1;
}

int mx_sync_next_gap(const struct mx_sync_batch *b, const char **room_id, const char **from,
		     const char **to)
{
	return mx_sync_open_gap(b, 0, room_id, from, to);
}

int mx_sync_gap_room(const struct mx_sync_batch *b, size_t i, const char **room_id)
{
	for (struct gap *g = b->gaps; g; g = g->next)
		if (i-- == 0) {
			*room_id = g->room_id;
			return 0;
		}
	return 1;
}

void mx_sync_close_gap(struct mx_sync_batch *b, const char *room_id)
{
	struct gap *g = find_gap(b, room_id);

	if (g && g->open) {
		g->open = 0;
		b->skipped++;   /* what was left is a counted gap, not a silent one */
		log_warn("sync: %s: the rest of the missed events skipped (a counted gap)",
			 room_id);
	}
}

/* A position as mx_sync_gap_apply() writes it: 'j' (the bot's join is
 * behind) or 'h' (still history) and the token to read on from. */
int mx_sync_gap_resume(struct mx_sync_batch *b, const char *room_id, const char *pos)
{
	struct gap *g = find_gap(b, room_id);

	if (!g || !pos || (pos[0] != 'j' && pos[0] != 'h') || !pos[1])
		return -1;
	free(g->from);
	g->from = xstrdup(pos + 1);
	g->before_join = pos[0] == 'h';
	return 0;
}

static char *gap_position(int before_join, const char *token)
{
	return xasprintf("%c%s", before_join ? 'h' : 'j', token);
}

void mx_gap_page_release(struct mx_gap_page *p)
{
	free(p->position);
	free(p->next_from);
	memset(p, 0, sizeof(*p));
}

void mx_sync_gap_advance(struct mx_sync_batch *b, const char *room_id, struct mx_gap_page *p)
{
	struct gap *g = find_gap(b, room_id);

	if (!g)
		return;
	free(g->from);
	g->from = p->next_from;
	p->next_from = NULL;
	g->before_join = p->before_join;
	if (p->done)
		g->open = 0;
}

/* ---- message details ---- */
/* ---- message details ---- */

char *mx_strip_reply_fallback(const char *body)
{
	const char *p = body;
	int quoted = 0;

	for (;;) {
		const char *nl = strchr(p, '\n');
		if (!strncmp(p, "> ", 2) || !strcmp(p, ">") || !strncmp(p, ">\n", 2)) {
			quoted = 1;
			if (!nl)
				return xstrdup("");
			p = nl + 1;
			continue;
		}
		break;
	}
	if (quoted && *p == '\n')
		p++;
	return xstrdup(p);
}

char *mx_strip_mx_reply(const char *html)
{
	const char *open = strstr(html, "<mx-reply>"), *close;
	struct buf b;
	char *out;

	if (!open || !(close = strstr(open, "</mx-reply>")))
		return xstrdup(html);
	close += strlen("</mx-reply>");
	buf_init(&b, 0);
	buf_add(&b, html, (size_t)(open - html));
	buf_puts(&b, close);
	out = buf_detach(&b);
	buf_release(&b);   /* detach leaves an empty buffer */
	return out;
}

int mx_power_level(const char *content, const char *user_id)
{
	cJSON *pl;
	const cJSON *v;
	int level = 0;

	if (!content)
		return 0;
	pl = cJSON_Parse(content);
	v = jget(jget(pl, "users"), user_id);
	if (!v)
		v = jget(pl, "users_default");
	if (cJSON_IsNumber(v)) {
		level = v->valuedouble > 1e9 ? 1000000000 : v->valuedouble < -1e9 ? -1000000000
										   : v->valueint;
	} else if (cJSON_IsString(v)) {     /* old rooms: levels as strings */
		int64_t n;
		if (str_to_i64(v->valuestring, &n) == 0 && n > -1000000000 && n < 1000000000)
			level = (int)n;
	}
	cJSON_Delete(pl);
	return level;
}

/* ---- applying ---- */

int64_t mx_sane_ts(const cJSON *v, int64_t now_ms)
{
	/* compared as doubles first: converting 1e300 or NaN to an integer
	 * is undefined behaviour */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)MX_TS_MIN) ||
	    !(v->valuedouble <= (double)(now_ms + MX_TS_AHEAD)))
		return now_ms;
	return (int64_t)v->valuedouble;
}

struct apply {
	struct mx_sync_batch *b;
	const struct mx_sync_handler *h;
	int64_t now_ms;         /* when the batch is read: the time of receipt */
	size_t n_events;
	int before_join;        /* in a room the bot joins in this batch, before the join */
};

/* The bot's own m.room.member turning it into a member (not a profile
 * change of a member already in). */
static int is_own_join(const struct mx_sync_batch *b, const cJSON *ev)
{
	const char *type = jstr(ev, "type"), *sk = jstr(ev, "state_key");
	const char *ms = jstr(jget(ev, "content"), "membership");
	const char *prev = jstr(jpath(ev, "unsigned", "prev_content"), "membership");

	return type && sk && ms && !strcmp(type, "m.room.member") && !strcmp(sk, b->own) &&
	       !strcmp(ms, "join") && !(prev && !strcmp(prev, "join"));
}

static int has_own_join(const struct mx_sync_batch *b, const cJSON *events)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events)
		if (is_own_join(b, ev))
			return 1;
	return 0;
}

/* The file of an m.file, m.image, m.video or m.audio (spec "m.file" and
 * "Sending encrypted attachments"): only the mxc:// URI, never the key. */
static void read_file(const cJSON *src, struct mx_message *m)
{
	static const char *const types[] = { "m.file", "m.image", "m.video", "m.audio" };
	const cJSON *size = jpath(src, "info", "size");
	const char *url = jstr(src, "url"), *name = jstr(src, "filename");
	int known = 0, enc = 0;

	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		known |= m->msgtype && !strcmp(m->msgtype, types[i]);
	if (!known)
		return;
	if (!url) {
		url = jstr(jget(src, "file"), "url");
		enc = 1;
	}
	if (!url || strncmp(url, "mxc://", 6) || strlen(url) > 512)
		return;
	m->file_url = url;
	m->file_encrypted = enc;
	m->file_name = name && *name ? name : m->body;
	if (name && *name && strcmp(name, m->body))
		m->file_caption = m->body;
	m->file_mimetype = jstr(jget(src, "info"), "mimetype");
	m->file_size = cJSON_IsNumber(size) && size->valuedouble >= 0 &&
		       size->valuedouble < 1e15 ? (int64_t)size->valuedouble : -1;
}

static int on_message(struct apply *a, const char *room_id, const cJSON *ev)
{
	const cJSON *content = jget(ev, "content"), *rel = jget(content, "m.relates_to");
	const cJSON *src = content;
	const char *rel_type = jstr(rel, "rel_type");
	struct mx_message m;
	char *body = NULL, *html = NULL;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	m.room_id = room_id;
	m.event_id = jstr(ev, "event_id");
	m.sender = jstr(ev, "sender");
	m.msgtype = jstr(content, "msgtype");
	m.in_reply_to = jstr(jget(rel, "m.in_reply_to"), "event_id");
	m.ts_ms = mx_sane_ts(jget(ev, "origin_server_ts"), a->now_ms);
	if (rel_type && !strcmp(rel_type, "m.replace") && jstr(rel, "event_id")) {
		/* an edit (spec "Event replacements"): the new text is m.new_content */
		m.replaces = jstr(rel, "event_id");
		src = jget(content, "m.new_content");
	} else if (rel_type && !strcmp(rel_type, "m.thread")) {
		m.thread_root = jstr(rel, "event_id");
	}
	if (!m.event_id || !m.sender || !jstr(src, "body"))
		return 0;       /* redacted, or not a message we can read */
	if (m.in_reply_to && !m.replaces)
		body = mx_strip_reply_fallback(jstr(src, "body"));
	else
		body = xstrdup(jstr(src, "body"));
	if (jstr(src, "formatted_body") && jstr(src, "format") &&
	    !strcmp(jstr(src, "format"), "org.matrix.custom.html"))
		html = mx_strip_mx_reply(jstr(src, "formatted_body"));
	m.body = body;
	m.formatted_body = html;
	if (!m.replaces)
		read_file(src, &m);
	if (a->h->message)
		rc = a->h->message(a->h->ud, &m);
	free(body);
	free(html);
	return rc;
}

int mx_plaintext_type_ok(const char *type)
{
	static const char *const ok[] = { "m.room.message", "m.reaction", "m.sticker" };

	for (size_t i = 0; type && i < ARRAY_LEN(ok); i++)
		if (!strcmp(type, ok[i]))
			return 1;
	return 0;
}

/* An event as the bot reads it; 'decrypted' when its type and content came
 * from a ciphertext the server could not check. */
static int read_event(struct apply *a, const char *room_id, const cJSON *ev, int decrypted)
{
	const char *type = jstr(ev, "type"), *state_key = jstr(ev, "state_key");
	const cJSON *content = jget(ev, "content");

	if (!type || !cJSON_IsObject(content))
		return 0;
	if (decrypted) {
		if (!mx_plaintext_type_ok(type))
			return 0;
		state_key = NULL;
	}
	if (state_key) {
		if (!strcmp(type, "m.room.member") && a->h->member && jstr(content, "membership"))
			return a->h->member(a->h->ud, room_id, state_key,
					    jstr(content, "displayname"),
					    jstr(content, "membership"));
		if (!*state_key && ((!strcmp(type, "m.room.power_levels") && a->h->power_levels) ||
				    (!strcmp(type, "m.room.encryption") && a->h->encryption))) {
			char *json = cJSON_PrintUnformatted(content);
			int rc = -1;
			if (json && !strcmp(type, "m.room.power_levels"))
				rc = a->h->power_levels(a->h->ud, room_id, json);
			else if (json)
				rc = a->h->encryption(a->h->ud, room_id, json);
			free(json);
			return rc;
		}
		return 0;
	}
	if (!strcmp(type, "m.room.message"))
		return on_message(a, room_id, ev);
	if (!strcmp(type, "m.reaction") && a->h->reaction) {
		const cJSON *rel = jget(content, "m.relates_to");
		const char *rt = jstr(rel, "rel_type");

		if (rt && !strcmp(rt, "m.annotation") && jstr(rel, "event_id") && jstr(rel, "key") &&
		    jstr(ev, "event_id") && jstr(ev, "sender"))
			return a->h->reaction(a->h->ud, room_id, jstr(ev, "event_id"),
					      jstr(ev, "sender"), jstr(rel, "event_id"),
					      jstr(rel, "key"));
		return 0;
	}
	if (!strcmp(type, "m.room.redaction") && a->h->redaction) {
		/* room v11 moved 'redacts' into content */
		const char *redacts = jstr(ev, "redacts");
		if (!redacts)
			redacts = jstr(content, "redacts");
		if (redacts && jstr(ev, "event_id"))
			return a->h->redaction(a->h->ud, room_id, jstr(ev, "event_id"),
					       jstr(ev, "sender"), redacts);
	}
	return 0;
}

/*
 * Every room event passes here.  An m.room.encrypted one is replaced by
 * its plaintext (or skipped while its key is missing) before it is read.
 */
static int on_event(struct apply *a, const char *room_id, const cJSON *ev, int timeline)
{
	const char *type = jstr(ev, "type"), *state_key = jstr(ev, "state_key");
	cJSON *dec = NULL;
	int rc;

	if (!type || !cJSON_IsObject(jget(ev, "content")))
		return 0;
	if (timeline)
		a->n_events++;
	if (timeline && a->before_join) {
		/* history from before the bot came in is not the bot's to answer */
		if (is_own_join(a->b, ev))
			a->before_join = 0;
		else if (!state_key)
			return 0;
	}
	if (strcmp(type, "m.room.encrypted") || state_key)
		return read_event(a, room_id, ev, 0);
	rc = a->h->encrypted ? a->h->encrypted(a->h->ud, room_id, jstr(ev, "event_id"),
					       jstr(ev, "sender")) : 1;
	if (rc <= 0 || !a->h->crypto || !a->h->crypto->decrypt)
		return rc < 0 ? -1 : 0;         /* skipped, or no one to decrypt it */
	if (a->h->crypto->decrypt(a->h->crypto->ud, room_id, ev, &dec))
		return -1;
	rc = dec ? read_event(a, room_id, dec, 1) : 0;
	cJSON_Delete(dec);
	return rc;
}

/* One event, in its own savepoint when the handlers ask for it: then an
 * event that fails is set aside by event_end and the rest goes on. */
static int guarded_event(struct apply *a, const char *room_id, const cJSON *ev, int timeline)
{
	int rc;

	if (!a->h->event_begin)
		return on_event(a, room_id, ev, timeline);
	if (a->h->event_begin(a->h->ud))
		return -1;
	rc = on_event(a, room_id, ev, timeline);
	return a->h->event_end(a->h->ud, room_id, jstr(ev, "event_id"), rc);
}

static int on_events(struct apply *a, const char *room_id, const cJSON *events, int timeline)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events)
		if (guarded_event(a, room_id, ev, timeline))
			return -1;
	return 0;
}

int mx_sync_gap_apply(struct mx_sync_batch *b, const char *room_id, const char *body,
		      size_t len, const struct mx_sync_handler *h, struct mx_gap_page *out)
{
	struct gap *g = find_gap(b, room_id);
	struct apply a = { .b = b, .h = h, .now_ms = loop_wall_ms() };
	cJSON *page = NULL;
	const cJSON *chunk;
	const char *end, *from;
	size_t skipped = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!g || !g->open)
		return -1;
	from = g->from ? g->from : "";
	a.before_join = g->before_join;
	page = parse_answer(body, len, &skipped);
	chunk = jget(page, "chunk");
	out->skipped = skipped;
	if (!cJSON_IsArray(chunk)) {
		/* skip just this page when it says where the next one starts */
		char *next = len ? json_top_string(body, len, "end") : NULL;
		out->skipped++;
		if (next && *next && strcmp(next, from)) {
			log_warn("sync: %s: a /messages page cannot be read; skipped (a gap), "
				 "reading on from the next one", room_id);
			out->next_from = next;
		} else {
			free(next);
			log_warn("sync: %s: a /messages page is not readable; the rest of the "
				 "missed events skipped (a counted gap)", room_id);
			out->next_from = xstrdup(g->to);
			out->done = 1;
		}
		out->before_join = g->before_join;
		out->position = gap_position(out->before_join, out->next_from);
		rc = 0;
		goto out;
	}
	/* oldest first (dir=f): applied as they come */
	out->n_events = (size_t)cJSON_GetArraySize(chunk);
	if (on_events(&a, room_id, chunk, 1))
		goto out;
	end = jstr(page, "end");
	/* no end, nothing more, or the same token again: the gap is read (a
	 * server that names the same page again must not loop) */
	out->done = !end || !*end || out->n_events == 0 || !strcmp(end, from);
	out->next_from = xstrdup(out->done ? g->to : end);
	out->before_join = a.before_join;
	out->position = gap_position(out->before_join, out->next_from);
	rc = 0;
out:
	if (rc)
		mx_gap_page_release(out);
	cJSON_Delete(page);
	return rc;
}

/* The bot's own latest m.room.member event among 'events', or NULL. */
static const cJSON *own_member(const struct mx_sync_batch *b, const cJSON *events,
			       const cJSON *found)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events) {
		const char *type = jstr(ev, "type"), *sk = jstr(ev, "state_key");
		if (type && sk && !strcmp(type, "m.room.member") && !strcmp(sk, b->own))
			found = ev;
	}
	return found;
}

static int apply_rooms(struct apply *a, const cJSON *rooms, int left)
{
	const cJSON *room;

	cJSON_ArrayForEach(room, rooms) {
		const char *id = room->string;

		if (!id)
			continue;
		/* a gap was read and applied page by page before */
		a->before_join = has_own_join(a->b, jpath(room, "timeline", "events"));
		if (on_events(a, id, jpath(room, "state", "events"), 0) ||
		    on_events(a, id, jpath(room, "timeline", "events"), 1))
			return -1;
		if (left && a->h->left) {
			const cJSON *me = own_member(a->b, jpath(room, "state", "events"), NULL);
			const char *ms;
			me = own_member(a->b, jpath(room, "timeline", "events"), me);
			ms = jstr(jget(me, "content"), "membership");
			if (a->h->left(a->h->ud, id, ms ? ms : "leave", jstr(me, "sender")))
				return -1;
		}
	}
	return 0;
}

static int apply_invites(struct apply *a, const cJSON *rooms)
{
	const cJSON *room;

	cJSON_ArrayForEach(room, rooms) {
		const cJSON *me = own_member(a->b, jpath(room, "invite_state", "events"), NULL);
		const char *ms = jstr(jget(me, "content"), "membership");

		if (!room->string || !ms || strcmp(ms, "invite") || !jstr(me, "sender"))
			continue;
		if (a->h->invite &&
		    a->h->invite(a->h->ud, room->string, jstr(me, "sender"),
				 cJSON_IsTrue(jget(jget(me, "content"), "is_direct"))))
			return -1;
	}
	return 0;
}

/*
 * The end-to-end layer's part of the batch: the answer's to-device events,
 * device lists and key counts, then each kept event whose key came in it,
 * read as a timeline event of its room (one that cannot be read is skipped).
 */
static int apply_crypto(struct mx_sync_batch *b, const struct mx_sync_handler *h)
{
	const struct mx_sync_crypto *c = h->crypto;
	struct apply a = { .b = b, .h = h, .now_ms = loop_wall_ms() };
	char *room, *event;
	int rc;

	if (!c)
		return 0;
	if (c->prepare && c->prepare(c->ud, b->root))
		return -1;
	while (c->take_ready && (rc = c->take_ready(c->ud, &room, &event)) == 1) {
		cJSON *ev = cJSON_Parse(event);
		rc = cJSON_IsObject(ev) ? guarded_event(&a, room, ev, 1) : 0;
		cJSON_Delete(ev);
		free(room);
		free(event);
		if (rc)
			return -1;
	}
	return c->take_ready ? rc : 0;
}

int64_t mx_sync_otk_count(const struct mx_sync_batch *b)
{
	const cJSON *c = jget(b->root, "device_one_time_keys_count");
	const cJSON *n = jget(c, "signed_curve25519");
	double k;

	if (!cJSON_IsObject(c))
		return -1;
	/* range-checked before the conversion: the server's number is not ours */
	k = cJSON_IsNumber(n) ? n->valuedouble : 0;
	return k >= 0 && k <= 1e6 ? (int64_t)k : 0;
}

char *mx_sync_scan_next_batch(const char *body, size_t len)
{
	return json_top_string(body, len, "next_batch");
}

int mx_sync_apply(struct mx_sync_batch *b, const struct mx_sync_handler *h, size_t *n_events)
{
	const cJSON *rooms = jget(b->root, "rooms");
	struct apply a = { .b = b, .h = h, .now_ms = loop_wall_ms() };
	int rc = -1;

	if (apply_crypto(b, h) || apply_rooms(&a, jget(rooms, "join"), 0) || apply_rooms(&a, jget(rooms, "leave"), 1) ||
	    apply_invites(&a, jget(rooms, "invite")))
		goto out;
	rc = 0;
out:
	if (n_events)
		*n_events = a.n_events;
	return rc;
}
