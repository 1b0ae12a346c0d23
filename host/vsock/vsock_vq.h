/* Split virtqueues (virtio 1.2, 2.7) seen from the device side. The guest
 * writes the descriptor table and the available ring, so every index and
 * address read from them is untrusted: each descriptor is copied once into a
 * local before use, chains are bounded by the queue size (which also catches
 * loops), addresses are translated through the region table, and indirect
 * descriptors are rejected (the feature is not offered). Pure: notification
 * fds belong to the caller. */
#ifndef APPVM_VSOCK_VQ_H
#define APPVM_VSOCK_VQ_H

#include "vsock_mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSOCK_VQ_MAX_SIZE 32768
/* Linux guests use one or two descriptors per vsock packet; more is allowed
 * but bounded so a chain fits a fixed array. */
#define VSOCK_VQ_MAX_SEGS 64

struct vsock_iov {
	uint8_t *base;
	uint32_t len;
};

/* One descriptor chain, split into the device-readable part (out, first in
 * the chain) and the device-writable part (in). */
struct vsock_chain {
	uint16_t head;
	unsigned n_out, n_in;
	uint64_t out_len, in_len;
	struct vsock_iov out[VSOCK_VQ_MAX_SEGS];
	struct vsock_iov in[VSOCK_VQ_MAX_SEGS];
};

struct vsock_vq {
	/* set by the front-end */
	uint16_t num;
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	/* resolved by vsock_vq_map(); NULL until then */
	uint8_t *desc, *avail, *used;
	uint16_t last_avail; /* next available-ring slot to consume */
	uint16_t used_idx;   /* next used-ring slot to fill */
	bool broken;	     /* the guest corrupted the ring; stop using it */
	const char *why;     /* what was wrong with the last chain or ring refused */
};

/* Resolves the ring addresses through mem after checking size and
 * alignment. Returns 0, -EINVAL (bad size or alignment) or -EFAULT (a ring
 * is not inside guest memory). */
int vsock_vq_map(struct vsock_vq *vq, const struct vsock_mem *mem);

/* Forgets the mapping and all indices, as on device reset. */
void vsock_vq_reset(struct vsock_vq *vq);

/* True when the queue is mapped, usable and the guest made a buffer available. */
bool vsock_vq_has_avail(struct vsock_vq *vq);

/* Takes the next available chain. Returns 1 with *chain filled, 0 when none
 * is available, -EINVAL when the chain is malformed (chain->head is set and
 * the caller must still return it with vsock_vq_push(vq, head, 0)), or -EIO
 * when the ring itself is corrupt (the queue is then marked broken). On
 * failure vq->why says which rule the guest broke. */
int vsock_vq_pop(struct vsock_vq *vq, const struct vsock_mem *mem, struct vsock_chain *chain);

/* Gives back the chain taken by the last vsock_vq_pop() without using it. */
void vsock_vq_unpop(struct vsock_vq *vq);

/* Returns a used chain to the guest with the number of bytes written into it. */
void vsock_vq_push(struct vsock_vq *vq, uint16_t head, uint32_t len);

/* True unless the guest asked not to be interrupted for used buffers. */
bool vsock_vq_should_notify(const struct vsock_vq *vq);

/* Copies up to len bytes from the iovec, starting skip bytes in. Returns the
 * count copied. */
size_t vsock_iov_to_buf(const struct vsock_iov *iov, unsigned n, size_t skip, void *buf,
			size_t len);

/* Copies len bytes into the iovec starting skip bytes in. Returns the count
 * copied (less than len when the iovec is too short). */
size_t vsock_buf_to_iov(const struct vsock_iov *iov, unsigned n, size_t skip, const void *buf,
			size_t len);

#endif
