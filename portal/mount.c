#include "mount.h"
#include "mountinfo.h"

#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MOUNTINFO_MAX (1u << 20)

/* The mount's backing device, from /proc/self/mountinfo: a stat of the
 * mount point would wait for the portal's answer to INIT, which has not
 * started yet. */
static int mount_dev(const char *mountpoint, unsigned *maj, unsigned *min)
{
	char *text = malloc(MOUNTINFO_MAX);
	if (!text)
		return -ENOMEM;
	ssize_t len = io_read_file("/proc/self/mountinfo", text, MOUNTINFO_MAX);
	int r = len < 0
		    ? (int)len
		    : portal_mountinfo_dev(text, (size_t)len, mountpoint, PORTAL_FS_TYPE, maj, min);
	free(text);
	return r;
}

static void raise_readahead(const char *mountpoint)
{
	unsigned maj, min;
	char path[64], kb[16];
	if (mount_dev(mountpoint, &maj, &min) < 0)
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", maj, min);
	snprintf(kb, sizeof(kb), "%u", PORTAL_READAHEAD_KB);
	/* On failure the default stays: slower sequential reads, nothing else. */
	(void)io_write_file(path, kb);
}

int portal_mount(const char *mountpoint, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct stat st;
	/* A mount left by a server that is gone answers ENOTCONN: lift it. */
	while (umount2(mountpoint, MNT_DETACH) == 0)
		;
	if (mkdir(mountpoint, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "cannot create %s: %s", mountpoint, strerror(e));
		return -e;
	}
	if (lstat(mountpoint, &st) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot inspect %s: %s", mountpoint, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", mountpoint);
		return -ENOTDIR;
	}
	if ((st.st_uid != uid || st.st_gid != gid) && chown(mountpoint, uid, gid) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot give %s to %u:%u: %s", mountpoint, (unsigned)uid,
			 (unsigned)gid, strerror(e));
		return -e;
	}
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open /dev/fuse: %s", strerror(e));
		return -e;
	}
	char opts[128];
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=%u,group_id=%u,default_permissions", fd,
		 (unsigned)uid, (unsigned)gid);
	if (mount(PORTAL_FS_SOURCE, mountpoint, PORTAL_FS_TYPE, MS_NOSUID | MS_NODEV, opts) < 0) {
		int e = errno;
		close(fd);
		snprintf(err, errlen, "cannot mount the document filesystem on %s: %s", mountpoint,
			 strerror(e));
		return -e;
	}
	raise_readahead(mountpoint);
	return fd;
}

int portal_mount_docs_device(const char *tag, const char *mountpoint, uid_t uid, gid_t gid,
			     char *err, size_t errlen)
{
	while (umount2(mountpoint, MNT_DETACH) == 0)
		;
	if (mkdir(mountpoint, 0500) < 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "cannot create %s: %s", mountpoint, strerror(e));
		return -e;
	}
	/* The mount's root hides the directory's mode; the app's runtime
	 * directory (0700) is what keeps other users out. */
	if (chown(mountpoint, uid, gid) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot give %s to %u:%u: %s", mountpoint, (unsigned)uid,
			 (unsigned)gid, strerror(e));
		return -e;
	}
	if (mount(tag, mountpoint, PORTAL_DOCS_FS_TYPE,
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot mount the document device '%s' on %s: %s", tag,
			 mountpoint, strerror(e));
		return -e;
	}
	return 0;
}
