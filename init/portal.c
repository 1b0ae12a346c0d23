/* [portal]: the VM's session bus (Debian's dbus-daemon) and appvm-portal,
 * both as the app's user, started before the app (docs/config.md, [portal];
 * docs/portal.md, "Mounting"). Two supervised services:
 *
 *   bus     dbus-daemon --config-file=/run/appvm/session-bus.conf --nofork
 *           --print-address=3, listening on $XDG_RUNTIME_DIR/bus; ready
 *           once it printed its address.
 *   portal  appvm-portal --fuse-fd 3 --ready-fd 4 ...: /dev/fuse is root's
 *           only, so init mounts the document filesystem on
 *           $XDG_RUNTIME_DIR/doc for the app's user before each start and
 *           hands the descriptor over; ready once it wrote "ready".
 *
 * Each start waits for its service to be ready (at most ready-timeout), so
 * the app finds both when it starts. */
#include "init.h"
#include "mount.h"
#include "passwd.h"
#include "util.h"

#include "clock.h"
#include "io.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUS_CONF "/run/appvm/session-bus.conf"

static struct {
	char runtime_dir[CFG_PATH_MAX];
	char mountpoint[CFG_PATH_MAX + 8];
	char docs_mount[CFG_PATH_MAX + 8]; /* the document device's, or "" */
	int bus_ready, portal_ready;	   /* read ends of the readiness pipes, or -1 */
} ps = {.bus_ready = -1, .portal_ready = -1};

/* Waits until the service wrote a line on fd (closing it), at most the
 * configured time. */
static void wait_ready(struct init *in, struct service *s, int *fd, const char *what)
{
	char buf[256];
	size_t got = 0;
	uint64_t end = clock_now_ms() + in->cfg->portal.ready_timeout_ms;
	for (;;) {
		uint64_t now = clock_now_ms();
		if (now >= end) {
			log_warn("%s: not ready after %lu ms; going on", s->name,
				 in->cfg->portal.ready_timeout_ms);
			break;
		}
		struct pollfd p = {.fd = *fd, .events = POLLIN};
		int r = poll(&p, 1, (int)(end - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(*fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("%s: ended before it was ready", s->name);
			break;
		}
		got += (size_t)n;
		buf[got] = '\0';
		char *nl = strchr(buf, '\n');
		if (nl || got == sizeof(buf) - 1) {
			if (nl)
				*nl = '\0';
			if (what)
				log_info("%s: ready, %s %s", s->name, what, buf);
			else
				log_info("%s: ready", s->name);
			break;
		}
	}
	close(*fd);
	*fd = -1;
}

static int ready_pipe(struct service *s, int slot, int *ret_read, char *err, size_t errlen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: pipe: %s", s->name, strerror(e));
		return -e;
	}
	if (*ret_read >= 0)
		close(*ret_read);
	*ret_read = p[0];
	s->pass_fds[slot] = p[1];
	return 0;
}

static int bus_pre_start(struct init *in, struct service *s, char *err, size_t errlen)
{
	char sock[CFG_PATH_MAX + 8];
	(void)in;
	/* A socket left by an earlier run. */
	snprintf(sock, sizeof(sock), "%s/bus", ps.runtime_dir);
	unlink(sock);
	return ready_pipe(s, 0, &ps.bus_ready, err, errlen);
}

static void bus_post_start(struct init *in, struct service *s)
{
	wait_ready(in, s, &ps.bus_ready, "listening on");
}

static int portal_pre_start(struct init *in, struct service *s, char *err, size_t errlen)
{
	char why[256];
	(void)in;
	int fd = portal_mount(ps.mountpoint, s->uid, s->gid, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", s->name, why);
		return fd;
	}
	s->pass_fds[0] = fd;
	return ready_pipe(s, 1, &ps.portal_ready, err, errlen);
}

static void portal_post_start(struct init *in, struct service *s)
{
	wait_ready(in, s, &ps.portal_ready, NULL);
}

static int write_bus_conf(const char *runtime_dir, char *err, size_t errlen)
{
	char conf[1024];
	int n = snprintf(conf, sizeof(conf),
			 "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
			 "1.0//EN\"\n"
			 " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
			 "<busconfig>\n"
			 "  <type>session</type>\n"
			 "  <listen>unix:path=%s/bus</listen>\n"
			 "  <auth>EXTERNAL</auth>\n"
			 "  <policy context=\"default\">\n"
			 "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
			 "    <allow eavesdrop=\"true\"/>\n"
			 "    <allow own=\"*\"/>\n"
			 "  </policy>\n"
			 "</busconfig>\n",
			 runtime_dir);
	if (n < 0 || (size_t)n >= sizeof(conf)) {
		snprintf(err, errlen, "bus: configuration too long");
		return -E2BIG;
	}
	if (mkdir("/run/appvm", 0755) < 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "bus: cannot create /run/appvm: %s", strerror(e));
		return -e;
	}
	int fd = open(BUS_CONF, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = fd < 0 ? -errno : io_write_full(fd, conf, (size_t)n);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		snprintf(err, errlen, "bus: cannot write %s: %s", BUS_CONF, strerror(-r));
	return r;
}

/* One of the two services: the app's user, a small environment, the hooks. */
static struct service *add(struct init *in, const char *name, const char *cmd, const char *extra,
			   const char *runtime_dir, char *err, size_t errlen)
{
	const struct cfg *c = in->cfg;
	struct pw_user pw;
	struct service *s = service_add(in, name);
	if (service_command(in, s, cmd, extra, err, errlen) < 0 ||
	    service_set_user(s, c->app.user, c->app.group, c->app.groups, &pw, err, errlen) < 0)
		return NULL;
	service_env(s, "PATH=/usr/local/bin:/usr/bin:/bin");
	service_env(s, "HOME=%s", pw.home[0] ? pw.home : "/");
	service_env(s, "XDG_RUNTIME_DIR=%s", runtime_dir);
	return s;
}

int portal_services(struct init *in, const char *runtime_dir, char *err, size_t errlen)
{
	const struct cfg *c = in->cfg;
	char extra[CFG_VALUE_MAX * 2];
	int r;
	if (!c->portal.enable)
		return 0;
	/* The paths travel in command lines: no quotes in them. */
	if (strpbrk(runtime_dir, "'\"\\ \t")) {
		snprintf(err, errlen, "portal: the runtime directory %s holds quotes or blanks",
			 runtime_dir);
		return -EINVAL;
	}
	util_copy(ps.runtime_dir, sizeof(ps.runtime_dir), runtime_dir);
	snprintf(ps.mountpoint, sizeof(ps.mountpoint), "%s/doc", runtime_dir);
	if (c->portal.docs_device[0])
		snprintf(ps.docs_mount, sizeof(ps.docs_mount), "%s/docs", runtime_dir);
	if ((r = write_bus_conf(runtime_dir, err, errlen)) < 0)
		return r;

	snprintf(extra, sizeof(extra), "--config-file=%s --nofork --print-address=3", BUS_CONF);
	struct service *bus =
	    add(in, "bus", c->portal.dbus_daemon, extra, runtime_dir, err, errlen);
	if (!bus)
		return -EINVAL;
	bus->pre_start = bus_pre_start;
	bus->post_start = bus_post_start;

	char docs_arg[CFG_PATH_MAX + 24] = "";
	if (ps.docs_mount[0])
		snprintf(docs_arg, sizeof(docs_arg), "--docs-mount %s ", ps.docs_mount);
	snprintf(extra, sizeof(extra), "--port %lu --fuse-fd 3 --ready-fd 4 --mountpoint %s %s%s",
		 c->portal.port, ps.mountpoint, docs_arg, c->portal.args);
	struct service *portal = add(in, "portal", c->portal.exec, extra, runtime_dir, err, errlen);
	if (!portal)
		return -EINVAL;
	if (ps.docs_mount[0]) {
		/* Once, as root, for the portal's user: the filesystem is the
		 * host's and outlives restarts of the portal. Without it the
		 * portal gives every file on its own filesystem. */
		char why[256];
		if (portal_mount_docs_device(c->portal.docs_device, ps.docs_mount, portal->uid,
					     portal->gid, why, sizeof(why)) < 0) {
			log_warn("portal: %s; read-only files go through %s", why, ps.mountpoint);
			snprintf(extra, sizeof(extra),
				 "--port %lu --fuse-fd 3 --ready-fd 4 --mountpoint %s %s",
				 c->portal.port, ps.mountpoint, c->portal.args);
			if (service_command(in, portal, c->portal.exec, extra, err, errlen) < 0)
				return -EINVAL;
		} else {
			log_info("portal: document device '%s' on %s", c->portal.docs_device,
				 ps.docs_mount);
		}
	}
	service_env(portal, "DBUS_SESSION_BUS_ADDRESS=unix:path=%s/bus", runtime_dir);
	portal->pre_start = portal_pre_start;
	portal->post_start = portal_post_start;
	return 0;
}

int portal_app_env(struct init *in, struct service *app, const char *runtime_dir)
{
	const struct cfg *c = in->cfg;
	if (!c->portal.enable)
		return 0;
	int r = service_env(app, "DBUS_SESSION_BUS_ADDRESS=unix:path=%s/bus", runtime_dir);
	/* GTK 3 and GIO, GTK 4, Qt 5 use the portal only when told to. */
	if (r == 0 && c->portal.app_env)
		r = service_env(app, "GTK_USE_PORTAL=1");
	if (r == 0 && c->portal.app_env)
		r = service_env(app, "GDK_DEBUG=portals");
	if (r == 0 && c->portal.app_env)
		r = service_env(app, "QT_QPA_PLATFORMTHEME=xdgdesktopportal");
	return r;
}
