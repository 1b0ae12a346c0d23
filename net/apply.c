/* Applies a checked [net] configuration over rtnetlink: the netlink I/O
 * around the pure planner (plan.c). Everything is looked up and compared
 * with the kernel's state first, so a conflicting or unknown setting is
 * reported before anything changes; a kernel refusal part-way removes the
 * addresses and routes this run added. */
#include "net.h"
#include "net_internal.h"
#include "nl.h"
#include "nl_sock.h"
#include "plan.h"

#include "clock.h"
#include "io.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct apply {
	struct net_plan plan;
	struct nl_sock nl;
	char *err;
	size_t errlen;
};

static int fail(struct apply *a, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct apply *a, int r, const char *fmt, ...)
{
	if (a->err && a->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(a->err, a->errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* "File exists", or with the kernel's extended-ACK text: "File exists (ipv4: Address already
 * assigned)" */
static const char *kernel_why(int r, const char *ext, char *buf, size_t size)
{
	if (ext && ext[0])
		snprintf(buf, size, "%s (%s)", strerror(-r), ext);
	else
		snprintf(buf, size, "%s", strerror(-r));
	return buf;
}

/* Reads the links, then the device's addresses and the routes, into the plan. */
static int look_up(struct apply *a)
{
	struct net_plan *p = &a->plan;
	const struct nl_handler links = {
	    .link = net_plan_add_link, .reset = net_plan_links_reset, .ctx = p};
	const struct nl_handler addrs = {
	    .addr = net_plan_add_addr, .reset = net_plan_addrs_reset, .ctx = p};
	const struct nl_handler routes = {
	    .route = net_plan_add_route, .reset = net_plan_routes_reset, .ctx = p};
	int r = nl_sock_dump(&a->nl, RTM_GETLINK, AF_UNSPEC, &links);
	if (r < 0)
		return fail(a, r, "list interfaces: %s", nl_dump_strerror(r));
	if ((r = net_plan_links_check(p, a->err, a->errlen)) < 0 || !p->have_dev)
		return r;
	r = nl_sock_dump(&a->nl, RTM_GETADDR, AF_UNSPEC, &addrs);
	if (r < 0)
		return fail(a, r, "list addresses of %s: %s", p->dev.name, nl_dump_strerror(r));
	if ((r = net_plan_conflict(p, a->err, a->errlen)) < 0 || !p->n_routes)
		return r;
	r = nl_sock_dump(&a->nl, RTM_GETROUTE, AF_UNSPEC, &routes);
	if (r < 0)
		return fail(a, r, "list routes: %s", nl_dump_strerror(r));
	return net_plan_conflict(p, a->err, a->errlen);
}

/* Sends the request for action act (or its undo). Returns the kernel's answer. */
static int send_action(struct apply *a, const struct net_action *act, bool undo, char *ext,
		       size_t extlen)
{
	uint32_t buf[64];
	struct nl_msg m;
	int r = net_plan_request(&a->plan, act, undo, &m, buf, sizeof(buf));
	if (r < 0)
		return r;
	return nl_sock_call(&a->nl, &m, NULL, NULL, ext, extlen);
}

/* Makes every planned change in order. On a refusal, takes back the
 * addresses and routes added so far, newest first. */
static int configure(struct apply *a)
{
	struct net_action acts[NET_PLAN_MAX_ACTIONS];
	size_t n = net_plan_actions(&a->plan, acts);
	for (size_t i = 0; i < n; i++) {
		char ext[160], why[256], what[192];
		int r = send_action(a, &acts[i], false, ext, sizeof(ext));
		if (r == 0)
			continue;
		net_plan_describe(&a->plan, &acts[i], what, sizeof(what));
		fail(a, r, "%s: %s", what, kernel_why(r, ext, why, sizeof(why)));
		while (i-- > 0)
			if (acts[i].kind == NET_ACT_ADDR || acts[i].kind == NET_ACT_ROUTE)
				(void)send_action(a, &acts[i], true, NULL, 0);
		return r;
	}
	return 0;
}

static int on_dev_link(const struct nl_link *l, void *ctx)
{
	struct apply *a = ctx;
	if (l->index == a->plan.dev.index)
		a->plan.dev = *l;
	return 0;
}

static int refresh_dev(struct apply *a)
{
	uint32_t buf[16];
	struct nl_msg m;
	int r = nl_link_get_request(&m, buf, sizeof(buf), a->plan.dev.index);
	if (r < 0)
		return r;
	struct nl_handler hd = {.link = on_dev_link, .ctx = a};
	return nl_sock_call(&a->nl, &m, nl_handle_msg, &hd, NULL, 0);
}

/* Waits for carrier on dev: link notifications wake us, a fresh query decides. */
static int wait_carrier(struct apply *a)
{
	const struct nl_link *dev = &a->plan.dev;
	int timeout = a->plan.c->carrier_timeout_ms;
	struct nl_sock watch = {.fd = -1};
	int r = nl_sock_open(&watch, RTMGRP_LINK);
	if (r < 0)
		return fail(a, r, "watch %s for carrier: %s", dev->name, strerror(-r));
	uint64_t deadline = clock_now_ms() + (uint64_t)timeout;
	for (;;) {
		r = refresh_dev(a);
		if (r < 0)
			break;
		if (nl_link_has_carrier(dev))
			break;
		/* -ETIMEDOUT: the deadline passed without a link notification. */
		r = io_wait_until(watch.fd, POLLIN, deadline);
		if (r == 0)
			r = nl_sock_drain(&watch);
		if (r < 0)
			break;
	}
	nl_sock_close(&watch);
	if (r == -ETIMEDOUT)
		return fail(a, r, "carrier_timeout \"%dms\": no carrier on %s after %d ms", timeout,
			    dev->name, timeout);
	if (r < 0)
		return fail(a, r, "wait for carrier on %s: %s", dev->name, strerror(-r));
	return 0;
}

int net_apply(const struct net_config *c, char *err, size_t errlen)
{
	if (!c)
		return -EINVAL;
	int r = net_config_check(c, err, errlen);
	if (r < 0)
		return r;
	struct apply *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	net_plan_init(&a->plan, c);
	a->err = err;
	a->errlen = errlen;
	a->nl.fd = -1;
	r = nl_sock_open(&a->nl, 0);
	if (r < 0) {
		fail(a, r, "open rtnetlink socket: %s", strerror(-r));
		goto out;
	}
	/* Look everything up before changing anything. */
	if ((r = look_up(a)) < 0 || (r = configure(a)) < 0)
		goto out;
	/* Carrier last but one: routes and DNS are in place for when it comes. */
	int carrier = 0;
	if (a->plan.have_dev && c->carrier_timeout_ms > 0 && !nl_link_has_carrier(&a->plan.dev))
		carrier = wait_carrier(a);
	if (c->n_dns && (r = net_resolv_write(c, err, errlen)) < 0)
		goto out;
	if (c->hostname[0] && (r = net_set_hostname(c->hostname, err, errlen)) < 0)
		goto out;
	r = carrier;
out:
	nl_sock_close(&a->nl);
	free(a);
	return r;
}
