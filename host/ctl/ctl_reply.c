/* What a frame from the guest means to a control client. Pure code: the
 * fuzz target drives it with arbitrary bytes. */
#include "ctl_client.h"

#include <errno.h>
#include <string.h>

void ctl_client_expect(struct ctl_client *c, const struct proto_msg *req)
{
	c->want_id = req->id;
	c->want_type = req->type;
	c->want_nonce = req->type == PROTO_PING ? req->u.ping_nonce : 0;
	c->unsolicited = 0;
}

/* The answer to our HELLO: nothing else may come first. */
static int hello_frame(struct ctl_client *c, const struct proto_header *h, const uint8_t *payload,
		       struct proto_msg *m, struct ctl_error *err)
{
	const char *why = "?";
	if (proto_decode(h, payload, m, &why) < 0) {
		ctl_error_malformed(err, "guest", h, why);
		return -EPROTO;
	}
	if (proto_session_check(&c->session, m) < 0) {
		char what[80];
		ctl_error_set(err, "guest sent something before answering HELLO: %s",
			      proto_header_describe(h, what, sizeof(what)));
		return -EPROTO;
	}
	if (m->id != c->want_id) {
		ctl_error_set(err, "guest answered request id %u, HELLO was id %u", m->id,
			      c->want_id);
		return -EPROTO;
	}
	if (m->type == PROTO_ERROR) {
		ctl_error_guest(err, &m->u.error);
		ctl_error_set(err, "guest refused HELLO with %s",
			      proto_error_name(m->u.error.code));
		return -EPROTO;
	}
	if (proto_session_finish(&c->session, m) < 0) {
		ctl_error_set(err, "guest chose protocol version %u; we speak %u to %u",
			      m->u.hello.version, PROTO_VERSION_MIN, PROTO_VERSION_MAX);
		return -EPROTO;
	}
	size_t n = m->u.hello.software.len;
	if (n > PROTO_NAME_MAX)
		n = PROTO_NAME_MAX;
	if (n)
		memcpy(c->untrusted_software, m->u.hello.software.ptr, n);
	c->untrusted_software[n] = '\0';
	c->untrusted_software_len = (uint16_t)n;
	c->want_type = 0;
	return CTL_FRAME_REPLY;
}

/* A request or event from the guest while we wait for a reply. */
static int unsolicited_frame(struct ctl_client *c, const struct proto_header *h, int decoded,
			     const char *why, struct proto_msg *m, struct ctl_error *err)
{
	if (++c->unsolicited > CTL_MAX_UNSOLICITED) {
		ctl_error_set(err, "guest sent more than %u frames that are not the reply",
			      CTL_MAX_UNSOLICITED);
		return -EPROTO;
	}
	int is_event = h->type == PROTO_READY || h->type == PROTO_APP_EXIT;
	if (decoded == 0 && is_event)
		return CTL_FRAME_SKIP;
	if (decoded == -EBADMSG && is_event) {
		ctl_error_malformed(err, "guest", h, why);
		return -EPROTO;
	}
	ctl_refuse_request(m, h, decoded, "not served on the host's control connection");
	return CTL_FRAME_ANSWER;
}

int ctl_client_frame(struct ctl_client *c, const struct proto_header *untrusted_h,
		     const uint8_t *untrusted_payload, struct proto_msg *ret_msg,
		     struct ctl_error *err)
{
	const struct proto_header *h = untrusted_h;
	struct proto_msg *m = ret_msg;
	if (!c->session.established)
		return hello_frame(c, h, untrusted_payload, m, err);

	const char *why = "?";
	int decoded = proto_decode(h, untrusted_payload, m, &why);
	if (!(h->flags & PROTO_FLAG_REPLY))
		return unsolicited_frame(c, h, decoded, why, m, err);
	if (decoded < 0) {
		ctl_error_malformed(err, "guest", h, why);
		return -EPROTO;
	}
	if (proto_session_check(&c->session, m) < 0) {
		ctl_error_set(err, "guest sent a second HELLO");
		return -EPROTO;
	}
	if (c->want_type == 0 || m->id != c->want_id) {
		char what[80];
		ctl_error_set(err, "guest sent a reply to a request we did not send: %s",
			      proto_header_describe(h, what, sizeof(what)));
		return -EPROTO;
	}
	if (m->type == PROTO_ERROR) {
		ctl_error_guest(err, &m->u.error);
		ctl_error_set(err, "guest answered %s with error %s", ctl_type_name(c->want_type),
			      proto_error_name(m->u.error.code));
		c->want_type = 0;
		return -EREMOTEIO;
	}
	if (m->type != c->want_type) {
		ctl_error_set(err, "guest answered %s with a %s reply", ctl_type_name(c->want_type),
			      ctl_type_name(m->type));
		return -EPROTO;
	}
	if (m->type == PROTO_PING && m->u.ping_nonce != c->want_nonce) {
		ctl_error_set(err, "PING reply carries the wrong nonce");
		return -EPROTO;
	}
	c->want_type = 0;
	return CTL_FRAME_REPLY;
}
