#include "vu_front.h"

#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

int vuf_open(struct vu_front *f, int sock, uint16_t num)
{
	memset(f, 0, sizeof(*f));
	f->sock = sock;
	f->mem_fd = memfd_create("appvm-test-guest-ram", MFD_CLOEXEC);
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		f->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		f->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (f->kick[q] < 0 || f->call[q] < 0)
			return -errno;
	}
	if (f->mem_fd < 0 || ftruncate(f->mem_fd, TG_RAM_SIZE) < 0)
		return -errno;
	void *p = mmap(NULL, TG_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->mem_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	f->ram = p;
	tg_init_ram(&f->g, f->ram, TG_RAM_SIZE, num);
	return 0;
}

void vuf_close(struct vu_front *f)
{
	if (f->ram)
		munmap(f->ram, TG_RAM_SIZE);
	f->ram = NULL;
	int *fds[] = {&f->sock, &f->mem_fd, &f->kick[0], &f->kick[1], &f->call[0], &f->call[1]};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int vuf_send(struct vu_front *f, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
	     const int *fds, unsigned nfds)
{
	uint8_t buf[VU_HDR_SIZE + 512];
	struct vu_hdr h = {req, flags, size};
	if (size > sizeof(buf) - VU_HDR_SIZE || nfds > VU_MAX_FDS)
		return -EINVAL;
	memcpy(buf, &h, sizeof(h));
	if (size > 0)
		memcpy(buf + VU_HDR_SIZE, payload, size);
	union {
		char b[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {buf, VU_HDR_SIZE + size};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > 0) {
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	ssize_t n = sendmsg(f->sock, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == iov.iov_len ? 0 : -EIO;
}

int vuf_send_raw(struct vu_front *f, const void *buf, size_t len)
{
	ssize_t n = send(f->sock, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Reads exactly len bytes by the deadline, pumping an in-process back-end. */
static int read_until(struct vu_front *f, void *buf, size_t len, uint64_t deadline)
{
	uint8_t *p = buf;
	while (len > 0) {
		if (f->pump)
			f->pump(f->pump_ctx);
		struct pollfd pfd = {f->sock, POLLIN, 0};
		int left = clock_remaining_ms(deadline);
		int r = poll(&pfd, 1, f->pump && left > 10 ? 10 : left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0) {
			if (left == 0)
				return -ETIMEDOUT;
			continue;
		}
		ssize_t n = recv(f->sock, p, len, MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int vuf_reply(struct vu_front *f, uint32_t req, void *payload, size_t max, int timeout_ms)
{
	uint64_t deadline = clock_now_ms() + (uint64_t)timeout_ms;
	struct vu_hdr h;
	uint8_t body[VU_PAYLOAD_MAX];
	int r = read_until(f, &h, sizeof(h), deadline);
	if (r < 0)
		return r;
	if (h.request != req || h.flags != (VU_VERSION | VU_FLAG_REPLY) || h.size > sizeof(body))
		return -EPROTO;
	r = read_until(f, body, h.size, deadline);
	if (r < 0)
		return r;
	memcpy(payload, body, h.size < max ? h.size : max);
	return (int)h.size;
}

int vuf_request(struct vu_front *f, uint32_t req, const void *payload, uint32_t size,
		const int *fds, unsigned nfds)
{
	int r = vuf_send(f, req, VU_VERSION | VU_FLAG_NEED_REPLY, payload, size, fds, nfds);
	if (r < 0)
		return r;
	uint64_t ack;
	r = vuf_reply(f, req, &ack, sizeof(ack), VUF_WAIT_MS);
	if (r < 0)
		return r;
	return r == sizeof(ack) ? (ack != 0) : -EPROTO;
}

void vuf_ram_region(uint8_t payload[40], uint64_t size, uint64_t mmap_offset)
{
	struct vu_region reg = {TG_GPA_BASE, size, TG_UVA_BASE, mmap_offset};
	memset(payload, 0, 8);
	memcpy(payload + 8, &reg, sizeof(reg));
}

int vuf_start_queue(struct vu_front *f, unsigned q)
{
	struct vu_vring_state num = {q, f->g.num}, base = {q, 0}, enable = {q, 1};
	struct vu_vring_addr addr = {
	    q, 0, tg_uva(tg_desc_gpa(q)), tg_uva(tg_used_gpa(q)), tg_uva(tg_avail_gpa(q)), 0};
	uint64_t idx = q;
	/* The guest driver starts the rings empty. */
	memset(tg_ptr(&f->g, tg_desc_gpa(q)), 0, 0x10000);
	f->g.avail_idx[q] = f->g.used_seen[q] = f->g.next_desc[q] = 0;
	if (vuf_request(f, VU_SET_VRING_NUM, &num, sizeof(num), NULL, 0) != 0 ||
	    vuf_request(f, VU_SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0) != 0 ||
	    vuf_request(f, VU_SET_VRING_BASE, &base, sizeof(base), NULL, 0) != 0 ||
	    vuf_request(f, VU_SET_VRING_KICK, &idx, sizeof(idx), &f->kick[q], 1) != 0 ||
	    vuf_request(f, VU_SET_VRING_CALL, &idx, sizeof(idx), &f->call[q], 1) != 0 ||
	    vuf_request(f, VU_SET_VRING_ENABLE, &enable, sizeof(enable), NULL, 0) != 0)
		return -EIO;
	return 0;
}

int vuf_start(struct vu_front *f, bool mem_table, const char **ret_step)
{
	const char *step = "GET_FEATURES";
	uint64_t v;
	uint8_t cfg[VU_CONFIG_HDR + 8] = {0}, reg[40];
	int r = vuf_send(f, VU_GET_FEATURES, VU_VERSION, NULL, 0, NULL, 0);
	if (r == 0)
		r = vuf_reply(f, VU_GET_FEATURES, &v, sizeof(v), VUF_WAIT_MS);
	if (r >= 0) {
		step = "SET_FEATURES";
		r = vuf_send(f, VU_SET_FEATURES, VU_VERSION, &v, sizeof(v), NULL, 0);
	}
	if (r >= 0) {
		step = "GET_PROTOCOL_FEATURES";
		r = vuf_send(f, VU_GET_PROTOCOL_FEATURES, VU_VERSION, NULL, 0, NULL, 0);
	}
	if (r >= 0)
		r = vuf_reply(f, VU_GET_PROTOCOL_FEATURES, &v, sizeof(v), VUF_WAIT_MS);
	if (r >= 0) {
		step = "SET_PROTOCOL_FEATURES";
		r = vuf_send(f, VU_SET_PROTOCOL_FEATURES, VU_VERSION, &v, sizeof(v), NULL, 0);
	}
	if (r >= 0) {
		step = "SET_OWNER";
		r = vuf_request(f, VU_SET_OWNER, NULL, 0, NULL, 0);
	}
	bool config = v & (1ull << VU_PROTO_CONFIG); /* a device with a config space */
	if (r == 0 && config) {
		step = "GET_CONFIG";
		uint32_t hdr[3] = {0, 8, 0};
		memcpy(cfg, hdr, sizeof(hdr));
		r = vuf_send(f, VU_GET_CONFIG, VU_VERSION, cfg, sizeof(cfg), NULL, 0);
	}
	if (r >= 0 && config)
		r = vuf_reply(f, VU_GET_CONFIG, cfg, sizeof(cfg), VUF_WAIT_MS) == sizeof(cfg)
			? 0
			: -EPROTO;
	if (r == 0) {
		step = mem_table ? "SET_MEM_TABLE" : "ADD_MEM_REG";
		vuf_ram_region(reg, TG_RAM_SIZE, 0);
		if (mem_table) {
			uint8_t table[40];
			uint32_t n[2] = {1, 0};
			memcpy(table, n, 8);
			memcpy(table + 8, reg + 8, 32);
			r = vuf_request(f, VU_SET_MEM_TABLE, table, sizeof(table), &f->mem_fd, 1);
		} else {
			r = vuf_request(f, VU_ADD_MEM_REG, reg, sizeof(reg), &f->mem_fd, 1);
		}
	}
	for (unsigned q = 0; q < VSOCK_VQ_COUNT && r == 0; q++) {
		step = "starting a queue";
		r = vuf_start_queue(f, q);
	}
	if (r != 0 && ret_step)
		*ret_step = step;
	return r == 0 ? 0 : r < 0 ? r : -EIO;
}

int vuf_stop(struct vu_front *f, unsigned q)
{
	struct vu_vring_state st = {q, 0};
	int r = vuf_send(f, VU_GET_VRING_BASE, VU_VERSION, &st, sizeof(st), NULL, 0);
	if (r < 0)
		return r;
	r = vuf_reply(f, VU_GET_VRING_BASE, &st, sizeof(st), VUF_WAIT_MS);
	if (r < 0)
		return r;
	return r == sizeof(st) && st.index == q ? (int)st.num : -EPROTO;
}

void vuf_kick(struct vu_front *f, unsigned q)
{
	uint64_t one = 1;
	(void)!write(f->kick[q], &one, sizeof(one));
}

int vuf_wait_call(struct vu_front *f, unsigned q, int timeout_ms)
{
	uint64_t deadline = clock_now_ms() + (uint64_t)timeout_ms, v;
	for (;;) {
		if (f->pump)
			f->pump(f->pump_ctx);
		if (read(f->call[q], &v, sizeof(v)) == sizeof(v))
			return 0;
		int left = clock_remaining_ms(deadline);
		if (left == 0)
			return -ETIMEDOUT;
		struct pollfd pfd = {f->call[q], POLLIN, 0};
		poll(&pfd, 1, f->pump && left > 10 ? 10 : left);
	}
}
