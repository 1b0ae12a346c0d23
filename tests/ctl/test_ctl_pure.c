/* appvmctl's pure parts: target strings, the hybrid answer line, timeouts,
 * the command line, hostile text in JSON, output (the terminal escaper has
 * its own tests in tests/lib/test_text_escape.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_args.h"
#include "ctl_error.h"
#include "hybrid.h"
#include "ctl_output.h"
#include "ctl_target.h"
#include "ctl_text.h"
#include "proto_samples.h"

static void test_target_valid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		enum ctl_transport t;
		uint32_t cid, port;
		const char *path;
	} ok[] = {
	    {"vsock:3", CTL_TRANSPORT_VSOCK, 3, 1024, ""},
	    {"vsock:42:5000", CTL_TRANSPORT_VSOCK, 42, 5000, ""},
	    {"vsock:4294967294:4294967294", CTL_TRANSPORT_VSOCK, 4294967294u, 4294967294u, ""},
	    {"hybrid:/run/vm.sock", CTL_TRANSPORT_HYBRID, 0, 1024, "/run/vm.sock"},
	    {"hybrid:/run/vm.sock:1025", CTL_TRANSPORT_HYBRID, 0, 1025, "/run/vm.sock"},
	    {"hybrid:/a:b/vm.sock", CTL_TRANSPORT_HYBRID, 0, 1024, "/a:b/vm.sock"},
	    {"hybrid:/a:b/vm:7", CTL_TRANSPORT_HYBRID, 0, 7, "/a:b/vm"},
	    {"hybrid:/x:1a", CTL_TRANSPORT_HYBRID, 0, 1024, "/x:1a"},
	    {"hybrid:relative.sock", CTL_TRANSPORT_HYBRID, 0, 1024, "relative.sock"},
	    {"unix:/tmp/agent.sock", CTL_TRANSPORT_UNIX, 0, 1024, "/tmp/agent.sock"},
	    {"unix:/tmp/a:1024", CTL_TRANSPORT_UNIX, 0, 1024, "/tmp/a:1024"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ctl_target t;
		const char *why = NULL;
		int r = ctl_target_parse(ok[i].s, &t, &why);
		if (r != 0)
			fail_msg("'%s' refused: %s", ok[i].s, why);
		assert_int_equal(t.transport, ok[i].t);
		assert_int_equal(t.port, ok[i].port);
		if (ok[i].t == CTL_TRANSPORT_VSOCK)
			assert_int_equal(t.cid, ok[i].cid);
		else
			assert_string_equal(t.path, ok[i].path);
	}
}

static void test_target_invalid(void **state)
{
	(void)state;
	char long_path[160];
	memset(long_path, 'a', sizeof(long_path));
	memcpy(long_path, "unix:/", 6);
	long_path[6 + 107] = '\0'; /* 108 path bytes: one too many */
	char long_ok[160];
	memcpy(long_ok, long_path, sizeof(long_ok));
	long_ok[6 + 106] = '\0';
	struct ctl_target t;
	assert_int_equal(ctl_target_parse(long_ok, &t, NULL), 0);

	static const char *const bad[] = {
	    "",
	    "ping",
	    "/run/vm.sock",
	    "tcp:1.2.3.4",
	    "VSOCK:3",
	    "vsock:",
	    "vsock:0",
	    "vsock:1",
	    "vsock:2",
	    "vsock:4294967295",
	    "vsock:99999999999",
	    "vsock:03",
	    "vsock:+3",
	    "vsock:-3",
	    "vsock: 3",
	    "vsock:3 ",
	    "vsock:0x10",
	    "vsock:abc",
	    "vsock:3:",
	    "vsock:3:0",
	    "vsock:3:4294967295",
	    "vsock:3:01024",
	    "vsock:3:1024:5",
	    "vsock:3:port",
	    "vsock::1024",
	    "hybrid:",
	    "hybrid::1024",
	    "hybrid:/run/vm.sock:",
	    "hybrid:/run/vm.sock:0",
	    "hybrid:/run/vm.sock:01024",
	    "hybrid:/run/vm.sock:4294967295",
	    "hybrid:/run/vm.sock:99999999999",
	    "unix:",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		if (ctl_target_parse(bad[i], &t, &why) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
	}
	const char *why = NULL;
	assert_int_equal(ctl_target_parse(long_path, &t, &why), -EINVAL);
	char hybrid_long[200];
	snprintf(hybrid_long, sizeof(hybrid_long), "hybrid:%s:1024", long_path + 5);
	assert_int_equal(ctl_target_parse(hybrid_long, &t, &why), -EINVAL);
}

static void test_hybrid_line(void **state)
{
	(void)state;
	char buf[40];
	assert_int_equal(hybrid_format_line(buf, sizeof(buf), HYBRID_CONNECT, 1024), 13);
	assert_string_equal(buf, "CONNECT 1024\n");
	assert_int_equal(hybrid_format_line(buf, 8, HYBRID_CONNECT, 1024), -ENOSPC);

	static const struct {
		const char *s;
		int want;
		uint32_t port;
	} cases[] = {
	    {"OK 1073741824\n", 0, 1073741824u},
	    {"OK 0\n", 0, 0},
	    {"OK 4294967295\n", 0, 4294967295u},
	    {"O", -EAGAIN, 0},
	    {"OK", -EAGAIN, 0},
	    {"OK ", -EAGAIN, 0},
	    {"OK 12", -EAGAIN, 0},
	    {"OK 4294967296\n", -EINVAL, 0},
	    {"OK 99999999999", -EINVAL, 0},
	    {"OK 01\n", -EINVAL, 0},
	    {"OK \n", -EINVAL, 0},
	    {"OK -1\n", -EINVAL, 0},
	    {"OK +1\n", -EINVAL, 0},
	    {"OK 1 \n", -EINVAL, 0},
	    {"OK 1\r\n", -EINVAL, 0},
	    {"OK  1\n", -EINVAL, 0},
	    {"ok 1\n", -EINVAL, 0},
	    {"ERR\n", -EINVAL, 0},
	    {"\n", -EINVAL, 0},
	    {"OK 1\nX", -EINVAL, 0},
	    {"OK 1x\n", -EINVAL, 0},
	    {"OK 1111111111111111111111111111111", -EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t port = 12345;
		int r = hybrid_parse_line(HYBRID_OK, cases[i].s, strlen(cases[i].s), &port);
		if (r != cases[i].want)
			fail_msg("'%s': got %d, want %d", cases[i].s, r, cases[i].want);
		if (r == 0)
			assert_int_equal(port, cases[i].port);
	}
	/* Over the line cap even if every byte so far could be a prefix. */
	char big[HYBRID_LINE_MAX + 2];
	memset(big, ' ', sizeof(big));
	memcpy(big, "OK ", 3);
	uint32_t port;
	assert_int_equal(hybrid_parse_line(HYBRID_OK, big, sizeof(big), &port), -EINVAL);
	/* Every prefix of a good line is "more needed". */
	const char *good = "OK 123\n";
	for (size_t n = 0; n < strlen(good); n++)
		assert_int_equal(hybrid_parse_line(HYBRID_OK, good, n, &port), -EAGAIN);
}

static void test_timeout_parse(void **state)
{
	(void)state;
	uint32_t ms;
	assert_int_equal(ctl_timeout_parse("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(ctl_timeout_parse("0.5", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(ctl_timeout_parse("1.25", &ms), 0);
	assert_int_equal(ms, 1250);
	assert_int_equal(ctl_timeout_parse("0.001", &ms), 0);
	assert_int_equal(ms, 1);
	assert_int_equal(ctl_timeout_parse("86400", &ms), 0);
	assert_int_equal(ms, 86400000u);
	static const char *const bad[] = {"",	 "0",  "0.0", "0.0001",	 "86400.001", "86401",
					  "1e3", "-1", "+1",  ".5",	 "5.",	      "1.2.3",
					  " 1",	 "1 ", "abc", "1234567", "inf"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ctl_timeout_parse(bad[i], &ms) != -EINVAL)
			fail_msg("timeout '%s' accepted", bad[i]);
}

static int parse(struct ctl_args *a, const char *why_part, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, why_part);
	argv[argc++] = "appvmctl";
	const char *s;
	while ((s = va_arg(ap, const char *)))
		argv[argc++] = (char *)s;
	va_end(ap);
	char buf[160];
	const char *why = NULL;
	int r = ctl_args_parse(argc, argv, a, buf, sizeof(buf), &why);
	if (why_part) {
		assert_int_equal(r, -EINVAL);
		assert_non_null(why);
		if (!strstr(why, why_part))
			fail_msg("message '%s' lacks '%s'", why, why_part);
	}
	return r;
}

static void test_args(void **state)
{
	(void)state;
	struct ctl_args a;
	assert_int_equal(parse(&a, NULL, "unix:/x", "ping", NULL), 0);
	assert_int_equal(a.command, CTL_CMD_PING);
	assert_int_equal(a.timeout_ms, 10000);
	assert_false(a.json);
	assert_int_equal(
	    parse(&a, NULL, "--json", "hybrid:/x:9", "shutdown", "--timeout", "2.5", "-q", NULL),
	    0);
	assert_int_equal(a.command, CTL_CMD_SHUTDOWN);
	assert_int_equal(a.timeout_ms, 2500);
	assert_int_equal(a.target.port, 9);
	assert_true(a.json && a.quiet);
	assert_int_equal(parse(&a, NULL, "vsock:3", "wait-ready", "--timeout=7", NULL), 0);
	assert_int_equal(a.command, CTL_CMD_WAIT_READY);
	assert_int_equal(a.timeout_ms, 7000);
	assert_int_equal(parse(&a, NULL, "unix:/x", "wait-ready", "--event-socket", "/e", NULL), 0);
	assert_string_equal(a.event_socket, "/e");
	assert_int_equal(parse(&a, NULL, "reboot", "--help", NULL), 0);
	assert_true(a.help);
	assert_int_equal(parse(&a, NULL, "--version", NULL), 0);
	assert_true(a.version);
	assert_int_equal(parse(&a, NULL, "unix:/x", "--", "status", NULL), 0);
	assert_int_equal(a.command, CTL_CMD_STATUS);
	assert_int_equal(ctl_command_default_timeout(CTL_CMD_WAIT_READY), 60000);

	parse(&a, "missing target", NULL);
	parse(&a, "missing command", "unix:/x", NULL);
	parse(&a, "unknown command 'pong'", "unix:/x", "pong", NULL);
	parse(&a, "unexpected argument", "unix:/x", "ping", "extra", NULL);
	parse(&a, "unknown option '--jsn'", "unix:/x", "ping", "--jsn", NULL);
	parse(&a, "bad target 'vsock:2': ", "vsock:2", "ping", NULL);
	parse(&a, "bad target", "ping", "unix:/x", NULL);
	parse(&a, "--timeout", "unix:/x", "ping", "--timeout", NULL);
	parse(&a, "--timeout", "unix:/x", "ping", "--timeout", "0", NULL);
	parse(&a,
	      "--timeout needs seconds (more than 0, at most 86400, up to 3 decimals), not "
	      "'soon'",
	      "unix:/x", "ping", "--timeout=soon", NULL);
	parse(&a, "up to 3 decimals), not '0.0001'", "unix:/x", "ping", "--timeout", "0.0001",
	      NULL);
	parse(&a, "--event-socket needs", "unix:/x", "wait-ready", "--event-socket=", NULL);
	parse(&a, "wait-ready only", "unix:/x", "ping", "--event-socket", "/e", NULL);
	parse(&a, "vsock", "vsock:3", "wait-ready", "--event-socket", "/e", NULL);
}

/* The clipboard commands and the vm:NAME and focused targets. */
static void test_args_clipboard(void **state)
{
	(void)state;
	struct ctl_args a;
	assert_int_equal(parse(&a, NULL, "focused", "clipboard", "copy", NULL), 0);
	assert_int_equal(a.command, CTL_CMD_CLIPBOARD_COPY);
	assert_true(a.focused);
	assert_null(a.vm_name);
	assert_int_equal(a.timeout_ms, 10000);
	assert_string_equal(ctl_command_name(a.command), "clipboard copy");
	assert_int_equal(parse(&a, NULL, "vm:mail", "clipboard", "paste", "--single-use", "--type",
			       "image/png", "--max-size=1M", "--config", "/c", NULL),
			 0);
	assert_int_equal(a.command, CTL_CMD_CLIPBOARD_PASTE);
	assert_string_equal(a.vm_name, "mail");
	assert_true(a.clip_single_use);
	assert_string_equal(a.clip_type, "image/png");
	assert_int_equal(a.clip_max_size, 1 << 20);
	assert_string_equal(a.clip_config, "/c");
	assert_int_equal(
	    parse(&a, NULL, "--max-size", "64K", "hybrid:/v", "clipboard", "copy", NULL), 0);
	assert_int_equal(a.clip_max_size, 65536);
	assert_int_equal(a.target.transport, CTL_TRANSPORT_HYBRID);
	assert_false(a.clip_keep_controls);
	assert_int_equal(parse(&a, NULL, "vm:mail", "clipboard", "copy", "--keep-controls", NULL),
			 0);
	assert_true(a.clip_keep_controls);
	/* Named VMs work for every command. */
	assert_int_equal(parse(&a, NULL, "vm:mail", "status", NULL), 0);
	assert_int_equal(parse(&a, NULL, "focused", "ping", NULL), 0);

	parse(&a, "clipboard needs copy or paste", "focused", "clipboard", NULL);
	parse(&a, "unknown action 'cut'", "focused", "clipboard", "cut", NULL);
	parse(&a, "unexpected argument 'now'", "focused", "clipboard", "copy", "now", NULL);
	parse(&a, "unknown command 'clipboard copy'", "focused", "clipboard copy", NULL);
	parse(&a, "unknown command 'copy'", "focused", "copy", NULL);
	parse(&a, "are for clipboard commands", "unix:/x", "ping", "--type", "text/plain", NULL);
	parse(&a, "are for clipboard commands", "unix:/x", "status", "--max-size", "1K", NULL);
	parse(&a, "--single-use is for clipboard paste", "focused", "clipboard", "copy",
	      "--single-use", NULL);
	parse(&a, "--keep-controls is for clipboard copy", "focused", "clipboard", "paste",
	      "--keep-controls", NULL);
	parse(&a, "are for clipboard commands", "unix:/x", "ping", "--keep-controls", NULL);
	parse(&a, "--type needs a MIME type", "focused", "clipboard", "copy", "--type", "png",
	      NULL);
	parse(&a, "--type needs a MIME type", "focused", "clipboard", "copy", "--type",
	      "text/\x1b[31m", NULL);
	parse(&a, "--max-size needs 1 to 16M bytes (e.g. 65536, 64K, 1M), not '17M'", "focused",
	      "clipboard", "copy", "--max-size", "17M", NULL);
	parse(&a, "--max-size needs", "focused", "clipboard", "copy", "--max-size", "0", NULL);
	parse(&a, "--config needs a path", "focused", "clipboard", "copy", "--config=", NULL);
	parse(&a, "vm:NAME wants", "vm:", "ping", NULL);
	parse(&a, "vm:NAME wants", "vm:../x", "ping", NULL);
	parse(&a, "vm:NAME wants", "vm:.x", "ping", NULL);
	parse(&a, "bad target", "Focused", "ping", NULL);
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

struct bytes {
	const char *p;
	size_t n;
};

static void do_json(FILE *f, const void *arg)
{
	const struct bytes *b = arg;
	ctl_json_string(f, b->p, b->n);
}

static void check_text(void (*fn)(FILE *, const void *), const char *in, size_t n, const char *want)
{
	struct bytes b = {in, n};
	char *out = capture(fn, &b);
	assert_string_equal(out, want);
	free(out);
}

#define JSON(in, want) check_text(do_json, in, sizeof(in) - 1, want)

static void test_json_string(void **state)
{
	(void)state;
	JSON("plain", "\"plain\"");
	JSON("q\"b\\", "\"q\\\"b\\\\\"");
	JSON("\x1b[0m\n", "\"\\u001b[0m\\u000a\"");
	JSON("del\x7f", "\"del\\u007f\"");
	JSON("caf\xc3\xa9", "\"caf\\u00e9\"");
	JSON("\xc2\x9b", "\"\\u009b\"");
	JSON("\xe2\x80\xa8", "\"\\u2028\"");
	JSON("\xd8\x9c\xe2\x81\xa6", "\"\\u061c\\u2066\"");
	JSON("\xf3\xa0\x81\x81", "\"\\udb40\\udc41\"");
	JSON("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"");
	JSON("bad\xff", "\"bad\\ufffd\"");
	JSON("nul\0", "\"nul\\u0000\"");
	JSON("</script>", "\"</script>\"");
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(ctl_exit_code(0), CTL_EXIT_OK);
	assert_int_equal(ctl_exit_code(-EINVAL), CTL_EXIT_USAGE);
	assert_int_equal(ctl_exit_code(-EHOSTDOWN), CTL_EXIT_NOT_RUNNING);
	assert_int_equal(ctl_exit_code(-ECONNREFUSED), CTL_EXIT_NOT_LISTENING);
	assert_int_equal(ctl_exit_code(-ETIMEDOUT), CTL_EXIT_TIMEOUT);
	assert_int_equal(ctl_exit_code(-EPROTO), CTL_EXIT_PROTOCOL);
	assert_int_equal(ctl_exit_code(-EREMOTEIO), CTL_EXIT_GUEST_ERROR);
	assert_int_equal(ctl_exit_code(-ENOMEM), CTL_EXIT_FAILURE);
	/* Every code is distinct and named. */
	const char *seen[8] = {0};
	for (int c = 0; c < 8; c++) {
		seen[c] = ctl_exit_kind(c);
		for (int d = 0; d < c; d++)
			assert_string_not_equal(seen[c], seen[d]);
	}
}

/* The status record of docs/protocol.md, with hostile strings patched in. */
static void fill_status(struct proto_status *s)
{
	struct proto_msg m;
	assert_int_equal(proto_sample("status_reply", &m), 0);
	*s = m.u.status;
	s->vm_name = proto_str_from("vm\xc2\x9b"
				    "1m");
	s->agent_version = proto_str_from("agent \"1\"");
	s->load_milli[1] = 1100;
	s->app_exit_how = PROTO_EXIT_SIGNAL;
	s->app_exit_value = 9;
	s->stores[0].mount_point = proto_str_from("/run/\x1b]0;x\x07");
}

static void do_status_human(FILE *f, const void *arg)
{
	ctl_print_human(f, f, arg, false);
}

static void do_json_result(FILE *f, const void *arg)
{
	ctl_print_json(f, arg);
}

static void assert_no_controls(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			continue;
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in output", *p);
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fail_msg("C1 control in output");
	}
}

static void test_output_status(void **state)
{
	(void)state;
	struct proto_status s;
	fill_status(&s);
	struct ctl_error err;
	ctl_error_clear(&err);
	struct ctl_result r = {
	    .command = CTL_CMD_STATUS, .target = "unix:/x", .err = &err, .status = &s};
	char *out = capture(do_status_human, &r);
	assert_no_controls(out);
	assert_non_null(strstr(out, "vm:        vm\\u{009b}1m\n"));
	assert_non_null(strstr(out, "uptime:    12.345 s\n"));
	assert_non_null(strstr(out, "load:      0.25 1.10 0.05\n"));
	assert_non_null(strstr(out, "app:       exited (killed by signal 9)\n"));
	assert_non_null(strstr(out, "store:     base on /run/\\x1b]0;x\\x07 (read-only)\n"));
	assert_non_null(strstr(out, "store:     state on /var/lib/appvm (read-write)\n"));
	assert_non_null(strstr(out, "address:   eth0 10.0.2.15/24\n"));
	assert_non_null(strstr(out, "address:   eth0 fec0::15/64\n"));
	free(out);

	out = capture(do_json_result, &r);
	assert_no_controls(out);
	assert_non_null(strstr(out, "{\"command\":\"status\",\"target\":\"unix:/x\",\"ok\":true,"));
	assert_non_null(strstr(out, "\"vm_name\":\"vm\\u009b1m\",\"agent_version\":\"agent "
				    "\\\"1\\\"\",\"protocol_version\":1,\"uptime_ms\":12345,"));
	assert_non_null(strstr(out, "\"memory\":{\"total_kib\":262144,\"available_kib\":200000}"));
	assert_non_null(strstr(out, "\"load_milli\":[250,1100,50]"));
	assert_non_null(strstr(out, "\"app\":{\"state\":\"exited\",\"exit\":{\"how\":\"signal\","
				    "\"value\":9}}"));
	assert_non_null(strstr(out,
			       "{\"name\":\"base\",\"mount_point\":\"/run/\\u001b]0;x\\u0007\","
			       "\"writable\":false}"));
	assert_non_null(strstr(out, "{\"ifname\":\"eth0\",\"family\":6,\"address\":\"fec0::15\","
				    "\"prefix\":64}"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	free(out);
}

static void test_output_error(void **state)
{
	(void)state;
	struct ctl_error err;
	ctl_error_clear(&err);
	ctl_error_set(&err, "guest answered PING with error %s", "BUSY");
	struct proto_error ge = {.code = PROTO_ERR_BUSY,
				 .message = proto_str_from("go \x1b[2J away\n\"now\"")};
	ctl_error_guest(&err, &ge);
	struct ctl_result r = {
	    .command = CTL_CMD_PING, .target = "unix:/t\x1b", .err = &err, .ret = -EREMOTEIO};
	char *out = capture(do_status_human, &r);
	assert_no_controls(out);
	assert_string_equal(out, "appvmctl: unix:/t\\x1b: guest answered PING with error BUSY\n"
				 "appvmctl: guest error BUSY (4): go \\x1b[2J away\\n\"now\"\n");
	free(out);
	out = capture(do_json_result, &r);
	assert_string_equal(out,
			    "{\"command\":\"ping\",\"target\":\"unix:/t\\u001b\",\"ok\":false,"
			    "\"elapsed_ms\":0,\"error\":{\"kind\":\"guest_error\",\"exit_code\":7,"
			    "\"message\":\"guest answered PING with error BUSY\",\"guest_error\":"
			    "{\"code\":4,\"name\":\"BUSY\",\"message\":\"go \\u001b[2J away"
			    "\\u000a\\\"now\\\"\"}}}\n");
	free(out);
}

static void test_output_wait_ready(void **state)
{
	(void)state;
	struct ctl_error err;
	ctl_error_clear(&err);
	struct ctl_ready w = {
	    .via = CTL_READY_EVENT, .waited_ms = 1500, .protocol_version = 1, .uptime_ms = 845};
	strcpy(w.untrusted_vm_name, "demo\xe2\x80\xae");
	w.untrusted_vm_name_len = (uint16_t)strlen(w.untrusted_vm_name);
	strcpy(w.untrusted_software, "a");
	w.untrusted_software_len = 1;
	struct ctl_result r = {.command = CTL_CMD_WAIT_READY,
			       .target = "unix:/x",
			       .err = &err,
			       .ready = &w,
			       .elapsed_ms = 1500};
	char *out = capture(do_status_human, &r);
	assert_string_equal(out, "ready: vm demo\\u{202e} announced READY (guest uptime 0.845 s) "
				 "after 1.500 s\n");
	free(out);
	out = capture(do_json_result, &r);
	assert_string_equal(out,
			    "{\"command\":\"wait-ready\",\"target\":\"unix:/x\",\"ok\":true,"
			    "\"elapsed_ms\":1500,\"via\":\"event\",\"waited_ms\":1500,"
			    "\"protocol_version\":1,\"agent\":\"a\",\"vm_name\":\"demo\\u202e\","
			    "\"uptime_ms\":845}\n");
	free(out);
	w.via = CTL_READY_POLL;
	out = capture(do_json_result, &r);
	assert_non_null(strstr(out, "\"via\":\"poll\""));
	assert_non_null(strstr(out, "\"vm_name\":null,\"uptime_ms\":null}"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_target_valid),
	    cmocka_unit_test(test_target_invalid),
	    cmocka_unit_test(test_hybrid_line),
	    cmocka_unit_test(test_timeout_parse),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_args_clipboard),
	    cmocka_unit_test(test_json_string),
	    cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test(test_output_status),
	    cmocka_unit_test(test_output_error),
	    cmocka_unit_test(test_output_wait_ready),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
