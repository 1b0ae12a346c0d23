/* Addresses, prefixes, MACs and host names: parsing, checking and formatting
 * for the [net] keys and for messages. Pure: no system calls. */
#include "net_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int net_ip_parse(const char *s, struct net_ip *ret)
{
	struct net_ip ip = {0};
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, ip.addr) != 1)
			return -EINVAL;
		ip.family = AF_INET6;
	} else {
		/* inet_pton accepts only the strict dotted quad, not "10.1" or octal. */
		if (inet_pton(AF_INET, s, ip.addr) != 1)
			return -EINVAL;
		ip.family = AF_INET;
	}
	*ret = ip;
	return 0;
}

int net_prefix_parse(const char *s, struct net_prefix *ret)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || slash - s >= 64)
		return -EINVAL;
	char host[64];
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	struct net_prefix p = {0};
	if (net_ip_parse(host, &p.ip) < 0)
		return -EINVAL;
	const char *n = slash + 1;
	if (!isdigit((unsigned char)n[0]) || strlen(n) > 3 || (n[0] == '0' && n[1]))
		return -EINVAL;
	for (const char *q = n; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -EINVAL;
	unsigned long len = strtoul(n, NULL, 10);
	if (len > net_ip_len(p.ip.family) * 8)
		return -ERANGE;
	p.len = (unsigned int)len;
	*ret = p;
	return 0;
}

void net_mac_format(const uint8_t *mac, size_t len, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < len && off + 4 <= size; i++)
		off += (size_t)snprintf(buf + off, size - off, i ? ":%02x" : "%02x", mac[i]);
}

char *net_ip_format(const struct net_ip *ip, int len, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(ip->family == AF_INET6 ? AF_INET6 : AF_INET, ip->addr, a, sizeof(a));
	if (len >= 0)
		snprintf(buf, size, "%s/%d", a, len);
	else
		snprintf(buf, size, "%s", a);
	return buf;
}

bool net_prefix_contains(const struct net_prefix *p, const struct net_ip *ip)
{
	if (p->ip.family != ip->family)
		return false;
	unsigned int full = p->len / 8, rest = p->len % 8;
	if (memcmp(p->ip.addr, ip->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (p->ip.addr[full] & mask) == (ip->addr[full] & mask);
}

char *net_route_format(const struct net_route *r, char *buf, size_t size)
{
	char dst[64], via[64] = "";
	if (r->dst.len == 0)
		snprintf(dst, sizeof(dst), "default");
	else
		net_ip_format(&r->dst.ip, (int)r->dst.len, dst, sizeof(dst));
	if (r->has_via)
		net_ip_format(&r->via, -1, via, sizeof(via));
	char metric[24] = "";
	if (r->has_metric)
		snprintf(metric, sizeof(metric), " metric %u", r->metric);
	snprintf(buf, size, "%s%s%s%s", dst, r->has_via ? " via " : "", via, metric);
	return buf;
}

int net_mac_parse(const char *s, uint8_t ret_mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	uint8_t mac[6];
	char sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -EINVAL;
		if (i < 5 && p[2] != sep)
			return -EINVAL;
		char hex[3] = {p[0], p[1], 0};
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	static const uint8_t zero[6];
	if (memcmp(mac, zero, 6) == 0 || (mac[0] & 1))
		return -EINVAL; /* all-zero, multicast or broadcast: never a NIC's own MAC */
	memcpy(ret_mac, mac, 6);
	return 0;
}

int net_dns_name_check(const char *name, size_t max)
{
	size_t len = strlen(name);
	if (len == 0 || len > max)
		return -EINVAL;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return -EINVAL;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)ch) && ch != '-')
			return -EINVAL;
		if (ch == '-' && label == 0)
			return -EINVAL;
		if (++label > 63)
			return -EINVAL;
	}
	return (label == 0 || name[len - 1] == '-') ? -EINVAL : 0;
}

int net_hostname_check(const char *name)
{
	return net_dns_name_check(name, NET_MAX_HOSTNAME);
}

bool net_ip_is_unspecified(const struct net_ip *ip)
{
	static const uint8_t zero[16];
	return memcmp(ip->addr, zero, net_ip_len(ip->family)) == 0;
}

const char *net_ip_unusable(const struct net_ip *ip)
{
	if (net_ip_is_unspecified(ip))
		return "the unspecified address";
	if (ip->family == AF_INET) {
		if (ip->addr[0] == 127)
			return "a loopback address";
		if ((ip->addr[0] & 0xf0) == 0xe0)
			return "a multicast address";
		if (ip->addr[0] == 255 && ip->addr[1] == 255 && ip->addr[2] == 255 &&
		    ip->addr[3] == 255)
			return "the broadcast address";
		return NULL;
	}
	static const uint8_t lo6[16] = {[15] = 1};
	if (memcmp(ip->addr, lo6, 16) == 0)
		return "the loopback address";
	if (ip->addr[0] == 0xff)
		return "a multicast address";
	return NULL;
}

const char *net_family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}
