/* Non-blocking requests to appvm-init's control socket (docs/init-control.md):
 * connect, write one request line, read the reply until it decodes. The
 * encoding and decoding are init's own (control_proto.c). */
#include "unix_addr.h"
#include "agent.h"
#include "clock.h"

#include "cleanup.h"
#include "io.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void initq_init(struct initq *q)
{
	memset(q, 0, sizeof(*q));
	q->w.kind = WATCH_INITQ;
	q->fd = -1;
}

bool initq_busy(const struct initq *q)
{
	return q->fd >= 0;
}

void initq_cancel(struct agent *a, struct initq *q)
{
	if (q->fd < 0)
		return;
	agent_watch_del(a, q->fd);
	close(q->fd);
	q->fd = -1;
}

int initq_start(struct agent *a, struct initq *q, enum ctl_cmd cmd, uint32_t limit_ms)
{
	char req[CTL_REQUEST_MAX];
	int r = ctl_request_encode(cmd, limit_ms, req, sizeof(req));
	if (r < 0)
		return r;
	struct sockaddr_un sa;
	r = unix_addr_set(&sa, a->opt.init_socket);
	if (r < 0)
		return r;

	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A Unix stream connect either completes at once or fails; EAGAIN
	 * means init's backlog is full, which is worth a retry later. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	r = agent_watch_add(a, fd, &q->w, EPOLLIN | EPOLLOUT);
	if (r < 0)
		return r;
	q->fd = steal_fd(&fd);
	q->cmd = cmd;
	q->limit_ms = limit_ms;
	q->sent = 0;
	q->len = 0;
	q->deadline = clock_now_ms() + AGENT_INIT_TIMEOUT_MS;
	return 0;
}

int initq_on_io(struct agent *a, struct initq *q, int *ret_err, struct ctl_status *ret_st)
{
	char req[CTL_REQUEST_MAX];
	/* Checked by initq_start. */
	int r = ctl_request_encode(q->cmd, q->limit_ms, req, sizeof(req));
	size_t req_len = r < 0 ? 0 : (size_t)r;

	*ret_err = 0;
	while (q->sent < req_len) {
		ssize_t n =
		    send(q->fd, req + q->sent, req_len - q->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			r = -errno;
			goto done;
		}
		q->sent += (size_t)n;
		if (q->sent == req_len)
			agent_watch_mod(a, q->fd, &q->w, EPOLLIN);
	}
	for (;;) {
		if (q->len == CTL_REPLY_MAX) {
			r = -EBADMSG;
			goto done;
		}
		ssize_t n = io_read_some(q->fd, q->buf + q->len, CTL_REPLY_MAX - q->len);
		if (n == -EAGAIN)
			return 0;
		if (n < 0) {
			r = (int)n;
			goto done;
		}
		if (n == 0) {
			r = q->len == 0 ? -ECONNRESET : -EBADMSG;
			goto done;
		}
		q->len += (size_t)n;
		r = ctl_reply_decode(q->buf, q->len, ret_st);
		if (r != -EAGAIN)
			goto done;
	}
done:
	*ret_err = r;
	initq_cancel(a, q);
	return 1;
}
