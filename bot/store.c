/*
 * store.c - the sqlite file behind everything: opening it, migrating the
 * schema (PRAGMA user_version), nested transactions, a statement cache and
 * the meta table.  Per-topic queries live in the other store_*.c files.
 * Migrations only ever append: an old database replays the missing steps
 * in one transaction at open.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Schema steps; migrations[i] takes user_version i to i + 1. */
static const char *const migrations[] = {
	/* 1: the command engine's state */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE issues("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  name TEXT NOT NULL,"
	"  room_id TEXT UNIQUE,"                 /* linked room, or NULL */
	"  created_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE aliases("
	"  alias TEXT PRIMARY KEY COLLATE NOCASE,"
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE);"
	"CREATE TABLE rooms("
	"  room_id TEXT PRIMARY KEY,"
	"  joined INTEGER NOT NULL DEFAULT 1,"
	"  encrypted INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE members("
	"  room_id TEXT NOT NULL,"
	"  user_id TEXT NOT NULL,"
	"  display_name TEXT,"
	"  membership TEXT NOT NULL DEFAULT 'join',"
	"  power INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(room_id, user_id));"
	"CREATE INDEX members_user ON members(user_id);"
	"CREATE TABLE coverage("
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,"
	"  user_id TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK(role IN ('lead', 'backup')),"
	"  since_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(issue_id, user_id));"
	"CREATE TABLE sessions("
	"  id INTEGER PRIMARY KEY,"
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,"
	"  title TEXT NOT NULL,"
	"  place TEXT,"
	"  start_s INTEGER NOT NULL,"
	"  end_s INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  cancelled_ms INTEGER);"
	"CREATE INDEX sessions_start ON sessions(start_s);"
	"CREATE TABLE attendees("
	"  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  user_id TEXT NOT NULL,"
	"  added_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(session_id, user_id));"
	"CREATE INDEX attendees_user ON attendees(user_id);"
	"CREATE TABLE log("
	"  id INTEGER PRIMARY KEY,"
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,"
	"  room_id TEXT NOT NULL,"
	"  event_id TEXT UNIQUE,"
	"  sender TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK(kind IN ('message','note','decision','action','position')),"
	"  body TEXT NOT NULL,"
	"  ts_ms INTEGER NOT NULL);"
	"CREATE INDEX log_issue_ts ON log(issue_id, ts_ms);"
	"CREATE VIRTUAL TABLE log_fts USING fts5(body, content='log', content_rowid='id',"
	"  tokenize='unicode61 remove_diacritics 2');"
	"CREATE TRIGGER log_ai AFTER INSERT ON log BEGIN"
	"  INSERT INTO log_fts(rowid, body) VALUES (new.id, new.body); END;"
	"CREATE TRIGGER log_ad AFTER DELETE ON log BEGIN"
	"  INSERT INTO log_fts(log_fts, rowid, body) VALUES ('delete', old.id, old.body); END;"
	"CREATE TRIGGER log_au AFTER UPDATE OF body ON log BEGIN"
	"  INSERT INTO log_fts(log_fts, rowid, body) VALUES ('delete', old.id, old.body);"
	"  INSERT INTO log_fts(rowid, body) VALUES (new.id, new.body); END;"
	"CREATE TABLE actions("
	"  id INTEGER PRIMARY KEY,"
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,"
	"  log_id INTEGER REFERENCES log(id) ON DELETE SET NULL,"
	"  assignee TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  done_ms INTEGER,"
	"  done_by TEXT);"
	"CREATE TABLE positions("
	"  id INTEGER PRIMARY KEY,"
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,"
	"  log_id INTEGER REFERENCES log(id) ON DELETE SET NULL,"
	"  actor TEXT NOT NULL COLLATE NOCASE,"
	"  stance TEXT NOT NULL,"
	"  text TEXT,"
	"  sender TEXT NOT NULL,"
	"  ts_ms INTEGER NOT NULL);"
	"CREATE INDEX positions_issue ON positions(issue_id, actor, ts_ms);"
	"CREATE TABLE reminders("                /* !remind */
	"  id INTEGER PRIMARY KEY,"
	"  room_id TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  due_s INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  reply_to TEXT,"
	"  thread_root TEXT,"
	"  sent_ms INTEGER);"
	"CREATE INDEX reminders_due ON reminders(sent_ms, due_s);"
	"CREATE TABLE due_sent("                 /* session reminders and digests handed out */
	"  key TEXT PRIMARY KEY,"
	"  sent_ms INTEGER NOT NULL,"
	"  outcome TEXT NOT NULL);"              /* 'sent', 'late' or 'dropped' */
	"CREATE TABLE last_spoke("
	"  room_id TEXT NOT NULL,"
	"  user_id TEXT NOT NULL,"
	"  ts_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(room_id, user_id));",

	/* 2: the daemon's state: events handled once, the outbox */
	"CREATE TABLE handled("
	"  event_id TEXT PRIMARY KEY,"
	"  ts_ms INTEGER NOT NULL);"
	"CREATE TABLE outbox("
	"  id INTEGER PRIMARY KEY,"
	"  room_id TEXT NOT NULL,"
	"  txn_id TEXT NOT NULL UNIQUE,"
	"  event_type TEXT NOT NULL DEFAULT 'm.room.message',"
	"  content TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try_ms INTEGER NOT NULL DEFAULT 0,"
	"  sent_event_id TEXT);"
	"CREATE INDEX outbox_pending ON outbox(sent_event_id, room_id, id);"
	"ALTER TABLE log ADD COLUMN edited_ms INTEGER;",

	/* 3: end-to-end encryption (pickles are encrypted with the key file) */
	"ALTER TABLE rooms ADD COLUMN rotation_ms INTEGER;"
	"ALTER TABLE rooms ADD COLUMN rotation_msgs INTEGER;"
	"CREATE TABLE olm_sessions("
	"  session_id TEXT PRIMARY KEY,"
	"  curve25519 TEXT NOT NULL,"            /* the peer device's identity key */
	"  pickle TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  used_ms INTEGER NOT NULL);"
	"CREATE INDEX olm_sessions_curve ON olm_sessions(curve25519, used_ms);"
	"CREATE TABLE megolm_in("
	"  room_id TEXT NOT NULL,"
	"  session_id TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"                /* the user who shared it over Olm */
	"  sender_key TEXT NOT NULL,"
	"  ed25519 TEXT NOT NULL,"
	"  first_index INTEGER NOT NULL,"
	"  pickle TEXT NOT NULL,"
	"  PRIMARY KEY(room_id, session_id));"
	"CREATE TABLE megolm_out("
	"  room_id TEXT PRIMARY KEY,"
	"  session_id TEXT NOT NULL,"
	"  pickle TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  msgs INTEGER NOT NULL DEFAULT 0,"
	"  invalid INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE megolm_shared("
	"  session_id TEXT NOT NULL,"
	"  user_id TEXT NOT NULL,"
	"  device_id TEXT NOT NULL,"
	"  PRIMARY KEY(session_id, user_id, device_id));"
	"CREATE TABLE megolm_seen("              /* replay check: one event per index */
	"  session_id TEXT NOT NULL,"
	"  msg_index INTEGER NOT NULL,"
	"  event_id TEXT NOT NULL,"
	"  PRIMARY KEY(session_id, msg_index));"
	"CREATE TABLE devices("
	"  user_id TEXT NOT NULL,"
	"  device_id TEXT NOT NULL,"
	"  ed25519 TEXT NOT NULL,"
	"  curve25519 TEXT NOT NULL,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(user_id, device_id));"
	"CREATE INDEX devices_curve ON devices(curve25519);"
	"CREATE TABLE tracked("                  /* device lists: fresh when fresh = gen */
	"  user_id TEXT PRIMARY KEY,"
	"  gen INTEGER NOT NULL DEFAULT 1,"
	"  fresh INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE pending_enc("              /* events waiting for their room key */
	"  event_id TEXT PRIMARY KEY,"
	"  room_id TEXT NOT NULL,"
	"  session_id TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  first_ms INTEGER NOT NULL);"
	"CREATE INDEX pending_enc_session ON pending_enc(room_id, session_id);"
	"CREATE TABLE undecryptable_told("
	"  room_id TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  session_id TEXT NOT NULL,"
	"  PRIMARY KEY(room_id, sender, session_id));"
	"CREATE TABLE to_device("                /* Olm-encrypted sends, in order */
	"  id INTEGER PRIMARY KEY,"
	"  txn_id TEXT NOT NULL UNIQUE,"
	"  event_type TEXT NOT NULL,"
	"  body TEXT NOT NULL);",
	/* 4: room work the engine asked for (invites, new issue rooms, Space links) */
	"CREATE TABLE room_requests("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"            /* what caused it: queueing twice is a no-op */
	"  kind TEXT NOT NULL,"                  /* invite, create, space */
	"  target TEXT,"
	"  user_id TEXT,"
	"  issue_id INTEGER,"
	"  room_id TEXT NOT NULL,"               /* where the outcome is told */
	"  reply_to TEXT,"
	"  thread_root TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try_ms INTEGER NOT NULL DEFAULT 0);",
	/* 5: SPEC §4: an action item or a position is shown only to members of
	 * the room it was recorded in, also once its log entry is purged */
	"ALTER TABLE actions ADD COLUMN room_id TEXT;"
	"ALTER TABLE positions ADD COLUMN room_id TEXT;"
	"UPDATE actions SET room_id = (SELECT l.room_id FROM log l WHERE l.id = actions.log_id);"
	"UPDATE positions SET room_id = (SELECT l.room_id FROM log l WHERE l.id = positions.log_id);",
	/* 6: what "caucus status" shows of the running daemon: its last warnings */
	"CREATE TABLE warnings("
	"  id INTEGER PRIMARY KEY,"
	"  ts_ms INTEGER NOT NULL,"
	"  level TEXT NOT NULL,"
	"  text TEXT NOT NULL);",

	/* 7: files and documents.  The log's kind list grows by 'file' and
	 * 'doc'; SQLite cannot alter a CHECK, so the table is rebuilt with
	 * the same rows and IDs (the full-text index keeps matching them).
	 * Dropping it would null the links of actions and positions (ON
	 * DELETE SET NULL), so those are kept aside and put back. */
	"CREATE TABLE log7("
	"  id INTEGER PRIMARY KEY,"
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,"
	"  room_id TEXT NOT NULL,"
	"  event_id TEXT UNIQUE,"
	"  sender TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK(kind IN ('message','note','decision','action','position',"
	"    'file','doc')),"
	"  body TEXT NOT NULL,"
	"  ts_ms INTEGER NOT NULL,"
	"  edited_ms INTEGER);"
	"INSERT INTO log7(id, issue_id, room_id, event_id, sender, kind, body, ts_ms, edited_ms)"
	"  SELECT id, issue_id, room_id, event_id, sender, kind, body, ts_ms, edited_ms FROM log;"
	"CREATE TEMP TABLE log7_links AS"
	"  SELECT 'a' AS t, id, log_id FROM actions WHERE log_id IS NOT NULL UNION ALL"
	"  SELECT 'p', id, log_id FROM positions WHERE log_id IS NOT NULL;"
	"DROP TABLE log;"
	"ALTER TABLE log7 RENAME TO log;"
	"UPDATE actions SET log_id = (SELECT k.log_id FROM log7_links k WHERE k.t = 'a' AND"
	"  k.id = actions.id) WHERE id IN (SELECT id FROM log7_links WHERE t = 'a');"
	"UPDATE positions SET log_id = (SELECT k.log_id FROM log7_links k WHERE k.t = 'p' AND"
	"  k.id = positions.id) WHERE id IN (SELECT id FROM log7_links WHERE t = 'p');"
	"DROP TABLE log7_links;"
	"CREATE INDEX log_issue_ts ON log(issue_id, ts_ms);"
	"CREATE TRIGGER log_ai AFTER INSERT ON log BEGIN"
	"  INSERT INTO log_fts(rowid, body) VALUES (new.id, new.body); END;"
	"CREATE TRIGGER log_ad AFTER DELETE ON log BEGIN"
	"  INSERT INTO log_fts(log_fts, rowid, body) VALUES ('delete', old.id, old.body); END;"
	"CREATE TRIGGER log_au AFTER UPDATE OF body ON log BEGIN"
	"  INSERT INTO log_fts(log_fts, rowid, body) VALUES ('delete', old.id, old.body);"
	"  INSERT INTO log_fts(rowid, body) VALUES (new.id, new.body); END;"
	"CREATE TABLE log_files("                /* what a kind 'file' entry points at */
	"  log_id INTEGER PRIMARY KEY REFERENCES log(id) ON DELETE CASCADE,"
	"  msgtype TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  url TEXT NOT NULL,"                   /* mxc://; never an encrypted file's keys */
	"  size INTEGER,"
	"  mimetype TEXT,"
	"  encrypted INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE documents("                /* one row per revision seen */
	"  id INTEGER PRIMARY KEY,"
	"  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,"
	"  log_id INTEGER REFERENCES log(id) ON DELETE CASCADE,"  /* the !doc or the file */
	"  room_id TEXT NOT NULL,"
	"  doc_key TEXT NOT NULL,"               /* docsym key: spellings of one document */
	"  doc TEXT NOT NULL,"                   /* the document, "PP-18/1(Add.3)" */
	"  symbol TEXT NOT NULL,"                /* as canonically spelt, with its Rev. */
	"  rev INTEGER NOT NULL,"
	"  title TEXT,"
	"  url TEXT,"
	"  file_log_id INTEGER REFERENCES log(id) ON DELETE SET NULL,"
	"  sender TEXT NOT NULL,"
	"  ts_ms INTEGER NOT NULL);"
	"CREATE INDEX documents_key ON documents(issue_id, doc_key, rev);"
	"CREATE INDEX documents_ts ON documents(issue_id, ts_ms);",

	/* 8: store_log_add() feeds the full-text index itself.  An AFTER
	 * INSERT trigger writing to FTS5 made every INSERT a statement
	 * transaction, and FTS5 flushed a tiny index segment at each one:
	 * most of a big backlog's time.  Deletes and edits keep theirs. */
	"DROP TRIGGER log_ai;",

	/* 9: sessions: SEQUENCE of their iCalendar form, raised on every move */
	"ALTER TABLE sessions ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;",

	/* 10: direct rooms (one per member, SPEC §1), members' !prefs, and
	 * outgoing messages held for quiet hours (sent at hold_until_ms) */
	"CREATE TABLE direct_rooms("
	"  user_id TEXT PRIMARY KEY,"
	"  room_id TEXT UNIQUE,"                 /* NULL while it is being made */
	"  since_ms INTEGER NOT NULL);"
	"CREATE TABLE prefs("
	"  user_id TEXT PRIMARY KEY,"
	"  dm INTEGER,"                          /* NULL: reminders.dm */
	"  quiet_start INTEGER,"                 /* minutes after midnight, or NULL */
	"  quiet_end INTEGER);"
	"ALTER TABLE outbox ADD COLUMN hold_until_ms INTEGER NOT NULL DEFAULT 0;",

	/* 11: calendar links (SPEC §4): only the SHA-256 of each token is kept,
	 * so the database alone opens no calendar */
	"CREATE TABLE calendar_tokens("
	"  hash BLOB PRIMARY KEY,"
	"  user_id TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE INDEX calendar_tokens_user ON calendar_tokens(user_id);",

	/* 12: iCalendar feeds (SPEC §3 Feeds) and which session each of their
	 * events became: (feed, UID, RECURRENCE-ID) -> session.  The item
	 * keeps what the feed last said, so a change is seen even when the
	 * session was moved by hand (and then announced, not applied). */
	"CREATE TABLE feeds("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL UNIQUE,"
	"  issue TEXT,"                          /* the issue it names, or NULL: match rules */
	"  from_config INTEGER NOT NULL DEFAULT 0,"
	"  added_by TEXT NOT NULL,"
	"  added_ms INTEGER NOT NULL,"
	"  etag TEXT,"
	"  last_modified TEXT,"
	"  last_fetch_ms INTEGER NOT NULL DEFAULT 0,"
	"  last_ok_ms INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"                     /* NULL: the last fetch went well */
	"  failures INTEGER NOT NULL DEFAULT 0," /* in a row */
	"  down_told INTEGER NOT NULL DEFAULT 0,"
	"  fetches INTEGER NOT NULL DEFAULT 0,"  /* numbers each fetch's notices */
	"  events_seen INTEGER NOT NULL DEFAULT 0,"
	"  sessions_made INTEGER NOT NULL DEFAULT 0,"
	"  skipped_unmatched INTEGER NOT NULL DEFAULT 0,"
	"  skipped_other INTEGER NOT NULL DEFAULT 0,"
	"  skip_note TEXT);"                     /* why the others were skipped */
	"CREATE TABLE feed_items("
	"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  uid TEXT NOT NULL,"
	"  recurrence_s INTEGER NOT NULL,"       /* 0: not one occurrence of a recurring event */
	"  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  start_s INTEGER NOT NULL,"            /* what the feed last said */
	"  end_s INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  place TEXT,"
	"  cancelled INTEGER NOT NULL DEFAULT 0,"        /* cancelled in or gone from the feed */
	"  by_hand INTEGER NOT NULL DEFAULT 0,"          /* moved with !move since */
	"  PRIMARY KEY(feed_id, uid, recurrence_s));"
	"CREATE INDEX feed_items_session ON feed_items(session_id);",
	/* 13: reactions as commands, shifts.  What a message the bot sends is
	 * about ("session:12", "action:3") rides with it in the outbox and is
	 * kept by its event ID once the server gave one; a reaction that made
	 * an attendance is kept to undo it when the reaction is redacted; a
	 * cover may end by itself (until_s). */
	"ALTER TABLE outbox ADD COLUMN about TEXT;"
	"CREATE TABLE bot_events("
	"  event_id TEXT PRIMARY KEY,"
	"  room_id TEXT NOT NULL,"
	"  about TEXT NOT NULL,"                 /* space-separated \"session:N\" / \"action:N\" */
	"  sent_ms INTEGER NOT NULL);"
	"CREATE INDEX bot_events_sent ON bot_events(sent_ms);"
	"CREATE TABLE reactions("
	"  event_id TEXT PRIMARY KEY,"           /* the m.reaction */
	"  room_id TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  target TEXT NOT NULL,"                /* the bot's message reacted to */
	"  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  ts_ms INTEGER NOT NULL);"
	"CREATE INDEX reactions_who ON reactions(session_id, sender);"
	"ALTER TABLE coverage ADD COLUMN until_s INTEGER;",

	/* 14: a member's display name from any room (store_member_name with
	 * no room, or when the room has none) reads only the rows with one,
	 * not each of the member's rooms */
	"CREATE INDEX members_named ON members(user_id) "
	"WHERE display_name IS NOT NULL AND display_name != '';",

	/* 15: a digest reads an issue's decisions and notes of a day; without
	 * this it walked every entry of the day (20,000 on a busy one) for
	 * each kind, twice.  Only the entries commands make: a backlog's
	 * messages do not pay for it (store_log_kind_range says kind !=
	 * 'message', so the index is used) */
	"CREATE INDEX log_issue_kind_ts ON log(issue_id, kind, ts_ms) WHERE kind != 'message';",
};

/* The statement cache: a short list, most recently used first. */
struct cached_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
	struct cached_stmt *next;
};

/* Open stores, to find a statement's store from its connection. */
static struct store *open_stores;

/* The test countdown (store_fault_arm); inert while db is NULL. */
static struct {
	sqlite3 *db;
	int nth, seen, fired, code;
	char what[120];         /* the statement that failed */
} fault;

static struct store *store_of(sqlite3 *db)
{
	struct store *st;

	for (st = open_stores; st && st->db != db; st = st->next_open)
		;
	return st;
}

void store_fault_arm(struct store *st, int nth, enum store_fault code)
{
	static const int codes[] = { SQLITE_BUSY, SQLITE_IOERR, SQLITE_FULL };

	fault.db = st->db;
	fault.nth = nth;
	fault.seen = 0;
	fault.fired = 0;
	fault.code = codes[code];
}

void store_fault_disarm(void)
{
	fault.db = NULL;
}

int store_fault_seen(void)
{
	return fault.seen;
}

int store_fault_fired(void)
{
	return fault.fired;
}

const char *store_fault_what(void)
{
	return fault.fired ? fault.what : "";
}

/* 0, or the injected error for this statement (sql) of st. */
static int fault_hit(struct store *st, const char *sql)
{
	if (!fault.db || fault.db != st->db || ++fault.seen != fault.nth)
		return 0;
	fault.fired = 1;
	snprintf(fault.what, sizeof(fault.what), "%s", sql ? sql : "?");
	if (fault.code != SQLITE_BUSY && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return fault.code;
}

/*
 * Errors of the machine, not of the statement: the disk, the lock, the
 * memory.  Trying the same work again later may well succeed.
 */
static int transient(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_NOMEM: case SQLITE_READONLY:
	case SQLITE_IOERR: case SQLITE_CORRUPT: case SQLITE_FULL: case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL: case SQLITE_NOTADB: case SQLITE_ABORT:
		return 1;
	}
	return 0;
}

/* Note the outcome rc of a statement of st. */
static int outcome(struct store *st, int rc, const char *msg)
{
	if (st->depth > 0 && transient(rc) && !st->doomed) {
		st->doomed = rc;
		snprintf(st->why, sizeof(st->why), "%s", msg);
	}
	return rc;
}

/*
 * A transaction in which the machine failed once is doomed: sqlite may
 * have rolled it back already (FULL, IOERR, BUSY, NOMEM), after which each
 * statement would commit on its own, and a caller that read the error as
 * "not found" would keep half a batch.  Until the caller rolls back the
 * outermost level, every statement fails with the first error, so nothing
 * of the transaction can be committed and the work is done again later.
 */
static int doomed(struct store *st)
{
	if (st->depth > 0 && !st->doomed && sqlite3_get_autocommit(st->db))
		outcome(st, SQLITE_ABORT, "the transaction was rolled back after an error");
	return st->depth > 0 ? st->doomed : 0;
}

int store_step(sqlite3_stmt *s)
{
	struct store *st = store_of(sqlite3_db_handle(s));
	int rc;

	if (!st)
		return (sqlite3_step)(s);
	if (st->depth == 0)
		st->why[0] = '\0';     /* a reason belongs to its transaction */
	if ((rc = doomed(st)))
		return rc;
	if ((rc = fault_hit(st, sqlite3_sql(s))))
		return outcome(st, rc, sqlite3_errstr(rc));
	rc = (sqlite3_step)(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? rc : outcome(st, rc, sqlite3_errmsg(st->db));
}

int store_schema_version(void)
{
	return (int)ARRAY_LEN(migrations);
}

const char *store_errmsg(struct store *st)
{
	return st->why[0] ? st->why : sqlite3_errmsg(st->db);
}

void store_fail(struct store *st, const char *what)
{
	log_error("store: %s: %s", what, store_errmsg(st));
}

static int exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc;

	if (strncmp(sql, "ROLLBACK", 8)) {      /* a rollback always runs */
		if ((rc = doomed(st)) || (rc = fault_hit(st, sql))) {
			outcome(st, rc, sqlite3_errstr(rc));
			log_error("store: %.40s: %s", sql, st->why);
			return -1;
		}
	}
	rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		outcome(st, rc, msg ? msg : sqlite3_errstr(rc));
		log_error("store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_version(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(struct store *st, int target, char *err, size_t errlen)
{
	int v = store_version(st);
	int rc = -1;

	if (v < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	if (v > store_schema_version()) {
		snprintf(err, errlen, "database schema %d is newer than this caucus (%d)",
			 v, store_schema_version());
		return -1;
	}
	if (v >= target)
		return 0;
	if (exec(st, "BEGIN IMMEDIATE"))
		goto fail;
	for (; v < target; v++) {
		char pragma[48];
		if (exec(st, migrations[v]))
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (exec(st, pragma))
			goto fail;
	}
	if (exec(st, "COMMIT"))
		goto fail;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "schema migration to version %d failed: %s", v + 1,
		 sqlite3_errmsg(st->db));
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
out:
	return rc;
}

static void on_change(void *ud, int op, const char *db, const char *table,
		      sqlite3_int64 rowid);

/* The file at path (created if missing) made 0600 when group or others
 * could use it, and said so: it keeps the access token and the log. */
static void private_file(const char *path, int create)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	struct stat sb;

	if (fd < 0)
		return;         /* sqlite says why, if it matters */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077)) {
		if (fchmod(fd, 0600) == 0)
			log_warn("store: %s could be read by others (mode %03o); it is now 0600",
				 path, (unsigned)(sb.st_mode & 0777));
		else
			log_error("store: %s can be read by others (mode %03o) and cannot be "
				  "made 0600: %s", path, (unsigned)(sb.st_mode & 0777),
				  strerror(errno));
	}
	close(fd);
}

static void private_files(const char *path)
{
	static const char *const side[] = { "-wal", "-shm", "-journal" };

	if (!*path || !strcmp(path, ":memory:") || !strncmp(path, "file:", 5))
		return;
	private_file(path, 1);
	for (size_t i = 0; i < ARRAY_LEN(side); i++) {
		char *p = xasprintf("%s%s", path, side[i]);
		private_file(p, 0);
		free(p);
	}
}

struct store *store_open_at_version(const char *path, int version, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));

	private_files(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	st->path = xstrdup(path);
	st->next_open = open_stores;
	open_stores = st;
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_update_hook(st->db, on_change, st);
	/* secure_delete: what is deleted (a redacted message, its index terms)
	 * is overwritten, not left in free pages of the file; a 1 MiB page
	 * cache (not sqlite's 2 MiB): the OS caches the file anyway, and a
	 * 90,000-event backlog went no slower */
	if (exec(st, "PRAGMA journal_mode = WAL") || exec(st, "PRAGMA foreign_keys = ON") ||
	    exec(st, "PRAGMA synchronous = NORMAL") || exec(st, "PRAGMA secure_delete = ON") ||
	    exec(st, "PRAGMA cache_size = -1024") ||
	    exec(st, "PRAGMA wal_autocheckpoint = 4000")) {
		snprintf(err, errlen, "cannot set up '%s': %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (migrate(st, version, err, errlen))
		goto fail;
	if (store_log_register(st)) {
		snprintf(err, errlen, "cannot set up '%s': no full-text ranking", path);
		goto fail;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	return store_open_at_version(path, store_schema_version(), err, errlen);
}

char *store_file_identity(struct store *st)
{
	struct stat sb;

	if (!st->path || !strcmp(st->path, ":memory:") || stat(st->path, &sb))
		return NULL;
	return xasprintf("%llu:%llu", (unsigned long long)sb.st_dev,
			 (unsigned long long)sb.st_ino);
}

void store_close(struct store *st)
{
	struct cached_stmt *c, *next;

	if (!st)
		return;
	for (struct store **pp = &open_stores; *pp; pp = &(*pp)->next_open)
		if (*pp == st) {
			*pp = st->next_open;
			break;
		}
	if (fault.db && fault.db == st->db)
		fault.db = NULL;
	store_spoke_drop(st);
	store_room_issue_forget(st);
	for (c = st->stmts; c; c = next) {
		next = c->next;
		sqlite3_finalize(c->stmt);
		free(c);
	}
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
	struct cached_stmt *c, *prev;

	/* by address first (a literal is one string), by text only if that fails */
	for (int by_text = 0; by_text < 2; by_text++) {
		for (c = st->stmts, prev = NULL; c; prev = c, c = c->next) {
			if (c->sql != sql && (!by_text || strcmp(c->sql, sql)))
				continue;
			if (prev) {     /* move to front: hot statements stay cheap */
				prev->next = c->next;
				c->next = st->stmts;
				st->stmts = c;
			}
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return c->stmt;
		}
	}
	c = xcalloc(1, sizeof(*c));
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt, NULL) !=
	    SQLITE_OK) {
		log_error("store: cannot prepare '%.60s': %s", sql, sqlite3_errmsg(st->db));
		free(c);
		return NULL;
	}
	c->sql = sql;
	c->next = st->stmts;
	st->stmts = c;
	return c->stmt;
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_i64(sqlite3_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(s, i, v);
}

char *store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

int store_exec_text(struct store *st, const char *sql, const char *text)
{
	sqlite3_stmt *s = store_stmt(st, sql);

	if (!s)
		return -1;
	store_bind_text(s, 1, text);
	return store_exec_stmt(st, s);
}

int store_exec_stmt(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_error("store: '%.80s': %s", sqlite3_sql(s), store_errmsg(st));
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

int store_in_transaction(const struct store *st)
{
	return st->depth > 0;
}

/* Every row this connection changes: a change to issues forgets the kept
 * room_issue() answer (store_int.h). */
static void on_change(void *ud, int op, const char *db, const char *table,
		      sqlite3_int64 rowid)
{
	(void)op;
	(void)db;
	(void)rowid;
	if (table[0] == 'i' && !strcmp(table, "issues"))
		store_room_issue_forget(ud);
}

int store_begin(struct store *st)
{
	char sql[40];

	if (st->depth >= STORE_DEPTH_MAX) {
		log_error("store: more than %d nested transactions", STORE_DEPTH_MAX);
		return -1;
	}
	if (st->depth == 0) {
		st->why[0] = '\0';
		if (exec(st, "BEGIN IMMEDIATE"))
			return -1;
		st->fts_from = 0;
		store_room_issue_forget(st);
	} else {
		/* what a rollback of the savepoint may drop is only its own */
		if (store_spoke_flush(st))
			return -1;
		snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", st->depth);
		if (exec(st, sql))
			return -1;
	}
	st->fts_saved[st->depth] = st->fts_from;
	st->depth++;
	return 0;
}

int store_fts_sync(struct store *st)
{
	sqlite3_stmt *s;

	if (!st->fts_from)
		return 0;
	s = store_stmt(st, "INSERT INTO log_fts(rowid, body) SELECT id, body FROM log "
			   "WHERE id >= ? ORDER BY id");
	if (!s)
		return -1;
	store_bind_i64(s, 1, st->fts_from);
	if (store_exec_stmt(st, s))
		return -1;
	st->fts_from = 0;
	return 0;
}

int store_fts_merge(struct store *st)
{
	st->fts_dirty = 0;
	return exec(st, "INSERT INTO log_fts(log_fts) VALUES ('optimize')") ? -1 : 0;
}

int store_commit(struct store *st)
{
	char sql[40];

	if (st->depth <= 0)
		return -1;
	if (st->depth == 1) {
		/* a failed COMMIT (BUSY) would leave the transaction open, and a
		 * caller that does not roll back would run all later work in it,
		 * never committed: the outermost level is closed either way.
		 * Deleted terms are merged out of the index once per transaction,
		 * not once per redaction (store_log.c: fts_forget). */
		if (store_spoke_flush(st) || store_fts_sync(st) ||
		    (st->fts_dirty && store_fts_merge(st)) || exec(st, "COMMIT")) {
			store_rollback(st);
			return -1;
		}
	} else {
		snprintf(sql, sizeof(sql), "RELEASE sp%d", st->depth - 1);
		if (exec(st, sql))
			return -1;
	}
	st->depth--;
	if (st->depth == 0)
		store_room_issue_forget(st);
	return 0;
}

int store_rollback(struct store *st)
{
	char sql[64];
	int rc;

	if (st->depth <= 0)
		return -1;
	if (sqlite3_get_autocommit(st->db)) {
		rc = st->depth == 1 ? 0 : -1;   /* sqlite rolled it all back already */
	} else if (st->depth == 1) {
		rc = exec(st, "ROLLBACK");
	} else {
		/* an inner level cannot undo a doomed transaction */
		snprintf(sql, sizeof(sql), "ROLLBACK TO sp%d; RELEASE sp%d", st->depth - 1,
			 st->depth - 1);
		rc = exec(st, sql);
	}
	st->depth--;
	st->fts_from = st->fts_saved[st->depth];        /* its rows are gone */
	store_spoke_drop(st);   /* all written since the savepoint opened */
	store_room_issue_forget(st);
	if (st->depth == 0) {
		st->doomed = 0;         /* the reason stays for store_errmsg() */
		st->fts_dirty = 0;      /* nothing was deleted after all */
		st->fts_from = 0;
	}
	else if (st->doomed)
		rc = -1;
	return rc;
}

char *store_meta_get(struct store *st, const char *key)
{
	sqlite3_stmt *s = store_stmt(st, "SELECT value FROM meta WHERE key = ?");
	char *v = NULL;

	if (!s)
		return NULL;
	store_bind_text(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = store_col_text(s, 0);
	sqlite3_reset(s);
	return v;
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO meta(key, value) VALUES (?, ?) "
					 "ON CONFLICT(key) DO UPDATE SET value = excluded.value");

	if (!s)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, value);
	return store_exec_stmt(st, s);
}
