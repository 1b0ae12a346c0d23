/* Command line of appvm-wayland (docs/wayland.md). Pure. */
#ifndef APPVM_WAYLAND_ARGS_H
#define APPVM_WAYLAND_ARGS_H

#include "conn.h"

#include <stdbool.h>
#include <stddef.h>

#define WLF_DEFAULT_MAX_CLIENTS 128
#define WLF_MAX_CLIENTS_LIMIT	1024
#define WLF_SOCKET_PATH_MAX	107 /* sun_path less its NUL */

struct wlf_opts {
	enum wlf_mode mode;
	const char *listen;	  /* socket path or display name */
	const char *upstream;	  /* socket path or display name; host default: $WAYLAND_DISPLAY */
	const char *name;	  /* host: the VM's name */
	const char *focus_file;	  /* host: optional */
	const char *data_control; /* guest: optional private socket */
	unsigned max_clients;
	bool allow_fullscreen; /* host */
	bool verbose, help, version;
};

extern const char wlf_usage[];

/* Parses argv. Returns 0 (check help/version first) or -EINVAL with a
 * message in err. */
int wlf_opts_parse(struct wlf_opts *o, int argc, char *const argv[], char *err, size_t errlen);

/* Turns a display name or path into a socket path: a value with a '/' is a
 * path, anything else names a socket in runtime_dir ($XDG_RUNTIME_DIR).
 * Returns 0, -ENOENT when a name needs runtime_dir and it is NULL or
 * relative, or -ENAMETOOLONG. */
int wlf_socket_path(const char *value, const char *runtime_dir, char *buf, size_t size);

#endif
