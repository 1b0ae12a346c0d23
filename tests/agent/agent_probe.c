/* A minimal host for the namespace tests of the agent (ns_agent.sh):
 *
 *   agent_probe events PATH [--exit|--hold]
 *                                     listen on PATH for the agent's event
 *                                     connection, answer HELLO, print READY
 *                                     (and, with --exit, the next APP_EXIT;
 *                                     with --hold, keep the connection until
 *                                     killed: tests/vm/bench-idle)
 *   agent_probe status SOCK           HELLO, STATUS; print the fields
 *   agent_probe shutdown SOCK         HELLO, SHUTDOWN; print "ack"
 *
 * Output is "key=value" lines; exit 0 on success, 1 on failure. Every wait
 * is bounded (10 s), but --hold's. Unix sockets only. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "unix_addr.h"
#include "clock.h"
#include "proto.h"
#include "proto_session.h"

#define WAIT_MS 10000

static uint8_t frame_buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];

static int die(const char *what)
{
	fprintf(stderr, "agent_probe: %s\n", what);
	exit(1);
}

static void send_msg(int fd, const struct proto_msg *m)
{
	size_t len;
	if (proto_encode(m, frame_buf, sizeof(frame_buf), &len) != 0 ||
	    send(fd, frame_buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		die("send failed");
}

static void read_exact(int fd, uint8_t *p, size_t len, long end)
{
	while (len > 0) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long left = end - (long)clock_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			die("timed out waiting for the agent");
		ssize_t n = recv(fd, p, len, 0);
		if (n <= 0)
			die("the agent closed the connection");
		p += n;
		len -= (size_t)n;
	}
}

static void recv_msg(int fd, struct proto_msg *m)
{
	struct proto_header h;
	long end = (long)clock_now_ms() + WAIT_MS;
	read_exact(fd, frame_buf, PROTO_HEADER_SIZE, end);
	if (proto_header_decode(frame_buf, &h) != 0)
		die("bad frame header");
	read_exact(fd, frame_buf + PROTO_HEADER_SIZE, h.length, end);
	if (proto_decode(&h, frame_buf + PROTO_HEADER_SIZE, m, NULL) != 0)
		die("undecodable frame");
}

static void set_addr(struct sockaddr_un *sa, const char *path)
{
	if (unix_addr_set(sa, path) < 0)
		die("socket path too long");
}

/* Connects to the agent. The tests call this only after READY, and the
 * agent listens before it announces READY. */
static int connect_agent(const char *path)
{
	struct sockaddr_un sa;
	set_addr(&sa, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot connect to the agent");
	return fd;
}

static void hello(int fd)
{
	struct proto_msg m = {.type = PROTO_HELLO, .id = 1};
	m.u.hello.min_version = m.u.hello.max_version = 1;
	m.u.hello.caps = PROTO_CAP_CONTROL;
	m.u.hello.software = proto_str_from("agent_probe");
	send_msg(fd, &m);
	recv_msg(fd, &m);
	if (m.type != PROTO_HELLO || m.u.hello.version != 1)
		die("HELLO refused");
}

static void print_str(const char *key, struct proto_str s)
{
	printf("%s=%.*s\n", key, (int)s.len, s.ptr);
}

static int cmd_status(const char *path)
{
	int fd = connect_agent(path);
	struct proto_msg m = {.type = PROTO_STATUS, .id = 2};
	hello(fd);
	send_msg(fd, &m);
	recv_msg(fd, &m);
	if (m.type != PROTO_STATUS)
		die("no STATUS reply");
	const struct proto_status *st = &m.u.status;
	print_str("vm_name", st->vm_name);
	print_str("agent_version", st->agent_version);
	printf("uptime_ms=%llu\nmem_total_kib=%llu\napp_state=%u\napp_exit_how=%u\n"
	       "app_exit_value=%d\nn_stores=%u\nn_addrs=%u\n",
	       (unsigned long long)st->uptime_ms, (unsigned long long)st->mem_total_kib,
	       st->app_state, st->app_exit_how, (int)st->app_exit_value, st->n_stores, st->n_addrs);
	for (uint16_t i = 0; i < st->n_stores; i++)
		printf("store=%.*s %.*s %s\n", (int)st->stores[i].name.len, st->stores[i].name.ptr,
		       (int)st->stores[i].mount_point.len, st->stores[i].mount_point.ptr,
		       st->stores[i].writable ? "rw" : "ro");
	close(fd);
	return 0;
}

static int cmd_shutdown(const char *path)
{
	int fd = connect_agent(path);
	struct proto_msg m = {.type = PROTO_SHUTDOWN, .id = 2};
	hello(fd);
	m.u.deadline_ms = 10000;
	send_msg(fd, &m);
	recv_msg(fd, &m);
	if (m.type != PROTO_SHUTDOWN || !(m.flags & PROTO_FLAG_REPLY))
		die("no SHUTDOWN ack");
	printf("ack\n");
	close(fd);
	return 0;
}

static int cmd_events(const char *path, int want_exit, int hold)
{
	struct sockaddr_un sa;
	set_addr(&sa, path);
	unlink(path);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0)
		die("cannot listen for events");
	printf("listening\n");
	fflush(stdout);
	struct pollfd pfd = {lfd, POLLIN, 0};
	if (poll(&pfd, 1, WAIT_MS) <= 0)
		die("the agent did not connect for events");
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	struct proto_msg m;
	recv_msg(fd, &m);
	if (m.type != PROTO_HELLO || (m.flags & PROTO_FLAG_REPLY))
		die("expected HELLO from the agent");
	struct proto_session host;
	struct proto_msg reply;
	proto_session_init(&host, PROTO_ROLE_ACCEPTOR, PROTO_CAP_CONTROL, "agent_probe");
	if (proto_session_answer(&host, &m, &reply) < 0)
		die("no common protocol version");
	send_msg(fd, &reply);
	recv_msg(fd, &m);
	if (m.type != PROTO_READY)
		die("expected READY");
	print_str("ready_vm_name", m.u.ready.vm_name);
	printf("ready_uptime_ms=%llu\n", (unsigned long long)m.u.ready.uptime_ms);
	fflush(stdout);
	if (hold) {
		/* Holds the connection, as a VM manager would, until killed or
		 * until the agent closes it (or sends a frame: reported). */
		char c;
		ssize_t n = read(fd, &c, 1);
		printf("hold_ended=%s\n", n == 0 ? "closed" : n > 0 ? "frame" : "error");
	} else if (want_exit) {
		recv_msg(fd, &m);
		if (m.type != PROTO_APP_EXIT)
			die("expected APP_EXIT");
		printf("app_exit_how=%u\napp_exit_value=%d\n", m.u.app_exit.how,
		       (int)m.u.app_exit.value);
	}
	close(fd);
	close(lfd);
	unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "status") == 0)
		return cmd_status(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "shutdown") == 0)
		return cmd_shutdown(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "events") == 0)
		return cmd_events(argv[2], argc >= 4 && strcmp(argv[3], "--exit") == 0,
				  argc >= 4 && strcmp(argv[3], "--hold") == 0);
	fprintf(stderr,
		"usage: agent_probe events PATH [--exit|--hold] | status SOCK | shutdown SOCK\n");
	return 2;
}
