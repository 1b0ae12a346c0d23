/* The init control protocol (lib/initctl.c): requests, replies, store lines
 * with escaped paths, every cap and one past it, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "initctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char buf[INITCTL_REPLY_MAX + 64];

static void test_requests(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int ret;
		enum initctl_cmd cmd;
		uint32_t deadline_ms;
	} cases[] = {
	    {"status\n", 0, INITCTL_CMD_STATUS, 0},
	    {"poweroff\n", 0, INITCTL_CMD_POWEROFF, 0},
	    {"reboot\n", 0, INITCTL_CMD_REBOOT, 0},
	    {"watch\n", 0, INITCTL_CMD_WATCH, 0},
	    {"poweroff 5000\n", 0, INITCTL_CMD_POWEROFF, 5000},
	    {"reboot 0\n", 0, INITCTL_CMD_REBOOT, 0},
	    {"reboot 1\n", 0, INITCTL_CMD_REBOOT, 1},
	    {"poweroff 3600000\n", 0, INITCTL_CMD_POWEROFF, 3600000},
	    {"stat", -EAGAIN, 0, 0},
	    {"", -EAGAIN, 0, 0},
	    {"poweroff 50", -EAGAIN, 0, 0},
	    {"halt\n", -EOPNOTSUPP, 0, 0},
	    {"STATUS\n", -EBADMSG, 0, 0},
	    {"status \n", -EBADMSG, 0, 0},
	    {"status\nstatus\n", -EBADMSG, 0, 0},
	    {"\n", -EOPNOTSUPP, 0, 0},
	    /* 63 bytes without a newline: still incomplete; 64: too long. */
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -EAGAIN, 0, 0},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -EBADMSG, 0, 0},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", -EOPNOTSUPP, 0,
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
	    {"poweroff 18446744073709551617\n", -EBADMSG, 0, 0},
	    {"status 5\n", -EBADMSG, 0, 0},
	    {"status 0\n", -EBADMSG, 0, 0},
	    {"watch 0\n", -EBADMSG, 0, 0},
	    {"watch 5\n", -EBADMSG, 0, 0},
	    {"watch\nwatch\n", -EBADMSG, 0, 0},
	    {"watch", -EAGAIN, 0, 0},
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
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		enum initctl_cmd cmd = 99;
		uint32_t deadline_ms = 77;
		int r =
		    initctl_request_decode(cases[i].in, strlen(cases[i].in), &cmd, &deadline_ms);
		if (r != cases[i].ret)
			fail_msg("case %zu (%s): got %d want %d", i, cases[i].in, r, cases[i].ret);
		if (r == 0) {
			assert_int_equal(cmd, cases[i].cmd);
			assert_int_equal(deadline_ms, cases[i].deadline_ms);
		}
	}
	enum initctl_cmd cmd;
	uint32_t deadline_ms;
	assert_int_equal(initctl_request_decode("status\0\n", 8, &cmd, &deadline_ms), -EBADMSG);
	assert_int_equal(initctl_request_decode("poweroff 5\0\n", 12, &cmd, &deadline_ms),
			 -EBADMSG);
	assert_string_equal(initctl_cmd_name(INITCTL_CMD_REBOOT), "reboot");
	assert_string_equal(initctl_cmd_name(INITCTL_CMD_WATCH), "watch");
	assert_string_equal(initctl_cmd_name((enum initctl_cmd)4), "");
	assert_false(initctl_cmd_takes_deadline(INITCTL_CMD_WATCH));
	assert_true(initctl_cmd_takes_deadline(INITCTL_CMD_REBOOT));
}

static void test_request_encode(void **state)
{
	(void)state;
	char req[INITCTL_REQUEST_MAX];
	assert_int_equal(initctl_request_encode(INITCTL_CMD_STATUS, 0, req, sizeof(req)), 7);
	assert_string_equal(req, "status\n");
	assert_int_equal(initctl_request_encode(INITCTL_CMD_POWEROFF, 0, req, sizeof(req)), 9);
	assert_string_equal(req, "poweroff\n");
	assert_int_equal(initctl_request_encode(INITCTL_CMD_POWEROFF, 1500, req, sizeof(req)), 14);
	assert_string_equal(req, "poweroff 1500\n");
	assert_int_equal(
	    initctl_request_encode(INITCTL_CMD_REBOOT, INITCTL_DEADLINE_MAX, req, sizeof(req)), 15);
	assert_string_equal(req, "reboot 3600000\n");
	assert_int_equal(
	    initctl_request_encode(INITCTL_CMD_REBOOT, INITCTL_DEADLINE_MAX + 1, req, sizeof(req)),
	    -EINVAL);
	assert_int_equal(initctl_request_encode(INITCTL_CMD_STATUS, 5, req, sizeof(req)), -EINVAL);
	assert_int_equal(initctl_request_encode(INITCTL_CMD_WATCH, 0, req, sizeof(req)), 6);
	assert_string_equal(req, "watch\n");
	assert_int_equal(initctl_request_encode(INITCTL_CMD_WATCH, 1, req, sizeof(req)), -EINVAL);
	assert_int_equal(initctl_request_encode((enum initctl_cmd)9, 0, req, sizeof(req)), -EINVAL);
	assert_int_equal(initctl_request_encode(INITCTL_CMD_POWEROFF, 1500, req, 14), -E2BIG);
	assert_int_equal(initctl_request_encode(INITCTL_CMD_POWEROFF, 1500, req, 15), 14);

	/* What is encoded decodes to the same request. */
	static const uint32_t ds[] = {0, 1, 9, 10, 999, 1000, 60000, INITCTL_DEADLINE_MAX};
	for (int c = INITCTL_CMD_STATUS; c <= INITCTL_CMD_WATCH; c++)
		for (size_t i = 0; i < ARRAY_LEN(ds); i++) {
			enum initctl_cmd cmd;
			uint32_t d = 77;
			int n =
			    initctl_request_encode((enum initctl_cmd)c, ds[i], req, sizeof(req));
			if (!initctl_cmd_takes_deadline((enum initctl_cmd)c) && ds[i] != 0) {
				assert_int_equal(n, -EINVAL);
				continue;
			}
			assert_true(n > 0);
			assert_int_equal(initctl_request_decode(req, (size_t)n, &cmd, &d), 0);
			assert_int_equal(cmd, c);
			assert_int_equal(d, ds[i]);
		}
}

static void add_service(struct initctl_status *st, const char *name, enum initctl_state s, int pid,
			unsigned restarts)
{
	struct initctl_service *o = &st->services[st->n_services++];
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->state = s;
	o->pid = pid;
	o->restarts = restarts;
}

static void add_store(struct initctl_status *st, const char *name, const char *path, bool rw)
{
	struct initctl_store *o = &st->stores[st->n_stores++];
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->writable = rw;
}

static void assert_status_equal(const struct initctl_status *a, const struct initctl_status *b)
{
	assert_int_equal(a->n_services, b->n_services);
	for (size_t i = 0; i < a->n_services; i++) {
		assert_string_equal(a->services[i].name, b->services[i].name);
		assert_int_equal(a->services[i].state, b->services[i].state);
		assert_int_equal(a->services[i].pid, b->services[i].pid);
		assert_int_equal(a->services[i].restarts, b->services[i].restarts);
	}
	assert_int_equal(a->n_stores, b->n_stores);
	for (size_t i = 0; i < a->n_stores; i++) {
		assert_string_equal(a->stores[i].name, b->stores[i].name);
		assert_string_equal(a->stores[i].path, b->stores[i].path);
		assert_int_equal(a->stores[i].writable, b->stores[i].writable);
	}
	assert_int_equal(a->app_exited, b->app_exited);
	assert_int_equal(a->app_status, b->app_status);
	assert_int_equal(a->app_signal, b->app_signal);
	assert_int_equal(a->shutting_down, b->shutting_down);
}

/* Encodes st, checks the text when want is given, decodes it back to st, and
 * checks that every prefix is incomplete. */
static void roundtrip(const struct initctl_status *st, const char *want)
{
	static struct initctl_status out;
	int n = initctl_reply_encode_status(st, buf, sizeof(buf));
	assert_true(n > 0);
	assert_true((size_t)n <= INITCTL_REPLY_MAX);
	if (want) {
		buf[n] = '\0';
		assert_string_equal(buf, want);
	}
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(initctl_reply_decode(buf, (size_t)n, &out), 0);
	assert_status_equal(st, &out);
	for (int i = 0; i < n; i++)
		if (initctl_reply_decode(buf, (size_t)i, &out) != -EAGAIN)
			fail_msg("a prefix of %d bytes of %d is not incomplete", i, n);
}

static void test_status_roundtrip(void **state)
{
	(void)state;
	static struct initctl_status st;
	memset(&st, 0, sizeof(st));
	add_service(&st, "agent", INITCTL_STATE_FAILED, 0, 10);
	add_service(&st, "app", INITCTL_STATE_RUNNING, 42, 0);
	add_store(&st, "usr", "/usr", false);
	add_store(&st, "state", "/var/lib/app state", true);
	st.app_exited = true;
	st.app_status = 137;
	st.app_signal = 9;
	st.shutting_down = true;
	roundtrip(&st, "ok\nservice agent failed 0 10\nservice app running 42 0\n"
		       "store usr ro /usr\nstore state rw /var/lib/app\\040state\n"
		       "app-exit 137 9\nshutdown yes\nend\n");

	/* Every state, an exit code, no stores. */
	memset(&st, 0, sizeof(st));
	for (int s = INITCTL_STATE_STOPPED; s <= INITCTL_STATE_DISABLED; s++)
		add_service(&st, initctl_state_name((enum initctl_state)s), (enum initctl_state)s,
			    s, (unsigned)s);
	st.app_exited = true;
	st.app_status = 3;
	roundtrip(&st, "ok\nservice stopped stopped 0 0\nservice running running 1 1\n"
		       "service backoff backoff 2 2\nservice failed failed 3 3\n"
		       "service exited exited 4 4\nservice disabled disabled 5 5\n"
		       "app-exit 3 0\nshutdown no\nend\n");

	/* Nothing at all. */
	memset(&st, 0, sizeof(st));
	roundtrip(&st, "ok\napp-exit none\nshutdown no\nend\n");
}

static void test_path_escape(void **state)
{
	(void)state;
	static const struct {
		const char *path, *escaped;
	} cases[] = {
	    {"/", "/"},
	    {"/run/store/data", "/run/store/data"},
	    {"/a b", "/a\\040b"},
	    {"/tab\there", "/tab\\011here"},
	    {"/nl\nhere", "/nl\\012here"},
	    {"/back\\slash", "/back\\134slash"},
	    {"/\x01\x1f\x7f", "/\\001\\037\\177"},
	    {"/caf\xc3\xa9", "/caf\xc3\xa9"}, /* UTF-8 as it is */
	    {"/\xff", "/\xff"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char out[INITCTL_PATH_ESCAPED_SIZE];
		int n = initctl_path_escape(cases[i].path, out, sizeof(out));
		assert_int_equal(n, (int)strlen(cases[i].escaped));
		assert_string_equal(out, cases[i].escaped);
		/* Exactly enough room, and one byte less. */
		assert_int_equal(initctl_path_escape(cases[i].path, out, (size_t)n + 1), n);
		assert_int_equal(initctl_path_escape(cases[i].path, out, (size_t)n), -E2BIG);

		/* A store line with it decodes back to the path. */
		static struct initctl_status st;
		memset(&st, 0, sizeof(st));
		add_store(&st, "s", cases[i].path, false);
		roundtrip(&st, NULL);
	}
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
	    {"ok\nfuture line with many many words in it\nend\n", 0},
	    {"ok\nfuture  double  spaces \nend\n", 0},
	    {"error permission\n", -EPERM},
	    {"error unknown\n", -EOPNOTSUPP},
	    {"error shutdown\n", -ESHUTDOWN},
	    {"error busy\n", -EBUSY},
	    {"error malformed\n", -EBADMSG},
	    {"error whatever\n", -EBADMSG},
	    {"error \n", -EBADMSG},
	    {"error permission\nextra\n", -EBADMSG},
	    {"error permission\nextra", -EBADMSG},
	    {"nope\n", -EBADMSG},
	    {"ok \nend\n", -EBADMSG},
	    {"ok\nend\nmore", -EBADMSG},
	    {"ok\nend\n\n", -EBADMSG},
	    {"ok\n\nend\n", -EBADMSG},
	    {"ok\n service a running 1 1\nend\n", -EBADMSG},
	    /* service lines */
	    {"ok\nservice a b 1 2\nend\n", -EBADMSG},
	    {"ok\nservice a running -1 2\nend\n", -EBADMSG},
	    {"ok\nservice a running 1\nend\n", -EBADMSG},
	    {"ok\nservice a running 1 1 1\nend\n", -EBADMSG},
	    {"ok\nservice a running  1 1\nend\n", -EBADMSG},
	    {"ok\nservice a running 1 1 \nend\n", -EBADMSG},
	    {"ok\nservice a running 01 1\nend\n", -EBADMSG},
	    {"ok\nservice a/b running 1 1\nend\n", -EBADMSG},
	    {"ok\nservice aaaaaaaaaaaaaaa running 1 1\nend\n", 0},
	    {"ok\nservice aaaaaaaaaaaaaaaa running 1 1\nend\n", -EBADMSG},
	    {"ok\nservice a running 4194304 1000000\nend\n", 0},
	    {"ok\nservice a running 4194305 1\nend\n", -EBADMSG},
	    {"ok\nservice a running 1 1000001\nend\n", -EBADMSG},
	    {"ok\nservice a running 99999999999 1\nend\n", -EBADMSG},
	    /* app-exit */
	    {"ok\napp-exit 255 0\nend\n", 0},
	    {"ok\napp-exit 256 0\nend\n", -EBADMSG},
	    {"ok\napp-exit 192 64\nend\n", 0},
	    {"ok\napp-exit 193 65\nend\n", -EBADMSG},
	    {"ok\napp-exit 137 8\nend\n", -EBADMSG}, /* 128 + 8 is 136 */
	    {"ok\napp-exit 0 9\nend\n", -EBADMSG},
	    {"ok\napp-exit 1\nend\n", -EBADMSG},
	    {"ok\napp-exit -1 0\nend\n", -EBADMSG},
	    {"ok\napp-exit nonee\nend\n", -EBADMSG},
	    {"ok\napp-exit none\napp-exit 1 0\nend\n", -EBADMSG},
	    /* shutdown */
	    {"ok\nshutdown maybe\nend\n", -EBADMSG},
	    {"ok\nshutdown yes\nshutdown yes\nend\n", -EBADMSG},
	    {"ok\nshutdown\nend\n", -EBADMSG},
	    /* store lines */
	    {"ok\nstore usr ro /usr\nend\n", 0},
	    {"ok\nstore state rw /var/lib/appvm\nend\n", 0},
	    {"ok\nstore usr rx /usr\nend\n", -EBADMSG},
	    {"ok\nstore usr ro usr\nend\n", -EBADMSG},
	    {"ok\nstore usr ro\nend\n", -EBADMSG},
	    {"ok\nstore usr ro /a b\nend\n", -EBADMSG},
	    {"ok\nstore usr ro /a \nend\n", -EBADMSG},
	    {"ok\nstore us\\040r ro /a\nend\n", -EBADMSG},
	    {"ok\nstore u:r ro /a\nend\n", -EBADMSG},
	    {"ok\nstore aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ro /a\nend\n", 0},
	    {"ok\nstore aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ro /a\nend\n", -EBADMSG},
	    {"ok\nstore s ro /a\\040b\nend\n", 0},
	    {"ok\nstore s ro \\057a\nend\n", -EBADMSG},	  /* '/' needs no escape */
	    {"ok\nstore s ro /\\141\nend\n", -EBADMSG},	  /* nor does 'a' */
	    {"ok\nstore s ro /a\\000b\nend\n", -EBADMSG}, /* no NUL in a path */
	    {"ok\nstore s ro /a\\04\nend\n", -EBADMSG},
	    {"ok\nstore s ro /a\\0\nend\n", -EBADMSG},
	    {"ok\nstore s ro /a\\\nend\n", -EBADMSG},
	    {"ok\nstore s ro /a\\400\nend\n", -EBADMSG},
	    {"ok\nstore s ro /a\\048\nend\n", -EBADMSG},
	    {"ok\nstore s ro /a\\x20\nend\n", -EBADMSG},
	    {"ok\nstore s ro \nend\n", -EBADMSG},
	    {"ok\nstore s ro /a\tb\nend\n", -EBADMSG}, /* a raw control character */
	    /* incomplete */
	    {"ok\nend", -EAGAIN},
	    {"ok", -EAGAIN},
	    {"", -EAGAIN},
	    {"ok\nservice a running 1 1\n", -EAGAIN},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		static struct initctl_status st;
		int r = initctl_reply_decode(cases[i].in, strlen(cases[i].in), &st);
		if (r != cases[i].ret)
			fail_msg("case %zu (%s): got %d want %d", i, cases[i].in, r, cases[i].ret);
	}
	/* NUL and DEL are not text. */
	assert_int_equal(initctl_reply_decode("ok\n\0end\n", 8, NULL), -EBADMSG);
	assert_int_equal(initctl_reply_decode("ok\nx\x7f\nend\n", 9, NULL), -EBADMSG);
	assert_int_equal(initctl_reply_decode("ok\r\nend\n", 8, NULL), -EBADMSG);

	char simple[64];
	assert_int_equal(initctl_reply_encode_simple(NULL, simple, sizeof(simple)), 7);
	assert_int_equal(initctl_reply_decode(simple, 7, NULL), 0);
	int n = initctl_reply_encode_simple(INITCTL_ERR_PERMISSION, simple, sizeof(simple));
	assert_int_equal(initctl_reply_decode(simple, (size_t)n, NULL), -EPERM);
	n = initctl_reply_encode_simple(INITCTL_ERR_SHUTDOWN, simple, sizeof(simple));
	assert_int_equal(initctl_reply_decode(simple, (size_t)n, NULL), -ESHUTDOWN);
	assert_int_equal(initctl_reply_encode_simple(INITCTL_ERR_PERMISSION, simple, 5), -E2BIG);
	assert_int_equal(initctl_reply_encode_simple(NULL, simple, 7), -E2BIG);
	assert_int_equal(initctl_reply_encode_simple(NULL, simple, 8), 7);
}

/* A status at every cap: 8 services, 32 stores, the longest names, paths of
 * 255 bytes all escaped but the leading '/'. */
static void fill_max(struct initctl_status *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < INITCTL_MAX_SERVICES; i++) {
		add_service(st, "disabled", INITCTL_STATE_DISABLED, INITCTL_PID_MAX,
			    INITCTL_RESTARTS_MAX);
		memset(st->services[i].name, 'a' + i, INITCTL_SERVICE_NAME_MAX);
	}
	for (int i = 0; i < INITCTL_MAX_STORES; i++) {
		struct initctl_store *s = &st->stores[st->n_stores++];
		memset(s->name, 'a' + i % 26, INITCTL_STORE_NAME_MAX);
		s->path[0] = '/';
		memset(s->path + 1, ' ', INITCTL_PATH_MAX - 1);
		s->writable = i == 0;
	}
	st->app_exited = true;
	st->app_status = 128 + INITCTL_SIGNAL_MAX;
	st->app_signal = INITCTL_SIGNAL_MAX;
	st->shutting_down = true;
}

static void test_caps(void **state)
{
	(void)state;
	static struct initctl_status st, out;

	/* The largest status init can send fits the reply cap. */
	fill_max(&st);
	int n = initctl_reply_encode_status(&st, buf, sizeof(buf));
	assert_int_equal(n, 34348); /* the figure in initctl.h */
	assert_true(n <= INITCTL_REPLY_MAX);
	assert_int_equal(initctl_reply_encode_status(&st, buf, INITCTL_REPLY_MAX), n);
	roundtrip(&st, NULL);
	/* A buffer one byte short of the reply (and its NUL) is too small. */
	assert_int_equal(initctl_reply_encode_status(&st, buf, (size_t)n), -E2BIG);
	assert_int_equal(initctl_reply_encode_status(&st, buf, 0), -E2BIG);

	/* One past each cap: the encoder refuses, and so does the decoder. */
	static const char *const over[] = {"services", "stores",   "service name", "store name",
					   "path",     "pid",	   "restarts",	   "signal",
					   "status",   "relative", "state",	   "negative pid"};
	for (size_t k = 0; k < ARRAY_LEN(over); k++) {
		fill_max(&st);
		switch (k) {
		case 0:
			st.n_services++;
			break;
		case 1:
			st.n_stores++;
			break;
		case 2:
			/* No NUL inside the array: one byte more than allowed. */
			memset(st.services[0].name, 'a', sizeof(st.services[0].name));
			break;
		case 3:
			memset(st.stores[0].name, 'a', sizeof(st.stores[0].name));
			break;
		case 4:
			memset(st.stores[0].path + 1, 'a', sizeof(st.stores[0].path) - 1);
			break;
		case 5:
			st.services[0].pid = INITCTL_PID_MAX + 1;
			break;
		case 6:
			st.services[0].restarts = INITCTL_RESTARTS_MAX + 1;
			break;
		case 7:
			st.app_signal = INITCTL_SIGNAL_MAX + 1;
			st.app_status = 128 + st.app_signal;
			break;
		case 8:
			st.app_signal = 0;
			st.app_status = 256;
			break;
		case 9:
			st.stores[0].path[0] = 'x';
			break;
		case 10:
			st.services[0].state = (enum initctl_state)6;
			break;
		case 11:
			st.services[0].pid = -1;
			break;
		}
		if (initctl_reply_encode_status(&st, buf, sizeof(buf)) != -EINVAL)
			fail_msg("over the cap (%s): encoded", over[k]);
	}
	/* The decoder's list caps: 8 services and 32 stores decode (above); a
	 * 9th service or a 33rd store does not. */
	for (int k = 0; k < 2; k++) {
		fill_max(&st);
		n = initctl_reply_encode_status(&st, buf, sizeof(buf));
		assert_true(n > 4);
		const char *line = k == 0 ? "service x running 1 1\n" : "store x ro /x\n";
		n = n - 4 + sprintf(buf + n - 4, "%send\n", line);
		assert_int_equal(initctl_reply_decode(buf, (size_t)n, &out), -EBADMSG);
	}

	/* A reply of exactly INITCTL_REPLY_MAX bytes decodes; one more does not. */
	for (size_t len = INITCTL_REPLY_MAX; len <= INITCTL_REPLY_MAX + 1; len++) {
		size_t o = (size_t)sprintf(buf, "ok\nx ");
		size_t pad = len - o - strlen("\nend\n");
		memset(buf + o, 'p', pad);
		memcpy(buf + o + pad, "\nend\n", 5);
		int want = len == INITCTL_REPLY_MAX ? 0 : -EBADMSG;
		assert_int_equal(initctl_reply_decode(buf, len, &out), want);
	}
}

/* The replies to "watch": a stream, decoded one reply at a time. */
static void test_stream(void **state)
{
	(void)state;
	static struct initctl_status st, out;
	static const struct {
		const char *in;
		int ret;
		size_t used; /* when ret is 0 or an error line's */
	} cases[] = {
	    {"ok\nend\n", 0, 7},
	    {"ok\nend\nok\nend\n", 0, 7},
	    {"ok\napp-exit 3 0\nend\nok\n", 0, 20},
	    {"ok\nend\ngarbage", 0, 7}, /* the next reply is judged on its own */
	    {"error busy\n", -EBUSY, 11},
	    {"error unknown\nok\nend\n", -EOPNOTSUPP, 14},
	    {"ok\nend", -EAGAIN, 0},
	    {"ok\nservice a running 1 1\n", -EAGAIN, 0},
	    {"", -EAGAIN, 0},
	    {"ok\napp-exit 1\nend\nok\nend\n", -EBADMSG, 0},
	    {"ok\n\x01", -EBADMSG, 0}, /* not text, even before the line ends */
	    {"nope\nok\nend\n", -EBADMSG, 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t used = 999;
		int r = initctl_reply_decode_next(cases[i].in, strlen(cases[i].in), &out, &used);
		if (r != cases[i].ret)
			fail_msg("case %zu (%s): got %d want %d", i, cases[i].in, r, cases[i].ret);
		if (r != -EAGAIN && r != -EBADMSG && used != cases[i].used)
			fail_msg("case %zu (%s): used %zu want %zu", i, cases[i].in, used,
				 cases[i].used);
	}

	/* Two statuses back to back decode in turn, each to what was sent. */
	memset(&st, 0, sizeof(st));
	add_service(&st, "app", INITCTL_STATE_RUNNING, 42, 0);
	int a = initctl_reply_encode_status(&st, buf, sizeof(buf));
	assert_true(a > 0);
	st.services[0].state = INITCTL_STATE_EXITED;
	st.services[0].pid = 0;
	st.app_exited = true;
	st.app_status = 137;
	st.app_signal = 9;
	int b = initctl_reply_encode_status(&st, buf + a, sizeof(buf) - (size_t)a);
	assert_true(b > 0);
	size_t used = 0;
	assert_int_equal(initctl_reply_decode_next(buf, (size_t)(a + b), &out, &used), 0);
	assert_int_equal(used, (size_t)a);
	assert_int_equal(out.services[0].state, INITCTL_STATE_RUNNING);
	assert_false(out.app_exited);
	assert_int_equal(initctl_reply_decode_next(buf + used, (size_t)b, &out, &used), 0);
	assert_int_equal(used, (size_t)b);
	assert_int_equal(out.app_status, 137);
	assert_int_equal(out.services[0].state, INITCTL_STATE_EXITED);

	/* The cap applies to each reply: the largest status, followed by more
	 * bytes, decodes; a first reply that has not ended within
	 * INITCTL_REPLY_MAX bytes is malformed, however the stream goes on. */
	fill_max(&st);
	int n = initctl_reply_encode_status(&st, buf, sizeof(buf));
	assert_true(n > 0);
	memset(buf + n, 'x', sizeof(buf) - (size_t)n);
	assert_int_equal(initctl_reply_decode_next(buf, sizeof(buf), &out, &used), 0);
	assert_int_equal(used, (size_t)n);
	assert_status_equal(&st, &out);
	size_t o = (size_t)sprintf(buf, "ok\nx ");
	memset(buf + o, 'p', sizeof(buf) - o);
	assert_int_equal(initctl_reply_decode_next(buf, INITCTL_REPLY_MAX - 1, &out, &used),
			 -EAGAIN);
	assert_int_equal(initctl_reply_decode_next(buf, INITCTL_REPLY_MAX, &out, &used), -EBADMSG);
	assert_int_equal(initctl_reply_decode_next(buf, sizeof(buf), &out, &used), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests),	     cmocka_unit_test(test_request_encode),
	    cmocka_unit_test(test_status_roundtrip), cmocka_unit_test(test_path_escape),
	    cmocka_unit_test(test_replies),	     cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
