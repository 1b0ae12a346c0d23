/* The host clipboard through lib/wlclip.c. A copy from a VM leaves a
 * process behind that serves the content to host apps until something else
 * becomes the selection: a Wayland selection lives as long as the client
 * that offers it (wl-copy does the same). */
#include "ctl_hostclip.h"

#include "cleanup.h"
#include "clip_mime.h"
#include "clock.h"
#include "io.h"
#include "wlclip.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct writer {
	int fd;
	uint32_t off;
	uint64_t deadline;
};

struct session {
	struct wlclip *c;
	uint32_t token;
	bool done, cancelled;
	/* The server: what it offers. */
	const uint8_t *data;
	uint32_t len;
	struct writer w[CTL_HOSTCLIP_WRITERS];
};

static void on_send(void *data, const char *mime, int fd)
{
	(void)mime;
	struct session *s = data;
	if (io_set_nonblock(fd, 1) == 0)
		for (int i = 0; i < CTL_HOSTCLIP_WRITERS; i++)
			if (s->w[i].fd < 0) {
				s->w[i] =
				    (struct writer){fd, 0, clock_now_ms() + CTL_HOSTCLIP_SEND_MS};
				return;
			}
	close(fd); /* too many at once: that app gets nothing */
}

static void on_cancelled(void *data)
{
	((struct session *)data)->cancelled = true;
}

static void on_done(void *data, uint32_t token)
{
	struct session *s = data;
	if (token == s->token)
		s->done = true;
}

static const struct wlclip_ops ops = {.send = on_send, .cancelled = on_cancelled, .done = on_done};

/* Runs the connection until cond holds. Returns 0, -ETIMEDOUT or -EIO. */
static int run_until(struct session *s, bool (*cond)(const struct session *), uint64_t deadline,
		     struct ctl_error *err)
{
	char why[200];
	while (!cond(s)) {
		int r = wlclip_flush(s->c);
		if (r >= 0)
			r = io_wait_until(wlclip_fd(s->c), r == 1 ? POLLIN | POLLOUT : POLLIN,
					  deadline);
		if (r == -ETIMEDOUT) {
			ctl_error_set(err,
				      "the host compositor did not answer before the deadline");
			return r;
		}
		if (r < 0 || wlclip_io(s->c, why, sizeof(why)) < 0) {
			ctl_error_set(err, "host compositor: %s",
				      r < 0 ? "connection failed" : why);
			return -EIO;
		}
	}
	return 0;
}

static bool is_ready(const struct session *s)
{
	return wlclip_ready(s->c);
}

static bool is_done(const struct session *s)
{
	return s->done;
}

static int open_session(struct session *s, uint64_t deadline, struct ctl_error *err)
{
	char why[200];
	for (int i = 0; i < CTL_HOSTCLIP_WRITERS; i++)
		s->w[i].fd = -1;
	if (wlclip_connect(&s->c, NULL, &ops, s, why, sizeof(why)) < 0) {
		s->c = NULL;
		ctl_error_set(err, "host compositor: %s", why);
		return -EIO;
	}
	return run_until(s, is_ready, deadline, err);
}

static void close_session(struct session *s)
{
	for (int i = 0; i < CTL_HOSTCLIP_WRITERS; i++)
		if (s->w[i].fd >= 0)
			close(s->w[i].fd);
	wlclip_free(s->c);
	s->c = NULL;
}

static int read_pipe(int fd, uint32_t cap, uint64_t deadline, uint8_t **ret_buf, uint32_t *ret_len,
		     struct ctl_error *err)
{
	/* Room for one byte past the cap, which tells "too big". */
	size_t size = 0, len = 0;
	_cleanup_free_ uint8_t *buf = NULL;
	for (;;) {
		if (len == size) {
			size_t want = size ? size * 2 : 65536;
			if (want > (size_t)cap + 1)
				want = (size_t)cap + 1;
			uint8_t *p = realloc(buf, want);
			if (!p) {
				ctl_error_set(err, "out of memory reading the host clipboard");
				return -ENOMEM;
			}
			buf = p;
			size = want;
		}
		int r = io_wait_until(fd, POLLIN, deadline);
		if (r == -ETIMEDOUT) {
			ctl_error_set(err, "the app owning the host clipboard did not send it "
					   "before the deadline");
			return r;
		}
		ssize_t n = r < 0 ? r : io_read_some(fd, buf + len, size - len);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			ctl_error_set(err, "reading the host clipboard: %s", strerror((int)-n));
			return -EIO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > cap) {
			ctl_error_set(err,
				      "the host clipboard holds more than %u bytes, the limit for "
				      "this VM (max-size); nothing was pasted",
				      cap);
			return -EFBIG;
		}
	}
	*ret_buf = steal_pointer(&buf);
	*ret_len = (uint32_t)len;
	return 0;
}

int ctl_hostclip_read(const char *want, uint32_t cap, uint64_t deadline, uint8_t **ret_buf,
		      uint32_t *ret_len, char ret_mime[PROTO_MIME_MAX + 1], struct ctl_error *err)
{
	struct session s = {0};
	int r = open_session(&s, deadline, err);
	if (r < 0) {
		close_session(&s);
		return r;
	}
	const char *const *offered;
	unsigned n = wlclip_mimes(s.c, &offered);
	const char *mime = n ? clip_mime_pick(offered, n, want) : NULL;
	if (!mime) {
		char list[200];
		if (!wlclip_has_selection(s.c))
			ctl_error_set(err, "the host clipboard is empty: nothing to paste");
		else
			ctl_error_set(err,
				      "the host clipboard has no %s (it offers: %s); choose one "
				      "with --type",
				      clip_mime_is_text(want) ? "text" : want,
				      clip_mime_list(offered, n, list, sizeof(list)));
		close_session(&s);
		return -ENODATA;
	}
	int fd = wlclip_receive(s.c, mime);
	r = fd < 0 ? fd : wlclip_flush(s.c);
	if (r < 0) {
		ctl_error_set(err, "cannot ask for the host clipboard: %s", strerror(-r));
		if (fd >= 0)
			close(fd);
		close_session(&s);
		return -EIO;
	}
	/* The request is on its way; the rest is between us and the owner. */
	r = read_pipe(fd, cap, deadline, ret_buf, ret_len, err);
	close(fd);
	close_session(&s);
	if (r == 0)
		snprintf(ret_mime, PROTO_MIME_MAX + 1, "%s",
			 clip_mime_is_text(want) ? CLIP_TEXT_MIME : want);
	return r;
}

/* --- the server a copy leaves behind ------------------------------------ */

/* Moves keep to fd 3 and closes every fd above it, however many the caller
 * left open. Returns 3, or -1. */
static int close_other_fds(int keep)
{
	if (keep != 3 && dup2(keep, 3) < 0)
		return -1;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4u, ~0u, 0) == 0)
		return 3;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = 4; fd < (max > 0 ? max : 65536); fd++)
		close((int)fd);
	return 3;
}

static void serve_writers(struct session *s)
{
	uint64_t now = clock_now_ms();
	for (int i = 0; i < CTL_HOSTCLIP_WRITERS; i++) {
		struct writer *w = &s->w[i];
		if (w->fd < 0)
			continue;
		ssize_t n =
		    w->off < s->len ? io_write_some(w->fd, s->data + w->off, s->len - w->off) : 0;
		if (n > 0)
			w->off += (uint32_t)n;
		if ((n < 0 && n != -EAGAIN) || w->off == s->len || now >= w->deadline) {
			close(w->fd);
			w->fd = -1;
		}
	}
}

static bool writing(const struct session *s)
{
	for (int i = 0; i < CTL_HOSTCLIP_WRITERS; i++)
		if (s->w[i].fd >= 0)
			return true;
	return false;
}

/* Serves until something else is copied or the compositor goes away; pastes
 * under way then are finished (each within its deadline), since a reader
 * cannot tell a pipe closed early from the end of the content. */
static void serve(struct session *s)
{
	char why[200];
	while (!s->cancelled || writing(s)) {
		struct pollfd p[1 + CTL_HOSTCLIP_WRITERS];
		int n = 1, timeout = -1;
		int r = s->c ? wlclip_flush(s->c) : 0;
		/* Without a connection, poll ignores entry 0 (fd -1). */
		p[0] =
		    (struct pollfd){.fd = s->c && r >= 0 ? wlclip_fd(s->c) : -1, .events = POLLIN};
		if (r == 1)
			p[0].events |= POLLOUT;
		uint64_t now = clock_now_ms();
		for (int i = 0; i < CTL_HOSTCLIP_WRITERS; i++) {
			if (s->w[i].fd < 0)
				continue;
			p[n++] = (struct pollfd){.fd = s->w[i].fd, .events = POLLOUT};
			int left = s->w[i].deadline > now ? (int)(s->w[i].deadline - now) : 0;
			if (timeout < 0 || left < timeout)
				timeout = left;
		}
		if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return;
		if (s->c && wlclip_io(s->c, why, sizeof(why)) < 0) {
			/* No more requests can come; those under way go on. */
			wlclip_free(s->c);
			s->c = NULL;
			s->cancelled = true;
		}
		serve_writers(s);
	}
}

static void server_main(int status_fd, const char *mime, const uint8_t *data, uint32_t len,
			uint64_t deadline)
{
	struct session s = {.data = data, .len = len};
	struct ctl_error err;
	ctl_error_clear(&err);
	/* Nothing of the caller's stays open: a script reading appvmctl's
	 * output ($(appvmctl ...)) would wait for the server's end. The status
	 * pipe goes to fd 3 first: a caller started without stdio may have
	 * given it a number of 0-2, which become /dev/null. Without that the
	 * server does not start (the caller hears so). */
	status_fd = close_other_fds(status_fd);
	int null = status_fd < 0 ? -1 : open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(1);
	if (null > 3)
		close(null);
	/* Not the caller's directory: it would keep a mount busy for as long
	 * as the content is served. */
	if (chdir("/") < 0)
		_exit(1);
	setsid();
	signal(SIGPIPE, SIG_IGN);
	int r = open_session(&s, deadline, &err);
	if (r == 0) {
		const char *one = mime;
		bool text = clip_mime_is_text(mime);
		r = wlclip_set(s.c, text ? clip_text_mimes : &one, text ? CLIP_TEXT_MIMES : 1,
			       &s.token);
		if (r < 0)
			ctl_error_set(&err, "cannot set the host clipboard: %s", strerror(-r));
		else
			r = run_until(&s, is_done, deadline, &err);
	}
	char line[sizeof(err.msg) + 2];
	int n = snprintf(line, sizeof(line), "%s\n", r == 0 ? "ok" : err.msg);
	io_write_full(status_fd, line, (size_t)n);
	close(status_fd);
	if (r == 0)
		serve(&s);
	close_session(&s);
}

int ctl_hostclip_write(const char *mime, const uint8_t *data, uint32_t len, uint64_t deadline,
		       struct ctl_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		ctl_error_set(err, "pipe: %s", strerror(errno));
		return -EIO;
	}
	fflush(NULL); /* nothing buffered is written twice */
	pid_t pid = fork();
	if (pid == 0) {
		/* The server is a grandchild: init reaps it, not us. */
		close(p[0]);
		pid_t server = fork();
		if (server == 0)
			server_main(p[1], mime, data, len, deadline);
		_exit(server < 0 ? 1 : 0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		ctl_error_set(err, "fork: %s", strerror(errno));
		return -EIO;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	char line[sizeof(err->msg) + 2];
	size_t got = 0;
	int r = 0;
	io_set_nonblock(p[0], 1);
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
		r = io_wait_until(p[0], POLLIN, deadline);
		ssize_t n = r < 0 ? r : io_read_some(p[0], line + got, sizeof(line) - 1 - got);
		if (n == -EAGAIN)
			continue;
		if (n <= 0) {
			r = n < 0 ? (int)n : -EPIPE;
			break;
		}
		got += (size_t)n;
	}
	close(p[0]);
	line[got] = '\0';
	if (strcmp(line, "ok\n") == 0)
		return 0;
	if (r == -ETIMEDOUT) {
		ctl_error_set(err, "the host compositor did not take the selection before the "
				   "deadline");
		return r;
	}
	line[strcspn(line, "\n")] = '\0';
	ctl_error_set(err, "%s", line[0] ? line : "the host clipboard server failed to start");
	return -EIO;
}

int ctl_hostclip_clear(uint64_t deadline, struct ctl_error *err)
{
	struct session s = {0};
	int r = open_session(&s, deadline, err);
	if (r == 0) {
		r = wlclip_clear(s.c, &s.token);
		if (r < 0) {
			ctl_error_set(err, "cannot clear the host clipboard: %s", strerror(-r));
			r = -EIO;
		} else {
			r = run_until(&s, is_done, deadline, err);
		}
	}
	close_session(&s);
	return r;
}
