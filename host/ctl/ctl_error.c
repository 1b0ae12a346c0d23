#include "ctl_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ctl_error_clear(struct ctl_error *e)
{
	memset(e, 0, sizeof(*e));
}

void ctl_error_set(struct ctl_error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void ctl_error_guest(struct ctl_error *e, const struct proto_error *untrusted_error)
{
	size_t n = untrusted_error->message.len;
	if (n > PROTO_TEXT_MAX)
		n = PROTO_TEXT_MAX;
	e->has_guest_error = 1;
	e->guest_code = untrusted_error->code;
	if (n)
		memcpy(e->untrusted_guest_msg, untrusted_error->message.ptr, n);
	e->untrusted_guest_msg[n] = '\0';
	e->untrusted_guest_msg_len = (uint16_t)n;
}

int ctl_error_framing(struct ctl_error *e, const struct proto_reader *r, int ret, const char *who)
{
	if (ret != -EBADMSG && ret != -EMSGSIZE) {
		ctl_error_set(e, "%s: cannot take a frame: %s", who, strerror(-ret));
		return ret;
	}
	char what[160];
	ctl_error_set(e, "%s sent %s", who, proto_reader_describe(r, ret, what, sizeof(what)));
	return -EPROTO;
}

void ctl_error_malformed(struct ctl_error *e, const char *who, const struct proto_header *h,
			 const char *why)
{
	char what[80];
	ctl_error_set(e, "%s sent a malformed %s: %s", who,
		      proto_header_describe(h, what, sizeof(what)), why);
}

void ctl_refuse_request(struct proto_msg *ret, const struct proto_header *h, int decoded,
			const char *unserved)
{
	if (decoded == -EBADMSG)
		proto_make_error(ret, h->id, PROTO_ERR_BAD_REQUEST, "malformed request");
	else
		proto_make_error(ret, h->id, PROTO_ERR_UNSUPPORTED, unserved);
}

const char *ctl_type_name(uint16_t type)
{
	const char *n = proto_type_name(type);
	return n ? n : "unknown";
}

int ctl_exit_code(int ret)
{
	switch (ret) {
	case 0:
		return CTL_EXIT_OK;
	case -EINVAL:
		return CTL_EXIT_USAGE;
	case -EHOSTDOWN:
		return CTL_EXIT_NOT_RUNNING;
	case -ECONNREFUSED:
		return CTL_EXIT_NOT_LISTENING;
	case -ETIMEDOUT:
		return CTL_EXIT_TIMEOUT;
	case -EPROTO:
		return CTL_EXIT_PROTOCOL;
	case -EREMOTEIO:
		return CTL_EXIT_GUEST_ERROR;
	case -EFBIG:
		return CTL_EXIT_TOO_LARGE;
	case -EBUSY:
		return CTL_EXIT_RATE_LIMITED;
	case -ENXIO:
		return CTL_EXIT_NO_VM;
	case -ENODATA:
		return CTL_EXIT_EMPTY;
	default:
		return CTL_EXIT_FAILURE;
	}
}

const char *ctl_exit_kind(int exit_code)
{
	switch (exit_code) {
	case CTL_EXIT_OK:
		return "ok";
	case CTL_EXIT_USAGE:
		return "usage";
	case CTL_EXIT_NOT_RUNNING:
		return "vm_not_running";
	case CTL_EXIT_NOT_LISTENING:
		return "agent_not_listening";
	case CTL_EXIT_TIMEOUT:
		return "timeout";
	case CTL_EXIT_PROTOCOL:
		return "protocol_error";
	case CTL_EXIT_GUEST_ERROR:
		return "guest_error";
	case CTL_EXIT_TOO_LARGE:
		return "too_large";
	case CTL_EXIT_RATE_LIMITED:
		return "rate_limited";
	case CTL_EXIT_NO_VM:
		return "no_vm";
	case CTL_EXIT_EMPTY:
		return "empty";
	default:
		return "failure";
	}
}
