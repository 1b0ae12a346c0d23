#include "pd_docio.h"

#include "cleanup.h"
#include "pd_folder.h"
#include "pd_folderio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

static int fail(int err, const char **ret_why, const char *why)
{
	*ret_why = why;
	return err < 0 ? err : -err;
}

static struct pd_grant *grant_new(int dirfd, const char *dir, const char *name, uint32_t perms,
				  uint64_t now_ms)
{
	struct pd_grant *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	if (asprintf(&g->path, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0) {
		free(g);
		return NULL;
	}
	g->dirfd = dirfd;
	g->perms = perms;
	g->created_ms = now_ms;
	g->stage.fd = -1;
	g->fd = -1;
	snprintf(g->name, sizeof(g->name), "%s", name);
	pd_display_name(g->display, name);
	return g;
}

/* Splits an absolute, resolved path into its directory and name. */
static int split(const char *path, char *dir, size_t dir_size, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1] || strlen(slash + 1) > PD_NAME_MAX)
		return -EINVAL;
	size_t dl = slash == path ? 1 : (size_t)(slash - path);
	if (dl >= dir_size)
		return -ENAMETOOLONG;
	memcpy(dir, path, dl);
	dir[dl] = '\0';
	*ret_name = slash + 1;
	return 0;
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pd_docio_grant_path(const char *path, enum pd_mode mode, uint32_t perms, uint64_t now_ms,
			struct pd_grant **ret, const char **ret_why)
{
	char resolved[PATH_MAX], dir[PATH_MAX];
	const char *name;
	struct stat st;
	if (path[0] != '/')
		return fail(EINVAL, ret_why, "not an absolute path");
	if (mode == PD_MODE_OPEN || (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))) {
		/* The file must exist: resolve it whole, symlinks included. */
		if (!realpath(path, resolved))
			return fail(errno, ret_why, "the picked file cannot be resolved");
	} else {
		/* A new file: resolve its directory, keep its name. */
		char parent[PATH_MAX];
		if (split(path, parent, sizeof(parent), &name) < 0)
			return fail(EINVAL, ret_why, "the picked path has no file name");
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			return fail(EINVAL, ret_why, "the picked path has no file name");
		if (!realpath(parent, dir))
			return fail(errno, ret_why, "the picked folder cannot be resolved");
		if (snprintf(resolved, sizeof(resolved), "%s/%s", strcmp(dir, "/") ? dir : "",
			     name) >= (int)sizeof(resolved))
			return fail(ENAMETOOLONG, ret_why, "path too long");
	}
	if (split(resolved, dir, sizeof(dir), &name) < 0)
		return fail(EINVAL, ret_why, "the picked path has no file name");
	_cleanup_close_ int dirfd = open_dir(dir);
	if (dirfd < 0)
		return fail(dirfd, ret_why, "cannot open the file's folder");
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode))
			return fail(EINVAL, ret_why, "the picked file is not a regular file");
	} else if (errno != ENOENT || mode == PD_MODE_OPEN) {
		return fail(errno, ret_why, "the picked file cannot be examined");
	}
	struct pd_grant *g = grant_new(dirfd, dir, name, perms, now_ms);
	if (!g)
		return fail(ENOMEM, ret_why, "out of memory");
	steal_fd(&dirfd);
	*ret = g;
	return 0;
}

int pd_docio_grant_folder(const char *path, uint32_t perms, uint64_t now_ms, struct pd_grant **ret,
			  const char **ret_why)
{
	char resolved[PATH_MAX], parent[PATH_MAX];
	const char *name;
	struct stat st;
	if (path[0] != '/')
		return fail(EINVAL, ret_why, "not an absolute path");
	if (!realpath(path, resolved))
		return fail(errno, ret_why, "the picked folder cannot be resolved");
	if (split(resolved, parent, sizeof(parent), &name) < 0)
		return fail(EINVAL, ret_why, "the root folder cannot be granted");
	_cleanup_close_ int fd = open(resolved, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, ret_why, "the picked path is not a folder");
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail(ENOTDIR, ret_why, "the picked path is not a folder");
	struct pd_grant *g = grant_new(fd, parent, name, perms, now_ms);
	if (!g || pd_folder_new(g) < 0) {
		if (g)
			g->dirfd = -1;
		pd_docio_free(g);
		return fail(ENOMEM, ret_why, "out of memory");
	}
	g->name[0] = '\0'; /* the folder is dirfd itself */
	/* Where the folder is: its nodes' depths count from / (pd_folder.c). */
	pd_folder_place(g, pd_folder_path_depth(resolved));
	g->dir_dev = (uint64_t)st.st_dev;
	g->dir_ino = (uint64_t)st.st_ino;
	steal_fd(&fd);
	*ret = g;
	return 0;
}

static bool taken(int dirfd, const char *name, struct pd_grant *const *batch, unsigned n)
{
	struct stat st;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(batch[i]->name, name))
			return true;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

int pd_docio_grant_batch(const char *dir_path, const char *const *names, unsigned n,
			 uint64_t now_ms, struct pd_grant **ret, const char **ret_why)
{
	char dir[PATH_MAX];
	unsigned made = 0;
	int err = 0;
	if (!realpath(dir_path, dir))
		return fail(errno, ret_why, "the picked folder cannot be resolved");
	_cleanup_close_ int dirfd = open_dir(dir);
	if (dirfd < 0)
		return fail(dirfd, ret_why, "the picked path is not a folder");
	for (; made < n; made++) {
		char cand[PROTO_FILENAME_MAX + 1];
		snprintf(cand, sizeof(cand), "%s", names[made]);
		for (unsigned v = 2; taken(dirfd, cand, ret, made); v++) {
			if (v > 999 || pd_name_variant(cand, names[made], v) < 0) {
				err = fail(EEXIST, ret_why, "no free name in the picked folder");
				goto undo;
			}
		}
		int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			err = fail(errno, ret_why, "cannot open the folder");
			goto undo;
		}
		ret[made] = grant_new(fd, dir, cand, PROTO_PERM_READ | PROTO_PERM_WRITE, now_ms);
		if (!ret[made]) {
			close(fd);
			err = fail(ENOMEM, ret_why, "out of memory");
			goto undo;
		}
	}
	return 0;
undo:
	while (made > 0)
		pd_docio_free(ret[--made]);
	return err;
}

int pd_docio_open_read(const struct pd_grant *g)
{
	/* Looked up without opening (O_PATH), then reopened only if it is a
	 * regular file: a FIFO or a device swapped in under the name is never
	 * opened (which could let a waiting writer through, or act). */
	_cleanup_close_ int path = openat(g->dirfd, g->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (path < 0)
		return -errno;
	int fd = pd_fio_reopen_read(path);
	return fd == -EISDIR || fd == -EPERM ? -EINVAL : fd;
}

int pd_docio_stat(const struct pd_grant *g, struct proto_doc_stat *ret, const char **ret_why)
{
	struct stat st;
	memset(ret, 0, sizeof(*ret));
	ret->flags = g->perms & (PROTO_PERM_READ | PROTO_PERM_WRITE);
	if (g->staged) {
		ret->flags |= PROTO_STAT_STAGED;
		ret->staged_size = g->stage.size;
	}
	/* A folder, or a file document's own file: what the descriptor holds. */
	int held = g->folder ? g->dirfd : g->fd;
	if (held >= 0 ? fstat(held, &st) < 0
		      : fstatat(g->dirfd, g->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return fail(errno, ret_why, "cannot examine the file");
	}
	ret->flags |= PROTO_STAT_EXISTS;
	ret->mtime_sec = st.st_mtim.tv_sec;
	ret->mtime_nsec = (uint32_t)st.st_mtim.tv_nsec;
	if (g->folder)
		return 0;
	if (!S_ISREG(st.st_mode))
		return fail(EINVAL, ret_why, "the file is no longer a regular file");
	ret->size = (uint64_t)st.st_size;
	return 0;
}

static int pread_full(int fd, void *buf, size_t len, uint64_t offset, size_t *ret_n)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret_n = got;
	return 0;
}

int pd_docio_read(const struct pd_grant *g, bool staged, uint64_t offset, void *buf, size_t len,
		  size_t *ret_n, const char **ret_why)
{
	*ret_n = 0;
	if (staged) {
		int r = pread_full(g->stage.fd, buf, len, offset, ret_n);
		return r < 0 ? fail(r, ret_why, "cannot read the staged data") : 0;
	}
	if (g->fd >= 0) {
		/* A file document reads the file it opened, whatever the name holds now. */
		int r = pread_full(g->fd, buf, len, offset, ret_n);
		return r < 0 ? fail(r, ret_why, "cannot read the file") : 0;
	}
	int fd = pd_docio_open_read(g);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fail(fd, ret_why, "cannot open the file");
	int r = pread_full(fd, buf, len, offset, ret_n);
	close(fd);
	return r < 0 ? fail(r, ret_why, "cannot read the file") : 0;
}

/* Copies size bytes from the start of src (its file offset untouched: it
 * may be a file document's held descriptor). */
static int copy_into(int dst, int src, uint64_t size)
{
	uint64_t done = 0;
	while (done < size) {
		loff_t in = (loff_t)done;
		ssize_t n = copy_file_range(src, &in, dst, NULL, size - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 &&
		    (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
			/* No in-kernel copy here: by hand. */
			char buf[65536];
			n = pread(src, buf, sizeof(buf), (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0 && write(dst, buf, (size_t)n) != n)
				return -EIO;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank while copying */
		done += (uint64_t)n;
	}
	return 0;
}

/* Writes a fresh hidden temporary name for g's stage into g->stage.tmp. */
static int stage_name(struct pd_grant *g)
{
	uint64_t r;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return -EIO;
	snprintf(g->stage.tmp, sizeof(g->stage.tmp), ".appvm-stage-%016llx", (unsigned long long)r);
	return 0;
}

/* Creates the stage file. Returns its fd, with g->stage.named/tmp set. */
static int create_stage(struct pd_grant *g)
{
	int fd = openat(g->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		g->stage.named = false;
		return fd;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
		return -errno;
	for (int tries = 0; tries < 8; tries++) {
		if (stage_name(g) < 0)
			return -EIO;
		fd = openat(g->dirfd, g->stage.tmp,
			    O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			g->stage.named = true;
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int pd_docio_begin(struct pd_grants *t, struct pd_grant *g, bool keep, unsigned conn,
		   const char **ret_why)
{
	uint64_t size = 0;
	_cleanup_close_ int src = -1;
	if (keep) {
		src = g->fd >= 0 ? fcntl(g->fd, F_DUPFD_CLOEXEC, 0) : pd_docio_open_read(g);
		if (g->fd >= 0 && src < 0)
			src = -errno;
		if (src < 0 && src != -ENOENT)
			return fail(src, ret_why, "cannot open the file");
		struct stat st;
		if (src >= 0) {
			if (fstat(src, &st) < 0)
				return fail(errno, ret_why, "cannot examine the file");
			size = (uint64_t)st.st_size;
			if (pd_grants_stage_fits(t, g, size, ret_why))
				return -EFBIG;
		}
	}
	int fd = create_stage(g);
	if (fd < 0)
		return fail(fd, ret_why, "cannot create the stage file");
	g->stage.fd = fd;
	if (src >= 0) {
		int r = copy_into(fd, src, size);
		if (r < 0) {
			pd_grants_stage_open(t, g, conn, 0);
			pd_docio_abort(t, g);
			return fail(r, ret_why, "cannot copy the file into the stage");
		}
	}
	pd_grants_stage_open(t, g, conn, size);
	return 0;
}

int pd_docio_write(struct pd_grants *t, struct pd_grant *g, uint64_t offset, const void *data,
		   size_t len, const char **ret_why)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(g->stage.fd, (const char *)data + done, len - done,
				   (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(n < 0 ? errno : EIO, ret_why, "cannot write the stage");
		done += (size_t)n;
	}
	if (offset + len > g->stage.size)
		pd_grants_stage_resize(t, g, offset + len);
	return 0;
}

int pd_docio_truncate(struct pd_grants *t, struct pd_grant *g, uint64_t size, const char **ret_why)
{
	if (ftruncate(g->stage.fd, (off_t)size) < 0)
		return fail(errno, ret_why, "cannot truncate the stage");
	pd_grants_stage_resize(t, g, size);
	return 0;
}

/* Gives the stage the permissions of the file it replaces, or of a new file.
 * Never the set-user-ID or set-group-ID bit: the content is the guest's
 * now, and whoever ran the file would run it with its owner's rights (which
 * is why write(2) drops them too). */
static void stage_mode(const struct pd_grant *g, mode_t umask_bits)
{
	struct stat st;
	if (fstatat(g->dirfd, g->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
		fchmod(g->stage.fd, st.st_mode & 0777);
		/* As root (tests, a system service) keep the owner too; as the
		 * user this changes nothing or fails harmlessly. */
		if (fchown(g->stage.fd, st.st_uid, st.st_gid) < 0) {
		}
	} else {
		fchmod(g->stage.fd, 0666 & ~umask_bits);
	}
}

static int stage_into_place(struct pd_grant *g)
{
	if (g->stage.named)
		return renameat(g->dirfd, g->stage.tmp, g->dirfd, g->name) < 0 ? -errno : 0;
	/* An O_TMPFILE gets a name first (linkat through /proc needs no
	 * privilege, unlike AT_EMPTY_PATH), then is renamed over the file. */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", g->stage.fd);
	for (int tries = 0; tries < 8; tries++) {
		if (stage_name(g) < 0)
			return -EIO;
		if (linkat(AT_FDCWD, proc, g->dirfd, g->stage.tmp, AT_SYMLINK_FOLLOW) == 0) {
			g->stage.named = true;
			return renameat(g->dirfd, g->stage.tmp, g->dirfd, g->name) < 0 ? -errno : 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int pd_docio_commit(struct pd_grants *t, struct pd_grant *g, mode_t umask_bits,
		    const char **ret_why)
{
	int r = 0;
	if (g->orphan) {
		pd_docio_abort(t, g);
		return fail(ENOENT, ret_why, "the file was removed or replaced in the folder");
	}
	stage_mode(g, umask_bits);
	if (fsync(g->stage.fd) < 0) {
		r = fail(errno, ret_why, "cannot sync the staged data");
	} else if ((r = stage_into_place(g)) < 0) {
		r = fail(r, ret_why, "cannot put the staged file in place");
	} else {
		g->stage.named = false; /* renamed: nothing to remove */
		if (g->fd >= 0) {
			/* A file document holds the file it wrote from now on. */
			close(g->fd);
			g->fd = g->stage.fd;
			g->stage.fd = -1;
		}
		_cleanup_close_ int dfd = openat(g->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) < 0)
			r = fail(errno, ret_why, "cannot sync the folder");
	}
	pd_docio_abort(t, g);
	return r;
}

void pd_docio_abort(struct pd_grants *t, struct pd_grant *g)
{
	if (g->stage.fd >= 0)
		close(g->stage.fd);
	g->stage.fd = -1;
	if (g->stage.named)
		unlinkat(g->dirfd, g->stage.tmp, 0);
	g->stage.named = false;
	if (t)
		pd_grants_stage_closed(t, g);
	else
		g->staged = false;
}

void pd_docio_free(struct pd_grant *g)
{
	if (!g)
		return;
	pd_docio_abort(NULL, g);
	if (g->dirfd >= 0)
		close(g->dirfd);
	if (g->fd >= 0)
		close(g->fd);
	pd_folder_free(g->folder);
	free(g->path);
	free(g);
}
