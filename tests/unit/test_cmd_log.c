/*
 * test_cmd_log.c - the log commands (cmd_log.c) driven through the engine
 * as room members would: notes, decisions, action items, positions, the
 * log, full-text search (never leaking another room's entries, safe with
 * any query), catch-up, and what edits, redactions and retention do to
 * the log (store_log.c).
 */
#include "testengine.h"

#include "store_log.h"
#include "store_room.h"

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

static const char *html0(struct te *t)
{
	return t->out.n ? t->out.v[0].html : NULL;
}

/* ---- notes and decisions ---- */

static void test_note_and_decision(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, CYBER, ALICE, "!note Brazil will table an amendment to Res 130");
	assert_contains(r, "Note #1 kept in the Cybersecurity log.");
	assert_int_equal(t->out.v[0].mentions.n, 0);
	r = te_say(t, CYBER, BOB, "!decision we back the CEPT text");
	assert_contains(r, "Decision #2 kept in the Cybersecurity log.");
	r = te_say(t, CYBER, ALICE, "!log");
	assert_contains(r, "All 2 entries of the Cybersecurity log");
	assert_contains(r, "09:00 Alice (note): Brazil will table an amendment to Res 130");
	assert_contains(r, "09:00 Bob (decision): we back the CEPT text");
}

static void test_note_errors(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, ALICE, "!note something");
	assert_contains(r, "this is not an issue room; notes go in an issue's room.");
	assert_contains(r, "Usage: !note <text>");
	r = te_say(t, COORD, ALICE, "!decision something");
	assert_contains(r, "decisions go in an issue's room.");
	r = te_say(t, CYBER, ALICE, "!note");
	assert_contains(r, "what should the note say?");
	assert_contains(r, "Usage: !note <text>");
	r = te_say(t, CYBER, ALICE, "!decision");
	assert_contains(r, "what should the decision say?");
	r = te_say(t, CYBER, ALICE, "!log");
	assert_contains(r, "The Cybersecurity log is empty.");
}

static void test_note_html_escaped(void **state)
{
	struct te *t = *state;

	te_say(t, CYBER, ALICE, "!note <script>alert(1)</script> & \"quotes\"");
	te_say(t, CYBER, ALICE, "!log");
	assert_contains(html0(t), "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;");
	assert_not_contains(html0(t), "<script>");
	assert_contains(t->out.v[0].body, "<script>alert(1)</script> & \"quotes\"");
}

static void test_long_entry_clipped_whole_char(void **state)
{
	struct te *t = *state;
	struct buf b;
	const char *r;

	buf_init(&b, 0);
	buf_puts(&b, "!note x");
	for (int i = 0; i < 400; i++)
		buf_puts(&b, "é");
	buf_puts(&b, " THE-END\nsecond line");
	te_say(t, CYBER, ALICE, b.data);
	r = te_say(t, CYBER, ALICE, "!log");
	/* 300 bytes: "x" and 149 two-byte characters, never half of one */
	assert_contains(r, "Alice (note): xé");
	assert_string_equal(r + strlen(r) - strlen("éé…"), "éé…");
	assert_not_contains(r, "THE-END");
	assert_int_equal(strstr(r, "…") - strstr(r, "xé"), 299);
	/* the log keeps it whole: the end is still found */
	r = te_say(t, CYBER, ALICE, "!search the-end");
	assert_contains(r, "1 match");
	buf_release(&b);
}

/* ---- action items ---- */

static void test_action_mentions_assignee(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, CYBER, ALICE, "!action Bob draft our statement for Com 5");
	assert_contains(r, "Action #1 for Bob: draft our statement for Com 5");
	assert_contains(r, "Close it with !done 1, or react");
	assert_int_equal(t->out.v[0].mentions.n, 1);
	assert_string_equal(t->out.v[0].mentions.v[0], BOB);
	assert_contains(html0(t), "<a href=\"https://matrix.to/#/@bob:example.org\">Bob</a>");

	/* a pill in the formatted body, and a display name with a space */
	r = te_say_html(t, CYBER, ALICE, "!action Carol Smith: check the CITEL proposal",
			"!action <a href=\"https://matrix.to/#/@carol:example.org\">Carol Smith</a>: "
			"check the CITEL proposal");
	assert_contains(r, "Action #2 for Carol Smith");
	assert_string_equal(t->out.v[0].mentions.v[0], CAROL);
	r = te_say(t, CYBER, ALICE, "!action \"Carol Smith\" call the APT chair");
	assert_contains(r, "Action #3 for Carol Smith: call the APT chair");
	r = te_say(t, CYBER, ALICE, "!log 1");
	assert_contains(r, "Alice (action): \"Carol Smith\" call the APT chair");
}

static void test_action_errors(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, ALICE, "!action Bob do it");
	assert_contains(r, "this is not an issue room; action items go in an issue's room.");
	r = te_say(t, CYBER, ALICE, "!action");
	assert_contains(r, "who should do what?");
	assert_contains(r, "Usage: !action <user> <text>");
	r = te_say(t, CYBER, ALICE, "!action Bob");
	assert_contains(r, "what should they do?");
	r = te_say(t, CYBER, ALICE, "!action Zed do it");
	assert_contains(r, "no member of this room is called 'Zed'");
	assert_int_equal(t->out.v[0].mentions.n, 0);
	/* dave is not in the cyber room */
	r = te_say(t, CYBER, ALICE, "!action Dave do it");
	assert_contains(r, "no member of this room is called 'Dave'");
	r = te_say(t, CYBER, ALICE, "!actions");
	assert_contains(r, "No open actions in Cybersecurity.");
}

static void test_done(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, ALICE, "!action Bob draft our statement");
	te_say(t, CYBER, ALICE, "!action Alice read the RCC text");
	r = te_say(t, CYBER, CAROL, "!done 1");
	assert_contains(r, "Action #1 done, closed by Carol Smith: draft our statement "
			   "(it was for Bob)");
	assert_int_equal(t->out.v[0].mentions.n, 1);
	assert_string_equal(t->out.v[0].mentions.v[0], BOB);
	r = te_say(t, CYBER, ALICE, "!done #2");
	assert_contains(r, "Action #2 done, closed by Alice: read the RCC text");
	assert_not_contains(r, "it was for");
	assert_int_equal(t->out.v[0].mentions.n, 0);
	te_advance(t, 600);
	r = te_say(t, CYBER, BOB, "!done 1");
	assert_contains(r, "action #1 was already closed, by Carol Smith at 09:00.");
	r = te_say(t, CYBER, BOB, "!done 99");
	assert_contains(r, "no action #99; !actions lists the open ones.");
	r = te_say(t, CYBER, BOB, "!done x");
	assert_contains(r, "'x' is not a valid action number.");
	assert_contains(r, "Usage: !done <n>");
	r = te_say(t, CYBER, BOB, "!done");
	assert_contains(r, "which action?");
	r = te_say(t, CYBER, BOB, "!done 1 2");
	assert_contains(r, "one action number at a time.");
	r = te_say(t, CYBER, BOB, "!actions");
	assert_contains(r, "No open actions in Cybersecurity.");
}

static void test_done_needs_the_room(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, ALICE, "!action Bob secret cyber task");
	/* dave is not in the cyber room: he may neither close nor read it */
	r = te_say(t, PRIVACY, DAVE, "!done 1");
	assert_contains(r, "action #1 belongs to cybersecurity, whose room you are not in.");
	assert_not_contains(r, "secret");
	r = te_say(t, CYBER, ALICE, "!actions");
	assert_contains(r, "1 open action in Cybersecurity");
	/* anyone in the room may close it, from any room */
	r = te_say(t, COORD, CAROL, "!done 1");
	assert_contains(r, "Action #1 done, closed by Carol Smith: secret cyber task");
}

static void test_actions_lists(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, ALICE, "!action Bob draft the cyber statement");
	te_advance(t, 2 * 3600);
	te_say(t, PRIVACY, ALICE, "!action Dave brief the privacy group");
	te_advance(t, 30 * 60);

	r = te_say(t, CYBER, CAROL, "!actions");
	assert_contains(r, "1 open action in Cybersecurity");
	assert_contains(r, "draft the cyber statement");
	assert_contains(r, "2h");
	assert_not_contains(r, "privacy group");
	assert_contains(html0(t), "<li><b>#1</b> <a href=");
	assert_not_contains(html0(t), "<table");

	r = te_say(t, COORD, CAROL, "!actions");
	assert_contains(r, "2 open actions");
	assert_contains(r, "cybersecurity");
	assert_contains(r, "privacy");
	assert_contains(r, "draft the cyber statement");
	assert_contains(r, "brief the privacy group");
	assert_contains(r, "30m");
	assert_contains(r, "Close one with !done <n>.");

	/* SPEC §4: dave is not in the cyber room */
	r = te_say(t, COORD, DAVE, "!actions");
	assert_contains(r, "1 open action");
	assert_contains(r, "brief the privacy group");
	assert_not_contains(r, "cyber statement");

	r = te_say(t, COORD, CAROL, "!actions cyber");
	assert_contains(r, "takes no arguments");
	assert_contains(r, "Usage: !actions");
}

/* ---- positions ---- */

static void test_position_and_positions(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, CYBER, ALICE, "!position CEPT support wants the Res 130 text kept");
	assert_contains(r, "CEPT: support on Cybersecurity (first recorded).");
	r = te_say(t, CYBER, BOB, "!position \"Arab Group\" oppose");
	assert_contains(r, "Arab Group: oppose on Cybersecurity (first recorded).");
	r = te_say(t, CYBER, BOB, "!position Brazil Amend");
	assert_contains(r, "Brazil: amend on Cybersecurity");
	te_advance(t, 86400);
	/* the same actor in another case: one actor, its first spelling */
	r = te_say(t, CYBER, CAROL, "!position cept oppose changed after the ad hoc group");
	assert_contains(r, "CEPT: oppose on Cybersecurity (was support since Mon 5 Nov).");
	r = te_say(t, CYBER, CAROL, "!position brazil amend");
	assert_contains(r, "Brazil: amend on Cybersecurity (unchanged since Mon 5 Nov).");

	r = te_say(t, CYBER, ALICE, "!positions");
	assert_contains(r, "Positions on Cybersecurity: 3 actors");
	assert_contains(r, "Arab Group");
	assert_contains(r, "CEPT");
	assert_contains(r, "oppose (was support)");
	assert_contains(r, "Tue 6 Nov");
	assert_contains(r, "changed after the ad hoc group");
	assert_not_contains(r, "wants the Res 130 text kept");     /* superseded */
	assert_not_contains(r, "cept");                             /* one spelling */
	/* actors by name: Arab Group, Brazil, CEPT */
	assert_true(strstr(r, "Arab Group") < strstr(r, "Brazil"));
	assert_true(strstr(r, "Brazil") < strstr(r, "CEPT"));
	assert_contains(html0(t), "<li><b>CEPT</b> oppose (was support), since Tue 6 Nov — "
				   "changed after the ad hoc group</li>");

	/* from the coordination room, naming the issue */
	r = te_say(t, COORD, BOB, "!positions res130");
	assert_contains(r, "Positions on Cybersecurity: 3 actors");
}

static void test_position_errors(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, COORD, ALICE, "!position CEPT support");
	assert_contains(r, "this is not an issue room; positions go in an issue's room.");
	r = te_say(t, CYBER, ALICE, "!position");
	assert_contains(r, "whose stance, and what is it?");
	assert_contains(r, "Usage: !position <actor> <stance> [text...]");
	r = te_say(t, CYBER, ALICE, "!position CEPT");
	assert_contains(r, "what is CEPT's stance?");
	r = te_say(t, CYBER, ALICE, "!position CEPT \"strongly support\"");
	assert_contains(r, "the stance is one word");
	r = te_say(t, CYBER, ALICE, "!position \"\" support");
	assert_contains(r, "the actor is a member state or group");
	r = te_say(t, CYBER, ALICE,
		   "!position AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "
		   "support");
	assert_contains(r, "at most 64 characters");

	r = te_say(t, PRIVACY, ALICE, "!positions");
	assert_contains(r, "No positions recorded on Privacy and data protection yet.");
	assert_contains(r, "!position CEPT support");
	r = te_say(t, COORD, ALICE, "!positions");
	assert_contains(r, "which issue?");
	r = te_say(t, COORD, ALICE, "!positions nosuch");
	assert_contains(r, "no such issue 'nosuch'");
	r = te_say(t, COORD, ALICE, "!positions cyber privacy");
	assert_contains(r, "one issue at a time.");
}

static void test_positions_need_the_room(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, ALICE, "!position CEPT support");
	r = te_say(t, COORD, DAVE, "!positions cyber");
	assert_contains(r, "you are not in the room of Cybersecurity");
	assert_not_contains(r, "CEPT");
}

/* ---- the log ---- */

static void test_log_counts(void **state)
{
	struct te *t = *state;
	char msg[64];
	const char *r;

	for (int i = 1; i <= 55; i++) {
		snprintf(msg, sizeof(msg), "message number %d", i);
		assert_null(te_say(t, CYBER, BOB, msg));        /* kept, not answered */
	}
	r = te_say(t, CYBER, ALICE, "!log");
	assert_contains(r, "Last 10 entries of the Cybersecurity log");
	assert_contains(r, "Bob: message number 55");
	assert_contains(r, "Bob: message number 46");
	assert_not_contains(r, "number 45");
	/* oldest first */
	assert_true(strstr(r, "number 46") < strstr(r, "number 55"));
	r = te_say(t, CYBER, ALICE, "!log 3");
	assert_contains(r, "Last 3 entries");
	assert_contains(r, "number 53");
	assert_not_contains(r, "number 52");
	r = te_say(t, CYBER, ALICE, "!log 500");
	assert_contains(r, "Last 50 entries of the Cybersecurity log (at most 50 at a time)");
	assert_contains(r, "number 6\n");
	assert_not_contains(r, "number 5\n");
	r = te_say(t, CYBER, ALICE, "!log ten");
	assert_contains(r, "'ten' is not a valid count number.");
	assert_contains(r, "Usage: !log [n]");
	r = te_say(t, CYBER, ALICE, "!log 0");
	assert_contains(r, "is not a valid count number");
	r = te_say(t, CYBER, ALICE, "!log 1 2");
	assert_contains(r, "give one number");
	r = te_say(t, COORD, ALICE, "!log");
	assert_contains(r, "this is not an issue room; each issue room has its own log");
	/* the coordination room keeps no log */
	te_say(t, COORD, BOB, "hello coordination");
	r = te_say(t, COORD, ALICE, "!search coordination");
	assert_contains(r, "Nothing matches 'coordination'");
}

static void test_log_shows_days_and_edits(void **state)
{
	struct te *t = *state;
	char ev[32];
	const char *r;

	te_say(t, CYBER, BOB, "yesterday's remark");
	te_last_event(t, ev, sizeof(ev));
	te_advance(t, 86400);
	assert_int_equal(engine_edit(t->eng, CYBER, ev, BOB, "yesterday's remark, corrected"), 0);
	r = te_say(t, CYBER, ALICE, "!log");
	assert_contains(r, "Mon 5 Nov 09:00 Bob: yesterday's remark, corrected (edited)");
}

/* ---- search ---- */

static void seed_search(struct te *t)
{
	te_say(t, CYBER, BOB, "Brazil will table an amendment on encryption");
	te_say(t, CYBER, CAROL, "!note the amendment has CITEL support");
	te_say(t, PRIVACY, DAVE, "privacy amendment drafted by the APT");
	te_say(t, AI, ALICE, "nothing about that here");
}

static void test_search_scopes(void **state)
{
	struct te *t = *state;
	const char *r;

	seed_search(t);
	r = te_say(t, CYBER, ALICE, "!search amendment");
	assert_contains(r, "2 matches for 'amendment' in Cybersecurity");
	assert_contains(r, "Bob: Brazil will table an amendment on encryption");
	assert_contains(r, "Carol Smith (note): the amendment has CITEL support");
	assert_not_contains(r, "privacy amendment");
	assert_contains(html0(t), "<b>amendment</b>");

	r = te_say(t, COORD, ALICE, "!search amendment");
	assert_contains(r, "3 matches for 'amendment'");
	assert_contains(r, "[cybersecurity]");
	assert_contains(r, "[privacy] 09:00 Dave: privacy amendment drafted by the APT");

	/* all the words must match */
	r = te_say(t, COORD, ALICE, "!search amendment citel");
	assert_contains(r, "1 match for 'amendment citel'");
	assert_contains(r, "CITEL support");

	r = te_say(t, CYBER, ALICE, "!search quantum");
	assert_contains(r, "Nothing in the Cybersecurity log matches 'quantum'.");
	r = te_say(t, CYBER, ALICE, "!search");
	assert_contains(r, "search for what?");
	assert_contains(r, "Usage: !search <words...>");
}

static void test_search_never_leaks(void **state)
{
	struct te *t = *state;
	const char *r;

	seed_search(t);
	/* dave is in the coordination and privacy rooms, not the cyber room */
	r = te_say(t, COORD, DAVE, "!search amendment");
	assert_contains(r, "1 match for 'amendment'");
	assert_contains(r, "privacy amendment drafted");
	assert_not_contains(r, "Brazil");
	assert_not_contains(r, "CITEL");
	r = te_say(t, COORD, DAVE, "!search encryption");
	assert_contains(r, "Nothing matches 'encryption' in the issue rooms you are in.");
	assert_not_contains(t->out.v[0].html, "encryption</b>");

	/* bob leaves the privacy room: its log is closed to him from then on */
	assert_int_equal(engine_member(t->eng, PRIVACY, BOB, "Bob", "leave", 0), 0);
	r = te_say(t, COORD, BOB, "!search privacy");
	assert_contains(r, "Nothing matches 'privacy'");
	r = te_say(t, COORD, BOB, "!search amendment");
	assert_contains(r, "2 matches");
	assert_not_contains(r, "drafted by the APT");
	/* an invite is not membership either */
	assert_int_equal(engine_member(t->eng, PRIVACY, BOB, "Bob", "invite", 0), 0);
	r = te_say(t, COORD, BOB, "!search drafted");
	assert_contains(r, "Nothing matches 'drafted'");
}

static void test_search_query_is_safe(void **state)
{
	struct te *t = *state;
	/* FTS5 syntax typed by users must mean the words, never an operator */
	static const char *const queries[] = {
		"!search \"",
		"!search \\\"unbalanced",
		"!search a\"b",
		"!search NEAR(amendment encryption)",
		"!search body:amendment",
		"!search amendment OR privacy",
		"!search amendment AND NOT",
		"!search -amendment",
		"!search ^amendment",
		"!search *",
		"!search (",
		"!search {body}: x",
		"!search '",
		"!search ''' \"\"\"",
		"!search amendment\x01\x02",
		"!search 🔒",
		"!search \xff\xfe",
		"!search log_fts MATCH 'x'); DROP TABLE log; --",
	};
	const char *r;

	seed_search(t);
	te_say(t, CYBER, BOB, "O'Brien said \"NEAR\" is not an operator; café fermé");
	te_say(t, CYBER, BOB, "the Sécurité working group meets at 14:00");
	for (size_t i = 0; i < ARRAY_LEN(queries); i++) {
		r = te_say(t, CYBER, ALICE, queries[i]);
		assert_non_null(r);
		assert_not_contains(r, "something went wrong");
	}
	/* OR is a word here, so nothing has all of amendment, OR, privacy */
	r = te_say(t, CYBER, ALICE, "!search amendment OR privacy");
	assert_contains(r, "Nothing in the Cybersecurity log matches");
	r = te_say(t, CYBER, ALICE, "!search NEAR");
	assert_contains(r, "1 match for 'NEAR'");
	r = te_say(t, CYBER, ALICE, "!search O'Brien");
	assert_contains(r, "1 match");
	/* diacritics fold both ways */
	r = te_say(t, CYBER, ALICE, "!search cafe");
	assert_contains(r, "café fermé");
	r = te_say(t, CYBER, ALICE, "!search securite");
	assert_contains(r, "Sécurité working group");
	r = te_say(t, CYBER, ALICE, "!search SÉCURITÉ");
	assert_contains(r, "1 match");
	/* a trailing * is a prefix */
	r = te_say(t, CYBER, ALICE, "!search amend*");
	assert_contains(r, "2 matches for 'amend*'");
	/* the log is still whole */
	r = te_say(t, CYBER, ALICE, "!search amendment");
	assert_contains(r, "2 matches");
}

static void test_search_follows_edits_and_redactions(void **state)
{
	struct te *t = *state;
	char ev1[32], ev2[32];
	const char *r;

	te_say(t, CYBER, BOB, "the zebra amendment");
	te_last_event(t, ev1, sizeof(ev1));
	te_say(t, CYBER, BOB, "!action Bob check the zebra crossing");
	te_last_event(t, ev2, sizeof(ev2));
	te_say(t, CYBER, BOB, "!position CEPT support zebra");

	assert_int_equal(engine_edit(t->eng, CYBER, ev1, BOB, "the giraffe amendment"), 0);
	r = te_say(t, CYBER, ALICE, "!search giraffe");
	assert_contains(r, "1 match for 'giraffe'");
	assert_contains(r, "the giraffe amendment (edited)");
	r = te_say(t, CYBER, ALICE, "!search zebra");
	assert_contains(r, "2 matches");
	assert_not_contains(r, "zebra amendment");

	/* redacting the message deletes its entry, and the action item it made */
	assert_int_equal(engine_redact(t->eng, CYBER, ev1), 0);
	r = te_say(t, CYBER, ALICE, "!search giraffe");
	assert_contains(r, "Nothing in the Cybersecurity log matches 'giraffe'.");
	assert_int_equal(engine_redact(t->eng, CYBER, ev2), 0);
	r = te_say(t, CYBER, ALICE, "!search crossing");
	assert_contains(r, "Nothing in the Cybersecurity log matches");
	r = te_say(t, CYBER, ALICE, "!actions");
	assert_contains(r, "No open actions in Cybersecurity.");
	r = te_say(t, CYBER, ALICE, "!log");
	assert_contains(r, "All 1 entry of the Cybersecurity log");
	assert_contains(r, "(position): CEPT support zebra");
	/* redacting twice, or something never kept, is fine */
	assert_int_equal(engine_redact(t->eng, CYBER, ev1), 0);
	assert_int_equal(engine_redact(t->eng, CYBER, "$never"), 0);
}

static void test_redacted_position_is_gone(void **state)
{
	struct te *t = *state;
	char ev[32];
	const char *r;

	te_say(t, CYBER, BOB, "!position CEPT support");
	te_advance(t, 60);
	te_say(t, CYBER, BOB, "!position CEPT oppose");
	te_last_event(t, ev, sizeof(ev));
	assert_int_equal(engine_redact(t->eng, CYBER, ev), 0);
	r = te_say(t, CYBER, ALICE, "!positions");
	assert_contains(r, "CEPT");
	assert_contains(r, "support");
	assert_not_contains(r, "oppose");
}

static void test_replayed_event_kept_once(void **state)
{
	struct te *t = *state;
	struct engine_msg m;
	int64_t id1 = 0, id2 = 0;
	const char *r;

	memset(&m, 0, sizeof(m));
	m.room_id = CYBER;
	m.sender = BOB;
	m.event_id = "$replayed";
	m.body = "said once, synced twice";
	m.ts_ms = t->now_ms;
	assert_int_equal(engine_handle(t->eng, &m, &t->out), 0);
	assert_int_equal(engine_handle(t->eng, &m, &t->out), 0);
	r = te_say(t, CYBER, ALICE, "!search synced");
	assert_contains(r, "1 match");
	assert_int_equal(store_log_add(t->st, 1, CYBER, "$x", BOB, "note", "a", 1, &id1), 0);
	assert_int_equal(store_log_add(t->st, 1, CYBER, "$x", BOB, "note", "b", 2, &id2), 0);
	assert_true(id1 > 0);
	assert_int_equal(id1, id2);
}

static void test_retention_purge(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, BOB, "an old remark");
	te_say(t, CYBER, BOB, "!action Bob an old open task");
	te_say(t, CYBER, BOB, "!action Bob an old closed task");
	te_say(t, CYBER, BOB, "!done 2");
	te_say(t, CYBER, BOB, "!position CEPT support");
	te_advance(t, 91 * 86400LL);
	te_say(t, CYBER, BOB, "a fresh remark");
	assert_int_equal(engine_purge(t->eng), 0);
	r = te_say(t, CYBER, ALICE, "!log");
	assert_contains(r, "All 1 entry");
	assert_contains(r, "a fresh remark");
	r = te_say(t, CYBER, ALICE, "!search old");
	assert_contains(r, "Nothing in the Cybersecurity log matches 'old'.");
	/* an open action item is still owed; the closed one and the stance went */
	r = te_say(t, CYBER, ALICE, "!actions");
	assert_contains(r, "an old open task");
	assert_contains(r, "91d");
	r = te_say(t, CYBER, ALICE, "!done 2");
	assert_contains(r, "no action #2");
	r = te_say(t, CYBER, ALICE, "!positions");
	assert_contains(r, "No positions recorded on Cybersecurity yet.");
}

/* ---- catch-up ---- */

static void test_catchup_since_last_spoke(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, ALICE, "I am off to the plenary");            /* 09:00 */
	te_advance(t, 3600);
	te_say(t, CYBER, BOB, "CEPT moved first");
	te_say(t, CYBER, BOB, "!decision we back the CEPT text");
	te_say(t, CYBER, CAROL, "!note the vote is on Thursday");
	te_say(t, CYBER, CAROL, "!action Alice call the CITEL chair");
	te_say(t, CYBER, BOB, "!position CEPT support");
	te_say(t, CYBER, BOB, "!session cyber tomorrow 10:00 Ad hoc group 1 @ Room B");
	te_advance(t, 3600);

	r = te_say(t, CYBER, ALICE, "!catchup");
	assert_contains(r, "Since 09:00 in Cybersecurity: 1 decision, 1 note, 1 action opened, "
			   "1 position, 1 session change; 1 message.");
	assert_contains(r, "Active: Bob, Carol Smith.");
	assert_contains(r, "Decisions\n");
	assert_contains(r, "10:00 Bob: we back the CEPT text");
	assert_contains(r, "10:00 Carol Smith: the vote is on Thursday");
	assert_contains(r, "new #1 for Alice: call the CITEL chair");
	assert_contains(r, "CEPT support (first recorded)");
	assert_contains(r, "#1 new: Ad hoc group 1, Tue 6 Nov 10:00-11:00 @ Room B");
	assert_not_contains(r, "I am off");
	assert_int_equal(t->out.v[0].mentions.n, 0);

	/* asking again: nothing since (the !catchup itself counts as speaking) */
	te_advance(t, 60);
	r = te_say(t, CYBER, ALICE, "!catchup");
	assert_contains(r, "Nothing new in Cybersecurity since 11:00.");

	/* only chatter */
	te_advance(t, 30);
	te_say(t, CYBER, BOB, "coffee?");
	r = te_say(t, CYBER, ALICE, "!catchup");
	assert_contains(r, "Nothing noted in Cybersecurity since 11:01: no decisions, notes, "
			   "actions, positions or session changes; 1 message, from Bob.");

	/* closing an action is news */
	te_advance(t, 30);
	te_say(t, CYBER, CAROL, "!done 1");
	r = te_say(t, CYBER, ALICE, "!catchup");
	assert_contains(r, "1 action closed");
	assert_contains(r, "done #1 (Alice), closed by Carol Smith: call the CITEL chair");
}

static void test_catchup_never_spoke_and_since(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, BOB, "!decision an early decision");      /* Mon 09:00 */
	te_advance(t, 3 * 3600);
	te_say(t, CYBER, BOB, "!decision a noon decision");        /* Mon 12:00 */
	te_advance(t, 86400);                                       /* Tue 12:00 */
	te_say(t, CYBER, BOB, "!note a Tuesday note");

	/* carol never spoke here: the last 24 hours */
	r = te_say(t, CYBER, CAROL, "!catchup");
	assert_contains(r, "Since Mon 5 Nov 12:00 in Cybersecurity (the last 24 h: you have not "
			   "spoken here): 1 decision, 1 note.");
	assert_contains(r, "a noon decision");
	assert_contains(r, "a Tuesday note");
	assert_not_contains(r, "an early decision");

	r = te_say(t, CYBER, CAROL, "!catchup since mon 08:00");
	assert_contains(r, "Since Mon 5 Nov 08:00 in Cybersecurity: 2 decisions, 1 note.");
	assert_contains(r, "Mon 5 Nov 09:00 Bob: an early decision");
	assert_contains(r, "Mon 5 Nov 12:00 Bob: a noon decision");
	assert_contains(r, "12:00 Bob: a Tuesday note");

	r = te_say(t, CYBER, CAROL, "!catchup since 11:00");
	assert_contains(r, "Since 11:00 in Cybersecurity: 1 note.");
	r = te_say(t, CYBER, CAROL, "!catchup since 2018-11-05 10:00");
	assert_contains(r, "1 decision, 1 note");

	r = te_say(t, CYBER, CAROL, "!catchup since 25:00");
	assert_contains(r, "'25:00' is not a time");
	assert_contains(r, "Usage: !catchup [since <when>]");
	r = te_say(t, CYBER, CAROL, "!catchup since tomorrow 10:00");
	assert_contains(r, "that is in the future");
	r = te_say(t, CYBER, CAROL, "!catchup yesterday");
	assert_contains(r, "say since when");
	r = te_say(t, CYBER, CAROL, "!catchup since 10:00 please");
	assert_contains(r, "I did not understand 'please' after the time.");
	r = te_say(t, COORD, CAROL, "!catchup");
	assert_contains(r, "this is not an issue room; catch up in an issue's room.");
}

/* ---- the digest on demand ---- */

static void test_digest_command(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, CYBER, ALICE, "!digest");
	/* on demand: since the last scheduled digest (23:00 last night) */
	assert_contains(r, "Cybersecurity — digest, Sun 4 Nov 23:00 – Mon 5 Nov 09:00");
	assert_contains(r, "Nothing was logged in this period.");
	te_say(t, CYBER, BOB, "!decision we back the CEPT text");
	r = te_say(t, CYBER, ALICE, "!digest");
	assert_contains(r, "0 messages, 1 person active; 1 decision.");
	assert_contains(r, "09:00 Bob: we back the CEPT text");
	r = te_say(t, COORD, ALICE, "!digest");
	assert_contains(r, "Daily overview — Sun 4 Nov 23:00 – Mon 5 Nov 09:00");
	assert_contains(r, "1 of 5 issues active in this period");
	assert_not_contains(r, "CEPT text");
	r = te_say(t, "!elsewhere:example.org", ALICE, "!digest");
	assert_contains(r, "neither an issue room nor the coordination room");
	r = te_say(t, CYBER, ALICE, "!digest now");
	assert_contains(r, "takes no arguments");
	assert_contains(r, "Usage: !digest");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_note_and_decision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_html_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_entry_clipped_whole_char, setup, teardown),
		cmocka_unit_test_setup_teardown(test_action_mentions_assignee, setup, teardown),
		cmocka_unit_test_setup_teardown(test_action_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_needs_the_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actions_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_position_and_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_position_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positions_need_the_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_shows_days_and_edits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_never_leaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_query_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_follows_edits_and_redactions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_redacted_position_is_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replayed_event_kept_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catchup_since_last_spoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catchup_never_spoke_and_since, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_digest_command, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
