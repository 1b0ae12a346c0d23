/* The one loop: poll on the host connection, the FUSE device, the session
 * bus's descriptors and a signalfd; timers come from each part's tick. Idle,
 * it sleeps in poll until something arrives. */
#include "portal.h"

#include "clock.h"
#include "io.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define LOOP_MAX_FDS 16u

void portal_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* Tells the parent (appvm-init) that the portal serves: the bus name is
 * owned and the filesystem's INIT answered. */
static void maybe_ready(struct portal *p)
{
	if (p->opt.ready_fd < 0 || !fs_ready(p))
		return;
	if (io_write_full(p->opt.ready_fd, "ready\n", 6) < 0)
		log_warn("cannot report readiness: %s", strerror(errno));
	close(p->opt.ready_fd);
	p->opt.ready_fd = -1;
}

int portal_loop(struct portal *p)
{
	sigset_t set;
	portal_signals(&set);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return 1;
	}
	while (!p->quit) {
		uint64_t now = clock_now_ms(), next = UINT64_MAX;
		host_tick(p, now, &next);
		bus_tick(p, now, &next);
		chooser_tick(p, now, &next);
		maybe_ready(p);
		if (p->quit)
			break;

		struct pollfd fds[LOOP_MAX_FDS];
		size_t n = 0, i_host = SIZE_MAX, i_fs = SIZE_MAX;
		fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		short ev;
		int fd = host_poll_fd(p, &ev);
		if (fd >= 0) {
			i_host = n;
			fds[n++] = (struct pollfd){.fd = fd, .events = ev};
		}
		fd = fs_poll_fd(p);
		if (fd >= 0) {
			i_fs = n;
			fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
		}
		size_t i_bus = n;
		n += bus_poll_fds(p, fds + n, LOOP_MAX_FDS - n);

		now = clock_now_ms();
		int timeout = next == UINT64_MAX   ? -1
			      : next <= now	   ? 0
			      : next - now > 60000 ? 60000
						   : (int)(next - now);
		int r = poll(fds, n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			log_err("poll: %s", strerror(errno));
			p->exit_status = 1;
			break;
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				log_info("signal %u: stopping", si.ssi_signo);
				p->quit = true;
			}
		}
		if (i_host != SIZE_MAX && fds[i_host].revents)
			host_on_io(p, fds[i_host].revents);
		if (i_fs != SIZE_MAX && fds[i_fs].revents && p->fs)
			fs_on_io(p);
		bus_on_io(p, fds + i_bus, n - i_bus);
	}
	close(sfd);
	return p->exit_status;
}
