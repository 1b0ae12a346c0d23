#include "util.h"

#include <errno.h>
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
