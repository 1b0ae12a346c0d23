/* The system-call side of rtnetlink: socket set-up, send, receive. Message
 * contents are built and checked in nl.c. */
#include "nl_sock.h"

#include "io.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nl_sock_open(struct nl_sock *s, uint32_t groups)
{
	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0)
		return -errno;
	int one = 1;
	/* Extended ACKs give the kernel's reason in words; capped ACKs keep the
	 * error reply small. Older kernels lack them, which is fine. */
	(void)setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = groups};
	socklen_t salen = sizeof(sa);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &salen) < 0) {
		int e = -errno;
		nl_sock_close(s);
		return e;
	}
	s->port = sa.nl_pid;
	/* Start from a value that depends on the time, so replies to an earlier
	 * process that had the same port cannot be taken for ours. */
	s->seq = (uint32_t)time(NULL);
	s->rbuf = malloc(NL_RECV_BUF);
	if (!s->rbuf) {
		nl_sock_close(s);
		return -ENOMEM;
	}
	return 0;
}

void nl_sock_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->rbuf);
	s->rbuf = NULL;
}

/* Receives one datagram from the kernel. Returns its length or -errno. */
static ssize_t recv_from_kernel(struct nl_sock *s, int timeout_ms)
{
	for (;;) {
		int r = io_wait(s->fd, POLLIN, timeout_ms);
		if (r < 0)
			return r;
		struct sockaddr_nl sa;
		struct iovec iov = {.iov_base = s->rbuf, .iov_len = NL_RECV_BUF};
		struct msghdr mh = {
		    .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		/* Only the kernel (port 0) speaks for the kernel; another process
		 * that sent to our port is ignored. */
		if (mh.msg_namelen != sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0)
			continue;
		return n;
	}
}

int nl_sock_call(struct nl_sock *s, struct nl_msg *m, nl_msg_cb cb, void *ctx, char *ret_ext,
		 size_t extlen)
{
	struct nl_reply st;
	nl_request_start(m, ++s->seq, s->port, &st);
	if (ret_ext && extlen)
		ret_ext[0] = '\0';

	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t w;
	do {
		w = sendto(s->fd, m->buf, m->hdr->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa));
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	if ((size_t)w != m->hdr->nlmsg_len)
		return -EMSGSIZE;

	for (;;) {
		ssize_t n = recv_from_kernel(s, NL_REPLY_TIMEOUT_MS);
		if (n == -ETIMEDOUT)
			return -EIO; /* the kernel always answers; keep ETIMEDOUT for carrier */
		if (n < 0)
			return (int)n;
		int r = nl_reply_walk(&st, s->rbuf, (size_t)n, cb, ctx);
		if (r < 0)
			return r;
		if (r == 1)
			break;
	}
	if (ret_ext && extlen)
		snprintf(ret_ext, extlen, "%s", st.ext_msg);
	return st.error;
}

int nl_sock_drain(struct nl_sock *s)
{
	int count = 0;
	for (;;) {
		ssize_t n = recv(s->fd, s->rbuf, NL_RECV_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: notifications overflowed; the caller re-reads state anyway. */
			if (errno == EAGAIN || errno == ENOBUFS)
				return count;
			return -errno;
		}
		count++;
	}
}
