/* rtnetlink message building and reply walking. Pure: see nl.h. Every value
 * read from a reply is untrusted until the length checks here have passed. */
#include "nl.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

int nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags)
{
	if (!buf || ((uintptr_t)buf % NLMSG_ALIGNTO) != 0)
		return -EINVAL;
	if (cap < NLMSG_HDRLEN)
		return -ENOBUFS;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX; /* nlmsg_len is 32 bits */
	m->buf = buf;
	m->cap = cap;
	m->hdr = buf;
	memset(m->hdr, 0, NLMSG_HDRLEN);
	m->hdr->nlmsg_len = NLMSG_HDRLEN;
	m->hdr->nlmsg_type = type;
	m->hdr->nlmsg_flags = flags;
	return 0;
}

void *nl_msg_put_header(struct nl_msg *m, const void *hdr, size_t len)
{
	size_t used = m->hdr->nlmsg_len;
	if (len > m->cap - used || NLMSG_ALIGN(len) > m->cap - used)
		return NULL;
	uint8_t *p = m->buf + used;
	memset(p, 0, NLMSG_ALIGN(len));
	memcpy(p, hdr, len);
	m->hdr->nlmsg_len = (uint32_t)(used + NLMSG_ALIGN(len));
	return p;
}

int nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	if (len > UINT16_MAX - RTA_LENGTH(0))
		return -E2BIG;
	size_t used = m->hdr->nlmsg_len;
	size_t need = RTA_SPACE(len);
	if (need > m->cap - used)
		return -ENOBUFS;
	struct rtattr *a = (struct rtattr *)(m->buf + used);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	memset((uint8_t *)RTA_DATA(a) + len, 0, need - RTA_LENGTH(len));
	m->hdr->nlmsg_len = (uint32_t)(used + need);
	return 0;
}

int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	return nl_attr_put(m, type, &v, sizeof(v));
}

int nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_attr_put(m, type, s, strlen(s) + 1);
}

int nl_attr_nest_begin(struct nl_msg *m, uint16_t type)
{
	size_t off = m->hdr->nlmsg_len;
	int r = nl_attr_put(m, type | NLA_F_NESTED, NULL, 0);
	if (r < 0)
		return r;
	return (int)off;
}

int nl_attr_nest_end(struct nl_msg *m, int offset)
{
	if (offset < (int)NLMSG_HDRLEN || (size_t)offset >= m->hdr->nlmsg_len)
		return -EINVAL;
	size_t len = m->hdr->nlmsg_len - (size_t)offset;
	if (len > UINT16_MAX)
		return -E2BIG;
	struct rtattr *a = (struct rtattr *)(m->buf + offset);
	a->rta_len = (unsigned short)len;
	return 0;
}

int nl_dump_request(struct nl_msg *m, void *buf, size_t cap, uint16_t type, int family)
{
	/* The full family header, not just rtgenmsg: kernels with strict
	 * checking refuse shorter ones. Each starts with the family byte. */
	size_t hlen;
	switch (type) {
	case RTM_GETLINK:
		hlen = sizeof(struct ifinfomsg);
		break;
	case RTM_GETADDR:
		hlen = sizeof(struct ifaddrmsg);
		break;
	case RTM_GETROUTE:
		hlen = sizeof(struct rtmsg);
		break;
	default:
		return -EINVAL;
	}
	int r = nl_msg_init(m, buf, cap, type, NLM_F_REQUEST | NLM_F_DUMP);
	if (r < 0)
		return r;
	uint8_t hdr[sizeof(struct ifinfomsg)] = {(uint8_t)family};
	_Static_assert(sizeof(struct ifinfomsg) >= sizeof(struct ifaddrmsg) &&
			   sizeof(struct ifinfomsg) >= sizeof(struct rtmsg),
		       "ifinfomsg is the largest family header");
	return nl_msg_put_header(m, hdr, hlen) ? 0 : -ENOBUFS;
}

int nl_link_get_request(struct nl_msg *m, void *buf, size_t cap, int index)
{
	int r = nl_msg_init(m, buf, cap, RTM_GETLINK, NLM_F_REQUEST);
	if (r < 0)
		return r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	return nl_msg_put_header(m, &ifi, sizeof(ifi)) ? 0 : -ENOBUFS;
}

void nl_request_start(struct nl_msg *m, uint32_t seq, uint32_t port, struct nl_reply *st)
{
	memset(st, 0, sizeof(*st));
	st->seq = seq;
	st->port = port;
	st->dump = (m->hdr->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	m->hdr->nlmsg_seq = seq;
	m->hdr->nlmsg_pid = 0; /* addressed to the kernel; it replies to our port */
	if (!st->dump)
		m->hdr->nlmsg_flags |= NLM_F_ACK;
}

int nl_attr_parse(const void *data, size_t len, const struct rtattr **tb, unsigned int max)
{
	for (unsigned int i = 0; i <= max; i++)
		tb[i] = NULL;
	if (len > INT_MAX)
		return -EBADMSG;
	int rem = (int)len;
	const struct rtattr *a = data;
	for (; RTA_OK(a, rem); a = RTA_NEXT(a, rem)) {
		unsigned int type = a->rta_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
	}
	/* A negative remainder only means the last attribute had no padding. */
	return rem > 0 ? -EBADMSG : 0;
}

/* Copies the extended-ACK message text into st->ext_msg, replacing anything
 * unprintable, so kernel text cannot forge log lines. */
static void copy_ext_msg(struct nl_reply *st, const struct rtattr *a)
{
	const char *untrusted_s = nl_attr_data(a);
	size_t n = strnlen(untrusted_s, nl_attr_len(a));
	if (n >= sizeof(st->ext_msg))
		n = sizeof(st->ext_msg) - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)untrusted_s[i];
		st->ext_msg[i] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
	st->ext_msg[n] = '\0';
}

static int walk_error(struct nl_reply *st, const struct nlmsghdr *h)
{
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		return -EBADMSG;
	struct nlmsgerr e;
	memcpy(&e, NLMSG_DATA(h), sizeof(e));
	if (e.error > 0 || e.error < -4095)
		return -EBADMSG;
	st->error = e.error;
	st->done = true;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	/* The TLVs follow our echoed request, or just its header when capped. */
	size_t off = NLMSG_LENGTH(sizeof(e));
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e.msg.nlmsg_len < NLMSG_HDRLEN)
			return -EBADMSG;
		size_t echoed = NLMSG_ALIGN((size_t)e.msg.nlmsg_len) - NLMSG_HDRLEN;
		if (echoed > h->nlmsg_len - off)
			return -EBADMSG;
		off += echoed;
	}
	if (off > h->nlmsg_len)
		return -EBADMSG;
	const struct rtattr *tb[NLMSGERR_ATTR_MAX + 1];
	if (nl_attr_parse((const uint8_t *)h + off, h->nlmsg_len - off, tb, NLMSGERR_ATTR_MAX) < 0)
		return -EBADMSG;
	if (tb[NLMSGERR_ATTR_MSG])
		copy_ext_msg(st, tb[NLMSGERR_ATTR_MSG]);
	return 0;
}

/* NLMSG_OK without its signed/unsigned comparison: rem is never negative here. */
static bool msg_ok(const struct nlmsghdr *h, int rem)
{
	return rem >= (int)NLMSG_HDRLEN && h->nlmsg_len >= NLMSG_HDRLEN &&
	       h->nlmsg_len <= (unsigned)rem;
}

int nl_reply_walk(struct nl_reply *st, const void *buf, size_t len, nl_msg_cb cb, void *ctx)
{
	if (st->done)
		return -EPROTO; /* nothing may follow the end of a reply */
	if (len < NLMSG_HDRLEN || len > INT_MAX)
		return -EBADMSG;
	int rem = (int)len;
	const struct nlmsghdr *h = buf;
	for (; msg_ok(h, rem); h = NLMSG_NEXT(h, rem)) {
		if (st->done)
			return -EPROTO;
		if (h->nlmsg_pid != st->port || h->nlmsg_seq != st->seq)
			return -EPROTO;
		if (st->dump && (h->nlmsg_flags & NLM_F_DUMP_INTR))
			st->interrupted = true;
		switch (h->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_ERROR: {
			int r = walk_error(st, h);
			if (r < 0)
				return r;
			break;
		}
		case NLMSG_DONE:
			if (!st->dump)
				return -EPROTO;
			st->done = true;
			/* A dump that failed part-way carries its errno here. */
			if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
				int e;
				memcpy(&e, NLMSG_DATA(h), sizeof(e));
				if (e > 0 || e < -4095)
					return -EBADMSG;
				st->error = e;
			}
			break;
		case NLMSG_OVERRUN:
			return -ENOBUFS;
		default:
			if (h->nlmsg_type < NLMSG_MIN_TYPE)
				return -EBADMSG;
			if (!st->dump && (h->nlmsg_flags & NLM_F_MULTI))
				return -EPROTO;
			if (cb) {
				int r = cb(h, ctx);
				if (r < 0)
					return r;
			}
			break;
		}
	}
	if (rem > 0)
		return -EBADMSG; /* bytes left that do not form a whole message */
	/* The table changed under the dump: what was read may be inconsistent. */
	if (st->done && st->interrupted && st->error == 0)
		st->error = -EINTR;
	return st->done ? 1 : 0;
}

static uint32_t get_u32(const struct rtattr *a)
{
	uint32_t v;
	memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

/* The attributes that follow a family header of hdrlen bytes. */
static int msg_attrs(const struct nlmsghdr *h, size_t hdrlen, const struct rtattr **tb,
		     unsigned int max)
{
	if (h->nlmsg_len < NLMSG_LENGTH(hdrlen))
		return -EBADMSG;
	size_t off = NLMSG_SPACE(hdrlen);
	if (off > h->nlmsg_len)
		off = h->nlmsg_len; /* header only, without its padding */
	return nl_attr_parse((const uint8_t *)h + off, h->nlmsg_len - off, tb, max);
}

int nl_link_parse(const struct nlmsghdr *h, struct nl_link *ret)
{
	if (h->nlmsg_type != RTM_NEWLINK)
		return -ENOMSG;
	const struct rtattr *tb[IFLA_MAX + 1];
	if (msg_attrs(h, sizeof(struct ifinfomsg), tb, IFLA_MAX) < 0)
		return -EBADMSG;
	struct ifinfomsg ifi;
	memcpy(&ifi, NLMSG_DATA(h), sizeof(ifi));
	struct nl_link l = {.index = ifi.ifi_index, .flags = ifi.ifi_flags, .carrier = -1};
	if (l.index <= 0 || !tb[IFLA_IFNAME])
		return -EBADMSG;
	const char *untrusted_name = nl_attr_data(tb[IFLA_IFNAME]);
	size_t n = strnlen(untrusted_name, nl_attr_len(tb[IFLA_IFNAME]));
	if (n == 0 || n >= sizeof(l.name) || n == nl_attr_len(tb[IFLA_IFNAME]))
		return -EBADMSG; /* empty, too long or not NUL-terminated */
	memcpy(l.name, untrusted_name, n);
	if (tb[IFLA_ADDRESS]) {
		if (nl_attr_len(tb[IFLA_ADDRESS]) > sizeof(l.mac))
			return -EBADMSG;
		l.mac_len = nl_attr_len(tb[IFLA_ADDRESS]);
		memcpy(l.mac, nl_attr_data(tb[IFLA_ADDRESS]), l.mac_len);
	}
	if (tb[IFLA_MTU]) {
		if (nl_attr_len(tb[IFLA_MTU]) != 4)
			return -EBADMSG;
		l.mtu = get_u32(tb[IFLA_MTU]);
	}
	if (tb[IFLA_CARRIER]) {
		if (nl_attr_len(tb[IFLA_CARRIER]) != 1)
			return -EBADMSG;
		l.carrier = *(const uint8_t *)nl_attr_data(tb[IFLA_CARRIER]) != 0;
	}
	if (tb[IFLA_OPERSTATE]) {
		if (nl_attr_len(tb[IFLA_OPERSTATE]) != 1)
			return -EBADMSG;
		l.operstate = *(const uint8_t *)nl_attr_data(tb[IFLA_OPERSTATE]);
	}
	*ret = l;
	return 0;
}

static int family_bytes(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
}

int nl_addr_parse(const struct nlmsghdr *h, struct nl_addr *ret)
{
	if (h->nlmsg_type != RTM_NEWADDR)
		return -ENOMSG;
	const struct rtattr *tb[IFA_MAX + 1];
	if (msg_attrs(h, sizeof(struct ifaddrmsg), tb, IFA_MAX) < 0)
		return -EBADMSG;
	struct ifaddrmsg ifa;
	memcpy(&ifa, NLMSG_DATA(h), sizeof(ifa));
	int bytes = family_bytes(ifa.ifa_family);
	if (bytes < 0)
		return -ENOMSG;
	struct nl_addr a = {.index = (int)ifa.ifa_index,
			    .family = ifa.ifa_family,
			    .prefix = ifa.ifa_prefixlen,
			    .flags = ifa.ifa_flags,
			    .scope = ifa.ifa_scope};
	if (a.prefix > (unsigned int)bytes * 8)
		return -EBADMSG;
	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
	 * point-to-point links, and the only one given for IPv6. */
	const struct rtattr *at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at || nl_attr_len(at) != (size_t)bytes)
		return -EBADMSG;
	memcpy(a.addr, nl_attr_data(at), (size_t)bytes);
	if (tb[IFA_FLAGS]) {
		if (nl_attr_len(tb[IFA_FLAGS]) != 4)
			return -EBADMSG;
		a.flags = get_u32(tb[IFA_FLAGS]);
	}
	*ret = a;
	return 0;
}

int nl_route_parse(const struct nlmsghdr *h, struct nl_route *ret)
{
	if (h->nlmsg_type != RTM_NEWROUTE)
		return -ENOMSG;
	const struct rtattr *tb[RTA_MAX + 1];
	if (msg_attrs(h, sizeof(struct rtmsg), tb, RTA_MAX) < 0)
		return -EBADMSG;
	struct rtmsg rtm;
	memcpy(&rtm, NLMSG_DATA(h), sizeof(rtm));
	int bytes = family_bytes(rtm.rtm_family);
	if (bytes < 0)
		return -ENOMSG;
	struct nl_route r = {.family = rtm.rtm_family,
			     .dst_len = rtm.rtm_dst_len,
			     .table = rtm.rtm_table,
			     .type = rtm.rtm_type,
			     .protocol = rtm.rtm_protocol,
			     .scope = rtm.rtm_scope};
	if (r.dst_len > (unsigned int)bytes * 8)
		return -EBADMSG;
	if (tb[RTA_DST]) {
		if (nl_attr_len(tb[RTA_DST]) != (size_t)bytes)
			return -EBADMSG;
		memcpy(r.dst, nl_attr_data(tb[RTA_DST]), (size_t)bytes);
	} else if (r.dst_len != 0) {
		return -EBADMSG;
	}
	if (tb[RTA_GATEWAY]) {
		if (nl_attr_len(tb[RTA_GATEWAY]) != (size_t)bytes)
			return -EBADMSG;
		memcpy(r.gw, nl_attr_data(tb[RTA_GATEWAY]), (size_t)bytes);
		r.has_gw = true;
	}
	const struct {
		int type;
		uint32_t *out;
	} u32s[] = {
	    {RTA_OIF, (uint32_t *)&r.oif}, {RTA_PRIORITY, &r.priority}, {RTA_TABLE, &r.table}};
	for (size_t i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		const struct rtattr *a = tb[u32s[i].type];
		if (!a)
			continue;
		if (nl_attr_len(a) != 4)
			return -EBADMSG;
		*u32s[i].out = get_u32(a);
	}
	*ret = r;
	return 0;
}

int nl_handle_msg(const struct nlmsghdr *h, void *handler)
{
	const struct nl_handler *hd = handler;
	int r = -ENOMSG;
	if (h->nlmsg_type == RTM_NEWLINK && hd->link) {
		struct nl_link l;
		if ((r = nl_link_parse(h, &l)) == 0)
			return hd->link(&l, hd->ctx);
	} else if (h->nlmsg_type == RTM_NEWADDR && hd->addr) {
		struct nl_addr a;
		if ((r = nl_addr_parse(h, &a)) == 0)
			return hd->addr(&a, hd->ctx);
	} else if (h->nlmsg_type == RTM_NEWROUTE && hd->route) {
		struct nl_route rt;
		if ((r = nl_route_parse(h, &rt)) == 0)
			return hd->route(&rt, hd->ctx);
	}
	return r == -ENOMSG ? 0 : r;
}
