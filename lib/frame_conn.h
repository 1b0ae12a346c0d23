/* Connections carrying protocol frames (docs/protocol.md) over non-blocking
 * stream sockets: the machinery the agent, appvm-portald and appvm-portal
 * share. One frame_conn is a socket with its frame reader, its bounded
 * output queue and its HELLO session, under one set of limits: a read budget
 * per wake-up, backpressure (nothing is read while the queued output is
 * above a mark, so a peer that does not read cannot make us queue without
 * end), a deadline for HELLO and one for finishing a frame begun.
 *
 * A frame_set holds the connections a listener accepted, registered with an
 * epoll instance. A connection that fails is only marked dead and freed by
 * frame_set_sweep() after the loop turn, so a handler never sees one vanish
 * under its feet. The owner keeps only its policy: what a frame means
 * (frame_ops.frame), and what its connections wait for (frame_ops.held).
 *
 * Events are epoll's (EPOLLIN...), which on Linux have poll's values too. */
#ifndef APPVM_FRAME_CONN_H
#define APPVM_FRAME_CONN_H

#include "outbuf.h"
#include "proto_session.h"
#include "proto_stream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The limits of one kind of connection. */
struct frame_limits {
	size_t out_limit;	   /* bytes queued for sending at most */
	size_t out_high;	   /* nothing is read while this many wait (0: no mark) */
	size_t keep_payload;	   /* larger frame buffers are freed after use (0: kept) */
	unsigned frames_per_wake;  /* frames handled per wake-up */
	uint32_t hello_timeout_ms; /* HELLO done this soon after the accept (frame_set) */
	uint32_t frame_timeout_ms; /* a frame begun is finished this soon (0: no limit) */
};

struct frame_set;

struct frame_conn {
	struct frame_conn *next; /* in its set */
	struct frame_set *set;	 /* NULL outside a set */
	void *owner;		 /* the owner's record of this connection */
	void *watch;		 /* its epoll data.ptr */
	int fd;			 /* -1: closed */
	unsigned serial;	 /* in log lines, to owners: never 0, unique in the set */
	uint32_t mask;		 /* events registered with epoll */
	struct proto_reader rd;	 /* the frame read; whole during a frame callback */
	struct proto_session sess;
	struct outbuf out;
	uint64_t hello_deadline;
	uint64_t frame_deadline; /* a frame is half read: it must be complete by then (0: none) */
	bool dead;		 /* closed at the end of this loop turn */
	bool eof;		 /* the peer shut down its sending side */
	bool close_after;	 /* close once out is sent */
};

struct frame_ops {
	/* A whole frame is in c->rd. The handler may queue replies in c->out,
	 * set c->close_after, or end c (frame_conn_kill). Required. */
	void (*frame)(void *ctx, struct frame_conn *c);
	/* True while the owner waits for something on c's behalf: nothing is
	 * read from c, and c is not closed at end of file, meanwhile. Optional. */
	bool (*held)(const struct frame_conn *c);
	/* Called after each attempt to send on a live connection of a set (the
	 * queue may still hold bytes). Optional. */
	void (*sent)(void *ctx, struct frame_conn *c);
	/* c is leaving its set: its socket is closed and its buffers freed
	 * already; drop what refers to it and free the owner's record. Required
	 * for a set. */
	void (*gone)(void *ctx, struct frame_conn *c);
};

/* Prepares c around fd (non-blocking; -1 for none yet) with an empty reader
 * and queue. No allocation. */
void frame_conn_init(struct frame_conn *c, int fd, size_t out_limit);

/* Closes c's socket and frees its buffers; c can be prepared again. */
void frame_conn_release(struct frame_conn *c);

/* Returns true while c may be read: open, alive, not at end of file, not
 * closing, below the output mark and not held. */
bool frame_conn_may_read(const struct frame_conn *c, const struct frame_limits *lim,
			 const struct frame_ops *ops);

/* Sends what c's queue holds. Returns 0 (all sent, or the socket is full)
 * or -errno. */
int frame_conn_flush(struct frame_conn *c);

/* Reads whole frames while c may read, at most lim->frames_per_wake of
 * them, calling ops->frame(ctx, c) for each and sending what it queued
 * before the next read. A frame left half read starts c->frame_deadline
 * (when lim->frame_timeout_ms is set). Returns 0, -ENODATA when the peer
 * closed between frames (c->eof is set), another error of proto_read_frame,
 * or the send's -errno (the connection is to be closed). */
int frame_conn_read(struct frame_conn *c, const struct frame_limits *lim,
		    const struct frame_ops *ops, void *ctx);

/* The connections of one listener. The owner fills the first members and
 * calls frame_set_init. */
struct frame_set {
	const char *label;	/* "client": log lines read "client 3: closed: why" */
	const char *closed_why; /* logged when the peer closes (NULL: not logged) */
	struct frame_limits lim;
	const struct frame_ops *ops;
	void *ctx;
	int epfd;
	/* Kept by the set: */
	struct frame_conn *head;
	unsigned n, next_serial;
};

/* Empties the list of s. */
void frame_set_init(struct frame_set *s);

/* Takes fd, just accepted, into s as c (zeroed by the caller, who sets the
 * session afterwards): registers it with epoll for reading with data.ptr =
 * watch, starts its HELLO deadline. Returns 0, or -errno (c is not taken;
 * fd stays the caller's). */
int frame_set_add(struct frame_set *s, struct frame_conn *c, int fd, void *owner, void *watch);

/* Marks c dead (freed at the next sweep); why, when not NULL, is logged. */
void frame_conn_kill(struct frame_conn *c, const char *why);

/* Handles readiness of c: sends, reads and handles frames, then settles. */
void frame_set_on_io(struct frame_set *s, struct frame_conn *c, uint32_t events);

/* Sends what can be sent, then settles c's epoll interest and end of life
 * (closed once its queue is empty after end of file or close_after). Never
 * reads, so it is safe while a frame of c is handled. */
void frame_set_settle(struct frame_set *s, struct frame_conn *c);

/* Ends connections past their HELLO or frame deadline; lowers *next to the
 * earliest deadline left. */
void frame_set_tick(struct frame_set *s, uint64_t now, uint64_t *next);

/* Frees the connections marked dead (ops->gone for each). */
void frame_set_sweep(struct frame_set *s);

/* Closes every connection (at exit). */
void frame_set_close_all(struct frame_set *s);

#endif
