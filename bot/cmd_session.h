/*
 * cmd_session.h - how a session is written in an answer, shared by the
 * session commands (cmd_session.c), the issue overviews that show
 * sessions (cmd_issue.c: !who-covers, !coverage) and the session
 * reminders (schedule.c), so all read the same.  Its times are written by
 * tz_format_span (when.h), as the digest's are.
 */
#ifndef CAUCUS_CMD_SESSION_H
#define CAUCUS_CMD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "store_session.h"

/* "in 2 h 30 min", "in 5 min", "now" for a wait of secs.  Writes into out. */
void cmd_session_wait(int64_t secs, char *out, size_t outlen);

/* One session as a list item: time, number, title, place, the issue
 * (with_issue), then its attendees or a flagged "nobody attending". */
void cmd_session_item(struct cmd_ctx *ctx, const struct session *s, int with_day,
		      int with_issue);

#endif
