#include "unix_addr.h"
#include "fake_guest.h"

#include <stdlib.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "proto_stream.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Waits for fd to be readable while watching the stop flag. Returns 0 when
 * readable, -1 when told to stop. */
static int wait_readable(int fd, atomic_int *stop)
{
	while (!atomic_load(stop)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) > 0)
			return 0;
	}
	return -1;
}

static int read_exact(int fd, void *buf, size_t n, atomic_int *stop)
{
	uint8_t *p = buf;
	while (n > 0) {
		if (wait_readable(fd, stop) < 0)
			return -1;
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads one frame and decodes it into *m (strings point into r). */
static int read_msg(int fd, struct proto_reader *r, struct proto_msg *m, atomic_int *stop)
{
	uint8_t b;
	for (;;) {
		if (read_exact(fd, &b, 1, stop) < 0)
			return -1;
		size_t used;
		int ret = proto_reader_feed(r, &b, 1, &used);
		if (ret < 0)
			return -1;
		if (ret == 1)
			return proto_decode(&r->header, r->payload, m, NULL) < 0 ? -1 : 0;
	}
}

static int send_bytes(int fd, const void *buf, size_t len, unsigned drip_ms, atomic_int *stop)
{
	const uint8_t *p = buf;
	if (drip_ms == 0)
		return send(fd, p, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
	for (size_t i = 0; i < len; i++) {
		if (atomic_load(stop) || send(fd, p + i, 1, MSG_NOSIGNAL) != 1)
			return -1;
		sleep_ms(drip_ms);
	}
	return 0;
}

static int send_msg(int fd, const struct proto_msg *m, unsigned drip_ms, atomic_int *stop)
{
	static _Thread_local uint8_t buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	size_t len;
	if (proto_encode(m, buf, sizeof(buf), &len) < 0)
		return -1;
	return send_bytes(fd, buf, len, drip_ms, stop);
}

static void reply_header(struct proto_msg *m, uint16_t type, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = PROTO_FLAG_REPLY;
	m->id = id;
}

static void fill_status(struct proto_msg *m, uint32_t id, int hostile)
{
	reply_header(m, PROTO_STATUS, id);
	struct proto_status *s = &m->u.status;
	s->vm_name = proto_str_from(hostile ? "vm\u202e\xc2\x9b"
					      "31m"
					    : "test-vm");
	s->agent_version = proto_str_from("fake-agent 1.0");
	s->protocol_version = 1;
	s->uptime_ms = 12345;
	s->mem_total_kib = 262144;
	s->mem_available_kib = 200000;
	s->load_milli[0] = 250;
	s->load_milli[1] = 100;
	s->load_milli[2] = 50;
	s->app_state = PROTO_APP_RUNNING;
	s->n_stores = 2;
	s->stores[0].name = proto_str_from("base");
	s->stores[0].mount_point =
	    proto_str_from(hostile ? "/run/\x1b]0;owned\x07\x1b[2J" : "/run/stores/base");
	s->stores[1].name = proto_str_from("state");
	s->stores[1].mount_point = proto_str_from("/var/lib/appvm");
	s->stores[1].writable = 1;
	s->n_addrs = 1;
	s->addrs[0].ifname = proto_str_from("eth0");
	s->addrs[0].family = 4;
	s->addrs[0].prefix = 24;
	memcpy(s->addrs[0].addr, (uint8_t[]){10, 0, 2, 15}, 4);
}

static int front(struct fake_guest *g, int fd)
{
	char line[64];
	size_t n = 0;
	while (n < sizeof(line) - 1) {
		if (read_exact(fd, line + n, 1, &g->stop) < 0)
			return -1;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	if (strcmp(line, "CONNECT 1024\n") != 0)
		return -1;
	static const char overlong[] = "OK 1111111111111111111111111111111111111111";
	switch (g->front) {
	case FRONT_OK:
		return send_bytes(fd, "OK 1073741824\n", 14, 0, &g->stop);
	case FRONT_GARBAGE:
		send_bytes(fd, "ERR no listener\n", 16, 0, &g->stop);
		return -1;
	case FRONT_OVERLONG:
		send_bytes(fd, overlong, sizeof(overlong) - 1, 0, &g->stop);
		wait_readable(fd, &g->stop);
		return -1;
	case FRONT_SILENT:
		wait_readable(fd, &g->stop);
		return -1;
	default:
		return -1;
	}
}

/* Plays one connection. */
static void serve(struct fake_guest *g, int fd)
{
	struct proto_reader r;
	struct proto_msg in, out;
	proto_reader_init(&r);
	unsigned drip = g->mode == FAKE_SLOW_DRIP ? 100 : g->mode == FAKE_FAST_DRIP ? 5 : 0;

	if (g->front != FRONT_NONE && front(g, fd) < 0)
		goto done;
	if (read_msg(fd, &r, &in, &g->stop) < 0 || in.type != PROTO_HELLO)
		goto done;
	uint32_t hello_id = in.id;
	switch (g->mode) {
	case FAKE_GARBAGE:
		send_bytes(fd, "HTTP/1.0 400 Bad Request\r\n\r\n", 28, 0, &g->stop);
		wait_readable(fd, &g->stop);
		goto done;
	case FAKE_SILENT:
		wait_readable(fd, &g->stop);
		goto done;
	case FAKE_HELLO_MISMATCH:
		proto_make_error(&out, hello_id, PROTO_ERR_VERSION_MISMATCH, "no common version");
		send_msg(fd, &out, 0, &g->stop);
		goto done;
	case FAKE_REQUEST_FIRST:
		memset(&out, 0, sizeof(out));
		out.type = PROTO_PING;
		out.id = 77;
		send_msg(fd, &out, 0, &g->stop);
		wait_readable(fd, &g->stop);
		goto done;
	default:
		break;
	}
	reply_header(&out, PROTO_HELLO, hello_id);
	out.u.hello.version = 1;
	out.u.hello.caps = PROTO_CAP_CONTROL;
	out.u.hello.software = proto_str_from("fake-agent 1.0");
	if (g->mode == FAKE_HELLO_BAD_VERSION) {
		/* The encoder would refuse version 9: patch the bytes. */
		uint8_t buf[64];
		size_t len;
		proto_encode(&out, buf, sizeof(buf), &len);
		buf[PROTO_HEADER_SIZE] = 9;
		send_bytes(fd, buf, len, 0, &g->stop);
		wait_readable(fd, &g->stop);
		goto done;
	}
	if (send_msg(fd, &out, drip, &g->stop) < 0)
		goto done;

	for (;;) {
		if (read_msg(fd, &r, &in, &g->stop) < 0)
			goto done;
		atomic_store(&g->last_type, in.type);
		uint32_t id = in.id;
		switch (g->mode) {
		case FAKE_GARBAGE_LATER:
			send_bytes(fd, "\x41\x56garbage garbage garbage", 25, 0, &g->stop);
			wait_readable(fd, &g->stop);
			goto done;
		case FAKE_OVERSIZED: {
			struct proto_header h = {.type = in.type,
						 .flags = PROTO_FLAG_REPLY,
						 .id = id,
						 .length = 0x7fffffff};
			uint8_t buf[PROTO_HEADER_SIZE];
			proto_header_encode(&h, buf);
			send_bytes(fd, buf, sizeof(buf), 0, &g->stop);
			wait_readable(fd, &g->stop);
			goto done;
		}
		case FAKE_TRUNCATED: {
			static uint8_t buf[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
			size_t len;
			fill_status(&out, id, 0);
			proto_encode(&out, buf, sizeof(buf), &len);
			send_bytes(fd, buf, len / 2, 0, &g->stop);
			goto done;
		}
		case FAKE_SILENT_LATER:
			wait_readable(fd, &g->stop);
			goto done;
		case FAKE_CLOSE_LATER:
			goto done;
		case FAKE_ERROR_ESCAPE: {
			/* ERROR reply, code BUSY, message "a\x1b[2J": TEXT forbids ESC. */
			uint8_t raw[] = {0x41, 0x56, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0,
					 0,    0,    0,	   0x0b, 0x00, 0x00, 0x00, 0x04, 0x00,
					 0x00, 0x00, 0x05, 0x00, 'a',  0x1b, '[',  '2',	 'J'};
			memcpy(raw + 8, &id, 4);
			send_bytes(fd, raw, sizeof(raw), 0, &g->stop);
			wait_readable(fd, &g->stop);
			goto done;
		}
		case FAKE_ERROR_REPLY:
			proto_make_error(&out, id, PROTO_ERR_BUSY,
					 "busy\n\xc2\x9b"
					 "31mred\xe2\x80\xae \"quoted\"");
			send_msg(fd, &out, 0, &g->stop);
			continue;
		case FAKE_EVENT_FLOOD:
			memset(&out, 0, sizeof(out));
			out.type = PROTO_APP_EXIT;
			out.u.app_exit.how = PROTO_EXIT_CODE;
			while (send_msg(fd, &out, 0, &g->stop) == 0)
				out.id++;
			goto done;
		case FAKE_EVENTS_FIRST:
			memset(&out, 0, sizeof(out));
			out.type = PROTO_READY;
			out.id = 1;
			out.u.ready.vm_name = proto_str_from("test-vm");
			send_msg(fd, &out, 0, &g->stop);
			memset(&out, 0, sizeof(out));
			out.type = PROTO_APP_EXIT;
			out.id = 2;
			out.u.app_exit.how = PROTO_EXIT_SIGNAL;
			out.u.app_exit.value = 9;
			send_msg(fd, &out, 0, &g->stop);
			memset(&out, 0, sizeof(out));
			out.type = PROTO_DOC_CLOSE;
			out.id = 3;
			out.u.doc_id = 5;
			send_msg(fd, &out, 0, &g->stop);
			/* The host must answer our request before we answer its. */
			{
				struct proto_reader r2;
				struct proto_msg ans;
				proto_reader_init(&r2);
				if (read_msg(fd, &r2, &ans, &g->stop) == 0 && ans.id == 3 &&
				    ans.type == PROTO_ERROR && (ans.flags & PROTO_FLAG_REPLY) &&
				    ans.u.error.code == PROTO_ERR_UNSUPPORTED)
					atomic_store(&g->got_unsupported, 1);
				proto_reader_free(&r2);
			}
			break;
		default:
			break;
		}
		switch (in.type) {
		case PROTO_PING:
			reply_header(&out, PROTO_PING, id);
			out.u.ping_nonce = in.u.ping_nonce;
			if (g->mode == FAKE_WRONG_NONCE)
				out.u.ping_nonce++;
			if (g->mode == FAKE_WRONG_TYPE)
				fill_status(&out, id, 0);
			break;
		case PROTO_STATUS:
			fill_status(&out, id, g->mode == FAKE_HOSTILE_STATUS);
			break;
		case PROTO_SHUTDOWN:
		case PROTO_REBOOT:
			atomic_store(&g->last_deadline_ms, in.u.deadline_ms);
			reply_header(&out, in.type, id);
			break;
		default:
			proto_make_error(&out, id, PROTO_ERR_UNSUPPORTED, "unsupported");
			break;
		}
		if (g->mode == FAKE_WRONG_ID)
			out.id = id + 1000;
		if (send_msg(fd, &out, drip, &g->stop) < 0)
			goto done;
		atomic_fetch_add(&g->requests, 1);
		if (g->mode == FAKE_ACK_STREAM) {
			static const uint8_t junk[4096];
			while (send_bytes(fd, junk, sizeof(junk), 0, &g->stop) == 0)
				;
			goto done;
		}
		if ((in.type == PROTO_SHUTDOWN || in.type == PROTO_REBOOT) &&
		    g->mode != FAKE_ACK_NO_CLOSE)
			goto done; /* the guest goes down */
	}
done:
	proto_reader_free(&r);
	close(fd);
}

static void *guest_main(void *arg)
{
	struct fake_guest *g = arg;
	while (wait_readable(g->listen_fd, &g->stop) == 0) {
		int fd = accept(g->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		atomic_fetch_add(&g->connections, 1);
		serve(g, fd);
	}
	return NULL;
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, path) < 0)
		abort();
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int fake_guest_start(struct fake_guest *g, const char *path, enum fake_mode mode,
		     enum fake_front front)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->path, sizeof(g->path), "%s", path);
	g->mode = mode;
	g->front = front;
	g->listen_fd = unix_listen(path);
	if (g->listen_fd < 0)
		return g->listen_fd;
	if (pthread_create(&g->thread, NULL, guest_main, g) != 0) {
		close(g->listen_fd);
		return -EAGAIN;
	}
	return 0;
}

void fake_guest_stop(struct fake_guest *g)
{
	atomic_store(&g->stop, 1);
	pthread_join(g->thread, NULL);
	close(g->listen_fd);
	unlink(g->path);
}

/* ---- the agent's event side ---- */

static int unix_connect(const char *path)
{
	struct sockaddr_un sa;
	if (unix_addr_set(&sa, path) < 0)
		abort();
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *events_main(void *arg)
{
	struct fake_events *e = arg;
	sleep_ms(e->delay_ms);
	int fd;
	while ((fd = unix_connect(e->path)) < 0) {
		if (atomic_load(&e->stop))
			return NULL;
		sleep_ms(20);
	}
	if (e->mode == EVENT_DROP_THEN_GOOD) {
		close(fd);
		while ((fd = unix_connect(e->path)) < 0) {
			if (atomic_load(&e->stop))
				return NULL;
			sleep_ms(20);
		}
	}
	struct proto_reader r;
	struct proto_msg m;
	proto_reader_init(&r);
	if (e->mode == EVENT_GARBAGE) {
		send_bytes(fd, "\x00\x01\x02\x03garbage-garbage-garbage", 27, 0, &e->stop);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.id = 1;
	m.u.hello.min_version = 1;
	m.u.hello.max_version = 1;
	m.u.hello.caps = PROTO_CAP_CONTROL;
	m.u.hello.software = proto_str_from("fake-agent 1.0");
	if (send_msg(fd, &m, 0, &e->stop) < 0 || read_msg(fd, &r, &m, &e->stop) < 0 ||
	    m.type != PROTO_HELLO)
		goto out;
	if (e->mode == EVENT_BAD_READY) {
		/* READY whose name holds an escape character. */
		static const uint8_t bad[] = {0x41, 0x56, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00,
					      0x02, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00,
					      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					      0x03, 0x00, 0x76, 0x1b, 0x6d};
		send_bytes(fd, bad, sizeof(bad), 0, &e->stop);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.type = PROTO_READY;
	m.id = 2;
	m.u.ready.uptime_ms = 845;
	m.u.ready.vm_name = proto_str_from("event-vm");
	send_msg(fd, &m, 0, &e->stop);
out:
	atomic_store(&e->done, 1);
	wait_readable(fd, &e->stop);
	proto_reader_free(&r);
	close(fd);
	return NULL;
}

int fake_events_start(struct fake_events *e, const char *path, enum fake_event_mode mode,
		      unsigned delay_ms)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->mode = mode;
	e->delay_ms = delay_ms;
	return pthread_create(&e->thread, NULL, events_main, e) == 0 ? 0 : -EAGAIN;
}

void fake_events_stop(struct fake_events *e)
{
	atomic_store(&e->stop, 1);
	pthread_join(e->thread, NULL);
}
