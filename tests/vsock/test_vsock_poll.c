/* The adaptive polling window (vsock_poll.c): where it starts, how it grows
 * and shrinks, its bounds, that a device that goes idle stops polling, and
 * that only answers (a round trip) keep it open, and the back-off from a
 * busy host. */
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

static void test_long_pass_backs_off(void **state)
{
	(void)state;
	struct vsock_poll p = {.max_us = 400, .us = 400};
	/* Short passes: the window stays. */
	assert_false(vsock_poll_stalled(&p, 0, 1000));
	assert_false(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US, 2000));
	assert_int_equal(vsock_poll_window(&p, 2000), 400);
	/* A long one: no window until the back-off is over, however short the
	 * waits meanwhile; the window starts again from none. */
	uint64_t t = 10000000;
	assert_true(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US + 1, t));
	assert_int_equal(vsock_poll_window(&p, t), 0);
	for (unsigned i = 0; i < 20; i++)
		vsock_poll_adjust(&p, 10);
	assert_int_equal(vsock_poll_window(&p, t + VSOCK_POLL_BACKOFF_MIN_US - 1), 0);
	/* Then the window the waits made it, grown afresh from none. */
	assert_true(p.us > 0 && p.us < 400);
	assert_int_equal(vsock_poll_window(&p, t + VSOCK_POLL_BACKOFF_MIN_US), p.us);
	assert_int_equal(p.stalls, 1);
	assert_int_equal(p.stalls_again, 0);
	assert_int_equal(p.backoff_total_us, VSOCK_POLL_BACKOFF_MIN_US);
	/* At the end of the clock: no overflow into the past. */
	assert_true(vsock_poll_stalled(&p, UINT64_MAX, UINT64_MAX - 1));
	assert_int_equal(vsock_poll_window(&p, UINT64_MAX - 1), 0);
}

/* A host that stays busy: each stall soon after a back-off makes the next
 * VSOCK_POLL_BACKOFF_GROW times as long, up to the bound, where it stays; a
 * quiet period starts again from the shortest. */
static void test_stalls_that_repeat_back_off_longer(void **state)
{
	(void)state;
	struct vsock_poll p;
	vsock_poll_init(&p, 400);
	uint64_t t = 5000000, expect = VSOCK_POLL_BACKOFF_MIN_US, total = 0;
	for (unsigned i = 0; i < 12; i++) {
		p.us = 400;
		assert_true(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US + 1, t));
		assert_int_equal(p.backoff_us, expect);
		assert_int_equal(vsock_poll_window(&p, t + expect - 1), 0);
		assert_int_equal(vsock_poll_window(&p, t + expect), 0); /* us reset */
		total += expect;
		/* The next stall comes as soon as polling starts again. */
		t += expect + 600;
		expect = expect * VSOCK_POLL_BACKOFF_GROW > VSOCK_POLL_BACKOFF_MAX_US
			     ? VSOCK_POLL_BACKOFF_MAX_US
			     : expect * VSOCK_POLL_BACKOFF_GROW;
	}
	assert_int_equal(p.backoff_us, VSOCK_POLL_BACKOFF_MAX_US);
	assert_int_equal(p.stalls, 12);
	assert_int_equal(p.stalls_again, 11);
	assert_int_equal(p.backoff_total_us, total);
	/* A stall just within the quiet period after the end: still the bound. */
	uint64_t end = p.off_until_us;
	assert_true(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US + 1, end + VSOCK_POLL_QUIET_US));
	assert_int_equal(p.backoff_us, VSOCK_POLL_BACKOFF_MAX_US);
	/* Just past it: an isolated stall, the shortest back-off again. */
	end = p.off_until_us;
	assert_true(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US + 1, end + VSOCK_POLL_QUIET_US + 1));
	assert_int_equal(p.backoff_us, VSOCK_POLL_BACKOFF_MIN_US);
	assert_int_equal(p.stalls_again, 12);
	/* Two stalls close together: the second's back-off is longer. */
	end = p.off_until_us;
	assert_true(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US + 1, end + 1000));
	assert_int_equal(p.backoff_us, VSOCK_POLL_BACKOFF_GROW * VSOCK_POLL_BACKOFF_MIN_US);
	/* A stall before the back-off's end (a clock that went back, or a
	 * caller polling anyway) counts as isolated: never a longer one. */
	assert_true(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US + 1, p.off_until_us - 1));
	assert_int_equal(p.backoff_us, VSOCK_POLL_BACKOFF_MIN_US);
	/* A short pass changes nothing. */
	uint64_t until = p.off_until_us;
	assert_false(vsock_poll_stalled(&p, VSOCK_POLL_STALL_US, until + 10));
	assert_int_equal(p.off_until_us, until);
	assert_int_equal(p.backoff_us, VSOCK_POLL_BACKOFF_MIN_US);
}

/* Only answers keep the window: a round trip (host data to the guest, the
 * guest's reply, the host's next) grows it; anything else shrinks it. */
static void test_answers_keep_the_window(void **state)
{
	(void)state;
	struct vsock_poll p;
	vsock_poll_init(&p, 400);
	/* Host data to the guest (woken from sleep: a long wait), then the
	 * guest's reply, the host's next request, and so on. */
	vsock_poll_pass(&p, UINT64_MAX, false, true);
	assert_int_equal(p.us, 0);
	for (unsigned i = 0; i < 16; i++) {
		vsock_poll_pass(&p, 400, i % 2 == 0, i % 2 == 1);
		assert_int_not_equal(p.us, 0);
	}
	assert_int_equal(p.us, 400);
	/* A few passes without an answer between two answers (the guest's
	 * new receive buffers, credit updates) do not shrink it. */
	for (unsigned i = 0; i < 8; i++) {
		for (unsigned k = 0; k < VSOCK_POLL_MISSES; k++)
			vsock_poll_pass(&p, 10, false, false);
		vsock_poll_pass(&p, 400, i % 2 == 0, i % 2 == 1);
		assert_int_equal(p.us, 400);
	}
	/* Both ways at once (a stream each way): either side answers. */
	vsock_poll_pass(&p, 100, true, true);
	vsock_poll_pass(&p, 100, true, false);
	vsock_poll_pass(&p, 100, true, true);
	vsock_poll_pass(&p, 100, false, true);
	assert_int_equal(p.us, 400);
}

static void test_no_answer_closes_the_window(void **state)
{
	(void)state;
	struct vsock_poll p;
	/* Passes that pass no data on (an RST for no connection, a control
	 * packet, an invalid packet), however soon they come, close it. */
	vsock_poll_init(&p, 400);
	p.us = 400;
	p.await_guest = true;
	unsigned n = 0;
	while (p.us > 0) {
		vsock_poll_pass(&p, 10, false, false);
		assert_true(++n < 16);
		assert_true(n > VSOCK_POLL_MISSES || p.us == 400);
	}
	/* ... and never open it; the side awaited stays the guest. */
	for (unsigned i = 0; i < 20; i++)
		vsock_poll_pass(&p, 10, false, false);
	assert_int_equal(p.us, 0);
	assert_true(p.await_guest);
	/* A stream one way, guest to host: each packet comes soon, but none
	 * answers data the guest got. */
	vsock_poll_init(&p, 400);
	p.us = 400;
	for (n = 0; p.us > 0; n++) {
		vsock_poll_pass(&p, 10, true, false);
		assert_true(n < 16);
	}
	for (unsigned i = 0; i < 20; i++)
		vsock_poll_pass(&p, 10, true, false);
	assert_int_equal(p.us, 0);
	/* The other way (host peers to the guest): the same. */
	for (unsigned i = 0; i < 20; i++)
		vsock_poll_pass(&p, 10, false, true);
	assert_int_equal(p.us, 0);
	/* A reply after a useless packet still counts as one. */
	vsock_poll_pass(&p, 10, false, false);
	vsock_poll_pass(&p, 10, true, false);
	assert_int_equal(p.us, VSOCK_POLL_START_US);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_starts_off_and_grows_to_max),
	    cmocka_unit_test(test_work_within_the_window_keeps_it),
	    cmocka_unit_test(test_idle_shrinks_to_off),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_long_pass_backs_off),
	    cmocka_unit_test(test_stalls_that_repeat_back_off_longer),
	    cmocka_unit_test(test_answers_keep_the_window),
	    cmocka_unit_test(test_no_answer_closes_the_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
