/* The host side of "hybrid vsock" as cloud-hypervisor and Firecracker
 * present it: a client of the Unix socket writes "CONNECT <port>\n" and is
 * answered "OK <port>\n" with the host-side port of the new connection.
 * Pure parsing and formatting; docs/vsock.md specifies the format. */
#ifndef APPVM_VSOCK_HYBRID_H
#define APPVM_VSOCK_HYBRID_H

#include <stddef.h>
#include <stdint.h>

#include "hybrid.h"

/* Longest request line accepted, newline included. */
#define VSOCK_HYBRID_LINE_MAX HYBRID_LINE_MAX

/* Parses what a client sent so far. Returns 0 with *ret_port set when
 * untrusted_buf holds exactly one complete line "CONNECT <port>\n" (decimal,
 * no sign, no leading zeros, at most 2^32-1); -EAGAIN when it is a proper
 * prefix of such a line; -EINVAL when it can never become one. */
int vsock_hybrid_parse(const char *untrusted_buf, size_t len, uint32_t *ret_port);

/* Writes "OK <port>\n" into buf. Returns its length, or -ENOSPC. */
int vsock_hybrid_format_ok(char *buf, size_t size, uint32_t port);

#endif
