#include "policy.h"

#include "text_escape.h"
#include "vm_name.h"

#include "fractional-scale-v1-client-protocol.h"
#include "pointer-constraints-unstable-v1-client-protocol.h"
#include "pointer-gestures-unstable-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "relative-pointer-unstable-v1-client-protocol.h"
#include "single-pixel-buffer-v1-client-protocol.h"
#include "viewporter-client-protocol.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-output-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#include <stdio.h>
#include <string.h>
#include <wayland-client-protocol.h>

/* Everything else is hidden: clipboards, data-control, screen capture,
 * virtual input, layer-shell, input inhibitors, foreign toplevels, session
 * lock, activation, idle inhibition, ... (docs/wayland.md says why). A
 * version cap of 0 means "the version of our table". */
static const struct wlf_global_rule allowed[] = {
    {&wl_compositor_interface, 0},
    {&wl_subcompositor_interface, 0},
    {&wl_shm_interface, 0},
    {&wl_seat_interface, 0},
    {&wl_output_interface, 0},
    {&xdg_wm_base_interface, 0},
    {&zxdg_output_manager_v1_interface, 0},
    {&zxdg_decoration_manager_v1_interface, 0},
    {&wp_viewporter_interface, 0},
    {&wp_presentation_interface, 0},
    {&wp_fractional_scale_manager_v1_interface, 0},
    {&wp_single_pixel_buffer_manager_v1_interface, 0},
    {&zwp_pointer_constraints_v1_interface, 0},
    {&zwp_relative_pointer_manager_v1_interface, 0},
    {&zwp_pointer_gestures_v1_interface, 0},
};

bool wlf_policy_global_at(size_t i, struct wlf_global_rule *ret)
{
	if (i >= sizeof(allowed) / sizeof(allowed[0]))
		return false;
	*ret = allowed[i];
	uint32_t table = (uint32_t)allowed[i].iface->version;
	if (ret->max_version == 0 || ret->max_version > table)
		ret->max_version = table;
	return true;
}

bool wlf_policy_rewrite(const struct wl_interface *iface, uint16_t opcode, bool allow_fullscreen,
			struct wlf_rewrite *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!strcmp(iface->name, xdg_toplevel_interface.name) && !allow_fullscreen &&
	    (opcode == XDG_TOPLEVEL_SET_FULLSCREEN || opcode == XDG_TOPLEVEL_UNSET_FULLSCREEN)) {
		ret->opcode = opcode == XDG_TOPLEVEL_SET_FULLSCREEN ? XDG_TOPLEVEL_SET_MAXIMIZED
								    : XDG_TOPLEVEL_UNSET_MAXIMIZED;
		return true;
	}
	if (!strcmp(iface->name, zxdg_toplevel_decoration_v1_interface.name) &&
	    (opcode == ZXDG_TOPLEVEL_DECORATION_V1_SET_MODE ||
	     opcode == ZXDG_TOPLEVEL_DECORATION_V1_UNSET_MODE)) {
		ret->opcode = ZXDG_TOPLEVEL_DECORATION_V1_SET_MODE;
		ret->has_arg = true;
		ret->arg = ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE;
		return true;
	}
	return false;
}

static const struct {
	const char *iface, *event;
	unsigned arg;
} hidden_texts[] = {
    {"wl_output", "geometry", 5},	  /* make */
    {"wl_output", "geometry", 6},	  /* model */
    {"wl_output", "description", 0},	  /* "Dell Inc. DELL U2720Q 8XYZ123 (DP-1)" */
    {"zxdg_output_v1", "description", 0}, /* the same */
};

bool wlf_policy_event_text_hidden(const struct wl_interface *iface, uint16_t opcode, unsigned arg)
{
	if (opcode >= (unsigned)iface->event_count)
		return false;
	const char *event = iface->events[opcode].name;
	for (size_t i = 0; i < sizeof(hidden_texts) / sizeof(hidden_texts[0]); i++)
		if (hidden_texts[i].arg == arg && !strcmp(hidden_texts[i].iface, iface->name) &&
		    !strcmp(hidden_texts[i].event, event))
			return true;
	return false;
}

bool wlf_policy_global(const char *name, size_t len, struct wlf_global_rule *ret)
{
	for (size_t i = 0; wlf_policy_global_at(i, ret); i++)
		if (strlen(ret->iface->name) == len && memcmp(ret->iface->name, name, len) == 0)
			return true;
	return false;
}
/* The prefix, then the client's text escaped (lib/text_escape.h): no
 * control, bidi or invisible character of the guest's can hide or reorder
 * the tag. Escapes and characters are never cut. */
static size_t tag(char *buf, const char *prefix, const char *untrusted)
{
	int p = snprintf(buf, WLF_TAG_MAX + 1, "%s", prefix);
	if (p < 0 || p > WLF_TAG_MAX)
		return strlen(buf);
	text_escape(buf + p, WLF_TAG_MAX + 1 - (size_t)p, untrusted, strlen(untrusted));
	return strlen(buf);
}

size_t wlf_tag_title(char *buf, const char *vm, const char *title)
{
	char prefix[VM_NAME_TAG_SIZE];
	vm_name_tag(prefix, sizeof(prefix), vm);
	return tag(buf, prefix, title);
}

size_t wlf_tag_app_id(char *buf, const char *vm, const char *app_id)
{
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "%s:", vm);
	return tag(buf, prefix, app_id);
}
