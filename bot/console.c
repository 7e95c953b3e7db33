/*
 * console.c - "caucus console": drives the command engine from a terminal
 * so a newcomer (or a test script) can use every command without a
 * homeserver.  The console user is made a member of every room.  Lines
 * starting with '/' steer the console itself: /room ISSUE, /as USER,
 * /direct (the speaker's direct room), /feed N FILE (a file as feed N's
 * answer, as if fetched), and, with a fixed clock (CAUCUS_NOW),
 * /advance DURATION.
 */
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "feed.h"
#include "ical.h"
#include "store.h"
#include "store_direct.h"
#include "store_room.h"
#include "util.h"
#include "when.h"

struct console {
	struct config *cfg;
	struct store *st;
	struct engine *eng;
	char *user;
	char *room;             /* room ID */
	char *room_label;
	int fixed;              /* clock fixed by CAUCUS_NOW */
	int64_t fixed_ms;
	int seq;
	int file_seq;             /* the last file shared (/redact file) */
};

static int64_t console_clock(void *ud)
{
	struct console *c = ud;
	struct timespec ts;

	if (c->fixed)
		return c->fixed_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A label for a room: the issue slug, "coordination", or the ID. */
static char *room_label(struct console *c, const char *room_id)
{
	const char *coord = engine_coordination_room(c->eng);
	int64_t id;
	char *slug = NULL, *name = NULL, *room = NULL;

	if (coord && !strcmp(coord, room_id))
		return xstrdup("coordination");
	id = store_lookup_room_issue(c->st, room_id);
	if (id > 0 && store_lookup_issue(c->st, id, &slug, &name, &room) == 0) {
		free(name);
		free(room);
		return slug;
	}
	return xstrdup(room_id);
}

static void print_replies(struct console *c, struct engine_replies *r, int due)
{
	for (size_t i = 0; i < r->n; i++) {
		struct engine_reply *x = &r->v[i];
		int elsewhere = !x->room_id || strcmp(x->room_id, c->room) != 0;

		if (x->kind != ENGINE_POST) {
			/* no server here: room work is only shown */
			printf("(would %s)\n", x->body);
			continue;
		}
		if (!x->room_id) {
			/* what would go to a member's direct room */
			printf("--- to %s (direct):\n", x->to_user ? x->to_user : "?");
		} else if (due || elsewhere) {
			char *label = room_label(c, x->room_id);
			printf("--- %s in %s:\n", due ? "posted" : "also posted", label);
			free(label);
		}
		if (x->hold_until_ms) {
			char when[48];

			tz_format_dayhm(c->cfg->timezone, x->hold_until_ms / 1000, when, sizeof(when));
			printf("(held until %s: quiet hours)\n", when);
		}
		if (x->mentions.n) {
			printf("(mentions ");
			for (size_t k = 0; k < x->mentions.n; k++)
				printf("%s%s", k ? ", " : "", x->mentions.v[k]);
			printf(")\n");
		}
		printf("%s\n", x->body);
	}
	fflush(stdout);
}

static void run_due(struct console *c)
{
	struct engine_replies r = { 0 };

	if (store_begin(c->st))
		return;
	if (engine_due(c->eng, &r) == 0) {
		print_replies(c, &r, 1);
		for (size_t i = 0; i < r.n; i++)
			engine_ack(c->eng, &r.v[i]);
	}
	store_commit(c->st);
	engine_replies_release(&r);
}

/*
 * No server resolves room aliases here: "#cyber:example.org" stands for the
 * room "!cyber:example.org", as if the homeserver had answered.  The daemon
 * resolves them again from the configuration at its start.
 */
static int resolve_aliases(struct console *c)
{
	int rc = 0;

	if (store_begin(c->st))
		return -1;
	for (size_t i = 0; i <= c->cfg->n_issues && !rc; i++) {
		const char *room = i < c->cfg->n_issues ? c->cfg->issues[i].room
							: c->cfg->coordination_room;
		char *id;

		if (!room || room[0] != '#')
			continue;
		id = xasprintf("!%s", room + 1);
		rc = engine_room_resolved(c->eng, room, id);
		free(id);
	}
	if (rc) {
		store_rollback(c->st);
		return -1;
	}
	return store_commit(c->st);
}

static int set_room(struct console *c, const char *what)
{
	const char *coord = engine_coordination_room(c->eng);
	int64_t id = 0;
	char *slug = NULL, *name = NULL, *room = NULL;
	int rc = -1;

	if (!what || str_ieq(what, "coordination") || str_ieq(what, "coord")) {
		free(c->room);
		c->room = xstrdup(coord ? coord : "!coordination:console");
		rc = 0;
		goto out;
	}
	id = engine_issue_id(c->eng, what);
	if (id <= 0 || store_lookup_issue(c->st, id, &slug, &name, &room)) {
		fprintf(stderr, "caucus console: no issue '%s' (try 'coordination' or an issue slug)\n",
			what);
		goto out;
	}
	if (!room) {
		fprintf(stderr, "caucus console: issue '%s' has no room; link one with !issue link\n",
			slug);
		goto out;
	}
	free(c->room);
	c->room = room;
	room = NULL;
	rc = 0;
out:
	free(slug);
	free(name);
	free(room);
	return rc;
}

/* Make user a member of every room the console can switch to. */
static int join_everywhere(struct console *c, const char *user)
{
	const char *coord = engine_coordination_room(c->eng);
	struct strv names = { 0 };
	int64_t *ids = NULL;
	char *local = xstrdup(user + 1), *colon = strchr(local, ':');
	int rc = -1;

	if (colon)
		*colon = '\0';
	if (local[0])
		local[0] = (char)(local[0] >= 'a' && local[0] <= 'z' ? local[0] - 32 : local[0]);
	if (store_begin(c->st))
		goto out;
	if (engine_member(c->eng, coord ? coord : "!coordination:console", user, local, "join", 0))
		goto fail;
	if (store_lookup_names(c->st, &names, &ids))
		goto fail;
	for (size_t i = 0; i < names.n; i++) {
		char *slug, *name, *room, *known = NULL;
		if (store_lookup_issue(c->st, ids[i], &slug, &name, &room) == 0 && room &&
		    (known = store_member_name(c->st, room, user)) == NULL)
			engine_member(c->eng, room, user, local, "join", 0);
		free(known);
		free(slug);
		free(name);
		free(room);
	}
	rc = store_commit(c->st);
	goto out;
fail:
	store_rollback(c->st);
out:
	strv_release(&names);
	free(ids);
	free(local);
	return rc;
}

/* "/file DT-64-Rev2.pdf the chair's text": share a file as a client would. */
static void share_file(struct console *c, char *arg)
{
	struct engine_replies r = { 0 };
	struct engine_file f;
	struct engine_msg m;
	char event_id[32], url[48];
	char *caption = strchr(arg, ' ');

	if (caption)
		*caption++ = '\0';
	snprintf(event_id, sizeof(event_id), "$console%d", ++c->seq);
	snprintf(url, sizeof(url), "mxc://console/file%d", c->seq);
	c->file_seq = c->seq;
	memset(&f, 0, sizeof(f));
	f.msgtype = "m.file";
	f.name = arg;
	f.caption = caption ? str_trim(caption) : NULL;
	f.url = url;
	f.size = -1;
	memset(&m, 0, sizeof(m));
	m.room_id = c->room;
	m.sender = c->user;
	m.event_id = event_id;
	m.body = f.caption ? f.caption : arg;
	m.file = &f;
	if (engine_handle(c->eng, &m, &r))
		fprintf(stderr, "caucus console: the database failed: %s\n", store_errmsg(c->st));
	else
		printf("(shared %s)\n", arg);
	print_replies(c, &r, 0);
	engine_replies_release(&r);
}

/* "/feed N FILE": FILE's text applied as feed N's answer (a 200), its
 * notices printed as the daemon would post them. */
static void feed_file(struct console *c, char *arg)
{
	struct engine_replies r = { 0 };
	struct feed_fetch res = { .status = 200 };
	const char *result = "";
	char *path = strchr(arg, ' '), chunk[8192];
	struct buf body;
	int64_t id;
	FILE *fp;
	size_t n;

	buf_init(&body, ICAL_MAX_BYTES);
	if (path)
		*path++ = '\0';
	if (!path || str_to_i64(arg, &id) || id <= 0) {
		printf("(console: /feed N FILE, N as !feeds numbers it)\n");
		goto out;
	}
	fp = fopen(str_trim(path), "rb");
	if (!fp) {
		printf("(cannot open '%s': %s)\n", path, strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(&body, chunk, n)) {
			printf("(feed: '%s' is larger than %zu bytes; the daemon would refuse it "
			       "too)\n", path, ICAL_MAX_BYTES);
			break;
		}
	fclose(fp);
	res.body = body.data;
	res.len = body.len;
	if (store_begin(c->st))
		goto out;
	if (feed_apply(c->eng, id, &res, &r, &result)) {
		store_rollback(c->st);
		fprintf(stderr, "caucus console: the database failed: %s\n", store_errmsg(c->st));
		goto out;
	}
	for (size_t i = 0; i < r.n; i++)
		engine_ack(c->eng, &r.v[i]);
	if (store_commit(c->st))
		goto out;
	printf("(feed %lld: %s)\n", (long long)id, result);
	print_replies(c, &r, 1);
out:
	engine_replies_release(&r);
	buf_release(&body);
}

static void handle_line(struct console *c, char *line)
{
	struct engine_replies r = { 0 };
	struct engine_msg m;
	char event_id[32];

	if (line[0] == '/') {
		char *arg = strchr(line, ' ');
		if (arg)
			*arg++ = '\0';
		arg = arg ? str_trim(arg) : NULL;
		if (!strcmp(line, "/room") && arg) {
			if (set_room(c, arg) == 0)
				printf("(now in %s)\n", arg);
		} else if (!strcmp(line, "/as") && arg && arg[0] == '@') {
			free(c->user);
			c->user = xstrdup(arg);
			join_everywhere(c, c->user);
			printf("(now speaking as %s)\n", arg);
		} else if (!strcmp(line, "/advance") && arg && c->fixed) {
			int64_t secs;
			if (when_parse_duration(arg, &secs)) {
				printf("(bad duration '%s')\n", arg);
			} else {
				/* step minute by minute so due events come out in order */
				for (int64_t done = 0; done < secs; done += 60) {
					c->fixed_ms += (secs - done < 60 ? secs - done : 60) * 1000;
					run_due(c);
				}
			}
		} else if (!strcmp(line, "/direct")) {
			/* as if the speaker had a direct room with the bot, and spoke there */
			char *local = xstrdup(c->user + 1), *colon = strchr(local, ':');
			char *room;

			if (colon)
				*colon = '\0';
			room = xasprintf("!direct-%s:console", local);
			if (store_begin(c->st) == 0 &&
			    store_direct_set(c->st, c->user, room, engine_now_ms(c->eng)) == 0 &&
			    engine_member(c->eng, room, c->user, local, "join", 0) == 0 &&
			    store_commit(c->st) == 0) {
				free(c->room);
				c->room = room;
				room = NULL;
				printf("(now in your direct room)\n");
			} else {
				store_rollback(c->st);
			}
			free(room);
			free(local);
		} else if (!strcmp(line, "/file") && arg && *arg) {
			share_file(c, arg);
		} else if (!strcmp(line, "/feed") && arg && *arg) {
			feed_file(c, arg);
		} else if (!strcmp(line, "/redact") && arg && !strcmp(arg, "file") && c->file_seq) {
			snprintf(event_id, sizeof(event_id), "$console%d", c->file_seq);
			if (engine_redact(c->eng, c->room, event_id))
				fprintf(stderr, "caucus console: the database failed\n");
			else
				printf("(redacted %s)\n", event_id);
		} else {
			printf("(console: /room ISSUE | /as @user:server | /direct | /file NAME [caption] | "
			       "/redact file | /feed N FILE%s)\n", c->fixed ? " | /advance DURATION" : "");
		}
		fflush(stdout);
		return;
	}
	if (!*str_trim(line))
		return;
	snprintf(event_id, sizeof(event_id), "$console%d", ++c->seq);
	memset(&m, 0, sizeof(m));
	m.room_id = c->room;
	m.sender = c->user;
	m.event_id = event_id;
	m.body = line;
	if (engine_handle(c->eng, &m, &r))
		fprintf(stderr, "caucus console: the database failed: %s\n", store_errmsg(c->st));
	print_replies(c, &r, 0);
	engine_replies_release(&r);
}

/* Move the first complete line of 'in' (or, at EOF, the rest) into
 * 'line'.  1 when there was one. */
static int take_line(struct buf *in, struct buf *line, int eof)
{
	char *nl = memchr(in->data, '\n', in->len);
	size_t n;

	if (!nl && !(eof && in->len))
		return 0;
	n = nl ? (size_t)(nl - in->data) : in->len;
	buf_reset(line);
	buf_add(line, in->data, n);
	if (nl)
		n++;
	memmove(in->data, in->data + n, in->len - n);
	in->len -= n;
	in->data[in->len] = '\0';
	return 1;
}

static char *default_user(const struct config *cfg)
{
	const char *colon = strchr(cfg->user_id, ':');

	if (cfg->admins.n)
		return xstrdup(cfg->admins.v[0]);
	return xasprintf("@you:%s", colon ? colon + 1 : "localhost");
}

/*
 * 1 (and a message) when the database is a daemon's own: it holds the
 * daemon's login and is the file the daemon opened (or one from before
 * daemons said which file they opened).  The console would add its speaker
 * to the real rooms and rewrite aliases to made-up room IDs.  A copy has
 * another inode and is fine.
 */
static int daemon_database(struct store *st, const char *path)
{
	char *token = store_meta_get(st, "access_token");
	char *device = store_meta_get(st, "device_id");
	char *theirs = store_meta_get(st, "daemon.file"), *mine = store_file_identity(st);
	int login = (token && *token) || (device && *device);
	int live = login && (!theirs || !mine || !strcmp(theirs, mine));

	if (live)
		fprintf(stderr, "caucus console: %s is the database of a bot that logged in "
			"to Matrix; the console would change its rooms, members and aliases. "
			"Run the console on a copy instead, e.g.\n"
			"  sqlite3 '%s' '.backup /tmp/caucus-console.db'\n"
			"  caucus console --db /tmp/caucus-console.db\n", path, path);
	free_secret(token);
	free(device);
	free(theirs);
	free(mine);
	return live;
}

/* CAUCUS_NOW, "YYYY-MM-DD HH:MM" in the conference zone, as epoch ms.
 * -1 (and a message) when it is not such a time. */
static int parse_now(const char *tzname, const char *now_env, int64_t *ms)
{
	int y, mo, d, h, mi;
	char *end;

	y = (int)strtol(now_env, &end, 10);
	mo = *end == '-' ? (int)strtol(end + 1, &end, 10) : 0;
	d = *end == '-' ? (int)strtol(end + 1, &end, 10) : 0;
	h = *end == ' ' ? (int)strtol(end + 1, &end, 10) : 0;
	mi = *end == ':' ? (int)strtol(end + 1, &end, 10) : 0;
	if (*end || tz_from_local(tzname, y, mo, d, h, mi, 0, ms)) {
		fprintf(stderr, "caucus console: CAUCUS_NOW '%s' is not 'YYYY-MM-DD HH:MM'\n",
			now_env);
		return -1;
	}
	*ms *= 1000;
	return 0;
}

/*
 * Everything the console needs before the first line: the configuration,
 * the store (never a live daemon's), the clock, the engine, the speaker
 * and the room.  -1 (and a message on stderr) on failure; whatever was
 * opened is left in 'c' for console_close() to free.
 */
static int console_open(struct console *c, const struct console_opts *o)
{
	struct buf errs;
	char err[512];
	const char *now_env = getenv("CAUCUS_NOW");
	int rc = -1;

	buf_init(&errs, 0);
	if (config_load(o->config, &c->cfg, &errs)) {
		fprintf(stderr, "%s", errs.data);
		goto out;
	}
	tz_keep(c->cfg->timezone);      /* the conference's zone is ours (when.h) */
	c->st = store_open(o->db ? o->db : c->cfg->database, err, sizeof(err));
	if (!c->st) {
		fprintf(stderr, "caucus console: %s\n", err);
		goto out;
	}
	if (daemon_database(c->st, o->db ? o->db : c->cfg->database))
		goto out;
	if (now_env) {
		if (parse_now(c->cfg->timezone, now_env, &c->fixed_ms))
			goto out;
		c->fixed = 1;
	}
	c->eng = engine_new(c->cfg, c->st, (struct engine_clock){ console_clock, c });
	if (engine_sync_config(c->eng)) {
		fprintf(stderr, "caucus console: cannot store the configured issues: %s\n",
			store_errmsg(c->st));
		goto out;
	}
	if (resolve_aliases(c))
		goto out;
	c->user = o->user ? xstrdup(o->user) : default_user(c->cfg);
	if (c->user[0] != '@' || !strchr(c->user, ':')) {
		fprintf(stderr, "caucus console: --as wants a user ID like @alice:example.org\n");
		goto out;
	}
	if (join_everywhere(c, c->user) || set_room(c, o->room))
		goto out;
	rc = 0;
out:
	buf_release(&errs);
	return rc;
}

/* Frees what console_open() left in 'c'. */
static void console_close(struct console *c)
{
	engine_free(c->eng);
	store_close(c->st);
	config_free(c->cfg);
	free(c->user);
	free(c->room);
}

/* Read stdin line by line until EOF, handing out what falls due on the
 * way (each second with the real clock, after each read with a fixed one). */
static void console_loop(struct console *c)
{
	struct buf in, line;
	int eof = 0;

	buf_init(&in, 1 << 20);
	buf_init(&line, 1 << 20);
	run_due(c);
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		char tmp[4096];
		ssize_t n;

		while (take_line(&in, &line, eof))
			handle_line(c, line.data);
		if (eof)
			break;
		if (poll(&p, 1, c->fixed ? -1 : 1000) <= 0) {
			run_due(c);
			continue;
		}
		n = read(0, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			eof = 1;
		else if (buf_add(&in, tmp, (size_t)n)) {
			fprintf(stderr, "caucus console: line too long, dropped\n");
			buf_reset(&in);
		}
		if (!c->fixed)
			run_due(c);
	}
	buf_release(&in);
	buf_release(&line);
}

int console_main(const struct console_opts *o)
{
	struct console c;
	int rc = 1;

	memset(&c, 0, sizeof(c));
	if (console_open(&c, o))
		goto out;
	if (isatty(0))
		printf("caucus console: you are %s in %s; type %shelp, /room ISSUE to move, "
		       "Ctrl-D to quit.\n", c.user, o->room ? o->room : "coordination",
		       c.cfg->command_prefix);
	fflush(stdout);
	console_loop(&c);
	rc = 0;
out:
	console_close(&c);
	return rc;
}
