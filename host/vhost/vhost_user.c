#include "vhost_user.h"

#include <errno.h>
#include <string.h>

void vhost_user_init(struct vhost_user *vu, struct vhost_dev *dev, const struct vhost_user_ops *ops,
		     void *ctx)
{
	memset(vu, 0, sizeof(*vu));
	vu->dev = dev;
	vu->ops = ops;
	vu->ctx = ctx;
	for (unsigned q = 0; q < VU_QUEUES; q++)
		vu->kick_fd[q] = vu->call_fd[q] = -1;
}

static void close_fd(struct vhost_user *vu, int *fd)
{
	if (*fd >= 0)
		vu->ops->close(vu->ctx, *fd);
	*fd = -1;
}

static void unmap_mem(struct vhost_user *vu, struct vhost_mem *mem)
{
	for (unsigned i = 0; i < mem->n; i++)
		vu->ops->unmap(vu->ctx, mem->r[i].map_addr, mem->r[i].map_len);
	memset(mem, 0, sizeof(*mem));
}

/* Maps one region from its fd and adds it to mem. The region must lie
 * inside the file before anything is mapped: a mapping past the end of the
 * file faults (SIGBUS) at the first access. Returns 0 or -errno. */
static int map_region(struct vhost_user *vu, struct vhost_mem *mem, const struct vu_region *reg,
		      int fd)
{
	uint64_t file_size, len;
	void *p;
	int r = vu->ops->fd_size(vu->ctx, fd, &file_size);
	if (r < 0) {
		vu->why = "cannot stat the region's fd";
		return r;
	}
	if (vu_region_check_file(reg, file_size, &len) < 0) {
		vu->why = "memory region runs past the end of its fd";
		return -EINVAL;
	}
	r = vu->ops->map(vu->ctx, fd, len, &p);
	if (r < 0) {
		vu->why = "cannot map the region";
		return r;
	}
	r = vhost_mem_add(mem, reg->gpa, reg->size, reg->uva, (uint8_t *)p + reg->mmap_offset);
	if (r < 0) {
		vu->ops->unmap(vu->ctx, p, len);
		vu->why = r == -E2BIG ? "memory table full" : "memory region overlaps another";
		return r;
	}
	mem->r[mem->n - 1].map_addr = p;
	mem->r[mem->n - 1].map_len = len;
	return 0;
}

bool vhost_user_started(const struct vhost_user *vu, unsigned q)
{
	return q < VU_QUEUES && vu->kick_fd[q] >= 0;
}

/* A started, enabled queue with ring addresses runs: its rings are resolved
 * against the current memory table (and checked again on every change). */
static void try_start(struct vhost_user *vu, unsigned q)
{
	struct vhost_vq *vq = &vu->dev->vq[q];
	if (vu->kick_fd[q] < 0 || !vu->enabled[q] || !vq->addr_set) {
		vq->desc = vq->avail = vq->used = NULL;
		return;
	}
	if (vhost_vq_map(vq, vu->dev->mem) < 0) {
		vu->why = "rings not inside guest memory";
		return;
	}
	vhost_vq_start(vq, (vu->features >> VU_F_EVENT_IDX) & 1);
}

static void restart_queues(struct vhost_user *vu)
{
	for (unsigned q = 0; q < VU_QUEUES; q++)
		try_start(vu, q);
}

static void set_kick(struct vhost_user *vu, unsigned q, int fd)
{
	if (vu->kick_fd[q] >= 0 && vu->ops->watch_kick)
		vu->ops->watch_kick(vu->ctx, q, vu->kick_fd[q], false);
	close_fd(vu, &vu->kick_fd[q]);
	vu->kick_fd[q] = fd;
	if (fd >= 0 && vu->ops->watch_kick)
		vu->ops->watch_kick(vu->ctx, q, fd, true);
}

static void stop_queue(struct vhost_user *vu, unsigned q)
{
	set_kick(vu, q, -1);
	vhost_vq_reset(&vu->dev->vq[q]);
	/* With no queue running the guest driver is gone (reset or reboot):
	 * its connections are gone with it. */
	bool any = false;
	for (unsigned i = 0; i < VU_QUEUES; i++)
		any = any || vu->kick_fd[i] >= 0;
	if (!any)
		vu->dev->reset(vu->dev->ctx);
}

void vhost_user_attach(struct vhost_user *vu)
{
	vu->attached = true;
	vu->features = vu->protocol_features = 0;
	for (unsigned q = 0; q < VU_QUEUES; q++) {
		vu->enabled[q] = true;
		vhost_vq_reset(&vu->dev->vq[q]);
	}
}

void vhost_user_detach(struct vhost_user *vu)
{
	for (unsigned q = 0; q < VU_QUEUES; q++) {
		set_kick(vu, q, -1);
		close_fd(vu, &vu->call_fd[q]);
		vhost_vq_reset(&vu->dev->vq[q]);
	}
	vu->dev->reset(vu->dev->ctx);
	unmap_mem(vu, vu->dev->mem);
	vu->attached = false;
}

/* Takes the message's only fd out of the reader. */
static int take_fd(struct vu_reader *r)
{
	int fd = r->fds[0];
	r->fds[0] = -1;
	return fd;
}

static int set_mem_table(struct vhost_user *vu, const struct vu_msg *m, struct vu_reader *r)
{
	struct vhost_mem mem = {0};
	for (uint32_t i = 0; i < m->u.mem.n; i++) {
		int e = map_region(vu, &mem, &m->u.mem.r[i], r->fds[i]);
		if (e < 0) {
			unmap_mem(vu, &mem);
			return e;
		}
	}
	unmap_mem(vu, vu->dev->mem);
	*vu->dev->mem = mem;
	restart_queues(vu);
	return 0;
}

static int rem_mem_reg(struct vhost_user *vu, const struct vu_region *reg)
{
	struct vhost_mem_region old;
	if (vhost_mem_remove(vu->dev->mem, reg->gpa, reg->size, reg->uva, &old) < 0) {
		vu->why = "no such memory region";
		return -ENOENT;
	}
	/* Rings inside the removed region must not be used after the unmap. */
	restart_queues(vu);
	vu->ops->unmap(vu->ctx, old.map_addr, old.map_len);
	return 0;
}

static int reply(struct vhost_user *vu, uint32_t request, const void *payload, uint32_t size)
{
	uint8_t msg[VU_HDR_SIZE + VU_PAYLOAD_MAX];
	int n = vu_reply_encode(msg, request, payload, size);
	if (n < 0 || vu->ops->send(vu->ctx, msg, (size_t)n) < 0)
		return -EPROTO;
	return 1;
}

static int reply_u64(struct vhost_user *vu, uint32_t request, uint64_t v)
{
	return reply(vu, request, &v, sizeof(v));
}

static int set_vring_fd(struct vhost_user *vu, const struct vu_msg *m, struct vu_reader *r)
{
	unsigned q = m->u.vring_fd.index;
	int fd = m->u.vring_fd.has_fd ? take_fd(r) : -1;
	if (m->hdr.request == VU_SET_VRING_ERR) {
		close_fd(vu, &fd); /* errors are never reported */
		return 0;
	}
	if (fd >= 0 && vu->ops->eventfd(vu->ctx, fd) < 0) {
		close_fd(vu, &fd);
		vu->why = "not an eventfd";
		return -EINVAL;
	}
	if (m->hdr.request == VU_SET_VRING_CALL) {
		close_fd(vu, &vu->call_fd[q]);
		vu->call_fd[q] = fd;
		return 0;
	}
	set_kick(vu, q, fd);
	try_start(vu, q);
	return 0;
}

/* Applies one validated message. Returns 0 done, 1 done and answered,
 * -errno refused (vu->why set), or -EPROTO to drop the front-end. */
static int apply(struct vhost_user *vu, const struct vu_msg *m, struct vu_reader *r)
{
	uint32_t req = m->hdr.request;
	unsigned q = m->u.state.index; /* for the vring requests that have one */
	struct vhost_vq *vq = &vu->dev->vq[q < VU_QUEUES ? q : 0];

	switch (req) {
	case VU_GET_FEATURES:
		return reply_u64(vu, req, VU_FEATURES);
	case VU_SET_FEATURES:
		vu->features = m->u.u64;
		restart_queues(vu); /* the way notifications are asked for changed */
		return 0;
	case VU_GET_PROTOCOL_FEATURES:
		/* A device without config space (virtio-fs: qemu keeps the tag)
		 * does not offer to read it. */
		return reply_u64(vu, req,
				 VU_PROTOCOL_FEATURES &
				     ~(vu->dev->config_size ? 0 : 1ull << VU_PROTO_CONFIG));
	case VU_SET_PROTOCOL_FEATURES:
		vu->protocol_features = m->u.u64;
		return 0;
	case VU_GET_QUEUE_NUM:
		return reply_u64(vu, req, VU_QUEUES);
	case VU_GET_MAX_MEM_SLOTS:
		return reply_u64(vu, req, VHOST_MEM_MAX_REGIONS);
	case VU_SET_OWNER:
		return 0;
	case VU_RESET_OWNER:
		for (unsigned i = 0; i < VU_QUEUES; i++)
			stop_queue(vu, i);
		return 0;
	case VU_SET_MEM_TABLE:
		return set_mem_table(vu, m, r);
	case VU_ADD_MEM_REG: {
		int e = map_region(vu, vu->dev->mem, &m->u.reg, r->fds[0]);
		if (e == 0)
			restart_queues(vu);
		return e;
	}
	case VU_REM_MEM_REG:
		return rem_mem_reg(vu, &m->u.reg);
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
		/* The device walks a started ring with its size and indices: they
		 * change only while it is stopped. */
		if (vhost_user_started(vu, q)) {
			vu->why = "queue is started";
			return -EBUSY;
		}
		if (req == VU_SET_VRING_NUM)
			vq->num = (uint16_t)m->u.state.num;
		else
			vq->last_avail = vq->used_idx = vq->used_pub = (uint16_t)m->u.state.num;
		return 0;
	case VU_SET_VRING_ADDR:
		vq = &vu->dev->vq[m->u.addr.index];
		vq->desc_uva = m->u.addr.desc;
		vq->avail_uva = m->u.addr.avail;
		vq->used_uva = m->u.addr.used;
		vq->addr_set = true;
		try_start(vu, m->u.addr.index);
		return 0;
	case VU_GET_VRING_BASE: {
		struct vu_vring_state st = {q, vq->last_avail};
		vhost_vq_publish(vq); /* chains held back for a batch are done */
		stop_queue(vu, q);
		return reply(vu, req, &st, sizeof(st));
	}
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return set_vring_fd(vu, m, r);
	case VU_SET_VRING_ENABLE:
		vu->enabled[q] = m->u.state.num != 0;
		try_start(vu, q);
		return 0;
	case VU_GET_CONFIG: {
		uint8_t cfg[VU_CONFIG_HDR + VU_CONFIG_SPACE];
		uint32_t hdr[3] = {m->u.config.offset, m->u.config.size, m->u.config.flags};
		if (m->u.config.offset + m->u.config.size > vu->dev->config_size) {
			vu->why = "config read past the device's config space";
			return -EINVAL;
		}
		memcpy(cfg, hdr, sizeof(hdr));
		memcpy(cfg + VU_CONFIG_HDR, vu->dev->config + m->u.config.offset, m->u.config.size);
		return reply(vu, req, cfg, VU_CONFIG_HDR + m->u.config.size);
	}
	case VU_SET_CONFIG:
		vu->why = "the config space is the back-end's to set";
		return -EPERM;
	default:
		vu->why = "request not supported";
		return -EOPNOTSUPP;
	}
}

/* Requests whose answer carries a payload: refusing one leaves the
 * front-end waiting for an answer that cannot come. */
static bool expects_answer(uint32_t req)
{
	switch (req) {
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM:
	case VU_GET_MAX_MEM_SLOTS:
	case VU_GET_VRING_BASE:
	case VU_GET_CONFIG:
		return true;
	default:
		return false;
	}
}

int vhost_user_handle(struct vhost_user *vu, struct vu_reader *r)
{
	struct vu_hdr h;
	struct vu_msg m;
	vu_reader_hdr(r, &h);
	vu->why = NULL;
	int e = vu_msg_decode(&h, r->buf + VU_HDR_SIZE, r->nfds, &m);
	if (e < 0)
		vu->why = m.why;
	else
		e = apply(vu, &m, r);
	for (unsigned i = 0; i < r->nfds; i++)
		close_fd(vu, &r->fds[i]);
	vu_reader_init(r);
	if (e == -EPROTO || (e < 0 && expects_answer(h.request)))
		return -EPROTO;
	if (e != 1 && (h.flags & VU_FLAG_NEED_REPLY) &&
	    (vu->protocol_features & (1ull << VU_PROTO_REPLY_ACK))) {
		if (reply_u64(vu, h.request, e < 0 ? 1 : 0) < 0)
			return -EPROTO;
	}
	return e < 0 ? 1 : 0;
}
