/* Fuzz target for everything the host does with bytes from a guest: the
 * control client's reply judging (after HELLO: PING, STATUS, SHUTDOWN or
 * REBOOT in flight) and the wait-ready event connection, with the output
 * formatting of whatever they accept.
 *
 * Input: byte 0 picks the role (bits 0-2) and byte 1 the piece size the
 * stream is cut into; the rest is what the guest sends. Request ids and the
 * PING nonce match the examples in docs/protocol.md, so its reply vectors
 * make good seeds. Every answer the host would send must encode. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "ctl_event.h"
#include "ctl_output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
	static FILE *f;
	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

static void must_encode(const struct proto_msg *m)
{
	uint8_t buf[PROTO_HEADER_SIZE + 512];
	size_t len;
	if (proto_encode(m, buf, sizeof(buf), &len) != 0)
		abort();
}

static void command_request(unsigned role, struct proto_msg *req)
{
	static const uint16_t types[] = {PROTO_PING, PROTO_STATUS, PROTO_SHUTDOWN, PROTO_REBOOT};
	static const uint32_t ids[] = {2, 4, 5, 6};
	memset(req, 0, sizeof(*req));
	req->type = types[role % 4];
	req->id = ids[role % 4];
	if (req->type == PROTO_PING)
		req->u.ping_nonce = 0x0102030405060708ull;
	else
		req->u.deadline_ms = 30000;
}

/* Returns -1 once the host would close the connection. */
static int client_frame(struct ctl_client *c, unsigned role, int *phase)
{
	struct proto_msg m;
	struct ctl_error err;
	ctl_error_clear(&err);
	int r = ctl_client_frame(c, &c->reader.header, c->reader.payload, &m, &err);
	if (r < 0) {
		if (r != -EPROTO && r != -EREMOTEIO)
			abort();
		if (!err.msg[0])
			abort();
		struct ctl_result res = {
		    .command = CTL_CMD_PING, .target = "t", .ret = r, .err = &err};
		ctl_print_human(sink(), sink(), &res, false);
		ctl_print_json(sink(), &res);
		return -1;
	}
	if (r == CTL_FRAME_ANSWER) {
		must_encode(&m);
		return 0;
	}
	if (r != CTL_FRAME_REPLY)
		return 0;
	if (*phase == 0) {
		struct proto_msg req;
		command_request(role, &req);
		ctl_client_expect(c, &req);
		*phase = 1;
		return 0;
	}
	struct ctl_result res = {
	    .target = "t", .err = &err, .untrusted_software = c->untrusted_software};
	res.untrusted_software_len = c->untrusted_software_len;
	if (m.type == PROTO_STATUS) {
		res.command = CTL_CMD_STATUS;
		res.status = &m.u.status;
	} else {
		res.command = CTL_CMD_PING;
	}
	ctl_print_human(sink(), sink(), &res, false);
	ctl_print_json(sink(), &res);
	return 0;
}

static int event_frame(struct ctl_event_conn *e, struct ctl_ready *ready)
{
	struct proto_msg reply;
	struct ctl_error err;
	ctl_error_clear(&err);
	int r = ctl_event_frame(e, &e->reader.header, e->reader.payload, &reply, ready, &err);
	if (r < 0) {
		if (r != -EPROTO || !err.msg[0])
			abort();
		return -1;
	}
	if (r == CTL_EVENT_SEND || r == CTL_EVENT_REFUSE)
		must_encode(&reply);
	if (r == CTL_EVENT_REFUSE)
		return -1;
	if (r == CTL_EVENT_READY) {
		struct ctl_result res = {
		    .command = CTL_CMD_WAIT_READY, .target = "t", .err = &err, .ready = ready};
		ready->via = CTL_READY_EVENT;
		ctl_print_human(sink(), sink(), &res, false);
		ctl_print_json(sink(), &res);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned role = data[0] & 7;
	size_t piece = (size_t)data[1] % 64 + 1;
	data += 2;
	size -= 2;

	struct ctl_client c;
	struct ctl_event_conn e;
	struct ctl_ready ready;
	memset(&ready, 0, sizeof(ready));
	ctl_client_init(&c, -1);
	ctl_event_conn_init(&e, -1);
	struct proto_msg hello;
	proto_session_hello(&c.session, 1, &hello);
	ctl_client_expect(&c, &hello);
	struct proto_reader *r = role < 4 ? &c.reader : &e.reader;
	int phase = 0;

	size_t pos = 0;
	while (pos < size) {
		size_t n = size - pos < piece ? size - pos : piece;
		size_t used = 0;
		int ret = proto_reader_feed(r, data + pos, n, &used);
		pos += used;
		if (ret < 0) {
			struct ctl_error err;
			ctl_error_clear(&err);
			if (ctl_error_framing(&err, r, ret, "guest") != -EPROTO || !err.msg[0])
				abort();
			struct ctl_result res = {
			    .command = CTL_CMD_PING, .target = "t", .ret = -EPROTO, .err = &err};
			ctl_print_human(sink(), sink(), &res, false);
			break;
		}
		if (ret == 0)
			continue;
		if ((role < 4 ? client_frame(&c, role, &phase) : event_frame(&e, &ready)) < 0)
			break;
	}
	ctl_client_free(&c);
	ctl_event_conn_free(&e);
	return 0;
}
