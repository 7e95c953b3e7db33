/*
 * e2ee.c - end-to-end encryption for the daemon: the device's keys and
 * their publication, device lists, decrypting Olm and Megolm, and sharing
 * room keys before the outbox sends a sealed message.  The libolm details
 * are behind crypto.h, the rows behind store_crypto.h; this file is the
 * protocol (spec v1.12 "End-to-End Encryption").  Network work is one call
 * of each kind at a time, retried with backoff; every change of key state
 * is committed before the request that depends on it goes out, so a crash
 * resends the same keys and never reuses a one-time key or a ratchet step.
 */
#include "e2ee.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "mx_api.h"
#include "signjson.h"
#include "store.h"
#include "store_crypto.h"
#include "util.h"

#define OLM_ALGO "m.olm.v1.curve25519-aes-sha2"
#define MEGOLM_ALGO "m.megolm.v1.aes-sha2"
#define ROTATION_MS_DEFAULT ((int64_t)7 * 86400 * 1000)
#define ROTATION_MSGS_DEFAULT 100
#define DEVICES_PER_REQUEST 20
#define NOKEY_RETRY_MS (10 * 60 * 1000)  /* a device that had no key to claim */
#define BACKOFF_MAX_MS 60000

enum job { J_UPLOAD, J_QUERY, J_CLAIM, J_TODEVICE, J_XSIGN, J_COUNT };

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
	struct loop_timer *timer[J_COUNT];
	struct job_ref {
		struct e2ee *e;
		enum job j;
	} refs[J_COUNT];
	struct loop_timer *progress_timer;

	int64_t otk_count;      /* on the server, -1 unknown */
	int fallback_ok;        /* the server has an unused fallback key */
	unsigned upload_epoch;  /* uploads finished */
	unsigned sync_epoch;    /* upload_epoch when the current /sync started */
	int upload_fallback;    /* the upload in flight carries a fallback key */

	/* the query in flight */
	struct strv q_users;
	int64_t *q_gens;

	int xsign_step;         /* 0 look, 1 upload keys, 2 sign device, 3 done */
	int xsign_uia;          /* the password was offered once */

	int64_t todevice_id;    /* the queued to-device send in flight */
	struct nokey *nokeys;
	struct ready *ready;
	struct pending_row *ready_rows;
	size_t n_ready_rows, i_ready_row;
};

static void kick_job(struct e2ee *e, enum job j);

static const cJSON *jget(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = jget(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int str_is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* cJSON text of o, or abort (out of memory is fatal in one place). */
static char *print(const cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (!s)
		abort();
	return s;
}

/* ---------- the pickle key and the account ---------- */

/*
 * The key file holds 64 hex digits.  Created with mode 0600 when missing;
 * a key others can read is refused.  The key text goes to *key (secret,
 * caller frees).
 */
static int read_key_file(const char *path, char **key, char *err, size_t errlen)
{
	unsigned char raw[32];
	char hex[65], buf[130];
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (crypto_random(raw, sizeof(raw))) {
			snprintf(err, errlen, "no random bytes for %s", path);
			return -1;
		}
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(hex + 2 * i, 3, "%02x", raw[i]);
		memset(raw, 0, sizeof(raw));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, hex, 64) != 64 || write(fd, "\n", 1) != 1 ||
		    fsync(fd)) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			memset(hex, 0, sizeof(hex));
			return -1;
		}
		close(fd);
		log_info("e2ee: created the pickle key file %s", path);
		*key = xstrdup(hex);
		memset(hex, 0, sizeof(hex));
		return 0;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077)) {
		snprintf(err, errlen, "%s can be read by others (mode %03o); chmod 600 it",
			 path, (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	str_trim(buf);
	if (strlen(buf) < 32) {
		snprintf(err, errlen, "%s: the key is too short (64 hex digits expected)", path);
		goto out;
	}
	*key = xstrdup(str_trim(buf));
	rc = 0;
out:
	memset(buf, 0, sizeof(buf));
	close(fd);
	return rc;
}

static struct crypto_account *account_load(struct e2ee *e)
{
	char *p = store_meta_get(e->st, "e2ee.account");
	struct crypto_account *a = NULL;

	if (!p)
		return NULL;
	a = crypto_account_load(p, &e->pk);
	if (!a)
		log_error("e2ee: cannot open the stored account: %s", crypto_error());
	free(p);
	return a;
}

static int account_save(struct e2ee *e, struct crypto_account *a)
{
	char *p = crypto_account_pickle(a, &e->pk);
	int rc = p ? store_meta_set(e->st, "e2ee.account", p) : -1;

	free(p);
	return rc;
}

static int meta_int(struct e2ee *e, const char *key)
{
	char *v = store_meta_get(e->st, key);
	int n = v ? atoi(v) : 0;

	free(v);
	return n;
}

struct e2ee *e2ee_new(struct store *st, struct mx_api *api, struct loop *loop,
		      const char *key_file, const char *user_id, const char *device_id,
		      const char *password, char *err, size_t errlen)
{
	struct e2ee *e = xcalloc(1, sizeof(*e));
	struct crypto_account *a = NULL;
	char *dev = NULL;

	e->st = st;
	e->api = api;
	e->loop = loop;
	e->me = xstrdup(user_id);
	e->device = xstrdup(device_id);
	e->password = password ? xstrdup(password) : NULL;
	e->otk_count = -1;
	e->fallback_ok = 1;     /* until a sync says otherwise */
	if (read_key_file(key_file, &e->key, err, errlen))
		goto fail;
	e->pk.key = e->key;
	e->pk.len = strlen(e->key);
	dev = store_meta_get(st, "e2ee.device");
	if (dev && strcmp(dev, device_id)) {
		/* the stored keys belong to another device: never reuse them */
		snprintf(err, errlen, "the stored encryption keys belong to device %s, not %s",
			 dev, device_id);
		goto fail;
	}
	if (dev) {
		a = account_load(e);
		if (!a) {
			snprintf(err, errlen, "the key in %s does not open the stored encryption "
				 "keys (a different or damaged key file?)", key_file);
			goto fail;
		}
	} else {
		a = crypto_account_new();
		if (!a) {
			snprintf(err, errlen, "cannot create an Olm account: %s", crypto_error());
			goto fail;
		}
		/* kept before any key leaves the machine */
		if (store_begin(st) || account_save(e, a) ||
		    store_meta_set(st, "e2ee.device", device_id) ||
		    store_meta_set(st, "e2ee.published", "0") || store_commit(st)) {
			store_rollback(st);
			snprintf(err, errlen, "cannot store the new account: %s", store_errmsg(st));
			goto fail;
		}
		log_info("e2ee: created the Olm account of device %s", device_id);
	}
	if (crypto_account_identity(a, e->curve, e->ed)) {
		snprintf(err, errlen, "cannot read the identity keys: %s", crypto_error());
		goto fail;
	}
	crypto_account_free(a);
	free(dev);
	/* device lists may have changed while we were away */
	if (store_begin(st) || store_tracked_ensure(st, e->me) || store_tracked_from_rooms(st) ||
	    store_tracked_all_outdated(st) || store_commit(st))
		store_rollback(st);
	log_info("e2ee: device %s, identity key %s", device_id, e->ed);
	return e;
fail:
	crypto_account_free(a);
	free(dev);
	e2ee_free(e);
	return NULL;
}

static void ready_clear(struct e2ee *e)
{
	while (e->ready) {
		struct ready *r = e->ready;
		e->ready = r->next;
		free(r->room_id);
		free(r->session_id);
		free(r);
	}
	store_pending_rows_free(e->ready_rows, e->n_ready_rows);
	e->ready_rows = NULL;
	e->n_ready_rows = e->i_ready_row = 0;
}

void e2ee_free(struct e2ee *e)
{
	if (!e)
		return;
	for (int j = 0; j < J_COUNT; j++) {
		mx_api_cancel(e->api, e->req[j]);
		loop_timer_cancel(e->loop, e->timer[j]);
	}
	loop_timer_cancel(e->loop, e->progress_timer);
	while (e->nokeys) {
		struct nokey *k = e->nokeys;
		e->nokeys = k->next;
		free(k->id);
		free(k);
	}
	ready_clear(e);
	strv_release(&e->q_users);
	free(e->q_gens);
	free(e->me);
	free(e->device);
	free_secret(e->password);
	free_secret(e->key);
	free(e);
}

void e2ee_on_progress(struct e2ee *e, void (*fn)(void *ud), void *ud)
{
	e->progress = fn;
	e->progress_ud = ud;
}

static void on_progress(void *ud)
{
	struct e2ee *e = ud;

	e->progress_timer = NULL;
	if (e->progress)
		e->progress(e->progress_ud);
}

/* Tell the outbox, from the loop (never from inside its own call). */
static void progress(struct e2ee *e)
{
	if (!e->progress_timer)
		e->progress_timer = loop_timer_add(e->loop, 0, on_progress, e);
}

/* ---------- jobs: one call of each kind at a time, with backoff ---------- */

static void on_job_timer(void *ud);

static void job_failed(struct e2ee *e, enum job j, const char *what, const char *why)
{
	int64_t d = 1000;

	e->failures[j]++;
	for (int i = 1; i < e->failures[j] && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	log_msg(e->failures[j] <= 3 ? LOG_WARN : LOG_DEBUG, "e2ee: %s failed (%s); next try in %lld ms",
		what, why ? why : "?", (long long)d);
	e->refs[j].e = e;
	e->refs[j].j = j;
	loop_timer_cancel(e->loop, e->timer[j]);
	e->timer[j] = loop_timer_add(e->loop, d, on_job_timer, &e->refs[j]);
}

static void on_job_timer(void *ud)
{
	struct job_ref *r = ud;

	r->e->timer[r->j] = NULL;
	kick_job(r->e, r->j);
}

static int job_busy(struct e2ee *e, enum job j)
{
	return e->req[j] || e->timer[j];
}

/* Run fn inside a transaction; 0 or -1 (rolled back). */
static int in_txn(struct e2ee *e, int (*fn)(struct e2ee *e, void *arg), void *arg)
{
	if (store_begin(e->st))
		return -1;
	if (fn(e, arg)) {
		store_rollback(e->st);
		return -1;
	}
	if (store_commit(e->st)) {
		store_rollback(e->st);
		return -1;
	}
	return 0;
}

/* ---------- publishing keys ---------- */

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
	struct crypto_account *a = account_load(e);
	cJSON *body = NULL, *otks, *fbs;
	char *json = NULL;
	int rc = -1, published = meta_int(e, "e2ee.published");
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
	if (!e->fallback_ok) {
		crypto_account_forget_old_fallback(a);
		if (crypto_account_generate_fallback(a))
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
	if (account_save(e, a))
		goto out;
	p->body = print(body);
	rc = 0;
out:
	free(json);
	cJSON_Delete(body);
	crypto_account_free(a);
	return rc;
}

static int mark_published(struct e2ee *e, void *arg)
{
	struct crypto_account *a = account_load(e);
	int rc = -1;

	(void)arg;
	if (!a)
		return -1;
	crypto_account_mark_published(a);
	if (account_save(e, a) || store_meta_set(e->st, "e2ee.published", "1"))
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
		job_failed(e, J_UPLOAD, "publishing keys", r->error);
		return;
	}
	if (in_txn(e, mark_published, NULL)) {
		job_failed(e, J_UPLOAD, "storing published keys", store_errmsg(e->st));
		return;
	}
	e->failures[J_UPLOAD] = 0;
	e->upload_epoch++;
	if (e->upload_fallback)
		e->fallback_ok = 1;
	j = cJSON_ParseWithLength(r->body, r->len);
	n = jget(jget(j, "one_time_key_counts"), "signed_curve25519");
	e->otk_count = cJSON_IsNumber(n) ? (int64_t)n->valuedouble : 0;
	cJSON_Delete(j);
	log_debug("e2ee: keys published; %lld one-time keys on the server",
		 (long long)e->otk_count);
	e2ee_kick(e);
}

static void start_upload(struct e2ee *e)
{
	struct upload_plan p = { 0 };

	if (in_txn(e, plan_upload, &p)) {
		job_failed(e, J_UPLOAD, "making keys", store_errmsg(e->st));
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
		job_failed(e, J_UPLOAD, "publishing keys", "cannot start the request");
}

static int upload_due(struct e2ee *e)
{
	if (!meta_int(e, "e2ee.published"))
		return 1;
	if (e->otk_count >= 0 && e->otk_count < ROTATION_MSGS_DEFAULT / 2)
		return 1;       /* below half of the 100 libolm keeps */
	return !e->fallback_ok;
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

static void start_xsign(struct e2ee *e);

static void xsign_next(struct e2ee *e, int step)
{
	e->xsign_step = step;
	e->failures[J_XSIGN] = 0;
	start_xsign(e);
}

static void on_xsign(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;
	cJSON *j = cJSON_ParseWithLength(r->body, r->len);
	char pub[CRYPTO_KEY_LEN + 1];

	e->req[J_XSIGN] = NULL;
	switch (e->xsign_step) {
	case 0: {       /* what the server has for us */
		const cJSON *mk = jget(jget(j, "master_keys"), e->me);
		struct crypto_signer *s;
		if (r->outcome != MX_OK)
			goto failed;
		s = xsign_key(e, 0, pub);
		crypto_signer_free(s);
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
			int ours = str_is(jstr(jget(mk, "keys"), kid), pub);
			free(kid);
			if (!ours) {
				log_warn("e2ee: the account's cross-signing master key was replaced "
					 "by another client; this device stays signed by the old one");
				store_meta_set(e->st, "e2ee.xsign", "foreign");
				e->xsign_step = 3;
				break;
			}
		}
		if (!s && in_txn(e, xsign_seeds, NULL))
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
			start_xsign(e);
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
			char *f = print(fail);
			log_warn("e2ee: the server refused the device's cross-signature: %.300s", f);
			free(f);
			e->xsign_step = 3;
			break;
		}
		store_meta_set(e->st, "e2ee.xsign", "signed");
		log_info("e2ee: device %s cross-signed", e->device);
		e->xsign_step = 3;
		break;
	}
	}
	cJSON_Delete(j);
	return;
failed:
	cJSON_Delete(j);
	job_failed(e, J_XSIGN, "cross-signing", r->error);
}

static void start_xsign(struct e2ee *e)
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
		struct crypto_account *a = account_load(e);
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
		struct crypto_account *a = account_load(e);
		cJSON *dk = a ? device_keys(e, a) : NULL, *u;
		crypto_account_free(a);
		if (!dk || !(s[1] = xsign_key(e, 1, pub[1]))) {
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
	default:
		cJSON_Delete(body);
		return;
	}
	json = print(body);
	e->req[J_XSIGN] = mx_api_call(e->api, "POST", path, json, on_xsign, e);
	free_secret(json);
	if (!e->req[J_XSIGN])
		job_failed(e, J_XSIGN, "cross-signing", "cannot start the request");
	goto out;
fail:
	job_failed(e, J_XSIGN, "cross-signing", crypto_error());
out:
	for (int i = 0; i < 3; i++)
		crypto_signer_free(s[i]);
	cJSON_Delete(body);
}

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
		if (!str_is(jstr(dev, "user_id"), user) || !str_is(jstr(dev, "device_id"), id) ||
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

static int apply_query(struct e2ee *e, void *arg)
{
	const cJSON *resp = ((struct query_apply *)arg)->resp;
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
	if (r->outcome != MX_OK) {
		query_done(e);
		job_failed(e, J_QUERY, "querying device keys", r->error);
		return;
	}
	j = cJSON_ParseWithLength(r->body, r->len);
	qa.resp = j;
	if (!cJSON_IsObject(j) || in_txn(e, apply_query, &qa)) {
		cJSON_Delete(j);
		query_done(e);
		job_failed(e, J_QUERY, "storing device keys",
			   cJSON_IsObject(j) ? store_errmsg(e->st) : "not JSON");
		return;
	}
	cJSON_Delete(j);
	log_debug("e2ee: device lists of %zu users refreshed", e->q_users.n);
	query_done(e);
	e->failures[J_QUERY] = 0;
	e2ee_kick(e);
	progress(e);
}

static void start_query(struct e2ee *e)
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
	json = print(body);
	cJSON_Delete(body);
	e->req[J_QUERY] = mx_api_call(e->api, "POST", "/keys/query", json, on_query, e);
	free(json);
	if (!e->req[J_QUERY]) {
		query_done(e);
		job_failed(e, J_QUERY, "querying device keys", "cannot start the request");
	}
}

/* ---------- to-device sends ---------- */

static void on_todevice(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;

	e->req[J_TODEVICE] = NULL;
	if (r->outcome == MX_REFUSED)
		log_warn("e2ee: the server refused a to-device send (%s); dropping it", r->error);
	else if (r->outcome != MX_OK) {
		job_failed(e, J_TODEVICE, "sending room keys", r->error);
		return;
	}
	if (store_to_device_del(e->st, e->todevice_id)) {
		job_failed(e, J_TODEVICE, "sending room keys", store_errmsg(e->st));
		return;
	}
	e->failures[J_TODEVICE] = 0;
	kick_job(e, J_TODEVICE);
}

static void start_todevice(struct e2ee *e)
{
	char *txn = NULL, *type = NULL, *body = NULL, *path, *et, *tx;
	int rc = store_to_device_head(e->st, &e->todevice_id, &txn, &type, &body);

	if (rc <= 0) {
		if (rc < 0)
			job_failed(e, J_TODEVICE, "reading the to-device queue",
				   store_errmsg(e->st));
		else
			progress(e);    /* the queue is empty: rooms may be sealed */
		return;
	}
	et = mx_api_escape(type);
	tx = mx_api_escape(txn);
	path = xasprintf("/sendToDevice/%s/%s", et, tx);
	e->req[J_TODEVICE] = mx_api_call(e->api, "PUT", path, body, on_todevice, e);
	if (!e->req[J_TODEVICE])
		job_failed(e, J_TODEVICE, "sending room keys", "cannot start the request");
	free(path);
	free(et);
	free(tx);
	free(txn);
	free(type);
	free_secret(body);
}

/* ---------- claiming one-time keys, making Olm sessions ---------- */

struct claim_apply {
	const cJSON *resp;
	int made;
};

static int apply_claim(struct e2ee *e, void *arg)
{
	struct claim_apply *ca = arg;
	const cJSON *users = jget(ca->resp, "one_time_keys"), *u, *d, *k;
	struct crypto_account *a = account_load(e);
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
				    store_olm_put(e->st, sid, dev->curve25519, pickle, wall_ms())) {
					free(pickle);
					free(sid);
					store_device_rows_free(rows, n);
					goto out;
				}
				free(pickle);
				free(sid);
				ca->made++;
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

static void on_claim(void *ud, const struct mx_result *r)
{
	struct e2ee *e = ud;
	struct claim_apply ca = { 0 };
	cJSON *j;

	e->req[J_CLAIM] = NULL;
	if (r->outcome != MX_OK) {
		job_failed(e, J_CLAIM, "claiming one-time keys", r->error);
		return;
	}
	j = cJSON_ParseWithLength(r->body, r->len);
	ca.resp = j;
	if (in_txn(e, apply_claim, &ca)) {
		cJSON_Delete(j);
		job_failed(e, J_CLAIM, "storing Olm sessions", store_errmsg(e->st));
		return;
	}
	cJSON_Delete(j);
	e->failures[J_CLAIM] = 0;
	log_debug("e2ee: %d Olm sessions made", ca.made);
	progress(e);
}

static int nokey_skip(struct e2ee *e, const char *id)
{
	int64_t now = wall_ms();

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
	k->until = wall_ms() + NOKEY_RETRY_MS;
}

/* ---------- kicking ---------- */

static void kick_job(struct e2ee *e, enum job j)
{
	if (job_busy(e, j))
		return;
	switch (j) {
	case J_UPLOAD:
		if (upload_due(e))
			start_upload(e);
		break;
	case J_QUERY:
		start_query(e);
		break;
	case J_TODEVICE:
		start_todevice(e);
		break;
	case J_XSIGN:
		if (e->xsign_step < 3 && meta_int(e, "e2ee.published"))
			start_xsign(e);
		break;
	case J_CLAIM:
	case J_COUNT:
		progress(e);    /* claims start from e2ee_prepare */
		break;
	}
}

void e2ee_kick(struct e2ee *e)
{
	char *xs = store_meta_get(e->st, "e2ee.xsign");

	if (xs && (!strcmp(xs, "signed") || !strcmp(xs, "foreign")))
		e->xsign_step = 3;
	free(xs);
	kick_job(e, J_UPLOAD);
	kick_job(e, J_XSIGN);
	kick_job(e, J_QUERY);
	kick_job(e, J_TODEVICE);
}

void e2ee_sync_started(struct e2ee *e)
{
	e->sync_epoch = e->upload_epoch;
}

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

	if (!str_is(algo, MEGOLM_ALGO) || !room || !sid || !skey) {
		log_warn("e2ee: ignoring a malformed m.room_key from %s", sender);
		return 0;
	}
	g = crypto_inbound_new(skey);
	id = g ? crypto_inbound_id(g) : NULL;
	if (!g || !str_is(id, sid)) {
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
						     wall_ms()))
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
	a = account_load(e);
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
	if (crypto_account_remove_otks(a, s) || !pickle || !sid || account_save(e, a) ||
	    store_olm_put(e->st, sid, sender_key, pickle, wall_ms()))
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

static int to_device_encrypted(struct e2ee *e, const cJSON *ev)
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
	if (!str_is(algo, OLM_ALGO)) {
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
		return 0;
	}
	p = cJSON_Parse(pt);
	free_secret(pt);
	ptype = jstr(p, "type");
	ked = jstr(jget(p, "keys"), "ed25519");
	if (!cJSON_IsObject(p) || !ptype || !cJSON_IsObject(jget(p, "content")) || !ked ||
	    !str_is(jstr(p, "sender"), sender) || !str_is(jstr(p, "recipient"), e->me) ||
	    !str_is(jstr(jget(p, "recipient_keys"), "ed25519"), e->ed)) {
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

int e2ee_sync_prepare(struct e2ee *e, const cJSON *root, int64_t now_ms)
{
	const cJSON *ev, *dl = jget(root, "device_lists"), *u;
	const cJSON *count = jget(root, "device_one_time_keys_count");
	const cJSON *fb = jget(root, "device_unused_fallback_key_types");

	(void)now_ms;
	ready_clear(e);
	cJSON_ArrayForEach(ev, jget(jget(root, "to_device"), "events")) {
		const char *type = jstr(ev, "type");
		if (str_is(type, "m.room.encrypted")) {
			if (to_device_encrypted(e, ev))
				return -1;
		} else if (str_is(type, "m.room_key.withheld")) {
			log_info("e2ee: %s withheld the key of session %.43s: %.100s",
				 jstr(ev, "sender") ? jstr(ev, "sender") : "?",
				 jstr(jget(ev, "content"), "session_id") ?
				 jstr(jget(ev, "content"), "session_id") : "?",
				 jstr(jget(ev, "content"), "code") ?
				 jstr(jget(ev, "content"), "code") : "?");
		}
	}
	cJSON_ArrayForEach(u, jget(dl, "changed"))
		if (cJSON_IsString(u) && store_tracked_changed(e->st, u->valuestring))
			return -1;
	/* no encrypted room in common any more: their list need not be kept
	 * (a new room in common tracks them again) */
	cJSON_ArrayForEach(u, jget(dl, "left"))
		if (cJSON_IsString(u) && strcmp(u->valuestring, e->me) &&
		    store_tracked_forget(e->st, u->valuestring))
			return -1;
	/* counts from a sync that began before our last upload are stale */
	if (e->sync_epoch == e->upload_epoch && !e->req[J_UPLOAD]) {
		const cJSON *n = jget(count, "signed_curve25519");
		if (cJSON_IsObject(count))
			e->otk_count = cJSON_IsNumber(n) ? (int64_t)n->valuedouble : 0;
		if (cJSON_IsArray(fb)) {
			const cJSON *t;
			e->fallback_ok = 0;
			cJSON_ArrayForEach(t, fb)
				if (cJSON_IsString(t) && !strcmp(t->valuestring, "signed_curve25519"))
					e->fallback_ok = 1;
		}
	}
	return 0;
}

int e2ee_take_ready(struct e2ee *e, char **room_id, char **event)
{
	for (;;) {
		struct ready *r;

		if (e->i_ready_row < e->n_ready_rows) {
			struct pending_row *p = &e->ready_rows[e->i_ready_row++];
			if (store_pending_del(e->st, p->event_id))
				return -1;
			*room_id = p->room_id;
			*event = p->event;
			p->room_id = p->event = NULL;
			return 1;
		}
		store_pending_rows_free(e->ready_rows, e->n_ready_rows);
		e->ready_rows = NULL;
		e->n_ready_rows = e->i_ready_row = 0;
		if (!(r = e->ready))
			return 0;
		e->ready = r->next;
		if (store_pending_list(e->st, r->room_id, r->session_id, 0, &e->ready_rows,
				       &e->n_ready_rows)) {
			free(r->room_id);
			free(r->session_id);
			free(r);
			return -1;
		}
		free(r->room_id);
		free(r->session_id);
		free(r);
	}
}

void e2ee_rollback(struct e2ee *e)
{
	ready_clear(e);
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
	if (!str_is(algo, MEGOLM_ALGO) || !sid || !ct) {
		log_warn("e2ee: cannot decrypt %s in %s: %s", event_id, room_id,
			 str_is(algo, MEGOLM_ALGO) ? "malformed" : "unknown algorithm");
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
		json = print(ev);
		if (store_pending_add(e->st, event_id, room_id, sid, sender, json, now_ms) ||
		    store_tracked_ensure(e->st, sender))
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
	    !str_is(jstr(p, "room_id"), room_id)) {
		log_warn("e2ee: rejecting %s in %s: its plaintext is malformed or names another "
			 "room", event_id, room_id);
		goto out;
	}
	/* the event as if sent in the clear; relations only from the clear part */
	dec = cJSON_Duplicate(ev, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(dec, "type");
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

	if (!str_is(jstr(c, "algorithm"), MEGOLM_ALGO))
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
		if (first && fn(ud, rows[i].room_id, rows[i].event_id, rows[i].sender))
			goto out;
	}
	rc = 0;
out:
	store_pending_rows_free(rows, n);
	return rc;
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
	out->created_ms = wall_ms();
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
			 wall_ms() - out->created_ms >= rot_ms;
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
static cJSON *key_message(struct e2ee *e, const struct device_row *d, const char *plain_tmpl,
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
	text = print(pt);
	body = crypto_session_encrypt(s, text, strlen(text), &type);
	pickle = body ? crypto_session_pickle(s, &e->pk) : NULL;
	if (!body || !pickle) {
		log_warn("e2ee: cannot encrypt for %s %s: %s", d->user_id, d->device_id,
			 crypto_error());
		goto out;
	}
	if (store_olm_put(e->st, rows[0].session_id, d->curve25519, pickle, wall_ms())) {
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

static int queue_to_device(struct e2ee *e, cJSON *messages, int *n)
{
	char txn[64], rnd[8], *body;
	cJSON *o;
	int rc;

	if (!*n)
		return 0;
	crypto_random(rnd, sizeof(rnd));
	snprintf(txn, sizeof(txn), "caucus.key.%lld.%02x%02x%02x%02x%02x%02x",
		 (long long)wall_ms(), (unsigned char)rnd[0], (unsigned char)rnd[1],
		 (unsigned char)rnd[2], (unsigned char)rnd[3], (unsigned char)rnd[4],
		 (unsigned char)rnd[5]);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "messages", cJSON_Duplicate(messages, 1));
	body = print(o);
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
	plain = print(tmpl);
	for (size_t i = 0; i < sh->n_devs; i++) {
		const struct device_row *d = &sh->devs[i];
		char *id = xasprintf("%s\n%s", d->user_id, d->device_id);
		cJSON *msg, *u;

		if (strv_has(&shared, id)) {
			free(id);
			continue;
		}
		msg = key_message(e, d, plain, &fail);
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
		if (++n >= DEVICES_PER_REQUEST && queue_to_device(e, messages, &n))
			goto out;
	}
	if (queue_to_device(e, messages, &n))
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

	for (size_t i = 0; i < ids->n; i++) {
		char *u = xstrdup(ids->v[i]), *nl = strchr(u, '\n');
		cJSON *uo;
		*nl = '\0';
		if (!(uo = cJSON_GetObjectItemCaseSensitive(otk, u)))
			uo = cJSON_AddObjectToObject(otk, u);
		cJSON_AddStringToObject(uo, nl + 1, "signed_curve25519");
		free(u);
		/* if the claim brings nothing for it, do not hold messages for it */
		nokey_add(e, ids->v[i]);
	}
	cJSON_AddNumberToObject(body, "timeout", 10000);
	json = print(body);
	cJSON_Delete(body);
	e->req[J_CLAIM] = mx_api_call(e->api, "POST", "/keys/claim", json, on_claim, e);
	free(json);
	if (!e->req[J_CLAIM])
		job_failed(e, J_CLAIM, "claiming one-time keys", "cannot start the request");
}

int e2ee_prepare(struct e2ee *e, const char *room_id)
{
	struct share sh = { .room_id = room_id };
	int enc = store_room_encrypted(e->st, room_id, NULL, NULL), rc = -1, st;
	int64_t tid;
	char *a = NULL, *b = NULL, *c = NULL;

	if (enc <= 0)
		return enc;
	if (e->req[J_QUERY] || e->req[J_CLAIM] || e->req[J_TODEVICE] || e->timer[J_TODEVICE])
		return 1;       /* progress() comes when they finish */
	st = store_to_device_head(e->st, &tid, &a, &b, &c);
	free(a);
	free(b);
	free_secret(c);
	if (st) {
		if (st > 0)
			kick_job(e, J_TODEVICE);
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
		if (!e->timer[J_QUERY])
			start_query(e);
		rc = e->req[J_QUERY] || e->timer[J_QUERY] ? 1 : -1;
		goto out;
	}
	if (share_keys(e, &sh) || store_commit(e->st)) {
		store_rollback(e->st);
		goto out;
	}
	if (sh.need_claim.n && !e->timer[J_CLAIM]) {
		start_claim(e, &sh.need_claim);
		rc = 1;
		goto out;
	}
	if (sh.shared) {
		kick_job(e, J_TODEVICE);
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
	text = print(pt);
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
	*sealed = print(res);
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
