/* The allowlist, the title and app id tags, and the command line. */
#include "args.h"
#include "policy.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>

#include <cmocka.h>

static bool allowed(const char *name)
{
	struct wlf_global_rule r;
	return wlf_policy_global(name, strlen(name), &r);
}

static void test_allowlist(void **state)
{
	(void)state;
	static const char *const shown[] = {
	    "wl_compositor",
	    "wl_subcompositor",
	    "wl_shm",
	    "wl_seat",
	    "wl_output",
	    "xdg_wm_base",
	    "zxdg_output_manager_v1",
	    "zxdg_decoration_manager_v1",
	    "wp_viewporter",
	    "wp_presentation",
	};
	static const char *const hidden[] = {
	    "wl_data_device_manager",
	    "zwp_primary_selection_device_manager_v1",
	    "gtk_primary_selection_device_manager",
	    "zwlr_data_control_manager_v1",
	    "ext_data_control_manager_v1",
	    "zwlr_screencopy_manager_v1",
	    "zwlr_export_dmabuf_manager_v1",
	    "zwp_virtual_keyboard_manager_v1",
	    "zwlr_virtual_pointer_manager_v1",
	    "zwlr_layer_shell_v1",
	    "zwlr_input_inhibit_manager_v1",
	    "zwlr_foreign_toplevel_manager_v1",
	    "ext_session_lock_manager_v1",
	    "zwp_idle_inhibit_manager_v1",
	    "xdg_activation_v1",
	    "zwp_keyboard_shortcuts_inhibit_manager_v1",
	    "zwlr_gamma_control_manager_v1",
	    "zwlr_output_manager_v1",
	    "zwp_input_method_manager_v2",
	    "zwp_linux_dmabuf_v1",
	    "zxdg_exporter_v2",
	    /* Near misses of allowed names. */
	    "wl_sea",
	    "wl_seat2",
	    "WL_SEAT",
	    "",
	};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		if (!allowed(shown[i]))
			fail_msg("%s should be allowed", shown[i]);
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (allowed(hidden[i]))
			fail_msg("%s should be hidden", hidden[i]);
	/* A name is compared in full, not as a prefix of a longer buffer. */
	struct wlf_global_rule r;
	assert_false(wlf_policy_global("wl_seatX", 8, &r));
	assert_true(wlf_policy_global("wl_seatX", 7, &r));
}

static void test_version_caps(void **state)
{
	(void)state;
	struct wlf_global_rule r;
	for (size_t i = 0; wlf_policy_global_at(i, &r); i++) {
		assert_true(r.max_version >= 1);
		if (r.max_version > (uint32_t)r.iface->version)
			fail_msg("%s capped above its table", r.iface->name);
	}
}

/* docs/wayland.md gives the cap and the reason of every allowed global. */
static void test_documented(void **state)
{
	(void)state;
	const char *src = getenv("APPVM_SOURCE_DIR");
	assert_non_null(src);
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/wayland.md", src);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char doc[1 << 17];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	struct wlf_global_rule r;
	for (size_t i = 0; wlf_policy_global_at(i, &r); i++) {
		char row[128];
		snprintf(row, sizeof(row), "| `%s` | %u | ", r.iface->name, r.max_version);
		if (!strstr(doc, row))
			fail_msg("docs/wayland.md has no row \"%s\"", row);
	}
}

static void test_tags(void **state)
{
	(void)state;
	char buf[WLF_TAG_MAX + 1];
	assert_int_equal(wlf_tag_title(buf, "mail", "Inbox"), strlen("[mail] Inbox"));
	assert_string_equal(buf, "[mail] Inbox");
	wlf_tag_app_id(buf, "mail", "org.gnome.Foo");
	assert_string_equal(buf, "mail:org.gnome.Foo");
	/* The guest's text cannot reorder, hide or recolour the tag. */
	wlf_tag_title(buf, "mail", "\xe2\x80\xaeknab] Login");
	assert_string_equal(buf, "[mail] \\u{202e}knab] Login");
	wlf_tag_title(buf, "mail", "\x1b[31mred\r\n[bank]");
	assert_string_equal(buf, "[mail] \\x1b[31mred\\x0d\\n[bank]");
	wlf_tag_app_id(buf, "mail",
		       "a\xff"
		       "b");
	assert_string_equal(buf, "mail:a\\xffb");
	/* A long title is cut to fit, never in the middle of a character. */
	static char title[5000];
	memset(title, 'a', sizeof(title) - 1);
	const char *euro = "\xe2\x82\xac";
	for (size_t i = 0; i + 3 < sizeof(title); i += 3)
		memcpy(title + i, euro, 3);
	title[sizeof(title) - 1] = '\0';
	/* "[mail2] " leaves 3992 bytes: 1330 characters, not 1330 and a bit. */
	size_t n = wlf_tag_title(buf, "mail2", title);
	assert_int_equal(n, strlen("[mail2] ") + 3990);
	assert_int_equal(memcmp(buf + n - 3, euro, 3), 0);
	assert_int_equal(strlen(buf), n);
}

static int parse(struct wlf_opts *o, char *err, ...)
{
	char *argv[16] = {"appvm-wayland"};
	int argc = 1;
	va_list ap;
	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	err[0] = '\0';
	return wlf_opts_parse(o, argc, argv, err, 256);
}

static void test_args(void **state)
{
	(void)state;
	struct wlf_opts o;
	char err[256];
	assert_int_equal(parse(&o, err, "host", "--listen", "/run/x", "--name", "mail",
			       "--focus-file=/run/f", "-v", NULL),
			 0);
	assert_int_equal(o.mode, WLF_MODE_HOST);
	assert_string_equal(o.name, "mail");
	assert_string_equal(o.focus_file, "/run/f");
	assert_true(o.verbose);
	assert_null(o.upstream);
	assert_int_equal(parse(&o, err, "guest", "--listen", "wayland-0", "--upstream", "/run/wp",
			       "--data-control", "/run/dc", "--max-clients", "9", NULL),
			 0);
	assert_int_equal(o.mode, WLF_MODE_GUEST);
	assert_int_equal(o.max_clients, 9);
	assert_int_equal(parse(&o, err, "--help", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse(&o, err, "guest", "--version", NULL), 0);
	assert_true(o.version);

	static const struct {
		const char *args[8];
		const char *error;
	} bad[] = {
	    {{NULL}, "missing mode"},
	    {{"both", NULL}, "unknown mode"},
	    {{"host", "--name", "mail", NULL}, "needs --listen"},
	    {{"host", "--listen", "x", NULL}, "needs --name"},
	    {{"host", "--listen", "x", "--name", "a b", NULL}, "--name"},
	    {{"host", "--listen", "x", "--name", "[evil]", NULL}, "--name"},
	    {{"host", "--listen", "x", "--name",
	      "12345678901234567890123456789012345678901234567890123456789012345", NULL},
	     "--name"},
	    {{"host", "--listen", "x", "--name", "-rf", NULL}, "--name"},
	    {{"host", "--listen", "x", "--name", "m", "--data-control", "y", NULL}, "guest option"},
	    {{"guest", "--listen", "x", NULL}, "needs --upstream"},
	    {{"guest", "--listen", "x", "--upstream", "y", "--name", "m", NULL}, "host options"},
	    {{"guest", "--listen", NULL}, "needs a value"},
	    {{"guest", "--listen", "", NULL}, "expected a path"},
	    {{"guest", "--frobnicate", NULL}, "unknown option"},
	    {{"guest", "stray", NULL}, "unexpected argument"},
	    {{"guest", "-v=1", NULL}, "unknown option"},
	    {{"guest", "--verbose=1", NULL}, "takes no value"},
	    {{"guest", "--max-clients", "0", NULL}, "--max-clients"},
	    {{"guest", "--max-clients", "1025", NULL}, "--max-clients"},
	    {{"guest", "--max-clients", "-1", NULL}, "--max-clients"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[10] = {"appvm-wayland"};
		int argc = 1;
		for (int k = 0; bad[i].args[k]; k++)
			argv[argc++] = (char *)bad[i].args[k];
		if (wlf_opts_parse(&o, argc, argv, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu accepted", i);
		if (!strstr(err, bad[i].error))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].error);
	}
}

static void test_socket_path(void **state)
{
	(void)state;
	char buf[128];
	assert_int_equal(wlf_socket_path("wayland-0", "/run/user/1000", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/user/1000/wayland-0");
	assert_int_equal(wlf_socket_path("/tmp/x/s", NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp/x/s");
	assert_int_equal(wlf_socket_path("./s", NULL, buf, sizeof(buf)), 0);
	assert_int_equal(wlf_socket_path("wayland-0", NULL, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(wlf_socket_path("wayland-0", "relative", buf, sizeof(buf)), -ENOENT);
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(wlf_socket_path(longp, NULL, buf, sizeof(buf)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowlist),  cmocka_unit_test(test_version_caps),
	    cmocka_unit_test(test_documented), cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_args),       cmocka_unit_test(test_socket_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
