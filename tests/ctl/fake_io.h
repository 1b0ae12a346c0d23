/* Socket helpers shared by the fake guests of the control tests (agent side
 * and event side). Every wait watches a stop flag, so a test can always end
 * its fakes; none of these is used by the code under test. */
#ifndef APPVM_TEST_FAKE_IO_H
#define APPVM_TEST_FAKE_IO_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "proto_stream.h"

/* Sleeps ms milliseconds (a fake's pacing, never a test's condition). */
void fake_sleep_ms(unsigned ms);

/* Waits until fd is readable. Returns 0, or -1 once *stop is set. */
int fake_wait_readable(int fd, atomic_int *stop);

/* Reads exactly n bytes. Returns 0, or -1 on end of file, error or stop. */
int fake_read_exact(int fd, void *buf, size_t n, atomic_int *stop);

/* Reads one frame and decodes it into *m (strings point into r). Returns 0 or -1. */
int fake_read_msg(int fd, struct proto_reader *r, struct proto_msg *m, atomic_int *stop);

/* Sends bytes, all at once or one every drip_ms. Returns 0 or -1. */
int fake_send_bytes(int fd, const void *buf, size_t len, unsigned drip_ms, atomic_int *stop);

/* Encodes and sends a message (as fake_send_bytes). Returns 0 or -1. */
int fake_send_msg(int fd, const struct proto_msg *m, unsigned drip_ms, atomic_int *stop);

/* Listens on a Unix socket at path (replacing a file there). Returns an fd or -errno. */
int fake_unix_listen(const char *path);

/* Connects to a Unix socket; nonblock makes the fd non-blocking first.
 * Returns an fd or -errno. */
int fake_unix_connect(const char *path, int nonblock);

/* Writes a frame header with any length into out (which needs 16 bytes). */
void fake_header(uint8_t *out, uint16_t type, uint16_t flags, uint32_t id, uint32_t length);

#endif
