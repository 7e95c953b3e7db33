/*
 * e2ee_int.h - what the e2ee*.c files share and nobody else sees: the
 * struct behind 'struct e2ee', its network jobs, the account helpers and
 * small JSON helpers.  The rest of the daemon sees only e2ee.h.
 */
#ifndef CAUCUS_E2EE_INT_H
#define CAUCUS_E2EE_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "e2ee.h"
#include "util.h"

#define OLM_ALGO "m.olm.v1.curve25519-aes-sha2"
#define MEGOLM_ALGO "m.megolm.v1.aes-sha2"
#define ROTATION_MS_DEFAULT ((int64_t)7 * 86400 * 1000)
#define ROTATION_MSGS_DEFAULT 100

enum job { J_UPLOAD, J_QUERY, J_CLAIM, J_TODEVICE, J_XSIGN, J_COUNT };

/* A device we could not get a one-time key for: skipped until 'until'. */
struct nokey {
	char *id;               /* "user\ndevice" */
	int64_t until;
	struct nokey *next;
};

/* A (room, session) whose key came in this batch. */
struct ready {
	char *room_id;
	char *session_id;
	struct ready *next;
};

struct e2ee {
	struct store *st;
	struct mx_api *api;
	struct loop *loop;
	char *me;
	char *device;
	char *password;
	char *key;              /* pickle key (secret) */
	struct crypto_pickle_key pk;
	char curve[CRYPTO_KEY_LEN + 1];
	char ed[CRYPTO_KEY_LEN + 1];
	void (*progress)(void *ud);
	void *progress_ud;

	struct mx_http_req *req[J_COUNT];
	int failures[J_COUNT];
	struct loop_timer *timer[J_COUNT];
	struct job_ref {
		struct e2ee *e;
		enum job j;
	} refs[J_COUNT];
	struct loop_timer *progress_timer;

	int64_t otk_count;      /* on the server, -1 unknown */
	int fallback_ok;        /* the server has an unused fallback key */
	unsigned upload_epoch;  /* uploads finished */
	unsigned sync_epoch;    /* upload_epoch when the current /sync started */
	int upload_fallback;    /* the upload in flight carries a fallback key */

	/* the query in flight */
	struct strv q_users;
	int64_t *q_gens;

	int xsign_step;         /* 0 look, 1 upload keys, 2 sign device, 3 done */
	int xsign_uia;          /* the password was offered once */

	int64_t todevice_id;    /* the queued to-device send in flight */
	struct nokey *nokeys;
	struct strv claim_ids;  /* the claim in flight: "user\ndevice" */
	struct ready *ready;
	struct pending_row *ready_rows;
	size_t n_ready_rows, i_ready_row;
};

static inline const cJSON *jget(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static inline const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = jget(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A count from the server (one-time keys): 0 unless a number in range, so
 * a hostile 1e300 is never converted (undefined behaviour). */
static inline int64_t jcount(const cJSON *n)
{
	return cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 1e9 ?
	       (int64_t)n->valuedouble : 0;
}

static inline int str_is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* cJSON text of o, or abort (out of memory is fatal in one place). */
static inline char *print(const cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (!s)
		abort();
	return s;
}

/* ---------- e2ee.c ---------- */

/* The device's Olm account from the store (caller frees with
 * crypto_account_free), or NULL (logged). */
struct crypto_account *account_load(struct e2ee *e);
/* Pickle a into the store, in the caller's transaction.  0 or -1. */
int account_save(struct e2ee *e, struct crypto_account *a);
/* The number in meta row 'key', 0 when missing. */
int meta_int(struct e2ee *e, const char *key);
/* Tell the outbox, from the loop (never from inside its own call). */
void progress(struct e2ee *e);
/* Job j failed (what, why are logged): try again after a backoff. */
void job_failed(struct e2ee *e, enum job j, const char *what, const char *why);
/* Start job j if it is due and neither in flight nor backing off. */
void kick_job(struct e2ee *e, enum job j);
/* Run fn inside a transaction; 0 or -1 (rolled back). */
int in_txn(struct e2ee *e, int (*fn)(struct e2ee *e, void *arg), void *arg);

/* ---------- e2ee_publish.c ---------- */

/* 1 when keys must be published: never yet, few one-time keys left on the
 * server, or the fallback key used. */
int upload_due(struct e2ee *e);
/* POST /keys/upload what is due (J_UPLOAD). */
void start_upload(struct e2ee *e);
/* The next step of cross-signing this device (J_XSIGN, e->xsign_step). */
void start_xsign(struct e2ee *e);

/* ---------- e2ee_devices.c ---------- */

/* A /keys/query answer for the users in e->q_users (their generations in
 * e->q_gens), checked device by device, in the caller's transaction. */
int devices_apply(struct e2ee *e, const cJSON *resp);
/* POST /keys/query for the outdated device lists (J_QUERY). */
void start_query(struct e2ee *e);

/* ---------- e2ee_recv.c ---------- */

/* One m.room.encrypted to-device event, in the sync batch's transaction:
 * room keys are kept, what cannot be read is logged.  -1 only on a store
 * failure. */
int to_device_encrypted(struct e2ee *e, const cJSON *ev);

/* ---------- e2ee_send.c ---------- */

/* Send the head of the to-device queue (J_TODEVICE): 1 started, 0 the
 * queue is empty, -1 error (retried by the job's timer). */
int start_todevice(struct e2ee *e);

#endif
