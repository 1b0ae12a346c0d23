/* Byte and fd queues of one direction of a connection. Pure apart from
 * closing the fds they own.
 *
 * Wayland fds travel as SCM_RIGHTS beside the bytes, not inside a message:
 * the receiver queues them and each message takes as many as its signature
 * has 'h' arguments. On the way out an fd must reach the peer no later than
 * the first byte of the message that uses it, and one sendmsg may carry at
 * most WLF_MAX_FDS_SEND of them (libwayland's receive buffer). */
#ifndef APPVM_WAYLAND_BUFFER_H
#define APPVM_WAYLAND_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes read but not yet decoded: at least one whole message fits. */
#define WLF_IN_BYTES 16384
/* fds received and not yet used by a message. libwayland peers have at
 * most a few dozen in flight; more is a flood. */
#define WLF_IN_FDS 256
/* fds queued towards a peer. */
#define WLF_OUT_FDS 256

struct wlf_in {
	uint8_t buf[WLF_IN_BYTES];
	size_t len;
	int fds[WLF_IN_FDS];
	unsigned fd_head, nfds; /* ring */
};

struct wlf_out_fd {
	int fd;
	uint64_t pos; /* stream offset of the message that uses it */
};

struct wlf_out {
	uint8_t *data; /* allocated while bytes are pending */
	size_t off, len, cap;
	size_t limit;  /* most pending bytes */
	uint64_t sent; /* stream offset of data[off] */
	struct wlf_out_fd fds[WLF_OUT_FDS];
	unsigned fd_head, nfds; /* ring */
};

void wlf_in_init(struct wlf_in *in);
/* Closes queued fds and empties the queue. */
void wlf_in_clear(struct wlf_in *in);
/* Queues a received fd. Returns 0, or -EMFILE when the queue is full (the
 * fd is then closed). */
int wlf_in_push_fd(struct wlf_in *in, int fd);
/* Removes and returns the oldest fd (the caller owns it); -1 when empty. */
int wlf_in_pop_fd(struct wlf_in *in);
/* Drops the first n bytes (decoded messages). */
void wlf_in_consume(struct wlf_in *in, size_t n);

void wlf_out_init(struct wlf_out *out, size_t limit);
/* Frees the memory and closes queued fds. */
void wlf_out_clear(struct wlf_out *out);
/* Room for at least n more bytes and nfds more fds under the limits? */
bool wlf_out_has_room(const struct wlf_out *out, size_t n, unsigned nfds);
/* Appends one message and the fds it uses (ownership moves to the queue,
 * also on failure, when they are closed). Returns 0, -ENOBUFS (limit) or
 * -ENOMEM. */
int wlf_out_put(struct wlf_out *out, const uint8_t *msg, size_t len, const int *fds, unsigned nfds);

/* What to send next: up to *ret_nfds (≤ WLF_MAX_FDS_SEND) fds with the
 * first *ret_len bytes at *ret_data, so that no message's bytes go before
 * its fds. Returns false when nothing is pending. */
bool wlf_out_next(const struct wlf_out *out, const uint8_t **ret_data, size_t *ret_len,
		  int *ret_fds, unsigned *ret_nfds);
/* Records that len bytes and the first nfds fds were sent: the fds are
 * closed (the peer has its own copies). */
void wlf_out_sent(struct wlf_out *out, size_t len, unsigned nfds);

#endif
