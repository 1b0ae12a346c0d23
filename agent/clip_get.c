/* CLIPBOARD_GET: the VM's selection read from its owner through a pipe
 * into a snapshot, served to the host in chunks. The connection to the
 * guest filter and CLIPBOARD_SET are in clip.c. docs/clipboard.md. */
#include "agent.h"
#include "clip_int.h"

#include "clip_mime.h"
#include "clock.h"
#include "io.h"
#include "log.h"
#include "wlclip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define READ_FIRST_CAP 65536u

/* The CLIPBOARD_GET reply to request id: the snapshot's bytes from offset. */
static void snap_reply(const struct agent_clip *k, uint32_t id, uint32_t offset,
		       uint32_t max_length, struct proto_msg *m)
{
	static const uint8_t none[1];
	clip_reply_init(m, PROTO_CLIPBOARD_GET, id);
	m->u.clipboard_data.total = k->snap.len;
	m->u.clipboard_data.data.ptr = k->buf ? k->buf + offset : none;
	m->u.clipboard_data.data.len = clip_chunk_len(k->snap.len, offset, max_length);
}

void clip_snap_free(struct agent_clip *k)
{
	free(k->buf);
	k->buf = NULL;
	k->cap = 0;
	memset(&k->snap, 0, sizeof(k->snap));
}

void clip_read_stop(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	if (k->rd_fd >= 0) {
		agent_watch_del(a, k->rd_fd);
		close(k->rd_fd);
	}
	k->rd_fd = -1;
}

/* Ends the parked GET: with its first chunk (failure NULL) or an error. */
void clip_get_finish(struct agent *a, uint32_t code, const char *failure)
{
	struct agent_clip *k = &a->clip;
	unsigned serial = k->snap.owner;
	clip_read_stop(a);
	k->get_pending = false;
	if (failure) {
		clip_snap_free(k);
		clip_reply_error(a, serial, k->get_id, code, failure);
		return;
	}
	k->snap.active = true;
	log_info("clipboard: the host reads the VM's clipboard (%u bytes of %s)", k->snap.len,
		 k->snap.mime);
	struct proto_msg m;
	snap_reply(k, k->get_id, 0, k->get_max, &m);
	server_clip_resume(a, serial, &m);
	if (k->snap.len <= k->get_max)
		clip_snap_free(k); /* served in full */
}

void clip_get_start_read(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	const char *const *offered;
	unsigned n = wlclip_mimes(k->wl, &offered);
	if (!wlclip_has_selection(k->wl)) {
		clip_get_finish(a, 0, NULL); /* an empty clipboard: total 0 */
		return;
	}
	const char *mime = clip_mime_pick(offered, n, k->get_want);
	if (!mime) {
		char text[PROTO_TEXT_MAX + 1];
		clip_get_finish(a, PROTO_ERR_NOT_FOUND,
				clip_not_found_text(k->get_want, offered, n, text, sizeof(text)));
		return;
	}
	k->rd_fd = wlclip_receive(k->wl, mime);
	if (k->rd_fd < 0) {
		k->rd_fd = -1;
		clip_get_finish(a, PROTO_ERR_IO, "cannot ask for the VM's clipboard content");
		return;
	}
	k->rd_w.kind = WATCH_CLIP_READ;
	if (agent_watch_add(a, k->rd_fd, &k->rd_w, EPOLLIN) < 0)
		clip_get_finish(a, PROTO_ERR_IO, "cannot wait for the VM's clipboard content");
}

void clip_read_io(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	for (int i = 0; i < 16; i++) {
		if (k->snap.len == k->cap) {
			/* One byte past the protocol's cap tells "too big". */
			size_t want = k->cap ? k->cap * 2 : READ_FIRST_CAP;
			if (want > (size_t)PROTO_CLIPBOARD_MAX + 1)
				want = (size_t)PROTO_CLIPBOARD_MAX + 1;
			uint8_t *p = want > k->cap ? realloc(k->buf, want) : NULL;
			if (!p) {
				clip_get_finish(a, PROTO_ERR_IO,
						k->cap > PROTO_CLIPBOARD_MAX
						    ? "the VM's clipboard holds more than 16 MiB"
						    : "out of memory reading the VM's clipboard");
				return;
			}
			k->buf = p;
			k->cap = want;
		}
		ssize_t n = io_read_some(k->rd_fd, k->buf + k->snap.len, k->cap - k->snap.len);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			clip_get_finish(a, PROTO_ERR_IO, "reading the VM's clipboard failed");
			return;
		}
		if (n == 0) {
			clip_get_finish(a, 0, NULL);
			return;
		}
		k->snap.len += (uint32_t)n;
		if (k->snap.len > PROTO_CLIPBOARD_MAX) {
			clip_get_finish(a, PROTO_ERR_IO,
					"the VM's clipboard holds more than 16 MiB");
			return;
		}
	}
}

int clip_get(struct agent *a, struct client *c, uint32_t id, const struct proto_clipboard_get *g)
{
	struct agent_clip *k = &a->clip;
	struct proto_msg err;
	if (g->offset > 0) {
		const char *why;
		uint32_t len;
		if (clip_snap_chunk(&k->snap, c->fc.serial, g, &len, &why) < 0) {
			proto_make_error(&err, id, PROTO_ERR_BAD_REQUEST, why);
			return outbuf_put_msg(&c->fc.out, &err);
		}
		struct proto_msg m;
		snap_reply(k, id, g->offset, g->max_length, &m);
		int r = outbuf_put_msg(&c->fc.out, &m);
		if (r == 0 && g->offset + len == k->snap.len)
			clip_snap_free(k); /* the last chunk */
		return r;
	}
	if (k->get_pending) {
		proto_make_error(&err, id, PROTO_ERR_BUSY, "another clipboard read is in progress");
		return outbuf_put_msg(&c->fc.out, &err);
	}
	clip_snap_free(k);
	k->snap.owner = c->fc.serial;
	clip_mime_copy(k->snap.mime, g->mime);
	clip_mime_copy(k->get_want, g->mime);
	k->get_pending = true;
	k->get_id = id;
	k->get_max = g->max_length;
	k->get_deadline = clock_now_ms() + AGENT_CLIP_READ_MS;
	c->wait_clip = true;
	if (k->conn == CLIP_UP)
		clip_get_start_read(a);
	else if (k->conn == CLIP_DOWN)
		clip_conn_ready(a);
	return 0;
}
