#include "pd_folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pd_folder_new(struct pd_grant *g)
{
	g->folder = calloc(1, sizeof(*g->folder));
	if (!g->folder)
		return -ENOMEM;
	g->folder->next_id = PROTO_ROOT_NODE + 1;
	g->perms |= PROTO_DOC_FOLDER;
	return 0;
}

void pd_folder_free(struct pd_folder *f)
{
	if (!f)
		return;
	free(f->v);
	free(f);
}

uint32_t pd_entry_check(const struct pd_grant *g, enum pd_entry_op op, const char **ret_why)
{
	if (!g) {
		*ret_why = "no such document";
		return PROTO_ERR_NOT_FOUND;
	}
	if (!g->folder) {
		*ret_why = "the document is not a folder";
		return PROTO_ERR_STATE;
	}
	switch (op) {
	case PD_E_CREATE:
	case PD_E_MKDIR:
	case PD_E_UNLINK:
	case PD_E_RENAME:
		if (!(g->perms & PROTO_PERM_WRITE)) {
			*ret_why = "the folder is read-only";
			return PROTO_ERR_PERMISSION;
		}
		return 0;
	default:
		return 0;
	}
}

static int index_of(const struct pd_folder *f, uint64_t id, unsigned conn)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->v[i].id == id && f->v[i].conn == conn)
			return (int)i;
	return -1;
}

unsigned pd_folder_path_depth(const char *resolved)
{
	unsigned n = 0;
	for (const char *p = resolved; *p; p++)
		n += *p == '/' && p[1] != '\0';
	return n;
}

int pd_folder_dirfd(const struct pd_grant *g, uint64_t id, unsigned conn, unsigned *ret_depth)
{
	if (!g->folder)
		return -1;
	if (id == PROTO_ROOT_NODE) {
		*ret_depth = g->base;
		return g->dirfd;
	}
	int i = index_of(g->folder, id, conn);
	if (i < 0)
		return -1;
	*ret_depth = g->folder->v[i].depth;
	return g->folder->v[i].fd;
}

struct pd_fnode *pd_folder_find(const struct pd_folder *f, unsigned conn, uint64_t dev,
				uint64_t ino)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->v[i].conn == conn && f->v[i].dev == dev && f->v[i].ino == ino)
			return &f->v[i];
	return NULL;
}

void pd_folder_place(struct pd_grant *g, unsigned base)
{
	g->base = base;
	g->limit = base + PD_MAX_DEPTH;
}

uint32_t pd_folder_room(const struct pd_grants *t, const struct pd_grant *g, unsigned depth,
			const char **ret_why)
{
	if (t->handles >= t->lim.max_handles) {
		*ret_why = "too many files and folders open";
		return PROTO_ERR_LIMIT;
	}
	if (depth > g->limit) {
		*ret_why = "too deep below the granted folder";
		return PROTO_ERR_LIMIT;
	}
	return 0;
}

int pd_folder_add(struct pd_grants *t, struct pd_folder *f, int fd, uint64_t dev, uint64_t ino,
		  unsigned conn, unsigned depth, uint64_t *ret_id)
{
	if (f->n == f->cap) {
		unsigned cap = f->cap ? f->cap * 2 : 16;
		struct pd_fnode *v = realloc(f->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	struct pd_fnode *n = &f->v[f->n++];
	*n = (struct pd_fnode){f->next_id++, fd, dev, ino, conn, 1, depth};
	t->handles++;
	*ret_id = n->id;
	return 0;
}

static int remove_at(struct pd_grants *t, struct pd_folder *f, unsigned i)
{
	int fd = f->v[i].fd;
	f->v[i] = f->v[--f->n];
	t->handles--;
	return fd;
}

int pd_folder_forget(struct pd_grants *t, struct pd_folder *f, uint64_t id, unsigned conn,
		     uint64_t count)
{
	int i = index_of(f, id, conn);
	if (i < 0)
		return -ESTALE;
	if (count < f->v[i].refs) {
		f->v[i].refs -= count;
		return -1;
	}
	return remove_at(t, f, (unsigned)i);
}

int pd_folder_take(struct pd_grants *t, struct pd_folder *f, unsigned conn)
{
	for (unsigned i = 0; i < f->n; i++)
		if (conn == 0 || f->v[i].conn == conn)
			return remove_at(t, f, i);
	return -1;
}

/* Depths count from / for every folder grant alike (docs/portal.md,
 * "Moving folders"): a node's depth is where its folder is, whichever
 * grant it was looked up through, so a move through one grant can give
 * the nodes of every other grant (one nested in it, or around it) their
 * new depth, and a grant's own folder (base) too.
 *
 * The invariant: the limit of a grant (its folder's depth + PD_MAX_DEPTH
 * when it was granted, pd_folder_place) never changes, whatever moves
 * its folder later, and every folder the guest makes or moves deeper
 * through a grant g ends at most g->limit below / (a mkdir at most there;
 * a move deeper into a folder above the limit, with every folder of the
 * walked subtree at most there; a move shallower or at the same depth
 * makes no folder deeper). Depths are exact (every move gives every node
 * in the moved folder, of every grant, and every granted folder in it,
 * its new depth), so by induction over the guest's requests no folder it
 * made or moved deeper is ever deeper than the largest grant-time limit
 * of its writable grants, in whatever order it moves folders through
 * whichever grants. (A limit following base would not hold that: a
 * grant's folder moved deeper through its own grant, by a node held
 * above it, would raise its limit again and again.) Left out: what the
 * host user makes or moves, and a folder shown at two depths by a bind
 * mount (moves never cross a mount). */
uint32_t pd_folder_move_levels(unsigned limit, unsigned from, unsigned to, unsigned *ret_levels,
			       const char **ret_why)
{
	*ret_levels = 0;
	if (to >= limit) {
		*ret_why = "too deep below the granted folder";
		return PROTO_ERR_LIMIT;
	}
	if (to > from) {
		/* Moved deeper, a folder below this would be too deep. A node
		 * moved above the grant's folder (through a grant around it)
		 * has room for more than PD_MAX_DEPTH levels: the walk still
		 * looks at no more (its descriptors are bounded), so a taller
		 * folder is refused there. */
		unsigned room = limit - to - 1;
		*ret_levels = room < PD_MAX_DEPTH ? room : PD_MAX_DEPTH;
	}
	return 0;
}

static int held_add(struct pd_held **v, unsigned *n, unsigned *cap, unsigned *depth, int fd,
		    unsigned at, uint64_t *cost)
{
	if (*depth < at)
		return 0;
	if (*n == *cap) {
		unsigned c = *cap ? *cap * 2 : 16;
		struct pd_held *nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = (struct pd_held){depth, fd};
	*cost += *depth > at ? *depth - at : 1; /* a check costs a system call */
	return 0;
}

int pd_folders_held(struct pd_grants *t, unsigned at, struct pd_held **ret, uint64_t *ret_cost)
{
	unsigned n = 0, cap = 0;
	int r = 0;
	*ret = NULL;
	*ret_cost = 0;
	for (unsigned i = 0; r == 0 && i < t->n; i++) {
		struct pd_grant *g = t->v[i];
		if (!g->folder)
			continue;
		r = held_add(ret, &n, &cap, &g->base, g->dirfd, at, ret_cost);
		for (unsigned k = 0; r == 0 && k < g->folder->n; k++)
			r = held_add(ret, &n, &cap, &g->folder->v[k].depth, g->folder->v[k].fd, at,
				     ret_cost);
	}
	if (r < 0) {
		free(*ret);
		*ret = NULL;
		return r;
	}
	return (int)n;
}

uint32_t pd_folder_walk_code(int r, const char **ret_why)
{
	switch (r) {
	case 0:
		return 0;
	case -ENAMETOOLONG:
		*ret_why = "its folders would be too deep below the granted folder";
		return PROTO_ERR_LIMIT;
	case -E2BIG: /* past the walk's bounds: the guest copies it instead */
		*ret_why = "too many folders to move to another depth";
		return PROTO_ERR_TOO_BIG;
	case -EOVERFLOW:
		*ret_why = "too many names in the folder to move to another depth";
		return PROTO_ERR_TOO_BIG;
	case -EXDEV:
		*ret_why = "a file system is mounted inside the folder";
		return PROTO_ERR_IO;
	default:
		*ret_why = "cannot look through the folder to move";
		return pd_errno_code(r);
	}
}

static int fdir_cmp(const void *a, const void *b)
{
	const struct pd_fdir *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static const struct pd_fdir *walked(const struct pd_fdir *v, unsigned n, uint64_t dev, uint64_t ino)
{
	struct pd_fdir key = {dev, ino, 0};
	return bsearch(&key, v, n, sizeof(*v), fdir_cmp);
}

void pd_folders_moved(struct pd_grants *t, struct pd_fdir *v, unsigned n, unsigned depth)
{
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), fdir_cmp);
	for (unsigned i = 0; i < t->n; i++) {
		struct pd_grant *g = t->v[i];
		if (!g->folder)
			continue;
		const struct pd_fdir *d = walked(v, n, g->dir_dev, g->dir_ino);
		if (d)
			g->base = depth + d->level;
		for (unsigned k = 0; k < g->folder->n; k++) {
			struct pd_fnode *nd = &g->folder->v[k];
			d = walked(v, n, nd->dev, nd->ino);
			if (d)
				nd->depth = depth + d->level;
		}
	}
}

unsigned pd_kind_of(mode_t mode)
{
	if (S_ISREG(mode))
		return PROTO_ENTRY_FILE;
	return S_ISDIR(mode) ? PROTO_ENTRY_DIR : 0;
}

int pd_kind_of_dtype(unsigned char d_type)
{
	switch (d_type) {
	case DT_REG:
		return PROTO_ENTRY_FILE;
	case DT_DIR:
		return PROTO_ENTRY_DIR;
	case DT_UNKNOWN:
		return -1;
	default:
		return 0;
	}
}

uint32_t pd_errno_code(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT:
		return PROTO_ERR_NO_ENTRY;
	case EEXIST:
		return PROTO_ERR_EXISTS;
	case ENOTEMPTY:
		return PROTO_ERR_NOT_EMPTY;
	case ENOTDIR:
		return PROTO_ERR_NOT_DIR;
	case EISDIR:
		return PROTO_ERR_IS_DIR;
	case ELOOP:  /* a symbolic link where a name was resolved */
	case EACCES: /* the host user may not */
	case EPERM:
	case EROFS:
		return PROTO_ERR_PERMISSION;
	case ENOSPC:
	case EDQUOT:
	case EMFILE:
	case ENFILE:
		return PROTO_ERR_LIMIT;
	default:
		return PROTO_ERR_IO;
	}
}

void pd_entry_fill(struct proto_entry *e, const struct stat *st, uint64_t node)
{
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)pd_kind_of(st->st_mode);
	e->mode = (uint16_t)(st->st_mode & PROTO_MODE_MAX);
	e->mtime_sec = st->st_mtim.tv_sec;
	e->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	if (e->kind == PROTO_ENTRY_DIR) {
		e->node = node;
	} else {
		e->size = st->st_size < 0 ? 0 : (uint64_t)st->st_size;
	}
}
