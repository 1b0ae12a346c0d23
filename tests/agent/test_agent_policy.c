/* The agent's small decisions (agent/policy.c): CID check, backoff, read
 * sizes, and init's app state mapped onto the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "policy.h"
#include "proto.h"

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

static void test_backoff(void **state)
{
	(void)state;
	static const unsigned seq[] = {200, 400, 800, 1600, 2000, 2000, 2000};
	unsigned d = 0;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		d = agent_backoff_next(d);
		assert_int_equal(d, seq[i]);
	}
	assert_int_equal(agent_backoff_next(1000), 2000);
	assert_int_equal(agent_backoff_next(999), 1998);
	assert_int_equal(agent_backoff_next(UINT32_MAX), 2000);
}

static struct ctl_status with_app(enum ctl_state s, bool exited, int status, int sig)
{
	struct ctl_status st;
	memset(&st, 0, sizeof(st));
	st.n_services = 2;
	strcpy(st.services[0].name, "agent");
	st.services[0].state = CTL_STATE_RUNNING;
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
		enum ctl_state s;
		bool exited, shutting_down;
		int status, sig;
		uint8_t want_state, want_how;
		int32_t want_value;
	} cases[] = {
	    {CTL_STATE_STOPPED, false, false, 0, 0, PROTO_APP_STARTING, PROTO_EXIT_NONE, 0},
	    {CTL_STATE_STOPPED, false, true, 0, 0, PROTO_APP_EXITED, PROTO_EXIT_NONE, 0},
	    {CTL_STATE_STOPPED, true, true, 3, 0, PROTO_APP_EXITED, PROTO_EXIT_CODE, 3},
	    {CTL_STATE_RUNNING, false, false, 0, 0, PROTO_APP_RUNNING, PROTO_EXIT_NONE, 0},
	    {CTL_STATE_BACKOFF, true, false, 1, 0, PROTO_APP_RESTARTING, PROTO_EXIT_CODE, 1},
	    {CTL_STATE_FAILED, true, false, 137, 9, PROTO_APP_FAILED, PROTO_EXIT_SIGNAL, 9},
	    {CTL_STATE_EXITED, true, false, 0, 0, PROTO_APP_EXITED, PROTO_EXIT_CODE, 0},
	    {CTL_STATE_EXITED, true, false, 143, 15, PROTO_APP_EXITED, PROTO_EXIT_SIGNAL, 15},
	    {CTL_STATE_DISABLED, false, false, 0, 0, PROTO_APP_UNKNOWN, PROTO_EXIT_NONE, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_status st =
		    with_app(cases[i].s, cases[i].exited, cases[i].status, cases[i].sig);
		st.shutting_down = cases[i].shutting_down;
		struct agent_app app;
		agent_app_from_ctl(&st, &app);
		if (app.state != cases[i].want_state || app.exit_how != cases[i].want_how ||
		    app.exit_value != cases[i].want_value)
			fail_msg("case %zu: got %u/%u/%d", i, app.state, app.exit_how,
				 app.exit_value);
	}
	/* No "app" service at all: unknown. */
	struct ctl_status st = with_app(CTL_STATE_RUNNING, false, 0, 0);
	strcpy(st.services[1].name, "apps");
	struct agent_app app;
	agent_app_from_ctl(&st, &app);
	assert_int_equal(app.state, PROTO_APP_UNKNOWN);
	/* A count beyond the array is not trusted. */
	st.n_services = 1000;
	agent_app_from_ctl(&st, &app);
	assert_int_equal(app.state, PROTO_APP_UNKNOWN);
}

static void test_exit_key(void **state)
{
	(void)state;
	struct agent_exit_key none = {0}, k1, k2, k3;
	struct ctl_status st = with_app(CTL_STATE_RUNNING, false, 0, 0);
	agent_exit_key_from_ctl(&st, &k1);
	assert_false(agent_exit_is_new(&none, &k1)); /* running: nothing to say */

	st = with_app(CTL_STATE_EXITED, true, 3, 0);
	agent_exit_key_from_ctl(&st, &k1);
	assert_true(agent_exit_is_new(&none, &k1));
	assert_false(agent_exit_is_new(&k1, &k1)); /* announced once */

	/* Restarted and exited again with the same status: a new exit. */
	st.services[1].restarts = 1;
	agent_exit_key_from_ctl(&st, &k2);
	assert_true(agent_exit_is_new(&k1, &k2));

	st = with_app(CTL_STATE_EXITED, true, 137, 9);
	agent_exit_key_from_ctl(&st, &k3);
	assert_true(agent_exit_is_new(&k1, &k3));
	assert_int_equal(k3.signal, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cid),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_app_state),
	    cmocka_unit_test(test_exit_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
