/* vsock_hostile's measure of what a guest that keeps sending costs the
 * back-end: a packet every few hundred µs for a few seconds (an RST for no
 * connection, data for a host peer that is gone, data a host peer reads),
 * the back-end's CPU time over that time from /proc. A polling device must
 * not turn a guest's useless packets into a spinning host process. */
#include "vsock_hostile.h"

#include "clock.h"
#include "unix_addr.h"

#include <errno.h>
#include <linux/virtio_vsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SPIN_HOST_PORT 6100

enum spin_kind { SPIN_RST, SPIN_RW_GONE, SPIN_RW_READ, SPIN_KINDS };

static const char *const spin_names[SPIN_KINDS] = {
    [SPIN_RST] = "RST for no connection",
    [SPIN_RW_GONE] = "1 byte for a host peer that is gone",
    [SPIN_RW_READ] = "1 byte for a host peer that reads",
};

struct spin_result {
	uint64_t dev_us;   /* the back-end's CPU time */
	uint64_t guest_us; /* this process's (the guest's and front-end's) */
	unsigned sent;
};

static uint64_t self_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static uint16_t load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Sends one packet and kicks only when the device asked for it, as a
 * driver with VIRTIO_RING_F_EVENT_IDX does (vring_need_event). */
static void driver_send(struct vsock_hdr h, const void *payload, uint32_t len)
{
	struct tguest *g = &fe.g;
	uint16_t old = g->avail_idx[VSOCK_VQ_TX];
	h.len = len;
	tg_send(g, &h, payload, len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	const uint8_t *used = tg_ptr(g, tg_used_gpa(VSOCK_VQ_TX));
	uint16_t event = load_le16(used + 4 + 8 * (size_t)g->num);
	uint16_t now = g->avail_idx[VSOCK_VQ_TX];
	if ((uint16_t)(now - event - 1) < (uint16_t)(now - old))
		vuf_kick(&fe, VSOCK_VQ_TX);
}

/* The TX chains published and not yet used by the device. */
static uint16_t tx_in_flight(void)
{
	const uint8_t *used = tg_ptr(&fe.g, tg_used_gpa(VSOCK_VQ_TX));
	return (uint16_t)(fe.g.avail_idx[VSOCK_VQ_TX] - load_le16(used + 2));
}

/* Connects guest port gport to the host listener l; returns the accepted
 * host side or -1. */
static int guest_connect(int l, uint32_t gport)
{
	driver_send(tg_hdr(VIRTIO_VSOCK_OP_REQUEST, gport, SPIN_HOST_PORT, 0), NULL, 0);
	uint64_t deadline = clock_now_ms() + VUF_WAIT_MS;
	while (g_response_port != gport && clock_now_ms() < deadline)
		guest_pump(20);
	return g_response_port == gport ? accept(l, NULL, NULL) : -1;
}

/* The guest sends one packet of kind every gap_us for ms milliseconds. */
static struct spin_result spin(enum spin_kind kind, unsigned gap_us, unsigned ms)
{
	static uint32_t gport = 20000;
	struct spin_result r = {0};
	char path[160];
	int l = -1, peer = -1;
	gport++;
	if (kind != SPIN_RST) {
		snprintf(path, sizeof(path), "%s_%u", hsock, SPIN_HOST_PORT);
		l = unix_sock_listen(path, 4);
		peer = l < 0 ? -1 : guest_connect(l, gport);
		check(peer >= 0, "guest connected to host port %u", SPIN_HOST_PORT);
		if (kind == SPIN_RW_GONE && peer >= 0) {
			close(peer); /* the device resets the connection */
			peer = -1;
			uint64_t deadline = clock_now_ms() + VUF_WAIT_MS;
			while (g_closed_port != gport && clock_now_ms() < deadline)
				guest_pump(20);
			check(g_closed_port == gport, "the host peer's close reached the guest");
		}
	}
	struct vsock_hdr h = tg_hdr(kind == SPIN_RST ? VIRTIO_VSOCK_OP_RST : VIRTIO_VSOCK_OP_RW,
				    gport, kind == SPIN_RST ? 6001 : SPIN_HOST_PORT, 0);
	uint64_t dev0 = backend_cpu_us(), self0 = self_cpu_us();
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t end = clock_now_ms() + ms; clock_now_ms() < end;) {
		/* Descriptors are reused: never more than a quarter in flight. */
		if (tx_in_flight() < fe.g.num / 4) {
			driver_send(h, kind == SPIN_RST ? NULL : "x", kind == SPIN_RST ? 0 : 1);
			r.sent++;
		}
		guest_pump(0); /* resets, credit updates */
		char buf[4096];
		while (peer >= 0 && recv(peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		/* The pace of the guest's packets, not a wait for something. */
		next.tv_nsec += (long)gap_us * 1000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	r.dev_us = backend_cpu_us() - dev0;
	r.guest_us = self_cpu_us() - self0;
	if (peer >= 0)
		close(peer);
	if (l >= 0) {
		close(l);
		unlink(path);
	}
	return r;
}

void spin_measure(void)
{
	static const unsigned gaps[] = {100, 300, 600};
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (unsigned k = 0; k < SPIN_KINDS; k++)
		for (unsigned i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
			struct spin_result r = spin(k, gaps[i], 3000);
			printf("%-40s every %3u us: %5u packets in 3 s, back-end %4llu ms, "
			       "guest %4llu ms of CPU\n",
			       spin_names[k], gaps[i], r.sent,
			       (unsigned long long)(r.dev_us / 1000),
			       (unsigned long long)(r.guest_us / 1000));
			fflush(stdout);
		}
}

/* The bound: a fifth of a core. The device without it spins a whole core
 * (measured: 2970 ms of CPU in 3 s, RST every 300 µs); without polling it
 * uses about 15 ms/s. */
#define SPIN_MAX_PERMILLE 200

void spin_check(void)
{
	const unsigned gap_us = 300, ms = 2000;
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (unsigned k = 0; k < SPIN_KINDS; k++) {
		struct spin_result r = spin(k, gap_us, ms);
		check(r.dev_us > 0 && r.dev_us / ms <= SPIN_MAX_PERMILLE,
		      "%s every %u us (%u packets): back-end %llu ms of CPU in %u ms (at most "
		      "%u), guest %llu ms",
		      spin_names[k], gap_us, r.sent, (unsigned long long)(r.dev_us / 1000), ms,
		      ms * SPIN_MAX_PERMILLE / 1000, (unsigned long long)(r.guest_us / 1000));
	}
	served("after the guest's packets");
}
