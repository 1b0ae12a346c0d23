#include "args.h"

#include "cli.h"
#include "parse.h"
#include "ports.h"
#include "vsock_addr.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

const char portal_usage[] =
    "Usage: appvm-portal [OPTION]...\n"
    "The guest side of the file chooser: owns org.freedesktop.portal.Desktop on\n"
    "the session bus ($DBUS_SESSION_BUS_ADDRESS), asks the host to show a file\n"
    "dialog, and serves the files the user picked in a FUSE filesystem.\n"
    "\n"
    "  --port N               host vsock port (CID 2), default 1026\n"
    "  --host-unix PATH       connect to a Unix socket instead of vsock (tests)\n"
    "  --mountpoint PATH      the document filesystem (default $XDG_RUNTIME_DIR/doc)\n"
    "  --docs-mount PATH      the document device's mount (virtio-fs): read-only\n"
    "                         files and folders are given as paths there\n"
    "                         (docs/docfs.md)\n"
    "  --fuse-fd N            /dev/fuse, already mounted on the mount point by a\n"
    "                         privileged parent (appvm-init)\n"
    "  --mount                mount it ourselves (needs root; tests)\n"
    "  --ready-fd N           write \"ready\\n\" to N, then close it, once the bus name\n"
    "                         is owned and the filesystem answers\n"
    "  --scratch-limit MIB    memory for scratch files, all documents (default 256)\n"
    "  --scratch-files N      scratch files at once, all documents (default 256)\n"
    "  --response-delay MS    least time between a method reply and its Response\n"
    "                         signal (default 250; Qt 5 misses earlier ones)\n"
    "  -v, --verbose          log every request\n"
    "  -h, --help             show this help and exit\n"
    "      --version          show the version and exit\n"
    "\n"
    "Without --fuse-fd or --mount there is no document filesystem and every\n"
    "dialog answers 2 (failed). Exit status: 0 after SIGTERM, SIGINT or SIGHUP,\n"
    "1 when the bus connection or the filesystem goes away, 2 on a usage\n"
    "error. See docs/portal.md.\n";

/* An absolute path without "//", "." or ".." components, short enough. */
static bool path_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || s[0] != '/')
		return false;
	for (const char *c = s; *c; c++) {
		if (c[0] != '/')
			continue;
		const char *next = c + 1;
		if (*next == '/' || (*next == '\0' && c != s))
			return false;
		if (next[0] == '.' && (next[1] == '/' || next[1] == '\0'))
			return false;
		if (next[0] == '.' && next[1] == '.' && (next[2] == '/' || next[2] == '\0'))
			return false;
	}
	return true;
}

enum opt_id {
	OPT_PORT = 0x100,
	OPT_HOST_UNIX,
	OPT_MOUNTPOINT,
	OPT_DOCS_MOUNT,
	OPT_FUSE_FD,
	OPT_MOUNT,
	OPT_READY_FD,
	OPT_SCRATCH_LIMIT,
	OPT_SCRATCH_FILES,
	OPT_RESPONSE_DELAY,
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_VERSION = 0x200,
};

static const struct option options[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"host-unix", required_argument, NULL, OPT_HOST_UNIX},
    {"mountpoint", required_argument, NULL, OPT_MOUNTPOINT},
    {"docs-mount", required_argument, NULL, OPT_DOCS_MOUNT},
    {"fuse-fd", required_argument, NULL, OPT_FUSE_FD},
    {"mount", no_argument, NULL, OPT_MOUNT},
    {"ready-fd", required_argument, NULL, OPT_READY_FD},
    {"scratch-limit", required_argument, NULL, OPT_SCRATCH_LIMIT},
    {"scratch-files", required_argument, NULL, OPT_SCRATCH_FILES},
    {"response-delay", required_argument, NULL, OPT_RESPONSE_DELAY},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int number(const char *opt, const char *v, unsigned long min, unsigned long max,
		  unsigned long *ret, char *err, size_t errlen)
{
	if (parse_uint(v, max, ret) < 0 || *ret < min)
		return cli_error(err, errlen,
				 "%s: expected a number from %lu to %lu, got \"%.64s\"", opt, min,
				 max, v);
	return 0;
}

static int set_option(struct portal_opts *o, enum opt_id id, const char *opt, const char *v,
		      char *err, size_t errlen)
{
	unsigned long n;
	int r;
	switch (id) {
	case OPT_PORT:
		if (vsock_port_parse(v, &o->port) < 0)
			return cli_error(err, errlen,
					 "%s: expected a number from " VSOCK_PORT_RANGE
					 ", got \"%.64s\"",
					 opt, v);
		return 0;
	case OPT_HOST_UNIX:
		if (strlen(v) == 0 || strlen(v) > PORTAL_UNIX_PATH_MAX)
			return cli_error(err, errlen, "%s: expected a socket path of 1-%u bytes",
					 opt, PORTAL_UNIX_PATH_MAX);
		o->host_unix = v;
		return 0;
	case OPT_MOUNTPOINT:
	case OPT_DOCS_MOUNT:
		if (!path_ok(v, PORTAL_MOUNTPOINT_MAX))
			return cli_error(
			    err, errlen,
			    "%s: expected an absolute, normalised path of at most %u bytes", opt,
			    PORTAL_MOUNTPOINT_MAX);
		snprintf(id == OPT_MOUNTPOINT ? o->mountpoint : o->docs_mount,
			 sizeof(o->mountpoint), "%s", v);
		return 0;
	case OPT_FUSE_FD:
	case OPT_READY_FD:
		if ((r = number(opt, v, 3, 65535, &n, err, errlen)) < 0)
			return r;
		if (id == OPT_FUSE_FD)
			o->fuse_fd = (int)n;
		else
			o->ready_fd = (int)n;
		return 0;
	case OPT_MOUNT:
		o->mount = true;
		return 0;
	case OPT_SCRATCH_LIMIT:
		if ((r = number(opt, v, 1, 65536, &n, err, errlen)) < 0)
			return r;
		o->scratch_limit = (uint64_t)n << 20;
		return 0;
	case OPT_SCRATCH_FILES:
		if ((r = number(opt, v, 1, 4096, &n, err, errlen)) < 0)
			return r;
		o->scratch_files = (unsigned)n;
		return 0;
	case OPT_RESPONSE_DELAY:
		if ((r = number(opt, v, 0, 10000, &n, err, errlen)) < 0)
			return r;
		o->response_delay_ms = (unsigned)n;
		return 0;
	case OPT_VERBOSE:
		o->verbose = true;
		return 0;
	case OPT_HELP:
		o->help = true;
		return 0;
	case OPT_VERSION:
		o->version = true;
		return 0;
	}
	return cli_error(err, errlen, "%s: unhandled option", opt);
}

int portal_opts_parse(struct portal_opts *o, int argc, char *const argv[], const char *runtime_dir,
		      char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->port = APPVM_PORTAL_PORT;
	o->fuse_fd = -1;
	o->ready_fd = -1;
	o->scratch_limit = 256ull << 20;
	o->scratch_files = 256;
	o->response_delay_ms = 250;
	/* "+": stop at the first non-option; ":": report a missing value as ':'. */
	opterr = 0;
	optind = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, "+:vh", options, &idx);
		if (c == -1)
			break;
		const char *arg = argv[optind - 1];
		if (c == '?')
			return cli_error(err, errlen, "unknown option \"%.64s\" (see --help)", arg);
		if (c == ':')
			return cli_error(err, errlen, "%.64s needs a value", arg);
		char name[32];
		if (idx >= 0)
			snprintf(name, sizeof(name), "--%s", options[idx].name);
		else
			snprintf(name, sizeof(name), "-%c", c);
		int r = set_option(o, (enum opt_id)c, name, optarg, err, errlen);
		if (r < 0)
			return r;
		if (o->help || o->version)
			return 0;
	}
	if (optind < argc)
		return cli_error(err, errlen, "unexpected argument \"%.64s\" (see --help)",
				 argv[optind]);
	if (o->fuse_fd >= 0 && o->mount)
		return cli_error(err, errlen, "--fuse-fd and --mount exclude each other");
	if (o->fuse_fd >= 0 && o->fuse_fd == o->ready_fd)
		return cli_error(err, errlen, "--fuse-fd and --ready-fd name the same descriptor");
	if (o->mountpoint[0] == '\0') {
		if (!runtime_dir || !runtime_dir[0])
			return cli_error(
			    err, errlen,
			    "no --mountpoint, and XDG_RUNTIME_DIR is not set to give one");
		char mp[PORTAL_MOUNTPOINT_MAX + 8];
		snprintf(mp, sizeof(mp), "%s/doc", runtime_dir);
		if (!path_ok(mp, PORTAL_MOUNTPOINT_MAX))
			return cli_error(
			    err, errlen,
			    "XDG_RUNTIME_DIR/doc is not an absolute, normalised path of "
			    "at most %u bytes",
			    PORTAL_MOUNTPOINT_MAX);
		memcpy(o->mountpoint, mp, strlen(mp) + 1); /* path_ok: it fits */
	}
	return 0;
}
