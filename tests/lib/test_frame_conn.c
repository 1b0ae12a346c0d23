/* lib/frame_conn.c over real sockets: a set's connection read frame by
 * frame within its budget, backpressure, HELLO and frame deadlines, partial
 * frames, end of file with replies still queued, held connections, framing
 * violations, the sweep. Deadlines are checked by handing the ticks a later
 * time, never by sleeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "frame_conn.h"
#include "io.h"
#include "proto_io.h"
#include "unix_addr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a set with one connection on a socketpair ---- */

struct owner {
	int watch; /* what epoll hands back */
	struct frame_conn fc;
};

struct fix {
	int epfd;
	int peer; /* the other end of the connection */
	struct frame_set set;
	struct owner *o;
	int frames, gone;
	uint16_t last_type;
	bool hold;
	size_t reply_size;  /* bytes queued per frame handled */
	bool close_after;   /* the handler asks to close after its reply */
	bool hold_on_frame; /* the handler starts waiting (hold) */
};

static void on_frame(void *ctx, struct frame_conn *c)
{
	struct fix *f = ctx;
	f->frames++;
	f->last_type = c->rd.header.type;
	if (f->reply_size) {
		int err;
		uint8_t *p = outbuf_reserve(&c->out, f->reply_size, &err);
		assert_non_null(p);
		memset(p, 'r', f->reply_size);
		outbuf_commit(&c->out, f->reply_size);
	}
	if (f->close_after)
		c->close_after = true;
	if (f->hold_on_frame)
		f->hold = true;
}

static struct fix *current; /* for hold_cb: held() takes no context */

static bool hold_cb(const struct frame_conn *c)
{
	(void)c;
	return current->hold;
}

static void on_gone(void *ctx, struct frame_conn *c)
{
	struct fix *f = ctx;
	assert_int_equal(c->fd, -1); /* closed before the owner lets go */
	assert_null(c->rd.payload);
	f->gone++;
	if (f->o == c->owner)
		f->o = NULL;
	free(c->owner);
}

static const struct frame_ops ops = {.frame = on_frame, .held = hold_cb, .gone = on_gone};

static void fix_open(struct fix *f, struct frame_limits lim)
{
	memset(f, 0, sizeof(*f));
	current = f;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(f->epfd >= 0);
	f->set = (struct frame_set){.label = "test connection",
				    .closed_why = "peer closed",
				    .lim = lim,
				    .ops = &ops,
				    .ctx = f,
				    .epfd = f->epfd};
	frame_set_init(&f->set);
	f->o = calloc(1, sizeof(*f->o));
	assert_non_null(f->o);
	assert_int_equal(frame_set_add(&f->set, &f->o->fc, sv[0], f->o, &f->o->watch), 0);
	proto_session_init(&f->o->fc.sess, PROTO_ROLE_ACCEPTOR, 0, "test");
	f->peer = sv[1];
	assert_int_equal(f->set.n, 1);
	assert_int_equal(f->o->fc.serial, 1);
}

static void fix_close(struct fix *f)
{
	frame_set_close_all(&f->set);
	assert_null(f->set.head);
	assert_int_equal(f->set.n, 0);
	if (f->peer >= 0)
		close(f->peer);
	close(f->epfd);
}

static const struct frame_limits default_lim = {
    .out_limit = 1 << 20,
    .out_high = 16384,
    .keep_payload = 4096,
    .frames_per_wake = 32,
    .hello_timeout_ms = 1000,
    .frame_timeout_ms = 500,
};

/* One PING request, encoded. */
static size_t ping(uint8_t *buf, size_t cap, uint32_t id)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_PING;
	m.id = id;
	m.u.ping_nonce = 0x1122334455667788ull;
	size_t len;
	assert_int_equal(proto_encode(&m, buf, cap, &len), 0);
	return len;
}

static void send_pings(int fd, int n)
{
	uint8_t buf[64];
	for (int i = 0; i < n; i++) {
		size_t len = ping(buf, sizeof(buf), (uint32_t)i + 1);
		assert_int_equal(io_write_full(fd, buf, len), 0);
	}
}

/* Reads what the connection sent the peer (non-blocking). */
static size_t drain(int fd)
{
	uint8_t buf[65536];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return total;
		total += (size_t)n;
	}
}

/* epoll reports the connection's watch pointer, with the events asked for. */
static uint32_t ready_events(struct fix *f)
{
	struct epoll_event e;
	int n = epoll_wait(f->epfd, &e, 1, 0);
	if (n <= 0)
		return 0;
	assert_ptr_equal(e.data.ptr, &f->o->watch);
	return e.events;
}

/* A set holding one connection, for one test. */
static struct fix *fix_new(void)
{
	struct fix *f = malloc(sizeof(*f));
	assert_non_null(f);
	fix_open(f, default_lim);
	return f;
}

static void fix_free(struct fix *f)
{
	fix_close(f);
	free(f);
}

/* The connection was closed and, at the sweep, its owner let go. */
static void assert_swept(struct fix *f)
{
	frame_set_sweep(&f->set);
	assert_int_equal(f->gone, 1);
	assert_null(f->o);
	assert_null(f->set.head);
}

/* The connection lives until dl, the time the tick names as its next, and
 * ends there. */
static void assert_ends_at(struct fix *f, uint64_t dl)
{
	uint64_t next = UINT64_MAX;
	frame_set_tick(&f->set, dl - 1, &next);
	assert_false(f->o->fc.dead);
	assert_int_equal(next, dl);
	frame_set_tick(&f->set, dl, &next);
	assert_true(f->o->fc.dead);
	assert_swept(f);
}

static void on_io(struct fix *f, uint32_t events)
{
	frame_set_on_io(&f->set, &f->o->fc, events);
}

/* Replies of size bytes, over small socket buffers: they queue up. */
static void small_buffers(struct fix *f, size_t reply_size)
{
	int small = 4096;
	assert_int_equal(setsockopt(f->o->fc.fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(f->peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	f->reply_size = reply_size;
}

static void test_frames_and_budget(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->set.lim.frames_per_wake = 3;
	send_pings(f->peer, 7);
	assert_true(ready_events(f) & EPOLLIN);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 3); /* the budget, not all 7 */
	assert_int_equal(f->last_type, PROTO_PING);
	on_io(f, EPOLLIN);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 7);
	on_io(f, EPOLLIN); /* nothing more: no harm */
	assert_int_equal(f->frames, 7);
	assert_false(f->o->fc.dead);
	fix_free(f);
}

static void test_replies_sent(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->reply_size = 100;
	send_pings(f->peer, 2);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 2);
	assert_int_equal(f->o->fc.out.len, 0); /* settled: sent at once */
	assert_int_equal(drain(f->peer), 200);
	fix_free(f);
}

/* A peer that does not read stops being read once the replies queued for
 * it pass the mark; draining them resumes reading. */
static void test_backpressure(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->set.lim.out_high = 8192;
	small_buffers(f, 4096);
	send_pings(f->peer, 200);
	int before = -1;
	for (int i = 0; i < 50 && f->frames != before; i++) {
		before = f->frames;
		on_io(f, EPOLLIN);
	}
	assert_true(f->frames < 200);
	assert_true(f->o->fc.out.len >= f->set.lim.out_high);
	assert_false(f->o->fc.dead);
	/* Registered for writing only: epoll does not even report the input. */
	assert_int_equal(f->o->fc.mask, EPOLLOUT);
	assert_int_equal(ready_events(f) & EPOLLIN, 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, before);
	/* The peer reads: every request gets its reply in the end. */
	for (int i = 0; i < 10000 && f->frames < 200; i++) {
		drain(f->peer);
		on_io(f, EPOLLIN | EPOLLOUT);
	}
	assert_int_equal(f->frames, 200);
	fix_free(f);
}

static void test_hello_deadline(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	assert_true(f->o->fc.hello_deadline > clock_now_ms());
	assert_ends_at(f, f->o->fc.hello_deadline);
	fix_free(f);
}

/* Once HELLO is done, the deadline is off. */
static void test_hello_done(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->o->fc.sess.established = 1;
	uint64_t next = UINT64_MAX;
	frame_set_tick(&f->set, f->o->fc.hello_deadline + 1, &next);
	assert_false(f->o->fc.dead);
	assert_int_equal(next, UINT64_MAX);
	fix_free(f);
}

/* Half a frame starts the frame deadline; its end clears it. */
static void test_partial_frame(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->o->fc.sess.established = 1;
	uint8_t buf[64];
	size_t len = ping(buf, sizeof(buf), 1);
	assert_int_equal(io_write_full(f->peer, buf, 5), 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 0);
	assert_true(f->o->fc.frame_deadline > 0);
	uint64_t dl = f->o->fc.frame_deadline;
	assert_int_equal(io_write_full(f->peer, buf + 5, PROTO_HEADER_SIZE - 5), 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->o->fc.frame_deadline, dl); /* still the same frame */
	assert_int_equal(io_write_full(f->peer, buf + PROTO_HEADER_SIZE, len - PROTO_HEADER_SIZE),
			 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 1);
	assert_int_equal(f->o->fc.frame_deadline, 0);

	/* A frame left unfinished ends the connection at its deadline. */
	assert_int_equal(io_write_full(f->peer, buf, 3), 0);
	on_io(f, EPOLLIN);
	assert_true(f->o->fc.frame_deadline > 0);
	assert_ends_at(f, f->o->fc.frame_deadline);
	fix_free(f);
}

/* Without a frame timeout a half frame may wait. */
static void test_no_frame_timeout(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->set.lim.frame_timeout_ms = 0;
	assert_int_equal(io_write_full(f->peer, "VA", 2), 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->o->fc.frame_deadline, 0);
	assert_false(f->o->fc.dead);
	fix_free(f);
}

/* The peer sends requests and closes its side: every reply still goes out
 * before the connection closes. */
static void test_eof_with_replies_queued(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	small_buffers(f, 3000);
	send_pings(f->peer, 4);
	assert_int_equal(shutdown(f->peer, SHUT_WR), 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 4);
	assert_true(f->o->fc.eof);
	assert_true(f->o->fc.out.len > 0);
	assert_false(f->o->fc.dead);
	size_t got = 0;
	for (int i = 0; i < 1000 && !f->o->fc.dead; i++) {
		got += drain(f->peer);
		on_io(f, EPOLLOUT);
	}
	got += drain(f->peer);
	assert_true(f->o->fc.dead);
	assert_int_equal(got, 4 * 3000);
	assert_swept(f);
	fix_free(f);
}

/* close_after: the reply goes out, then the connection closes; what the
 * peer sent after the request is not read. */
static void test_close_after(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->reply_size = 10;
	f->close_after = true;
	send_pings(f->peer, 3);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 1);
	assert_true(f->o->fc.dead);
	assert_int_equal(drain(f->peer), 10);
	fix_free(f);
}

/* What the owner waited for is in: it settles the connection, as the agent
 * does once init answers. */
static void let_go(struct fix *f)
{
	f->hold_on_frame = false;
	f->hold = false;
	frame_set_settle(&f->set, &f->o->fc);
}

/* A held connection is not read until let go. */
static void test_held(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->hold = true;
	send_pings(f->peer, 2);
	frame_set_settle(&f->set, &f->o->fc);
	assert_int_equal(f->o->fc.mask, 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 0);
	let_go(f);
	assert_int_equal(f->o->fc.mask, EPOLLIN);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 2);
	fix_free(f);
}

/* A request whose answer waits (as STATUS waits for init): the end of file
 * behind it is read only once the answer is in. */
static void test_held_eof(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	f->hold_on_frame = true;
	send_pings(f->peer, 2);
	assert_int_equal(shutdown(f->peer, SHUT_WR), 0);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 1);
	assert_false(f->o->fc.eof);
	assert_false(f->o->fc.dead);
	let_go(f);
	on_io(f, EPOLLIN);
	assert_int_equal(f->frames, 2);
	assert_true(f->o->fc.eof);
	assert_true(f->o->fc.dead); /* nothing queued: closed at once */
	assert_swept(f);
	fix_free(f);
}

static void test_framing_violation(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	assert_int_equal(io_write_full(f->peer, "GET / HTTP/1.0\r\n\r\n", 18), 0);
	on_io(f, EPOLLIN);
	assert_true(f->o->fc.dead);
	assert_int_equal(f->frames, 0);
	assert_swept(f);
	fix_free(f);
}

static void test_socket_error(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	on_io(f, EPOLLERR);
	assert_true(f->o->fc.dead);
	on_io(f, EPOLLIN); /* dead: ignored */
	assert_int_equal(f->frames, 0);
	fix_free(f);
}

static void test_hangup(void **state)
{
	(void)state;
	struct fix *f = fix_new();
	close(f->peer);
	f->peer = -1;
	on_io(f, EPOLLIN | EPOLLHUP);
	assert_true(f->o->fc.eof);
	assert_true(f->o->fc.dead);
	fix_free(f);
}

/* Several connections: the sweep frees only the dead, keeping the list. */
/* A new connection in s, its owner in *o (freed by the set's gone
 * callback); returns the peer's end. */
static int add_conn(struct frame_set *s, struct owner **o)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	*o = calloc(1, sizeof(**o));
	assert_non_null(*o);
	assert_int_equal(frame_set_add(s, &(*o)->fc, sv[0], *o, &(*o)->watch), 0);
	return sv[1];
}

static void test_sweep_many(void **state)
{
	(void)state;
	struct fix f;
	memset(&f, 0, sizeof(f));
	current = &f;
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	struct frame_set s = {
	    .label = "c", .lim = default_lim, .ops = &ops, .ctx = &f, .epfd = epfd};
	frame_set_init(&s);
	struct owner *o[4];
	int peers[4];
	for (int i = 0; i < 4; i++)
		peers[i] = add_conn(&s, &o[i]);
	assert_int_equal(s.n, 4);
	assert_int_equal(o[3]->fc.serial, 4);
	frame_conn_kill(&o[1]->fc, "test");
	frame_conn_kill(&o[3]->fc, NULL);
	frame_set_sweep(&s);
	assert_int_equal(f.gone, 2);
	assert_int_equal(s.n, 2);
	assert_ptr_equal(s.head, &o[2]->fc);
	assert_ptr_equal(s.head->next, &o[0]->fc);
	assert_null(o[0]->fc.next);
	/* The survivors still work. */
	send_pings(peers[0], 1);
	frame_set_on_io(&s, &o[0]->fc, EPOLLIN);
	assert_int_equal(f.frames, 1);
	/* Serials wrap, never to 0 (to the portal's grants it means "any
	 * connection") nor to one still in use (the survivors' 1 and 3). */
	struct owner *w[3];
	int wpeers[3];
	s.next_serial = UINT_MAX - 1;
	for (int i = 0; i < 3; i++)
		wpeers[i] = add_conn(&s, &w[i]);
	assert_int_equal(w[0]->fc.serial, UINT_MAX);
	assert_int_equal(w[1]->fc.serial, 2);
	assert_int_equal(w[2]->fc.serial, 4);
	frame_set_close_all(&s);
	assert_int_equal(f.gone, 7);
	assert_null(s.head);
	assert_int_equal(s.n, 0);
	for (int i = 0; i < 4; i++)
		close(peers[i]);
	for (int i = 0; i < 3; i++)
		close(wpeers[i]);
	close(epfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frames_and_budget),
	    cmocka_unit_test(test_replies_sent),
	    cmocka_unit_test(test_backpressure),
	    cmocka_unit_test(test_hello_deadline),
	    cmocka_unit_test(test_hello_done),
	    cmocka_unit_test(test_partial_frame),
	    cmocka_unit_test(test_no_frame_timeout),
	    cmocka_unit_test(test_eof_with_replies_queued),
	    cmocka_unit_test(test_close_after),
	    cmocka_unit_test(test_held),
	    cmocka_unit_test(test_held_eof),
	    cmocka_unit_test(test_framing_violation),
	    cmocka_unit_test(test_socket_error),
	    cmocka_unit_test(test_hangup),
	    cmocka_unit_test(test_sweep_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
