#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int util_argv_split(const char *s, char *buf, size_t buflen, char **argv, size_t max_argv,
		    size_t *ret_argc)
{
	size_t argc = 0, o = 0;
	const char *p = s;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (argc + 1 >= max_argv)
			return -E2BIG;
		argv[argc++] = buf + o;
		while (*p && *p != ' ' && *p != '\t') {
			char c = *p++;
			if (c == '\'') {
				while (*p && *p != '\'') {
					if (o + 1 >= buflen)
						return -E2BIG;
					buf[o++] = *p++;
				}
				if (*p != '\'')
					return -EINVAL;
				p++;
				continue;
			}
			if (c == '"') {
				while (*p && *p != '"') {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					if (o + 1 >= buflen)
						return -E2BIG;
					buf[o++] = *p++;
				}
				if (*p != '"')
					return -EINVAL;
				p++;
				continue;
			}
			if (c == '\\') {
				if (*p == '\0')
					return -EINVAL;
				c = *p++;
			}
			if (o + 1 >= buflen)
				return -E2BIG;
			buf[o++] = c;
		}
		if (o + 1 > buflen)
			return -E2BIG;
		buf[o++] = '\0';
	}
	if (argc == 0)
		return -EINVAL;
	argv[argc] = NULL;
	*ret_argc = argc;
	return 0;
}

int util_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int util_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len + 1);
	return 0;
}

int util_cat(char *dst, size_t size, ...)
{
	va_list ap;
	size_t o = 0;
	int r = 0;
	va_start(ap, size);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;) {
		size_t n = strlen(s);
		if (n >= size - o) {
			n = size - o - 1;
			r = -ENAMETOOLONG;
		}
		memcpy(dst + o, s, n);
		o += n;
	}
	va_end(ap);
	dst[o] = '\0';
	return r;
}

char *util_ulong(char buf[UTIL_ULONG_LEN], unsigned long v)
{
	char *p = buf + UTIL_ULONG_LEN - 1;
	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return memmove(buf, p, (size_t)(buf + UTIL_ULONG_LEN - p));
}

bool util_path_ok(const char *s)
{
	if (s[0] != '/')
		return false;
	if (s[1] == '\0')
		return true;
	for (const char *c = s; *c; c++) {
		if (*c != '/')
			continue;
		const char *n = c + 1;
		if (*n == '/' || *n == '\0')
			return false;
		if (n[0] == '.' && (n[1] == '/' || n[1] == '\0'))
			return false;
		if (n[0] == '.' && n[1] == '.' && (n[2] == '/' || n[2] == '\0'))
			return false;
	}
	return true;
}

void util_words_init(struct util_words *w)
{
	w->used = 0;
	w->n = 0;
	w->v[0] = NULL;
}

int util_words_add(struct util_words *w, const char *word)
{
	size_t len = strlen(word) + 1;
	if (w->n == UTIL_WORDS_MAX || len > sizeof(w->buf) - w->used)
		return -E2BIG;
	memcpy(w->buf + w->used, word, len);
	w->v[w->n++] = w->buf + w->used;
	w->v[w->n] = NULL;
	w->used += len;
	return 0;
}

int util_words_split(struct util_words *w, const char *cmdline)
{
	char buf[UTIL_WORDS_BUF];
	char *argv[UTIL_WORDS_MAX + 1];
	size_t argc;
	if (cmdline[strspn(cmdline, " \t")] == '\0')
		return 0;
	int r = util_argv_split(cmdline, buf, sizeof(buf), argv, UTIL_WORDS_MAX + 1, &argc);
	if (r < 0)
		return r;
	for (size_t i = 0; i < argc; i++)
		if ((r = util_words_add(w, argv[i])) < 0)
			return r;
	return 0;
}

int util_words_append(struct util_words *w, const struct util_words *src, size_t from)
{
	for (size_t i = from; i < src->n; i++) {
		int r = util_words_add(w, src->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
