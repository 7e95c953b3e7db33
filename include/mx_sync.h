/*
 * mx_sync.h - reading a /sync answer (spec v1.12 "Syncing"): the rooms the
 * bot is in, invited to and removed from, and each room's state and
 * timeline, handed event by event, in order, to a table of handlers.  The
 * Matrix details stop here: handlers get plain strings (reply fallbacks
 * already stripped, edits and threads already read).  Knows nothing of
 * commands or the store.
 *
 * A batch is parsed once; the gaps of its limited timelines are read from
 * /messages page by page, each page applied in a transaction of its own;
 * the batch itself is then applied in one go by the caller, inside one
 * transaction.  The end-to-end layer is a peer the walk calls
 * (struct mx_sync_crypto): the raw tree goes there, never to the caller.
 */
#ifndef CAUCUS_MX_SYNC_H
#define CAUCUS_MX_SYNC_H

#include <stddef.h>
#include <stdint.h>

/* An m.room.message as the bot reads it; valid during the handler only. */
struct mx_message {
	const char *room_id;
	const char *event_id;
	const char *sender;
	int64_t ts_ms;                  /* origin_server_ts when sane, else receipt */
	const char *msgtype;
	const char *body;               /* reply fallback stripped */
	const char *formatted_body;     /* <mx-reply> stripped; NULL when not HTML */
	const char *thread_root;        /* rel_type m.thread: the root, else NULL */
	const char *in_reply_to;        /* m.in_reply_to event, or NULL */
	const char *replaces;           /* m.replace: the edited event, and body and
					 * formatted_body are m.new_content's; else NULL */
	/* m.file, m.image, m.video, m.audio: what points at the file (spec
	 * "m.file"; of an encrypted one, "file.url" only, never its keys) */
	const char *file_url;           /* mxc://, or NULL when not a file */
	const char *file_name;          /* filename, else body */
	const char *file_caption;       /* body when filename differs, or NULL */
	const char *file_mimetype;      /* info.mimetype or NULL */
	int64_t file_size;              /* info.size, -1 when not given */
	int file_encrypted;
};

struct cJSON;

/*
 * The end-to-end layer, a peer of this one that it calls (e2ee.h fills one
 * in): the parts of a /sync answer that are not room events (to-device
 * events, device lists, key counts) are its to read, and the room events
 * it decrypts are read here like any other.  Each returns 0, or -1 to
 * abandon the batch; ud is its own.
 */
struct mx_sync_crypto {
	void *ud;
	/* The whole parsed answer, before any room event (in the batch's
	 * transaction): room keys, withheld keys, key requests, device lists. */
	int (*prepare)(void *ud, const struct cJSON *root);
	/* After prepare: an event that waited for a key that came, room and
	 * event (JSON text) the caller's to free; 1 one, 0 no more, -1 error. */
	int (*take_ready)(void *ud, char **room_id, char **event);
	/* *out gets the m.room.encrypted event ev decrypted (the caller frees
	 * it with cJSON_Delete; it is read as if it came in the clear, but only
	 * as a message) or NULL to skip it. */
	int (*decrypt)(void *ud, const char *room_id, const struct cJSON *ev,
		       struct cJSON **out);
};

/* Each handler returns 0, or -1 to abandon the batch (the caller rolls
 * back and retries it later).  A NULL handler skips those events. */
struct mx_sync_handler {
	void *ud;
	/* The end-to-end layer, or NULL: encrypted events are then skipped. */
	const struct mx_sync_crypto *crypto;
	/*
	 * An m.room.encrypted event the bot reads (not history from before it
	 * joined; event_id and sender NULL when missing): 1 to have crypto
	 * decrypt it, 0 to skip it.  NULL: every such event is decrypted.
	 */
	int (*encrypted)(void *ud, const char *room_id, const char *event_id,
			 const char *sender);
	/* m.room.encryption state; content as JSON text */
	int (*encryption)(void *ud, const char *room_id, const char *content);
	/* m.room.member; display_name may be NULL */
	int (*member)(void *ud, const char *room_id, const char *user_id,
		      const char *display_name, const char *membership);
	/* m.room.power_levels; content is the event's content as JSON text */
	int (*power_levels)(void *ud, const char *room_id, const char *content);
	int (*message)(void *ud, const struct mx_message *m);
	/* m.reaction with rel_type m.annotation (spec "Reactions"): 'key' by
	 * sender on 'relates_to' (in an encrypted room the relation is read
	 * from the clear part of the event, as e2ee_recv.c keeps it) */
	int (*reaction)(void *ud, const char *room_id, const char *event_id,
			const char *sender, const char *relates_to, const char *key);
	/* m.room.redaction of 'redacts' */
	int (*redaction)(void *ud, const char *room_id, const char *event_id,
			 const char *sender, const char *redacts);
	/* the bot is invited to room_id by inviter; is_direct: the invite
	 * says the room is a direct room (content.is_direct) */
	int (*invite)(void *ud, const char *room_id, const char *inviter, int is_direct);
	/* the bot's membership of room_id ended ("leave" or "ban") by 'by' */
	int (*left)(void *ud, const char *room_id, const char *membership, const char *by);
	/*
	 * Both NULL, or both set: each room event is then handled between
	 * event_begin (say, a savepoint) and event_end, which gets the event's
	 * ID (NULL when it has none) and what the handlers returned for it,
	 * and returns 0 to go on (the event kept, or set aside: an event that
	 * fails every time must not stop the bot) or -1 to abandon the batch.
	 */
	int (*event_begin)(void *ud);
	int (*event_end)(void *ud, const char *room_id, const char *event_id, int rc);
};

struct mx_sync_batch;

/*
 * Parse a /sync body.  own_user_id (copied) tells the bot's own membership
 * events apart.  An event that cannot be read (nested too deep, not JSON)
 * is skipped and counted, the rest read.  NULL (and a reason in err) when
 * it is not a sync answer.
 * Free with mx_sync_free().
 */
struct mx_sync_batch *mx_sync_parse(const char *body, size_t len, const char *own_user_id,
				    char *err, size_t errlen);
void mx_sync_free(struct mx_sync_batch *b);     /* NULL is a no-op */

/* The batch's next_batch token (owned by the batch). */
const char *mx_sync_next_batch(const struct mx_sync_batch *b);

/* How many events of the batch, and gaps given up, could not be read and
 * were skipped (logged): gaps to count.  Pages skipped are counted by
 * mx_sync_gap_apply() instead. */
size_t mx_sync_skipped(const struct mx_sync_batch *b);

/* The batch's count of the bot's signed_curve25519 one-time keys on the
 * server (0..1000000; the server leaves a zero out), or -1 when the answer
 * has no device_one_time_keys_count. */
int64_t mx_sync_otk_count(const struct mx_sync_batch *b);

/* The next_batch of a /sync answer that does not parse, read by the flat
 * scanner (caller frees), or NULL: to step past an unreadable batch. */
char *mx_sync_scan_next_batch(const char *body, size_t len);


/*
 * A limited timeline (events between the last sync and this one were left
 * out) is read forward (/messages dir=f) from the last sync's position to
 * the room's prev_batch, page by page, each page applied in its own
 * transaction with its position, before the batch itself.
 *
 * mx_sync_next_gap: the first room still missing some: where to read on
 * from (NULL: from the last sync's token) and up to where.  0 when one is
 * returned (strings owned by the batch), 1 when none.
 */
int mx_sync_next_gap(const struct mx_sync_batch *b, const char **room_id, const char **from,
		     const char **to);
/* The same for the i-th room still missing some (0-based; 0 is the one
 * mx_sync_next_gap gives): to read several rooms' pages at once. */
int mx_sync_open_gap(const struct mx_sync_batch *b, size_t i, const char **room_id,
		     const char **from, const char **to);
/* The i-th room with a gap (0-based): 0, or 1 past the last. */
int mx_sync_gap_room(const struct mx_sync_batch *b, size_t i, const char **room_id);
/* Read room_id's gap on from a position a page's transaction stored (a
 * crash in mid-backlog).  -1 when it is not one (then read from the start). */
int mx_sync_gap_resume(struct mx_sync_batch *b, const char *room_id, const char *pos);

/* What applying one page did; release with mx_gap_page_release(). */
struct mx_gap_page {
	char *position;         /* to store in the page's transaction */
	char *next_from;        /* where the next page starts */
	int done;               /* the gap is read (or the rest given up) */
	int before_join;
	size_t n_events;        /* events on the page */
	size_t skipped;         /* unreadable events or pages, to count */
};

/*
 * Apply one /messages page (dir=f, oldest first) of room_id's gap to h,
 * inside the caller's transaction.  The gap does not move until
 * mx_sync_gap_advance() (after the commit), so a page whose transaction
 * failed is read again.  A page that cannot be read is skipped when it
 * names where the next one starts, else the rest of the gap is (out says
 * so; logged).  -1 when a handler failed (out released), else 0.
 */
int mx_sync_gap_apply(struct mx_sync_batch *b, const char *room_id, const char *body,
		      size_t len, const struct mx_sync_handler *h, struct mx_gap_page *out);
/* The page's transaction is committed: move room_id's gap past it (takes
 * p's next_from). */
void mx_sync_gap_advance(struct mx_sync_batch *b, const char *room_id, struct mx_gap_page *p);
void mx_gap_page_release(struct mx_gap_page *p);
/* Give up reading room_id's gap (logged, counted in mx_sync_skipped). */
void mx_sync_close_gap(struct mx_sync_batch *b, const char *room_id);

/*
 * Hand every event of the batch to h: first the whole answer to h->crypto
 * and the events whose key came (in the order they came); then per joined
 * or left room (its gap already read, page by page), the state, then the
 * timeline; then each removal (left) and each invite.  Returns 0, or -1
 * when a handler did.  The number of the batch's own timeline events seen
 * goes to *n_events (may be NULL).
 */
int mx_sync_apply(struct mx_sync_batch *b, const struct mx_sync_handler *h, size_t *n_events);

/*
 * An event's origin_server_ts (a cJSON number, may be NULL) in ms when it
 * is a sane time: from 2000-01-01 to one day after now_ms.  Anything else
 * (far future, before 2000, not a number, 1e300) gives now_ms, the time
 * of receipt: a sender's clock never pins an entry as the latest forever.
 */
#define MX_TS_MIN ((int64_t)946684800000)       /* 2000-01-01T00:00:00Z */
#define MX_TS_AHEAD ((int64_t)86400000)
int64_t mx_sane_ts(const struct cJSON *v, int64_t now_ms);

/* The power level of user_id under an m.room.power_levels content (JSON
 * text, may be NULL): its users entry, else users_default, else 0. */
int mx_power_level(const char *content, const char *user_id);

/* The body without its reply fallback (the leading "> " lines and the
 * blank line after them); caller frees. */
char *mx_strip_reply_fallback(const char *body);
/* formatted_body without its <mx-reply>...</mx-reply>; caller frees. */
char *mx_strip_mx_reply(const char *html);

/* 1 for the event types accepted from decrypted content: message-like ones
 * (m.room.message, m.reaction, m.sticker).  Redactions, state and
 * membership come only from cleartext events, which the server checked.
 * Both the decryption (e2ee_recv.c) and the walk of a batch ask it. */
int mx_plaintext_type_ok(const char *type);

#endif
