/* How a guest program connects to the host: vsock CID 2 (the host) on a
 * port, or a Unix socket instead in tests (the other end of hybrid vsock). */
#ifndef APPVM_HOST_CONNECT_H
#define APPVM_HOST_CONNECT_H

#include <stdbool.h>
#include <stdint.h>

/* Starts a non-blocking, close-on-exec stream connection to the Unix socket
 * unix_path or, when it is NULL, to the host's vsock port. Returns the fd
 * with *ret_connected true when the connection is made already, false when
 * it is in progress (wait for POLLOUT, then read SO_ERROR); or -errno. */
int host_connect(const char *unix_path, uint32_t port, bool *ret_connected);

#endif
