#include "proto_stream.h"

#include <errno.h>
#include <stdio.h>
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
	if (r->refused)
		return r->refused;
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
			r->refused = ret;
			return ret;
		}
		if (r->header.length > r->payload_size) {
			/* length is within its type's cap (checked above). */
			uint8_t *p = realloc(r->payload, r->header.length);
			if (!p) {
				r->refused = -ENOMEM;
				return -ENOMEM;
			}
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

uint8_t *proto_reader_space(struct proto_reader *r, size_t *ret_len)
{
	*ret_len = 0;
	/* None after a refused header: the stream is over (and its length
	 * was never allocated). */
	if (r->refused || r->complete || r->head_got < PROTO_HEADER_SIZE ||
	    r->payload_got >= r->header.length || r->header.length > r->payload_size)
		return NULL;
	*ret_len = r->header.length - r->payload_got;
	return r->payload + r->payload_got;
}

int proto_reader_filled(struct proto_reader *r, size_t n)
{
	size_t missing = r->header.length - r->payload_got;
	r->payload_got += n < missing ? n : missing;
	if (r->payload_got < r->header.length)
		return 0;
	r->complete = 1;
	return 1;
}

const char *proto_header_describe(const struct proto_header *h, char *buf, size_t size)
{
	const char *name = proto_type_name(h->type);
	const char *kind = (h->flags & PROTO_FLAG_REPLY)			 ? "reply"
			   : h->type == PROTO_READY || h->type == PROTO_APP_EXIT ? "event"
										 : "request";
	if (name)
		snprintf(buf, size, "%s %s of %u bytes (id %u)", name, kind, h->length, h->id);
	else
		snprintf(buf, size, "%s of unknown type 0x%04x of %u bytes (id %u)", kind, h->type,
			 h->length, h->id);
	return buf;
}

const char *proto_reader_describe(const struct proto_reader *r, int err, char *buf, size_t size)
{
	const struct proto_header *h = &r->header;
	if (size == 0)
		return buf;
	int n;
	if (err == -EMSGSIZE) {
		char what[80];
		snprintf(buf, size, "an oversized frame: %s, over %s cap of %u",
			 proto_header_describe(h, what, sizeof(what)),
			 proto_direction_ok(h->type, h->flags) ? "its" : "the",
			 proto_max_payload(h->type, h->flags));
		return buf;
	}
	uint16_t magic = (uint16_t)(r->head[0] | (r->head[1] << 8));
	uint16_t reserved = (uint16_t)(r->head[6] | (r->head[7] << 8));
	if (magic != PROTO_MAGIC)
		n = snprintf(buf, size,
			     "garbage, not a frame header (magic 0x%04x, want 0x%04x):", magic,
			     PROTO_MAGIC);
	else if (reserved != 0)
		n = snprintf(buf, size, "a bad frame header (reserved field 0x%04x):", reserved);
	else
		n = snprintf(buf, size, "a bad frame header (unknown flags 0x%04x):",
			     h->flags & ~PROTO_FLAG_REPLY);
	for (size_t i = 0; i < r->head_got && n >= 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, " %02x", r->head[i]);
	return buf;
}
