/* The fake host side shared by the device tests: host sockets as buffers
 * in memory, and the fake guest from vsock_test_guest.c. */
#include "vsock_test_host.h"

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

/* ---- fake host sockets: fd = 100 + connection slot ---- */

struct fake_fd *fds;
int connect_result;
unsigned connects, accepts;
unsigned reads, writes, watch_changes;
uint32_t last_connect_port;
void (*on_read)(void);

static int f_connect(void *ctx, struct vsock_conn *c)
{
	(void)ctx;
	connects++;
	last_connect_port = c->host_port;
	if (connect_result < 0)
		return connect_result;
	int fd = 100 + (int)(c - ((struct vsock_dev *)ctx)->conns.c);
	memset(&fds[fd], 0, sizeof(fds[fd]));
	fds[fd].open = true;
	fds[fd].out_limit = sizeof(fds[fd].out);
	c->fd = fd;
	c->host_writable = true;
	return 0;
}

static int f_accepted(void *ctx, struct vsock_conn *c)
{
	(void)ctx;
	(void)c;
	accepts++;
	return 0;
}

static ssize_t f_readv(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx;
	struct fake_fd *f = &fds[fd];
	assert_true(f->open);
	reads++;
	if (on_read)
		on_read();
	if (f->in_len == f->in_pos)
		return f->in_eof ? 0 : -EAGAIN;
	size_t done = 0;
	for (int i = 0; i < n && f->in_pos < f->in_len; i++) {
		size_t k = f->in_len - f->in_pos;
		if (k > iov[i].iov_len)
			k = iov[i].iov_len;
		memcpy(iov[i].iov_base, f->in + f->in_pos, k);
		f->in_pos += k;
		done += k;
	}
	return (ssize_t)done;
}

static ssize_t f_writev(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx;
	struct fake_fd *f = &fds[fd];
	assert_true(f->open);
	writes++;
	if (f->write_error)
		return -f->write_error;
	if (f->out_limit == f->out_len)
		return -EAGAIN;
	size_t done = 0;
	for (int i = 0; i < n && f->out_len < f->out_limit; i++) {
		size_t k = f->out_limit - f->out_len;
		if (k > iov[i].iov_len)
			k = iov[i].iov_len;
		memcpy(f->out + f->out_len, iov[i].iov_base, k);
		f->out_len += k;
		done += k;
	}
	return (ssize_t)done;
}

static void f_watch_write(void *ctx, struct vsock_conn *c, bool on)
{
	(void)ctx;
	struct fake_fd *f = &fds[c->fd];
	assert_true(f->open);
	assert_true(f->write_watched != on); /* only changes are passed on */
	f->write_watched = on;
	watch_changes++;
}

static void f_shutdown_write(void *ctx, int fd)
{
	(void)ctx;
	fds[fd].shut_wr = true;
}

static void f_close(void *ctx, int fd)
{
	(void)ctx;
	assert_true(fds[fd].open);
	fds[fd].open = false;
}

const struct vsock_dev_ops th_ops = {
    .connect = f_connect,
    .accepted = f_accepted,
    .readv = f_readv,
    .writev = f_writev,
    .watch_write = f_watch_write,
    .shutdown_write = f_shutdown_write,
    .close = f_close,
};

struct vsock_dev *dev;
struct tguest g;

int setup(void **state)
{
	(void)state;
	dev = calloc(1, sizeof(*dev));
	fds = calloc(NFD, sizeof(*fds));
	vsock_dev_init(dev, 3, &th_ops, dev);
	tg_init(&g, dev, 256);
	connect_result = 0;
	on_read = NULL;
	connects = accepts = 0;
	reads = writes = watch_changes = 0;
	return 0;
}

int teardown(void **state)
{
	(void)state;
	vsock_dev_free(dev);
	for (int i = 0; i < NFD; i++)
		assert_false(fds[i].open); /* nothing leaks */
	tg_free(&g);
	free(dev);
	free(fds);
	return 0;
}

void send_op(uint16_t op, uint32_t gport, uint32_t hport)
{
	struct vsock_hdr h = tg_hdr(op, gport, hport, 0);
	tg_send(&g, &h, NULL, 0);
}

/* Receives the next packet and checks its op and address pair. */
struct vsock_hdr expect_pkt(uint16_t op, uint32_t hport, uint32_t gport)
{
	struct vsock_hdr h;
	int n = tg_recv(&g, &h, NULL, 0);
	if (n < 0)
		fail_msg("expected %s, got nothing", vsock_op_name(op));
	if (h.op != op)
		fail_msg("expected %s, got %s", vsock_op_name(op), vsock_op_name(h.op));
	assert_int_equal(h.src_cid, 2);
	assert_int_equal(h.dst_cid, 3);
	assert_int_equal(h.src_port, hport);
	assert_int_equal(h.dst_port, gport);
	assert_int_equal(h.type, VIRTIO_VSOCK_TYPE_STREAM);
	return h;
}

void expect_nothing(void)
{
	struct vsock_hdr h;
	int n = tg_recv(&g, &h, NULL, 0);
	if (n >= 0)
		fail_msg("unexpected %s", vsock_op_name(h.op));
}

/* Guest connects to host port 6000 from port 1000; returns the host fd. */
int guest_connect(void)
{
	tg_post_rx(&g, 4, 4096);
	send_op(VIRTIO_VSOCK_OP_REQUEST, 1000, 6000);
	vsock_dev_run(dev);
	assert_int_equal(last_connect_port, 6000);
	struct vsock_hdr h = expect_pkt(VIRTIO_VSOCK_OP_RESPONSE, 6000, 1000);
	assert_int_equal(h.buf_alloc, VSOCK_CONN_BUF);
	struct vsock_conn *c = vsock_conn_find(&dev->conns, 6000, 1000);
	assert_non_null(c);
	return c->fd;
}

uint32_t host_connect_pending(uint32_t guest_port, uint64_t now_ms)
{
	uint32_t hp;
	fds[50].open = true;
	assert_int_equal(vsock_dev_host_connect(dev, 50, guest_port, now_ms, &hp), 0);
	tg_post_rx(&g, 4, 4096);
	vsock_dev_run(dev);
	expect_pkt(VIRTIO_VSOCK_OP_REQUEST, hp, guest_port);
	return hp;
}
