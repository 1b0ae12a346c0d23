/* Parsers for the kernel's text files the status record is built from, and
 * the rule that picks addresses. Pure: the callers read the files
 * (sysinfo.c) and pass the text in, NUL-terminated. The stores come from
 * init's status (policy.c), not from here. */
#ifndef APPVM_AGENT_STATUS_H
#define APPVM_AGENT_STATUS_H

#include "proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Reads MemTotal and MemAvailable (KiB) from /proc/meminfo text. Returns 0,
 * or -EBADMSG when MemTotal is missing or malformed; a missing MemAvailable
 * (kernels before 3.14) gives 0. */
int agent_parse_meminfo(const char *text, uint64_t *ret_total, uint64_t *ret_available);

/* Reads the three load averages of /proc/loadavg text as thousandths.
 * Returns 0 or -EBADMSG. */
int agent_parse_loadavg(const char *text, uint32_t ret_milli[3]);

/* Reads the first field of /proc/uptime text as milliseconds. Returns 0 or
 * -EBADMSG. */
int agent_parse_uptime(const char *text, uint64_t *ret_ms);

/* Converts one getifaddrs() entry. Returns true with *ret filled for an
 * IPv4 or IPv6 address of a non-loopback interface whose name fits the
 * protocol (1-15 bytes), false for anything to leave out. */
bool agent_addr_from_ifaddr(const char *ifname, unsigned ifflags, const struct sockaddr *addr,
			    const struct sockaddr *netmask, struct proto_addr *ret);

/* Returns true if s obeys the protocol's NAME class (possibly empty). */
bool agent_name_ok(const char *s, size_t len);

#endif
