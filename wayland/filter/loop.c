/* The event loop: accepts clients, connects each to upstream, moves bytes
 * between sockets and the protocol core (conn.c), applies backpressure, and
 * closes connections the core gave up on. Idle, it sleeps in epoll_wait. */
#include "loop.h"

#include "cleanup.h"
#include "clock.h"
#include "io.h"
#include "log.h"
#include "unix_addr.h"
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-client-protocol.h>

/* How long a connection being closed may take to flush its last bytes
 * (such as a protocol error) to the client. */
#define CLOSE_GRACE_MS 2000

/* How long listening stays paused after accept ran out of fds, unless a
 * client leaves first: the limit may be the system's, or fds held by
 * nothing of ours. */
#define ACCEPT_RETRY_MS 1000

enum src_kind { SRC_LISTEN, SRC_CONTROL_LISTEN, SRC_SIGNAL, SRC_CLIENT, SRC_UPSTREAM };

struct src {
	enum src_kind kind;
	struct client *cl;
};

struct client {
	struct wlf_conn *conn;
	int cfd, ufd;
	struct src csrc, usrc;
	uint32_t cmask, umask; /* registered epoll events */
	bool closing;	       /* upstream closed; flushing to the client */
	uint64_t deadline_ms;
	struct client *next;
};

struct loop {
	const struct wlf_opts *opts;
	const char *upstream_path;
	struct wlf_ctx ctx;
	int epfd, sigfd;
	struct src listen_src, control_src, sig_src;
	int listen_fd, control_fd;
	struct client *clients;
	unsigned nclients;
	struct wlf_focus_settle focus;
	uint64_t focus_wake; /* when the focus may have settled; UINT64_MAX: none pending */
	/* Accept failed (out of fds): not listening until a client leaves,
	 * or accept_retry_ms. Warned once until a client is accepted again. */
	bool listen_paused, accept_warned;
	unsigned paused_clients;
	uint64_t accept_retry_ms;
};

static int ep_add(struct loop *l, int fd, struct src *s, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = s};
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void ep_set(struct loop *l, int fd, struct src *s, uint32_t *cur, uint32_t want)
{
	if (fd < 0 || *cur == want)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = s};
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		*cur = want;
}

/* The focus file says "1\n" while a window of this filter has keyboard
 * focus, "0\n" otherwise, replaced by rename so readers never see half.
 * A change is written once it has settled (wlf_focus_settle); at exit
 * (now_final) at once. */
static int write_focus(struct loop *l, bool now_final)
{
	const char *path = l->opts->focus_file;
	bool focused = l->ctx.focused > 0;
	l->ctx.focus_changed = false;
	if (!path)
		return 0;
	unsigned dropped = l->focus.dropped;
	int v = wlf_focus_settle(&l->focus, focused, clock_now_ms(), &l->focus_wake);
	if (l->focus.dropped != dropped)
		log_debug("focus: changed back within %d ms: not written", WLF_FOCUS_SETTLE_MS);
	if (now_final) {
		v = focused == l->focus.written ? -1 : focused;
		l->focus.pending = -1;
		l->focus_wake = UINT64_MAX;
	}
	if (v < 0)
		return 0;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* A file left there, or a symlink planted there, is never written
	 * through: it goes, and the new one must be ours (O_EXCL). */
	unlink(tmp);
	_cleanup_close_ int fd =
	    open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || io_write_full(fd, v ? "1\n" : "0\n", 2) < 0 || rename(tmp, path) < 0) {
		int r = errno ? -errno : -EIO;
		/* Nothing written yet: the first write, at start-up, where a
		 * failure stops the filter. */
		if (l->focus.written < 0)
			log_err("cannot start: focus file %s: %s", path, strerror(-r));
		else
			log_warn("focus file %s: %s", path, strerror(-r));
		return r;
	}
	l->focus.written = v;
	log_debug("focus: %s", v ? "in" : "out");
	return 0;
}

static void client_free(struct loop *l, struct client *cl)
{
	for (struct client **p = &l->clients; *p; p = &(*p)->next)
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	l->nclients--;
	log_debug("client %llu: closed", (unsigned long long)cl->conn->id);
	wlf_conn_free(cl->conn);
	if (cl->cfd >= 0)
		close(cl->cfd);
	if (cl->ufd >= 0)
		close(cl->ufd);
	free(cl);
}

static void close_upstream(struct client *cl)
{
	if (cl->ufd >= 0) {
		close(cl->ufd); /* also removes it from epoll */
		cl->ufd = -1;
		cl->umask = 0;
	}
}

/* Stops reading; what is queued for the client may still go out. */
static void start_closing(struct client *cl)
{
	if (cl->closing)
		return;
	wlf_conn_upstream_closed(cl->conn);
	cl->closing = true;
	cl->deadline_ms = clock_now_ms() + CLOSE_GRACE_MS;
	close_upstream(cl);
}

static void set_listening(struct loop *l, bool on)
{
	struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = &l->listen_src};
	epoll_ctl(l->epfd, EPOLL_CTL_MOD, l->listen_fd, &ev);
	if (l->control_fd >= 0) {
		ev.data.ptr = &l->control_src;
		epoll_ctl(l->epfd, EPOLL_CTL_MOD, l->control_fd, &ev);
	}
	l->listen_paused = !on;
	l->paused_clients = l->nclients;
	l->accept_retry_ms = on ? UINT64_MAX : clock_now_ms() + ACCEPT_RETRY_MS;
}

static void accept_client(struct loop *l, int lfd, bool control)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return;
		/* Out of fds: the pending connection would wake us forever. */
		if (!l->accept_warned)
			log_warn("accept: %s; trying again when a client leaves, or in %d ms",
				 strerror(errno), ACCEPT_RETRY_MS);
		else
			log_debug("accept: %s; paused again", strerror(errno));
		l->accept_warned = true;
		set_listening(l, false);
		return;
	}
	if (l->accept_warned) {
		log_info("accepting clients again");
		l->accept_warned = false;
	}
	if (l->nclients >= l->opts->max_clients) {
		log_warn("client refused: %u clients already", l->nclients);
		close(fd);
		return;
	}
	struct client *cl = calloc(1, sizeof(*cl));
	if (!cl || wlf_conn_new(&l->ctx, control, &cl->conn) < 0) {
		log_warn("client refused: out of memory");
		free(cl);
		close(fd);
		return;
	}
	cl->cfd = fd;
	cl->ufd = -1;
	cl->csrc = (struct src){SRC_CLIENT, cl};
	cl->usrc = (struct src){SRC_UPSTREAM, cl};
	cl->next = l->clients;
	l->clients = cl;
	l->nclients++;
	if (ep_add(l, cl->cfd, &cl->csrc, 0) < 0) {
		client_free(l, cl);
		return;
	}
	log_debug("client %llu: connected%s", (unsigned long long)cl->conn->id,
		  control ? " (data-control)" : "");
	if (control)
		return;
	int ufd = wlf_sock_connect(l->upstream_path);
	if (ufd < 0) {
		/* The path is the host's business: the log has it, the client
		 * (the guest reads it) does not. */
		log_warn("client %llu: cannot connect to %s: %s", (unsigned long long)cl->conn->id,
			 l->upstream_path, strerror(-ufd));
		wlf_conn_upstream_error(cl->conn, "cannot connect to the compositor: %s",
					strerror(-ufd));
		return;
	}
	cl->ufd = ufd;
	if (ep_add(l, cl->ufd, &cl->usrc, 0) < 0)
		wlf_conn_upstream_error(cl->conn, "epoll: %s", strerror(errno));
}

/* One read from the client (upstream false) or from upstream, then the
 * core decodes what came. */
static void read_side(struct client *cl, bool upstream)
{
	struct wlf_conn *c = cl->conn;
	ssize_t n = wlf_sock_recv(upstream ? cl->ufd : cl->cfd, upstream ? &c->uin : &c->cin);
	if (n == -EAGAIN)
		return;
	if (n == -EMFILE) {
		if (upstream)
			wlf_conn_upstream_error(c, "too many file descriptors");
		else
			wlf_conn_client_error(c, 1, WL_DISPLAY_ERROR_INVALID_METHOD,
					      "too many file descriptors without their messages");
		return;
	}
	if (n <= 0 && upstream) {
		/* Upstream closed (perhaps after a protocol error it sent):
		 * pass on what it said, then close the client. */
		log_debug("client %llu: upstream closed", (unsigned long long)c->id);
		start_closing(cl);
		return;
	}
	if (n <= 0) {
		/* The client left: nothing it sent later can matter. */
		cl->closing = true;
		cl->deadline_ms = 0;
		return;
	}
	if (upstream)
		wlf_conn_from_upstream(c);
	else
		wlf_conn_from_client(c);
}

static void log_end(struct client *cl)
{
	struct wlf_conn *c = cl->conn;
	switch (c->state) {
	case WLF_CONN_OK:
		return;
	case WLF_CONN_CLIENT_ERROR:
		log_warn("client %llu: protocol error: %s", (unsigned long long)c->id, c->reason);
		return;
	case WLF_CONN_UPSTREAM_ERROR:
		log_warn("client %llu: %s", (unsigned long long)c->id, c->reason);
		return;
	case WLF_CONN_OVERFLOW:
		log_warn("client %llu: dropped: %s", (unsigned long long)c->id, c->reason);
		return;
	}
}

/* Brings one client up to date after events: ends it if the core gave up,
 * flushes outputs, resumes decoding held back by backpressure, and sets the
 * epoll interest. Returns false when the client was freed. */
static bool service(struct loop *l, struct client *cl)
{
	struct wlf_conn *c = cl->conn;
	if (c->state != WLF_CONN_OK && !cl->closing) {
		log_end(cl);
		if (c->state == WLF_CONN_OVERFLOW) {
			client_free(l, cl);
			return false;
		}
		start_closing(cl);
	}
	for (int round = 0; round < 64; round++) {
		if (cl->ufd >= 0 && wlf_sock_flush(cl->ufd, &c->uout) < 0) {
			wlf_conn_upstream_error(c, "upstream connection failed");
			log_end(cl);
			start_closing(cl);
		}
		if (wlf_sock_flush(cl->cfd, &c->cout) < 0) {
			client_free(l, cl);
			return false;
		}
		if (cl->closing)
			break;
		/* Decoding stopped at the soft limit may go on now. */
		size_t before = c->cin.len + c->uin.len;
		if (wlf_conn_can_read_client(c))
			wlf_conn_from_client(c);
		if (wlf_conn_can_read_upstream(c))
			wlf_conn_from_upstream(c);
		if (c->cin.len + c->uin.len == before && c->state == WLF_CONN_OK)
			break;
		if (c->state != WLF_CONN_OK)
			return service(l, cl);
	}
	if (cl->closing && (c->cout.len == 0 || clock_now_ms() >= cl->deadline_ms)) {
		client_free(l, cl);
		return false;
	}
	/* Output went out: events are read again, the focus counts again. */
	wlf_conn_refresh_focus(c);
	uint32_t cwant = c->cout.len ? EPOLLOUT : 0;
	if (!cl->closing && wlf_conn_can_read_client(c) && c->cin.len < sizeof(c->cin.buf))
		cwant |= EPOLLIN;
	ep_set(l, cl->cfd, &cl->csrc, &cl->cmask, cwant);
	uint32_t uwant = c->uout.len ? EPOLLOUT : 0;
	if (wlf_conn_can_read_upstream(c) && c->uin.len < sizeof(c->uin.buf))
		uwant |= EPOLLIN;
	ep_set(l, cl->ufd, &cl->usrc, &cl->umask, uwant);
	return true;
}

/* Whether output is queued that epoll will not wake us for. */
static bool stalled(const struct client *cl)
{
	const struct wlf_conn *c = cl->conn;
	return (c->cout.len && !(cl->cmask & EPOLLOUT)) ||
	       (c->uout.len && cl->ufd >= 0 && !(cl->umask & EPOLLOUT));
}

/* One client's requests can queue events for others (guest selections),
 * so every client is brought up to date, again while any is left with
 * output that nothing would flush. */
static void sweep(struct loop *l)
{
	bool all = true;
	for (int pass = 0; pass < 8; pass++) {
		bool again = false;
		struct client *next;
		for (struct client *cl = l->clients; cl; cl = next) {
			next = cl->next;
			if (all || cl->closing || stalled(cl))
				service(l, cl);
		}
		for (struct client *cl = l->clients; cl; cl = cl->next)
			again = again || stalled(cl);
		if (!again)
			break;
		all = false;
	}
	if (l->listen_paused &&
	    (l->nclients < l->paused_clients || clock_remaining_ms(l->accept_retry_ms) == 0))
		set_listening(l, true);
}

static int next_timeout(const struct loop *l)
{
	bool any = false;
	uint64_t first = 0;
	for (const struct client *cl = l->clients; cl; cl = cl->next)
		if (cl->closing && (!any || cl->deadline_ms < first)) {
			first = cl->deadline_ms;
			any = true;
		}
	if (l->focus_wake != UINT64_MAX && (!any || l->focus_wake < first)) {
		first = l->focus_wake;
		any = true;
	}
	if (l->listen_paused && (!any || l->accept_retry_ms < first)) {
		first = l->accept_retry_ms;
		any = true;
	}
	return any ? clock_remaining_ms(first) : -1;
}

static int setup(struct loop *l, const char *listen_path, const char *control_path)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -errno;
	l->sig_src = (struct src){SRC_SIGNAL, NULL};
	int r = ep_add(l, l->sigfd, &l->sig_src, EPOLLIN);
	if (r < 0)
		return r;
	l->listen_fd = wlf_sock_listen(listen_path);
	if (l->listen_fd < 0) {
		log_err("cannot listen on %s: %s", listen_path,
			unix_listen_why(listen_path, l->listen_fd));
		return l->listen_fd;
	}
	l->listen_src = (struct src){SRC_LISTEN, NULL};
	if ((r = ep_add(l, l->listen_fd, &l->listen_src, EPOLLIN)) < 0)
		return r;
	if (control_path) {
		l->control_fd = wlf_sock_listen(control_path);
		if (l->control_fd < 0) {
			log_err("cannot listen on %s: %s", control_path,
				unix_listen_why(control_path, l->control_fd));
			return l->control_fd;
		}
		l->control_src = (struct src){SRC_CONTROL_LISTEN, NULL};
		if ((r = ep_add(l, l->control_fd, &l->control_src, EPOLLIN)) < 0)
			return r;
	}
	return 0;
}

static bool handle(struct loop *l, const struct epoll_event *ev)
{
	struct src *s = ev->data.ptr;
	switch (s->kind) {
	case SRC_SIGNAL: {
		struct signalfd_siginfo si;
		if (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			log_info("signal %u: stopping", si.ssi_signo);
			return false;
		}
		return true;
	}
	case SRC_LISTEN:
	case SRC_CONTROL_LISTEN:
		accept_client(l, s->kind == SRC_LISTEN ? l->listen_fd : l->control_fd,
			      s->kind == SRC_CONTROL_LISTEN);
		return true;
	case SRC_CLIENT:
		if ((ev->events & EPOLLIN) && (s->cl->cmask & EPOLLIN) && !s->cl->closing) {
			read_side(s->cl, false);
		} else if (ev->events & (EPOLLHUP | EPOLLERR)) {
			/* Gone while not being read: drop it now, or epoll
			 * would report the hangup again and again. */
			s->cl->closing = true;
			s->cl->deadline_ms = 0;
		}
		return true;
	case SRC_UPSTREAM:
		if (s->cl->ufd < 0)
			return true;
		if ((ev->events & EPOLLIN) && (s->cl->umask & EPOLLIN))
			read_side(s->cl, true);
		else if (ev->events & (EPOLLHUP | EPOLLERR))
			start_closing(s->cl);
		return true;
	}
	return true;
}

int wlf_run(const struct wlf_opts *opts, const char *listen_path, const char *upstream_path,
	    const char *data_control_path)
{
	struct loop l = {
	    .opts = opts,
	    .upstream_path = upstream_path,
	    .epfd = -1,
	    .sigfd = -1,
	    .listen_fd = -1,
	    .control_fd = -1,
	    .focus = {.written = -1, .pending = -1},
	    .focus_wake = UINT64_MAX,
	};
	wlf_ctx_init(&l.ctx, opts->mode, opts->name);
	l.ctx.allow_fullscreen = opts->allow_fullscreen;
	int r = setup(&l, listen_path, data_control_path);
	/* The first "0" tells at once whether the focus file can be kept: a
	 * filter that cannot does not start (the clipboard's "focused" target
	 * would never find its VM). */
	if (r == 0 && (r = write_focus(&l, false)) < 0)
		l.focus.written = 0; /* nothing more to write at exit */
	bool running = r == 0;
	if (running) {
		log_info("%s mode: serving %s, upstream %s%s%s",
			 opts->mode == WLF_MODE_HOST ? "host" : "guest", listen_path, upstream_path,
			 data_control_path ? ", data-control " : "",
			 data_control_path ? data_control_path : "");
	}
	while (running) {
		struct epoll_event evs[64];
		int n = epoll_wait(l.epfd, evs, 64, next_timeout(&l));
		if (n < 0 && errno != EINTR) {
			r = -errno;
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && running; i++)
			running = handle(&l, &evs[i]);
		sweep(&l);
		if (l.ctx.focus_changed ||
		    (l.focus_wake != UINT64_MAX && clock_remaining_ms(l.focus_wake) == 0))
			write_focus(&l, false);
	}
	while (l.clients)
		client_free(&l, l.clients);
	write_focus(&l, true);
	if (l.listen_fd >= 0) {
		close(l.listen_fd);
		unlink(listen_path);
	}
	if (l.control_fd >= 0) {
		close(l.control_fd);
		unlink(data_control_path);
	}
	if (l.sigfd >= 0)
		close(l.sigfd);
	if (l.epfd >= 0)
		close(l.epfd);
	return r;
}
