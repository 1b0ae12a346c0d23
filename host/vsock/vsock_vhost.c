#include "vsock_vhost.h"

#include <endian.h>
#include <string.h>

_Static_assert(VU_QUEUES == VSOCK_VQ_COUNT, "the back-end serves RX and TX");

static void reset(void *ctx)
{
	vsock_dev_reset_conns(ctx);
}

void vsock_vhost_dev(struct vsock_dev *d, struct vhost_dev *ret)
{
	uint64_t le_cid = htole64(d->guest_cid);
	memset(ret, 0, sizeof(*ret));
	ret->mem = &d->mem;
	ret->vq = d->vq;
	memcpy(ret->config, &le_cid, sizeof(le_cid));
	ret->config_size = sizeof(le_cid);
	ret->reset = reset;
	ret->ctx = d;
}
