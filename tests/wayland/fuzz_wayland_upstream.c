/* Fuzz target: bytes from upstream (the compositor on the host, waypipe in
 * the guest) to a client with a registry, a seat, a keyboard and a surface,
 * and an output (upstream id 7) with its xdg_output (9).
 * The first byte picks the mode (bit 0: guest) and how many fds arrive with
 * the bytes (bits 1-3); the rest is upstream's byte stream. */
#include "fuzz_common.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool guest = data[0] & 1;
	unsigned nfds = (data[0] >> 1) & 7;
	struct wlf_ctx ctx;
	wlf_ctx_init(&ctx, guest ? WLF_MODE_GUEST : WLF_MODE_HOST, "fuzz");
	struct wlf_conn *c;
	if (wlf_conn_new(&ctx, false, &c) < 0)
		return 0;
	fuzz_app(c, guest);
	/* Client ids after the guest's local objects; upstream ids 7, 8, 9. */
	uint32_t out = guest ? 9 : 7;
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 38, "wl_output", 4, out);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 6, "zxdg_output_manager_v1", 3, out + 1);
	h_req(c, out + 1, 1 /* get_xdg_output */, "no", out + 2, out);
	h_drain(c);
	fuzz_feed(c, true, data + 1, size - 1, nfds);
	wlf_conn_free(c);
	return 0;
}
