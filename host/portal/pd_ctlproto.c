#include "pd_ctlproto.h"

#include <errno.h>
#include <string.h>

#include "proto.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pd_ctl_parse_id(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	if (n < 1 || n > 16)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)h;
	}
	if (v == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Parses a decimal u64 without sign or leading zero. */
static int parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

int pd_ctl_parse_request(const char *line, size_t len, struct pd_ctl_req *ret)
{
	char buf[PD_CTL_REQUEST_MAX];
	if (len >= sizeof(buf) || memchr(line, '\0', len))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (!strcmp(buf, "list")) {
		ret->cmd = PD_CTL_LIST;
		return 0;
	}
	if (!strcmp(buf, "revoke-all")) {
		ret->cmd = PD_CTL_REVOKE_ALL;
		return 0;
	}
	if (!strncmp(buf, "revoke ", 7)) {
		ret->cmd = PD_CTL_REVOKE;
		return pd_ctl_parse_id(buf + 7, &ret->id);
	}
	return -EINVAL;
}

void pd_ctl_format_request(FILE *f, const struct pd_ctl_req *r)
{
	switch (r->cmd) {
	case PD_CTL_LIST:
		fputs("list\n", f);
		break;
	case PD_CTL_REVOKE:
		fprintf(f, "revoke %016llx\n", (unsigned long long)r->id);
		break;
	case PD_CTL_REVOKE_ALL:
		fputs("revoke-all\n", f);
		break;
	}
}

void pd_ctl_format_ok(FILE *f, unsigned n)
{
	fprintf(f, "ok %u\n", n);
}

void pd_ctl_format_error(FILE *f, const char *word)
{
	fprintf(f, "error %s\n", word);
}

static const char *access_word(uint32_t perms)
{
	bool r = perms & PROTO_PERM_READ, w = perms & PROTO_PERM_WRITE;
	return r && w ? "rw" : w ? "wo" : "ro";
}

void pd_ctl_format_doc(FILE *f, const struct pd_ctl_doc *d)
{
	fprintf(f, "%016llx %s ", (unsigned long long)d->id, access_word(d->perms));
	if (d->staged)
		fprintf(f, "%llu", (unsigned long long)d->staged_bytes);
	else
		fputc('-', f);
	fprintf(f, " %llu ", (unsigned long long)d->age_s);
	for (size_t i = 0; i < d->path_len; i++) {
		unsigned char c = (unsigned char)d->path[i];
		if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('\n', f);
}

int pd_ctl_parse_status(const char *line, unsigned *ret_n, const char **ret_word)
{
	uint64_t n;
	if (!strncmp(line, "ok ", 3)) {
		if (parse_u64(line + 3, &n) < 0 || n > 1000000)
			return -EPROTO;
		*ret_n = (unsigned)n;
		return 0;
	}
	if (!strncmp(line, "error ", 6) && line[6]) {
		*ret_word = line + 6;
		return -EREMOTEIO;
	}
	return -EPROTO;
}

/* Splits off the next space-separated field. */
static char *field(char **cur)
{
	char *s = *cur, *sp = strchr(s, ' ');
	if (!sp)
		return NULL;
	*sp = '\0';
	*cur = sp + 1;
	return s;
}

static int unescape(char *s, size_t *ret_len)
{
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '\\') {
			s[o++] = s[i];
			continue;
		}
		if (s[i + 1] == '\\') {
			s[o++] = '\\';
			i++;
		} else if (s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			s[o++] = (char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			i += 3;
		} else {
			return -EPROTO;
		}
	}
	*ret_len = o;
	return 0;
}

int pd_ctl_parse_doc(char *line, struct pd_ctl_doc *ret)
{
	char *cur = line;
	char *id = field(&cur), *access = id ? field(&cur) : NULL;
	char *staged = access ? field(&cur) : NULL, *age = staged ? field(&cur) : NULL;
	memset(ret, 0, sizeof(*ret));
	if (!age || strlen(id) != 16 || pd_ctl_parse_id(id, &ret->id) < 0)
		return -EPROTO;
	if (!strcmp(access, "rw"))
		ret->perms = PROTO_PERM_READ | PROTO_PERM_WRITE;
	else if (!strcmp(access, "ro"))
		ret->perms = PROTO_PERM_READ;
	else if (!strcmp(access, "wo"))
		ret->perms = PROTO_PERM_WRITE;
	else
		return -EPROTO;
	if (strcmp(staged, "-") != 0) {
		if (parse_u64(staged, &ret->staged_bytes) < 0)
			return -EPROTO;
		ret->staged = true;
	}
	if (parse_u64(age, &ret->age_s) < 0 || cur[0] != '/')
		return -EPROTO;
	if (unescape(cur, &ret->path_len) < 0)
		return -EPROTO;
	ret->path = cur;
	return 0;
}
