/* Finding a mount's device number in /proc/self/mountinfo, without touching
 * the mounted filesystem (a FUSE mount whose server has not answered INIT
 * yet would block a stat). Pure: the caller reads the file. */
#ifndef APPVM_PORTAL_MOUNTINFO_H
#define APPVM_PORTAL_MOUNTINFO_H

#include <stddef.h>

/* Looks through mountinfo text (len bytes) for the last mount of type
 * fstype on mountpoint (an absolute path, compared after undoing the
 * kernel's \ooo escapes). Returns 0 with its device numbers, -ENOENT when
 * there is none, -EINVAL for a malformed line on the way. */
int portal_mountinfo_dev(const char *text, size_t len, const char *mountpoint, const char *fstype,
			 unsigned *ret_major, unsigned *ret_minor);

#endif
