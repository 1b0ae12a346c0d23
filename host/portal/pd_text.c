#include "pd_text.h"

#include "vm_name.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "text_escape.h"

bool pd_vm_name_ok(const char *name)
{
	return vm_name_ok(name);
}

/* Decodes one UTF-8 character. Returns its length with *ret_cp, or 0 for an
 * invalid sequence (overlong, surrogate, above U+10FFFF, truncated). */
static size_t utf8_char(const uint8_t *s, size_t n, uint32_t *ret_cp)
{
	uint8_t c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

size_t pd_dialog_title(char *out, size_t size, const char *vm, struct proto_str untrusted_title,
		       const char *fallback)
{
	size_t n = vm_name_tag(out, size, vm);
	if (n + 1 >= size)
		return n;
	if (untrusted_title.len == 0) {
		snprintf(out + n, size - n, "%s", fallback);
		return strlen(out);
	}
	/* The one escaper of guest text for people (lib/text_escape.h). */
	text_escape(out + n, size - n, untrusted_title.ptr, untrusted_title.len);
	return strlen(out);
}

size_t pd_label(char out[PD_LABEL_SIZE], struct proto_str untrusted_label)
{
	text_escape(out, PD_LABEL_SIZE, untrusted_label.ptr, untrusted_label.len);
	return strlen(out);
}

size_t pd_display_name(char out[PROTO_FILENAME_MAX + 1], const char *host_name)
{
	const uint8_t *s = (const uint8_t *)host_name;
	size_t n = strlen(host_name), o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_char(s + i, n - i, &cp);
		if (l == 0 || cp == '/' || !proto_char_shown_ok(cp)) {
			if (o + 1 > PROTO_FILENAME_MAX)
				break;
			out[o++] = '_';
			i += l ? l : 1;
			continue;
		}
		if (o + l > PROTO_FILENAME_MAX)
			break;
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	if (o == 0 || !strcmp(out, ".") || !strcmp(out, "..")) {
		strcpy(out, "_");
		o = 1;
	}
	return o;
}

void pd_safe_name(char out[PROTO_FILENAME_MAX + 1], struct proto_str untrusted_name)
{
	const uint8_t *s = (const uint8_t *)untrusted_name.ptr;
	size_t n =
	    untrusted_name.len > PROTO_FILENAME_MAX ? PROTO_FILENAME_MAX : untrusted_name.len;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_char(s + i, n - i, &cp);
		if (l == 0 || text_escape_hidden(cp)) {
			out[o++] = '_';
			i += l ? l : 1;
			continue;
		}
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	if (o > 0 && out[0] == '.')
		out[0] = '_';
}

/* Returns the largest length <= max that does not cut a UTF-8 sequence of s. */
static size_t char_boundary(const char *s, size_t max)
{
	while (max > 0 && ((uint8_t)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

int pd_name_variant(char out[PROTO_FILENAME_MAX + 1], const char *name, unsigned n)
{
	size_t len = strlen(name);
	if (n < 2 || len == 0)
		return -EINVAL;
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name)
		dot = name + len;
	size_t stem = (size_t)(dot - name), ext = len - stem;
	char suffix[16];
	int sl = snprintf(suffix, sizeof(suffix), " (%u)", n);
	if (ext + (size_t)sl >= PROTO_FILENAME_MAX) {
		/* An absurdly long extension: treat the whole name as the stem. */
		stem = len;
		ext = 0;
	}
	size_t room = PROTO_FILENAME_MAX - ext - (size_t)sl;
	if (stem > room)
		stem = char_boundary(name, room);
	memcpy(out, name, stem);
	memcpy(out + stem, suffix, (size_t)sl);
	memcpy(out + stem + (size_t)sl, name + len - ext, ext);
	out[stem + (size_t)sl + ext] = '\0';
	return 0;
}

void pd_json_str(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
