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
	default:
		return "failure";
	}
}
