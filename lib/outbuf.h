/* A growable byte queue with a hard size limit, for a connection's pending
 * output. Pure: memory only. Memory is taken when bytes are queued and given
 * back once the queue drains, so an idle connection holds no buffer; or the
 * queue lives in the caller's buffer of the limit's size (outbuf_init_fixed)
 * and never allocates. */
#ifndef APPVM_OUTBUF_H
#define APPVM_OUTBUF_H

#include "proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbuf {
	uint8_t *data;
	size_t off;   /* first pending byte */
	size_t len;   /* pending bytes, from off */
	size_t cap;   /* allocated bytes */
	size_t limit; /* most bytes ever pending */
	bool fixed;   /* data is the caller's, of limit bytes: never grown or freed */
};

/* Prepares an empty queue that will hold at most limit bytes (no allocation). */
void outbuf_init(struct outbuf *b, size_t limit);

/* Prepares an empty queue that lives in buf, of limit bytes, until the next
 * outbuf_init: queuing never allocates, and a drained queue keeps buf. */
void outbuf_init_fixed(struct outbuf *b, uint8_t *buf, size_t limit);

/* Frees the memory (not a fixed buffer); the queue is empty afterwards. */
void outbuf_free(struct outbuf *b);

/* Returns a pointer to room for n more bytes at the end, or NULL with
 * *ret_err set to -ENOBUFS (over the limit) or -ENOMEM. */
uint8_t *outbuf_reserve(struct outbuf *b, size_t n, int *ret_err);

/* Marks n bytes of the reserved room as pending. */
void outbuf_commit(struct outbuf *b, size_t n);

/* Drops n bytes from the front (they were sent); frees the memory when the
 * queue becomes empty. */
void outbuf_consume(struct outbuf *b, size_t n);

/* Returns the first pending byte (valid while b->len > 0). */
static inline const uint8_t *outbuf_head(const struct outbuf *b)
{
	return b->data + b->off;
}

/* Encodes one whole frame at the end of the queue. Returns 0, -ENOBUFS,
 * -ENOMEM, or the encoder's -EINVAL/-E2BIG (nothing is queued then). */
int outbuf_put_msg(struct outbuf *b, const struct proto_msg *m);

#endif
