/* Fuzz target: the input becomes the guest's descriptor tables, available
 * rings and buffer contents for both queues, then the device runs against
 * fake host sockets. Addresses are mostly folded into guest RAM so the
 * walker gets past translation; inputs with the top bit set keep raw
 * (usually wild) addresses and lengths.
 *
 * The device and its guest RAM are made once and reset between inputs
 * (RAM zeroed, device state forgotten, connection buffers reused): a fresh
 * 4 MiB RAM per input cost page faults that made this target ~90 times
 * slower than the others. */
#include "vsock_test_guest.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int fz_connect(void *ctx, struct vsock_conn *c)
{
	(void)ctx;
	if (c->host_port & 1)
		return -ECONNREFUSED;
	c->fd = 1000;
	c->host_writable = true;
	return 0;
}

static int fz_accepted(void *ctx, struct vsock_conn *c)
{
	(void)ctx;
	return (c->guest_port & 3) == 3 ? -EPIPE : 0;
}

static unsigned reads;

static ssize_t fz_readv(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx;
	(void)fd;
	reads++;
	if (reads % 7 == 0)
		return 0;
	if (reads % 5 == 0)
		return -EAGAIN;
	size_t done = 0;
	for (int i = 0; i < n && done < 3000; i++) {
		size_t k = iov[i].iov_len < 3000 - done ? iov[i].iov_len : 3000 - done;
		memset(iov[i].iov_base, 'h', k);
		done += k;
	}
	return (ssize_t)done;
}

static ssize_t fz_writev(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx;
	(void)fd;
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len > 1 && (len & 1))
		return -EAGAIN;
	return (ssize_t)(len / 2 + 1);
}

static void fz_watch_write(void *ctx, struct vsock_conn *c, bool on)
{
	(void)ctx;
	(void)c;
	(void)on;
}

static void fz_noop(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
}

static const struct vsock_dev_ops fz_ops = {
    .connect = fz_connect,
    .accepted = fz_accepted,
    .readv = fz_readv,
    .writev = fz_writev,
    .watch_write = fz_watch_write,
    .shutdown_write = fz_noop,
    .close = fz_noop,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t take(const uint8_t **p, size_t *left, void *out, size_t n)
{
	size_t k = n < *left ? n : *left;
	memset(out, 0, n);
	memcpy(out, *p, k);
	*p += k;
	*left -= k;
	return k;
}

/* Rings (up to 256 entries each) and 128 KiB of buffers. */
#define FZ_RAM_SIZE (TG_BUF_BASE + 128u * 1024u)

/* Zeroes what an input or the device can have written: the rings (at most
 * 256 entries) and the buffer area (folded addresses land there; raw ones
 * are never inside guest RAM). */
static void clear_ram(uint8_t *ram)
{
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		memset(ram + (tg_desc_gpa(q) - TG_GPA_BASE), 0, 256 * 16);
		memset(ram + (tg_avail_gpa(q) - TG_GPA_BASE), 0, 4 + 2 * 256 + 2);
		memset(ram + (tg_used_gpa(q) - TG_GPA_BASE), 0, 4 + 8 * 256 + 2);
	}
	memset(ram + TG_BUF_BASE, 0, FZ_RAM_SIZE - TG_BUF_BASE);
}

/* Every host socket becomes readable and writable (looking only as far as
 * the connections in use reach). */
static void ready_all(struct vsock_dev *dev)
{
	for (unsigned i = 0, seen = 0; i < VSOCK_CONN_MAX && seen < dev->conns.n_used; i++) {
		if (dev->conns.c[i].state == VSOCK_CONN_FREE)
			continue;
		seen++;
		vsock_dev_host_ready(dev, i, true, true);
	}
}

/* The guest's own connections are counted right and stay within their
 * share of the table. */
static void check_table(const struct vsock_dev *dev)
{
	unsigned by_guest = 0;
	for (unsigned i = 0; i < VSOCK_CONN_MAX; i++)
		by_guest += dev->conns.c[i].state != VSOCK_CONN_FREE && dev->conns.c[i].by_guest;
	if (by_guest != dev->conns.n_guest || by_guest > VSOCK_CONN_GUEST_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsock_dev *dev;
	static uint8_t *ram;
	static struct tguest g;
	if (!dev) {
		dev = malloc(sizeof(*dev));
		ram = calloc(1, FZ_RAM_SIZE);
		if (!dev || !ram)
			abort();
		vsock_dev_init(dev, 3, &fz_ops, NULL);
	}
	if (size < 3)
		return 0;
	uint16_t num =
	    (uint16_t)(2u << (data[0] % 8)); /* 2..256; bit 3: event index; bit 4: polled */
	clear_ram(ram);
	vsock_dev_reset(dev);
	tg_init_ram(&g, ram, FZ_RAM_SIZE, num);
	tg_attach(&g, dev);
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++)
		vhost_vq_start(&dev->vq[q], data[0] & 8); /* VIRTIO_RING_F_EVENT_IDX or not */
	reads = 0;
	unsigned n_avail[2] = {data[1], data[2]};
	const uint8_t *p = data + 3;
	size_t left = size - 3;

	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		for (uint16_t i = 0; i < num && left > 0; i++) {
			uint8_t raw[16]; /* addr, len, flags, next */
			uint64_t addr;
			uint32_t len;
			uint16_t flags, next;
			take(&p, &left, raw, sizeof(raw));
			memcpy(&addr, raw, 8);
			memcpy(&len, raw + 8, 4);
			memcpy(&flags, raw + 12, 2);
			memcpy(&next, raw + 14, 2);
			if (!(addr >> 63))
				addr = TG_GPA_BASE + TG_BUF_BASE +
				       addr % (FZ_RAM_SIZE - TG_BUF_BASE + 64);
			if (!(len >> 31))
				len %= 70000;
			tg_set_desc(&g, q, i, addr, len, flags, next);
		}
	}
	for (unsigned q = 0; q < VSOCK_VQ_COUNT; q++) {
		for (unsigned i = 0; i < n_avail[q] && left > 0; i++) {
			uint16_t head;
			take(&p, &left, &head, 2);
			tg_publish(&g, q, head);
		}
	}
	size_t room = FZ_RAM_SIZE - TG_BUF_BASE;
	memcpy(g.ram + TG_BUF_BASE, p, left < room ? left : room);

	uint32_t hp;
	vsock_dev_host_connect(dev, 1001, 5000, 0, &hp);
	ready_all(dev);
	bool polled = data[0] & 16; /* the event loop polls (no kicks asked for) */
	vsock_dev_poll(dev, polled);
	vsock_dev_run(dev);
	ready_all(dev);
	if (vsock_dev_tx_waiting(dev) || vsock_dev_poll(dev, false))
		vsock_dev_run(dev);
	vsock_dev_notify_due(dev, 0);
	vsock_dev_expire(dev, UINT64_MAX);
	vsock_dev_run(dev);
	vsock_dev_notify_due(dev, UINT64_MAX - 1);
	check_table(dev);
	vsock_dev_reset_conns(dev);
	return 0;
}
