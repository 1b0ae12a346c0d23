/* The real appvm-portald for integration tests: started on Unix sockets in
 * a scratch directory with a scripted command chooser, and a fake guest
 * portal speaking the wire protocol to it (the tests play the guest over
 * the hybrid socket path, as a VM would reach it). */
#ifndef APPVM_PD_HARNESS_H
#define APPVM_PD_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"
#include "proto_stream.h"

struct pdh {
	pid_t pid;
	char work[512];	 /* scratch directory */
	char home[600];	 /* where the test's "user files" are */
	char vsock[600]; /* the VM's hybrid socket path (never created) */
	char listen[620];
	char control[620];
};

/* Starts the daemon with its scripted chooser (and extra arguments, NULL-
 * terminated) and waits until it accepts. Fails the test on error. */
void pdh_start(struct pdh *h, const char *const *extra);

/* Stops it with SIGTERM and checks it exits 0 and removes its sockets. */
void pdh_stop(struct pdh *h);

/* Scripts the chooser's next answers: `lines` are printed, then it exits
 * with `code`. With block, it waits (until killed) instead. */
void pdh_answer(struct pdh *h, const char *lines, int code, bool block);

/* Returns how many times the chooser has run. */
unsigned pdh_chooser_calls(struct pdh *h);

/* Returns the pid of the chooser's last run (0 if none). */
pid_t pdh_chooser_pid(struct pdh *h);

/* Writes text to a file (created or truncated) with the given mode. */
void pdh_write(const char *path, const char *text, mode_t mode);

/* Reads a whole file (up to 128 KiB) into a static buffer, NUL-terminated;
 * NULL when it cannot be opened. */
const char *pdh_read(const char *path);

/* Reads a file of the work directory into a static buffer ("" if none). */
const char *pdh_file(struct pdh *h, const char *name);

/* Returns h->home/name (a static buffer, two in turn). */
const char *pdh_path(struct pdh *h, const char *name);

/* Returns the daemon's user+system CPU time in clock ticks. */
unsigned long pdh_cpu_ticks(struct pdh *h);

/* Returns the daemon's resident set size in KiB. */
unsigned long pdh_rss_kib(struct pdh *h);

/* Runs appvmctl with hybrid:VSOCK and the arguments; returns its exit code
 * with its stdout in out. */
int pdh_appvmctl(struct pdh *h, char *out, size_t size, const char *const *args);

/* A fake guest portal connection. */
struct pdh_conn {
	int fd;
	struct proto_reader rd;
	uint32_t next_id;
	bool answer_host; /* answer DOC_GRANT / DOC_REVOKE automatically */
	unsigned n_granted, n_revoked;
	uint64_t granted[256], revoked[256];
	struct proto_msg msg; /* the last message read (points into rd) */
};

/* Connects (no HELLO). */
void pdh_connect(struct pdh *h, struct pdh_conn *c);
/* Connects and says HELLO with caps FILE_CHOOSER|DOCUMENTS. */
void pdh_open(struct pdh *h, struct pdh_conn *c);
/* Connects and says HELLO with these caps. */
void pdh_open_caps(struct pdh *h, struct pdh_conn *c, uint32_t caps);
void pdh_close(struct pdh_conn *c);

/* Sends a message (its id: the next one, unless m->id is set). */
void pdh_send(struct pdh_conn *c, struct proto_msg *m);
/* Sends raw bytes. */
void pdh_send_raw(struct pdh_conn *c, const void *buf, size_t len);

/* Reads the next message that is not a host request it answered. Returns 0,
 * -EPIPE at end of file, -ETIMEDOUT after timeout_ms, -EBADMSG when it does
 * not decode. */
int pdh_recv(struct pdh_conn *c, struct proto_msg *m, int timeout_ms);

/* Sends m and reads its reply (waiting up to 10 s). Returns the reply's
 * error code (0 when it is the type's own reply), failing the test on
 * anything else; *reply gets the reply. */
uint32_t pdh_call(struct pdh_conn *c, struct proto_msg *m, struct proto_msg *reply);

/* Waits until the daemon closes the connection (end of file). */
void pdh_expect_closed(struct pdh_conn *c);

/* Builds simple requests. */
void pdh_open_req(struct proto_msg *m, uint32_t flags, const char *title);
void pdh_save_req(struct proto_msg *m, const char *title, const char *name);
void pdh_doc_req(struct proto_msg *m, uint16_t type, uint64_t id);
void pdh_read_req(struct proto_msg *m, uint64_t id, uint64_t off, uint32_t len, bool staged);
void pdh_write_req(struct proto_msg *m, uint64_t id, uint64_t off, const void *data, uint32_t len);

/* Folder requests: ENTRY_LOOKUP, MKDIR, OPEN, UNLINK (name and flags),
 * ENTRY_STAT and ENTRY_FORGET (node; flags is the count), ENTRY_RENAME,
 * ENTRY_READDIR. */
void pdh_entry_req(struct proto_msg *m, uint16_t type, uint64_t doc, uint64_t node,
		   const char *name, uint32_t flags);
void pdh_rename_req(struct proto_msg *m, uint64_t doc, uint64_t dir, const char *name,
		    uint64_t new_dir, const char *new_name, uint32_t flags);
void pdh_readdir_req(struct proto_msg *m, uint64_t doc, uint64_t dir, uint64_t cookie,
		     uint16_t max);

/* Returns how many of the daemon's descriptors are open on dir or below it
 * (as /proc/PID/fd shows them). */
unsigned pdh_fds_under(struct pdh *h, const char *dir);

/* Polls cond until it holds or ms pass. Returns whether it held. */
bool pdh_wait_for(bool (*cond)(void *), void *arg, int ms);

/* Runs argv (argv[0] a path) with its stderr in err_path (NULL: the
 * test's) and returns its exit status, 128 + the signal if one ended it.
 * Fails the test, naming why, if it still runs after 10 s. */
int pdh_run_to_exit(const char *const *argv, const char *err_path, const char *why);

#endif
