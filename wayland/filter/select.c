/* Selection state of the guest: sources, devices, offers, and who is told
 * what when the selection or the keyboard focus changes. */
#include "select.h"

#include "opcodes.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>

static const struct {
	const struct wl_interface *iface;
	enum wlf_proto proto;
	enum wlf_role role;
} kinds[] = {
    {&wl_data_device_manager_interface, WLF_PROTO_DATA, WLF_ROLE_MANAGER},
    {&wl_data_device_interface, WLF_PROTO_DATA, WLF_ROLE_DEVICE},
    {&wl_data_source_interface, WLF_PROTO_DATA, WLF_ROLE_SOURCE},
    {&wl_data_offer_interface, WLF_PROTO_DATA, WLF_ROLE_OFFER},
    {&zwp_primary_selection_device_manager_v1_interface, WLF_PROTO_PRIMARY, WLF_ROLE_MANAGER},
    {&zwp_primary_selection_device_v1_interface, WLF_PROTO_PRIMARY, WLF_ROLE_DEVICE},
    {&zwp_primary_selection_source_v1_interface, WLF_PROTO_PRIMARY, WLF_ROLE_SOURCE},
    {&zwp_primary_selection_offer_v1_interface, WLF_PROTO_PRIMARY, WLF_ROLE_OFFER},
    {&zwlr_data_control_manager_v1_interface, WLF_PROTO_CONTROL, WLF_ROLE_MANAGER},
    {&zwlr_data_control_device_v1_interface, WLF_PROTO_CONTROL, WLF_ROLE_DEVICE},
    {&zwlr_data_control_source_v1_interface, WLF_PROTO_CONTROL, WLF_ROLE_SOURCE},
    {&zwlr_data_control_offer_v1_interface, WLF_PROTO_CONTROL, WLF_ROLE_OFFER},
};

bool wlf_sel_kind(const struct wl_interface *iface, enum wlf_proto *ret_proto,
		  enum wlf_role *ret_role)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].iface == iface) {
			*ret_proto = kinds[i].proto;
			*ret_role = kinds[i].role;
			return true;
		}
	return false;
}

bool wlf_sel_is_local_iface(const struct wl_interface *iface)
{
	enum wlf_proto p;
	enum wlf_role r;
	return wlf_sel_kind(iface, &p, &r);
}

static void source_drop_mimes(struct wlf_source *src)
{
	for (unsigned i = 0; i < src->nmimes; i++)
		free(src->mimes[i]);
	src->nmimes = 0;
	if (src->conn)
		src->conn->mime_bytes -= src->bytes;
	src->bytes = 0;
}

static void source_unref(struct wlf_source *src)
{
	if (src && --src->refs == 0) {
		source_drop_mimes(src);
		free(src);
	}
}

void wlf_source_offer(struct wlf_source *src, const char *mime)
{
	size_t n = strlen(mime);
	if (src->nmimes == WLF_MAX_MIMES || n > WLF_MAX_MIME_LEN ||
	    src->conn->mime_bytes + n + 1 > WLF_MAX_MIME_BYTES)
		return;
	for (unsigned i = 0; i < src->nmimes; i++)
		if (strcmp(src->mimes[i], mime) == 0)
			return;
	char *copy = strdup(mime);
	if (!copy)
		return;
	src->mimes[src->nmimes++] = copy;
	src->bytes += n + 1;
	src->conn->mime_bytes += n + 1;
}

static bool device_wants(const struct wlf_device *d, int sel)
{
	switch (d->proto) {
	case WLF_PROTO_DATA:
		return sel == WLF_SEL_CLIPBOARD;
	case WLF_PROTO_PRIMARY:
		return sel == WLF_SEL_PRIMARY;
	case WLF_PROTO_CONTROL:
		return sel == WLF_SEL_CLIPBOARD || d->version >= 2;
	}
	return false;
}

static uint16_t selection_event(const struct wlf_device *d, int sel)
{
	switch (d->proto) {
	case WLF_PROTO_DATA:
		return WLF_EV_DATA_DEVICE_SELECTION;
	case WLF_PROTO_PRIMARY:
		return WLF_EV_PRIMARY_DEVICE_SELECTION;
	case WLF_PROTO_CONTROL:
		break;
	}
	return sel == WLF_SEL_CLIPBOARD ? WLF_EV_CONTROL_DEVICE_SELECTION
					: WLF_EV_CONTROL_DEVICE_PRIMARY_SELECTION;
}

static const struct wl_interface *offer_iface(enum wlf_proto p)
{
	switch (p) {
	case WLF_PROTO_DATA:
		return &wl_data_offer_interface;
	case WLF_PROTO_PRIMARY:
		return &zwp_primary_selection_offer_v1_interface;
	case WLF_PROTO_CONTROL:
		break;
	}
	return &zwlr_data_control_offer_v1_interface;
}

void wlf_sel_tell(struct wlf_device *d, int sel)
{
	struct wlf_conn *c = d->conn;
	struct wlf_source *src = c->ctx->sel[sel];
	if (c->state != WLF_CONN_OK || !device_wants(d, sel))
		return;
	if (!src) {
		wlf_conn_post(c, d->id, selection_event(d, sel), 0u);
		return;
	}
	struct wlf_offer *offer = malloc(sizeof(*offer));
	uint32_t oid;
	if (!offer ||
	    wlf_obj_new_local(&c->objs, offer_iface(d->proto), d->version, offer, &oid) < 0) {
		free(offer);
		wlf_conn_client_error(c, d->id, WL_DISPLAY_ERROR_NO_MEMORY, "too many objects");
		return;
	}
	offer->src = src;
	src->refs++;
	/* data_offer is opcode 0 in all three device interfaces. */
	wlf_conn_post(c, d->id, WLF_EV_DATA_DEVICE_DATA_OFFER, oid);
	for (unsigned i = 0; i < src->nmimes; i++)
		wlf_conn_post(c, oid, WLF_EV_OFFER_OFFER, src->mimes[i]);
	wlf_conn_post(c, d->id, selection_event(d, sel), oid);
}

static void broadcast(struct wlf_ctx *ctx, int sel)
{
	for (struct wlf_conn *c = ctx->conns; c; c = c->next) {
		if (c->state != WLF_CONN_OK)
			continue;
		for (struct wlf_device *d = c->devices; d; d = d->next)
			if (d->proto == WLF_PROTO_CONTROL || c->kbd_entered > 0)
				wlf_sel_tell(d, sel);
	}
}

void wlf_sel_set(struct wlf_ctx *ctx, int sel, struct wlf_source *src)
{
	struct wlf_source *old = ctx->sel[sel];
	if (old == src)
		return;
	ctx->sel[sel] = src;
	if (src)
		src->refs++;
	if (old) {
		old->cancelled = true;
		if (old->conn)
			wlf_conn_post(old->conn, old->id,
				      old->proto == WLF_PROTO_DATA ? WLF_EV_DATA_SOURCE_CANCELLED
								   : WLF_EV_OTHER_SOURCE_CANCELLED);
		source_drop_mimes(old);
		source_unref(old);
	}
	broadcast(ctx, sel);
}

void wlf_sel_focus_in(struct wlf_conn *c)
{
	for (int sel = 0; sel < WLF_SEL_COUNT; sel++)
		for (struct wlf_device *d = c->devices; d; d = d->next)
			if (d->proto != WLF_PROTO_CONTROL)
				wlf_sel_tell(d, sel);
}

void wlf_sel_free_local(struct wlf_conn *c, uint32_t id, struct wlf_obj *o)
{
	(void)id;
	enum wlf_proto proto;
	enum wlf_role role;
	if (!o->local || !wlf_sel_kind(o->iface, &proto, &role))
		return;
	void *state = o->local;
	o->local = NULL;
	switch (role) {
	case WLF_ROLE_MANAGER:
		break;
	case WLF_ROLE_DEVICE:
		for (struct wlf_device **p = &c->devices; *p; p = &(*p)->next)
			if (*p == state) {
				*p = ((struct wlf_device *)state)->next;
				break;
			}
		free(state);
		break;
	case WLF_ROLE_SOURCE: {
		struct wlf_source *src = state;
		source_drop_mimes(src);
		src->conn = NULL;
		for (int sel = 0; sel < WLF_SEL_COUNT; sel++)
			if (c->ctx->sel[sel] == src)
				wlf_sel_set(c->ctx, sel, NULL);
		source_unref(src);
		break;
	}
	case WLF_ROLE_OFFER:
		source_unref(((struct wlf_offer *)state)->src);
		free(state);
		break;
	}
}
