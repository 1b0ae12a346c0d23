#include "args.h"

#include "cli.h"

#include "initctl.h"
#include "ports.h"
#include "proto.h"
#include "utf8.h"
#include "vsock_addr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char agent_usage[] =
    "Usage: appvm-agent [OPTION]...\n"
    "The guest side of the appvm control channel: serves the host over vsock.\n"
    "\n"
    "  --port N             vsock port to listen on (default 1024)\n"
    "  --event-port N       host vsock port for READY and APP_EXIT events (default 1025)\n"
    "  --name NAME          VM name reported to the host (default: the hostname)\n"
    "  --init-socket PATH   appvm-init control socket (default " INITCTL_SOCKET ")\n"
    "  --max-clients N      host connections served at once, 1-1024 (default 16)\n"
    "  --clipboard-socket PATH  the VM's clipboard: the guest Wayland filter's\n"
    "                       data-control socket (default: no clipboard)\n"
    "  --clipboard-file PATH  where the selection the host set is kept, to offer\n"
    "                       it again after a restart (default " AGENT_CLIPBOARD_FILE ")\n"
    "  --listen-unix PATH   listen on a Unix socket instead of vsock (tests)\n"
    "  --event-unix PATH    send events to a Unix socket instead of vsock (tests)\n"
    "  -v, --verbose        log each connection and request\n"
    "  -h, --help           show this help and exit\n"
    "      --version        show the version and exit\n"
    "\n"
    "Options take their value as the next argument or after '='.\n"
    "Exit status: 0 after SIGTERM or SIGINT, 1 when it cannot start, 2 on a\n"
    "usage error. See docs/agent.md.\n";

void agent_opts_init(struct agent_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = APPVM_AGENT_PORT;
	o->event_port = APPVM_EVENT_PORT;
	o->init_socket = INITCTL_SOCKET;
	o->max_clients = AGENT_DEFAULT_MAX_CLIENTS;
	o->clipboard_file = AGENT_CLIPBOARD_FILE;
}

bool agent_opts_events_enabled(const struct agent_opts *o)
{
	return o->event_unix != NULL || o->listen_unix == NULL;
}

/* A decimal in [min, max] making up the whole string: no sign, no spaces. */
static int parse_uint(const char *s, unsigned long long min, unsigned long long max,
		      unsigned long long *ret)
{
	unsigned long long v = 0;
	if (*s == '\0' || strlen(s) > 10)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* The rules of the protocol's NAME class, plus non-empty. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > PROTO_NAME_MAX || !utf8_valid((const uint8_t *)s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool unix_path_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= AGENT_UNIX_PATH_MAX;
}

enum opt_id {
	OPT_PORT,
	OPT_EVENT_PORT,
	OPT_NAME,
	OPT_INIT_SOCKET,
	OPT_MAX_CLIENTS,
	OPT_LISTEN_UNIX,
	OPT_EVENT_UNIX,
	OPT_CLIPBOARD_SOCKET,
	OPT_CLIPBOARD_FILE,
};

static const struct cli_option options[] = {
    {"--port", OPT_PORT, true},
    {"--event-port", OPT_EVENT_PORT, true},
    {"--name", OPT_NAME, true},
    {"--init-socket", OPT_INIT_SOCKET, true},
    {"--max-clients", OPT_MAX_CLIENTS, true},
    {"--listen-unix", OPT_LISTEN_UNIX, true},
    {"--event-unix", OPT_EVENT_UNIX, true},
    {"--clipboard-socket", OPT_CLIPBOARD_SOCKET, true},
    {"--clipboard-file", OPT_CLIPBOARD_FILE, true},
    CLI_COMMON_OPTIONS,
};

static int set_option(void *ud, int id, const char *opt, const char *v, char *err, size_t errlen)
{
	struct agent_opts *o = ud;
	unsigned long long n;
	switch ((enum opt_id)id) {
	case OPT_PORT:
	case OPT_EVENT_PORT:
		if (vsock_port_parse(v, id == OPT_PORT ? &o->port : &o->event_port) < 0)
			return cli_error(err, errlen,
					 "%s: expected a port number from " VSOCK_PORT_RANGE
					 ", got \"%s\"",
					 opt, v);
		return 0;
	case OPT_MAX_CLIENTS:
		if (parse_uint(v, 1, AGENT_MAX_CLIENTS_LIMIT, &n) < 0)
			return cli_error(err, errlen,
					 "%s: expected a number from 1 to %u, got \"%s\"", opt,
					 AGENT_MAX_CLIENTS_LIMIT, v);
		o->max_clients = (unsigned)n;
		return 0;
	case OPT_NAME:
		if (!name_ok(v))
			return cli_error(
			    err, errlen,
			    "%s: expected 1-%u bytes of UTF-8 without control characters", opt,
			    PROTO_NAME_MAX);
		o->name = v;
		return 0;
	case OPT_INIT_SOCKET:
	case OPT_LISTEN_UNIX:
	case OPT_EVENT_UNIX:
	case OPT_CLIPBOARD_SOCKET:
		if (!unix_path_ok(v))
			return cli_error(err, errlen, "%s: expected a socket path of 1-%u bytes",
					 opt, AGENT_UNIX_PATH_MAX);
		if (id == OPT_INIT_SOCKET)
			o->init_socket = v;
		else if (id == OPT_LISTEN_UNIX)
			o->listen_unix = v;
		else if (id == OPT_EVENT_UNIX)
			o->event_unix = v;
		else
			o->clipboard_socket = v;
		return 0;
	case OPT_CLIPBOARD_FILE:
		if (v[0] != '/' || strlen(v) > AGENT_FILE_PATH_MAX)
			return cli_error(err, errlen,
					 "%s: expected an absolute path of at most %u bytes", opt,
					 AGENT_FILE_PATH_MAX);
		o->clipboard_file = v;
		return 0;
	}
	return cli_error(err, errlen, "%s: unhandled option", opt);
}

int agent_opts_parse(struct agent_opts *o, int argc, char *const argv[], char *err, size_t errlen)
{
	const struct cli_common common = {&o->verbose, &o->help, &o->version};
	return cli_parse(options, sizeof(options) / sizeof(options[0]), argc, argv, 1, &common,
			 set_option, o, err, errlen);
}
