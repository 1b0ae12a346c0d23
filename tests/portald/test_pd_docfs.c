/* The document device's file system on crafted FUSE requests, each in a
 * descriptor chain as the guest would lay it out, against real granted
 * files: every operation served, the refusals (writes, unknown opcodes),
 * bad lengths and chains too small for their reply, unknown and forgotten
 * nodes, stale handles, names with '/' or "..", and revocation. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "docfs_req.h"
#include "pd_docfs.h"
#include "pd_docfs_sys.h"
#include "pd_docio.h"

#define FILE_SIZE 300000u

static char dir[4096];
static const uint64_t key[4] = {7, 7, 7, 7};
static struct pd_grants grants;
static uint64_t ro_id, rw_id;
static char ro_hex[17], rw_hex[17];
static uint8_t content[FILE_SIZE];

static uint64_t open_file(uint64_t *ret_node)
{
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), 0);
	struct fuse_open_in o = {.flags = O_RDONLY};
	assert_int_equal(call(FUSE_OPEN, f.nodeid, &o, sizeof(o)), 0);
	struct fuse_open_out oo;
	memcpy(&oo, body(), sizeof(oo));
	assert_int_equal(oo.open_flags & FOPEN_DIRECT_IO, FOPEN_DIRECT_IO);
	if (ret_node)
		*ret_node = f.nodeid;
	return oo.fh;
}

static struct pd_grant *make_grant(const char *name, uint32_t perms)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct pd_grant *g = NULL;
	const char *why = NULL;
	assert_int_equal(pd_docio_grant_path(path, PD_MODE_OPEN, perms, 1, &g, &why), 0);
	assert_int_equal(pd_grants_add(&grants, g), 0);
	return g;
}

static int setup(void **state)
{
	(void)state;
	/* Room for every handle the device allows. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < PD_DOCFS_MAX_HANDLES + 64) {
		rl.rlim_cur = rl.rlim_max < PD_DOCFS_MAX_HANDLES + 64 ? rl.rlim_max
								      : PD_DOCFS_MAX_HANDLES + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (docfs_workdir(dir, sizeof(dir), "docfs") < 0)
		return -1;
	for (size_t i = 0; i < FILE_SIZE; i++)
		content[i] = (uint8_t)(i * 7 + i / 251);
	const char *names[] = {"report.pdf", "notes.txt"};
	for (int k = 0; k < 2; k++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, content, FILE_SIZE) != (ssize_t)FILE_SIZE)
			return -1;
		close(fd);
	}
	struct pd_limits lim = {.max_grants = 16, .max_handles = 16};
	if (pd_grants_init(&grants, &lim, key) < 0)
		return -1;
	ro_id = make_grant("report.pdf", PROTO_PERM_READ)->id;
	rw_id = make_grant("notes.txt", PROTO_PERM_READ | PROTO_PERM_WRITE)->id;
	snprintf(ro_hex, sizeof(ro_hex), "%016llx", (unsigned long long)ro_id);
	snprintf(rw_hex, sizeof(rw_hex), "%016llx", (unsigned long long)rw_id);
	fs = calloc(1, sizeof(*fs));
	pd_docfs_init(fs, &grants, &pd_docfs_sys_ops, NULL);
	return fs ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return docfs_teardown(&grants, dir);
}

/* Each test starts from a fresh session. */
static int fresh(void **state)
{
	(void)state;
	pd_docfs_reset(fs);
	init_fs();
	return 0;
}

static void test_init(void **state)
{
	(void)state;
	pd_docfs_reset(fs);
	struct fuse_attr_out a;
	(void)a;
	assert_int_equal(call(FUSE_GETATTR, FUSE_ROOT_ID, &(struct fuse_getattr_in){0},
			      sizeof(struct fuse_getattr_in)),
			 -EIO); /* before INIT */
	struct fuse_init_in bad = {.major = 8, .minor = 36};
	assert_int_equal(call(FUSE_INIT, 0, &bad, sizeof(bad)), -EPROTO);
	bad = (struct fuse_init_in){.major = 7, .minor = 20};
	assert_int_equal(call(FUSE_INIT, 0, &bad, sizeof(bad)), -EPROTO);
	assert_int_equal(call(FUSE_INIT, 0, &bad, 12), -EINVAL); /* too short */
	init_fs();
	struct fuse_init_out o;
	memcpy(&o, body(), sizeof(o));
	assert_int_equal(o.major, 7);
	assert_int_equal(o.max_pages, 256);
	assert_int_equal(o.max_write, 4096);
	assert_int_equal(o.max_readahead, 1u << 20);
	/* Only flags the kernel offered, and not locks. */
	assert_int_equal(o.flags, FUSE_ASYNC_READ | FUSE_MAX_PAGES);
}

static void test_lookup_and_attrs(void **state)
{
	(void)state;
	struct fuse_entry_out d, f, again;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	assert_int_equal(d.attr.mode, S_IFDIR | 0555);
	assert_int_equal(d.entry_valid, 0);
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), 0);
	assert_int_equal(f.attr.mode, S_IFREG | 0444);
	assert_int_equal(f.attr.size, FILE_SIZE);
	assert_int_equal(f.attr.uid, 0);
	assert_int_not_equal(f.nodeid, d.nodeid);
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &again), 0);
	assert_int_equal(again.nodeid, d.nodeid); /* one node per document */
	/* A writable grant is not in the tree (its path is the FUSE one). */
	assert_int_equal(lookup(FUSE_ROOT_ID, rw_hex, &again), -ENOENT);
	const char *bad[] = {"..",	   ".",	  "0000000000000001",
			     "report.pdf", "xyz", "ABCDEF0123456789"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lookup(FUSE_ROOT_ID, bad[i], &again), i < 2 ? -EINVAL : -ENOENT);
	assert_int_equal(lookup(d.nodeid, "..", &again), -EINVAL);
	assert_int_equal(lookup(d.nodeid, "a/report.pdf", &again), -EINVAL);
	assert_int_equal(lookup(d.nodeid, "other.pdf", &again), -ENOENT);
	assert_int_equal(lookup(f.nodeid, "x", &again), -ENOTDIR);
	assert_int_equal(lookup(12345, "x", &again), -ENOENT);
	/* A name with no NUL, one with bytes after it, an empty one, one too long. */
	assert_int_equal(call(FUSE_LOOKUP, FUSE_ROOT_ID, "abc", 3), -EINVAL);
	assert_int_equal(call(FUSE_LOOKUP, FUSE_ROOT_ID, "ab\0c", 5), -EINVAL);
	assert_int_equal(call(FUSE_LOOKUP, FUSE_ROOT_ID, "", 1), -EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	longname[299] = '\0';
	assert_int_equal(call(FUSE_LOOKUP, FUSE_ROOT_ID, longname, 300), -EINVAL);

	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, FUSE_ROOT_ID, &gi, sizeof(gi)), 0);
	struct fuse_attr_out a;
	memcpy(&a, body(), sizeof(a));
	assert_int_equal(a.attr.mode, S_IFDIR | 0555);
	assert_int_equal(call(FUSE_GETATTR, f.nodeid, &gi, sizeof(gi)), 0);
	memcpy(&a, body(), sizeof(a));
	assert_int_equal(a.attr.size, FILE_SIZE);
	assert_int_equal(call(FUSE_GETATTR, 999999, &gi, sizeof(gi)), -ENOENT);
	assert_int_equal(call(FUSE_GETATTR, f.nodeid, &gi, 4), -EINVAL); /* short */
}

static void test_forget(void **state)
{
	(void)state;
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), 0);
	struct fuse_forget_in fi = {.nlookup = 1};
	assert_int_equal(serve(FUSE_FORGET, d.nodeid, &fi, sizeof(fi), 4096), 0); /* no reply */
	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, d.nodeid, &gi, sizeof(gi)), 0); /* one lookup left */
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one[3];
	} bf = {{.count = 3}, {{d.nodeid, 1}, {f.nodeid, 5}, {424242, 1}}};
	assert_int_equal(serve(FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), 4096), 0);
	assert_int_equal(call(FUSE_GETATTR, d.nodeid, &gi, sizeof(gi)), -ENOENT);
	assert_int_equal(call(FUSE_GETATTR, f.nodeid, &gi, sizeof(gi)), -ENOENT);
	/* A count beyond the list is cut at the list. */
	bf.h.count = 1000000;
	assert_int_equal(serve(FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), 4096), 0);
	/* Looked up again: a new node. */
	struct fuse_entry_out d2;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d2), 0);
	assert_int_not_equal(d2.nodeid, d.nodeid);
}

static void test_open_read_release(void **state)
{
	(void)state;
	uint64_t node;
	uint64_t fh = open_file(&node);
	/* A whole 1 MiB request, in pages: the file's bytes, and a short count at its end. */
	struct fuse_read_in r = {.fh = fh, .offset = 0, .size = PD_FUSE_MAX_READ};
	serve(FUSE_READ, node, &r, sizeof(r), 16 + PD_FUSE_MAX_READ);
	assert_int_equal(err_of(), 0);
	assert_int_equal(written, 16 + FILE_SIZE);
	assert_memory_equal(body(), content, FILE_SIZE);
	/* From an offset, smaller than asked room. */
	r = (struct fuse_read_in){.fh = fh, .offset = 1000, .size = 5000};
	serve(FUSE_READ, node, &r, sizeof(r), 16 + 65536);
	assert_int_equal(written, 16 + 5000);
	assert_memory_equal(body(), content + 1000, 5000);
	assert_int_equal(in_buf[16 + 5000], 0xee); /* nothing past what was asked */
	/* Room for less than asked: only that much. */
	serve(FUSE_READ, node, &r, sizeof(r), 16 + 100);
	assert_int_equal(written, 16 + 100);
	assert_memory_equal(body(), content + 1000, 100);
	/* Past the end: nothing. */
	r.offset = FILE_SIZE + 10;
	serve(FUSE_READ, node, &r, sizeof(r), 16 + 4096);
	assert_int_equal(written, 16);
	assert_int_equal(err_of(), 0);
	/* Room for no header: no reply at all, nothing written. */
	assert_int_equal(serve(FUSE_READ, node, &r, sizeof(r), 8), 0);
	assert_int_equal(in_buf[0], 0xee);
	/* A stale or made-up fh. */
	r = (struct fuse_read_in){.fh = fh + (1ull << 32), .size = 10};
	assert_int_equal(call(FUSE_READ, node, &r, sizeof(r)), -EBADF);
	r.fh = 5000;
	assert_int_equal(call(FUSE_READ, node, &r, sizeof(r)), -EBADF);
	struct fuse_flush_in fl = {.fh = fh};
	assert_int_equal(call(FUSE_FLUSH, node, &fl, sizeof(fl)), 0);
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(FUSE_RELEASE, node, &rel, sizeof(rel)), 0);
	r.fh = fh;
	assert_int_equal(call(FUSE_READ, node, &r, sizeof(r)), -EBADF);
	assert_int_equal(call(FUSE_RELEASE, node, &rel, sizeof(rel)), -EBADF);
}

static void test_open_refusals(void **state)
{
	(void)state;
	struct fuse_entry_out d;
	uint64_t node;
	uint64_t fh = open_file(&node);
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	struct fuse_open_in o = {.flags = O_WRONLY};
	assert_int_equal(call(FUSE_OPEN, node, &o, sizeof(o)), -EROFS);
	o.flags = O_RDWR;
	assert_int_equal(call(FUSE_OPEN, node, &o, sizeof(o)), -EROFS);
	o.flags = O_RDONLY | O_TRUNC;
	assert_int_equal(call(FUSE_OPEN, node, &o, sizeof(o)), -EROFS);
	o.flags = O_RDONLY;
	assert_int_equal(call(FUSE_OPEN, d.nodeid, &o, sizeof(o)), -EISDIR);
	assert_int_equal(call(FUSE_OPEN, FUSE_ROOT_ID, &o, sizeof(o)), -EISDIR);
	assert_int_equal(call(FUSE_OPEN, 777777, &o, sizeof(o)), -ENOENT);
	assert_int_equal(call(FUSE_OPENDIR, node, &o, sizeof(o)), -ENOTDIR);
	/* An OPEN whose reply does not fit gets EINVAL and holds nothing. */
	serve(FUSE_OPEN, node, &o, sizeof(o), 20);
	assert_int_equal(err_of(), -EINVAL);
	/* Every handle, then ENFILE. */
	unsigned opened = 1;
	while (call(FUSE_OPEN, node, &o, sizeof(o)) == 0)
		opened++;
	assert_int_equal(err_of(), -ENFILE);
	assert_int_equal(opened, PD_DOCFS_MAX_HANDLES);
	(void)fh;
}

static void test_refused_ops(void **state)
{
	(void)state;
	uint8_t args[64] = {0};
	const uint32_t erofs[] = {FUSE_WRITE,	    FUSE_SETATTR, FUSE_MKDIR,	 FUSE_UNLINK,
				  FUSE_RMDIR,	    FUSE_RENAME,  FUSE_RENAME2,	 FUSE_CREATE,
				  FUSE_MKNOD,	    FUSE_SYMLINK, FUSE_LINK,	 FUSE_SETXATTR,
				  FUSE_REMOVEXATTR, FUSE_FSYNC,	  FUSE_FALLOCATE};
	for (size_t i = 0; i < sizeof(erofs) / sizeof(erofs[0]); i++)
		assert_int_equal(call(erofs[i], FUSE_ROOT_ID, args, sizeof(args)), -EROFS);
	assert_int_equal(call(FUSE_GETXATTR, FUSE_ROOT_ID, args, sizeof(args)), -ENOSYS);
	assert_int_equal(call(FUSE_GETLK, FUSE_ROOT_ID, args, sizeof(args)), -ENOSYS);
	assert_int_equal(call(9999, FUSE_ROOT_ID, args, sizeof(args)), -ENOSYS);
	assert_int_equal(call(0, FUSE_ROOT_ID, args, sizeof(args)), -ENOSYS);
	/* A header whose length is not the chain's: nothing can be answered. */
	serve(FUSE_GETATTR, FUSE_ROOT_ID, args, 16, 4096);
	struct fuse_in_header h;
	memcpy(&h, out_buf, sizeof(h));
	h.len += 1;
	memcpy(out_buf, &h, sizeof(h));
	assert_int_equal(pd_docfs_serve(fs, &chain), 0);
	chain.out_len = 10; /* shorter than a header */
	chain.out[0].len = 10;
	chain.n_out = 1;
	assert_int_equal(pd_docfs_serve(fs, &chain), 0);
	/* A WRITE with data beyond what is copied is still refused cleanly. */
	static uint8_t big[PD_FUSE_IN_MAX + 32];
	h = (struct fuse_in_header){.len = sizeof(big) + 8000, .opcode = FUSE_WRITE, .unique = 9};
	memcpy(big, &h, sizeof(h));
	memset(&chain, 0, sizeof(chain));
	chain.out[0] = (struct vhost_iov){big, sizeof(big)};
	static uint8_t more[8000];
	chain.out[1] = (struct vhost_iov){more, sizeof(more)};
	chain.n_out = 2;
	chain.out_len = sizeof(big) + sizeof(more);
	chain.in[0] = (struct vhost_iov){in_buf, 16};
	chain.n_in = 1;
	chain.in_len = 16;
	written = pd_docfs_serve(fs, &chain);
	assert_int_equal(err_of(), -EROFS);
	/* A GETATTR that long is wrong. */
	h.opcode = FUSE_GETATTR;
	memcpy(big, &h, sizeof(h));
	written = pd_docfs_serve(fs, &chain);
	assert_int_equal(err_of(), -EINVAL);
}

static void test_readdir_statfs_access(void **state)
{
	(void)state;
	struct fuse_open_in o = {0};
	assert_int_equal(call(FUSE_OPENDIR, FUSE_ROOT_ID, &o, sizeof(o)), 0);
	struct fuse_read_in r = {.size = 4096};
	assert_int_equal(call(FUSE_READDIR, FUSE_ROOT_ID, &r, sizeof(r)), 0);
	/* One entry: the read-only document; the writable one is not listed. */
	struct fuse_dirent de;
	memcpy(&de, body(), sizeof(de));
	assert_int_equal(de.namelen, 16);
	assert_memory_equal(body() + FUSE_NAME_OFFSET, ro_hex, 16);
	assert_int_equal(written, 16 + FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + 16));
	r.offset = de.off;
	assert_int_equal(call(FUSE_READDIR, FUSE_ROOT_ID, &r, sizeof(r)), 0);
	assert_int_equal(written, 16); /* the end */
	/* No room for even one entry: an empty answer, not an overrun. */
	r = (struct fuse_read_in){.size = 8};
	assert_int_equal(call(FUSE_READDIR, FUSE_ROOT_ID, &r, sizeof(r)), 0);
	assert_int_equal(written, 16);
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	r = (struct fuse_read_in){.size = 4096};
	assert_int_equal(call(FUSE_READDIR, d.nodeid, &r, sizeof(r)), 0);
	memcpy(&de, body(), sizeof(de));
	assert_int_equal(de.namelen, 10);
	assert_memory_equal(body() + FUSE_NAME_OFFSET, "report.pdf", 10);
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), 0);
	assert_int_equal(call(FUSE_READDIR, f.nodeid, &r, sizeof(r)), -ENOTDIR);
	struct fuse_release_in rel = {0};
	assert_int_equal(call(FUSE_RELEASEDIR, FUSE_ROOT_ID, &rel, sizeof(rel)), 0);
	assert_int_equal(call(FUSE_STATFS, FUSE_ROOT_ID, NULL, 0), 0);
	struct fuse_statfs_out s;
	memcpy(&s, body(), sizeof(s));
	assert_int_equal(s.st.namelen, 255);
	struct fuse_access_in a = {.mask = 4};
	assert_int_equal(call(FUSE_ACCESS, f.nodeid, &a, sizeof(a)), 0);
	a.mask = 2;
	assert_int_equal(call(FUSE_ACCESS, f.nodeid, &a, sizeof(a)), -EROFS);
	/* INTERRUPT gets no answer; DESTROY ends the session. */
	struct fuse_interrupt_in in = {.unique = 1};
	assert_int_equal(serve(FUSE_INTERRUPT, 0, &in, sizeof(in), 4096), 0);
	assert_int_equal(call(FUSE_DESTROY, 0, NULL, 0), 0);
	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, FUSE_ROOT_ID, &gi, sizeof(gi)), -EIO);
}

static void test_revocation(void **state)
{
	(void)state;
	uint64_t node;
	uint64_t fh = open_file(&node);
	struct fuse_entry_out d;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	struct fuse_read_in r = {.fh = fh, .size = 100};
	assert_int_equal(call(FUSE_READ, node, &r, sizeof(r)), 0);
	/* What docs.c does on revocation: the device first, then the table. */
	pd_docfs_revoke(fs, ro_id);
	pd_docio_free(pd_grants_take(&grants, ro_id));
	assert_int_equal(call(FUSE_READ, node, &r, sizeof(r)), -EIO);
	assert_int_equal(call(FUSE_READ, node, &r, sizeof(r)), -EIO);
	struct fuse_getattr_in gi = {0};
	assert_int_equal(call(FUSE_GETATTR, node, &gi, sizeof(gi)), -ENOENT);
	assert_int_equal(call(FUSE_GETATTR, d.nodeid, &gi, sizeof(gi)), -ENOENT);
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), -ENOENT);
	struct fuse_read_in rd = {.size = 4096};
	assert_int_equal(call(FUSE_READDIR, FUSE_ROOT_ID, &rd, sizeof(rd)), 0);
	assert_int_equal(written, 16); /* gone from the listing */
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(FUSE_RELEASE, node, &rel, sizeof(rel)), 0);
	/* A grant removed without the device being told (the guest gave it
	 * up): the same, found at the next request. */
	struct pd_grant *g = make_grant("report.pdf", PROTO_PERM_READ);
	ro_id = g->id;
	snprintf(ro_hex, sizeof(ro_hex), "%016llx", (unsigned long long)ro_id);
	fh = open_file(&node);
	pd_docio_free(pd_grants_take(&grants, ro_id));
	r.fh = fh;
	assert_int_equal(call(FUSE_READ, node, &r, sizeof(r)), -EIO);
	assert_int_equal(call(FUSE_GETATTR, node, &gi, sizeof(gi)), -ENOENT);
	g = make_grant("report.pdf", PROTO_PERM_READ);
	ro_id = g->id;
	snprintf(ro_hex, sizeof(ro_hex), "%016llx", (unsigned long long)ro_id);
}

static void test_file_replaced_by_symlink(void **state)
{
	(void)state;
	char path[4200], secret[4200];
	snprintf(path, sizeof(path), "%s/report.pdf", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	int fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rename(path, path), 0);
	char saved[4200];
	snprintf(saved, sizeof(saved), "%s/report.saved", dir);
	assert_int_equal(rename(path, saved), 0);
	assert_int_equal(symlink("secret", path), 0);
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	/* Not a regular file any more: no attributes, no open. */
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), -EIO);
	unlink(path);
	assert_int_equal(rename(saved, path), 0);
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), 0);
}

/* The granted file swapped for a FIFO after its lookup: OPEN refuses it
 * (EIO) without ever opening the FIFO (no IN_OPEN on it: a writer
 * waiting on it would be let through, and a device node opened could
 * act). */
static void test_file_replaced_by_fifo(void **state)
{
	(void)state;
	char path[4200], saved[4200];
	snprintf(path, sizeof(path), "%s/report.pdf", dir);
	snprintf(saved, sizeof(saved), "%s/report.saved", dir);
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), 0);
	assert_int_equal(rename(path, saved), 0);
	assert_int_equal(mkfifo(path, 0644), 0);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(in >= 0);
	assert_true(inotify_add_watch(in, path, IN_OPEN) >= 0);
	struct fuse_open_in o = {.flags = O_RDONLY};
	assert_int_equal(call(FUSE_OPEN, f.nodeid, &o, sizeof(o)), -EIO);
	char ev[4096];
	assert_int_equal(read(in, ev, sizeof(ev)), -1); /* no event: never opened */
	assert_int_equal(errno, EAGAIN);
	close(in);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(saved, path), 0);
	uint64_t fh = open_file(NULL);
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(FUSE_RELEASE, f.nodeid, &rel, sizeof(rel)), 0);
}

/* A write lease on the granted file (its owner's, F_SETLEASE): an open
 * for reading would wait for the lease to be given up, up to
 * /proc/sys/fs/lease-break-time (45 s), with the whole daemon. OPEN
 * fails at once instead (EIO), the lease still held. */
static void test_file_leased(void **state)
{
	(void)state;
	char path[4200];
	snprintf(path, sizeof(path), "%s/report.pdf", dir);
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, ro_hex, &d), 0);
	assert_int_equal(lookup(d.nodeid, "report.pdf", &f), 0);
	signal(SIGIO, SIG_IGN); /* the lease holder is told of a break by SIGIO */
	int lfd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(lfd >= 0);
	assert_int_equal(fcntl(lfd, F_SETLEASE, F_WRLCK), 0);
	struct fuse_open_in o = {.flags = O_RDONLY};
	assert_int_equal(call(FUSE_OPEN, f.nodeid, &o, sizeof(o)), -EIO);
	/* Not waited out: the holder was asked to go down to a read lease
	 * and still holds one. */
	assert_int_equal(fcntl(lfd, F_GETLEASE), F_RDLCK);
	assert_int_equal(fcntl(lfd, F_SETLEASE, F_UNLCK), 0);
	close(lfd);
	uint64_t fh = open_file(NULL);
	struct fuse_release_in rel = {.fh = fh};
	assert_int_equal(call(FUSE_RELEASE, f.nodeid, &rel, sizeof(rel)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test_setup(test_lookup_and_attrs, fresh),
	    cmocka_unit_test_setup(test_forget, fresh),
	    cmocka_unit_test_setup(test_open_read_release, fresh),
	    cmocka_unit_test_setup(test_open_refusals, fresh),
	    cmocka_unit_test_setup(test_refused_ops, fresh),
	    cmocka_unit_test_setup(test_readdir_statfs_access, fresh),
	    cmocka_unit_test_setup(test_revocation, fresh),
	    cmocka_unit_test_setup(test_file_replaced_by_symlink, fresh),
	    cmocka_unit_test_setup(test_file_replaced_by_fifo, fresh),
	    cmocka_unit_test_setup(test_file_leased, fresh),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
