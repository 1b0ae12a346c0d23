/* A control connection to a guest agent: the host is the opener of the HELLO
 * exchange, then sends requests one at a time and accepts only the reply to
 * the request in flight. Every wait is bounded by the caller's deadline.
 *
 * The pure half (ctl_client_expect, ctl_client_frame in ctl_reply.c) decides
 * what a frame from the guest means; the I/O half (ctl_client.c) moves bytes.
 * Decoded replies point into the client's frame buffer and stay valid until
 * the next call that reads from the guest. */
#ifndef APPVM_CTL_CLIENT_H
#define APPVM_CTL_CLIENT_H

#include <stdint.h>

#include "ctl_error.h"
#include "ctl_target.h"
#include "proto.h"
#include "proto_session.h"
#include "proto_stream.h"

/* Frames that are not the awaited reply (events, guest requests we answer
 * with an error) tolerated per request before the guest counts as flooding. */
#define CTL_MAX_UNSOLICITED 16

struct ctl_client {
	int fd;
	struct proto_reader reader;
	struct proto_session session;
	uint32_t next_id;
	/* The request in flight: its id, type (0: none) and, for PING, nonce. */
	uint32_t want_id;
	uint16_t want_type;
	uint64_t want_nonce;
	unsigned unsolicited;
	/* Bytes read but not yet fed to the reader. */
	uint8_t in[4096];
	size_t in_pos, in_len;
	/* The agent's software string from its HELLO reply (a valid NAME). */
	uint16_t untrusted_software_len;
	char untrusted_software[PROTO_NAME_MAX + 1];
};

enum ctl_frame_verdict {
	CTL_FRAME_SKIP = 0,   /* an event: ignore it */
	CTL_FRAME_REPLY = 1,  /* the awaited reply, in *ret_msg */
	CTL_FRAME_ANSWER = 2, /* a guest request: send the ERROR reply in *ret_msg */
};

/* Prepares a client that owns fd (-1: none yet). No allocation. */
void ctl_client_init(struct ctl_client *c, int fd);

/* Closes the fd and frees the frame buffer. */
void ctl_client_free(struct ctl_client *c);

/* Records req as the request in flight. Pure. */
void ctl_client_expect(struct ctl_client *c, const struct proto_msg *req);

/* Judges one complete frame from the guest. Pure. Returns a verdict, or
 * -EPROTO (protocol violation; err says which), -EREMOTEIO (the guest
 * answered with ERROR; err holds it) or -ENOMEM. */
int ctl_client_frame(struct ctl_client *c, const struct proto_header *untrusted_h,
		     const uint8_t *untrusted_payload, struct proto_msg *ret_msg,
		     struct ctl_error *err);

/* Initialises c, connects to the target and runs the HELLO exchange. Returns
 * 0 or an error as in ctl_error.h; free c with ctl_client_free either way. */
int ctl_client_open(struct ctl_client *c, const struct ctl_target *t, uint64_t deadline,
		    struct ctl_error *err);

/* Runs the HELLO exchange on an already connected fd. */
int ctl_client_hello(struct ctl_client *c, uint64_t deadline, struct ctl_error *err);

/* Sends req (its id is assigned here) and waits for its reply, answering
 * guest requests and skipping events meanwhile. Returns 0 with *ret_reply
 * set, or an error as in ctl_error.h. */
int ctl_client_call(struct ctl_client *c, struct proto_msg *req, struct proto_msg *ret_reply,
		    uint64_t deadline, struct ctl_error *err);

/* Bytes a guest may send after acknowledging SHUTDOWN or REBOOT that are
 * read (and dropped); past them the host only waits for the close. */
#define CTL_AFTER_ACK_MAX 65536

/* Waits until the guest closes the connection, discarding the first
 * CTL_AFTER_ACK_MAX bytes it sends and reading no more (no CPU for a guest
 * that streams). Returns 0 once it is closed, -ETIMEDOUT or -errno. */
int ctl_client_wait_close(struct ctl_client *c, uint64_t deadline, struct ctl_error *err);

#endif
