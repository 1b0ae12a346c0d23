/* The dialog policy with an injected clock: one dialog at a time, the token
 * bucket, the cooldown after cancels and how it grows and resets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pd_policy.h"

static const struct pd_policy_config cfg = {
    .burst = 3,
    .interval_ms = 10000,
    .cancel_limit = 3,
    .cooldown_ms = 30000,
    .cooldown_max_ms = 120000,
};

static void test_one_at_a_time(void **state)
{
	(void)state;
	struct pd_policy p;
	pd_policy_init(&p, &cfg, 1000);
	assert_int_equal(pd_policy_admit(&p, 1000), PD_ALLOW);
	for (int i = 0; i < 100; i++)
		assert_int_equal(pd_policy_admit(&p, 1000 + (uint64_t)i * 1000), PD_DENY_OPEN);
	pd_policy_end(&p, 200000, PD_PICKED);
	assert_int_equal(pd_policy_admit(&p, 200000), PD_ALLOW);
}

static void test_bucket(void **state)
{
	(void)state;
	struct pd_policy p;
	uint64_t t = 5000;
	pd_policy_init(&p, &cfg, t);
	/* A full bucket: three dialogs at once, then none. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pd_policy_admit(&p, t), PD_ALLOW);
		pd_policy_end(&p, t, PD_PICKED);
	}
	assert_int_equal(pd_policy_admit(&p, t), PD_DENY_RATE);
	/* Denials cost nothing: a flood leaves the refill as it was. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(pd_policy_admit(&p, t + (uint64_t)i), PD_DENY_RATE);
	assert_int_equal(pd_policy_admit(&p, t + 9999), PD_DENY_RATE);
	assert_int_equal(pd_policy_admit(&p, t + 10000), PD_ALLOW);
	pd_policy_end(&p, t + 10000, PD_PICKED);
	assert_int_equal(pd_policy_admit(&p, t + 10001), PD_DENY_RATE);
	/* A long pause refills to the burst, not beyond. */
	t += 10000000;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pd_policy_admit(&p, t), PD_ALLOW);
		pd_policy_end(&p, t, PD_PICKED);
	}
	assert_int_equal(pd_policy_admit(&p, t), PD_DENY_RATE);
}

static void test_clock_going_back_is_harmless(void **state)
{
	(void)state;
	struct pd_policy p;
	pd_policy_init(&p, &cfg, 100000);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pd_policy_admit(&p, 100000), PD_ALLOW);
		pd_policy_end(&p, 100000, PD_PICKED);
	}
	assert_int_equal(pd_policy_admit(&p, 50), PD_DENY_RATE);
	assert_int_equal(pd_policy_admit(&p, 110000), PD_ALLOW);
}

static void cancel_one(struct pd_policy *p, uint64_t t)
{
	assert_int_equal(pd_policy_admit(p, t), PD_ALLOW);
	pd_policy_end(p, t, PD_CANCELLED);
}

static void test_cooldown_after_cancels(void **state)
{
	(void)state;
	struct pd_policy_config c = cfg;
	c.burst = 1000;
	c.interval_ms = 1;
	struct pd_policy p;
	uint64_t t = 1;
	pd_policy_init(&p, &c, t);
	cancel_one(&p, t);
	cancel_one(&p, t);
	/* A failure of the chooser is nobody's cancel. */
	assert_int_equal(pd_policy_admit(&p, t), PD_ALLOW);
	pd_policy_end(&p, t, PD_FAILED);
	cancel_one(&p, t);
	assert_int_equal(pd_policy_admit(&p, t), PD_DENY_COOLDOWN);
	assert_int_equal(pd_policy_admit(&p, t + 29999), PD_DENY_COOLDOWN);
	/* The second cooldown in a row lasts twice as long. */
	t += 30000;
	for (int i = 0; i < 3; i++)
		cancel_one(&p, t);
	assert_int_equal(pd_policy_admit(&p, t + 59999), PD_DENY_COOLDOWN);
	t += 60000;
	/* ... and it stops growing at the maximum. */
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 3; i++)
			cancel_one(&p, t);
		assert_int_equal(pd_policy_admit(&p, t + 1), PD_DENY_COOLDOWN);
		t += 120000;
	}
	/* A pick forgives: cancels start from zero and the cooldown from 30 s. */
	assert_int_equal(pd_policy_admit(&p, t), PD_ALLOW);
	pd_policy_end(&p, t, PD_PICKED);
	cancel_one(&p, t);
	cancel_one(&p, t);
	assert_int_equal(pd_policy_admit(&p, t), PD_ALLOW);
	pd_policy_end(&p, t, PD_PICKED);
	for (int i = 0; i < 3; i++)
		cancel_one(&p, t);
	assert_int_equal(pd_policy_admit(&p, t + 29999), PD_DENY_COOLDOWN);
	assert_int_equal(pd_policy_admit(&p, t + 30000), PD_ALLOW);
}

static void test_degenerate_config_is_clamped(void **state)
{
	(void)state;
	struct pd_policy_config c = {0};
	struct pd_policy p;
	pd_policy_init(&p, &c, 0);
	assert_int_equal(pd_policy_admit(&p, 0), PD_ALLOW);
	pd_policy_end(&p, 0, PD_PICKED);
	assert_int_equal(pd_policy_admit(&p, 0), PD_DENY_RATE);
	assert_int_equal(pd_policy_admit(&p, 1), PD_ALLOW);
	assert_string_equal(pd_verdict_text(PD_DENY_OPEN), "a dialog is already open");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_at_a_time),
	    cmocka_unit_test(test_bucket),
	    cmocka_unit_test(test_clock_going_back_is_harmless),
	    cmocka_unit_test(test_cooldown_after_cancels),
	    cmocka_unit_test(test_degenerate_config_is_clamped),
	};
	return cmocka_run_group_tests_name("pd_policy", tests, NULL, NULL);
}
