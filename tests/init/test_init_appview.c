/* The app's view of its store ([app] store): configuration checks, the
 * planned mounts and the messages (init/appview.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "appview.h"
#include "config.h"
#include "config_load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

static struct cfg cfg;

#define TERM "[store term]\nsource = serial:term\ntype = erofs\npath = /run/store/term\n"

/* Parses and checks text; returns cfg_check's result with its message. */
static int load(const char *text, char *err, size_t errlen)
{
	cfg_init(&cfg);
	err[0] = '\0';
	if (cfg_parse_string(&cfg, text, "vm.conf", err, errlen) < 0)
		fail_msg("parse: %s", err);
	return cfg_check(&cfg, err, errlen);
}

static void test_config(void **state)
{
	(void)state;
	char err[512];

	assert_int_equal(
	    load(TERM "[app]\nstore = term\nexec = /usr/bin/foot --hold\n", err, sizeof(err)), 0);
	assert_string_equal(cfg.app.store, "term");
	/* Without [app] store, nothing to check. */
	assert_int_equal(load("[app]\nexec = /opt/x\n", err, sizeof(err)), 0);
	/* A quoted program is still the first word. */
	assert_int_equal(
	    load(TERM "[app]\nstore = term\nexec = '/usr/bin/a b' c\n", err, sizeof(err)), 0);

	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"[app]\nstore = term\nexec = /usr/bin/foot\n",
	     "[app] store: there is no [store term] section"},
	    {TERM "[app]\nstore = term\nexec = /run/store/term/usr/bin/foot\n",
	     "[app] exec: with store = term the program is a path in the store's /usr, like "
	     "/usr/bin/NAME; got /run/store/term/usr/bin/foot"},
	    {TERM "[app]\nstore = term\nexec = /usr\n", "got /usr"},
	    {TERM "[app]\nstore = term\nexec = /usrx/foot\n", "got /usrx/foot"},
	    {TERM "[store lib]\nsource = tag:lib\ntype = virtiofs\npath = /usr/local\n"
		  "[app]\nstore = term\nexec = /usr/bin/foot\n",
	     "[store lib]: path /usr/local is in /usr, which the app's view of store term "
	     "replaces"},
	    {TERM "[store e]\nsource = serial:e\ntype = erofs\npath = /etc\n"
		  "[app]\nstore = term\nexec = /usr/bin/foot\n",
	     "[store e]: path /etc is in /etc, which the app's view"},
	    {TERM "[state]\nsource = serial:s\ntype = ext4\npath = /etc/app\n"
		  "[app]\nstore = term\nexec = /usr/bin/foot\n",
	     "[state]: path /etc/app is in /etc"},
	    {"[store t]\nsource = serial:t\ntype = erofs\npath = /usr/t\n"
	     "[app]\nstore = t\nexec = /usr/bin/foot\n",
	     "[store t]: path /usr/t is in /usr"},
	    {"[store t]\nsource = serial:t\ntype = erofs\npath = /run/a,b\n"
	     "[app]\nstore = t\nexec = /usr/bin/foot\n",
	     "[store t]: path /run/a,b: the app's store cannot have ',', ':' or '\\' in its path"},
	    {"[store t]\nsource = serial:t\ntype = erofs\npath = /run/a:b\n"
	     "[app]\nstore = t\nexec = /usr/bin/foot\n",
	     "cannot have ','"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(bad[i].text, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, bad[i].msg);
	}
	/* Elsewhere /usr and /etc are fine for stores. */
	assert_int_equal(load("[store u]\nsource = tag:u\ntype = virtiofs\npath = /usr\n"
			      "[app]\nexec = /usr/bin/x\n",
			      err, sizeof(err)),
			 0);
	/* A bad store name is the key's own error. */
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_string(&cfg, "[app]\nstore = a/b\nexec = /usr/bin/x\n",
					  "vm.conf", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "vm.conf:2: [app] store: "));
}

static void test_plan(void **state)
{
	(void)state;
	char err[512], buf[1024];
	static struct appview v;

	assert_int_equal(load("[app]\nexec = /usr/bin/x\n", err, sizeof(err)), 0);
	assert_int_equal(appview_plan(&cfg, true, &v, err, sizeof(err)), 0);
	assert_false(v.enabled);
	assert_int_equal(v.n_steps, 0);

	assert_int_equal(load(TERM "[app]\nstore = term\nexec = /usr/bin/foot\n", err, sizeof(err)),
			 0);
	assert_int_equal(appview_plan(&cfg, true, &v, err, sizeof(err)), 0);
	assert_true(v.enabled);
	assert_true(v.has_etc);
	assert_string_equal(v.store, "term");
	assert_string_equal(v.root, "/run/store/term");
	assert_int_equal(v.n_steps, 4);
	/* Slave first: nothing the view mounts reaches init. */
	assert_string_equal(v.steps[0].target, "/");
	assert_int_equal(v.steps[0].flags, MS_REC | MS_SLAVE);
	assert_string_equal(v.steps[1].source, "/run/store/term/usr");
	assert_string_equal(v.steps[1].target, "/usr");
	assert_int_equal(v.steps[1].flags, MS_BIND);
	assert_string_equal(v.steps[2].target, "/usr");
	assert_int_equal(v.steps[2].flags, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV);
	assert_string_equal(v.steps[3].fstype, "overlay");
	assert_string_equal(v.steps[3].target, "/etc");
	/* The VM's /etc is the upper of the two read-only layers. */
	assert_string_equal(v.steps[3].data, "lowerdir=/etc:/run/store/term/etc");
	assert_int_equal(v.steps[3].flags, MS_RDONLY | MS_NOSUID | MS_NODEV);

	appview_describe(&v, 1, buf, sizeof(buf));
	assert_string_equal(buf, "bind /run/store/term/usr on /usr");
	appview_describe(&v, 3, buf, sizeof(buf));
	assert_string_equal(buf, "overlay on /etc (lowerdir=/etc:/run/store/term/etc)");
	appview_describe(&v, 0, buf, sizeof(buf));
	assert_string_equal(buf, "make / a slave of init's mounts");
	appview_describe(&v, 2, buf, sizeof(buf));
	assert_string_equal(buf, "make read-only, nosuid, nodev: /usr");
	appview_describe(&v, 4, buf, sizeof(buf));
	assert_string_equal(buf, "entering the mount namespace");

	/* A store without etc: /usr only. */
	assert_int_equal(appview_plan(&cfg, false, &v, err, sizeof(err)), 0);
	assert_false(v.has_etc);
	assert_int_equal(v.n_steps, 3);

	/* Paths as the app sees them, in init's view. */
	assert_int_equal(appview_store_path(&v, "/usr/bin/foot", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/store/term/usr/bin/foot");
	assert_int_equal(appview_store_path(&v, "/usrx/foot", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(appview_store_path(&v, "/bin/foot", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(appview_store_path(&v, "/usr/bin/foot", buf, 10), -ENAMETOOLONG);

	/* The plan checks the store exists too (a caller without cfg_check). */
	strcpy(cfg.app.store, "gone");
	assert_int_equal(appview_plan(&cfg, true, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[app] store: there is no [store gone] section");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
