/*
 * test_mx_api.c - the Matrix calls against a real HTTP server on loopback
 * (libmicrohttpd in its own thread, test-only) that records what it was
 * asked and answers what the test sets: each answer classified once (done,
 * retry with the server's delay, refused, token rejected), and each call's
 * method, path, escaping and body as the client-server API wants them.
 */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "mx_api.h"
#include "util.h"

static struct MHD_Daemon *server;
static char base[64];

/* What the server saw last and what it answers next (under 'lock'). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *seen_method, *seen_url, *seen_body, *seen_auth;
static unsigned answer_status = 200;
static char *answer_body;

struct upload {
	struct buf b;
};

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u) {
		buf_release(&u->b);
		free(u);
		*con_cls = NULL;
	}
}

/* The URL with its query, as the client sent it (MHD splits them). */
static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct buf *b = cls;

	(void)kind;
	buf_printf(b, "%s%s=%s", strchr(b->data, '?') ? "&" : "?", key, value ? value : "");
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct upload *u = *con_cls;
	struct MHD_Response *r;
	struct buf full;
	const char *auth;
	enum MHD_Result rc;
	unsigned status;
	char *body;

	(void)cls;
	(void)version;
	if (!u) {
		u = xcalloc(1, sizeof(*u));
		buf_init(&u->b, 0);
		*con_cls = u;
		return MHD_YES;
	}
	if (*size) {
		buf_add(&u->b, data, *size);
		*size = 0;
		return MHD_YES;
	}
	buf_init(&full, 0);
	buf_puts(&full, url);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &full);
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	pthread_mutex_lock(&lock);
	free(seen_method);
	free(seen_url);
	free(seen_body);
	free(seen_auth);
	seen_method = xstrdup(method);
	seen_url = buf_detach(&full);
	seen_body = xstrdup(u->b.data);
	seen_auth = auth ? xstrdup(auth) : NULL;
	status = answer_status;
	body = xstrdup(answer_body ? answer_body : "{}");
	pthread_mutex_unlock(&lock);
	buf_release(&full);
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static void answer(unsigned status, const char *body)
{
	pthread_mutex_lock(&lock);
	answer_status = status;
	free(answer_body);
	answer_body = xstrdup(body);
	pthread_mutex_unlock(&lock);
}

static int setup(void **state)
{
	const union MHD_DaemonInfo *info;

	(void)state;
	server = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL,
				  MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
				  MHD_OPTION_SOCK_ADDR,
				  &(struct sockaddr_in){ .sin_family = AF_INET,
							 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) },
				  MHD_OPTION_END);
	if (!server)
		return -1;
	info = MHD_get_daemon_info(server, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)info->port);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	MHD_stop_daemon(server);
	free(seen_method);
	free(seen_url);
	free(seen_body);
	free(seen_auth);
	free(answer_body);
	return 0;
}

/* A copy of what one callback saw. */
struct got {
	int calls;
	enum mx_outcome outcome;
	long http;
	char *errcode, *error, *user_id, *device_id, *access_token, *room_id, *event_id, *body;
	int64_t retry_after_ms;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void got_release(struct got *g)
{
	free(g->errcode);
	free(g->error);
	free(g->user_id);
	free(g->device_id);
	free(g->access_token);
	free(g->room_id);
	free(g->event_id);
	free(g->body);
	memset(g, 0, sizeof(*g));
}

static void on_result(void *ud, const struct mx_result *r)
{
	struct got *g = ud;
	int calls = g->calls;

	got_release(g);
	g->calls = calls + 1;
	g->outcome = r->outcome;
	g->http = r->http;
	g->retry_after_ms = r->retry_after_ms;
	g->errcode = dup_or_null(r->errcode);
	g->error = dup_or_null(r->error);
	g->user_id = dup_or_null(r->user_id);
	g->device_id = dup_or_null(r->device_id);
	g->access_token = dup_or_null(r->access_token);
	g->room_id = dup_or_null(r->room_id);
	g->event_id = dup_or_null(r->event_id);
	g->body = r->body ? xstrndup(r->body, r->len) : NULL;
}

/* Run one call to its end. */
static void wait_for(struct mx_api *a, struct got *g, int calls)
{
	for (int i = 0; i < 400 && g->calls < calls; i++)
		assert_int_equal(mx_api_poll(a, -1, 25), 0);
	assert_int_equal(g->calls, calls);
}

static void test_outcomes(void **state)
{
	static const struct {
		unsigned status;
		const char *body;
		enum mx_outcome outcome;
		const char *errcode;
		int64_t retry_after_ms;
	} cases[] = {
		{ 200, "{\"event_id\":\"$e1\"}", MX_OK, NULL, -1 },
		{ 429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1500}", MX_RETRY,
		  "M_LIMIT_EXCEEDED", 1500 },
		{ 429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":-5}", MX_RETRY,
		  "M_LIMIT_EXCEEDED", -1 },
		{ 429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1e12}", MX_RETRY,
		  "M_LIMIT_EXCEEDED", -1 },
		{ 502, "<html>bad gateway</html>", MX_RETRY, NULL, -1 },
		{ 408, "{}", MX_RETRY, NULL, -1 },
		{ 403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"not in room\"}", MX_REFUSED,
		  "M_FORBIDDEN", -1 },
		{ 413, "{\"errcode\":\"M_TOO_LARGE\"}", MX_REFUSED, "M_TOO_LARGE", -1 },
		{ 401, "{\"errcode\":\"M_UNKNOWN_TOKEN\"}", MX_UNAUTHORIZED, "M_UNKNOWN_TOKEN", -1 },
		/* a 200 that is not a JSON object is not a success */
		{ 200, "[1,2]", MX_RETRY, NULL, -1 },
		{ 200, "not json", MX_RETRY, NULL, -1 },
	};
	struct mx_api *a = mx_api_new(base);
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct got g = { 0 };

		answer(cases[i].status, cases[i].body);
		assert_non_null(mx_api_send(a, "!r:x", "m.room.message", "t1", "{}", on_result, &g));
		wait_for(a, &g, 1);
		if (g.outcome != cases[i].outcome || g.retry_after_ms != cases[i].retry_after_ms)
			fail_msg("case %zu (%u %s): outcome %d retry %lld", i, cases[i].status,
				 cases[i].body, (int)g.outcome, (long long)g.retry_after_ms);
		assert_int_equal(g.http, cases[i].status);
		if (cases[i].errcode)
			assert_string_equal(g.errcode, cases[i].errcode);
		else
			assert_null(g.errcode);
		if (cases[i].outcome == MX_OK) {
			assert_string_equal(g.event_id, "$e1");
			assert_null(g.error);
		} else {
			assert_non_null(g.error);
		}
		got_release(&g);
	}
	mx_api_free(a);
}

static void test_no_server_is_retry(void **state)
{
	struct mx_api *a = mx_api_new("http://127.0.0.1:1");
	struct got g = { 0 };

	(void)state;
	assert_non_null(mx_api_whoami(a, on_result, &g));
	wait_for(a, &g, 1);
	assert_int_equal(g.outcome, MX_RETRY);
	assert_int_equal(g.http, 0);
	assert_non_null(g.error);
	got_release(&g);
	mx_api_free(a);
}

static void test_send_path_and_token(void **state)
{
	struct mx_api *a = mx_api_new(base);
	struct got g = { 0 };

	(void)state;
	mx_api_set_token(a, "secret-token");
	answer(200, "{\"event_id\":\"$sent\"}");
	assert_non_null(mx_api_send(a, "!room/id:ex.org", "m.room.message", "txn 1",
				    "{\"body\":\"hé\"}", on_result, &g));
	wait_for(a, &g, 1);
	assert_string_equal(seen_method, "PUT");
	assert_string_equal(seen_url, "/_matrix/client/v3/rooms/!room/id:ex.org/send/"
			    "m.room.message/txn 1");     /* MHD shows it decoded */
	assert_string_equal(seen_body, "{\"body\":\"hé\"}");
	assert_string_equal(seen_auth, "Bearer secret-token");
	assert_string_equal(g.event_id, "$sent");
	got_release(&g);
	mx_api_free(a);
}

static void test_login_body(void **state)
{
	struct mx_api *a = mx_api_new(base);
	struct got g = { 0 };
	cJSON *j;

	(void)state;
	answer(200, "{\"user_id\":\"@bot:x\",\"device_id\":\"DEV\",\"access_token\":\"tok\"}");
	assert_non_null(mx_api_login(a, "@bot:x", "pa\"ss", "DEV", "caucus", on_result, &g));
	wait_for(a, &g, 1);
	assert_string_equal(seen_method, "POST");
	assert_string_equal(seen_url, "/_matrix/client/v3/login");
	assert_null(seen_auth);
	j = cJSON_Parse(seen_body);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "type")->valuestring, "m.login.password");
	assert_string_equal(cJSON_GetObjectItem(j, "password")->valuestring, "pa\"ss");
	assert_string_equal(cJSON_GetObjectItem(j, "device_id")->valuestring, "DEV");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "identifier"),
						 "user")->valuestring, "@bot:x");
	cJSON_Delete(j);
	assert_int_equal(g.outcome, MX_OK);
	assert_string_equal(g.access_token, "tok");
	assert_string_equal(g.device_id, "DEV");
	assert_string_equal(g.user_id, "@bot:x");
	got_release(&g);
	mx_api_free(a);
}

static void test_create_room_body(void **state)
{
	static const char *const invite[] = { "@bot:x", "@alice:x" };
	struct mx_room_spec spec = {
		.alias_local = "cyber", .name = "Cybersecurity", .encrypted = 1,
		.invite = invite, .n_invite = 2, .creator = "@bot:x",
	};
	struct mx_api *a = mx_api_new(base);
	struct got g = { 0 };
	cJSON *j, *inv, *st, *e;
	int enc = 0;

	(void)state;
	answer(200, "{\"room_id\":\"!new:x\"}");
	assert_non_null(mx_api_create_room(a, &spec, on_result, &g));
	wait_for(a, &g, 1);
	assert_string_equal(seen_url, "/_matrix/client/v3/createRoom");
	j = cJSON_Parse(seen_body);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "room_alias_name")->valuestring, "cyber");
	assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring, "Cybersecurity");
	inv = cJSON_GetObjectItem(j, "invite");
	assert_int_equal(cJSON_GetArraySize(inv), 1);       /* the creator is skipped */
	assert_string_equal(cJSON_GetArrayItem(inv, 0)->valuestring, "@alice:x");
	st = cJSON_GetObjectItem(j, "initial_state");
	cJSON_ArrayForEach(e, st) {
		const cJSON *t = cJSON_GetObjectItem(e, "type");
		if (cJSON_IsString(t) && !strcmp(t->valuestring, "m.room.encryption"))
			enc = !strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "content"),
							  "algorithm")->valuestring,
				      "m.megolm.v1.aes-sha2");
	}
	assert_true(enc);
	cJSON_Delete(j);
	assert_string_equal(g.room_id, "!new:x");
	got_release(&g);

	/* taken alias: refused with its errcode, for the caller to choose */
	answer(400, "{\"errcode\":\"M_ROOM_IN_USE\"}");
	assert_non_null(mx_api_create_room(a, &spec, on_result, &g));
	wait_for(a, &g, 1);
	assert_int_equal(g.outcome, MX_REFUSED);
	assert_string_equal(g.errcode, "M_ROOM_IN_USE");
	got_release(&g);
	mx_api_free(a);
}

static void test_sync_and_messages_queries(void **state)
{
	struct mx_api *a = mx_api_new(base);
	struct got g = { 0 };

	(void)state;
	answer(200, "{\"next_batch\":\"s2\"}");
	assert_non_null(mx_api_sync(a, "s1 &x", 30000, 0, on_result, &g));
	wait_for(a, &g, 1);
	assert_string_equal(seen_method, "GET");
	assert_true(!strncmp(seen_url, "/_matrix/client/v3/sync?", 24));
	assert_non_null(strstr(seen_url, "timeout=30000"));
	assert_non_null(strstr(seen_url, "since=s1 &x"));   /* escaped on the wire */
	assert_non_null(strstr(seen_url, "filter={"));
	assert_string_equal(g.body, "{\"next_batch\":\"s2\"}");
	got_release(&g);

	/* a first sync has no since */
	assert_non_null(mx_api_sync(a, NULL, 0, 0, on_result, &g));
	wait_for(a, &g, 1);
	assert_null(strstr(seen_url, "since="));
	got_release(&g);

	answer(200, "{\"chunk\":[]}");
	assert_non_null(mx_api_messages(a, "!r:x", "t_from", "t_to", 0, 50, 0, on_result, &g));
	wait_for(a, &g, 1);
	assert_true(!strncmp(seen_url, "/_matrix/client/v3/rooms/!r:x/messages?", 39));
	assert_non_null(strstr(seen_url, "dir=b"));
	assert_non_null(strstr(seen_url, "limit=50"));
	assert_non_null(strstr(seen_url, "from=t_from"));
	assert_non_null(strstr(seen_url, "to=t_to"));
	got_release(&g);

	/* a gap is read forward, oldest first */
	answer(200, "{\"chunk\":[]}");
	assert_non_null(mx_api_messages(a, "!r:x", "t_from", "t_to", 1, 50, 0, on_result, &g));
	wait_for(a, &g, 1);
	assert_non_null(strstr(seen_url, "dir=f"));
	assert_null(strstr(seen_url, "dir=b"));
	got_release(&g);
	mx_api_free(a);
}

static void test_cancel_is_silent(void **state)
{
	struct mx_api *a = mx_api_new(base);
	struct got g = { 0 }, h = { 0 };
	struct mx_http_req *r;

	(void)state;
	answer(200, "{}");
	r = mx_api_whoami(a, on_result, &g);
	assert_non_null(r);
	assert_non_null(mx_api_whoami(a, on_result, &h));
	mx_api_cancel(a, r);
	wait_for(a, &h, 1);
	for (int i = 0; i < 10; i++)
		mx_api_poll(a, -1, 10);
	assert_int_equal(g.calls, 0);
	got_release(&h);
	mx_api_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_no_server_is_retry),
		cmocka_unit_test(test_send_path_and_token),
		cmocka_unit_test(test_login_body),
		cmocka_unit_test(test_create_room_body),
		cmocka_unit_test(test_sync_and_messages_queries),
		cmocka_unit_test(test_cancel_is_silent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
