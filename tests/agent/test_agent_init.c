/* Integration tests of the agent with init: the real appvm-agent binary and
 * a fake appvm-init whose replies lib/initctl.c encodes, as init's are.
 * STATUS takes the app's state, its last exit and the stores from init;
 * APP_EXIT follows init's status; SHUTDOWN and REBOOT reach init after the
 * ack; SIGTERM makes one last status request through the same client,
 * bounded in time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "agent_harness.h"
#include "clock.h"

static void test_status_from_init(void **state)
{
	struct agent_proc *p = *state;
	const char *args[] = {"--name", "init-vm", NULL};
	static struct initctl_status st;
	struct proto_msg m;
	h_start(p, args);
	int fd = h_client(p);

	/* init's view of the app, as STATUS shows it (docs/agent.md). */
	static const struct {
		enum initctl_state s;
		int exit_status, exit_signal;
		bool shutting_down;
		uint8_t want_state, want_how;
		int32_t want_value;
	} cases[] = {
	    {INITCTL_STATE_RUNNING, -1, 0, false, PROTO_APP_RUNNING, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_STOPPED, -1, 0, false, PROTO_APP_STARTING, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_STOPPED, -1, 0, true, PROTO_APP_EXITED, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_FAILED, 137, 9, false, PROTO_APP_FAILED, PROTO_EXIT_SIGNAL, 9},
	    {INITCTL_STATE_EXITED, 3, 0, false, PROTO_APP_EXITED, PROTO_EXIT_CODE, 3},
	    {INITCTL_STATE_BACKOFF, 255, 0, false, PROTO_APP_RESTARTING, PROTO_EXIT_CODE, 255},
	    {INITCTL_STATE_EXITED, 192, 64, false, PROTO_APP_EXITED, PROTO_EXIT_SIGNAL, 64},
	    {INITCTL_STATE_DISABLED, -1, 0, false, PROTO_APP_UNKNOWN, PROTO_EXIT_NONE, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_status(&st, cases[i].s, 0, cases[i].exit_status, cases[i].exit_signal);
		st.shutting_down = cases[i].shutting_down;
		h_init_status(p, &st);
		h_status_req(fd, 10 + (uint32_t)i, &m);
		const struct proto_status *s = &m.u.status;
		if (s->app_state != cases[i].want_state || s->app_exit_how != cases[i].want_how ||
		    s->app_exit_value != cases[i].want_value)
			fail_msg("case %zu: got %u/%u/%d", i, s->app_state, s->app_exit_how,
				 (int)s->app_exit_value);
		assert_int_equal(s->n_stores, 0);
		assert_true(h_str_is(s->vm_name, "init-vm"));
	}

	/* Stores: as init lists them, escaped paths and all. */
	h_status(&st, INITCTL_STATE_RUNNING, 0, -1, 0);
	static const struct {
		const char *name, *path;
		bool rw;
	} stores[] = {
	    {"usr", "/usr", false},
	    {"state", "/var/lib/app state", true},
	    {"odd.name_1-x", "/run/store/back\\slash\ttab", false},
	};
	for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++) {
		struct initctl_store *o = &st.stores[st.n_stores++];
		strcpy(o->name, stores[i].name);
		strcpy(o->path, stores[i].path);
		o->writable = stores[i].rw;
	}
	h_init_status(p, &st);
	h_status_req(fd, 30, &m);
	assert_int_equal(m.u.status.app_state, PROTO_APP_RUNNING);
	assert_int_equal(m.u.status.n_stores, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(h_str_is(m.u.status.stores[i].name, stores[i].name));
		assert_true(h_str_is(m.u.status.stores[i].mount_point, stores[i].path));
		assert_int_equal(m.u.status.stores[i].writable, stores[i].rw);
	}

	/* As many stores as STATUS carries, with the longest paths, all but the
	 * leading '/' escaped: a reply of more than 32 KiB. */
	static char reply[INITCTL_REPLY_MAX];
	st.n_stores = 0;
	for (int i = 0; i < INITCTL_MAX_STORES; i++) {
		struct initctl_store *o = &st.stores[st.n_stores++];
		snprintf(o->name, sizeof(o->name), "store%02d", i);
		memset(o->path, ' ', INITCTL_PATH_MAX);
		o->path[INITCTL_PATH_MAX] = '\0';
		o->path[0] = '/';
		o->path[1] = (char)('A' + i);
		o->writable = i == INITCTL_MAX_STORES - 1;
	}
	assert_true(initctl_reply_encode_status(&st, reply, sizeof(reply)) > 32768);
	h_init_status(p, &st);
	h_status_req(fd, 31, &m);
	assert_int_equal(m.u.status.n_stores, INITCTL_MAX_STORES);
	for (int i = 0; i < INITCTL_MAX_STORES; i++) {
		assert_true(h_str_is(m.u.status.stores[i].name, st.stores[i].name));
		assert_true(h_str_is(m.u.status.stores[i].mount_point, st.stores[i].path));
		assert_int_equal(m.u.status.stores[i].writable, st.stores[i].writable);
	}

	/* A broken init: the app is unknown, no store is made up, the rest of
	 * the record is served. */
	static const char *const broken[] = {
	    "garbage\n",
	    "ok\nstore s ro relative\nend\n",
	    "ok\nservice app running 11 0\napp-exit 137 8\nend\n",
	    "ok\nservice app running 11 0\nstore s ro /a\\141\nend\n",
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		h_init_raw(p, broken[i]);
		h_status_req(fd, 40 + (uint32_t)i, &m);
		assert_int_equal(m.u.status.app_state, PROTO_APP_UNKNOWN);
		assert_int_equal(m.u.status.app_exit_how, PROTO_EXIT_NONE);
		assert_int_equal(m.u.status.n_stores, 0);
		assert_true(h_str_is(m.u.status.vm_name, "init-vm"));
		assert_true(m.u.status.mem_total_kib > 0);
	}
	assert_true(h_wait_log(p, "cannot get the app state from init", H_TIMEOUT_MS));
	/* One request to init per STATUS here (nothing else asks). */
	assert_int_equal(h_init_count(p), 8 + 2 + 4);
	close(fd);
}

/* The log holds each of TEXTS (up to a NULL), the first time in this order. */
static void assert_in_order(const char *log, const char *const *texts)
{
	const char *prev = NULL;
	for (; *texts; texts++) {
		const char *at = strstr(log, *texts);
		if (!at || at <= prev)
			fail_msg("\"%s\" missing or out of order in:\n%s", *texts, log);
		prev = at;
	}
}

static void test_events(void **state)
{
	struct agent_proc *p = *state;
	static struct initctl_status st;
	const char *args[] = {"--name", "event-vm", "--event-unix", p->event_sock, NULL};
	h_start(p, args);
	/* Nobody listens yet: the agent retries. The failure's line comes
	 * first (its connect is the start-up's first step), then the
	 * start-up's own. */
	assert_true(h_wait_log(p, "retrying", H_TIMEOUT_MS));
	static const char *const order[] = {
	    "appvm-agent: events: ", " starting (vm \"event-vm\")\n", "appvm-agent: listening on ",
	    NULL};
	assert_in_order(p->log, order);
	int lfd = h_listen(p->event_sock);
	struct timespec t;
	clock_gettime(CLOCK_BOOTTIME, &t);
	uint64_t before = (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
	int efd = h_accept_events(lfd);
	struct proto_msg ready;
	h_event_handshake(efd, &ready);
	clock_gettime(CLOCK_BOOTTIME, &t);
	uint64_t after = (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
	assert_true(ready.u.ready.uptime_ms >= before - 1000 && ready.u.ready.uptime_ms <= after);
	assert_true(h_str_is(ready.u.ready.vm_name, "event-vm"));
	/* The agent keeps serving meanwhile. */
	int fd = h_client(p);
	h_ping(fd, 2, 2);

	/* The app exits: APP_EXIT arrives, once. */
	h_status(&st, INITCTL_STATE_EXITED, 0, 3, 0);
	h_init_status(p, &st);
	struct proto_msg m;
	assert_int_equal(h_recv_event(efd, &m, H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_APP_EXIT);
	assert_int_equal(m.u.app_exit.how, PROTO_EXIT_CODE);
	assert_int_equal(m.u.app_exit.value, 3);
	assert_int_equal(h_recv_event(efd, &m, 2500), -1);
	/* It asked init for a watch first; this init has none (error
	 * unknown), so the exit came from the poll it falls back to. */
	pthread_mutex_lock(&p->init.lock);
	int watches = p->init.n_watch;
	pthread_mutex_unlock(&p->init.lock);
	assert_true(watches >= 1);

	/* The host closes the event connection: the agent comes back, says
	 * READY again and repeats the exit it already knows. */
	close(efd);
	efd = h_accept_events(lfd);
	h_event_handshake(efd, &ready);
	assert_int_equal(h_recv_event(efd, &m, H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_APP_EXIT);
	assert_int_equal(m.u.app_exit.value, 3);

	/* Restarted and killed: a new exit, with the signal STATUS shows too. */
	h_status(&st, INITCTL_STATE_EXITED, 1, 137, 9);
	h_init_status(p, &st);
	assert_int_equal(h_recv_event(efd, &m, H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_APP_EXIT);
	assert_int_equal(m.u.app_exit.how, PROTO_EXIT_SIGNAL);
	assert_int_equal(m.u.app_exit.value, 9);
	h_status_req(fd, 3, &m);
	assert_int_equal(m.u.status.app_exit_how, PROTO_EXIT_SIGNAL);
	assert_int_equal(m.u.status.app_exit_value, 9);

	/* A host that refuses our versions: the agent retries. READY came
	 * right behind HELLO, before any answer (docs/agent.md). */
	close(efd);
	efd = h_accept_events(lfd);
	assert_int_equal(h_recv_event(efd, &m, H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_HELLO);
	uint32_t id = m.id;
	assert_int_equal(h_recv_event(efd, &m, H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_READY);
	struct proto_msg err;
	proto_make_error(&err, id, PROTO_ERR_VERSION_MISMATCH, "no");
	h_send(efd, &err);
	assert_true(h_closed(efd, H_TIMEOUT_MS));
	close(efd);
	efd = h_accept_events(lfd);
	h_event_handshake(efd, &ready);
	close(efd);
	close(lfd);
	h_ping(fd, 4, 4);
	close(fd);
}

/* The start-up's lines wait until READY has left (docs/agent.md), then come
 * in their order. */
static void test_startup_lines(void **state)
{
	struct agent_proc *p = *state;
	int lfd = h_listen(p->event_sock);
	const char *args[] = {"--name", "line-vm", "--event-unix", p->event_sock, NULL};
	h_start(p, args);
	int efd = h_accept_events(lfd);
	struct proto_msg ready;
	h_event_handshake(efd, &ready);
	assert_true(h_wait_log(p, "events: READY sent (uptime ", H_TIMEOUT_MS));
	static const char *const order[] = {" starting (vm \"line-vm\")\n",
					    "appvm-agent: listening on ",
					    "appvm-agent: events: READY sent (uptime ", NULL};
	assert_in_order(p->log, order);
	assert_null(strstr(p->log, "retrying"));
	close(efd);
	close(lfd);
}

/* Starts the agent with events on and returns the event connection, up and
 * past the status request the agent makes right after READY. */
static int start_with_events(struct agent_proc *p, int lfd)
{
	const char *args[] = {"--event-unix", p->event_sock, NULL};
	h_start(p, args);
	int efd = h_accept_events(lfd);
	struct proto_msg ready;
	h_event_handshake(efd, &ready);
	uint64_t end = clock_now_ms() + H_TIMEOUT_MS;
	while (h_init_count(p) == 0 && clock_now_ms() < end)
		h_wait_log(p, "\x01never", 20);
	assert_true(h_init_count(p) > 0);
	return efd;
}

static void test_final_exit(void **state)
{
	struct agent_proc *p = *state;
	static struct initctl_status st;
	int lfd = h_listen(p->event_sock);
	int efd = start_with_events(p, lfd);

	/* The app exits just as init shuts down: the agent's last status
	 * request at SIGTERM still announces it. */
	h_status(&st, INITCTL_STATE_STOPPED, 0, 143, 15);
	st.shutting_down = true;
	h_init_status(p, &st);
	int before = h_init_count(p);
	long ms = h_stop(p);
	struct proto_msg m;
	assert_int_equal(h_recv_event(efd, &m, H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_APP_EXIT);
	assert_int_equal(m.u.app_exit.how, PROTO_EXIT_SIGNAL);
	assert_int_equal(m.u.app_exit.value, 15);
	assert_true(h_init_count(p) > before);
	/* Announced by the request made at SIGTERM, not by the periodic one. */
	const char *stop = strstr(p->log, "stopping on signal 15");
	const char *sent = strstr(p->log, "events: APP_EXIT sent (signal 15)");
	if (!stop || !sent || sent < stop)
		fail_msg("APP_EXIT not sent after SIGTERM; log:\n%s", p->log);
	assert_true(ms < 2000);
	close(efd);
	close(lfd);
}

static void test_final_bounded(void **state)
{
	struct agent_proc *p = *state;
	int lfd = h_listen(p->event_sock);
	int efd = start_with_events(p, lfd);

	/* init takes requests but never answers: the agent still exits soon
	 * (AGENT_FINAL_MS, 500 ms), well before a request to init times out
	 * (AGENT_INIT_TIMEOUT_MS, 2 s). */
	h_init_silent(p);
	int before = h_init_count(p);
	int fd = h_client(p);
	struct proto_msg m;
	h_req(&m, PROTO_STATUS, 2);
	h_send(fd, &m);
	/* A status request is now stuck at init: this one, or a poll it joined. */
	uint64_t end = clock_now_ms() + H_TIMEOUT_MS;
	while (h_init_count(p) == before && clock_now_ms() < end)
		h_wait_log(p, "\x01never", 20);
	assert_true(h_init_count(p) > before);
	long ms = h_stop(p);
	if (ms >= 1500)
		fail_msg("the agent took %ld ms to stop with init stuck", ms);
	assert_int_equal(h_recv_event(efd, &m, 200), -1); /* nothing to announce */
	close(fd);
	close(efd);
	close(lfd);
}

static void test_shutdown_reboot(void **state)
{
	struct agent_proc *p = *state;
	uint8_t buf[512];
	h_start(p, NULL);
	int fd = h_client(p);
	struct proto_msg m;
	p->init.peek_fd = fd;
	h_req(&m, PROTO_SHUTDOWN, 2);
	m.u.deadline_ms = 30000;
	h_send(fd, &m);
	assert_true(h_init_wait_power(p, false, 1, H_TIMEOUT_MS));
	/* When init was asked, the ack was already waiting in our socket. */
	assert_int_equal(p->init.peeked, PROTO_HEADER_SIZE);
	/* The host's deadline goes on to init. */
	assert_int_equal(p->init.power_cmd, INITCTL_CMD_POWEROFF);
	assert_int_equal(p->init.power_deadline_ms, 30000);
	assert_int_equal(h_recv(fd, &m, buf, sizeof(buf), H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_SHUTDOWN);
	assert_int_equal(m.flags, PROTO_FLAG_REPLY);
	assert_int_equal(m.id, 2);
	assert_true(h_wait_log(p, "init accepted the power off request", H_TIMEOUT_MS));

	p->init.peeked = -1;
	h_req(&m, PROTO_REBOOT, 3);
	h_send(fd, &m);
	assert_true(h_init_wait_power(p, true, 1, H_TIMEOUT_MS));
	assert_int_equal(p->init.peeked, PROTO_HEADER_SIZE);
	assert_int_equal(p->init.power_cmd, INITCTL_CMD_REBOOT);
	assert_int_equal(p->init.power_deadline_ms, 0); /* deadline 0: init's grace */
	assert_int_equal(h_recv(fd, &m, buf, sizeof(buf), H_TIMEOUT_MS), 0);
	assert_int_equal(m.type, PROTO_REBOOT);
	assert_int_equal(m.id, 3);
	p->init.peek_fd = -1;
	h_ping(fd, 4, 4);
	assert_true(h_wait_log(p, "init accepted the reboot request", H_TIMEOUT_MS));

	/* A deadline longer than init takes is sent as init's longest. */
	h_req(&m, PROTO_SHUTDOWN, 5);
	m.u.deadline_ms = 0xffffffffu;
	h_send(fd, &m);
	assert_true(h_init_wait_power(p, false, 2, H_TIMEOUT_MS));
	assert_int_equal(p->init.power_deadline_ms, INITCTL_DEADLINE_MAX);
	assert_int_equal(h_recv(fd, &m, buf, sizeof(buf), H_TIMEOUT_MS), 0);
	assert_int_equal(m.id, 5);
	/* One power request is in flight at a time and a second one meanwhile
	 * changes nothing: the next case starts once init has answered. */
	assert_true(h_wait_log_n(p, "init accepted the power off request", 2, H_TIMEOUT_MS));

	/* A host that asks and hangs up at once still gets its shutdown. */
	int fd2 = h_client(p);
	h_req(&m, PROTO_SHUTDOWN, 9);
	h_send(fd2, &m);
	close(fd2);
	assert_true(h_init_wait_power(p, false, 3, H_TIMEOUT_MS));
	close(fd);
}

/* Init creates its control socket just after it starts the agent: a STATUS
 * and a SHUTDOWN asked before it exists wait for it, the watch comes up when
 * it does, and none of it is logged as a failure. */
static void test_init_socket_late(void **state)
{
	struct agent_proc *p = *state;
	uint8_t buf[512];
	static uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	const char *args[] = {"--event-unix", p->event_sock, NULL};
	struct proto_msg m, ready;
	h_init_watch(p);
	h_init_hide(p);
	int lfd = h_listen(p->event_sock);
	h_start(p, args);
	int efd = h_accept_events(lfd);
	h_event_handshake(efd, &ready);
	int fd = h_client(p), fd2 = h_client(p);
	h_req(&m, PROTO_STATUS, 2);
	h_send(fd, &m);
	h_req(&m, PROTO_SHUTDOWN, 3);
	h_send(fd2, &m);
	assert_int_equal(h_recv(fd2, &m, buf, sizeof(buf), H_TIMEOUT_MS), 0);
	assert_int_equal(m.id, 3); /* acknowledged at once, as always */
	/* Init's socket appears a while later (this is the test's scenario,
	 * not a wait for a condition). */
	usleep(200 * 1000);
	uint64_t shown = clock_now_ms();
	h_init_show(p);
	assert_int_equal(h_recv(fd, &m, frame, sizeof(frame), H_TIMEOUT_MS), 0);
	uint64_t answered = clock_now_ms();
	assert_int_equal(m.id, 2);
	assert_int_equal(m.u.status.app_state, PROTO_APP_RUNNING); /* init's answer */
	assert_true(answered - shown < 500);
	assert_true(h_init_wait_power(p, false, 1, H_TIMEOUT_MS));
	assert_true(h_wait_log(p, "init accepted the power off request", H_TIMEOUT_MS));
	assert_true(h_wait_log(p, "watching the app state on init", H_TIMEOUT_MS));
	if (strstr(p->log, "cannot"))
		fail_msg("a failure was logged:\n%s", p->log);
	close(fd2);
	close(fd);
	close(efd);
	close(lfd);
}

/* An init that never creates its socket (the namespace tests' init without
 * one, a broken VM): after AGENT_INIT_WAIT_MS, the error and its line, as
 * without the wait; later requests fail at once. */
static void test_init_socket_never(void **state)
{
	struct agent_proc *p = *state;
	uint8_t buf[512];
	struct proto_msg m;
	h_init_hide(p);
	uint64_t t0 = clock_now_ms();
	h_start(p, NULL);
	int fd = h_client(p);
	h_status_req(fd, 2, &m);
	assert_true(clock_now_ms() - t0 >= AGENT_INIT_WAIT_MS);
	assert_int_equal(m.u.status.app_state, PROTO_APP_UNKNOWN);
	assert_true(h_wait_log(p, "cannot get the app state from init", H_TIMEOUT_MS));
	assert_non_null(strstr(p->log, "No such file or directory"));
	uint64_t t1 = clock_now_ms();
	h_status_req(fd, 3, &m);
	assert_int_equal(m.u.status.app_state, PROTO_APP_UNKNOWN);
	assert_true(clock_now_ms() - t1 < 1000);
	h_req(&m, PROTO_SHUTDOWN, 4);
	h_send(fd, &m);
	assert_int_equal(h_recv(fd, &m, buf, sizeof(buf), H_TIMEOUT_MS), 0);
	assert_int_equal(m.id, 4);
	assert_true(h_wait_log(p, "cannot ask init to power off", H_TIMEOUT_MS));
	/* Each failure is logged once. */
	assert_true(h_wait_log_n(p, "cannot get the app state from init", 1, 0));
	assert_false(h_wait_log_n(p, "cannot get the app state from init", 2, 0));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_status_from_init, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_events, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_startup_lines, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_final_exit, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_final_bounded, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_reboot, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_init_socket_late, h_cm_setup, h_cm_teardown),
	    cmocka_unit_test_setup_teardown(test_init_socket_never, h_cm_setup, h_cm_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
