/*
 * test_calendar.c - calendar links and feeds (bot/calendar.c): tokens
 * (shape, randomness, only their hash kept), the constant-time compare,
 * making and resetting links and the cap on them, and the feed itself,
 * first called directly, then through the real listener on loopback:
 * 200 with an ETag, 304 for If-None-Match, 404 with no detail for every
 * wrong path, unknown token and member no longer allowed.
 */
#include "testengine.h"

#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "calendar.h"
#include "crypto.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "store_calendar.h"
#include "store_direct.h"

#define URL "https://caucus.example.org/"

static int setup(void **state)
{
	*state = te_new();
	return 0;
}

static int teardown(void **state)
{
	struct te *t = *state;

	free(t->cfg.http_listen);       /* te_free leaves [http] alone */
	free(t->cfg.http_public_url);
	te_free(t);
	return 0;
}

/* The token of a link made by calendar_link_new, into tok. */
static void token_of(const char *link, char tok[CALENDAR_TOKEN_LEN + 1])
{
	const char *p = strstr(link, "/calendar/");

	assert_non_null(p);
	p += strlen("/calendar/");
	assert_int_equal(strlen(p), CALENDAR_TOKEN_LEN + 4);
	assert_string_equal(p + CALENDAR_TOKEN_LEN, ".ics");
	memcpy(tok, p, CALENDAR_TOKEN_LEN);
	tok[CALENDAR_TOKEN_LEN] = '\0';
}

static void test_token_shape(void **state)
{
	char a[CALENDAR_TOKEN_LEN + 1], b[CALENDAR_TOKEN_LEN + 1];
	unsigned char ha[CRYPTO_SHA256_LEN], hb[CRYPTO_SHA256_LEN], h[CRYPTO_SHA256_LEN];
	int seen[256] = { 0 }, kinds = 0;

	(void)state;
	for (int round = 0; round < 64; round++) {
		assert_int_equal(calendar_token_new(a, ha), 0);
		assert_int_equal(strlen(a), CALENDAR_TOKEN_LEN);
		assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789-_"), CALENDAR_TOKEN_LEN);
		for (size_t i = 0; i < CALENDAR_TOKEN_LEN; i++)
			seen[(unsigned char)a[i]]++;
		/* the hash is SHA-256 of the token's text */
		assert_int_equal(crypto_sha256(a, strlen(a), h), 0);
		assert_memory_equal(h, ha, sizeof(h));
		assert_int_equal(calendar_token_hash(a, strlen(a), h), 0);
		assert_memory_equal(h, ha, sizeof(h));
		assert_int_equal(calendar_token_new(b, hb), 0);
		assert_string_not_equal(a, b);
	}
	for (size_t c = 0; c < 256; c++)
		kinds += seen[c] > 0;
	assert_true(kinds > 50);        /* 64 x 22 characters use most of the 64 */
	/* shapes that are not tokens */
	assert_int_equal(calendar_token_hash(a, CALENDAR_TOKEN_LEN - 1, h), -1);
	assert_int_equal(calendar_token_hash("aaaaaaaaaaaaaaaaaaaaaaa", 23, h), -1);
	assert_int_equal(calendar_token_hash("aaaaaaaaaa/aaaaaaaaaaa", 22, h), -1);
	assert_int_equal(calendar_token_hash("aaaaaaaaaa.aaaaaaaaaaa", 22, h), -1);
	assert_int_equal(calendar_token_hash("aaaaaaaaaa=aaaaaaaaaaa", 22, h), -1);
	assert_int_equal(calendar_token_hash("aaaaaaaaaa\0aaaaaaaaaaa", 22, h), -1);
	assert_int_equal(calendar_token_hash(NULL, 22, h), -1);
	/* a known digest: SHA-256("abc") */
	assert_int_equal(crypto_sha256("abc", 3, h), 0);
	assert_int_equal(h[0], 0xba);
	assert_int_equal(h[31], 0xad);
}

static void test_constant_time_equal(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(crypto_equal(a, b, sizeof(a)), 1);
	assert_int_equal(crypto_equal(a, b, 0), 1);
	/* a difference anywhere, also in the last byte, is seen */
	for (size_t i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		assert_int_equal(crypto_equal(a, b, sizeof(a)), 0);
		assert_int_equal(crypto_equal(a, b, i), 1);
		b[i] ^= 0x80;
	}
}

static void test_links(void **state)
{
	struct te *t = *state;
	char *link = NULL, *owner = NULL, tok[CALENDAR_TOKEN_LEN + 1], old[CALENDAR_TOKEN_LEN + 1];
	unsigned char h[CRYPTO_SHA256_LEN], kept[STORE_CALENDAR_HASH_LEN];
	int64_t revoked = -1;

	assert_int_equal(calendar_link_new(t->st, URL, ALICE, 0, T0_MS, &link, &revoked), 0);
	assert_int_equal(revoked, 0);
	assert_true(!strncmp(link, "https://caucus.example.org/calendar/", 36)); /* one '/' */
	token_of(link, tok);
	free(link);
	assert_int_equal(calendar_token_owner(t->st, tok, strlen(tok), &owner), 0);
	assert_string_equal(owner, ALICE);
	free(owner);
	/* what is kept is the hash, not the token */
	assert_int_equal(crypto_sha256(tok, strlen(tok), h), 0);
	assert_int_equal(store_calendar_token_find(t->st, h, kept, &owner), 0);
	free(owner);
	assert_memory_equal(h, kept, sizeof(h));
	/* one character off is another token, unknown */
	memcpy(old, tok, sizeof(tok));
	old[5] = old[5] == 'A' ? 'B' : 'A';
	assert_int_equal(calendar_token_owner(t->st, old, strlen(old), &owner), 1);
	assert_null(owner);

	/* each !calendar makes another link; older ones go on working */
	memcpy(old, tok, sizeof(tok));
	assert_int_equal(calendar_link_new(t->st, URL, ALICE, 0, T0_MS, &link, NULL), 0);
	token_of(link, tok);
	free(link);
	assert_string_not_equal(old, tok);
	assert_int_equal(calendar_token_owner(t->st, old, strlen(old), &owner), 0);
	free(owner);
	assert_int_equal(store_calendar_token_count(t->st, ALICE), 2);

	/* the cap, said plainly, then a reset kills every link */
	for (int i = 2; i < CALENDAR_MAX_LINKS; i++) {
		assert_int_equal(calendar_link_new(t->st, URL, ALICE, 0, T0_MS, &link, NULL), 0);
		free(link);
	}
	assert_int_equal(calendar_link_new(t->st, URL, ALICE, 0, T0_MS, &link, NULL), 1);
	assert_null(link);
	assert_int_equal(calendar_link_new(t->st, URL, BOB, 0, T0_MS, &link, NULL), 0);
	free(link);
	assert_int_equal(calendar_link_new(t->st, URL, ALICE, 1, T0_MS, &link, &revoked), 0);
	assert_int_equal(revoked, CALENDAR_MAX_LINKS);
	assert_int_equal(calendar_token_owner(t->st, old, strlen(old), &owner), 1);
	assert_int_equal(calendar_token_owner(t->st, tok, strlen(tok), &owner), 1);
	token_of(link, tok);
	free(link);
	assert_int_equal(calendar_token_owner(t->st, tok, strlen(tok), &owner), 0);
	free(owner);
	assert_int_equal(store_calendar_token_count(t->st, ALICE), 1);
	assert_int_equal(store_calendar_token_count(t->st, BOB), 1);    /* bob's untouched */
}

/* ---- !calendar ---- */

static void http_on(struct te *t)
{
	free(t->cfg.http_listen);
	free(t->cfg.http_public_url);
	t->cfg.http_listen = xstrdup("127.0.0.1:8470");
	t->cfg.http_public_url = xstrdup(URL);
}

/* The reply of t->out for the direct room of user, or NULL. */
static const struct engine_reply *to_direct(struct te *t, const char *user)
{
	for (size_t i = 0; i < t->out.n; i++)
		if (!t->out.v[i].room_id && t->out.v[i].to_user &&
		    !strcmp(t->out.v[i].to_user, user))
			return &t->out.v[i];
	return NULL;
}

/* The link's token in a reply's text; the link shows whole in both forms. */
static void token_in(const struct engine_reply *r, char tok[CALENDAR_TOKEN_LEN + 1])
{
	const char *p;

	assert_non_null(r);
	p = strstr(r->body, URL "calendar/");
	assert_non_null(p);
	p += strlen(URL "calendar/");
	assert_true(strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
		    == CALENDAR_TOKEN_LEN);
	assert_true(!strncmp(p + CALENDAR_TOKEN_LEN, ".ics", 4));
	memcpy(tok, p, CALENDAR_TOKEN_LEN);
	tok[CALENDAR_TOKEN_LEN] = '\0';
	assert_contains(r->html, tok);
}

static void assert_owner(struct te *t, const char *tok, const char *user)
{
	char *owner = NULL;
	int rc = calendar_token_owner(t->st, tok, strlen(tok), &owner);

	if (user) {
		assert_int_equal(rc, 0);
		assert_string_equal(owner, user);
	} else {
		assert_int_equal(rc, 1);
	}
	free(owner);
}

static void test_command(void **state)
{
	struct te *t = *state;
	char first[CALENDAR_TOKEN_LEN + 1], second[CALENDAR_TOKEN_LEN + 1];
	char third[CALENDAR_TOKEN_LEN + 1];

	/* no listener, or no public URL: said plainly, nothing made */
	assert_contains(te_say(t, CYBER, ALICE, "!calendar"), "no [http] listen");
	http_on(t);
	free(t->cfg.http_public_url);
	t->cfg.http_public_url = xstrdup("");
	assert_contains(te_say(t, CYBER, ALICE, "!calendar"), "no [http] public_url");
	assert_int_equal(store_calendar_token_count(t->st, ALICE), 0);
	http_on(t);

	/* asked in an issue room: the link goes to the direct room only */
	assert_contains(te_say(t, CYBER, ALICE, "!calendar"), "direct room");
	assert_int_equal(t->out.n, 2);
	for (size_t i = 0; i < t->out.n; i++)
		if (t->out.v[i].room_id) {
			assert_string_equal(t->out.v[i].room_id, CYBER);
			assert_not_contains(t->out.v[i].body, "/calendar/");
			assert_not_contains(t->out.v[i].html, "/calendar/");
		}
	token_in(to_direct(t, ALICE), first);
	assert_contains(to_direct(t, ALICE)->body, "calendar reset kills this link");
	assert_int_equal(to_direct(t, ALICE)->mentions.n, 0);
	assert_owner(t, first, ALICE);

	/* again: a second link, the first goes on working */
	te_say(t, COORD, ALICE, "!Calendar");
	token_in(to_direct(t, ALICE), second);
	assert_string_not_equal(first, second);
	assert_contains(to_direct(t, ALICE)->body, "1 other link goes on working");
	assert_owner(t, first, ALICE);
	assert_owner(t, second, ALICE);

	/* in the direct room itself the answer is the link, where it was asked */
	assert_int_equal(store_direct_set(t->st, ALICE, "!dm-alice:example.org", t->now_ms), 0);
	te_say(t, "!dm-alice:example.org", ALICE, "!calendar reset");
	assert_int_equal(t->out.n, 1);
	assert_string_equal(t->out.v[0].room_id, "!dm-alice:example.org");
	assert_contains(t->out.v[0].body, "your 2 older links no longer work");
	token_in(&t->out.v[0], third);
	assert_owner(t, first, NULL);
	assert_owner(t, second, NULL);
	assert_owner(t, third, ALICE);

	/* bad words, and the cap */
	assert_contains(te_say(t, CYBER, ALICE, "!calendar now"), "Usage: !calendar [reset]");
	assert_contains(te_say(t, CYBER, ALICE, "!calendar reset please"), "Usage:");
	for (int i = 1; i < CALENDAR_MAX_LINKS; i++)
		te_say(t, CYBER, ALICE, "!calendar");
	assert_int_equal(store_calendar_token_count(t->st, ALICE), CALENDAR_MAX_LINKS);
	assert_contains(te_say(t, CYBER, ALICE, "!calendar"), "10 calendar links already");
	assert_null(to_direct(t, ALICE));
	assert_int_equal(store_calendar_token_count(t->st, ALICE), CALENDAR_MAX_LINKS);
	/* bob's link is his own */
	te_say(t, CYBER, BOB, "!calendar");
	token_in(to_direct(t, BOB), first);
	assert_owner(t, first, BOB);
	assert_null(to_direct(t, ALICE));
	/* strangers get nothing */
	assert_null(te_say(t, CYBER, MALLORY, "!calendar"));
	assert_int_equal(store_calendar_token_count(t->st, MALLORY), 0);
	assert_contains(te_say(t, CYBER, ALICE, "!help calendar"), "direct room");
}

/* ---- the feed ---- */

/* Alice covers cybersecurity (sessions 1, 2) and attends privacy's
 * session 3; bob attends nothing of hers. */
static void sessions(struct te *t)
{
	assert_contains(te_say(t, CYBER, ALICE, "!cover cyber"), "You now cover");
	assert_contains(te_say(t, CYBER, BOB, "!session cyber tomorrow 14:00-15:30 Drafting "
			       "Res. 130 @ Room D"), "#1");
	assert_contains(te_say(t, CYBER, BOB, "!session cyber tomorrow 16:00 Informal"), "#2");
	assert_contains(te_say(t, PRIVACY, BOB, "!session privacy tomorrow 10:00 Data flows"),
			"#3");
	assert_contains(te_say(t, PRIVACY, BOB, "!session privacy tomorrow 11:00 Not hers"),
			"#4");
	te_say(t, PRIVACY, ALICE, "!attend 3");
	te_say(t, CYBER, BOB, "!attend 1");
}

static void serve(struct te *t, const char *path, const char *inm, struct http_reply *rep)
{
	http_reply_init(rep);
	calendar_serve(t->st, &t->cfg, path, inm, t->now_ms, rep);
}

static char *path_for(struct te *t, const char *user)
{
	char *link = NULL, tok[CALENDAR_TOKEN_LEN + 1];

	assert_int_equal(calendar_link_new(t->st, URL, user, 0, t->now_ms, &link, NULL), 0);
	token_of(link, tok);
	free(link);
	return xasprintf("/calendar/%s.ics", tok);
}

static void test_feed(void **state)
{
	struct te *t = *state;
	struct http_reply rep;
	char *path, etag[64], *w;

	sessions(t);
	path = path_for(t, ALICE);
	serve(t, path, NULL, &rep);
	assert_int_equal(rep.status, 200);
	assert_string_equal(rep.content_type, "text/calendar; charset=utf-8");
	assert_non_null(rep.etag);
	assert_contains(rep.body.data, "BEGIN:VCALENDAR");
	assert_contains(rep.body.data, "BEGIN:VTIMEZONE");
	assert_contains(rep.body.data, "UID:1@example.org");
	assert_contains(rep.body.data, "UID:2@example.org");
	assert_contains(rep.body.data, "UID:3@example.org");
	assert_not_contains(rep.body.data, "UID:4@example.org");
	assert_not_contains(rep.body.data, "Not hers");
	assert_contains(rep.body.data, "DTSTART;TZID=Asia/Dubai:20181106T140000");
	assert_contains(rep.body.data, "TRIGGER:-PT30M");
	assert_contains(rep.body.data, "TRIGGER:-PT5M");
	assert_contains(rep.body.data, "matrix.to");
	snprintf(etag, sizeof(etag), "%s", rep.etag);
	http_reply_release(&rep);

	/* the same feed twice is the same text, so the same ETag, even later */
	te_advance(t, 60);
	serve(t, path, NULL, &rep);
	assert_string_equal(rep.etag, etag);
	http_reply_release(&rep);
	serve(t, path, etag, &rep);
	assert_int_equal(rep.status, 304);
	assert_int_equal(rep.body.len, 0);
	assert_string_equal(rep.etag, etag);
	http_reply_release(&rep);
	w = xasprintf("\"other\", W/%s", etag);
	serve(t, path, w, &rep);
	assert_int_equal(rep.status, 304);
	http_reply_release(&rep);
	free(w);
	serve(t, path, "\"other\"", &rep);
	assert_int_equal(rep.status, 200);
	http_reply_release(&rep);

	/* a move changes the feed: new ETag, SEQUENCE up */
	te_say(t, CYBER, BOB, "!move 1 tomorrow 17:00");
	serve(t, path, etag, &rep);
	assert_int_equal(rep.status, 200);
	assert_string_not_equal(rep.etag, etag);
	assert_contains(rep.body.data, "DTSTART;TZID=Asia/Dubai:20181106T170000");
	assert_contains(rep.body.data, "SEQUENCE:1");
	http_reply_release(&rep);

	/* a cancellation stays in the feed as such for 7 days, then goes */
	te_say(t, CYBER, BOB, "!cancel 2");
	serve(t, path, NULL, &rep);
	assert_contains(rep.body.data, "STATUS:CANCELLED");
	http_reply_release(&rep);
	te_advance(t, 8 * 86400);
	serve(t, path, NULL, &rep);
	assert_int_equal(rep.status, 200);
	assert_not_contains(rep.body.data, "UID:2@example.org");
	assert_not_contains(rep.body.data, "STATUS:CANCELLED");
	http_reply_release(&rep);
	free(path);
}

static void assert_404(struct te *t, const char *path)
{
	struct http_reply rep;

	serve(t, path, NULL, &rep);
	if (rep.status != 404)
		fail_msg("%s: status %d", path ? path : "(null)", rep.status);
	assert_string_equal(rep.body.data, "not found\n");
	assert_null(rep.etag);
	http_reply_release(&rep);
}

static void test_not_found(void **state)
{
	struct te *t = *state;
	char *path, *bad;
	size_t n;

	sessions(t);
	path = path_for(t, ALICE);
	n = strlen(path);
	assert_404(t, NULL);
	assert_404(t, "/calendar/");
	assert_404(t, "/calendar/.ics");
	assert_404(t, "/calendar/AAAAAAAAAAAAAAAAAAAAAA.ics");     /* the shape, no link */
	bad = xstrndup(path, n - 4);                            /* no .ics */
	assert_404(t, bad);
	free(bad);
	bad = xasprintf("%s.ics", path);
	assert_404(t, bad);
	free(bad);
	bad = xasprintf("%sx", path);
	assert_404(t, bad);
	free(bad);
	bad = xasprintf("/calendar/../%s", path + 10);
	assert_404(t, bad);
	free(bad);
	bad = xstrdup(path);
	bad[12] = bad[12] == 'A' ? 'B' : 'A';
	assert_404(t, bad);
	free(bad);

	/* a member no longer allowed: 404, and the link is dead for good */
	strv_release(&t->cfg.allowed_users);
	strv_push(&t->cfg.allowed_users, "@bob:example.org");
	assert_404(t, path);
	assert_int_equal(store_calendar_token_count(t->st, ALICE), 0);
	strv_release(&t->cfg.allowed_users);
	strv_push(&t->cfg.allowed_users, "@*:example.org");
	assert_404(t, path);
	free(path);
}

/* ---- through the listener ---- */

static struct te *served;

static void route(void *ud, const struct http_request *req, struct http_reply *rep)
{
	(void)ud;
	calendar_serve(served->st, &served->cfg, req->path,
		       http_request_header(req, "If-None-Match"), served->now_ms, rep);
}

static const struct http_route routes[] = {
	{ .path = "/calendar/", .prefix = 1, .fn = route },
};

static void pump(struct http *h, int ms)
{
	int64_t end = loop_now() + ms;

	while (loop_now() < end) {
		struct pollfd p = { .fd = http_poll_fd(h, -1), .events = POLLIN };
		int to = http_timeout(h, (int)(end - loop_now()));
		poll(&p, 1, to < 0 ? 0 : to > 20 ? 20 : to);
		http_run(h);
	}
}

/* One request on a new connection; the whole answer into out. */
static void request(struct http *h, const char *req, char *out, size_t outlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)http_port(h)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n, got = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	pump(h, 300);
	while (got + 1 < (ssize_t)outlen &&
	       (n = recv(fd, out + got, outlen - 1 - (size_t)got, MSG_DONTWAIT)) > 0)
		got += n;
	out[got] = '\0';
	close(fd);
}

static void test_listener(void **state)
{
	struct te *t = *state;
	char err[256], *out = xmalloc(65536), *path, *req, etag[64], logged[4096];
	const char *e, *end;
	struct http *h;
	FILE *logf;
	size_t n;
	int saved;

	served = t;
	sessions(t);
	path = path_for(t, ALICE);
	h = http_new("127.0.0.1:0", routes, ARRAY_LEN(routes), NULL, err, sizeof(err));
	assert_non_null(h);

	/* the first request with the debug log on: the token stays out of it */
	fflush(stderr);
	saved = dup(2);
	logf = tmpfile();
	assert_non_null(logf);
	dup2(fileno(logf), 2);
	log_set_level(LOG_DEBUG);
	req = xasprintf("GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", path);
	request(h, req, out, 65536);
	free(req);
	log_set_level(LOG_INFO);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(logf);
	n = fread(logged, 1, sizeof(logged) - 1, logf);
	logged[n] = '\0';
	fclose(logf);
	assert_contains(logged, "GET /calendar/... 200");
	assert_not_contains(logged, path + strlen("/calendar/"));
	assert_true(!strncmp(out, "HTTP/1.1 200 OK\r\n", 17));
	assert_contains(out, "Content-Type: text/calendar; charset=utf-8\r\n");
	assert_contains(out, "UID:3@example.org");
	assert_contains(out, "Cache-Control: private, no-cache\r\n");
	e = strstr(out, "ETag: ");
	assert_non_null(e);
	e += 6;
	end = strstr(e, "\r\n");
	assert_true(end && end - e < (ptrdiff_t)sizeof(etag));
	snprintf(etag, sizeof(etag), "%.*s", (int)(end - e), e);

	req = xasprintf("GET %s HTTP/1.1\r\nHost: a\r\nIf-None-Match: %s\r\n"
			"Connection: close\r\n\r\n", path, etag);
	request(h, req, out, 65536);
	free(req);
	assert_true(!strncmp(out, "HTTP/1.1 304 ", 13));
	assert_not_contains(out, "BEGIN:VCALENDAR");
	assert_contains(out, etag);

	req = xasprintf("HEAD %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", path);
	request(h, req, out, 65536);
	free(req);
	assert_true(!strncmp(out, "HTTP/1.1 200 OK\r\n", 17));
	assert_not_contains(out, "BEGIN:VCALENDAR");

	path[11] = path[11] == 'A' ? 'B' : 'A';
	req = xasprintf("GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", path);
	request(h, req, out, 65536);
	free(req);
	assert_true(!strncmp(out, "HTTP/1.1 404 ", 13));
	assert_not_contains(out, "ETag");
	assert_contains(out, "\r\n\r\nnot found\n");

	http_free(h);
	free(path);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_shape),
		cmocka_unit_test(test_constant_time_equal),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
