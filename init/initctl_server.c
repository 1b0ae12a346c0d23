/* The control socket: root-only requests from the agent (power off, reboot,
 * status, watch). Protocol in docs/init-control.md; encoded and decoded by
 * lib/initctl.c. PID 1 never waits on a client: requests are read from the
 * main loop as their bytes arrive, a connection that does not complete its
 * request within REQUEST_TIMEOUT_MS is closed, and replies are written
 * without blocking. A watcher (at most INIT_MAX_INITCTL_WATCHERS) gets a
 * status reply at each change; one more than WATCH_UNREAD_MAX bytes behind,
 * or whose socket cannot take the whole reply, is dropped. */
#include "init.h"
#include "util.h"

#include "clock.h"
#include "cleanup.h"
#include "io.h"
#include "log.h"
#include "unix_addr.h"

#include <errno.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* What the status reply lists must fit the protocol's caps: every service,
 * every store and the state store, with their vm.conf paths. */
_Static_assert(INIT_MAX_SERVICES <= INITCTL_MAX_SERVICES, "services do not fit a status reply");
_Static_assert(CFG_MAX_STORES + 1 <= INITCTL_MAX_STORES, "stores do not fit a status reply");
_Static_assert(CFG_PATH_MAX - 1 <= INITCTL_PATH_MAX, "store paths do not fit a status reply");

/* A watcher this far behind (unread bytes in its socket, as the kernel
 * counts them) is dropped rather than sent more: what a watcher that does
 * not read costs is bounded (with one reply on top, the first included). */
#define WATCH_UNREAD_MAX 16384
/* A client must send its request this soon after connecting; until then its
 * connection holds one of INIT_MAX_INITCTL_CONNS slots. */
#define REQUEST_TIMEOUT_MS 500
/* Connections accepted per wake-up, so a flood cannot hold the loop. */
#define ACCEPT_PER_WAKE 16

int initctl_server_open(struct init *in, const char *path)
{
	struct sockaddr_un sa;
	for (size_t i = 0; i < INIT_MAX_INITCTL_CONNS; i++)
		in->initctl_conns[i].fd = -1;
	for (size_t i = 0; i < INIT_MAX_INITCTL_WATCHERS; i++)
		in->initctl_watchers[i].fd = -1;
	in->initctl_fd = -1;
	int r = unix_addr_set(&sa, path);
	if (r < 0)
		return r;

	char dir[sizeof(sa.sun_path)];
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	int fd = unix_sock_listen(path, INIT_MAX_INITCTL_CONNS);
	if (fd < 0)
		return fd;
	in->initctl_fd = fd;
	return 0;
}

/* Sends a whole reply without blocking: the socket's send buffer is made
 * large enough first, so a client that does not read cannot stall PID 1; it
 * only loses its reply. Returns false when the reply could not be sent whole. */
static bool reply(int fd, const char *buf, int len)
{
	if (len <= 0) {
		log_err("control: cannot encode the reply: %s", strerror(len < 0 ? -len : EINVAL));
		return false;
	}
	int sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	/* Room for the reply and the kernel's overhead; the default is larger
	 * still, unless an administrator lowered it. */
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == 0 && sndbuf < 2 * len + 65536) {
		sndbuf = 2 * len + 65536;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	ssize_t n = send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		log_debug("control: the client left before its reply");
	else if (n != len)
		log_warn("control: reply of %d bytes cut short: %s", len,
			 n < 0 ? strerror(errno) : "the client's socket is full");
	return n == len;
}

/* Fills st with what init knows: services, the app's last exit, and the
 * stores of vm.conf (all mounted by now: a store that cannot be mounted
 * stops the boot). */
static void status_fill(const struct init *in, struct initctl_status *st)
{
	const struct cfg *c = in->cfg;
	services_status(in, st);
	for (size_t i = 0; i < c->n_stores + c->has_state && i < INITCTL_MAX_STORES; i++) {
		const struct cfg_store *s = i < c->n_stores ? &c->stores[i] : &c->state;
		struct initctl_store *o = &st->stores[st->n_stores++];
		util_copy(o->name, sizeof(o->name), i < c->n_stores ? s->name : "state");
		util_copy(o->path, sizeof(o->path), s->path);
		o->writable = i == c->n_stores;
	}
}

/* Frees a slot. */
static void conn_close(struct init *in, struct initctl_conn *c)
{
	epoll_ctl(in->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

/* Static: PID 1 is single-threaded, and these are large for a stack. */
static char out[INITCTL_REPLY_MAX];
static struct initctl_status st;
/* The status the watchers were sent last (valid while there are any). */
static char sent[INITCTL_REPLY_MAX];
static int sent_len;

static void watcher_close(struct init *in, struct initctl_watcher *w)
{
	epoll_ctl(in->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
}

static size_t watcher_count(const struct init *in)
{
	size_t n = 0;
	for (size_t i = 0; i < INIT_MAX_INITCTL_WATCHERS; i++)
		n += in->initctl_watchers[i].fd >= 0;
	return n;
}

/* Sends one status to a watcher. Its send buffer holds far more than the
 * reply (reply() raised it), so a send is whole in practice; a short one
 * ends the watch like a full buffer, and the watcher's decoder sees a
 * truncated reply, then the end. Returns 0, -ENOBUFS when the watcher is
 * too far behind, or -errno (-EPIPE: it is gone). */
static int watcher_send(int fd, const char *buf, int len)
{
	int unread = 0;
	if (ioctl(fd, SIOCOUTQ, &unread) < 0)
		return -errno;
	if (unread > WATCH_UNREAD_MAX)
		return -ENOBUFS;
	ssize_t n = send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? -ENOBUFS : -errno;
	return n == len ? 0 : -ENOBUFS;
}

void initctl_server_notify(struct init *in)
{
	if (watcher_count(in) == 0)
		return;
	status_fill(in, &st);
	int n = initctl_reply_encode_status(&st, out, sizeof(out));
	if (n <= 0 || (n == sent_len && memcmp(out, sent, (size_t)n) == 0))
		return; /* unchanged (an encoding error was logged by the first watch) */
	memcpy(sent, out, (size_t)n);
	sent_len = n;
	for (size_t i = 0; i < INIT_MAX_INITCTL_WATCHERS; i++) {
		struct initctl_watcher *w = &in->initctl_watchers[i];
		int r = w->fd >= 0 ? watcher_send(w->fd, sent, sent_len) : 0;
		if (r == -ENOBUFS)
			log_warn("control: dropped the watch of pid %d: it does not read",
				 (int)w->pid);
		else if (r < 0)
			log_debug("control: the watch of pid %d ended: %s", (int)w->pid,
				  strerror(-r));
		if (r < 0)
			watcher_close(in, w);
	}
}

/* Turns connection c into a watcher: the status now, then at each change.
 * Returns true when c's fd was taken over (not to be closed). */
static bool watch_start(struct init *in, struct initctl_conn *c)
{
	size_t i;
	for (i = 0; i < INIT_MAX_INITCTL_WATCHERS && in->initctl_watchers[i].fd >= 0; i++)
		;
	if (i == INIT_MAX_INITCTL_WATCHERS) {
		log_warn("control: refused a watch from pid %d: %d watches already", (int)c->pid,
			 INIT_MAX_INITCTL_WATCHERS);
		reply(c->fd, out, initctl_reply_encode_simple(INITCTL_ERR_BUSY, out, sizeof(out)));
		return false;
	}
	/* The watchers there are get the changes of this turn first, so that
	 * sent[] is what each of them was sent last, the newcomer included. */
	initctl_server_notify(in);
	struct initctl_watcher *w = &in->initctl_watchers[i];
	status_fill(in, &st);
	sent_len = initctl_reply_encode_status(&st, sent, sizeof(sent));
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TAG_INITCTL_WATCH + (uint32_t)i};
	if (!reply(c->fd, sent, sent_len) || epoll_ctl(in->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return false;
	w->fd = c->fd;
	w->pid = c->pid;
	c->fd = -1;
	log_debug("control: pid %d watches the status", (int)w->pid);
	return true;
}

void initctl_server_on_watcher(struct init *in, size_t slot)
{
	if (slot >= INIT_MAX_INITCTL_WATCHERS || in->initctl_watchers[slot].fd < 0)
		return;
	struct initctl_watcher *w = &in->initctl_watchers[slot];
	char untrusted[16];
	ssize_t n = io_read_some(w->fd, untrusted, sizeof(untrusted));
	if (n == -EAGAIN)
		return;
	if (n > 0)
		log_warn("control: dropped the watch of pid %d: it sent more after its request",
			 (int)w->pid);
	else
		log_debug("control: pid %d ended its watch", (int)w->pid);
	watcher_close(in, w);
}

/* Answers a complete request (r: what the decoder returned), then acts on it.
 * Returns true when the connection lives on as a watcher. */
static bool answer(struct init *in, struct initctl_conn *c, int r, enum initctl_cmd cmd,
		   uint32_t limit_ms)
{

	if (r < 0) {
		log_warn("control: bad request from pid %d: %s", (int)c->pid, strerror(-r));
		reply(c->fd, out,
		      initctl_reply_encode_simple(r == -EOPNOTSUPP ? INITCTL_ERR_UNKNOWN
								   : INITCTL_ERR_MALFORMED,
						  out, sizeof(out)));
		return false;
	}
	switch (cmd) {
	case INITCTL_CMD_STATUS:
		status_fill(in, &st);
		reply(c->fd, out, initctl_reply_encode_status(&st, out, sizeof(out)));
		return false;
	case INITCTL_CMD_WATCH:
		return watch_start(in, c);
	case INITCTL_CMD_POWEROFF:
	case INITCTL_CMD_REBOOT:
		if (in->phase != SD_NONE) {
			reply(c->fd, out,
			      initctl_reply_encode_simple(INITCTL_ERR_SHUTDOWN, out, sizeof(out)));
			return false;
		}
		reply(c->fd, out, initctl_reply_encode_simple(NULL, out, sizeof(out)));
		loop_request_shutdown_within(
		    in, cmd == INITCTL_CMD_REBOOT ? RB_AUTOBOOT : RB_POWER_OFF, limit_ms,
		    cmd == INITCTL_CMD_REBOOT ? "reboot requested on the control socket"
					      : "power off requested on the control socket");
		return false;
	}
	return false;
}

/* Takes one connection into a free slot, or refuses it. Returns 0, or -EAGAIN
 * when none is waiting. */
static int accept_one(struct init *in)
{
	static char refusal[64];
	_cleanup_close_ int fd = accept4(in->initctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EINTR || errno == ECONNABORTED ? 0 : -EAGAIN;
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t cl = sizeof(cred);
	/* The socket file is 0600 already; the peer's credentials are checked
	 * too, since a process with CAP_DAC_OVERRIDE can connect anyway. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != 0) {
		log_warn("control: refused a connection from uid %d pid %d", (int)cred.uid,
			 (int)cred.pid);
		reply(
		    fd, refusal,
		    initctl_reply_encode_simple(INITCTL_ERR_PERMISSION, refusal, sizeof(refusal)));
		return 0;
	}
	size_t i;
	for (i = 0; i < INIT_MAX_INITCTL_CONNS && in->initctl_conns[i].fd >= 0; i++)
		;
	if (i == INIT_MAX_INITCTL_CONNS) {
		log_warn("control: refused a connection from pid %d: %d requests already waiting",
			 (int)cred.pid, INIT_MAX_INITCTL_CONNS);
		return 0;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TAG_INITCTL_CONN + (uint32_t)i};
	if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("control: epoll: %s", strerror(errno));
		return 0;
	}
	struct initctl_conn *c = &in->initctl_conns[i];
	c->fd = steal_fd(&fd);
	c->pid = cred.pid;
	c->len = 0;
	c->deadline_ms = clock_now_ms() + REQUEST_TIMEOUT_MS;
	return 0;
}

void initctl_server_accept(struct init *in)
{
	for (int i = 0; i < ACCEPT_PER_WAKE; i++)
		if (accept_one(in) < 0)
			return;
}

void initctl_server_on_conn(struct init *in, size_t slot)
{
	struct initctl_conn *c = &in->initctl_conns[slot];
	enum initctl_cmd cmd = INITCTL_CMD_STATUS;
	uint32_t limit_ms = 0; /* the shutdown deadline of poweroff/reboot */
	int r = -EAGAIN;
	if (slot >= INIT_MAX_INITCTL_CONNS || c->fd < 0)
		return;
	while (r == -EAGAIN && c->len < sizeof(c->untrusted_req)) {
		ssize_t n = io_read_some(c->fd, c->untrusted_req + c->len,
					 sizeof(c->untrusted_req) - c->len);
		if (n == -EAGAIN)
			return; /* more later, or the deadline */
		if (n <= 0) {
			log_warn("control: no complete request from pid %d (closed)", (int)c->pid);
			conn_close(in, c);
			return;
		}
		c->len += (size_t)n;
		r = initctl_request_decode(c->untrusted_req, c->len, &cmd, &limit_ms);
	}
	if (!answer(in, c, r == -EAGAIN ? -EBADMSG : r, cmd, limit_ms))
		conn_close(in, c);
}

void initctl_server_tick(struct init *in, uint64_t now, uint64_t *next)
{
	for (size_t i = 0; i < INIT_MAX_INITCTL_CONNS; i++) {
		struct initctl_conn *c = &in->initctl_conns[i];
		if (c->fd < 0)
			continue;
		if (now >= c->deadline_ms) {
			log_warn("control: no complete request from pid %d within %d ms",
				 (int)c->pid, REQUEST_TIMEOUT_MS);
			conn_close(in, c);
		} else if (c->deadline_ms < *next) {
			*next = c->deadline_ms;
		}
	}
}

void initctl_server_close(struct init *in)
{
	if (in->initctl_fd < 0)
		return; /* never opened: no connection slots either */
	for (size_t i = 0; i < INIT_MAX_INITCTL_CONNS; i++)
		if (in->initctl_conns[i].fd >= 0)
			conn_close(in, &in->initctl_conns[i]);
	for (size_t i = 0; i < INIT_MAX_INITCTL_WATCHERS; i++)
		if (in->initctl_watchers[i].fd >= 0)
			watcher_close(in, &in->initctl_watchers[i]);
	if (in->initctl_fd >= 0) {
		close(in->initctl_fd);
		in->initctl_fd = -1;
	}
}
