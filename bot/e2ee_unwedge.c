/*
 * e2ee_unwedge.c - healing a broken Olm channel (spec "Recovering from
 * undecryptable messages"): when a peer device's Olm message cannot be
 * decrypted with any session we hold, the peer keeps using a session we
 * lost or never had, and every room key it sends us is lost with it.  We
 * make a new Olm session with that device (claiming one of its one-time
 * keys) and send it an m.dummy over it, so that its next messages use the
 * new session; at most once an hour per device, as the spec says.
 *
 * The hour is kept in memory: a restart may heal a device once more.
 */
#include "e2ee_int.h"

#include "log.h"
#include "mx_api.h"
#include "store.h"
#include "store_crypto.h"

#define UNWEDGE_EVERY_MS ((int64_t)60 * 60 * 1000)
#define UNWEDGE_KEEP 1000       /* devices remembered; the oldest go first */
#define UNWEDGE_PER_CLAIM 20

struct unwedge {
	char *id;               /* "user\ndevice" */
	int64_t at;             /* when it was last healed, 0 while waiting */
	struct unwedge *next;
};

static struct unwedge *find(struct e2ee *e, const char *id)
{
	for (struct unwedge *u = e->unwedge; u; u = u->next)
		if (!strcmp(u->id, id))
			return u;
	return NULL;
}

void e2ee_unwedge_clear(struct e2ee *e)
{
	while (e->unwedge) {
		struct unwedge *u = e->unwedge;
		e->unwedge = u->next;
		free(u->id);
		free(u);
	}
	e->n_unwedge = 0;
}

/* Forget devices healed more than an hour ago, oldest first, while the
 * list is over its bound. */
static void prune(struct e2ee *e, int64_t now)
{
	struct unwedge **pp = &e->unwedge;

	while (*pp && e->n_unwedge > UNWEDGE_KEEP) {
		struct unwedge *u = *pp;
		if (u->at && now - u->at >= UNWEDGE_EVERY_MS) {
			*pp = u->next;
			free(u->id);
			free(u);
			e->n_unwedge--;
		} else {
			pp = &u->next;
		}
	}
}

int e2ee_unwedge_note(struct e2ee *e, const char *sender, const char *sender_key)
{
	struct device_row dev = { 0 };
	int64_t now = loop_wall_ms();
	struct unwedge *u;
	char *id;
	int known = store_device_by_curve(e->st, sender, sender_key, &dev);

	if (known < 0)
		return -1;
	if (!known)     /* not a device of anyone we share a room with: nothing to heal */
		return 0;
	id = xasprintf("%s\n%s", dev.user_id, dev.device_id);
	u = find(e, id);
	if (u && (!u->at || now - u->at < UNWEDGE_EVERY_MS)) {
		free(id);       /* waiting already, or healed within the hour */
	} else if (u) {
		free(id);
		u->at = 0;
	} else {
		u = xcalloc(1, sizeof(*u));
		u->id = id;
		u->next = e->unwedge;
		e->unwedge = u;
		e->n_unwedge++;
		prune(e, now);
	}
	if (!u->at)
		log_info("e2ee: the Olm channel with %s %s is broken; making a new one",
			 dev.user_id, dev.device_id);
	free(dev.user_id);
	free(dev.device_id);
	free(dev.ed25519);
	free(dev.curve25519);
	return 0;
}

/* The new sessions made: an m.dummy to each, and the hour starts. */
struct unwedge_apply {
	struct claim_apply ca;
	int sent;
};

static int apply(struct e2ee *e, void *arg)
{
	struct unwedge_apply *ua = arg;
	cJSON *tmpl = cJSON_CreateObject(), *messages = cJSON_CreateObject();
	char *plain;
	int n = 0, rc = -1, fail = 0;

	if (e2ee_apply_claim(e, &ua->ca))
		goto out;
	cJSON_AddStringToObject(tmpl, "type", "m.dummy");
	cJSON_AddObjectToObject(tmpl, "content");
	cJSON_AddStringToObject(tmpl, "sender", e->me);
	cJSON_AddStringToObject(tmpl, "sender_device", e->device);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(tmpl, "keys"), "ed25519",
			      cJSON_CreateString(e->ed));
	plain = e2ee_print(tmpl);
	for (size_t i = 0; i < ua->ca.got.n; i++) {
		char *user = xstrdup(ua->ca.got.v[i]), *nl = strchr(user, '\n');
		struct device_row *rows = NULL;
		size_t nr = 0;

		*nl = '\0';
		if (store_devices(e->st, user, &rows, &nr)) {
			free(user);
			free(plain);
			goto out;
		}
		for (size_t k = 0; k < nr; k++) {
			cJSON *msg, *uo;
			if (strcmp(rows[k].device_id, nl + 1))
				continue;
			/* the session just made is the most recent: the dummy opens it */
			msg = e2ee_key_message(e, &rows[k], plain, &fail);
			if (!msg)
				break;
			if (!(uo = cJSON_GetObjectItemCaseSensitive(messages, user)))
				uo = cJSON_AddObjectToObject(messages, user);
			cJSON_AddItemToObject(uo, rows[k].device_id, msg);
			n++;
			ua->sent++;
			break;
		}
		store_device_rows_free(rows, nr);
		free(user);
		if (fail) {
			free(plain);
			goto out;
		}
	}
	free(plain);
	if (e2ee_queue_to_device(e, messages, &n))
		goto out;
	rc = 0;
out:
	cJSON_Delete(tmpl);
	cJSON_Delete(messages);
	return rc;
}

static void on_claim(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;
	struct unwedge_apply ua = { 0 };
	int64_t now = loop_wall_ms();
	cJSON *j;

	e->req[J_UNWEDGE] = NULL;
	if (r->outcome != MX_OK && r->outcome != MX_REFUSED) {
		strv_release(&e->unwedge_ids);
		e2ee_job_failed(e, J_UNWEDGE, "claiming keys to heal Olm channels", r->error);
		return;
	}
	j = r->outcome == MX_OK ? cJSON_ParseWithLength(r->body, r->len) : NULL;
	ua.ca.resp = j;
	if (j && e2ee_in_txn(e, apply, &ua)) {
		cJSON_Delete(j);
		strv_release(&ua.ca.got);
		strv_release(&e->unwedge_ids);
		e2ee_job_failed(e, J_UNWEDGE, "healing Olm channels", store_errmsg(e->st));
		return;
	}
	cJSON_Delete(j);
	/* healed or not (no key to claim), each waits its hour */
	for (size_t i = 0; i < e->unwedge_ids.n; i++) {
		struct unwedge *u = find(e, e->unwedge_ids.v[i]);
		if (u)
			u->at = now;
		if (!strv_has(&ua.ca.got, e->unwedge_ids.v[i]))
			log_warn("e2ee: no one-time key to heal the Olm channel with %s",
				 e->unwedge_ids.v[i]);
	}
	if (ua.sent)
		log_info("e2ee: new Olm session and m.dummy sent to %d device%s", ua.sent,
			 ua.sent == 1 ? "" : "s");
	strv_release(&ua.ca.got);
	strv_release(&e->unwedge_ids);
	e->failures[J_UNWEDGE] = 0;
	e2ee_kick_job(e, J_TODEVICE);
	e2ee_kick_job(e, J_UNWEDGE);
}

void e2ee_start_unwedge(struct e2ee *e)
{
	cJSON *body, *otk;
	char *json;

	strv_release(&e->unwedge_ids);
	for (struct unwedge *u = e->unwedge; u && e->unwedge_ids.n < UNWEDGE_PER_CLAIM;
	     u = u->next)
		if (!u->at)
			strv_push(&e->unwedge_ids, u->id);
	if (!e->unwedge_ids.n)
		return;
	body = cJSON_CreateObject();
	otk = cJSON_AddObjectToObject(body, "one_time_keys");
	for (size_t i = 0; i < e->unwedge_ids.n; i++) {
		char *user = xstrdup(e->unwedge_ids.v[i]), *nl = strchr(user, '\n');
		cJSON *uo;
		*nl = '\0';
		if (!(uo = cJSON_GetObjectItemCaseSensitive(otk, user)))
			uo = cJSON_AddObjectToObject(otk, user);
		cJSON_AddStringToObject(uo, nl + 1, "signed_curve25519");
		free(user);
	}
	cJSON_AddNumberToObject(body, "timeout", 10000);
	json = e2ee_print(body);
	cJSON_Delete(body);
	e->req[J_UNWEDGE] = mx_api_call(e->api, "POST", "/keys/claim", json, on_claim, e);
	free(json);
	if (!e->req[J_UNWEDGE]) {
		strv_release(&e->unwedge_ids);
		e2ee_job_failed(e, J_UNWEDGE, "healing Olm channels", "cannot start the request");
	}
}
