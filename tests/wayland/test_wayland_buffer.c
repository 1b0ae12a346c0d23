/* fd accounting: the in and out queues, and the socket layer moving bytes
 * and SCM_RIGHTS fds through real socketpairs. */
#include "buffer.h"
#include "sock.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static int devnull(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_in_queue(void **state)
{
	(void)state;
	static struct wlf_in in;
	wlf_in_init(&in);
	assert_int_equal(wlf_in_pop_fd(&in), -1);
	int first = devnull();
	assert_int_equal(wlf_in_push_fd(&in, first), 0);
	for (int i = 1; i < WLF_IN_FDS; i++)
		assert_int_equal(wlf_in_push_fd(&in, devnull()), 0);
	/* A full queue refuses, and does not leak the fd. */
	int extra = devnull();
	assert_int_equal(wlf_in_push_fd(&in, extra), -EMFILE);
	assert_false(fd_open(extra));
	/* FIFO order, across the ring's wrap. */
	assert_int_equal(wlf_in_pop_fd(&in), first);
	close(first);
	int again = devnull();
	assert_int_equal(wlf_in_push_fd(&in, again), 0);
	wlf_in_clear(&in);
	assert_false(fd_open(again));
	assert_int_equal(in.nfds, 0);
}

static void put_msg(struct wlf_out *out, uint32_t id, int fd)
{
	uint8_t msg[12];
	uint32_t w1 = 12u << 16;
	memcpy(msg, &id, 4);
	memcpy(msg + 4, &w1, 4);
	memset(msg + 8, 0, 4);
	assert_int_equal(wlf_out_put(out, msg, sizeof(msg), &fd, fd >= 0 ? 1 : 0), 0);
}

/* 40 messages with one fd each: a send may carry 28 fds, and the bytes of
 * the 29th message must wait for its fd. */
static void test_out_fd_order(void **state)
{
	(void)state;
	static struct wlf_out out;
	wlf_out_init(&out, 1 << 20);
	for (uint32_t i = 0; i < 40; i++)
		put_msg(&out, i + 1, devnull());
	const uint8_t *data;
	size_t len;
	int fds[WLF_MAX_FDS_SEND];
	unsigned nfds;
	assert_true(wlf_out_next(&out, &data, &len, fds, &nfds));
	assert_int_equal(nfds, WLF_MAX_FDS_SEND);
	assert_int_equal(len, 28 * 12);
	/* A partial send of 5 bytes still delivered all 28 fds. */
	wlf_out_sent(&out, 5, nfds);
	assert_false(fd_open(fds[0]));
	assert_true(wlf_out_next(&out, &data, &len, fds, &nfds));
	assert_int_equal(nfds, 12);
	assert_int_equal(len, 40 * 12 - 5);
	wlf_out_sent(&out, len, nfds);
	assert_false(wlf_out_next(&out, &data, &len, fds, &nfds));
	/* Drained: no memory held. */
	assert_null(out.data);
	wlf_out_clear(&out);
}

static void test_out_limits(void **state)
{
	(void)state;
	static struct wlf_out out;
	wlf_out_init(&out, 24);
	put_msg(&out, 1, -1);
	put_msg(&out, 2, -1);
	assert_false(wlf_out_has_room(&out, 12, 0));
	int fd = devnull();
	uint8_t msg[12] = {0};
	assert_int_equal(wlf_out_put(&out, msg, sizeof(msg), &fd, 1), -ENOBUFS);
	assert_false(fd_open(fd)); /* refused fds are closed, not leaked */
	/* More fds for one message than a send may carry: refused. */
	wlf_out_clear(&out);
	wlf_out_init(&out, 1 << 20);
	int many[WLF_MAX_FDS_SEND + 1];
	for (int i = 0; i <= WLF_MAX_FDS_SEND; i++)
		many[i] = devnull();
	assert_int_equal(wlf_out_put(&out, msg, sizeof(msg), many, WLF_MAX_FDS_SEND + 1), -ENOBUFS);
	assert_false(fd_open(many[0]));
	wlf_out_clear(&out);
}

/* Through a real socketpair: bytes and fds arrive together, in order. */
static void test_sock_roundtrip(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	static struct wlf_out out;
	static struct wlf_in in;
	wlf_out_init(&out, 1 << 20);
	wlf_in_init(&in);
	int p[2];
	assert_int_equal(pipe(p), 0);
	for (uint32_t i = 0; i < 30; i++)
		put_msg(&out, i + 1, i == 29 ? p[0] : devnull());
	assert_int_equal(wlf_sock_flush(sv[0], &out), 0);
	assert_int_equal(out.len, 0);
	size_t got = 0;
	while (got < 30 * 12) {
		ssize_t n = wlf_sock_recv(sv[1], &in);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(in.nfds, 30);
	for (int i = 0; i < 29; i++)
		close(wlf_in_pop_fd(&in));
	/* The last fd is the pipe: it still works after the trip. */
	int r = wlf_in_pop_fd(&in);
	assert_int_equal(write(p[1], "x", 1), 1);
	char c;
	assert_int_equal(read(r, &c, 1), 1);
	close(r);
	close(p[1]);
	close(sv[0]);
	/* End of file once the peer is gone. */
	assert_int_equal(wlf_sock_recv(sv[1], &in), 0);
	close(sv[1]);
}

/* A peer sending fds without the messages that would use them is cut off
 * once the queue is full, and none of the fds leak. */
static void test_sock_fd_flood(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	static struct wlf_in in;
	wlf_in_init(&in);
	int fd = devnull();
	ssize_t r = 0;
	for (int round = 0; round < 20 && r >= 0; round++) {
		int fds[WLF_MAX_FDS_SEND];
		for (int i = 0; i < WLF_MAX_FDS_SEND; i++)
			fds[i] = fd;
		union {
			char buf[CMSG_SPACE(sizeof(fds))];
			struct cmsghdr align;
		} u;
		char byte = 0;
		struct iovec iov = {&byte, 1};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(c), fds, sizeof(fds));
		assert_int_equal(sendmsg(sv[0], &msg, 0), 1);
		r = wlf_sock_recv(sv[1], &in);
	}
	assert_int_equal(r, -EMFILE);
	assert_int_equal(in.nfds, WLF_IN_FDS);
	wlf_in_clear(&in);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static void test_sock_listen(void **state)
{
	(void)state;
	char dir[] = "/var/tmp/wlf-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/sock", dir);
	int l = wlf_sock_listen(path);
	assert_true(l >= 0);
	/* A live socket is not stolen. */
	assert_int_equal(wlf_sock_listen(path), -EADDRINUSE);
	int c = wlf_sock_connect(path);
	assert_true(c >= 0);
	close(c);
	close(l);
	/* A stale one is replaced. */
	l = wlf_sock_listen(path);
	assert_true(l >= 0);
	close(l);
	unlink(path);
	/* Any other file is left alone. */
	int f = open(path, O_CREAT | O_WRONLY, 0600);
	close(f);
	assert_int_equal(wlf_sock_listen(path), -EADDRINUSE);
	unlink(path);
	assert_true(wlf_sock_connect(path) < 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_queue),	  cmocka_unit_test(test_out_fd_order),
	    cmocka_unit_test(test_out_limits),	  cmocka_unit_test(test_sock_roundtrip),
	    cmocka_unit_test(test_sock_fd_flood), cmocka_unit_test(test_sock_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
