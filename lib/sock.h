/* Stream sockets shared by the daemons: Unix listeners (the host daemons),
 * connections to a Unix socket or to vsock (the guest portal). */
#ifndef APPVM_SOCK_H
#define APPVM_SOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Binds a non-blocking, close-on-exec listening Unix socket at path,
 * replacing a stale socket file but refusing to steal one somebody still
 * listens on (-EADDRINUSE) or any other file (-EEXIST). With owner_only the
 * socket file is created with mode 0600. Returns the fd or -errno
 * (-ENAMETOOLONG when path does not fit a socket address). */
int sock_listen_unix(const char *path, int backlog, bool owner_only);

/* Starts a non-blocking, close-on-exec stream connection to the Unix socket
 * unix_path, or, when it is NULL, to vsock cid:port. Returns the fd with
 * *ret_connected true when the connection is made already, false when it is
 * in progress (wait for POLLOUT, then read SO_ERROR); or -errno. */
int sock_connect(const char *unix_path, uint32_t cid, uint32_t port, bool *ret_connected);

#endif
