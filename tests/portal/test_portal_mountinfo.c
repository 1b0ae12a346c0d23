/* Finding the document filesystem's device in /proc/self/mountinfo (the
 * readahead raised at mount time, portal/mount.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "mountinfo.h"

#define FT "fuse.appvm-doc"

static int find(const char *text, const char *mp, unsigned *maj, unsigned *min)
{
	return portal_mountinfo_dev(text, strlen(text), mp, FT, maj, min);
}

static void test_found(void **state)
{
	(void)state;
	unsigned maj = 99, min = 99;
	const char *text =
	    "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n"
	    "23 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
	    "41 30 0:45 / /run/user/1000/doc rw,nosuid,nodev,relatime shared:20 master:3 - "
	    "fuse.appvm-doc appvm-doc rw,user_id=1000,group_id=1000,default_permissions\n";
	assert_int_equal(find(text, "/run/user/1000/doc", &maj, &min), 0);
	assert_int_equal(maj, 0);
	assert_int_equal(min, 45);
	/* No optional tags, no final newline. */
	assert_int_equal(find("5 1 7:3 / /d rw - fuse.appvm-doc s rw", "/d", &maj, &min), 0);
	assert_int_equal(maj, 7);
	assert_int_equal(min, 3);
}

static void test_last_wins_and_escapes(void **state)
{
	(void)state;
	unsigned maj = 0, min = 0;
	/* A stale mount under a fresh one on the same path: the last line is
	 * the mount on top. */
	const char *text = "40 30 0:44 / /a\\040b rw - fuse.appvm-doc s rw\n"
			   "41 40 0:46 / /a\\040b rw - fuse.appvm-doc s rw\n"
			   "42 30 0:47 / /a\\134b rw - fuse.appvm-doc s rw\n";
	assert_int_equal(find(text, "/a b", &maj, &min), 0);
	assert_int_equal(min, 46);
	assert_int_equal(find(text, "/a\\b", &maj, &min), 0);
	assert_int_equal(min, 47);
	/* The escape stands for one character, not four. */
	assert_int_equal(find(text, "/a\\040b", &maj, &min), -ENOENT);
	assert_int_equal(find(text, "/a", &maj, &min), -ENOENT);
	assert_int_equal(find(text, "/a bc", &maj, &min), -ENOENT);
}

static void test_not_ours(void **state)
{
	(void)state;
	unsigned maj = 0, min = 0;
	/* Right path, other type; other path, right type. */
	assert_int_equal(find("1 0 0:5 / /d rw - fuse s rw\n", "/d", &maj, &min), -ENOENT);
	assert_int_equal(find("1 0 0:5 / /d rw - fuse.appvm-docs s rw\n", "/d", &maj, &min),
			 -ENOENT);
	assert_int_equal(find("1 0 0:5 / /e rw - fuse.appvm-doc s rw\n", "/d", &maj, &min),
			 -ENOENT);
	assert_int_equal(find("", "/d", &maj, &min), -ENOENT);
}

static void test_malformed(void **state)
{
	(void)state;
	unsigned maj = 0, min = 0;
	static const char *const bad[] = {
	    "1 0 0:5 / /d rw fuse.appvm-doc s rw\n",	     /* no separator */
	    "1 0 0:5 / /d rw -\n",			     /* no type */
	    "1 0 0-5 / /d rw - fuse.appvm-doc s rw\n",	     /* no colon */
	    "1 0 :5 / /d rw - fuse.appvm-doc s rw\n",	     /* no major */
	    "1 0 0: / /d rw - fuse.appvm-doc s rw\n",	     /* no minor */
	    "1 0 0:5:6 / /d rw - fuse.appvm-doc s rw\n",     /* three numbers */
	    "1 0 0:9999999999 / /d rw - fuse.appvm-doc s\n", /* too long */
	    "1 0 0:5 /\n",				     /* cut short */
	    "\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (find(bad[i], "/d", &maj, &min) != -EINVAL)
			fail_msg("case %zu", i);
	/* A length that stops inside a line reads only that much. */
	const char *text = "1 0 0:5 / /d rw - fuse.appvm-doc s rw\n";
	assert_int_equal(portal_mountinfo_dev(text, 12, "/d", FT, &maj, &min), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_found),
	    cmocka_unit_test(test_last_wins_and_escapes),
	    cmocka_unit_test(test_not_ours),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
