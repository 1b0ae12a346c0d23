/* The vsock device as the vhost-user back-end (host/vhost) sees it. */
#ifndef APPVM_VSOCK_VHOST_H
#define APPVM_VSOCK_VHOST_H

#include "vhost_user.h"
#include "vsock_dev.h"

/* Describes d to the back-end: its memory and RX/TX queues, the guest CID
 * as config space, and closing every connection as its reset. */
void vsock_vhost_dev(struct vsock_dev *d, struct vhost_dev *ret);

#endif
