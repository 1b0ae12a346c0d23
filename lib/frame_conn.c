#include "frame_conn.h"

#include "clock.h"
#include "log.h"
#include "proto_io.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

void frame_conn_init(struct frame_conn *c, int fd, size_t out_limit)
{
	c->fd = fd;
	c->mask = 0;
	proto_reader_init(&c->rd);
	outbuf_init(&c->out, out_limit);
	c->frame_deadline = 0;
	c->dead = c->eof = c->close_after = false;
}

void frame_conn_release(struct frame_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	proto_reader_free(&c->rd);
	proto_reader_init(&c->rd);
	outbuf_free(&c->out);
}

bool frame_conn_may_read(const struct frame_conn *c, const struct frame_limits *lim,
			 const struct frame_ops *ops)
{
	return c->fd >= 0 && !c->dead && !c->eof && !c->close_after &&
	       (!lim->out_high || c->out.len < lim->out_high) && !(ops->held && ops->held(c));
}

int frame_conn_flush(struct frame_conn *c)
{
	int r = c->fd < 0 || c->dead ? 0 : outbuf_send(&c->out, c->fd);
	return r == -EAGAIN ? 0 : r;
}

int frame_conn_read(struct frame_conn *c, const struct frame_limits *lim,
		    const struct frame_ops *ops, void *ctx)
{
	for (unsigned n = 0; n < lim->frames_per_wake && frame_conn_may_read(c, lim, ops); n++) {
		/* One frame at a time: the rest stays in the socket until there
		 * is room for its reply. */
		int r = proto_read_frame(c->fd, &c->rd);
		if (r == 0) {
			if (lim->frame_timeout_ms && !c->frame_deadline &&
			    proto_reader_partial(&c->rd))
				c->frame_deadline = clock_now_ms() + lim->frame_timeout_ms;
			return 0;
		}
		c->frame_deadline = 0;
		if (r == -ENODATA)
			c->eof = true;
		if (r < 0)
			return r;
		ops->frame(ctx, c);
		/* Its reply goes out before the next read: the peer of a
		 * request waits for it, and that read mostly finds the socket
		 * empty (a round trip's last system call, saved from its path). */
		if (c->out.len > 0) {
			int f = frame_conn_flush(c);
			if (f < 0)
				return f;
		}
		/* A big payload buffer is not kept for the small frames that
		 * usually follow; the reader starts afresh. */
		if (lim->keep_payload && c->rd.payload_size > lim->keep_payload)
			proto_reader_free(&c->rd);
	}
	return 0;
}

void frame_set_init(struct frame_set *s)
{
	s->head = NULL;
	s->n = s->next_serial = 0;
}

/* Serials name connections to what they hold (grants, stages, clipboard
 * transfers; 0 means "any connection"): never 0 and never one still in use,
 * also once the counter wraps. */
static unsigned take_serial(struct frame_set *s)
{
	for (;;) {
		unsigned v = ++s->next_serial;
		const struct frame_conn *c = s->head;
		while (c && c->serial != v)
			c = c->next;
		if (v != 0 && !c)
			return v;
	}
}

int frame_set_add(struct frame_set *s, struct frame_conn *c, int fd, void *owner, void *watch)
{
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = watch};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e) < 0)
		return -errno;
	frame_conn_init(c, fd, s->lim.out_limit);
	c->mask = EPOLLIN;
	c->set = s;
	c->owner = owner;
	c->watch = watch;
	c->serial = take_serial(s);
	c->hello_deadline = clock_now_ms() + s->lim.hello_timeout_ms;
	c->next = s->head;
	s->head = c;
	s->n++;
	return 0;
}

void frame_conn_kill(struct frame_conn *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		log_info("%s %u: closed: %s", c->set ? c->set->label : "connection", c->serial,
			 why);
	c->dead = true;
}

static void flush(struct frame_conn *c)
{
	int r = frame_conn_flush(c);
	if (r < 0)
		frame_conn_kill(c, strerror(-r));
}

void frame_set_settle(struct frame_set *s, struct frame_conn *c)
{
	flush(c);
	if (c->dead)
		return;
	if (s->ops->sent)
		s->ops->sent(s->ctx, c);
	bool held = s->ops->held && s->ops->held(c);
	if (c->out.len == 0 && !held && (c->eof || c->close_after)) {
		frame_conn_kill(c, c->eof ? s->closed_why : "done");
		return;
	}
	uint32_t mask = (frame_conn_may_read(c, &s->lim, s->ops) ? EPOLLIN : 0) |
			(c->out.len > 0 ? EPOLLOUT : 0);
	if (mask != c->mask) {
		struct epoll_event e = {.events = mask, .data.ptr = c->watch};
		if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &e) < 0)
			frame_conn_kill(c, "epoll failed");
		c->mask = mask;
	}
}

void frame_set_on_io(struct frame_set *s, struct frame_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLERR) {
		frame_conn_kill(c, "socket error");
		return;
	}
	flush(c);
	int r = frame_conn_read(c, &s->lim, s->ops, s->ctx);
	if (r < 0 && r != -ENODATA)
		frame_conn_kill(c, proto_io_strerror(r));
	frame_set_settle(s, c);
	/* EPOLLHUP with data still to read is handled by reading to EOF. */
	if (!c->dead && (events & EPOLLHUP) && !(events & EPOLLIN))
		frame_conn_kill(c, s->closed_why);
}

static void deadline(struct frame_conn *c, uint64_t when, uint64_t now, uint64_t *next,
		     const char *why)
{
	if (now >= when)
		frame_conn_kill(c, why);
	else if (when < *next)
		*next = when;
}

void frame_set_tick(struct frame_set *s, uint64_t now, uint64_t *next)
{
	for (struct frame_conn *c = s->head; c; c = c->next) {
		if (!c->dead && !c->sess.established)
			deadline(c, c->hello_deadline, now, next, "no HELLO in time");
		if (!c->dead && c->frame_deadline)
			deadline(c, c->frame_deadline, now, next, "frame not finished in time");
	}
}

void frame_set_sweep(struct frame_set *s)
{
	/* pp points at the link to c: the head, or a live predecessor's next. */
	for (struct frame_conn **pp = &s->head, *c; (c = *pp);) {
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		frame_conn_release(c);
		s->n--;
		s->ops->gone(s->ctx, c);
	}
}

void frame_set_close_all(struct frame_set *s)
{
	for (struct frame_conn *c = s->head; c; c = c->next)
		c->dead = true;
	frame_set_sweep(s);
}
