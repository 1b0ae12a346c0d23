#include "harness.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void h_put_raw(struct wlf_in *in, const void *data, size_t len)
{
	assert(in->len + len <= sizeof(in->buf));
	memcpy(in->buf + in->len, data, len);
	in->len += len;
}

void h_put(struct wlf_in *in, uint32_t id, unsigned opcode, const char *fmt, ...)
{
	uint8_t buf[WLF_MAX_MSG];
	int fds[WLF_MAX_ARGS];
	unsigned nfds;
	struct wlf_enc e;
	wlf_enc_begin(&e, buf, sizeof(buf), id, (uint16_t)opcode);
	va_list ap;
	va_start(ap, fmt);
	wlf_enc_args(&e, fmt, ap, fds, WLF_MAX_ARGS, &nfds);
	va_end(ap);
	for (unsigned i = 0; i < nfds; i++)
		wlf_in_push_fd(in, fds[i]);
	int n = wlf_enc_end(&e);
	assert(n > 0);
	h_put_raw(in, buf, (size_t)n);
}

static bool peek(const struct wlf_out *out, size_t at, struct h_msg *m)
{
	if (out->len < at + WLF_HEADER_SIZE)
		return false;
	const uint8_t *p = out->data + out->off + at;
	uint32_t w1;
	memcpy(&m->id, p, 4);
	memcpy(&w1, p + 4, 4);
	m->opcode = (uint16_t)(w1 & 0xffff);
	m->size = (uint16_t)(w1 >> 16);
	assert(m->size >= WLF_HEADER_SIZE && at + m->size <= out->len);
	memcpy(m->raw, p, m->size);
	return true;
}

bool h_next(struct wlf_out *out, struct h_msg *m)
{
	if (!peek(out, 0, m))
		return false;
	wlf_out_sent(out, m->size, 0);
	return true;
}

bool h_find(struct wlf_out *out, uint32_t id, uint16_t opcode, struct h_msg *m)
{
	while (h_next(out, m))
		if (m->id == id && m->opcode == opcode)
			return true;
	return false;
}

unsigned h_count(const struct wlf_out *out)
{
	struct h_msg m;
	unsigned n = 0;
	for (size_t at = 0; peek(out, at, &m); at += m.size)
		n++;
	return n;
}

int h_take_fd(struct wlf_out *out)
{
	if (out->nfds == 0)
		return -1;
	int fd = dup(out->fds[out->fd_head].fd);
	wlf_out_sent(out, 0, 1);
	return fd;
}

void h_free_all(struct wlf_ctx *ctx)
{
	while (ctx->conns)
		wlf_conn_free(ctx->conns);
}

void h_drain(struct wlf_conn *c)
{
	wlf_out_clear(&c->cout);
	wlf_out_clear(&c->uout);
}

uint32_t h_word(const struct h_msg *m, unsigned i)
{
	return wlf_word(m->raw, i);
}

const char *h_string(const struct h_msg *m, unsigned i)
{
	return wlf_word(m->raw, i) ? (const char *)m->raw + 4 * (i + 1) : NULL;
}

int h_pipe(int *ret_w)
{
	int p[2];
	if (pipe(p) < 0)
		abort();
	*ret_w = p[1];
	return p[0];
}
