/* Validation of single vm.conf values, by kind (config_internal.h). */
#include "config_internal.h"
#include "parse.h"
#include "relay_opts.h"
#include "util.h"
#include "vsock_addr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.';
}

bool cfg_is_name(const char *s, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!name_char(s[n]))
			return false;
	return n > 0 && n <= max;
}

static bool is_user(const char *s)
{
	/* A name as useradd accepts it, or a number. */
	if (*s == '\0' || *s == '-')
		return false;
	for (const char *p = s; *p; p++)
		if (!name_char(*p) && *p != '$')
			return false;
	return strlen(s) < 32;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int check_opts(const char *v, char *err, size_t errlen, const char *where)
{
	char buf[CFG_VALUE_MAX];
	util_copy(buf, sizeof(buf), v);
	for (char *save = NULL, *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "rw") == 0)
			return cfg_fail(err, errlen,
					"%s: \"rw\" is not allowed: stores are always read-only",
					where);
		if (has_ctl(o) || strchr(o, ' '))
			return cfg_fail(err, errlen, "%s: bad option \"%s\"", where, o);
	}
	return 0;
}

int cfg_set_value(const struct key *k, void *base, const char *v, const char *where, char *err,
		  size_t errlen)
{
	char *field = (char *)base + k->off;
	unsigned long n;
	int r;

	if (has_ctl(v))
		return cfg_fail(err, errlen, "%s: control characters are not allowed", where);
	switch (k->kind) {
	case K_NAME:
		if (!cfg_is_name(v, k->size - 1))
			return cfg_fail(
			    err, errlen,
			    "%s: expected 1-%zu letters, digits, '-', '_' or '.', got \"%s\"",
			    where, k->size - 1, v);
		break;
	case K_PATH:
		if (!util_path_ok(v))
			return cfg_fail(err, errlen, "%s: expected an absolute path, got \"%s\"",
					where, v);
		break;
	case K_BOOL: {
		bool b;
		if (util_parse_bool(v, &b) < 0)
			return cfg_fail(err, errlen, "%s: expected yes or no, got \"%s\"", where,
					v);
		*(bool *)field = b;
		return 0;
	}
	case K_UINT:
		r = parse_uint(v, k->max, &n);
		if (r < 0 || n < k->min)
			return cfg_fail(err, errlen,
					"%s: expected a number from %lu to %lu, got \"%s\"", where,
					k->min, k->max, v);
		*(unsigned long *)field = n;
		return 0;
	case K_PORT: {
		uint32_t port;
		if (vsock_port_parse(v, &port) < 0)
			return cfg_fail(err, errlen,
					"%s: expected a port number from " VSOCK_PORT_RANGE
					", got \"%s\"",
					where, v);
		*(unsigned long *)field = port;
		return 0;
	}
	case K_DUR:
		r = parse_duration_ms(v, k->max, &n);
		if (r < 0 || n < k->min)
			return cfg_fail(
			    err, errlen,
			    "%s: expected a duration like 10s or 500ms (at most %lus), got \"%s\"",
			    where, k->max / 1000, v);
		*(unsigned long *)field = n;
		return 0;
	case K_ACTION:
		for (int a = CFG_ACTION_POWEROFF; a <= CFG_ACTION_IGNORE; a++)
			if (strcmp(v, cfg_action_name((enum cfg_action)a)) == 0) {
				*(enum cfg_action *)field = (enum cfg_action)a;
				return 0;
			}
		return cfg_fail(err, errlen,
				"%s: expected poweroff, reboot, restart or ignore, got \"%s\"",
				where, v);
	case K_FSTYPE:
		for (int t = CFG_FS_VIRTIOFS; t <= CFG_FS_EXT4; t++)
			if (strcmp(v, cfg_fstype_name((enum cfg_fstype)t)) == 0) {
				*(enum cfg_fstype *)field = (enum cfg_fstype)t;
				return 0;
			}
		return cfg_fail(err, errlen,
				"%s: expected virtiofs, erofs, squashfs or ext4, got \"%s\"", where,
				v);
	case K_SOURCE:
		if (!((strncmp(v, "tag:", 4) == 0 && cfg_is_name(v + 4, 36)) ||
		      (strncmp(v, "label:", 6) == 0 && cfg_is_name(v + 6, 16)) ||
		      (strncmp(v, "serial:", 7) == 0 && cfg_is_name(v + 7, 20)) ||
		      (strncmp(v, "/dev/", 5) == 0 && util_path_ok(v))))
			return cfg_fail(err, errlen,
					"%s: expected tag:TAG, label:LABEL, serial:SERIAL or "
					"/dev/DEVICE, got \"%s\"",
					where, v);
		break;
	case K_OPTS:
		if (check_opts(v, err, errlen, where) < 0)
			return -EINVAL;
		break;
	case K_ARGV:
	case K_ARGS: {
		char buf[CFG_VALUE_MAX];
		char *argv[64];
		size_t argc;
		r = util_argv_split(v, buf, sizeof(buf), argv, ARRAY_LEN(argv), &argc);
		if (r == -EINVAL && k->kind == K_ARGS && v[strspn(v, " \t")] == '\0')
			r = 0;
		if (r == -E2BIG)
			return cfg_fail(err, errlen, "%s: too many arguments (at most 63)", where);
		if (r < 0)
			return cfg_fail(
			    err, errlen,
			    "%s: expected a command line (unbalanced quote?), got \"%s\"", where,
			    v);
		if (k->kind == K_ARGV && argv[0][0] != '/')
			return cfg_fail(err, errlen,
					"%s: the program must be an absolute path, got \"%s\"",
					where, argv[0]);
		break;
	}
	case K_TARGET: {
		struct relay_target t;
		char why[CFG_VALUE_MAX];
		if (relay_target_parse(v, &t, why, sizeof(why)) < 0)
			return cfg_fail(err, errlen, "%s: %s", where, why);
		break;
	}
	case K_USER:
		if (!is_user(v))
			return cfg_fail(err, errlen,
					"%s: expected a user or group name or a number, got \"%s\"",
					where, v);
		break;
	case K_GROUPS: {
		char buf[CFG_VALUE_MAX];
		util_copy(buf, sizeof(buf), v);
		for (char *save = NULL, *g = strtok_r(buf, ", ", &save); g;
		     g = strtok_r(NULL, ", ", &save))
			if (!is_user(g))
				return cfg_fail(err, errlen,
						"%s: \"%s\" is not a group name or number", where,
						g);
		break;
	}
	case K_ENV: {
		struct cfg *c = base;
		const char *eq = strchr(v, '=');
		if (!eq || eq == v)
			return cfg_fail(err, errlen, "%s: expected NAME=VALUE, got \"%s\"", where,
					v);
		for (const char *p = v; p < eq; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' ||
			      (p > v && *p >= '0' && *p <= '9')))
				return cfg_fail(err, errlen, "%s: \"%.*s\" is not a variable name",
						where, (int)(eq - v), v);
		size_t nlen = (size_t)(eq - v) + 1;
		size_t i;
		/* A later value for the same name replaces the earlier one. */
		for (i = 0; i < c->app.n_env; i++)
			if (strncmp(c->app.env[i], v, nlen) == 0)
				break;
		if (i == c->app.n_env && c->app.n_env == CFG_MAX_ENV) {
			cfg_fail(err, errlen, "%s: at most %d variables", where, CFG_MAX_ENV);
			return -ENOSPC;
		}
		if (util_copy(c->app.env[i], CFG_VALUE_MAX, v) < 0)
			return cfg_fail(err, errlen, "%s: value too long (at most %d bytes)", where,
					CFG_VALUE_MAX - 1);
		if (i == c->app.n_env)
			c->app.n_env++;
		return 0;
	}
	}
	if (util_copy(field, k->size, v) < 0)
		return cfg_fail(err, errlen, "%s: value too long (at most %zu bytes)", where,
				k->size - 1);
	return 0;
}
