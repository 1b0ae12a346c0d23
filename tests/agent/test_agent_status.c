/* The status parsers (agent/status.c): /proc text and getifaddrs() entries
 * in, fields out, with malformed input of every kind. (The stores come from
 * init: test_agent_policy.c, test_agent_init.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "status.h"

static void test_meminfo(void **state)
{
	(void)state;
	uint64_t t = 1, a = 1;
	assert_int_equal(agent_parse_meminfo("MemTotal:       24684084 kB\n"
					     "MemFree:        22935404 kB\n"
					     "MemAvailable:   24138984 kB\n"
					     "Buffers:          123 kB\n",
					     &t, &a),
			 0);
	assert_int_equal(t, 24684084u);
	assert_int_equal(a, 24138984u);

	/* Old kernels have no MemAvailable. */
	assert_int_equal(agent_parse_meminfo("MemTotal: 1000 kB\nMemFree: 10 kB\n", &t, &a), 0);
	assert_int_equal(t, 1000);
	assert_int_equal(a, 0);

	/* Order does not matter; a key that merely starts the same does not count. */
	assert_int_equal(
	    agent_parse_meminfo("MemAvailableX: 5 kB\nMemAvailable: 7 kB\nMemTotal: 9 kB", &t, &a),
	    0);
	assert_int_equal(t, 9);
	assert_int_equal(a, 7);

	static const char *const bad[] = {
	    "",
	    "MemFree: 10 kB\n",
	    "MemTotal: kB\n",
	    "MemTotal: 12\n",
	    "MemTotal: 12 MB\n",
	    "MemTotal: -12 kB\n",
	    "MemTotal: 99999999999999999999 kB\n",
	    "MemTotal: 12 kB\nMemAvailable: x kB\n",
	    "MemTotal 12 kB\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = a = 42;
		if (agent_parse_meminfo(bad[i], &t, &a) != -EBADMSG)
			fail_msg("meminfo case %zu accepted", i);
		assert_int_equal(t, 42);
	}
}

static void test_loadavg(void **state)
{
	(void)state;
	uint32_t l[3];
	assert_int_equal(agent_parse_loadavg("1.80 1.72 1.00 4/104 19268\n", l), 0);
	assert_int_equal(l[0], 1800);
	assert_int_equal(l[1], 1720);
	assert_int_equal(l[2], 1000);
	assert_int_equal(agent_parse_loadavg("0.00 0.05 123.45", l), 0);
	assert_int_equal(l[0], 0);
	assert_int_equal(l[1], 50);
	assert_int_equal(l[2], 123450);
	/* More digits than thousandths are dropped; a huge load saturates. */
	assert_int_equal(agent_parse_loadavg("0.1239 5 9999999999.0 1/1 1", l), 0);
	assert_int_equal(l[0], 123);
	assert_int_equal(l[1], 5000);
	assert_int_equal(l[2], UINT32_MAX);

	static const char *const bad[] = {
	    "",	      "1.0 2.0", "1.0  2.0 3.0", "a 1 2",  "1. 2 3",
	    ".5 1 2", "1,5 1 2", "1 2 3x",	 "-1 2 3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l[0] = 77;
		if (agent_parse_loadavg(bad[i], l) != -EBADMSG)
			fail_msg("loadavg case %zu (\"%s\") accepted", i, bad[i]);
		assert_int_equal(l[0], 77);
	}
}

static void test_uptime(void **state)
{
	(void)state;
	uint64_t ms;
	assert_int_equal(agent_parse_uptime("959.45 865.21\n", &ms), 0);
	assert_int_equal(ms, 959450);
	assert_int_equal(agent_parse_uptime("0.01 0.00", &ms), 0);
	assert_int_equal(ms, 10);
	assert_int_equal(agent_parse_uptime("12", &ms), 0);
	assert_int_equal(ms, 12000);
	static const char *const bad[] = {"", " 1.0", "x", "1.x 2", "1e5 2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(agent_parse_uptime(bad[i], &ms), -EBADMSG);
}

static void test_addrs(void **state)
{
	(void)state;
	struct sockaddr_in a4 = {.sin_family = AF_INET}, m4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6}, m6 = {.sin6_family = AF_INET6};
	struct proto_addr r;
	inet_pton(AF_INET, "10.0.2.15", &a4.sin_addr);
	inet_pton(AF_INET, "255.255.255.0", &m4.sin_addr);
	inet_pton(AF_INET6, "fec0::15", &a6.sin6_addr);
	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff::", &m6.sin6_addr);

	assert_true(agent_addr_from_ifaddr("eth0", IFF_UP, (struct sockaddr *)&a4,
					   (struct sockaddr *)&m4, &r));
	assert_int_equal(r.family, 4);
	assert_int_equal(r.prefix, 24);
	assert_memory_equal(r.addr, "\x0a\x00\x02\x0f", 4);
	assert_int_equal(r.ifname.len, 4);

	assert_true(agent_addr_from_ifaddr("eth0", IFF_UP, (struct sockaddr *)&a6,
					   (struct sockaddr *)&m6, &r));
	assert_int_equal(r.family, 6);
	assert_int_equal(r.prefix, 64);
	assert_memory_equal(r.addr, &a6.sin6_addr, 16);

	/* A /32 and a missing mask (prefix 0). */
	inet_pton(AF_INET, "255.255.255.255", &m4.sin_addr);
	assert_true(
	    agent_addr_from_ifaddr("wg0", 0, (struct sockaddr *)&a4, (struct sockaddr *)&m4, &r));
	assert_int_equal(r.prefix, 32);
	assert_true(agent_addr_from_ifaddr("wg0", 0, (struct sockaddr *)&a4, NULL, &r));
	assert_int_equal(r.prefix, 0);

	/* Left out: loopback, no address, other families, bad names. */
	assert_false(agent_addr_from_ifaddr("lo", IFF_LOOPBACK | IFF_UP, (struct sockaddr *)&a4,
					    (struct sockaddr *)&m4, &r));
	assert_false(agent_addr_from_ifaddr("eth0", 0, NULL, NULL, &r));
	struct sockaddr other = {.sa_family = AF_UNIX};
	assert_false(agent_addr_from_ifaddr("eth0", 0, &other, NULL, &r));
	assert_false(
	    agent_addr_from_ifaddr("a-very-long-ifnam", 0, (struct sockaddr *)&a4, NULL, &r));
	assert_false(agent_addr_from_ifaddr("", 0, (struct sockaddr *)&a4, NULL, &r));
	assert_false(agent_addr_from_ifaddr(NULL, 0, (struct sockaddr *)&a4, NULL, &r));
	assert_false(agent_addr_from_ifaddr("e\x01", 0, (struct sockaddr *)&a4, NULL, &r));
	assert_true(agent_addr_from_ifaddr("fifteen-chars-x", 0, (struct sockaddr *)&a4, NULL, &r));
}

static void test_name_ok(void **state)
{
	(void)state;
	assert_true(agent_name_ok("", 0));
	assert_true(agent_name_ok("vm-1", 4));
	assert_true(agent_name_ok("b\xc3\xa4r", 4));
	assert_false(agent_name_ok("a\tb", 3));
	assert_false(agent_name_ok("\x7f", 1));
	assert_false(agent_name_ok("\xed\xa0\x80", 3));
	char big[300];
	memset(big, 'a', sizeof(big));
	assert_true(agent_name_ok(big, 256));
	assert_false(agent_name_ok(big, 257));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_meminfo), cmocka_unit_test(test_loadavg),
	    cmocka_unit_test(test_uptime),  cmocka_unit_test(test_addrs),
	    cmocka_unit_test(test_name_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
