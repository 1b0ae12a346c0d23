/* The document filesystem's names: listing directories, creating,
 * renaming and removing entries, and statfs. What each may do in a document
 * directory and in a folder grant: docs/portal.md. File contents and the
 * session itself are in fs.c. */
#include "fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node *n = fs_node(FS(req), ino);
	if (!n || (n->kind != NODE_ROOT && n->kind != NODE_DOCDIR && n->kind != NODE_FDIR)) {
		fuse_reply_err(req, n ? ENOTDIR : ENOENT);
		return;
	}
	if (n->kind != NODE_ROOT && n->doc->revoked) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fi->fh = 0;
	/* A folder being listed keeps its host node (fs_folder.c gives idle ones back). */
	if (fuse_reply_open(req, fi) == 0 && n->kind == NODE_FDIR)
		n->opens++;
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct node *n = fs_node(fs, ino);
	(void)fi;
	fuse_reply_err(req, 0);
	if (n && n->kind == NODE_FDIR && n->opens > 0) {
		n->opens--;
		fs_node_release(fs, n);
	}
}

/* Adds one entry at position pos (what the next readdir starts after).
 * Returns false when the buffer is full. */
static bool add_entry(fuse_req_t req, char *buf, size_t size, size_t *used, const char *name,
		      fuse_ino_t ino, mode_t mode, uint64_t pos)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = mode;
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	if (*used + need > size)
		return false;
	fuse_add_direntry(req, buf + *used, size - *used, name, &st, (off_t)pos);
	*used += need;
	return true;
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct node *n = fs_node(fs, ino);
	(void)fi;
	if (!n || (n->kind == NODE_DOCDIR && n->doc->revoked)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (n->kind == NODE_FDIR) {
		fs_folder_readdir(req, fs, n, size, off);
		return;
	}
	char *buf = malloc(size);
	size_t used = 0;
	uint64_t pos = (uint64_t)off;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Positions: 1 ".", 2 "..", then 3 + a sequence number that only grows,
	 * so entries added or removed between calls shift nothing. */
	bool room = true;
	if (pos < 1)
		room = add_entry(req, buf, size, &used, ".", n->ino, S_IFDIR, 1);
	if (room && pos < 2)
		room = add_entry(req, buf, size, &used, "..", FUSE_ROOT_ID, S_IFDIR, 2);
	if (n->kind == NODE_ROOT) {
		for (struct doc *d = fs->docs; room && d; d = d->next)
			if (3 + d->seq > pos && d->dir)
				room = add_entry(req, buf, size, &used, d->dirname, d->dir->ino,
						 S_IFDIR, 3 + d->seq);
	} else {
		struct doc *d = n->doc;
		if (room && pos < 3 && fs_doc_visible(d) && d->file)
			room = add_entry(req, buf, size, &used, d->name, d->file->ino,
					 d->folder ? S_IFDIR : S_IFREG, 3);
		for (struct node *s = d->scratch; room && s; s = s->next)
			if (4 + s->seq > pos)
				room = add_entry(req, buf, size, &used, s->name, s->ino, S_IFREG,
						 4 + s->seq);
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

/* The writable document directory of a node, or NULL (with the reply sent). */
static struct doc *writable_dir(fuse_req_t req, struct node *dir)
{
	if (dir && dir->kind == NODE_DOCDIR && dir->doc->folder) {
		fuse_reply_err(req, EPERM); /* a folder's document directory holds only it */
		return NULL;
	}
	if (!dir || dir->kind != NODE_DOCDIR) {
		fuse_reply_err(req, dir && dir->kind == NODE_ROOT ? EPERM : ENOENT);
		return NULL;
	}
	struct doc *d = fs_live_doc(req, dir, ENOENT);
	if (d && !(d->perms & PROTO_PERM_WRITE)) {
		fuse_reply_err(req, EACCES);
		return NULL;
	}
	return d;
}

static struct node *scratch_new(fuse_req_t req, struct fs *fs, struct doc *d, const char *name)
{
	if (fs_scratch_find(d, name)) {
		fuse_reply_err(req, EEXIST);
		return NULL;
	}
	if (!scratch_name_ok(name, d->name)) {
		fuse_reply_err(req, EINVAL);
		return NULL;
	}
	if (scratch_add_file(&fs->budget) < 0) {
		fuse_reply_err(req, ENOSPC);
		return NULL;
	}
	int fd = memfd_create("appvm-scratch", MFD_CLOEXEC);
	struct node *n = fd >= 0 ? fs_node_new(fs, NODE_SCRATCH, d) : NULL;
	char *copy = n ? strdup(name) : NULL;
	if (!copy) {
		int e = fd < 0 ? errno : ENOMEM;
		if (fd >= 0)
			close(fd);
		scratch_remove_file(&fs->budget, 0);
		if (n) {
			n->name = NULL;
			fs_node_release(fs, n);
		}
		fuse_reply_err(req, e);
		return NULL;
	}
	n->name = copy;
	n->memfd = fd;
	n->seq = ++fs->seq;
	struct node **tail = &d->scratch;
	while (*tail)
		tail = &(*tail)->next;
	*tail = n;
	return n;
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct node *dir = fs_node(fs, parent);
	(void)mode;
	if (dir && dir->kind == NODE_FDIR) {
		fs_folder_create(req, fs, dir, name, fi);
		return;
	}
	struct doc *d = writable_dir(req, dir);
	if (!d)
		return;
	struct handle *h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->flags = fi->flags;
	if (strcmp(name, d->name) == 0) {
		if (fs_doc_visible(d)) {
			free(h);
			fuse_reply_err(req, EEXIST);
			return;
		}
		fs_start_opening(req, fs, OP_CREATE, d->file, h, fi);
		return;
	}
	struct node *n = scratch_new(req, fs, d, name);
	if (!n) {
		free(h);
		return;
	}
	h->node = n;
	fi->fh = (uintptr_t)h;
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.generation = n->generation;
	e.attr_timeout = e.entry_timeout = FS_TIMEOUT;
	fs_attr(fs, n, &e.attr);
	if (fuse_reply_create(req, &e, fi) == 0) {
		n->nlookup++;
		n->opens++;
	} else {
		free(h);
		fs_scratch_unlink(fs, n);
	}
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct fs *fs = FS(req);
	(void)rdev;
	if (!S_ISREG(mode)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	struct doc *d = writable_dir(req, fs_node(fs, parent));
	if (!d)
		return;
	if (strcmp(name, d->name) == 0) {
		fuse_reply_err(req, fs_doc_visible(d) ? EEXIST : EPERM);
		return;
	}
	struct node *n = scratch_new(req, fs, d, name);
	if (n)
		fs_reply_entry(fs, req, n);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = FS(req);
	struct node *dir = fs_node(fs, parent);
	if (dir && dir->kind == NODE_FDIR) {
		fs_folder_unlink(req, fs, dir, name, false);
		return;
	}
	struct doc *d = writable_dir(req, dir);
	if (!d)
		return;
	if (strcmp(name, d->name) == 0) {
		if (!fs_doc_visible(d)) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		/* The host file stays; the name is gone here until it is made
		 * again (docs/portal.md). */
		d->hidden = true;
		fuse_reply_err(req, 0);
		return;
	}
	struct node *s = fs_scratch_find(d, name);
	if (!s) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fs_scratch_unlink(fs, s);
	fuse_reply_err(req, 0);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	struct fs *fs = FS(req);
	struct node *from = fs_node(fs, parent), *to = fs_node(fs, newparent);
	if (from && from->kind == NODE_FDIR) {
		fs_folder_rename(req, fs, from, name, to, newname, flags);
		return;
	}
	if (to && to->kind == NODE_FDIR) {
		fuse_reply_err(req, EXDEV); /* from a document's directory into a folder */
		return;
	}
	if (flags & ~(unsigned)RENAME_NOREPLACE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (from && to && from->kind == NODE_DOCDIR && to->kind == NODE_DOCDIR &&
	    from->doc != to->doc) {
		fuse_reply_err(req, EXDEV);
		return;
	}
	struct doc *d = writable_dir(req, from);
	if (!d)
		return;
	if (to != from) {
		fuse_reply_err(req, EPERM);
		return;
	}
	bool noreplace = flags & RENAME_NOREPLACE;
	if (strcmp(name, d->name) == 0) {
		/* The document's name stays where the host file is. */
		fuse_reply_err(req, strcmp(newname, name) == 0 ? 0 : EPERM);
		return;
	}
	struct node *s = fs_scratch_find(d, name);
	if (!s) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (strcmp(newname, d->name) == 0) {
		if (noreplace && fs_doc_visible(d)) {
			fuse_reply_err(req, EEXIST);
			return;
		}
		struct op *op = fs_op_new(OP_REPLACE, req, d, s);
		if (!op) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		op->len = s->size;
		fs_op_start(fs, op);
		return;
	}
	struct node *t = fs_scratch_find(d, newname);
	if (t == s) {
		fuse_reply_err(req, 0);
		return;
	}
	if (t && noreplace) {
		fuse_reply_err(req, EEXIST);
		return;
	}
	if (!scratch_name_ok(newname, d->name)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	char *copy = strdup(newname);
	if (!copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (t)
		fs_scratch_unlink(fs, t);
	free(s->name);
	s->name = copy;
	fuse_reply_err(req, 0);
}

static void ll_no(fuse_req_t req)
{
	fuse_reply_err(req, EPERM);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct node *dir = fs_node(FS(req), parent);
	(void)mode;
	if (dir && dir->kind == NODE_FDIR)
		fs_folder_mkdir(req, FS(req), dir, name);
	else
		ll_no(req);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node *dir = fs_node(FS(req), parent);
	if (dir && dir->kind == NODE_FDIR)
		fs_folder_unlink(req, FS(req), dir, name, true);
	else
		ll_no(req);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link, (void)parent, (void)name;
	ll_no(req);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino, (void)newparent, (void)newname;
	ll_no(req);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fs *fs = FS(req);
	struct statvfs st;
	(void)ino;
	memset(&st, 0, sizeof(st));
	st.f_bsize = st.f_frsize = 4096;
	st.f_blocks = fs->budget.limit / 4096;
	st.f_bfree = st.f_bavail = (fs->budget.limit - fs->budget.used) / 4096;
	st.f_files = FS_MAX_NODES;
	st.f_ffree = st.f_favail = fs->budget.max_files - fs->budget.files;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

void fs_dir_ops(struct fuse_lowlevel_ops *ops)
{
	ops->opendir = ll_opendir;
	ops->readdir = ll_readdir;
	ops->releasedir = ll_releasedir;
	ops->create = ll_create;
	ops->mknod = ll_mknod;
	ops->mkdir = ll_mkdir;
	ops->unlink = ll_unlink;
	ops->rmdir = ll_rmdir;
	ops->symlink = ll_symlink;
	ops->link = ll_link;
	ops->rename = ll_rename;
	ops->statfs = ll_statfs;
}
