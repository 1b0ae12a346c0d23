#include "ctl_text.h"
#include "utf8.h"

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
		size_t n = utf8_decode(s + i, len - i, &cp);
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
		size_t n = utf8_decode(s + i, len - i, &cp);
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
