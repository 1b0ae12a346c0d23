/* The device's fast path: kicks and interrupts asked for and given only
 * when needed (flags, and VIRTIO_RING_F_EVENT_IDX), used TX chains returned
 * in batches, payloads moved between guest buffers and host sockets without
 * a copy, the host socket's writability watched only while data waits,
 * credit held to what the guest was told, and no kicks asked for while the
 * device polls. */
#include "vsock_test_host.h"

#include <endian.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return le16toh(v);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

/* The fields after each ring, and the flags before them. */
static uint8_t *avail_ring(unsigned q)
{
	return tg_ptr(&g, tg_avail_gpa(q));
}

static uint8_t *used_ring(unsigned q)
{
	return tg_ptr(&g, tg_used_gpa(q));
}

static uint16_t avail_event(unsigned q)
{
	return get16(used_ring(q) + 4 + 8 * g.num);
}

static void set_used_event(unsigned q, uint16_t v)
{
	put16(avail_ring(q) + 4 + 2 * g.num, v);
}

/* Posts n header-only packets on TX. */
static void post_tx(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		send_op(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 1000 + i, 6000);
}

/* A guest connection with no receive buffer left over. Returns the host fd. */
static int connect_no_spare(void)
{
	tg_post_rx(&g, 1, 4096);
	send_op(VIRTIO_VSOCK_OP_REQUEST, 1000, 6000);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RESPONSE, 6000, 1000);
	return vsock_conn_find(&dev->conns, 6000, 1000)->fd;
}

static void test_kicks_off_while_taking(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev->vq[VSOCK_VQ_TX];
	struct vhost_chain ch;
	post_tx(2);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 1);
	/* The device will look again anyway: no kicks meanwhile. */
	assert_int_equal(get16(used_ring(VSOCK_VQ_TX)), VRING_USED_F_NO_NOTIFY);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 1);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 0);
	/* Found empty: the next buffer must be kicked. */
	assert_int_equal(get16(used_ring(VSOCK_VQ_TX)), 0);
	/* A guest that clears the flag itself only costs itself kicks. */
	post_tx(1);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 1);
	put16(used_ring(VSOCK_VQ_TX), 0);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 0);
	assert_int_equal(get16(used_ring(VSOCK_VQ_TX)), 0);
}

static void test_kicks_event_idx(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev->vq[VSOCK_VQ_TX];
	struct vhost_chain ch;
	put16(used_ring(VSOCK_VQ_TX) + 4 + 8 * g.num, 77); /* whatever was there */
	vhost_vq_start(vq, true);
	assert_int_equal(avail_event(VSOCK_VQ_TX), 0); /* kick at the first buffer */
	post_tx(3);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 1);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 1);
	/* Left behind while taking: a guest adding now sees no need to kick. */
	assert_int_equal(avail_event(VSOCK_VQ_TX), 0);
	assert_int_equal(get16(used_ring(VSOCK_VQ_TX)), 0); /* the flag is not used */
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 1);
	assert_int_equal(vhost_vq_pop(vq, &dev->mem, &ch), 0);
	assert_int_equal(avail_event(VSOCK_VQ_TX), 3);
}

/* Would a guest that moved its available index from old to new kick
 * (virtio 1.2, 2.7.10: vring_need_event)? */
static bool guest_kicks(uint16_t old, uint16_t new)
{
	return (uint16_t)(new - avail_event(VSOCK_VQ_TX) - 1) < (uint16_t)(new - old);
}

static void test_no_kicks_while_polling_event_idx(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev->vq[VSOCK_VQ_TX];
	vhost_vq_start(vq, true);
	assert_false(vsock_dev_poll(dev, true));
	post_tx(2);
	assert_true(vsock_dev_tx_waiting(dev));
	vsock_dev_run(dev);
	assert_false(vsock_dev_tx_waiting(dev));
	/* Found empty while polled: the next buffers are not kicked. */
	assert_false(guest_kicks(2, 3));
	assert_false(guest_kicks(2, 5));
	post_tx(1);
	assert_true(vsock_dev_tx_waiting(dev));
	vsock_dev_run(dev);
	assert_false(guest_kicks(3, 4));
	/* Polling ends with nothing waiting: the next buffer kicks again. */
	assert_false(vsock_dev_poll(dev, false));
	assert_true(guest_kicks(3, 4));
	/* A buffer added while the device polled, before it asked for kicks
	 * again, is seen: the device does not sleep on it. */
	assert_false(vsock_dev_poll(dev, true));
	vsock_dev_run(dev);
	post_tx(1);
	assert_true(vsock_dev_poll(dev, false));
	vsock_dev_run(dev);
	assert_true(guest_kicks(4, 5));
	assert_int_equal(dev->stats.pkts_in, 4);
}

static void test_no_kicks_while_polling_flags(void **state)
{
	(void)state;
	uint8_t *flags = used_ring(VSOCK_VQ_TX);
	assert_false(vsock_dev_poll(dev, true));
	post_tx(1);
	vsock_dev_run(dev);
	assert_int_equal(get16(flags), VRING_USED_F_NO_NOTIFY);
	post_tx(1);
	vsock_dev_run(dev);
	assert_int_equal(get16(flags), VRING_USED_F_NO_NOTIFY);
	assert_int_equal(dev->stats.pkts_in, 2);
	assert_false(vsock_dev_poll(dev, false));
	assert_int_equal(get16(flags), 0);
	/* A stopped queue is not looked at. */
	vhost_vq_reset(&dev->vq[VSOCK_VQ_TX]);
	assert_false(vsock_dev_poll(dev, true));
	assert_false(vsock_dev_tx_waiting(dev));
	assert_false(vsock_dev_poll(dev, false));
}

static void test_interrupts_event_idx(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev->vq[VSOCK_VQ_RX];
	vhost_vq_start(vq, true);
	/* The flag means nothing with event_idx. */
	put16(avail_ring(VSOCK_VQ_RX), VRING_AVAIL_F_NO_INTERRUPT);
	vhost_vq_push(vq, 0, 44);
	assert_true(vhost_vq_notify_check(vq)); /* first decision: always */
	set_used_event(VSOCK_VQ_RX, 1);		/* the guest saw entry 0, wants the next */
	vhost_vq_push(vq, 1, 44);
	assert_true(vhost_vq_notify_check(vq));
	/* Not yet seen by the guest: one interrupt is enough for both. */
	vhost_vq_push(vq, 2, 44);
	assert_false(vhost_vq_notify_check(vq));
	/* Two at once that pass used_event: one interrupt. */
	set_used_event(VSOCK_VQ_RX, 3);
	vhost_vq_push(vq, 3, 44);
	vhost_vq_push(vq, 4, 44);
	assert_true(vhost_vq_notify_check(vq));
	/* used_event far ahead (the guest polls): none. */
	set_used_event(VSOCK_VQ_RX, 100);
	vhost_vq_push(vq, 5, 44);
	assert_false(vhost_vq_notify_check(vq));
	/* Wrapping indices. */
	vq->used_idx = vq->used_pub = 65534;
	vq->signalled_used = 65534;
	set_used_event(VSOCK_VQ_RX, 65535);
	vhost_vq_push(vq, 6, 44);
	vhost_vq_push(vq, 7, 44);
	assert_true(vhost_vq_notify_check(vq));
}

static void test_tx_returned_at_deadline(void **state)
{
	(void)state;
	post_tx(1); /* no connection: answered with a reset */
	tg_post_rx(&g, 4, 4096);
	vsock_dev_run(dev);
	uint32_t id, len;
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 0);
	assert_int_equal(vsock_dev_notify_due(dev, 500), 1u << VSOCK_VQ_RX);
	assert_int_equal(vsock_dev_next_deadline(dev), 500 + VSOCK_TX_SIGNAL_ALONE_MS);
	/* Waited long enough to go with an RX interrupt, but there is none. */
	assert_int_equal(vsock_dev_notify_due(dev, 500 + VSOCK_TX_SIGNAL_DELAY_MS), 0);
	assert_int_equal(vsock_dev_notify_due(dev, 500 + VSOCK_TX_SIGNAL_ALONE_MS - 1), 0);
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 0);
	assert_int_equal(vsock_dev_notify_due(dev, 500 + VSOCK_TX_SIGNAL_ALONE_MS),
			 1u << VSOCK_VQ_TX);
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 1);
	assert_int_equal(vsock_dev_next_deadline(dev), UINT64_MAX); /* idle again */
	assert_int_equal(vsock_dev_notify_due(dev, 600), 0);
}

/* Held-back TX chains that waited VSOCK_TX_SIGNAL_DELAY_MS go with the next
 * RX interrupt, not before. */
static void test_tx_returned_with_rx(void **state)
{
	(void)state;
	tg_post_rx(&g, 8, 4096);
	post_tx(1); /* each answered with a reset: an RX interrupt */
	vsock_dev_run(dev);
	assert_int_equal(vsock_dev_notify_due(dev, 500), 1u << VSOCK_VQ_RX);
	post_tx(1);
	vsock_dev_run(dev);
	/* Too early: RX alone. */
	assert_int_equal(vsock_dev_notify_due(dev, 500 + VSOCK_TX_SIGNAL_DELAY_MS - 1),
			 1u << VSOCK_VQ_RX);
	uint32_t id, len;
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 0);
	post_tx(1);
	vsock_dev_run(dev);
	assert_int_equal(vsock_dev_notify_due(dev, 500 + VSOCK_TX_SIGNAL_DELAY_MS),
			 (1u << VSOCK_VQ_RX) | (1u << VSOCK_VQ_TX));
	unsigned returned = 0;
	while (tg_used(&g, VSOCK_VQ_TX, &id, &len))
		returned++;
	assert_int_equal(returned, 3);
	assert_int_equal(vsock_dev_next_deadline(dev), UINT64_MAX);
}

static void test_tx_returned_when_quarter_waits(void **state)
{
	(void)state;
	tg_post_rx(&g, 200, 64);
	/* Header-only packets take one descriptor each: a quarter of the
	 * 256-entry ring is 64 of them. */
	post_tx(63);
	vsock_dev_run(dev);
	assert_int_equal(vsock_dev_notify_due(dev, 0) & (1u << VSOCK_VQ_TX), 0);
	post_tx(1);
	vsock_dev_run(dev);
	assert_int_equal(vsock_dev_notify_due(dev, 0) & (1u << VSOCK_VQ_TX), 1u << VSOCK_VQ_TX);
	unsigned returned = 0;
	uint32_t id, len;
	while (tg_used(&g, VSOCK_VQ_TX, &id, &len))
		returned++;
	assert_int_equal(returned, 64);
}

static void test_tx_return_honours_event_idx(void **state)
{
	(void)state;
	vhost_vq_start(&dev->vq[VSOCK_VQ_TX], true);
	tg_post_rx(&g, 4, 4096);
	post_tx(1);
	vsock_dev_run(dev);
	vsock_dev_notify_due(dev, 0);
	assert_int_equal(vsock_dev_notify_due(dev, 10) & 2u, 2u);
	uint32_t id, len;
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 1);
	set_used_event(VSOCK_VQ_TX, 200); /* the guest does not want to hear */
	post_tx(1);
	vsock_dev_run(dev);
	vsock_dev_notify_due(dev, 100);
	/* Returned (the guest may look), but not signalled. */
	assert_int_equal(vsock_dev_notify_due(dev, 100 + VSOCK_TX_SIGNAL_ALONE_MS) & 2u, 0);
	assert_int_equal(tg_used(&g, VSOCK_VQ_TX, &id, &len), 1);
}

static void test_direct_write_large(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t data[8192];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	writes = 0;
	vsock_dev_run(dev);
	assert_int_equal(writes, 1);
	assert_int_equal(fds[fd].out_len, sizeof(data));
	assert_memory_equal(fds[fd].out, data, sizeof(data));
	/* Straight from the guest's buffer: no buffer was ever needed. */
	struct vsock_conn *c = vsock_conn_find(&dev->conns, 6000, 1000);
	assert_null(c->buf);
	assert_int_equal(c->fwd_cnt, sizeof(data));
}

static void test_small_writes_batched(void **state)
{
	(void)state;
	int fd = guest_connect();
	uint8_t data[100];
	for (unsigned i = 0; i < 10; i++) {
		memset(data, (int)i, sizeof(data));
		struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
		tg_send(&g, &h, data, sizeof(data));
	}
	writes = 0;
	vsock_dev_run(dev);
	assert_int_equal(writes, 1); /* ten packets, one system call */
	assert_int_equal(fds[fd].out_len, 1000);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(fds[fd].out[i * 100 + 99], i);
	/* In order behind buffered data: a large packet while bytes wait. */
	fds[fd].out_limit = fds[fd].out_len + 50;
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	memset(data, 0xaa, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	static uint8_t big[8192];
	memset(big, 0xbb, sizeof(big));
	h.len = sizeof(big);
	tg_send(&g, &h, big, sizeof(big));
	vsock_dev_run(dev);
	fds[fd].out_limit = sizeof(fds[fd].out);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), false, true);
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, 1000 + 100 + sizeof(big));
	assert_int_equal(fds[fd].out[1099], 0xaa);
	assert_int_equal(fds[fd].out[1100], 0xbb);
}

static void test_write_watched_only_while_blocked(void **state)
{
	(void)state;
	int fd = guest_connect();
	assert_int_equal(watch_changes, 0);
	fds[fd].out_limit = 1000;
	static uint8_t data[8192];
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, 1000);
	assert_true(fds[fd].write_watched);
	assert_int_equal(watch_changes, 1);
	/* Room again, and the device is told: drained, watch off. */
	fds[fd].out_limit = sizeof(fds[fd].out);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), false, true);
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, sizeof(data));
	assert_false(fds[fd].write_watched);
	assert_int_equal(watch_changes, 2);
	/* Data that fits changes nothing. */
	tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	assert_int_equal(watch_changes, 2);
}

static void test_host_data_read_into_guest(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t src[100];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i + 1);
	fds[fd].in = src;
	fds[fd].in_len = 60;
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	tg_post_rx(&g, 4, 4096);
	reads = 0;
	vsock_dev_run(dev);
	/* 60 bytes where 4052 fit: the socket is empty, no second read. */
	assert_int_equal(reads, 1);
	uint8_t got[100];
	struct vsock_hdr h;
	assert_int_equal(tg_recv(&g, &h, got, sizeof(got)), 60);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_memory_equal(got, src, 60);
	/* More arrives: read only once the host says so (edge-triggered). */
	fds[fd].in_len = sizeof(src);
	vsock_dev_run(dev);
	assert_int_equal(reads, 1);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	vsock_dev_run(dev);
	assert_int_equal(reads, 2);
	assert_int_equal(tg_recv(&g, &h, got, sizeof(got)), 40);
	assert_memory_equal(got, src + 60, 40);
}

/* The host client writes its last bytes and shuts down before the device
 * reads: one event for both. The end of file behind the data must still be
 * seen, though the data came in a short read. */
static void test_end_of_file_behind_data(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t src[29] = "SUM 8388608 b19d5e1e1237594a\n";
	fds[fd].in = src;
	fds[fd].in_len = sizeof(src);
	fds[fd].in_eof = true;
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	vsock_dev_host_hangup(dev, (unsigned)(fd - 100));
	tg_post_rx(&g, 4, 4096);
	vsock_dev_run(dev);
	uint8_t got[64];
	struct vsock_hdr h;
	assert_int_equal(tg_recv(&g, &h, got, sizeof(got)), sizeof(src));
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	h = expect_pkt(VIRTIO_VSOCK_OP_SHUTDOWN, 6000, 1000);
	assert_int_equal(h.flags, VIRTIO_VSOCK_SHUTDOWN_SEND);
	/* Without the hang-up reported, the short read ends the reading; the
	 * hang-up's own event resumes it. */
	int fd2 = 101;
	tg_post_rx(&g, 1, 4096);
	send_op(VIRTIO_VSOCK_OP_REQUEST, 1001, 6000);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RESPONSE, 6000, 1001);
	assert_true(fds[fd2].open);
	fds[fd2].in = src;
	fds[fd2].in_len = sizeof(src);
	fds[fd2].in_eof = true;
	vsock_dev_host_ready(dev, (unsigned)(fd2 - 100), true, false);
	vsock_dev_run(dev);
	assert_int_equal(tg_recv(&g, &h, got, sizeof(got)), sizeof(src));
	expect_nothing();
	vsock_dev_host_hangup(dev, (unsigned)(fd2 - 100));
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_SHUTDOWN, 6000, 1001);
}

static void test_host_data_split_buffers(void **state)
{
	(void)state;
	int fd = connect_no_spare();
	static uint8_t src[3000];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 13);
	fds[fd].in = src;
	fds[fd].in_len = sizeof(src);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	/* A receive buffer in three pieces, the header split across two. */
	uint16_t a = tg_next_desc(&g, 0), b = tg_next_desc(&g, 0), c = tg_next_desc(&g, 0);
	uint64_t pa = tg_alloc(&g, 30), pb = tg_alloc(&g, 1000), pc = tg_alloc(&g, 4000);
	tg_set_desc(&g, 0, a, pa, 30, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, b);
	tg_set_desc(&g, 0, b, pb, 1000, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, c);
	tg_set_desc(&g, 0, c, pc, 4000, VRING_DESC_F_WRITE, 0);
	tg_publish(&g, 0, a);
	vsock_dev_run(dev);
	uint32_t id, len;
	assert_int_equal(tg_used(&g, 0, &id, &len), 1);
	assert_int_equal(id, a);
	assert_int_equal(len, VSOCK_HDR_SIZE + sizeof(src));
	uint8_t raw[VSOCK_HDR_SIZE];
	memcpy(raw, tg_ptr(&g, pa), 30);
	memcpy(raw + 30, tg_ptr(&g, pb), VSOCK_HDR_SIZE - 30);
	struct vsock_hdr h;
	vsock_hdr_decode(raw, &h);
	assert_int_equal(h.len, sizeof(src));
	size_t first = 1000 - (VSOCK_HDR_SIZE - 30);
	assert_memory_equal(tg_ptr(&g, pb) + (VSOCK_HDR_SIZE - 30), src, first);
	assert_memory_equal(tg_ptr(&g, pc), src + first, sizeof(src) - first);
}

/* Credit is what the guest was told: bytes passed on since do not count
 * until a header carried the new fwd_cnt. */
static void test_credit_is_what_guest_was_told(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t data[VSOCK_MAX_PAYLOAD];
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	for (unsigned i = 0; i < VSOCK_CONN_BUF / sizeof(data); i++)
		tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, VSOCK_CONN_BUF); /* all passed on */
	/* The device told the guest (one update for the whole batch). */
	struct vsock_hdr u = expect_pkt(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 6000, 1000);
	assert_int_equal(u.fwd_cnt, VSOCK_CONN_BUF);
	expect_nothing();
	/* So the guest may send as much again. */
	for (unsigned i = 0; i < VSOCK_CONN_BUF / sizeof(data); i++)
		tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	assert_int_equal(fds[fd].out_len, 2 * VSOCK_CONN_BUF);
	expect_pkt(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 6000, 1000);
	/* A batch beyond what it was told, though the host took everything
	 * before the last byte arrived: a violation. */
	for (unsigned i = 0; i < VSOCK_CONN_BUF / sizeof(data); i++)
		tg_send(&g, &h, data, sizeof(data));
	h.len = 1;
	tg_send(&g, &h, data, 1);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	assert_false(fds[fd].open);
	assert_int_equal(dev->stats.violations, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_kicks_off_while_taking),
	    T(test_kicks_event_idx),
	    T(test_interrupts_event_idx),
	    T(test_tx_returned_at_deadline),
	    T(test_tx_returned_with_rx),
	    T(test_tx_returned_when_quarter_waits),
	    T(test_tx_return_honours_event_idx),
	    T(test_direct_write_large),
	    T(test_small_writes_batched),
	    T(test_write_watched_only_while_blocked),
	    T(test_host_data_read_into_guest),
	    T(test_end_of_file_behind_data),
	    T(test_host_data_split_buffers),
	    T(test_credit_is_what_guest_was_told),
	    T(test_no_kicks_while_polling_event_idx),
	    T(test_no_kicks_while_polling_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
