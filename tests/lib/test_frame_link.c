/* lib/frame_link.c against a real Unix socket playing the host: connect,
 * HELLO as the opener, frames once up, the host closing, a fixed output
 * buffer, an unreachable target with backoff, kicks cutting a long backoff
 * short (and their bound), a host that never answers, a refused version,
 * and epoll registration. Deadlines are checked by handing the ticks a later
 * time, never by sleeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cleanup.h"
#include "clock.h"
#include "frame_link.h"
#include "io.h"
#include "proto_io.h"
#include "unix_addr.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct fix {
	char dir[64];
	char path[128];
	int lfd;  /* the "host" listener */
	int host; /* its accepted connection */
	struct frame_link_conf conf;
	struct frame_link l;
	int ups, downs, frames;
	bool last_was_up;
	uint16_t last_type;
};

static void up(void *ctx)
{
	((struct fix *)ctx)->ups++;
}

static void on_frame(void *ctx, struct frame_conn *c)
{
	struct fix *f = ctx;
	f->frames++;
	f->last_type = c->rd.header.type;
}

static void down(void *ctx, bool was_up)
{
	struct fix *f = ctx;
	f->downs++;
	f->last_was_up = was_up;
}

static const struct frame_link_ops ops = {.up = up, .frame = on_frame, .down = down};

static void fix_open(struct fix *f, int epfd)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/var/tmp/appvm-link.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/host", f->dir);
	f->lfd = unix_sock_listen(f->path, 4);
	assert_true(f->lfd >= 0);
	f->host = -1;
	f->conf = (struct frame_link_conf){
	    .label = "test",
	    .caps = PROTO_CAP_CONTROL,
	    .software = "test-link",
	    .lim = {.out_limit = 4096, .frames_per_wake = 8},
	    .timeout_ms = 1000,
	    .backoff_first_ms = 100,
	    .backoff_max_ms = 400,
	    .ops = &ops,
	};
	frame_link_init(&f->l, &f->conf, f, f->path, 0);
	assert_int_equal(f->l.state, FRAME_LINK_OFF);
	f->l.epfd = epfd;
	f->l.watch = f;
	frame_link_start(&f->l);
	assert_int_equal(f->l.state, FRAME_LINK_WAIT);
}

static void fix_close(struct fix *f)
{
	frame_link_close(&f->l);
	cleanup_closep(&f->host);
	cleanup_closep(&f->lfd);
	unlink(f->path);
	rmdir(f->dir);
}

/* Reads one whole frame on the host side (blocking, bounded by poll). */
static void host_read(struct fix *f, struct proto_reader *r)
{
	proto_reader_init(r);
	for (;;) {
		struct pollfd p = {.fd = f->host, .events = POLLIN};
		assert_int_equal(poll(&p, 1, 5000), 1);
		int ret = proto_read_frame(f->host, r);
		if (ret == 1)
			return;
		assert_int_equal(ret, 0);
	}
}

static void host_send(struct fix *f, const struct proto_msg *m)
{
	uint8_t buf[512];
	size_t len;
	assert_int_equal(proto_encode(m, buf, sizeof(buf), &len), 0);
	assert_int_equal(io_write_full(f->host, buf, len), 0);
}

/* The tick connects (a Unix connect is done at once) and sends HELLO; the
 * host accepts and reads it. Returns its id. */
static uint32_t connect_and_hello(struct fix *f)
{
	uint64_t next = UINT64_MAX;
	frame_link_tick(&f->l, f->l.retry_at, &next);
	assert_int_equal(f->l.state, FRAME_LINK_HELLO);
	assert_int_equal(next, f->l.deadline);
	f->host = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(f->host >= 0);
	struct proto_reader r;
	host_read(f, &r);
	struct proto_msg m;
	const char *why;
	assert_int_equal(proto_decode(&r.header, r.payload, &m, &why), 0);
	assert_int_equal(m.type, PROTO_HELLO);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.u.hello.caps, PROTO_CAP_CONTROL);
	assert_int_equal(m.u.hello.software.len, strlen("test-link"));
	uint32_t id = m.id;
	proto_reader_free(&r);
	return id;
}

static void answer_hello(struct fix *f, uint32_t id)
{
	struct proto_session s;
	struct proto_msg hello, reply;
	proto_session_init(&s, PROTO_ROLE_ACCEPTOR, PROTO_CAP_DOCUMENTS, "test-host");
	memset(&hello, 0, sizeof(hello));
	hello.type = PROTO_HELLO;
	hello.id = id;
	hello.u.hello.min_version = PROTO_VERSION_MIN;
	hello.u.hello.max_version = PROTO_VERSION_MAX;
	assert_int_equal(proto_session_answer(&s, &hello, &reply), 0);
	host_send(f, &reply);
}

static void test_up_frames_and_host_close(void **state)
{
	(void)state;
	struct fix f;
	fix_open(&f, -1);
	uint32_t id = connect_and_hello(&f);
	assert_int_equal(id, 1);
	short ev;
	assert_int_equal(frame_link_poll(&f.l, &ev), f.l.c.fd);
	assert_int_equal(ev, POLLIN); /* HELLO sent already */
	answer_hello(&f, id);
	frame_link_on_io(&f.l, POLLIN);
	assert_int_equal(f.l.state, FRAME_LINK_UP);
	assert_int_equal(f.ups, 1);
	assert_int_equal(f.l.c.sess.peer_caps, PROTO_CAP_DOCUMENTS);
	uint64_t next = UINT64_MAX;
	frame_link_tick(&f.l, clock_now_ms() + 100000, &next);
	assert_int_equal(f.l.state, FRAME_LINK_UP); /* no deadline once up */
	assert_int_equal(next, UINT64_MAX);

	/* Frames after HELLO go to the owner. */
	struct proto_msg ping;
	memset(&ping, 0, sizeof(ping));
	ping.type = PROTO_PING;
	ping.id = 7;
	host_send(&f, &ping);
	host_send(&f, &ping);
	frame_link_on_io(&f.l, POLLIN);
	assert_int_equal(f.frames, 2);
	assert_int_equal(f.last_type, PROTO_PING);

	/* What the owner queues goes out. */
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_PING;
	m.id = frame_link_take_id(&f.l);
	assert_int_equal(m.id, 2);
	assert_int_equal(outbuf_put_msg(&f.l.c.out, &m), 0);
	frame_link_flush(&f.l);
	assert_int_equal(f.l.c.out.len, 0);
	struct proto_reader r;
	host_read(&f, &r);
	assert_int_equal(r.header.type, PROTO_PING);
	assert_int_equal(r.header.id, 2);
	proto_reader_free(&r);

	/* The host closes: retried after the first delay. */
	close(f.host);
	f.host = -1;
	uint64_t before = clock_now_ms();
	frame_link_on_io(&f.l, POLLIN | POLLHUP);
	assert_int_equal(f.l.state, FRAME_LINK_WAIT);
	assert_int_equal(f.downs, 1);
	assert_true(f.last_was_up);
	assert_int_equal(f.l.c.fd, -1);
	assert_int_equal(f.l.backoff_ms, 100);
	assert_true(f.l.retry_at >= before + 100);
	assert_int_equal(frame_link_poll(&f.l, &ev), -1);

	/* And it comes back. */
	next = UINT64_MAX;
	frame_link_tick(&f.l, f.l.retry_at - 1, &next);
	assert_int_equal(f.l.state, FRAME_LINK_WAIT);
	assert_int_equal(next, f.l.retry_at);
	id = connect_and_hello(&f);
	assert_int_equal(id, 3); /* ids go on across connections */
	answer_hello(&f, id);
	frame_link_on_io(&f.l, POLLIN);
	assert_int_equal(f.ups, 2);
	assert_int_equal(f.l.backoff_ms, 0);
	fix_close(&f);
}

/* A link given a buffer for its output queue (frame_link.out_buf) queues
 * HELLO and later frames in it, keeps it when drained and after the host
 * closes, and uses it again on the next connection: nothing is allocated
 * for output (and nothing frees it: the sanitizer build would fail). */
static void test_fixed_out_buf(void **state)
{
	(void)state;
	static uint8_t buf[4096];
	struct fix f;
	fix_open(&f, -1);
	/* A buffer smaller than what the queue may hold is refused. */
	assert_int_equal(frame_link_set_out_buf(&f.l, buf, f.l.conf->lim.out_limit - 1), -EINVAL);
	assert_null(f.l.out_buf);
	assert_int_equal(frame_link_set_out_buf(&f.l, NULL, sizeof(buf)), -EINVAL);
	assert_true(f.l.conf->lim.out_limit <= sizeof(buf));
	assert_int_equal(frame_link_set_out_buf(&f.l, buf, f.l.conf->lim.out_limit), 0);
	assert_ptr_equal(f.l.out_buf, buf);
	for (int round = 0; round < 2; round++) {
		uint32_t id = connect_and_hello(&f);
		assert_ptr_equal(f.l.c.out.data, buf);
		assert_int_equal(f.l.c.out.len, 0);
		answer_hello(&f, id);
		frame_link_on_io(&f.l, POLLIN);
		assert_int_equal(f.l.state, FRAME_LINK_UP);
		struct proto_msg m;
		memset(&m, 0, sizeof(m));
		m.type = PROTO_PING;
		m.id = frame_link_take_id(&f.l);
		assert_int_equal(outbuf_put_msg(&f.l.c.out, &m), 0);
		assert_ptr_equal(f.l.c.out.data, buf);
		frame_link_flush(&f.l);
		assert_int_equal(f.l.c.out.len, 0);
		assert_ptr_equal(f.l.c.out.data, buf);
		struct proto_reader r;
		host_read(&f, &r);
		assert_int_equal(r.header.type, PROTO_PING);
		assert_int_equal(r.header.id, m.id);
		proto_reader_free(&r);
		close(f.host);
		f.host = -1;
		frame_link_on_io(&f.l, POLLIN | POLLHUP);
		assert_int_equal(f.l.state, FRAME_LINK_WAIT);
		assert_int_equal(f.downs, round + 1);
	}
	fix_close(&f);
}

static void test_unreachable_backoff(void **state)
{
	(void)state;
	struct fix f;
	fix_open(&f, -1);
	close(f.lfd);
	f.lfd = -1;
	unlink(f.path); /* nobody there */
	static const unsigned delays[] = {100, 200, 400, 400};
	for (unsigned i = 0; i < 4; i++) {
		uint64_t next = UINT64_MAX;
		frame_link_tick(&f.l, f.l.retry_at, &next);
		assert_int_equal(f.l.state, FRAME_LINK_WAIT);
		assert_int_equal(f.l.backoff_ms, delays[i]);
		assert_int_equal(f.l.failures, i + 1);
		assert_int_equal(next, f.l.retry_at);
		assert_false(f.last_was_up);
	}
	assert_int_equal(f.downs, 4);
	assert_int_equal(f.ups, 0);
	fix_close(&f);
}

/* Fails attempts against a missing host until the backoff reaches ms. */
static void fail_until_backoff(struct fix *f, unsigned ms)
{
	while (f->l.backoff_ms < ms) {
		uint64_t next = UINT64_MAX;
		frame_link_tick(&f->l, f->l.retry_at, &next);
		assert_int_equal(f->l.state, FRAME_LINK_WAIT);
	}
}

/* A link with max_ms as its ceiling whose host is missing, its backoff
 * grown to the ceiling. */
static void open_missing_host(struct fix *f, unsigned max_ms)
{
	fix_open(f, -1);
	f->conf.backoff_max_ms = max_ms;
	close(f->lfd);
	f->lfd = -1;
	unlink(f->path);
	fail_until_backoff(f, max_ms);
}

/* A host that appears while the link waits out a long backoff: a kick
 * makes the link try at once (not before backoff_first_ms after its last
 * attempt), not at the scheduled retry; a kicked attempt that fails starts
 * the backoff over. */
static void test_kick_long_backoff(void **state)
{
	(void)state;
	struct fix f;
	open_missing_host(&f, 60000);
	assert_true(f.l.retry_at >= clock_now_ms() + 30000);
	/* Still nobody there: the kicked attempt fails, and the backoff
	 * starts over. */
	frame_link_kick(&f.l);
	assert_true(f.l.retry_at <= clock_now_ms() + f.conf.backoff_first_ms);
	uint64_t next = UINT64_MAX;
	unsigned failures = f.l.failures;
	frame_link_tick(&f.l, f.l.retry_at, &next);
	assert_int_equal(f.l.failures, failures + 1);
	assert_int_equal(f.l.backoff_ms, f.conf.backoff_first_ms);
	fail_until_backoff(&f, 60000);
	assert_true(f.l.retry_at >= clock_now_ms() + 30000);
	f.lfd = unix_sock_listen(f.path, 4); /* the host is back */
	assert_true(f.lfd >= 0);
	frame_link_kick(&f.l);
	uint64_t soonest = f.l.tried_at + f.conf.backoff_first_ms, now = clock_now_ms();
	assert_true(f.l.retry_at >= soonest);
	assert_true(f.l.retry_at <= (soonest > now ? soonest : now));
	next = UINT64_MAX;
	frame_link_tick(&f.l, f.l.retry_at - 1, &next);
	assert_int_equal(f.l.state, FRAME_LINK_WAIT);
	assert_int_equal(next, f.l.retry_at); /* the owner wakes for it */
	uint32_t id = connect_and_hello(&f);
	answer_hello(&f, id);
	frame_link_on_io(&f.l, POLLIN);
	assert_int_equal(f.l.state, FRAME_LINK_UP);
	/* Up, off: a kick changes nothing. */
	frame_link_kick(&f.l);
	assert_int_equal(f.l.state, FRAME_LINK_UP);
	frame_link_close(&f.l);
	frame_link_kick(&f.l);
	assert_int_equal(f.l.state, FRAME_LINK_OFF);
	fix_close(&f);
}

/* A kick during an attempt is kept: that attempt failing, the next one
 * comes backoff_first_ms later, not after the long backoff reached
 * before; the same failure without a kick keeps the long backoff. */
static void test_kick_during_attempt(void **state)
{
	(void)state;
	struct fix f;
	open_missing_host(&f, 60000);
	f.lfd = unix_sock_listen(f.path, 4); /* a host that drops HELLO */
	assert_true(f.lfd >= 0);
	for (int kick = 0; kick <= 1; kick++) {
		f.l.retry_at = clock_now_ms(); /* the long wait, passed */
		(void)connect_and_hello(&f);
		if (kick)
			frame_link_kick(&f.l);
		assert_int_equal(f.l.state, FRAME_LINK_HELLO);
		close(f.host);
		f.host = -1;
		frame_link_on_io(&f.l, POLLIN);
		assert_int_equal(f.l.state, FRAME_LINK_WAIT);
		assert_int_equal(f.l.backoff_ms, kick ? f.conf.backoff_first_ms : 60000);
		assert_true(f.l.retry_at <= clock_now_ms() + f.l.backoff_ms);
	}
	assert_false(f.l.kicked);
	fix_close(&f);
}

/* An owner kicking in a loop gets at most one attempt per
 * backoff_first_ms, counted on the clock the link reads. */
static void test_kick_bound(void **state)
{
	(void)state;
	struct fix f;
	open_missing_host(&f, 60000);
	unsigned before = f.l.failures;
	uint64_t start = clock_now_ms();
	for (unsigned i = 0; i < 20000 || clock_now_ms() < start + 250; i++) {
		uint64_t next = UINT64_MAX;
		frame_link_kick(&f.l);
		frame_link_tick(&f.l, clock_now_ms(), &next);
		assert_int_equal(f.l.state, FRAME_LINK_WAIT);
		assert_true(next <= f.l.tried_at + 60000);
	}
	uint64_t elapsed = clock_now_ms() - start;
	unsigned attempts = f.l.failures - before;
	assert_true(attempts >= 1);
	assert_true(attempts <= 1 + elapsed / f.conf.backoff_first_ms);
	fix_close(&f);
}

/* A host that never answers HELLO: the attempt ends at the deadline, which
 * covers connecting and HELLO together, or with hello_timeout_ms gives
 * HELLO its own time from the connect on. */
static void test_no_answer(void **state)
{
	(void)state;
	static const uint32_t hello_timeouts[] = {0, 60000};
	for (unsigned i = 0; i < 2; i++) {
		struct fix f;
		fix_open(&f, -1);
		f.conf.hello_timeout_ms = hello_timeouts[i];
		uint64_t before = clock_now_ms();
		connect_and_hello(&f);
		uint32_t allowed = i ? hello_timeouts[i] : f.conf.timeout_ms;
		assert_true(f.l.deadline >= before + allowed);
		assert_true(f.l.deadline <= clock_now_ms() + allowed);
		uint64_t next = UINT64_MAX;
		frame_link_tick(&f.l, f.l.deadline - 1, &next);
		assert_int_equal(f.l.state, FRAME_LINK_HELLO);
		frame_link_tick(&f.l, f.l.deadline, &next);
		assert_int_equal(f.l.state, FRAME_LINK_WAIT);
		assert_int_equal(f.downs, 1);
		/* The host sees the attempt end. */
		char c;
		assert_int_equal(read(f.host, &c, 1), 0);
		fix_close(&f);
	}
}

/* Refused versions, a wrong id or anything but the HELLO reply end the
 * attempt. */
static void test_bad_answers(void **state)
{
	(void)state;
	for (int k = 0; k < 3; k++) {
		struct fix f;
		fix_open(&f, -1);
		uint32_t id = connect_and_hello(&f);
		struct proto_msg m;
		if (k == 0) {
			proto_make_error(&m, id, PROTO_ERR_VERSION_MISMATCH, "no");
		} else if (k == 1) {
			answer_hello(&f, id + 5);
			m.type = 0;
		} else {
			memset(&m, 0, sizeof(m));
			m.type = PROTO_PING;
			m.id = id;
		}
		if (m.type)
			host_send(&f, &m);
		frame_link_on_io(&f.l, POLLIN);
		assert_int_equal(f.l.state, FRAME_LINK_WAIT);
		assert_int_equal(f.ups, 0);
		assert_int_equal(f.frames, 0);
		assert_int_equal(f.downs, 1);
		fix_close(&f);
	}
}

/* With an epoll fd the link registers its socket, and what it waits for. */
static void test_epoll(void **state)
{
	(void)state;
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(epfd >= 0);
	struct fix f;
	fix_open(&f, epfd);
	uint32_t id = connect_and_hello(&f);
	assert_int_equal(f.l.c.mask, EPOLLIN);
	answer_hello(&f, id);
	struct epoll_event e;
	assert_int_equal(epoll_wait(epfd, &e, 1, 5000), 1);
	assert_ptr_equal(e.data.ptr, &f);
	assert_true(e.events & EPOLLIN);
	frame_link_on_io(&f.l, e.events);
	assert_int_equal(f.l.state, FRAME_LINK_UP);
	close(f.host);
	f.host = -1;
	assert_int_equal(epoll_wait(epfd, &e, 1, 5000), 1);
	frame_link_on_io(&f.l, e.events);
	assert_int_equal(f.l.state, FRAME_LINK_WAIT);
	/* Unregistered with its socket: nothing more is reported. */
	assert_int_equal(epoll_wait(epfd, &e, 1, 0), 0);
	fix_close(&f);
	close(epfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_up_frames_and_host_close),
	    cmocka_unit_test(test_fixed_out_buf),
	    cmocka_unit_test(test_unreachable_backoff),
	    cmocka_unit_test(test_kick_long_backoff),
	    cmocka_unit_test(test_kick_bound),
	    cmocka_unit_test(test_kick_during_attempt),
	    cmocka_unit_test(test_no_answer),
	    cmocka_unit_test(test_bad_answers),
	    cmocka_unit_test(test_epoll),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
