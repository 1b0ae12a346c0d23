/* The [net] section of vm.conf: the key table, each key's value and the
 * checks of the whole section. Pure: no system calls, so every rule is
 * unit-tested. Addresses and names are parsed in addr.c. The key reference
 * is docs/net.md. */
#include "net.h"
#include "net_internal.h"

#include "cleanup.h"
#include "parse.h"
#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

struct net_config *net_config_new(void)
{
	struct net_config *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->carrier_timeout_ms = NET_DEFAULT_CARRIER_TIMEOUT_MS;
	snprintf(c->resolv_path, sizeof(c->resolv_path), "%s", NET_DEFAULT_RESOLV_PATH);
	snprintf(c->etc_resolv_path, sizeof(c->etc_resolv_path), "%s", NET_DEFAULT_ETC_RESOLV);
	return c;
}

void net_config_free(struct net_config *c)
{
	free(c);
}

int net_config_set_resolv_paths(struct net_config *c, const char *resolv_path, const char *etc_path)
{
	if (!resolv_path || resolv_path[0] != '/' || strlen(resolv_path) >= sizeof(c->resolv_path))
		return -EINVAL;
	if (etc_path && (etc_path[0] != '/' || strlen(etc_path) >= sizeof(c->etc_resolv_path)))
		return -EINVAL;
	snprintf(c->resolv_path, sizeof(c->resolv_path), "%s", resolv_path);
	snprintf(c->etc_resolv_path, sizeof(c->etc_resolv_path), "%s", etc_path ? etc_path : "");
	return 0;
}

/* Splits a list value on commas and white space into tokens, in place. */
static size_t split_list(char *s, char **tok, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(s, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save)) {
		if (n == max)
			return max + 1;
		tok[n++] = t;
	}
	return n;
}

static int set_address(struct net_config *c, const char *value, char *err, size_t errlen)
{
	char buf[512];
	char *tok[NET_MAX_ADDRESSES + 1];
	if (strlen(value) >= sizeof(buf))
		return seterr(err, errlen, "address \"%.40s...\": value too long", value);
	snprintf(buf, sizeof(buf), "%s", value);
	size_t n = split_list(buf, tok, NET_MAX_ADDRESSES);
	if (n == 0)
		return seterr(err, errlen, "address: empty value");
	for (size_t i = 0; i < n && i < NET_MAX_ADDRESSES; i++) {
		struct net_prefix p;
		int r = net_prefix_parse(tok[i], &p);
		if (r == -ERANGE)
			return seterr(err, errlen, "address \"%s\": prefix length out of range",
				      tok[i]);
		if (r < 0) {
			if (!strchr(tok[i], '/') && net_ip_parse(tok[i], &p.ip) == 0)
				return seterr(err, errlen,
					      "address \"%s\": prefix length missing (e.g. %s/%d)",
					      tok[i], tok[i], p.ip.family == AF_INET6 ? 64 : 24);
			return seterr(err, errlen,
				      "address \"%s\": not an IP address with a prefix length",
				      tok[i]);
		}
		if (p.len == 0)
			return seterr(err, errlen, "address \"%s\": prefix length 0 is not allowed",
				      tok[i]);
		const char *why = net_ip_unusable(&p.ip);
		if (why)
			return seterr(err, errlen,
				      "address \"%s\": %s cannot be an interface address", tok[i],
				      why);
		for (size_t j = 0; j < c->n_addresses; j++) {
			const struct net_prefix *o = &c->addresses[j];
			if (o->ip.family == p.ip.family &&
			    memcmp(o->ip.addr, p.ip.addr, net_ip_len(p.ip.family)) == 0)
				return seterr(err, errlen, "address \"%s\": address listed twice",
					      tok[i]);
		}
		if (c->n_addresses == NET_MAX_ADDRESSES)
			return seterr(err, errlen, "address \"%s\": more than %d addresses", tok[i],
				      NET_MAX_ADDRESSES);
		c->addresses[c->n_addresses++] = p;
	}
	if (n > NET_MAX_ADDRESSES)
		return seterr(err, errlen, "address: more than %d addresses", NET_MAX_ADDRESSES);
	return 0;
}

static int set_gateway(struct net_config *c, const char *key, int family, const char *value,
		       char *err, size_t errlen)
{
	struct net_ip ip;
	if (net_ip_parse(value, &ip) < 0) {
		if (strchr(value, '/'))
			return seterr(err, errlen,
				      "%s \"%s\": a gateway is an address, without a prefix length",
				      key, value);
		return seterr(err, errlen, "%s \"%s\": not an IP address", key, value);
	}
	if (ip.family != family)
		return seterr(err, errlen, "%s \"%s\": an %s address; %s gateways go in %s", key,
			      value, net_family_name(ip.family), net_family_name(ip.family),
			      ip.family == AF_INET6 ? "gateway6" : "gateway");
	const char *why = net_ip_unusable(&ip);
	if (why)
		return seterr(err, errlen, "%s \"%s\": %s cannot be a gateway", key, value, why);
	bool *has = family == AF_INET ? &c->has_gateway4 : &c->has_gateway6;
	if (*has)
		return seterr(err, errlen, "%s \"%s\": %s is set twice", key, value, key);
	*has = true;
	*(family == AF_INET ? &c->gateway4 : &c->gateway6) = ip;
	return 0;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *ret)
{
	unsigned long v;
	if (parse_uint(s, max, &v) < 0)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static bool route_same_slot(const struct net_route *a, const struct net_route *b)
{
	/* The kernel keys main-table routes by destination, prefix and metric. */
	uint32_t ma = a->has_metric ? a->metric : 0, mb = b->has_metric ? b->metric : 0;
	return a->dst.ip.family == b->dst.ip.family && a->dst.len == b->dst.len &&
	       memcmp(a->dst.ip.addr, b->dst.ip.addr, 16) == 0 && ma == mb;
}

static int add_route(struct net_config *c, const struct net_route *r, const char *key,
		     const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->n_routes; i++) {
		if (route_same_slot(&c->routes[i], r)) {
			char o[128];
			return seterr(err, errlen, "%s \"%s\": duplicate route (already have %s)",
				      key, value, net_route_format(&c->routes[i], o, sizeof(o)));
		}
	}
	if (c->n_routes == NET_MAX_ROUTES)
		return seterr(err, errlen, "%s \"%s\": more than %d routes", key, value,
			      NET_MAX_ROUTES);
	c->routes[c->n_routes++] = *r;
	return 0;
}

static int set_route(struct net_config *c, const char *value, char *err, size_t errlen)
{
	char buf[256];
	char *tok[8];
	if (strlen(value) >= sizeof(buf))
		return seterr(err, errlen, "route \"%.40s...\": value too long", value);
	snprintf(buf, sizeof(buf), "%s", value);
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == ARRAY_SIZE(tok))
			return seterr(err, errlen, "route \"%s\": too many words", value);
		tok[n++] = t;
	}
	if (n == 0)
		return seterr(err, errlen,
			      "route: empty value (expected DEST/LEN [via GATEWAY] [metric N])");
	struct net_route r = {0};
	bool is_default = strcmp(tok[0], "default") == 0;
	if (!is_default) {
		int ret = net_prefix_parse(tok[0], &r.dst);
		if (ret == -ERANGE)
			return seterr(err, errlen, "route \"%s\": prefix length of %s out of range",
				      value, tok[0]);
		if (ret < 0)
			return seterr(err, errlen,
				      "route \"%s\": destination \"%s\" is not DEST/LEN or default",
				      value, tok[0]);
		struct net_prefix net = r.dst;
		for (unsigned int bit = net.len; bit < net_ip_len(net.ip.family) * 8; bit++)
			net.ip.addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
		if (memcmp(net.ip.addr, r.dst.ip.addr, 16) != 0) {
			char want[64];
			return seterr(err, errlen,
				      "route \"%s\": %s has host bits set (did you mean %s?)",
				      value, tok[0],
				      net_ip_format(&net.ip, (int)net.len, want, sizeof(want)));
		}
	}
	for (size_t i = 1; i < n; i += 2) {
		if (i + 1 >= n)
			return seterr(err, errlen, "route \"%s\": \"%s\" needs a value", value,
				      tok[i]);
		if (strcmp(tok[i], "via") == 0 && !r.has_via) {
			if (net_ip_parse(tok[i + 1], &r.via) < 0)
				return seterr(err, errlen,
					      "route \"%s\": via \"%s\" is not an IP address",
					      value, tok[i + 1]);
			const char *why = net_ip_unusable(&r.via);
			if (why)
				return seterr(err, errlen, "route \"%s\": via %s is %s", value,
					      tok[i + 1], why);
			r.has_via = true;
		} else if (strcmp(tok[i], "metric") == 0 && !r.has_metric) {
			if (parse_u32(tok[i + 1], UINT32_MAX, &r.metric) < 0)
				return seterr(err, errlen,
					      "route \"%s\": metric \"%s\" is not a number", value,
					      tok[i + 1]);
			r.has_metric = true;
		} else {
			return seterr(err, errlen,
				      "route \"%s\": unexpected \"%s\" (expected DEST/LEN [via "
				      "GATEWAY] [metric N])",
				      value, tok[i]);
		}
	}
	if (is_default) {
		if (!r.has_via)
			return seterr(err, errlen,
				      "route \"%s\": a default route needs \"via GATEWAY\"", value);
		r.dst.ip.family = r.via.family;
	}
	if (r.has_via && r.via.family != r.dst.ip.family) {
		char via[64];
		return seterr(err, errlen,
			      "route \"%s\": gateway %s is %s but the destination is %s", value,
			      net_ip_format(&r.via, -1, via, sizeof(via)),
			      net_family_name(r.via.family), net_family_name(r.dst.ip.family));
	}
	return add_route(c, &r, "route", value, err, errlen);
}

static int set_dns(struct net_config *c, const char *value, char *err, size_t errlen)
{
	char buf[512];
	char *tok[NET_MAX_DNS + 1];
	if (strlen(value) >= sizeof(buf))
		return seterr(err, errlen, "dns \"%.40s...\": value too long", value);
	snprintf(buf, sizeof(buf), "%s", value);
	size_t n = split_list(buf, tok, NET_MAX_DNS);
	if (n == 0)
		return seterr(err, errlen, "dns: empty value");
	for (size_t i = 0; i < n && i < NET_MAX_DNS; i++) {
		struct net_ip ip;
		if (net_ip_parse(tok[i], &ip) < 0)
			return seterr(err, errlen, "dns \"%s\": not an IP address", tok[i]);
		if (net_ip_is_unspecified(&ip) || (ip.family == AF_INET6 && ip.addr[0] == 0xff) ||
		    (ip.family == AF_INET && (ip.addr[0] & 0xf0) == 0xe0))
			return seterr(err, errlen, "dns \"%s\": not a usable server address",
				      tok[i]);
		for (size_t j = 0; j < c->n_dns; j++)
			if (c->dns[j].family == ip.family &&
			    memcmp(c->dns[j].addr, ip.addr, 16) == 0)
				return seterr(err, errlen, "dns \"%s\": server listed twice",
					      tok[i]);
		if (c->n_dns == NET_MAX_DNS)
			return seterr(
			    err, errlen,
			    "dns \"%s\": more than %d servers (the resolver reads only %d)", tok[i],
			    NET_MAX_DNS, NET_MAX_DNS);
		c->dns[c->n_dns++] = ip;
	}
	if (n > NET_MAX_DNS)
		return seterr(err, errlen,
			      "dns \"%s\": more than %d servers (the resolver reads only %d)",
			      value, NET_MAX_DNS, NET_MAX_DNS);
	return 0;
}

static int set_search(struct net_config *c, const char *value, char *err, size_t errlen)
{
	char buf[512];
	char *tok[NET_MAX_SEARCH + 1];
	if (strlen(value) >= sizeof(buf))
		return seterr(err, errlen, "search \"%.40s...\": value too long", value);
	snprintf(buf, sizeof(buf), "%s", value);
	size_t n = split_list(buf, tok, NET_MAX_SEARCH);
	if (n == 0)
		return seterr(err, errlen, "search: empty value");
	size_t total = 0;
	for (size_t i = 0; i < c->n_search; i++)
		total += strlen(c->search[i]) + 1;
	for (size_t i = 0; i < n && i < NET_MAX_SEARCH; i++) {
		char *d = tok[i];
		size_t len = strlen(d);
		if (len > 1 && d[len - 1] == '.')
			d[--len] = '\0'; /* a fully qualified "example.com." means the same */
		if (net_dns_name_check(d, 253) < 0)
			return seterr(err, errlen, "search \"%s\": not a valid domain name",
				      tok[i]);
		for (size_t j = 0; j < c->n_search; j++)
			if (strcasecmp(c->search[j], d) == 0)
				return seterr(err, errlen, "search \"%s\": domain listed twice", d);
		total += len + 1;
		if (c->n_search == NET_MAX_SEARCH || total > NET_MAX_SEARCH_LEN)
			return seterr(err, errlen,
				      "search \"%s\": the list exceeds %d domains or %d characters",
				      d, NET_MAX_SEARCH, NET_MAX_SEARCH_LEN);
		snprintf(c->search[c->n_search++], NET_MAX_SEARCH_LEN + 1, "%s", d);
	}
	if (n > NET_MAX_SEARCH)
		return seterr(err, errlen, "search: more than %d domains", NET_MAX_SEARCH);
	return 0;
}

static int set_interface(struct net_config *c, const char *value, char *err, size_t errlen)
{
	size_t len = strlen(value);
	if (len == 0 || len >= IF_NAMESIZE || strcmp(value, ".") == 0 || strcmp(value, "..") == 0 ||
	    strpbrk(value, "/: \t"))
		return seterr(err, errlen, "interface \"%s\": not a valid interface name", value);
	for (const char *p = value; *p; p++)
		if (!isgraph((unsigned char)*p))
			return seterr(err, errlen, "interface \"%s\": not a valid interface name",
				      value);
	if (strcmp(value, "lo") == 0)
		return seterr(err, errlen,
			      "interface \"lo\": the loopback interface is set up anyway; "
			      "name the VM's network interface");
	if (c->ifname[0])
		return seterr(err, errlen, "interface \"%s\": interface is set twice", value);
	snprintf(c->ifname, sizeof(c->ifname), "%s", value);
	return 0;
}

static int set_mac(struct net_config *c, const char *value, char *err, size_t errlen)
{
	uint8_t mac[6];
	if (net_mac_parse(value, mac) < 0)
		return seterr(err, errlen,
			      "mac \"%s\": not a unicast MAC address like 52:54:00:12:34:56",
			      value);
	if (c->has_mac)
		return seterr(err, errlen, "mac \"%s\": mac is set twice", value);
	memcpy(c->mac, mac, sizeof(mac));
	c->has_mac = true;
	return 0;
}

static int set_mtu(struct net_config *c, const char *value, char *err, size_t errlen)
{
	uint32_t mtu;
	if (parse_u32(value, 65535, &mtu) < 0 || mtu < 68)
		return seterr(err, errlen, "mtu \"%s\": not a number from 68 to 65535", value);
	if (c->mtu)
		return seterr(err, errlen, "mtu \"%s\": mtu is set twice", value);
	c->mtu = mtu;
	return 0;
}

static int set_gateway4(struct net_config *c, const char *value, char *err, size_t errlen)
{
	return set_gateway(c, "gateway", AF_INET, value, err, errlen);
}

static int set_gateway6(struct net_config *c, const char *value, char *err, size_t errlen)
{
	return set_gateway(c, "gateway6", AF_INET6, value, err, errlen);
}

static int set_hostname(struct net_config *c, const char *value, char *err, size_t errlen)
{
	if (net_hostname_check(value) < 0)
		return seterr(err, errlen,
			      "hostname \"%s\": not a valid host name (letters, digits, '-', dots; "
			      "at most %d characters)",
			      value, NET_MAX_HOSTNAME);
	if (c->hostname[0])
		return seterr(err, errlen, "hostname \"%s\": hostname is set twice", value);
	snprintf(c->hostname, sizeof(c->hostname), "%s", value);
	return 0;
}

static int set_carrier_timeout(struct net_config *c, const char *value, char *err, size_t errlen)
{
	unsigned long ms;
	if (parse_duration_ms(value, NET_MAX_CARRIER_TIMEOUT_MS, &ms) < 0)
		return seterr(err, errlen,
			      "carrier_timeout \"%s\": not a duration like 5s or 500ms (at most "
			      "600s)",
			      value);
	c->carrier_timeout_ms = (int)ms;
	return 0;
}

/* Every [net] key (docs/net.md) and its setter; the names also feed "did you
 * mean". A setter gets the value trimmed by the INI reader and returns 0 or
 * -EINVAL with err naming the key and the value. */
static const struct {
	const char *name;
	int (*set)(struct net_config *c, const char *value, char *err, size_t errlen);
} keys[] = {
    {"interface", set_interface},
    {"mac", set_mac},
    {"mtu", set_mtu},
    {"address", set_address},
    {"gateway", set_gateway4},
    {"gateway6", set_gateway6},
    {"route", set_route},
    {"dns", set_dns},
    {"search", set_search},
    {"hostname", set_hostname},
    {"carrier_timeout", set_carrier_timeout},
};

/* Names people reach for from other tools, mapped to ours. */
static const struct {
	const char *alias, *key;
} key_aliases[] = {
    {"iface", "interface"},	    {"ifname", "interface"}, {"dev", "interface"},
    {"device", "interface"},	    {"link", "interface"},   {"hwaddr", "mac"},
    {"macaddress", "mac"},	    {"ip", "address"},	     {"addr", "address"},
    {"addresses", "address"},	    {"gw", "gateway"},	     {"gw6", "gateway6"},
    {"gateway4", "gateway"},	    {"routes", "route"},     {"nameserver", "dns"},
    {"nameservers", "dns"},	    {"domain", "search"},    {"domains", "search"},
    {"carrier", "carrier_timeout"},
};

static const char *suggest_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_aliases); i++)
		if (strcasecmp(key, key_aliases[i].alias) == 0)
			return key_aliases[i].key;
	const char *names[ARRAY_SIZE(keys)];
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		names[i] = keys[i].name;
	return suggest_nearest(key, names, ARRAY_SIZE(names));
}

int net_config_set(struct net_config *c, const char *key, const char *value, char *err,
		   size_t errlen)
{
	if (!c || !key || !value)
		return -EINVAL;
	if (err && errlen)
		err[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(key, keys[i].name) == 0)
			return keys[i].set(c, value, err, errlen);
	const char *hint = suggest_key(key);
	if (hint)
		seterr(err, errlen, "unknown key \"%s\" in [net] (did you mean \"%s\"?)", key,
		       hint);
	else
		seterr(err, errlen, "unknown key \"%s\" in [net]", key);
	return -ENOENT;
}

int net_config_check(const struct net_config *c, char *err, size_t errlen)
{
	if (!c)
		return -EINVAL;
	if (err && errlen)
		err[0] = '\0';
	bool has4 = false, has6 = false;
	for (size_t i = 0; i < c->n_addresses; i++) {
		has4 |= c->addresses[i].ip.family == AF_INET;
		has6 |= c->addresses[i].ip.family == AF_INET6;
	}
	bool needs_if =
	    c->n_addresses || c->has_gateway4 || c->has_gateway6 || c->n_routes || c->mtu;
	if (needs_if && !c->ifname[0] && !c->has_mac)
		return seterr(err, errlen,
			      "[net] configures an interface but names none: set interface or mac");
	if (c->mtu && c->mtu < 1280 && has6)
		return seterr(err, errlen, "mtu \"%u\": IPv6 needs an MTU of at least 1280",
			      c->mtu);

	char a[64];
	const struct net_ip *gws[2] = {c->has_gateway4 ? &c->gateway4 : NULL,
				       c->has_gateway6 ? &c->gateway6 : NULL};
	const char *gw_keys[2] = {"gateway", "gateway6"};
	for (int g = 0; g < 2; g++) {
		const struct net_ip *gw = gws[g];
		if (!gw)
			continue;
		net_ip_format(gw, -1, a, sizeof(a));
		if (!(g == 0 ? has4 : has6))
			return seterr(err, errlen,
				      "%s \"%s\": no %s address is configured to reach it",
				      gw_keys[g], a, net_family_name(gw->family));
		bool link_local =
		    gw->family == AF_INET6 && gw->addr[0] == 0xfe && (gw->addr[1] & 0xc0) == 0x80;
		bool inside = link_local;
		for (size_t i = 0; i < c->n_addresses; i++) {
			const struct net_prefix *p = &c->addresses[i];
			if (p->ip.family == gw->family && memcmp(p->ip.addr, gw->addr, 16) == 0)
				return seterr(err, errlen,
					      "%s \"%s\": the gateway is this VM's own address",
					      gw_keys[g], a);
			inside |= net_prefix_contains(p, gw);
		}
		if (!inside)
			return seterr(err, errlen, "%s \"%s\": not inside any configured %s subnet",
				      gw_keys[g], a, net_family_name(gw->family));
	}
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct net_route *r = &c->routes[i];
		char rs[128];
		net_route_format(r, rs, sizeof(rs));
		if (r->dst.len == 0 && gws[r->dst.ip.family == AF_INET6 ? 1 : 0] && !r->has_metric)
			return seterr(err, errlen,
				      "route \"%s\": duplicate of the default route from %s", rs,
				      r->dst.ip.family == AF_INET6 ? "gateway6" : "gateway");
		if (!(r->dst.ip.family == AF_INET ? has4 : has6))
			return seterr(err, errlen,
				      "route \"%s\": no %s address is configured on the interface",
				      rs, net_family_name(r->dst.ip.family));
	}
	if (c->n_search && !c->n_dns)
		return seterr(err, errlen,
			      "search \"%s\": search domains need at least one dns server",
			      c->search[0]);
	return 0;
}
