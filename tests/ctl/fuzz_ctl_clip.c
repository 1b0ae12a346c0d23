/* Fuzz target for the host's handling of clipboard replies: what a guest
 * sends after HELLO while "clipboard copy" pulls its clipboard, through the
 * frame reader, the client's reply judging (ctl_client_frame) and the
 * transfer's own checks (ctl_clip_pull_take, the UTF-8 rule for text), the
 * removal of control characters from text (ctl_clip_text_strip), with the
 * output of whatever ends the transfer.
 *
 * Input: byte 0 picks the size cap (bits 0-1: 1 byte, 64 KiB, 1 MiB, 16 MiB)
 * and whether text or bytes are asked for (bit 2); byte 1 the piece size the
 * stream is cut into; the rest is what the guest sends. Request ids follow
 * appvmctl's: HELLO 1, then 2, 3, ... for each CLIPBOARD_GET. The asserts:
 * nothing over the cap is ever allocated, each accepted reply advances the
 * transfer by exactly what was asked (or what was left), every error has a
 * message, every answer the host would send encodes, and stripped text is
 * valid UTF-8 without a removed character, as long as the count says, and
 * stays as it is when stripped again. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clip_mime.h"
#include "ctl_client.h"
#include "ctl_clip.h"
#include "ctl_clip_text.h"
#include "ctl_output.h"
#include "utf8.h"

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

struct pull_state {
	struct ctl_client c;
	struct ctl_clip_pull pull;
	const char *mime;
	uint32_t next_id;
	int hello_done;
};

static void ask(struct pull_state *s)
{
	struct proto_msg req;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_CLIPBOARD_GET;
	req.id = s->next_id++;
	ctl_clip_pull_next(&s->pull, &req.u.clipboard_get.offset, &req.u.clipboard_get.max_length);
	req.u.clipboard_get.mime = proto_str_from(s->mime);
	uint8_t buf[PROTO_HEADER_SIZE + 512];
	size_t len;
	if (proto_encode(&req, buf, sizeof(buf), &len) != 0)
		abort();
	ctl_client_expect(&s->c, &req);
}

/* Counts the characters of valid UTF-8 a copy removes (aborts on invalid). */
static uint32_t count_removed(const uint8_t *text, uint32_t len)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_decode(text + i, len - i, &cp);
		if (k == 0)
			abort();
		n += ctl_clip_text_removed(cp);
		i += (uint32_t)k;
	}
	return n;
}

/* Strips valid text as a copy does and checks the result: valid UTF-8, no
 * removed character left, the count right, a second pass a no-op. */
static uint32_t strip_checked(uint8_t *text, uint32_t len, uint32_t *ret_len)
{
	uint32_t counted = count_removed(text, len);
	uint32_t removed = ctl_clip_text_strip(text, len, ret_len);
	if (removed != counted || *ret_len > len || count_removed(text, *ret_len) != 0)
		abort();
	uint32_t again;
	if (ctl_clip_text_strip(text, *ret_len, &again) != 0 || again != *ret_len)
		abort();
	return removed;
}

static void report(const struct ctl_error *err, int ret, uint32_t bytes, uint32_t removed)
{
	struct ctl_clip_result clip = {.bytes = bytes, .removed_controls = removed};
	snprintf(clip.mime, sizeof(clip.mime), "%s", CLIP_TEXT_MIME);
	struct ctl_result res = {.command = CTL_CMD_CLIPBOARD_COPY,
				 .target = "t",
				 .ret = ret,
				 .err = err,
				 .vm = "vm",
				 .clip = &clip};
	ctl_print_human(sink(), sink(), &res, false);
	ctl_print_json(sink(), &res);
}

/* Returns -1 once the host would stop. */
static int on_frame(struct pull_state *s)
{
	struct proto_msg m;
	struct ctl_error err;
	ctl_error_clear(&err);
	int r = ctl_client_frame(&s->c, &s->c.reader.header, s->c.reader.payload, &m, &err);
	if (r < 0) {
		if ((r != -EPROTO && r != -EREMOTEIO) || !err.msg[0])
			abort();
		report(&err, r, 0, 0);
		return -1;
	}
	if (r == CTL_FRAME_ANSWER) {
		uint8_t buf[PROTO_HEADER_SIZE + 512];
		size_t len;
		if (proto_encode(&m, buf, sizeof(buf), &len) != 0)
			abort();
		return 0;
	}
	if (r != CTL_FRAME_REPLY)
		return 0;
	if (!s->hello_done) {
		s->hello_done = 1;
		ask(s);
		return 0;
	}
	uint32_t before = s->pull.got, offset, max;
	ctl_clip_pull_next(&s->pull, &offset, &max);
	r = ctl_clip_pull_take(&s->pull, &m.u.clipboard_data, &err);
	if (r < 0) {
		if ((r != -EFBIG && r != -EPROTO) || !err.msg[0])
			abort();
		if (r == -EFBIG && s->pull.buf)
			abort(); /* allocated past the cap */
		report(&err, r, 0, 0);
		return -1;
	}
	/* An accepted reply brings exactly what was asked, or all that is left. */
	uint32_t left = s->pull.total - before;
	if (s->pull.total > s->pull.cap || s->pull.got > s->pull.total ||
	    s->pull.got - before != (left < max ? left : max))
		abort();
	if (r == 0) {
		ask(s);
		return 0;
	}
	int ok = ctl_clip_text_ok(s->mime, s->pull.buf, s->pull.total, &err);
	if (!ok && !err.msg[0])
		abort();
	uint32_t len = s->pull.total, removed = 0;
	if (ok && clip_mime_is_text(s->mime))
		removed = strip_checked(s->pull.buf, s->pull.total, &len);
	report(&err, ok ? 0 : -EPROTO, len, removed);
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t caps[] = {1, 64 * 1024, 1024 * 1024, PROTO_CLIPBOARD_MAX};
	if (size < 2)
		return 0;
	struct pull_state s;
	memset(&s, 0, sizeof(s));
	ctl_clip_pull_init(&s.pull, caps[data[0] & 3]);
	s.mime = data[0] & 4 ? "application/octet-stream" : CLIP_TEXT_MIME;
	size_t piece = (size_t)data[1] % 64 + 1;
	data += 2;
	size -= 2;

	ctl_client_init(&s.c, -1);
	struct proto_msg hello;
	proto_session_hello(&s.c.session, 1, &hello);
	ctl_client_expect(&s.c, &hello);
	s.next_id = 2;

	size_t pos = 0;
	while (pos < size) {
		size_t n = size - pos < piece ? size - pos : piece;
		size_t used = 0;
		int ret = proto_reader_feed(&s.c.reader, data + pos, n, &used);
		pos += used;
		if (ret < 0) {
			struct ctl_error err;
			ctl_error_clear(&err);
			if (ctl_error_framing(&err, &s.c.reader, ret, "guest") != -EPROTO ||
			    !err.msg[0])
				abort();
			report(&err, -EPROTO, 0, 0);
			break;
		}
		if (ret == 1 && on_frame(&s) < 0)
			break;
	}
	ctl_clip_pull_free(&s.pull);
	ctl_client_free(&s.c);
	return 0;
}
