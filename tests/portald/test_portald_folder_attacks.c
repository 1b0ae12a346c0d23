/* A hostile guest against a writable folder grant of appvm-portald: names
 * that try to leave the folder, symbolic links in it (and swapped in
 * between two requests), hard links to files outside it, a file replaced
 * on the host while the guest reads it, requests that mix two folders, and
 * a folder revoked while the guest holds handles in it. Each gets a clear
 * error, and the files outside the folder are never opened (inotify on
 * them stays silent), never changed (content and time), and the daemon
 * holds no descriptor on them (/proc/PID/fd). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "folder_util.h"

static struct pdh h;
static char share[1024], outside[1024];
static int watch_fd = -1, secret_wd = -1, outdir_wd = -1, shared_wd = -1;
static struct stat secret_st, shared_st;

static void old_time(const char *path)
{
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
	assert_int_equal(utimes(path, tv), 0);
}

static int start(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "1000", "--dialog-interval", "1ms",
					    "--folder-writable", NULL});
	snprintf(share, sizeof(share), "%s", pdh_path(&h, "share"));
	snprintf(outside, sizeof(outside), "%s", pdh_path(&h, "outside"));
	assert_int_equal(mkdir(share, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	pdh_write(fu_at(outside, "secret"), "top secret", 0600);
	pdh_write(fu_at(outside, "shared"), "shared text", 0644);
	old_time(fu_at(outside, "secret"));
	old_time(fu_at(outside, "shared"));
	assert_int_equal(stat(fu_at(outside, "secret"), &secret_st), 0);
	assert_int_equal(link(fu_at(outside, "shared"), fu_at(share, "hl")), 0);
	assert_int_equal(link(fu_at(outside, "shared"), fu_at(share, "hl2")), 0);
	assert_int_equal(stat(fu_at(outside, "shared"), &shared_st), 0);
	assert_int_equal(symlink("../outside", fu_at(share, "etc-link")), 0);
	assert_int_equal(symlink("../outside/secret", fu_at(share, "secret-link")), 0);
	assert_int_equal(mkfifo(fu_at(share, "fifo"), 0644), 0);
	assert_int_equal(mkdir(fu_at(share, "sub"), 0755), 0);
	pdh_write(fu_at(share, "sub/inside.txt"), "inside", 0644);
	pdh_write(fu_at(share, "a.txt"), "alpha", 0644);
	/* From here on nothing may open, read or change what is outside. */
	watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(watch_fd >= 0);
	secret_wd = inotify_add_watch(watch_fd, fu_at(outside, "secret"), IN_ALL_EVENTS);
	outdir_wd = inotify_add_watch(watch_fd, outside, IN_ALL_EVENTS);
	/* The hard-linked file may be read (the folder holds it), never
	 * changed; only its link count drops when the guest replaces or
	 * removes the name inside (IN_ATTRIB). */
	shared_wd = inotify_add_watch(watch_fd, fu_at(outside, "shared"),
				      IN_MODIFY | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF);
	assert_true(secret_wd >= 0 && outdir_wd >= 0 && shared_wd >= 0);
	return 0;
}

/* No event on anything outside, and it is as it was. */
static void outside_untouched(void)
{
	char buf[4096];
	ssize_t n = read(watch_fd, buf, sizeof(buf));
	for (ssize_t off = 0; n > 0 && off < n;) {
		const struct inotify_event *e = (const void *)(buf + off);
		fail_msg("outside the folder: inotify event 0x%x on watch %d (%s)", e->mask, e->wd,
			 e->len ? e->name : "");
		off += (ssize_t)sizeof(*e) + e->len;
	}
	assert_int_equal(pdh_fds_under(&h, outside), 0);
}

static int stop(void **state)
{
	(void)state;
	outside_untouched();
	close(watch_fd);
	struct stat st;
	assert_int_equal(stat(fu_at(outside, "secret"), &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, secret_st.st_mtim.tv_sec);
	assert_int_equal(st.st_ino, secret_st.st_ino);
	assert_string_equal(pdh_read(fu_at(outside, "secret")), "top secret");
	assert_int_equal(stat(fu_at(outside, "shared"), &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, shared_st.st_mtim.tv_sec);
	assert_int_equal(st.st_ino, shared_st.st_ino);
	assert_string_equal(pdh_read(fu_at(outside, "shared")), "shared text");
	assert_int_equal(stat(fu_at(outside, "pwned"), &st), -1);
	pdh_stop(&h);
	return 0;
}

static void open_guest(struct pdh_conn *c)
{
	pdh_open_caps(&h, c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
}

/* A guest connection with the shared folder granted writable; its id. */
static uint64_t share_granted(struct pdh_conn *c)
{
	open_guest(c);
	return fu_grant(&h, c, share, PROTO_PERM_READ | PROTO_PERM_WRITE);
}

/* A request the codec would never encode: doc, node, a raw name (and flags). */
static uint32_t raw_named(struct pdh_conn *c, uint16_t type, uint64_t doc, uint64_t node,
			  const char *name, size_t len, bool with_flags)
{
	uint8_t f[PROTO_HEADER_SIZE + 300];
	size_t p = PROTO_HEADER_SIZE;
	for (int i = 0; i < 8; i++)
		f[p++] = (uint8_t)(doc >> (8 * i));
	for (int i = 0; i < 8; i++)
		f[p++] = (uint8_t)(node >> (8 * i));
	f[p++] = (uint8_t)len;
	f[p++] = (uint8_t)(len >> 8);
	memcpy(f + p, name, len);
	p += len;
	if (with_flags) {
		memset(f + p, 0, 4);
		p += 4;
	}
	uint32_t id = ++c->next_id;
	struct proto_header hd = {type, 0, id, (uint32_t)(p - PROTO_HEADER_SIZE)};
	proto_header_encode(&hd, f);
	pdh_send_raw(c, f, p);
	struct proto_msg r;
	assert_int_equal(pdh_recv(c, &r, 10000), 0);
	assert_int_equal(r.id, id);
	return r.type == PROTO_ERROR ? r.u.error.code : 0;
}

static void test_names_that_leave(void **state)
{
	(void)state;
	struct pdh_conn c;
	uint64_t doc = share_granted(&c);
	static const char *const names[] = {"..",  ".", "../outside/pwned", "/etc", "sub/..",
					    "a/b", ""};
	static const uint16_t types[] = {PROTO_ENTRY_LOOKUP, PROTO_ENTRY_MKDIR};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (size_t t = 0; t < 2; t++)
			assert_int_equal(raw_named(&c, types[t], doc, PROTO_ROOT_NODE, names[i],
						   strlen(names[i]), false),
					 PROTO_ERR_BAD_REQUEST);
		assert_int_equal(raw_named(&c, PROTO_ENTRY_OPEN, doc, PROTO_ROOT_NODE, names[i],
					   strlen(names[i]), true),
				 PROTO_ERR_BAD_REQUEST);
		assert_int_equal(raw_named(&c, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, names[i],
					   strlen(names[i]), true),
				 PROTO_ERR_BAD_REQUEST);
	}
	assert_int_equal(raw_named(&c, PROTO_ENTRY_MKDIR, doc, PROTO_ROOT_NODE, "a\0b", 3, false),
			 PROTO_ERR_BAD_REQUEST);
	/* Rename to a name that leaves: refused whole. */
	struct proto_msg m, r;
	pdh_rename_req(&m, doc, PROTO_ROOT_NODE, "a.txt", PROTO_ROOT_NODE, "x", 0);
	uint8_t f[PROTO_HEADER_SIZE + 600];
	size_t len;
	assert_int_equal(proto_encode(&m, f, sizeof(f), &len), 0);
	f[len - 5] = '.'; /* new name "x" becomes "." */
	pdh_send_raw(&c, f, len);
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.type, PROTO_ERROR);
	assert_int_equal(r.u.error.code, PROTO_ERR_BAD_REQUEST);
	assert_string_equal(pdh_read(fu_at(share, "a.txt")), "alpha");
	outside_untouched();
	pdh_close(&c);
}

static void test_symlinks_and_specials(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	struct stat st;
	uint64_t f;
	uint64_t doc = share_granted(&c);
	assert_string_equal(fu_list(&c, doc, PROTO_ROOT_NODE, 128), "a.txt hl hl2 sub/");
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "etc-link", NULL),
			 PROTO_ERR_PERMISSION);
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "secret-link", NULL),
			 PROTO_ERR_PERMISSION);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "secret-link", 0, &f),
			 PROTO_ERR_PERMISSION);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "secret-link", PROTO_OPEN_CREATE, &f),
			 PROTO_ERR_PERMISSION);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "etc-link", 0, &f),
			 PROTO_ERR_PERMISSION);
	/* A FIFO is refused at once (opening it to read would block). */
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "fifo", 0, &f), PROTO_ERR_PERMISSION);
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "fifo", NULL), PROTO_ERR_PERMISSION);
	/* What the guest cannot see it cannot remove, rename or replace. */
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "secret-link", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "etc-link", PROTO_UNLINK_DIR);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	pdh_rename_req(&m, doc, PROTO_ROOT_NODE, "secret-link", PROTO_ROOT_NODE, "mine", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	pdh_rename_req(&m, doc, PROTO_ROOT_NODE, "a.txt", PROTO_ROOT_NODE, "secret-link", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	pdh_entry_req(&m, PROTO_ENTRY_MKDIR, doc, PROTO_ROOT_NODE, "etc-link", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_EXISTS);
	assert_int_equal(lstat(fu_at(share, "secret-link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(fu_at(share, "etc-link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(pdh_read(fu_at(share, "a.txt")), "alpha");
	outside_untouched();
	pdh_close(&c);
}

static void test_hard_links(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	struct stat st;
	uint64_t f;
	uint64_t doc = share_granted(&c);
	/* Read: allowed, the folder holds that name (docs/portal.md). */
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "hl", 0, &f), 0);
	assert_string_equal(fu_read(&c, f), "shared text");
	/* Written: a new file takes the name; the other names keep theirs. */
	pdh_doc_req(&m, PROTO_DOC_BEGIN, f);
	m.u.doc_begin.flags = PROTO_BEGIN_KEEP;
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	pdh_write_req(&m, f, 0, "SHARED", 6);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_COMMIT, f, NULL), 0);
	assert_string_equal(pdh_read(fu_at(share, "hl")), "SHARED text");
	assert_int_equal(stat(fu_at(share, "hl"), &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_true(st.st_ino != shared_st.st_ino);
	/* Removed: only the name inside goes. */
	pdh_entry_req(&m, PROTO_ENTRY_UNLINK, doc, PROTO_ROOT_NODE, "hl2", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(stat(fu_at(share, "hl2"), &st), -1);
	outside_untouched();
	pdh_close(&c);
}

static void test_swapped_between_requests(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	struct stat st;
	uint64_t f, g;
	uint64_t doc = share_granted(&c);
	/* A folder looked up, then swapped for a symbolic link to outside: the
	 * node keeps meaning the folder it was. */
	uint64_t sub = fu_dir(&c, doc, PROTO_ROOT_NODE, "sub");
	assert_int_equal(rename(fu_at(share, "sub"), fu_at(share, "sub.real")), 0);
	assert_int_equal(symlink("../outside", fu_at(share, "sub")), 0);
	assert_string_equal(fu_list(&c, doc, sub, 128), "inside.txt");
	assert_int_equal(fu_lookup(&c, doc, sub, "secret", NULL), PROTO_ERR_NO_ENTRY);
	assert_int_equal(fu_open(&c, doc, sub, "secret", 0, &f), PROTO_ERR_NO_ENTRY);
	assert_int_equal(fu_open(&c, doc, sub, "made", PROTO_OPEN_CREATE, &f), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_CLOSE, f, NULL), 0);
	assert_int_equal(stat(fu_at(share, "sub.real/made"), &st), 0);
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "sub", NULL), PROTO_ERR_PERMISSION);
	assert_true(pdh_fds_under(&h, fu_at(share, "sub.real")) > 0);

	/* A file opened, then its name swapped for a link to the secret: the
	 * guest reads and writes what it opened, and the commit replaces the
	 * link inside the folder, not the file it pointed at. */
	pdh_write(fu_at(share, "victim"), "victim", 0644);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "victim", 0, &f), 0);
	assert_int_equal(symlink("../outside/secret", fu_at(share, "victim.new")), 0);
	assert_int_equal(rename(fu_at(share, "victim.new"), fu_at(share, "victim")), 0);
	assert_string_equal(fu_read(&c, f), "victim");
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "victim", 0, &g), PROTO_ERR_PERMISSION);
	pdh_doc_req(&m, PROTO_DOC_BEGIN, f);
	m.u.doc_begin.flags = PROTO_BEGIN_KEEP;
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	pdh_write_req(&m, f, 0, "V", 1);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_COMMIT, f, NULL), 0);
	assert_int_equal(lstat(fu_at(share, "victim"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(pdh_read(fu_at(share, "victim")), "Victim");
	outside_untouched();
	pdh_close(&c);
}

static void test_replaced_while_read(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	static char a[2 * PROTO_CHUNK + 1], b[2 * PROTO_CHUNK + 1];
	uint64_t f, g;
	memset(a, 'A', sizeof(a) - 1);
	memset(b, 'B', sizeof(b) - 1);
	pdh_write(fu_at(share, "big"), a, 0644);
	uint64_t doc = share_granted(&c);
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "big", 0, &f), 0);
	pdh_read_req(&m, f, 0, PROTO_CHUNK, false);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_memory_equal(r.u.data.ptr, a, PROTO_CHUNK);
	struct proto_msg st0;
	assert_int_equal(fu_doc(&c, PROTO_DOC_STAT, f, &st0), 0);
	/* The host replaces it, as an editor saves. */
	pdh_write(fu_at(share, "big.new"), b, 0644);
	struct timeval tv[2] = {{2000000000, 0}, {2000000000, 0}};
	assert_int_equal(utimes(fu_at(share, "big.new"), tv), 0);
	assert_int_equal(rename(fu_at(share, "big.new"), fu_at(share, "big")), 0);
	/* The rest of this read is the same file: no mix. */
	pdh_read_req(&m, f, PROTO_CHUNK, PROTO_CHUNK, false);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.data.len, PROTO_CHUNK);
	assert_memory_equal(r.u.data.ptr, a, PROTO_CHUNK);
	assert_int_equal(fu_doc(&c, PROTO_DOC_STAT, f, &r), 0);
	assert_int_equal(r.u.stat.mtime_sec, st0.u.stat.mtime_sec);
	/* Opened again: the new file, and its stat says it changed. */
	assert_int_equal(fu_open(&c, doc, PROTO_ROOT_NODE, "big", 0, &g), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_STAT, g, &r), 0);
	assert_int_equal(r.u.stat.mtime_sec, 2000000000);
	pdh_read_req(&m, g, PROTO_CHUNK, PROTO_CHUNK, false);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_memory_equal(r.u.data.ptr, b, PROTO_CHUNK);
	pdh_close(&c);
}

static void test_two_folders_do_not_mix(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	struct stat st;
	uint64_t f;
	char other[1100];
	snprintf(other, sizeof(other), "%s", pdh_path(&h, "other"));
	assert_int_equal(mkdir(other, 0755), 0);
	assert_int_equal(mkdir(fu_at(other, "o"), 0755), 0);
	assert_int_equal(mkdir(fu_at(other, "p"), 0755), 0);
	open_guest(&c);
	uint64_t a = fu_grant(&h, &c, share, PROTO_PERM_READ | PROTO_PERM_WRITE);
	uint64_t b = fu_grant(&h, &c, other, PROTO_PERM_READ | PROTO_PERM_WRITE);
	uint64_t ob = fu_dir(&c, b, PROTO_ROOT_NODE, "o");
	assert_int_equal(ob, PROTO_ROOT_NODE + 1);
	uint64_t pb = fu_dir(&c, b, PROTO_ROOT_NODE, "p");
	uint64_t sa = fu_dir(&c, a, PROTO_ROOT_NODE, "sub.real");
	/* A node of one folder means nothing in another: no rename crosses. */
	assert_true(pb != sa);
	pdh_rename_req(&m, a, PROTO_ROOT_NODE, "a.txt", pb, "moved", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STALE);
	assert_int_equal(fu_lookup(&c, a, pb, "x", NULL), PROTO_ERR_STALE);
	assert_int_equal(stat(fu_at(other, "p/moved"), &st), -1);
	/* Node numbers are the folder's own: the same number in b is b's. */
	pdh_rename_req(&m, b, PROTO_ROOT_NODE, "o", PROTO_ROOT_NODE, "o2", 0);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(stat(fu_at(other, "o2"), &st), 0);
	assert_string_equal(pdh_read(fu_at(share, "a.txt")), "alpha");
	/* A file document is no folder. */
	assert_int_equal(fu_open(&c, a, PROTO_ROOT_NODE, "a.txt", 0, &f), 0);
	assert_int_equal(fu_lookup(&c, f, PROTO_ROOT_NODE, "a.txt", NULL), PROTO_ERR_STATE);
	pdh_entry_req(&m, PROTO_ENTRY_MKDIR, f, PROTO_ROOT_NODE, "x", 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STATE);
	outside_untouched();
	pdh_close(&c);
}

static bool revoke_seen(void *arg)
{
	struct pdh_conn *c = arg;
	struct proto_msg m;
	pdh_recv(c, &m, 10);
	return c->n_revoked > 0;
}

static void test_revoked_with_handles_open(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	uint64_t f;
	char id[32], out[4096];
	uint64_t doc = share_granted(&c);
	uint64_t sub = fu_dir(&c, doc, PROTO_ROOT_NODE, "sub.real");
	assert_int_equal(fu_open(&c, doc, sub, "inside.txt", 0, &f), 0);
	assert_int_equal(fu_doc(&c, PROTO_DOC_BEGIN, f, NULL), 0);
	pdh_write_req(&m, f, 0, "half-written", 12);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_true(pdh_fds_under(&h, fu_at(share, "sub.real")) >= 2);
	snprintf(id, sizeof(id), "%016llx", (unsigned long long)doc);
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke", id, NULL}),
	    0);
	assert_true(pdh_wait_for(revoke_seen, &c, 10000));
	assert_int_equal(c.revoked[0], doc);
	/* The grants of the earlier tests hold the folder too. */
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke-all", NULL}),
	    0);
	/* Everything under it fails, and nothing of it stays open. */
	assert_int_equal(fu_lookup(&c, doc, PROTO_ROOT_NODE, "a.txt", NULL), PROTO_ERR_NOT_FOUND);
	pdh_readdir_req(&m, doc, sub, 0, 10);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NOT_FOUND);
	pdh_read_req(&m, f, 0, 10, false);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NOT_FOUND);
	assert_int_equal(fu_doc(&c, PROTO_DOC_COMMIT, f, NULL), PROTO_ERR_NOT_FOUND);
	assert_string_equal(pdh_read(fu_at(share, "sub.real/inside.txt")), "inside");
	assert_int_equal(pdh_fds_under(&h, share), 0);
	assert_int_equal(pdh_fds_under(&h, pdh_path(&h, "other")), 0);
	outside_untouched();
	pdh_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_that_leave),
	    cmocka_unit_test(test_symlinks_and_specials),
	    cmocka_unit_test(test_hard_links),
	    cmocka_unit_test(test_swapped_between_requests),
	    cmocka_unit_test(test_replaced_while_read),
	    cmocka_unit_test(test_two_folders_do_not_mix),
	    cmocka_unit_test(test_revoked_with_handles_open),
	};
	return cmocka_run_group_tests_name("portald_folder_attacks", tests, start, stop);
}
