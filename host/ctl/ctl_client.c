#include "io.h"
#include "ctl_client.h"
#include "clock.h"
#include "ctl_transport.h"

#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* The largest request the host sends: a CLIPBOARD_SET with a full chunk
 * (docs/protocol.md: 33037 bytes of payload). */
#define OUT_MAX (PROTO_HEADER_SIZE + 33040)

void ctl_client_init(struct ctl_client *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->next_id = 1;
	proto_reader_init(&c->reader);
	proto_session_init(&c->session, PROTO_ROLE_OPENER, PROTO_CAP_CONTROL | PROTO_CAP_CLIPBOARD,
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
		ctl_error_set(err, "cannot encode %s: %s", ctl_type_name(m->type), strerror(-r));
		return r;
	}
	r = io_write_full_until(c->fd, buf, len, deadline);
	if (r == -ETIMEDOUT) {
		ctl_error_set(err, "guest did not take our %s before the deadline",
			      ctl_type_name(m->type));
	} else if (r == -EPIPE || r == -ECONNRESET) {
		ctl_error_set(err, "guest closed the connection before our %s was sent",
			      ctl_type_name(m->type));
		r = -EPROTO;
	} else if (r < 0) {
		ctl_error_set(err, "cannot send %s: %s", ctl_type_name(m->type), strerror(-r));
	}
	return r;
}

/* Waits for the guest's next bytes and reads them into c->in. Returns the
 * byte count, 0 at end of file (or a reset), -ETIMEDOUT or -errno. The clock
 * is checked here too, not only by poll: a guest that always has bytes ready
 * must not outlive the deadline either. */
static ssize_t read_more(struct ctl_client *c, uint64_t deadline)
{
	for (;;) {
		if (clock_remaining_ms(deadline) == 0)
			return -ETIMEDOUT;
		int r = io_wait_until(c->fd, POLLIN, deadline);
		if (r < 0)
			return r;
		ssize_t n = io_read_some(c->fd, c->in, sizeof(c->in));
		if (n != -EAGAIN)
			return n == -ECONNRESET ? 0 : n;
	}
}

/* What the reader holds of an unfinished frame, for a timeout message. */
static void describe_partial(const struct proto_reader *r, char *buf, size_t size)
{
	char what[80];
	if (!proto_reader_partial(r))
		snprintf(buf, size, "%s", "");
	else if (r->head_got < PROTO_HEADER_SIZE)
		snprintf(buf, size, " (received %zu of a header's %u bytes)", r->head_got,
			 PROTO_HEADER_SIZE);
	else
		snprintf(buf, size, " (received %zu payload bytes of a %s)", r->payload_got,
			 proto_header_describe(&r->header, what, sizeof(what)));
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
			if (r < 0)
				return ctl_error_framing(err, &c->reader, r, "guest");
		}
		c->in_pos = c->in_len = 0;
		ssize_t n = read_more(c, deadline);
		if (n == -ETIMEDOUT) {
			char partial[128];
			describe_partial(&c->reader, partial, sizeof(partial));
			ctl_error_set(err, "no %s reply from the guest before the deadline%s",
				      ctl_type_name(c->want_type), partial);
			return -ETIMEDOUT;
		}
		if (n < 0) {
			ctl_error_set(err, "read: %s", strerror((int)-n));
			return (int)n;
		}
		if (n == 0) {
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
	/* Whatever the guest still sends is of no interest now: a little is
	 * read and dropped, then only the close is waited for (POLLRDHUP, which
	 * Unix and vsock sockets report once the peer is gone, read or not), so
	 * a guest that streams bytes instead of closing costs no CPU. */
	size_t drained = 0;
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLRDHUP};
		if (drained < CTL_AFTER_ACK_MAX)
			p.events |= POLLIN;
		int r = poll(&p, 1, clock_remaining_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			ctl_error_set(err, "guest still connected at the deadline");
			return -ETIMEDOUT;
		}
		if (r < 0) {
			int e = errno;
			ctl_error_set(err, "poll: %s", strerror(e));
			return -e;
		}
		if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
			return 0;
		ssize_t n = io_read_some(c->fd, c->in, sizeof(c->in));
		if (n == 0 || n == -ECONNRESET)
			return 0;
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			ctl_error_set(err, "read: %s", strerror((int)-n));
			return (int)n;
		}
		drained += (size_t)n;
	}
}
