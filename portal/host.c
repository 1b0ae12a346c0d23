/* The host link: appvm-portal connects to the host (CID 2, the portal port;
 * or a Unix socket in tests) as the HELLO opener with FILE_CHOOSER and
 * DOCUMENTS, sends requests and matches their replies, and answers the
 * host's DOC_GRANT and DOC_REVOKE. When the connection fails or ends it is
 * made again with backoff, forever; requests made meanwhile wait for it
 * until their timeout. */
#include "portal.h"

#include "io.h"
#include "log.h"
#include "ports.h"
#include "proto_io.h"
#include "host_connect.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void host_init(struct portal *p)
{
	struct host *h = &p->host;
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->state = HOST_WAIT;
	h->retry_at = clock_now_ms();
	h->next_id = 1;
	proto_reader_init(&h->rd);
	outbuf_init(&h->out, HOST_OUT_LIMIT);
}

static const char *target(const struct portal *p, char *buf, size_t size)
{
	if (p->opt.host_unix)
		return p->opt.host_unix;
	snprintf(buf, size, "vsock %u:%u", APPVM_HOST_CID, p->opt.port);
	return buf;
}

static uint32_t take_id(struct host *h)
{
	uint32_t id = h->next_id++;
	if (h->next_id == 0)
		h->next_id = 1;
	return id;
}

static void finish(struct portal *p, struct hreq *r, int err, const struct proto_msg *reply)
{
	hreq_done_fn done = r->done;
	void *ctx = r->ctx;
	free(r->frame);
	struct hreq copy = *r;
	memset(r, 0, sizeof(*r));
	p->host.used--;
	copy.frame = NULL;
	copy.ctx = ctx;
	if (done)
		done(p, &copy, err, reply);
	fs_slots_freed(p);
}

static void drop_connection(struct portal *p)
{
	struct host *h = &p->host;
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	proto_reader_free(&h->rd);
	proto_reader_init(&h->rd);
	outbuf_free(&h->out);
}

/* Ends the connection (or the attempt) and schedules the next one. Sent
 * requests fail; the others wait for the next connection. */
static void fail(struct portal *p, const char *why)
{
	struct host *h = &p->host;
	char buf[64];
	bool was_up = h->state == HOST_UP;
	drop_connection(p);
	if (was_up)
		h->backoff_ms = 0;
	h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : HOST_BACKOFF_MIN_MS;
	if (h->backoff_ms > HOST_BACKOFF_MAX_MS)
		h->backoff_ms = HOST_BACKOFF_MAX_MS;
	h->retry_at = clock_now_ms() + h->backoff_ms;
	h->state = HOST_WAIT;
	if (h->failures++ == 0 || was_up)
		log_info("host: %s: %s; retrying", target(p, buf, sizeof(buf)), why);
	else
		log_debug("host: %s: %s; retry in %u ms", target(p, buf, sizeof(buf)), why,
			  h->backoff_ms);
	for (unsigned i = 0; i < HOST_SLOTS; i++)
		if (h->slots[i].used && h->slots[i].sent)
			finish(p, &h->slots[i], -ECONNRESET, NULL);
	if (was_up) {
		fs_disconnected(p);
		chooser_disconnected(p);
	}
}

void host_close(struct portal *p)
{
	struct host *h = &p->host;
	drop_connection(p);
	for (unsigned i = 0; i < HOST_SLOTS; i++)
		if (h->slots[i].used)
			finish(p, &h->slots[i], -ECANCELED, NULL);
}

bool host_up(const struct portal *p)
{
	return p->host.state == HOST_UP;
}

int host_poll_fd(const struct portal *p, short *events)
{
	const struct host *h = &p->host;
	if (h->fd < 0)
		return -1;
	*events = h->state == HOST_CONNECTING ? POLLOUT : POLLIN | (h->out.len ? POLLOUT : 0);
	return h->fd;
}

static void flush(struct portal *p)
{
	int r = outbuf_send(&p->host.out, p->host.fd);
	if (r < 0 && r != -EAGAIN)
		fail(p, proto_io_strerror(r));
}

static int queue_msg(struct portal *p, struct proto_msg *m)
{
	int r = outbuf_put_msg(&p->host.out, m);
	if (r < 0)
		log_err("host: cannot queue %s: %s", proto_type_name(m->type), strerror(-r));
	return r;
}

/* Puts an encoded frame on the wire queue. */
static int queue_frame(struct portal *p, const uint8_t *frame, size_t len)
{
	int err;
	uint8_t *room = outbuf_reserve(&p->host.out, len, &err);
	if (!room)
		return err;
	memcpy(room, frame, len);
	outbuf_commit(&p->host.out, len);
	return 0;
}

static void connected(struct portal *p)
{
	struct host *h = &p->host;
	struct proto_msg m;
	h->state = HOST_HELLO;
	h->deadline = clock_now_ms() + HOST_CONNECT_TIMEOUT_MS;
	proto_session_init(&h->sess, PROTO_ROLE_OPENER, PORTAL_CAPS, PORTAL_SOFTWARE);
	proto_session_hello(&h->sess, take_id(h), &m);
	if (queue_msg(p, &m) < 0) {
		fail(p, "cannot queue HELLO");
		return;
	}
	flush(p);
}

/* The HELLO exchange is done: requests that waited go out, in order. */
static void established(struct portal *p)
{
	struct host *h = &p->host;
	char buf[64];
	h->state = HOST_UP;
	h->failures = 0;
	h->backoff_ms = 0;
	log_info("host: connected to %s (protocol %u)", target(p, buf, sizeof(buf)),
		 (unsigned)h->sess.version);
	const uint32_t needed = PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS;
	if ((h->sess.peer_caps & needed) != needed)
		log_warn("host: the host lacks FILE_CHOOSER or DOCUMENTS; requests will fail");
	else if (!(h->sess.peer_caps & PROTO_CAP_FOLDERS))
		log_info("host: the host grants no folders");
	fs_connected(p);
	for (;;) {
		/* Oldest first: the ids grow with time. */
		struct hreq *next = NULL;
		for (unsigned i = 0; i < HOST_SLOTS; i++) {
			struct hreq *r = &h->slots[i];
			if (r->used && !r->sent && (!next || r->id - next->id > 0x80000000u))
				next = r;
		}
		if (!next)
			break;
		if (queue_frame(p, next->frame, next->frame_len) < 0) {
			finish(p, next, -ENOBUFS, NULL);
			continue;
		}
		free(next->frame);
		next->frame = NULL;
		next->sent = true;
	}
	flush(p);
}

static void try_connect(struct portal *p)
{
	struct host *h = &p->host;
	bool done;
	int fd = host_connect(p->opt.host_unix, p->opt.port, &done);
	if (fd < 0) {
		fail(p, strerror(-fd));
		return;
	}
	h->fd = fd;
	h->deadline = clock_now_ms() + HOST_CONNECT_TIMEOUT_MS;
	h->state = HOST_CONNECTING;
	if (done)
		connected(p);
}

static void reply_empty(struct portal *p, const struct proto_msg *req)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = req->type;
	m.flags = PROTO_FLAG_REPLY;
	m.id = req->id;
	queue_msg(p, &m);
}

static void reply_error(struct portal *p, const struct proto_msg *req, uint32_t code,
			const char *message)
{
	struct proto_msg m;
	proto_make_error(&m, req->id, code, message);
	queue_msg(p, &m);
}

/* A request from the host. */
static void on_request(struct portal *p, const struct proto_msg *m)
{
	char name[PROTO_FILENAME_MAX + 1];
	switch (m->type) {
	case PROTO_DOC_GRANT:
		if (fs_grant(p, &m->u.doc) < 0) {
			reply_error(p, m, PROTO_ERR_LIMIT, "too many documents");
			return;
		}
		snprintf(name, sizeof(name), "%.*s", (int)m->u.doc.name.len, m->u.doc.name.ptr);
		log_info("host: document %016llx granted (%s)", (unsigned long long)m->u.doc.id,
			 name);
		reply_empty(p, m);
		return;
	case PROTO_DOC_REVOKE:
		fs_revoke(p, m->u.doc_id);
		log_info("host: document %016llx revoked", (unsigned long long)m->u.doc_id);
		reply_empty(p, m);
		return;
	default:
		reply_error(p, m, PROTO_ERR_UNSUPPORTED, "not a request the guest portal serves");
		return;
	}
}

static void on_reply(struct portal *p, const struct proto_msg *m)
{
	struct host *h = &p->host;
	for (unsigned i = 0; i < HOST_SLOTS; i++) {
		struct hreq *r = &h->slots[i];
		if (!r->used || !r->sent || r->id != m->id)
			continue;
		if (m->type != r->type && m->type != PROTO_ERROR) {
			fail(p, "a reply of the wrong type");
			return;
		}
		finish(p, r, 0, m);
		return;
	}
	/* A request that timed out: its late answer is dropped. */
	log_debug("host: dropped a reply to unknown request %u", (unsigned)m->id);
}

static void on_frame(struct portal *p)
{
	struct host *h = &p->host;
	struct proto_msg m;
	const char *why = NULL;
	int r = proto_decode(&h->rd.header, h->rd.payload, &m, &why);
	bool is_reply = h->rd.header.flags & PROTO_FLAG_REPLY;
	if (r == -EOPNOTSUPP && !is_reply && h->state == HOST_UP) {
		memset(&m, 0, sizeof(m));
		m.type = h->rd.header.type;
		m.id = h->rd.header.id;
		reply_error(p, &m, PROTO_ERR_UNSUPPORTED, "unsupported message type");
		return;
	}
	if (r < 0 && !is_reply && h->state == HOST_UP) {
		memset(&m, 0, sizeof(m));
		m.id = h->rd.header.id;
		reply_error(p, &m, PROTO_ERR_BAD_REQUEST, why ? why : "malformed request");
		return;
	}
	if (r < 0) {
		fail(p, why ? why : "malformed reply");
		return;
	}
	if (proto_session_check(&h->sess, &m) < 0) {
		fail(p, "unexpected frame before the HELLO reply");
		return;
	}
	if (h->state == HOST_HELLO) {
		r = proto_session_finish(&h->sess, &m);
		if (r < 0) {
			fail(p, r == -EPROTONOSUPPORT ? "the host refused our protocol versions"
						      : "HELLO answered with a wrong id");
			return;
		}
		established(p);
		return;
	}
	if (m.flags & PROTO_FLAG_REPLY)
		on_reply(p, &m);
	else
		on_request(p, &m);
}

/* Frames handled per wakeup: the loop's other sources get their turn. */
#define HOST_FRAMES_PER_CALL 64

static void read_frames(struct portal *p)
{
	struct host *h = &p->host;
	for (int i = 0; i < HOST_FRAMES_PER_CALL && h->fd >= 0; i++) {
		int r = proto_read_frame(h->fd, &h->rd);
		if (r == 0)
			return;
		if (r < 0) {
			fail(p, r == -ENODATA ? "closed by the host" : proto_io_strerror(r));
			return;
		}
		on_frame(p);
	}
}

void host_on_io(struct portal *p, short revents)
{
	struct host *h = &p->host;
	if (h->fd < 0)
		return;
	if (h->state == HOST_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			fail(p, strerror(err));
			return;
		}
		if (revents & (POLLERR | POLLHUP)) {
			fail(p, "connection failed");
			return;
		}
		if (revents & POLLOUT)
			connected(p);
		return;
	}
	if (revents & POLLOUT)
		flush(p);
	if (h->fd >= 0 && (revents & (POLLIN | POLLHUP | POLLERR)))
		read_frames(p);
	/* Replies queued while reading go out now. */
	if (h->fd >= 0 && h->out.len)
		flush(p);
}

void host_tick(struct portal *p, uint64_t now, uint64_t *next)
{
	struct host *h = &p->host;
	if (h->state == HOST_WAIT && now >= h->retry_at)
		try_connect(p);
	if ((h->state == HOST_CONNECTING || h->state == HOST_HELLO) && now >= h->deadline)
		fail(p, "no answer in time");
	for (unsigned i = 0; i < HOST_SLOTS; i++) {
		struct hreq *r = &h->slots[i];
		if (!r->used)
			continue;
		uint64_t dl = r->deadline;
		if (!r->sent && (!dl || dl > r->created + HOST_PARK_TIMEOUT_MS))
			dl = r->created + HOST_PARK_TIMEOUT_MS;
		if (!dl)
			continue;
		if (now >= dl) {
			log_warn("host: %s request %u timed out", proto_type_name(r->type),
				 (unsigned)r->id);
			finish(p, r, -ETIMEDOUT, NULL);
			continue;
		}
		if (dl < *next)
			*next = dl;
	}
	uint64_t at = h->state == HOST_WAIT ? h->retry_at
		      : h->state == HOST_UP ? UINT64_MAX
					    : h->deadline;
	if (at < *next)
		*next = at;
}

unsigned host_free_slots(const struct portal *p)
{
	return HOST_SLOTS - p->host.used;
}

int host_request(struct portal *p, struct proto_msg *m, uint32_t timeout_ms, hreq_done_fn done,
		 void *ctx, uint64_t aux, struct hreq **ret)
{
	struct host *h = &p->host;
	struct hreq *r = NULL;
	for (unsigned i = 0; i < HOST_SLOTS && !r; i++)
		if (!h->slots[i].used)
			r = &h->slots[i];
	if (!r)
		return -EAGAIN;
	m->id = take_id(h);
	m->flags = 0;
	uint8_t *frame = malloc(PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD);
	size_t len;
	if (!frame)
		return -ENOMEM;
	int e = proto_encode(m, frame, PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD, &len);
	if (e < 0) {
		free(frame);
		return e;
	}
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->id = m->id;
	r->type = m->type;
	r->created = clock_now_ms();
	r->deadline = timeout_ms ? r->created + timeout_ms : 0;
	r->done = done;
	r->ctx = ctx;
	r->aux = aux;
	h->used++;
	/* Not flushed here: a failing send would end requests, this one
	 * included, under the caller's feet. The loop sends it (POLLOUT). */
	if (h->state == HOST_UP && queue_frame(p, frame, len) == 0) {
		free(frame);
		r->sent = true;
	} else {
		/* Kept until a connection is up; trimmed to its size. */
		uint8_t *small = realloc(frame, len);
		r->frame = small ? small : frame;
		r->frame_len = len;
	}
	if (ret)
		*ret = r;
	return 0;
}

void host_forget_ctx(struct portal *p, void *ctx)
{
	for (unsigned i = 0; i < HOST_SLOTS; i++) {
		struct hreq *r = &p->host.slots[i];
		if (r->used && r->ctx == ctx) {
			r->done = NULL;
			r->ctx = NULL;
		}
	}
}

int host_error_errno(uint32_t code)
{
	switch (code) {
	case PROTO_ERR_NOT_FOUND:
	case PROTO_ERR_PERMISSION:
		return EACCES;
	case PROTO_ERR_LIMIT:
		return ENOSPC;
	case PROTO_ERR_BUSY:
		return EAGAIN;
	case PROTO_ERR_UNSUPPORTED:
		return EOPNOTSUPP;
	case PROTO_ERR_STALE:
		return ESTALE;
	case PROTO_ERR_NO_ENTRY:
		return ENOENT;
	case PROTO_ERR_EXISTS:
		return EEXIST;
	case PROTO_ERR_NOT_EMPTY:
		return ENOTEMPTY;
	case PROTO_ERR_NOT_DIR:
		return ENOTDIR;
	case PROTO_ERR_IS_DIR:
		return EISDIR;
	default:
		return EIO;
	}
}
