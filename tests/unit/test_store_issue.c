/*
 * test_store_issue.c - the issue queries (store_issue.c): issues and
 * aliases in one case-insensitive name space, room links that move,
 * coverage with its roles and order, the lookups behind name resolution,
 * and the issues a configuration file describes.
 */
#include "testutil.h"

#include "config.h"
#include "store.h"
#include "store_issue.h"

struct fixture {
	struct store *st;
	int64_t cyber, privacy;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[256];

	f->st = store_open(":memory:", err, sizeof(err));
	assert_non_null(f->st);
	assert_int_equal(store_issue_add(f->st, "privacy", "Privacy", 1, &f->privacy), 0);
	assert_int_equal(store_issue_add(f->st, "cyber", "Cybersecurity", 1, &f->cyber), 0);
	assert_int_equal(store_issue_alias_add(f->st, f->cyber, "security"), 0);
	assert_int_equal(store_issue_alias_add(f->st, f->cyber, "cs"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	free(f);
	return 0;
}

static void test_find_exact(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *name;
		int rc;
		int cyber;      /* 1: the cyber issue, 0: privacy */
	} rows[] = {
		{ "cyber", 0, 1 },
		{ "CYBER", 0, 1 },
		{ "Security", 0, 1 },
		{ "cs", 0, 1 },
		{ "privacy", 0, 0 },
		{ "priv", 1, 0 },               /* exact only: no prefixes */
		{ "Cybersecurity", 1, 0 },      /* the name is not a slug */
		{ "", 1, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t id = -5;

		assert_int_equal(store_issue_find_exact(f->st, rows[i].name, &id), rows[i].rc);
		if (rows[i].rc == 0)
			assert_int_equal(id, rows[i].cyber ? f->cyber : f->privacy);
		else
			assert_int_equal(id, 0);
	}
}

static void test_link_moves(void **state)
{
	struct fixture *f = *state;
	int64_t old_issue = -1;
	char *old_room = NULL, *slug, *name, *room;

	assert_int_equal(store_issue_link(f->st, f->cyber, "!a:x", &old_issue, &old_room), 0);
	assert_int_equal(old_issue, 0);
	assert_null(old_room);
	/* the same link again changes nothing and reports nothing */
	assert_int_equal(store_issue_link(f->st, f->cyber, "!a:x", &old_issue, &old_room), 0);
	assert_int_equal(old_issue, 0);
	assert_null(old_room);
	/* a new room for cyber: the old one is handed back */
	assert_int_equal(store_issue_link(f->st, f->cyber, "!b:x", &old_issue, &old_room), 0);
	assert_int_equal(old_issue, 0);
	assert_string_equal(old_room, "!a:x");
	free(old_room);
	/* privacy takes cyber's room: cyber loses it */
	assert_int_equal(store_issue_link(f->st, f->privacy, "!b:x", &old_issue, NULL), 0);
	assert_int_equal(old_issue, f->cyber);
	assert_int_equal(store_lookup_issue(f->st, f->cyber, &slug, &name, &room), 0);
	assert_string_equal(slug, "cyber");
	assert_string_equal(name, "Cybersecurity");
	assert_null(room);
	free(slug);
	free(name);
	assert_int_equal(store_lookup_room_issue(f->st, "!b:x"), f->privacy);
	assert_int_equal(store_lookup_room_issue(f->st, "!a:x"), 0);
	assert_int_equal(store_lookup_issue(f->st, f->cyber + 100, &slug, &name, &room), 1);
	assert_null(slug);
	assert_null(name);
	assert_null(room);
}

/* Inside a transaction a room's issue is kept between look-ups
 * (store_int.h): a link, a move and a rolled-back link are each seen at
 * the next look-up. */
static void test_room_issue_kept(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!k:x"), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!k:x"), 0);
	assert_int_equal(store_issue_link(f->st, f->cyber, "!k:x", NULL, NULL), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!k:x"), f->cyber);
	assert_int_equal(store_issue_link(f->st, f->privacy, "!k:x", NULL, NULL), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!k:x"), f->privacy);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_issue_link(f->st, f->cyber, "!k:x", NULL, NULL), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!k:x"), f->cyber);
	assert_int_equal(store_rollback(f->st), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!k:x"), f->privacy);
	assert_int_equal(store_rollback(f->st), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!k:x"), 0);
}

/* An alias a file gave resolves to a room ID. */
static void test_resolve_room(void **state)
{
	struct fixture *f = *state;
	char *slug, *name, *room;

	assert_int_equal(store_issue_link(f->st, f->cyber, "#cyber:x", NULL, NULL), 0);
	assert_int_equal(store_lookup_resolve_room(f->st, "#cyber:x", "!c:x"), 0);
	assert_int_equal(store_lookup_resolve_room(f->st, "#nobody:x", "!n:x"), 0);
	assert_int_equal(store_lookup_issue(f->st, f->cyber, &slug, &name, &room), 0);
	assert_string_equal(room, "!c:x");
	free(slug);
	free(name);
	free(room);
	assert_int_equal(store_lookup_room_issue(f->st, "!c:x"), f->cyber);
	assert_int_equal(store_lookup_room_issue(f->st, "!n:x"), 0);
}

static void test_lookup_names_and_ids(void **state)
{
	struct fixture *f = *state;
	struct strv names = { 0 };
	int64_t *ids = NULL;
	size_t n = 0;
	static const char *const want[] = { "cs", "cyber", "privacy", "security" };

	assert_int_equal(store_lookup_names(f->st, &names, &ids), 0);
	assert_int_equal(names.n, 4);
	for (size_t i = 0; i < names.n; i++) {
		assert_string_equal(names.v[i], want[i]);
		assert_int_equal(ids[i], strcmp(want[i], "privacy") ? f->cyber : f->privacy);
	}
	strv_release(&names);
	free(ids);

	/* every issue by slug, not by name or number */
	assert_int_equal(store_issue_ids(f->st, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], f->cyber);
	assert_int_equal(ids[1], f->privacy);
	free(ids);
}

static void test_cover(void **state)
{
	struct fixture *f = *state;
	struct strv leads = { 0 }, backups = { 0 };
	struct issue_list l = { 0 };
	char *old = NULL;

	assert_int_equal(store_cover_set(f->st, f->cyber, "@carol:x", "lead", 300, &old), 0);
	assert_null(old);
	assert_int_equal(store_cover_set(f->st, f->cyber, "@alice:x", "lead", 100, &old), 0);
	assert_int_equal(store_cover_set(f->st, f->cyber, "@bob:x", "backup", 200, &old), 0);
	assert_int_equal(store_cover_set(f->st, f->privacy, "@dave:x", "lead", 50, &old), 0);
	/* an unchanged role keeps its since (alice stays the longest-serving) */
	assert_int_equal(store_cover_set(f->st, f->cyber, "@alice:x", "lead", 900, &old), 0);
	assert_string_equal(old, "lead");
	free(old);
	assert_int_equal(store_cover_list(f->st, f->cyber, &leads, &backups), 0);
	assert_int_equal(leads.n, 2);
	assert_string_equal(leads.v[0], "@alice:x");
	assert_string_equal(leads.v[1], "@carol:x");
	assert_int_equal(backups.n, 1);
	assert_string_equal(backups.v[0], "@bob:x");
	strv_release(&leads);
	strv_release(&backups);

	/* a changed role starts again: bob the lead comes after carol */
	assert_int_equal(store_cover_set(f->st, f->cyber, "@bob:x", "lead", 400, &old), 0);
	assert_string_equal(old, "backup");
	free(old);
	assert_int_equal(store_cover_remove(f->st, f->cyber, "@alice:x"), 0);
	assert_int_equal(store_cover_remove(f->st, f->cyber, "@alice:x"), 1);
	assert_int_equal(store_cover_list(f->st, f->cyber, &leads, &backups), 0);
	assert_int_equal(leads.n, 2);
	assert_string_equal(leads.v[0], "@carol:x");
	assert_string_equal(leads.v[1], "@bob:x");
	assert_int_equal(backups.n, 0);
	strv_release(&leads);
	strv_release(&backups);

	/* the list: by name, with aliases by name, leads and backups */
	assert_int_equal(store_issue_list(f->st, 0, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].slug, "cyber");
	assert_int_equal(l.v[0].aliases.n, 2);
	assert_string_equal(l.v[0].aliases.v[0], "cs");
	assert_string_equal(l.v[0].aliases.v[1], "security");
	assert_int_equal(l.v[0].leads.n, 2);
	assert_string_equal(l.v[1].slug, "privacy");
	assert_int_equal(l.v[1].aliases.n, 0);
	assert_int_equal(l.v[1].leads.n, 1);
	assert_string_equal(l.v[1].leads.v[0], "@dave:x");
	assert_null(l.v[1].room_id);
	store_issue_list_release(&l);
	assert_int_equal(store_issue_list(f->st, f->privacy, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "Privacy");
	store_issue_list_release(&l);
	store_issue_row_release(NULL);
}

/* SPEC §5: the file's issues are created or updated at start. */
static void test_upsert_config(void **state)
{
	struct fixture *f = *state;
	char c_slug[] = "cyber", c_name[] = "Cyber security", c_room[] = "#cyber:x";
	char c_room2[] = "!d:x", t_slug[] = "security", t_name[] = "Clash";
	char t_slug2[] = "trade";
	struct cfg_issue ci = { .slug = c_slug, .name = c_name, .room = c_room };
	struct cfg_issue taken = { .slug = t_slug, .name = t_name };
	struct issue_list l = { 0 };
	int64_t id;
	char *slug, *name, *room;

	strv_push(&ci.aliases, "cyb");
	strv_push(&ci.aliases, "privacy");      /* names another issue: skipped */
	assert_int_equal(store_issue_upsert_config(f->st, &ci, 10), 0);
	assert_int_equal(store_issue_find_exact(f->st, "cyb", &id), 0);
	assert_int_equal(id, f->cyber);
	assert_int_equal(store_issue_find_exact(f->st, "privacy", &id), 0);
	assert_int_equal(id, f->privacy);
	assert_int_equal(store_lookup_issue(f->st, f->cyber, &slug, &name, &room), 0);
	assert_string_equal(name, "Cyber security");
	assert_string_equal(room, "#cyber:x");
	free(slug);
	free(name);
	free(room);

	/* the alias resolves; the unchanged file does not undo that */
	assert_int_equal(store_lookup_resolve_room(f->st, "#cyber:x", "!c:x"), 0);
	assert_int_equal(store_issue_upsert_config(f->st, &ci, 20), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!c:x"), f->cyber);
	/* a changed file's room is applied */
	ci.room = c_room2;
	assert_int_equal(store_issue_upsert_config(f->st, &ci, 30), 0);
	assert_int_equal(store_lookup_room_issue(f->st, "!d:x"), f->cyber);

	/* a slug that is another issue's alias is not created */
	assert_int_equal(store_issue_upsert_config(f->st, &taken, 40), 0);
	assert_int_equal(store_issue_list(f->st, 0, &l), 0);
	assert_int_equal(l.n, 2);
	store_issue_list_release(&l);
	/* a new slug is created, named after itself when the file names none */
	taken.slug = t_slug2;
	taken.name = NULL;
	assert_int_equal(store_issue_upsert_config(f->st, &taken, 50), 0);
	assert_int_equal(store_issue_find_exact(f->st, "trade", &id), 0);
	assert_int_equal(store_lookup_issue(f->st, id, &slug, &name, &room), 0);
	assert_string_equal(name, "trade");
	assert_null(room);
	free(slug);
	free(name);
	strv_release(&ci.aliases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_names_and_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upsert_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_issue_kept, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
