/* UTF-8 validation, log line formatting, the I/O helpers and the command
 * line's messages. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "clock.h"
#include "io.h"
#include "suggest.h"
#include "unix_addr.h"
#include "log.h"
#include "utf8.h"

static void test_utf8_table(void **state)
{
	(void)state;
	static const struct {
		const char *bytes;
		size_t len;
		int valid;
	} cases[] = {
	    {"", 0, 1},
	    {"plain ascii", 11, 1},
	    {"\xc3\xa9", 2, 1},		/* é */
	    {"\xe2\x82\xac", 3, 1},	/* € */
	    {"\xf0\x9f\x98\x80", 4, 1}, /* emoji */
	    {"\xf4\x8f\xbf\xbf", 4, 1}, /* U+10FFFF */
	    {"\xc3", 1, 0},		/* truncated */
	    {"\xe2\x82", 2, 0},		/* truncated */
	    {"\x80", 1, 0},		/* lone continuation */
	    {"\xc0\xaf", 2, 0},		/* overlong '/' */
	    {"\xe0\x80\xaf", 3, 0},	/* overlong '/' */
	    {"\xed\xa0\x80", 3, 0},	/* surrogate */
	    {"\xf4\x90\x80\x80", 4, 0}, /* above U+10FFFF */
	    {"\xff", 1, 0},
	    {"\xc3\x28", 2, 0}, /* bad continuation */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (utf8_valid((const uint8_t *)cases[i].bytes, cases[i].len) != cases[i].valid)
			fail_msg("case %zu: expected %d", i, cases[i].valid);
}

__attribute__((format(printf, 3, 4))) static size_t fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = log_format_line(buf, size, "appvm-test", f, ap);
	va_end(ap);
	return n;
}

static void test_log_line_is_one_line(void **state)
{
	(void)state;
	char buf[64];
	size_t n = fmt(buf, sizeof(buf), "value %d\n", 5);
	assert_string_equal(buf, "appvm-test: value 5\n");
	assert_int_equal(n, strlen(buf));
	/* Hostile text cannot start a new log line. */
	fmt(buf, sizeof(buf), "name %s", "evil\nappvm-init: forged\r");
	assert_string_equal(buf, "appvm-test: name evil?appvm-init: forged?\n");
	/* Truncation keeps the newline and the terminator. */
	n = fmt(buf, 20, "%s", "a very long message that does not fit");
	assert_int_equal(n, 19);
	assert_int_equal(buf[18], '\n');
	assert_int_equal(buf[19], '\0');
}

static void test_io_full_and_eof(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(io_write_full(p[1], "abcdef", 6), 0);
	char buf[8];
	assert_int_equal(io_read_full(p[0], buf, 4), 0);
	assert_memory_equal(buf, "abcd", 4);
	close(p[1]);
	/* Two bytes left, four asked: end of file before the count. */
	assert_int_equal(io_read_full(p[0], buf, 4), -EPIPE);
	close(p[0]);
}

static void test_io_nonblocking(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(io_set_nonblock(p[0], 1), 0);
	char buf[4];
	assert_int_equal(io_read_some(p[0], buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(io_wait(p[0], 1 /* POLLIN */, 10), -ETIMEDOUT);
	assert_int_equal(io_write_some(p[1], "xy", 2), 2);
	assert_int_equal(io_wait(p[0], 1, 1000), 0);
	assert_int_equal(io_read_some(p[0], buf, sizeof(buf)), 2);
	close(p[1]);
	assert_int_equal(io_read_some(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	assert_int_equal(io_set_nonblock(p[0], 1), -EBADF);
}

static void test_io_read_file(void **state)
{
	(void)state;
	char path[] = "/tmp/appvm-test-io-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(io_write_full(fd, "12345", 5), 0);
	close(fd);
	char buf[8];
	assert_int_equal(io_read_file(path, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "12345");
	assert_int_equal(io_read_file(path, buf, 5), -EFBIG);
	assert_int_equal(io_read_file(path, buf, 6), 5);
	assert_int_equal(io_write_file(path, "zz"), 0);
	assert_int_equal(io_read_file(path, buf, sizeof(buf)), 5); /* no truncation */
	assert_memory_equal(buf, "zz345", 5);
	unlink(path);
	assert_int_equal(io_read_file(path, buf, sizeof(buf)), -ENOENT);
}

static void test_utf8_decode(void **state)
{
	(void)state;
	uint32_t cp = 0;
	assert_int_equal(utf8_decode((const uint8_t *)"A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode((const uint8_t *)"\xd8\x9c", 2, &cp), 2);
	assert_int_equal(cp, 0x061c);
	assert_int_equal(utf8_decode((const uint8_t *)"\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	cp = 7;
	/* Truncated, overlong, surrogate: nothing decoded, *ret_cp untouched. */
	assert_int_equal(utf8_decode((const uint8_t *)"\xf0\x9f\x98", 3, &cp), 0);
	assert_int_equal(utf8_decode((const uint8_t *)"\xc0\xaf", 2, &cp), 0);
	assert_int_equal(utf8_decode((const uint8_t *)"\xed\xa0\x80", 3, &cp), 0);
	assert_int_equal(cp, 7);
}

static void test_unix_addr(void **state)
{
	(void)state;
	struct sockaddr_un sa;
	assert_int_equal(unix_addr_set(&sa, "/run/x.sock"), 0);
	assert_int_equal(sa.sun_family, AF_UNIX);
	assert_string_equal(sa.sun_path, "/run/x.sock");
	char longest[sizeof(sa.sun_path)];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	assert_int_equal(unix_addr_set(&sa, longest), 0); /* 107 bytes + NUL fit */
	char too_long[sizeof(sa.sun_path) + 1];
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(unix_addr_set(&sa, too_long), -ENAMETOOLONG);
	assert_int_equal(unix_addr_set(&sa, ""), -ENAMETOOLONG);
}

static void test_suggest(void **state)
{
	(void)state;
	static const char *const keys[] = {"address", "gateway", "mtu"};
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
	assert_int_equal(suggest_distance("MTU", "mtu"), 0);
	char huge[SUGGEST_WORD_MAX + 2];
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(suggest_distance(huge, "a"), SUGGEST_FAR);
	assert_string_equal(suggest_nearest("adress", keys, 3), "address");
	assert_null(suggest_nearest("q", keys, 3));
	assert_null(suggest_nearest("anything", keys, 0));
}

/* A peer that never reads: the write gives up at the deadline instead of
 * blocking, and a closed peer is -EPIPE, not SIGPIPE. */
static void test_io_write_deadline(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	static char big[1 << 20];
	uint64_t start = clock_now_ms();
	assert_int_equal(io_write_full_until(sv[0], big, sizeof(big), start + 100), -ETIMEDOUT);
	uint64_t took = clock_now_ms() - start;
	assert_true(took >= 100 && took < 5000);
	close(sv[1]);
	assert_int_equal(io_write_full(sv[0], "x", 1), -EPIPE);
	close(sv[0]);
	assert_int_equal(clock_remaining_ms(0), 0);
	assert_true(clock_remaining_ms(clock_now_ms() + 60000) > 59000);
}

/* A stale socket file is replaced, any other file is left alone, and the
 * socket is 0600 from the moment it exists. */
static void test_unix_sock_listen(void **state)
{
	(void)state;
	char dir[] = "/var/tmp/appvm-test-lib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/s", dir);
	int fd = unix_sock_listen(path, 4);
	assert_true(fd >= 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	close(fd);
	fd = unix_sock_listen(path, 4); /* the file left behind is replaced */
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	int f = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(f >= 0);
	close(f);
	assert_int_equal(unix_sock_listen(path, 4), -EADDRINUSE);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	unlink(path);
	rmdir(dir);
}

/* Out of descriptors, a connection waiting is taken with the reserve and
 * closed: the peer sees it closed and the listener is no longer readable
 * (a poll loop would otherwise spin on it). With descriptors again,
 * connections are accepted as before. */
static void test_unix_sock_accept_out_of_fds(void **state)
{
	(void)state;
	char dir[] = "/var/tmp/appvm-test-lib-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/s", dir);
	int lfd = unix_sock_listen(path, 4);
	assert_true(lfd >= 0);
	int spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(spare >= 0);
	assert_int_equal(unix_sock_accept(lfd, &spare), -EAGAIN);
	int cfd = unix_sock_connect(path, 0);
	assert_true(cfd >= 0);
	/* Every descriptor in use: the soft limit down to the lowest free one. */
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	int top = dup(0);
	assert_true(top >= 0);
	close(top);
	rl = old;
	rl.rlim_cur = (rlim_t)top;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(dup(0), -1);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(unix_sock_accept(lfd, &spare), -EMFILE);
	assert_true(spare >= 0); /* the reserve is back */
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 0), 0); /* nothing left waiting */
	char c;
	assert_int_equal(read(cfd, &c, 1), 0); /* closed */
	/* Without a reserve, the connection stays waiting. */
	int none = -1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	int cfd2 = unix_sock_connect(path, 0);
	assert_true(cfd2 >= 0);
	rl.rlim_cur = (rlim_t)cfd2;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(unix_sock_accept(lfd, &none), -EMFILE);
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	close(unix_sock_accept(lfd, &spare));
	close(cfd2);
	close(cfd);
	cfd = unix_sock_connect(path, 0);
	assert_true(cfd >= 0);
	int afd = unix_sock_accept(lfd, &spare);
	assert_true(afd >= 0);
	close(afd);
	close(cfd);
	close(spare);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

/* What a program that parses with getopt_long says for a usage error. */
static void test_cli_getopt_error(void **state)
{
	(void)state;
	char err[128];
	assert_int_equal(cli_getopt_error(':', 'c', "--cid", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--cid needs a value");
	cli_getopt_error('?', 'v', "--verbose=yes", err, sizeof(err));
	assert_string_equal(err, "--verbose takes no value");
	cli_getopt_error('?', 0, "--bogus", err, sizeof(err));
	assert_string_equal(err, "unknown option \"--bogus\" (see --help)");
	cli_getopt_error('?', 0, "--bogus=1", err, sizeof(err));
	assert_string_equal(err, "unknown option \"--bogus\" (see --help)");
	cli_getopt_error('?', 'x', "-x", err, sizeof(err));
	assert_string_equal(err, "unknown option \"-x\" (see --help)");
	/* "-xh" as the first argument: optind still points at it. */
	cli_getopt_error('?', 'x', "/usr/bin/appvm-net", err, sizeof(err));
	assert_string_equal(err, "unknown option \"-x\" (see --help)");
	cli_getopt_error('?', 'x', "3", err, sizeof(err));
	assert_string_equal(err, "unknown option \"-x\" (see --help)");
	cli_getopt_error(':', 'c', "-c", err, sizeof(err));
	assert_string_equal(err, "-c needs a value");
	char lng[200];
	memset(lng, 'o', sizeof(lng) - 1);
	lng[0] = lng[1] = '-';
	lng[sizeof(lng) - 1] = '\0';
	cli_getopt_error('?', 0, lng, err, sizeof(err));
	assert_int_equal(strlen(err), strlen("unknown option \"\" (see --help)") + 64);
}

/* Why a socket path could not be listened on, in the user's words. */
static void test_unix_listen_why(void **state)
{
	(void)state;
	char dir[] = "/var/tmp/appvm-lib-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	int lfd = unix_sock_listen(path, 1);
	assert_int_equal(lfd, -EADDRINUSE);
	assert_string_equal(unix_listen_why(path, lfd),
			    "a file that is not a socket is in the way (left alone)");
	unlink(path);
	lfd = unix_sock_listen(path, 1);
	assert_true(lfd >= 0);
	assert_string_equal(unix_listen_why(path, -EADDRINUSE), "another process is serving it");
	close(lfd); /* a socket file nobody listens on: plain strerror */
	assert_string_equal(unix_listen_why(path, -EADDRINUSE), strerror(EADDRINUSE));
	assert_string_equal(unix_listen_why("/nonexistent/dir/s", -ENOENT), strerror(ENOENT));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_table),
	    cmocka_unit_test(test_log_line_is_one_line),
	    cmocka_unit_test(test_io_full_and_eof),
	    cmocka_unit_test(test_io_nonblocking),
	    cmocka_unit_test(test_io_read_file),
	    cmocka_unit_test(test_utf8_decode),
	    cmocka_unit_test(test_unix_addr),
	    cmocka_unit_test(test_unix_sock_listen),
	    cmocka_unit_test(test_unix_sock_accept_out_of_fds),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_io_write_deadline),
	    cmocka_unit_test(test_cli_getopt_error),
	    cmocka_unit_test(test_unix_listen_why),
	};
	return cmocka_run_group_tests_name("lib", tests, NULL, NULL);
}
