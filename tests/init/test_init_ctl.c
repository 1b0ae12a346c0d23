/* Control socket protocol: requests, replies, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "control_proto.h"

#include <errno.h>
#include <string.h>

static void test_requests(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int ret;
		enum ctl_cmd cmd;
		uint32_t deadline_ms;
	} cases[] = {
	    {"status\n", 0, CTL_CMD_STATUS, 0},
	    {"poweroff\n", 0, CTL_CMD_POWEROFF, 0},
	    {"reboot\n", 0, CTL_CMD_REBOOT, 0},
	    {"poweroff 5000\n", 0, CTL_CMD_POWEROFF, 5000},
	    {"reboot 0\n", 0, CTL_CMD_REBOOT, 0},
	    {"reboot 1\n", 0, CTL_CMD_REBOOT, 1},
	    {"poweroff 3600000\n", 0, CTL_CMD_POWEROFF, 3600000},
	    {"stat", -EAGAIN, 0, 0},
	    {"", -EAGAIN, 0, 0},
	    {"poweroff 50", -EAGAIN, 0, 0},
	    {"halt\n", -EOPNOTSUPP, 0, 0},
	    {"STATUS\n", -EBADMSG, 0, 0},
	    {"status \n", -EBADMSG, 0, 0},
	    {"status\nstatus\n", -EBADMSG, 0, 0},
	    {"\n", -EOPNOTSUPP, 0, 0},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -EBADMSG, 0,
	     0},
	    /* The argument: poweroff and reboot only, one space, 0..3600000,
	     * no sign, no leading zeros, nothing after it. */
	    {"poweroff -1\n", -EBADMSG, 0, 0},
	    {"poweroff +1\n", -EBADMSG, 0, 0},
	    {"poweroff 05\n", -EBADMSG, 0, 0},
	    {"poweroff 00\n", -EBADMSG, 0, 0},
	    {"poweroff 3600001\n", -EBADMSG, 0, 0},
	    {"poweroff 99999999\n", -EBADMSG, 0, 0},
	    {"poweroff 4294967296\n", -EBADMSG, 0, 0},
	    {"status 5\n", -EBADMSG, 0, 0},
	    {"status 0\n", -EBADMSG, 0, 0},
	    {"halt 5\n", -EBADMSG, 0, 0},
	    {"poweroff  5\n", -EBADMSG, 0, 0},
	    {"poweroff 5 \n", -EBADMSG, 0, 0},
	    {"poweroff \n", -EBADMSG, 0, 0},
	    {"poweroff 5 5\n", -EBADMSG, 0, 0},
	    {"poweroff 5s\n", -EBADMSG, 0, 0},
	    {"poweroff x\n", -EBADMSG, 0, 0},
	    {"reboot 1e3\n", -EBADMSG, 0, 0},
	    {"poweroff\t5\n", -EBADMSG, 0, 0},
	    {"reboot 5\r\n", -EBADMSG, 0, 0},
	    {"poweroff 5\nstatus\n", -EBADMSG, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ctl_cmd cmd = 99;
		uint32_t deadline_ms = 77;
		int r = ctl_request_decode(cases[i].in, strlen(cases[i].in), &cmd, &deadline_ms);
		if (r != cases[i].ret)
			fail_msg("case %zu (%s): got %d want %d", i, cases[i].in, r, cases[i].ret);
		if (r == 0) {
			assert_int_equal(cmd, cases[i].cmd);
			assert_int_equal(deadline_ms, cases[i].deadline_ms);
		}
	}
	enum ctl_cmd cmd;
	uint32_t deadline_ms;
	assert_int_equal(ctl_request_decode("status\0\n", 8, &cmd, &deadline_ms), -EBADMSG);
	assert_int_equal(ctl_request_decode("poweroff 5\0\n", 12, &cmd, &deadline_ms), -EBADMSG);
	for (int c = CTL_CMD_STATUS; c <= CTL_CMD_REBOOT; c++) {
		const char *l = ctl_request_line((enum ctl_cmd)c);
		assert_int_equal(ctl_request_decode(l, strlen(l), &cmd, &deadline_ms), 0);
		assert_int_equal(cmd, c);
		assert_int_equal(deadline_ms, 0);
	}
}

static void test_request_encode(void **state)
{
	(void)state;
	char buf[CTL_REQUEST_MAX];
	assert_int_equal(ctl_request_encode(CTL_CMD_STATUS, 0, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "status\n");
	assert_int_equal(ctl_request_encode(CTL_CMD_POWEROFF, 0, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "poweroff\n");
	assert_int_equal(ctl_request_encode(CTL_CMD_POWEROFF, 1500, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "poweroff 1500\n");
	assert_int_equal(ctl_request_encode(CTL_CMD_REBOOT, CTL_DEADLINE_MAX, buf, sizeof(buf)),
			 15);
	assert_string_equal(buf, "reboot 3600000\n");
	assert_int_equal(ctl_request_encode(CTL_CMD_REBOOT, CTL_DEADLINE_MAX + 1, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(ctl_request_encode(CTL_CMD_STATUS, 5, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(ctl_request_encode((enum ctl_cmd)9, 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(ctl_request_encode(CTL_CMD_POWEROFF, 1500, buf, 14), -E2BIG);

	/* What is encoded decodes to the same request. */
	static const uint32_t ds[] = {0, 1, 9, 10, 999, 1000, 60000, CTL_DEADLINE_MAX};
	for (int c = CTL_CMD_POWEROFF; c <= CTL_CMD_REBOOT; c++)
		for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
			enum ctl_cmd cmd;
			uint32_t d = 77;
			int n = ctl_request_encode((enum ctl_cmd)c, ds[i], buf, sizeof(buf));
			assert_true(n > 0);
			assert_int_equal(ctl_request_decode(buf, (size_t)n, &cmd, &d), 0);
			assert_int_equal(cmd, c);
			assert_int_equal(d, ds[i]);
		}
}

static void test_status_roundtrip(void **state)
{
	(void)state;
	struct ctl_status st = {.n_services = 2,
				.app_exited = true,
				.app_status = 137,
				.app_signal = 9,
				.shutting_down = true};
	strcpy(st.services[0].name, "agent");
	st.services[0].state = CTL_STATE_FAILED;
	st.services[0].restarts = 10;
	strcpy(st.services[1].name, "app");
	st.services[1].state = CTL_STATE_RUNNING;
	st.services[1].pid = 42;
	char buf[CTL_REPLY_MAX];
	int n = ctl_reply_encode_status(&st, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "ok\nservice agent failed 0 10\nservice app running 42 0\n"
				 "app-exit 137 9\nshutdown yes\nend\n");
	struct ctl_status out;
	assert_int_equal(ctl_reply_decode(buf, (size_t)n, &out), 0);
	assert_int_equal(out.n_services, 2);
	assert_string_equal(out.services[1].name, "app");
	assert_int_equal(out.services[1].pid, 42);
	assert_int_equal(out.services[0].state, CTL_STATE_FAILED);
	assert_true(out.app_exited);
	assert_int_equal(out.app_status, 137);
	assert_int_equal(out.app_signal, 9);
	assert_true(out.shutting_down);
	/* Every prefix is incomplete, never an error or success. */
	for (int i = 0; i < n; i++)
		assert_int_equal(ctl_reply_decode(buf, (size_t)i, &out), -EAGAIN);
	assert_int_equal(ctl_reply_encode_status(&st, buf, 20), -E2BIG);
}

static void test_replies(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int ret;
	} cases[] = {
	    {"ok\nend\n", 0},
	    {"ok\napp-exit none\nfuture line 1 2\nend\n", 0},
	    {"error permission\n", -EPERM},
	    {"error unknown\n", -EOPNOTSUPP},
	    {"error shutdown\n", -ESHUTDOWN},
	    {"error whatever\n", -EBADMSG},
	    {"error permission\nextra\n", -EBADMSG},
	    {"nope\n", -EBADMSG},
	    {"ok\nend\nmore", -EBADMSG},
	    {"ok\nservice a b 1 2\nend\n", -EBADMSG},
	    {"ok\nservice a running -1 2\nend\n", -EBADMSG},
	    {"ok\nservice a running 1\nend\n", -EBADMSG},
	    {"ok\nservice aaaaaaaaaaaaaaaaaaaaaa running 1 1\nend\n", -EBADMSG},
	    {"ok\nservice a running 99999999999 1\nend\n", -EBADMSG},
	    {"ok\napp-exit 256 0\nend\n", -EBADMSG},
	    {"ok\napp-exit 1\nend\n", -EBADMSG},
	    {"ok\napp-exit none\napp-exit 1 0\nend\n", 1},
	    {"ok\nshutdown maybe\nend\n", -EBADMSG},
	    {"ok\n\nend\n", -EBADMSG},
	    {"ok\nservice a running 1 1\nservice a running 1 1\nservice a running 1 1\n"
	     "service a running 1 1\nservice a running 1 1\nservice a running 1 1\n"
	     "service a running 1 1\nservice a running 1 1\nservice a running 1 1\nend\n",
	     -EBADMSG},
	    {"ok\nend", -EAGAIN},
	    {"ok", -EAGAIN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_status st;
		int r = ctl_reply_decode(cases[i].in, strlen(cases[i].in), &st);
		/* A repeated app-exit line is skipped like an unknown line. */
		int want = cases[i].ret == 1 ? 0 : cases[i].ret;
		if (r != want)
			fail_msg("case %zu: got %d want %d", i, r, want);
	}
	assert_int_equal(ctl_reply_decode("ok\n\0end\n", 8, NULL), -EBADMSG);
	char big[CTL_REPLY_MAX + 1];
	memset(big, 'a', sizeof(big));
	assert_int_equal(ctl_reply_decode(big, sizeof(big), NULL), -EBADMSG);
	char buf[64];
	assert_int_equal(ctl_reply_encode_simple(NULL, buf, sizeof(buf)), 7);
	assert_int_equal(ctl_reply_decode(buf, 7, NULL), 0);
	int n = ctl_reply_encode_simple(CTL_ERR_PERMISSION, buf, sizeof(buf));
	assert_int_equal(ctl_reply_decode(buf, (size_t)n, NULL), -EPERM);
	assert_int_equal(ctl_reply_encode_simple(CTL_ERR_PERMISSION, buf, 5), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests),
	    cmocka_unit_test(test_request_encode),
	    cmocka_unit_test(test_status_roundtrip),
	    cmocka_unit_test(test_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
