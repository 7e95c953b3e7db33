/*
 * fuzz_toml.c - libFuzzer target for the TOML parser (bot/toml.c), which
 * reads a file an operator wrote but must never crash on one.  Beyond not
 * crashing it checks the promises of toml.h: an error is one "LINE:COL:
 * reason" line; a tree has positions >= 1, nests no deeper than
 * TOML_MAX_DEPTH, and every key of a table is found again by toml_get.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

static void check_error(const char *err)
{
	const char *p = err;
	size_t digits;
	int part;

	for (part = 0; part < 2; part++) {
		for (digits = 0; *p >= '0' && *p <= '9'; p++)
			digits++;
		if (!digits || *p != ':')
			abort();
		p++;
	}
	if (*p != ' ' || !p[1] || strchr(p, '\n'))
		abort();
}

static void check_node(const struct toml_node *n, int depth)
{
	size_t i, len;
	const char *key, *s;

	if (depth > TOML_MAX_DEPTH + 1 || toml_line(n) < 1 || toml_column(n) < 1)
		abort();
	switch (toml_type(n)) {
	case TOML_TABLE:
		for (i = 0; i < toml_count(n); i++) {
			const struct toml_node *kid = toml_at(n, i);
			key = toml_key(kid, &len);
			if (!key)
				abort();
			if (strlen(key) == len && toml_get(n, key) != kid)
				abort();
			check_node(kid, depth + 1);
		}
		break;
	case TOML_ARRAY:
		for (i = 0; i < toml_count(n); i++) {
			if (toml_key(toml_at(n, i), NULL))
				abort();
			check_node(toml_at(n, i), depth + 1);
		}
		break;
	case TOML_STRING:
		if (toml_string(n, &s, &len) || s[len] != '\0')
			abort();
		break;
	case TOML_DATETIME:
	case TOML_DATETIME_LOCAL:
	case TOML_DATE_LOCAL:
	case TOML_TIME_LOCAL:
		if (!toml_datetime_text(n) || strlen(toml_datetime_text(n)) < 8)
			abort();
		break;
	default:
		if (toml_count(n) != 0)
			abort();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_node *root = NULL;
	char err[TOML_ERR_SIZE];

	if (toml_parse((const char *)data, size, &root, err, sizeof(err)) == 0) {
		if (!root || toml_type(root) != TOML_TABLE)
			abort();
		check_node(root, 0);
		toml_free(root);
	} else {
		if (root)
			abort();
		check_error(err);
	}
	return 0;
}
