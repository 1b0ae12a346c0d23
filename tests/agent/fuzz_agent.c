/* Fuzz target for the agent's request handling: bytes from a host client in,
 * replies out, as appvm-agent processes them (agent/handler.c behind the
 * frame reader). The first byte picks how the bytes are split into reads.
 * Every reply the agent queues must be a well-formed reply frame to the
 * request that caused it, and nothing may follow a close. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"
#include "handler.h"
#include "proto.h"
#include "proto_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The largest queue the daemon allows (agent.h: AGENT_OUT_LIMIT). */
#define OUT_LIMIT (16384u + PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD)

static void snapshot(struct proto_status *st)
{
	static const uint8_t v4[4] = {10, 0, 2, 15};
	memset(st, 0, sizeof(*st));
	st->vm_name = proto_str_from("fuzz-vm");
	st->agent_version = proto_str_from(AGENT_SOFTWARE);
	st->protocol_version = 1;
	st->uptime_ms = 1234;
	st->mem_total_kib = 1000;
	st->mem_available_kib = 500;
	st->app_state = PROTO_APP_RUNNING;
	st->n_stores = 1;
	st->stores[0].name = proto_str_from("base");
	st->stores[0].mount_point = proto_str_from("/run/stores/base");
	st->n_addrs = 1;
	st->addrs[0].ifname = proto_str_from("eth0");
	st->addrs[0].family = 4;
	st->addrs[0].prefix = 24;
	memcpy(st->addrs[0].addr, v4, 4);
}

/* Checks and drops every frame queued in out: each is a reply to `id`. */
static void drain(struct outbuf *out, uint32_t id, uint16_t type)
{
	while (out->len > 0) {
		struct proto_header h;
		struct proto_msg m;
		const char *why;
		if (out->len < PROTO_HEADER_SIZE || proto_header_decode(outbuf_head(out), &h) != 0)
			abort();
		if (out->len < PROTO_HEADER_SIZE + h.length)
			abort();
		if (proto_decode(&h, outbuf_head(out) + PROTO_HEADER_SIZE, &m, &why) != 0)
			abort();
		if (!(m.flags & PROTO_FLAG_REPLY) || m.id != id ||
		    (m.type != type && m.type != PROTO_ERROR))
			abort();
		outbuf_consume(out, PROTO_HEADER_SIZE + h.length);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t piece = (size_t)data[0] % 64 + 1;
	data++;
	size--;

	struct proto_reader r;
	struct proto_session s;
	struct outbuf out;
	static struct proto_status st;
	snapshot(&st);
	proto_reader_init(&r);
	agent_session_init(&s, AGENT_CAPS);
	outbuf_init(&out, OUT_LIMIT);

	size_t pos = 0;
	int closed = 0;
	while (pos < size && !closed) {
		size_t n = size - pos < piece ? size - pos : piece;
		size_t used = 0;
		int ret = proto_reader_feed(&r, data + pos, n, &used);
		pos += used;
		if (ret < 0)
			break; /* framing violation: the connection closes */
		if (ret == 0)
			continue;
		struct agent_request req;
		int v = agent_handle_frame(&s, &r.header, r.payload, &out, &req);
		switch (v) {
		case AGENT_STATUS:
			if (!s.established || agent_reply_status(&out, req.id, &st) != 0)
				abort();
			break;
		case AGENT_DONE:
		case AGENT_POWEROFF:
		case AGENT_REBOOT:
			/* Only an established session gets this far (HELLO aside). */
			if (!s.established)
				abort();
			break;
		case AGENT_CLOSE:
			if (out.len != 0)
				abort();
			closed = 1;
			break;
		case AGENT_CLOSE_AFTER:
			if (out.len == 0 || s.established)
				abort();
			closed = 1;
			break;
		default:
			abort(); /* the queue is drained after every frame: never full */
		}
		drain(&out, r.header.id, r.header.type);
	}
	proto_reader_free(&r);
	outbuf_free(&out);
	return 0;
}
