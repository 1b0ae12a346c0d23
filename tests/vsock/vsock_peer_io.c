/* vsock_peer's streams and addresses: the seeded byte stream both ends
 * generate and check, the --stall schedule, and connecting or listening on
 * an ADDR (vsock_peer.c lists the forms). */
#include "vsock_peer_io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gen_init(struct gen *g, uint64_t seed)
{
	g->state = seed * 0x9e3779b97f4a7c15ull + 1;
	g->left = 0;
}

uint8_t gen_byte(struct gen *g)
{
	if (g->left == 0) {
		uint64_t x = g->state;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		g->state = x;
		g->word = x;
		g->left = 8;
	}
	uint8_t b = (uint8_t)g->word;
	g->word >>= 8;
	g->left--;
	return b;
}

void gen_fill(struct gen *g, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = gen_byte(g);
}

uint32_t gen_u32(struct gen *g)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | gen_byte(g);
	return v;
}

void stall_init(struct stall *st, uint64_t seed, uint64_t stream)
{
	st->seed = seed;
	gen_init(&st->g, seed * 1000003u + stream);
	st->next_at = 65536 + gen_u32(&st->g) % (1u << 20);
}

/* Returns how many ms to stop reading now that total bytes were read (0:
 * go on), and picks the next stop. */
unsigned stall_check(struct stall *st, uint64_t total)
{
	if (!st->seed || total < st->next_at)
		return 0;
	st->next_at = total + 65536 + gen_u32(&st->g) % (1u << 20);
	return 10 + gen_u32(&st->g) % 151;
}

uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int connect_addr(const char *addr)
{
	if (strncmp(addr, "vsock:", 6) == 0) {
		unsigned cid, port;
		if (sscanf(addr + 6, "%u:%u", &cid, &port) != 2)
			return errno = EINVAL, -1;
		int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return errno = e, -1;
		}
		return fd;
	}
	if (strncmp(addr, "file:", 5) == 0)
		return open(addr + 5, O_RDWR | O_CLOEXEC);
	int hybrid = strncmp(addr, "hybrid:", 7) == 0;
	if (!hybrid && strncmp(addr, "unix:", 5) != 0)
		return errno = EINVAL, -1;
	char path[108];
	unsigned port = 0;
	snprintf(path, sizeof(path), "%s", addr + (hybrid ? 7 : 5));
	if (hybrid) {
		char *colon = strrchr(path, ':');
		if (!colon)
			return errno = EINVAL, -1;
		*colon = 0;
		port = (unsigned)strtoul(colon + 1, NULL, 10);
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return errno = e, -1;
	}
	if (!hybrid)
		return fd;
	char line[64];
	int n = snprintf(line, sizeof(line), "CONNECT %u\n", port);
	if (write_all(fd, line, (size_t)n) < 0) {
		close(fd);
		return errno = ECONNREFUSED, -1;
	}
	size_t len = 0;
	while (len < sizeof(line) - 1) {
		ssize_t r = read(fd, line + len, 1);
		if (r <= 0) {
			close(fd);
			return errno = ECONNREFUSED, -1;
		}
		if (line[len++] == '\n')
			break;
	}
	line[len] = 0;
	if (strncmp(line, "OK ", 3) != 0) {
		close(fd);
		return errno = EPROTO, -1;
	}
	return fd;
}

int listen_addr(const char *addr)
{
	if (strncmp(addr, "file:", 5) == 0)
		return open(addr + 5, O_RDWR | O_CLOEXEC);
	int fd;
	if (strncmp(addr, "vsock:", 6) == 0) {
		struct sockaddr_vm sa = {.svm_family = AF_VSOCK,
					 .svm_cid = VMADDR_CID_ANY,
					 .svm_port = (unsigned)strtoul(addr + 6, NULL, 10)};
		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -1;
	} else if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", addr + 5);
		unlink(sa.sun_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -1;
	} else {
		return errno = EINVAL, -1;
	}
	if (listen(fd, 128) < 0)
		return -1;
	return fd;
}
