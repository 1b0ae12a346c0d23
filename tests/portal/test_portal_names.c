/* Names the guest portal makes: handle paths, document directories, URIs,
 * text cleaned up to the protocol's classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "names.h"
#include "proto.h"

static void test_tokens(void **state)
{
	(void)state;
	static const char *const good[] = {"t", "t1", "gtk1360499491", "A_b_9", "_"};
	static const char *const bad[] = {
	    "",	   "t-1",
	    "t.1", "t/1",
	    "t 1", "é",
	    "t\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(portal_token_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(portal_token_ok(bad[i]));
	/* 64 characters is the most. */
	assert_true(
	    portal_token_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void test_handle_paths(void **state)
{
	(void)state;
	char buf[PORTAL_HANDLE_MAX];
	assert_int_equal(portal_handle_path(":1.23", "t1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/org/freedesktop/portal/desktop/request/1_23/t1");
	assert_int_equal(portal_handle_path(":1.2.3", "gtk99", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/org/freedesktop/portal/desktop/request/1_2_3/gtk99");
	/* '-' may be in a bus name but not in an object path. */
	assert_int_equal(portal_handle_path(":a-b.1", "x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/org/freedesktop/portal/desktop/request/a_b_1/x");

	static const char *const bad_senders[] = {"1.23",  ":",	   ":.1",   ":1.",
						  ":1..2", ":1/2", ":1.2 ", "org.example.App"};
	for (size_t i = 0; i < sizeof(bad_senders) / sizeof(bad_senders[0]); i++)
		assert_int_equal(portal_handle_path(bad_senders[i], "t", buf, sizeof(buf)),
				 -EINVAL);
	assert_int_equal(portal_handle_path(":1.2", "t-1", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(portal_handle_path(":1.2", "t1", buf, 20), -ENOSPC);
}

static void test_docdirs(void **state)
{
	(void)state;
	char name[PORTAL_DOCDIR_LEN + 1];
	uint64_t id = 0;
	portal_docdir_name(0x5f3a0000000000c1ull, name);
	assert_string_equal(name, "5f3a0000000000c1");
	assert_int_equal(portal_docdir_parse(name, &id), 0);
	assert_true(id == 0x5f3a0000000000c1ull);
	portal_docdir_name(1, name);
	assert_string_equal(name, "0000000000000001");
	assert_int_equal(portal_docdir_parse("ffffffffffffffff", &id), 0);
	assert_true(id == UINT64_MAX);

	static const char *const bad[] = {"",
					  "0000000000000000",
					  "5f3a00000000001",
					  "5f3a0000000000c10",
					  "5F3A0000000000C1",
					  "5f3a00000000000g",
					  "..",
					  "5f3a0000000000c1/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(portal_docdir_parse(bad[i], &id), -ENOENT);
}

static void test_uris(void **state)
{
	(void)state;
	char uri[512];
	int n = portal_doc_uri("/run/user/1000/doc", 0x10, "notes.txt", uri, sizeof(uri));
	assert_string_equal(uri, "file:///run/user/1000/doc/0000000000000010/notes.txt");
	assert_int_equal(n, (int)strlen(uri));
	/* Everything outside the unreserved set is escaped, bytes of UTF-8 too. */
	portal_doc_uri("/doc", 1, "a b#?%&é+;.txt", uri, sizeof(uri));
	assert_string_equal(uri, "file:///doc/0000000000000001/a%20b%23%3F%25%26%C3%A9%2B%3B.txt");
	portal_doc_uri("/run/user 1/doc", 1, "~x-_.y", uri, sizeof(uri));
	assert_string_equal(uri, "file:///run/user%201/doc/0000000000000001/~x-_.y");
	/* Too small: an error, never a cut URI. */
	assert_int_equal(portal_doc_uri("/doc", 1, "notes.txt", uri, 30), -ENOSPC);
	assert_int_equal(portal_doc_uri("/doc", 1, "%%%%", uri, 40), -ENOSPC);
}

static void sanitized(const char *in, size_t len, enum portal_text cls, const char *want)
{
	char out[PROTO_LABEL_MAX + 1];
	size_t n = portal_sanitize(in, len, cls, out, sizeof(out));
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	if (cls == PORTAL_TEXT_LABEL)
		assert_true(proto_label_ok(out, n));
	else if (n > 0)
		assert_true(proto_filename_ok(out, n));
}

static void test_sanitize(void **state)
{
	(void)state;
	sanitized("Open a picture", 14, PORTAL_TEXT_LABEL, "Open a picture");
	/* Forged lines and disguised names become visible. */
	sanitized("Open\nforged", 11, PORTAL_TEXT_LABEL, "Open forged");
	sanitized("tab\there", 8, PORTAL_TEXT_LABEL, "tab here");
	sanitized("invoice\xe2\x80\xae"
		  "fdp.exe",
		  17, PORTAL_TEXT_FILENAME, "invoice_fdp.exe");
	sanitized("a\xc2\x85z", 4, PORTAL_TEXT_LABEL, "a_z");
	sanitized("bom\xef\xbb\xbf", 6, PORTAL_TEXT_LABEL, "bom_");
	sanitized("del\x7f", 4, PORTAL_TEXT_LABEL, "del_");
	/* Bytes that are not UTF-8, one '_' each. */
	sanitized("a\xff\xfe"
		  "b",
		  4, PORTAL_TEXT_FILENAME, "a__b");
	sanitized("\xc3", 1, PORTAL_TEXT_LABEL, "_");
	sanitized("\xed\xa0\x80", 3, PORTAL_TEXT_LABEL, "___"); /* a surrogate */
	/* File names: no '/', never "." or "..". */
	sanitized("../etc/passwd", 13, PORTAL_TEXT_FILENAME, ".._etc_passwd");
	sanitized(".", 1, PORTAL_TEXT_FILENAME, "_");
	sanitized("..", 2, PORTAL_TEXT_FILENAME, "_");
	sanitized("a/b", 3, PORTAL_TEXT_LABEL, "a/b");
	sanitized("", 0, PORTAL_TEXT_FILENAME, "");
	/* Stops at a NUL within len. */
	sanitized("ab\0cd", 5, PORTAL_TEXT_LABEL, "ab");
	/* UTF-8 kept whole. */
	sanitized("caf\xc3\xa9", 5, PORTAL_TEXT_FILENAME, "caf\xc3\xa9");

	/* Cut at the class's length, on a character boundary. */
	char long_in[600], want[300];
	memset(long_in, 'x', sizeof(long_in));
	memset(want, 'x', 255);
	want[255] = '\0';
	sanitized(long_in, sizeof(long_in), PORTAL_TEXT_FILENAME, want);
	memset(want, 'x', 256);
	want[256] = '\0';
	sanitized(long_in, sizeof(long_in), PORTAL_TEXT_LABEL, want);
	/* 254 'x' then "é" (2 bytes) would make 256 > 255: the é is left out. */
	memcpy(long_in + 254, "\xc3\xa9", 2);
	memset(want, 'x', 254);
	want[254] = '\0';
	sanitized(long_in, 300, PORTAL_TEXT_FILENAME, want);
}

static void test_basename(void **state)
{
	(void)state;
	size_t n;
	const char *b = portal_basename("/home/user/old report.pdf", 25, &n);
	assert_int_equal(n, 14);
	assert_memory_equal(b, "old report.pdf", 14);
	b = portal_basename("b.txt\0junk", 10, &n); /* stops at the NUL */
	assert_int_equal(n, 5);
	assert_memory_equal(b, "b.txt", 5);
	portal_basename("/", 1, &n);
	assert_int_equal(n, 0);
	portal_basename("/tmp/", 5, &n);
	assert_int_equal(n, 0);
	portal_basename("", 0, &n);
	assert_int_equal(n, 0);
}

/* The errno an app gets for each error code of the host; unknown codes
 * (a newer host's) are EIO. A folder too big to move in one step is EXDEV:
 * mv copies it instead. */
static void test_host_errno(void **state)
{
	(void)state;
	static const struct {
		uint32_t code;
		int err;
	} map[] = {
	    {PROTO_ERR_NOT_FOUND, EACCES},
	    {PROTO_ERR_PERMISSION, EACCES},
	    {PROTO_ERR_LIMIT, ENOSPC},
	    {PROTO_ERR_BUSY, EAGAIN},
	    {PROTO_ERR_UNSUPPORTED, EOPNOTSUPP},
	    {PROTO_ERR_STALE, ESTALE},
	    {PROTO_ERR_NO_ENTRY, ENOENT},
	    {PROTO_ERR_EXISTS, EEXIST},
	    {PROTO_ERR_NOT_EMPTY, ENOTEMPTY},
	    {PROTO_ERR_NOT_DIR, ENOTDIR},
	    {PROTO_ERR_IS_DIR, EISDIR},
	    {PROTO_ERR_TOO_BIG, EXDEV},
	    {PROTO_ERR_IO, EIO},
	    {PROTO_ERR_INTERNAL, EIO},
	    {PROTO_ERR_STATE, EIO},
	    {0, EIO},
	    {PROTO_ERR_TOO_BIG + 1, EIO},
	    {UINT32_MAX, EIO},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(host_error_errno(map[i].code), map[i].err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokens),     cmocka_unit_test(test_handle_paths),
	    cmocka_unit_test(test_docdirs),    cmocka_unit_test(test_uris),
	    cmocka_unit_test(test_sanitize),   cmocka_unit_test(test_basename),
	    cmocka_unit_test(test_host_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
