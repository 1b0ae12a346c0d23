/* The document device's index of its nodes (pd_docfs_index.c) against a
 * plain list of what was added: entries made to collide at the end of the
 * table, so probes and the shifts after a removal wrap around to its
 * start; and the table held at the nodes' most (3/8 full). After every
 * change each entry is found under its hash, none that was removed, and
 * every entry sits after its home with no empty entry between. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pd_docfs_index.h"

#define MASK (PD_DOCFS_INDEX_SIZE - 1u)
#define MOST (PD_DOCFS_INDEX_SIZE * 3u / 8u)

static struct pd_docfs_index x;
static uint32_t hash_of[MOST]; /* by slot; held[] says which are in */
static bool held[MOST];
static unsigned n_held;
static uint64_t seed = 1;

static uint32_t rnd(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(seed >> 33);
}

static bool found(uint32_t h, uint32_t slot)
{
	uint32_t cur = 0;
	uint64_t probes = 0;
	for (int64_t s; (s = pd_docfs_index_next(&x, h, &cur, &probes)) >= 0;)
		if ((uint32_t)s == slot)
			return true;
	return false;
}

static void check(void)
{
	assert_int_equal(x.n, n_held);
	unsigned used = 0;
	for (uint32_t i = 0; i < PD_DOCFS_INDEX_SIZE; i++) {
		const struct pd_docfs_ientry *e = &x.v[i];
		if (e->slot1 == 0)
			continue;
		used++;
		assert_true(e->slot1 <= MOST);
		assert_true(held[e->slot1 - 1]);
		assert_int_equal(e->hash, hash_of[e->slot1 - 1]);
		/* Reachable from its home: no empty entry from there to here. */
		for (uint32_t j = e->hash & MASK; j != i; j = (j + 1) & MASK)
			assert_int_not_equal(x.v[j].slot1, 0);
	}
	assert_int_equal(used, n_held);
	for (uint32_t s = 0; s < MOST; s++)
		assert_int_equal(found(hash_of[s], s), held[s]);
}

static void add(uint32_t slot, uint32_t h)
{
	hash_of[slot] = h;
	held[slot] = true;
	n_held++;
	pd_docfs_index_add(&x, h, slot);
}

static void del(uint32_t slot)
{
	assert_int_equal(pd_docfs_index_del(&x, hash_of[slot], slot), 0);
	held[slot] = false;
	n_held--;
	assert_int_equal(pd_docfs_index_del(&x, hash_of[slot], slot), -ENOENT);
}

/* Hashes whose homes are the table's last 6 entries and its first 2, some
 * the same hash (which only the slot tells apart). */
static uint32_t near_end(void)
{
	uint32_t home = (PD_DOCFS_INDEX_SIZE - 6u + rnd() % 8u) & MASK;
	return (rnd() % 4u) << 14 | home;
}

static void test_wrap(void **state)
{
	(void)state;
	for (unsigned round = 0; round < 2000; round++) {
		uint32_t slot = rnd() % 64u;
		if (held[slot])
			del(slot);
		else
			add(slot, near_end());
		check();
	}
	for (uint32_t s = 0; s < MOST; s++)
		if (held[s])
			del(s);
	check();
	assert_int_equal(x.n, 0);
}

/* As many entries as nodes there may be, hashes at random: then all
 * removed in another order, the table checked now and then. */
static void test_most(void **state)
{
	(void)state;
	for (uint32_t s = 0; s < MOST; s++)
		add(s, rnd() ^ rnd() << 16);
	check();
	for (uint32_t k = 0; k < MOST; k++) {
		uint32_t s = (k * 2654435761u) % MOST;
		if (held[s])
			del(s);
		if (k % 512 == 0)
			check();
	}
	for (uint32_t s = 0; s < MOST; s++)
		if (held[s])
			del(s);
	check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_most),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
