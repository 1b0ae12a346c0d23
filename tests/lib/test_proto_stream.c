/* Incremental frame reader and HELLO session rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "proto_io.h"
#include "proto_session.h"
#include "proto_stream.h"
#include "vectors.h"

static struct vector *vecs;
static int n_vecs;
static uint8_t *stream; /* every valid vector, back to back */
static size_t stream_len;
static int n_frames;

static int setup(void **state)
{
	(void)state;
	n_vecs = vectors_load(&vecs);
	if (n_vecs <= 0)
		return -1;
	stream = malloc((size_t)n_vecs * 70000);
	for (int i = 0; i < n_vecs; i++) {
		if (vecs[i].outcome[0])
			continue;
		memcpy(stream + stream_len, vecs[i].bytes, vecs[i].len);
		stream_len += vecs[i].len;
		n_frames++;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vecs);
	free(stream);
	return 0;
}

/* Feeds the stream in pieces whose sizes come from next_piece, and checks
 * that the frames come out whole, in order, and that no call consumes bytes
 * past the end of the frame it completes. */
static void feed_in_pieces(size_t (*next_piece)(void))
{
	struct proto_reader r;
	proto_reader_init(&r);
	size_t pos = 0, frame_start = 0;
	int vi = 0, got = 0;
	while (pos < stream_len) {
		size_t piece = next_piece();
		if (piece > stream_len - pos)
			piece = stream_len - pos;
		size_t off = 0;
		while (off < piece) {
			size_t used = 0;
			int ret = proto_reader_feed(&r, stream + pos + off, piece - off, &used);
			assert_true(ret >= 0);
			off += used;
			if (ret == 1) {
				while (vecs[vi].outcome[0])
					vi++;
				const struct vector *v = &vecs[vi++];
				/* The frame ends exactly where this call stopped. */
				assert_int_equal(pos + off - frame_start, v->len);
				assert_int_equal(r.header.length, v->len - PROTO_HEADER_SIZE);
				if (r.header.length)
					assert_memory_equal(r.payload, v->bytes + PROTO_HEADER_SIZE,
							    r.header.length);
				frame_start = pos + off;
				got++;
			} else {
				/* No frame yet: every byte offered was taken. */
				assert_int_equal(off, piece);
			}
		}
		pos += piece;
	}
	assert_int_equal(got, n_frames);
	assert_false(proto_reader_partial(&r));
	proto_reader_free(&r);
}

static size_t one_byte(void)
{
	return 1;
}

static unsigned long rng = 12345;
static size_t random_piece(void)
{
	rng = rng * 6364136223846793005ul + 1442695040888963407ul;
	return 1 + (size_t)((rng >> 33) % 97);
}

static size_t everything(void)
{
	return (size_t)-1;
}

static void test_byte_by_byte(void **state)
{
	(void)state;
	feed_in_pieces(one_byte);
}

static void test_random_splits(void **state)
{
	(void)state;
	for (int seed = 1; seed <= 200; seed++) {
		rng = (unsigned long)seed;
		feed_in_pieces(random_piece);
	}
}

static void test_all_frames_at_once(void **state)
{
	(void)state;
	feed_in_pieces(everything);
}

static void feed_header(struct proto_reader *r, const uint8_t *bytes, int want)
{
	size_t used;
	assert_int_equal(proto_reader_feed(r, bytes, PROTO_HEADER_SIZE + 8, &used), want);
	assert_int_equal(used, PROTO_HEADER_SIZE);
}

static void test_oversized_frame_refused_before_allocation(void **state)
{
	(void)state;
	struct proto_reader r;
	/* PING with length 9: over the 8-byte cap. */
	uint8_t ping[PROTO_HEADER_SIZE + 8] = {0x41, 0x56, 0x10, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9};
	proto_reader_init(&r);
	feed_header(&r, ping, -EMSGSIZE);
	assert_null(r.payload);
	assert_int_equal(r.payload_size, 0);
	/* Unknown type with a length over the global cap (4 GiB - 1). */
	uint8_t huge[PROTO_HEADER_SIZE + 8] = {0x41, 0x56, 0x77, 0x77, 0,    0,	   0,	 0,
					       1,    0,	   0,	 0,    0xff, 0xff, 0xff, 0xff};
	proto_reader_init(&r);
	feed_header(&r, huge, -EMSGSIZE);
	assert_null(r.payload);
	/* Bad magic. */
	uint8_t bad[PROTO_HEADER_SIZE + 8] = {0x41, 0x57, 0x10, 0, 0, 0, 0, 0, 1, 0, 0, 0, 8};
	proto_reader_init(&r);
	feed_header(&r, bad, -EBADMSG);
	assert_null(r.payload);
}

/* A refused header is kept as received, and described by what it said. */
static void test_refused_header_described(void **state)
{
	(void)state;
	static const struct {
		uint8_t head[PROTO_HEADER_SIZE];
		int want;
		const char *text;
	} cases[] = {
	    {{0x41, 0x56, 0x11, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff},
	     -EMSGSIZE,
	     "an oversized frame: STATUS reply of 4294967295 bytes (id 4), over its cap of 65536"},
	    {{0x41, 0x56, 0x10, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0},
	     -EMSGSIZE,
	     "an oversized frame: PING request of 9 bytes (id 2), over its cap of 8"},
	    {{0x41, 0x56, 0x19, 0, 0, 0, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0},
	     -EMSGSIZE,
	     "an oversized frame: APP_EXIT event of 9 bytes (id 3), over its cap of 8"},
	    {{0x41, 0x56, 0x18, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0},
	     -EMSGSIZE,
	     "an oversized frame: READY reply of 65537 bytes (id 1), over the cap of 65536"},
	    {{0x41, 0x56, 0x77, 0x77, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 1, 0},
	     -EMSGSIZE,
	     "an oversized frame: request of unknown type 0x7777 of 65537 bytes (id 7), over the "
	     "cap of 65536"},
	    {{'H', 'T', 'T', 'P', '/', '1', '.', '0', ' ', '2', '0', '0', ' ', 'O', 'K', '\r'},
	     -EBADMSG,
	     "garbage, not a frame header (magic 0x5448, want 0x5641): 48 54 54 50 2f 31 2e 30 20 "
	     "32 30 30 20 4f 4b 0d"},
	    {{0x41, 0x56, 0x10, 0, 0, 0, 2, 0, 1, 0, 0, 0, 8, 0, 0, 0},
	     -EBADMSG,
	     "a bad frame header (reserved field 0x0002): 41 56 10 00 00 00 02 00 01 00 00 00 08 "
	     "00 "
	     "00 00"},
	    {{0x41, 0x56, 0x10, 0, 3, 0x80, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0},
	     -EBADMSG,
	     "a bad frame header (unknown flags 0x8002): 41 56 10 00 03 80 00 00 01 00 00 00 08 00 "
	     "00 00"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_reader r;
		size_t used;
		char buf[160];
		proto_reader_init(&r);
		assert_int_equal(proto_reader_feed(&r, cases[i].head, PROTO_HEADER_SIZE, &used),
				 cases[i].want);
		assert_null(r.payload);
		/* The fields as they were on the wire. */
		assert_int_equal(r.header.type, cases[i].head[2] | (cases[i].head[3] << 8));
		assert_int_equal(r.header.length, (uint32_t)cases[i].head[12] |
						      ((uint32_t)cases[i].head[13] << 8) |
						      ((uint32_t)cases[i].head[14] << 16) |
						      ((uint32_t)cases[i].head[15] << 24));
		assert_string_equal(proto_reader_describe(&r, cases[i].want, buf, sizeof(buf)),
				    cases[i].text);
		/* Truncated to fit, always terminated. */
		assert_int_equal(strlen(proto_reader_describe(&r, cases[i].want, buf, 10)), 9);
		proto_reader_free(&r);
	}
}

static void test_partial_frame_reported(void **state)
{
	(void)state;
	struct proto_reader r;
	size_t used;
	proto_reader_init(&r);
	assert_false(proto_reader_partial(&r));
	assert_int_equal(proto_reader_feed(&r, vecs[0].bytes, 5, &used), 0);
	assert_int_equal(used, 5);
	assert_true(proto_reader_partial(&r));
	proto_reader_free(&r);
}

static void decode_frame(const uint8_t *frame, size_t len, struct proto_msg *m)
{
	struct proto_header h;
	(void)len;
	assert_int_equal(proto_header_decode(frame, &h), 0);
	assert_int_equal(proto_decode(&h, frame + PROTO_HEADER_SIZE, m, NULL), 0);
}

static void test_session_hello_exchange(void **state)
{
	(void)state;
	struct proto_session host, guest;
	struct proto_msg hello, reply, ping;
	uint8_t buf[1024];
	size_t len;
	proto_session_init(&host, PROTO_ROLE_OPENER, PROTO_CAP_CONTROL, "appvmctl");
	proto_session_init(&guest, PROTO_ROLE_ACCEPTOR, PROTO_CAP_CONTROL | PROTO_CAP_CLIPBOARD,
			   "appvm-agent");

	/* A guest that gets anything before HELLO closes the connection. */
	memset(&ping, 0, sizeof(ping));
	ping.type = PROTO_PING;
	assert_int_equal(proto_session_check(&guest, &ping), -EPROTO);

	proto_session_hello(&host, 1, &hello);
	assert_int_equal(proto_encode(&hello, buf, sizeof(buf), &len), 0);
	struct proto_msg got;
	decode_frame(buf, len, &got);
	assert_int_equal(proto_session_check(&guest, &got), 0);
	assert_int_equal(proto_session_answer(&guest, &got, &reply), 0);
	assert_true(guest.established);
	assert_int_equal(guest.version, 1);
	assert_int_equal(guest.peer_caps, PROTO_CAP_CONTROL);

	/* The host, before the answer, accepts only the HELLO (or ERROR) reply. */
	assert_int_equal(proto_session_check(&host, &ping), -EPROTO);
	assert_int_equal(proto_encode(&reply, buf, sizeof(buf), &len), 0);
	decode_frame(buf, len, &got);
	assert_int_equal(proto_session_check(&host, &got), 0);
	assert_int_equal(proto_session_finish(&host, &got), 0);
	assert_int_equal(host.peer_caps, PROTO_CAP_CONTROL | PROTO_CAP_CLIPBOARD);

	/* After the exchange: ordinary messages pass, a second HELLO closes. */
	assert_int_equal(proto_session_check(&guest, &ping), 0);
	assert_int_equal(proto_session_check(&guest, &hello), -EPROTO);
}

static void test_session_version_mismatch(void **state)
{
	(void)state;
	struct proto_session guest, host;
	struct proto_msg hello, reply;
	proto_session_init(&guest, PROTO_ROLE_ACCEPTOR, 0, "appvm-agent");
	memset(&hello, 0, sizeof(hello));
	hello.type = PROTO_HELLO;
	hello.id = 9;
	hello.u.hello.min_version = 2;
	hello.u.hello.max_version = 7;
	assert_int_equal(proto_session_answer(&guest, &hello, &reply), -EPROTONOSUPPORT);
	assert_false(guest.established);
	assert_int_equal(reply.type, PROTO_ERROR);
	assert_int_equal(reply.id, 9);
	assert_int_equal(reply.u.error.code, PROTO_ERR_VERSION_MISMATCH);

	/* The opener refuses an error, a version outside its range, a wrong id. */
	proto_session_init(&host, PROTO_ROLE_OPENER, 0, "appvmctl");
	proto_session_hello(&host, 9, &hello);
	assert_int_equal(proto_session_finish(&host, &reply), -EPROTONOSUPPORT);
	struct proto_msg bad = {.type = PROTO_HELLO, .flags = PROTO_FLAG_REPLY, .id = 9};
	bad.u.hello.version = 2;
	assert_int_equal(proto_session_finish(&host, &bad), -EPROTONOSUPPORT);
	bad.id = 10;
	bad.u.hello.version = 1;
	assert_int_equal(proto_session_finish(&host, &bad), -EPROTO);
	assert_false(host.established);
}

static void test_read_want(void **state)
{
	(void)state;
	struct proto_reader r;
	/* PING: 16-byte header, 8-byte payload. */
	const uint8_t ping[] = {0x41, 0x56, 0x10, 0, 0, 0, 0, 0, 2, 0, 0, 0,
				8,    0,    0,	  0, 8, 7, 6, 5, 4, 3, 2, 1};
	size_t used;
	proto_reader_init(&r);
	assert_int_equal(proto_reader_want(&r, 4096), 16);
	assert_int_equal(proto_reader_want(&r, 10), 10);
	assert_int_equal(proto_reader_feed(&r, ping, 5, &used), 0);
	assert_int_equal(proto_reader_want(&r, 4096), 11);
	assert_int_equal(proto_reader_feed(&r, ping + 5, 11, &used), 0);
	assert_int_equal(proto_reader_want(&r, 4096), 8);
	assert_int_equal(proto_reader_feed(&r, ping + 16, 3, &used), 0);
	assert_int_equal(proto_reader_want(&r, 4096), 5);
	assert_int_equal(proto_reader_want(&r, 2), 2);
	assert_int_equal(proto_reader_feed(&r, ping + 19, 5, &used), 1);
	/* The frame is done: the next one starts with its header. */
	assert_int_equal(proto_reader_want(&r, 4096), 16);
	proto_reader_free(&r);
}

static void test_read_space(void **state)
{
	(void)state;
	struct proto_reader r;
	const uint8_t ping[] = {0x41, 0x56, 0x10, 0, 0, 0, 0, 0, 2, 0, 0, 0,
				8,    0,    0,	  0, 8, 7, 6, 5, 4, 3, 2, 1};
	size_t used, len;
	proto_reader_init(&r);
	/* No room before the header is whole. */
	assert_null(proto_reader_space(&r, &len));
	assert_int_equal(len, 0);
	assert_int_equal(proto_reader_feed(&r, ping, 16, &used), 0);
	uint8_t *to = proto_reader_space(&r, &len);
	assert_non_null(to);
	assert_int_equal(len, 8);
	memcpy(to, ping + 16, 3);
	assert_int_equal(proto_reader_filled(&r, 3), 0);
	to = proto_reader_space(&r, &len);
	assert_int_equal(len, 5);
	memcpy(to, ping + 19, 5);
	assert_int_equal(proto_reader_filled(&r, 5), 1);
	assert_memory_equal(r.payload, ping + 16, 8);
	/* A complete frame offers no room; the next starts with its header. */
	assert_null(proto_reader_space(&r, &len));
	assert_int_equal(proto_reader_feed(&r, ping, 16, &used), 0);
	assert_int_equal(proto_reader_want(&r, 4096), 8);
	proto_reader_free(&r);
	/* A refused header (a PING claiming 16 MiB) never offers room: its
	 * length was not allocated. */
	uint8_t big[16];
	memcpy(big, ping, 16);
	big[14] = 0x00;
	big[15] = 0x01;
	proto_reader_init(&r);
	int refused = proto_reader_feed(&r, big, 16, &used);
	assert_int_equal(refused, -EMSGSIZE);
	assert_null(proto_reader_space(&r, &len));
	assert_int_equal(len, 0);
	/* The stream is over: a good frame after it is not read. */
	assert_int_equal(proto_reader_feed(&r, ping, sizeof(ping), &used), refused);
	assert_int_equal(used, 0);
	proto_reader_free(&r);
}

/* proto_read_frame on a non-blocking socket: every frame whole and in
 * order, however the bytes arrive, and never a byte of the next frame
 * consumed (what is left in the socket is exactly the rest). */
static void test_read_frame_socket(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct proto_reader r;
	proto_reader_init(&r);
	size_t sent = 0, taken = 0;
	int vi = 0, got = 0;
	while (got < n_frames) {
		if (sent < stream_len) {
			size_t piece = random_piece() * 997;
			if (piece > stream_len - sent)
				piece = stream_len - sent;
			ssize_t n = write(sv[1], stream + sent, piece);
			if (n > 0)
				sent += (size_t)n;
		}
		int ret;
		while ((ret = proto_read_frame(sv[0], &r)) == 1) {
			while (vecs[vi].outcome[0])
				vi++;
			const struct vector *v = &vecs[vi++];
			assert_int_equal(r.header.length, v->len - PROTO_HEADER_SIZE);
			if (r.header.length)
				assert_memory_equal(r.payload, v->bytes + PROTO_HEADER_SIZE,
						    r.header.length);
			taken += v->len;
			got++;
			int queued = 0;
			assert_int_equal(ioctl(sv[0], FIONREAD, &queued), 0);
			assert_int_equal((size_t)queued, sent - taken);
		}
		assert_int_equal(ret, 0);
	}
	assert_int_equal(sent, stream_len);
	close(sv[1]);
	assert_int_equal(proto_read_frame(sv[0], &r), -ENODATA);
	close(sv[0]);
	proto_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_byte_by_byte),
	    cmocka_unit_test(test_random_splits),
	    cmocka_unit_test(test_all_frames_at_once),
	    cmocka_unit_test(test_oversized_frame_refused_before_allocation),
	    cmocka_unit_test(test_refused_header_described),
	    cmocka_unit_test(test_partial_frame_reported),
	    cmocka_unit_test(test_read_want),
	    cmocka_unit_test(test_read_space),
	    cmocka_unit_test(test_read_frame_socket),
	    cmocka_unit_test(test_session_hello_exchange),
	    cmocka_unit_test(test_session_version_mismatch),
	};
	return cmocka_run_group_tests_name("proto_stream", tests, setup, teardown);
}
