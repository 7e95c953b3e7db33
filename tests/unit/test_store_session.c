/*
 * test_store_session.c - the session queries (store_session.c): sessions
 * and their attendees, moves (the iCalendar sequence) and cancellations,
 * the windows each list reads (overlapping, starting in, changed in), a
 * member's calendar, clashes and the personal reminders of !remind.
 */
#include "testutil.h"

#include "store.h"
#include "store_due.h"
#include "store_issue.h"
#include "store_session.h"

#define H 3600

struct fixture {
	struct store *st;
	int64_t cyber, privacy;         /* cyber has a room, privacy none */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[256];

	f->st = store_open(":memory:", err, sizeof(err));
	assert_non_null(f->st);
	assert_int_equal(store_issue_add(f->st, "cyber", "Cybersecurity", 1, &f->cyber), 0);
	assert_int_equal(store_issue_add(f->st, "privacy", "Privacy", 1, &f->privacy), 0);
	assert_int_equal(store_issue_link(f->st, f->cyber, "!cyber:x", NULL, NULL), 0);
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

static int64_t add(struct fixture *f, int64_t issue, const char *title, int64_t start,
		   int64_t end, int64_t now_ms)
{
	int64_t id;

	assert_int_equal(store_session_add(f->st, issue, title, NULL, start, end, "@alice:x",
					   now_ms, &id), 0);
	assert_true(id > 0);
	return id;
}

/* The titles of l, joined by ',' (for comparing a list in one line). */
static char *titles(const struct session_list *l)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_puts(&b, l->v[i].title);
	}
	return buf_detach(&b);
}

static void assert_titles(struct session_list *l, const char *want)
{
	char *got = titles(l);

	assert_string_equal(got, want);
	free(got);
	store_session_list_release(l);
}

static void test_add_get_attend(void **state)
{
	struct fixture *f = *state;
	struct session s;
	int64_t id, none;

	assert_int_equal(store_session_add(f->st, f->cyber, "Plenary", "Room D", 10 * H, 11 * H,
					   "@alice:x", 5000, &id), 0);
	assert_int_equal(store_session_get(f->st, id, &s), 0);
	assert_int_equal(s.id, id);
	assert_int_equal(s.issue_id, f->cyber);
	assert_string_equal(s.issue_name, "Cybersecurity");
	assert_string_equal(s.issue_room, "!cyber:x");
	assert_string_equal(s.title, "Plenary");
	assert_string_equal(s.place, "Room D");
	assert_int_equal(s.start_s, 10 * H);
	assert_int_equal(s.end_s, 11 * H);
	assert_string_equal(s.created_by, "@alice:x");
	assert_int_equal(s.created_ms, 5000);
	assert_int_equal(s.updated_ms, 5000);
	assert_int_equal(s.cancelled_ms, 0);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.attendees.n, 0);
	store_session_release(&s);

	/* attendees in the order they signed up, each once */
	assert_int_equal(store_session_attend(f->st, id, "@carol:x", 7000), 0);
	assert_int_equal(store_session_attend(f->st, id, "@bob:x", 6000), 0);
	assert_int_equal(store_session_attend(f->st, id, "@carol:x", 8000), 1);
	assert_int_equal(store_session_get(f->st, id, &s), 0);
	assert_int_equal(s.attendees.n, 2);
	assert_string_equal(s.attendees.v[0], "@bob:x");
	assert_string_equal(s.attendees.v[1], "@carol:x");
	store_session_release(&s);
	assert_int_equal(store_session_skip(f->st, id, "@bob:x"), 0);
	assert_int_equal(store_session_skip(f->st, id, "@bob:x"), 1);
	assert_int_equal(store_session_get(f->st, id, &s), 0);
	assert_int_equal(s.attendees.n, 1);
	assert_string_equal(s.attendees.v[0], "@carol:x");
	store_session_release(&s);

	/* no place, no room; an unknown number is absent */
	none = add(f, f->privacy, "Drafting", 12 * H, 13 * H, 5000);
	assert_int_equal(store_session_get(f->st, none, &s), 0);
	assert_null(s.place);
	assert_null(s.issue_room);
	store_session_release(&s);
	assert_int_equal(store_session_get(f->st, none + 100, &s), 1);
	store_session_release(NULL);
}

static void test_move_cancel(void **state)
{
	struct fixture *f = *state;
	struct session_list l = { 0 };
	struct session s;
	int64_t id = add(f, f->cyber, "Plenary", 10 * H, 11 * H, 1000);

	assert_int_equal(store_session_move(f->st, id, 14 * H, 15 * H, 2000), 0);
	assert_int_equal(store_session_move(f->st, id, 16 * H, 17 * H, 3000), 0);
	assert_int_equal(store_session_get(f->st, id, &s), 0);
	assert_int_equal(s.start_s, 16 * H);
	assert_int_equal(s.end_s, 17 * H);
	assert_int_equal(s.sequence, 2);
	assert_int_equal(s.updated_ms, 3000);
	assert_int_equal(s.created_ms, 1000);
	store_session_release(&s);

	assert_int_equal(store_session_cancel(f->st, id, 4000), 0);
	assert_int_equal(store_session_get(f->st, id, &s), 0);
	assert_int_equal(s.cancelled_ms, 4000);
	assert_int_equal(s.updated_ms, 4000);
	store_session_release(&s);
	/* gone from the live lists, kept for the calendars */
	assert_int_equal(store_session_list(f->st, 0, 0, 100 * H, 0, &l), 0);
	assert_titles(&l, "");
	assert_int_equal(store_session_between(f->st, 0, 0, 100 * H, &l), 0);
	assert_titles(&l, "");
	assert_int_equal(store_session_of_issue(f->st, f->cyber, 0, &l), 0);
	assert_titles(&l, "Plenary");
}

/*
 * Which sessions each window reads, over one table of sessions:
 *   a 09-10 cyber   b 10-12 cyber (attended)   c 11-12 privacy
 *   d 13-14 cyber (cancelled)                  e 20-21 privacy
 */
static void test_windows(void **state)
{
	struct fixture *f = *state;
	struct session_list l = { 0 };
	int64_t b, d;

	add(f, f->cyber, "a", 9 * H, 10 * H, 1000);
	b = add(f, f->cyber, "b", 10 * H, 12 * H, 1000);
	add(f, f->privacy, "c", 11 * H, 12 * H, 1000);
	d = add(f, f->cyber, "d", 13 * H, 14 * H, 1000);
	add(f, f->privacy, "e", 20 * H, 21 * H, 1000);
	assert_int_equal(store_session_attend(f->st, b, "@bob:x", 1000), 0);
	assert_int_equal(store_session_cancel(f->st, d, 2000), 0);

	/* list: not ended by from, starting before to */
	assert_int_equal(store_session_list(f->st, 0, 10 * H, 20 * H, 0, &l), 0);
	assert_titles(&l, "b,c");
	assert_int_equal(store_session_list(f->st, 0, 10 * H, 20 * H, 1, &l), 0);
	assert_titles(&l, "c");
	assert_int_equal(store_session_list(f->st, f->cyber, 0, 24 * H, 0, &l), 0);
	assert_titles(&l, "a,b");
	/* between: starting in [from, to), rooms or not */
	assert_int_equal(store_session_between(f->st, 0, 10 * H, 20 * H, &l), 0);
	assert_titles(&l, "b,c");
	assert_int_equal(store_session_between(f->st, 0, 9 * H + 1, 21 * H, &l), 0);
	assert_titles(&l, "b,c,e");
	assert_int_equal(store_session_between(f->st, f->privacy, 0, 24 * H, &l), 0);
	assert_titles(&l, "c,e");
	/* starting: the same window, only issues with a room (reminders) */
	assert_int_equal(store_session_starting(f->st, 0, 24 * H, &l), 0);
	assert_titles(&l, "a,b");
	/* of_issue: ending after since, cancelled ones too */
	assert_int_equal(store_session_of_issue(f->st, f->cyber, 10 * H, &l), 0);
	assert_titles(&l, "b,d");
	/* appended, not replaced */
	assert_int_equal(store_session_between(f->st, f->cyber, 0, 24 * H, &l), 0);
	assert_int_equal(store_session_between(f->st, f->privacy, 0, 24 * H, &l), 0);
	assert_titles(&l, "a,b,c,e");
}

/* Changed in [since, until): created, moved or cancelled, by latest change. */
static void test_changed(void **state)
{
	struct fixture *f = *state;
	struct session_list l = { 0 };
	int64_t old, moved, gone;

	old = add(f, f->cyber, "old", 10 * H, 11 * H, 100);
	moved = add(f, f->cyber, "moved", 10 * H, 11 * H, 200);
	gone = add(f, f->cyber, "gone", 10 * H, 11 * H, 300);
	add(f, f->privacy, "new", 10 * H, 11 * H, 1500);
	add(f, f->cyber, "late", 10 * H, 11 * H, 5000);
	assert_int_equal(store_session_move(f->st, moved, 12 * H, 13 * H, 1700), 0);
	assert_int_equal(store_session_cancel(f->st, gone, 1600), 0);
	(void)old;

	assert_int_equal(store_session_changed(f->st, 0, 1000, 5000, &l), 0);
	assert_titles(&l, "new,gone,moved");
	assert_int_equal(store_session_changed(f->st, f->cyber, 1000, 5001, &l), 0);
	assert_titles(&l, "gone,moved,late");
	assert_int_equal(store_session_changed(f->st, 0, 0, 150, &l), 0);
	assert_titles(&l, "old");
	assert_int_equal(store_session_changed(f->st, 0, 1000, 5000, &l), 0);
	assert_int_equal(l.v[1].cancelled_ms, 1600);
	assert_int_equal(l.v[2].sequence, 1);
	store_session_list_release(&l);
}

/* A member's calendar: sessions attended and those of issues covered. */
static void test_of_member(void **state)
{
	struct fixture *f = *state;
	struct session_list l = { 0 };
	char *old = NULL;
	int64_t a, d;

	a = add(f, f->privacy, "attended", 10 * H, 11 * H, 1000);
	add(f, f->cyber, "covered", 12 * H, 13 * H, 1000);
	add(f, f->privacy, "other", 14 * H, 15 * H, 1000);
	d = add(f, f->cyber, "called off", 16 * H, 17 * H, 1000);
	assert_int_equal(store_session_attend(f->st, a, "@bob:x", 1000), 0);
	assert_int_equal(store_cover_set(f->st, f->cyber, "@bob:x", "backup", 1000, &old), 0);
	assert_null(old);
	assert_int_equal(store_session_cancel(f->st, d, 5000), 0);

	assert_int_equal(store_session_of_member(f->st, "@bob:x", 0, 5000, &l), 0);
	assert_titles(&l, "attended,covered,called off");
	assert_int_equal(store_session_of_member(f->st, "@bob:x", 0, 5001, &l), 0);
	assert_titles(&l, "attended,covered");
	assert_int_equal(store_session_of_member(f->st, "@bob:x", 11 * H, 0, &l), 0);
	assert_titles(&l, "covered,called off");
	assert_int_equal(store_session_of_member(f->st, "@eve:x", 0, 0, &l), 0);
	assert_titles(&l, "");
}

static void test_clashes(void **state)
{
	struct fixture *f = *state;
	struct clash_list cl = { 0 };
	struct strv users = { 0 };
	int64_t a, b, c, d;

	a = add(f, f->cyber, "a", 10 * H, 11 * H, 1000);
	b = add(f, f->cyber, "b", 11 * H, 12 * H, 1000);
	c = add(f, f->privacy, "c", 10 * H + 1800, 12 * H, 1000);
	d = add(f, f->privacy, "d", 10 * H, 12 * H, 1000);
	assert_int_equal(store_session_attend(f->st, a, "@bob:x", 1000), 0);
	assert_int_equal(store_session_attend(f->st, b, "@bob:x", 1000), 0);
	assert_int_equal(store_session_attend(f->st, c, "@carol:x", 1000), 0);
	assert_int_equal(store_session_attend(f->st, d, "@carol:x", 1000), 0);
	assert_int_equal(store_session_cancel(f->st, d, 2000), 0);
	strv_push(&users, "@carol:x");
	strv_push(&users, "@bob:x");
	strv_push(&users, "@eve:x");

	/* [10:30, 11:30) overlaps a and b (bob) and c (carol), not the
	 * cancelled d; a itself is left out as the session being planned */
	assert_int_equal(store_session_clashes(f->st, a, 10 * H + 1800, 11 * H + 1800, &users,
					       &cl), 0);
	assert_int_equal(cl.n, 2);
	assert_string_equal(cl.v[0].user, "@carol:x");
	assert_int_equal(cl.v[0].id, c);
	assert_string_equal(cl.v[0].title, "c");
	assert_int_equal(cl.v[0].start_s, 10 * H + 1800);
	assert_int_equal(cl.v[0].end_s, 12 * H);
	assert_string_equal(cl.v[1].user, "@bob:x");
	assert_int_equal(cl.v[1].id, b);
	store_clash_list_release(&cl);
	/* touching ends do not clash, on either side */
	assert_int_equal(store_session_clashes(f->st, 0, 12 * H, 13 * H, &users, &cl), 0);
	assert_int_equal(cl.n, 0);
	assert_int_equal(store_session_clashes(f->st, 0, 9 * H, 10 * H, &users, &cl), 0);
	assert_int_equal(cl.n, 0);
	store_clash_list_release(&cl);
	strv_release(&users);
}

static void test_reminders(void **state)
{
	struct fixture *f = *state;
	struct reminder_list l = { 0 };
	int64_t a1, a2, a3, b1, late;
	char key[32];

	assert_int_equal(store_reminder_add(f->st, "!r:x", "@a:x", "a1", 100, 1, "$cmd", "$root",
					    &a1), 0);
	assert_int_equal(store_reminder_add(f->st, "!r:x", "@a:x", "a2", 101, 1, NULL, NULL, &a2), 0);
	assert_int_equal(store_reminder_add(f->st, "!s:x", "@a:x", "a3", 102, 1, NULL, NULL, &a3), 0);
	assert_int_equal(store_reminder_add(f->st, "!r:x", "@b:x", "b1", 150, 1, NULL, NULL, &b1), 0);
	assert_int_equal(store_reminder_add(f->st, "!r:x", "@b:x", "later", 900, 1, NULL, NULL,
					    &late), 0);
	assert_int_equal(store_reminder_open(f->st, "@a:x"), 3);
	assert_int_equal(store_reminder_open(f->st, "@nobody:x"), 0);

	/* each sender's first before anyone's second */
	assert_int_equal(store_reminder_due(f->st, 200, 10, &l), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[0].id, a1);
	assert_string_equal(l.v[0].reply_to, "$cmd");
	assert_string_equal(l.v[0].thread_root, "$root");
	assert_int_equal(l.v[1].id, b1);
	assert_null(l.v[1].reply_to);
	assert_int_equal(l.v[2].id, a2);
	assert_int_equal(l.v[3].id, a3);
	store_reminder_list_release(&l);
	assert_int_equal(store_reminder_due(f->st, 200, 2, &l), 0);
	assert_int_equal(l.n, 2);
	store_reminder_list_release(&l);

	/* sent ones leave; a recorded due key marks one sent on the way */
	assert_int_equal(store_reminder_sent(f->st, a1, 5000), 0);
	snprintf(key, sizeof(key), "remind:%lld", (long long)a2);
	assert_int_equal(store_due_mark(f->st, key, "sent", 5000), 0);
	assert_int_equal(store_reminder_due(f->st, 200, 10, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, a3);      /* now each sender's first: by time */
	assert_int_equal(l.v[1].id, b1);
	store_reminder_list_release(&l);
	assert_int_equal(store_reminder_open(f->st, "@a:x"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_get_attend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_of_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reminders, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
