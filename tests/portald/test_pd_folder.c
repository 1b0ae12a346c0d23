/* The pure parts of folder grants: what each ENTRY_* request may do on which
 * document, the node table (one node per folder and connection, references,
 * what a connection's end takes), the handle and depth limits shared with
 * file documents, the depths of a moved folder's nodes, which host files a
 * guest is shown, and the error codes of failed host operations. No files
 * are touched (descriptors are numbers here). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pd_folder.h"
#include "pd_grants.h"

static const uint64_t key[4] = {9, 8, 7, 6};

static struct pd_grant *mk(uint32_t perms)
{
	struct pd_grant *g = calloc(1, sizeof(*g));
	assert_non_null(g);
	g->perms = perms;
	g->dirfd = 100;
	g->fd = -1;
	g->stage.fd = -1;
	return g;
}

static void test_entry_check(void **state)
{
	(void)state;
	const char *why = NULL;
	struct pd_grant *file = mk(PROTO_PERM_READ | PROTO_PERM_WRITE);
	struct pd_grant *ro = mk(PROTO_PERM_READ), *rw = mk(PROTO_PERM_READ | PROTO_PERM_WRITE);
	assert_int_equal(pd_folder_new(ro), 0);
	assert_int_equal(pd_folder_new(rw), 0);
	assert_int_equal(ro->perms, PROTO_PERM_READ | PROTO_DOC_FOLDER);
	assert_int_equal(pd_entry_check(NULL, PD_E_LOOKUP, &why), PROTO_ERR_NOT_FOUND);
	assert_int_equal(pd_entry_check(file, PD_E_LOOKUP, &why), PROTO_ERR_STATE);
	assert_non_null(strstr(why, "not a folder"));
	static const enum pd_entry_op reads[] = {PD_E_LOOKUP, PD_E_STAT, PD_E_FORGET, PD_E_READDIR,
						 PD_E_OPEN};
	static const enum pd_entry_op writes[] = {PD_E_CREATE, PD_E_MKDIR, PD_E_UNLINK,
						  PD_E_RENAME};
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		assert_int_equal(pd_entry_check(ro, reads[i], &why), 0);
		assert_int_equal(pd_entry_check(rw, reads[i], &why), 0);
	}
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		assert_int_equal(pd_entry_check(ro, writes[i], &why), PROTO_ERR_PERMISSION);
		assert_int_equal(pd_entry_check(rw, writes[i], &why), 0);
	}
	/* A folder has no content of its own; a file document is its connection's. */
	assert_int_equal(pd_grants_check(rw, PD_OP_STAT, 1, &why), 0);
	assert_int_equal(pd_grants_check(rw, PD_OP_CLOSE, 1, &why), 0);
	assert_int_equal(pd_grants_check(rw, PD_OP_READ, 1, &why), PROTO_ERR_STATE);
	assert_int_equal(pd_grants_check(rw, PD_OP_BEGIN, 1, &why), PROTO_ERR_STATE);
	file->parent = 77;
	file->conn = 3;
	assert_int_equal(pd_grants_check(file, PD_OP_READ, 3, &why), 0);
	assert_int_equal(pd_grants_check(file, PD_OP_READ, 4, &why), PROTO_ERR_NOT_FOUND);
	assert_int_equal(pd_grants_check(file, PD_OP_CLOSE, 4, &why), PROTO_ERR_NOT_FOUND);
	pd_folder_free(ro->folder);
	pd_folder_free(rw->folder);
	free(ro);
	free(rw);
	free(file);
}

static void test_nodes(void **state)
{
	(void)state;
	struct pd_grants t;
	struct pd_limits lim = {.max_grants = 4, .max_handles = 5};
	const char *why = NULL;
	unsigned depth = 99;
	uint64_t a, b, c;
	assert_int_equal(pd_grants_init(&t, &lim, key), 0);
	struct pd_grant *g = mk(PROTO_PERM_READ);
	assert_int_equal(pd_folder_new(g), 0);
	assert_int_equal(pd_grants_add(&t, g), 0);
	/* Node 1 is the folder itself, for every connection. */
	assert_int_equal(pd_folder_dirfd(g, PROTO_ROOT_NODE, 1, &depth), 100);
	assert_int_equal(depth, 0);
	pd_folder_place(g, 3); /* /home/u/share: depths count from / */
	assert_int_equal(pd_folder_dirfd(g, PROTO_ROOT_NODE, 1, &depth), 100);
	assert_int_equal(depth, 3);
	pd_folder_place(g, 0);
	assert_int_equal(pd_folder_dirfd(g, PROTO_ROOT_NODE, 2, &depth), 100);
	assert_int_equal(pd_folder_dirfd(g, 2, 1, &depth), -1);
	assert_int_equal(pd_folder_room(&t, g, 1, &why), 0);
	assert_int_equal(pd_folder_add(&t, g->folder, 10, 1, 500, 1, 1, &a), 0);
	assert_int_equal(pd_folder_add(&t, g->folder, 11, 1, 501, 1, 2, &b), 0);
	assert_int_equal(pd_folder_add(&t, g->folder, 12, 1, 500, 2, 1, &c), 0);
	assert_int_equal(a, 2);
	assert_int_equal(b, 3);
	assert_int_equal(c, 4);
	assert_int_equal(t.handles, 3);
	/* Each connection sees only its own nodes. */
	assert_int_equal(pd_folder_dirfd(g, b, 1, &depth), 11);
	assert_int_equal(depth, 2);
	assert_int_equal(pd_folder_dirfd(g, b, 2, &depth), -1);
	assert_int_equal(pd_folder_dirfd(g, c, 2, &depth), 12);
	assert_ptr_equal(pd_folder_find(g->folder, 1, 1, 500)->id, a);
	assert_ptr_equal(pd_folder_find(g->folder, 2, 1, 500)->id, c);
	assert_null(pd_folder_find(g->folder, 3, 1, 500));
	assert_null(pd_folder_find(g->folder, 1, 2, 500));
	/* References: a node goes with its last one; more back than held is all. */
	pd_folder_find(g->folder, 1, 1, 500)->refs = 3;
	assert_int_equal(pd_folder_forget(&t, g->folder, a, 1, 2), -1);
	assert_int_equal(pd_folder_forget(&t, g->folder, a, 2, 1), -ESTALE);
	assert_int_equal(pd_folder_forget(&t, g->folder, a, 1, 1000), 10);
	assert_int_equal(pd_folder_forget(&t, g->folder, a, 1, 1), -ESTALE);
	assert_int_equal(pd_folder_forget(&t, g->folder, PROTO_ROOT_NODE, 1, 1), -ESTALE);
	assert_int_equal(t.handles, 2);
	/* Ids are never reused. */
	assert_int_equal(pd_folder_add(&t, g->folder, 13, 1, 502, 1, 1, &a), 0);
	assert_int_equal(a, 5);
	/* The limit counts file documents too. */
	struct pd_grant *f1 = mk(PROTO_PERM_READ), *f2 = mk(PROTO_PERM_READ);
	struct pd_grant *f3 = mk(PROTO_PERM_READ);
	f1->parent = f2->parent = f3->parent = g->id;
	f1->conn = 1;
	f2->conn = 2;
	f3->conn = 2;
	assert_int_equal(pd_grants_add(&t, f1), 0);
	assert_int_equal(pd_grants_add(&t, f2), 0);
	assert_int_equal(t.handles, 5);
	assert_int_equal(pd_grants_add(&t, f3), -ENOSPC);
	assert_int_equal(pd_folder_room(&t, g, 1, &why), PROTO_ERR_LIMIT);
	assert_int_equal(pd_grants_room(&t), 3); /* grants are counted apart */
	/* A connection's end takes its nodes and file documents. */
	assert_ptr_equal(pd_grants_next_file(&t, g->id, 2), f2);
	assert_ptr_equal(pd_grants_next_file(&t, 0, 1), f1);
	assert_null(pd_grants_next_file(&t, g->id + 1, 1));
	free(pd_grants_take(&t, f2->id));
	assert_null(pd_grants_next_file(&t, 0, 2));
	assert_int_equal(pd_folder_take(&t, g->folder, 2), 12);
	assert_int_equal(pd_folder_take(&t, g->folder, 2), -1);
	assert_int_equal(t.handles, 3);
	assert_int_equal(pd_folder_room(&t, g, 1, &why), 0);
	assert_int_equal(pd_folder_room(&t, g, PD_MAX_DEPTH, &why), 0);
	assert_int_equal(pd_folder_room(&t, g, PD_MAX_DEPTH + 1, &why), PROTO_ERR_LIMIT);
	assert_non_null(strstr(why, "deep"));
	/* The limit counts from the grant's folder. */
	pd_folder_place(g, 5);
	assert_int_equal(pd_folder_room(&t, g, PD_MAX_DEPTH + 5, &why), 0);
	assert_int_equal(pd_folder_room(&t, g, PD_MAX_DEPTH + 6, &why), PROTO_ERR_LIMIT);
	assert_int_equal(pd_folder_room(&t, g, 0, &why), 0);
	/* Where a grant's folder is: components of its resolved path. */
	assert_int_equal(pd_folder_path_depth("/"), 0);
	assert_int_equal(pd_folder_path_depth("/home"), 1);
	assert_int_equal(pd_folder_path_depth("/home/u/share"), 3);
	int x = pd_folder_take(&t, g->folder, 0), y = pd_folder_take(&t, g->folder, 0);
	assert_true((x == 11 && y == 13) || (x == 13 && y == 11));
	assert_int_equal(pd_folder_take(&t, g->folder, 0), -1);
	free(pd_grants_take(&t, f1->id));
	assert_int_equal(t.handles, 0);
	free(f3);
	pd_grants_free(&t); /* frees g and its node table */
}

/* A folder moved to another depth: how far its walk looks, what the walk's
 * results mean, and which nodes take a new depth afterwards. */
static void test_moves(void **state)
{
	(void)state;
	const char *why = NULL;
	unsigned levels = 99;
	/* Deeper: every level that may still fit, strictly. */
	assert_int_equal(pd_folder_move_levels(PD_MAX_DEPTH, 0, 1, &levels, &why), 0);
	assert_int_equal(levels, PD_MAX_DEPTH - 2);
	assert_int_equal(pd_folder_move_levels(PD_MAX_DEPTH, 3, PD_MAX_DEPTH - 1, &levels, &why),
			 0);
	assert_int_equal(levels, 0); /* lands at the limit: nothing below it */
	assert_int_equal(pd_folder_move_levels(PD_MAX_DEPTH, 0, PD_MAX_DEPTH, &levels, &why),
			 PROTO_ERR_LIMIT);
	assert_non_null(strstr(why, "deep"));
	/* Counted from the grant's folder (3 below /). */
	assert_int_equal(pd_folder_move_levels(3 + PD_MAX_DEPTH, 3, 4, &levels, &why), 0);
	assert_int_equal(levels, PD_MAX_DEPTH - 2);
	assert_int_equal(
	    pd_folder_move_levels(3 + PD_MAX_DEPTH, 3, PD_MAX_DEPTH + 2, &levels, &why), 0);
	assert_int_equal(levels, 0);
	assert_int_equal(
	    pd_folder_move_levels(3 + PD_MAX_DEPTH, 3, PD_MAX_DEPTH + 3, &levels, &why),
	    PROTO_ERR_LIMIT);
	/* Into a node above the grant's folder (moved there through a grant
	 * around it): more levels would fit, the walk looks at PD_MAX_DEPTH. */
	assert_int_equal(pd_folder_move_levels(10 + PD_MAX_DEPTH, 1, 2, &levels, &why), 0);
	assert_int_equal(levels, PD_MAX_DEPTH);
	/* Shallower: no walk (the nodes in it are found from below). */
	assert_int_equal(pd_folder_move_levels(PD_MAX_DEPTH, 200, 0, &levels, &why), 0);
	assert_int_equal(levels, 0);
	assert_int_equal(
	    pd_folder_move_levels(PD_MAX_DEPTH, PD_MAX_DEPTH + 5, PD_MAX_DEPTH, &levels, &why),
	    PROTO_ERR_LIMIT);
	assert_int_equal(pd_folder_walk_code(0, &why), 0);
	static const struct {
		int r;
		uint32_t code;
		const char *why;
	} walks[] = {
	    {-ENAMETOOLONG, PROTO_ERR_LIMIT, "too deep"},
	    {-E2BIG, PROTO_ERR_TOO_BIG, "too many folders"},
	    {-EOVERFLOW, PROTO_ERR_TOO_BIG, "too many names"},
	    {-EXDEV, PROTO_ERR_IO, "mounted"},
	    {-EACCES, PROTO_ERR_PERMISSION, "cannot look"},
	    {-EMFILE, PROTO_ERR_LIMIT, "cannot look"},
	    {-EIO, PROTO_ERR_IO, "cannot look"},
	};
	for (size_t i = 0; i < sizeof(walks) / sizeof(walks[0]); i++) {
		why = NULL;
		assert_int_equal(pd_folder_walk_code(walks[i].r, &why), walks[i].code);
		assert_non_null(strstr(why, walks[i].why));
	}
}

/* Two folder grants, one inside the other (the inner one read-only), and a
 * file document: the nodes of both, and the inner grant's own folder, on
 * walked folders take their new depth; the nodes a folder moved shallower
 * may carry are those of both grants at its depth or deeper. */
static void test_moves_nested(void **state)
{
	(void)state;
	struct pd_grants t;
	struct pd_limits lim = {.max_grants = 4, .max_handles = 10};
	uint64_t id, cost = 99;
	struct pd_held *held = NULL;
	assert_int_equal(pd_grants_init(&t, &lim, key), 0);
	struct pd_grant *a = mk(PROTO_PERM_READ | PROTO_PERM_WRITE), *b = mk(PROTO_PERM_READ);
	struct pd_grant *file = mk(PROTO_PERM_READ);
	assert_int_equal(pd_folder_new(a), 0);
	assert_int_equal(pd_folder_new(b), 0);
	pd_folder_place(a, 2); /* /home/u */
	pd_folder_place(b, 4); /* /home/u/x/b */
	b->dirfd = 101;
	b->dir_dev = 1;
	b->dir_ino = 501;
	assert_int_equal(pd_grants_add(&t, a), 0);
	assert_int_equal(pd_grants_add(&t, b), 0);
	file->parent = a->id;
	assert_int_equal(pd_grants_add(&t, file), 0);
	assert_int_equal(pd_folder_add(&t, a->folder, 10, 1, 500, 1, 3, &id), 0); /* x, moved */
	assert_int_equal(pd_folder_add(&t, a->folder, 11, 1, 502, 1, 5, &id), 0); /* x/b/c */
	assert_int_equal(pd_folder_add(&t, b->folder, 12, 1, 502, 2, 5, &id), 0); /* x/b/c */
	assert_int_equal(pd_folder_add(&t, b->folder, 13, 2, 502, 1, 7, &id), 0); /* other dev */
	assert_int_equal(pd_folder_add(&t, a->folder, 14, 1, 600, 1, 9, &id), 0); /* elsewhere */
	struct pd_fdir v[] = {{1, 502, 2}, {1, 501, 1}, {1, 500, 0}};
	pd_folders_moved(&t, v, 3, 40);
	static const unsigned want[] = {40, 42, 42, 7, 9};
	for (unsigned i = 0; i < a->folder->n; i++)
		assert_int_equal(a->folder->v[i].depth, want[a->folder->v[i].fd - 10]);
	for (unsigned i = 0; i < b->folder->n; i++)
		assert_int_equal(b->folder->v[i].depth, want[b->folder->v[i].fd - 10]);
	assert_int_equal(b->base, 41); /* the inner grant's folder moved too */
	assert_int_equal(a->base, 2);
	/* Its limit stays where it was granted: moved deeper, less room. */
	assert_int_equal(b->limit, 4 + PD_MAX_DEPTH);
	const char *why = NULL;
	assert_int_equal(pd_folder_room(&t, b, 4 + PD_MAX_DEPTH, &why), 0);
	assert_int_equal(pd_folder_room(&t, b, 5 + PD_MAX_DEPTH, &why), PROTO_ERR_LIMIT);
	pd_folders_moved(&t, v, 0, 1); /* nothing walked: nothing changes */
	assert_int_equal(b->base, 41);
	/* Moved shallower from depth 41 (b's folder): b's folder and every node
	 * at 41 or deeper, of both grants, with the levels up to it. */
	int n = pd_folders_held(&t, 41, &held, &cost);
	assert_int_equal(n, 3);
	assert_int_equal(cost, 1 + 1 + 1); /* b itself (0 up, counted 1), two nodes at 42 */
	for (int i = 0; i < n; i++) {
		assert_true(*held[i].depth >= 41);
		assert_true(held[i].fd == 101 || held[i].fd == 11 || held[i].fd == 12);
	}
	free(held);
	assert_int_equal(pd_folders_held(&t, 1, &held, &cost), 7); /* both folders, 5 nodes */
	assert_int_equal(cost, 1 + 39 + 41 + 8 + 40 + 41 + 6);
	free(held);
	assert_int_equal(pd_folders_held(&t, 43, &held, &cost), 0);
	assert_int_equal(cost, 0);
	free(held);
	free(pd_grants_take(&t, file->id));
	for (int fd; (fd = pd_folder_take(&t, a->folder, 0)) >= 0;)
		;
	for (int fd; (fd = pd_folder_take(&t, b->folder, 0)) >= 0;)
		;
	pd_grants_free(&t);
}

static void test_kinds_and_errors(void **state)
{
	(void)state;
	assert_int_equal(pd_kind_of(S_IFREG | 0644), PROTO_ENTRY_FILE);
	assert_int_equal(pd_kind_of(S_IFDIR | 0755), PROTO_ENTRY_DIR);
	assert_int_equal(pd_kind_of(S_IFLNK | 0777), 0);
	assert_int_equal(pd_kind_of(S_IFIFO | 0644), 0);
	assert_int_equal(pd_kind_of(S_IFCHR | 0644), 0);
	assert_int_equal(pd_kind_of(S_IFBLK | 0644), 0);
	assert_int_equal(pd_kind_of(S_IFSOCK | 0644), 0);
	assert_int_equal(pd_kind_of_dtype(DT_REG), PROTO_ENTRY_FILE);
	assert_int_equal(pd_kind_of_dtype(DT_DIR), PROTO_ENTRY_DIR);
	assert_int_equal(pd_kind_of_dtype(DT_LNK), 0);
	assert_int_equal(pd_kind_of_dtype(DT_FIFO), 0);
	assert_int_equal(pd_kind_of_dtype(DT_UNKNOWN), -1);
	static const struct {
		int err;
		uint32_t code;
	} map[] = {
	    {ENOENT, PROTO_ERR_NO_ENTRY},
	    {EEXIST, PROTO_ERR_EXISTS},
	    {ENOTEMPTY, PROTO_ERR_NOT_EMPTY},
	    {ENOTDIR, PROTO_ERR_NOT_DIR},
	    {EISDIR, PROTO_ERR_IS_DIR},
	    {ELOOP, PROTO_ERR_PERMISSION},
	    {EACCES, PROTO_ERR_PERMISSION},
	    {EPERM, PROTO_ERR_PERMISSION},
	    {EROFS, PROTO_ERR_PERMISSION},
	    {ENOSPC, PROTO_ERR_LIMIT},
	    {EDQUOT, PROTO_ERR_LIMIT},
	    {EMFILE, PROTO_ERR_LIMIT},
	    {EXDEV, PROTO_ERR_IO},
	    {EINVAL, PROTO_ERR_IO},
	    {EIO, PROTO_ERR_IO},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		assert_int_equal(pd_errno_code(map[i].err), map[i].code);
		assert_int_equal(pd_errno_code(-map[i].err), map[i].code);
	}
	/* The entry record: set-id and sticky bits never leave the host. */
	struct stat st = {.st_mode = S_IFREG | 04755, .st_size = 42};
	st.st_mtim.tv_sec = 7;
	st.st_mtim.tv_nsec = 8;
	struct proto_entry e;
	pd_entry_fill(&e, &st, 99);
	assert_int_equal(e.kind, PROTO_ENTRY_FILE);
	assert_int_equal(e.mode, 0755);
	assert_int_equal(e.size, 42);
	assert_int_equal(e.node, 0);
	assert_int_equal(e.mtime_sec, 7);
	assert_int_equal(e.mtime_nsec, 8);
	st.st_mode = S_IFDIR | 01777;
	pd_entry_fill(&e, &st, 99);
	assert_int_equal(e.kind, PROTO_ENTRY_DIR);
	assert_int_equal(e.mode, 0777);
	assert_int_equal(e.size, 0);
	assert_int_equal(e.node, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entry_check),
	    cmocka_unit_test(test_nodes),
	    cmocka_unit_test(test_moves),
	    cmocka_unit_test(test_moves_nested),
	    cmocka_unit_test(test_kinds_and_errors),
	};
	return cmocka_run_group_tests_name("pd_folder", tests, NULL, NULL);
}
