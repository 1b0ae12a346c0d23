/* /etc/passwd and /etc/group lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "passwd.h"

#include <errno.h>
#include <string.h>

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# comment\n"
			     "\n"
			     "broken:x:12\n"
			     "badid:x:abc:1:x:/:/bin/sh\n"
			     "user:x:1000:1000:A User,,,:/home/user:/bin/bash\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin";

static const char group[] = "root:x:0:\n"
			    "audio:x:29:user,other\n"
			    "video:x:44:other,user\n"
			    "users:x:100:\n"
			    "weird:x:zz:user\n"
			    "user:x:1000:\n";

static void test_user(void **state)
{
	(void)state;
	struct pw_user u;
	assert_int_equal(pw_find_user(passwd, "user", &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/user");
	assert_string_equal(u.shell, "/bin/bash");
	assert_int_equal(pw_find_user(passwd, "65534", &u), 0);
	assert_string_equal(u.name, "nobody"); /* last line without newline */
	assert_int_equal(pw_find_user(passwd, "0", &u), 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(pw_find_user(passwd, "4242", &u), 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 4242);
	assert_string_equal(u.name, "");
	assert_string_equal(u.home, "/");
	assert_int_equal(pw_find_user(passwd, "ghost", &u), -ENOENT);
	assert_int_equal(pw_find_user(passwd, "broken", &u), -EINVAL);
	assert_int_equal(pw_find_user(passwd, "badid", &u), -EINVAL);
	assert_int_equal(pw_find_user("", "user", &u), -ENOENT);
	assert_int_equal(pw_find_user("a:b:c:d:e:f:g:h:i\n", "a", &u), -ENOENT);
}

static void test_group(void **state)
{
	(void)state;
	gid_t g;
	assert_int_equal(pw_find_group(group, "video", &g), 0);
	assert_int_equal(g, 44);
	assert_int_equal(pw_find_group(group, "100", &g), 0);
	assert_int_equal(g, 100);
	assert_int_equal(pw_find_group(group, "5000", &g), 0);
	assert_int_equal(g, 5000);
	assert_int_equal(pw_find_group(group, "nope", &g), -ENOENT);
	assert_int_equal(pw_find_group(group, "weird", &g), -EINVAL);
}

static void test_members(void **state)
{
	(void)state;
	gid_t g[4];
	size_t n;
	assert_int_equal(pw_member_groups(group, "user", g, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(g[0], 29);
	assert_int_equal(g[1], 44);
	assert_int_equal(pw_member_groups(group, "use", g, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pw_member_groups(group, "other", g, 1, &n), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user),
	    cmocka_unit_test(test_group),
	    cmocka_unit_test(test_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
