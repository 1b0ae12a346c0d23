/* Request handling for one host connection: a whole frame in, the reply
 * queued out, and a verdict telling the caller what else to do. Pure: no
 * I/O; the status record comes from a snapshot the caller gathers. */
#ifndef APPVM_AGENT_HANDLER_H
#define APPVM_AGENT_HANDLER_H

#include "outbuf.h"
#include "proto.h"
#include "proto_session.h"

#define AGENT_SOFTWARE "appvm-agent " APPVM_VERSION
/* Always offered; PROTO_CAP_CLIPBOARD as well when the VM has a clipboard
 * (--clipboard-socket). */
#define AGENT_CAPS PROTO_CAP_CONTROL

enum agent_verdict {
	AGENT_DONE,	   /* handled; the reply (if any) is queued */
	AGENT_STATUS,	   /* a STATUS request: answer with agent_reply_status() */
	AGENT_POWEROFF,	   /* the ack is queued; once it is sent, ask init to power off */
	AGENT_REBOOT,	   /* the ack is queued; once it is sent, ask init to reboot */
	AGENT_CLOSE,	   /* close at once, send nothing more */
	AGENT_CLOSE_AFTER, /* send what is queued, then close */
	AGENT_CLIP_GET,	   /* a CLIPBOARD_GET in ret->clip.get: the clipboard answers it */
	AGENT_CLIP_SET,	   /* a CLIPBOARD_SET in ret->clip.set: likewise */
};

struct agent_request {
	uint32_t id;	      /* the request's id (STATUS) */
	uint32_t deadline_ms; /* SHUTDOWN, REBOOT */
	const char *why;      /* for AGENT_CLOSE and errors: a few words for the log */
	union {		      /* AGENT_CLIP_*: point into the frame's payload */
		struct proto_clipboard_get get;
		struct proto_clipboard_set set;
	} clip;
};

/* Prepares the session state of a newly accepted host connection that
 * offers caps (AGENT_CAPS, with PROTO_CAP_CLIPBOARD when the VM has one). */
void agent_session_init(struct proto_session *s, uint32_t caps);

/* Handles one complete frame (its header passed proto_header_decode, as
 * proto_reader guarantees). Returns a verdict, or -ENOBUFS/-ENOMEM when the
 * reply could not be queued (close the connection). */
int agent_handle_frame(struct proto_session *s, const struct proto_header *h,
		       const uint8_t *untrusted_payload, struct outbuf *out,
		       struct agent_request *ret);

/* Queues the STATUS reply to request `id`. When the record does not fit the
 * protocol's cap, stores and then addresses are left out from the end until
 * it does. Returns 0, -ENOBUFS or -ENOMEM. */
int agent_reply_status(struct outbuf *out, uint32_t id, const struct proto_status *st);

#endif
