/* Command-line options in the style of every appvm program: long options
 * taking their value as the next argument or after '=', flags without one,
 * short aliases. Pure code. */
#ifndef APPVM_CLI_H
#define APPVM_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct cli_option {
	const char *name; /* "--port", "-v" */
	int id;
	bool has_value;
};

/* Reads the option at argv[*i] against opts (n of them), moving *i past its
 * value when the value is the next argument. Returns 0 with the option's id
 * in *ret_id, its name in *ret_name and its value (NULL for a flag) in
 * *ret_value; or -EINVAL with a message in err: unknown option, stray
 * argument, missing value, value given to a flag. */
int cli_next(const struct cli_option *opts, size_t n, int argc, char *const argv[], int *i,
	     int *ret_id, const char **ret_name, const char **ret_value, char *err, size_t errlen);

/* Reads argv[first..argc) with cli_next and hands each option to set(ud,
 * id, name, value, err, errlen), which returns 0 to go on, 1 to stop there
 * (--help, --version) or -EINVAL. Returns 0 or the first error. */
int cli_parse(const struct cli_option *opts, size_t n, int argc, char *const argv[], int first,
	      int (*set)(void *ud, int id, const char *name, const char *value, char *err,
			 size_t errlen),
	      void *ud, char *err, size_t errlen);

/* Writes a message into err (errlen bytes) and returns -EINVAL. */
int cli_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
