/*
 * status.c - "caucus status" (SPEC §6): reads the database the daemon
 * writes, as a WAL reader that takes no lock the daemon waits for, and
 * prints the figures a volunteer needs on a bad day: is it syncing, is
 * anything stuck in the outbox, what comes next, what went wrong lately.
 * Healthy (exit 0) unless the last sync is older than 2 minutes or the
 * oldest unsent message older than 5.
 */
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "store.h"
#include "store_feed.h"
#include "store_status.h"
#include "util.h"

#define SYNC_STALE_MS (2 * 60 * 1000)
#define OUTBOX_STALE_MS (5 * 60 * 1000)

static void put_age(char *out, size_t outlen, int64_t ms)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;

	if (s < 120)
		snprintf(out, outlen, "%lld s ago", (long long)s);
	else if (s < 7200)
		snprintf(out, outlen, "%lld min ago", (long long)(s / 60));
	else if (s < 2 * 86400)
		snprintf(out, outlen, "%lld h ago", (long long)(s / 3600));
	else
		snprintf(out, outlen, "%lld days ago", (long long)(s / 86400));
}

/* A line that holds text from chat (reminders, titles, warnings): no
 * control character reaches the terminal (no escape sequences). */
static void put_line(const char *indent, const char *s)
{
	fputs(indent, stdout);
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	putchar('\n');
}

/* Each feed: its number and URL, then how its last fetch went. */
static void put_feeds(struct store *st, int64_t now)
{
	struct feed_list all = { 0 };
	char age[48], *line;

	if (store_feed_list(st, &all)) {
		printf("feeds:          cannot read them: %s\n", store_errmsg(st));
		return;
	}
	printf("feeds:%s\n", all.n ? "" : "          none");
	for (size_t i = 0; i < all.n; i++) {
		const struct feed *f = &all.v[i];
		put_age(age, sizeof(age), now - f->last_fetch_ms);
		line = xasprintf("%lld %s: %s%s%s; %lld sessions", (long long)f->id, f->url,
				 !f->last_fetch_ms ? "not fetched yet" : f->last_error ?
				 "failing: " : "ok, fetched ", !f->last_fetch_ms ? "" :
				 f->last_error ? f->last_error : age, "",
				 (long long)f->sessions_made);
		put_line("  ", line);
		free(line);
	}
	store_feed_list_release(&all);
}

int status_main(const char *config_path)
{
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct store_status s;
	struct timespec ts;
	struct buf errs;
	char err[512], age[48];
	int64_t now;
	int rc = 1, healthy = 1;

	memset(&s, 0, sizeof(s));
	buf_init(&errs, 0);
	if (config_load(config_path, &cfg, &errs)) {
		fprintf(stderr, "%s", errs.data);
		fprintf(stderr, "caucus status: %s has errors\n", config_path);
		goto out;
	}
	st = store_open_reader(cfg->database, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "caucus status: %s\n", err);
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (store_status_read(st, now, cfg->timezone, cfg->remind_before, cfg->n_remind_before,
			      cfg->digest_minute, &s)) {
		fprintf(stderr, "caucus status: cannot read %s: %s\n", cfg->database,
			store_errmsg(st));
		goto out;
	}
	printf("database:       %s\n", cfg->database);
	if (s.sync_ms) {
		put_age(age, sizeof(age), now - s.sync_ms);
		printf("last sync:      %s\n", age);
	} else {
		printf("last sync:      never\n");
	}
	printf("outbox:         %lld waiting", (long long)s.outbox_depth);
	if (s.outbox_depth) {
		put_age(age, sizeof(age), now - s.outbox_oldest_ms);
		printf(", the oldest queued %s", age);
	}
	printf("\nheld:           %lld by rate limits or retries; %lld for quiet hours\n",
	       (long long)s.outbox_held, (long long)s.outbox_quiet);
	printf("next reminders and digests:%s\n", s.upcoming.n ? "" : " none");
	for (size_t i = 0; i < s.upcoming.n; i++)
		put_line("  ", s.upcoming.v[i]);
	put_feeds(st, now);
	if (!cfg->encryption) {
		printf("encryption:     off\n");
	} else {
		printf("encryption:     on, device %s, ", s.device_id ? s.device_id : "none yet");
		if (s.otk_count >= 0)
			printf("%lld one-time keys left, ", (long long)s.otk_count);
		else
			printf("one-time keys not reported yet, ");
		printf("%s\n", !s.xsign ? "not cross-signed yet" :
		       !strcmp(s.xsign, "signed") ? "cross-signed" :
		       "not cross-signed (the identity was made elsewhere; see "
		       "encryption.recovery_key_file)");
	}
	printf("last warnings:%s\n", s.warnings.n ? "" : "  none");
	for (size_t i = 0; i < s.warnings.n; i++)
		put_line("  ", s.warnings.v[i]);
	printf("health:         ");
	if (!s.sync_ms || now - s.sync_ms > SYNC_STALE_MS) {
		printf("UNHEALTHY: %s\n", s.sync_ms ? "the last sync is older than 2 minutes" :
		       "no sync applied yet");
		healthy = 0;
	} else if (s.outbox_depth && now - s.outbox_oldest_ms > OUTBOX_STALE_MS) {
		printf("UNHEALTHY: a message has waited in the outbox for more than 5 minutes\n");
		healthy = 0;
	} else {
		printf("ok\n");
	}
	rc = healthy ? 0 : 1;
out:
	store_status_release(&s);
	store_close(st);
	config_free(cfg);
	buf_release(&errs);
	return rc;
}
