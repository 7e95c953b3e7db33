/*
 * config.c - the configuration file of SPEC §5: TOML into an immutable
 * struct config, driven by one static table of keys (section, key, TOML
 * type, default, setter), as tmux's options-table.c and Redis's
 * static_configs[] do.  Defaults go through the same setters as the file,
 * so they are validated alike.  Every problem is collected, not only the
 * first, as "FILE:LINE: KEY: reason" lines.  Knows nothing of Matrix
 * beyond the shape of IDs, and nothing of sqlite.
 *
 * Under systemd (config/caucus.service) two variables of the unit change
 * where files are looked for: relative paths resolve against
 * $STATE_DIRECTORY instead of the configuration's folder, and a secret or
 * key file whose last path component names a credential in
 * $CREDENTIALS_DIRECTORY (LoadCredential=) is read from there.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "toml.h"
#include "util.h"
#include "when.h"

#define MAX_FILE ((size_t)1 << 20)      /* a configuration file */
#define MAX_SECRET ((size_t)64 << 10)   /* a password or token file */
#define MAX_RETENTION 36500             /* days: a hundred years */
#define SHOW 64                         /* bytes of a key or value quoted */

struct loader;
struct key_def;

typedef int (*setter_fn)(struct loader *ld, const struct key_def *k,
			 const struct toml_node *v);
typedef int (*check_fn)(const char *s, char *why, size_t whylen);

struct key_def {
	const char *section;
	const char *name;
	enum toml_type type;    /* what the file must give */
	const char *def;        /* default as a TOML value, or NULL for none */
	setter_fn set;
	size_t off;             /* the struct config field the setter fills */
	check_fn check;         /* for a string, or each string of a list */
};

struct problem {
	int line;
	size_t seq;             /* keeps the order of problems on one line */
	char *text;             /* "FILE:LINE: KEY: reason" */
};

struct loader {
	struct config *cfg;
	const char *name;       /* file name in messages */
	char *base;             /* relative paths resolve against it ("" = cwd) */
	struct problem *errs;   /* sorted by line at the end */
	size_t nerr;
	int seen[32];           /* line where keys[i] was set; 0 = default */
	unsigned mode;          /* the file's permission bits (0: not a file) */
	const char *sections_seen[16];
	int section_line[16];
	size_t nsections;
};

static int set_string(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_secret(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_secret_file(struct loader *ld, const struct key_def *k,
			   const struct toml_node *v);
static int set_path(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_key_path(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_list(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_bool(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_days(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_duration(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int set_duration_or_off(struct loader *ld, const struct key_def *k,
			       const struct toml_node *v);
static int set_durations(struct loader *ld, const struct key_def *k,
			 const struct toml_node *v);
static int set_hhmm(struct loader *ld, const struct key_def *k, const struct toml_node *v);
static int check_url(const char *s, char *why, size_t whylen);
static int check_user_id(const char *s, char *why, size_t whylen);
static int check_glob(const char *s, char *why, size_t whylen);
static int check_room(const char *s, char *why, size_t whylen);
static int check_prefix(const char *s, char *why, size_t whylen);
static int check_tz(const char *s, char *why, size_t whylen);
static int check_nonempty(const char *s, char *why, size_t whylen);
static int check_listen(const char *s, char *why, size_t whylen);
static int check_public_url(const char *s, char *why, size_t whylen);

#define F(field) offsetof(struct config, field)

/* Every key of SPEC §5.  Order is the order of bot.example.toml. */
static const struct key_def keys[] = {
	{ "matrix", "homeserver", TOML_STRING, NULL, set_string, F(homeserver), check_url },
	{ "matrix", "user_id", TOML_STRING, NULL, set_string, F(user_id), check_user_id },
	{ "matrix", "password", TOML_STRING, NULL, set_secret, F(password), NULL },
	{ "matrix", "password_file", TOML_STRING, NULL, set_secret_file, F(password), NULL },
	{ "matrix", "access_token", TOML_STRING, NULL, set_secret, F(access_token), NULL },
	{ "matrix", "access_token_file", TOML_STRING, NULL, set_secret_file, F(access_token), NULL },
	{ "matrix", "device_name", TOML_STRING, "\"caucus\"", set_string, F(device_name),
	  check_nonempty },
	{ "bot", "database", TOML_STRING, "\"caucus.db\"", set_path, F(database), NULL },
	{ "bot", "command_prefix", TOML_STRING, "\"!\"", set_string, F(command_prefix),
	  check_prefix },
	{ "bot", "timezone", TOML_STRING, "\"UTC\"", set_string, F(timezone), check_tz },
	{ "bot", "coordination_room", TOML_STRING, NULL, set_string, F(coordination_room),
	  check_room },
	{ "bot", "admins", TOML_ARRAY, "[]", set_list, F(admins), check_user_id },
	{ "access", "allowed_users", TOML_ARRAY, NULL, set_list, F(allowed_users), check_glob },
	{ "encryption", "enabled", TOML_BOOL, "true", set_bool, F(encryption), NULL },
	{ "encryption", "pickle_key_file", TOML_STRING, "\"caucus.key\"", set_key_path,
	  F(pickle_key_file), NULL },
	{ "encryption", "recovery_key_file", TOML_STRING, NULL, set_path,
	  F(recovery_key_file), NULL },
	{ "reminders", "before", TOML_ARRAY, "[\"30m\", \"5m\"]", set_durations, 0, NULL },
	{ "reminders", "dm", TOML_BOOL, "false", set_bool, F(remind_dm), NULL },
	{ "feeds", "interval", TOML_STRING, "\"5m\"", set_duration, F(feeds_interval), NULL },
	{ "feeds", "timeout", TOML_STRING, "\"1m\"", set_duration, F(feeds_timeout), NULL },
	{ "reminders", "escalate", TOML_STRING, "\"15m\"", set_duration_or_off,
	  F(remind_escalate), NULL },
	{ "http", "listen", TOML_STRING, "\"\"", set_string, F(http_listen), check_listen },
	{ "http", "public_url", TOML_STRING, "\"\"", set_string, F(http_public_url),
	  check_public_url },
	{ "http", "metrics", TOML_BOOL, "false", set_bool, F(http_metrics), NULL },
	{ "sessions", "default_length", TOML_STRING, "\"1h\"", set_duration, F(default_length),
	  NULL },
	{ "digest", "time", TOML_STRING, "\"23:00\"", set_hhmm, F(digest_minute), NULL },
	{ "log", "retention_days", TOML_INTEGER, "90", set_days, F(retention_days), NULL },
};

_Static_assert(ARRAY_LEN(keys) <= ARRAY_LEN(((struct loader *)0)->seen),
	       "struct loader: seen[] is too small for keys[]");

/* [[issue]] match: feed events for the issue (see feedmap.h) */
#define MAX_FEEDS 50
#define MAX_FEED_TIMEOUT 600            /* seconds: a fetch longer than this is stuck */
#define MAX_MATCH_RULES 50
#define MAX_MATCH_LEN 200

/* --- messages ---------------------------------------------------------- */

static void error_at(struct loader *ld, int line, const char *key, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

static void error_at(struct loader *ld, int line, const char *key, const char *fmt, ...)
{
	struct problem *pb;
	struct buf b;
	va_list ap;

	if (line < 1)
		line = 1;
	buf_init(&b, 0);
	buf_printf(&b, "%s:%d: ", ld->name, line);
	if (key)
		buf_printf(&b, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ld->errs = xrealloc(ld->errs, (ld->nerr + 1) * sizeof(*ld->errs));
	pb = &ld->errs[ld->nerr];
	pb->line = line;
	pb->seq = ld->nerr++;
	pb->text = buf_detach(&b);
	buf_release(&b);
}

static int cmp_problem(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* All problems, in the order of the file, one line each. */
static void flush_errors(struct loader *ld, struct buf *errors)
{
	size_t i;

	if (ld->nerr)
		qsort(ld->errs, ld->nerr, sizeof(*ld->errs), cmp_problem);
	for (i = 0; i < ld->nerr; i++) {
		buf_printf(errors, "%s\n", ld->errs[i].text);
		free(ld->errs[i].text);
	}
	free(ld->errs);
	ld->errs = NULL;
	ld->nerr = 0;
}

/* A key or value from the file, safe to print: control characters as '?',
 * cut short after SHOW bytes on a character boundary. */
static void show(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xc0) != 0x80 && o >= SHOW) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o] = '\0';
}

static void show_key(char *out, size_t outlen, const struct toml_node *n)
{
	size_t len;
	const char *k = toml_key(n, &len);

	show(out, outlen, k ? k : "", k ? len : 0);
}

static const char *article(enum toml_type t)
{
	switch (t) {
	case TOML_INTEGER:
	case TOML_ARRAY:
	case TOML_DATETIME:
		return "an";
	default:
		return "a";
	}
}

/* "section.key" of a table entry in a known section. */
static void full_key(char *out, size_t outlen, const struct key_def *k)
{
	snprintf(out, outlen, "%s.%s", k->section, k->name);
}

/* The candidate closest to 'word', or NULL when none is close enough to be
 * a typo (a third of the candidate's length, rounded up). */
static const char *closest(const char *word, const char *const *cand, size_t n)
{
	const char *best = NULL;
	size_t i, best_d = (size_t)-1;

	for (i = 0; i < n; i++) {
		size_t d = str_distance(word, cand[i]);
		size_t limit = (strlen(cand[i]) + 2) / 3;
		if (d <= limit && d < best_d) {
			best = cand[i];
			best_d = d;
		}
	}
	return best;
}

static int type_ok(struct loader *ld, const char *key, const struct toml_node *v,
		   enum toml_type want)
{
	if (toml_type(v) == want)
		return 0;
	error_at(ld, toml_line(v), key, "expected %s %s, not %s %s", article(want),
		 toml_type_name(want), article(toml_type(v)), toml_type_name(toml_type(v)));
	return -1;
}

/* The string of a node already known to be a string; one with a NUL byte
 * inside cannot be used as a C string and is refused. */
static const char *string_of(struct loader *ld, const char *key, const struct toml_node *v)
{
	const char *s;
	size_t len;

	if (type_ok(ld, key, v, TOML_STRING))
		return NULL;
	toml_string(v, &s, &len);
	if (strlen(s) != len) {
		error_at(ld, toml_line(v), key, "a NUL character (\\u0000) is not allowed");
		return NULL;
	}
	return s;
}

/* --- checks for strings ------------------------------------------------ */

static int has_space(const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			return 1;
	return 0;
}

static int check_nonempty(const char *s, char *why, size_t whylen)
{
	if (*s)
		return 0;
	snprintf(why, whylen, "must not be empty");
	return -1;
}

static int check_url(const char *s, char *why, size_t whylen)
{
	const char *host = NULL;

	if (!strncmp(s, "https://", 8))
		host = s + 8;
	else if (!strncmp(s, "http://", 7))
		host = s + 7;
	if (!host || !*host || *host == '/' || has_space(s)) {
		snprintf(why, whylen, "'%.*s' is not an http:// or https:// URL", SHOW, s);
		return -1;
	}
	return 0;
}

/* "host:port" or "[v6]:port", or "" for no listener. */
static int check_listen(const char *s, char *why, size_t whylen)
{
	const char *colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
	const char *port = colon ? colon + (s[0] == '[' ? 2 : 1) : NULL;
	char *end = NULL;
	long p = port ? strtol(port, &end, 10) : -1;

	if (!*s)
		return 0;
	if (!port || colon == s + (s[0] == '[') || !*port || *end || p < 0 || p > 65535 ||
	    !isdigit((unsigned char)*port) || has_space(s)) {
		snprintf(why, whylen, "'%.*s' is not host:port (e.g. \"127.0.0.1:8470\")", SHOW,
			 s);
		return -1;
	}
	return 0;
}

static int check_public_url(const char *s, char *why, size_t whylen)
{
	return *s ? check_url(s, why, whylen) : 0;
}

static int check_user_id(const char *s, char *why, size_t whylen)
{
	const char *colon = strchr(s, ':');

	if (s[0] != '@' || !colon || colon == s + 1 || !colon[1] || has_space(s)) {
		snprintf(why, whylen, "'%.*s' is not a user ID like @name:example.org", SHOW, s);
		return -1;
	}
	return 0;
}

static int check_glob(const char *s, char *why, size_t whylen)
{
	if (s[0] != '@' || has_space(s)) {
		snprintf(why, whylen, "'%.*s' is not a user ID pattern like @*:example.org",
			 SHOW, s);
		return -1;
	}
	return 0;
}

static int check_room(const char *s, char *why, size_t whylen)
{
	const char *colon = strchr(s, ':');

	if ((s[0] != '!' && s[0] != '#') || !colon || colon == s + 1 || !colon[1] ||
	    has_space(s)) {
		snprintf(why, whylen, "'%.*s' is not a room ID (!id:server) or alias "
			 "(#name:server)", SHOW, s);
		return -1;
	}
	return 0;
}

static int check_prefix(const char *s, char *why, size_t whylen)
{
	if (!*s || has_space(s)) {
		snprintf(why, whylen, "must be non-empty and without spaces");
		return -1;
	}
	return 0;
}

static int check_tz(const char *s, char *why, size_t whylen)
{
	if (tz_valid(s))
		return 0;
	snprintf(why, whylen, "unknown time zone '%.*s' (an IANA name like Asia/Dubai)",
		 SHOW, s);
	return -1;
}

/* --- setters ----------------------------------------------------------- */

static char **str_field(struct loader *ld, const struct key_def *k)
{
	return (char **)(void *)((char *)ld->cfg + k->off);
}

static const char *checked_string(struct loader *ld, const struct key_def *k,
				  const struct toml_node *v)
{
	char key[64], why[256];
	const char *s;

	full_key(key, sizeof(key), k);
	s = string_of(ld, key, v);
	if (!s)
		return NULL;
	if (k->check && k->check(s, why, sizeof(why))) {
		error_at(ld, toml_line(v), key, "%s", why);
		return NULL;
	}
	return s;
}

/* checked_string, and an empty string is an error too. */
static const char *checked_nonempty(struct loader *ld, const struct key_def *k,
				    const struct toml_node *v)
{
	const char *s = checked_string(ld, k, v);
	char key[64];

	if (s && !*s) {
		full_key(key, sizeof(key), k);
		error_at(ld, toml_line(v), key, "must not be empty");
		return NULL;
	}
	return s;
}

static int set_string(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	const char *s = checked_string(ld, k, v);
	char **field = str_field(ld, k);

	if (!s)
		return -1;
	free(*field);
	*field = xstrdup(s);
	return 0;
}

static int set_secret(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	const char *s = checked_nonempty(ld, k, v);
	char **field = str_field(ld, k);

	if (!s)
		return -1;
	free_secret(*field);
	*field = xstrdup(s);
	return 0;
}

/* A path from the file, relative ones against the configuration's folder
 * (or $STATE_DIRECTORY, see load()).  Returns a new string. */
static char *resolve(const struct loader *ld, const char *path)
{
	if (path[0] == '/' || !ld->base[0])
		return xstrdup(path);
	return xasprintf("%s%s", ld->base, path);
}

/*
 * Where a secret or key file named 'path' in the configuration is read
 * from: $CREDENTIALS_DIRECTORY/<last component of path> when the unit
 * passed a credential of that name (a regular file there), else 'path'
 * resolved as any other.  Returns a new string.
 */
static char *resolve_secret(const struct loader *ld, const char *path)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY"), *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	struct stat sb;
	char *cred;

	if (dir && dir[0] == '/' && name[0] && strcmp(name, ".") && strcmp(name, "..")) {
		cred = xasprintf("%s/%s", dir, name);
		if (stat(cred, &sb) == 0 && S_ISREG(sb.st_mode))
			return cred;
		free(cred);
	}
	return resolve(ld, path);
}

static int set_path(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	const char *s = checked_nonempty(ld, k, v);
	char **field = str_field(ld, k);

	if (!s)
		return -1;
	free(*field);
	*field = resolve(ld, s);
	return 0;
}

/* set_path for a key file, which a credential may stand in for. */
static int set_key_path(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	const char *s = checked_nonempty(ld, k, v);
	char **field = str_field(ld, k);

	if (!s)
		return -1;
	free(*field);
	*field = resolve_secret(ld, s);
	return 0;
}

/*
 * Read a secret file whole: at most MAX_SECRET bytes, one line, its
 * trailing newline stripped.  Returns the secret (free with free_secret)
 * or NULL with a reason in why.
 */
static char *read_secret(const char *path, char *why, size_t whylen)
{
	struct buf b;
	char chunk[4096], *secret = NULL;
	ssize_t n;
	int fd = -1;

	struct stat sb;

	buf_init(&b, MAX_SECRET);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot read '%.*s': %s", 200, path, strerror(errno));
		goto out;
	}
	/* as for the pickle key: a secret others can read is no secret */
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077)) {
		snprintf(why, whylen, "'%.*s' can be read by others (mode %03o); chmod 600 it",
			 200, path, (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whylen, "cannot read '%.*s': %s", 200, path, strerror(errno));
			goto out;
		}
		if (buf_add(&b, chunk, (size_t)n)) {
			snprintf(why, whylen, "'%.*s' is larger than %zu KiB", 200, path,
				 MAX_SECRET >> 10);
			goto out;
		}
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	if (!b.len) {
		snprintf(why, whylen, "'%.*s' is empty", 200, path);
		goto out;
	}
	if (strlen(b.data) != b.len || strchr(b.data, '\n') || strchr(b.data, '\r')) {
		snprintf(why, whylen, "'%.*s' must hold the secret on one line", 200, path);
		goto out;
	}
	secret = xstrdup(b.data);
out:
	explicit_bzero(chunk, sizeof(chunk));
	explicit_bzero(b.data, b.alloc);
	buf_release(&b);
	if (fd >= 0)
		close(fd);
	return secret;
}

static int set_secret_file(struct loader *ld, const struct key_def *k,
			   const struct toml_node *v)
{
	const char *s = checked_nonempty(ld, k, v);
	char **field = str_field(ld, k), key[64], why[512], *path, *secret;

	if (!s)
		return -1;
	full_key(key, sizeof(key), k);
	path = resolve_secret(ld, s);
	secret = read_secret(path, why, sizeof(why));
	free(path);
	if (!secret) {
		error_at(ld, toml_line(v), key, "%s", why);
		return -1;
	}
	free_secret(*field);
	*field = secret;
	return 0;
}

static int set_list(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	struct strv *field = (struct strv *)(void *)((char *)ld->cfg + k->off);
	struct strv list = { 0 };
	char key[64], why[256];
	size_t i;
	int rc = -1;

	full_key(key, sizeof(key), k);
	if (type_ok(ld, key, v, TOML_ARRAY))
		return -1;
	for (i = 0; i < toml_count(v); i++) {
		const struct toml_node *item = toml_at(v, i);
		const char *s = string_of(ld, key, item);
		if (!s)
			goto out;
		if (k->check && k->check(s, why, sizeof(why))) {
			error_at(ld, toml_line(item), key, "%s", why);
			goto out;
		}
		if (strv_has(&list, s)) {
			error_at(ld, toml_line(item), key, "'%.*s' is listed twice", SHOW, s);
			goto out;
		}
		strv_push(&list, s);
	}
	strv_release(field);
	*field = list;
	list.v = NULL;
	list.n = 0;
	rc = 0;
out:
	strv_release(&list);
	return rc;
}

static int set_bool(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	int *field = (int *)(void *)((char *)ld->cfg + k->off), b;
	char key[64];

	full_key(key, sizeof(key), k);
	if (type_ok(ld, key, v, TOML_BOOL))
		return -1;
	toml_bool(v, &b);
	*field = b;
	return 0;
}

static int set_days(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	int *field = (int *)(void *)((char *)ld->cfg + k->off);
	char key[64];
	int64_t n;

	full_key(key, sizeof(key), k);
	if (type_ok(ld, key, v, TOML_INTEGER))
		return -1;
	toml_int(v, &n);
	if (n < 0 || n > MAX_RETENTION) {
		error_at(ld, toml_line(v), key, "%lld is out of range (0 keeps forever, at "
			 "most %d)", (long long)n, MAX_RETENTION);
		return -1;
	}
	*field = (int)n;
	return 0;
}

/* A duration string ("90m", "1h30m") of the node into *secs. */
static int duration_of(struct loader *ld, const char *key, const struct toml_node *v,
		       int64_t *secs)
{
	const char *s = string_of(ld, key, v);

	if (!s)
		return -1;
	if (when_parse_duration(s, secs)) {
		error_at(ld, toml_line(v), key, "'%.*s' is not a duration (like 90m, 2h, "
			 "1h30m, 45s; at most 366 days)", SHOW, s);
		return -1;
	}
	return 0;
}

static int set_duration(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	int64_t *field = (int64_t *)(void *)((char *)ld->cfg + k->off), secs;
	char key[64];

	full_key(key, sizeof(key), k);
	if (duration_of(ld, key, v, &secs))
		return -1;
	*field = secs;
	return 0;
}

/* A duration, or "" for off (0): reminders.escalate. */
static int set_duration_or_off(struct loader *ld, const struct key_def *k,
			       const struct toml_node *v)
{
	int64_t *field = (int64_t *)(void *)((char *)ld->cfg + k->off);
	const char *s = NULL;
	size_t len = 0;

	if (toml_type(v) == TOML_STRING)
		toml_string(v, &s, &len);
	if (s && len == 0) {
		*field = 0;
		return 0;
	}
	return set_duration(ld, k, v);
}

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* reminders.before: durations, kept largest first, each once. */
static int set_durations(struct loader *ld, const struct key_def *k,
			 const struct toml_node *v)
{
	int64_t *list = NULL;
	size_t i, j, n;
	char key[64];

	full_key(key, sizeof(key), k);
	if (type_ok(ld, key, v, TOML_ARRAY))
		return -1;
	n = toml_count(v);
	list = xcalloc(n ? n : 1, sizeof(*list));
	for (i = 0; i < n; i++) {
		const struct toml_node *item = toml_at(v, i);
		if (duration_of(ld, key, item, &list[i]))
			goto fail;
		for (j = 0; j < i; j++) {
			if (list[j] == list[i]) {
				char d[32];
				when_format_duration(list[i], d, sizeof(d));
				error_at(ld, toml_line(item), key, "%s is listed twice", d);
				goto fail;
			}
		}
	}
	qsort(list, n, sizeof(*list), cmp_desc);
	free(ld->cfg->remind_before);
	ld->cfg->remind_before = list;
	ld->cfg->n_remind_before = n;
	return 0;
fail:
	free(list);
	return -1;
}

static int set_hhmm(struct loader *ld, const struct key_def *k, const struct toml_node *v)
{
	int *field = (int *)(void *)((char *)ld->cfg + k->off);
	const char *s;
	char key[64];
	int h, m;

	full_key(key, sizeof(key), k);
	s = string_of(ld, key, v);
	if (!s)
		return -1;
	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' ||
	    s[1] > '9' || s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9' ||
	    (h = (s[0] - '0') * 10 + (s[1] - '0')) > 23 ||
	    (m = (s[3] - '0') * 10 + (s[4] - '0')) > 59) {
		error_at(ld, toml_line(v), key, "'%.*s' is not a time of day (HH:MM, "
			 "00:00 to 23:59)", SHOW, s);
		return -1;
	}
	*field = h * 60 + m;
	return 0;
}

/* --- [[issue]] --------------------------------------------------------- */

static void issue_release(struct cfg_issue *is)
{
	free(is->slug);
	free(is->name);
	strv_release(&is->aliases);
	strv_release(&is->match);
	free(is->room);
	memset(is, 0, sizeof(*is));
}

static int slug_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

/* Every [[issue]] read so far, sound or not, so that a slug or alias used
 * twice is reported even when the first use had another problem. */
struct issue_set {
	struct cfg_issue *v;
	int *line;              /* of its [[issue]] header */
	int *bad;
	size_t n;
};

/* Who already uses 'word' as a slug or alias: the issue's index, or -1. */
static long used_by(const struct issue_set *set, const char *word)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (str_ieq(set->v[i].slug, word) || strv_has(&set->v[i].aliases, word))
			return (long)i;
	return -1;
}

/*
 * The keys of one [[issue]] entry, each with the function that checks and
 * stores its value in 'is'.  A loader reports its own problems with
 * error_at() under 'key' ("issue.<name>") and returns -1 for a bad value.
 */
typedef int (*issue_loader)(struct loader *ld, const char *key, const struct toml_node *v,
			    struct cfg_issue *is);

static int issue_slug(struct loader *ld, const char *key, const struct toml_node *v,
		      struct cfg_issue *is)
{
	const char *s = string_of(ld, key, v);

	if (!s)
		return -1;
	if (!slug_ok(s)) {
		error_at(ld, toml_line(v), key, "'%.*s' must be lower-case letters, digits and "
			 "'-'", SHOW, s);
		return -1;
	}
	is->slug = xstrdup(s);
	return 0;
}

static int issue_name(struct loader *ld, const char *key, const struct toml_node *v,
		      struct cfg_issue *is)
{
	const char *s = string_of(ld, key, v);

	if (!s)
		return -1;
	if (!*s) {
		error_at(ld, toml_line(v), key, "must not be empty");
		return -1;
	}
	is->name = xstrdup(s);
	return 0;
}

static int issue_room(struct loader *ld, const char *key, const struct toml_node *v,
		      struct cfg_issue *is)
{
	const char *s = string_of(ld, key, v);
	char why[256];

	if (!s)
		return -1;
	if (check_room(s, why, sizeof(why))) {
		error_at(ld, toml_line(v), key, "%s", why);
		return -1;
	}
	is->room = xstrdup(s);
	return 0;
}

/* Each alias one word, lower-cased, listed once; every bad one reported. */
static int issue_aliases(struct loader *ld, const char *key, const struct toml_node *v,
			 struct cfg_issue *is)
{
	size_t j;
	int rc = 0;

	if (type_ok(ld, key, v, TOML_ARRAY))
		return -1;
	for (j = 0; j < toml_count(v); j++) {
		const struct toml_node *a = toml_at(v, j);
		const char *s = string_of(ld, key, a);
		char *lower;

		if (!s) {
			rc = -1;
			continue;
		}
		if (!*s || has_space(s)) {
			error_at(ld, toml_line(a), key, "alias '%.*s' must be one word", SHOW, s);
			rc = -1;
			continue;
		}
		lower = xstrdup(s);
		str_lower(lower);
		if (strv_has(&is->aliases, lower)) {
			error_at(ld, toml_line(a), key, "'%.*s' is listed twice", SHOW, s);
			rc = -1;
			free(lower);
			continue;
		}
		strv_push_owned(&is->aliases, lower);
	}
	return rc;
}

/* At most MAX_MATCH_RULES rules, each non-blank and at most MAX_MATCH_LEN. */
static int issue_match(struct loader *ld, const char *key, const struct toml_node *v,
		       struct cfg_issue *is)
{
	size_t j;
	int rc = 0;

	if (type_ok(ld, key, v, TOML_ARRAY))
		return -1;
	if (toml_count(v) > MAX_MATCH_RULES) {
		error_at(ld, toml_line(v), key, "at most %d rules", MAX_MATCH_RULES);
		return -1;
	}
	for (j = 0; j < toml_count(v); j++) {
		const struct toml_node *a = toml_at(v, j);
		const char *s = string_of(ld, key, a);

		if (!s) {
			rc = -1;
			continue;
		}
		if (strspn(s, " \t") == strlen(s)) {
			error_at(ld, toml_line(a), key, "a rule must not be empty");
			rc = -1;
			continue;
		}
		if (strlen(s) > MAX_MATCH_LEN) {
			error_at(ld, toml_line(a), key, "a rule is at most %d bytes", MAX_MATCH_LEN);
			rc = -1;
			continue;
		}
		strv_push(&is->match, s);
	}
	return rc;
}

static const struct issue_key {
	const char *name;
	issue_loader load;
	int required;
} issue_keys[] = {
	{ .name = "slug", .load = issue_slug, .required = 1 },
	{ .name = "name", .load = issue_name, .required = 1 },
	{ .name = "aliases", .load = issue_aliases },
	{ .name = "room", .load = issue_room },
	{ .name = "match", .load = issue_match },
};

static const struct issue_key *issue_key_find(const char *k, size_t len)
{
	size_t i;

	if (strlen(k) != len)
		return NULL;
	for (i = 0; i < ARRAY_LEN(issue_keys); i++)
		if (!strcmp(k, issue_keys[i].name))
			return &issue_keys[i];
	return NULL;
}

/* "unknown key 'x'", with the closest known key or the list of them. */
static void issue_unknown_key(struct loader *ld, const struct toml_node *v, const char *k)
{
	const char *names[ARRAY_LEN(issue_keys)], *near;
	char shown[SHOW + 8], key[SHOW + 16];
	struct buf all;
	size_t i;

	for (i = 0; i < ARRAY_LEN(issue_keys); i++)
		names[i] = issue_keys[i].name;
	show_key(shown, sizeof(shown), v);
	snprintf(key, sizeof(key), "issue.%s", shown);
	near = closest(k, names, ARRAY_LEN(names));
	if (near) {
		error_at(ld, toml_line(v), key, "unknown key '%s' (did you mean '%s'?)", shown,
			 near);
		return;
	}
	buf_init(&all, 64);
	for (i = 0; i < ARRAY_LEN(names); i++)
		buf_printf(&all, "%s%s", i == 0 ? "" : i + 1 == ARRAY_LEN(names) ? " and " : ", ",
			   names[i]);
	error_at(ld, toml_line(v), key, "unknown key '%s' (an issue has %s)", shown, all.data);
	buf_release(&all);
}

/* Slugs and aliases name one issue each, across the whole file. */
static int issue_unique(struct loader *ld, const struct toml_node *t,
			const struct cfg_issue *is, const struct issue_set *set)
{
	long who = is->slug ? used_by(set, is->slug) : -1;
	size_t i;
	int rc = 0;

	if (who >= 0) {
		error_at(ld, toml_line(toml_get(t, "slug")), "issue.slug", "'%s' is already used "
			 "by issue '%s' (line %d)", is->slug, set->v[who].slug, set->line[who]);
		rc = -1;
	}
	for (i = 0; i < is->aliases.n; i++) {
		const char *a = is->aliases.v[i];
		int line = toml_line(toml_at(toml_get(t, "aliases"), i));

		who = used_by(set, a);
		if (who >= 0) {
			error_at(ld, line, "issue.aliases", "'%.*s' is already used by issue '%s' "
				 "(line %d)", SHOW, a, set->v[who].slug, set->line[who]);
			rc = -1;
		} else if (is->slug && !strcmp(a, is->slug)) {
			error_at(ld, line, "issue.aliases", "'%.*s' is the issue's own slug", SHOW, a);
			rc = -1;
		}
	}
	return rc;
}

/* One [[issue]] table into the set (when it has a slug at all). */
static void load_issue(struct loader *ld, const struct toml_node *t, struct issue_set *set)
{
	struct cfg_issue is;
	char key[SHOW + 16];
	size_t i;
	int bad = 0;

	memset(&is, 0, sizeof(is));
	if (toml_type(t) != TOML_TABLE) {
		error_at(ld, toml_line(t), "issue", "expected a table, not %s %s",
			 article(toml_type(t)), toml_type_name(toml_type(t)));
		return;
	}
	for (i = 0; i < toml_count(t); i++) {
		const struct toml_node *v = toml_at(t, i);
		size_t len;
		const char *k = toml_key(v, &len);
		const struct issue_key *ik = issue_key_find(k, len);

		if (!ik) {
			issue_unknown_key(ld, v, k);
			bad = 1;
			continue;
		}
		snprintf(key, sizeof(key), "issue.%s", ik->name);
		if (ik->load(ld, key, v, &is))
			bad = 1;
	}
	for (i = 0; i < ARRAY_LEN(issue_keys); i++)
		if (issue_keys[i].required && !toml_get(t, issue_keys[i].name)) {
			snprintf(key, sizeof(key), "issue.%s", issue_keys[i].name);
			error_at(ld, toml_line(t), key, "required key missing");
		}
	if (!is.name || issue_unique(ld, t, &is, set))
		bad = 1;
	if (!is.slug) {
		issue_release(&is);
		return;
	}
	set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
	set->line = xrealloc(set->line, (set->n + 1) * sizeof(*set->line));
	set->bad = xrealloc(set->bad, (set->n + 1) * sizeof(*set->bad));
	set->v[set->n] = is;
	set->line[set->n] = toml_line(t);
	set->bad[set->n++] = bad;
}

static void load_issues(struct loader *ld, const struct toml_node *v)
{
	struct issue_set set = { 0 };
	struct config *cfg = ld->cfg;
	size_t i;

	if (toml_type(v) != TOML_ARRAY) {
		error_at(ld, toml_line(v), "issue", "expected an array of tables: write each "
			 "issue as [[issue]]");
		return;
	}
	for (i = 0; i < toml_count(v); i++)
		load_issue(ld, toml_at(v, i), &set);
	cfg->issues = xcalloc(set.n ? set.n : 1, sizeof(*cfg->issues));
	for (i = 0; i < set.n; i++) {
		if (set.bad[i])
			issue_release(&set.v[i]);
		else
			cfg->issues[cfg->n_issues++] = set.v[i];
	}
	free(set.v);
	free(set.line);
	free(set.bad);
}

/* --- [[feed]] ---------------------------------------------------------- */

/* The keys of one [[feed]] entry. */
static const char *const feed_keys[] = { "url", "issue" };

static void load_feed(struct loader *ld, const struct toml_node *t)
{
	struct cfg_feed f = { 0 };
	char key[SHOW + 16], why[256];
	struct config *cfg = ld->cfg;
	int bad = 0;

	if (toml_type(t) != TOML_TABLE) {
		error_at(ld, toml_line(t), "feed", "expected a table, not %s %s",
			 article(toml_type(t)), toml_type_name(toml_type(t)));
		return;
	}
	for (size_t i = 0; i < toml_count(t); i++) {
		const struct toml_node *v = toml_at(t, i);
		size_t len;
		const char *k = toml_key(v, &len), *s;

		if (strlen(k) != len || (strcmp(k, "url") && strcmp(k, "issue"))) {
			const char *near = closest(k, feed_keys, ARRAY_LEN(feed_keys));
			char shown[SHOW + 8];
			show_key(shown, sizeof(shown), v);
			snprintf(key, sizeof(key), "feed.%s", shown);
			if (near)
				error_at(ld, toml_line(v), key, "unknown key '%s' (did you mean "
					 "'%s'?)", shown, near);
			else
				error_at(ld, toml_line(v), key, "unknown key '%s' (a feed has url "
					 "and issue)", shown);
			bad = 1;
			continue;
		}
		snprintf(key, sizeof(key), "feed.%s", k);
		s = string_of(ld, key, v);
		if (!s) {
			bad = 1;
			continue;
		}
		if (!strcmp(k, "url")) {
			if (check_url(s, why, sizeof(why))) {
				error_at(ld, toml_line(v), key, "%s", why);
				bad = 1;
				continue;
			}
			for (size_t j = 0; j < cfg->n_feeds; j++)
				if (!strcmp(cfg->feeds[j].url, s)) {
					error_at(ld, toml_line(v), key, "'%.*s' is listed twice",
						 SHOW, s);
					bad = 1;
				}
			free(f.url);
			f.url = xstrdup(s);
		} else {
			if (!*s || has_space(s)) {
				error_at(ld, toml_line(v), key, "'%.*s' must be one word: the "
					 "issue's slug or alias", SHOW, s);
				bad = 1;
				continue;
			}
			free(f.issue);
			f.issue = xstrdup(s);
		}
	}
	if (!toml_get(t, "url")) {
		error_at(ld, toml_line(t), "feed.url", "required key missing");
		bad = 1;
	}
	if (!bad && cfg->n_feeds >= MAX_FEEDS) {
		error_at(ld, toml_line(t), "feed", "at most %d feeds", MAX_FEEDS);
		bad = 1;
	}
	if (bad) {
		free(f.url);
		free(f.issue);
		return;
	}
	cfg->feeds = xrealloc(cfg->feeds, (cfg->n_feeds + 1) * sizeof(*cfg->feeds));
	cfg->feeds[cfg->n_feeds++] = f;
}

static void load_feeds(struct loader *ld, const struct toml_node *v)
{
	if (toml_type(v) != TOML_ARRAY) {
		error_at(ld, toml_line(v), "feed", "expected an array of tables: write each "
			 "feed as [[feed]]");
		return;
	}
	for (size_t i = 0; i < toml_count(v); i++)
		load_feed(ld, toml_at(v, i));
}

/* --- the document ------------------------------------------------------ */

static int is_section(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (!strcmp(keys[i].section, name))
			return 1;
	return 0;
}

static void unknown_key(struct loader *ld, const char *section, const struct toml_node *v)
{
	const char *cand[ARRAY_LEN(keys)], *near, *elsewhere = NULL;
	char shown[SHOW + 8], key[2 * SHOW + 16];
	size_t i, n = 0, len;
	const char *k = toml_key(v, &len);

	show_key(shown, sizeof(shown), v);
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if (!strcmp(keys[i].section, section))
			cand[n++] = keys[i].name;
		else if (strlen(k) == len && !strcmp(keys[i].name, k))
			elsewhere = keys[i].section;
	}
	snprintf(key, sizeof(key), "%s.%s", section, shown);
	near = closest(k, cand, n);
	if (near)
		error_at(ld, toml_line(v), key, "unknown key '%s' (did you mean '%s'?)", shown, near);
	else if (elsewhere)
		error_at(ld, toml_line(v), key, "unknown key '%s' (it belongs in [%s])", shown,
			 elsewhere);
	else
		error_at(ld, toml_line(v), key, "unknown key '%s'", shown);
}

/* A top-level entry that is not a known section. */
static void unknown_section(struct loader *ld, const struct toml_node *v)
{
	const char *cand[ARRAY_LEN(keys) + 2], *near, *owner = NULL;
	char shown[SHOW + 8];
	size_t i, n = 0, len;
	const char *k = toml_key(v, &len);

	show_key(shown, sizeof(shown), v);
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if (!n || strcmp(cand[n - 1], keys[i].section))
			cand[n++] = keys[i].section;
		if (strlen(k) == len && !strcmp(keys[i].name, k))
			owner = keys[i].section;
	}
	cand[n++] = "issue";
	cand[n++] = "feed";
	if (toml_type(v) != TOML_TABLE && owner) {
		error_at(ld, toml_line(v), shown, "unknown key '%s' (it belongs in [%s])", shown,
			 owner);
		return;
	}
	near = closest(k, cand, n);
	if (near)
		error_at(ld, toml_line(v), shown, "unknown %s '%s' (did you mean '%s'?)",
			 toml_type(v) == TOML_TABLE ? "section" : "key", shown, near);
	else
		error_at(ld, toml_line(v), shown, "unknown %s '%s'",
			 toml_type(v) == TOML_TABLE ? "section" : "key", shown);
}

static void load_section(struct loader *ld, const char *section, const struct toml_node *t)
{
	size_t i, j;

	if (ld->nsections < ARRAY_LEN(ld->sections_seen)) {
		ld->sections_seen[ld->nsections] = section;
		ld->section_line[ld->nsections++] = toml_line(t);
	}
	if (toml_type(t) != TOML_TABLE) {
		error_at(ld, toml_line(t), section, "expected a table ([%s]), not %s %s", section,
			 article(toml_type(t)), toml_type_name(toml_type(t)));
		return;
	}
	for (i = 0; i < toml_count(t); i++) {
		const struct toml_node *v = toml_at(t, i);
		size_t len;
		const char *k = toml_key(v, &len);

		for (j = 0; j < ARRAY_LEN(keys); j++)
			if (!strcmp(keys[j].section, section) && strlen(k) == len &&
			    !strcmp(keys[j].name, k))
				break;
		if (j == ARRAY_LEN(keys)) {
			unknown_key(ld, section, v);
			continue;
		}
		ld->seen[j] = toml_line(v);
		keys[j].set(ld, &keys[j], v);
	}
}

static int section_line(const struct loader *ld, const char *section)
{
	size_t i;

	for (i = 0; i < ld->nsections; i++)
		if (!strcmp(ld->sections_seen[i], section))
			return ld->section_line[i];
	return 1;
}

static int key_index(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return (int)i;
	return -1;
}

/* Defaults through the same setters as the file: "v = <default>". */
static int apply_defaults(struct loader *ld)
{
	char err[TOML_ERR_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_LEN(keys); i++) {
		struct toml_node *root = NULL;
		char *text;
		int rc;

		if (!keys[i].def)
			continue;
		text = xasprintf("v = %s\n", keys[i].def);
		rc = toml_parse(text, strlen(text), &root, err, sizeof(err)) ||
		     keys[i].set(ld, &keys[i], toml_get(root, "v"));
		toml_free(root);
		free(text);
		if (rc)
			return -1;      /* a bad entry in keys[]: a bug */
	}
	return 0;
}

/* Checks across keys, once the whole file is read. */
static void check_whole(struct loader *ld)
{
	static const struct {
		const char *inline_key, *file_key;
	} secrets[] = {
		{ "password", "password_file" },
		{ "access_token", "access_token_file" },
	};
	struct config *cfg = ld->cfg;
	int mline = section_line(ld, "matrix");
	size_t i;

	for (i = 0; i < ARRAY_LEN(secrets); i++) {
		int a = ld->seen[key_index("matrix", secrets[i].inline_key)];
		int b = ld->seen[key_index("matrix", secrets[i].file_key)];
		if (a && b) {
			char key[64];
			snprintf(key, sizeof(key), "matrix.%s",
				 a > b ? secrets[i].inline_key : secrets[i].file_key);
			error_at(ld, a > b ? a : b, key, "set only one of %s and %s",
				 secrets[i].inline_key, secrets[i].file_key);
		}
	}
	for (i = 0; i < ARRAY_LEN(secrets); i++)
		if (ld->seen[key_index("matrix", secrets[i].inline_key)] && (ld->mode & 044))
			log_warn("config: %s holds matrix.%s and others can read it (mode %03o); "
				 "chmod 600 it, or move the secret to matrix.%s", ld->name,
				 secrets[i].inline_key, ld->mode & 0777, secrets[i].file_key);
	if (!ld->seen[key_index("matrix", "homeserver")])
		error_at(ld, mline, "matrix.homeserver", "required key missing");
	if (!ld->seen[key_index("matrix", "user_id")])
		error_at(ld, mline, "matrix.user_id", "required key missing");
	if (!ld->seen[key_index("matrix", "password")] &&
	    !ld->seen[key_index("matrix", "password_file")] &&
	    !ld->seen[key_index("matrix", "access_token")] &&
	    !ld->seen[key_index("matrix", "access_token_file")])
		error_at(ld, mline, "matrix.password", "required key missing (or password_file, "
			 "access_token or access_token_file)");

	if (cfg->feeds_timeout > MAX_FEED_TIMEOUT)
		error_at(ld, ld->seen[key_index("feeds", "timeout")], "feeds.timeout",
			 "at most %d minutes", MAX_FEED_TIMEOUT / 60);

	if (cfg->homeserver) {         /* one form for joining paths onto it */
		size_t n = strlen(cfg->homeserver);
		while (n > 8 && cfg->homeserver[n - 1] == '/')
			cfg->homeserver[--n] = '\0';
	}
	/* default access: everyone on the bot's own server */
	if (!ld->seen[key_index("access", "allowed_users")] && cfg->user_id) {
		const char *colon = strchr(cfg->user_id, ':');
		if (colon)
			strv_push_owned(&cfg->allowed_users, xasprintf("@*:%s", colon + 1));
	}
}

/*
 * The folder relative paths resolve against when systemd runs caucus with
 * StateDirectory=: the first of $STATE_DIRECTORY's colon-separated absolute
 * paths, with a trailing '/'.  NULL when it is unset or not absolute.
 * Returns a new string.
 */
static char *state_base(void)
{
	const char *sd = getenv("STATE_DIRECTORY");
	size_t n;

	if (!sd || sd[0] != '/')
		return NULL;
	n = strcspn(sd, ":");
	while (n > 1 && sd[n - 1] == '/')
		n--;
	return xasprintf("%.*s/", (int)n, sd);
}

static int load(const char *name, const char *text, size_t len, const char *base,
		unsigned mode, struct config **out, struct buf *errors)
{
	struct loader ld;
	struct toml_node *root = NULL;
	char err[TOML_ERR_SIZE];
	size_t i;
	int rc = -1;

	memset(&ld, 0, sizeof(ld));
	*out = NULL;
	ld.cfg = xcalloc(1, sizeof(*ld.cfg));
	ld.cfg->path = xstrdup(name);
	ld.name = name;
	ld.mode = mode;
	ld.base = state_base();
	if (!ld.base)
		ld.base = xstrdup(base);
	if (apply_defaults(&ld))
		goto out;
	if (toml_parse(text, len, &root, err, sizeof(err))) {
		buf_printf(errors, "%s:%s\n", name, err);
		goto out;
	}
	for (i = 0; i < toml_count(root); i++) {
		const struct toml_node *v = toml_at(root, i);
		size_t klen;
		const char *k = toml_key(v, &klen);

		if (strlen(k) == klen && !strcmp(k, "issue"))
			load_issues(&ld, v);
		else if (strlen(k) == klen && !strcmp(k, "feed"))
			load_feeds(&ld, v);
		else if (strlen(k) == klen && is_section(k))
			load_section(&ld, k, v);
		else
			unknown_section(&ld, v);
	}
	check_whole(&ld);
	if (ld.nerr)
		goto out;
	*out = ld.cfg;
	ld.cfg = NULL;
	rc = 0;
out:
	flush_errors(&ld, errors);
	toml_free(root);
	config_free(ld.cfg);
	free(ld.base);
	return rc;
}

int config_load_string(const char *name, const char *text, struct config **out,
		       struct buf *errors)
{
	return load(name, text, strlen(text), "", 0, out, errors);
}

int config_load(const char *path, struct config **out, struct buf *errors)
{
	struct buf text;
	char chunk[8192], *base = NULL;
	const char *slash = strrchr(path, '/');
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	*out = NULL;
	buf_init(&text, MAX_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(errors, "%s: cannot open '%s': %s\n", path, path, strerror(errno));
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(errors, "%s: cannot read '%s': %s\n", path, path,
				   strerror(errno));
			goto out;
		}
		if (buf_add(&text, chunk, (size_t)n)) {
			buf_printf(errors, "%s: larger than %zu KiB: is this the right file?\n",
				   path, MAX_FILE >> 10);
			goto out;
		}
	}
	base = slash ? xstrndup(path, (size_t)(slash - path) + 1) : xstrdup("");
	rc = load(path, text.data, text.len, base, fstat(fd, &sb) ? 0 : (unsigned)sb.st_mode,
		  out, errors);
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(chunk, sizeof(chunk));
	explicit_bzero(text.data, text.alloc);        /* it may hold a password */
	buf_release(&text);
	free(base);
	return rc;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->homeserver);
	free(cfg->user_id);
	free_secret(cfg->password);
	free_secret(cfg->access_token);
	free(cfg->device_name);
	free(cfg->database);
	free(cfg->command_prefix);
	free(cfg->timezone);
	free(cfg->coordination_room);
	strv_release(&cfg->admins);
	strv_release(&cfg->allowed_users);
	free(cfg->pickle_key_file);
	free(cfg->recovery_key_file);
	free(cfg->remind_before);
	free(cfg->http_listen);
	free(cfg->http_public_url);
	for (i = 0; i < cfg->n_feeds; i++) {
		free(cfg->feeds[i].url);
		free(cfg->feeds[i].issue);
	}
	free(cfg->feeds);
	for (i = 0; i < cfg->n_issues; i++)
		issue_release(&cfg->issues[i]);
	free(cfg->issues);
	free(cfg);
}

/* --- questions and the summary ----------------------------------------- */

int config_user_allowed(const struct config *cfg, const char *user_id)
{
	size_t i;

	if (!user_id)
		return 0;
	for (i = 0; i < cfg->allowed_users.n; i++)
		if (str_glob(cfg->allowed_users.v[i], user_id))
			return 1;
	return 0;
}

int config_is_admin(const struct config *cfg, const char *user_id)
{
	return user_id && strv_has(&cfg->admins, user_id);
}

/* "a, b and c" */
static void put_list(struct buf *out, char *const *v, size_t n, const char *none)
{
	size_t i;

	if (!n) {
		buf_puts(out, none);
		return;
	}
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", v[i]);
}

void config_describe(const struct config *cfg, struct buf *out)
{
	struct local_time lt;
	char d[32];
	size_t i, j;

	buf_printf(out, "homeserver:        %s\n", cfg->homeserver);
	buf_printf(out, "bot user:          %s (device name \"%s\")\n", cfg->user_id,
		   cfg->device_name);
	if (cfg->access_token)
		buf_printf(out, "login:             access token%s\n", cfg->password ?
			   " (password kept for a new login)" : "");
	else
		buf_puts(out, "login:             password, at the first start; the access "
			 "token is kept in the database\n");
	buf_printf(out, "database:          %s\n", cfg->database);
	buf_printf(out, "time zone:         %s", cfg->timezone);
	if (tz_to_local(cfg->timezone, (int64_t)time(NULL), &lt) == 0) {
		int off = lt.utc_offset < 0 ? -lt.utc_offset : lt.utc_offset;
		buf_printf(out, " (now UTC%c%02d:%02d, %s)", lt.utc_offset < 0 ? '-' : '+',
			   off / 3600, off % 3600 / 60, lt.abbr);
	}
	buf_putc(out, '\n');
	buf_printf(out, "command prefix:    %s (e.g. %shelp)\n", cfg->command_prefix,
		   cfg->command_prefix);
	buf_printf(out, "coordination room: %s\n", cfg->coordination_room ?
		   cfg->coordination_room : "none (overviews and the group digest are not posted)");
	buf_puts(out, "admins:            ");
	put_list(out, cfg->admins.v, cfg->admins.n, "none (only power level 50+ in the "
		 "coordination room)");
	buf_puts(out, "\nallowed users:     ");
	put_list(out, cfg->allowed_users.v, cfg->allowed_users.n, "nobody");
	buf_printf(out, "\nencryption:        %s\n", cfg->encryption ? "on" : "off");
	if (cfg->encryption)
		buf_printf(out, "pickle key file:   %s (created when missing)\n",
			   cfg->pickle_key_file);
	if (cfg->encryption && cfg->recovery_key_file)
		buf_printf(out, "recovery key file: %s\n", cfg->recovery_key_file);
	buf_puts(out, "reminders:         ");
	if (!cfg->n_remind_before)
		buf_puts(out, "none");
	for (i = 0; i < cfg->n_remind_before; i++) {
		when_format_duration(cfg->remind_before[i], d, sizeof(d));
		buf_printf(out, "%s%s", i == 0 ? "" : i + 1 == cfg->n_remind_before ?
			   " and " : ", ", d);
	}
	if (cfg->n_remind_before)
		buf_puts(out, " before each session");
	buf_puts(out, "\nescalation:        ");
	if (cfg->remind_escalate > 0) {
		when_format_duration(cfg->remind_escalate, d, sizeof(d));
		buf_printf(out, "%s before a session nobody attends", d);
	} else {
		buf_puts(out, "off");
	}
	if (*cfg->http_listen)
		buf_printf(out, "\nhttp:              %s (/healthz%s)", cfg->http_listen,
			   cfg->http_metrics ? ", /metrics" : "");
	else
		buf_puts(out, "\nhttp:              off");
	when_format_duration(cfg->default_length, d, sizeof(d));
	buf_printf(out, "\nsession length:    %s unless a range is given\n", d);
	buf_printf(out, "daily digest:      %02d:%02d %s\n", cfg->digest_minute / 60,
		   cfg->digest_minute % 60, cfg->timezone);
	if (cfg->retention_days)
		buf_printf(out, "log retention:     %d days\n", cfg->retention_days);
	else
		buf_puts(out, "log retention:     forever\n");
	when_format_duration(cfg->feeds_interval, d, sizeof(d));
	buf_printf(out, "feeds:             %zu in this file (more with !feed add), fetched "
		   "every %s\n", cfg->n_feeds, d);
	for (i = 0; i < cfg->n_feeds; i++)
		buf_printf(out, "  %s: %s\n", cfg->feeds[i].url, cfg->feeds[i].issue ?
			   cfg->feeds[i].issue : "by the issues' match rules");
	buf_printf(out, "issues:            %zu\n", cfg->n_issues);
	for (i = 0; i < cfg->n_issues; i++) {
		const struct cfg_issue *is = &cfg->issues[i];
		buf_printf(out, "  %s: %s\n", is->slug, is->name);
		if (is->aliases.n) {
			buf_puts(out, "    aliases: ");
			for (j = 0; j < is->aliases.n; j++)
				buf_printf(out, "%s%s", j ? ", " : "", is->aliases.v[j]);
			buf_putc(out, '\n');
		}
		buf_printf(out, "    room:    %s\n", is->room ? is->room : "none yet (!issue link)");
		if (is->match.n) {
			buf_puts(out, "    feed events containing: ");
			for (j = 0; j < is->match.n; j++)
				buf_printf(out, "%s\"%s\"", j ? ", " : "", is->match.v[j]);
			buf_putc(out, '\n');
		}
	}
}
