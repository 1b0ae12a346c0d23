/* Host mode against a guest that tries to get rid of its tag: a window
 * made fullscreen or decorated by itself (no host frame, so no title the
 * user can see), and a title whose right-to-left text would move the tag
 * of a VM whose name has no letter to the end. */
#include "args.h"
#include "harness.h"
#include "opcodes.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>

#include <cmocka.h>

struct env {
	struct wlf_ctx ctx;
	struct wlf_conn *c;
};

static struct env *env_new(const char *vm)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	wlf_ctx_init(&e->ctx, WLF_MODE_HOST, vm);
	assert_int_equal(wlf_conn_new(&e->ctx, false, &e->c), 0);
	return e;
}

static void env_free(struct env *e)
{
	h_free_all(&e->ctx);
	free(e);
}

/* Registry 2; compositor 3, xdg_wm_base 4, decoration manager 5; surface 6,
 * xdg_surface 7, toplevel 8. Outputs drained. */
static void toplevel(struct wlf_conn *c)
{
	h_req(c, 1, WL_DISPLAY_GET_REGISTRY, "n", 2);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 2, "wl_compositor", 4);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 10, "xdg_wm_base", 2);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 13, "zxdg_decoration_manager_v1", 1);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 38, "wl_output", 4);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, 3);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 10, "xdg_wm_base", 2, 4);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 13, "zxdg_decoration_manager_v1", 1, 5);
	h_req(c, 3, WL_COMPOSITOR_CREATE_SURFACE, "n", 6);
	h_req(c, 4, XDG_WM_BASE_GET_XDG_SURFACE, "no", 7, 6);
	h_req(c, 7, XDG_SURFACE_GET_TOPLEVEL, "n", 8);
	assert_int_equal(c->state, WLF_CONN_OK);
	h_drain(c);
}

/* The one message queued upstream, which must be for object id. */
static void expect_up(struct wlf_conn *c, uint32_t id, uint16_t opcode, uint16_t size)
{
	struct h_msg m;
	assert_int_equal(c->state, WLF_CONN_OK);
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(m.id, id);
	assert_int_equal(m.opcode, opcode);
	assert_int_equal(m.size, size);
	assert_false(h_next(&c->uout, &m));
}

/* A fullscreen window covers the screen with no frame and no title: it
 * could pass for the whole desktop (a lock screen asking for a password).
 * The host filter keeps it a window: fullscreen goes up as maximized,
 * unless the VM is trusted with fullscreen (--allow-fullscreen). Output 9
 * is a wl_output; maximizing by itself always goes up as it is. */
static void test_fullscreen(void **state)
{
	(void)state;
	static const struct {
		bool allow;
		uint16_t opcode;
		const char *sig;
		uint32_t output;
		uint16_t want, want_size;
	} cases[] = {
	    {false, XDG_TOPLEVEL_SET_FULLSCREEN, "o", 0, XDG_TOPLEVEL_SET_MAXIMIZED, 8},
	    {false, XDG_TOPLEVEL_SET_FULLSCREEN, "o", 9, XDG_TOPLEVEL_SET_MAXIMIZED, 8},
	    {false, XDG_TOPLEVEL_UNSET_FULLSCREEN, "", 0, XDG_TOPLEVEL_UNSET_MAXIMIZED, 8},
	    {false, XDG_TOPLEVEL_SET_MAXIMIZED, "", 0, XDG_TOPLEVEL_SET_MAXIMIZED, 8},
	    {true, XDG_TOPLEVEL_SET_FULLSCREEN, "o", 9, XDG_TOPLEVEL_SET_FULLSCREEN, 12},
	    {true, XDG_TOPLEVEL_UNSET_FULLSCREEN, "", 0, XDG_TOPLEVEL_UNSET_FULLSCREEN, 8},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env *e = env_new("mail");
		e->ctx.allow_fullscreen = cases[i].allow;
		toplevel(e->c);
		h_req(e->c, 2, WL_REGISTRY_BIND, "usun", 38, "wl_output", 4, 9);
		h_drain(e->c);
		h_req(e->c, 8, cases[i].opcode, cases[i].sig, cases[i].output);
		expect_up(e->c, 8, cases[i].want, cases[i].want_size);
		env_free(e);
	}
}

/* Client-side decorations mean no host frame, so no tag on screen, and a
 * title bar of the guest's drawing ("[bank] Login"). Whatever mode the
 * client asks for, the compositor is asked to decorate. */
static void test_decorations_server_side(void **state)
{
	(void)state;
	struct env *e = env_new("mail");
	struct wlf_conn *c = e->c;
	toplevel(c);
	h_req(c, 5, ZXDG_DECORATION_MANAGER_V1_GET_TOPLEVEL_DECORATION, "no", 9, 8);
	h_drain(c);
	static const struct {
		uint16_t opcode;
		const char *sig;
		uint32_t mode;
	} asks[] = {
	    {ZXDG_TOPLEVEL_DECORATION_V1_SET_MODE, "u",
	     ZXDG_TOPLEVEL_DECORATION_V1_MODE_CLIENT_SIDE},
	    {ZXDG_TOPLEVEL_DECORATION_V1_SET_MODE, "u",
	     ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE},
	    {ZXDG_TOPLEVEL_DECORATION_V1_SET_MODE, "u", 77},
	    {ZXDG_TOPLEVEL_DECORATION_V1_UNSET_MODE, "", 0},
	};
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		h_req(c, 9, asks[i].opcode, asks[i].sig, asks[i].mode);
		struct h_msg m;
		assert_int_equal(c->state, WLF_CONN_OK);
		assert_true(h_next(&c->uout, &m));
		assert_int_equal(m.id, 9);
		assert_int_equal(m.opcode, ZXDG_TOPLEVEL_DECORATION_V1_SET_MODE);
		assert_int_equal(m.size, 12);
		assert_int_equal(h_word(&m, 2), ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
		assert_false(h_next(&c->uout, &m));
	}
	/* Its destructor still goes up. */
	h_req(c, 9, ZXDG_TOPLEVEL_DECORATION_V1_DESTROY, "");
	expect_up(c, 9, ZXDG_TOPLEVEL_DECORATION_V1_DESTROY, 8);
	env_free(e);
}

/* "[42] " has no letter: a title starting with right-to-left text would
 * make the whole line right-to-left (the first strong character decides),
 * and the tag would be shown at its end. A left-to-right mark (U+200E)
 * first keeps it in front. Names with a letter need none. */
static void test_tag_direction(void **state)
{
	(void)state;
	static const char hebrew[] = "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d [bank]";
	struct env *e = env_new("42");
	struct wlf_conn *c = e->c;
	toplevel(c);
	h_req(c, 8, XDG_TOPLEVEL_SET_TITLE, "s", hebrew);
	struct h_msg m;
	assert_true(h_next(&c->uout, &m));
	char want[64];
	snprintf(want, sizeof(want), "\xe2\x80\x8e[42] %s", hebrew);
	assert_string_equal(h_string(&m, 2), want);
	env_free(e);
	/* The tag of a new toplevel too. */
	e = env_new("0_1");
	h_req(e->c, 1, WL_DISPLAY_GET_REGISTRY, "n", 2);
	h_ev(e->c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 2, "wl_compositor", 4);
	h_ev(e->c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 10, "xdg_wm_base", 2);
	h_req(e->c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, 3);
	h_req(e->c, 2, WL_REGISTRY_BIND, "usun", 10, "xdg_wm_base", 2, 4);
	h_req(e->c, 3, WL_COMPOSITOR_CREATE_SURFACE, "n", 5);
	h_req(e->c, 4, XDG_WM_BASE_GET_XDG_SURFACE, "no", 6, 5);
	h_drain(e->c);
	h_req(e->c, 6, XDG_SURFACE_GET_TOPLEVEL, "n", 7);
	assert_true(h_find(&e->c->uout, 7, XDG_TOPLEVEL_SET_TITLE, &m));
	assert_string_equal(h_string(&m, 2), "\xe2\x80\x8e[0_1]");
	env_free(e);
	e = env_new("mail");
	toplevel(e->c);
	h_req(e->c, 8, XDG_TOPLEVEL_SET_TITLE, "s", hebrew);
	assert_true(h_next(&e->c->uout, &m));
	snprintf(want, sizeof(want), "[mail] %s", hebrew);
	assert_string_equal(h_string(&m, 2), want);
	env_free(e);
}

/* --allow-fullscreen is the host's option, off unless given. */
static void test_allow_fullscreen_option(void **state)
{
	(void)state;
	struct wlf_opts o;
	char err[256];
	char *host[] = {"appvm-wayland", "host",  "--listen",	       "/run/x",
			"--name",	 "video", "--allow-fullscreen"};
	assert_int_equal(wlf_opts_parse(&o, 6, host, err, sizeof(err)), 0);
	assert_false(o.allow_fullscreen);
	assert_int_equal(wlf_opts_parse(&o, 7, host, err, sizeof(err)), 0);
	assert_true(o.allow_fullscreen);
	char *guest[] = {"appvm-wayland", "guest", "--listen",		"x",
			 "--upstream",	  "y",	   "--allow-fullscreen"};
	assert_int_equal(wlf_opts_parse(&o, 7, guest, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "host options"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fullscreen),
	    cmocka_unit_test(test_decorations_server_side),
	    cmocka_unit_test(test_tag_direction),
	    cmocka_unit_test(test_allow_fullscreen_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
