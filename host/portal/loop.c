/* The epoll loop: dispatches readiness, runs the timers, sweeps what died
 * during the turn, and stops on SIGTERM or SIGINT. Idle, it sleeps in
 * epoll_wait without a timeout. */
#include "portald.h"

#include "clock.h"

#include "cleanup.h"
#include "log.h"
#include "unix_addr.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_EVENTS 32

int pd_listen(const char *path, int backlog)
{
	/* Never another daemon's: a live socket means this VM is served. */
	int fd = unix_sock_live(path) ? -EADDRINUSE : unix_sock_listen(path, backlog);
	if (fd < 0)
		log_err("cannot listen on %s: %s", path, unix_listen_why(path, fd));
	return fd;
}

int pd_watch_add(struct pd_daemon *d, int fd, struct pd_watch *w, uint32_t mask)
{
	struct epoll_event e = {.events = mask, .data.ptr = w};
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

int pd_watch_mod(struct pd_daemon *d, int fd, struct pd_watch *w, uint32_t mask)
{
	struct epoll_event e = {.events = mask, .data.ptr = w};
	return epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &e) < 0 ? -errno : 0;
}

void pd_watch_del(struct pd_daemon *d, int fd)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void on_signal(struct pd_daemon *d)
{
	struct signalfd_siginfo si;
	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("stopping on signal %u", si.ssi_signo);
			d->stop = true;
		} else if (si.ssi_signo == SIGCHLD) {
			pd_dialog_on_chooser(d);
		}
	}
}

static int setup(struct pd_daemon *d)
{
	sigset_t mask;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	/* Held in reserve: out of descriptors, a connection waiting on a
	 * listener is taken with it and closed, not left to spin the loop. */
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (d->spare_fd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig_fd < 0)
		return -errno;
	pd_conn_init(d);
	d->sig_w.kind = PD_W_SIGNAL;
	int r = pd_watch_add(d, d->sig_fd, &d->sig_w, EPOLLIN);
	if (r < 0)
		return r;
	d->listen_fd = pd_listen(d->opt.listen, 16);
	if (d->listen_fd < 0)
		return d->listen_fd;
	d->listen_w.kind = PD_W_LISTEN;
	r = pd_watch_add(d, d->listen_fd, &d->listen_w, EPOLLIN);
	if (r < 0)
		return r;
	r = pd_ctl_open(d);
	if (r < 0)
		return r;
	r = pd_fsdev_open(d);
	if (r < 0)
		return r;
	log_info("VM %s: guest portal on %s, control on %s", d->opt.name, d->opt.listen,
		 d->opt.control);
	return 0;
}

static void dispatch(struct pd_daemon *d, struct pd_watch *w, uint32_t events)
{
	switch (w->kind) {
	case PD_W_LISTEN:
		pd_conn_accept(d);
		break;
	case PD_W_CONN:
		pd_conn_on_io(d, (struct pd_conn *)w, events);
		break;
	case PD_W_SIGNAL:
		on_signal(d);
		break;
	case PD_W_CHOOSER:
		pd_dialog_on_chooser(d);
		break;
	case PD_W_CTL:
		pd_ctl_accept(d);
		break;
	case PD_W_CTLCONN:
		pd_ctl_on_io(d, (struct pd_ctlconn *)w, events);
		break;
	case PD_W_FS_LISTEN:
		pd_fsdev_accept(d);
		break;
	case PD_W_FS_CONN:
		pd_fsdev_on_conn(d);
		break;
	case PD_W_FS_KICK:
		pd_fsdev_on_kick(d, (struct pd_fskick *)w);
		break;
	}
}

static void teardown(struct pd_daemon *d)
{
	pd_dialog_stop(d);
	frame_set_close_all(&d->conns);
	pd_ctl_close_all(d);
	pd_fsdev_close(d);
	pd_docs_free_all(d);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->opt.listen);
	}
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->spare_fd >= 0)
		close(d->spare_fd);
}

int pd_run(struct pd_daemon *d)
{
	d->epfd = d->sig_fd = d->listen_fd = d->ctl_fd = d->spare_fd = -1;
	int r = setup(d);
	while (r == 0 && !d->stop) {
		uint64_t now = clock_now_ms();
		uint64_t next = UINT64_MAX;
		frame_set_tick(&d->conns, now, &next);
		pd_dialog_tick(d, now, &next);
		pd_ctl_tick(d, now, &next);
		pd_fsdev_tick(d, now, &next);
		frame_set_sweep(&d->conns);
		pd_ctl_sweep(d);
		int timeout = -1;
		if (next != UINT64_MAX) {
			now = clock_now_ms();
			timeout = next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
		}
		struct epoll_event evs[MAX_EVENTS];
		int n = epoll_wait(d->epfd, evs, MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			dispatch(d, evs[i].data.ptr, evs[i].events);
		frame_set_sweep(&d->conns);
		pd_ctl_sweep(d);
	}
	teardown(d);
	return r;
}
