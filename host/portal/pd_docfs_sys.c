/* The document device's file operations on the host: the same opening
 * rules as every other read of a grant (pd_docio.c), and preadv straight
 * into the guest's buffers. */
#include "pd_docfs_sys.h"

#include "cleanup.h"
#include "pd_docio.h"
#include "pd_folder.h"
#include "pd_folderio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int sys_open(void *ctx, const struct pd_grant *g)
{
	(void)ctx;
	return pd_docio_open_read(g);
}

static int sys_stat(void *ctx, const struct pd_grant *g, int fd, struct pd_docfs_stat *ret)
{
	(void)ctx;
	struct stat st;
	if (fd >= 0 ? fstat(fd, &st) < 0 : fstatat(g->dirfd, g->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	ret->size = (uint64_t)st.st_size;
	ret->mtime_sec = st.st_mtim.tv_sec;
	ret->mtime_nsec = (uint32_t)st.st_mtim.tv_nsec;
	return 0;
}

static ssize_t sys_preadv(void *ctx, int fd, const struct iovec *iov, int n, uint64_t offset)
{
	(void)ctx;
	if (offset > INT64_MAX)
		return 0;
	ssize_t r;
	do {
		r = preadv(fd, iov, n, (off_t)offset);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static void stat_of(const struct stat *st, struct pd_docfs_stat *ret)
{
	*ret = (struct pd_docfs_stat){.size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0,
				      .mtime_sec = st->st_mtim.tv_sec,
				      .mtime_nsec = (uint32_t)st->st_mtim.tv_nsec,
				      .dir = S_ISDIR(st->st_mode),
				      .dev = (uint64_t)st->st_dev,
				      .ino = (uint64_t)st->st_ino};
}

static int sys_fstat(void *ctx, int fd, struct pd_docfs_stat *ret)
{
	(void)ctx;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	stat_of(&st, ret);
	return 0;
}

static int sys_lookup(void *ctx, int dirfd, const char *name, struct pd_docfs_stat *ret)
{
	(void)ctx;
	_cleanup_close_ int fd = pd_fio_open(dirfd, name, O_PATH, 0);
	if (fd < 0)
		return fd == -EINVAL ? -ENOENT : fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (pd_kind_of(st.st_mode) == 0)
		return -EACCES; /* a symbolic link or a special file: not shown */
	stat_of(&st, ret);
	return steal_fd(&fd);
}

/* The file itself through its own descriptor: nothing swapped in under its
 * name since the lookup is opened, and never a FIFO or device. */
static int sys_reopen(void *ctx, int pathfd)
{
	(void)ctx;
	int fd = pd_fio_reopen_read(pathfd);
	return fd == -EPERM ? -EACCES : fd;
}

static int sys_readdir(void *ctx, int dirfd, uint64_t cookie, unsigned max,
		       struct proto_entry_list *out, char *names, size_t names_size)
{
	(void)ctx;
	return pd_fio_readdir(dirfd, cookie, max, out, names, names_size);
}

const struct pd_docfs_ops pd_docfs_sys_ops = {
    .open = sys_open,
    .stat = sys_stat,
    .preadv = sys_preadv,
    .close = sys_close,
    .lookup = sys_lookup,
    .fstat = sys_fstat,
    .reopen = sys_reopen,
    .readdir = sys_readdir,
};
