#include "clip_xfer.h"

#include "clip_mime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void clip_mime_copy(char dst[PROTO_MIME_MAX + 1], struct proto_str mime)
{
	size_t n = mime.len > PROTO_MIME_MAX ? PROTO_MIME_MAX : mime.len;
	memcpy(dst, mime.ptr, n);
	dst[n] = '\0';
}

static bool same_mime(const char *a, struct proto_str b)
{
	return strlen(a) == b.len && memcmp(a, b.ptr, b.len) == 0;
}

void clip_set_drop(struct clip_set_xfer *x)
{
	memset(x, 0, sizeof(*x));
}

static int refuse(struct clip_set_xfer *x, const char **ret_why, const char *why)
{
	clip_set_drop(x);
	*ret_why = why;
	return -EBADMSG;
}

int clip_set_step(struct clip_set_xfer *x, unsigned owner, const struct proto_clipboard_set *m,
		  const char **ret_why)
{
	int step = 0;
	/* The codec has checked total <= 16 MiB, data <= CHUNK and
	 * offset + len(data) <= total. */
	if (m->offset == 0) {
		clip_set_drop(x);
		x->active = true;
		x->owner = owner;
		x->total = m->total;
		clip_mime_copy(x->mime, m->mime);
		step |= CLIP_SET_NEW;
	} else if (!x->active || x->owner != owner) {
		return refuse(x, ret_why, "no clipboard transfer in progress: start at offset 0");
	} else if (m->total != x->total) {
		return refuse(x, ret_why, "total differs from the transfer's first chunk");
	} else if (!same_mime(x->mime, m->mime)) {
		return refuse(x, ret_why, "mime differs from the transfer's first chunk");
	} else if (m->offset != x->got) {
		return refuse(x, ret_why,
			      m->offset < x->got ? "offset overlaps bytes already sent"
						 : "offset skips bytes never sent");
	}
	x->got += m->data.len;
	if (x->got == x->total) {
		/* Complete: nothing more belongs to it (its fields stay, for
		 * the caller to finish with). */
		x->active = false;
		step |= CLIP_SET_LAST;
	}
	return step;
}

uint32_t clip_chunk_len(uint32_t total, uint32_t offset, uint32_t max_length)
{
	if (offset >= total)
		return 0;
	uint32_t left = total - offset;
	return left < max_length ? left : max_length;
}

int clip_snap_chunk(const struct clip_snap *s, unsigned owner, const struct proto_clipboard_get *g,
		    uint32_t *ret_len, const char **ret_why)
{
	if (!s->active || s->owner != owner) {
		*ret_why = "no clipboard read in progress on this connection: start at offset 0";
		return -EBADMSG;
	}
	if (!same_mime(s->mime, g->mime)) {
		*ret_why = "mime differs from the read started at offset 0";
		return -EBADMSG;
	}
	if (g->offset > s->len) {
		*ret_why = "offset past the end of the clipboard content";
		return -EBADMSG;
	}
	*ret_len = clip_chunk_len(s->len, g->offset, g->max_length);
	return 0;
}

const char *clip_not_found_text(const char *want, const char *const *offered, unsigned n, char *buf,
				size_t size)
{
	/* The codec keeps at most PROTO_TEXT_MAX bytes: the list is cut
	 * short to leave room for the rest. */
	char list[150];
	clip_mime_list(offered, n, list, sizeof(list));
	snprintf(buf, size, "no %.64s in the VM's clipboard; it offers%s%s",
		 clip_mime_is_text(want) ? "text" : want, n ? ": " : " nothing", list);
	return buf;
}
