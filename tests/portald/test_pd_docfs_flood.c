/* The document device's node lookups do not scan. By id: with 4096 nodes
 * held below a folder grant, 256 BATCH_FORGETs of 255 node ids it never
 * handed out (or handed out and forgotten, or of a slot's other
 * generation) look at one node each, and change nothing. By what a node
 * is: LOOKUPs of 4096 files, of each again (the same node), beyond the cap
 * (ENFILE), and of the document's directory look at a few index entries
 * each, not the nodes held; a grant gone from the table untold makes one
 * LOOKUP at the cap go through the nodes, once. File documents closed (as
 * a guest may at will) make none go through them, and a node finds its
 * grant a few entries before where it saw it, not by searching the grant
 * table (stats.grant_steps). The files below the folder
 * are fakes (the ops' lookup: the name "f<n>" is inode n + 1), the folder
 * itself is real. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "docfs_req.h"
#include "pd_docfs.h"
#include "pd_docfs_sys.h"
#include "pd_docio.h"

#define FAKE_FD	    1000000 /* fake descriptors count up from here */
#define BATCHES	    256u
#define PER_BATCH   255u
#define FOLDER_NAME "held"
#define FILE_DOCS   256u /* file documents opened before a later folder grant */
#define ROUNDS	    8u

static char dir[4096];
static const uint64_t key[4] = {5, 5, 5, 5};
static struct pd_grants grants;
static struct pd_docfs_ops ops;
static unsigned fake_open, next_ino;

/* Every name is a file of its own, held by a fake descriptor: "f<n>" is
 * inode n + 1, others new inodes from 1000000 up. */
static int fake_lookup(void *ctx, int dirfd, const char *name, struct pd_docfs_stat *ret)
{
	(void)ctx, (void)dirfd;
	char *end;
	unsigned long n = name[0] == 'f' ? strtoul(name + 1, &end, 10) : 0;
	uint64_t ino = name[0] == 'f' && *end == '\0' && n < 1000000 ? n + 1 : 1000000 + ++next_ino;
	*ret = (struct pd_docfs_stat){.size = 1, .dev = 1, .ino = ino};
	fake_open++;
	return FAKE_FD + (int)ino;
}

static int fake_fstat(void *ctx, int fd, struct pd_docfs_stat *ret)
{
	if (fd < FAKE_FD)
		return pd_docfs_sys_ops.fstat(ctx, fd, ret);
	*ret = (struct pd_docfs_stat){.size = 1, .dev = 1, .ino = (uint64_t)(fd - FAKE_FD)};
	return 0;
}

static void fake_close(void *ctx, int fd)
{
	if (fd >= FAKE_FD)
		fake_open--;
	else
		pd_docfs_sys_ops.close(ctx, fd);
}

static int setup(void **state)
{
	(void)state;
	if (docfs_workdir(dir, sizeof(dir), "docfsflood") < 0)
		return -1;
	char path[4200];
	snprintf(path, sizeof(path), "%s/" FOLDER_NAME, dir);
	if (mkdir(path, 0755) < 0)
		return -1;
	struct pd_limits lim = {.max_grants = 4, .max_handles = 2 * FILE_DOCS};
	if (pd_grants_init(&grants, &lim, key) < 0)
		return -1;
	struct pd_grant *g = NULL;
	const char *why = NULL;
	if (pd_docio_grant_folder(path, PROTO_PERM_READ, 1, &g, &why) < 0 ||
	    pd_grants_add(&grants, g) < 0)
		return -1;
	ops = pd_docfs_sys_ops;
	ops.lookup = fake_lookup;
	ops.fstat = fake_fstat;
	ops.close = fake_close;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -1;
	pd_docfs_init(fs, &grants, &ops, NULL);
	init_fs();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return docfs_teardown(&grants, dir);
}

/* The node of folder grant g, named name in its directory. */
static uint64_t folder_node_of(const struct pd_grant *g, const char *name)
{
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)g->id);
	struct fuse_entry_out d, f;
	assert_int_equal(lookup(FUSE_ROOT_ID, hex, &d), 0);
	assert_int_equal(lookup(d.nodeid, name, &f), 0);
	return f.nodeid;
}

static uint64_t folder_node(void)
{
	return folder_node_of(grants.v[0], FOLDER_NAME);
}

static void batch_forget(const struct fuse_forget_one *one, uint32_t n)
{
	static uint8_t args[8 + 16 * PER_BATCH];
	struct fuse_batch_forget_in b = {.count = n};
	memcpy(args, &b, sizeof(b));
	memcpy(args + sizeof(b), one, n * sizeof(*one));
	assert_int_equal(serve(FUSE_BATCH_FORGET, 0, args, sizeof(b) + n * sizeof(*one), 4096), 0);
}

static int getattr(uint64_t node)
{
	struct fuse_getattr_in gi = {0};
	return call(FUSE_GETATTR, node, &gi, sizeof(gi));
}

static void test_flood(void **state)
{
	(void)state;
	assert_true(PER_BATCH <= PD_FUSE_FORGET_MAX);
	uint64_t top = folder_node();
	static uint64_t held[PD_DOCFS_MAX_FNODES];
	struct fuse_entry_out e;
	char name[32];
	for (unsigned i = 0; i < PD_DOCFS_MAX_FNODES; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		assert_int_equal(lookup(top, name, &e), 0);
		held[i] = e.nodeid;
	}
	assert_int_equal(lookup(top, "one_more", &e), -ENFILE);
	assert_int_equal(fs->n_fnodes, PD_DOCFS_MAX_FNODES);
	/* A node forgotten, and its slot taken again by a new one: the old id
	 * is not the new node. */
	struct fuse_forget_in fi = {.nlookup = 1};
	uint64_t old = held[7];
	assert_int_equal(serve(FUSE_FORGET, old, &fi, sizeof(fi), 4096), 0);
	assert_int_equal(getattr(old), -ENOENT);
	assert_int_equal(lookup(top, "again", &e), 0);
	assert_int_not_equal(e.nodeid, old);
	assert_int_equal(getattr(e.nodeid), 0);
	assert_int_equal(getattr(old), -ENOENT);
	held[7] = e.nodeid;

	/* Ids not held: never handed out, the root's and 0, ids of held
	 * nodes' slots in other generations, the forgotten one. */
	static struct fuse_forget_one one[PER_BATCH];
	uint64_t seed = 1;
	uint64_t before = fs->stats.examined;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned b = 0; b < BATCHES; b++) {
		for (unsigned i = 0; i < PER_BATCH; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t id = seed >> 1;
			switch (i % 5) {
			case 0:
				id = held[(b * PER_BATCH + i) % PD_DOCFS_MAX_FNODES] +
				     PD_DOCFS_SLOTS * (1 + i % 3);
				break;
			case 1:
				id = i % 2 ? FUSE_ROOT_ID : 0;
				break;
			case 2:
				id = old;
				break;
			case 3:
				id = UINT64_MAX - i;
				break;
			}
			one[i] = (struct fuse_forget_one){.nodeid = id, .nlookup = 1 + i};
		}
		batch_forget(one, PER_BATCH);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t examined = fs->stats.examined - before;
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("%u BATCH_FORGETs of %u unknown ids, %u nodes held: %llu nodes examined, "
		      "%.2f ms\n",
		      BATCHES, PER_BATCH, fs->n_nodes, (unsigned long long)examined, ms);
	/* At most one node per id (a scan would look at all 4098 per id). */
	assert_true(examined <= (uint64_t)BATCHES * PER_BATCH);
	/* Nothing was forgotten. */
	assert_int_equal(fs->n_fnodes, PD_DOCFS_MAX_FNODES);
	assert_int_equal(fake_open, PD_DOCFS_MAX_FNODES);
	for (unsigned i = 0; i < PD_DOCFS_MAX_FNODES; i++)
		assert_int_equal(getattr(held[i]), 0);
	/* The held ids are still forgotten by id, each looking at one node. */
	before = fs->stats.examined;
	for (unsigned b = 0; b < PD_DOCFS_MAX_FNODES / PER_BATCH + 1; b++) {
		unsigned n = 0;
		for (unsigned i = b * PER_BATCH; i < PD_DOCFS_MAX_FNODES && n < PER_BATCH; i++)
			one[n++] = (struct fuse_forget_one){.nodeid = held[i], .nlookup = 1};
		if (n > 0)
			batch_forget(one, n);
	}
	assert_true(fs->stats.examined - before <= PD_DOCFS_MAX_FNODES);
	assert_int_equal(fs->n_fnodes, 0);
	assert_int_equal(fake_open, 0);
	assert_int_equal(getattr(held[0]), -ENOENT);
	assert_int_equal(getattr(top), 0);
}

/* A new folder name in dir, granted read-only and in the table. */
static struct pd_grant *new_folder(const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	struct pd_grant *g = NULL;
	const char *why = NULL;
	assert_int_equal(pd_docio_grant_folder(path, PROTO_PERM_READ, 1, &g, &why), 0);
	assert_int_equal(pd_grants_add(&grants, g), 0);
	return g;
}

/* LOOKUPs of n names "<prefix><i>" under parent (or of the first grant's
 * directory in the root when prefix is NULL), each answering want. */
static void lookups(uint64_t parent, const char *prefix, unsigned n, int want)
{
	char name[32];
	struct fuse_entry_out e;
	snprintf(name, sizeof(name), "%016llx", (unsigned long long)grants.v[0]->id);
	for (unsigned i = 0; i < n; i++) {
		if (prefix)
			snprintf(name, sizeof(name), "%s%u", prefix, i);
		assert_int_equal(lookup(parent, name, &e), want);
	}
}

/* What LOOKUPs look at, with 4096 nodes held: a few index entries each. */
static void test_lookup_flood(void **state)
{
	(void)state;
	uint64_t top = folder_node();
	uint64_t before = fs->stats.examined;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lookups(top, "f", PD_DOCFS_MAX_FNODES, 0);	     /* new nodes, up to the cap */
	lookups(top, "f", PD_DOCFS_MAX_FNODES, 0);	     /* the same nodes again */
	lookups(top, "new", PD_DOCFS_MAX_FNODES, -ENFILE);   /* beyond the cap */
	lookups(FUSE_ROOT_ID, NULL, PD_DOCFS_MAX_FNODES, 0); /* the document's directory */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t examined = fs->stats.examined - before;
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("%u LOOKUPs, up to %u nodes held: %llu nodes and index entries examined, "
		      "%.2f ms\n",
		      4 * PD_DOCFS_MAX_FNODES, fs->n_nodes, (unsigned long long)examined, ms);
	assert_int_equal(fs->n_fnodes, PD_DOCFS_MAX_FNODES);
	assert_int_equal(fake_open, PD_DOCFS_MAX_FNODES);
	/* Each LOOKUP: its parent by id (one), then the index of what the
	 * child is: 3 entries on average at most (a scan: 4098 each). */
	assert_true(examined <= 4ull * 4 * PD_DOCFS_MAX_FNODES);

	/* A grant gone untold: the next LOOKUP at the cap goes through the
	 * nodes once (none of them its), the ones after it do not. */
	struct pd_grant *g = new_folder("other");
	pd_docio_free(pd_grants_take(&grants, g->id));
	before = fs->stats.examined;
	lookups(top, "gone", 1, -ENFILE);
	assert_true(fs->stats.examined - before >= fs->n_nodes);
	before = fs->stats.examined;
	lookups(top, "again", PD_DOCFS_MAX_FNODES, -ENFILE);
	assert_true(fs->stats.examined - before <= 4ull * PD_DOCFS_MAX_FNODES);
	assert_true(pd_docfs_consistent(fs));
	/* Every node's lookups forgotten: all gone, their descriptors closed. */
	struct fuse_entry_out e;
	for (unsigned i = 0; i < PD_DOCFS_MAX_FNODES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%u", i);
		assert_int_equal(lookup(top, name, &e), 0);
		struct fuse_forget_in fi = {.nlookup = 3};
		assert_int_equal(serve(FUSE_FORGET, e.nodeid, &fi, sizeof(fi), 4096), 0);
	}
	assert_int_equal(fs->n_fnodes, 0);
	assert_int_equal(fake_open, 0);
	assert_true(pd_docfs_consistent(fs));
}

/* A file document of the first grant (ENTRY_OPEN): the guest opens and
 * closes them at will; the document device never shows them. */
static struct pd_grant *file_doc(void)
{
	struct pd_grant *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dirfd = f->fd = f->stage.fd = -1;
	f->parent = grants.v[0]->id;
	assert_int_equal(pd_grants_add(&grants, f), 0);
	return f;
}

/* A LOOKUP of each file "f<i>" below top, then a GETATTR of its node. */
static void touch_files(uint64_t top)
{
	for (unsigned i = 0; i < PD_DOCFS_MAX_FNODES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%u", i);
		struct fuse_entry_out e;
		assert_int_equal(lookup(top, name, &e), 0);
		assert_int_equal(getattr(e.nodeid), 0);
	}
}

/* The nodes of a folder granted after file documents the guest holds,
 * 4096 up to the cap: file documents closed two at a time (a grant gone
 * from the table each), each time a LOOKUP at the cap. Each node's grant
 * is found a few places before where it was last seen, not by searching
 * the grant table from its start; a file document gone makes no LOOKUP
 * go through the nodes (the device never shows one, so it had no node). */
static void test_sweep_after_file_docs(void **state)
{
	(void)state;
	assert_int_equal(fs->n_fnodes, 0);
	for (unsigned i = 0; i < FILE_DOCS; i++)
		file_doc();
	uint64_t top = folder_node_of(new_folder("later"), "later");
	/* New nodes know where their grant is: a GETATTR of each does not
	 * search the table for it. */
	uint64_t steps = fs->stats.grant_steps;
	touch_files(top);
	steps = fs->stats.grant_steps - steps;
	print_message("%u LOOKUPs and GETATTRs of new nodes behind %u file documents: %llu grant "
		      "table entries\n",
		      PD_DOCFS_MAX_FNODES, FILE_DOCS, (unsigned long long)steps);
	assert_int_equal(fs->n_fnodes, PD_DOCFS_MAX_FNODES);
	assert_true(steps <= 4ull * PD_DOCFS_MAX_FNODES);

	uint64_t examined = fs->stats.examined;
	steps = fs->stats.grant_steps;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned r = 0; r < ROUNDS; r++) {
		pd_docio_free(pd_grants_take(&grants, grants.v[1]->id));
		pd_docio_free(pd_grants_take(&grants, grants.v[1]->id));
		lookups(top, "gone", 1, -ENFILE);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	steps = fs->stats.grant_steps - steps;
	examined = fs->stats.examined - examined;
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("%u rounds of 2 file documents closed and a LOOKUP at the cap, %u nodes "
		      "held: %llu grant table entries, %llu nodes and index entries examined, "
		      "%.2f ms\n",
		      ROUNDS, fs->n_nodes, (unsigned long long)steps, (unsigned long long)examined,
		      ms);
	/* A few grant table entries per LOOKUP: no node is swept. */
	assert_true(steps <= 8ull * ROUNDS);
	assert_true(examined <= 8ull * ROUNDS);
	assert_true(pd_docfs_consistent(fs));

	/* One more file document, after the folder's grant; each node sees
	 * where its grant is now (a GETATTR each); then two grants before it
	 * go untold, the first folder and a file document:
	 * one LOOKUP at the cap goes through the nodes, each finding its
	 * grant two places before where it saw it, not searching the table
	 * from its start (~240 entries each). */
	file_doc();
	touch_files(top);
	pd_docio_free(pd_grants_take(&grants, grants.v[0]->id));
	pd_docio_free(pd_grants_take(&grants, grants.v[0]->id));
	steps = fs->stats.grant_steps;
	lookups(top, "gone", 1, -ENFILE);
	steps = fs->stats.grant_steps - steps;
	print_message("two grants before them gone, a LOOKUP at the cap: %llu grant table "
		      "entries for %u nodes\n",
		      (unsigned long long)steps, fs->n_nodes);
	assert_true(steps <= 4ull * fs->n_nodes);
	assert_true(pd_docfs_consistent(fs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flood),
	    cmocka_unit_test(test_lookup_flood),
	    cmocka_unit_test(test_sweep_after_file_docs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
