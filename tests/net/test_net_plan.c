/* The planning of net_apply (net/plan.c): which interface, what conflicts,
 * which changes in which order, and the exact requests, from a
 * configuration and the kernel's state as the dumps report it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net.h"
#include "plan.h"

static const uint8_t MAC0[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t MAC1[6] = {0x52, 0x54, 0x00, 0x99, 0x99, 0x99};

/* A configuration from "key=value" lines, checked as a whole. */
static struct net_config *config(const char *const *kv)
{
	struct net_config *c = net_config_new();
	assert_non_null(c);
	char err[256];
	for (; *kv; kv++) {
		char key[64];
		const char *eq = strchr(*kv, '=');
		assert_non_null(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *kv), *kv);
		if (net_config_set(c, key, eq + 1, err, sizeof(err)) < 0)
			fail_msg("%s: %s", *kv, err);
	}
	if (net_config_check(c, err, sizeof(err)) < 0)
		fail_msg("check: %s", err);
	return c;
}

static struct nl_link mklink(int index, const char *name, const uint8_t *mac, unsigned int flags,
			     uint32_t mtu)
{
	struct nl_link l = {.index = index, .flags = flags, .mtu = mtu, .carrier = -1};
	snprintf(l.name, sizeof(l.name), "%s", name);
	if (mac) {
		memcpy(l.mac, mac, 6);
		l.mac_len = 6;
	}
	return l;
}

/* The links of the test machine: lo (1), eth0 (2, MAC0), eth1 (3, MAC1). */
static void add_links(struct net_plan *p, unsigned int lo_flags, unsigned int eth0_flags,
		      uint32_t eth0_mtu)
{
	net_plan_links_reset(p);
	struct nl_link l = mklink(1, "lo", NULL, lo_flags, 65536);
	net_plan_add_link(&l, p);
	l = mklink(2, "eth0", MAC0, eth0_flags, eth0_mtu);
	net_plan_add_link(&l, p);
	l = mklink(3, "eth1", MAC1, 0, 1500);
	net_plan_add_link(&l, p);
}

/* A plan for conf on the test machine's links, whose device was found. */
static struct net_config *plan_on_links(struct net_plan *p, const char *const *conf,
					unsigned int lo_flags, unsigned int eth0_flags,
					uint32_t eth0_mtu)
{
	struct net_config *c = config(conf);
	char err[256] = "";
	net_plan_init(p, c);
	add_links(p, lo_flags, eth0_flags, eth0_mtu);
	if (net_plan_links_check(p, err, sizeof(err)) < 0)
		fail_msg("links: %s", err);
	assert_true(p->have_dev);
	return c;
}

static struct nl_addr addr4(int index, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
			    unsigned int prefix)
{
	struct nl_addr x = {.index = index, .family = AF_INET, .prefix = prefix};
	x.addr[0] = a;
	x.addr[1] = b;
	x.addr[2] = c;
	x.addr[3] = d;
	return x;
}

static struct nl_route route4(int oif, const uint8_t dst[4], unsigned int dst_len,
			      const uint8_t *gw, uint32_t priority)
{
	struct nl_route r = {.family = AF_INET,
			     .dst_len = dst_len,
			     .oif = oif,
			     .priority = priority,
			     .table = RT_TABLE_MAIN,
			     .type = RTN_UNICAST};
	memcpy(r.dst, dst, 4);
	if (gw) {
		memcpy(r.gw, gw, 4);
		r.has_gw = true;
	}
	return r;
}

static const char *const full_conf[] = {
    "mac=52:54:00:12:34:56",
    "mtu=1400",
    "address=10.0.2.15/24, fd00::15/64",
    "gateway=10.0.2.2",
    "gateway6=fd00::2",
    "route=10.77.0.0/16",
    NULL,
};

/* A fresh VM: every change is needed, in this order. */
static void test_fresh_plan(void **state)
{
	(void)state;
	struct net_plan p;
	char err[256] = "";
	struct net_config *c = plan_on_links(&p, full_conf, 0, 0, 1500);
	assert_int_equal(p.n_routes, 3);
	assert_string_equal(p.routes[0].key, "gateway");
	assert_string_equal(p.routes[1].key, "gateway6");
	assert_string_equal(p.routes[2].key, "route");
	assert_true(p.have_dev);
	assert_string_equal(p.dev.name, "eth0");
	net_plan_addrs_reset(&p);
	net_plan_routes_reset(&p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), 0);

	struct net_action a[NET_PLAN_MAX_ACTIONS];
	size_t n = net_plan_actions(&p, a);
	static const char *const want[] = {
	    "bring up lo",
	    "mtu \"1400\": set MTU on eth0",
	    "add address 10.0.2.15/24 on eth0",
	    "add address fd00::15/64 on eth0",
	    "bring up eth0",
	    "add route default via 10.0.2.2 (gateway) on eth0",
	    "add route default via fd00::2 (gateway6) on eth0",
	    "add route 10.77.0.0/16 (route) on eth0",
	};
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		char what[192];
		net_plan_describe(&p, &a[i], what, sizeof(what));
		assert_string_equal(what, want[i]);
	}
	net_config_free(c);
}

/* The same state applied again: nothing to do. */
static void test_nothing_to_do(void **state)
{
	(void)state;
	struct net_plan p;
	char err[256] = "";
	struct net_config *c = plan_on_links(&p, full_conf, IFF_UP, IFF_UP, 1400);

	net_plan_addrs_reset(&p);
	struct nl_addr a = addr4(2, 10, 0, 2, 15, 24);
	net_plan_add_addr(&a, &p);
	struct nl_addr a6 = {.index = 2, .family = AF_INET6, .prefix = 64};
	a6.addr[0] = 0xfd;
	a6.addr[15] = 0x15;
	net_plan_add_addr(&a6, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), 0);

	net_plan_routes_reset(&p);
	static const uint8_t any[4], gw[4] = {10, 0, 2, 2}, dst[4] = {10, 77, 0, 0};
	struct nl_route r = route4(2, any, 0, gw, 0);
	net_plan_add_route(&r, &p);
	r = route4(2, dst, 16, NULL, 0);
	net_plan_add_route(&r, &p);
	/* An IPv6 route without a metric is stored with 1024. */
	struct nl_route r6 = {.family = AF_INET6,
			      .oif = 2,
			      .has_gw = true,
			      .priority = 1024,
			      .table = RT_TABLE_MAIN,
			      .type = RTN_UNICAST};
	r6.gw[0] = 0xfd;
	r6.gw[15] = 2;
	net_plan_add_route(&r6, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), 0);

	struct net_action acts[NET_PLAN_MAX_ACTIONS];
	assert_int_equal(net_plan_actions(&p, acts), 0);

	/* An interrupted dump is read again: what it delivered is forgotten. */
	net_plan_addrs_reset(&p);
	net_plan_routes_reset(&p);
	assert_int_equal(net_plan_actions(&p, acts), 5); /* two addresses, three routes */
	net_config_free(c);
}

static const char *const gw_conf[] = {"interface=eth0", "address=10.0.2.15/24", "gateway=10.0.2.2",
				      NULL};

/* Routes of other tables, types and metrics are not ours; other devices'
 * addresses neither. */
static void test_what_is_ignored(void **state)
{
	(void)state;
	struct net_plan p;
	char err[256] = "";
	struct net_config *c = plan_on_links(&p, gw_conf, IFF_UP, IFF_UP, 1500);
	net_plan_addrs_reset(&p);
	struct nl_addr a = addr4(3, 10, 0, 2, 15, 16); /* eth1's, another prefix */
	net_plan_add_addr(&a, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), 0);
	net_plan_routes_reset(&p);
	static const uint8_t any[4], other[4] = {10, 0, 2, 9};
	struct nl_route r = route4(2, any, 0, other, 0);
	r.table = RT_TABLE_LOCAL;
	net_plan_add_route(&r, &p);
	r = route4(2, any, 0, other, 0);
	r.type = RTN_BLACKHOLE;
	net_plan_add_route(&r, &p);
	r = route4(2, any, 0, other, 100); /* another metric: another slot */
	net_plan_add_route(&r, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), 0);
	struct net_action acts[NET_PLAN_MAX_ACTIONS];
	assert_int_equal(net_plan_actions(&p, acts), 2); /* the address and the route */
	net_config_free(c);
}

static void test_conflicts(void **state)
{
	(void)state;
	struct net_plan p;
	char err[256] = "";
	struct net_config *c = plan_on_links(&p, gw_conf, IFF_UP, IFF_UP, 1500);

	net_plan_addrs_reset(&p);
	struct nl_addr a = addr4(2, 10, 0, 2, 15, 16);
	net_plan_add_addr(&a, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "address \"10.0.2.15/24\": eth0 already has 10.0.2.15/16");
	net_plan_addrs_reset(&p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), 0);

	static const uint8_t any[4], other[4] = {10, 0, 2, 3};
	net_plan_routes_reset(&p);
	struct nl_route r = route4(2, any, 0, other, 0);
	net_plan_add_route(&r, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "gateway \"default via 10.0.2.2\": conflicts with existing "
				 "route default via 10.0.2.3 on eth0");
	/* The first conflict is the one reported. */
	r = route4(7, any, 0, NULL, 0);
	net_plan_add_route(&r, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "10.0.2.3 on eth0"));
	net_plan_routes_reset(&p);
	net_plan_add_route(&r, &p);
	assert_int_equal(net_plan_conflict(&p, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "gateway \"default via 10.0.2.2\": conflicts with existing "
				 "route default on interface #7");
	net_config_free(c);
}

struct link_case {
	const char *conf[3];
	bool no_lo;
	int want;
	const char *err;
};

static void test_which_interface(void **state)
{
	(void)state;
	static const struct link_case cases[] = {
	    {{"interface=eth1", NULL}, false, 0, NULL},
	    {{"mac=52:54:00:99:99:99", NULL}, false, 0, NULL},
	    {{"interface=eth1", "mac=52:54:00:99:99:99"}, false, 0, NULL},
	    {{"interface=eth7", NULL},
	     false,
	     -ENODEV,
	     "interface \"eth7\": no such interface (found: eth0 52:54:00:12:34:56, eth1 "
	     "52:54:00:99:99:99)"},
	    {{"mac=52:54:00:00:00:01", NULL},
	     false,
	     -ENODEV,
	     "mac \"52:54:00:00:00:01\": no interface has this MAC (found: eth0 "
	     "52:54:00:12:34:56, eth1 52:54:00:99:99:99)"},
	    {{"interface=eth0", "mac=52:54:00:99:99:99"},
	     false,
	     -ENODEV,
	     "mac \"52:54:00:99:99:99\": belongs to another interface than eth0 (found: eth0 "
	     "52:54:00:12:34:56, eth1 52:54:00:99:99:99)"},
	    {{"interface=eth7", "mac=52:54:00:00:00:01"},
	     false,
	     -ENODEV,
	     "interface \"eth7\" with mac \"52:54:00:00:00:01\": no such interface (found: "
	     "eth0 52:54:00:12:34:56, eth1 52:54:00:99:99:99)"},
	    {{"hostname=vm", NULL}, true, -ENODEV, "no loopback interface"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *conf[3] = {cases[i].conf[0], cases[i].conf[1], NULL};
		struct net_config *c = config(conf);
		struct net_plan p;
		char err[256] = "";
		net_plan_init(&p, c);
		add_links(&p, IFF_UP, 0, 1500);
		if (cases[i].no_lo)
			p.have_lo = false;
		int r = net_plan_links_check(&p, err, sizeof(err));
		if (r != cases[i].want)
			fail_msg("case %zu: %d (%s), want %d", i, r, err, cases[i].want);
		if (cases[i].err)
			assert_string_equal(err, cases[i].err);
		else
			assert_string_equal(p.dev.name, "eth1");
		net_config_free(c);
	}

	/* Two interfaces with the configured MAC: interface must say which. */
	static const char *const conf[] = {"mac=52:54:00:12:34:56", NULL};
	struct net_config *c = config(conf);
	struct net_plan p;
	char err[256] = "";
	net_plan_init(&p, c);
	add_links(&p, IFF_UP, 0, 1500);
	struct nl_link twin = mklink(4, "eth2", MAC0, 0, 1500);
	net_plan_add_link(&twin, &p);
	assert_int_equal(net_plan_links_check(&p, err, sizeof(err)), -ENOTUNIQ);
	assert_string_equal(err, "mac \"52:54:00:12:34:56\": 2 interfaces have this MAC; set "
				 "interface too");
	/* An interrupted link dump starts over. */
	add_links(&p, IFF_UP, 0, 1500);
	assert_int_equal(net_plan_links_check(&p, err, sizeof(err)), 0);
	net_config_free(c);

	/* Nothing but lo: only lo is brought up. */
	static const char *const lo_only[] = {"hostname=vm", NULL};
	c = config(lo_only);
	net_plan_init(&p, c);
	net_plan_links_reset(&p);
	struct nl_link lo = mklink(1, "lo", NULL, 0, 65536);
	net_plan_add_link(&lo, &p);
	assert_int_equal(net_plan_links_check(&p, err, sizeof(err)), 0);
	assert_false(p.have_dev);
	struct net_action acts[NET_PLAN_MAX_ACTIONS];
	assert_int_equal(net_plan_actions(&p, acts), 1);
	assert_int_equal(acts[0].kind, NET_ACT_LO_UP);
	net_config_free(c);
}

/* The attribute of type in request m, or NULL. */
static const struct rtattr *attr(const struct nl_msg *m, size_t hdrlen, uint16_t type)
{
	const struct rtattr *tb[RTA_MAX + 1];
	size_t off = NLMSG_SPACE(hdrlen);
	assert_int_equal(nl_attr_parse(m->buf + off, m->hdr->nlmsg_len - off, tb, RTA_MAX), 0);
	return tb[type];
}

static void test_requests(void **state)
{
	(void)state;
	static const char *const conf[] = {"interface=eth0", "mtu=1400",
					   "address=10.0.2.15/24, fd00::15/64",
					   "route=10.77.0.0/16 via 10.0.2.3 metric 20", NULL};
	struct net_plan p;
	struct net_config *c = plan_on_links(&p, conf, 0, 0, 1500);
	uint32_t buf[64];
	struct nl_msg m;

	struct net_action a = {NET_ACT_LO_UP, 0};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr->nlmsg_type, RTM_NEWLINK);
	struct ifinfomsg ifi;
	memcpy(&ifi, NLMSG_DATA(m.hdr), sizeof(ifi));
	assert_int_equal(ifi.ifi_index, 1);
	assert_int_equal(ifi.ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifi.ifi_change, IFF_UP);
	assert_int_equal(net_plan_request(&p, &a, true, &m, buf, sizeof(buf)), -EINVAL);

	a = (struct net_action){NET_ACT_MTU, 0};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, sizeof(buf)), 0);
	memcpy(&ifi, NLMSG_DATA(m.hdr), sizeof(ifi));
	assert_int_equal(ifi.ifi_index, 2);
	assert_int_equal(ifi.ifi_change, 0); /* the MTU alone: the link stays as it is */
	const struct rtattr *mtu = attr(&m, sizeof(struct ifinfomsg), IFLA_MTU);
	assert_non_null(mtu);
	assert_int_equal(*(const uint32_t *)nl_attr_data(mtu), 1400);

	a = (struct net_action){NET_ACT_ADDR, 1};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(m.hdr->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg ifa;
	memcpy(&ifa, NLMSG_DATA(m.hdr), sizeof(ifa));
	assert_int_equal(ifa.ifa_family, AF_INET6);
	assert_int_equal(ifa.ifa_prefixlen, 64);
	assert_int_equal(ifa.ifa_index, 2);
	assert_int_equal(ifa.ifa_flags, IFA_F_NODAD); /* no DAD delay for the VM's own address */
	const struct rtattr *local = attr(&m, sizeof(ifa), IFA_LOCAL);
	assert_non_null(local);
	assert_int_equal(nl_attr_len(local), 16);
	assert_memory_equal(nl_attr_data(local), c->addresses[1].ip.addr, 16);
	/* The undo of an address deletes it, and only it. */
	assert_int_equal(net_plan_request(&p, &a, true, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr->nlmsg_type, RTM_DELADDR);
	assert_int_equal(m.hdr->nlmsg_flags, NLM_F_REQUEST);

	a = (struct net_action){NET_ACT_ROUTE, 0};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr->nlmsg_type, RTM_NEWROUTE);
	struct rtmsg rtm;
	memcpy(&rtm, NLMSG_DATA(m.hdr), sizeof(rtm));
	assert_int_equal(rtm.rtm_dst_len, 16);
	assert_int_equal(rtm.rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm.rtm_protocol, RTPROT_STATIC);
	assert_int_equal(rtm.rtm_scope, RT_SCOPE_UNIVERSE);
	static const uint8_t gw[4] = {10, 0, 2, 3}, dst[4] = {10, 77, 0, 0};
	assert_memory_equal(nl_attr_data(attr(&m, sizeof(rtm), RTA_GATEWAY)), gw, 4);
	assert_memory_equal(nl_attr_data(attr(&m, sizeof(rtm), RTA_DST)), dst, 4);
	assert_int_equal(*(const uint32_t *)nl_attr_data(attr(&m, sizeof(rtm), RTA_OIF)), 2);
	assert_int_equal(*(const uint32_t *)nl_attr_data(attr(&m, sizeof(rtm), RTA_PRIORITY)), 20);
	assert_int_equal(net_plan_request(&p, &a, true, &m, buf, sizeof(buf)), 0);
	assert_int_equal(m.hdr->nlmsg_type, RTM_DELROUTE);

	/* Out of range, out of room. */
	a = (struct net_action){NET_ACT_ROUTE, 5};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, sizeof(buf)), -EINVAL);
	a = (struct net_action){NET_ACT_ADDR, 2};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, sizeof(buf)), -EINVAL);
	a = (struct net_action){NET_ACT_ADDR, 0};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, 36), -ENOBUFS);
	net_config_free(c);
}

/* An on-link IPv4 route has link scope and no gateway. */
static void test_on_link_route(void **state)
{
	(void)state;
	static const char *const conf[] = {"interface=eth0", "address=10.0.2.15/24",
					   "route=10.77.0.0/16", NULL};
	struct net_plan p;
	struct net_config *c = plan_on_links(&p, conf, IFF_UP, IFF_UP, 1500);
	uint32_t buf[64];
	struct nl_msg m;
	struct net_action a = {NET_ACT_ROUTE, 0};
	assert_int_equal(net_plan_request(&p, &a, false, &m, buf, sizeof(buf)), 0);
	struct rtmsg rtm;
	memcpy(&rtm, NLMSG_DATA(m.hdr), sizeof(rtm));
	assert_int_equal(rtm.rtm_scope, RT_SCOPE_LINK);
	assert_null(attr(&m, sizeof(rtm), RTA_GATEWAY));
	assert_null(attr(&m, sizeof(rtm), RTA_PRIORITY));

	net_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fresh_plan),	    cmocka_unit_test(test_nothing_to_do),
	    cmocka_unit_test(test_what_is_ignored), cmocka_unit_test(test_conflicts),
	    cmocka_unit_test(test_which_interface), cmocka_unit_test(test_requests),
	    cmocka_unit_test(test_on_link_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
