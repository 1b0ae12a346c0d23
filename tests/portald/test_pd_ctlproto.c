/* The control socket's lines, both ends: requests, status lines, listing
 * lines with hostile paths, and the arguments of appvm-portald. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd_args.h"
#include "pd_ctlproto.h"
#include "proto.h"

static void test_ids(void **state)
{
	(void)state;
	uint64_t id;
	assert_int_equal(pd_ctl_parse_id("5f3a0c0000000001", &id), 0);
	assert_true(id == 0x5f3a0c0000000001ull);
	assert_int_equal(pd_ctl_parse_id("A", &id), 0);
	assert_true(id == 10);
	const char *bad[] = {"", "0", "0000", "12345678901234567", "xyz", "12 3", "-1", "0x12"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(pd_ctl_parse_id(bad[i], &id), -EINVAL);
}

static void test_requests(void **state)
{
	(void)state;
	struct pd_ctl_req r;
	assert_int_equal(pd_ctl_parse_request("list", 4, &r), 0);
	assert_int_equal(r.cmd, PD_CTL_LIST);
	assert_int_equal(pd_ctl_parse_request("revoke-all", 10, &r), 0);
	assert_int_equal(r.cmd, PD_CTL_REVOKE_ALL);
	assert_int_equal(pd_ctl_parse_request("revoke 00000000000000ff", 23, &r), 0);
	assert_int_equal(r.cmd, PD_CTL_REVOKE);
	assert_true(r.id == 0xff);
	const char *bad[] = {"",	"List",	    "list ",	 " list",      "revoke",
			     "revoke ", "revoke 0", "revoke zz", "revoke 1 2", "revoke-all x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (pd_ctl_parse_request(bad[i], strlen(bad[i]), &r) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(pd_ctl_parse_request("li\0st", 5, &r), -EINVAL);
	char lng[200];
	memset(lng, 'a', sizeof(lng));
	assert_int_equal(pd_ctl_parse_request(lng, sizeof(lng), &r), -EINVAL);
	/* What the client writes, the daemon reads. */
	char line[PD_CTL_REQUEST_MAX];
	FILE *f = fmemopen(line, sizeof(line), "w");
	r.cmd = PD_CTL_REVOKE;
	r.id = 0x1234;
	pd_ctl_format_request(f, &r);
	fclose(f);
	assert_string_equal(line, "revoke 0000000000001234\n");
	struct pd_ctl_req back;
	assert_int_equal(pd_ctl_parse_request(line, strlen(line) - 1, &back), 0);
	assert_true(back.id == 0x1234);
}

static void test_status(void **state)
{
	(void)state;
	unsigned n = 99;
	const char *word = NULL;
	assert_int_equal(pd_ctl_parse_status("ok 3", &n, &word), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pd_ctl_parse_status("ok 0", &n, &word), 0);
	assert_int_equal(pd_ctl_parse_status("error not-found", &n, &word), -EREMOTEIO);
	assert_string_equal(word, "not-found");
	const char *bad[] = {"",       "ok",	"ok ",
			     "ok 03",  "ok -1", "ok 1x",
			     "error ", "fine",	"ok 99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (pd_ctl_parse_status(bad[i], &n, &word) != -EPROTO)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_listing_round_trip(void **state)
{
	(void)state;
	const char path[] = "/home/u/a b\n\\x\x01\x7f\xc3\xa9";
	struct pd_ctl_doc d = {.id = 0xfeedu,
			       .perms = PROTO_PERM_READ | PROTO_PERM_WRITE,
			       .staged = true,
			       .staged_bytes = 4096,
			       .age_s = 61,
			       .path = path,
			       .path_len = sizeof(path) - 1};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	pd_ctl_format_doc(f, &d);
	d.perms = PROTO_PERM_READ;
	d.staged = false;
	pd_ctl_format_doc(f, &d);
	fclose(f);
	assert_string_equal(buf,
			    "000000000000feed rw 4096 61 /home/u/a b\\x0a\\\\x\\x01\\x7f\xc3\xa9\n"
			    "000000000000feed ro - 61 /home/u/a b\\x0a\\\\x\\x01\\x7f\xc3\xa9\n");
	char *second = strchr(buf, '\n') + 1;
	second[-1] = '\0';
	second[strlen(second) - 1] = '\0';
	struct pd_ctl_doc back;
	assert_int_equal(pd_ctl_parse_doc(buf, &back), 0);
	assert_true(back.id == 0xfeed);
	assert_int_equal(back.perms, PROTO_PERM_READ | PROTO_PERM_WRITE);
	assert_true(back.staged);
	assert_int_equal(back.staged_bytes, 4096);
	assert_int_equal(back.age_s, 61);
	assert_int_equal(back.path_len, sizeof(path) - 1);
	assert_memory_equal(back.path, path, sizeof(path) - 1);
	assert_int_equal(pd_ctl_parse_doc(second, &back), 0);
	assert_false(back.staged);
	assert_int_equal(back.perms, PROTO_PERM_READ);
	free(buf);
	const char *bad[] = {"",
			     "000000000000feed rw - 1",
			     "feed rw - 1 /p",
			     "000000000000feed rx - 1 /p",
			     "000000000000feed rw 1x 1 /p",
			     "000000000000feed rw - 1 relative",
			     "000000000000feed rw - 1 /p\\q",
			     "000000000000feed rw - 1 /p\\x4",
			     "0000000000000000 rw - 1 /p"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char line[128];
		snprintf(line, sizeof(line), "%s", bad[i]);
		if (pd_ctl_parse_doc(line, &back) != -EPROTO)
			fail_msg("accepted '%s'", bad[i]);
	}
}

static int args(struct pd_opts *o, char *err, ...)
{
	char *argv[32] = {"appvm-portald"};
	int argc = 1;
	va_list ap;
	va_start(ap, err);
	for (char *a; argc < 31 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	return pd_opts_parse(o, argc, argv, err, 256);
}

static void test_daemon_args(void **state)
{
	(void)state;
	struct pd_opts o;
	char err[256];
	assert_int_equal(args(&o, err, "--name", "mail", "--vsock", "/run/vm.sock", NULL), 0);
	assert_string_equal(o.listen, "/run/vm.sock_1026");
	assert_string_equal(o.control, "/run/vm.sock.portal.ctl");
	assert_int_equal(o.chooser, PD_CHOOSER_PORTAL);
	assert_false(o.open_writable);
	assert_false(o.folder_writable);
	assert_int_equal(o.limits.max_grants, 256);
	assert_int_equal(o.limits.max_handles, PD_MAX_HANDLES_DEFAULT);
	assert_true(o.limits.max_file_size == 2ull << 30);
	assert_int_equal(o.policy.burst, 3);
	assert_int_equal(o.policy.interval_ms, 10000);
	assert_int_equal(o.walk_rate, PD_WALK_RATE_DEFAULT);
	assert_int_equal(args(&o, err, "--name", "x", "--vsock", "/v", "--walk-rate", "5000", NULL),
			 0);
	assert_int_equal(o.walk_rate, 5000);
	assert_int_equal(args(&o, err, "--name=x", "--vsock=/v", "--port", "7", "--chooser",
			      "command:/bin/pick", "--open-writable", "--staging-quota=1K",
			      "--dialog-interval", "250ms", "--cooldown", "2s", "--max-grants", "9",
			      "--folder-writable", "--max-handles=8192", NULL),
			 0);
	assert_true(o.folder_writable);
	assert_int_equal(o.limits.max_handles, 8192);
	assert_string_equal(o.listen, "/v_7");
	assert_int_equal(o.chooser, PD_CHOOSER_COMMAND);
	assert_string_equal(o.command, "/bin/pick");
	assert_true(o.open_writable);
	/* The default file size limit is lowered to a smaller quota. */
	assert_true(o.limits.max_file_size == 1024);
	assert_int_equal(o.policy.interval_ms, 250);
	assert_int_equal(o.policy.cooldown_ms, 2000);
	assert_int_equal(o.policy.cooldown_max_ms, 32000);
	assert_int_equal(o.limits.max_grants, 9);
	/* A file size limit up to the quota is taken as given. */
	assert_int_equal(
	    args(&o, err, "--name", "x", "--vsock", "/v", "--max-file-size", "4G", NULL), 0);
	assert_true(o.limits.max_file_size == 4ull << 30);
	assert_int_equal(args(&o, err, "--name", "x", "--vsock", "/v", "--max-file-size", "5G",
			      "--staging-quota", "5G", NULL),
			 0);
	assert_true(o.limits.max_file_size == 5ull << 30);
	assert_int_equal(args(&o, err, "--name", "x", "--listen", "/a", "--control", "/b", NULL),
			 0);
	assert_string_equal(o.docs_device, ""); /* no document device unless asked */
	assert_int_equal(
	    args(&o, err, "--name", "x", "--vsock", "/v", "--docs-device", "/run/docs.vu", NULL),
	    0);
	assert_string_equal(o.docs_device, "/run/docs.vu");
	struct {
		const char *why;
		char *argv[6];
	} bad[] = {
	    {"--name is required", {"--vsock", "/v", NULL}},
	    {"--name", {"--name", "bad name", "--vsock", "/v", NULL}},
	    {"--vsock PATH", {"--name", "x", NULL}},
	    {"--vsock PATH", {"--name", "x", "--listen", "/a", NULL}},
	    {"--chooser", {"--name", "x", "--vsock", "/v", "--chooser", "command:rel"}},
	    {"--max-file-size: '0' is not a size of more than 0: digits with K, M, G or T",
	     {"--name", "x", "--vsock", "/v", "--max-file-size", "0"}},
	    /* A file size limit the user asked for is never lowered in silence. */
	    {"--max-file-size 5G is more than the staging quota 4G: give --staging-quota 5G or "
	     "more, or a smaller --max-file-size",
	     {"--name", "x", "--vsock", "/v", "--max-file-size", "5G"}},
	    {"--max-file-size 2049M is more than the staging quota 2G: give --staging-quota "
	     "2049M",
	     {"--name", "x", "--staging-quota=2G", "--vsock", "/v", "--max-file-size=2049M"}},
	    {"--max-grants: 'x' is not a number from 1 to 1024",
	     {"--name", "x", "--vsock", "/v", "--max-grants", "x"}},
	    {"--max-grants: '-1' is not a number from 1 to 1024",
	     {"--name", "x", "--vsock", "/v", "--max-grants", "-1"}},
	    {"--max-grants: '99999999999999999999' is not a number from 1 to 1024",
	     {"--name", "x", "--vsock", "/v", "--max-grants", "99999999999999999999"}},
	    {"--max-grants: '' is not a number", {"--name", "x", "--vsock", "/v", "--max-grants="}},
	    {"--max-handles: '8193' is not a number from 1 to 8192",
	     {"--name", "x", "--vsock", "/v", "--max-handles", "8193"}},
	    {"--max-handles: '0' is not", {"--name", "x", "--vsock", "/v", "--max-handles", "0"}},
	    {"--docs-device: '' is not a socket path of 1 to 107 bytes",
	     {"--name", "x", "--vsock", "/v", "--docs-device", ""}},
	    {"--dialog-interval: '5h' is not a duration from 1ms to 86400s",
	     {"--name", "x", "--vsock", "/v", "--dialog-interval", "5h"}},
	    {"--max-connections: '65' is not a number from 1 to 64",
	     {"--name", "x", "--vsock", "/v", "--max-connections", "65"}},
	    {"--walk-rate: '0' is not a number from 1 to 16777216",
	     {"--name", "x", "--vsock", "/v", "--walk-rate", "0"}},
	    {"--walk-rate: '16777217' is not a number from 1 to 16777216",
	     {"--name", "x", "--vsock", "/v", "--walk-rate", "16777217"}},
	    {"--port: '0' is not a port from 1 to 4294967294",
	     {"--name", "x", "--vsock", "/v", "--port", "0"}},
	    {"--port: '01026' is not a port from 1 to 4294967294",
	     {"--name", "x", "--vsock", "/v", "--port", "01026"}},
	    {"--port: '4294967295' is not a port from 1 to 4294967294",
	     {"--name", "x", "--vsock", "/v", "--port", "4294967295"}},
	    {"unknown option '--frob'", {"--name", "x", "--vsock", "/v", "--frob", "1"}},
	    {"unknown option '--frob'", {"--name", "x", "--vsock", "/v", "--frob"}},
	    {"unexpected argument 'extra'", {"--name", "x", "--vsock", "/v", "extra"}},
	    {"--vsock needs a value", {"--name", "x", "--vsock", NULL}},
	    {"--name needs a value", {"--name"}},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *argv[8] = {"appvm-portald"};
		int argc = 1;
		for (int k = 0; k < 6 && bad[i].argv[k]; k++)
			argv[argc++] = bad[i].argv[k];
		if (pd_opts_parse(&o, argc, argv, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu accepted", i);
		if (!strstr(err, bad[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].why);
	}
	/* A path that leaves no room for the suffix. */
	char lng[120];
	memset(lng, 'p', sizeof(lng) - 1);
	lng[0] = '/';
	lng[sizeof(lng) - 1] = '\0';
	assert_int_equal(args(&o, err, "--name", "x", "--vsock", lng, NULL), -EINVAL);
	assert_int_equal(args(&o, err, "--name", "x", "--vsock", "/v", "--docs-device", lng, NULL),
			 -EINVAL);
	uint64_t sz;
	assert_int_equal(pd_parse_size("3G", &sz), 0);
	assert_true(sz == 3ull << 30);
	assert_int_equal(pd_parse_size("G", &sz), -EINVAL);
	assert_int_equal(pd_parse_size("1P", &sz), -EINVAL);
	assert_int_equal(pd_parse_size("99999999999T", &sz), -EINVAL);
	assert_int_equal(args(&o, err, "--help", NULL), 0);
	assert_true(o.help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids),		cmocka_unit_test(test_requests),
	    cmocka_unit_test(test_status),	cmocka_unit_test(test_listing_round_trip),
	    cmocka_unit_test(test_daemon_args),
	};
	return cmocka_run_group_tests_name("pd_ctlproto", tests, NULL, NULL);
}
