/* The VM's clipboard for the host: CLIPBOARD_GET reads the selection from
 * its owner through a pipe into a snapshot served in chunks; CLIPBOARD_SET
 * gathers the content in a file and makes it the selection, which the agent
 * then serves to every app that pastes. All through one wlr-data-control
 * connection to the guest filter (lib/wlclip.c), non-blocking, in the
 * agent's loop; no owner or reader can hold the loop. CLIPBOARD_GET is in
 * clip_get.c. docs/clipboard.md. */
#include "agent.h"
#include "clip_int.h"

#include "clip_mime.h"
#include "clock.h"
#include "io.h"
#include "log.h"
#include "proto_wire.h"
#include "wlclip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONNECT_MS     2000u
#define RETRY_FIRST_MS 200u
#define WRITE_CHUNK    16384u
#define NEW_SUFFIX     ".new"

static void conn_down(struct agent *a, const char *why);
void clip_conn_ready(struct agent *a);

void clip_reply_error(struct agent *a, unsigned serial, uint32_t id, uint32_t code,
		      const char *text)
{
	struct proto_msg m;
	proto_make_error(&m, id, code, text);
	server_clip_resume(a, serial, &m);
}

/* An empty reply of the request's type. */
void clip_reply_init(struct proto_msg *m, uint16_t type, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = PROTO_FLAG_REPLY;
	m->id = id;
}

static void new_path(const struct agent *a, char *buf, size_t size)
{
	snprintf(buf, size, "%s" NEW_SUFFIX, a->opt.clipboard_file);
}

/* --- the kept selection ------------------------------------------------ */

static void content_drop(struct agent *a, bool unlink_file)
{
	struct agent_clip *k = &a->clip;
	if (k->content_fd >= 0)
		close(k->content_fd);
	k->content_fd = -1;
	k->restore = false;
	if (unlink_file)
		unlink(a->opt.clipboard_file);
}

/* Takes fd (a content file: "MIME\n" then the bytes) as our selection's
 * content. Returns 0, or -EBADMSG when it is not one. */
static int content_take(struct agent *a, int fd)
{
	struct agent_clip *k = &a->clip;
	char head[PROTO_MIME_MAX + 2];
	struct stat st;
	ssize_t n = pread(fd, head, sizeof(head), 0);
	char *nl = n > 0 ? memchr(head, '\n', (size_t)n) : NULL;
	if (!nl || fstat(fd, &st) < 0 || !str_class_ok(STR_MIME, head, (size_t)(nl - head)) ||
	    st.st_size - (nl + 1 - head) > (off_t)PROTO_CLIPBOARD_MAX)
		return -EBADMSG;
	content_drop(a, false);
	memcpy(k->content_mime, head, (size_t)(nl - head));
	k->content_mime[nl - head] = '\0';
	k->content_off = (uint32_t)(nl + 1 - head);
	k->content_len = (uint32_t)(st.st_size - k->content_off);
	k->content_fd = fd;
	return 0;
}

/* Makes the kept content the selection. Returns 0 or -errno. */
static int content_offer(struct agent *a, uint32_t *ret_token)
{
	struct agent_clip *k = &a->clip;
	const char *one = k->content_mime;
	bool text = clip_mime_is_text(one);
	return wlclip_set(k->wl, text ? clip_text_mimes : &one, text ? CLIP_TEXT_MIMES : 1,
			  ret_token);
}

/* --- apps reading our selection ----------------------------------------- */

static void writer_free(struct agent *a, struct clip_writer *w)
{
	struct agent_clip *k = &a->clip;
	for (struct clip_writer **p = &k->writers; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	agent_watch_del(a, w->fd);
	close(w->fd);
	close(w->src);
	k->n_writers--;
	free(w);
}

static void writer_io(struct agent *a, struct clip_writer *w)
{
	uint8_t buf[WRITE_CHUNK];
	/* A few rounds per wake-up: a fast reader does not starve the rest. */
	for (int i = 0; i < 8 && w->off < w->end; i++) {
		size_t want =
		    w->end - w->off < sizeof(buf) ? (size_t)(w->end - w->off) : sizeof(buf);
		ssize_t n = pread(w->src, buf, want, (off_t)w->off);
		if (n <= 0) {
			log_warn("clipboard: cannot read the kept selection: %s",
				 n < 0 ? strerror(errno) : "file shrank");
			writer_free(a, w);
			return;
		}
		ssize_t put = io_write_some(w->fd, buf, (size_t)n);
		if (put == -EAGAIN)
			return;
		if (put < 0) {
			/* The app closed its end: it wanted no more. */
			writer_free(a, w);
			return;
		}
		w->off += (uint64_t)put;
	}
	if (w->off >= w->end)
		writer_free(a, w);
}

static void on_send(void *data, const char *mime, int fd)
{
	struct agent *a = data;
	struct agent_clip *k = &a->clip;
	/* Every name offered is the same content. */
	struct clip_writer *w = NULL;
	int src = -1;
	if (k->content_fd < 0 || k->n_writers >= AGENT_CLIP_WRITERS || io_set_nonblock(fd, 1) < 0 ||
	    (src = fcntl(k->content_fd, F_DUPFD_CLOEXEC, 3)) < 0 || !(w = calloc(1, sizeof(*w)))) {
		log_warn("clipboard: a paste in the VM gets nothing (%s)",
			 k->content_fd < 0 ? "no content" : "too many at once");
		if (src >= 0)
			close(src);
		close(fd);
		return;
	}
	w->w.kind = WATCH_CLIP_WRITER;
	w->fd = fd;
	w->src = src;
	w->off = k->content_off;
	w->end = (uint64_t)k->content_off + k->content_len;
	w->deadline = clock_now_ms() + AGENT_CLIP_SEND_MS;
	if (agent_watch_add(a, fd, &w->w, EPOLLOUT) < 0) {
		close(src);
		close(fd);
		free(w);
		return;
	}
	w->next = k->writers;
	k->writers = w;
	k->n_writers++;
	log_debug("clipboard: an app in the VM pastes (%s)", mime);
}

static void on_cancelled(void *data)
{
	struct agent *a = data;
	/* An app in the VM copied something: what the host pasted is gone. */
	log_info("clipboard: the host's paste was replaced in the VM");
	content_drop(a, true);
}

/* --- CLIPBOARD_SET ------------------------------------------------------ */

static void apply_finish(struct agent *a, const char *failure)
{
	struct agent_clip *k = &a->clip;
	char from[AGENT_FILE_PATH_MAX + 8];
	new_path(a, from, sizeof(from));
	k->apply_pending = false;
	if (failure) {
		/* The host hears it failed: it must not appear later. */
		content_drop(a, false);
		unlink(from);
		clip_reply_error(a, k->apply_owner, k->apply_id, PROTO_ERR_IO, failure);
		return;
	}
	if (rename(from, a->opt.clipboard_file) < 0)
		log_warn("clipboard: cannot keep the selection in %s: %s (it will not survive "
			 "a restart)",
			 a->opt.clipboard_file, strerror(errno));
	log_info("clipboard: the host set the VM's selection (%u bytes of %s)", k->content_len,
		 k->content_mime);
	struct proto_msg m;
	clip_reply_init(&m, PROTO_CLIPBOARD_SET, k->apply_id);
	server_clip_resume(a, k->apply_owner, &m);
}

static void apply_now(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	int r = content_offer(a, &k->apply_token);
	if (r < 0) {
		char why[96];
		snprintf(why, sizeof(why), "cannot set the VM's clipboard: %s", strerror(-r));
		apply_finish(a, why);
		return;
	}
	k->apply_sent = true;
}

static void on_done(void *data, uint32_t token)
{
	struct agent *a = data;
	struct agent_clip *k = &a->clip;
	if (k->apply_pending && k->apply_sent && token == k->apply_token)
		apply_finish(a, NULL);
}

/* Stores one chunk. Returns 0 or -errno (the transfer is dropped). */
static int set_store(struct agent *a, const struct proto_clipboard_set *m, int step)
{
	struct agent_clip *k = &a->clip;
	char path[AGENT_FILE_PATH_MAX + 8];
	new_path(a, path, sizeof(path));
	if (step & CLIP_SET_NEW) {
		if (k->set_fd >= 0)
			close(k->set_fd);
		k->set_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (k->set_fd < 0)
			return -errno;
		char head[PROTO_MIME_MAX + 2];
		int n = snprintf(head, sizeof(head), "%s\n", k->set.mime);
		int r = io_write_full(k->set_fd, head, (size_t)n);
		if (r < 0)
			return r;
	}
	if (k->set_fd < 0)
		return -EBADF;
	off_t at = (off_t)strlen(k->set.mime) + 1 + (off_t)m->offset;
	size_t done = 0;
	while (done < m->data.len) {
		ssize_t n =
		    pwrite(k->set_fd, m->data.ptr + done, m->data.len - done, at + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

int clip_set(struct agent *a, struct client *c, uint32_t id, const struct proto_clipboard_set *m)
{
	struct agent_clip *k = &a->clip;
	const char *why = NULL;
	struct proto_msg err;
	int step = clip_set_step(&k->set, c->fc.serial, m, &why);
	if (step < 0) {
		proto_make_error(&err, id, PROTO_ERR_BAD_REQUEST, why);
		return outbuf_put_msg(&c->fc.out, &err);
	}
	if (k->apply_pending) {
		clip_set_drop(&k->set);
		proto_make_error(&err, id, PROTO_ERR_BUSY,
				 "another clipboard paste is being applied");
		return outbuf_put_msg(&c->fc.out, &err);
	}
	int r = set_store(a, m, step);
	if (r < 0) {
		char text[96];
		clip_set_drop(&k->set);
		snprintf(text, sizeof(text), "cannot store the clipboard content: %s",
			 strerror(-r));
		proto_make_error(&err, id, PROTO_ERR_IO, text);
		return outbuf_put_msg(&c->fc.out, &err);
	}
	if (!(step & CLIP_SET_LAST)) {
		struct proto_msg ok;
		clip_reply_init(&ok, PROTO_CLIPBOARD_SET, id);
		return outbuf_put_msg(&c->fc.out, &ok);
	}
	/* Complete: it becomes our content, and the selection once the
	 * connection is up. */
	int fd = k->set_fd;
	k->set_fd = -1;
	clip_set_drop(&k->set);
	if (content_take(a, fd) < 0) {
		close(fd);
		proto_make_error(&err, id, PROTO_ERR_IO, "the stored content is unreadable");
		return outbuf_put_msg(&c->fc.out, &err);
	}
	k->restore = false;
	k->apply_pending = true;
	k->apply_sent = false;
	k->apply_owner = c->fc.serial;
	k->apply_id = id;
	k->apply_deadline = clock_now_ms() + AGENT_CLIP_SET_MS;
	c->wait_clip = true;
	if (k->conn == CLIP_UP)
		apply_now(a);
	else if (k->conn == CLIP_DOWN)
		clip_conn_ready(a); /* connects, or fails the request at once */
	return 0;
}

/* --- the connection ----------------------------------------------------- */

static void on_selection(void *data)
{
	(void)data;
}

static const struct wlclip_ops clip_ops = {
    .selection = on_selection,
    .send = on_send,
    .cancelled = on_cancelled,
    .done = on_done,
};

static void update_mask(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	if (!k->wl)
		return;
	int r = wlclip_flush(k->wl);
	if (r < 0) {
		conn_down(a, "the VM's clipboard closed the connection");
		return;
	}
	uint32_t mask = EPOLLIN | (r == 1 ? EPOLLOUT : 0);
	if (mask != k->mask && agent_watch_mod(a, wlclip_fd(k->wl), &k->w, mask) == 0)
		k->mask = mask;
}

/* Fails the requests that wait for a connection; keeps reads in progress
 * (the pipe does not need it). */
static void fail_waiting(struct agent *a, const char *why)
{
	struct agent_clip *k = &a->clip;
	char text[PROTO_TEXT_MAX + 1];
	snprintf(text, sizeof(text), "the VM's clipboard is unreachable: %s", why);
	if (k->get_pending && k->rd_fd < 0)
		clip_get_finish(a, PROTO_ERR_IO, text);
	if (k->apply_pending)
		apply_finish(a, text);
}

static void conn_down(struct agent *a, const char *why)
{
	struct agent_clip *k = &a->clip;
	if (k->wl) {
		agent_watch_del(a, wlclip_fd(k->wl));
		wlclip_free(k->wl);
		k->wl = NULL;
	}
	if (strcmp(k->conn_err, why) != 0)
		log_info("clipboard: %s", why);
	snprintf(k->conn_err, sizeof(k->conn_err), "%s", why);
	k->conn = CLIP_DOWN;
	fail_waiting(a, why);
	/* What the host pasted died with the connection: offer it again as
	 * soon as the socket is back. */
	if (k->content_fd >= 0) {
		k->restore = true;
		k->backoff_ms = k->backoff_ms ? k->backoff_ms * 2 : RETRY_FIRST_MS;
		if (k->backoff_ms > AGENT_CLIP_RETRY_MAX_MS)
			k->backoff_ms = AGENT_CLIP_RETRY_MAX_MS;
		k->retry_at = clock_now_ms() + k->backoff_ms;
	} else {
		k->retry_at = 0;
	}
}

static void conn_start(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	char err[160];
	k->retry_at = 0;
	int r = wlclip_connect(&k->wl, a->opt.clipboard_socket, &clip_ops, a, err, sizeof(err));
	if (r < 0) {
		k->wl = NULL;
		conn_down(a, err);
		return;
	}
	k->w.kind = WATCH_CLIP;
	k->mask = EPOLLIN;
	if (agent_watch_add(a, wlclip_fd(k->wl), &k->w, EPOLLIN) < 0) {
		wlclip_free(k->wl);
		k->wl = NULL;
		conn_down(a, "cannot watch the clipboard connection");
		return;
	}
	k->conn = CLIP_CONNECTING;
	k->conn_deadline = clock_now_ms() + CONNECT_MS;
	update_mask(a);
}

/* Moves the connection on: starts it when down, and once it is up serves
 * what waited for it. */
void clip_conn_ready(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	if (k->conn == CLIP_DOWN)
		conn_start(a);
	if (k->conn != CLIP_CONNECTING || !wlclip_ready(k->wl))
		return;
	if (k->conn_err[0])
		log_info("clipboard: connected to %s", a->opt.clipboard_socket);
	k->conn_err[0] = '\0';
	k->conn = CLIP_UP;
	k->backoff_ms = 0;
	if (k->restore && k->content_fd >= 0 && !k->apply_pending) {
		k->restore = false;
		uint32_t token;
		if (wlclip_has_selection(k->wl)) {
			log_info("clipboard: the VM has a selection of its own; the host's paste "
				 "from before is dropped");
			content_drop(a, true);
		} else if (content_offer(a, &token) == 0) {
			log_info("clipboard: offering the host's paste again (%u bytes of %s)",
				 k->content_len, k->content_mime);
		}
	}
	if (k->apply_pending && !k->apply_sent)
		apply_now(a);
	if (k->get_pending && k->rd_fd < 0)
		clip_get_start_read(a);
}

void clip_on_io(struct agent *a, struct watch *w, uint32_t events)
{
	struct agent_clip *k = &a->clip;
	(void)events;
	if (w->kind == WATCH_CLIP_READ) {
		clip_read_io(a);
		return;
	}
	if (w->kind == WATCH_CLIP_WRITER) {
		writer_io(a, (struct clip_writer *)w);
		return;
	}
	char err[200];
	if (!k->wl)
		return;
	if (wlclip_io(k->wl, err, sizeof(err)) < 0) {
		conn_down(a, err);
		return;
	}
	if (k->conn == CLIP_CONNECTING)
		clip_conn_ready(a);
	update_mask(a);
}

/* Returns true when t has come; else lowers *next to it. */
static bool due(uint64_t t, uint64_t now, uint64_t *next)
{
	if (t <= now)
		return true;
	if (t < *next)
		*next = t;
	return false;
}

void clip_tick(struct agent *a, uint64_t now, uint64_t *next)
{
	struct agent_clip *k = &a->clip;
	if (!k->enabled)
		return;
	if (k->conn == CLIP_CONNECTING && due(k->conn_deadline, now, next))
		conn_down(a, "the data-control socket did not answer within 2 s");
	if (k->conn == CLIP_DOWN && k->retry_at && due(k->retry_at, now, next))
		clip_conn_ready(a);
	if (k->get_pending && due(k->get_deadline, now, next))
		clip_get_finish(a, PROTO_ERR_IO,
				k->rd_fd >= 0 ? "the app owning the VM's clipboard did not send it "
						"within 5 s"
					      : "the VM's clipboard did not answer within 5 s");
	if (k->apply_pending && due(k->apply_deadline, now, next))
		apply_finish(a, "the VM's clipboard did not take the paste within 3 s");
	for (struct clip_writer *w = k->writers, *nx; w; w = nx) {
		nx = w->next;
		if (due(w->deadline, now, next)) {
			log_warn("clipboard: an app in the VM did not take the paste within %u s",
				 AGENT_CLIP_SEND_MS / 1000);
			writer_free(a, w);
		}
	}
	update_mask(a);
}

void clip_client_gone(struct agent *a, const struct client *c)
{
	struct agent_clip *k = &a->clip;
	if (!k->enabled)
		return;
	if (k->snap.owner == c->fc.serial && !k->get_pending)
		clip_snap_free(k);
	if (k->get_pending && k->snap.owner == c->fc.serial) {
		clip_read_stop(a);
		k->get_pending = false;
		clip_snap_free(k);
	}
	if (k->set.active && k->set.owner == c->fc.serial) {
		clip_set_drop(&k->set);
		if (k->set_fd >= 0)
			close(k->set_fd);
		k->set_fd = -1;
	}
	/* A paste being applied goes on: the host asked for it. */
}

void clip_setup(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	k->rd_fd = -1;
	k->set_fd = -1;
	k->content_fd = -1;
	k->enabled = a->opt.clipboard_socket != NULL;
	if (!k->enabled)
		return;
	int fd = open(a->opt.clipboard_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (content_take(a, fd) < 0) {
		log_warn("clipboard: %s is no kept selection; removed", a->opt.clipboard_file);
		close(fd);
		unlink(a->opt.clipboard_file);
		return;
	}
	/* The agent restarted: what the host pasted before is offered again,
	 * unless an app in the VM has copied something since. */
	k->restore = true;
	clip_conn_ready(a);
}

void clip_close(struct agent *a)
{
	struct agent_clip *k = &a->clip;
	if (!k->enabled)
		return;
	while (k->writers)
		writer_free(a, k->writers);
	clip_read_stop(a);
	clip_snap_free(k);
	if (k->set_fd >= 0)
		close(k->set_fd);
	if (k->wl) {
		agent_watch_del(a, wlclip_fd(k->wl));
		wlclip_free(k->wl);
		k->wl = NULL;
	}
	if (k->content_fd >= 0)
		close(k->content_fd);
}
