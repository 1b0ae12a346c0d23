/* lib/text_escape: every code point of every property the table covers is
 * escaped, every other one passes, the table is well formed, invalid UTF-8
 * never passes, and truncation never cuts an escape. The case lists come
 * from the Unicode data (tests/lib/text_escape_cases.h, generated with the
 * table; the text_escape_table test checks both against the data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text_escape.h"
#include "text_escape_cases.h"
#include "utf8.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* What one hidden code point must become. */
static void expected_escape(uint32_t cp, char *buf, size_t size)
{
	if (cp == '\t')
		snprintf(buf, size, "\\t");
	else if (cp == '\n')
		snprintf(buf, size, "\\n");
	else if (cp < 0x20 || cp == 0x7f)
		snprintf(buf, size, "\\x%02x", (unsigned)cp);
	else
		snprintf(buf, size, "\\u{%04x}", (unsigned)cp);
}

/* "a<cp>b" must come out as "a<escape>b". */
static void check_hidden(uint32_t cp)
{
	char in[6] = {'a'}, want[32], got[32];
	size_t n = utf8_encode(cp, in + 1);
	in[1 + n] = 'b';
	char esc[16];
	expected_escape(cp, esc, sizeof(esc));
	snprintf(want, sizeof(want), "a%sb", esc);
	if (!text_escape_hidden(cp))
		fail_msg("U+%04X is not in the table", (unsigned)cp);
	size_t len = text_escape(got, sizeof(got), in, n + 2);
	if (strcmp(got, want) != 0 || len != strlen(want))
		fail_msg("U+%04X: got '%s', want '%s'", (unsigned)cp, got, want);
}

static void check_list(const uint32_t *cps, size_t n)
{
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		check_hidden(cps[i]);
}

static void check_ranges(const struct text_escape_range *r, size_t n)
{
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		for (uint32_t cp = r[i].first; cp <= r[i].last; cp++)
			check_hidden(cp);
}

static void test_bidi_control(void **state)
{
	(void)state;
	/* The one the table was made for, and the rest of the property. */
	check_hidden(0x061c);
	check_list(cases_bidi_control, N(cases_bidi_control));
	assert_int_equal(N(cases_bidi_control), 12);
}

static void test_categories(void **state)
{
	(void)state;
	check_list(cases_cc, N(cases_cc));
	check_list(cases_cf, N(cases_cf));
	check_list(cases_zl_zp, N(cases_zl_zp));
}

static void test_default_ignorable_and_noncharacters(void **state)
{
	(void)state;
	check_ranges(cases_default_ignorable, N(cases_default_ignorable));
	check_ranges(cases_noncharacter, N(cases_noncharacter));
	/* Named in the report that asked for the table. */
	static const uint32_t named[] = {0x180e,  0x2060,  0x2061,  0x2062,  0x2063, 0x2064,
					 0xfff9,  0xfffa,  0xfffb,  0x115f,  0x1160, 0x3164,
					 0xe0000, 0xe0001, 0xe0041, 0xe007f, 0xfe0f, 0xe01ef};
	check_list(named, N(named));
}

static void test_table_well_formed(void **state)
{
	(void)state;
	uint64_t count = 0;
	for (size_t i = 0; i < text_escape_n_ranges; i++) {
		const struct text_escape_range *r = &text_escape_ranges[i];
		assert_true(r->first <= r->last);
		assert_true(r->last <= 0x10ffff);
		/* Sorted, disjoint and merged: a gap before every range. */
		if (i > 0)
			assert_true(text_escape_ranges[i - 1].last + 1 < r->first);
		count += r->last - r->first + 1;
	}
	assert_int_equal(count, TEXT_ESCAPE_N_CODE_POINTS);
}

/* Every code point: escaped exactly when the table says so, else passed as
 * it is; and nothing in any output decodes to a hidden character. */
static void test_every_code_point(void **state)
{
	(void)state;
	uint64_t escaped = 0;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		char in[4], got[16];
		size_t n = utf8_encode(cp, in);
		size_t len = text_escape(got, sizeof(got), in, n);
		assert_int_equal(len, strlen(got));
		if (cp != '\\' && !text_escape_hidden(cp)) {
			if (len != n || memcmp(got, in, n) != 0)
				fail_msg("U+%04X changed to '%s'", (unsigned)cp, got);
			continue;
		}
		escaped++;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)got[i] < 0x20 || (unsigned char)got[i] > 0x7e)
				fail_msg("U+%04X: escape '%s' is not printable ASCII", (unsigned)cp,
					 got);
	}
	/* The backslash is the one visible character that is escaped. */
	assert_int_equal(escaped, TEXT_ESCAPE_N_CODE_POINTS + 1);
}

static void check(const char *in, size_t n, const char *want)
{
	char got[256];
	size_t len = text_escape(got, sizeof(got), in, n);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));

	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	text_escape_write(f, in, n);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

#define CHECK(in, want) check(in, sizeof(in) - 1, want)

static void test_visible_text_passes(void **state)
{
	(void)state;
	CHECK("plain name-1.0", "plain name-1.0");
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Arabic, Hebrew, CJK, Devanagari with its combining signs, an emoji
	 * with a skin tone modifier. */
	CHECK("\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",
	      "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7");
	CHECK("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");
	CHECK("\xe6\xbc\xa2\xe5\xad\x97", "\xe6\xbc\xa2\xe5\xad\x97");
	CHECK("\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87",
	      "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87");
	CHECK("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd");
}

static void test_controls_and_bad_bytes(void **state)
{
	(void)state;
	CHECK("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	CHECK("a\nb\tc\rd", "a\\nb\\tc\\x0dd");
	CHECK("back\\slash", "back\\\\slash");
	CHECK("nul\0x", "nul\\x00x");
	CHECK("del\x7f", "del\\x7f");
	CHECK("csi\xc2\x9b"
	      "2J",
	      "csi\\u{009b}2J");
	CHECK("mark\xd8\x9c"
	      "x",
	      "mark\\u{061c}x");
	CHECK("tag\xf3\xa0\x81\x81", "tag\\u{e0041}");
	CHECK("bad\xff\xfe", "bad\\xff\\xfe");
	CHECK("overlong\xc0\xaf", "overlong\\xc0\\xaf");
	CHECK("surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80");
	CHECK("cut\xe2\x82", "cut\\xe2\\x82");
	CHECK("big\xf4\x90\x80\x80", "big\\xf4\\x90\\x80\\x80");
	CHECK("", "");
}

/* Each buffer size: a NUL-terminated prefix of the whole output that ends
 * between two pieces, and the return value is always the whole length. */
static void test_truncation(void **state)
{
	(void)state;
	static const char in[] = "a\xe2\x80\xae\xc3\xa9\x1b\\\xf0\x9f\x98\x80z";
	static const size_t cuts[] = {0, 1, 9, 11, 15, 17, 21, 22};
	char full[64];
	size_t need = text_escape(full, sizeof(full), in, sizeof(in) - 1);
	assert_string_equal(full, "a\\u{202e}\xc3\xa9\\x1b\\\\\xf0\x9f\x98\x80z");
	assert_int_equal(need, strlen(full));
	size_t cut = 0;
	for (size_t size = 0; size <= need + 1; size++) {
		char buf[64];
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(text_escape(buf, size, in, sizeof(in) - 1), need);
		if (size == 0) {
			assert_int_equal(buf[0], 'X');
			continue;
		}
		while (cut + 1 < N(cuts) && cuts[cut + 1] < size)
			cut++;
		if (strlen(buf) != cuts[cut] || memcmp(buf, full, cuts[cut]) != 0)
			fail_msg("size %zu: got '%s', want the first %zu bytes", size, buf,
				 cuts[cut]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bidi_control),
	    cmocka_unit_test(test_categories),
	    cmocka_unit_test(test_default_ignorable_and_noncharacters),
	    cmocka_unit_test(test_table_well_formed),
	    cmocka_unit_test(test_every_code_point),
	    cmocka_unit_test(test_visible_text_passes),
	    cmocka_unit_test(test_controls_and_bad_bytes),
	    cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
