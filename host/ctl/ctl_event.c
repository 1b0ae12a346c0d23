/* What a frame on an event connection means. Pure code: fuzzed. */
#include "ctl_event.h"
#include "ctl_target.h"
#include "ports.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ctl_event_conn_init(struct ctl_event_conn *e, int fd)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	proto_reader_init(&e->reader);
	proto_session_init(&e->session, PROTO_ROLE_ACCEPTOR, PROTO_CAP_CONTROL,
			   "appvmctl " APPVM_VERSION);
}

void ctl_event_conn_free(struct ctl_event_conn *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	proto_reader_free(&e->reader);
}

static uint16_t copy_name(char *dst, struct proto_str untrusted)
{
	size_t n = untrusted.len > PROTO_NAME_MAX ? PROTO_NAME_MAX : untrusted.len;
	if (n)
		memcpy(dst, untrusted.ptr, n);
	dst[n] = '\0';
	return (uint16_t)n;
}

int ctl_event_frame(struct ctl_event_conn *e, const struct proto_header *untrusted_h,
		    const uint8_t *untrusted_payload, struct proto_msg *ret_reply,
		    struct ctl_ready *ret_ready, struct ctl_error *err)
{
	const struct proto_header *h = untrusted_h;
	struct proto_msg m;
	const char *why = "?";
	int decoded = proto_decode(h, untrusted_payload, &m, &why);
	int is_reply = (h->flags & PROTO_FLAG_REPLY) != 0;
	int is_event = h->type == PROTO_READY || h->type == PROTO_APP_EXIT;

	if (!e->session.established) {
		if (decoded < 0) {
			ctl_error_malformed(err, "event connection: guest", h, why);
			return -EPROTO;
		}
		if (proto_session_check(&e->session, &m) < 0) {
			char what[80];
			ctl_error_set(err,
				      "event connection: guest sent something before HELLO: %s",
				      proto_header_describe(h, what, sizeof(what)));
			return -EPROTO;
		}
		if (proto_session_answer(&e->session, &m, ret_reply) < 0) {
			ctl_error_set(err,
				      "event connection: guest offers protocol versions %u to "
				      "%u; we speak %u to %u",
				      m.u.hello.min_version, m.u.hello.max_version,
				      PROTO_VERSION_MIN, PROTO_VERSION_MAX);
			return CTL_EVENT_REFUSE;
		}
		ret_ready->protocol_version = e->session.version;
		ret_ready->untrusted_software_len =
		    copy_name(ret_ready->untrusted_software, m.u.hello.software);
		return CTL_EVENT_SEND;
	}
	if (++e->frames > CTL_EVENT_MAX_FRAMES) {
		ctl_error_set(err, "event connection: more than %u frames without READY",
			      CTL_EVENT_MAX_FRAMES);
		return -EPROTO;
	}
	if (is_reply) {
		char what[80];
		ctl_error_set(
		    err, "event connection: guest sent a reply, but the host asked nothing: %s",
		    proto_header_describe(h, what, sizeof(what)));
		return -EPROTO;
	}
	if (is_event) {
		if (decoded < 0) {
			ctl_error_malformed(err, "event connection: guest", h, why);
			return -EPROTO;
		}
		if (m.type == PROTO_APP_EXIT)
			return CTL_EVENT_MORE;
		ret_ready->uptime_ms = m.u.ready.uptime_ms;
		ret_ready->untrusted_vm_name_len =
		    copy_name(ret_ready->untrusted_vm_name, m.u.ready.vm_name);
		return CTL_EVENT_READY;
	}
	if (decoded == 0 && proto_session_check(&e->session, &m) < 0) {
		ctl_error_set(err, "event connection: a second HELLO");
		return -EPROTO;
	}
	ctl_refuse_request(ret_reply, h, decoded, "not served on the event connection");
	return CTL_EVENT_SEND;
}

int ctl_event_path(const struct ctl_target *t, const char *override, char *buf, size_t size)
{
	int n;
	if (override)
		n = snprintf(buf, size, "%s", override);
	else if (t->transport == CTL_TRANSPORT_HYBRID)
		n = snprintf(buf, size, "%s_%u", t->path, APPVM_EVENT_PORT);
	else
		n = snprintf(buf, size, "%s", "");
	if (n < 0 || (size_t)n >= size || (size_t)n >= CTL_PATH_SIZE)
		return -EINVAL;
	return 0;
}
