/*
 * test_cmd_people.c - reactions as commands (👍/✋ attend, their redaction
 * skips, ✅ closes an action), escalation of sessions nobody attends,
 * shifts that end by themselves and !handover, through the engine as the
 * console drives it.  The bot's messages get event IDs here the way the
 * daemon's outbox gives them: by recording what a reply is about.
 *
 * The clock starts on Monday 2018-11-05 09:00 in Dubai.
 */
#include "testengine.h"

#include "store_people.h"

#define H 3600
#define THUMBS "\xf0\x9f\x91\x8d"              /* U+1F44D */
#define THUMBS_VS THUMBS "\xef\xb8\x8f"        /* with U+FE0F */
#define HAND "\xe2\x9c\x8b"                    /* U+270B */
#define CHECK "\xe2\x9c\x85"                   /* U+2705 */
#define HEART "\xe2\x9d\xa4\xef\xb8\x8f"

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

/* Give reply i of t->out the event ID event_id, as the server would once
 * the outbox sent it: what it is about is kept under that ID. */
static void sent_as(struct te *t, size_t i, const char *event_id)
{
	const struct engine_reply *r;

	assert_true(i < t->out.n);
	r = &t->out.v[i];
	assert_non_null(r->about);
	assert_int_equal(store_bot_event_add(t->st, event_id, r->room_id, r->about, t->now_ms), 0);
}

static const char *react(struct te *t, const char *room, const char *sender,
			 const char *target, const char *key, const char *reaction)
{
	engine_replies_release(&t->out);
	assert_int_equal(engine_reaction(t->eng, room, sender, target, key, reaction, &t->out), 0);
	te_check_replies(t);
	return t->out.n ? t->out.v[0].body : NULL;
}

static const char *unreact(struct te *t, const char *room, const char *reaction)
{
	engine_replies_release(&t->out);
	assert_int_equal(engine_unreaction(t->eng, room, reaction, &t->out), 0);
	te_check_replies(t);
	return t->out.n ? t->out.v[0].body : NULL;
}

static void test_thumbs_up_attends_and_its_redaction_skips(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, CYBER, ALICE, "!session 14:00 Drafting group on Res. 130");
	assert_contains(r, "Scheduled #1");
	assert_string_equal(t->out.v[0].about, "session:1");
	sent_as(t, 0, "$announce");

	/* with the variation selector, as most clients send it */
	r = react(t, CYBER, BOB, "$announce", THUMBS_VS, "$react1");
	assert_contains(r, "Bob");
	assert_contains(r, "will attend #1 Drafting group");
	assert_contains(r, "Attending #1: Bob");
	assert_string_equal(t->out.v[0].reply_to, "$announce");
	assert_contains(te_say(t, CYBER, ALICE, "!sessions"), "Bob");

	/* ✋ as well, without the selector */
	r = react(t, CYBER, CAROL, "$announce", HAND, "$react2");
	assert_contains(r, "Attending #1: Bob, Carol Smith");

	/* removing the reaction is !skip */
	r = unreact(t, CYBER, "$react1");
	assert_contains(r, "no longer attends #1");
	assert_contains(r, "Attending #1: Carol Smith");
	r = te_say(t, CYBER, ALICE, "!sessions");
	assert_not_contains(r, "Bob");
	/* a second redaction of it (or of any other event) says nothing */
	assert_null(unreact(t, CYBER, "$react1"));
	assert_null(unreact(t, CYBER, "$ev1"));
}

static void test_reactions_that_do_nothing(void **state)
{
	struct te *t = *state;

	te_say(t, CYBER, ALICE, "!session 14:00 Drafting group");
	sent_as(t, 0, "$announce");
	/* an ordinary emoji, an unknown message, a message of someone else */
	assert_null(react(t, CYBER, BOB, "$announce", HEART, "$r1"));
	assert_null(react(t, CYBER, BOB, "$somebody-elses", THUMBS, "$r2"));
	assert_null(react(t, CYBER, BOB, "$ev1", THUMBS, "$r3"));
	/* the same message in another room is not the bot's there */
	assert_null(react(t, PRIVACY, BOB, "$announce", THUMBS, "$r4"));
	/* a user outside allowed_users changes nothing and hears nothing */
	assert_null(react(t, CYBER, MALLORY, "$announce", THUMBS, "$r5"));
	assert_contains(te_say(t, CYBER, ALICE, "!sessions"), "nobody attending");
	/* a known announcement with the wrong command emoji is answered */
	assert_contains(react(t, CYBER, BOB, "$announce", CHECK, "$r6"), "closes action items");
	assert_contains(te_say(t, CYBER, ALICE, "!sessions"), "nobody attending");
	/* the bot's memory of its messages is purged with age */
	t->now_ms += 31LL * 86400 * 1000;
	assert_int_equal(engine_purge(t->eng), 0);
	assert_null(react(t, CYBER, BOB, "$announce", THUMBS, "$r7"));
}

static void test_reminder_reaction_attends(void **state)
{
	struct te *t = *state;

	te_say(t, CYBER, ALICE, "!session 09:40 Drafting group");
	te_say(t, CYBER, ALICE, "!session 09:40 Contact group");
	te_advance(t, 10 * 60);         /* 09:10: the 30-minute reminders */
	assert_int_equal(te_due(t), 1);
	assert_string_equal(t->out.v[0].about, "session:1 session:2");
	sent_as(t, 0, "$both");
	/* one reminder of two sessions: which one is asked */
	assert_contains(react(t, CYBER, BOB, "$both", THUMBS, "$r1"), "about 2 sessions");
	te_ack_all(t);
	te_say(t, CYBER, ALICE, "!cancel 2");
	te_advance(t, 25 * 60);         /* 09:35: the 5-minute one, of #1 only */
	assert_int_equal(te_due(t), 1);
	assert_string_equal(t->out.v[0].about, "session:1");
	sent_as(t, 0, "$one");
	assert_contains(react(t, CYBER, BOB, "$one", THUMBS, "$r2"), "will attend #1");
}

static void test_check_mark_closes_action(void **state)
{
	struct te *t = *state;
	char cmd[32];
	const char *r;

	r = te_say(t, CYBER, ALICE, "!action @bob:example.org draft the amendment");
	assert_contains(r, "Action #1");
	assert_string_equal(t->out.v[0].about, "action:1");
	sent_as(t, 0, "$action-answer");
	assert_contains(react(t, CYBER, BOB, "$action-answer", THUMBS, "$r0"), "to close action #1");
	r = react(t, CYBER, BOB, "$action-answer", CHECK "\xef\xb8\x8f", "$r1");
	assert_contains(r, "Action #1 done");
	assert_contains(te_say(t, CYBER, ALICE, "!actions"), "No open actions");
	/* ✅ on the !action message itself works too */
	te_say(t, CYBER, ALICE, "!action @carol:example.org call the Kenyan delegation");
	te_last_event(t, cmd, sizeof(cmd));
	assert_contains(react(t, CYBER, CAROL, cmd, CHECK, "$r2"), "Action #2 done");
	/* and a second ✅ says it was closed already */
	assert_contains(react(t, CYBER, BOB, cmd, CHECK, "$r3"), "already closed");
}

static size_t count_to(struct te *t, const char *room, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < t->out.n; i++)
		n += !strcmp(t->out.v[i].room_id, room) && strstr(t->out.v[i].body, needle);
	return n;
}

static void test_escalation_once_and_only_when_nobody_attends(void **state)
{
	struct te *t = *state;
	const struct engine_reply *r = NULL;

	t->cfg.remind_escalate = 15 * 60;
	t->cfg.n_remind_before = 0;
	te_say(t, CYBER, ALICE, "!cover cyber");
	te_say(t, CYBER, ALICE, "!cover cyber @bob:example.org backup");
	te_say(t, CYBER, ALICE, "!session 10:00 Drafting group @ Room D");     /* #1 */
	te_say(t, CYBER, ALICE, "!session 10:00 Contact group");               /* #2 */
	te_say(t, CYBER, CAROL, "!attend 2");
	te_advance(t, 44 * 60);                 /* 09:44: not yet */
	assert_int_equal(te_due(t), 0);
	te_advance(t, 60);                      /* 09:45 */
	te_due(t);
	assert_int_equal(count_to(t, CYBER, "Nobody is going to #1"), 1);
	assert_int_equal(count_to(t, COORD, "Nobody is going to #1"), 1);
	assert_int_equal(count_to(t, CYBER, "#2"), 0);      /* Carol goes */
	assert_int_equal(count_to(t, COORD, "#2"), 0);
	for (size_t i = 0; i < t->out.n; i++)
		if (!strcmp(t->out.v[i].room_id, COORD))
			r = &t->out.v[i];
	assert_non_null(r);
	assert_contains(r->body, "React \xe2\x9c\x8b to go");
	assert_contains(r->body, "Lead: Alice; backup: Bob");
	assert_true(strv_has(&r->mentions, ALICE) && strv_has(&r->mentions, BOB));
	assert_string_equal(r->about, "session:1");
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);         /* once */
	/* also across a restart: a new engine over the same store */
	engine_free(t->eng);
	t->eng = engine_new(&t->cfg, t->st, (struct engine_clock){ te_clock, t });
	te_advance(t, 60);
	assert_int_equal(te_due(t), 0);
}

static void test_escalation_not_for_attended_or_late_scheduled(void **state)
{
	struct te *t = *state;

	t->cfg.remind_escalate = 15 * 60;
	t->cfg.n_remind_before = 0;
	te_say(t, CYBER, ALICE, "!session 10:00 Drafting group");
	te_advance(t, 40 * 60);                 /* 09:40 */
	te_say(t, CYBER, BOB, "!attend 1");
	te_advance(t, 5 * 60);                  /* 09:45: Bob goes: nothing */
	assert_int_equal(te_due(t), 0);
	/* scheduled after its escalation time: its answer said nobody attends */
	te_say(t, CYBER, ALICE, "!session 09:55 Side meeting");
	te_advance(t, 60);
	assert_int_equal(te_due(t), 0);
	/* off: "" */
	t->cfg.remind_escalate = 0;
	te_say(t, CYBER, ALICE, "!session 11:00 Contact group");
	te_advance(t, 60 * 60);
	assert_int_equal(te_due(t), 0);
}

static void test_shift_ends_by_itself(void **state)
{
	struct te *t = *state;
	const char *r;

	t->cfg.n_remind_before = 0;
	r = te_say(t, CYBER, BOB, "!cover cyber until 18:00");
	assert_contains(r, "You now cover Cybersecurity as lead until 18:00.");
	te_say(t, CYBER, CAROL, "!cover cyber backup");
	assert_contains(te_say(t, CYBER, ALICE, "!who-covers"), "lead Bob (until 18:00)");
	assert_contains(te_say(t, COORD, ALICE, "!coverage"), "lead Bob (until 18:00)");
	assert_contains(te_say(t, CYBER, BOB, "!cover cyber until 08:00"), "already past");
	te_advance(t, 9 * H - 60);              /* 17:59 */
	assert_int_equal(te_due(t), 0);
	te_advance(t, 60);                      /* 18:00 */
	assert_int_equal(te_due(t), 1);
	assert_string_equal(t->out.v[0].room_id, COORD);
	assert_contains(t->out.v[0].body, "Cybersecurity has no lead now");
	assert_contains(t->out.v[0].body, "Backup: Carol Smith");
	te_ack_all(t);
	assert_int_equal(te_due(t), 0);         /* told once */
	r = te_say(t, CYBER, ALICE, "!who-covers");
	assert_contains(r, "Cybersecurity has no lead");
	assert_not_contains(r, "Bob");
	/* the log keeps it: !catchup and the digest show it */
	assert_contains(te_say(t, CYBER, ALICE, "!catchup since 09:00"), "Shift ended: Bob");
	te_advance(t, 5 * H);                   /* 23:00: the digest */
	te_due(t);
	assert_true(count_to(t, CYBER, "Shift ended: Bob") == 1);
}

static void test_backup_shift_end_is_quiet_and_cover_clears_until(void **state)
{
	struct te *t = *state;

	t->cfg.n_remind_before = 0;
	te_say(t, CYBER, ALICE, "!cover cyber");
	te_say(t, CYBER, BOB, "!cover cyber backup until 12:00");
	te_say(t, CYBER, CAROL, "!cover cyber until 12:00");
	/* a plain !cover again makes Carol's cover lasting */
	assert_contains(te_say(t, CYBER, CAROL, "!cover cyber"), "now cover Cybersecurity as lead.");
	te_advance(t, 3 * H);
	assert_int_equal(te_due(t), 0);         /* leads remain: nobody is told */
	assert_contains(te_say(t, CYBER, ALICE, "!who-covers"), "leads Alice, Carol Smith.");
}

static void test_handover(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, ALICE, "!cover cyber");
	r = te_say(t, CYBER, ALICE, "!handover cyber @bob:example.org the text is in DT/64");
	assert_contains(r, "Handover: Bob now leads Cybersecurity; you are backup.");
	assert_contains(r, "Note: the text is in DT/64");
	assert_true(strv_has(&t->out.v[0].mentions, BOB));
	assert_contains(te_say(t, CYBER, CAROL, "!who-covers"), "lead Bob; backup Alice.");
	r = te_say(t, CYBER, CAROL, "!log");
	assert_contains(r, "Handover: Alice hands the lead to Bob: the text is in DT/64");
	assert_contains(te_say(t, CYBER, CAROL, "!catchup since 08:00"), "Handover: Alice");
	/* from elsewhere, the issue room is told, mentioning the new lead */
	r = te_say(t, COORD, BOB, "!handover cyber \"Carol Smith\" over to you");
	assert_contains(r, "I told Carol Smith in the Cybersecurity room.");
	assert_int_equal(t->out.n, 2);
	assert_string_equal(t->out.v[1].room_id, CYBER);
	assert_contains(t->out.v[1].body, "now leads Cybersecurity, from Bob");
	assert_true(strv_has(&t->out.v[1].mentions, CAROL));
	/* errors */
	assert_contains(te_say(t, CYBER, DAVE, "!handover cyber @bob:example.org"),
			"you do not lead Cybersecurity");
	assert_contains(te_say(t, CYBER, CAROL, "!handover cyber @carol:example.org"),
			"to yourself");
	assert_contains(te_say(t, CYBER, CAROL, "!handover"), "Usage: !handover");
	assert_contains(te_say(t, CYBER, CAROL, "!handover cyber"), "to whom?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_thumbs_up_attends_and_its_redaction_skips,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reactions_that_do_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reminder_reaction_attends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_mark_closes_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation_once_and_only_when_nobody_attends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation_not_for_attended_or_late_scheduled,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_shift_ends_by_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_shift_end_is_quiet_and_cover_clears_until,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_handover, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
