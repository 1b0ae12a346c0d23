/* The [net] configuration: every key, every bad value, the whole-config
 * checks and the resolv.conf text. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "suggest.h"
#include "net.h"
#include "net_internal.h"

struct kv {
	const char *key, *value;
};

/* Applies pairs until one fails; returns that result (0 when all passed). */
static int set_all(struct net_config *c, const struct kv *kv, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int r = net_config_set(c, kv[i].key, kv[i].value, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

static void test_good_config(void **state)
{
	(void)state;
	struct net_config *c = net_config_new();
	assert_non_null(c);
	char err[256];
	static const struct kv kv[] = {
	    {"interface", "eth0"},
	    {"mac", "52:54:00:AB:cd:01"},
	    {"mtu", "1400"},
	    {"address", "10.0.2.15/24, fd00::15/64"},
	    {"address", "192.168.1.5/32"},
	    {"gateway", "10.0.2.2"},
	    {"gateway6", "fe80::1"},
	    {"route", "10.9.0.0/16 via 10.0.2.3 metric 7"},
	    {"route", "172.16.0.0/12"},
	    {"route", "fd01::/48 via fd00::1"},
	    {"dns", "10.0.2.3"},
	    {"dns", "fd00::3 1.1.1.1"},
	    {"search", "example.com. lan"},
	    {"hostname", "my-vm.example"},
	    {"carrier_timeout", "250ms"},
	};
	assert_int_equal(set_all(c, kv, sizeof(kv) / sizeof(kv[0]), err, sizeof(err)), 0);
	assert_int_equal(net_config_check(c, err, sizeof(err)), 0);
	assert_string_equal(c->ifname, "eth0");
	assert_true(c->has_mac);
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0x01};
	assert_memory_equal(c->mac, mac, 6);
	assert_int_equal(c->mtu, 1400);
	assert_int_equal(c->n_addresses, 3);
	assert_int_equal(c->addresses[1].ip.family, AF_INET6);
	assert_int_equal(c->addresses[1].len, 64);
	assert_int_equal(c->addresses[2].len, 32);
	assert_int_equal(c->n_routes, 3);
	assert_true(c->routes[0].has_via);
	assert_true(c->routes[0].has_metric);
	assert_int_equal(c->routes[0].metric, 7);
	assert_false(c->routes[1].has_via);
	assert_int_equal(c->n_dns, 3);
	assert_int_equal(c->n_search, 2);
	assert_string_equal(c->search[0], "example.com");
	assert_string_equal(c->hostname, "my-vm.example");
	assert_int_equal(c->carrier_timeout_ms, 250);

	char text[512];
	int len = net_resolv_render(c, text, sizeof(text));
	assert_true(len > 0);
	assert_non_null(
	    strstr(text, "nameserver 10.0.2.3\nnameserver fd00::3\nnameserver 1.1.1.1\n"));
	assert_non_null(strstr(text, "search example.com lan\n"));
	assert_int_equal(net_resolv_render(c, text, 40), -ENOBUFS);
	net_config_free(c);
}

static void test_durations(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		int ms; /* -1: rejected */
	} cases[] = {
	    {"5s", 5000}, {"5", 5000},	{"0", 0},    {"1500ms", 1500},	  {"600s", 600000},
	    {"601s", -1}, {"-1", -1},	{"", -1},    {"s", -1},		  {"ms", -1},
	    {"5m", -1},	  {"1.5s", -1}, {"5 s", -1}, {"99999999999", -1}, {"0x10", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_config *c = net_config_new();
		char err[256] = "";
		int r = net_config_set(c, "carrier_timeout", cases[i].value, err, sizeof(err));
		if (cases[i].ms < 0) {
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err, "carrier_timeout"));
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(c->carrier_timeout_ms, cases[i].ms);
		}
		net_config_free(c);
	}
}

/* One bad key/value after optional good ones: the error names key and value. */
static void test_bad_values(void **state)
{
	(void)state;
	static const struct {
		struct kv before[2];
		struct kv bad;
		int ret;
		const char *expect; /* substring of the error line */
	} cases[] = {
	    {{{0}}, {"address", "10.0.2.300/24"}, -EINVAL, "address \"10.0.2.300/24\": not an IP"},
	    {{{0}}, {"address", "10.0.2.15"}, -EINVAL, "prefix length missing (e.g. 10.0.2.15/24)"},
	    {{{0}}, {"address", "fd00::15"}, -EINVAL, "prefix length missing (e.g. fd00::15/64)"},
	    {{{0}}, {"address", "10.0.2.15/33"}, -EINVAL, "prefix length out of range"},
	    {{{0}}, {"address", "fd00::1/129"}, -EINVAL, "prefix length out of range"},
	    {{{0}}, {"address", "10.0.2.15/0"}, -EINVAL, "prefix length 0"},
	    {{{0}}, {"address", "10.0.2.15/024"}, -EINVAL, "not an IP address"},
	    {{{0}}, {"address", "10.0.2.15/2x"}, -EINVAL, "not an IP address"},
	    {{{0}}, {"address", "10.0.2.15/"}, -EINVAL, "not an IP address"},
	    {{{0}}, {"address", "/24"}, -EINVAL, "not an IP address"},
	    {{{0}}, {"address", "10.1/16"}, -EINVAL, "not an IP address"},
	    {{{0}}, {"address", "127.0.0.2/8"}, -EINVAL, "loopback"},
	    {{{0}}, {"address", "224.0.0.5/24"}, -EINVAL, "multicast"},
	    {{{0}}, {"address", "0.0.0.0/8"}, -EINVAL, "unspecified"},
	    {{{0}}, {"address", "::1/128"}, -EINVAL, "loopback"},
	    {{{0}}, {"address", "ff02::1/64"}, -EINVAL, "multicast"},
	    {{{0}}, {"address", ""}, -EINVAL, "address: empty value"},
	    {{{0}}, {"address", " , "}, -EINVAL, "empty value"},
	    {{{"address", "10.0.2.15/24"}}, {"address", "10.0.2.15/16"}, -EINVAL, "listed twice"},
	    {{{0}},
	     {"gateway", "fd00::1"},
	     -EINVAL,
	     "gateway \"fd00::1\": an IPv6 address; IPv6 gateways go in gateway6"},
	    {{{0}},
	     {"gateway6", "10.0.2.2"},
	     -EINVAL,
	     "gateway6 \"10.0.2.2\": an IPv4 address; IPv4 gateways go in gateway"},
	    {{{0}}, {"gateway", "10.0.2.2/24"}, -EINVAL, "without a prefix length"},
	    {{{0}}, {"gateway", "gw.example"}, -EINVAL, "not an IP address"},
	    {{{0}}, {"gateway", "255.255.255.255"}, -EINVAL, "broadcast"},
	    {{{"gateway", "10.0.2.2"}}, {"gateway", "10.0.2.1"}, -EINVAL, "gateway is set twice"},
	    {{{0}},
	     {"route", "10.1.2.0/16 via 10.0.2.2"},
	     -EINVAL,
	     "host bits set (did you mean 10.1.0.0/16?)"},
	    {{{0}}, {"route", "fd00::1/64"}, -EINVAL, "did you mean fd00::/64?"},
	    {{{0}},
	     {"route", "10.1.0.0/16 via fd00::1"},
	     -EINVAL,
	     "gateway fd00::1 is IPv6 but the destination is IPv4"},
	    {{{0}},
	     {"route", "fd01::/48 via 10.0.2.2"},
	     -EINVAL,
	     "is IPv4 but the destination is IPv6"},
	    {{{0}},
	     {"route", "fd01::/48 metric 5 via 10.0.2.2"},
	     -EINVAL,
	     "gateway 10.0.2.2 is IPv4"},
	    {{{0}}, {"route", "10.1.0.0/16 via"}, -EINVAL, "\"via\" needs a value"},
	    {{{0}}, {"route", "10.1.0.0/16 dev eth0"}, -EINVAL, "unexpected \"dev\""},
	    {{{0}}, {"route", "10.1.0.0/16 metric x"}, -EINVAL, "metric \"x\" is not a number"},
	    {{{0}}, {"route", "10.1.0.0/16 metric 1 metric 2"}, -EINVAL, "unexpected \"metric\""},
	    {{{0}}, {"route", "10.1.0.0"}, -EINVAL, "is not DEST/LEN or default"},
	    {{{0}}, {"route", "10.1.0.0/40"}, -EINVAL, "out of range"},
	    {{{0}}, {"route", "default"}, -EINVAL, "a default route needs \"via GATEWAY\""},
	    {{{0}}, {"route", ""}, -EINVAL, "route: empty value"},
	    {{{0}}, {"route", "10.1.0.0/16 via 127.0.0.1"}, -EINVAL, "loopback"},
	    {{{"route", "10.1.0.0/16 via 10.0.2.2"}},
	     {"route", "10.1.0.0/16 via 10.0.2.3"},
	     -EINVAL,
	     "duplicate route (already have 10.1.0.0/16 via 10.0.2.2)"},
	    {{{"route", "10.1.0.0/16"}},
	     {"route", "10.1.0.0/16 metric 0"},
	     -EINVAL,
	     "duplicate route"},
	    {{{0}},
	     {"mac", "52:54:00:12:34"},
	     -EINVAL,
	     "mac \"52:54:00:12:34\": not a unicast MAC"},
	    {{{0}}, {"mac", "52:54:00:12:34:5g"}, -EINVAL, "not a unicast MAC"},
	    {{{0}}, {"mac", "52:54-00:12:34:56"}, -EINVAL, "not a unicast MAC"},
	    {{{0}}, {"mac", "01:00:5e:00:00:01"}, -EINVAL, "not a unicast MAC"},
	    {{{0}}, {"mac", "00:00:00:00:00:00"}, -EINVAL, "not a unicast MAC"},
	    {{{0}}, {"mac", "ff:ff:ff:ff:ff:ff"}, -EINVAL, "not a unicast MAC"},
	    {{{0}}, {"mac", "5254.0012.3456"}, -EINVAL, "not a unicast MAC"},
	    {{{0}}, {"interface", ""}, -EINVAL, "not a valid interface name"},
	    {{{0}}, {"interface", "averyveryverylongname"}, -EINVAL, "not a valid interface name"},
	    {{{0}}, {"interface", "eth/0"}, -EINVAL, "not a valid interface name"},
	    {{{0}}, {"interface", "eth 0"}, -EINVAL, "not a valid interface name"},
	    {{{0}}, {"interface", ".."}, -EINVAL, "not a valid interface name"},
	    {{{0}}, {"interface", "lo"}, -EINVAL, "loopback"},
	    {{{"interface", "eth0"}}, {"interface", "eth1"}, -EINVAL, "interface is set twice"},
	    {{{0}}, {"mtu", "67"}, -EINVAL, "mtu \"67\": not a number from 68 to 65535"},
	    {{{0}}, {"mtu", "65536"}, -EINVAL, "not a number"},
	    {{{0}}, {"mtu", "1500x"}, -EINVAL, "not a number"},
	    {{{0}}, {"mtu", "-1"}, -EINVAL, "not a number"},
	    {{{0}}, {"dns", "dns.example"}, -EINVAL, "dns \"dns.example\": not an IP address"},
	    {{{0}}, {"dns", "0.0.0.0"}, -EINVAL, "not a usable server"},
	    {{{0}}, {"dns", "10.0.0.1/8"}, -EINVAL, "not an IP address"},
	    {{{0}}, {"dns", "1.1.1.1 1.1.1.1"}, -EINVAL, "server listed twice"},
	    {{{0}}, {"dns", "1.1.1.1 8.8.8.8 9.9.9.9 1.0.0.1"}, -EINVAL, "more than 3 servers"},
	    {{{"dns", "1.1.1.1 8.8.8.8"}},
	     {"dns", "9.9.9.9, 1.0.0.1"},
	     -EINVAL,
	     "more than 3 servers"},
	    {{{0}}, {"search", "bad_domain.example"}, -EINVAL, "not a valid domain name"},
	    {{{0}}, {"search", "-lead.example"}, -EINVAL, "not a valid domain name"},
	    {{{0}}, {"search", "a..b"}, -EINVAL, "not a valid domain name"},
	    {{{0}}, {"search", "a b c d e f g"}, -EINVAL, "more than 6"},
	    {{{0}}, {"search", "lan LAN"}, -EINVAL, "listed twice"},
	    {{{0}},
	     {"hostname", "bad_name"},
	     -EINVAL,
	     "hostname \"bad_name\": not a valid host name"},
	    {{{0}}, {"hostname", "x-"}, -EINVAL, "not a valid host name"},
	    {{{0}}, {"hostname", "a.b."}, -EINVAL, "not a valid host name"},
	    {{{0}},
	     {"hostname", "0123456789012345678901234567890123456789012345678901234567890123456789"},
	     -EINVAL,
	     "not a valid host name"},
	    {{{"hostname", "a"}}, {"hostname", "b"}, -EINVAL, "hostname is set twice"},
	    {{{0}},
	     {"adress", "10.0.2.15/24"},
	     -ENOENT,
	     "unknown key \"adress\" in [net] (did you mean \"address\"?)"},
	    {{{0}}, {"gatway6", "fd00::1"}, -ENOENT, "(did you mean \"gateway6\"?)"},
	    {{{0}}, {"nameserver", "1.1.1.1"}, -ENOENT, "(did you mean \"dns\"?)"},
	    {{{0}}, {"gw", "10.0.2.2"}, -ENOENT, "(did you mean \"gateway\"?)"},
	    {{{0}}, {"Interface", "eth0"}, -ENOENT, "(did you mean \"interface\"?)"},
	    {{{0}}, {"carrier-timeout", "5s"}, -ENOENT, "(did you mean \"carrier_timeout\"?)"},
	    {{{0}}, {"zzzzzzzz", "1"}, -ENOENT, "unknown key \"zzzzzzzz\" in [net]"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_config *c = net_config_new();
		assert_non_null(c);
		char err[256] = "";
		for (size_t j = 0; j < 2 && cases[i].before[j].key; j++)
			assert_int_equal(net_config_set(c, cases[i].before[j].key,
							cases[i].before[j].value, err, sizeof(err)),
					 0);
		int r = net_config_set(c, cases[i].bad.key, cases[i].bad.value, err, sizeof(err));
		if (r != cases[i].ret || !strstr(err, cases[i].expect))
			fail_msg("case %zu (%s = %s): got %d \"%s\", want %d \"...%s...\"", i,
				 cases[i].bad.key, cases[i].bad.value, r, err, cases[i].ret,
				 cases[i].expect);
		if (cases[i].ret == -ENOENT && strstr(cases[i].expect, "zzz"))
			assert_null(strstr(err, "did you mean"));
		net_config_free(c);
	}
}

/* Configurations whose every key is fine but which do not make sense together. */
static void test_check(void **state)
{
	(void)state;
	static const struct {
		struct kv kv[4];
		const char *expect; /* NULL: the check passes */
	} cases[] = {
	    {{{"address", "10.0.2.15/24"}}, "names none: set interface or mac"},
	    {{{"mtu", "1400"}}, "names none"},
	    {{{"mac", "52:54:00:12:34:56"}, {"address", "10.0.2.15/24"}}, NULL},
	    {{{"dns", "1.1.1.1"}}, NULL},
	    {{{"hostname", "vm"}}, NULL},
	    {{{"interface", "eth0"}, {"address", "10.0.2.15/24"}, {"gateway", "10.0.3.1"}},
	     "gateway \"10.0.3.1\": not inside any configured IPv4 subnet"},
	    {{{"interface", "eth0"}, {"address", "fd00::15/64"}, {"gateway", "10.0.2.2"}},
	     "gateway \"10.0.2.2\": no IPv4 address is configured"},
	    {{{"interface", "eth0"}, {"address", "10.0.2.15/24"}, {"gateway6", "fd00::1"}},
	     "gateway6 \"fd00::1\": no IPv6 address"},
	    {{{"interface", "eth0"}, {"address", "fd00::15/64"}, {"gateway6", "fe80::1"}}, NULL},
	    {{{"interface", "eth0"}, {"address", "fd00::15/64"}, {"gateway6", "fd01::1"}},
	     "not inside any configured IPv6 subnet"},
	    {{{"interface", "eth0"}, {"address", "10.0.2.15/24"}, {"gateway", "10.0.2.15"}},
	     "the gateway is this VM's own address"},
	    {{{"interface", "eth0"},
	      {"address", "10.0.2.15/24"},
	      {"gateway", "10.0.2.2"},
	      {"route", "default via 10.0.2.3"}},
	     "route \"default via 10.0.2.3\": duplicate of the default route from gateway"},
	    {{{"interface", "eth0"},
	      {"address", "10.0.2.15/24"},
	      {"gateway", "10.0.2.2"},
	      {"route", "default via 10.0.2.3 metric 50"}},
	     NULL},
	    {{{"interface", "eth0"}, {"address", "10.0.2.15/24"}, {"route", "fd01::/48"}},
	     "no IPv6 address is configured on the interface"},
	    {{{"interface", "eth0"}, {"address", "fd00::15/64"}, {"mtu", "1000"}},
	     "IPv6 needs an MTU of at least 1280"},
	    {{{"search", "lan"}}, "search domains need at least one dns server"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_config *c = net_config_new();
		char err[256] = "";
		for (size_t j = 0; j < 4 && cases[i].kv[j].key; j++)
			assert_int_equal(net_config_set(c, cases[i].kv[j].key, cases[i].kv[j].value,
							err, sizeof(err)),
					 0);
		int r = net_config_check(c, err, sizeof(err));
		if (cases[i].expect == NULL ? r != 0
					    : (r != -EINVAL || !strstr(err, cases[i].expect)))
			fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, r, err,
				 cases[i].expect ? cases[i].expect : "(pass)");
		net_config_free(c);
	}
}

static void test_limits(void **state)
{
	(void)state;
	struct net_config *c = net_config_new();
	char err[256], v[64];
	for (int i = 0; i < NET_MAX_ADDRESSES; i++) {
		snprintf(v, sizeof(v), "10.0.%d.1/24", i);
		assert_int_equal(net_config_set(c, "address", v, err, sizeof(err)), 0);
	}
	assert_int_equal(net_config_set(c, "address", "10.1.0.1/24", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 16 addresses"));
	for (int i = 0; i < NET_MAX_ROUTES; i++) {
		snprintf(v, sizeof(v), "10.%d.0.0/16", 100 + i);
		assert_int_equal(net_config_set(c, "route", v, err, sizeof(err)), 0);
	}
	assert_int_equal(net_config_set(c, "route", "10.200.0.0/16", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 32 routes"));
	/* Over-long values are refused, not truncated. */
	char big[1024];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(net_config_set(c, "route", big, err, sizeof(err)), -EINVAL);
	assert_int_equal(net_config_set(c, "search", big, err, sizeof(err)), -EINVAL);
	/* A tiny error buffer is still NUL-terminated. */
	char tiny[8];
	assert_int_equal(net_config_set(c, "mtu", "1", tiny, sizeof(tiny)), -EINVAL);
	assert_int_equal(strlen(tiny), 7);
	net_config_free(c);
}

static void test_helpers(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("address", "adress"), 1);
	assert_int_equal(suggest_distance("", "dns"), 3);
	assert_int_equal(suggest_distance("MTU", "mtu"), 0);
	struct net_prefix p;
	assert_int_equal(net_prefix_parse("10.0.2.0/23", &p), 0);
	struct net_ip ip;
	assert_int_equal(net_ip_parse("10.0.3.255", &ip), 0);
	assert_true(net_prefix_contains(&p, &ip));
	assert_int_equal(net_ip_parse("10.0.4.0", &ip), 0);
	assert_false(net_prefix_contains(&p, &ip));
	assert_int_equal(net_ip_parse("::ffff:10.0.3.1", &ip), 0);
	assert_false(net_prefix_contains(&p, &ip)); /* different family */
	assert_int_equal(net_hostname_check("a"), 0);
	assert_int_equal(net_hostname_check("a.b-c.d"), 0);
	assert_int_equal(net_hostname_check(""), -EINVAL);
	assert_int_equal(net_hostname_check(".a"), -EINVAL);
	assert_int_equal(net_hostname_check("a-.b"), -EINVAL);
	char buf[128];
	struct net_route r = {0};
	assert_int_equal(net_prefix_parse("10.1.0.0/16", &r.dst), 0);
	r.has_metric = true;
	r.metric = 5;
	assert_string_equal(net_route_format(&r, buf, sizeof(buf)), "10.1.0.0/16 metric 5");

	struct net_config *c = net_config_new();
	assert_int_equal(net_config_set_resolv_paths(c, "relative", NULL), -EINVAL);
	assert_int_equal(net_config_set_resolv_paths(c, "/tmp/r", "etc"), -EINVAL);
	assert_int_equal(net_config_set_resolv_paths(c, "/tmp/r", NULL), 0);
	assert_string_equal(c->resolv_path, "/tmp/r");
	assert_string_equal(c->etc_resolv_path, "");
	net_config_free(c);
	net_config_free(NULL);
}

/* resolv.conf is replaced whole, the symlink made once and left alone after. */
static void test_resolv_write(void **state)
{
	(void)state;
	char dir[] = "/tmp/appvm-net-resolv.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char run[256], etc[256], etcdir[256], cmd[512], target[256];
	snprintf(run, sizeof(run), "%s/run/appvm/resolv.conf", dir);
	snprintf(etcdir, sizeof(etcdir), "%s/etc", dir);
	snprintf(etc, sizeof(etc), "%s/etc/resolv.conf", dir);
	assert_int_equal(mkdir(etcdir, 0755), 0);
	FILE *f = fopen(etc, "w"); /* a plain file there before, as on a fresh image */
	assert_non_null(f);
	fputs("nameserver 192.0.2.1\n", f);
	fclose(f);

	struct net_config *c = net_config_new();
	char err[256] = "";
	assert_int_equal(net_config_set(c, "dns", "10.0.2.3", err, sizeof(err)), 0);
	assert_int_equal(net_config_set_resolv_paths(c, run, etc), 0);
	assert_int_equal(net_resolv_write(c, err, sizeof(err)), 0);
	ssize_t n = readlink(etc, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, run);
	char text[256] = "";
	f = fopen(etc, "r"); /* through the link */
	assert_non_null(f);
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	assert_non_null(strstr(text, "nameserver 10.0.2.3\n"));
	assert_null(strstr(text, "192.0.2.1"));
	struct stat st;
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* Again: same link, no temporary files left in either directory. */
	assert_int_equal(net_resolv_write(c, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "test $( (ls -A %s/run/appvm; ls -A %s/etc) | wc -l) -eq 2", dir,
		 dir);
	assert_int_equal(system(cmd), 0);

	/* A directory that cannot be created gives an error naming the file. */
	assert_int_equal(net_config_set_resolv_paths(c, "/proc/appvm-no/resolv.conf", NULL), 0);
	assert_true(net_resolv_write(c, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "dns: write /proc/appvm-no/resolv.conf: "));
	net_config_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_config),	 cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_bad_values),	 cmocka_unit_test(test_check),
	    cmocka_unit_test(test_limits),	 cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_resolv_write),
	};
	return cmocka_run_group_tests_name("net_config", tests, NULL, NULL);
}
