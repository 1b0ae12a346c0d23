#include "vsock_hybrid.h"
#include "hybrid.h"

int vsock_hybrid_parse(const char *untrusted_buf, size_t len, uint32_t *ret_port)
{
	return hybrid_parse_line(HYBRID_CONNECT, untrusted_buf, len, ret_port);
}

int vsock_hybrid_format_ok(char *buf, size_t size, uint32_t port)
{
	return hybrid_format_line(buf, size, HYBRID_OK, port);
}
