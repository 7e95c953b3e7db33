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

/* The phone shape: a bold heading, items with the key in bold, a cut
 * list's last line; no table anywhere. */
static void test_lists_not_tables(void **state)
{
	struct doc d;
	char *plain, *html;

	(void)state;
	doc_init(&d);
	doc_heading(&d, "Positions");
	doc_begin(&d, DOC_ITEM);
	doc_strong(&d, "CEPT");
	doc_text(&d, " oppose");
	doc_end(&d);
	doc_more(&d, 12, "!positions all");
	doc_finish(&d, &plain, &html);
	assert_string_equal(plain, "Positions\n• CEPT oppose\n… and 12 more: !positions all");
	assert_string_equal(html, "<p><b>Positions</b></p><ul><li><b>CEPT</b> oppose</li></ul>"
				  "<p>… and 12 more: <code>!positions all</code></p>");
	free(plain);
	free(html);
	doc_release(&d);
	assert_int_equal(doc_list_shown(15, 0), 15);
	assert_int_equal(doc_list_shown(17, 0), 17);
	assert_int_equal(doc_list_shown(18, 0), DOC_LIST_SHOWN);
	assert_int_equal(doc_list_shown(500, 1), 500);
}

/* Issue 9 defect 12: a newline or tab in a title or a name cannot start a
 * line of its own in the plain body, nor a '|' make it look like columns. */
static void test_line_breaks_folded(void **state)
{
	struct doc d;
	char *plain, *html;

	(void)state;
	doc_init(&d);
	doc_begin(&d, DOC_ITEM);
	doc_strong(&d, "%s", "Arab\nGroup");
	doc_text(&d, " %s", "support\r\n• forged | row\t|");
	doc_end(&d);
	doc_begin(&d, DOC_ITEM);
	doc_user(&d, "@eve:example.org", "Eve\nEvil");
	doc_end(&d);
	doc_finish(&d, &plain, &html);
	assert_string_equal(plain, "• Arab Group support • forged ¦ row ¦\n• Eve Evil");
	assert_non_null(strstr(html, "forged | row |"));
	assert_null(strchr(html, '\n'));
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
		cmocka_unit_test(test_lists_not_tables),
		cmocka_unit_test(test_line_breaks_folded),
		cmocka_unit_test(test_reuse),
	};
	return cmocka_run_group_tests_name("doc", tests, NULL, NULL);
}
