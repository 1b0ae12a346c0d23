#include "fake_guest.h"
#include "fake_io.h"
#include "proto_samples.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "proto_stream.h"

static struct proto_str str_or(const char *s, const char *dflt)
{
	return proto_str_from(s ? s : dflt);
}

static void reply_header(struct proto_msg *m, uint16_t type, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = PROTO_FLAG_REPLY;
	m->id = id;
}

/* The status record of docs/protocol.md, with the strings the test chose. */
static void fill_status(const struct fake_opts *o, struct proto_msg *m, uint32_t id, int hostile)
{
	proto_sample("status_reply", m);
	m->id = id;
	struct proto_status *s = &m->u.status;
	s->vm_name = str_or(o->vm_name, hostile ? "vm\u202e\xc2\x9b"
						  "31m"
						: "test-vm");
	s->agent_version = str_or(o->agent_version, "fake-agent 1.0");
	s->app_state = PROTO_APP_RUNNING;
	s->app_exit_how = PROTO_EXIT_NONE;
	s->stores[0].name = str_or(o->store_name, "base");
	s->stores[0].mount_point =
	    str_or(o->mount_point, hostile ? "/run/\x1b]0;owned\x07\x1b[2J" : "/run/stores/base");
	s->addrs[0].ifname = str_or(o->ifname, "eth0");
}

static int front(struct fake_guest *g, int fd)
{
	char line[64];
	size_t n = 0;
	while (n < sizeof(line) - 1) {
		if (fake_read_exact(fd, line + n, 1, &g->stop) < 0)
			return -1;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	if (strcmp(line, "CONNECT 1024\n") != 0)
		return -1;
	static const char overlong[] = "OK 1111111111111111111111111111111111111111";
	switch (g->o.front) {
	case FRONT_OK:
		return fake_send_bytes(fd, "OK 1073741824\n", 14, 0, &g->stop);
	case FRONT_GARBAGE:
		fake_send_bytes(fd, "ERR no listener\n", 16, 0, &g->stop);
		return -1;
	case FRONT_OVERLONG:
		fake_send_bytes(fd, overlong, sizeof(overlong) - 1, 0, &g->stop);
		fake_wait_readable(fd, &g->stop);
		return -1;
	case FRONT_SILENT:
		fake_wait_readable(fd, &g->stop);
		return -1;
	default:
		return -1;
	}
}

/* FAKE_RAW's bytes. Returns 1 to go on serving, 0 to end the connection. */
static int send_raw(struct fake_guest *g, int fd)
{
	if (fake_send_bytes(fd, g->o.raw, g->o.raw_len, g->o.drip_ms, &g->stop) < 0)
		return 0;
	if (g->o.after == AFTER_SILENT)
		fake_wait_readable(fd, &g->stop);
	return g->o.after == AFTER_REPLY;
}

/* Answers HELLO according to mode. Returns 1 to go on, 0 to end. */
static int answer_hello(struct fake_guest *g, int fd, enum fake_mode mode, uint32_t hello_id,
			unsigned drip)
{
	struct proto_msg out;
	switch (mode) {
	case FAKE_GARBAGE:
		fake_send_bytes(fd, "HTTP/1.0 400 Bad Request\r\n\r\n", 28, 0, &g->stop);
		fake_wait_readable(fd, &g->stop);
		return 0;
	case FAKE_SILENT:
		fake_wait_readable(fd, &g->stop);
		return 0;
	case FAKE_HELLO_MISMATCH:
		proto_make_error(&out, hello_id, PROTO_ERR_VERSION_MISMATCH, "no common version");
		fake_send_msg(fd, &out, 0, &g->stop);
		return 0;
	case FAKE_REQUEST_FIRST:
		memset(&out, 0, sizeof(out));
		out.type = PROTO_PING;
		out.id = 77;
		fake_send_msg(fd, &out, 0, &g->stop);
		fake_wait_readable(fd, &g->stop);
		return 0;
	case FAKE_RAW:
		/* The bytes replace the HELLO reply; AFTER_REPLY goes on serving. */
		if (g->o.at_hello)
			return send_raw(g, fd);
		break;
	default:
		break;
	}
	reply_header(&out, PROTO_HELLO, hello_id);
	out.u.hello.version = 1;
	out.u.hello.caps = g->o.caps ? g->o.caps : PROTO_CAP_CONTROL | PROTO_CAP_CLIPBOARD;
	out.u.hello.software = str_or(g->o.software, "fake-agent 1.0");
	if (mode == FAKE_HELLO_BAD_VERSION) {
		/* The encoder would refuse version 9: patch the bytes. */
		uint8_t buf[64];
		size_t len;
		proto_encode(&out, buf, sizeof(buf), &len);
		buf[PROTO_HEADER_SIZE] = 9;
		fake_send_bytes(fd, buf, len, 0, &g->stop);
		fake_wait_readable(fd, &g->stop);
		return 0;
	}
	return fake_send_msg(fd, &out, drip, &g->stop) == 0;
}

/* Two events and a guest request before the reply; the host must answer our
 * request (UNSUPPORTED) before we answer its. */
static void events_first(struct fake_guest *g, int fd)
{
	struct proto_msg out;
	memset(&out, 0, sizeof(out));
	out.type = PROTO_READY;
	out.id = 1;
	out.u.ready.vm_name = proto_str_from("test-vm");
	fake_send_msg(fd, &out, 0, &g->stop);
	memset(&out, 0, sizeof(out));
	out.type = PROTO_APP_EXIT;
	out.id = 2;
	out.u.app_exit.how = PROTO_EXIT_SIGNAL;
	out.u.app_exit.value = 9;
	fake_send_msg(fd, &out, 0, &g->stop);
	memset(&out, 0, sizeof(out));
	out.type = PROTO_DOC_CLOSE;
	out.id = 3;
	out.u.doc_id = 5;
	fake_send_msg(fd, &out, 0, &g->stop);
	struct proto_reader r2;
	struct proto_msg ans;
	proto_reader_init(&r2);
	if (fake_read_msg(fd, &r2, &ans, &g->stop) == 0 && ans.id == 3 && ans.type == PROTO_ERROR &&
	    (ans.flags & PROTO_FLAG_REPLY) && ans.u.error.code == PROTO_ERR_UNSUPPORTED)
		atomic_store(&g->got_unsupported, 1);
	proto_reader_free(&r2);
}

/* A clipboard "paste" the host never asked for, with a type it never
 * named; the host must answer UNSUPPORTED and take nothing. */
static void clip_unasked(struct fake_guest *g, int fd)
{
	struct proto_msg out;
	memset(&out, 0, sizeof(out));
	out.type = PROTO_CLIPBOARD_SET;
	out.id = 40;
	out.u.clipboard_set.total = 4;
	out.u.clipboard_set.mime = proto_str_from("text/html");
	out.u.clipboard_set.data.ptr = (const uint8_t *)"evil";
	out.u.clipboard_set.data.len = 4;
	fake_send_msg(fd, &out, 0, &g->stop);
	struct proto_reader r2;
	struct proto_msg ans;
	proto_reader_init(&r2);
	if (fake_read_msg(fd, &r2, &ans, &g->stop) == 0 && ans.id == 40 &&
	    ans.type == PROTO_ERROR && ans.u.error.code == PROTO_ERR_UNSUPPORTED)
		atomic_store(&g->clip_unsupported, 1);
	proto_reader_free(&r2);
}

/* A CLIPBOARD_GET reply from fake_opts.clip, bent by the clipboard modes
 * from the second request on. */
static void clip_get_answer(struct fake_guest *g, enum fake_mode mode, const struct proto_msg *in,
			    struct proto_msg *out)
{
	static uint8_t past[2 * PROTO_CHUNK];
	const char *mime = g->o.clip_mime ? g->o.clip_mime : "text/plain;charset=utf-8";
	const struct proto_clipboard_get *q = &in->u.clipboard_get;
	int later = atomic_fetch_add(&g->clip_gets, 1) > 0;
	if (q->mime.len != strlen(mime) || memcmp(q->mime.ptr, mime, q->mime.len) != 0) {
		proto_make_error(out, in->id, PROTO_ERR_NOT_FOUND, "no such type in the clipboard");
		return;
	}
	uint32_t total = g->o.clip_len;
	uint32_t left = q->offset < total ? total - q->offset : 0;
	reply_header(out, PROTO_CLIPBOARD_GET, in->id);
	out->u.clipboard_data.total = total;
	out->u.clipboard_data.data.ptr = g->o.clip ? g->o.clip + q->offset : past;
	out->u.clipboard_data.data.len = left < q->max_length ? left : q->max_length;
	if (!later)
		return;
	if (mode == FAKE_CLIP_TOTAL_GROWS)
		out->u.clipboard_data.total++;
	if (mode == FAKE_CLIP_NO_PROGRESS)
		out->u.clipboard_data.data.len = 0;
	if (mode == FAKE_CLIP_ONE_BYTE && out->u.clipboard_data.data.len > 1)
		out->u.clipboard_data.data.len = 1;
	if (mode == FAKE_CLIP_GONE)
		proto_make_error(out, in->id, PROTO_ERR_NOT_FOUND, "no such type in the clipboard");
	if (mode == FAKE_CLIP_PAST_END) {
		out->u.clipboard_data.data.ptr = past;
		out->u.clipboard_data.data.len = PROTO_CHUNK;
	}
}

/* Misbehaves instead of (or before) answering request in. Returns 1 to send
 * the answer after all, 0 to end the connection. */
static int before_answer(struct fake_guest *g, int fd, enum fake_mode mode,
			 const struct proto_msg *in)
{
	struct proto_msg out;
	uint32_t id = in->id;
	switch (mode) {
	case FAKE_GARBAGE_LATER:
		fake_send_bytes(fd, "\x41\x56garbage garbage garbage", 25, 0, &g->stop);
		fake_wait_readable(fd, &g->stop);
		return 0;
	case FAKE_OVERSIZED: {
		uint8_t h[PROTO_HEADER_SIZE];
		fake_header(h, in->type, PROTO_FLAG_REPLY, id, 0x7fffffff);
		fake_send_bytes(fd, h, sizeof(h), 0, &g->stop);
		fake_wait_readable(fd, &g->stop);
		return 0;
	}
	case FAKE_TRUNCATED: {
		static _Thread_local uint8_t buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
		size_t len;
		fill_status(&g->o, &out, id, 0);
		proto_encode(&out, buf, sizeof(buf), &len);
		fake_send_bytes(fd, buf, len / 2, 0, &g->stop);
		return 0;
	}
	case FAKE_SILENT_LATER:
		fake_wait_readable(fd, &g->stop);
		return 0;
	case FAKE_CLOSE_LATER:
		return 0;
	case FAKE_ERROR_ESCAPE: {
		/* ERROR reply, code BUSY, message "a\x1b[2J": TEXT forbids ESC. */
		uint8_t raw[] = {0x41, 0x56, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0,
				 0,    0,    0,	   0x0b, 0x00, 0x00, 0x00, 0x04, 0x00,
				 0x00, 0x00, 0x05, 0x00, 'a',  0x1b, '[',  '2',	 'J'};
		memcpy(raw + 8, &id, 4);
		fake_send_bytes(fd, raw, sizeof(raw), 0, &g->stop);
		fake_wait_readable(fd, &g->stop);
		return 0;
	}
	case FAKE_EVENT_FLOOD:
	case FAKE_REQUEST_FLOOD:
		memset(&out, 0, sizeof(out));
		if (mode == FAKE_EVENT_FLOOD) {
			out.type = PROTO_APP_EXIT;
			out.u.app_exit.how = PROTO_EXIT_CODE;
		} else {
			out.type = PROTO_DOC_CLOSE;
			out.u.doc_id = 1;
		}
		while (fake_send_msg(fd, &out, 0, &g->stop) == 0)
			out.id++;
		return 0;
	case FAKE_EVENTS_FIRST:
		events_first(g, fd);
		return 1;
	case FAKE_CLIP_STALL:
		if (in->type != PROTO_CLIPBOARD_GET || atomic_load(&g->clip_gets) == 0)
			return 1;
		fake_wait_readable(fd, &g->stop);
		return 0;
	case FAKE_CLIP_UNASKED:
		clip_unasked(g, fd);
		return 1;
	case FAKE_RAW:
		return g->o.at_hello || send_raw(g, fd);
	default:
		return 1;
	}
}

/* The proper answer to request in (bent by the modes that bend it). */
static void answer(struct fake_guest *g, enum fake_mode mode, const struct proto_msg *in,
		   struct proto_msg *out)
{
	uint32_t id = in->id;
	switch (in->type) {
	case PROTO_PING:
		reply_header(out, PROTO_PING, id);
		out->u.ping_nonce = in->u.ping_nonce;
		if (mode == FAKE_WRONG_NONCE)
			out->u.ping_nonce++;
		if (mode == FAKE_WRONG_TYPE)
			fill_status(&g->o, out, id, 0);
		break;
	case PROTO_STATUS:
		fill_status(&g->o, out, id, mode == FAKE_HOSTILE_STATUS);
		break;
	case PROTO_SHUTDOWN:
	case PROTO_REBOOT:
		atomic_store(&g->last_deadline_ms, in->u.deadline_ms);
		reply_header(out, in->type, id);
		break;
	case PROTO_CLIPBOARD_GET:
		clip_get_answer(g, mode, in, out);
		break;
	case PROTO_CLIPBOARD_SET:
		atomic_fetch_add(&g->clip_set_bytes, in->u.clipboard_set.data.len);
		reply_header(out, PROTO_CLIPBOARD_SET, id);
		break;
	default:
		proto_make_error(out, id, PROTO_ERR_UNSUPPORTED, "unsupported");
		break;
	}
	if (mode == FAKE_ERROR_REPLY)
		proto_make_error(out, id, PROTO_ERR_BUSY,
				 g->o.error_msg ? g->o.error_msg
						: "busy\n\xc2\x9b"
						  "31mred\xe2\x80\xae \"quoted\"");
	if (mode == FAKE_WRONG_ID)
		out->id = id + 1000;
}

/* Plays one connection. */
static void serve(struct fake_guest *g, int fd, enum fake_mode mode)
{
	struct proto_reader r;
	struct proto_msg in, out;
	proto_reader_init(&r);
	unsigned drip = mode == FAKE_SLOW_DRIP ? 100 : mode == FAKE_FAST_DRIP ? 5 : 0;

	if (g->o.front != FRONT_NONE && front(g, fd) < 0)
		goto done;
	if (fake_read_msg(fd, &r, &in, &g->stop) < 0 || in.type != PROTO_HELLO)
		goto done;
	if (!answer_hello(g, fd, mode, in.id, drip))
		goto done;
	for (;;) {
		if (fake_read_msg(fd, &r, &in, &g->stop) < 0) {
			if (r.refused)
				atomic_store(&g->junk, 1);
			goto done;
		}
		atomic_store(&g->last_type, in.type);
		if (!before_answer(g, fd, mode, &in))
			goto done;
		answer(g, mode, &in, &out);
		if (fake_send_msg(fd, &out, drip, &g->stop) < 0)
			goto done;
		atomic_fetch_add(&g->requests, 1);
		if (mode == FAKE_ACK_STREAM) {
			static const uint8_t junk[4096];
			while (fake_send_bytes(fd, junk, sizeof(junk), 0, &g->stop) == 0)
				;
			goto done;
		}
		if ((in.type == PROTO_SHUTDOWN || in.type == PROTO_REBOOT) &&
		    mode != FAKE_ACK_NO_CLOSE)
			goto done; /* the guest goes down */
	}
done:
	proto_reader_free(&r);
	close(fd);
}

static void *guest_main(void *arg)
{
	struct fake_guest *g = arg;
	while (fake_wait_readable(g->listen_fd, &g->stop) == 0) {
		int fd = accept(g->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		int n = atomic_fetch_add(&g->connections, 1) + 1;
		int hostile = g->o.hostile_conns == 0 || (unsigned)n <= g->o.hostile_conns;
		serve(g, fd, hostile ? g->o.mode : FAKE_GOOD);
	}
	return NULL;
}

int fake_guest_run(struct fake_guest *g, const char *path, const struct fake_opts *o)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->path, sizeof(g->path), "%s", path);
	g->o = *o;
	g->listen_fd = fake_unix_listen(path);
	if (g->listen_fd < 0)
		return g->listen_fd;
	if (pthread_create(&g->thread, NULL, guest_main, g) != 0) {
		close(g->listen_fd);
		return -EAGAIN;
	}
	return 0;
}

int fake_guest_start(struct fake_guest *g, const char *path, enum fake_mode mode,
		     enum fake_front front)
{
	struct fake_opts o = {.mode = mode, .front = front};
	return fake_guest_run(g, path, &o);
}

void fake_guest_stop(struct fake_guest *g)
{
	atomic_store(&g->stop, 1);
	pthread_join(g->thread, NULL);
	close(g->listen_fd);
	unlink(g->path);
}
