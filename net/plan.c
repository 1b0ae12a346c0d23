/* Planning of net_apply: everything is compared with the kernel's state
 * first, so a conflicting or unknown setting is reported before anything
 * changes, and only what differs is sent. Pure: see plan.h. */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int seterr(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int seterr(char *err, size_t errlen, int r, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static void plan_route(struct net_plan *p, const struct net_route *r, const char *key)
{
	struct net_plan_route *pr = &p->routes[p->n_routes++];
	memset(pr, 0, sizeof(*pr));
	pr->r = *r;
	pr->key = key;
}

void net_plan_init(struct net_plan *p, const struct net_config *c)
{
	memset(p, 0, sizeof(*p));
	p->c = c;
	struct net_route def = {.has_via = true};
	if (c->has_gateway4) {
		def.dst.ip.family = AF_INET;
		def.via = c->gateway4;
		plan_route(p, &def, "gateway");
	}
	if (c->has_gateway6) {
		def.dst.ip.family = AF_INET6;
		def.via = c->gateway6;
		plan_route(p, &def, "gateway6");
	}
	for (size_t i = 0; i < c->n_routes; i++)
		plan_route(p, &c->routes[i], "route");
}

/* ---- links ---- */

void net_plan_links_reset(void *plan)
{
	struct net_plan *p = plan;
	p->have_lo = p->have_dev = false;
	p->mac_matches = 0;
	p->n_seen = 0;
}

int net_plan_add_link(const struct nl_link *l, void *plan)
{
	struct net_plan *p = plan;
	if (strcmp(l->name, "lo") == 0) {
		p->lo = *l;
		p->have_lo = true;
		return 0;
	}
	if (p->n_seen < NET_PLAN_LINKS_NAMED) {
		char mac[40] = "";
		if (l->mac_len == 6)
			net_mac_format(l->mac, l->mac_len, mac, sizeof(mac));
		snprintf(p->seen[p->n_seen++], sizeof(p->seen[0]), "%s%s%s", l->name,
			 mac[0] ? " " : "", mac);
	}
	const struct net_config *c = p->c;
	bool name_ok = !c->ifname[0] || strcmp(l->name, c->ifname) == 0;
	bool mac_ok = !c->has_mac || (l->mac_len == 6 && memcmp(l->mac, c->mac, 6) == 0);
	if (c->has_mac && mac_ok)
		p->mac_matches++;
	if ((c->ifname[0] || c->has_mac) && name_ok && mac_ok && !p->have_dev) {
		p->dev = *l;
		p->have_dev = true;
	}
	return 0;
}

int net_plan_links_check(const struct net_plan *p, char *err, size_t errlen)
{
	const struct net_config *c = p->c;
	if (!p->have_lo)
		return seterr(err, errlen, -ENODEV, "no loopback interface");
	if (!c->ifname[0] && !c->has_mac)
		return 0;
	char list[NET_PLAN_LINKS_NAMED * (IF_NAMESIZE + 22) + 8] = "";
	size_t off = 0;
	for (size_t i = 0; i < p->n_seen; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					p->seen[i]);
	if (!p->n_seen)
		snprintf(list, sizeof(list), "none besides lo");
	char mac[24] = "";
	if (c->has_mac)
		net_mac_format(c->mac, 6, mac, sizeof(mac));
	if (!p->have_dev) {
		if (c->ifname[0] && c->has_mac && p->mac_matches)
			return seterr(
			    err, errlen, -ENODEV,
			    "mac \"%s\": belongs to another interface than %s (found: %s)", mac,
			    c->ifname, list);
		if (c->has_mac && !c->ifname[0])
			return seterr(err, errlen, -ENODEV,
				      "mac \"%s\": no interface has this MAC (found: %s)", mac,
				      list);
		if (c->has_mac && c->ifname[0])
			return seterr(
			    err, errlen, -ENODEV,
			    "interface \"%s\" with mac \"%s\": no such interface (found: %s)",
			    c->ifname, mac, list);
		return seterr(err, errlen, -ENODEV,
			      "interface \"%s\": no such interface (found: %s)", c->ifname, list);
	}
	if (c->has_mac && !c->ifname[0] && p->mac_matches > 1)
		return seterr(err, errlen, -ENOTUNIQ,
			      "mac \"%s\": %d interfaces have this MAC; set interface too", mac,
			      p->mac_matches);
	if (p->dev.mac_len != 6 && c->has_mac)
		return seterr(err, errlen, -ENODEV, "mac \"%s\": %s has no Ethernet address", mac,
			      p->dev.name);
	return 0;
}

/* ---- addresses ---- */

void net_plan_addrs_reset(void *plan)
{
	struct net_plan *p = plan;
	memset(p->addr_present, 0, sizeof(p->addr_present));
	p->conflict = 0;
}

int net_plan_add_addr(const struct nl_addr *a, void *plan)
{
	struct net_plan *p = plan;
	if (!p->have_dev || a->index != p->dev.index)
		return 0;
	const struct net_config *c = p->c;
	for (size_t i = 0; i < c->n_addresses; i++) {
		const struct net_prefix *want = &c->addresses[i];
		if (a->family != want->ip.family ||
		    memcmp(a->addr, want->ip.addr, net_ip_len(a->family)) != 0)
			continue;
		if (a->prefix == want->len) {
			p->addr_present[i] = true;
		} else if (!p->conflict) {
			char w[64], have[64];
			struct net_ip hip = {.family = a->family};
			memcpy(hip.addr, a->addr, sizeof(hip.addr));
			p->conflict = -EEXIST;
			snprintf(p->conflict_msg, sizeof(p->conflict_msg),
				 "address \"%s\": %s already has %s",
				 net_ip_format(&want->ip, (int)want->len, w, sizeof(w)),
				 p->dev.name,
				 net_ip_format(&hip, (int)a->prefix, have, sizeof(have)));
		}
	}
	return 0;
}

/* ---- routes ---- */

/* What the kernel stores when no metric is given. */
static uint32_t effective_metric(const struct net_route *r)
{
	if (r->has_metric)
		return r->metric;
	return r->dst.ip.family == AF_INET6 ? 1024 : 0;
}

void net_plan_routes_reset(void *plan)
{
	struct net_plan *p = plan;
	for (size_t i = 0; i < p->n_routes; i++)
		p->routes[i].present = false;
	p->conflict = 0;
}

int net_plan_add_route(const struct nl_route *e, void *plan)
{
	struct net_plan *p = plan;
	if (e->table != RT_TABLE_MAIN || e->type != RTN_UNICAST)
		return 0;
	size_t bytes = net_ip_len(e->family);
	for (size_t i = 0; i < p->n_routes; i++) {
		struct net_plan_route *pr = &p->routes[i];
		/* The kernel keys a route by destination, prefix length and metric. */
		if (e->family != pr->r.dst.ip.family || e->dst_len != pr->r.dst.len ||
		    memcmp(e->dst, pr->r.dst.ip.addr, bytes) != 0 ||
		    e->priority != effective_metric(&pr->r))
			continue;
		bool same_gw = e->has_gw == pr->r.has_via &&
			       (!e->has_gw || memcmp(e->gw, pr->r.via.addr, bytes) == 0);
		if (same_gw && p->have_dev && e->oif == p->dev.index) {
			pr->present = true;
			continue;
		}
		if (p->conflict)
			continue;
		char want[128], have[128], dev[IF_NAMESIZE + 24];
		struct net_route er = {.dst = {.ip = {.family = e->family}, .len = e->dst_len},
				       .has_via = e->has_gw,
				       .via = {.family = e->family}};
		memcpy(er.dst.ip.addr, e->dst, bytes);
		memcpy(er.via.addr, e->gw, bytes);
		if (p->have_dev && e->oif == p->dev.index)
			snprintf(dev, sizeof(dev), " on %s", p->dev.name);
		else
			snprintf(dev, sizeof(dev), " on interface #%d", e->oif);
		p->conflict = -EEXIST;
		snprintf(p->conflict_msg, sizeof(p->conflict_msg),
			 "%s \"%s\": conflicts with existing route %s%s", pr->key,
			 net_route_format(&pr->r, want, sizeof(want)),
			 net_route_format(&er, have, sizeof(have)), dev);
	}
	return 0;
}

int net_plan_conflict(const struct net_plan *p, char *err, size_t errlen)
{
	if (!p->conflict)
		return 0;
	return seterr(err, errlen, p->conflict, "%s", p->conflict_msg);
}

/* ---- the changes and their requests ---- */

size_t net_plan_actions(const struct net_plan *p, struct net_action ret[NET_PLAN_MAX_ACTIONS])
{
	const struct net_config *c = p->c;
	size_t n = 0;
	if (!(p->lo.flags & IFF_UP))
		ret[n++] = (struct net_action){NET_ACT_LO_UP, 0};
	if (!p->have_dev)
		return n;
	if (c->mtu && c->mtu != p->dev.mtu)
		ret[n++] = (struct net_action){NET_ACT_MTU, 0};
	for (size_t i = 0; i < c->n_addresses; i++)
		if (!p->addr_present[i])
			ret[n++] = (struct net_action){NET_ACT_ADDR, i};
	if (!(p->dev.flags & IFF_UP))
		ret[n++] = (struct net_action){NET_ACT_DEV_UP, 0};
	for (size_t i = 0; i < p->n_routes; i++)
		if (!p->routes[i].present)
			ret[n++] = (struct net_action){NET_ACT_ROUTE, i};
	return n;
}

static int link_request(struct nl_msg *m, void *buf, size_t cap, int index, bool up, uint32_t mtu)
{
	int r = nl_msg_init(m, buf, cap, RTM_NEWLINK, NLM_F_REQUEST);
	if (r < 0)
		return r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	if (up) {
		ifi.ifi_flags = IFF_UP;
		ifi.ifi_change = IFF_UP;
	}
	if (!nl_msg_put_header(m, &ifi, sizeof(ifi)))
		return -ENOBUFS;
	return mtu ? nl_attr_put_u32(m, IFLA_MTU, mtu) : 0;
}

static int addr_request(struct nl_msg *m, void *buf, size_t cap, bool undo, int index,
			const struct net_prefix *p)
{
	int r = nl_msg_init(m, buf, cap, undo ? RTM_DELADDR : RTM_NEWADDR,
			    NLM_F_REQUEST | (undo ? 0 : NLM_F_CREATE | NLM_F_EXCL));
	if (r < 0)
		return r;
	struct ifaddrmsg ifa = {
	    .ifa_family = (unsigned char)p->ip.family,
	    .ifa_prefixlen = (unsigned char)p->len,
	    .ifa_scope = RT_SCOPE_UNIVERSE,
	    .ifa_index = (unsigned int)index,
	};
	/* The host hands out the address and the VM is its only user: duplicate
	 * address detection would only delay the first packet by a second. */
	if (p->ip.family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	if (!nl_msg_put_header(m, &ifa, sizeof(ifa)))
		return -ENOBUFS;
	size_t len = net_ip_len(p->ip.family);
	if ((r = nl_attr_put(m, IFA_LOCAL, p->ip.addr, len)) < 0)
		return r;
	return nl_attr_put(m, IFA_ADDRESS, p->ip.addr, len);
}

static int route_request(struct nl_msg *m, void *buf, size_t cap, bool undo, int index,
			 const struct net_route *rt)
{
	int r = nl_msg_init(m, buf, cap, undo ? RTM_DELROUTE : RTM_NEWROUTE,
			    NLM_F_REQUEST | (undo ? 0 : NLM_F_CREATE | NLM_F_EXCL));
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
	if (!nl_msg_put_header(m, &rtm, sizeof(rtm)))
		return -ENOBUFS;
	size_t len = net_ip_len(rt->dst.ip.family);
	if (rt->dst.len && (r = nl_attr_put(m, RTA_DST, rt->dst.ip.addr, len)) < 0)
		return r;
	if (rt->has_via && (r = nl_attr_put(m, RTA_GATEWAY, rt->via.addr, len)) < 0)
		return r;
	if ((r = nl_attr_put_u32(m, RTA_OIF, (uint32_t)index)) < 0)
		return r;
	if (rt->has_metric && (r = nl_attr_put_u32(m, RTA_PRIORITY, rt->metric)) < 0)
		return r;
	return 0;
}

int net_plan_request(const struct net_plan *p, const struct net_action *a, bool undo,
		     struct nl_msg *m, void *buf, size_t cap)
{
	switch (a->kind) {
	case NET_ACT_LO_UP:
		return undo ? -EINVAL : link_request(m, buf, cap, p->lo.index, true, 0);
	case NET_ACT_MTU:
		return undo ? -EINVAL : link_request(m, buf, cap, p->dev.index, false, p->c->mtu);
	case NET_ACT_DEV_UP:
		return undo ? -EINVAL : link_request(m, buf, cap, p->dev.index, true, 0);
	case NET_ACT_ADDR:
		if (a->index >= p->c->n_addresses)
			return -EINVAL;
		return addr_request(m, buf, cap, undo, p->dev.index, &p->c->addresses[a->index]);
	case NET_ACT_ROUTE:
		if (a->index >= p->n_routes)
			return -EINVAL;
		return route_request(m, buf, cap, undo, p->dev.index, &p->routes[a->index].r);
	}
	return -EINVAL;
}

void net_plan_describe(const struct net_plan *p, const struct net_action *a, char *buf, size_t size)
{
	char what[128];
	switch (a->kind) {
	case NET_ACT_LO_UP:
		snprintf(buf, size, "bring up lo");
		return;
	case NET_ACT_MTU:
		snprintf(buf, size, "mtu \"%u\": set MTU on %s", p->c->mtu, p->dev.name);
		return;
	case NET_ACT_DEV_UP:
		snprintf(buf, size, "bring up %s", p->dev.name);
		return;
	case NET_ACT_ADDR:
		if (a->index < p->c->n_addresses) {
			const struct net_prefix *pre = &p->c->addresses[a->index];
			snprintf(buf, size, "add address %s on %s",
				 net_ip_format(&pre->ip, (int)pre->len, what, sizeof(what)),
				 p->dev.name);
			return;
		}
		break;
	case NET_ACT_ROUTE:
		if (a->index < p->n_routes) {
			const struct net_plan_route *pr = &p->routes[a->index];
			snprintf(buf, size, "add route %s (%s) on %s",
				 net_route_format(&pr->r, what, sizeof(what)), pr->key,
				 p->dev.name);
			return;
		}
		break;
	}
	snprintf(buf, size, "unknown change");
}
