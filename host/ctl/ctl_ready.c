/* wait-ready: the event listener and the agent poll, in one poll loop. */
#include "io.h"
#include "cleanup.h"
#include "ctl_client.h"
#include "ctl_event.h"
#include "clock.h"
#include "ctl_transport.h"
#include "ports.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct waiter {
	const struct ctl_target *target;
	int listen_fd;
	struct ctl_event_conn conns[CTL_EVENT_CONNS];
	struct ctl_ready scratch[CTL_EVENT_CONNS];
	struct ctl_error last; /* why the latest poll failed */
	int last_ret;
};

/* One HELLO + PING to the agent port. */
static int poll_agent(struct waiter *w, uint64_t deadline, struct ctl_ready *ret)
{
	struct ctl_client c;
	ctl_error_clear(&w->last);
	int r = ctl_client_open(&c, w->target, deadline, &w->last);
	if (r == 0) {
		struct proto_msg ping = {.type = PROTO_PING}, reply;
		ping.u.ping_nonce = clock_now_us();
		r = ctl_client_call(&c, &ping, &reply, deadline, &w->last);
	}
	if (r == 0) {
		ret->via = CTL_READY_POLL;
		ret->protocol_version = c.session.version;
		memcpy(ret->untrusted_software, c.untrusted_software,
		       sizeof(ret->untrusted_software));
		ret->untrusted_software_len = c.untrusted_software_len;
	}
	ctl_client_free(&c);
	w->last_ret = r;
	return r;
}

static void accept_one(struct waiter *w)
{
	int fd;
	if (w->target->transport == CTL_TRANSPORT_VSOCK)
		fd = ctl_vsock_accept_from(w->listen_fd, w->target->cid);
	else
		fd = accept4(w->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (unsigned i = 0; i < CTL_EVENT_CONNS; i++) {
		if (w->conns[i].fd < 0) {
			ctl_event_conn_init(&w->conns[i], fd);
			memset(&w->scratch[i], 0, sizeof(w->scratch[i]));
			return;
		}
	}
	close(fd); /* all slots busy: the agent retries */
}

/* Reads what one event connection has and judges its frames. Returns 1 when
 * READY arrived, 0 to go on, -EPIPE when the guest closed it (not an error:
 * an agent that restarts reconnects), or -EPROTO and friends. */
static int pump(struct ctl_event_conn *e, struct ctl_ready *ready, uint64_t deadline,
		struct ctl_error *err)
{
	if (e->in_pos == e->in_len) {
		ssize_t n = read(e->fd, e->in, sizeof(e->in));
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -EPIPE;
		e->in_pos = 0;
		e->in_len = (size_t)n;
	}
	while (e->in_pos < e->in_len) {
		size_t used = 0;
		int r =
		    proto_reader_feed(&e->reader, e->in + e->in_pos, e->in_len - e->in_pos, &used);
		e->in_pos += used;
		if (r == -EBADMSG || r == -EMSGSIZE) {
			ctl_error_set(err, "event connection: %s",
				      r == -EBADMSG ? "garbage (not a frame header)"
						    : "oversized frame");
			return -EPROTO;
		}
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		struct proto_msg reply;
		r = ctl_event_frame(e, &e->reader.header, e->reader.payload, &reply, ready, err);
		if (r < 0)
			return r;
		if (r == CTL_EVENT_READY)
			return 1;
		if (r == CTL_EVENT_SEND || r == CTL_EVENT_REFUSE) {
			uint8_t buf[PROTO_HEADER_SIZE + 512];
			size_t len;
			int s = proto_encode(&reply, buf, sizeof(buf), &len);
			/* A reply is small: never wait long for room to send it. */
			uint64_t dl = clock_now_ms() + 1000;
			if (s == 0)
				s = io_write_full_until(e->fd, buf, len,
							dl < deadline ? dl : deadline);
			if (r == CTL_EVENT_REFUSE)
				return -EPROTO;
			if (s < 0)
				return -EPIPE;
		}
	}
	return 0;
}

static int wait_loop(struct waiter *w, uint64_t deadline, struct ctl_ready *ret,
		     struct ctl_error *err)
{
	uint64_t next_poll = 0;
	for (;;) {
		uint64_t now = clock_now_ms();
		if (now >= deadline) {
			ctl_error_set(err, "guest not ready before the deadline (last poll: %s)",
				      w->last.msg[0] ? w->last.msg : "none");
			return -ETIMEDOUT;
		}
		if (now >= next_poll) {
			uint64_t dl = now + CTL_POLL_ATTEMPT_MS;
			int r = poll_agent(w, dl < deadline ? dl : deadline, ret);
			if (r == 0)
				return 0;
			if (r != -EHOSTDOWN && r != -ECONNREFUSED && r != -ETIMEDOUT) {
				*err = w->last;
				return r;
			}
			next_poll = clock_now_ms() + CTL_POLL_INTERVAL_MS;
			continue;
		}
		struct pollfd p[1 + CTL_EVENT_CONNS];
		p[0] = (struct pollfd){.fd = w->listen_fd, .events = POLLIN};
		for (unsigned i = 0; i < CTL_EVENT_CONNS; i++)
			p[1 + i] = (struct pollfd){.fd = w->conns[i].fd, .events = POLLIN};
		uint64_t until = next_poll < deadline ? next_poll : deadline;
		int r = poll(p, 1 + CTL_EVENT_CONNS, (int)(until - now));
		if (r < 0 && errno != EINTR) {
			int e = errno;
			ctl_error_set(err, "poll: %s", strerror(e));
			return -e;
		}
		if (r <= 0)
			continue;
		if (p[0].revents)
			accept_one(w);
		for (unsigned i = 0; i < CTL_EVENT_CONNS; i++) {
			if (!p[1 + i].revents || w->conns[i].fd < 0)
				continue;
			r = pump(&w->conns[i], &w->scratch[i], deadline, err);
			if (r == 1) {
				memcpy(ret->untrusted_software, w->scratch[i].untrusted_software,
				       sizeof(ret->untrusted_software));
				ret->untrusted_software_len = w->scratch[i].untrusted_software_len;
				ret->protocol_version = w->scratch[i].protocol_version;
				ret->uptime_ms = w->scratch[i].uptime_ms;
				memcpy(ret->untrusted_vm_name, w->scratch[i].untrusted_vm_name,
				       sizeof(ret->untrusted_vm_name));
				ret->untrusted_vm_name_len = w->scratch[i].untrusted_vm_name_len;
				ret->via = CTL_READY_EVENT;
				return 0;
			}
			if (r == -EPIPE)
				ctl_event_conn_free(&w->conns[i]);
			else if (r < 0)
				return r;
		}
	}
}

int ctl_wait_ready(const struct ctl_target *t, const char *event_path, uint64_t deadline,
		   struct ctl_ready *ret, struct ctl_error *err)
{
	struct waiter w = {.target = t, .listen_fd = -1};
	for (unsigned i = 0; i < CTL_EVENT_CONNS; i++)
		ctl_event_conn_init(&w.conns[i], -1);
	memset(ret, 0, sizeof(*ret));
	uint64_t start = clock_now_ms();
	int bound = 0;
	struct ctl_error lerr;
	ctl_error_clear(&lerr);
	if (t->transport == CTL_TRANSPORT_VSOCK) {
		w.listen_fd = ctl_vsock_listen(APPVM_EVENT_PORT, &lerr);
	} else if (event_path && event_path[0]) {
		w.listen_fd = ctl_unix_listen(event_path, &lerr);
		bound = w.listen_fd >= 0;
	}
	if (w.listen_fd < 0 && lerr.msg[0])
		snprintf(ret->note, sizeof(ret->note),
			 "not listening for READY (%.200s); polling only", lerr.msg);

	int r = wait_loop(&w, deadline, ret, err);
	ret->waited_ms = clock_now_ms() - start;

	for (unsigned i = 0; i < CTL_EVENT_CONNS; i++)
		ctl_event_conn_free(&w.conns[i]);
	if (w.listen_fd >= 0)
		close(w.listen_fd);
	if (bound)
		unlink(event_path);
	return r;
}
