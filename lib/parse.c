#include "parse.h"

#include <errno.h>
#include <string.h>

int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;
	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned long d = (unsigned long)(*s - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int parse_u32_strict(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	unsigned long v;
	if (s[0] == '0' && s[1] != '\0')
		return -EINVAL;
	int r = parse_uint(s, 0xfffffffful, &v);
	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int parse_duration_ms(const char *s, unsigned long max_ms, unsigned long *ret)
{
	char num[24];
	size_t len = strlen(s);
	unsigned long mult = 1000, v;

	if (len >= 2 && strcmp(s + len - 2, "ms") == 0) {
		mult = 1;
		len -= 2;
	} else if (len >= 1 && s[len - 1] == 's') {
		len -= 1;
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	int r = parse_uint(num, max_ms / mult, &v);
	if (r < 0)
		return r;
	*ret = v * mult;
	return 0;
}
