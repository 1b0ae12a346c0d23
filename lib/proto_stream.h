/* Incremental frame reader: takes bytes in any pieces (one at a time, or many
 * frames at once) and yields whole frames. It never consumes a byte past the
 * end of the current frame, and it allocates a payload buffer only after the
 * header has passed proto_header_decode (so its size is within the type cap). */
#ifndef APPVM_PROTO_STREAM_H
#define APPVM_PROTO_STREAM_H

#include "proto.h"

struct proto_reader {
	uint8_t head[PROTO_HEADER_SIZE];
	size_t head_got;
	struct proto_header header;
	uint8_t *payload;
	size_t payload_size; /* allocated bytes */
	size_t payload_got;
	int complete; /* a whole frame is waiting to be taken */
	int refused;  /* -errno once a header was refused: the stream is over */
};

/* Prepares an empty reader (no allocation). */
void proto_reader_init(struct proto_reader *r);

/* Frees the reader's buffer; the reader can be reused after init. */
void proto_reader_free(struct proto_reader *r);

/* Consumes bytes up to the end of the current frame; *ret_used says how many.
 * Returns 1 when a frame is complete (read it with r->header and r->payload;
 * the next call starts a new frame), 0 when more bytes are needed, -EBADMSG or
 * -EMSGSIZE on a framing violation (close the connection; r->head and
 * r->header then hold the refused header as received), -ENOMEM; after an
 * error, every later call returns it again without reading a byte. */
int proto_reader_feed(struct proto_reader *r, const uint8_t *data, size_t len, size_t *ret_used);

/* Returns how many bytes to read next so that a read never goes past the end
 * of the frame being assembled (at most max): a peer's next frame stays in
 * the socket until this one is handled. */
size_t proto_reader_want(const struct proto_reader *r, size_t max);

/* The rest of the payload of the frame being assembled, for reading into
 * directly: returns where the next bytes go and sets *ret_len to how many
 * are missing; NULL (and 0) while the header is incomplete or no frame is in
 * progress. Follow with proto_reader_filled. */
uint8_t *proto_reader_space(struct proto_reader *r, size_t *ret_len);

/* Counts n bytes written at proto_reader_space (n at most *ret_len).
 * Returns 1 when the frame is complete, 0 when more bytes are needed. */
int proto_reader_filled(struct proto_reader *r, size_t n);

/* Names a header as received: "STATUS reply of 168 bytes (id 2)", "READY
 * event of 20 bytes (id 1)", "request of unknown type 0x7777 of 3 bytes
 * (id 3)". Writes into buf (NUL-terminated, truncated to fit), returns buf. */
const char *proto_header_describe(const struct proto_header *h, char *buf, size_t size);

/* Says what the refused header was, after proto_reader_feed returned err
 * (-EBADMSG or -EMSGSIZE): "an oversized frame: STATUS reply of 4294967295
 * bytes (id 2), over its cap of 65536", "garbage, not a frame header (magic
 * 0x5448, want 0x5641): 48 54 ..." (the 16 bytes received), "a bad frame
 * header (unknown flags 0x0002): ...". Writes into buf as above, returns buf. */
const char *proto_reader_describe(const struct proto_reader *r, int err, char *buf, size_t size);

/* Returns 1 if the reader holds part of a frame (bytes fed, frame not done). */
int proto_reader_partial(const struct proto_reader *r);

#endif
