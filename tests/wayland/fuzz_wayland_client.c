/* Fuzz target: bytes from a client (the untrusted direction on the host).
 * The first byte picks the connection (bits 0-1: host app, guest app, guest
 * data-control) and how many fds arrive with the bytes (bits 2-4); the rest
 * is the client's byte stream. A second, focused app connection shares the
 * context so that guest selections reach another client. */
#include "fuzz_common.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned kind = data[0] & 3, nfds = (data[0] >> 2) & 7;
	bool guest = kind != 0;
	struct wlf_ctx ctx;
	wlf_ctx_init(&ctx, guest ? WLF_MODE_GUEST : WLF_MODE_HOST, "fuzz");
	struct wlf_conn *peer, *c;
	if (wlf_conn_new(&ctx, false, &peer) < 0)
		return 0;
	fuzz_app(peer, guest);
	if (wlf_conn_new(&ctx, kind == 2, &c) == 0) {
		if (kind != 2)
			fuzz_app(c, guest);
		fuzz_feed(c, false, data + 1, size - 1, nfds);
	}
	while (ctx.conns)
		wlf_conn_free(ctx.conns);
	return 0;
}
