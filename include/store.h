/*
 * store.h - all persistent state lives in one sqlite file (SPEC §3).  This
 * is the core: open, schema migrations, transactions and the small
 * key/value meta table.  The per-topic queries live in store_issue.c,
 * store_session.c, store_log.c, store_room.c and store_due.c, declared in
 * their own headers; only the store*.c files include <sqlite3.h>.
 * Every query is a prepared statement with bound parameters: no SQL is ever
 * assembled from user text.
 */
#ifndef CAUCUS_STORE_H
#define CAUCUS_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* The schema version store_open() migrates to. */
int store_schema_version(void);

/*
 * Open (creating if missing) the database at 'path' (":memory:" works),
 * made 0600 (an existing file others could read is fixed, with a log
 * line), turn on WAL, foreign keys and secure_delete, and migrate it to
 * the current schema.
 * Returns NULL and writes a reason into err on failure.  Free with
 * store_close().
 */
struct store *store_open(const char *path, char *err, size_t errlen);

/* Same, but migrate only up to 'version' (tests of migrations). */
struct store *store_open_at_version(const char *path, int version, char *err,
				    size_t errlen);
void store_close(struct store *st);     /* NULL is a no-op */

/* The identity of the database file ("device:inode"), which a copy of it
 * does not share; NULL for an in-memory one.  Caller frees. */
char *store_file_identity(struct store *st);

/* The current PRAGMA user_version. */
int store_version(struct store *st);

/*
 * Transactions nest: the outermost store_begin() is BEGIN IMMEDIATE, inner
 * ones are savepoints.  store_commit() releases the innermost level,
 * store_rollback() undoes it.  Each returns 0 or -1.  When the outermost
 * commit fails, the transaction is rolled back (a store_rollback() after
 * it is a harmless -1).  After a transient error (busy, I/O, disk full)
 * inside a transaction, every statement fails until the outermost
 * rollback: nothing of such a transaction can be committed.
 */
int store_begin(struct store *st);
/* 1 inside a transaction (store_begin not yet ended), else 0. */
int store_in_transaction(const struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);

/* Key/value meta (sync token, device ID, ...).  store_meta_get returns a
 * copy the caller frees, or NULL when the key is absent. */
char *store_meta_get(struct store *st, const char *key);
int store_meta_set(struct store *st, const char *key, const char *value);

/* The last sqlite error message (owned by the store). */
const char *store_errmsg(struct store *st);

/*
 * Fault injection, SQLite's way, for tests only (nothing else arms it, so
 * the daemon never pays more than one comparison per statement).  Armed,
 * the store counts the statements it runs on st - every step, and every
 * BEGIN, SAVEPOINT, COMMIT and RELEASE; ROLLBACK never fails - and makes
 * the nth (1-based; 0: only count) fail with the given error.  BUSY fails
 * the statement alone; IOERR and FULL also roll the whole transaction
 * back, which is what sqlite may do for them.  One store is armed at a
 * time; arming another disarms the first.
 */
enum store_fault { STORE_FAULT_BUSY, STORE_FAULT_IOERR, STORE_FAULT_FULL };
void store_fault_arm(struct store *st, int nth, enum store_fault code);
void store_fault_disarm(void);
int store_fault_seen(void);     /* statements counted since arming */
int store_fault_fired(void);    /* 1 once the nth statement has failed */
const char *store_fault_what(void);     /* its SQL (for messages), or "" */

#endif
