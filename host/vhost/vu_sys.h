/* The system-call side of the vhost-user back-end: receiving messages
 * without ever blocking, mapping guest memory, and the kick and call
 * eventfds. The protocol logic is in vhost_user.c and vu_msg.c. */
#ifndef APPVM_VU_SYS_H
#define APPVM_VU_SYS_H

#include "vhost_user.h"
#include "vu_msg.h"

/* The context of vu_sys_ops: the connection to the front-end, and the event
 * loop's hook for kick fds. */
struct vu_sys {
	int fd;
	void (*watch_kick)(void *ctx, unsigned queue, int fd, bool add);
	void *watch_ctx;
};

/* fstat, mmap, an eventfd check, close and send on the real fds. */
extern const struct vhost_user_ops vu_sys_ops;

/* Receives what has arrived of the current message on the non-blocking
 * socket fd, never reading past it. Returns 1 when the message is complete,
 * -EAGAIN when more must arrive first, -ECONNRESET when the front-end closed
 * the connection, -EPROTO when the framing broke, or -errno. */
int vu_sys_recv(int fd, struct vu_reader *r);

/* Closes the fds a reader holds and empties it. */
void vu_sys_reader_clear(struct vu_reader *r);

/* Receives and handles up to batch messages from the front-end on the
 * connection vu's context (a struct vu_sys) holds, never waiting for the
 * rest of one. Returns 0 (all that arrived is handled, or the batch is
 * done), -ECONNRESET when the front-end left between messages, or another
 * -errno when it must be dropped; why then says why. */
int vu_sys_serve(struct vhost_user *vu, struct vu_reader *r, unsigned batch, char *why,
		 size_t whylen);

/* Interrupts the guest for the queues in due (a mask of 1u << queue). */
void vu_sys_notify(struct vhost_user *vu, unsigned due);

#endif
