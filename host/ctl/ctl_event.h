/* Waiting for a guest to become ready (docs/appvmctl.md, "wait-ready").
 *
 * The agent connects to the host's event port as the opener of the HELLO
 * exchange and announces READY; the host listens for that (a Unix socket for
 * the hybrid and unix transports, AF_VSOCK otherwise). In parallel the host
 * polls the agent port with HELLO + PING, which covers a guest that was
 * ready before anyone listened. The first success wins. */
#ifndef APPVM_CTL_EVENT_H
#define APPVM_CTL_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_error.h"
#include "ctl_target.h"
#include "proto.h"
#include "proto_session.h"
#include "proto_stream.h"

/* Event connections served at once. When all are taken, a new connection
 * evicts the oldest one: any process in the guest can connect to the event
 * port, and none of them may keep the agent's READY out. */
#define CTL_EVENT_CONNS 16
/* How long an event connection has for each step: from accept to the end of
 * HELLO, then from there to READY. The agent sends both at once. */
#define CTL_EVENT_STEP_MS 1000
/* Frames after HELLO an event connection may send before READY. */
#define CTL_EVENT_MAX_FRAMES 16
/* Pause between two polls of the agent port, and the longest one poll takes. */
#define CTL_POLL_INTERVAL_MS 500
#define CTL_POLL_ATTEMPT_MS  2000

enum ctl_ready_via {
	CTL_READY_EVENT = 1, /* the guest announced READY on the event port */
	CTL_READY_POLL = 2,  /* the agent answered HELLO + PING */
};

struct ctl_ready {
	enum ctl_ready_via via;
	uint64_t waited_ms;
	uint16_t protocol_version;
	uint16_t untrusted_software_len;
	char untrusted_software[PROTO_NAME_MAX + 1];
	/* From the READY event (via == CTL_READY_EVENT only). */
	uint64_t uptime_ms;
	uint16_t untrusted_vm_name_len;
	char untrusted_vm_name[PROTO_NAME_MAX + 1];
	/* Why the event listener could not be used, when it could not ("": fine). */
	char note[256];
};

struct ctl_event_conn {
	int fd;
	struct proto_reader reader;
	struct proto_session session;
	unsigned frames;
	uint64_t serial;  /* order of acceptance (wait-ready's loop sets it) */
	uint64_t expires; /* monotonic ms by which the current step must end */
	uint8_t in[1024];
	size_t in_pos, in_len;
};

enum ctl_event_verdict {
	CTL_EVENT_MORE = 0,   /* nothing to do; wait for more */
	CTL_EVENT_SEND = 1,   /* send *ret_reply, then wait for more */
	CTL_EVENT_READY = 2,  /* READY arrived; *ret_ready is filled */
	CTL_EVENT_REFUSE = 3, /* send *ret_reply, then fail with -EPROTO (err set) */
};

/* Prepares an event connection that owns fd (-1: none). No allocation. */
void ctl_event_conn_init(struct ctl_event_conn *e, int fd);

/* Closes the fd and frees the frame buffer. */
void ctl_event_conn_free(struct ctl_event_conn *e);

/* Judges one complete frame on an event connection. Pure. Returns a verdict,
 * or -EPROTO (err says why): the connection is then dropped. */
int ctl_event_frame(struct ctl_event_conn *e, const struct proto_header *untrusted_h,
		    const uint8_t *untrusted_payload, struct proto_msg *ret_reply,
		    struct ctl_ready *ret_ready, struct ctl_error *err);

/* Returns in buf the event socket wait-ready listens on: override when not
 * NULL, else "<PATH>_1025" for a hybrid target, else "" (no Unix listener:
 * unix targets without --event-socket, vsock targets). Returns 0 or -EINVAL
 * when the path does not fit a socket address. */
int ctl_event_path(const struct ctl_target *t, const char *override, char *buf, size_t size);

/* Waits until the guest is ready or the deadline passes. event_path is from
 * ctl_event_path. Event connections that break the protocol or are too slow
 * are dropped and the wait goes on (the deadline error names the last one).
 * Returns 0 with *ret filled, -ETIMEDOUT, -EPROTO or -EREMOTEIO (the agent
 * port broke the protocol or answered PING with an error), or -errno. */
int ctl_wait_ready(const struct ctl_target *t, const char *event_path, uint64_t deadline,
		   struct ctl_ready *ret, struct ctl_error *err);

#endif
