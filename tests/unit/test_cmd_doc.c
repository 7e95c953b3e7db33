/*
 * test_cmd_doc.c - documents and files (bot/cmd_doc.c, bot/store_doc.c):
 * a shared file becomes a kind 'file' log entry that search finds and a
 * redaction removes; !doc records revisions and announces a higher one;
 * a file named after a known symbol is that revision's file; the digest
 * and !catchup list the period's documents; and nobody sees a document or
 * a file of a room they are not in (SPEC §4).
 */
#include "testengine.h"

#include "export.h"
#include "store_log.h"

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

/* Share a file as a client does (m.file); returns the first reply or NULL. */
static const char *te_file(struct te *t, const char *room, const char *sender, const char *name,
			   const char *caption, int encrypted)
{
	struct engine_file f = {
		.msgtype = "m.file", .name = name, .caption = caption, .url = "mxc://example.org/f",
		.mimetype = "application/pdf", .size = 1234, .encrypted = encrypted,
	};
	char event_id[32];
	struct engine_msg m;

	engine_replies_release(&t->out);
	snprintf(event_id, sizeof(event_id), "$ev%d", ++t->seq);
	memset(&m, 0, sizeof(m));
	m.room_id = room;
	m.sender = sender;
	m.event_id = event_id;
	m.body = caption ? caption : name;
	m.ts_ms = t->now_ms;
	m.file = &f;
	assert_int_equal(engine_handle(t->eng, &m, &t->out), 0);
	te_check_replies(t);
	return t->out.n ? t->out.v[0].body : NULL;
}

static void test_file_logged_searched_redacted(void **state)
{
	struct te *t = *state;
	char ev[32];
	const char *r;

	/* a file is never a command, and is not answered */
	assert_null(te_file(t, CYBER, BOB, "!issues.pdf", NULL, 0));
	assert_null(te_file(t, CYBER, BOB, "Res130-comparison.pdf", "the CEPT and APT texts", 0));
	te_last_event(t, ev, sizeof(ev));
	r = te_say(t, CYBER, ALICE, "!search comparison");
	assert_contains(r, "Res130-comparison.pdf — the CEPT and APT texts");
	r = te_say(t, CYBER, ALICE, "!search APT");
	assert_contains(r, "Res130-comparison.pdf");
	r = te_say(t, CYBER, ALICE, "!docs");
	assert_contains(r, "2 files shared in Cybersecurity");
	assert_contains(r, "• Res130-comparison.pdf — Bob");
	/* an edited caption keeps the name searchable */
	assert_int_equal(engine_edit(t->eng, CYBER, ev, BOB, "the CEPT, APT and CITEL texts"), 0);
	r = te_say(t, CYBER, ALICE, "!search CITEL");
	assert_contains(r, "Res130-comparison.pdf — the CEPT, APT and CITEL texts");
	r = te_say(t, CYBER, ALICE, "!search comparison");
	assert_contains(r, "Res130-comparison.pdf");
	/* the room deleted it: so does the log */
	assert_int_equal(engine_redact(t->eng, CYBER, ev), 0);
	r = te_say(t, CYBER, ALICE, "!search comparison");
	assert_contains(r, "Nothing in the Cybersecurity log matches");
	r = te_say(t, CYBER, ALICE, "!docs");
	assert_contains(r, "1 file shared");
	assert_not_contains(r, "comparison");
	/* outside an issue room a file is not kept */
	assert_null(te_file(t, "!elsewhere:example.org", BOB, "x.pdf", NULL, 0));
}

static void test_revisions_announced(void **state)
{
	struct te *t = *state;
	const char *r;

	r = te_say(t, CYBER, BOB, "!doc PP-18/64 Brazil's proposal on Res 130");
	assert_contains(r, "PP-18/64 recorded for Cybersecurity: Brazil's proposal on Res 130.");
	te_advance(t, 3600);
	r = te_say(t, CYBER, CAROL, "!doc pp-18/64(rev.2)");
	assert_contains(r, "PP-18/64 is now at Rev.2 — was the original, added 09:00 by Bob.");
	r = te_say(t, CYBER, ALICE, "!doc PP-18/64 Rev.1");
	assert_contains(r, "PP-18/64(Rev.1) recorded, but the current one is PP-18/64(Rev.2), "
			"added 10:00 by Carol Smith.");
	/* a file named after it is its next revision, announced in the room */
	te_advance(t, 3600);
	assert_non_null(te_file(t, CYBER, BOB, "PP18_64R3.docx", NULL, 0));
	assert_int_equal(t->out.n, 1);
	assert_string_equal(t->out.v[0].room_id, CYBER);
	assert_null(t->out.v[0].reply_to);
	assert_contains(t->out.v[0].body, "PP-18/64 is now at Rev.3 — was Rev.2, added 10:00 by "
			"Carol Smith.");
	r = te_say(t, CYBER, ALICE, "!docs");
	assert_contains(r, "1 document in Cybersecurity");
	assert_contains(r, "• PP-18/64(Rev.3) Brazil's proposal on Res 130 — Bob, 11:00, file "
			"PP18_64R3.docx");
	assert_not_contains(r, "files shared");
	r = te_say(t, CYBER, ALICE, "!doc PP-18/64");
	assert_contains(r, "PP-18/64 in Cybersecurity: 4 revisions, the current one first");
	assert_contains(r, "• PP-18/64(Rev.1) — Alice, 10:00");
	/* an addendum is a document of its own */
	r = te_say(t, CYBER, ALICE, "!doc PP-18/64(Add.1)");
	assert_contains(r, "PP-18/64(Add.1) recorded");
	r = te_say(t, CYBER, ALICE, "!docs cyber");
	assert_contains(r, "2 documents in Cybersecurity");
	r = te_say(t, COORD, ALICE, "!doc DT/64");
	assert_contains(r, "this is not an issue room");
	r = te_say(t, CYBER, ALICE, "!doc DT/64(Rev.x)");
	assert_contains(r, "I cannot read 'DT/64(Rev.x)' as a document symbol: 'Rev' needs a "
			"number, e.g. Rev.2.");
	assert_contains(r, "Usage: !doc <symbol> [title...] [<url>]");
}

/* SPEC §4: dave is in the coordination and privacy rooms, not cyber's */
static void test_read_path(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, BOB, "!doc DT/64 confidential draft");
	te_file(t, CYBER, BOB, "strategy.pdf", "our fallback lines", 1);
	r = te_say(t, COORD, DAVE, "!docs cyber");
	assert_contains(r, "No documents or files in Cybersecurity yet");
	assert_not_contains(r, "DT/64");
	assert_not_contains(r, "strategy");
	r = te_say(t, COORD, DAVE, "!search fallback");
	assert_not_contains(r, "strategy");
	r = te_say(t, COORD, ALICE, "!docs cyber");
	assert_contains(r, "DT/64 confidential draft");
	assert_contains(r, "strategy.pdf");
	r = te_say(t, COORD, ALICE, "!search fallback");
	assert_contains(r, "strategy.pdf — our fallback lines");
}

static void test_digest_and_catchup_list_documents(void **state)
{
	struct te *t = *state;
	const char *r;

	te_say(t, CYBER, ALICE, "hello");
	te_advance(t, 60);
	te_say(t, CYBER, BOB, "!doc DT/64(Rev.2) chair's text");
	te_file(t, CYBER, BOB, "DT-64-Rev3.pdf", NULL, 0);
	r = te_say(t, CYBER, ALICE, "!catchup");
	assert_contains(r, "2 documents or revisions");
	assert_contains(r, "Documents\n• 09:01 Bob: DT/64(Rev.2) chair's text\n"
			"• 09:01 Bob: DT/64(Rev.3) chair's text, file DT-64-Rev3.pdf");
	r = te_say(t, CYBER, ALICE, "!digest");
	assert_contains(r, "Documents\n• 09:01 Bob: DT/64(Rev.2)");
	assert_contains(r, "2 documents or revisions");
}

static void test_export_has_documents(void **state)
{
	struct te *t = *state;
	int64_t id = engine_issue_id(t->eng, "cyber");
	struct buf out;

	te_say(t, CYBER, BOB, "!doc DT/64 chair's draft https://www.itu.int/md/S18-PP-DT-0064");
	te_file(t, CYBER, BOB, "DT-64-Rev1.pdf", NULL, 0);
	assert_true(id > 0);
	buf_init(&out, 0);
	assert_int_equal(export_issue(t->st, id, "cybersecurity", "Cybersecurity", "Asia/Dubai", 0,
				      "md", &out), 0);
	assert_contains(out.data, "## Documents\n\n- 2018-11-05 09:00 **DT/64** chair's draft "
			"(@bob:example.org, https://www.itu.int/md/S18-PP-DT-0064)\n"
			"- 2018-11-05 09:00 **DT/64(Rev.1)** chair's draft (@bob:example.org, "
			"file DT-64-Rev1.pdf)\n");
	assert_contains(out.data, "**file**: DT-64-Rev1.pdf");
	buf_reset(&out);
	assert_int_equal(export_issue(t->st, id, "cybersecurity", "Cybersecurity", "Asia/Dubai", 0,
				      "json", &out), 0);
	assert_contains(out.data, "\"symbol\":\t\"DT/64(Rev.1)\"");
	assert_contains(out.data, "\"file_url\":\t\"mxc://example.org/f\"");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_logged_searched_redacted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revisions_announced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_and_catchup_list_documents, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_export_has_documents, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
