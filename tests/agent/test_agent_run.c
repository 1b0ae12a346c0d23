/* Integration tests: the real appvm-agent binary on Unix sockets (the test
 * transport; the CID check is a unit test), a fake appvm-init control socket,
 * and host clients speaking the wire protocol. What the agent does with init
 * (status, stores, APP_EXIT, power requests, SIGTERM) is in test_agent_init.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unix_addr.h"
#include "agent_harness.h"
#include "io.h"
#include "status.h"

static uint8_t big[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];

static uint64_t boottime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Every non-loopback address getifaddrs() sees is in the record, and no other. */
static void check_addrs(const struct proto_status *st)
{
	struct ifaddrs *ifa;
	uint16_t want = 0;
	assert_int_equal(getifaddrs(&ifa), 0);
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		struct proto_addr a;
		if (!agent_addr_from_ifaddr(i->ifa_name, i->ifa_flags, i->ifa_addr, i->ifa_netmask,
					    &a))
			continue;
		bool found = false;
		for (uint16_t k = 0; k < st->n_addrs && !found; k++)
			found = st->addrs[k].family == a.family &&
				st->addrs[k].prefix == a.prefix &&
				memcmp(st->addrs[k].addr, a.addr, a.family == 4 ? 4 : 16) == 0 &&
				st->addrs[k].ifname.len == a.ifname.len &&
				memcmp(st->addrs[k].ifname.ptr, a.ifname.ptr, a.ifname.len) == 0;
		if (!found)
			fail_msg("address on %s missing from STATUS", i->ifa_name);
		want++;
	}
	freeifaddrs(ifa);
	assert_int_equal(st->n_addrs, want > PROTO_MAX_ADDRS ? PROTO_MAX_ADDRS : want);
	for (uint16_t k = 0; k < st->n_addrs; k++)
		assert_false(h_str_is(st->addrs[k].ifname, "lo"));
}

static void read_loadavg(uint32_t l[3])
{
	char text[256];
	assert_true(io_read_file("/proc/loadavg", text, sizeof(text)) > 0);
	assert_int_equal(agent_parse_loadavg(text, l), 0);
}

static void test_commands(void **state)
{
	struct agent_proc *p = *state;
	const char *args[] = {"--name", "test-vm", NULL};
	h_start(p, args);
	int fd = h_client(p);
	h_ping(fd, 2, 0x0102030405060708ull);
	h_ping(fd, 3, 0);

	static char text[16384];
	uint64_t total, avail;
	uint32_t load0[3], load1[3];
	assert_true(io_read_file("/proc/meminfo", text, sizeof(text)) > 0);
	assert_int_equal(agent_parse_meminfo(text, &total, &avail), 0);
	read_loadavg(load0);
	uint64_t before = boottime_ms();
	struct proto_msg m;
	h_status_req(fd, 4, &m);
	uint64_t after = boottime_ms();
	read_loadavg(load1);
	const struct proto_status *st = &m.u.status;
	assert_true(h_str_is(st->vm_name, "test-vm"));
	assert_true(h_str_is(st->agent_version, "appvm-agent " APPVM_VERSION));
	assert_int_equal(st->protocol_version, 1);
	assert_true(st->uptime_ms >= before && st->uptime_ms <= after);
	assert_int_equal(st->mem_total_kib, total);
	assert_true(st->mem_available_kib > 0 && st->mem_available_kib <= total);
	for (int i = 0; i < 3; i++) {
		uint32_t lo = load0[i] < load1[i] ? load0[i] : load1[i];
		uint32_t hi = load0[i] < load1[i] ? load1[i] : load0[i];
		if (st->load_milli[i] < lo || st->load_milli[i] > hi)
			fail_msg("load %d: %u outside [%u, %u]", i, st->load_milli[i], lo, hi);
	}
	/* The fake init says the app runs. */
	assert_int_equal(st->app_state, PROTO_APP_RUNNING);
	assert_int_equal(st->app_exit_how, PROTO_EXIT_NONE);
	check_addrs(st);
	assert_int_equal(st->n_stores, 0); /* init lists none */
	assert_int_equal(h_init_count(p), 1);

	/* Unknown type: UNSUPPORTED, and the connection stays open. */
	uint8_t unknown[] = {0x41, 0x56, 0x77, 0x77, 0, 0, 0,	0,   8,	 0,
			     0,	   0,	 3,    0,    0, 0, 'a', 'b', 'c'};
	h_send_raw(fd, unknown, sizeof(unknown));
	assert_int_equal(h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_ERROR);
	assert_int_equal(m.id, 8);
	assert_int_equal(m.u.error.code, PROTO_ERR_UNSUPPORTED);
	/* A capability the agent lacks: UNSUPPORTED too. */
	uint8_t clip[] = {0x41, 0x56, 0x20, 0,	 0,   0,   0,	0,   9,	  0,	0,   0,
			  0x14, 0,    0,    0,	 0,   0,   0,	0,   0,	  0x80, 0,   0,
			  0x0a, 0,    't',  'e', 'x', 't', '/', 'p', 'l', 'a',	'i', 'n'};
	h_send_raw(fd, clip, sizeof(clip));
	assert_int_equal(h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_ERROR);
	assert_int_equal(m.u.error.code, PROTO_ERR_UNSUPPORTED);
	/* A malformed request: BAD_REQUEST, and still open. */
	uint8_t trunc[] = {0x41, 0x56, 0x10, 0, 0, 0, 0, 0, 10, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0};
	h_send_raw(fd, trunc, sizeof(trunc));
	assert_int_equal(h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_ERROR);
	assert_int_equal(m.id, 10);
	assert_int_equal(m.u.error.code, PROTO_ERR_BAD_REQUEST);
	h_ping(fd, 11, 42);

	/* Frames one byte at a time, and several in one write. */
	struct proto_msg ping;
	uint8_t frames[3 * 24];
	size_t len, off = 0;
	for (uint32_t i = 0; i < 3; i++) {
		h_req(&ping, PROTO_PING, 20 + i);
		ping.u.ping_nonce = 1000 + i;
		assert_int_equal(proto_encode(&ping, frames + off, sizeof(frames) - off, &len), 0);
		off += len;
	}
	for (size_t i = 0; i < 24; i++)
		h_send_raw(fd, frames + i, 1);
	h_send_raw(fd, frames + 24, 48);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS), 0);
		assert_int_equal(m.id, 20 + i);
		assert_int_equal(m.u.ping_nonce, 1000 + i);
	}

	/* A host that stops sending still gets its replies, then the end. */
	h_req(&ping, PROTO_STATUS, 30);
	h_send(fd, &ping);
	shutdown(fd, SHUT_WR);
	assert_int_equal(h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS), 0);
	assert_int_equal(m.id, 30);
	assert_true(h_closed(fd, H_TIMEOUT_MS));
	close(fd);
}

static void test_hostname_and_no_init(void **state)
{
	struct agent_proc *p = *state;
	char host[256];
	const char *args[] = {"--init-socket", "/nonexistent/init.sock", NULL};
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	h_start(p, args);
	int fd = h_client(p);
	struct proto_msg m;
	h_status_req(fd, 2, &m);
	assert_true(h_str_is(m.u.status.vm_name, host));
	/* Without init, the app state is unknown; the rest is served. */
	assert_int_equal(m.u.status.app_state, PROTO_APP_UNKNOWN);
	assert_true(m.u.status.mem_total_kib > 0);
	assert_true(h_wait_log(p, "cannot get the app state from init", H_TIMEOUT_MS));
	/* SHUTDOWN is acknowledged even so; the failure is logged. */
	h_req(&m, PROTO_SHUTDOWN, 3);
	h_send(fd, &m);
	assert_int_equal(h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_SHUTDOWN);
	assert_true(h_wait_log(p, "cannot ask init to power off", H_TIMEOUT_MS));
	h_ping(fd, 4, 4);
	close(fd);
}

static void expect_close_after(struct agent_proc *p, const void *bytes, size_t len)
{
	int fd = h_client(p);
	h_send_raw(fd, bytes, len);
	if (!h_closed(fd, H_TIMEOUT_MS))
		fail_msg("connection not closed");
	close(fd);
}

static void test_violations(void **state)
{
	struct agent_proc *p = *state;
	h_start(p, NULL);

	static const uint8_t bad_magic[] = {0x42, 0x56, 0x10, 0, 0, 0, 0, 0, 1, 0, 0, 0,
					    8,	  0,	0,    0, 1, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t reserved[] = {0x41, 0x56, 0x10, 0, 0, 0, 1, 0, 1, 0, 0, 0,
					   8,	 0,    0,    0, 1, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t flag[] = {0x41, 0x56, 0x10, 0, 2, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0};
	/* PING of 9 bytes (cap 8); unknown type over the global cap. */
	static const uint8_t ping_big[] = {0x41, 0x56, 0x10, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0};
	static const uint8_t huge[] = {0x41, 0x56, 0x77, 0x77, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0};
	/* A reply from the host, an event from the host, a second HELLO. */
	static const uint8_t reply[] = {0x41, 0x56, 0x10, 0, 1, 0, 0, 0, 1, 0, 0, 0,
					8,    0,    0,	  0, 1, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t event[] = {0x41, 0x56, 0x19, 0, 0, 0, 0, 0, 1, 0, 0, 0,
					8,    0,    0,	  0, 1, 0, 0, 0, 3, 0, 0, 0};
	static const uint8_t hello2[] = {0x41, 0x56, 0x01, 0, 0, 0, 0, 0, 5, 0, 0, 0, 10,
					 0,    0,    0,	   1, 0, 1, 0, 1, 0, 0, 0, 0, 0};
	expect_close_after(p, bad_magic, sizeof(bad_magic));
	expect_close_after(p, reserved, sizeof(reserved));
	expect_close_after(p, flag, sizeof(flag));
	expect_close_after(p, ping_big, sizeof(ping_big));
	expect_close_after(p, huge, sizeof(huge));
	expect_close_after(p, reply, sizeof(reply));
	expect_close_after(p, event, sizeof(event));
	expect_close_after(p, hello2, sizeof(hello2));

	/* Anything before HELLO: closed, nothing sent. */
	int fd = h_connect(p);
	static const uint8_t ping[] = {0x41, 0x56, 0x10, 0, 0, 0, 0, 0, 1, 0, 0, 0,
				       8,    0,	   0,	 0, 1, 0, 0, 0, 0, 0, 0, 0};
	h_send_raw(fd, ping, sizeof(ping));
	assert_true(h_closed(fd, H_TIMEOUT_MS));
	close(fd);

	/* A partial frame and then the end of the connection. */
	fd = h_client(p);
	h_send_raw(fd, ping, 10);
	shutdown(fd, SHUT_WR);
	assert_true(h_closed(fd, H_TIMEOUT_MS));
	close(fd);

	/* No common version: ERROR VERSION_MISMATCH, then closed. */
	fd = h_connect(p);
	struct proto_msg m;
	h_req(&m, PROTO_HELLO, 7);
	m.u.hello.min_version = 2;
	m.u.hello.max_version = 3;
	m.u.hello.software = proto_str_from("future");
	h_send(fd, &m);
	assert_int_equal(h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_ERROR);
	assert_int_equal(m.id, 7);
	assert_int_equal(m.u.error.code, PROTO_ERR_VERSION_MISMATCH);
	assert_true(h_closed(fd, H_TIMEOUT_MS));
	close(fd);

	/* The agent is still fine. */
	fd = h_client(p);
	h_ping(fd, 2, 2);
	close(fd);
	assert_true(h_wait_log(p, "framing violation", H_TIMEOUT_MS));
}

/* Sends PINGs without reading until the socket takes no more. Returns the count. */
static unsigned stuff_pings(int fd)
{
	static uint8_t chunk[24 * 256];
	unsigned sent = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (;;) {
		size_t len = 0;
		for (unsigned i = 0; i < 256; i++) {
			struct proto_msg m;
			size_t n;
			h_req(&m, PROTO_PING, 100 + sent + i);
			m.u.ping_nonce = sent + i;
			assert_int_equal(proto_encode(&m, chunk + len, sizeof(chunk) - len, &n), 0);
			len += n;
		}
		/* Whole chunks only, so the count of complete frames is exact. */
		struct pollfd pfd = {fd, POLLOUT, 0};
		if (poll(&pfd, 1, 500) <= 0)
			break;
		size_t off = 0;
		while (off < len) {
			ssize_t n = send(fd, chunk + off, len - off, MSG_NOSIGNAL);
			if (n < 0 && errno == EAGAIN) {
				struct pollfd w = {fd, POLLOUT, 0};
				assert_true(poll(&w, 1, 2000) > 0);
				continue;
			}
			assert_true(n > 0);
			off += (size_t)n;
		}
		sent += 256;
		if (sent > 1000000)
			fail_msg("the agent never stopped reading");
	}
	fcntl(fd, F_SETFL, fl);
	return sent;
}

static void test_slow_reader(void **state)
{
	struct agent_proc *p = *state;
	h_start(p, NULL);
	int slow = h_client(p);
	/* Shrink the buffers so the agent's limit is reached quickly. */
	int small = 4096;
	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(slow, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	unsigned sent = stuff_pings(slow);
	assert_true(sent > 0);

	/* Another client is served at once. */
	int fast = h_client(p);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0; i < 100; i++)
		h_ping(fast, 2 + i, i);
	struct proto_msg m;
	h_status_req(fast, 200, &m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < 2000);

	/* The slow client gets every reply, in order, once it reads. */
	for (unsigned i = 0; i < sent; i++) {
		if (h_recv(slow, &m, big, sizeof(big), H_TIMEOUT_MS) < 0)
			fail_msg("reply %u of %u missing", i, sent);
		assert_int_equal(m.id, 100 + i);
		assert_int_equal(m.u.ping_nonce, i);
	}
	h_ping(slow, 7, 7);
	close(slow);
	close(fast);
}

static void test_many_clients(void **state)
{
	struct agent_proc *p = *state;
	enum { N = 32, LIMIT = 16 };
	int fds[N];
	struct proto_msg m;
	h_start(p, NULL); /* default limit: 16 */
	for (int i = 0; i < N; i++)
		fds[i] = h_connect(p);
	for (int i = 0; i < N; i++) {
		h_req(&m, PROTO_HELLO, 1);
		m.u.hello.min_version = m.u.hello.max_version = 1;
		m.u.hello.software = proto_str_from("many");
		/* Those over the limit may be closed before their HELLO goes out. */
		if (!h_try_send(fds[i], &m) && i < LIMIT)
			fail_msg("client %d could not send HELLO", i);
	}
	/* Connections are accepted in order: the first 16 are served. */
	for (int i = 0; i < LIMIT; i++) {
		assert_int_equal(h_recv(fds[i], &m, big, sizeof(big), H_TIMEOUT_MS), 0);
		assert_int_equal(m.type, PROTO_HELLO);
	}
	for (int i = LIMIT; i < N; i++)
		if (!h_closed(fds[i], H_TIMEOUT_MS))
			fail_msg("client %d beyond the limit was not closed", i);
	assert_true(
	    h_wait_log(p, "refused a connection: 16 clients already connected", H_TIMEOUT_MS));
	for (int i = 0; i < LIMIT; i++)
		h_ping(fds[i], 2, (uint64_t)i);
	/* A slot that frees up is available again. */
	close(fds[0]);
	fds[0] = -1;
	int again = -1;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (t = t0; again < 0 && t.tv_sec - t0.tv_sec < H_TIMEOUT_MS / 1000;
	     clock_gettime(CLOCK_MONOTONIC, &t)) {
		/* The close reaches the agent asynchronously; a refused
		 * attempt is closed at once, so retrying does not wait long. */
		int fd = h_connect(p);
		h_req(&m, PROTO_HELLO, 1);
		m.u.hello.min_version = m.u.hello.max_version = 1;
		if (h_try_send(fd, &m) && h_recv(fd, &m, big, sizeof(big), H_TIMEOUT_MS) == 0)
			again = fd;
		else
			close(fd);
	}
	if (again < 0) {
		h_wait_log(p, "\x01", 100);
		fail_msg("no slot came free; log ends:\n%s",
			 p->log + (p->log_len > 1500 ? p->log_len - 1500 : 0));
	}
	h_ping(again, 3, 3);
	close(again);
	for (int i = 1; i < N; i++)
		close(fds[i]);
}

static void test_many_clients_32(void **state)
{
	struct agent_proc *p = *state;
	enum { N = 32 };
	int fds[N + 1];
	const char *args[] = {"--max-clients", "32", NULL};
	h_start(p, args);
	for (int i = 0; i < N; i++)
		fds[i] = h_client(p);
	for (int i = 0; i < N; i++) {
		struct proto_msg m;
		h_req(&m, PROTO_PING, 5);
		m.u.ping_nonce = (uint64_t)i;
		h_send(fds[i], &m);
	}
	for (int i = N - 1; i >= 0; i--) {
		struct proto_msg m;
		assert_int_equal(h_recv(fds[i], &m, big, sizeof(big), H_TIMEOUT_MS), 0);
		assert_int_equal(m.u.ping_nonce, (uint64_t)i);
	}
	fds[N] = h_connect(p);
	assert_true(h_closed(fds[N], H_TIMEOUT_MS));
	for (int i = 0; i <= N; i++)
		close(fds[i]);
}

static void run_bin(const char *const *args, int *ret_status, char *out, size_t outlen)
{
	const char *bin = getenv("APPVM_AGENT");
	int pfd[2];
	char *argv[8];
	int argc = 0;
	argv[argc++] = (char *)bin;
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t len = 0;
	ssize_t n;
	while (len + 1 < outlen && (n = read(pfd[0], out + len, outlen - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, ret_status, 0), pid);
}

static void test_command_line(void **state)
{
	(void)state;
	char out[4096];
	int st;
	const char *help[] = {"--help", NULL};
	run_bin(help, &st, out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(out, "Usage: appvm-agent"));
	const char *version[] = {"--version", NULL};
	run_bin(version, &st, out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "appvm-agent " APPVM_VERSION "\n");
	const char *bad[] = {"--port", "0", NULL};
	run_bin(bad, &st, out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(out, "appvm-agent: --port: expected a port number"));
	const char *unknown[] = {"--frobnicate", NULL};
	run_bin(unknown, &st, out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(out, "unknown option"));
	/* A listen path that cannot be bound: a clear error, exit 1. */
	const char *nodir[] = {"--listen-unix", "/nonexistent/dir/a.sock", NULL};
	run_bin(nodir, &st, out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	assert_non_null(strstr(out, "cannot listen on /nonexistent/dir/a.sock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_commands, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_hostname_and_no_init, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_violations, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_slow_reader, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_many_clients, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_many_clients_32, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test(test_command_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
