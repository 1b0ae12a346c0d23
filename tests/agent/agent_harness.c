#include "unix_addr.h"
#include "clock.h"
#include "agent_harness.h"
#include "proto_session.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int h_listen(const char *path)
{
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, path) < 0)
		abort();
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

/* The socket stays bound under its other name: connects to the path fail
 * with ENOENT meanwhile, as before init creates it. */
static void hidden_path(const struct agent_proc *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s.hidden", p->init_sock);
}

/* Serves one control connection the way appvm-init does: one request line,
 * decoded and answered by lib/initctl.c. It plays an init without "watch"
 * (it answers "error unknown", counted in n_watch): the agent then polls,
 * which is what these tests exercise; agent_ns_idle_watch tests the watch
 * with the real init. */
static void serve_init(struct fake_init *fi, int fd)
{
	static char reply[INITCTL_REPLY_MAX];
	char req[INITCTL_REQUEST_MAX];
	size_t len = 0;
	enum initctl_cmd cmd;
	uint32_t deadline_ms;
	int r = -EAGAIN;
	while (r == -EAGAIN && len < sizeof(req)) {
		struct pollfd pfd = {fd, POLLIN, 0};
		if (poll(&pfd, 1, 2000) <= 0)
			break;
		ssize_t n = read(fd, req + len, sizeof(req) - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		r = initctl_request_decode(req, len, &cmd, &deadline_ms);
	}
	if (r == -EAGAIN) {
		close(fd);
		return;
	}
	int n;
	pthread_mutex_lock(&fi->lock);
	if (r == 0 && cmd == INITCTL_CMD_WATCH && fi->watch && fi->n_held < H_MAX_HELD) {
		fi->held[fi->n_held++] = fd;
		n = initctl_reply_encode_status(&fi->status, reply, sizeof(reply));
	} else if (r < 0 || cmd == INITCTL_CMD_WATCH) {
		fi->n_watch += r == 0;
		n = initctl_reply_encode_simple(r == -EOPNOTSUPP || r == 0 ? INITCTL_ERR_UNKNOWN
									   : INITCTL_ERR_MALFORMED,
						reply, sizeof(reply));
	} else if (cmd == INITCTL_CMD_STATUS) {
		fi->n_status++;
		if (fi->silent && fi->n_held < H_MAX_HELD) {
			fi->held[fi->n_held++] = fd;
			pthread_cond_broadcast(&fi->cond);
			pthread_mutex_unlock(&fi->lock);
			return;
		}
		if (fi->raw[0]) {
			n = (int)strlen(fi->raw);
			memcpy(reply, fi->raw, (size_t)n);
		} else {
			n = initctl_reply_encode_status(&fi->status, reply, sizeof(reply));
		}
	} else {
		fi->power_cmd = cmd;
		fi->power_deadline_ms = deadline_ms;
		if (fi->peek_fd >= 0) {
			char b[64];
			ssize_t k = recv(fi->peek_fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
			fi->peeked = k < 0 ? 0 : (int)k;
		}
		if (cmd == INITCTL_CMD_POWEROFF)
			fi->n_poweroff++;
		else
			fi->n_reboot++;
		n = initctl_reply_encode_simple(NULL, reply, sizeof(reply));
	}
	pthread_cond_broadcast(&fi->cond);
	pthread_mutex_unlock(&fi->lock);
	assert_true(n > 0);
	bool held = fi->n_held > 0 && fi->held[fi->n_held - 1] == fd;
	for (size_t off = 0; off < (size_t)n;) {
		ssize_t k = write(fd, reply + off, (size_t)n - off);
		if (k <= 0)
			break; /* the agent gave up on this request */
		off += (size_t)k;
	}
	if (!held)
		close(fd);
}

static void *init_thread(void *arg)
{
	struct fake_init *fi = arg;
	for (;;) {
		int fd = accept4(fi->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return NULL; /* the listener was shut down */
		serve_init(fi, fd);
	}
}

void h_status(struct initctl_status *st, enum initctl_state s, unsigned restarts, int exit_status,
	      int exit_signal)
{
	memset(st, 0, sizeof(*st));
	st->n_services = 2;
	strcpy(st->services[0].name, "agent");
	st->services[0].state = INITCTL_STATE_RUNNING;
	st->services[0].pid = 10;
	strcpy(st->services[1].name, "app");
	st->services[1].state = s;
	st->services[1].pid = s == INITCTL_STATE_RUNNING ? 11 : 0;
	st->services[1].restarts = restarts;
	if (exit_status >= 0) {
		st->app_exited = true;
		st->app_status = exit_status;
		st->app_signal = exit_signal;
	}
}

void h_setup(struct agent_proc *p)
{
	memset(p, 0, sizeof(*p));
	signal(SIGPIPE, SIG_IGN);
	snprintf(p->dir, sizeof(p->dir), "/var/tmp/appvm-agent-test.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->sock, sizeof(p->sock), "%s/agent.sock", p->dir);
	snprintf(p->init_sock, sizeof(p->init_sock), "%s/init.sock", p->dir);
	snprintf(p->event_sock, sizeof(p->event_sock), "%s/events.sock", p->dir);
	p->pid = -1;
	p->log_fd = -1;

	struct fake_init *fi = &p->init;
	pthread_mutex_init(&fi->lock, NULL);
	pthread_cond_init(&fi->cond, NULL);
	fi->peek_fd = -1;
	h_status(&fi->status, INITCTL_STATE_RUNNING, 0, -1, 0);
	fi->listen_fd = h_listen(p->init_sock);
	assert_int_equal(pthread_create(&fi->thread, NULL, init_thread, fi), 0);
}

int h_cm_setup(void **state)
{
	struct agent_proc *p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	h_setup(p);
	*state = p;
	return 0;
}

int h_cm_teardown(void **state)
{
	struct agent_proc *p = *state;
	h_teardown(p);
	free(p);
	return 0;
}

void h_start(struct agent_proc *p, const char *const *extra)
{
	const char *bin = getenv("APPVM_AGENT");
	assert_non_null(bin);
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)bin;
	argv[argc++] = "--listen-unix";
	argv[argc++] = p->sock;
	argv[argc++] = "--init-socket";
	argv[argc++] = p->init_sock;
	for (; extra && *extra; extra++)
		argv[argc++] = (char *)*extra;
	argv[argc] = NULL;

	int pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		/* An agent must not outlive a test that crashed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(pfd[1], STDERR_FILENO);
		execv(bin, argv);
		_exit(127);
	}
	close(pfd[1]);
	p->log_fd = pfd[0];
	p->log_len = 0;
	if (!h_wait_log(p, "listening on", H_TIMEOUT_MS))
		fail_msg("agent did not start; log:\n%s", p->log);
}

static int count_in(const char *hay, const char *text)
{
	int n = 0;
	for (const char *at = strstr(hay, text); at; at = strstr(at + 1, text))
		n++;
	return n;
}

bool h_wait_log(struct agent_proc *p, const char *text, int timeout_ms)
{
	return h_wait_log_n(p, text, 1, timeout_ms);
}

bool h_wait_log_n(struct agent_proc *p, const char *text, int count, int timeout_ms)
{
	long end = (long)clock_now_ms() + timeout_ms;
	for (;;) {
		p->log[p->log_len] = '\0';
		if (count_in(p->log, text) >= count)
			return true;
		long left = end - (long)clock_now_ms();
		if (left <= 0 || p->log_fd < 0)
			return false;
		struct pollfd pfd = {p->log_fd, POLLIN, 0};
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		ssize_t n = read(p->log_fd, p->log + p->log_len, sizeof(p->log) - 1 - p->log_len);
		if (n <= 0) {
			close(p->log_fd);
			p->log_fd = -1;
			continue;
		}
		p->log_len += (size_t)n;
		if (p->log_len == sizeof(p->log) - 1) {
			/* Keep the newest half. */
			size_t half = p->log_len / 2;
			memmove(p->log, p->log + half, p->log_len - half);
			p->log_len -= half;
		}
	}
}

long h_stop(struct agent_proc *p)
{
	int st;
	assert_true(p->pid > 0);
	uint64_t t0 = clock_now_ms();
	kill(p->pid, SIGTERM);
	assert_int_equal(waitpid(p->pid, &st, 0), p->pid);
	long ms = (long)(clock_now_ms() - t0);
	/* Read what is left of the log, up to the end of the pipe. */
	h_wait_log(p, "\x01never", 1000);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("agent ended with status 0x%x; log:\n%s", st, p->log);
	p->pid = -1;
	return ms;
}

void h_teardown(struct agent_proc *p)
{
	if (p->pid > 0)
		h_stop(p);
	if (p->log_fd >= 0)
		close(p->log_fd);
	struct fake_init *fi = &p->init;
	shutdown(fi->listen_fd, SHUT_RDWR);
	pthread_join(fi->thread, NULL);
	close(fi->listen_fd);
	for (int i = 0; i < fi->n_held; i++)
		close(fi->held[i]);
	unlink(p->init_sock);
	char hidden[sizeof(p->init_sock) + 8];
	hidden_path(p, hidden, sizeof(hidden));
	unlink(hidden);
	unlink(p->sock);
	unlink(p->event_sock);
	rmdir(p->dir);
}

void h_init_status(struct agent_proc *p, const struct initctl_status *st)
{
	pthread_mutex_lock(&p->init.lock);
	p->init.status = *st;
	p->init.raw[0] = '\0';
	pthread_mutex_unlock(&p->init.lock);
}

void h_init_raw(struct agent_proc *p, const char *reply)
{
	pthread_mutex_lock(&p->init.lock);
	snprintf(p->init.raw, sizeof(p->init.raw), "%s", reply);
	pthread_mutex_unlock(&p->init.lock);
}

void h_init_silent(struct agent_proc *p)
{
	pthread_mutex_lock(&p->init.lock);
	p->init.silent = true;
	pthread_mutex_unlock(&p->init.lock);
}

void h_init_watch(struct agent_proc *p)
{
	pthread_mutex_lock(&p->init.lock);
	p->init.watch = true;
	pthread_mutex_unlock(&p->init.lock);
}

void h_init_hide(struct agent_proc *p)
{
	char hidden[sizeof(p->init_sock) + 8];
	hidden_path(p, hidden, sizeof(hidden));
	assert_int_equal(rename(p->init_sock, hidden), 0);
}

void h_init_show(struct agent_proc *p)
{
	char hidden[sizeof(p->init_sock) + 8];
	hidden_path(p, hidden, sizeof(hidden));
	assert_int_equal(rename(hidden, p->init_sock), 0);
}

int h_init_count(struct agent_proc *p)
{
	pthread_mutex_lock(&p->init.lock);
	int n = p->init.n_status;
	pthread_mutex_unlock(&p->init.lock);
	return n;
}

bool h_init_wait_power(struct agent_proc *p, bool reboot, int count, int timeout_ms)
{
	struct fake_init *fi = &p->init;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fi->lock);
	int r = 0;
	while ((reboot ? fi->n_reboot : fi->n_poweroff) < count && r == 0)
		r = pthread_cond_timedwait(&fi->cond, &fi->lock, &ts);
	bool ok = (reboot ? fi->n_reboot : fi->n_poweroff) >= count;
	pthread_mutex_unlock(&fi->lock);
	return ok;
}

int h_connect(struct agent_proc *p)
{
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, p->sock) < 0)
		abort();
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

void h_send_raw(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	while (len > 0) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		b += n;
		len -= (size_t)n;
	}
}

void h_send(int fd, const struct proto_msg *m)
{
	static uint8_t buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	size_t len;
	assert_int_equal(proto_encode(m, buf, sizeof(buf), &len), 0);
	h_send_raw(fd, buf, len);
}

bool h_try_send(int fd, const struct proto_msg *m)
{
	uint8_t buf[512];
	size_t len;
	assert_int_equal(proto_encode(m, buf, sizeof(buf), &len), 0);
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
	return n == (ssize_t)len;
}

/* Reads exactly len bytes before the deadline. Returns 0 or -1. */
static int read_exact(int fd, uint8_t *buf, size_t len, long end)
{
	while (len > 0) {
		long left = end - (long)clock_now_ms();
		struct pollfd pfd = {fd, POLLIN, 0};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		ssize_t n = recv(fd, buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int h_recv(int fd, struct proto_msg *m, uint8_t *buf, size_t cap, int timeout_ms)
{
	long end = (long)clock_now_ms() + timeout_ms;
	struct proto_header h;
	const char *why = NULL;
	if (read_exact(fd, buf, PROTO_HEADER_SIZE, end) < 0)
		return -1;
	assert_int_equal(proto_header_decode(buf, &h), 0);
	assert_true(PROTO_HEADER_SIZE + h.length <= cap);
	if (read_exact(fd, buf + PROTO_HEADER_SIZE, h.length, end) < 0)
		return -1;
	int r = proto_decode(&h, buf + PROTO_HEADER_SIZE, m, &why);
	if (r != 0)
		fail_msg("agent sent an undecodable frame (type 0x%x): %s", h.type,
			 why ? why : "?");
	return 0;
}

bool h_closed(int fd, int timeout_ms)
{
	long end = (long)clock_now_ms() + timeout_ms;
	for (;;) {
		long left = end - (long)clock_now_ms();
		struct pollfd pfd = {fd, POLLIN, 0};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return false;
		uint8_t b[256];
		ssize_t n = recv(fd, b, sizeof(b), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n > 0)
			return false; /* the agent sent something instead */
	}
}

void h_req(struct proto_msg *m, uint16_t type, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->id = id;
}

int h_client(struct agent_proc *p)
{
	int fd = h_connect(p);
	struct proto_msg m;
	uint8_t buf[512];
	h_req(&m, PROTO_HELLO, 1);
	m.u.hello.min_version = 1;
	m.u.hello.max_version = 1;
	m.u.hello.caps = PROTO_CAP_CONTROL;
	m.u.hello.software = proto_str_from("agent-test");
	h_send(fd, &m);
	if (h_recv(fd, &m, buf, sizeof(buf), H_TIMEOUT_MS) < 0)
		fail_msg("no HELLO reply");
	assert_int_equal(m.type, PROTO_HELLO);
	assert_int_equal(m.flags, PROTO_FLAG_REPLY);
	assert_int_equal(m.u.hello.version, 1);
	return fd;
}

void h_ping(int fd, uint32_t id, uint64_t nonce)
{
	struct proto_msg m;
	uint8_t buf[512];
	h_req(&m, PROTO_PING, id);
	m.u.ping_nonce = nonce;
	h_send(fd, &m);
	if (h_recv(fd, &m, buf, sizeof(buf), H_TIMEOUT_MS) < 0)
		fail_msg("no PING reply");
	assert_int_equal(m.type, PROTO_PING);
	assert_int_equal(m.id, id);
	assert_int_equal(m.u.ping_nonce, nonce);
}

void h_status_req(int fd, uint32_t id, struct proto_msg *m)
{
	static uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	struct proto_msg req;
	h_req(&req, PROTO_STATUS, id);
	h_send(fd, &req);
	if (h_recv(fd, m, frame, sizeof(frame), H_TIMEOUT_MS) < 0)
		fail_msg("no STATUS reply");
	assert_int_equal(m->type, PROTO_STATUS);
	assert_int_equal(m->id, id);
}

bool h_str_is(struct proto_str s, const char *c)
{
	return s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

int h_accept_events(int lfd)
{
	struct pollfd pfd = {lfd, POLLIN, 0};
	if (poll(&pfd, 1, H_TIMEOUT_MS) <= 0)
		fail_msg("the agent did not connect for events");
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

int h_recv_event(int fd, struct proto_msg *m, int timeout_ms)
{
	static uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	return h_recv(fd, m, frame, sizeof(frame), timeout_ms);
}

void h_event_handshake(int fd, struct proto_msg *ready)
{
	struct proto_msg m;
	assert_int_equal(h_recv_event(fd, &m, H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_HELLO);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.u.hello.caps & PROTO_CAP_CONTROL, PROTO_CAP_CONTROL);
	assert_true(m.u.hello.software.len > 12 &&
		    memcmp(m.u.hello.software.ptr, "appvm-agent ", 12) == 0);
	struct proto_session host;
	struct proto_msg reply;
	proto_session_init(&host, PROTO_ROLE_ACCEPTOR, PROTO_CAP_CONTROL, "event-host");
	assert_int_equal(proto_session_answer(&host, &m, &reply), 0);
	assert_int_equal(reply.u.hello.version, 1);
	h_send(fd, &reply);
	assert_int_equal(h_recv_event(fd, ready, H_TIMEOUT_MS), 0);
	assert_int_equal(ready->type, PROTO_READY);
	assert_int_equal(ready->flags, 0);
}
