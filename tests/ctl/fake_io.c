#include "fake_io.h"
#include "unix_addr.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void fake_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

int fake_wait_readable(int fd, atomic_int *stop)
{
	while (!atomic_load(stop)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) > 0)
			return 0;
	}
	return -1;
}

int fake_read_exact(int fd, void *buf, size_t n, atomic_int *stop)
{
	uint8_t *p = buf;
	while (n > 0) {
		if (fake_wait_readable(fd, stop) < 0)
			return -1;
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int fake_read_msg(int fd, struct proto_reader *r, struct proto_msg *m, atomic_int *stop)
{
	uint8_t b;
	for (;;) {
		if (fake_read_exact(fd, &b, 1, stop) < 0)
			return -1;
		size_t used;
		int ret = proto_reader_feed(r, &b, 1, &used);
		if (ret < 0)
			return -1;
		if (ret == 1)
			return proto_decode(&r->header, r->payload, m, NULL) < 0 ? -1 : 0;
	}
}

int fake_send_bytes(int fd, const void *buf, size_t len, unsigned drip_ms, atomic_int *stop)
{
	const uint8_t *p = buf;
	if (drip_ms == 0)
		return send(fd, p, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
	for (size_t i = 0; i < len; i++) {
		if (atomic_load(stop) || send(fd, p + i, 1, MSG_NOSIGNAL) != 1)
			return -1;
		fake_sleep_ms(drip_ms);
	}
	return 0;
}

int fake_send_msg(int fd, const struct proto_msg *m, unsigned drip_ms, atomic_int *stop)
{
	static _Thread_local uint8_t buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	size_t len;
	if (proto_encode(m, buf, sizeof(buf), &len) < 0)
		return -1;
	return fake_send_bytes(fd, buf, len, drip_ms, stop);
}

int fake_unix_listen(const char *path)
{
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, path) < 0)
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int fake_unix_connect(const char *path, int nonblock)
{
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, path) < 0)
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

void fake_header(uint8_t *out, uint16_t type, uint16_t flags, uint32_t id, uint32_t length)
{
	struct proto_header h = {.type = type, .flags = flags, .id = id, .length = length};
	proto_header_encode(&h, out);
}
