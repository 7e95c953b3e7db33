/*
 * daemon.h - "caucus run": the bot on a Matrix homeserver.  Ties the
 * configuration, the store, the command engine, the Matrix client and the
 * outbox together on one event loop.
 */
#ifndef CAUCUS_DAEMON_H
#define CAUCUS_DAEMON_H

/*
 * Run the bot with the configuration file at config_path (kept: SIGHUP
 * reads it again) until SIGTERM or SIGINT.  Returns the process exit
 * status: 0 after a clean stop, 1 when it could not start or the server
 * refused the bot for good.
 */
int daemon_main(const char *config_path);

#endif
