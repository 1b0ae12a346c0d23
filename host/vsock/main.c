/* appvm-vsock: a vhost-user vsock device for qemu that presents the guest's
 * vsock to the host as cloud-hypervisor's "hybrid vsock" Unix socket. The
 * event loop, the sockets and the command line live here; the device logic
 * is in vsock_dev.c. See docs/vsock.md. */
#include "cleanup.h"
#include "cli.h"
#include "clock.h"
#include "hybrid.h"
#include "io.h"
#include "log.h"
#include "unix_addr.h"
#include "vhost_user.h"
#include "vsock_vhost.h"
#include "vsock_dev.h"
#include "vsock_poll.h"
#include "vsock_addr.h"
#include "vu_sys.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Clients still sending their CONNECT line. When all slots are taken the
 * oldest is dropped for a new one: a real client sends its line at once, so
 * clients that stay silent can never lock it out. */
#define HS_MAX	      64
#define HS_TIMEOUT_MS 5000
/* vhost-user messages handled per wake-up, so a chatty front-end cannot
 * starve the guest's queues or the hybrid clients. */
#define VU_BATCH 16
/* Guest errors are logged at most once per this many ms (the rest are
 * counted), so a hostile guest cannot flood the log. */
#define REPORT_INTERVAL_MS 1000
/* A listening socket paused for want of fds is tried again after this long
 * at the latest (sooner when one of ours is closed). */
#define ACCEPT_RETRY_MS 1000

enum tag {
	TAG_SIGNAL = 1,
	TAG_VU_LISTEN,
	TAG_VU_CONN,
	TAG_KICK,
	TAG_HY_LISTEN,
	TAG_HS,
	TAG_CONN,
};

struct handshake {
	int fd;
	size_t len;
	uint64_t deadline_ms;
	uint64_t seq; /* accept order: deadlines tie within a millisecond */
	char buf[HYBRID_LINE_MAX];
};

struct app {
	const char *socket_path;
	const char *vu_path;
	int epfd;
	int vu_listen, hy_listen;
	struct vu_sys vu_sys; /* .fd: the front-end's connection, -1 when none */
	struct vu_reader vu_reader;
	struct vhost_user vu;
	struct vhost_dev vu_dev;
	struct vsock_dev dev;
	struct handshake hs[HS_MAX];
	uint64_t hs_accepted;
	uint64_t errors_logged, next_report_ms;
	struct vsock_poll poll;
	uint64_t waited_us;		      /* the last wait, for the window */
	uint64_t data_to_host, data_to_guest; /* dev.stats when it ended */
	/* Listening sockets taken out of the loop: out of fds (see
	 * accept_failed()); tried again at accept_retry_ms. */
	bool hy_paused, vu_paused;
	uint64_t accept_retry_ms;
};

static struct app app; /* large (the device holds its buffers); one per process */

static uint64_t ev_key(enum tag tag, unsigned index)
{
	return ((uint64_t)tag << 32) | index;
}

static int ep_set(int op, int fd, uint32_t events, enum tag tag, unsigned index)
{
	struct epoll_event ev = {.events = events, .data.u64 = ev_key(tag, index)};
	return epoll_ctl(app.epfd, op, fd, &ev) < 0 ? -errno : 0;
}

/* ---- device ops: the host side of each connection is a Unix socket ---- */

/* Edge-triggered: the device remembers readiness until a short read or
 * EAGAIN. Writability is watched only while data waits for room: every
 * read by the host peer would report it again. */
static void conn_epoll(struct vsock_conn *c, int op, bool out)
{
	int r = ep_set(op, c->fd, EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0), TAG_CONN,
		       vsock_conn_index(&app.dev.conns, c));
	if (r < 0)
		log_warn("epoll: %s", strerror(-r));
}

static void conn_watch(struct vsock_conn *c, int op)
{
	conn_epoll(c, op, false);
	c->host_writable = true;
	c->write_watched = false;
}

static int op_connect(void *ctx, struct vsock_conn *c)
{
	(void)ctx;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	int n = snprintf(path, sizeof(path), "%s_%" PRIu32, app.socket_path, c->host_port);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	/* A Unix connect does not wait: it succeeds, or fails with the
	 * listener absent (ENOENT, ECONNREFUSED) or its backlog full (EAGAIN). */
	int fd = unix_sock_connect(path, SOCK_NONBLOCK);
	if (fd < 0) {
		log_debug("guest port %" PRIu32 " -> %s: %s", c->guest_port, path, strerror(-fd));
		return fd;
	}
	c->fd = fd;
	conn_watch(c, EPOLL_CTL_ADD);
	return 0;
}

static int op_accepted(void *ctx, struct vsock_conn *c)
{
	(void)ctx;
	char line[32];
	int n = hybrid_format_line(line, sizeof(line), HYBRID_OK, c->host_port);
	if (n < 0)
		return n;
	/* A fresh socket's buffer takes a line this short in one go. */
	ssize_t w = send(c->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w != n)
		return w < 0 ? -errno : -EIO;
	return 0;
}

static ssize_t op_readv(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx;
	for (;;) {
		ssize_t r = readv(fd, iov, n);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static ssize_t op_writev(void *ctx, int fd, const struct iovec *iov, int n)
{
	(void)ctx;
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};
	for (;;) {
		ssize_t r = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static void op_watch_write(void *ctx, struct vsock_conn *c, bool on)
{
	(void)ctx;
	conn_epoll(c, EPOLL_CTL_MOD, on);
}

static void op_shutdown_write(void *ctx, int fd)
{
	(void)ctx;
	shutdown(fd, SHUT_WR);
}

static void accept_resume(void);

static void op_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
	accept_resume();
}

static const struct vsock_dev_ops dev_ops = {
    .connect = op_connect,
    .accepted = op_accepted,
    .readv = op_readv,
    .writev = op_writev,
    .watch_write = op_watch_write,
    .shutdown_write = op_shutdown_write,
    .close = op_close,
};

static void watch_kick(void *ctx, unsigned q, int fd, bool add)
{
	(void)ctx;
	/* Removed explicitly: qemu holds the same eventfd, and epoll forgets
	 * an fd only when every copy of it is closed. Edge-triggered: every
	 * kick (an eventfd write) is a new edge, so the counter need not be
	 * read back to zero, a system call per kick saved. */
	int r = add ? ep_set(EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLET, TAG_KICK, q)
		    : (epoll_ctl(app.epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0);
	if (r < 0 && !(r == -ENOENT && !add)) /* ENOENT: dropped as broken before */
		log_warn("epoll kick %u: %s", q, strerror(-r));
}

/* ---- sockets ---- */

/* Binds a listening Unix socket at path, replacing a stale socket file but
 * refusing to steal one somebody still listens on. Returns the fd or -errno. */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, path) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return -EADDRINUSE;
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
		return -errno;
	return steal_fd(&fd);
}

/* ---- accepting: never spin on a listener that cannot be accepted from ---- */

/* Handles a failed accept4() on a listening socket. Out of file
 * descriptors, the pending client stays in the backlog and the socket stays
 * readable: watched, it would wake the loop at once, forever. So it leaves
 * the loop until one of our fds is closed, or ACCEPT_RETRY_MS (the limit
 * may be the system's). Returns true when it was paused. */
static bool accept_failed(int listen_fd, bool *paused, const char *what)
{
	int err = errno;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return false;
	log_warn("%s: cannot accept a client: %s; waiting until a connection closes", what,
		 strerror(err));
	epoll_ctl(app.epfd, EPOLL_CTL_DEL, listen_fd, NULL);
	*paused = true;
	app.accept_retry_ms = clock_now_ms() + ACCEPT_RETRY_MS;
	return true;
}

/* Watches the paused listening sockets again (an fd was freed, or time is up). */
static void accept_resume(void)
{
	if (app.hy_paused && ep_set(EPOLL_CTL_ADD, app.hy_listen, EPOLLIN, TAG_HY_LISTEN, 0) == 0)
		app.hy_paused = false;
	if (app.vu_paused && ep_set(EPOLL_CTL_ADD, app.vu_listen, EPOLLIN, TAG_VU_LISTEN, 0) == 0)
		app.vu_paused = false;
}

/* ---- vhost-user front-end ---- */

static void vu_drop(const char *why)
{
	if (why)
		log_warn("vhost-user: dropping front-end: %s; waiting for a new one on %s", why,
			 app.vu_path);
	else
		log_info("vhost-user: front-end disconnected; waiting for a new one on %s",
			 app.vu_path);
	vhost_user_detach(&app.vu);
	vu_sys_reader_clear(&app.vu_reader);
	close(app.vu_sys.fd); /* also leaves epoll */
	app.vu_sys.fd = -1;
	accept_resume();
}

static void vu_accept(void)
{
	int fd = accept4(app.vu_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		accept_failed(app.vu_listen, &app.vu_paused, "vhost-user");
		return;
	}
	if (app.vu_sys.fd >= 0) {
		log_warn("vhost-user: a front-end is already connected; refusing another");
		close(fd);
		return;
	}
	if (ep_set(EPOLL_CTL_ADD, fd, EPOLLIN, TAG_VU_CONN, 0) < 0) {
		log_err("epoll: %s", strerror(errno));
		close(fd);
		return;
	}
	app.vu_sys.fd = fd;
	vu_reader_init(&app.vu_reader);
	vhost_user_attach(&app.vu);
	log_info("vhost-user: front-end connected");
}

/* Reads what arrived, never waiting for the rest of a message: the loop
 * serves the guest and the hybrid clients meanwhile. */
static void vu_event(void)
{
	for (unsigned i = 0; i < VU_BATCH && app.vu_sys.fd >= 0; i++) {
		int r = vu_sys_recv(app.vu_sys.fd, &app.vu_reader);
		if (r == -EAGAIN)
			return;
		if (r == -ECONNRESET) {
			vu_drop(app.vu_reader.len > 0 ? "closed in the middle of a message" : NULL);
			return;
		}
		if (r < 0) {
			vu_drop(r == -EPROTO ? "message framing broken" : strerror(-r));
			return;
		}
		struct vu_hdr h;
		vu_reader_hdr(&app.vu_reader, &h);
		log_debug("vhost-user: %s (%u) size %u fds %u", vu_request_name(h.request),
			  h.request, h.size, app.vu_reader.nfds);
		r = vhost_user_handle(&app.vu, &app.vu_reader);
		if (r < 0) {
			char why[160];
			snprintf(why, sizeof(why), "%s (%u): %s", vu_request_name(h.request),
				 h.request, app.vu.why ? app.vu.why : "reply not taken");
			vu_drop(why);
			return;
		}
		if (app.vu.why)
			log_warn("vhost-user: %s (%u)%s: %s", vu_request_name(h.request), h.request,
				 r > 0 ? " refused" : "", app.vu.why);
	}
}

/* ---- hybrid clients ---- */

static void hs_close(struct handshake *h, const char *why)
{
	if (why)
		log_warn("hybrid: closing a client: %s", why);
	if (h->fd >= 0) {
		close(h->fd);
		accept_resume();
	}
	h->fd = -1;
}

/* A free slot, or else the oldest client's (closed for the new one). */
static struct handshake *hs_slot(void)
{
	struct handshake *oldest = &app.hs[0];
	for (unsigned i = 0; i < HS_MAX; i++) {
		if (app.hs[i].fd < 0)
			return &app.hs[i];
		if (app.hs[i].seq < oldest->seq)
			oldest = &app.hs[i];
	}
	hs_close(oldest, "64 clients without a CONNECT line; the oldest makes room");
	return oldest;
}

static void hy_accept(void)
{
	for (;;) {
		int fd = accept4(app.hy_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			accept_failed(app.hy_listen, &app.hy_paused, "hybrid");
			return;
		}
		struct handshake *h = hs_slot();
		h->fd = fd;
		h->len = 0;
		h->deadline_ms = clock_now_ms() + HS_TIMEOUT_MS;
		h->seq = app.hs_accepted++;
		if (ep_set(EPOLL_CTL_ADD, fd, EPOLLIN, TAG_HS, (unsigned)(h - app.hs)) < 0)
			hs_close(h, "cannot watch it");
	}
}

static void hs_event(unsigned i)
{
	if (i >= HS_MAX || app.hs[i].fd < 0)
		return;
	struct handshake *h = &app.hs[i];
	/* One byte at a time: whatever follows the newline is stream data
	 * and must stay in the socket for the guest. */
	for (;;) {
		char ch;
		ssize_t n = io_read_some(h->fd, &ch, 1);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			hs_close(h,
				 n == 0 ? "end of file before a CONNECT line" : strerror((int)-n));
			return;
		}
		h->buf[h->len++] = ch;
		uint32_t port;
		int r = hybrid_parse_line(HYBRID_CONNECT, h->buf, h->len, &port);
		if (r == -EAGAIN && h->len < sizeof(h->buf))
			continue;
		if (r < 0) {
			hs_close(h, "malformed CONNECT line");
			return;
		}
		uint32_t host_port;
		if (vsock_dev_host_connect(&app.dev, h->fd, port, clock_now_ms(), &host_port) < 0) {
			hs_close(h, "connection table full");
			return;
		}
		struct vsock_conn *c = vsock_conn_find(&app.dev.conns, host_port, port);
		conn_watch(c, EPOLL_CTL_MOD);
		h->fd = -1; /* owned by the device now */
		return;
	}
}

/* ---- timers: nothing wakes the loop unless a deadline is due ---- */

/* Logs what the guest got wrong, at most once per REPORT_INTERVAL_MS. */
static void report_guest_errors(uint64_t now)
{
	uint64_t n = vsock_dev_guest_errors(&app.dev);
	if (n == app.errors_logged || now < app.next_report_ms)
		return;
	log_warn("guest broke a rule of the device %" PRIu64 " time(s), last: %s: %s",
		 n - app.errors_logged, app.dev.error_where, app.dev.error_what);
	app.errors_logged = n;
	app.next_report_ms = now + REPORT_INTERVAL_MS;
}

/* Closes clients and connections whose time is up; returns the next deadline. */
static uint64_t expire(uint64_t now)
{
	vsock_dev_expire(&app.dev, now);
	uint64_t next = vsock_dev_next_deadline(&app.dev);
	for (unsigned i = 0; i < HS_MAX; i++) {
		if (app.hs[i].fd < 0)
			continue;
		if (now >= app.hs[i].deadline_ms)
			hs_close(&app.hs[i], "no CONNECT line within 5 seconds");
		else if (app.hs[i].deadline_ms < next)
			next = app.hs[i].deadline_ms;
	}
	if (app.hy_paused || app.vu_paused) {
		if (now >= app.accept_retry_ms)
			accept_resume();
		else if (app.accept_retry_ms < next)
			next = app.accept_retry_ms;
	}
	report_guest_errors(now);
	if (vsock_dev_guest_errors(&app.dev) != app.errors_logged && app.next_report_ms < next)
		next = app.next_report_ms;
	return next;
}

/* ---- waiting: poll a short adaptive window after activity, then sleep ---- */

/* Looks for work until end_us: the guest's next TX buffer (shared memory,
 * no system call) and any event (host sockets, kicks, vhost-user). Returns
 * the count of events (0: a TX buffer), or -1 when nothing came. */
static int poll_window(struct epoll_event *evs, int max, uint64_t end_us)
{
	uint64_t last = clock_now_us();
	for (;;) {
		if (vsock_dev_tx_waiting(&app.dev))
			return 0;
		int n = epoll_wait(app.epfd, evs, max, 0);
		if (n != 0)
			return n;
		/* A pass that took long lost the core to a busier thread
		 * (given away by the yield, or preempted): stop polling for a
		 * while. */
		uint64_t now = clock_now_us();
		if (vsock_poll_stalled(&app.poll, now - last, now) || now >= end_us)
			return -1;
		last = now;
		/* The client, or qemu's main loop that raises the guest's
		 * interrupt, may be waiting for this core: with 2 cores and a
		 * TCG vCPU on the other, spinning without yielding delays the
		 * very work that is polled for. */
		sched_yield();
	}
}

/* Waits for the next work: at once when the device is busy; else polls for
 * the current window, then sleeps until an event or deadline_ms. Returns
 * epoll_wait()'s result. */
static int wait_work(struct epoll_event *evs, int max, bool busy, uint64_t deadline_ms)
{
	if (busy)
		return epoll_wait(app.epfd, evs, max, 0);
	/* The work since the last wait: was it an answer worth polling for? */
	const struct vsock_dev_stats *st = &app.dev.stats;
	vsock_poll_pass(&app.poll, app.waited_us, st->data_to_host != app.data_to_host,
			st->data_to_guest != app.data_to_guest);
	app.data_to_host = st->data_to_host;
	app.data_to_guest = st->data_to_guest;
	uint64_t start = clock_now_us();
	uint32_t window = vsock_poll_window(&app.poll, start);
	int n = -1;
	if (window > 0)
		n = poll_window(evs, max, start + window);
	/* Nothing in the window: kicks on again, then sleep unless the guest
	 * made a buffer available meanwhile. */
	if (n < 0 && vsock_dev_poll(&app.dev, false))
		n = 0;
	if (n < 0) {
		/* Idle means asleep: no timeout unless a deadline is pending. */
		int timeout = deadline_ms == UINT64_MAX ? -1 : clock_remaining_ms(deadline_ms);
		n = epoll_wait(app.epfd, evs, max, timeout);
	}
	/* The window is adapted once this work is done (above, at the next
	 * wait); meanwhile the TX queue is left as the current window wants it:
	 * a queue left without kicks is looked at again before any sleep. */
	uint64_t now = clock_now_us();
	app.waited_us = now - start;
	vsock_dev_poll(&app.dev, vsock_poll_window(&app.poll, now) > 0);
	return n;
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: appvm-vsock --cid N --socket PATH --vhost-user PATH [--poll-us N]\n"
		"                   [--verbose]\n"
		"\n"
		"A vhost-user vsock device for qemu's vhost-user-vsock-pci, seen from the\n"
		"host as a hybrid vsock Unix socket (as cloud-hypervisor and Firecracker).\n"
		"\n"
		"  --cid N            the guest's context id (3 to 4294967294)\n"
		"  --socket PATH      host side: clients connect here and write\n"
		"                     \"CONNECT <port>\\n\"; a guest connecting to host\n"
		"                     port P reaches the listener on PATH_P\n"
		"  --vhost-user PATH  listen here for qemu (-chardev socket,path=PATH)\n"
		"  --poll-us N        after activity, look for the next packet for up to\n"
		"                     N microseconds before sleeping (0 to 1000, 0: never;\n"
		"                     default %u); the window adapts to the traffic and\n"
		"                     stays open only while round trips go on\n"
		"  --verbose          log every refused connection\n"
		"  -h, --help         show this text\n"
		"  --version          print the version\n"
		"\n"
		"Exit status: 0 after SIGINT or SIGTERM, 1 when a socket cannot be\n"
		"created, 2 on a usage error. See docs/vsock.md.\n",
		VSOCK_POLL_DEFAULT_US);
}

/* A decimal number from 0 to max, digits only. */
static int parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cid", required_argument, NULL, 'c'},	  {"socket", required_argument, NULL, 's'},
	    {"vhost-user", required_argument, NULL, 'u'}, {"poll-us", required_argument, NULL, 'p'},
	    {"verbose", no_argument, NULL, 'v'},	  {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},	  {NULL, 0, NULL, 0},
	};
	uint32_t cid = 0;
	uint64_t poll_us = VSOCK_POLL_DEFAULT_US;
	bool have_cid = false, verbose = false;
	int o;
	opterr = 0; /* one line of ours instead of getopt's and the usage */
	while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			if (vsock_guest_cid_parse(optarg, &cid) < 0) {
				fprintf(stderr,
					"appvm-vsock: --cid: '%s' is not a guest CID "
					"(" VSOCK_GUEST_CID_RANGE ")\n",
					optarg);
				return 2;
			}
			have_cid = true;
			break;
		case 's':
			app.socket_path = optarg;
			break;
		case 'u':
			app.vu_path = optarg;
			break;
		case 'p':
			if (parse_uint(optarg, VSOCK_POLL_MAX_US, &poll_us) < 0) {
				fprintf(stderr,
					"appvm-vsock: --poll-us: '%s' is not a number of "
					"microseconds from 0 to %u\n",
					optarg, VSOCK_POLL_MAX_US);
				return 2;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("appvm-vsock %s\n", APPVM_VERSION);
			return 0;
		default: {
			char err[128];
			cli_getopt_error(o, optopt, argv[optind - 1], err, sizeof(err));
			fprintf(stderr, "appvm-vsock: %s\n", err);
			return 2;
		}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "appvm-vsock: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return 2;
	}
	if (!have_cid || !app.socket_path || !app.vu_path) {
		fprintf(stderr, "appvm-vsock: --cid, --socket and --vhost-user are all required "
				"(see --help)\n");
		return 2;
	}
	/* PATH_P must fit a socket address for every port. */
	if (strlen(app.socket_path) + 11 >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr,
			"appvm-vsock: --socket: path too long for a Unix socket with a "
			"port suffix (at most %zu bytes)\n",
			sizeof(((struct sockaddr_un *)0)->sun_path) - 12);
		return 2;
	}
	log_setup("appvm-vsock", LOG_TARGET_STDERR, verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	app.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (app.epfd < 0 || sfd < 0) {
		log_err("epoll/signalfd: %s", strerror(errno));
		return 1;
	}
	app.vu_listen = listen_unix(app.vu_path);
	if (app.vu_listen < 0) {
		log_err("--vhost-user %s: %s", app.vu_path,
			unix_listen_why(app.vu_path, app.vu_listen));
		return 1;
	}
	app.hy_listen = listen_unix(app.socket_path);
	if (app.hy_listen < 0) {
		log_err("--socket %s: %s", app.socket_path,
			unix_listen_why(app.socket_path, app.hy_listen));
		unlink(app.vu_path);
		return 1;
	}
	for (unsigned i = 0; i < HS_MAX; i++)
		app.hs[i].fd = -1;
	vsock_dev_init(&app.dev, cid, &dev_ops, NULL);
	vsock_poll_init(&app.poll, (uint32_t)poll_us);
	app.waited_us = UINT64_MAX;
	app.vu_sys = (struct vu_sys){.fd = -1, .watch_kick = watch_kick};
	vsock_vhost_dev(&app.dev, &app.vu_dev);
	vhost_user_init(&app.vu, &app.vu_dev, &vu_sys_ops, &app.vu_sys);
	ep_set(EPOLL_CTL_ADD, sfd, EPOLLIN, TAG_SIGNAL, 0);
	ep_set(EPOLL_CTL_ADD, app.vu_listen, EPOLLIN, TAG_VU_LISTEN, 0);
	ep_set(EPOLL_CTL_ADD, app.hy_listen, EPOLLIN, TAG_HY_LISTEN, 0);
	log_info("guest cid %" PRIu32 ", hybrid socket %s, waiting for qemu on %s", cid,
		 app.socket_path, app.vu_path);

	bool running = true, busy = false;
	uint64_t next_deadline = UINT64_MAX;
	while (running) {
		struct epoll_event evs[64];
		int n = wait_work(evs, 64, busy, next_deadline);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			enum tag tag = (enum tag)(evs[i].data.u64 >> 32);
			unsigned idx = (unsigned)evs[i].data.u64;
			uint32_t e = evs[i].events;
			switch (tag) {
			case TAG_SIGNAL:
				running = false;
				break;
			case TAG_VU_LISTEN:
				vu_accept();
				break;
			case TAG_VU_CONN:
				vu_event();
				break;
			case TAG_KICK: /* the device looks at every queue below */
				break;
			case TAG_HY_LISTEN:
				hy_accept();
				break;
			case TAG_HS:
				hs_event(idx);
				break;
			case TAG_CONN:
				vsock_dev_host_ready(&app.dev, idx, e & EPOLLIN,
						     e & (EPOLLOUT | EPOLLHUP | EPOLLERR));
				if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					vsock_dev_host_hangup(&app.dev, idx);
				break;
			}
		}
		busy = vsock_dev_run(&app.dev);
		uint64_t now = clock_now_ms();
		vu_sys_notify(&app.vu, vsock_dev_notify_due(&app.dev, now));
		next_deadline = expire(now);
	}
	if (app.poll.stalls > 0)
		log_info("polling stalled %" PRIu64 " time(s), %" PRIu64
			 " of them within %u ms of the last back-off's end; "
			 "off for %" PRIu64 " ms in all",
			 app.poll.stalls, app.poll.stalls_again, VSOCK_POLL_QUIET_US / 1000,
			 app.poll.backoff_total_us / 1000);
	log_info("exiting");
	vhost_user_detach(&app.vu);
	vu_sys_reader_clear(&app.vu_reader);
	unlink(app.socket_path);
	unlink(app.vu_path);
	return 0;
}
