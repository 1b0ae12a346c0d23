#include "appview.h"
#include "config_internal.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

/* Returns true when path is dir or lies below it. */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int find_store(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_stores; i++)
		if (strcmp(c->stores[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A mount the view would hide from the app. */
static int check_hidden(const char *what, const char *path, const char *store, char *err,
			size_t errlen)
{
	static const char *const replaced[] = {APPVIEW_USR, APPVIEW_ETC};
	for (size_t i = 0; i < ARRAY_LEN(replaced); i++)
		if (under(path, replaced[i]))
			return cfg_fail(err, errlen,
					"%s: path %s is in %s, which the app's view of store %s "
					"replaces",
					what, path, replaced[i], store);
	return 0;
}

int appview_check_config(const struct cfg *c, char *err, size_t errlen)
{
	const char *store = c->app.store;
	char what[CFG_NAME_MAX + 16];
	int r;

	if (!store[0])
		return 0;
	int i = find_store(c, store);
	if (i < 0)
		return cfg_fail(err, errlen, "[app] store: there is no [store %s] section", store);
	static struct util_words w;
	util_words_init(&w);
	const char *prog = util_words_split(&w, c->app.exec) == 0 && w.n ? w.v[0] : c->app.exec;
	if (!under(prog, APPVIEW_USR) || strcmp(prog, APPVIEW_USR) == 0)
		return cfg_fail(err, errlen,
				"[app] exec: with store = %s the program is a path in the store's "
				"/usr, like /usr/bin/NAME; got %s",
				store, prog);
	for (size_t j = 0; j < c->n_stores; j++) {
		snprintf(what, sizeof(what), "[store %s]", c->stores[j].name);
		if ((r = check_hidden(what, c->stores[j].path, store, err, errlen)) < 0)
			return r;
	}
	if (c->has_state && (r = check_hidden("[state]", c->state.path, store, err, errlen)) < 0)
		return r;
	/* Overlay options are split at ',' and ':' (and '\' escapes them). */
	if (strpbrk(c->stores[i].path, ",:\\"))
		return cfg_fail(err, errlen,
				"[store %s]: path %s: the app's store cannot have ',', ':' or '\\' "
				"in its path (overlay options)",
				store, c->stores[i].path);
	return 0;
}

static int add_step(struct appview *v, const char *what, const char *source, const char *target,
		    const char *fstype, unsigned long flags, const char *data)
{
	struct appview_step *s = &v->steps[v->n_steps++];
	s->what = what;
	s->flags = flags;
	if (util_copy(s->source, sizeof(s->source), source) < 0 ||
	    util_copy(s->target, sizeof(s->target), target) < 0 ||
	    util_copy(s->fstype, sizeof(s->fstype), fstype) < 0 ||
	    util_copy(s->data, sizeof(s->data), data) < 0)
		return -ENAMETOOLONG;
	return 0;
}

int appview_plan(const struct cfg *c, bool has_etc, struct appview *ret, char *err, size_t errlen)
{
	char src[CFG_PATH_MAX + 8], data[CFG_PATH_MAX * 2 + 32];
	memset(ret, 0, sizeof(*ret));
	if (!c->app.store[0])
		return 0;
	int i = find_store(c, c->app.store);
	if (i < 0)
		return cfg_fail(err, errlen, "[app] store: there is no [store %s] section",
				c->app.store);
	ret->enabled = true;
	ret->has_etc = has_etc;
	util_copy(ret->store, sizeof(ret->store), c->app.store);
	util_copy(ret->root, sizeof(ret->root), c->stores[i].path);

	/* Mounts of init made after the app started (the portal's) reach the
	 * view; nothing mounted in the view goes back. */
	int r =
	    add_step(ret, "make / a slave of init's mounts", "", "/", "", MS_REC | MS_SLAVE, "");
	snprintf(src, sizeof(src), "%s%s", ret->root, APPVIEW_USR);
	if (r == 0)
		r = add_step(ret, "bind", src, APPVIEW_USR, "", MS_BIND, "");
	/* A bind keeps the store's flags; said again, so the view never
	 * depends on them. */
	if (r == 0)
		r = add_step(ret, "make read-only, nosuid, nodev", "", APPVIEW_USR, "",
			     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, "");
	if (r == 0 && has_etc) {
		/* The VM's own files (passwd, resolv.conf...) over the store's. */
		snprintf(data, sizeof(data), "lowerdir=%s:%s%s", APPVIEW_ETC, ret->root,
			 APPVIEW_ETC);
		r = add_step(ret, "overlay", "overlay", APPVIEW_ETC, "overlay",
			     MS_RDONLY | MS_NOSUID | MS_NODEV, data);
	}
	if (r < 0)
		return cfg_fail(err, errlen, "[app] store: the path of store %s is too long",
				ret->store);
	return 0;
}

int appview_store_path(const struct appview *v, const char *path, char *ret, size_t retlen)
{
	if (!under(path, APPVIEW_USR))
		return -EINVAL;
	int n = snprintf(ret, retlen, "%s%s", v->root, path);
	return n < 0 || (size_t)n >= retlen ? -ENAMETOOLONG : 0;
}

void appview_describe(const struct appview *v, size_t i, char *ret, size_t retlen)
{
	if (i >= v->n_steps) {
		snprintf(ret, retlen, "entering the mount namespace");
		return;
	}
	const struct appview_step *s = &v->steps[i];
	if (strcmp(s->what, "bind") == 0)
		snprintf(ret, retlen, "bind %s on %s", s->source, s->target);
	else if (s->fstype[0])
		snprintf(ret, retlen, "%s on %s (%s)", s->what, s->target, s->data);
	else
		snprintf(ret, retlen, "%s%s%s", s->what, strcmp(s->target, "/") ? ": " : "",
			 strcmp(s->target, "/") ? s->target : "");
}
