/* Opening byte streams to a guest, every step bounded by a deadline. The fds
 * returned are non-blocking and close-on-exec. Errors follow ctl_error.h. */
#ifndef APPVM_CTL_TRANSPORT_H
#define APPVM_CTL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_error.h"
#include "ctl_target.h"

/* Connects to the target's agent port (through the hybrid CONNECT handshake
 * where the transport has one). Returns an fd, or -EHOSTDOWN, -ECONNREFUSED,
 * -ETIMEDOUT or -errno with err filled. */
int ctl_transport_connect(const struct ctl_target *t, uint64_t deadline, struct ctl_error *err);

/* Connects a Unix stream socket. Returns an fd, -EHOSTDOWN (no socket, or
 * nobody listening), -ETIMEDOUT (listener's backlog stayed full) or -errno. */
int ctl_unix_connect(const char *path, uint64_t deadline, struct ctl_error *err);

/* Runs the hybrid handshake on a connected fd: sends "CONNECT port\n" and
 * reads the answer one byte at a time, so no stream byte is consumed.
 * Returns 0, -ECONNREFUSED (refused, closed, or anything but a proper OK
 * line), -ETIMEDOUT or -errno. */
int ctl_hybrid_handshake(int fd, uint32_t port, uint64_t deadline, struct ctl_error *err);

/* Pending event connections the kernel keeps before refusing more. */
#define CTL_EVENT_BACKLOG 64

/* Binds and listens on a Unix stream socket for guest events. A stale socket
 * file (nobody listening) is replaced; a live one or any other file is left
 * alone (-EADDRINUSE). Returns a non-blocking fd or -errno with err filled. */
int ctl_unix_listen(const char *path, struct ctl_error *err);

/* AF_VSOCK (ctl_vsock.c). Only ever used with a real vsock device. */

/* Connects to cid:port. Returns an fd, -EHOSTDOWN (no such guest),
 * -ECONNREFUSED (nothing listens on the port), -ETIMEDOUT or -errno. */
int ctl_vsock_connect(uint32_t cid, uint32_t port, uint64_t deadline, struct ctl_error *err);

/* Listens on the host's port for guest connections. Returns an fd or -errno. */
int ctl_vsock_listen(uint32_t port, struct ctl_error *err);

/* Accepts one connection on a vsock listener and keeps it only if it comes
 * from cid. Returns an fd, -EAGAIN (nothing pending), -EACCES (another
 * guest's connection, which is closed) or -errno. */
int ctl_vsock_accept_from(int listen_fd, uint32_t cid);

#endif
