/* pd_fio_walk on real folders, with small bounds: every folder found with
 * its level, files and symbolic links not taken for folders, a folder
 * below the last level refusing the walk, the folder and name
 * bounds, bad arguments, and no descriptor left open after any of it; the
 * checks of a rename before its walk; the walk without openat2 (a bind
 * mount inside refused there too). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_folderio.h"

static char dir[1024];

static const char *at(const char *rel)
{
	static char p[2][1200];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, rel);
	return p[k];
}

static int setup(void **state)
{
	(void)state;
	const char *base = getenv("APPVM_TEST_WORK");
	snprintf(dir, sizeof(dir), "%s/folderio.XXXXXX", base ? base : "/var/tmp");
	mkdir(base ? base : "/var/tmp", 0755);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static unsigned open_fds(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The level walked for the folder with this path's inode (-1: not walked). */
static int level_of(const struct pd_fwalk *w, const char *rel)
{
	struct stat st;
	assert_int_equal(stat(at(rel), &st), 0);
	for (unsigned i = 0; i < w->n; i++)
		if (w->v[i].ino == (uint64_t)st.st_ino && w->v[i].dev == (uint64_t)st.st_dev)
			return (int)w->v[i].level;
	return -1;
}

static void test_walk(void **state)
{
	(void)state;
	static const char *const dirs[] = {"m", "m/a", "m/a/b", "m/a/b/c", "m/x", "chain"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_int_equal(mkdir(at(dirs[i]), 0755), 0);
	int f = open(at("m/a/file"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(f >= 0);
	close(f);
	assert_int_equal(symlink("../chain", at("m/x/link")), 0);
	assert_int_equal(mkfifo(at("m/fifo"), 0644), 0);
	int parent = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(parent >= 0);
	unsigned fds = open_fds();
	struct pd_fwalk w;

	/* All of it: five folders, each at its level; no link, file or FIFO. */
	struct pd_walk_limits lim = {10, 100, 1000};
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), 0);
	assert_int_equal(w.n, 5);
	assert_int_equal(w.v[0].level, 0);
	assert_int_equal(level_of(&w, "m"), 0);
	assert_int_equal(level_of(&w, "m/a"), 1);
	assert_int_equal(level_of(&w, "m/a/b"), 2);
	assert_int_equal(level_of(&w, "m/a/b/c"), 3);
	assert_int_equal(level_of(&w, "m/x"), 1);
	assert_int_equal(level_of(&w, "chain"), -1);
	free(w.v);
	/* Exactly deep enough (3 levels below), and one short. */
	lim.levels = 3;
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), 0);
	free(w.v);
	lim.levels = 2;
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), -ENAMETOOLONG);
	free(w.v);
	/* The folder bound: five fit, four do not. */
	lim = (struct pd_walk_limits){10, 5, 1000};
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), 0);
	free(w.v);
	lim.dirs = 4;
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), -E2BIG);
	assert_true(w.n <= 4);
	free(w.v);
	/* The name bound (".", ".." and every entry count). */
	lim = (struct pd_walk_limits){10, 100, 3};
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), -EOVERFLOW);
	free(w.v);
	/* What is no folder, or no name of one component. */
	lim = (struct pd_walk_limits){10, 100, 1000};
	assert_int_equal(pd_fio_walk(parent, "m/fifo", &lim, &w), -EINVAL);
	free(w.v);
	assert_int_equal(pd_fio_walk(parent, "..", &lim, &w), -EINVAL);
	free(w.v);
	assert_int_equal(pd_fio_walk(parent, "nothing", &lim, &w), -ENOENT);
	free(w.v);
	assert_int_equal(symlink("chain", at("chain-link")), 0);
	int r = pd_fio_walk(parent, "chain-link", &lim, &w);
	assert_true(r == -ELOOP || r == -ENOTDIR);
	free(w.v);
	int dfd = open(at("m"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(pd_fio_walk(dfd, "fifo", &lim, &w), -ENOTDIR);
	free(w.v);
	close(dfd);
	lim.levels = 1000;
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), -EINVAL);
	free(w.v);
	lim = (struct pd_walk_limits){10, 0, 1000};
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), -EINVAL);
	free(w.v);
	assert_int_equal(open_fds(), fds);
	close(parent);
}

/* The checks before a rename's walk, and the folder some levels up. */
static void test_rename_check(void **state)
{
	(void)state;
	static const char *const dirs[] = {"r", "r/d", "r/d/e", "r/d/e/f", "r/other"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_int_equal(mkdir(at(dirs[i]), 0755), 0);
	int f = open(at("r/file"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(f >= 0);
	close(f);
	assert_int_equal(symlink("d", at("r/link")), 0);
	int r = open(at("r"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ef = open(at("r/d/e/f"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(r >= 0 && ef >= 0);
	struct stat st, d;
	assert_int_equal(stat(at("r/d"), &d), 0);
	assert_int_equal(pd_fio_rename_check(r, "d", r, "new", true, &st), 0);
	assert_true(S_ISDIR(st.st_mode) && st.st_ino == d.st_ino);
	assert_int_equal(pd_fio_rename_check(r, "d", r, "other", true, &st), -EEXIST);
	assert_int_equal(pd_fio_rename_check(r, "d", r, "other", false, &st), 0);
	assert_int_equal(pd_fio_rename_check(r, "d", r, "file", false, &st), -ENOTDIR);
	assert_int_equal(pd_fio_rename_check(r, "file", r, "d", false, &st), -EISDIR);
	assert_int_equal(pd_fio_rename_check(r, "file", r, "file", false, &st), 0);
	assert_int_equal(pd_fio_rename_check(r, "file", r, "file", true, &st), -EEXIST);
	assert_int_equal(pd_fio_rename_check(r, "link", r, "new", false, &st), -EPERM);
	assert_int_equal(pd_fio_rename_check(r, "d", r, "link", false, &st), -EPERM);
	assert_int_equal(pd_fio_rename_check(r, "gone", r, "new", false, &st), -ENOENT);
	assert_int_equal(pd_fio_rename_check(r, "d", r, "a/b", false, &st), -EINVAL);
	assert_int_equal(pd_fio_rename_check(r, "..", r, "new", false, &st), -EINVAL);
	/* f, e, d above r/d/e/f: d is 2 up; r/d is not 1 or 3 up. */
	assert_int_equal(pd_fio_above(ef, 2, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 1);
	assert_int_equal(pd_fio_above(ef, 1, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 0);
	assert_int_equal(pd_fio_above(ef, 3, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 0);
	int dd = open(at("r/d"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(pd_fio_above(dd, 0, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 1);
	/* 256 levels up from 3 below dir is far above /, still a folder. */
	assert_int_equal(pd_fio_above(ef, 256, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 0);
	/* Further up than one path goes: r/d is 600 above the bottom of a
	 * chain of 600 folders in it, not 599 or 601. / is its own parent. */
	int bottom = fcntl(dd, F_DUPFD_CLOEXEC, 0);
	for (unsigned i = 0; i < 600; i++) {
		assert_int_equal(mkdirat(bottom, "z", 0755), 0);
		int next = openat(bottom, "z", O_PATH | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(bottom);
		bottom = next;
	}
	assert_int_equal(pd_fio_above(bottom, 600, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 1);
	assert_int_equal(pd_fio_above(bottom, 599, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 0);
	assert_int_equal(pd_fio_above(bottom, 601, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 0);
	assert_int_equal(pd_fio_above(bottom, 512, (uint64_t)d.st_dev, (uint64_t)d.st_ino), 0);
	struct stat root;
	assert_int_equal(stat("/", &root), 0);
	assert_int_equal(pd_fio_above(dd, 3000, (uint64_t)root.st_dev, (uint64_t)root.st_ino), 1);
	close(bottom);
	close(dd);
	close(ef);
	close(r);
}

/* A folder the host user may not search (mode 0; a child process as
 * nobody when root): compared with itself (0 up) all the same, not with
 * its parent (".." needs search permission: -EACCES). */
static void test_above_unsearchable(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(mkdir(at("u"), 0755), 0);
	int fd = open(at("u"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(chmod(at("u"), 0), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0))
			_exit(2);
		if (pd_fio_above(fd, 0, (uint64_t)st.st_dev, (uint64_t)st.st_ino) != 1)
			_exit(3);
		_exit(pd_fio_above(fd, 1, (uint64_t)st.st_dev, (uint64_t)st.st_ino) == -EACCES ? 0
											       : 4);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(at("u"), 0755), 0);
	close(fd);
}

/* In a mount namespace of its own (a child process): a bind mount of the
 * same file system inside the walked folder. Returns what the walk says,
 * with openat2 and without; 77 when namespaces are not allowed here. */
static int walk_bind_mount(bool fallback)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int flags = CLONE_NEWNS | (geteuid() == 0 ? 0 : CLONE_NEWUSER);
		if (unshare(flags) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		if (mount(at("b/src"), at("b/m/mnt"), NULL, MS_BIND, NULL) < 0)
			_exit(78);
		int parent = open(at("b"), O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct pd_walk_limits lim = {10, 100, 1000};
		struct pd_fwalk w;
		pd_fio_test_no_openat2(fallback);
		int r = pd_fio_walk(parent, "m", &lim, &w);
		free(w.v);
		_exit(r == -EXDEV ? 0 : 100 + (r < 0 ? -r : 0));
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Without openat2, the walk still finds every folder, and refuses a bind
 * mount of the same file system (same device, another mount). */
static void test_walk_fallback(void **state)
{
	(void)state;
	static const char *const dirs[] = {"b", "b/src", "b/src/in", "b/m", "b/m/a", "b/m/mnt"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_int_equal(mkdir(at(dirs[i]), 0755), 0);
	int parent = open(at("b"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(parent >= 0);
	unsigned fds = open_fds();
	struct pd_walk_limits lim = {10, 100, 1000};
	struct pd_fwalk w;
	pd_fio_test_no_openat2(true);
	assert_int_equal(pd_fio_walk(parent, "m", &lim, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(level_of(&w, "b/m/mnt"), 1);
	free(w.v);
	pd_fio_test_no_openat2(false);
	assert_int_equal(open_fds(), fds);
	close(parent);
	int with = walk_bind_mount(false);
	if (with == 77)
		skip(); /* no mount namespace here */
	assert_int_equal(with, 0);
	assert_int_equal(walk_bind_mount(true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk),
	    cmocka_unit_test(test_rename_check),
	    cmocka_unit_test(test_above_unsearchable),
	    cmocka_unit_test(test_walk_fallback),
	};
	return cmocka_run_group_tests_name("pd_folderio", tests, setup, teardown);
}
