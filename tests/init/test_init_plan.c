/* Mount plan, unmount plan, labels and the restart backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"
#include "config.h"
#include "plan.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

static void test_early(void **state)
{
	(void)state;
	struct plan_mount m[PLAN_EARLY_MAX];
	/* What init and the agent need, then the rest: together in the order
	 * of their mount points' parents. */
	size_t n = plan_early_mounts(m, true, true);
	assert_int_equal(n, 3);
	static const char *const first[] = {"/proc", "/dev", "/run"};
	for (size_t i = 0; i < n; i++)
		assert_string_equal(m[i].target, first[i]);
	assert_true(m[1].may_exist); /* an automounted devtmpfs is fine */
	assert_string_equal(m[2].data, "mode=0755");
	n = plan_early_mounts(m, true, false);
	assert_int_equal(n, 5);
	static const char *const rest[] = {"/sys", "/dev/pts", "/dev/shm", "/tmp",
					   "/sys/fs/cgroup"};
	for (size_t i = 0; i < n; i++)
		assert_string_equal(m[i].target, rest[i]);
	assert_true(m[4].optional); /* cgroup2 may be missing from the kernel */
	assert_string_equal(m[3].data, "mode=1777");
	n = plan_early_mounts(m, false, true);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].target, "/run");
	n = plan_early_mounts(m, false, false);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].target, "/tmp");
}

static void test_store(void **state)
{
	(void)state;
	struct cfg_store s = {.name = "apps",
			      .source = "label:apps",
			      .type = CFG_FS_EROFS,
			      .path = "/opt",
			      .options = "noexec,noatime,cache=none"};
	struct plan_mount m;
	char err[256];
	assert_int_equal(plan_store_mount(&s, false, "store apps", &m, err, sizeof(err)), 0);
	assert_int_equal(m.src_kind, PLAN_SRC_LABEL);
	assert_string_equal(m.source, "apps");
	assert_string_equal(m.fstype, "erofs");
	assert_string_equal(m.data, "cache=none");
	assert_true(m.flags & MS_RDONLY);
	assert_true(m.flags & MS_NOEXEC);
	assert_true(m.flags & MS_NOATIME);
	assert_true(m.flags & MS_NOSUID);
	assert_true(m.flags & MS_NODEV);

	struct cfg_store st = {.source = "tag:state", .type = CFG_FS_VIRTIOFS, .path = "/state"};
	assert_int_equal(plan_store_mount(&st, true, "state", &m, err, sizeof(err)), 0);
	assert_int_equal(m.src_kind, PLAN_SRC_TAG);
	assert_string_equal(m.source, "state");
	assert_false(m.flags & MS_RDONLY);

	struct cfg_store dev = {.source = "/dev/vdb", .type = CFG_FS_SQUASHFS, .path = "/s"};
	assert_int_equal(plan_store_mount(&dev, false, "store s", &m, err, sizeof(err)), 0);
	assert_int_equal(m.src_kind, PLAN_SRC_PATH);
	assert_string_equal(m.source, "/dev/vdb");
	struct cfg_store ser = {.source = "serial:abc", .type = CFG_FS_EXT4, .path = "/s"};
	assert_int_equal(plan_store_mount(&ser, false, "store s", &m, err, sizeof(err)), 0);
	assert_int_equal(m.src_kind, PLAN_SRC_SERIAL);
	assert_string_equal(m.source, "abc");

	static const struct {
		const char *opts;
		const char *msg;
	} bad[] = {
	    {"rw", "store x: \"rw\" is not allowed: stores are always read-only"},
	    {"noatime,rw", "store x: \"rw\" is not allowed: stores are always read-only"},
	    {"suid", "store x: option \"suid\" is not allowed"},
	    {"dev", "store x: option \"dev\" is not allowed"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_store b = {.source = "/dev/vdb", .type = CFG_FS_EROFS, .path = "/x"};
		strcpy(b.options, bad[i].opts);
		assert_int_equal(plan_store_mount(&b, false, "store x", &m, err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, bad[i].msg);
	}
}

static const char mountinfo[] = "22 1 0:21 / / rw,relatime - ext4 /dev/sda1 rw\n"
				"23 22 0:22 / /proc rw - proc proc rw\n"
				"24 22 0:5 / /dev rw - devtmpfs devtmpfs rw\n"
				"30 22 0:30 / /run rw - tmpfs run rw\n"
				"31 30 0:31 / /run/user/1000 rw - tmpfs t rw\n"
				"32 22 0:32 / /mnt/my\\040disk ro - ext4 /dev/vdb ro\n"
				"33 24 0:33 / /dev/pts rw - devpts devpts rw\n"
				"garbage line\n"
				"34 22 0:34 / /usr ro - virtiofs usr ro";

static void test_unmounts(void **state)
{
	(void)state;
	char t[8][CFG_PATH_MAX];
	int keep[] = {22, 23, 24};
	int n = plan_unmounts(mountinfo, keep, 3, t, 8);
	assert_int_equal(n, 4);
	assert_string_equal(t[0], "/usr");
	assert_string_equal(t[1], "/mnt/my disk");
	assert_string_equal(t[2], "/run/user/1000");
	assert_string_equal(t[3], "/run");
	int keep2[] = {30};
	n = plan_unmounts(mountinfo, keep2, 1, t, 8);
	assert_int_equal(n, 3); /* /, /proc, /dev, /dev/pts are never planned */
	assert_string_equal(t[2], "/run/user/1000");
	assert_int_equal(plan_unmounts(mountinfo, NULL, 0, t, 2), -E2BIG);
	assert_int_equal(plan_unmounts("", NULL, 0, t, 2), 0);

	int ids[16];
	assert_int_equal(plan_mount_ids(mountinfo, ids, 16), 8);
	assert_int_equal(ids[7], 34);
	assert_int_equal(plan_mount_ids(mountinfo, ids, 3), -E2BIG);
}

static void test_labels(void **state)
{
	(void)state;
	static unsigned char sb[4096];
	char label[32];
	memset(sb, 0, sizeof(sb));
	assert_int_equal(plan_label_from_superblock(sb, sizeof(sb), label, sizeof(label)), -ENOENT);
	sb[1024 + 56] = 0x53;
	sb[1024 + 57] = 0xEF;
	memcpy(sb + 1024 + 120, "state-disk", 10);
	assert_int_equal(plan_label_from_superblock(sb, sizeof(sb), label, sizeof(label)), 0);
	assert_string_equal(label, "state-disk");
	memcpy(sb + 1024 + 120, "0123456789abcdef", 16); /* full 16 bytes, no NUL */
	assert_int_equal(plan_label_from_superblock(sb, sizeof(sb), label, sizeof(label)), 0);
	assert_string_equal(label, "0123456789abcdef");
	assert_int_equal(plan_label_from_superblock(sb, sizeof(sb), label, 8), -EINVAL);
	assert_int_equal(plan_label_from_superblock(sb, 1100, label, sizeof(label)), -ENOENT);
	memset(sb, 0, sizeof(sb));
	static const unsigned char erofs_magic[] = {0xe2, 0xe1, 0xf5, 0xe0};
	memcpy(sb + 1024, erofs_magic, 4);
	memcpy(sb + 1024 + 64, "apps", 4);
	assert_int_equal(plan_label_from_superblock(sb, sizeof(sb), label, sizeof(label)), 0);
	assert_string_equal(label, "apps");
}

static void test_backoff(void **state)
{
	(void)state;
	struct backoff b;
	backoff_init(&b, 3, 1000, 10, 25);
	assert_int_equal(backoff_next(&b, 5000), 10);
	assert_int_equal(backoff_next(&b, 5010), 20);
	assert_int_equal(backoff_next(&b, 5030), 25); /* capped */
	assert_int_equal(backoff_next(&b, 5060), -1); /* 3 restarts within 1 s: give up */
	/* Once the window has passed, the history is forgotten. */
	assert_int_equal(backoff_next(&b, 7000), 10);

	backoff_init(&b, 500, 1000, 100, 5000);
	assert_int_equal(b.limit, BACKOFF_MAX_LIMIT);
	backoff_init(&b, 2, 30000, 0, 0);
	assert_int_equal(backoff_next(&b, 0), 0);
	assert_int_equal(backoff_next(&b, 1), 0);
	assert_int_equal(backoff_next(&b, 2), -1);
}

static void test_shutdown_grace(void **state)
{
	(void)state;
	static const struct {
		unsigned long grace_ms;
		uint32_t deadline_ms;
		unsigned long want;
	} cases[] = {
	    {10000, 0, 10000},	   /* no deadline: the configured grace */
	    {20000, 1500, 250},	   /* (1500 - 1000) / 2 */
	    {10000, 30000, 10000}, /* the grace fits: unchanged */
	    {10000, 21000, 10000}, /* exactly fits */
	    {10000, 20999, 9999},  /* one ms short */
	    {10000, 1000, 0},	   /* no room left: KILL at once */
	    {10000, 1, 0},	   /* the reserve is not met */
	    {10000, 1001, 0},	   /* (1001 - 1000) / 2 rounds down */
	    {10000, 1002, 1},
	    {0, 5000, 0}, /* a zero grace stays zero */
	    {600000, 3600000, 600000},
	    {600000, 600000, 299500},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long got = plan_shutdown_grace(cases[i].grace_ms, cases[i].deadline_ms);
		if (got != cases[i].want)
			fail_msg("case %zu: got %lu want %lu", i, got, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_early),    cmocka_unit_test(test_store),
	    cmocka_unit_test(test_unmounts), cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_backoff),  cmocka_unit_test(test_shutdown_grace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
