/* net_show: the interfaces, addresses and main routing table as the kernel
 * reports them, for appvm-net show. */
#include "net.h"
#include "net_internal.h"
#include "nl.h"
#include "nl_sock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_MAX_LINKS 256

struct show {
	int fd;
	struct nl_link links[SHOW_MAX_LINKS];
	size_t n_links;
};

static const char *link_name(const struct show *s, int index, char *buf, size_t size)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].index == index)
			return s->links[i].name;
	snprintf(buf, size, "#%d", index);
	return buf;
}

static int on_link(const struct nlmsghdr *h, void *ctx)
{
	struct show *s = ctx;
	struct nl_link l;
	int r = nl_link_parse(h, &l);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	if (s->n_links < SHOW_MAX_LINKS)
		s->links[s->n_links++] = l;
	char mac[3 * sizeof(l.mac)] = "";
	if (l.mac_len == 6)
		net_mac_format(l.mac, l.mac_len, mac, sizeof(mac));
	dprintf(s->fd, "link %s index %d %s mtu %u%s%s %s\n", l.name, l.index,
		(l.flags & IFF_UP) ? "up" : "down", l.mtu, mac[0] ? " mac " : "", mac,
		((l.flags & IFF_LOWER_UP) || l.carrier == 1) ? "carrier" : "no-carrier");
	return 0;
}

static int on_addr(const struct nlmsghdr *h, void *ctx)
{
	struct show *s = ctx;
	struct nl_addr a;
	int r = nl_addr_parse(h, &a);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	struct net_ip ip = {.family = a.family};
	memcpy(ip.addr, a.addr, sizeof(ip.addr));
	char text[64], name[24];
	dprintf(s->fd, "address %s dev %s\n", net_ip_format(&ip, (int)a.prefix, text, sizeof(text)),
		link_name(s, a.index, name, sizeof(name)));
	return 0;
}

static int on_route(const struct nlmsghdr *h, void *ctx)
{
	struct show *s = ctx;
	struct nl_route rt;
	int r = nl_route_parse(h, &rt);
	if (r == -ENOMSG)
		return 0;
	if (r < 0)
		return r;
	if (rt.table != RT_TABLE_MAIN || rt.type != RTN_UNICAST)
		return 0;
	struct net_route nr = {.dst = {.ip = {.family = rt.family}, .len = rt.dst_len},
			       .has_via = rt.has_gw,
			       .via = {.family = rt.family},
			       .has_metric = true,
			       .metric = rt.priority};
	memcpy(nr.dst.ip.addr, rt.dst, sizeof(rt.dst));
	memcpy(nr.via.addr, rt.gw, sizeof(rt.gw));
	char text[160], name[24] = "";
	net_route_format(&nr, text, sizeof(text));
	dprintf(s->fd, "route %s%s%s %s\n", text, rt.oif ? " dev " : "",
		rt.oif ? link_name(s, rt.oif, name, sizeof(name)) : "",
		rt.family == AF_INET6 ? "ipv6" : "ipv4");
	return 0;
}

static int show_dump(struct nl_sock *nl, struct show *s, uint16_t type, nl_msg_cb cb)
{
	uint32_t buf[32];
	struct nl_msg m;
	int r = nl_msg_init(&m, buf, sizeof(buf), type, NLM_F_REQUEST | NLM_F_DUMP);
	if (r < 0)
		return r;
	/* Every family header starts with the family byte: AF_UNSPEC, all of them. */
	uint8_t hdr[sizeof(struct ifinfomsg)] = {AF_UNSPEC};
	if (!nl_msg_put_header(&m, hdr,
			       type == RTM_GETLINK   ? sizeof(struct ifinfomsg)
			       : type == RTM_GETADDR ? sizeof(struct ifaddrmsg)
						     : sizeof(struct rtmsg)))
		return -ENOBUFS;
	return nl_sock_call(nl, &m, cb, s, NULL, 0);
}

int net_show(int fd, char *err, size_t errlen)
{
	struct show *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = fd;
	struct nl_sock nl = {.fd = -1};
	int r = nl_sock_open(&nl, 0);
	const char *what = "open rtnetlink socket";
	if (r == 0 && (r = show_dump(&nl, s, RTM_GETLINK, on_link)) < 0)
		what = "list interfaces";
	else if (r == 0 && (r = show_dump(&nl, s, RTM_GETADDR, on_addr)) < 0)
		what = "list addresses";
	else if (r == 0 && (r = show_dump(&nl, s, RTM_GETROUTE, on_route)) < 0)
		what = "list routes";
	if (r < 0 && err && errlen)
		snprintf(err, errlen, "%s: %s", what, strerror(-r));
	nl_sock_close(&nl);
	free(s);
	return r;
}
