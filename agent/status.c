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

/* Undoes the kernel's octal escapes (\040 for space, \011, \012, \134) in place. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool has_option(const char *opts, const char *opt)
{
	size_t n = strlen(opt);
	for (const char *p = opts; p; p = after(p, ','))
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

int agent_mountinfo_next(char **cursor, struct agent_mount *ret)
{
	char *line = *cursor;
	if (*line == '\0')
		return 0;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	/* ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS */
	char *f[6];
	size_t n = 0;
	char *save = NULL;
	while (n < 6) {
		char *t = strtok_r(n == 0 ? line : NULL, " ", &save);
		if (!t)
			return -EBADMSG;
		f[n++] = t;
	}
	char *t;
	while ((t = strtok_r(NULL, " ", &save)) && strcmp(t, "-") != 0)
		;
	if (!t)
		return -EBADMSG;
	char *fstype = strtok_r(NULL, " ", &save);
	char *source = strtok_r(NULL, " ", &save);
	if (!fstype || !source)
		return -EBADMSG;
	unescape(f[3]);
	unescape(f[4]);
	unescape(source);
	ret->root = f[3];
	ret->mount_point = f[4];
	ret->fstype = fstype;
	ret->source = source;
	ret->read_only = has_option(f[5], "ro");
	return 1;
}

bool agent_mount_store(const struct agent_mount *m, struct proto_store *ret)
{
	static const char *const types[] = {"erofs", "squashfs", "virtiofs", "ext4"};
	bool known = false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known = known || strcmp(m->fstype, types[i]) == 0;
	/* A bind mount of a directory inside a filesystem is not a store,
	 * and the root filesystem is the image itself. */
	if (!known || strcmp(m->root, "/") != 0 || m->mount_point[0] != '/' ||
	    m->mount_point[1] == '\0')
		return false;
	size_t plen = strlen(m->mount_point);
	if (plen > PROTO_PATH_MAX)
		return false;
	ret->mount_point = (struct proto_str){m->mount_point, (uint16_t)plen};
	if (!m->read_only) {
		/* Stores are read-only; the one writable mount is the state store. */
		ret->name = proto_str_from("state");
		ret->writable = 1;
		return true;
	}
	const char *base = strrchr(m->mount_point, '/') + 1;
	size_t blen = strlen(base);
	if (blen == 0 || !agent_name_ok(base, blen))
		return false;
	ret->name = (struct proto_str){base, (uint16_t)blen};
	ret->writable = 0;
	return true;
}

uint16_t agent_stores_from_mountinfo(char *text, struct proto_store *stores, uint16_t max)
{
	uint16_t n = 0;
	char *cursor = text;
	struct agent_mount m;
	int r;
	while ((r = agent_mountinfo_next(&cursor, &m)) != 0) {
		struct proto_store s;
		if (r < 0 || !agent_mount_store(&m, &s))
			continue;
		uint16_t i;
		for (i = 0; i < n; i++)
			if (stores[i].mount_point.len == s.mount_point.len &&
			    memcmp(stores[i].mount_point.ptr, s.mount_point.ptr,
				   s.mount_point.len) == 0)
				break;
		if (i < n) {
			stores[i] = s; /* mounted over: the later mount is what is visible */
			continue;
		}
		if (n < max)
			stores[n++] = s;
	}
	return n;
}

uint16_t agent_stores_from_init(char *reply, struct proto_store *stores, uint16_t max)
{
	uint16_t n = 0;
	char *line = reply;
	while (*line && n < max) {
		char *nl = strchr(line, '\n');
		char *next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		char *w[5];
		size_t nw = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			if (nw == 5)
				break;
			w[nw++] = t;
		}
		line = next;
		if (nw != 4 || strcmp(w[0], "store") != 0)
			continue;
		bool rw = strcmp(w[2], "rw") == 0;
		if (!rw && strcmp(w[2], "ro") != 0)
			continue;
		unescape(w[3]);
		size_t nlen = strlen(w[1]), plen = strlen(w[3]);
		if (nlen == 0 || !agent_name_ok(w[1], nlen) || w[3][0] != '/' ||
		    plen > PROTO_PATH_MAX)
			continue;
		stores[n].name = (struct proto_str){w[1], (uint16_t)nlen};
		stores[n].mount_point = (struct proto_str){w[3], (uint16_t)plen};
		stores[n].writable = rw;
		n++;
	}
	return n;
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
