#include "proto_wire.h"
#include "utf8.h"

#include <errno.h>
#include <string.h>

static bool mime_token_char(char ch)
{
	unsigned char c = (unsigned char)ch;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$&^_.+-", c) != NULL);
}

static bool mime_ok(const char *s, size_t len)
{
	if (len == 0 || len > PROTO_MIME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	size_t end = 0;
	while (end < len && s[end] != ';')
		end++;
	/* Before any parameters: token "/" token. */
	size_t slash = 0, i = 0;
	while (i < end && mime_token_char(s[i]))
		i++;
	if (i == 0 || i == end || s[i] != '/')
		return false;
	slash = i++;
	while (i < end && mime_token_char(s[i]))
		i++;
	return i == end && i > slash + 1;
}

/* A filter's MIME pattern: a type without parameters, or a type with "*" as subtype. */
static bool mime_pattern_ok(const char *s, size_t len)
{
	if (len >= 3 && s[len - 2] == '/' && s[len - 1] == '*') {
		for (size_t i = 0; i < len - 2; i++)
			if (!mime_token_char(s[i]))
				return false;
		return true;
	}
	return mime_ok(s, len) && memchr(s, ';', len) == NULL;
}

/* Control characters are what lets a hostile name forge lines in a log or a
 * dialog; NAME forbids them all, TEXT allows tab and newline. */
static bool no_controls(const char *s, size_t len, bool allow_tab_nl)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f)
			return false;
		if (c < 0x20 && !(allow_tab_nl && (c == '\t' || c == '\n')))
			return false;
	}
	return true;
}

int proto_char_shown_ok(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return 0;
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
		return 0;
	return 1;
}

/* Text shown to a person on the other side (titles, labels, file names):
 * valid UTF-8 without controls or characters that reorder or hide what is
 * displayed around them. */
static bool shown_ok(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	if (!utf8_valid(u, len))
		return false;
	for (size_t i = 0; i < len;) {
		uint32_t cp = u[i];
		size_t n = 1;
		if (cp >= 0xf0)
			cp &= 0x07, n = 4;
		else if (cp >= 0xe0)
			cp &= 0x0f, n = 3;
		else if (cp >= 0xc0)
			cp &= 0x1f, n = 2;
		for (size_t k = 1; k < n; k++)
			cp = (cp << 6) | (u[i + k] & 0x3f);
		if (!proto_char_shown_ok(cp))
			return false;
		i += n;
	}
	return true;
}

static bool filename_ok(const char *s, size_t len)
{
	if (len == 0 || len > PROTO_FILENAME_MAX || memchr(s, '/', len))
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	return shown_ok(s, len);
}

/* A name inside a granted folder is whatever bytes the host's file system
 * holds (not necessarily UTF-8: the guest must be able to name every file
 * back), but always exactly one path component. */
static bool entry_ok(const char *s, size_t len)
{
	if (len == 0 || len > PROTO_ENTRY_MAX || memchr(s, '/', len) || memchr(s, '\0', len))
		return false;
	return !((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'));
}

int proto_entry_name_ok(const char *s, size_t len)
{
	return entry_ok(s, len);
}

int proto_filename_ok(const char *s, size_t len)
{
	return filename_ok(s, len);
}

int proto_label_ok(const char *s, size_t len)
{
	return len <= PROTO_LABEL_MAX && shown_ok(s, len);
}

bool str_class_ok(enum str_class cls, const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	switch (cls) {
	case STR_NAME:
	case STR_NAME_NONEMPTY:
		if (len > PROTO_NAME_MAX || (cls == STR_NAME_NONEMPTY && len == 0))
			return false;
		return utf8_valid(u, len) && no_controls(s, len, false);
	case STR_TEXT:
		return len <= PROTO_TEXT_MAX && utf8_valid(u, len) && no_controls(s, len, true);
	case STR_MIME:
		return mime_ok(s, len);
	case STR_MIME_PATTERN:
		return mime_pattern_ok(s, len);
	case STR_PATH:
		return len >= 1 && len <= PROTO_PATH_MAX && s[0] == '/' &&
		       memchr(s, '\0', len) == NULL;
	case STR_FILENAME:
		return filename_ok(s, len);
	case STR_FILENAME_OPT:
		return len == 0 || filename_ok(s, len);
	case STR_LABEL:
		return len <= PROTO_LABEL_MAX && shown_ok(s, len);
	case STR_ID:
		return len <= PROTO_ID_MAX && shown_ok(s, len);
	case STR_GLOB:
		return len >= 1 && len <= PROTO_GLOB_MAX && !memchr(s, '/', len) &&
		       shown_ok(s, len);
	case STR_ENTRY:
		return entry_ok(s, len);
	case STR_IFNAME:
		return len >= 1 && len <= PROTO_IFNAME_MAX && memchr(s, '/', len) == NULL &&
		       utf8_valid(u, len) && no_controls(s, len, false) &&
		       memchr(s, ' ', len) == NULL;
	}
	return false;
}

void rd_fail(struct rcur *c, const char *why)
{
	if (!c->err)
		c->err = why;
	c->left = 0;
}

static const uint8_t *rd_take(struct rcur *c, size_t n)
{
	if (c->err)
		return NULL;
	if (c->left < n) {
		rd_fail(c, "payload truncated");
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

uint8_t rd_u8(struct rcur *c)
{
	const uint8_t *p = rd_take(c, 1);
	return p ? p[0] : 0;
}

uint16_t rd_u16(struct rcur *c)
{
	const uint8_t *p = rd_take(c, 2);
	return p ? le16(p) : 0;
}

uint32_t rd_u32(struct rcur *c)
{
	const uint8_t *p = rd_take(c, 4);
	return p ? le32(p) : 0;
}

uint64_t rd_u64(struct rcur *c)
{
	const uint8_t *p = rd_take(c, 8);
	return p ? (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32) : 0;
}

void rd_bytes(struct rcur *c, void *out, size_t n)
{
	const uint8_t *p = rd_take(c, n);
	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

void rd_zero16(struct rcur *c)
{
	if (rd_u16(c) != 0)
		rd_fail(c, "reserved field not zero");
}

struct proto_str rd_str(struct rcur *c, enum str_class cls, const char *field)
{
	struct proto_str s = {"", 0};
	uint16_t untrusted_len = rd_u16(c);
	const uint8_t *p = rd_take(c, untrusted_len);
	if (!p)
		return s;
	if (!str_class_ok(cls, (const char *)p, untrusted_len)) {
		rd_fail(c, field);
		return s;
	}
	s.ptr = (const char *)p;
	s.len = untrusted_len;
	return s;
}

struct proto_blob rd_blob(struct rcur *c, uint32_t min, uint32_t max, const char *field)
{
	struct proto_blob b = {NULL, 0};
	uint32_t untrusted_len = rd_u32(c);
	if (c->err)
		return b;
	if (untrusted_len < min || untrusted_len > max) {
		rd_fail(c, field);
		return b;
	}
	const uint8_t *p = rd_take(c, untrusted_len);
	if (p) {
		b.ptr = p;
		b.len = untrusted_len;
	}
	return b;
}

void rd_end(struct rcur *c)
{
	if (!c->err && c->left != 0)
		rd_fail(c, "trailing bytes after payload");
}

static uint8_t *wr_take(struct wcur *c, size_t n)
{
	if (c->err)
		return NULL;
	if (c->left < n) {
		c->err = -E2BIG;
		return NULL;
	}
	uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	c->used += n;
	return p;
}

void wr_u8(struct wcur *c, uint8_t v)
{
	uint8_t *p = wr_take(c, 1);
	if (p)
		p[0] = v;
}

void wr_u16(struct wcur *c, uint16_t v)
{
	uint8_t *p = wr_take(c, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void wr_u32(struct wcur *c, uint32_t v)
{
	uint8_t *p = wr_take(c, 4);
	if (p)
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (8 * i));
}

void wr_u64(struct wcur *c, uint64_t v)
{
	uint8_t *p = wr_take(c, 8);
	if (p)
		for (int i = 0; i < 8; i++)
			p[i] = (uint8_t)(v >> (8 * i));
}

void wr_bytes(struct wcur *c, const void *src, size_t n)
{
	uint8_t *p = wr_take(c, n);
	if (p && n)
		memcpy(p, src, n);
}

void wr_invalid(struct wcur *c)
{
	if (!c->err)
		c->err = -EINVAL;
}

void wr_str(struct wcur *c, enum str_class cls, struct proto_str s)
{
	if (!str_class_ok(cls, s.len ? s.ptr : "", s.len)) {
		wr_invalid(c);
		return;
	}
	wr_u16(c, s.len);
	wr_bytes(c, s.ptr, s.len);
}

void wr_blob(struct wcur *c, uint32_t min, uint32_t max, struct proto_blob b)
{
	if (b.len < min || b.len > max || (b.len && !b.ptr)) {
		wr_invalid(c);
		return;
	}
	wr_u32(c, b.len);
	wr_bytes(c, b.ptr, b.len);
}
