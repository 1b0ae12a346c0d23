#include "fake_events.h"
#include "clock.h"
#include "fake_io.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "proto_stream.h"

/* ---- one event sender ---- */

static int connect_retrying(struct fake_events *e)
{
	int fd;
	while ((fd = fake_unix_connect(e->path, 0)) < 0) {
		if (atomic_load(&e->stop))
			return -1;
		fake_sleep_ms(20);
	}
	atomic_store(&e->connected_ms, clock_now_ms());
	return fd;
}

static void hello_request(struct proto_msg *m, const char *software)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_HELLO;
	m->id = 1;
	m->u.hello.min_version = 1;
	m->u.hello.max_version = 1;
	m->u.hello.caps = PROTO_CAP_CONTROL;
	m->u.hello.software = proto_str_from(software ? software : "fake-agent 1.0");
}

static void *events_main(void *arg)
{
	struct fake_events *e = arg;
	fake_sleep_ms(e->delay_ms);
	while (e->gate && atomic_load(e->gate) < e->gate_min && !atomic_load(&e->stop))
		fake_sleep_ms(5);
	int fd = connect_retrying(e);
	if (fd < 0)
		return NULL;
	if (e->mode == EVENT_DROP_THEN_GOOD) {
		close(fd);
		if ((fd = connect_retrying(e)) < 0)
			return NULL;
	}
	struct proto_reader r;
	struct proto_msg m;
	proto_reader_init(&r);
	if (e->mode == EVENT_GARBAGE) {
		fake_send_bytes(fd, "\x00\x01\x02\x03garbage-garbage-garbage", 27, 0, &e->stop);
		goto out;
	}
	hello_request(&m, e->software);
	if (fake_send_msg(fd, &m, 0, &e->stop) < 0 || fake_read_msg(fd, &r, &m, &e->stop) < 0 ||
	    m.type != PROTO_HELLO)
		goto out;
	if (e->mode == EVENT_BAD_READY) {
		/* READY whose name holds an escape character. */
		static const uint8_t bad[] = {0x41, 0x56, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00,
					      0x02, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00,
					      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					      0x03, 0x00, 0x76, 0x1b, 0x6d};
		fake_send_bytes(fd, bad, sizeof(bad), 0, &e->stop);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.type = PROTO_READY;
	m.id = 2;
	m.u.ready.uptime_ms = 845;
	m.u.ready.vm_name = proto_str_from(e->vm_name ? e->vm_name : "event-vm");
	fake_send_msg(fd, &m, 0, &e->stop);
out:
	atomic_store(&e->done, 1);
	fake_wait_readable(fd, &e->stop);
	proto_reader_free(&r);
	close(fd);
	return NULL;
}

static int spawn(struct fake_events *e, const char *path, enum fake_event_mode mode,
		 unsigned delay_ms)
{
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->mode = mode;
	e->delay_ms = delay_ms;
	return pthread_create(&e->thread, NULL, events_main, e) == 0 ? 0 : -EAGAIN;
}

int fake_events_start_named(struct fake_events *e, const char *path, enum fake_event_mode mode,
			    unsigned delay_ms, const char *vm_name, const char *software)
{
	memset(e, 0, sizeof(*e));
	e->vm_name = vm_name;
	e->software = software;
	return spawn(e, path, mode, delay_ms);
}

int fake_events_start(struct fake_events *e, const char *path, enum fake_event_mode mode,
		      unsigned delay_ms)
{
	return fake_events_start_named(e, path, mode, delay_ms, NULL, NULL);
}

int fake_events_start_gated(struct fake_events *e, const char *path, atomic_int *gate, int gate_min)
{
	memset(e, 0, sizeof(*e));
	e->gate = gate;
	e->gate_min = gate_min;
	return spawn(e, path, EVENT_GOOD, 0);
}

void fake_events_stop(struct fake_events *e)
{
	atomic_store(&e->stop, 1);
	pthread_join(e->thread, NULL);
}

/* ---- a crowd of hostile connections ---- */

#define CROWD_MAX 64

struct member {
	int fd;
	uint64_t born;
	int answered;	 /* the host has sent something */
	size_t drip_pos; /* CROWD_DRIP: HELLO bytes sent */
	uint64_t next_drip;
};

struct crowd_bytes {
	uint8_t hello[64];
	size_t hello_len;
	uint8_t event[PROTO_HEADER_SIZE + 8];
	uint8_t reply[PROTO_HEADER_SIZE + 8];
	uint8_t oversized[PROTO_HEADER_SIZE];
};

static void crowd_bytes_init(struct crowd_bytes *b)
{
	struct proto_msg m;
	size_t len;
	hello_request(&m, "crowd");
	proto_encode(&m, b->hello, sizeof(b->hello), &b->hello_len);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_APP_EXIT;
	m.u.app_exit.how = PROTO_EXIT_CODE;
	proto_encode(&m, b->event, sizeof(b->event), &len);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_PING;
	m.flags = PROTO_FLAG_REPLY;
	m.id = 9;
	proto_encode(&m, b->reply, sizeof(b->reply), &len);
	fake_header(b->oversized, PROTO_HELLO, 0, 1, 0xffffffffu);
}

/* What a member sends right after connecting. */
static void crowd_open(struct fake_crowd *c, const struct crowd_bytes *b, struct member *m)
{
	static const char garbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	m->born = clock_now_ms();
	m->next_drip = m->born;
	switch (c->mode) {
	case CROWD_HELLO_ONLY:
	case CROWD_FLOOD:
	case CROWD_REPLY:
		send(m->fd, b->hello, b->hello_len, MSG_NOSIGNAL);
		break;
	case CROWD_GARBAGE:
		send(m->fd, garbage, sizeof(garbage) - 1, MSG_NOSIGNAL);
		break;
	case CROWD_OVERSIZED:
		send(m->fd, b->oversized, sizeof(b->oversized), MSG_NOSIGNAL);
		break;
	default:
		break;
	}
}

/* What a member sends on each turn of the loop. */
static void crowd_turn(struct fake_crowd *c, const struct crowd_bytes *b, struct member *m,
		       uint64_t now)
{
	if (c->mode == CROWD_DRIP && m->drip_pos < b->hello_len && now >= m->next_drip) {
		if (send(m->fd, b->hello + m->drip_pos, 1, MSG_NOSIGNAL) == 1)
			m->drip_pos++;
		m->next_drip += 1000;
	}
	if (c->mode == CROWD_FLOOD && m->answered)
		for (int i = 0; i < 64; i++)
			if (send(m->fd, b->event, sizeof(b->event), MSG_NOSIGNAL | MSG_DONTWAIT) <
			    0)
				break;
	if (c->mode == CROWD_REPLY && m->answered == 1) {
		send(m->fd, b->reply, sizeof(b->reply), MSG_NOSIGNAL);
		m->answered = 2;
	}
}

/* Reads what the host sent; notes when it closed the connection. */
static void crowd_read(struct fake_crowd *c, struct member *m, uint64_t now)
{
	uint8_t junk[512];
	ssize_t n = recv(m->fd, junk, sizeof(junk), MSG_DONTWAIT);
	if (n > 0) {
		if (!m->answered)
			m->answered = 1;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	unsigned life = (unsigned)(now - m->born);
	unsigned max = atomic_load(&c->max_life_ms);
	if (life > max)
		atomic_store(&c->max_life_ms, life);
	atomic_fetch_add(&c->closed, 1);
	close(m->fd);
	m->fd = -1;
}

static void *crowd_main(void *arg)
{
	struct fake_crowd *c = arg;
	struct crowd_bytes b;
	struct member m[CROWD_MAX];
	crowd_bytes_init(&b);
	for (unsigned i = 0; i < c->n; i++)
		m[i] = (struct member){.fd = -1};
	for (unsigned i = 0; i < c->n; i++) {
		while ((m[i].fd = fake_unix_connect(c->path, 1)) < 0) {
			if (atomic_load(&c->stop))
				goto out;
			fake_sleep_ms(5);
		}
		crowd_open(c, &b, &m[i]);
		atomic_fetch_add(&c->connected, 1);
	}
	while (!atomic_load(&c->stop)) {
		struct pollfd p[CROWD_MAX];
		for (unsigned i = 0; i < c->n; i++)
			p[i] = (struct pollfd){.fd = m[i].fd, .events = POLLIN};
		poll(p, c->n, 20);
		uint64_t now = clock_now_ms();
		for (unsigned i = 0; i < c->n; i++) {
			if (m[i].fd < 0)
				continue;
			if (p[i].revents)
				crowd_read(c, &m[i], now);
			if (m[i].fd >= 0)
				crowd_turn(c, &b, &m[i], now);
		}
	}
out:
	for (unsigned i = 0; i < c->n; i++)
		if (m[i].fd >= 0)
			close(m[i].fd);
	return NULL;
}

int fake_crowd_start(struct fake_crowd *c, const char *path, enum crowd_mode mode, unsigned n)
{
	memset(c, 0, sizeof(*c));
	if (n > CROWD_MAX)
		return -EINVAL;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->mode = mode;
	c->n = n;
	return pthread_create(&c->thread, NULL, crowd_main, c) == 0 ? 0 : -EAGAIN;
}

void fake_crowd_stop(struct fake_crowd *c)
{
	atomic_store(&c->stop, 1);
	pthread_join(c->thread, NULL);
}
