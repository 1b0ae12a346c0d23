/* Whole-configuration checks: required keys and conflicts between sections. */
#include "appview.h"
#include "config_internal.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_store(const struct cfg_store *s, const char *what, bool writable, char *err,
		       size_t errlen)
{
	if (!s->source[0])
		return cfg_fail(err, errlen, "%s: source is required", what);
	if (s->type == CFG_FS_NONE)
		return cfg_fail(err, errlen, "%s: type is required", what);
	if (!s->path[0])
		return cfg_fail(err, errlen, "%s: path is required", what);
	bool tag = strncmp(s->source, "tag:", 4) == 0;
	if (tag != (s->type == CFG_FS_VIRTIOFS))
		return cfg_fail(err, errlen, "%s: source %s needs type %s", what, s->source,
				tag ? "virtiofs" : "erofs, squashfs or ext4");
	if (writable && (s->type == CFG_FS_EROFS || s->type == CFG_FS_SQUASHFS))
		return cfg_fail(err, errlen,
				"%s: type %s is read-only; the state store needs ext4 or virtiofs",
				what, cfg_fstype_name(s->type));
	if (strcmp(s->path, "/") == 0)
		return cfg_fail(err, errlen, "%s: path cannot be /", what);
	return 0;
}

static bool is_root(const char *user)
{
	return strcmp(user, "0") == 0 || strcmp(user, "root") == 0;
}

/* sun_path holds 107 bytes and a NUL. */
#define SOCKET_PATH_MAX 107

static int check_wayland(const struct cfg *c, char *err, size_t errlen)
{
	const char *needs_waypipe[][2] = {
	    {"filter", c->wayland.filter},
	    {"filter-args", c->wayland.filter_args},
	    {"target", c->wayland.target},
	    {"data-control", c->wayland.data_control},
	};
	if (!c->wayland.waypipe[0]) {
		for (size_t i = 0; i < sizeof(needs_waypipe) / sizeof(needs_waypipe[0]); i++)
			if (needs_waypipe[i][1][0])
				return cfg_fail(err, errlen,
						"[wayland] %s is set but waypipe is not: the "
						"Wayland transport runs only with waypipe",
						needs_waypipe[i][0]);
		return 0;
	}
	if (c->wayland.filter_args[0] && !c->wayland.filter[0])
		return cfg_fail(err, errlen, "[wayland] filter-args is set but filter is not");
	if (is_root(c->wayland.owner[0] ? c->wayland.owner : c->app.user))
		return cfg_fail(err, errlen,
				"[wayland] waypipe would run as root: it runs as [wayland] owner, "
				"else as [app] user; set one of them to an unprivileged user");
	if (strlen(c->wayland.data_control) > SOCKET_PATH_MAX)
		return cfg_fail(err, errlen,
				"[wayland] data-control: a socket path has at most %d bytes",
				SOCKET_PATH_MAX);
	if (c->wayland.runtime_dir[0] &&
	    strlen(c->wayland.runtime_dir) + 1 + strlen(c->wayland.socket) > SOCKET_PATH_MAX)
		return cfg_fail(err, errlen,
				"[wayland] runtime-dir and socket make a socket path longer than "
				"%d bytes",
				SOCKET_PATH_MAX);
	return 0;
}

int cfg_check(const struct cfg *c, char *err, size_t errlen)
{
	char what[CFG_NAME_MAX + 16];
	int r;

	if (!c->app.exec[0])
		return cfg_fail(err, errlen, "[app] exec is required");
	if (c->vm.restart_delay_ms > c->vm.restart_delay_max_ms)
		return cfg_fail(
		    err, errlen,
		    "[vm] restart-delay (%lums) is longer than restart-delay-max (%lums)",
		    c->vm.restart_delay_ms, c->vm.restart_delay_max_ms);
	for (size_t i = 0; i < c->n_stores; i++) {
		util_cat(what, sizeof(what), "[store ", c->stores[i].name, "]", NULL);
		if ((r = check_store(&c->stores[i], what, false, err, errlen)) < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->stores[i].path, c->stores[j].path) == 0)
				return cfg_fail(err, errlen,
						"%s: path %s is already used by [store %s]", what,
						c->stores[i].path, c->stores[j].name);
	}
	if ((r = check_wayland(c, err, errlen)) < 0)
		return r;
	/* The bus and the portal run as the app's user, in its runtime dir. */
	if (c->portal.enable && c->wayland.owner[0] && strcmp(c->wayland.owner, c->app.user) != 0)
		return cfg_fail(err, errlen,
				"[portal] enable needs [wayland] owner to be the app's user (%s), "
				"not %s",
				c->app.user, c->wayland.owner);
	if (c->has_state) {
		if ((r = check_store(&c->state, "[state]", true, err, errlen)) < 0)
			return r;
		for (size_t j = 0; j < c->n_stores; j++)
			if (strcmp(c->state.path, c->stores[j].path) == 0)
				return cfg_fail(err, errlen,
						"[state]: path %s is already used by [store %s]",
						c->state.path, c->stores[j].name);
	}
	return appview_check_config(c, err, errlen);
}
