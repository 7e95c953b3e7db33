/*
 * e2ee_withheld.c - room keys a sender's client chose not to send us
 * (m.room_key.withheld, spec "Reporting that decryption keys are
 * withheld", MSC2399).  Without this the sender waits two minutes for a
 * generic "could not decrypt"; with it the bot answers at once, once per
 * sender and session, with what the code means and what the sender can do.
 *
 * The notices kept here are few and short-lived (the withheld event and
 * the message it concerns come within seconds of each other), so they live
 * in memory, bounded; after a restart a message whose withheld notice was
 * lost gets the generic answer instead.  Whether a sender may be answered
 * at all is the daemon's decision (its callback).
 *
 * The other way round, room key requests (m.room_key_request) are refused,
 * even from the bot account's own verified devices: forwarding would hand
 * every room's history the bot has seen to whoever logs in to its
 * account and verifies a device, for no use the bot needs.  The
 * requesting device gets m.room_key.withheld (m.unauthorised) at once
 * instead of waiting.
 */
#include "e2ee_int.h"
#include "log.h"
#include "store_crypto.h"

#define WITHHELD_KEEP 256               /* notices remembered, oldest dropped */
#define WITHHELD_FIELD_MAX 255          /* room, session, sender, code lengths */
/* A client that withholds keys may start a new session for each message
 * (matrix-sdk-crypto does): the same explanation to the same sender in the
 * same room at most this often. */
#define WITHHELD_REPEAT_MS ((int64_t)10 * 60 * 1000)

struct withheld {
	char *room_id;
	char *session_id;               /* "" for m.no_olm without a session */
	char *sender;
	char *code;
	int64_t told_ms;                /* when this one was explained, or 0 */
	struct withheld *next;
};

void e2ee_on_withheld(struct e2ee *e,
		      int (*fn)(void *ud, const char *room_id, const char *event_id,
				const char *sender, const char *text),
		      void *ud)
{
	e->withheld_fn = fn;
	e->withheld_ud = ud;
}

static void withheld_drop(struct withheld *w)
{
	free(w->room_id);
	free(w->session_id);
	free(w->sender);
	free(w->code);
	free(w);
}

void e2ee_withheld_clear(struct e2ee *e)
{
	while (e->withheld) {
		struct withheld *w = e->withheld;
		e->withheld = w->next;
		withheld_drop(w);
	}
	e->n_withheld = 0;
}

/* What code means to the sender and what they can do (caller frees). */
char *e2ee_withheld_text(const char *code, const char *device)
{
	if (e2ee_str_is(code, "m.unverified"))
		return xasprintf("I could not read your message: your client sends room keys to "
				 "verified devices only, and caucus's device %s is not verified "
				 "in it. Verify caucus's device, or allow unverified devices in "
				 "this room (in Element: the room's Security and Privacy settings), then "
				 "send the message again.", device);
	if (e2ee_str_is(code, "m.blacklisted"))
		return xasprintf("I could not read your message: your client has blocked "
				 "caucus's device %s. Unblock that device in your client, then "
				 "send the message again.", device);
	if (e2ee_str_is(code, "m.unauthorised"))
		return xasprintf("I could not read your message: your client does not share "
				 "this room's keys with caucus's device %s (the room's history "
				 "settings, or caucus joined after the message). Send the "
				 "message again.", device);
	if (e2ee_str_is(code, "m.unavailable"))
		return xstrdup("I could not read your message: your client no longer has its "
			       "key. Send the message again.");
	if (e2ee_str_is(code, "m.no_olm"))
		return xasprintf("I could not read your message: your client could not set up "
				 "a secure channel to caucus's device %s. Send the message again "
				 "in a minute; if this repeats, sign out and in again.", device);
	return xstrdup("I could not read your message: your client withheld its key. Send "
		       "the message again.");
}

/* The remembered notice for (room, session, sender), or NULL; with any,
 * one without a session (m.no_olm) matches every session. */
static struct withheld *withheld_find(const struct e2ee *e, const char *room_id,
				      const char *session_id, const char *sender, int any)
{
	for (struct withheld *w = e->withheld; w; w = w->next)
		if (!strcmp(w->sender, sender) && !strcmp(w->room_id, room_id) &&
		    (!strcmp(w->session_id, session_id) || (any && !*w->session_id)))
			return w;
	return NULL;
}

/* 1 when w's sender was given the same explanation in that room lately. */
static int told_lately(const struct e2ee *e, const struct withheld *w, int64_t now)
{
	for (const struct withheld *o = e->withheld; o; o = o->next)
		if (o->told_ms && now - o->told_ms < WITHHELD_REPEAT_MS &&
		    !strcmp(o->sender, w->sender) && !strcmp(o->room_id, w->room_id) &&
		    !strcmp(o->code, w->code))
			return 1;
	return 0;
}

/* Answer event_id (of session_id) once for w's room, sender and session:
 * 0 or -1. */
static int tell(struct e2ee *e, struct withheld *w, const char *session_id,
		const char *event_id)
{
	int64_t now = loop_wall_ms();
	char *text;
	int first, rc;

	if (!e->withheld_fn || told_lately(e, w, now))
		return 0;
	first = store_told_once(e->st, w->room_id, w->sender, session_id);
	if (first <= 0)
		return first;
	text = e2ee_withheld_text(w->code, e->device);
	log_info("e2ee: telling %s why %s in %s cannot be read (%s)", w->sender, event_id,
		 w->room_id, w->code);
	rc = e->withheld_fn(e->withheld_ud, w->room_id, event_id, w->sender, text);
	free(text);
	if (!rc)
		w->told_ms = now;
	return rc;
}

static int short_str(const char *s)
{
	return s && *s && strlen(s) <= WITHHELD_FIELD_MAX;
}

int e2ee_withheld_event(struct e2ee *e, const cJSON *ev)
{
	const cJSON *c = jget(ev, "content");
	const char *sender = jstr(ev, "sender"), *room_id = jstr(c, "room_id");
	const char *sid = jstr(c, "session_id"), *code = jstr(c, "code");
	struct pending_row *rows = NULL;
	struct withheld *w, **pp;
	size_t n = 0;
	int rc = 0;

	if (!short_str(sender) || !short_str(code) || (sid && !short_str(sid)) ||
	    (room_id && !short_str(room_id)))
		return 0;
	log_info("e2ee: %s withheld the key of session %.43s: %.40s", sender,
		 sid ? sid : "(none)", code);
	if (!room_id)
		return 0;       /* m.no_olm for no room in particular: nothing to answer */
	w = withheld_find(e, room_id, sid ? sid : "", sender, 0);
	if (!w) {
		w = xcalloc(1, sizeof(*w));
		w->room_id = xstrdup(room_id);
		w->session_id = xstrdup(sid ? sid : "");
		w->sender = xstrdup(sender);
		w->code = xstrdup(code);
		w->next = e->withheld;
		e->withheld = w;
		if (++e->n_withheld > WITHHELD_KEEP) {      /* w is first: never dropped */
			for (pp = &e->withheld; (*pp)->next; pp = &(*pp)->next)
				;
			withheld_drop(*pp);
			*pp = NULL;
			e->n_withheld--;
		}
	}
	if (!sid)
		return 0;
	/* the message came first: answer its first event now */
	if (store_pending_list(e->st, room_id, sid, 0, &rows, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].sender, sender)) {
			rc = tell(e, w, sid, rows[i].event_id);
			break;
		}
	store_pending_rows_free(rows, n);
	return rc;
}

int e2ee_withheld_check(struct e2ee *e, const char *room_id, const char *session_id,
		   const char *event_id, const char *sender)
{
	struct withheld *w = withheld_find(e, room_id, session_id, sender, 1);

	return w ? tell(e, w, session_id, event_id) : 0;
}

/* ---------- room key requests ---------- */

#define KEY_REQUESTS_LOGGED 20          /* then only at debug level */

int e2ee_key_request(struct e2ee *e, const cJSON *ev)
{
	const cJSON *c = jget(ev, "content"), *b = jget(c, "body");
	const char *sender = jstr(ev, "sender"), *dev = jstr(c, "requesting_device_id");
	const char *rid = jstr(c, "request_id"), *room = jstr(b, "room_id");
	const char *sid = jstr(b, "session_id");
	cJSON *body, *msg;
	char *json, *txn;
	unsigned char rnd[6];
	int rc;

	if (!e2ee_str_is(jstr(c, "action"), "request") || !short_str(dev) || !short_str(rid) ||
	    !short_str(room) || !short_str(sid) || !e2ee_str_is(jstr(b, "algorithm"), MEGOLM_ALGO))
		return 0;
	if (!e2ee_str_is(sender, e->me)) {
		/* only one's own devices may ask; others get nothing at all */
		log_debug("e2ee: ignoring a room key request from %s", sender ? sender : "?");
		return 0;
	}
	if (!strcmp(dev, e->device))
		return 0;
	log_msg(e->n_key_requests++ < KEY_REQUESTS_LOGGED ? LOG_INFO : LOG_DEBUG,
		"e2ee: device %s of this account asked for the key of session %.43s in %s; "
		"refused (caucus forwards no room keys)", dev, sid, room);
	body = cJSON_CreateObject();
	msg = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(
		body, "messages"), e->me), dev);
	cJSON_AddStringToObject(msg, "algorithm", MEGOLM_ALGO);
	cJSON_AddStringToObject(msg, "room_id", room);
	cJSON_AddStringToObject(msg, "session_id", sid);
	if (short_str(jstr(b, "sender_key")))
		cJSON_AddStringToObject(msg, "sender_key", jstr(b, "sender_key"));
	cJSON_AddStringToObject(msg, "code", "m.unauthorised");
	cJSON_AddStringToObject(msg, "reason", "caucus does not forward room keys");
	json = e2ee_print(body);
	cJSON_Delete(body);
	/* a batch retried was rolled back with what it queued: a fresh ID */
	crypto_random(rnd, sizeof(rnd));
	txn = xasprintf("caucus.refuse.%lld.%02x%02x%02x%02x%02x%02x", (long long)loop_wall_ms(),
			rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	rc = store_to_device_add(e->st, txn, "m.room_key.withheld", json);
	free(txn);
	free(json);
	return rc;
}
