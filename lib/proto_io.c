#include "proto_io.h"

#include "io.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int proto_read_frame(int fd, struct proto_reader *r)
{
	uint8_t buf[4096];
	for (;;) {
		/* A payload goes straight into the frame's buffer, in as few
		 * reads as the socket allows (a 32 KiB document reply: one
		 * read, not eight, and no copy). */
		size_t space;
		uint8_t *to = proto_reader_space(r, &space);
		if (to) {
			ssize_t got = io_read_some(fd, to, space);
			if (got == -EAGAIN)
				return 0;
			if (got < 0)
				return (int)got;
			if (got == 0)
				return -EPIPE;
			if (proto_reader_filled(r, (size_t)got))
				return 1;
			continue;
		}
		ssize_t n = io_read_some(fd, buf, proto_reader_want(r, sizeof(buf)));
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return proto_reader_partial(r) ? -EPIPE : -ENODATA;
		size_t used = 0;
		int ret = proto_reader_feed(r, buf, (size_t)n, &used);
		if (ret != 0)
			return ret;
	}
}

int outbuf_send(struct outbuf *b, int fd)
{
	while (b->len > 0) {
		ssize_t n = send(fd, outbuf_head(b), b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		outbuf_consume(b, (size_t)n);
	}
	return 0;
}

const char *proto_io_strerror(int err)
{
	switch (err) {
	case -ENODATA:
		return "closed by the peer";
	case -EPIPE:
		return "connection closed inside a frame";
	case -EBADMSG:
	case -EMSGSIZE:
		return "framing violation";
	case -ENOMEM:
		return "out of memory";
	default:
		return strerror(-err);
	}
}
