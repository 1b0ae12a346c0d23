/* The budget of names the guest's folder moves may read on the host
 * (--walk-rate, docs/portal.md Limits) against the real daemon: a guest
 * that moves a big folder deeper again and again gets LIMIT ("try again
 * later", nothing moved) once the budget is spent, on that connection and
 * on a new one alike (one budget a daemon: reconnecting earns nothing), is
 * served again once time has passed, while moves that need no walk go on;
 * the checks of a folder moved shallower are charged to it too, before
 * they run.
 *
 * With PD_WALK_BENCH=SECONDS it measures instead (docs/benchmarks.md): the
 * daemon (APPVM_PORTALD, default options) while a guest loops moves of a
 * folder at the walk's bounds deeper and back for that long, then renames
 * that need no walk (the peer), printing the daemon's CPU time of each. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "folder_util.h"

#define TRY_LATER "too many folder moves; try again later"

static struct pdh h;

static int start(void **state)
{
	(void)state;
	/* 5000 names a second: less than one walk of "big" (3002 names) is
	 * left after the first, and a bucket smaller than a walk's bound
	 * needs to be full for a walk. The bench: the default options (the
	 * daemon of main has no --walk-rate). */
	bool bench = getenv("PD_WALK_BENCH") != NULL;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "1000", "--dialog-interval", "1ms",
					    "--folder-writable", bench ? NULL : "--walk-rate",
					    "5000", NULL});
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	return 0;
}

/* A new folder `name` of the test's home holding "into" and "big" with
 * `dirs` folders and `files` files spread over them, granted writable to a
 * new guest connection. */
static uint64_t granted_big(struct pdh_conn *c, const char *name, unsigned dirs, unsigned files,
			    char share[1024])
{
	char rel[64];
	snprintf(share, 1024, "%s", pdh_path(&h, name));
	assert_int_equal(mkdir(share, 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "big"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "into"), 0755), 0);
	for (unsigned i = 0; i < dirs; i++) {
		snprintf(rel, sizeof(rel), "big/d%u", i);
		assert_int_equal(mkdir(fu_at(share, rel), 0755), 0);
	}
	for (unsigned i = 0; i < files; i++) {
		snprintf(rel, sizeof(rel), "big/d%u/f%u", i % dirs, i);
		pdh_write(fu_at(share, rel), "", 0644);
	}
	pdh_open_caps(&h, c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
	return fu_grant(&h, c, share, PROTO_PERM_READ | PROTO_PERM_WRITE);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

struct retry {
	struct pdh_conn *c;
	uint64_t doc, into;
	unsigned tries;
};

/* Moves "big" into "into" (deeper); true once it moved. */
static bool moved_deeper(void *arg)
{
	struct retry *t = arg;
	char why[300];
	t->tries++;
	uint32_t code = fu_rename(t->c, t->doc, PROTO_ROOT_NODE, "big", t->into, "big", 0, why);
	if (code)
		assert_string_equal(why, TRY_LATER);
	return code == 0;
}

static void test_spent_then_served(void **state)
{
	(void)state;
	struct pdh_conn c, c2;
	char share[1024], why[300];
	/* 1001 folders: 2 * 1001 + 1000 names a walk. */
	uint64_t doc = granted_big(&c, "spent", 1000, 0, share);
	uint64_t into = fu_dir(&c, doc, PROTO_ROOT_NODE, "into");
	struct retry t = {&c, doc, into, 0};
	/* The first deeper move is walked and done; back shallower (no node
	 * held below it) needs no walk. */
	assert_true(moved_deeper(&t));
	assert_int_equal(fu_rename(&c, doc, into, "big", PROTO_ROOT_NODE, "big", 0, why), 0);
	/* The next is refused: nothing moved. */
	assert_int_equal(fu_rename(&c, doc, PROTO_ROOT_NODE, "big", into, "big", 0, why),
			 PROTO_ERR_LIMIT);
	assert_string_equal(why, TRY_LATER);
	assert_true(exists(fu_at(share, "big/d999")));
	assert_false(exists(fu_at(share, "into/big")));
	/* So is a move into itself: its check is charged too, not run free. */
	uint64_t big = fu_dir(&c, doc, PROTO_ROOT_NODE, "big");
	uint64_t d0 = fu_dir(&c, doc, big, "d0");
	assert_int_equal(fu_rename(&c, doc, PROTO_ROOT_NODE, "big", d0, "big", 0, why),
			 PROTO_ERR_LIMIT);
	assert_string_equal(why, TRY_LATER);
	struct proto_msg fm, fr;
	pdh_entry_req(&fm, PROTO_ENTRY_FORGET, doc, d0, NULL, 1);
	assert_int_equal(pdh_call(&c, &fm, &fr), 0);
	pdh_entry_req(&fm, PROTO_ENTRY_FORGET, doc, big, NULL, 1);
	assert_int_equal(pdh_call(&c, &fm, &fr), 0);
	/* What needs no walk goes on: a rename in place, a file moved deeper. */
	pdh_write(fu_at(share, "file"), "x", 0644);
	assert_int_equal(fu_rename(&c, doc, PROTO_ROOT_NODE, "file", into, "file", 0, why), 0);
	assert_int_equal(
	    fu_rename(&c, doc, PROTO_ROOT_NODE, "big", PROTO_ROOT_NODE, "big2", 0, why), 0);
	assert_int_equal(
	    fu_rename(&c, doc, PROTO_ROOT_NODE, "big2", PROTO_ROOT_NODE, "big", 0, why), 0);
	/* A new connection shares the spent budget: refused too. */
	pdh_open_caps(&h, &c2, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
	uint64_t into2 = fu_dir(&c2, doc, PROTO_ROOT_NODE, "into");
	assert_int_equal(fu_rename(&c2, doc, PROTO_ROOT_NODE, "big", into2, "big", 0, why),
			 PROTO_ERR_LIMIT);
	assert_string_equal(why, TRY_LATER);
	assert_false(exists(fu_at(share, "into/big")));
	pdh_close(&c2);
	/* Served again once the bucket refilled (about a second), retrying
	 * all along: a refusal costs nothing. */
	uint64_t t0 = clock_now_ms();
	assert_true(pdh_wait_for(moved_deeper, &t, 10000));
	assert_true(t.tries > 2);
	assert_true(clock_now_ms() - t0 >= 500);
	assert_true(exists(fu_at(share, "into/big/d999")));
	pdh_close(&c);
}

struct retry_up {
	struct pdh_conn *c;
	uint64_t doc, from, to;
};

/* Moves "x" of node from into node to (shallower); true once it moved. */
static bool moved_up(void *arg)
{
	struct retry_up *t = arg;
	char why[300];
	uint32_t code = fu_rename(t->c, t->doc, t->from, "x", t->to, "x", 0, why);
	if (code)
		assert_string_equal(why, TRY_LATER);
	return code == 0;
}

/* A folder moved shallower checks each node held in it, a level up each
 * level it is below the folder, charged to the budget before the first:
 * x held with a chain of 100 held below it (5051 levels up) is more than
 * the bucket ever holds (5000): TOO_BIG, nothing moved (the guest copies);
 * with 99 (4951) it moves, and at once again is more than is left: LIMIT,
 * nothing moved, served once the bucket refilled. */
static void test_held_checks(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300], rel[256] = "p/q/x";
	snprintf(share, sizeof(share), "%s", pdh_path(&h, "held"));
	assert_int_equal(mkdir(share, 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "p"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "p/q"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, rel), 0755), 0);
	for (unsigned i = 0; i < 100; i++) {
		strcat(rel, "/z");
		assert_int_equal(mkdir(fu_at(share, rel), 0755), 0);
	}
	pdh_open_caps(&h, &c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
	uint64_t doc = fu_grant(&h, &c, share, PROTO_PERM_READ | PROTO_PERM_WRITE);
	uint64_t p = fu_dir(&c, doc, PROTO_ROOT_NODE, "p");
	uint64_t q = fu_dir(&c, doc, p, "q");
	uint64_t node = fu_dir(&c, doc, q, "x");
	for (unsigned i = 0; i < 100; i++)
		node = fu_dir(&c, doc, node, "z");
	assert_int_equal(fu_rename(&c, doc, q, "x", p, "x", 0, why), PROTO_ERR_TOO_BIG);
	assert_non_null(strstr(why, "held deep"));
	assert_true(exists(fu_at(share, "p/q/x")));
	struct proto_msg m, r;
	pdh_entry_req(&m, PROTO_ENTRY_FORGET, doc, node, NULL, 1);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	/* Once the bucket is full again (the test before spent of it). */
	struct retry_up t = {&c, doc, q, p};
	assert_true(pdh_wait_for(moved_up, &t, 10000));
	assert_int_equal(fu_rename(&c, doc, p, "x", PROTO_ROOT_NODE, "x", 0, why), PROTO_ERR_LIMIT);
	assert_string_equal(why, TRY_LATER);
	assert_true(exists(fu_at(share, "p/x")));
	t = (struct retry_up){&c, doc, p, PROTO_ROOT_NODE};
	assert_true(pdh_wait_for(moved_up, &t, 10000));
	assert_true(exists(fu_at(share, "x/z")));
	pdh_close(&c);
}

static void report(const char *what, unsigned secs, unsigned moved, unsigned refused,
		   unsigned long ticks)
{
	long hz = sysconf(_SC_CLK_TCK);
	printf("walk bench, %s: %u s, %u done, %u refused, daemon CPU %lu ms (%.1f %% of a "
	       "core)\n",
	       what, secs, moved, refused, ticks * 1000ul / (unsigned long)hz,
	       100.0 * (double)ticks / (double)hz / secs);
}

static void test_bench(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	unsigned secs = (unsigned)atoi(getenv("PD_WALK_BENCH"));
	unsigned moved = 0, refused = 0;
	/* At the bounds: 4096 folders and 65287 of the 65536 names. */
	uint64_t doc = granted_big(&c, "bench", 4095, 53000, share);
	uint64_t into = fu_dir(&c, doc, PROTO_ROOT_NODE, "into");
	unsigned long t0 = pdh_cpu_ticks(&h);
	uint64_t end = clock_now_ms() + 1000ull * secs;
	while (clock_now_ms() < end) {
		uint32_t code = fu_rename(&c, doc, PROTO_ROOT_NODE, "big", into, "big", 0, why);
		if (code == 0) {
			moved++;
			assert_int_equal(
			    fu_rename(&c, doc, into, "big", PROTO_ROOT_NODE, "big", 0, why), 0);
		} else {
			assert_int_equal(code, PROTO_ERR_LIMIT);
			refused++;
		}
	}
	report("deeper moves", secs, moved, refused, pdh_cpu_ticks(&h) - t0);
	/* The peer: the same loop of renames that need no walk (in place). */
	moved = 0;
	t0 = pdh_cpu_ticks(&h);
	end = clock_now_ms() + 1000ull * secs;
	while (clock_now_ms() < end) {
		assert_int_equal(
		    fu_rename(&c, doc, PROTO_ROOT_NODE, "big", PROTO_ROOT_NODE, "big2", 0, why), 0);
		assert_int_equal(
		    fu_rename(&c, doc, PROTO_ROOT_NODE, "big2", PROTO_ROOT_NODE, "big", 0, why), 0);
		moved += 2;
	}
	report("renames in place", secs, moved, 0, pdh_cpu_ticks(&h) - t0);
	pdh_close(&c);
}

int main(void)
{
	if (getenv("PD_WALK_BENCH")) {
		const struct CMUnitTest bench[] = {cmocka_unit_test(test_bench)};
		return cmocka_run_group_tests_name("portald_walk_bench", bench, start, stop);
	}
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_spent_then_served),
					   cmocka_unit_test(test_held_checks)};
	return cmocka_run_group_tests_name("portald_walk_budget", tests, start, stop);
}
