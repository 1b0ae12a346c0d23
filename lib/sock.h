/* Unix stream sockets shared by the host daemons. */
#ifndef APPVM_SOCK_H
#define APPVM_SOCK_H

#include <stdbool.h>

/* Binds a non-blocking, close-on-exec listening Unix socket at path,
 * replacing a stale socket file but refusing to steal one somebody still
 * listens on (-EADDRINUSE) or any other file (-EEXIST). With owner_only the
 * socket file is created with mode 0600. Returns the fd or -errno
 * (-ENAMETOOLONG when path does not fit a socket address). */
int sock_listen_unix(const char *path, int backlog, bool owner_only);

#endif
