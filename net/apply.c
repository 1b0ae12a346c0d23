/* Applies a checked [net] configuration over rtnetlink. Everything is looked
 * up and compared with the kernel's state first, so a conflicting or unknown
 * setting is reported before anything changes; a kernel refusal part-way
 * removes the addresses and routes this run added. */
#include "net.h"
#include "clock.h"
#include "net_internal.h"
#include "nl.h"
#include "nl_sock.h"

#include "io.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LINKS_NAMED 8 /* interface names quoted in a "not found" message */

struct route_plan {
	struct net_route r;
	const char *key; /* the [net] key it came from, for messages */
	bool present;	 /* an identical route exists already */
	bool added;
};

struct apply {
	const struct net_config *c;
	struct nl_sock nl;
	char *err;
	size_t errlen;

	/* From the link dump. */
	struct nl_link lo, dev;
	bool have_lo, have_dev;
	int mac_matches;
	char seen[MAX_LINKS_NAMED][IF_NAMESIZE + 20];
	size_t n_seen;

	/* The first conflict the address and route dumps found (-EEXIST), with
	 * its message; compared as the dumps arrive, so nothing is stored. */
	int conflict;
	char conflict_msg[256];

	bool addr_present[NET_MAX_ADDRESSES];
	bool addr_added[NET_MAX_ADDRESSES];
	struct route_plan plan[NET_MAX_ROUTES + 2];
	size_t n_plan;
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

static int on_link(const struct nlmsghdr *h, void *ctx)
{
	struct apply *a = ctx;
	struct nl_link l;
	int r = nl_link_parse(h, &l);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	if (strcmp(l.name, "lo") == 0) {
		a->lo = l;
		a->have_lo = true;
		return 0;
	}
	if (a->n_seen < MAX_LINKS_NAMED) {
		char mac[40] = "";
		if (l.mac_len == 6)
			net_mac_format(l.mac, l.mac_len, mac, sizeof(mac));
		snprintf(a->seen[a->n_seen++], sizeof(a->seen[0]), "%s%s%s", l.name,
			 mac[0] ? " " : "", mac);
	}
	const struct net_config *c = a->c;
	bool name_ok = !c->ifname[0] || strcmp(l.name, c->ifname) == 0;
	bool mac_ok = !c->has_mac || (l.mac_len == 6 && memcmp(l.mac, c->mac, 6) == 0);
	if (c->has_mac && mac_ok)
		a->mac_matches++;
	if ((c->ifname[0] || c->has_mac) && name_ok && mac_ok && !a->have_dev) {
		a->dev = l;
		a->have_dev = true;
	}
	return 0;
}

static int on_addr(const struct nlmsghdr *h, void *ctx)
{
	struct apply *a = ctx;
	struct nl_addr e;
	int r = nl_addr_parse(h, &e);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	if (e.index != a->dev.index)
		return 0;
	const struct net_config *c = a->c;
	for (size_t i = 0; i < c->n_addresses; i++) {
		const struct net_prefix *p = &c->addresses[i];
		if (e.family != p->ip.family ||
		    memcmp(e.addr, p->ip.addr, net_ip_len(e.family)) != 0)
			continue;
		if (e.prefix == p->len) {
			a->addr_present[i] = true;
		} else if (!a->conflict) {
			char want[64], have[64];
			struct net_ip hip = {.family = e.family};
			memcpy(hip.addr, e.addr, sizeof(hip.addr));
			a->conflict = -EEXIST;
			snprintf(a->conflict_msg, sizeof(a->conflict_msg),
				 "address \"%s\": %s already has %s",
				 net_ip_format(&p->ip, (int)p->len, want, sizeof(want)),
				 a->dev.name,
				 net_ip_format(&hip, (int)e.prefix, have, sizeof(have)));
		}
	}
	return 0;
}

static uint32_t effective_metric(const struct net_route *r)
{
	/* What the kernel stores when no metric is given. */
	if (r->has_metric)
		return r->metric;
	return r->dst.ip.family == AF_INET6 ? 1024 : 0;
}

static int on_route(const struct nlmsghdr *h, void *ctx)
{
	struct apply *a = ctx;
	struct nl_route e;
	int r = nl_route_parse(h, &e);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	if (e.table != RT_TABLE_MAIN || e.type != RTN_UNICAST)
		return 0;
	size_t bytes = net_ip_len(e.family);
	for (size_t i = 0; i < a->n_plan; i++) {
		struct route_plan *p = &a->plan[i];
		/* The kernel keys a route by destination, prefix length and metric. */
		if (e.family != p->r.dst.ip.family || e.dst_len != p->r.dst.len ||
		    memcmp(e.dst, p->r.dst.ip.addr, bytes) != 0 ||
		    e.priority != effective_metric(&p->r))
			continue;
		bool same_gw = e.has_gw == p->r.has_via &&
			       (!e.has_gw || memcmp(e.gw, p->r.via.addr, bytes) == 0);
		if (same_gw && e.oif == a->dev.index) {
			p->present = true;
			continue;
		}
		if (a->conflict)
			continue;
		char want[128], have[128], dev[IF_NAMESIZE + 24];
		struct net_route er = {.dst = {.ip = {.family = e.family}, .len = e.dst_len},
				       .has_via = e.has_gw,
				       .via = {.family = e.family}};
		memcpy(er.dst.ip.addr, e.dst, bytes);
		memcpy(er.via.addr, e.gw, bytes);
		if (e.oif == a->dev.index)
			snprintf(dev, sizeof(dev), " on %s", a->dev.name);
		else
			snprintf(dev, sizeof(dev), " on interface #%d", e.oif);
		a->conflict = -EEXIST;
		snprintf(a->conflict_msg, sizeof(a->conflict_msg),
			 "%s \"%s\": conflicts with existing route %s%s", p->key,
			 net_route_format(&p->r, want, sizeof(want)),
			 net_route_format(&er, have, sizeof(have)), dev);
	}
	return 0;
}

/* Forgets what an interrupted dump of type collected, before it is rerun. */
static void dump_reset(struct apply *a, uint16_t type)
{
	if (type == RTM_GETLINK) {
		a->have_lo = a->have_dev = false;
		a->mac_matches = 0;
		a->n_seen = 0;
	} else if (type == RTM_GETADDR) {
		memset(a->addr_present, 0, sizeof(a->addr_present));
		a->conflict = 0;
	} else {
		for (size_t i = 0; i < a->n_plan; i++)
			a->plan[i].present = false;
		a->conflict = 0;
	}
}

static int dump_once(struct apply *a, uint16_t type, int family, nl_msg_cb cb)
{
	uint32_t buf[64];
	struct nl_msg m;
	int r = nl_msg_init(&m, buf, sizeof(buf), type, NLM_F_REQUEST | NLM_F_DUMP);
	if (r < 0)
		return r;
	/* rtgenmsg is the common prefix of every family header; send the full
	 * ifinfomsg so kernels with strict checking accept it too. */
	struct ifinfomsg ifi = {.ifi_family = (unsigned char)family};
	struct rtmsg rtm = {.rtm_family = (unsigned char)family};
	struct ifaddrmsg ifa = {.ifa_family = (unsigned char)family};
	const void *hdr = type == RTM_GETLINK	? (const void *)&ifi
			  : type == RTM_GETADDR ? (const void *)&ifa
						: (const void *)&rtm;
	size_t hlen = type == RTM_GETLINK   ? sizeof(ifi)
		      : type == RTM_GETADDR ? sizeof(ifa)
					    : sizeof(rtm);
	if (!nl_msg_put_header(&m, hdr, hlen))
		return -ENOBUFS;
	return nl_sock_call(&a->nl, &m, cb, a, NULL, 0);
}

/* Dumps a table; one that changed under the dump is read again. */
static int dump(struct apply *a, uint16_t type, int family, nl_msg_cb cb)
{
	int r = -EINTR;
	for (int attempt = 0; attempt < 5 && r == -EINTR; attempt++) {
		dump_reset(a, type);
		r = dump_once(a, type, family, cb);
	}
	return r;
}

/* Sets flags/MTU on a link. Returns the kernel's answer. */
static int link_set(struct apply *a, int index, bool up, uint32_t mtu, char *ext, size_t extlen)
{
	uint32_t buf[64];
	struct nl_msg m;
	int r = nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, NLM_F_REQUEST);
	if (r < 0)
		return r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	if (up) {
		ifi.ifi_flags = IFF_UP;
		ifi.ifi_change = IFF_UP;
	}
	if (!nl_msg_put_header(&m, &ifi, sizeof(ifi)))
		return -ENOBUFS;
	if (mtu && (r = nl_attr_put_u32(&m, IFLA_MTU, mtu)) < 0)
		return r;
	return nl_sock_call(&a->nl, &m, NULL, NULL, ext, extlen);
}

static int addr_msg(struct apply *a, uint16_t type, uint16_t flags, const struct net_prefix *p,
		    char *ext, size_t extlen)
{
	uint32_t buf[64];
	struct nl_msg m;
	int r = nl_msg_init(&m, buf, sizeof(buf), type, NLM_F_REQUEST | flags);
	if (r < 0)
		return r;
	struct ifaddrmsg ifa = {
	    .ifa_family = (unsigned char)p->ip.family,
	    .ifa_prefixlen = (unsigned char)p->len,
	    .ifa_scope = RT_SCOPE_UNIVERSE,
	    .ifa_index = (unsigned int)a->dev.index,
	};
	/* The host hands out the address and the VM is its only user: duplicate
	 * address detection would only delay the first packet by a second. */
	if (p->ip.family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	if (!nl_msg_put_header(&m, &ifa, sizeof(ifa)))
		return -ENOBUFS;
	size_t len = net_ip_len(p->ip.family);
	if ((r = nl_attr_put(&m, IFA_LOCAL, p->ip.addr, len)) < 0 ||
	    (r = nl_attr_put(&m, IFA_ADDRESS, p->ip.addr, len)) < 0)
		return r;
	return nl_sock_call(&a->nl, &m, NULL, NULL, ext, extlen);
}

static int route_msg(struct apply *a, uint16_t type, uint16_t flags, const struct net_route *rt,
		     char *ext, size_t extlen)
{
	uint32_t buf[64];
	struct nl_msg m;
	int r = nl_msg_init(&m, buf, sizeof(buf), type, NLM_F_REQUEST | flags);
	if (r < 0)
		return r;
	struct rtmsg rtm = {
	    .rtm_family = (unsigned char)rt->dst.ip.family,
	    .rtm_dst_len = (unsigned char)rt->dst.len,
	    .rtm_table = RT_TABLE_MAIN,
	    .rtm_protocol = RTPROT_STATIC,
	    /* A route without a gateway is on the link itself. */
	    .rtm_scope =
		(rt->has_via || rt->dst.ip.family == AF_INET6) ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
	    .rtm_type = RTN_UNICAST,
	};
	if (!nl_msg_put_header(&m, &rtm, sizeof(rtm)))
		return -ENOBUFS;
	size_t len = net_ip_len(rt->dst.ip.family);
	if (rt->dst.len && (r = nl_attr_put(&m, RTA_DST, rt->dst.ip.addr, len)) < 0)
		return r;
	if (rt->has_via && (r = nl_attr_put(&m, RTA_GATEWAY, rt->via.addr, len)) < 0)
		return r;
	if ((r = nl_attr_put_u32(&m, RTA_OIF, (uint32_t)a->dev.index)) < 0)
		return r;
	if (rt->has_metric && (r = nl_attr_put_u32(&m, RTA_PRIORITY, rt->metric)) < 0)
		return r;
	return nl_sock_call(&a->nl, &m, NULL, NULL, ext, extlen);
}

static int find_interface(struct apply *a)
{
	const struct net_config *c = a->c;
	int r = dump(a, RTM_GETLINK, AF_UNSPEC, on_link);
	if (r < 0)
		return fail(a, r, "list interfaces: %s", strerror(-r));
	if (!a->have_lo)
		return fail(a, -ENODEV, "no loopback interface");
	if (!c->ifname[0] && !c->has_mac)
		return 0;
	char list[MAX_LINKS_NAMED * (IF_NAMESIZE + 22) + 8] = "";
	size_t off = 0;
	for (size_t i = 0; i < a->n_seen; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					a->seen[i]);
	if (!a->n_seen)
		snprintf(list, sizeof(list), "none besides lo");
	char mac[24] = "";
	if (c->has_mac)
		net_mac_format(c->mac, 6, mac, sizeof(mac));
	if (!a->have_dev) {
		if (c->ifname[0] && c->has_mac && a->mac_matches)
			return fail(a, -ENODEV,
				    "mac \"%s\": belongs to another interface than %s (found: %s)",
				    mac, c->ifname, list);
		if (c->has_mac && !c->ifname[0])
			return fail(a, -ENODEV, "mac \"%s\": no interface has this MAC (found: %s)",
				    mac, list);
		if (c->has_mac && a->mac_matches == 0 && c->ifname[0]) {
			return fail(
			    a, -ENODEV,
			    "interface \"%s\" with mac \"%s\": no such interface (found: %s)",
			    c->ifname, mac, list);
		}
		return fail(a, -ENODEV, "interface \"%s\": no such interface (found: %s)",
			    c->ifname, list);
	}
	if (c->has_mac && !c->ifname[0] && a->mac_matches > 1)
		return fail(a, -ENOTUNIQ,
			    "mac \"%s\": %d interfaces have this MAC; set interface too", mac,
			    a->mac_matches);
	if (a->dev.mac_len != 6 && c->has_mac)
		return fail(a, -ENODEV, "mac \"%s\": %s has no Ethernet address", mac, a->dev.name);
	return 0;
}

/* Compares the configured addresses with dev's; identical ones are skipped. */
static int plan_addresses(struct apply *a)
{
	int r = dump(a, RTM_GETADDR, AF_UNSPEC, on_addr);
	if (r < 0)
		return fail(a, r, "list addresses of %s: %s", a->dev.name, strerror(-r));
	if (a->conflict)
		return fail(a, a->conflict, "%s", a->conflict_msg);
	return 0;
}

static void plan_route(struct apply *a, const struct net_route *r, const char *key)
{
	struct route_plan *p = &a->plan[a->n_plan++];
	memset(p, 0, sizeof(*p));
	p->r = *r;
	p->key = key;
}

/* Compares the configured routes with the main table: identical ones are
 * skipped, a different route in the same slot is a conflict. */
static int plan_routes(struct apply *a)
{
	const struct net_config *c = a->c;
	struct net_route def = {0};
	if (c->has_gateway4) {
		def.dst.ip.family = AF_INET;
		def.has_via = true;
		def.via = c->gateway4;
		plan_route(a, &def, "gateway");
	}
	if (c->has_gateway6) {
		memset(&def, 0, sizeof(def));
		def.dst.ip.family = AF_INET6;
		def.has_via = true;
		def.via = c->gateway6;
		plan_route(a, &def, "gateway6");
	}
	for (size_t i = 0; i < c->n_routes; i++)
		plan_route(a, &c->routes[i], "route");
	if (!a->n_plan)
		return 0;
	int r = dump(a, RTM_GETROUTE, AF_UNSPEC, on_route);
	if (r < 0)
		return fail(a, r, "list routes: %s", strerror(-r));
	if (a->conflict)
		return fail(a, a->conflict, "%s", a->conflict_msg);
	return 0;
}

static int on_dev_link(const struct nlmsghdr *h, void *ctx)
{
	struct apply *a = ctx;
	struct nl_link l;
	int r = nl_link_parse(h, &l);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	if (l.index == a->dev.index)
		a->dev = l;
	return 0;
}

static bool has_carrier(const struct nl_link *l)
{
	return (l->flags & IFF_LOWER_UP) || l->carrier == 1;
}

static int refresh_dev(struct apply *a)
{
	uint32_t buf[64];
	struct nl_msg m;
	int r = nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, NLM_F_REQUEST);
	if (r < 0)
		return r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = a->dev.index};
	if (!nl_msg_put_header(&m, &ifi, sizeof(ifi)))
		return -ENOBUFS;
	return nl_sock_call(&a->nl, &m, on_dev_link, a, NULL, 0);
}

/* Waits for carrier on dev: link notifications wake us, a fresh query decides. */
static int wait_carrier(struct apply *a)
{
	int timeout = a->c->carrier_timeout_ms;
	struct nl_sock watch = {.fd = -1};
	int r = nl_sock_open(&watch, RTMGRP_LINK);
	if (r < 0)
		return fail(a, r, "watch %s for carrier: %s", a->dev.name, strerror(-r));
	uint64_t deadline = clock_now_ms() + (uint64_t)timeout;
	for (;;) {
		r = refresh_dev(a);
		if (r < 0)
			break;
		if (has_carrier(&a->dev))
			break;
		r = io_wait_until(watch.fd, POLLIN, deadline);
		if (r == 0)
			r = nl_sock_drain(&watch);
		if (r < 0 && r != -ETIMEDOUT)
			break;
	}
	nl_sock_close(&watch);
	if (r == -ETIMEDOUT)
		return fail(a, r, "carrier_timeout \"%dms\": no carrier on %s after %d ms", timeout,
			    a->dev.name, timeout);
	if (r < 0)
		return fail(a, r, "wait for carrier on %s: %s", a->dev.name, strerror(-r));
	return 0;
}

/* Removes what this run added, newest first, after a kernel refusal. */
static void roll_back(struct apply *a)
{
	for (size_t i = a->n_plan; i-- > 0;)
		if (a->plan[i].added)
			(void)route_msg(a, RTM_DELROUTE, 0, &a->plan[i].r, NULL, 0);
	for (size_t i = a->c->n_addresses; i-- > 0;)
		if (a->addr_added[i])
			(void)addr_msg(a, RTM_DELADDR, 0, &a->c->addresses[i], NULL, 0);
}

static int configure(struct apply *a)
{
	const struct net_config *c = a->c;
	char ext[160], why[256], what[128];
	int r;
	if (!(a->lo.flags & IFF_UP) &&
	    (r = link_set(a, a->lo.index, true, 0, ext, sizeof(ext))) < 0)
		return fail(a, r, "bring up lo: %s", kernel_why(r, ext, why, sizeof(why)));
	if (!a->have_dev)
		return 0;
	if (c->mtu && c->mtu != a->dev.mtu &&
	    (r = link_set(a, a->dev.index, false, c->mtu, ext, sizeof(ext))) < 0)
		return fail(a, r, "mtu \"%u\": set MTU on %s: %s", c->mtu, a->dev.name,
			    kernel_why(r, ext, why, sizeof(why)));
	for (size_t i = 0; i < c->n_addresses; i++) {
		if (a->addr_present[i])
			continue;
		r = addr_msg(a, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &c->addresses[i], ext,
			     sizeof(ext));
		if (r < 0)
			return fail(a, r, "add address %s on %s: %s",
				    net_ip_format(&c->addresses[i].ip, (int)c->addresses[i].len,
						  what, sizeof(what)),
				    a->dev.name, kernel_why(r, ext, why, sizeof(why)));
		a->addr_added[i] = true;
	}
	if (!(a->dev.flags & IFF_UP) &&
	    (r = link_set(a, a->dev.index, true, 0, ext, sizeof(ext))) < 0)
		return fail(a, r, "bring up %s: %s", a->dev.name,
			    kernel_why(r, ext, why, sizeof(why)));
	for (size_t i = 0; i < a->n_plan; i++) {
		struct route_plan *p = &a->plan[i];
		if (p->present)
			continue;
		r = route_msg(a, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &p->r, ext, sizeof(ext));
		if (r < 0)
			return fail(a, r, "add route %s (%s) on %s: %s",
				    net_route_format(&p->r, what, sizeof(what)), p->key,
				    a->dev.name, kernel_why(r, ext, why, sizeof(why)));
		p->added = true;
	}
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
	a->c = c;
	a->err = err;
	a->errlen = errlen;
	a->nl.fd = -1;
	r = nl_sock_open(&a->nl, 0);
	if (r < 0) {
		fail(a, r, "open rtnetlink socket: %s", strerror(-r));
		goto out;
	}
	/* Look everything up before changing anything. */
	if ((r = find_interface(a)) < 0)
		goto out;
	if (a->have_dev && ((r = plan_addresses(a)) < 0 || (r = plan_routes(a)) < 0))
		goto out;
	if ((r = configure(a)) < 0) {
		roll_back(a);
		goto out;
	}
	/* Carrier last but one: routes and DNS are in place for when it comes. */
	int carrier = 0;
	if (a->have_dev && c->carrier_timeout_ms > 0 && !has_carrier(&a->dev))
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
