/* vm.conf parsing, command line overrides and whole-config checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfg_text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MINIMAL "[app]\nexec = /usr/bin/true\n"

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
	assert_int_equal(cfg.vm.on_app_exit, CFG_ACTION_POWEROFF);
	assert_int_equal(cfg.vm.grace_ms, 10000);
	assert_int_equal(cfg.vm.restart_limit, 10);
	assert_int_equal(cfg.vm.restart_window_ms, 30000);
	assert_true(cfg.agent.enable);
	assert_int_equal(cfg.agent.port, 1024);
	assert_string_equal(cfg.agent.exec, "/usr/bin/appvm-agent");
	assert_string_equal(cfg.wayland.socket, "wayland-0");
	assert_string_equal(cfg.wayland.waypipe, "");
	assert_string_equal(cfg.wayland.relay, "/usr/bin/appvm-wayland-relay");
	assert_string_equal(cfg.wayland.target, "");
	assert_string_equal(cfg.wayland.filter, "");
	assert_int_equal(cfg.wayland.ready_timeout_ms, 30000);
	assert_false(cfg.has_state);
}

static const char full[] =
    "# a full example\n"
    "[vm]\nname = editor\nhostname = editor-vm\non-app-exit = reboot\ngrace = 500ms\n"
    "restart-limit = 3\nrestart-window = 2s\nrestart-delay = 10ms\nrestart-delay-max = 1s\n"
    "[store usr]\nsource = tag:usr\ntype = virtiofs\npath = /usr\n"
    "[store apps]\nsource = label:apps\ntype = erofs\npath = /opt/apps\noptions = noexec,noatime\n"
    "[state]\nsource = serial:state0\ntype = ext4\npath = /var/lib/state\n"
    "[net]\naddress = 10.0.2.15/24\ngateway = 10.0.2.2\n"
    "[wayland]\nowner = user\nsocket = wayland-1\nwaypipe = /run/store/wl/usr/bin/waypipe -c lz4\n"
    "relay = /usr/libexec/relay\ntarget = unix:/run/host.sock\nfilter = /usr/bin/appvm-wayland\n"
    "filter-args = -v\ndata-control = /run/dc.sock\nready-timeout = 5s\n"
    "[agent]\nenable = no\nport = 5000\nargs = --verbose\n"
    "[app]\nexec = /usr/bin/editor --new-window \"my file\"\nuser = user\ngroup = users\n"
    "groups = audio, video\nenv = LANG=C.UTF-8\nenv = EDITOR=vi\nworkdir = /home/user\n";

static void test_full(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(load(full, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.vm.name, "editor");
	assert_int_equal(cfg.vm.on_app_exit, CFG_ACTION_REBOOT);
	assert_int_equal(cfg.vm.grace_ms, 500);
	assert_int_equal(cfg.vm.restart_window_ms, 2000);
	assert_int_equal(cfg.n_stores, 2);
	assert_string_equal(cfg.stores[1].name, "apps");
	assert_int_equal(cfg.stores[1].type, CFG_FS_EROFS);
	assert_string_equal(cfg.stores[1].options, "noexec,noatime");
	assert_true(cfg.has_state);
	assert_int_equal(cfg.state.type, CFG_FS_EXT4);
	assert_int_equal(cfg.n_net, 2);
	assert_string_equal(cfg.net[1].key, "gateway");
	assert_string_equal(cfg.net[1].origin, "vm.conf:26");
	assert_string_equal(cfg.wayland.waypipe, "/run/store/wl/usr/bin/waypipe -c lz4");
	assert_string_equal(cfg.wayland.relay, "/usr/libexec/relay");
	assert_string_equal(cfg.wayland.target, "unix:/run/host.sock");
	assert_string_equal(cfg.wayland.filter, "/usr/bin/appvm-wayland");
	assert_string_equal(cfg.wayland.filter_args, "-v");
	assert_string_equal(cfg.wayland.data_control, "/run/dc.sock");
	assert_int_equal(cfg.wayland.ready_timeout_ms, 5000);
	assert_false(cfg.agent.enable);
	assert_int_equal(cfg.agent.port, 5000);
	assert_int_equal(cfg.app.n_env, 2);
	assert_string_equal(cfg.app.env[1], "EDITOR=vi");
	assert_string_equal(cfg.app.exec, "/usr/bin/editor --new-window \"my file\"");
}

static void test_cmdline_overrides(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(
	    load(full,
		 "console=ttyS0 appvm.config=/x appvm.debug=1 appvm.vm.on-app-exit=ignore "
		 "appvm.store.usr.path=/usr2 appvm.store.extra.source=/dev/vdc "
		 "appvm.store.extra.type=squashfs appvm.store.extra.path=/extra "
		 "appvm.net.gateway=10.0.2.1 \"appvm.app.exec=/bin/sh -c 'exit 3'\" -- "
		 "appvm.vm.name=no",
		 err, sizeof(err)),
	    0);
	assert_int_equal(cfg.vm.on_app_exit, CFG_ACTION_IGNORE);
	assert_string_equal(cfg.stores[0].path, "/usr2");
	assert_int_equal(cfg.n_stores, 3);
	assert_int_equal(cfg.stores[2].type, CFG_FS_SQUASHFS);
	assert_string_equal(cfg.net[1].value, "10.0.2.1");
	assert_string_equal(cfg.net[1].origin, "kernel command line");
	assert_string_equal(cfg.app.exec, "/bin/sh -c 'exit 3'");
	assert_string_equal(cfg.vm.name, "editor");
}

struct bad {
	const char *text;
	const char *cmdline;
	int ret;
	const char *msg; /* the exact, documented line */
};

static const struct bad bad[] = {
    {"[app\nexec = /bin/true\n", NULL, -EINVAL,
     "vm.conf:1: syntax error: expected [section], key = value or a comment"},
    {MINIMAL "just words\n", NULL, -EINVAL,
     "vm.conf:3: syntax error: expected [section], key = value or a comment"},
    {"exec = /bin/true\n", NULL, -EINVAL,
     "vm.conf:1: key outside any section (put it under [vm], [app], ...)"},
    {MINIMAL "[apps]\nx = 1\n", NULL, -ENOENT,
     "vm.conf:3: unknown section [apps] (did you mean [app]?)"},
    {MINIMAL "[qwertyuiop]\nx = 1\n", NULL, -ENOENT,
     "vm.conf:3: unknown section [qwertyuiop] (known: vm, store NAME, state, net, wayland, agent, "
     "app, portal)"},
    {"[app]\nexce = /bin/true\n", NULL, -ENOENT,
     "vm.conf:2: unknown key \"exce\" in [app] (did you mean \"exec\"?)"},
    {MINIMAL "[vm]\non-app-exti = poweroff\n", NULL, -ENOENT,
     "vm.conf:4: unknown key \"on-app-exti\" in [vm] (did you mean \"on-app-exit\"?)"},
    {MINIMAL "[vm]\nzzzzzzzz = 1\n", NULL, -ENOENT, "vm.conf:4: unknown key \"zzzzzzzz\" in [vm]"},
    {MINIMAL "exec = /bin/false\n", NULL, -EEXIST, "vm.conf:3: [app] exec: key given twice"},
    {MINIMAL "[vm]\nname = a\n[app]\nuser = 0\n", NULL, -EEXIST,
     "vm.conf:5: section [app] given twice"},
    {MINIMAL "[vm]\ngrace = ten\n", NULL, -EINVAL,
     "vm.conf:4: [vm] grace: expected a duration like 10s or 500ms (at most 600s), got \"ten\""},
    {MINIMAL "[vm]\ngrace = 601s\n", NULL, -EINVAL,
     "vm.conf:4: [vm] grace: expected a duration like 10s or 500ms (at most 600s), got \"601s\""},
    {MINIMAL "[vm]\non-app-exit = halt\n", NULL, -EINVAL,
     "vm.conf:4: [vm] on-app-exit: expected poweroff, reboot, restart or ignore, got \"halt\""},
    {MINIMAL "[vm]\nrestart-limit = 0\n", NULL, -EINVAL,
     "vm.conf:4: [vm] restart-limit: expected a number from 1 to 100, got \"0\""},
    {MINIMAL "[vm]\nhostname = a b\n", NULL, -EINVAL,
     "vm.conf:4: [vm] hostname: expected 1-63 letters, digits, '-', '_' or '.', got \"a b\""},
    {MINIMAL "[agent]\nenable = maybe\n", NULL, -EINVAL,
     "vm.conf:4: [agent] enable: expected yes or no, got \"maybe\""},
    {MINIMAL "[agent]\nport = 99999999999\n", NULL, -EINVAL,
     "vm.conf:4: [agent] port: expected a port number from 1 to 4294967294, got \"99999999999\""},
    {MINIMAL "[agent]\nport = 01024\n", NULL, -EINVAL,
     "vm.conf:4: [agent] port: expected a port number from 1 to 4294967294, got \"01024\""},
    {MINIMAL "[portal]\nport = 0\n", NULL, -EINVAL,
     "vm.conf:4: [portal] port: expected a port number from 1 to 4294967294, got \"0\""},
    {MINIMAL "[agent]\nexec = appvm-agent\n", NULL, -EINVAL,
     "vm.conf:4: [agent] exec: expected an absolute path, got \"appvm-agent\""},
    {"[app]\nexec = bin/true\n", NULL, -EINVAL,
     "vm.conf:2: [app] exec: the program must be an absolute path, got \"bin/true\""},
    {"[app]\nexec = /bin/echo \"open\n", NULL, -EINVAL,
     "vm.conf:2: [app] exec: expected a command line (unbalanced quote?), got \"/bin/echo "
     "\"open\""},
    {MINIMAL "env = 1X=2\n", NULL, -EINVAL, "vm.conf:3: [app] env: \"1X\" is not a variable name"},
    {MINIMAL "env = NOEQUALS\n", NULL, -EINVAL,
     "vm.conf:3: [app] env: expected NAME=VALUE, got \"NOEQUALS\""},
    {MINIMAL "user = -root\n", NULL, -EINVAL,
     "vm.conf:3: [app] user: expected a user or group name or a number, got \"-root\""},
    {MINIMAL "groups = audio,:x\n", NULL, -EINVAL,
     "vm.conf:3: [app] groups: \":x\" is not a group name or number"},
    {MINIMAL "workdir = /home/../etc\n", NULL, -EINVAL,
     "vm.conf:3: [app] workdir: expected an absolute path, got \"/home/../etc\""},
    {MINIMAL "[store]\nsource = tag:x\n", NULL, -ENOENT,
     "vm.conf:3: section [store] needs a name: [store NAME]"},
    {MINIMAL "[store a/b]\nsource = tag:x\n", NULL, -ENOENT,
     "vm.conf:3: [store a/b]: a store name is 1-32 letters, digits, '-', '_' or '.'"},
    {MINIMAL "[store usr]\nsource = usr\n", NULL, -EINVAL,
     "vm.conf:4: [store usr] source: expected tag:TAG, label:LABEL, serial:SERIAL or /dev/DEVICE, "
     "got \"usr\""},
    {MINIMAL "[store usr]\ntype = btrfs\n", NULL, -EINVAL,
     "vm.conf:4: [store usr] type: expected virtiofs, erofs, squashfs or ext4, got \"btrfs\""},
    {MINIMAL "[store usr]\noptions = ro,rw\n", NULL, -EINVAL,
     "vm.conf:4: [store usr] options: \"rw\" is not allowed: stores are always read-only"},
    {MINIMAL "[store usr]\nsource = tag:usr\ntype = virtiofs\n", NULL, -EINVAL,
     "[store usr]: path is required"},
    {MINIMAL "[store usr]\nsource = tag:usr\npath = /usr\n", NULL, -EINVAL,
     "[store usr]: type is required"},
    {MINIMAL "[store usr]\ntype = erofs\npath = /usr\n", NULL, -EINVAL,
     "[store usr]: source is required"},
    {MINIMAL "[store usr]\nsource = tag:usr\ntype = erofs\npath = /usr\n", NULL, -EINVAL,
     "[store usr]: source tag:usr needs type virtiofs"},
    {MINIMAL "[store usr]\nsource = /dev/vdb\ntype = virtiofs\npath = /usr\n", NULL, -EINVAL,
     "[store usr]: source /dev/vdb needs type erofs, squashfs or ext4"},
    {MINIMAL "[store a]\nsource = /dev/vdb\ntype = erofs\npath = /x\n[store b]\nsource = /dev/vdc\n"
	     "type = erofs\npath = /x\n",
     NULL, -EINVAL, "[store b]: path /x is already used by [store a]"},
    {MINIMAL "[store a]\nsource = /dev/vdb\ntype = erofs\npath = /\n", NULL, -EINVAL,
     "[store a]: path cannot be /"},
    {MINIMAL "[state]\nsource = /dev/vdb\ntype = erofs\npath = /state\n", NULL, -EINVAL,
     "[state]: type erofs is read-only; the state store needs ext4 or virtiofs"},
    {MINIMAL "[state]\nsource = /dev/vdb\ntype = ext4\n", NULL, -EINVAL,
     "[state]: path is required"},
/* [wayland]: each mistake gets one line (docs/config.md). */
#define WP	 "[wayland]\nwaypipe = /usr/bin/waypipe\n"
#define APP_USER "[app]\nexec = /usr/bin/true\nuser = app\n"
    {APP_USER WP "target = vsock:2\n", NULL, -EINVAL,
     "vm.conf:6: [wayland] target: target vsock:2: expected vsock:CID:PORT"},
    {APP_USER WP "target = vsock:3:1027\n", NULL, -EINVAL,
     "vm.conf:6: [wayland] target: target vsock:3:1027: CID must be 2 (the host) or 1 (this "
     "VM's loopback)"},
    {APP_USER WP "target = tcp:1.2.3.4:5\n", NULL, -EINVAL,
     "vm.conf:6: [wayland] target: target tcp:1.2.3.4:5: expected vsock:CID:PORT or unix:PATH"},
    {APP_USER WP "target = unix:relative\n", NULL, -EINVAL,
     "vm.conf:6: [wayland] target: target unix:relative: the socket path must be absolute"},
    {APP_USER WP "waypipe = /usr/bin/waypipe\n", NULL, -EEXIST,
     "vm.conf:6: [wayland] waypipe: key given twice"},
    {APP_USER "[wayland]\nwaypipe = waypipe\n", NULL, -EINVAL,
     "vm.conf:5: [wayland] waypipe: the program must be an absolute path, got \"waypipe\""},
    {APP_USER "[wayland]\nwaypipe = /usr/bin/waypipe 'x\n", NULL, -EINVAL,
     "vm.conf:5: [wayland] waypipe: expected a command line (unbalanced quote?), got "
     "\"/usr/bin/waypipe 'x\""},
    {APP_USER WP "filter = appvm-wayland\n", NULL, -EINVAL,
     "vm.conf:6: [wayland] filter: expected an absolute path, got \"appvm-wayland\""},
    {APP_USER WP "ready-timeout = 11m\n", NULL, -EINVAL,
     "vm.conf:6: [wayland] ready-timeout: expected a duration like 10s or 500ms (at most 600s), "
     "got \"11m\""},
    {APP_USER WP "forwarder = /usr/bin/x\n", NULL, -ENOENT,
     "vm.conf:6: unknown key \"forwarder\" in [wayland]"},
    {APP_USER WP "filtre = /usr/bin/x\n", NULL, -ENOENT,
     "vm.conf:6: unknown key \"filtre\" in [wayland] (did you mean \"filter\"?)"},
    {APP_USER "[wayland]\nfilter = /usr/bin/appvm-wayland\n", NULL, -EINVAL,
     "[wayland] filter is set but waypipe is not: the Wayland transport runs only with waypipe"},
    {APP_USER "[wayland]\ntarget = vsock:2:1027\n", NULL, -EINVAL,
     "[wayland] target is set but waypipe is not: the Wayland transport runs only with waypipe"},
    {APP_USER "[wayland]\ndata-control = /run/dc\n", NULL, -EINVAL,
     "[wayland] data-control is set but waypipe is not: the Wayland transport runs only with "
     "waypipe"},
    {APP_USER WP "filter-args = -v\n", NULL, -EINVAL,
     "[wayland] filter-args is set but filter is not"},
    {MINIMAL WP, NULL, -EINVAL,
     "[wayland] waypipe would run as root: it runs as [wayland] owner, else as [app] user; set "
     "one of them to an unprivileged user"},
    {APP_USER WP "owner = root\n", NULL, -EINVAL,
     "[wayland] waypipe would run as root: it runs as [wayland] owner, else as [app] user; set "
     "one of them to an unprivileged user"},
    {APP_USER WP
     "data-control = /run/"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaa\n",
     NULL, -EINVAL, "[wayland] data-control: a socket path has at most 107 bytes"},
    {APP_USER WP
     "runtime-dir = /run/"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaa\n",
     NULL, -EINVAL, "[wayland] runtime-dir and socket make a socket path longer than 107 bytes"},
    {APP_USER WP, "appvm.wayland.target=vsock:x:1", -EINVAL,
     "kernel command line: [wayland] target: target vsock:x:1: CID must be 2 (the host) or 1 "
     "(this VM's loopback)"},
#undef WP
#undef APP_USER
    {MINIMAL "[vm]\nrestart-delay = 2s\nrestart-delay-max = 1s\n", NULL, -EINVAL,
     "[vm] restart-delay (2000ms) is longer than restart-delay-max (1000ms)"},
    {"[vm]\nname = x\n", NULL, -EINVAL, "[app] exec is required"},
    {"", NULL, -EINVAL, "[app] exec is required"},
    {MINIMAL "[app]\n", NULL, 0, ""}, /* an empty repeated header calls no handler */
    {MINIMAL, "appvm.vm.grace=soon", -EINVAL,
     "kernel command line: [vm] grace: expected a duration like 10s or 500ms (at most 600s), got "
     "\"soon\""},
    {MINIMAL, "appvm.vm.gracee=1s", -ENOENT,
     "kernel command line: unknown key \"gracee\" in [vm] (did you mean \"grace\"?)"},
    {MINIMAL, "appvm.wm.grace=1s", -ENOENT,
     "kernel command line: unknown section [wm] (did you mean [vm]?)"},
    {MINIMAL, "appvm.vm", -EINVAL,
     "kernel command line: appvm.vm: expected appvm.SECTION.KEY=VALUE"},
    {MINIMAL, "appvm.grace=1", -EINVAL,
     "kernel command line: appvm.grace=1: expected appvm.SECTION.KEY=VALUE"},
    {MINIMAL, "appvm.store.x=1", -EINVAL,
     "kernel command line: appvm.store.x=1: expected appvm.SECTION.KEY=VALUE"},
    {MINIMAL, "appvm.vm.=1", -EINVAL,
     "kernel command line: appvm.vm.=1: expected appvm.SECTION.KEY=VALUE"},
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		int r = load(bad[i].text, bad[i].cmdline, err, sizeof(err));
		if (r != bad[i].ret || strcmp(err, bad[i].msg) != 0)
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i, r, err, bad[i].ret,
				 bad[i].msg);
	}
}

static void test_wayland_good(void **state)
{
	(void)state;
	char err[512] = "";
	/* A uid as owner, the app as root: waypipe runs as the owner. */
	assert_int_equal(load(MINIMAL "[wayland]\nwaypipe = /usr/bin/waypipe\nowner = 1000\n",
			      "appvm.wayland.target=unix:/run/h.sock", err, sizeof(err)),
			 0);
	assert_string_equal(cfg.wayland.target, "unix:/run/h.sock");
	assert_int_equal(load(MINIMAL "[wayland]\nsocket = wayland-1\n", NULL, err, sizeof(err)),
			 0);
}

static void test_long_line(void **state)
{
	(void)state;
	char text[1024], err[512];
	snprintf(text, sizeof(text), "[app]\nexec = /bin/true\nenv = X=%0300d\n", 0);
	assert_int_equal(load(text, NULL, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "vm.conf:3: line too long (at most 198 bytes)");
}

static void test_limits(void **state)
{
	(void)state;
	char text[8192], err[512];
	size_t o = (size_t)snprintf(text, sizeof(text), MINIMAL);
	for (int i = 0; i <= CFG_MAX_ENV; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "env = V%d=1\n", i);
	assert_int_equal(load(text, NULL, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "vm.conf:35: [app] env: at most 32 variables");

	o = (size_t)snprintf(text, sizeof(text), MINIMAL);
	for (int i = 0; i <= CFG_MAX_STORES; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "[store s%d]\ntype = erofs\n", i);
	assert_int_equal(load(text, NULL, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "vm.conf:36: [store s16]: at most 16 stores");
}

static void test_net_lines(void **state)
{
	(void)state;
	char err[512] = "";
	/* [net] lines go to the net library in order, repeats included. */
	assert_int_equal(load(MINIMAL "[net]\naddress = 10.0.0.2/24\nroute = 10.1.0.0/16\n"
				      "route = 10.2.0.0/16\n",
			      "appvm.net.address=10.0.0.3/24", err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_net, 3);
	assert_string_equal(cfg.net[0].key, "route");
	assert_string_equal(cfg.net[0].origin, "vm.conf:5");
	assert_string_equal(cfg.net[1].value, "10.2.0.0/16");
	assert_string_equal(cfg.net[2].value, "10.0.0.3/24");
	assert_string_equal(cfg.net[2].origin, "kernel command line");
}

static void test_comments_and_indent(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(
	    load("; comment\n# comment\n[app]\n    exec = /bin/true ; trailing\n  user = 1000\n",
		 NULL, err, sizeof(err)),
	    0);
	assert_string_equal(cfg.app.exec, "/bin/true");
	assert_string_equal(cfg.app.user, "1000");
}

static void test_cmdline_parse(void **state)
{
	(void)state;
	static struct cmdline cl;
	assert_int_equal(cmdline_parse(&cl, "a b=\"x y\" \"c=d e\"\n"), 0);
	assert_int_equal(cl.n, 3);
	assert_string_equal(cl.args[1], "b=x y");
	assert_string_equal(cl.args[2], "c=d e");
	assert_string_equal(cmdline_get(&cl, "b"), "x y");
	assert_string_equal(cmdline_get(&cl, "a"), "");
	assert_null(cmdline_get(&cl, "z"));
	assert_int_equal(cmdline_parse(&cl, "a=1 a=2 -- a=3"), 0);
	assert_string_equal(cmdline_get(&cl, "a"), "2");
	assert_int_equal(cmdline_parse(&cl, "x=\"open"), -EINVAL);
	char big[CMDLINE_MAX_LEN + 10];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cmdline_parse(&cl, big), -E2BIG);
	char many[CMDLINE_MAX_ARGS * 2 + 4];
	for (size_t i = 0; i < CMDLINE_MAX_ARGS + 1; i++) {
		many[2 * i] = 'x';
		many[2 * i + 1] = ' ';
	}
	many[2 * (CMDLINE_MAX_ARGS + 1)] = '\0';
	assert_int_equal(cmdline_parse(&cl, many), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_cmdline_overrides),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_wayland_good),
	    cmocka_unit_test(test_long_line),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_comments_and_indent),
	    cmocka_unit_test(test_cmdline_parse),
	    cmocka_unit_test(test_net_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
