/*
 * test_doc.c - answers rendered as plain text and as escaped HTML.
 */
#include "testutil.h"

#include "doc.h"

static void test_escape_everywhere(void **state)
{
	struct doc d;
	char *plain, *html;

	(void)state;
	doc_init(&d);
	doc_heading(&d, "<b>%s</b>", "x");
	doc_para(&d, "a & b 'c' \"d\" <script>");
	doc_item(&d, "<i>");
	doc_begin(&d, DOC_ITEM);
	doc_user(&d, "@eve:example.org", "Eve <img src=x>");
	doc_end(&d);
	doc_finish(&d, &plain, &html);
	assert_string_equal(plain, "<b>x</b>\na & b 'c' \"d\" <script>\n• <i>\n• Eve <img src=x>");
	assert_null(strstr(html, "<script>"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<i>"));
	assert_non_null(strstr(html, "&lt;script&gt;"));
	assert_non_null(strstr(html, "a &amp; b &#39;c&#39; &quot;d&quot;"));
	assert_non_null(strstr(html, "<ul><li>&lt;i&gt;</li><li><a href=\"https://matrix.to/#/@eve:example.org\">Eve &lt;img src=x&gt;</a></li></ul>"));
	free(plain);
	free(html);
	doc_release(&d);
}

static void test_table(void **state)
{
	struct doc d;
	char *plain, *html;
	const char *titles[] = { "actor", "stance" };

	(void)state;
	doc_init(&d);
	doc_table(&d, 2, titles);
	doc_cell(&d);
	doc_text(&d, "CEPT");
	doc_cell(&d);
	doc_text(&d, "oppose");
	doc_para(&d, "after");
	doc_finish(&d, &plain, &html);
	assert_string_equal(plain, "  actor | stance\n  CEPT | oppose\nafter");
	assert_string_equal(html, "<table><thead><tr><th>actor</th><th>stance</th></tr></thead>"
				  "<tbody><tr><td>CEPT</td><td>oppose</td></tr></tbody></table>"
				  "<p>after</p>");
	free(plain);
	free(html);
	doc_release(&d);
}

static void test_reuse(void **state)
{
	struct doc d;
	char *plain, *html;

	(void)state;
	doc_init(&d);
	assert_true(doc_empty(&d));
	doc_text(&d, "one");
	assert_false(doc_empty(&d));
	doc_finish(&d, &plain, &html);
	assert_string_equal(html, "<p>one</p>");
	free(plain);
	free(html);
	assert_true(doc_empty(&d));
	doc_item(&d, "two");
	doc_finish(&d, &plain, &html);
	assert_string_equal(html, "<ul><li>two</li></ul>");
	free(plain);
	free(html);
	doc_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_everywhere),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_reuse),
	};
	return cmocka_run_group_tests_name("doc", tests, NULL, NULL);
}
