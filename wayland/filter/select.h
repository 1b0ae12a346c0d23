/* The guest's own clipboard and primary selection, shared by three
 * protocols: wl_data_device (apps), zwp_primary_selection (apps) and
 * zwlr_data_control (the agent, on the private socket). Data never passes
 * through the filter: an offer's receive fd goes to the source's client in
 * its send event. Private to select.c and select_req.c. */
#ifndef APPVM_WAYLAND_SELECT_H
#define APPVM_WAYLAND_SELECT_H

#include "internal.h"

/* Memory one client's offered mime types may hold. */
#define WLF_MAX_MIME_BYTES (1024 * 1024)

enum wlf_proto { WLF_PROTO_DATA, WLF_PROTO_PRIMARY, WLF_PROTO_CONTROL };
enum wlf_role { WLF_ROLE_MANAGER, WLF_ROLE_DEVICE, WLF_ROLE_SOURCE, WLF_ROLE_OFFER };

struct wlf_source {
	unsigned refs;	       /* the object, the selection slots, offers */
	struct wlf_conn *conn; /* owner; NULL once its object is gone */
	uint32_t id;
	enum wlf_proto proto;
	bool used;	/* set as a selection once: it cannot be set again */
	bool cancelled; /* replaced: its offers are dead */
	unsigned nmimes;
	char *mimes[WLF_MAX_MIMES];
	size_t bytes;
};

struct wlf_device {
	struct wlf_conn *conn;
	uint32_t id;
	enum wlf_proto proto;
	uint32_t version;
	struct wlf_device *next;
};

struct wlf_offer {
	struct wlf_source *src;
};

/* Which protocol and role an interface has; false for other interfaces. */
bool wlf_sel_kind(const struct wl_interface *iface, enum wlf_proto *ret_proto,
		  enum wlf_role *ret_role);

/* Replaces the current selection sel (WLF_SEL_*) by src (may be NULL): the
 * old source is cancelled, and every device that should know is told. */
void wlf_sel_set(struct wlf_ctx *ctx, int sel, struct wlf_source *src);

/* Tells device d the current selection sel (an offer, or none). */
void wlf_sel_tell(struct wlf_device *d, int sel);

/* Adds a mime type to a source (ignored past the limits). */
void wlf_source_offer(struct wlf_source *src, const char *mime);

#endif
