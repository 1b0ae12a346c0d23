/* Guest connections: accept up to the limit, read whole frames, check them
 * against the codec and the session, dispatch requests to dialog.c and
 * docs.c, match replies to the requests we sent, and write back without
 * ever blocking. Hostile input gets an error reply, or a close when it
 * breaks the framing or the session. */
#include "portald.h"

#include "clock.h"

#include "cleanup.h"
#include "log.h"
#include "proto_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define KEEP_PAYLOAD 4096

void pd_conn_kill(struct pd_conn *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		log_info("guest connection %u: closed: %s", c->serial, why);
	c->dead = true;
}

void pd_conn_accept(struct pd_daemon *d)
{
	for (int i = 0; i < 16; i++) {
		_cleanup_close_ int fd =
		    accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		if (d->n_conns >= d->opt.max_connections) {
			log_warn("refused a guest connection: %u already open", d->n_conns);
			continue;
		}
		struct pd_conn *c = calloc(1, sizeof(*c));
		if (!c)
			return;
		c->w.kind = PD_W_CONN;
		c->serial = ++d->next_serial;
		proto_reader_init(&c->rd);
		proto_session_init(&c->sess, PROTO_ROLE_ACCEPTOR, PD_CAPS, PD_SOFTWARE);
		outbuf_init(&c->out, PD_OUT_LIMIT + PD_ANNOUNCE_ROOM(d->opt.limits.max_grants));
		c->hello_deadline = clock_now_ms() + d->opt.frame_timeout_ms;
		if (pd_watch_add(d, fd, &c->w, EPOLLIN) < 0) {
			free(c);
			return;
		}
		c->fd = steal_fd(&fd);
		c->mask = EPOLLIN;
		c->next = d->conns;
		if (d->conns)
			d->conns->prev = c;
		d->conns = c;
		d->n_conns++;
		log_info("guest connection %u: opened", c->serial);
	}
}

int pd_conn_send(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	(void)d;
	if (c->dead)
		return -EPIPE;
	int r = outbuf_put_msg(&c->out, m);
	if (r < 0) {
		log_warn("guest connection %u: cannot queue %s: %s", c->serial,
			 proto_type_name(m->type), strerror(-r));
		pd_conn_kill(c, "output queue full");
	}
	return r;
}

void pd_reply_init(struct proto_msg *r, const struct proto_msg *m)
{
	memset(r, 0, sizeof(*r));
	r->type = m->type;
	r->flags = PROTO_FLAG_REPLY;
	r->id = m->id;
}

void pd_conn_error(struct pd_daemon *d, struct pd_conn *c, uint32_t id, uint32_t code,
		   const char *why)
{
	struct proto_msg m;
	proto_make_error(&m, id, code, why);
	if (d->opt.verbose)
		log_info("guest connection %u: request %u: %s: %s", c->serial, id,
			 proto_error_name(code), why);
	pd_conn_send(d, c, &m);
}

void pd_conn_request(struct pd_daemon *d, struct pd_conn *c, struct proto_msg *m)
{
	if (c->n_pending >= PD_PENDING_MAX) {
		/* The guest does not answer: the grant change stands on the
		 * host anyway; only the notice is lost. */
		log_warn("guest connection %u: %s not sent: %u requests unanswered", c->serial,
			 proto_type_name(m->type), c->n_pending);
		return;
	}
	m->id = ++c->next_id;
	if (pd_conn_send(d, c, m) == 0) {
		c->pending[c->n_pending].id = m->id;
		c->pending[c->n_pending].type = m->type;
		c->n_pending++;
	}
}

static void handle_reply(struct pd_conn *c, const struct proto_msg *m)
{
	for (unsigned i = 0; i < c->n_pending; i++) {
		if (c->pending[i].id != m->id)
			continue;
		if (m->type != c->pending[i].type && m->type != PROTO_ERROR) {
			pd_conn_kill(c, "reply of the wrong type");
			return;
		}
		if (m->type == PROTO_ERROR)
			log_info("guest connection %u: %s %u refused: %s", c->serial,
				 proto_type_name(c->pending[i].type), m->id,
				 proto_error_name(m->u.error.code));
		c->pending[i] = c->pending[--c->n_pending];
		return;
	}
	pd_conn_kill(c, "reply to a request we did not send");
}

static void handle_undecodable(struct pd_daemon *d, struct pd_conn *c, int err, const char *why)
{
	const struct proto_header *h = &c->rd.header;
	char text[64];
	if (h->flags & PROTO_FLAG_REPLY) {
		pd_conn_kill(c, "malformed or unknown reply");
		return;
	}
	if (proto_type_known(h->type) && !proto_direction_ok(h->type, PROTO_FLAG_REPLY)) {
		pd_conn_kill(c, "malformed event");
		return;
	}
	if (!c->sess.established) {
		if (h->type == PROTO_HELLO && err == -EBADMSG) {
			pd_conn_error(d, c, h->id, PROTO_ERR_BAD_REQUEST, why);
			c->close_after = true;
		} else {
			pd_conn_kill(c, "frame before HELLO");
		}
		return;
	}
	if (h->type == PROTO_HELLO) {
		pd_conn_kill(c, "second HELLO");
		return;
	}
	if (err == -EOPNOTSUPP) {
		snprintf(text, sizeof(text), "unsupported message type 0x%04x", h->type);
		pd_conn_error(d, c, h->id, PROTO_ERR_UNSUPPORTED, text);
		return;
	}
	pd_conn_error(d, c, h->id, PROTO_ERR_BAD_REQUEST, why ? why : "malformed request");
}

static void handle_hello(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	struct proto_msg reply;
	if (proto_session_answer(&c->sess, m, &reply) < 0) {
		pd_conn_send(d, c, &reply);
		c->close_after = true;
		return;
	}
	if (pd_conn_send(d, c, &reply) == 0 && (c->sess.peer_caps & PROTO_CAP_DOCUMENTS))
		pd_docs_announce(d, c);
}

static void handle_frame(struct pd_daemon *d, struct pd_conn *c)
{
	const struct proto_header *h = &c->rd.header;
	struct proto_msg m;
	const char *why = NULL;
	int r = proto_decode(h, c->rd.payload, &m, &why);
	if (d->opt.verbose) {
		const char *name = proto_type_name(h->type);
		log_info("guest connection %u: %s%s id=%u%s", c->serial, name ? name : "unknown",
			 (h->flags & PROTO_FLAG_REPLY) ? " reply" : "", h->id,
			 r < 0 ? " (bad)" : "");
	}
	if (r < 0) {
		handle_undecodable(d, c, r, why);
		return;
	}
	if (proto_session_check(&c->sess, &m) < 0) {
		pd_conn_kill(c, c->sess.established ? "second HELLO" : "frame before HELLO");
		return;
	}
	if (m.flags & PROTO_FLAG_REPLY) {
		handle_reply(c, &m);
		return;
	}
	switch (m.type) {
	case PROTO_HELLO:
		handle_hello(d, c, &m);
		break;
	case PROTO_FILE_OPEN:
	case PROTO_FILE_SAVE:
	case PROTO_FILE_SAVE_MANY:
		pd_dialog_request(d, c, h, c->rd.payload, &m);
		break;
	case PROTO_FILE_CANCEL:
		pd_dialog_cancel(d, c, &m);
		break;
	case PROTO_DOC_READ:
	case PROTO_DOC_WRITE:
	case PROTO_DOC_CLOSE:
	case PROTO_DOC_STAT:
	case PROTO_DOC_BEGIN:
	case PROTO_DOC_TRUNCATE:
	case PROTO_DOC_COMMIT:
	case PROTO_DOC_ABORT:
		pd_docs_handle(d, c, &m);
		break;
	case PROTO_ENTRY_LOOKUP:
	case PROTO_ENTRY_STAT:
	case PROTO_ENTRY_FORGET:
	case PROTO_ENTRY_READDIR:
	case PROTO_ENTRY_OPEN:
	case PROTO_ENTRY_MKDIR:
	case PROTO_ENTRY_UNLINK:
	case PROTO_ENTRY_RENAME:
		pd_entries_handle(d, c, &m);
		break;
	case PROTO_READY:
	case PROTO_APP_EXIT:
		pd_conn_kill(c, "event on the portal connection");
		break;
	default:
		/* Known, but not something a guest asks the portal daemon. */
		pd_conn_error(d, c, m.id, PROTO_ERR_UNSUPPORTED, "not served by the portal daemon");
		break;
	}
}

static bool can_read(const struct pd_conn *c)
{
	return !c->dead && !c->eof && !c->close_after && c->out.len < PD_OUT_HIGH;
}

static void flush(struct pd_conn *c)
{
	int r = c->dead ? 0 : outbuf_send(&c->out, c->fd);
	if (r < 0 && r != -EAGAIN)
		pd_conn_kill(c, strerror(-r));
}

static void read_frames(struct pd_daemon *d, struct pd_conn *c)
{
	int frames = 0;
	while (can_read(c) && frames < PD_FRAMES_PER_WAKE) {
		/* The rest stays in the socket until there is room for its reply. */
		int r = proto_read_frame(c->fd, &c->rd);
		if (r == 0) {
			if (proto_reader_partial(&c->rd) && !c->frame_deadline)
				c->frame_deadline = clock_now_ms() + d->opt.frame_timeout_ms;
			return;
		}
		c->frame_deadline = 0;
		if (r == -ENODATA) {
			c->eof = true;
			return;
		}
		if (r < 0) {
			pd_conn_kill(c, proto_io_strerror(r));
			return;
		}
		frames++;
		handle_frame(d, c);
		if (c->rd.payload_size > KEEP_PAYLOAD)
			proto_reader_free(&c->rd);
	}
}

void pd_conn_settle(struct pd_daemon *d, struct pd_conn *c)
{
	flush(c);
	if (c->dead)
		return;
	if (c->out.len == 0 && (c->eof || c->close_after)) {
		pd_conn_kill(c, c->eof ? "the guest closed the connection" : "done");
		return;
	}
	uint32_t mask = (can_read(c) ? EPOLLIN : 0) | (c->out.len > 0 ? EPOLLOUT : 0);
	if (mask != c->mask) {
		if (pd_watch_mod(d, c->fd, &c->w, mask) < 0)
			pd_conn_kill(c, "epoll failed");
		c->mask = mask;
	}
}

void pd_conn_on_io(struct pd_daemon *d, struct pd_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLERR) {
		pd_conn_kill(c, "socket error");
		return;
	}
	flush(c);
	read_frames(d, c);
	pd_conn_settle(d, c);
	if (!c->dead && (events & EPOLLHUP) && !(events & EPOLLIN))
		pd_conn_kill(c, "hung up");
}

static void deadline(struct pd_conn *c, uint64_t when, uint64_t now, uint64_t *next,
		     const char *why)
{
	if (now >= when)
		pd_conn_kill(c, why);
	else if (when < *next)
		*next = when;
}

void pd_conn_tick(struct pd_daemon *d, uint64_t now, uint64_t *next)
{
	for (struct pd_conn *c = d->conns; c; c = c->next) {
		if (!c->dead && !c->sess.established)
			deadline(c, c->hello_deadline, now, next, "no HELLO in time");
		if (!c->dead && c->frame_deadline)
			deadline(c, c->frame_deadline, now, next, "frame not finished in time");
	}
}

static void conn_free(struct pd_daemon *d, struct pd_conn *c)
{
	pd_dialog_conn_gone(d, c);
	pd_docs_conn_gone(d, c);
	pd_entries_conn_gone(d, c);
	pd_watch_del(d, c->fd);
	close(c->fd);
	proto_reader_free(&c->rd);
	outbuf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->n_conns--;
	free(c);
}

void pd_conn_sweep(struct pd_daemon *d)
{
	for (struct pd_conn *c = d->conns, *next; c; c = next) {
		next = c->next;
		if (c->dead)
			conn_free(d, c);
	}
}

void pd_conn_close_all(struct pd_daemon *d)
{
	for (struct pd_conn *c = d->conns; c; c = c->next)
		c->dead = true;
	pd_conn_sweep(d);
}
