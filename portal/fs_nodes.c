/* Documents and inodes of the document filesystem: the tables, attributes,
 * grants and revocations. The kernel's cached view is invalidated through
 * notify.c, never from here directly. */
#include "fs_int.h"
#include "notify.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct node *fs_node(struct fs *fs, fuse_ino_t ino)
{
	if (ino == 0 || ino > FS_MAX_NODES)
		return NULL;
	return fs->nodes[ino - 1];
}

struct node *fs_node_new(struct fs *fs, enum node_kind kind, struct doc *doc)
{
	for (unsigned k = 0; k < FS_MAX_NODES; k++) {
		unsigned i = (fs->cursor + k) % FS_MAX_NODES;
		if (fs->nodes[i])
			continue;
		struct node *n = calloc(1, sizeof(*n));
		if (!n)
			return NULL;
		n->ino = i + 1;
		n->generation = ++fs->generation;
		n->kind = kind;
		n->doc = doc;
		n->memfd = -1;
		if (doc)
			doc->refs++;
		fs->nodes[i] = n;
		fs->cursor = (i + 1) % FS_MAX_NODES;
		return n;
	}
	return NULL;
}

/* True when nothing can reach the node any more. */
static bool node_dead(const struct node *n)
{
	if (n->nlookup > 0 || n->opens > 0 || n->busy > 0)
		return false;
	switch (n->kind) {
	case NODE_ROOT:
		return false;
	case NODE_DOCDIR:
		return n->doc->revoked;
	case NODE_DOCFILE:
		return n->doc->revoked || n->doc->file != n;
	case NODE_SCRATCH:
		return n->name == NULL;
	case NODE_FDIR:
	case NODE_FFILE:
		/* The root of a folder lives with its grant; entries while used. */
		return n->doc->file != n || n->doc->revoked;
	}
	return false;
}

void fs_node_release(struct fs *fs, struct node *n)
{
	if (n->kind == NODE_FFILE)
		fs_folder_file_idle(fs, n);
	if (!node_dead(n))
		return;
	if (n->kind == NODE_FDIR || n->kind == NODE_FFILE)
		fs_folder_node_gone(fs, n);
	if (n->kind == NODE_SCRATCH)
		scratch_remove_file(&fs->budget, n->size);
	if (n->memfd >= 0)
		close(n->memfd);
	free(n->name);
	fs->nodes[n->ino - 1] = NULL;
	struct doc *d = n->doc;
	if (d) {
		if (d->dir == n)
			d->dir = NULL;
		if (d->file == n)
			d->file = NULL;
	}
	free(n);
	if (d)
		fs_doc_put(fs, d);
}

struct doc *fs_doc_find(struct fs *fs, uint64_t id)
{
	for (struct doc *d = fs->docs; d; d = d->next)
		if (d->id == id)
			return d;
	return NULL;
}

void fs_doc_put(struct fs *fs, struct doc *d)
{
	(void)fs;
	if (--d->refs == 0 && d->revoked)
		free(d);
}

bool fs_doc_visible(const struct doc *d)
{
	return !d->revoked && !d->hidden && (d->exists || d->stage.state != STAGE_NONE);
}

void fs_attr(struct fs *fs, const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = 4096;
	const struct doc *d = n->doc;
	switch (n->kind) {
	case NODE_ROOT:
		st->st_mode = S_IFDIR | 0500;
		st->st_nlink = 2;
		break;
	case NODE_DOCDIR:
		st->st_mode = S_IFDIR | (d->perms & PROTO_PERM_WRITE ? 0700 : 0500);
		st->st_nlink = 2;
		break;
	case NODE_DOCFILE:
		/* Group and other bits mean nothing (only the owner may enter the
		 * mount); they make a document's mode differ from a scratch file's
		 * 0600, which tells vim to write in place (docs/portal.md). */
		st->st_mode = S_IFREG | (d->perms & PROTO_PERM_READ ? 0444 : 0) |
			      (d->perms & PROTO_PERM_WRITE ? 0200 : 0);
		st->st_nlink = 1;
		st->st_size = (off_t)stage_size(&d->stage, d->size);
		st->st_mtim.tv_sec = d->mtime_sec;
		st->st_mtim.tv_nsec = d->mtime_nsec;
		break;
	case NODE_SCRATCH:
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = n->name ? 1 : 0;
		st->st_size = (off_t)n->size;
		break;
	case NODE_FDIR:
	case NODE_FFILE: {
		/* The host's permission bits, without write ones in a read-only grant. */
		mode_t mode = n->mode ? n->mode : 0755;
		if (!(d->perms & PROTO_PERM_WRITE))
			mode &= ~0222u;
		const struct doc *sub = n->sub;
		st->st_mode = (n->kind == NODE_FDIR ? S_IFDIR : S_IFREG) | mode;
		st->st_nlink = n->kind == NODE_FDIR ? 2 : (n->parent || d->file == n) ? 1 : 0;
		st->st_size = sub ? (off_t)stage_size(&sub->stage, sub->size) : (off_t)n->size;
		st->st_mtim.tv_sec = sub ? sub->mtime_sec : n->mtime_sec;
		st->st_mtim.tv_nsec = sub ? sub->mtime_nsec : n->mtime_nsec;
		break;
	}
	}
	if (n->kind != NODE_DOCFILE && n->kind != NODE_FDIR && n->kind != NODE_FFILE)
		clock_gettime(CLOCK_REALTIME, &st->st_mtim);
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
	st->st_blocks = (st->st_size + 511) / 512;
}

void fs_reply_entry(struct fs *fs, fuse_req_t req, struct node *n)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.generation = n->generation;
	e.attr_timeout = FS_TIMEOUT;
	e.entry_timeout = FS_TIMEOUT;
	fs_attr(fs, n, &e.attr);
	if (fuse_reply_entry(req, &e) == 0)
		n->nlookup++;
}

void fs_doc_stat(struct fs *fs, struct doc *d, const struct proto_doc_stat *st)
{
	bool exists = st->flags & PROTO_STAT_EXISTS;
	bool changed = exists != d->exists || st->size != d->size ||
		       st->mtime_sec != d->mtime_sec || st->mtime_nsec != d->mtime_nsec;
	if (changed)
		d->cache_ok = false;
	d->exists = exists;
	d->size = st->size;
	d->mtime_sec = st->mtime_sec;
	d->mtime_nsec = st->mtime_nsec;
	d->perms = st->flags & (PROTO_PERM_READ | PROTO_PERM_WRITE);
	(void)fs;
}

static struct doc *doc_new(struct fs *fs, const struct proto_doc *pd)
{
	struct doc *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->id = pd->id;
	d->seq = ++fs->seq;
	memcpy(d->name, pd->name.ptr, pd->name.len);
	portal_docdir_name(pd->id, d->dirname);
	d->refs = 1; /* the table's */
	d->folder = pd->perms & PROTO_DOC_FOLDER;
	d->dir = fs_node_new(fs, NODE_DOCDIR, d);
	d->file = fs_node_new(fs, d->folder ? NODE_FDIR : NODE_DOCFILE, d);
	if (d->file && d->folder)
		d->file->hnode = PROTO_ROOT_NODE;
	if (!d->dir || !d->file) {
		d->revoked = true;
		if (d->dir)
			fs_node_release(fs, d->dir);
		if (d->file)
			fs_node_release(fs, d->file);
		fs_doc_put(fs, d);
		return NULL;
	}
	struct doc **tail = &fs->docs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = d;
	fs->n_docs++;
	return d;
}

int fs_grant(struct portal *p, const struct proto_doc *pd)
{
	struct fs *fs = p->fs;
	if (!fs)
		return -ENOSPC;
	struct doc *d = fs_doc_find(fs, pd->id);
	if (!d) {
		if (fs->n_docs >= FS_MAX_DOCS)
			return -ENOSPC;
		d = doc_new(fs, pd);
		if (!d)
			return -ENOSPC;
		/* A size of 0 may mean "not created yet" (a save target). */
		d->exists = pd->size > 0 || d->folder;
	} else if (d->stage.state == STAGE_NONE && (pd->size != d->size || pd->size == 0)) {
		d->cache_ok = false;
		notify_inval_inode(d->file ? d->file->ino : 0);
	}
	d->perms = pd->perms;
	if (d->stage.state == STAGE_NONE) {
		d->size = pd->size;
		if (pd->size > 0)
			d->exists = true;
	}
	/* The grant has no time and no existence bit: ask for them. */
	fs_doc_probe(fs, d);
	return 0;
}

bool fs_has_doc(const struct portal *p, uint64_t id)
{
	return p->fs && fs_doc_find(p->fs, id) != NULL;
}

void fs_doc_revoke(struct fs *fs, struct doc *d)
{
	struct doc **pp = &fs->docs;
	while (*pp && *pp != d)
		pp = &(*pp)->next;
	if (!*pp)
		return; /* revoked already */
	*pp = d->next;
	d->next = NULL;
	fs->n_docs--;
	d->revoked = true;
	fs_doc_fail_queue(fs, d, EACCES);
	if (d->folder)
		fs_folder_revoke(fs, d);
	/* Scratch files go with their directory. */
	while (d->scratch)
		fs_scratch_unlink(fs, d->scratch);
	/* Outside any request handler: the helper thread tells the kernel.
	 * The name inside first: a directory entry with children cannot be
	 * deleted, only invalidated. */
	if (d->dir && d->file && d->folder)
		notify_inval_entry(d->dir->ino, d->name); /* a folder may have children */
	else if (d->dir && d->file)
		notify_delete(d->dir->ino, d->file->ino, d->name);
	if (d->file)
		notify_inval_inode(d->file->ino);
	if (d->dir)
		notify_inval_entry(FUSE_ROOT_ID, d->dirname);
	if (d->dir)
		fs_node_release(fs, d->dir);
	if (d->file)
		fs_node_release(fs, d->file);
	fs_doc_put(fs, d); /* the table's reference */
}

void fs_revoke(struct portal *p, uint64_t id)
{
	struct fs *fs = p->fs;
	struct doc *d = fs ? fs_doc_find(fs, id) : NULL;
	if (d)
		fs_doc_revoke(fs, d);
}

void fs_disconnected(struct portal *p)
{
	struct fs *fs = p->fs;
	if (!fs)
		return;
	for (struct doc *d = fs->docs; d; d = d->next)
		stage_disconnected(&d->stage);
}

void fs_connected(struct portal *p)
{
	struct fs *fs = p->fs;
	if (!fs)
		return;
	/* The host re-grants what lives; a restarted host daemon knows none of
	 * ours: each answers DOC_STAT with NOT_FOUND and is revoked here. */
	for (struct doc *d = fs->docs; d; d = d->next) {
		if (d->folder)
			fs_folder_connected(fs, d);
		fs_doc_probe(fs, d);
	}
}

struct node *fs_scratch_find(struct doc *d, const char *name)
{
	for (struct node *n = d->scratch; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

void fs_scratch_unlink(struct fs *fs, struct node *n)
{
	struct doc *d = n->doc;
	struct node **pp = &d->scratch;
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
	n->next = NULL;
	free(n->name);
	n->name = NULL;
	/* Open handles keep the content (and its cost) until they close. */
	fs_node_release(fs, n);
}
