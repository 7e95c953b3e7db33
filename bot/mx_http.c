/*
 * mx_http.c - HTTP for the Matrix client on one curl multi handle.  Every
 * request is an easy handle with its own capped response buffer; the caller
 * waits through mx_http_poll() (curl_multi_poll with the event loop's
 * self-pipe as an extra fd) and gets exactly one callback per request.
 * This is the only file that includes <curl/curl.h>; tokens live here in
 * one header string, wiped when replaced, never logged.
 */
#include "mx_http.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define DEFAULT_CAP ((size_t)1 << 20)

struct mx_http_req {
	struct mx_http *h;
	CURL *easy;
	struct curl_slist *headers;
	char *body;             /* request body, kept alive for curl */
	struct buf resp;
	char errbuf[CURL_ERROR_SIZE];
	mx_http_cb cb;
	void *ud;
	char *what;             /* "GET /path" without the query, for logs */
	int fetch;              /* mx_http_fetch(): report the validators */
	struct mx_http_req *prev, *next;
};

struct mx_http {
	CURLM *multi;
	char *base;
	char *auth;             /* "Authorization: Bearer ..." (secret) */
	struct mx_http_req *reqs;
	size_t running;
	void (*drop)(void *ud);
};

static int curl_ready;

struct mx_http *mx_http_new(const char *base_url, void (*drop)(void *ud))
{
	struct mx_http *h;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			log_error("http: cannot initialise libcurl");
			return NULL;
		}
		curl_ready = 1;
	}
	h = xcalloc(1, sizeof(*h));
	h->multi = curl_multi_init();
	if (!h->multi) {
		log_error("http: cannot create a curl multi handle");
		free(h);
		return NULL;
	}
	h->base = xstrdup(base_url);
	h->drop = drop;
	return h;
}

/* The header list holds a copy of the token: wipe it before freeing. */
static void headers_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		if (p->data)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static void req_free(struct mx_http_req *r)
{
	struct mx_http *h = r->h;

	if (r->prev)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	curl_multi_remove_handle(h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	headers_free(r->headers);
	free(r->body);
	buf_release(&r->resp);
	free(r->what);
	free(r);
	h->running--;
}

void mx_http_free(struct mx_http *h)
{
	if (!h)
		return;
	while (h->reqs)
		mx_http_cancel(h, h->reqs);
	curl_multi_cleanup(h->multi);
	free(h->base);
	free_secret(h->auth);
	free(h);
}

void mx_http_set_token(struct mx_http *h, const char *token)
{
	free_secret(h->auth);
	h->auth = token ? xasprintf("Authorization: Bearer %s", token) : NULL;
}

size_t mx_http_running(struct mx_http *h)
{
	return h->running;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct mx_http_req *r = ud;

	if (buf_add(&r->resp, p, size * n))
		return 0;       /* past the cap: curl stops with CURLE_WRITE_ERROR */
	return size * n;
}

struct mx_http_req *mx_http_start(struct mx_http *h, const char *method, const char *path,
				  const char *json_body, long timeout_ms, size_t cap,
				  mx_http_cb cb, void *ud)
{
	struct mx_http_req *r = xcalloc(1, sizeof(*r));
	char *url = xasprintf("%s%s", h->base, path);
	const char *q = strchr(path, '?');
	CURL *e;

	r->h = h;
	r->cb = cb;
	r->ud = ud;
	r->what = xasprintf("%s %.*s", method, q ? (int)(q - path) : (int)strlen(path), path);
	buf_init(&r->resp, cap ? cap : DEFAULT_CAP);
	r->easy = e = curl_easy_init();
	if (!e) {
		log_error("http: cannot create a curl handle for %s", r->what);
		goto fail;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "caucus");
	/* a declared Content-Length past the cap fails before any allocation */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->resp.cap);
	if (h->auth)
		r->headers = curl_slist_append(r->headers, h->auth);
	if (json_body) {
		r->body = xstrdup(json_body);
		r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->body));
	} else if (!strcmp(method, "POST") || !strcmp(method, "PUT")) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	}
	r->headers = curl_slist_append(r->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		log_error("http: cannot start %s", r->what);
		goto fail;
	}
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	h->running++;
	log_debug("http: %s started", r->what);
	free(url);
	return r;
fail:
	if (r->easy)
		curl_easy_cleanup(r->easy);
	headers_free(r->headers);
	free(r->body);
	buf_release(&r->resp);
	free(r->what);
	free(r);
	free(url);
	return NULL;
}

/* A response header of the last answer (after redirects), copied, or NULL. */
static char *header_of(CURL *e, const char *name)
{
	struct curl_header *hd = NULL;

	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK || !hd->value)
		return NULL;
	return strlen(hd->value) > 1000 ? NULL : xstrdup(hd->value);
}

struct mx_http_req *mx_http_fetch(struct mx_http *h, const char *url, const char *etag,
				  const char *last_modified, long timeout_ms, size_t cap,
				  long max_redirs, mx_http_cb cb, void *ud)
{
	struct mx_http_req *r = xcalloc(1, sizeof(*r));
	const char *q = strchr(url, '?');
	CURL *e;

	r->h = h;
	r->cb = cb;
	r->ud = ud;
	r->fetch = 1;
	/* the query may hold a private token: logs show the URL without it */
	r->what = xasprintf("GET %.*s", q ? (int)(q - url) : (int)strlen(url), url);
	buf_init(&r->resp, cap ? cap : DEFAULT_CAP);
	r->easy = e = curl_easy_init();
	if (!e) {
		log_error("http: cannot create a curl handle for %s", r->what);
		goto fail;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 15000 ? timeout_ms : 15000L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, max_redirs > 0 ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, max_redirs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "caucus");
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->resp.cap);
	r->headers = curl_slist_append(r->headers, "Accept: text/calendar, */*;q=0.5");
	if (etag && *etag && !strpbrk(etag, "\r\n")) {
		char *hd = xasprintf("If-None-Match: %s", etag);
		r->headers = curl_slist_append(r->headers, hd);
		free(hd);
	}
	if (last_modified && *last_modified && !strpbrk(last_modified, "\r\n")) {
		char *hd = xasprintf("If-Modified-Since: %s", last_modified);
		r->headers = curl_slist_append(r->headers, hd);
		free(hd);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		log_error("http: cannot start %s", r->what);
		goto fail;
	}
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	h->running++;
	log_debug("http: %s started", r->what);
	return r;
fail:
	if (r->easy)
		curl_easy_cleanup(r->easy);
	headers_free(r->headers);
	buf_release(&r->resp);
	free(r->what);
	free(r);
	return NULL;
}

void mx_http_cancel(struct mx_http *h, struct mx_http_req *req)
{
	void *ud;

	if (!req)
		return;
	ud = req->ud;
	req_free(req);
	if (h->drop)
		h->drop(ud);
}

/* Finish one request: build the result, free it, then call back (so the
 * callback may start new requests freely). */
static void finish(struct mx_http_req *r, CURLcode code)
{
	struct mx_http_res res;
	struct buf body = r->resp;
	mx_http_cb cb = r->cb;
	void *ud = r->ud;
	char err[CURL_ERROR_SIZE + 64];
	char *etag = NULL, *modified = NULL;
	long status = 0;

	memset(&res, 0, sizeof(res));
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (body.toobig || code == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, sizeof(err), "response larger than the %zu byte limit", body.cap);
		res.toobig = 1;
		res.error = err;
		status = 0;
	} else if (code != CURLE_OK) {
		snprintf(err, sizeof(err), "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
		res.error = err;
		status = 0;
	}
	res.status = status;
	res.body = body.data;
	res.len = body.len;
	if (r->fetch && status) {
		etag = header_of(r->easy, "ETag");
		modified = header_of(r->easy, "Last-Modified");
		res.etag = etag;
		res.last_modified = modified;
	}
	log_debug("http: %s -> %ld%s%s", r->what, status, res.error ? " " : "",
		  res.error ? res.error : "");
	buf_init(&r->resp, 0);          /* the body moves to the callback */
	req_free(r);
	cb(ud, &res);
	buf_release(&body);
	free(etag);
	free(modified);
}

int mx_http_poll(struct mx_http *h, int extra_fd, int timeout_ms)
{
	struct curl_waitfd w = { .fd = extra_fd, .events = CURL_WAIT_POLLIN };
	struct mx_http_req *done[64];
	CURLcode codes[64];
	CURLMcode mc;
	CURLMsg *m;
	int still, left, n;

	mc = curl_multi_poll(h->multi, extra_fd >= 0 ? &w : NULL, extra_fd >= 0 ? 1 : 0,
			     timeout_ms < 0 ? 3600000 : timeout_ms, NULL);
	if (mc != CURLM_OK) {
		log_error("http: curl_multi_poll: %s", curl_multi_strerror(mc));
		return -1;
	}
	mc = curl_multi_perform(h->multi, &still);
	if (mc != CURLM_OK) {
		log_error("http: curl_multi_perform: %s", curl_multi_strerror(mc));
		return -1;
	}
	/* Collect first, call back after: callbacks add and remove handles. */
	do {
		n = 0;
		while (n < (int)ARRAY_LEN(done) && (m = curl_multi_info_read(h->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			char *priv = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
			done[n] = (struct mx_http_req *)(void *)priv;
			codes[n] = m->data.result;
			curl_multi_remove_handle(h->multi, m->easy_handle);
			n++;
		}
		for (int i = 0; i < n; i++)
			finish(done[i], codes[i]);
	} while (n == (int)ARRAY_LEN(done));
	return 0;
}

char *mx_http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	char *out;

	buf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			buf_putc(&b, (char)*p);
		} else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[*p >> 4]);
			buf_putc(&b, hex[*p & 15]);
		}
	}
	out = buf_detach(&b);
	buf_release(&b);   /* detach leaves an empty buffer */
	return out;
}
