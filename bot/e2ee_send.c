/*
 * e2ee_send.c - sending into encrypted rooms: the room's outbound Megolm
 * session (rotated when due or when a recipient leaves), its key shared
 * over Olm with every device of the members - claiming one-time keys to
 * make the Olm sessions - and queued to-device sends.  Each ratchet step
 * is committed before what it encrypted goes out, so a crash never reuses
 * one.
 */
#include "e2ee_int.h"

#include <stdio.h>

#include "log.h"
#include "mx_api.h"
#include "signjson.h"
#include "store.h"
#include "store_crypto.h"

#define DEVICES_PER_REQUEST 20
#define NOKEY_RETRY_MS (10 * 60 * 1000)  /* a device that had no key to claim */

/* ---------- to-device sends ---------- */

static void on_todevice(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;

	e->req[J_TODEVICE] = NULL;
	if (r->outcome == MX_REFUSED)
		log_warn("e2ee: the server refused a to-device send (%s); dropping it", r->error);
	else if (r->outcome != MX_OK) {
		e2ee_job_failed(e, J_TODEVICE, "sending room keys", r->error);
		return;
	}
	if (store_to_device_del(e->st, e->todevice_id)) {
		e2ee_job_failed(e, J_TODEVICE, "sending room keys", store_errmsg(e->st));
		return;
	}
	e->failures[J_TODEVICE] = 0;
	if (e2ee_start_todevice(e) == 0)
		e2ee_progress(e);    /* the keys are out: rooms waiting for them may be sealed */
}

int e2ee_start_todevice(struct e2ee *e)
{
	char *txn = NULL, *type = NULL, *body = NULL, *path, *et, *tx;
	int rc = store_to_device_head(e->st, &e->todevice_id, &txn, &type, &body);

	if (rc <= 0) {
		if (rc < 0)
			e2ee_job_failed(e, J_TODEVICE, "reading the to-device queue",
				   store_errmsg(e->st));
		return rc;
	}
	et = mx_api_escape(type);
	tx = mx_api_escape(txn);
	path = xasprintf("/sendToDevice/%s/%s", et, tx);
	e->req[J_TODEVICE] = mx_api_call(e->api, "PUT", path, body, on_todevice, e);
	if (!e->req[J_TODEVICE])
		e2ee_job_failed(e, J_TODEVICE, "sending room keys", "cannot start the request");
	free(path);
	free(et);
	free(tx);
	free(txn);
	free(type);
	free_secret(body);
	return 1;
}

/* ---------- claiming one-time keys, making Olm sessions ---------- */

int e2ee_apply_claim(struct e2ee *e, void *arg)
{
	struct claim_apply *ca = arg;
	const cJSON *users = jget(ca->resp, "one_time_keys"), *u, *d, *k;
	struct crypto_account *a = e2ee_account_load(e);
	int rc = -1;

	if (!a)
		return -1;
	cJSON_ArrayForEach(u, users) {
		struct device_row *rows = NULL;
		size_t n = 0;

		if (!u->string || store_devices(e->st, u->string, &rows, &n))
			continue;
		cJSON_ArrayForEach(d, u) {
			const struct device_row *dev = NULL;
			for (size_t i = 0; i < n; i++)
				if (d->string && !strcmp(rows[i].device_id, d->string))
					dev = &rows[i];
			if (!dev)
				continue;
			cJSON_ArrayForEach(k, d) {
				struct crypto_session *s;
				char *pickle, *sid;
				if (!k->string || strncmp(k->string, "signed_curve25519:", 18) ||
				    !jstr(k, "key"))
					continue;
				if (signjson_verify(k, u->string, dev->device_id, dev->ed25519)) {
					log_warn("e2ee: the one-time key of %s %s does not verify",
						 u->string, dev->device_id);
					continue;
				}
				s = crypto_session_outbound(a, dev->curve25519, jstr(k, "key"));
				if (!s) {
					log_warn("e2ee: no Olm session with %s %s: %s", u->string,
						 dev->device_id, crypto_error());
					continue;
				}
				pickle = crypto_session_pickle(s, &e->pk);
				sid = crypto_session_id(s);
				crypto_session_free(s);
				if (!pickle || !sid ||
				    store_olm_put(e->st, sid, dev->curve25519, pickle, loop_wall_ms())) {
					free(pickle);
					free(sid);
					store_device_rows_free(rows, n);
					goto out;
				}
				free(pickle);
				free(sid);
				ca->made++;
				strv_push_owned(&ca->got, xasprintf("%s\n%s", u->string,
								    dev->device_id));
				break;
			}
		}
		store_device_rows_free(rows, n);
	}
	rc = 0;
out:
	crypto_account_free(a);
	return rc;
}

static void nokey_add(struct e2ee *e, const char *id);

static void on_claim(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;
	struct claim_apply ca = { 0 };
	cJSON *j;

	e->req[J_CLAIM] = NULL;
	if (r->outcome == MX_REFUSED) {
		/* asking again would get the same answer: go on without them */
		log_warn("e2ee: the server refused to hand out one-time keys (%s)", r->error);
		for (size_t i = 0; i < e->claim_ids.n; i++)
			nokey_add(e, e->claim_ids.v[i]);
		strv_release(&e->claim_ids);
		e2ee_progress(e);
		return;
	}
	if (r->outcome != MX_OK) {
		strv_release(&e->claim_ids);
		e2ee_job_failed(e, J_CLAIM, "claiming one-time keys", r->error);
		return;
	}
	j = cJSON_ParseWithLength(r->body, r->len);
	ca.resp = j;
	if (e2ee_in_txn(e, e2ee_apply_claim, &ca)) {
		cJSON_Delete(j);
		strv_release(&ca.got);
		strv_release(&e->claim_ids);
		e2ee_job_failed(e, J_CLAIM, "storing Olm sessions", store_errmsg(e->st));
		return;
	}
	cJSON_Delete(j);
	/* a device the server had no key for: messages do not wait for it */
	for (size_t i = 0; i < e->claim_ids.n; i++) {
		if (strv_has(&ca.got, e->claim_ids.v[i]))
			continue;
		log_info("e2ee: no one-time key for %s; it gets no room keys for a while",
			 e->claim_ids.v[i]);
		nokey_add(e, e->claim_ids.v[i]);
	}
	strv_release(&ca.got);
	strv_release(&e->claim_ids);
	e->failures[J_CLAIM] = 0;
	log_debug("e2ee: %d Olm sessions made", ca.made);
	e2ee_progress(e);
}

static int nokey_skip(struct e2ee *e, const char *id)
{
	int64_t now = loop_wall_ms();

	for (struct nokey *k = e->nokeys; k; k = k->next)
		if (!strcmp(k->id, id))
			return k->until > now;
	return 0;
}

static void nokey_add(struct e2ee *e, const char *id)
{
	struct nokey *k;

	for (k = e->nokeys; k; k = k->next)
		if (!strcmp(k->id, id))
			break;
	if (!k) {
		k = xcalloc(1, sizeof(*k));
		k->id = xstrdup(id);
		k->next = e->nokeys;
		e->nokeys = k;
	}
	k->until = loop_wall_ms() + NOKEY_RETRY_MS;
}

/* ---------- sending ---------- */

struct share {
	const char *room_id;
	struct device_row *devs;        /* every recipient device */
	size_t n_devs;
	struct strv need_claim;         /* "user\ndevice" */
	int shared;                     /* key messages queued */
};

/* Recipient devices of room_id: every device of every joined or invited
 * member, but this one.  1 when some member's list is not fresh yet. */
static int recipients(struct e2ee *e, const char *room_id, struct share *sh)
{
	struct strv users = { 0 };
	int stale = 0, rc = -1;

	if (store_room_recipients(e->st, room_id, &users))
		return -1;
	if (!strv_has(&users, e->me))
		strv_push(&users, e->me);
	for (size_t i = 0; i < users.n; i++) {
		struct device_row *rows = NULL;
		size_t n = 0;
		int fresh = store_tracked_is_fresh(e->st, users.v[i]);

		if (fresh < 0)
			goto out;
		if (!fresh) {
			if (store_tracked_ensure(e->st, users.v[i]))
				goto out;
			stale = 1;
			continue;
		}
		if (store_devices(e->st, users.v[i], &rows, &n))
			goto out;
		for (size_t k = 0; k < n; k++) {
			if (rows[k].deleted || (!strcmp(rows[k].user_id, e->me) &&
						!strcmp(rows[k].device_id, e->device))) {
				free(rows[k].user_id);
				free(rows[k].device_id);
				free(rows[k].ed25519);
				free(rows[k].curve25519);
				continue;
			}
			sh->devs = xrealloc(sh->devs, (sh->n_devs + 1) * sizeof(*sh->devs));
			sh->devs[sh->n_devs++] = rows[k];
		}
		free(rows);
	}
	rc = stale;
out:
	strv_release(&users);
	return rc;
}

/* A new outbound session for the room, and our own inbound copy of it. */
static int new_outbound(struct e2ee *e, const char *room_id, struct megolm_out *out)
{
	struct crypto_outbound *o = crypto_outbound_new();
	struct crypto_inbound *g = NULL;
	struct megolm_in m = { 0 };
	char *key = NULL;
	int rc = -1;

	if (!o)
		goto out;
	out->session_id = crypto_outbound_id(o);
	out->pickle = crypto_outbound_pickle(o, &e->pk);
	out->created_ms = loop_wall_ms();
	out->msgs = 0;
	out->invalid = 0;
	key = crypto_outbound_key(o);
	g = key ? crypto_inbound_new(key) : NULL;
	if (!out->session_id || !out->pickle || !g)
		goto out;
	m.sender = e->me;
	m.sender_key = e->curve;
	m.ed25519 = e->ed;
	m.first_index = crypto_inbound_first_index(g);
	m.pickle = crypto_inbound_pickle(g, &e->pk);
	if (!m.pickle || store_megolm_in_put(e->st, room_id, out->session_id, &m) ||
	    store_megolm_out_put(e->st, room_id, out))
		goto out;
	log_info("e2ee: new Megolm session %s for %s", out->session_id, room_id);
	rc = 0;
out:
	free(m.pickle);
	free_secret(key);
	crypto_inbound_free(g);
	crypto_outbound_free(o);
	return rc;
}

static int dev_in(const struct share *sh, const char *id)
{
	const char *nl = strchr(id, '\n');

	for (size_t i = 0; nl && i < sh->n_devs; i++)
		if (!strncmp(sh->devs[i].user_id, id, (size_t)(nl - id)) &&
		    !sh->devs[i].user_id[nl - id] && !strcmp(sh->devs[i].device_id, nl + 1))
			return 1;
	return 0;
}

/* The room's current outbound session, rotated when due. */
static int current_outbound(struct e2ee *e, const char *room_id, const struct share *sh,
			    struct megolm_out *out, struct strv *shared)
{
	int64_t rot_ms = 0, rot_msgs = 0;
	int have = store_megolm_out_get(e->st, room_id, out), rotate = 0;

	if (have < 0 || store_room_encrypted(e->st, room_id, &rot_ms, &rot_msgs) < 0)
		return -1;
	if (rot_ms <= 0)
		rot_ms = ROTATION_MS_DEFAULT;
	if (rot_msgs <= 0)
		rot_msgs = ROTATION_MSGS_DEFAULT;
	if (have) {
		if (store_megolm_shared(e->st, out->session_id, shared))
			return -1;
		rotate = out->invalid || out->msgs >= rot_msgs ||
			 loop_wall_ms() - out->created_ms >= rot_ms;
		/* a device that had the key is no longer a recipient */
		for (size_t i = 0; !rotate && i < shared->n; i++)
			if (!dev_in(sh, shared->v[i]))
				rotate = 1;
	}
	if (have && !rotate)
		return 0;
	store_megolm_out_release(out);
	strv_release(shared);
	return new_outbound(e, room_id, out);
}

/* The m.room_key for one device, Olm-encrypted; NULL when it has no
 * session yet (*fail = -1 on store failure). */
cJSON *e2ee_key_message(struct e2ee *e, const struct device_row *d, const char *plain_tmpl,
		   int *fail)
{
	struct olm_row *rows = NULL;
	size_t n = 0;
	struct crypto_session *s = NULL;
	cJSON *pt = NULL, *msg = NULL, *ct, *one;
	char *text = NULL, *body = NULL, *pickle = NULL;
	int type = 0;

	if (store_olm_sessions(e->st, d->curve25519, &rows, &n)) {
		*fail = -1;
		return NULL;
	}
	if (!n || !(s = crypto_session_load(rows[0].pickle, &e->pk)))
		goto out;
	pt = cJSON_Parse(plain_tmpl);
	cJSON_AddStringToObject(pt, "recipient", d->user_id);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(pt, "recipient_keys"), "ed25519",
			      cJSON_CreateString(d->ed25519));
	text = e2ee_print(pt);
	body = crypto_session_encrypt(s, text, strlen(text), &type);
	pickle = body ? crypto_session_pickle(s, &e->pk) : NULL;
	if (!body || !pickle) {
		log_warn("e2ee: cannot encrypt for %s %s: %s", d->user_id, d->device_id,
			 crypto_error());
		goto out;
	}
	if (store_olm_put(e->st, rows[0].session_id, d->curve25519, pickle, loop_wall_ms())) {
		*fail = -1;
		goto out;
	}
	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "algorithm", OLM_ALGO);
	cJSON_AddStringToObject(msg, "sender_key", e->curve);
	ct = cJSON_AddObjectToObject(msg, "ciphertext");
	one = cJSON_AddObjectToObject(ct, d->curve25519);
	cJSON_AddNumberToObject(one, "type", type);
	cJSON_AddStringToObject(one, "body", body);
out:
	if (text)
		free_secret(text);
	if (pt)
		cJSON_Delete(pt);
	free(body);
	free(pickle);
	crypto_session_free(s);
	store_olm_rows_free(rows, n);
	return msg;
}

int e2ee_queue_to_device(struct e2ee *e, cJSON *messages, int *n)
{
	char txn[64], rnd[8], *body;
	cJSON *o;
	int rc;

	if (!*n)
		return 0;
	crypto_random(rnd, sizeof(rnd));
	snprintf(txn, sizeof(txn), "caucus.key.%lld.%02x%02x%02x%02x%02x%02x",
		 (long long)loop_wall_ms(), (unsigned char)rnd[0], (unsigned char)rnd[1],
		 (unsigned char)rnd[2], (unsigned char)rnd[3], (unsigned char)rnd[4],
		 (unsigned char)rnd[5]);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "messages", cJSON_Duplicate(messages, 1));
	body = e2ee_print(o);
	cJSON_Delete(o);
	rc = store_to_device_add(e->st, txn, "m.room.encrypted", body);
	free_secret(body);
	/* empty the batch */
	while (messages->child)
		cJSON_Delete(cJSON_DetachItemViaPointer(messages, messages->child));
	*n = 0;
	return rc;
}

/* Queue the room key for every recipient that lacks it and has a session;
 * note the ones that need a session first. */
static int share_keys(struct e2ee *e, void *arg)
{
	struct share *sh = arg;
	struct megolm_out out = { 0 };
	struct strv shared = { 0 };
	struct crypto_outbound *o = NULL;
	cJSON *tmpl = NULL, *messages = cJSON_CreateObject(), *c;
	char *plain = NULL, *key = NULL;
	int rc = -1, n = 0, fail = 0;

	if (current_outbound(e, sh->room_id, sh, &out, &shared))
		goto out;
	o = crypto_outbound_load(out.pickle, &e->pk);
	key = o ? crypto_outbound_key(o) : NULL;
	if (!key)
		goto out;
	tmpl = cJSON_CreateObject();
	cJSON_AddStringToObject(tmpl, "type", "m.room_key");
	c = cJSON_AddObjectToObject(tmpl, "content");
	cJSON_AddStringToObject(c, "algorithm", MEGOLM_ALGO);
	cJSON_AddStringToObject(c, "room_id", sh->room_id);
	cJSON_AddStringToObject(c, "session_id", out.session_id);
	cJSON_AddStringToObject(c, "session_key", key);
	cJSON_AddStringToObject(tmpl, "sender", e->me);
	cJSON_AddStringToObject(tmpl, "sender_device", e->device);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(tmpl, "keys"), "ed25519",
			      cJSON_CreateString(e->ed));
	plain = e2ee_print(tmpl);
	for (size_t i = 0; i < sh->n_devs; i++) {
		const struct device_row *d = &sh->devs[i];
		char *id = xasprintf("%s\n%s", d->user_id, d->device_id);
		cJSON *msg, *u;

		if (strv_has(&shared, id)) {
			free(id);
			continue;
		}
		msg = e2ee_key_message(e, d, plain, &fail);
		if (fail) {
			free(id);
			goto out;
		}
		if (!msg) {
			/* no Olm session yet: claim a key, unless that just failed */
			if (nokey_skip(e, id))
				free(id);
			else
				strv_push_owned(&sh->need_claim, id);
			continue;
		}
		free(id);
		if (!(u = cJSON_GetObjectItemCaseSensitive(messages, d->user_id)))
			u = cJSON_AddObjectToObject(messages, d->user_id);
		cJSON_AddItemToObject(u, d->device_id, msg);
		if (store_megolm_shared_add(e->st, out.session_id, d->user_id, d->device_id))
			goto out;
		sh->shared++;
		if (++n >= DEVICES_PER_REQUEST && e2ee_queue_to_device(e, messages, &n))
			goto out;
	}
	if (e2ee_queue_to_device(e, messages, &n))
		goto out;
	rc = 0;
out:
	if (plain)
		free_secret(plain);
	cJSON_Delete(tmpl);
	cJSON_Delete(messages);
	free_secret(key);
	crypto_outbound_free(o);
	store_megolm_out_release(&out);
	strv_release(&shared);
	return rc;
}

static void start_claim(struct e2ee *e, const struct strv *ids)
{
	cJSON *body = cJSON_CreateObject(), *otk = cJSON_AddObjectToObject(body, "one_time_keys");
	char *json;

	strv_release(&e->claim_ids);
	for (size_t i = 0; i < ids->n; i++) {
		char *u = xstrdup(ids->v[i]), *nl = strchr(u, '\n');
		cJSON *uo;
		*nl = '\0';
		if (!(uo = cJSON_GetObjectItemCaseSensitive(otk, u)))
			uo = cJSON_AddObjectToObject(otk, u);
		cJSON_AddStringToObject(uo, nl + 1, "signed_curve25519");
		free(u);
		strv_push(&e->claim_ids, ids->v[i]);
	}
	cJSON_AddNumberToObject(body, "timeout", 10000);
	json = e2ee_print(body);
	cJSON_Delete(body);
	e->req[J_CLAIM] = mx_api_call(e->api, "POST", "/keys/claim", json, on_claim, e);
	free(json);
	if (!e->req[J_CLAIM])
		e2ee_job_failed(e, J_CLAIM, "claiming one-time keys", "cannot start the request");
}

int e2ee_prepare(struct e2ee *e, const char *room_id)
{
	struct share sh = { .room_id = room_id };
	int enc = store_room_encrypted(e->st, room_id, NULL, NULL), rc = -1, st;

	if (enc <= 0)
		return enc;
	if (e->req[J_QUERY] || e->req[J_CLAIM] || e->req[J_TODEVICE] ||
	    e2ee_backing_off(e, J_TODEVICE))
		return 1;       /* e2ee_progress() comes when they finish */
	st = store_to_device_waiting(e->st);
	if (st) {
		if (st > 0)
			e2ee_kick_job(e, J_TODEVICE);
		return st > 0 ? 1 : -1;
	}
	if (store_begin(e->st))
		return -1;
	st = recipients(e, room_id, &sh);
	if (st < 0) {
		store_rollback(e->st);
		goto out;
	}
	if (st > 0) {
		/* someone's device list is outdated: ask first */
		if (store_commit(e->st))
			store_rollback(e->st);
		if (!e2ee_backing_off(e, J_QUERY))
			e2ee_start_query(e);
		rc = e->req[J_QUERY] || e2ee_backing_off(e, J_QUERY) ? 1 : -1;
		goto out;
	}
	if (share_keys(e, &sh) || store_commit(e->st)) {
		store_rollback(e->st);
		goto out;
	}
	if (sh.need_claim.n) {
		/* a claim that failed is retried by its timer, which comes back */
		if (!e2ee_backing_off(e, J_CLAIM))
			start_claim(e, &sh.need_claim);
		rc = 1;
		goto out;
	}
	if (sh.shared) {
		e2ee_kick_job(e, J_TODEVICE);
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	strv_release(&sh.need_claim);
	store_device_rows_free(sh.devs, sh.n_devs);
	return rc;
}

int e2ee_seal(struct e2ee *e, const char *room_id, const char *type, const char *content,
	      char **sealed)
{
	struct megolm_out out = { 0 };
	struct crypto_outbound *o = NULL;
	cJSON *pt = cJSON_CreateObject(), *c = cJSON_Parse(content), *res = NULL;
	const cJSON *rel;
	char *text = NULL, *ct = NULL;
	int rc = -1;

	*sealed = NULL;
	if (!cJSON_IsObject(c) || store_megolm_out_get(e->st, room_id, &out) <= 0)
		goto out;
	o = crypto_outbound_load(out.pickle, &e->pk);
	if (!o)
		goto out;
	cJSON_AddStringToObject(pt, "type", type);
	cJSON_AddItemToObject(pt, "content", cJSON_Duplicate(c, 1));
	cJSON_AddStringToObject(pt, "room_id", room_id);
	text = e2ee_print(pt);
	ct = crypto_outbound_encrypt(o, text, strlen(text));
	free(out.pickle);
	out.pickle = ct ? crypto_outbound_pickle(o, &e->pk) : NULL;
	if (!ct || !out.pickle)
		goto out;
	out.msgs++;
	if (store_megolm_out_put(e->st, room_id, &out))
		goto out;
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "algorithm", MEGOLM_ALGO);
	cJSON_AddStringToObject(res, "sender_key", e->curve);
	cJSON_AddStringToObject(res, "device_id", e->device);
	cJSON_AddStringToObject(res, "session_id", out.session_id);
	cJSON_AddStringToObject(res, "ciphertext", ct);
	/* relations stay in the clear, where clients look for them */
	if ((rel = jget(c, "m.relates_to")))
		cJSON_AddItemToObject(res, "m.relates_to", cJSON_Duplicate(rel, 1));
	*sealed = e2ee_print(res);
	rc = 0;
out:
	if (text)
		free_secret(text);
	free(ct);
	cJSON_Delete(pt);
	cJSON_Delete(c);
	cJSON_Delete(res);
	crypto_outbound_free(o);
	store_megolm_out_release(&out);
	return rc;
}
