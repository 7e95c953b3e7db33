/*
 * test_mx_http.c - the curl multi transport against a real HTTP server on
 * loopback (libmicrohttpd in its own threads, a test-only arrangement): the
 * one-callback contract, bearer tokens, JSON bodies, the response cap, the
 * timeout, a refused connection, cancellation and percent-encoding.
 */
#include "testutil.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mx_http.h"
#include "util.h"

static struct MHD_Daemon *server;
static char base[64];

/* A request body gathered across the server's upload calls. */
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

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), xstrdup(body),
								 MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc = MHD_queue_response(c, status, r);

	MHD_destroy_response(r);
	return rc;
}

/* A body of unknown length (chunked), so only the byte count can stop it. */
static ssize_t endless(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)cls;
	if (pos > (64u << 20))
		return MHD_CONTENT_READER_END_OF_STREAM;
	memset(out, 'x', max);
	return (ssize_t)max;
}

/*
 * /echo      -> 200, "<method> <auth or -> <content-type or -> <body>"
 * /status/N  -> N, "{}"
 * /big       -> 200 with Content-Length 2 MiB
 * /stream    -> 200, chunked, 64 MiB
 * /slow      -> sleeps 3 s, then 200
 */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct upload *u = *con_cls;

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
	if (!strcmp(url, "/echo")) {
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								"Authorization");
		const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								"Content-Type");
		char *text = xasprintf("%s %s %s %s", method, auth ? auth : "-", type ? type : "-",
				       u->b.data);
		enum MHD_Result rc = reply(c, 200, text);
		free(text);
		return rc;
	}
	if (!strncmp(url, "/status/", 8))
		return reply(c, (unsigned)strtoul(url + 8, NULL, 10), "{}");
	if (!strcmp(url, "/big")) {
		size_t n = 2u << 20;
		char *p = xmalloc(n);
		struct MHD_Response *r;
		enum MHD_Result rc;

		memset(p, 'y', n);
		r = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
		rc = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return rc;
	}
	if (!strcmp(url, "/stream")) {
		struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536,
									    endless, NULL, NULL);
		enum MHD_Result rc = MHD_queue_response(c, 200, r);

		MHD_destroy_response(r);
		return rc;
	}
	if (!strcmp(url, "/slow")) {
		sleep(3);
		return reply(c, 200, "late");
	}
	return reply(c, 404, "no");
}

static int setup(void **state)
{
	const union MHD_DaemonInfo *info;

	(void)state;
	server = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL,
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
	return 0;
}

/* What one request's callback saw. */
struct seen {
	int calls;
	long status;
	char *body;
	char *error;
	int toobig;
};

static void on_res(void *ud, const struct mx_http_res *res)
{
	struct seen *s = ud;

	s->calls++;
	s->status = res->status;
	free(s->body);
	free(s->error);
	s->body = xstrdup(res->body);
	s->error = res->error ? xstrdup(res->error) : NULL;
	s->toobig = res->toobig;
}

static void seen_release(struct seen *s)
{
	free(s->body);
	free(s->error);
	memset(s, 0, sizeof(*s));
}

/* Poll until nothing runs (or 10 s pass: a hang fails the test). */
static void drain(struct mx_http *h)
{
	for (int i = 0; i < 200 && mx_http_running(h); i++)
		assert_int_equal(mx_http_poll(h, -1, 50), 0);
	assert_int_equal(mx_http_running(h), 0);
}

static void test_get_and_token(void **state)
{
	struct mx_http *h = mx_http_new(base, NULL);
	struct seen a = { 0 }, b = { 0 };

	(void)state;
	assert_non_null(h);
	assert_non_null(mx_http_start(h, "GET", "/echo", NULL, 5000, 0, on_res, &a));
	drain(h);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "GET - - ");
	assert_null(a.error);

	mx_http_set_token(h, "t0ken");
	assert_non_null(mx_http_start(h, "PUT", "/echo", "{\"k\":1}", 5000, 0, on_res, &b));
	drain(h);
	assert_int_equal(b.calls, 1);
	assert_string_equal(b.body, "PUT Bearer t0ken application/json {\"k\":1}");

	mx_http_set_token(h, NULL);
	assert_non_null(mx_http_start(h, "POST", "/echo", NULL, 5000, 0, on_res, &a));
	drain(h);
	assert_int_equal(a.calls, 2);
	assert_true(!strncmp(a.body, "POST - ", 7));   /* no token any more */
	seen_release(&a);
	seen_release(&b);
	mx_http_free(h);
}

static void test_status_passed_through(void **state)
{
	struct mx_http *h = mx_http_new(base, NULL);
	struct seen s = { 0 };

	(void)state;
	assert_non_null(mx_http_start(h, "GET", "/status/429", NULL, 5000, 0, on_res, &s));
	drain(h);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.status, 429);
	assert_string_equal(s.body, "{}");
	assert_null(s.error);
	seen_release(&s);
	mx_http_free(h);
}

static void test_cap(void **state)
{
	struct mx_http *h = mx_http_new(base, NULL);
	struct seen declared = { 0 }, chunked = { 0 }, fits = { 0 };

	(void)state;
	assert_non_null(mx_http_start(h, "GET", "/big", NULL, 10000, 4096, on_res, &declared));
	assert_non_null(mx_http_start(h, "GET", "/stream", NULL, 10000, 4096, on_res, &chunked));
	assert_non_null(mx_http_start(h, "GET", "/big", NULL, 10000, 4u << 20, on_res, &fits));
	drain(h);
	assert_int_equal(declared.calls, 1);
	assert_int_equal(declared.toobig, 1);
	assert_int_equal(declared.status, 0);
	assert_non_null(strstr(declared.error, "4096 byte limit"));
	assert_int_equal(chunked.calls, 1);
	assert_int_equal(chunked.toobig, 1);
	assert_int_equal(fits.calls, 1);
	assert_int_equal(fits.toobig, 0);
	assert_int_equal(fits.status, 200);
	assert_int_equal(strlen(fits.body), 2u << 20);
	seen_release(&declared);
	seen_release(&chunked);
	seen_release(&fits);
	mx_http_free(h);
}

static void test_timeout_and_refused(void **state)
{
	struct mx_http *h = mx_http_new(base, NULL);
	struct mx_http *dead;
	struct seen slow = { 0 }, fast = { 0 }, refused = { 0 };
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char url[64];

	(void)state;
	/* a port that was just free and now nobody listens on */
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
	dead = mx_http_new(url, NULL);

	/* the slow one times out and does not hold up the fast one */
	assert_non_null(mx_http_start(h, "GET", "/slow", NULL, 500, 0, on_res, &slow));
	assert_non_null(mx_http_start(h, "GET", "/status/200", NULL, 5000, 0, on_res, &fast));
	assert_non_null(mx_http_start(dead, "GET", "/x", NULL, 5000, 0, on_res, &refused));
	drain(h);
	drain(dead);
	assert_int_equal(slow.calls, 1);
	assert_int_equal(slow.status, 0);
	assert_non_null(slow.error);
	assert_int_equal(fast.calls, 1);
	assert_int_equal(fast.status, 200);
	assert_int_equal(refused.calls, 1);
	assert_int_equal(refused.status, 0);
	assert_non_null(refused.error);
	seen_release(&slow);
	seen_release(&fast);
	seen_release(&refused);
	mx_http_free(h);
	mx_http_free(dead);
}

static int dropped;
static void *dropped_ud;

static void on_drop(void *ud)
{
	dropped++;
	dropped_ud = ud;
}

static void test_cancel_silences(void **state)
{
	struct mx_http *h = mx_http_new(base, on_drop);
	struct seen s = { 0 }, kept = { 0 };
	struct mx_http_req *r;

	(void)state;
	dropped = 0;
	r = mx_http_start(h, "GET", "/slow", NULL, 10000, 0, on_res, &s);
	assert_non_null(mx_http_start(h, "GET", "/echo", NULL, 10000, 0, on_res, &kept));
	assert_non_null(r);
	assert_int_equal(mx_http_running(h), 2);
	mx_http_cancel(h, r);
	assert_int_equal(dropped, 1);
	assert_ptr_equal(dropped_ud, &s);
	assert_int_equal(mx_http_running(h), 1);
	drain(h);
	assert_int_equal(s.calls, 0);
	assert_int_equal(kept.calls, 1);
	mx_http_cancel(h, NULL);        /* a no-op */
	assert_int_equal(dropped, 1);

	/* freeing the client drops what still runs, without callbacks */
	assert_non_null(mx_http_start(h, "GET", "/slow", NULL, 10000, 0, on_res, &s));
	mx_http_free(h);
	assert_int_equal(dropped, 2);
	assert_int_equal(s.calls, 0);
	seen_release(&kept);
}

static void test_escape(void **state)
{
	char *e;

	(void)state;
	e = mx_http_escape("!room:ex.org/a b?c=d&é~_-.");
	assert_string_equal(e, "%21room%3Aex.org%2Fa%20b%3Fc%3Dd%26%C3%A9~_-.");
	free(e);
	e = mx_http_escape("");
	assert_string_equal(e, "");
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_and_token),
		cmocka_unit_test(test_status_passed_through),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_timeout_and_refused),
		cmocka_unit_test(test_cancel_silences),
		cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
