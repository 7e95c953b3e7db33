/*
 * docsym.h - reads the symbols conferences give their documents (SPEC §1
 * "document"): "DT/64(Rev.2)", "PP-18/64(Add.1)", "A/HRC/35/L.15/Rev.1",
 * "FCCC/SBI/2023/L.4", as typed in a command or as found in a file name
 * ("DT-64-Rev2.pdf", "PP18_64R1.docx").  It splits a symbol into its base,
 * its addendum and corrigendum numbers and its revision number, and gives
 * the key two spellings of one document share.  Pure text: no store, no
 * Matrix, no commands.
 */
#ifndef CAUCUS_DOCSYM_H
#define CAUCUS_DOCSYM_H

#include <stddef.h>

#define DOCSYM_MAX 96           /* longest symbol read, in bytes */
#define DOCSYM_PART_MAX 999     /* highest Rev./Add./Corr. number */

struct docsym {
	char base[DOCSYM_MAX];  /* "DT/64", "A/HRC/35/L.15": upper case, no spaces */
	int add;                /* Add.N, 0 when none */
	int corr;               /* Corr.N, 0 when none */
	int rev;                /* Rev.N, 0 when none (the original text) */
	int un_style;           /* parts written /Rev.1 (UN) rather than (Rev.1) (ITU) */
	char doc[DOCSYM_MAX + 32];  /* base with its Add./Corr.: the document a
				     * revision belongs to, "PP-18/1(Add.3)" */
	char text[DOCSYM_MAX + 48]; /* the whole symbol, spelt canonically:
				     * "DT/64(Rev.2)", "A/HRC/35/L.15/Rev.1" */
	char key[DOCSYM_MAX + 24];  /* what spellings of one document share:
				     * "PP-18/64", "PP18/64" and "pp 18/64"
				     * all give "PP18/64" */
};

/*
 * Read a symbol as typed ("DT/64 Rev.2", "dt/64(rev.2)", "A/HRC/35/L.15/Rev.1").
 * Returns 0 with *out filled, or -1 with a one-line reason in why (e.g.
 * "'Rev' needs a number, e.g. Rev.2").  Keeps nothing.
 */
int docsym_parse(const char *s, struct docsym *out, char *why, size_t whylen);

/*
 * Find a symbol in a file name ("DT-64-Rev2.pdf", "PP18_64R1.docx",
 * "A_HRC_35_L.15_Rev.1.pdf"): the extension and a trailing language
 * letter (-E) are dropped, '-', '_' and spaces may stand for '/', and
 * "R1" means Rev.1.  The base keeps the name's spelling ("PP18/64"); its
 * key matches the typed symbol's.  0 when one is found, else -1.
 */
int docsym_parse_name(const char *name, struct docsym *out);

/* Give d revision rev (0: the original) and spell text anew. */
void docsym_set_rev(struct docsym *d, int rev);

/* 1 when s (one argument) is a part of a symbol on its own: "Rev.2",
 * "(Rev.2)", "Add.1" — "!doc DT/64 Rev.2" is one symbol. */
int docsym_is_part(const char *s);

#endif
