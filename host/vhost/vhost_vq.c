#include "vhost_vq.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

/* Sizes from the virtio spec, split virtqueue layout. */
#define DESC_SIZE      16u
#define AVAIL_HDR      4u /* flags, idx */
#define USED_HDR       4u
#define USED_ELEM_SIZE 8u

static uint16_t load16(const uint8_t *p)
{
	/* Alignment of every ring was checked in vhost_vq_map(). */
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_RELAXED));
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), __ATOMIC_RELAXED);
}

static void store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, htole32(v), __ATOMIC_RELAXED);
}

int vhost_vq_map(struct vhost_vq *vq, const struct vhost_mem *mem)
{
	vq->desc = vq->avail = vq->used = NULL;
	if (!vq->addr_set || vq->num == 0 || vq->num > VHOST_VQ_MAX_SIZE ||
	    (vq->num & (vq->num - 1)) != 0)
		return -EINVAL;
	if (vq->desc_uva % 16 || vq->avail_uva % 2 || vq->used_uva % 4)
		return -EINVAL;
	uint64_t n = vq->num;
	/* +2 for the event-index field after each ring, present in the layout
	 * even when the feature is not negotiated. */
	uint8_t *d = vhost_mem_uva(mem, vq->desc_uva, n * DESC_SIZE);
	uint8_t *a = vhost_mem_uva(mem, vq->avail_uva, AVAIL_HDR + 2 * n + 2);
	uint8_t *u = vhost_mem_uva(mem, vq->used_uva, USED_HDR + USED_ELEM_SIZE * n + 2);
	if (!d || !a || !u)
		return -EFAULT;
	vq->desc = d;
	vq->avail = a;
	vq->used = u;
	vq->broken = false;
	return 0;
}

void vhost_vq_reset(struct vhost_vq *vq)
{
	bool wide = vq->wide;
	memset(vq, 0, sizeof(*vq));
	vq->wide = wide;
}

/* The event-index fields after each ring (virtio 1.2, 2.7.10). */
static uint8_t *used_event(const struct vhost_vq *vq)
{
	return vq->avail + AVAIL_HDR + 2u * vq->num;
}

static uint8_t *avail_event(const struct vhost_vq *vq)
{
	return vq->used + USED_HDR + USED_ELEM_SIZE * (size_t)vq->num;
}

/* Asks for a kick at the next buffer the guest makes available. The guest
 * may have added one before it saw the request: the caller looks again. */
static void kicks_on(struct vhost_vq *vq)
{
	if (vq->event_idx) {
		store16(avail_event(vq), vq->last_avail);
	} else if (vq->no_notify) {
		store16(vq->used, 0);
		vq->no_notify = false;
	}
	/* Our request must be visible before we read the available index
	 * again; the guest orders its index before reading our request. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* While the device takes buffers, kicks would only wake it for work it
 * does anyway. With event_idx, an avail_event left behind last_avail
 * already says so. */
static void kicks_off(struct vhost_vq *vq)
{
	if (vq->event_idx || vq->no_notify)
		return;
	store16(vq->used, VRING_USED_F_NO_NOTIFY);
	vq->no_notify = true;
}

/* While the device polls: no kicks even for the next buffer. With
 * event_idx, an avail_event just behind last_avail is crossed only after a
 * wrap of the index. */
static void kicks_poll_off(struct vhost_vq *vq)
{
	if (vq->event_idx)
		store16(avail_event(vq), (uint16_t)(vq->last_avail - 1));
	else
		kicks_off(vq);
}

void vhost_vq_start(struct vhost_vq *vq, bool event_idx)
{
	vq->event_idx = event_idx;
	vq->signalled_valid = false;
	if (!vq->avail)
		return;
	vq->no_notify = true; /* so that kicks_on() clears the flag */
	kicks_on(vq);
}

bool vhost_vq_has_avail(struct vhost_vq *vq)
{
	if (!vq->avail || vq->broken)
		return false;
	return load16(vq->avail + 2) != vq->last_avail;
}

bool vhost_vq_poll_end(struct vhost_vq *vq)
{
	vq->polled = false;
	if (vhost_vq_has_avail(vq))
		return true;
	if (!vq->avail || vq->broken)
		return false;
	kicks_on(vq);
	return vhost_vq_has_avail(vq);
}

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static void read_desc(const struct vhost_vq *vq, uint16_t i, struct desc *d)
{
	uint8_t raw[DESC_SIZE];
	/* One copy: the guest may rewrite the table while we look at it. */
	memcpy(raw, vq->desc + (size_t)i * DESC_SIZE, sizeof(raw));
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/* Chains longer than this in total are refused: nothing in vsock needs more
 * than a 64 KiB payload plus its header, nor virtio-fs more than a 1 MiB
 * READ plus its headers. */
#define CHAIN_MAX_BYTES	     (1u << 20)
#define CHAIN_MAX_BYTES_WIDE (2u << 20)

/* Records which rule a chain broke; always -EINVAL. */
static int bad_chain(struct vhost_vq *vq, const char *why)
{
	vq->why = why;
	return -EINVAL;
}

static int walk_chain(struct vhost_vq *vq, const struct vhost_mem *mem, uint16_t head,
		      struct vhost_chain *c)
{
	uint16_t i = head;
	for (unsigned count = 0;; count++) {
		/* A chain can never be longer than the table; a longer walk is a loop. */
		if (count >= vq->num)
			return bad_chain(vq, "descriptor chain longer than the queue (a loop)");
		if (i >= vq->num)
			return bad_chain(vq, "descriptor index beyond the table");
		struct desc d;
		read_desc(vq, i, &d);
		c->n_desc++;
		if (d.flags & VRING_DESC_F_INDIRECT)
			return bad_chain(vq, "indirect descriptor (not offered)");
		if (d.len > 0) {
			uint8_t *p = vhost_mem_gpa(mem, d.addr, d.len);
			if (!p)
				return bad_chain(vq, "descriptor outside guest memory");
			bool wr = d.flags & VRING_DESC_F_WRITE;
			unsigned *n = wr ? &c->n_in : &c->n_out;
			uint64_t *total = wr ? &c->in_len : &c->out_len;
			/* Readable descriptors must all come before writable ones. */
			if (!wr && c->n_in > 0)
				return bad_chain(vq, "readable descriptor after a writable one");
			if (*n >= (vq->wide ? VHOST_VQ_WIDE_SEGS : VHOST_VQ_MAX_SEGS))
				return bad_chain(vq, vq->wide
							 ? "more than 264 descriptors with data"
							 : "more than 64 descriptors with data");
			if (*total + d.len > (vq->wide ? CHAIN_MAX_BYTES_WIDE : CHAIN_MAX_BYTES))
				return bad_chain(vq, vq->wide ? "descriptor chain over 2 MiB"
							      : "descriptor chain over 1 MiB");
			(wr ? c->in : c->out)[(*n)++] = (struct vhost_iov){p, d.len};
			*total += d.len;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int vhost_vq_pop(struct vhost_vq *vq, const struct vhost_mem *mem, struct vhost_chain *c)
{
	if (!vq->avail || vq->broken)
		return 0;
	uint16_t avail_idx = load16(vq->avail + 2);
	if (avail_idx == vq->last_avail) {
		if (vq->polled) {
			kicks_poll_off(vq);
			return 0;
		}
		kicks_on(vq);
		avail_idx = load16(vq->avail + 2);
		if (avail_idx == vq->last_avail)
			return 0;
	}
	kicks_off(vq);
	/* The guest can only be ahead by at most the queue size. */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
		vq->broken = true;
		vq->why = "available index more than a queue ahead";
		return -EIO;
	}
	/* Read the ring entry only after seeing the index that published it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint16_t head = load16(vq->avail + AVAIL_HDR + 2u * (vq->last_avail % vq->num));
	vq->last_avail++;
	c->head = head;
	c->n_desc = 0;
	c->n_out = c->n_in = 0;
	c->out_len = c->in_len = 0;
	if (head >= vq->num) {
		/* Not even a valid id to hand back: the ring is corrupt. */
		vq->broken = true;
		vq->why = "available ring names a head beyond the table";
		return -EIO;
	}
	int r = walk_chain(vq, mem, head, c);
	if (r < 0) {
		c->n_out = c->n_in = 0;
		c->out_len = c->in_len = 0;
		return r;
	}
	return 1;
}

void vhost_vq_unpop(struct vhost_vq *vq)
{
	vq->last_avail--;
}

void vhost_vq_push_later(struct vhost_vq *vq, uint16_t head, uint32_t len)
{
	if (!vq->used)
		return;
	/* Slots past the published index are the device's: the guest reads
	 * an element only once the index covers it. */
	uint8_t *e = vq->used + USED_HDR + USED_ELEM_SIZE * (size_t)(vq->used_idx % vq->num);
	store32(e, head);
	store32(e + 4, len);
	vq->used_idx++;
}

void vhost_vq_publish(struct vhost_vq *vq)
{
	if (!vq->used || vq->used_pub == vq->used_idx)
		return;
	/* The elements must be visible before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store16(vq->used + 2, vq->used_idx);
	vq->used_pub = vq->used_idx;
}

void vhost_vq_push(struct vhost_vq *vq, uint16_t head, uint32_t len)
{
	vhost_vq_push_later(vq, head, len);
	vhost_vq_publish(vq);
}

bool vhost_vq_notify_check(struct vhost_vq *vq)
{
	if (!vq->avail)
		return false;
	/* Order our used-index store before reading the guest's request. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(vq->avail) & VRING_AVAIL_F_NO_INTERRUPT);
	uint16_t old = vq->signalled_used, now = vq->used_pub;
	bool valid = vq->signalled_valid;
	vq->signalled_used = now;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	/* vring_need_event(): used_event among the entries added since. */
	uint16_t event = load16(used_event(vq));
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

/* Copies len bytes between buf and the iovecs from skip bytes into them,
 * in the direction to_iov says. Returns the bytes copied. */
static size_t iov_copy(const struct vhost_iov *iov, unsigned n, size_t skip, uint8_t *buf,
		       size_t len, bool to_iov)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		size_t take = iov[i].len - skip;
		if (take > len - done)
			take = len - done;
		if (to_iov)
			memcpy(iov[i].base + skip, buf + done, take);
		else
			memcpy(buf + done, iov[i].base + skip, take);
		done += take;
		skip = 0;
	}
	return done;
}

size_t vhost_iov_to_buf(const struct vhost_iov *iov, unsigned n, size_t skip, void *buf, size_t len)
{
	return iov_copy(iov, n, skip, buf, len, false);
}

size_t vhost_buf_to_iov(const struct vhost_iov *iov, unsigned n, size_t skip, const void *buf,
			size_t len)
{
	/* Only read from buf in this direction. */
	return iov_copy(iov, n, skip, (uint8_t *)(uintptr_t)buf, len, true);
}
