#include "pd_folderio.h"

#include "cleanup.h"
#include "pd_folder.h"
#include "pd_text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static int fail(int err, const char **ret_why, const char *why)
{
	*ret_why = why;
	return err < 0 ? err : -err;
}

static bool no_openat2; /* pd_fio_test_no_openat2 */

void pd_fio_test_no_openat2(bool on)
{
	no_openat2 = on;
}

/* openat2, or -1 with errno ENOSYS when a test asks for the fallback. */
static long openat2_(int dirfd, const char *name, const struct open_how *how)
{
	if (no_openat2) {
		errno = ENOSYS;
		return -1;
	}
	return syscall(SYS_openat2, dirfd, name, how, sizeof(*how));
}

int pd_fio_open(int dirfd, const char *name, int flags, mode_t mode)
{
	if (!proto_entry_name_ok(name, strlen(name)))
		return -EINVAL;
	flags |= O_NOFOLLOW | O_CLOEXEC;
	if (!(flags & O_CREAT))
		mode = 0;
	struct open_how how = {
	    .flags = (uint64_t)flags,
	    .mode = mode,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = openat2_(dirfd, name, &how);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* No openat2 (or a seccomp filter refusing it): one component,
		 * O_NOFOLLOW, is the same walk. */
		fd = openat(dirfd, name, flags, mode);
	}
	return fd < 0 ? -errno : (int)fd;
}

int pd_fio_identity(int fd, uint64_t *ret_dev, uint64_t *ret_ino)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	*ret_dev = (uint64_t)st.st_dev;
	*ret_ino = (uint64_t)st.st_ino;
	return 0;
}

int pd_fio_lookup(int dirfd, const char *name, struct stat *st, int *ret_fd)
{
	*ret_fd = -1;
	_cleanup_close_ int fd = pd_fio_open(dirfd, name, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		return -errno;
	unsigned kind = pd_kind_of(st->st_mode);
	if (kind == 0)
		return -EPERM; /* a symbolic link or a special file: not shown */
	if (kind == PROTO_ENTRY_DIR)
		*ret_fd = steal_fd(&fd);
	return 0;
}

/* What the guest is shown of one directory entry: its kind, or 0. */
static unsigned entry_kind(int dfd, const struct dirent *e)
{
	if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
		return 0;
	int k = pd_kind_of_dtype(e->d_type);
	if (k >= 0)
		return (unsigned)k;
	struct stat st;
	if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return pd_kind_of(st.st_mode);
}

int pd_fio_readdir(int folder, uint64_t cookie, unsigned max, struct proto_entry_list *out,
		   char *names, size_t names_size)
{
	out->n = 0;
	int fd = openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (cookie)
		seekdir(dir, (long)cookie);
	size_t used = 0;
	int r = 0;
	while (out->n < max && out->n < PROTO_MAX_ENTRIES) {
		errno = 0;
		struct dirent *e = readdir(dir);
		if (!e) {
			r = errno ? -errno : 0;
			break;
		}
		unsigned kind = entry_kind(dirfd(dir), e);
		size_t len = strlen(e->d_name);
		if (kind == 0 || len > PROTO_ENTRY_MAX || used + len > names_size)
			continue;
		memcpy(names + used, e->d_name, len);
		out->e[out->n++] = (struct proto_dirent){
		    (uint64_t)telldir(dir), (uint8_t)kind, {names + used, (uint16_t)len}};
		used += len;
	}
	closedir(dir);
	return r;
}

int pd_fio_reopen_read(int pathfd)
{
	struct stat st;
	if (fstat(pathfd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EPERM;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	/* O_NONBLOCK: an open that would wait for a lease on the file to be
	 * given up (its owner's F_SETLEASE, up to lease-break-time) fails
	 * instead of holding up the daemon. Reads of a regular file ignore it. */
	int fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Opens the file name for reading: looked up without following anything,
 * then reopened through its own descriptor, so a device or FIFO swapped in
 * is never opened for reading (which could block or have side effects). */
static int open_regular(int dirfd, const char *name, uint32_t flags, mode_t mode, bool *ret_made)
{
	*ret_made = false;
	_cleanup_close_ int path = pd_fio_open(dirfd, name, O_PATH, 0);
	if (path == -ENOENT && (flags & PROTO_OPEN_CREATE)) {
		int fd = pd_fio_open(dirfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOCTTY, mode);
		*ret_made = fd >= 0;
		return fd;
	}
	if (path < 0)
		return path;
	if ((flags & PROTO_OPEN_EXCL))
		return -EEXIST;
	return pd_fio_reopen_read(path);
}

int pd_fio_open_file(const struct pd_grant *folder, int dirfd, const char *name, uint32_t flags,
		     mode_t umask_bits, unsigned conn, uint64_t now_ms, struct pd_grant **ret,
		     const char **ret_why)
{
	bool made;
	_cleanup_close_ int fd = open_regular(dirfd, name, flags, 0666 & ~umask_bits, &made);
	if (fd < 0)
		return fail(fd, ret_why, "cannot open the file");
	struct pd_grant *g = calloc(1, sizeof(*g));
	if (!g)
		return fail(ENOMEM, ret_why, "out of memory");
	g->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	g->fd = -1;
	g->stage.fd = -1;
	int r = g->dirfd < 0 ? -errno : pd_fio_identity(dirfd, &g->dir_dev, &g->dir_ino);
	if (r == 0 && asprintf(&g->path, "%s/.../%s", folder->path, name) < 0)
		r = -ENOMEM;
	if (r < 0) {
		if (g->dirfd >= 0)
			close(g->dirfd);
		free(g);
		if (made)
			unlinkat(dirfd, name, 0);
		return fail(r, ret_why, "cannot open the file");
	}
	g->perms = folder->perms & (PROTO_PERM_READ | PROTO_PERM_WRITE);
	g->parent = folder->id;
	g->conn = conn;
	g->created_ms = now_ms;
	g->fd = steal_fd(&fd);
	snprintf(g->name, sizeof(g->name), "%s", name);
	pd_display_name(g->display, name);
	*ret = g;
	return 0;
}

int pd_fio_mkdir(int dirfd, const char *name, mode_t umask_bits)
{
	if (!proto_entry_name_ok(name, strlen(name)))
		return -EINVAL;
	return mkdirat(dirfd, name, 0777 & ~umask_bits) < 0 ? -errno : 0;
}

int pd_fio_kind(int dirfd, const char *name)
{
	struct stat st;
	if (!proto_entry_name_ok(name, strlen(name)))
		return -EINVAL;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return (int)pd_kind_of(st.st_mode);
}

int pd_fio_unlink(int dirfd, const char *name, bool dir)
{
	int k = pd_fio_kind(dirfd, name);
	if (k < 0)
		return k;
	if (k == 0)
		return -EPERM;
	if (dir != (k == PROTO_ENTRY_DIR))
		return dir ? -ENOTDIR : -EISDIR;
	return unlinkat(dirfd, name, dir ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
}

/* The mount a file is on: its mount id, or -EXDEV when statx cannot tell
 * (taken for another mount: refused rather than crossed). */
static int mount_of(int fd, uint64_t *ret)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return errno == ENOSYS || errno == EINVAL ? -EXDEV : -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -EXDEV;
	*ret = stx.stx_mnt_id;
	return 0;
}

/* One folder of a walk being listed: its descriptor and a small buffer of
 * getdents64 records (a DIR of glibc takes 32 KiB or more, st_blksize up to
 * 1 MiB; the walk may hold 257). 2 KiB holds 7 names of 255 bytes. */
#define WALK_BUF 2048u
struct wlevel {
	int fd;
	unsigned pos, len;
	_Alignas(8) char buf[WALK_BUF];
};

/* Opens the folder `name` of a walk and puts it on the stack, recorded in
 * w: never a symbolic link, never across a mount (-EXDEV). Without openat2
 * (RESOLVE_NO_XDEV), the folder's mount id must be the walk's (*mnt: the
 * folder the walk starts in sets it, UINT64_MAX until then): a bind mount
 * of the same file system has the same device. */
static int enter(struct wlevel *stack, unsigned *top, int dirfd, const char *name, uint64_t *mnt,
		 struct pd_fwalk *w)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	struct stat st;
	uint64_t m = 0;
	long fd = openat2_(dirfd, name, &how);
	int e = 0;
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		fd = openat(dirfd, name, (int)how.flags);
		if (fd >= 0 && *mnt == UINT64_MAX)
			e = -mount_of(dirfd, mnt);
		if (fd >= 0 && !e)
			e = -mount_of((int)fd, &m);
		if (!e && m != *mnt)
			e = EXDEV;
	}
	if (fd < 0)
		return -errno;
	if (!e)
		e = fstat((int)fd, &st) < 0 ? errno : 0;
	if (e) {
		close((int)fd);
		return -e;
	}
	w->v[w->n++] = (struct pd_fdir){(uint64_t)st.st_dev, (uint64_t)st.st_ino, *top};
	stack[*top].fd = (int)fd;
	stack[*top].pos = stack[*top].len = 0;
	(*top)++;
	return 0;
}

/* The next folder's name in l; NULL at its end, on an error (-errno in
 * *ret), or past *budget names read (-EOVERFLOW). */
static const char *next_folder(struct wlevel *l, unsigned *budget, int *ret)
{
	for (;;) {
		if (l->pos >= l->len) {
			ssize_t n = getdents64(l->fd, l->buf, sizeof(l->buf));
			if (n <= 0) {
				*ret = n < 0 ? -errno : 0;
				return NULL;
			}
			l->pos = 0;
			l->len = (unsigned)n;
		}
		if (*budget == 0) {
			*ret = -EOVERFLOW;
			return NULL;
		}
		const struct dirent64 *e = (const struct dirent64 *)(l->buf + l->pos);
		size_t off = offsetof(struct dirent64, d_name);
		if (l->len - l->pos < off || e->d_reclen <= off || e->d_reclen > l->len - l->pos) {
			*ret = -EIO; /* not a record the kernel writes */
			return NULL;
		}
		l->pos += e->d_reclen;
		(*budget)--;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int k = pd_kind_of_dtype(e->d_type);
		if (k < 0)
			k = pd_fio_kind(l->fd, e->d_name);
		/* Gone since listed: nothing of it moves. A kind it cannot
		 * read (EACCES, ESTALE, EIO) might be a folder: counting it
		 * as none would miss its height and the nodes held in it. */
		if (k < 0 && k != -ENOENT) {
			*ret = k;
			return NULL;
		}
		if (k == PROTO_ENTRY_DIR)
			return e->d_name;
	}
}

int pd_fio_walk(int parent, const char *name, const struct pd_walk_limits *lim,
		struct pd_fwalk *ret)
{
	unsigned top = 0, budget = lim->names;
	uint64_t mnt = UINT64_MAX;
	*ret = (struct pd_fwalk){0};
	if (!proto_entry_name_ok(name, strlen(name)) || lim->levels > PD_MAX_DEPTH ||
	    lim->dirs == 0)
		return -EINVAL;
	/* The walk enters a folder only above lim->levels: levels + 1 deep at most. */
	struct wlevel *stack = malloc((lim->levels + 1) * sizeof(*stack));
	ret->v = calloc(lim->dirs, sizeof(*ret->v));
	if (!ret->v || !stack) {
		free(stack);
		return -ENOMEM;
	}
	int r = enter(stack, &top, parent, name, &mnt, ret);
	while (r == 0 && top > 0) {
		/* A folder below the deepest level does not fit. */
		const char *child = next_folder(&stack[top - 1], &budget, &r);
		if (r < 0)
			break;
		if (!child) {
			close(stack[--top].fd);
		} else if (top > lim->levels) {
			r = -ENAMETOOLONG;
		} else if (ret->n == lim->dirs) {
			r = -E2BIG;
		} else {
			r = enter(stack, &top, stack[top - 1].fd, child, &mnt, ret);
			/* Gone or replaced since it was listed (the host user's
			 * doing): nothing of it moves. */
			if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP)
				r = 0;
		}
	}
	while (top > 0)
		close(stack[--top].fd);
	free(stack);
	ret->names = lim->names - budget;
	return r;
}

int pd_fio_rename_check(int olddir, const char *old, int newdir, const char *new, bool noreplace,
			struct stat *ret_st)
{
	struct stat nst;
	if (!proto_entry_name_ok(old, strlen(old)))
		return -EINVAL;
	if (fstatat(olddir, old, ret_st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	unsigned k = pd_kind_of(ret_st->st_mode);
	if (k == 0)
		return -EPERM; /* a symbolic link or special file */
	if (!proto_entry_name_ok(new, strlen(new)))
		return -EINVAL;
	if (fstatat(newdir, new, &nst, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	unsigned nk = pd_kind_of(nst.st_mode);
	if (nk == 0)
		return -EPERM; /* what the guest cannot see, it cannot replace */
	if (noreplace)
		return -EEXIST;
	if (nst.st_dev == ret_st->st_dev && nst.st_ino == ret_st->st_ino)
		return 0; /* the same file: the rename does nothing */
	if (nk != k)
		return k == PROTO_ENTRY_DIR ? -ENOTDIR : -EISDIR;
	return 0;
}

/* Writes "" (up 0: the folder itself, with AT_EMPTY_PATH, which needs no
 * search permission on it, unlike ".") or "..", "../..", ... (up <=
 * PD_MAX_DEPTH) into path. */
static void dotdots(char path[3 * PD_MAX_DEPTH + 2], unsigned up)
{
	path[0] = '\0';
	for (unsigned i = 0; i < up; i++)
		memcpy(path + 3 * i, "../", 3);
	if (up)
		path[3 * up - 1] = '\0';
}

int pd_fio_above(int dirfd, unsigned up, uint64_t dev, uint64_t ino)
{
	char path[3 * PD_MAX_DEPTH + 2];
	_cleanup_close_ int fd = -1;
	struct stat st;
	int at = dirfd;
	/* Further up than one path says, PD_MAX_DEPTH levels at a time. */
	for (; up > PD_MAX_DEPTH; up -= PD_MAX_DEPTH) {
		dotdots(path, PD_MAX_DEPTH);
		int next = openat(at, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0)
			return -errno;
		if (fd >= 0)
			close(fd);
		at = fd = next;
	}
	dotdots(path, up);
	if (fstatat(at, path, &st, AT_SYMLINK_NOFOLLOW | (up ? 0 : AT_EMPTY_PATH)) < 0)
		return -errno;
	return (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
}

int pd_fio_rename(int olddir, const char *old, int newdir, const char *new, bool noreplace)
{
	long r =
	    syscall(SYS_renameat2, olddir, old, newdir, new, noreplace ? RENAME_NOREPLACE : 0u);
	return r < 0 ? -errno : 0;
}
