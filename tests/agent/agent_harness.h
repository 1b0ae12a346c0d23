/* Test fixture for the agent integration tests: runs the real appvm-agent
 * binary on Unix sockets in a fresh directory, captures its log, serves a
 * fake appvm-init control socket from a thread (requests and replies through
 * lib/initctl.c, as init does), and speaks the wire protocol as a host
 * client. */
#ifndef APPVM_TEST_AGENT_HARNESS_H
#define APPVM_TEST_AGENT_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "initctl.h"
#include "proto.h"

#define H_TIMEOUT_MS 5000
#define H_MAX_HELD   8

struct fake_init {
	int listen_fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct initctl_status status; /* what a "status" request gets, encoded */
	char raw[256];		      /* when not empty: sent instead (malformed replies) */
	bool silent;		      /* status requests get no reply at all */
	bool watch;		      /* "watch" gets a status and the connection is held */
	int held[H_MAX_HELD];	      /* the connections left unanswered then */
	int n_held;
	int n_status; /* status requests served */
	int n_watch;  /* watch requests refused (an init without "watch") */
	int n_poweroff;
	int n_reboot;
	enum initctl_cmd power_cmd; /* the last poweroff/reboot request */
	uint32_t power_deadline_ms;
	int peek_fd; /* when >= 0: bytes readable on it when a power request came */
	int peeked;
};

struct agent_proc {
	pid_t pid;
	int log_fd; /* read end of the agent's stderr */
	char log[65536];
	size_t log_len;
	char dir[64];
	char sock[100];	     /* --listen-unix */
	char init_sock[100]; /* --init-socket */
	char event_sock[100];
	struct fake_init init;
};

/* Makes a temporary directory and starts the fake init there. */
void h_setup(struct agent_proc *p);

/* cmocka fixtures: *state gets a struct agent_proc after h_setup(), and
 * loses it after h_teardown(). */
int h_cm_setup(void **state);
int h_cm_teardown(void **state);

/* Starts appvm-agent with --listen-unix, --init-socket and the extra
 * arguments (NULL-terminated); waits until it listens. */
void h_start(struct agent_proc *p, const char *const *extra);

/* Stops the agent with SIGTERM (if still running), checks it exits 0,
 * removes the directory. */
void h_teardown(struct agent_proc *p);

/* Sends SIGTERM and waits for the agent to exit. Returns the milliseconds it
 * took; fails the test unless it exits 0. */
long h_stop(struct agent_proc *p);

/* Waits until the agent's log contains text. Returns true if it did in time. */
bool h_wait_log(struct agent_proc *p, const char *text, int timeout_ms);

/* As h_wait_log, until text has appeared count times in all. */
bool h_wait_log_n(struct agent_proc *p, const char *text, int count, int timeout_ms);

/* Fills st as init reports it: the agent running (pid 10) and the app in
 * state s (pid 11 when running) after `restarts` restarts; exit_status < 0:
 * the app has not exited, else its last exit (with exit_signal: 128 + it). */
void h_status(struct initctl_status *st, enum initctl_state s, unsigned restarts, int exit_status,
	      int exit_signal);

/* Sets what the fake init answers to "status": st, encoded by lib/initctl.c. */
void h_init_status(struct agent_proc *p, const struct initctl_status *st);

/* Makes the fake init answer "status" with these bytes instead (a broken init). */
void h_init_raw(struct agent_proc *p, const char *reply);

/* Makes the fake init leave status requests unanswered (a stuck init). */
void h_init_silent(struct agent_proc *p);

/* Makes the fake init keep a watch: one status reply, the connection held
 * (never a second one: the tests do not change the status under it). */
void h_init_watch(struct agent_proc *p);

/* Moves the fake init's socket away from its path (as before init creates
 * it), or back (as init creates it). */
void h_init_hide(struct agent_proc *p);
void h_init_show(struct agent_proc *p);

/* Returns how many status requests the fake init has received. */
int h_init_count(struct agent_proc *p);

/* Waits until the fake init counted `count` power off (or reboot) requests. */
bool h_init_wait_power(struct agent_proc *p, bool reboot, int count, int timeout_ms);

/* Connects a client to the agent (no HELLO yet). */
int h_connect(struct agent_proc *p);

/* Sends one message. */
void h_send(int fd, const struct proto_msg *m);

/* Sends raw bytes. */
void h_send_raw(int fd, const void *buf, size_t len);

/* Sends one message to a connection the agent may already have closed.
 * Returns true if all of it was sent. */
bool h_try_send(int fd, const struct proto_msg *m);

/* Receives one frame into buf (room for a whole frame) and decodes it.
 * Returns 0, or -1 when the connection closed or timed out first. */
int h_recv(int fd, struct proto_msg *m, uint8_t *buf, size_t cap, int timeout_ms);

/* Returns true if the peer closed the connection within timeout_ms, with
 * nothing (or only `allow` bytes) to read before the end. */
bool h_closed(int fd, int timeout_ms);

/* HELLO as the host: returns the connected fd after a good HELLO reply. */
int h_client(struct agent_proc *p);

/* Sends a PING with nonce and id and checks the reply. */
void h_ping(int fd, uint32_t id, uint64_t nonce);

/* Fills a request message. */
void h_req(struct proto_msg *m, uint16_t type, uint32_t id);

/* Sends STATUS with id and receives its reply into m (strings point into a
 * buffer that the next call reuses). */
void h_status_req(int fd, uint32_t id, struct proto_msg *m);

/* Returns true if s holds exactly the C string c. */
bool h_str_is(struct proto_str s, const char *c);

/* Listens on a Unix socket path; returns the fd. */
int h_listen(const char *path);

/* Waits for the agent to connect to the event listener; returns the fd. */
int h_accept_events(int lfd);

/* Answers the agent's HELLO on the event connection; ready gets the READY
 * event (its strings valid until the next receive). */
void h_event_handshake(int fd, struct proto_msg *ready);

/* Receives the next event into m, or returns -1 after timeout_ms. */
int h_recv_event(int fd, struct proto_msg *m, int timeout_ms);

#endif
