/*
 * e2ee.c - end-to-end encryption for the daemon (spec v1.12 "End-to-End
 * Encryption"), the core: the device's identity (pickle key file, Olm
 * account), a sync batch's share, and the jobs behind the network work -
 * one call of each kind at a time, retried with backoff; every change of
 * key state is committed before the request that depends on it goes out.
 * Publishing keys, device lists, receiving and sending are in e2ee_*.c
 * (sharing e2ee_int.h); libolm is behind crypto.h, rows behind store_crypto.h.
 */
#include "e2ee_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mx_sync.h"
#include "ssss.h"
#include "loop.h"
#include "mx_api.h"
#include "store.h"
#include "store_crypto.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000

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

struct crypto_account *e2ee_account_load(struct e2ee *e)
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

int e2ee_account_save(struct e2ee *e, struct crypto_account *a)
{
	char *p = crypto_account_pickle(a, &e->pk);
	int rc = p ? store_meta_set(e->st, "e2ee.account", p) : -1;

	free(p);
	return rc;
}

int e2ee_meta_int(struct e2ee *e, const char *key)
{
	char *v = store_meta_get(e->st, key);
	int64_t n = 0;

	/* our own counters, but a damaged value reads as 0, never as UB */
	if (v && (str_to_i64(v, &n) || n < 0 || n > INT_MAX))
		n = 0;
	free(v);
	return (int)n;
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
		a = e2ee_account_load(e);
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
		if (store_begin(st) || e2ee_account_save(e, a) ||
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
	dev = store_meta_get(st, "e2ee.xsign");
	if (dev && (!strcmp(dev, "signed") || !strcmp(dev, "foreign")))
		e->xsign_step = 3;      /* cross-signing was settled at an earlier start */
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

void e2ee_set_recovery_key_file(struct e2ee *e, const char *path)
{
	char buf[512], err[200];
	char *state = NULL;
	struct stat sb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("e2ee: cannot open the recovery key file %s: %s; the device stays "
			  "as it is", path, strerror(errno));
		return;
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077)) {
		log_error("e2ee: the recovery key file %s can be read by others (mode %03o); "
			  "chmod 600 it.  Not used: the device stays as it is", path,
			  (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		log_error("e2ee: cannot read the recovery key file %s: %s", path, strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	if (ssss_recovery_key(buf, e->rk, err, sizeof(err))) {
		/* maybe a security phrase: only the key description can tell */
		char *t = str_trim(buf);
		if (!*t || strchr(t, '\n') || ssss_looks_like_recovery_key(t)) {
			log_error("e2ee: %s: %s; the device stays as it is", path, err);
			goto out;
		}
		free_secret(e->rk_phrase);
		e->rk_phrase = xstrdup(t);
		e->rk_phrase_err = xstrdup(err);
	}
	e->rk_ok = 1;
	/* an identity found foreign at an earlier start may now be opened */
	state = store_meta_get(e->st, "e2ee.xsign");
	if (state && !strcmp(state, "foreign"))
		e->xsign_step = 0;
	free(state);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
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
	loop_timer_cancel(e->loop, e->fallback_timer);
	strv_release(&e->claim_ids);
	while (e->nokeys) {
		struct nokey *k = e->nokeys;
		e->nokeys = k->next;
		free(k->id);
		free(k);
	}
	ready_clear(e);
	e2ee_withheld_clear(e);
	e2ee_xsign_forget_secrets(e);
	e2ee_unwedge_clear(e);
	strv_release(&e->unwedge_ids);
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

	if (e->progress)
		e->progress(e->progress_ud);
}

/* Tell the outbox, from the loop (never from inside its own call). */
void e2ee_progress(struct e2ee *e)
{
	if (!loop_timer_pending(e->loop, e->progress_timer))
		e->progress_timer = loop_timer_add(e->loop, 0, on_progress, e);
}

/* ---------- jobs: one call of each kind at a time, with backoff ---------- */

static void on_job_timer(void *ud);

void e2ee_job_failed(struct e2ee *e, enum job j, const char *what, const char *why)
{
	int64_t d = loop_backoff_ms(++e->failures[j], BACKOFF_FIRST_MS, BACKOFF_MAX_MS);

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

	e2ee_kick_job(r->e, r->j);
}

static int job_busy(struct e2ee *e, enum job j)
{
	return e->req[j] || e2ee_backing_off(e, j);
}

/* Run fn inside a transaction; 0 or -1 (rolled back). */
int e2ee_in_txn(struct e2ee *e, int (*fn)(struct e2ee *e, void *arg), void *arg)
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

/* ---------- kicking ---------- */

void e2ee_kick_job(struct e2ee *e, enum job j)
{
	if (job_busy(e, j))
		return;
	switch (j) {
	case J_UPLOAD:
		if (e2ee_upload_due(e))
			e2ee_start_upload(e);
		break;
	case J_QUERY:
		e2ee_start_query(e);
		break;
	case J_TODEVICE:
		e2ee_start_todevice(e);
		break;
	case J_XSIGN:
		if (e->xsign_step < 3 && e2ee_meta_int(e, "e2ee.published"))
			e2ee_start_xsign(e);
		break;
	case J_UNWEDGE:
		e2ee_start_unwedge(e);
		break;
	case J_CLAIM:
	case J_COUNT:
		e2ee_progress(e);    /* claims start from e2ee_prepare */
		break;
	}
}

void e2ee_kick(struct e2ee *e)
{
	e2ee_kick_job(e, J_UPLOAD);
	e2ee_kick_job(e, J_XSIGN);
	e2ee_kick_job(e, J_QUERY);
	e2ee_kick_job(e, J_TODEVICE);
	e2ee_kick_job(e, J_UNWEDGE);
}

void e2ee_sync_started(struct e2ee *e)
{
	e->sync_epoch = e->upload_epoch;
}

/* ---------- a sync batch ---------- */

int e2ee_sync_prepare(struct e2ee *e, const cJSON *root, int64_t now_ms)
{
	const cJSON *ev, *dl = jget(root, "device_lists"), *u;
	const cJSON *count = jget(root, "device_one_time_keys_count");
	const cJSON *fb = jget(root, "device_unused_fallback_key_types");

	(void)now_ms;
	ready_clear(e);
	cJSON_ArrayForEach(ev, jget(jget(root, "to_device"), "events")) {
		const char *type = jstr(ev, "type");
		if (e2ee_str_is(type, "m.room.encrypted")) {
			if (e2ee_to_device_encrypted(e, ev))
				return -1;
		} else if (e2ee_str_is(type, "m.room_key.withheld")) {
			if (e2ee_withheld_event(e, ev))
				return -1;
		} else if (e2ee_str_is(type, "m.room_key_request")) {
			if (e2ee_key_request(e, ev))
				return -1;
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
			e->otk_count = e2ee_jcount(n);
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

static int peer_prepare(void *ud, const cJSON *root)
{
	return e2ee_sync_prepare(ud, root, loop_wall_ms());
}

static int peer_take_ready(void *ud, char **room_id, char **event)
{
	return e2ee_take_ready(ud, room_id, event);
}

static int peer_decrypt(void *ud, const char *room_id, const cJSON *ev, cJSON **out)
{
	return e2ee_decrypt(ud, room_id, ev, loop_wall_ms(), out);
}

void e2ee_sync_peer(struct e2ee *e, struct mx_sync_crypto *out)
{
	*out = (struct mx_sync_crypto){
		.ud = e, .prepare = peer_prepare, .take_ready = peer_take_ready,
		.decrypt = peer_decrypt,
	};
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
