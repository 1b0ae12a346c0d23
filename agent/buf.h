/* A growable byte queue with a hard size limit, for a connection's pending
 * output. Pure: memory only. Memory is taken when bytes are queued and given
 * back once the queue drains, so an idle connection holds no buffer. */
#ifndef APPVM_AGENT_BUF_H
#define APPVM_AGENT_BUF_H

#include "proto.h"

#include <stddef.h>
#include <stdint.h>

struct agent_buf {
	uint8_t *data;
	size_t off;   /* first pending byte */
	size_t len;   /* pending bytes, from off */
	size_t cap;   /* allocated bytes */
	size_t limit; /* most bytes ever pending */
};

/* Prepares an empty queue that will hold at most limit bytes (no allocation). */
void agent_buf_init(struct agent_buf *b, size_t limit);

/* Frees the memory; the queue is empty afterwards. */
void agent_buf_free(struct agent_buf *b);

/* Returns a pointer to room for n more bytes at the end, or NULL with
 * *ret_err set to -ENOBUFS (over the limit) or -ENOMEM. */
uint8_t *agent_buf_reserve(struct agent_buf *b, size_t n, int *ret_err);

/* Marks n bytes of the reserved room as pending. */
void agent_buf_commit(struct agent_buf *b, size_t n);

/* Drops n bytes from the front (they were sent); frees the memory when the
 * queue becomes empty. */
void agent_buf_consume(struct agent_buf *b, size_t n);

/* Returns the first pending byte (valid while b->len > 0). */
static inline const uint8_t *agent_buf_head(const struct agent_buf *b)
{
	return b->data + b->off;
}

/* Encodes one whole frame at the end of the queue. Returns 0, -ENOBUFS,
 * -ENOMEM, or the encoder's -EINVAL/-E2BIG (nothing is queued then). */
int agent_buf_put_msg(struct agent_buf *b, const struct proto_msg *m);

#endif
