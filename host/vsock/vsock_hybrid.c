#include "vsock_hybrid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char PREFIX[] = "CONNECT ";

int vsock_hybrid_parse(const char *untrusted_buf, size_t len, uint32_t *ret_port)
{
	const size_t plen = sizeof(PREFIX) - 1;
	if (len > VSOCK_HYBRID_LINE_MAX)
		return -EINVAL;
	size_t cmp = len < plen ? len : plen;
	if (memcmp(untrusted_buf, PREFIX, cmp) != 0)
		return -EINVAL;
	if (len <= plen)
		return -EAGAIN;
	uint64_t port = 0;
	size_t digits = 0;
	for (size_t i = plen; i < len; i++) {
		char c = untrusted_buf[i];
		if (c == '\n') {
			/* The newline must be the last byte and follow at least one digit. */
			if (digits == 0 || i != len - 1)
				return -EINVAL;
			*ret_port = (uint32_t)port;
			return 0;
		}
		if (c < '0' || c > '9')
			return -EINVAL;
		if (digits == 1 && port == 0)
			return -EINVAL; /* leading zero */
		port = port * 10 + (uint64_t)(c - '0');
		if (port > UINT32_MAX)
			return -EINVAL;
		digits++;
	}
	return -EAGAIN;
}

int vsock_hybrid_format_ok(char *buf, size_t size, uint32_t port)
{
	int n = snprintf(buf, size, "OK %u\n", (unsigned)port);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
