/* Boot step 2's configuration (docs/config.md): init_config_read() is what
 * init runs at boot and what appvm-init --check FILE [--cmdline TEXT] runs on
 * the host before an image is built, so both give the same messages. It
 * touches nothing: netsetup_configure() only builds the [net] model (net/config.c),
 * it applies nothing. What exists only in the VM (the stores' devices, the
 * app's executable) is not checked. */
#include "cmdline.h"
#include "config_load.h"
#include "init.h"

#include "io.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int init_config_read(struct init *in, const char *path, const struct cmdline *cl, char *err,
		     size_t errlen)
{
	static char text[INIT_CONFIG_MAX];
	char msg[1024];

	ssize_t n = io_read_file(path, text, sizeof(text));
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 n == -EFBIG ? "larger than 64 KiB" : strerror((int)-n));
		return (int)n;
	}
	cfg_init(in->cfg);
	int r = cfg_parse_string(in->cfg, text, path, msg, sizeof(msg));
	if (r == 0)
		r = cfg_apply_cmdline(in->cfg, cl, msg, sizeof(msg));
	if (r < 0) {
		snprintf(err, errlen, "%s", msg);
		return r;
	}
	r = cfg_check(in->cfg, msg, sizeof(msg));
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return r;
	}
	return netsetup_configure(in, err, errlen);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "appvm-init: %s (see --help)\n", msg);
	return INIT_CHECK_USAGE;
}

/* "FILE: OK: 2 stores, state on /state, agent on port 1024, app /bin/x as app". */
static void print_summary(const char *path, const struct cfg *c)
{
	char state[CFG_PATH_MAX + 16] = "no state";
	char agent[64] = "no agent";
	if (c->has_state)
		snprintf(state, sizeof(state), "state on %s", c->state.path);
	if (c->agent.enable)
		snprintf(agent, sizeof(agent), "agent on port %lu", c->agent.port);
	printf("%s: OK: %zu store%s, %s, %s, app %s as user %s%s%s\n", path, c->n_stores,
	       c->n_stores == 1 ? "" : "s", state, agent, c->app.exec, c->app.user,
	       c->app.store[0] ? " in store " : "", c->app.store);
}

int init_check_main(int argc, char **argv)
{
	static struct init in;
	static struct cfg cfg;
	static struct cmdline cl;
	const char *path = NULL, *text = "";
	char err[1024];

	/* argv[1] is --check. */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--cmdline") == 0) {
			if (i + 1 == argc)
				return usage_error("%s needs the kernel command line's text",
						   argv[i]);
			text = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_error("unknown option '%s'", argv[i]);
		} else if (path) {
			return usage_error("unexpected argument '%s'", argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return usage_error("--check needs a FILE");
	/* init ignores a command line it cannot split, with a warning; here it
	 * is the caller's own text: refuse it. */
	int r = cmdline_parse(&cl, text);
	if (r < 0)
		return usage_error("--cmdline: %s", r == -E2BIG ? "too long" : "unbalanced quote");

	in.cfg = &cfg;
	r = init_config_read(&in, path, &cl, err, sizeof(err));
	netsetup_free(&in);
	if (r < 0) {
		log_err("config: %s", err);
		return INIT_CHECK_BAD;
	}
	print_summary(path, &cfg);
	return 0;
}
