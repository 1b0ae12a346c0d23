/* The one driver of rtnetlink dumps, for appvm-net apply and show alike: a
 * dump the kernel marks inconsistent is read again from the start. Separate
 * from nl_sock.c so that the unit tests can run it, and show.c above it,
 * against scripted replies (tests/net/fake_nl_sock.c). */
#include "nl_sock.h"

#include <errno.h>
#include <string.h>

#define STR_(x) #x
#define STR(x)	STR_(x)

int nl_sock_dump(struct nl_sock *s, uint16_t type, int family, const struct nl_handler *hd)
{
	int r = -EINTR;
	for (int attempt = 0; attempt < NL_DUMP_ATTEMPTS && r == -EINTR; attempt++) {
		uint32_t buf[16];
		struct nl_msg m;
		if (hd->reset)
			hd->reset(hd->ctx);
		r = nl_dump_request(&m, buf, sizeof(buf), type, family);
		if (r < 0)
			return r;
		r = nl_sock_call(s, &m, nl_handle_msg, (void *)hd, NULL, 0);
	}
	return r;
}

const char *nl_dump_strerror(int r)
{
	if (r == -EINTR)
		return "the table kept changing while it was read (" STR(
		    NL_DUMP_ATTEMPTS) " tries)";
	return strerror(-r);
}
