/* Unix socket plumbing of appvm-wayland: listening, connecting, and moving
 * bytes and SCM_RIGHTS fds between sockets and the core's queues. */
#ifndef APPVM_WAYLAND_SOCK_H
#define APPVM_WAYLAND_SOCK_H

#include "buffer.h"

#include <sys/types.h>

/* Listens on path (mode 0600). A stale socket nobody listens on is
 * replaced; a live one or any other file is left alone (-EADDRINUSE).
 * Returns the non-blocking fd or -errno. */
int wlf_sock_listen(const char *path);

/* Connects to path without blocking. Returns the fd or -errno. */
int wlf_sock_connect(const char *path);

/* One recvmsg into the free end of in; fds join its queue. Returns the byte
 * count (0: end of file), -EAGAIN, -EMFILE (more fds than the queue or one
 * read may hold: a flood; they are closed) or -errno. */
ssize_t wlf_sock_recv(int fd, struct wlf_in *in);

/* Sends as much of out as the socket takes. Returns 0 (bytes may remain) or -errno. */
int wlf_sock_flush(int fd, struct wlf_out *out);

#endif
