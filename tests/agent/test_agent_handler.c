/* Request handling (agent/handler.c) and the output queue (agent/buf.c):
 * the HELLO gate, every protocol vector against an established session,
 * error replies, and the limits on queued output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"
#include "handler.h"
#include "proto.h"
#include "proto_samples.h"
#include "proto_stream.h"
#include "vectors.h"

static struct vector *vecs;
static int n_vecs;

static int load(void **state)
{
	(void)state;
	n_vecs = vectors_load(&vecs);
	return n_vecs > 0 ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	free(vecs);
	return 0;
}

static const struct vector *vec(const char *name)
{
	for (int i = 0; i < n_vecs; i++)
		if (strcmp(vecs[i].name, name) == 0)
			return &vecs[i];
	fail_msg("no vector %s", name);
	return NULL;
}

/* Feeds one frame through a reader and the handler. Returns the verdict, or
 * the reader's error for a framing violation. */
static int run_frame(struct proto_session *s, const uint8_t *bytes, size_t len, struct outbuf *out,
		     struct agent_request *req)
{
	struct proto_reader r;
	size_t used;
	proto_reader_init(&r);
	int ret = proto_reader_feed(&r, bytes, len, &used);
	if (ret == 1) {
		assert_int_equal(used, len);
		ret = agent_handle_frame(s, &r.header, r.payload, out, req);
	} else if (ret == 0) {
		fail_msg("incomplete frame");
	}
	proto_reader_free(&r);
	return ret;
}

/* Takes the one frame queued in out and decodes it into m (payload copied to keep). */
static void take_reply(struct outbuf *out, struct proto_msg *m, uint8_t *keep, size_t keep_size)
{
	struct proto_header h;
	const char *why = NULL;
	assert_true(out->len >= PROTO_HEADER_SIZE);
	assert_int_equal(proto_header_decode(outbuf_head(out), &h), 0);
	assert_int_equal(out->len, PROTO_HEADER_SIZE + h.length);
	assert_true(out->len <= keep_size);
	memcpy(keep, outbuf_head(out), out->len);
	assert_int_equal(proto_decode(&h, keep + PROTO_HEADER_SIZE, m, &why), 0);
	assert_true(m->flags & PROTO_FLAG_REPLY);
	outbuf_consume(out, out->len);
	assert_int_equal(out->len, 0);
	assert_null(out->data); /* a drained queue holds no memory */
}

static void expect_error(struct outbuf *out, uint32_t id, uint32_t code)
{
	struct proto_msg m;
	uint8_t keep[512];
	take_reply(out, &m, keep, sizeof(keep));
	assert_int_equal(m.type, PROTO_ERROR);
	assert_int_equal(m.id, id);
	assert_int_equal(m.u.error.code, code);
}

static void establish_caps(struct proto_session *s, struct outbuf *out, uint32_t caps)
{
	struct agent_request req;
	const struct vector *v = vec("hello_request");
	agent_session_init(s, caps);
	outbuf_init(out, 100000);
	assert_int_equal(run_frame(s, v->bytes, v->len, out, &req), AGENT_DONE);
	struct proto_msg m;
	uint8_t keep[512];
	take_reply(out, &m, keep, sizeof(keep));
	assert_int_equal(m.type, PROTO_HELLO);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.u.hello.version, 1);
	assert_int_equal(m.u.hello.caps, caps);
	assert_int_equal(m.u.hello.software.len, strlen(AGENT_SOFTWARE));
	assert_memory_equal(m.u.hello.software.ptr, AGENT_SOFTWARE, strlen(AGENT_SOFTWARE));
	assert_true(s->established);
}

static void establish(struct proto_session *s, struct outbuf *out)
{
	establish_caps(s, out, AGENT_CAPS);
}

/* Builds a frame from a message. */
static size_t frame(const struct proto_msg *m, uint8_t *buf, size_t cap)
{
	size_t len;
	assert_int_equal(proto_encode(m, buf, cap, &len), 0);
	return len;
}

static void test_before_hello(void **state)
{
	(void)state;
	struct proto_session s;
	struct outbuf out;
	struct agent_request req;
	static const char *const closing[] = {"ping_request", "status_request", "shutdown_request",
					      "hello_reply",  "error_reply",	"ready_event",
					      "unknown_type", "ping_truncated", "error_as_request"};
	for (size_t i = 0; i < sizeof(closing) / sizeof(closing[0]); i++) {
		const struct vector *v = vec(closing[i]);
		agent_session_init(&s, AGENT_CAPS);
		outbuf_init(&out, 100000);
		if (run_frame(&s, v->bytes, v->len, &out, &req) != AGENT_CLOSE)
			fail_msg("%s before HELLO was not closed", closing[i]);
		assert_int_equal(out.len, 0);
		assert_false(s.established);
	}

	/* A malformed HELLO is answered, then the connection ends. */
	static const char *const bad_hello[] = {"hello_bad_range", "hello_version_zero"};
	for (size_t i = 0; i < 2; i++) {
		const struct vector *v = vec(bad_hello[i]);
		agent_session_init(&s, AGENT_CAPS);
		outbuf_init(&out, 100000);
		assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_CLOSE_AFTER);
		expect_error(&out, 1, PROTO_ERR_BAD_REQUEST);
	}

	/* No common version: VERSION_MISMATCH, then close. */
	struct proto_msg m;
	uint8_t buf[512];
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.id = 9;
	m.u.hello.min_version = 2;
	m.u.hello.max_version = 5;
	m.u.hello.software = proto_str_from("future host");
	agent_session_init(&s, AGENT_CAPS);
	outbuf_init(&out, 100000);
	assert_int_equal(run_frame(&s, buf, frame(&m, buf, sizeof(buf)), &out, &req),
			 AGENT_CLOSE_AFTER);
	expect_error(&out, 9, PROTO_ERR_VERSION_MISMATCH);
	assert_false(s.established);

	/* A wider range that includes 1 is fine. */
	m.u.hello.min_version = 1;
	agent_session_init(&s, AGENT_CAPS);
	assert_int_equal(run_frame(&s, buf, frame(&m, buf, sizeof(buf)), &out, &req), AGENT_DONE);
	assert_true(s.established);
	assert_int_equal(s.version, 1);
	outbuf_free(&out);
}

static void test_commands(void **state)
{
	(void)state;
	struct proto_session s;
	struct outbuf out;
	struct agent_request req;
	struct proto_msg m;
	uint8_t keep[512];
	establish(&s, &out);

	const struct vector *v = vec("ping_request");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_DONE);
	/* The reply is byte for byte the documented one. */
	const struct vector *pr = vec("ping_reply");
	assert_int_equal(out.len, pr->len);
	assert_memory_equal(outbuf_head(&out), pr->bytes, pr->len);
	take_reply(&out, &m, keep, sizeof(keep));
	assert_int_equal(m.u.ping_nonce, 0x0102030405060708ull);

	v = vec("status_request");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_STATUS);
	assert_int_equal(req.id, 4);
	assert_int_equal(out.len, 0); /* the caller answers once it has a snapshot */

	v = vec("shutdown_request");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_POWEROFF);
	assert_int_equal(req.deadline_ms, 30000);
	const struct vector *ack = vec("shutdown_reply");
	assert_int_equal(out.len, ack->len);
	assert_memory_equal(outbuf_head(&out), ack->bytes, ack->len);
	outbuf_consume(&out, out.len);

	v = vec("reboot_request");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_REBOOT);
	assert_int_equal(req.deadline_ms, 0);
	ack = vec("reboot_reply");
	assert_int_equal(out.len, ack->len);
	assert_memory_equal(outbuf_head(&out), ack->bytes, ack->len);
	outbuf_consume(&out, out.len);

	/* The documented session: unknown type 0x7777 gets exactly this reply. */
	v = vec("unknown_type");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_DONE);
	const struct vector *er = vec("error_reply");
	assert_int_equal(out.len, er->len);
	assert_memory_equal(outbuf_head(&out), er->bytes, er->len);
	outbuf_consume(&out, out.len);
	outbuf_free(&out);
}

/* What the agent must do with each vector once HELLO is done. */
static int expected(const struct vector *v, uint32_t *ret_code)
{
	uint16_t type = (uint16_t)(v->bytes[2] | v->bytes[3] << 8);
	uint16_t flags = (uint16_t)(v->bytes[4] | v->bytes[5] << 8);
	*ret_code = 0;
	if (strcmp(v->outcome, "framing") == 0)
		return -1;
	if ((flags & PROTO_FLAG_REPLY) || type == PROTO_HELLO || type == PROTO_READY ||
	    type == PROTO_APP_EXIT)
		return AGENT_CLOSE;
	if (strcmp(v->outcome, "bad") == 0) {
		*ret_code = PROTO_ERR_BAD_REQUEST;
		return AGENT_DONE;
	}
	switch (v->outcome[0] ? 0 : type) {
	case PROTO_PING:
		return AGENT_DONE;
	case PROTO_STATUS:
		return AGENT_STATUS;
	case PROTO_SHUTDOWN:
		return AGENT_POWEROFF;
	case PROTO_REBOOT:
		return AGENT_REBOOT;
	default:
		/* Unknown types and the capabilities the agent lacks. */
		*ret_code = PROTO_ERR_UNSUPPORTED;
		return AGENT_DONE;
	}
}

static void test_every_vector(void **state)
{
	(void)state;
	int checked = 0, errors = 0, closes = 0;
	for (int i = 0; i < n_vecs; i++) {
		const struct vector *v = &vecs[i];
		struct proto_session s;
		struct outbuf out;
		struct agent_request req;
		uint32_t code;
		establish(&s, &out);
		int want = expected(v, &code);
		int got = run_frame(&s, v->bytes, v->len, &out, &req);
		if (want == -1) {
			if (got >= 0)
				fail_msg("%s: framing violation not caught (%d)", v->name, got);
		} else if (got != want) {
			fail_msg("%s: verdict %d, wanted %d", v->name, got, want);
		} else if (code) {
			expect_error(&out, (uint32_t)v->bytes[8] | (uint32_t)v->bytes[9] << 8,
				     code);
			errors++;
		} else if (want == AGENT_CLOSE) {
			assert_int_equal(out.len, 0);
			closes++;
		}
		/* The session survives everything but a close. */
		if (want == AGENT_DONE)
			assert_true(s.established);
		outbuf_free(&out);
		checked++;
	}
	assert_int_equal(checked, n_vecs);
	assert_true(errors >= 20);
	assert_true(closes >= 15);
}

/* With a clipboard, its requests go to the clipboard, decoded; malformed
 * ones are still answered here. The documented hello_reply offers it. */
static void test_clipboard_verdicts(void **state)
{
	(void)state;
	struct proto_session s;
	struct outbuf out;
	struct agent_request req;
	const uint32_t caps = AGENT_CAPS | PROTO_CAP_CLIPBOARD;
	assert_int_equal(caps, PROTO_CAP_CONTROL | PROTO_CAP_CLIPBOARD);
	establish_caps(&s, &out, caps);

	const struct vector *v = vec("clipboard_get_request");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_CLIP_GET);
	assert_int_equal(req.id, 7);
	assert_int_equal(req.clip.get.offset, 0);
	assert_int_equal(req.clip.get.max_length, 32768);
	assert_int_equal(req.clip.get.mime.len, strlen("text/plain;charset=utf-8"));
	assert_int_equal(out.len, 0); /* the clipboard answers */

	v = vec("clipboard_set_request");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_CLIP_SET);
	assert_int_equal(req.id, 8);
	assert_int_equal(req.clip.set.total, 5);
	assert_int_equal(req.clip.set.data.len, 5);
	assert_int_equal(out.len, 0);

	/* Malformed clipboard requests never reach the clipboard. */
	static const char *const bad[] = {"mime_no_slash", "mime_empty", "clipboard_zero_length",
					  "clipboard_chunk_past_total", "clipboard_total_too_big"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = vec(bad[i]);
		assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_DONE);
		expect_error(&out, 1, PROTO_ERR_BAD_REQUEST);
	}
	/* Replies of the clipboard's types are no requests. */
	v = vec("clipboard_get_reply");
	assert_int_equal(run_frame(&s, v->bytes, v->len, &out, &req), AGENT_CLOSE);
	outbuf_free(&out);
}

static void test_status_reply(void **state)
{
	(void)state;
	struct proto_msg m;
	struct outbuf out;
	assert_int_equal(proto_sample("status_reply", &m), 0);
	outbuf_init(&out, 100000);
	assert_int_equal(agent_reply_status(&out, 4, &m.u.status), 0);
	const struct vector *v = vec("status_reply");
	assert_int_equal(out.len, v->len);
	assert_memory_equal(outbuf_head(&out), v->bytes, v->len);
	outbuf_free(&out);
}

static void test_status_too_big(void **state)
{
	(void)state;
	static char path[PROTO_PATH_MAX + 1];
	struct proto_msg m, got;
	struct outbuf out;
	static uint8_t keep[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	assert_int_equal(proto_sample("status_reply", &m), 0);
	path[0] = '/';
	memset(path + 1, 'p', PROTO_PATH_MAX - 1);
	struct proto_status *st = &m.u.status;
	st->n_stores = PROTO_MAX_STORES;
	for (unsigned i = 0; i < PROTO_MAX_STORES; i++) {
		st->stores[i].name = proto_str_from("big");
		st->stores[i].mount_point = (struct proto_str){path, PROTO_PATH_MAX};
	}
	outbuf_init(&out, 200000);
	assert_int_equal(agent_reply_status(&out, 7, st), 0);
	take_reply(&out, &got, keep, sizeof(keep));
	assert_int_equal(got.type, PROTO_STATUS);
	assert_int_equal(got.id, 7);
	/* 15 stores of 4103 bytes fit beside the rest; 16 would not. */
	assert_int_equal(got.u.status.n_stores, 15);
	assert_int_equal(got.u.status.n_addrs, 2);

	/* A record that breaks a rule is an internal error, not a crash or a close. */
	st->n_stores = 0;
	st->vm_name = proto_str_from("bad\nname");
	assert_int_equal(agent_reply_status(&out, 8, st), 0);
	expect_error(&out, 8, PROTO_ERR_INTERNAL);
	outbuf_free(&out);
}

static void test_out_limit(void **state)
{
	(void)state;
	struct proto_session s;
	struct outbuf out;
	struct agent_request req;
	const struct vector *ping = vec("ping_request");
	establish(&s, &out);
	/* Room for exactly two PING replies (24 bytes each). */
	out.limit = 48;
	assert_int_equal(run_frame(&s, ping->bytes, ping->len, &out, &req), AGENT_DONE);
	assert_int_equal(run_frame(&s, ping->bytes, ping->len, &out, &req), AGENT_DONE);
	assert_int_equal(run_frame(&s, ping->bytes, ping->len, &out, &req), -ENOBUFS);
	assert_int_equal(out.len, 48);
	/* Sending some makes room again; the queue compacts. */
	outbuf_consume(&out, 24);
	assert_int_equal(run_frame(&s, ping->bytes, ping->len, &out, &req), AGENT_DONE);
	assert_int_equal(out.len, 48);
	/* A STATUS reply (cap 65552) does not fit a small queue. */
	struct proto_msg m;
	assert_int_equal(proto_sample("status_reply", &m), 0);
	outbuf_consume(&out, 48);
	out.limit = 100;
	assert_int_equal(agent_reply_status(&out, 1, &m.u.status), -ENOBUFS);
	assert_int_equal(out.len, 0);
	outbuf_free(&out);
}

static void test_buf(void **state)
{
	(void)state;
	struct outbuf b;
	int err = 0;
	outbuf_init(&b, 1000);
	assert_null(outbuf_reserve(&b, 1001, &err));
	assert_int_equal(err, -ENOBUFS);
	uint8_t *p = outbuf_reserve(&b, 600, &err);
	assert_non_null(p);
	memset(p, 'a', 600);
	outbuf_commit(&b, 600);
	assert_null(outbuf_reserve(&b, 401, &err));
	assert_int_equal(err, -ENOBUFS);
	outbuf_consume(&b, 500);
	assert_int_equal(b.len, 100);
	/* 100 pending + 900 new = the limit exactly: the data moves to the front. */
	p = outbuf_reserve(&b, 900, &err);
	assert_non_null(p);
	memset(p, 'b', 900);
	outbuf_commit(&b, 900);
	assert_int_equal(b.len, 1000);
	assert_true(b.cap <= 1000);
	assert_int_equal(outbuf_head(&b)[0], 'a');
	assert_int_equal(outbuf_head(&b)[99], 'a');
	assert_int_equal(outbuf_head(&b)[100], 'b');
	outbuf_consume(&b, 5000); /* more than pending: drains */
	assert_int_equal(b.len, 0);
	assert_null(b.data);
	outbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_before_hello), cmocka_unit_test(test_commands),
	    cmocka_unit_test(test_every_vector), cmocka_unit_test(test_clipboard_verdicts),
	    cmocka_unit_test(test_status_reply), cmocka_unit_test(test_status_too_big),
	    cmocka_unit_test(test_out_limit),	 cmocka_unit_test(test_buf),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
