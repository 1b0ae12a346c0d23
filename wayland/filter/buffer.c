#include "buffer.h"

#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void wlf_in_init(struct wlf_in *in)
{
	in->len = 0;
	in->fd_head = 0;
	in->nfds = 0;
}

int wlf_in_pop_fd(struct wlf_in *in)
{
	if (in->nfds == 0)
		return -1;
	int fd = in->fds[in->fd_head];
	in->fd_head = (in->fd_head + 1) % WLF_IN_FDS;
	in->nfds--;
	return fd;
}

void wlf_in_clear(struct wlf_in *in)
{
	int fd;
	while ((fd = wlf_in_pop_fd(in)) >= 0)
		close(fd);
	wlf_in_init(in);
}

int wlf_in_push_fd(struct wlf_in *in, int fd)
{
	if (in->nfds == WLF_IN_FDS) {
		close(fd);
		return -EMFILE;
	}
	in->fds[(in->fd_head + in->nfds) % WLF_IN_FDS] = fd;
	in->nfds++;
	return 0;
}

void wlf_in_consume(struct wlf_in *in, size_t n)
{
	if (n >= in->len) {
		in->len = 0;
		return;
	}
	memmove(in->buf, in->buf + n, in->len - n);
	in->len -= n;
}

void wlf_out_init(struct wlf_out *out, size_t limit)
{
	memset(out, 0, sizeof(*out));
	out->limit = limit;
}

static void out_drop_fds(struct wlf_out *out, unsigned n)
{
	for (unsigned i = 0; i < n && out->nfds > 0; i++) {
		close(out->fds[out->fd_head].fd);
		out->fd_head = (out->fd_head + 1) % WLF_OUT_FDS;
		out->nfds--;
	}
}

void wlf_out_clear(struct wlf_out *out)
{
	out_drop_fds(out, out->nfds);
	free(out->data);
	out->data = NULL;
	out->off = out->len = out->cap = 0;
	out->fd_head = 0;
}

bool wlf_out_has_room(const struct wlf_out *out, size_t n, unsigned nfds)
{
	return out->len + n <= out->limit && out->nfds + nfds <= WLF_OUT_FDS;
}

static void close_all(const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

int wlf_out_put(struct wlf_out *out, const uint8_t *msg, size_t len, const int *fds, unsigned nfds)
{
	if (nfds > WLF_MAX_FDS_SEND || !wlf_out_has_room(out, len, nfds)) {
		close_all(fds, nfds);
		return -ENOBUFS;
	}
	if (out->off + out->len + len > out->cap) {
		if (out->off > 0) {
			memmove(out->data, out->data + out->off, out->len);
			out->off = 0;
		}
		if (out->len + len > out->cap) {
			size_t cap = out->cap ? out->cap : 4096;
			while (cap < out->len + len)
				cap *= 2;
			uint8_t *d = realloc(out->data, cap);
			if (!d) {
				close_all(fds, nfds);
				return -ENOMEM;
			}
			out->data = d;
			out->cap = cap;
		}
	}
	uint64_t pos = out->sent + out->len;
	memcpy(out->data + out->off + out->len, msg, len);
	out->len += len;
	for (unsigned i = 0; i < nfds; i++) {
		out->fds[(out->fd_head + out->nfds) % WLF_OUT_FDS] =
		    (struct wlf_out_fd){fds[i], pos};
		out->nfds++;
	}
	return 0;
}

bool wlf_out_next(const struct wlf_out *out, const uint8_t **ret_data, size_t *ret_len,
		  int *ret_fds, unsigned *ret_nfds)
{
	if (out->len == 0)
		return false;
	unsigned n = out->nfds < WLF_MAX_FDS_SEND ? out->nfds : WLF_MAX_FDS_SEND;
	size_t len = out->len;
	if (n < out->nfds) {
		/* The message of the first fd left behind must wait for it. No
		 * message has more than WLF_MAX_FDS_SEND fds, so the fds sent now
		 * all belong to earlier messages or to one starting here, and at
		 * least one byte may go. */
		uint64_t stop = out->fds[(out->fd_head + n) % WLF_OUT_FDS].pos;
		if (stop - out->sent < len)
			len = (size_t)(stop - out->sent);
		if (len == 0)
			len = 1;
	}
	for (unsigned i = 0; i < n; i++)
		ret_fds[i] = out->fds[(out->fd_head + i) % WLF_OUT_FDS].fd;
	*ret_nfds = n;
	*ret_data = out->data + out->off;
	*ret_len = len;
	return true;
}

void wlf_out_sent(struct wlf_out *out, size_t len, unsigned nfds)
{
	out_drop_fds(out, nfds);
	if (len > out->len)
		len = out->len;
	out->off += len;
	out->len -= len;
	out->sent += len;
	if (out->len == 0) {
		/* An idle connection holds no output memory. */
		free(out->data);
		out->data = NULL;
		out->off = out->cap = 0;
	}
}
