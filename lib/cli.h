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

/* The ids of the options every appvm program takes; a program's own ids
 * are 0 or more. */
enum cli_common_id { CLI_VERBOSE = -1, CLI_HELP = -2, CLI_VERSION = -3 };

/* -v/--verbose, -h/--help and --version, for the end of an option table. */
/* clang-format off */
#define CLI_COMMON_OPTIONS \
	{"--verbose", CLI_VERBOSE, false}, \
	{"-v", CLI_VERBOSE, false}, \
	{"--help", CLI_HELP, false}, \
	{"-h", CLI_HELP, false}, \
	{"--version", CLI_VERSION, false}
/* clang-format on */

/* Where cli_parse records the common options. */
struct cli_common {
	bool *verbose, *help, *version;
};

/* Reads argv[first..argc) with cli_next. The common options set their flag
 * in *common (--help and --version stop the parse there); every other one
 * goes to set(ud, id, name, value, err, errlen), which returns 0 to go on,
 * 1 to stop there or -EINVAL. Returns 0 or the first error. */
int cli_parse(const struct cli_option *opts, size_t n, int argc, char *const argv[], int first,
	      const struct cli_common *common,
	      int (*set)(void *ud, int id, const char *name, const char *value, char *err,
			 size_t errlen),
	      void *ud, char *err, size_t errlen);

/* For programs that parse with getopt_long (opterr = 0, optstring starting
 * with ':'): the message for its return o, ':' (a missing value) or '?',
 * with its optopt and arg = argv[optind - 1] -- "--cid needs a value",
 * "--verbose takes no value", "unknown option \"--bogus\" (see --help)";
 * a short option is named by optopt ("unknown option \"-x\"", in "-xh"
 * too). Returns -EINVAL. */
int cli_getopt_error(int o, int optopt_, const char *arg, char *err, size_t errlen);

/* Writes a message into err (errlen bytes) and returns -EINVAL. */
int cli_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
