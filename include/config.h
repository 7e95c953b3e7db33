/*
 * config.h - the parsed, validated configuration (SPEC §5).  Parsed once
 * from TOML into an immutable struct through one table of keys, types and
 * defaults; a reload builds a new struct and swaps it in only if it
 * validates.  Knows nothing of Matrix or sqlite.
 */
#ifndef CAUCUS_CONFIG_H
#define CAUCUS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct cfg_issue {
	char *slug;             /* lower case */
	char *name;
	struct strv aliases;    /* lower case */
	char *room;             /* room ID or alias, or NULL */
	struct strv match;      /* feed match rules, as written (case-insensitive) */
};

/* A [[feed]] entry: an iCalendar feed followed from the start. */
struct cfg_feed {
	char *url;              /* http:// or https:// */
	char *issue;            /* the issue its events belong to, or NULL: match rules */
};

struct config {
	char *path;             /* the file it came from */
	/* [matrix] */
	char *homeserver;       /* required; no trailing slash */
	char *user_id;          /* required, "@local:server" */
	char *password;         /* secret: from password or password_file; may be NULL */
	char *access_token;     /* secret: from access_token or access_token_file; may be NULL */
	char *device_name;      /* default "caucus" */
	/* [bot] */
	char *database;         /* default "caucus.db"; relative: see config_load */
	char *command_prefix;   /* default "!" */
	char *timezone;         /* default "UTC"; a valid IANA zone */
	char *coordination_room;/* room ID or alias, or NULL */
	struct strv admins;
	/* [access] */
	struct strv allowed_users; /* default: "@*:<server of user_id>" */
	/* [encryption] */
	int encryption;         /* default 1 */
	char *pickle_key_file;  /* default "caucus.key"; see config_load */
	char *recovery_key_file;/* the account's recovery key, or NULL; see config_load */
	/* [reminders] */
	int64_t *remind_before; /* seconds, sorted largest first; default 30m, 5m */
	size_t n_remind_before;
	int remind_dm;          /* members' default for !prefs dm */
	/* [feeds] */
	int64_t feeds_interval; /* seconds between fetches of a feed, default 300 */
	int64_t feeds_timeout;  /* seconds a fetch may take, default 60 */
	int64_t remind_escalate; /* seconds before an unattended session; 0 off; default 15m */
	/* [http] */
	char *http_listen;      /* "host:port", or "" (the default): no listener */
	char *http_public_url;  /* base of the links the bot gives, or "" */
	int http_metrics;       /* serve /metrics; default 0 */
	/* [sessions] */
	int64_t default_length; /* seconds, default 3600 */
	/* [digest] */
	int digest_minute;      /* minutes after local midnight, default 23:00 */
	/* [log] */
	int retention_days;     /* default 90; 0 keeps forever */
	/* [[feed]] */
	struct cfg_feed *feeds;
	size_t n_feeds;
	/* [[issue]] */
	struct cfg_issue *issues;
	size_t n_issues;
};

/*
 * Read and validate 'path'.  Relative paths in it resolve against the
 * file's folder, or against $STATE_DIRECTORY when that is set (systemd's
 * StateDirectory=).  A password, token or pickle key file whose last path
 * component is a file in $CREDENTIALS_DIRECTORY (LoadCredential=) is read
 * from there instead.  On success returns 0 and *out (free with
 * config_free).  On failure returns -1 and appends one line per problem to
 * 'errors', each "FILE:LINE: KEY: reason" (LINE and KEY where known).
 */
int config_load(const char *path, struct config **out, struct buf *errors);

/* Same, from a string (tests); 'name' stands for the file name in errors.
 * Relative paths resolve against the current directory. */
int config_load_string(const char *name, const char *text, struct config **out,
		       struct buf *errors);

void config_free(struct config *cfg);   /* NULL is a no-op; wipes secrets */

/* Print what the configuration means, for "caucus check". */
void config_describe(const struct config *cfg, struct buf *out);

/* 1 when user_id matches one of access.allowed_users. */
int config_user_allowed(const struct config *cfg, const char *user_id);

/* 1 when user_id is in bot.admins. */
int config_is_admin(const struct config *cfg, const char *user_id);

#endif
