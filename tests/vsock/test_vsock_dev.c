/* The vsock device against a fake guest and fake host sockets: connection
 * set-up both ways, resets, shutdown, credit accounting in both directions,
 * bounded buffering, and hostile packets. */
#include "vsock_test_host.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_guest_connect_ok(void **state)
{
	(void)state;
	int fd = guest_connect();
	assert_true(fds[fd].open);
	assert_true(dev->vq_used[VSOCK_VQ_RX]);
	assert_true(dev->vq_used[VSOCK_VQ_TX]);
}

static void test_guest_connect_refused(void **state)
{
	(void)state;
	connect_result = -ECONNREFUSED;
	tg_post_rx(&g, 2, 4096);
	send_op(VIRTIO_VSOCK_OP_REQUEST, 1000, 6999);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6999, 1000);
	assert_null(vsock_conn_find(&dev->conns, 6999, 1000));
	assert_int_equal(dev->conns.n_used, 0);
}

static void test_guest_data_to_host(void **state)
{
	(void)state;
	int fd = guest_connect();
	uint8_t data[3000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, sizeof(data));
	assert_memory_equal(fds[fd].out, data, sizeof(data));
	struct vsock_conn *c = vsock_conn_find(&dev->conns, 6000, 1000);
	assert_int_equal(c->fwd_cnt, sizeof(data));
	expect_nothing(); /* small amounts do not cost a credit update */
}

static void test_credit_update_after_quarter(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t data[VSOCK_MAX_PAYLOAD];
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, sizeof(data));
	struct vsock_hdr u = expect_pkt(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 6000, 1000);
	assert_int_equal(u.fwd_cnt, sizeof(data));
	assert_int_equal(u.buf_alloc, VSOCK_CONN_BUF);
}

static void test_guest_overruns_credit(void **state)
{
	(void)state;
	int fd = guest_connect();
	fds[fd].out_limit = 0; /* the host side reads nothing */
	static uint8_t data[VSOCK_MAX_PAYLOAD];
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	/* Exactly the advertised buffer is accepted and held... */
	for (unsigned i = 0; i < VSOCK_CONN_BUF / sizeof(data); i++)
		tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	struct vsock_conn *c = vsock_conn_find(&dev->conns, 6000, 1000);
	assert_non_null(c);
	assert_int_equal(c->buf_used, VSOCK_CONN_BUF);
	expect_nothing();
	/* ...one byte more is a protocol violation: reset, host side closed. */
	h.len = 1;
	tg_send(&g, &h, data, 1);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	assert_false(fds[fd].open);
	assert_null(vsock_conn_find(&dev->conns, 6000, 1000));
}

static void test_slow_host_reader_drains(void **state)
{
	(void)state;
	int fd = guest_connect();
	fds[fd].out_limit = 1000;
	uint8_t data[5000];
	memset(data, 0x5a, sizeof(data));
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, 1000);
	/* The host reads more; the device finishes once told it is writable. */
	fds[fd].out_limit = sizeof(fds[fd].out);
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, 1000); /* not writable yet: no busy retry */
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), false, true);
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, sizeof(data));
}

static void test_host_data_respects_guest_credit(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t src[100000];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i ^ (i >> 8));
	fds[fd].in = src;
	fds[fd].in_len = sizeof(src);
	/* The guest's REQUEST advertised 256 KiB; shrink it to 10000 bytes. */
	struct vsock_hdr cu = tg_hdr(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 1000, 6000, 0);
	cu.buf_alloc = 10000;
	tg_send(&g, &cu, NULL, 0);
	vsock_dev_run(dev);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	tg_post_rx(&g, 20, 4096);
	vsock_dev_run(dev);
	static uint8_t got[100000];
	size_t total = 0;
	struct vsock_hdr h;
	int n;
	while ((n = tg_recv(&g, &h, got + total, sizeof(got) - total)) >= 0) {
		assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
		assert_int_equal(h.len, (uint32_t)n);
		total += (size_t)n;
	}
	assert_int_equal(total, 10000); /* exactly the credit, not a byte more */
	/* The guest's application consumes 6000 bytes and says so. */
	cu.fwd_cnt = 6000;
	tg_send(&g, &cu, NULL, 0);
	vsock_dev_run(dev);
	while ((n = tg_recv(&g, &h, got + total, sizeof(got) - total)) >= 0)
		total += (size_t)n;
	assert_int_equal(total, 16000);
	assert_memory_equal(got, src, total);
}

static void test_host_eof_sends_shutdown(void **state)
{
	(void)state;
	int fd = guest_connect();
	fds[fd].in_eof = true;
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	vsock_dev_run(dev);
	struct vsock_hdr h = expect_pkt(VIRTIO_VSOCK_OP_SHUTDOWN, 6000, 1000);
	assert_int_equal(h.flags, VIRTIO_VSOCK_SHUTDOWN_SEND);
	assert_true(fds[fd].open); /* the guest may still send */
	/* The guest finishes too: both directions done, connection gone. */
	struct vsock_hdr s = tg_hdr(VIRTIO_VSOCK_OP_SHUTDOWN, 1000, 6000, 0);
	s.flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
	tg_send(&g, &s, NULL, 0);
	vsock_dev_run(dev);
	assert_true(fds[fd].shut_wr || !fds[fd].open);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	assert_false(fds[fd].open);
}

static void test_guest_shutdown_flushes_first(void **state)
{
	(void)state;
	int fd = guest_connect();
	fds[fd].out_limit = 10;
	uint8_t data[100] = {1};
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	struct vsock_hdr s = tg_hdr(VIRTIO_VSOCK_OP_SHUTDOWN, 1000, 6000, 0);
	s.flags = VIRTIO_VSOCK_SHUTDOWN_SEND | VIRTIO_VSOCK_SHUTDOWN_RCV;
	tg_send(&g, &s, NULL, 0);
	vsock_dev_run(dev);
	assert_true(fds[fd].open); /* 90 bytes still owed to the host */
	assert_false(fds[fd].shut_wr);
	expect_nothing();
	fds[fd].out_limit = sizeof(fds[fd].out);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), false, true);
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, 100);
	assert_false(fds[fd].open);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
}

static void test_host_gone_resets(void **state)
{
	(void)state;
	int fd = guest_connect();
	fds[fd].write_error = EPIPE;
	uint8_t data[10] = {0};
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	assert_false(fds[fd].open);
}

static void test_guest_rst_closes(void **state)
{
	(void)state;
	int fd = guest_connect();
	send_op(VIRTIO_VSOCK_OP_RST, 1000, 6000);
	vsock_dev_run(dev);
	assert_false(fds[fd].open);
	expect_nothing(); /* a reset is never answered */
	assert_int_equal(dev->conns.n_used, 0);
}

static void test_host_to_guest_connect(void **state)
{
	(void)state;
	uint32_t hp;
	fds[50].open = true;
	assert_int_equal(vsock_dev_host_connect(dev, 50, 5000, 0, &hp), 0);
	assert_true(hp >= VSOCK_CONN_FIRST_PORT);
	vsock_dev_run(dev); /* no RX buffer yet: nothing can go out */
	tg_post_rx(&g, 2, 4096);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_REQUEST, hp, 5000);
	assert_int_equal(accepts, 0);
	send_op(VIRTIO_VSOCK_OP_RESPONSE, 5000, hp);
	vsock_dev_run(dev);
	assert_int_equal(accepts, 1);
	struct vsock_conn *c = vsock_conn_find(&dev->conns, hp, 5000);
	assert_non_null(c);
	assert_int_equal(c->state, VSOCK_CONN_CONNECTED);
}

static void test_host_to_guest_refused(void **state)
{
	(void)state;
	uint32_t hp = host_connect_pending(5999, 0);
	send_op(VIRTIO_VSOCK_OP_RST, 5999, hp);
	vsock_dev_run(dev);
	assert_false(fds[50].open); /* the client is closed */
	assert_int_equal(accepts, 0);
}

static void test_host_to_guest_timeout(void **state)
{
	(void)state;
	uint32_t hp = host_connect_pending(5000, 1000);
	vsock_dev_expire(dev, 1000 + VSOCK_CONNECT_TIMEOUT_MS - 1);
	assert_true(fds[50].open);
	vsock_dev_expire(dev, 1000 + VSOCK_CONNECT_TIMEOUT_MS);
	assert_false(fds[50].open);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, hp, 5000);
	/* A late RESPONSE finds no connection and is reset. */
	send_op(VIRTIO_VSOCK_OP_RESPONSE, 5000, hp);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, hp, 5000);
}

static void test_out_of_state_packets(void **state)
{
	(void)state;
	tg_post_rx(&g, 8, 4096);
	/* RW, SHUTDOWN, RESPONSE for connections that do not exist: reset. */
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1, 2, 1);
	tg_send(&g, &h, "x", 1);
	send_op(VIRTIO_VSOCK_OP_SHUTDOWN, 3, 4);
	send_op(VIRTIO_VSOCK_OP_RESPONSE, 5, 6);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 2, 1);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 4, 3);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6, 5);
	/* RESPONSE on a guest-initiated connection: violation, reset. */
	int fd = guest_connect();
	send_op(VIRTIO_VSOCK_OP_RESPONSE, 1000, 6000);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	assert_false(fds[fd].open);
	/* A duplicate REQUEST resets the existing connection. */
	fd = guest_connect();
	send_op(VIRTIO_VSOCK_OP_REQUEST, 1000, 6000);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	assert_false(fds[fd].open);
}

static void test_hostile_headers(void **state)
{
	(void)state;
	tg_post_rx(&g, 8, 4096);
	/* Spoofed source CID: silently dropped, nothing connected. */
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_REQUEST, 1, 6000, 0);
	h.src_cid = 99;
	tg_send(&g, &h, NULL, 0);
	/* Payload length beyond the chain: reset, and nothing read past it. */
	h = tg_hdr(VIRTIO_VSOCK_OP_RW, 2, 6000, 5000);
	tg_send(&g, &h, "abc", 3);
	/* Unknown op and seqpacket type: reset. */
	h = tg_hdr(42, 3, 6000, 0);
	tg_send(&g, &h, NULL, 0);
	h = tg_hdr(VIRTIO_VSOCK_OP_REQUEST, 4, 6000, 0);
	h.type = VIRTIO_VSOCK_TYPE_SEQPACKET;
	tg_send(&g, &h, NULL, 0);
	vsock_dev_run(dev);
	assert_int_equal(connects, 0);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 2);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 3);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 4);
	expect_nothing();
	assert_int_equal(dev->stats.dropped, 1);
}

static void test_short_and_split_headers(void **state)
{
	(void)state;
	tg_post_rx(&g, 4, 4096);
	/* A 10-byte "packet": returned unused. */
	uint16_t d = tg_next_desc(&g, VSOCK_VQ_TX);
	tg_set_desc(&g, VSOCK_VQ_TX, d, tg_alloc(&g, 10), 10, 0, 0);
	tg_publish(&g, VSOCK_VQ_TX, d);
	vsock_dev_run(dev);
	uint32_t id, len;
	/* Held back for a batch until its deadline. */
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 0);
	assert_int_equal(vsock_dev_notify_due(dev, 1000), 0);
	assert_int_equal(vsock_dev_next_deadline(dev), 1000 + VSOCK_TX_SIGNAL_ALONE_MS);
	assert_int_equal(vsock_dev_notify_due(dev, 1000 + VSOCK_TX_SIGNAL_ALONE_MS),
			 1u << VSOCK_VQ_TX);
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 1);
	assert_int_equal(id, d);
	assert_int_equal(len, 0);
	assert_int_equal(dev->stats.bad_chains, 1);
	/* A valid REQUEST whose header is split over three descriptors. */
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_REQUEST, 1000, 6000, 0);
	uint8_t raw[VSOCK_HDR_SIZE];
	vsock_hdr_encode(&h, raw);
	uint16_t a = tg_next_desc(&g, 1), b = tg_next_desc(&g, 1), c = tg_next_desc(&g, 1);
	uint64_t pa = tg_alloc(&g, 10), pb = tg_alloc(&g, 30), pc = tg_alloc(&g, 4);
	memcpy(tg_ptr(&g, pa), raw, 10);
	memcpy(tg_ptr(&g, pb), raw + 10, 30);
	memcpy(tg_ptr(&g, pc), raw + 40, 4);
	tg_set_desc(&g, 1, a, pa, 10, VRING_DESC_F_NEXT, b);
	tg_set_desc(&g, 1, b, pb, 30, VRING_DESC_F_NEXT, c);
	tg_set_desc(&g, 1, c, pc, 4, 0, 0);
	tg_publish(&g, 1, a);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RESPONSE, 6000, 1000);
}

static void test_bad_rx_buffers(void **state)
{
	(void)state;
	/* RX chains that are readable, or too small for a header, are handed
	 * back empty and skipped. */
	uint16_t d = tg_next_desc(&g, VSOCK_VQ_RX);
	tg_set_desc(&g, VSOCK_VQ_RX, d, tg_alloc(&g, 100), 100, 0, 0);
	tg_publish(&g, VSOCK_VQ_RX, d);
	uint16_t e = tg_next_desc(&g, VSOCK_VQ_RX);
	tg_set_desc(&g, VSOCK_VQ_RX, e, tg_alloc(&g, 20), 20, VRING_DESC_F_WRITE, 0);
	tg_publish(&g, VSOCK_VQ_RX, e);
	uint16_t f = tg_next_desc(&g, VSOCK_VQ_RX);
	tg_set_desc(&g, VSOCK_VQ_RX, f, UINT64_MAX - 10, 100, VRING_DESC_F_WRITE, 0);
	tg_publish(&g, VSOCK_VQ_RX, f);
	send_op(VIRTIO_VSOCK_OP_RW, 1, 2);
	vsock_dev_run(dev);
	uint32_t id, len;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tg_used(&g, VSOCK_VQ_RX, &id, &len), 1);
		assert_int_equal(len, 0);
	}
	assert_int_equal(dev->conns.rst_n, 1); /* still owed, waiting for a good buffer */
}

static void test_rst_queue_bounded(void **state)
{
	(void)state;
	/* No RX buffers at all while the guest floods unknown connections. */
	for (unsigned round = 0; round < 8; round++) {
		for (uint32_t i = 0; i < 200; i++) {
			struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, i, 7, 0);
			tg_send(&g, &h, NULL, 0);
		}
		vsock_dev_run(dev);
	}
	assert_int_equal(dev->conns.rst_n, VSOCK_RST_QUEUE);
}

static void test_table_full(void **state)
{
	(void)state;
	tg_post_rx(&g, 120, 64);
	for (uint32_t i = 0; i < VSOCK_CONN_MAX + 3; i++) {
		send_op(VIRTIO_VSOCK_OP_REQUEST, 10000 + i, 6000);
		if (i % 100 == 99) {
			vsock_dev_run(dev);
			struct vsock_hdr h;
			while (tg_recv(&g, &h, NULL, 0) >= 0)
				;
			tg_post_rx(&g, 100, 64);
		}
	}
	vsock_dev_run(dev);
	/* The guest's own connections stop short of the table's end... */
	assert_int_equal(dev->conns.n_used, VSOCK_CONN_GUEST_MAX);
	struct vsock_hdr h;
	unsigned rst = 0;
	while (tg_recv(&g, &h, NULL, 0) >= 0)
		rst += h.op == VIRTIO_VSOCK_OP_RST;
	assert_int_equal(rst, VSOCK_CONN_MAX + 3 - VSOCK_CONN_GUEST_MAX);
	/* ...so that a guest holding all it may open cannot lock host clients
	 * out (appvmctl's control connection among them). */
	uint32_t hp;
	for (int fd = 60; fd < 60 + VSOCK_CONN_MAX - VSOCK_CONN_GUEST_MAX; fd++) {
		fds[fd].open = true;
		assert_int_equal(vsock_dev_host_connect(dev, fd, 1, 0, &hp), 0);
	}
	assert_int_equal(dev->conns.n_used, VSOCK_CONN_MAX);
	assert_int_equal(vsock_dev_host_connect(dev, 50, 1, 0, &hp), -ENOSPC);
	/* A connection the guest closes makes room for one of its own again. */
	send_op(VIRTIO_VSOCK_OP_RST, 10000, 6000);
	tg_post_rx(&g, 40, 64);
	vsock_dev_run(dev);
	assert_int_equal(dev->conns.n_used, VSOCK_CONN_MAX - 1);
	while (tg_recv(&g, &h, NULL, 0) >= 0)
		assert_int_equal(h.op, VIRTIO_VSOCK_OP_REQUEST); /* the host clients' */
	tg_post_rx(&g, 4, 64);
	send_op(VIRTIO_VSOCK_OP_REQUEST, 10000, 6000);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RESPONSE, 6000, 10000);
	assert_int_equal(dev->conns.n_used, VSOCK_CONN_MAX);
}

static void test_reset_conns(void **state)
{
	(void)state;
	int fd = guest_connect();
	uint32_t hp;
	fds[50].open = true;
	assert_int_equal(vsock_dev_host_connect(dev, 50, 5000, 0, &hp), 0);
	vsock_dev_reset_conns(dev);
	assert_false(fds[fd].open);
	assert_false(fds[50].open);
	assert_int_equal(dev->conns.n_used, 0);
}

/* Checks the device counted one more error of this kind, and why. */
static void test_credit_wraps(void **state)
{
	(void)state;
	struct vsock_conn c = {0};
	c.peer_buf_alloc = 1000;
	c.tx_cnt = 5;		      /* wrapped past 2^32 */
	c.peer_fwd_cnt = 0xfffffff0u; /* 21 bytes in flight */
	assert_int_equal(vsock_conn_peer_credit(&c), 979);
	c.peer_fwd_cnt = 100; /* claims more consumed than sent */
	assert_int_equal(vsock_conn_peer_credit(&c), 0);
	c.peer_fwd_cnt = 5;
	c.peer_buf_alloc = 0;
	assert_int_equal(vsock_conn_peer_credit(&c), 0);
}

static void test_ring_buffer_wraps(void **state)
{
	(void)state;
	struct vsock_conns *t = &dev->conns;
	struct vsock_conn *c = vsock_conn_new(t, 1, 2, false);
	assert_non_null(c);
	assert_null(c->buf); /* no buffer until data arrives */
	assert_int_equal(vsock_conn_buf_alloc(t, c), 0);
	uint8_t *p;
	for (unsigned round = 0; round < 10; round++) {
		uint32_t want = VSOCK_CONN_BUF / 3;
		uint32_t done = 0;
		while (done < want) {
			uint32_t room = vsock_conn_buf_space(c, &p);
			assert_true(room > 0);
			uint32_t n = room < want - done ? room : want - done;
			memset(p, (int)round, n);
			vsock_conn_buf_commit(c, n);
			done += n;
		}
		while (c->buf_used > 0) {
			struct iovec iov[2];
			int k = vsock_conn_buf_iov(c, iov);
			assert_true(k == 1 || k == 2);
			size_t n = iov[0].iov_len + (k == 2 ? iov[1].iov_len : 0);
			assert_int_equal(n, c->buf_used);
			for (int i = 0; i < k; i++)
				assert_int_equal(((uint8_t *)iov[i].iov_base)[0], round);
			vsock_conn_buf_consume(c,
					       (uint32_t)iov[0].iov_len); /* one piece at a time */
		}
	}
	assert_int_equal(c->fwd_cnt, 10 * (VSOCK_CONN_BUF / 3));
	/* The buffer is kept for the next connection, up to a bound. */
	uint8_t *buf = c->buf;
	vsock_conn_release(t, c);
	assert_int_equal(t->n_spare, 1);
	c = vsock_conn_new(t, 3, 4, true);
	assert_int_equal(vsock_conn_buf_alloc(t, c), 0);
	assert_ptr_equal(c->buf, buf);
	assert_int_equal(t->n_spare, 0);
	vsock_conn_release(t, c);
	struct vsock_conn *many[VSOCK_CONN_SPARE + 2];
	for (unsigned i = 0; i < VSOCK_CONN_SPARE + 2; i++) {
		many[i] = vsock_conn_new(t, 10 + i, 4, true);
		assert_int_equal(vsock_conn_buf_alloc(t, many[i]), 0);
	}
	for (unsigned i = 0; i < VSOCK_CONN_SPARE + 2; i++)
		vsock_conn_release(t, many[i]);
	assert_int_equal(t->n_spare, VSOCK_CONN_SPARE);
	assert_int_equal(t->n_guest, 0); /* released entries leave the guest's count */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_guest_connect_ok),
	    T(test_guest_connect_refused),
	    T(test_guest_data_to_host),
	    T(test_credit_update_after_quarter),
	    T(test_guest_overruns_credit),
	    T(test_slow_host_reader_drains),
	    T(test_host_data_respects_guest_credit),
	    T(test_host_eof_sends_shutdown),
	    T(test_guest_shutdown_flushes_first),
	    T(test_host_gone_resets),
	    T(test_guest_rst_closes),
	    T(test_host_to_guest_connect),
	    T(test_host_to_guest_refused),
	    T(test_host_to_guest_timeout),
	    T(test_out_of_state_packets),
	    T(test_hostile_headers),
	    T(test_short_and_split_headers),
	    T(test_bad_rx_buffers),
	    T(test_rst_queue_bounded),
	    T(test_table_full),
	    T(test_reset_conns),
	    T(test_credit_wraps),
	    T(test_ring_buffer_wraps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
