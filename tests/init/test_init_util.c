/* Pure helpers: argv splitting, suggestions, value parsing, paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "suggest.h"
#include "parse.h"
#include "util.h"
#include "vsock_addr.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static void test_argv_split(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int ret;
		size_t argc;
		const char *words[4];
	} cases[] = {
	    {"/bin/true", 0, 1, {"/bin/true"}},
	    {"  /bin/echo  a\tb  ", 0, 3, {"/bin/echo", "a", "b"}},
	    {"/bin/sh -c 'exit 3'", 0, 3, {"/bin/sh", "-c", "exit 3"}},
	    {"a \"b \\\"c\\\\\" d", 0, 3, {"a", "b \"c\\", "d"}},
	    {"a\\ b c", 0, 2, {"a b", "c"}},
	    {"a'b'\"c\"", 0, 1, {"abc"}},
	    {"a ''", 0, 2, {"a", ""}},
	    {"", -EINVAL, 0, {NULL}},
	    {"   ", -EINVAL, 0, {NULL}},
	    {"a 'b", -EINVAL, 0, {NULL}},
	    {"a \"b", -EINVAL, 0, {NULL}},
	    {"a b\\", -EINVAL, 0, {NULL}},
	    {"a b c d e", -E2BIG, 0, {NULL}}, /* argv holds 4 + NULL */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		char *argv[5];
		size_t argc = 0;
		int r = util_argv_split(cases[i].in, buf, sizeof(buf), argv, 5, &argc);
		if (r != cases[i].ret)
			fail_msg("case %zu (%s): got %d want %d", i, cases[i].in, r, cases[i].ret);
		if (r < 0)
			continue;
		assert_int_equal(argc, cases[i].argc);
		for (size_t k = 0; k < argc; k++)
			assert_string_equal(argv[k], cases[i].words[k]);
		assert_null(argv[argc]);
	}
	char small[4];
	char *argv[8];
	size_t argc;
	assert_int_equal(util_argv_split("abcd", small, sizeof(small), argv, 8, &argc), -E2BIG);
	assert_int_equal(util_argv_split("ab c", small, sizeof(small), argv, 8, &argc), -E2BIG);
}

static void test_suggest(void **state)
{
	(void)state;
	static const char *const c[] = {"exec", "user", "group", "groups", "on-app-exit"};
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	assert_int_equal(suggest_distance("", "abc"), 3);
	assert_string_equal(suggest_nearest("exce", c, 5), "exec");
	assert_string_equal(suggest_nearest("grups", c, 5), "groups");
	assert_string_equal(suggest_nearest("onappexit", c, 5), "on-app-exit");
	assert_null(suggest_nearest("completely", c, 5));
	assert_null(suggest_nearest("x", c, 0));
}

static void test_numbers(void **state)
{
	(void)state;
	unsigned long v;
	bool b;
	assert_int_equal(parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("10", 10, &v), 0);
	assert_int_equal(parse_uint("11", 10, &v), -ERANGE);
	assert_int_equal(parse_uint("99999999999999999999999", 4294967294UL, &v), -ERANGE);
	assert_int_equal(parse_uint("", 10, &v), -EINVAL);
	assert_int_equal(parse_uint("-1", 10, &v), -EINVAL);
	assert_int_equal(parse_uint(" 1", 10, &v), -EINVAL);
	assert_int_equal(parse_uint("1x", 10, &v), -EINVAL);

	/* Strict decimals (lib/vsock_addr.h): no leading zero. */
	uint32_t u;
	assert_int_equal(parse_u32_strict("0", 0, 5, &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(parse_u32_strict("4294967295", 0, UINT32_MAX, &u), 0);
	assert_int_equal(u, UINT32_MAX);
	assert_int_equal(parse_u32_strict("4294967296", 0, UINT32_MAX, &u), -ERANGE);
	assert_int_equal(parse_u32_strict("99999999999999999999999", 0, UINT32_MAX, &u), -ERANGE);
	assert_int_equal(parse_u32_strict("05", 0, 5, &u), -EINVAL);
	assert_int_equal(parse_u32_strict("00", 0, 5, &u), -EINVAL);
	assert_int_equal(parse_u32_strict("6", 0, 5, &u), -ERANGE);
	assert_int_equal(parse_u32_strict("2", 3, 5, &u), -ERANGE);
	assert_int_equal(parse_u32_strict("", 0, 5, &u), -EINVAL);
	assert_int_equal(parse_u32_strict("+1", 0, 5, &u), -EINVAL);
	assert_int_equal(vsock_port_parse("1", &u), 0);
	assert_int_equal(vsock_port_parse("4294967294", &u), 0);
	assert_int_equal(u, 4294967294u);
	assert_int_equal(vsock_port_parse("0", &u), -ERANGE);
	assert_int_equal(vsock_port_parse("4294967295", &u), -ERANGE);
	assert_int_equal(vsock_port_parse("01024", &u), -EINVAL);
	assert_int_equal(vsock_guest_cid_parse("3", &u), 0);
	assert_int_equal(vsock_guest_cid_parse("2", &u), -ERANGE);
	assert_int_equal(vsock_guest_cid_parse("4294967295", &u), -ERANGE);
	assert_int_equal(parse_duration_ms("10", 600000, &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(parse_duration_ms("10s", 600000, &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(parse_duration_ms("250ms", 600000, &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(parse_duration_ms("601", 600000, &v), -ERANGE);
	assert_int_equal(parse_duration_ms("ms", 600000, &v), -EINVAL);
	assert_int_equal(parse_duration_ms("s", 600000, &v), -EINVAL);
	assert_int_equal(parse_duration_ms("1m", 600000, &v), -EINVAL);
	assert_int_equal(util_parse_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(util_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(util_parse_bool("Yes", &b), -EINVAL);
}

static void test_paths(void **state)
{
	(void)state;
	static const struct {
		const char *p;
		bool ok;
	} cases[] = {
	    {"/", true},      {"/usr", true},	{"/a/b.c/..d", true}, {"", false},
	    {"usr", false},   {"/usr/", false}, {"//usr", false},     {"/a/./b", false},
	    {"/a/..", false}, {"/.", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (util_path_ok(cases[i].p) != cases[i].ok)
			fail_msg("path \"%s\"", cases[i].p);
	char dst[4];
	assert_int_equal(util_copy(dst, sizeof(dst), "abc"), 0);
	assert_int_equal(util_copy(dst, sizeof(dst), "abcd"), -ENAMETOOLONG);
	assert_string_equal(dst, "abc");
}

/* util_cat and util_ulong build what snprintf did, the same bytes. */
static void test_cat(void **state)
{
	(void)state;
	char buf[16], num[UTIL_ULONG_LEN], want[24];
	assert_int_equal(util_cat(buf, sizeof(buf), "[store ", "data", "]", NULL), 0);
	assert_string_equal(buf, "[store data]");
	assert_int_equal(util_cat(buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "");
	assert_int_equal(util_cat(buf, sizeof(buf), "", "a", "", NULL), 0);
	assert_string_equal(buf, "a");
	/* 15 bytes fit in 16; cut as snprintf cuts, whatever follows. */
	assert_int_equal(util_cat(buf, sizeof(buf), "0123456789", "abcde", NULL), 0);
	assert_string_equal(buf, "0123456789abcde");
	assert_int_equal(util_cat(buf, sizeof(buf), "0123456789", "abcdef", "gh", NULL),
			 -ENAMETOOLONG);
	assert_string_equal(buf, "0123456789abcde");
	assert_int_equal(util_cat(buf, 1, "x", NULL), -ENAMETOOLONG);
	assert_string_equal(buf, "");

	static const unsigned long nums[] = {0, 7, 10, 1024, 4294967295ul, ULONG_MAX};
	for (size_t i = 0; i < ARRAY_LEN(nums); i++) {
		snprintf(want, sizeof(want), "%lu", nums[i]);
		assert_ptr_equal(util_ulong(num, nums[i]), num);
		assert_string_equal(num, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_argv_split), cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_numbers),    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_cat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
