/* Mount and unmount system calls, following the plans of plan.c. */
#include "init.h"
#include "util.h"

#include "cleanup.h"
#include "io.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Block devices can appear a little after PID 1 starts. */
#define DEVICE_WAIT_MS 3000

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[CFG_PATH_MAX];
	if (util_copy(buf, sizeof(buf), path) < 0)
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		if (saved == '\0')
			return 0;
		*p = saved;
	}
}

/* Finds /dev/<name> for the block device whose label or serial matches. */
static int find_block_device(const struct plan_mount *m, char *ret, size_t retlen)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/class/block");
	if (!d)
		return -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[CFG_PATH_MAX + 32], value[64];
		if (e->d_name[0] == '.' || strlen(e->d_name) > 64)
			continue;
		if (m->src_kind == PLAN_SRC_SERIAL) {
			snprintf(path, sizeof(path), "/sys/class/block/%s/serial", e->d_name);
			ssize_t n = io_read_file(path, value, sizeof(value));
			if (n <= 0)
				continue;
			value[strcspn(value, "\n")] = '\0';
		} else {
			unsigned char sb[4096];
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
			if (fd < 0 || io_read_full(fd, sb, sizeof(sb)) < 0 ||
			    plan_label_from_superblock(sb, sizeof(sb), value, sizeof(value)) < 0)
				continue;
		}
		if (strcmp(value, m->source) == 0) {
			snprintf(ret, retlen, "/dev/%.64s", e->d_name);
			return 0;
		}
	}
	return -ENOENT;
}

static int resolve_source(const struct plan_mount *m, char *ret, size_t retlen)
{
	struct timespec pause = {0, 50 * 1000000L};
	for (int waited = 0;; waited += 50) {
		int r;
		if (m->src_kind == PLAN_SRC_LABEL || m->src_kind == PLAN_SRC_SERIAL) {
			r = find_block_device(m, ret, retlen);
		} else {
			struct stat st;
			r = stat(m->source, &st) < 0 ? -errno
						     : (S_ISBLK(st.st_mode) ? 0 : -ENOTBLK);
			if (r == 0)
				r = util_copy(ret, retlen, m->source);
		}
		if (r != -ENOENT || waited >= DEVICE_WAIT_MS)
			return r;
		nanosleep(&pause, NULL);
	}
}

int mounts_apply(const struct plan_mount *m, char *err, size_t errlen)
{
	char source[CFG_PATH_MAX];
	int r;

	if (m->src_kind == PLAN_SRC_PATH || m->src_kind == PLAN_SRC_LABEL ||
	    m->src_kind == PLAN_SRC_SERIAL) {
		r = resolve_source(m, source, sizeof(source));
		if (r < 0) {
			const char *kind = m->src_kind == PLAN_SRC_LABEL    ? "label:"
					   : m->src_kind == PLAN_SRC_SERIAL ? "serial:"
									    : "";
			snprintf(err, errlen, "%s: source %s%s not found: %s", m->what, kind,
				 m->source, strerror(-r));
			return r;
		}
	} else {
		util_copy(source, sizeof(source), m->source);
	}
	r = mkdir_p(m->target, m->mode);
	if (r < 0 && r != -EROFS) {
		snprintf(err, errlen, "%s: cannot create %s: %s", m->what, m->target, strerror(-r));
		return r;
	}
	if (mount(source, m->target, m->fstype, m->flags, m->data[0] ? m->data : NULL) < 0) {
		r = -errno;
		if (r == -EBUSY && m->may_exist)
			return 0;
		snprintf(err, errlen, "%s: mount %s (%s) on %s: %s", m->what, source, m->fstype,
			 m->target, strerror(-r));
		return r;
	}
	return 0;
}

void mounts_snapshot(struct init *in)
{
	static char text[65536];
	if (io_read_file("/proc/self/mountinfo", text, sizeof(text)) < 0)
		return;
	int n = plan_mount_ids(text, in->initial_ids, INIT_MAX_MOUNTS);
	in->n_initial = n < 0 ? INIT_MAX_MOUNTS : (size_t)n;
}

void mounts_unmount_all(struct init *in)
{
	static char text[65536];
	static char targets[64][CFG_PATH_MAX];

	/* Repeat: unmounting a parent lazily can reveal nothing new, but a
	 * mount that failed once may succeed after its children are gone. */
	for (int round = 0; round < 2; round++) {
		if (io_read_file("/proc/self/mountinfo", text, sizeof(text)) < 0) {
			log_warn("shutdown: cannot read /proc/self/mountinfo");
			return;
		}
		int n = plan_unmounts(text, in->initial_ids, in->n_initial, targets,
				      ARRAY_LEN(targets));
		if (n < 0)
			n = (int)ARRAY_LEN(targets);
		if (n == 0)
			return;
		for (int i = 0; i < n; i++) {
			if (umount2(targets[i], 0) == 0) {
				log_info("shutdown: unmounted %s", targets[i]);
				continue;
			}
			if (round == 0)
				continue;
			int saved = errno;
			/* Busy: make it read-only so nothing more is written, then detach. */
			if (mount(NULL, targets[i], NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
				log_warn("shutdown: %s busy (%s) and cannot be made read-only: %s",
					 targets[i], strerror(saved), strerror(errno));
			else
				log_warn("shutdown: %s busy (%s): made read-only", targets[i],
					 strerror(saved));
			umount2(targets[i], MNT_DETACH);
		}
	}
}
