#include "ctl_text.h"

size_t ctl_utf8_next(const uint8_t *s, size_t n, uint32_t *ret_cp)
{
	uint8_t c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1fu, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, cp = c & 0x0fu, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

/* Characters that reorder or hide text on a terminal even though they print
 * nothing themselves. */
static int is_format_char(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

void ctl_text_sanitize(FILE *f, const char *untrusted, size_t len)
{
	const uint8_t *s = (const uint8_t *)untrusted;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = ctl_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			fprintf(f, "\\x%02x", s[i]);
			i++;
			continue;
		}
		if (cp == '\\')
			fputs("\\\\", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp < 0x20 || cp == 0x7f)
			fprintf(f, "\\x%02x", (unsigned)cp);
		else if (is_format_char(cp))
			fprintf(f, "\\u{%04x}", (unsigned)cp);
		else
			fwrite(s + i, 1, n, f);
		i += n;
	}
}

void ctl_json_string(FILE *f, const char *untrusted, size_t len)
{
	const uint8_t *s = (const uint8_t *)untrusted;
	size_t i = 0;
	fputc('"', f);
	while (i < len) {
		uint32_t cp;
		size_t n = ctl_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		i += n;
		if (cp == '"' || cp == '\\') {
			fputc('\\', f);
			fputc((int)cp, f);
		} else if (cp >= 0x20 && cp < 0x7f) {
			fputc((int)cp, f);
		} else if (cp < 0x10000) {
			fprintf(f, "\\u%04x", (unsigned)cp);
		} else {
			uint32_t v = cp - 0x10000;
			fprintf(f, "\\u%04x\\u%04x", (unsigned)(0xd800 + (v >> 10)),
				(unsigned)(0xdc00 + (v & 0x3ff)));
		}
	}
	fputc('"', f);
}
