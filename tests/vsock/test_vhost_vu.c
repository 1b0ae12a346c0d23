/* The vhost-user message decoder: framing, the size and fd table (every
 * request at, one under and one over its size), each request's own checks,
 * region-vs-file bounds, and the incremental reader fed byte by byte. */
#include "vu_msg.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const uint32_t all_requests[] = {
    VU_GET_FEATURES,
    VU_SET_FEATURES,
    VU_SET_OWNER,
    VU_RESET_OWNER,
    VU_SET_MEM_TABLE,
    VU_SET_VRING_NUM,
    VU_SET_VRING_ADDR,
    VU_SET_VRING_BASE,
    VU_GET_VRING_BASE,
    VU_SET_VRING_KICK,
    VU_SET_VRING_CALL,
    VU_SET_VRING_ERR,
    VU_GET_PROTOCOL_FEATURES,
    VU_SET_PROTOCOL_FEATURES,
    VU_GET_QUEUE_NUM,
    VU_SET_VRING_ENABLE,
    VU_GET_CONFIG,
    VU_SET_CONFIG,
    VU_GET_MAX_MEM_SLOTS,
    VU_ADD_MEM_REG,
    VU_REM_MEM_REG,
};

/* A valid payload for each request, in p; returns its size and fd count. */
static uint32_t valid_payload(uint32_t req, uint8_t *p, unsigned *ret_nfds)
{
	memset(p, 0, VU_PAYLOAD_MAX);
	*ret_nfds = 0;
	struct vu_region reg = {0x1000, 0x10000, 0x7f0000000000, 0};
	uint64_t u;
	uint32_t st[2] = {1, 256};
	switch (req) {
	case VU_SET_FEATURES:
		u = VU_FEATURES;
		memcpy(p, &u, 8);
		return 8;
	case VU_SET_PROTOCOL_FEATURES:
		u = VU_PROTOCOL_FEATURES;
		memcpy(p, &u, 8);
		return 8;
	case VU_SET_MEM_TABLE: {
		uint32_t n[2] = {2, 0};
		memcpy(p, n, 8);
		memcpy(p + 8, &reg, 32);
		reg.gpa += 0x100000;
		memcpy(p + 40, &reg, 32);
		*ret_nfds = 2;
		return 72;
	}
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
		memcpy(p, st, 8);
		return 8;
	case VU_SET_VRING_ENABLE:
		st[1] = 1;
		memcpy(p, st, 8);
		return 8;
	case VU_SET_VRING_ADDR: {
		struct vu_vring_addr a = {1, 0, 0x7f0000001000, 0x7f0000003000, 0x7f0000002000, 0};
		memcpy(p, &a, sizeof(a));
		return 40;
	}
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		u = 1;
		memcpy(p, &u, 8);
		*ret_nfds = 1;
		return 8;
	case VU_GET_CONFIG:
	case VU_SET_CONFIG: {
		uint32_t c[3] = {0, 8, 0};
		memcpy(p, c, 12);
		return 20;
	}
	case VU_ADD_MEM_REG:
		*ret_nfds = 1;
		memcpy(p + 8, &reg, 32);
		return 40;
	case VU_REM_MEM_REG:
		memcpy(p + 8, &reg, 32);
		return 40;
	default:
		return 0;
	}
}

static int decode(uint32_t req, const uint8_t *p, uint32_t size, unsigned nfds, struct vu_msg *m)
{
	struct vu_hdr h = {req, VU_VERSION, size};
	return vu_msg_decode(&h, p, nfds, m);
}

static void test_every_request_valid(void **state)
{
	(void)state;
	uint8_t p[VU_PAYLOAD_MAX];
	struct vu_msg m;
	for (size_t i = 0; i < sizeof(all_requests) / sizeof(all_requests[0]); i++) {
		unsigned nfds;
		uint32_t req = all_requests[i];
		uint32_t size = valid_payload(req, p, &nfds);
		int r = decode(req, p, size, nfds, &m);
		if (r != 0)
			fail_msg("%s: %d (%s)", vu_request_name(req), r, m.why);
		assert_non_null(vu_msg_spec(req));
	}
}

/* A payload one byte short or long, or one fd too few or many, is refused
 * by the table before any request looks at it. */
static void test_sizes_and_fds_off_by_one(void **state)
{
	(void)state;
	uint8_t p[VU_PAYLOAD_MAX + 1];
	struct vu_msg m;
	for (size_t i = 0; i < sizeof(all_requests) / sizeof(all_requests[0]); i++) {
		unsigned nfds;
		uint32_t req = all_requests[i];
		const struct vu_msg_spec *s = vu_msg_spec(req);
		valid_payload(req, p, &nfds);
		uint32_t sizes[] = {s->min_size - 1u, s->max_size + 1u};
		for (int k = 0; k < 2; k++) {
			if (k == 0 && s->min_size == 0)
				continue;
			int r = decode(req, p, sizes[k], nfds, &m);
			if (r != -EINVAL ||
			    strcmp(m.why, "payload size wrong for the request") != 0)
				fail_msg("%s with %u bytes: %d (%s)", vu_request_name(req),
					 sizes[k], r, m.why ? m.why : "accepted");
		}
		uint32_t size = valid_payload(req, p, &nfds);
		unsigned fds[] = {s->min_fds - 1u, s->max_fds + 1u};
		for (int k = 0; k < 2; k++) {
			if (k == 0 && s->min_fds == 0)
				continue;
			int r = decode(req, p, size, fds[k], &m);
			if (r != -EINVAL || strcmp(m.why, "fd count wrong for the request") != 0)
				fail_msg("%s with %u fds: %d (%s)", vu_request_name(req), fds[k], r,
					 m.why ? m.why : "accepted");
		}
	}
}

static void test_unknown_requests(void **state)
{
	(void)state;
	uint8_t p[VU_PAYLOAD_MAX] = {0};
	struct vu_msg m;
	uint32_t unknown[] = {0, 6, 7, 19, 23, 26, 35, 39, 40, 41, 1000, UINT32_MAX};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_int_equal(decode(unknown[i], p, 0, 0, &m), -EOPNOTSUPP);
		assert_null(vu_msg_spec(unknown[i]));
		assert_string_equal(vu_request_name(unknown[i]), "unknown");
	}
	assert_string_equal(vu_request_name(VU_SET_VRING_NUM), "SET_VRING_NUM");
}

/* Each request's own rules: one case per rule, with the reason expected. */
struct rule_case {
	const char *name;
	uint32_t req;
	void (*mutate)(uint8_t *p, uint32_t *size, unsigned *nfds);
	const char *why; /* NULL: accepted */
};

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}
static void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

static void m_feature_unknown(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 0, VU_FEATURES | 1);
}
static void m_protocol_unknown(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 0, 1ull << 1); /* LOG_SHMFD: not offered */
}
static void m_queue_2(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 0, 2); /* the event queue is qemu's */
}
static void m_num_0(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 0);
}
static void m_num_3(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 3);
}
static void m_num_max(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 32768);
}
static void m_num_over(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 65536);
}
static void m_base_max(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 65535);
}
static void m_base_over(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 65536);
}
static void m_enable_2(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 2);
}
static void m_addr_log(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 1);
}
static void m_addr_desc_misaligned(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 8, 0x7f0000001008);
}
static void m_addr_used_misaligned(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 16, 0x7f0000003002);
}
static void m_addr_avail_misaligned(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 24, 0x7f0000002001);
}
static void m_fd_nofd_with_fd(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 0, 1 | VU_VRING_NOFD);
}
static void m_fd_nofd(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s;
	put64(p, 0, 1 | VU_VRING_NOFD);
	*n = 0;
}
static void m_fd_missing(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)p, (void)s;
	*n = 0;
}
static void m_fd_high_bits(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 0, 1 | (1ull << 40));
}
static void m_fd_queue(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 0, 0xff);
}
static void m_mem_zero(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 0, 0);
}
static void m_mem_nine(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 0, 9);
}
static void m_mem_count_lies(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 0, 1); /* says one region, carries two */
}
static void m_mem_fds_lie(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)p, (void)s;
	*n = 1;
}
static void m_mem_empty_region(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 40 + 8, 0);
}
static void m_mem_gpa_wraps(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 40, UINT64_MAX - 0x100);
}
static void m_mem_uva_wraps(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 40 + 16, UINT64_MAX - 0xfff);
}
static void m_mem_offset_wraps(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 40 + 24, UINT64_MAX - 0xffff);
}
static void m_mem_gpa_ends_at_top(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 40, UINT64_MAX - 0x10000); /* ends just below 2^64: no wrap */
}
static void m_reg_empty(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put64(p, 16, 0);
}
static void m_cfg_size_lies(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, 4); /* says 4 config bytes, carries 8 */
}
static void m_cfg_past_space(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)n;
	put32(p, 0, 4);
	(void)s; /* 4 + 8 > the 8-byte config space */
}
static void m_cfg_offset_huge(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 0, UINT32_MAX - 3);
}
static void m_cfg_tail(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)n;
	put32(p, 0, 4);
	put32(p, 4, 4);
	*s = 16;
}
static void m_cfg_size_over_max(uint8_t *p, uint32_t *s, unsigned *n)
{
	(void)s, (void)n;
	put32(p, 4, VU_CONFIG_MAX + 1);
}

static const struct rule_case rules[] = {
    {"unknown feature", VU_SET_FEATURES, m_feature_unknown, "features that were not offered"},
    {"unknown protocol feature", VU_SET_PROTOCOL_FEATURES, m_protocol_unknown,
     "protocol features that were not offered"},
    {"NUM: queue 2", VU_SET_VRING_NUM, m_queue_2, "no such queue"},
    {"NUM: 0", VU_SET_VRING_NUM, m_num_0, "queue size not a power of two up to 32768"},
    {"NUM: 3", VU_SET_VRING_NUM, m_num_3, "queue size not a power of two up to 32768"},
    {"NUM: 32768", VU_SET_VRING_NUM, m_num_max, NULL},
    {"NUM: 65536", VU_SET_VRING_NUM, m_num_over, "queue size not a power of two up to 32768"},
    {"BASE: 65535", VU_SET_VRING_BASE, m_base_max, NULL},
    {"BASE: 65536", VU_SET_VRING_BASE, m_base_over, "ring base over 65535"},
    {"BASE: queue 2", VU_SET_VRING_BASE, m_queue_2, "no such queue"},
    {"GET_VRING_BASE: queue 2", VU_GET_VRING_BASE, m_queue_2, "no such queue"},
    {"ENABLE: 2", VU_SET_VRING_ENABLE, m_enable_2, "enable is neither 0 nor 1"},
    {"ENABLE: queue 2", VU_SET_VRING_ENABLE, m_queue_2, "no such queue"},
    {"ADDR: queue 2", VU_SET_VRING_ADDR, m_queue_2, "no such queue"},
    {"ADDR: logging", VU_SET_VRING_ADDR, m_addr_log, "ring flags (dirty logging) not offered"},
    {"ADDR: desc misaligned", VU_SET_VRING_ADDR, m_addr_desc_misaligned, "misaligned ring address"},
    {"ADDR: used misaligned", VU_SET_VRING_ADDR, m_addr_used_misaligned, "misaligned ring address"},
    {"ADDR: avail misaligned", VU_SET_VRING_ADDR, m_addr_avail_misaligned,
     "misaligned ring address"},
    {"KICK: NOFD with an fd", VU_SET_VRING_KICK, m_fd_nofd_with_fd,
     "fd count does not match the NOFD bit"},
    {"KICK: no fd (polling)", VU_SET_VRING_KICK, m_fd_nofd,
     "a queue without a kick fd (polling) is not supported"},
    {"CALL: NOFD", VU_SET_VRING_CALL, m_fd_nofd, NULL},
    {"CALL: fd missing", VU_SET_VRING_CALL, m_fd_missing, "fd count does not match the NOFD bit"},
    {"ERR: high bits", VU_SET_VRING_ERR, m_fd_high_bits, "unknown bits beside the queue index"},
    {"CALL: queue 255", VU_SET_VRING_CALL, m_fd_queue, "no such queue"},
    {"MEM_TABLE: 0 regions", VU_SET_MEM_TABLE, m_mem_zero, "region count not 1 to 8"},
    {"MEM_TABLE: 9 regions", VU_SET_MEM_TABLE, m_mem_nine, "region count not 1 to 8"},
    {"MEM_TABLE: count lies", VU_SET_MEM_TABLE, m_mem_count_lies,
     "payload size does not match the region count"},
    {"MEM_TABLE: fds lie", VU_SET_MEM_TABLE, m_mem_fds_lie,
     "fd count does not match the region count"},
    {"MEM_TABLE: empty region", VU_SET_MEM_TABLE, m_mem_empty_region, "empty memory region"},
    {"MEM_TABLE: gpa wraps", VU_SET_MEM_TABLE, m_mem_gpa_wraps,
     "memory region wraps around the address space"},
    {"MEM_TABLE: uva wraps", VU_SET_MEM_TABLE, m_mem_uva_wraps,
     "memory region wraps around the address space"},
    {"MEM_TABLE: offset wraps", VU_SET_MEM_TABLE, m_mem_offset_wraps,
     "memory region wraps around the address space"},
    {"MEM_TABLE: region ends below 2^64", VU_SET_MEM_TABLE, m_mem_gpa_ends_at_top, NULL},
    {"ADD_MEM_REG: empty", VU_ADD_MEM_REG, m_reg_empty, "empty memory region"},
    {"REM_MEM_REG: empty", VU_REM_MEM_REG, m_reg_empty, "empty memory region"},
    {"GET_CONFIG: size lies", VU_GET_CONFIG, m_cfg_size_lies,
     "payload size does not match the config size"},
    {"GET_CONFIG: past the space", VU_GET_CONFIG, m_cfg_past_space,
     "config range outside the config space"},
    {"GET_CONFIG: offset wraps", VU_GET_CONFIG, m_cfg_offset_huge,
     "config range outside the config space"},
    {"GET_CONFIG: last 4 bytes", VU_GET_CONFIG, m_cfg_tail, NULL},
    {"GET_CONFIG: over 256", VU_GET_CONFIG, m_cfg_size_over_max,
     "payload size does not match the config size"},
};

static void test_request_rules(void **state)
{
	(void)state;
	uint8_t p[VU_PAYLOAD_MAX];
	struct vu_msg m;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule_case *c = &rules[i];
		unsigned nfds;
		uint32_t size = valid_payload(c->req, p, &nfds);
		c->mutate(p, &size, &nfds);
		int r = decode(c->req, p, size, nfds, &m);
		if (!c->why && r != 0)
			fail_msg("%s: refused (%s)", c->name, m.why);
		if (c->why && (r != -EINVAL || !m.why || strcmp(m.why, c->why) != 0))
			fail_msg("%s: %d '%s', expected '%s'", c->name, r, m.why ? m.why : "",
				 c->why);
	}
}

static void test_decoded_values(void **state)
{
	(void)state;
	uint8_t p[VU_PAYLOAD_MAX];
	struct vu_msg m;
	unsigned nfds;
	uint32_t size = valid_payload(VU_SET_MEM_TABLE, p, &nfds);
	assert_int_equal(decode(VU_SET_MEM_TABLE, p, size, nfds, &m), 0);
	assert_int_equal(m.u.mem.n, 2);
	assert_int_equal(m.u.mem.r[1].gpa, 0x101000);
	assert_int_equal(m.u.mem.r[1].size, 0x10000);
	size = valid_payload(VU_SET_VRING_KICK, p, &nfds);
	assert_int_equal(decode(VU_SET_VRING_KICK, p, size, nfds, &m), 0);
	assert_int_equal(m.u.vring_fd.index, 1);
	assert_true(m.u.vring_fd.has_fd);
	size = valid_payload(VU_SET_VRING_ADDR, p, &nfds);
	assert_int_equal(decode(VU_SET_VRING_ADDR, p, size, nfds, &m), 0);
	assert_int_equal(m.u.addr.avail, 0x7f0000002000);
	assert_int_equal(m.u.addr.used, 0x7f0000003000);
}

static void test_header_framing(void **state)
{
	(void)state;
	struct vu_hdr ok = {VU_GET_FEATURES, VU_VERSION, 0};
	assert_int_equal(vu_hdr_check(&ok), 0);
	ok.flags = VU_VERSION | VU_FLAG_NEED_REPLY;
	assert_int_equal(vu_hdr_check(&ok), 0);
	struct vu_hdr bad[] = {
	    {VU_GET_FEATURES, 0, 0},			      /* version 0 */
	    {VU_GET_FEATURES, 2, 0},			      /* version 2 */
	    {VU_GET_FEATURES, 3, 0},			      /* version 3 */
	    {VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 0}, /* a reply sent to us */
	    {VU_GET_CONFIG, VU_VERSION, VU_PAYLOAD_MAX + 1},  /* cap + 1 */
	    {VU_GET_CONFIG, VU_VERSION, UINT32_MAX},	      /* lying size */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vu_hdr_check(&bad[i]), -EPROTO);
	struct vu_hdr cap = {VU_GET_CONFIG, VU_VERSION, VU_PAYLOAD_MAX};
	assert_int_equal(vu_hdr_check(&cap), 0);
}

static void test_region_against_file(void **state)
{
	(void)state;
	uint64_t len;
	struct vu_region r = {0, 0x10000, 0x7f0000000000, 0};
	assert_int_equal(vu_region_check_file(&r, 0x10000, &len), 0);
	assert_int_equal(len, 0x10000);
	assert_int_equal(vu_region_check_file(&r, 0xffff, &len), -EINVAL); /* one byte short */
	r.mmap_offset = 0x1000;
	assert_int_equal(vu_region_check_file(&r, 0x10fff, &len), -EINVAL);
	assert_int_equal(vu_region_check_file(&r, 0x11000, &len), 0);
	assert_int_equal(len, 0x11000);
	r.mmap_offset = UINT64_MAX - 0x8000; /* offset + size wraps */
	assert_int_equal(vu_region_check_file(&r, UINT64_MAX, &len), -EINVAL);
	r.mmap_offset = 0;
	r.size = 0;
	assert_int_equal(vu_region_check_file(&r, 0x10000, &len), -EINVAL);
	r.size = 1;
	assert_int_equal(vu_region_check_file(&r, 0, &len), -EINVAL); /* empty file */
}

/* Feeds bytes as recvmsg would hand them over, at most what is wanted. */
static int feed(struct vu_reader *r, const uint8_t *p, size_t n)
{
	int done = 0;
	while (n > 0) {
		size_t want = vu_reader_want(r), k = n < want ? n : want;
		memcpy(r->buf + r->len, p, k);
		done = vu_reader_advance(r, k);
		if (done != 0)
			return done;
		p += k;
		n -= k;
	}
	return done;
}

static void test_reader_byte_by_byte(void **state)
{
	(void)state;
	struct vu_reader r;
	vu_reader_init(&r);
	uint8_t msg[12 + 8];
	struct vu_hdr h = {VU_SET_FEATURES, VU_VERSION, 8};
	uint64_t v = VU_FEATURES;
	memcpy(msg, &h, 12);
	memcpy(msg + 12, &v, 8);
	for (size_t i = 0; i < sizeof(msg); i++) {
		assert_int_equal(vu_reader_want(&r), i < 12 ? 12 - i : 20 - i);
		assert_int_equal(feed(&r, msg + i, 1), i + 1 == sizeof(msg) ? 1 : 0);
	}
	struct vu_hdr got;
	vu_reader_hdr(&r, &got);
	assert_int_equal(got.request, VU_SET_FEATURES);
	assert_memory_equal(r.buf + 12, &v, 8);
	/* A message without payload is complete with its header. */
	vu_reader_init(&r);
	h = (struct vu_hdr){VU_GET_FEATURES, VU_VERSION, 0};
	assert_int_equal(feed(&r, (uint8_t *)&h, 11), 0);
	assert_int_equal(feed(&r, (uint8_t *)&h + 11, 1), 1);
	/* More bytes than wanted are a caller bug, not silently taken. */
	vu_reader_init(&r);
	assert_int_equal(vu_reader_advance(&r, 13), -EPROTO);
}

static void test_reader_framing_errors(void **state)
{
	(void)state;
	struct vu_reader r;
	struct vu_hdr bad[] = {
	    {VU_GET_FEATURES, 2, 0},
	    {VU_SET_MEM_TABLE, VU_VERSION, VU_PAYLOAD_MAX + 1},
	    {VU_SET_MEM_TABLE, VU_VERSION, 0x7fffffff},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vu_reader_init(&r);
		/* Not an error while the header is incomplete... */
		assert_int_equal(feed(&r, (uint8_t *)&bad[i], 11), 0);
		/* ...and at once when it is: the payload is never waited for. */
		assert_int_equal(feed(&r, (uint8_t *)&bad[i] + 11, 1), -EPROTO);
	}
}

static void test_reader_fds(void **state)
{
	(void)state;
	struct vu_reader r;
	vu_reader_init(&r);
	for (int i = 0; i < (int)VU_MAX_FDS; i++)
		assert_int_equal(vu_reader_add_fd(&r, 100 + i), 0);
	assert_int_equal(vu_reader_add_fd(&r, 200), -EPROTO);
	assert_int_equal(r.nfds, VU_MAX_FDS);
}

static void test_reply_encode(void **state)
{
	(void)state;
	uint8_t buf[VU_HDR_SIZE + VU_PAYLOAD_MAX];
	uint64_t v = 0x1122334455667788;
	assert_int_equal(vu_reply_encode(buf, VU_GET_FEATURES, &v, 8), 20);
	struct vu_hdr h;
	memcpy(&h, buf, 12);
	assert_int_equal(h.request, VU_GET_FEATURES);
	assert_int_equal(h.flags, VU_VERSION | VU_FLAG_REPLY);
	assert_int_equal(h.size, 8);
	assert_memory_equal(buf + 12, &v, 8);
	assert_int_equal(vu_reply_encode(buf, 1, NULL, VU_PAYLOAD_MAX + 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_request_valid),
	    cmocka_unit_test(test_sizes_and_fds_off_by_one),
	    cmocka_unit_test(test_unknown_requests),
	    cmocka_unit_test(test_request_rules),
	    cmocka_unit_test(test_decoded_values),
	    cmocka_unit_test(test_header_framing),
	    cmocka_unit_test(test_region_against_file),
	    cmocka_unit_test(test_reader_byte_by_byte),
	    cmocka_unit_test(test_reader_framing_errors),
	    cmocka_unit_test(test_reader_fds),
	    cmocka_unit_test(test_reply_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
