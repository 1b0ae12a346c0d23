#include "args.h"

#include "cli.h"
#include "vm_name.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char wlf_usage[] =
    "Usage: appvm-wayland host --listen PATH --name VM [--upstream PATH|NAME]\n"
    "                          [--focus-file PATH] [OPTION]...\n"
    "       appvm-wayland guest --listen PATH --upstream PATH|NAME\n"
    "                          [--data-control PATH] [OPTION]...\n"
    "A wire-level Wayland filter.\n"
    "\n"
    "host: serves waypipe client on --listen and forwards to the host compositor\n"
    "      (--upstream, default $WAYLAND_DISPLAY): only allowlisted globals, window\n"
    "      titles and app ids tagged with the VM's name, no clipboard.\n"
    "guest: serves the VM's apps on --listen and forwards to waypipe server's\n"
    "      display (--upstream); the clipboard stays in the VM.\n"
    "\n"
    "  --listen PATH        socket to serve (created mode 0600)\n"
    "  --upstream PATH      compositor socket to connect to, once per client\n"
    "  --name VM            host: the VM's name, 1-64 of A-Z a-z 0-9 . _ -\n"
    "  --focus-file PATH    host: kept as \"1\\n\" while a window of this filter has\n"
    "                       keyboard focus, else \"0\\n\" (replaced atomically)\n"
    "  --allow-fullscreen   host: windows may go fullscreen (no frame, no tag on\n"
    "                       screen); without it fullscreen is turned into maximized\n"
    "  --data-control PATH  guest: private socket offering zwlr_data_control_manager_v1\n"
    "                       on the VM's selections (created mode 0600)\n"
    "  --max-clients N      clients served at once, 1-1024 (default 128)\n"
    "  -v, --verbose        log every connection\n"
    "  -h, --help           show this help and exit\n"
    "      --version        show the version and exit\n"
    "\n"
    "A PATH without '/' names a socket in $XDG_RUNTIME_DIR. Options take their\n"
    "value as the next argument or after '='. Exit status: 0 after SIGTERM or\n"
    "SIGINT, 1 when serving cannot start, 2 on a usage error. See\n"
    "docs/wayland.md.\n";

int wlf_socket_path(const char *value, const char *runtime_dir, char *buf, size_t size)
{
	int n;
	if (strchr(value, '/')) {
		n = snprintf(buf, size, "%s", value);
	} else {
		if (!runtime_dir || runtime_dir[0] != '/')
			return -ENOENT;
		n = snprintf(buf, size, "%s/%s", runtime_dir, value);
	}
	if (n < 0 || (size_t)n >= size || (size_t)n > WLF_SOCKET_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

enum opt_id {
	OPT_LISTEN,
	OPT_UPSTREAM,
	OPT_NAME,
	OPT_FOCUS_FILE,
	OPT_ALLOW_FULLSCREEN,
	OPT_DATA_CONTROL,
	OPT_MAX_CLIENTS,
};

static const struct cli_option options[] = {
    {"--listen", OPT_LISTEN, true},
    {"--upstream", OPT_UPSTREAM, true},
    {"--name", OPT_NAME, true},
    {"--focus-file", OPT_FOCUS_FILE, true},
    {"--allow-fullscreen", OPT_ALLOW_FULLSCREEN, false},
    {"--data-control", OPT_DATA_CONTROL, true},
    {"--max-clients", OPT_MAX_CLIENTS, true},
    CLI_COMMON_OPTIONS,
};

static int parse_count(const char *s, unsigned max, unsigned *ret)
{
	unsigned long v = 0;
	if (*s == '\0' || strlen(s) > 5)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > max)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

static int set_option(void *ud, int id, const char *opt, const char *v, char *err, size_t errlen)
{
	struct wlf_opts *o = ud;
	switch ((enum opt_id)id) {
	case OPT_NAME:
		if (!vm_name_ok(v))
			return cli_error(
			    err, errlen,
			    "%s: expected 1-%u of A-Z a-z 0-9 . _ -, not starting with . "
			    "or -, got \"%.64s\"",
			    opt, VM_NAME_MAX, v);
		o->name = v;
		return 0;
	case OPT_MAX_CLIENTS:
		if (parse_count(v, WLF_MAX_CLIENTS_LIMIT, &o->max_clients) < 0)
			return cli_error(err, errlen,
					 "%s: expected a number from 1 to %d, got \"%.64s\"", opt,
					 WLF_MAX_CLIENTS_LIMIT, v);
		return 0;
	case OPT_LISTEN:
	case OPT_UPSTREAM:
	case OPT_FOCUS_FILE:
	case OPT_DATA_CONTROL:
		if (v[0] == '\0' || strlen(v) > 4095)
			return cli_error(err, errlen, "%s: expected a path", opt);
		if (id == OPT_LISTEN)
			o->listen = v;
		else if (id == OPT_UPSTREAM)
			o->upstream = v;
		else if (id == OPT_FOCUS_FILE)
			o->focus_file = v;
		else
			o->data_control = v;
		return 0;
	case OPT_ALLOW_FULLSCREEN:
		o->allow_fullscreen = true;
		return 0;
	}
	return cli_error(err, errlen, "%s: unhandled option", opt);
}

static int parse_options(struct wlf_opts *o, int argc, char *const argv[], int first, char *err,
			 size_t errlen)
{
	const struct cli_common common = {&o->verbose, &o->help, &o->version};
	return cli_parse(options, sizeof(options) / sizeof(options[0]), argc, argv, first, &common,
			 set_option, o, err, errlen);
}

int wlf_opts_parse(struct wlf_opts *o, int argc, char *const argv[], char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->max_clients = WLF_DEFAULT_MAX_CLIENTS;
	if (argc < 2)
		return cli_error(err, errlen, "missing mode: host or guest (see --help)");
	const char *mode = argv[1];
	if (strcmp(mode, "host") == 0) {
		o->mode = WLF_MODE_HOST;
	} else if (strcmp(mode, "guest") == 0) {
		o->mode = WLF_MODE_GUEST;
	} else if (mode[0] != '-') {
		return cli_error(err, errlen, "unknown mode \"%.64s\": host or guest (see --help)",
				 mode);
	} else {
		int r = parse_options(o, argc, argv, 1, err, errlen);
		if (r < 0 || o->help || o->version)
			return r;
		return cli_error(err, errlen, "unknown mode \"%.64s\": host or guest (see --help)",
				 mode);
	}
	int r = parse_options(o, argc, argv, 2, err, errlen);
	if (r < 0 || o->help || o->version)
		return r;
	if (!o->listen)
		return cli_error(err, errlen, "%s mode needs --listen", mode);
	if (o->mode == WLF_MODE_HOST) {
		if (!o->name)
			return cli_error(err, errlen, "host mode needs --name (the VM's name)");
		if (o->data_control)
			return cli_error(err, errlen, "--data-control is a guest option");
	} else {
		if (!o->upstream)
			return cli_error(err, errlen,
					 "guest mode needs --upstream (waypipe server's socket)");
		if (o->name || o->focus_file || o->allow_fullscreen)
			return cli_error(
			    err, errlen,
			    "--name, --focus-file and --allow-fullscreen are host options");
	}
	return 0;
}
