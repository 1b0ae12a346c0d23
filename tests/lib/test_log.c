/* lib/log: messages held in memory (log_hold) and written in order later. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* What log messages wrote to stderr meanwhile, read back through a pipe. */
static size_t drain(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return n < 0 ? 0 : (size_t)n;
}

static void test_log_hold(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	log_setup("held", LOG_TARGET_STDERR, LOG_LEVEL_INFO);

	char hold[64], out[512];
	log_hold(hold, sizeof(hold));
	log_info("one %d", 1);
	log_debug("not shown");
	log_err("two");
	assert_int_equal(drain(p[0], out, sizeof(out)), 0); /* nothing yet */
	errno = EIO;
	log_release();
	assert_int_equal(errno, EIO);
	drain(p[0], out, sizeof(out));
	assert_string_equal(out, "held: one 1\nheld: two\n");
	/* Released: written at once. */
	log_info("three");
	drain(p[0], out, sizeof(out));
	assert_string_equal(out, "held: three\n");

	/* More than the buffer holds: the held ones go first, in order. */
	log_hold(hold, sizeof(hold));
	log_info("a message of some length, number %d", 1);
	log_info("a message of some length, number %d", 2);
	drain(p[0], out, sizeof(out));
	assert_string_equal(out, "held: a message of some length, number 1\n");
	/* One longer than the whole buffer is written, after the held one. */
	log_info("%s", "a message longer than the whole buffer of sixty-four bytes");
	drain(p[0], out, sizeof(out));
	assert_string_equal(out,
			    "held: a message of some length, number 2\n"
			    "held: a message longer than the whole buffer of sixty-four bytes\n");
	log_release();
	assert_int_equal(drain(p[0], out, sizeof(out)), 0);

	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	close(p[0]);
	close(p[1]);
	log_setup("appvm-test", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log_hold),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
