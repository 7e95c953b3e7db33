/*
 * test_store_fault.c - fault injection, SQLite's way: a sync batch is
 * applied through the daemon's own batch path (daemon_apply_sync) with
 * its nth statement failing, for every n and for SQLITE_BUSY, IOERR and
 * FULL.  Afterwards the database file must hold exactly the state before
 * the batch or after it (a dump of every table), and applying the batch
 * again must give the state of a run without a fault.  Two batches: the
 * recorded plain one (tests/unit/sync/batch.json, plus a few commands
 * that write), and an encrypted one made with a peer device: a room key
 * over Olm, the events that waited for it, and Megolm commands.
 */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "daemon.h"
#include "e2ee.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "mx_api.h"
#include "store.h"
#include "util.h"

#define ROOM "!nENlasnllUeDNODAsJ:localhost"     /* the recorded batch's room */
#define LEFT "!qAqCQKEdfmeTuwTgeT:localhost"     /* the room it leaves */
#define BOT "@capbot:localhost"
#define ALICE "@alice:localhost"
#define BOB "@bob:localhost"
#define CLOCK_MS 1795924950000LL                /* just after the recorded events */
#define PRE_TOKEN "s40_pre"

static const char config_text[] =
	"[matrix]\n"
	"homeserver = \"http://127.0.0.1:9\"\n"
	"user_id = \"" BOT "\"\n"
	"access_token = \"x\"\n"
	"[bot]\n"
	"timezone = \"Asia/Dubai\"\n"
	"admins = [\"" ALICE "\"]\n"
	"[access]\n"
	"allowed_users = [\"@alice:localhost\", \"@bob:localhost\"]\n"
	"[[issue]]\n"
	"slug = \"cybersecurity\"\n"
	"name = \"Cybersecurity\"\n"
	"aliases = [\"cyber\"]\n"
	"room = \"" ROOM "\"\n"
	"[[issue]]\n"
	"slug = \"privacy\"\n"
	"name = \"Privacy\"\n"
	"room = \"" LEFT "\"\n";

struct fx {
	int encrypted;
	char dir[64], tmpl[96], db[96], wal[100], shm[100], keyfile[96];
	struct config *cfg;
	int64_t wall0;          /* wall clock at the start: later stamps are normalised */
	char *batch;            /* the batch swept */
	/* one run */
	struct store *st;
	struct engine *eng;
	struct loop *loop;
	struct mx_api *api;
	struct e2ee *e;
};

static int64_t fixed_clock(void *ud)
{
	(void)ud;
	return CLOCK_MS;
}

static int64_t wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[4096], *out;
	size_t n;

	if (!f)
		fail_msg("cannot open '%s' (run from the top of the tree)", path);
	buf_init(&b, 0);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	out = buf_detach(&b);
	buf_release(&b);
	return out;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char tmp[8192];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(tmp, 1, sizeof(tmp), in)) > 0)
		assert_int_equal(fwrite(tmp, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* Open the store at path with the engine (and e2ee) as the daemon has them. */
static void run_open(struct fx *f, const char *path)
{
	char err[256];

	f->st = store_open(path, err, sizeof(err));
	if (!f->st)
		fail_msg("%s", err);
	f->eng = engine_new(f->cfg, f->st, (struct engine_clock){ fixed_clock, NULL });
	assert_int_equal(engine_sync_config(f->eng), 0);
	if (f->encrypted) {
		f->loop = loop_new();
		f->api = mx_api_new("http://127.0.0.1:9");
		f->e = e2ee_new(f->st, f->api, f->loop, f->keyfile, BOT, "BOTDEV", NULL, err,
				sizeof(err));
		if (!f->e)
			fail_msg("%s", err);
	}
}

static void run_close(struct fx *f)
{
	e2ee_free(f->e);
	mx_api_free(f->api);
	loop_free(f->loop);
	engine_free(f->eng);
	store_close(f->st);
	f->e = NULL;
	f->api = NULL;
	f->loop = NULL;
	f->eng = NULL;
	f->st = NULL;
}

/* A fresh copy of the state before the batch, opened. */
static void run_fresh(struct fx *f)
{
	unlink(f->wal);
	unlink(f->shm);
	copy_file(f->tmpl, f->db);
	run_open(f, f->db);
}

static int apply(struct fx *f, const char *batch, const char *since)
{
	struct daemon_batch_env env = {
		.cfg = f->cfg, .st = f->st, .eng = f->eng, .e2ee = f->e, .me = BOT,
		.since = since,
	};

	return daemon_apply_sync(&env, batch, strlen(batch));
}

/*
 * Every table of the database file as committed (read by a connection of
 * its own), rows sorted.  Wall-clock stamps of this run (*_ms columns
 * between the test's start and now) read "T": the daemon takes them from
 * the real clock.  Caller frees.
 */
static char *dump(struct fx *f)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *t = NULL;
	struct buf out;
	int64_t now = wall_now() + 1000;

	buf_init(&out, 0);
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = "
					    "'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
					    "ORDER BY name", -1, &t, NULL), SQLITE_OK);
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(t, 0);
		char *sql = xasprintf("SELECT * FROM \"%s\"", name);
		sqlite3_stmt *s = NULL;
		struct strv rows = { 0 };
		struct buf row;

		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
		buf_init(&row, 0);
		while (sqlite3_step(s) == SQLITE_ROW) {
			buf_reset(&row);
			for (int i = 0; i < sqlite3_column_count(s); i++) {
				const char *col = sqlite3_column_name(s, i);
				size_t cl = strlen(col);
				int type = sqlite3_column_type(s, i);
				int64_t v = sqlite3_column_int64(s, i);

				if (i)
					buf_puts(&row, "|");
				if (type == SQLITE_NULL) {
					buf_puts(&row, "NULL");
				} else if (type == SQLITE_INTEGER && cl > 3 &&
					   !strcmp(col + cl - 3, "_ms") && v >= f->wall0 && v <= now) {
					buf_puts(&row, "T");
				} else if (type == SQLITE_BLOB) {
					const unsigned char *p = sqlite3_column_blob(s, i);
					for (int j = 0; j < sqlite3_column_bytes(s, i); j++)
						buf_printf(&row, "%02x", p[j]);
				} else {
					buf_puts(&row, (const char *)sqlite3_column_text(s, i));
				}
			}
			strv_push(&rows, row.data ? row.data : "");
		}
		if (rows.n)
			qsort(rows.v, rows.n, sizeof(*rows.v), cmp_str);
		buf_printf(&out, "== %s (%zu)\n", name, rows.n);
		for (size_t i = 0; i < rows.n; i++)
			buf_printf(&out, "%s\n", rows.v[i]);
		strv_release(&rows);
		buf_release(&row);
		sqlite3_finalize(s);
		free(sql);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	{
		char *s = buf_detach(&out);
		buf_release(&out);
		return s;
	}
}

/* Where two dumps first differ, for the failure message. */
static void show_diff(const char *what, const char *a, const char *b)
{
	size_t i = 0, line = 0;

	while (a[i] && a[i] == b[i])
		i++;
	while (line < i && a[i - line - 1] != '\n')
		line++;
	print_error("%s:\n  want: %.200s\n  have: %.200s\n", what, a + i - line, b + i - line);
}

/* A message event of the batch's room, as the server would send it. */
static cJSON *message(const char *event_id, const char *sender, const char *body, int64_t ts)
{
	cJSON *ev = cJSON_CreateObject(), *c;

	cJSON_AddStringToObject(ev, "type", "m.room.message");
	cJSON_AddStringToObject(ev, "event_id", event_id);
	cJSON_AddStringToObject(ev, "sender", sender);
	cJSON_AddNumberToObject(ev, "origin_server_ts", (double)ts);
	c = cJSON_AddObjectToObject(ev, "content");
	cJSON_AddStringToObject(c, "msgtype", "m.text");
	cJSON_AddStringToObject(c, "body", body);
	return ev;
}

static cJSON *state(const char *type, const char *key, const char *sender, const char *content)
{
	cJSON *ev = cJSON_CreateObject();
	char *id = xasprintf("$st-%s-%s", type, key);

	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "state_key", key);
	cJSON_AddStringToObject(ev, "event_id", id);
	cJSON_AddStringToObject(ev, "sender", sender);
	cJSON_AddNumberToObject(ev, "origin_server_ts", 1795924900000.0);
	cJSON_AddItemToObject(ev, "content", cJSON_Parse(content));
	free(id);
	return ev;
}

/* {"next_batch":token,"rooms":{"join":{ROOM:{"state":..,"timeline":..}}}} */
static cJSON *batch_for(const char *token, cJSON **st_events, cJSON **tl_events)
{
	cJSON *root = cJSON_CreateObject(), *room;

	cJSON_AddStringToObject(root, "next_batch", token);
	room = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(root,
				       "rooms"), "join"), ROOM);
	*st_events = cJSON_AddArrayToObject(cJSON_AddObjectToObject(room, "state"), "events");
	*tl_events = cJSON_AddArrayToObject(cJSON_AddObjectToObject(room, "timeline"), "events");
	return root;
}

static char *print_free(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	cJSON_Delete(j);
	return s;
}

/* The batch before the swept one: the room's members, the message that
 * the recorded batch edits and redacts, a note, and (encrypted) one event
 * whose key comes only with the swept batch. */
static char *pre_batch(struct fx *f, cJSON *early)
{
	cJSON *st, *tl, *root = batch_for(PRE_TOKEN, &st, &tl);
	const char *members[] = { ALICE, BOB, BOT };

	cJSON_AddItemToArray(st, state("m.room.create", "", ALICE, "{\"room_version\":\"11\"}"));
	if (f->encrypted)
		cJSON_AddItemToArray(st, state("m.room.encryption", "", ALICE,
					       "{\"algorithm\":\"m.megolm.v1.aes-sha2\"}"));
	cJSON_AddItemToArray(st, state("m.room.power_levels", "", ALICE,
				       "{\"users\":{\"@alice:localhost\":100}}"));
	for (size_t i = 0; i < ARRAY_LEN(members); i++)
		cJSON_AddItemToArray(st, state("m.room.member", members[i], members[i],
					       "{\"membership\":\"join\"}"));
	cJSON_AddItemToArray(tl, message("$ACbuFvpawd-qyIyqaqd6NLKBMUJ9DUdDsojMnA_mu1A", ALICE,
					 "the word is apple", 1795924940000LL));
	cJSON_AddItemToArray(tl, message("$pre-note", BOB, "!note the chair moved item 7",
					 1795924941000LL));
	if (early)
		cJSON_AddItemToArray(tl, early);
	return print_free(root);
}

/* The recorded batch and, after its events, commands that write. */
static char *plain_batch(void)
{
	char *text = slurp("tests/unit/sync/batch.json");
	cJSON *root = cJSON_Parse(text);
	cJSON *tl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(root, "rooms"), "join"), ROOM),
		"timeline"), "events");
	const char *cmds[] = {
		"!note the budget line stays",
		"!decision we table amendment 4",
		"!action @bob:localhost draft the text",
		"!position Brazil support with changes",
		"!session cyber tomorrow 10:00 Drafting @ Room 2",
		"!attend 1",
		"!remind in 2h check the draft",
		"!log 5",
		"!search budget",
	};

	assert_non_null(tl);
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
		char id[32];
		snprintf(id, sizeof(id), "$cmd%zu", i);
		cJSON_AddItemToArray(tl, message(id, i % 2 ? BOB : ALICE, cmds[i],
						 1795924949900LL + (int64_t)i));
	}
	free(text);
	return print_free(root);
}

/* ---- the peer device of the encrypted batch ---- */

struct peer {
	struct crypto_pickle_key pk;
	char *key;
	struct crypto_account *acct;
	char curve[CRYPTO_KEY_LEN + 1], ed[CRYPTO_KEY_LEN + 1];
	char bot_curve[CRYPTO_KEY_LEN + 1], bot_ed[CRYPTO_KEY_LEN + 1];
	struct crypto_session *olm;
	struct crypto_outbound *megolm;
	char *sid, *session_key;        /* the Megolm key from index 0 */
};

/* One published one-time key of the bot (as after an upload); sets up
 * the peer's Olm session to it. */
static void peer_new(struct fx *f, struct peer *p)
{
	char *pickle = store_meta_get(f->st, "e2ee.account"), *json, *otk, buf[128];
	struct crypto_account *a;
	FILE *kf = fopen(f->keyfile, "r");
	cJSON *j;
	size_t n;

	assert_non_null(kf);
	n = fread(buf, 1, sizeof(buf) - 1, kf);
	fclose(kf);
	buf[n] = '\0';
	p->key = xstrdup(str_trim(buf));
	p->pk.key = p->key;
	p->pk.len = strlen(p->key);
	a = crypto_account_load(pickle, &p->pk);
	assert_non_null(a);
	assert_int_equal(crypto_account_identity(a, p->bot_curve, p->bot_ed), 0);
	assert_int_equal(crypto_account_generate_otks(a, 1), 0);
	json = crypto_account_otks(a);
	j = cJSON_Parse(json);
	otk = xstrdup(cJSON_GetObjectItemCaseSensitive(j, "curve25519")->child->valuestring);
	crypto_account_mark_published(a);
	free(pickle);
	pickle = crypto_account_pickle(a, &p->pk);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_meta_set(f->st, "e2ee.account", pickle), 0);
	assert_int_equal(store_commit(f->st), 0);
	free(pickle);
	free(json);
	cJSON_Delete(j);
	crypto_account_free(a);

	p->acct = crypto_account_new();
	assert_int_equal(crypto_account_identity(p->acct, p->curve, p->ed), 0);
	p->olm = crypto_session_outbound(p->acct, p->bot_curve, otk);
	assert_non_null(p->olm);
	free(otk);
	p->megolm = crypto_outbound_new();
	p->sid = crypto_outbound_id(p->megolm);
	p->session_key = crypto_outbound_key(p->megolm);
}

static void peer_free(struct peer *p)
{
	crypto_account_free(p->acct);
	crypto_session_free(p->olm);
	crypto_outbound_free(p->megolm);
	free(p->sid);
	free(p->session_key);
	free_secret(p->key);
}

/* A command from ALICE sealed with the peer's Megolm session. */
static cJSON *sealed(struct peer *p, const char *event_id, const char *body, int64_t ts)
{
	char *pt = xasprintf("{\"type\":\"m.room.message\",\"content\":{\"msgtype\":\"m.text\","
			     "\"body\":\"%s\"},\"room_id\":\"" ROOM "\"}", body);
	char *ct = crypto_outbound_encrypt(p->megolm, pt, strlen(pt));
	cJSON *ev = cJSON_CreateObject(), *c;

	assert_non_null(ct);
	cJSON_AddStringToObject(ev, "type", "m.room.encrypted");
	cJSON_AddStringToObject(ev, "event_id", event_id);
	cJSON_AddStringToObject(ev, "sender", ALICE);
	cJSON_AddNumberToObject(ev, "origin_server_ts", (double)ts);
	c = cJSON_AddObjectToObject(ev, "content");
	cJSON_AddStringToObject(c, "algorithm", "m.megolm.v1.aes-sha2");
	cJSON_AddStringToObject(c, "session_id", p->sid);
	cJSON_AddStringToObject(c, "ciphertext", ct);
	free(pt);
	free(ct);
	return ev;
}

/* The room key over Olm (a pre-key message), then sealed commands. */
static char *encrypted_batch(struct peer *p)
{
	cJSON *st, *tl, *root = batch_for("s41_enc", &st, &tl), *ev, *c, *one;
	char *pt = xasprintf("{\"type\":\"m.room_key\",\"content\":{\"algorithm\":"
			     "\"m.megolm.v1.aes-sha2\",\"room_id\":\"" ROOM "\",\"session_id\":"
			     "\"%s\",\"session_key\":\"%s\"},\"sender\":\"" ALICE "\","
			     "\"sender_device\":\"PEERDEV\",\"keys\":{\"ed25519\":\"%s\"},"
			     "\"recipient\":\"" BOT "\",\"recipient_keys\":{\"ed25519\":\"%s\"}}",
			     p->sid, p->session_key, p->ed, p->bot_ed);
	int type;
	char *body = crypto_session_encrypt(p->olm, pt, strlen(pt), &type);
	const char *cmds[] = {
		"!note the secret fallback text",
		"!who-covers cyber",
		"!position ATU oppose",
		"!action @bob:localhost call the chair",
		"!cover cyber",
	};

	assert_non_null(body);
	ev = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "to_device"),
						    "events"), ev);
	cJSON_AddStringToObject(ev, "type", "m.room.encrypted");
	cJSON_AddStringToObject(ev, "sender", ALICE);
	c = cJSON_AddObjectToObject(ev, "content");
	cJSON_AddStringToObject(c, "algorithm", "m.olm.v1.curve25519-aes-sha2");
	cJSON_AddStringToObject(c, "sender_key", p->curve);
	one = cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "ciphertext"), p->bot_curve);
	cJSON_AddNumberToObject(one, "type", type);
	cJSON_AddStringToObject(one, "body", body);
	free_secret(pt);
	free(body);
	cJSON_AddItemToObject(root, "device_lists",
			      cJSON_Parse("{\"changed\":[\"@alice:localhost\"]}"));
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
		char id[32];
		snprintf(id, sizeof(id), "$enc%zu", i);
		cJSON_AddItemToArray(tl, sealed(p, id, cmds[i], 1795924949900LL + (int64_t)i));
	}
	return print_free(root);
}

/* ---- the sweep ---- */

static int setup(struct fx *f, int encrypted)
{
	struct buf errs;
	struct peer p;
	char *pre;

	memset(f, 0, sizeof(*f));
	log_set_level(getenv("TEST_DEBUG") ? LOG_DEBUG : (enum log_level)(LOG_ERROR + 1));
	f->encrypted = encrypted;
	f->wall0 = wall_now();
	/* a memory file system when there is one: thousands of small runs */
	snprintf(f->dir, sizeof(f->dir), "%s/caucus-fault-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->tmpl, sizeof(f->tmpl), "%s/before.db", f->dir);
	snprintf(f->db, sizeof(f->db), "%s/run.db", f->dir);
	snprintf(f->wal, sizeof(f->wal), "%s-wal", f->db);
	snprintf(f->shm, sizeof(f->shm), "%s-shm", f->db);
	snprintf(f->keyfile, sizeof(f->keyfile), "%s/key", f->dir);
	buf_init(&errs, 0);
	if (config_load_string("fault.toml", config_text, &f->cfg, &errs))
		fail_msg("%s", errs.data);
	buf_release(&errs);
	f->cfg->encryption = encrypted;

	/* the state before the batch, kept as a file every run starts from */
	run_open(f, f->tmpl);
	if (encrypted) {
		peer_new(f, &p);
		pre = pre_batch(f, sealed(&p, "$early", "!note sent before its key", 1795924942000LL));
		f->batch = encrypted_batch(&p);
		peer_free(&p);
	} else {
		pre = pre_batch(f, NULL);
		f->batch = plain_batch();
	}
	assert_int_equal(apply(f, pre, "s39_first"), 0);
	free(pre);
	run_close(f);
	return 0;
}

static void teardown(struct fx *f)
{
	char path[128];
	const char *files[] = { "before.db", "before.db-wal", "before.db-shm", "run.db",
				"run.db-wal", "run.db-shm", "key" };

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	config_free(f->cfg);
	free(f->batch);
}

/*
 * Every statement is a fault point; under valgrind (forty times slower)
 * every tenth, shifted per error code so the three cover different ones.
 * CAUCUS_FAULT_STRIDE sets the stride by hand.
 */
static int stride(void)
{
	const char *env = getenv("CAUCUS_FAULT_STRIDE"), *pre = getenv("LD_PRELOAD");
	int64_t v;

	if (env && str_to_i64(env, &v) == 0 && v >= 1 && v <= 1000)
		return (int)v;
	return pre && strstr(pre, "vgpreload") ? 10 : 1;
}

static void sweep(int encrypted)
{
	static const char *const names[] = { "SQLITE_BUSY", "SQLITE_IOERR", "SQLITE_FULL" };
	struct fx f;
	char *before, *after, *now;
	int n, points = 0, absorbed = 0, bad = 0, step;
	char what[128];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	setup(&f, encrypted);
	step = stride();

	/* the run without a fault: the end state, and how many statements */
	run_fresh(&f);
	before = dump(&f);
	store_fault_arm(f.st, 0, STORE_FAULT_BUSY);
	assert_int_equal(apply(&f, f.batch, PRE_TOKEN), 0);
	n = store_fault_seen();
	store_fault_disarm();
	after = dump(&f);
	run_close(&f);
	assert_string_not_equal(before, after);
	/* the batch answered and logged: the sweep checks real work */
	assert_non_null(strstr(after, "== outbox ("));
	assert_null(strstr(after, "== outbox (0)"));
	assert_non_null(strstr(after, encrypted ? "the secret fallback text"
						 : "the budget line stays"));
	if (encrypted) {        /* the event that waited for its key came out */
		assert_non_null(strstr(before, "== pending_enc (1)"));
		assert_non_null(strstr(after, "== pending_enc (0)"));
		assert_non_null(strstr(after, "sent before its key"));
	}

	for (int code = 0; code < 3; code++) {
		for (int k = 1 + code % step; k <= n; k += step) {
			int rc;

			run_fresh(&f);
			store_fault_arm(f.st, k, (enum store_fault)code);
			rc = apply(&f, f.batch, PRE_TOKEN);
			if (!store_fault_fired())
				fail_msg("%s at statement %d of %d never fired", names[code], k, n);
			snprintf(what, sizeof(what), "%s", store_fault_what());
			store_fault_disarm();
			points++;
			now = dump(&f);
			if (rc == 0) {
				/* the failure was absorbed: then the batch must be whole */
				absorbed++;
				if (strcmp(now, after)) {
					show_diff("absorbed fault left another state", after, now);
					print_error("  %s at statement %d of %d: %.100s\n", names[code], k, n,
					    what);
					bad++;
				}
			} else if (strcmp(now, before)) {
				show_diff("failed batch left part of itself", before, now);
				print_error("  %s at statement %d of %d: %.100s\n", names[code], k, n,
					    what);
				bad++;
			} else {
				/* the daemon applies the same batch again */
				free(now);
				rc = apply(&f, f.batch, PRE_TOKEN);
				now = dump(&f);
				if (rc || strcmp(now, after)) {
					show_diff("the replay after a fault differs", after, now);
					print_error("  %s at statement %d of %d (replay rc %d): %.100s\n",
						    names[code], k, n, rc, what);
					bad++;
				}
			}
			free(now);
			run_close(&f);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("[ FAULTS   ] %s batch: %d statements x 3 errors, stride %d "
		      "= %d fault points (%d absorbed), %d bad, %.1f s\n",
		      encrypted ? "encrypted" : "plain", n, step, points, absorbed, bad,
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(before);
	free(after);
	teardown(&f);
	assert_int_equal(bad, 0);
	assert_true(points >= 3 * n / step);
}

static void test_sweep_plain(void **state)
{
	(void)state;
	sweep(0);
}

static void test_sweep_encrypted(void **state)
{
	(void)state;
	sweep(1);
}

/* After a transient error inside a transaction, nothing of it can be
 * committed, whatever the caller makes of the error. */
static void test_doomed_transaction(void **state)
{
	char err[256], *v;
	struct store *st = store_open(":memory:", err, sizeof(err));

	(void)state;
	log_set_level(getenv("TEST_DEBUG") ? LOG_DEBUG : (enum log_level)(LOG_ERROR + 1));
	assert_non_null(st);
	/* FULL: sqlite ended the transaction; nothing may commit on its own */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), 0);
	store_fault_arm(st, 1, STORE_FAULT_FULL);
	assert_int_equal(store_meta_set(st, "a", "1"), -1);
	store_fault_disarm();
	assert_int_equal(store_rollback(st), -1);       /* the inner level cannot undo it */
	assert_int_equal(store_meta_set(st, "b", "2"), -1);
	assert_null(store_meta_get(st, "b"));
	assert_int_equal(store_begin(st), -1);          /* no savepoint that starts afresh */
	assert_non_null(strstr(store_errmsg(st), "full"));
	assert_int_equal(store_rollback(st), 0);
	assert_null(store_meta_get(st, "b"));
	/* BUSY on a read taken for "no row": the transaction still cannot commit */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "c", "3"), 0);
	store_fault_arm(st, 1, STORE_FAULT_BUSY);
	assert_null(store_meta_get(st, "x"));
	store_fault_disarm();
	assert_int_equal(store_meta_set(st, "d", "4"), -1);
	assert_int_equal(store_commit(st), -1);
	assert_int_equal(store_rollback(st), -1);       /* the commit closed it already */
	assert_null(store_meta_get(st, "c"));
	/* a failure of the statement itself (a constraint) is the caller's to handle */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "c", NULL), -1);  /* value NOT NULL */
	assert_int_equal(store_meta_set(st, "c", "3"), 0);
	assert_int_equal(store_commit(st), 0);
	v = store_meta_get(st, "c");
	assert_string_equal(v, "3");
	free(v);
	/* and a store works again once the caller rolled back */
	assert_int_equal(store_begin(st), 0);
	store_fault_arm(st, 1, STORE_FAULT_IOERR);
	assert_int_equal(store_meta_set(st, "e", "5"), -1);
	store_fault_disarm();
	assert_int_equal(store_rollback(st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "e", "5"), 0);
	assert_int_equal(store_commit(st), 0);
	v = store_meta_get(st, "e");
	assert_string_equal(v, "5");
	free(v);
	store_close(st);
}

/* The probe row as another connection sees it: committed or not. */
static int probe_committed(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int found;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key = 'probe'", -1, &s,
					    NULL), SQLITE_OK);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return found;
}

/*
 * The configuration's issues written at start and at each SIGHUP, with a
 * fault at each statement: whatever engine_sync_config() returns, the
 * store must be out of its transaction afterwards, so that the daemon's
 * next work is committed (a failed COMMIT used to leave it open, and all
 * later transactions were savepoints inside it, never committed).
 */
static void test_sweep_config_sync(void **state)
{
	struct fx f;
	struct buf errs;
	struct config *more = NULL;
	char *text = xasprintf("%s[[issue]]\nslug = \"gender\"\nname = \"Gender\"\n",
			       config_text);
	int n = 0, points = 0;

	(void)state;
	setup(&f, 0);
	buf_init(&errs, 0);
	if (config_load_string("more.toml", text, &more, &errs))
		fail_msg("%s", errs.data);
	for (int code = 0; code < 3; code++) {
		for (int k = 1; ; k++) {
			struct engine *eng;
			int fired;

			run_fresh(&f);
			eng = engine_new(more, f.st, (struct engine_clock){ fixed_clock, NULL });
			store_fault_arm(f.st, k, (enum store_fault)code);
			engine_sync_config(eng);
			fired = store_fault_fired();
			if (!fired)
				n = store_fault_seen();
			store_fault_disarm();
			assert_int_equal(store_begin(f.st), 0);
			assert_int_equal(store_meta_set(f.st, "probe", "1"), 0);
			assert_int_equal(store_commit(f.st), 0);
			if (!probe_committed(f.db))
				fail_msg("after a fault at statement %d (%s), later work is never "
					 "committed", k, store_fault_what());
			engine_free(eng);
			run_close(&f);
			if (!fired)
				break;
			points++;
		}
	}
	print_message("[ FAULTS   ] configuration sync: %d statements x 3 errors = %d fault "
		      "points\n", n, points);
	assert_true(n > 3);
	assert_int_equal(points, 3 * n);
	config_free(more);
	buf_release(&errs);
	free(text);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doomed_transaction),
		cmocka_unit_test(test_sweep_config_sync),
		cmocka_unit_test(test_sweep_plain),
		cmocka_unit_test(test_sweep_encrypted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
