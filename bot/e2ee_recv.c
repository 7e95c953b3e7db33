/*
 * e2ee_recv.c - decrypting what arrives: Olm to-device messages (the room
 * keys others share with us) and Megolm room events, with the checks the
 * spec asks for (sender and recipient keys, replayed message indexes).  An
 * event whose key has not come yet waits in the store until it does or
 * until e2ee_expire gives up on it.  Also follows which rooms are
 * encrypted and who is in them.
 */
#include "e2ee_int.h"

#include <stdio.h>

#include "log.h"
#include "metrics.h"
#include "mx_sync.h"
#include "store.h"
#include "store_crypto.h"

/* ---------- receiving: Olm ---------- */

/* Store an inbound Megolm session from a checked m.room_key. */
static int room_key(struct e2ee *e, const char *sender, const char *sender_key,
		    const char *ed, const cJSON *content)
{
	const char *algo = jstr(content, "algorithm"), *room = jstr(content, "room_id");
	const char *sid = jstr(content, "session_id"), *skey = jstr(content, "session_key");
	struct crypto_inbound *g = NULL;
	struct megolm_in old = { 0 }, m = { 0 };
	char *id = NULL;
	struct ready *r;
	int have, rc = 0;

	if (!e2ee_str_is(algo, MEGOLM_ALGO) || !room || !sid || !skey) {
		log_warn("e2ee: ignoring a malformed m.room_key from %s", sender);
		return 0;
	}
	g = crypto_inbound_new(skey);
	id = g ? crypto_inbound_id(g) : NULL;
	if (!g || !e2ee_str_is(id, sid)) {
		log_warn("e2ee: ignoring an m.room_key from %s: %s", sender,
			 g ? "session ID does not match" : crypto_error());
		goto out;
	}
	have = store_megolm_in_get(e->st, room, sid, &old);
	if (have < 0) {
		rc = -1;
		goto out;
	}
	if (have && (old.first_index <= (int64_t)crypto_inbound_first_index(g) ||
		     strcmp(old.sender, sender))) {
		goto out;       /* what we hold is as good, or not theirs to replace */
	}
	m.sender = (char *)(uintptr_t)sender;
	m.sender_key = (char *)(uintptr_t)sender_key;
	m.ed25519 = (char *)(uintptr_t)ed;
	m.first_index = crypto_inbound_first_index(g);
	m.pickle = crypto_inbound_pickle(g, &e->pk);
	if (!m.pickle || store_megolm_in_put(e->st, room, sid, &m)) {
		free(m.pickle);
		rc = -1;
		goto out;
	}
	free(m.pickle);
	log_debug("e2ee: room key %s for %s from %s", sid, room, sender);
	r = xcalloc(1, sizeof(*r));
	r->room_id = xstrdup(room);
	r->session_id = xstrdup(sid);
	r->next = e->ready;
	e->ready = r;
out:
	store_megolm_in_release(&old);
	free(id);
	crypto_inbound_free(g);
	return rc;
}

/*
 * Decrypt an Olm message from sender_key: with a session we have, or a
 * new one from a pre-key message.  The plaintext (caller frees with
 * free_secret) or NULL (*why says why; -1 in *fail on store failure).
 */
static char *olm_decrypt(struct e2ee *e, const char *sender_key, int type, const char *body,
			 const char **why, int *fail)
{
	struct olm_row *rows = NULL;
	size_t n = 0;
	char *pt = NULL, *pickle = NULL, *sid = NULL;
	struct crypto_session *s = NULL;
	struct crypto_account *a = NULL;

	*why = NULL;
	if (store_olm_sessions(e->st, sender_key, &rows, &n)) {
		*fail = -1;
		return NULL;
	}
	for (size_t i = 0; i < n && !pt; i++) {
		int m;
		s = crypto_session_load(rows[i].pickle, &e->pk);
		if (!s)
			continue;
		if (type == 0) {
			m = crypto_session_matches(s, sender_key, body);
			if (m == 1) {
				pt = crypto_session_decrypt(s, type, body, NULL);
				if (!pt) {
					*why = crypto_error();
					goto out;       /* a matching session that fails: no new one */
				}
			}
		} else {
			pt = crypto_session_decrypt(s, type, body, NULL);
		}
		if (pt) {
			pickle = crypto_session_pickle(s, &e->pk);
			if (!pickle || store_olm_put(e->st, rows[i].session_id, sender_key, pickle,
						     loop_wall_ms()))
				*fail = -1;
		}
		crypto_session_free(s);
		s = NULL;
	}
	if (pt || type != 0) {
		if (!pt)
			*why = "no Olm session can read it";
		goto out;
	}
	a = e2ee_account_load(e);
	if (!a) {
		*fail = -1;
		goto out;
	}
	s = crypto_session_inbound(a, sender_key, body);
	if (!s) {
		*why = crypto_error();
		goto out;
	}
	pt = crypto_session_decrypt(s, 0, body, NULL);
	if (!pt) {
		*why = crypto_error();
		goto out;
	}
	/* only now is the one-time key spent (spec: after a message decrypted) */
	pickle = crypto_session_pickle(s, &e->pk);
	sid = crypto_session_id(s);
	if (crypto_account_remove_otks(a, s) || !pickle || !sid || e2ee_account_save(e, a) ||
	    store_olm_put(e->st, sid, sender_key, pickle, loop_wall_ms()))
		*fail = -1;
	if (e->otk_count > 0)
		e->otk_count--;
out:
	if (*fail && pt) {
		free_secret(pt);
		pt = NULL;
	}
	free(pickle);
	free(sid);
	crypto_session_free(s);
	crypto_account_free(a);
	store_olm_rows_free(rows, n);
	return pt;
}

int e2ee_to_device_encrypted(struct e2ee *e, const cJSON *ev)
{
	const char *sender = jstr(ev, "sender");
	const cJSON *c = jget(ev, "content"), *mine, *type;
	const char *algo = jstr(c, "algorithm"), *skey = jstr(c, "sender_key"), *why = NULL;
	cJSON *p = NULL;
	char *pt = NULL;
	struct device_row dev = { 0 };
	int fail = 0, known;
	const char *ptype, *ked;

	if (!sender)
		return 0;
	if (!e2ee_str_is(algo, OLM_ALGO)) {
		log_warn("e2ee: cannot decrypt a to-device message from %s: unknown algorithm "
			 "%.60s", sender, algo ? algo : "(none)");
		return 0;
	}
	mine = jget(jget(c, "ciphertext"), e->curve);
	type = jget(mine, "type");
	if (!skey || strlen(skey) != CRYPTO_KEY_LEN) {
		log_warn("e2ee: cannot decrypt a to-device message from %s: no sender key", sender);
		return 0;
	}
	if (!mine) {
		log_warn("e2ee: cannot decrypt a to-device message from %s: it is not for this "
			 "device's key (stale keys for us?)", sender);
		return 0;
	}
	if (!cJSON_IsNumber(type) || (type->valuedouble != 0 && type->valuedouble != 1) ||
	    !jstr(mine, "body")) {
		log_warn("e2ee: cannot decrypt a to-device message from %s: malformed", sender);
		return 0;
	}
	pt = olm_decrypt(e, skey, (int)type->valuedouble, jstr(mine, "body"), &why, &fail);
	if (fail)
		return -1;
	if (!pt) {
		log_warn("e2ee: cannot decrypt a to-device message from %s: %s", sender,
			 why ? why : "?");
		return e2ee_unwedge_note(e, sender, skey);
	}
	p = cJSON_Parse(pt);
	free_secret(pt);
	ptype = jstr(p, "type");
	ked = jstr(jget(p, "keys"), "ed25519");
	if (!cJSON_IsObject(p) || !ptype || !cJSON_IsObject(jget(p, "content")) || !ked ||
	    !e2ee_str_is(jstr(p, "sender"), sender) || !e2ee_str_is(jstr(p, "recipient"), e->me) ||
	    !e2ee_str_is(jstr(jget(p, "recipient_keys"), "ed25519"), e->ed)) {
		log_warn("e2ee: rejecting a to-device message from %s: its sender, recipient or "
			 "keys do not match", sender);
		goto out;
	}
	known = store_device_by_curve(e->st, sender, skey, &dev);
	if (known < 0) {
		fail = -1;
		goto out;
	}
	if (known && strcmp(dev.ed25519, ked)) {
		log_warn("e2ee: rejecting a to-device message from %s: its ed25519 key is not "
			 "that of device %s", sender, dev.device_id);
		goto out;
	}
	if (!known && (store_tracked_ensure(e->st, sender) ||
		       store_tracked_changed(e->st, sender))) {
		fail = -1;      /* a device we do not know yet: look it up */
		goto out;
	}
	if (!strcmp(ptype, "m.room_key"))
		fail = room_key(e, sender, skey, ked, jget(p, "content"));
	else if (strcmp(ptype, "m.dummy"))
		log_debug("e2ee: ignoring to-device %s from %s", ptype, sender);
out:
	free(dev.user_id);
	free(dev.device_id);
	free(dev.ed25519);
	free(dev.curve25519);
	cJSON_Delete(p);
	return fail;
}

/* ---------- receiving: Megolm ---------- */

int e2ee_decrypt(struct e2ee *e, const char *room_id, const cJSON *ev, int64_t now_ms,
		 cJSON **out)
{
	const cJSON *c = jget(ev, "content");
	const char *algo = jstr(c, "algorithm"), *sid = jstr(c, "session_id");
	const char *ct = jstr(c, "ciphertext"), *event_id = jstr(ev, "event_id");
	const char *sender = jstr(ev, "sender");
	struct megolm_in m = { 0 };
	struct crypto_inbound *g = NULL;
	cJSON *p = NULL, *dec = NULL, *rel;
	char *pt = NULL, *json = NULL;
	uint32_t index = 0;
	int unknown = 0, have, rc = 0, seen;

	*out = NULL;
	if (!event_id || !sender)
		return 0;
	if (!e2ee_str_is(algo, MEGOLM_ALGO) || !sid || !ct) {
		log_warn("e2ee: cannot decrypt %s in %s: %s", event_id, room_id,
			 e2ee_str_is(algo, MEGOLM_ALGO) ? "malformed" : "unknown algorithm");
		metrics_count(METRIC_DECRYPT_FAILURES, NULL);
		return 0;
	}
	have = store_megolm_in_get(e->st, room_id, sid, &m);
	if (have < 0)
		return -1;
	if (have) {
		g = crypto_inbound_load(m.pickle, &e->pk);
		if (!g) {
			log_warn("e2ee: cannot open the key of session %s: %s", sid, crypto_error());
			goto out;
		}
		pt = crypto_inbound_decrypt(g, ct, NULL, &index, &unknown);
		if (!pt && !unknown) {
			log_warn("e2ee: cannot decrypt %s in %s from %s: %s", event_id, room_id,
				 sender, crypto_error());
			goto out;
		}
	}
	if (!pt) {
		/* the key has not come yet (or only from a later index): wait for it */
		json = e2ee_print(ev);
		if (store_pending_add(e->st, event_id, room_id, sid, sender, json, now_ms) ||
		    store_tracked_ensure(e->st, sender) ||
		    e2ee_withheld_check(e, room_id, sid, event_id, sender))
			rc = -1;
		else
			log_info("e2ee: %s in %s waits for the key of session %.43s", event_id,
				 room_id, sid);
		goto out;
	}
	if (strcmp(m.sender, sender)) {
		log_warn("e2ee: rejecting %s in %s: sent by %s with a key shared by %s", event_id,
			 room_id, sender, m.sender);
		goto out;
	}
	seen = store_megolm_seen(e->st, sid, index, event_id);
	if (seen) {
		if (seen > 0)
			log_warn("e2ee: rejecting %s in %s: message index %u of session %.43s was "
				 "used before (a replay?)", event_id, room_id, index, sid);
		rc = seen < 0 ? -1 : 0;
		goto out;
	}
	p = cJSON_Parse(pt);
	if (!cJSON_IsObject(p) || !jstr(p, "type") || !cJSON_IsObject(jget(p, "content")) ||
	    !e2ee_str_is(jstr(p, "room_id"), room_id)) {
		log_warn("e2ee: rejecting %s in %s: its plaintext is malformed or names another "
			 "room", event_id, room_id);
		goto out;
	}
	/*
	 * The server saw only m.room.encrypted: it checked no power for a
	 * redaction, no state rules, no membership.  So the plaintext may say
	 * what a message is, never what the server decides.
	 */
	if (!mx_plaintext_type_ok(jstr(p, "type"))) {
		log_warn("e2ee: rejecting %s in %s from %s: type %.60s is not accepted from "
			 "encrypted content", event_id, room_id, sender, jstr(p, "type"));
		goto out;
	}
	/* the event as if sent in the clear; relations only from the clear part;
	 * nothing of the cleartext the server did not check for such a type */
	dec = cJSON_Duplicate(ev, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(dec, "type");
	cJSON_DeleteItemFromObjectCaseSensitive(dec, "state_key");
	cJSON_DeleteItemFromObjectCaseSensitive(dec, "redacts");
	cJSON_AddStringToObject(dec, "type", jstr(p, "type"));
	rel = cJSON_DetachItemFromObjectCaseSensitive(p, "content");
	cJSON_DeleteItemFromObjectCaseSensitive(rel, "m.relates_to");
	if (jget(c, "m.relates_to"))
		cJSON_AddItemToObject(rel, "m.relates_to",
				      cJSON_Duplicate(jget(c, "m.relates_to"), 1));
	cJSON_DeleteItemFromObjectCaseSensitive(dec, "content");
	cJSON_AddItemToObject(dec, "content", rel);
	*out = dec;
out:
	if (!*out && rc == 0 && !json)
		metrics_count(METRIC_DECRYPT_FAILURES, NULL);  /* bad, not waiting for a key */
	if (pt)
		free_secret(pt);
	free(json);
	cJSON_Delete(p);
	crypto_inbound_free(g);
	store_megolm_in_release(&m);
	return rc;
}

int e2ee_room_encryption(struct e2ee *e, const char *room_id, const char *content)
{
	cJSON *c = cJSON_Parse(content);
	const cJSON *ms = jget(c, "rotation_period_ms"), *msgs = jget(c, "rotation_period_msgs");
	int64_t pms = 0, pmsgs = 0;
	int rc;

	if (!e2ee_str_is(jstr(c, "algorithm"), MEGOLM_ALGO))
		log_warn("e2ee: room %s uses algorithm %.60s, which caucus does not speak",
			 room_id, jstr(c, "algorithm") ? jstr(c, "algorithm") : "(none)");
	/* missing, null, 0 or nonsense mean the defaults, never "every message" */
	if (cJSON_IsNumber(ms) && ms->valuedouble >= 1 && ms->valuedouble < 1e15)
		pms = (int64_t)ms->valuedouble;
	if (cJSON_IsNumber(msgs) && msgs->valuedouble >= 1 && msgs->valuedouble < 1e9)
		pmsgs = (int64_t)msgs->valuedouble;
	cJSON_Delete(c);
	rc = store_room_set_encrypted(e->st, room_id, pms, pmsgs);
	return rc ? rc : store_tracked_from_rooms(e->st);
}

int e2ee_member(struct e2ee *e, const char *room_id, const char *user_id,
		const char *membership)
{
	int enc = store_room_encrypted(e->st, room_id, NULL, NULL);

	if (enc <= 0)
		return enc;
	if (!strcmp(membership, "join") || !strcmp(membership, "invite"))
		return store_tracked_ensure(e->st, user_id);
	/* someone left: the next message needs a key they never saw */
	return store_megolm_out_invalidate(e->st, room_id);
}

int e2ee_redacted(struct e2ee *e, const char *room_id, const char *event_id)
{
	struct pending_row *rows = NULL;
	size_t n = 0;
	int rc = 0;

	/* the few events waiting for a key (they wait minutes, not days) */
	if (store_pending_list(e->st, NULL, NULL, INT64_MAX, &rows, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].event_id, event_id) || strcmp(rows[i].room_id, room_id))
			continue;
		rc = store_pending_del(e->st, event_id);
		if (!rc)
			log_info("e2ee: %s in %s was redacted while it waited for its key; "
				 "forgotten", event_id, room_id);
		break;
	}
	store_pending_rows_free(rows, n);
	return rc;
}

/* 1 when sender was told in room_id within E2EE_TELL_EVERY_MS (else the
 * time is noted now and 0), -1 on a store failure. */
static int told_recently(struct e2ee *e, const char *room_id, const char *sender)
{
	char *key = xasprintf("e2ee.told:%s %s", room_id, sender), *v = store_meta_get(e->st, key);
	char now[24];
	int64_t last = 0, t = loop_wall_ms();
	int rc = 1;

	if (v && !str_to_i64(v, &last) && last <= t && t - last < E2EE_TELL_EVERY_MS)
		goto out;
	snprintf(now, sizeof(now), "%lld", (long long)t);
	rc = store_meta_set(e->st, key, now) ? -1 : 0;
out:
	free(v);
	free(key);
	return rc;
}

int e2ee_expire(struct e2ee *e, int64_t before_ms,
		int (*fn)(void *ud, const char *room_id, const char *event_id,
			  const char *sender),
		void *ud)
{
	struct pending_row *rows = NULL;
	size_t n = 0;
	int rc = -1;

	if (store_pending_list(e->st, NULL, NULL, before_ms, &rows, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int first = store_told_once(e->st, rows[i].room_id, rows[i].sender,
					    rows[i].session_id);
		if (first < 0 || store_pending_del(e->st, rows[i].event_id))
			goto out;
		log_warn("e2ee: gave up waiting for the key of %s in %s from %s",
			 rows[i].event_id, rows[i].room_id, rows[i].sender);
		if (first) {
			first = told_recently(e, rows[i].room_id, rows[i].sender);
			if (first < 0)
				goto out;
			first = !first;
		}
		if (first && fn(ud, rows[i].room_id, rows[i].event_id, rows[i].sender))
			goto out;
	}
	rc = 0;
out:
	store_pending_rows_free(rows, n);
	return rc;
}
