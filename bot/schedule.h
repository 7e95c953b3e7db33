/*
 * schedule.h - the jobs that hand out what falls due on its own (SPEC §3):
 * reminders and digests (schedule.c).  Internal to the command engine:
 * each is a family's due hook (struct cmd_family in cmd.h), run by
 * engine_due(); its replies carry a stable due_id and the keys
 * engine_ack() records, so what is not acknowledged comes out again.
 */
#ifndef CAUCUS_SCHEDULE_H
#define CAUCUS_SCHEDULE_H

#include <stdint.h>

#include "engine.h"

/*
 * The session reminders (config reminders.before, in each session's issue
 * room; a passed one late while the session has not started, else
 * dropped) and then the personal reminders of !remind that are due at
 * now_ms (a late one still goes out, marked late).  Appends to out.
 * Returns 0 or -1 (store).
 */
int schedule_reminders_due(struct engine *eng, int64_t now_ms, struct engine_replies *out);

/*
 * The daily digests of the last digest time at or before now_ms: one per
 * active issue room and the coordination room's overview, each decided
 * once (a quiet one is dropped); late when the bot was down at digest
 * time.  Appends to out.  Returns 0 or -1 (store).
 */
int schedule_digests_due(struct engine *eng, int64_t now_ms, struct engine_replies *out);

#endif
