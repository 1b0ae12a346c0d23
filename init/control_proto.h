/* The control socket protocol of appvm-init (/run/appvm/init.sock), specified
 * in docs/init-control.md: one request line per connection, a reply of lines
 * ending in "end". Pure encoders and decoders, shared by init and clients. */
#ifndef APPVM_INIT_CONTROL_PROTO_H
#define APPVM_INIT_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_REQUEST_MAX	 64   /* bytes, including the newline */
#define CTL_REPLY_MAX	 1024 /* bytes */
#define CTL_MAX_SERVICES 8
#define CTL_NAME_MAX	 16
#define CTL_DEADLINE_MAX 3600000 /* ms: the largest poweroff/reboot argument */

enum ctl_cmd { CTL_CMD_STATUS, CTL_CMD_POWEROFF, CTL_CMD_REBOOT };

enum ctl_state {
	CTL_STATE_STOPPED, /* not started yet, or stopped by shutdown */
	CTL_STATE_RUNNING,
	CTL_STATE_BACKOFF,  /* died; waiting to be restarted */
	CTL_STATE_FAILED,   /* gave up: restart limit reached, or cannot be started */
	CTL_STATE_EXITED,   /* finished and not restarted (the app, by policy) */
	CTL_STATE_DISABLED, /* switched off in vm.conf */
};

struct ctl_service {
	char name[CTL_NAME_MAX];
	enum ctl_state state;
	int pid; /* 0 when not running */
	unsigned restarts;
};

struct ctl_status {
	size_t n_services;
	struct ctl_service services[CTL_MAX_SERVICES];
	bool app_exited; /* false: the app has not exited yet */
	int app_status;	 /* shell-style: exit code, or 128 + signal */
	int app_signal;	 /* 0 when the app exited normally */
	bool shutting_down;
};

/* Errors a reply can carry; decoders map them to -errno. */
#define CTL_ERR_PERMISSION "permission" /* -EPERM */
#define CTL_ERR_UNKNOWN	   "unknown"	/* -EOPNOTSUPP */
#define CTL_ERR_MALFORMED  "malformed"	/* -EBADMSG */
#define CTL_ERR_SHUTDOWN   "shutdown"	/* -ESHUTDOWN: already shutting down */

/* Returns the request line for cmd ("status\n"...) . */
const char *ctl_request_line(enum ctl_cmd cmd);

/* Encodes a request line: "poweroff <ms>\n" / "reboot <ms>\n" when
 * deadline_ms is not 0 (status takes no argument). Returns the length, or
 * -EINVAL (deadline above CTL_DEADLINE_MAX, or on status) or -E2BIG. */
int ctl_request_encode(enum ctl_cmd cmd, uint32_t deadline_ms, char *buf, size_t size);

/* Decodes one request (the bytes read, up to CTL_REQUEST_MAX). ret_deadline_ms
 * gets the optional poweroff/reboot argument (0 when absent). Returns 0,
 * -EAGAIN when no newline has arrived yet, -EBADMSG for a malformed line or
 * -EOPNOTSUPP for an unknown command. */
int ctl_request_decode(const char *untrusted, size_t len, enum ctl_cmd *ret,
		       uint32_t *ret_deadline_ms);

/* Encodes a status reply. Returns the length, or -E2BIG. */
int ctl_reply_encode_status(const struct ctl_status *st, char *buf, size_t size);

/* Encodes "ok\nend\n" (err NULL) or "error <err>\n". Returns the length or -E2BIG. */
int ctl_reply_encode_simple(const char *err, char *buf, size_t size);

/* Decodes a complete reply. ret may be NULL for replies without a status.
 * Returns 0, -EAGAIN when the reply is incomplete, -EBADMSG when malformed,
 * or the -errno an error line stands for. */
int ctl_reply_decode(const char *untrusted, size_t len, struct ctl_status *ret);

/* Names of service states as on the wire. */
const char *ctl_state_name(enum ctl_state s);

#endif
