/* A guest's write replaces the file's content, so it must not keep the
 * set-user-ID and set-group-ID bits of the file it replaces: write(2) by
 * anyone but root drops them for the same reason (whoever runs the file
 * would run the guest's bytes with the owner's rights). The daemon runs
 * as the desktop's user, so the commit is checked as an unprivileged uid
 * (65534 when the test runs as root; 65533 owns "another user's" file). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_docio.h"

static const uint64_t key[4] = {7, 7, 7, 7};

/* In the child: grants path, writes, commits; returns the new mode. */
static int commit_as_user(const char *path, mode_t *ret_mode)
{
	struct pd_grants t;
	struct pd_limits lim = {
	    .max_grants = 4, .max_file_size = 1 << 20, .staging_quota = 1 << 20};
	struct pd_grant *g;
	const char *why;
	if (pd_grants_init(&t, &lim, key) < 0 ||
	    pd_docio_grant_path(path, PD_MODE_SAVE, PROTO_PERM_READ | PROTO_PERM_WRITE, 1, &g,
				&why) < 0 ||
	    pd_grants_add(&t, g) < 0)
		return 12;
	if (pd_docio_begin(&t, g, false, 1, &why) < 0 ||
	    pd_docio_write(&t, g, 0, "echo guest\n", 11, &why) < 0 ||
	    pd_docio_commit(&t, g, 022, &why) < 0)
		return 13;
	struct stat sb;
	if (stat(path, &sb) < 0)
		return 14;
	*ret_mode = sb.st_mode & 07777;
	pd_docio_free(pd_grants_take(&t, g->id));
	pd_grants_free(&t);
	return 0;
}

static void test_setid_bits_dropped(void **state)
{
	(void)state;
	char dir[] = "/var/tmp/appvm-pd-modes.XXXXXX";
	assert_non_null(mkdtemp(dir));
	uid_t uid = geteuid() == 0 ? 65534 : geteuid();
	gid_t gid = geteuid() == 0 ? 65534 : getegid();
	assert_int_equal(chown(dir, uid, gid), 0);
	assert_int_equal(chmod(dir, 0775), 0);
	/* The user's own files (the commit's chown to the same owner drops
	 * the bits already), and a file of another user in a shared, group
	 * writable folder: the chown fails, and the new file would be the
	 * user's, set-user-ID, running the guest's bytes as the user for
	 * whoever runs it. */
	bool root = geteuid() == 0;
	static const struct {
		bool other_owner;
		mode_t before, after;
	} cases[] = {
	    {false, 04755, 0755}, {false, 02755, 0755}, {false, 0640, 0640},
	    {true, 04775, 0775},  {true, 06775, 0775},	{true, 02770, 0770},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].other_owner && !root)
			continue; /* needs root to make another user's file */
		char path[128];
		snprintf(path, sizeof(path), "%s/tool%zu", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
		assert_int_equal(fchown(fd, cases[i].other_owner ? uid - 1 : uid, gid), 0);
		assert_int_equal(fchmod(fd, cases[i].before), 0);
		close(fd);
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			if (root && (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
				     setresuid(uid, uid, uid) < 0))
				_exit(9);
			mode_t got = 0;
			int r = commit_as_user(path, &got);
			if (write(p[1], &got, sizeof(got)) != sizeof(got))
				_exit(8);
			_exit(r);
		}
		close(p[1]);
		mode_t got = 0;
		ssize_t n = read(p[0], &got, sizeof(got));
		close(p[0]);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || n != sizeof(got))
			fail_msg("case %zu: the child failed (status 0x%x)", i, st);
		if (got != cases[i].after)
			fail_msg("case %zu: %04o became %04o, want %04o", i, cases[i].before, got,
				 cases[i].after);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_setid_bits_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
