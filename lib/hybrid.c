#include "hybrid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int hybrid_parse_line(const char *prefix, const char *untrusted_buf, size_t len, uint32_t *ret_port)
{
	const size_t plen = strlen(prefix);
	if (len > HYBRID_LINE_MAX)
		return -EINVAL;
	size_t cmp = len < plen ? len : plen;
	if (memcmp(untrusted_buf, prefix, cmp) != 0)
		return -EINVAL;
	if (len <= plen)
		return -EAGAIN;
	uint64_t port = 0;
	size_t digits = 0;
	for (size_t i = plen; i < len; i++) {
		char c = untrusted_buf[i];
		if (c == '\n') {
			/* The newline must be the last byte and follow a digit. */
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

int hybrid_format_line(char *buf, size_t size, const char *prefix, uint32_t port)
{
	int n = snprintf(buf, size, "%s%u\n", prefix, (unsigned)port);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
