/* The vhost-user back-end side of the connection from qemu (qemu's
 * docs/interop/vhost-user.rst): reads one message at a time with the fds
 * that come with it, maps guest memory, wires kick/call eventfds and the
 * ring addresses into the vsock device. */
#ifndef APPVM_VHOST_USER_H
#define APPVM_VHOST_USER_H

#include "vsock_dev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vhost_user {
	int fd; /* connection to the front-end, -1 when none */
	struct vsock_dev *dev;
	uint64_t features, protocol_features;
	int kick_fd[VSOCK_VQ_COUNT], call_fd[VSOCK_VQ_COUNT];
	bool enabled[VSOCK_VQ_COUNT];
	/* Called when a queue's kick fd changes (fd -1: gone), so the event
	 * loop can watch it. */
	void (*watch_kick)(void *ctx, unsigned queue, int fd);
	void *ctx;
};

/* Prepares the state for a new front-end connection on fd (owned from now on). */
void vhost_user_attach(struct vhost_user *vu, int fd);

/* Reads and handles one message. Returns 0, or -errno when the connection
 * ended or broke the protocol (the caller then calls vhost_user_detach). */
int vhost_user_handle(struct vhost_user *vu);

/* Drops the connection: closes every fd, unmaps guest memory, resets the
 * queues and closes every vsock connection. */
void vhost_user_detach(struct vhost_user *vu);

/* Clears a queue's kick eventfd. */
void vhost_user_drain_kick(struct vhost_user *vu, unsigned queue);

/* Interrupts the guest for queues the device used, unless it opted out. */
void vhost_user_notify(struct vhost_user *vu);

#endif
