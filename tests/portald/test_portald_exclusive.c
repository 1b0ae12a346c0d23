/* One daemon per VM: a second appvm-portald started on a VM's sockets (a
 * restart racing the old one, or a daemon started with the wrong VM's
 * path) must not take them over. Else the guest's documents would be
 * served, and its dialogs titled, by a daemon that is not this VM's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_harness.h"

/* Runs a second daemon for VM "other" on the given sockets; returns its
 * exit status (the test fails if it is still running after 10 s). */
static int second_daemon(const char *const *where)
{
	const char *argv[16] = {getenv("APPVM_PORTALD"), "--name", "other", "--chooser",
				"command:/bin/false"};
	int argc = 5;
	for (int i = 0; where[i]; i++)
		argv[argc++] = where[i];
	argv[argc] = NULL;
	return pdh_run_to_exit(argv, NULL, "the second daemon is serving the first one's sockets");
}

static void expect_first_serves(struct pdh *h)
{
	struct pdh_conn c;
	pdh_open(h, &c); /* HELLO answered */
	pdh_close(&c);
	char out[4096];
	assert_int_equal(
	    pdh_appvmctl(h, out, sizeof(out), (const char *const[]){"docs", "list", NULL}), 0);
}

static struct pdh h;

static int start(void **state)
{
	(void)state;
	pdh_start(&h, NULL);
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	return 0;
}

static void test_live_sockets_kept(void **state)
{
	(void)state;
	/* The same VM path, then each socket alone. */
	assert_int_equal(second_daemon((const char *const[]){"--vsock", h.vsock, NULL}), 1);
	expect_first_serves(&h);
	char spare_ctl[700], spare_listen[700];
	snprintf(spare_ctl, sizeof(spare_ctl), "%s/spare.ctl", h.work);
	snprintf(spare_listen, sizeof(spare_listen), "%s/spare.sock", h.work);
	assert_int_equal(second_daemon((const char *const[]){"--listen", h.listen, "--control",
							     spare_ctl, NULL}),
			 1);
	assert_int_equal(second_daemon((const char *const[]){"--listen", spare_listen, "--control",
							     h.control, NULL}),
			 1);
	expect_first_serves(&h);
	/* The spare sockets of the refused starts are gone again. */
	assert_int_equal(access(spare_ctl, F_OK), -1);
	assert_int_equal(access(spare_listen, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_live_sockets_kept, start, stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
