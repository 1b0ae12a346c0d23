/* A client of wlr-data-control (zwlr_data_control_manager_v1, version 1):
 * reads the MIME types of a compositor's clipboard selection, receives its
 * content into a pipe, sets a selection of its own and hears when a client
 * wants that content. Used by the agent (the VM's selection, through the
 * guest filter's data-control socket) and by appvmctl (the host's).
 *
 * Nothing here blocks: the caller polls wlclip_fd() (readable, and writable
 * while wlclip_flush() says requests are queued) and calls wlclip_io(). The
 * compositor is trusted by whoever connects to it (the agent trusts its VM's
 * filter, appvmctl the host compositor); of the MIME types an offer lists,
 * at most WLCLIP_MAX_MIMES are kept, each 1-255 bytes of printable ASCII
 * (X11 names such as UTF8_STRING included: they are no MIME types, but
 * common). */
#ifndef APPVM_WLCLIP_H
#define APPVM_WLCLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WLCLIP_MAX_MIMES 64u
#define WLCLIP_MIME_MAX	 255u

struct wlclip;

struct wlclip_ops {
	/* The selection changed (a new offer, or none). May be NULL. */
	void (*selection)(void *data);
	/* A client asks for our selection as mime: write it to fd and close
	 * it. fd belongs to the callee. NULL: fd is closed (the reader sees
	 * nothing). */
	void (*send)(void *data, const char *mime, int fd);
	/* Our selection was replaced or cleared by someone else. May be NULL. */
	void (*cancelled)(void *data);
	/* The compositor has handled the request that returned token
	 * (wlclip_set, wlclip_clear). May be NULL. */
	void (*done)(void *data, uint32_t token);
};

/* Connects to the compositor socket at path (NULL: $WAYLAND_DISPLAY, a name
 * relative to $XDG_RUNTIME_DIR or an absolute path, default "wayland-0"),
 * without blocking, and asks for the globals. The connection becomes ready
 * (wlclip_ready) a few round trips later. ops is kept by pointer. Returns 0,
 * or -errno with one line in err (-ENOENT: no such socket, -ECONNREFUSED:
 * nobody listens, -EAGAIN: its backlog is full). */
int wlclip_connect(struct wlclip **ret, const char *path, const struct wlclip_ops *ops, void *data,
		   char *err, size_t errlen);

/* Disconnects: our selection, if any, ends with the connection. NULL is fine. */
void wlclip_free(struct wlclip *c);

/* The connection's fd, for poll or epoll. */
int wlclip_fd(const struct wlclip *c);

/* Reads what the compositor sent, calls the ops it calls for and sends the
 * requests they made. Call it when the fd is readable or writable (or at any
 * time: it never waits). Returns 0, or -errno once the connection is unusable
 * (closed, a protocol error, no data-control global), with err saying why. */
int wlclip_io(struct wlclip *c, char *err, size_t errlen);

/* Sends queued requests. Returns 0 when all are sent, 1 when some wait for
 * the socket to become writable (poll for POLLOUT, call again), or -errno. */
int wlclip_flush(struct wlclip *c);

/* Returns true once data-control is bound and the current selection known. */
bool wlclip_ready(const struct wlclip *c);

/* Returns true while there is a selection (someone's offer, ours included). */
bool wlclip_has_selection(const struct wlclip *c);

/* The MIME types of the current selection: sets *ret to an array of n
 * strings, valid until the next wlclip_io. Returns n (0 without a selection). */
unsigned wlclip_mimes(const struct wlclip *c, const char *const **ret);

/* Asks the selection's owner to write its content as mime into a pipe.
 * Returns the pipe's read end (non-blocking, close-on-exec; end of file when
 * the owner is done), or -ENOENT without a selection, -errno. */
int wlclip_receive(struct wlclip *c, const char *mime);

/* Makes a new source offering mimes (n ≥ 1) our selection; ops->send is
 * called when someone wants it, ops->cancelled when it is replaced. A
 * source set before is dropped. *ret_token is passed to ops->done once the
 * compositor has handled it. Returns 0 or -errno (-EINVAL: a bad MIME). */
int wlclip_set(struct wlclip *c, const char *const *mimes, unsigned n, uint32_t *ret_token);

/* Clears the selection (whoever owns it). Returns 0 or -errno; *ret_token
 * as for wlclip_set. */
int wlclip_clear(struct wlclip *c, uint32_t *ret_token);

/* Returns true while a source of ours is the selection (set, not cancelled). */
bool wlclip_owns(const struct wlclip *c);

#endif
