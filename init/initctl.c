/* appvm-initctl: talks to appvm-init's control socket (docs/init-control.md).
 * Usage: appvm-initctl [--socket PATH] [--deadline MS] status|watch|poweroff|reboot
 * Exit status: 0 on success, 1 when init refused or failed, 2 on bad usage.
 *
 * A command-line tool may block: its one request is a blocking exchange
 * bounded by TIMEOUT_MS (for watch: the first status; the updates come
 * when they come). (The agent talks to init without blocking, through
 * agent/initq.c; both use lib/initctl.c for the bytes.) */
#include "initctl.h"

#include "cleanup.h"
#include "clock.h"
#include "io.h"
#include "unix_addr.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define TIMEOUT_MS 5000

static const char usage[] =
    "Usage: appvm-initctl [--socket PATH] [--deadline MS] status|watch|poweroff|reboot\n"
    "\n"
    "Sends one request to appvm-init's control socket (root only).\n"
    "\n"
    "  status      print the services, the stores, the app's last exit and\n"
    "              whether a shutdown is under way\n"
    "  watch       print the status, then again at each change, each followed\n"
    "              by an empty line, until init closes the watch (shutdown)\n"
    "  poweroff    ask init to shut down and power off\n"
    "  reboot      ask init to shut down and reboot\n"
    "\n"
    "Options (before or after the command; --opt=VALUE works too):\n"
    "  --socket PATH   the control socket (default " INITCTL_SOCKET ")\n"
    "  --deadline MS   poweroff/reboot: finish the shutdown within MS ms (0-3600000)\n"
    "  -h, --help      print this help\n"
    "  --version       print the version\n"
    "\n"
    "Exit status: 0 on success (watch: init ended the watch), 1 when init\n"
    "refused or failed, 2 on bad usage.\n";

/* One request on the connection fd, one reply, within TIMEOUT_MS. Returns 0
 * (ret filled for a status) or -errno: -ETIMEDOUT, -ECONNRESET (closed without
 * a reply), -EBADMSG (malformed or oversized reply), or the error init sent. */
static void print_status(const struct initctl_status *st);

/* The rest of a watch: prints each status as it comes. Returns 0 when init
 * closes the watch between two replies, or -errno. */
static int watch_on(int fd, char *buf, size_t len)
{
	static struct initctl_status st;
	for (;;) {
		size_t used = 0;
		int r = initctl_reply_decode_next(buf, len, &st, &used);
		if (r == 0) {
			print_status(&st);
			printf("\n");
			fflush(stdout);
			memmove(buf, buf + used, len - used);
			len -= used;
			continue;
		}
		if (r != -EAGAIN)
			return r;
		r = io_wait_until(fd, POLLIN, IO_NO_DEADLINE);
		if (r < 0)
			return r;
		ssize_t n = io_read_some(fd, buf + len, INITCTL_REPLY_MAX - len);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return len == 0 ? 0 : -EBADMSG;
		len += (size_t)n;
	}
}

static int transact(int fd, enum initctl_cmd cmd, uint32_t deadline_ms, struct initctl_status *ret)
{
	static char buf[INITCTL_REPLY_MAX];
	char req[INITCTL_REQUEST_MAX];
	int req_len = initctl_request_encode(cmd, deadline_ms, req, sizeof(req));
	if (req_len < 0)
		return req_len;
	int r;
	/* MSG_NOSIGNAL: a refused caller must get -EPERM, not SIGPIPE. When init
	 * already replied and closed (a refusal), the reply is still readable. */
	if (send(fd, req, (size_t)req_len, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		return -errno;

	size_t len = 0;
	uint64_t deadline = clock_now_ms() + TIMEOUT_MS;
	for (;;) {
		r = io_wait_until(fd, POLLIN, deadline);
		if (r < 0)
			return r;
		ssize_t n = io_read_some(fd, buf + len, sizeof(buf) - len);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return len == 0 ? -ECONNRESET : -EBADMSG;
		len += (size_t)n;
		if (cmd == INITCTL_CMD_WATCH) {
			size_t used = 0;
			r = initctl_reply_decode_next(buf, len, NULL, &used);
			if (r != -EAGAIN)
				return r < 0 ? r : watch_on(fd, buf, len);
			continue;
		}
		r = initctl_reply_decode(buf, len, ret);
		if (r != -EAGAIN || len == sizeof(buf))
			return r == -EAGAIN ? -EBADMSG : r;
	}
}

static void print_status(const struct initctl_status *st)
{
	for (size_t k = 0; k < st->n_services; k++)
		printf("service %s %s pid=%d restarts=%u\n", st->services[k].name,
		       initctl_state_name(st->services[k].state), st->services[k].pid,
		       st->services[k].restarts);
	for (size_t k = 0; k < st->n_stores; k++) {
		/* Escaped as on the wire, so that every line stays one line. */
		char path[INITCTL_PATH_ESCAPED_SIZE];
		if (initctl_path_escape(st->stores[k].path, path, sizeof(path)) < 0)
			strcpy(path, "?");
		printf("store %s %s %s\n", st->stores[k].name, st->stores[k].writable ? "rw" : "ro",
		       path);
	}
	if (st->app_exited)
		printf("app-exit status=%d signal=%d\n", st->app_status, st->app_signal);
	else
		printf("app-exit none\n");
	printf("shutdown %s\n", st->shutting_down ? "yes" : "no");
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]: returns true when argv[*i]
 * is opt, with its value (NULL when missing) in *ret and *i on the value. */
static bool option(int argc, char **argv, int *i, const char *opt, const char **ret)
{
	size_t n = strlen(opt);
	if (strncmp(argv[*i], opt, n) != 0 || (argv[*i][n] != '\0' && argv[*i][n] != '='))
		return false;
	if (argv[*i][n] == '=')
		*ret = argv[*i] + n + 1;
	else
		*ret = *i + 1 < argc ? argv[++*i] : NULL;
	return true;
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "appvm-initctl: %s%s%s%s (see --help)\n", what, arg ? " '" : "",
		arg ? arg : "", arg ? "'" : "");
	return 2;
}

int main(int argc, char **argv)
{
	const char *sock = INITCTL_SOCKET, *word = NULL, *v;
	uint32_t deadline_ms = 0;
	bool has_deadline = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			printf("appvm-initctl %s\n", APPVM_VERSION);
			return 0;
		}
		if (option(argc, argv, &i, "--socket", &v)) {
			if (!v || !v[0])
				return usage_error("--socket needs a path", NULL);
			sock = v;
		} else if (option(argc, argv, &i, "--deadline", &v)) {
			char *end;
			errno = 0;
			unsigned long n = v ? strtoul(v, &end, 10) : 0;
			if (!v || errno || end == v || *end || v[0] < '0' || v[0] > '9' ||
			    n > INITCTL_DEADLINE_MAX) {
				fprintf(stderr,
					"appvm-initctl: --deadline: expected 0 to %d ms%s%s%s\n",
					INITCTL_DEADLINE_MAX, v ? ", not '" : "", v ? v : "",
					v ? "'" : "");
				return 2;
			}
			deadline_ms = (uint32_t)n;
			has_deadline = true;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option", a);
		} else if (word) {
			return usage_error("unexpected argument", a);
		} else {
			word = a;
		}
	}
	if (!word)
		return usage_error("missing command: status, watch, poweroff or reboot", NULL);
	enum initctl_cmd cmd;
	if (strcmp(word, "status") == 0)
		cmd = INITCTL_CMD_STATUS;
	else if (strcmp(word, "poweroff") == 0)
		cmd = INITCTL_CMD_POWEROFF;
	else if (strcmp(word, "reboot") == 0)
		cmd = INITCTL_CMD_REBOOT;
	else if (strcmp(word, "watch") == 0)
		cmd = INITCTL_CMD_WATCH;
	else
		return usage_error("unknown command", word);
	if (has_deadline && !initctl_cmd_takes_deadline(cmd)) {
		fprintf(stderr, "appvm-initctl: --deadline applies to poweroff and reboot only\n");
		return 2;
	}
	_cleanup_close_ int fd = unix_sock_connect(sock, 0);
	if (fd < 0) {
		/* A file or a folder there is no init that stopped: say what it is. */
		struct stat sb;
		bool not_sock =
		    fd == -ECONNREFUSED && stat(sock, &sb) == 0 && !S_ISSOCK(sb.st_mode);
		fprintf(stderr, "appvm-initctl: %s: cannot connect to %s: %s%s\n", word, sock,
			strerror(-fd),
			not_sock			       ? " (it is not a socket)"
			: fd == -ENOENT || fd == -ECONNREFUSED ? " (is appvm-init running?)"
							       : "");
		return 1;
	}
	static struct initctl_status st;
	int r = transact(fd, cmd, deadline_ms, cmd == INITCTL_CMD_STATUS ? &st : NULL);
	if (r < 0) {
		fprintf(stderr, "appvm-initctl: %s: %s\n", word,
			r == -EPERM   ? "permission denied by appvm-init"
			: r == -EBUSY ? "every watch slot of appvm-init is taken"
				      : strerror(-r));
		return 1;
	}
	if (cmd == INITCTL_CMD_STATUS)
		print_status(&st);
	return 0;
}
