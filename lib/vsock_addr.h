/* vsock ports and context ids as every appvm command line and config file
 * spells them (docs/vsock.md, "Ports and CIDs"): decimal digits without
 * sign, spaces or leading zero. One contract, so a port that one program
 * takes is taken by the others. Pure code. */
#ifndef APPVM_VSOCK_ADDR_H
#define APPVM_VSOCK_ADDR_H

#include <stdint.h>

/* 2^32-1 is VMADDR_PORT_ANY, not a port one can name; 0 is no service's. */
#define VSOCK_PORT_MIN 1u
#define VSOCK_PORT_MAX 0xfffffffeu

/* CIDs 0, 1 and 2 are the hypervisor, the local loopback and the host;
 * 2^32-1 is VMADDR_CID_ANY. */
#define VSOCK_CID_LOCAL	    1u
#define VSOCK_CID_HOST	    2u
#define VSOCK_GUEST_CID_MIN 3u
#define VSOCK_GUEST_CID_MAX 0xfffffffeu

/* The ranges in words, for error messages and usage texts. */
#define VSOCK_PORT_RANGE      "1 to 4294967294"
#define VSOCK_GUEST_CID_RANGE "3 to 4294967294"

/* Parses a port, VSOCK_PORT_MIN to VSOCK_PORT_MAX. Returns 0, -EINVAL (not
 * plain decimal) or -ERANGE. */
int vsock_port_parse(const char *s, uint32_t *ret);

/* Parses a guest's CID, VSOCK_GUEST_CID_MIN to VSOCK_GUEST_CID_MAX. Returns
 * 0, -EINVAL (not plain decimal) or -ERANGE. */
int vsock_guest_cid_parse(const char *s, uint32_t *ret);

#endif
