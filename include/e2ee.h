/*
 * e2ee.h - end-to-end encryption for the daemon (Matrix spec v1.12, "End-
 * to-End Encryption" and "Send-to-Device"): the bot's device identity and
 * its published keys, the device lists of the people in encrypted rooms,
 * decrypting what arrives (Olm to-device, Megolm in rooms) and sealing
 * what the outbox sends, with room keys shared first.  Cross-signs its own
 * device so that clients which exclude unsigned devices still talk to it.
 *
 * State lives in the store, written in the caller's transaction where a
 * sync batch is concerned (keys and the token kept together), and in
 * transactions of its own for its network work.  No libolm object lives
 * across calls: each operation loads its pickles and writes them back, so
 * a rolled-back transaction leaves nothing stale in memory.
 */
#ifndef CAUCUS_E2EE_H
#define CAUCUS_E2EE_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct e2ee;
struct loop;
struct mx_api;
struct store;

/*
 * The bot's device (user_id, device_id) in st: reads the pickle key file
 * (created with mode 0600 when missing), loads the device's Olm account or
 * creates one.  password (may be NULL) answers the server's password
 * question when cross-signing keys are uploaded.  NULL with a reason in err.
 */
struct e2ee *e2ee_new(struct store *st, struct mx_api *api, struct loop *loop,
		      const char *key_file, const char *user_id, const char *device_id,
		      const char *password, char *err, size_t errlen);
void e2ee_free(struct e2ee *e);        /* cancels its calls; NULL is a no-op */
/*
 * The account's recovery key, from path (mode 0600, as Element shows it),
 * for an account whose cross-signing identity another client made: the
 * self-signing key is read from secret storage and signs this device.  A
 * bad file is logged with its cause and the device stays as it is.  Call
 * before the first e2ee_kick().
 */
void e2ee_set_recovery_key_file(struct e2ee *e, const char *path);

/* Called when sharing keys made progress (a room may now be sealed). */
void e2ee_on_progress(struct e2ee *e, void (*fn)(void *ud), void *ud);
/* Called, inside the sync batch's transaction, once per sender and session
 * whose room key the sender's client withheld (m.room_key.withheld), with
 * the message to answer and what to tell the sender; returns 0 or -1 (the
 * batch is then rolled back). */
void e2ee_on_withheld(struct e2ee *e,
		      int (*fn)(void *ud, const char *room_id, const char *event_id,
				const char *sender, const char *text),
		      void *ud);

/* Do whatever network work is due: publish keys, top up one-time keys,
 * cross-sign, refresh outdated device lists, send queued to-device
 * messages.  Call after each committed sync batch. */
void e2ee_kick(struct e2ee *e);
/* A /sync request is starting (its key counts are then trustworthy). */
void e2ee_sync_started(struct e2ee *e);

/*
 * e as the sync layer's peer (mx_sync.h): *out (the caller's, kept while
 * e lives) gets e2ee_sync_prepare, e2ee_take_ready and e2ee_decrypt, so
 * the batch walk calls them in order and the daemon never sees the JSON.
 */
struct mx_sync_crypto;
void e2ee_sync_peer(struct e2ee *e, struct mx_sync_crypto *out);

/*
 * Inside a sync batch's transaction.  e2ee_sync_prepare reads the batch's
 * to-device events (room keys), device list changes and key counts (root
 * is the /sync answer).  Then e2ee_take_ready hands out, one at a time,
 * events that were waiting for a key that just came (1, with the room and
 * the event as JSON text, caller frees; 0 when none; -1 on error).  Each
 * returns -1 only when the store failed (the batch must be retried).
 */
int e2ee_sync_prepare(struct e2ee *e, const struct cJSON *root, int64_t now_ms);
int e2ee_take_ready(struct e2ee *e, char **room_id, char **event);
/* The batch was rolled back: forget what it taught. */
void e2ee_rollback(struct e2ee *e);


/*
 * A room event of type m.room.encrypted: *out gets the decrypted event
 * (caller frees with cJSON_Delete), or NULL when it cannot be read now
 * (kept until its key comes when the key is missing; logged when it is
 * bad).  -1 only on a store failure.
 */
int e2ee_decrypt(struct e2ee *e, const char *room_id, const struct cJSON *ev, int64_t now_ms,
		 struct cJSON **out);
/* m.room.encryption state (content as JSON text) and membership changes. */
int e2ee_room_encryption(struct e2ee *e, const char *room_id, const char *content);
int e2ee_member(struct e2ee *e, const char *room_id, const char *user_id,
		const char *membership);
/* A redaction in room_id of event_id: if that event of that room still
 * waits for its key, it is forgotten (so it is never read later).  0/-1. */
int e2ee_redacted(struct e2ee *e, const char *room_id, const char *event_id);

/*
 * Events still unreadable after waiting since before before_ms: the
 * first of each (room, sender, session) into the callback (to answer that
 * it could not be read), but at most one per sender and room every
 * E2EE_TELL_EVERY_MS (inventing session IDs does not make the bot post
 * more); all of them are forgotten.  In the caller's transaction.  0 or -1.
 */
#define E2EE_TELL_EVERY_MS ((int64_t)15 * 60 * 1000)
int e2ee_expire(struct e2ee *e, int64_t before_ms,
		int (*fn)(void *ud, const char *room_id, const char *event_id,
			  const char *sender),
		void *ud);

/*
 * Before sending to room_id: 0 when the room is not encrypted or every
 * device of its members has the room key (seal now), 1 when keys are
 * being fetched or shared (the progress callback fires later), -1 on error.
 */
int e2ee_prepare(struct e2ee *e, const char *room_id);
/* Encrypt (type, content JSON) for room_id in the caller's transaction;
 * *sealed gets the m.room.encrypted content (caller frees).  0 or -1. */
int e2ee_seal(struct e2ee *e, const char *room_id, const char *type, const char *content,
	      char **sealed);

#endif
