/* wlclip-tool: lib/wlclip.c as a command, for the clipboard tests (checked
 * against wl-clipboard on headless sway) and as the clipboard owners that
 * misbehave, which the agent must survive.
 *
 *   wlclip-tool list                  MIME types of the selection, one a line
 *   wlclip-tool paste [MIME]          the selection's content (default: text)
 *   wlclip-tool copy MIME FILE        sets the selection to FILE's bytes and
 *                                     serves it until replaced ("-": stdin)
 *   wlclip-tool owner MODE            sets a text selection that answers every
 *                                     request badly: "never" keeps the fd open
 *                                     and writes nothing; "endless" writes
 *                                     without end; "drip" writes one byte a
 *                                     second; "close" closes at once
 *   wlclip-tool clear                 clears the selection
 *
 * The compositor is $WAYLAND_DISPLAY, or --display PATH as first argument.
 * "copy" and "owner" print "set" on stdout once the selection is theirs.
 * Exit status: 0, 1 on failure, 2 on bad usage. */
#include "clip_mime.h"
#include "clock.h"
#include "io.h"
#include "wlclip.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WRITERS 16

struct writer {
	int fd;
	size_t off;
};

struct tool {
	struct wlclip *c;
	const char *mode; /* owner mode, or NULL for copy */
	const char *mime;
	char *content;
	size_t len;
	struct writer w[MAX_WRITERS];
	uint32_t token;
	int set, cancelled;
};

static void on_send(void *data, const char *mime, int fd)
{
	(void)mime;
	struct tool *t = data;
	if (t->mode && strcmp(t->mode, "close") == 0) {
		close(fd);
		return;
	}
	io_set_nonblock(fd, 1);
	for (int i = 0; i < MAX_WRITERS; i++)
		if (t->w[i].fd < 0) {
			t->w[i] = (struct writer){fd, 0};
			return;
		}
	close(fd);
}

static void on_cancelled(void *data)
{
	((struct tool *)data)->cancelled = 1;
}

static void on_done(void *data, uint32_t token)
{
	struct tool *t = data;
	if (token == t->token) {
		t->set = 1;
		printf("set\n");
		fflush(stdout);
	}
}

static const struct wlclip_ops ops = {.send = on_send, .cancelled = on_cancelled, .done = on_done};

/* Runs the connection until cond(t) or failure; returns 0 or 1. */
static int run_until(struct tool *t, int (*cond)(struct tool *), int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : clock_now_ms() + (uint64_t)timeout_ms;
	char err[200];
	while (!cond(t)) {
		struct pollfd p = {.fd = wlclip_fd(t->c), .events = POLLIN};
		if (wlclip_flush(t->c) == 1)
			p.events |= POLLOUT;
		int left = clock_remaining_ms(deadline);
		if (deadline != UINT64_MAX && left == 0) {
			fprintf(stderr, "wlclip-tool: timed out\n");
			return 1;
		}
		if (poll(&p, 1, deadline == UINT64_MAX ? -1 : left) < 0 && errno != EINTR)
			return 1;
		if (wlclip_io(t->c, err, sizeof(err)) < 0) {
			fprintf(stderr, "wlclip-tool: %s\n", err);
			return 1;
		}
	}
	return 0;
}

static int is_ready(struct tool *t)
{
	return wlclip_ready(t->c);
}

static int is_set(struct tool *t)
{
	return t->set;
}

static int list(struct tool *t)
{
	const char *const *m;
	unsigned n = wlclip_mimes(t->c, &m);
	for (unsigned i = 0; i < n; i++)
		printf("%s\n", m[i]);
	return 0;
}

static int paste(struct tool *t, const char *want)
{
	const char *const *m;
	unsigned n = wlclip_mimes(t->c, &m);
	const char *mime = clip_mime_pick(m, n, want);
	if (!mime) {
		fprintf(stderr, "wlclip-tool: no %s in the selection\n", want);
		return 1;
	}
	int fd = wlclip_receive(t->c, mime);
	if (fd < 0)
		return 1;
	char buf[65536];
	for (;;) {
		if (io_wait(fd, POLLIN, 10000) < 0)
			return 1;
		ssize_t r = io_read_some(fd, buf, sizeof(buf));
		if (r == -EAGAIN)
			continue;
		if (r <= 0) {
			close(fd);
			return r < 0;
		}
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
			return 1;
	}
}

static int writing(const struct tool *t)
{
	for (int i = 0; i < MAX_WRITERS; i++)
		if (t->w[i].fd >= 0)
			return 1;
	return 0;
}

/* Serves the writers until the selection is replaced; a copy finishes the
 * pastes under way first (an owner that misbehaves does not). */
static int serve(struct tool *t)
{
	char err[200];
	uint64_t next_drip = 0;
	int drip = t->mode && strcmp(t->mode, "drip") == 0;
	int endless = t->mode && strcmp(t->mode, "endless") == 0;
	int silent = t->mode && strcmp(t->mode, "never") == 0;
	static char junk[65536];
	memset(junk, 'x', sizeof(junk));
	while (!t->cancelled || (!t->mode && writing(t))) {
		struct pollfd p[1 + MAX_WRITERS];
		int n = 1;
		p[0] = (struct pollfd){.fd = wlclip_fd(t->c), .events = POLLIN};
		if (wlclip_flush(t->c) == 1)
			p[0].events |= POLLOUT;
		for (int i = 0; i < MAX_WRITERS; i++)
			if (t->w[i].fd >= 0 && !silent && !drip)
				p[n++] = (struct pollfd){.fd = t->w[i].fd, .events = POLLOUT};
		int timeout = drip ? 1000 : -1;
		if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return 1;
		if (wlclip_io(t->c, err, sizeof(err)) < 0) {
			fprintf(stderr, "wlclip-tool: %s\n", err);
			return 1;
		}
		uint64_t now = clock_now_ms();
		for (int i = 0; i < MAX_WRITERS; i++) {
			struct writer *w = &t->w[i];
			if (w->fd < 0 || silent)
				continue;
			ssize_t r;
			if (drip) {
				if (now < next_drip)
					continue;
				r = io_write_some(w->fd, "x", 1);
			} else if (endless) {
				r = io_write_some(w->fd, junk, sizeof(junk));
			} else {
				r = w->off < t->len
					? io_write_some(w->fd, t->content + w->off, t->len - w->off)
					: 0;
			}
			if (r == -EAGAIN)
				continue;
			if (r > 0)
				w->off += (size_t)r;
			if (r < 0 || (!drip && !endless && w->off == t->len)) {
				close(w->fd);
				w->fd = -1;
			}
		}
		if (drip && now >= next_drip)
			next_drip = now + 1000;
	}
	return 0;
}

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return -ENOMEM;
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int set_and_serve(struct tool *t)
{
	const char *const *mimes = &t->mime;
	unsigned n = 1;
	if (clip_mime_is_text(t->mime)) {
		mimes = clip_text_mimes;
		n = CLIP_TEXT_MIMES;
	}
	if (wlclip_set(t->c, mimes, n, &t->token) < 0)
		return 1;
	return serve(t);
}

int main(int argc, char **argv)
{
	static struct tool t;
	const char *display = NULL;
	char err[200];
	signal(SIGPIPE, SIG_IGN);
	if (argc > 2 && strcmp(argv[1], "--display") == 0) {
		display = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		fprintf(stderr,
			"usage: wlclip-tool [--display PATH] list|paste|copy|owner|clear\n");
		return 2;
	}
	for (int i = 0; i < MAX_WRITERS; i++)
		t.w[i].fd = -1;
	if (wlclip_connect(&t.c, display, &ops, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "wlclip-tool: %s\n", err);
		return 1;
	}
	if (run_until(&t, is_ready, 10000))
		return 1;
	const char *cmd = argv[1];
	if (strcmp(cmd, "list") == 0)
		return list(&t);
	if (strcmp(cmd, "paste") == 0)
		return paste(&t, argc > 2 ? argv[2] : CLIP_TEXT_MIME);
	if (strcmp(cmd, "clear") == 0) {
		if (wlclip_clear(t.c, &t.token) < 0)
			return 1;
		return run_until(&t, is_set, 10000);
	}
	if (strcmp(cmd, "copy") == 0 && argc == 4) {
		t.mime = argv[2];
		if (read_all(argv[3], &t.content, &t.len) < 0)
			return 1;
		return set_and_serve(&t);
	}
	if (strcmp(cmd, "owner") == 0 && argc == 3) {
		t.mode = argv[2];
		t.mime = CLIP_TEXT_MIME;
		return set_and_serve(&t);
	}
	fprintf(stderr, "wlclip-tool: bad usage\n");
	return 2;
}
