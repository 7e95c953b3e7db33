/*
 * tokenize.h - splits a command line into arguments the way a tired person
 * on a phone types them: spaces separate, "double quotes" (also the curly
 * quotes phones insert) group, a backslash inside quotes escapes a quote.
 */
#ifndef CAUCUS_TOKENIZE_H
#define CAUCUS_TOKENIZE_H

#include <stddef.h>

#include "util.h"

#define TOKENIZE_MAX_ARGS 256

/*
 * Split 'text' into argv (appended, unquoted copies) and, for each, the
 * byte offset in text where the argument starts (*offs, caller frees).
 * Returns 0, or -1 with a reason in err ("unterminated quote", "too many
 * arguments").  On error argv and *offs are left empty.
 */
int tokenize(const char *text, struct strv *argv, size_t **offs, char *err, size_t errlen);

/*
 * Turn the mention pills of an HTML formatted body into (label, user ID)
 * pairs: <a href="https://matrix.to/#/@user:server">label</a>.  Labels
 * have their HTML entities decoded.  Appends to labels and users.
 */
void pills_parse(const char *html, struct strv *labels, struct strv *users);

/*
 * Replace, in body, the first occurrence of each label (after the previous
 * replacement) with its user ID.  Returns a new string the caller frees.
 */
char *pills_apply(const char *body, const struct strv *labels, const struct strv *users);

#endif
