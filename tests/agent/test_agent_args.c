/* The agent's command line: every option, both value forms, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "args.h"
#include "ports.h"

#define MAX_ARGS 8

static int parse(struct agent_opts *o, const char *const *args, char *err, size_t errlen)
{
	char *argv[MAX_ARGS + 1] = {"appvm-agent"};
	int argc = 1;
	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	agent_opts_init(o);
	return agent_opts_parse(o, argc, argv, err, errlen);
}

static void test_defaults(void **state)
{
	(void)state;
	struct agent_opts o;
	char err[256];
	const char *none[] = {NULL};
	assert_int_equal(parse(&o, none, err, sizeof(err)), 0);
	assert_int_equal(o.port, APPVM_AGENT_PORT);
	assert_int_equal(o.event_port, APPVM_EVENT_PORT);
	assert_string_equal(o.init_socket, "/run/appvm/init.sock");
	assert_int_equal(o.max_clients, 16);
	assert_null(o.name);
	assert_null(o.listen_unix);
	assert_null(o.event_unix);
	assert_null(o.clipboard_socket); /* no clipboard unless asked */
	assert_string_equal(o.clipboard_file, "/run/appvm/clipboard");
	assert_false(o.verbose || o.help || o.version);
	/* On vsock, events go to the host by default. */
	assert_true(agent_opts_events_enabled(&o));
}

static void test_all_options(void **state)
{
	(void)state;
	struct agent_opts o;
	char err[256];
	/* What appvm-init passes: "--port N" first, then [agent] args. */
	const char *a1[] = {"--port", "5000", "--event-port=5001", "--name", "demo-vm", "-v", NULL};
	assert_int_equal(parse(&o, a1, err, sizeof(err)), 0);
	assert_int_equal(o.port, 5000);
	assert_int_equal(o.event_port, 5001);
	assert_string_equal(o.name, "demo-vm");
	assert_true(o.verbose);

	const char *a2[] = {"--listen-unix", "/tmp/a.sock", "--init-socket=/tmp/i.sock",
			    "--max-clients", "1024",	    NULL};
	assert_int_equal(parse(&o, a2, err, sizeof(err)), 0);
	assert_string_equal(o.listen_unix, "/tmp/a.sock");
	assert_string_equal(o.init_socket, "/tmp/i.sock");
	assert_int_equal(o.max_clients, 1024);
	/* Unix listening without --event-unix: no events at all. */
	assert_false(agent_opts_events_enabled(&o));

	const char *a3[] = {"--listen-unix=/tmp/a", "--event-unix", "/tmp/e", "--port=4294967294",
			    NULL};
	assert_int_equal(parse(&o, a3, err, sizeof(err)), 0);
	assert_string_equal(o.event_unix, "/tmp/e");
	assert_int_equal(o.port, 4294967294u);
	assert_true(agent_opts_events_enabled(&o));

	/* A later value wins, as with most tools. */
	const char *a4[] = {"--port", "7", "--port", "8", NULL};
	assert_int_equal(parse(&o, a4, err, sizeof(err)), 0);
	assert_int_equal(o.port, 8);

	const char *a6[] = {"--clipboard-socket", "/run/appvm/wayland/data-control.sock",
			    "--clipboard-file=/var/tmp/clip", NULL};
	assert_int_equal(parse(&o, a6, err, sizeof(err)), 0);
	assert_string_equal(o.clipboard_socket, "/run/appvm/wayland/data-control.sock");
	assert_string_equal(o.clipboard_file, "/var/tmp/clip");

	/* A UTF-8 name is fine. */
	const char *a5[] = {"--name", "b\xc3\xa4r", NULL};
	assert_int_equal(parse(&o, a5, err, sizeof(err)), 0);
}

static void test_help_version(void **state)
{
	(void)state;
	struct agent_opts o;
	char err[256];
	const char *h[] = {"--help", "--bogus", NULL};
	assert_int_equal(parse(&o, h, err, sizeof(err)), 0);
	assert_true(o.help);
	const char *h2[] = {"-h", NULL};
	assert_int_equal(parse(&o, h2, err, sizeof(err)), 0);
	assert_true(o.help);
	const char *v[] = {"--version", NULL};
	assert_int_equal(parse(&o, v, err, sizeof(err)), 0);
	assert_true(o.version);
	assert_non_null(strstr(agent_usage, "--listen-unix"));
	assert_non_null(strstr(agent_usage, "--clipboard-socket PATH"));
}

static const struct {
	const char *args[4];
	const char *expect; /* substring of the error */
} bad[] = {
    {{"--port", NULL}, "--port needs a value"},
    {{"--port", "0", NULL}, "expected a port number"},
    {{"--port", "4294967295", NULL}, "expected a port number"},
    {{"--port", "99999999999", NULL}, "expected a port number"},
    {{"--port", "-1", NULL}, "expected a port number"},
    {{"--port", "12x", NULL}, "expected a port number"},
    {{"--port", " 12", NULL}, "expected a port number"},
    {{"--port", "01024", NULL}, "expected a port number"},
    {{"--event-port", "0", NULL}, "expected a port number"},
    {{"--port=", NULL}, "expected a port number"},
    {{"--event-port", "abc", NULL}, "--event-port: expected a port number"},
    {{"--max-clients", "0", NULL}, "expected a number from 1 to 1024"},
    {{"--max-clients", "1025", NULL}, "expected a number from 1 to 1024"},
    {{"--name", "", NULL}, "--name: expected 1-256 bytes"},
    {{"--name", "a\nb", NULL}, "--name: expected"},
    {{"--name", "\xff", NULL}, "--name: expected"},
    {{"--name", "\xc0\xaf", NULL}, "--name: expected"},
    {{"--listen-unix", "", NULL}, "socket path"},
    {{"--event-unix",
      "/tmp/"
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
      "xxxxxxxxxxxxxxx",
      NULL},
     "socket path"},
    {{"--init-socket", NULL}, "needs a value"},
    {{"--clipboard-socket", "", NULL}, "--clipboard-socket: expected a socket path"},
    {{"--clipboard-file", "relative", NULL}, "--clipboard-file: expected an absolute path"},
    {{"--clipboard-file", "", NULL}, "--clipboard-file: expected an absolute path"},
    {{"--verbose=yes", NULL}, "--verbose takes no value"},
    {{"--bogus", NULL}, "unknown option \"--bogus\""},
    {{"--bogus=1", NULL}, "unknown option \"--bogus\""},
    {{"-x", NULL}, "unknown option"},
    {{"--portx", "1", NULL}, "unknown option"},
    {{"stray", NULL}, "unexpected argument \"stray\""},
};

static void test_bad(void **state)
{
	(void)state;
	char name[300];
	memset(name, 'a', 257);
	name[257] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct agent_opts o;
		char err[256] = "";
		int r = parse(&o, bad[i].args, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, bad[i].expect))
			fail_msg("case %zu (%s): got %d \"%s\", wanted \"%s\"", i, bad[i].args[0],
				 r, err, bad[i].expect);
	}
	struct agent_opts o;
	char err[256];
	const char *long_name[] = {"--name", name, NULL};
	assert_int_equal(parse(&o, long_name, err, sizeof(err)), -EINVAL);
	name[256] = '\0';
	assert_int_equal(parse(&o, long_name, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_all_options),
	    cmocka_unit_test(test_help_version),
	    cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
