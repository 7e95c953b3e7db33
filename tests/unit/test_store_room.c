/*
 * test_store_room.c - the room queries (store_room.c): members with their
 * membership, display names and power, finding a member by name, a room
 * the bot left, and last-spoke times that never go backwards.
 */
#include "testutil.h"

#include "store.h"
#include "store_room.h"

static int setup(void **state)
{
	char err[256];
	struct store *st = store_open(":memory:", err, sizeof(err));

	assert_non_null(st);
	assert_int_equal(store_member_set(st, "!r:x", "@bob:x", "Bob", "join", 50), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@rob:x", "bob", "join", 0), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@cat:x", "Cat", "leave", 100), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@dan:x", NULL, "join", 0), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@eve:x", "Eve Ng", "join", 0), 0);
	assert_int_equal(store_member_set(st, "!s:x", "@cat:x", "Cat S", "join", 10), 0);
	assert_int_equal(store_member_set(st, "!t:x", "@eve:x", "", "join", 0), 0);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	return 0;
}

static void test_joined_and_power(void **state)
{
	struct store *st = *state;
	static const struct {
		const char *room, *user;
		int joined, power;
	} rows[] = {
		{ "!r:x", "@bob:x", 1, 50 },
		{ "!r:x", "@rob:x", 1, 0 },
		{ "!r:x", "@cat:x", 0, 0 },     /* left: no power either */
		{ "!s:x", "@cat:x", 1, 10 },
		{ "!r:x", "@nobody:x", 0, 0 },
		{ "!z:x", "@bob:x", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(store_member_joined(st, rows[i].room, rows[i].user),
				 rows[i].joined);
		assert_int_equal(store_member_power(st, rows[i].room, rows[i].user),
				 rows[i].power);
	}
	/* an update replaces every field */
	assert_int_equal(store_member_set(st, "!r:x", "@bob:x", "Robert", "leave", 0), 0);
	assert_int_equal(store_member_joined(st, "!r:x", "@bob:x"), 0);
	assert_int_equal(store_member_power(st, "!r:x", "@bob:x"), 0);
	/* the bot left the room: nobody counts as joined there */
	assert_int_equal(store_member_room_unknown(st, "!s:x"), 0);
	assert_int_equal(store_member_joined(st, "!s:x", "@cat:x"), 0);
	assert_int_equal(store_member_joined(st, "!r:x", "@rob:x"), 1);
}

static void test_names(void **state)
{
	struct store *st = *state;
	static const struct {
		const char *room, *user, *name;     /* NULL: none */
	} rows[] = {
		{ "!r:x", "@bob:x", "Bob" },
		{ "!r:x", "@cat:x", "Cat" },            /* a left member keeps a name */
		{ NULL, "@cat:x", "Cat S" },            /* any room: a joined one first */
		{ "!r:x", "@dan:x", NULL },
		{ "!t:x", "@eve:x", NULL },             /* an empty name is none */
		{ NULL, "@eve:x", "Eve Ng" },
		{ NULL, "@nobody:x", NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *n = store_member_name(st, rows[i].room, rows[i].user);

		if (rows[i].name)
			assert_string_equal(n, rows[i].name);
		else
			assert_null(n);
		free(n);
	}
}

static void test_by_name(void **state)
{
	struct store *st = *state;
	static const struct {
		const char *room, *name;
		int rc;
		const char *user;
	} rows[] = {
		{ "!r:x", "BOB", 2, NULL },             /* Bob and bob */
		{ "!r:x", "eve ng", 0, "@eve:x" },
		{ "!r:x", "Eve", 1, NULL },             /* whole names only */
		{ "!r:x", "Cat", 1, NULL },             /* left */
		{ "!s:x", "cat s", 0, "@cat:x" },
		{ "!z:x", "Bob", 1, NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *u = (char *)&u;

		assert_int_equal(store_member_by_name(st, rows[i].room, rows[i].name, &u), rows[i].rc);
		if (rows[i].user)
			assert_string_equal(u, rows[i].user);
		else
			assert_null(u);
		free(u);
	}
}

static void test_last_spoke(void **state)
{
	struct store *st = *state;

	assert_int_equal(store_last_spoke(st, "!r:x", "@bob:x"), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@bob:x", 100), 0);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@bob:x", 50), 0);
	assert_int_equal(store_last_spoke(st, "!r:x", "@bob:x"), 100);
	assert_int_equal(store_last_spoke_set(st, "!r:x", "@bob:x", 150), 0);
	assert_int_equal(store_last_spoke(st, "!r:x", "@bob:x"), 150);
	/* per room and per user */
	assert_int_equal(store_last_spoke(st, "!s:x", "@bob:x"), 0);
	assert_int_equal(store_last_spoke(st, "!r:x", "@rob:x"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_joined_and_power, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_spoke, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
