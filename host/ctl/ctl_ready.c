/* wait-ready: the event listener and the agent poll, in one poll loop.
 *
 * Any process in the guest can connect to the event port, so no event
 * connection is trusted to be the agent: each one has CTL_EVENT_STEP_MS for
 * HELLO and as long again for READY, one that breaks the protocol is dropped
 * (the wait goes on), and when every slot is taken a new connection evicts
 * the oldest one. The agent sends HELLO the moment it connects, so silent or
 * slow connections never keep it out. */
#include "io.h"
#include "cleanup.h"
#include "ctl_client.h"
#include "ctl_event.h"
#include "clock.h"
#include "ctl_transport.h"
#include "ports.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)
#define STEP_MS	      STRINGIFY(CTL_EVENT_STEP_MS)

struct waiter {
	const struct ctl_target *target;
	int listen_fd;
	struct ctl_event_conn conns[CTL_EVENT_CONNS];
	struct ctl_ready scratch[CTL_EVENT_CONNS];
	uint64_t accepted;     /* connections accepted so far */
	struct ctl_error last; /* why the latest poll failed */
	unsigned dropped;      /* event connections dropped */
	struct ctl_error drop; /* why the latest one was (msg only) */
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
	return r;
}

/* Closes an event connection; why (NULL: it just closed) is remembered for
 * the deadline error. */
static void drop(struct waiter *w, struct ctl_event_conn *e, const char *why)
{
	if (why) {
		snprintf(w->drop.msg, sizeof(w->drop.msg), "%s", why);
		w->dropped++;
	}
	ctl_event_conn_free(e);
}

/* The slot for a new connection: a free one, else the oldest connection's.
 * The agent sends HELLO as it connects and READY one round trip later, so it
 * is never the oldest for long; whatever has sat in a slot longer is at best
 * slow, and a silent or half-done connection must not outlive a new one. */
static struct ctl_event_conn *slot_for_new(struct waiter *w)
{
	struct ctl_event_conn *victim = NULL;
	for (unsigned i = 0; i < CTL_EVENT_CONNS; i++) {
		struct ctl_event_conn *e = &w->conns[i];
		if (e->fd < 0)
			return e;
		if (!victim || e->serial < victim->serial)
			victim = e;
	}
	drop(w, victim,
	     victim->session.established
		 ? "event connection: evicted before READY, all slots taken"
		 : "event connection: evicted before HELLO, all slots taken");
	return victim;
}

/* Takes pending connections, at most half the slots' worth per wake-up: the
 * connections already there are served between two rounds, so a burst of
 * new ones cannot evict an agent whose HELLO is already waiting. */
static void accept_pending(struct waiter *w)
{
	for (unsigned n = 0; n < CTL_EVENT_CONNS / 2; n++) {
		int fd;
		if (w->target->transport == CTL_TRANSPORT_VSOCK)
			fd = ctl_vsock_accept_from(w->listen_fd, w->target->cid);
		else
			fd = accept4(w->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -EACCES)
			continue; /* another guest's: closed */
		if (fd < 0)
			return;
		struct ctl_event_conn *e = slot_for_new(w);
		ctl_event_conn_init(e, fd);
		memset(&w->scratch[e - w->conns], 0, sizeof(w->scratch[0]));
		e->serial = ++w->accepted;
		e->expires = clock_now_ms() + CTL_EVENT_STEP_MS;
	}
}

/* Sends an answer now or never: a guest that does not take a few dozen bytes
 * at once is not the agent, and the loop must not wait for it. */
static int send_now(struct ctl_event_conn *e, const struct proto_msg *reply)
{
	uint8_t buf[PROTO_HEADER_SIZE + 512];
	size_t len;
	int r = proto_encode(reply, buf, sizeof(buf), &len);
	return r < 0 ? r : io_write_full_until(e->fd, buf, len, clock_now_ms());
}

/* Reads what one event connection has and judges its frames. Returns 1 when
 * READY arrived, 0 to go on, -EPIPE when the connection is to be dropped
 * (*why set when that is the guest's fault, cleared when it just closed: an
 * agent that restarts reconnects), or -ENOMEM. */
static int pump(struct ctl_event_conn *e, struct ctl_ready *ready, struct ctl_error *why)
{
	ctl_error_clear(why);
	if (e->in_pos == e->in_len) {
		ssize_t n = io_read_some(e->fd, e->in, sizeof(e->in));
		if (n == -EAGAIN)
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
		if (r < 0)
			return ctl_error_framing(why, &e->reader, r, "event connection: guest") ==
				       -EPROTO
				   ? -EPIPE
				   : r;
		if (r == 0)
			continue;
		int had_hello = e->session.established;
		struct proto_msg reply;
		r = ctl_event_frame(e, &e->reader.header, e->reader.payload, &reply, ready, why);
		if (r < 0)
			return -EPIPE;
		if (r == CTL_EVENT_READY)
			return 1;
		if (!had_hello && e->session.established)
			e->expires = clock_now_ms() + CTL_EVENT_STEP_MS;
		if (r == CTL_EVENT_SEND || r == CTL_EVENT_REFUSE) {
			int s = send_now(e, &reply);
			if (r == CTL_EVENT_REFUSE)
				return -EPIPE;
			if (s < 0) {
				ctl_error_set(why, "event connection: guest does not take our "
						   "answer");
				return -EPIPE;
			}
		}
	}
	return 0;
}

static void take_ready(struct ctl_ready *ret, const struct ctl_ready *got)
{
	memcpy(ret->untrusted_software, got->untrusted_software, sizeof(ret->untrusted_software));
	ret->untrusted_software_len = got->untrusted_software_len;
	ret->protocol_version = got->protocol_version;
	ret->uptime_ms = got->uptime_ms;
	memcpy(ret->untrusted_vm_name, got->untrusted_vm_name, sizeof(ret->untrusted_vm_name));
	ret->untrusted_vm_name_len = got->untrusted_vm_name_len;
	ret->via = CTL_READY_EVENT;
}

/* Serves the event connections poll found ready and drops the ones whose
 * step ran out. Returns 1 when one delivered READY (*ret filled), 0, or -errno. */
static int serve_events(struct waiter *w, const struct pollfd *p, struct ctl_ready *ret)
{
	uint64_t now = clock_now_ms();
	for (unsigned i = 0; i < CTL_EVENT_CONNS; i++) {
		struct ctl_event_conn *e = &w->conns[i];
		if (e->fd < 0)
			continue;
		if (p[i].revents) {
			struct ctl_error why;
			int r = pump(e, &w->scratch[i], &why);
			if (r == 1) {
				take_ready(ret, &w->scratch[i]);
				return 1;
			}
			if (r == -EPIPE) {
				drop(w, e, why.msg[0] ? why.msg : NULL);
				continue;
			}
			if (r < 0)
				return r;
		}
		if (now >= e->expires)
			drop(w, e,
			     e->session.established
				 ? "event connection: no READY within " STEP_MS " ms"
				 : "event connection: no HELLO within " STEP_MS " ms");
	}
	return 0;
}

static void deadline_error(const struct waiter *w, struct ctl_error *err)
{
	if (w->dropped)
		ctl_error_set(err,
			      "guest not ready before the deadline (last poll: %.120s; %u event "
			      "connections dropped, the last: %.180s)",
			      w->last.msg[0] ? w->last.msg : "none", w->dropped, w->drop.msg);
	else
		ctl_error_set(err, "guest not ready before the deadline (last poll: %.200s)",
			      w->last.msg[0] ? w->last.msg : "none");
}

static int wait_loop(struct waiter *w, uint64_t deadline, struct ctl_ready *ret,
		     struct ctl_error *err)
{
	uint64_t next_poll = 0;
	for (;;) {
		uint64_t now = clock_now_ms();
		if (now >= deadline) {
			deadline_error(w, err);
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
		/* Wake for the next poll, the deadline, or a connection's step. */
		uint64_t until = next_poll < deadline ? next_poll : deadline;
		struct pollfd p[CTL_EVENT_CONNS + 1];
		for (unsigned i = 0; i < CTL_EVENT_CONNS; i++) {
			p[i] = (struct pollfd){.fd = w->conns[i].fd, .events = POLLIN};
			if (w->conns[i].fd >= 0 && w->conns[i].expires < until)
				until = w->conns[i].expires;
		}
		p[CTL_EVENT_CONNS] = (struct pollfd){.fd = w->listen_fd, .events = POLLIN};
		int r = poll(p, CTL_EVENT_CONNS + 1, until > now ? (int)(until - now) : 0);
		if (r < 0 && errno != EINTR) {
			int e = errno;
			ctl_error_set(err, "poll: %s", strerror(e));
			return -e;
		}
		if (r < 0)
			continue;
		/* Connections first: a READY already waiting is taken before a new
		 * connection could evict its sender. */
		r = serve_events(w, p, ret);
		if (r != 0)
			return r < 0 ? r : 0;
		if (p[CTL_EVENT_CONNS].revents)
			accept_pending(w);
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
