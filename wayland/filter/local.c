/* Objects the filter implements itself, outside the selections: the whole
 * display of a control connection (the guest's data-control socket), which
 * has no upstream — wl_display, wl_registry, wl_callback and a seat without
 * capabilities, enough for data-control clients such as wl-paste. */
#include "internal.h"
#include "opcodes.h"

#include <errno.h>
#include <wayland-client-protocol.h>

int wlf_local_init_control(struct wlf_conn *c)
{
	return wlf_obj_new_client(&c->objs, 1, &wl_display_interface, 1, false, NULL);
}

static int new_local(struct wlf_conn *c, const struct wlf_msg *m, unsigned arg,
		     const struct wl_interface *iface, uint32_t version)
{
	uint32_t id = m->args[arg].u;
	int r = wlf_obj_new_client(&c->objs, id, iface, version, false, NULL);
	if (r < 0)
		return wlf_conn_client_error(c, m->h.id, WL_DISPLAY_ERROR_INVALID_OBJECT,
					     "invalid new id %u", id);
	return 0;
}

static int display_request(struct wlf_conn *c, const struct wlf_msg *m)
{
	uint32_t id = m->args[0].u;
	if (m->h.opcode == WL_DISPLAY_GET_REGISTRY) {
		int r = new_local(c, m, 0, &wl_registry_interface, 1);
		return r < 0 ? r : wlf_registry_announce(c, id);
	}
	/* WL_DISPLAY_SYNC: everything before it is handled already. */
	int r = new_local(c, m, 0, &wl_callback_interface, 1);
	if (r == 0)
		r = wlf_conn_post(c, id, WLF_EV_CALLBACK_DONE, ++c->ctx->serial);
	wlf_conn_destroy_local(c, id);
	return r;
}

int wlf_local_request(struct wlf_conn *c, uint32_t id, struct wlf_obj *o, const struct wlf_msg *m,
		      int *fds)
{
	if (wlf_sel_is_local_iface(o->iface))
		return wlf_sel_request(c, id, o, m, fds);
	wlf_close_fds(fds, m->nfds);
	if (o->iface == &wl_display_interface)
		return display_request(c, m);
	if (o->iface == &wl_seat_interface) {
		if (m->h.opcode == WL_SEAT_RELEASE) {
			wlf_conn_destroy_local(c, id);
			return 0;
		}
		return wlf_conn_client_error(c, id, WL_SEAT_ERROR_MISSING_CAPABILITY,
					     "this seat has no pointer, keyboard or touch");
	}
	return wlf_conn_client_error(c, id, WL_DISPLAY_ERROR_INVALID_METHOD,
				     "%s requests are not supported here", o->iface->name);
}
