/*
 * test_store_calendar.c - the session queries behind calendars
 * (store_session_of_issue, store_session_of_member in bot/store_session.c)
 * and the SEQUENCE counter: a member's calendar holds the sessions they
 * attend and those of the issues they cover, each once; cancelled ones
 * while recent; moves raise SEQUENCE.
 */
#include "testutil.h"

#include <unistd.h>

#include "store.h"
#include "store_issue.h"
#include "store_session.h"

#define DAY 86400
#define T0 1541412000           /* 2018-11-05 10:00 UTC */

static char dbpath[64];

static void unlink_all(void)
{
	char p[80];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static int setup(void **state)
{
	char err[256];
	struct store *st;

	snprintf(dbpath, sizeof(dbpath), "/tmp/caucus-cal-test-%d.db", (int)getpid());
	unlink_all();
	st = store_open(dbpath, err, sizeof(err));
	if (!st)
		print_error("%s\n", err);
	*state = st;
	return st ? 0 : -1;
}

static int teardown(void **state)
{
	store_close(*state);
	unlink_all();
	return 0;
}

static void ids(const struct session_list *l, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < l->n && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%lld", i ? "," : "",
					 (long long)l->v[i].id);
}

static void test_member_calendar(void **state)
{
	struct store *st = *state;
	struct session_list l = { 0 };
	int64_t cyber, gender, id;
	char got[128], *old = NULL;

	assert_int_equal(store_issue_add(st, "cybersecurity", "Cybersecurity", 1, &cyber), 0);
	assert_int_equal(store_issue_add(st, "gender", "Gender", 1, &gender), 0);
	assert_int_equal(store_cover_set(st, cyber, "@amira:example.org", "lead", 1, &old), 0);
	assert_null(old);
	/* 1: cyber, nobody attends; 2: gender, Amira attends; 3: gender, Bob
	 * attends; 4: cyber, ended a week ago; 5: cyber, cancelled long ago;
	 * 6: cyber, cancelled just now */
	assert_int_equal(store_session_add(st, cyber, "Drafting", "Room C", T0, T0 + 3600,
					   "@a:example.org", 1000, &id), 0);
	assert_int_equal(store_session_add(st, gender, "Briefing", NULL, T0 - 3600, T0,
					   "@a:example.org", 1000, &id), 0);
	assert_int_equal(store_session_attend(st, id, "@amira:example.org", 1000), 0);
	assert_int_equal(store_session_add(st, gender, "Reception", NULL, T0 + DAY,
					   T0 + DAY + 3600, "@a:example.org", 1000, &id), 0);
	assert_int_equal(store_session_attend(st, id, "@bob:example.org", 1000), 0);
	assert_int_equal(store_session_add(st, cyber, "Old", NULL, T0 - 7 * DAY,
					   T0 - 7 * DAY + 60, "@a:example.org", 1000, &id), 0);
	assert_int_equal(store_session_add(st, cyber, "Off long ago", NULL, T0 + 2 * DAY,
					   T0 + 2 * DAY + 60, "@a:example.org", 1000, &id), 0);
	assert_int_equal(store_session_cancel(st, id, 5000), 0);
	assert_int_equal(store_session_add(st, cyber, "Off now", NULL, T0 + 3 * DAY,
					   T0 + 3 * DAY + 60, "@a:example.org", 1000, &id), 0);
	assert_int_equal(store_session_cancel(st, id, 900000), 0);
	/* Amira also attends one of the issue she covers: still listed once */
	assert_int_equal(store_session_attend(st, 1, "@amira:example.org", 1000), 0);

	assert_int_equal(store_session_of_member(st, "@amira:example.org", T0 - DAY, 800000,
						 &l), 0);
	ids(&l, got, sizeof(got));
	assert_string_equal(got, "2,1,6");
	assert_int_equal(l.v[1].attendees.n, 1);
	assert_string_equal(l.v[1].issue_name, "Cybersecurity");
	assert_true(l.v[2].cancelled_ms > 0);
	store_session_list_release(&l);

	/* from further back and every cancellation: 4 and 5 too */
	assert_int_equal(store_session_of_member(st, "@amira:example.org", T0 - 8 * DAY, 0, &l),
			 0);
	ids(&l, got, sizeof(got));
	assert_string_equal(got, "4,2,1,5,6");
	store_session_list_release(&l);

	/* Bob covers nothing: only what he attends; a stranger: nothing */
	assert_int_equal(store_session_of_member(st, "@bob:example.org", 0, 0, &l), 0);
	ids(&l, got, sizeof(got));
	assert_string_equal(got, "3");
	store_session_list_release(&l);
	assert_int_equal(store_session_of_member(st, "@eve:example.org", 0, 0, &l), 0);
	assert_int_equal(l.n, 0);

	/* an issue's sessions, cancelled ones included */
	assert_int_equal(store_session_of_issue(st, cyber, T0 - DAY, &l), 0);
	ids(&l, got, sizeof(got));
	assert_string_equal(got, "1,5,6");
	store_session_list_release(&l);
	/* no longer covering: only what she attends */
	assert_int_equal(store_cover_remove(st, cyber, "@amira:example.org"), 0);
	assert_int_equal(store_session_of_member(st, "@amira:example.org", T0 - DAY, 0, &l), 0);
	ids(&l, got, sizeof(got));
	assert_string_equal(got, "2,1");
	store_session_list_release(&l);
}

static void test_sequence(void **state)
{
	struct store *st = *state;
	struct session s;
	int64_t issue, id;

	assert_int_equal(store_issue_add(st, "ott", "OTT", 1, &issue), 0);
	assert_int_equal(store_session_add(st, issue, "Informal", NULL, T0, T0 + 60,
					   "@a:example.org", 1, &id), 0);
	assert_int_equal(store_session_get(st, id, &s), 0);
	assert_int_equal(s.sequence, 0);
	store_session_release(&s);
	assert_int_equal(store_session_move(st, id, T0 + 60, T0 + 120, 2), 0);
	assert_int_equal(store_session_move(st, id, T0 + 120, T0 + 180, 3), 0);
	/* a cancellation is told by STATUS, not by SEQUENCE */
	assert_int_equal(store_session_cancel(st, id, 4), 0);
	assert_int_equal(store_session_get(st, id, &s), 0);
	assert_int_equal(s.sequence, 2);
	store_session_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_member_calendar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
