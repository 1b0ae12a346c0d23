/* The epoll loop: dispatches readiness to the listener, the clients, the
 * event connection and the requests to init; runs the timers; closes what
 * died during the turn; on SIGTERM or SIGINT, winds down and stops. */
#include "agent.h"
#include "clock.h"

#include "handler.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define MAX_EVENTS 32

int agent_watch_add(struct agent *a, int fd, struct watch *w, uint32_t mask)
{
	struct epoll_event e = {.events = mask, .data.ptr = w};
	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

int agent_watch_mod(struct agent *a, int fd, struct watch *w, uint32_t mask)
{
	struct epoll_event e = {.events = mask, .data.ptr = w};
	return epoll_ctl(a->epfd, EPOLL_CTL_MOD, fd, &e) < 0 ? -errno : 0;
}

void agent_watch_del(struct agent *a, int fd)
{
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* SIGTERM is init's shutdown. Before going, the agent asks init once more,
 * through the same status request as always, so that an app exit the host
 * has not heard of yet is announced, and lets the event queue drain; all of
 * it within AGENT_FINAL_MS. */
static void stop_begin(struct agent *a, unsigned sig)
{
	if (a->stopping)
		return;
	log_info("stopping on signal %u", sig);
	a->stopping = true;
	a->stop_at = clock_now_ms() + AGENT_FINAL_MS;
	if (events_up(a))
		agent_status_request(a);
}

/* Returns true once the agent may exit. */
static bool stop_done(struct agent *a, uint64_t now)
{
	return a->stopping &&
	       (now >= a->stop_at || (!initq_busy(&a->status_q) && !events_pending(a)));
}

static void on_signal(struct agent *a)
{
	struct signalfd_siginfo si;
	while (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop_begin(a, si.ssi_signo);
}

static void log_starting(void *ctx)
{
	const struct agent *a = ctx;
	log_info("%s starting (vm \"%s\")", AGENT_SOFTWARE, a->vm_name);
}

/* A start-up step that failed: its one line (main adds none). */
static int setup_failed(const char *what, int r)
{
	log_err("cannot start: %s: %s", what, strerror(-r));
	return r;
}

static int setup(struct agent *a)
{
	sigset_t mask;
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epfd < 0)
		return setup_failed("epoll_create1", -errno);
	/* The event connection's connect goes out first: its round trip
	 * overlaps all the rest of the start-up. The start-up's lines are
	 * formatted once READY is out (events_lines_wait). */
	events_init(a);
	log_defer(log_starting, a);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return setup_failed("sigprocmask", -errno);
	/* Writes to a closed peer fail with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	a->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sig_fd < 0)
		return setup_failed("signalfd", -errno);
	a->sig_w.kind = WATCH_SIGNAL;
	int r = agent_watch_add(a, a->sig_fd, &a->sig_w, EPOLLIN);
	if (r < 0)
		return setup_failed("epoll_ctl", r);
	server_init(a);
	initq_setup(a);
	initwatch_setup(a);
	clip_setup(a);
	r = server_open(a);
	if (r == 0)
		events_listening(a);
	return r;
}

static void dispatch(struct agent *a, struct watch *w, uint32_t events)
{
	switch (w->kind) {
	case WATCH_LISTEN:
		server_on_listen(a);
		break;
	case WATCH_SIGNAL:
		on_signal(a);
		break;
	case WATCH_CLIENT:
		server_on_client(a, (struct client *)w, events);
		break;
	case WATCH_EVENTS:
		events_on_io(a, events);
		break;
	case WATCH_INITQ:
		initq_on_io(a, (struct initq *)w);
		break;
	case WATCH_INITWATCH:
		initwatch_on_io(a);
		break;
	case WATCH_CLIP:
	case WATCH_CLIP_READ:
	case WATCH_CLIP_WRITER:
		clip_on_io(a, w, events);
		break;
	}
}

int agent_run(struct agent *a)
{
	int r = setup(a);
	if (r < 0)
		return r;
	for (;;) {
		uint64_t now = clock_now_ms();
		uint64_t next = a->stopping ? a->stop_at : UINT64_MAX;
		if (stop_done(a, now))
			break;
		events_tick(a, now, &next);
		server_tick(a, now, &next);
		initq_tick(a, now, &next);
		clip_tick(a, now, &next);
		server_sweep(a);
		if (!events_lines_wait(a, now, &next))
			log_flush();
		int timeout = -1;
		if (next != UINT64_MAX) {
			now = clock_now_ms();
			timeout = next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
		}
		struct epoll_event evs[MAX_EVENTS];
		int n = epoll_wait(a->epfd, evs, MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++)
			dispatch(a, evs[i].data.ptr, evs[i].events);
		server_sweep(a);
	}
	log_flush();
	events_close(a);
	initwatch_close(a);
	initq_close(a);
	clip_close(a);
	server_close_all(a);
	return 0;
}
