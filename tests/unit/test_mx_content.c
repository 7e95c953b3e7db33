/*
 * test_mx_content.c - the content of the bot's answers (SPEC §2): m.notice,
 * HTML, m.mentions, and the reply and thread relations.
 */
#include "testutil.h"

#include "mx_content.h"

static void check(const struct mx_notice *n, const char *want)
{
	char *got = mx_content_notice(n);

	assert_string_equal(got, want);
	free(got);
}

static void test_notice(void **state)
{
	char alice[] = "@alice:x", bob[] = "@bob:x";
	char *who[] = { alice, bob };

	(void)state;
	/* a plain answer to a command: a reply that mentions nobody */
	check(&(struct mx_notice){ .body = "Nobody covers it.", .html = "<p>Nobody</p>",
				   .reply_to = "$cmd" },
	      "{\"msgtype\":\"m.notice\",\"body\":\"Nobody covers it.\","
	      "\"format\":\"org.matrix.custom.html\",\"formatted_body\":\"<p>Nobody</p>\","
	      "\"m.mentions\":{},\"m.relates_to\":{\"m.in_reply_to\":{\"event_id\":\"$cmd\"}}}");
	/* in a thread: the thread relation plus a real (not fallback) reply */
	check(&(struct mx_notice){ .body = "b", .reply_to = "$cmd", .thread_root = "$root" },
	      "{\"msgtype\":\"m.notice\",\"body\":\"b\",\"m.mentions\":{},"
	      "\"m.relates_to\":{\"rel_type\":\"m.thread\",\"event_id\":\"$root\","
	      "\"is_falling_back\":false,\"m.in_reply_to\":{\"event_id\":\"$cmd\"}}}");
	/* a reminder: mentions, no relation */
	check(&(struct mx_notice){ .body = "Reminder \"x\" <y>", .mentions = who, .n_mentions = 2 },
	      "{\"msgtype\":\"m.notice\",\"body\":\"Reminder \\\"x\\\" <y>\","
	      "\"m.mentions\":{\"user_ids\":[\"@alice:x\",\"@bob:x\"]}}");
	/* a thread with no message to answer: the root, falling back */
	check(&(struct mx_notice){ .body = "b", .thread_root = "$root" },
	      "{\"msgtype\":\"m.notice\",\"body\":\"b\",\"m.mentions\":{},"
	      "\"m.relates_to\":{\"rel_type\":\"m.thread\",\"event_id\":\"$root\","
	      "\"is_falling_back\":true,\"m.in_reply_to\":{\"event_id\":\"$root\"}}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notice),
	};
	return cmocka_run_group_tests_name("mx_content", tests, NULL, NULL);
}
