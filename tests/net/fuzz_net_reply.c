/* Fuzz target for the rtnetlink reply walker and the link/address/route
 * decoders: everything the kernel sends back is treated as untrusted.
 *
 * Input: one flag byte (bit 0: the request was a dump), then datagrams, each
 * a little-endian 16-bit length and that many bytes. The walk expects
 * sequence 1 from port 100, so seeds can also exercise the happy path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_msg(const struct nlmsghdr *h, void *ctx)
{
	(void)ctx;
	struct nl_link l;
	struct nl_addr a;
	struct nl_route r;
	int rl = nl_link_parse(h, &l), ra = nl_addr_parse(h, &a), rr = nl_route_parse(h, &r);
	/* Whatever decodes must hold the invariants the callers rely on. */
	if (rl == 0 && (l.name[0] == '\0' || memchr(l.name, '\0', sizeof(l.name)) == NULL ||
			l.mac_len > sizeof(l.mac) || l.index <= 0))
		abort();
	if (ra == 0 && a.prefix > (a.family == AF_INET ? 32u : 128u))
		abort();
	if (rr == 0 && r.dst_len > (r.family == AF_INET ? 32u : 128u))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t words[(65536 + 4) / 4];
	if (size < 1)
		return 0;
	struct nl_reply st = {.seq = 1, .port = 100, .dump = data[0] & 1};
	size_t pos = 1;
	while (pos + 2 <= size) {
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		memcpy(words, data + pos, len);
		pos += len;
		int r = nl_reply_walk(&st, words, len, on_msg, NULL);
		if (r == 1 && (st.error > 0 || st.error < -4095 ||
			       memchr(st.ext_msg, '\0', sizeof(st.ext_msg)) == NULL))
			abort();
		if (r != 0)
			break;
	}
	return 0;
}
