/* How file operations become staged writes (docstate.c), walked through the
 * way real programs save: vim in place, GIO and sed with a scratch file and
 * a rename, shell redirections, truncate(2); and what a lost connection,
 * a competing writer and the scratch budget do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "docstate.h"

static enum stage_step plan(struct stage *st, enum stage_op op, bool exists, uint64_t size)
{
	int err = -1;
	enum stage_step s = stage_plan(st, op, exists, size, &err);
	if (s != STEP_FAIL)
		assert_int_equal(err, 0);
	return s;
}

/* vim: open O_WRONLY, ftruncate(0), write, fsync, close. */
static void test_vim_in_place(void **state)
{
	(void)state;
	struct stage st = {0};
	stage_writer_opened(&st);
	assert_int_equal(plan(&st, STAGE_OP_TRUNCATE, true, 0), STEP_BEGIN);
	stage_begun(&st, false, 0);
	assert_true(st.dirty);
	assert_int_equal(plan(&st, STAGE_OP_TRUNCATE, true, 0), STEP_DONE);
	assert_int_equal(plan(&st, STAGE_OP_WRITE, true, 0), STEP_GO);
	stage_wrote(&st, 4096);
	stage_wrote(&st, 100); /* a write inside what is there grows nothing */
	assert_int_equal(stage_size(&st, 9999), 4096);
	assert_int_equal(plan(&st, STAGE_OP_COMMIT, true, 0), STEP_COMMIT);
	st.state = STAGE_COMMITTING;
	assert_int_equal(stage_size(&st, 9999), 4096);
	stage_committed(&st);
	assert_int_equal(st.state, STAGE_NONE);
	assert_int_equal(stage_size(&st, 4096), 4096);
	/* close after fsync: nothing left to commit, nothing to abort. */
	assert_int_equal(plan(&st, STAGE_OP_COMMIT, true, 0), STEP_DONE);
	assert_false(stage_writer_closed(&st));
}

/* A program that writes part of an existing file keeps the rest. */
static void test_partial_write_keeps(void **state)
{
	(void)state;
	struct stage st = {0};
	stage_writer_opened(&st);
	assert_int_equal(plan(&st, STAGE_OP_WRITE, true, 0), STEP_BEGIN_KEEP);
	stage_begun(&st, true, 500);
	assert_false(st.dirty); /* a copy is not a change */
	assert_int_equal(stage_size(&st, 500), 500);
	assert_int_equal(plan(&st, STAGE_OP_WRITE, true, 0), STEP_GO);
	stage_wrote(&st, 10);
	assert_true(st.dirty);
	assert_int_equal(stage_size(&st, 0), 500);
	/* A file that does not exist yet has nothing to keep. */
	struct stage fresh = {0};
	assert_int_equal(plan(&fresh, STAGE_OP_WRITE, false, 0), STEP_BEGIN);
}

/* GIO replace_contents, sed -i, QSaveFile's fallback: a scratch file
 * renamed onto the document. */
static void test_replace(void **state)
{
	(void)state;
	struct stage st = {0};
	assert_int_equal(plan(&st, STAGE_OP_REPLACE, true, 0), STEP_BEGIN);
	stage_begun(&st, false, 0);
	stage_wrote(&st, 12);
	assert_int_equal(plan(&st, STAGE_OP_COMMIT, true, 0), STEP_COMMIT);
	stage_committed(&st);
	/* While someone writes in place, a rename onto the document waits for
	 * nobody: it fails. */
	stage_writer_opened(&st);
	plan(&st, STAGE_OP_WRITE, true, 0);
	stage_begun(&st, true, 12);
	int err = 0;
	assert_int_equal(stage_plan(&st, STAGE_OP_REPLACE, true, 0, &err), STEP_FAIL);
	assert_int_equal(err, EBUSY);
}

/* Shell redirection onto a save target: create, then write, then close. */
static void test_create(void **state)
{
	(void)state;
	struct stage st = {0};
	assert_int_equal(plan(&st, STAGE_OP_CREATE, false, 0), STEP_BEGIN);
	stage_begun(&st, false, 0);
	assert_int_equal(plan(&st, STAGE_OP_CREATE, false, 0), STEP_DONE);
	stage_writer_opened(&st);
	/* An empty new file is a change: it is committed. */
	assert_int_equal(plan(&st, STAGE_OP_COMMIT, false, 0), STEP_COMMIT);
	/* A create over a stage with content empties it. */
	stage_wrote(&st, 50);
	assert_int_equal(plan(&st, STAGE_OP_CREATE, false, 0), STEP_GO);
}

static void test_truncate(void **state)
{
	(void)state;
	struct stage st = {0};
	/* Growing or cutting to a size keeps the content before it. */
	assert_int_equal(plan(&st, STAGE_OP_TRUNCATE, true, 10), STEP_BEGIN_KEEP);
	stage_begun(&st, true, 100);
	assert_int_equal(plan(&st, STAGE_OP_TRUNCATE, true, 10), STEP_GO);
	stage_truncated(&st, 10);
	assert_true(st.dirty);
	assert_int_equal(stage_size(&st, 100), 10);
	assert_int_equal(plan(&st, STAGE_OP_TRUNCATE, true, 10), STEP_DONE);
	/* Of a missing file, there is nothing to keep either way. */
	struct stage fresh = {0};
	assert_int_equal(plan(&fresh, STAGE_OP_TRUNCATE, false, 10), STEP_BEGIN);
}

/* The connection ends in the middle of an edit: the edit is lost, and the
 * writers learn it until they have all closed. */
static void test_lost(void **state)
{
	(void)state;
	struct stage st = {0};
	stage_writer_opened(&st);
	stage_writer_opened(&st);
	plan(&st, STAGE_OP_WRITE, true, 0);
	stage_begun(&st, true, 10);
	stage_wrote(&st, 20);
	stage_disconnected(&st);
	assert_int_equal(st.state, STAGE_LOST);
	int err = 0;
	assert_int_equal(stage_plan(&st, STAGE_OP_WRITE, true, 0, &err), STEP_FAIL);
	assert_int_equal(err, EIO);
	assert_int_equal(stage_plan(&st, STAGE_OP_COMMIT, true, 0, &err), STEP_FAIL);
	assert_false(stage_writer_closed(&st));
	assert_int_equal(st.state, STAGE_LOST);
	assert_false(stage_writer_closed(&st));
	assert_int_equal(st.state, STAGE_NONE);
	assert_int_equal(plan(&st, STAGE_OP_WRITE, true, 0), STEP_BEGIN_KEEP);

	/* Nothing changed yet: nothing is lost. */
	struct stage clean = {0};
	stage_writer_opened(&clean);
	stage_begun(&clean, true, 10);
	stage_disconnected(&clean);
	assert_int_equal(clean.state, STAGE_NONE);
	/* A commit whose answer never came may or may not have happened. */
	struct stage committing = {0};
	stage_writer_opened(&committing);
	stage_begun(&committing, true, 10);
	committing.state = STAGE_COMMITTING;
	stage_disconnected(&committing);
	assert_int_equal(committing.state, STAGE_LOST);
}

/* The last writer closing: an open stage without changes is dropped. */
static void test_last_close(void **state)
{
	(void)state;
	struct stage st = {0};
	stage_writer_opened(&st);
	stage_begun(&st, true, 10);
	assert_true(stage_writer_closed(&st));
	st = (struct stage){0};
	assert_false(stage_writer_closed(&st)); /* no writer: nothing happens */
	assert_int_equal(st.writers, 0);
	stage_begun(&st, true, 10);
	stage_failed(&st);
	assert_int_equal(st.state, STAGE_NONE);
	assert_false(st.dirty);
}

static void test_scratch_budget(void **state)
{
	(void)state;
	struct scratch_budget b = {.limit = 100, .max_files = 2};
	assert_int_equal(scratch_add_file(&b), 0);
	assert_int_equal(scratch_add_file(&b), 0);
	assert_int_equal(scratch_add_file(&b), -ENOSPC);
	assert_int_equal(scratch_resize(&b, 0, 60), 0);
	assert_int_equal(scratch_resize(&b, 0, 41), -ENOSPC);
	assert_int_equal(b.used, 60);
	assert_int_equal(scratch_resize(&b, 0, 40), 0);
	assert_int_equal(scratch_resize(&b, 60, 10), 0); /* shrinking always fits */
	assert_int_equal(b.used, 50);
	assert_int_equal(scratch_resize(&b, 10, UINT64_MAX), -ENOSPC);
	scratch_remove_file(&b, 10);
	assert_int_equal(b.files, 1);
	assert_int_equal(b.used, 40);
	assert_int_equal(scratch_add_file(&b), 0);
	scratch_remove_file(&b, 1000); /* never below zero */
	assert_int_equal(b.used, 0);
}

static void test_scratch_names(void **state)
{
	(void)state;
	assert_true(scratch_name_ok(".goutputstream-ABC123", "notes.txt"));
	assert_true(scratch_name_ok(".notes.txt.swp", "notes.txt"));
	assert_true(scratch_name_ok("notes.txt~", "notes.txt"));
	assert_true(scratch_name_ok(".~lock.notes.txt#", "notes.txt"));
	assert_false(scratch_name_ok("notes.txt", "notes.txt"));
	assert_false(scratch_name_ok("", "notes.txt"));
	assert_false(scratch_name_ok(".", "notes.txt"));
	assert_false(scratch_name_ok("..", "notes.txt"));
	assert_false(scratch_name_ok("a/b", "notes.txt"));
	char long_name[300];
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	assert_false(scratch_name_ok(long_name, "notes.txt"));
	long_name[255] = '\0';
	assert_true(scratch_name_ok(long_name, "notes.txt"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vim_in_place),  cmocka_unit_test(test_partial_write_keeps),
	    cmocka_unit_test(test_replace),	  cmocka_unit_test(test_create),
	    cmocka_unit_test(test_truncate),	  cmocka_unit_test(test_lost),
	    cmocka_unit_test(test_last_close),	  cmocka_unit_test(test_scratch_budget),
	    cmocka_unit_test(test_scratch_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
