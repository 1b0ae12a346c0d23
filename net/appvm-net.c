/* appvm-net: applies the [net] section of a vm.conf-style file, or shows the
 * network state, using the same library as appvm-init. For debugging and
 * tests; inside a VM, appvm-init applies [net] itself. */
#include "cli.h"
#include "log.h"
#include "net.h"

#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: appvm-net [OPTIONS] apply CONFIG\n"
	    "       appvm-net show\n"
	    "\n"
	    "apply  reads the [net] section of CONFIG (a vm.conf-style INI file) and\n"
	    "       configures lo, the interface, addresses, routes, DNS and hostname.\n"
	    "       Applying the same file again changes nothing.\n"
	    "show   prints interfaces, addresses and the main routing table.\n"
	    "\n"
	    "Options:\n"
	    "  --resolv-conf PATH      write resolv.conf here (default /run/appvm/resolv.conf)\n"
	    "  --etc-resolv-conf PATH  symlink pointed at it (default /etc/resolv.conf;\n"
	    "                          \"none\" for no symlink)\n"
	    "  --check                 only parse and check CONFIG, change nothing\n"
	    "  -h, --help              this text\n"
	    "  -V, --version           print the version\n"
	    "\n"
	    "Exit status: 0 applied, 1 the system refused or the carrier did not come,\n"
	    "2 bad usage or a bad CONFIG. The [net] keys are described in docs/net.md.\n");
}

struct parse_state {
	struct net_config *config;
	char err[512];
	int failed;
};

static int on_ini(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *ps = user;
	if (strcmp(section, "net") != 0)
		return 1; /* other sections belong to appvm-init */
	if (ps->failed)
		return 1;
	if (net_config_set(ps->config, key, value, ps->err, sizeof(ps->err)) < 0) {
		ps->failed = 1;
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	log_setup("appvm-net", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
	static const struct option opts[] = {
	    {"resolv-conf", required_argument, NULL, 'r'},
	    {"etc-resolv-conf", required_argument, NULL, 'e'},
	    {"check", no_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	const char *resolv = "/run/appvm/resolv.conf", *etc = "/etc/resolv.conf";
	int check_only = 0, o;
	char err[512] = "";
	opterr = 0; /* one line of ours instead of getopt's and the usage */
	while ((o = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			resolv = optarg;
			break;
		case 'e':
			etc = strcmp(optarg, "none") == 0 ? NULL : optarg;
			break;
		case 'c':
			check_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("appvm-net %s\n", APPVM_VERSION);
			return 0;
		default:
			cli_getopt_error(o, optopt, argv[optind - 1], err, sizeof(err));
			log_err("%s", err);
			return 2;
		}
	}
	if (optind >= argc) {
		log_err("missing command (apply or show); see appvm-net --help");
		return 2;
	}
	const char *cmd = argv[optind++];
	if (strcmp(cmd, "show") == 0) {
		if (optind != argc) {
			log_err("show takes no arguments");
			return 2;
		}
		int r = net_show(STDOUT_FILENO, err, sizeof(err));
		if (r < 0) {
			log_err("%s", err);
			return 1;
		}
		return 0;
	}
	if (strcmp(cmd, "apply") != 0) {
		log_err("unknown command \"%s\" (expected apply or show)", cmd);
		return 2;
	}
	if (optind + 1 != argc) {
		log_err("apply needs exactly one CONFIG file");
		return 2;
	}
	const char *path = argv[optind];
	struct parse_state ps = {.config = net_config_new()};
	if (!ps.config) {
		log_err("out of memory");
		return 1;
	}
	int status = 0;
	if (net_config_set_resolv_paths(ps.config, resolv, etc) < 0) {
		log_err("--resolv-conf and --etc-resolv-conf need absolute paths");
		status = 2;
		goto out;
	}
	/* inih takes a read error (a directory's EISDIR) for the end of the
	 * file: an empty config. */
	FILE *f = fopen(path, "re");
	if (!f) {
		log_err("%s: cannot open: %s", path, strerror(errno));
		status = 2;
		goto out;
	}
	int line = ini_parse_file(f, on_ini, &ps);
	if (line == 0 && ferror(f)) {
		log_err("%s: cannot read: %s", path, strerror(errno));
		line = -1;
	}
	fclose(f);
	if (line == -1) {
		status = 2;
		goto out;
	}
	if (line == -2) {
		log_err("%s: out of memory while reading", path);
		status = 1;
		goto out;
	}
	if (line > 0) {
		if (ps.failed)
			log_err("%s:%d: %s", path, line, ps.err);
		else
			log_err("%s:%d: not an INI line (expected [section] or key = value)", path,
				line);
		status = 2;
		goto out;
	}
	if (net_config_check(ps.config, err, sizeof(err)) < 0) {
		log_err("%s: %s", path, err);
		status = 2;
		goto out;
	}
	if (check_only)
		goto out;
	int r = net_apply(ps.config, err, sizeof(err));
	if (r < 0) {
		log_err("%s", err);
		status = r == -EINVAL ? 2 : 1;
	}
out:
	net_config_free(ps.config);
	return status;
}
