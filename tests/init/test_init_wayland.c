/* Store runtimes (programs through a store's own loader), when the agent
 * starts before the stores, and the Wayland transport plan: pure parts of
 * appvm-init. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "config_load.h"
#include "storerun.h"
#include "wayland_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct cfg cfg;
static struct storerun rts[CFG_MAX_STORES];

static void load(const char *text)
{
	char err[512] = "";
	cfg_init(&cfg);
	if (cfg_parse_string(&cfg, text, "vm.conf", err, sizeof(err)) < 0 ||
	    cfg_check(&cfg, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	memset(rts, 0, sizeof(rts));
}

/* The words joined with single blanks, for comparison. */
static const char *joined(const struct util_words *w)
{
	static char buf[UTIL_WORDS_BUF * 2];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < w->n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "", w->v[i]);
	assert_null(w->v[w->n]);
	return buf;
}

static const char manifest[] = "# written by rootfs/build\n"
			       "loader = lib64/ld-linux-x86-64.so.2\n"
			       "\n"
			       "library-path = lib/x86_64-linux-gnu:usr/lib/x86_64-linux-gnu\n";

static void test_manifest(void **state)
{
	(void)state;
	struct storerun rt;
	char err[256];
	assert_int_equal(storerun_parse(manifest, &rt, err, sizeof(err)), 0);
	assert_true(rt.present);
	assert_string_equal(rt.loader, "lib64/ld-linux-x86-64.so.2");
	assert_int_equal(rt.n_libdirs, 2);
	assert_string_equal(rt.libdirs[1], "usr/lib/x86_64-linux-gnu");
	assert_int_equal(storerun_parse("  loader=l \r\nlibrary-path=a", &rt, err, sizeof(err)), 0);
	assert_string_equal(rt.loader, "l");
	assert_string_equal(rt.libdirs[0], "a");

	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"", "no loader line"},
	    {"loader = l\n", "no library-path line"},
	    {"library-path = a\n", "no loader line"},
	    {"loader = /lib64/ld.so\nlibrary-path = a\n",
	     "line 1: loader must be a path relative to the store, got \"/lib64/ld.so\""},
	    {"loader = ../ld.so\nlibrary-path = a\n", "line 1: loader must be a path relative"},
	    {"loader = a/./b\nlibrary-path = a\n", "line 1: loader must be a path relative"},
	    {"loader = a//b\nlibrary-path = a\n", "line 1: loader must be a path relative"},
	    {"loader = a b\nlibrary-path = a\n", "line 1: loader must be a path relative"},
	    {"loader = l\nloader = l\n", "line 2: loader given twice"},
	    {"loader = l\nlibrary-path = a::b\n",
	     "line 2: library-path entries must be paths relative to the store, got \"\""},
	    {"loader = l\nlibrary-path = a:/usr/lib\n",
	     "line 2: library-path entries must be paths relative to the store, got \"/usr/lib\""},
	    {"loader = l\nlibrary-path = a:..\n", "got \"..\""},
	    {"loader = l\nlibrary-path = a\nlibrary-path = b\n",
	     "line 3: library-path given twice"},
	    {"loader = l\nlibrary-path = a:b:c:d:e:f:g:h:i:j:k:l:m:n:o:p:q\n",
	     "line 2: more than 16 library directories"},
	    {"loader l\n", "line 1: expected KEY = VALUE"},
	    {"interp = l\n", "line 1: unknown key \"interp\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(storerun_parse(bad[i].text, &rt, err, sizeof(err)), -EINVAL);
		assert_false(rt.present);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, bad[i].msg);
	}
	char longline[2000];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(storerun_parse(longline, &rt, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 1: too long");
}

#define STORES                                                                                     \
	"[store wl]\nsource = serial:wl\ntype = erofs\npath = /run/store/wl\n"                     \
	"[store w]\nsource = serial:w\ntype = erofs\npath = /run/store/w\n"                        \
	"[store usr]\nsource = tag:usr\ntype = virtiofs\npath = /usr\n"                            \
	"[store deep]\nsource = serial:d\ntype = erofs\npath = /usr/lib/deep\n"

static void test_command(void **state)
{
	(void)state;
	char err[256] = "";
	load(STORES "[app]\nexec = /usr/bin/true\nuser = app\n");
	assert_int_equal(storerun_find_store(&cfg, "/run/store/wl/usr/bin/waypipe"), 0);
	assert_int_equal(storerun_find_store(&cfg, "/run/store/w/x"), 1);
	assert_int_equal(storerun_find_store(&cfg, "/run/store/wlx/x"), -1);
	assert_int_equal(storerun_find_store(&cfg, "/run/store/wl"), -1);
	assert_int_equal(storerun_find_store(&cfg, "/usr/lib/deep/bin/x"), 3); /* the longest */
	assert_int_equal(storerun_find_store(&cfg, "/usr/bin/x"), 2);

	struct util_words cmd, out;
	util_words_init(&cmd);
	assert_int_equal(util_words_split(&cmd, "/run/store/wl/usr/bin/waypipe -c 'lz4 x'"), 0);

	/* No manifest in the store: the command as it is. */
	util_words_init(&out);
	assert_int_equal(storerun_command(&cfg, rts, &cmd, &out, err, sizeof(err)), 0);
	assert_string_equal(joined(&out), "/run/store/wl/usr/bin/waypipe -c lz4 x");
	assert_int_equal(out.n, 3);

	assert_int_equal(storerun_parse(manifest, &rts[0], err, sizeof(err)), 0);
	util_words_init(&out);
	assert_int_equal(storerun_command(&cfg, rts, &cmd, &out, err, sizeof(err)), 0);
	assert_string_equal(
	    joined(&out),
	    "/run/store/wl/lib64/ld-linux-x86-64.so.2 --inhibit-cache --library-path "
	    "/run/store/wl/lib/x86_64-linux-gnu:/run/store/wl/usr/lib/x86_64-linux-gnu "
	    "--argv0 /run/store/wl/usr/bin/waypipe /run/store/wl/usr/bin/waypipe -c "
	    "lz4 x");
	assert_int_equal(out.n, 9);
	assert_string_equal(out.v[8], "lz4 x");

	/* The store's loader named on purpose is not wrapped in itself. */
	util_words_init(&cmd);
	util_words_add(&cmd, "/run/store/wl/lib64/ld-linux-x86-64.so.2");
	util_words_add(&cmd, "--list");
	util_words_init(&out);
	assert_int_equal(storerun_command(&cfg, rts, &cmd, &out, err, sizeof(err)), 0);
	assert_string_equal(joined(&out), "/run/store/wl/lib64/ld-linux-x86-64.so.2 --list");

	/* A program outside the store keeps its own loader. */
	util_words_init(&cmd);
	util_words_add(&cmd, "/usr/bin/appvm-wayland-relay");
	util_words_init(&out);
	assert_int_equal(storerun_command(&cfg, rts, &cmd, &out, err, sizeof(err)), 0);
	assert_string_equal(joined(&out), "/usr/bin/appvm-wayland-relay");

	/* A mount point with ':' cannot be in a library path. */
	load("[store x]\nsource = serial:x\ntype = erofs\npath = /run/a:b\n[app]\nexec = /x\n");
	assert_int_equal(storerun_parse(manifest, &rts[0], err, sizeof(err)), 0);
	util_words_init(&cmd);
	util_words_add(&cmd, "/run/a:b/bin/x");
	util_words_init(&out);
	assert_int_equal(storerun_command(&cfg, rts, &cmd, &out, err, sizeof(err)), -EINVAL);
	assert_string_equal(
	    err, "/run/a:b/bin/x: store x is mounted at /run/a:b, whose ':' cannot go into a "
		 "library path");

	/* Too many words for one command line. */
	util_words_init(&out);
	for (int i = 0; i < UTIL_WORDS_MAX; i++)
		assert_int_equal(util_words_add(&out, "w"), 0);
	assert_int_equal(util_words_add(&out, "w"), -E2BIG);
	util_words_init(&out);
	char big[UTIL_WORDS_BUF + 1];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(util_words_add(&out, big), -E2BIG);
	assert_int_equal(util_words_split(&out, "a 'b"), -EINVAL);
	assert_int_equal(util_words_split(&out, "   "), 0);
	assert_int_equal(out.n, 0);
}

/* When the agent starts before the stores, and when init makes its control
 * socket after that start (the built-in agent only). */
static void test_agent_early(void **state)
{
	(void)state;
	static const struct {
		const char *conf;
		bool early, late_socket;
	} cases[] = {
	    {"", true, true}, /* the default exec */
	    {"[agent]\nexec = /usr/bin/appvm-agent\n", true, true},
	    {"[agent]\nexec = /usr/local/bin/my-agent\n", true, false},
	    {"[agent]\nexec = /usr/bin/appvm-agent-wrapper\n", true, false},
	    {"[agent]\nenable = no\n", false, false},
	    {STORES "[agent]\nexec = /run/store/wl/usr/bin/appvm-agent\n", false, false},
	    /* The default exec, but /usr is a store. */
	    {STORES, false, false},
	    {"[state]\nsource = serial:state0\ntype = ext4\npath = /var/state\n"
	     "[agent]\nexec = /var/state/bin/appvm-agent\n",
	     false, false},
	    {"[state]\nsource = serial:state0\ntype = ext4\npath = /var/state\n"
	     "[agent]\nexec = /var/statex/appvm-agent\n",
	     true, false},
	};
	char conf[1024];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(conf, sizeof(conf), "[app]\nexec = /usr/bin/true\nuser = app\n%s",
			 cases[i].conf);
		load(conf);
		/* As init/main.c decides it: the built-in agent, started early. */
		bool early = storerun_agent_early(&cfg);
		bool late_socket = early && storerun_agent_builtin(&cfg);
		if (early != cases[i].early || late_socket != cases[i].late_socket)
			fail_msg("case %zu: early %d, late socket %d", i, early, late_socket);
	}
}

static void test_plan(void **state)
{
	(void)state;
	static struct wayland_plan p;
	char err[256] = "";

	/* Without waypipe: only the apps' socket. */
	load("[app]\nexec = /usr/bin/true\nuser = app\n");
	assert_int_equal(wayland_plan(&cfg, "/run/user/1000", rts, &p, err, sizeof(err)), 0);
	assert_false(p.transport);
	assert_string_equal(p.app_socket, "/run/user/1000/wayland-0");

	/* waypipe from a store, no filter: the relay holds waypipe's command. */
	load(STORES "[wayland]\nwaypipe = /run/store/wl/usr/bin/waypipe --compress lz4\n"
		    "[app]\nexec = /usr/bin/true\nuser = app\n");
	assert_int_equal(storerun_parse(manifest, &rts[0], err, sizeof(err)), 0);
	assert_int_equal(wayland_plan(&cfg, "/run/user/1000", rts, &p, err, sizeof(err)), 0);
	assert_true(p.transport);
	assert_false(p.filter);
	assert_string_equal(p.target, "vsock:2:1027");
	assert_string_equal(p.display, "/run/user/1000/wayland-0");
	assert_string_equal(joined(&p.relay),
			    "/usr/bin/appvm-wayland-relay --listen "
			    "/run/appvm/wayland/relay.sock --target vsock:2:1027");
	assert_string_equal(
	    joined(&p.waypipe),
	    "/run/store/wl/lib64/ld-linux-x86-64.so.2 --inhibit-cache --library-path "
	    "/run/store/wl/lib/x86_64-linux-gnu:/run/store/wl/usr/lib/x86_64-linux-gnu --argv0 "
	    "/run/store/wl/usr/bin/waypipe /run/store/wl/usr/bin/waypipe --compress lz4 --no-gpu "
	    "--socket /run/appvm/wayland/relay.sock --display /run/user/1000/wayland-0 server -- "
	    "/usr/bin/appvm-wayland-relay --hold");

	/* With the filter: waypipe's display moves out of the apps' sight and
	 * the filter serves the apps' socket. */
	load("[wayland]\nwaypipe = /usr/bin/waypipe\nsocket = wayland-1\ntarget = unix:/h.sock\n"
	     "filter = /usr/bin/appvm-wayland\nfilter-args = -v\n"
	     "[app]\nexec = /usr/bin/true\nuser = app\n");
	assert_int_equal(wayland_plan(&cfg, "/run/x", rts, &p, err, sizeof(err)), 0);
	assert_true(p.filter);
	assert_string_equal(p.display, "/run/appvm/wayland/waypipe.sock");
	assert_string_equal(p.data_control, "/run/appvm/wayland/data-control.sock");
	assert_string_equal(joined(&p.relay),
			    "/usr/bin/appvm-wayland-relay --listen "
			    "/run/appvm/wayland/relay.sock --target unix:/h.sock");
	assert_string_equal(joined(&p.waypipe),
			    "/usr/bin/waypipe --no-gpu --socket /run/appvm/wayland/relay.sock "
			    "--display /run/appvm/wayland/waypipe.sock server -- "
			    "/usr/bin/appvm-wayland guest --listen /run/x/wayland-1 --upstream "
			    "/run/appvm/wayland/waypipe.sock --data-control "
			    "/run/appvm/wayland/data-control.sock -v");

	/* A runtime directory too long for the socket. */
	char dir[CFG_PATH_MAX];
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	assert_int_equal(wayland_plan(&cfg, dir, rts, &p, err, sizeof(err)), -EINVAL);
	if (!strstr(err, "socket path is too long"))
		fail_msg("%s", err);
}

static void test_listening(void **state)
{
	(void)state;
	static const char text[] =
	    "Num       RefCount Protocol Flags    Type St Inode Path\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 20001 /run/appvm/init.sock\n"
	    "0000000000000000: 00000003 00000000 00000000 0001 03 20002 /run/user/1000/wayland-0\n"
	    "0000000000000000: 00000002 00000000 00010000 0002 01 20003 /run/dgram\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 20004 /run/with space\n"
	    "0000000000000000: 00000002 00000000 00000000 0001 03 20005\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 20007 wayland-9\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 20008 @abstract\n"
	    "0000000000000000: 00000002 00000000 00010000 0001 01 20006 /run/last";
	assert_true(wayland_socket_listening(text, "/run/appvm/init.sock"));
	/* Connected, not listening: a client's end. */
	assert_false(wayland_socket_listening(text, "/run/user/1000/wayland-0"));
	assert_false(wayland_socket_listening(text, "/run/dgram"));
	assert_true(wayland_socket_listening(text, "/run/with space"));
	assert_false(wayland_socket_listening(text, "/run/with"));
	assert_false(wayland_socket_listening(text, "/run/appvm/init"));
	assert_true(wayland_socket_listening(text, "/run/last"));
	/* Bound by a relative name after a chdir (waypipe does that). */
	assert_true(wayland_socket_listening(text, "/run/user/1000/wayland-9"));
	assert_false(wayland_socket_listening(text, "/run/user/1000/xwayland-9"));
	assert_false(wayland_socket_listening(text, "wayland-9x"));
	assert_false(wayland_socket_listening(text, "/run/abstract"));
	assert_false(wayland_socket_listening("", "/run/last"));
	assert_false(wayland_socket_listening("garbage\n\n", "/run/last"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest),	cmocka_unit_test(test_command),
	    cmocka_unit_test(test_agent_early), cmocka_unit_test(test_plan),
	    cmocka_unit_test(test_listening),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
