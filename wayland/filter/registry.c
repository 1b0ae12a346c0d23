/* The registry as each client sees it: upstream's globals that the policy
 * allows, capped to the versions our tables know, plus the filter's own
 * globals in guest mode. A bind must name a global this client was shown,
 * with its interface and a version it was offered. */
#include "internal.h"
#include "opcodes.h"
#include "policy.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

#include <errno.h>
#include <string.h>
#include <wayland-client-protocol.h>

/* The seat version a control connection is offered (capabilities and name). */
#define LOCAL_SEAT_VERSION 7

struct local_global {
	uint32_t name;
	const struct wl_interface *iface;
	uint32_t version;
};

static const struct local_global app_globals[] = {
    {WLF_LOCAL_NAME_BASE + 1, &wl_data_device_manager_interface, 3},
    {WLF_LOCAL_NAME_BASE + 2, &zwp_primary_selection_device_manager_v1_interface, 1},
};

static const struct local_global control_globals[] = {
    {WLF_LOCAL_NAME_BASE + 3, &wl_seat_interface, LOCAL_SEAT_VERSION},
    {WLF_LOCAL_NAME_BASE + 4, &zwlr_data_control_manager_v1_interface, 2},
};

static const struct local_global *local_globals(const struct wlf_conn *c, size_t *ret_n)
{
	if (c->control) {
		*ret_n = sizeof(control_globals) / sizeof(control_globals[0]);
		return control_globals;
	}
	if (c->ctx->mode == WLF_MODE_GUEST) {
		*ret_n = sizeof(app_globals) / sizeof(app_globals[0]);
		return app_globals;
	}
	*ret_n = 0;
	return NULL;
}

int wlf_registry_announce(struct wlf_conn *c, uint32_t reg_id)
{
	size_t n;
	const struct local_global *g = local_globals(c, &n);
	for (size_t i = 0; i < n; i++) {
		int r = wlf_conn_post(c, reg_id, WLF_EV_REGISTRY_GLOBAL, g[i].name,
				      g[i].iface->name, g[i].version);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct wlf_global *find_global(struct wlf_conn *c, uint32_t name)
{
	for (unsigned i = 0; i < c->nglobals; i++)
		if (c->globals[i].name == name)
			return &c->globals[i];
	return NULL;
}

/* What a bound local object says first. */
static int local_bound(struct wlf_conn *c, uint32_t id, const struct wl_interface *iface,
		       uint32_t version)
{
	if (iface != &wl_seat_interface)
		return 0;
	int r = wlf_conn_post(c, id, WLF_EV_SEAT_CAPABILITIES, 0u);
	if (r == 0 && version >= 2)
		r = wlf_conn_post(c, id, WLF_EV_SEAT_NAME, "seat0");
	return r;
}

int wlf_registry_bind(struct wlf_conn *c, uint32_t reg_id, struct wlf_obj *reg,
		      const struct wlf_msg *m)
{
	uint32_t name = m->args[0].u;
	const char *untrusted_iface = (const char *)m->args[1].data;
	uint32_t version = m->args[2].u;
	uint32_t new_id = m->args[3].u;

	const struct wl_interface *iface = NULL;
	uint32_t offered = 0;
	bool local = false;
	size_t n;
	const struct local_global *lg = local_globals(c, &n);
	for (size_t i = 0; i < n; i++)
		if (lg[i].name == name) {
			iface = lg[i].iface;
			offered = lg[i].version;
			local = true;
		}
	struct wlf_global *g = local ? NULL : find_global(c, name);
	if (g) {
		iface = g->iface;
		offered = g->version;
	}
	if (!iface)
		return wlf_conn_client_error(c, reg_id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "invalid global %u", name);
	if (!untrusted_iface || strcmp(untrusted_iface, iface->name) != 0)
		return wlf_conn_client_error(c, reg_id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "global %u is not a %.64s", name,
					     untrusted_iface ? untrusted_iface : "(null)");
	if (version == 0 || version > offered)
		return wlf_conn_client_error(c, reg_id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "invalid version %u of %s (offered %u)", version,
					     iface->name, offered);
	/* A control connection's registry is local, so all its globals are. */
	bool forward = !local && reg->peer != 0;
	uint32_t up = 0;
	int r = wlf_obj_new_client(&c->objs, new_id, iface, version, forward, &up);
	if (r < 0)
		return wlf_conn_client_error(c, reg_id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "invalid new id %u for %s", new_id, iface->name);
	if (!forward)
		return local_bound(c, new_id, iface, version);
	uint8_t buf[WLF_MAX_MSG];
	memcpy(buf, m->raw, m->h.size);
	wlf_set_word(buf, 0, reg->peer);
	wlf_set_word(buf, m->args[3].word, up);
	return wlf_conn_send_up(c, buf, m->h.size, NULL, 0);
}

int wlf_registry_up_global(struct wlf_conn *c, uint32_t reg_id, const struct wlf_msg *m)
{
	uint32_t name = m->args[0].u;
	const char *untrusted_iface = (const char *)m->args[1].data;
	uint32_t version = m->args[2].u;
	struct wlf_global_rule rule;

	/* Names the filter's own globals use are never passed on. */
	if (name >= WLF_LOCAL_NAME_BASE || version == 0)
		return 0;
	if (!wlf_policy_global(untrusted_iface, m->args[1].u - 1, &rule))
		return 0;
	if (version > rule.max_version)
		version = rule.max_version;
	struct wlf_global *g = find_global(c, name);
	if (!g) {
		if (c->nglobals < WLF_MAX_GLOBALS) {
			g = &c->globals[c->nglobals++];
		} else {
			for (unsigned i = 0; i < c->nglobals && !g; i++)
				if (c->globals[i].removed)
					g = &c->globals[i];
			if (!g)
				return 0; /* no room: the client does not see it */
		}
	}
	*g = (struct wlf_global){name, rule.iface, version, false};
	return wlf_conn_post(c, reg_id, WLF_EV_REGISTRY_GLOBAL, name, rule.iface->name, version);
}

int wlf_registry_up_remove(struct wlf_conn *c, uint32_t reg_id, const struct wlf_msg *m)
{
	struct wlf_global *g = find_global(c, m->args[0].u);
	if (!g)
		return 0; /* a global this client never saw */
	g->removed = true;
	return wlf_conn_post(c, reg_id, WLF_EV_REGISTRY_GLOBAL_REMOVE, g->name);
}
