#include "vsock_test_guest.h"

#include <endian.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <stdlib.h>
#include <string.h>

/* Ring layout: queue q at RAM offset q * 0x10000: descriptors, then the
 * avail ring at +0x4000 and the used ring at +0x8000 (room for 256 entries). */
uint64_t tg_desc_gpa(unsigned q)
{
	return TG_GPA_BASE + q * 0x10000ull;
}

uint64_t tg_avail_gpa(unsigned q)
{
	return tg_desc_gpa(q) + 0x4000;
}

uint64_t tg_used_gpa(unsigned q)
{
	return tg_desc_gpa(q) + 0x8000;
}

uint8_t *tg_ptr(struct tguest *g, uint64_t gpa)
{
	return g->ram + (gpa - TG_GPA_BASE);
}

uint64_t tg_uva(uint64_t gpa)
{
	return gpa - TG_GPA_BASE + TG_UVA_BASE;
}

void tg_init_ram(struct tguest *g, uint8_t *ram, size_t ram_size, uint16_t num)
{
	memset(g, 0, sizeof(*g));
	g->ram = ram;
	g->ram_size = ram_size;
	g->num = num;
	g->next_buf = TG_GPA_BASE + TG_BUF_BASE;
}

void tg_attach(struct tguest *g, struct vsock_dev *dev)
{
	g->dev = dev;
	memset(&dev->mem, 0, sizeof(dev->mem));
	vhost_mem_add(&dev->mem, TG_GPA_BASE, g->ram_size, TG_UVA_BASE, g->ram);
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		struct vhost_vq *vq = &dev->vq[q];
		vhost_vq_reset(vq);
		vq->num = g->num;
		vq->desc_uva = tg_uva(tg_desc_gpa(q));
		vq->avail_uva = tg_uva(tg_avail_gpa(q));
		vq->used_uva = tg_uva(tg_used_gpa(q));
		vq->addr_set = true;
		if (vhost_vq_map(vq, &dev->mem) < 0)
			abort();
	}
}

void tg_init(struct tguest *g, struct vsock_dev *dev, uint16_t num)
{
	uint8_t *ram = calloc(1, TG_RAM_SIZE);
	if (!ram)
		abort();
	tg_init_ram(g, ram, TG_RAM_SIZE, num);
	g->owns_ram = true;
	tg_attach(g, dev);
}

void tg_free(struct tguest *g)
{
	if (g->owns_ram)
		free(g->ram);
	g->ram = NULL;
}

uint64_t tg_alloc(struct tguest *g, uint32_t len)
{
	len = (len + 15u) & ~15u;
	if (g->next_buf + len > TG_GPA_BASE + g->ram_size)
		g->next_buf = TG_GPA_BASE + TG_BUF_BASE;
	uint64_t a = g->next_buf;
	g->next_buf += len;
	return a;
}

void tg_set_desc(struct tguest *g, unsigned q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	struct vring_desc d = {htole64(addr), htole32(len), htole16(flags), htole16(next)};
	memcpy(tg_ptr(g, tg_desc_gpa(q)) + (size_t)i * sizeof(d), &d, sizeof(d));
}

uint16_t tg_next_desc(struct tguest *g, unsigned q)
{
	uint16_t i = g->next_desc[q];
	g->next_desc[q] = (uint16_t)((i + 1) % g->num);
	return i;
}

void tg_publish(struct tguest *g, unsigned q, uint16_t head)
{
	uint8_t *avail = tg_ptr(g, tg_avail_gpa(q));
	uint16_t v = htole16(head);
	memcpy(avail + 4 + 2 * (g->avail_idx[q] % g->num), &v, 2);
	g->avail_idx[q]++;
	if (!g->hold) {
		v = htole16(g->avail_idx[q]);
		memcpy(avail + 2, &v, 2);
	}
}

void tg_publish_held(struct tguest *g, unsigned q)
{
	uint16_t v = htole16(g->avail_idx[q]);
	g->hold = false;
	memcpy(tg_ptr(g, tg_avail_gpa(q)) + 2, &v, 2);
}

int tg_used(struct tguest *g, unsigned q, uint32_t *ret_id, uint32_t *ret_len)
{
	uint8_t *used = tg_ptr(g, tg_used_gpa(q));
	uint16_t idx;
	memcpy(&idx, used + 2, 2);
	if (le16toh(idx) == g->used_seen[q])
		return 0;
	uint8_t *e = used + 4 + 8 * (g->used_seen[q] % g->num);
	uint32_t id, len;
	memcpy(&id, e, 4);
	memcpy(&len, e + 4, 4);
	*ret_id = le32toh(id);
	*ret_len = le32toh(len);
	g->used_seen[q]++;
	/* With VIRTIO_RING_F_EVENT_IDX: interrupt me for the next one, as
	 * Linux's driver asks while its callbacks are on. */
	uint16_t ev = htole16(g->used_seen[q]);
	memcpy(tg_ptr(g, tg_avail_gpa(q)) + 4 + 2 * g->num, &ev, 2);
	return 1;
}

void tg_send(struct tguest *g, const struct vsock_hdr *h, const void *payload, uint32_t len)
{
	uint64_t ha = tg_alloc(g, VSOCK_HDR_SIZE);
	vsock_hdr_encode(h, tg_ptr(g, ha));
	uint16_t d0 = tg_next_desc(g, VSOCK_VQ_TX);
	if (len == 0) {
		tg_set_desc(g, VSOCK_VQ_TX, d0, ha, VSOCK_HDR_SIZE, 0, 0);
	} else {
		uint16_t d1 = tg_next_desc(g, VSOCK_VQ_TX);
		uint64_t pa = tg_alloc(g, len);
		memcpy(tg_ptr(g, pa), payload, len);
		tg_set_desc(g, VSOCK_VQ_TX, d0, ha, VSOCK_HDR_SIZE, VRING_DESC_F_NEXT, d1);
		tg_set_desc(g, VSOCK_VQ_TX, d1, pa, len, 0, 0);
	}
	tg_publish(g, VSOCK_VQ_TX, d0);
}

/* Remembers where each posted RX chain's buffers are, by head index. */
static uint64_t rx_hdr_gpa[VHOST_VQ_MAX_SIZE], rx_buf_gpa[VHOST_VQ_MAX_SIZE];

void tg_post_rx(struct tguest *g, unsigned n, uint32_t size)
{
	for (unsigned k = 0; k < n; k++) {
		uint16_t d0 = tg_next_desc(g, VSOCK_VQ_RX);
		uint16_t d1 = tg_next_desc(g, VSOCK_VQ_RX);
		uint64_t ha = tg_alloc(g, VSOCK_HDR_SIZE);
		uint64_t ba = tg_alloc(g, size);
		rx_hdr_gpa[d0] = ha;
		rx_buf_gpa[d0] = ba;
		tg_set_desc(g, VSOCK_VQ_RX, d0, ha, VSOCK_HDR_SIZE,
			    VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, d1);
		tg_set_desc(g, VSOCK_VQ_RX, d1, ba, size, VRING_DESC_F_WRITE, 0);
		tg_publish(g, VSOCK_VQ_RX, d0);
	}
}

int tg_recv(struct tguest *g, struct vsock_hdr *ret_hdr, uint8_t *payload, size_t max)
{
	uint32_t id, len;
	if (!tg_used(g, VSOCK_VQ_RX, &id, &len))
		return -1;
	if (id >= VHOST_VQ_MAX_SIZE || len < VSOCK_HDR_SIZE) {
		memset(ret_hdr, 0, sizeof(*ret_hdr));
		return 0;
	}
	vsock_hdr_decode(tg_ptr(g, rx_hdr_gpa[id]), ret_hdr);
	size_t n = len - VSOCK_HDR_SIZE;
	if (n > max)
		n = max;
	if (payload && n > 0)
		memcpy(payload, tg_ptr(g, rx_buf_gpa[id]), n);
	return (int)n;
}

struct vsock_hdr tg_hdr(uint16_t op, uint32_t guest_port, uint32_t host_port, uint32_t len)
{
	struct vsock_hdr h = {
	    .src_cid = 3,
	    .dst_cid = VSOCK_HOST_CID,
	    .src_port = guest_port,
	    .dst_port = host_port,
	    .len = len,
	    .type = VIRTIO_VSOCK_TYPE_STREAM,
	    .op = op,
	    .buf_alloc = 256 * 1024,
	    .fwd_cnt = 0,
	};
	return h;
}
