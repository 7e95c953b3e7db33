/*
 * test_util.c - the helpers everything stands on (util.c): the capped
 * buffer (an append past the cap fails and leaves the content whole), HTML
 * escaping, the allowed-users glob (anchored at both ends: a lookalike
 * server never matches), strict integer parsing, the edit distance behind
 * "did you mean", and string lists.
 */
#include "testutil.h"

#include <stdint.h>

#include "util.h"

static void test_buf_cap(void **state)
{
	struct buf b;
	char *p;

	(void)state;
	buf_init(&b, 8);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_puts(&b, "abcd"), 0);
	assert_int_equal(buf_printf(&b, "%d", 123), 0);
	assert_string_equal(b.data, "abcd123");
	/* one byte too many: refused, flagged, content unchanged */
	assert_int_equal(buf_puts(&b, "xy"), -1);
	assert_int_equal(b.toobig, 1);
	assert_string_equal(b.data, "abcd123");
	assert_int_equal(b.len, 7);
	assert_int_equal(buf_putc(&b, 'z'), 0);
	assert_int_equal(buf_putc(&b, '!'), -1);
	assert_string_equal(b.data, "abcd123z");
	assert_int_equal(buf_printf(&b, "%s", "more"), -1);
	assert_string_equal(b.data, "abcd123z");

	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_add(&b, "a\0b", 3), 0);     /* bytes, NUL included */
	assert_int_equal(b.len, 3);
	p = buf_detach(&b);
	assert_int_equal(p[0], 'a');
	assert_int_equal(p[1], '\0');
	assert_int_equal(p[2], 'b');
	assert_int_equal(p[3], '\0');
	free(p);
	assert_int_equal(b.len, 0);     /* detach leaves it empty and usable */
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(b.data, "again");
	buf_release(&b);
}

static void test_buf_grows(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.data[99999], 'a' + 99999 % 26);
	assert_int_equal(b.data[100000], '\0');
	buf_release(&b);
}

static void test_html_escape(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_html_escape(&b, "<a href=\"x\">O'Neil & co</a>"), 0);
	assert_string_equal(b.data,
			    "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;");
	buf_release(&b);
}

static void test_glob(void **state)
{
	static const struct {
		const char *pattern, *s;
		int match;
	} cases[] = {
		{ "@*:example.org", "@alice:example.org", 1 },
		{ "@*:example.org", "@alice:example.org.evil.net", 0 },
		{ "@*:example.org", "@alice:evil-example.org", 0 },
		{ "@*:example.org", "x@alice:example.org", 0 },
		{ "@*:example.org", "@:example.org", 1 },
		{ "@bob:example.org", "@bob:example.org", 1 },
		{ "@bob:example.org", "@Bob:example.org", 0 },  /* case-sensitive */
		{ "@bo?:*", "@bob:x", 1 },
		{ "@bo?:*", "@bo:x", 0 },
		{ "*", "", 1 },
		{ "", "", 1 },
		{ "", "a", 0 },
		{ "@*a*b*:x", "@zzazzbzz:x", 1 },
		{ "@*a*b*:x", "@zzbzzazz:x", 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		if (str_glob(cases[i].pattern, cases[i].s) != cases[i].match)
			fail_msg("str_glob(\"%s\", \"%s\") != %d", cases[i].pattern, cases[i].s,
				 cases[i].match);
}

static void test_to_i64(void **state)
{
	static const char *const bad[] = { "", " 1", "1 ", "1x", "x", "0x10", "9223372036854775808",
					   "-9223372036854775809", "1.5" };
	int64_t v;

	(void)state;
	assert_int_equal(str_to_i64("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_i64("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(str_to_i64("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		v = 99;
		if (str_to_i64(bad[i], &v) != -1)
			fail_msg("str_to_i64(\"%s\") accepted", bad[i]);
		assert_int_equal(v, 99);        /* untouched on refusal */
	}
	assert_int_equal(str_to_i64(NULL, &v), -1);
}

static void test_strings(void **state)
{
	char s[] = "  Hello World \t";
	char *t;

	(void)state;
	assert_true(str_ieq("CyBer", "cyber"));
	assert_false(str_ieq("cyber", "cyber2"));
	assert_true(str_iprefix("WHO-covers", "who"));
	assert_false(str_iprefix("wh", "who"));
	t = str_trim(s);
	assert_string_equal(t, "Hello World");
	str_lower(t);
	assert_string_equal(t, "hello world");
	assert_int_equal(str_distance("timezon", "timezone"), 1);
	assert_int_equal(str_distance("HOMSERVER", "homeserver"), 1);
	assert_int_equal(str_distance("", "abc"), 3);
	assert_int_equal(str_distance("same", "same"), 0);
	t = xasprintf("%s-%d", "a", 5);
	assert_string_equal(t, "a-5");
	free(t);
	t = xstrndup("abcdef", 3);
	assert_string_equal(t, "abc");
	free(t);
	assert_null(xstrdup(NULL));
}

static void test_strv(void **state)
{
	struct strv sv = { 0 };

	(void)state;
	strv_push(&sv, "a");
	strv_push_owned(&sv, xstrdup("b"));
	assert_int_equal(sv.n, 2);
	assert_true(strv_has(&sv, "b"));
	assert_false(strv_has(&sv, "B"));
	assert_false(strv_has(&sv, "c"));
	strv_release(&sv);
	assert_int_equal(sv.n, 0);
	assert_false(strv_has(&sv, "a"));
	strv_release(&sv);              /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_to_i64),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_strv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
