#include "storerun.h"
#include "config_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A relative path inside the store: no leading '/', no empty, "." or ".."
 * component, no ':' (the library path separator), printable. */
static bool rel_ok(const char *s, size_t len)
{
	if (len == 0 || s[0] == '/' || s[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == ':' || s[i] == 0x7f)
			return false;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && s[j] != '/')
			j++;
		size_t n = j - i;
		if (n == 0 || (n == 1 && s[i] == '.') || (n == 2 && s[i] == '.' && s[i + 1] == '.'))
			return false;
		i = j + 1;
	}
	return true;
}

static const char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int storerun_parse(const char *text, struct storerun *ret, char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	bool have_path = false;
	unsigned lineno = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[CFG_VALUE_MAX * 2];
		lineno++;
		if (len >= sizeof(line))
			return cfg_fail(err, errlen, "line %u: too long", lineno);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);

		char *eq = strchr(line, '=');
		const char *t = trim(line);
		if (t[0] == '\0' || t[0] == '#')
			continue;
		if (!eq)
			return cfg_fail(err, errlen, "line %u: expected KEY = VALUE", lineno);
		*eq = '\0';
		const char *key = trim(line), *value = trim(eq + 1);
		if (strcmp(key, "loader") == 0) {
			if (ret->loader[0])
				return cfg_fail(err, errlen, "line %u: loader given twice", lineno);
			if (!rel_ok(value, strlen(value)) || strlen(value) >= sizeof(ret->loader))
				return cfg_fail(
				    err, errlen,
				    "line %u: loader must be a path relative to the store, "
				    "got \"%s\"",
				    lineno, value);
			strcpy(ret->loader, value);
		} else if (strcmp(key, "library-path") == 0) {
			if (have_path)
				return cfg_fail(err, errlen, "line %u: library-path given twice",
						lineno);
			have_path = true;
			for (const char *d = value; *d;) {
				size_t n = strcspn(d, ":");
				if (ret->n_libdirs == STORERUN_MAX_LIBDIRS)
					return cfg_fail(err, errlen,
							"line %u: more than %d library directories",
							lineno, STORERUN_MAX_LIBDIRS);
				if (!rel_ok(d, n) || n >= CFG_PATH_MAX)
					return cfg_fail(
					    err, errlen,
					    "line %u: library-path entries must be paths "
					    "relative to the store, got \"%.*s\"",
					    lineno, (int)n, d);
				memcpy(ret->libdirs[ret->n_libdirs], d, n);
				ret->libdirs[ret->n_libdirs++][n] = '\0';
				d += n + (d[n] == ':');
			}
		} else {
			return cfg_fail(err, errlen, "line %u: unknown key \"%s\"", lineno, key);
		}
	}
	if (!ret->loader[0])
		return cfg_fail(err, errlen, "no loader line");
	if (ret->n_libdirs == 0)
		return cfg_fail(err, errlen, "no library-path line");
	ret->present = true;
	return 0;
}

int storerun_find_store(const struct cfg *c, const char *prog)
{
	int best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < c->n_stores; i++) {
		const char *root = c->stores[i].path;
		size_t n = strlen(root);
		if (n > best_len && strncmp(prog, root, n) == 0 && prog[n] == '/') {
			best = (int)i;
			best_len = n;
		}
	}
	return best;
}

int storerun_command(const struct cfg *c, const struct storerun *rts, const struct util_words *cmd,
		     struct util_words *out, char *err, size_t errlen)
{
	int r;
	int i = cmd->n ? storerun_find_store(c, cmd->v[0]) : -1;
	if (i < 0 || !rts[i].present)
		return util_words_append(out, cmd, 0);

	const char *root = c->stores[i].path;
	const struct storerun *rt = &rts[i];
	/* The loader itself, named on purpose: it is run as it is. */
	size_t rl = strlen(root);
	if (cmd->v[0][rl] == '/' && strcmp(cmd->v[0] + rl + 1, rt->loader) == 0)
		return util_words_append(out, cmd, 0);
	if (strchr(root, ':'))
		return cfg_fail(
		    err, errlen,
		    "%s: store %s is mounted at %s, whose ':' cannot go into a library path",
		    cmd->v[0], c->stores[i].name, root);
	char path[UTIL_WORDS_BUF];
	size_t o = 0;
	for (size_t d = 0; d < rt->n_libdirs; d++) {
		int n = snprintf(path + o, sizeof(path) - o, "%s%s/%s", d ? ":" : "", root,
				 rt->libdirs[d]);
		if (n < 0 || (size_t)n >= sizeof(path) - o)
			return -E2BIG;
		o += (size_t)n;
	}
	char loader[CFG_PATH_MAX * 2];
	snprintf(loader, sizeof(loader), "%s/%s", root, rt->loader);
	if ((r = util_words_add(out, loader)) < 0 ||
	    (r = util_words_add(out, "--inhibit-cache")) < 0 ||
	    (r = util_words_add(out, "--library-path")) < 0 ||
	    (r = util_words_add(out, path)) < 0 || (r = util_words_add(out, "--argv0")) < 0 ||
	    (r = util_words_add(out, cmd->v[0])) < 0)
		return r;
	return util_words_append(out, cmd, 0);
}

bool storerun_agent_early(const struct cfg *c)
{
	struct util_words w;
	util_words_init(&w);
	if (!c->agent.enable || util_words_split(&w, c->agent.exec) < 0 || w.n == 0)
		return false;
	if (storerun_find_store(c, w.v[0]) >= 0)
		return false;
	size_t n = strlen(c->state.path);
	return !(c->has_state && n && strncmp(w.v[0], c->state.path, n) == 0 && w.v[0][n] == '/');
}

bool storerun_agent_builtin(const struct cfg *c)
{
	return strcmp(c->agent.exec, CFG_AGENT_EXEC) == 0;
}
