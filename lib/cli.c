#include "cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int cli_next(const struct cli_option *opts, size_t n, int argc, char *const argv[], int *i,
	     int *ret_id, const char **ret_name, const char **ret_value, char *err, size_t errlen)
{
	const char *arg = argv[*i];
	const char *eq = strchr(arg, '=');
	size_t name_len = eq && arg[0] == '-' && arg[1] == '-' ? (size_t)(eq - arg) : strlen(arg);
	size_t k;
	for (k = 0; k < n; k++)
		if (strlen(opts[k].name) == name_len && strncmp(opts[k].name, arg, name_len) == 0)
			break;
	if (k == n) {
		if (arg[0] == '-')
			return cli_error(err, errlen, "unknown option \"%.*s\" (see --help)",
					 (int)(name_len > 64 ? 64 : name_len), arg);
		return cli_error(err, errlen, "unexpected argument \"%.64s\" (see --help)", arg);
	}
	const char *value = NULL;
	if (opts[k].has_value) {
		if (name_len < strlen(arg)) {
			value = arg + name_len + 1;
		} else {
			if (*i + 1 >= argc)
				return cli_error(err, errlen, "%s needs a value", opts[k].name);
			value = argv[++*i];
		}
	} else if (name_len < strlen(arg)) {
		return cli_error(err, errlen, "%s takes no value", opts[k].name);
	}
	*ret_id = opts[k].id;
	*ret_name = opts[k].name;
	*ret_value = value;
	return 0;
}

/* Records a common option. Returns 0 to go on, 1 to stop. */
static int set_common(const struct cli_common *common, int id)
{
	switch ((enum cli_common_id)id) {
	case CLI_VERBOSE:
		*common->verbose = true;
		return 0;
	case CLI_HELP:
		*common->help = true;
		return 1;
	case CLI_VERSION:
		*common->version = true;
		return 1;
	}
	return 0;
}

int cli_parse(const struct cli_option *opts, size_t n, int argc, char *const argv[], int first,
	      const struct cli_common *common,
	      int (*set)(void *ud, int id, const char *name, const char *value, char *err,
			 size_t errlen),
	      void *ud, char *err, size_t errlen)
{
	for (int i = first; i < argc; i++) {
		int id;
		const char *name, *value;
		int r = cli_next(opts, n, argc, argv, &i, &id, &name, &value, err, errlen);
		if (r == 0)
			r = id < 0 ? set_common(common, id) : set(ud, id, name, value, err, errlen);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return 0;
}

int cli_getopt_error(int o, int optopt_, const char *arg, char *err, size_t errlen)
{
	/* A short option is named by optopt: inside a cluster ("-xh") getopt
	 * has not moved optind past it yet, so arg is the element before. */
	if (optopt_ > ' ' && optopt_ < 127 && !(arg[0] == '-' && arg[1] == '-')) {
		if (o == ':')
			return cli_error(err, errlen, "-%c needs a value", optopt_);
		return cli_error(err, errlen, "unknown option \"-%c\" (see --help)", optopt_);
	}
	const char *eq = arg[0] == '-' && arg[1] == '-' ? strchr(arg, '=') : NULL;
	int len = (int)(eq ? eq - arg : (ptrdiff_t)strlen(arg));
	if (len > 64)
		len = 64;
	if (o == ':')
		return cli_error(err, errlen, "%.*s needs a value", len, arg);
	if (eq && optopt_)
		return cli_error(err, errlen, "%.*s takes no value", len, arg);
	return cli_error(err, errlen, "unknown option \"%.*s\" (see --help)", len, arg);
}
