/* Parsers for the kernel's text files the status record is built from, and
 * the rules that pick stores and addresses. Pure: the callers read the files
 * (sysinfo.c) and pass the text in, NUL-terminated. */
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

/* One line of /proc/self/mountinfo, pointing into the (modified) text. */
struct agent_mount {
	const char *root;	 /* the mounted directory inside its filesystem */
	const char *mount_point; /* unescaped */
	const char *fstype;
	const char *source; /* unescaped */
	bool read_only;	    /* the mount's own options have "ro" */
};

/* Parses the next line at *cursor, splitting it in place, and moves the
 * cursor past it. Returns 1 with *ret filled, 0 at the end of the text, or
 * -EBADMSG for a malformed line (the cursor still moves past it). */
int agent_mountinfo_next(char **cursor, struct agent_mount *ret);

/* Decides whether a mount is a store (docs/agent.md): read-only images
 * (erofs, squashfs), virtiofs shares, and the writable state store. Fills
 * *ret (pointing into m's strings, or at "state") and returns true if so. */
bool agent_mount_store(const struct agent_mount *m, struct proto_store *ret);

/* Collects the stores of mountinfo text (modified in place) into stores[],
 * at most max; a mount point mounted over again is reported once, as the
 * last mount. Returns the number found. */
uint16_t agent_stores_from_mountinfo(char *text, struct proto_store *stores, uint16_t max);

/* Collects the stores listed in init's status reply (lines "store NAME ro|rw
 * PATH", PATH escaped as in mountinfo; docs/agent.md), modifying the text in
 * place. Malformed store lines are skipped. Returns the number found, at
 * most max; 0 means init did not list any. */
uint16_t agent_stores_from_init(char *reply, struct proto_store *stores, uint16_t max);

/* Converts one getifaddrs() entry. Returns true with *ret filled for an
 * IPv4 or IPv6 address of a non-loopback interface whose name fits the
 * protocol (1-15 bytes), false for anything to leave out. */
bool agent_addr_from_ifaddr(const char *ifname, unsigned ifflags, const struct sockaddr *addr,
			    const struct sockaddr *netmask, struct proto_addr *ret);

/* Returns true if s obeys the protocol's NAME class (possibly empty). */
bool agent_name_ok(const char *s, size_t len);

#endif
