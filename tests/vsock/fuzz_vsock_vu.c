/* Fuzz target: the vhost-user message stream from the front-end, through
 * the incremental reader, the decoder and the protocol state, with the
 * device run after every message against the memory the messages mapped.
 *
 * Input: records of [mode][len][len bytes]. The bytes continue the stream
 * (cut at message boundaries as the reader asks, like recvmsg), and the
 * first piece carries mode & 15 fake fds whose "files" are (mode >> 4) * 4
 * KiB long. A mapping is a separate allocation of exactly its length filled
 * with the input's bytes, so a ring or descriptor read past it is caught by
 * AddressSanitizer. Every fd and mapping must be released by the end. */
#include "vhost_user.h"
#include "vsock_vhost.h"
#include "vsock_dev.h"
#include "vu_msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fake fds are FD_BASE + n; open[] tracks them, file_size[] their files. */
#define FD_BASE 1000
#define FD_MAX	256
static bool fd_open[FD_MAX];
static uint64_t fd_file[FD_MAX];
static unsigned next_fd, maps;
static const uint8_t *input;
static size_t input_len;

static int fd_slot(int fd)
{
	if (fd < FD_BASE || fd >= FD_BASE + FD_MAX || !fd_open[fd - FD_BASE])
		abort(); /* an fd the back-end does not hold */
	return fd - FD_BASE;
}

static int fz_fd_size(void *ctx, int fd, uint64_t *ret_size)
{
	(void)ctx;
	*ret_size = fd_file[fd_slot(fd)];
	return 0;
}

static int fz_map(void *ctx, int fd, uint64_t len, void **ret_addr)
{
	(void)ctx;
	if (len > fd_file[fd_slot(fd)])
		abort(); /* mapped past the end of the file: SIGBUS on a real one */
	uint8_t *p = malloc(len);
	if (!p)
		return -ENOMEM;
	for (uint64_t i = 0; i < len; i += input_len ? input_len : len) {
		uint64_t n = input_len && input_len < len - i ? input_len : len - i;
		if (input_len)
			memcpy(p + i, input, n);
		else
			memset(p + i, 0, n);
	}
	*ret_addr = p;
	maps++;
	return 0;
}

static void fz_unmap(void *ctx, void *addr, uint64_t len)
{
	(void)ctx, (void)len;
	free(addr);
	maps--;
}

static int fz_eventfd(void *ctx, int fd)
{
	(void)ctx;
	return fd_slot(fd) % 5 == 4 ? -EINVAL : 0;
}

static void fz_close(void *ctx, int fd)
{
	(void)ctx;
	fd_open[fd_slot(fd)] = false;
}

static int fz_send(void *ctx, const void *msg, size_t len)
{
	(void)ctx;
	if (len < VU_HDR_SIZE || len > VU_HDR_SIZE + VU_PAYLOAD_MAX)
		abort();
	struct vu_hdr h;
	memcpy(&h, msg, sizeof(h));
	if (h.size != len - VU_HDR_SIZE || !(h.flags & VU_FLAG_REPLY))
		abort();
	return 0;
}

static const struct vhost_user_ops fz_vu_ops = {
    .fd_size = fz_fd_size,
    .map = fz_map,
    .unmap = fz_unmap,
    .eventfd = fz_eventfd,
    .close = fz_close,
    .send = fz_send,
};

/* Host sockets: every connection is refused, every read is empty. */
static int fz_connect(void *ctx, struct vsock_conn *c)
{
	(void)ctx, (void)c;
	return -ECONNREFUSED;
}

static int fz_accepted(void *ctx, struct vsock_conn *c)
{
	(void)ctx, (void)c;
	return 0;
}

static ssize_t fz_readv(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx, (void)fd, (void)iov, (void)n;
	return -EAGAIN;
}

static ssize_t fz_writev(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx, (void)fd;
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return (ssize_t)len;
}

static void fz_watch_write(void *ctx, struct vsock_conn *c, bool on)
{
	(void)ctx, (void)c, (void)on;
}

static void fz_noop(void *ctx, int fd)
{
	(void)ctx, (void)fd;
}

static const struct vsock_dev_ops fz_dev_ops = {
    .connect = fz_connect,
    .accepted = fz_accepted,
    .readv = fz_readv,
    .writev = fz_writev,
    .watch_write = fz_watch_write,
    .shutdown_write = fz_noop,
    .close = fz_noop,
};

/* The invariant every message must keep: a ring the device may walk lies,
 * at the queue's current size, inside the current memory table. */
static void check_rings(const struct vsock_dev *d)
{
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		const struct vhost_vq *vq = &d->vq[q];
		if (!vq->desc)
			continue;
		uint64_t n = vq->num;
		if (n == 0 || vhost_mem_uva(&d->mem, vq->desc_uva, 16 * n) != vq->desc ||
		    vhost_mem_uva(&d->mem, vq->avail_uva, 4 + 2 * n + 2) != vq->avail ||
		    vhost_mem_uva(&d->mem, vq->used_uva, 4 + 8 * n + 2) != vq->used)
			abort();
	}
}

static void drop_reader_fds(struct vu_reader *r)
{
	for (unsigned i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			fz_close(NULL, r->fds[i]);
	vu_reader_init(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsock_dev *dev;
	static struct vhost_user vu;
	static struct vhost_dev vdev;
	static struct vu_reader r;
	if (!dev) {
		dev = calloc(1, sizeof(*dev));
		if (!dev)
			abort();
		vsock_dev_init(dev, 3, &fz_dev_ops, NULL);
	}
	input = data;
	input_len = size;
	memset(fd_open, 0, sizeof(fd_open));
	next_fd = maps = 0;
	vsock_dev_reset(dev);
	vsock_vhost_dev(dev, &vdev);
	vhost_user_init(&vu, &vdev, &fz_vu_ops, NULL);
	vhost_user_attach(&vu);
	vu_reader_init(&r);

	size_t pos = 0;
	while (pos + 2 <= size) {
		uint8_t mode = data[pos], len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		const uint8_t *p = data + pos;
		pos += len;
		unsigned nfds = mode & 15;
		bool broken = false;
		for (unsigned i = 0; i < nfds && next_fd < FD_MAX; i++) {
			unsigned s = next_fd++;
			fd_open[s] = true;
			fd_file[s] = (uint64_t)(mode >> 4) * 4096;
			if (vu_reader_add_fd(&r, FD_BASE + (int)s) < 0) {
				fz_close(NULL, FD_BASE + (int)s);
				broken = true;
			}
		}
		/* The piece is cut where each message ends, as recvmsg is asked. */
		while (!broken && len > 0) {
			size_t want = vu_reader_want(&r), n = len < want ? len : want;
			memcpy(r.buf + r.len, p, n);
			p += n;
			len = (uint8_t)(len - n);
			int e = vu_reader_advance(&r, n);
			if (e < 0) {
				broken = true;
			} else if (e == 1) {
				if (vhost_user_handle(&vu, &r) < 0)
					broken = true;
				check_rings(dev);
				vsock_dev_run(dev);
			}
		}
		if (broken) {
			/* The program drops such a front-end and waits for the next. */
			drop_reader_fds(&r);
			vhost_user_detach(&vu);
			vhost_user_attach(&vu);
		}
	}
	drop_reader_fds(&r);
	vhost_user_detach(&vu);
	for (unsigned i = 0; i < FD_MAX; i++)
		if (fd_open[i])
			abort(); /* an fd leaked */
	if (maps != 0)
		abort(); /* a mapping leaked */
	return 0;
}
