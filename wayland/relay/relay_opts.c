#include "relay_opts.h"

#include "cli.h"
#include "parse.h"
#include "vsock_addr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char relay_usage[] =
    "Usage: appvm-wayland-relay --listen PATH --target TARGET [OPTION]...\n"
    "Accepts connections on the Unix socket PATH (waypipe server connects there)\n"
    "and splices each one to its own stream to TARGET, retrying the connect until\n"
    "it succeeds or the connect timeout passes.\n"
    "\n"
    "  --listen PATH            Unix socket to serve (a stale socket file is replaced)\n"
    "  --target TARGET          vsock:CID:PORT (CID 2: the host, 1: this VM) or\n"
    "                           unix:PATH\n"
    "  --max-connections N      connections at once, 1-1024 (default 128); more wait\n"
    "                           in the listen backlog\n"
    "  --connect-timeout SECS   give up a connection whose target cannot be reached\n"
    "                           within SECS, 0-3600 (default 30; 0: retry forever)\n"
    "  -v, --verbose            log every connection\n"
    "      --hold               do nothing until terminated: the command of waypipe\n"
    "                           server when the guest has no Wayland filter (waypipe\n"
    "                           server exits when its command does)\n"
    "  -h, --help               show this help and exit\n"
    "      --version            show the version and exit\n"
    "\n"
    "Options take their value as the next argument or after '='.\n"
    "Exit status: 0 after SIGTERM, SIGINT or SIGHUP, 1 when it cannot listen,\n"
    "2 on a usage error. See docs/wayland-vm.md.\n";

int relay_target_parse(const char *s, struct relay_target *ret, char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	if (strncmp(s, "unix:", 5) == 0) {
		const char *p = s + 5;
		size_t n = strlen(p);
		if (p[0] != '/')
			return cli_error(err, errlen, "target %s: the socket path must be absolute",
					 s);
		if (n > RELAY_UNIX_PATH_MAX)
			return cli_error(err, errlen,
					 "target %s: the socket path is longer than %u bytes", s,
					 RELAY_UNIX_PATH_MAX);
		ret->kind = RELAY_TARGET_UNIX;
		memcpy(ret->path, p, n + 1);
		return 0;
	}
	if (strncmp(s, "vsock:", 6) == 0) {
		char cid[16];
		const char *colon = strchr(s + 6, ':');
		uint32_t c;
		if (!colon || (size_t)(colon - (s + 6)) >= sizeof(cid))
			return cli_error(err, errlen, "target %s: expected vsock:CID:PORT", s);
		memcpy(cid, s + 6, (size_t)(colon - (s + 6)));
		cid[colon - (s + 6)] = '\0';
		/* From a guest, the vsock device reaches the host alone (and the
		 * guest's own loopback): no other CID can answer. */
		if (parse_u32_strict(cid, VSOCK_CID_LOCAL, VSOCK_CID_HOST, &c) < 0)
			return cli_error(err, errlen,
					 "target %s: CID must be 2 (the host) or 1 (this VM's "
					 "loopback)",
					 s);
		if (vsock_port_parse(colon + 1, &ret->port) < 0)
			return cli_error(err, errlen,
					 "target %s: PORT must be a number from " VSOCK_PORT_RANGE,
					 s);
		ret->kind = RELAY_TARGET_VSOCK;
		ret->cid = c;
		return 0;
	}
	return cli_error(err, errlen, "target %s: expected vsock:CID:PORT or unix:PATH", s);
}

const char *relay_target_format(const struct relay_target *t, char *buf, size_t size)
{
	if (t->kind == RELAY_TARGET_UNIX)
		snprintf(buf, size, "unix:%s", t->path);
	else
		snprintf(buf, size, "vsock:%u:%u", (unsigned)t->cid, (unsigned)t->port);
	return buf;
}

void relay_opts_init(struct relay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_conns = RELAY_DEFAULT_MAX_CONNS;
	o->connect_timeout_s = RELAY_DEFAULT_CONNECT_TIMEOUT;
}

/* Splits "--name=value" or takes the next argument. Returns the value or NULL. */
static const char *value_of(int argc, char *const argv[], int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);
	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

int relay_opts_parse(struct relay_opts *o, int argc, char *const argv[], char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		unsigned long n;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->help = true;
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			o->version = true;
			return 0;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose = true;
		} else if (strcmp(a, "--hold") == 0) {
			o->hold = true;
		} else if (is_opt(a, "--listen")) {
			v = value_of(argc, argv, &i, "--listen");
			if (!v[0])
				return cli_error(err, errlen, "--listen needs a socket path");
			if (v[0] != '/' || strlen(v) > RELAY_UNIX_PATH_MAX)
				return cli_error(
				    err, errlen,
				    "--listen %s: expected an absolute path of at most %u "
				    "bytes",
				    v, RELAY_UNIX_PATH_MAX);
			o->listen = v;
		} else if (is_opt(a, "--target")) {
			v = value_of(argc, argv, &i, "--target");
			if (!v[0])
				return cli_error(err, errlen,
						 "--target needs vsock:CID:PORT or unix:PATH");
			if (relay_target_parse(v, &o->target, err, errlen) < 0)
				return -EINVAL;
			o->have_target = true;
		} else if (is_opt(a, "--max-connections")) {
			v = value_of(argc, argv, &i, "--max-connections");
			if (parse_uint(v, RELAY_MAX_CONNS_LIMIT, &n) < 0 || n < 1)
				return cli_error(err, errlen,
						 "--max-connections: expected 1 to %u, got \"%s\"",
						 RELAY_MAX_CONNS_LIMIT, v);
			o->max_conns = (unsigned)n;
		} else if (is_opt(a, "--connect-timeout")) {
			v = value_of(argc, argv, &i, "--connect-timeout");
			if (parse_uint(v, RELAY_MAX_CONNECT_TIMEOUT, &n) < 0)
				return cli_error(
				    err, errlen,
				    "--connect-timeout: expected 0 to %u seconds, got \"%s\"",
				    RELAY_MAX_CONNECT_TIMEOUT, v);
			o->connect_timeout_s = (unsigned)n;
		} else {
			return cli_error(err, errlen, "unknown argument \"%s\"", a);
		}
	}
	if (o->hold) {
		if (o->listen || o->have_target)
			return cli_error(err, errlen, "--hold takes no --listen or --target");
		return 0;
	}
	if (!o->listen)
		return cli_error(err, errlen, "--listen PATH is required");
	if (!o->have_target)
		return cli_error(err, errlen, "--target is required (vsock:CID:PORT or unix:PATH)");
	return 0;
}
