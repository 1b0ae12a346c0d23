/* The app's view of its store at run time (appview.h): the checks at boot,
 * and the mount namespace the app's process enters before it drops its
 * privileges. */
#include "appview.h"
#include "init.h"
#include "storerun.h"

#include "log.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static struct appview view;

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A store with a glibc runtime: its programs reach the loader as
 * /lib64/... (their PT_INTERP), which in the view must be the store's:
 * the loader lies under the store's usr, and the image's /lib64 leads to
 * /usr/lib64 (merged /usr, as rootfs/build makes both). */
static int check_loader(const struct storerun *rt, char *err, size_t errlen)
{
	char path[PATH_MAX], top[CFG_PATH_MAX + 2], want[CFG_PATH_MAX + 8], real[PATH_MAX];
	const char *loader = rt->loader;
	struct stat st;

	if (strncmp(loader, "usr/", 4) == 0)
		loader += 4;
	snprintf(path, sizeof(path), "%s%s/%s", view.root, APPVIEW_USR, loader);
	if (stat(path, &st) < 0) {
		snprintf(err, errlen,
			 "app: store %s has its loader %s outside its usr (%s: %s): the app's view "
			 "maps only usr; rootfs/build makes stores merged-/usr",
			 view.store, rt->loader, path, strerror(errno));
		return -ENOENT;
	}
	snprintf(top, sizeof(top), "/%.*s", (int)strcspn(loader, "/"), loader);
	snprintf(want, sizeof(want), "%s%s", APPVIEW_USR, top);
	if (!realpath(top, real) || strcmp(real, want) != 0) {
		snprintf(err, errlen,
			 "app: the image's %s does not lead to %s, so the store's programs would "
			 "not find their loader %s (rootfs/build makes %s a link to usr%s)",
			 top, want, rt->loader, top, top);
		return -ENOENT;
	}
	return 0;
}

int appview_setup(struct init *in, struct service *app, char *err, size_t errlen)
{
	const struct cfg *c = in->cfg;
	char path[PATH_MAX];
	int r;

	if (!c->app.store[0])
		return 0;
	if ((r = appview_plan(c, false, &view, err, errlen)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s%s", view.root, APPVIEW_USR);
	if (!is_dir(path)) {
		snprintf(err, errlen,
			 "app: store %s (%s) has no usr directory, so it cannot be the app's view "
			 "(rootfs/build --store-pkg makes such stores)",
			 view.store, view.root);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s%s", view.root, APPVIEW_ETC);
	if ((r = appview_plan(c, is_dir(path), &view, err, errlen)) < 0)
		return r;
	if (appview_store_path(&view, app->program, path, sizeof(path)) < 0 ||
	    access(path, X_OK) < 0) {
		r = -errno;
		snprintf(err, errlen, "app: cannot run %s: not in store %s (%s): %s", app->program,
			 view.store, path, strerror(errno));
		return r ? r : -EINVAL;
	}
	for (size_t i = 0; i < c->n_stores; i++) {
		const struct storerun *rt = &services_store_runtimes()[i];
		if (strcmp(c->stores[i].name, view.store) == 0 && rt->present &&
		    (r = check_loader(rt, err, errlen)) < 0)
			return r;
	}
	/* The view is a slave of init's mounts, which must be shared for that. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0) {
		r = -errno;
		snprintf(err, errlen, "app: cannot share init's mounts with the app's view: %s",
			 strerror(errno));
		return r;
	}
	app->view = &view;
	log_info("app: sees store %s: /usr is %s%s%s", view.store, view.root, APPVIEW_USR,
		 view.has_etc ? ", /etc the VM's over the store's" : "");
	return 0;
}

int appview_enter(const struct appview *v, size_t *ret_step)
{
	*ret_step = v->n_steps;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	for (size_t i = 0; i < v->n_steps; i++) {
		const struct appview_step *s = &v->steps[i];
		*ret_step = i;
		if (mount(s->source[0] ? s->source : NULL, s->target,
			  s->fstype[0] ? s->fstype : NULL, s->flags,
			  s->data[0] ? s->data : NULL) < 0)
			return -errno;
	}
	return 0;
}
