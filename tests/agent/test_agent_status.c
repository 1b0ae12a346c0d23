/* The status parsers (agent/status.c): /proc text in, fields out, with
 * malformed input of every kind. */
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

static const char mountinfo[] =
    "22 1 0:21 / /proc rw,relatime - proc proc rw\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "30 27 254:16 / /run/stores/base ro,relatime shared:1 - erofs /dev/vdb ro\n"
    "31 27 254:32 / /run/stores/my\\040apps ro,relatime - squashfs /dev/vdc ro\n"
    "32 27 0:40 / /run/stores/docs ro,nosuid master:3 shared:4 - virtiofs docs rw\n"
    "33 27 254:48 / /var/lib/appvm rw,relatime - ext4 /dev/vdd rw\n"
    "34 27 254:48 /sub /home/user rw,relatime - ext4 /dev/vdd rw\n"
    "35 27 0:50 / /tmp rw - tmpfs tmpfs rw\n"
    "garbage line\n"
    "36 27 254:16 / /run/stores/base ro,relatime - erofs /dev/vde ro\n"
    "37 27 254:64 / /run/stores/bad\\012name ro - erofs /dev/vdf ro\n"
    "38 27 254:80 / /run/stores/ ro - erofs /dev/vdg ro\n"
    "39 27 254:96 / /run/nodash ro erofs /dev/vdh ro\n"
    "40 27 0:51 / /mnt/share ro - virtiofs tag ro";

static void expect_store(const struct proto_store *s, const char *name, const char *path, int w)
{
	assert_int_equal(s->name.len, strlen(name));
	assert_memory_equal(s->name.ptr, name, s->name.len);
	assert_int_equal(s->mount_point.len, strlen(path));
	assert_memory_equal(s->mount_point.ptr, path, s->mount_point.len);
	assert_int_equal(s->writable, w);
}

static void test_mountinfo(void **state)
{
	(void)state;
	char text[sizeof(mountinfo)];
	struct proto_store stores[8];
	memcpy(text, mountinfo, sizeof(text));
	uint16_t n = agent_stores_from_mountinfo(text, stores, 8);
	assert_int_equal(n, 5);
	/* base was mounted over (line 36): reported once, in its first place. */
	expect_store(&stores[0], "base", "/run/stores/base", 0);
	expect_store(&stores[1], "my apps", "/run/stores/my apps", 0);
	expect_store(&stores[2], "docs", "/run/stores/docs", 0);
	expect_store(&stores[3], "state", "/var/lib/appvm", 1);
	/* Left out: a name with a control character, "/run/stores/" (no name),
	 * the bind mount of /sub, and the malformed lines. */
	expect_store(&stores[4], "share", "/mnt/share", 0);
}

static void test_mountinfo_limit(void **state)
{
	(void)state;
	char text[sizeof(mountinfo)];
	struct proto_store stores[2];
	memcpy(text, mountinfo, sizeof(text));
	assert_int_equal(agent_stores_from_mountinfo(text, stores, 2), 2);
	char empty[] = "";
	assert_int_equal(agent_stores_from_mountinfo(empty, stores, 2), 0);
}

static void test_mountinfo_lines(void **state)
{
	(void)state;
	struct agent_mount m;
	char ok[] = "1 2 3:4 /r /m\\011x ro,x opt:1 opt:2 - erofs src\\134 ro\n";
	char *cur = ok;
	assert_int_equal(agent_mountinfo_next(&cur, &m), 1);
	assert_string_equal(m.root, "/r");
	assert_string_equal(m.mount_point, "/m\tx");
	assert_string_equal(m.fstype, "erofs");
	assert_string_equal(m.source, "src\\");
	assert_true(m.read_only);
	assert_int_equal(agent_mountinfo_next(&cur, &m), 0);

	char rw[] = "1 2 3:4 / /m rw,nosuid,ro_x - ext4 /dev/x ro";
	cur = rw;
	assert_int_equal(agent_mountinfo_next(&cur, &m), 1);
	assert_false(m.read_only); /* "ro" among the super block options does not count */

	static const char *const bad[] = {
	    "1 2 3:4 / /m ro erofs src ro", /* no separator */
	    "1 2 3:4 / /m ro -",	    /* nothing after it */
	    "1 2 3:4 / /m ro - erofs",	    /* no source */
	    "1 2 3:4 /",		    /* too few fields */
	    " ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "%s\nnext", bad[i]);
		cur = line;
		if (agent_mountinfo_next(&cur, &m) != -EBADMSG)
			fail_msg("mountinfo line %zu accepted", i);
		assert_string_equal(cur, "next"); /* the cursor moved past it */
	}
}

static void test_mount_store_rules(void **state)
{
	(void)state;
	static const struct {
		const char *root, *mp, *fstype;
		bool ro;
		int is_store;
		const char *name;
	} cases[] = {
	    {"/", "/run/stores/base", "erofs", true, 1, "base"},
	    {"/", "/opt/x", "squashfs", true, 1, "x"},
	    {"/", "/opt/ext", "ext4", true, 1, "ext"},
	    {"/", "/data", "virtiofs", false, 1, "state"},
	    {"/", "/var/lib/appvm", "ext4", false, 1, "state"},
	    {"/", "/", "ext4", false, 0, NULL},
	    {"/", "/", "erofs", true, 0, NULL},
	    {"/dir", "/bind", "ext4", false, 0, NULL},
	    {"/", "/tmp", "tmpfs", false, 0, NULL},
	    {"/", "/proc", "proc", false, 0, NULL},
	    {"/", "relative", "erofs", true, 0, NULL},
	    {"/", "/run/stores/\x7f", "erofs", true, 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct agent_mount m = {cases[i].root, cases[i].mp, cases[i].fstype, "src",
					cases[i].ro};
		struct proto_store s;
		bool got = agent_mount_store(&m, &s);
		if (got != (cases[i].is_store != 0))
			fail_msg("case %zu (%s %s): got %d", i, cases[i].mp, cases[i].fstype, got);
		if (got) {
			assert_int_equal(s.name.len, strlen(cases[i].name));
			assert_memory_equal(s.name.ptr, cases[i].name, s.name.len);
			assert_int_equal(s.writable, cases[i].ro ? 0 : 1);
		}
	}
}

static void test_stores_from_init(void **state)
{
	(void)state;
	char reply[] = "ok\n"
		       "service app running 5 0\n"
		       "store usr ro /usr\n"
		       "store apps ro /opt/my\\040apps\n"
		       "store state rw /var/lib/appvm\n"
		       "store bad xx /x\n"     /* neither ro nor rw */
		       "store noslash ro x\n"  /* not a path */
		       "store extra ro /a b\n" /* five words */
		       "store short ro\n"
		       "store bad\001name ro /y\n" /* control character in the name */
		       "stores x ro /z\n"
		       "app-exit none\n"
		       "end\n";
	struct proto_store st[8];
	uint16_t n = agent_stores_from_init(reply, st, 8);
	assert_int_equal(n, 3);
	expect_store(&st[0], "usr", "/usr", 0);
	expect_store(&st[1], "apps", "/opt/my apps", 0);
	expect_store(&st[2], "state", "/var/lib/appvm", 1);

	char two[] = "store a ro /a\nstore b ro /b\nstore c ro /c\n";
	assert_int_equal(agent_stores_from_init(two, st, 2), 2);
	char none[] = "ok\napp-exit none\nshutdown no\nend\n";
	assert_int_equal(agent_stores_from_init(none, st, 8), 0);
	char empty[] = "";
	assert_int_equal(agent_stores_from_init(empty, st, 8), 0);
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
	    cmocka_unit_test(test_meminfo),
	    cmocka_unit_test(test_loadavg),
	    cmocka_unit_test(test_uptime),
	    cmocka_unit_test(test_mountinfo),
	    cmocka_unit_test(test_mountinfo_limit),
	    cmocka_unit_test(test_mountinfo_lines),
	    cmocka_unit_test(test_mount_store_rules),
	    cmocka_unit_test(test_stores_from_init),
	    cmocka_unit_test(test_addrs),
	    cmocka_unit_test(test_name_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
