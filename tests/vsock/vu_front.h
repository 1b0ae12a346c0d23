/* A fake vhost-user front-end, as qemu is one: guest RAM in a memfd shared
 * with the back-end, kick and call eventfds, qemu's start and stop
 * sequences, raw messages for hostile ones, and the guest driver's side of
 * the rings (vsock_test_guest.c) over the shared RAM. Used in-process
 * (test_vsock_vhost_user, with a pump that runs the back-end while waiting)
 * and against the appvm-vsock binary (vsock_hostile). */
#ifndef APPVM_VU_FRONT_H
#define APPVM_VU_FRONT_H

#include "vsock_test_guest.h"
#include "vu_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vu_front {
	int sock;   /* connection to the back-end */
	int mem_fd; /* guest RAM: a memfd of TG_RAM_SIZE bytes */
	uint8_t *ram;
	int kick[VSOCK_VQ_COUNT], call[VSOCK_VQ_COUNT];
	struct tguest g;
	/* Runs the back-end when it shares the process; NULL otherwise. */
	void (*pump)(void *ctx);
	void *pump_ctx;
};

/* Makes the RAM, the eventfds and a guest with num-entry queues; takes sock.
 * Returns 0 or -errno. */
int vuf_open(struct vu_front *f, int sock, uint16_t num);

void vuf_close(struct vu_front *f);

/* Sends one message with fds. Returns 0 or -errno. */
int vuf_send(struct vu_front *f, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
	     const int *fds, unsigned nfds);

/* Sends raw bytes (half a header, a lying size). Returns 0 or -errno. */
int vuf_send_raw(struct vu_front *f, const void *buf, size_t len);

/* The bound of a wait for something that should happen soon: generous, so
 * that a loaded machine (or a sanitizer build) does not fail it; waits
 * end as soon as it happens. */
#define VUF_WAIT_MS 20000

/* Waits up to timeout_ms for the reply to req. Returns its payload size
 * (payload copied up to max), -ETIMEDOUT, -EPROTO for another message, or
 * -errno (-ECONNRESET when the back-end closed the connection). */
int vuf_reply(struct vu_front *f, uint32_t req, void *payload, size_t max, int timeout_ms);

/* Sends req asking for an acknowledgement (REPLY_ACK negotiated). Returns 0
 * when the back-end accepted it, 1 when it refused it, or -errno. */
int vuf_request(struct vu_front *f, uint32_t req, const void *payload, uint32_t size,
		const int *fds, unsigned nfds);

/* qemu's start-up: features, protocol features, owner, config, the RAM as
 * one region (ADD_MEM_REG, or SET_MEM_TABLE when mem_table), then each
 * queue's size, addresses, base, kick, call and enable. Returns 0 or -errno;
 * on failure *ret_step (if given) names the step. */
int vuf_start(struct vu_front *f, bool mem_table, const char **ret_step);

/* Starts queue q again after vuf_stop (as the guest driver's reset does). */
int vuf_start_queue(struct vu_front *f, unsigned q);

/* Stops queue q (GET_VRING_BASE). Returns the ring base or -errno. */
int vuf_stop(struct vu_front *f, unsigned q);

/* Tells the back-end that queue q has new buffers. */
void vuf_kick(struct vu_front *f, unsigned q);

/* Waits up to timeout_ms for a call on queue q. Returns 0 or -ETIMEDOUT. */
int vuf_wait_call(struct vu_front *f, unsigned q, int timeout_ms);

/* A region message payload for the RAM (ADD/REM_MEM_REG). */
void vuf_ram_region(uint8_t payload[40], uint64_t size, uint64_t mmap_offset);

#endif
