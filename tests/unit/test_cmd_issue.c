/*
 * test_cmd_issue.c - the issue and coverage commands (cmd_issue.c) driven
 * through the engine as a room member would, and the configuration sync
 * of store_issue.c.
 */
#include "testengine.h"

#include "store_issue.h"

static int setup(void **state)
{
	*state = te_new();
	return 0;
}

static int teardown(void **state)
{
	te_free(*state);
	return 0;
}

static void test_issues_lists_everything(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, COORD, BOB, "!cover cyber");
	r = te_say(t, COORD, ALICE, "!issues");
	assert_contains(r, "5 issues");
	assert_contains(r, "• Cybersecurity (cybersecurity, cyber, res130) — " CYBER "; lead Bob");
	assert_contains(r, "cyber, res130");
	assert_contains(r, CYBER);
	assert_contains(r, "Counterfeit devices (counterfeit, counterfeit-devices, res188) — no room");
	assert_contains(r, "no room");
	assert_contains(r, "no lead");
	assert_contains(r, "Bob");
	assert_int_equal(t->out.n, 1);
	assert_int_equal(t->out.v[0].mentions.n, 0);       /* answers mention nobody */
	assert_contains(t->out.v[0].html, "<li><b>Cybersecurity</b> (cybersecurity, cyber, res130)");
	assert_not_contains(t->out.v[0].html, "<table");
	r = te_say(t, CYBER, ALICE, "!issues");
	assert_contains(r, "this room");
	r = te_say(t, COORD, ALICE, "!issues now");
	assert_contains(r, "takes no arguments");
	assert_contains(r, "Usage: !issues");
}

static void test_issue_add(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, ALICE, "!issue add ots Over-the-top services");
	assert_contains(r, "Added Over-the-top services (ots)");
	assert_contains(r, "!issue room ots (creates #ots:example.org and invites you)");
	assert_contains(r, "!issue link ots");
	r = te_say(t, COORD, ALICE, "!issues");
	assert_contains(r, "6 issues");
	assert_contains(r, "Over-the-top services (ots)");
	r = te_say(t, COORD, ALICE, "!issue add Iot \"IoT and smart cities\"");
	assert_contains(r, "Added IoT and smart cities (iot)");
	r = te_say(t, COORD, ALICE, "!who-covers iot");
	assert_contains(r, "Nobody covers IoT and smart cities.");
}

static void test_issue_add_errors(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, BOB, "!issue add ots Over-the-top services");
	assert_contains(r, "only admins");
	r = te_say(t, COORD, ALICE, "!issue add ots");
	assert_contains(r, "give the issue a short slug and a name");
	assert_contains(r, "Usage: !issue add <slug> <name...>");
	r = te_say(t, COORD, ALICE, "!issue add RES130 Something");
	assert_contains(r, "'res130' is already taken by Cybersecurity.");
	r = te_say(t, COORD, ALICE, "!issue add privacy Something");
	assert_contains(r, "'privacy' is already taken by Privacy and data protection.");
	r = te_say(t, COORD, ALICE, "!issue add \"over the top\" OTT");
	assert_contains(r, "'over the top' cannot be a slug");
	assert_contains(r, "Usage:");
	r = te_say(t, COORD, ALICE, "!issue add today Today");
	assert_contains(r, "keyword");
	r = te_say(t, COORD, ALICE, "!issues");
	assert_contains(r, "5 issues");
}

static void test_issue_link(void **state)
{
	struct te *t = *state;
	const char *r;

	te_member(t, "!gender:example.org", ALICE, "Alice");
	r = te_say(t, "!gender:example.org", ALICE, "!issue link gender");
	assert_contains(r, "This room is now Gender's room");
	/* the room is now an issue room: its messages are the issue's */
	r = te_say(t, "!gender:example.org", ALICE, "!who-covers");
	assert_contains(r, "Nobody covers Gender.");

	/* relinking the cybersecurity room to gender undoes both old links */
	r = te_say(t, CYBER, ALICE, "!issue link gender");
	assert_contains(r, "This room is now Gender's room");
	assert_contains(r, "It was Cybersecurity's room before; Cybersecurity has no room now.");
	assert_contains(r, "Gender's previous room (!gender:example.org) is no longer linked.");
	r = te_say(t, CYBER, ALICE, "!who-covers");
	assert_contains(r, "Nobody covers Gender.");
	r = te_say(t, COORD, ALICE, "!issues");
	assert_contains(r, "Cybersecurity (cybersecurity, cyber, res130) — no room");

	r = te_say(t, PRIVACY, ALICE, "!issue link data");
	assert_contains(r, "This room is already Privacy and data protection's room.");
	r = te_say(t, COORD, ALICE, "!issue link gender");
	assert_contains(r, "coordination room");
	r = te_say(t, PRIVACY, ALICE, "!issue link");
	assert_contains(r, "Usage: !issue link <issue>");
	r = te_say(t, PRIVACY, ALICE, "!issue link nosuch");
	assert_contains(r, "no such issue 'nosuch'");
	r = te_say(t, PRIVACY, BOB, "!issue link gender");
	assert_contains(r, "only admins");
}

static void test_issue_alias(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, ALICE, "!issue alias gender Women");
	assert_contains(r, "Gender can now also be called 'women'.");
	r = te_say(t, COORD, ALICE, "!who-covers women");
	assert_contains(r, "Nobody covers Gender.");
	r = te_say(t, COORD, ALICE, "!issue alias gender cyber");
	assert_contains(r, "'cyber' is already taken by Cybersecurity.");
	r = te_say(t, COORD, ALICE, "!issue alias gender");
	assert_contains(r, "Usage: !issue alias <issue> <alias>");
	r = te_say(t, COORD, ALICE, "!issue alias gender a_b");
	assert_contains(r, "cannot be an alias");
	r = te_say(t, COORD, BOB, "!issue alias gender girls");
	assert_contains(r, "only admins");
}

static void test_cover_and_roles(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, BOB, "!cover cyber");
	assert_contains(r, "You now cover Cybersecurity as lead.");
	r = te_say(t, COORD, BOB, "!cover cyber");
	assert_contains(r, "You already cover Cybersecurity as lead.");
	r = te_say(t, COORD, BOB, "!cover cyber backup");
	assert_contains(r, "You now cover Cybersecurity as backup (was lead).");
	r = te_say(t, COORD, ALICE, "!cover res130 @carol:example.org backup");
	assert_contains(r, "Carol Smith now covers Cybersecurity as backup.");
	/* an unquoted display name of two words */
	r = te_say(t, COORD, ALICE, "!cover privacy Carol Smith");
	assert_contains(r, "Carol Smith now covers Privacy and data protection as lead.");
	r = te_say(t, COORD, ALICE, "!cover privacy lead Bob");
	assert_contains(r, "Bob now covers Privacy and data protection as lead.");
}

static void test_cover_in_issue_room(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, AI, ALICE, "!cover");
	assert_contains(r, "You now cover Artificial intelligence as lead.");
	r = te_say(t, AI, ALICE, "!cover backup");
	assert_contains(r, "You now cover Artificial intelligence as backup (was lead).");
	r = te_say(t, AI, ALICE, "!cover Bob");
	assert_contains(r, "Bob now covers Artificial intelligence as lead.");
	r = te_say(t, AI, ALICE, "!cover Carol Smith backup");
	assert_contains(r, "Carol Smith now covers Artificial intelligence as backup.");
	r = te_say(t, AI, ALICE, "!cover privacy");
	assert_contains(r, "You now cover Privacy and data protection as lead.");
}

static void test_cover_errors(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, ALICE, "!cover");
	assert_contains(r, "not an issue room");
	assert_contains(r, "Usage: !cover <issue> [user] [backup]");
	r = te_say(t, COORD, ALICE, "!cover cybr");
	assert_contains(r, "no such issue 'cybr'; did you mean");
	assert_contains(r, "Usage: !cover");
	r = te_say(t, COORD, ALICE, "!cover cyber Nobody");
	assert_contains(r, "no member of this room is called 'Nobody'");
	r = te_say(t, AI, ALICE, "!cover Nobody");
	assert_contains(r, "no such issue 'Nobody'");
	r = te_say(t, COORD, ALICE, "!who-covers cyber");
	assert_contains(r, "Nobody covers Cybersecurity.");
}

static void test_uncover(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, COORD, ALICE, "!cover cyber");
	te_say(t, COORD, BOB, "!cover cyber backup");
	r = te_say(t, COORD, ALICE, "!uncover cyber Bob");
	assert_contains(r, "Bob no longer covers Cybersecurity.");
	assert_not_contains(r, "no lead");
	r = te_say(t, COORD, ALICE, "!uncover cyber Bob");
	assert_contains(r, "Bob does not cover Cybersecurity.");
	r = te_say(t, CYBER, ALICE, "!uncover");
	assert_contains(r, "You no longer cover Cybersecurity.");
	assert_contains(r, "Cybersecurity has no lead now, and nobody covers it.");
	r = te_say(t, COORD, ALICE, "!uncover cyber backup");
	assert_contains(r, "takes no role");
	assert_contains(r, "Usage: !uncover <issue> [user]");
	r = te_say(t, COORD, ALICE, "!who-covers cyber");
	assert_contains(r, "Nobody covers Cybersecurity.");
}

static void test_who_covers(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, CYBER, BOB, "!who-covers");
	assert_string_equal(r, "Nobody covers Cybersecurity.\nNo session of Cybersecurity "
			    "is scheduled.");
	te_say(t, COORD, CAROL, "!cover cyber backup");
	r = te_say(t, COORD, BOB, "!who-covers cyber");
	assert_contains(r, "Cybersecurity has no lead; backup Carol Smith.");
	te_say(t, COORD, BOB, "!cover cyber");
	te_advance(t, 60);
	te_say(t, COORD, ALICE, "!cover cyber");
	r = te_say(t, COORD, DAVE, "!who-covers cyber");
	/* leads first, longest-serving first, then backups */
	assert_contains(r, "Cybersecurity: leads Bob, Alice; backup Carol Smith.");
	assert_contains(t->out.v[0].html, "https://matrix.to/#/@bob:example.org");

	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group @ Room D");
	r = te_say(t, COORD, DAVE, "!who-covers cyber");
	assert_contains(r, "Next session: #1 Drafting group, today 14:00-15:00 @ Room D; "
			"nobody attending yet.");
	te_say(t, COORD, BOB, "!attend 1");
	r = te_say(t, COORD, DAVE, "!who-covers res13");
	assert_contains(r, "Next session: #1 Drafting group, today 14:00-15:00 @ Room D; "
			"attending: Bob.");
	r = te_say(t, COORD, DAVE, "!who-covers cyber privacy");
	assert_contains(r, "Usage: !who-covers <issue>");
	r = te_say(t, COORD, DAVE, "!who-covers");
	assert_contains(r, "which issue?");
}

static void test_coverage(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, COORD, ALICE, "!cover cyber");
	te_say(t, COORD, BOB, "!cover cyber backup");
	te_say(t, COORD, CAROL, "!cover privacy backup");
	te_say(t, COORD, ALICE, "!session cyber 14:00 Drafting group");
	te_say(t, COORD, ALICE, "!session privacy 16:00 Plenary 3");
	te_say(t, COORD, ALICE, "!session ai tomorrow 12:00 Far away");
	te_say(t, COORD, BOB, "!attend 1");
	r = te_say(t, COORD, DAVE, "!coverage");
	assert_contains(r, "5 issues, 4 without a lead; 1 session in the next 24 h with "
			"nobody attending.");
	assert_contains(r, "• Cybersecurity — lead Alice; backup Bob");
	assert_contains(r, "• Privacy and data protection — NO LEAD; backup Carol Smith");
	assert_contains(r, "• Gender — NO LEAD\n");
	assert_contains(r, "Nobody attending (next 24 h)");
	assert_contains(r, "today 16:00-17:00 #2 Plenary 3 (Privacy and data protection): "
			"nobody attending");
	assert_not_contains(r, "Drafting group");
	assert_not_contains(r, "Far away");
	te_say(t, COORD, BOB, "!attend 2");
	r = te_say(t, COORD, DAVE, "!coverage");
	assert_contains(r, "every session in the next 24 h has someone attending.");
	r = te_say(t, COORD, DAVE, "!coverage everything");
	assert_contains(r, "Usage: !coverage");
}

/* The configuration sync: names and aliases follow the file; a room is
 * applied when the file's value changes, not over a link made in chat. */
static void test_upsert_config(void **state)
{
	struct te *t = *state;
	struct cfg_issue ci = { 0 };
	struct issue_list l = { 0 };
	char slug[] = "cybersecurity", name[] = "Cyber security", room[] = CYBER;
	char room2[] = "!cyber2:example.org", slug2[] = "iot", name2[] = "IoT and smart cities";
	const char *r;
	int64_t id;

	ci.slug = slug;
	ci.name = name;
	ci.room = room;
	strv_push(&ci.aliases, "cyber");
	strv_push(&ci.aliases, "cs");
	strv_push(&ci.aliases, "privacy");      /* another issue's slug: skipped */
	assert_int_equal(store_issue_upsert_config(t->st, &ci, T0_MS), 0);
	assert_int_equal(store_issue_find_exact(t->st, "CS", &id), 0);
	assert_int_equal(store_issue_list(t->st, id, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "Cyber security");
	assert_string_equal(l.v[0].slug, "cybersecurity");
	assert_int_equal(l.v[0].aliases.n, 3);
	assert_string_equal(l.v[0].aliases.v[0], "cs");
	store_issue_list_release(&l);

	/* a link changed from chat survives a restart with the same file */
	r = te_say(t, CYBER, ALICE, "!issue link gender");
	assert_contains(r, "This room is now Gender's room");
	assert_int_equal(engine_sync_config(t->eng), 0);
	r = te_say(t, CYBER, ALICE, "!who-covers");
	assert_contains(r, "Nobody covers Gender.");
	/* a changed file wins */
	ci.room = room2;
	assert_int_equal(store_issue_upsert_config(t->st, &ci, T0_MS), 0);
	assert_int_equal(store_issue_list(t->st, id, &l), 0);
	assert_string_equal(l.v[0].room_id, "!cyber2:example.org");
	store_issue_list_release(&l);

	/* a new issue from the file */
	ci.slug = slug2;
	ci.name = name2;
	ci.room = NULL;
	strv_release(&ci.aliases);
	strv_push(&ci.aliases, "smart-cities");
	assert_int_equal(store_issue_upsert_config(t->st, &ci, T0_MS), 0);
	r = te_say(t, COORD, ALICE, "!who-covers smart");
	assert_contains(r, "Nobody covers IoT and smart cities.");
	strv_release(&ci.aliases);
}


/* The request a command left after its answer (index i of t->out). */
static const struct engine_reply *request(struct te *t, size_t i, enum engine_kind kind)
{
	assert_true(t->out.n > i);
	assert_int_equal(t->out.v[i].kind, kind);
	return &t->out.v[i];
}

static void test_join(void **state)
{
	struct te *t = *state;
	const struct engine_reply *q;
	char eid[32];
	const char *r;

	/* dave is in the coordination and privacy rooms only */
	r = te_say(t, COORD, DAVE, "!join cyber");
	assert_contains(r, "Inviting you to Cybersecurity's room");
	assert_int_equal(t->out.n, 2);
	assert_int_equal(t->out.v[0].kind, ENGINE_POST);
	q = request(t, 1, ENGINE_INVITE);
	assert_string_equal(q->target, CYBER);
	assert_string_equal(q->user, DAVE);
	assert_string_equal(q->room_id, COORD);       /* a refusal is told where asked */
	assert_string_equal(q->reply_to, te_last_event(t, eid, sizeof(eid)));

	r = te_say(t, PRIVACY, DAVE, "!join data");
	assert_contains(r, "Cannot invite you to Privacy and data protection's room: you are "
			"already in it.");
	assert_int_equal(t->out.n, 1);
	r = te_say(t, COORD, DAVE, "!join gender");
	assert_contains(r, "Gender has no room yet; an admin can make one with !issue room "
			"gender.");
	assert_int_equal(t->out.n, 1);
	r = te_say(t, COORD, DAVE, "!join nosuch");
	assert_contains(r, "no such issue");
	assert_int_equal(t->out.n, 1);
	r = te_say(t, COORD, DAVE, "!join");
	assert_contains(r, "Usage: !join <issue>|all");
	/* a user who is not allowed gets nothing, and no invite */
	assert_null(te_say(t, COORD, MALLORY, "!join cyber"));
	assert_int_equal(t->out.n, 0);

	r = te_say(t, COORD, DAVE, "!join all");
	assert_contains(r, "Inviting you to 2 issue rooms");
	assert_contains(r, "Artificial intelligence");
	assert_contains(r, "Cybersecurity");
	assert_contains(r, "Already in: Privacy and data protection.");
	assert_contains(r, "No room yet: counterfeit, gender");
	assert_int_equal(t->out.n, 3);
	assert_string_equal(request(t, 1, ENGINE_INVITE)->target, AI);
	assert_string_equal(request(t, 2, ENGINE_INVITE)->target, CYBER);

	r = te_say(t, COORD, ALICE, "!join ALL");
	assert_int_equal(t->out.n, 1);
	assert_contains(r, "Already in: Artificial intelligence, Cybersecurity, Privacy");
	assert_null(strstr(r, "Inviting"));
}

static void test_issue_room(void **state)
{
	struct te *t = *state;
	const struct engine_reply *q;
	int64_t gender = engine_issue_id(t->eng, "gender");
	const char *r;

	r = te_say(t, COORD, BOB, "!issue room gender");
	assert_contains(r, "only admins may use !issue room");
	assert_int_equal(t->out.n, 1);

	r = te_say(t, CYBER, ALICE, "!issue room gender");
	assert_contains(r, "Creating Gender's room #gender:example.org (invite-only); I will "
			"invite you to it.");
	assert_int_equal(t->out.n, 2);
	q = request(t, 1, ENGINE_CREATE_ROOM);
	assert_true(gender > 0);
	assert_int_equal(q->issue_id, gender);
	assert_string_equal(q->user, ALICE);
	assert_string_equal(q->room_id, CYBER);
	assert_null(q->target);

	t->cfg.encryption = 1;
	r = te_say(t, COORD, ALICE, "!issue room counterfeit-devices");
	assert_contains(r, "Creating Counterfeit devices's room #counterfeit:example.org "
			"(invite-only, encrypted)");
	assert_contains(request(t, 1, ENGINE_CREATE_ROOM)->body, "(encrypted)");
	t->cfg.encryption = 0;

	r = te_say(t, COORD, ALICE, "!issue room cyber");
	assert_contains(r, "Cybersecurity already has a room; !join cybersecurity gets you an "
			"invite to it.");
	assert_int_equal(t->out.n, 1);
	r = te_say(t, COORD, ALICE, "!issue room");
	assert_contains(r, "Usage: !issue room <issue>");
	r = te_say(t, COORD, ALICE, "!issue room nosuch");
	assert_contains(r, "no such issue");
	assert_int_equal(t->out.n, 1);
}

/* A room linked from chat joins the Space, once there is one. */
static void test_issue_link_space(void **state)
{
	struct te *t = *state;
	const char *r;

	te_member(t, "!gender:example.org", ALICE, "Alice");
	r = te_say(t, "!gender:example.org", ALICE, "!issue link gender");
	assert_contains(r, "now");
	assert_int_equal(t->out.n, 1);         /* no Space: nothing to add to */
	assert_int_equal(store_meta_set(t->st, "space_room_id", "!space:example.org"), 0);
	te_member(t, "!g2:example.org", ALICE, "Alice");
	te_say(t, "!g2:example.org", ALICE, "!issue link gender");
	assert_int_equal(t->out.n, 2);
	assert_string_equal(request(t, 1, ENGINE_SPACE_ADD)->target, "!g2:example.org");
	/* linking the same room again asks for nothing */
	r = te_say(t, "!g2:example.org", ALICE, "!issue link gender");
	assert_contains(r, "already");
	assert_int_equal(t->out.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_issues_lists_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_add_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_link_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cover_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cover_in_issue_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cover_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_who_covers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coverage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upsert_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
