#include "vsock_addr.h"

#include "parse.h"

int vsock_port_parse(const char *s, uint32_t *ret)
{
	return parse_u32_strict(s, VSOCK_PORT_MIN, VSOCK_PORT_MAX, ret);
}

int vsock_guest_cid_parse(const char *s, uint32_t *ret)
{
	return parse_u32_strict(s, VSOCK_GUEST_CID_MIN, VSOCK_GUEST_CID_MAX, ret);
}
