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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
    "  --socket PATH   the control socket (default " INITCTL_SOCKET ")\n"
    "  --deadline MS   poweroff/reboot: finish the shutdown within MS ms (0-3600000)\n"
    "  -h, --help      print this help\n"
    "  --version       print the version\n"
    "\n"
    "Exit status: 0 on success (watch: init ended the watch), 1 when init\n"
    "refused or failed, 2 on bad usage.\n";

/* One request, one reply, within TIMEOUT_MS. Returns 0 (ret filled for a
 * status) or -errno: connect errors, -ETIMEDOUT, -ECONNRESET (closed without
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

static int transact(const char *path, enum initctl_cmd cmd, uint32_t deadline_ms,
		    struct initctl_status *ret)
{
	static char buf[INITCTL_REPLY_MAX];
	char req[INITCTL_REQUEST_MAX];
	int req_len = initctl_request_encode(cmd, deadline_ms, req, sizeof(req));
	if (req_len < 0)
		return req_len;
	int r;
	_cleanup_close_ int fd = unix_sock_connect(path, 0);
	if (fd < 0)
		return fd;
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

int main(int argc, char **argv)
{
	const char *sock = INITCTL_SOCKET;
	uint32_t deadline_ms = 0;
	bool has_deadline = false;
	int i = 1;
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("appvm-initctl %s\n", APPVM_VERSION);
		return 0;
	}
	if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
		sock = argv[i + 1];
		i += 2;
	}
	if (i + 1 < argc && strcmp(argv[i], "--deadline") == 0) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(argv[i + 1], &end, 10);
		if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-' ||
		    v > INITCTL_DEADLINE_MAX) {
			fprintf(stderr, "appvm-initctl: --deadline: expected 0 to %d ms\n",
				INITCTL_DEADLINE_MAX);
			return 2;
		}
		deadline_ms = (uint32_t)v;
		has_deadline = true;
		i += 2;
	}
	if (i + 1 != argc) {
		fputs(usage, stderr);
		return 2;
	}
	const char *word = argv[i];
	enum initctl_cmd cmd;
	if (strcmp(word, "status") == 0)
		cmd = INITCTL_CMD_STATUS;
	else if (strcmp(word, "poweroff") == 0)
		cmd = INITCTL_CMD_POWEROFF;
	else if (strcmp(word, "reboot") == 0)
		cmd = INITCTL_CMD_REBOOT;
	else if (strcmp(word, "watch") == 0)
		cmd = INITCTL_CMD_WATCH;
	else {
		fprintf(stderr, "appvm-initctl: unknown command %s (see --help)\n", word);
		return 2;
	}
	if (has_deadline && !initctl_cmd_takes_deadline(cmd)) {
		fprintf(stderr, "appvm-initctl: --deadline applies to poweroff and reboot only\n");
		return 2;
	}
	static struct initctl_status st;
	int r = transact(sock, cmd, deadline_ms, cmd == INITCTL_CMD_STATUS ? &st : NULL);
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
