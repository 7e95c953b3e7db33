/*
 * store_int.h - what the store*.c files share and nobody else sees: the
 * struct behind 'struct store' and statement helpers.
 */
#ifndef CAUCUS_STORE_INT_H
#define CAUCUS_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

#define STORE_DEPTH_MAX 16      /* nested store_begin()s */
#define STORE_SPOKE_MAX 64      /* last_spoke times pending */

struct store {
	sqlite3 *db;
	int depth;              /* transaction nesting */
	int fts_dirty;          /* terms deleted: merge the index before COMMIT */
	/*
	 * The first log row not yet in log_fts, or 0: inside a transaction
	 * store_log_add() leaves the index rows to store_fts_sync(), run
	 * once for the whole batch at COMMIT and before anything reads the
	 * index or deletes or edits a row (log_ad/log_au touch it).  One
	 * statement per batch instead of one per message, and a command's
	 * savepoint no longer makes FTS5 flush a tiny segment.  Each
	 * savepoint keeps the value it started with, restored when it is
	 * rolled back (the rows and the index rows with it).
	 */
	int64_t fts_from;
	int64_t fts_saved[STORE_DEPTH_MAX];
	/*
	 * last_spoke times kept for the COMMIT (store_room.c): one row per
	 * member and room for a page, not one write per message.  Written
	 * before a savepoint opens and before last_spoke is read, so a
	 * rollback at any depth only drops what is pending.
	 */
	struct spoke {
		char *room_id, *user_id;
		int64_t ts_ms;
	} spoke[STORE_SPOKE_MAX];
	size_t n_spoke;
	/*
	 * The last room_issue() answer (store_issue.c), used only inside a
	 * transaction: BEGIN IMMEDIATE keeps every other connection from
	 * writing, and any change to the issues table on this one (the
	 * update hook) or the transaction's end forgets it.  A backlog's
	 * page asks for one room's issue with every message.
	 */
	char *ri_room;          /* NULL: nothing kept */
	int64_t ri_id;
	char *path;
	struct cached_stmt *stmts;      /* prepared once, see store_stmt() */
	int doomed;             /* the first transient error of this transaction, or 0 */
	char why[200];          /* its message */
	struct store *next_open;        /* every open store, see store_step() */
};

/* Index the log rows store_log_add() left pending (see fts_from); 0 or -1. */
int store_fts_sync(struct store *st);
/* Forget the kept room_issue() answer. */
void store_room_issue_forget(struct store *st);

/* Write the pending last_spoke times (0 or -1); drop them (rollback). */
int store_spoke_flush(struct store *st);
void store_spoke_drop(struct store *st);

/*
 * Prepare 'sql' (a string literal) once per connection and return the
 * cached statement, reset and with bindings cleared.  Never finalize it.
 * Returns NULL (and logs) on error.
 */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* Bind helpers: 'i' is 1-based.  A NULL text binds SQL NULL. */
void store_bind_text(sqlite3_stmt *s, int i, const char *v);
void store_bind_i64(sqlite3_stmt *s, int i, int64_t v);

/* Column text copied (caller frees), NULL for SQL NULL. */
char *store_col_text(sqlite3_stmt *s, int i);

/* Step a statement that returns no rows; 0 on SQLITE_DONE, else -1 (logged). */
int store_exec_stmt(struct store *st, sqlite3_stmt *s);

/* Run 'sql' (a literal taking one text parameter, returning no rows). */
int store_exec_text(struct store *st, const char *sql, const char *text);

/* Log a sqlite failure with the statement's SQL. */
void store_fail(struct store *st, const char *what);

/*
 * Every sqlite3_step() of the store*.c files goes through store_step():
 * after a transient error (disk full, I/O, busy) inside a transaction it
 * fails every statement until the outermost rollback - sqlite may have
 * ended the transaction already, and a caller that took the error for
 * "no row" must not commit half of its work - and it counts statements
 * for store_fault_arm().  The macro keeps the per-topic files unchanged.
 */
int store_step(sqlite3_stmt *s);
#define sqlite3_step(s) store_step(s)

/* Rewrite the full-text index without the terms deleted from it (FTS5
 * keeps them in old segments until a merge; with secure_delete the freed
 * pages are zeroed).  Returns 0 or -1. */
int store_fts_merge(struct store *st);

/* Register caucus_rank(), the search's ranking (store_log.c), on the
 * store's connection.  Returns 0 or -1. */
int store_log_register(struct store *st);

#endif
