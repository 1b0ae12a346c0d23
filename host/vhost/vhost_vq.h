/* Split virtqueues (virtio 1.2, 2.7) seen from the device side. The guest
 * writes the descriptor table and the available ring, so every index and
 * address read from them is untrusted: each descriptor is copied once into a
 * local before use, chains are bounded by the queue size (which also catches
 * loops), addresses are translated through the region table, and indirect
 * descriptors are rejected (the feature is not offered). Pure: notification
 * fds belong to the caller.
 *
 * Notifications both ways are suppressed while they would be wasted: the
 * guest is asked to kick only once the device found a queue empty (while it
 * is still taking buffers it will look again anyway), and is interrupted
 * only when it asked to be (VRING_AVAIL_F_NO_INTERRUPT, or its used_event
 * with VIRTIO_RING_F_EVENT_IDX). */
#ifndef APPVM_VSOCK_VQ_H
#define APPVM_VSOCK_VQ_H

#include "vhost_mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHOST_VQ_MAX_SIZE 32768
/* Linux guests use one or two descriptors per vsock packet; more is allowed
 * but bounded so a chain fits a fixed array. */
#define VHOST_VQ_MAX_SEGS 64
/* A wide queue (virtio-fs) takes a READ of max_pages (256 pages, 1 MiB),
 * one descriptor per page, with its headers: up to this many descriptors
 * each way and 2 MiB in all. */
#define VHOST_VQ_WIDE_SEGS 264

struct vhost_iov {
	uint8_t *base;
	uint32_t len;
};

/* One descriptor chain, split into the device-readable part (out, first in
 * the chain) and the device-writable part (in). */
struct vhost_chain {
	uint16_t head;
	unsigned n_desc; /* descriptors walked, empty ones included */
	unsigned n_out, n_in;
	uint64_t out_len, in_len;
	struct vhost_iov out[VHOST_VQ_WIDE_SEGS];
	struct vhost_iov in[VHOST_VQ_WIDE_SEGS];
};

struct vhost_vq {
	/* set by the front-end */
	uint16_t num;
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	/* resolved by vhost_vq_map(); NULL until then */
	uint8_t *desc, *avail, *used;
	uint16_t last_avail; /* next available-ring slot to consume */
	uint16_t used_idx;   /* next used-ring slot to fill */
	uint16_t used_pub;   /* used index as the guest sees it */
	bool broken;	     /* the guest corrupted the ring; stop using it */
	const char *why;     /* what was wrong with the last chain or ring refused */
	/* notification suppression */
	bool event_idx;		 /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool no_notify;		 /* VRING_USED_F_NO_NOTIFY is set (without event_idx) */
	bool signalled_valid;	 /* signalled_used holds a value */
	uint16_t signalled_used; /* used_idx at the last interrupt decision */
	bool wide;		 /* chains up to VHOST_VQ_WIDE_SEGS; kept by a reset */
	/* The device polls the ring: an empty queue does not ask for a kick
	 * (it is looked at again soon), until this is cleared and the queue
	 * is found empty once more. */
	bool polled;
};

/* Resolves the ring addresses through mem after checking size and
 * alignment. Returns 0, -EINVAL (bad size or alignment) or -EFAULT (a ring
 * is not inside guest memory). */
int vhost_vq_map(struct vhost_vq *vq, const struct vhost_mem *mem);

/* Forgets the mapping and all indices, as on device reset (not wide). */
void vhost_vq_reset(struct vhost_vq *vq);

/* Chooses how the guest is asked for notifications (event_idx: the
 * VIRTIO_RING_F_EVENT_IDX fields, else the flags) and asks for a kick at
 * the next buffer, on a mapped queue; for a queue that starts. */
void vhost_vq_start(struct vhost_vq *vq, bool event_idx);

/* True when the queue is mapped, usable and the guest made a buffer available. */
bool vhost_vq_has_avail(struct vhost_vq *vq);

/* Ends polling of the queue: asks for a kick at the next buffer again.
 * Returns true when a buffer is available already (the device looks before
 * it sleeps). */
bool vhost_vq_poll_end(struct vhost_vq *vq);

/* Takes the next available chain. Returns 1 with *chain filled, 0 when none
 * is available, -EINVAL when the chain is malformed (chain->head is set and
 * the caller must still return it with vhost_vq_push(vq, head, 0)), or -EIO
 * when the ring itself is corrupt (the queue is then marked broken). On
 * failure vq->why says which rule the guest broke. Kicks are off while
 * chains are taken and back on when 0 is returned. */
int vhost_vq_pop(struct vhost_vq *vq, const struct vhost_mem *mem, struct vhost_chain *chain);

/* Gives back the chain taken by the last vhost_vq_pop() without using it. */
void vhost_vq_unpop(struct vhost_vq *vq);

/* Returns a used chain to the guest with the number of bytes written into it. */
void vhost_vq_push(struct vhost_vq *vq, uint16_t head, uint32_t len);

/* As vhost_vq_push(), but the guest sees the chain only at the next
 * vhost_vq_publish() (or push): chains returned in a batch. */
void vhost_vq_push_later(struct vhost_vq *vq, uint16_t head, uint32_t len);

/* Shows the guest every chain pushed so far. */
void vhost_vq_publish(struct vhost_vq *vq);

/* Decides whether the guest wants an interrupt for the buffers used since
 * the last decision: the NO_INTERRUPT flag, or with event_idx whether
 * used_event lies among them. Returns true to interrupt. */
bool vhost_vq_notify_check(struct vhost_vq *vq);

/* Copies up to len bytes from the iovec, starting skip bytes in. Returns the
 * count copied. */
size_t vhost_iov_to_buf(const struct vhost_iov *iov, unsigned n, size_t skip, void *buf,
			size_t len);

/* Copies len bytes into the iovec starting skip bytes in. Returns the count
 * copied (less than len when the iovec is too short). */
size_t vhost_buf_to_iov(const struct vhost_iov *iov, unsigned n, size_t skip, const void *buf,
			size_t len);

#endif
