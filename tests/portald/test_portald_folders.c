/* appvm-portald's folder grants with a fake guest and the command chooser:
 * picking a folder, browsing it by node and name, reading and writing
 * files in it through file documents, what a read-only grant refuses, the
 * errors of each request, the handle and depth limits, and what ends with
 * a connection. The hostile cases are in test_portald_folder_attacks.c. */
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

static struct pdh h;
static char photos[1024];

static const char *in_photos(const char *rel)
{
	static char p[2][1200];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", photos, rel);
	return p[k];
}

static void make_tree(void)
{
	snprintf(photos, sizeof(photos), "%s", pdh_path(&h, "photos"));
	assert_int_equal(mkdir(photos, 0755), 0);
	assert_int_equal(mkdir(in_photos("2024"), 0755), 0);
	assert_int_equal(mkdir(in_photos("2024/deep"), 0700), 0);
	pdh_write(in_photos("a.txt"), "alpha", 0644);
	pdh_write(in_photos("2024/cat.png"), "meow", 0640);
	assert_int_equal(symlink("/etc", in_photos("link-etc")), 0);
	assert_int_equal(mkfifo(in_photos("fifo"), 0644), 0);
}

static int start_ro(void **state)
{
	(void)state;
	pdh_start(
	    &h, (const char *const[]){"--dialog-burst", "1000", "--dialog-interval", "1ms", NULL});
	make_tree();
	return 0;
}

static int start_rw(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "1000", "--dialog-interval", "1ms",
					    "--folder-writable", "--max-handles", "6", NULL});
	make_tree();
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	return 0;
}

static void open_guest(struct pdh_conn *c)
{
	pdh_open_caps(&h, c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
}

static void test_pick_and_browse(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg r;
	struct proto_entry e;
	open_guest(&c);
	uint64_t doc = fu_grant(&h, &c, photos, PROTO_PERM_READ);
	/* The chooser was asked for a folder. */
	assert_string_equal(pdh_file(&h, "argv1"), "open-folder\n");
	assert_non_null(strstr(pdh_file(&h, "env"), "APPVM_CHOOSER_MODE=open-folder\n"));
	assert_non_null(strstr(pdh_file(&h, "request.json"), "\"mode\":\"open-folder\""));

	assert_int_equal(fu_doc(&c, PROTO_DOC_STAT, doc, &r), 0);
	assert_int_equal(r.u.stat.flags, PROTO_PERM_READ | PROTO_STAT_EXISTS);
	assert_int_equal(r.u.stat.size, 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_BEGIN, doc, NULL), PROTO_ERR_STATE);
	struct proto_msg m;
	pdh_read_req(&m, doc, 0, 10, false);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STATE);

	/* Only files and folders: not the symbolic link, not the FIFO. */
	assert_string_equal(fu_list(&c, doc, PROTO_ROOT_NODE, 128), "2024/ a.txt");
	assert_string_equal(fu_list(&c, doc, PROTO_ROOT_NODE, 1), "2024/ a.txt");
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "a.txt", &e), 0);
	assert_int_equal(e.kind, PROTO_ENTRY_FILE);
	assert_int_equal(e.size, 5);
	assert_int_equal(e.mode, 0644);
	assert_int_equal(e.node, 0);
	uint64_t y = fu_dir(&c, doc, PROTO_ROOT_NODE, "2024");
	/* The same folder again: the same node (one reference more). */
	assert_int_equal(fu_dir(&c, doc, PROTO_ROOT_NODE, "2024"), y);
	pdh_entry_req(&m, PROTO_ENTRY_STAT, doc, y, NULL, 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.entry.kind, PROTO_ENTRY_DIR);
	assert_int_equal(r.u.entry.node, y);
	assert_int_equal(r.u.entry.mode, 0755);
	assert_string_equal(fu_list(&c, doc, y, 2), "cat.png deep/");
	uint64_t deep = fu_dir(&c, doc, y, "deep");
	assert_string_equal(fu_list(&c, doc, deep, 5), "");

	uint64_t f;
	assert_int_equal(fu_open(&c, doc, y, "cat.png", 0, &f), 0);
	assert_string_equal(fu_read(&c, f), "meow");
	assert_int_equal(fu_doc(&c, PROTO_DOC_STAT, f, &r), 0);
	assert_int_equal(r.u.stat.flags, PROTO_PERM_READ | PROTO_STAT_EXISTS);
	assert_int_equal(r.u.stat.size, 4);
	assert_int_equal(fu_doc(&c, PROTO_DOC_CLOSE, f, NULL), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_STAT, f, NULL), PROTO_ERR_NOT_FOUND);

	/* Two references on "2024": the node lives until both are back. */
	pdh_entry_req(&m, PROTO_ENTRY_FORGET, doc, y, NULL, 1);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_string_equal(fu_list(&c, doc, y, 128), "cat.png deep/");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(fu_lookup(&c, doc, y, "cat.png", NULL), PROTO_ERR_STALE);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STALE);
	/* The deeper node holds its own folder. */
	assert_string_equal(fu_list(&c, doc, deep, 5), "");

	/* The host user sees the folder with a slash. */
	char out[4096];
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "list", NULL}), 0);
	assert_non_null(strstr(out, "/photos/\n"));
	pdh_close(&c);
}

static void test_read_only_refusals(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	uint64_t f;
	open_guest(&c);
	uint64_t doc = fu_grant(&h, &c, photos, PROTO_PERM_READ);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "new.txt", PROTO_OPEN_CREATE, &f),
			 PROTO_ERR_PERMISSION);
	pdh_entry_req(&m, PROTO_ENTRY_MKDIR, doc, PROTO_ROOT_NODE, "new", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "a.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	pdh_rename_req(&m, doc, PROTO_ROOT_NODE, "a.txt", PROTO_ROOT_NODE, "b.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "a.txt", 0, &f), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_BEGIN, f, NULL), PROTO_ERR_PERMISSION);
	pdh_write_req(&m, f, 0, "x", 1);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	assert_string_equal(pdh_read(in_photos("a.txt")), "alpha");
	struct stat st;
	assert_int_equal(stat(in_photos("new.txt"), &st), -1);
	assert_int_equal(stat(in_photos("new"), &st), -1);
	pdh_close(&c);
}

static void test_errors(void **state)
{
	(void)state;
	struct pdh_conn c, other;
	struct proto_msg m, r;
	uint64_t f;
	open_guest(&c);
	open_guest(&other);
	uint64_t doc = fu_grant(&h, &c, photos, PROTO_PERM_READ);
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "missing", NULL), PROTO_ERR_NO_ENTRY);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "missing", 0, &f), PROTO_ERR_NO_ENTRY);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "2024", 0, &f), PROTO_ERR_IS_DIR);
	assert_int_equal(fu_lookup(&c, doc, 999, "a.txt", NULL), PROTO_ERR_STALE);
	pdh_entry_req(&m, PROTO_ENTRY_STAT, doc, 999, NULL, 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STALE);
	pdh_readdir_req(&m, doc, 999, 0, 10);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STALE);
	/* Unknown documents, and documents that are not folders. */
	assert_int_equal(fu_lookup(&c, doc ^ 1, PROTO_ROOT_NODE, "a.txt", NULL),
			 PROTO_ERR_NOT_FOUND);
	pdh_write(pdh_path(&h, "plain.txt"), "plain", 0644);
	char line[1100];
	snprintf(line, sizeof(line), "%s\n", pdh_path(&h, "plain.txt"));
	pdh_answer(&h, line, 0, false);
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	uint64_t plain = r.u.result.docs[0].id;
	assert_int_equal(fu_lookup(&c, plain, PROTO_ROOT_NODE, "a.txt", NULL), PROTO_ERR_STATE);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "a.txt", 0, &f), 0);
	assert_int_equal(fu_lookup(&c, f, PROTO_ROOT_NODE, "a.txt", NULL), PROTO_ERR_STATE);
	/* Nodes and file documents are the connection's own. */
	uint64_t y = fu_dir(&c, doc, PROTO_ROOT_NODE, "2024");
	assert_int_equal(fu_lookup(&other, doc, y, "cat.png", NULL), PROTO_ERR_STALE);
	assert_int_equal(fu_doc(&other, PROTO_DOC_STAT, f, NULL), PROTO_ERR_NOT_FOUND);
	assert_int_equal(fu_doc(&other, PROTO_DOC_CLOSE, f, NULL), PROTO_ERR_NOT_FOUND);
	assert_int_equal(fu_lookup(&other, doc, PROTO_ROOT_NODE, "a.txt", NULL), 0);
	/* Nor can the host user revoke a file document (it is not a grant). */
	char out[4096], id[32];
	snprintf(id, sizeof(id), "%016llx", (unsigned long long)f);
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke", id, NULL}),
	    1);
	assert_string_equal(fu_read(&c, f), "alpha");
	pdh_close(&other);
	pdh_close(&c);
}

static void test_guest_without_folders(void **state)
{
	(void)state;
	struct pdh_conn c, old;
	struct proto_msg m, r;
	open_guest(&c);
	uint64_t doc = fu_grant(&h, &c, photos, PROTO_PERM_READ);
	/* A guest that did not announce FOLDERS is not given folders. */
	pdh_open(&h, &old);
	unsigned calls = pdh_chooser_calls(&h);
	pdh_open_req(&m, PROTO_DIALOG_DIRECTORY, "Pick");
	assert_int_equal(pdh_call(&old, &m, &r), PROTO_ERR_UNSUPPORTED);
	assert_int_equal(pdh_chooser_calls(&h), calls);
	for (unsigned i = 0; i < old.n_granted; i++)
		assert_true(old.granted[i] != doc);
	pdh_close(&old);
	/* One that did hears of the folder when it connects. */
	struct pdh_conn again;
	open_guest(&again);
	assert_int_equal(fu_doc(&again, PROTO_DOC_STAT, 42, NULL), PROTO_ERR_NOT_FOUND);
	bool announced = false;
	for (unsigned i = 0; i < again.n_granted; i++)
		announced |= again.granted[i] == doc;
	assert_true(announced);
	pdh_close(&again);
	pdh_close(&c);
}

static void test_create_write_rename_unlink(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	struct stat st, before;
	uint64_t f, tmp;
	open_guest(&c);
	uint64_t doc = fu_grant(&h, &c, photos, PROTO_PERM_READ | PROTO_PERM_WRITE);
	/* A new file lands on the host at once, empty; its content at the commit. */
	assert_int_equal(
	    fu_open(&c, doc, PROTO_ROOT_NODE, "new.txt", PROTO_OPEN_CREATE | PROTO_OPEN_EXCL, &f),
	    0);
	assert_string_equal(pdh_read(in_photos("new.txt")), "");
	assert_int_equal(fu_write(&c, f, "hello"), 0);
	assert_string_equal(pdh_read(in_photos("new.txt")), "hello");
	assert_string_equal(fu_read(&c, f), "hello");
	assert_int_equal(fu_doc(&c, PROTO_DOC_CLOSE, f, NULL), 0);
	assert_int_equal(
	    fu_open(&c, doc, PROTO_ROOT_NODE, "new.txt", PROTO_OPEN_CREATE | PROTO_OPEN_EXCL, &f),
	    PROTO_ERR_EXISTS);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "new.txt", PROTO_OPEN_CREATE, &f), 0);
	assert_string_equal(fu_read(&c, f), "hello");
	assert_int_equal(fu_doc(&c, PROTO_DOC_CLOSE, f, NULL), 0);

	/* GIO's way: a temporary file in a new folder, renamed over a.txt. */
	pdh_entry_req(&m, PROTO_ENTRY_MKDIR, doc, PROTO_ROOT_NODE, "sub", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.entry.kind, PROTO_ENTRY_DIR);
	uint64_t sub = r.u.entry.node;
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_EXISTS);
	assert_int_equal(stat(in_photos("sub"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fu_open(&c, doc, sub, ".goutputstream-X1", PROTO_OPEN_CREATE, &tmp), 0);
	assert_int_equal(fu_write(&c, tmp, "new alpha"), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_CLOSE, tmp, NULL), 0);
	assert_int_equal(stat(in_photos("a.txt"), &before), 0);
	pdh_rename_req(&m, doc, sub, ".goutputstream-X1", PROTO_ROOT_NODE, "a.txt",
		       PROTO_RENAME_NOREPLACE);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_EXISTS);
	pdh_rename_req(&m, doc, sub, ".goutputstream-X1", PROTO_ROOT_NODE, "a.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_string_equal(pdh_read(in_photos("a.txt")), "new alpha");
	assert_int_equal(stat(in_photos("a.txt"), &st), 0);
	assert_true(st.st_ino != before.st_ino);
	assert_string_equal(fu_list(&c, doc, sub, 128), "");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NO_ENTRY);

	/* Removing: the right kind each. */
	assert_int_equal(fu_open(&c, doc, sub, "x", PROTO_OPEN_CREATE, &f), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_CLOSE, f, NULL), 0);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "sub", PROTO_UNLINK_DIR);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NOT_EMPTY);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "sub", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_IS_DIR);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, sub, "x", PROTO_UNLINK_DIR);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NOT_DIR);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, sub, "x", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NO_ENTRY);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "sub", PROTO_UNLINK_DIR);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(stat(in_photos("sub"), &st), -1);
	/* Its node still names the removed folder, which holds nothing. */
	assert_string_equal(fu_list(&c, doc, sub, 128), "");
	unlink(in_photos("new.txt"));
	pdh_close(&c);
}

static void test_open_file_follows_its_name(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	struct stat st;
	uint64_t f;
	open_guest(&c);
	uint64_t doc = fu_grant(&h, &c, photos, PROTO_PERM_READ | PROTO_PERM_WRITE);
	uint64_t y = fu_dir(&c, doc, PROTO_ROOT_NODE, "2024");
	pdh_write(in_photos("2024/f.txt"), "one", 0600);
	assert_int_equal(fu_open(&c, doc, y, "f.txt", 0, &f), 0);
	/* Renamed by the guest while open: the commit writes the new name. */
	pdh_rename_req(&m, doc, y, "f.txt", PROTO_ROOT_NODE, "g.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(fu_write(&c, f, "two"), 0);
	assert_string_equal(pdh_read(in_photos("g.txt")), "two");
	assert_int_equal(stat(in_photos("2024/f.txt"), &st), -1);
	assert_int_equal(stat(in_photos("g.txt"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600); /* the mode it had */
	/* Removed by the guest while open: reads go on, a commit fails and
	 * does not make the name again. */
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "g.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_string_equal(fu_read(&c, f), "two");
	assert_int_equal(fu_write(&c, f, "three"), PROTO_ERR_IO);
	assert_int_equal(stat(in_photos("g.txt"), &st), -1);
	/* Another file renamed over the open one's name: the same. */
	pdh_write(in_photos("p.txt"), "p", 0644);
	pdh_write(in_photos("q.txt"), "q", 0644);
	uint64_t p;
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "p.txt", 0, &p), 0);
	pdh_rename_req(&m, doc, PROTO_ROOT_NODE, "q.txt", PROTO_ROOT_NODE, "p.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(fu_write(&c, p, "overwrite"), PROTO_ERR_IO);
	assert_string_equal(pdh_read(in_photos("p.txt")), "q");
	assert_string_equal(fu_read(&c, p), "p");
	unlink(in_photos("p.txt"));
	/* An orphan stays one: a new file made under its old name and renamed
	 * away does not take the orphan along, whose commit would replace it. */
	uint64_t o, n;
	pdh_write(in_photos("o.txt"), "old", 0644);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "o.txt", 0, &o), 0);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "o.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(
	    fu_open(&c, doc, PROTO_ROOT_NODE, "o.txt", PROTO_OPEN_CREATE | PROTO_OPEN_EXCL, &n), 0);
	assert_int_equal(fu_write(&c, n, "new"), 0);
	pdh_rename_req(&m, doc, PROTO_ROOT_NODE, "o.txt", PROTO_ROOT_NODE, "moved.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(fu_write(&c, o, "stale"), PROTO_ERR_IO);
	assert_string_equal(pdh_read(in_photos("moved.txt")), "new");
	assert_int_equal(stat(in_photos("o.txt"), &st), -1);
	/* The one that moved commits under its new name. */
	assert_int_equal(fu_write(&c, n, "newer"), 0);
	assert_string_equal(pdh_read(in_photos("moved.txt")), "newer");
	/* A name renamed onto itself replaces nothing: its file still commits. */
	pdh_rename_req(&m, doc, PROTO_ROOT_NODE, "moved.txt", PROTO_ROOT_NODE, "moved.txt", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(fu_write(&c, n, "same"), 0);
	assert_string_equal(pdh_read(in_photos("moved.txt")), "same");
	unlink(in_photos("moved.txt"));
	pdh_close(&c);
}

static void test_handle_and_depth_limits(void **state)
{
	(void)state;
	struct pdh_conn c, c2;
	struct proto_msg m, r;
	uint64_t f, nodes[8];
	char name[16];
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		assert_int_equal(mkdir(in_photos(name), 0755), 0);
	}
	open_guest(&c);
	uint64_t doc = fu_grant(&h, &c, photos, PROTO_PERM_READ | PROTO_PERM_WRITE);
	/* --max-handles 6: five folders and a file, then nothing more. */
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		nodes[i] = fu_dir(&c, doc, PROTO_ROOT_NODE, name);
	}
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "a.txt", 0, &f), 0);
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "d5", NULL), PROTO_ERR_LIMIT);
	assert_int_equal(fu_open(&c, doc, nodes[0], "none", PROTO_OPEN_CREATE, &f),
			 PROTO_ERR_LIMIT);
	/* Folders already held and files are still looked up. */
	assert_int_equal(fu_dir(&c, doc, PROTO_ROOT_NODE, "d0"), nodes[0]);
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "a.txt", NULL), 0);
	/* Another connection shares the limit... */
	open_guest(&c2);
	assert_int_equal(fu_lookup(&c2, doc, PROTO_ROOT_NODE, "d6", NULL), PROTO_ERR_LIMIT);
	/* ...until this one gives handles back (or ends). */
	pdh_entry_req(&m, PROTO_ENTRY_FORGET, doc, nodes[4], NULL, 1);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	uint64_t n6 = fu_dir(&c2, doc, PROTO_ROOT_NODE, "d6");
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "d5", NULL), PROTO_ERR_LIMIT);
	pdh_close(&c);
	/* Once the daemon has seen the close, its five handles are free. */
	bool freed = false;
	for (int tries = 0; tries < 200 && !freed; tries++) {
		freed = fu_lookup(&c2, doc, PROTO_ROOT_NODE, "d5", NULL) == 0;
		if (!freed)
			usleep(10000);
	}
	assert_true(freed);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		fu_dir(&c2, doc, PROTO_ROOT_NODE, name);
	}
	assert_int_equal(fu_lookup(&c2, doc, PROTO_ROOT_NODE, "d4", NULL), PROTO_ERR_LIMIT);
	pdh_entry_req(&m, PROTO_ENTRY_FORGET, doc, n6, NULL, 1);
	assert_int_equal(pdh_call(&c2, &m, &r), 0);
	pdh_close(&c2);

	/* Depth: 256 folders below the grant, not 257. Each parent is given
	 * back once its child is held, so the handle limit stays clear. */
	char chain[1200];
	snprintf(chain, sizeof(chain), "%s", in_photos("z"));
	assert_int_equal(mkdir(chain, 0755), 0);
	assert_int_equal(chdir(chain), 0);
	for (int i = 0; i < 257; i++) {
		assert_int_equal(mkdir("z", 0755), 0);
		assert_int_equal(chdir("z"), 0);
	}
	assert_int_equal(chdir("/"), 0);
	struct pdh_conn c3;
	open_guest(&c3);
	uint64_t node = PROTO_ROOT_NODE;
	for (int depth = 1; depth <= 256; depth++) {
		uint64_t child = fu_dir(&c3, doc, node, "z");
		if (node != PROTO_ROOT_NODE) {
			pdh_entry_req(&m, PROTO_ENTRY_FORGET, doc, node, NULL, 1);
			assert_int_equal(pdh_call(&c3, &m, &r), 0);
		}
		node = child;
	}
	assert_int_equal(fu_lookup(&c3, doc, node, "z", NULL), PROTO_ERR_LIMIT);
	pdh_entry_req(&m, PROTO_ENTRY_MKDIR, doc, node, "y", 0);
	assert_int_equal(pdh_call(&c3, &m, &r), PROTO_ERR_LIMIT);
	pdh_close(&c3);
	char cmd[1300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", in_photos("z"));
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest ro[] = {
	    cmocka_unit_test(test_pick_and_browse),
	    cmocka_unit_test(test_read_only_refusals),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_guest_without_folders),
	};
	const struct CMUnitTest rw[] = {
	    cmocka_unit_test(test_create_write_rename_unlink),
	    cmocka_unit_test(test_open_file_follows_its_name),
	    cmocka_unit_test(test_handle_and_depth_limits),
	};
	int fails = cmocka_run_group_tests_name("portald_folders_ro", ro, start_ro, stop);
	return fails + cmocka_run_group_tests_name("portald_folders_rw", rw, start_rw, stop);
}
