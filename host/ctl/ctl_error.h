/* Error convention of the host control library and appvmctl's exit codes.
 *
 * Library functions return 0 or a negative errno; these values carry a
 * fixed meaning (docs/appvmctl.md lists the exit code of each):
 *   -EINVAL       bad target syntax or argument
 *   -EHOSTDOWN    the VM is not running (socket missing or refused, no such CID)
 *   -ECONNREFUSED the VM runs but the agent does not listen (hybrid CONNECT
 *                 refused, vsock connection reset)
 *   -ETIMEDOUT    the deadline passed
 *   -EPROTO       the guest broke the protocol (garbage, oversized frame, bad
 *                 HELLO, a reply we did not ask for, closed mid-reply)
 *   -EREMOTEIO    the guest answered with an ERROR reply
 *   -EFBIG        clipboard content over the VM's size cap
 *   -EBUSY        a clipboard copy refused by the rate limit
 *   -ENXIO        no VM by that name, or no (or no single) focused VM
 *   -ENODATA      a clipboard with nothing (of the type asked for) in it
 * anything else is a local system error. Functions that fail also fill a
 * struct ctl_error with one line of context. */
#ifndef APPVM_CTL_ERROR_H
#define APPVM_CTL_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "proto_stream.h"

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILURE = 1,	  /* local system error */
	CTL_EXIT_USAGE = 2,	  /* bad arguments or target syntax */
	CTL_EXIT_NOT_RUNNING = 3, /* VM not running */
	CTL_EXIT_NOT_LISTENING = 4,
	CTL_EXIT_TIMEOUT = 5,
	CTL_EXIT_PROTOCOL = 6,
	CTL_EXIT_GUEST_ERROR = 7,
	CTL_EXIT_TOO_LARGE = 8,	   /* clipboard content over the VM's size cap */
	CTL_EXIT_RATE_LIMITED = 9, /* a copy too soon after the last one */
	CTL_EXIT_NO_VM = 10,	   /* vm:NAME unknown, or no single VM has the focus */
	CTL_EXIT_EMPTY = 11,	   /* nothing to copy or paste (of the type asked for) */
};

struct ctl_error {
	/* Our own words; may quote peer bytes, so it is sanitized when printed. */
	char msg[384];
	/* Set when the guest sent an ERROR reply: its code and its message,
	 * which passed the codec's TEXT rules but is still hostile text. */
	int has_guest_error;
	uint32_t guest_code;
	uint16_t untrusted_guest_msg_len;
	char untrusted_guest_msg[PROTO_TEXT_MAX + 1];
};

/* Clears an error record. */
void ctl_error_clear(struct ctl_error *e);

/* Formats the context line into e->msg (truncated to fit). */
void ctl_error_set(struct ctl_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a guest ERROR reply (code and message are copied). */
void ctl_error_guest(struct ctl_error *e, const struct proto_error *untrusted_error);

/* Fills e for a framing violation that proto_reader_feed returned (ret < 0)
 * on reader r: "<who> sent <what the header said>". Returns the library error
 * to pass on: -EPROTO, or ret itself when it is not a framing violation. */
int ctl_error_framing(struct ctl_error *e, const struct proto_reader *r, int ret, const char *who);

/* Fills e for a well-framed frame the codec refused: "<who> sent a
 * malformed <header as received>: <why>". */
void ctl_error_malformed(struct ctl_error *e, const char *who, const struct proto_header *h,
			 const char *why);

/* Fills *ret with the ERROR answer to a guest request the host does not
 * serve (the protocol wants every request answered): BAD_REQUEST when it was
 * malformed (decoded == -EBADMSG), else UNSUPPORTED saying `unserved`. */
void ctl_refuse_request(struct proto_msg *ret, const struct proto_header *h, int decoded,
			const char *unserved);

/* Returns the type's name ("PING"), or "unknown" for a type outside the catalogue. */
const char *ctl_type_name(uint16_t type);

/* Returns the exit code for a library return value (0 or -errno). */
int ctl_exit_code(int ret);

/* Returns the short name of an exit code ("timeout"), as used in JSON output. */
const char *ctl_exit_kind(int exit_code);

#endif
