/* The adaptive polling window of appvm-vsock's event loop (as qemu's
 * AioContext polling, poll-max-ns): after activity, before it sleeps, the
 * loop looks for the guest's next TX buffer and the host sockets' events
 * for up to `us` microseconds, which saves the wake-up when the next packet
 * comes soon. The window adapts to how long the loop actually waited for
 * work: it stays when the work came within it, grows (up to max_us) when
 * the work came later but within max_us, and shrinks when it came later
 * than max_us, down to 0 (no polling) for a device that goes idle.
 * Only an answer counts as work that came: data from the side the device
 * last passed data to (the guest's reply to host data, a host peer's reply
 * to the guest's). Anything else (a stream one way, resets and control
 * packets, invalid packets, data for no connection) is no reason to poll,
 * and, after VSOCK_POLL_MISSES such passes in a row, shrinks the window as
 * a long wait does: a guest that keeps sending does not make the device
 * spin. Pure. */
#ifndef APPVM_VSOCK_POLL_H
#define APPVM_VSOCK_POLL_H

#include <stdbool.h>
#include <stdint.h>

/* The default upper bound of the window, and the bound of --poll-us. */
#define VSOCK_POLL_DEFAULT_US 400
#define VSOCK_POLL_MAX_US     1000
/* The first window once a wait was short enough, and the factors. */
#define VSOCK_POLL_START_US 4
#define VSOCK_POLL_GROW	    2
#define VSOCK_POLL_SHRINK   2
/* Passes without an answer tolerated between two answers before the window
 * shrinks: a round trip has its own (the guest's new receive buffers and
 * credit updates: about one every other round trip measured). */
#define VSOCK_POLL_MISSES 3
/* A pass of the window (a look at the queues and a yield) that kept the
 * device off its core this long means another thread took the core for a
 * whole scheduler slice: polling beside a busy thread costs up to a slice
 * per packet (measured: 4 ms round trips beside one busy process), where a
 * device asleep in epoll_wait is woken at once. So polling stops for a
 * while: VSOCK_POLL_BACKOFF_MIN_US after a stall on its own (a thread that
 * took the core once, as a busy moment of a shared host does), the last
 * back-off times VSOCK_POLL_BACKOFF_GROW (up to VSOCK_POLL_BACKOFF_MAX_US)
 * after a stall within VSOCK_POLL_QUIET_US of the end of the last back-off
 * (a host that stays busy: the fourfold growth reaches the bound after
 * four stalls, 0.42 s, where polling between back-offs costs the most). */
#define VSOCK_POLL_STALL_US	  500
#define VSOCK_POLL_BACKOFF_MIN_US 20000
#define VSOCK_POLL_BACKOFF_MAX_US 1000000
#define VSOCK_POLL_BACKOFF_GROW	  4
#define VSOCK_POLL_QUIET_US	  1000000

struct vsock_poll {
	uint32_t max_us;       /* 0: never poll */
	uint32_t us;	       /* the current window, 0 to max_us */
	uint64_t off_until_us; /* no polling before this time (a busy host) */
	uint32_t backoff_us;   /* the last back-off, 0: none yet */
	/* Stalls, those of them that came within VSOCK_POLL_QUIET_US of the
	 * last back-off's end, and the microseconds of back-off they caused. */
	uint64_t stalls, stalls_again, backoff_total_us;
	/* The side the last data went to, whose answer polling waits for. */
	bool await_guest, await_host;
	uint8_t misses; /* passes without an answer since the last */
};

/* Starts with no window (the loop polls only once work came quickly). */
void vsock_poll_init(struct vsock_poll *p, uint32_t max_us);

/* Adapts the window to a wait: waited_us from the moment the loop had
 * nothing to do to the moment work arrived (polled or woken). */
void vsock_poll_adjust(struct vsock_poll *p, uint64_t waited_us);

/* Adapts the window after the work that ended a wait of waited_us: the
 * wait counts (vsock_poll_adjust) when that work passed on an answer, data
 * to_host while awaiting the guest or data to_guest while awaiting a host
 * peer; else, past VSOCK_POLL_MISSES such passes in a row, it shrinks the
 * window as a wait beyond the bound does. The side awaited next is the one
 * this work passed data to, if any. */
void vsock_poll_pass(struct vsock_poll *p, uint64_t waited_us, bool to_host, bool to_guest);

/* The window to poll now (microseconds on the caller's monotonic clock):
 * the current one, or 0 while backing off from a busy host. */
uint32_t vsock_poll_window(const struct vsock_poll *p, uint64_t now_us);

/* A pass of the window took pass_us, ending at now_us. Returns true (stop
 * polling now, and no polling for a back-off, see VSOCK_POLL_STALL_US) when
 * it took longer than VSOCK_POLL_STALL_US. */
bool vsock_poll_stalled(struct vsock_poll *p, uint64_t pass_us, uint64_t now_us);

#endif
