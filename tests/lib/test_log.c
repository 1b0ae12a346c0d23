/* lib/log: messages held in memory (log_hold) and written in order later;
 * messages whose formatting waits (log_defer). */
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

/* Messages go to a pipe (p) from now, with PREFIX; returns the saved stderr. */
static int capture(int p[2], const char *prefix)
{
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	log_setup(prefix, LOG_TARGET_STDERR, LOG_LEVEL_INFO);
	return saved;
}

static void uncapture(int p[2], int saved)
{
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	close(p[0]);
	close(p[1]);
	log_setup("appvm-test", LOG_TARGET_STDERR, LOG_LEVEL_INFO);
}

static void test_log_hold(void **state)
{
	(void)state;
	int p[2], saved = capture(p, "held");

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

	uncapture(p, saved);
}

static char trace[256];

static void deferred_line(void *ctx)
{
	strcat(trace, (const char *)ctx);
	strcat(trace, " ");
	log_info("deferred %s", (const char *)ctx);
}

/* Deferred messages are formatted (their function called) only when the
 * next message comes, or at log_flush() or log_release(), and keep their
 * place among all messages. */
static void test_log_defer(void **state)
{
	(void)state;
	int p[2], saved = capture(p, "defer");
	char out[512], hold[256];

	trace[0] = '\0';
	log_defer(deferred_line, "a");
	log_defer(deferred_line, "b");
	assert_string_equal(trace, "");
	log_debug("not shown: does not flush");
	assert_string_equal(trace, "");
	assert_int_equal(drain(p[0], out, sizeof(out)), 0);
	log_info("after");
	assert_string_equal(trace, "a b ");
	drain(p[0], out, sizeof(out));
	assert_string_equal(out, "defer: deferred a\ndefer: deferred b\ndefer: after\n");

	/* log_flush; nothing waiting is nothing written. */
	log_defer(deferred_line, "c");
	errno = EIO;
	log_flush();
	assert_int_equal(errno, EIO);
	drain(p[0], out, sizeof(out));
	assert_string_equal(out, "defer: deferred c\n");
	log_flush();
	assert_int_equal(drain(p[0], out, sizeof(out)), 0);

	/* Held: log_release formats the deferred ones first, in their place. */
	trace[0] = '\0';
	log_hold(hold, sizeof(hold));
	log_info("one");
	log_defer(deferred_line, "d");
	log_info("two");
	log_defer(deferred_line, "e");
	assert_string_equal(trace, "d ");
	assert_int_equal(drain(p[0], out, sizeof(out)), 0);
	log_release();
	assert_string_equal(trace, "d e ");
	drain(p[0], out, sizeof(out));
	assert_string_equal(out, "defer: one\ndefer: deferred d\ndefer: two\ndefer: deferred e\n");

	/* One more than LOG_DEFER_MAX: the waiting ones go first. */
	trace[0] = '\0';
	static char names[][2] = {"1", "2", "3", "4", "5"};
	_Static_assert(sizeof(names) / sizeof(names[0]) == LOG_DEFER_MAX + 1, "names");
	for (size_t i = 0; i <= LOG_DEFER_MAX; i++)
		log_defer(deferred_line, names[i]);
	assert_string_equal(trace, "1 2 3 4 ");
	log_flush();
	assert_string_equal(trace, "1 2 3 4 5 ");
	drain(p[0], out, sizeof(out));
	assert_string_equal(out, "defer: deferred 1\ndefer: deferred 2\ndefer: deferred 3\n"
				 "defer: deferred 4\ndefer: deferred 5\n");

	uncapture(p, saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log_hold),
	    cmocka_unit_test(test_log_defer),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
