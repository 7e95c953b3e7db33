/*
 * store_doc.h - files shared in issue rooms and the documents the group
 * follows (SPEC §1 "document", §3 "Documents"): what a kind 'file' log
 * entry points at, and one row per revision of a document seen, from
 * !doc or from a shared file whose name holds the symbol.  Both hang on
 * a log entry, so a redaction (or retention) removes them with it.
 * Knows nothing of Matrix or of commands; symbols are parsed by docsym.
 */
#ifndef CAUCUS_STORE_DOC_H
#define CAUCUS_STORE_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct docsym;

/* What a kind 'file' log entry points at.  url is the mxc:// URI only
 * (an encrypted file's key, iv and hashes are never given here); size is
 * -1 and mimetype NULL when unknown.  Keeps none of its arguments.
 * Returns 0, 1 when the entry's file was kept already (a replayed event),
 * or -1. */
int store_file_add(struct store *st, int64_t log_id, const char *msgtype, const char *name,
		   const char *url, int64_t size, const char *mimetype, int encrypted);

/* The text an edit of event_id's message leaves in the log when that
 * message is a kept file: "<name> — <caption>", so the name stays
 * searchable; NULL when it is no file (or on error).  Caller frees. */
char *store_file_edit_text(struct store *st, const char *event_id, const char *caption);

/* A revision seen: symbol parsed by docsym, title and url may be NULL,
 * file_log_id 0 when no file.  log_id is the entry it hangs on.  *id_out
 * (may be NULL) gets its ID.  Returns 0 or -1. */
int store_doc_add(struct store *st, int64_t issue_id, int64_t log_id, const char *room_id,
		  const struct docsym *sym, const char *title, const char *url,
		  int64_t file_log_id, const char *sender, int64_t ts_ms, int64_t *id_out);

/* One revision (or, for store_doc_files, one file with no document). */
struct doc_rev {
	int64_t id;
	int64_t issue_id;
	char *issue;            /* the issue's slug */
	char *room_id;
	char *doc_key;
	char *doc;              /* "DT/64" */
	char *symbol;           /* "DT/64(Rev.2)" */
	int rev;
	char *title;            /* this one's, else the latest given for the document */
	char *url;              /* may be NULL */
	char *file_name;        /* the shared file, or NULL */
	char *file_url;         /* its mxc:// URI, or NULL */
	char *sender;
	int64_t ts_ms;
	int64_t changed_ms;     /* store_doc_current: the document's latest change */
};

struct doc_rev_list {
	struct doc_rev *v;
	size_t n;
};
void store_doc_list_release(struct doc_rev_list *l);   /* frees, resets */

/*
 * Reads: each appends to out and returns 0 or -1.  'viewer' (NULL: no
 * filter) keeps only rows kept in a room that user is a joined member of
 * (SPEC §4).
 */
/* The current revision (highest Rev., latest among equals) of each
 * document of issue_id, the latest change first, at most limit;
 * *total (may be NULL) gets how many documents there are. */
int store_doc_current(struct store *st, int64_t issue_id, const char *viewer, size_t limit,
		      struct doc_rev_list *out, size_t *total);
/* Every revision of the document doc_key of issue_id, highest first. */
int store_doc_history(struct store *st, int64_t issue_id, const char *doc_key,
		      const char *viewer, struct doc_rev_list *out);
/* Revisions of issue_id recorded in [since_ms, until_ms), oldest first,
 * at most limit; room_id (may be NULL) keeps only those kept in that room. */
int store_doc_range(struct store *st, int64_t issue_id, const char *room_id,
		    const char *viewer, int64_t since_ms, int64_t until_ms, size_t limit,
		    struct doc_rev_list *out);
/* Files shared in issue_id's rooms that are no document's, newest first
 * (doc_key, doc, symbol are ""; file_name and file_url set). */
int store_doc_files(struct store *st, int64_t issue_id, const char *viewer, size_t limit,
		    struct doc_rev_list *out, size_t *total);

#endif
