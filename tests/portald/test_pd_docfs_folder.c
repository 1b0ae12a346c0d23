/* Read-only folder grants on the document device, on crafted FUSE requests
 * against a real folder: the tree listed and read, names that try to leave
 * it (`..`, `/`, symbolic links in and out, a FIFO), a hard link to a file
 * outside, a deep tree, unknown and forgotten node ids, the cap on nodes,
 * a folder swapped for a link after its lookup, a file replaced while
 * open, and revocation with open handles. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "docfs_req.h"
#include "pd_docfs.h"
#include "pd_docfs_sys.h"
#include "pd_docio.h"

#define DEPTH 40

static char dir[4096], top[4200];
static const uint64_t key[4] = {9, 9, 9, 9};
static struct pd_grants grants;
static uint64_t ro_id, rw_id;

static void put(const char *rel, const char *text)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static uint64_t grant_folder(const char *rel, uint32_t perms)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	struct pd_grant *g = NULL;
	const char *why = NULL;
	assert_int_equal(pd_docio_grant_folder(path, perms, 1, &g, &why), 0);
	assert_int_equal(pd_grants_add(&grants, g), 0);
	return g->id;
}

static int setup(void **state)
{
	(void)state;
	if (docfs_workdir(dir, sizeof(dir), "docfsdir") < 0)
		return -1;
	snprintf(top, sizeof(top), "%s/granted", dir);
	char path[8192];
	if (mkdir(top, 0755) < 0)
		return -1;
	put("outside.txt", "outside the grant\n");
	put("granted/a.txt", "alpha\n");
	snprintf(path, sizeof(path), "%s/sub", top);
	mkdir(path, 0755);
	put("granted/sub/b.txt", "beta\n");
	snprintf(path, sizeof(path), "%s/granted/deep", dir);
	mkdir(path, 0755);
	for (int i = 0; i < DEPTH - 1; i++)
		mkdir(strcat(path, "/d"), 0755);
	strcat(path, "/leaf.txt");
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("leaf\n", f);
	fclose(f);
	char p2[8192];
	snprintf(path, sizeof(path), "%s/link_out", top);
	snprintf(p2, sizeof(p2), "%s/outside.txt", dir);
	if (symlink(p2, path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/link_in", top);
	if (symlink("a.txt", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/link_up", top);
	if (symlink("..", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/fifo", top);
	if (mkfifo(path, 0644) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/hard.txt", top);
	if (link(p2, path) < 0)
		return -1;
	mkdir(strcat(strcpy(path, dir), "/rw"), 0755);
	struct pd_limits lim = {.max_grants = 16, .max_handles = 16};
	if (pd_grants_init(&grants, &lim, key) < 0)
		return -1;
	ro_id = grant_folder("granted", PROTO_PERM_READ);
	rw_id = grant_folder("rw", PROTO_PERM_READ | PROTO_PERM_WRITE);
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -1;
	pd_docfs_init(fs, &grants, &pd_docfs_sys_ops, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return docfs_teardown(&grants, dir);
}

static int fresh(void **state)
{
	(void)state;
	pd_docfs_reset(fs);
	fs->max_fnodes = PD_DOCFS_MAX_FNODES;
	init_fs();
	return 0;
}

/* The granted folder's node: `<id>/granted`. */
static uint64_t folder_node(uint64_t id)
{
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)id);
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, hex, &d), 0);
	assert_int_equal(d.attr.mode, S_IFDIR | 0555);
	assert_int_equal(lookup(d.nodeid, "granted", &f), 0);
	assert_int_equal(f.attr.mode, S_IFDIR | 0555);
	return f.nodeid;
}

static int open_fh(uint64_t node, uint64_t *ret_fh)
{
	struct fuse_open_in o = {.flags = O_RDONLY};
	int e = call(FUSE_OPEN, node, &o, sizeof(o));
	if (e == 0) {
		struct fuse_open_out oo;
		memcpy(&oo, body(), sizeof(oo));
		*ret_fh = oo.fh;
	}
	return e;
}

/* Reads a file node whole (at most 4 KiB) into buf, NUL-terminated. */
static void read_node(uint64_t node, char *buf, size_t size)
{
	uint64_t fh = 0;
	assert_int_equal(open_fh(node, &fh), 0);
	struct fuse_read_in r = {.fh = fh, .size = (uint32_t)size - 1};
	serve(FUSE_READ, node, &r, sizeof(r), 16 + 4096);
	assert_int_equal(err_of(), 0);
	memcpy(buf, body(), written - 16);
	buf[written - 16] = '\0';
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(FUSE_RELEASE, node, &rel, sizeof(rel)), 0);
}

/* The names of a folder node's listing, "name/" for folders, each followed
 * by a space, in the order given; READDIR with small room so that the
 * listing takes several requests, each going on from the last offset. */
static void list(uint64_t node, char *out, size_t size)
{
	uint64_t off = 0;
	out[0] = '\0';
	assert_int_equal(call(FUSE_OPENDIR, node, &(struct fuse_open_in){0}, 8), 0);
	for (int rounds = 0; rounds < 100; rounds++) {
		struct fuse_read_in r = {.offset = off, .size = 80};
		assert_int_equal(call(FUSE_READDIR, node, &r, sizeof(r)), 0);
		if (written == 16)
			return;
		for (size_t p = 0; p < written - 16;) {
			struct fuse_dirent de;
			memcpy(&de, body() + p, sizeof(de));
			size_t l = strlen(out);
			snprintf(out + l, size - l, "%.*s%s ", (int)de.namelen,
				 (const char *)body() + p + FUSE_NAME_OFFSET,
				 de.type == DT_DIR ? "/" : "");
			off = de.off;
			p += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + de.namelen);
		}
	}
	fail_msg("READDIR never ended");
}

static bool listed(const char *l, const char *name)
{
	char w[300];
	snprintf(w, sizeof(w), " %s ", name);
	char all[4200];
	snprintf(all, sizeof(all), " %s", l);
	return strstr(all, w) != NULL;
}

static void test_tree(void **state)
{
	(void)state;
	uint64_t top_node = folder_node(ro_id);
	char l[4096], buf[4096];
	list(top_node, l, sizeof(l));
	assert_true(listed(l, "a.txt"));
	assert_true(listed(l, "sub/"));
	assert_true(listed(l, "deep/"));
	assert_true(listed(l, "hard.txt"));
	/* Links, FIFOs: not shown. */
	assert_false(listed(l, "link_out"));
	assert_false(listed(l, "link_in"));
	assert_false(listed(l, "link_up"));
	assert_false(listed(l, "fifo"));
	struct fuse_entry_out a, sub, b;
	assert_int_equal(lookup(top_node, "a.txt", &a), 0);
	assert_int_equal(a.attr.mode, S_IFREG | 0444);
	assert_int_equal(a.attr.size, 6);
	assert_int_equal(a.attr.ino, a.nodeid);
	read_node(a.nodeid, buf, sizeof(buf));
	assert_string_equal(buf, "alpha\n");
	assert_int_equal(lookup(top_node, "sub", &sub), 0);
	list(sub.nodeid, l, sizeof(l));
	assert_string_equal(l, "b.txt ");
	assert_int_equal(lookup(sub.nodeid, "b.txt", &b), 0);
	read_node(b.nodeid, buf, sizeof(buf));
	assert_string_equal(buf, "beta\n");
	/* The same file looked up again: the same node. */
	struct fuse_entry_out again;
	assert_int_equal(lookup(top_node, "a.txt", &again), 0);
	assert_int_equal(again.nodeid, a.nodeid);
	/* GETATTR of a folder node and a file node. */
	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, sub.nodeid, &gi, sizeof(gi)), 0);
	struct fuse_attr_out ao;
	memcpy(&ao, body(), sizeof(ao));
	assert_int_equal(ao.attr.mode, S_IFDIR | 0555);
	assert_int_equal(call(FUSE_GETATTR, b.nodeid, &gi, sizeof(gi)), 0);
	memcpy(&ao, body(), sizeof(ao));
	assert_int_equal(ao.attr.size, 5);
	/* The id's directory lists the folder as a folder. */
	char hex[17];
	struct fuse_entry_out d;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)ro_id);
	assert_int_equal(lookup(FUSE_ROOT_ID, hex, &d), 0);
	list(d.nodeid, l, sizeof(l));
	assert_string_equal(l, "granted/ ");
	/* A hard link to a file outside: read, as on the FUSE path (portal.md). */
	struct fuse_entry_out h;
	assert_int_equal(lookup(top_node, "hard.txt", &h), 0);
	read_node(h.nodeid, buf, sizeof(buf));
	assert_string_equal(buf, "outside the grant\n");
}

static void test_refusals(void **state)
{
	(void)state;
	uint64_t top_node = folder_node(ro_id);
	struct fuse_entry_out e, a, sub;
	unsigned before = fs->n_fnodes;
	assert_int_equal(lookup(top_node, "..", &e), -EINVAL);
	assert_int_equal(lookup(top_node, ".", &e), -EINVAL);
	assert_int_equal(lookup(top_node, "/", &e), -EINVAL);
	assert_int_equal(lookup(top_node, "sub/../..", &e), -EINVAL);
	assert_int_equal(lookup(top_node, "link_out", &e), -EACCES);
	assert_int_equal(lookup(top_node, "link_in", &e), -EACCES);
	assert_int_equal(lookup(top_node, "link_up", &e), -EACCES);
	assert_int_equal(lookup(top_node, "fifo", &e), -EACCES); /* never opened */
	assert_int_equal(lookup(top_node, "missing", &e), -ENOENT);
	assert_int_equal(fs->n_fnodes, before); /* nothing held for them */
	assert_int_equal(lookup(top_node, "a.txt", &a), 0);
	assert_int_equal(lookup(a.nodeid, "x", &e), -ENOTDIR);
	assert_int_equal(lookup(top_node, "sub", &sub), 0);
	uint64_t fh = 0;
	assert_int_equal(open_fh(sub.nodeid, &fh), -EISDIR);
	assert_int_equal(open_fh(top_node, &fh), -EISDIR);
	struct fuse_open_in o = {.flags = O_WRONLY};
	assert_int_equal(call(FUSE_OPEN, a.nodeid, &o, sizeof(o)), -EROFS);
	o.flags = O_RDWR;
	assert_int_equal(call(FUSE_OPEN, a.nodeid, &o, sizeof(o)), -EROFS);
	o.flags = O_RDONLY | O_TRUNC;
	assert_int_equal(call(FUSE_OPEN, a.nodeid, &o, sizeof(o)), -EROFS);
	assert_int_equal(call(FUSE_OPENDIR, a.nodeid, &o, sizeof(o)), -ENOTDIR);
	struct fuse_read_in r = {.size = 4096};
	assert_int_equal(call(FUSE_READDIR, a.nodeid, &r, sizeof(r)), -ENOTDIR);
	/* Changes, links: refused. */
	uint8_t args[64] = {0};
	memcpy(args + 16, "new", 4);
	assert_int_equal(call(FUSE_MKDIR, sub.nodeid, args, 20), -EROFS);
	assert_int_equal(call(FUSE_CREATE, sub.nodeid, args, 24), -EROFS);
	assert_int_equal(call(FUSE_LINK, sub.nodeid, args, 16), -EROFS);
	assert_int_equal(call(FUSE_SYMLINK, sub.nodeid, "a\0b", 4), -EROFS);
	assert_int_equal(call(FUSE_UNLINK, top_node, "a.txt", 6), -EROFS);
	struct fuse_access_in ac = {.mask = 2};
	assert_int_equal(call(FUSE_ACCESS, a.nodeid, &ac, sizeof(ac)), -EROFS);
	/* A writable folder grant stays on the FUSE path: not on the device. */
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)rw_id);
	assert_int_equal(lookup(FUSE_ROOT_ID, hex, &e), -ENOENT);
}

static void test_deep(void **state)
{
	(void)state;
	uint64_t node = folder_node(ro_id);
	struct fuse_entry_out e;
	assert_int_equal(lookup(node, "deep", &e), 0);
	for (int i = 0; i < DEPTH - 1; i++) {
		node = e.nodeid;
		assert_int_equal(lookup(node, "d", &e), 0);
	}
	char buf[64];
	assert_int_equal(lookup(e.nodeid, "leaf.txt", &e), 0);
	read_node(e.nodeid, buf, sizeof(buf));
	assert_string_equal(buf, "leaf\n");
	assert_int_equal(fs->n_fnodes, DEPTH + 1);
}

static unsigned open_fds(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_unknown_forgotten_cap(void **state)
{
	(void)state;
	uint64_t top_node = folder_node(ro_id);
	struct fuse_entry_out a, sub, e;
	struct fuse_getattr_in gi = {0};
	/* Node ids never handed out. */
	const uint64_t bad[] = {top_node + 1000, 0, UINT64_MAX, top_node + 1};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(call(FUSE_GETATTR, bad[i], &gi, sizeof(gi)), -ENOENT);
		assert_int_equal(lookup(bad[i], "a.txt", &e), -ENOENT);
	}
	unsigned fds = open_fds();
	assert_int_equal(lookup(top_node, "a.txt", &a), 0);
	assert_int_equal(lookup(top_node, "a.txt", &a), 0);
	assert_int_equal(open_fds(), fds + 1); /* one descriptor per node */
	struct fuse_forget_in fi = {.nlookup = 1};
	assert_int_equal(serve(FUSE_FORGET, a.nodeid, &fi, sizeof(fi), 4096), 0);
	assert_int_equal(call(FUSE_GETATTR, a.nodeid, &gi, sizeof(gi)), 0); /* one lookup left */
	assert_int_equal(serve(FUSE_FORGET, a.nodeid, &fi, sizeof(fi), 4096), 0);
	assert_int_equal(call(FUSE_GETATTR, a.nodeid, &gi, sizeof(gi)), -ENOENT);
	assert_int_equal(open_fds(), fds); /* closed */
	/* The cap: two nodes inside folders at most. */
	fs->max_fnodes = 2;
	assert_int_equal(lookup(top_node, "a.txt", &a), 0);
	assert_int_equal(lookup(top_node, "sub", &sub), 0);
	assert_int_equal(lookup(sub.nodeid, "b.txt", &e), -ENFILE);
	assert_int_equal(lookup(top_node, "sub", &e), 0); /* held already: fine */
	assert_int_equal(e.nodeid, sub.nodeid);
	assert_int_equal(open_fds(), fds + 2);
	fi.nlookup = 1;
	assert_int_equal(serve(FUSE_FORGET, a.nodeid, &fi, sizeof(fi), 4096), 0);
	assert_int_equal(lookup(sub.nodeid, "b.txt", &e), 0);
	/* A stale handle and an open of a forgotten node. */
	uint64_t fh = 0;
	assert_int_equal(open_fh(a.nodeid, &fh), -ENOENT);
	struct fuse_read_in r = {.fh = 77, .size = 10};
	assert_int_equal(call(FUSE_READ, e.nodeid, &r, sizeof(r)), -EBADF);
}

static void test_swapped_and_replaced(void **state)
{
	(void)state;
	uint64_t top_node = folder_node(ro_id);
	struct fuse_entry_out sub, b, e;
	char buf[64], from[8192], to[8192];
	assert_int_equal(lookup(top_node, "sub", &sub), 0);
	assert_int_equal(lookup(sub.nodeid, "b.txt", &b), 0);
	uint64_t fh = 0;
	assert_int_equal(open_fh(b.nodeid, &fh), 0);
	/* b.txt replaced on the host (as an editor saves): the open handle
	 * reads the file it opened; a new lookup finds the new one. */
	put("granted/sub/b.new", "BETA, second version\n");
	snprintf(from, sizeof(from), "%s/sub/b.new", top);
	snprintf(to, sizeof(to), "%s/sub/b.txt", top);
	assert_int_equal(rename(from, to), 0);
	struct fuse_read_in r = {.fh = fh, .size = 100};
	serve(FUSE_READ, b.nodeid, &r, sizeof(r), 16 + 4096);
	assert_int_equal(err_of(), 0);
	assert_int_equal(written - 16, 5);
	assert_memory_equal(body(), "beta\n", 5);
	assert_int_equal(lookup(sub.nodeid, "b.txt", &e), 0);
	assert_int_not_equal(e.nodeid, b.nodeid);
	read_node(e.nodeid, buf, sizeof(buf));
	assert_string_equal(buf, "BETA, second version\n");
	/* sub swapped for a link to the folder above: the node held is
	 * still sub; the name now is refused. */
	snprintf(from, sizeof(from), "%s/sub", top);
	snprintf(to, sizeof(to), "%s/sub.moved", top);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(symlink("..", from), 0);
	assert_int_equal(lookup(sub.nodeid, "b.txt", &e), 0);
	assert_int_equal(lookup(top_node, "sub", &e), -EACCES);
	assert_int_equal(lookup(sub.nodeid, "outside.txt", &e), -ENOENT);
	assert_int_equal(unlink(from), 0);
	assert_int_equal(rename(to, from), 0);
}

/* GETATTR with FUSE_GETATTR_FH answers for the node asked about: a handle
 * of a file inside the folder named beside a folder node does not give
 * the folder the file's attributes. */
static void test_getattr_fh_of_another_node(void **state)
{
	(void)state;
	uint64_t top_node = folder_node(ro_id);
	struct fuse_entry_out a, sub;
	assert_int_equal(lookup(top_node, "a.txt", &a), 0);
	assert_int_equal(lookup(top_node, "sub", &sub), 0);
	uint64_t fh = 0;
	assert_int_equal(open_fh(a.nodeid, &fh), 0);
	uint64_t nodes[] = {top_node, sub.nodeid};
	for (int i = 0; i < 2; i++) {
		struct fuse_getattr_in in = {.getattr_flags = FUSE_GETATTR_FH, .fh = fh};
		assert_int_equal(call(FUSE_GETATTR, nodes[i], &in, sizeof(in)), 0);
		struct fuse_attr_out o;
		memcpy(&o, body(), sizeof(o));
		assert_int_equal(o.attr.mode, S_IFDIR | 0555);
		assert_int_equal(o.attr.ino, nodes[i]);
	}
	/* On the file's own node the handle is used. */
	struct fuse_getattr_in in = {.getattr_flags = FUSE_GETATTR_FH, .fh = fh};
	assert_int_equal(call(FUSE_GETATTR, a.nodeid, &in, sizeof(in)), 0);
	struct fuse_attr_out o;
	memcpy(&o, body(), sizeof(o));
	assert_int_equal(o.attr.mode, S_IFREG | 0444);
	assert_int_equal(o.attr.size, 6);
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(FUSE_RELEASE, a.nodeid, &rel, sizeof(rel)), 0);
}

/* A LOOKUP whose answer does not fit the chain's writable part (EINVAL):
 * the guest never learns the node, so none is kept (nor its descriptor),
 * and a node already held keeps its count. */
static void test_lookup_answer_not_fitting(void **state)
{
	(void)state;
	uint64_t top_node = folder_node(ro_id);
	unsigned fds = open_fds();
	unsigned nodes = fs->n_nodes;
	serve(FUSE_LOOKUP, top_node, "a.txt", 6, 16 + 64);
	assert_int_equal(err_of(), -EINVAL);
	assert_int_equal(fs->n_nodes, nodes);
	assert_int_equal(fs->n_fnodes, 0);
	assert_int_equal(open_fds(), fds);
	/* Held once; a lookup not answered leaves it held once. */
	struct fuse_entry_out a;
	assert_int_equal(lookup(top_node, "a.txt", &a), 0);
	serve(FUSE_LOOKUP, top_node, "a.txt", 6, 16 + 64);
	assert_int_equal(err_of(), -EINVAL);
	struct fuse_forget_in fi = {.nlookup = 1};
	assert_int_equal(serve(FUSE_FORGET, a.nodeid, &fi, sizeof(fi), 4096), 0);
	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, a.nodeid, &gi, sizeof(gi)), -ENOENT);
	assert_int_equal(open_fds(), fds);
	/* The same for a document's directory in the root. */
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)ro_id);
	struct fuse_entry_out d;
	assert_int_equal(lookup(FUSE_ROOT_ID, hex, &d), 0); /* held by folder_node too */
	fi.nlookup = 2;
	serve(FUSE_LOOKUP, FUSE_ROOT_ID, hex, 17, 16 + 64);
	assert_int_equal(err_of(), -EINVAL);
	assert_int_equal(serve(FUSE_FORGET, d.nodeid, &fi, sizeof(fi), 4096), 0);
	assert_int_equal(call(FUSE_GETATTR, d.nodeid, &gi, sizeof(gi)), -ENOENT);
}

/* A folder gone from the table without the device being told: its nodes
 * give way at the cap. */
static void test_untold_revocation_at_cap(void **state)
{
	(void)state;
	char path[8192];
	snprintf(path, sizeof(path), "%s/sub", top);
	struct pd_grant *g2 = NULL;
	const char *why;
	assert_int_equal(pd_docio_grant_folder(path, PROTO_PERM_READ, 1, &g2, &why), 0);
	assert_int_equal(pd_grants_add(&grants, g2), 0);
	uint64_t sub_id = g2->id;
	fs->max_fnodes = 1;
	struct fuse_entry_out a, d, f, e;
	assert_int_equal(lookup(folder_node(ro_id), "a.txt", &a), 0);
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)sub_id);
	assert_int_equal(lookup(FUSE_ROOT_ID, hex, &d), 0);
	assert_int_equal(lookup(d.nodeid, "sub", &f), 0);
	assert_int_equal(lookup(f.nodeid, "b.txt", &e), -ENFILE);
	struct pd_grant *g = pd_grants_take(&grants, ro_id);
	assert_int_equal(lookup(f.nodeid, "b.txt", &e), 0);
	assert_int_equal(fs->n_fnodes, 1);
	/* As before for the next test: the folder granted again. */
	pd_docfs_revoke(fs, sub_id);
	pd_docio_free(pd_grants_take(&grants, sub_id));
	g->id = 0;
	assert_int_equal(pd_grants_add(&grants, g), 0);
	ro_id = g->id;
}

static void test_revocation(void **state)
{
	(void)state;
	unsigned fds = open_fds();
	uint64_t top_node = folder_node(ro_id);
	struct fuse_entry_out sub, b;
	assert_int_equal(lookup(top_node, "sub", &sub), 0);
	assert_int_equal(lookup(sub.nodeid, "b.txt", &b), 0);
	uint64_t fh = 0;
	assert_int_equal(open_fh(b.nodeid, &fh), 0);
	assert_int_equal(open_fds(), fds + 3);
	/* As the daemon does: the device first, then the table. */
	pd_docfs_revoke(fs, ro_id);
	struct pd_grant *g = pd_grants_take(&grants, ro_id);
	assert_int_equal(open_fds(), fds); /* the nodes' and the open file's: closed */
	assert_int_equal(fs->n_fnodes, 0);
	struct fuse_read_in r = {.fh = fh, .size = 100};
	assert_int_equal(call(FUSE_READ, b.nodeid, &r, sizeof(r)), -EIO);
	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, b.nodeid, &gi, sizeof(gi)), -ENOENT);
	assert_int_equal(call(FUSE_GETATTR, top_node, &gi, sizeof(gi)), -ENOENT);
	struct fuse_entry_out e;
	assert_int_equal(lookup(sub.nodeid, "b.txt", &e), -ENOENT);
	r = (struct fuse_read_in){.size = 4096};
	assert_int_equal(call(FUSE_READDIR, sub.nodeid, &r, sizeof(r)), -ENOENT);
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(FUSE_RELEASE, b.nodeid, &rel, sizeof(rel)), 0);
	/* Granted again (a new id): served afresh. */
	char path[8192];
	snprintf(path, sizeof(path), "%s", g->path);
	pd_docio_free(g);
	assert_int_equal(open_fds(), fds - 1); /* the grant's folder too */
	const char *why;
	assert_int_equal(pd_docio_grant_folder(path, PROTO_PERM_READ, 1, &g, &why), 0);
	assert_int_equal(pd_grants_add(&grants, g), 0);
	ro_id = g->id;
	top_node = folder_node(ro_id);
	assert_int_equal(lookup(top_node, "sub", &sub), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_tree, fresh),
	    cmocka_unit_test_setup(test_refusals, fresh),
	    cmocka_unit_test_setup(test_deep, fresh),
	    cmocka_unit_test_setup(test_unknown_forgotten_cap, fresh),
	    cmocka_unit_test_setup(test_swapped_and_replaced, fresh),
	    cmocka_unit_test_setup(test_getattr_fh_of_another_node, fresh),
	    cmocka_unit_test_setup(test_lookup_answer_not_fitting, fresh),
	    cmocka_unit_test_setup(test_untold_revocation_at_cap, fresh),
	    cmocka_unit_test_setup(test_revocation, fresh),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
