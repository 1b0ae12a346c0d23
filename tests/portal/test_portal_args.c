/* appvm-portal's command line: defaults, every option, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "args.h"
#include "ports.h"

static int parse(struct portal_opts *o, const char *runtime, char *err, size_t errlen, ...)
{
	char *argv[24] = {"appvm-portal"};
	int argc = 1;
	va_list ap;
	va_start(ap, errlen);
	for (const char *a; argc < 23 && (a = va_arg(ap, const char *));)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return portal_opts_parse(o, argc, argv, runtime, err, errlen);
}

static void test_defaults(void **state)
{
	(void)state;
	struct portal_opts o;
	char err[256];
	assert_int_equal(parse(&o, "/run/user/1000", err, sizeof(err), NULL), 0);
	assert_int_equal(o.port, APPVM_PORTAL_PORT);
	assert_null(o.host_unix);
	assert_string_equal(o.mountpoint, "/run/user/1000/doc");
	assert_string_equal(o.docs_mount, ""); /* no document device */
	assert_int_equal(o.fuse_fd, -1);
	assert_int_equal(o.ready_fd, -1);
	assert_false(o.mount || o.verbose || o.help || o.version);
	assert_true(o.scratch_limit == 256ull << 20);
	assert_int_equal(o.scratch_files, 256);
	assert_int_equal(o.response_delay_ms, 250);
}

static void test_all_options(void **state)
{
	(void)state;
	struct portal_opts o;
	char err[256];
	/* What appvm-init passes, and both value forms. */
	assert_int_equal(parse(&o, NULL, err, sizeof(err), "--port", "5000", "--fuse-fd=3",
			       "--ready-fd", "4", "--mountpoint", "/run/user/1000/doc",
			       "--docs-mount", "/run/user/1000/docs", "--scratch-limit=16",
			       "--scratch-files", "8", "--response-delay", "0", "-v", NULL),
			 0);
	assert_int_equal(o.port, 5000);
	assert_int_equal(o.fuse_fd, 3);
	assert_int_equal(o.ready_fd, 4);
	assert_string_equal(o.mountpoint, "/run/user/1000/doc");
	assert_string_equal(o.docs_mount, "/run/user/1000/docs");
	assert_true(o.scratch_limit == 16ull << 20);
	assert_int_equal(o.scratch_files, 8);
	assert_int_equal(o.response_delay_ms, 0);
	assert_true(o.verbose);

	assert_int_equal(
	    parse(&o, "/r", err, sizeof(err), "--host-unix", "/tmp/vm.vsock_1026", "--mount", NULL),
	    0);
	assert_string_equal(o.host_unix, "/tmp/vm.vsock_1026");
	assert_true(o.mount);
	assert_int_equal(parse(&o, NULL, err, sizeof(err), "--help", "--bogus", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse(&o, NULL, err, sizeof(err), "--version", NULL), 0);
	assert_true(o.version);
}

static void test_errors(void **state)
{
	(void)state;
	struct portal_opts o;
	char err[256];
	static const struct {
		const char *args[4];
		const char *runtime;
		const char *msg; /* a part of the error line */
	} cases[] = {
	    {{"--port", "0"}, "/r", "--port: expected a number from 1 to 4294967294"},
	    {{"--port", "4294967295"}, "/r", "--port"},
	    {{"--port", "12x"}, "/r", "got \"12x\""},
	    {{"--port", "01026"}, "/r", "--port: expected a number from 1 to 4294967294"},
	    {{"--port"}, "/r", "--port needs a value"},
	    {{"--fuse-fd", "2"}, "/r", "--fuse-fd: expected a number from 3"},
	    {{"--fuse-fd", "3", "--mount"}, "/r", "exclude each other"},
	    {{"--fuse-fd", "3", "--ready-fd", "3"}, "/r", "the same descriptor"},
	    {{"--mountpoint", "relative/doc"}, "/r", "--mountpoint: expected an absolute"},
	    {{"--mountpoint", "/run//doc"}, "/r", "normalised"},
	    {{"--mountpoint", "/run/../doc"}, "/r", "normalised"},
	    {{"--mountpoint", "/run/doc/"}, "/r", "normalised"},
	    {{"--docs-mount", "docs"}, "/r", "--docs-mount: expected an absolute"},
	    {{"--docs-mount", "/run/../docs"}, "/r", "normalised"},
	    {{"--host-unix", ""}, "/r", "--host-unix: expected a socket path"},
	    {{"--scratch-limit", "0"}, "/r", "--scratch-limit"},
	    {{"--response-delay", "10001"}, "/r", "--response-delay"},
	    {{"--frobnicate"}, "/r", "unknown option \"--frobnicate\""},
	    {{"-x"}, "/r", "unknown option"},
	    {{"--mount=yes"}, "/r", "unknown option"},
	    {{"extra"}, "/r", "unexpected argument \"extra\""},
	    {{NULL}, NULL, "XDG_RUNTIME_DIR is not set"},
	    {{NULL}, "relative", "XDG_RUNTIME_DIR/doc is not"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;
		int r = parse(&o, cases[i].runtime, err, sizeof(err), a[0], a[0] ? a[1] : NULL,
			      a[0] && a[1] ? a[2] : NULL, a[0] && a[1] && a[2] ? a[3] : NULL, NULL);
		if (r != -EINVAL || !strstr(err, cases[i].msg))
			fail_msg("case %zu: got %d \"%s\", wanted \"%s\"", i, r, err, cases[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_all_options),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
