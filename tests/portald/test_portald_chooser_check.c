/* A chooser that cannot be run (a command, or zenity not in PATH) is a
 * usage error at start (exit 2, one line naming it), not a failure the
 * user meets at the first pick. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_harness.h"

static char work[600];
static char old_path[4096]; /* PATH as the test found it */

static const char *work_path(const char *name)
{
	static char buf[2][700];
	static int turn;
	turn ^= 1;
	snprintf(buf[turn], sizeof(buf[turn]), "%s/%s", work, name);
	return buf[turn];
}

/* Runs the daemon with --chooser command:PATH (zenity when chooser_path
 * is NULL) on sockets of the work directory, its stderr in work/err.
 * Returns its exit status; fails the test if it still runs after 10 s (it
 * started serving). */
static int run_daemon(const char *chooser_path)
{
	char chooser[800];
	if (chooser_path)
		snprintf(chooser, sizeof(chooser), "command:%s", chooser_path);
	else
		snprintf(chooser, sizeof(chooser), "zenity");
	char listen[700], control[700];
	snprintf(listen, sizeof(listen), "%s", work_path("vm.sock"));
	snprintf(control, sizeof(control), "%s", work_path("vm.ctl"));
	const char *argv[] = {getenv("APPVM_PORTALD"),
			      "--name",
			      "vm",
			      "--listen",
			      listen,
			      "--control",
			      control,
			      "--chooser",
			      chooser,
			      NULL};
	char why[900];
	snprintf(why, sizeof(why), "appvm-portald started with the chooser %s", chooser);
	int status = pdh_run_to_exit(argv, work_path("err"), why);
	assert_int_equal(access(listen, F_OK), -1);
	assert_int_equal(access(control, F_OK), -1);
	return status;
}

static void test_unrunnable_choosers(void **state)
{
	(void)state;
	pdh_write(work_path("plain"), "#!/bin/sh\nexit 1\n", 0644);
	assert_int_equal(mkdir(work_path("dir"), 0755), 0);
	char missing[700];
	snprintf(missing, sizeof(missing), "%s", work_path("missing/program"));
	char dir[700], plain[700];
	snprintf(dir, sizeof(dir), "%s", work_path("dir"));
	snprintf(plain, sizeof(plain), "%s", work_path("plain"));
	static const char *const why[] = {"No such file or directory", "Is a directory",
					  "Permission denied", "not a regular file"};
	const char *paths[] = {missing, dir, plain, "/dev/null"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(run_daemon(paths[i]), 2);
		char want[900];
		snprintf(want, sizeof(want),
			 "appvm-portald: --chooser: cannot run '%s': %s\n"
			 "Try 'appvm-portald --help'.\n",
			 paths[i], why[i]);
		const char *got = pdh_read(work_path("err"));
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

/* zenity is found in PATH as posix_spawnp finds it; the daemon refuses to
 * start without it (test_portald_dialogs starts it with a fake one). */
static void test_zenity_not_in_path(void **state)
{
	(void)state;
	assert_int_equal(mkdir(work_path("bin"), 0755), 0);
	assert_int_equal(mkdir(work_path("bin2"), 0755), 0);
	char path[1600];
	snprintf(path, sizeof(path), "%s:%s", work_path("bin"), work_path("bin2"));
	setenv("PATH", path, 1);
	int none = run_daemon(NULL);
	char none_err[512];
	snprintf(none_err, sizeof(none_err), "%s", pdh_read(work_path("err")));
	/* A zenity that cannot be run, and a directory of that name. */
	pdh_write(work_path("bin2/zenity"), "#!/bin/sh\nexit 1\n", 0644);
	assert_int_equal(mkdir(work_path("bin/zenity"), 0755), 0);
	int denied = run_daemon(NULL);
	setenv("PATH", old_path, 1);
	assert_int_equal(none, 2);
	assert_string_equal(none_err, "appvm-portald: --chooser: cannot run 'zenity': No such "
				      "file or directory (searched in PATH)\n"
				      "Try 'appvm-portald --help'.\n");
	assert_int_equal(denied, 2);
	assert_string_equal(pdh_read(work_path("err")),
			    "appvm-portald: --chooser: cannot run 'zenity': Permission denied "
			    "(searched in PATH)\nTry 'appvm-portald --help'.\n");
}

static int setup(void **state)
{
	(void)state;
	const char *path = getenv("PATH");
	snprintf(old_path, sizeof(old_path), "%s", path ? path : "/usr/bin:/bin");
	const char *base = getenv("APPVM_TEST_WORK");
	mkdir(base ? base : "/var/tmp", 0755);
	snprintf(work, sizeof(work), "%s/c.XXXXXX", base ? base : "/var/tmp");
	return mkdtemp(work) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	setenv("PATH", old_path, 1); /* a failed check may have left its own */
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unrunnable_choosers),
	    cmocka_unit_test(test_zenity_not_in_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
