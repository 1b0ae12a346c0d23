/* The relay's event loop: accepts on the Unix socket, connects each
 * connection to the target (retrying with backoff), and splices bytes both
 * ways through bounded buffers. Edge-triggered epoll: an idle relay sleeps in
 * epoll_wait with no timeout, and a peer that stops reading stops the relay
 * from reading the other side instead of making it buffer. */
#include "relay.h"

#include "cleanup.h"
#include "clock.h"
#include "log.h"
#include "retry.h"
#include "unix_addr.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Per direction: what one read may bring in before it is written on. */
#define RELAY_BUF 65536u

enum conn_state { CONN_RETRY, CONN_CONNECTING, CONN_UP };

/* One direction of a connection. */
struct half {
	size_t off, len; /* bytes waiting in buf: [off, off + len) */
	bool eof;	 /* the source has no more */
	bool shut;	 /* the destination got shutdown(SHUT_WR) */
	uint64_t bytes;
	char buf[RELAY_BUF];
};

struct conn;

/* What epoll hands back: which socket of which connection. */
struct end {
	struct conn *c;
	bool target;
};

struct conn {
	unsigned id;
	int cfd, tfd; /* client (accepted), target (-1 until an attempt) */
	enum conn_state state;
	/* Edge-triggered readiness, cleared when a call says EAGAIN. */
	bool c_in, c_out, t_in, t_out;
	bool dirty; /* on this round's work list */
	unsigned backoff_ms, attempts;
	uint64_t retry_at, give_up_at;
	struct end c_end, t_end;
	struct half up;	  /* client -> target */
	struct half down; /* target -> client */
};

struct relay {
	const struct relay_opts *o;
	char target_name[RELAY_UNIX_PATH_MAX + 16];
	int epfd, lfd, sfd;
	bool listen_ready;
	struct conn **conns;
	size_t n_conns;
	unsigned next_id;
	unsigned failures; /* failed connects in a row, for the log */
};

static struct end listen_end, signal_end;

static int ep_add(struct relay *r, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};
	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int relay_listen(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	if (unix_addr_set(&sa, path) < 0)
		return -ENAMETOOLONG;
	/* unix_sock_listen replaces a socket file left by an earlier run; one
	 * that still answers belongs to a running relay. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return -EBUSY;
	}
	return unix_sock_listen(path, SOMAXCONN);
}

static void conn_free(struct relay *r, size_t idx)
{
	struct conn *c = r->conns[idx];
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_debug("connection %u: closed (%llu bytes to the target, %llu back)", c->id,
			  (unsigned long long)c->up.bytes, (unsigned long long)c->down.bytes);
	close(c->cfd); /* closing also leaves the epoll set */
	if (c->tfd >= 0)
		close(c->tfd);
	free(c);
	r->conns[idx] = r->conns[--r->n_conns];
	/* A free slot (or fd) may let a waiting connection in. */
	r->listen_ready = true;
}

static size_t conn_index(const struct relay *r, const struct conn *c)
{
	for (size_t i = 0; i < r->n_conns; i++)
		if (r->conns[i] == c)
			return i;
	abort(); /* a connection not in the table: the loop's own bug */
}

static void schedule_retry(struct relay *r, struct conn *c, int err)
{
	if (c->tfd >= 0) {
		close(c->tfd);
		c->tfd = -1;
	}
	c->t_in = c->t_out = false;
	c->state = CONN_RETRY;
	c->backoff_ms = retry_backoff_next(c->backoff_ms, RELAY_RETRY_FIRST_MS, RELAY_RETRY_MAX_MS);
	c->retry_at = clock_now_ms() + c->backoff_ms;
	/* The first failure of a streak is worth a line, the rest are noise. */
	if (r->failures++ == 0)
		log_warn("cannot reach %s: %s; retrying", r->target_name, strerror(err));
	else
		log_debug("connection %u: cannot reach %s: %s; retry in %u ms", c->id,
			  r->target_name, strerror(err), c->backoff_ms);
}

static void connected(struct relay *r, struct conn *c)
{
	c->state = CONN_UP;
	if (r->failures)
		log_info("reached %s after %u failed attempts", r->target_name, r->failures);
	r->failures = 0;
	log_debug("connection %u: connected to %s", c->id, r->target_name);
}

/* One connect attempt. */
static void try_connect(struct relay *r, struct conn *c)
{
	const struct relay_target *t = &r->o->target;
	c->attempts++;
	int fd = socket(t->kind == RELAY_TARGET_UNIX ? AF_UNIX : AF_VSOCK,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		schedule_retry(r, c, errno);
		return;
	}
	c->tfd = fd;
	int rc;
	if (t->kind == RELAY_TARGET_UNIX) {
		struct sockaddr_un sa;
		unix_addr_set(&sa, t->path); /* length checked by the parser */
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_vm sa = {
		    .svm_family = AF_VSOCK, .svm_cid = t->cid, .svm_port = t->port};
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (rc < 0 && errno != EINPROGRESS) {
		/* EAGAIN: a Unix listener's backlog is full; also worth a retry. */
		schedule_retry(r, c, errno);
		return;
	}
	int e = ep_add(r, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->t_end);
	if (e < 0) {
		schedule_retry(r, c, -e);
		return;
	}
	if (rc == 0)
		connected(r, c);
	else
		c->state = CONN_CONNECTING;
}

/* Moves bytes one way. Returns 1 on progress, 0 when stuck, -errno on a
 * failed socket. */
static int move(struct half *h, int src, bool *src_ready, int dst, bool *dst_ready)
{
	int progress = 0;
	if (h->len == 0 && !h->eof && *src_ready) {
		ssize_t n = read(src, h->buf, sizeof(h->buf));
		if (n > 0) {
			h->off = 0;
			h->len = (size_t)n;
			progress = 1;
		} else if (n == 0) {
			h->eof = true;
			progress = 1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*src_ready = false;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	if (h->len > 0 && *dst_ready) {
		ssize_t n = send(dst, h->buf + h->off, h->len, MSG_NOSIGNAL);
		if (n > 0) {
			h->off += (size_t)n;
			h->len -= (size_t)n;
			h->bytes += (uint64_t)n;
			progress = 1;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			*dst_ready = false;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	if (h->len == 0 && h->eof && !h->shut) {
		/* Half-close: the other side learns there is no more, and may
		 * still answer. */
		h->shut = true;
		if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
			return -errno;
		progress = 1;
	}
	return progress;
}

/* Does everything a connection can do now. Returns false when it is gone. */
static bool conn_work(struct relay *r, struct conn *c)
{
	size_t idx = conn_index(r, c);
	if (c->state == CONN_CONNECTING) {
		if (!c->t_out && !c->t_in)
			return true;
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->tfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			schedule_retry(r, c, err);
			return true;
		}
		connected(r, c);
	}
	if (c->state != CONN_UP)
		return true;
	for (;;) {
		int a = move(&c->up, c->cfd, &c->c_in, c->tfd, &c->t_out);
		int b = a < 0 ? 0 : move(&c->down, c->tfd, &c->t_in, c->cfd, &c->c_out);
		if (a < 0 || b < 0) {
			log_debug("connection %u: %s", c->id, strerror(-(a < 0 ? a : b)));
			conn_free(r, idx);
			return false;
		}
		if (c->up.shut && c->down.shut) {
			conn_free(r, idx);
			return false;
		}
		if (!a && !b)
			return true;
	}
}

static void accept_all(struct relay *r)
{
	while (r->listen_ready && r->n_conns < r->o->max_conns) {
		int fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				/* EMFILE and the like: try again when a
				 * connection closes. */
				log_warn("accept: %s", strerror(errno));
			r->listen_ready = false;
			return;
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			log_warn("accept: out of memory; dropping a connection");
			close(fd);
			continue;
		}
		c->id = ++r->next_id;
		c->cfd = fd;
		c->tfd = -1;
		c->c_end = (struct end){c, false};
		c->t_end = (struct end){c, true};
		if (ep_add(r, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->c_end) < 0) {
			log_warn("epoll: %s; dropping a connection", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		uint64_t now = clock_now_ms();
		c->give_up_at = r->o->connect_timeout_s
				    ? now + (uint64_t)r->o->connect_timeout_s * 1000
				    : UINT64_MAX;
		r->conns[r->n_conns++] = c;
		log_debug("connection %u: accepted", c->id);
		try_connect(r, c);
		if (c->state == CONN_UP)
			conn_work(r, c);
	}
}

/* Retries due connects and drops connections past their connect timeout. */
static void timers(struct relay *r)
{
	uint64_t now = clock_now_ms();
	for (size_t i = 0; i < r->n_conns;) {
		struct conn *c = r->conns[i];
		if (c->state != CONN_UP && now >= c->give_up_at) {
			log_warn("connection %u: %s not reached within %u s (%u attempts); "
				 "closing it",
				 c->id, r->target_name, r->o->connect_timeout_s, c->attempts);
			conn_free(r, i);
			continue;
		}
		if (c->state == CONN_RETRY && now >= c->retry_at) {
			try_connect(r, c);
			if (c->state == CONN_UP && !conn_work(r, c))
				continue;
		}
		i++;
	}
}

static int next_timeout(const struct relay *r)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < r->n_conns; i++) {
		const struct conn *c = r->conns[i];
		if (c->state == CONN_RETRY && c->retry_at < next)
			next = c->retry_at;
		if (c->state != CONN_UP && c->give_up_at < next)
			next = c->give_up_at;
	}
	return next == UINT64_MAX ? -1 : clock_remaining_ms(next);
}

/* Returns true when a stop signal arrived. */
static bool stop_requested(int sfd)
{
	struct signalfd_siginfo si;
	bool stop = false;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP)
			stop = true;
	return stop;
}

int relay_run(const struct relay_opts *o, int lfd)
{
	struct relay r = {.o = o, .lfd = lfd, .listen_ready = true};
	relay_target_format(&o->target, r.target_name, sizeof(r.target_name));
	r.conns = calloc(o->max_conns, sizeof(*r.conns));
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	r.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	r.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!r.conns || r.sfd < 0 || r.epfd < 0 || ep_add(&r, r.sfd, EPOLLIN, &signal_end) < 0 ||
	    ep_add(&r, lfd, EPOLLIN | EPOLLET, &listen_end) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		free(r.conns);
		return 1;
	}
	log_info("relaying %s to %s", o->listen, r.target_name);

	bool stop = false;
	while (!stop) {
		struct epoll_event ev[32];
		struct conn *work[64];
		size_t n_work = 0;
		int n = epoll_wait(r.epfd, ev, 32, next_timeout(&r));
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct end *e = ev[i].data.ptr;
			uint32_t m = ev[i].events;
			if (e == &signal_end) {
				stop = stop_requested(r.sfd);
				continue;
			}
			if (e == &listen_end) {
				r.listen_ready = true;
				continue;
			}
			struct conn *c = e->c;
			bool in = m & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
			bool out = m & (EPOLLOUT | EPOLLHUP | EPOLLERR);
			if (e->target) {
				c->t_in |= in;
				c->t_out |= out;
			} else {
				c->c_in |= in;
				c->c_out |= out;
			}
			if (!c->dirty) {
				c->dirty = true;
				work[n_work++] = c;
			}
		}
		for (size_t i = 0; i < n_work; i++) {
			work[i]->dirty = false;
			conn_work(&r, work[i]);
		}
		timers(&r);
		accept_all(&r);
	}
	log_info("stopping: closing %zu connections", r.n_conns);
	while (r.n_conns)
		conn_free(&r, r.n_conns - 1);
	free(r.conns);
	close(r.epfd);
	close(r.sfd);
	return 0;
}
