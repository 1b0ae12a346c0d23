/* Fuzz target: the hybrid CONNECT parser, fed the input byte by byte as
 * appvm-vsock reads it from a client, and as one buffer. */
#include "hybrid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t port;
	for (size_t len = 0; len <= size && len <= HYBRID_LINE_MAX + 1; len++) {
		int r = hybrid_parse_line(HYBRID_CONNECT, (const char *)data, len, &port);
		if (r == 0) {
			char line[32];
			if (hybrid_format_line(line, sizeof(line), HYBRID_OK, port) < 0)
				abort();
			break;
		}
		if (r != -EAGAIN)
			break;
	}
	return 0;
}
