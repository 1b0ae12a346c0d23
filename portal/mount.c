#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

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
	return fd;
}
