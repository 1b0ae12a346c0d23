/* The epoll loop: dispatches readiness to the listener, the clients, the
 * event connection and the requests to init; runs the timers; closes what
 * died during the turn; stops on SIGTERM or SIGINT. */
#include "agent.h"
#include "clock.h"

#include "log.h"
#include "sysinfo.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
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

/* Answers every waiting STATUS and feeds the app's exit to the events. */
static void status_done(struct agent *a, int err, const struct ctl_status *st)
{
	struct agent_app app;
	static int last_err;
	char *reply = NULL;
	if (err == 0) {
		/* The raw reply also carries the store lines. */
		struct initq *q = &a->status_q;
		q->buf[q->len] = '\0';
		reply = q->buf;
		agent_app_from_ctl(st, &app);
		events_app_status(a, st);
	} else {
		memset(&app, 0, sizeof(app)); /* app state "unknown" */
		if (err != last_err)
			log_warn("cannot get the app state from init (%s): %s", a->opt.init_socket,
				 strerror(-err));
	}
	last_err = err;
	server_status_done(a, &app, reply);
}

void agent_status_request(struct agent *a)
{
	if (initq_busy(&a->status_q))
		return; /* the answer in flight serves this request too */
	int r = initq_start(a, &a->status_q, CTL_CMD_STATUS, 0);
	if (r < 0)
		status_done(a, r, NULL);
}

static void power_done(struct agent *a, int err)
{
	const char *what = a->power_q.cmd == CTL_CMD_REBOOT ? "reboot" : "power off";
	if (err == 0)
		log_info("init accepted the %s request", what);
	else if (err == -ESHUTDOWN)
		log_info("init is already shutting down");
	else
		log_err("cannot ask init to %s (%s): %s", what, a->opt.init_socket, strerror(-err));
	a->power_pending = POWER_NONE;
}

void agent_power_request(struct agent *a, enum power_req req, uint32_t limit_ms)
{
	/* One request to init is enough: a second SHUTDOWN while the first is
	 * on its way changes nothing. */
	if (a->power_pending != POWER_NONE || req == POWER_NONE)
		return;
	a->power_pending = req;
	a->power_q.cmd = req == POWER_REBOOT ? CTL_CMD_REBOOT : CTL_CMD_POWEROFF;
	int r = initq_start(a, &a->power_q, a->power_q.cmd, limit_ms);
	if (r < 0)
		power_done(a, r);
}

static void on_initq(struct agent *a, struct initq *q)
{
	struct ctl_status st;
	int err;
	if (!initq_busy(q))
		return; /* an event from before the request ended this turn */
	if (initq_on_io(a, q, &err, &st) == 0)
		return;
	if (q == &a->status_q)
		status_done(a, err, &st);
	else
		power_done(a, err);
}

static void tick_initq(struct agent *a, struct initq *q, uint64_t now, uint64_t *next)
{
	if (!initq_busy(q))
		return;
	if (now < q->deadline) {
		if (q->deadline < *next)
			*next = q->deadline;
		return;
	}
	initq_cancel(a, q);
	if (q == &a->status_q)
		status_done(a, -ETIMEDOUT, NULL);
	else
		power_done(a, -ETIMEDOUT);
}

static void on_signal(struct agent *a)
{
	struct signalfd_siginfo si;
	while (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("stopping on signal %u", si.ssi_signo);
			a->stop = true;
		}
	}
}

static int setup(struct agent *a)
{
	sigset_t mask;
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	/* Writes to a closed peer fail with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	a->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sig_fd < 0)
		return -errno;
	a->sig_w.kind = WATCH_SIGNAL;
	int r = agent_watch_add(a, a->sig_fd, &a->sig_w, EPOLLIN);
	if (r < 0)
		return r;
	initq_init(&a->status_q);
	initq_init(&a->power_q);
	events_init(a);
	return server_open(a);
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
		on_initq(a, (struct initq *)w);
		break;
	}
}

int agent_run(struct agent *a)
{
	int r = setup(a);
	if (r < 0)
		return r;
	while (!a->stop) {
		uint64_t now = clock_now_ms();
		uint64_t next = UINT64_MAX;
		events_tick(a, now, &next);
		server_tick(a, now, &next);
		tick_initq(a, &a->status_q, now, &next);
		tick_initq(a, &a->power_q, now, &next);
		server_sweep(a);
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
	events_final(a);
	events_close(a);
	initq_cancel(a, &a->status_q);
	initq_cancel(a, &a->power_q);
	server_close_all(a);
	return 0;
}
