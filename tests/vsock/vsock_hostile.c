/* appvm-vsock (the real binary) against hostile peers, without a VM: this
 * program is its vhost-user front-end (vu_front.c: memfd guest RAM, real
 * eventfds), plays a guest driver over the shared rings, and is its hybrid
 * clients. It measures the back-end's CPU time in every idle state a guest
 * or front-end can leave it in, breaks each rule once, and after each check
 * that the error was logged and that a well-behaved connection is still
 * served. With --spin, only what a guest that keeps sending costs the
 * back-end (vsock_hostile_spin.c); with --measure, that at several paces,
 * printed, for any back-end and arguments.
 * Usage: vsock_hostile [--spin] PATH-TO-appvm-vsock
 *        vsock_hostile --measure PATH-TO-appvm-vsock [ITS-ARGUMENTS...] */
#include "vsock_hostile.h"

#include "clock.h"

#include <sys/socket.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct vu_front fe;

/* ---- the guest: an echo service on port 5000 over the shared rings ---- */

/* Receive buffers: small, so that the few outstanding are never reached by
 * the buffer allocator wrapping around guest RAM. */
#define RX_POSTED 32
#define RX_SIZE	  4096
#define ECHO_PORT 5000

static void guest_send(struct vsock_hdr h, const void *payload, uint32_t len)
{
	h.len = len;
	tg_send(&fe.g, &h, payload, len);
	vuf_kick(&fe, VSOCK_VQ_TX);
}

struct vsock_hdr g_last_rx;
uint32_t g_response_port, g_closed_port;

/* Answers what the device delivered: RESPONSE to a REQUEST for the echo
 * port, RW echoed, RST for SHUTDOWN. Returns the packets handled. */
static unsigned guest_handle_rx(void)
{
	static uint8_t payload[65536];
	struct vsock_hdr h;
	int n;
	unsigned count = 0;
	while ((n = tg_recv(&fe.g, &h, payload, sizeof(payload))) >= 0) {
		count++;
		struct vsock_hdr r = tg_hdr(0, h.dst_port, h.src_port, 0);
		if (h.op == VIRTIO_VSOCK_OP_REQUEST) {
			r.op = h.dst_port == ECHO_PORT ? VIRTIO_VSOCK_OP_RESPONSE
						       : VIRTIO_VSOCK_OP_RST;
			guest_send(r, NULL, 0);
		} else if (h.op == VIRTIO_VSOCK_OP_RW && h.dst_port == ECHO_PORT) {
			r.op = VIRTIO_VSOCK_OP_RW;
			guest_send(r, payload, (uint32_t)n);
		} else if (h.op == VIRTIO_VSOCK_OP_SHUTDOWN) {
			r.op = VIRTIO_VSOCK_OP_RST;
			guest_send(r, NULL, 0);
		}
		g_last_rx = h;
		if (h.op == VIRTIO_VSOCK_OP_RESPONSE)
			g_response_port = h.dst_port;
		else if (h.op == VIRTIO_VSOCK_OP_RST || h.op == VIRTIO_VSOCK_OP_SHUTDOWN)
			g_closed_port = h.dst_port;
		tg_post_rx(&fe.g, 1, RX_SIZE);
		vuf_kick(&fe, VSOCK_VQ_RX);
	}
	return count;
}

void guest_pump(int timeout_ms)
{
	if (vuf_wait_call(&fe, VSOCK_VQ_RX, timeout_ms) == 0)
		guest_handle_rx();
	uint64_t v;
	(void)!read(fe.call[VSOCK_VQ_TX], &v, sizeof(v));
}

/* Sends a hybrid client's bytes and waits for n bytes back, serving the
 * guest meanwhile. Returns 0 or -ETIMEDOUT. */
static int client_roundtrip(int fd, const char *send, char *got, size_t n, uint64_t deadline)
{
	if (send && write(fd, send, strlen(send)) != (ssize_t)strlen(send))
		return -EIO;
	size_t have = 0;
	while (have < n) {
		ssize_t k = recv(fd, got + have, n - have, MSG_DONTWAIT);
		if (k > 0) {
			have += (size_t)k;
			continue;
		}
		if (k == 0 || clock_now_ms() >= deadline)
			return -ETIMEDOUT;
		guest_pump(10);
	}
	return 0;
}

bool served(const char *after)
{
	static unsigned round;
	char want[32], got[32] = {0}, line[32] = {0};
	uint64_t deadline = clock_now_ms() + VUF_WAIT_MS;
	int fd = unix_sock_connect(hsock, 0);
	bool ok = fd >= 0;
	/* "OK " and at least 10 port digits (host ports start at 2^30) and \n. */
	ok = ok && client_roundtrip(fd, "CONNECT 5000\n", line, 14, deadline) == 0 &&
	     strncmp(line, "OK 1", 4) == 0 && line[13] == '\n';
	snprintf(want, sizeof(want), "ping %u", ++round);
	ok = ok && client_roundtrip(fd, want, got, strlen(want), deadline) == 0 &&
	     strcmp(got, want) == 0;
	if (fd >= 0)
		close(fd);
	check(ok, "a well-behaved client is served %s", after);
	guest_pump(20); /* the close: SHUTDOWN, answered with RST */
	return ok;
}

/* ---- guest rule breakers ---- */

static uint16_t tx_desc(uint64_t addr, uint32_t len, uint16_t flags, int next)
{
	uint16_t d = tg_next_desc(&fe.g, VSOCK_VQ_TX);
	tg_set_desc(&fe.g, VSOCK_VQ_TX, d, addr, len, flags, next < 0 ? 0 : (uint16_t)next);
	return d;
}

static void publish_tx(uint16_t head)
{
	tg_publish(&fe.g, VSOCK_VQ_TX, head);
	vuf_kick(&fe, VSOCK_VQ_TX);
}

static void expect_guest_error(const char *what, const char *why)
{
	char after[160];
	check(wait_log(why, VUF_WAIT_MS), "%s: logged '%s'", what, why);
	snprintf(after, sizeof(after), "after %s", what);
	served(after);
}

static void hostile_chains(void)
{
	uint64_t buf = tg_alloc(&fe.g, 64);
	/* A chain of empty descriptors that loops back on itself. */
	uint16_t a = tg_next_desc(&fe.g, VSOCK_VQ_TX), b = tg_next_desc(&fe.g, VSOCK_VQ_TX);
	tg_set_desc(&fe.g, VSOCK_VQ_TX, a, 0, 0, VRING_DESC_F_NEXT, b);
	tg_set_desc(&fe.g, VSOCK_VQ_TX, b, 0, 0, VRING_DESC_F_NEXT, a);
	publish_tx(a);
	expect_guest_error("a looping descriptor chain",
			   "TX queue: descriptor chain longer than the queue (a loop)");
	/* A descriptor pointing past the end of guest memory. */
	publish_tx(tx_desc(TG_GPA_BASE + TG_RAM_SIZE - 16, 44, 0, -1));
	expect_guest_error("a descriptor outside guest memory",
			   "TX queue: descriptor outside guest memory");
	/* A length that lies: 4 GiB from a real buffer. */
	publish_tx(tx_desc(buf, 0xffffffffu, 0, -1));
	expect_guest_error("a 4 GiB descriptor", "TX queue: descriptor outside guest memory");
	/* A receive buffer outside guest memory, first in a fresh ring: the
	 * device meets it with the next packet for the guest. */
	check(vuf_stop(&fe, VSOCK_VQ_RX) >= 0 && vuf_start_queue(&fe, VSOCK_VQ_RX) == 0,
	      "guest restarts RX");
	uint16_t r = tg_next_desc(&fe.g, VSOCK_VQ_RX);
	tg_set_desc(&fe.g, VSOCK_VQ_RX, r, UINT64_MAX - 100, 4096, VRING_DESC_F_WRITE, 0);
	tg_publish(&fe.g, VSOCK_VQ_RX, r);
	tg_post_rx(&fe.g, RX_POSTED, RX_SIZE);
	vuf_kick(&fe, VSOCK_VQ_RX);
	served("with a receive buffer outside guest memory first in the ring");
	check(wait_log("RX queue: descriptor outside guest memory", VUF_WAIT_MS),
	      "the bad receive buffer is logged");
}

static void hostile_headers(void)
{
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 7000, 6000, 0);
	/* A payload length that lies: 5000 bytes announced, 3 present. */
	h.len = 5000;
	tg_send(&fe.g, &h, "abc", 3);
	vuf_kick(&fe, VSOCK_VQ_TX);
	expect_guest_error("a header whose length lies",
			   "packet header: payload length beyond the descriptor chain");
	static const struct {
		const char *what;
		uint64_t src_cid, dst_cid;
		uint16_t op;
		const char *why;
	} bad[] = {
	    {"a spoofed source CID", 99, 2, VIRTIO_VSOCK_OP_REQUEST,
	     "packet header: source CID is not the guest's"},
	    {"another destination CID", 3, 7, VIRTIO_VSOCK_OP_REQUEST,
	     "packet header: destination CID is not the host"},
	    {"an unknown op", 3, 2, 99, "packet header: unknown op"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = tg_hdr(bad[i].op, 7001 + i, 6000, 0);
		h.src_cid = bad[i].src_cid;
		h.dst_cid = bad[i].dst_cid;
		guest_send(h, NULL, 0);
		expect_guest_error(bad[i].what, bad[i].why);
	}
}

/* The guest sends more than the credit the host gave: 256 KiB in flight
 * to a host listener that never reads, then one byte more. */
static void hostile_credit(void)
{
	char path[160];
	snprintf(path, sizeof(path), "%s_6000", hsock);
	int l = unix_sock_listen(path, 8);
	check(l >= 0, "host listener on %s", path);
	guest_send(tg_hdr(VIRTIO_VSOCK_OP_REQUEST, 7100, 6000, 0), NULL, 0);
	uint64_t deadline = clock_now_ms() + VUF_WAIT_MS;
	g_last_rx.op = 0;
	while (g_last_rx.op != VIRTIO_VSOCK_OP_RESPONSE && clock_now_ms() < deadline)
		guest_pump(20);
	check(g_last_rx.op == VIRTIO_VSOCK_OP_RESPONSE, "guest connected to host port 6000");
	static uint8_t data[65536];
	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, 7100, 6000, sizeof(data));
	/* All in one batch, so the device sees it before it can write any:
	 * the index moves once, or a polling device would take each packet
	 * as it comes and pass the first ones on, which gives credit back. */
	fe.g.hold = true;
	for (int i = 0; i < 4; i++)
		tg_send(&fe.g, &h, data, sizeof(data));
	h.len = 1;
	tg_send(&fe.g, &h, data, 1);
	tg_publish_held(&fe.g, VSOCK_VQ_TX);
	vuf_kick(&fe, VSOCK_VQ_TX);
	expect_guest_error("data beyond the credit",
			   "connection: data beyond the credit the host gave");
	close(l);
	unlink(path);
}

/* True once the device used every TX chain published. */
static bool tx_all_used(int timeout_ms)
{
	uint64_t end = clock_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		uint16_t used;
		memcpy(&used, tg_ptr(&fe.g, tg_used_gpa(VSOCK_VQ_TX)) + 2, 2);
		if (used == fe.g.avail_idx[VSOCK_VQ_TX])
			return true;
		if (clock_now_ms() >= end)
			return false;
		vuf_wait_call(&fe, VSOCK_VQ_TX, 20);
	}
}

/* Thousands of packets for connections that do not exist, with no receive
 * buffers: the resets owed are bounded, and so is the back-end's memory. */
static void hostile_flood(void)
{
	long rss0 = rss_kib();
	for (unsigned round = 0; round < 80; round++) {
		for (unsigned i = 0; i < 64; i++)
			guest_send(tg_hdr(VIRTIO_VSOCK_OP_RW, 8000 + round * 64 + i, 6001, 0), NULL,
				   0);
		/* The device must use them before their descriptors are reused. */
		if (!tx_all_used(VUF_WAIT_MS))
			break;
	}
	long growth = rss_kib() - rss0;
	check(tx_all_used(0), "5120 packets for unknown connections all handled");
	check(growth < 16 * 1024, "... and the back-end's RSS grew %ld KiB", growth);
	served("after a flood");
}

/* A ring that lies about its index breaks; the guest's reset repairs it. */
static void hostile_ring(void)
{
	uint8_t *avail = tg_ptr(&fe.g, tg_avail_gpa(VSOCK_VQ_TX));
	uint16_t idx = (uint16_t)(fe.g.avail_idx[VSOCK_VQ_TX] + 1000);
	memcpy(avail + 2, &idx, 2);
	vuf_kick(&fe, VSOCK_VQ_TX);
	check(wait_log("TX queue: available index more than a queue ahead", VUF_WAIT_MS),
	      "a lying available index breaks the TX ring (logged)");
	expect_idle("with a broken TX ring");
	/* The guest resets its device and does not restart it yet. */
	check(vuf_stop(&fe, VSOCK_VQ_RX) >= 0 && vuf_stop(&fe, VSOCK_VQ_TX) >= 0,
	      "guest resets its device (both queues stopped)");
	/* It keeps kicking, and nobody drains the eventfds: the back-end must
	 * no longer watch them. */
	vuf_kick(&fe, VSOCK_VQ_RX);
	vuf_kick(&fe, VSOCK_VQ_TX);
	expect_idle("after a guest reset, device not restarted, stale kicks");
	check(vuf_start_queue(&fe, VSOCK_VQ_RX) == 0, "guest restarts RX");
	tg_post_rx(&fe.g, RX_POSTED, RX_SIZE);
	vuf_kick(&fe, VSOCK_VQ_RX);
	expect_idle("while the guest keeps its TX queue stopped");
	check(vuf_start_queue(&fe, VSOCK_VQ_TX) == 0, "guest restarts TX");
	served("after the guest restarted its device");
}

/* ---- front-end messages no front-end may use to hurt the device ---- */

static void hostile_front_end(void)
{
	struct vu_vring_state num = {VSOCK_VQ_TX, 32768};
	check(vuf_request(&fe, VU_SET_VRING_NUM, &num, sizeof(num), NULL, 0) == 1,
	      "SET_VRING_NUM on a running queue refused");
	check(wait_log("SET_VRING_NUM (8) refused: queue is started", VUF_WAIT_MS),
	      "SET_VRING_NUM refusal logged");
	served("after SET_VRING_NUM on a running queue");
	uint8_t reg[40];
	vuf_ram_region(reg, 2ull * TG_RAM_SIZE, 0);
	/* A different guest address, so only the size is wrong. */
	uint64_t gpa = TG_GPA_BASE + 2ull * TG_RAM_SIZE;
	memcpy(reg + 8, &gpa, 8);
	check(vuf_request(&fe, VU_ADD_MEM_REG, reg, sizeof(reg), &fe.mem_fd, 1) == 1,
	      "a memory region larger than its fd refused");
	check(wait_log("memory region runs past the end of its fd", VUF_WAIT_MS),
	      "oversized region logged");
	served("after a region larger than its fd (no SIGBUS)");
	/* Half a header, then silence: the loop must not wait for the rest. */
	struct vu_hdr h = {VU_GET_QUEUE_NUM, VU_VERSION, 0};
	check(vuf_send_raw(&fe, &h, 5) == 0, "half a vhost-user header sent");
	served("while the front-end is silent after half a header");
	uint64_t n = 0;
	check(vuf_send_raw(&fe, (uint8_t *)&h + 5, 7) == 0 &&
		  vuf_reply(&fe, VU_GET_QUEUE_NUM, &n, sizeof(n), VUF_WAIT_MS) == 8 && n == 2,
	      "the rest of the header completes the message");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 && strncmp(argv[1], "--", 2) == 0 ? argv[1] : NULL;
	bool measure = mode && strcmp(mode, "--measure") == 0;
	bool spin_only = mode && strcmp(mode, "--spin") == 0;
	int first = mode ? 2 : 1;
	if (argc <= first || (mode && !measure && !spin_only) || (!measure && argc != first + 1)) {
		fprintf(stderr, "usage: vsock_hostile [--spin] PATH-TO-appvm-vsock\n"
				"       vsock_hostile --measure PATH-TO-appvm-vsock "
				"[ITS-ARGUMENTS...]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (backend_start(argv[first], argv + first + 1) < 0)
		return 1;
	if (!measure)
		expect_idle("before any front-end");
	int sock = unix_sock_connect(vusock, 0);
	const char *step = "connect";
	bool started =
	    sock >= 0 && vuf_open(&fe, sock, 128) == 0 && vuf_start(&fe, false, &step) == 0;
	check(started, "front-end started the device%s%s", started ? "" : ", failed at ",
	      started ? "" : step);
	tg_post_rx(&fe.g, RX_POSTED, RX_SIZE);
	vuf_kick(&fe, VSOCK_VQ_RX);
	if (measure) {
		spin_measure();
	} else if (spin_only) {
		spin_check();
	} else {
		expect_idle("with a running device and no traffic");
		served("at first");
		hybrid_clients();
		hostile_chains();
		hostile_headers();
		hostile_credit();
		hostile_flood();
		expect_idle("after a flood");
		hostile_ring();
		hostile_front_end();
	}

	vuf_close(&fe);
	check(wait_log("front-end disconnected", VUF_WAIT_MS), "front-end left");
	if (!measure)
		expect_idle("after the front-end left");
	return backend_stop() < 0 || failures ? 1 : 0;
}
