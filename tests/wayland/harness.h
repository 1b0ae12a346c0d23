/* Test harness for the filter's protocol core: writes requests and events
 * into a connection's inputs as a client or upstream would, and reads what
 * the core queued on its outputs. */
#ifndef APPVM_TESTS_WAYLAND_HARNESS_H
#define APPVM_TESTS_WAYLAND_HARNESS_H

#include "conn.h"

#include <stdbool.h>
#include <stdint.h>

struct h_msg {
	uint32_t id;
	uint16_t opcode;
	uint16_t size;
	uint8_t raw[WLF_MAX_MSG];
};

/* Appends a message to in. fmt has one letter per argument: u i o n
 * (uint32_t), s (const char *, NULL for null), a (const struct wlf_blob *),
 * h (int fd, queued with the bytes; ownership passes). */
void h_put(struct wlf_in *in, uint32_t id, unsigned opcode, const char *fmt, ...);

/* Appends raw bytes to in. */
void h_put_raw(struct wlf_in *in, const void *data, size_t len);

/* A request from the client / an event from upstream, then runs the core. */
#define h_req(c, id, op, ...)                                                                      \
	do {                                                                                       \
		h_put(&(c)->cin, id, op, __VA_ARGS__);                                             \
		wlf_conn_from_client(c);                                                           \
	} while (0)
#define h_ev(c, id, op, ...)                                                                       \
	do {                                                                                       \
		h_put(&(c)->uin, id, op, __VA_ARGS__);                                             \
		wlf_conn_from_upstream(c);                                                         \
	} while (0)

/* Removes the next whole message from out into m. Returns false when none. */
bool h_next(struct wlf_out *out, struct h_msg *m);

/* Removes messages from out until one for (id, opcode); returns false if none. */
bool h_find(struct wlf_out *out, uint32_t id, uint16_t opcode, struct h_msg *m);

/* Counts the whole messages queued in out without removing them. */
unsigned h_count(const struct wlf_out *out);

/* Removes the oldest fd queued in out and returns a duplicate (caller closes). */
int h_take_fd(struct wlf_out *out);

/* Frees every connection of ctx. */
void h_free_all(struct wlf_ctx *ctx);

/* Drops everything queued on both outputs. */
void h_drain(struct wlf_conn *c);

/* Word i of a message (0: object id). */
uint32_t h_word(const struct h_msg *m, unsigned i);

/* The string argument starting at word i of a message. */
const char *h_string(const struct h_msg *m, unsigned i);

/* A pipe's read end; *ret_w gets the write end. */
int h_pipe(int *ret_w);

#endif
