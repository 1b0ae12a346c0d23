/* The client half of hybrid vsock (cloud-hypervisor, Firecracker,
 * appvm-vsock): write "CONNECT <port>\n", read "OK <hostport>\n", then the
 * socket is a byte stream to the guest port. Pure code. */
#ifndef APPVM_CTL_HYBRID_H
#define APPVM_CTL_HYBRID_H

#include <stddef.h>
#include <stdint.h>

#include "hybrid.h"

/* Longest answer line accepted, newline included. */
#define CTL_HYBRID_LINE_MAX HYBRID_LINE_MAX

/* Writes "CONNECT <port>\n" into buf. Returns its length, or -ENOSPC. */
int ctl_hybrid_format_connect(char *buf, size_t size, uint32_t port);

/* Parses the VMM's answer received so far. Returns 0 with *ret_port set when
 * untrusted_buf is exactly one line "OK <port>\n" (decimal, no sign, no
 * leading zero, at most 2^32-1); -EAGAIN when it is a proper prefix of such a
 * line; -EINVAL when it can never become one. */
int ctl_hybrid_parse_ok(const char *untrusted_buf, size_t len, uint32_t *ret_port);

#endif
