/* The host file operations behind folder grants. Every name a guest sends is
 * one component (the codec's ENTRY class) and is resolved relative to a
 * folder held open by the daemon, never following a symbolic link and never
 * leaving that folder (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS; openat with O_NOFOLLOW on kernels without it).
 * Symbolic links, devices, FIFOs and sockets are never opened for reading
 * or writing, nor shown. Functions return 0 or -errno. */
#ifndef APPVM_PD_FOLDERIO_H
#define APPVM_PD_FOLDERIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "pd_folder.h"
#include "pd_grants.h"

/* Opens one name in folder dirfd as described above (flags get O_NOFOLLOW
 * and O_CLOEXEC; mode only with O_CREAT). Returns the descriptor, -EINVAL
 * for a name that is not one component, or -errno. */
int pd_fio_open(int dirfd, const char *name, int flags, mode_t mode);

/* Opens the file held by pathfd (O_PATH) for reading through its own
 * descriptor: that file, whatever has its name now; -EISDIR for a folder,
 * -EPERM for anything but a regular file (never opened), -EWOULDBLOCK
 * rather than waiting for a lease on the file to be broken. */
int pd_fio_reopen_read(int pathfd);

/* Looks a name up: *st gets what it is. A folder comes back open (O_PATH)
 * in *ret_fd; a file leaves *ret_fd at -1. -EPERM for what a guest does not
 * see (a symbolic link, a special file). */
int pd_fio_lookup(int dirfd, const char *name, struct stat *st, int *ret_fd);

/* Lists folder dirfd from cookie (0: the start): at most max names a guest
 * sees, each with the cookie after it. Names are copied into names
 * (names_size bytes, room for max names of 255 bytes). */
int pd_fio_readdir(int dirfd, uint64_t cookie, unsigned max, struct proto_entry_list *out,
		   char *names, size_t names_size);

/* Opens the file `name` of folder dirfd for a file document of folder grant
 * `folder` (flags PROTO_OPEN_*; a new file gets 0666 & ~umask_bits): a
 * record with the file held open read-only, not yet in the table. */
int pd_fio_open_file(const struct pd_grant *folder, int dirfd, const char *name, uint32_t flags,
		     mode_t umask_bits, unsigned conn, uint64_t now_ms, struct pd_grant **ret,
		     const char **ret_why);

/* Creates the folder `name` (0777 & ~umask_bits). */
int pd_fio_mkdir(int dirfd, const char *name, mode_t umask_bits);

/* Removes the file `name`, or with dir the empty folder `name`. */
int pd_fio_unlink(int dirfd, const char *name, bool dir);

/* What `name` in dirfd is for a guest: PROTO_ENTRY_FILE, PROTO_ENTRY_DIR,
 * 0 (hidden: a symbolic link, a special file), or -errno. */
int pd_fio_kind(int dirfd, const char *name);

/* The folders of a moved subtree, found by pd_fio_walk. */
struct pd_fwalk {
	struct pd_fdir *v; /* v[0]: the folder itself */
	unsigned n;
	unsigned names; /* names read (what the walk cost) */
};

/* The bounds of a walk: how many levels below the moved folder it looks
 * (a folder further down ends it), how many folders (the moved one
 * counted) and names it reads at most. */
struct pd_walk_limits {
	unsigned levels, dirs, names;
};

/* Walks the folder `name` of dirfd and every folder below it, depth first,
 * without following symbolic links or entering another mount, holding at
 * most levels + 1 descriptors: fills *ret with each folder's identity and
 * level (free ret->v, also after an error) and how many names it read, also
 * after an error. Returns 0, -ENAMETOOLONG for a
 * folder too far down, -E2BIG past lim->dirs folders, -EOVERFLOW
 * past lim->names names, -EXDEV at a mount point, or -errno. */
int pd_fio_walk(int dirfd, const char *name, const struct pd_walk_limits *lim,
		struct pd_fwalk *ret);

/* The checks of pd_fio_rename that need no walk, done before one: both
 * names one component, old something a guest sees (*ret_st: what it is),
 * new absent or something a guest sees, -EEXIST with noreplace when new
 * exists, -ENOTDIR / -EISDIR when new is of the other kind. */
int pd_fio_rename_check(int olddir, const char *old, int newdir, const char *new, bool noreplace,
			struct stat *ret_st);

/* Whether the folder `up` levels above folder dirfd (0: dirfd itself) is
 * (dev, ino), found by one fstatat of "../.." (and an openat of
 * PD_MAX_DEPTH levels up for each PD_MAX_DEPTH more): 1, 0, or -errno. */
int pd_fio_above(int dirfd, unsigned up, uint64_t dev, uint64_t ino);

/* Renames old in folder olddir to new in folder newdir (with noreplace:
 * -EEXIST when new exists), once pd_fio_rename_check passed: it refuses
 * names a guest does not see. */
int pd_fio_rename(int olddir, const char *old, int newdir, const char *new, bool noreplace);

/* For tests: with on, every open here takes the path of a kernel without
 * openat2 (openat with O_NOFOLLOW; the walk compares mount ids). */
void pd_fio_test_no_openat2(bool on);

/* The identity of an open file or folder. Returns 0 or -errno. */
int pd_fio_identity(int fd, uint64_t *ret_dev, uint64_t *ret_ino);

#endif
