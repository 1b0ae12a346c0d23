/* Control-latency benchmark client: one connection to a guest agent, one
 * HELLO, then N PING round trips, each timed on the monotonic clock. Prints
 * one round trip per line in microseconds on stdout, so the driver
 * (tests/bench/bench-control) computes the percentiles.
 *
 * Usage: appvm-bench-ping TARGET N [WARMUP]
 *   TARGET as for appvmctl (hybrid:PATH[:PORT], unix:PATH, vsock:CID[:PORT]);
 *   WARMUP pings (default 10) are sent first and not printed. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "ctl_error.h"
#include "ctl_target.h"
#include "parse.h"
#include "clock.h"
#include "proto.h"

/* Each ping gets its own deadline: under TCG one round trip can take tens of
 * milliseconds, but never seconds. */
#define BENCH_PING_TIMEOUT_MS 10000u

static int ping_once(struct ctl_client *c, uint64_t nonce, uint64_t *ret_us, struct ctl_error *err)
{
	struct proto_msg req, reply;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_PING;
	req.u.ping_nonce = nonce;
	uint64_t t0 = clock_now_us();
	int r = ctl_client_call(c, &req, &reply, clock_now_ms() + BENCH_PING_TIMEOUT_MS, err);
	*ret_us = clock_now_us() - t0;
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: appvm-bench-ping TARGET N [WARMUP]\n");
		return 2;
	}
	struct ctl_target t;
	const char *why = NULL;
	if (ctl_target_parse(argv[1], &t, &why) < 0) {
		fprintf(stderr, "appvm-bench-ping: bad target %s: %s\n", argv[1], why ? why : "?");
		return 2;
	}
	uint32_t n, warmup = 10;
	if (parse_u32_strict(argv[2], 1, 10000000, &n) < 0 ||
	    (argc == 4 && parse_u32_strict(argv[3], 0, 1000000, &warmup) < 0)) {
		fprintf(stderr, "appvm-bench-ping: N must be 1-10000000, WARMUP 0-1000000\n");
		return 2;
	}

	struct ctl_client c;
	struct ctl_error err;
	ctl_error_clear(&err);
	int r = ctl_client_open(&c, &t, clock_now_ms() + BENCH_PING_TIMEOUT_MS, &err);
	if (r < 0) {
		fprintf(stderr, "appvm-bench-ping: %s: %s\n", argv[1], err.msg);
		ctl_client_free(&c);
		return ctl_exit_code(r);
	}
	uint64_t nonce = clock_now_us() * 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < warmup + n; i++) {
		uint64_t us;
		r = ping_once(&c, nonce + i, &us, &err);
		if (r < 0) {
			fprintf(stderr, "appvm-bench-ping: ping %u: %s\n", i, err.msg);
			ctl_client_free(&c);
			return ctl_exit_code(r);
		}
		if (i >= warmup)
			printf("%llu\n", (unsigned long long)us);
	}
	ctl_client_free(&c);
	return fflush(stdout) == 0 ? 0 : 1;
}
