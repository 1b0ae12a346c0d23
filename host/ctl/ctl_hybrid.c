#include "ctl_hybrid.h"

#include <errno.h>
#include <stdio.h>

int ctl_hybrid_format_connect(char *buf, size_t size, uint32_t port)
{
	int n = snprintf(buf, size, "CONNECT %u\n", (unsigned)port);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

int ctl_hybrid_parse_ok(const char *untrusted_buf, size_t len, uint32_t *ret_port)
{
	static const char prefix[] = "OK ";
	const size_t plen = sizeof(prefix) - 1;
	if (len > CTL_HYBRID_LINE_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len && i < plen; i++)
		if (untrusted_buf[i] != prefix[i])
			return -EINVAL;
	if (len <= plen)
		return -EAGAIN;
	uint64_t v = 0;
	size_t digits = 0;
	for (size_t i = plen; i < len; i++) {
		char c = untrusted_buf[i];
		if (c == '\n') {
			if (digits == 0 || i != len - 1)
				return -EINVAL;
			*ret_port = (uint32_t)v;
			return 0;
		}
		if (c < '0' || c > '9')
			return -EINVAL;
		if (digits == 1 && v == 0)
			return -EINVAL; /* leading zero */
		v = v * 10 + (uint64_t)(c - '0');
		if (++digits > 10 || v > 0xffffffffu)
			return -EINVAL;
	}
	return -EAGAIN;
}
