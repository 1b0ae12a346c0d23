/* The dump driver (nl_dump.c) and appvm-net show (show.c) over scripted
 * kernel replies (fake_nl_sock.c): a dump the kernel marks interrupted is
 * read again from the start, what the interrupted one delivered is
 * forgotten, and after NL_DUMP_ATTEMPTS interruptions the caller gets a
 * clear error instead of an inconsistent table. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_nl_sock.h"
#include "net.h"
#include "nl_sock.h"

static const uint8_t ip_lo[4] = {127, 0, 0, 1}, ip_vm[4] = {10, 0, 2, 15}, gw[4] = {10, 0, 2, 2},
		     any[4] = {0};

/* What a dump delivered to the code above the driver. */
struct collect {
	int resets;
	int messages; /* since the last reset */
	int total;    /* over every attempt */
};

static int collect_link(const struct nl_link *l, void *ctx)
{
	(void)l;
	struct collect *c = ctx;
	c->messages++;
	c->total++;
	return 0;
}

static void collect_reset(void *ctx)
{
	struct collect *c = ctx;
	c->resets++;
	c->messages = 0;
}

/* A link dump of n links (lo, eth0, eth1...), the first message flagged. */
static void link_dump(int n, uint16_t first_flags)
{
	static const char *const names[] = {"lo", "eth0", "eth1", "eth2"};
	fake_nl_response();
	for (int i = 0; i < n; i++)
		fake_nl_link(i == 0 ? first_flags : 0, i + 1, names[i], IFF_UP);
	fake_nl_done(0, 0);
}

static void test_retry_after_interruption(void **state)
{
	(void)state;
	fake_nl_reset();
	link_dump(2, NLM_F_DUMP_INTR); /* the table changed under the dump */
	link_dump(3, 0);
	struct nl_sock s;
	assert_int_equal(nl_sock_open(&s, 0), 0);
	struct collect c = {0};
	struct nl_handler hd = {.link = collect_link, .reset = collect_reset, .ctx = &c};
	assert_int_equal(nl_sock_dump(&s, RTM_GETLINK, AF_UNSPEC, &hd), 0);
	assert_int_equal(c.resets, 2);
	assert_int_equal(c.messages, 3); /* only the second, consistent dump counts */
	assert_int_equal(c.total, 5);
	assert_int_equal(fake_nl_requests(), 2);
	assert_int_equal(fake_nl_request_type(0), RTM_GETLINK);
	assert_int_equal(fake_nl_request_type(1), RTM_GETLINK);
	assert_int_equal(fake_nl_unused(), 0);
	nl_sock_close(&s);
}

static void test_gives_up(void **state)
{
	(void)state;
	fake_nl_reset();
	for (int i = 0; i < NL_DUMP_ATTEMPTS; i++)
		link_dump(1, NLM_F_DUMP_INTR);
	link_dump(1, 0); /* would succeed, but the driver must have stopped */
	struct nl_sock s;
	assert_int_equal(nl_sock_open(&s, 0), 0);
	struct collect c = {0};
	struct nl_handler hd = {.link = collect_link, .reset = collect_reset, .ctx = &c};
	assert_int_equal(nl_sock_dump(&s, RTM_GETLINK, AF_UNSPEC, &hd), -EINTR);
	assert_int_equal(c.resets, NL_DUMP_ATTEMPTS);
	assert_int_equal(fake_nl_requests(), NL_DUMP_ATTEMPTS);
	assert_int_equal(fake_nl_unused(), 1);
	assert_non_null(strstr(nl_dump_strerror(-EINTR), "kept changing"));
	assert_string_equal(nl_dump_strerror(-EPERM), strerror(EPERM));
	nl_sock_close(&s);
}

static void test_errors_are_not_retried(void **state)
{
	(void)state;
	struct nl_sock s;
	struct collect c = {0};
	struct nl_handler hd = {.link = collect_link, .ctx = &c};

	/* The kernel refuses the dump. */
	fake_nl_reset();
	fake_nl_response();
	fake_nl_error(-EPERM);
	link_dump(1, 0);
	assert_int_equal(nl_sock_open(&s, 0), 0);
	assert_int_equal(nl_sock_dump(&s, RTM_GETADDR, AF_INET, &hd), -EPERM);
	assert_int_equal(fake_nl_requests(), 1);
	assert_int_equal(fake_nl_request_type(0), RTM_GETADDR);

	/* A dump that fails part-way carries its errno in NLMSG_DONE. */
	fake_nl_reset();
	fake_nl_response();
	fake_nl_link(0, 1, "lo", IFF_UP);
	fake_nl_done(0, -ENOBUFS);
	assert_int_equal(nl_sock_dump(&s, RTM_GETLINK, AF_UNSPEC, &hd), -ENOBUFS);
	assert_int_equal(fake_nl_requests(), 1);

	/* A malformed reply stops the walk at once, interrupted or not. */
	fake_nl_reset();
	fake_nl_response();
	struct ifinfomsg ifi = {.ifi_index = 1};
	struct nlmsghdr *h =
	    fake_nl_msg(RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, &ifi, sizeof(ifi));
	h->nlmsg_len = 9999; /* longer than the datagram */
	link_dump(1, 0);
	assert_int_equal(nl_sock_dump(&s, RTM_GETLINK, AF_UNSPEC, &hd), -EBADMSG);
	assert_int_equal(fake_nl_requests(), 1);

	/* Only the dumpable tables. */
	assert_int_equal(nl_sock_dump(&s, RTM_NEWLINK, AF_UNSPEC, &hd), -EINVAL);
	nl_sock_close(&s);
}

/* Runs net_show and returns what it wrote (static buffer). */
static const char *run_show(int expect, const char *expect_err)
{
	static char out[4096];
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	char err[256] = "";
	assert_int_equal(net_show(fds[1], err, sizeof(err)), expect);
	close(fds[1]);
	ssize_t n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	assert_true(n >= 0);
	out[n] = '\0';
	if (expect_err)
		assert_string_equal(err, expect_err);
	return out;
}

static void test_show_prints_each_table_once(void **state)
{
	(void)state;
	fake_nl_reset();
	link_dump(2, NLM_F_DUMP_INTR);
	link_dump(2, 0);
	fake_nl_response(); /* addresses */
	fake_nl_addr4(0, 1, ip_lo, 8);
	fake_nl_addr4(0, 2, ip_vm, 24);
	fake_nl_done(0, 0);
	fake_nl_response(); /* routes, interrupted once */
	fake_nl_route4(NLM_F_DUMP_INTR, 2, any, 0, gw);
	fake_nl_done(0, 0);
	fake_nl_response();
	fake_nl_route4(0, 2, any, 0, gw);
	fake_nl_route4(0, 7, ip_vm, 24, NULL); /* an interface the link dump did not show */
	fake_nl_done(0, 0);
	const char *out = run_show(0, "");
	assert_string_equal(out, "link lo index 1 up mtu 1500 no-carrier\n"
				 "link eth0 index 2 up mtu 1500 no-carrier\n"
				 "address 127.0.0.1/8 dev lo\n"
				 "address 10.0.2.15/24 dev eth0\n"
				 "route default via 10.0.2.2 metric 0 dev eth0 ipv4\n"
				 "route 10.0.2.15/24 metric 0 dev #7 ipv4\n");
	assert_int_equal(fake_nl_requests(), 5);
	assert_int_equal(fake_nl_unused(), 0);
}

static void test_show_fails_clearly(void **state)
{
	(void)state;
	fake_nl_reset();
	for (int i = 0; i < NL_DUMP_ATTEMPTS; i++)
		link_dump(2, NLM_F_DUMP_INTR);
	const char *out = run_show(-EINTR, "list interfaces: the table kept changing while it was "
					   "read (5 tries)");
	assert_string_equal(out, ""); /* nothing half-read is printed */

	/* The links printed, then the address dump is refused. */
	fake_nl_reset();
	link_dump(1, 0);
	fake_nl_response();
	fake_nl_error(-EACCES);
	out = run_show(-EACCES, "list addresses: Permission denied");
	assert_string_equal(out, "link lo index 1 up mtu 1500 no-carrier\n");

	/* A link without a name is a malformed reply. */
	fake_nl_reset();
	fake_nl_response();
	struct ifinfomsg ifi = {.ifi_index = 1};
	fake_nl_msg(RTM_NEWLINK, NLM_F_MULTI, &ifi, sizeof(ifi));
	fake_nl_done(0, 0);
	out = run_show(-EBADMSG, "list interfaces: Bad message");
	assert_string_equal(out, "");

	/* No reply at all. */
	fake_nl_reset();
	run_show(-EIO, "list interfaces: Input/output error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retry_after_interruption),
	    cmocka_unit_test(test_gives_up),
	    cmocka_unit_test(test_errors_are_not_retried),
	    cmocka_unit_test(test_show_prints_each_table_once),
	    cmocka_unit_test(test_show_fails_clearly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
