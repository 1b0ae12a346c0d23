/* Target strings: how appvmctl names a guest (docs/appvmctl.md).
 *
 *   vsock:CID[:PORT]    AF_VSOCK to a guest CID (qemu with vhost-vsock)
 *   hybrid:PATH[:PORT]  a VMM's hybrid vsock Unix socket (cloud-hypervisor,
 *                       Firecracker, appvm-vsock): "CONNECT PORT\n" first
 *   unix:PATH           a plain Unix stream socket to an agent started with
 *                       --listen-unix PATH
 *
 * PORT defaults to the agent port (1024); CID and PORT as lib/vsock_addr.h
 * reads them. Pure code. */
#ifndef APPVM_CTL_TARGET_H
#define APPVM_CTL_TARGET_H

#include <stdint.h>

/* sizeof(((struct sockaddr_un *)0)->sun_path): a path must fit with its NUL. */
#define CTL_PATH_SIZE 108

enum ctl_transport {
	CTL_TRANSPORT_VSOCK,
	CTL_TRANSPORT_HYBRID,
	CTL_TRANSPORT_UNIX,
};

struct ctl_target {
	enum ctl_transport transport;
	uint32_t cid;		  /* vsock */
	uint32_t port;		  /* vsock, hybrid */
	char path[CTL_PATH_SIZE]; /* hybrid, unix */
};

/* Parses a target string. Returns 0, or -EINVAL with *ret_why (when not NULL)
 * naming the problem in a few words. */
int ctl_target_parse(const char *s, struct ctl_target *ret, const char **ret_why);

/* Returns the transport's name as written in target strings ("hybrid"). */
const char *ctl_transport_name(enum ctl_transport t);

#endif
