/*
 * mx_content.h - the content of the messages the bot sends (SPEC §2): an
 * m.notice with a plain body and an HTML formatted_body, m.mentions, and
 * the rich reply relation, inside the command's thread when it came in
 * one.  Knows nothing of where the text came from.
 */
#ifndef CAUCUS_MX_CONTENT_H
#define CAUCUS_MX_CONTENT_H

#include <stddef.h>

struct mx_notice {
	const char *body;               /* plain text */
	const char *html;               /* formatted_body, or NULL */
	char *const *mentions;          /* user IDs; none: "m.mentions": {} */
	size_t n_mentions;
	const char *reply_to;           /* event answered, or NULL */
	const char *thread_root;        /* thread to stay in, or NULL */
};

/* The event content as JSON text (caller frees). */
char *mx_content_notice(const struct mx_notice *n);

#endif
