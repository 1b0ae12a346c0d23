/* File-descriptor I/O that handles EINTR and short transfers. All functions
 * return 0 or a byte count on success and -errno on failure. */
#ifndef APPVM_IO_H
#define APPVM_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads exactly len bytes. Returns 0, -EPIPE on end of file before len bytes, or -errno. */
int io_read_full(int fd, void *buf, size_t len);

/* A deadline that never passes. */
#define IO_NO_DEADLINE UINT64_MAX

/* Writes exactly len bytes, waiting for room on a non-blocking fd. A closed
 * peer is -EPIPE, never SIGPIPE. Returns 0 or -errno. */
int io_write_full(int fd, const void *buf, size_t len);

/* As io_write_full, but gives up with -ETIMEDOUT when the fd has no room by
 * deadline_ms (CLOCK_MONOTONIC, lib/clock.h). */
int io_write_full_until(int fd, const void *buf, size_t len, uint64_t deadline_ms);

/* One read on a (usually non-blocking) fd, retried on EINTR. Returns the byte
 * count (0 means end of file), -EAGAIN when nothing is ready, or -errno. */
ssize_t io_read_some(int fd, void *buf, size_t len);

/* One write on a (usually non-blocking) fd, retried on EINTR. Returns the byte
 * count, -EAGAIN when the fd cannot take more now, or -errno. */
ssize_t io_write_some(int fd, const void *buf, size_t len);

/* Sets or clears O_NONBLOCK. Returns 0 or -errno. */
int io_set_nonblock(int fd, int on);

/* Waits until fd is readable (events=POLLIN) or writable (POLLOUT) or timeout_ms
 * passes (-1: forever). Returns 0 when ready, -ETIMEDOUT, or -errno. */
int io_wait(int fd, short events, int timeout_ms);

/* As io_wait, until the monotonic deadline_ms (IO_NO_DEADLINE: forever).
 * Returns 0 when ready, -ETIMEDOUT, or -errno. */
int io_wait_until(int fd, short events, uint64_t deadline_ms);

/* Reads a whole small file into buf (room for max bytes), NUL-terminated.
 * Returns the length, -EFBIG if the file needs max bytes or more, or -errno. */
ssize_t io_read_file(const char *path, char *buf, size_t max);

/* Writes a whole string to a file (O_WRONLY|O_CLOEXEC, no create). Returns 0 or -errno. */
int io_write_file(const char *path, const char *text);

#endif
