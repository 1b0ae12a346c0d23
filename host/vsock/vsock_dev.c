#include "vsock_dev.h"

#include <errno.h>
#include <linux/virtio_vsock.h>
#include <string.h>

void vsock_dev_init(struct vsock_dev *d, uint64_t guest_cid, const struct vsock_dev_ops *ops,
		    void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->guest_cid = guest_cid;
	d->ops = ops;
	d->ctx = ctx;
	d->tx_since_ms = UINT64_MAX;
	vsock_conns_init(&d->conns);
}

/* Fills iov with len bytes of the chain's segments from skip on. Returns
 * the number of iovecs (the chain was checked to hold them). */
static int chain_iov(const struct vhost_iov *seg, unsigned n, size_t skip, size_t len,
		     struct iovec iov[VHOST_VQ_MAX_SEGS])
{
	int k = 0;
	for (unsigned i = 0; i < n && len > 0; i++) {
		if (skip >= seg[i].len) {
			skip -= seg[i].len;
			continue;
		}
		size_t take = seg[i].len - skip;
		if (take > len)
			take = len;
		iov[k++] = (struct iovec){seg[i].base + skip, take};
		len -= take;
		skip = 0;
	}
	return k;
}

/* Counts a broken rule and remembers it for the log. */
static void guest_error(struct vsock_dev *d, uint64_t *counter, const char *where, const char *what)
{
	(*counter)++;
	d->error_where = where;
	d->error_what = what;
}

uint64_t vsock_dev_guest_errors(const struct vsock_dev *d)
{
	const struct vsock_dev_stats *s = &d->stats;
	return s->bad_chains + s->broken_rings + s->bad_packets + s->violations;
}

/* Closes the host side and forgets the connection, without telling the guest. */
static void conn_drop(struct vsock_dev *d, struct vsock_conn *c)
{
	if (c->fd >= 0)
		d->ops->close(d->ctx, c->fd);
	c->fd = -1;
	vsock_conn_release(&d->conns, c);
}

/* Closes the connection and owes the guest a reset for it. */
static void conn_reset(struct vsock_dev *d, struct vsock_conn *c)
{
	uint32_t hp = c->host_port, gp = c->guest_port;
	conn_drop(d, c);
	if (vsock_rst_push(&d->conns, hp, gp) < 0)
		d->stats.dropped++;
}

void vsock_dev_reset_conns(struct vsock_dev *d)
{
	for (unsigned i = 0; i < VSOCK_CONN_MAX && d->conns.n_used > 0; i++) {
		if (d->conns.c[i].state != VSOCK_CONN_FREE)
			conn_drop(d, &d->conns.c[i]);
	}
	d->conns.rst_n = 0;
}

void vsock_dev_reset(struct vsock_dev *d)
{
	vsock_dev_reset_conns(d);
	d->conns.rst_head = 0;
	d->conns.next_port = VSOCK_CONN_FIRST_PORT;
	memset(d->vq_used, 0, sizeof(d->vq_used));
	d->tx_unsignalled = 0;
	d->tx_since_ms = UINT64_MAX;
	memset(&d->stats, 0, sizeof(d->stats));
	d->rr = 0;
	d->error_where = d->error_what = NULL;
}

void vsock_dev_free(struct vsock_dev *d)
{
	vsock_dev_reset_conns(d);
	vsock_conns_free(&d->conns);
}

/* Ends the connection once both directions are finished and everything the
 * guest sent has reached the host. */
static void conn_check_done(struct vsock_dev *d, struct vsock_conn *c)
{
	if (c->buf_used != 0 || !c->guest_shut_send)
		return;
	if (!c->host_wr_shut && c->fd >= 0) {
		d->ops->shutdown_write(d->ctx, c->fd);
		c->host_wr_shut = true;
	}
	if (c->guest_shut_rcv || c->host_eof)
		conn_reset(d, c);
}

/* Starts or stops watching c's host fd for room. */
static void watch_write(struct vsock_dev *d, struct vsock_conn *c, bool on)
{
	if (c->write_watched == on || c->fd < 0)
		return;
	c->write_watched = on;
	d->ops->watch_write(d->ctx, c, on);
}

/* Writes to c's host socket. Returns the byte count (0 when it has no room:
 * the device waits for it), or -errno when the host side is gone. */
static ssize_t host_write(struct vsock_dev *d, struct vsock_conn *c, const struct iovec *iov, int n)
{
	ssize_t w = d->ops->writev(d->ctx, c->fd, iov, n);
	if (w == -EAGAIN) {
		c->host_writable = false;
		watch_write(d, c, true);
		return 0;
	}
	return w == 0 ? -EPIPE : w;
}

/* Payloads this large go straight from the guest's buffers to the host
 * socket; smaller ones are copied, so that a burst of them leaves in one
 * system call. */
#define DIRECT_MIN 4096

/* Passes a packet's payload on to the host: large ones straight from the
 * guest's buffers when nothing is buffered before them, the rest into the
 * connection's buffer (flush_host() sends it). Returns 0, -ENOBUFS when the
 * guest sent beyond its credit, -ENOMEM, or -EPIPE when the host side is
 * gone. */
static int conn_take_payload(struct vsock_dev *d, struct vsock_conn *c,
			     const struct vhost_chain *ch, uint32_t len)
{
	/* Also bounds the buffer: it holds at most what the guest may have
	 * in flight. */
	if (vsock_conn_receive(c, len) < 0)
		return -ENOBUFS;
	size_t skip = VSOCK_HDR_SIZE;
	if (len >= DIRECT_MIN && c->buf_used == 0 && c->host_writable && c->fd >= 0) {
		struct iovec iov[VHOST_VQ_MAX_SEGS];
		int n = chain_iov(ch->out, ch->n_out, skip, len, iov);
		ssize_t w = host_write(d, c, iov, n);
		if (w < 0)
			return -EPIPE;
		vsock_conn_forwarded(c, (uint32_t)w);
		skip += (size_t)w;
		len -= (uint32_t)w;
	}
	if (len == 0)
		return 0;
	if (vsock_conn_buf_alloc(&d->conns, c) < 0)
		return -ENOMEM;
	while (len > 0) {
		uint8_t *p;
		uint32_t room = vsock_conn_buf_space(c, &p);
		uint32_t n = len < room ? len : room;
		size_t got = vhost_iov_to_buf(ch->out, ch->n_out, skip, p, n);
		vsock_conn_buf_commit(c, (uint32_t)got);
		if (got != n)
			return -EINVAL; /* the chain was checked to be long enough */
		skip += n;
		len -= n;
	}
	return 0;
}

/* Resets a connection whose packet broke the state machine's rules. */
static void violation(struct vsock_dev *d, struct vsock_conn *c, const char *what)
{
	guest_error(d, &d->stats.violations, "connection", what);
	conn_reset(d, c);
}

/* The connection state machine for one validated packet from the guest. */
static void handle_packet(struct vsock_dev *d, const struct vsock_hdr *h,
			  const struct vhost_chain *ch)
{
	struct vsock_conns *t = &d->conns;
	struct vsock_conn *c = vsock_conn_find(t, h->dst_port, h->src_port);

	if (h->op == VIRTIO_VSOCK_OP_REQUEST) {
		if (c) {
			/* A second REQUEST on a live pair: the guest lost track. */
			violation(d, c, "REQUEST on a connection that exists");
			return;
		}
		c = vsock_conn_new(t, h->dst_port, h->src_port, true);
		if (!c) {
			vsock_rst_push(t, h->dst_port, h->src_port);
			return;
		}
		c->peer_buf_alloc = h->buf_alloc;
		c->peer_fwd_cnt = h->fwd_cnt;
		if (d->ops->connect(d->ctx, c) < 0) {
			conn_reset(d, c);
			return;
		}
		c->send |= VSOCK_SEND_RESPONSE;
		return;
	}
	if (!c) {
		if (h->op != VIRTIO_VSOCK_OP_RST)
			vsock_rst_push(t, h->dst_port, h->src_port);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;

	switch (h->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state != VSOCK_CONN_CONNECTING || (c->send & VSOCK_SEND_REQUEST)) {
			violation(d, c, "RESPONSE to a connection the host did not request");
			return;
		}
		c->state = VSOCK_CONN_CONNECTED;
		if (d->ops->accepted(d->ctx, c) < 0)
			conn_reset(d, c);
		return;
	case VIRTIO_VSOCK_OP_RST:
		conn_drop(d, c);
		return;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (c->state != VSOCK_CONN_CONNECTED) {
			violation(d, c, "SHUTDOWN before the connection was established");
			return;
		}
		if (h->flags & VIRTIO_VSOCK_SHUTDOWN_RCV)
			c->guest_shut_rcv = true;
		if (h->flags & VIRTIO_VSOCK_SHUTDOWN_SEND)
			c->guest_shut_send = true;
		conn_check_done(d, c);
		return;
	case VIRTIO_VSOCK_OP_RW: {
		int r;
		if (c->state != VSOCK_CONN_CONNECTED)
			violation(d, c, "data before the connection was established");
		else if (c->guest_shut_send)
			violation(d, c, "data after the guest's SHUTDOWN");
		else if ((r = conn_take_payload(d, c, ch, h->len)) == -ENOBUFS)
			violation(d, c, "data beyond the credit the host gave");
		else if (r < 0)
			conn_reset(d, c); /* host side gone, or out of memory */
		else if (h->len > 0)
			d->stats.data_to_host++;
		return;
	}
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		return;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->send |= VSOCK_SEND_CREDIT_UPDATE;
		return;
	default:
		conn_reset(d, c);
		return;
	}
}

/* Consumes at most one queue's worth of TX packets, so RX gets its turn.
 * Returns true when packets may remain. */
static bool process_tx(struct vsock_dev *d)
{
	struct vhost_vq *vq = &d->vq[VSOCK_VQ_TX];
	static struct vhost_chain ch; /* large; the device is single-threaded */
	/* A queue that does not run has nothing to give, and cannot have
	 * before the next event (a kick or a vhost-user message). */
	if (!vq->avail)
		return false;
	for (unsigned budget = vq->num; budget > 0; budget--) {
		int r = vhost_vq_pop(vq, &d->mem, &ch);
		if (r == 0)
			return false;
		if (r == -EIO) {
			guest_error(d, &d->stats.broken_rings, "TX queue", vq->why);
			return false;
		}
		d->vq_used[VSOCK_VQ_TX] = true;
		d->tx_unsignalled += ch.n_desc;
		if (r < 0 || ch.out_len < VSOCK_HDR_SIZE) {
			guest_error(d, &d->stats.bad_chains, "TX queue",
				    r < 0 ? vq->why : "packet shorter than its header");
			vhost_vq_push_later(vq, ch.head, 0);
			continue;
		}
		uint8_t raw[VSOCK_HDR_SIZE];
		vhost_iov_to_buf(ch.out, ch.n_out, 0, raw, sizeof(raw));
		struct vsock_hdr untrusted_hdr;
		vsock_hdr_decode(raw, &untrusted_hdr);
		d->stats.pkts_in++;
		const char *why = NULL;
		enum vsock_pkt_verdict v = vsock_pkt_check(&untrusted_hdr, d->guest_cid,
							   ch.out_len - VSOCK_HDR_SIZE, &why);
		if (v != VSOCK_PKT_OK)
			guest_error(d, &d->stats.bad_packets, "packet header", why);
		switch (v) {
		case VSOCK_PKT_OK:
			handle_packet(d, &untrusted_hdr, &ch);
			break;
		case VSOCK_PKT_RESET: {
			struct vsock_conn *c = vsock_conn_find(&d->conns, untrusted_hdr.dst_port,
							       untrusted_hdr.src_port);
			if (c)
				conn_reset(d, c);
			else
				vsock_rst_push(&d->conns, untrusted_hdr.dst_port,
					       untrusted_hdr.src_port);
			break;
		}
		case VSOCK_PKT_DROP:
			d->stats.dropped++;
			break;
		}
		vhost_vq_push_later(vq, ch.head, 0);
	}
	return true;
}

/* Writes buffered guest data to each writable host socket. */
static void flush_host(struct vsock_dev *d)
{
	for (unsigned i = 0; i < VSOCK_CONN_MAX && d->conns.n_used > 0; i++) {
		struct vsock_conn *c = &d->conns.c[i];
		if (c->state != VSOCK_CONN_CONNECTED)
			continue;
		while (c->buf_used > 0 && c->host_writable && c->fd >= 0) {
			struct iovec iov[2];
			ssize_t w = host_write(d, c, iov, vsock_conn_buf_iov(c, iov));
			if (w < 0) {
				/* The host side went away while the guest still sends. */
				conn_reset(d, c);
				break;
			}
			vsock_conn_buf_consume(c, (uint32_t)w);
		}
		if (c->state != VSOCK_CONN_CONNECTED)
			continue;
		if (c->buf_used == 0 && c->host_writable)
			watch_write(d, c, false);
		conn_check_done(d, c);
	}
}

static void fill_hdr(const struct vsock_dev *d, struct vsock_hdr *h, uint32_t host_port,
		     uint32_t guest_port, uint16_t op)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = VSOCK_HOST_CID;
	h->dst_cid = d->guest_cid;
	h->src_port = host_port;
	h->dst_port = guest_port;
	h->type = VIRTIO_VSOCK_TYPE_STREAM;
	h->op = op;
	h->buf_alloc = VSOCK_CONN_BUF;
}

/* Takes an RX chain big enough for a header. Returns 1, or 0 when the guest
 * has no buffer for us now or the pass took its share (rx_budget). Chains
 * too small for a header are returned unused. */
static int rx_pop(struct vsock_dev *d, struct vhost_chain *ch)
{
	struct vhost_vq *vq = &d->vq[VSOCK_VQ_RX];
	for (;;) {
		if (d->rx_budget == 0)
			return 0;
		int r = vhost_vq_pop(vq, &d->mem, ch);
		if (r != 0)
			d->rx_budget--;
		if (r == 0)
			return 0;
		if (r == -EIO) {
			guest_error(d, &d->stats.broken_rings, "RX queue", vq->why);
			return 0;
		}
		if (r > 0 && ch->n_out == 0 && ch->in_len >= VSOCK_HDR_SIZE)
			return 1;
		guest_error(d, &d->stats.bad_chains, "RX queue",
			    r < 0	    ? vq->why
			    : ch->n_out > 0 ? "receive buffer readable by the device"
					    : "receive buffer too small for a header");
		d->vq_used[VSOCK_VQ_RX] = true;
		vhost_vq_push(vq, ch->head, 0);
	}
}

/* Writes the header into the chain (its payload, if any, is in place) and
 * hands the chain to the guest. */
static void rx_send(struct vsock_dev *d, struct vhost_chain *ch, const struct vsock_hdr *h)
{
	uint8_t raw[VSOCK_HDR_SIZE];
	vsock_hdr_encode(h, raw);
	vhost_buf_to_iov(ch->in, ch->n_in, 0, raw, sizeof(raw));
	vhost_vq_push(&d->vq[VSOCK_VQ_RX], ch->head, VSOCK_HDR_SIZE + h->len);
	d->vq_used[VSOCK_VQ_RX] = true;
	d->stats.pkts_out++;
}

/* Sends one owed control packet of c. Returns 1 sent, 0 nothing owed, -1 no RX buffer. */
static int rx_control(struct vsock_dev *d, struct vsock_conn *c, struct vhost_chain *ch)
{
	uint16_t op;
	uint32_t bit;
	if (c->send & VSOCK_SEND_REQUEST) {
		op = VIRTIO_VSOCK_OP_REQUEST, bit = VSOCK_SEND_REQUEST;
	} else if (c->send & VSOCK_SEND_RESPONSE) {
		op = VIRTIO_VSOCK_OP_RESPONSE, bit = VSOCK_SEND_RESPONSE;
	} else if (c->send & VSOCK_SEND_SHUTDOWN) {
		op = VIRTIO_VSOCK_OP_SHUTDOWN, bit = VSOCK_SEND_SHUTDOWN;
	} else if (c->send & VSOCK_SEND_CREDIT_UPDATE) {
		op = VIRTIO_VSOCK_OP_CREDIT_UPDATE, bit = VSOCK_SEND_CREDIT_UPDATE;
	} else {
		return 0;
	}
	if (!rx_pop(d, ch))
		return -1;
	struct vsock_hdr h;
	fill_hdr(d, &h, c->host_port, c->guest_port, op);
	h.fwd_cnt = c->fwd_cnt;
	if (op == VIRTIO_VSOCK_OP_SHUTDOWN)
		h.flags = c->shutdown_flags;
	c->fwd_cnt_sent = c->fwd_cnt;
	c->send &= ~bit;
	rx_send(d, ch, &h);
	return 1;
}

/* Sends one packet of host data of c, read from its host socket straight
 * into the guest's buffer. Returns 1 sent, 0 nothing to send, -1 no RX
 * buffer. */
static int rx_data(struct vsock_dev *d, struct vsock_conn *c, struct vhost_chain *ch)
{
	if (c->state != VSOCK_CONN_CONNECTED || c->send != 0 || !c->host_readable || c->host_eof ||
	    c->guest_shut_rcv || c->fd < 0)
		return 0;
	uint32_t credit = vsock_conn_peer_credit(c);
	if (credit == 0)
		return 0;
	if (!rx_pop(d, ch))
		return -1;
	uint64_t room = ch->in_len - VSOCK_HDR_SIZE;
	size_t want = credit;
	if (want > room)
		want = (size_t)room;
	if (want > VSOCK_MAX_PAYLOAD)
		want = VSOCK_MAX_PAYLOAD;
	struct vsock_hdr h;
	if (want == 0) {
		/* A header-only buffer cannot carry data; give it back as a no-op
		 * credit update so it is not lost. */
		fill_hdr(d, &h, c->host_port, c->guest_port, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
		h.fwd_cnt = c->fwd_cnt_sent = c->fwd_cnt;
		rx_send(d, ch, &h);
		return 1;
	}
	struct iovec iov[VHOST_VQ_MAX_SEGS];
	int n_iov = chain_iov(ch->in, ch->n_in, VSOCK_HDR_SIZE, want, iov);
	ssize_t n = d->ops->readv(d->ctx, c->fd, iov, n_iov);
	if (n == -EAGAIN) {
		vhost_vq_unpop(&d->vq[VSOCK_VQ_RX]);
		c->host_readable = false;
		return 0;
	}
	if (n < 0) {
		vhost_vq_unpop(&d->vq[VSOCK_VQ_RX]);
		conn_reset(d, c);
		return 0;
	}
	if (n == 0) {
		vhost_vq_unpop(&d->vq[VSOCK_VQ_RX]);
		c->host_eof = true;
		c->send |= VSOCK_SEND_SHUTDOWN;
		c->shutdown_flags |= VIRTIO_VSOCK_SHUTDOWN_SEND;
		conn_check_done(d, c);
		return 1; /* the SHUTDOWN (or reset) is now owed */
	}
	/* Less than asked: the socket is empty, and says so when it is not
	 * (a hung-up one not: its end of file waits behind the data). */
	if ((size_t)n < want && !c->host_hup)
		c->host_readable = false;
	fill_hdr(d, &h, c->host_port, c->guest_port, VIRTIO_VSOCK_OP_RW);
	h.len = (uint32_t)n;
	h.fwd_cnt = c->fwd_cnt;
	c->fwd_cnt_sent = c->fwd_cnt;
	c->tx_cnt += (uint32_t)n;
	rx_send(d, ch, &h);
	d->stats.data_to_guest++;
	return 1;
}

/* Fills RX buffers with owed packets and host data, at most a queue's worth
 * of buffers: the guest may post a new one for each one filled. Returns true
 * when that share ran out (there may be more to do). */
static bool fill_rx(struct vsock_dev *d)
{
	static struct vhost_chain ch;
	struct vsock_conns *t = &d->conns;
	if (!d->vq[VSOCK_VQ_RX].avail)
		return false;
	d->rx_budget = d->vq[VSOCK_VQ_RX].num;
	for (bool progress = true; progress;) {
		progress = false;
		struct vsock_rst rst;
		while (t->rst_n > 0) {
			if (!rx_pop(d, &ch))
				return d->rx_budget == 0;
			vsock_rst_pop(t, &rst);
			struct vsock_hdr h;
			fill_hdr(d, &h, rst.host_port, rst.guest_port, VIRTIO_VSOCK_OP_RST);
			rx_send(d, &ch, &h);
			d->stats.resets_sent++;
		}
		for (unsigned k = 0; k < VSOCK_CONN_MAX && t->n_used > 0; k++) {
			struct vsock_conn *c = &t->c[(d->rr + k) % VSOCK_CONN_MAX];
			if (c->state == VSOCK_CONN_FREE)
				continue;
			int r = rx_control(d, c, &ch);
			if (r == 0 && c->state != VSOCK_CONN_FREE)
				r = rx_data(d, c, &ch);
			if (r < 0)
				return d->rx_budget == 0;
			if (r > 0)
				progress = true;
		}
		d->rr = (d->rr + 1) % VSOCK_CONN_MAX;
	}
	return false;
}

bool vsock_dev_run(struct vsock_dev *d)
{
	/* Bounded, so the event loop stays responsive to a guest that never
	 * stops sending. */
	bool more = false, rx_more = false;
	for (unsigned round = 0; round < 16; round++) {
		more = process_tx(d);
		flush_host(d);
		rx_more = fill_rx(d);
		if (!more)
			break;
	}
	return more || rx_more;
}

bool vsock_dev_poll(struct vsock_dev *d, bool on)
{
	struct vhost_vq *tx = &d->vq[VSOCK_VQ_TX];
	if (on) {
		tx->polled = true;
		return vhost_vq_has_avail(tx);
	}
	return vhost_vq_poll_end(tx);
}

bool vsock_dev_tx_waiting(struct vsock_dev *d)
{
	return vhost_vq_has_avail(&d->vq[VSOCK_VQ_TX]);
}

int vsock_dev_host_connect(struct vsock_dev *d, int fd, uint32_t guest_port, uint64_t now_ms,
			   uint32_t *ret_host_port)
{
	uint32_t hp = vsock_conn_alloc_port(&d->conns, guest_port);
	struct vsock_conn *c = vsock_conn_new(&d->conns, hp, guest_port, false);
	if (!c)
		return -ENOSPC;
	c->state = VSOCK_CONN_CONNECTING;
	c->fd = fd;
	c->send = VSOCK_SEND_REQUEST;
	c->deadline_ms = now_ms + VSOCK_CONNECT_TIMEOUT_MS;
	*ret_host_port = hp;
	return 0;
}

void vsock_dev_host_ready(struct vsock_dev *d, unsigned index, bool readable, bool writable)
{
	if (index >= VSOCK_CONN_MAX)
		return;
	struct vsock_conn *c = &d->conns.c[index];
	if (c->state == VSOCK_CONN_FREE)
		return;
	if (readable)
		c->host_readable = true;
	if (writable)
		c->host_writable = true;
}

unsigned vsock_dev_notify_due(struct vsock_dev *d, uint64_t now_ms)
{
	unsigned mask = 0;
	if (d->vq_used[VSOCK_VQ_RX]) {
		d->vq_used[VSOCK_VQ_RX] = false;
		if (vhost_vq_notify_check(&d->vq[VSOCK_VQ_RX]))
			mask |= 1u << VSOCK_VQ_RX;
	}
	struct vhost_vq *tx = &d->vq[VSOCK_VQ_TX];
	if (!d->vq_used[VSOCK_VQ_TX])
		return mask;
	if (d->tx_since_ms == UINT64_MAX)
		d->tx_since_ms = now_ms < UINT64_MAX - VSOCK_TX_SIGNAL_ALONE_MS
				     ? now_ms
				     : UINT64_MAX - 1 - VSOCK_TX_SIGNAL_ALONE_MS;
	uint64_t waited = now_ms > d->tx_since_ms ? now_ms - d->tx_since_ms : 0;
	/* A quarter of the ring: a guest whose ring is full always has at
	 * least that much used (or signalled already), so it never waits for
	 * the deadline. */
	bool due = !tx->avail || d->tx_unsignalled >= tx->num / 4u ||
		   waited >= VSOCK_TX_SIGNAL_ALONE_MS ||
		   ((mask & (1u << VSOCK_VQ_RX)) && waited >= VSOCK_TX_SIGNAL_DELAY_MS);
	if (!due)
		return mask;
	d->vq_used[VSOCK_VQ_TX] = false;
	d->tx_unsignalled = 0;
	d->tx_since_ms = UINT64_MAX;
	vhost_vq_publish(tx);
	if (vhost_vq_notify_check(tx))
		mask |= 1u << VSOCK_VQ_TX;
	return mask;
}

void vsock_dev_host_hangup(struct vsock_dev *d, unsigned index)
{
	if (index >= VSOCK_CONN_MAX || d->conns.c[index].state == VSOCK_CONN_FREE)
		return;
	d->conns.c[index].host_hup = true;
	d->conns.c[index].host_readable = true;
}

uint64_t vsock_dev_next_deadline(const struct vsock_dev *d)
{
	uint64_t next =
	    d->tx_since_ms == UINT64_MAX ? UINT64_MAX : d->tx_since_ms + VSOCK_TX_SIGNAL_ALONE_MS;
	if (d->conns.n_used == 0)
		return next;
	for (unsigned i = 0; i < VSOCK_CONN_MAX; i++) {
		const struct vsock_conn *c = &d->conns.c[i];
		if (c->state == VSOCK_CONN_CONNECTING && c->deadline_ms < next)
			next = c->deadline_ms;
	}
	return next;
}

void vsock_dev_expire(struct vsock_dev *d, uint64_t now_ms)
{
	for (unsigned i = 0; i < VSOCK_CONN_MAX && d->conns.n_used > 0; i++) {
		struct vsock_conn *c = &d->conns.c[i];
		if (c->state == VSOCK_CONN_CONNECTING && now_ms >= c->deadline_ms)
			conn_reset(d, c);
	}
}
