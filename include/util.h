/*
 * util.h - the few things every module needs: allocation that aborts on
 * out-of-memory in one place, a growable string buffer with a hard size cap,
 * and small string helpers.  Nothing here knows about Matrix, sqlite or
 * commands.
 */
#ifndef CAUCUS_UTIL_H
#define CAUCUS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* Allocation: never returns NULL; prints a message and aborts when memory
 * is exhausted.  Free with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);           /* xstrdup(NULL) returns NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Wipe then free (secrets); NULL is a no-op. */
void free_secret(char *s);

/*
 * A growable, always NUL-terminated byte buffer.  'cap' is a hard limit on
 * len (0 = BUF_DEFAULT_CAP); appends past it fail with -1 and set
 * 'toobig', leaving the content as it was.  The buffer owns 'data';
 * buf_release() frees it, buf_detach() hands it to the caller and leaves
 * the buffer empty and holding no memory (so no release is needed after).
 * An empty buffer allocates nothing until its first append.
 */
#define BUF_DEFAULT_CAP ((size_t)64 << 20)
struct buf {
	char *data;     /* never NULL after buf_init */
	size_t len;
	size_t alloc;
	size_t cap;
	int toobig;
};
void buf_init(struct buf *b, size_t cap);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);        /* caller frees; b is re-initialised */
void buf_reset(struct buf *b);          /* len = 0, keeps memory */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
/* Append s with & < > " ' escaped for HTML text and attribute values. */
int buf_html_escape(struct buf *b, const char *s);

/* String helpers. */
int str_ieq(const char *a, const char *b);              /* ASCII case-insensitive == */
int str_iprefix(const char *s, const char *prefix);     /* s starts with prefix, case-insensitive */
void str_lower(char *s);                                /* ASCII, in place */
char *str_trim(char *s);                                /* in place, returns start */
/* Levenshtein distance, ASCII case-insensitive; large inputs are capped. */
size_t str_distance(const char *a, const char *b);
/* Glob match with '*' and '?', case-sensitive (for user ID patterns). */
int str_glob(const char *pattern, const char *s);
/* Parse a decimal integer of the whole string into *out; -1 on any junk or overflow. */
int str_to_i64(const char *s, int64_t *out);

/* A list of owned strings. */
struct strv {
	char **v;
	size_t n;
};
void strv_push(struct strv *sv, const char *s);   /* copies s */
void strv_push_owned(struct strv *sv, char *s);   /* takes s */
int strv_has(const struct strv *sv, const char *s);
void strv_release(struct strv *sv);

#endif
