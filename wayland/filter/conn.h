/* The protocol state of one client connection and of the whole filter.
 * Pure: bytes and fds come in through wlf_in, go out through wlf_out; the
 * event loop (loop.c) moves them to and from sockets.
 *
 * A connection is either forwarded (an app: most objects live upstream, a
 * few the filter implements itself) or a control connection (the guest's
 * private data-control socket: every object is the filter's own). */
#ifndef APPVM_WAYLAND_CONN_H
#define APPVM_WAYLAND_CONN_H

#include "buffer.h"
#include "objects.h"
#include "wire.h"

#include <stdbool.h>
#include <stdint.h>

enum wlf_mode {
	WLF_MODE_HOST,	/* the boundary: allowlist, tags, focus */
	WLF_MODE_GUEST, /* the VM's own clipboard, data-control for the agent */
};

/* Selections: the clipboard and the primary selection. */
enum { WLF_SEL_CLIPBOARD, WLF_SEL_PRIMARY, WLF_SEL_COUNT };

/* Output limits. Reading stops while an output holds WLF_OUT_SOFT bytes
 * (backpressure); a connection whose output would pass its hard limit is
 * dropped (it does not read what it is sent). */
#define WLF_OUT_SOFT	    (256 * 1024)
#define WLF_OUT_HARD_UP	    (1024 * 1024)
#define WLF_OUT_HARD_CLIENT (4 * 1024 * 1024)
#define WLF_MAX_OBJECTS	    100000
#define WLF_MAX_GLOBALS	    128
#define WLF_RECENT_SERIALS  16
#define WLF_MAX_MIMES	    64
#define WLF_MAX_MIME_LEN    255
#define WLF_LOCAL_NAME_BASE 0xfff00000u
#define WLF_MAX_REASON	    160

struct wlf_source;
struct wlf_device;

struct wlf_ctx {
	enum wlf_mode mode;
	const char *vm_name;	/* host: the tag of titles and app ids */
	bool allow_fullscreen;	/* host: fullscreen is not turned into maximized */
	struct wlf_conn *conns; /* every live connection */
	unsigned focused;	/* connections holding keyboard focus */
	bool focus_changed;	/* focused went from 0 to more or back; the loop clears it */
	struct wlf_source *sel[WLF_SEL_COUNT]; /* guest: current selections */
	uint32_t serial;		       /* for events the filter makes up */
	uint64_t next_conn_id;
};

struct wlf_global {
	uint32_t name;
	const struct wl_interface *iface;
	uint32_t version; /* as advertised to the client (capped) */
	bool removed;	  /* global_remove seen: still bindable, slot reusable */
};

enum wlf_conn_state {
	WLF_CONN_OK,
	WLF_CONN_CLIENT_ERROR,	 /* the client broke the protocol: error sent */
	WLF_CONN_UPSTREAM_ERROR, /* upstream broke the protocol or went away */
	WLF_CONN_OVERFLOW,	 /* an output passed its hard limit */
};

struct wlf_conn {
	struct wlf_ctx *ctx;
	struct wlf_conn *next, *prev;
	uint64_t id; /* for logs */
	bool control;
	enum wlf_conn_state state;
	char reason[WLF_MAX_REASON]; /* why the state is not OK, for the log */
	struct wlf_in cin, uin;	     /* from the client, from upstream */
	struct wlf_out cout, uout;   /* to the client, to upstream */
	struct wlf_objects objs;
	struct wlf_global globals[WLF_MAX_GLOBALS];
	unsigned nglobals;
	unsigned kbd_entered;		      /* wl_keyboard objects with focus on this client */
	bool focus_held;		      /* counted in ctx->focused (wlf_conn_refresh_focus) */
	uint32_t serials[WLF_RECENT_SERIALS]; /* recent input event serials */
	unsigned nserials;
	struct wlf_device *devices; /* guest: this client's selection devices */
	size_t mime_bytes;	    /* guest: memory held by this client's offers */
};

/* The focus file's value settles before it is written: when a window
 * closes and another opens, the compositor's leave and enter may reach the
 * filter apart (and another VM's window may hold the focus for a moment in
 * between); a change is written only once it has held WLF_FOCUS_SETTLE_MS,
 * so the file names what really has the focus, not the step between. */
#define WLF_FOCUS_SETTLE_MS 200

struct wlf_focus_settle {
	int written;	  /* the value in the file: 0, 1, or -1 before the first */
	int pending;	  /* a different value seen, not written yet; -1: none */
	uint64_t since;	  /* when pending was first seen (ms) */
	unsigned dropped; /* changes that did not hold (for the log) */
};

/* Feeds the current focus at time now (ms). Returns the value to write now
 * (0 or 1; the caller sets s->written once it is written), or -1: nothing
 * to write, and *ret_wake (when not NULL) is set to when to call again
 * (UINT64_MAX: only on the next change). The first value is written at
 * once. */
int wlf_focus_settle(struct wlf_focus_settle *s, bool focused, uint64_t now, uint64_t *ret_wake);

/* Prepares an empty context. */
void wlf_ctx_init(struct wlf_ctx *ctx, enum wlf_mode mode, const char *vm_name);

/* Creates a connection (control: every object local, no upstream) and adds
 * it to ctx. Returns 0 or -ENOMEM. */
int wlf_conn_new(struct wlf_ctx *ctx, bool control, struct wlf_conn **ret);

/* Removes the connection from ctx, releasing its selections (other clients
 * are told) and all its memory and fds. */
void wlf_conn_free(struct wlf_conn *c);

/* Handles every whole message from the client in c->cin, while the outputs
 * have room. Stops at the first violation (c->state). */
void wlf_conn_from_client(struct wlf_conn *c);

/* The same for messages from upstream in c->uin. */
void wlf_conn_from_upstream(struct wlf_conn *c);

/* Whether the connection wants more bytes from the client / from upstream
 * now (no violation, outputs under the soft limit). */
bool wlf_conn_can_read_client(const struct wlf_conn *c);
bool wlf_conn_can_read_upstream(const struct wlf_conn *c);

/* Ends the connection for a client violation: queues wl_display.error
 * (object, code, message) to the client and stops all processing. Returns
 * -EPROTO for the caller to pass on. */
int wlf_conn_client_error(struct wlf_conn *c, uint32_t object, uint32_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Ends the connection because upstream failed; the client is told with an
 * implementation error. Returns -EPROTO. */
int wlf_conn_upstream_error(struct wlf_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Recounts whether c holds the keyboard focus: a keyboard of it has it,
 * and its events are read (no violation, its output under the soft limit;
 * otherwise a leave could wait unread upstream). The loop calls it once
 * output went out; the core after every message. */
void wlf_conn_refresh_focus(struct wlf_conn *c);

/* Upstream closed the connection: what is queued for the client may still
 * go out, nothing else happens on it (state WLF_CONN_UPSTREAM_ERROR). */
void wlf_conn_upstream_closed(struct wlf_conn *c);

/* Sends an event to the client: args follow object's event signature (u i f
 * o n: uint32_t; s: const char *; a: a struct wlf_blob *; h: int fd, whose
 * ownership passes: it is closed when the event is not sent). Returns 0,
 * -ENOBUFS (the connection is ending, or its output overflowed: it is then
 * marked WLF_CONN_OVERFLOW), or -EINVAL when object has no such event (fds
 * then stay the caller's). */
int wlf_conn_post(struct wlf_conn *c, uint32_t object, unsigned opcode, ...);

/* Sends an encoded message upstream (fds: ownership passes). Returns 0 or
 * -ENOBUFS after marking the connection WLF_CONN_OVERFLOW. */
int wlf_conn_send_up(struct wlf_conn *c, const uint8_t *msg, size_t len, const int *fds,
		     unsigned nfds);

/* Forgets a local object the client destroyed: frees its state, and for a
 * client-allocated id tells the client it may reuse the id (delete_id). */
void wlf_conn_destroy_local(struct wlf_conn *c, uint32_t id);

/* Whether two interfaces are the same (pointer or name, as libwayland). */
bool wlf_iface_eq(const struct wl_interface *a, const struct wl_interface *b);

#endif
