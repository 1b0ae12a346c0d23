/* The event loop of appvm-wayland: one thread, epoll, non-blocking sockets. */
#ifndef APPVM_WAYLAND_LOOP_H
#define APPVM_WAYLAND_LOOP_H

#include "args.h"

/* Serves until SIGTERM or SIGINT. Returns 0 after a clean stop or -errno
 * when setting up failed (logged). */
int wlf_run(const struct wlf_opts *opts, const char *listen_path, const char *upstream_path,
	    const char *data_control_path);

#endif
