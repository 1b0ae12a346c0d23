/* appvm-portald with a fake guest and the command chooser: what a grant
 * lets the guest do to the file the user picked, and nothing more; staged
 * writes; announcing and revoking grants; the appvmctl docs commands. */
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

#include "pd_harness.h"

static struct pdh h;

static void put(const char *name, const char *text, mode_t mode)
{
	pdh_write(pdh_path(&h, name), text, mode);
}

static const char *slurp(const char *name)
{
	return pdh_read(pdh_path(&h, name));
}

static unsigned home_entries(void)
{
	unsigned n = 0;
	DIR *d = opendir(h.home);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

static int start(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "1000", "--dialog-interval", "1ms",
					    "--max-file-size", "1M", "--staging-quota", "1536K",
					    "--max-grants", "16", NULL});
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	return 0;
}

/* Opens a dialog the chooser answers with these lines; returns the reply. */
static uint32_t dialog(struct pdh_conn *c, struct proto_msg *req, const char *answer,
		       struct proto_msg *reply)
{
	pdh_answer(&h, answer, 0, false);
	return pdh_call(c, req, reply);
}

static uint64_t open_file(struct pdh_conn *c, const char *name)
{
	struct proto_msg m, r;
	char line[1024];
	snprintf(line, sizeof(line), "%s\n", pdh_path(&h, name));
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(dialog(c, &m, line, &r), 0);
	assert_int_equal(r.u.result.n_docs, 1);
	return r.u.result.docs[0].id;
}

static uint64_t save_file(struct pdh_conn *c, const char *name)
{
	struct proto_msg m, r;
	char line[1024];
	snprintf(line, sizeof(line), "%s\n", pdh_path(&h, name));
	pdh_save_req(&m, "Save", name);
	assert_int_equal(dialog(c, &m, line, &r), 0);
	assert_int_equal(r.u.result.n_docs, 1);
	assert_int_equal(r.u.result.docs[0].perms, PROTO_PERM_READ | PROTO_PERM_WRITE);
	return r.u.result.docs[0].id;
}

static uint32_t doc_op(struct pdh_conn *c, uint16_t type, uint64_t id, struct proto_msg *r)
{
	struct proto_msg m;
	pdh_doc_req(&m, type, id);
	return pdh_call(c, &m, r);
}

static void test_open_is_read_only(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	put("notes.txt", "hello world", 0644);
	pdh_open(&h, &c);
	pdh_open_req(&m, PROTO_DIALOG_MODAL, "Open notes");
	char line[600];
	snprintf(line, sizeof(line), "%s\n", pdh_path(&h, "notes.txt"));
	assert_int_equal(dialog(&c, &m, line, &r), 0);
	assert_int_equal(r.u.result.n_docs, 1);
	const struct proto_doc *d = &r.u.result.docs[0];
	uint64_t id = d->id;
	assert_int_equal(d->perms, PROTO_PERM_READ);
	assert_int_equal(d->size, 11);
	assert_memory_equal(d->name.ptr, "notes.txt", 9);
	/* What the chooser was told: the VM's name first, never a guest path. */
	assert_non_null(strstr(pdh_file(&h, "request.json"), "\"title\":\"[testvm] Open notes\""));
	assert_non_null(strstr(pdh_file(&h, "env"), "APPVM_CHOOSER_MODE=open\n"));
	assert_non_null(strstr(pdh_file(&h, "env"), "APPVM_VM_NAME=testvm\n"));
	assert_string_equal(pdh_file(&h, "argv1"), "open\n");

	assert_int_equal(doc_op(&c, PROTO_DOC_STAT, id, &r), 0);
	assert_int_equal(r.u.stat.flags, PROTO_PERM_READ | PROTO_STAT_EXISTS);
	assert_int_equal(r.u.stat.size, 11);
	pdh_read_req(&m, id, 6, 100, false);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.data.len, 5);
	assert_memory_equal(r.u.data.ptr, "world", 5);
	/* Writing, in any form, is refused. */
	pdh_write_req(&m, id, 0, "x", 1);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_PERMISSION);
	assert_int_equal(doc_op(&c, PROTO_DOC_BEGIN, id, &r), PROTO_ERR_PERMISSION);
	assert_int_equal(doc_op(&c, PROTO_DOC_COMMIT, id, &r), PROTO_ERR_PERMISSION);
	pdh_read_req(&m, id, 0, 10, true);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STATE);
	assert_string_equal(slurp("notes.txt"), "hello world");
	/* Other ids give nothing. */
	assert_int_equal(doc_op(&c, PROTO_DOC_STAT, id + 1, &r), PROTO_ERR_NOT_FOUND);
	pdh_read_req(&m, id ^ 0x8000000000000000ull, 0, 10, false);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NOT_FOUND);
	pdh_close(&c);
}

static void test_save_new_file_staged(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	static char big[70000];
	pdh_open(&h, &c);
	unsigned before = home_entries();
	uint64_t id = save_file(&c, "report.txt");
	assert_string_equal(pdh_file(&h, "argv1"), "save\n");
	assert_non_null(strstr(pdh_file(&h, "env"), "APPVM_CHOOSER_NAME=report.txt\n"));
	assert_int_equal(doc_op(&c, PROTO_DOC_STAT, id, &r), 0);
	assert_int_equal(r.u.stat.flags, PROTO_PERM_READ | PROTO_PERM_WRITE);
	assert_int_equal(r.u.stat.size, 0);
	pdh_read_req(&m, id, 0, 10, false);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.data.len, 0);
	/* No write, truncate, commit or abort without a begin. */
	pdh_write_req(&m, id, 0, "x", 1);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STATE);
	assert_int_equal(doc_op(&c, PROTO_DOC_COMMIT, id, &r), PROTO_ERR_STATE);
	assert_int_equal(doc_op(&c, PROTO_DOC_ABORT, id, &r), PROTO_ERR_STATE);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_TRUNCATE;
	m.u.doc_truncate.doc_id = id;
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_STATE);

	assert_int_equal(doc_op(&c, PROTO_DOC_BEGIN, id, &r), 0);
	assert_int_equal(r.u.stat.flags, PROTO_PERM_READ | PROTO_PERM_WRITE | PROTO_STAT_STAGED);
	assert_int_equal(doc_op(&c, PROTO_DOC_BEGIN, id, &r), PROTO_ERR_STATE);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	for (uint32_t off = 0; off < sizeof(big); off += PROTO_CHUNK) {
		uint32_t n = sizeof(big) - off < PROTO_CHUNK ? sizeof(big) - off : PROTO_CHUNK;
		pdh_write_req(&m, id, off, big + off, n);
		assert_int_equal(pdh_call(&c, &m, &r), 0);
		assert_int_equal(r.u.written, n);
	}
	pdh_read_req(&m, id, 69990, 100, true);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.data.len, 10);
	assert_memory_equal(r.u.data.ptr, big + 69990, 10);
	assert_int_equal(doc_op(&c, PROTO_DOC_STAT, id, &r), 0);
	assert_true(r.u.stat.flags & PROTO_STAT_STAGED);
	assert_int_equal(r.u.stat.staged_size, sizeof(big));
	/* Nothing in the user's folder until the commit. */
	assert_null(slurp("report.txt"));
	assert_int_equal(home_entries(), before);
	assert_int_equal(doc_op(&c, PROTO_DOC_COMMIT, id, &r), 0);
	assert_int_equal(r.u.stat.flags, PROTO_PERM_READ | PROTO_PERM_WRITE | PROTO_STAT_EXISTS);
	assert_int_equal(r.u.stat.size, sizeof(big));
	assert_int_equal(home_entries(), before + 1);
	assert_memory_equal(slurp("report.txt"), big, sizeof(big));
	pdh_close(&c);
	unlink(pdh_path(&h, "report.txt"));
}

static void test_edit_in_place_and_abort(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	put("edit.txt", "line one\nline two\n", 0640);
	pdh_open(&h, &c);
	unsigned before = home_entries();
	uint64_t id = save_file(&c, "edit.txt");
	pdh_doc_req(&m, PROTO_DOC_BEGIN, id);
	m.u.doc_begin.flags = PROTO_BEGIN_KEEP;
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.stat.staged_size, 18);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_TRUNCATE;
	m.u.doc_truncate = (struct proto_doc_truncate){id, 9};
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	pdh_write_req(&m, id, 9, "LINE TWO\n", 9);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	/* Abandoned: the file is untouched, nothing left beside it. */
	assert_int_equal(doc_op(&c, PROTO_DOC_ABORT, id, &r), 0);
	assert_string_equal(slurp("edit.txt"), "line one\nline two\n");
	assert_int_equal(home_entries(), before);
	/* Done again and committed: replaced, mode kept. */
	pdh_doc_req(&m, PROTO_DOC_BEGIN, id);
	m.u.doc_begin.flags = PROTO_BEGIN_KEEP;
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	pdh_write_req(&m, id, 0, "LINE", 4);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(doc_op(&c, PROTO_DOC_COMMIT, id, &r), 0);
	assert_string_equal(slurp("edit.txt"), "LINE one\nline two\n");
	struct stat sb;
	stat(pdh_path(&h, "edit.txt"), &sb);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(home_entries(), before);
	pdh_close(&c);
}

static void test_limits(void **state)
{
	(void)state;
	struct pdh_conn c, c2;
	struct proto_msg m, r;
	static char chunk[PROTO_CHUNK];
	pdh_open(&h, &c);
	uint64_t a = save_file(&c, "a.bin"), b = save_file(&c, "b.bin");
	assert_int_equal(doc_op(&c, PROTO_DOC_BEGIN, a, &r), 0);
	/* 1 MiB per file: the last byte fits, one more does not. */
	pdh_write_req(&m, a, (1 << 20) - 1, "x", 1);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	pdh_write_req(&m, a, 1 << 20, "x", 1);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_LIMIT);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DOC_TRUNCATE;
	m.u.doc_truncate = (struct proto_doc_truncate){a, (1 << 20) + 1};
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_LIMIT);
	pdh_write_req(&m, a, 0x7ffffffffff00000ull, "x", 1);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_LIMIT);
	/* 1.5 MiB for all stages: b gets half a MiB. */
	assert_int_equal(doc_op(&c, PROTO_DOC_BEGIN, b, &r), 0);
	pdh_write_req(&m, b, (512 << 10) - PROTO_CHUNK, chunk, PROTO_CHUNK);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	pdh_write_req(&m, b, 512 << 10, "x", 1);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_LIMIT);
	/* Another connection may not touch c's stage. */
	pdh_open(&h, &c2);
	pdh_write_req(&m, b, 0, "x", 1);
	assert_int_equal(pdh_call(&c2, &m, &r), PROTO_ERR_STATE);
	assert_int_equal(doc_op(&c2, PROTO_DOC_COMMIT, b, &r), PROTO_ERR_STATE);
	assert_int_equal(doc_op(&c2, PROTO_DOC_ABORT, b, &r), PROTO_ERR_STATE);
	/* c goes away: its stages go with it, and c2 may begin. */
	pdh_close(&c);
	assert_int_equal(doc_op(&c2, PROTO_DOC_STAT, b, &r), 0);
	for (int i = 0; i < 100 && (r.u.stat.flags & PROTO_STAT_STAGED); i++) {
		usleep(20000); /* the daemon sees the close in its own time */
		assert_int_equal(doc_op(&c2, PROTO_DOC_STAT, b, &r), 0);
	}
	assert_false(r.u.stat.flags & PROTO_STAT_STAGED);
	assert_int_equal(doc_op(&c2, PROTO_DOC_BEGIN, b, &r), 0);
	assert_int_equal(doc_op(&c2, PROTO_DOC_ABORT, b, &r), 0);
	assert_null(slurp("a.bin"));
	assert_null(slurp("b.bin"));
	/* No more grants than --max-grants: the dialog is refused before it shows. */
	assert_int_equal(doc_op(&c2, PROTO_DOC_CLOSE, a, &r), 0);
	assert_int_equal(doc_op(&c2, PROTO_DOC_CLOSE, b, &r), 0);
	char out[8192];
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke-all", NULL}),
	    0);
	for (int i = 0; i < 16; i++)
		save_file(&c2, "x.bin");
	unsigned calls = pdh_chooser_calls(&h);
	pdh_save_req(&m, "one too many", "y");
	assert_int_equal(pdh_call(&c2, &m, &r), PROTO_ERR_LIMIT);
	assert_int_equal(pdh_chooser_calls(&h), calls);
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke-all", NULL}),
	    0);
	assert_string_equal(out, "revoked 16 documents\n");
	pdh_close(&c2);
}

static void test_several_and_save_many(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	char ans[2048];
	put("one", "1", 0644);
	put("two", "22", 0644);
	put("b.txt", "old b", 0644);
	pdh_open(&h, &c);
	snprintf(ans, sizeof(ans), "%s\n%s\n", pdh_path(&h, "one"), pdh_path(&h, "two"));
	pdh_open_req(&m, PROTO_DIALOG_MULTIPLE, "Open several");
	assert_int_equal(dialog(&c, &m, ans, &r), 0);
	assert_int_equal(r.u.result.n_docs, 2);
	assert_int_equal(r.u.result.docs[1].size, 2);
	assert_true(r.u.result.docs[0].id != r.u.result.docs[1].id);
	/* Two files for a one-file dialog: the chooser is wrong, nothing granted. */
	pdh_open_req(&m, 0, "Open one");
	assert_int_equal(dialog(&c, &m, ans, &r), PROTO_ERR_INTERNAL);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_FILE_SAVE_MANY;
	m.u.dialog.title = proto_str_from("Export");
	m.u.dialog.current_filter = PROTO_NO_FILTER;
	m.u.dialog.n_names = 3;
	m.u.dialog.names[0] = proto_str_from("a.txt");
	m.u.dialog.names[1] = proto_str_from("b.txt");
	m.u.dialog.names[2] = proto_str_from(".bash_login");
	snprintf(ans, sizeof(ans), "%s\n", h.home);
	assert_int_equal(dialog(&c, &m, ans, &r), 0);
	assert_int_equal(r.u.result.n_docs, 3);
	assert_memory_equal(r.u.result.docs[0].name.ptr, "a.txt", 5);
	assert_int_equal(r.u.result.docs[1].name.len, 9);
	assert_memory_equal(r.u.result.docs[1].name.ptr, "b (2).txt", 9);
	assert_int_equal(r.u.result.docs[2].name.len, 11);
	assert_memory_equal(r.u.result.docs[2].name.ptr, "_bash_login", 11);
	assert_non_null(strstr(pdh_file(&h, "request.json"),
			       "\"names\":[\"a.txt\",\"b.txt\",\"_bash_login\"]"));
	uint64_t b2 = r.u.result.docs[1].id;
	assert_int_equal(doc_op(&c, PROTO_DOC_BEGIN, b2, &r), 0);
	pdh_write_req(&m, b2, 0, "new b", 5);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(doc_op(&c, PROTO_DOC_COMMIT, b2, &r), 0);
	assert_string_equal(slurp("b (2).txt"), "new b");
	assert_string_equal(slurp("b.txt"), "old b");
	assert_null(slurp(".bash_login"));
	pdh_close(&c);
	char out[64];
	pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke-all", NULL});
}

static void test_swapped_file_is_not_followed(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	put("victim.txt", "mine", 0644);
	put("secret", "SECRET", 0600);
	pdh_open(&h, &c);
	uint64_t id = open_file(&c, "victim.txt");
	unlink(pdh_path(&h, "victim.txt"));
	assert_int_equal(symlink(pdh_path(&h, "secret"), pdh_path(&h, "victim.txt")), 0);
	pdh_read_req(&m, id, 0, 100, false);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_IO);
	unlink(pdh_path(&h, "victim.txt"));
	assert_int_equal(mkfifo(pdh_path(&h, "victim.txt"), 0644), 0);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_IO);
	assert_int_equal(doc_op(&c, PROTO_DOC_STAT, id, &r), PROTO_ERR_IO);
	unlink(pdh_path(&h, "victim.txt"));
	pdh_close(&c);
	char out[64];
	pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke-all", NULL});
}

static void test_announce_revoke_and_appvmctl(void **state)
{
	(void)state;
	struct pdh_conn c, c2;
	struct proto_msg m, r;
	char out[8192], want[256];
	put("p1", "one", 0644);
	put("p\x1b[2J", "two", 0644);
	pdh_open(&h, &c);
	uint64_t a = open_file(&c, "p1"), b = open_file(&c, "p\x1b[2J");
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "list", NULL}), 0);
	snprintf(want, sizeof(want), "%016llx  ro      -", (unsigned long long)a);
	assert_non_null(strstr(out, want));
	/* The escape sequence in the host name is escaped, not printed. */
	assert_non_null(strstr(out, "/home/p\\x1b[2J\n"));
	assert_int_equal(pdh_appvmctl(&h, out, sizeof(out),
				      (const char *const[]){"docs", "list", "--json", NULL}),
			 0);
	assert_non_null(strstr(out, "\"ok\":true"));
	assert_non_null(strstr(out, "/home/p\\u001b[2J\""));
	/* A second connection (the guest portal restarted) hears of both. */
	pdh_open(&h, &c2);
	assert_int_equal(doc_op(&c2, PROTO_DOC_STAT, a, &r), 0);
	assert_int_equal(c2.n_granted, 2);
	assert_true(c2.granted[0] == a && c2.granted[1] == b);
	/* Revoked: both connections are told, the id is dead. */
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)a);
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke", want, NULL}),
	    0);
	assert_int_equal(doc_op(&c, PROTO_DOC_STAT, a, &r), PROTO_ERR_NOT_FOUND);
	assert_int_equal(c.n_revoked, 1);
	assert_true(c.revoked[0] == a);
	assert_int_equal(doc_op(&c2, PROTO_DOC_STAT, b, &r), 0);
	assert_int_equal(c2.n_revoked, 1);
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "revoke", want, NULL}),
	    1);
	/* DOC_CLOSE: the guest gives b up; gone from the listing. */
	assert_int_equal(doc_op(&c2, PROTO_DOC_CLOSE, b, &r), 0);
	pdh_read_req(&m, b, 0, 1, false);
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_NOT_FOUND);
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "list", NULL}), 0);
	assert_string_equal(out, "no documents granted\n");
	assert_int_equal(
	    pdh_appvmctl(&h, out, sizeof(out), (const char *const[]){"docs", "bogus", NULL}), 2);
	pdh_close(&c);
	pdh_close(&c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_is_read_only),
	    cmocka_unit_test(test_save_new_file_staged),
	    cmocka_unit_test(test_edit_in_place_and_abort),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_several_and_save_many),
	    cmocka_unit_test(test_swapped_file_is_not_followed),
	    cmocka_unit_test(test_announce_revoke_and_appvmctl),
	};
	return cmocka_run_group_tests_name("portald_docs", tests, start, stop);
}
