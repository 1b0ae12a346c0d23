/* Requests on folder grants (ENTRY_*): names inside a granted folder, by
 * node and one name, decided by pd_folder.c and carried out by
 * pd_folderio.c. Nodes and file documents belong to the connection that
 * made them and end with it. */
#include "portald.h"

#include "clock.h"

#include "log.h"
#include "pd_docio.h"
#include "pd_folder.h"
#include "pd_folderio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Names from the guest as C strings (the codec checked they are one
 * component without NUL bytes). */
static void cstr(char out[PROTO_ENTRY_MAX + 1], struct proto_str s)
{
	memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
}

static void fail_errno(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m, int err,
		       const char *what)
{
	pd_conn_error(d, c, m->id, pd_errno_code(err), what);
}

static void reply_entry(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
			const struct stat *st, uint64_t node)
{
	struct proto_msg r;
	pd_reply_init(&r, m);
	pd_entry_fill(&r.u.entry, st, node);
	pd_conn_send(d, c, &r);
}

/* Answers with the node of the folder fd (taking it, or closing it when
 * the connection holds that folder already: one more reference). */
static void reply_folder(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m,
			 struct pd_grant *g, int fd, const struct stat *st, unsigned depth)
{
	struct pd_folder *f = g->folder;
	struct pd_fnode *n =
	    pd_folder_find(f, c->fc.serial, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	const char *why = NULL;
	uint64_t id;
	if (n) {
		close(fd);
		n->refs++;
		reply_entry(d, c, m, st, n->id);
		return;
	}
	uint32_t code = pd_folder_room(&d->grants, g, depth, &why);
	if (!code && pd_folder_add(&d->grants, f, fd, (uint64_t)st->st_dev, (uint64_t)st->st_ino,
				   c->fc.serial, depth, &id) < 0) {
		code = PROTO_ERR_INTERNAL;
		why = "out of memory";
	}
	if (code) {
		close(fd);
		pd_conn_error(d, c, m->id, code, why);
		return;
	}
	reply_entry(d, c, m, st, id);
}

/* The folder grant of a request and the descriptor of its node `node`, or
 * NULL with the error sent. */
static struct pd_grant *folder_node(struct pd_daemon *d, struct pd_conn *c,
				    const struct proto_msg *m, uint64_t doc_id, enum pd_entry_op op,
				    uint64_t node, int *ret_fd, unsigned *ret_depth)
{
	struct pd_grant *g = pd_grants_find(&d->grants, doc_id);
	const char *why = NULL;
	uint32_t code = pd_entry_check(g, op, &why);
	if (code) {
		pd_conn_error(d, c, m->id, code, why);
		return NULL;
	}
	*ret_fd = pd_folder_dirfd(g, node, c->fc.serial, ret_depth);
	if (*ret_fd < 0) {
		pd_conn_error(d, c, m->id, PROTO_ERR_STALE, "no such folder node");
		return NULL;
	}
	return g;
}

static void do_lookup(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m, bool make)
{
	const struct proto_entry_name *en = &m->u.entry_name;
	char name[PROTO_ENTRY_MAX + 1];
	int dirfd, fd;
	unsigned depth;
	struct stat st;
	struct pd_grant *g = folder_node(d, c, m, en->doc_id, make ? PD_E_MKDIR : PD_E_LOOKUP,
					 en->dir, &dirfd, &depth);
	if (!g)
		return;
	cstr(name, en->name);
	if (make) {
		const char *why = NULL;
		uint32_t code = pd_folder_room(&d->grants, g, depth + 1, &why);
		int r = code ? 0 : pd_fio_mkdir(dirfd, name, d->umask_bits);
		if (code || r < 0) {
			pd_conn_error(d, c, m->id, code ? code : pd_errno_code(r),
				      code ? why : "cannot make the folder");
			return;
		}
	}
	int r = pd_fio_lookup(dirfd, name, &st, &fd);
	if (r < 0) {
		fail_errno(d, c, m, r,
			   r == -EPERM ? "a symbolic link or special file (not followed)"
				       : "cannot look the name up");
		return;
	}
	if (fd < 0)
		reply_entry(d, c, m, &st, 0);
	else
		reply_folder(d, c, m, g, fd, &st, depth + 1);
}

static void do_stat(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	int fd;
	unsigned depth;
	struct stat st;
	const struct proto_entry_node *n = &m->u.entry_node;
	if (!folder_node(d, c, m, n->doc_id, PD_E_STAT, n->node, &fd, &depth))
		return;
	if (fstat(fd, &st) < 0) {
		fail_errno(d, c, m, errno, "cannot examine the folder");
		return;
	}
	reply_entry(d, c, m, &st, n->node);
}

static void reply_empty(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	struct proto_msg r;
	pd_reply_init(&r, m);
	pd_conn_send(d, c, &r);
}

static void do_forget(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	const struct proto_entry_node *n = &m->u.entry_node;
	struct pd_grant *g = pd_grants_find(&d->grants, n->doc_id);
	const char *why = NULL;
	uint32_t code = pd_entry_check(g, PD_E_FORGET, &why);
	if (code) {
		pd_conn_error(d, c, m->id, code, why);
		return;
	}
	int fd = pd_folder_forget(&d->grants, g->folder, n->node, c->fc.serial, n->count);
	if (fd == -ESTALE) {
		pd_conn_error(d, c, m->id, PROTO_ERR_STALE, "no such folder node");
		return;
	}
	if (fd >= 0)
		close(fd);
	reply_empty(d, c, m);
}

static void do_readdir(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	static char names[PROTO_MAX_ENTRIES * PROTO_ENTRY_MAX];
	const struct proto_entry_readdir *rq = &m->u.readdir;
	int fd;
	unsigned depth;
	if (!folder_node(d, c, m, rq->doc_id, PD_E_READDIR, rq->dir, &fd, &depth))
		return;
	struct proto_msg r;
	pd_reply_init(&r, m);
	int e = pd_fio_readdir(fd, rq->cookie, rq->max, &r.u.entries, names, sizeof(names));
	if (e < 0) {
		fail_errno(d, c, m, e, "cannot list the folder");
		return;
	}
	pd_conn_send(d, c, &r);
}

static void do_open(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	const struct proto_entry_name *en = &m->u.entry_name;
	bool create = en->flags & PROTO_OPEN_CREATE;
	char name[PROTO_ENTRY_MAX + 1];
	int dirfd;
	unsigned depth;
	struct pd_grant *g = folder_node(d, c, m, en->doc_id, create ? PD_E_CREATE : PD_E_OPEN,
					 en->dir, &dirfd, &depth);
	if (!g)
		return;
	const char *why = NULL;
	uint32_t code = pd_folder_room(&d->grants, g, 0, &why);
	if (code) {
		pd_conn_error(d, c, m->id, code, why);
		return;
	}
	cstr(name, en->name);
	struct pd_grant *file = NULL;
	int r = pd_fio_open_file(g, dirfd, name, en->flags, d->umask_bits, c->fc.serial,
				 clock_now_ms(), &file, &why);
	if (r < 0) {
		fail_errno(d, c, m, r, r == -EPERM ? "a symbolic link or special file" : why);
		return;
	}
	pd_grants_add(&d->grants, file); /* room was checked */
	struct proto_msg rep;
	pd_reply_init(&rep, m);
	rep.u.opened.doc_id = file->id;
	if (pd_docio_stat(file, &rep.u.opened.stat, &why) < 0) {
		pd_docio_free(pd_grants_take(&d->grants, file->id));
		pd_conn_error(d, c, m->id, PROTO_ERR_IO, why);
		return;
	}
	if (d->opt.verbose)
		log_info("document %016llx: file document %016llx opened",
			 (unsigned long long)g->id, (unsigned long long)file->id);
	pd_conn_send(d, c, &rep);
}

/* The guest removed `name` of the folder dirfd, or replaced it: file
 * documents open on that name may not commit over what is there now. */
static void orphan_files(struct pd_daemon *d, uint64_t folder, int dirfd, const char *name)
{
	uint64_t dev, ino;
	if (pd_fio_identity(dirfd, &dev, &ino) < 0)
		return;
	for (unsigned i = 0; i < d->grants.n; i++) {
		struct pd_grant *f = d->grants.v[i];
		if (f->parent == folder && f->dir_dev == dev && f->dir_ino == ino &&
		    !strcmp(f->name, name))
			f->orphan = true;
	}
}

static void do_unlink(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	const struct proto_entry_name *en = &m->u.entry_name;
	char name[PROTO_ENTRY_MAX + 1];
	int dirfd;
	unsigned depth;
	struct pd_grant *g = folder_node(d, c, m, en->doc_id, PD_E_UNLINK, en->dir, &dirfd, &depth);
	if (!g)
		return;
	cstr(name, en->name);
	int r = pd_fio_unlink(dirfd, name, en->flags & PROTO_UNLINK_DIR);
	if (r < 0) {
		fail_errno(d, c, m, r,
			   r == -EPERM ? "a symbolic link or special file" : "cannot remove");
		return;
	}
	orphan_files(d, g->id, dirfd, name);
	reply_empty(d, c, m);
}

/* After a rename of old in olddir to new in newdir: file documents open on
 * the old name follow it to its new place, and those open on what the new
 * name held before are orphans. An orphan stays one: its name no longer
 * holds its file, whatever is renamed from there later (a rename onto
 * itself moves and replaces nothing). */
static int follow_rename(struct pd_daemon *d, uint64_t folder, int olddir, const char *old,
			 int newdir, const char *new)
{
	uint64_t odev, oino, ndev, nino;
	if (pd_fio_identity(olddir, &odev, &oino) < 0 || pd_fio_identity(newdir, &ndev, &nino) < 0)
		return -EIO;
	if (odev == ndev && oino == nino && !strcmp(old, new))
		return 0;
	for (unsigned i = 0; i < d->grants.n; i++) {
		struct pd_grant *f = d->grants.v[i];
		if (f->parent != folder)
			continue;
		if (f->dir_dev == ndev && f->dir_ino == nino && !strcmp(f->name, new)) {
			f->orphan = true; /* replaced */
			continue;
		}
		if (f->orphan || f->dir_dev != odev || f->dir_ino != oino || strcmp(f->name, old))
			continue;
		int fd = fcntl(newdir, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			f->orphan = true; /* it cannot find its name again */
			continue;
		}
		close(f->dirfd);
		f->dirfd = fd;
		f->dir_dev = ndev;
		f->dir_ino = nino;
		snprintf(f->name, sizeof(f->name), "%s", new);
	}
	return 0;
}

/* What a folder moved to another depth carries along: the folders a walk
 * of a move deeper found, or the nodes in a folder moved shallower. */
struct move {
	struct pd_fwalk w;
	struct pd_held *held;
	unsigned n_held;
};

/* How many names (or checks) of at most max the daemon's budget (shared by
 * all guest connections) lets a folder move spend now (pd_budget_walk), or
 * 0 with LIMIT and *ret_why set: refused before any system call. */
static uint64_t budget_may(struct pd_daemon *d, uint64_t max, uint32_t *ret_code,
			   const char **ret_why)
{
	uint64_t may = pd_budget_walk(&d->walk, clock_now_ms(), max);
	if (may == 0) {
		*ret_why = "too many folder moves; try again later";
		*ret_code = PROTO_ERR_LIMIT;
	}
	return may;
}

/* Moved shallower, the folder at depth `at` (*st): finds the nodes of every
 * folder grant (their own folders too) in it, which must count from its
 * new place. No walk: each node `depth - at` levels below it, if it is in
 * it at all (every depth is exact), has it that many levels up, one
 * fstatat of "../.." each. Those levels (at least 1 a node) are bounded
 * (PD_MAX_MOVE_ENTRIES together) and charged to the daemon's budget as
 * a walk's names (each costs less), all before the first check: more than
 * the bucket holds is TOO_BIG as past the bound (a walk is cut there too),
 * more than it holds now LIMIT. Returns 0 or the error code with *ret_why
 * set. */
static uint32_t find_held(struct pd_daemon *d, const struct stat *st, unsigned at, struct move *mv,
			  const char **ret_why)
{
	uint64_t cost;
	uint32_t code = 0;
	int n = pd_folders_held(&d->grants, at, &mv->held, &cost);
	if (n < 0) {
		*ret_why = "out of memory";
		return PROTO_ERR_INTERNAL;
	}
	if (cost > PD_MAX_MOVE_ENTRIES || cost > d->walk.burst) { /* copied instead */
		*ret_why = "too many folders held deep down to move a folder shallower";
		return PROTO_ERR_TOO_BIG;
	}
	if (cost > 0 && budget_may(d, cost, &code, ret_why) < cost)
		return code;
	pd_budget_charge(&d->walk, cost);
	for (unsigned i = 0; i < (unsigned)n; i++) {
		const struct pd_held *hd = &mv->held[i];
		int r = pd_fio_above(hd->fd, *hd->depth - at, (uint64_t)st->st_dev,
				     (uint64_t)st->st_ino);
		/* ".." resolves even from a removed folder (to the parent it
		 * had), but not past the root of a bind mount of a subtree
		 * the node's folder has left (ENOENT): then where it is is
		 * unknown, so the move is refused, unless the node is known
		 * removed (in nothing). */
		struct stat hs;
		if (r == 1)
			mv->held[mv->n_held++] = *hd;
		else if (r == -ENOENT && fstat(hd->fd, &hs) == 0 && hs.st_nlink == 0)
			continue;
		else if (r < 0) {
			*ret_why = "cannot look above a folder held open";
			return r == -ENOENT ? PROTO_ERR_IO : pd_errno_code(r);
		}
	}
	return 0;
}

/* Before the folder `old` of olddir (at depth `from` below /; *st: what it
 * is) moves into newdir (at depth `to`) through grant g, once the cheap
 * checks passed: a folder moving deeper, once the budget holds a walk,
 * is refused without a walk when the target is inside it (one fstatat:
 * with exact depths, the folder `to - from - 1` levels above newdir;
 * charged as that many names), else walked (bounded), to
 * refuse a subtree that would end more than PD_MAX_DEPTH below g's folder
 * and to find the folders of it that nodes are held on, and one moving
 * shallower finds the nodes held in it (find_held). Nodes of every folder
 * grant follow, not only g's: one granted folder may hold another. The
 * daemon is single-threaded: no guest request changes the subtree between
 * these and the rename. Returns 0 (mv empty when nothing follows) or the
 * error code with *ret_why set. */
static uint32_t measure_move(struct pd_daemon *d, const struct pd_grant *g, int olddir,
			     const char *old, const struct stat *st, int newdir, unsigned from,
			     unsigned to, struct move *mv, const char **ret_why)
{
	struct pd_walk_limits lim = {0, PD_MAX_MOVE_DIRS, PD_MAX_MOVE_ENTRIES};
	*mv = (struct move){0};
	if (from == to || !S_ISDIR(st->st_mode))
		return 0; /* files move freely */
	uint32_t code = pd_folder_move_levels(g->limit, from, to, &lim.levels, ret_why);
	if (code)
		return code;
	if (to < from)
		return find_held(d, st, from + 1, mv, ret_why);
	/* A walk needs a whole walk's worth of the daemon's budget left
	 * (pd_budget_walk) and is charged what it read, whatever came of it;
	 * the check before it its levels up. */
	uint64_t may = budget_may(d, lim.names, &code, ret_why);
	if (may == 0)
		return code;
	pd_budget_charge(&d->walk, to - from);
	if (pd_fio_above(newdir, to - from - 1, (uint64_t)st->st_dev, (uint64_t)st->st_ino) == 1) {
		*ret_why = "a folder cannot move into itself";
		return pd_errno_code(EINVAL);
	}
	lim.names = (unsigned)may;
	int r = pd_fio_walk(olddir, old, &lim, &mv->w);
	pd_budget_charge(&d->walk, mv->w.names);
	return pd_folder_walk_code(r, ret_why);
}

static void do_rename(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	const struct proto_entry_rename *rn = &m->u.rename;
	char old[PROTO_ENTRY_MAX + 1], new[PROTO_ENTRY_MAX + 1];
	int olddir, newdir;
	unsigned from, to;
	struct pd_grant *g = folder_node(d, c, m, rn->doc_id, PD_E_RENAME, rn->dir, &olddir, &from);
	if (!g)
		return;
	newdir = pd_folder_dirfd(g, rn->new_dir, c->fc.serial, &to);
	if (newdir < 0) {
		pd_conn_error(d, c, m->id, PROTO_ERR_STALE, "no such folder node");
		return;
	}
	cstr(old, rn->name);
	cstr(new, rn->new_name);
	struct move mv = {0};
	struct stat st;
	const char *why = NULL;
	bool noreplace = rn->flags & PROTO_RENAME_NOREPLACE;
	/* What must fail fails before any walk. */
	int r = pd_fio_rename_check(olddir, old, newdir, new, noreplace, &st);
	uint32_t code =
	    r < 0 ? 0 : measure_move(d, g, olddir, old, &st, newdir, from, to, &mv, &why);
	if (r == 0 && !code)
		r = pd_fio_rename(olddir, old, newdir, new, noreplace);
	if (code || r < 0) {
		free(mv.w.v);
		free(mv.held);
		if (code)
			pd_conn_error(d, c, m->id, code, why);
		else
			fail_errno(d, c, m, r,
				   r == -EPERM ? "a symbolic link or special file"
					       : "cannot rename");
		return;
	}
	/* Nodes in the moved folder, of every grant and connection, count from
	 * where it is now. */
	pd_folders_moved(&d->grants, mv.w.v, mv.w.n, to + 1);
	for (unsigned i = 0; i < mv.n_held; i++)
		*mv.held[i].depth = *mv.held[i].depth - (from + 1) + (to + 1);
	free(mv.w.v);
	free(mv.held);
	follow_rename(d, g->id, olddir, old, newdir, new);
	reply_empty(d, c, m);
}

void pd_entries_handle(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_ENTRY_LOOKUP:
		do_lookup(d, c, m, false);
		break;
	case PROTO_ENTRY_MKDIR:
		do_lookup(d, c, m, true);
		break;
	case PROTO_ENTRY_STAT:
		do_stat(d, c, m);
		break;
	case PROTO_ENTRY_FORGET:
		do_forget(d, c, m);
		break;
	case PROTO_ENTRY_READDIR:
		do_readdir(d, c, m);
		break;
	case PROTO_ENTRY_OPEN:
		do_open(d, c, m);
		break;
	case PROTO_ENTRY_UNLINK:
		do_unlink(d, c, m);
		break;
	case PROTO_ENTRY_RENAME:
		do_rename(d, c, m);
		break;
	}
}

void pd_entries_conn_gone(struct pd_daemon *d, struct pd_conn *c)
{
	for (unsigned i = 0; i < d->grants.n; i++) {
		struct pd_grant *g = d->grants.v[i];
		for (int fd;
		     g->folder && (fd = pd_folder_take(&d->grants, g->folder, c->fc.serial)) >= 0;)
			close(fd);
	}
	for (struct pd_grant *f; (f = pd_grants_next_file(&d->grants, 0, c->fc.serial));)
		pd_docio_free(pd_grants_take(&d->grants, f->id));
}

void pd_entries_drop_folder(struct pd_daemon *d, struct pd_grant *g)
{
	for (struct pd_grant *f; (f = pd_grants_next_file(&d->grants, g->id, 0));)
		pd_docio_free(pd_grants_take(&d->grants, f->id));
	for (int fd; g->folder && (fd = pd_folder_take(&d->grants, g->folder, 0)) >= 0;)
		close(fd);
}
