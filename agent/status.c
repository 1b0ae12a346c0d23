#include "status.h"

#include "utf8.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

bool agent_name_ok(const char *s, size_t len)
{
	if (len > PROTO_NAME_MAX || !utf8_valid((const uint8_t *)s, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Reads a decimal of at most 19 digits; returns the digit count (0: none). */
static int read_u64(const char **p, uint64_t *ret)
{
	uint64_t v = 0;
	int n = 0;
	while (**p >= '0' && **p <= '9') {
		if (n == 19)
			return 0;
		v = v * 10 + (uint64_t)(**p - '0');
		(*p)++;
		n++;
	}
	*ret = v;
	return n;
}

/* Reads "INT[.FRAC]" as thousandths, saturating at max. Returns 0 or -EBADMSG. */
static int read_milli(const char **p, uint64_t max, uint64_t *ret)
{
	uint64_t whole, frac = 0;
	if (read_u64(p, &whole) == 0)
		return -EBADMSG;
	if (**p == '.') {
		(*p)++;
		uint64_t scale = 100;
		if (**p < '0' || **p > '9')
			return -EBADMSG;
		while (**p >= '0' && **p <= '9') {
			frac += (uint64_t)(**p - '0') * scale;
			scale /= 10;
			(*p)++;
		}
	}
	*ret = whole > (max - frac) / 1000 ? max : whole * 1000 + frac;
	return 0;
}

/* Returns the position just after the next c, or NULL when there is none. */
static const char *after(const char *p, char c)
{
	const char *q = strchr(p, c);
	return q ? q + 1 : NULL;
}

static int meminfo_field(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line; line = after(line, '\n')) {
		if (strncmp(line, key, klen) != 0 || line[klen] != ':')
			continue;
		const char *p = line + klen + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (read_u64(&p, ret) == 0)
			return -EBADMSG;
		if (strncmp(p, " kB", 3) != 0 || (p[3] != '\n' && p[3] != '\0'))
			return -EBADMSG;
		return 0;
	}
	return -ENOENT;
}

int agent_parse_meminfo(const char *text, uint64_t *ret_total, uint64_t *ret_available)
{
	uint64_t total, avail = 0;
	if (meminfo_field(text, "MemTotal", &total) < 0)
		return -EBADMSG;
	int r = meminfo_field(text, "MemAvailable", &avail);
	if (r == -EBADMSG)
		return r;
	if (r < 0)
		avail = 0;
	*ret_total = total;
	*ret_available = avail;
	return 0;
}

int agent_parse_loadavg(const char *text, uint32_t ret_milli[3])
{
	const char *p = text;
	uint32_t v[3];
	for (int i = 0; i < 3; i++) {
		uint64_t m;
		if (i > 0) {
			if (*p != ' ')
				return -EBADMSG;
			p++;
		}
		if (read_milli(&p, UINT32_MAX, &m) < 0)
			return -EBADMSG;
		v[i] = (uint32_t)m;
	}
	if (*p != ' ' && *p != '\n' && *p != '\0')
		return -EBADMSG;
	memcpy(ret_milli, v, sizeof(v));
	return 0;
}

int agent_parse_uptime(const char *text, uint64_t *ret_ms)
{
	const char *p = text;
	uint64_t ms;
	if (read_milli(&p, UINT64_MAX, &ms) < 0 || (*p != ' ' && *p != '\n' && *p != '\0'))
		return -EBADMSG;
	*ret_ms = ms;
	return 0;
}

static uint8_t prefix_len(const uint8_t *mask, size_t n)
{
	uint8_t bits = 0;
	for (size_t i = 0; i < n; i++) {
		for (int b = 7; b >= 0; b--) {
			if (!(mask[i] & (1u << b)))
				return bits;
			bits++;
		}
	}
	return bits;
}

bool agent_addr_from_ifaddr(const char *ifname, unsigned ifflags, const struct sockaddr *addr,
			    const struct sockaddr *netmask, struct proto_addr *ret)
{
	size_t nlen = ifname ? strlen(ifname) : 0;
	if (!addr || (ifflags & IFF_LOOPBACK) || nlen == 0 || nlen > PROTO_IFNAME_MAX ||
	    !agent_name_ok(ifname, nlen))
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->ifname = (struct proto_str){ifname, (uint16_t)nlen};
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		ret->family = 4;
		memcpy(ret->addr, &a->sin_addr, 4);
		if (netmask && netmask->sa_family == AF_INET)
			ret->prefix = prefix_len(
			    (const uint8_t *)&((const struct sockaddr_in *)netmask)->sin_addr, 4);
		return true;
	}
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		ret->family = 6;
		memcpy(ret->addr, &a->sin6_addr, 16);
		if (netmask && netmask->sa_family == AF_INET6)
			ret->prefix = prefix_len(
			    (const uint8_t *)&((const struct sockaddr_in6 *)netmask)->sin6_addr,
			    16);
		return true;
	}
	return false;
}
