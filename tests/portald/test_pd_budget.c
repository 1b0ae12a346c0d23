/* The budget of names a connection's folder moves may read, with an
 * injected clock: a full bucket at first, a walk only with a whole walk's
 * worth left, refilling at the rate up to the burst, the charge of what a
 * walk read, and a guest looping at the bounds held to the rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pd_budget.h"

#define MOVE (1u << 16) /* PD_MAX_MOVE_ENTRIES */

static void test_full_then_refused(void **state)
{
	(void)state;
	struct pd_budget b;
	pd_budget_init(&b, 1u << 17, 1u << 17, 5000);
	assert_int_equal(pd_budget_left(&b, 5000), 1u << 17);
	/* Two walks at the bound at once, then none until time passes. */
	assert_int_equal(pd_budget_walk(&b, 5000, MOVE), MOVE);
	pd_budget_charge(&b, MOVE);
	assert_int_equal(pd_budget_walk(&b, 5000, MOVE), MOVE);
	pd_budget_charge(&b, MOVE);
	assert_int_equal(pd_budget_left(&b, 5000), 0);
	assert_int_equal(pd_budget_walk(&b, 5000, MOVE), 0);
	/* Half a second earns one walk's worth: not a name less. */
	assert_int_equal(pd_budget_walk(&b, 5499, MOVE), 0);
	assert_int_equal(pd_budget_walk(&b, 5500, MOVE), MOVE);
	/* A refusal costs nothing; a small walk is charged what it read. */
	pd_budget_charge(&b, 100);
	assert_int_equal(pd_budget_left(&b, 5500), MOVE - 100);
	assert_int_equal(pd_budget_walk(&b, 5500, MOVE), 0);
	assert_int_equal(pd_budget_left(&b, 5500), MOVE - 100);
	/* A charge past what is left leaves nothing (never wraps). */
	pd_budget_charge(&b, 1u << 20);
	assert_int_equal(pd_budget_left(&b, 5500), 0);
}

static void test_refill_caps_and_fractions(void **state)
{
	(void)state;
	struct pd_budget b;
	pd_budget_init(&b, 1000, 3000, 0);
	pd_budget_charge(&b, 3000);
	/* A rate of 1000 a second: one name a millisecond, never more than burst. */
	assert_int_equal(pd_budget_left(&b, 1), 1);
	assert_int_equal(pd_budget_left(&b, 2999), 2999);
	assert_int_equal(pd_budget_left(&b, 1000000000000ull), 3000);
	/* The clock going back changes nothing. */
	pd_budget_charge(&b, 3000);
	assert_int_equal(pd_budget_left(&b, 5), 0);
	/* A rate below one name a millisecond adds up over many calls. */
	pd_budget_init(&b, 3, 10, 0);
	pd_budget_charge(&b, 10);
	for (uint64_t t = 1; t <= 1000; t++)
		(void)pd_budget_left(&b, t);
	assert_int_equal(pd_budget_left(&b, 1000), 3);
	/* A bucket smaller than a walk's bound: a walk needs it full. */
	pd_budget_init(&b, 20000, 20000, 0);
	assert_int_equal(pd_budget_walk(&b, 0, MOVE), 20000);
	pd_budget_charge(&b, 1);
	assert_int_equal(pd_budget_walk(&b, 0, MOVE), 0);
	assert_int_equal(pd_budget_walk(&b, 1, MOVE), 20000);
	/* Out of range settings are clamped, never zero. */
	pd_budget_init(&b, 0, 0, 0);
	assert_int_equal(pd_budget_left(&b, 0), 1);
	pd_budget_init(&b, UINT64_MAX, UINT64_MAX, 0);
	assert_int_equal(pd_budget_left(&b, UINT64_MAX), PD_WALK_RATE_LIMIT);
}

/* A guest looping walks at the bound for 10 s of clock polled every ms:
 * at most burst + 10 * rate names read. */
static void test_loop_held_to_rate(void **state)
{
	(void)state;
	struct pd_budget b;
	uint64_t read = 0;
	pd_budget_init(&b, PD_WALK_RATE_DEFAULT, PD_WALK_RATE_DEFAULT, 0);
	for (uint64_t t = 0; t <= 10000; t++) {
		uint64_t may = pd_budget_walk(&b, t, MOVE);
		pd_budget_charge(&b, may);
		read += may;
	}
	assert_true(read <= (uint64_t)PD_WALK_RATE_DEFAULT * 11);
	assert_true(read >= (uint64_t)PD_WALK_RATE_DEFAULT * 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_then_refused),
	    cmocka_unit_test(test_refill_caps_and_fractions),
	    cmocka_unit_test(test_loop_held_to_rate),
	};
	return cmocka_run_group_tests_name("pd_budget", tests, NULL, NULL);
}
