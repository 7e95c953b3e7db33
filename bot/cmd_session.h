/*
 * cmd_session.h - how a session is written in an answer, shared by the
 * session commands (cmd_session.c), the issue overviews that show
 * sessions (cmd_issue.c: !who-covers, !coverage) and the session
 * reminders (schedule.c), so all read the same.
 */
#ifndef CAUCUS_CMD_SESSION_H
#define CAUCUS_CMD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "store_session.h"

/*
 * "today 14:00-15:00", "tomorrow 09:00-10:30", "Wed 7 Nov 23:00-01:00"
 * (with_day), or just "14:00-15:00".  A session going on at 'now' reads
 * "now until 15:00".  Writes into out.
 */
void cmd_session_when(const char *tz, int64_t now, int64_t start, int64_t end,
		      int with_day, char *out, size_t outlen);

/* "in 2 h 30 min", "in 5 min", "now" for a wait of secs.  Writes into out. */
void cmd_session_wait(int64_t secs, char *out, size_t outlen);

/* One session as a list item: time, number, title, place, the issue
 * (with_issue), then its attendees or a flagged "nobody attending". */
void cmd_session_item(struct cmd_ctx *ctx, const struct session *s, int with_day,
		      int with_issue);

#endif
