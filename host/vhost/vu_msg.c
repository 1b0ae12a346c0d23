#include "vu_msg.h"

#include "vhost_vq.h"

#include <errno.h>
#include <string.h>

/* Wire layouts (host byte order: both ends share the machine). */
#define MEM_TABLE_HDR 8u  /* nregions, padding */
#define REGION_SIZE   32u /* gpa, size, uva, mmap_offset */
#define MEM_REG_SIZE  (8u + REGION_SIZE)

_Static_assert(sizeof(struct vu_hdr) == VU_HDR_SIZE, "header layout");
_Static_assert(sizeof(struct vu_vring_addr) == 40, "vring address layout");
_Static_assert(sizeof(struct vu_region) == REGION_SIZE, "region layout");

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Records why a message was refused; always -EINVAL. */
static int refuse(struct vu_msg *m, const char *why)
{
	m->why = why;
	return -EINVAL;
}

/* A region must be non-empty and no end of it may wrap around. */
static int check_region(const uint8_t *untrusted, struct vu_region *ret, struct vu_msg *m)
{
	struct vu_region r;
	memcpy(&r, untrusted, sizeof(r));
	if (r.size == 0)
		return refuse(m, "empty memory region");
	if (r.gpa > UINT64_MAX - r.size || r.uva > UINT64_MAX - r.size ||
	    r.mmap_offset > UINT64_MAX - r.size)
		return refuse(m, "memory region wraps around the address space");
	*ret = r;
	return 0;
}

static int check_index(uint32_t index, struct vu_msg *m)
{
	return index < VU_QUEUES ? 0 : refuse(m, "no such queue");
}

static int check_none(const uint8_t *untrusted, uint32_t size, unsigned nfds, struct vu_msg *ret)
{
	(void)untrusted, (void)size, (void)nfds, (void)ret;
	return 0;
}

static int check_features(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			  struct vu_msg *ret)
{
	(void)size, (void)nfds;
	ret->u.u64 = load64(untrusted);
	return ret->u.u64 & ~VU_FEATURES ? refuse(ret, "features that were not offered") : 0;
}

static int check_protocol_features(const uint8_t *untrusted, uint32_t size, unsigned nfds,
				   struct vu_msg *ret)
{
	(void)size, (void)nfds;
	ret->u.u64 = load64(untrusted);
	return ret->u.u64 & ~VU_PROTOCOL_FEATURES
		   ? refuse(ret, "protocol features that were not offered")
		   : 0;
}

static int load_state(const uint8_t *untrusted, struct vu_msg *ret)
{
	ret->u.state.index = load32(untrusted);
	ret->u.state.num = load32(untrusted + 4);
	return check_index(ret->u.state.index, ret);
}

static int check_vring_num(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			   struct vu_msg *ret)
{
	(void)size, (void)nfds;
	if (load_state(untrusted, ret) < 0)
		return -EINVAL;
	uint32_t num = ret->u.state.num;
	if (num == 0 || num > VHOST_VQ_MAX_SIZE || (num & (num - 1)))
		return refuse(ret, "queue size not a power of two up to 32768");
	return 0;
}

static int check_vring_base(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			    struct vu_msg *ret)
{
	(void)size, (void)nfds;
	if (load_state(untrusted, ret) < 0)
		return -EINVAL;
	/* Split rings only: the base is a 16-bit index. */
	return ret->u.state.num > UINT16_MAX ? refuse(ret, "ring base over 65535") : 0;
}

static int check_vring_index(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			     struct vu_msg *ret)
{
	(void)size, (void)nfds;
	return load_state(untrusted, ret);
}

static int check_vring_enable(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			      struct vu_msg *ret)
{
	(void)size, (void)nfds;
	if (load_state(untrusted, ret) < 0)
		return -EINVAL;
	return ret->u.state.num > 1 ? refuse(ret, "enable is neither 0 nor 1") : 0;
}

static int check_vring_addr(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			    struct vu_msg *ret)
{
	(void)size, (void)nfds;
	struct vu_vring_addr a;
	memcpy(&a, untrusted, sizeof(a));
	if (check_index(a.index, ret) < 0)
		return -EINVAL;
	/* Dirty logging (the only flag) is not offered. */
	if (a.flags != 0)
		return refuse(ret, "ring flags (dirty logging) not offered");
	if (a.desc % 16 || a.avail % 2 || a.used % 4)
		return refuse(ret, "misaligned ring address");
	ret->u.addr = a;
	return 0;
}

/* KICK, CALL and ERR: a queue index, the NOFD bit, nothing else; an fd
 * exactly when NOFD is clear. Polling without a kick fd is not supported. */
static int check_vring_fd(const uint8_t *untrusted, unsigned nfds, bool fd_required,
			  struct vu_msg *ret)
{
	uint64_t v = load64(untrusted);
	if (v & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD))
		return refuse(ret, "unknown bits beside the queue index");
	bool has_fd = !(v & VU_VRING_NOFD);
	if (check_index((uint32_t)(v & VU_VRING_IDX_MASK), ret) < 0)
		return -EINVAL;
	if (has_fd != (nfds == 1))
		return refuse(ret, "fd count does not match the NOFD bit");
	if (fd_required && !has_fd)
		return refuse(ret, "a queue without a kick fd (polling) is not supported");
	ret->u.vring_fd.index = (uint32_t)(v & VU_VRING_IDX_MASK);
	ret->u.vring_fd.has_fd = has_fd;
	return 0;
}

static int check_vring_kick(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			    struct vu_msg *ret)
{
	(void)size;
	return check_vring_fd(untrusted, nfds, true, ret);
}

static int check_vring_call(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			    struct vu_msg *ret)
{
	(void)size;
	return check_vring_fd(untrusted, nfds, false, ret);
}

static int check_mem_table(const uint8_t *untrusted, uint32_t size, unsigned nfds,
			   struct vu_msg *ret)
{
	uint32_t n = load32(untrusted);
	/* Exactly n regions, each with its fd. */
	if (n == 0 || n > VU_MAX_FDS)
		return refuse(ret, "region count not 1 to 8");
	if (size != MEM_TABLE_HDR + n * REGION_SIZE)
		return refuse(ret, "payload size does not match the region count");
	if (nfds != n)
		return refuse(ret, "fd count does not match the region count");
	for (uint32_t i = 0; i < n; i++)
		if (check_region(untrusted + MEM_TABLE_HDR + i * REGION_SIZE, &ret->u.mem.r[i],
				 ret) < 0)
			return -EINVAL;
	ret->u.mem.n = n;
	return 0;
}

static int check_mem_reg(const uint8_t *untrusted, uint32_t size, unsigned nfds, struct vu_msg *ret)
{
	(void)size, (void)nfds;
	return check_region(untrusted + 8, &ret->u.reg, ret);
}

static int check_config(const uint8_t *untrusted, uint32_t size, unsigned nfds, struct vu_msg *ret)
{
	(void)nfds;
	uint32_t offset = load32(untrusted), len = load32(untrusted + 4);
	/* The payload holds exactly len config bytes, within the config space. */
	if (len > VU_CONFIG_MAX || size != VU_CONFIG_HDR + len)
		return refuse(ret, "payload size does not match the config size");
	if (offset > VU_CONFIG_SPACE || len > VU_CONFIG_SPACE - offset)
		return refuse(ret, "config range outside the config space");
	ret->u.config.offset = offset;
	ret->u.config.size = len;
	ret->u.config.flags = load32(untrusted + 8);
	return 0;
}

#define SPEC(req, lo, hi, flo, fhi, fn) [req] = {&#req[3], lo, hi, flo, fhi, fn}

static const struct vu_msg_spec specs[] = {
    SPEC(VU_GET_FEATURES, 0, 0, 0, 0, check_none),
    SPEC(VU_SET_FEATURES, 8, 8, 0, 0, check_features),
    SPEC(VU_SET_OWNER, 0, 0, 0, 0, check_none),
    SPEC(VU_RESET_OWNER, 0, 0, 0, 0, check_none),
    SPEC(VU_SET_MEM_TABLE, MEM_TABLE_HDR + REGION_SIZE, MEM_TABLE_HDR + VU_MAX_FDS * REGION_SIZE, 1,
	 VU_MAX_FDS, check_mem_table),
    SPEC(VU_SET_VRING_NUM, 8, 8, 0, 0, check_vring_num),
    SPEC(VU_SET_VRING_ADDR, 40, 40, 0, 0, check_vring_addr),
    SPEC(VU_SET_VRING_BASE, 8, 8, 0, 0, check_vring_base),
    SPEC(VU_GET_VRING_BASE, 8, 8, 0, 0, check_vring_index),
    SPEC(VU_SET_VRING_KICK, 8, 8, 0, 1, check_vring_kick),
    SPEC(VU_SET_VRING_CALL, 8, 8, 0, 1, check_vring_call),
    SPEC(VU_SET_VRING_ERR, 8, 8, 0, 1, check_vring_call),
    SPEC(VU_GET_PROTOCOL_FEATURES, 0, 0, 0, 0, check_none),
    SPEC(VU_SET_PROTOCOL_FEATURES, 8, 8, 0, 0, check_protocol_features),
    SPEC(VU_GET_QUEUE_NUM, 0, 0, 0, 0, check_none),
    SPEC(VU_SET_VRING_ENABLE, 8, 8, 0, 0, check_vring_enable),
    SPEC(VU_GET_CONFIG, VU_CONFIG_HDR, VU_PAYLOAD_MAX, 0, 0, check_config),
    SPEC(VU_SET_CONFIG, VU_CONFIG_HDR, VU_PAYLOAD_MAX, 0, 0, check_config),
    SPEC(VU_GET_MAX_MEM_SLOTS, 0, 0, 0, 0, check_none),
    SPEC(VU_ADD_MEM_REG, MEM_REG_SIZE, MEM_REG_SIZE, 1, 1, check_mem_reg),
    /* qemu before 7.1 sends the region's fd with a removal; it is ignored. */
    SPEC(VU_REM_MEM_REG, MEM_REG_SIZE, MEM_REG_SIZE, 0, 1, check_mem_reg),
};

const struct vu_msg_spec *vu_msg_spec(uint32_t request)
{
	if (request >= sizeof(specs) / sizeof(specs[0]) || !specs[request].check)
		return NULL;
	return &specs[request];
}

const char *vu_request_name(uint32_t request)
{
	const struct vu_msg_spec *s = vu_msg_spec(request);
	return s ? s->name : "unknown";
}

int vu_hdr_check(const struct vu_hdr *untrusted_hdr)
{
	const struct vu_hdr *h = untrusted_hdr;
	if ((h->flags & VU_VERSION_MASK) != VU_VERSION || (h->flags & VU_FLAG_REPLY) ||
	    h->size > VU_PAYLOAD_MAX)
		return -EPROTO;
	return 0;
}

int vu_msg_decode(const struct vu_hdr *hdr, const uint8_t *untrusted_payload, unsigned nfds,
		  struct vu_msg *ret)
{
	const struct vu_msg_spec *s = vu_msg_spec(hdr->request);
	memset(ret, 0, sizeof(*ret));
	ret->hdr = *hdr;
	if (!s) {
		ret->why = "request not supported";
		return -EOPNOTSUPP;
	}
	if (hdr->size < s->min_size || hdr->size > s->max_size)
		return refuse(ret, "payload size wrong for the request");
	if (nfds < s->min_fds || nfds > s->max_fds)
		return refuse(ret, "fd count wrong for the request");
	return s->check(untrusted_payload, hdr->size, nfds, ret);
}

int vu_region_check_file(const struct vu_region *untrusted_reg, uint64_t file_size,
			 uint64_t *ret_map_len)
{
	const struct vu_region *r = untrusted_reg;
	if (r->size == 0 || r->mmap_offset > UINT64_MAX - r->size)
		return -EINVAL;
	uint64_t end = r->mmap_offset + r->size;
	if (end > file_size || end > SIZE_MAX)
		return -EINVAL;
	*ret_map_len = end;
	return 0;
}

int vu_reply_encode(uint8_t *buf, uint32_t request, const void *payload, uint32_t size)
{
	if (size > VU_PAYLOAD_MAX)
		return -EINVAL;
	/* Header and payload back to back: the wire has no padding between them. */
	struct vu_hdr h = {request, VU_VERSION | VU_FLAG_REPLY, size};
	memcpy(buf, &h, sizeof(h));
	if (size > 0)
		memcpy(buf + sizeof(h), payload, size);
	return (int)(sizeof(h) + size);
}

void vu_reader_init(struct vu_reader *r)
{
	r->len = 0;
	r->nfds = 0;
}

void vu_reader_hdr(const struct vu_reader *r, struct vu_hdr *ret_hdr)
{
	memcpy(ret_hdr, r->buf, sizeof(*ret_hdr));
}

size_t vu_reader_want(const struct vu_reader *r)
{
	if (r->len < VU_HDR_SIZE)
		return VU_HDR_SIZE - r->len;
	struct vu_hdr h;
	vu_reader_hdr(r, &h);
	/* Framing was checked when the header completed: size is bounded. */
	return VU_HDR_SIZE + h.size - r->len;
}

int vu_reader_advance(struct vu_reader *r, size_t n)
{
	size_t want = vu_reader_want(r);
	if (n > want)
		return -EPROTO;
	r->len += n;
	if (r->len < VU_HDR_SIZE)
		return 0;
	struct vu_hdr h;
	vu_reader_hdr(r, &h);
	if (r->len == VU_HDR_SIZE && vu_hdr_check(&h) < 0)
		return -EPROTO;
	return r->len == VU_HDR_SIZE + h.size ? 1 : 0;
}

int vu_reader_add_fd(struct vu_reader *r, int fd)
{
	if (r->nfds >= VU_MAX_FDS)
		return -EPROTO;
	r->fds[r->nfds++] = fd;
	return 0;
}
