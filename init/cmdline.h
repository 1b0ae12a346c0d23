/* Kernel command line parsing (/proc/cmdline). Pure. */
#ifndef APPVM_INIT_CMDLINE_H
#define APPVM_INIT_CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX_ARGS 256
#define CMDLINE_MAX_LEN	 4096

struct cmdline {
	char buf[CMDLINE_MAX_LEN];
	char *args[CMDLINE_MAX_ARGS];
	size_t n;
};

/* Splits text into parameters as the kernel does: whitespace separates, double
 * quotes group (and are removed), parsing stops at "--". Returns 0, -E2BIG
 * (too long or too many parameters) or -EINVAL (unterminated quote). */
int cmdline_parse(struct cmdline *cl, const char *text);

/* Returns the value of the last "key=value" parameter, "" for a bare "key",
 * or NULL when key is absent. */
const char *cmdline_get(const struct cmdline *cl, const char *key);

#endif
