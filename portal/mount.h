/* Mounting the document filesystem the way appvm-init does it: a privileged
 * process opens /dev/fuse, mounts it with fd=N for the portal's user, and
 * hands the descriptor to appvm-portal (--fuse-fd), which never needs
 * privileges or a setuid fusermount3. appvm-portal --mount (root, tests)
 * takes the same path. No libfuse here: init links this file. */
#ifndef APPVM_PORTAL_MOUNT_H
#define APPVM_PORTAL_MOUNT_H

#include <stddef.h>
#include <sys/types.h>

/* Filesystem type and source, as /proc/mounts shows them. */
#define PORTAL_FS_TYPE	 "fuse.appvm-doc"
#define PORTAL_FS_SOURCE "appvm-doc"

/* How far the kernel reads ahead on the document filesystem, in KiB. Its
 * default, 128 KiB, is one FUSE read of four DOC_READs at a time: the
 * round trip to the host would pace every sequential read. */
#define PORTAL_READAHEAD_KB 1024u

/* Detaches whatever is mounted on mountpoint (a filesystem whose server
 * died), creates the directory when missing (mode 0700, owned by uid:gid),
 * opens /dev/fuse and mounts it there (nosuid, nodev, default_permissions,
 * only uid may enter), and raises the mount's readahead to
 * PORTAL_READAHEAD_KB (best effort: its backing device's read_ahead_kb in
 * sysfs; the portal asks for as much at INIT). Returns the /dev/fuse
 * descriptor (close-on-exec), or -errno with one line in err. */
int portal_mount(const char *mountpoint, uid_t uid, gid_t gid, char *err, size_t errlen);

/* The document device (docs/docfs.md): a virtio-fs filesystem. */
#define PORTAL_DOCS_FS_TYPE "virtiofs"

/* Mounts the document device with virtio-fs tag `tag` on mountpoint
 * (created when missing, mode 0500 for uid:gid), read-only, nosuid, nodev,
 * noexec, replacing a mount left there. Returns 0, or -errno with one line
 * in err. */
int portal_mount_docs_device(const char *tag, const char *mountpoint, uid_t uid, gid_t gid,
			     char *err, size_t errlen);

#endif
