/*
 * test_docsym.c - document symbols (bot/docsym.c), table-driven: real
 * spellings of ITU (PP-18, Council, WTDC), UN General Assembly, Human
 * Rights Council and UNFCCC documents, each with what it must parse to;
 * spellings found in shared file names; malformed ones with the reason.
 */
#include "testutil.h"

#include "docsym.h"
#include "util.h"

struct good {
	const char *in;
	const char *base;
	int add, corr, rev;
	const char *text;       /* canonical spelling */
	const char *key;        /* what every spelling of the document shares */
};

static const struct good typed[] = {
	/* ITU Plenipotentiary Conference 2018 (Dubai) */
	{ "DT/64", "DT/64", 0, 0, 0, "DT/64", "DT64" },
	{ "DT/64(Rev.2)", "DT/64", 0, 0, 2, "DT/64(Rev.2)", "DT64" },
	{ "DT/64 Rev.2", "DT/64", 0, 0, 2, "DT/64(Rev.2)", "DT64" },
	{ "dt/64(rev.3)", "DT/64", 0, 0, 3, "DT/64(Rev.3)", "DT64" },
	{ "DT/64 (Rev. 3)", "DT/64", 0, 0, 3, "DT/64(Rev.3)", "DT64" },
	{ "DT/64/Rev.1", "DT/64", 0, 0, 1, "DT/64(Rev.1)", "DT64" },
	{ "DT/64-Rev.1", "DT/64", 0, 0, 1, "DT/64(Rev.1)", "DT64" },
	{ "DT / 64 Rev 4", "DT/64", 0, 0, 4, "DT/64(Rev.4)", "DT64" },
	{ "DT/2(Rev.12)", "DT/2", 0, 0, 12, "DT/2(Rev.12)", "DT2" },
	{ "PP-18/64", "PP-18/64", 0, 0, 0, "PP-18/64", "PP18/64" },
	{ "PP-18/64(Add.1)", "PP-18/64", 1, 0, 0, "PP-18/64(Add.1)", "PP18/64+A1" },
	{ "PP-18/64(Rev.1)", "PP-18/64", 0, 0, 1, "PP-18/64(Rev.1)", "PP18/64" },
	{ "PP-18/1(Add.3)(Rev.1)", "PP-18/1", 3, 0, 1, "PP-18/1(Add.3)(Rev.1)", "PP18/1+A3" },
	{ "PP-18/64-E", "PP-18/64", 0, 0, 0, "PP-18/64", "PP18/64" },
	{ "PP-18/64(Add.1)-E", "PP-18/64", 1, 0, 0, "PP-18/64(Add.1)", "PP18/64+A1" },
	{ "PP18/64", "PP18/64", 0, 0, 0, "PP18/64", "PP18/64" },
	{ "PP-18/64-E(Rev.1)", "PP-18/64", 0, 0, 1, "PP-18/64(Rev.1)", "PP18/64" },
	{ "PP-18/INF/3", "PP-18/INF/3", 0, 0, 0, "PP-18/INF/3", "PP18/INF3" },
	{ "PP-18/60(Corr.1)", "PP-18/60", 0, 1, 0, "PP-18/60(Corr.1)", "PP18/60+C1" },
	/* ITU Council, WTDC, WSIS */
	{ "C18/45", "C18/45", 0, 0, 0, "C18/45", "C18/45" },
	{ "C18/INF/10(Rev.1)", "C18/INF/10", 0, 0, 1, "C18/INF/10(Rev.1)", "C18/INF10" },
	{ "C19/72(Rev.1)-E", "C19/72", 0, 0, 1, "C19/72(Rev.1)", "C19/72" },
	{ "WTDC-17/24(Add.2)", "WTDC-17/24", 2, 0, 0, "WTDC-17/24(Add.2)", "WTDC17/24+A2" },
	{ "WTDC17/DT/14(Rev.1)", "WTDC17/DT/14", 0, 0, 1, "WTDC17/DT/14(Rev.1)", "WTDC17/DT14" },
	/* UN General Assembly */
	{ "A/73/L.1", "A/73/L.1", 0, 0, 0, "A/73/L.1", "A73/L1" },
	{ "A/RES/73/27", "A/RES/73/27", 0, 0, 0, "A/RES/73/27", "A/RES73/27" },
	{ "A/C.1/73/L.27/Rev.1", "A/C.1/73/L.27", 0, 0, 1, "A/C.1/73/L.27/Rev.1", "A/C1/73/L27" },
	{ "A/C.3/74/L.11/Rev.1", "A/C.3/74/L.11", 0, 0, 1, "A/C.3/74/L.11/Rev.1", "A/C3/74/L11" },
	{ "A/73/PV.45", "A/73/PV.45", 0, 0, 0, "A/73/PV.45", "A73/PV45" },
	{ "A/74/10/Add.1", "A/74/10", 1, 0, 0, "A/74/10/Add.1", "A74/10+A1" },
	{ "A/73/505/Corr.1", "A/73/505", 0, 1, 0, "A/73/505/Corr.1", "A73/505+C1" },
	{ "A/CONF.236/6", "A/CONF.236/6", 0, 0, 0, "A/CONF.236/6", "A/CONF236/6" },
	{ "a/c.2/73/l.8 rev.1", "A/C.2/73/L.8", 0, 0, 1, "A/C.2/73/L.8/Rev.1", "A/C2/73/L8" },
	{ "A/70/L.1", "A/70/L.1", 0, 0, 0, "A/70/L.1", "A70/L1" },
	{ "E/CN.6/2019/L.3", "E/CN.6/2019/L.3", 0, 0, 0, "E/CN.6/2019/L.3", "E/CN6/2019/L3" },
	/* Human Rights Council */
	{ "A/HRC/35/L.15", "A/HRC/35/L.15", 0, 0, 0, "A/HRC/35/L.15", "A/HRC35/L15" },
	{ "A/HRC/35/L.15/Rev.1", "A/HRC/35/L.15", 0, 0, 1, "A/HRC/35/L.15/Rev.1", "A/HRC35/L15" },
	{ "A/HRC/35/L.15(Rev.1)", "A/HRC/35/L.15", 0, 0, 1, "A/HRC/35/L.15/Rev.1", "A/HRC35/L15" },
	{ "A/HRC/RES/35/7", "A/HRC/RES/35/7", 0, 0, 0, "A/HRC/RES/35/7", "A/HRC/RES35/7" },
	{ "A/HRC/38/L.10/Rev.1", "A/HRC/38/L.10", 0, 0, 1, "A/HRC/38/L.10/Rev.1", "A/HRC38/L10" },
	{ "A/HRC/WG.6/29/FRA/1", "A/HRC/WG.6/29/FRA/1", 0, 0, 0, "A/HRC/WG.6/29/FRA/1",
	  "A/HRC/WG6/29/FRA1" },
	{ "A/HRC/40/L.1/Rev.1", "A/HRC/40/L.1", 0, 0, 1, "A/HRC/40/L.1/Rev.1", "A/HRC40/L1" },
	{ "A/HRC/32/13/Add.1", "A/HRC/32/13", 1, 0, 0, "A/HRC/32/13/Add.1", "A/HRC32/13+A1" },
	/* UNFCCC */
	{ "FCCC/SBI/2023/L.4", "FCCC/SBI/2023/L.4", 0, 0, 0, "FCCC/SBI/2023/L.4", "FCCC/SBI2023/L4" },
	{ "FCCC/CP/2015/L.9/Rev.1", "FCCC/CP/2015/L.9", 0, 0, 1, "FCCC/CP/2015/L.9/Rev.1",
	  "FCCC/CP2015/L9" },
	{ "FCCC/PA/CMA/2018/3/Add.1", "FCCC/PA/CMA/2018/3", 1, 0, 0, "FCCC/PA/CMA/2018/3/Add.1",
	  "FCCC/PA/CMA2018/3+A1" },
	{ "FCCC/SBSTA/2019/L.10", "FCCC/SBSTA/2019/L.10", 0, 0, 0, "FCCC/SBSTA/2019/L.10",
	  "FCCC/SBSTA2019/L10" },
	{ "FCCC/KP/CMP/2021/8/Add.1", "FCCC/KP/CMP/2021/8", 1, 0, 0, "FCCC/KP/CMP/2021/8/Add.1",
	  "FCCC/KP/CMP2021/8+A1" },
	{ "FCCC/CP/2021/L.13", "FCCC/CP/2021/L.13", 0, 0, 0, "FCCC/CP/2021/L.13", "FCCC/CP2021/L13" },
	{ "fccc/cp/2018/10/add.1", "FCCC/CP/2018/10", 1, 0, 0, "FCCC/CP/2018/10/Add.1",
	  "FCCC/CP2018/10+A1" },
};

static void test_typed(void **state)
{
	char why[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(typed); i++) {
		const struct good *c = &typed[i];
		struct docsym d;
		why[0] = '\0';
		if (docsym_parse(c->in, &d, why, sizeof(why)))
			fail_msg("'%s' did not parse: %s", c->in, why);
		if (strcmp(d.base, c->base) || d.add != c->add || d.corr != c->corr ||
		    d.rev != c->rev || strcmp(d.text, c->text) || strcmp(d.key, c->key))
			fail_msg("'%s' -> base '%s' add %d corr %d rev %d text '%s' key '%s'; "
				 "expected '%s' %d %d %d '%s' '%s'", c->in, d.base, d.add, d.corr,
				 d.rev, d.text, d.key, c->base, c->add, c->corr, c->rev, c->text,
				 c->key);
	}
	assert_true(ARRAY_LEN(typed) >= 40);
}

/* names as delegates save them: the key must be the typed symbol's */
static const struct good names[] = {
	{ "DT-64-Rev2.pdf", "DT/64", 0, 0, 2, "DT/64(Rev.2)", "DT64" },
	{ "PP18_64R1.docx", "PP18/64", 0, 0, 1, "PP18/64(Rev.1)", "PP18/64" },
	{ "PP-18-64-Add1-E.docx", "PP/18/64", 1, 0, 0, "PP/18/64(Add.1)", "PP18/64+A1" },
	{ "A_HRC_35_L.15_Rev.1.pdf", "A/HRC/35/L.15", 0, 0, 1, "A/HRC/35/L.15/Rev.1", "A/HRC35/L15" },
	{ "FCCC_SBI_2023_L04.pdf", "FCCC/SBI/2023/L04", 0, 0, 0, "FCCC/SBI/2023/L04",
	  "FCCC/SBI2023/L04" },
	{ "DT 64 (Rev.3) clean.docx", "DT/64", 0, 0, 3, "DT/64(Rev.3)", "DT64" },
	{ "C18-INF-10-R1-E.pdf", "C18/INF/10", 0, 0, 1, "C18/INF/10(Rev.1)", "C18/INF10" },
	{ "dt64rev2.pdf", NULL, 0, 0, 0, NULL, NULL },    /* one token: not read */
	{ "IMG_2041.jpg", "IMG/2041", 0, 0, 0, "IMG/2041", "IMG2041" },  /* looks like one */
	{ "notes.pdf", NULL, 0, 0, 0, NULL, NULL },
	{ "Rev2.pdf", NULL, 0, 0, 0, NULL, NULL },
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const struct good *c = &names[i];
		struct docsym d;
		int rc = docsym_parse_name(c->in, &d);
		if (!c->base) {
			if (rc == 0)
				fail_msg("'%s' should hold no symbol, got '%s'", c->in, d.text);
			continue;
		}
		if (rc)
			fail_msg("'%s' did not parse", c->in);
		if (strcmp(d.base, c->base) || d.add != c->add || d.rev != c->rev ||
		    strcmp(d.text, c->text) || strcmp(d.key, c->key))
			fail_msg("'%s' -> '%s' '%s' '%s' add %d rev %d", c->in, d.base, d.text, d.key,
				 d.add, d.rev);
	}
}

static void test_malformed(void **state)
{
	static const struct {
		const char *in;
		const char *why;        /* a piece of the reason */
	} cases[] = {
		{ "", "no symbol" },
		{ "   ", "no symbol" },
		{ "DT", "has no '/'" },
		{ "DT64", "has no '/'" },
		{ "DT/INF", "has no number" },
		{ "DT//64", "empty" },
		{ "/64", "starts with" },
		{ "DT/64(Rev.)", "'Rev' needs a number" },
		{ "DT/64 Rev", "'Rev' needs a number" },
		{ "DT/64(Rev.2", "'(' without ')'" },
		{ "DT/64(Rev.0)", "Rev.0 is not a part" },
		{ "DT/64(Rev.1)(Rev.2)", "two Rev. parts" },
		{ "DT/64(Rev.1234)", "too high" },
		{ "DT/64 draft", "cannot read 'draft'" },
		{ "DT/64#2", "'#' cannot be" },
		{ "DT/6;4", "';' cannot be" },
		{ "DT/64 Rev.2 final", "cannot read 'final'" },
		{ "D<T/64", "'<' cannot be" },
		{ "DT/64\nRev.2", "letters, digits and / . - ( ) only" },
		{ "DT/64 Rév.2", "letters, digits and / . - ( ) only" },
		{ "A/HRC/35/L.15/Rev.1/Rev.2", "two Rev. parts" },
		{ "Rev.2", "has no '/'" },
		{ "DT/64(Review)", "cannot read" },
		{ "A/73/L.1/Add.1/Add.2", "two Add. parts" },
		{ "DT/1111111111111111111111111111111111111111111111111111111111111111"
		  "1111111111111111111111111111111111111111", "at most" },
	};
	char why[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct docsym d;
		why[0] = '\0';
		if (!docsym_parse(cases[i].in, &d, why, sizeof(why)))
			fail_msg("'%s' parsed as '%s'", cases[i].in, d.text);
		if (!strstr(why, cases[i].why))
			fail_msg("'%s': reason '%s' lacks '%s'", cases[i].in, why, cases[i].why);
	}
}

static void test_is_part(void **state)
{
	(void)state;
	assert_true(docsym_is_part("Rev.2"));
	assert_true(docsym_is_part("(Rev.2)"));
	assert_true(docsym_is_part("rev2"));
	assert_true(docsym_is_part("Add.1"));
	assert_false(docsym_is_part("Revised"));
	assert_false(docsym_is_part("Rev."));
	assert_false(docsym_is_part("(Rev.2"));
	assert_false(docsym_is_part("text"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_is_part),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
