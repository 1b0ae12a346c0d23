/* Opening files in folder grants and changing the folders: new files and
 * folders, removals, renames (within one grant: never across documents),
 * and the replies of folder requests. The tree of nodes and the requests
 * that walk it are in fs_folder.c (see there). */
#include "fs_folder_int.h"
#include "fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Gives the file document of n to the host, once nothing uses it. */
void fs_folder_file_idle(struct fs *fs, struct node *n)
{
	struct doc *sub = n->sub;
	if (!sub || n->opens > 0 || n->busy > 0 || sub->queue)
		return;
	n->size = sub->size;
	n->mtime_sec = sub->mtime_sec;
	n->mtime_nsec = sub->mtime_nsec;
	n->sub = NULL;
	sub->file = NULL;
	if (!sub->revoked) {
		fs_send_quiet(fs, PROTO_DOC_CLOSE, sub->id);
		fs_doc_revoke(fs, sub);
	}
	fs_doc_put(fs, sub); /* the node's reference */
}

/* A file document of its own, with no directory: it lives in fs->docs for
 * the request machinery, and is not listed. */
static struct doc *sub_new(struct fs *fs, struct doc *folder, uint64_t id,
			   const struct proto_doc_stat *st)
{
	if (fs->n_docs >= FS_MAX_DOCS)
		return NULL;
	struct doc *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->id = id;
	d->seq = ++fs->seq;
	portal_docdir_name(id, d->dirname);
	d->refs = 1; /* the table's */
	d->folder_of = folder;
	fs_doc_stat(fs, d, st);
	d->cache_ok = true;
	struct doc **tail = &fs->docs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = d;
	fs->n_docs++;
	return d;
}

/* A file document the host opened for n (or a second one, which goes back). */
static int attach_file(struct fs *fs, struct node *n, const struct proto_entry_opened *o)
{
	if (n->sub && !n->sub->revoked) {
		fs_send_quiet(fs, PROTO_DOC_CLOSE, o->doc_id);
		return 0;
	}
	if (n->sub)
		return EIO; /* the old one is still in use, and lost */
	struct doc *sub = sub_new(fs, n->doc, o->doc_id, &o->stat);
	if (!sub) {
		fs_send_quiet(fs, PROTO_DOC_CLOSE, o->doc_id);
		return ENFILE;
	}
	sub->file = n;
	sub->refs++; /* the node's */
	n->sub = sub;
	return 0;
}

void folder_on_opened(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	struct doc *d = op->doc;
	if (folder_retry_after_limit(fs, op, err, m))
		return;
	int e = folder_answer_errno(fs, op, err, m);
	struct node *n = op->node;
	if (!e && d->revoked) {
		fs_send_quiet(fs, PROTO_DOC_CLOSE, m->u.opened.doc_id);
		e = ENOENT;
	}
	if (!e && n->kind == NODE_FDIR) {
		/* A create: the new file's node. */
		struct proto_entry fe = {.kind = PROTO_ENTRY_FILE, .mode = 0644};
		fe.size = m->u.opened.stat.size;
		fe.mtime_sec = m->u.opened.stat.mtime_sec;
		fe.mtime_nsec = m->u.opened.stat.mtime_nsec;
		struct node *f = folder_entry_node(fs, d, n, op->name, &fe);
		if (!f) {
			fs_send_quiet(fs, PROTO_DOC_CLOSE, m->u.opened.doc_id);
			e = ENOMEM;
		} else {
			f->busy++;
			op->dir2 = f; /* released with the op */
			n = f;
		}
	}
	if (!e) {
		/* Unchanged since the kernel cached it: keep the cache. */
		const struct proto_doc_stat *st = &m->u.opened.stat;
		op->fi.keep_cache = st->size == n->size && st->mtime_sec == n->mtime_sec &&
				    st->mtime_nsec == n->mtime_nsec;
		e = attach_file(fs, n, &m->u.opened);
	}
	fs_op_finish(fs, op, e);
}

static bool may_open(const struct doc *d, int flags)
{
	int acc = flags & O_ACCMODE;
	if ((acc == O_RDONLY || acc == O_RDWR) && !(d->perms & PROTO_PERM_READ))
		return false;
	return !((acc == O_WRONLY || acc == O_RDWR) && !(d->perms & PROTO_PERM_WRITE));
}

/* A new handle and the operation that opens it (ENTRY_OPEN of name in
 * folder n, or of file n), or NULL with the reply sent. */
static struct op *opening(fuse_req_t req, struct fs *fs, struct doc *d, struct node *n,
			  const char *name, const struct fuse_file_info *fi)
{
	struct handle *h = calloc(1, sizeof(*h));
	struct op *op = h ? folder_new_op(req, fs, OP_FOPEN, d, n, name) : NULL;
	if (!op) {
		free(h);
		if (!h)
			fuse_reply_err(req, ENOMEM);
		return NULL;
	}
	h->flags = fi->flags;
	h->writer = (fi->flags & O_ACCMODE) != O_RDONLY;
	op->h = h;
	op->fi = *fi;
	return op;
}

/* True when the folder grant may be changed; else EACCES is answered. */
static bool writable(fuse_req_t req, const struct doc *d)
{
	if (d->perms & PROTO_PERM_WRITE)
		return true;
	fuse_reply_err(req, EACCES);
	return false;
}

void fs_folder_open(fuse_req_t req, struct fs *fs, struct node *n, struct fuse_file_info *fi)
{
	struct doc *d = folder_live(req, n, ENOENT);
	if (!d)
		return;
	if (!may_open(d, fi->flags)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	struct op *op = opening(req, fs, d, n, NULL, fi);
	if (!op)
		return;
	op->h->node = n;
	if (n->sub && !n->sub->revoked) {
		/* Open already: the same file document serves this handle. */
		op->fi.keep_cache = 1;
		fs_op_finish(fs, op, 0);
		return;
	}
	fs_op_start(fs, op);
}

void fs_folder_create(fuse_req_t req, struct fs *fs, struct node *dir, const char *name,
		      struct fuse_file_info *fi)
{
	struct doc *d = folder_live(req, dir, ENOENT);
	struct op *op = d && writable(req, d) ? opening(req, fs, d, dir, name, fi) : NULL;
	if (!op)
		return;
	op->flags = PROTO_OPEN_CREATE | ((fi->flags & O_EXCL) ? PROTO_OPEN_EXCL : 0);
	fs_op_start(fs, op);
}

void fs_folder_mkdir(fuse_req_t req, struct fs *fs, struct node *dir, const char *name)
{
	struct doc *d = folder_live(req, dir, ENOENT);
	struct op *op =
	    d && writable(req, d) ? folder_new_op(req, fs, OP_MKDIR, d, dir, name) : NULL;
	if (op)
		fs_op_start(fs, op);
}

void folder_on_done(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	struct doc *d = op->doc;
	if (folder_retry_after_too_big(fs, op, err, m))
		return;
	int e = folder_answer_errno(fs, op, err, m);
	if (!e && op->kind == OP_UNLINK) {
		folder_detach(folder_child(d, op->node, op->name));
	} else if (!e) {
		struct node *s = folder_child(d, op->node, op->name);
		folder_detach(folder_child(d, op->dir2, op->name2));
		if (s && folder_set_name(s, op->dir2, op->name2) < 0)
			folder_detach(s);
	}
	fs_op_finish(fs, op, e);
}

void fs_folder_unlink(fuse_req_t req, struct fs *fs, struct node *dir, const char *name,
		      bool is_dir)
{
	struct doc *d = folder_live(req, dir, ENOENT);
	struct op *op =
	    d && writable(req, d) ? folder_new_op(req, fs, OP_UNLINK, d, dir, name) : NULL;
	if (!op)
		return;
	op->flags = is_dir ? PROTO_UNLINK_DIR : 0;
	fs_op_start(fs, op);
}

void fs_folder_rename(fuse_req_t req, struct fs *fs, struct node *from, const char *name,
		      struct node *to, const char *newname, unsigned flags)
{
	struct doc *d = folder_live(req, from, ENOENT);
	if (!d)
		return;
	if (!to || to->doc != d || to->kind != NODE_FDIR) {
		/* Another document, or its directory: files never cross. */
		fuse_reply_err(req, EXDEV);
		return;
	}
	if (flags & ~(unsigned)RENAME_NOREPLACE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (!writable(req, d))
		return;
	struct op *op = folder_new_op(req, fs, OP_RENAME, d, from, name);
	if (!op)
		return;
	op->name2 = strdup(newname);
	if (!op->name2) {
		fs_op_finish(fs, op, ENOMEM);
		return;
	}
	op->dir2 = to;
	to->busy++;
	op->flags = (flags & RENAME_NOREPLACE) ? PROTO_RENAME_NOREPLACE : 0;
	fs_op_start(fs, op);
}

void fs_folder_reply(struct fs *fs, struct op *op, int err)
{
	struct stat st;
	struct fuse_entry_param e;
	if (err) {
		if (op->kind == OP_FOPEN)
			free(op->h);
		fuse_reply_err(op->req, err);
		return;
	}
	switch (op->kind) {
	case OP_LOOKUP:
	case OP_MKDIR:
		fs_reply_entry(fs, op->req, op->dir2);
		return;
	case OP_GETATTR:
		fs_attr(fs, op->node, &st);
		fuse_reply_attr(op->req, &st, FS_TIMEOUT);
		return;
	case OP_READDIR:
		fuse_reply_buf(op->req, (const char *)op->buf, op->sent);
		return;
	case OP_FOPEN: {
		struct node *n = op->dir2 ? op->dir2 : op->node;
		op->h->node = n;
		op->fi.fh = (uintptr_t)op->h;
		int r;
		if (op->dir2) {
			memset(&e, 0, sizeof(e));
			e.ino = n->ino;
			e.generation = n->generation;
			e.attr_timeout = e.entry_timeout = FS_TIMEOUT;
			fs_attr(fs, n, &e.attr);
			r = fuse_reply_create(op->req, &e, &op->fi);
			if (r == 0)
				n->nlookup++;
		} else {
			r = fuse_reply_open(op->req, &op->fi);
		}
		if (r != 0) {
			free(op->h);
			return;
		}
		n->opens++;
		if (op->h->writer)
			stage_writer_opened(&n->sub->stage);
		return;
	}
	default:
		fuse_reply_err(op->req, 0);
		return;
	}
}
