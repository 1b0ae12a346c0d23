/* What a hostile guest could make the host user see or save: a dialog
 * title whose right-to-left text would move the tag of a VM named without
 * a letter, suggested file names hiding invisible characters (the host
 * file gets the name as it is), and filter names hiding them from the
 * dialog's list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd_request.h"
#include "pd_text.h"
#include "proto.h"

#define LRM "\xe2\x80\x8e"

static void test_title_direction(void **state)
{
	(void)state;
	char t[PD_TITLE_SIZE];
	/* Hebrew, then a fake tag: with "[42] " alone the line would read
	 * right to left and end with the real tag. */
	static const char rtl[] = "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d [bank]";
	pd_dialog_title(t, sizeof(t), "42", proto_str_from(rtl), "x");
	assert_string_equal(t, LRM "[42] \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d [bank]");
	pd_dialog_title(t, sizeof(t), "1.0_2-3", proto_str_from(""), "Open File");
	assert_string_equal(t, LRM "[1.0_2-3] Open File");
	/* A name with a letter starts the line left to right by itself. */
	pd_dialog_title(t, sizeof(t), "4a", proto_str_from(rtl), "x");
	assert_string_equal(t, "[4a] \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d [bank]");
	/* The longest name without a letter and the worst title still fit. */
	char vm[65], big[PROTO_LABEL_MAX + 1];
	memset(vm, '7', 64);
	vm[64] = '\0';
	for (size_t i = 0; i < PROTO_LABEL_MAX; i += 2)
		memcpy(big + i, "\xc2\x85", 2);
	big[PROTO_LABEL_MAX] = '\0';
	size_t n = pd_dialog_title(t, sizeof(t), vm, proto_str_from(big), "x");
	assert_int_equal(n, strlen(t));
	assert_int_equal(n, 3 + 1 + 64 + 2 + (PROTO_LABEL_MAX / 2) * strlen("\\u{0085}"));
}

/* Names that pass the protocol's FILENAME check but hide characters: zero
 * width space and joiners, word joiner, soft hyphen, a Hangul filler that
 * looks like a blank, variation selectors and tag characters. Each becomes
 * '_' in the name the host shows and creates. */
static void test_safe_name_invisible(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"invoice\xe2\x80\x8b.pdf", "invoice_.pdf"},
	    {"a\xe2\x80\x8c\xe2\x80\x8d"
	     "b",
	     "a__b"},
	    {"x\xe2\x81\xa0y", "x_y"},
	    {"pass\xc2\xadwd", "pass_wd"},
	    {"photo\xe3\x85\xa4.jpg", "photo_.jpg"},
	    {"v\xef\xb8\x8f.txt", "v_.txt"},
	    {"t\xf3\xa0\x81\x81.txt", "t_.txt"},
	    {"\xe2\x80\x8b.bashrc", "_.bashrc"},
	    {".profile", "_profile"},
	    {"r\xc3\xa9sum\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt",
	     "r\xc3\xa9sum\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[PROTO_FILENAME_MAX + 1];
		assert_true(proto_filename_ok(cases[i].in, strlen(cases[i].in)));
		pd_safe_name(out, proto_str_from(cases[i].in));
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out, cases[i].out);
		assert_true(proto_filename_ok(out, strlen(out)));
	}
}

/* Filter names (and choice labels) pass the protocol's LABEL check with
 * characters that show as nothing: zero width space, word joiner, a Hangul
 * filler. The dialog shows them escaped, as the title: a filter that looks
 * empty, or "Images" that is not, cannot be offered. */
static void test_labels_invisible(void **state)
{
	(void)state;
	static const struct {
		const char *in, *shown;
	} cases[] = {
	    {"Im\xe2\x80\x8b"
	     "ages",
	     "Im\\u{200b}ages"},
	    {"\xe3\x85\xa4", "\\u{3164}"},
	    {"a\xe2\x81\xa0|b", "a\\u{2060}/b"},
	    {"back\\slash", "back\\\\slash"},
	    {"r\xc3\xa9sum\xc3\xa9", "r\xc3\xa9sum\xc3\xa9"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_dialog d;
		struct pd_chooser_req r;
		struct pd_strv a;
		memset(&d, 0, sizeof(d));
		assert_true(proto_label_ok(cases[i].in, strlen(cases[i].in)));
		d.current_filter = PROTO_NO_FILTER;
		d.n_filters = 1;
		d.n_patterns = 1;
		d.filters[0] = (struct proto_filter){
		    .name = proto_str_from(cases[i].in), .first = 0, .n_patterns = 1};
		d.patterns[0] = (struct proto_pattern){PROTO_PATTERN_GLOB, proto_str_from("*")};
		pd_chooser_req_init(&r, PROTO_FILE_OPEN, "vm", &d);
		assert_int_equal(pd_zenity_argv(&r, NULL, 0, &a), 0);
		char want[PROTO_LABEL_MAX * 10 + 64];
		snprintf(want, sizeof(want), "--file-filter=%s | *", cases[i].shown);
		if (strcmp(a.v[a.n - 1], want) != 0)
			fail_msg("case %zu: %s, want %s", i, a.v[a.n - 1], want);
		pd_strv_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_title_direction),
	    cmocka_unit_test(test_safe_name_invisible),
	    cmocka_unit_test(test_labels_invisible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
