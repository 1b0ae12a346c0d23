/* The adaptive polling window (vsock_poll.c): where it starts, how it grows
 * and shrinks, its bounds, and that a device that goes idle stops polling. */
#include "vsock_poll.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_starts_off_and_grows_to_max(void **state)
{
	(void)state;
	struct vsock_poll p;
	vsock_poll_init(&p, 100);
	assert_int_equal(p.us, 0);
	/* A wait longer than the bound does not start polling. */
	vsock_poll_adjust(&p, 101);
	assert_int_equal(p.us, 0);
	/* A short wait does; each later one within the bound grows it. */
	vsock_poll_adjust(&p, 30);
	assert_int_equal(p.us, VSOCK_POLL_START_US);
	unsigned want = VSOCK_POLL_START_US;
	while (want < 100) {
		want = want * VSOCK_POLL_GROW > 100 ? 100 : want * VSOCK_POLL_GROW;
		vsock_poll_adjust(&p, 100);
		assert_int_equal(p.us, want);
	}
	vsock_poll_adjust(&p, 100);
	assert_int_equal(p.us, 100);
}

static void test_work_within_the_window_keeps_it(void **state)
{
	(void)state;
	struct vsock_poll p = {.max_us = 200, .us = 64};
	vsock_poll_adjust(&p, 0);
	vsock_poll_adjust(&p, 64);
	assert_int_equal(p.us, 64);
	vsock_poll_adjust(&p, 65);
	assert_int_equal(p.us, 128);
}

static void test_idle_shrinks_to_off(void **state)
{
	(void)state;
	struct vsock_poll p = {.max_us = 200, .us = 200};
	unsigned n = 0;
	while (p.us > 0) {
		unsigned before = p.us;
		vsock_poll_adjust(&p, UINT64_MAX); /* slept until the next event */
		assert_true(p.us < before);
		assert_true(++n < 16);
	}
	assert_int_equal(p.us, 0);
	vsock_poll_adjust(&p, UINT64_MAX);
	assert_int_equal(p.us, 0);
}

static void test_bounds(void **state)
{
	(void)state;
	struct vsock_poll p;
	/* 0: never polls, whatever the waits. */
	vsock_poll_init(&p, 0);
	for (unsigned i = 0; i < 20; i++)
		vsock_poll_adjust(&p, 1);
	assert_int_equal(p.us, 0);
	/* The bound is clamped to VSOCK_POLL_MAX_US. */
	vsock_poll_init(&p, UINT32_MAX);
	assert_int_equal(p.max_us, VSOCK_POLL_MAX_US);
	for (unsigned i = 0; i < 20; i++)
		vsock_poll_adjust(&p, VSOCK_POLL_MAX_US);
	assert_int_equal(p.us, VSOCK_POLL_MAX_US);
	/* A bound below the first window: the window is the bound. */
	vsock_poll_init(&p, 1);
	vsock_poll_adjust(&p, 1);
	assert_int_equal(p.us, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_starts_off_and_grows_to_max),
	    cmocka_unit_test(test_work_within_the_window_keeps_it),
	    cmocka_unit_test(test_idle_shrinks_to_off),
	    cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
