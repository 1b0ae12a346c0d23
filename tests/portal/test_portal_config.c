/* vm.conf's [portal] section (appvm-init's config code): defaults, every
 * key, kernel command line overrides, and one clear error per mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../init/cfg_text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MINIMAL "[app]\nexec = /usr/bin/true\nuser = app\n"

static struct cfg cfg;

static int load(const char *text, const char *cmdline, char *err, size_t errlen)
{
	return cfg_text_load(&cfg, text, cmdline, err, errlen);
}

static void test_defaults(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(load(MINIMAL, NULL, err, sizeof(err)), 0);
	assert_false(cfg.portal.enable);
	assert_string_equal(cfg.portal.exec, "/usr/bin/appvm-portal");
	assert_int_equal(cfg.portal.port, 1026);
	assert_string_equal(cfg.portal.args, "");
	assert_string_equal(cfg.portal.dbus_daemon, "/usr/bin/dbus-daemon");
	assert_true(cfg.portal.app_env);
	assert_int_equal(cfg.portal.ready_timeout_ms, 5000);
	assert_string_equal(cfg.portal.docs_device, ""); /* no document device */
}

static void test_keys(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(load(MINIMAL "[portal]\n"
				      "enable = yes\n"
				      "exec = /opt/appvm/appvm-portal\n"
				      "port = 2000\n"
				      "args = --scratch-limit 64 -v\n"
				      "dbus-daemon = /opt/dbus/dbus-daemon\n"
				      "app-env = no\n"
				      "ready-timeout = 500ms\n"
				      "docs-device = appvm-docs\n",
			      NULL, err, sizeof(err)),
			 0);
	assert_true(cfg.portal.enable);
	assert_string_equal(cfg.portal.exec, "/opt/appvm/appvm-portal");
	assert_int_equal(cfg.portal.port, 2000);
	assert_string_equal(cfg.portal.args, "--scratch-limit 64 -v");
	assert_string_equal(cfg.portal.dbus_daemon, "/opt/dbus/dbus-daemon");
	assert_false(cfg.portal.app_env);
	assert_int_equal(cfg.portal.ready_timeout_ms, 500);
	assert_string_equal(cfg.portal.docs_device, "appvm-docs");
	/* The host turns it on per instance. */
	assert_int_equal(
	    load(MINIMAL, "appvm.portal.enable=1 appvm.portal.ready-timeout=2s", err, sizeof(err)),
	    0);
	assert_true(cfg.portal.enable);
	assert_int_equal(cfg.portal.ready_timeout_ms, 2000);
	/* The runtime directory's owner may be named when it is the app's user. */
	assert_int_equal(load(MINIMAL "[portal]\nenable = yes\n[wayland]\nowner = app\n", NULL, err,
			      sizeof(err)),
			 0);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *cmdline, *msg;
		int r;
	} cases[] = {
	    {MINIMAL "[portal]\nenable = maybe\n", NULL, "vm.conf:5: [portal] enable: expected",
	     -EINVAL},
	    {MINIMAL "[portal]\nexec = appvm-portal\n", NULL, "vm.conf:5: [portal] exec:", -EINVAL},
	    {MINIMAL "[portal]\nport = 0\n", NULL,
	     "[portal] port: expected a port number from 1 to 4294967294, got \"0\"", -EINVAL},
	    {MINIMAL "[portal]\ndbus-daemon = ../dbus\n", NULL, "[portal] dbus-daemon:", -EINVAL},
	    {MINIMAL "[portal]\nargs = \"unterminated\n", NULL, "[portal] args:", -EINVAL},
	    {MINIMAL "[portal]\ndocs-device = a/b\n", NULL, "[portal] docs-device: expected",
	     -EINVAL},
	    {MINIMAL "[portal]\nready-timeout = 61s\n", NULL,
	     "[portal] ready-timeout: expected a duration like 10s or 500ms (at most 60s)",
	     -EINVAL},
	    {MINIMAL "[portal]\nready-timeout = 0\n", NULL, "[portal] ready-timeout:", -EINVAL},
	    {MINIMAL "[portal]\nenabel = yes\n", NULL,
	     "unknown key \"enabel\" in [portal] (did you mean \"enable\"?)", -ENOENT},
	    {MINIMAL "[portals]\nenable = yes\n", NULL,
	     "unknown section [portals] (did you mean [portal]?)", -ENOENT},
	    {MINIMAL "[portal]\nenable = yes\nenable = no\n", NULL,
	     "[portal] enable: key given twice", -EEXIST},
	    {MINIMAL "[portal]\nenable = yes\n[wayland]\nowner = other\n", NULL,
	     "[portal] enable needs [wayland] owner to be the app's user (app), not other",
	     -EINVAL},
	    {MINIMAL, "appvm.portal.port=x", "kernel command line: [portal] port:", -EINVAL},
	};
	char err[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = load(cases[i].text, cases[i].cmdline, err, sizeof(err));
		if (r != cases[i].r || !strstr(err, cases[i].msg))
			fail_msg("case %zu: got %d \"%s\", wanted %d \"%s\"", i, r, err, cases[i].r,
				 cases[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
