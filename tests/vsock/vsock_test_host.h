/* Fake host sockets for the vsock device tests: fd = 100 + connection slot
 * for guest-initiated connections, anything below 100 for the tests' own;
 * what the host side sends and accepts is kept in memory. Also the cmocka
 * setup and teardown, and helpers to drive the fake guest. */
#ifndef APPVM_VSOCK_TEST_HOST_H
#define APPVM_VSOCK_TEST_HOST_H

#include "vsock_test_guest.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFD 512
struct fake_fd {
	bool open, shut_wr;
	uint8_t *in; /* what the host side will send */
	size_t in_len, in_pos;
	bool in_eof;
	size_t out_len, out_limit; /* bytes the host side accepted, and its room */
	uint8_t out[1 << 20];
	int write_error;
	bool write_watched; /* the device asked to hear when it is writable */
};

extern struct fake_fd *fds;
extern int connect_result; /* 0 = accept, else -errno */
extern unsigned connects, accepts;
extern unsigned reads, writes, watch_changes; /* readv and writev calls, write watch changes */
extern uint32_t last_connect_port;
/* Called on every readv of a host fd, when set: a guest that acts while
 * the device works (its vCPU runs beside it). Cleared by setup(). */
extern void (*on_read)(void);
extern const struct vsock_dev_ops th_ops;
extern struct vsock_dev *dev;
extern struct tguest g;

/* cmocka fixtures: a device with a 256-entry fake guest; teardown checks
 * that no host fd was left open. */
int setup(void **state);
int teardown(void **state);

/* Sends a header-only packet from the guest. */
void send_op(uint16_t op, uint32_t gport, uint32_t hport);

/* Receives the next packet and checks its op and address pair. */
struct vsock_hdr expect_pkt(uint16_t op, uint32_t hport, uint32_t gport);

/* Fails when the guest received anything. */
void expect_nothing(void);

/* Guest connects to host port 6000 from port 1000; returns the host fd. */
int guest_connect(void);

/* A host client (fd 50) connects to guest_port at now_ms; the guest has
 * received the REQUEST and not answered. Returns the host port. */
uint32_t host_connect_pending(uint32_t guest_port, uint64_t now_ms);

#endif
