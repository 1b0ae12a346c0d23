/* Test fixture for the agent integration tests: runs the real appvm-agent
 * binary on Unix sockets in a fresh directory, captures its log, serves a
 * fake appvm-init control socket from a thread, and speaks the wire
 * protocol as a host client. */
#ifndef APPVM_TEST_AGENT_HARNESS_H
#define APPVM_TEST_AGENT_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define H_TIMEOUT_MS 5000

struct fake_init {
	int listen_fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char reply[1024]; /* what a "status" request gets */
	int n_status;	  /* status requests served */
	int n_poweroff;
	int n_reboot;
	char power_req[64]; /* the last poweroff/reboot request line, NUL-terminated */
	int peek_fd;	    /* when >= 0: bytes readable on it when a power request came */
	int peeked;
	bool stop;
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

/* Starts appvm-agent with --listen-unix, --init-socket and the extra
 * arguments (NULL-terminated); waits until it listens. */
void h_start(struct agent_proc *p, const char *const *extra);

/* Stops the agent with SIGTERM, checks it exits 0, removes the directory. */
void h_teardown(struct agent_proc *p);

/* Waits until the agent's log contains text. Returns true if it did in time. */
bool h_wait_log(struct agent_proc *p, const char *text, int timeout_ms);

/* Sets the fake init's status reply. */
void h_init_reply(struct agent_proc *p, const char *reply);

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

#endif
