#include "sock.h"

#include "cleanup.h"
#include "unix_addr.h"
#include "wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The kernel's SCM_MAX_FD: one read can bring no more. */
#define SCM_MAX_FDS 253

int wlf_sock_listen(const char *path)
{
	/* Two filters must never take each other's socket: only a stale one
	 * (nobody accepting) is replaced. */
	if (unix_sock_live(path))
		return -EADDRINUSE;
	return unix_sock_listen(path, 128);
}

int wlf_sock_connect(const char *path)
{
	return unix_sock_connect(path, SOCK_NONBLOCK);
}

ssize_t wlf_sock_recv(int fd, struct wlf_in *in)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SCM_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = {in->buf + in->len, sizeof(in->buf) - in->len};
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = control.buf,
	    .msg_controllen = sizeof(control.buf),
	};
	if (iov.iov_len == 0)
		return -ENOBUFS;
	ssize_t n;
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	bool flood = (msg.msg_flags & MSG_CTRUNC) != 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int received;
			memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (wlf_in_push_fd(in, received) < 0)
				flood = true;
		}
	}
	in->len += (size_t)n;
	if (flood)
		return -EMFILE;
	return n;
}

int wlf_sock_flush(int fd, struct wlf_out *out)
{
	const uint8_t *data;
	size_t len;
	int fds[WLF_MAX_FDS_SEND];
	unsigned nfds;
	while (wlf_out_next(out, &data, &len, fds, &nfds)) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * WLF_MAX_FDS_SEND)];
			struct cmsghdr align;
		} control;
		struct iovec iov = {(void *)data, len};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
		if (nfds > 0) {
			msg.msg_control = control.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EWOULDBLOCK ? 0 : -errno;
		}
		wlf_out_sent(out, (size_t)n, nfds);
	}
	return 0;
}
