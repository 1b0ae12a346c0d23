/* net_show: the interfaces, addresses and main routing table as the kernel
 * reports them, for appvm-net show. Each table is read with the same dump
 * driver as net_apply and printed only once it was read whole, so a dump
 * that is read again after an interruption prints nothing twice. */
#include "net.h"
#include "net_internal.h"
#include "nl.h"
#include "nl_sock.h"

#include "io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_MAX_LINKS 256
#define SHOW_MAX_TEXT  (16u << 20) /* one table's text; a full Internet table fits */

struct show {
	struct nl_link links[SHOW_MAX_LINKS];
	size_t n_links;
	char *text; /* the current table's lines */
	size_t len, cap;
	int error; /* -ENOMEM or -EFBIG once the text could not grow */
};

static void say(struct show *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct show *s, const char *fmt, ...)
{
	if (s->error)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(s->text ? s->text + s->len : NULL, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->error = -EINVAL;
			return;
		}
		if ((size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		size_t cap = s->cap ? s->cap * 2 : 4096;
		while (cap - s->len <= (size_t)n)
			cap *= 2;
		if (cap > SHOW_MAX_TEXT) {
			s->error = -EFBIG;
			return;
		}
		char *t = realloc(s->text, cap);
		if (!t) {
			s->error = -ENOMEM;
			return;
		}
		s->text = t;
		s->cap = cap;
	}
}

static void reset_text(void *ctx)
{
	struct show *s = ctx;
	s->len = 0;
	s->error = 0;
}

static void reset_links(void *ctx)
{
	struct show *s = ctx;
	s->n_links = 0;
	reset_text(s);
}

static const char *link_name(const struct show *s, int index, char *buf, size_t size)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].index == index)
			return s->links[i].name;
	snprintf(buf, size, "#%d", index);
	return buf;
}

static int on_link(const struct nl_link *l, void *ctx)
{
	struct show *s = ctx;
	if (s->n_links < SHOW_MAX_LINKS)
		s->links[s->n_links++] = *l;
	char mac[3 * sizeof(l->mac)] = "";
	if (l->mac_len == 6)
		net_mac_format(l->mac, l->mac_len, mac, sizeof(mac));
	say(s, "link %s index %d %s mtu %u%s%s %s\n", l->name, l->index,
	    (l->flags & IFF_UP) ? "up" : "down", l->mtu, mac[0] ? " mac " : "", mac,
	    nl_link_has_carrier(l) ? "carrier" : "no-carrier");
	return 0;
}

static int on_addr(const struct nl_addr *a, void *ctx)
{
	struct show *s = ctx;
	struct net_ip ip = {.family = a->family};
	memcpy(ip.addr, a->addr, sizeof(ip.addr));
	char text[64], name[24];
	say(s, "address %s dev %s\n", net_ip_format(&ip, (int)a->prefix, text, sizeof(text)),
	    link_name(s, a->index, name, sizeof(name)));
	return 0;
}

static int on_route(const struct nl_route *rt, void *ctx)
{
	struct show *s = ctx;
	if (rt->table != RT_TABLE_MAIN || rt->type != RTN_UNICAST)
		return 0;
	struct net_route nr = {.dst = {.ip = {.family = rt->family}, .len = rt->dst_len},
			       .has_via = rt->has_gw,
			       .via = {.family = rt->family},
			       .has_metric = true,
			       .metric = rt->priority};
	memcpy(nr.dst.ip.addr, rt->dst, sizeof(rt->dst));
	memcpy(nr.via.addr, rt->gw, sizeof(rt->gw));
	char text[160], name[24] = "";
	net_route_format(&nr, text, sizeof(text));
	say(s, "route %s%s%s %s\n", text, rt->oif ? " dev " : "",
	    rt->oif ? link_name(s, rt->oif, name, sizeof(name)) : "",
	    rt->family == AF_INET6 ? "ipv6" : "ipv4");
	return 0;
}

/* Dumps one table to hd and writes its lines to fd. Returns 0 or -errno. */
static int show_table(struct nl_sock *nl, struct show *s, int fd, uint16_t type,
		      const struct nl_handler *hd)
{
	int r = nl_sock_dump(nl, type, AF_UNSPEC, hd);
	if (r == 0)
		r = s->error;
	if (r == 0 && s->len)
		r = io_write_full(fd, s->text, s->len);
	return r;
}

int net_show(int fd, char *err, size_t errlen)
{
	struct show *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	struct nl_sock nl = {.fd = -1};
	int r = nl_sock_open(&nl, 0);
	const struct nl_handler links = {.link = on_link, .reset = reset_links, .ctx = s};
	const struct nl_handler addrs = {.addr = on_addr, .reset = reset_text, .ctx = s};
	const struct nl_handler routes = {.route = on_route, .reset = reset_text, .ctx = s};
	const char *what = "open rtnetlink socket";
	if (r == 0 && (r = show_table(&nl, s, fd, RTM_GETLINK, &links)) < 0)
		what = "list interfaces";
	else if (r == 0 && (r = show_table(&nl, s, fd, RTM_GETADDR, &addrs)) < 0)
		what = "list addresses";
	else if (r == 0 && (r = show_table(&nl, s, fd, RTM_GETROUTE, &routes)) < 0)
		what = "list routes";
	if (r < 0 && err && errlen)
		snprintf(err, errlen, "%s: %s", what, nl_dump_strerror(r));
	nl_sock_close(&nl);
	free(s->text);
	free(s);
	return r;
}
