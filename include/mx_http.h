/*
 * mx_http.h - asynchronous HTTP on one libcurl multi handle, for the
 * Matrix client.  Requests run side by side (the long-poll /sync next to
 * the sends); responses are read into capped buffers.  This is the only
 * module that includes <curl/curl.h>.  It knows nothing of Matrix JSON.
 *
 * Contract (libuv's): mx_http_start() either fails at once and never calls
 * back, or calls back exactly once, later, from mx_http_poll() - unless the
 * request is cancelled first, which silences it.
 */
#ifndef CAUCUS_MX_HTTP_H
#define CAUCUS_MX_HTTP_H

#include <stddef.h>

struct mx_http;
struct mx_http_req;

struct mx_http_res {
	long status;            /* HTTP status, 0 when there was no response */
	const char *body;       /* NUL-terminated, never NULL; valid during the callback */
	size_t len;
	const char *error;      /* transport failure (text), or NULL */
	int toobig;             /* the body passed the request's cap */
	const char *etag;       /* the final answer's ETag, or NULL (fetches only) */
	const char *last_modified;      /* its Last-Modified, or NULL (fetches only) */
};

typedef void (*mx_http_cb)(void *ud, const struct mx_http_res *res);

/*
 * A client for base_url ("https://host[:port]", copied).  'drop' (may be
 * NULL) is called with the ud of each request cancelled before its
 * callback ran, so the caller can free what it hung there.  NULL when
 * libcurl cannot be set up.  Free with mx_http_free().
 */
struct mx_http *mx_http_new(const char *base_url, void (*drop)(void *ud));
/* Cancels every request (no callbacks); NULL is a no-op. */
void mx_http_free(struct mx_http *h);

/* The bearer token sent with every later request (copied; NULL: none).
 * It is wiped when replaced and never logged. */
void mx_http_set_token(struct mx_http *h, const char *token);

/*
 * Start 'method' on base_url + path ('path' already percent-encoded, with
 * its query).  json_body (copied) may be NULL.  timeout_ms bounds the whole
 * request; cap bounds the response body (0: 1 MiB).  Returns a handle for
 * mx_http_cancel(), or NULL (logged) when it could not start.
 */
struct mx_http_req *mx_http_start(struct mx_http *h, const char *method, const char *path,
				  const char *json_body, long timeout_ms, size_t cap,
				  mx_http_cb cb, void *ud);
/*
 * GET an absolute http(s) URL that is not the homeserver's (a calendar
 * feed): no access token is sent, at most max_redirs redirects are
 * followed (to http or https only), and etag / last_modified (may be NULL)
 * go out as If-None-Match / If-Modified-Since; a 304 comes back as such.
 * timeout_ms and cap as for mx_http_start().  Same contract.
 */
struct mx_http_req *mx_http_fetch(struct mx_http *h, const char *url, const char *etag,
				  const char *last_modified, long timeout_ms, size_t cap,
				  long max_redirs, mx_http_cb cb, void *ud);

/* Abandon a request: its callback will not run.  NULL is a no-op. */
void mx_http_cancel(struct mx_http *h, struct mx_http_req *req);

/*
 * Wait up to timeout_ms (-1: until something happens) for network activity
 * or for extra_fd (-1: none) to be readable, then make progress and run the
 * callbacks of finished requests.  Returns 0, or -1 on a libcurl failure.
 */
int mx_http_poll(struct mx_http *h, int extra_fd, int timeout_ms);

/* Requests in flight. */
size_t mx_http_running(struct mx_http *h);

/* s percent-encoded for one path segment or query value (caller frees). */
char *mx_http_escape(const char *s);

#endif
