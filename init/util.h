/* Small pure helpers for appvm-init: argv splitting, value parsing and the
 * "did you mean" suggestion. No side effects; every function returns 0 or
 * -errno unless documented otherwise. */
#ifndef APPVM_INIT_UTIL_H
#define APPVM_INIT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Splits a command line into words without a shell: whitespace separates,
 * '...' is literal, "..." allows \" and \\, a backslash outside quotes escapes
 * the next byte. Words are copied into buf and argv is NULL-terminated.
 * Returns 0, -EINVAL (unterminated quote or trailing backslash, or no word at
 * all) or -E2BIG (buf or argv too small). */
int util_argv_split(const char *s, char *buf, size_t buflen, char **argv, size_t max_argv,
		    size_t *ret_argc);

#define UTIL_WORDS_BUF 4096
#define UTIL_WORDS_MAX 128

/* A command line under construction: words copied into one buffer, v[] is
 * NULL-terminated. It points into itself: never copy it by assignment (use
 * util_words_append). */
struct util_words {
	char buf[UTIL_WORDS_BUF];
	size_t used;
	char *v[UTIL_WORDS_MAX + 1];
	size_t n;
};

/* Empties w. */
void util_words_init(struct util_words *w);

/* Appends one word. Returns 0 or -E2BIG. */
int util_words_add(struct util_words *w, const char *word);

/* Appends the words of a command line (util_argv_split rules; blank is no
 * word at all). Returns 0, -EINVAL (unbalanced quote) or -E2BIG. */
int util_words_split(struct util_words *w, const char *cmdline);

/* Appends src's words from index from on. Returns 0 or -E2BIG. */
int util_words_append(struct util_words *w, const struct util_words *src, size_t from);

/* Parses yes/no, true/false, on/off, 1/0. Returns 0 or -EINVAL. */
int util_parse_bool(const char *s, bool *ret);

/* Copies src into dst of size bytes. Returns 0 or -ENAMETOOLONG (dst untouched). */
int util_copy(char *dst, size_t size, const char *src);

/* Joins the strings that follow, up to a NULL, into dst of size bytes
 * (size > 0), cut to fit as snprintf would: what boot builds before the
 * agent starts, without printf's code (its first run is costly under
 * emulation). Returns 0, or -ENAMETOOLONG when cut. */
int util_cat(char *dst, size_t size, ...) __attribute__((sentinel));

/* Digits of v, in decimal, in buf; returns buf. */
#define UTIL_ULONG_LEN 21
char *util_ulong(char buf[UTIL_ULONG_LEN], unsigned long v);

/* Returns true when s is an absolute, normalised path: starts with '/', no
 * "//", no "." or ".." component, no trailing '/' (except "/"). */
bool util_path_ok(const char *s);

#endif
