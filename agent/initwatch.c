/* The agent's watch on appvm-init (docs/init-control.md, "watch"): while the
 * event connection is on (up, or retrying: an exit then kicks it), one
 * connection to init's control socket carries a status reply now and one at
 * each change, and each goes to events_app_status(). Nothing is polled
 * then: an idle app wakes neither the agent nor init. When the watch cannot be had (an init without
 * "watch", every slot taken, a broken stream) it is re-opened with backoff
 * (lib/retry.h), and events.c polls meanwhile. At the agent's start, init's
 * socket may not exist yet: it is tried again quietly (initq_not_yet). */
#include "agent.h"

#include "cleanup.h"
#include "clock.h"
#include "io.h"
#include "log.h"
#include "retry.h"
#include "unix_addr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

void initwatch_setup(struct agent *a)
{
	struct initwatch *iw = &a->iw;
	memset(iw, 0, sizeof(*iw));
	iw->w.kind = WATCH_INITWATCH;
	iw->fd = -1;
}

bool initwatch_held(const struct agent *a)
{
	return a->iw.fd >= 0;
}

void initwatch_close(struct agent *a)
{
	struct initwatch *iw = &a->iw;
	if (iw->fd >= 0) {
		agent_watch_del(a, iw->fd);
		close(iw->fd);
		iw->fd = -1;
	}
	free(iw->buf);
	iw->buf = NULL;
	iw->len = iw->cap = 0;
	iw->live = false;
}

/* Drops the watch; the next attempt waits for the backoff, or comes soon
 * and without a word while init's socket is not there yet at the start. */
static void fail(struct agent *a, int err)
{
	struct initwatch *iw = &a->iw;
	initwatch_close(a);
	if (initq_not_yet(a, err, clock_now_ms(), &iw->retry_at))
		return;
	iw->backoff_ms =
	    retry_backoff_next(iw->backoff_ms, AGENT_BACKOFF_START_MS, AGENT_BACKOFF_MAX_MS);
	iw->retry_at = clock_now_ms() + iw->backoff_ms;
	if (err != iw->last_err)
		log_warn("cannot watch the app state on init (%s): %s; polling every %u ms, "
			 "retrying the watch with backoff",
			 a->opt.init_socket, strerror(-err), AGENT_EXIT_POLL_MS);
	iw->last_err = err;
}

/* Connects and sends "watch": a few bytes on a fresh socket, which takes
 * them at once. Returns 0 or -errno. */
static int open_watch(struct agent *a)
{
	struct initwatch *iw = &a->iw;
	char req[INITCTL_REQUEST_MAX];
	int n = initctl_request_encode(INITCTL_CMD_WATCH, 0, req, sizeof(req));
	if (n < 0)
		return n;
	_cleanup_close_ int fd = unix_sock_connect(a->opt.init_socket, SOCK_NONBLOCK);
	if (fd < 0)
		return fd;
	ssize_t sent = send(fd, req, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0)
		return -errno;
	if (sent != n)
		return -EAGAIN;
	int r = agent_watch_add(a, fd, &iw->w, EPOLLIN);
	if (r < 0)
		return r;
	iw->fd = steal_fd(&fd);
	iw->deadline = clock_now_ms() + AGENT_INIT_TIMEOUT_MS;
	return 0;
}

void initwatch_tick(struct agent *a, uint64_t now, uint64_t *next)
{
	struct initwatch *iw = &a->iw;
	if (iw->fd < 0 && now >= iw->retry_at) {
		int r = open_watch(a);
		if (r < 0)
			fail(a, r);
	}
	if (iw->fd >= 0 && !iw->live) {
		/* init answers a watch at once: no first status, no watch. */
		if (now >= iw->deadline)
			fail(a, -ETIMEDOUT);
		else if (iw->deadline < *next)
			*next = iw->deadline;
	}
	if (iw->fd < 0 && iw->retry_at < *next)
		*next = iw->retry_at;
}

/* Hands on every complete status in the buffer. Returns 0, or -errno when
 * the stream is broken or init refused the watch. */
static int consume(struct agent *a)
{
	struct initwatch *iw = &a->iw;
	struct initctl_status st;
	for (;;) {
		size_t used = 0;
		int r = initctl_reply_decode_next(iw->buf, iw->len, &st, &used);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		memmove(iw->buf, iw->buf + used, iw->len - used);
		iw->len -= used;
		if (!iw->live) {
			iw->live = true;
			iw->backoff_ms = 0;
			iw->last_err = 0;
			log_info("watching the app state on init");
		}
		events_app_status(a, &st);
	}
}

void initwatch_on_io(struct agent *a)
{
	struct initwatch *iw = &a->iw;
	if (iw->fd < 0)
		return; /* closed earlier in this turn */
	for (;;) {
		int r = initq_grow(&iw->buf, iw->len, &iw->cap);
		if (r < 0) {
			fail(a, r);
			return;
		}
		ssize_t n = io_read_some(iw->fd, iw->buf + iw->len, iw->cap - iw->len);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			fail(a, n < 0 ? (int)n : -ECONNRESET);
			return;
		}
		iw->len += (size_t)n;
		r = consume(a);
		if (r < 0) {
			fail(a, r);
			return;
		}
		if (iw->fd < 0)
			return; /* events_app_status() ended the watch */
	}
}
