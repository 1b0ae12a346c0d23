/* Fuzz target for the frame reader and the message decoder.
 *
 * The first byte picks how the rest is split into pieces (so the incremental
 * reader sees every kind of boundary) and, by its bit 6, whether payloads go
 * through proto_reader_feed or straight into proto_reader_space (as
 * proto_read_frame reads them); every complete frame is decoded, and
 * every frame that decodes must re-encode to exactly the bytes it came from
 * (the encoding is canonical, so anything else is a codec bug). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_session.h"
#include "proto_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];

static void check_frame(const struct proto_reader *r, struct proto_session *s)
{
	struct proto_msg m;
	const char *why = NULL;
	int ret = proto_decode(&r->header, r->payload, &m, &why);
	if (ret != 0) {
		if (!why || (ret != -EBADMSG && ret != -EOPNOTSUPP))
			abort();
		return;
	}
	size_t len = 0;
	if (proto_encode(&m, out, sizeof(out), &len) != 0)
		abort();
	if (len != PROTO_HEADER_SIZE + r->header.length)
		abort();
	if (memcmp(out, r->head, PROTO_HEADER_SIZE) != 0)
		abort();
	if (r->header.length && memcmp(out + PROTO_HEADER_SIZE, r->payload, r->header.length))
		abort();
	/* Drive the session gate as the agent would. */
	if (proto_session_check(s, &m) == 0 && m.type == PROTO_HELLO &&
	    !(m.flags & PROTO_FLAG_REPLY)) {
		struct proto_msg reply;
		proto_session_answer(s, &m, &reply);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t piece = (size_t)data[0] % 64 + 1;
	int direct = data[0] & 0x40;
	data++;
	size--;
	struct proto_reader r;
	struct proto_session s;
	proto_reader_init(&r);
	proto_session_init(&s, PROTO_ROLE_ACCEPTOR, PROTO_CAP_CONTROL, "fuzz");
	size_t pos = 0;
	while (pos < size) {
		size_t n = size - pos < piece ? size - pos : piece;
		size_t space = 0;
		uint8_t *to = direct ? proto_reader_space(&r, &space) : NULL;
		if (to) {
			if (space == 0 || space > r.payload_size)
				abort();
			size_t take = n < space ? n : space;
			memcpy(to, data + pos, take);
			pos += take;
			if (proto_reader_filled(&r, take))
				check_frame(&r, &s);
			continue;
		}
		size_t used = 0;
		size_t had = r.payload_size;
		int ret = proto_reader_feed(&r, data + pos, n, &used);
		if (used > n)
			abort();
		pos += used;
		if (ret < 0) {
			/* Framing violation: the connection would close, nothing
			 * was allocated for it, and the error names the header as
			 * it came. */
			char why[160];
			if ((ret != -EBADMSG && ret != -EMSGSIZE) || r.payload_size != had ||
			    !proto_reader_describe(&r, ret, why, sizeof(why))[0])
				abort();
			/* And no room is offered for the refused length. */
			if (proto_reader_space(&r, &space) || space)
				abort();
			break;
		}
		if (ret == 1)
			check_frame(&r, &s);
		else if (used != n)
			abort();
	}
	proto_reader_free(&r);
	return 0;
}
