/* Mount and unmount plans. Pure: the caller performs them (mounts.c). */
#ifndef APPVM_INIT_PLAN_H
#define APPVM_INIT_PLAN_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum plan_src { PLAN_SRC_PATH, PLAN_SRC_TAG, PLAN_SRC_LABEL, PLAN_SRC_SERIAL, PLAN_SRC_NONE };

struct plan_mount {
	enum plan_src src_kind;
	char source[CFG_PATH_MAX]; /* device path, virtiofs tag, label, serial or fs name */
	char target[CFG_PATH_MAX];
	char fstype[16];
	unsigned long flags;
	char data[CFG_VALUE_MAX];
	mode_t mode;	/* of the target directory when created */
	bool may_exist; /* EBUSY because it is already mounted (an automounted devtmpfs) is fine */
	bool optional;	/* failure is a warning, not fatal (e.g. no cgroup2 in the kernel) */
	const char *what; /* for messages: "store NAME", "state", "early" */
};

#define PLAN_EARLY_MAX 8

/* The kernel filesystems of boot step 1, in order: with first, what init
 * and the agent need to start (/proc, /dev, /run); without, the rest,
 * mounted once the agent runs (boot step 4). With vm false (test mode) only
 * /run and /tmp are planned. Returns the count. */
size_t plan_early_mounts(struct plan_mount *out, bool vm, bool first);

/* Turns a store section into a mount: always read-only unless writable (the
 * state store). Returns 0 or -EINVAL (err: an option conflicts). */
int plan_store_mount(const struct cfg_store *s, bool writable, const char *what,
		     struct plan_mount *ret, char *err, size_t errlen);

/* Lists the mount points of mountinfo_text whose mount ID is not in keep_ids
 * and that are not /, /proc, /sys, /dev or below them,
 * in reverse order (children before parents): what shutdown unmounts. Mount
 * points are unescaped (\040 -> space). Returns the count written, or -E2BIG
 * when there are more than max (the first max are written), or -EINVAL. */
int plan_unmounts(const char *mountinfo_text, const int *keep_ids, size_t n_keep,
		  char (*targets)[CFG_PATH_MAX], size_t max);

/* Collects the mount IDs of mountinfo_text. Returns the count or -E2BIG. */
int plan_mount_ids(const char *mountinfo_text, int *ids, size_t max);

/* Reads the filesystem label out of the first 4 KiB of a block device (ext4
 * and erofs carry one). Returns 0 with the label in ret (NUL-terminated),
 * -ENOENT when there is no recognised superblock or -EINVAL. */
int plan_label_from_superblock(const unsigned char *sb, size_t len, char *ret, size_t retlen);

/* Room left in a shutdown deadline for sync, unmount and reboot(2). */
#define PLAN_SHUTDOWN_RESERVE_MS 1000

/* The grace of each TERM phase (app, then all processes) when a shutdown
 * must end within deadline_ms (0: no deadline): min(grace_ms, (deadline_ms -
 * PLAN_SHUTDOWN_RESERVE_MS) / 2), 0 when the deadline is at most the reserve.
 * Both phases then fit in the deadline with the reserve to spare. Returns it. */
unsigned long plan_shutdown_grace(unsigned long grace_ms, uint32_t deadline_ms);

#endif
