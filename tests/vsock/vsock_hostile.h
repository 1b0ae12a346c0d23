/* Shared by the two files of vsock_hostile: the back-end process and what
 * is measured of it (vsock_hostile_env.c), the fake guest and front-end
 * (vsock_hostile.c). */
#ifndef APPVM_VSOCK_HOSTILE_H
#define APPVM_VSOCK_HOSTILE_H

#include "unix_addr.h"
#include "vu_front.h"

#include <stdbool.h>
#include <stdint.h>

extern char hsock[128], vusock[128];
extern unsigned failures;

/* Prints "ok: ..." or "FAIL: ..." and counts failures. */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts the back-end in a new directory, with the arguments args (NULL-
 * terminated, may be empty) after its own; returns 0 once both sockets
 * exist. */
int backend_start(const char *bin, char *const args[]);

/* SIGTERM; checks a clean exit and a log without sanitizer reports.
 * Returns 0 or -1. */
int backend_stop(void);

/* Waits up to timeout_ms for a log line containing text that appeared after
 * the previous match. Returns true when found. */
bool wait_log(const char *text, int timeout_ms);

/* Measures the back-end's CPU time (utime + stime) over 1.5 s, up to 4
 * times, and fails when it is 5% of that or more each time: idle must mean
 * asleep. */
void expect_idle(const char *state);

/* The back-end's CPU time so far in µs (from /proc/PID/schedstat), or 0. */
uint64_t backend_cpu_us(void);

/* The back-end's resident memory in KiB. */
long rss_kib(void);

/* Hybrid clients that never speak, stop half-way, or send 1 byte a second. */
void hybrid_clients(void);

/* Serves the fake guest for up to timeout_ms. */
void guest_pump(int timeout_ms);

/* A hybrid client connects to the guest's echo port and gets its bytes
 * back within 3 s. Returns whether it did. */
bool served(const char *after);

extern struct vu_front fe;	   /* the front-end and its guest */
extern struct vsock_hdr g_last_rx; /* the last packet the guest received */
/* The guest ports of the last RESPONSE it received, and of the last RST or
 * SHUTDOWN (answered with an RST: the connection is gone either way). */
extern uint32_t g_response_port, g_closed_port;

/* Prints what a guest sending a packet every 100, 300 or 600 µs costs the
 * back-end, for each kind of packet. */
void spin_measure(void);

/* Checks that a guest sending useless packets every few hundred µs costs
 * the back-end little CPU. */
void spin_check(void);

#endif
