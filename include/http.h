/*
 * http.h - the daemon's HTTP listener (SPEC §7): GET and HEAD only, routes
 * from a table the caller gives, inside the one event loop (no threads).
 * The caller's poll waits on http_poll_fd() and then calls http_run().
 * Limits: HTTP_MAX_CONNECTIONS connections, HTTP_MAX_HEADER bytes of
 * request head, HTTP_REQUEST_MS for a whole request (a slow client is cut
 * off, it never holds the loop).  Knows nothing of Matrix or the store.
 */
#ifndef CAUCUS_HTTP_H
#define CAUCUS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HTTP_MAX_CONNECTIONS 256
#define HTTP_MAX_HEADER (16 * 1024)     /* request line and headers */
#define HTTP_REQUEST_MS 10000           /* from connect (or the last answer) to answer */
#define HTTP_MAX_BODY ((size_t)8 << 20) /* what a handler may answer */

struct http;

struct http_request {
	const char *method;     /* "GET" or "HEAD" */
	const char *path;       /* without the query string */
	void *conn;             /* private: for http_request_header() */
};

/* The value of a request header (case-insensitive name), or NULL; owned by
 * the listener, valid during the handler call. */
const char *http_request_header(const struct http_request *req, const char *name);

/* What a handler fills.  status starts at 200, content_type at text/plain. */
struct http_reply {
	int status;
	const char *content_type;       /* a static string */
	const char *etag;               /* a static or handler-owned string, or NULL */
	struct buf body;                /* freed by the listener */
};

typedef void (*http_handler)(void *ud, const struct http_request *req,
			     struct http_reply *rep);

/* One route: an exact path, or every path under a prefix ("/calendar/"). */
struct http_route {
	const char *path;
	int prefix;             /* 1: path is a prefix */
	http_handler fn;
};

/* The route for path, or NULL.  The first match in table order wins. */
const struct http_route *http_route_find(const struct http_route *routes, size_t n,
					 const char *path);

/*
 * Answer one request from the table: 405 for a method other than GET or
 * HEAD, 404 for a path no route takes, else the route's handler.  rep must
 * be initialised with http_reply_init(); the caller releases it.
 */
void http_dispatch(const struct http_route *routes, size_t n, void *ud,
		   const struct http_request *req, struct http_reply *rep);
void http_reply_init(struct http_reply *rep);
void http_reply_release(struct http_reply *rep);

/*
 * Listen on 'listen' ("host:port", "[v6]:port"; port 0 picks one).  The
 * route table and ud are kept, not owned.  NULL and a reason in err when
 * it cannot.  Free with http_free().
 */
struct http *http_new(const char *listen, const struct http_route *routes, size_t n,
		      void *ud, char *err, size_t errlen);
void http_free(struct http *h);         /* NULL is a no-op; closes every connection */

/* The port it listens on (useful after port 0). */
int http_port(const struct http *h);

/*
 * One descriptor that becomes readable when the listener or 'other_fd'
 * (the loop's signal pipe) has something; the caller's poll waits on it
 * instead of other_fd.  Owned by the listener.
 */
int http_poll_fd(struct http *h, int other_fd);

/* The wait to use: timeout_ms (-1: none) shortened to the listener's next
 * deadline. */
int http_timeout(struct http *h, int timeout_ms);

/* Accept, read, answer and time out whatever is ready; never blocks. */
void http_run(struct http *h);

/* Open connections now (tests, status). */
unsigned http_connections(struct http *h);

#endif
