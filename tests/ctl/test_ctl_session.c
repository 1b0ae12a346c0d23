/* appvmctl end to end, in-process, against a fake guest on Unix sockets:
 * every command against a well-behaved guest, the hybrid CONNECT handshake,
 * the main ways a hostile guest can misbehave, each with its exit code and
 * within its deadline, and wait-ready. The exhaustive hostile tables are in
 * test_ctl_hostile.c. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_cli.h"
#include "ctl_run.h"
#include "ctl_error.h"
#include "clock.h"
#include "fake_events.h"
#include "fake_guest.h"
#include "fake_io.h"

static char dir[64];
static char agent_path[128], vm_path[128], event_path[128], hybrid_event_path[128];
static char unix_target[160], hybrid_target[160];

/* Runs one command against a fresh fake guest and checks the outcome. */
static void against(enum fake_mode mode, enum fake_front front, const char *command,
		    const char *timeout, int code, const char *in_out, const char *in_err)
{
	struct fake_guest g;
	const char *path = front == FRONT_NONE ? agent_path : vm_path;
	const char *target = front == FRONT_NONE ? unix_target : hybrid_target;
	assert_int_equal(fake_guest_start(&g, path, mode, front), 0);
	struct run r = run_ctl(target, command, "--timeout", timeout, NULL);
	fake_guest_stop(&g);
	expect(&r, code, in_out, in_err);
	run_free(&r);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/var/tmp/appvm-ctl-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(agent_path, sizeof(agent_path), "%s/agent.sock", dir);
	snprintf(vm_path, sizeof(vm_path), "%s/vm.sock", dir);
	snprintf(event_path, sizeof(event_path), "%s/events.sock", dir);
	snprintf(hybrid_event_path, sizeof(hybrid_event_path), "%s/vm.sock_1025", dir);
	snprintf(unix_target, sizeof(unix_target), "unix:%s", agent_path);
	snprintf(hybrid_target, sizeof(hybrid_target), "hybrid:%s", vm_path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(agent_path);
	unlink(vm_path);
	unlink(event_path);
	unlink(hybrid_event_path);
	char file[160];
	snprintf(file, sizeof(file), "%s/file.sock", dir);
	unlink(file);
	rmdir(dir);
	return 0;
}

static void test_good_commands(void **state)
{
	(void)state;
	against(FAKE_GOOD, FRONT_NONE, "ping", "5", 0, "ping: reply in ", NULL);
	against(FAKE_GOOD, FRONT_NONE, "ping", "5", 0, "from fake-agent 1.0 (protocol 1)", NULL);
	against(FAKE_GOOD, FRONT_NONE, "status", "5", 0, "vm:        test-vm\n", NULL);
	against(FAKE_GOOD, FRONT_NONE, "status", "5", 0, "address:   eth0 10.0.2.15/24\n", NULL);
	against(FAKE_GOOD, FRONT_NONE, "reboot", "5", 0, "reboot: acknowledged", NULL);

	struct fake_guest g;
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_GOOD, FRONT_NONE), 0);
	struct run r = run_ctl(unix_target, "shutdown", "--timeout", "2.5", NULL);
	fake_guest_stop(&g);
	expect(&r, 0, "shutdown: acknowledged; the guest closed the connection", NULL);
	assert_int_equal(atomic_load(&g.last_deadline_ms), 2500);
	assert_int_equal(atomic_load(&g.last_type), 0x0012);
	run_free(&r);

	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_GOOD, FRONT_NONE), 0);
	r = run_ctl("--json", unix_target, "status", NULL);
	fake_guest_stop(&g);
	expect(&r, 0, "\"ok\":true", NULL);
	assert_non_null(strstr(r.out, "\"status\":{\"vm_name\":\"test-vm\",\"agent_version\":"
				      "\"fake-agent 1.0\",\"protocol_version\":1,"));
	assert_string_equal(r.err, "");
	run_free(&r);

	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_GOOD, FRONT_NONE), 0);
	r = run_ctl("-q", unix_target, "ping", NULL);
	fake_guest_stop(&g);
	expect(&r, 0, NULL, NULL);
	assert_string_equal(r.out, "");
	run_free(&r);
}

static void test_hybrid(void **state)
{
	(void)state;
	against(FAKE_GOOD, FRONT_OK, "ping", "5", 0, "ping: reply", NULL);
	against(FAKE_GOOD, FRONT_OK, "status", "5", 0, "vm:        test-vm", NULL);
	against(FAKE_GOOD, FRONT_OK, "shutdown", "5", 0, "shutdown: acknowledged", NULL);
	against(FAKE_GOOD, FRONT_CLOSE, "ping", "5", CTL_EXIT_NOT_LISTENING, NULL,
		"agent not listening: the VMM closed the connection after CONNECT 1024");
	against(FAKE_GOOD, FRONT_GARBAGE, "ping", "5", CTL_EXIT_NOT_LISTENING, NULL,
		"CONNECT 1024 answered \"E\"");
	against(FAKE_GOOD, FRONT_OVERLONG, "ping", "5", CTL_EXIT_NOT_LISTENING, NULL,
		"agent not listening");
	uint64_t t0 = clock_now_ms();
	against(FAKE_GOOD, FRONT_SILENT, "ping", "0.5", CTL_EXIT_TIMEOUT, NULL,
		"no answer to CONNECT 1024");
	assert_true(clock_now_ms() - t0 < 1500);
}

static void test_not_running(void **state)
{
	(void)state;
	struct run r = run_ctl(unix_target, "ping", NULL);
	expect(&r, CTL_EXIT_NOT_RUNNING, NULL, "VM not running: no socket at");
	run_free(&r);
	r = run_ctl(hybrid_target, "status", NULL);
	expect(&r, CTL_EXIT_NOT_RUNNING, NULL, "VM not running");
	run_free(&r);

	/* A socket file nobody listens on, as a crashed VMM leaves behind. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", vm_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	r = run_ctl(hybrid_target, "ping", "--json", NULL);
	close(fd);
	unlink(vm_path);
	expect(&r, CTL_EXIT_NOT_RUNNING, "\"kind\":\"vm_not_running\",\"exit_code\":3",
	       "nothing listens on");
	run_free(&r);

	/* A file or a directory where the socket should be: said so. */
	FILE *f = fopen(vm_path, "w");
	assert_non_null(f);
	fclose(f);
	r = run_ctl(hybrid_target, "ping", NULL);
	unlink(vm_path);
	expect(&r, CTL_EXIT_NOT_RUNNING, NULL, "is not a socket");
	run_free(&r);
	char target[160];
	snprintf(target, sizeof(target), "unix:%s", dir);
	r = run_ctl(target, "status", NULL);
	expect(&r, CTL_EXIT_NOT_RUNNING, NULL, "VM not running: /var/tmp/appvm-ctl-");
	assert_non_null(strstr(r.err, " is not a socket\n"));
	run_free(&r);
}

/* A portal daemon's control socket that answers one request "ok 0". */
static void *portal_ctl_once(void *arg)
{
	struct pollfd p = {.fd = *(int *)arg, .events = POLLIN};
	/* Bounded: an appvmctl that never connects must not hang the test. */
	int fd = poll(&p, 1, 10000) == 1 ? accept(p.fd, NULL, NULL) : -1;
	char c;
	while (fd >= 0 && read(fd, &c, 1) == 1 && c != '\n')
		;
	if (fd >= 0 && write(fd, "ok 0\n", 5) != 5)
		fd = (close(fd), -1);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* docs with vm:NAME and focused: the VM directory names the VM's socket,
 * and PATH.portal.ctl is its portal daemon's. */
static void test_docs_vm_dir(void **state)
{
	(void)state;
	char vms[128], path[256], ctl[192];
	snprintf(vms, sizeof(vms), "%s/vms", dir);
	snprintf(path, sizeof(path), "%s/mail", vms);
	assert_int_equal(mkdir(vms, 0700), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/mail/target", vms);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", hybrid_target);
	fclose(f);
	snprintf(path, sizeof(path), "%s/mail/focus", vms);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("1\n", f);
	fclose(f);
	setenv("APPVM_VM_DIR", vms, 1);
	snprintf(ctl, sizeof(ctl), "%s.portal.ctl", vm_path);

	const char *targets[] = {"vm:mail", "focused"};
	for (size_t i = 0; i < 2; i++) {
		int lfd = fake_unix_listen(ctl);
		assert_true(lfd >= 0);
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, portal_ctl_once, &lfd), 0);
		struct run r = run_ctl("--json", targets[i], "docs", "list", NULL);
		pthread_join(t, NULL);
		close(lfd);
		expect(&r, 0, "\"vm\":\"mail\"", NULL);
		assert_non_null(strstr(r.out, "\"documents\":[]"));
		run_free(&r);
	}
	unlink(ctl);
	struct run r = run_ctl("vm:mail", "docs", "list", NULL);
	expect(&r, CTL_EXIT_NOT_RUNNING, NULL, "the portal daemon does not listen on");
	run_free(&r);
	r = run_ctl("vm:news", "docs", "revoke-all", NULL);
	expect(&r, CTL_EXIT_NO_VM, NULL, "no VM named news in");
	run_free(&r);

	unlink(path);
	snprintf(path, sizeof(path), "%s/mail/target", vms);
	unlink(path);
	snprintf(path, sizeof(path), "%s/mail", vms);
	rmdir(path);
	rmdir(vms);
	unsetenv("APPVM_VM_DIR");
}

static void test_usage(void **state)
{
	(void)state;
	struct run r = run_ctl(unix_target, "fly", NULL);
	expect(&r, CTL_EXIT_USAGE, NULL, "unknown command 'fly'");
	run_free(&r);
	r = run_ctl("vsock:1", "ping", "--json", NULL);
	expect(&r, CTL_EXIT_USAGE, "\"kind\":\"usage\"", "bad target");
	run_free(&r);
	/* A target of no known kind: the message lists every kind. */
	r = run_ctl("mail", "ping", NULL);
	expect(&r, CTL_EXIT_USAGE, NULL,
	       "bad target 'mail': want vsock:CID[:PORT], hybrid:PATH[:PORT], unix:PATH, "
	       "vm:NAME or focused");
	run_free(&r);
	/* A bad clipboard policy: named by file and line, as a compiler does,
	 * before anything is asked of either clipboard. */
	char conf[160], want[200];
	snprintf(conf, sizeof(conf), "%s/bad.conf", dir);
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fputs("[default]\nmax-size = 17M\n", f);
	fclose(f);
	r = run_ctl(unix_target, "clipboard", "copy", "--config", conf, NULL);
	unlink(conf);
	snprintf(want, sizeof(want), ": %s:2: max-size wants 1 to 16M bytes", conf);
	expect(&r, CTL_EXIT_USAGE, NULL, want);
	run_free(&r);
	r = run_ctl(unix_target, "docs", "revoke", "-1", NULL);
	expect(&r, CTL_EXIT_USAGE, NULL, "docs: unknown option '-1' (it takes --json");
	run_free(&r);
	r = run_ctl("mail", "docs", "list", NULL);
	expect(&r, CTL_EXIT_USAGE, NULL, "bad target 'mail': want vsock:");
	run_free(&r);
	r = run_ctl("--help", NULL);
	expect(&r, 0, "Usage: appvmctl", NULL);
	run_free(&r);
	r = run_ctl("--version", NULL);
	expect(&r, 0, "appvmctl " APPVM_VERSION "\n", NULL);
	run_free(&r);
}

static void test_hostile_framing(void **state)
{
	(void)state;
	against(FAKE_GARBAGE, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest sent garbage");
	against(FAKE_GARBAGE_LATER, FRONT_NONE, "status", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest sent a bad frame header (reserved field 0x6761): 41 56 67 61 72 62 61 67 "
		"65 20 67 61 72 62 61 67\n");
	against(FAKE_OVERSIZED, FRONT_NONE, "status", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest sent an oversized frame: STATUS reply of 2147483647 bytes (id 2), over its "
		"cap of 65536\n");
	against(FAKE_OVERSIZED, FRONT_OK, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest sent an oversized frame: PING reply of 2147483647 bytes (id 2), over its "
		"cap of 8\n");
	against(FAKE_TRUNCATED, FRONT_NONE, "status", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest closed the connection in the middle of a frame");
	against(FAKE_CLOSE_LATER, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest closed the connection without replying");
	against(FAKE_EVENT_FLOOD, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"more than 16 frames");
}

static void test_hostile_replies(void **state)
{
	(void)state;
	against(FAKE_WRONG_ID, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest sent a reply to a request we did not send: PING reply of 8 bytes (id 1002)");
	against(FAKE_WRONG_TYPE, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest answered PING with a STATUS reply");
	against(FAKE_WRONG_NONCE, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL, "wrong nonce");
	against(FAKE_REQUEST_FIRST, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest sent something before answering HELLO: PING request of 8 bytes (id 77)");
	against(FAKE_HELLO_MISMATCH, FRONT_NONE, "status", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest refused HELLO with VERSION_MISMATCH");
	against(FAKE_HELLO_BAD_VERSION, FRONT_NONE, "status", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest chose protocol version 9");
	against(FAKE_ERROR_REPLY, FRONT_NONE, "status", "5", CTL_EXIT_GUEST_ERROR, NULL,
		"appvmctl: guest error BUSY (4): busy\\n\\u{009b}31mred\\u{202e} \"quoted\"\n");

	against(FAKE_ERROR_ESCAPE, FRONT_NONE, "ping", "5", CTL_EXIT_PROTOCOL, NULL,
		"guest sent a malformed ERROR reply of 11 bytes (id 2): bad error message");

	struct fake_guest g;
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_ERROR_REPLY, FRONT_NONE), 0);
	struct run r = run_ctl(unix_target, "ping", "--json", NULL);
	fake_guest_stop(&g);
	expect(
	    &r, CTL_EXIT_GUEST_ERROR,
	    "\"guest_error\":{\"code\":4,\"name\":\"BUSY\",\"message\":\"busy\\u000a\\u009b31mred"
	    "\\u202e \\\"quoted\\\"\"}",
	    NULL);
	run_free(&r);

	/* Events and a guest request before the reply: skipped and answered. */
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_EVENTS_FIRST, FRONT_NONE), 0);
	r = run_ctl(unix_target, "status", NULL);
	fake_guest_stop(&g);
	expect(&r, 0, "vm:        test-vm", NULL);
	assert_int_equal(atomic_load(&g.got_unsupported), 1);
	run_free(&r);

	/* Escape sequences and bidi overrides in names never reach the terminal. */
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_HOSTILE_STATUS, FRONT_NONE), 0);
	r = run_ctl(unix_target, "status", NULL);
	fake_guest_stop(&g);
	expect(&r, 0, "store:     base on /run/\\x1b]0;owned\\x07\\x1b[2J (read-only)", NULL);
	assert_non_null(strstr(r.out, "vm:        vm\\u{202e}\\u{009b}31m\n"));
	run_free(&r);
}

static void test_deadlines(void **state)
{
	(void)state;
	static const enum fake_mode slow[] = {FAKE_SILENT, FAKE_SILENT_LATER, FAKE_SLOW_DRIP};
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++) {
		struct fake_guest g;
		assert_int_equal(fake_guest_start(&g, agent_path, slow[i], FRONT_NONE), 0);
		struct run r = run_ctl(unix_target, "status", "--timeout", "1", NULL);
		fake_guest_stop(&g);
		expect(&r, CTL_EXIT_TIMEOUT, NULL, "before the deadline");
		/* Waiting costs nothing: poll, not a loop. */
		if (r.cpu_ms > 50)
			fail_msg("mode %d: %llu ms of CPU while waiting", (int)slow[i],
				 (unsigned long long)r.cpu_ms);
		if (r.ms < 950 || r.ms > 1700)
			fail_msg("mode %d: gave up after %llu ms, deadline 1000", (int)slow[i],
				 (unsigned long long)r.ms);
		run_free(&r);
	}
	/* A slow but steady guest within the deadline is fine. */
	against(FAKE_FAST_DRIP, FRONT_NONE, "ping", "5", 0, "ping: reply", NULL);
	/* Acknowledged, but the guest never goes away. */
	against(FAKE_ACK_NO_CLOSE, FRONT_NONE, "shutdown", "0.7", CTL_EXIT_TIMEOUT, NULL,
		"still connected at the deadline");
	/* ... or streams bytes without end: the clock still wins, and the
	 * stream is not read (it costs no CPU). */
	struct fake_guest g;
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_ACK_STREAM, FRONT_NONE), 0);
	struct run r = run_ctl(unix_target, "reboot", "--timeout", "0.7", NULL);
	fake_guest_stop(&g);
	print_message("reboot acknowledged, then a stream: exit %d after %llu ms, cpu %llu ms\n",
		      r.code, (unsigned long long)r.ms, (unsigned long long)r.cpu_ms);
	expect(&r, CTL_EXIT_TIMEOUT, NULL, "still connected at the deadline");
	assert_true(r.ms < 1500);
	if (r.cpu_ms > 100)
		fail_msg("the stream cost %llu ms of CPU in %llu ms", (unsigned long long)r.cpu_ms,
			 (unsigned long long)r.ms);
	run_free(&r);
}

static void test_wait_ready_event(void **state)
{
	(void)state;
	/* unix: READY on --event-socket; nothing on the agent socket. */
	struct fake_events e;
	assert_int_equal(fake_events_start(&e, event_path, EVENT_GOOD, 100), 0);
	struct run r = run_ctl(unix_target, "wait-ready", "--event-socket", event_path, "--timeout",
			       "5", NULL);
	fake_events_stop(&e);
	expect(&r, 0, "ready: vm event-vm announced READY (guest uptime 0.845 s)", NULL);
	run_free(&r);
	struct stat st;
	assert_int_equal(stat(event_path, &st), -1); /* removed on exit */

	/* hybrid: READY on PATH_1025, the VMM refusing CONNECT meanwhile. */
	struct fake_guest g;
	assert_int_equal(fake_guest_start(&g, vm_path, FAKE_GOOD, FRONT_CLOSE), 0);
	assert_int_equal(fake_events_start(&e, hybrid_event_path, EVENT_GOOD, 700), 0);
	r = run_ctl("--json", hybrid_target, "wait-ready", "--timeout", "5", NULL);
	fake_events_stop(&e);
	fake_guest_stop(&g);
	expect(&r, 0, "\"via\":\"event\"", NULL);
	assert_non_null(strstr(r.out, "\"vm_name\":\"event-vm\",\"uptime_ms\":845}"));
	assert_true(atomic_load(&g.connections) >= 2); /* it polled meanwhile */
	run_free(&r);
	assert_int_equal(stat(hybrid_event_path, &st), -1);

	/* A stale event socket file is replaced. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", event_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(fake_events_start(&e, event_path, EVENT_DROP_THEN_GOOD, 100), 0);
	r = run_ctl(unix_target, "wait-ready", "--event-socket", event_path, "--timeout", "5",
		    NULL);
	fake_events_stop(&e);
	expect(&r, 0, "announced READY", NULL);
	assert_string_equal(r.err, "");
	run_free(&r);
}

static void test_wait_ready_poll(void **state)
{
	(void)state;
	struct fake_guest g;
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_GOOD, FRONT_NONE), 0);
	struct run r = run_ctl(unix_target, "wait-ready", "--timeout", "5", NULL);
	fake_guest_stop(&g);
	expect(&r, 0, "ready: the agent answered ping after", NULL);
	run_free(&r);

	/* Nothing ever answers: the deadline holds, the last poll is named. */
	uint64_t t0 = clock_now_ms();
	r = run_ctl(hybrid_target, "wait-ready", "--timeout", "1", NULL);
	expect(&r, CTL_EXIT_TIMEOUT, NULL,
	       "guest not ready before the deadline (last poll: VM "
	       "not running");
	assert_true(clock_now_ms() - t0 < 1500);
	run_free(&r);

	/* A guest that breaks the protocol while polled is not waited for. */
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_GARBAGE, FRONT_NONE), 0);
	r = run_ctl(unix_target, "wait-ready", "--timeout", "5", NULL);
	fake_guest_stop(&g);
	expect(&r, CTL_EXIT_PROTOCOL, NULL, "guest sent garbage");
	assert_true(r.ms < 2000);
	run_free(&r);

	/* A file that is not a socket where the event socket goes: said so,
	 * left as it was, and the wait polls. */
	char file[160];
	snprintf(file, sizeof(file), "%s/file.sock", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	assert_int_equal(fake_guest_start(&g, agent_path, FAKE_GOOD, FRONT_NONE), 0);
	r = run_ctl(unix_target, "wait-ready", "--timeout", "5", "--event-socket", file, NULL);
	fake_guest_stop(&g);
	expect(&r, 0, "ready: the agent answered ping after", " is not a socket, left alone");
	assert_non_null(strstr(r.err, "; polling only\n"));
	run_free(&r);
	char text[8] = "";
	f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "keep");
	unlink(file);
}

/* A broken event connection is dropped; the agent's own still gets through. */
static void test_wait_ready_hostile_events(void **state)
{
	(void)state;
	static const enum fake_event_mode modes[] = {EVENT_GARBAGE, EVENT_BAD_READY};
	for (size_t i = 0; i < 2; i++) {
		struct fake_events bad, good;
		assert_int_equal(fake_events_start(&bad, event_path, modes[i], 50), 0);
		assert_int_equal(fake_events_start_gated(&good, event_path, &bad.done, 1), 0);
		struct run r = run_ctl(unix_target, "wait-ready", "--event-socket", event_path,
				       "--timeout", "5", NULL);
		fake_events_stop(&bad);
		fake_events_stop(&good);
		expect(&r, 0, "announced READY", NULL);
		assert_true(atomic_load(&bad.done));
		assert_true(r.ms < 2000);
		run_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_commands),
	    cmocka_unit_test(test_hybrid),
	    cmocka_unit_test(test_not_running),
	    cmocka_unit_test(test_docs_vm_dir),
	    cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_hostile_framing),
	    cmocka_unit_test(test_hostile_replies),
	    cmocka_unit_test(test_deadlines),
	    cmocka_unit_test(test_wait_ready_event),
	    cmocka_unit_test(test_wait_ready_poll),
	    cmocka_unit_test(test_wait_ready_hostile_events),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
