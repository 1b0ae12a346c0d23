/* Object tables of one connection: which interface and version every live
 * object id has, on the client's side and on the upstream side, and the
 * renumbering between the two. Pure: memory only.
 *
 * The filter implements some objects itself (the guest's clipboard), so the
 * ids the client uses cannot simply be forwarded: libwayland rejects a new id
 * that skips ahead (wl_map_reserve_new, wl_map_insert_at). Every forwarded
 * object gets its own dense id upstream; every object the filter creates for
 * the client (and every object upstream creates) gets a dense server id
 * towards the client. */
#ifndef APPVM_WAYLAND_OBJECTS_H
#define APPVM_WAYLAND_OBJECTS_H

#include <stdbool.h>
#include <stdint.h>

struct wl_interface;

/* Object flags. */
#define WLF_OBJ_KBD_ENTERED (1u << 0) /* a wl_keyboard whose focus is on this client */

struct wlf_obj {
	const struct wl_interface *iface; /* NULL: free slot */
	uint32_t version;
	uint32_t peer;	/* the id on the other side; 0 for an object the filter implements */
	uint32_t flags; /* WLF_OBJ_* */
	void *local;	/* state of an object the filter implements, or NULL */
};

/* One dense range of ids: [base, base + len). */
struct wlf_table {
	struct wlf_obj *v;
	uint32_t len, cap;
	uint32_t base;
	uint32_t limit; /* most slots ever */
	uint32_t *free; /* ids freed, for wlf_table_alloc to reuse */
	uint32_t nfree, free_cap;
};

struct wlf_objects {
	struct wlf_table cli_c; /* client-facing ids the client allocates (1...) */
	struct wlf_table cli_s; /* client-facing ids the filter allocates (0xff000000...) */
	struct wlf_table up_c;	/* upstream ids the filter allocates; peer = client id */
	struct wlf_table up_s;	/* upstream ids upstream allocates; peer = client id */
};

/* Prepares empty tables allowing up to max_objects ids per range (no allocation). */
void wlf_objects_init(struct wlf_objects *o, uint32_t max_objects);

/* Frees the tables (not the objects' local state). */
void wlf_objects_free(struct wlf_objects *o);

/* Returns the client-facing object with that id, or NULL. */
struct wlf_obj *wlf_obj_get(struct wlf_objects *o, uint32_t id);

/* Returns the client-facing id of upstream object up_id, or 0 when unknown. */
uint32_t wlf_obj_from_upstream(struct wlf_objects *o, uint32_t up_id);

/* Records an object the client created with new_id id: it must be the next
 * id or a free one (the rule libwayland enforces). When forward is set, a
 * dense upstream id is allocated too (*ret_up_id). Returns 0, -EINVAL (not a
 * client id, or it skips ahead), -EEXIST (in use), -ENOSPC (too many
 * objects) or -ENOMEM. */
int wlf_obj_new_client(struct wlf_objects *o, uint32_t id, const struct wl_interface *iface,
		       uint32_t version, bool forward, uint32_t *ret_up_id);

/* Records an object upstream created with server id up_id, replacing the
 * one that id named before (upstream reuses ids of objects the client
 * destroyed), and allocates its client-facing server id (*ret_id). The old
 * client-facing id is returned in *ret_old (0 if none). Returns 0, -EINVAL
 * (not a server id, or it skips ahead), -ENOSPC or -ENOMEM. */
int wlf_obj_new_upstream(struct wlf_objects *o, uint32_t up_id, const struct wl_interface *iface,
			 uint32_t version, uint32_t *ret_id, uint32_t *ret_old);

/* Records an object the filter creates for the client with a fresh server
 * id (*ret_id). Returns 0, -ENOSPC or -ENOMEM. */
int wlf_obj_new_local(struct wlf_objects *o, const struct wl_interface *iface, uint32_t version,
		      void *local, uint32_t *ret_id);

/* Forgets client-facing object id (and its upstream id, if it has one). */
void wlf_obj_remove(struct wlf_objects *o, uint32_t id);

/* Calls fn for every live client-facing object. fn may not add objects. */
void wlf_objects_each(struct wlf_objects *o, void (*fn)(uint32_t id, struct wlf_obj *obj, void *ud),
		      void *ud);

#endif
