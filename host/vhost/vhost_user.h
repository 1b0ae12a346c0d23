/* The vhost-user back-end's protocol state (qemu's
 * docs/interop/vhost-user.rst): applies validated messages from the
 * front-end to a device (vsock, virtio-fs) — guest memory, ring addresses,
 * kick and call eventfds — and answers. Pure except through the ops table: the
 * program implements it with system calls (vu_sys.c), the fuzz target with
 * fakes. */
#ifndef APPVM_VHOST_USER_H
#define APPVM_VHOST_USER_H

#include "vhost_mem.h"
#include "vhost_vq.h"
#include "vu_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The device the back-end serves: its guest memory and VU_QUEUES queues,
 * its config space, and what it drops when the guest driver is gone. */
struct vhost_dev {
	struct vhost_mem *mem;
	struct vhost_vq *vq; /* VU_QUEUES of them */
	uint8_t config[VU_CONFIG_SPACE];
	uint32_t config_size; /* bytes of config the device has (0: none) */
	/* Every queue stopped, or the front-end left: the guest driver is
	 * gone (reset or reboot), and what it had open with it. */
	void (*reset)(void *ctx);
	void *ctx;
};

struct vhost_user_ops {
	/* Returns the size of the file behind fd in *ret_size. Returns 0 or -errno. */
	int (*fd_size)(void *ctx, int fd, uint64_t *ret_size);
	/* Maps len bytes of fd from its start, shared and writable. Returns 0 or -errno. */
	int (*map)(void *ctx, int fd, uint64_t len, void **ret_addr);
	void (*unmap)(void *ctx, void *addr, uint64_t len);
	/* Checks that fd is an eventfd and makes it non-blocking. Returns 0 or -errno. */
	int (*eventfd)(void *ctx, int fd);
	void (*close)(void *ctx, int fd);
	/* Sends one whole reply. Returns 0 or -errno (the front-end is then dropped). */
	int (*send)(void *ctx, const void *msg, size_t len);
	/* The event loop starts (add) or stops watching a queue's kick fd. The
	 * stop comes before the fd is closed: the front-end holds the same
	 * eventfd, so closing ours would not take it out of an epoll set. */
	void (*watch_kick)(void *ctx, unsigned queue, int fd, bool add);
};

struct vhost_user {
	struct vhost_dev *dev;
	const struct vhost_user_ops *ops;
	void *ctx;
	bool attached; /* a front-end is connected */
	uint64_t features, protocol_features;
	/* A queue is started once it has a kick fd, and stopped by
	 * GET_VRING_BASE; its size and base cannot change while started. */
	int kick_fd[VU_QUEUES], call_fd[VU_QUEUES];
	bool enabled[VU_QUEUES];
	const char *why; /* why the last request was refused, for logs */
};

/* Prepares the state with no front-end. */
void vhost_user_init(struct vhost_user *vu, struct vhost_dev *dev, const struct vhost_user_ops *ops,
		     void *ctx);

/* Starts over for a newly connected front-end. */
void vhost_user_attach(struct vhost_user *vu);

/* Handles the complete message in r: validates it, applies it, answers it.
 * Takes the fds it keeps and closes the others; the reader is emptied.
 * Returns 0 when handled, 1 when refused (vu->why says why; a NACK was sent
 * if asked for), or -EPROTO when the front-end must be dropped. */
int vhost_user_handle(struct vhost_user *vu, struct vu_reader *r);

/* Drops the front-end: closes every fd, unmaps guest memory, resets the
 * queues and resets the device. */
void vhost_user_detach(struct vhost_user *vu);

/* True when queue q is started. */
bool vhost_user_started(const struct vhost_user *vu, unsigned q);

#endif
