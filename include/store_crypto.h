/*
 * store_crypto.h - the tables behind end-to-end encryption (schema step
 * 3): Olm sessions, Megolm sessions in and out, who a room key went to,
 * the device lists of the people in encrypted rooms, events waiting for
 * their key, and the queue of to-device sends.  Pickles arrive here
 * already encrypted (crypto.h); this file only keeps rows.  Every write
 * happens inside the caller's transaction, so a sync batch's keys and its
 * token are kept together.  Strings returned are the caller's to free.
 */
#ifndef CAUCUS_STORE_CRYPTO_H
#define CAUCUS_STORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* --- rooms --- */
/* Mark room_id encrypted (for good) with its rotation settings (<= 0 =
 * the defaults). */
int store_room_set_encrypted(struct store *st, const char *room_id, int64_t rotation_ms,
			     int64_t rotation_msgs);
/* 1 when encrypted, 0 when not, -1 on error; the rotation settings into
 * *ms and *msgs (may be NULL; 0 when unset). */
int store_room_encrypted(struct store *st, const char *room_id, int64_t *ms, int64_t *msgs);
/* The joined and invited members of room_id. */
int store_room_recipients(struct store *st, const char *room_id, struct strv *users);

/* --- Olm sessions --- */
struct olm_row {
	char *session_id;
	char *pickle;
};
/* Sessions with the device whose identity key is curve, most recently
 * used first, into *rows (free with store_olm_rows_free). */
int store_olm_sessions(struct store *st, const char *curve, struct olm_row **rows, size_t *n);
void store_olm_rows_free(struct olm_row *rows, size_t n);
/* Insert or update; used_ms orders them. */
int store_olm_put(struct store *st, const char *session_id, const char *curve,
		  const char *pickle, int64_t now_ms);

/* --- Megolm, receiving --- */
struct megolm_in {
	char *sender;
	char *sender_key;
	char *ed25519;
	int64_t first_index;
	char *pickle;
};
/* 1 and *m filled, 0 when absent, -1 on error. */
int store_megolm_in_get(struct store *st, const char *room_id, const char *session_id,
			struct megolm_in *m);
void store_megolm_in_release(struct megolm_in *m);
int store_megolm_in_put(struct store *st, const char *room_id, const char *session_id,
			const struct megolm_in *m);
/* Replay check: 0 when (session_id, index) is new or was event_id (it is
 * recorded), 1 when another event used that index, -1 on error. */
int store_megolm_seen(struct store *st, const char *session_id, int64_t index,
		      const char *event_id);

/* --- Megolm, sending --- */
struct megolm_out {
	char *session_id;
	char *pickle;
	int64_t created_ms;
	int64_t msgs;
	int invalid;
};
int store_megolm_out_get(struct store *st, const char *room_id, struct megolm_out *m);
void store_megolm_out_release(struct megolm_out *m);
int store_megolm_out_put(struct store *st, const char *room_id, const struct megolm_out *m);
/* The next message in room_id needs a new session (a member left). */
int store_megolm_out_invalidate(struct store *st, const char *room_id);
/* Devices the session's key went to, as "user_id\ndevice_id" strings. */
int store_megolm_shared(struct store *st, const char *session_id, struct strv *out);
int store_megolm_shared_add(struct store *st, const char *session_id, const char *user_id,
			    const char *device_id);

/* --- device lists --- */
struct device_row {
	char *user_id;
	char *device_id;
	char *ed25519;
	char *curve25519;
	int deleted;
};
/* user_id's devices (deleted ones too). */
int store_devices(struct store *st, const char *user_id, struct device_row **rows, size_t *n);
void store_device_rows_free(struct device_row *rows, size_t n);
/* 1 and *d filled (caller releases with store_device_rows_free(d, 1)
 * semantics: free its strings), 0 when unknown. */
int store_device_by_curve(struct store *st, const char *user_id, const char *curve,
			  struct device_row *d);
int store_device_put(struct store *st, const char *user_id, const char *device_id,
		     const char *ed25519, const char *curve25519, int deleted);

/* Users whose device lists are wanted (members of encrypted rooms and the
 * bot) get a row; their list is outdated until a query of their current
 * generation answered. */
int store_tracked_ensure(struct store *st, const char *user_id);
/* device_lists.changed: a new generation (only for tracked users). */
int store_tracked_changed(struct store *st, const char *user_id);
/* device_lists.left: we share no encrypted room with user_id any more. */
int store_tracked_forget(struct store *st, const char *user_id);
/* Every tracked user outdated (at start, when changes may have been missed). */
int store_tracked_all_outdated(struct store *st);
/* Outdated users and their generations (parallel arrays). */
int store_tracked_outdated(struct store *st, struct strv *users, int64_t **gens);
int store_tracked_fresh(struct store *st, const char *user_id, int64_t gen);
/* 1 when user_id's list is fresh. */
int store_tracked_is_fresh(struct store *st, const char *user_id);
/* Add every member of an encrypted room to the tracked users. */
int store_tracked_from_rooms(struct store *st);

/* --- events waiting for their key --- */
int store_pending_add(struct store *st, const char *event_id, const char *room_id,
		      const char *session_id, const char *sender, const char *event,
		      int64_t now_ms);
struct pending_row {
	char *event_id;
	char *room_id;
	char *session_id;
	char *sender;
	char *event;
};
/* Waiting events of (room_id, session_id), oldest first; or, with
 * room_id NULL, those that arrived before before_ms. */
int store_pending_list(struct store *st, const char *room_id, const char *session_id,
		       int64_t before_ms, struct pending_row **rows, size_t *n);
void store_pending_rows_free(struct pending_row *rows, size_t n);
int store_pending_del(struct store *st, const char *event_id);
/* 1 the first time (room_id, sender, session_id) is told, 0 after. */
int store_told_once(struct store *st, const char *room_id, const char *sender,
		    const char *session_id);

/* --- to-device queue --- */
int store_to_device_add(struct store *st, const char *txn_id, const char *event_type,
			const char *body);
/* The oldest queued send: 1 and its fields (caller frees), 0 when none. */
int store_to_device_head(struct store *st, int64_t *id, char **txn_id, char **event_type,
			 char **body);
int store_to_device_del(struct store *st, int64_t id);
/* 1 when sends are queued, 0 when none, -1 on error. */
int store_to_device_waiting(struct store *st);

#endif
