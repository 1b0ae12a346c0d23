/* The hybrid-vsock CONNECT line parser, table-driven, and the OK reply. */
#include "hybrid.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

struct parse_case {
	const char *in;
	int ret;
	uint32_t port;
};

static const struct parse_case cases[] = {
    {"CONNECT 5000\n", 0, 5000},
    {"CONNECT 0\n", 0, 0},
    {"CONNECT 1\n", 0, 1},
    {"CONNECT 4294967295\n", 0, 4294967295u},
    {"", -EAGAIN, 0},
    {"C", -EAGAIN, 0},
    {"CONNECT", -EAGAIN, 0},
    {"CONNECT ", -EAGAIN, 0},
    {"CONNECT 52", -EAGAIN, 0},
    {"CONNECT 4294967296\n", -EINVAL, 0},
    {"CONNECT 99999999999999999999\n", -EINVAL, 0},
    {"CONNECT 05\n", -EINVAL, 0},
    {"CONNECT 00\n", -EINVAL, 0},
    {"CONNECT \n", -EINVAL, 0},
    {"CONNECT -5\n", -EINVAL, 0},
    {"CONNECT +5\n", -EINVAL, 0},
    {"CONNECT 5 \n", -EINVAL, 0},
    {"CONNECT  5\n", -EINVAL, 0},
    {"CONNECT 5\r\n", -EINVAL, 0},
    {"CONNECT 5\nx", -EINVAL, 0},
    {"CONNECT 0x10\n", -EINVAL, 0},
    {"connect 5\n", -EINVAL, 0},
    {"CONNECTX5\n", -EINVAL, 0},
    {"OK 5\n", -EINVAL, 0},
    {"\n", -EINVAL, 0},
    {"CONNECT 5000000000000000000000000000000000\n", -EINVAL, 0},
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t port = 0xdeadbeef;
		int r = hybrid_parse_line(HYBRID_CONNECT, cases[i].in, strlen(cases[i].in), &port);
		if (r != cases[i].ret)
			fail_msg("case %zu '%s': got %d want %d", i, cases[i].in, r, cases[i].ret);
		if (r == 0)
			assert_int_equal(port, cases[i].port);
	}
}

static void test_parse_embedded_nul(void **state)
{
	(void)state;
	uint32_t port;
	const char in[] = "CONNECT 5\0\n";
	assert_int_equal(hybrid_parse_line(HYBRID_CONNECT, in, sizeof(in) - 1, &port), -EINVAL);
}

static void test_parse_overlong(void **state)
{
	(void)state;
	char buf[HYBRID_LINE_MAX + 8];
	memset(buf, '1', sizeof(buf));
	memcpy(buf, "CONNECT ", 8);
	uint32_t port;
	assert_int_equal(hybrid_parse_line(HYBRID_CONNECT, buf, sizeof(buf), &port), -EINVAL);
}

static void test_format_ok(void **state)
{
	(void)state;
	char buf[32];
	assert_int_equal(hybrid_format_line(buf, sizeof(buf), HYBRID_OK, 1073741824u), 14);
	assert_string_equal(buf, "OK 1073741824\n");
	assert_int_equal(hybrid_format_line(buf, 5, HYBRID_OK, 123456), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_parse_embedded_nul),
	    cmocka_unit_test(test_parse_overlong),
	    cmocka_unit_test(test_format_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
