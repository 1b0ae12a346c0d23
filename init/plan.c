#include "plan.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static const struct plan_mount early[] = {
    {PLAN_SRC_NONE, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", 0555, true,
     false, "early"},
    {PLAN_SRC_NONE, "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755, true, false,
     "early"},
    {PLAN_SRC_NONE, "run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0755, false, false,
     "early"},
};

static const struct plan_mount rest[] = {
    {PLAN_SRC_NONE, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", 0555, true,
     false, "early"},
    {PLAN_SRC_NONE, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
     "gid=5,mode=0620,ptmxmode=0666", 0755, true, false, "early"},
    {PLAN_SRC_NONE, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777, true,
     false, "early"},
    {PLAN_SRC_NONE, "tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777, false, false,
     "early"},
    {PLAN_SRC_NONE, "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "",
     0555, true, true, "early"},
};

size_t plan_early_mounts(struct plan_mount *out, bool vm, bool first)
{
	const struct plan_mount *plan = first ? early : rest;
	size_t len = first ? ARRAY_LEN(early) : ARRAY_LEN(rest), n = 0;
	for (size_t i = 0; i < len; i++) {
		/* Without a VM, only the tmpfs mounts that belong to this mount
		 * namespace make sense; proc comes from the test harness. */
		if (!vm && strcmp(plan[i].target, "/run") != 0 &&
		    strcmp(plan[i].target, "/tmp") != 0)
			continue;
		out[n++] = plan[i];
	}
	return n;
}

int plan_store_mount(const struct cfg_store *s, bool writable, const char *what,
		     struct plan_mount *ret, char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	ret->what = what;
	ret->mode = 0755;
	if (strncmp(s->source, "tag:", 4) == 0) {
		ret->src_kind = PLAN_SRC_TAG;
		util_copy(ret->source, sizeof(ret->source), s->source + 4);
	} else if (strncmp(s->source, "label:", 6) == 0) {
		ret->src_kind = PLAN_SRC_LABEL;
		util_copy(ret->source, sizeof(ret->source), s->source + 6);
	} else if (strncmp(s->source, "serial:", 7) == 0) {
		ret->src_kind = PLAN_SRC_SERIAL;
		util_copy(ret->source, sizeof(ret->source), s->source + 7);
	} else {
		ret->src_kind = PLAN_SRC_PATH;
		util_copy(ret->source, sizeof(ret->source), s->source);
	}
	util_copy(ret->target, sizeof(ret->target), s->path);
	util_copy(ret->fstype, sizeof(ret->fstype), cfg_fstype_name(s->type));
	ret->flags = MS_NODEV | MS_NOSUID | (writable ? 0 : MS_RDONLY);

	/* Flags the kernel takes as flags, not as filesystem data. */
	static const struct {
		const char *name;
		unsigned long set;
	} flag_opts[] = {
	    {"nosuid", MS_NOSUID},   {"nodev", MS_NODEV},	{"noexec", MS_NOEXEC},
	    {"noatime", MS_NOATIME}, {"relatime", MS_RELATIME}, {"ro", MS_RDONLY},
	};
	char buf[CFG_VALUE_MAX];
	size_t o = 0;
	util_copy(buf, sizeof(buf), s->options);
	for (char *save = NULL, *opt = strtok_r(buf, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		size_t i;
		if (strcmp(opt, "rw") == 0) {
			snprintf(err, errlen,
				 "%s: \"rw\" is not allowed: stores are always read-only", what);
			return -EINVAL;
		}
		if (strcmp(opt, "suid") == 0 || strcmp(opt, "dev") == 0) {
			snprintf(err, errlen, "%s: option \"%s\" is not allowed", what, opt);
			return -EINVAL;
		}
		for (i = 0; i < ARRAY_LEN(flag_opts); i++)
			if (strcmp(opt, flag_opts[i].name) == 0)
				break;
		if (i < ARRAY_LEN(flag_opts)) {
			ret->flags |= flag_opts[i].set;
			continue;
		}
		size_t len = strlen(opt);
		if (o + len + 2 > sizeof(ret->data)) {
			snprintf(err, errlen, "%s: options too long", what);
			return -EINVAL;
		}
		if (o)
			ret->data[o++] = ',';
		memcpy(ret->data + o, opt, len + 1);
		o += len;
	}
	return 0;
}

/* Parses the leading "ID PARENT MAJ:MIN ROOT MOUNTPOINT" of a mountinfo line. */
static int parse_line(const char *l, int *ret_id, char *target, size_t tlen)
{
	char *end;
	long id = strtol(l, &end, 10);
	if (end == l || *end != ' ' || id < 0 || id > 0x7fffffff)
		return -EINVAL;
	const char *p = end;
	for (int field = 0; field < 3; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	p++;
	size_t o = 0;
	while (*p && *p != ' ' && *p != '\n') {
		char c = *p++;
		if (c == '\\' && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' &&
		    p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
			p += 3;
		}
		if (o + 1 >= tlen)
			return -EINVAL;
		target[o++] = c;
	}
	if (o == 0)
		return -EINVAL;
	target[o] = '\0';
	*ret_id = (int)id;
	return 0;
}

int plan_mount_ids(const char *text, int *ids, size_t max)
{
	size_t n = 0;
	char target[CFG_PATH_MAX];
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		int id;
		if (parse_line(l, &id, target, sizeof(target)) < 0)
			continue;
		if (n == max)
			return -E2BIG;
		ids[n++] = id;
	}
	return (int)n;
}

/* Kernel API filesystems stay until reboot(2): nothing in them can be lost
 * and the shutdown sequence itself still uses /dev and /proc. */
static bool is_api_path(const char *t)
{
	static const char *const api[] = {"/proc", "/sys", "/dev"};
	for (size_t i = 0; i < ARRAY_LEN(api); i++) {
		size_t n = strlen(api[i]);
		if (strncmp(t, api[i], n) == 0 && (t[n] == '\0' || t[n] == '/'))
			return true;
	}
	return strcmp(t, "/") == 0;
}

int plan_unmounts(const char *text, const int *keep_ids, size_t n_keep,
		  char (*targets)[CFG_PATH_MAX], size_t max)
{
	char found[64][CFG_PATH_MAX];
	size_t n = 0;
	int ret = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		int id;
		char target[CFG_PATH_MAX];
		if (parse_line(l, &id, target, sizeof(target)) < 0)
			continue;
		size_t k;
		for (k = 0; k < n_keep; k++)
			if (keep_ids[k] == id)
				break;
		if (k < n_keep || is_api_path(target))
			continue;
		if (n == ARRAY_LEN(found) || n == max) {
			ret = -E2BIG;
			break;
		}
		memcpy(found[n++], target, sizeof(target));
	}
	for (size_t i = 0; i < n; i++)
		memcpy(targets[i], found[n - 1 - i], CFG_PATH_MAX);
	return ret ? ret : (int)n;
}

int plan_label_from_superblock(const unsigned char *sb, size_t len, char *ret, size_t retlen)
{
	size_t off, max;
	/* ext2/3/4: magic 0xEF53 at 1024+56, volume name (16 bytes) at 1024+120. */
	if (len >= 1024 + 136 && sb[1024 + 56] == 0x53 && sb[1024 + 57] == 0xEF) {
		off = 1024 + 120;
		max = 16;
	} else if (len >= 1024 + 80 && sb[1024] == 0xe2 && sb[1025] == 0xe1 && sb[1026] == 0xf5 &&
		   sb[1027] == 0xe0) {
		/* erofs: magic 0xE0F5E1E2 at 1024, volume_name (16 bytes) at 1024+64. */
		off = 1024 + 64;
		max = 16;
	} else {
		return -ENOENT;
	}
	size_t n = strnlen((const char *)sb + off, max);
	if (n + 1 > retlen)
		return -EINVAL;
	memcpy(ret, sb + off, n);
	ret[n] = '\0';
	return 0;
}

unsigned long plan_shutdown_grace(unsigned long grace_ms, uint32_t deadline_ms)
{
	if (deadline_ms == 0)
		return grace_ms;
	if (deadline_ms <= PLAN_SHUTDOWN_RESERVE_MS)
		return 0;
	unsigned long share = (deadline_ms - PLAN_SHUTDOWN_RESERVE_MS) / 2;
	return share < grace_ms ? share : grace_ms;
}
