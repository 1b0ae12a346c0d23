/* Folder grants in the document filesystem: doc/<id>/<name>/... is a tree
 * the host serves by node and name (ENTRY_* requests, docs/protocol.md).
 * Each kernel request becomes one host request, answered asynchronously
 * from the loop. Folders are NODE_FDIR nodes, one per host node (the root
 * is node 1, the document's d->file); files are NODE_FFILE nodes, one per
 * name, whose content is a file document the host opens at the first open
 * (ENTRY_OPEN) and closes after the last close: reads and writes then go
 * through the same machinery as granted files (fs_doc.c), with the same
 * staged, atomic writes.
 *
 * Every folder node the guest holds costs the host a handle: beyond
 * FS_FOLDERS_KEEP, the least recently used folders that nothing uses are
 * given back (ENTRY_FORGET), and so are half of them when the host answers
 * LIMIT, all of them when it answers TOO_BIG to a folder renamed shallower
 * (it checks every node held as deep). A folder whose host node is unknown
 * (given back, or from before a reconnect) is looked up again by its parent
 * and name before a request names it, so the kernel never sees the
 * difference. */
#include "fs_folder_int.h"
#include "fs_int.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define UNKNOWN_INO 0xffffffffu /* readdir of a name the kernel has not looked up */

/* The entry of name in folder dir, or NULL. */
struct node *folder_child(struct doc *d, const struct node *dir, const char *name)
{
	for (struct node *n = d->entries; n; n = n->enext)
		if (n->parent == dir && n->name && !strcmp(n->name, name))
			return n;
	return NULL;
}

static struct node *by_hnode(struct doc *d, uint64_t hnode)
{
	for (struct node *n = d->entries; n; n = n->enext)
		if (n->kind == NODE_FDIR && n->hnode == hnode)
			return n;
	return NULL;
}

/* The name no longer leads to n (removed, renamed over, or another kind). */
void folder_detach(struct node *n)
{
	if (!n)
		return;
	n->parent = NULL;
	free(n->name);
	n->name = NULL;
}

int folder_set_name(struct node *n, struct node *dir, const char *name)
{
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	free(n->name);
	n->name = copy;
	n->parent = dir;
	return 0;
}

static void take_attrs(struct node *n, const struct proto_entry *e)
{
	n->mode = e->mode;
	n->mtime_sec = e->mtime_sec;
	n->mtime_nsec = e->mtime_nsec;
	if (n->kind == NODE_FFILE && !n->sub)
		n->size = e->size;
}

static void send_forget(struct fs *fs, struct doc *d, uint64_t hnode, uint64_t count)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_ENTRY_FORGET;
	m.u.entry_node = (struct proto_entry_node){d->id, hnode, count};
	if (host_request(fs->p, &m, HOST_DOC_TIMEOUT_MS, NULL, NULL, 0, NULL) < 0)
		log_warn("fs: cannot give folder node %llu of %s back", (unsigned long long)hnode,
			 d->dirname);
}

/* The node an entry of the host's answer means under dir as name: the one
 * the guest has, or a new one. A folder comes with one host reference.
 * Returns NULL (ENOMEM) when no node can be made. */
struct node *folder_entry_node(struct fs *fs, struct doc *d, struct node *dir, const char *name,
			       const struct proto_entry *e)
{
	struct node *n = folder_child(d, dir, name);
	if (e->kind == PROTO_ENTRY_DIR) {
		struct node *same = by_hnode(d, e->node);
		if (!same && n && n->kind == NODE_FDIR && n->hnode == 0)
			same = n; /* known before a reconnect: the host gave it a new node */
		if (same) {
			if (same != n) {
				folder_detach(n);
				if (folder_set_name(same, dir, name) < 0)
					folder_detach(same);
			}
			same->hnode = e->node;
			same->hrefs++;
			take_attrs(same, e);
			return same;
		}
	} else if (n && n->kind == NODE_FFILE) {
		take_attrs(n, e);
		return n;
	}
	folder_detach(n);
	n = fs_node_new(fs, e->kind == PROTO_ENTRY_DIR ? NODE_FDIR : NODE_FFILE, d);
	if (!n || folder_set_name(n, dir, name) < 0) {
		if (n)
			fs_node_release(fs, n); /* no name, no reference: freed */
		if (e->kind == PROTO_ENTRY_DIR)
			send_forget(fs, d, e->node, 1);
		return NULL;
	}
	n->enext = d->entries;
	d->entries = n;
	if (e->kind == PROTO_ENTRY_DIR) {
		n->hnode = e->node;
		n->hrefs = 1;
	}
	take_attrs(n, e);
	return n;
}

/* The folder's document of a live folder entry, or NULL (with the reply). */
struct doc *folder_live(fuse_req_t req, struct node *n, int err)
{
	if (!n || !n->doc || n->doc->revoked || !n->doc->folder) {
		fuse_reply_err(req, err);
		return NULL;
	}
	return n->doc;
}

struct op *folder_new_op(fuse_req_t req, struct fs *fs, enum op_kind kind, struct doc *d,
			 struct node *n, const char *name)
{
	struct op *op = fs_op_new(kind, req, d, n);
	if (op && name && !(op->name = strdup(name))) {
		fs_op_finish(fs, op, ENOMEM);
		return NULL;
	}
	if (!op)
		fuse_reply_err(req, ENOMEM);
	return op;
}

/* Folder nodes this side holds host references on. */
static unsigned held_folders(struct fs *fs)
{
	unsigned n = 0;
	for (struct doc *d = fs->docs; d; d = d->next)
		for (struct node *e = d->entries; d->folder && e; e = e->enext)
			n += e->kind == NODE_FDIR && e->hnode > PROTO_ROOT_NODE && e->hrefs > 0;
	return n;
}

/* Gives back the host references of the least recently used folders that
 * no request, listing or open file uses, until at most keep are held.
 * Returns how many were given back. */
static unsigned give_back_idle(struct fs *fs, unsigned keep)
{
	unsigned held = held_folders(fs), freed = 0;
	while (held > keep) {
		struct node *lru = NULL;
		for (struct doc *d = fs->docs; d; d = d->next)
			for (struct node *e = d->entries; d->folder && e; e = e->enext)
				if (e->kind == NODE_FDIR && e->hnode > PROTO_ROOT_NODE &&
				    e->hrefs > 0 && e->opens == 0 && e->busy == 0 &&
				    (!lru || e->used < lru->used))
					lru = e;
		if (!lru)
			break;
		send_forget(fs, lru->doc, lru->hnode, lru->hrefs);
		lru->hnode = 0;
		lru->hrefs = 0;
		held--;
		freed++;
	}
	return freed;
}

void fs_folder_lookup(fuse_req_t req, struct fs *fs, struct node *dir, const char *name)
{
	struct doc *d = folder_live(req, dir, ENOENT);
	struct op *op = d ? folder_new_op(req, fs, OP_LOOKUP, d, dir, name) : NULL;
	if (op)
		fs_op_start(fs, op);
}

/* Host answers: an errno for the kernel. LIMIT means too many files open
 * at once on the host (or, for mkdir, too deep or a full disk). */
int folder_answer_errno(struct fs *fs, struct op *op, int err, const struct proto_msg *m)
{
	op->inflight--;
	if (err == 0 && m->type == PROTO_ERROR && m->u.error.code == PROTO_ERR_LIMIT)
		return op->kind == OP_MKDIR ? ENOSPC : ENFILE;
	return fs_op_errno(fs, op->doc, err, m);
}

/* Gives back the idle folders past keep and sends the request again, once.
 * Returns true when it was sent again. */
static bool retry_with_fewer(struct fs *fs, struct op *op, unsigned keep)
{
	if (op->retried || give_back_idle(fs, keep) == 0)
		return false;
	op->retried = true;
	op->inflight--;
	fs_folder_run(fs, op);
	return true;
}

/* The host ran out of handles: give back half of the idle folders and send
 * the request again, once. Returns true when it was sent again. */
bool folder_retry_after_limit(struct fs *fs, struct op *op, int err, const struct proto_msg *m)
{
	if (err || m->type != PROTO_ERROR || m->u.error.code != PROTO_ERR_LIMIT)
		return false;
	return retry_with_fewer(fs, op, held_folders(fs) / 2);
}

/* Levels from the folder's root (the tree this side knows). */
static unsigned tree_depth(const struct node *n)
{
	unsigned k = 0;
	for (; n->parent; n = n->parent)
		k++;
	return k;
}

bool folder_retry_after_too_big(struct fs *fs, struct op *op, int err, const struct proto_msg *m)
{
	if (err || m->type != PROTO_ERROR || m->u.error.code != PROTO_ERR_TOO_BIG ||
	    op->kind != OP_RENAME || tree_depth(op->dir2) >= tree_depth(op->node))
		return false;
	return retry_with_fewer(fs, op, 0);
}

static void on_entry(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	struct doc *d = op->doc;
	if (folder_retry_after_limit(fs, op, err, m))
		return;
	int e = folder_answer_errno(fs, op, err, m);
	if (!e && d->revoked) {
		/* Revoked meanwhile: what it took goes back with the grant. */
		e = ENOENT;
	} else if (!e && op->kind == OP_GETATTR) {
		struct node *n = op->node;
		if (m->u.entry.kind != (n->kind == NODE_FDIR ? PROTO_ENTRY_DIR : PROTO_ENTRY_FILE))
			e = ESTALE; /* the name means something else now */
		else
			take_attrs(n, &m->u.entry);
		if (n->kind == NODE_FFILE && m->u.entry.kind == PROTO_ENTRY_DIR)
			send_forget(fs, d, m->u.entry.node, 1);
	} else if (!e) {
		/* The entry's node, held by the op (as dir2) until the reply. */
		struct node *n = folder_entry_node(fs, d, op->node, op->name, &m->u.entry);
		if (n) {
			n->busy++;
			op->dir2 = n;
			n->used = ++fs->clock;
			give_back_idle(fs, FS_FOLDERS_KEEP);
		} else {
			e = ENOMEM;
		}
	}
	fs_op_finish(fs, op, e);
}

/* The folder looked up again (resolve): the request goes on. */
static void on_resolved(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	struct node *n = op->resolving;
	op->resolving = NULL;
	n->busy--;
	if (folder_retry_after_limit(fs, op, err, m)) {
		fs_node_release(fs, n);
		return;
	}
	int e = folder_answer_errno(fs, op, err, m);
	if (!e && op->doc->revoked)
		e = ENOENT;
	if (!e && n->parent && n->name) {
		char name[PROTO_ENTRY_MAX + 1];
		snprintf(name, sizeof(name), "%s", n->name); /* folder_entry_node may rename n */
		if (!folder_entry_node(fs, op->doc, n->parent, name, &m->u.entry))
			e = ENOMEM;
	}
	if (!e && m->u.entry.kind == PROTO_ENTRY_DIR)
		give_back_idle(fs, FS_FOLDERS_KEEP);
	fs_node_release(fs, n);
	if (e)
		fs_op_finish(fs, op, e == ENOENT ? ESTALE : e);
	else
		fs_folder_run(fs, op); /* n has its host node now, or was detached */
}

/* Looks up again the outermost folder of dir's ancestry whose host node is
 * unknown. Returns false when there is nothing to look up (a folder that
 * is gone: the op fails with ESTALE). */
static bool resolve(struct fs *fs, struct op *op, struct node *dir)
{
	struct node *n = dir;
	while (n->parent && n->parent->hnode == 0)
		n = n->parent;
	if (!n->parent || !n->name || n->parent->kind != NODE_FDIR)
		return false;
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_ENTRY_LOOKUP;
	m.u.entry_name =
	    (struct proto_entry_name){op->doc->id, n->parent->hnode, proto_str_from(n->name), 0};
	/* Not sent: it waits for a slot (and runs again) or has ended. */
	if (fs_op_send(fs, op, &m, on_resolved)) {
		n->busy++;
		op->resolving = n;
	}
	return true;
}

static void on_readdir(struct portal *p, struct hreq *h, int err, const struct proto_msg *m);

void fs_folder_run(struct fs *fs, struct op *op)
{
	struct proto_msg m;
	struct doc *d = op->doc;
	struct node *n = op->node;
	struct node *dir = n->kind == NODE_FFILE ? n->parent : n;
	hreq_done_fn done = on_entry;
	memset(&m, 0, sizeof(m));
	if (!dir) {
		fs_op_finish(fs, op, ENOENT);
		return;
	}
	struct node *unknown = dir->hnode == 0				       ? dir
			       : op->kind == OP_RENAME && op->dir2->hnode == 0 ? op->dir2
									       : NULL;
	if (unknown) {
		if (!resolve(fs, op, unknown))
			fs_op_finish(fs, op, ESTALE);
		return;
	}
	dir->used = ++fs->clock;
	m.u.entry_name =
	    (struct proto_entry_name){d->id, dir->hnode, proto_str_from(op->name), op->flags};
	switch (op->kind) {
	case OP_LOOKUP:
		m.type = PROTO_ENTRY_LOOKUP;
		break;
	case OP_GETATTR:
		if (n->kind == NODE_FDIR) {
			m.type = PROTO_ENTRY_STAT;
			m.u.entry_node = (struct proto_entry_node){d->id, n->hnode, 0};
		} else {
			m.type = PROTO_ENTRY_LOOKUP;
			m.u.entry_name.name = proto_str_from(n->name);
		}
		break;
	case OP_MKDIR:
		m.type = PROTO_ENTRY_MKDIR;
		break;
	case OP_FOPEN:
		m.type = PROTO_ENTRY_OPEN;
		if (n->kind == NODE_FFILE)
			m.u.entry_name.name = proto_str_from(n->name);
		done = folder_on_opened;
		break;
	case OP_UNLINK:
		m.type = PROTO_ENTRY_UNLINK;
		done = folder_on_done;
		break;
	case OP_RENAME:
		m.type = PROTO_ENTRY_RENAME;
		m.u.rename = (struct proto_entry_rename){d->id,
							 dir->hnode,
							 proto_str_from(op->name),
							 op->dir2->hnode,
							 proto_str_from(op->name2),
							 op->flags};
		done = folder_on_done;
		break;
	case OP_READDIR:
		m.type = PROTO_ENTRY_READDIR;
		/* A kernel buffer holds about one name per 32 bytes or more. */
		m.u.readdir = (struct proto_entry_readdir){
		    d->id, dir->hnode, op->off,
		    (uint16_t)(op->len / 32 < PROTO_MAX_ENTRIES ? op->len / 32 + 1
								: PROTO_MAX_ENTRIES)};
		done = on_readdir;
		break;
	default:
		fs_op_finish(fs, op, EIO);
		return;
	}
	fs_op_send(fs, op, &m, done);
}

void fs_folder_getattr(fuse_req_t req, struct fs *fs, struct node *n)
{
	struct doc *d = folder_live(req, n, ENOENT);
	if (!d)
		return;
	if (n->kind == NODE_FFILE && (n->sub || !n->parent)) {
		/* Open (the file document knows) or removed (nothing to ask). */
		struct stat st;
		fs_attr(fs, n, &st);
		fuse_reply_attr(req, &st, FS_TIMEOUT);
		return;
	}
	struct op *op = folder_new_op(req, fs, OP_GETATTR, d, n, NULL);
	if (op)
		fs_op_start(fs, op);
}

static void on_readdir(struct portal *p, struct hreq *h, int err, const struct proto_msg *m)
{
	struct fs *fs = p->fs;
	struct op *op = h->ctx;
	int e = folder_answer_errno(fs, op, err, m);
	if (e) {
		fs_op_finish(fs, op, e);
		return;
	}
	size_t used = 0;
	for (unsigned i = 0; i < m->u.entries.n; i++) {
		const struct proto_dirent *de = &m->u.entries.e[i];
		char name[PROTO_ENTRY_MAX + 1];
		struct stat st;
		memcpy(name, de->name.ptr, de->name.len);
		name[de->name.len] = '\0';
		struct node *c = folder_child(op->doc, op->node, name);
		memset(&st, 0, sizeof(st));
		st.st_ino = c ? c->ino : UNKNOWN_INO;
		st.st_mode = de->kind == PROTO_ENTRY_DIR ? S_IFDIR : S_IFREG;
		size_t need = fuse_add_direntry(op->req, NULL, 0, name, NULL, 0);
		if (used + need > op->len)
			break;
		fuse_add_direntry(op->req, (char *)op->buf + used, op->len - used, name, &st,
				  (off_t)de->cookie);
		used += need;
	}
	op->sent = used;
	fs_op_finish(fs, op, 0);
}

void fs_folder_readdir(fuse_req_t req, struct fs *fs, struct node *dir, size_t size, off_t off)
{
	struct doc *d = folder_live(req, dir, ENOENT);
	struct op *op = d ? folder_new_op(req, fs, OP_READDIR, d, dir, NULL) : NULL;
	if (!op)
		return;
	op->buf = malloc(size ? size : 1);
	if (!op->buf) {
		fs_op_finish(fs, op, ENOMEM);
		return;
	}
	op->len = size;
	op->off = (uint64_t)off;
	fs_op_start(fs, op);
}

void fs_folder_node_gone(struct fs *fs, struct node *n)
{
	struct doc *d = n->doc;
	struct node **pp = &d->entries;
	while (*pp && *pp != n)
		pp = &(*pp)->enext;
	if (*pp)
		*pp = n->enext;
	if (n->kind == NODE_FDIR && n->hrefs && n->hnode > PROTO_ROOT_NODE && !d->revoked)
		send_forget(fs, d, n->hnode, n->hrefs);
	if (n->sub) {
		n->opens = 0;
		fs_folder_file_idle(fs, n);
	}
}

void fs_folder_revoke(struct fs *fs, struct doc *d)
{
	for (struct doc *s = fs->docs, *next; s; s = next) {
		next = s->next;
		if (s->folder_of == d)
			fs_doc_revoke(fs, s);
	}
}

void fs_folder_connected(struct fs *fs, struct doc *d)
{
	(void)fs;
	for (struct node *n = d->entries; n; n = n->enext) {
		n->hnode = 0;
		n->hrefs = 0;
	}
}
