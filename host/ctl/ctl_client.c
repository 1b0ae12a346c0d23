#include "io.h"
#include "ctl_client.h"
#include "clock.h"
#include "ctl_transport.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* Requests the host sends are small; so are the ERROR answers. */
#define OUT_MAX (PROTO_HEADER_SIZE + 512)

static const char *type_name(uint16_t type)
{
	const char *n = proto_type_name(type);
	return n ? n : "unknown";
}

void ctl_client_init(struct ctl_client *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->next_id = 1;
	proto_reader_init(&c->reader);
	proto_session_init(&c->session, PROTO_ROLE_OPENER, PROTO_CAP_CONTROL,
			   "appvmctl " APPVM_VERSION);
}

void ctl_client_free(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	proto_reader_free(&c->reader);
}

static int send_msg(struct ctl_client *c, const struct proto_msg *m, uint64_t deadline,
		    struct ctl_error *err)
{
	uint8_t buf[OUT_MAX];
	size_t len;
	int r = proto_encode(m, buf, sizeof(buf), &len);
	if (r < 0) {
		ctl_error_set(err, "cannot encode %s: %s", type_name(m->type), strerror(-r));
		return r;
	}
	r = io_write_full_until(c->fd, buf, len, deadline);
	if (r == -ETIMEDOUT) {
		ctl_error_set(err, "guest did not take our %s before the deadline",
			      type_name(m->type));
	} else if (r == -EPIPE || r == -ECONNRESET) {
		ctl_error_set(err, "guest closed the connection before our %s was sent",
			      type_name(m->type));
		r = -EPROTO;
	} else if (r < 0) {
		ctl_error_set(err, "cannot send %s: %s", type_name(m->type), strerror(-r));
	}
	return r;
}

/* Reads until the reader holds a whole frame. Bytes after it stay in c->in. */
static int read_frame(struct ctl_client *c, uint64_t deadline, struct ctl_error *err)
{
	for (;;) {
		while (c->in_pos < c->in_len) {
			size_t used = 0;
			int r = proto_reader_feed(&c->reader, c->in + c->in_pos,
						  c->in_len - c->in_pos, &used);
			c->in_pos += used;
			if (r == 1)
				return 0;
			if (r == -EMSGSIZE) {
				ctl_error_set(
				    err, "guest sent a %s frame of %u bytes, over its cap",
				    type_name(c->reader.header.type), c->reader.header.length);
				return -EPROTO;
			}
			if (r == -EBADMSG) {
				ctl_error_set(err, "guest sent garbage (not a frame header)");
				return -EPROTO;
			}
			if (r < 0) {
				ctl_error_set(err, "cannot take a frame: %s", strerror(-r));
				return r;
			}
		}
		c->in_pos = c->in_len = 0;
		/* Checked here too, not only by poll: a guest that always has
		 * bytes ready must not outlive the deadline either. */
		int left = clock_remaining_ms(deadline);
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = left == 0 ? 0 : poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			ctl_error_set(err, "poll: %s", strerror(e));
			return -e;
		}
		if (r == 0) {
			ctl_error_set(err, "no %s reply from the guest before the deadline%s",
				      type_name(c->want_type),
				      proto_reader_partial(&c->reader) ? " (reply incomplete)"
								       : "");
			return -ETIMEDOUT;
		}
		ssize_t n = read(c->fd, c->in, sizeof(c->in));
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0 && errno != ECONNRESET) {
			int e = errno;
			ctl_error_set(err, "read: %s", strerror(e));
			return -e;
		}
		if (n <= 0) {
			ctl_error_set(err, "guest closed the connection %s",
				      proto_reader_partial(&c->reader) ? "in the middle of a frame"
								       : "without replying");
			return -EPROTO;
		}
		c->in_len = (size_t)n;
	}
}

/* Reads frames until the awaited reply arrives. */
static int await_reply(struct ctl_client *c, struct proto_msg *ret_reply, uint64_t deadline,
		       struct ctl_error *err)
{
	for (;;) {
		int r = read_frame(c, deadline, err);
		if (r < 0)
			return r;
		r = ctl_client_frame(c, &c->reader.header, c->reader.payload, ret_reply, err);
		if (r < 0 || r == CTL_FRAME_REPLY)
			return r < 0 ? r : 0;
		if (r == CTL_FRAME_ANSWER) {
			r = send_msg(c, ret_reply, deadline, err);
			if (r < 0)
				return r;
		}
	}
}

int ctl_client_hello(struct ctl_client *c, uint64_t deadline, struct ctl_error *err)
{
	struct proto_msg hello, reply;
	proto_session_hello(&c->session, c->next_id++, &hello);
	int r = send_msg(c, &hello, deadline, err);
	if (r < 0)
		return r;
	ctl_client_expect(c, &hello);
	return await_reply(c, &reply, deadline, err);
}

int ctl_client_open(struct ctl_client *c, const struct ctl_target *t, uint64_t deadline,
		    struct ctl_error *err)
{
	ctl_client_init(c, -1);
	int fd = ctl_transport_connect(t, deadline, err);
	if (fd < 0)
		return fd;
	c->fd = fd;
	return ctl_client_hello(c, deadline, err);
}

int ctl_client_call(struct ctl_client *c, struct proto_msg *req, struct proto_msg *ret_reply,
		    uint64_t deadline, struct ctl_error *err)
{
	req->id = c->next_id++;
	req->flags = 0;
	int r = send_msg(c, req, deadline, err);
	if (r < 0)
		return r;
	ctl_client_expect(c, req);
	return await_reply(c, ret_reply, deadline, err);
}

int ctl_client_wait_close(struct ctl_client *c, uint64_t deadline, struct ctl_error *err)
{
	for (;;) {
		/* A guest streaming bytes keeps poll ready: check the clock. */
		int left = clock_remaining_ms(deadline);
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = left == 0 ? 0 : poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			ctl_error_set(err, "poll: %s", strerror(e));
			return -e;
		}
		if (r == 0) {
			ctl_error_set(err, "guest still connected at the deadline");
			return -ETIMEDOUT;
		}
		/* Whatever the guest still sends is of no interest now. */
		ssize_t n = read(c->fd, c->in, sizeof(c->in));
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 0;
		if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			int e = errno;
			ctl_error_set(err, "read: %s", strerror(e));
			return -e;
		}
	}
}
