#include "frame_link.h"

#include "clock.h"
#include "host_connect.h"
#include "log.h"
#include "ports.h"
#include "proto_io.h"
#include "retry.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* frame_link_on_io takes either kind of events. */
_Static_assert(POLLIN == EPOLLIN && POLLOUT == EPOLLOUT && POLLERR == EPOLLERR &&
		   POLLHUP == EPOLLHUP,
	       "poll and epoll events differ");

static const struct frame_ops link_ops;

void frame_link_init(struct frame_link *l, const struct frame_link_conf *conf, void *ctx,
		     const char *unix_path, uint32_t port)
{
	memset(l, 0, sizeof(*l));
	l->conf = conf;
	l->ctx = ctx;
	l->unix_path = unix_path;
	l->port = port;
	l->epfd = -1;
	l->state = FRAME_LINK_OFF;
	frame_conn_init(&l->c, -1, conf->lim.out_limit);
}

int frame_link_set_out_buf(struct frame_link *l, uint8_t *buf, size_t size)
{
	if (!buf || size < l->conf->lim.out_limit)
		return -EINVAL;
	l->out_buf = buf;
	return 0;
}

void frame_link_start(struct frame_link *l)
{
	l->state = FRAME_LINK_WAIT;
	l->retry_at = clock_now_ms();
	l->backoff_ms = l->failures = 0;
	l->tried_at = 0;
	l->kicked = false;
	l->next_id = 1;
}

void frame_link_kick(struct frame_link *l)
{
	if (l->state == FRAME_LINK_CONNECTING || l->state == FRAME_LINK_HELLO) {
		/* Someone waits on this attempt: should it fail, the next one
		 * must not come after a long backoff. */
		l->kicked = true;
		return;
	}
	if (l->state != FRAME_LINK_WAIT)
		return;
	uint64_t soonest = l->tried_at ? l->tried_at + l->conf->backoff_first_ms : 0;
	uint64_t now = clock_now_ms();
	if (soonest < now)
		soonest = now;
	if (soonest < l->retry_at)
		l->retry_at = soonest;
	l->backoff_ms = 0; /* failing, it retries soon again: someone waits */
}

uint32_t frame_link_take_id(struct frame_link *l)
{
	uint32_t id = l->next_id++;
	if (l->next_id == 0)
		l->next_id = 1;
	return id;
}

const char *frame_link_target(const struct frame_link *l, char *buf, size_t size)
{
	if (l->unix_path)
		return l->unix_path;
	snprintf(buf, size, "vsock %u:%u", APPVM_HOST_CID, l->port);
	return buf;
}

static uint32_t wanted(const struct frame_link *l)
{
	return l->state == FRAME_LINK_CONNECTING ? EPOLLOUT
						 : EPOLLIN | (l->c.out.len ? EPOLLOUT : 0);
}

/* Keeps the epoll registration in step with what the link waits for. */
static void set_mask(struct frame_link *l)
{
	uint32_t mask = wanted(l);
	struct epoll_event e = {.events = mask, .data.ptr = l->watch};
	if (l->epfd >= 0 && l->c.fd >= 0 && mask != l->c.mask &&
	    epoll_ctl(l->epfd, EPOLL_CTL_MOD, l->c.fd, &e) == 0)
		l->c.mask = mask;
}

void frame_link_close(struct frame_link *l)
{
	if (l->epfd >= 0 && l->c.fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->c.fd, NULL);
	frame_conn_release(&l->c);
	frame_conn_init(&l->c, -1, l->conf->lim.out_limit);
	l->state = FRAME_LINK_OFF;
}

void frame_link_fail(struct frame_link *l, const char *why)
{
	char buf[64];
	bool was_up = l->state == FRAME_LINK_UP;
	bool kicked = l->kicked;
	frame_link_close(l);
	l->kicked = false;
	if (was_up || kicked)
		l->backoff_ms = 0;
	l->backoff_ms =
	    retry_backoff_next(l->backoff_ms, l->conf->backoff_first_ms, l->conf->backoff_max_ms);
	l->retry_at = clock_now_ms() + l->backoff_ms;
	l->state = FRAME_LINK_WAIT;
	if (l->failures++ == 0 || was_up)
		log_info("%s: %s: %s; retrying", l->conf->label,
			 frame_link_target(l, buf, sizeof(buf)), why);
	else
		log_debug("%s: %s: %s; retry in %u ms", l->conf->label,
			  frame_link_target(l, buf, sizeof(buf)), why, l->backoff_ms);
	if (l->conf->ops->down)
		l->conf->ops->down(l->ctx, was_up);
}

void frame_link_flush(struct frame_link *l)
{
	int r = frame_conn_flush(&l->c);
	if (r < 0) {
		frame_link_fail(l, strerror(-r)); /* a send error, not a framing one */
		return;
	}
	set_mask(l);
}

/* The HELLO is queued as soon as the connect is under way: its encoding
 * (and the buffer's first allocation) overlaps the connect's round trip. It
 * leaves only once the connection is up (connected()). */
static int queue_hello(struct frame_link *l)
{
	struct proto_msg m;
	proto_session_init(&l->c.sess, PROTO_ROLE_OPENER, l->conf->caps, l->conf->software);
	proto_session_hello(&l->c.sess, frame_link_take_id(l), &m);
	return outbuf_put_msg(&l->c.out, &m);
}

static void connected(struct frame_link *l)
{
	l->state = FRAME_LINK_HELLO;
	if (l->conf->hello_timeout_ms)
		l->deadline = clock_now_ms() + l->conf->hello_timeout_ms;
	if (l->conf->ops->hello_sent) {
		l->conf->ops->hello_sent(l->ctx);
		if (l->state != FRAME_LINK_HELLO)
			return; /* it failed the link */
	}
	frame_link_flush(l);
}

static void try_connect(struct frame_link *l)
{
	bool done;
	l->tried_at = clock_now_ms();
	int fd = host_connect(l->unix_path, l->port, &done);
	if (fd < 0) {
		frame_link_fail(l, strerror(-fd));
		return;
	}
	l->c.fd = fd;
	if (l->out_buf)
		outbuf_init_fixed(&l->c.out, l->out_buf, l->conf->lim.out_limit);
	if (queue_hello(l) < 0) {
		frame_link_fail(l, "cannot queue HELLO");
		return;
	}
	l->deadline = clock_now_ms() + l->conf->timeout_ms;
	l->state = done ? FRAME_LINK_HELLO : FRAME_LINK_CONNECTING;
	l->c.mask = done ? EPOLLIN : EPOLLOUT;
	struct epoll_event e = {.events = l->c.mask, .data.ptr = l->watch};
	if (l->epfd >= 0 && epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		frame_link_fail(l, "epoll failed");
		return;
	}
	if (done)
		connected(l);
}

/* A frame before the link is up can only be the answer to our HELLO. */
static void on_frame(void *ctx, struct frame_conn *c)
{
	struct frame_link *l = ctx;
	if (l->state == FRAME_LINK_UP) {
		l->conf->ops->frame(l->ctx, c);
		return;
	}
	struct proto_msg m;
	const char *why = NULL;
	if (proto_decode(&c->rd.header, c->rd.payload, &m, &why) < 0 ||
	    proto_session_check(&c->sess, &m) < 0) {
		frame_link_fail(l, why ? why : "unexpected frame before the HELLO reply");
		return;
	}
	int r = proto_session_finish(&c->sess, &m);
	if (r < 0) {
		frame_link_fail(l, r == -EPROTONOSUPPORT ? "the host refused our protocol versions"
							 : "HELLO answered with a wrong id");
		return;
	}
	l->state = FRAME_LINK_UP;
	l->failures = 0;
	l->backoff_ms = 0;
	l->kicked = false;
	l->conf->ops->up(l->ctx);
}

static const struct frame_ops link_ops = {.frame = on_frame};

void frame_link_on_io(struct frame_link *l, uint32_t events)
{
	if (l->c.fd < 0)
		return; /* an event from before the connection ended this turn */
	if (l->state == FRAME_LINK_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(l->c.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			frame_link_fail(l, strerror(err));
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (events & (EPOLLERR | EPOLLHUP)) {
			frame_link_fail(l, "connection failed");
			return;
		}
		connected(l);
		return;
	}
	if (events & EPOLLOUT)
		frame_link_flush(l);
	if (l->c.fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		int r = frame_conn_read(&l->c, &l->conf->lim, &link_ops, l);
		if (r < 0)
			frame_link_fail(l, r == -ENODATA ? "closed by the host"
							 : proto_io_strerror(r));
	}
	/* Replies queued while reading go out now. */
	if (l->c.fd >= 0 && l->c.out.len)
		frame_link_flush(l);
}

void frame_link_tick(struct frame_link *l, uint64_t now, uint64_t *next)
{
	if (l->state == FRAME_LINK_WAIT && now >= l->retry_at)
		try_connect(l);
	if ((l->state == FRAME_LINK_CONNECTING || l->state == FRAME_LINK_HELLO) &&
	    now >= l->deadline)
		frame_link_fail(l, "no answer in time");
	uint64_t at = l->state == FRAME_LINK_WAIT ? l->retry_at
		      : l->state == FRAME_LINK_CONNECTING || l->state == FRAME_LINK_HELLO
			  ? l->deadline
			  : UINT64_MAX;
	if (at < *next)
		*next = at;
}

int frame_link_poll(const struct frame_link *l, short *ret_events)
{
	if (l->c.fd < 0)
		return -1;
	*ret_events = (short)wanted(l);
	return l->c.fd;
}
