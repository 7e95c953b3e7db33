/*
 * store_status.c - the figures of "caucus status" and of the health check
 * (SPEC §6, §7), read in one read transaction so they agree with each
 * other, and the warnings table the daemon fills.  The reader opens the
 * file read-only and never migrates it: it must not disturb the running
 * daemon, which holds the write side of the WAL.
 */
#include "store_int.h"
#include "store_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "when.h"

#define SHOW_WARNINGS 10
#define SHOW_UPCOMING 5
#define STORE_BUSY_MS 5000         /* as store_open() sets it */

struct store *store_open_reader(const char *path, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int v;

	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	st->path = xstrdup(path);
	sqlite3_busy_timeout(st->db, 2000);
	v = store_version(st);
	if (v < 1) {
		snprintf(err, errlen, "'%s' is not a caucus database%s%s", path,
			 v < 0 ? ": " : "", v < 0 ? sqlite3_errmsg(st->db) : "");
		goto fail;
	}
	if (v > store_schema_version()) {
		snprintf(err, errlen, "database schema %d is newer than this caucus (%d)", v,
			 store_schema_version());
		goto fail;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

int store_warning_add(struct store *st, int64_t ts_ms, const char *level, const char *text)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO warnings(ts_ms, level, text) "
					 "VALUES (?, ?, ?)");

	if (!s)
		return -1;
	store_bind_i64(s, 1, ts_ms);
	store_bind_text(s, 2, level);
	store_bind_text(s, 3, text);
	if (store_exec_stmt(st, s))
		return -1;
	s = store_stmt(st, "DELETE FROM warnings WHERE id <= "
			   "(SELECT max(id) FROM warnings) - ?");
	if (!s)
		return -1;
	store_bind_i64(s, 1, STORE_WARNINGS_KEEP);
	return store_exec_stmt(st, s);
}

int store_writable(struct store *st, char *why, size_t whylen)
{
	int rc;

	if (sqlite3_db_readonly(st->db, "main") != 0) {
		snprintf(why, whylen, "the database is read-only");
		return -1;
	}
	if (st->depth > 0)
		return 0;       /* a transaction is open: we hold the write lock */
	/* take the write lock and give it back: writes nothing to the file;
	 * no waiting for a lock someone else holds (the loop must not stall) */
	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		snprintf(why, whylen, "the database cannot be written: %s",
			 sqlite3_errmsg(st->db));
	else
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t meta_i64(struct store *st, const char *key, int64_t def)
{
	char *v = store_meta_get(st, key);
	int64_t n;

	if (!v || str_to_i64(v, &n))
		n = def;
	free(v);
	return n;
}

struct upcoming {
	int64_t at;
	char *what;
};

static void up_add(struct upcoming **v, size_t *n, int64_t at, char *what)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].at = at;
	(*v)[(*n)++].what = what;
}

static int cmp_up(const void *a, const void *b)
{
	const struct upcoming *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* The next daily digest after now_s, at digest_minute local time. */
static int64_t next_digest(const char *tz, int64_t now_s, int minute)
{
	struct local_time lt;
	int64_t t = 0;

	for (int day = 0; day < 3; day++) {
		if (tz_to_local(tz, now_s + (int64_t)day * 86400, &lt) ||
		    tz_from_local(tz, lt.year, lt.month, lt.day, minute / 60, minute % 60, 0, &t))
			continue;
		if (t > now_s)
			return t;
	}
	return 0;
}

static int read_upcoming(struct store *st, int64_t now_s, const char *tz,
			 const int64_t *before, size_t n_before, int digest_minute,
			 struct strv *out)
{
	struct upcoming *v = NULL;
	size_t n = 0;
	sqlite3_stmt *s;
	int64_t d;
	int rc = -1;

	s = store_stmt(st, "SELECT due_s, text FROM reminders WHERE sent_ms IS NULL "
			   "ORDER BY due_s LIMIT 5");
	if (!s)
		goto out;
	while (sqlite3_step(s) == SQLITE_ROW)
		up_add(&v, &n, sqlite3_column_int64(s, 0),
		       xasprintf("reminder: %.80s", (const char *)sqlite3_column_text(s, 1)));
	sqlite3_reset(s);
	s = store_stmt(st, "SELECT s.id, s.title, s.start_s, i.slug FROM sessions s "
			   "JOIN issues i ON i.id = s.issue_id WHERE s.cancelled_ms IS NULL "
			   "AND s.start_s > ? ORDER BY s.start_s LIMIT 5");
	if (!s)
		goto out;
	store_bind_i64(s, 1, now_s);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t start = sqlite3_column_int64(s, 2);
		for (size_t i = 0; i < n_before; i++) {
			char len[32];
			if (start - before[i] <= now_s)
				continue;
			when_format_duration(before[i], len, sizeof(len));
			up_add(&v, &n, start - before[i],
			       xasprintf("session reminder (%s before): #%lld %.60s (%s)", len,
					 (long long)sqlite3_column_int64(s, 0),
					 (const char *)sqlite3_column_text(s, 1),
					 (const char *)sqlite3_column_text(s, 3)));
		}
	}
	sqlite3_reset(s);
	d = next_digest(tz, now_s, digest_minute);
	if (d) {
		up_add(&v, &n, d, xstrdup("daily digest"));
		up_add(&v, &n, d + 86400, xstrdup("daily digest"));
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_up);
	for (size_t i = 0; i < n && i < SHOW_UPCOMING; i++) {
		char when[64];
		tz_format_dayhm(tz, v[i].at, when, sizeof(when));
		strv_push_owned(out, xasprintf("%s  %s", when, v[i].what));
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].what);
	free(v);
	return rc;
}

static void read_warnings(struct store *st, struct strv *out)
{
	sqlite3_stmt *s = NULL;

	/* a database from before the warnings table has none to show */
	if (sqlite3_prepare_v2(st->db, "SELECT ts_ms, level, text FROM warnings "
			       "ORDER BY id DESC LIMIT 10", -1, &s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		time_t t = (time_t)(sqlite3_column_int64(s, 0) / 1000);
		struct tm tm;
		char stamp[32];
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		strv_push_owned(out, xasprintf("%s %s %s", stamp,
					       (const char *)sqlite3_column_text(s, 1),
					       (const char *)sqlite3_column_text(s, 2)));
	}
	sqlite3_finalize(s);
}

int store_status_read(struct store *st, int64_t now_ms, const char *tz,
		      const int64_t *remind_before, size_t n_remind_before, int digest_minute,
		      struct store_status *out)
{
	sqlite3_stmt *s;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->otk_count = -1;
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	out->sync_ms = meta_i64(st, "sync_ms", 0);
	out->otk_count = meta_i64(st, "e2ee.otk_count", -1);
	out->device_id = store_meta_get(st, "device_id");
	out->xsign = store_meta_get(st, "e2ee.xsign");
	s = store_stmt(st, "SELECT count(*), coalesce(min(created_ms), 0), "
			   "coalesce(sum(attempts > 0 AND next_try_ms > ?1), 0), "
			   "coalesce(sum(hold_until_ms > ?1), 0) "
			   "FROM outbox WHERE sent_event_id IS NULL");
	if (!s)
		goto out;
	store_bind_i64(s, 1, now_ms);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		goto out;
	}
	out->outbox_depth = sqlite3_column_int64(s, 0);
	out->outbox_oldest_ms = sqlite3_column_int64(s, 1);
	out->outbox_held = sqlite3_column_int64(s, 2);
	out->outbox_quiet = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	read_warnings(st, &out->warnings);
	if (read_upcoming(st, now_ms / 1000, tz, remind_before, n_remind_before, digest_minute,
			  &out->upcoming))
		goto out;
	rc = 0;
out:
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

void store_status_release(struct store_status *s)
{
	free(s->device_id);
	free(s->xsign);
	strv_release(&s->warnings);
	strv_release(&s->upcoming);
	memset(s, 0, sizeof(*s));
}
