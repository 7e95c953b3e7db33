/*
 * console.h - the command engine on a terminal: no server, the same
 * answers.  Lines from standard input are commands (or messages) from one
 * user in one room; answers, reminders and digests go to standard output.
 */
#ifndef CAUCUS_CONSOLE_H
#define CAUCUS_CONSOLE_H

struct console_opts {
	const char *config;     /* config file */
	const char *user;       /* --as, default the first admin or @you:<server> */
	const char *room;       /* --room ISSUE, "coordination" or NULL */
	const char *db;         /* --db, overrides bot.database */
	int demo;               /* --demo: seed demo members */
};

/* Run until end of input.  Returns the process exit code. */
int console_main(const struct console_opts *o);

#endif
