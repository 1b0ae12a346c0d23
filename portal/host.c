/* The host link: appvm-portal connects to the host (CID 2, the portal port;
 * or a Unix socket in tests) as the HELLO opener with FILE_CHOOSER and
 * DOCUMENTS, sends requests and matches their replies, and answers the
 * host's DOC_GRANT and DOC_REVOKE. The connection itself (connecting,
 * HELLO, reading, queueing, reconnecting with backoff, forever) is
 * lib/frame_link.c's; requests made while it is down wait for it until
 * their timeout, and kick it at every tick while they wait: a link waiting
 * out its backoff (up to HOST_BACKOFF_MAX_MS) tries again at once, and
 * every backoff_first_ms while a request waits (at most
 * HOST_PARK_TIMEOUT_MS), so a host that comes back serves them promptly. */
#include "portal.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void fail(struct portal *p, const char *why)
{
	frame_link_fail(&p->host.link, why);
}

/* The connection ended: sent requests fail; the others wait for the next
 * connection. */
static void down(void *ctx, bool was_up)
{
	struct portal *p = ctx;
	struct host *h = &p->host;
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
	frame_link_close(&h->link); /* FRAME_LINK_OFF: requests fail from now on */
	for (unsigned i = 0; i < HOST_SLOTS; i++)
		if (h->slots[i].used)
			finish(p, &h->slots[i], -ECANCELED, NULL);
}

bool host_up(const struct portal *p)
{
	return p->host.link.state == FRAME_LINK_UP;
}

int host_poll_fd(const struct portal *p, short *events)
{
	return frame_link_poll(&p->host.link, events);
}

static int queue_msg(struct portal *p, struct proto_msg *m)
{
	int r = outbuf_put_msg(&p->host.link.c.out, m);
	if (r < 0)
		log_err("host: cannot queue %s: %s", proto_type_name(m->type), strerror(-r));
	return r;
}

/* Puts an encoded frame on the wire queue. */
static int queue_frame(struct portal *p, const uint8_t *frame, size_t len)
{
	int err;
	struct outbuf *out = &p->host.link.c.out;
	uint8_t *room = outbuf_reserve(out, len, &err);
	if (!room)
		return err;
	memcpy(room, frame, len);
	outbuf_commit(out, len);
	return 0;
}

/* The HELLO exchange is done: requests that waited go out, in order. */
static void up(void *ctx)
{
	struct portal *p = ctx;
	struct host *h = &p->host;
	const struct proto_session *sess = &h->link.c.sess;
	char buf[64];
	log_info("host: connected to %s (protocol %u)",
		 frame_link_target(&h->link, buf, sizeof(buf)), (unsigned)sess->version);
	const uint32_t needed = PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS;
	if ((sess->peer_caps & needed) != needed)
		log_warn("host: the host lacks FILE_CHOOSER or DOCUMENTS; requests will fail");
	else if (!(sess->peer_caps & PROTO_CAP_FOLDERS))
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
	frame_link_flush(&h->link);
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

/* A frame once the link is up. */
static void on_frame(void *ctx, struct frame_conn *c)
{
	struct portal *p = ctx;
	struct proto_msg m;
	const char *why = NULL;
	int r = proto_decode(&c->rd.header, c->rd.payload, &m, &why);
	bool is_reply = c->rd.header.flags & PROTO_FLAG_REPLY;
	if (r == -EOPNOTSUPP && !is_reply) {
		memset(&m, 0, sizeof(m));
		m.type = c->rd.header.type;
		m.id = c->rd.header.id;
		reply_error(p, &m, PROTO_ERR_UNSUPPORTED, "unsupported message type");
		return;
	}
	if (r < 0 && !is_reply) {
		memset(&m, 0, sizeof(m));
		m.id = c->rd.header.id;
		reply_error(p, &m, PROTO_ERR_BAD_REQUEST, why ? why : "malformed request");
		return;
	}
	if (r < 0) {
		fail(p, why ? why : "malformed reply");
		return;
	}
	if (proto_session_check(&c->sess, &m) < 0) {
		fail(p, "a second HELLO");
		return;
	}
	if (m.flags & PROTO_FLAG_REPLY)
		on_reply(p, &m);
	else
		on_request(p, &m);
}

static const struct frame_link_ops link_ops = {.up = up, .frame = on_frame, .down = down};

static const struct frame_link_conf link_conf = {
    .label = "host",
    .caps = PORTAL_CAPS,
    .software = PORTAL_SOFTWARE,
    .lim = {.out_limit = HOST_OUT_LIMIT, .frames_per_wake = HOST_FRAMES_PER_WAKE},
    /* Connecting and HELLO get this long each. */
    .timeout_ms = HOST_CONNECT_TIMEOUT_MS,
    .hello_timeout_ms = HOST_CONNECT_TIMEOUT_MS,
    .backoff_first_ms = HOST_BACKOFF_MIN_MS,
    .backoff_max_ms = HOST_BACKOFF_MAX_MS,
    .ops = &link_ops,
};

void host_init(struct portal *p)
{
	struct host *h = &p->host;
	memset(h, 0, sizeof(*h));
	/* No epoll: loop.c polls host_poll_fd(). */
	frame_link_init(&h->link, &link_conf, p, p->opt.host_unix, p->opt.port);
	frame_link_start(&h->link);
}

void host_on_io(struct portal *p, short revents)
{
	frame_link_on_io(&p->host.link, (uint16_t)revents);
}

/* Whether a request waits for a connection (made while the link was down). */
static bool unsent_waiting(const struct host *h)
{
	for (unsigned i = 0; i < HOST_SLOTS; i++)
		if (h->slots[i].used && !h->slots[i].sent)
			return true;
	return false;
}

void host_tick(struct portal *p, uint64_t now, uint64_t *next)
{
	struct host *h = &p->host;
	if (h->link.state != FRAME_LINK_UP && unsent_waiting(h))
		frame_link_kick(&h->link);
	frame_link_tick(&h->link, now, next);
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
	if (h->link.state == FRAME_LINK_OFF)
		return -ESHUTDOWN;
	for (unsigned i = 0; i < HOST_SLOTS && !r; i++)
		if (!h->slots[i].used)
			r = &h->slots[i];
	if (!r)
		return -EAGAIN;
	m->id = frame_link_take_id(&h->link);
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
	if (h->link.state == FRAME_LINK_UP && queue_frame(p, frame, len) == 0) {
		free(frame);
		r->sent = true;
	} else {
		/* Kept until a connection is up; trimmed to its size. */
		uint8_t *small = realloc(frame, len);
		r->frame = small ? small : frame;
		r->frame_len = len;
		frame_link_kick(&h->link); /* the loop's next tick connects */
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
