/*
 * test_json_scan.c - the flat scanner that sets aside the one event cJSON
 * cannot read (nested too deep, a broken string) and keeps the rest of an
 * answer; and reading a top-level string of a document cJSON refuses.
 */
#include "testutil.h"

#include <cjson/cJSON.h>

#include "json_scan.h"
#include "util.h"

/* '[' x depth, a value, ']' x depth; caller frees. */
static char *nested(size_t depth)
{
	struct buf b;
	char *out;

	buf_init(&b, 0);
	for (size_t i = 0; i < depth; i++)
		buf_puts(&b, "{\"a\":[");
	buf_puts(&b, "1");
	for (size_t i = 0; i < depth; i++)
		buf_puts(&b, "]}");
	out = buf_detach(&b);
	buf_release(&b);
	return out;
}

static void test_deep_event_dropped(void **state)
{
	char *deep = nested(600);
	char *doc = xasprintf("{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:x\":{\"timeline\":"
			      "{\"events\":[{\"type\":\"m.room.message\",\"n\":1},"
			      "{\"type\":\"x\",\"content\":%s},{\"n\":3},\"str\",7]}}}}}", deep);
	size_t n = 9, len = 0;
	char *out;
	cJSON *root, *events;

	(void)state;
	assert_null(cJSON_Parse(doc));          /* what the scanner is for */
	out = json_drop_bad_events(doc, strlen(doc), JSON_EVENT_MAX_DEPTH, &n, &len);
	assert_non_null(out);
	assert_int_equal(n, 1);
	assert_int_equal(len, strlen(out));
	root = cJSON_Parse(out);
	assert_non_null(root);
	events = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "rooms"), "join"), "!r:x"),
		"timeline"), "events"), "x");
	assert_null(events);
	events = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(root, "rooms"), "join"), "!r:x"), "timeline"), "events");
	assert_int_equal(cJSON_GetArraySize(events), 5);
	assert_true(cJSON_IsNull(cJSON_GetArrayItem(events, 1)));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(events, 2), "n")->valueint, 3);
	assert_string_equal(cJSON_GetArrayItem(events, 3)->valuestring, "str");
	cJSON_Delete(root);
	free(out);
	/* next_batch without parsing */
	out = json_top_string(doc, strlen(doc), "next_batch");
	assert_string_equal(out, "s1");
	free(out);
	free(doc);
	free(deep);
}

static void test_broken_string_dropped(void **state)
{
	/* a lone surrogate escape: cJSON refuses it */
	static const char doc[] =
		"{\"end\":\"t2\",\"chunk\":[{\"body\":\"\\ud800x\"},{\"body\":\"fine \\\"q\\\" ]}\"}]}";
	size_t n = 0;
	char *out;
	cJSON *root;

	(void)state;
	assert_null(cJSON_Parse(doc));
	out = json_drop_bad_events(doc, strlen(doc), JSON_EVENT_MAX_DEPTH, &n, NULL);
	assert_non_null(out);
	assert_int_equal(n, 1);
	root = cJSON_Parse(out);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root,
				"chunk"), 1), "body")->valuestring, "fine \"q\" ]}");
	cJSON_Delete(root);
	free(out);
	out = json_top_string(doc, strlen(doc), "end");
	assert_string_equal(out, "t2");
	free(out);
}

static void test_broken_documents(void **state)
{
	static const char *const bad[] = {
		"", "{", "{\"a\":[1,2}", "\"open", "{\"events\":[{\"a\":1}", "]", "{}}",
		"<html>", "{\"a\":\"\\",
	};
	size_t n;
	char *top;

	(void)state;
	/* a NUL where a literal goes (once an endless loop) */
	free(json_drop_bad_events("{\"events\":[\0]}", 15, 8, &n, NULL));
	top = json_top_string("{\"a\":\0,\"b\":\"x\"}", 17, "b");
	assert_string_equal(top, "x");
	free(top);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *out = json_drop_bad_events(bad[i], strlen(bad[i]), 8, &n, NULL);
		char *t2 = json_top_string(bad[i], strlen(bad[i]), "a");
		/* a broken document is never "fixed" into something else: at most
		 * it comes back as it was, with nothing dropped */
		if (out) {
			assert_int_equal(n, 0);
			assert_string_equal(out, bad[i]);
		}
		free(out);
		free(t2);
	}
	/* a key only at the top level, a plain string only */
	{
		static const char doc[] = "{\"x\":{\"end\":\"inner\"},\"end\":\"a\\nb\",\"k\":5}";
		assert_null(json_top_string(doc, strlen(doc), "end"));
		assert_null(json_top_string(doc, strlen(doc), "k"));
	}
}

/* No recursion: a million levels cost memory, not the stack. */
static void test_no_stack_depth(void **state)
{
	size_t depth = 1000000, n = 0;
	char *s = xmalloc(depth * 2 + 64), *out;
	size_t len = 0;

	(void)state;
	len += (size_t)snprintf(s, 64, "{\"next_batch\":\"z\",\"events\":[");
	memset(s + len, '[', depth);
	len += depth;
	memset(s + len, ']', depth);
	len += depth;
	memcpy(s + len, ",{}]}", 5);
	len += 5;
	out = json_drop_bad_events(s, len, JSON_EVENT_MAX_DEPTH, &n, NULL);
	assert_non_null(out);
	assert_int_equal(n, 1);
	assert_string_equal(out, "{\"next_batch\":\"z\",\"events\":[null,{}]}");
	free(out);
	out = json_top_string(s, len, "next_batch");
	assert_string_equal(out, "z");
	free(out);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_event_dropped),
		cmocka_unit_test(test_broken_string_dropped),
		cmocka_unit_test(test_broken_documents),
		cmocka_unit_test(test_no_stack_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
