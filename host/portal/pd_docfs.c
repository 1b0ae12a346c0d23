#include "pd_docfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ROOT_ID FUSE_ROOT_ID

void pd_docfs_init(struct pd_docfs *fs, const struct pd_grants *grants,
		   const struct pd_docfs_ops *ops, void *ctx)
{
	memset(fs, 0, sizeof(*fs));
	fs->grants = grants;
	fs->ops = ops;
	fs->ctx = ctx;
	for (uint32_t i = 0; i < PD_DOCFS_SLOTS; i++)
		fs->perm[i] = i;
	fs->max_fnodes = PD_DOCFS_MAX_FNODES;
	for (unsigned i = 0; i < PD_DOCFS_MAX_HANDLES; i++)
		fs->h[i].fd = -1;
}

bool pd_docfs_shown(const struct pd_grant *g)
{
	return g && g->parent == 0 && !g->folder == !(g->perms & PROTO_DOC_FOLDER) &&
	       (g->perms & (PROTO_PERM_READ | PROTO_PERM_WRITE)) == PROTO_PERM_READ;
}

static bool is_file(enum pd_docfs_kind k)
{
	return k == PD_DOCFS_FILE || k == PD_DOCFS_FFILE;
}

/* The grant a node or handle names, if it is still shown: where it was
 * last seen (*hint) first, then down the table, then up. A grant only
 * moves towards the front (grants are added at the end, and one taken
 * moves those after it down), so one still there is found as many places
 * before as grants older than it went since: a request does not search
 * the table, nor a sweep of the nodes (drop_gone) for each node. */
static const struct pd_grant *grant_of(struct pd_docfs *fs, uint64_t id, unsigned *hint)
{
	const struct pd_grants *t = fs->grants;
	unsigned top = *hint < t->n ? *hint + 1 : t->n;
	for (unsigned k = 0; k < t->n; k++) {
		/* top - 1 down to 0, then top up to n - 1 */
		unsigned i = k < top ? top - 1 - k : k;
		fs->stats.grant_steps++;
		if (t->v[i]->id == id) {
			*hint = i;
			return pd_docfs_shown(t->v[i]) ? t->v[i] : NULL;
		}
	}
	return NULL;
}

static bool node_gone(struct pd_docfs *fs, unsigned i)
{
	return !grant_of(fs, fs->nodes[i].grant, &fs->nodes[i].ghint);
}

static uint32_t node_hash(const struct pd_docfs_node *n)
{
	return pd_docfs_index_hash(n->grant, n->kind, n->dev, n->ino);
}

/* The index in nodes[] of the node that is what k is (grant, kind, dev,
 * ino), or -1: the index's entries of its hash, not every node; *probes
 * counts them. */
static int find_in(const struct pd_docfs *fs, const struct pd_docfs_node *k, uint64_t *probes)
{
	uint32_t h = node_hash(k), cur = 0;
	int64_t s;
	while ((s = pd_docfs_index_next(&fs->index, h, &cur, probes)) >= 0) {
		const struct pd_docfs_node *n = &fs->nodes[fs->slots[s].idx];
		if (n->grant == k->grant && n->kind == k->kind && n->dev == k->dev &&
		    n->ino == k->ino)
			return (int)fs->slots[s].idx;
	}
	return -1;
}

static int node_find(struct pd_docfs *fs, const struct pd_docfs_node *k)
{
	return find_in(fs, k, &fs->stats.examined);
}

/* Frees nodes[i] and its slot: the last node moves into its place. */
static void drop_node(struct pd_docfs *fs, unsigned i)
{
	(void)pd_docfs_index_del(&fs->index, node_hash(&fs->nodes[i]), fs->perm[i]);
	if (fs->nodes[i].fd >= 0) {
		fs->ops->close(fs->ctx, fs->nodes[i].fd);
		fs->n_fnodes--;
	}
	unsigned last = --fs->n_nodes;
	uint32_t slot = fs->perm[i];
	fs->nodes[i] = fs->nodes[last];
	fs->perm[i] = fs->perm[last];
	fs->perm[last] = slot;
	fs->slots[fs->perm[i]].idx = i;
}

/* Adds n (its id set here) in a free slot of the next generation; the
 * caller checked the caps, which keep a slot free. */
static uint64_t add_node(struct pd_docfs *fs, struct pd_docfs_node n)
{
	unsigned i = fs->n_nodes++;
	uint32_t slot = fs->perm[i];
	struct pd_docfs_slot *s = &fs->slots[slot];
	s->idx = i;
	n.nodeid = ROOT_ID + 1 + slot + (uint64_t)s->gen * PD_DOCFS_SLOTS;
	/* The next node in this slot gets another id (until 2^32 have used it). */
	s->gen++;
	fs->nodes[i] = n;
	pd_docfs_index_add(&fs->index, node_hash(&n), slot);
	return n.nodeid;
}

/* The index in nodes[] of the node nodeid, or -1: its slot, if in use by
 * that generation. */
static int node_index(struct pd_docfs *fs, uint64_t nodeid)
{
	if (nodeid <= ROOT_ID)
		return -1;
	uint64_t slot = (nodeid - ROOT_ID - 1) % PD_DOCFS_SLOTS;
	const struct pd_docfs_slot *s = &fs->slots[slot];
	fs->stats.examined++;
	if (s->idx >= fs->n_nodes || fs->perm[s->idx] != slot || fs->nodes[s->idx].nodeid != nodeid)
		return -1;
	return (int)s->idx;
}

static void close_handle(struct pd_docfs *fs, struct pd_docfs_handle *h)
{
	if (h->fd >= 0)
		fs->ops->close(fs->ctx, h->fd);
	h->fd = -1;
}

void pd_docfs_revoke(struct pd_docfs *fs, uint64_t grant)
{
	for (unsigned i = 0; i < PD_DOCFS_MAX_HANDLES; i++)
		if (fs->h[i].used && fs->h[i].grant == grant)
			close_handle(fs, &fs->h[i]);
	/* Going down, so a node moved into place i was looked at already. */
	for (unsigned i = fs->n_nodes; i-- > 0;)
		if (fs->nodes[i].grant == grant)
			drop_node(fs, i);
}

bool pd_docfs_consistent(const struct pd_docfs *fs)
{
	if (fs->n_nodes > PD_DOCFS_SLOTS || fs->n_fnodes > fs->n_nodes ||
	    fs->n_fnodes > fs->max_fnodes || fs->n_nodes - fs->n_fnodes > PD_DOCFS_MAX_NODES ||
	    fs->index.n != fs->n_nodes)
		return false;
	for (unsigned i = 0; i < fs->n_nodes; i++) {
		const struct pd_docfs_node *n = &fs->nodes[i];
		uint32_t slot = fs->perm[i];
		uint64_t probes = 0;
		if (fs->slots[slot].idx != i || (n->nodeid - ROOT_ID - 1) % PD_DOCFS_SLOTS != slot)
			return false;
		/* Found, and the only node that is what it is (none before it). */
		if (find_in(fs, n, &probes) != (int)i)
			return false;
	}
	return true;
}

void pd_docfs_reset(struct pd_docfs *fs)
{
	for (unsigned i = 0; i < PD_DOCFS_MAX_HANDLES; i++) {
		close_handle(fs, &fs->h[i]);
		fs->h[i].used = false;
		fs->h[i].gen = 0;
	}
	/* Node ids and handles start over: the kernel's session is new. */
	while (fs->n_nodes > 0)
		drop_node(fs, fs->n_nodes - 1);
	for (uint32_t i = 0; i < PD_DOCFS_SLOTS; i++) {
		fs->perm[i] = i;
		fs->slots[i].gen = 0;
	}
	fs->inited = false;
}

/* Looks a node up by nodeid: the root, or one the kernel was given. A node
 * whose grant is gone is dropped on the way. */
static int node_get(struct pd_docfs *fs, uint64_t nodeid, struct pd_docfs_node *ret,
		    const struct pd_grant **ret_g)
{
	*ret_g = NULL;
	if (nodeid == ROOT_ID) {
		*ret = (struct pd_docfs_node){.nodeid = ROOT_ID, .kind = PD_DOCFS_ROOT};
		return 0;
	}
	int i = node_index(fs, nodeid);
	if (i < 0)
		return -ENOENT;
	*ret_g = grant_of(fs, fs->nodes[i].grant, &fs->nodes[i].ghint);
	if (!*ret_g) {
		drop_node(fs, (unsigned)i);
		return -ENOENT;
	}
	*ret = fs->nodes[i];
	return 0;
}

/* At a cap: drops the nodes of grants gone from the table without the
 * device being told (pd_docfs_revoke), at most once per grant taken from
 * the table, so a guest held at the cap does not make every LOOKUP go
 * through the nodes. */
static void drop_gone(struct pd_docfs *fs)
{
	if (fs->swept == fs->grants->taken)
		return;
	fs->swept = fs->grants->taken;
	fs->stats.examined += fs->n_nodes;
	for (unsigned i = fs->n_nodes; i-- > 0;)
		if (node_gone(fs, i))
			drop_node(fs, i);
}

/* The node for (grant, kind), made on the first lookup (its grant seen
 * at ghint in the grant table); one more lookup counted. */
static int node_ref(struct pd_docfs *fs, uint64_t grant, unsigned ghint, enum pd_docfs_kind kind,
		    uint64_t *ret)
{
	struct pd_docfs_node k = {
	    .grant = grant, .ghint = ghint, .kind = kind, .nlookup = 1, .fd = -1};
	int i = node_find(fs, &k);
	if (i >= 0) {
		fs->nodes[i].nlookup++;
		*ret = fs->nodes[i].nodeid;
		return 0;
	}
	/* Only nodes of grants gone since can be in the way. */
	if (fs->n_nodes - fs->n_fnodes == PD_DOCFS_MAX_NODES)
		drop_gone(fs);
	if (fs->n_nodes - fs->n_fnodes == PD_DOCFS_MAX_NODES)
		return -ENFILE;
	*ret = add_node(fs, k);
	return 0;
}

/* The node for the file or folder fd (looked up in folder grant `grant`,
 * seen at ghint in the grant table, st what it is), taking fd: the node already held for that file,
 * or a new one within the cap. fd is closed on failure and when not needed. */
static int node_ref_entry(struct pd_docfs *fs, uint64_t grant, unsigned ghint, int fd,
			  const struct pd_docfs_stat *st, uint64_t *ret)
{
	struct pd_docfs_node k = {.grant = grant,
				  .ghint = ghint,
				  .kind = st->dir ? PD_DOCFS_FDIR : PD_DOCFS_FFILE,
				  .nlookup = 1,
				  .fd = fd,
				  .dev = st->dev,
				  .ino = st->ino};
	int i = node_find(fs, &k);
	if (i >= 0) {
		fs->ops->close(fs->ctx, fd);
		fs->nodes[i].nlookup++;
		*ret = fs->nodes[i].nodeid;
		return 0;
	}
	if (fs->n_fnodes >= fs->max_fnodes) /* nodes of folders gone since first */
		drop_gone(fs);
	if (fs->n_fnodes >= fs->max_fnodes || fs->n_fnodes >= PD_DOCFS_MAX_FNODES) {
		fs->ops->close(fs->ctx, fd);
		return -ENFILE;
	}
	fs->n_fnodes++;
	*ret = add_node(fs, k);
	return 0;
}

static void forget(struct pd_docfs *fs, uint64_t nodeid, uint64_t n)
{
	int i = node_index(fs, nodeid);
	if (i < 0)
		return;
	if (n >= fs->nodes[i].nlookup)
		drop_node(fs, (unsigned)i);
	else
		fs->nodes[i].nlookup -= n;
}

static void attr_from(struct fuse_attr *a, const struct pd_docfs_stat *st)
{
	a->mode = st->dir ? S_IFDIR | 0555 : S_IFREG | 0444;
	a->nlink = st->dir ? 2 : 1;
	a->size = st->size;
	a->blocks = (st->size + 511) / 512;
	a->mtime = a->ctime = a->atime = (uint64_t)st->mtime_sec;
	a->mtimensec = a->ctimensec = a->atimensec = st->mtime_nsec;
}

/* A node inside a folder grant: what its descriptor (or the open file's,
 * fd) is now. It is held open, so it can only fail on a host I/O error. */
static int fill_entry_attr(struct pd_docfs *fs, const struct pd_docfs_node *n,
			   const struct pd_grant *g, int fd, struct fuse_attr *a)
{
	struct pd_docfs_stat st;
	if (fd < 0)
		fd = n->kind == PD_DOCFS_FOLDER ? g->dirfd : n->fd;
	if (fs->ops->fstat(fs->ctx, fd, &st) < 0)
		return -EIO;
	attr_from(a, &st);
	return 0;
}

static int fill_attr(struct pd_docfs *fs, const struct pd_docfs_node *n, const struct pd_grant *g,
		     int fd, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = n->nodeid;
	a->blksize = PD_DOCFS_BLKSIZE;
	if (n->kind >= PD_DOCFS_FOLDER)
		return fill_entry_attr(fs, n, g, fd, a);
	if (n->kind != PD_DOCFS_FILE) {
		a->mode = S_IFDIR | 0555;
		a->nlink = 2;
		if (g) {
			a->mtime = a->ctime = a->atime = g->created_ms / 1000;
			a->mtimensec = a->ctimensec = a->atimensec =
			    (uint32_t)(g->created_ms % 1000) * 1000000u;
		}
		return 0;
	}
	struct pd_docfs_stat st;
	int r = fs->ops->stat(fs->ctx, g, fd, &st);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : -EIO;
	st.dir = false;
	attr_from(a, &st);
	return 0;
}

/* Writes the reply header and body into the chain's writable part. The
 * chain was checked to hold at least a header; a body that does not fit
 * becomes an EINVAL reply. */
static uint32_t reply(struct pd_docfs *fs, const struct vhost_chain *c, uint64_t unique, int err,
		      const void *body, uint32_t len)
{
	if (err == 0 && PD_FUSE_OUT_HDR + (uint64_t)len > c->in_len)
		err = -EINVAL;
	if (err != 0)
		len = 0;
	struct fuse_out_header h = {
	    .len = (uint32_t)PD_FUSE_OUT_HDR + len, .error = err, .unique = unique};
	vhost_buf_to_iov(c->in, c->n_in, 0, &h, sizeof(h));
	if (len > 0)
		vhost_buf_to_iov(c->in, c->n_in, PD_FUSE_OUT_HDR, body, len);
	fs->stats.requests++;
	fs->stats.errors += err != 0;
	return h.len;
}

/* Answers a LOOKUP that made node e->nodeid or counted one more lookup of
 * it. An answer that does not fit (EINVAL) never tells the guest of the
 * lookup, so it will not forget it: the count is given back (a new node
 * goes, with its descriptor). */
static uint32_t reply_entry(struct pd_docfs *fs, const struct vhost_chain *c, uint64_t unique,
			    const struct fuse_entry_out *e)
{
	uint32_t len = reply(fs, c, unique, 0, e, sizeof(*e));
	if (len == PD_FUSE_OUT_HDR)
		forget(fs, e->nodeid, 1);
	return len;
}

static int parse_id(const char *name, uint64_t *ret)
{
	uint64_t v = 0;
	if (strlen(name) != 16)
		return -ENOENT;
	for (const char *p = name; *p; p++) {
		int d = *p >= '0' && *p <= '9'	 ? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
						 : -1;
		if (d < 0)
			return -ENOENT;
		v = v << 4 | (uint64_t)d;
	}
	*ret = v;
	return 0;
}

/* LOOKUP in a folder of a folder grant: the name resolved on the host
 * beneath that folder (ops->lookup), never through a link. */
static uint32_t lookup_entry(struct pd_docfs *fs, const struct vhost_chain *c,
			     const struct pd_fuse_req *q, const struct pd_docfs_node *parent,
			     const struct pd_grant *g)
{
	struct pd_docfs_stat st;
	struct fuse_entry_out e = {0};
	int dirfd = parent->kind == PD_DOCFS_FOLDER ? g->dirfd : parent->fd;
	int fd = fs->ops->lookup(fs->ctx, dirfd, q->u.name, &st);
	int r = fd;
	if (r >= 0)
		r = node_ref_entry(fs, parent->grant, parent->ghint, fd, &st, &e.nodeid);
	else if (r != -ENOENT && r != -EACCES && r != -ENOTDIR && r != -ENAMETOOLONG)
		r = r == -ELOOP ? -EACCES : -EIO;
	if (r < 0)
		return reply(fs, c, q->unique, r, NULL, 0);
	attr_from(&e.attr, &st);
	e.attr.ino = e.nodeid;
	e.attr.blksize = PD_DOCFS_BLKSIZE;
	return reply_entry(fs, c, q->unique, &e);
}

static uint32_t do_lookup(struct pd_docfs *fs, const struct vhost_chain *c,
			  const struct pd_fuse_req *q)
{
	struct pd_docfs_node parent, child;
	const struct pd_grant *g;
	struct fuse_entry_out e = {0};
	uint64_t id = 0;
	int r = node_get(fs, q->nodeid, &parent, &g);
	if (r == 0 && is_file(parent.kind))
		r = -ENOTDIR;
	if (r == 0 && parent.kind >= PD_DOCFS_FOLDER)
		return lookup_entry(fs, c, q, &parent, g);
	if (r == 0 && parent.kind == PD_DOCFS_ROOT) {
		r = parse_id(q->u.name, &id);
		child = (struct pd_docfs_node){.grant = id, .kind = PD_DOCFS_DIR};
		/* Where its node saw the grant, if the guest holds one. */
		int i = r == 0 ? node_find(fs, &child) : -1;
		unsigned hint = i >= 0 ? fs->nodes[i].ghint : 0;
		g = r == 0 ? grant_of(fs, id, &hint) : NULL;
		child.ghint = hint;
	} else if (r == 0) {
		g = strcmp(q->u.name, g->display) == 0 ? g : NULL;
		child = (struct pd_docfs_node){.grant = parent.grant,
					       .ghint = parent.ghint,
					       .kind = g && g->folder ? PD_DOCFS_FOLDER
								      : PD_DOCFS_FILE};
	}
	if (r == 0 && !g)
		r = -ENOENT;
	if (r == 0)
		r = fill_attr(fs, &child, g, -1, &e.attr);
	if (r == 0)
		r = node_ref(fs, child.grant, child.ghint, child.kind, &child.nodeid);
	if (r < 0)
		return reply(fs, c, q->unique, r, NULL, 0);
	e.nodeid = e.attr.ino = child.nodeid;
	return reply_entry(fs, c, q->unique, &e);
}

static struct pd_docfs_handle *handle_get(struct pd_docfs *fs, uint64_t fh)
{
	uint64_t slot = fh & 0xffffffffu;
	if (slot >= PD_DOCFS_MAX_HANDLES || !fs->h[slot].used || fs->h[slot].gen != fh >> 32)
		return NULL;
	return &fs->h[slot];
}

static uint32_t do_getattr(struct pd_docfs *fs, const struct vhost_chain *c,
			   const struct pd_fuse_req *q)
{
	struct pd_docfs_node n;
	const struct pd_grant *g;
	struct fuse_attr_out a = {0};
	int fd = -1;
	int r = node_get(fs, q->nodeid, &n, &g);
	if (r == 0 && (q->u.getattr.flags & FUSE_GETATTR_FH)) {
		const struct pd_docfs_handle *h = handle_get(fs, q->u.getattr.fh);
		/* Only the node's own open file: a handle of another node of
		 * the grant (a file inside a folder) is not this node. */
		fd = h && h->grant == n.grant && h->node == n.nodeid ? h->fd : -1;
	}
	if (r == 0)
		r = fill_attr(fs, &n, g, fd, &a.attr);
	if (r < 0)
		return reply(fs, c, q->unique, r, NULL, 0);
	return reply(fs, c, q->unique, 0, &a, sizeof(a));
}

static uint32_t do_open(struct pd_docfs *fs, const struct vhost_chain *c,
			const struct pd_fuse_req *q)
{
	struct pd_docfs_node n;
	const struct pd_grant *g;
	int r = node_get(fs, q->nodeid, &n, &g);
	if (r == 0 && !is_file(n.kind))
		r = -EISDIR;
	if (r == 0 && ((q->u.open_flags & O_ACCMODE) != O_RDONLY || (q->u.open_flags & O_TRUNC)))
		r = -EROFS;
	unsigned slot = 0;
	while (r == 0 && slot < PD_DOCFS_MAX_HANDLES && fs->h[slot].used)
		slot++;
	if (r == 0 && slot == PD_DOCFS_MAX_HANDLES)
		r = -ENFILE;
	int fd = r < 0			    ? r
		 : n.kind == PD_DOCFS_FFILE ? fs->ops->reopen(fs->ctx, n.fd)
					    : fs->ops->open(fs->ctx, g);
	if (fd < 0)
		return reply(fs, c, q->unique, r < 0 || fd == -ENOENT ? fd : -EIO, NULL, 0);
	struct pd_docfs_handle *h = &fs->h[slot];
	*h = (struct pd_docfs_handle){.grant = n.grant,
				      .ghint = n.ghint,
				      .node = n.nodeid,
				      .fd = fd,
				      .gen = h->gen + 1,
				      .used = true};
	/* Direct I/O: the guest's reads go straight into its callers' pages
	 * and each one reaches the host, so a revocation stops the next one;
	 * no page cache to go stale. */
	struct fuse_open_out o = {.fh = (uint64_t)h->gen << 32 | slot,
				  .open_flags = FOPEN_DIRECT_IO};
	uint32_t len = reply(fs, c, q->unique, 0, &o, sizeof(o));
	if (len == PD_FUSE_OUT_HDR) { /* no room for the answer: the guest never knows the fh */
		close_handle(fs, h);
		h->used = false;
	}
	return len;
}

static uint32_t do_read(struct pd_docfs *fs, const struct vhost_chain *c,
			const struct pd_fuse_req *q)
{
	struct pd_docfs_handle *h = handle_get(fs, q->u.read.fh);
	if (!h)
		return reply(fs, c, q->unique, -EBADF, NULL, 0);
	if (h->fd < 0 || !grant_of(fs, h->grant, &h->ghint)) {
		close_handle(fs, h);
		return reply(fs, c, q->unique, -EIO, NULL, 0);
	}
	/* Into the writable buffers after the header, at most what was asked,
	 * what they hold, and one request's worth. */
	uint64_t want = q->u.read.size;
	if (want > PD_FUSE_MAX_READ)
		want = PD_FUSE_MAX_READ;
	if (want > c->in_len - PD_FUSE_OUT_HDR)
		want = c->in_len - PD_FUSE_OUT_HDR;
	int n = 0;
	size_t skip = PD_FUSE_OUT_HDR;
	for (unsigned i = 0; i < c->n_in && want > 0; i++) {
		if (skip >= c->in[i].len) {
			skip -= c->in[i].len;
			continue;
		}
		size_t l = c->in[i].len - skip;
		if (l > want)
			l = (size_t)want;
		fs->iov[n++] = (struct iovec){c->in[i].base + skip, l};
		want -= l;
		skip = 0;
	}
	ssize_t got = n > 0 ? fs->ops->preadv(fs->ctx, h->fd, fs->iov, n, q->u.read.offset) : 0;
	if (got < 0)
		return reply(fs, c, q->unique, (int)got, NULL, 0);
	fs->stats.bytes_read += (uint64_t)got;
	struct fuse_out_header oh = {
	    .len = (uint32_t)(PD_FUSE_OUT_HDR + (uint64_t)got), .error = 0, .unique = q->unique};
	vhost_buf_to_iov(c->in, c->n_in, 0, &oh, sizeof(oh));
	fs->stats.requests++;
	return oh.len;
}

/* A folder's files and folders from host cookie `offset` into fs->out:
 * each entry carries the cookie after it, so the next READDIR goes on
 * from the first that did not fit. Links and special files are left out. */
static int list_entries(struct pd_docfs *fs, int dirfd, uint64_t offset, size_t size, size_t *pos)
{
	int r = fs->ops->readdir(fs->ctx, dirfd, offset, PROTO_MAX_ENTRIES, &fs->list, fs->names,
				 sizeof(fs->names));
	if (r < 0)
		return -EIO;
	char name[PROTO_ENTRY_MAX + 1];
	for (unsigned i = 0; i < fs->list.n && i < PROTO_MAX_ENTRIES; i++) {
		const struct proto_dirent *e = &fs->list.e[i];
		if (e->name.len == 0 || e->name.len > PROTO_ENTRY_MAX)
			continue;
		memcpy(name, e->name.ptr, e->name.len);
		name[e->name.len] = '\0';
		/* Inode numbers are not the host's: the guest learns a node's
		 * number by looking it up. */
		if (pd_fuse_dirent_add(fs->out, size, pos, (uint64_t)i + 2, e->cookie,
				       e->kind == PROTO_ENTRY_DIR ? DT_DIR : DT_REG, name) < 0)
			break;
	}
	return 0;
}

static uint32_t do_readdir(struct pd_docfs *fs, const struct vhost_chain *c,
			   const struct pd_fuse_req *q)
{
	struct pd_docfs_node n;
	const struct pd_grant *g;
	int r = node_get(fs, q->nodeid, &n, &g);
	if (r == 0 && is_file(n.kind))
		r = -ENOTDIR;
	if (r < 0)
		return reply(fs, c, q->unique, r, NULL, 0);
	size_t size = q->u.read.size < sizeof(fs->out) ? q->u.read.size : sizeof(fs->out);
	size_t pos = 0;
	/* Entry k (from 1) carries offset k: the next READDIR starts after it. */
	if (n.kind >= PD_DOCFS_FOLDER) {
		r = list_entries(fs, n.kind == PD_DOCFS_FOLDER ? g->dirfd : n.fd, q->u.read.offset,
				 size, &pos);
		if (r < 0)
			return reply(fs, c, q->unique, r, NULL, 0);
	} else if (n.kind == PD_DOCFS_DIR) {
		if (q->u.read.offset < 1)
			(void)pd_fuse_dirent_add(fs->out, size, &pos, n.nodeid + 1, 1,
						 g->folder ? DT_DIR : DT_REG, g->display);
	} else {
		uint64_t k = 0;
		for (unsigned i = 0; i < fs->grants->n; i++) {
			const struct pd_grant *d = fs->grants->v[i];
			if (!pd_docfs_shown(d) || ++k <= q->u.read.offset)
				continue;
			char name[17];
			snprintf(name, sizeof(name), "%016" PRIx64, d->id);
			if (pd_fuse_dirent_add(fs->out, size, &pos, k + ROOT_ID, k, DT_DIR, name) <
			    0)
				break;
		}
	}
	return reply(fs, c, q->unique, 0, fs->out, (uint32_t)pos);
}

static uint32_t do_init(struct pd_docfs *fs, const struct vhost_chain *c,
			const struct pd_fuse_req *q)
{
	if (q->u.init.major != FUSE_KERNEL_VERSION || q->u.init.minor < PD_FUSE_MIN_MINOR)
		return reply(fs, c, q->unique, -EPROTO, NULL, 0);
	uint32_t want = FUSE_ASYNC_READ | FUSE_MAX_PAGES | FUSE_PARALLEL_DIROPS;
	struct fuse_init_out o = {
	    .major = FUSE_KERNEL_VERSION,
	    .minor = PD_FUSE_MINOR,
	    .max_readahead = q->u.init.max_readahead < PD_FUSE_MAX_READ ? q->u.init.max_readahead
									: PD_FUSE_MAX_READ,
	    .flags = q->u.init.flags & want,
	    .max_background = 16,
	    .congestion_threshold = 12,
	    .max_write = PD_FUSE_MAX_WRITE,
	    .time_gran = 1,
	    .max_pages = PD_FUSE_MAX_PAGES,
	};
	pd_docfs_reset(fs); /* a new session: nothing of an earlier one holds */
	uint32_t len = reply(fs, c, q->unique, 0, &o, sizeof(o));
	fs->inited = len > PD_FUSE_OUT_HDR;
	return len;
}

static uint32_t dispatch(struct pd_docfs *fs, const struct vhost_chain *c,
			 const struct pd_fuse_req *q)
{
	struct pd_docfs_node n;
	const struct pd_grant *g;
	struct pd_docfs_handle *h;
	switch (q->opcode) {
	case FUSE_INIT:
		return do_init(fs, c, q);
	case FUSE_LOOKUP:
		return do_lookup(fs, c, q);
	case FUSE_GETATTR:
		return do_getattr(fs, c, q);
	case FUSE_OPEN:
		return do_open(fs, c, q);
	case FUSE_READ:
		return do_read(fs, c, q);
	case FUSE_RELEASE:
		h = handle_get(fs, q->u.fh);
		if (!h)
			return reply(fs, c, q->unique, -EBADF, NULL, 0);
		close_handle(fs, h);
		h->used = false;
		return reply(fs, c, q->unique, 0, NULL, 0);
	case FUSE_FLUSH:
		return reply(fs, c, q->unique, handle_get(fs, q->u.fh) ? 0 : -EBADF, NULL, 0);
	case FUSE_OPENDIR: {
		int r = node_get(fs, q->nodeid, &n, &g);
		if (r == 0 && is_file(n.kind))
			r = -ENOTDIR;
		struct fuse_open_out o = {0};
		return reply(fs, c, q->unique, r, &o, sizeof(o));
	}
	case FUSE_READDIR:
		return do_readdir(fs, c, q);
	case FUSE_RELEASEDIR:
		return reply(fs, c, q->unique, 0, NULL, 0);
	case FUSE_STATFS: {
		struct fuse_statfs_out s = {
		    .st = {.bsize = 4096, .frsize = 4096, .namelen = 255, .files = fs->grants->n}};
		return reply(fs, c, q->unique, 0, &s, sizeof(s));
	}
	case FUSE_ACCESS: {
		int r = node_get(fs, q->nodeid, &n, &g);
		if (r == 0 && (q->u.mask & 2 /* W_OK */))
			r = -EROFS;
		return reply(fs, c, q->unique, r, NULL, 0);
	}
	case FUSE_DESTROY:
		pd_docfs_reset(fs);
		return reply(fs, c, q->unique, 0, NULL, 0);
	default:
		return reply(fs, c, q->unique, -ENOSYS, NULL, 0);
	}
}

uint32_t pd_docfs_serve(struct pd_docfs *fs, const struct vhost_chain *c)
{
	size_t want = c->out_len < sizeof(fs->in) ? (size_t)c->out_len : sizeof(fs->in);
	size_t copied = vhost_iov_to_buf(c->out, c->n_out, 0, fs->in, want);
	struct pd_fuse_req req, *q = &req;
	int r = pd_fuse_decode(fs->in, copied, c->out_len, q);
	if (r == -EPROTO) {
		fs->stats.unaddressable++;
		return 0;
	}
	if (pd_fuse_no_reply(q->opcode)) {
		if (r == 0 && fs->inited && q->opcode == FUSE_FORGET)
			forget(fs, q->nodeid, q->u.nlookup);
		for (uint32_t i = 0; r == 0 && fs->inited && q->opcode == FUSE_BATCH_FORGET &&
				     i < q->u.forget.count;
		     i++)
			forget(fs, q->u.forget.one[i].nodeid, q->u.forget.one[i].nlookup);
		return 0;
	}
	if (c->in_len < PD_FUSE_OUT_HDR) {
		fs->stats.unaddressable++;
		return 0;
	}
	if (r < 0)
		return reply(fs, c, q->unique, r, NULL, 0);
	if (!fs->inited && q->opcode != FUSE_INIT)
		return reply(fs, c, q->unique, -EIO, NULL, 0);
	return dispatch(fs, c, q);
}
