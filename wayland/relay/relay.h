/* The relay's event loop (relay.c). */
#ifndef APPVM_RELAY_H
#define APPVM_RELAY_H

#include "relay_opts.h"

/* Binds and listens on the Unix socket path, replacing a stale socket file but
 * refusing one that still answers. Returns the non-blocking fd, -EEXIST when
 * path is not a socket, -EADDRINUSE, or -errno. */
int relay_listen(const char *path);

/* Serves lfd until SIGTERM, SIGINT or SIGHUP. Returns the exit status. */
int relay_run(const struct relay_opts *o, int lfd);

#endif
