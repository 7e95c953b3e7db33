/*
 * http.c - the HTTP listener of SPEC §7 on libmicrohttpd, in external
 * polling mode with its epoll descriptor: no thread of its own, MHD_run()
 * from the one event loop whenever its descriptor is ready.  The only file
 * that includes <microhttpd.h>.  What is served is a table of routes
 * (http_route); this file only parses, limits and answers.  Slow clients:
 * MHD drops a connection idle for HTTP_REQUEST_MS, and a sweep here cuts
 * one (shutdown(2), MHD then closes it) that has not finished a request in
 * HTTP_REQUEST_MS even while it trickles bytes (slowloris).
 */
#include "http.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"
#include "loop.h"

/* One open connection, in the order of its deadline (oldest first). */
struct conn {
	struct http *h;
	int fd;
	int cut;                /* shut down, waiting for MHD to close it */
	int64_t since;          /* connect, or the end of its last request */
	struct conn *prev, *next;
};

struct http {
	struct MHD_Daemon *d;
	const struct http_route *routes;
	size_t n;
	void *ud;
	int wait_fd;            /* epoll: MHD's epoll fd and other_fd */
	int other_fd;
	int port;
	unsigned nconn;
	struct conn *head, *tail;
};

/* ---- the route table ---- */

const struct http_route *http_route_find(const struct http_route *routes, size_t n,
					 const char *path)
{
	if (!path)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct http_route *r = &routes[i];
		if (r->prefix ? !strncmp(path, r->path, strlen(r->path)) : !strcmp(path, r->path))
			return r;
	}
	return NULL;
}

void http_reply_init(struct http_reply *rep)
{
	rep->status = 200;
	rep->content_type = "text/plain; charset=utf-8";
	rep->etag = NULL;
	buf_init(&rep->body, HTTP_MAX_BODY);
}

void http_reply_release(struct http_reply *rep)
{
	buf_release(&rep->body);
}

void http_dispatch(const struct http_route *routes, size_t n, void *ud,
		   const struct http_request *req, struct http_reply *rep)
{
	const struct http_route *r;

	if (!req->method || (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))) {
		rep->status = 405;
		buf_puts(&rep->body, "method not allowed\n");
		return;
	}
	r = http_route_find(routes, n, req->path);
	if (!r) {
		rep->status = 404;
		buf_puts(&rep->body, "not found\n");
		return;
	}
	r->fn(ud, req, rep);
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	if (!req->conn)
		return NULL;
	return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND,
					   name);
}

/* ---- libmicrohttpd's callbacks ---- */

static int add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	return MHD_add_response_header(resp, name, value) == MHD_YES ? 0 : -1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **req_cls)
{
	struct http *h = cls;
	struct http_request req = { .method = method, .path = url, .conn = c };
	struct http_reply rep;
	struct MHD_Response *resp = NULL;
	enum MHD_Result rc = MHD_NO;

	(void)version;
	(void)upload;
	if (!*req_cls && (!strcmp(method, "GET") || !strcmp(method, "HEAD"))) {
		/* the head alone: answer at the next call, once MHD knows the
		 * request is whole (an answer now would close the connection) */
		*req_cls = h;
		return MHD_YES;
	}
	if (*req_cls && *upload_size) {
		*upload_size = 0;       /* nothing here takes a body: it is dropped */
		return MHD_YES;
	}
	/* other methods are refused at once, before any body is read */
	http_reply_init(&rep);
	http_dispatch(h->routes, h->n, h->ud, &req, &rep);
	resp = MHD_create_response_from_buffer(rep.body.len, rep.body.data,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		goto out;
	if (add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep.content_type) ||
	    add_header(resp, MHD_HTTP_HEADER_SERVER, "caucus") ||
	    add_header(resp, "X-Content-Type-Options", "nosniff") ||
	    (rep.etag && add_header(resp, MHD_HTTP_HEADER_ETAG, rep.etag)) ||
	    (rep.status == 405 && add_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD")))
		goto out;
	/* with an ETag (a calendar feed): clients revalidate, shared caches
	 * keep nothing (the path is a capability) */
	if (add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		       rep.etag ? "private, no-cache" : "no-store"))
		goto out;
	rc = MHD_queue_response(c, (unsigned)rep.status, resp);
	if (log_enabled(LOG_DEBUG)) {
		const struct http_route *r = http_route_find(h->routes, h->n, url);
		char shown[201];
		size_t i;
		/* the path comes from the client, decoded: one log line stays one;
		 * under a prefix route only the prefix (what follows may be a
		 * secret, such as a calendar token) */
		for (i = 0; url && url[i] && i < sizeof(shown) - 1; i++)
			shown[i] = (unsigned char)url[i] < 0x20 || url[i] == 0x7f ? '?' : url[i];
		shown[i] = '\0';
		if (r && r->prefix && strlen(r->path) < sizeof(shown) - 4)
			snprintf(shown, sizeof(shown), "%s...", r->path);
		log_debug("http: %s %s %d", method, shown, rep.status);
	}
out:
	MHD_destroy_response(resp);
	http_reply_release(&rep);
	return rc;
}

static void conn_unlink(struct http *h, struct conn *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		h->head = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		h->tail = k->prev;
	k->prev = k->next = NULL;
}

static void conn_append(struct http *h, struct conn *k)
{
	k->prev = h->tail;
	k->next = NULL;
	if (h->tail)
		h->tail->next = k;
	else
		h->head = k;
	h->tail = k;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http *h = cls;
	struct conn *k = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k = xcalloc(1, sizeof(*k));
		k->h = h;
		k->fd = ci ? ci->connect_fd : -1;
		k->since = loop_now();
		conn_append(h, k);
		h->nconn++;
		*socket_context = k;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && k) {
		conn_unlink(h, k);
		h->nconn--;
		free(k);
		*socket_context = NULL;
	}
}

/* A request was answered: the connection's clock starts again. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;

	(void)req_cls;
	(void)toe;
	if (!k || k->cut)
		return;
	conn_unlink(h, k);
	k->since = loop_now();
	conn_append(h, k);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	size_t len = strlen(msg);

	(void)cls;
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	log_debug("http: %s", msg);
	free(msg);
}

/* ---- life cycle ---- */

/* "host:port" or "[v6]:port" into its parts; 0 or -1. */
static int split_listen(const char *s, char *host, size_t hostlen, char *port,
			size_t portlen)
{
	const char *colon, *h = s, *hend;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (!hend || hend[1] != ':')
			return -1;
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hend = colon;
	}
	if (hend == h || (size_t)(hend - h) >= hostlen || strlen(colon + 1) >= portlen ||
	    !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	return strtol(port, NULL, 10) > 65535 ? -1 : 0;
}

struct http *http_new(const char *listen, const struct http_route *routes, size_t n,
		      void *ud, char *err, size_t errlen)
{
	struct http *h = xcalloc(1, sizeof(*h));
	struct addrinfo hints, *ai = NULL;
	const union MHD_DaemonInfo *di;
	struct epoll_event ev;
	char host[256], port[8];
	int gai;

	h->routes = routes;
	h->n = n;
	h->ud = ud;
	h->wait_fd = -1;
	h->other_fd = -1;
	if (split_listen(listen, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "http.listen '%.80s' is not host:port", listen);
		goto fail;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gai = getaddrinfo(host, port, &hints, &ai);
	if (gai) {
		snprintf(err, errlen, "http.listen '%.80s': %s", listen, gai_strerror(gai));
		goto fail;
	}
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
				(ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,    /* first: see MHD */
				MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(HTTP_REQUEST_MS / 1000),
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MAX_HEADER,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 128u,
				MHD_OPTION_STRICT_FOR_CLIENT, 1,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot listen on %.80s (http.listen): %s", listen,
			 errno ? strerror(errno) : "libmicrohttpd refused");
		goto fail;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : 0;
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->wait_fd = epoll_create1(EPOLL_CLOEXEC);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = di ? di->epoll_fd : -1;
	if (!di || h->wait_fd < 0 || epoll_ctl(h->wait_fd, EPOLL_CTL_ADD, di->epoll_fd, &ev)) {
		snprintf(err, errlen, "http: cannot set up the wait: %s", strerror(errno));
		goto fail;
	}
	freeaddrinfo(ai);
	return h;
fail:
	if (ai)
		freeaddrinfo(ai);
	http_free(h);
	return NULL;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);  /* closes every connection: the list empties */
	while (h->head) {
		struct conn *k = h->head;
		conn_unlink(h, k);
		free(k);
	}
	if (h->wait_fd >= 0)
		close(h->wait_fd);
	free(h);
}

int http_port(const struct http *h)
{
	return h->port;
}

unsigned http_connections(struct http *h)
{
	return h->nconn;
}

int http_poll_fd(struct http *h, int other_fd)
{
	struct epoll_event ev;

	if (other_fd != h->other_fd) {
		if (h->other_fd >= 0)
			epoll_ctl(h->wait_fd, EPOLL_CTL_DEL, h->other_fd, NULL);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = other_fd;
		if (other_fd >= 0 && epoll_ctl(h->wait_fd, EPOLL_CTL_ADD, other_fd, &ev))
			log_error("http: cannot wait on descriptor %d: %s", other_fd,
				  strerror(errno));
		h->other_fd = other_fd;
	}
	return h->wait_fd;
}

int http_timeout(struct http *h, int timeout_ms)
{
	MHD_UNSIGNED_LONG_LONG t = 0;
	struct conn *k = h->head;
	int64_t left;

	if (MHD_get_timeout(h->d, &t) == MHD_YES) {
		if (t > 3600000)
			t = 3600000;
		if (timeout_ms < 0 || t < (MHD_UNSIGNED_LONG_LONG)timeout_ms)
			timeout_ms = (int)t;
	}
	while (k && k->cut)
		k = k->next;
	if (k) {
		left = k->since + HTTP_REQUEST_MS - loop_now();
		if (left < 0)
			left = 0;
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = (int)left;
	}
	return timeout_ms;
}

void http_run(struct http *h)
{
	int64_t now;

	MHD_run(h->d);
	now = loop_now();
	for (struct conn *k = h->head; k && k->since + HTTP_REQUEST_MS <= now; k = k->next) {
		if (k->cut || k->fd < 0)
			continue;
		/* MHD sees the end of the stream at its next turn and closes it */
		log_debug("http: a request took longer than %d s; connection cut",
			  HTTP_REQUEST_MS / 1000);
		shutdown(k->fd, SHUT_RDWR);
		k->cut = 1;
	}
	if (h->head && h->head->cut)
		MHD_run(h->d);
}
