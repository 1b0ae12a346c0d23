#include "vsock_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vsock_conns_init(struct vsock_conns *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < VSOCK_CONN_MAX; i++)
		t->c[i].fd = -1;
	t->next_port = VSOCK_CONN_FIRST_PORT;
}

struct vsock_conn *vsock_conn_find(struct vsock_conns *t, uint32_t host_port, uint32_t guest_port)
{
	if (t->n_used == 0)
		return NULL;
	for (unsigned i = 0; i < VSOCK_CONN_MAX; i++) {
		struct vsock_conn *c = &t->c[i];
		if (c->state != VSOCK_CONN_FREE && c->host_port == host_port &&
		    c->guest_port == guest_port)
			return c;
	}
	return NULL;
}

struct vsock_conn *vsock_conn_new(struct vsock_conns *t, uint32_t host_port, uint32_t guest_port,
				  bool by_guest)
{
	if (by_guest && t->n_guest >= VSOCK_CONN_GUEST_MAX)
		return NULL;
	for (unsigned i = 0; i < VSOCK_CONN_MAX; i++) {
		struct vsock_conn *c = &t->c[i];
		if (c->state != VSOCK_CONN_FREE)
			continue;
		memset(c, 0, sizeof(*c));
		c->state = VSOCK_CONN_CONNECTED;
		c->host_port = host_port;
		c->guest_port = guest_port;
		c->fd = -1;
		c->by_guest = by_guest;
		t->n_used++;
		t->n_guest += by_guest;
		return c;
	}
	return NULL;
}

int vsock_conn_buf_alloc(struct vsock_conns *t, struct vsock_conn *c)
{
	if (c->buf)
		return 0;
	/* Old contents do not matter: only bytes written since are read. */
	c->buf = t->n_spare > 0 ? t->spare[--t->n_spare] : malloc(VSOCK_CONN_BUF);
	return c->buf ? 0 : -ENOMEM;
}

void vsock_conns_free(struct vsock_conns *t)
{
	while (t->n_spare > 0)
		free(t->spare[--t->n_spare]);
}

void vsock_conn_release(struct vsock_conns *t, struct vsock_conn *c)
{
	if (c->state == VSOCK_CONN_FREE)
		return;
	if (c->buf && t->n_spare < VSOCK_CONN_SPARE)
		t->spare[t->n_spare++] = c->buf;
	else
		free(c->buf);
	t->n_guest -= c->by_guest;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	t->n_used--;
}

unsigned vsock_conn_index(const struct vsock_conns *t, const struct vsock_conn *c)
{
	return (unsigned)(c - t->c);
}

uint32_t vsock_conn_alloc_port(struct vsock_conns *t, uint32_t guest_port)
{
	/* At most VSOCK_CONN_MAX ports can be taken, so this ends quickly. */
	for (;;) {
		uint32_t p = t->next_port++;
		if (t->next_port < VSOCK_CONN_FIRST_PORT)
			t->next_port = VSOCK_CONN_FIRST_PORT;
		if (!vsock_conn_find(t, p, guest_port))
			return p;
	}
}

uint32_t vsock_conn_peer_credit(const struct vsock_conn *c)
{
	/* Unsigned arithmetic handles the counters wrapping; a guest that
	 * reports more consumed than we sent gets no extra credit for it. */
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;
	if (in_flight > c->peer_buf_alloc)
		return 0;
	return c->peer_buf_alloc - in_flight;
}

int vsock_conn_receive(struct vsock_conn *c, uint32_t len)
{
	/* rcv_cnt - fwd_cnt_sent never exceeds the buffer: no overflow. */
	if ((uint64_t)(uint32_t)(c->rcv_cnt - c->fwd_cnt_sent) + len > VSOCK_CONN_BUF)
		return -ENOBUFS;
	c->rcv_cnt += len;
	return 0;
}

uint32_t vsock_conn_buf_space(struct vsock_conn *c, uint8_t **ret_ptr)
{
	uint32_t tail = (c->buf_head + c->buf_used) & (VSOCK_CONN_BUF - 1);
	uint32_t free_total = VSOCK_CONN_BUF - c->buf_used;
	uint32_t to_end = VSOCK_CONN_BUF - tail;
	*ret_ptr = c->buf + tail;
	return free_total < to_end ? free_total : to_end;
}

void vsock_conn_buf_commit(struct vsock_conn *c, uint32_t n)
{
	c->buf_used += n;
}

int vsock_conn_buf_iov(struct vsock_conn *c, struct iovec ret_iov[2])
{
	if (c->buf_used == 0)
		return 0;
	uint32_t to_end = VSOCK_CONN_BUF - c->buf_head;
	uint32_t first = c->buf_used < to_end ? c->buf_used : to_end;
	ret_iov[0] = (struct iovec){c->buf + c->buf_head, first};
	if (first == c->buf_used)
		return 1;
	ret_iov[1] = (struct iovec){c->buf, c->buf_used - first};
	return 2;
}

void vsock_conn_buf_consume(struct vsock_conn *c, uint32_t n)
{
	c->buf_head = (c->buf_head + n) & (VSOCK_CONN_BUF - 1);
	c->buf_used -= n;
	vsock_conn_forwarded(c, n);
}

void vsock_conn_forwarded(struct vsock_conn *c, uint32_t n)
{
	c->fwd_cnt += n;
	/* The guest stalls when it believes our buffer is full. A guest can
	 * only believe that while at least the buffer's size is unreported or
	 * buffered, so an update per quarter of the buffer freed always
	 * unblocks it, without a packet per small write. */
	uint32_t unreported = c->fwd_cnt - c->fwd_cnt_sent;
	if (unreported >= VSOCK_CONN_BUF / 4)
		c->send |= VSOCK_SEND_CREDIT_UPDATE;
}

int vsock_rst_push(struct vsock_conns *t, uint32_t host_port, uint32_t guest_port)
{
	if (t->rst_n >= VSOCK_RST_QUEUE)
		return -ENOBUFS;
	unsigned i = (t->rst_head + t->rst_n) % VSOCK_RST_QUEUE;
	t->rst[i] = (struct vsock_rst){host_port, guest_port};
	t->rst_n++;
	return 0;
}

bool vsock_rst_pop(struct vsock_conns *t, struct vsock_rst *ret_rst)
{
	if (t->rst_n == 0)
		return false;
	*ret_rst = t->rst[t->rst_head];
	t->rst_head = (t->rst_head + 1) % VSOCK_RST_QUEUE;
	t->rst_n--;
	return true;
}
