/* What the filter lets through: the allowlist of globals with a version cap
 * each, and the VM-name tags of window titles and app ids. Pure. The reason
 * for every allowed global is in docs/wayland.md. */
#ifndef APPVM_WAYLAND_POLICY_H
#define APPVM_WAYLAND_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wl_interface;

struct wlf_global_rule {
	const struct wl_interface *iface;
	uint32_t max_version; /* never above the version of our table */
};

/* Looks up the global interface name (len bytes, no NUL needed). Returns
 * true with its rule in *ret when it is allowed, false when it is hidden. */
bool wlf_policy_global(const char *name, size_t len, struct wlf_global_rule *ret);

/* The i-th allowed global, for documentation checks. Returns false past the end. */
bool wlf_policy_global_at(size_t i, struct wlf_global_rule *ret);

/* Host: a request sent up as another, so that every window keeps the
 * host's frame, where its tag is shown: fullscreen becomes maximized
 * (unless allow_fullscreen), any decoration mode server-side. */
struct wlf_rewrite {
	uint16_t opcode;
	bool has_arg; /* one uint argument */
	uint32_t arg;
};

/* Returns true with the replacement in *ret when request opcode of iface
 * is one of those. */
bool wlf_policy_rewrite(const struct wl_interface *iface, uint16_t opcode, bool allow_fullscreen,
			struct wlf_rewrite *ret);

/* Host: what a VM is told instead of texts about the host's hardware. */
#define WLF_HIDDEN_TEXT "unknown"

/* Host: whether string argument arg of event opcode of iface describes the
 * host's hardware (a monitor's make, model and description, which in
 * wlroots holds its serial number): such texts identify the machine across
 * VMs and no VM needs them, so they reach the client as WLF_HIDDEN_TEXT. */
bool wlf_policy_event_text_hidden(const struct wl_interface *iface, uint16_t opcode, unsigned arg);

/* Longest tagged title or app id, in bytes, so that the message carrying it
 * stays within WLF_MAX_MSG. */
#define WLF_TAG_MAX 4000

/* Writes "[vm] title" (NUL-terminated) into buf of WLF_TAG_MAX + 1 bytes,
 * with title escaped as lib/text_escape.h says (controls, bidi and invisible
 * characters, invalid UTF-8), cut before the first character or escape that
 * would not fit. Returns the length. */
size_t wlf_tag_title(char *buf, const char *vm, const char *title);

/* Writes "vm:app_id" the same way. */
size_t wlf_tag_app_id(char *buf, const char *vm, const char *app_id);

#endif
