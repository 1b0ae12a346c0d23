/* The device against a guest that breaks its rules: each connection-state
 * and credit rule tripped once, the error named for the log, and an idle
 * device that says it is idle (whatever state the guest left it in). */
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

static void expect_error(uint64_t before, const char *where, const char *what)
{
	assert_int_equal(vsock_dev_guest_errors(dev), before + 1);
	assert_string_equal(dev->error_where, where);
	assert_string_equal(dev->error_what, what);
}

static void test_data_before_response(void **state)
{
	(void)state;
	uint32_t hp = host_connect_pending(5000, 0);
	uint64_t before = vsock_dev_guest_errors(dev);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 5000, hp, 3);
	tg_send(&g, &h, "abc", 3);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, hp, 5000);
	assert_false(fds[50].open); /* the host client learns at once */
	assert_int_equal(accepts, 0);
	expect_error(before, "connection", "data before the connection was established");
}

static void test_shutdown_before_response(void **state)
{
	(void)state;
	uint32_t hp = host_connect_pending(5000, 0);
	uint64_t before = vsock_dev_guest_errors(dev);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_SHUTDOWN, 5000, hp, 0);
	h.flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
	tg_send(&g, &h, NULL, 0);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, hp, 5000);
	assert_false(fds[50].open);
	expect_error(before, "connection", "SHUTDOWN before the connection was established");
}

static void test_data_after_shutdown(void **state)
{
	(void)state;
	int fd = guest_connect();
	struct vsock_hdr s = tg_hdr(VIRTIO_VSOCK_OP_SHUTDOWN, 1000, 6000, 0);
	s.flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
	tg_send(&g, &s, NULL, 0);
	vsock_dev_run(dev);
	assert_true(fds[fd].shut_wr);
	uint64_t before = vsock_dev_guest_errors(dev);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, 2);
	tg_send(&g, &h, "hi", 2);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	assert_false(fds[fd].open);
	assert_int_equal(fds[fd].out_len, 0); /* not a byte of it reached the host */
	expect_error(before, "connection", "data after the guest's SHUTDOWN");
}

static void test_credit_violation_counted(void **state)
{
	(void)state;
	int fd = guest_connect();
	fds[fd].out_limit = 0;
	static uint8_t data[VSOCK_MAX_PAYLOAD];
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 1000, 6000, sizeof(data));
	for (unsigned i = 0; i < VSOCK_CONN_BUF / sizeof(data); i++)
		tg_send(&g, &h, data, sizeof(data));
	vsock_dev_run(dev);
	uint64_t before = vsock_dev_guest_errors(dev);
	h.len = 1;
	tg_send(&g, &h, data, 1);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_RST, 6000, 1000);
	expect_error(before, "connection", "data beyond the credit the host gave");
}

/* A guest that claims to have consumed more than it was sent, or advertises
 * no buffer, gets nothing: host data is bounded by what it really has room for. */
static void test_guest_lies_about_credit(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t src[100000];
	memset(src, 'x', sizeof(src));
	fds[fd].in = src;
	fds[fd].in_len = sizeof(src);
	struct vsock_hdr cu = tg_hdr(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 1000, 6000, 0);
	cu.buf_alloc = 1000;
	cu.fwd_cnt = 50000; /* nothing was ever sent to it */
	tg_send(&g, &cu, NULL, 0);
	vsock_dev_run(dev);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	tg_post_rx(&g, 20, 4096);
	vsock_dev_run(dev);
	struct vsock_hdr h;
	size_t total = 0;
	int n;
	while ((n = tg_recv(&g, &h, NULL, 0)) >= 0)
		total += h.op == VIRTIO_VSOCK_OP_RW ? h.len : 0;
	assert_int_equal(total, 0);
	/* Zero buffer: still nothing, however often it is kicked. */
	cu.fwd_cnt = 0;
	cu.buf_alloc = 0;
	tg_send(&g, &cu, NULL, 0);
	for (int i = 0; i < 3; i++)
		vsock_dev_run(dev);
	while ((n = tg_recv(&g, &h, NULL, 0)) >= 0)
		total += h.op == VIRTIO_VSOCK_OP_RW ? h.len : 0;
	assert_int_equal(total, 0);
	assert_int_equal(fds[fd].in_pos, 0); /* not even read from the host */
}

/* The guest error counters name each rule it broke, per queue. */
static void test_errors_are_reported(void **state)
{
	(void)state;
	uint64_t before = vsock_dev_guest_errors(dev);
	tg_set_desc(&g, VSOCK_VQ_TX, 0, TG_GPA_BASE + TG_RAM_SIZE, 44, 0, 0);
	tg_publish(&g, VSOCK_VQ_TX, 0);
	vsock_dev_run(dev);
	expect_error(before, "TX queue", "descriptor outside guest memory");
	assert_int_equal(dev->stats.bad_chains, 1);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_REQUEST, 1, 6000, 0);
	h.dst_cid = 9;
	tg_send(&g, &h, NULL, 0);
	vsock_dev_run(dev);
	expect_error(before + 1, "packet header", "destination CID is not the host");
	tg_publish(&g, VSOCK_VQ_RX, 300);  /* head beyond the 256-entry table */
	send_op(VIRTIO_VSOCK_OP_RW, 1, 2); /* owes a reset: RX is used */
	vsock_dev_run(dev);
	assert_int_equal(dev->stats.broken_rings, 1);
	assert_string_equal(dev->error_where, "RX queue");
	assert_true(dev->vq[VSOCK_VQ_RX].broken);
}

/* Nothing to do means vsock_dev_run() says so: the caller sleeps. It must
 * say so too when no queue runs (no front-end, a reset guest, a stopped TX
 * queue), which once kept the event loop spinning. */
static void test_idle_device_is_idle(void **state)
{
	(void)state;
	assert_false(vsock_dev_run(dev));      /* running, empty queues */
	vhost_vq_reset(&dev->vq[VSOCK_VQ_TX]); /* TX stopped */
	assert_false(vsock_dev_run(dev));
	vhost_vq_reset(&dev->vq[VSOCK_VQ_RX]); /* both stopped: a reset device */
	assert_false(vsock_dev_run(dev));
	struct vsock_dev *fresh = calloc(1, sizeof(*fresh));
	vsock_dev_init(fresh, 3, &th_ops, fresh); /* never had a front-end */
	assert_false(vsock_dev_run(fresh));
	assert_int_equal(vsock_dev_next_deadline(fresh), UINT64_MAX);
	vsock_dev_free(fresh);
	free(fresh);
}

static void test_busy_only_while_work_remains(void **state)
{
	(void)state;
	/* A full queue of packets for unknown connections: more than one
	 * call's budget of work, then idle again. */
	tg_post_rx(&g, 100, 64);
	for (uint32_t i = 0; i < 256; i++) {
		struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RST, i, 7, 0);
		tg_send(&g, &h, NULL, 0);
	}
	unsigned calls = 0;
	while (vsock_dev_run(dev))
		assert_true(++calls < 10);
	assert_false(vhost_vq_has_avail(&dev->vq[VSOCK_VQ_TX]));
}

/* The guest's vCPU runs beside the device: it can post a receive buffer
 * for every one the device fills. */
static void repost_rx(void)
{
	tg_post_rx(&g, 1, 4096);
}

/* A guest that refills its RX queue as fast as the device fills it, with a
 * host peer that always has data and a credit that never runs out, once
 * kept the device in one call for as long as the data lasted: the event
 * loop (vhost-user, hybrid clients, the TX queue) starved. A call does at
 * most a queue's worth of RX work and says there is more. */
static void test_rx_refilled_forever_is_bounded(void **state)
{
	(void)state;
	int fd = guest_connect();
	static uint8_t src[8u << 20];
	fds[fd].in = src;
	fds[fd].in_len = sizeof(src);
	struct vsock_hdr cu = tg_hdr(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 1000, 6000, 0);
	cu.buf_alloc = UINT32_MAX;
	tg_send(&g, &cu, NULL, 0);
	vsock_dev_run(dev);
	vsock_dev_host_ready(dev, (unsigned)(fd - 100), true, false);
	tg_post_rx(&g, 1, 4096);
	on_read = repost_rx;
	reads = 0;
	bool more = vsock_dev_run(dev);
	assert_in_range(reads, 1, 2u * g.num);
	assert_true(more);
	/* And the next calls go on where it stopped. */
	unsigned before = reads;
	assert_true(vsock_dev_run(dev));
	assert_in_range(reads - before, 1, 2u * g.num);
	on_read = NULL;
}

static void test_next_deadline(void **state)
{
	(void)state;
	assert_int_equal(vsock_dev_next_deadline(dev), UINT64_MAX);
	guest_connect(); /* connected: no deadline */
	assert_int_equal(vsock_dev_next_deadline(dev), UINT64_MAX);
	uint32_t hp;
	fds[50].open = true;
	fds[51].open = true;
	assert_int_equal(vsock_dev_host_connect(dev, 50, 5000, 700, &hp), 0);
	assert_int_equal(vsock_dev_host_connect(dev, 51, 5000, 300, &hp), 0);
	assert_int_equal(vsock_dev_next_deadline(dev), 300 + VSOCK_CONNECT_TIMEOUT_MS);
	vsock_dev_expire(dev, 300 + VSOCK_CONNECT_TIMEOUT_MS);
	assert_false(fds[51].open);
	assert_int_equal(vsock_dev_next_deadline(dev), 700 + VSOCK_CONNECT_TIMEOUT_MS);
}

/* Connections that never carry data cost no buffer. */
static void test_silent_connections_cost_no_buffer(void **state)
{
	(void)state;
	tg_post_rx(&g, 100, 64);
	for (uint32_t i = 0; i < 50; i++)
		send_op(VIRTIO_VSOCK_OP_REQUEST, 20000 + i, 6000);
	vsock_dev_run(dev);
	assert_int_equal(dev->conns.n_used, 50);
	for (unsigned i = 0; i < VSOCK_CONN_MAX; i++)
		assert_null(dev->conns.c[i].buf);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_data_before_response),
	    T(test_shutdown_before_response),
	    T(test_data_after_shutdown),
	    T(test_credit_violation_counted),
	    T(test_guest_lies_about_credit),
	    T(test_errors_are_reported),
	    T(test_idle_device_is_idle),
	    T(test_busy_only_while_work_remains),
	    T(test_next_deadline),
	    T(test_silent_connections_cost_no_buffer),
	    T(test_rx_refilled_forever_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
