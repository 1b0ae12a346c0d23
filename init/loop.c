/* The main loop: signals (signalfd), zombies, service supervision, the
 * control socket, the power button and the shutdown phases. */
#include "init.h"
#include "clock.h"

#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void watch(struct init *in, int fd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};
	if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_warn("epoll: cannot watch fd %d: %s", fd, strerror(errno));
}

static void log_started(void *ctx)
{
	const struct service *s = ctx;
	log_info("%s: started %s (pid %d)", s->name, s->argv[0], (int)s->pid);
}

/* late_line: the line for the start is formatted later (log_defer). */
static void start_logged(struct init *in, struct service *s, bool late_line)
{
	char err[512];
	int r = service_start(in, s, err, sizeof(err));
	if (r < 0) {
		log_err("%s", err);
		s->state = INITCTL_STATE_FAILED;
		if (s == in->app) {
			log_err("app: cannot be started: powering off");
			loop_request_shutdown(in, RB_POWER_OFF, "the app cannot be started");
		}
		return;
	}
	watch(in, s->out_fd, TAG_OUT + (uint32_t)(s - in->svcs));
	if (late_line)
		log_defer(log_started, s);
	else
		log_started(s);
}

static void start(struct init *in, struct service *s)
{
	start_logged(in, s, false);
}

void loop_start_early(struct init *in, struct service *s)
{
	/* Its line waits until init logs again, after the agent ran: the
	 * loop, which could restart s, runs only after that. */
	if (s->state == INITCTL_STATE_STOPPED)
		start_logged(in, s, true);
}

/* The k-th service in start order: the others in table order, the app last. */
static struct service *start_slot(struct init *in, size_t k)
{
	for (size_t i = 0; i < in->n_svcs; i++)
		if (&in->svcs[i] != in->app && k-- == 0)
			return &in->svcs[i];
	return in->app;
}

/* Starts, in order, the services not started yet. One with a readiness
 * socket (the Wayland transport) holds back the rest until it listens, the
 * service fails, or [wayland] ready-timeout passes. */
static void start_pending(struct init *in)
{
	struct service *w = in->waiting;
	if (w) {
		if (w->state == INITCTL_STATE_FAILED)
			log_warn("%s: failed before %s listened; starting the rest", w->name,
				 w->ready_path);
		else if (service_ready(w))
			log_info("%s: ready (%s listens)", w->name, w->ready_path);
		else if (clock_now_ms() >= in->ready_deadline_ms)
			log_warn("%s: %s does not listen after %lu ms; starting the rest", w->name,
				 w->ready_path, in->cfg->wayland.ready_timeout_ms);
		else
			return;
		in->waiting = NULL;
	}
	while (in->n_started < in->n_svcs && in->phase == SD_NONE) {
		struct service *s = start_slot(in, in->n_started++);
		if (s->state == INITCTL_STATE_STOPPED)
			start(in, s);
		if (s->state != INITCTL_STATE_RUNNING || !s->ready_path[0])
			continue;
		if (service_ready(s)) {
			log_info("%s: ready (%s listens)", s->name, s->ready_path);
			continue;
		}
		in->waiting = s;
		in->ready_deadline_ms = clock_now_ms() + in->cfg->wayland.ready_timeout_ms;
		return;
	}
}

static void schedule_restart(struct init *in, struct service *s)
{
	int64_t delay = backoff_next(&s->bo, clock_now_ms());
	if (delay < 0) {
		s->state = INITCTL_STATE_FAILED;
		log_err("%s: failed: exited %u times within %lus, not restarting", s->name,
			s->bo.limit, (unsigned long)(s->bo.window_ms / 1000));
		if (s == in->app)
			loop_request_shutdown(in, RB_POWER_OFF, "the app keeps failing");
		return;
	}
	s->state = INITCTL_STATE_BACKOFF;
	s->restarts++;
	s->restart_at_ms = clock_now_ms() + (uint64_t)delay;
	log_info("%s: restarting in %lld ms", s->name, (long long)delay);
}

static void on_exit_status(struct init *in, struct service *s, int ws)
{
	int status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	int sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
	if (s->kill_group)
		kill(-s->pid, SIGKILL); /* the rest of its group goes with it */
	s->pid = 0;
	/* What it wrote before exiting comes before the line about its exit. */
	if (s->out_fd >= 0)
		service_relay_output(in, s);

	if (s == in->app) {
		in->app_exited = true;
		in->app_status = status;
		in->app_signal = sig;
		/* The one parseable line the host and tests look for. */
		if (sig)
			log_info("app-exit status=%d signal=%d", status, sig);
		else
			log_info("app-exit status=%d", status);
	} else if (sig) {
		log_warn("%s: killed by signal %d", s->name, sig);
	} else {
		log_warn("%s: exited with status %d", s->name, status);
	}
	if (in->phase != SD_NONE) {
		s->state = INITCTL_STATE_STOPPED;
		return;
	}
	if (s != in->app) {
		schedule_restart(in, s);
		return;
	}
	switch (in->cfg->vm.on_app_exit) {
	case CFG_ACTION_POWEROFF:
		s->state = INITCTL_STATE_EXITED;
		loop_request_shutdown(in, RB_POWER_OFF, "the app exited (on-app-exit = poweroff)");
		break;
	case CFG_ACTION_REBOOT:
		s->state = INITCTL_STATE_EXITED;
		loop_request_shutdown(in, RB_AUTOBOOT, "the app exited (on-app-exit = reboot)");
		break;
	case CFG_ACTION_RESTART:
		schedule_restart(in, s);
		break;
	case CFG_ACTION_IGNORE:
		s->state = INITCTL_STATE_EXITED;
		break;
	}
}

/* Reaps every zombie, services and orphans alike. Returns true while any
 * child is left. */
static bool reap(struct init *in)
{
	for (;;) {
		int ws;
		pid_t pid = waitpid(-1, &ws, WNOHANG);
		if (pid == 0)
			return true;
		if (pid < 0)
			return errno != ECHILD;
		size_t i;
		for (i = 0; i < in->n_svcs; i++)
			if (in->svcs[i].pid == pid)
				break;
		if (i < in->n_svcs)
			on_exit_status(in, &in->svcs[i], ws);
		else
			log_debug("reaped orphan %d", (int)pid);
	}
}

static void signal_group(struct service *s, int sig)
{
	if (s->pid > 0) {
		kill(-s->pid, sig);
		kill(s->pid, sig); /* in case it left its process group */
	}
}

/* CONT goes before TERM, never after: a process that ends on TERM may be
 * stopping itself under ptrace as it exits (LeakSanitizer's stop-the-world
 * in sanitizer builds, a crash reporter), and a CONT arriving then discards
 * the tracer's pending SIGSTOP, so the tracer waits for ever and the process
 * never exits. A stopped process woken first still gets the TERM. */
static void enter_all(struct init *in)
{
	log_info("shutdown: sending TERM to all processes, grace %lu ms", in->grace_ms);
	/* Watchers (the agent) learn the last state before they are stopped. */
	in->phase = SD_ALL;
	initctl_server_notify(in);
	kill(-1, SIGCONT);
	for (size_t i = 0; i < in->n_svcs; i++)
		signal_group(&in->svcs[i], SIGTERM);
	kill(-1, SIGTERM);
	in->deadline_ms = clock_now_ms() + in->grace_ms;
}

void loop_request_shutdown(struct init *in, int cmd, const char *reason)
{
	loop_request_shutdown_within(in, cmd, 0, reason);
}

void loop_request_shutdown_within(struct init *in, int cmd, uint32_t limit_ms, const char *reason)
{
	if (in->phase != SD_NONE) {
		log_info("shutdown already under way; ignoring: %s", reason);
		return;
	}
	in->reboot_cmd = cmd;
	in->grace_ms = plan_shutdown_grace(in->cfg->vm.grace_ms, limit_ms);
	if (limit_ms)
		log_info("shutdown (%s, within %u ms): %s",
			 cmd == RB_AUTOBOOT ? "reboot" : "power off", (unsigned)limit_ms, reason);
	else
		log_info("shutdown (%s): %s", cmd == RB_AUTOBOOT ? "reboot" : "power off", reason);
	for (size_t i = 0; i < in->n_svcs; i++)
		if (in->svcs[i].state == INITCTL_STATE_BACKOFF)
			in->svcs[i].state = INITCTL_STATE_STOPPED;
	if (in->app->pid > 0) {
		log_info("shutdown: sending TERM to the app, grace %lu ms", in->grace_ms);
		signal_group(in->app, SIGCONT); /* first: see enter_all */
		signal_group(in->app, SIGTERM);
		in->phase = SD_APP;
		in->deadline_ms = clock_now_ms() + in->grace_ms;
		return;
	}
	enter_all(in);
}

/* Moves the shutdown on when its phase is complete or its time is up. */
static void advance(struct init *in)
{
	uint64_t now = clock_now_ms();
	bool children = reap(in);

	if (in->phase == SD_APP && (in->app->pid == 0 || now >= in->deadline_ms)) {
		if (in->app->pid)
			log_warn("shutdown: the app did not stop within the grace period");
		enter_all(in);
		children = reap(in);
	}
	if (in->phase == SD_ALL && children && now >= in->deadline_ms) {
		log_warn("shutdown: grace period over: sending KILL to all processes");
		kill(-1, SIGKILL);
		in->phase = SD_KILL;
		in->deadline_ms = now + 5000;
	}
	if (in->phase == SD_KILL && children && now >= in->deadline_ms)
		log_err("shutdown: processes survived KILL; going on");
	if ((in->phase == SD_ALL || in->phase == SD_KILL) && (!children || now >= in->deadline_ms))
		shutdown_finish(in);
}

static void on_signal(struct init *in)
{
	struct signalfd_siginfo si;
	while (read(in->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(in);
			break;
		case SIGTERM:
		case SIGUSR2:
		case SIGPWR:
			loop_request_shutdown(in, RB_POWER_OFF, strsignal((int)si.ssi_signo));
			break;
		case SIGINT:
		case SIGUSR1:
			loop_request_shutdown(in, RB_AUTOBOOT, strsignal((int)si.ssi_signo));
			break;
		default:
			log_debug("ignoring signal %u", si.ssi_signo);
			break;
		}
	}
}

/* Returns the epoll timeout until the next deadline, closing control
 * connections whose deadline passed on the way. */
static int next_timeout(struct init *in)
{
	uint64_t now = clock_now_ms(), next = UINT64_MAX;
	initctl_server_tick(in, now, &next);
	if (in->phase != SD_NONE)
		next = in->deadline_ms < next ? in->deadline_ms : next;
	else if (in->waiting)
		next = now + 10 < next ? now + 10 : next; /* polls the readiness socket */
	else
		for (size_t i = 0; i < in->n_svcs; i++)
			if (in->svcs[i].state == INITCTL_STATE_BACKOFF &&
			    in->svcs[i].restart_at_ms < next)
				next = in->svcs[i].restart_at_ms;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

void loop_run(struct init *in)
{
	watch(in, in->sfd, TAG_SIGNAL);
	if (in->initctl_fd >= 0)
		watch(in, in->initctl_fd, TAG_INITCTL);
	for (size_t i = 0; i < in->n_pwr; i++)
		watch(in, in->pwr_fds[i], TAG_POWER + (uint32_t)i);
	/* The app last: the agent and the Wayland transport are up before it. */
	start_pending(in);

	for (;;) {
		struct epoll_event ev[16];
		initctl_server_notify(in);
		int n = epoll_wait(in->epfd, ev, 16, next_timeout(in));
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			if (tag == TAG_SIGNAL) {
				on_signal(in);
			} else if (tag == TAG_INITCTL) {
				initctl_server_accept(in);
			} else if (tag >= TAG_INITCTL_WATCH) {
				initctl_server_on_watcher(in, tag - TAG_INITCTL_WATCH);
			} else if (tag >= TAG_INITCTL_CONN) {
				initctl_server_on_conn(in, tag - TAG_INITCTL_CONN);
			} else if (tag >= TAG_OUT) {
				struct service *s = &in->svcs[tag - TAG_OUT];
				if (s->out_fd >= 0)
					service_relay_output(in, s);
			} else if (tag >= TAG_POWER &&
				   powerbtn_pressed(in->pwr_fds[tag - TAG_POWER])) {
				loop_request_shutdown(in, RB_POWER_OFF, "power button");
			}
		}
		if (in->phase != SD_NONE) {
			advance(in);
			continue;
		}
		start_pending(in);
		uint64_t now = clock_now_ms();
		for (size_t i = 0; i < in->n_svcs; i++) {
			struct service *s = &in->svcs[i];
			if (s->state == INITCTL_STATE_BACKOFF && s->restart_at_ms <= now)
				start(in, s);
		}
	}
}
