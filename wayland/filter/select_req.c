/* Requests to the guest's selection objects. The three protocols share
 * their shape: managers create sources and devices, devices set selections,
 * sources list mime types, offers receive into a client's fd. */
#include "select.h"

#include "opcodes.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

#include <stdlib.h>
#include <unistd.h>
#include <wayland-client-protocol.h>

/* Request opcodes common to the three protocols (checked in the unit tests). */
enum {
	MANAGER_CREATE_SOURCE = 0,
	MANAGER_GET_DEVICE = 1,
	MANAGER_DESTROY = 2, /* not in wl_data_device_manager */
	SOURCE_OFFER = 0,
	SOURCE_DESTROY = 1,
};

static int new_object(struct wlf_conn *c, const struct wlf_msg *m, unsigned arg,
		      const struct wl_interface *iface, uint32_t version, void *state)
{
	uint32_t id = m->args[arg].u;
	if (wlf_obj_new_client(&c->objs, id, iface, version, false, NULL) < 0) {
		free(state);
		return wlf_conn_client_error(c, m->h.id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "invalid new id %u", id);
	}
	wlf_obj_get(&c->objs, id)->local = state;
	return 0;
}

static int manager_request(struct wlf_conn *c, uint32_t id, struct wlf_obj *o, enum wlf_proto p,
			   const struct wlf_msg *m)
{
	if (m->h.opcode == MANAGER_DESTROY) {
		wlf_conn_destroy_local(c, id);
		return 0;
	}
	const struct wl_message *ctor = &o->iface->methods[m->h.opcode];
	const struct wl_interface *iface = ctor->types[0];
	if (m->h.opcode == MANAGER_CREATE_SOURCE) {
		struct wlf_source *src = calloc(1, sizeof(*src));
		if (!src)
			return wlf_conn_client_error(c, id, WL_DISPLAY_ERROR_NO_MEMORY,
						     "no memory");
		src->refs = 1;
		src->conn = c;
		src->id = m->args[0].u;
		src->proto = p;
		return new_object(c, m, 0, iface, o->version, src);
	}
	struct wlf_device *d = calloc(1, sizeof(*d));
	if (!d)
		return wlf_conn_client_error(c, id, WL_DISPLAY_ERROR_NO_MEMORY, "no memory");
	*d = (struct wlf_device){c, m->args[0].u, p, o->version, c->devices};
	int r = new_object(c, m, 0, iface, o->version, d);
	if (r < 0)
		return r;
	c->devices = d;
	/* A data-control device learns the selections at once; an app's
	 * device when its client has (or gets) the keyboard focus. */
	if (p == WLF_PROTO_CONTROL || c->kbd_entered > 0)
		for (int sel = 0; sel < WLF_SEL_COUNT; sel++)
			wlf_sel_tell(d, sel);
	return 0;
}

static struct wlf_source *source_arg(struct wlf_conn *c, const struct wlf_arg *a)
{
	struct wlf_obj *o = a->u ? wlf_obj_get(&c->objs, a->u) : NULL;
	return o ? o->local : NULL;
}

/* Sets selection sel from a device request with source argument a. */
static int set_selection(struct wlf_conn *c, uint32_t dev_id, enum wlf_proto p, int sel,
			 const struct wlf_arg *a, bool serial_ok)
{
	struct wlf_source *src = source_arg(c, a);
	if (a->u && !src)
		return wlf_conn_client_error(c, dev_id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "source %u is not usable", a->u);
	if (src && src->used) {
		if (p == WLF_PROTO_CONTROL)
			return wlf_conn_client_error(c, dev_id,
						     ZWLR_DATA_CONTROL_DEVICE_V1_ERROR_USED_SOURCE,
						     "source %u was already used", a->u);
		return 0; /* libwayland 1.21 has no error for it: ignore */
	}
	if (src)
		src->used = true;
	if (!serial_ok) {
		/* Not in answer to input this client got: refused, as a
		 * compositor would, and the source is told. */
		if (src)
			wlf_conn_post(c, src->id,
				      p == WLF_PROTO_DATA ? WLF_EV_DATA_SOURCE_CANCELLED
							  : WLF_EV_OTHER_SOURCE_CANCELLED);
		return 0;
	}
	wlf_sel_set(c->ctx, sel, src);
	return 0;
}

static int device_request(struct wlf_conn *c, uint32_t id, enum wlf_proto p,
			  const struct wlf_msg *m)
{
	switch (p) {
	case WLF_PROTO_DATA:
		if (m->h.opcode == WL_DATA_DEVICE_RELEASE)
			break;
		if (m->h.opcode == WL_DATA_DEVICE_START_DRAG) {
			/* Drag-and-drop is not offered: the drag ends at once. */
			struct wlf_source *src = source_arg(c, &m->args[0]);
			if (src) {
				src->used = true;
				wlf_conn_post(c, src->id, WLF_EV_DATA_SOURCE_CANCELLED);
			}
			return 0;
		}
		return set_selection(c, id, p, WLF_SEL_CLIPBOARD, &m->args[0],
				     wlf_focus_serial_ok(c, m->args[1].u));
	case WLF_PROTO_PRIMARY:
		if (m->h.opcode == ZWP_PRIMARY_SELECTION_DEVICE_V1_DESTROY)
			break;
		return set_selection(c, id, p, WLF_SEL_PRIMARY, &m->args[0],
				     wlf_focus_serial_ok(c, m->args[1].u));
	case WLF_PROTO_CONTROL:
		if (m->h.opcode == ZWLR_DATA_CONTROL_DEVICE_V1_DESTROY)
			break;
		return set_selection(c, id, p,
				     m->h.opcode == ZWLR_DATA_CONTROL_DEVICE_V1_SET_SELECTION
					 ? WLF_SEL_CLIPBOARD
					 : WLF_SEL_PRIMARY,
				     &m->args[0], true);
	}
	wlf_conn_destroy_local(c, id);
	return 0;
}

static int source_request(struct wlf_conn *c, uint32_t id, struct wlf_obj *o, enum wlf_proto p,
			  const struct wlf_msg *m)
{
	struct wlf_source *src = o->local;
	if (m->h.opcode == SOURCE_DESTROY) {
		wlf_conn_destroy_local(c, id);
		return 0;
	}
	if (m->h.opcode == SOURCE_OFFER) {
		if (src->used && p == WLF_PROTO_CONTROL)
			return wlf_conn_client_error(
			    c, id, ZWLR_DATA_CONTROL_SOURCE_V1_ERROR_INVALID_OFFER,
			    "offer after the source was used");
		if (!src->used)
			wlf_source_offer(src, (const char *)m->args[0].data);
		return 0;
	}
	/* wl_data_source.set_actions: drag-and-drop only; check the mask. */
	if (m->args[0].u & ~7u)
		return wlf_conn_client_error(c, id, WL_DATA_SOURCE_ERROR_INVALID_ACTION_MASK,
					     "invalid action mask %#x", m->args[0].u);
	return 0;
}

static int offer_request(struct wlf_conn *c, uint32_t id, struct wlf_obj *o, enum wlf_proto p,
			 const struct wlf_msg *m, int *fds)
{
	struct wlf_offer *offer = o->local;
	uint16_t op = m->h.opcode;
	bool data = p == WLF_PROTO_DATA;
	if ((data && op == WL_DATA_OFFER_RECEIVE) || (!data && op == 0)) {
		struct wlf_source *src = offer->src;
		const char *mime = (const char *)m->args[0].data;
		if (src->conn && !src->cancelled)
			wlf_conn_post(src->conn, src->id,
				      src->proto == WLF_PROTO_DATA ? WLF_EV_DATA_SOURCE_SEND
								   : WLF_EV_OTHER_SOURCE_SEND,
				      mime, fds[0]);
		else
			close(fds[0]); /* the receiver reads end of file */
		return 0;
	}
	if ((data && op == WL_DATA_OFFER_DESTROY) || (!data && op == 1)) {
		wlf_conn_destroy_local(c, id);
		return 0;
	}
	if (op == WL_DATA_OFFER_FINISH)
		return wlf_conn_client_error(c, id, WL_DATA_OFFER_ERROR_INVALID_FINISH,
					     "finish on a selection offer");
	return 0; /* accept, set_actions: drag-and-drop only */
}

int wlf_sel_request(struct wlf_conn *c, uint32_t id, struct wlf_obj *o, const struct wlf_msg *m,
		    int *fds)
{
	enum wlf_proto p;
	enum wlf_role role;
	wlf_sel_kind(o->iface, &p, &role);
	if (role == WLF_ROLE_OFFER)
		return offer_request(c, id, o, p, m, fds);
	wlf_close_fds(fds, m->nfds);
	switch (role) {
	case WLF_ROLE_MANAGER:
		return manager_request(c, id, o, p, m);
	case WLF_ROLE_DEVICE:
		return device_request(c, id, p, m);
	case WLF_ROLE_SOURCE:
		return source_request(c, id, o, p, m);
	case WLF_ROLE_OFFER:
		break;
	}
	return 0;
}
