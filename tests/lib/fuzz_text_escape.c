/* Fuzz target for the guest text escaper: whatever the bytes, the output is
 * valid UTF-8 with no character the table hides and no control at all, its
 * length is what text_escape returns, and a smaller buffer gets a prefix of
 * the same output (truncation never cuts an escape or a character).
 *
 * Input: byte 0 picks the small buffer's size; the rest is the guest text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_safe(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || text_escape_hidden(cp))
			abort();
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t small = data[0];
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	/* "\u{10ffff}" is the longest piece a byte of input can become. */
	size_t cap = len * 10 + 1;
	char *full = malloc(cap);
	char *part = malloc(small + 1);
	if (!full || !part)
		abort();
	size_t need = text_escape(full, cap, in, len);
	if (need >= cap || strlen(full) != need)
		abort();
	check_safe(full, need);
	if (text_escape(part, small, in, len) != need)
		abort();
	if (small > 0) {
		size_t got = strlen(part);
		if (got >= small || memcmp(part, full, got) != 0)
			abort();
		check_safe(part, got);
	}
	free(full);
	free(part);
	return 0;
}
