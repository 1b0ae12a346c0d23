#include "names.h"

#include "proto.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool portal_token_ok(const char *untrusted_token)
{
	size_t n = strlen(untrusted_token);
	if (n == 0 || n > PORTAL_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = untrusted_token[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* A unique connection name as the bus assigns them: ':' then elements of
 * [A-Za-z0-9_-] separated by single dots. */
static bool unique_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > PORTAL_SENDER_MAX || s[0] != ':')
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (i == 1 || s[i - 1] == '.' || i + 1 == n)
				return false;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

int portal_handle_path(const char *sender, const char *token, char *buf, size_t size)
{
	if (!unique_name_ok(sender) || !portal_token_ok(token))
		return -EINVAL;
	size_t pre = strlen(PORTAL_REQUEST_PREFIX), sn = strlen(sender) - 1, tn = strlen(token);
	if (pre + sn + 1 + tn + 1 > size)
		return -ENOSPC;
	memcpy(buf, PORTAL_REQUEST_PREFIX, pre);
	for (size_t i = 0; i < sn; i++) {
		char c = sender[i + 1];
		/* '-' is valid in bus names but not in object paths. */
		buf[pre + i] = c == '.' || c == '-' ? '_' : c;
	}
	buf[pre + sn] = '/';
	memcpy(buf + pre + sn + 1, token, tn + 1);
	return 0;
}

void portal_docdir_name(uint64_t id, char buf[PORTAL_DOCDIR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < PORTAL_DOCDIR_LEN; i++)
		buf[i] = hex[(id >> (4 * (PORTAL_DOCDIR_LEN - 1 - i))) & 0xf];
	buf[PORTAL_DOCDIR_LEN] = '\0';
}

int portal_docdir_parse(const char *untrusted_name, uint64_t *ret_id)
{
	uint64_t v = 0;
	size_t i;
	for (i = 0; untrusted_name[i]; i++) {
		char c = untrusted_name[i];
		if (i == PORTAL_DOCDIR_LEN)
			return -ENOENT;
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -ENOENT;
	}
	if (i != PORTAL_DOCDIR_LEN || v == 0)
		return -ENOENT;
	*ret_id = v;
	return 0;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

int portal_doc_uri(const char *mountpoint, uint64_t id, const char *name, char *buf, size_t size)
{
	char dir[PORTAL_DOCDIR_LEN + 1];
	static const char hex[] = "0123456789ABCDEF";
	portal_docdir_name(id, dir);
	const char *parts[] = {mountpoint, "/", dir, "/", name};
	size_t o = 0;
	if (size < sizeof("file://"))
		return -ENOSPC;
	memcpy(buf, "file://", 7);
	o = 7;
	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
		for (const unsigned char *s = (const unsigned char *)parts[p]; *s; s++) {
			if (unreserved(*s)) {
				if (o + 1 >= size)
					return -ENOSPC;
				buf[o++] = (char)*s;
			} else {
				if (o + 3 >= size)
					return -ENOSPC;
				buf[o++] = '%';
				buf[o++] = hex[*s >> 4];
				buf[o++] = hex[*s & 0xf];
			}
		}
	}
	buf[o] = '\0';
	return (int)o;
}

size_t portal_sanitize(const char *untrusted, size_t len, enum portal_text cls, char *out,
		       size_t out_size)
{
	size_t max = cls == PORTAL_TEXT_FILENAME ? PROTO_FILENAME_MAX : PROTO_LABEL_MAX;
	const unsigned char *s = (const unsigned char *)untrusted;
	size_t o = 0, i = 0;
	if (max > out_size - 1)
		max = out_size - 1;
	while (i < len && s[i]) {
		uint32_t cp = 0;
		size_t n = utf8_decode(s + i, len - i, &cp);
		const char *put = (const char *)s + i;
		size_t put_len = n;
		if (n == 0) {
			put = "_";
			put_len = 1;
			n = 1;
		} else if (cls == PORTAL_TEXT_LABEL && (cp == '\t' || cp == '\n' || cp == '\r')) {
			put = " ";
			put_len = 1;
		} else if (!proto_char_shown_ok(cp) || (cls == PORTAL_TEXT_FILENAME && cp == '/')) {
			put = "_";
			put_len = 1;
		}
		if (o + put_len > max)
			break;
		memcpy(out + o, put, put_len);
		o += put_len;
		i += n;
	}
	out[o] = '\0';
	if (cls == PORTAL_TEXT_FILENAME && (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)) {
		out[0] = '_';
		out[1] = '\0';
		o = 1;
	}
	return o;
}

const char *portal_basename(const char *path, size_t len, size_t *ret_len)
{
	size_t end = 0;
	while (end < len && path[end])
		end++;
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	*ret_len = end - start;
	return path + start;
}

int host_error_errno(uint32_t code)
{
	switch (code) {
	case PROTO_ERR_NOT_FOUND:
	case PROTO_ERR_PERMISSION:
		return EACCES;
	case PROTO_ERR_LIMIT:
		return ENOSPC;
	case PROTO_ERR_BUSY:
		return EAGAIN;
	case PROTO_ERR_UNSUPPORTED:
		return EOPNOTSUPP;
	case PROTO_ERR_STALE:
		return ESTALE;
	case PROTO_ERR_NO_ENTRY:
		return ENOENT;
	case PROTO_ERR_EXISTS:
		return EEXIST;
	case PROTO_ERR_NOT_EMPTY:
		return ENOTEMPTY;
	case PROTO_ERR_NOT_DIR:
		return ENOTDIR;
	case PROTO_ERR_IS_DIR:
		return EISDIR;
	case PROTO_ERR_TOO_BIG:
		return EXDEV; /* mv copies (and deletes) what it cannot rename */
	default:
		return EIO;
	}
}
