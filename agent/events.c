/* The event connection: the agent connects to the host (CID 2, the event
 * port; or a Unix socket in tests) as the HELLO opener, sends READY once the
 * exchange is done, then APP_EXIT whenever init reports a new app exit. When
 * the connection fails or the host closes it, it is retried with backoff,
 * forever, without blocking the loop. */
#include "unix_addr.h"
#include "agent.h"
#include "clock.h"

#include "cleanup.h"
#include "handler.h"
#include "io.h"
#include "log.h"
#include "proto_io.h"
#include "ports.h"
#include "sysinfo.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* READY and APP_EXIT are tiny; a host that lets this fill is not reading. */
#define EVENT_OUT_LIMIT 4096u

void events_init(struct agent *a)
{
	struct events *ev = &a->ev;
	memset(ev, 0, sizeof(*ev));
	ev->w.kind = WATCH_EVENTS;
	ev->fd = -1;
	ev->state = EV_OFF;
	if (!agent_opts_events_enabled(&a->opt))
		return;
	ev->state = EV_WAIT;
	ev->retry_at = clock_now_ms();
}

static const char *target(const struct agent *a, char *buf, size_t size)
{
	if (a->opt.event_unix)
		return a->opt.event_unix;
	snprintf(buf, size, "vsock %u:%u", APPVM_HOST_CID, a->opt.event_port);
	return buf;
}

void events_close(struct agent *a)
{
	struct events *ev = &a->ev;
	if (ev->fd >= 0) {
		agent_watch_del(a, ev->fd);
		close(ev->fd);
		ev->fd = -1;
	}
	proto_reader_free(&ev->rd);
	outbuf_free(&ev->out);
}

/* Ends the connection (or the attempt) and schedules the next one. */
static void fail(struct agent *a, const char *why)
{
	struct events *ev = &a->ev;
	char buf[64];
	bool was_up = ev->state == EV_UP;
	events_close(a);
	if (was_up)
		ev->backoff_ms = 0;
	ev->backoff_ms = agent_backoff_next(ev->backoff_ms);
	ev->retry_at = clock_now_ms() + ev->backoff_ms;
	ev->state = EV_WAIT;
	/* Retrying forever must not flood the console: the first failure in a
	 * row is worth a line, the rest only at debug level. */
	if (ev->failures++ == 0 || was_up)
		log_info("events: %s: %s; retrying", target(a, buf, sizeof(buf)), why);
	else
		log_debug("events: %s: %s; retry in %u ms", target(a, buf, sizeof(buf)), why,
			  ev->backoff_ms);
}

static void set_mask(struct agent *a)
{
	struct events *ev = &a->ev;
	uint32_t mask =
	    ev->state == EV_CONNECTING ? EPOLLOUT : EPOLLIN | (ev->out.len ? EPOLLOUT : 0);
	if (mask != ev->mask && agent_watch_mod(a, ev->fd, &ev->w, mask) == 0)
		ev->mask = mask;
}

static int queue(struct agent *a, struct proto_msg *m)
{
	struct events *ev = &a->ev;
	m->id = ev->next_id++;
	return outbuf_put_msg(&ev->out, m);
}

static void flush(struct agent *a)
{
	struct events *ev = &a->ev;
	int r = outbuf_send(&ev->out, ev->fd);
	if (r < 0 && r != -EAGAIN) {
		fail(a, strerror(-r));
		return;
	}
	set_mask(a);
}

static void connected(struct agent *a)
{
	struct events *ev = &a->ev;
	struct proto_msg m;
	ev->state = EV_HELLO;
	ev->next_id = 1;
	proto_reader_init(&ev->rd);
	outbuf_init(&ev->out, EVENT_OUT_LIMIT);
	proto_session_init(&ev->sess, PROTO_ROLE_OPENER, AGENT_CAPS, AGENT_SOFTWARE);
	proto_session_hello(&ev->sess, ev->next_id, &m);
	if (queue(a, &m) < 0) {
		fail(a, "cannot queue HELLO");
		return;
	}
	flush(a);
}

static void try_connect(struct agent *a)
{
	struct events *ev = &a->ev;
	union {
		struct sockaddr sa;
		struct sockaddr_un un;
		struct sockaddr_vm vm;
	} addr;
	socklen_t len;
	memset(&addr, 0, sizeof(addr));
	if (a->opt.event_unix) {
		if (unix_addr_set(&addr.un, a->opt.event_unix) < 0) {
			fail(a, "event socket path too long");
			return;
		}
		len = sizeof(addr.un);
	} else {
		addr.vm.svm_family = AF_VSOCK;
		addr.vm.svm_cid = APPVM_HOST_CID;
		addr.vm.svm_port = a->opt.event_port;
		len = sizeof(addr.vm);
	}
	_cleanup_close_ int fd =
	    socket(addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail(a, strerror(errno));
		return;
	}
	int r = connect(fd, &addr.sa, len);
	if (r < 0 && errno != EINPROGRESS) {
		fail(a, strerror(errno));
		return;
	}
	ev->deadline = clock_now_ms() + AGENT_EVENT_TIMEOUT_MS;
	ev->state = r == 0 ? EV_HELLO : EV_CONNECTING;
	ev->mask = r == 0 ? EPOLLIN : EPOLLOUT;
	if (agent_watch_add(a, fd, &ev->w, ev->mask) < 0) {
		fail(a, "epoll failed");
		return;
	}
	ev->fd = steal_fd(&fd);
	if (r == 0)
		connected(a);
}

static void send_ready(struct agent *a)
{
	struct events *ev = &a->ev;
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_READY;
	m.u.ready.uptime_ms = agent_uptime_ms();
	m.u.ready.vm_name = proto_str_from(a->vm_name);
	if (queue(a, &m) < 0) {
		fail(a, "cannot queue READY");
		return;
	}
	log_info("events: READY sent (uptime %llu ms)", (unsigned long long)m.u.ready.uptime_ms);
	ev->failures = 0;
	ev->backoff_ms = 0;
	memset(&ev->last_exit, 0, sizeof(ev->last_exit));
	ev->next_poll = clock_now_ms(); /* an app that exited already is announced now */
	flush(a);
}

static void on_frame(struct agent *a)
{
	struct events *ev = &a->ev;
	struct proto_msg m;
	const char *why = NULL;
	if (ev->state != EV_HELLO) {
		/* The host sends nothing after its HELLO reply (docs/agent.md). */
		fail(a, "unexpected frame from the host");
		return;
	}
	if (proto_decode(&ev->rd.header, ev->rd.payload, &m, &why) < 0 ||
	    proto_session_check(&ev->sess, &m) < 0) {
		fail(a, why ? why : "unexpected frame before the HELLO reply");
		return;
	}
	int r = proto_session_finish(&ev->sess, &m);
	if (r < 0) {
		fail(a, r == -EPROTONOSUPPORT ? "the host refused our protocol versions"
					      : "HELLO answered with a wrong id");
		return;
	}
	ev->state = EV_UP;
	send_ready(a);
}

static void read_frames(struct agent *a)
{
	struct events *ev = &a->ev;
	for (int i = 0; i < 8 && ev->fd >= 0; i++) {
		int r = proto_read_frame(ev->fd, &ev->rd);
		if (r == 0)
			return;
		if (r < 0) {
			fail(a, r == -ENODATA ? "closed by the host" : proto_io_strerror(r));
			return;
		}
		on_frame(a);
	}
}

void events_on_io(struct agent *a, uint32_t events)
{
	struct events *ev = &a->ev;
	if (ev->fd < 0)
		return; /* an event from before the connection ended this turn */
	if (ev->state == EV_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(ev->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			fail(a, strerror(err));
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (events & (EPOLLERR | EPOLLHUP)) {
			fail(a, "connection failed");
			return;
		}
		connected(a);
		return;
	}
	if (events & EPOLLOUT)
		flush(a);
	if (ev->fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		read_frames(a);
}

void events_tick(struct agent *a, uint64_t now, uint64_t *next)
{
	struct events *ev = &a->ev;
	if (a->stopping)
		return; /* no new connection, no more polls: the loop ends soon */
	switch (ev->state) {
	case EV_OFF:
		return;
	case EV_WAIT:
		if (now >= ev->retry_at)
			try_connect(a);
		break;
	case EV_CONNECTING:
	case EV_HELLO:
		if (now >= ev->deadline)
			fail(a, "no answer in time");
		break;
	case EV_UP:
		if (now >= ev->next_poll) {
			agent_status_request(a);
			ev->next_poll = now + AGENT_EXIT_POLL_MS;
		}
		break;
	}
	uint64_t at = ev->state == EV_WAIT ? ev->retry_at
		      : ev->state == EV_UP ? ev->next_poll
					   : ev->deadline;
	if (at < *next)
		*next = at;
}

void events_app_status(struct agent *a, const struct initctl_status *st)
{
	struct events *ev = &a->ev;
	struct agent_exit_key key;
	if (ev->state != EV_UP)
		return;
	agent_exit_key_from_initctl(st, &key);
	if (!agent_exit_is_new(&ev->last_exit, &key))
		return;
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_APP_EXIT;
	m.u.app_exit.how = key.how;
	m.u.app_exit.value = key.value;
	if (queue(a, &m) < 0) {
		fail(a, "cannot queue APP_EXIT");
		return;
	}
	ev->last_exit = key;
	log_info("events: APP_EXIT sent (%s %d)",
		 key.how == PROTO_EXIT_SIGNAL ? "signal" : "status", (int)key.value);
	flush(a);
}

bool events_up(const struct agent *a)
{
	return a->ev.state == EV_UP;
}

bool events_pending(const struct agent *a)
{
	return a->ev.state == EV_UP && a->ev.out.len > 0;
}
