/* The agent's one client of appvm-init's control socket (docs/init-control.md).
 * Requests are non-blocking and driven by the loop: connect, write the
 * request line, read the reply until lib/initctl.c decodes it, or give up at
 * AGENT_INIT_TIMEOUT_MS. In the agent's first AGENT_INIT_WAIT_MS, a socket
 * init has not created yet is waited for (initq_not_yet). Two slots, one
 * request each:
 *
 *   status_q  "status": asked for by STATUS requests (server.c), the exit
 *             watch of the event connection and the last check at SIGTERM
 *             (loop.c); one answer serves every one of them waiting.
 *   power_q   "poweroff" / "reboot", after a SHUTDOWN or REBOOT was acked.
 *
 * Finished answers are handed on from here: status_done() resumes the
 * waiting STATUS requests (server_status_done) and feeds the event
 * connection (events_app_status). */
#include "agent.h"

#include "cleanup.h"
#include "clock.h"
#include "io.h"
#include "log.h"
#include "unix_addr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The reply buffer starts this small and doubles up to INITCTL_REPLY_MAX as
 * a reply needs it: a status reply is a few hundred bytes. */
#define REPLY_BUF_START 1024u

static void slot_init(struct initq *q)
{
	memset(q, 0, sizeof(*q));
	q->w.kind = WATCH_INITQ;
	q->fd = -1;
}

void initq_setup(struct agent *a)
{
	slot_init(&a->status_q);
	slot_init(&a->power_q);
	a->init_wait_until = clock_now_ms() + AGENT_INIT_WAIT_MS;
}

bool initq_busy(const struct initq *q)
{
	return q->fd >= 0 || q->waiting;
}

/* Ends the request in flight, if any, and frees its buffer. */
static void finish(struct agent *a, struct initq *q)
{
	q->waiting = false;
	if (q->fd >= 0) {
		agent_watch_del(a, q->fd);
		close(q->fd);
		q->fd = -1;
	}
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
}

bool initq_not_yet(const struct agent *a, int err, uint64_t now, uint64_t *retry_at)
{
	if ((err != -ENOENT && err != -ECONNREFUSED) || now >= a->init_wait_until)
		return false;
	*retry_at = now + AGENT_INIT_RETRY_MS;
	if (*retry_at > a->init_wait_until)
		*retry_at = a->init_wait_until;
	return true;
}

/* Connects for the request line in q. Returns 0 (in flight, or waiting for
 * init's socket: initq_not_yet) or -errno (nothing in flight then). */
static int attempt(struct agent *a, struct initq *q)
{
	/* A Unix stream connect either completes at once or fails; EAGAIN
	 * means init's backlog is full, which is worth a retry later. */
	_cleanup_close_ int fd = unix_sock_connect(a->opt.init_socket, SOCK_NONBLOCK);
	q->waiting = fd < 0 && initq_not_yet(a, fd, clock_now_ms(), &q->retry_at);
	if (fd < 0)
		return q->waiting ? 0 : fd;
	int r = agent_watch_add(a, fd, &q->w, EPOLLIN | EPOLLOUT);
	if (r < 0)
		return r;
	q->fd = steal_fd(&fd);
	q->sent = 0;
	q->deadline = clock_now_ms() + AGENT_INIT_TIMEOUT_MS;
	return 0;
}

/* Encodes the request and connects. Returns 0 or -errno (nothing in flight
 * then). */
static int start(struct agent *a, struct initq *q, enum initctl_cmd cmd, uint32_t limit_ms)
{
	int r = initctl_request_encode(cmd, limit_ms, q->req, sizeof(q->req));
	if (r < 0)
		return r;
	q->req_len = (size_t)r;
	q->cmd = cmd;
	return attempt(a, q);
}

int initq_grow(char **buf, size_t len, size_t *cap)
{
	if (len < *cap)
		return 0;
	if (*cap >= INITCTL_REPLY_MAX)
		return -EBADMSG;
	size_t n = *cap ? *cap * 2 : REPLY_BUF_START;
	if (n > INITCTL_REPLY_MAX)
		n = INITCTL_REPLY_MAX;
	char *p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

/* Sends what is left of the request, then reads the reply. Returns 1 when
 * the request is over (*ret_err: 0, or -errno; ret_st filled for a status),
 * 0 while more is expected. */
static int pump(struct agent *a, struct initq *q, int *ret_err, struct initctl_status *ret_st)
{
	int r;
	while (q->sent < q->req_len) {
		ssize_t n = send(q->fd, q->req + q->sent, q->req_len - q->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			*ret_err = -errno;
			return 1;
		}
		q->sent += (size_t)n;
		if (q->sent == q->req_len)
			agent_watch_mod(a, q->fd, &q->w, EPOLLIN);
	}
	for (;;) {
		if ((r = initq_grow(&q->buf, q->len, &q->cap)) < 0) {
			*ret_err = r;
			return 1;
		}
		ssize_t n = io_read_some(q->fd, q->buf + q->len, q->cap - q->len);
		if (n == -EAGAIN)
			return 0;
		if (n <= 0) {
			*ret_err = n < 0 ? (int)n : q->len == 0 ? -ECONNRESET : -EBADMSG;
			return 1;
		}
		q->len += (size_t)n;
		r = initctl_reply_decode(q->buf, q->len, ret_st);
		if (r != -EAGAIN) {
			*ret_err = r;
			return 1;
		}
	}
}

/* Init's status arrived (err 0) or could not be had: resume the STATUS
 * requests waiting for it and tell the event connection. */
static void status_done(struct agent *a, int err, const struct initctl_status *st)
{
	if (err == 0)
		events_app_status(a, st);
	else if (err != a->status_err)
		log_warn("cannot get the app state from init (%s): %s", a->opt.init_socket,
			 strerror(-err));
	a->status_err = err;
	server_status_done(a, err == 0 ? st : NULL);
}

static void power_done(struct agent *a, int err)
{
	const char *what = a->power_q.cmd == INITCTL_CMD_REBOOT ? "reboot" : "power off";
	if (err == 0)
		log_info("init accepted the %s request", what);
	else if (err == -ESHUTDOWN)
		log_info("init is already shutting down");
	else
		log_err("cannot ask init to %s (%s): %s", what, a->opt.init_socket, strerror(-err));
	a->power_pending = POWER_NONE;
}

/* Ends the request in slot q with err and hands the answer on. */
static void done(struct agent *a, struct initq *q, int err, const struct initctl_status *st)
{
	finish(a, q);
	if (q == &a->status_q)
		status_done(a, err, st);
	else
		power_done(a, err);
}

void agent_status_request(struct agent *a)
{
	if (initq_busy(&a->status_q))
		return; /* the answer in flight serves this request too */
	int r = start(a, &a->status_q, INITCTL_CMD_STATUS, 0);
	if (r < 0)
		done(a, &a->status_q, r, NULL);
}

void agent_power_request(struct agent *a, enum power_req req, uint32_t limit_ms)
{
	/* One request to init is enough: a second SHUTDOWN while the first is
	 * on its way changes nothing. */
	if (a->power_pending != POWER_NONE || req == POWER_NONE)
		return;
	a->power_pending = req;
	enum initctl_cmd cmd = req == POWER_REBOOT ? INITCTL_CMD_REBOOT : INITCTL_CMD_POWEROFF;
	int r = start(a, &a->power_q, cmd, limit_ms);
	if (r < 0) {
		a->power_q.cmd = cmd; /* for the log line */
		done(a, &a->power_q, r, NULL);
	}
}

void initq_on_io(struct agent *a, struct initq *q)
{
	struct initctl_status st;
	int err = 0;
	if (q->fd < 0)
		return; /* an event from before the request ended this turn */
	if (pump(a, q, &err, q == &a->status_q ? &st : NULL) == 1)
		done(a, q, err, &st);
}

void initq_tick(struct agent *a, uint64_t now, uint64_t *next)
{
	struct initq *slots[] = {&a->status_q, &a->power_q};
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		struct initq *q = slots[i];
		if (q->waiting && now >= q->retry_at) {
			int r = attempt(a, q);
			if (r < 0)
				done(a, q, r, NULL);
		}
		if (q->waiting) {
			if (q->retry_at < *next)
				*next = q->retry_at;
			continue;
		}
		if (!initq_busy(q))
			continue;
		if (now >= q->deadline)
			done(a, q, -ETIMEDOUT, NULL);
		else if (q->deadline < *next)
			*next = q->deadline;
	}
}

void initq_close(struct agent *a)
{
	finish(a, &a->status_q);
	finish(a, &a->power_q);
}
