#include "proto_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void proto_reader_init(struct proto_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void proto_reader_free(struct proto_reader *r)
{
	free(r->payload);
	proto_reader_init(r);
}

size_t proto_reader_want(const struct proto_reader *r, size_t max)
{
	size_t want;
	if (r->complete || r->head_got < PROTO_HEADER_SIZE)
		want = PROTO_HEADER_SIZE - (r->complete ? 0 : r->head_got);
	else
		want = r->header.length - r->payload_got;
	return want < max ? want : max;
}

int proto_reader_partial(const struct proto_reader *r)
{
	return !r->complete && r->head_got > 0;
}

int proto_reader_feed(struct proto_reader *r, const uint8_t *data, size_t len, size_t *ret_used)
{
	size_t used = 0;
	*ret_used = 0;
	if (r->complete) {
		/* The previous frame was handed out: start the next one. */
		r->complete = 0;
		r->head_got = 0;
		r->payload_got = 0;
	}
	if (r->head_got < PROTO_HEADER_SIZE) {
		size_t n = PROTO_HEADER_SIZE - r->head_got;
		if (n > len)
			n = len;
		memcpy(r->head + r->head_got, data, n);
		r->head_got += n;
		used += n;
		if (r->head_got < PROTO_HEADER_SIZE) {
			*ret_used = used;
			return 0;
		}
		int ret = proto_header_decode(r->head, &r->header);
		if (ret < 0) {
			*ret_used = used;
			return ret;
		}
		if (r->header.length > r->payload_size) {
			/* length is within its type's cap (checked above). */
			uint8_t *p = realloc(r->payload, r->header.length);
			if (!p)
				return -ENOMEM;
			r->payload = p;
			r->payload_size = r->header.length;
		}
	}
	size_t want = r->header.length - r->payload_got;
	size_t n = len - used < want ? len - used : want;
	if (n) {
		memcpy(r->payload + r->payload_got, data + used, n);
		r->payload_got += n;
		used += n;
	}
	*ret_used = used;
	if (r->payload_got == r->header.length) {
		r->complete = 1;
		return 1;
	}
	return 0;
}
