/* Functions shared by the files of the protocol core; not for the loop. */
#ifndef APPVM_WAYLAND_INTERNAL_H
#define APPVM_WAYLAND_INTERNAL_H

#include "conn.h"

/* conn.c */
void wlf_close_fds(int *fds, unsigned n);
/* Queues an already encoded message to the client. Returns 0 or -ENOBUFS
 * (connection marked WLF_CONN_OVERFLOW). */
int wlf_conn_put_client(struct wlf_conn *c, const uint8_t *msg, size_t len, const int *fds,
			unsigned nfds);
/* The message name for logs and errors: "iface.name". */
const char *wlf_msg_name(const struct wl_interface *iface, const struct wl_message *m, char *buf,
			 size_t size);

/* conn_up.c: one whole message from upstream. */
int wlf_upstream_message(struct wlf_conn *c, const struct wlf_header *h, const uint8_t *raw);

/* registry.c */
/* wl_registry.bind on registry reg_id: checks the name against what this
 * client was shown, then binds upstream or creates a local object. */
int wlf_registry_bind(struct wlf_conn *c, uint32_t reg_id, struct wlf_obj *reg,
		      const struct wlf_msg *m);
/* Tells a new registry about the filter's own globals. */
int wlf_registry_announce(struct wlf_conn *c, uint32_t reg_id);
/* wl_registry.global / global_remove from upstream, already translated to
 * registry reg_id: forwards allowed globals (capped) and drops the rest. */
int wlf_registry_up_global(struct wlf_conn *c, uint32_t reg_id, const struct wlf_msg *m);
int wlf_registry_up_remove(struct wlf_conn *c, uint32_t reg_id, const struct wlf_msg *m);

/* focus.c: keyboard focus and input serials seen by this client. */
void wlf_focus_serial(struct wlf_conn *c, uint32_t serial);
bool wlf_focus_serial_ok(const struct wlf_conn *c, uint32_t serial);
/* A wl_keyboard got (enter) or lost (leave, or its object went away) the focus. */
void wlf_focus_enter(struct wlf_conn *c, struct wlf_obj *kbd);
void wlf_focus_leave(struct wlf_conn *c, struct wlf_obj *kbd);
/* The connection goes away: it no longer holds any focus. */
void wlf_focus_conn_gone(struct wlf_conn *c);

/* local.c: a request to an object the filter implements (fds: ownership
 * passes). */
int wlf_local_request(struct wlf_conn *c, uint32_t id, struct wlf_obj *o, const struct wlf_msg *m,
		      int *fds);
/* Creates the objects a control connection starts with (wl_display). */
int wlf_local_init_control(struct wlf_conn *c);

/* select.c / select_req.c: the guest's clipboard and primary selection. */
bool wlf_sel_is_local_iface(const struct wl_interface *iface);
int wlf_sel_request(struct wlf_conn *c, uint32_t id, struct wlf_obj *o, const struct wlf_msg *m,
		    int *fds);
/* The client got keyboard focus: its devices learn the current selections. */
void wlf_sel_focus_in(struct wlf_conn *c);
/* Frees the local state of object o of connection c (the object is going away). */
void wlf_sel_free_local(struct wlf_conn *c, uint32_t id, struct wlf_obj *o);

#endif
