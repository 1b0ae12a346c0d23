/* The line protocol of "hybrid vsock" (cloud-hypervisor, Firecracker and
 * appvm-vsock): a host client writes "CONNECT <port>\n" on the VMM's Unix
 * socket and is answered "OK <port>\n". Both lines are "<word> <port>\n";
 * this is the one parser and formatter for them (docs/vsock.md). Pure code. */
#ifndef APPVM_HYBRID_H
#define APPVM_HYBRID_H

#include <stddef.h>
#include <stdint.h>

/* Longest line accepted, newline included ("CONNECT 4294967295\n" is 19). */
#define HYBRID_LINE_MAX 32

#define HYBRID_CONNECT "CONNECT "
#define HYBRID_OK      "OK "

/* Parses the bytes received so far against "<prefix><port>\n". Returns 0 with
 * *ret_port set when untrusted_buf is exactly one such line (decimal, no sign,
 * no leading zero, at most 2^32-1); -EAGAIN when it is a proper prefix of
 * one; -EINVAL when it can never become one. */
int hybrid_parse_line(const char *prefix, const char *untrusted_buf, size_t len,
		      uint32_t *ret_port);

/* Writes "<prefix><port>\n" into buf. Returns its length, or -ENOSPC. */
int hybrid_format_line(char *buf, size_t size, const char *prefix, uint32_t port);

#endif
