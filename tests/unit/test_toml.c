/*
 * test_toml.c - the TOML parser (bot/toml.c) beyond the toml-test suite:
 * the line and column recorded for keys, exact error positions, the depth
 * limit, big documents and each type's accessors and look-ups.
 * Table-driven where the cases are alike.
 */
#include "testutil.h"

#include <math.h>

#include "toml.h"
#include "util.h"

static struct toml_node *parse_ok(const char *text)
{
	struct toml_node *root = NULL;
	char err[TOML_ERR_SIZE];

	if (toml_parse(text, strlen(text), &root, err, sizeof(err))) {
		print_error("unexpected error: %s\n", err);
		fail();
	}
	assert_non_null(root);
	return root;
}

/* --- types and accessors ------------------------------------------------ */

static void test_scalars(void **state)
{
	struct toml_node *root = parse_ok(
		"s = \"caf\\u00e9\\tx\"\n"
		"lit = 'C:\\path'\n"
		"i = -9_223_372_036_854_775_808\n"
		"hex = 0xDEAD_beef\n"
		"oct = 0o755\n"
		"bin = 0b1010\n"
		"f = 6.626e-34\n"
		"inf = -inf\n"
		"nan = nan\n"
		"t = true\n"
		"odt = 1979-05-27 07:32:00.123456789123z\n"
		"ldt = 1979-05-27t07:32:00\n"
		"ld = 2024-02-29\n"
		"lt = 23:59:60.5\n"
		"neg = 1979-05-27T00:32:00-07:30\n");
	const char *s;
	size_t len;
	int64_t i;
	double f;
	int b;
	struct toml_datetime dt;

	(void)state;
	assert_int_equal(toml_type(root), TOML_TABLE);
	assert_int_equal(toml_count(root), 15);

	assert_int_equal(toml_string(toml_get(root, "s"), &s, &len), 0);
	assert_string_equal(s, "caf\xc3\xa9\tx");
	assert_int_equal(len, 7);
	assert_int_equal(toml_string(toml_get(root, "lit"), &s, NULL), 0);
	assert_string_equal(s, "C:\\path");

	assert_int_equal(toml_int(toml_get(root, "i"), &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(toml_int(toml_get(root, "hex"), &i), 0);
	assert_int_equal(i, 0xdeadbeef);
	assert_int_equal(toml_int(toml_get(root, "oct"), &i), 0);
	assert_int_equal(i, 0755);
	assert_int_equal(toml_int(toml_get(root, "bin"), &i), 0);
	assert_int_equal(i, 10);

	assert_int_equal(toml_float(toml_get(root, "f"), &f), 0);
	assert_true(f == 6.626e-34);
	assert_int_equal(toml_float(toml_get(root, "inf"), &f), 0);
	assert_true(isinf(f) && f < 0);
	assert_int_equal(toml_float(toml_get(root, "nan"), &f), 0);
	assert_true(isnan(f));

	assert_int_equal(toml_bool(toml_get(root, "t"), &b), 0);
	assert_int_equal(b, 1);

	assert_int_equal(toml_type(toml_get(root, "odt")), TOML_DATETIME);
	assert_string_equal(toml_datetime_text(toml_get(root, "odt")),
			    "1979-05-27T07:32:00.123456789Z");
	assert_int_equal(toml_datetime(toml_get(root, "odt"), &dt), 0);
	assert_int_equal(dt.year, 1979);
	assert_int_equal(dt.month, 5);
	assert_int_equal(dt.day, 27);
	assert_int_equal(dt.hour, 7);
	assert_int_equal(dt.minute, 32);
	assert_int_equal(dt.nanosecond, 123456789);
	assert_int_equal(dt.offset_minutes, 0);

	assert_int_equal(toml_type(toml_get(root, "ldt")), TOML_DATETIME_LOCAL);
	assert_string_equal(toml_datetime_text(toml_get(root, "ldt")), "1979-05-27T07:32:00");
	assert_int_equal(toml_type(toml_get(root, "ld")), TOML_DATE_LOCAL);
	assert_string_equal(toml_datetime_text(toml_get(root, "ld")), "2024-02-29");
	assert_int_equal(toml_type(toml_get(root, "lt")), TOML_TIME_LOCAL);
	assert_string_equal(toml_datetime_text(toml_get(root, "lt")), "23:59:60.5");
	assert_int_equal(toml_datetime(toml_get(root, "lt"), &dt), 0);
	assert_int_equal(dt.second, 60);
	assert_int_equal(dt.nanosecond, 500000000);
	assert_int_equal(toml_datetime(toml_get(root, "neg"), &dt), 0);
	assert_int_equal(dt.offset_minutes, -450);
	assert_string_equal(toml_datetime_text(toml_get(root, "neg")),
			    "1979-05-27T00:32:00-07:30");
	toml_free(root);
}

static void test_wrong_type_accessors(void **state)
{
	struct toml_node *root = parse_ok("s = 'x'\ni = 1\n");
	const struct toml_node *s = toml_get(root, "s"), *i = toml_get(root, "i");
	const char *str = "untouched";
	int64_t iv = 42;
	double f = 1.5;
	int b = 7;
	struct toml_datetime dt = { .year = 3 };

	(void)state;
	assert_int_equal(toml_int(s, &iv), -1);
	assert_int_equal(iv, 42);
	assert_int_equal(toml_float(i, &f), -1);    /* no silent int -> float */
	assert_true(f == 1.5);
	assert_int_equal(toml_bool(s, &b), -1);
	assert_int_equal(b, 7);
	assert_int_equal(toml_string(i, &str, NULL), -1);
	assert_string_equal(str, "untouched");
	assert_int_equal(toml_datetime(s, &dt), -1);
	assert_int_equal(dt.year, 3);
	assert_null(toml_datetime_text(s));
	assert_int_equal(toml_count(s), 0);
	assert_null(toml_at(s, 0));
	assert_null(toml_get(s, "x"));
	/* NULL nodes are refused, not dereferenced */
	assert_int_equal(toml_int(NULL, &iv), -1);
	assert_int_equal(toml_count(NULL), 0);
	assert_null(toml_get(NULL, "x"));
	toml_free(root);
	toml_free(NULL);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(toml_type_name(TOML_STRING), "string");
	assert_string_equal(toml_type_name(TOML_INTEGER), "integer");
	assert_string_equal(toml_type_name(TOML_FLOAT), "float");
	assert_string_equal(toml_type_name(TOML_BOOL), "boolean");
	assert_string_equal(toml_type_name(TOML_DATETIME), "offset date-time");
	assert_string_equal(toml_type_name(TOML_DATETIME_LOCAL), "local date-time");
	assert_string_equal(toml_type_name(TOML_DATE_LOCAL), "local date");
	assert_string_equal(toml_type_name(TOML_TIME_LOCAL), "local time");
	assert_string_equal(toml_type_name(TOML_ARRAY), "array");
	assert_string_equal(toml_type_name(TOML_TABLE), "table");
}

static void test_strings(void **state)
{
	struct toml_node *root = parse_ok(
		"nul = \"a\\u0000b\"\n"
		"astral = \"\\U0001F600\"\n"
		"ml = \"\"\"\n  one \\\n    two\r\nthree\"\"\"\"\"\n"
		"mll = '''\r\nraw \\n ''it'''''\n"
		"\"quoted key\" = 1\n"
		"'' = 2\n");
	const char *s, *k;
	size_t len;

	(void)state;
	assert_int_equal(toml_string(toml_get(root, "nul"), &s, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 4);
	assert_int_equal(toml_string(toml_get(root, "astral"), &s, &len), 0);
	assert_string_equal(s, "\xf0\x9f\x98\x80");
	assert_int_equal(toml_string(toml_get(root, "ml"), &s, NULL), 0);
	assert_string_equal(s, "  one two\nthree\"\"");
	assert_int_equal(toml_string(toml_get(root, "mll"), &s, NULL), 0);
	assert_string_equal(s, "raw \\n ''it''");
	assert_non_null(toml_get(root, "quoted key"));
	assert_non_null(toml_get(root, ""));
	k = toml_key(toml_get(root, ""), &len);
	assert_string_equal(k, "");
	assert_int_equal(len, 0);
	assert_null(toml_key(root, NULL));
	toml_free(root);
}

/* --- where keys were defined --------------------------------------------- */

static void test_key_lines(void **state)
{
	static const struct {
		const char *path;
		int line, col;
	} want[] = {
		{ "title", 2, 1 },
		{ "matrix", 4, 2 },
		{ "matrix.homeserver", 5, 3 },
		{ "matrix.nested", 6, 3 },
		{ "matrix.nested.key", 6, 10 },
		{ "matrix.inline", 7, 1 },
		{ "matrix.inline.x", 7, 12 },
		{ "a", 9, 2 },          /* implied by [a.b] on line 9... */
		{ "a.b", 9, 4 },
		{ "a.b.c", 10, 1 },
		{ "issue", 12, 3 },
	};
	struct toml_node *root = parse_ok(
		"# comment\n"
		"title = \"x\"\n"
		"\n"
		"[matrix]\n"
		"  homeserver = 'https://example.org'\r\n"
		"  nested.key = 1\n"
		"inline = { x = 1 }\n"
		"\n"
		"[a.b]\n"
		"c = \"\xc3\xa9t\xc3\xa9\"\n"
		"\n"
		"[[issue]]\n"
		"slug = 'a'\n"
		"[[issue]]\n"
		"slug = 'b'\n"
		"big = [\n"
		"  1,\n"
		"  \"\xc3\xa9\", 3 ]\n");
	const struct toml_node *n, *arr;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(want); i++) {
		n = toml_path(root, want[i].path);
		if (!n) {
			print_error("%s: missing\n", want[i].path);
			fail();
		}
		if (toml_line(n) != want[i].line || toml_column(n) != want[i].col) {
			print_error("%s: at %d:%d, want %d:%d\n", want[i].path, toml_line(n),
				    toml_column(n), want[i].line, want[i].col);
			fail();
		}
	}
	/* each [[issue]] element where its header is; array elements where they start */
	arr = toml_get(root, "issue");
	assert_int_equal(toml_count(arr), 2);
	assert_int_equal(toml_line(toml_at(arr, 0)), 12);
	assert_int_equal(toml_line(toml_at(arr, 1)), 14);
	assert_int_equal(toml_line(toml_get(toml_at(arr, 1), "slug")), 15);
	arr = toml_path(root, "issue.big");     /* toml_path stops at arrays */
	assert_null(arr);
	arr = toml_get(toml_at(toml_get(root, "issue"), 1), "big");
	assert_non_null(arr);
	assert_int_equal(toml_line(toml_at(arr, 0)), 17);
	assert_int_equal(toml_column(toml_at(arr, 0)), 3);
	/* columns count characters, not bytes: "  \"é\", 3" */
	assert_int_equal(toml_line(toml_at(arr, 2)), 18);
	assert_int_equal(toml_column(toml_at(arr, 2)), 8);
	assert_int_equal(toml_line(root), 1);
	assert_int_equal(toml_column(root), 1);
	toml_free(root);
}

/* A table first implied by a deeper header takes the line of its own. */
static void test_implicit_then_defined_line(void **state)
{
	struct toml_node *root = parse_ok("[a.b]\nx = 1\n\n[a]\ny = 2\n");

	(void)state;
	assert_int_equal(toml_line(toml_get(root, "a")), 4);
	assert_int_equal(toml_line(toml_path(root, "a.b")), 1);
	toml_free(root);
}

/* --- errors ---------------------------------------------------------------- */

static void test_errors(void **state)
{
	static const struct {
		const char *in;
		const char *err;
	} cases[] = {
		{ "a = 1\nb = \n", "2:5: expected a value, found end of line" },
		{ "a = 1\nb = 2 c = 3\n", "2:7: expected the end of the line after a value, found 'c'" },
		{ "a = 1\na = 2\n", "2:1: key 'a' is already defined on line 1" },
		{ "[t]\nx = 1\n[t]\n", "3:2: table 't' is already defined on line 1" },
		{ "[t]\n  k.x = 1\n  k = 2\n", "3:3: key 't.k' is already defined on line 2" },
		{ "x = {a = 1}\n[x.b]\n", "2:2: cannot add a table to 'x': it is an inline table defined on line 1" },
		{ "x = [1]\n[[x]]\n", "2:3: 'x' is already an array defined on line 1, not an array of tables" },
		{ "s = \"bad \\q\"\n", "1:10: invalid escape '\\' followed by 'q'" },
		{ "s = \"\\uD800\"\n", "1:6: \\uD800 is not a Unicode scalar value" },
		{ "s = \"open\n", "1:10: unterminated string: newline before the closing quote" },
		{ "s = '''open\n\n", "1:5: unterminated string" },
		{ "i = 012\n", "1:5: invalid value '012': leading zeros are not allowed" },
		{ "i = 9223372036854775808\n", "1:5: invalid value '9223372036854775808': integer out of range (64 bits)" },
		{ "i = 1__0\n", "1:5: invalid value '1__0': not a valid number" },
		{ "i = +0x1\n", "1:5: invalid value '+0x1': a hexadecimal, octal or binary integer cannot have a sign" },
		{ "f = 1e400\n", "1:5: invalid value '1e400': float out of range" },
		{ "d = 2023-02-29\n", "1:5: invalid value '2023-02-29': day out of range for its month" },
		{ "d = 12:30\n", "1:5: invalid value '12:30': a time is HH:MM:SS" },
		{ "# ok\n\xc3\xa9 = 1\n", "2:1: expected a key, found '\xc3\xa9'" },
		{ "k = \"\xc3\xa9\xff\"\n", "1:7: invalid UTF-8 byte 0xFF" },
		{ "k = 1 # \x01\n", "1:9: control character U+0001 in a comment" },
		{ "k = 1\r", "1:6: expected the end of the line after a value, found carriage return" },
		{ "t = {a = 1,\n b = 2}\n", "1:12: expected a key, found end of line" },
		{ "t = {a = 1,}\n", "1:12: expected a key, found '}'" },
		{ "[a]\n[[a.b]\n", "2:6: expected ']]' to close the table header" },
		{ "\"\"\"k\"\"\" = 1\n", "1:1: a multi-line string cannot be a key" },
		{ "a.b = 1\n[a]\n", "2:2: table 'a' is already defined on line 1" },
		{ "[a.b.c]\n[a]\nb.c.d = 1\n", "3:3: cannot add keys to 'a.b.c': it is a table defined on line 1 by a [table] header" },
		{ "s = \"\"\"x\"\"\"\"\"\"\n", "1:14: too many quotes at the end of a string" },
	};
	struct toml_node *root;
	char err[TOML_ERR_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		root = (struct toml_node *)&root;       /* must be reset to NULL */
		memset(err, 'x', sizeof(err));
		if (toml_parse(cases[i].in, strlen(cases[i].in), &root, err, sizeof(err)) != -1) {
			print_error("case %zu accepted\n", i);
			fail();
		}
		assert_null(root);
		if (strcmp(err, cases[i].err)) {
			print_error("case %zu: got '%s'\n           want '%s'\n", i, err, cases[i].err);
			fail();
		}
	}
}

static void test_error_buffer(void **state)
{
	struct toml_node *root;
	char small[8];

	(void)state;
	/* no buffer, or a tiny one: still -1, never an overflow */
	assert_int_equal(toml_parse("a =", 3, &root, NULL, 0), -1);
	assert_int_equal(toml_parse("a =", 3, &root, small, sizeof(small)), -1);
	assert_string_equal(small, "1:4: ex");
	/* the input need not be NUL-terminated: parsing stops at len */
	assert_int_equal(toml_parse("a = 1xyz", 5, &root, NULL, 0), 0);
	toml_free(root);
	/* empty documents are an empty table */
	assert_int_equal(toml_parse(NULL, 0, &root, NULL, 0), 0);
	assert_int_equal(toml_count(root), 0);
	toml_free(root);
	assert_int_equal(toml_parse("\xef\xbb\xbf", 3, &root, NULL, 0), 0);
	toml_free(root);
}

/* --- limits and size ------------------------------------------------------ */

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	struct buf b;
	size_t i;
	char *s;

	buf_init(&b, 0);
	buf_puts(&b, head);
	for (i = 0; i < n; i++)
		buf_puts(&b, unit);
	buf_puts(&b, tail);
	s = buf_detach(&b);
	buf_release(&b);        /* detach leaves a fresh, empty buffer */
	return s;
}

static void test_depth_limit(void **state)
{
	struct toml_node *root = NULL;
	char err[TOML_ERR_SIZE], *ok, *deep, *closing, *keys, *header;
	int rc;

	(void)state;
	/* the value of 'a' is level 1: 128 arrays in each other are fine */
	closing = repeat("", "]", TOML_MAX_DEPTH, "\n");
	ok = repeat("a = ", "[", TOML_MAX_DEPTH, closing);
	assert_int_equal(toml_parse(ok, strlen(ok), &root, err, sizeof(err)), 0);
	toml_free(root);
	free(closing);
	free(ok);

	/* one more level, or a million unclosed ones, fail at once */
	closing = repeat("", "]", TOML_MAX_DEPTH + 1, "\n");
	deep = repeat("a = ", "[", TOML_MAX_DEPTH + 1, closing);
	assert_int_equal(toml_parse(deep, strlen(deep), &root, err, sizeof(err)), -1);
	assert_string_equal(err, "1:133: tables and arrays nested deeper than 128 levels");
	free(closing);
	free(deep);
	deep = repeat("a = ", "[{x=", 1000000, "\n");
	assert_int_equal(toml_parse(deep, strlen(deep), &root, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nested deeper than 128 levels"));
	free(deep);

	/* dotted keys and headers count too */
	keys = repeat("a", ".a", 1000, " = 1\n");
	rc = toml_parse(keys, strlen(keys), &root, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, "1:257: key has more than 128 parts");
	free(keys);
	header = repeat("[a", ".a", TOML_MAX_DEPTH - 1, "]\nb.c = 1\n");
	assert_int_equal(toml_parse(header, strlen(header), &root, err, sizeof(err)), -1);
	assert_string_equal(err, "2:1: tables and arrays nested deeper than 128 levels");
	free(header);
}

static void test_big_document(void **state)
{
	struct toml_node *root = NULL;
	struct buf b;
	char err[TOML_ERR_SIZE], key[32], want[128];
	size_t i, n = 100000;
	int64_t v;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < n; i++)
		buf_printf(&b, "key%zu = %zu\n", i, i);
	buf_puts(&b, "arr = [");
	for (i = 0; i < n; i++)
		buf_printf(&b, "%zu,", i);
	buf_puts(&b, "]\n");
	assert_int_equal(toml_parse(b.data, b.len, &root, err, sizeof(err)), 0);
	assert_int_equal(toml_count(root), n + 1);
	for (i = 0; i < n; i += 997) {
		snprintf(key, sizeof(key), "key%zu", i);
		assert_int_equal(toml_int(toml_get(root, key), &v), 0);
		assert_int_equal(v, (int64_t)i);
		assert_int_equal(toml_line(toml_get(root, key)), (int)i + 1);
		/* definition order is kept */
		assert_ptr_equal(toml_at(root, i), toml_get(root, key));
	}
	assert_null(toml_get(root, "key100000"));
	assert_int_equal(toml_count(toml_get(root, "arr")), n);
	assert_int_equal(toml_int(toml_at(toml_get(root, "arr"), n - 1), &v), 0);
	assert_int_equal(v, (int64_t)n - 1);
	toml_free(root);

	/* a duplicate among many keys is still found (through the index) */
	buf_printf(&b, "key%zu = 0\n", n / 2);
	assert_int_equal(toml_parse(b.data, b.len, &root, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%zu:1: key 'key%zu' is already defined on line %zu",
		 n + 2, n / 2, n / 2 + 1);
	assert_string_equal(err, want);
	buf_release(&b);
}

/* --- look-ups ------------------------------------------------------------- */

static void test_lookups(void **state)
{
	struct toml_node *root = parse_ok(
		"[matrix]\nhomeserver = 'h'\n[bot.deep]\nx = 1\n"
		"[\"dotted.name\"]\ny = 2\n");
	const struct toml_node *m;

	(void)state;
	m = toml_get(root, "matrix");
	assert_non_null(m);
	assert_int_equal(toml_type(m), TOML_TABLE);
	assert_ptr_equal(toml_path(root, "matrix.homeserver"), toml_get(m, "homeserver"));
	assert_non_null(toml_path(root, "bot.deep.x"));
	assert_null(toml_path(root, "bot.deep.x.y"));   /* through a non-table */
	assert_null(toml_path(root, "bot.missing"));
	assert_null(toml_path(root, "matrix."));
	assert_null(toml_path(root, NULL));
	assert_null(toml_get(root, NULL));
	/* a quoted key with a dot: toml_get finds it, toml_path cannot */
	assert_non_null(toml_get(root, "dotted.name"));
	assert_null(toml_path(root, "dotted.name"));
	/* entries in definition order, with their keys */
	assert_int_equal(toml_count(root), 3);
	assert_string_equal(toml_key(toml_at(root, 0), NULL), "matrix");
	assert_string_equal(toml_key(toml_at(root, 1), NULL), "bot");
	assert_string_equal(toml_key(toml_at(root, 2), NULL), "dotted.name");
	assert_null(toml_at(root, 3));
	toml_free(root);
}

static void test_arrays_of_tables(void **state)
{
	struct toml_node *root = parse_ok(
		"[[issue]]\nslug = 'a'\n[issue.extra]\nz = 1\n"
		"[[issue]]\nslug = 'b'\naliases = ['x', 'y']\n"
		"[[issue.sub]]\nq = 1\n");
	const struct toml_node *arr, *second;
	const char *s;

	(void)state;
	arr = toml_get(root, "issue");
	assert_int_equal(toml_type(arr), TOML_ARRAY);
	assert_int_equal(toml_count(arr), 2);
	assert_non_null(toml_path(toml_at(arr, 0), "extra.z"));
	second = toml_at(arr, 1);
	assert_int_equal(toml_string(toml_get(second, "slug"), &s, NULL), 0);
	assert_string_equal(s, "b");
	assert_int_equal(toml_count(toml_get(second, "aliases")), 2);
	assert_null(toml_key(toml_at(toml_get(second, "aliases"), 0), NULL));
	assert_int_equal(toml_count(toml_get(second, "sub")), 1);
	toml_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_wrong_type_accessors),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_key_lines),
		cmocka_unit_test(test_implicit_then_defined_line),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_big_document),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_arrays_of_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
