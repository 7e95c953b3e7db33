/*
 * e2ee_publish.c - publishing the device's keys (spec v1.12 "Key
 * management API"): the signed device keys, one-time keys topped up to
 * half of what the account holds and a fallback key, and cross-signing
 * the device so that clients which exclude unsigned devices still talk to
 * it.  Every key is committed before the request that carries it goes
 * out, so a crash resends the same keys.
 */
#include "e2ee_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "loop.h"
#include "mx_api.h"
#include "signjson.h"
#include "ssss.h"
#include "store.h"

/* ---------- publishing keys ---------- */

/* A fallback key is replaced after this long even when nobody used it
 * (spec: clients should rotate it periodically), so that a key leaked or
 * claimed in bulk does not stay valid for ever.  CAUCUS_FALLBACK_ROTATE_MS
 * (tests only) shortens it. */
#define FALLBACK_ROTATE_MS ((int64_t)7 * 86400 * 1000)

static int64_t fallback_period(void)
{
	const char *v = getenv("CAUCUS_FALLBACK_ROTATE_MS");
	int64_t n = 0;

	return v && !str_to_i64(v, &n) && n > 0 ? n : FALLBACK_ROTATE_MS;
}

/* When the fallback key was made (wall ms), 0 when unknown or unreadable. */
static int64_t fallback_made(struct e2ee *e)
{
	char *v = store_meta_get(e->st, "e2ee.fallback_ms");
	int64_t made = 0;

	if (v && str_to_i64(v, &made))
		made = 0;
	free(v);
	return made;
}

/* 1 when the fallback key is older than its period (or of unknown age). */
static int fallback_old(struct e2ee *e)
{
	int64_t made = fallback_made(e);

	return made <= 0 || loop_wall_ms() - made >= fallback_period();
}

static void on_fallback_timer(void *ud)
{
	e2ee_kick_job(ud, J_UPLOAD);
}

/* Wake up when the fallback key's period is over (syncs may be far apart). */
static void arm_fallback_timer(struct e2ee *e)
{
	int64_t made = fallback_made(e);
	int64_t left = made > 0 ? made + fallback_period() - loop_wall_ms() : 0;

	loop_timer_cancel(e->loop, e->fallback_timer);
	e->fallback_timer = loop_timer_add(e->loop, left > 0 ? left + 100 : 1000,
					   on_fallback_timer, e);
}

/* The device_keys object, signed by the account (caller frees). */
static cJSON *device_keys(struct e2ee *e, struct crypto_account *a)
{
	cJSON *o = cJSON_CreateObject(), *algs, *keys;
	char *kid;

	cJSON_AddStringToObject(o, "user_id", e->me);
	cJSON_AddStringToObject(o, "device_id", e->device);
	algs = cJSON_AddArrayToObject(o, "algorithms");
	cJSON_AddItemToArray(algs, cJSON_CreateString(OLM_ALGO));
	cJSON_AddItemToArray(algs, cJSON_CreateString(MEGOLM_ALGO));
	keys = cJSON_AddObjectToObject(o, "keys");
	kid = xasprintf("curve25519:%s", e->device);
	cJSON_AddStringToObject(keys, kid, e->curve);
	free(kid);
	kid = xasprintf("ed25519:%s", e->device);
	cJSON_AddStringToObject(keys, kid, e->ed);
	free(kid);
	if (signjson_sign_account(o, e->me, e->device, a)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Add each key of a {"curve25519":{id:key}} JSON to dst as signed keys. */
static int add_signed_keys(struct e2ee *e, struct crypto_account *a, cJSON *dst,
			   const char *json, int fallback)
{
	cJSON *k = cJSON_Parse(json), *it;
	int n = 0;

	cJSON_ArrayForEach(it, jget(k, "curve25519")) {
		cJSON *o;
		char *name;

		if (!cJSON_IsString(it))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", it->valuestring);
		if (fallback)
			cJSON_AddTrueToObject(o, "fallback");
		if (signjson_sign_account(o, e->me, e->device, a)) {
			cJSON_Delete(o);
			n = -1;
			break;
		}
		name = xasprintf("signed_curve25519:%s", it->string);
		cJSON_AddItemToObject(dst, name, o);
		free(name);
		n++;
	}
	cJSON_Delete(k);
	return n;
}

struct upload_plan {
	char *body;
	int fallback;           /* fallback keys in it */
	int otks;               /* one-time keys in it */
	int device;             /* device keys in it */
};

/* Make the keys to publish and keep them (before they are sent). */
static int plan_upload(struct e2ee *e, void *arg)
{
	struct upload_plan *p = arg;
	struct crypto_account *a = e2ee_account_load(e);
	cJSON *body = NULL, *otks, *fbs;
	char *json = NULL;
	int rc = -1, published = e2ee_meta_int(e, "e2ee.published");
	size_t max, target, unpub = 0;

	if (!a)
		return -1;
	max = crypto_account_max_otks(a);
	target = max / 2;
	json = crypto_account_otks(a);
	if (json) {
		cJSON *k = cJSON_Parse(json);
		unpub = (size_t)cJSON_GetArraySize(jget(k, "curve25519"));
		cJSON_Delete(k);
	}
	free(json);
	json = NULL;
	if (!published && e->otk_count < 0)
		e->otk_count = 0;       /* a new device: the server has none */
	if (e->otk_count >= 0 && (size_t)e->otk_count + unpub < target) {
		size_t n = target - (size_t)e->otk_count - unpub;
		if ((size_t)e->otk_count + unpub + n > max)
			n = max - (size_t)e->otk_count - unpub;
		if (n && crypto_account_generate_otks(a, n))
			goto out;
	}
	if (!e->fallback_ok || fallback_old(e)) {
		char made[24];
		/* the one before stays until the next: a peer may have just claimed it */
		crypto_account_forget_old_fallback(a);
		if (crypto_account_generate_fallback(a))
			goto out;
		snprintf(made, sizeof(made), "%lld", (long long)loop_wall_ms());
		if (store_meta_set(e->st, "e2ee.fallback_ms", made))
			goto out;
	}
	body = cJSON_CreateObject();
	if (!published) {
		cJSON *dk = device_keys(e, a);
		if (!dk)
			goto out;
		cJSON_AddItemToObject(body, "device_keys", dk);
	}
	otks = cJSON_AddObjectToObject(body, "one_time_keys");
	json = crypto_account_otks(a);
	if (!json || (p->otks = add_signed_keys(e, a, otks, json, 0)) < 0)
		goto out;
	p->device = !published;
	free(json);
	fbs = cJSON_AddObjectToObject(body, "fallback_keys");
	json = crypto_account_fallback(a);
	if (!json)
		goto out;
	p->fallback = add_signed_keys(e, a, fbs, json, 1);
	if (p->fallback < 0)
		goto out;
	if (published && !p->otks && !p->fallback) {
		rc = 0;         /* nothing to publish */
		goto out;
	}
	if (e2ee_account_save(e, a))
		goto out;
	p->body = e2ee_print(body);
	rc = 0;
out:
	free(json);
	cJSON_Delete(body);
	crypto_account_free(a);
	return rc;
}

static int mark_published(struct e2ee *e, void *arg)
{
	struct crypto_account *a = e2ee_account_load(e);
	int rc = -1;

	(void)arg;
	if (!a)
		return -1;
	crypto_account_mark_published(a);
	if (e2ee_account_save(e, a) || store_meta_set(e->st, "e2ee.published", "1"))
		goto out;
	rc = 0;
out:
	crypto_account_free(a);
	return rc;
}

static void on_upload(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;
	cJSON *j;
	const cJSON *n;

	e->req[J_UPLOAD] = NULL;
	if (r->outcome != MX_OK) {
		e2ee_job_failed(e, J_UPLOAD, "publishing keys", r->error);
		return;
	}
	if (e2ee_in_txn(e, mark_published, NULL)) {
		e2ee_job_failed(e, J_UPLOAD, "storing published keys", store_errmsg(e->st));
		return;
	}
	e->failures[J_UPLOAD] = 0;
	e->upload_epoch++;
	if (e->upload_fallback)
		e->fallback_ok = 1;
	j = cJSON_ParseWithLength(r->body, r->len);
	n = jget(jget(j, "one_time_key_counts"), "signed_curve25519");
	e->otk_count = e2ee_jcount(n);
	cJSON_Delete(j);
	log_debug("e2ee: keys published; %lld one-time keys on the server",
		 (long long)e->otk_count);
	arm_fallback_timer(e);
	e2ee_kick(e);
}

void e2ee_start_upload(struct e2ee *e)
{
	struct upload_plan p = { 0 };

	if (e2ee_in_txn(e, plan_upload, &p)) {
		e2ee_job_failed(e, J_UPLOAD, "making keys", store_errmsg(e->st));
		return;
	}
	if (!p.body)
		return;
	e->upload_fallback = p.fallback > 0;
	log_info("e2ee: publishing %s%d one-time keys%s", p.device ? "the device keys, " : "",
		 p.otks, p.fallback ? " and a fallback key" : "");
	e->req[J_UPLOAD] = mx_api_call(e->api, "POST", "/keys/upload", p.body, on_upload, e);
	free(p.body);
	if (!e->req[J_UPLOAD])
		e2ee_job_failed(e, J_UPLOAD, "publishing keys", "cannot start the request");
}

int e2ee_upload_due(struct e2ee *e)
{
	if (!e2ee_meta_int(e, "e2ee.published"))
		return 1;
	if (e->otk_count >= 0 && e->otk_count < ROTATION_MSGS_DEFAULT / 2)
		return 1;       /* below half of the 100 libolm keeps */
	return !e->fallback_ok || fallback_old(e);
}

/* ---------- cross-signing ---------- */

static const char *const xs_usage[3] = { "master", "self_signing", "user_signing" };

/* The three cross-signing seeds, made once and kept sealed. */
static int xsign_seeds(struct e2ee *e, void *arg)
{
	unsigned char seed[CRYPTO_SEED_LEN];
	int rc = -1;

	(void)arg;
	for (int i = 0; i < 3; i++) {
		char key[48], *sealed;
		snprintf(key, sizeof(key), "e2ee.xs.%s", xs_usage[i]);
		if (crypto_random(seed, sizeof(seed)))
			goto out;
		sealed = crypto_seal(seed, &e->pk);
		if (!sealed || store_meta_set(e->st, key, sealed)) {
			free(sealed);
			goto out;
		}
		free(sealed);
	}
	rc = 0;
out:
	memset(seed, 0, sizeof(seed));
	return rc;
}

/* Cross-signing key i, or NULL; its public key into pub. */
static struct crypto_signer *xsign_key(struct e2ee *e, int i, char *pub)
{
	unsigned char seed[CRYPTO_SEED_LEN];
	char key[48], *sealed;
	struct crypto_signer *s = NULL;

	snprintf(key, sizeof(key), "e2ee.xs.%s", xs_usage[i]);
	sealed = store_meta_get(e->st, key);
	if (sealed && crypto_unseal(sealed, &e->pk, seed) == 0)
		s = crypto_signer_new(seed, pub);
	memset(seed, 0, sizeof(seed));
	free(sealed);
	return s;
}

static cJSON *xsign_object(struct e2ee *e, int i, const char *pub)
{
	cJSON *o = cJSON_CreateObject(), *keys;
	char *kid = xasprintf("ed25519:%s", pub);

	cJSON_AddStringToObject(o, "user_id", e->me);
	cJSON_AddItemToObject(o, "usage", cJSON_CreateStringArray(&xs_usage[i], 1));
	keys = cJSON_AddObjectToObject(o, "keys");
	cJSON_AddStringToObject(keys, kid, pub);
	free(kid);
	return o;
}

static void xsign_next(struct e2ee *e, int step);

void e2ee_xsign_forget_secrets(struct e2ee *e)
{
	explicit_bzero(e->rk, sizeof(e->rk));
	explicit_bzero(e->ssk_seed, sizeof(e->ssk_seed));
	e->rk_ok = e->ssk_have = 0;
	if (e->rk_phrase)
		free_secret(e->rk_phrase);
	e->rk_phrase = NULL;
	free(e->rk_phrase_err);
	e->rk_phrase_err = NULL;
	free(e->ssss_key_id);
	e->ssss_key_id = NULL;
}

/* The account's identity cannot be opened: say why, leave the device. */
static void ssss_give_up(struct e2ee *e, const char *why)
{
	log_error("e2ee: cannot sign this device with the account's cross-signing "
		  "identity: %s.  The device stays unsigned: clients that exclude unsigned "
		  "devices will not talk to it", why);
	e2ee_xsign_forget_secrets(e);
	e->xsign_step = 3;
}

/* The only key of a published cross-signing key object into pub; 0 or -1. */
static int published_key(const cJSON *o, char *pub)
{
	const cJSON *k = jget(o, "keys"), *first = k ? k->child : NULL;

	if (!first || first->next || !cJSON_IsString(first) ||
	    strlen(first->valuestring) != CRYPTO_KEY_LEN ||
	    strncmp(first->string, "ed25519:", 8) || strcmp(first->string + 8,
							     first->valuestring))
		return -1;
	memcpy(pub, first->valuestring, CRYPTO_KEY_LEN + 1);
	return 0;
}

/* Steps 10-12: an account-data answer of the secret storage walk. */
static void on_ssss(struct e2ee *e, const struct mx_result *r, const cJSON *j)
{
	char err[300];

	if (r->http == 404) {
		ssss_give_up(e, e->xsign_step == 10 ? "the account has no secret storage "
			     "(no m.secret_storage.default_key): set up recovery in Element" :
			     e->xsign_step == 11 ? "the account's default secret storage key "
			     "has no description" : "the account's secret storage holds no "
			     "self-signing key (m.cross_signing.self_signing)");
		return;
	}
	if (r->outcome == MX_REFUSED) {
		char why[200];
		snprintf(why, sizeof(why), "the server refused to read the account's secret "
			 "storage (%.120s)", r->error ? r->error : "?");
		ssss_give_up(e, why);
		return;
	}
	if (r->outcome != MX_OK) {
		e2ee_job_failed(e, J_XSIGN, "reading secret storage", r->error);
		return;
	}
	switch (e->xsign_step) {
	case 10: {
		const char *id = jstr(j, "key");
		if (!id || !*id || strlen(id) > 200 || strchr(id, '/')) {
			ssss_give_up(e, "the account's m.secret_storage.default_key names no key");
			return;
		}
		free(e->ssss_key_id);
		e->ssss_key_id = xstrdup(id);
		xsign_next(e, 11);
		return;
	}
	case 11:
		if (e->rk_phrase) {
			if (!cJSON_IsObject(jget(j, "passphrase"))) {
				snprintf(err, sizeof(err), "the recovery key file: %s",
					 e->rk_phrase_err ? e->rk_phrase_err : "not a recovery key");
				ssss_give_up(e, err);
				return;
			}
			if (ssss_phrase_key(e->rk_phrase, j, e->rk, err, sizeof(err))) {
				ssss_give_up(e, err);
				return;
			}
			free_secret(e->rk_phrase);
			e->rk_phrase = NULL;
		}
		if (ssss_check_key(e->rk, e->ssss_key_id, j, err, sizeof(err))) {
			ssss_give_up(e, err);
			return;
		}
		xsign_next(e, 12);
		return;
	case 12: {
		char pub[CRYPTO_KEY_LEN + 1];
		struct crypto_signer *s;
		if (ssss_secret_seed(e->rk, e->ssss_key_id, "m.cross_signing.self_signing", j,
				     e->ssk_seed, err, sizeof(err))) {
			ssss_give_up(e, err);
			return;
		}
		s = crypto_signer_new(e->ssk_seed, pub);
		crypto_signer_free(s);
		if (!s || strcmp(pub, e->ssk_pub)) {
			ssss_give_up(e, "the self-signing key in secret storage is not the one "
				     "the account publishes (secret storage out of date?)");
			return;
		}
		e->ssk_have = 1;
		explicit_bzero(e->rk, sizeof(e->rk));
		e->rk_ok = 0;
		log_info("e2ee: opened the account's self-signing key %s from secret storage",
			 pub);
		xsign_next(e, 2);
		return;
	}
	}
}

static void xsign_next(struct e2ee *e, int step)
{
	e->xsign_step = step;
	e->failures[J_XSIGN] = 0;
	e2ee_start_xsign(e);
}

static void on_xsign(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;
	cJSON *j = cJSON_ParseWithLength(r->body, r->len);
	char pub[CRYPTO_KEY_LEN + 1];

	e->req[J_XSIGN] = NULL;
	if (e->xsign_step >= 10) {
		on_ssss(e, r, j);
		cJSON_Delete(j);
		return;
	}
	switch (e->xsign_step) {
	case 0: {       /* what the server has for us */
		const cJSON *mk = jget(jget(j, "master_keys"), e->me);
		struct crypto_signer *s;
		if (r->outcome != MX_OK)
			goto failed;
		s = xsign_key(e, 0, pub);
		crypto_signer_free(s);
		if (mk && !s && e->rk_ok) {
			/* made by another client: open it with the recovery key */
			if (published_key(jget(jget(j, "self_signing_keys"), e->me),
					  e->ssk_pub)) {
				ssss_give_up(e, "the account has a master key but no valid "
					     "self-signing key");
				break;
			}
			xsign_next(e, 10);
			break;
		}
		if (mk && !s) {
			log_warn("e2ee: the account %s already has a cross-signing master key that "
				 "this install does not hold; not replacing it.  This device stays "
				 "unsigned: clients that exclude unsigned devices will not talk to "
				 "it.  Reset cross-signing for the account to let caucus own it.",
				 e->me);
			store_meta_set(e->st, "e2ee.xsign", "foreign");
			e->xsign_step = 3;
			break;
		}
		if (mk && s) {
			char *kid = xasprintf("ed25519:%s", pub);
			int ours = e2ee_str_is(jstr(jget(mk, "keys"), kid), pub);
			free(kid);
			if (!ours) {
				log_warn("e2ee: the account's cross-signing master key was replaced "
					 "by another client; this device stays signed by the old one");
				store_meta_set(e->st, "e2ee.xsign", "foreign");
				e->xsign_step = 3;
				break;
			}
		}
		if (!s && e2ee_in_txn(e, xsign_seeds, NULL))
			goto failed;
		xsign_next(e, 1);
		break;
	}
	case 1: {       /* the keys uploaded, or the server wants the password */
		const char *session = jstr(j, "session");
		if (r->http == 401 && session && jget(j, "flows")) {
			if (!e->password || e->xsign_uia) {
				log_warn("e2ee: the server wants the account's password to publish "
					 "cross-signing keys%s; this device stays unsigned",
					 e->password ? " and refused it" : " (none configured)");
				e->xsign_step = 3;
				break;
			}
			e->xsign_uia = 1;
			store_meta_set(e->st, "e2ee.xs_session", session);
			e2ee_start_xsign(e);
			break;
		}
		if (r->outcome != MX_OK)
			goto failed;
		xsign_next(e, 2);
		break;
	}
	case 2: {       /* the device signed by the self-signing key */
		const cJSON *fail = jget(j, "failures");
		if (r->outcome != MX_OK)
			goto failed;
		if (cJSON_GetArraySize(fail) > 0) {
			char *f = e2ee_print(fail);
			log_warn("e2ee: the server refused the device's cross-signature: %.300s", f);
			free(f);
			e2ee_xsign_forget_secrets(e);
			e->xsign_step = 3;
			break;
		}
		store_meta_set(e->st, "e2ee.xsign", "signed");
		log_info("e2ee: device %s cross-signed%s", e->device, e->ssk_have ?
			 " with the account's self-signing key from secret storage" : "");
		e2ee_xsign_forget_secrets(e);
		e->xsign_step = 3;
		break;
	}
	}
	cJSON_Delete(j);
	if (e->xsign_step == 3)
		e2ee_xsign_forget_secrets(e);        /* settled: the recovery key is not needed */
	return;
failed:
	cJSON_Delete(j);
	e2ee_job_failed(e, J_XSIGN, "cross-signing", r->error);
}

void e2ee_start_xsign(struct e2ee *e)
{
	cJSON *body = cJSON_CreateObject();
	struct crypto_signer *s[3] = { NULL, NULL, NULL };
	char pub[3][CRYPTO_KEY_LEN + 1];
	const char *path = NULL;
	char *json = NULL;

	switch (e->xsign_step) {
	case 0: {
		cJSON *dk = cJSON_AddObjectToObject(body, "device_keys");
		cJSON_AddArrayToObject(dk, e->me);
		path = "/keys/query";
		break;
	}
	case 1: {
		static const char *const field[3] = { "master_key", "self_signing_key",
						      "user_signing_key" };
		struct crypto_account *a = e2ee_account_load(e);
		char *session = store_meta_get(e->st, "e2ee.xs_session");
		for (int i = 0; i < 3; i++)
			if (!(s[i] = xsign_key(e, i, pub[i])))
				goto fail;
		for (int i = 0; i < 3; i++) {
			cJSON *o = xsign_object(e, i, pub[i]);
			int bad = i ? signjson_sign_signer(o, e->me, pub[0], s[0])
				    : (a ? signjson_sign_account(o, e->me, e->device, a) : 0);
			if (bad) {
				cJSON_Delete(o);
				crypto_account_free(a);
				free(session);
				goto fail;
			}
			cJSON_AddItemToObject(body, field[i], o);
		}
		crypto_account_free(a);
		if (e->xsign_uia && session) {
			cJSON *auth = cJSON_AddObjectToObject(body, "auth"), *id;
			cJSON_AddStringToObject(auth, "type", "m.login.password");
			id = cJSON_AddObjectToObject(auth, "identifier");
			cJSON_AddStringToObject(id, "type", "m.id.user");
			cJSON_AddStringToObject(id, "user", e->me);
			cJSON_AddStringToObject(auth, "password", e->password);
			cJSON_AddStringToObject(auth, "session", session);
		}
		free(session);
		path = "/keys/device_signing/upload";
		break;
	}
	case 2: {
		struct crypto_account *a = e2ee_account_load(e);
		cJSON *dk = a ? device_keys(e, a) : NULL, *u;
		crypto_account_free(a);
		if (e->ssk_have)
			s[1] = crypto_signer_new(e->ssk_seed, pub[1]);
		else if (dk)
			s[1] = xsign_key(e, 1, pub[1]);
		if (!dk || !s[1]) {
			cJSON_Delete(dk);
			goto fail;
		}
		/* the device's own signature stays; the self-signing one joins it */
		if (signjson_sign_signer(dk, e->me, pub[1], s[1])) {
			cJSON_Delete(dk);
			goto fail;
		}
		u = cJSON_AddObjectToObject(body, e->me);
		cJSON_AddItemToObject(u, e->device, dk);
		path = "/keys/signatures/upload";
		break;
	}
	case 10: case 11: case 12: {
		char *me = mx_api_escape(e->me), *type;
		char *p = NULL;
		if (e->xsign_step == 10)
			type = xstrdup("m.secret_storage.default_key");
		else if (e->xsign_step == 11)
			type = xasprintf("m.secret_storage.key.%s", e->ssss_key_id);
		else
			type = xstrdup("m.cross_signing.self_signing");
		p = mx_api_escape(type);
		free(type);
		type = xasprintf("/user/%s/account_data/%s", me, p);
		free(me);
		free(p);
		e->req[J_XSIGN] = mx_api_call(e->api, "GET", type, NULL, on_xsign, e);
		free(type);
		if (!e->req[J_XSIGN])
			e2ee_job_failed(e, J_XSIGN, "reading secret storage",
				   "cannot start the request");
		goto out;
	}
	default:
		cJSON_Delete(body);
		return;
	}
	json = e2ee_print(body);
	e->req[J_XSIGN] = mx_api_call(e->api, "POST", path, json, on_xsign, e);
	free_secret(json);
	if (!e->req[J_XSIGN])
		e2ee_job_failed(e, J_XSIGN, "cross-signing", "cannot start the request");
	goto out;
fail:
	e2ee_job_failed(e, J_XSIGN, "cross-signing", crypto_error());
out:
	for (int i = 0; i < 3; i++)
		crypto_signer_free(s[i]);
	cJSON_Delete(body);
}
