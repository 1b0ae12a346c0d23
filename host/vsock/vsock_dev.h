/* The vsock device proper: takes packets from the guest's TX queue, runs
 * them through the connection state machine, and fills the guest's RX queue
 * with control packets and host data as credit and buffers allow. Pure
 * except through the ops table, which the program implements with sockets
 * and the unit tests with fakes. */
#ifndef APPVM_VSOCK_DEV_H
#define APPVM_VSOCK_DEV_H

#include "vsock_conn.h"
#include "vhost_mem.h"
#include "vsock_pkt.h"
#include "vhost_vq.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* How long a host → guest connection waits for the guest's answer. */
#define VSOCK_CONNECT_TIMEOUT_MS 5000
/* Used TX buffers are returned to the guest in batches: its driver frees
 * them in a work item run from the queues' (shared) interrupt, and one per
 * packet costs more guest time than the packet. Returned and signalled once
 * a quarter of the ring waits; else, once the first waited
 * VSOCK_TX_SIGNAL_DELAY_MS, together with the next RX interrupt (one
 * interrupt, and none in the middle of a round trip: a TX interrupt of its
 * own would come right after the guest's answer, when the next request is
 * on its way); at the latest VSOCK_TX_SIGNAL_ALONE_MS after the first, on
 * its own. */
#define VSOCK_TX_SIGNAL_DELAY_MS 2
#define VSOCK_TX_SIGNAL_ALONE_MS 10

struct vsock_dev_ops {
	/* Guest connects to host port c->host_port: open the host side and set
	 * c->fd. Returns 0 or -errno (the guest then gets a reset). */
	int (*connect)(void *ctx, struct vsock_conn *c);
	/* The guest accepted a host-initiated connection. Returns 0 or -errno. */
	int (*accepted)(void *ctx, struct vsock_conn *c);
	/* Non-blocking readv/writev on a host fd: byte count, 0 on end of
	 * file (readv), -EAGAIN, or -errno. Unless the fd was reported hung
	 * up, a read shorter than asked means it is empty for now: readiness
	 * is reported again (an edge) when more arrives, through
	 * vsock_dev_host_ready(). */
	ssize_t (*readv)(void *ctx, int fd, const struct iovec *iov, int n);
	ssize_t (*writev)(void *ctx, int fd, const struct iovec *iov, int n);
	/* Starts or stops reporting c's host fd writable: on only while data
	 * waits for room, so that every read by the host peer does not wake
	 * the device. */
	void (*watch_write)(void *ctx, struct vsock_conn *c, bool on);
	void (*shutdown_write)(void *ctx, int fd);
	void (*close)(void *ctx, int fd);
};

/* What the guest got wrong (each a rule of docs/vsock.md), and traffic. */
struct vsock_dev_stats {
	uint64_t bad_chains;   /* malformed descriptor chains, handed back unused */
	uint64_t broken_rings; /* corrupt rings, ignored until the device is reset */
	uint64_t bad_packets;  /* headers that broke a rule: reset, or dropped */
	uint64_t violations;   /* connection-state or credit violations: reset */
	uint64_t dropped;      /* spoofed packets, and resets with no room to queue */
	uint64_t resets_sent, pkts_in, pkts_out;
	/* Data packets passed on: from the guest to a live host peer, and from
	 * host peers to the guest (what the polling window counts as work). */
	uint64_t data_to_host, data_to_guest;
};

enum { VSOCK_VQ_RX = 0, VSOCK_VQ_TX = 1, VSOCK_VQ_COUNT = 2 };

struct vsock_dev {
	uint64_t guest_cid;
	struct vhost_mem mem;
	struct vhost_vq vq[VSOCK_VQ_COUNT];
	bool vq_used[VSOCK_VQ_COUNT]; /* pushed since the last notification */
	unsigned tx_unsignalled;      /* TX descriptors held back since then */
	uint64_t tx_since_ms;	      /* when the first was held back, UINT64_MAX: none */
	struct vsock_conns conns;
	const struct vsock_dev_ops *ops;
	void *ctx;
	unsigned rr;	    /* round-robin start for RX fairness */
	unsigned rx_budget; /* RX chains the current pass may still take */
	struct vsock_dev_stats stats;
	/* The last rule the guest broke, for logs: where, and which rule. */
	const char *error_where, *error_what;
};

/* Prepares an idle device with no memory and no connections. */
void vsock_dev_init(struct vsock_dev *d, uint64_t guest_cid, const struct vsock_dev_ops *ops,
		    void *ctx);

/* Does the work possible now: consumes the TX queue, writes guest data to
 * host sockets, fills the RX queue. Sets vq_used[] for queues it used.
 * Returns true when work may be left for another call (the work per call
 * is bounded: a guest that refills its queues as fast as they are served
 * cannot hold it), false when it is idle. */
bool vsock_dev_run(struct vsock_dev *d);

/* Polling (see vsock_poll.h): while on, the guest is not asked to kick
 * when the TX queue is found empty; vsock_dev_tx_waiting() looks for its
 * next buffer. vsock_dev_poll(d, false) asks for kicks again and returns
 * true when a TX buffer is already waiting. */
bool vsock_dev_poll(struct vsock_dev *d, bool on);
bool vsock_dev_tx_waiting(struct vsock_dev *d);

/* Returns the queues whose guest is to be interrupted now, as a mask of
 * 1u << queue: RX whenever the guest wants it; TX chains held back are
 * returned once enough wait, with an RX interrupt or alone when they waited
 * long enough (see VSOCK_TX_SIGNAL_DELAY_MS), and signalled if the guest
 * wants it. */
unsigned vsock_dev_notify_due(struct vsock_dev *d, uint64_t now_ms);

/* Starts a host → guest connection on an accepted client fd (owned by the
 * device from now on). Returns 0 with *ret_host_port set, or -ENOSPC when the
 * table is full (the caller keeps and closes the fd). */
int vsock_dev_host_connect(struct vsock_dev *d, int fd, uint32_t guest_port, uint64_t now_ms,
			   uint32_t *ret_host_port);

/* Marks a connection's host fd readable/writable (from poll events). */
void vsock_dev_host_ready(struct vsock_dev *d, unsigned index, bool readable, bool writable);

/* Marks a connection's host fd hung up (the peer shut down, or an error):
 * readable, and read until end of file even after a short read, since no
 * further event announces the end of file behind the data. */
void vsock_dev_host_hangup(struct vsock_dev *d, unsigned index);

/* Gives up on host → guest connections the guest has not answered in time. */
void vsock_dev_expire(struct vsock_dev *d, uint64_t now_ms);

/* Closes every connection without telling the guest (device reset). */
void vsock_dev_reset_conns(struct vsock_dev *d);

/* Forgets everything the guest did (connections, owed resets, counters) as
 * if the device were new, keeping memory, queues and spare buffers; cheaper
 * than a new device, for a fuzz target's next input. */
void vsock_dev_reset(struct vsock_dev *d);

/* Closes every connection and frees what the device allocated. */
void vsock_dev_free(struct vsock_dev *d);

/* Returns the earliest deadline vsock_dev_expire() or
 * vsock_dev_notify_due() acts on (CLOCK_MONOTONIC ms), or UINT64_MAX when
 * nothing waits, so an idle loop sleeps. */
uint64_t vsock_dev_next_deadline(const struct vsock_dev *d);

/* Returns how many rules the guest has broken in all (the sum of the error
 * counters in stats). */
uint64_t vsock_dev_guest_errors(const struct vsock_dev *d);

#endif
