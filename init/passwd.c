#include "passwd.h"
#include "parse.h"
#include "util.h"

#include <errno.h>
#include <string.h>

#define MAX_FIELDS 8

/* Splits one line (up to '\n') into ':' fields in buf. Returns the count. */
static size_t split_line(const char *line, char *buf, size_t buflen, char **f)
{
	size_t len = strcspn(line, "\n");
	if (len >= buflen)
		return 0;
	memcpy(buf, line, len);
	buf[len] = '\0';
	size_t n = 0;
	char *p = buf;
	f[n++] = p;
	while ((p = strchr(p, ':')) && n < MAX_FIELDS) {
		*p++ = '\0';
		f[n++] = p;
	}
	return p ? 0 : n; /* too many fields: malformed */
}

static int parse_id(const char *s, unsigned long *ret)
{
	return parse_uint(s, 4294967294UL, ret);
}

static const char *next_line(const char *p)
{
	p += strcspn(p, "\n");
	return *p ? p + 1 : NULL;
}

int pw_find_user(const char *text, const char *name_or_uid, struct pw_user *ret)
{
	unsigned long want = 0;
	int numeric = parse_id(name_or_uid, &want) == 0;

	for (const char *l = text; l && *l; l = next_line(l)) {
		char buf[1024], *f[MAX_FIELDS];
		if (*l == '#' || *l == '\n')
			continue;
		size_t n = split_line(l, buf, sizeof(buf), f);
		if (n < 1)
			continue;
		unsigned long uid, gid;
		int id_ok = n == 7 && parse_id(f[2], &uid) == 0 && parse_id(f[3], &gid) == 0;
		int match = numeric ? (id_ok && uid == want) : strcmp(f[0], name_or_uid) == 0;
		if (!match)
			continue;
		if (!id_ok || util_copy(ret->name, sizeof(ret->name), f[0]) < 0 ||
		    util_copy(ret->home, sizeof(ret->home), f[5]) < 0 ||
		    util_copy(ret->shell, sizeof(ret->shell), f[6]) < 0)
			return -EINVAL;
		ret->uid = (uid_t)uid;
		ret->gid = (gid_t)gid;
		return 0;
	}
	if (!numeric)
		return -ENOENT;
	memset(ret, 0, sizeof(*ret));
	ret->uid = (uid_t)want;
	ret->gid = (gid_t)want;
	strcpy(ret->home, "/");
	return 0;
}

int pw_find_group(const char *text, const char *name_or_gid, gid_t *ret)
{
	unsigned long want = 0;
	int numeric = parse_id(name_or_gid, &want) == 0;

	for (const char *l = text; l && *l; l = next_line(l)) {
		char buf[4096], *f[MAX_FIELDS];
		if (*l == '#' || *l == '\n')
			continue;
		size_t n = split_line(l, buf, sizeof(buf), f);
		if (n < 1)
			continue;
		unsigned long gid;
		int id_ok = n == 4 && parse_id(f[2], &gid) == 0;
		int match = numeric ? (id_ok && gid == want) : strcmp(f[0], name_or_gid) == 0;
		if (!match)
			continue;
		if (!id_ok)
			return -EINVAL;
		*ret = (gid_t)gid;
		return 0;
	}
	if (!numeric)
		return -ENOENT;
	*ret = (gid_t)want;
	return 0;
}

int pw_member_groups(const char *text, const char *user, gid_t *gids, size_t max, size_t *ret_n)
{
	size_t count = 0;
	for (const char *l = text; l && *l; l = next_line(l)) {
		char buf[4096], *f[MAX_FIELDS];
		unsigned long gid;
		if (*l == '#' || *l == '\n')
			continue;
		if (split_line(l, buf, sizeof(buf), f) != 4 || parse_id(f[2], &gid) < 0)
			continue;
		for (char *save = NULL, *m = strtok_r(f[3], ",", &save); m;
		     m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, user) != 0)
				continue;
			if (count == max)
				return -E2BIG;
			gids[count++] = (gid_t)gid;
			break;
		}
	}
	*ret_n = count;
	return 0;
}
