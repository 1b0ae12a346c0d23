/* The Wayland transport at boot (docs/wayland-vm.md): its private directory,
 * the relay and waypipe services from the plan (wayland_plan.c), and service
 * readiness: a Unix socket listening. */
#include "init.h"
#include "wayland_plan.h"

#include "io.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Enough for the sockets of a VM; beyond it, a plain existence check. */
#define PROC_NET_UNIX_MAX (256 * 1024)

/* A service of the transport: the owner's credentials and a small environment. */
static struct service *transport_service(struct init *in, const char *name,
					 const struct util_words *cmd, const struct pw_user *owner,
					 char *err, size_t errlen)
{
	const struct cfg *c = in->cfg;
	struct pw_user pw;
	struct service *s = service_add(in, name);
	/* The plan has put the stores' loaders in front already. */
	if (service_argv(s, cmd, err, errlen) < 0 ||
	    service_set_user(s, c->wayland.owner[0] ? c->wayland.owner : c->app.user, NULL, NULL,
			     &pw, err, errlen) < 0)
		return NULL;
	service_env(s, "PATH=/usr/local/bin:/usr/bin:/bin");
	service_env(s, "HOME=%s", owner->home[0] ? owner->home : "/");
	s->kill_group = true;
	return s;
}

int wayland_prepare(struct init *in, const struct pw_user *owner, const char *runtime_dir,
		    char *err, size_t errlen)
{
	static struct wayland_plan p;
	int r = wayland_plan(in->cfg, runtime_dir, services_store_runtimes(), &p, err, errlen);
	if (r < 0 || !p.transport)
		return r;
	if (owner->uid == 0) {
		snprintf(err, errlen,
			 "wayland: waypipe would run as root (uid 0); set [app] user or [wayland] "
			 "owner to an unprivileged user");
		return -EPERM;
	}
	/* Only the owner reaches the transport's sockets (and root: the agent
	 * uses the data-control socket). */
	if ((mkdir("/run/appvm", 0755) < 0 && errno != EEXIST) ||
	    (mkdir(WAYLAND_DIR, 0700) < 0 && errno != EEXIST) ||
	    chown(WAYLAND_DIR, owner->uid, owner->gid) < 0 || chmod(WAYLAND_DIR, 0700) < 0) {
		r = -errno;
		snprintf(err, errlen, "wayland: cannot prepare %s: %s", WAYLAND_DIR,
			 strerror(errno));
		return r;
	}

	struct service *relay =
	    transport_service(in, "wayland-relay", &p.relay, owner, err, errlen);
	if (!relay)
		return -EINVAL;
	util_copy(relay->ready_path, sizeof(relay->ready_path), p.relay_socket);

	struct service *wp = transport_service(in, "wayland", &p.waypipe, owner, err, errlen);
	if (!wp)
		return -EINVAL;
	service_env(wp, "XDG_RUNTIME_DIR=%s", runtime_dir);
	/* The apps wait for their socket; waypipe cannot bind over a stale one. */
	util_copy(wp->ready_path, sizeof(wp->ready_path), p.app_socket);
	util_copy(wp->stale[0], sizeof(wp->stale[0]), p.display);
	if (p.filter)
		util_copy(wp->stale[1], sizeof(wp->stale[1]), p.app_socket);

	log_info("wayland: %s through %swaypipe to %s", p.app_socket,
		 p.filter ? "the guest filter and " : "", p.target);
	return 0;
}

bool service_ready(const struct service *s)
{
	static char text[PROC_NET_UNIX_MAX];
	struct stat st;
	if (!s->ready_path[0])
		return true;
	if (stat(s->ready_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	/* Bound is not yet listening: a client would be refused. */
	return io_read_file("/proc/net/unix", text, sizeof(text)) < 0 ||
	       wayland_socket_listening(text, s->ready_path);
}

void service_remove_stale(const struct service *s)
{
	for (size_t i = 0; i < ARRAY_LEN(s->stale); i++) {
		struct stat st;
		if (s->stale[i][0] && lstat(s->stale[i], &st) == 0 && S_ISSOCK(st.st_mode) &&
		    unlink(s->stale[i]) == 0)
			log_info("%s: removed the stale socket %s", s->name, s->stale[i]);
	}
}
