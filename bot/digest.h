/*
 * digest.h - what happened in an issue over a stretch of time, loaded once
 * and written into an answer (digest.c): shared by !catchup, !digest
 * (cmd_log.c) and the daily digest that schedule.c hands out.  Internal to
 * the command engine; it reads the store through the log, document,
 * session and issue queries (store_log.h, store_doc.h, store_session.h,
 * store_issue.h), never sqlite itself.
 */
#ifndef CAUCUS_DIGEST_H
#define CAUCUS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "doc.h"
#include "store_doc.h"
#include "store_log.h"
#include "store_session.h"

/* The log of an issue over [since_ms, until_ms). */
struct digest_data {
	int64_t since_ms, until_ms;
	struct log_list decisions;      /* the first few of them, to show */
	struct log_list notes;          /* the first few of them, to show */
	size_t n_decisions, n_notes;    /* how many there were in all */
	struct action_list actions;     /* opened or closed in the window */
	struct position_list positions;
	struct session_list sessions;   /* created, changed or cancelled */
	struct doc_rev_list docs;       /* documents and revisions recorded */
	int64_t messages;               /* ordinary messages */
	int64_t entries;                /* log entries of any kind */
	struct strv people;             /* who wrote them, most active first */
};

/*
 * Load what happened in issue_id over [since_ms, until_ms).  room_id (may
 * be NULL) keeps only log entries kept in that room; viewer (may be NULL)
 * only those of rooms the viewer is in; with neither, nothing is loaded
 * (fails closed).  The same holds for actions and positions, by the room
 * each was recorded in.  Release with digest_data_release
 * (also after a failure).  Returns 0 or -1 (store).
 */
int digest_load(struct engine *eng, int64_t issue_id, const char *room_id,
		const char *viewer, int64_t since_ms, int64_t until_ms,
		struct digest_data *dd);
void digest_data_release(struct digest_data *dd);

/* 1 when nothing but ordinary messages (or nothing at all) happened. */
int digest_data_quiet(const struct digest_data *dd);

/* "2 decisions, 1 note, 1 action opened" (no messages) into b; "" if quiet. */
void digest_summary(const struct digest_data *dd, struct buf *b);

/* Write the sections (decisions, notes, actions, positions, sessions) into
 * d; names are looked up as members of room_id.  Nothing for a quiet one. */
void digest_sections(struct engine *eng, const struct digest_data *dd,
		     const char *room_id, struct doc *d);

/*
 * The digest of one issue for the period [since_s, until_s) (SPEC §3: the
 * conference day as lived, from one digest time to the next): the
 * period's log, who was active, and the sessions of the 24 h from now,
 * those with nobody attending flagged.  *active is 1 when anything
 * happened in the period.  late: say it comes late.  Returns 0 or -1.
 */
int digest_issue(struct engine *eng, const struct issue *is, int64_t since_s, int64_t until_s,
		 int late, struct doc *d, int *active);
/*
 * The coordination room's overview of [since_s, until_s): every issue's
 * activity in numbers (no content: the coordination room may hold people
 * who are not in an issue's room), open actions, leads, issues with no
 * lead, sessions of the next 24 h nobody attends.  *active is 1 when any
 * issue was active or a session falls in the next 24 h.
 */
int digest_overview(struct engine *eng, int64_t since_s, int64_t until_s, int late,
		    struct doc *d, int *active);
/* The last scheduled digest time at or before now_s: where !digest on
 * demand starts. */
int64_t digest_period_start(struct engine *eng, int64_t now_s);
/* The last scheduled digest at or before t: its local day (*day_s), its
 * instant (*until_s) and the one before (*since_s), the period it covers. */
void digest_last_period(const struct config *cfg, int64_t t, int64_t *day_s,
			int64_t *since_s, int64_t *until_s);

/* "14:02" when t is in the local day starting at day_s, else "Mon 5 Nov 14:02". */
void digest_when(const char *tz, int64_t t, int64_t day_s, char *out, size_t len);

#endif
