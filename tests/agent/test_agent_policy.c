/* The agent's small decisions (agent/policy.c): CID check, backoff, read
 * sizes, and init's app state mapped onto the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "proto.h"
#include "retry.h"

static void test_cid(void **state)
{
	(void)state;
	static const struct {
		uint32_t cid;
		bool ok;
	} cases[] = {
	    {0, false},					      /* VMADDR_CID_HYPERVISOR */
	    {1, false},					      /* VMADDR_CID_LOCAL */
	    {2, true},					      /* VMADDR_CID_HOST */
	    {3, false},					      /* the first guest CID: another VM */
	    {4, false}, {0x102, false}, {0xffffffffu, false}, /* VMADDR_CID_ANY */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (agent_cid_allowed(cases[i].cid) != cases[i].ok)
			fail_msg("CID %u", cases[i].cid);
}

/* The event connection's delays (lib/retry.h with the agent's bounds). */
static unsigned backoff(unsigned prev_ms)
{
	return retry_backoff_next(prev_ms, AGENT_BACKOFF_START_MS, AGENT_BACKOFF_MAX_MS);
}

static void test_backoff(void **state)
{
	(void)state;
	/* Up to a minute: an idle VM with no host listening wakes for it
	 * once a minute, not every 2 s (docs/benchmarks.md, "Idle VM"). */
	static const unsigned seq[] = {200,   400,   800,   1600,  3200, 6400,
				       12800, 25600, 51200, 60000, 60000};
	unsigned d = 0;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		d = backoff(d);
		assert_int_equal(d, seq[i]);
	}
	assert_int_equal(backoff(30000), 60000);
	assert_int_equal(backoff(29999), 59998);
	assert_int_equal(backoff(UINT32_MAX), 60000);
}

static struct initctl_status with_app(enum initctl_state s, bool exited, int status, int sig)
{
	struct initctl_status st;
	memset(&st, 0, sizeof(st));
	st.n_services = 2;
	strcpy(st.services[0].name, "agent");
	st.services[0].state = INITCTL_STATE_RUNNING;
	strcpy(st.services[1].name, "app");
	st.services[1].state = s;
	st.app_exited = exited;
	st.app_status = status;
	st.app_signal = sig;
	return st;
}

static void test_app_state(void **state)
{
	(void)state;
	static const struct {
		enum initctl_state s;
		bool exited, shutting_down;
		int status, sig;
		uint8_t want_state, want_how;
		int32_t want_value;
	} cases[] = {
	    {INITCTL_STATE_STOPPED, false, false, 0, 0, PROTO_APP_STARTING, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_STOPPED, false, true, 0, 0, PROTO_APP_EXITED, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_STOPPED, true, true, 3, 0, PROTO_APP_EXITED, PROTO_EXIT_CODE, 3},
	    {INITCTL_STATE_RUNNING, false, false, 0, 0, PROTO_APP_RUNNING, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_BACKOFF, true, false, 1, 0, PROTO_APP_RESTARTING, PROTO_EXIT_CODE, 1},
	    {INITCTL_STATE_FAILED, true, false, 137, 9, PROTO_APP_FAILED, PROTO_EXIT_SIGNAL, 9},
	    {INITCTL_STATE_EXITED, true, false, 0, 0, PROTO_APP_EXITED, PROTO_EXIT_CODE, 0},
	    {INITCTL_STATE_EXITED, true, false, 255, 0, PROTO_APP_EXITED, PROTO_EXIT_CODE, 255},
	    {INITCTL_STATE_EXITED, true, false, 143, 15, PROTO_APP_EXITED, PROTO_EXIT_SIGNAL, 15},
	    {INITCTL_STATE_EXITED, true, false, 192, 64, PROTO_APP_EXITED, PROTO_EXIT_SIGNAL, 64},
	    {INITCTL_STATE_DISABLED, false, false, 0, 0, PROTO_APP_UNKNOWN, PROTO_EXIT_NONE, 0},
	    /* Outside APP_EXIT's ranges (the decoder refuses them already):
	     * neither STATUS nor APP_EXIT reports them. */
	    {INITCTL_STATE_EXITED, true, false, 256, 0, PROTO_APP_EXITED, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_EXITED, true, false, -5, 0, PROTO_APP_EXITED, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_EXITED, true, false, 123, -5, PROTO_APP_EXITED, PROTO_EXIT_NONE, 0},
	    {INITCTL_STATE_EXITED, true, false, 193, 65, PROTO_APP_EXITED, PROTO_EXIT_NONE, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct initctl_status st =
		    with_app(cases[i].s, cases[i].exited, cases[i].status, cases[i].sig);
		st.shutting_down = cases[i].shutting_down;
		struct proto_status out;
		memset(&out, 0xff, sizeof(out));
		agent_status_from_initctl(&st, &out);
		if (out.app_state != cases[i].want_state || out.app_exit_how != cases[i].want_how ||
		    out.app_exit_value != cases[i].want_value)
			fail_msg("case %zu: got %u/%u/%d", i, out.app_state, out.app_exit_how,
				 out.app_exit_value);
		assert_int_equal(out.n_stores, 0);
		/* APP_EXIT is what STATUS shows, from the same mapping. */
		struct agent_exit_key key;
		agent_exit_key_from_initctl(&st, &key);
		assert_int_equal(key.how, out.app_exit_how);
		assert_int_equal(key.value, out.app_exit_value);
		/* And the wire takes it, both ways. */
		struct proto_msg m = {.type = PROTO_APP_EXIT};
		m.u.app_exit.how = key.how;
		m.u.app_exit.value = key.value;
		uint8_t frame[64];
		size_t len;
		if (key.how != PROTO_EXIT_NONE)
			assert_int_equal(proto_encode(&m, frame, sizeof(frame), &len), 0);
	}
	/* No "app" service at all: unknown. */
	struct initctl_status st = with_app(INITCTL_STATE_RUNNING, false, 0, 0);
	strcpy(st.services[1].name, "apps");
	assert_int_equal(agent_app_state(&st), PROTO_APP_UNKNOWN);
	/* A count beyond the array is not trusted. */
	st.n_services = 1000;
	assert_int_equal(agent_app_state(&st), PROTO_APP_UNKNOWN);
	/* init could not answer: unknown, nothing else. */
	struct proto_status out;
	memset(&out, 0xff, sizeof(out));
	agent_status_from_initctl(NULL, &out);
	assert_int_equal(out.app_state, PROTO_APP_UNKNOWN);
	assert_int_equal(out.app_exit_how, PROTO_EXIT_NONE);
	assert_int_equal(out.app_exit_value, 0);
	assert_int_equal(out.n_stores, 0);
}

static void test_stores(void **state)
{
	(void)state;
	static struct initctl_status st;
	st = with_app(INITCTL_STATE_RUNNING, false, 0, 0);
	for (int i = 0; i < INITCTL_MAX_STORES; i++) {
		struct initctl_store *s = &st.stores[st.n_stores++];
		snprintf(s->name, sizeof(s->name), "s%d", i);
		snprintf(s->path, sizeof(s->path), "/run/store/with space %d", i);
		s->writable = i == 3;
	}
	static struct proto_status out;
	agent_status_from_initctl(&st, &out);
	assert_int_equal(out.n_stores, INITCTL_MAX_STORES);
	for (int i = 0; i < INITCTL_MAX_STORES; i++) {
		assert_int_equal(out.stores[i].name.len, strlen(st.stores[i].name));
		assert_memory_equal(out.stores[i].name.ptr, st.stores[i].name,
				    out.stores[i].name.len);
		assert_int_equal(out.stores[i].mount_point.len, strlen(st.stores[i].path));
		assert_memory_equal(out.stores[i].mount_point.ptr, st.stores[i].path,
				    out.stores[i].mount_point.len);
		assert_int_equal(out.stores[i].writable, i == 3);
	}
	/* A smaller list takes the first ones. */
	struct proto_store few[2];
	assert_int_equal(agent_stores_from_initctl(&st, few, 2), 2);
	assert_memory_equal(few[1].name.ptr, "s1", 2);
	/* A count beyond the array is not trusted. */
	st.n_stores = 1000;
	assert_int_equal(agent_stores_from_initctl(&st, out.stores, PROTO_MAX_STORES),
			 INITCTL_MAX_STORES);
	/* The record with every store encodes. */
	static uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	struct proto_msg m = {.type = PROTO_STATUS, .flags = PROTO_FLAG_REPLY, .id = 1};
	m.u.status = out;
	m.u.status.n_stores = INITCTL_MAX_STORES;
	m.u.status.n_addrs = 0;
	m.u.status.vm_name = proto_str_from("vm");
	m.u.status.agent_version = proto_str_from("v");
	m.u.status.protocol_version = 1;
	size_t len;
	assert_int_equal(proto_encode(&m, frame, sizeof(frame), &len), 0);
}

static void test_exit_key(void **state)
{
	(void)state;
	struct agent_exit_key none = {0}, k1, k2, k3;
	struct initctl_status st = with_app(INITCTL_STATE_RUNNING, false, 0, 0);
	agent_exit_key_from_initctl(&st, &k1);
	assert_false(agent_exit_is_new(&none, &k1)); /* running: nothing to say */

	st = with_app(INITCTL_STATE_EXITED, true, 3, 0);
	agent_exit_key_from_initctl(&st, &k1);
	assert_true(agent_exit_is_new(&none, &k1));
	assert_false(agent_exit_is_new(&k1, &k1)); /* announced once */

	/* Restarted and exited again with the same status: a new exit. */
	st.services[1].restarts = 1;
	agent_exit_key_from_initctl(&st, &k2);
	assert_true(agent_exit_is_new(&k1, &k2));

	st = with_app(INITCTL_STATE_EXITED, true, 137, 9);
	agent_exit_key_from_initctl(&st, &k3);
	assert_true(agent_exit_is_new(&k1, &k3));
	assert_int_equal(k3.how, PROTO_EXIT_SIGNAL);
	assert_int_equal(k3.value, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cid),	      cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_app_state), cmocka_unit_test(test_stores),
	    cmocka_unit_test(test_exit_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
