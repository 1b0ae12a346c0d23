/* appvmctl against a hostile guest, table-driven: a fake agent behind a
 * hybrid socket sends what a hostile guest would (lying lengths, every cap
 * and one byte more or less, truncated frames then silence, one byte per
 * second, floods, replies to requests never sent, bad exit values, escape
 * and bidi characters in every string that reaches the user), and crowds of
 * hostile event connections try to keep wait-ready from the agent's READY.
 * Each case must end with a clear error and the right exit code within its
 * deadline, and the next well-behaved request must still be served. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "ctl_error.h"
#include "ctl_event.h"
#include "ctl_run.h"
#include "fake_events.h"
#include "fake_guest.h"
#include "fake_io.h"
#include "hostile_frames.h"

static char dir[64];
static char vm_path[128], event_path[128], hybrid_target[160], unix_target[160];

struct agent_case {
	const char *name;
	enum build bytes;
	const char *command;
	int at_hello;
	unsigned drip_ms;
	enum fake_after after;
	const char *timeout;
	int code;
	const char *in_err; /* or, for code 0, in stdout */
};

#define SILENT AFTER_SILENT
#define CLOSE  AFTER_CLOSE
#define REPLY  AFTER_REPLY

static const struct agent_case agent_cases[] = {
    /* Lying lengths. */
    {"length says 100, 10 bytes sent, then silence", STATUS_SAYS_100_SENDS_10, "status", 0, 0,
     SILENT, "1", CTL_EXIT_TIMEOUT,
     "no STATUS reply from the guest before the deadline (received 10 payload bytes of a "
     "STATUS reply of 100 bytes (id 2))"},
    {"length says 100, 10 bytes sent, then close", STATUS_SAYS_100_SENDS_10, "status", 0, 0, CLOSE,
     "5", CTL_EXIT_PROTOCOL, "guest closed the connection in the middle of a frame"},
    {"string longer than the payload", STATUS_STRING_PAST_PAYLOAD, "status", 0, 0, SILENT, "5",
     CTL_EXIT_PROTOCOL,
     "guest sent a malformed STATUS reply of 12 bytes (id 2): payload truncated"},
    {"payload longer than its fields", STATUS_TRAILING_BYTE, "status", 0, 0, SILENT, "5",
     CTL_EXIT_PROTOCOL, "(id 2): trailing bytes after payload"},
    {"store count lies", STATUS_STORES_LIE, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "(id 2): payload truncated"},
    {"error message longer than the payload", ERROR_STRING_PAST_PAYLOAD, "ping", 0, 0, SILENT, "5",
     CTL_EXIT_PROTOCOL,
     "guest sent a malformed ERROR reply of 262 bytes (id 2): payload truncated"},
    /* Every cap, one byte more and one less. */
    {"HELLO reply cap + 1", HELLO_267, "ping", 1, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent an oversized frame: HELLO reply of 267 bytes (id 1), over its cap of 266\n"},
    {"HELLO reply at its cap", HELLO_266, "ping", 1, 0, REPLY, "5", 0, "from aaaaaaaa"},
    {"HELLO reply cap - 1", HELLO_265, "ping", 1, 0, REPLY, "5", 0, "(protocol 1)"},
    {"ERROR reply cap + 1", ERROR_263, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "ERROR reply of 263 bytes (id 2), over its cap of 262\n"},
    {"ERROR reply at its cap", ERROR_262, "ping", 0, 0, SILENT, "5", CTL_EXIT_GUEST_ERROR,
     "guest error BUSY (4): eeeeeeee"},
    {"ERROR reply cap - 1", ERROR_261, "ping", 0, 0, SILENT, "5", CTL_EXIT_GUEST_ERROR,
     "guest answered PING with error BUSY"},
    {"PING reply cap + 1", PING_9, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "PING reply of 9 bytes (id 2), over its cap of 8\n"},
    {"PING reply cap - 1", PING_7, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a malformed PING reply of 7 bytes (id 2): payload truncated"},
    {"STATUS reply cap + 1", STATUS_65537, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "STATUS reply of 65537 bytes (id 2), over its cap of 65536\n"},
    {"STATUS reply at its cap", STATUS_65536, "status", 0, 0, SILENT, "5", 0, "store:     s on /p"},
    {"STATUS reply cap - 1", STATUS_65535, "status", 0, 0, SILENT, "5", 0, "vm:        vm\n"},
    {"STATUS reply of 4 GiB", STATUS_4G, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent an oversized frame: STATUS reply of 4294967295 bytes (id 2), over its cap of "
     "65536\n"},
    {"HELLO reply of 4 GiB", HELLO_4G, "status", 1, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "HELLO reply of 4294967295 bytes (id 1), over its cap of 266\n"},
    {"SHUTDOWN reply cap + 1", SHUTDOWN_1, "shutdown", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "SHUTDOWN reply of 1 bytes (id 2), over its cap of 0\n"},
    {"READY event cap + 1", READY_267, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "READY event of 267 bytes (id 1), over its cap of 266\n"},
    {"READY event at its cap", READY_266, "ping", 0, 0, REPLY, "5", 0, "ping: reply in"},
    {"APP_EXIT event cap + 1", APP_EXIT_9, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "APP_EXIT event of 9 bytes (id 3), over its cap of 8\n"},
    {"APP_EXIT event at its cap", APP_EXIT_8, "ping", 0, 0, REPLY, "5", 0, "ping: reply in"},
    {"APP_EXIT event cap - 1", APP_EXIT_7, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a malformed APP_EXIT event of 7 bytes (id 3): payload truncated"},
    {"unknown request over the global cap", UNKNOWN_65537, "ping", 0, 0, SILENT, "5",
     CTL_EXIT_PROTOCOL,
     "request of unknown type 0x7777 of 65537 bytes (id 5), over the cap of 65536\n"},
    {"unknown request at the global cap", UNKNOWN_65536, "ping", 0, 0, REPLY, "5", 0,
     "ping: reply in"},
    /* Exit values outside APP_EXIT's ranges. */
    {"STATUS killed by signal -5", STATUS_SIGNAL_MINUS_5, "status", 0, 0, SILENT, "5",
     CTL_EXIT_PROTOCOL, "(id 2): signal out of range"},
    {"STATUS exit status 256", STATUS_STATUS_256, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "(id 2): exit status out of range"},
    {"STATUS exit value without exit", STATUS_VALUE_WITHOUT_EXIT, "status", 0, 0, SILENT, "5",
     CTL_EXIT_PROTOCOL, "(id 2): exit value without exit"},
    {"STATUS exit kind 3", STATUS_HOW_3, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "(id 2): bad exit kind"},
    {"APP_EXIT signal 65", APP_EXIT_SIGNAL_65, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "malformed APP_EXIT event of 8 bytes (id 3): signal out of range"},
    {"APP_EXIT signal 0", APP_EXIT_SIGNAL_0, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "malformed APP_EXIT event of 8 bytes (id 3): signal out of range"},
    /* Replies to requests never sent. */
    {"reply to id 7", PING_REPLY_ID_7, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a reply to a request we did not send: PING reply of 8 bytes (id 7)\n"},
    {"a second HELLO reply", SECOND_HELLO, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a second HELLO"},
    {"ERROR reply to id 9", ERROR_REPLY_ID_9, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a reply to a request we did not send: ERROR reply of 10 bytes (id 9)\n"},
    {"PING reply before the HELLO reply", PING_REPLY_BEFORE_HELLO, "ping", 1, 0, SILENT, "5",
     CTL_EXIT_PROTOCOL,
     "guest sent something before answering HELLO: PING reply of 8 bytes (id 1)"},
    {"reply of unknown type", UNKNOWN_REPLY, "ping", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a malformed reply of unknown type 0x7777 of 3 bytes (id 2): unsupported "
     "message type"},
    /* Truncated frames, then silence or the end. */
    {"half a header, then silence", HALF_HEADER, "ping", 1, 0, SILENT, "0.5", CTL_EXIT_TIMEOUT,
     "no HELLO reply from the guest before the deadline (received 8 of a header's 16 bytes)"},
    {"half a header, then close", HALF_HEADER, "ping", 1, 0, CLOSE, "5", CTL_EXIT_PROTOCOL,
     "guest closed the connection in the middle of a frame"},
    /* One byte per second: the deadline holds. */
    {"one byte per second", GOOD_STATUS, "status", 0, 1000, SILENT, "1.5", CTL_EXIT_TIMEOUT,
     "no STATUS reply from the guest before the deadline (received "},
    /* Not frames at all. */
    {"bad magic", BAD_MAGIC, "ping", 1, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent garbage, not a frame header (magic 0x5448, want 0x5641): 48 54 54 50 2f 31 "
     "2e 30 20 32 30 30 20 4f 4b 0d\n"},
    {"unknown flag", UNKNOWN_FLAG, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a bad frame header (unknown flags 0x0002): 41 56 11 00 03 00"},
    {"reserved field set", RESERVED_SET, "status", 0, 0, SILENT, "5", CTL_EXIT_PROTOCOL,
     "guest sent a bad frame header (reserved field 0x0001)"},
};

/* Runs one hostile case and then a well-behaved ping on the same socket. */
static void run_agent_case(const struct agent_case *c, struct bytes *b)
{
	hostile_build(c->bytes, b);
	struct fake_opts o = {.mode = FAKE_RAW,
			      .front = FRONT_OK,
			      .hostile_conns = 1,
			      .raw = b->p,
			      .raw_len = b->len,
			      .at_hello = c->at_hello,
			      .drip_ms = c->drip_ms,
			      .after = c->after};
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = run_ctl(hybrid_target, c->command, "--timeout", c->timeout, NULL);
	print_message("%-45s exit %d after %4llu ms, cpu %llu ms\n", c->name, r.code,
		      (unsigned long long)r.ms, (unsigned long long)r.cpu_ms);
	if (c->code == 0)
		expect(&r, 0, c->in_err, NULL);
	else
		expect(&r, c->code, NULL, c->in_err);
	/* A guest that stalls or drips costs no CPU while it is waited for. */
	if (c->code == CTL_EXIT_TIMEOUT && r.cpu_ms > 50)
		fail_msg("%s: %llu ms of CPU while waiting", c->name, (unsigned long long)r.cpu_ms);
	/* Within the deadline (and a little for the machine's noise). */
	double limit_ms = atof(c->timeout) * 1000 + 700;
	if (r.ms > limit_ms)
		fail_msg("%s: took %llu ms", c->name, (unsigned long long)r.ms);
	run_free(&r);

	struct run next = run_ctl(hybrid_target, "ping", "--timeout", "5", NULL);
	fake_guest_stop(&g);
	expect(&next, 0, "ping: reply in", NULL);
	run_free(&next);
}

static void test_agent_cases(void **state)
{
	(void)state;
	static struct bytes b;
	for (size_t i = 0; i < sizeof(agent_cases) / sizeof(agent_cases[0]); i++)
		run_agent_case(&agent_cases[i], &b);
}

/* Floods: events or requests instead of the reply; then a good ping. */
static void test_floods(void **state)
{
	(void)state;
	static const enum fake_mode modes[] = {FAKE_EVENT_FLOOD, FAKE_REQUEST_FLOOD};
	for (size_t i = 0; i < 2; i++) {
		struct fake_opts o = {.mode = modes[i], .front = FRONT_OK, .hostile_conns = 1};
		struct fake_guest g;
		assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
		struct run r = run_ctl(hybrid_target, "status", "--timeout", "5", NULL);
		expect(&r, CTL_EXIT_PROTOCOL, NULL,
		       "guest sent more than 16 frames that are not the reply");
		assert_true(r.ms < 2000);
		run_free(&r);
		r = run_ctl(hybrid_target, "ping", NULL);
		fake_guest_stop(&g);
		expect(&r, 0, "ping: reply in", NULL);
		run_free(&r);
	}
}

/* ---- hostile strings in every field that reaches the user ---- */

/* Bidi controls (U+061C, U+202E, U+2066), a C1 CSI, a zero-width space, a
 * tag character, a Hangul filler, a line separator, a BOM: all valid in a
 * NAME, all invisible or worse on a terminal. */
#define HOSTILE                                                                                    \
	"x\xd8\x9c\xe2\x80\xae\xc2\x9b[31m\xe2\x81\xa6\xe2\x80\x8b\xf3\xa0\x81\x81\xe1\x85\x9f"    \
	"\xe2\x80\xa8\xef\xbb\xbfy"
#define HOSTILE_TEXT   "x\xd8\x9c\xe2\x80\xae\xc2\x9b[31m\xe2\x81\xa6\n\t\xe2\x80\x8by"
#define HOSTILE_PATH   "/m\x1b]0;owned\x07\x1b[2J\xd8\x9c\xe2\x80\xae"
#define HOSTILE_IFNAME "e\xd8\x9c\xe2\x80\xae\xe2\x80\x8b"

struct string_case {
	const char *field;
	const char *command;
	int code;
	struct fake_opts o;
	const char *text; /* in the text output (stdout or, for errors, stderr) */
	const char *json; /* in the JSON output */
};

static const struct string_case string_cases[] = {
    {"agent software",
     "ping",
     0,
     {.software = HOSTILE},
     "\\u{061c}\\u{202e}\\u{009b}[31m",
     "\"agent\":\"x\\u061c\\u202e\\u009b[31m\\u2066\\u200b\\udb40\\udc41\\u115f\\u2028\\ufeffy\""},
    {"vm name",
     "status",
     0,
     {.vm_name = HOSTILE},
     "vm:        x\\u{061c}\\u{202e}",
     "\"vm_name\":\"x\\u061c\\u202e"},
    {"agent version",
     "status",
     0,
     {.agent_version = HOSTILE},
     "agent:     x\\u{061c}\\u{202e}\\u{009b}[31m\\u{2066}\\u{200b}\\u{e0041}\\u{115f}\\u{"
     "2028}\\u{feff}y (protocol 1)",
     "\"agent_version\":\"x\\u061c"},
    {"store name",
     "status",
     0,
     {.store_name = HOSTILE},
     "store:     x\\u{061c}",
     "{\"name\":\"x\\u061c"},
    {"mount point",
     "status",
     0,
     {.mount_point = HOSTILE_PATH},
     " on /m\\x1b]0;owned\\x07\\x1b[2J\\u{061c}\\u{202e} (read-only)",
     "\"mount_point\":\"/m\\u001b]0;owned\\u0007\\u001b[2J\\u061c\\u202e\""},
    {"interface name",
     "status",
     0,
     {.ifname = HOSTILE_IFNAME},
     "address:   e\\u{061c}\\u{202e}\\u{200b} 10.0.2.15/24",
     "\"ifname\":\"e\\u061c\\u202e\\u200b\""},
    {"error message",
     "ping",
     CTL_EXIT_GUEST_ERROR,
     {.mode = FAKE_ERROR_REPLY, .error_msg = HOSTILE_TEXT},
     "guest error BUSY (4): x\\u{061c}\\u{202e}\\u{009b}[31m\\u{2066}\\n\\t\\u{200b}y\n",
     "\"message\":\"x\\u061c\\u202e\\u009b[31m\\u2066\\u000a\\u0009\\u200by\""},
};

static void check_string_case(const struct string_case *c, int json)
{
	struct fake_opts o = c->o;
	o.front = FRONT_OK;
	struct fake_guest g;
	assert_int_equal(fake_guest_run(&g, vm_path, &o), 0);
	struct run r = json ? run_ctl(hybrid_target, c->command, "--json", NULL)
			    : run_ctl(hybrid_target, c->command, NULL);
	fake_guest_stop(&g);
	if (json) {
		expect(&r, c->code, c->json, NULL);
		assert_printable_ascii("JSON", r.out);
	} else if (c->code == 0) {
		expect(&r, 0, c->text, NULL);
	} else {
		expect(&r, c->code, NULL, c->text);
	}
	run_free(&r);
}

static void test_hostile_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(string_cases) / sizeof(string_cases[0]); i++) {
		print_message("hostile %s\n", string_cases[i].field);
		check_string_case(&string_cases[i], 0);
		check_string_case(&string_cases[i], 1);
	}
}

/* READY's VM name and the event HELLO's software string. */
static void test_hostile_event_strings(void **state)
{
	(void)state;
	for (int json = 0; json < 2; json++) {
		struct fake_events e;
		assert_int_equal(
		    fake_events_start_named(&e, event_path, EVENT_GOOD, 0, HOSTILE, HOSTILE), 0);
		struct run r = run_ctl(unix_target, "wait-ready", "--event-socket", event_path,
				       "--timeout", "5", json ? "--json" : NULL, NULL);
		fake_events_stop(&e);
		if (json) {
			expect(&r, 0,
			       "\"agent\":\"x\\u061c\\u202e\\u009b[31m\\u2066\\u200b\\udb40\\udc41"
			       "\\u115f\\u2028\\ufeffy\",\"vm_name\":\"x\\u061c\\u202e",
			       NULL);
			assert_printable_ascii("JSON", r.out);
		} else {
			expect(&r, 0, "ready: vm x\\u{061c}\\u{202e}\\u{009b}[31m", NULL);
		}
		run_free(&r);
	}
}

/* ---- crowds of event connections that never deliver READY ---- */

struct crowd_case {
	enum crowd_mode mode;
	unsigned n;
	const char *why; /* the last drop's reason */
	int holds_slot;	 /* would keep a slot until its step runs out */
};

static const struct crowd_case crowd_cases[] = {
    {CROWD_SILENT, 40, "no HELLO within 1000 ms", 1},
    {CROWD_HELLO_ONLY, 24, "no READY within 1000 ms", 1},
    {CROWD_DRIP, 8, "no HELLO within 1000 ms", 1},
    {CROWD_GARBAGE, 8, "guest sent garbage, not a frame header", 0},
    {CROWD_OVERSIZED, 8, "oversized frame: HELLO request of 4294967295 bytes (id 1)", 0},
    {CROWD_FLOOD, 4, "more than 16 frames without READY", 0},
    {CROWD_REPLY, 8, "but the host asked nothing: PING reply of 8 bytes (id 9)", 0},
};

/* Polls a condition the crowd's thread sets, for at most 2 s. */
static int crowd_all_closed(struct fake_crowd *c)
{
	uint64_t until = clock_now_ms() + 2000;
	while (atomic_load(&c->closed) < (int)c->n && clock_now_ms() < until)
		fake_sleep_ms(10);
	return atomic_load(&c->closed) == (int)c->n;
}

/* The crowd alone: every connection is dropped well before the deadline,
 * and the deadline error says why. */
static void crowd_alone(const struct crowd_case *c)
{
	struct fake_crowd crowd;
	assert_int_equal(fake_crowd_start(&crowd, event_path, c->mode, c->n), 0);
	struct run r = run_ctl(unix_target, "wait-ready", "--event-socket", event_path, "--timeout",
			       "2.5", NULL);
	int closed = crowd_all_closed(&crowd);
	fake_crowd_stop(&crowd);
	print_message("crowd %d alone: exit %d after %llu ms, cpu %llu ms, longest life %u ms\n",
		      (int)c->mode, r.code, (unsigned long long)r.ms, (unsigned long long)r.cpu_ms,
		      atomic_load(&crowd.max_life_ms));
	expect(&r, CTL_EXIT_TIMEOUT, NULL, "event connections dropped, the last: ");
	if (!strstr(r.err, c->why))
		fail_msg("stderr '%s' lacks '%s'", r.err, c->why);
	assert_true(r.ms < 3200);
	assert_true(r.cpu_ms < 100); /* the crowd is waited for, not spun on */
	assert_int_equal(atomic_load(&crowd.connected), (int)c->n);
	assert_true(closed);
	/* Two steps at most, not the 2.5 s of the whole wait. */
	assert_true(atomic_load(&crowd.max_life_ms) <= 2 * CTL_EVENT_STEP_MS);
	run_free(&r);
}

/* The crowd, then the agent: its READY gets through at once, without waiting
 * for the crowd's connections to time out. */
static void crowd_then_agent(const struct crowd_case *c)
{
	struct fake_crowd crowd;
	struct fake_events agent;
	assert_int_equal(fake_crowd_start(&crowd, event_path, c->mode, c->n), 0);
	assert_int_equal(fake_events_start_gated(&agent, event_path, &crowd.connected, (int)c->n),
			 0);
	struct run r = run_ctl(unix_target, "wait-ready", "--event-socket", event_path, "--timeout",
			       "10", NULL);
	uint64_t end = clock_now_ms();
	fake_events_stop(&agent);
	fake_crowd_stop(&crowd);
	uint64_t after_connect = end - atomic_load(&agent.connected_ms);
	print_message("crowd %d then agent: exit %d, READY %llu ms after the agent connected\n",
		      (int)c->mode, r.code, (unsigned long long)after_connect);
	expect(&r, 0, "ready: vm event-vm announced READY", NULL);
	if (c->holds_slot && after_connect >= CTL_EVENT_STEP_MS * 8 / 10)
		fail_msg("READY took %llu ms: it waited for the crowd",
			 (unsigned long long)after_connect);
	run_free(&r);
}

static void test_event_crowds(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(crowd_cases) / sizeof(crowd_cases[0]); i++) {
		crowd_alone(&crowd_cases[i]);
		crowd_then_agent(&crowd_cases[i]);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/var/tmp/appvm-ctlh-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(vm_path, sizeof(vm_path), "%s/vm.sock", dir);
	snprintf(event_path, sizeof(event_path), "%s/events.sock", dir);
	snprintf(hybrid_target, sizeof(hybrid_target), "hybrid:%s", vm_path);
	snprintf(unix_target, sizeof(unix_target), "unix:%s/none.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(vm_path);
	unlink(event_path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agent_cases),	    cmocka_unit_test(test_floods),
	    cmocka_unit_test(test_hostile_strings), cmocka_unit_test(test_hostile_event_strings),
	    cmocka_unit_test(test_event_crowds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
