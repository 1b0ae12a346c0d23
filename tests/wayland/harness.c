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

void h_put(struct wlf_in *in, uint32_t id, uint16_t opcode, const char *fmt, ...)
{
	uint8_t buf[WLF_MAX_MSG];
	struct wlf_enc e;
	wlf_enc_begin(&e, buf, sizeof(buf), id, opcode);
	va_list ap;
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			wlf_enc_string(&e, s, s ? strlen(s) : 0);
			break;
		}
		case 'a': {
			const struct wlf_blob *b = va_arg(ap, const struct wlf_blob *);
			wlf_enc_array(&e, b->data, b->len);
			break;
		}
		case 'h':
			wlf_in_push_fd(in, va_arg(ap, int));
			break;
		default:
			wlf_enc_u32(&e, va_arg(ap, uint32_t));
			break;
		}
	}
	va_end(ap);
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
