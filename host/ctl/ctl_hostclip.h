/* The host's clipboard, through the host compositor's wlr-data-control
 * (lib/wlclip.c) as a trusted client: read it for a paste into a VM, set it
 * after a copy from a VM, clear it after a single-use paste. The compositor
 * is $WAYLAND_DISPLAY. Errors follow ctl_error.h; every wait is bounded by
 * the deadline. docs/clipboard.md says why this is not wl-clipboard. */
#ifndef APPVM_CTL_HOSTCLIP_H
#define APPVM_CTL_HOSTCLIP_H

#include <stdint.h>

#include "ctl_error.h"
#include "proto.h"

/* A paste is served to each host app for at most this long. */
#define CTL_HOSTCLIP_SEND_MS 10000u
/* Host apps served at once. */
#define CTL_HOSTCLIP_WRITERS 16

/* Reads the host clipboard as want (a text name: the best text offered;
 * else exactly want), at most cap bytes. On success *ret_buf (malloc'd)
 * holds *ret_len bytes and ret_mime the type to send them as. Returns 0,
 * -ENODATA (empty, or no such type), -EFBIG (more than cap bytes), -ETIMEDOUT,
 * or -errno (no compositor, no data-control). */
int ctl_hostclip_read(const char *want, uint32_t cap, uint64_t deadline, uint8_t **ret_buf,
		      uint32_t *ret_len, char ret_mime[PROTO_MIME_MAX + 1], struct ctl_error *err);

/* Makes data (of type mime; text is offered under every text name) the
 * host clipboard. A process of its own serves it to host apps until
 * something else is copied, as wl-copy does; this returns once the
 * compositor has taken the selection. Returns 0, -ETIMEDOUT or -errno. */
int ctl_hostclip_write(const char *mime, const uint8_t *data, uint32_t len, uint64_t deadline,
		       struct ctl_error *err);

/* Clears the host clipboard. Returns 0, -ETIMEDOUT or -errno. */
int ctl_hostclip_clear(uint64_t deadline, struct ctl_error *err);

#endif
