/* Shared set-up of the filter's fuzz targets: connections in a known state,
 * built from canned messages, so that each input costs a few allocations. */
#ifndef APPVM_TESTS_WAYLAND_FUZZ_COMMON_H
#define APPVM_TESTS_WAYLAND_FUZZ_COMMON_H

#include "harness.h"
#include "policy.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>

#define FUZZ_NAME_DATA 0xfff00001u

/* Upstream's registry as sway 1.7 shows it, allowed and hidden globals. */
static inline void fuzz_globals(struct wlf_conn *c, uint32_t reg)
{
	static const struct {
		uint32_t name;
		const char *iface;
		uint32_t version;
	} g[] = {
	    {1, "wl_shm", 1},
	    {2, "wl_compositor", 4},
	    {3, "wl_subcompositor", 1},
	    {4, "wl_data_device_manager", 3},
	    {6, "zxdg_output_manager_v1", 3},
	    {10, "xdg_wm_base", 2},
	    {13, "zxdg_decoration_manager_v1", 1},
	    {16, "wp_presentation", 1},
	    {24, "zwlr_data_control_manager_v1", 2},
	    {26, "wp_viewporter", 1},
	    {36, "wl_seat", 7},
	    {38, "wl_output", 4},
	};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		h_ev(c, reg, 0, "usu", g[i].name, g[i].iface, g[i].version);
}

/* An app connection with registry 2, wl_seat 3, keyboard 4, compositor 5,
 * surface 6 (upstream ids the same in host mode; in guest mode the data
 * device manager 7 and device 8 are local). */
static inline void fuzz_app(struct wlf_conn *c, bool guest)
{
	h_req(c, 1, WL_DISPLAY_GET_REGISTRY, "n", 2);
	fuzz_globals(c, 2);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 36, "wl_seat", 7, 3);
	h_req(c, 3, WL_SEAT_GET_KEYBOARD, "n", 4);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, 5);
	h_req(c, 5, WL_COMPOSITOR_CREATE_SURFACE, "n", 6);
	if (guest) {
		h_req(c, 2, WL_REGISTRY_BIND, "usun", FUZZ_NAME_DATA, "wl_data_device_manager", 3,
		      7);
		h_req(c, 7, WL_DATA_DEVICE_MANAGER_GET_DATA_DEVICE, "no", 8, 3);
	}
	struct wlf_blob keys = {NULL, 0};
	h_ev(c, 4, 1 /* wl_keyboard.enter */, "uoa", 1, 6, &keys);
	h_drain(c);
}

/* The boundary's promises about what reaches the host compositor, checked
 * on every message a host-mode client got past the filter: binds name
 * allowed globals only, titles and app ids carry the tag, no window goes
 * fullscreen or decorates itself. Aborts (a fuzzer finding) otherwise. */
static inline void fuzz_check_host_up(struct wlf_conn *c)
{
	struct h_msg m;
	struct wlf_global_rule rule;
	while (h_next(&c->uout, &m)) {
		const struct wlf_table *t = &c->objs.up_c;
		if (m.id < t->base || m.id - t->base >= t->len || !t->v[m.id - t->base].iface)
			continue;
		const char *iface = t->v[m.id - t->base].iface->name;
		if (!strcmp(iface, "wl_registry") && m.opcode == WL_REGISTRY_BIND) {
			const char *name = h_string(&m, 3);
			if (!name || !wlf_policy_global(name, strlen(name), &rule))
				abort();
		} else if (!strcmp(iface, "xdg_toplevel")) {
			const char *s = m.opcode == 2 || m.opcode == 3 ? h_string(&m, 2) : NULL;
			if ((m.opcode == 2 && strncmp(s, "[fuzz]", 6) != 0) ||
			    (m.opcode == 3 && strncmp(s, "fuzz", 4) != 0) || m.opcode == 11 ||
			    m.opcode == 12)
				abort(); /* set_title, set_app_id; set/unset_fullscreen */
		} else if (!strcmp(iface, "zxdg_toplevel_decoration_v1")) {
			if (m.opcode == 2 || (m.opcode == 1 && h_word(&m, 2) != 2))
				abort(); /* unset_mode; set_mode other than server-side */
		}
	}
}

/* The boundary's promise about what reaches a host-mode client: no text
 * about the host's hardware (wlf_policy_event_text_hidden) but
 * WLF_HIDDEN_TEXT. Aborts otherwise. */
static inline void fuzz_check_host_down(struct wlf_conn *c)
{
	struct h_msg m;
	while (h_next(&c->cout, &m)) {
		struct wlf_obj *o = wlf_obj_get(&c->objs, m.id);
		if (!o || m.opcode >= o->iface->event_count)
			continue;
		const char *sig = o->iface->events[m.opcode].signature;
		unsigned word = 2, arg = 0;
		for (const char *p = sig; *p && 4 * word < m.size; p++) {
			if ((*p >= '0' && *p <= '9') || *p == '?')
				continue;
			if (*p == 'h') {
				arg++;
				continue;
			}
			uint32_t len = h_word(&m, word);
			if (*p == 's' && wlf_policy_event_text_hidden(o->iface, m.opcode, arg) &&
			    (!h_string(&m, word) || strcmp(h_string(&m, word), WLF_HIDDEN_TEXT)))
				abort();
			word += *p == 's' || *p == 'a' ? 1 + (len + 3) / 4 : 1;
			arg++;
		}
	}
}

/* Feeds data to one direction of c in reads of at most 4096 bytes, with
 * nfds fds queued first, emptying the outputs as a reading peer would. */
static inline void fuzz_feed(struct wlf_conn *c, bool upstream, const uint8_t *data, size_t size,
			     unsigned nfds)
{
	struct wlf_in *in = upstream ? &c->uin : &c->cin;
	for (unsigned i = 0; i < nfds; i++)
		wlf_in_push_fd(in, open("/dev/null", O_RDONLY | O_CLOEXEC));
	while (size > 0 && c->state == WLF_CONN_OK) {
		size_t room = sizeof(in->buf) - in->len;
		size_t n = size < 4096 ? size : 4096;
		if (n > room)
			break;
		memcpy(in->buf + in->len, data, n);
		in->len += n;
		data += n;
		size -= n;
		if (upstream)
			wlf_conn_from_upstream(c);
		else
			wlf_conn_from_client(c);
		if (c->ctx->mode == WLF_MODE_HOST) {
			fuzz_check_host_up(c);
			fuzz_check_host_down(c);
		}
		for (struct wlf_conn *o = c->ctx->conns; o; o = o->next)
			h_drain(o);
	}
}

#endif
