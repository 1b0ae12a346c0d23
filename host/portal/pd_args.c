#include "pd_args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parse.h"
#include "pd_text.h"
#include "ports.h"
#include "vsock_addr.h"

const char pd_usage[] =
    "Usage: appvm-portald --name NAME --vsock PATH [options]\n"
    "\n"
    "The host side of one VM's file chooser: serves the guest portal's\n"
    "dialog requests with a host file dialog and its documents from the\n"
    "files the user picked (docs/portal.md).\n"
    "\n"
    "  --name NAME             the VM's name, shown in every dialog title\n"
    "  --vsock PATH            the VM's hybrid vsock socket: listen on PATH_1026\n"
    "                          and take control requests on PATH.portal.ctl\n"
    "  --port N                guest port instead of 1026 (with --vsock)\n"
    "  --listen PATH           listen on PATH instead\n"
    "  --control PATH          control socket PATH instead\n"
    "  --docs-device PATH      serve the read-only file and folder grants as a\n"
    "                          virtio-fs device: a vhost-user back-end listening\n"
    "                          on PATH for the VMM (docs/docfs.md)\n"
    "  --chooser KIND          portal (the host's xdg-desktop-portal, default),\n"
    "                          zenity, or command:/ABSOLUTE/PATH\n"
    "  --open-writable         files opened (not saved) are granted writing too\n"
    "  --folder-writable       folders are granted writing too (else read-only)\n"
    "  --max-grants N          documents alive at once (256, at most 1024)\n"
    "  --max-handles N         files and folders open inside folder grants (1024,\n"
    "                          at most 8192)\n"
    "  --max-file-size SIZE    largest file a guest may write (2G, or the staging\n"
    "                          quota when that is less; more than it: an error)\n"
    "  --staging-quota SIZE    all writes in progress together (4G)\n"
    "  --dialog-burst N        dialogs that may follow each other at once (3, at\n"
    "                          most 1000)\n"
    "  --dialog-interval DUR   one more dialog allowed per DUR (10s)\n"
    "  --cancel-limit N        cancels in a row before a cooldown (3, at most 1000)\n"
    "  --cooldown DUR          first cooldown, doubling up to 16 times it (30s)\n"
    "  --max-connections N     guest connections at once (4, at most 64)\n"
    "  --walk-rate N           names a guest connection's folder moves may read on\n"
    "                          the host a second, and at once (131072, at most\n"
    "                          16777216)\n"
    "  --frame-timeout DUR     a guest must say HELLO, and finish a frame it\n"
    "                          began, within DUR (10s)\n"
    "  -v, --verbose           log every request\n"
    "  -h, --help              show this text\n"
    "  --version               show the version\n"
    "\n"
    "SIZE: digits with K, M, G or T (powers of 1024). DUR: N or Ns (seconds), Nms;\n"
    "at most 86400s. Exit status: 0 after SIGTERM or SIGINT, 1 when it cannot\n"
    "start, 2 on a usage error.\n";

static void defaults(struct pd_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->chooser = PD_CHOOSER_PORTAL;
	o->limits.max_grants = 256;
	o->limits.max_handles = PD_MAX_HANDLES_DEFAULT;
	o->limits.max_file_size = 2ull << 30;
	o->limits.staging_quota = 4ull << 30;
	o->policy.burst = 3;
	o->policy.interval_ms = 10000;
	o->policy.cancel_limit = 3;
	o->policy.cooldown_ms = 30000;
	o->max_connections = 4;
	o->walk_rate = PD_WALK_RATE_DEFAULT;
	o->frame_timeout_ms = 10000;
}

int pd_parse_size(const char *s, uint64_t *ret)
{
	char num[24];
	size_t len = strlen(s);
	unsigned shift = 0;
	if (len > 0) {
		const char *units = "KMGT";
		const char *u = strchr(units, s[len - 1]);
		if (u && *u) {
			shift = 10 * (unsigned)(u - units + 1);
			len--;
		}
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	unsigned long v;
	if (parse_uint(num, (unsigned long)(PROTO_DOC_SIZE_MAX >> shift), &v) < 0 || v == 0)
		return -EINVAL;
	*ret = (uint64_t)v << shift;
	return 0;
}

static int set_path(char *dst, const char *src, const char *suffix)
{
	int n = snprintf(dst, PD_SOCKET_PATH_MAX + 1, "%s%s", src, suffix);
	return (n < 1 || n > (int)PD_SOCKET_PATH_MAX || src[0] == '\0') ? -EINVAL : 0;
}

static int parse_count(const char *v, unsigned long max, unsigned *ret)
{
	unsigned long n;
	if (parse_uint(v, max, &n) < 0 || n == 0)
		return -EINVAL;
	*ret = (unsigned)n;
	return 0;
}

static int parse_dur(const char *v, uint32_t *ret)
{
	unsigned long ms;
	if (parse_duration_ms(v, 86400000ul, &ms) < 0 || ms == 0)
		return -EINVAL;
	*ret = (uint32_t)ms;
	return 0;
}

static int parse_chooser(struct pd_opts *o, const char *v)
{
	if (!strcmp(v, "portal")) {
		o->chooser = PD_CHOOSER_PORTAL;
	} else if (!strcmp(v, "zenity")) {
		o->chooser = PD_CHOOSER_ZENITY;
	} else if (!strncmp(v, "command:", 8) && v[8] == '/') {
		o->chooser = PD_CHOOSER_COMMAND;
		o->command = v + 8;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The options that take a value, and what each wants (for the errors). */
static const struct {
	const char *name, *want;
} value_options[] = {
    {"--name", NULL},
    {"--vsock", "a socket path (at most 107 bytes with _PORT and .portal.ctl)"},
    {"--port", NULL},
    {"--listen", "a socket path of 1 to 107 bytes"},
    {"--control", "a socket path of 1 to 107 bytes"},
    {"--docs-device", "a socket path of 1 to 107 bytes"},
    {"--chooser", NULL},
    {"--max-grants", "a number from 1 to 1024"},
    {"--max-handles", "a number from 1 to 8192"},
    {"--max-file-size", "a size of more than 0: digits with K, M, G or T (e.g. 2G)"},
    {"--staging-quota", "a size of more than 0: digits with K, M, G or T (e.g. 4G)"},
    {"--dialog-burst", "a number from 1 to 1000"},
    {"--dialog-interval", "a duration from 1ms to 86400s: N or Ns (seconds), Nms"},
    {"--cancel-limit", "a number from 1 to 1000"},
    {"--cooldown", "a duration from 1ms to 86400s: N or Ns (seconds), Nms"},
    {"--frame-timeout", "a duration from 1ms to 86400s: N or Ns (seconds), Nms"},
    {"--max-connections", "a number from 1 to 64"},
    {"--walk-rate", "a number from 1 to 16777216"},
};

/* Returns the index of a value option in value_options, or -1. */
static int value_option_index(const char *opt)
{
	for (size_t k = 0; k < sizeof(value_options) / sizeof(value_options[0]); k++)
		if (!strcmp(opt, value_options[k].name))
			return (int)k;
	return -1;
}

/* Handles one option that takes a value. Returns 0, 1 (not such an option) or -EINVAL. */
static int value_option(struct pd_opts *o, const char *opt, const char *v, const char **vsock,
			uint32_t *port, char *err, size_t errlen)
{
	int r = 0;
	if (!strcmp(opt, "--name")) {
		o->name = v;
		if (!pd_vm_name_ok(v))
			return cli_error(err, errlen,
					 "--name: '%.64s' is not 1-64 of A-Z a-z 0-9 . _ - "
					 "(not starting with . or -)",
					 v);
	} else if (!strcmp(opt, "--vsock")) {
		*vsock = v;
		r = v[0] ? 0 : -EINVAL;
	} else if (!strcmp(opt, "--port")) {
		if (vsock_port_parse(v, port) < 0)
			return cli_error(err, errlen,
					 "--port: '%.32s' is not a port from " VSOCK_PORT_RANGE, v);
	} else if (!strcmp(opt, "--listen")) {
		r = set_path(o->listen, v, "");
	} else if (!strcmp(opt, "--control")) {
		r = set_path(o->control, v, "");
	} else if (!strcmp(opt, "--docs-device")) {
		r = set_path(o->docs_device, v, "");
	} else if (!strcmp(opt, "--chooser")) {
		if (parse_chooser(o, v) < 0)
			return cli_error(
			    err, errlen,
			    "--chooser: '%.64s' is not portal, zenity or command:/PATH", v);
	} else if (!strcmp(opt, "--max-grants")) {
		r = parse_count(v, PD_MAX_GRANTS_LIMIT, &o->limits.max_grants);
	} else if (!strcmp(opt, "--max-handles")) {
		r = parse_count(v, PD_MAX_HANDLES_LIMIT, &o->limits.max_handles);
	} else if (!strcmp(opt, "--max-file-size")) {
		r = pd_parse_size(v, &o->limits.max_file_size);
	} else if (!strcmp(opt, "--staging-quota")) {
		r = pd_parse_size(v, &o->limits.staging_quota);
	} else if (!strcmp(opt, "--dialog-burst")) {
		r = parse_count(v, 1000, &o->policy.burst);
	} else if (!strcmp(opt, "--dialog-interval")) {
		r = parse_dur(v, &o->policy.interval_ms);
	} else if (!strcmp(opt, "--cancel-limit")) {
		r = parse_count(v, 1000, &o->policy.cancel_limit);
	} else if (!strcmp(opt, "--cooldown")) {
		r = parse_dur(v, &o->policy.cooldown_ms);
	} else if (!strcmp(opt, "--frame-timeout")) {
		r = parse_dur(v, &o->frame_timeout_ms);
	} else if (!strcmp(opt, "--max-connections")) {
		r = parse_count(v, 64, &o->max_connections);
	} else if (!strcmp(opt, "--walk-rate")) {
		r = parse_count(v, PD_WALK_RATE_LIMIT, &o->walk_rate);
	} else {
		return 1;
	}
	if (r < 0) {
		/* Every branch that sets r has its words in value_options. */
		int k = value_option_index(opt);
		const char *want =
		    k >= 0 && value_options[k].want ? value_options[k].want : "a valid value";
		return cli_error(err, errlen, "%s: '%.64s' is not %s", opt, v, want);
	}
	return 0;
}

/* Writes v as pd_parse_size reads it, in the largest unit that divides it. */
static void size_name(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "TGMK";
	for (int i = 0; i < 4; i++) {
		unsigned shift = 10u * (unsigned)(4 - i);
		if (v && !(v & ((1ull << shift) - 1))) {
			snprintf(buf, size, "%llu%c", (unsigned long long)(v >> shift), units[i]);
			return;
		}
	}
	snprintf(buf, size, "%llu", (unsigned long long)v);
}

int pd_opts_parse(struct pd_opts *o, int argc, char *const argv[], char *err, size_t errlen)
{
	const char *vsock = NULL;
	uint32_t port = APPVM_PORTAL_PORT;
	/* The sizes as given, for the error when they do not fit together. */
	const char *max_file_size = NULL, *staging_quota = NULL;
	char quota_name[24];
	defaults(o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			return 0;
		}
		if (!strcmp(a, "--version")) {
			o->version = true;
			return 0;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = true;
			continue;
		}
		if (!strcmp(a, "--open-writable")) {
			o->open_writable = true;
			continue;
		}
		if (!strcmp(a, "--folder-writable")) {
			o->folder_writable = true;
			continue;
		}
		if (a[0] != '-')
			return cli_error(err, errlen, "unexpected argument '%.64s'", a);
		char opt[32];
		const char *eq = strchr(a, '='), *v;
		if (a[0] == '-' && a[1] == '-' && eq && (size_t)(eq - a) < sizeof(opt)) {
			memcpy(opt, a, (size_t)(eq - a));
			opt[eq - a] = '\0';
			v = eq + 1;
		} else if (i + 1 < argc && strlen(a) < sizeof(opt)) {
			strcpy(opt, a);
			v = argv[i + 1];
		} else if (value_option_index(a) >= 0) {
			return cli_error(err, errlen, "%s needs a value", a);
		} else {
			return cli_error(err, errlen, "unknown option '%.64s'", a);
		}
		int r = value_option(o, opt, v, &vsock, &port, err, errlen);
		if (r < 0)
			return r;
		if (r > 0)
			return cli_error(err, errlen, "unknown option '%.64s'", a);
		if (!strcmp(opt, "--max-file-size"))
			max_file_size = v;
		else if (!strcmp(opt, "--staging-quota"))
			staging_quota = v;
		if (!eq)
			i++;
	}
	if (!o->name)
		return cli_error(err, errlen, "%s", "--name is required");
	if (vsock) {
		char suffix[16];
		snprintf(suffix, sizeof(suffix), "_%u", port);
		if (!o->listen[0] && set_path(o->listen, vsock, suffix) < 0)
			return cli_error(err, errlen, "%s",
					 "--vsock: PATH_PORT does not fit a socket address");
		if (!o->control[0] && set_path(o->control, vsock, ".portal.ctl") < 0)
			return cli_error(err, errlen, "%s",
					 "--vsock: PATH.portal.ctl does not fit a socket address");
	}
	if (!o->listen[0] || !o->control[0])
		return cli_error(err, errlen, "%s",
				 "--vsock PATH (or both --listen and --control) is required");
	/* A file larger than the quota could never be staged: a size the user
	 * asked for is refused, the default one is lowered to the quota. */
	if (o->limits.staging_quota < o->limits.max_file_size) {
		if (max_file_size && !staging_quota) {
			/* The default, named as it is written. */
			size_name(o->limits.staging_quota, quota_name, sizeof(quota_name));
			staging_quota = quota_name;
		}
		if (max_file_size)
			return cli_error(
			    err, errlen,
			    "--max-file-size %.32s is more than the staging quota %.32s: "
			    "give --staging-quota %.32s or more, or a smaller "
			    "--max-file-size",
			    max_file_size, staging_quota, max_file_size);
		o->limits.max_file_size = o->limits.staging_quota;
	}
	o->policy.cooldown_max_ms =
	    o->policy.cooldown_ms * 16u > 86400000u ? 86400000u : o->policy.cooldown_ms * 16u;
	return 0;
}
