/*
 * store_export.c - the one query behind "caucus export": an issue's log in
 * time order, streamed row by row so a three-week log is never held twice.
 */
#include "export.h"

#include "store_int.h"

int store_export_log(struct store *st, int64_t issue_id, int64_t since_ms,
		     void (*fn)(const struct export_entry *e, void *ud), void *ud)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT id, sender, kind, body, ts_ms FROM log "
					 "WHERE issue_id = ? AND ts_ms >= ? ORDER BY ts_ms, id");
	int rc;

	if (!s)
		return -1;
	store_bind_i64(s, 1, issue_id);
	store_bind_i64(s, 2, since_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct export_entry e = {
			.id = sqlite3_column_int64(s, 0),
			.sender = (const char *)sqlite3_column_text(s, 1),
			.kind = (const char *)sqlite3_column_text(s, 2),
			.body = (const char *)sqlite3_column_text(s, 3),
			.ts_ms = sqlite3_column_int64(s, 4),
		};
		fn(&e, ud);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, "export");
		return -1;
	}
	return 0;
}
