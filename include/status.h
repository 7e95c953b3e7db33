/*
 * status.h - "caucus status" (SPEC §6): what the running bot is doing,
 * read from its database without disturbing it.
 */
#ifndef CAUCUS_STATUS_H
#define CAUCUS_STATUS_H

/* Print the figures for the configuration at config_path.  Returns the
 * exit status: 0 healthy, 1 unhealthy or unreadable. */
int status_main(const char *config_path);

#endif
