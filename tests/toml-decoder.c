/*
 * toml-decoder.c - the toml-test decoder interface for bot/toml.c: a TOML
 * document on standard input, its toml-test tagged JSON on standard output
 * ({"key": {"type": "integer", "value": "1"}}, tables as objects, arrays as
 * lists); on invalid input "LINE:COL: reason" on standard error and exit 1.
 * The JSON is written by hand: TOML strings may hold NUL bytes, which a
 * NUL-terminated JSON library would cut short.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "util.h"

static void json_string(struct buf *out, const char *s, size_t len)
{
	size_t i;

	buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(out, "\\u%04x", c);
		else
			buf_putc(out, (char)c);
	}
	buf_putc(out, '"');
}

static void json_tagged(struct buf *out, const char *type, const char *value)
{
	buf_printf(out, "{\"type\":\"%s\",\"value\":", type);
	json_string(out, value, strlen(value));
	buf_putc(out, '}');
}

/* Depth is bounded by TOML_MAX_DEPTH, so the recursion is too. */
static void json_node(struct buf *out, const struct toml_node *n)
{
	char num[64];
	const char *s;
	size_t i, len;
	int64_t iv;
	double f;
	int b;

	switch (toml_type(n)) {
	case TOML_TABLE:
		buf_putc(out, '{');
		for (i = 0; i < toml_count(n); i++) {
			const struct toml_node *kid = toml_at(n, i);
			const char *key = toml_key(kid, &len);
			if (i)
				buf_putc(out, ',');
			json_string(out, key, len);
			buf_putc(out, ':');
			json_node(out, kid);
		}
		buf_putc(out, '}');
		break;
	case TOML_ARRAY:
		buf_putc(out, '[');
		for (i = 0; i < toml_count(n); i++) {
			if (i)
				buf_putc(out, ',');
			json_node(out, toml_at(n, i));
		}
		buf_putc(out, ']');
		break;
	case TOML_STRING:
		toml_string(n, &s, &len);
		buf_puts(out, "{\"type\":\"string\",\"value\":");
		json_string(out, s, len);
		buf_putc(out, '}');
		break;
	case TOML_INTEGER:
		toml_int(n, &iv);
		snprintf(num, sizeof(num), "%lld", (long long)iv);
		json_tagged(out, "integer", num);
		break;
	case TOML_FLOAT:
		toml_float(n, &f);
		if (isnan(f))
			snprintf(num, sizeof(num), "nan");
		else if (isinf(f))
			snprintf(num, sizeof(num), "%sinf", f < 0 ? "-" : "");
		else
			snprintf(num, sizeof(num), "%.17g", f);
		json_tagged(out, "float", num);
		break;
	case TOML_BOOL:
		toml_bool(n, &b);
		json_tagged(out, "bool", b ? "true" : "false");
		break;
	case TOML_DATETIME:
		json_tagged(out, "datetime", toml_datetime_text(n));
		break;
	case TOML_DATETIME_LOCAL:
		json_tagged(out, "datetime-local", toml_datetime_text(n));
		break;
	case TOML_DATE_LOCAL:
		json_tagged(out, "date-local", toml_datetime_text(n));
		break;
	case TOML_TIME_LOCAL:
		json_tagged(out, "time-local", toml_datetime_text(n));
		break;
	}
}

int main(void)
{
	struct toml_node *root = NULL;
	struct buf in, out;
	char chunk[65536], err[TOML_ERR_SIZE];
	size_t n;
	int rc = 1;

	buf_init(&in, TOML_MAX_SIZE);
	buf_init(&out, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (buf_add(&in, chunk, n)) {
			fprintf(stderr, "toml-decoder: input too large\n");
			goto out;
		}
	}
	if (ferror(stdin)) {
		perror("toml-decoder: stdin");
		goto out;
	}
	if (toml_parse(in.data, in.len, &root, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	json_node(&out, root);
	buf_putc(&out, '\n');
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout))
		goto out;
	rc = 0;
out:
	toml_free(root);
	buf_release(&in);
	buf_release(&out);
	return rc;
}
