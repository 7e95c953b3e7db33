/*
 * e2ee_int.h - what the e2ee*.c files share and nobody else sees: the
 * struct behind 'struct e2ee', its network jobs, the account helpers and
 * small JSON helpers.  The rest of the daemon sees only e2ee.h.  Every
 * name shared here starts with e2ee_ like the public ones.
 */
#ifndef CAUCUS_E2EE_INT_H
#define CAUCUS_E2EE_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "e2ee.h"
#include "json_get.h"
#include "loop.h"
#include "util.h"

#define OLM_ALGO "m.olm.v1.curve25519-aes-sha2"
#define MEGOLM_ALGO "m.megolm.v1.aes-sha2"
#define ROTATION_MS_DEFAULT ((int64_t)7 * 86400 * 1000)
#define ROTATION_MSGS_DEFAULT 100

enum job { J_UPLOAD, J_QUERY, J_CLAIM, J_TODEVICE, J_XSIGN, J_UNWEDGE, J_COUNT };

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
	uint64_t timer[J_COUNT];
	struct job_ref {
		struct e2ee *e;
		enum job j;
	} refs[J_COUNT];
	uint64_t progress_timer;
	uint64_t fallback_timer;        /* the fallback key's rotation */

	int64_t otk_count;      /* on the server, -1 unknown */
	int fallback_ok;        /* the server has an unused fallback key */
	unsigned upload_epoch;  /* uploads finished */
	unsigned sync_epoch;    /* upload_epoch when the current /sync started */
	int upload_fallback;    /* the upload in flight carries a fallback key */

	/* the query in flight */
	struct strv q_users;
	int64_t *q_gens;

	int xsign_step;         /* 0 look, 1 upload keys, 2 sign device, 3 done; 10-12
				 * read the self-signing key from secret storage */
	int xsign_uia;          /* the password was offered once */
	/* an identity made elsewhere, opened with the recovery key (secrets) */
	unsigned char rk[CRYPTO_SSSS_KEY_LEN];
	int rk_ok;              /* rk holds the key; or a phrase waits in rk_phrase */
	char *rk_phrase;        /* a security phrase, until its key is derived */
	char *rk_phrase_err;    /* why it is no recovery key */
	char *ssss_key_id;
	char ssk_pub[CRYPTO_KEY_LEN + 1];       /* the published self-signing key */
	unsigned char ssk_seed[CRYPTO_SEED_LEN];
	int ssk_have;

	int64_t todevice_id;    /* the queued to-device send in flight */
	struct nokey *nokeys;
	struct strv claim_ids;  /* the claim in flight: "user\ndevice" */
	struct ready *ready;
	struct pending_row *ready_rows;
	size_t n_ready_rows, i_ready_row;

	/* withheld room keys (e2ee_withheld.c) */
	struct withheld *withheld;
	size_t n_withheld;
	int (*withheld_fn)(void *ud, const char *room_id, const char *event_id,
			   const char *sender, const char *text);
	void *withheld_ud;
	unsigned n_key_requests;        /* refused so far (for the log) */

	/* broken Olm channels (e2ee_unwedge.c) */
	struct unwedge *unwedge;
	size_t n_unwedge;
	struct strv unwedge_ids;        /* the claim in flight: "user\ndevice" */
};

/* Job j waits for its timer to try again after a failure. */
static inline int e2ee_backing_off(const struct e2ee *e, enum job j)
{
	return loop_timer_pending(e->loop, e->timer[j]);
}

/* A count from the server (one-time keys): 0 unless a number in range, so
 * a hostile 1e300 is never converted (undefined behaviour). */
static inline int64_t e2ee_jcount(const cJSON *n)
{
	return cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 1e9 ?
	       (int64_t)n->valuedouble : 0;
}

static inline int e2ee_str_is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* cJSON text of o, or abort (out of memory is fatal in one place). */
static inline char *e2ee_print(const cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (!s)
		abort();
	return s;
}

/* ---------- e2ee.c ---------- */

/* The device's Olm account from the store (caller frees with
 * crypto_account_free), or NULL (logged). */
struct crypto_account *e2ee_account_load(struct e2ee *e);
/* Pickle a into the store, in the caller's transaction.  0 or -1. */
int e2ee_account_save(struct e2ee *e, struct crypto_account *a);
/* The number in meta row 'key', 0 when missing. */
int e2ee_meta_int(struct e2ee *e, const char *key);
/* Tell the outbox, from the loop (never from inside its own call). */
void e2ee_progress(struct e2ee *e);
/* Job j failed (what, why are logged): try again after a backoff. */
void e2ee_job_failed(struct e2ee *e, enum job j, const char *what, const char *why);
/* Start job j if it is due and neither in flight nor backing off. */
void e2ee_kick_job(struct e2ee *e, enum job j);
/* Run fn inside a transaction; 0 or -1 (rolled back). */
int e2ee_in_txn(struct e2ee *e, int (*fn)(struct e2ee *e, void *arg), void *arg);

/* ---------- e2ee_publish.c ---------- */

/* 1 when keys must be published: never yet, few one-time keys left on the
 * server, or the fallback key used. */
int e2ee_upload_due(struct e2ee *e);
/* POST /keys/upload what is due (J_UPLOAD). */
void e2ee_start_upload(struct e2ee *e);
/* The next step of cross-signing this device (J_XSIGN, e->xsign_step). */
void e2ee_start_xsign(struct e2ee *e);
/* Forget the recovery key and what it opened. */
void e2ee_xsign_forget_secrets(struct e2ee *e);

/* ---------- e2ee_devices.c ---------- */

/* A /keys/query answer for the users in e->q_users (their generations in
 * e->q_gens), checked device by device, in the caller's transaction. */
int e2ee_devices_apply(struct e2ee *e, const cJSON *resp);
/* POST /keys/query for the outdated device lists (J_QUERY). */
void e2ee_start_query(struct e2ee *e);

/* ---------- e2ee_recv.c ---------- */

/* One m.room.encrypted to-device event, in the sync batch's transaction:
 * room keys are kept, what cannot be read is logged.  -1 only on a store
 * failure. */
int e2ee_to_device_encrypted(struct e2ee *e, const cJSON *ev);

/* ---------- e2ee_withheld.c ---------- */

/* An m.room_key.withheld to-device event, in the sync batch's transaction:
 * remembered, and a waiting message of that session answered.  -1 only
 * on a store failure. */
int e2ee_withheld_event(struct e2ee *e, const cJSON *ev);
/* A message of (room, session) from sender starts waiting for its key:
 * answered at once when its key was withheld.  0 or -1. */
int e2ee_withheld_check(struct e2ee *e, const char *room_id, const char *session_id,
		   const char *event_id, const char *sender);
void e2ee_withheld_clear(struct e2ee *e);
/* An m.room_key_request to-device event, in the sync batch's transaction:
 * refused with an m.room_key.withheld to the requesting device (ours
 * only).  -1 only on a store failure. */
int e2ee_key_request(struct e2ee *e, const cJSON *ev);
/* The answer for a withheld code (caller frees); device is the bot's. */
char *e2ee_withheld_text(const char *code, const char *device);

/* ---------- e2ee_send.c ---------- */

/* Send the head of the to-device queue (J_TODEVICE): 1 started, 0 the
 * queue is empty, -1 error (retried by the job's timer). */
int e2ee_start_todevice(struct e2ee *e);

/* A /keys/claim answer made into Olm sessions (the newest for each
 * device), in the caller's transaction; got lists "user\ndevice" of the
 * devices that have one now (caller releases).  0 or -1. */
struct claim_apply {
	const cJSON *resp;
	int made;
	struct strv got;
};
int e2ee_apply_claim(struct e2ee *e, void *arg);
struct device_row;
/* The to-device plaintext plain_tmpl (JSON text, recipient fields added)
 * Olm-encrypted for device d over its newest session: the message, or
 * NULL when it has no session (*fail = -1 on store failure). */
cJSON *e2ee_key_message(struct e2ee *e, const struct device_row *d, const char *plain_tmpl,
		   int *fail);
/* Queue the batch of m.room.encrypted messages (emptied; *n reset). */
int e2ee_queue_to_device(struct e2ee *e, cJSON *messages, int *n);

/* ---------- e2ee_unwedge.c ---------- */

/* An Olm message from sender's device sender_key that no session reads:
 * heal the channel (at most once an hour per device).  In the sync
 * batch's transaction; -1 only on a store failure. */
int e2ee_unwedge_note(struct e2ee *e, const char *sender, const char *sender_key);
/* POST /keys/claim for the devices to heal, then an m.dummy (J_UNWEDGE). */
void e2ee_start_unwedge(struct e2ee *e);
void e2ee_unwedge_clear(struct e2ee *e);

#endif
