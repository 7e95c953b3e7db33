/*
 * test_http.c - the listener's route table and dispatch (exact paths,
 * prefixes, first match wins, 404 and 405), then the listener itself on
 * loopback driven from this test's own poll loop: an answer, the limits on
 * the request head, and a slow client cut off while others are served.
 */
#include "testutil.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "util.h"

static int calls_a, calls_b;

static void h_a(void *ud, const struct http_request *req, struct http_reply *rep)
{
	(void)ud;
	calls_a++;
	rep->content_type = "application/json";
	buf_printf(&rep->body, "{\"path\":\"%s\"}", req->path);
}

static void h_b(void *ud, const struct http_request *req, struct http_reply *rep)
{
	(void)ud;
	(void)req;
	calls_b++;
	rep->status = 503;
	rep->etag = "\"x1\"";
	buf_puts(&rep->body, "b");
}

static const struct http_route routes[] = {
	{ "/healthz", 0, h_a },
	{ "/calendar/", 1, h_b },
	{ "/calendar/special", 0, h_a },  /* shadowed by the prefix before it */
};

static void test_route_find(void **state)
{
	(void)state;
	assert_ptr_equal(http_route_find(routes, ARRAY_LEN(routes), "/healthz"), &routes[0]);
	assert_null(http_route_find(routes, ARRAY_LEN(routes), "/healthz/"));
	assert_null(http_route_find(routes, ARRAY_LEN(routes), "/healthzz"));
	assert_null(http_route_find(routes, ARRAY_LEN(routes), "/health"));
	assert_null(http_route_find(routes, ARRAY_LEN(routes), "/"));
	assert_null(http_route_find(routes, ARRAY_LEN(routes), ""));
	assert_null(http_route_find(routes, ARRAY_LEN(routes), NULL));
	assert_ptr_equal(http_route_find(routes, ARRAY_LEN(routes), "/calendar/abc.ics"),
			 &routes[1]);
	assert_ptr_equal(http_route_find(routes, ARRAY_LEN(routes), "/calendar/special"),
			 &routes[1]);
	assert_null(http_route_find(routes, ARRAY_LEN(routes), "/calendar"));
	assert_null(http_route_find(routes, 0, "/healthz"));
}

static void dispatch(const char *method, const char *path, struct http_reply *rep)
{
	struct http_request req = { .method = method, .path = path, .conn = NULL };

	http_reply_init(rep);
	http_dispatch(routes, ARRAY_LEN(routes), NULL, &req, rep);
}

static void test_dispatch(void **state)
{
	struct http_reply rep;

	(void)state;
	calls_a = calls_b = 0;
	dispatch("GET", "/healthz", &rep);
	assert_int_equal(rep.status, 200);
	assert_string_equal(rep.content_type, "application/json");
	assert_string_equal(rep.body.data, "{\"path\":\"/healthz\"}");
	http_reply_release(&rep);
	dispatch("HEAD", "/calendar/t.ics", &rep);
	assert_int_equal(rep.status, 503);
	assert_string_equal(rep.etag, "\"x1\"");
	http_reply_release(&rep);
	dispatch("GET", "/metrics", &rep);
	assert_int_equal(rep.status, 404);
	assert_string_equal(rep.content_type, "text/plain; charset=utf-8");
	http_reply_release(&rep);
	for (size_t i = 0; i < 4; i++) {
		static const char *const bad[] = { "POST", "PUT", "DELETE", "get" };
		dispatch(bad[i], "/healthz", &rep);
		assert_int_equal(rep.status, 405);
		http_reply_release(&rep);
	}
	dispatch(NULL, "/healthz", &rep);
	assert_int_equal(rep.status, 405);
	http_reply_release(&rep);
	assert_int_equal(calls_a, 1);
	assert_int_equal(calls_b, 1);
}

static void test_bad_listen(void **state)
{
	static const char *const bad[] = { "", "8470", "127.0.0.1", "127.0.0.1:", ":8470",
					   "127.0.0.1:99999", "127.0.0.1:80a", "[::1]8470",
					   "[]:8470", "no-such-host.invalid:8470" };
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		assert_null(http_new(bad[i], routes, ARRAY_LEN(routes), NULL, err, sizeof(err)));
		assert_true(err[0] != '\0');
	}
}

/* ---- the listener on loopback, served from this loop ---- */

static void serve(struct http *h, int ms)
{
	int64_t end = loop_now() + ms;

	while (loop_now() < end) {
		struct pollfd p = { .fd = http_poll_fd(h, -1), .events = POLLIN };
		int t = http_timeout(h, (int)(end - loop_now()));
		poll(&p, 1, t < 0 ? 0 : t > 50 ? 50 : t);
		http_run(h);
	}
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Send req, serve, and read what came back (NUL-terminated, into out). */
static ssize_t exchange(struct http *h, int fd, const char *req, char *out, size_t outlen)
{
	ssize_t n, got = 0;

	if (req)
		assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	serve(h, 200);
	while (got + 1 < (ssize_t)outlen &&
	       (n = recv(fd, out + got, outlen - 1 - (size_t)got, MSG_DONTWAIT)) > 0)
		got += n;
	out[got] = '\0';
	return got;
}

static void test_listener(void **state)
{
	char err[256], out[4096], *big;
	struct http *h;
	int fd, port;

	(void)state;
	h = http_new("127.0.0.1:0", routes, ARRAY_LEN(routes), NULL, err, sizeof(err));
	assert_non_null(h);
	port = http_port(h);
	assert_true(port > 0);

	fd = connect_to(port);
	exchange(h, fd, "GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(out, "Server: caucus\r\n"));
	assert_non_null(strstr(out, "Cache-Control: no-store\r\n"));
	assert_non_null(strstr(out, "{\"path\":\"/healthz\"}"));
	/* keep-alive: a second request on the same connection */
	exchange(h, fd, "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof(out));

	assert_non_null(strstr(out, "HTTP/1.1 404 "));
	close(fd);

	/* another method: 405 at once, the announced body is never waited for */
	fd = connect_to(port);
	exchange(h, fd, "POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n",
		 out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 405 "));
	assert_non_null(strstr(out, "Allow: GET, HEAD\r\n"));
	close(fd);

	/* a request head over HTTP_MAX_HEADER is refused */
	big = xmalloc(HTTP_MAX_HEADER * 2 + 64);
	memcpy(big, "GET /healthz HTTP/1.1\r\nX-Big: ", 30);
	memset(big + 30, 'a', HTTP_MAX_HEADER * 2);
	memcpy(big + 30 + HTTP_MAX_HEADER * 2, "\r\n\r\n", 5);
	fd = connect_to(port);
	send(fd, big, strlen(big), MSG_NOSIGNAL);
	exchange(h, fd, NULL, out, sizeof(out));
	assert_true(!strncmp(out, "HTTP/1.1 431 ", 13) || !strncmp(out, "HTTP/1.1 413 ", 13));
	close(fd);
	free(big);

	/* not HTTP at all */
	fd = connect_to(port);
	exchange(h, fd, "\x16\x03\x01 hello\r\n\r\n", out, sizeof(out));
	assert_true(!strncmp(out, "HTTP/1.1 400 ", 13) || out[0] == '\0');
	close(fd);
	serve(h, 100);
	assert_int_equal(http_connections(h), 0);
	http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_find),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_bad_listen),
		cmocka_unit_test(test_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
