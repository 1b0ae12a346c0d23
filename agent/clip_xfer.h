/* The agent's side of CLIPBOARD_SET and CLIPBOARD_GET transfers
 * (docs/protocol.md, docs/clipboard.md): which chunk may come next, which
 * bytes a GET gets, which of the offered MIME types answers it. Pure: no
 * I/O, no allocation. The agent runs one SET and one GET snapshot at a time,
 * each owned by the host connection that started it. */
#ifndef APPVM_AGENT_CLIP_XFER_H
#define APPVM_AGENT_CLIP_XFER_H

#include "proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A CLIPBOARD_SET transfer in progress. */
struct clip_set_xfer {
	bool active;
	unsigned owner; /* the client's serial */
	uint32_t total;
	uint32_t got;
	char mime[PROTO_MIME_MAX + 1];
};

enum clip_set_step {
	CLIP_SET_NEW = 1,  /* offset 0: a new transfer starts (one before it is dropped) */
	CLIP_SET_LAST = 2, /* this chunk completes the content */
};

/* Checks one decoded CLIPBOARD_SET from client owner against the transfer
 * in progress and advances it. Returns a set of enum clip_set_step bits
 * (0: a middle chunk; after CLIP_SET_LAST the transfer is over, its fields
 * still readable), or -EBADMSG with *ret_why saying why: the partial
 * transfer is dropped then, as the protocol wants. */
int clip_set_step(struct clip_set_xfer *x, unsigned owner, const struct proto_clipboard_set *m,
		  const char **ret_why);

/* Drops the transfer (its owner went away, or storing a chunk failed). */
void clip_set_drop(struct clip_set_xfer *x);

/* A selection read in full, served to one client chunk by chunk. */
struct clip_snap {
	bool active;
	unsigned owner;
	char mime[PROTO_MIME_MAX + 1]; /* as the host asked for it */
	uint32_t len;
};

/* Says which bytes of the snapshot answer a CLIPBOARD_GET with offset > 0
 * from client owner: *ret_len bytes from g->offset. Returns 0, or -EBADMSG
 * with *ret_why when no such transfer is in progress (another client's, no
 * snapshot, another MIME type, an offset past the end). */
int clip_snap_chunk(const struct clip_snap *s, unsigned owner, const struct proto_clipboard_get *g,
		    uint32_t *ret_len, const char **ret_why);

/* The bytes a reply may carry from offset: at most max_length, to the end. */
uint32_t clip_chunk_len(uint32_t total, uint32_t offset, uint32_t max_length);

/* Copies a protocol string into a C string buffer of PROTO_MIME_MAX + 1. */
void clip_mime_copy(char dst[PROTO_MIME_MAX + 1], struct proto_str mime);

/* Writes the NOT_FOUND message for want ("no image/png in the VM's
 * clipboard; offered: text/plain, ...") into buf (at most PROTO_TEXT_MAX
 * bytes are kept by the codec). Returns buf. */
const char *clip_not_found_text(const char *want, const char *const *offered, unsigned n, char *buf,
				size_t size);

#endif
