/* Guest connections: accept up to the limit, check each whole frame against
 * the codec and the session, dispatch requests to dialog.c, docs.c and
 * entries.c, and match replies to the requests we sent. Reading, queueing,
 * limits and deadlines are lib/frame_conn.c's. Hostile input gets an error
 * reply, or a close when it breaks the framing or the session. */
#include "portald.h"

#include "cleanup.h"
#include "log.h"
#include "proto_io.h"
#include "unix_addr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

void pd_conn_accept(struct pd_daemon *d)
{
	for (int i = 0; i < 16; i++) {
		_cleanup_close_ int fd = unix_sock_accept(d->listen_fd, &d->spare_fd);
		if (fd < 0) {
			if (fd != -EAGAIN && fd != -EINTR)
				log_warn("accept: %s", strerror(-fd));
			return;
		}
		if (d->conns.n >= d->opt.max_connections) {
			log_warn("refused a guest connection: %u already open", d->conns.n);
			continue;
		}
		struct pd_conn *c = calloc(1, sizeof(*c));
		if (!c)
			return;
		c->w.kind = PD_W_CONN;
		if (frame_set_add(&d->conns, &c->fc, fd, c, &c->w) < 0) {
			free(c);
			return;
		}
		steal_fd(&fd);
		proto_session_init(&c->fc.sess, PROTO_ROLE_ACCEPTOR, PD_CAPS, PD_SOFTWARE);
		log_info("guest connection %u: opened", c->fc.serial);
	}
}

int pd_conn_send(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	(void)d;
	if (c->fc.dead)
		return -EPIPE;
	int r = outbuf_put_msg(&c->fc.out, m);
	if (r < 0) {
		log_warn("guest connection %u: cannot queue %s: %s", c->fc.serial,
			 proto_type_name(m->type), strerror(-r));
		frame_conn_kill(&c->fc, "output queue full");
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
		log_info("guest connection %u: request %u: %s: %s", c->fc.serial, id,
			 proto_error_name(code), why);
	pd_conn_send(d, c, &m);
}

void pd_conn_request(struct pd_daemon *d, struct pd_conn *c, struct proto_msg *m)
{
	if (c->n_pending >= PD_PENDING_MAX) {
		/* The guest does not answer: the grant change stands on the
		 * host anyway; only the notice is lost. */
		log_warn("guest connection %u: %s not sent: %u requests unanswered", c->fc.serial,
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
			frame_conn_kill(&c->fc, "reply of the wrong type");
			return;
		}
		if (m->type == PROTO_ERROR)
			log_info("guest connection %u: %s %u refused: %s", c->fc.serial,
				 proto_type_name(c->pending[i].type), m->id,
				 proto_error_name(m->u.error.code));
		c->pending[i] = c->pending[--c->n_pending];
		return;
	}
	frame_conn_kill(&c->fc, "reply to a request we did not send");
}

static void handle_undecodable(struct pd_daemon *d, struct pd_conn *c, int err, const char *why)
{
	const struct proto_header *h = &c->fc.rd.header;
	char text[64];
	if (h->flags & PROTO_FLAG_REPLY) {
		frame_conn_kill(&c->fc, "malformed or unknown reply");
		return;
	}
	if (proto_type_known(h->type) && !proto_direction_ok(h->type, PROTO_FLAG_REPLY)) {
		frame_conn_kill(&c->fc, "malformed event");
		return;
	}
	if (!c->fc.sess.established) {
		if (h->type == PROTO_HELLO && err == -EBADMSG) {
			pd_conn_error(d, c, h->id, PROTO_ERR_BAD_REQUEST, why);
			c->fc.close_after = true;
		} else {
			frame_conn_kill(&c->fc, "frame before HELLO");
		}
		return;
	}
	if (h->type == PROTO_HELLO) {
		frame_conn_kill(&c->fc, "second HELLO");
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
	if (proto_session_answer(&c->fc.sess, m, &reply) < 0) {
		pd_conn_send(d, c, &reply);
		c->fc.close_after = true;
		return;
	}
	if (pd_conn_send(d, c, &reply) == 0 && (c->fc.sess.peer_caps & PROTO_CAP_DOCUMENTS))
		pd_docs_announce(d, c);
}

static void handle_frame(void *ctx, struct frame_conn *fc)
{
	struct pd_daemon *d = ctx;
	struct pd_conn *c = fc->owner;
	const struct proto_header *h = &fc->rd.header;
	struct proto_msg m;
	const char *why = NULL;
	int r = proto_decode(h, fc->rd.payload, &m, &why);
	if (d->opt.verbose) {
		const char *name = proto_type_name(h->type);
		log_info("guest connection %u: %s%s id=%u%s", c->fc.serial, name ? name : "unknown",
			 (h->flags & PROTO_FLAG_REPLY) ? " reply" : "", h->id,
			 r < 0 ? " (bad)" : "");
	}
	if (r < 0) {
		handle_undecodable(d, c, r, why);
		return;
	}
	if (proto_session_check(&c->fc.sess, &m) < 0) {
		frame_conn_kill(&c->fc,
				c->fc.sess.established ? "second HELLO" : "frame before HELLO");
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
		pd_dialog_request(d, c, h, fc->rd.payload, &m);
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
		frame_conn_kill(&c->fc, "event on the portal connection");
		break;
	default:
		/* Known, but not something a guest asks the portal daemon. */
		pd_conn_error(d, c, m.id, PROTO_ERR_UNSUPPORTED, "not served by the portal daemon");
		break;
	}
}

static void gone(void *ctx, struct frame_conn *fc)
{
	struct pd_daemon *d = ctx;
	struct pd_conn *c = fc->owner;
	pd_dialog_conn_gone(d, c);
	pd_docs_conn_gone(d, c);
	pd_entries_conn_gone(d, c);
	free(c);
}

static const struct frame_ops conn_ops = {.frame = handle_frame, .gone = gone};

void pd_conn_init(struct pd_daemon *d)
{
	d->conns = (struct frame_set){
	    .label = "guest connection",
	    .closed_why = "the guest closed the connection",
	    .lim = {.out_limit = PD_OUT_LIMIT + PD_ANNOUNCE_ROOM(d->opt.limits.max_grants),
		    .out_high = PD_OUT_HIGH,
		    .keep_payload = PD_KEEP_PAYLOAD,
		    .frames_per_wake = PD_FRAMES_PER_WAKE,
		    .hello_timeout_ms = d->opt.frame_timeout_ms,
		    .frame_timeout_ms = d->opt.frame_timeout_ms},
	    .ops = &conn_ops,
	    .ctx = d,
	    .epfd = d->epfd,
	};
	frame_set_init(&d->conns);
}

void pd_conn_settle(struct pd_daemon *d, struct pd_conn *c)
{
	frame_set_settle(&d->conns, &c->fc);
}

void pd_conn_on_io(struct pd_daemon *d, struct pd_conn *c, uint32_t events)
{
	frame_set_on_io(&d->conns, &c->fc, events);
}
