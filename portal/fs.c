/* The document filesystem: a libfuse low-level session served from the
 * portal's one loop (fuse_session_fd, receive_buf, process_buf). Every
 * operation answers at once from memory, except those on a document's own
 * file, which wait for the host (fs_doc.c). Semantics: docs/portal.md. */
#include "fs_int.h"
#include "mount.h"
#include "notify.h"

#include "io.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fs *fs = userdata;
	/* O_TRUNC arrives as a truncation; no splicing, no readdirplus, no
	 * write-back cache: every write reaches the host before it returns. */
	conn->want &= ~(FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
			FUSE_CAP_SPLICE_MOVE | FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO |
			FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_EXPORT_SUPPORT);
	/* Reads and writes of up to 1 MiB (FUSE's max_pages follows
	 * max_write), and readahead of as much as the mount allows: a
	 * sequential read keeps 32 DOC_READs in flight instead of 4. */
	conn->max_write = FS_MAX_WRITE;
	conn->max_readahead = PORTAL_READAHEAD_KB * 1024;
	fs->inited = true;
	notify_set_ready();
}

struct doc *fs_live_doc(fuse_req_t req, struct node *n, int err)
{
	struct doc *d = n ? fs_file_doc(n) : NULL;
	if (!d || d->revoked || (n->doc && n->doc->revoked)) {
		fuse_reply_err(req, err);
		return NULL;
	}
	return d;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = FS(req);
	struct node *dir = fs_node(fs, parent);
	uint64_t id;
	if (!dir) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (dir->kind == NODE_ROOT) {
		struct doc *d = portal_docdir_parse(name, &id) == 0 ? fs_doc_find(fs, id) : NULL;
		if (!d || !d->dir) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		fs_reply_entry(fs, req, d->dir);
		return;
	}
	if (dir->kind == NODE_FDIR) {
		fs_folder_lookup(req, fs, dir, name);
		return;
	}
	if (dir->kind != NODE_DOCDIR) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	struct doc *d = fs_live_doc(req, dir, ENOENT);
	if (!d)
		return;
	if (strcmp(name, d->name) == 0) {
		if (fs_doc_visible(d) && d->file)
			fs_reply_entry(fs, req, d->file);
		else
			fuse_reply_err(req, ENOENT);
		return;
	}
	struct node *s = fs_scratch_find(d, name);
	if (s)
		fs_reply_entry(fs, req, s);
	else
		fuse_reply_err(req, ENOENT);
}

static void forget_one(struct fs *fs, fuse_ino_t ino, uint64_t nlookup)
{
	struct node *n = fs_node(fs, ino);
	if (!n)
		return;
	n->nlookup = nlookup < n->nlookup ? n->nlookup - nlookup : 0;
	fs_node_release(fs, n);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(FS(req), ino, nlookup);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		forget_one(FS(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void reply_attr(fuse_req_t req, struct fs *fs, struct node *n)
{
	struct stat st;
	fs_attr(fs, n, &st);
	fuse_reply_attr(req, &st, FS_TIMEOUT);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct node *n = fs_node(fs, ino);
	(void)fi;
	if (!n || (n->kind != NODE_ROOT && n->doc->revoked)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (n->kind == NODE_FDIR || n->kind == NODE_FFILE) {
		fs_folder_getattr(req, fs, n);
		return;
	}
	reply_attr(req, fs, n);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct node *n = fs_node(fs, ino);
	if (!n || (n->kind != NODE_ROOT && n->doc->revoked)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	/* Owners cannot change (chown to the same owner is fine: sed -i does
	 * it); modes and times are accepted and not kept (docs/portal.md). */
	if (((to_set & FUSE_SET_ATTR_UID) && attr->st_uid != fs->uid) ||
	    ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid != fs->gid)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (!(to_set & FUSE_SET_ATTR_SIZE)) {
		reply_attr(req, fs, n);
		return;
	}
	if (attr->st_size < 0 || (uint64_t)attr->st_size > PROTO_DOC_SIZE_MAX) {
		fuse_reply_err(req, EFBIG);
		return;
	}
	uint64_t size = (uint64_t)attr->st_size;
	if (n->kind == NODE_SCRATCH) {
		if (scratch_resize(&fs->budget, n->size, size) < 0) {
			fuse_reply_err(req, ENOSPC);
			return;
		}
		if (n->memfd >= 0 && ftruncate(n->memfd, (off_t)size) < 0) {
			int e = errno;
			scratch_resize(&fs->budget, size, n->size);
			fuse_reply_err(req, e);
			return;
		}
		n->size = size;
		reply_attr(req, fs, n);
		return;
	}
	if (!fs_is_file(n)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	struct doc *d = fs_file_doc(n);
	if (!d || d->revoked) {
		/* A folder's file not open here: truncate(2) by name is not served. */
		fuse_reply_err(req, d ? EACCES : EOPNOTSUPP);
		return;
	}
	if (!(d->perms & PROTO_PERM_WRITE)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	struct op *op = fs_op_new(OP_TRUNCATE, req, d, n);
	if (!op) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	op->len = size;
	op->h = fi ? HANDLE(fi) : NULL;
	/* truncate(2) on a name: no close will come to commit it. */
	op->commit = !op->h || d->stage.writers == 0;
	fs_op_start(fs, op);
}

void fs_start_opening(fuse_req_t req, struct fs *fs, enum op_kind kind, struct node *n,
		      struct handle *h, const struct fuse_file_info *fi)
{
	struct op *op = fs_op_new(kind, req, n->doc, n);
	if (!op) {
		free(h);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	op->h = h;
	op->fi = *fi;
	fs_op_start(fs, op);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct node *n = fs_node(fs, ino);
	if (!n || n->kind == NODE_ROOT || n->kind == NODE_DOCDIR || n->kind == NODE_FDIR) {
		fuse_reply_err(req, n ? EISDIR : ENOENT);
		return;
	}
	if (n->kind == NODE_FFILE) {
		fs_folder_open(req, fs, n, fi);
		return;
	}
	struct doc *d = fs_live_doc(req, n, ENOENT);
	if (!d)
		return;
	int acc = fi->flags & O_ACCMODE;
	struct handle *h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->node = n;
	h->flags = fi->flags;
	if (n->kind == NODE_SCRATCH) {
		fi->fh = (uintptr_t)h;
		if (fuse_reply_open(req, fi) == 0)
			n->opens++;
		else
			free(h);
		return;
	}
	if (((acc == O_RDONLY || acc == O_RDWR) && !(d->perms & PROTO_PERM_READ)) ||
	    ((acc == O_WRONLY || acc == O_RDWR) && !(d->perms & PROTO_PERM_WRITE))) {
		free(h);
		fuse_reply_err(req, EACCES);
		return;
	}
	h->writer = acc != O_RDONLY;
	fs_start_opening(req, fs, OP_OPEN, n, h, fi);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct node *n = HANDLE(fi)->node;
	(void)ino;
	if (n->kind == NODE_SCRATCH) {
		if (n->doc->revoked || n->memfd < 0) {
			fuse_reply_err(req, EACCES);
			return;
		}
		uint8_t *buf = malloc(size ? size : 1);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		ssize_t got = pread(n->memfd, buf, size, off);
		if (got < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_buf(req, (const char *)buf, (size_t)got);
		free(buf);
		return;
	}
	struct doc *d = fs_live_doc(req, n, EACCES);
	if (!d)
		return;
	if (size > FS_MAX_READ)
		size = FS_MAX_READ;
	if ((uint64_t)off > PROTO_DOC_SIZE_MAX - size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	uint8_t *buf = malloc(size ? size : 1);
	struct op *op = buf ? fs_op_new(OP_READ, req, d, n) : NULL;
	if (!op) {
		free(buf);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	op->buf = buf;
	op->off = (uint64_t)off;
	op->len = size;
	fs_op_start(fs, op);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct handle *h = HANDLE(fi);
	struct node *n = h->node;
	(void)ino;
	if (off < 0 || (uint64_t)off > PROTO_DOC_SIZE_MAX - size) {
		fuse_reply_err(req, EFBIG);
		return;
	}
	uint64_t end = (uint64_t)off + size;
	if (n->kind == NODE_SCRATCH) {
		if (n->doc->revoked || n->memfd < 0) {
			fuse_reply_err(req, EACCES);
			return;
		}
		uint64_t grown = end > n->size ? end : n->size;
		if (scratch_resize(&fs->budget, n->size, grown) < 0) {
			fuse_reply_err(req, ENOSPC);
			return;
		}
		ssize_t put = pwrite(n->memfd, buf, size, off);
		if (put < 0) {
			int e = errno;
			scratch_resize(&fs->budget, grown, n->size);
			fuse_reply_err(req, e);
			return;
		}
		n->size = grown;
		fuse_reply_write(req, (size_t)put);
		return;
	}
	struct doc *d = fs_live_doc(req, n, EACCES);
	if (!d)
		return;
	if (!(d->perms & PROTO_PERM_WRITE)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!h->writer) {
		/* A scratch file renamed onto the document while open. */
		h->writer = true;
		stage_writer_opened(&d->stage);
	}
	uint8_t *copy = malloc(size ? size : 1);
	struct op *op = copy ? fs_op_new(OP_WRITE, req, d, n) : NULL;
	if (!op) {
		free(copy);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(copy, buf, size);
	op->buf = copy;
	op->off = (uint64_t)off;
	op->len = size;
	op->h = h;
	fs_op_start(fs, op);
}

/* Commits the document a handle changed (fsync, close). */
static void commit_handle(fuse_req_t req, struct fs *fs, struct handle *h)
{
	struct node *n = h->node;
	struct doc *d = fs_is_file(n) ? fs_file_doc(n) : NULL;
	if (!d || d->revoked || n->doc->revoked) {
		fuse_reply_err(req, fs_is_file(n) ? EACCES : 0);
		return;
	}
	struct op *op = fs_op_new(OP_COMMIT, req, d, n);
	if (!op) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	op->h = h;
	fs_op_start(fs, op);
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h = HANDLE(fi);
	(void)ino;
	if (fs_is_file(h->node) && h->wrote)
		commit_handle(req, FS(req), h);
	else
		fuse_reply_err(req, 0);
}

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	commit_handle(req, FS(req), HANDLE(fi));
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = FS(req);
	struct handle *h = HANDLE(fi);
	struct node *n = h->node;
	struct doc *d = fs_file_doc(n);
	(void)ino;
	if (h->writer && stage_writer_closed(&d->stage) && !d->revoked) {
		/* The last writer left its changes uncommitted (no flush came,
		 * as after writes through a mapping): they go in now. */
		if (d->stage.dirty) {
			struct op *op = fs_op_new(OP_COMMIT, NULL, d, n);
			if (op)
				fs_op_start(fs, op);
		} else if (!d->queue) {
			fs_send_quiet(fs, PROTO_DOC_ABORT, d->id);
			stage_failed(&d->stage);
		}
	}
	free(h);
	n->opens--;
	fuse_reply_err(req, 0);
	fs_node_release(fs, n);
}

/* The operations on files; fs_dir_ops adds those on names. */
static const struct fuse_lowlevel_ops file_ops = {
    .init = ll_init,
    .lookup = ll_lookup,
    .forget = ll_forget,
    .forget_multi = ll_forget_multi,
    .getattr = ll_getattr,
    .setattr = ll_setattr,
    .open = ll_open,
    .read = ll_read,
    .write = ll_write,
    .flush = ll_flush,
    .release = ll_release,
    .fsync = ll_fsync,
};

int fs_start(struct portal *p, char *err, size_t errlen)
{
	if (p->opt.fuse_fd < 0 && !p->opt.mount)
		return 0; /* no filesystem: dialogs answer "failed" */
	struct fs *fs = calloc(1, sizeof(*fs));
	if (!fs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fs->p = p;
	fs->uid = getuid();
	fs->gid = getgid();
	fs->budget.limit = p->opt.scratch_limit;
	fs->budget.max_files = p->opt.scratch_files;
	struct fuse_lowlevel_ops ops = file_ops;
	fs_dir_ops(&ops);
	char *argv[] = {"appvm-portal", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	fs->se = fuse_session_new(&args, &ops, sizeof(ops), fs);
	fuse_opt_free_args(&args); /* the session made its own copy */
	if (!fs->se) {
		free(fs);
		snprintf(err, errlen, "cannot create the FUSE session");
		return -ENOMEM;
	}
	int fd = p->opt.fuse_fd;
	if (p->opt.mount) {
		fd = portal_mount(p->opt.mountpoint, fs->uid, fs->gid, err, errlen);
		if (fd < 0) {
			fuse_session_destroy(fs->se);
			free(fs);
			return fd;
		}
	}
	char dev[32];
	snprintf(dev, sizeof(dev), "/dev/fd/%d", fd);
	int r = fuse_session_mount(fs->se, dev);
	if (r != 0 || io_set_nonblock(fd, 1) < 0 || !fs_node_new(fs, NODE_ROOT, NULL)) {
		snprintf(err, errlen, "cannot serve the FUSE descriptor %d", fd);
		if (p->opt.mount)
			umount2(p->opt.mountpoint, MNT_DETACH);
		fuse_session_destroy(fs->se);
		free(fs);
		return -EBADF;
	}
	r = notify_start(fs->se);
	if (r < 0) {
		snprintf(err, errlen, "cannot start the notification thread: %s", strerror(-r));
		if (p->opt.mount)
			umount2(p->opt.mountpoint, MNT_DETACH);
		fuse_session_destroy(fs->se);
		free(fs);
		return r;
	}
	p->fs = fs;
	return 0;
}

void fs_stop(struct portal *p)
{
	struct fs *fs = p->fs;
	if (!fs)
		return;
	if (p->opt.mount)
		umount2(p->opt.mountpoint, MNT_DETACH);
	/* Requests to the host ended already (host_close): what is left
	 * waited for a slot. */
	fs_op_drop_waiting(fs);
	/* Requests the kernel sends meanwhile fail where they need the host. */
	if (notify_stop(fs->se, &fs->buf, FS_STOP_DRAIN_MS) == 0)
		fuse_session_destroy(fs->se);
	else
		log_warn("fs: a kernel notification is still pending; exiting without it");
	free(fs->buf.mem);
	while (fs->docs)
		fs_doc_revoke(fs, fs->docs);
	for (unsigned i = 0; i < FS_MAX_NODES; i++) {
		struct node *n = fs->nodes[i];
		if (!n)
			continue;
		if (n->memfd >= 0)
			close(n->memfd);
		free(n->name);
		struct doc *d = n->doc;
		if (n->sub)
			fs_doc_put(fs, n->sub); /* a folder file's document, revoked above */
		free(n);
		fs->nodes[i] = NULL;
		if (d)
			fs_doc_put(fs, d);
	}
	free(fs);
	p->fs = NULL;
}

int fs_poll_fd(const struct portal *p)
{
	return p->fs ? fuse_session_fd(p->fs->se) : -1;
}

bool fs_ready(const struct portal *p)
{
	return !p->fs || p->fs->inited;
}

void fs_on_io(struct portal *p)
{
	struct fs *fs = p->fs;
	for (int i = 0; i < FS_MAX_PER_CALL && p->fs; i++) {
		int r = fuse_session_receive_buf(fs->se, &fs->buf);
		if (r == -EAGAIN || r == -EINTR)
			return;
		if (r <= 0) {
			log_err("fs: the document filesystem was unmounted%s%s", r < 0 ? ": " : "",
				r < 0 ? strerror(-r) : "");
			p->quit = true;
			p->exit_status = 1;
			return;
		}
		fuse_session_process_buf(fs->se, &fs->buf);
	}
}

void fs_tick(struct portal *p, uint64_t now, uint64_t *next)
{
	(void)p, (void)now, (void)next;
}
