/* Text between guest, dialogs and host file names: VM names, dialog titles,
 * display names from hostile host names, safe suggestions, name variants,
 * JSON strings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd_text.h"
#include "proto.h"

static void test_vm_names(void **state)
{
	(void)state;
	const char *good[] = {"mail", "a", "web-2", "x_y.z", "A0"};
	const char *bad[] = {
	    "",		  "-x",
	    ".x",	  "a b",
	    "a/b",	  "a\nb",
	    "m\xc3\xa9l", "0123456789012345678901234567890123456789012345678901234567890123x"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(pd_vm_name_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (pd_vm_name_ok(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
}

static void test_titles(void **state)
{
	(void)state;
	char t[PD_TITLE_SIZE];
	pd_dialog_title(t, sizeof(t), "mail", proto_str_from("Open image"), "Open File");
	assert_string_equal(t, "[mail] Open image");
	pd_dialog_title(t, sizeof(t), "mail", proto_str_from(""), "Save File");
	assert_string_equal(t, "[mail] Save File");
	/* A guest pretending to be another VM still comes after its own name. */
	pd_dialog_title(t, sizeof(t), "mail", proto_str_from("[bank] Log in"), "x");
	assert_string_equal(t, "[mail] [bank] Log in");
	/* What the codec refuses is escaped all the same. */
	pd_dialog_title(t, sizeof(t), "vm",
			proto_str_from("a\xe2\x80\xae"
				       "b\nc\x01"),
			"x");
	assert_string_equal(t, "[vm] a\\u{202e}b\\nc\\x01");
	pd_dialog_title(t, sizeof(t), "vm", proto_str_from("bad\xff"), "x");
	assert_string_equal(t, "[vm] bad\\xff");
	/* A small buffer truncates and stays terminated. */
	size_t n = pd_dialog_title(t, 8, "vm", proto_str_from("Open image"), "x");
	assert_int_equal(n, 7);
	assert_string_equal(t, "[vm] Op");
	/* The largest title fits PD_TITLE_SIZE. */
	char big[PROTO_LABEL_MAX + 1];
	for (size_t i = 0; i < PROTO_LABEL_MAX; i += 2)
		memcpy(big + i, "\xc2\x85", 2); /* C1 controls: the worst expansion */
	big[PROTO_LABEL_MAX] = '\0';
	n = pd_dialog_title(t, sizeof(t),
			    "0123456789012345678901234567890123456789012345678901"
			    "234567890123",
			    proto_str_from(big), "x");
	assert_true(n < sizeof(t));
}

static void test_display_names(void **state)
{
	(void)state;
	char out[PROTO_FILENAME_MAX + 1];
	struct {
		const char *host, *want;
	} cases[] = {
	    {"notes.txt", "notes.txt"},
	    {"caf\xc3\xa9.txt", "caf\xc3\xa9.txt"},
	    {"bad\xff\xfename", "bad__name"},
	    {"tab\there", "tab_here"},
	    {"invoice\xe2\x80\xae"
	     "fdp.exe",
	     "invoice_fdp.exe"},
	    {"c1\xc2\x85x", "c1_x"},
	    {"bom\xef\xbb\xbfx", "bom_x"},
	    {"\xed\xa0\x80surrogate", "___surrogate"},
	    {".hidden", ".hidden"},
	    {"..", "_"},
	    {".", "_"},
	    {"", "_"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t n = pd_display_name(out, cases[i].host);
		if (strcmp(out, cases[i].want))
			fail_msg("'%s' -> '%s', want '%s'", cases[i].host, out, cases[i].want);
		assert_int_equal(n, strlen(out));
		assert_true(proto_filename_ok(out, n));
	}
	/* A 255-byte host name of 2-byte characters and a trailing 3-byte one:
	 * cut on a character boundary, still valid. */
	char lng[300];
	size_t o = 0;
	while (o + 2 <= 254) {
		memcpy(lng + o, "\xc3\xa9", 2);
		o += 2;
	}
	lng[o++] = 'x';
	memcpy(lng + o, "\xe2\x82\xac", 3);
	lng[o + 3] = '\0';
	size_t n = pd_display_name(out, lng);
	assert_true(n <= PROTO_FILENAME_MAX);
	assert_true(proto_filename_ok(out, n));
}

static void test_safe_names_and_variants(void **state)
{
	(void)state;
	char out[PROTO_FILENAME_MAX + 1];
	pd_safe_name(out, proto_str_from(".bash_login"));
	assert_string_equal(out, "_bash_login");
	pd_safe_name(out, proto_str_from("report.pdf"));
	assert_string_equal(out, "report.pdf");
	assert_int_equal(pd_name_variant(out, "b.txt", 2), 0);
	assert_string_equal(out, "b (2).txt");
	assert_int_equal(pd_name_variant(out, "archive.tar.gz", 13), 0);
	assert_string_equal(out, "archive.tar (13).gz");
	assert_int_equal(pd_name_variant(out, "notes", 3), 0);
	assert_string_equal(out, "notes (3)");
	assert_int_equal(pd_name_variant(out, "_rc", 2), 0);
	assert_string_equal(out, "_rc (2)");
	assert_int_equal(pd_name_variant(out, "x", 1), -EINVAL);
	assert_int_equal(pd_name_variant(out, "", 2), -EINVAL);
	/* At the length limit the stem gives way, on a character boundary. */
	char lng[PROTO_FILENAME_MAX + 1];
	size_t o = 0;
	while (o + 2 <= PROTO_FILENAME_MAX - 4) {
		memcpy(lng + o, "\xc3\xa9", 2);
		o += 2;
	}
	strcpy(lng + o, ".txt");
	assert_int_equal(pd_name_variant(out, lng, 999), 0);
	assert_true(strlen(out) <= PROTO_FILENAME_MAX);
	assert_true(proto_filename_ok(out, strlen(out)));
	assert_non_null(strstr(out, " (999).txt"));
	/* An extension as long as the name: the suffix goes at the end. */
	memset(lng, 'e', PROTO_FILENAME_MAX);
	lng[0] = 'a';
	lng[1] = '.';
	lng[PROTO_FILENAME_MAX] = '\0';
	assert_int_equal(pd_name_variant(out, lng, 2), 0);
	assert_int_equal(strlen(out), PROTO_FILENAME_MAX);
	assert_string_equal(out + PROTO_FILENAME_MAX - 4, " (2)");
}

static void test_json_strings(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	pd_json_str(f, "a\"b\\c\n\x01\x7f\xc3\xa9", 10);
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\u000a\\u0001\\u007f\xc3\xa9\"");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vm_names),	  cmocka_unit_test(test_titles),
	    cmocka_unit_test(test_display_names), cmocka_unit_test(test_safe_names_and_variants),
	    cmocka_unit_test(test_json_strings),
	};
	return cmocka_run_group_tests_name("pd_text", tests, NULL, NULL);
}
