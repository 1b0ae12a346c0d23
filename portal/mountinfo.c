#include "mountinfo.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* The next space-separated field of [*p, end): its start and length. */
static bool field(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s = *p;
	while (s < end && *s == ' ')
		s++;
	const char *e = s;
	while (e < end && *e != ' ')
		e++;
	*ret = s;
	*ret_len = (size_t)(e - s);
	*p = e;
	return e > s;
}

static bool octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Whether the escaped field equals want (mountinfo writes space, tab,
 * newline and backslash as \ooo). */
static bool same_path(const char *f, size_t n, const char *want)
{
	size_t i = 0;
	for (; i < n; want++) {
		char c = f[i];
		if (c == '\\' && i + 4 <= n && f[i + 1] <= '3' && octal(f[i + 1]) &&
		    octal(f[i + 2]) && octal(f[i + 3])) {
			c = (char)((f[i + 1] - '0') * 64 + (f[i + 2] - '0') * 8 + (f[i + 3] - '0'));
			i += 4;
		} else {
			i++;
		}
		if (*want != c)
			return false;
	}
	return *want == '\0';
}

static bool parse_dev(const char *f, size_t n, unsigned *maj, unsigned *min)
{
	unsigned v[2] = {0, 0};
	int k = 0;
	size_t digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i] == ':' && k == 0 && digits) {
			k = 1;
			digits = 0;
		} else if (f[i] >= '0' && f[i] <= '9' && digits < 9) {
			v[k] = v[k] * 10 + (unsigned)(f[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	if (k != 1 || !digits)
		return false;
	*maj = v[0];
	*min = v[1];
	return true;
}

int portal_mountinfo_dev(const char *text, size_t len, const char *mountpoint, const char *fstype,
			 unsigned *ret_major, unsigned *ret_minor)
{
	const char *p = text, *end = text + len;
	int found = -ENOENT;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER */
		const char *f[5], *q = p;
		size_t n[5];
		for (int i = 0; i < 5; i++)
			if (!field(&q, eol, &f[i], &n[i]))
				return -EINVAL;
		const char *t;
		size_t tn;
		bool dash = false;
		while (field(&q, eol, &t, &tn))
			if (tn == 1 && t[0] == '-') {
				dash = true;
				break;
			}
		if (!dash || !field(&q, eol, &t, &tn))
			return -EINVAL;
		unsigned maj, min;
		if (!parse_dev(f[2], n[2], &maj, &min))
			return -EINVAL;
		if (tn == strlen(fstype) && memcmp(t, fstype, tn) == 0 &&
		    same_path(f[4], n[4], mountpoint)) {
			*ret_major = maj;
			*ret_minor = min;
			found = 0;
		}
		p = eol + 1;
	}
	return found;
}
