#include "ctl_transport.h"
#include "cleanup.h"
#include "hybrid.h"
#include "clock.h"
#include "io.h"
#include "unix_addr.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* A non-blocking Unix stream socket, and in *sa the address of path. */
static int unix_socket(const char *path, struct sockaddr_un *sa, const char *what,
		       struct ctl_error *err)
{
	if (unix_addr_set(sa, path) < 0) {
		ctl_error_set(err, "%s path too long", what);
		return -EINVAL;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		ctl_error_set(err, "cannot create a socket: %s", strerror(e));
		return -e;
	}
	return fd;
}

int ctl_unix_connect(const char *path, uint64_t deadline, struct ctl_error *err)
{
	struct sockaddr_un sa;
	_cleanup_close_ int fd = unix_socket(path, &sa, "socket", err);
	if (fd < 0)
		return fd;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return steal_fd(&fd);
		int e = errno;
		switch (e) {
		case EINTR:
			continue;
		case EAGAIN:
			/* The listener's backlog is full: it lives but is busy. */
			if (clock_remaining_ms(deadline) == 0) {
				ctl_error_set(err, "%s: listener busy until the deadline", path);
				return -ETIMEDOUT;
			}
			nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000}, NULL);
			continue;
		case ENOENT:
		case ENOTDIR:
			ctl_error_set(err, "VM not running: no socket at %s", path);
			return -EHOSTDOWN;
		case ECONNREFUSED: {
			/* Also what connecting to a file or directory gives. */
			struct stat st;
			if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
				ctl_error_set(err, "VM not running: %s is not a socket", path);
			else
				ctl_error_set(err, "VM not running: nothing listens on %s", path);
			return -EHOSTDOWN;
		}
		case EACCES:
		case EPERM:
			ctl_error_set(
			    err,
			    "cannot connect to %s: %s (another user's VM: run as the user "
			    "who started it, or as root)",
			    path, strerror(e));
			return -e;
		default:
			ctl_error_set(err, "cannot connect to %s: %s", path, strerror(e));
			return -e;
		}
	}
}

int ctl_hybrid_handshake(int fd, uint32_t port, uint64_t deadline, struct ctl_error *err)
{
	char line[HYBRID_LINE_MAX + 1];
	int n = hybrid_format_line(line, sizeof(line), HYBRID_CONNECT, port);
	if (n < 0)
		return n;
	int r = io_write_full_until(fd, line, (size_t)n, deadline);
	if (r == -ETIMEDOUT) {
		ctl_error_set(err, "hybrid socket did not take CONNECT %u in time", port);
		return r;
	}
	if (r < 0) {
		ctl_error_set(err, "agent not listening: CONNECT %u failed: %s", port,
			      strerror(-r));
		return -ECONNREFUSED;
	}
	/* One byte at a time: whatever follows the newline is the guest's. */
	char untrusted_line[HYBRID_LINE_MAX + 1];
	size_t got = 0;
	for (;;) {
		ssize_t k = read(fd, untrusted_line + got, 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				r = io_wait_until(fd, POLLIN, deadline);
				if (r == -ETIMEDOUT) {
					ctl_error_set(err, "no answer to CONNECT %u in time", port);
					return r;
				}
				if (r < 0)
					return r;
				continue;
			}
			int e = errno;
			ctl_error_set(err, "agent not listening: CONNECT %u: %s", port,
				      strerror(e));
			return e == ECONNRESET || e == EPIPE ? -ECONNREFUSED : -e;
		}
		if (k == 0) {
			ctl_error_set(err,
				      "agent not listening: the VMM closed the connection after "
				      "CONNECT %u",
				      port);
			return -ECONNREFUSED;
		}
		got++;
		uint32_t host_port;
		r = hybrid_parse_line(HYBRID_OK, untrusted_line, got, &host_port);
		if (r == 0)
			return 0;
		if (r == -EINVAL) {
			untrusted_line[got] = '\0';
			ctl_error_set(err, "agent not listening: CONNECT %u answered \"%s\"", port,
				      untrusted_line);
			return -ECONNREFUSED;
		}
	}
}

int ctl_transport_connect(const struct ctl_target *t, uint64_t deadline, struct ctl_error *err)
{
	if (t->transport == CTL_TRANSPORT_VSOCK)
		return ctl_vsock_connect(t->cid, t->port, deadline, err);
	_cleanup_close_ int fd = ctl_unix_connect(t->path, deadline, err);
	if (fd < 0)
		return fd;
	if (t->transport == CTL_TRANSPORT_HYBRID) {
		int r = ctl_hybrid_handshake(fd, t->port, deadline, err);
		if (r < 0)
			return r;
	}
	return steal_fd(&fd);
}

int ctl_unix_listen(const char *path, struct ctl_error *err)
{
	struct sockaddr_un sa;
	_cleanup_close_ int fd = unix_socket(path, &sa, "event socket", err);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (e != EADDRINUSE) {
			ctl_error_set(err, "cannot bind %s: %s", path, strerror(e));
			return -e;
		}
		/* Replace the file only if it is a socket nobody listens on. */
		struct stat st;
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int gone = lstat(path, &st);
		if (gone == 0 && !S_ISSOCK(st.st_mode)) {
			ctl_error_set(err, "%s is not a socket, left alone", path);
			return -EADDRINUSE;
		}
		if (gone < 0 || probe < 0 ||
		    connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
		    errno != ECONNREFUSED) {
			ctl_error_set(err, "%s is in use", path);
			return -EADDRINUSE;
		}
		if (unlink(path) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			e = errno;
			ctl_error_set(err, "cannot bind %s: %s", path, strerror(e));
			return -e;
		}
	}
	if (listen(fd, CTL_EVENT_BACKLOG) < 0) {
		int e = errno;
		ctl_error_set(err, "cannot listen on %s: %s", path, strerror(e));
		unlink(path);
		return -e;
	}
	return steal_fd(&fd);
}
