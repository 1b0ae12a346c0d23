/* Fuzz target for the rtnetlink reply walker, the link/address/route
 * decoders and the planner fed with what they decode (net/plan.c):
 * everything the kernel sends back is treated as untrusted.
 *
 * Input: one flag byte (bit 0: the request was a dump), then datagrams, each
 * a little-endian 16-bit length and that many bytes. The walk expects
 * sequence 1 from port 100, so seeds can also exercise the happy path. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "nl.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A configuration with every kind of change, for the planner. */
static const struct net_config *fuzz_config(void)
{
	static struct net_config *c;
	if (c)
		return c;
	static const char *const kv[][2] = {
	    {"mac", "52:54:00:12:34:56"},
	    {"mtu", "1400"},
	    {"address", "10.0.2.15/24, fd00::15/64"},
	    {"gateway", "10.0.2.2"},
	    {"gateway6", "fd00::2"},
	    {"route", "10.77.0.0/16 via 10.0.2.3 metric 5"},
	};
	c = net_config_new();
	if (!c)
		abort();
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (net_config_set(c, kv[i][0], kv[i][1], NULL, 0) < 0)
			abort();
	if (net_config_check(c, NULL, 0) < 0)
		abort();
	return c;
}

/* What the planner decides from whatever the walk delivered must be sound:
 * every change encodes within the buffer, every message is a string. */
static void check_plan(struct net_plan *p)
{
	char err[256];
	if (net_plan_links_check(p, err, sizeof(err)) < 0 && !memchr(err, '\0', sizeof(err)))
		abort();
	if (net_plan_conflict(p, err, sizeof(err)) < 0 && !memchr(err, '\0', sizeof(err)))
		abort();
	struct net_action acts[NET_PLAN_MAX_ACTIONS];
	size_t n = net_plan_actions(p, acts);
	if (n > NET_PLAN_MAX_ACTIONS)
		abort();
	for (size_t i = 0; i < n; i++) {
		uint32_t buf[64];
		struct nl_msg m;
		if (net_plan_request(p, &acts[i], false, &m, buf, sizeof(buf)) < 0)
			abort();
		net_plan_describe(p, &acts[i], err, sizeof(err));
	}
}

static int on_msg(const struct nlmsghdr *h, void *ctx)
{
	struct nl_handler *plan = ctx;
	struct nl_link l;
	struct nl_addr a;
	struct nl_route r;
	int rl = nl_link_parse(h, &l), ra = nl_addr_parse(h, &a), rr = nl_route_parse(h, &r);
	/* Whatever decodes must hold the invariants the callers rely on. */
	if (rl == 0 && (l.name[0] == '\0' || memchr(l.name, '\0', sizeof(l.name)) == NULL ||
			l.mac_len > sizeof(l.mac) || l.index <= 0))
		abort();
	if (ra == 0 && a.prefix > (a.family == AF_INET ? 32u : 128u))
		abort();
	if (rr == 0 && r.dst_len > (r.family == AF_INET ? 32u : 128u))
		abort();
	int rh = nl_handle_msg(h, plan);
	if (rh != 0 && rh != -EBADMSG)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t words[(65536 + 4) / 4];
	if (size < 1)
		return 0;
	struct nl_reply st = {.seq = 1, .port = 100, .dump = data[0] & 1};
	static struct net_plan p;
	net_plan_init(&p, fuzz_config());
	struct nl_handler plan = {.link = net_plan_add_link,
				  .addr = net_plan_add_addr,
				  .route = net_plan_add_route,
				  .ctx = &p};
	size_t pos = 1;
	while (pos + 2 <= size) {
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		memcpy(words, data + pos, len);
		pos += len;
		int r = nl_reply_walk(&st, words, len, on_msg, &plan);
		if (r == 1 && (st.error > 0 || st.error < -4095 ||
			       memchr(st.ext_msg, '\0', sizeof(st.ext_msg)) == NULL))
			abort();
		if (r != 0)
			break;
	}
	check_plan(&p);
	return 0;
}
