/*
 * fuzz_when.c - libFuzzer target for the <when> grammar and durations
 * (bot/when.c, bot/tz.c), which read whatever a room member typed.
 * Input: one byte choosing the zone and how 'now' is read, eight bytes of
 * 'now', then text split on spaces into at most 8 tokens.  Beyond not
 * crashing, it checks the promises of when.h: a result is well formed, an
 * error is one non-empty line, and a duration survives format + parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "when.h"

#define MAX_TOKENS 8

static const char *const zones[] = {
	"Europe/London", "America/New_York", "Asia/Dubai", "UTC",
	"Australia/Lord_Howe", "America/Sao_Paulo", "Pacific/Apia",
};

static void check_duration(const char *tok)
{
	char out[64];
	int64_t secs, again;

	if (when_parse_duration(tok, &secs) != 0)
		return;
	if (secs <= 0 || secs > (int64_t)366 * 86400)
		abort();
	when_format_duration(secs, out, sizeof(out));
	if (when_parse_duration(out, &again) != 0 || again != secs)
		abort();
}

static void check_when(const char *tz, int64_t now, char *const *argv,
		       size_t argc)
{
	char err[256];
	size_t consumed = 42;
	int64_t start, end;
	int rc;

	rc = when_parse(tz, now, argv, argc, &consumed, &start, &end, err,
			sizeof(err));
	if (rc == 0) {
		if (consumed < 1 || consumed > 2 || consumed > argc || err[0])
			abort();
		if (end != -1 && end <= start)
			abort();
	} else {
		if (rc != -1 || consumed != 0 || !err[0] || strchr(err, '\n'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *argv[MAX_TOKENS], *p;
	uint64_t raw = 0;
	int64_t now;
	size_t argc = 0, i;
	uint8_t sel;

	if (size < 9)
		return 0;
	sel = data[0];
	for (i = 0; i < 8; i++)
		raw = raw << 8 | data[1 + i];
	/* mostly 2015..2035, where the DST rules bite; sometimes anything */
	if (sel & 0x80)
		memcpy(&now, &raw, sizeof(now));
	else
		now = 1420070400 + (int64_t)(raw % (20ULL * 366 * 86400));
	data += 9;
	size -= 9;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; *p && argc < MAX_TOKENS;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}

	for (i = 0; i < argc; i++) {
		check_duration(argv[i]);
		tz_valid(argv[i]);
	}
	check_when(zones[(sel & 0x7f) % (sizeof(zones) / sizeof(zones[0]))],
		   now, argv, argc);
	/* the first token as a zone name: must be refused or used safely */
	if (argc > 1 && (sel & 0x40))
		check_when(argv[0], now, argv + 1, argc - 1);
	free(text);
	return 0;
}
