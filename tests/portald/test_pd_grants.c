/* Document ids, the grant table and its limits, and the state machine of
 * staged writes (pd_grants_check): every operation in every state. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd_grants.h"
#include "pd_ids.h"

static const uint64_t key[4] = {1, 2, 3, 4};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_ids_unique_nonzero(void **state)
{
	(void)state;
	enum { N = 200000 };
	uint64_t *v = malloc(N * sizeof(*v));
	assert_non_null(v);
	struct pd_ids g;
	pd_ids_init(&g, key);
	unsigned high_bits = 0;
	for (int i = 0; i < N; i++) {
		v[i] = pd_ids_next(&g);
		assert_true(v[i] != 0);
		high_bits += (unsigned)(v[i] >> 63);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	for (int i = 1; i < N; i++)
		assert_true(v[i] != v[i - 1]);
	/* Not a counter: the top bit is set about half the time. */
	assert_true(high_bits > N / 3 && high_bits < 2 * N / 3);
	/* Another key, other ids. */
	struct pd_ids h;
	const uint64_t key2[4] = {5, 6, 7, 8};
	pd_ids_init(&h, key2);
	pd_ids_init(&g, key);
	assert_true(pd_ids_next(&g) != pd_ids_next(&h));
	free(v);
}

static struct pd_grant *mk(void)
{
	struct pd_grant *g = calloc(1, sizeof(*g));
	assert_non_null(g);
	g->perms = PROTO_PERM_READ | PROTO_PERM_WRITE;
	g->dirfd = -1;
	g->stage.fd = -1;
	return g;
}

static void test_table_limits_and_lookup(void **state)
{
	(void)state;
	struct pd_limits lim = {.max_grants = 3, .max_file_size = 100, .staging_quota = 150};
	struct pd_grants t;
	assert_int_equal(pd_grants_init(&t, &lim, key), 0);
	assert_int_equal(pd_grants_room(&t), 3);
	struct pd_grant *g[4];
	uint64_t ids[3];
	for (int i = 0; i < 3; i++) {
		g[i] = mk();
		assert_int_equal(pd_grants_add(&t, g[i]), 0);
		ids[i] = g[i]->id;
	}
	assert_int_equal(pd_grants_room(&t), 0);
	g[3] = mk();
	assert_int_equal(pd_grants_add(&t, g[3]), -ENOSPC);
	assert_ptr_equal(pd_grants_find(&t, ids[1]), g[1]);
	assert_null(pd_grants_find(&t, 12345));
	/* A taken grant is gone for good; its id is not given again. */
	assert_ptr_equal(pd_grants_take(&t, ids[1]), g[1]);
	assert_null(pd_grants_find(&t, ids[1]));
	assert_null(pd_grants_take(&t, ids[1]));
	assert_int_equal(pd_grants_add(&t, g[3]), 0);
	assert_true(g[3]->id != ids[0] && g[3]->id != ids[1] && g[3]->id != ids[2]);
	/* Listing order is the order of granting. */
	assert_ptr_equal(t.v[0], g[0]);
	assert_ptr_equal(t.v[1], g[2]);
	assert_ptr_equal(t.v[2], g[3]);
	free(g[1]);
	pd_grants_free(&t);
}

static void test_stage_quota(void **state)
{
	(void)state;
	struct pd_limits lim = {.max_grants = 4, .max_file_size = 100, .staging_quota = 150};
	struct pd_grants t;
	const char *why = NULL;
	assert_int_equal(pd_grants_init(&t, &lim, key), 0);
	struct pd_grant *a = mk(), *b = mk();
	pd_grants_add(&t, a);
	pd_grants_add(&t, b);
	assert_int_equal(pd_grants_stage_fits(&t, a, 100, &why), 0);
	assert_int_equal(pd_grants_stage_fits(&t, a, 101, &why), PROTO_ERR_LIMIT);
	assert_string_equal(why, "file size limit reached");
	pd_grants_stage_open(&t, a, 1, 90);
	assert_int_equal(t.staged_bytes, 90);
	assert_int_equal(pd_grants_stage_fits(&t, b, 60, &why), 0);
	assert_int_equal(pd_grants_stage_fits(&t, b, 61, &why), PROTO_ERR_LIMIT);
	assert_string_equal(why, "staging space used up");
	pd_grants_stage_open(&t, b, 1, 60);
	/* Shrinking always fits; growth only within what is left. */
	assert_int_equal(pd_grants_stage_fits(&t, a, 10, &why), 0);
	assert_int_equal(pd_grants_stage_fits(&t, a, 91, &why), PROTO_ERR_LIMIT);
	pd_grants_stage_resize(&t, a, 10);
	assert_int_equal(t.staged_bytes, 70);
	assert_int_equal(pd_grants_stage_fits(&t, a, 90, &why), 0);
	pd_grants_stage_closed(&t, b);
	assert_int_equal(t.staged_bytes, 10);
	assert_false(b->staged);
	/* Taking a staged grant gives its bytes back but leaves it marked for
	 * the caller to drop the file. */
	assert_ptr_equal(pd_grants_take(&t, a->id), a);
	assert_int_equal(t.staged_bytes, 0);
	assert_true(a->staged);
	free(a);
	pd_grants_free(&t);
}

struct check_case {
	uint32_t perms;
	bool staged;
	unsigned owner;
	enum pd_op op;
	uint32_t want;
};

static void test_state_machine(void **state)
{
	(void)state;
	const uint32_t R = PROTO_PERM_READ, W = PROTO_PERM_WRITE, RW = R | W;
	const struct check_case cases[] = {
	    /* Unstaged, read-write. */
	    {RW, false, 0, PD_OP_STAT, 0},
	    {RW, false, 0, PD_OP_READ, 0},
	    {RW, false, 0, PD_OP_READ_STAGED, PROTO_ERR_STATE},
	    {RW, false, 0, PD_OP_BEGIN, 0},
	    {RW, false, 0, PD_OP_WRITE, PROTO_ERR_STATE},
	    {RW, false, 0, PD_OP_TRUNCATE, PROTO_ERR_STATE},
	    {RW, false, 0, PD_OP_COMMIT, PROTO_ERR_STATE},
	    {RW, false, 0, PD_OP_ABORT, PROTO_ERR_STATE},
	    {RW, false, 0, PD_OP_CLOSE, 0},
	    /* Staged by us (connection 7). */
	    {RW, true, 7, PD_OP_READ_STAGED, 0},
	    {RW, true, 7, PD_OP_BEGIN, PROTO_ERR_STATE},
	    {RW, true, 7, PD_OP_WRITE, 0},
	    {RW, true, 7, PD_OP_TRUNCATE, 0},
	    {RW, true, 7, PD_OP_COMMIT, 0},
	    {RW, true, 7, PD_OP_ABORT, 0},
	    {RW, true, 7, PD_OP_CLOSE, 0},
	    /* Staged by another connection. */
	    {RW, true, 8, PD_OP_WRITE, PROTO_ERR_STATE},
	    {RW, true, 8, PD_OP_TRUNCATE, PROTO_ERR_STATE},
	    {RW, true, 8, PD_OP_COMMIT, PROTO_ERR_STATE},
	    {RW, true, 8, PD_OP_ABORT, PROTO_ERR_STATE},
	    {RW, true, 8, PD_OP_BEGIN, PROTO_ERR_STATE},
	    {RW, true, 8, PD_OP_READ, 0},
	    /* Read-only: every write refused before any state question. */
	    {R, false, 0, PD_OP_READ, 0},
	    {R, false, 0, PD_OP_STAT, 0},
	    {R, false, 0, PD_OP_BEGIN, PROTO_ERR_PERMISSION},
	    {R, false, 0, PD_OP_WRITE, PROTO_ERR_PERMISSION},
	    {R, false, 0, PD_OP_TRUNCATE, PROTO_ERR_PERMISSION},
	    {R, false, 0, PD_OP_COMMIT, PROTO_ERR_PERMISSION},
	    {R, false, 0, PD_OP_ABORT, PROTO_ERR_PERMISSION},
	    {R, false, 0, PD_OP_CLOSE, 0},
	    /* Write-only. */
	    {W, false, 0, PD_OP_READ, PROTO_ERR_PERMISSION},
	    {W, true, 7, PD_OP_READ_STAGED, PROTO_ERR_PERMISSION},
	    {W, false, 0, PD_OP_BEGIN, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pd_grant g;
		memset(&g, 0, sizeof(g));
		g.perms = cases[i].perms;
		g.staged = cases[i].staged;
		g.stage.conn = cases[i].owner;
		const char *why = NULL;
		uint32_t got = pd_grants_check(&g, cases[i].op, 7, &why);
		if (got != cases[i].want)
			fail_msg("case %zu: op %d got %u want %u", i, cases[i].op, got,
				 cases[i].want);
		if (got)
			assert_non_null(why);
	}
	const char *why = NULL;
	for (int op = PD_OP_STAT; op <= PD_OP_CLOSE; op++)
		assert_int_equal(pd_grants_check(NULL, (enum pd_op)op, 7, &why),
				 PROTO_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids_unique_nonzero),
	    cmocka_unit_test(test_table_limits_and_lookup),
	    cmocka_unit_test(test_stage_quota),
	    cmocka_unit_test(test_state_machine),
	};
	return cmocka_run_group_tests_name("pd_grants", tests, NULL, NULL);
}
