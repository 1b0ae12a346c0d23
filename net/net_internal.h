/* The configuration model behind struct net_config, shared by the pure parsers
 * (config.c for the keys, addr.c for addresses and names), the resolv.conf
 * renderer (resolv.c), the planner (plan.c) and the code that applies it
 * (apply.c). Not part of the public API: the unit tests include it to check
 * what the parser stored. */
#ifndef APPVM_NET_INTERNAL_H
#define APPVM_NET_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NET_MAX_ADDRESSES 16
#define NET_MAX_ROUTES	  32
/* glibc and musl both read at most three nameserver lines (MAXNS). */
#define NET_MAX_DNS 3
/* musl keeps the search line in a 256-byte buffer; glibc before 2.26 allowed 6
 * domains. Staying inside both keeps every resolver reading the whole list. */
#define NET_MAX_SEARCH		       6
#define NET_MAX_SEARCH_LEN	       255
#define NET_MAX_HOSTNAME	       64
#define NET_DEFAULT_CARRIER_TIMEOUT_MS 5000
#define NET_MAX_CARRIER_TIMEOUT_MS     600000
#define NET_DEFAULT_RESOLV_PATH	       "/run/appvm/resolv.conf"
#define NET_DEFAULT_ETC_RESOLV	       "/etc/resolv.conf"

/* An IPv4 or IPv6 address; family is AF_INET or AF_INET6, v4 uses addr[0..3]. */
struct net_ip {
	int family;
	uint8_t addr[16];
};

struct net_prefix {
	struct net_ip ip;
	unsigned int len;
};

struct net_route {
	struct net_prefix dst;
	bool has_via;
	struct net_ip via;
	bool has_metric;
	uint32_t metric;
};

struct net_config {
	char ifname[IF_NAMESIZE];
	bool has_mac;
	uint8_t mac[6];
	uint32_t mtu; /* 0: leave the interface's MTU alone */

	struct net_prefix addresses[NET_MAX_ADDRESSES];
	size_t n_addresses;

	bool has_gateway4, has_gateway6;
	struct net_ip gateway4, gateway6;

	struct net_route routes[NET_MAX_ROUTES];
	size_t n_routes;

	struct net_ip dns[NET_MAX_DNS];
	size_t n_dns;
	char search[NET_MAX_SEARCH][NET_MAX_SEARCH_LEN + 1];
	size_t n_search;

	char hostname[NET_MAX_HOSTNAME + 1];
	int carrier_timeout_ms;

	char resolv_path[256];
	char etc_resolv_path[256]; /* empty: do not link /etc/resolv.conf */
};

/* Address bytes used by a family: 4 or 16. */
static inline size_t net_ip_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* Parses "ADDR" into ret. Returns 0 or -EINVAL. */
int net_ip_parse(const char *s, struct net_ip *ret);

/* Parses "ADDR/LEN" into ret; the length is required. Returns 0 or -EINVAL. */
int net_prefix_parse(const char *s, struct net_prefix *ret);

/* Formats an address (and "/len" when len >= 0) into buf. Returns buf. */
char *net_ip_format(const struct net_ip *ip, int len, char *buf, size_t size);

/* Formats a hardware address as "aa:bb:..." into buf (empty when len is 0). */
void net_mac_format(const uint8_t *mac, size_t len, char *buf, size_t size);

/* True when ip lies inside prefix p (same family). */
bool net_prefix_contains(const struct net_prefix *p, const struct net_ip *ip);

/* Formats a route as in error messages ("10.1.0.0/16 via 10.0.2.1 metric 5"). */
char *net_route_format(const struct net_route *r, char *buf, size_t size);

/* Parses a MAC "aa:bb:cc:dd:ee:ff" (also with '-'). Returns 0 or -EINVAL. */
int net_mac_parse(const char *s, uint8_t ret_mac[6]);

/* Checks a DNS name of at most max bytes: dot-separated RFC 1123 labels of
 * letters, digits and inner '-', each at most 63 bytes. Returns 0 or -EINVAL. */
int net_dns_name_check(const char *name, size_t max);

/* Checks a hostname (RFC 1123 labels, at most 64 bytes). Returns 0 or -EINVAL. */
int net_hostname_check(const char *name);

/* True for 0.0.0.0 and ::. */
bool net_ip_is_unspecified(const struct net_ip *ip);

/* Why ip can be neither an interface's address nor a gateway ("a loopback
 * address", "a multicast address", ...), or NULL when it can. */
const char *net_ip_unusable(const struct net_ip *ip);

/* "IPv4" or "IPv6", for messages. */
const char *net_family_name(int family);

/* Renders resolv.conf text for c into buf. Returns the length, or -ENOBUFS. */
int net_resolv_render(const struct net_config *c, char *buf, size_t size);

/* Writes resolv.conf atomically (temp file + rename) at c->resolv_path and,
 * when c->etc_resolv_path is set and its directory writable, points a symlink
 * there at it. Returns 0 or -errno. */
int net_resolv_write(const struct net_config *c, char *err, size_t errlen);

#endif
