/* The relay's event loop (relay.c). */
#ifndef APPVM_RELAY_H
#define APPVM_RELAY_H

#include "relay_opts.h"

/* Binds and listens on the Unix socket path (mode 0600), replacing a stale
 * socket file but refusing one that still answers. Returns the non-blocking
 * fd, -EBUSY (a live socket), -EADDRINUSE (a file that is not a socket), or
 * -errno. */
int relay_listen(const char *path);

/* Serves lfd until SIGTERM, SIGINT or SIGHUP. Returns the exit status. */
int relay_run(const struct relay_opts *o, int lfd);

#endif
