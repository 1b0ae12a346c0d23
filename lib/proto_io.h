/* Frames over non-blocking sockets: reading one frame at a time (never a
 * byte past it, so the peer's next frame waits in the socket until this one
 * is handled) and sending a queue of encoded frames without blocking. */
#ifndef APPVM_PROTO_IO_H
#define APPVM_PROTO_IO_H

#include "outbuf.h"
#include "proto_stream.h"

/* Reads from fd into r until a frame is complete or fd has nothing more.
 * Returns 1 (a frame is complete in r), 0 (nothing more to read now),
 * -ENODATA (end of file between frames), -EPIPE (end of file inside a
 * frame), -EBADMSG or -EMSGSIZE (a framing violation), -ENOMEM, or -errno. */
int proto_read_frame(int fd, struct proto_reader *r);

/* Sends what b holds on fd (never raising SIGPIPE). Returns 0 when all is
 * sent, -EAGAIN when the socket is full, or -errno. */
int outbuf_send(struct outbuf *b, int fd);

/* Returns a few words for a proto_read_frame or outbuf_send error. */
const char *proto_io_strerror(int err);

#endif
