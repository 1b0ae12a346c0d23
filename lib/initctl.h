/* The control protocol of appvm-init (/run/appvm/init.sock), specified in
 * docs/init-control.md: one request line per connection, a reply of lines
 * ending in "end" (a "watch" gets a stream of status replies). Pure encoders and decoders, the only
 * ones: init's server, the agent's client, appvm-initctl and the test fakes all use them. */
#ifndef APPVM_INITCTL_H
#define APPVM_INITCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INITCTL_SOCKET "/run/appvm/init.sock"

#define INITCTL_REQUEST_MAX	 64	 /* bytes, including the newline */
#define INITCTL_DEADLINE_MAX	 3600000 /* ms: the largest poweroff/reboot argument */
#define INITCTL_MAX_SERVICES	 8
#define INITCTL_SERVICE_NAME_MAX 15  /* bytes */
#define INITCTL_MAX_STORES	 32  /* the wire status record's cap (PROTO_MAX_STORES) */
#define INITCTL_STORE_NAME_MAX	 32  /* bytes: a vm.conf store name */
#define INITCTL_PATH_MAX	 255 /* bytes, unescaped: a vm.conf path */
#define INITCTL_PID_MAX		 4194304
#define INITCTL_RESTARTS_MAX	 1000000
#define INITCTL_SIGNAL_MAX	 64

/* A reply is at most this long: a status with every list full, every name
 * and path at its longest and every path byte escaped takes 34348 bytes
 * (tests/init/test_initctl.c); the rest is room for lines a later version
 * may add. */
#define INITCTL_REPLY_MAX 36864 /* bytes */

enum initctl_cmd {
	INITCTL_CMD_STATUS,
	INITCTL_CMD_POWEROFF,
	INITCTL_CMD_REBOOT,
	INITCTL_CMD_WATCH, /* a status now, then a new one at each change */
};

enum initctl_state {
	INITCTL_STATE_STOPPED, /* not started yet, or stopped by shutdown */
	INITCTL_STATE_RUNNING,
	INITCTL_STATE_BACKOFF,	/* died; waiting to be restarted */
	INITCTL_STATE_FAILED,	/* gave up: restart limit reached, or cannot be started */
	INITCTL_STATE_EXITED,	/* finished and not restarted (the app, by policy) */
	INITCTL_STATE_DISABLED, /* switched off in vm.conf */
};

struct initctl_service {
	char name[INITCTL_SERVICE_NAME_MAX + 1];
	enum initctl_state state;
	int pid; /* 0 when not running */
	unsigned restarts;
};

/* A mounted store as vm.conf names it: a [store NAME] (read-only) or the
 * [state] store (writable, named "state"). */
struct initctl_store {
	char name[INITCTL_STORE_NAME_MAX + 1];
	char path[INITCTL_PATH_MAX + 1]; /* the mount point, unescaped */
	bool writable;
};

struct initctl_status {
	size_t n_services;
	struct initctl_service services[INITCTL_MAX_SERVICES];
	size_t n_stores;
	struct initctl_store stores[INITCTL_MAX_STORES];
	bool app_exited; /* false: the app has not exited yet */
	int app_status;	 /* shell-style: the exit code, or 128 + app_signal */
	int app_signal;	 /* 0 when the app exited normally, else 1..INITCTL_SIGNAL_MAX */
	bool shutting_down;
};

/* Errors a reply can carry; the reply decoder maps them to -errno. */
#define INITCTL_ERR_PERMISSION "permission" /* -EPERM */
#define INITCTL_ERR_UNKNOWN    "unknown"    /* -EOPNOTSUPP */
#define INITCTL_ERR_MALFORMED  "malformed"  /* -EBADMSG */
#define INITCTL_ERR_SHUTDOWN   "shutdown"   /* -ESHUTDOWN: already shutting down */
#define INITCTL_ERR_BUSY       "busy"	    /* -EBUSY: every watch slot taken */

/* Returns the command's word ("status", ...), or "" for a value out of range. */
const char *initctl_cmd_name(enum initctl_cmd cmd);

/* Returns true for the commands that take a deadline (poweroff, reboot). */
bool initctl_cmd_takes_deadline(enum initctl_cmd cmd);

/* Returns the wire name of a service state ("running", ...), or "?". */
const char *initctl_state_name(enum initctl_state s);

/* Encodes a request line: "status\n", "watch\n", "poweroff\n", or
 * "poweroff MS\n" / "reboot MS\n" when deadline_ms is not 0. Returns the
 * length, -EINVAL (a deadline above INITCTL_DEADLINE_MAX, or on status or
 * watch; an unknown cmd) or
 * -E2BIG when buf is too small. */
int initctl_request_encode(enum initctl_cmd cmd, uint32_t deadline_ms, char *buf, size_t size);

/* Decodes one request (the bytes read so far, up to INITCTL_REQUEST_MAX).
 * ret_deadline_ms gets the poweroff/reboot argument (0 when absent). Returns
 * 0, -EAGAIN when no newline has arrived yet, -EBADMSG for a malformed line or
 * -EOPNOTSUPP for a well-formed unknown command. */
int initctl_request_decode(const char *untrusted, size_t len, enum initctl_cmd *ret,
			   uint32_t *ret_deadline_ms);

/* Encodes a status reply. Returns the length, -EINVAL when st breaks a rule
 * the decoder checks (counts, names, paths, exit status), or -E2BIG when buf
 * is too small (INITCTL_REPLY_MAX always suffices). */
int initctl_reply_encode_status(const struct initctl_status *st, char *buf, size_t size);

/* Encodes "ok\nend\n" (err NULL) or "error ERR\n". Returns the length or -E2BIG. */
int initctl_reply_encode_simple(const char *err, char *buf, size_t size);

/* Room for the longest escaped path and its NUL. */
#define INITCTL_PATH_ESCAPED_SIZE (4 * INITCTL_PATH_MAX + 1)

/* Writes path as a status reply carries it: space, control characters and
 * the backslash as \ooo (three octal digits), every other byte as it is.
 * Returns the length, or -E2BIG when buf is too small. */
int initctl_path_escape(const char *path, char *buf, size_t size);

/* Decodes a complete reply of at most INITCTL_REPLY_MAX bytes. ret may be
 * NULL for replies without a status. Returns 0, -EAGAIN when the reply is
 * incomplete, -EBADMSG when it is malformed or too long, or the -errno its
 * error line stands for. ret is written only on success. */
int initctl_reply_decode(const char *untrusted, size_t len, struct initctl_status *ret);

/* Decodes the first reply of a stream (the replies to "watch"), which must
 * end within INITCTL_REPLY_MAX bytes; more bytes may follow it. Returns 0
 * (ret filled unless NULL) or an error line's -errno, with *ret_used the
 * bytes that reply took; -EAGAIN when it is incomplete (read more), or
 * -EBADMSG when it is malformed or too long. */
int initctl_reply_decode_next(const char *untrusted, size_t len, struct initctl_status *ret,
			      size_t *ret_used);

#endif
