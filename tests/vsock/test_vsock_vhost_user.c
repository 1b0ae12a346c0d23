/* The vhost-user back-end (vhost_user.c with its real system calls,
 * vu_sys.c) in-process, against a fake front-end over a socketpair with
 * guest RAM in a memfd: qemu's start-up, then what no front-end message may
 * do — map past the end of its fd, resize a running queue, stall the loop
 * with half a header, leak or misuse fds. */
#include "vsock_test_host.h"
#include "vu_front.h"
#include "vsock_vhost.h"
#include "vu_sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_vsock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

struct backend {
	int sock;
	struct vu_sys sys;
	struct vu_reader r;
	struct vhost_user vu;
	struct vhost_dev vdev;
	bool dropped;
	int drop_reason;
	unsigned handled, refused;
};

static struct backend be;
static struct vu_front fe;
static int fds_at_start;

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* One turn of the back-end's loop: what the program does on events. */
static void pump(void *ctx)
{
	struct backend *b = ctx;
	while (!b->dropped) {
		int r = vu_sys_recv(b->sock, &b->r);
		if (r == -EAGAIN)
			break;
		if (r >= 0) {
			r = vhost_user_handle(&b->vu, &b->r);
			b->handled++;
			b->refused += r == 1;
		}
		if (r < 0) {
			b->dropped = true;
			b->drop_reason = r;
			vhost_user_detach(&b->vu);
			vu_sys_reader_clear(&b->r);
		}
	}
	vsock_dev_run(dev);
	/* every deferred notification is due */
	vu_sys_notify(&b->vu, vsock_dev_notify_due(dev, UINT64_MAX - 1));
}

static int vu_setup(void **state)
{
	(void)state;
	fds_at_start = count_fds();
	fds = calloc(NFD, sizeof(*fds));
	dev = calloc(1, sizeof(*dev));
	vsock_dev_init(dev, 3, &th_ops, dev);
	connect_result = 0;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(&be, 0, sizeof(be));
	be.sock = sv[0];
	assert_int_equal(fcntl(be.sock, F_SETFL, O_NONBLOCK), 0);
	be.sys = (struct vu_sys){.fd = be.sock};
	vu_reader_init(&be.r);
	vsock_vhost_dev(dev, &be.vdev);
	vhost_user_init(&be.vu, &be.vdev, &vu_sys_ops, &be.sys);
	vhost_user_attach(&be.vu);
	assert_int_equal(vuf_open(&fe, sv[1], 128), 0);
	fe.pump = pump;
	fe.pump_ctx = &be;
	return 0;
}

static int vu_teardown(void **state)
{
	(void)state;
	if (!be.dropped) {
		vhost_user_detach(&be.vu);
		vu_sys_reader_clear(&be.r);
	}
	assert_int_equal(dev->mem.n, 0); /* every region unmapped */
	close(be.sock);
	vuf_close(&fe);
	vsock_dev_free(dev);
	for (int i = 0; i < NFD; i++)
		assert_false(fds[i].open);
	free(dev);
	free(fds);
	assert_int_equal(count_fds(), fds_at_start); /* no fd leaked */
	return 0;
}

/* REPLY_ACK, so that every request is answered (start() does it too). */
static void negotiate(void)
{
	uint64_t v = VU_PROTOCOL_FEATURES;
	assert_int_equal(vuf_send(&fe, VU_SET_PROTOCOL_FEATURES, VU_VERSION, &v, 8, NULL, 0), 0);
}

static void start(void)
{
	const char *step = NULL;
	int r = vuf_start(&fe, false, &step);
	if (r != 0)
		fail_msg("start-up failed at %s: %d", step, r);
}

/* The guest connects to host port 6000 through the shared rings. */
static void guest_request(uint32_t gport)
{
	tg_post_rx(&fe.g, 2, 4096);
	vuf_kick(&fe, VSOCK_VQ_RX);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_REQUEST, gport, 6000, 0);
	tg_send(&fe.g, &h, NULL, 0);
	vuf_kick(&fe, VSOCK_VQ_TX);
	assert_int_equal(vuf_wait_call(&fe, VSOCK_VQ_RX, 2000), 0);
	struct vsock_hdr got;
	assert_int_equal(tg_recv(&fe.g, &got, NULL, 0), 0);
	assert_int_equal(got.op, VIRTIO_VSOCK_OP_RESPONSE);
	assert_int_equal(got.dst_port, gport);
}

static void test_start_and_serve(void **state)
{
	(void)state;
	start();
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		assert_non_null(dev->vq[q].desc);
		assert_true(vhost_user_started(&be.vu, q));
	}
	/* The config space holds the guest CID, little-endian. */
	uint8_t cfg[20] = {0};
	uint32_t hdr[3] = {0, 8, 0};
	memcpy(cfg, hdr, 12);
	assert_int_equal(vuf_send(&fe, VU_GET_CONFIG, VU_VERSION, cfg, 20, NULL, 0), 0);
	assert_int_equal(vuf_reply(&fe, VU_GET_CONFIG, cfg, sizeof(cfg), 2000), 20);
	assert_int_equal(cfg[12], 3);
	guest_request(1000);
	assert_int_equal(dev->conns.n_used, 1);
	assert_int_equal(be.refused, 0);
}

static void test_start_with_mem_table(void **state)
{
	(void)state;
	assert_int_equal(vuf_start(&fe, true, NULL), 0);
	guest_request(1001);
}

/* A region must lie inside its fd's file before it is mapped: else the
 * first access past the end is SIGBUS, which kills the back-end. */
static void test_region_larger_than_fd(void **state)
{
	(void)state;
	negotiate();
	uint8_t reg[40];
	struct {
		const char *name;
		uint64_t size, offset;
		int want;
	} cases[] = {
	    {"one page past the end", TG_RAM_SIZE + 4096, 0, 1},
	    {"one byte past the end", TG_RAM_SIZE + 1, 0, 1},
	    {"offset pushes it past the end", TG_RAM_SIZE, 4096, 1},
	    {"offset + size wraps", 0x10000, UINT64_MAX - 0x8000, 1},
	    {"huge", UINT64_MAX / 2, 0, 1},
	    {"exactly the file", TG_RAM_SIZE, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vuf_ram_region(reg, cases[i].size, cases[i].offset);
		int r = vuf_request(&fe, VU_ADD_MEM_REG, reg, sizeof(reg), &fe.mem_fd, 1);
		if (r != cases[i].want)
			fail_msg("%s: %d", cases[i].name, r);
		assert_int_equal(dev->mem.n, cases[i].want == 0 ? 1 : 0);
	}
	/* The same through a whole table, and an empty file. */
	int empty = memfd_create("empty", MFD_CLOEXEC);
	uint8_t table[40] = {1};
	vuf_ram_region(reg, 4096, 0);
	memcpy(table + 8, reg + 8, 32);
	assert_int_equal(vuf_request(&fe, VU_SET_MEM_TABLE, table, sizeof(table), &empty, 1), 1);
	close(empty);
	assert_int_equal(dev->mem.n, 1); /* the old table stays */
	assert_false(be.dropped);
}

static void test_vring_num_while_running(void **state)
{
	(void)state;
	start();
	struct vu_vring_state num = {VSOCK_VQ_TX, 32768}, base = {VSOCK_VQ_TX, 77};
	/* A running queue keeps the size its rings were checked with: a
	 * larger one made the device read descriptors past guest memory. */
	assert_int_equal(vuf_request(&fe, VU_SET_VRING_NUM, &num, sizeof(num), NULL, 0), 1);
	assert_int_equal(dev->vq[VSOCK_VQ_TX].num, 128);
	assert_int_equal(vuf_request(&fe, VU_SET_VRING_BASE, &base, sizeof(base), NULL, 0), 1);
	assert_int_equal(dev->vq[VSOCK_VQ_TX].last_avail, 0);
	assert_string_equal(be.vu.why, "queue is started");
	guest_request(1002); /* still served */
	/* Stopped, it may change; started again, it is checked again. */
	assert_int_equal(vuf_stop(&fe, VSOCK_VQ_TX), 1);
	assert_null(dev->vq[VSOCK_VQ_TX].desc);
	num.num = 256;
	assert_int_equal(vuf_request(&fe, VU_SET_VRING_NUM, &num, sizeof(num), NULL, 0), 0);
	/* Rings that do not fit guest memory at the new size are not used. */
	struct vu_vring_addr addr = {VSOCK_VQ_TX,
				     0,
				     TG_UVA_BASE + TG_RAM_SIZE - 2048,
				     tg_uva(tg_used_gpa(1)),
				     tg_uva(tg_avail_gpa(1)),
				     0};
	uint64_t idx = VSOCK_VQ_TX;
	assert_int_equal(vuf_request(&fe, VU_SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0), 0);
	assert_int_equal(vuf_request(&fe, VU_SET_VRING_KICK, &idx, 8, &fe.kick[1], 1), 0);
	assert_string_equal(be.vu.why, "rings not inside guest memory");
	assert_null(dev->vq[VSOCK_VQ_TX].desc);
}

/* Half a header must not stall the loop: the guest is served meanwhile,
 * and the message completes when the rest arrives. */
static void test_half_header(void **state)
{
	(void)state;
	start();
	struct vu_hdr h = {VU_GET_QUEUE_NUM, VU_VERSION, 0};
	assert_int_equal(vuf_send_raw(&fe, &h, 6), 0);
	pump(&be);
	assert_int_equal(be.r.len, 6);
	guest_request(1003);
	assert_int_equal(vuf_send_raw(&fe, (uint8_t *)&h + 6, 6), 0);
	uint64_t n = 0;
	assert_int_equal(vuf_reply(&fe, VU_GET_QUEUE_NUM, &n, sizeof(n), 2000), 8);
	assert_int_equal(n, 2);
	/* The same with a payload that stops half-way. */
	struct vu_vring_state st = {0, 0};
	h = (struct vu_hdr){VU_GET_VRING_BASE, VU_VERSION, sizeof(st)};
	assert_int_equal(vuf_send_raw(&fe, &h, 12), 0);
	assert_int_equal(vuf_send_raw(&fe, &st, 3), 0);
	pump(&be);
	assert_int_equal(be.r.len, 15);
	assert_false(be.dropped);
	assert_int_equal(vuf_send_raw(&fe, (uint8_t *)&st + 3, 5), 0);
	assert_int_equal(vuf_reply(&fe, VU_GET_VRING_BASE, &st, sizeof(st), 2000), 8);
}

static void test_framing_errors_drop(void **state)
{
	(void)state;
	struct vu_hdr h = {VU_GET_FEATURES, 2, 0}; /* version 2 */
	assert_int_equal(vuf_send_raw(&fe, &h, sizeof(h)), 0);
	pump(&be);
	assert_true(be.dropped);
	assert_int_equal(be.drop_reason, -EPROTO);
}

static void test_oversized_payload_drops(void **state)
{
	(void)state;
	struct vu_hdr h = {VU_SET_MEM_TABLE, VU_VERSION, 0x7fffffff};
	assert_int_equal(vuf_send_raw(&fe, &h, sizeof(h)), 0);
	pump(&be);
	assert_true(be.dropped);
}

/* fds that come with a message are taken or closed, never leaked, and more
 * than any message carries ends the connection. */
static void test_fd_hygiene(void **state)
{
	(void)state;
	negotiate();
	int extra[VU_MAX_FDS];
	for (unsigned i = 0; i < VU_MAX_FDS; i++)
		extra[i] = eventfd(0, EFD_CLOEXEC);
	/* SET_OWNER takes none: refused, all closed (checked in teardown). */
	assert_int_equal(vuf_request(&fe, VU_SET_OWNER, NULL, 0, extra, 3), 1);
	assert_string_equal(be.vu.why, "fd count wrong for the request");
	/* An unsupported request is refused with its fds closed too. */
	assert_int_equal(vuf_request(&fe, 99, NULL, 0, extra, 2), 1);
	/* A kick that is not an eventfd (a pipe at end of file would keep the
	 * loop awake forever) is refused. */
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[1]);
	uint64_t idx = 0;
	assert_int_equal(vuf_request(&fe, VU_SET_VRING_KICK, &idx, 8, &p[0], 1), 1);
	assert_string_equal(be.vu.why, "not an eventfd");
	close(p[0]);
	/* A blocking eventfd is made non-blocking (the description is shared). */
	int blocking = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(vuf_request(&fe, VU_SET_VRING_CALL, &idx, 8, &blocking, 1), 0);
	assert_true(fcntl(blocking, F_GETFL) & O_NONBLOCK);
	close(blocking);
	for (unsigned i = 0; i < VU_MAX_FDS; i++)
		close(extra[i]);
	/* Nine fds on one message: the connection ends, every fd closed. */
	int nine[9];
	for (int i = 0; i < 9; i++)
		nine[i] = eventfd(0, EFD_CLOEXEC);
	struct vu_hdr h = {VU_SET_OWNER, VU_VERSION, 0};
	union {
		char b[CMSG_SPACE(sizeof(nine))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {&h, sizeof(h)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(nine));
	memcpy(CMSG_DATA(c), nine, sizeof(nine));
	assert_int_equal(sendmsg(fe.sock, &mh, 0), (ssize_t)sizeof(h));
	for (int i = 0; i < 9; i++)
		close(nine[i]);
	pump(&be);
	assert_true(be.dropped);
	assert_int_equal(be.drop_reason, -EPROTO);
}

static void test_stop_closes_connections(void **state)
{
	(void)state;
	start();
	guest_request(1004);
	struct vsock_conn *c = vsock_conn_find(&dev->conns, 6000, 1004);
	assert_non_null(c);
	int fd = c->fd;
	/* The guest resets its device: both queues stop, connections close. */
	assert_true(vuf_stop(&fe, VSOCK_VQ_RX) >= 0);
	assert_true(fds[fd].open); /* one queue still runs */
	assert_int_equal(vuf_stop(&fe, VSOCK_VQ_TX), 1);
	assert_false(fds[fd].open);
	assert_int_equal(dev->conns.n_used, 0);
	assert_false(vsock_dev_run(dev)); /* and the device is idle */
	/* The driver comes back. */
	assert_int_equal(vuf_start_queue(&fe, VSOCK_VQ_RX), 0);
	assert_int_equal(vuf_start_queue(&fe, VSOCK_VQ_TX), 0);
	fe.g.avail_idx[0] = fe.g.avail_idx[1] = 0;
	guest_request(1005);
}

static void test_remove_region(void **state)
{
	(void)state;
	start();
	uint8_t reg[40];
	vuf_ram_region(reg, TG_RAM_SIZE - 4096, 0); /* not the region that was added */
	assert_int_equal(vuf_request(&fe, VU_REM_MEM_REG, reg, sizeof(reg), NULL, 0), 1);
	assert_string_equal(be.vu.why, "no such memory region");
	vuf_ram_region(reg, TG_RAM_SIZE, 0);
	/* qemu before 7.1 sends the fd along; it is accepted and closed. */
	assert_int_equal(vuf_request(&fe, VU_REM_MEM_REG, reg, sizeof(reg), &fe.mem_fd, 1), 0);
	assert_int_equal(dev->mem.n, 0);
	/* Rings in the removed memory are no longer walked. */
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++)
		assert_null(dev->vq[q].desc);
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_REQUEST, 7, 6000, 0);
	tg_send(&fe.g, &h, NULL, 0);
	vuf_kick(&fe, VSOCK_VQ_TX);
	pump(&be);
	assert_int_equal(dev->stats.pkts_in, 0);
}

/* A front-end that never reads its replies is dropped, not waited for. */
static void test_replies_not_read(void **state)
{
	(void)state;
	negotiate();
	for (int i = 0; i < 100000 && !be.dropped; i++) {
		assert_int_equal(vuf_send(&fe, VU_GET_FEATURES, VU_VERSION, NULL, 0, NULL, 0), 0);
		pump(&be);
	}
	assert_true(be.dropped);
}

static void test_set_config_refused(void **state)
{
	(void)state;
	negotiate();
	uint8_t cfg[20] = {0};
	uint32_t hdr[3] = {0, 8, 0};
	memcpy(cfg, hdr, 12);
	cfg[12] = 99;
	assert_int_equal(vuf_request(&fe, VU_SET_CONFIG, cfg, sizeof(cfg), NULL, 0), 1);
	assert_int_equal(dev->guest_cid, 3);
	/* A GET_CONFIG it cannot answer ends the connection rather than
	 * leaving the front-end waiting for the answer. */
	hdr[0] = 4;
	memcpy(cfg, hdr, 12);
	assert_int_equal(vuf_send(&fe, VU_GET_CONFIG, VU_VERSION, cfg, 20, NULL, 0), 0);
	pump(&be);
	assert_true(be.dropped);
}

#define T(f) cmocka_unit_test_setup_teardown(f, vu_setup, vu_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_start_and_serve),
	    T(test_start_with_mem_table),
	    T(test_region_larger_than_fd),
	    T(test_vring_num_while_running),
	    T(test_half_header),
	    T(test_framing_errors_drop),
	    T(test_oversized_payload_drops),
	    T(test_fd_hygiene),
	    T(test_stop_closes_connections),
	    T(test_remove_region),
	    T(test_replies_not_read),
	    T(test_set_config_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
