/* The HELLO rule of docs/protocol.md: nothing but HELLO until the exchange is
 * done, the highest common version wins, no overlap ends the connection. */
#ifndef APPVM_PROTO_SESSION_H
#define APPVM_PROTO_SESSION_H

#include "proto.h"

enum proto_role {
	PROTO_ROLE_OPENER,   /* connected; sends HELLO first */
	PROTO_ROLE_ACCEPTOR, /* accepted; answers HELLO */
};

struct proto_session {
	enum proto_role role;
	int established;
	uint16_t version;   /* negotiated version, once established */
	uint32_t peer_caps; /* capabilities the peer announced */
	uint32_t our_caps;
	uint32_t hello_id;    /* opener: id of the HELLO it sent */
	const char *software; /* our name, sent in HELLO */
};

/* Prepares a session. software is kept by pointer. */
void proto_session_init(struct proto_session *s, enum proto_role role, uint32_t caps,
			const char *software);

/* Opener: fills the HELLO request to send first, with request id `id`. */
void proto_session_hello(struct proto_session *s, uint32_t id, struct proto_msg *ret);

/* Checks an incoming, decoded message against the session. Returns 0 when it
 * may be handled (for the acceptor's HELLO: answer with
 * proto_session_answer), or -EPROTO when the connection must be closed: a
 * frame other than HELLO before the exchange, a second HELLO, or a HELLO the
 * wrong way round. */
int proto_session_check(const struct proto_session *s, const struct proto_msg *m);

/* Acceptor: answers a HELLO request. Fills *reply with the HELLO reply and
 * returns 0 (session established), or fills an ERROR VERSION_MISMATCH reply
 * and returns -EPROTONOSUPPORT (send it, then close). */
int proto_session_answer(struct proto_session *s, const struct proto_msg *hello,
			 struct proto_msg *reply);

/* Opener: takes the peer's answer to our HELLO. Returns 0 (established),
 * -EPROTONOSUPPORT (an ERROR reply, or a version outside our range), or
 * -EPROTO (an answer to some other request id). */
int proto_session_finish(struct proto_session *s, const struct proto_msg *reply);

#endif
