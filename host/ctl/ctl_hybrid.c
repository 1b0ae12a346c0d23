#include "ctl_hybrid.h"
#include "hybrid.h"

int ctl_hybrid_format_connect(char *buf, size_t size, uint32_t port)
{
	return hybrid_format_line(buf, size, HYBRID_CONNECT, port);
}

int ctl_hybrid_parse_ok(const char *untrusted_buf, size_t len, uint32_t *ret_port)
{
	return hybrid_parse_line(HYBRID_OK, untrusted_buf, len, ret_port);
}
