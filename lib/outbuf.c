#include "outbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void outbuf_init(struct outbuf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void outbuf_init_fixed(struct outbuf *b, uint8_t *buf, size_t limit)
{
	outbuf_init(b, limit);
	b->data = buf;
	b->cap = limit;
	b->fixed = true;
}

void outbuf_free(struct outbuf *b)
{
	b->off = b->len = 0;
	if (b->fixed)
		return;
	free(b->data);
	b->data = NULL;
	b->cap = 0;
}

uint8_t *outbuf_reserve(struct outbuf *b, size_t n, int *ret_err)
{
	if (n > b->limit || b->len > b->limit - n) {
		*ret_err = -ENOBUFS;
		return NULL;
	}
	if (b->off + b->len + n <= b->cap)
		return b->data + b->off + b->len;
	/* Move the pending bytes to the front before growing (a fixed buffer
	 * holds the limit: the room is always there then). */
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
		if (b->len + n <= b->cap)
			return b->data + b->len;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > b->limit)
		cap = b->limit;
	uint8_t *p = realloc(b->data, cap);
	if (!p) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	b->data = p;
	b->cap = cap;
	return b->data + b->len;
}

void outbuf_commit(struct outbuf *b, size_t n)
{
	b->len += n;
}

void outbuf_consume(struct outbuf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		outbuf_free(b);
}

int outbuf_put_msg(struct outbuf *b, const struct proto_msg *m)
{
	size_t room = PROTO_HEADER_SIZE + proto_max_payload(m->type, m->flags);
	int err = 0;
	/* Reserve what the frame needs at most, but never more than the
	 * limit leaves: a small reply must still fit when a big one would not. */
	if (room > b->limit - b->len)
		room = b->limit - b->len;
	uint8_t *p = outbuf_reserve(b, room, &err);
	if (!p)
		return err;
	size_t len = 0;
	int r = proto_encode(m, p, room, &len);
	if (r == -E2BIG && room < PROTO_HEADER_SIZE + proto_max_payload(m->type, m->flags))
		return -ENOBUFS;
	if (r < 0)
		return r;
	outbuf_commit(b, len);
	return 0;
}
