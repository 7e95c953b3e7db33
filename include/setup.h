/*
 * setup.h - "caucus setup" (SPEC §6): create the rooms and the Space the
 * configuration names but that do not exist yet, then exit.
 */
#ifndef CAUCUS_SETUP_H
#define CAUCUS_SETUP_H

/*
 * Log in as "caucus run" would (the same database keeps the token), make
 * what is missing and print one line per room: what exists, what was
 * created.  Returns the exit status: 0 when everything is there, 1 when
 * something could not be made (or the login failed).
 */
int setup_main(const char *config_path);

#endif
