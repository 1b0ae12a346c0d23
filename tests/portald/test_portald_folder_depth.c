/* Depth below a writable folder grant of appvm-portald against a hostile
 * guest that moves folders: two 255-deep chains, one moved under the
 * other's bottom, are refused and the tree on disk stays at most 256 deep;
 * small folders still move anywhere that fits and deep ones shallower;
 * nodes held below a moved folder (by any connection) count from where it
 * is now; the walk of a folder moved to another depth is bounded (one
 * folder too many: refused, nothing moved, nothing lost); symbolic links
 * in it are not followed; a refused move leaves no descriptor open; what
 * must fail (NOREPLACE onto a name, into itself) fails before any walk; a
 * folder too big to walk moved shallower carries the nodes held in it; and
 * with two writable grants, one inside the other, no move through either
 * lets the guest build more than 256 below the grant it acts through, nor
 * raise a grant's limit by moving its folder (through itself too). */
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

#include "folder_util.h"

/* The limits docs/portal.md gives. */
#define PD_MAX_DEPTH	 256u
#define PD_MAX_MOVE_DIRS 4096u

static struct pdh h;

static int start(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "1000", "--dialog-interval", "1ms",
					    "--folder-writable", NULL});
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	return 0;
}

/* A new folder `name` of the test's home, granted writable to a new guest
 * connection; its path in share. */
static uint64_t granted(struct pdh_conn *c, const char *name, char share[1024])
{
	snprintf(share, 1024, "%s", pdh_path(&h, name));
	assert_int_equal(mkdir(share, 0755), 0);
	pdh_open_caps(&h, c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
	return fu_grant(&h, c, share, PROTO_PERM_READ | PROTO_PERM_WRITE);
}

/* On the host: n folders "z", each in the one before, in folder path. */
static void host_chain(const char *path, unsigned n)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(mkdirat(fd, "z", 0755), 0);
		int next = openat(fd, "z", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
}

/* On the host: how many levels of folders are below folder fd (closed). */
static unsigned height_fd(int fd)
{
	DIR *d = fdopendir(fd);
	assert_non_null(d);
	unsigned h_max = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int c =
		    openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		assert_true(c >= 0);
		unsigned x = 1 + height_fd(c);
		h_max = x > h_max ? x : h_max;
	}
	closedir(d);
	return h_max;
}

static unsigned height(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	return height_fd(fd);
}

/* On the host: the folders directly in path. */
static unsigned count_dirs(const char *path)
{
	DIR *d = opendir(path);
	assert_non_null(d);
	unsigned n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void forget(struct pdh_conn *c, uint64_t doc, uint64_t node)
{
	struct proto_msg m, r;
	pdh_entry_req(&m, PROTO_ENTRY_FORGET, doc, node, NULL, 1);
	assert_int_equal(pdh_call(c, &m, &r), 0);
}

/* ENTRY_MKDIR; its error code (0 with *ret_node set). */
static uint32_t g_mkdir(struct pdh_conn *c, uint64_t doc, uint64_t dir, const char *name,
			uint64_t *ret_node)
{
	struct proto_msg m, r;
	pdh_entry_req(&m, PROTO_ENTRY_MKDIR, doc, dir, name, 0);
	uint32_t code = pdh_call(c, &m, &r);
	if (!code && ret_node)
		*ret_node = r.u.entry.node;
	else if (!code)
		forget(c, doc, r.u.entry.node);
	return code;
}

/* The guest goes n folders "z" down from node (made with make, else looked
 * up), giving each one above back; returns the bottom's node (held). */
static uint64_t g_down(struct pdh_conn *c, uint64_t doc, uint64_t node, unsigned n, bool make)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t child;
		if (make)
			assert_int_equal(g_mkdir(c, doc, node, "z", &child), 0);
		else
			child = fu_dir(c, doc, node, "z");
		if (i > 0)
			forget(c, doc, node);
		node = child;
	}
	return node;
}

static uint32_t g_rename(struct pdh_conn *c, uint64_t doc, uint64_t dir, const char *name,
			 uint64_t new_dir, const char *new_name, char why[300])
{
	return fu_rename(c, doc, dir, name, new_dir, new_name, 0, why);
}

static void test_two_chains(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	uint64_t a, b, e, f, node;
	uint64_t doc = granted(&c, "chains", share);
	/* Two chains of 255 folders, made by the guest. */
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "a", &a), 0);
	uint64_t a255 = g_down(&c, doc, a, PD_MAX_DEPTH - 2, true);
	forget(&c, doc, a);
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "b", &b), 0);
	forget(&c, doc, g_down(&c, doc, b, PD_MAX_DEPTH - 2, true));
	forget(&c, doc, b);
	assert_int_equal(height(share), PD_MAX_DEPTH - 1);
	unsigned fds = pdh_fds_under(&h, share);
	/* One under the other's bottom would be 510 deep: refused. */
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "b", a255, "b", why), PROTO_ERR_LIMIT);
	assert_non_null(strstr(why, "too deep"));
	assert_int_equal(pdh_fds_under(&h, share), fds);
	/* So is one folder in another (257), and anything under the 256th. */
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "f", &f), 0);
	assert_int_equal(g_mkdir(&c, doc, f, "g", NULL), 0);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "f", a255, "f", why), PROTO_ERR_LIMIT);
	/* An empty folder fits there (256), a file under it too, nothing more. */
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "e", &e), 0);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "e", a255, "e", why), 0);
	assert_int_equal(g_mkdir(&c, doc, e, "x", NULL), PROTO_ERR_LIMIT);
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "h", NULL), 0);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "h", e, "h", why), PROTO_ERR_LIMIT);
	assert_non_null(strstr(why, "too deep"));
	pdh_write(fu_at(share, "file.txt"), "text", 0644);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "file.txt", e, "file.txt", why), 0);
	/* Nothing on disk is deeper than the limit (e is at it); the refused
	 * stayed where they were. */
	assert_int_equal(height(share), PD_MAX_DEPTH);
	assert_int_equal(height(fu_at(share, "b")), PD_MAX_DEPTH - 2);
	assert_int_equal(height(fu_at(share, "f")), 1);
	/* The same chain moved to the same depth (renamed) needs no room. */
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "b", PROTO_ROOT_NODE, "b2", why), 0);
	assert_int_equal(height(fu_at(share, "b2")), PD_MAX_DEPTH - 2);
	/* Refused again from another place just as deep (a held node of b2's
	 * bottom 255 deep). */
	node = g_down(&c, doc, fu_dir(&c, doc, PROTO_ROOT_NODE, "b2"), PD_MAX_DEPTH - 2, false);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "f", node, "f", why), PROTO_ERR_LIMIT);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "b2", a255, "b", why), PROTO_ERR_LIMIT);
	assert_int_equal(height(share), PD_MAX_DEPTH);
	pdh_close(&c);
}

static void test_legit_moves(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	uint64_t p, q;
	uint64_t doc = granted(&c, "legit", share);
	assert_int_equal(mkdir(fu_at(share, "s"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "s/t"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "s/t/u"), 0755), 0);
	pdh_write(fu_at(share, "s/t/note"), "kept", 0644);
	assert_int_equal(mkdir(fu_at(share, "dst"), 0755), 0);
	/* A small folder into a sibling, and back. */
	uint64_t dst = fu_dir(&c, doc, PROTO_ROOT_NODE, "dst");
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "s", dst, "s", why), 0);
	assert_string_equal(pdh_read(fu_at(share, "dst/s/t/note")), "kept");
	assert_int_equal(height(fu_at(share, "dst/s")), 2);
	assert_int_equal(g_rename(&c, doc, dst, "s", PROTO_ROOT_NODE, "s", why), 0);
	assert_string_equal(pdh_read(fu_at(share, "s/t/note")), "kept");
	/* A deep folder moved shallower: q at 201 with 50 below, to the top. */
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "p", &p), 0);
	uint64_t p200 = g_down(&c, doc, p, 199, true);
	forget(&c, doc, p);
	assert_int_equal(g_mkdir(&c, doc, p200, "q", &q), 0);
	uint64_t bottom = g_down(&c, doc, q, 50, true); /* 251 */
	forget(&c, doc, q);
	assert_int_equal(g_rename(&c, doc, p200, "q", PROTO_ROOT_NODE, "q", why), 0);
	assert_int_equal(height(fu_at(share, "q")), 50);
	/* Its bottom is 51 deep now: 205 more folders fit below, not 206. */
	uint64_t last = g_down(&c, doc, bottom, PD_MAX_DEPTH - 51, true);
	assert_int_equal(g_mkdir(&c, doc, last, "z", NULL), PROTO_ERR_LIMIT);
	assert_int_equal(height(share), PD_MAX_DEPTH);
	pdh_close(&c);
}

static void test_held_nodes_follow(void **state)
{
	(void)state;
	struct pdh_conn c, c2;
	char share[1024], why[300];
	uint64_t m, n, d;
	uint64_t doc = granted(&c, "held", share);
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "m", &m), 0);
	assert_int_equal(g_mkdir(&c, doc, m, "n", &n), 0); /* depth 2 */
	/* Another connection holds the same folder. */
	pdh_open_caps(&h, &c2, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
	uint64_t m2 = fu_dir(&c2, doc, PROTO_ROOT_NODE, "m");
	uint64_t n2 = fu_dir(&c2, doc, m2, "n");
	/* m moves under a folder 250 deep: n is 252 deep from now on. */
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "deep", &d), 0);
	uint64_t d250 = g_down(&c, doc, d, 249, true);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "m", d250, "m", why), 0);
	uint64_t last = g_down(&c, doc, n, PD_MAX_DEPTH - 252, true);
	assert_int_equal(g_mkdir(&c, doc, last, "z", NULL), PROTO_ERR_LIMIT);
	assert_int_equal(height(share), PD_MAX_DEPTH);
	/* The other connection's node moved too: it finds the four below it,
	 * and nothing may be made under the last. */
	uint64_t last2 = g_down(&c2, doc, n2, PD_MAX_DEPTH - 252, false);
	assert_int_equal(g_mkdir(&c2, doc, last2, "y", NULL), PROTO_ERR_LIMIT);
	assert_int_equal(fu_lookup(&c2, doc, n2, "z", NULL), 0);
	/* And m moved back up: n is 2 deep again for both. */
	assert_int_equal(g_rename(&c, doc, d250, "m", PROTO_ROOT_NODE, "m", why), 0);
	assert_int_equal(g_mkdir(&c2, doc, last2, "y", NULL), 0);
	pdh_close(&c2);
	pdh_close(&c);
}

static void test_walk_bound(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300], name[32];
	uint64_t doc = granted(&c, "bound", share);
	/* big holds PD_MAX_MOVE_DIRS folders with itself. */
	assert_int_equal(mkdir(fu_at(share, "big"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "into"), 0755), 0);
	for (unsigned i = 0; i + 1 < PD_MAX_MOVE_DIRS; i++) {
		snprintf(name, sizeof(name), "big/d%u", i);
		assert_int_equal(mkdir(fu_at(share, name), 0755), 0);
	}
	pdh_write(fu_at(share, "big/d7/file"), "content", 0644);
	uint64_t into = fu_dir(&c, doc, PROTO_ROOT_NODE, "into");
	unsigned fds = pdh_fds_under(&h, share);
	/* At the bound: moved, deeper and back. */
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "big", into, "big", why), 0);
	assert_int_equal(count_dirs(fu_at(share, "into/big")), PD_MAX_MOVE_DIRS - 1);
	assert_int_equal(g_rename(&c, doc, into, "big", PROTO_ROOT_NODE, "big", why), 0);
	/* One folder more: refused, nothing moved, nothing lost. */
	assert_int_equal(mkdir(fu_at(share, "big/one-more"), 0755), 0);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "big", into, "big", why),
			 PROTO_ERR_TOO_BIG);
	assert_non_null(strstr(why, "too many folders"));
	assert_int_equal(count_dirs(fu_at(share, "big")), PD_MAX_MOVE_DIRS);
	assert_string_equal(pdh_read(fu_at(share, "big/d7/file")), "content");
	assert_int_equal(count_dirs(fu_at(share, "into")), 0);
	assert_int_equal(pdh_fds_under(&h, share), fds);
	/* Renamed at the same depth: no walk, no bound. */
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "big", PROTO_ROOT_NODE, "big2", why),
			 0);
	/* What must fail fails before the walk: onto an existing name with
	 * NOREPLACE, into itself, onto a file. */
	assert_int_equal(mkdir(fu_at(share, "into/taken"), 0755), 0);
	assert_int_equal(
	    fu_rename(&c, doc, PROTO_ROOT_NODE, "big2", into, "taken", PROTO_RENAME_NOREPLACE, why),
	    PROTO_ERR_EXISTS);
	pdh_write(fu_at(share, "into/file"), "f", 0644);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "big2", into, "file", why),
			 PROTO_ERR_NOT_DIR);
	uint64_t b2 = fu_dir(&c, doc, PROTO_ROOT_NODE, "big2");
	uint64_t d0 = fu_dir(&c, doc, b2, "d0");
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "big2", d0, "big2", why), PROTO_ERR_IO);
	assert_non_null(strstr(why, "into itself"));
	forget(&c, doc, d0);
	forget(&c, doc, b2);
	assert_int_equal(count_dirs(fu_at(share, "big2")), PD_MAX_MOVE_DIRS);
	/* Moved shallower with no node held below it: no walk, no bound. */
	assert_int_equal(rename(fu_at(share, "big2"), fu_at(share, "into/big2")), 0);
	assert_int_equal(g_rename(&c, doc, into, "big2", PROTO_ROOT_NODE, "big2", why), 0);
	assert_int_equal(count_dirs(fu_at(share, "big2")), PD_MAX_MOVE_DIRS);
	pdh_close(&c);
}

/* A folder too big to walk whole moves shallower with nodes held in it:
 * they follow (found from below, no walk). */
static void test_shallower_held(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300], name[32];
	uint64_t doc = granted(&c, "shallow", share);
	assert_int_equal(mkdir(fu_at(share, "into"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "into/big"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "into/big/many"), 0755), 0);
	assert_int_equal(mkdir(fu_at(share, "into/big/x"), 0755), 0);
	for (unsigned i = 0; i < PD_MAX_MOVE_DIRS; i++) {
		snprintf(name, sizeof(name), "into/big/many/d%u", i);
		assert_int_equal(mkdir(fu_at(share, name), 0755), 0);
	}
	uint64_t into = fu_dir(&c, doc, PROTO_ROOT_NODE, "into");
	uint64_t big = fu_dir(&c, doc, into, "big");
	uint64_t x = fu_dir(&c, doc, big, "x"); /* 3 deep */
	assert_int_equal(g_rename(&c, doc, into, "big", PROTO_ROOT_NODE, "big", why), 0);
	/* x is 2 deep now: 254 levels fit below it, not 255; big (held) is 1. */
	uint64_t last = g_down(&c, doc, x, PD_MAX_DEPTH - 2, true);
	assert_int_equal(g_mkdir(&c, doc, last, "z", NULL), PROTO_ERR_LIMIT);
	assert_int_equal(height(fu_at(share, "big/x")), PD_MAX_DEPTH - 2);
	forget(&c, doc, last);
	/* big's own node follows too: 255 levels fit below it. */
	uint64_t y;
	assert_int_equal(g_mkdir(&c, doc, big, "y", &y), 0);
	last = g_down(&c, doc, y, PD_MAX_DEPTH - 2, true);
	assert_int_equal(g_mkdir(&c, doc, last, "z", NULL), PROTO_ERR_LIMIT);
	pdh_close(&c);
}

static void test_links_and_host_trees(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	uint64_t doc = granted(&c, "links", share);
	/* A symbolic link to a deep chain is no folder of the moved one. */
	assert_int_equal(mkdir(fu_at(share, "chain"), 0755), 0);
	host_chain(fu_at(share, "chain"), PD_MAX_DEPTH - 1);
	assert_int_equal(mkdir(fu_at(share, "l"), 0755), 0);
	assert_int_equal(symlink("../chain", fu_at(share, "l/link")), 0);
	uint64_t c1 = fu_dir(&c, doc, PROTO_ROOT_NODE, "chain");
	uint64_t c200 = g_down(&c, doc, c1, 199, false);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "l", c200, "l", why), 0);
	/* A tree the host user made too deep moves at its depth, not deeper. */
	assert_int_equal(mkdir(fu_at(share, "hdeep"), 0755), 0);
	host_chain(fu_at(share, "hdeep"), PD_MAX_DEPTH + 40);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "hdeep", c1, "hdeep", why),
			 PROTO_ERR_LIMIT);
	assert_int_equal(g_rename(&c, doc, PROTO_ROOT_NODE, "hdeep", PROTO_ROOT_NODE, "h2", why),
			 0);
	assert_int_equal(height(fu_at(share, "h2")), PD_MAX_DEPTH + 40);
	pdh_close(&c);
}

/* How many folders the guest can make through grant doc, `name` in node
 * and "z" in each one below, before LIMIT; gives their nodes back. */
static unsigned g_room(struct pdh_conn *c, uint64_t doc, uint64_t node, const char *name)
{
	unsigned n = 0;
	uint64_t at = node, child;
	while (n < 600 && g_mkdir(c, doc, at, n ? "z" : name, &child) == 0) {
		if (at != node)
			forget(c, doc, at);
		at = child;
		n++;
	}
	assert_int_equal(g_mkdir(c, doc, at, n ? "z" : name, NULL), PROTO_ERR_LIMIT);
	if (at != node)
		forget(c, doc, at);
	return n;
}

/* The guest makes n folders "z", each in the one before, below node,
 * holding a node on every one (the bottom's returned). */
static uint64_t g_down_held(struct pdh_conn *c, uint64_t doc, uint64_t node, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(g_mkdir(c, doc, node, "z", &node), 0);
	return node;
}

/* A folder moved shallower with nodes held deep in it: each node costs a
 * check of as many levels up as it is below the folder; past 2^16 in all,
 * TOO_BIG (the guest copies), nothing moved; with fewer, the nodes follow. */
static void test_shallower_bound(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300], name[8];
	uint64_t p, x, bottom[3];
	uint64_t doc = granted(&c, "upbound", share);
	assert_int_equal(g_mkdir(&c, doc, PROTO_ROOT_NODE, "p", &p), 0);
	assert_int_equal(g_mkdir(&c, doc, p, "x", &x), 0); /* 2 deep */
	/* Three chains of 254 below x, to 256 deep, every folder held: 3 x
	 * (1 + ... + 254) levels up, and x itself. */
	for (unsigned k = 0; k < 3; k++) {
		uint64_t top;
		snprintf(name, sizeof(name), "c%u", k);
		assert_int_equal(g_mkdir(&c, doc, x, name, &top), 0);
		bottom[k] = g_down_held(&c, doc, top, PD_MAX_DEPTH - 3);
		assert_int_equal(g_mkdir(&c, doc, bottom[k], "z", NULL), PROTO_ERR_LIMIT);
	}
	assert_int_equal(g_rename(&c, doc, p, "x", PROTO_ROOT_NODE, "x", why), PROTO_ERR_TOO_BIG);
	assert_non_null(strstr(why, "held deep"));
	assert_int_equal(height(fu_at(share, "p")), PD_MAX_DEPTH - 1);
	/* The connection's nodes go with it: 2 chains held by another one, 64771
	 * levels up: moved, and its nodes are a level shallower. */
	pdh_close(&c);
	pdh_open_caps(&h, &c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
	x = fu_dir(&c, doc, fu_dir(&c, doc, PROTO_ROOT_NODE, "p"), "x");
	for (unsigned k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "c%u", k);
		bottom[k] = fu_dir(&c, doc, x, name);
		for (unsigned i = 0; i < PD_MAX_DEPTH - 3; i++)
			bottom[k] = fu_dir(&c, doc, bottom[k], "z");
	}
	p = fu_dir(&c, doc, PROTO_ROOT_NODE, "p");
	assert_int_equal(g_rename(&c, doc, p, "x", PROTO_ROOT_NODE, "x", why), 0);
	assert_int_equal(g_room(&c, doc, bottom[0], "z"), 1);
	assert_int_equal(g_room(&c, doc, bottom[1], "z"), 1);
	pdh_close(&c);
}

/* On the host: the folders rels (NULL-terminated, parents first) in share. */
static void host_dirs(const char *share, const char *const *rels)
{
	for (; *rels; rels++)
		assert_int_equal(mkdir(fu_at(share, *rels), 0755), 0);
}

/* The folder rel of share granted writable to connection c too. */
static uint64_t granted_in(struct pdh_conn *c, const char *share, const char *rel)
{
	return fu_grant(&h, c, fu_at(share, rel), PROTO_PERM_READ | PROTO_PERM_WRITE);
}

/* A new folder `name` (its path in share) with the folders rels made in
 * it on the host, granted writable to a new connection c (returned), and
 * its folder inner granted writable too (*ret_inner). */
static uint64_t nested_grants(struct pdh_conn *c, const char *name, const char *const *rels,
			      const char *inner, char share[1024], uint64_t *ret_inner)
{
	uint64_t a = granted(c, name, share);
	host_dirs(share, rels);
	*ret_inner = granted_in(c, share, inner);
	return a;
}

/* Two writable folder grants, one inside the other (b, one below the
 * outer). A folder p made through the inner grant is moved through the
 * outer one to 255 below it, then built on through the inner one: its
 * depth moved with it, so only 2 more levels fit (256 below the inner
 * grant's folder), not 255 (the tree 510 deep below the outer one). */
static void test_nested_attack(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	uint64_t p, d, f, g, b;
	uint64_t a = nested_grants(&c, "nest", (const char *const[]){"b", NULL}, "b", share, &b);
	assert_int_equal(g_mkdir(&c, b, PROTO_ROOT_NODE, "p", &p), 0);
	assert_int_equal(g_mkdir(&c, a, PROTO_ROOT_NODE, "deep", &d), 0);
	uint64_t d254 = g_down(&c, a, d, PD_MAX_DEPTH - 3, true);
	uint64_t ba = fu_dir(&c, a, PROTO_ROOT_NODE, "b");
	assert_int_equal(g_rename(&c, a, ba, "p", d254, "p", why), 0);
	assert_int_equal(g_room(&c, b, p, "z"), 2);
	assert_int_equal(height(share), PD_MAX_DEPTH + 1);
	/* Nor does a folder with two levels in it move there through b. */
	assert_int_equal(g_mkdir(&c, b, PROTO_ROOT_NODE, "f", &f), 0);
	assert_int_equal(g_mkdir(&c, b, f, "g", &g), 0);
	assert_int_equal(g_mkdir(&c, b, g, "h", NULL), 0);
	assert_int_equal(g_rename(&c, b, PROTO_ROOT_NODE, "f", p, "f", why), PROTO_ERR_LIMIT);
	assert_non_null(strstr(why, "too deep"));
	/* One level less fits (f at 255 below b's folder, h at 256). */
	assert_int_equal(fu_rename(&c, b, g, "h", PROTO_ROOT_NODE, "h", 0, why), 0);
	assert_int_equal(g_rename(&c, b, PROTO_ROOT_NODE, "f", p, "f", why), 0);
	assert_int_equal(height(share), PD_MAX_DEPTH + 1);
	/* Through the outer grant, nothing below its 256th level is reached. */
	assert_int_equal(fu_lookup(&c, a, d254, "p", NULL), 0);
	pdh_close(&c);
}

/* A folder made through the inner grant (3 below the outer one's folder)
 * moved through the outer one to the top, above the inner grant's folder:
 * through the inner grant it is 2 levels above its folder, so 258 levels
 * fit below it, and nothing ends more than 256 below the inner folder. */
static void test_nested_moved_out(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	uint64_t p, b;
	uint64_t a = nested_grants(&c, "nestout", (const char *const[]){"x", "x/y", "x/y/b", NULL},
				   "x/y/b", share, &b);
	assert_int_equal(g_mkdir(&c, b, PROTO_ROOT_NODE, "p", &p), 0);
	uint64_t x = fu_dir(&c, a, PROTO_ROOT_NODE, "x");
	uint64_t y = fu_dir(&c, a, x, "y");
	uint64_t ba = fu_dir(&c, a, y, "b");
	assert_int_equal(g_rename(&c, a, ba, "p", PROTO_ROOT_NODE, "p", why), 0);
	assert_int_equal(g_room(&c, b, p, "z"), PD_MAX_DEPTH + 2);
	assert_int_equal(height(share), PD_MAX_DEPTH + 3);
	assert_int_equal(height(fu_at(share, "p")), PD_MAX_DEPTH + 2);
	/* Moved back in through the outer grant, p's chain is too tall to go. */
	assert_int_equal(g_rename(&c, a, PROTO_ROOT_NODE, "p", ba, "p", why), PROTO_ERR_LIMIT);
	pdh_close(&c);
}

/* Nodes of both grants held on folders a move through either carries
 * follow it: deeper and back through the outer grant, the inner grant's
 * own folder moved through the outer one, a move through the inner grant,
 * and after the outer grant is given up (DOC_CLOSE). */
static void test_nested_held(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	uint64_t d;
	uint64_t a = granted(&c, "nestheld", share);
	host_dirs(share, (const char *const[]){"b", "b/m", "b/m/n", "c", NULL});
	uint64_t b = granted_in(&c, share, "b");
	uint64_t cg = granted_in(&c, share, "c");
	uint64_t mb = fu_dir(&c, b, PROTO_ROOT_NODE, "m");
	uint64_t nb = fu_dir(&c, b, mb, "n"); /* 2 below b, 3 below a */
	uint64_t ba = fu_dir(&c, a, PROTO_ROOT_NODE, "b");
	uint64_t na = fu_dir(&c, a, fu_dir(&c, a, ba, "m"), "n");
	assert_int_equal(g_mkdir(&c, a, PROTO_ROOT_NODE, "deep", &d), 0);
	uint64_t d200 = g_down(&c, a, d, 199, true);
	/* m to 201 below a: n is 202 below a, 201 below b's folder. */
	assert_int_equal(g_rename(&c, a, ba, "m", d200, "m", why), 0);
	assert_int_equal(g_room(&c, b, nb, "r1"), PD_MAX_DEPTH - 201);
	assert_int_equal(g_room(&c, a, na, "r2"), PD_MAX_DEPTH - 202);
	/* And back: n is 2 below b again. */
	assert_int_equal(g_rename(&c, a, d200, "m", ba, "m", why), 0);
	assert_int_equal(g_room(&c, b, nb, "r3"), PD_MAX_DEPTH - 2);
	/* The folder of grant c moved through a to 201 below a: its limit stays
	 * where it was granted (257 below a), so 56 levels fit below it there,
	 * and its depth follows it back. */
	assert_int_equal(g_rename(&c, a, PROTO_ROOT_NODE, "c", d200, "c", why), 0);
	assert_int_equal(g_room(&c, cg, PROTO_ROOT_NODE, "s1"), PD_MAX_DEPTH - 200);
	assert_int_equal(g_rename(&c, a, d200, "c", PROTO_ROOT_NODE, "c", why), 0);
	assert_int_equal(height(fu_at(share, "c")), PD_MAX_DEPTH - 200);
	assert_int_equal(g_room(&c, cg, PROTO_ROOT_NODE, "s2"), PD_MAX_DEPTH);
	/* Through b, n moved to b's top: 1 below b, 2 below a. */
	assert_int_equal(g_rename(&c, b, mb, "n", PROTO_ROOT_NODE, "n", why), 0);
	assert_int_equal(g_room(&c, a, na, "r4"), PD_MAX_DEPTH - 2);
	/* a given up: b's nodes stay exact, moves through b still follow. */
	assert_int_equal(fu_doc(&c, PROTO_DOC_CLOSE, a, NULL), 0);
	assert_int_equal(g_room(&c, b, nb, "r5"), PD_MAX_DEPTH - 1);
	assert_int_equal(g_rename(&c, b, PROTO_ROOT_NODE, "n", mb, "n", why), PROTO_ERR_LIMIT);
	assert_int_equal(g_rename(&c, b, PROTO_ROOT_NODE, "m", nb, "m", why), 0);
	assert_int_equal(g_room(&c, b, mb, "r6"), PD_MAX_DEPTH - 2);
	assert_int_equal(height(share), PD_MAX_DEPTH + 1);
	pdh_close(&c);
}

/* The inner grant's own folder moved through that grant, by a node it
 * holds above it: its limit does not move along. Through b, p made (a+2);
 * through a, p moved to a's top (b's node p now a+1, above b's folder) and
 * the empty b moved into p (b's folder a+2); through b, 256 levels made
 * below p (to a+257, b's limit); through b, b moved into the bottom one
 * would raise b's limit, again and again: refused, and one level up it
 * moves but nothing fits below it. The tree stays 257 below a. */
static void test_nested_self_move(void **state)
{
	(void)state;
	struct pdh_conn c;
	char share[1024], why[300];
	uint64_t pb, b;
	uint64_t a =
	    nested_grants(&c, "nestself", (const char *const[]){"b", NULL}, "b", share, &b);
	assert_int_equal(g_mkdir(&c, b, PROTO_ROOT_NODE, "p", &pb), 0);
	uint64_t ba = fu_dir(&c, a, PROTO_ROOT_NODE, "b");
	assert_int_equal(g_rename(&c, a, ba, "p", PROTO_ROOT_NODE, "p", why), 0);
	forget(&c, a, ba);
	uint64_t pa = fu_dir(&c, a, PROTO_ROOT_NODE, "p");
	assert_int_equal(g_rename(&c, a, PROTO_ROOT_NODE, "b", pa, "b", why), 0);
	uint64_t y = g_down(&c, b, pb, PD_MAX_DEPTH, true);
	assert_int_equal(g_mkdir(&c, b, y, "z", NULL), PROTO_ERR_LIMIT);
	assert_int_equal(g_rename(&c, b, pb, "b", y, "b", why), PROTO_ERR_LIMIT);
	assert_non_null(strstr(why, "too deep"));
	assert_int_equal(fu_lookup(&c, a, pa, "b", NULL), 0);
	/* Into the folder above the bottom one: b's folder at its limit. */
	uint64_t up = g_down(&c, b, pb, PD_MAX_DEPTH - 1, false);
	assert_int_equal(g_rename(&c, b, pb, "b", up, "b", why), 0);
	assert_int_equal(g_room(&c, b, PROTO_ROOT_NODE, "q"), 0);
	assert_int_equal(g_rename(&c, b, up, "b", y, "b", why), PROTO_ERR_LIMIT);
	assert_int_equal(height(share), PD_MAX_DEPTH + 1);
	pdh_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_chains),		 cmocka_unit_test(test_legit_moves),
	    cmocka_unit_test(test_held_nodes_follow),	 cmocka_unit_test(test_walk_bound),
	    cmocka_unit_test(test_links_and_host_trees), cmocka_unit_test(test_shallower_held),
	    cmocka_unit_test(test_nested_attack),	 cmocka_unit_test(test_nested_moved_out),
	    cmocka_unit_test(test_nested_held),		 cmocka_unit_test(test_nested_self_move),
	    cmocka_unit_test(test_shallower_bound),
	};
	return cmocka_run_group_tests_name("portald_folder_depth", tests, start, stop);
}
