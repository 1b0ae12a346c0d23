#include "io.h"
#include "cleanup.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int io_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int io_write_full_until(int fd, const void *buf, size_t len, uint64_t deadline_ms)
{
	const char *p = buf;
	bool is_socket = true;
	while (len > 0) {
		/* send() with MSG_NOSIGNAL: a peer that went away is -EPIPE for the
		 * caller to report, not a SIGPIPE that kills the process. */
		ssize_t n = is_socket ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOTSOCK && is_socket) {
				is_socket = false;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* A non-blocking fd: wait for room rather than spin. */
				int r = io_wait_until(fd, POLLOUT, deadline_ms);
				if (r < 0)
					return r;
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int io_write_full(int fd, const void *buf, size_t len)
{
	return io_write_full_until(fd, buf, len, IO_NO_DEADLINE);
}

ssize_t io_read_some(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

ssize_t io_write_some(int fd, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = write(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

int io_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	int nfl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0)
		return -errno;
	return 0;
}

int io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int io_wait_until(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	for (;;) {
		int timeout = deadline_ms == IO_NO_DEADLINE ? -1 : clock_remaining_ms(deadline_ms);
		int r = poll(&p, 1, timeout);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t io_read_file(const char *path, char *buf, size_t max)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	for (;;) {
		if (len == max) {
			char extra;
			ssize_t n = io_read_some(fd, &extra, 1);
			if (n < 0)
				return n;
			if (n > 0)
				return -EFBIG;
			break;
		}
		ssize_t n = io_read_some(fd, buf + len, max - len);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == max)
		return -EFBIG; /* no room left for the terminating NUL */
	buf[len] = '\0';
	return (ssize_t)len;
}

int io_write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return io_write_full(fd, text, strlen(text));
}
