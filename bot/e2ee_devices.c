/*
 * e2ee_devices.c - the device lists of the people we share encrypted
 * rooms with (spec v1.12 "Tracking the device list for a user", POST
 * /keys/query): each device's signature is checked, and a device that
 * changes its ed25519 key is refused.  Whom to ask is kept in the store
 * (store_tracked_*); this file asks and applies the answer.
 */
#include "e2ee_int.h"

#include "log.h"
#include "mx_api.h"
#include "signjson.h"
#include "store.h"
#include "store_crypto.h"

/* ---------- device lists ---------- */

struct query_apply {
	const cJSON *resp;
};

/* One user's devices from a /keys/query answer, checked one by one. */
static int apply_user_devices(struct e2ee *e, const char *user, const cJSON *devs)
{
	struct device_row *rows = NULL;
	size_t n = 0;
	const cJSON *dev;
	int rc = -1;

	if (store_devices(e->st, user, &rows, &n))
		return -1;
	cJSON_ArrayForEach(dev, devs) {
		const char *id = dev->string;
		char *kc, *ke;
		const char *curve, *ed;
		struct device_row *old = NULL;

		if (!id)
			continue;
		kc = xasprintf("curve25519:%s", id);
		ke = xasprintf("ed25519:%s", id);
		curve = jstr(jget(dev, "keys"), kc);
		ed = jstr(jget(dev, "keys"), ke);
		free(kc);
		free(ke);
		if (!e2ee_str_is(jstr(dev, "user_id"), user) || !e2ee_str_is(jstr(dev, "device_id"), id) ||
		    !curve || !ed || strlen(curve) != CRYPTO_KEY_LEN ||
		    strlen(ed) != CRYPTO_KEY_LEN) {
			log_warn("e2ee: ignoring malformed device %s of %s", id, user);
			continue;
		}
		if (signjson_verify(dev, user, id, ed)) {
			log_warn("e2ee: ignoring device %s of %s: its signature does not verify",
				 id, user);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (!strcmp(rows[i].device_id, id))
				old = &rows[i];
		if (old && strcmp(old->ed25519, ed)) {
			log_warn("e2ee: device %s of %s changed its ed25519 key; refusing the new "
				 "key (possible impersonation)", id, user);
			continue;
		}
		if (!strcmp(user, e->me) && !strcmp(id, e->device) &&
		    (strcmp(ed, e->ed) || strcmp(curve, e->curve))) {
			log_warn("e2ee: the server holds other keys for this device; publishing ours");
			store_meta_set(e->st, "e2ee.published", "0");
			continue;
		}
		if (store_device_put(e->st, user, id, ed, curve, 0))
			goto out;
		if (old)
			old->deleted = -1;      /* seen */
	}
	/* devices the answer no longer lists are gone */
	for (size_t i = 0; i < n; i++) {
		if (rows[i].deleted == -1 || rows[i].deleted == 1)
			continue;
		if (!jget(devs, rows[i].device_id) &&
		    store_device_put(e->st, user, rows[i].device_id, rows[i].ed25519,
				     rows[i].curve25519, 1))
			goto out;
	}
	if (!strcmp(user, e->me) && !jget(devs, e->device))
		store_meta_set(e->st, "e2ee.published", "0");
	rc = 0;
out:
	store_device_rows_free(rows, n);
	return rc;
}

int e2ee_devices_apply(struct e2ee *e, const cJSON *resp)
{
	const cJSON *dk = jget(resp, "device_keys"), *failures = jget(resp, "failures");

	for (size_t i = 0; i < e->q_users.n; i++) {
		const char *u = e->q_users.v[i], *colon = strchr(u, ':');
		const cJSON *devs = jget(dk, u);

		if (colon && jget(failures, colon + 1)) {
			/* never hold messages for a server that does not answer */
			log_warn("e2ee: %s's server did not give their devices; they will not get "
				 "room keys until it does", u);
			if (store_tracked_fresh(e->st, u, e->q_gens[i]))
				return -1;
			continue;
		}
		if (apply_user_devices(e, u, devs) || store_tracked_fresh(e->st, u, e->q_gens[i]))
			return -1;
	}
	return 0;
}

static int apply_query(struct e2ee *e, void *arg)
{
	return e2ee_devices_apply(e, ((struct query_apply *)arg)->resp);
}

/* The query's users count as answered, their devices as they were. */
static int give_up_query(struct e2ee *e, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < e->q_users.n; i++)
		if (store_tracked_fresh(e->st, e->q_users.v[i], e->q_gens[i]))
			return -1;
	return 0;
}

static void query_done(struct e2ee *e)
{
	strv_release(&e->q_users);
	free(e->q_gens);
	e->q_gens = NULL;
}

static void on_query(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;
	struct query_apply qa;
	cJSON *j;

	e->req[J_QUERY] = NULL;
	if (r->outcome == MX_REFUSED && e2ee_in_txn(e, give_up_query, NULL) == 0) {
		/* asking again would get the same answer: never hold messages on it */
		log_warn("e2ee: the server refused the device-key query (%s); the devices "
			 "known so far get the room keys", r->error);
		query_done(e);
		e2ee_progress(e);
		return;
	}
	if (r->outcome != MX_OK) {
		query_done(e);
		e2ee_job_failed(e, J_QUERY, "querying device keys", r->error);
		return;
	}
	j = cJSON_ParseWithLength(r->body, r->len);
	qa.resp = j;
	if (!cJSON_IsObject(j) || e2ee_in_txn(e, apply_query, &qa)) {
		cJSON_Delete(j);
		query_done(e);
		e2ee_job_failed(e, J_QUERY, "storing device keys",
			   cJSON_IsObject(j) ? store_errmsg(e->st) : "not JSON");
		return;
	}
	cJSON_Delete(j);
	log_debug("e2ee: device lists of %zu users refreshed", e->q_users.n);
	query_done(e);
	e->failures[J_QUERY] = 0;
	e2ee_kick(e);
	e2ee_progress(e);
}

void e2ee_start_query(struct e2ee *e)
{
	cJSON *body, *dk;
	char *json;

	if (store_tracked_outdated(e->st, &e->q_users, &e->q_gens) || !e->q_users.n) {
		query_done(e);
		return;
	}
	body = cJSON_CreateObject();
	dk = cJSON_AddObjectToObject(body, "device_keys");
	for (size_t i = 0; i < e->q_users.n; i++)
		cJSON_AddArrayToObject(dk, e->q_users.v[i]);
	cJSON_AddNumberToObject(body, "timeout", 10000);
	json = e2ee_print(body);
	cJSON_Delete(body);
	e->req[J_QUERY] = mx_api_call(e->api, "POST", "/keys/query", json, on_query, e);
	free(json);
	if (!e->req[J_QUERY]) {
		query_done(e);
		e2ee_job_failed(e, J_QUERY, "querying device keys", "cannot start the request");
	}
}
