/* Control-latency benchmark client for qemu-guest-agent, the peer of
 * appvm-bench-ping: one connection, guest-sync-delimited once, then N
 * {"execute":"guest-ping"} round trips, each timed on the monotonic clock
 * and printed in microseconds, one per line. Written in C with the same
 * transport code as appvm-bench-ping (host/ctl), so both sides of the
 * comparison pay the same host-side costs.
 *
 * Usage: appvm-bench-qga-ping TARGET N [WARMUP]
 *   TARGET: unix:PATH (qemu's chardev socket of a virtio-serial or
 *   isa-serial port) or hybrid:PATH:PORT (qemu-ga -m vsock-listen behind a
 *   hybrid vsock socket). WARMUP round trips (default 10) are not printed. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "ctl_error.h"
#include "ctl_target.h"
#include "parse.h"
#include "clock.h"
#include "ctl_transport.h"

#define QGA_TIMEOUT_MS 10000u
#define QGA_LINE_MAX   4096

struct qga_conn {
	int fd;
	char buf[QGA_LINE_MAX];
	size_t len;
};

/* Reads more bytes into the buffer. Returns 0, -ETIMEDOUT, -EPIPE (closed),
 * -E2BIG (a line longer than the buffer) or -errno. */
static int qga_fill(struct qga_conn *q, uint64_t deadline)
{
	if (q->len == sizeof(q->buf))
		return -E2BIG;
	for (;;) {
		ssize_t n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (n > 0) {
			q->len += (size_t)n;
			return 0;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		struct pollfd p = {.fd = q->fd, .events = POLLIN};
		int left = clock_remaining_ms(deadline);
		if (left == 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -errno;
	}
}

/* Drops bytes up to and including the first occurrence of c, reading as
 * needed. Returns 0 or an error of qga_fill. */
static int qga_skip_past(struct qga_conn *q, char c, uint64_t deadline)
{
	for (;;) {
		char *p = memchr(q->buf, c, q->len);
		if (p) {
			size_t used = (size_t)(p - q->buf) + 1;
			memmove(q->buf, q->buf + used, q->len - used);
			q->len -= used;
			return 0;
		}
		q->len = 0;
		int r = qga_fill(q, deadline);
		if (r < 0)
			return r;
	}
}

/* Reads one line (without its newline) into line. Returns 0 or an error of
 * qga_fill. */
static int qga_line(struct qga_conn *q, char *line, size_t size, uint64_t deadline)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			size_t n = (size_t)(nl - q->buf);
			if (n >= size)
				return -E2BIG;
			memcpy(line, q->buf, n);
			line[n] = '\0';
			memmove(q->buf, nl + 1, q->len - n - 1);
			q->len -= n + 1;
			return 0;
		}
		int r = qga_fill(q, deadline);
		if (r < 0)
			return r;
	}
}

/* guest-sync-delimited: qemu-ga answers with 0xFF before the JSON, so
 * whatever an earlier client left on a serial line is skipped. */
static int qga_sync(struct qga_conn *q, uint64_t deadline)
{
	char req[128], want[64], line[QGA_LINE_MAX];
	unsigned token = (unsigned)(clock_now_us() & 0x7fffffff);
	int n = snprintf(req, sizeof(req),
			 "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%u}}\n",
			 token);
	snprintf(want, sizeof(want), "{\"return\": %u}", token);
	int r = io_write_full_until(q->fd, req, (size_t)n, deadline);
	while (r == 0) {
		r = qga_skip_past(q, '\xff', deadline);
		if (r == 0)
			r = qga_line(q, line, sizeof(line), deadline);
		if (r == 0 && strcmp(line, want) == 0)
			return 0;
	}
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: appvm-bench-qga-ping TARGET N [WARMUP]\n");
		return 2;
	}
	struct ctl_target t;
	const char *why = NULL;
	uint32_t n, warmup = 10;
	if (ctl_target_parse(argv[1], &t, &why) < 0 || t.transport == CTL_TRANSPORT_VSOCK) {
		fprintf(stderr, "appvm-bench-qga-ping: bad target %s: %s\n", argv[1],
			why ? why : "use unix:PATH or hybrid:PATH:PORT");
		return 2;
	}
	if (parse_u32_strict(argv[2], 1, 10000000, &n) < 0 ||
	    (argc == 4 && parse_u32_strict(argv[3], 0, 1000000, &warmup) < 0)) {
		fprintf(stderr, "appvm-bench-qga-ping: N must be 1-10000000, WARMUP 0-1000000\n");
		return 2;
	}
	struct ctl_error err;
	ctl_error_clear(&err);
	struct qga_conn q = {.len = 0};
	q.fd = ctl_transport_connect(&t, clock_now_ms() + QGA_TIMEOUT_MS, &err);
	if (q.fd < 0) {
		fprintf(stderr, "appvm-bench-qga-ping: %s: %s\n", argv[1], err.msg);
		return ctl_exit_code(q.fd);
	}
	int r = qga_sync(&q, clock_now_ms() + QGA_TIMEOUT_MS);
	if (r < 0) {
		fprintf(stderr, "appvm-bench-qga-ping: guest-sync: %s\n", strerror(-r));
		close(q.fd);
		return 1;
	}
	static const char ping[] = "{\"execute\":\"guest-ping\"}\n";
	char line[QGA_LINE_MAX];
	for (uint32_t i = 0; i < warmup + n; i++) {
		uint64_t t0 = clock_now_us();
		uint64_t deadline = clock_now_ms() + QGA_TIMEOUT_MS;
		r = io_write_full_until(q.fd, ping, sizeof(ping) - 1, deadline);
		if (r == 0)
			r = qga_line(&q, line, sizeof(line), deadline);
		uint64_t us = clock_now_us() - t0;
		if (r == 0 && strcmp(line, "{\"return\": {}}") != 0)
			r = -EPROTO;
		if (r < 0) {
			fprintf(stderr, "appvm-bench-qga-ping: guest-ping %u: %s\n", i,
				strerror(-r));
			close(q.fd);
			return 1;
		}
		if (i >= warmup)
			printf("%llu\n", (unsigned long long)us);
	}
	close(q.fd);
	return fflush(stdout) == 0 ? 0 : 1;
}
