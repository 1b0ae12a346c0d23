/* The document device's file operations on the host: the same opening
 * rules as every other read of a grant (pd_docio.c), and preadv straight
 * into the guest's buffers. */
#include "pd_docfs_sys.h"

#include "pd_docio.h"

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

const struct pd_docfs_ops pd_docfs_sys_ops = {
    .open = sys_open,
    .stat = sys_stat,
    .preadv = sys_preadv,
    .close = sys_close,
};
