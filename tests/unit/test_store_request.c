/*
 * test_store_request.c - the room requests table (store_request.c): kept
 * once per key, handed out oldest first, moved by a retry, forgotten when
 * done, and surviving a reopen of the database.
 */
#include "testutil.h"

#include <unistd.h>

#include "store.h"
#include "store_request.h"

static void test_order_retry_done(void **state)
{
	struct store_request q;
	struct store *st;
	char err[256];
	int64_t wait, first;

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_request_next(st, 1000, &q, &wait), 1);
	assert_int_equal(wait, -1);
	assert_int_equal(store_request_add(st, "$a.1", "invite", "!cyber:x", "@bob:x", 0, "!coord:x",
					   "$a", "$root"), 0);
	assert_int_equal(store_request_add(st, "$b.1", "create", NULL, "@alice:x", 7, "!coord:x",
					   NULL, NULL), 0);
	/* the same cause again (a replayed batch): kept once */
	assert_int_equal(store_request_add(st, "$a.1", "invite", "!other:x", "@eve:x", 0, "!x:x",
					   NULL, NULL), 0);

	assert_int_equal(store_request_next(st, 1000, &q, &wait), 0);
	assert_string_equal(q.kind, "invite");
	assert_string_equal(q.key, "$a.1");
	assert_string_equal(q.target, "!cyber:x");
	assert_string_equal(q.user_id, "@bob:x");
	assert_string_equal(q.room_id, "!coord:x");
	assert_string_equal(q.reply_to, "$a");
	assert_string_equal(q.thread_root, "$root");
	first = q.id;
	store_request_release(&q);

	/* a retry puts the first behind the second until its time comes */
	assert_int_equal(store_request_retry(st, first, 1, 5000), 0);
	assert_int_equal(store_request_next(st, 1000, &q, &wait), 0);
	assert_string_equal(q.kind, "create");
	assert_int_equal(q.issue_id, 7);
	assert_null(q.target);
	assert_null(q.reply_to);
	assert_null(q.thread_root);
	assert_int_equal(store_request_done(st, q.id), 0);
	store_request_release(&q);
	assert_int_equal(store_request_next(st, 1000, &q, &wait), 1);
	assert_int_equal(wait, 4000);
	assert_int_equal(store_request_next(st, 5000, &q, &wait), 0);
	assert_int_equal(q.id, first);
	assert_int_equal(q.attempts, 1);
	assert_int_equal(store_request_done(st, q.id), 0);
	store_request_release(&q);
	assert_int_equal(store_request_next(st, 99999, &q, &wait), 1);
	assert_int_equal(wait, -1);
	store_close(st);
}

/* A request kept before a crash is still there at the next start. */
static void test_survives_reopen(void **state)
{
	struct store_request q;
	struct store *st;
	char err[256], path[64];
	int64_t wait;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/caucus-req-%d.db", (int)getpid());
	unlink(path);
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_request_add(st, "$c.0", "space", "!r:x", NULL, 0, "!coord:x", NULL,
					   NULL), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_request_next(st, 0, &q, &wait), 0);
	assert_string_equal(q.kind, "space");
	assert_string_equal(q.target, "!r:x");
	store_request_release(&q);
	store_close(st);
	unlink(path);
	{
		char p[80];
		snprintf(p, sizeof(p), "%s-wal", path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", path);
		unlink(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_retry_done),
		cmocka_unit_test(test_survives_reopen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
