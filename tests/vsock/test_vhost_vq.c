/* Guest memory translation, split-virtqueue chain walking against
 * malicious descriptor tables, and packet header checks. */
#include "vsock_test_guest.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct vsock_dev dev;
static struct tguest g;

static int setup(void **state)
{
	(void)state;
	memset(&dev, 0, sizeof(dev));
	tg_init(&g, &dev, 128);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tg_free(&g);
	return 0;
}

/* ---- vhost_mem ---- */

static void test_mem_add_rejects(void **state)
{
	(void)state;
	static uint8_t ram[4096];
	struct vhost_mem m = {0};
	assert_int_equal(vhost_mem_add(&m, 0x1000, 0, 0, ram), -EINVAL);
	assert_int_equal(vhost_mem_add(&m, UINT64_MAX - 10, 4096, 0, ram), -EINVAL);
	assert_int_equal(vhost_mem_add(&m, 0, 4096, UINT64_MAX - 10, ram), -EINVAL);
	assert_int_equal(vhost_mem_add(&m, 0, 4096, 0, NULL), -EINVAL);
	assert_int_equal(vhost_mem_add(&m, 0x1000, 4096, 0x10000, ram), 0);
	/* overlapping in guest-physical space: refused */
	assert_int_equal(vhost_mem_add(&m, 0x1800, 4096, 0x90000, ram), -EINVAL);
	assert_int_equal(vhost_mem_add(&m, 0x0800, 4096, 0x90000, ram), -EINVAL);
	/* the same front-end memory at a second guest address: an alias, fine */
	assert_int_equal(vhost_mem_add(&m, 0x9000, 4096, 0x10000, ram), 0);
	assert_int_equal(m.n, 2);
	m.n = 1;
	for (unsigned i = 1; i < VHOST_MEM_MAX_REGIONS; i++)
		assert_int_equal(
		    vhost_mem_add(&m, 0x100000ull * (i + 1), 4096, 0x1000000ull * (i + 1), ram), 0);
	assert_int_equal(vhost_mem_add(&m, 0x7000000000ull, 4096, 0x7000000000ull, ram), -E2BIG);
}

static void test_mem_translate(void **state)
{
	(void)state;
	static uint8_t ram[4096];
	struct vhost_mem m = {0};
	assert_int_equal(vhost_mem_add(&m, 0x1000, sizeof(ram), 0x50000, ram), 0);
	assert_ptr_equal(vhost_mem_gpa(&m, 0x1000, 4096), ram);
	assert_ptr_equal(vhost_mem_gpa(&m, 0x1ff0, 16), ram + 0xff0);
	assert_ptr_equal(vhost_mem_uva(&m, 0x50010, 16), ram + 0x10);
	assert_non_null(vhost_mem_gpa(&m, 0x2000, 0)); /* empty range at the end */
	assert_null(vhost_mem_gpa(&m, 0x1ff0, 17));    /* runs past the end */
	assert_null(vhost_mem_gpa(&m, 0x0fff, 2));     /* starts before */
	assert_null(vhost_mem_gpa(&m, 0x2001, 0));
	assert_null(vhost_mem_gpa(&m, 0x1000, UINT64_MAX));	   /* huge length */
	assert_null(vhost_mem_gpa(&m, UINT64_MAX - 4, 16));	   /* addr + len wraps */
	assert_null(vhost_mem_gpa(&m, 0x1100, UINT64_MAX - 0x80)); /* offset + len wraps */
	assert_null(vhost_mem_uva(&m, 0x1000, 16));		   /* a gpa is not a uva */
}

static void test_mem_remove(void **state)
{
	(void)state;
	static uint8_t a[64], b[64];
	struct vhost_mem m = {0};
	struct vhost_mem_region old;
	assert_int_equal(vhost_mem_add(&m, 0, 64, 0x1000, a), 0);
	assert_int_equal(vhost_mem_add(&m, 64, 64, 0x2000, b), 0);
	assert_int_equal(vhost_mem_remove(&m, 0, 64, 0x1001, &old), -ENOENT);
	assert_int_equal(vhost_mem_remove(&m, 0, 64, 0x1000, &old), 0);
	assert_ptr_equal(old.host, a);
	assert_null(vhost_mem_gpa(&m, 0, 1));
	assert_ptr_equal(vhost_mem_gpa(&m, 64, 1), b);
}

/* ---- virtqueue ---- */

static uint64_t buf_gpa(uint32_t len)
{
	return tg_alloc(&g, len);
}

static void test_vq_good_chain(void **state)
{
	(void)state;
	struct vhost_chain c;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_TX];
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 0);
	tg_set_desc(&g, 1, 5, buf_gpa(44), 44, VRING_DESC_F_NEXT, 9);
	tg_set_desc(&g, 1, 9, buf_gpa(100), 100, VRING_DESC_F_NEXT, 2);
	tg_set_desc(&g, 1, 2, buf_gpa(200), 200, VRING_DESC_F_WRITE, 0);
	tg_publish(&g, 1, 5);
	assert_true(vhost_vq_has_avail(vq));
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
	assert_int_equal(c.head, 5);
	assert_int_equal(c.n_out, 2);
	assert_int_equal(c.out_len, 144);
	assert_int_equal(c.n_in, 1);
	assert_int_equal(c.in_len, 200);
	vhost_vq_push(vq, c.head, 7);
	uint32_t id, len;
	assert_int_equal(tg_used(&g, 1, &id, &len), 1);
	assert_int_equal(id, 5);
	assert_int_equal(len, 7);
	assert_false(vhost_vq_has_avail(vq));
}

/* Each case builds a bad chain at head 0; pop must return -EINVAL with the
 * head set, so it can be handed back, and name the rule it broke. */
struct bad_chain {
	const char *name;
	void (*build)(void);
	const char *why;
};

static void bad_next_out_of_range(void)
{
	tg_set_desc(&g, 1, 0, buf_gpa(44), 44, VRING_DESC_F_NEXT, 128);
}
static void bad_self_loop(void)
{
	tg_set_desc(&g, 1, 0, buf_gpa(44), 44, VRING_DESC_F_NEXT, 0);
}
static void bad_loop(void)
{
	tg_set_desc(&g, 1, 0, buf_gpa(44), 44, VRING_DESC_F_NEXT, 1);
	tg_set_desc(&g, 1, 1, buf_gpa(44), 44, VRING_DESC_F_NEXT, 2);
	tg_set_desc(&g, 1, 2, buf_gpa(44), 44, VRING_DESC_F_NEXT, 0);
}
static void bad_zero_len_loop(void)
{
	/* Empty descriptors still count towards the chain length. */
	tg_set_desc(&g, 1, 0, 0, 0, VRING_DESC_F_NEXT, 1);
	tg_set_desc(&g, 1, 1, 0, 0, VRING_DESC_F_NEXT, 0);
}
static void bad_addr_outside(void)
{
	tg_set_desc(&g, 1, 0, TG_GPA_BASE + TG_RAM_SIZE, 44, 0, 0);
}
static void bad_addr_below(void)
{
	tg_set_desc(&g, 1, 0, TG_GPA_BASE - 16, 44, 0, 0);
}
static void bad_addr_straddles(void)
{
	tg_set_desc(&g, 1, 0, TG_GPA_BASE + TG_RAM_SIZE - 20, 44, 0, 0);
}
static void bad_addr_wraps(void)
{
	tg_set_desc(&g, 1, 0, UINT64_MAX - 8, 44, 0, 0);
}
static void bad_huge_len(void)
{
	tg_set_desc(&g, 1, 0, TG_GPA_BASE, 0xffffffffu, 0, 0);
}
static void bad_indirect(void)
{
	uint64_t table = buf_gpa(32);
	tg_set_desc(&g, 1, 0, table, 32, VRING_DESC_F_INDIRECT, 0);
}
static void bad_write_then_read(void)
{
	tg_set_desc(&g, 1, 0, buf_gpa(44), 44, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	tg_set_desc(&g, 1, 1, buf_gpa(44), 44, 0, 0);
}
static void bad_too_many_segments(void)
{
	uint64_t b = buf_gpa(16);
	for (uint16_t i = 0; i <= VHOST_VQ_MAX_SEGS; i++)
		tg_set_desc(&g, 1, i, b, 16, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	tg_set_desc(&g, 1, VHOST_VQ_MAX_SEGS + 1, b, 16, 0, 0);
}
static void bad_too_many_bytes(void)
{
	/* 3 x 1 MiB - 16 readable bytes: every address valid, the total too big. */
	for (uint16_t i = 0; i < 3; i++)
		tg_set_desc(&g, 1, i, TG_GPA_BASE, (1u << 20) - 16, i < 2 ? VRING_DESC_F_NEXT : 0,
			    (uint16_t)(i + 1));
}

static void bad_len_lies_past_end(void)
{
	/* A real buffer whose length claims 1 byte more than guest RAM holds. */
	uint64_t a = TG_GPA_BASE + TG_RAM_SIZE - 100;
	tg_set_desc(&g, 1, 0, a, 101, 0, 0);
}
static void bad_loop_to_head_late(void)
{
	/* A long chain that only closes on itself at the very end. */
	for (uint16_t i = 0; i < 127; i++)
		tg_set_desc(&g, 1, i, 0, 0, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	tg_set_desc(&g, 1, 127, 0, 0, VRING_DESC_F_NEXT, 0);
}
static void bad_write_outside(void)
{
	/* Device-writable buffers are checked the same way. */
	tg_set_desc(&g, 1, 0, buf_gpa(44), 44, VRING_DESC_F_NEXT, 1);
	tg_set_desc(&g, 1, 1, TG_GPA_BASE + TG_RAM_SIZE, 4096, VRING_DESC_F_WRITE, 0);
}
static void bad_too_many_writable(void)
{
	uint64_t b = buf_gpa(16);
	for (uint16_t i = 0; i <= VHOST_VQ_MAX_SEGS; i++)
		tg_set_desc(&g, 1, i, b, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
			    (uint16_t)(i + 1));
	tg_set_desc(&g, 1, VHOST_VQ_MAX_SEGS + 1, b, 16, VRING_DESC_F_WRITE, 0);
}

#define LOOP	"descriptor chain longer than the queue (a loop)"
#define OUTSIDE "descriptor outside guest memory"

static const struct bad_chain bad_chains[] = {
    {"next out of range", bad_next_out_of_range, "descriptor index beyond the table"},
    /* Loops through buffers with data hit the segment cap first; empty
     * descriptors carry nothing and are stopped by the length rule. */
    {"self loop", bad_self_loop, "more than 64 descriptors with data"},
    {"three-descriptor loop", bad_loop, "more than 64 descriptors with data"},
    {"zero-length loop", bad_zero_len_loop, LOOP},
    {"loop closing after 128 descriptors", bad_loop_to_head_late, LOOP},
    {"address past RAM", bad_addr_outside, OUTSIDE},
    {"address below RAM", bad_addr_below, OUTSIDE},
    {"buffer straddles the end", bad_addr_straddles, OUTSIDE},
    {"length lies by one byte past RAM", bad_len_lies_past_end, OUTSIDE},
    {"address + len wraps", bad_addr_wraps, OUTSIDE},
    {"4 GiB length", bad_huge_len, OUTSIDE},
    {"writable buffer past RAM", bad_write_outside, OUTSIDE},
    {"indirect table", bad_indirect, "indirect descriptor (not offered)"},
    {"readable after writable", bad_write_then_read, "readable descriptor after a writable one"},
    {"too many segments", bad_too_many_segments, "more than 64 descriptors with data"},
    {"too many writable segments", bad_too_many_writable, "more than 64 descriptors with data"},
    {"too many bytes", bad_too_many_bytes, "descriptor chain over 1 MiB"},
};

/* The limits themselves are allowed: 64 segments and 1 MiB. */
static void test_vq_chain_limits_exact(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_TX];
	static struct vhost_chain c;
	uint64_t b = buf_gpa(16);
	for (uint16_t i = 0; i < VHOST_VQ_MAX_SEGS; i++)
		tg_set_desc(&g, 1, i, b, 16, i + 1 < VHOST_VQ_MAX_SEGS ? VRING_DESC_F_NEXT : 0,
			    (uint16_t)(i + 1));
	tg_publish(&g, 1, 0);
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
	assert_int_equal(c.n_out, VHOST_VQ_MAX_SEGS);
	vhost_vq_push(vq, c.head, 0);
	tg_set_desc(&g, 1, 0, TG_GPA_BASE, 1u << 20, 0, 0);
	tg_publish(&g, 1, 0);
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
	assert_int_equal(c.out_len, 1u << 20);
	/* And a buffer ending exactly at the end of RAM. */
	vhost_vq_push(vq, c.head, 0);
	tg_set_desc(&g, 1, 0, TG_GPA_BASE + TG_RAM_SIZE - 100, 100, 0, 0);
	tg_publish(&g, 1, 0);
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
}

static void test_vq_bad_chains(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_TX];
	static struct vhost_chain c;
	for (size_t i = 0; i < sizeof(bad_chains) / sizeof(bad_chains[0]); i++) {
		bad_chains[i].build();
		tg_publish(&g, 1, 0);
		vq->why = NULL;
		int r = vhost_vq_pop(vq, &dev.mem, &c);
		if (r != -EINVAL)
			fail_msg("%s: pop returned %d", bad_chains[i].name, r);
		if (!vq->why || strcmp(vq->why, bad_chains[i].why) != 0)
			fail_msg("%s: refused for '%s', expected '%s'", bad_chains[i].name,
				 vq->why ? vq->why : "(nothing)", bad_chains[i].why);
		assert_int_equal(c.head, 0);
		assert_int_equal(c.n_out + c.n_in, 0);
		vhost_vq_push(vq, c.head, 0);
		assert_false(vq->broken);
	}
}

static void test_vq_bad_head_breaks_ring(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_TX];
	struct vhost_chain c;
	tg_publish(&g, 1, 128); /* head index just beyond the 128-entry table */
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), -EIO);
	assert_true(vq->broken);
	assert_string_equal(vq->why, "available ring names a head beyond the table");
	/* A broken ring is left alone until the device is reset. */
	tg_set_desc(&g, 1, 0, buf_gpa(44), 44, 0, 0);
	tg_publish(&g, 1, 0);
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 0);
	assert_false(vhost_vq_has_avail(vq));
}

static void test_vq_avail_idx_jump(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_TX];
	struct vhost_chain c;
	/* Exactly a queue ahead is allowed (the guest filled every slot)... */
	for (uint16_t i = 0; i < 128; i++) {
		tg_set_desc(&g, 1, i, buf_gpa(44), 44, 0, 0);
		tg_publish(&g, 1, i);
	}
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
	vhost_vq_unpop(vq);
	/* ...one more is not: the guest's index is lying. */
	uint16_t idx = htole16(129);
	memcpy(tg_ptr(&g, tg_avail_gpa(1)) + 2, &idx, 2);
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), -EIO);
	assert_true(vq->broken);
	assert_string_equal(vq->why, "available index more than a queue ahead");
	/* An index that went backwards is as far ahead as it gets. */
	tg_free(&g);
	tg_init(&g, &dev, 128);
	idx = htole16(65535);
	memcpy(tg_ptr(&g, tg_avail_gpa(1)) + 2, &idx, 2);
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), -EIO);
}

static void test_vq_index_wraps(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_TX];
	struct vhost_chain c;
	/* Start both sides near the 16-bit wrap, as after a long uptime. */
	vq->last_avail = vq->used_idx = 65534;
	g.avail_idx[1] = g.used_seen[1] = 65534;
	for (int i = 0; i < 4; i++) {
		tg_set_desc(&g, 1, (uint16_t)i, buf_gpa(44), 44, 0, 0);
		tg_publish(&g, 1, (uint16_t)i);
		assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
		assert_int_equal(c.head, i);
		vhost_vq_push(vq, c.head, 0);
		uint32_t id, len;
		assert_int_equal(tg_used(&g, 1, &id, &len), 1);
		assert_int_equal(id, (uint32_t)i);
	}
	assert_int_equal(vq->last_avail, 2);
}

static void test_vq_unpop(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_RX];
	struct vhost_chain c;
	tg_post_rx(&g, 1, 100);
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
	vhost_vq_unpop(vq);
	assert_true(vhost_vq_has_avail(vq));
	assert_int_equal(vhost_vq_pop(vq, &dev.mem, &c), 1);
	assert_int_equal(c.in_len, 144);
}

static void test_vq_map_checks(void **state)
{
	(void)state;
	struct vhost_vq vq = dev.vq[VSOCK_VQ_TX];
	vq.num = 100; /* not a power of two */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EINVAL);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.desc_uva += 8; /* misaligned */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EINVAL);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.used_uva = TG_UVA_BASE + TG_RAM_SIZE - 16; /* used ring runs off RAM */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EFAULT);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.desc_uva = 0; /* not guest memory at all */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EFAULT);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.num = 32768;
	vq.desc_uva = TG_UVA_BASE + TG_RAM_SIZE - 4096; /* table would need 512 KiB */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EFAULT);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.addr_set = false;
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EINVAL);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.num = 0;
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EINVAL);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.avail_uva += 1; /* avail ring needs 2-byte alignment */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EINVAL);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.used_uva += 2; /* used ring needs 4-byte alignment */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EINVAL);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.avail_uva = TG_UVA_BASE + TG_RAM_SIZE - (4 + 2 * 128 + 2) + 2; /* 2 bytes short */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EFAULT);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.avail_uva = TG_UVA_BASE + TG_RAM_SIZE - (4 + 2 * 128 + 2); /* fits exactly */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), 0);
	vq = dev.vq[VSOCK_VQ_TX];
	vq.desc_uva = TG_GPA_BASE; /* a guest-physical address is not a front-end one */
	assert_int_equal(vhost_vq_map(&vq, &dev.mem), -EFAULT);
}

static void test_vq_notify_flag(void **state)
{
	(void)state;
	struct vhost_vq *vq = &dev.vq[VSOCK_VQ_RX];
	assert_true(vhost_vq_notify_check(vq));
	uint16_t f = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	memcpy(tg_ptr(&g, tg_avail_gpa(0)), &f, 2);
	assert_false(vhost_vq_notify_check(vq));
}

static void test_iov_copy(void **state)
{
	(void)state;
	uint8_t a[3], b[5], out[8];
	struct vhost_iov iov[2] = {{a, 3}, {b, 5}};
	const uint8_t src[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	assert_int_equal(vhost_buf_to_iov(iov, 2, 2, src, 8), 6);
	assert_int_equal(a[2], 1);
	assert_int_equal(b[4], 6);
	assert_int_equal(vhost_iov_to_buf(iov, 2, 2, out, 8), 6);
	assert_memory_equal(out, src, 6);
	assert_int_equal(vhost_iov_to_buf(iov, 2, 9, out, 8), 0);
}

/* ---- packet headers ---- */

/* Every rule of vsock_pkt_check, tripped once, and every cap at and just
 * past its limit. */
struct pkt_case {
	const char *name;
	struct vsock_hdr h;
	uint64_t payload_avail;
	enum vsock_pkt_verdict want;
	const char *why;
};

#define HDR(op_, len_)                                                                             \
	{                                                                                          \
		.src_cid = 3, .dst_cid = 2, .src_port = 1000, .dst_port = 5000, .len = (len_),     \
		.type = VIRTIO_VSOCK_TYPE_STREAM, .op = (op_)                                      \
	}
#define OK(name, op, len, avail)                                                                   \
	{                                                                                          \
		name, HDR(op, len), avail, VSOCK_PKT_OK, NULL                                      \
	}
#define RESET(name, op, len, avail, w)                                                             \
	{                                                                                          \
		name, HDR(op, len), avail, VSOCK_PKT_RESET, w                                      \
	}

static void test_pkt_check_table(void **state)
{
	(void)state;
	struct pkt_case cases[] = {
	    OK("RW", VIRTIO_VSOCK_OP_RW, 10, 10),
	    OK("RW shorter than the chain", VIRTIO_VSOCK_OP_RW, 10, 4000),
	    OK("RW of exactly 64 KiB", VIRTIO_VSOCK_OP_RW, 65536, 65536),
	    OK("REQUEST", VIRTIO_VSOCK_OP_REQUEST, 0, 0),
	    OK("RST", VIRTIO_VSOCK_OP_RST, 0, 0),
	    OK("RST with junk payload length", VIRTIO_VSOCK_OP_RST, 99, 0),
	    OK("CREDIT_REQUEST (highest op)", VIRTIO_VSOCK_OP_CREDIT_REQUEST, 0, 0),
	    RESET("RW one byte longer than the chain", VIRTIO_VSOCK_OP_RW, 11, 10,
		  "payload length beyond the descriptor chain"),
	    RESET("RW with no payload in the chain", VIRTIO_VSOCK_OP_RW, 1, 0,
		  "payload length beyond the descriptor chain"),
	    RESET("RW one byte over 64 KiB", VIRTIO_VSOCK_OP_RW, 65537, 1 << 20,
		  "payload length over 64 KiB"),
	    RESET("RW of 4 GiB", VIRTIO_VSOCK_OP_RW, 0xffffffffu, 1 << 20,
		  "payload length over 64 KiB"),
	    RESET("REQUEST with payload", VIRTIO_VSOCK_OP_REQUEST, 4, 4,
		  "payload on a packet other than RW"),
	    RESET("CREDIT_UPDATE with payload", VIRTIO_VSOCK_OP_CREDIT_UPDATE, 1, 1,
		  "payload on a packet other than RW"),
	    RESET("op 0", 0, 0, 0, "unknown op"),
	    RESET("op 8 (one past the last)", 8, 0, 0, "unknown op"),
	    RESET("op 0xffff", 0xffff, 0, 0, "unknown op"),
	};
	struct pkt_case more[] = {
	    {"spoofed source", HDR(VIRTIO_VSOCK_OP_RW, 0), 0, VSOCK_PKT_DROP,
	     "source CID is not the guest's"},
	    {"source is the host", HDR(VIRTIO_VSOCK_OP_REQUEST, 0), 0, VSOCK_PKT_DROP,
	     "source CID is not the guest's"},
	    {"spoofed source on a reset", HDR(VIRTIO_VSOCK_OP_RST, 0), 0, VSOCK_PKT_DROP,
	     "source CID is not the guest's"},
	    {"source CID above 32 bits", HDR(VIRTIO_VSOCK_OP_REQUEST, 0), 0, VSOCK_PKT_DROP,
	     "source CID is not the guest's"},
	    {"other destination", HDR(VIRTIO_VSOCK_OP_REQUEST, 0), 0, VSOCK_PKT_RESET,
	     "destination CID is not the host"},
	    {"destination is the guest itself", HDR(VIRTIO_VSOCK_OP_RW, 0), 0, VSOCK_PKT_RESET,
	     "destination CID is not the host"},
	    {"RST to other destination", HDR(VIRTIO_VSOCK_OP_RST, 0), 0, VSOCK_PKT_DROP,
	     "reset for a destination CID other than the host"},
	    {"seqpacket", HDR(VIRTIO_VSOCK_OP_REQUEST, 0), 0, VSOCK_PKT_RESET,
	     "socket type is not stream"},
	    {"bad shutdown flags", HDR(VIRTIO_VSOCK_OP_SHUTDOWN, 0), 0, VSOCK_PKT_RESET,
	     "unknown SHUTDOWN flags"},
	    {"both shutdown flags", HDR(VIRTIO_VSOCK_OP_SHUTDOWN, 0), 0, VSOCK_PKT_OK, NULL},
	};
	more[0].h.src_cid = 4;
	more[1].h.src_cid = VSOCK_HOST_CID;
	more[2].h.src_cid = 7;
	more[3].h.src_cid = 3 + (1ull << 32);
	more[4].h.dst_cid = 7;
	more[5].h.dst_cid = 3;
	more[6].h.dst_cid = 7;
	more[7].h.type = VIRTIO_VSOCK_TYPE_SEQPACKET;
	more[8].h.flags = 4;
	more[9].h.flags = VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND;
	struct pkt_case *all[] = {cases, more};
	size_t counts[] = {sizeof(cases) / sizeof(cases[0]), sizeof(more) / sizeof(more[0])};
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < counts[t]; i++) {
			const struct pkt_case *k = &all[t][i];
			const char *why = NULL;
			enum vsock_pkt_verdict v =
			    vsock_pkt_check(&k->h, 3, k->payload_avail, &why);
			if (v != k->want)
				fail_msg("%s: verdict %d, expected %d", k->name, v, k->want);
			if (k->why && (!why || strcmp(why, k->why) != 0))
				fail_msg("%s: refused for '%s', expected '%s'", k->name,
					 why ? why : "(nothing)", k->why);
		}
	}
}

static void test_hdr_roundtrip(void **state)
{
	(void)state;
	struct vsock_hdr h = {
	    0x1122334455667788ull, 2, 0xa1a2a3a4, 0xb1b2b3b4, 77, 1, 5, 3, 262144, 0xfffffff0};
	uint8_t raw[VSOCK_HDR_SIZE];
	vsock_hdr_encode(&h, raw);
	assert_int_equal(raw[0], 0x88); /* little endian on the wire */
	struct vsock_hdr back;
	vsock_hdr_decode(raw, &back);
	assert_int_equal(back.src_cid, h.src_cid);
	assert_int_equal(back.dst_cid, h.dst_cid);
	assert_int_equal(back.src_port, h.src_port);
	assert_int_equal(back.dst_port, h.dst_port);
	assert_int_equal(back.len, h.len);
	assert_int_equal(back.type, h.type);
	assert_int_equal(back.op, h.op);
	assert_int_equal(back.flags, h.flags);
	assert_int_equal(back.buf_alloc, h.buf_alloc);
	assert_int_equal(back.fwd_cnt, h.fwd_cnt);
	assert_string_equal(vsock_op_name(5), "RW");
	assert_string_equal(vsock_op_name(99), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mem_add_rejects),
	    cmocka_unit_test(test_mem_translate),
	    cmocka_unit_test(test_mem_remove),
	    cmocka_unit_test_setup_teardown(test_vq_good_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_bad_chains, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_chain_limits_exact, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_bad_head_breaks_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_avail_idx_jump, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_index_wraps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_unpop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_map_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vq_notify_flag, setup, teardown),
	    cmocka_unit_test(test_iov_copy),
	    cmocka_unit_test(test_pkt_check_table),
	    cmocka_unit_test(test_hdr_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
