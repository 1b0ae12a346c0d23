#include "text_escape.h"
#include "utf8.h"

#include <string.h>

bool text_escape_hidden(uint32_t cp)
{
	size_t lo = 0, hi = text_escape_n_ranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < text_escape_ranges[mid].first)
			hi = mid;
		else if (cp > text_escape_ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* The longest piece one input character becomes: "\u{10ffff}". */
#define PIECE_MAX 11

/* Writes into piece what the input at s[0..len) starts with, escaped or as
 * it is. Returns the piece length; *ret_used gets the input bytes it stands for. */
static size_t next_piece(const uint8_t *s, size_t len, char piece[PIECE_MAX], size_t *ret_used)
{
	uint32_t cp;
	size_t n = utf8_decode(s, len, &cp);
	*ret_used = n ? n : 1;
	if (n == 0)
		return (size_t)snprintf(piece, PIECE_MAX, "\\x%02x", s[0]);
	switch (cp) {
	case '\\':
		return (size_t)snprintf(piece, PIECE_MAX, "\\\\");
	case '\t':
		return (size_t)snprintf(piece, PIECE_MAX, "\\t");
	case '\n':
		return (size_t)snprintf(piece, PIECE_MAX, "\\n");
	}
	if (cp < 0x20 || cp == 0x7f)
		return (size_t)snprintf(piece, PIECE_MAX, "\\x%02x", (unsigned)cp);
	if (text_escape_hidden(cp))
		return (size_t)snprintf(piece, PIECE_MAX, "\\u{%04x}", (unsigned)cp);
	memcpy(piece, s, n);
	return n;
}

size_t text_escape(char *buf, size_t size, const char *untrusted, size_t len)
{
	const uint8_t *s = (const uint8_t *)untrusted;
	size_t need = 0, written = 0, i = 0;
	bool full = false;
	while (i < len) {
		char piece[PIECE_MAX];
		size_t used, n = next_piece(s + i, len - i, piece, &used);
		i += used;
		need += n;
		/* Once one piece did not fit, none after it goes in either. */
		if (!full && written + n < size) {
			memcpy(buf + written, piece, n);
			written += n;
		} else {
			full = true;
		}
	}
	if (size > 0)
		buf[written] = '\0';
	return need;
}

void text_escape_write(FILE *f, const char *untrusted, size_t len)
{
	const uint8_t *s = (const uint8_t *)untrusted;
	size_t i = 0;
	while (i < len) {
		char piece[PIECE_MAX];
		size_t used, n = next_piece(s + i, len - i, piece, &used);
		fwrite(piece, 1, n, f);
		i += used;
	}
}
