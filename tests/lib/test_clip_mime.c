/* lib/clip_mime.c: which of the offered types answers a request for text or
 * for one type, and the list of offered types in error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clip_mime.h"

static void test_is_text(void **state)
{
	(void)state;
	static const char *const text[] = {"text/plain;charset=utf-8", "text/plain;charset=UTF-8",
					   "TEXT/PLAIN;CHARSET=UTF-8", "UTF8_STRING", "text/plain"};
	static const char *const other[] = {
	    "text/html", "text/plain; charset=utf-8",	  "STRING",	 "TEXT",
	    "image/png", "text/plain;charset=iso-8859-1", "text/plainx", ""};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		if (!clip_mime_is_text(text[i]))
			fail_msg("%s is text", text[i]);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (clip_mime_is_text(other[i]))
			fail_msg("%s is not text", other[i]);
}

static void test_pick(void **state)
{
	(void)state;
	/* wl-copy's list: the best text name wins, whatever the order. */
	static const char *const wl_copy[] = {"text/plain", "text/plain;charset=utf-8", "TEXT",
					      "STRING", "UTF8_STRING"};
	assert_string_equal(clip_mime_pick(wl_copy, 5, "text/plain;charset=utf-8"),
			    "text/plain;charset=utf-8");
	assert_string_equal(clip_mime_pick(wl_copy, 5, "text/plain"), "text/plain;charset=utf-8");
	static const char *const x11[] = {"TARGETS", "STRING", "UTF8_STRING", "text/plain"};
	assert_string_equal(clip_mime_pick(x11, 4, CLIP_TEXT_MIME), "UTF8_STRING");
	static const char *const plain[] = {"image/png", "text/plain"};
	assert_string_equal(clip_mime_pick(plain, 2, CLIP_TEXT_MIME), "text/plain");
	/* A pointer into the list, not the wanted string. */
	assert_ptr_equal(clip_mime_pick(plain, 2, "image/png"), plain[0]);
	/* No text: STRING and TEXT are not taken for UTF-8. */
	static const char *const latin[] = {"STRING", "TEXT", "image/png"};
	assert_null(clip_mime_pick(latin, 3, CLIP_TEXT_MIME));
	/* Other types match exactly, case included. */
	assert_null(clip_mime_pick(plain, 2, "image/PNG"));
	assert_null(clip_mime_pick(plain, 2, "image/jpeg"));
	assert_null(clip_mime_pick(NULL, 0, CLIP_TEXT_MIME));
}

static void test_list(void **state)
{
	(void)state;
	static const char *const m[] = {"text/plain", "image/png", "application/x-long-name"};
	char buf[64];
	assert_string_equal(clip_mime_list(m, 3, buf, sizeof(buf)),
			    "text/plain, image/png, application/x-long-name");
	assert_string_equal(clip_mime_list(m, 0, buf, sizeof(buf)), "");
	/* Cut short with "..." rather than in the middle of a name. */
	char small[30];
	assert_string_equal(clip_mime_list(m, 3, small, sizeof(small)),
			    "text/plain, image/png, ...");
	char tiny[12];
	assert_string_equal(clip_mime_list(m, 3, tiny, sizeof(tiny)), "...");
	for (size_t n = 1; n < 64; n++) {
		memset(buf, 'Z', sizeof(buf));
		clip_mime_list(m, 3, buf, n);
		assert_true(strlen(buf) < n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_is_text),
	    cmocka_unit_test(test_pick),
	    cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
