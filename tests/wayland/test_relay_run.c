/* The real appvm-wayland-relay binary with a unix: target. The test holds
 * both ends of every relayed connection: the client it connects to the
 * relay's socket, and the target side it accepts on its own listener. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "unix_addr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *relay_bin;
static char dir[64], lpath[128], tpath[128], logpath[128];

struct pair {
	int c, t; /* client side, target side */
};

/* ---- helpers ---- */

static int listen_at(const char *path)
{
	struct sockaddr_un sa;
	assert_int_equal(unix_addr_set(&sa, path), 0);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 512), 0);
	return fd;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	assert_int_equal(unix_addr_set(&sa, path), 0);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

/* Waits up to timeout_ms for fd to become readable. */
static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, timeout_ms) == 1;
}

static int accept_within(int lfd, int timeout_ms)
{
	if (!readable(lfd, timeout_ms))
		return -1;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static struct pair pair_open(int tl)
{
	struct pair p = {connect_to(lpath), -1};
	p.t = accept_within(tl, 5000);
	if (p.t < 0)
		fail_msg("the relay did not connect to the target within 5 s");
	return p;
}

static void pair_close(struct pair *p)
{
	close(p->c);
	close(p->t);
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *b = buf;
	while (len) {
		ssize_t n = write(fd, b, len);
		assert_true(n > 0);
		b += n;
		len -= (size_t)n;
	}
}

/* Reads exactly len bytes within 5 s. */
static void read_exact(int fd, void *buf, size_t len)
{
	char *b = buf;
	while (len) {
		if (!readable(fd, 5000))
			fail_msg("no data within 5 s (%zu bytes missing)", len);
		ssize_t n = read(fd, b, len);
		if (n <= 0)
			fail_msg("read: %s", n == 0 ? "end of file" : strerror(errno));
		b += n;
		len -= (size_t)n;
	}
}

static void expect_eof(int fd)
{
	char ch;
	if (!readable(fd, 5000))
		fail_msg("no end of file within 5 s");
	assert_int_equal(read(fd, &ch, 1), 0);
}

static bool log_has(const char *needle)
{
	char text[65536];
	FILE *f = fopen(logpath, "r");
	if (!f)
		return false;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return strstr(text, needle) != NULL;
}

static pid_t start_relay_args(const char *const *extra)
{
	char target[160];
	snprintf(target, sizeof(target), "unix:%s", tpath);
	const char *argv[16] = {relay_bin, "--listen", lpath, "--target", target};
	int argc = 5;
	for (; extra && *extra; extra++)
		argv[argc++] = *extra;
	argv[argc] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execv(relay_bin, (char *const *)argv);
		_exit(127);
	}
	/* Ready once it says so: it listens before it logs this line (its
	 * socket file alone is no sign: a stale one may be there). */
	uint64_t deadline = clock_now_ms() + 5000;
	while (!log_has("appvm-wayland-relay: relaying ") && clock_now_ms() < deadline) {
		int ws;
		if (waitpid(pid, &ws, WNOHANG) == pid)
			fail_msg("the relay exited early (status %d)", ws);
		poll(NULL, 0, 5);
	}
	assert_true(log_has("appvm-wayland-relay: relaying "));
	return pid;
}

static pid_t start_relay(void)
{
	return start_relay_args(NULL);
}

/* SIGTERM: exit 0 and the socket file is gone. */
static void stop_relay(pid_t pid)
{
	int ws;
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
	assert_int_equal(access(lpath, F_OK), -1);
}

static int count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* /proc/PID/status, NUL-terminated. */
static void read_status(pid_t pid, char *text, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, size - 1, f);
	fclose(f);
	text[n] = '\0';
}

/* Voluntary + involuntary context switches: they grow whenever the process runs. */
static long switches(pid_t pid)
{
	char text[4096];
	read_status(pid, text, sizeof(text));
	long v = 0, total = 0;
	for (char *p = text; (p = strstr(p, "ctxt_switches:")); p++) {
		sscanf(p, "ctxt_switches: %ld", &v);
		total += v;
	}
	return total;
}

static long rss_kib(pid_t pid)
{
	char text[4096];
	read_status(pid, text, sizeof(text));
	char *p = strstr(text, "VmRSS:");
	assert_non_null(p);
	return strtol(p + 6, NULL, 10);
}

static unsigned char pattern(size_t stream, size_t off)
{
	return (unsigned char)((off * 131 + stream * 7 + (off >> 9)) & 0xff);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/var/tmp/appvm-relay.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(lpath, sizeof(lpath), "%s/l.sock", dir);
	snprintf(tpath, sizeof(tpath), "%s/t.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/relay.log", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("RELAY_TEST_KEEP") == NULL) {
		unlink(lpath);
		unlink(tpath);
		unlink(logpath);
		rmdir(dir);
	} else {
		fprintf(stderr, "kept %s\n", dir);
	}
	return 0;
}

/* ---- tests ---- */

/* 100 connections at once, 256 KiB each way on every one, all moving in one
 * poll loop; then each closes with a half-close from the client: the target
 * side sees end of file, can still answer, and its end of file reaches the
 * client. */
#define MANY	  100
#define MANY_SIZE (256 * 1024)
static void test_many(void **state)
{
	(void)state;
	int tl = listen_at(tpath);
	pid_t relay = start_relay();
	static struct pair p[MANY];
	static size_t sent_c[MANY], got_t[MANY], sent_t[MANY], got_c[MANY];
	static char buf[65536];
	for (int i = 0; i < MANY; i++) {
		p[i] = pair_open(tl);
		fcntl(p[i].c, F_SETFL, O_NONBLOCK);
		fcntl(p[i].t, F_SETFL, O_NONBLOCK);
		sent_c[i] = got_t[i] = sent_t[i] = got_c[i] = 0;
	}
	size_t done = 0;
	uint64_t deadline = clock_now_ms() + 60000;
	while (done < MANY) {
		struct pollfd fds[2 * MANY];
		for (int i = 0; i < MANY; i++) {
			fds[2 * i] = (struct pollfd){.fd = p[i].c, .events = POLLIN};
			fds[2 * i + 1] = (struct pollfd){.fd = p[i].t, .events = POLLIN};
			if (sent_c[i] < MANY_SIZE)
				fds[2 * i].events |= POLLOUT;
			if (sent_t[i] < MANY_SIZE)
				fds[2 * i + 1].events |= POLLOUT;
		}
		assert_true(clock_now_ms() < deadline);
		assert_true(poll(fds, 2 * MANY, 5000) > 0);
		done = 0;
		for (int i = 0; i < MANY; i++) {
			/* client -> target: stream 2i; target -> client: 2i+1 */
			size_t *sent[2] = {&sent_c[i], &sent_t[i]},
			       *got[2] = {&got_t[i], &got_c[i]};
			int from[2] = {p[i].c, p[i].t}, to[2] = {p[i].t, p[i].c};
			for (int d = 0; d < 2; d++) {
				size_t s = (size_t)(2 * i + d);
				if (*sent[d] < MANY_SIZE) {
					size_t n = MANY_SIZE - *sent[d] < 8192
						       ? MANY_SIZE - *sent[d]
						       : 8192;
					char out[8192];
					for (size_t k = 0; k < n; k++)
						out[k] = (char)pattern(s, *sent[d] + k);
					ssize_t w = write(from[d], out, n);
					if (w > 0)
						*sent[d] += (size_t)w;
					else
						assert_true(errno == EAGAIN);
				}
				ssize_t r = read(to[d], buf, sizeof(buf));
				if (r > 0) {
					for (ssize_t k = 0; k < r; k++)
						if ((unsigned char)buf[k] !=
						    pattern(s, *got[d] + (size_t)k))
							fail_msg("stream %zu: wrong byte at %zu", s,
								 *got[d] + (size_t)k);
					*got[d] += (size_t)r;
				} else {
					assert_true(r < 0 && errno == EAGAIN);
				}
			}
			done += got_t[i] == MANY_SIZE && got_c[i] == MANY_SIZE;
		}
	}
	for (int i = 0; i < MANY; i++) {
		fcntl(p[i].c, F_SETFL, 0);
		fcntl(p[i].t, F_SETFL, 0);
		assert_int_equal(shutdown(p[i].c, SHUT_WR), 0);
		expect_eof(p[i].t);
		write_all(p[i].t, "bye", 3);
		assert_int_equal(shutdown(p[i].t, SHUT_WR), 0);
		char b[3];
		read_exact(p[i].c, b, 3);
		assert_memory_equal(b, "bye", 3);
		expect_eof(p[i].c);
		pair_close(&p[i]);
	}
	stop_relay(relay);
	close(tl);
}

/* The target side closes its sending half first: the client still sends. */
static void test_half_close_from_target(void **state)
{
	(void)state;
	int tl = listen_at(tpath);
	pid_t relay = start_relay();
	struct pair p = pair_open(tl);
	write_all(p.t, "last words", 10);
	assert_int_equal(shutdown(p.t, SHUT_WR), 0);
	char b[10];
	read_exact(p.c, b, 10);
	assert_memory_equal(b, "last words", 10);
	expect_eof(p.c);
	write_all(p.c, "still here", 10);
	read_exact(p.t, b, 10);
	assert_memory_equal(b, "still here", 10);
	assert_int_equal(shutdown(p.c, SHUT_WR), 0);
	expect_eof(p.t);
	pair_close(&p);
	stop_relay(relay);
	close(tl);
}

/* A target that does not read: the relay stops reading the client instead of
 * buffering (its memory stays flat), other connections keep flowing, and
 * everything arrives once the target reads. */
static void test_slow_reader(void **state)
{
	(void)state;
	int tl = listen_at(tpath);
	pid_t relay = start_relay();
	long rss0 = rss_kib(relay);
	struct pair slow = pair_open(tl);
	fcntl(slow.c, F_SETFL, O_NONBLOCK);
	static char chunk[65536];
	size_t queued = 0;
	/* Fill until the client cannot write for 200 ms: everything between is
	 * full, the relay's buffer included. */
	for (;;) {
		for (size_t k = 0; k < sizeof(chunk); k++)
			chunk[k] = (char)pattern(1, queued + k);
		ssize_t n = write(slow.c, chunk, sizeof(chunk));
		if (n > 0) {
			queued += (size_t)n;
			continue;
		}
		assert_true(errno == EAGAIN);
		struct pollfd pf = {.fd = slow.c, .events = POLLOUT};
		if (poll(&pf, 1, 200) == 0)
			break;
		assert_true(queued < 256u << 20);
	}
	long rss1 = rss_kib(relay);
	/* Kernel socket buffers hold most of it; the relay keeps one 64 KiB
	 * buffer per direction. */
	if (rss1 - rss0 > 1024)
		fail_msg("relay RSS grew by %ld KiB while %zu bytes were queued", rss1 - rss0,
			 queued);

	struct pair other = pair_open(tl);
	write_all(other.c, "ping", 4);
	char b[4];
	read_exact(other.t, b, 4);
	assert_memory_equal(b, "ping", 4);
	pair_close(&other);

	fcntl(slow.c, F_SETFL, 0);
	assert_int_equal(shutdown(slow.c, SHUT_WR), 0);
	size_t got = 0;
	for (;;) {
		assert_true(readable(slow.t, 5000));
		ssize_t n = read(slow.t, chunk, sizeof(chunk));
		assert_true(n >= 0);
		if (n == 0)
			break;
		for (ssize_t k = 0; k < n; k++)
			if ((unsigned char)chunk[k] != pattern(1, got + (size_t)k))
				fail_msg("wrong byte at %zu", got + (size_t)k);
		got += (size_t)n;
	}
	assert_int_equal(got, queued);
	pair_close(&slow);
	stop_relay(relay);
	close(tl);
}

/* The target is not there yet: the client's connection is accepted at once,
 * its bytes wait, and reach the target once it listens. */
static void test_target_late(void **state)
{
	(void)state;
	unlink(tpath);
	pid_t relay = start_relay();
	int c = connect_to(lpath);
	write_all(c, "early", 5);
	/* Until the relay has failed to connect at least once. */
	uint64_t deadline = clock_now_ms() + 5000;
	while (!log_has("cannot reach unix:") && clock_now_ms() < deadline)
		poll(NULL, 0, 10);
	assert_true(log_has("cannot reach unix:"));
	int tl = listen_at(tpath);
	int t = accept_within(tl, 5000);
	assert_true(t >= 0);
	char b[5];
	read_exact(t, b, 5);
	assert_memory_equal(b, "early", 5);
	write_all(t, "late", 4);
	read_exact(c, b, 4);
	assert_memory_equal(b, "late", 4);
	close(c);
	close(t);
	deadline = clock_now_ms() + 5000;
	while (!log_has("reached unix:") && clock_now_ms() < deadline)
		poll(NULL, 0, 10);
	assert_true(log_has("after"));
	stop_relay(relay);
	close(tl);
}

/* A target that never comes: the connection is closed after the timeout. */
static void test_connect_timeout(void **state)
{
	(void)state;
	unlink(tpath);
	const char *extra[] = {"--connect-timeout", "1", NULL};
	pid_t relay = start_relay_args(extra);
	uint64_t t0 = clock_now_ms();
	int c = connect_to(lpath);
	if (!readable(c, 5000))
		fail_msg("the connection was not closed within 5 s");
	char ch;
	assert_int_equal(read(c, &ch, 1), 0);
	uint64_t waited = clock_now_ms() - t0;
	assert_true(waited >= 900);
	assert_true(log_has("not reached within 1 s"));
	close(c);
	stop_relay(relay);
}

/* --max-connections: the third waits in the backlog until a slot frees. */
static void test_max_connections(void **state)
{
	(void)state;
	int tl = listen_at(tpath);
	const char *extra[] = {"--max-connections", "2", NULL};
	pid_t relay = start_relay_args(extra);
	struct pair a = pair_open(tl), b = pair_open(tl);
	int c = connect_to(lpath); /* the backlog takes it */
	write_all(c, "third", 5);
	close(a.c); /* the relay sees end of file on a, then on its target side */
	close(a.t);
	int t = accept_within(tl, 5000);
	assert_true(t >= 0);
	char buf[5];
	read_exact(t, buf, 5);
	assert_memory_equal(buf, "third", 5);
	close(t);
	close(c);
	pair_close(&b);
	stop_relay(relay);
	close(tl);
}

/* 300 connections opened and closed, some reset, some timing out: the relay
 * ends with the fds it started with. */
static void test_no_fd_leak(void **state)
{
	(void)state;
	int tl = listen_at(tpath);
	const char *extra[] = {"--connect-timeout", "1", NULL};
	pid_t relay = start_relay_args(extra);
	int base = count_fds(relay);
	for (int i = 0; i < 300; i++) {
		struct pair p = pair_open(tl);
		if (i % 3 == 0) {
			write_all(p.c, "x", 1);
			char ch;
			read_exact(p.t, &ch, 1);
		}
		if (i % 2) {
			close(p.c);
			close(p.t);
		} else {
			/* An abortive close: unread data makes it a reset. */
			write_all(p.t, "unread", 6);
			close(p.t);
			close(p.c);
		}
	}
	close(tl);
	unlink(tpath);
	int c = connect_to(lpath); /* to a target that is gone: times out */
	assert_true(readable(c, 5000));
	close(c);
	uint64_t deadline = clock_now_ms() + 5000;
	int n;
	while ((n = count_fds(relay)) != base && clock_now_ms() < deadline)
		poll(NULL, 0, 10);
	if (n != base)
		fail_msg("the relay has %d fds, %d before the connections", n, base);
	stop_relay(relay);
}

/* Idle connections cost nothing: the relay is not scheduled at all. */
static void test_idle(void **state)
{
	(void)state;
	int tl = listen_at(tpath);
	pid_t relay = start_relay();
	struct pair p[20];
	for (int i = 0; i < 20; i++)
		p[i] = pair_open(tl);
	write_all(p[0].c, "x", 1);
	char ch;
	read_exact(p[0].t, &ch, 1);
	/* The relay may still be returning to epoll_wait after the last byte. */
	uint64_t deadline = clock_now_ms() + 5000;
	long before = switches(relay), after;
	for (;;) {
		poll(NULL, 0, 500);
		after = switches(relay);
		if (after == before || clock_now_ms() > deadline)
			break;
		before = after;
	}
	if (after != before)
		fail_msg("the idle relay was scheduled %ld times in 500 ms", after - before);
	for (int i = 0; i < 20; i++)
		pair_close(&p[i]);
	stop_relay(relay);
	close(tl);
}

/* Runs the relay with args, stderr to the log; returns its exit status. */
static int run_relay(const char *const *args)
{
	const char *argv[16] = {relay_bin};
	int argc = 1;
	for (; *args; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	unlink(logpath);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(relay_bin, (char *const *)argv);
		_exit(127);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	return WEXITSTATUS(ws);
}

static void test_cli(void **state)
{
	(void)state;
	char target[160];
	snprintf(target, sizeof(target), "unix:%s", tpath);

	/* --hold: nothing until a signal. */
	pid_t hold = fork();
	assert_true(hold >= 0);
	if (hold == 0) {
		execl(relay_bin, relay_bin, "--hold", (char *)NULL);
		_exit(127);
	}
	int ws;
	assert_int_equal(waitpid(hold, &ws, WNOHANG), 0);
	kill(hold, SIGTERM);
	assert_int_equal(waitpid(hold, &ws, 0), hold);
	assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM);

	const char *help[] = {"--help", NULL};
	assert_int_equal(run_relay(help), 0);
	assert_true(log_has("Usage: appvm-wayland-relay --listen PATH --target TARGET"));
	const char *none[] = {NULL};
	assert_int_equal(run_relay(none), 2);
	assert_true(log_has("appvm-wayland-relay: --listen PATH is required (see --help)"));
	const char *bad[] = {"--listen", lpath, "--target", "vsock:2", NULL};
	assert_int_equal(run_relay(bad), 2);
	assert_true(log_has("target vsock:2: expected vsock:CID:PORT (see --help)"));

	/* A file that is not a socket is left alone. */
	int fd = open(lpath, O_WRONLY | O_CREAT, 0644);
	close(fd);
	const char *args[] = {"--listen", lpath, "--target", target, NULL};
	assert_int_equal(run_relay(args), 1);
	assert_true(log_has("cannot listen on"));
	assert_true(log_has("a file that is not a socket is in the way"));
	unlink(lpath);

	/* A live relay's socket is refused; a stale one is replaced. */
	pid_t relay = start_relay();
	assert_int_equal(run_relay(args), 1);
	assert_true(log_has("another process is serving it"));
	kill(relay, SIGKILL);
	waitpid(relay, NULL, 0);
	assert_int_equal(access(lpath, F_OK), 0); /* left by the killed relay */
	relay = start_relay();
	int tl = listen_at(tpath);
	struct pair p = pair_open(tl);
	pair_close(&p);
	close(tl);
	stop_relay(relay);
}

int main(void)
{
	relay_bin = getenv("RELAY_BIN");
	if (!relay_bin) {
		fprintf(stderr, "RELAY_BIN is not set (ctest sets it)\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_half_close_from_target, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slow_reader, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_target_late, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connect_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_fd_leak, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
