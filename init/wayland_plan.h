/* The guest's Wayland transport, planned from [wayland] (docs/wayland-vm.md):
 * the sockets and the command lines of the relay and of waypipe server, whose
 * command is the guest filter (or the relay's --hold placeholder). Pure: the
 * caller creates the directories and starts the services (wayland.c). */
#ifndef APPVM_INIT_WAYLAND_PLAN_H
#define APPVM_INIT_WAYLAND_PLAN_H

#include "config.h"
#include "storerun.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* The transport's private sockets; the directory belongs to the owner, mode 0700. */
#define WAYLAND_DIR	       "/run/appvm/wayland"
#define WAYLAND_RELAY_SOCKET   WAYLAND_DIR "/relay.sock"
#define WAYLAND_WAYPIPE_SOCKET WAYLAND_DIR "/waypipe.sock"
#define WAYLAND_DATA_CONTROL   WAYLAND_DIR "/data-control.sock"

struct wayland_plan {
	char app_socket[CFG_PATH_MAX]; /* runtime dir / socket: what the apps use */
	bool transport;		       /* waypipe is configured */
	bool filter;
	char relay_socket[CFG_PATH_MAX];
	char display[CFG_PATH_MAX]; /* waypipe server's display socket */
	char data_control[CFG_PATH_MAX];
	char target[CFG_PATH_MAX];
	struct util_words relay;   /* the relay service's command line */
	struct util_words waypipe; /* the waypipe service's command line */
};

/* Plans the transport for the app socket runtime_dir/socket. rts: one store
 * runtime per c->stores[i] (storerun.h), applied to every program. Returns 0,
 * or -EINVAL / -E2BIG with one line in err. */
int wayland_plan(const struct cfg *c, const char *runtime_dir, const struct storerun *rts,
		 struct wayland_plan *ret, char *err, size_t errlen);

/* Returns true when proc_net_unix (the text of /proc/net/unix) lists a
 * listening stream socket bound to path, or to a relative path that path
 * ends with (the caller checks that path is a socket file). */
bool wayland_socket_listening(const char *proc_net_unix, const char *path);

#endif
