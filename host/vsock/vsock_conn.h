/* The connection table: one entry per stream between a host Unix socket and
 * a guest vsock port, with its credit accounting (virtio 1.2, 5.10.6.3) in
 * both directions and the bounded buffer for guest → host data. Pure: the
 * entries carry their host fd but never touch it. */
#ifndef APPVM_VSOCK_CONN_H
#define APPVM_VSOCK_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/* At most this many connections at once; a connection's buffer is allocated
 * when the guest first sends it data, so memory stays below
 * VSOCK_CONN_MAX * VSOCK_CONN_BUF, and connections that never speak cost
 * only their table entry. */
#define VSOCK_CONN_MAX 256
/* Connections the guest may open itself: the rest of the table is kept for
 * host clients, which a guest holding every entry would lock out. */
#define VSOCK_CONN_GUEST_MAX (VSOCK_CONN_MAX - 32)
/* Buffer for guest → host data, advertised to the guest as buf_alloc: the
 * guest may never have more than this in flight to us. Power of two. */
#define VSOCK_CONN_BUF (256u * 1024u)
/* Buffers of closed connections kept for the next ones, so that a stream of
 * short connections does not map and unmap 256 KiB each time. */
#define VSOCK_CONN_SPARE 8
/* Resets owed for packets that have no connection; more are dropped. */
#define VSOCK_RST_QUEUE 128
/* First host port handed to host → guest connections (as Firecracker does,
 * far above the ports guests usually listen on). */
#define VSOCK_CONN_FIRST_PORT (1u << 30)

enum vsock_conn_state {
	VSOCK_CONN_FREE = 0,
	VSOCK_CONN_CONNECTING, /* host-initiated, REQUEST owed or sent, no RESPONSE yet */
	VSOCK_CONN_CONNECTED,
};

/* Control packets owed to the guest, sent as RX buffers allow. */
enum {
	VSOCK_SEND_REQUEST = 1u << 0,
	VSOCK_SEND_RESPONSE = 1u << 1,
	VSOCK_SEND_SHUTDOWN = 1u << 2,
	VSOCK_SEND_CREDIT_UPDATE = 1u << 3,
};

struct vsock_conn {
	enum vsock_conn_state state;
	bool by_guest; /* opened by the guest's REQUEST: counted in n_guest */
	uint32_t host_port, guest_port;
	int fd;
	uint32_t send;		 /* VSOCK_SEND_* */
	uint32_t shutdown_flags; /* flags of the owed SHUTDOWN */
	uint64_t deadline_ms;	 /* CONNECTING gives up after this */

	/* guest → host: ring buffer of VSOCK_CONN_BUF bytes, NULL until used */
	uint8_t *buf;
	uint32_t buf_head, buf_used;
	uint32_t rcv_cnt;      /* bytes received from the guest, wrapping */
	uint32_t fwd_cnt;      /* bytes passed on to the host socket, wrapping */
	uint32_t fwd_cnt_sent; /* fwd_cnt as last told to the guest */
	bool guest_shut_send, guest_shut_rcv;
	bool host_wr_shut;  /* shutdown(SHUT_WR) done on the host socket */
	bool host_writable; /* no EAGAIN since the host fd was last reported writable */
	bool write_watched; /* the host fd's writability is watched */

	/* host → guest */
	uint32_t tx_cnt;	 /* bytes sent to the guest, wrapping */
	uint32_t peer_buf_alloc; /* the guest's receive buffer */
	uint32_t peer_fwd_cnt;	 /* bytes the guest's application consumed */
	bool host_eof, host_readable;
	bool host_hup; /* the host peer shut down: read on to end of file */
};

struct vsock_rst {
	uint32_t host_port, guest_port;
};

struct vsock_conns {
	struct vsock_conn c[VSOCK_CONN_MAX];
	unsigned n_used;
	unsigned n_guest; /* entries by_guest, at most VSOCK_CONN_GUEST_MAX */
	struct vsock_rst rst[VSOCK_RST_QUEUE];
	unsigned rst_head, rst_n;
	uint32_t next_port;
	uint8_t *spare[VSOCK_CONN_SPARE];
	unsigned n_spare;
};

/* Empties the table (no entry may hold a buffer, none is spare). */
void vsock_conns_init(struct vsock_conns *t);

/* Frees the spare buffers (every entry must be free). */
void vsock_conns_free(struct vsock_conns *t);

/* Returns the entry for the address pair, or NULL. */
struct vsock_conn *vsock_conn_find(struct vsock_conns *t, uint32_t host_port, uint32_t guest_port);

/* Takes a free entry, state CONNECTED by default, by_guest as given.
 * Returns it, or NULL when the table is full (for the guest: when it holds
 * VSOCK_CONN_GUEST_MAX entries). */
struct vsock_conn *vsock_conn_new(struct vsock_conns *t, uint32_t host_port, uint32_t guest_port,
				  bool by_guest);

/* Gives the entry a buffer (a spare one if there is) if it has none yet.
 * Returns 0 or -ENOMEM. */
int vsock_conn_buf_alloc(struct vsock_conns *t, struct vsock_conn *c);

/* Marks an entry free, keeping its buffer as a spare or freeing it; the
 * caller closed its fd. */
void vsock_conn_release(struct vsock_conns *t, struct vsock_conn *c);

/* Returns the slot number of c, stable for its lifetime. */
unsigned vsock_conn_index(const struct vsock_conns *t, const struct vsock_conn *c);

/* Returns a host port not used by any connection with guest_port. */
uint32_t vsock_conn_alloc_port(struct vsock_conns *t, uint32_t guest_port);

/* Returns how many bytes may be sent to the guest now without overrunning
 * the receive buffer it advertised. */
uint32_t vsock_conn_peer_credit(const struct vsock_conn *c);

/* Counts len bytes of data from the guest in rcv_cnt. Returns 0, or
 * -ENOBUFS when they exceed the credit the guest was given: what it may
 * have in flight is the buffer size less what it was told is not yet
 * passed on (fwd_cnt_sent), whatever has been passed on since. */
int vsock_conn_receive(struct vsock_conn *c, uint32_t len);

/* Returns the contiguous free space at the buffer's tail and its length
 * (the buffer must have been allocated). */
uint32_t vsock_conn_buf_space(struct vsock_conn *c, uint8_t **ret_ptr);

/* Records n bytes written into the space vsock_conn_buf_space() gave. */
void vsock_conn_buf_commit(struct vsock_conn *c, uint32_t n);

/* Fills ret_iov with the buffered bytes, oldest first (two pieces when
 * they wrap). Returns the number of pieces, 0 when the buffer is empty. */
int vsock_conn_buf_iov(struct vsock_conn *c, struct iovec ret_iov[2]);

/* Counts n bytes passed on to the host in fwd_cnt, and asks for a credit
 * update when the guest's view of free space is well behind. */
void vsock_conn_forwarded(struct vsock_conn *c, uint32_t n);

/* Drops n bytes from the head after they reached the host, as
 * vsock_conn_forwarded(). */
void vsock_conn_buf_consume(struct vsock_conn *c, uint32_t n);

/* Queues a reset for an address pair that has no entry. Returns 0, or
 * -ENOBUFS when the queue is full and the reset was dropped. */
int vsock_rst_push(struct vsock_conns *t, uint32_t host_port, uint32_t guest_port);

/* Takes the oldest queued reset. Returns false when none is queued. */
bool vsock_rst_pop(struct vsock_conns *t, struct vsock_rst *ret_rst);

#endif
