/* The app's view of its store ([app] store; docs/config.md, docs/images.md
 * "App stores"). The app runs in a mount namespace of its own in which /usr
 * is the store's usr (read-only) and /etc is the VM's /etc layered over the
 * store's etc (a read-only overlay). Debian's programs then find their loader
 * (/lib64 -> usr/lib64), their libraries and their data (/usr/share/...,
 * /etc/fonts, caches) at the paths they were built for, wherever the store is
 * mounted, and a store program that runs another one just works. The
 * namespace is a slave of init's: mounts init makes later still reach it.
 * Pure: planning, checks and messages; appview_sys.c performs them. */
#ifndef APPVM_INIT_APPVIEW_H
#define APPVM_INIT_APPVIEW_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>

/* The directories the view replaces. */
#define APPVIEW_USR "/usr"
#define APPVIEW_ETC "/etc"

#define APPVIEW_MAX_STEPS 4

/* One mount(2) call of the view, made in the app's new mount namespace. */
struct appview_step {
	char source[CFG_PATH_MAX + 8]; /* "" for none */
	char target[CFG_PATH_MAX];
	char fstype[16]; /* "" for none */
	unsigned long flags;
	char data[CFG_PATH_MAX * 2 + 32]; /* "" for none */
	const char *what;		  /* for messages */
};

struct appview {
	bool enabled;
	bool has_etc; /* the store has etc: /etc is an overlay */
	char store[CFG_NAME_MAX];
	char root[CFG_PATH_MAX]; /* the store's mount point */
	struct appview_step steps[APPVIEW_MAX_STEPS];
	size_t n_steps;
};

/* Checks [app] store against the rest of the configuration: the store
 * exists, the program is a path in the store's /usr, no other mount would be
 * hidden by the view, the store's path can go into overlay options. Returns
 * 0 (also without [app] store) or -EINVAL with one line in err. */
int appview_check_config(const struct cfg *c, char *err, size_t errlen);

/* Plans the view of c's [app] store: / becomes a slave of init's mounts, the
 * store's usr is bound on /usr and made read-only, nosuid, nodev, and when
 * has_etc, /etc becomes the overlay "lowerdir=/etc:STORE/etc". Without
 * [app] store, ret->enabled is false. Returns 0 or -EINVAL with err. */
int appview_plan(const struct cfg *c, bool has_etc, struct appview *ret, char *err, size_t errlen);

/* Writes into ret the path, in init's view, of path as the app sees it
 * (a path under /usr, in the store). Returns 0, -EINVAL (not under /usr) or
 * -ENAMETOOLONG. */
int appview_store_path(const struct appview *v, const char *path, char *ret, size_t retlen);

/* Writes what step i does ("bind /run/store/x/usr on /usr"); i == n_steps
 * names entering the new mount namespace, which comes before the steps. */
void appview_describe(const struct appview *v, size_t i, char *ret, size_t retlen);

#endif
