/* A fake guest for the vsock unit tests and fuzz target: a block of "guest
 * RAM" registered in a vhost_mem table, split virtqueues laid out in it the
 * way a driver would, and helpers to post buffers and read used entries.
 * Tests then corrupt whatever they like. */
#ifndef APPVM_VSOCK_TEST_GUEST_H
#define APPVM_VSOCK_TEST_GUEST_H

#include "vsock_dev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TG_GPA_BASE 0x100000ull
#define TG_UVA_BASE 0x7f0000000000ull
#define TG_RAM_SIZE (4u << 20)
#define TG_BUF_BASE 0x40000u /* offset of the buffer area */

struct tguest {
	uint8_t *ram;
	size_t ram_size;
	bool owns_ram;
	struct vsock_dev *dev;
	uint16_t num;
	uint16_t avail_idx[VSOCK_VQ_COUNT];
	uint16_t used_seen[VSOCK_VQ_COUNT];
	uint16_t next_desc[VSOCK_VQ_COUNT];
	uint64_t next_buf;
	/* tg_publish() adds to the ring but leaves the index as it is, until
	 * tg_publish_held(): a polling device sees the whole batch at once. */
	bool hold;
};

/* Allocates the RAM, registers it in dev->mem and configures and maps both
 * queues with num entries. */
void tg_init(struct tguest *g, struct vsock_dev *dev, uint16_t num);
void tg_free(struct tguest *g);

/* Lays the guest out over ram_size bytes of RAM the caller owns (at least
 * TG_BUF_BASE + 64 KiB), with no device attached: for a fake front-end
 * whose RAM the back-end maps, or a fuzz target that reuses its RAM. */
void tg_init_ram(struct tguest *g, uint8_t *ram, size_t ram_size, uint16_t num);

/* Registers the RAM in dev->mem and configures and maps both queues. */
void tg_attach(struct tguest *g, struct vsock_dev *dev);

/* The front-end (uva) address of a guest-physical address in the RAM. */
uint64_t tg_uva(uint64_t gpa);

/* Guest-physical address of ring q's descriptor table / avail / used ring. */
uint64_t tg_desc_gpa(unsigned q);
uint64_t tg_avail_gpa(unsigned q);
uint64_t tg_used_gpa(unsigned q);

/* Host pointer for a guest-physical address inside the RAM. */
uint8_t *tg_ptr(struct tguest *g, uint64_t gpa);

/* Takes len bytes of buffer space; returns its guest-physical address. */
uint64_t tg_alloc(struct tguest *g, uint32_t len);

/* Writes descriptor i of queue q as given. */
void tg_set_desc(struct tguest *g, unsigned q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next);

/* Returns the next free descriptor index of queue q (wrapping). */
uint16_t tg_next_desc(struct tguest *g, unsigned q);

/* Publishes head in queue q's available ring. */
void tg_publish(struct tguest *g, unsigned q, uint16_t head);
/* Makes what tg_publish() added while g->hold was set available, in one
 * store of the index, and clears g->hold. */
void tg_publish_held(struct tguest *g, unsigned q);

/* Reads the next used entry of queue q, and sets used_event to the entry
 * after it. Returns 1 with id/len, or 0. */
int tg_used(struct tguest *g, unsigned q, uint32_t *ret_id, uint32_t *ret_len);

/* Sends one packet on TX: header and payload in two descriptors. */
void tg_send(struct tguest *g, const struct vsock_hdr *h, const void *payload, uint32_t len);

/* Posts n RX buffers: a 44-byte header descriptor and a size-byte data descriptor. */
void tg_post_rx(struct tguest *g, unsigned n, uint32_t size);

/* Reads the next used RX buffer as a packet. Returns the payload length
 * copied (<= max), or -1 when none is used. */
int tg_recv(struct tguest *g, struct vsock_hdr *ret_hdr, uint8_t *payload, size_t max);

/* A header from the guest (cid 3) to the host (cid 2). */
struct vsock_hdr tg_hdr(uint16_t op, uint32_t guest_port, uint32_t host_port, uint32_t len);

#endif
