/* Running appvmctl in-process for the control tests, and checking what it
 * printed: the exit code, expected text, and that nothing a guest sent can
 * reach a terminal unescaped. */
#ifndef APPVM_TEST_CTL_RUN_H
#define APPVM_TEST_CTL_RUN_H

#include <stdint.h>

struct run {
	int code;
	uint64_t ms;
	uint64_t cpu_ms; /* CPU time appvmctl's thread used (user + system) */
	char *out;
	char *err;
};

/* Runs "appvmctl ARGS..." (NULL-terminated) and captures its output. */
struct run run_ctl(const char *first, ...);

/* Frees the captured output. */
void run_free(struct run *r);

/* Fails the test unless the exit code is code, stdout holds in_out and stderr
 * in_err (when not NULL), and both are terminal-safe. */
void expect(const struct run *r, int code, const char *in_out, const char *in_err);

/* Fails the test if s is not valid UTF-8 or holds a character the escaper
 * would escape (newlines apart): an escape sequence, a bidi control, an
 * invisible character. */
void assert_terminal_safe(const char *what, const char *s);

/* Fails the test unless s is printable ASCII apart from newlines (JSON output). */
void assert_printable_ascii(const char *what, const char *s);

#endif
