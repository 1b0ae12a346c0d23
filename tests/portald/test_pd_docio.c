/* Grants against real files in a scratch directory: what may be granted,
 * reads that refuse swapped-in symlinks and FIFOs, and staged writes from
 * begin to commit or abort, leaving nothing behind in the user's folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_docio.h"

static char dir[4096];
static const uint64_t key[4] = {9, 9, 9, 9};

static const char *at(const char *name)
{
	static char p[2][4200];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void put(const char *name, const char *text, mode_t mode)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static char *slurp(const char *name)
{
	static char buf[8192];
	int fd = open(at(name), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static unsigned entries(void)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	const char *base = getenv("APPVM_TEST_WORK");
	snprintf(dir, sizeof(dir), "%s/docio.XXXXXX", base ? base : "/var/tmp");
	mkdir(base ? base : "/var/tmp", 0755);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct pd_grant *grant(const char *name, enum pd_mode mode, int want)
{
	struct pd_grant *g = NULL;
	const char *why = NULL;
	int r =
	    pd_docio_grant_path(at(name), mode, PROTO_PERM_READ | PROTO_PERM_WRITE, 1, &g, &why);
	if (r != want)
		fail_msg("grant %s: %d (%s), want %d", name, r, why ? why : "", want);
	return g;
}

static void test_what_may_be_granted(void **state)
{
	(void)state;
	put("doc.txt", "hello world", 0644);
	mkdir(at("sub"), 0755);
	mkfifo(at("fifo"), 0644);
	assert_int_equal(symlink("doc.txt", at("link")), 0);
	assert_int_equal(symlink("nowhere", at("dangling")), 0);
	struct pd_grant *g = grant("doc.txt", PD_MODE_OPEN, 0);
	assert_string_equal(g->name, "doc.txt");
	assert_string_equal(g->display, "doc.txt");
	assert_string_equal(g->path, at("doc.txt"));
	pd_docio_free(g);
	/* A symlink the user picked is followed once, now. */
	g = grant("link", PD_MODE_OPEN, 0);
	assert_string_equal(g->name, "doc.txt");
	pd_docio_free(g);
	assert_null(grant("sub", PD_MODE_OPEN, -EINVAL));
	assert_null(grant("fifo", PD_MODE_OPEN, -EINVAL));
	assert_null(grant("missing", PD_MODE_OPEN, -ENOENT));
	assert_null(grant("dangling", PD_MODE_OPEN, -ENOENT));
	/* Saving: a new name, or an existing regular file. */
	g = grant("new.txt", PD_MODE_SAVE, 0);
	struct proto_doc_stat st;
	const char *why;
	assert_int_equal(pd_docio_stat(g, &st, &why), 0);
	assert_int_equal(st.flags, PROTO_PERM_READ | PROTO_PERM_WRITE);
	assert_int_equal(st.size, 0);
	pd_docio_free(g);
	g = grant("doc.txt", PD_MODE_SAVE, 0);
	assert_int_equal(pd_docio_stat(g, &st, &why), 0);
	assert_int_equal(st.flags, PROTO_PERM_READ | PROTO_PERM_WRITE | PROTO_STAT_EXISTS);
	assert_int_equal(st.size, 11);
	assert_true(st.mtime_sec > 0);
	pd_docio_free(g);
	assert_null(grant("sub", PD_MODE_SAVE, -EINVAL));
	assert_null(grant("dangling", PD_MODE_SAVE, -ENOENT));
	assert_null(grant("nodir/x", PD_MODE_SAVE, -ENOENT));
	assert_int_equal(pd_docio_grant_path("relative", PD_MODE_OPEN, 1, 1, &g, &why), -EINVAL);
	assert_int_equal(pd_docio_grant_path("/", PD_MODE_SAVE, 1, 1, &g, &why), -EINVAL);
	unlink(at("fifo"));
	unlink(at("link"));
	unlink(at("dangling"));
	rmdir(at("sub"));
	unlink(at("doc.txt"));
}

static void test_reads_refuse_swaps(void **state)
{
	(void)state;
	char buf[64];
	size_t n = 99;
	const char *why;
	put("r.txt", "0123456789", 0644);
	struct pd_grant *g = grant("r.txt", PD_MODE_OPEN, 0);
	assert_int_equal(pd_docio_read(g, false, 2, buf, 5, &n, &why), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "23456", 5);
	assert_int_equal(pd_docio_read(g, false, 8, buf, 50, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pd_docio_read(g, false, 1000, buf, 50, &n, &why), 0);
	assert_int_equal(n, 0);
	/* Replaced by a symlink to a secret: refused, not followed. */
	put("secret", "SECRET", 0600);
	unlink(at("r.txt"));
	assert_int_equal(symlink("secret", at("r.txt")), 0);
	assert_true(pd_docio_read(g, false, 0, buf, 50, &n, &why) < 0);
	assert_int_equal(n, 0);
	struct proto_doc_stat st;
	assert_true(pd_docio_stat(g, &st, &why) < 0);
	/* Replaced by a FIFO: refused at once, no blocking. */
	unlink(at("r.txt"));
	mkfifo(at("r.txt"), 0644);
	assert_true(pd_docio_read(g, false, 0, buf, 50, &n, &why) < 0);
	/* Gone: reads as empty, stat says so. */
	unlink(at("r.txt"));
	assert_int_equal(pd_docio_read(g, false, 0, buf, 50, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pd_docio_stat(g, &st, &why), 0);
	assert_false(st.flags & PROTO_STAT_EXISTS);
	pd_docio_free(g);
	unlink(at("secret"));
}

static void test_stage_commit_new_file(void **state)
{
	(void)state;
	struct pd_limits lim = {
	    .max_grants = 8, .max_file_size = 1 << 20, .staging_quota = 1 << 20};
	struct pd_grants t;
	const char *why = NULL;
	char buf[64];
	size_t n;
	pd_grants_init(&t, &lim, key);
	unsigned before = entries();
	struct pd_grant *g = grant("out.txt", PD_MODE_SAVE, 0);
	pd_grants_add(&t, g);
	assert_int_equal(pd_docio_begin(&t, g, false, 1, &why), 0);
	assert_true(g->staged);
	assert_int_equal(pd_docio_write(&t, g, 0, "hello ", 6, &why), 0);
	assert_int_equal(pd_docio_write(&t, g, 6, "world", 5, &why), 0);
	assert_int_equal(t.staged_bytes, 11);
	assert_int_equal(pd_docio_read(g, true, 0, buf, sizeof(buf), &n, &why), 0);
	assert_int_equal(n, 11);
	/* Nothing visible before the commit: no file, no temporary name. */
	assert_null(slurp("out.txt"));
	assert_int_equal(entries(), before);
	assert_int_equal(pd_docio_commit(&t, g, 022, &why), 0);
	assert_false(g->staged);
	assert_int_equal(t.staged_bytes, 0);
	assert_string_equal(slurp("out.txt"), "hello world");
	assert_int_equal(entries(), before + 1);
	struct stat sb;
	stat(at("out.txt"), &sb);
	assert_int_equal(sb.st_mode & 07777, 0644);
	pd_docio_free(pd_grants_take(&t, g->id));
	pd_grants_free(&t);
	unlink(at("out.txt"));
}

static void test_stage_keep_truncate_abort(void **state)
{
	(void)state;
	struct pd_limits lim = {
	    .max_grants = 8, .max_file_size = 1 << 20, .staging_quota = 1 << 20};
	struct pd_grants t;
	const char *why = NULL;
	pd_grants_init(&t, &lim, key);
	put("edit.txt", "line one\nline two\n", 0640);
	unsigned before = entries();
	struct pd_grant *g = grant("edit.txt", PD_MODE_SAVE, 0);
	pd_grants_add(&t, g);
	assert_int_equal(pd_docio_begin(&t, g, true, 1, &why), 0);
	assert_int_equal(g->stage.size, 18);
	assert_int_equal(pd_docio_truncate(&t, g, 9, &why), 0);
	assert_int_equal(pd_docio_write(&t, g, 9, "LINE TWO\n", 9, &why), 0);
	/* Abort: the file is as it was, nothing left over. */
	pd_docio_abort(&t, g);
	assert_false(g->staged);
	assert_string_equal(slurp("edit.txt"), "line one\nline two\n");
	assert_int_equal(entries(), before);
	/* Again, committed: content replaced, mode kept. */
	assert_int_equal(pd_docio_begin(&t, g, true, 1, &why), 0);
	assert_int_equal(pd_docio_truncate(&t, g, 9, &why), 0);
	assert_int_equal(pd_docio_write(&t, g, 9, "LINE TWO\n", 9, &why), 0);
	assert_int_equal(pd_docio_commit(&t, g, 022, &why), 0);
	assert_string_equal(slurp("edit.txt"), "line one\nLINE TWO\n");
	struct stat sb;
	stat(at("edit.txt"), &sb);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(entries(), before);
	/* A stage left open when the grant goes leaves nothing either. */
	assert_int_equal(pd_docio_begin(&t, g, false, 1, &why), 0);
	assert_int_equal(pd_docio_write(&t, g, 0, "x", 1, &why), 0);
	pd_docio_free(pd_grants_take(&t, g->id));
	assert_int_equal(entries(), before);
	assert_string_equal(slurp("edit.txt"), "line one\nLINE TWO\n");
	pd_grants_free(&t);
	unlink(at("edit.txt"));
}

static void test_keep_over_limit_and_failed_commit(void **state)
{
	(void)state;
	struct pd_limits lim = {.max_grants = 8, .max_file_size = 10, .staging_quota = 10};
	struct pd_grants t;
	const char *why = NULL;
	pd_grants_init(&t, &lim, key);
	put("big.txt", "0123456789AB", 0644);
	unsigned before = entries();
	struct pd_grant *g = grant("big.txt", PD_MODE_SAVE, 0);
	pd_grants_add(&t, g);
	assert_int_equal(pd_docio_begin(&t, g, true, 1, &why), -EFBIG);
	assert_false(g->staged);
	assert_int_equal(entries(), before);
	/* The target turns into a folder before the commit: refused, cleaned up. */
	assert_int_equal(pd_docio_begin(&t, g, false, 1, &why), 0);
	assert_int_equal(pd_docio_write(&t, g, 0, "x", 1, &why), 0);
	unlink(at("big.txt"));
	mkdir(at("big.txt"), 0755);
	mkdir(at("big.txt/inside"), 0755);
	assert_true(pd_docio_commit(&t, g, 022, &why) < 0);
	assert_non_null(why);
	assert_false(g->staged);
	assert_int_equal(t.staged_bytes, 0);
	assert_int_equal(entries(), before);
	pd_docio_free(pd_grants_take(&t, g->id));
	pd_grants_free(&t);
	rmdir(at("big.txt/inside"));
	rmdir(at("big.txt"));
}

static void test_batch_names(void **state)
{
	(void)state;
	struct pd_grant *g[4];
	const char *why;
	put("b.txt", "taken", 0644);
	put("c", "taken", 0644);
	put("c (2)", "taken", 0644);
	const char *names[] = {"a.txt", "b.txt", "b (2).txt", "c"};
	assert_int_equal(pd_docio_grant_batch(dir, names, 4, 1, g, &why), 0);
	assert_string_equal(g[0]->name, "a.txt");
	assert_string_equal(g[1]->name, "b (2).txt");
	/* Taken by the batch itself now. */
	assert_string_equal(g[2]->name, "b (2) (2).txt");
	assert_string_equal(g[3]->name, "c (3)");
	for (int i = 0; i < 4; i++) {
		assert_int_equal(g[i]->perms, PROTO_PERM_READ | PROTO_PERM_WRITE);
		pd_docio_free(g[i]);
	}
	assert_string_equal(slurp("b.txt"), "taken");
	put("plain", "x", 0644);
	assert_int_equal(pd_docio_grant_batch(at("plain"), names, 1, 1, g, &why), -ENOTDIR);
	assert_int_equal(pd_docio_grant_batch(at("none"), names, 1, 1, g, &why), -ENOENT);
	unlink(at("b.txt"));
	unlink(at("c"));
	unlink(at("c (2)"));
	unlink(at("plain"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_what_may_be_granted),
	    cmocka_unit_test(test_reads_refuse_swaps),
	    cmocka_unit_test(test_stage_commit_new_file),
	    cmocka_unit_test(test_stage_keep_truncate_abort),
	    cmocka_unit_test(test_keep_over_limit_and_failed_commit),
	    cmocka_unit_test(test_batch_names),
	};
	return cmocka_run_group_tests_name("pd_docio", tests, setup, teardown);
}
