#include "proto_session.h"

#include <errno.h>
#include <string.h>

void proto_session_init(struct proto_session *s, enum proto_role role, uint32_t caps,
			const char *software)
{
	memset(s, 0, sizeof(*s));
	s->role = role;
	s->our_caps = caps;
	s->software = software;
}

void proto_session_hello(struct proto_session *s, uint32_t id, struct proto_msg *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->type = PROTO_HELLO;
	ret->id = id;
	ret->u.hello.min_version = PROTO_VERSION_MIN;
	ret->u.hello.max_version = PROTO_VERSION_MAX;
	ret->u.hello.caps = s->our_caps;
	ret->u.hello.software = proto_str_from(s->software);
	s->hello_id = id;
}

int proto_session_check(const struct proto_session *s, const struct proto_msg *m)
{
	int is_reply = (m->flags & PROTO_FLAG_REPLY) != 0;
	int is_hello = m->type == PROTO_HELLO;
	if (s->established)
		return is_hello ? -EPROTO : 0;
	if (s->role == PROTO_ROLE_ACCEPTOR)
		return (is_hello && !is_reply) ? 0 : -EPROTO;
	/* The opener waits for the answer to its HELLO: a HELLO or ERROR reply. */
	if (is_reply && (is_hello || m->type == PROTO_ERROR))
		return 0;
	return -EPROTO;
}

int proto_session_answer(struct proto_session *s, const struct proto_msg *hello,
			 struct proto_msg *reply)
{
	uint16_t v = proto_negotiate(PROTO_VERSION_MIN, PROTO_VERSION_MAX,
				     hello->u.hello.min_version, hello->u.hello.max_version);
	if (v == 0) {
		proto_make_error(reply, hello->id, PROTO_ERR_VERSION_MISMATCH,
				 "no common protocol version");
		return -EPROTONOSUPPORT;
	}
	memset(reply, 0, sizeof(*reply));
	reply->type = PROTO_HELLO;
	reply->flags = PROTO_FLAG_REPLY;
	reply->id = hello->id;
	reply->u.hello.version = v;
	reply->u.hello.caps = s->our_caps;
	reply->u.hello.software = proto_str_from(s->software);
	s->version = v;
	s->peer_caps = hello->u.hello.caps;
	s->established = 1;
	return 0;
}

int proto_session_finish(struct proto_session *s, const struct proto_msg *reply)
{
	if (reply->id != s->hello_id)
		return -EPROTO;
	if (reply->type != PROTO_HELLO)
		return -EPROTONOSUPPORT;
	uint16_t v = reply->u.hello.version;
	if (v < PROTO_VERSION_MIN || v > PROTO_VERSION_MAX)
		return -EPROTONOSUPPORT;
	s->version = v;
	s->peer_caps = reply->u.hello.caps;
	s->established = 1;
	return 0;
}
