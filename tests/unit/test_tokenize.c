/*
 * test_tokenize.c - command-line splitting and mention pills.
 */
#include "testutil.h"

#include "tokenize.h"

static void split(const char *text, const char *const *want, size_t n)
{
	struct strv argv = { 0 };
	size_t *offs = NULL;
	char err[64];

	assert_int_equal(tokenize(text, &argv, &offs, err, sizeof(err)), 0);
	if (argv.n != n)
		fail_msg("'%s': %zu arguments, wanted %zu", text, argv.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(argv.v[i], want[i]);
	strv_release(&argv);
	free(offs);
}

static void test_split(void **state)
{
	(void)state;
	split("", NULL, 0);
	split("   ", NULL, 0);
	split("cover cyber", (const char *[]){ "cover", "cyber" }, 2);
	split("  a\tb\nc  ", (const char *[]){ "a", "b", "c" }, 3);
	split("position \"Arab Group\" support", (const char *[]){ "position", "Arab Group", "support" }, 3);
	split("x \"\"", (const char *[]){ "x", "" }, 2);
	split("say \"a \\\"b\\\" c\"", (const char *[]){ "say", "a \"b\" c" }, 2);
	/* curly quotes from phones, and a no-break space */
	split("position \xe2\x80\x9c" "Arab Group\xe2\x80\x9d oppose",
	      (const char *[]){ "position", "Arab Group", "oppose" }, 3);
	split("a\xc2\xa0" "b", (const char *[]){ "a", "b" }, 2);
	split("ab\"c d\"e", (const char *[]){ "abc de" }, 1);
}

static void test_offsets(void **state)
{
	struct strv argv = { 0 };
	size_t *offs = NULL;
	char err[64];
	const char *text = "note  hello \"big\" world";

	(void)state;
	assert_int_equal(tokenize(text, &argv, &offs, err, sizeof(err)), 0);
	assert_int_equal(argv.n, 4);
	assert_string_equal(text + offs[1], "hello \"big\" world");
	assert_string_equal(text + offs[2], "\"big\" world");
	strv_release(&argv);
	free(offs);
}

static void test_errors(void **state)
{
	struct strv argv = { 0 };
	size_t *offs = NULL;
	char err[64];
	struct buf many;

	(void)state;
	assert_int_equal(tokenize("say \"open", &argv, &offs, err, sizeof(err)), -1);
	assert_string_equal(err, "unterminated quote");
	assert_int_equal(argv.n, 0);
	assert_null(offs);
	buf_init(&many, 0);
	for (int i = 0; i < TOKENIZE_MAX_ARGS + 1; i++)
		buf_puts(&many, "x ");
	assert_int_equal(tokenize(many.data, &argv, &offs, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many"));
	buf_release(&many);
}

static void test_pills(void **state)
{
	struct strv labels = { 0 }, users = { 0 };
	char *out;

	(void)state;
	pills_parse("!cover cyber <a href=\"https://matrix.to/#/@bob:example.org\">Bob &amp; Co</a> "
		    "and <a href='https://matrix.to/#/%40carol:example.org?via=x'>Carol</a> "
		    "<a href=\"https://example.org\">not a pill</a> <a broken",
		    &labels, &users);
	assert_int_equal(labels.n, 2);
	assert_string_equal(labels.v[0], "Bob & Co");
	assert_string_equal(users.v[0], "@bob:example.org");
	assert_string_equal(users.v[1], "@carol:example.org");
	out = pills_apply("!attend 3 Bob & Co and Carol", &labels, &users);
	assert_string_equal(out, "!attend 3 @bob:example.org and @carol:example.org");
	free(out);
	/* a label absent from the body changes nothing */
	out = pills_apply("!who-covers ai", &labels, &users);
	assert_string_equal(out, "!who-covers ai");
	free(out);
	strv_release(&labels);
	strv_release(&users);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pills),
	};
	return cmocka_run_group_tests_name("tokenize", tests, NULL, NULL);
}
