#include "ctl_text.h"
#include "utf8.h"

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
