/* appvm-wayland: the wire-level Wayland filter (docs/wayland.md). */
#include "args.h"
#include "log.h"
#include "loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int resolve(const char *what, const char *value, char *buf, size_t size)
{
	int r = wlf_socket_path(value, getenv("XDG_RUNTIME_DIR"), buf, size);
	if (r == -ENOENT)
		log_err("%s \"%s\" is a name, and XDG_RUNTIME_DIR is not an absolute path", what,
			value);
	else if (r < 0)
		log_err("%s \"%.64s...\": path too long for a Unix socket", what, value);
	return r;
}

int main(int argc, char **argv)
{
	struct wlf_opts o;
	char err[256];
	log_setup("appvm-wayland", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
	if (wlf_opts_parse(&o, argc, argv, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 2;
	}
	if (o.help) {
		fputs(wlf_usage, stdout);
		return 0;
	}
	if (o.version) {
		puts("appvm-wayland " APPVM_VERSION);
		return 0;
	}
	if (o.verbose)
		log_setup("appvm-wayland", LOG_TARGET_STDERR, LOG_LEVEL_DEBUG);
	if (!o.upstream)
		o.upstream = getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "wayland-0";
	char listen_path[128], upstream_path[128], control_path[128];
	if (resolve("--listen", o.listen, listen_path, sizeof(listen_path)) < 0 ||
	    resolve("--upstream", o.upstream, upstream_path, sizeof(upstream_path)) < 0 ||
	    (o.data_control &&
	     resolve("--data-control", o.data_control, control_path, sizeof(control_path)) < 0))
		return 2;
	if (strcmp(listen_path, upstream_path) == 0) {
		log_err("--listen and --upstream are the same socket");
		return 2;
	}
	/* Clients pass fds through the filter: allow as many as the system does. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int r = wlf_run(&o, listen_path, upstream_path, o.data_control ? control_path : NULL);
	return r < 0 ? 1 : 0;
}
