/* appvm-wayland-relay's command line, target syntax and retry delays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "relay_opts.h"
#include "retry.h"

#include <errno.h>
#include <string.h>

static void test_targets(void **state)
{
	(void)state;
	struct relay_target t;
	char err[256], buf[160];

	assert_int_equal(relay_target_parse("vsock:2:1027", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, RELAY_TARGET_VSOCK);
	assert_int_equal(t.cid, 2);
	assert_int_equal(t.port, 1027);
	assert_string_equal(relay_target_format(&t, buf, sizeof(buf)), "vsock:2:1027");
	assert_int_equal(relay_target_parse("vsock:1:4294967294", &t, err, sizeof(err)), 0);
	assert_int_equal(t.cid, 1);
	assert_int_equal(t.port, 4294967294u);
	assert_int_equal(relay_target_parse("vsock:2:1", &t, err, sizeof(err)), 0);
	assert_int_equal(t.port, 1);
	assert_int_equal(relay_target_parse("unix:/run/x.sock", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, RELAY_TARGET_UNIX);
	assert_string_equal(t.path, "/run/x.sock");
	assert_string_equal(relay_target_format(&t, buf, sizeof(buf)), "unix:/run/x.sock");

	char longest[5 + RELAY_UNIX_PATH_MAX + 2] = "unix:/";
	memset(longest + 6, 'a', RELAY_UNIX_PATH_MAX - 1);
	longest[5 + RELAY_UNIX_PATH_MAX] = '\0';
	assert_int_equal(relay_target_parse(longest, &t, err, sizeof(err)), 0);
	strcat(longest, "a");
	assert_int_equal(relay_target_parse(longest, &t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 107 bytes"));

	static const struct {
		const char *in, *msg;
	} bad[] = {
	    {"", "expected vsock:CID:PORT or unix:PATH"},
	    {"tcp:1.2.3.4:5", "expected vsock:CID:PORT or unix:PATH"},
	    {"vsock:2", "expected vsock:CID:PORT"},
	    {"vsock:2:", "PORT must be a number from 1 to 4294967294"},
	    {"vsock::1027", "CID must be 2 (the host) or 1"},
	    {"vsock:2:4294967295", "PORT must be a number from 1 to 4294967294"},
	    {"vsock:2:0", "PORT must be a number from 1 to 4294967294"},
	    {"vsock:2:01027", "PORT must be a number from 1 to 4294967294"},
	    {"vsock:2:99999999999", "PORT must be a number from 1 to 4294967294"},
	    {"vsock:0:1027", "CID must be 2 (the host) or 1"},
	    {"vsock:3:1027", "CID must be 2 (the host) or 1"},
	    {"vsock:02:1027", "CID must be 2 (the host) or 1"},
	    {"vsock:4294967295:1027", "CID must be 2 (the host) or 1"},
	    {"vsock:4294967296:1", "CID must be 2 (the host) or 1"},
	    {"vsock:-1:1", "CID must be 2 (the host) or 1"},
	    {"vsock:2:+1", "PORT must be a number"},
	    {"vsock:2:1:3", "PORT must be a number"},
	    {"vsock:00000000000000000002:1", "expected vsock:CID:PORT"},
	    {"unix:", "must be absolute"},
	    {"unix:relative.sock", "must be absolute"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(relay_target_parse(bad[i].in, &t, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("\"%s\": got \"%s\", expected \"%s\"", bad[i].in, err, bad[i].msg);
	}
}

static int parse(struct relay_opts *o, char *err, size_t errlen, ...)
{
	char *argv[16] = {"appvm-wayland-relay"};
	int argc = 1;
	va_list ap;
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	relay_opts_init(o);
	err[0] = '\0';
	return relay_opts_parse(o, argc, argv, err, errlen);
}

static void test_opts(void **state)
{
	(void)state;
	struct relay_opts o;
	char err[256];

	assert_int_equal(parse(&o, err, sizeof(err), "--listen", "/run/r.sock", "--target",
			       "vsock:2:1027", NULL),
			 0);
	assert_string_equal(o.listen, "/run/r.sock");
	assert_int_equal(o.target.port, 1027);
	assert_int_equal(o.max_conns, RELAY_DEFAULT_MAX_CONNS);
	assert_int_equal(o.connect_timeout_s, RELAY_DEFAULT_CONNECT_TIMEOUT);
	assert_false(o.verbose);

	assert_int_equal(parse(&o, err, sizeof(err), "--listen=/a", "--target=unix:/b",
			       "--max-connections=1", "--connect-timeout", "0", "-v", NULL),
			 0);
	assert_int_equal(o.max_conns, 1);
	assert_int_equal(o.connect_timeout_s, 0);
	assert_true(o.verbose);

	assert_int_equal(parse(&o, err, sizeof(err), "--target", "bogus", "--help", NULL), -EINVAL);
	assert_int_equal(parse(&o, err, sizeof(err), "--help", "--target", "bogus", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse(&o, err, sizeof(err), "--version", NULL), 0);
	assert_true(o.version);
	assert_int_equal(parse(&o, err, sizeof(err), "--hold", NULL), 0);
	assert_true(o.hold);

	static const struct {
		const char *a[4], *msg;
	} bad[] = {
	    {{"--target", "unix:/b", NULL}, "--listen PATH is required"},
	    {{"--listen", "/a", NULL}, "--target is required"},
	    {{"--listen", NULL}, "--listen needs a socket path"},
	    {{"--listen", "rel.sock", "--target", "unix:/b"}, "expected an absolute path"},
	    {{"--listen", "/a", "--target", NULL}, "--target needs"},
	    {{"--listen", "/a", "--target", "vsock:x:1"}, "CID must be 2 (the host) or 1"},
	    {{"--listen", "/a", "--target", "vsock:2:0"}, "PORT must be a number from 1 to"},
	    {{"--max-connections", "0", NULL}, "--max-connections: expected 1 to 1024"},
	    {{"--max-connections", "1025", NULL}, "--max-connections: expected 1 to 1024"},
	    {{"--connect-timeout", "3601", NULL}, "--connect-timeout: expected 0 to 3600"},
	    {{"--connect-timeout", "1s", NULL}, "--connect-timeout: expected 0 to 3600"},
	    {{"--bogus", NULL}, "unknown argument \"--bogus\""},
	    {{"--listenx", NULL}, "unknown argument \"--listenx\""},
	    {{"--hold", "--listen", "/a", NULL}, "--hold takes no --listen or --target"},
	    {{"--target", "unix:/b", "--hold", NULL}, "--hold takes no --listen or --target"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const *a = bad[i].a;
		int r = parse(&o, err, sizeof(err), a[0], a[1], a[2], a[3], NULL);
		assert_int_equal(r, -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, err, bad[i].msg);
	}
}

static void test_retry(void **state)
{
	(void)state;
	unsigned d = 0, seen[12];
	for (int i = 0; i < 12; i++)
		seen[i] = d = retry_backoff_next(d, RELAY_RETRY_FIRST_MS, RELAY_RETRY_MAX_MS);
	assert_int_equal(seen[0], RELAY_RETRY_FIRST_MS);
	assert_int_equal(seen[1], 2 * RELAY_RETRY_FIRST_MS);
	for (int i = 1; i < 12; i++)
		assert_true(seen[i] >= seen[i - 1] && seen[i] <= RELAY_RETRY_MAX_MS);
	assert_int_equal(seen[11], RELAY_RETRY_MAX_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_opts),
	    cmocka_unit_test(test_retry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
