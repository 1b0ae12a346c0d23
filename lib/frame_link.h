/* A frame connection we open to the host and keep open: the agent's event
 * connection and appvm-portal's host link. It connects (vsock CID 2, or a
 * Unix socket in tests) without blocking, sends HELLO as the opener, and
 * once the exchange is done hands frames to its owner. When the connection
 * or an attempt fails, it is made again with backoff, forever; the first
 * failure in a row is logged at info level, the rest at debug level, so
 * retrying does not flood the console. An owner with something to send
 * kicks a link waiting in backoff (frame_link_kick): the wait is cut short,
 * but attempts stay at least backoff_first_ms apart, so a busy owner cannot
 * turn kicks into a connect storm.
 *
 * With an epoll fd the link keeps its socket registered itself; without
 * one (-1) the owner polls the fd frame_link_poll gives. */
#ifndef APPVM_FRAME_LINK_H
#define APPVM_FRAME_LINK_H

#include "frame_conn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum frame_link_state {
	FRAME_LINK_OFF,	       /* not started */
	FRAME_LINK_WAIT,       /* until retry_at */
	FRAME_LINK_CONNECTING, /* connect() in progress */
	FRAME_LINK_HELLO,      /* our HELLO sent, its reply awaited */
	FRAME_LINK_UP,
};

struct frame_link_ops {
	/* Our HELLO is queued on a new connection: what this queues follows it
	 * at once, before the peer's reply, which saves a round trip; the peer
	 * reads it once it has answered HELLO, and drops it with the
	 * connection when it refuses. Only for what needs nothing from the
	 * reply. Optional. */
	void (*hello_sent)(void *ctx);
	/* The HELLO exchange is done (c.sess holds the peer's capabilities). */
	void (*up)(void *ctx);
	/* A whole frame after HELLO is in c->rd (frame_ops.frame). */
	void (*frame)(void *ctx, struct frame_conn *c);
	/* The connection or the attempt ended; the next one is scheduled.
	 * Optional. */
	void (*down)(void *ctx, bool was_up);
};

/* What a kind of link is: the same for every link of a program. */
struct frame_link_conf {
	const char *label; /* log lines: "host: vsock 2:1026: why; retrying" */
	uint32_t caps;	   /* sent in HELLO */
	const char *software;
	struct frame_limits lim;   /* out_limit, frames_per_wake, keep_payload */
	uint32_t timeout_ms;	   /* connecting and HELLO together ... */
	uint32_t hello_timeout_ms; /* ... or HELLO this soon after the connect (0: no restart) */
	unsigned backoff_first_ms, backoff_max_ms;
	const struct frame_link_ops *ops;
};

struct frame_link {
	const struct frame_link_conf *conf;
	void *ctx;	       /* handed to conf->ops */
	const char *unix_path; /* the target: a Unix socket, else vsock CID 2 ... */
	uint32_t port;	       /* ... at this port */
	int epfd;	       /* -1: the owner polls; may be set before frame_link_start */
	void *watch;	       /* epoll data.ptr */
	/* The buffer of frame_link_set_out_buf (NULL: the heap) */
	uint8_t *out_buf;
	/* Kept by the link: */
	enum frame_link_state state;
	struct frame_conn c;
	uint64_t retry_at, deadline;
	uint64_t tried_at; /* the last attempt's start (0: none yet) */
	unsigned backoff_ms, failures;
	bool kicked;	  /* kicked during the attempt under way (frame_link_kick) */
	uint32_t next_id; /* frame_link_take_id */
};

/* Prepares l, not started, without a socket, polled by its owner (epfd
 * -1), to connect to the Unix socket unix_path or, when it is NULL, to the
 * host's vsock port. No allocation. */
void frame_link_init(struct frame_link *l, const struct frame_link_conf *conf, void *ctx,
		     const char *unix_path, uint32_t port);

/* Gives the prepared link buf, size bytes, to hold the output queue of
 * every connection, which then never allocates; before frame_link_start.
 * Returns 0, or -EINVAL (nothing set) when size is less than
 * conf->lim.out_limit, what the queue may hold. */
int frame_link_set_out_buf(struct frame_link *l, uint8_t *buf, size_t size);

/* Starts the prepared link: the first attempt is made at the next tick. */
void frame_link_start(struct frame_link *l);

/* The owner has something to send: a link waiting in backoff tries again
 * at once, or backoff_first_ms after its last attempt if that is later
 * (the bound on attempts however often it is kicked), and its backoff
 * starts over from backoff_first_ms (a host coming back while the owner
 * waits is found soon). The owner's next frame_link_tick makes the attempt
 * and lowers its wake-up time. During an attempt (connecting, HELLO) the
 * kick is kept: if that attempt fails, the backoff starts over. Does
 * nothing when the link is up or off. */
void frame_link_kick(struct frame_link *l);

/* Returns the next request id (never 0). */
uint32_t frame_link_take_id(struct frame_link *l);

/* Names the target: the Unix path, or "vsock 2:PORT" written into buf. */
const char *frame_link_target(const struct frame_link *l, char *buf, size_t size);

/* Sends what is queued in l->c.out; a failure ends the connection. */
void frame_link_flush(struct frame_link *l);

/* Ends the connection (or the attempt) and schedules the next one. */
void frame_link_fail(struct frame_link *l, const char *why);

/* Closes the connection; the link is off (FRAME_LINK_OFF), no retry is
 * scheduled (at exit). */
void frame_link_close(struct frame_link *l);

/* Handles readiness of the link's socket (epoll or poll events). */
void frame_link_on_io(struct frame_link *l, uint32_t events);

/* Connects when it is time, ends an attempt past its deadline; lowers *next
 * to the time the link needs next (none while it is up). */
void frame_link_tick(struct frame_link *l, uint64_t now, uint64_t *next);

/* For an owner that polls: the socket and the events to wait for in
 * *ret_events, or -1 while there is no socket. */
int frame_link_poll(const struct frame_link *l, short *ret_events);

#endif
