#include "handler.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void agent_session_init(struct proto_session *s, uint32_t caps)
{
	proto_session_init(s, PROTO_ROLE_ACCEPTOR, caps, AGENT_SOFTWARE);
}

static int queue_error(struct outbuf *out, uint32_t id, uint32_t code, const char *text)
{
	struct proto_msg m;
	proto_make_error(&m, id, code, text);
	return outbuf_put_msg(out, &m);
}

/* Returns the verdict when the reply was queued, or the queueing error. */
static int queued(int r, int verdict)
{
	return r < 0 ? r : verdict;
}

static int handle_undecodable(const struct proto_session *s, const struct proto_header *h, int err,
			      const char *why, struct outbuf *out, struct agent_request *ret)
{
	char text[64];
	if (h->flags & PROTO_FLAG_REPLY) {
		/* The agent sends no requests to a host client, so no reply
		 * can be expected: bad or not, it ends the connection. */
		ret->why = "unexpected reply";
		return AGENT_CLOSE;
	}
	if (err == -EOPNOTSUPP) {
		if (!s->established) {
			ret->why = "frame before HELLO";
			return AGENT_CLOSE;
		}
		snprintf(text, sizeof(text), "unsupported message type 0x%04x", h->type);
		ret->why = "unsupported type";
		return queued(queue_error(out, h->id, PROTO_ERR_UNSUPPORTED, text), AGENT_DONE);
	}
	ret->why = why ? why : "malformed";
	if (s->established && h->type == PROTO_HELLO) {
		ret->why = "second HELLO";
		return AGENT_CLOSE;
	}
	if (!s->established) {
		/* A malformed HELLO gets its answer, but the connection cannot
		 * go on without a session. */
		if (h->type != PROTO_HELLO) {
			ret->why = "frame before HELLO";
			return AGENT_CLOSE;
		}
		return queued(queue_error(out, h->id, PROTO_ERR_BAD_REQUEST, ret->why),
			      AGENT_CLOSE_AFTER);
	}
	if (h->type == PROTO_READY || h->type == PROTO_APP_EXIT) {
		ret->why = "event from the host";
		return AGENT_CLOSE;
	}
	return queued(queue_error(out, h->id, PROTO_ERR_BAD_REQUEST, ret->why), AGENT_DONE);
}

static int handle_request(struct proto_session *s, const struct proto_msg *m, struct outbuf *out,
			  struct agent_request *ret)
{
	struct proto_msg reply;
	memset(&reply, 0, sizeof(reply));
	reply.type = m->type;
	reply.flags = PROTO_FLAG_REPLY;
	reply.id = m->id;

	switch (m->type) {
	case PROTO_HELLO:
		if (proto_session_answer(s, m, &reply) < 0) {
			ret->why = "no common protocol version";
			return queued(outbuf_put_msg(out, &reply), AGENT_CLOSE_AFTER);
		}
		return queued(outbuf_put_msg(out, &reply), AGENT_DONE);
	case PROTO_PING:
		reply.u.ping_nonce = m->u.ping_nonce;
		return queued(outbuf_put_msg(out, &reply), AGENT_DONE);
	case PROTO_STATUS:
		return AGENT_STATUS;
	case PROTO_SHUTDOWN:
	case PROTO_REBOOT:
		ret->deadline_ms = m->u.deadline_ms;
		return queued(outbuf_put_msg(out, &reply),
			      m->type == PROTO_SHUTDOWN ? AGENT_POWEROFF : AGENT_REBOOT);
	case PROTO_READY:
	case PROTO_APP_EXIT:
		ret->why = "event from the host";
		return AGENT_CLOSE;
	case PROTO_CLIPBOARD_GET:
		if (!(s->our_caps & PROTO_CAP_CLIPBOARD))
			break;
		ret->clip.get = m->u.clipboard_get;
		return AGENT_CLIP_GET;
	case PROTO_CLIPBOARD_SET:
		if (!(s->our_caps & PROTO_CAP_CLIPBOARD))
			break;
		ret->clip.set = m->u.clipboard_set;
		return AGENT_CLIP_SET;
	default:
		break;
	}
	/* Known to the protocol, but a capability this agent does not offer,
	 * or a request only a guest sends. */
	ret->why = "unsupported request";
	return queued(queue_error(out, m->id, PROTO_ERR_UNSUPPORTED, "not supported by this agent"),
		      AGENT_DONE);
}

int agent_handle_frame(struct proto_session *s, const struct proto_header *h,
		       const uint8_t *untrusted_payload, struct outbuf *out,
		       struct agent_request *ret)
{
	struct proto_msg m;
	const char *why = NULL;

	memset(ret, 0, sizeof(*ret));
	ret->id = h->id;
	int r = proto_decode(h, untrusted_payload, &m, &why);
	if (r < 0)
		return handle_undecodable(s, h, r, why, out, ret);
	if (proto_session_check(s, &m) < 0) {
		ret->why = s->established ? "second HELLO" : "frame before HELLO";
		return AGENT_CLOSE;
	}
	if (m.flags & PROTO_FLAG_REPLY) {
		ret->why = "unexpected reply";
		return AGENT_CLOSE;
	}
	return handle_request(s, &m, out, ret);
}

int agent_reply_status(struct outbuf *out, uint32_t id, const struct proto_status *st)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_STATUS;
	m.flags = PROTO_FLAG_REPLY;
	m.id = id;
	m.u.status = *st;
	for (;;) {
		int r = outbuf_put_msg(out, &m);
		if (r == -EINVAL)
			return queue_error(out, id, PROTO_ERR_INTERNAL, "status record invalid");
		if (r != -E2BIG)
			return r;
		if (m.u.status.n_stores > 0)
			m.u.status.n_stores--;
		else if (m.u.status.n_addrs > 0)
			m.u.status.n_addrs--;
		else
			return queue_error(out, id, PROTO_ERR_INTERNAL, "status record too large");
	}
}
