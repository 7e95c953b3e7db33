/*
 * daemon.h - "caucus run": the bot on a Matrix homeserver.  Ties the
 * configuration, the store, the command engine, the Matrix client and the
 * outbox together on one event loop.
 */
#ifndef CAUCUS_DAEMON_H
#define CAUCUS_DAEMON_H

#include <stddef.h>

/*
 * Run the bot with the configuration file at config_path (kept: SIGHUP
 * reads it again) until SIGTERM or SIGINT.  Returns the process exit
 * status: 0 after a clean stop, 1 when it could not start or the server
 * refused the bot for good.
 */
int daemon_main(const char *config_path);

struct config;
struct e2ee;
struct engine;
struct store;

/* What daemon_apply_sync() works with; all borrowed. */
struct daemon_batch_env {
	struct config *cfg;
	struct store *st;
	struct engine *eng;
	struct e2ee *e2ee;      /* NULL: encryption off */
	const char *me;         /* the bot's user ID */
	const char *since;      /* the token before this answer; NULL: a first sync */
};

/*
 * Apply one /sync answer (body, len) exactly as the running daemon does -
 * one transaction with its next_batch token - without the network: no
 * gaps are filled, joins and leaves it asks for are dropped.  For tests
 * (the store's fault sweep).  Returns 0 when it was committed, -1 when
 * nothing of it was kept.
 */
int daemon_apply_sync(const struct daemon_batch_env *env, const char *body, size_t len);

#endif
