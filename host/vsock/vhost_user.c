#include "vhost_user.h"

#include "io.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_vsock.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Message types and flags from docs/interop/vhost-user.rst. */
enum {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_GET_MAX_MEM_SLOTS = 36,
	VHOST_USER_ADD_MEM_REG = 37,
	VHOST_USER_REM_MEM_REG = 38,
};

#define VHOST_USER_VERSION	   0x1u
#define VHOST_USER_FLAG_REPLY	   0x4u
#define VHOST_USER_FLAG_NEED_REPLY 0x8u
#define VHOST_USER_F_PROTOCOL	   30
#define VHOST_USER_PROTO_REPLY_ACK 3
#define VHOST_USER_PROTO_CONFIG	   9
#define VHOST_USER_PROTO_MEM_SLOTS 15
#define VHOST_USER_VRING_IDX_MASK  0xffu
#define VHOST_USER_VRING_NOFD	   0x100u
#define VHOST_USER_MAX_FDS	   8
#define VHOST_USER_CONFIG_MAX	   256

#define SUPPORTED_FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VHOST_USER_F_PROTOCOL))
/* Taking regions one by one (MEM_SLOTS) lifts the front-end's limit of 8
 * regions for a whole table, which qemu's pc machines can exceed. */
#define SUPPORTED_PROTOCOL                                                                         \
	((1ull << VHOST_USER_PROTO_REPLY_ACK) | (1ull << VHOST_USER_PROTO_CONFIG) |                \
	 (1ull << VHOST_USER_PROTO_MEM_SLOTS))

struct vu_hdr {
	uint32_t request, flags, size;
};

struct vu_vring_state {
	uint32_t index, num;
};

struct vu_vring_addr {
	uint32_t index, flags;
	uint64_t desc, used, avail, log;
};

struct vu_region {
	uint64_t gpa, size, uva, mmap_offset;
};

struct vu_mem {
	uint32_t nregions, padding;
	struct vu_region r[VSOCK_MEM_MAX_REGIONS];
};

struct vu_mem_reg {
	uint64_t padding;
	struct vu_region r;
};

struct vu_config {
	uint32_t offset, size, flags;
	uint8_t payload[VHOST_USER_CONFIG_MAX];
};

union vu_payload {
	uint64_t u64;
	struct vu_vring_state state;
	struct vu_vring_addr addr;
	struct vu_mem mem;
	struct vu_mem_reg mem_reg;
	struct vu_config config;
};

/* The fds that came with one message; whatever is not taken is closed. */
struct vu_fds {
	int fd[VHOST_USER_MAX_FDS];
	unsigned n;
};

static void fds_close(struct vu_fds *f)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
	f->n = 0;
}

static int take_fd(struct vu_fds *f)
{
	if (f->n != 1)
		return -1;
	int fd = f->fd[0];
	f->fd[0] = -1;
	return fd;
}

static void unmap_mem(struct vsock_mem *mem)
{
	for (unsigned i = 0; i < mem->n; i++)
		munmap(mem->r[i].map_addr, (size_t)mem->r[i].map_len);
	memset(mem, 0, sizeof(*mem));
}

/* Maps one region from its fd and adds it to mem. Returns 0 or -errno. */
static int map_region(struct vsock_mem *mem, const struct vu_region *untrusted_reg, int fd)
{
	const struct vu_region *reg = untrusted_reg;
	if (fd < 0 || reg->size == 0 || reg->mmap_offset > SIZE_MAX - reg->size)
		return -EINVAL;
	size_t len = (size_t)(reg->mmap_offset + reg->size);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	int r = vsock_mem_add(mem, reg->gpa, reg->size, reg->uva, (uint8_t *)p + reg->mmap_offset);
	if (r < 0) {
		munmap(p, len);
		return r;
	}
	mem->r[mem->n - 1].map_addr = p;
	mem->r[mem->n - 1].map_len = len;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A queue is live when its kick fd arrived and it is enabled; then its
 * rings are resolved against the current memory table. */
static void try_start(struct vhost_user *vu, unsigned q);

static void restart_queues(struct vhost_user *vu)
{
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++)
		try_start(vu, q);
}

static void try_start(struct vhost_user *vu, unsigned q)
{
	struct vsock_vq *vq = &vu->dev->vq[q];
	if (vu->kick_fd[q] < 0 || !vu->enabled[q] || !vq->addr_set) {
		vq->desc = vq->avail = vq->used = NULL;
		return;
	}
	int r = vsock_vq_map(vq, &vu->dev->mem);
	if (r < 0)
		log_warn("queue %u: rings not usable (%s)", q, strerror(-r));
}

static void stop_queue(struct vhost_user *vu, unsigned q)
{
	if (vu->kick_fd[q] >= 0 && vu->watch_kick)
		vu->watch_kick(vu->ctx, q, -1);
	close_fd(&vu->kick_fd[q]);
	vsock_vq_reset(&vu->dev->vq[q]);
	/* With no queue running the guest driver is gone (reset or reboot):
	 * its connections are gone with it. */
	bool any = false;
	for (unsigned i = 0; i < VSOCK_VQ_COUNT; i++)
		any = any || vu->kick_fd[i] >= 0;
	if (!any)
		vsock_dev_reset_conns(vu->dev);
}

void vhost_user_attach(struct vhost_user *vu, int fd)
{
	vu->fd = fd;
	vu->features = vu->protocol_features = 0;
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		vu->kick_fd[q] = vu->call_fd[q] = -1;
		vu->enabled[q] = true;
		vsock_vq_reset(&vu->dev->vq[q]);
	}
}

void vhost_user_detach(struct vhost_user *vu)
{
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		if (vu->kick_fd[q] >= 0 && vu->watch_kick)
			vu->watch_kick(vu->ctx, q, -1);
		close_fd(&vu->kick_fd[q]);
		close_fd(&vu->call_fd[q]);
		vsock_vq_reset(&vu->dev->vq[q]);
	}
	vsock_dev_reset_conns(vu->dev);
	unmap_mem(&vu->dev->mem);
	close_fd(&vu->fd);
}

static int set_mem_table(struct vhost_user *vu, const struct vu_mem *untrusted_mem, uint32_t size,
			 struct vu_fds *fds)
{
	uint32_t n = untrusted_mem->nregions;
	if (n == 0 || n > VHOST_USER_MAX_FDS || size < 8 + n * sizeof(struct vu_region) ||
	    fds->n != n)
		return -EINVAL;
	struct vsock_mem mem = {0};
	for (uint32_t i = 0; i < n; i++) {
		int r = map_region(&mem, &untrusted_mem->r[i], fds->fd[i]);
		if (r < 0) {
			unmap_mem(&mem);
			return r;
		}
	}
	unmap_mem(&vu->dev->mem);
	vu->dev->mem = mem;
	restart_queues(vu);
	return 0;
}

static int add_mem_reg(struct vhost_user *vu, const struct vu_mem_reg *untrusted_reg,
		       struct vu_fds *fds)
{
	if (fds->n != 1)
		return -EINVAL;
	int r = map_region(&vu->dev->mem, &untrusted_reg->r, fds->fd[0]);
	if (r < 0)
		return r;
	restart_queues(vu);
	return 0;
}

static int rem_mem_reg(struct vhost_user *vu, const struct vu_mem_reg *untrusted_reg)
{
	struct vsock_mem_region old;
	const struct vu_region *reg = &untrusted_reg->r;
	int r = vsock_mem_remove(&vu->dev->mem, reg->gpa, reg->size, reg->uva, &old);
	if (r < 0)
		return r;
	/* Rings inside the removed region must not be used after the unmap. */
	restart_queues(vu);
	munmap(old.map_addr, (size_t)old.map_len);
	return 0;
}

static int send_reply(struct vhost_user *vu, uint32_t request, const void *payload, uint32_t size)
{
	/* Header and payload back to back: the wire has no padding between them. */
	uint8_t msg[sizeof(struct vu_hdr) + sizeof(union vu_payload)];
	struct vu_hdr h = {request, VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY, size};
	if (size > sizeof(union vu_payload))
		return -EINVAL;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), payload, size);
	return io_write_full(vu->fd, msg, sizeof(h) + size);
}

static int reply_u64(struct vhost_user *vu, uint32_t request, uint64_t v)
{
	return send_reply(vu, request, &v, sizeof(v));
}

/* Receives the header with any fds attached to it. */
static int recv_hdr(int fd, struct vu_hdr *h, struct vu_fds *fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {h, sizeof(*h)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ssize_t n;
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	fds->n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fds->n < VHOST_USER_MAX_FDS)
				fds->fd[fds->n++] = f;
			else
				close(f);
		}
	}
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	if (mh.msg_flags & MSG_CTRUNC)
		return -EPROTO;
	if ((size_t)n < sizeof(*h))
		return io_read_full(fd, (char *)h + n, sizeof(*h) - (size_t)n) < 0 ? -EPROTO : 0;
	return 0;
}

/* Size each request's payload must have (minimum for variable ones). */
static int check_size(uint32_t req, uint32_t size)
{
	switch (req) {
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return size == sizeof(uint64_t) ? 0 : -EINVAL;
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return size == sizeof(struct vu_vring_state) ? 0 : -EINVAL;
	case VHOST_USER_SET_VRING_ADDR:
		return size == sizeof(struct vu_vring_addr) ? 0 : -EINVAL;
	case VHOST_USER_SET_MEM_TABLE:
		return size >= 8 ? 0 : -EINVAL;
	case VHOST_USER_GET_CONFIG:
	case VHOST_USER_SET_CONFIG:
		return size >= 12 ? 0 : -EINVAL;
	case VHOST_USER_ADD_MEM_REG:
	case VHOST_USER_REM_MEM_REG:
		return size == sizeof(struct vu_mem_reg) ? 0 : -EINVAL;
	default:
		return 0;
	}
}

/* Handles one request. Returns 0 or 1 when it already replied, -errno to
 * NACK (REPLY_ACK), or -EPROTO to drop the connection. */
static int dispatch(struct vhost_user *vu, const struct vu_hdr *h, union vu_payload *untrusted,
		    struct vu_fds *fds)
{
	unsigned q = 0;
	switch (h->request) {
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		q = untrusted->state.index;
		break;
	case VHOST_USER_SET_VRING_ADDR:
		q = untrusted->addr.index;
		break;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		q = (unsigned)(untrusted->u64 & VHOST_USER_VRING_IDX_MASK);
		break;
	}
	if (q >= VSOCK_VQ_COUNT)
		return -EINVAL;
	struct vsock_vq *vq = &vu->dev->vq[q];

	switch (h->request) {
	case VHOST_USER_GET_FEATURES:
		return reply_u64(vu, h->request, SUPPORTED_FEATURES) < 0 ? -EPROTO : 1;
	case VHOST_USER_SET_FEATURES:
		if (untrusted->u64 & ~SUPPORTED_FEATURES)
			return -EINVAL;
		vu->features = untrusted->u64;
		return 0;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		return reply_u64(vu, h->request, SUPPORTED_PROTOCOL) < 0 ? -EPROTO : 1;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		vu->protocol_features = untrusted->u64 & SUPPORTED_PROTOCOL;
		return 0;
	case VHOST_USER_GET_QUEUE_NUM:
		return reply_u64(vu, h->request, VSOCK_VQ_COUNT) < 0 ? -EPROTO : 1;
	case VHOST_USER_SET_OWNER:
		return 0;
	case VHOST_USER_RESET_OWNER:
		for (unsigned i = 0; i < VSOCK_VQ_COUNT; i++)
			stop_queue(vu, i);
		return 0;
	case VHOST_USER_SET_MEM_TABLE:
		return set_mem_table(vu, &untrusted->mem, h->size, fds);
	case VHOST_USER_GET_MAX_MEM_SLOTS:
		return reply_u64(vu, h->request, VSOCK_MEM_MAX_REGIONS) < 0 ? -EPROTO : 1;
	case VHOST_USER_ADD_MEM_REG:
		return add_mem_reg(vu, &untrusted->mem_reg, fds);
	case VHOST_USER_REM_MEM_REG:
		return rem_mem_reg(vu, &untrusted->mem_reg);
	case VHOST_USER_SET_VRING_NUM: {
		uint32_t num = untrusted->state.num;
		if (num == 0 || num > VSOCK_VQ_MAX_SIZE || (num & (num - 1)))
			return -EINVAL;
		vq->num = (uint16_t)num;
		return 0;
	}
	case VHOST_USER_SET_VRING_ADDR:
		vq->desc_uva = untrusted->addr.desc;
		vq->avail_uva = untrusted->addr.avail;
		vq->used_uva = untrusted->addr.used;
		vq->addr_set = true;
		try_start(vu, q);
		return 0;
	case VHOST_USER_SET_VRING_BASE:
		if (untrusted->state.num > UINT16_MAX)
			return -EINVAL;
		vq->last_avail = (uint16_t)untrusted->state.num;
		vq->used_idx = (uint16_t)untrusted->state.num;
		return 0;
	case VHOST_USER_GET_VRING_BASE: {
		struct vu_vring_state st = {q, vq->last_avail};
		stop_queue(vu, q);
		return send_reply(vu, h->request, &st, sizeof(st)) < 0 ? -EPROTO : 1;
	}
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR: {
		int fd = -1;
		if (!(untrusted->u64 & VHOST_USER_VRING_NOFD)) {
			fd = take_fd(fds);
			if (fd < 0)
				return -EINVAL;
		} else if (h->request == VHOST_USER_SET_VRING_KICK) {
			return -EINVAL; /* polling mode is not supported */
		}
		if (h->request == VHOST_USER_SET_VRING_ERR) {
			if (fd >= 0)
				close(fd);
			return 0;
		}
		if (h->request == VHOST_USER_SET_VRING_CALL) {
			close_fd(&vu->call_fd[q]);
			vu->call_fd[q] = fd;
			return 0;
		}
		if (vu->kick_fd[q] >= 0 && vu->watch_kick)
			vu->watch_kick(vu->ctx, q, -1);
		close_fd(&vu->kick_fd[q]);
		vu->kick_fd[q] = fd;
		if (vu->watch_kick)
			vu->watch_kick(vu->ctx, q, fd);
		try_start(vu, q);
		return 0;
	}
	case VHOST_USER_SET_VRING_ENABLE:
		vu->enabled[q] = untrusted->state.num != 0;
		try_start(vu, q);
		return 0;
	case VHOST_USER_GET_CONFIG: {
		struct vu_config *cfg = &untrusted->config;
		uint64_t le_cid = htole64(vu->dev->guest_cid);
		if (cfg->size > VHOST_USER_CONFIG_MAX || h->size != 12 + cfg->size ||
		    cfg->offset > sizeof(le_cid) || cfg->size > sizeof(le_cid) - cfg->offset)
			return -EINVAL;
		memcpy(cfg->payload, (uint8_t *)&le_cid + cfg->offset, cfg->size);
		return send_reply(vu, h->request, cfg, h->size) < 0 ? -EPROTO : 1;
	}
	case VHOST_USER_SET_CONFIG:
		return -EPERM; /* the guest CID is ours to set */
	default:
		log_warn("vhost-user: unsupported request %u", h->request);
		return -EOPNOTSUPP;
	}
}

int vhost_user_handle(struct vhost_user *vu)
{
	struct vu_hdr h;
	struct vu_fds fds = {.n = 0};
	int r = recv_hdr(vu->fd, &h, &fds);
	if (r < 0) {
		fds_close(&fds);
		return r;
	}
	union vu_payload untrusted_payload;
	memset(&untrusted_payload, 0, sizeof(untrusted_payload));
	/* Framing first: a payload we cannot hold means we lost the stream. */
	if ((h.flags & 0x3u) != VHOST_USER_VERSION || h.size > sizeof(untrusted_payload)) {
		fds_close(&fds);
		return -EPROTO;
	}
	if (h.size > 0 && io_read_full(vu->fd, &untrusted_payload, h.size) < 0) {
		fds_close(&fds);
		return -EPROTO;
	}
	log_debug("vhost-user: request %u size %u fds %u", h.request, h.size, fds.n);
	r = check_size(h.request, h.size);
	if (r == 0)
		r = dispatch(vu, &h, &untrusted_payload, &fds);
	fds_close(&fds);
	if (r == -EPROTO)
		return r;
	if (r < 0)
		log_warn("vhost-user: request %u refused: %s", h.request, strerror(-r));
	if (r != 1 && (h.flags & VHOST_USER_FLAG_NEED_REPLY) &&
	    (vu->protocol_features & (1ull << VHOST_USER_PROTO_REPLY_ACK))) {
		if (reply_u64(vu, h.request, r < 0 ? 1 : 0) < 0)
			return -EPROTO;
	}
	return 0;
}

void vhost_user_drain_kick(struct vhost_user *vu, unsigned queue)
{
	uint64_t v;
	if (queue < VSOCK_VQ_COUNT && vu->kick_fd[queue] >= 0)
		(void)!read(vu->kick_fd[queue], &v, sizeof(v));
}

void vhost_user_notify(struct vhost_user *vu)
{
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		if (!vu->dev->vq_used[q])
			continue;
		vu->dev->vq_used[q] = false;
		if (vu->call_fd[q] >= 0 && vsock_vq_should_notify(&vu->dev->vq[q])) {
			uint64_t one = 1;
			(void)!write(vu->call_fd[q], &one, sizeof(one));
		}
	}
}
