/*
 * test_store_sync.c - what the daemon keeps of what it read (store_sync.c):
 * an event handled once is known as handled until purged; members listed
 * per room; a power change reaches only an existing member; a room the bot
 * left loses its issue link; and all of it survives a reopen.
 */
#include "testutil.h"

#include <unistd.h>

#include "store.h"
#include "store_issue.h"
#include "store_room.h"
#include "store_sync.h"

static void test_handled(void **state)
{
	struct store *st;
	char err[256];

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_handled_has(st, "$a"), 0);
	assert_int_equal(store_handled_add(st, "$a", 1000), 0);
	assert_int_equal(store_handled_add(st, "$b", 5000), 0);
	assert_int_equal(store_handled_has(st, "$a"), 1);
	/* adding again is harmless (a replayed batch) */
	assert_int_equal(store_handled_add(st, "$a", 9000), 0);
	assert_int_equal(store_handled_has(st, "$A"), 0);       /* IDs are exact */

	/* purge forgets what is older than the cut, keeps the rest */
	assert_int_equal(store_handled_purge(st, 4000), 0);
	assert_int_equal(store_handled_has(st, "$a"), 0);       /* kept its first time */
	assert_int_equal(store_handled_has(st, "$b"), 1);
	store_close(st);
}

static void test_members_and_power(void **state)
{
	struct store *st;
	struct strv users = { 0 };
	char err[256];

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_member_set(st, "!r:x", "@alice:x", "Alice", "join", 0), 0);
	assert_int_equal(store_member_set(st, "!r:x", "@bob:x", NULL, "leave", 0), 0);
	assert_int_equal(store_member_set(st, "!other:x", "@carol:x", "Carol", "join", 0), 0);

	assert_int_equal(store_sync_members(st, "!r:x", &users), 0);
	assert_int_equal(users.n, 2);           /* every member row, whatever its state */
	assert_true(strv_has(&users, "@alice:x"));
	assert_true(strv_has(&users, "@bob:x"));
	assert_false(strv_has(&users, "@carol:x"));
	strv_release(&users);

	assert_int_equal(store_sync_member_power(st, "!r:x", "@alice:x", 50), 0);
	assert_int_equal(store_member_power(st, "!r:x", "@alice:x"), 50);
	/* no member row: nothing is made up */
	assert_int_equal(store_sync_member_power(st, "!r:x", "@eve:x", 100), 0);
	assert_int_equal(store_member_power(st, "!r:x", "@eve:x"), 0);
	assert_int_equal(store_sync_members(st, "!r:x", &users), 0);
	assert_int_equal(users.n, 2);
	strv_release(&users);
	/* the same user in another room keeps that room's level */
	assert_int_equal(store_member_power(st, "!other:x", "@carol:x"), 0);
	store_close(st);
}

static void test_room_left_unlinks(void **state)
{
	struct store *st;
	struct issue_list l = { 0 };
	char err[256];
	int64_t cyber, ai;

	(void)state;
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_issue_add(st, "cyber", "Cybersecurity", 0, &cyber), 0);
	assert_int_equal(store_issue_add(st, "ai", "AI", 0, &ai), 0);
	assert_int_equal(store_issue_link(st, cyber, "!c:x", NULL, NULL), 0);
	assert_int_equal(store_issue_link(st, ai, "!a:x", NULL, NULL), 0);

	assert_int_equal(store_sync_room_left(st, "!c:x"), 0);
	assert_int_equal(store_issue_list(st, 0, &l), 0);
	assert_int_equal(l.n, 2);
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].id == cyber)
			assert_null(l.v[i].room_id);
		else
			assert_string_equal(l.v[i].room_id, "!a:x");
	}
	store_issue_list_release(&l);
	/* leaving a room no issue had is fine too */
	assert_int_equal(store_sync_room_left(st, "!none:x"), 0);
	store_close(st);
}

static void test_survives_reopen(void **state)
{
	char path[] = "/tmp/caucus-test-sync-XXXXXX";
	struct store *st;
	char err[256];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_handled_add(st, "$kept", 1000), 0);
	store_close(st);
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_handled_has(st, "$kept"), 1);
	store_close(st);
	unlink(path);
	for (const char *ext = "-wal"; ext; ext = ext[1] == 'w' ? "-shm" : NULL) {
		char p[64];
		snprintf(p, sizeof(p), "%s%s", path, ext);
		unlink(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handled),
		cmocka_unit_test(test_members_and_power),
		cmocka_unit_test(test_room_left_unlinks),
		cmocka_unit_test(test_survives_reopen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
