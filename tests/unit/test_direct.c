/*
 * test_direct.c - direct rooms and members' settings: the store's map of
 * member to direct room (made, being made, forgotten when the member
 * leaves), messages waiting in the outbox for a room not made yet, and
 * what the engine sends to a direct room.
 */
#include "testengine.h"

#include "store_direct.h"
#include "store_outbox.h"

static void test_store_map(void **state)
{
	struct store *st;
	char err[256], *v;

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_null(store_direct_room(st, BOB));
	assert_int_equal(store_direct_making(st, BOB), 0);
	assert_int_equal(store_direct_begin(st, BOB, 1000), 0);
	assert_int_equal(store_direct_making(st, BOB), 1);
	assert_null(store_direct_room(st, BOB));
	assert_int_equal(store_direct_set(st, BOB, "!dm-bob:x", 2000), 0);
	assert_int_equal(store_direct_making(st, BOB), 0);
	v = store_direct_room(st, BOB);
	assert_string_equal(v, "!dm-bob:x");
	free(v);
	v = store_direct_user(st, "!dm-bob:x");
	assert_string_equal(v, BOB);
	free(v);
	assert_int_equal(store_direct_is(st, "!dm-bob:x", BOB), 1);
	assert_int_equal(store_direct_is(st, "!dm-bob:x", ALICE), 0);
	/* a room is one member's: carol taking it takes it from bob */
	assert_int_equal(store_direct_set(st, CAROL, "!dm-bob:x", 3000), 0);
	assert_null(store_direct_room(st, BOB));
	assert_int_equal(store_direct_forget_room(st, "!dm-bob:x"), 0);
	assert_null(store_direct_room(st, CAROL));
	store_close(st);
}

static void test_outbox_waits_for_room(void **state)
{
	struct store *st;
	struct outbox_row *rows;
	size_t n;
	char err[256];

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_outbox_add(st, BOB, "t1", "m.room.message", "{}", 1), 0);
	assert_int_equal(store_outbox_add(st, CYBER, "t2", "m.room.message", "{}", 1), 0);
	assert_int_equal(store_outbox_heads(st, INT64_MAX, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].room_id, CYBER);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_readdress(st, BOB, "!dm-bob:x"), 0);
	assert_int_equal(store_outbox_heads(st, INT64_MAX, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].room_id, "!dm-bob:x");
	store_outbox_rows_free(rows, n);
	store_close(st);
}

static void test_prefs_store(void **state)
{
	struct store *st;
	struct store_prefs p = { .dm = 1, .quiet_start = 23 * 60, .quiet_end = 7 * 60 }, q;
	char err[256];

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_prefs_get(st, BOB, &q), 0);
	assert_int_equal(q.dm, -1);
	assert_int_equal(q.quiet_start, -1);
	assert_int_equal(store_prefs_set(st, BOB, &p), 0);
	assert_int_equal(store_prefs_get(st, BOB, &q), 0);
	assert_int_equal(q.dm, 1);
	assert_int_equal(q.quiet_start, 23 * 60);
	assert_int_equal(q.quiet_end, 7 * 60);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_map),
		cmocka_unit_test(test_outbox_waits_for_room),
		cmocka_unit_test(test_prefs_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
