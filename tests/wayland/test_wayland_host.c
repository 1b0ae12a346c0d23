/* Host mode, the boundary: registry filtering, binds by guessed names,
 * every kind of violation, title tags, keyboard focus, id bookkeeping,
 * isolation between clients and backpressure. */
#include "harness.h"
#include "opcodes.h"
#include "xdg-shell-client-protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>

#include <cmocka.h>

struct env {
	struct wlf_ctx ctx;
	struct wlf_conn *c;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	wlf_ctx_init(&e->ctx, WLF_MODE_HOST, "mail");
	assert_int_equal(wlf_conn_new(&e->ctx, false, &e->c), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	h_free_all(&e->ctx);
	free(e);
	return 0;
}

/* Registry id 2 with sway's globals (names as sway 1.7 numbers them). */
static void registry(struct wlf_conn *c)
{
	h_req(c, 1, WL_DISPLAY_GET_REGISTRY, "n", 2);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 1, "wl_shm", 1);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 2, "wl_compositor", 4);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 4, "wl_data_device_manager", 3);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 10, "xdg_wm_base", 2);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 24, "zwlr_data_control_manager_v1", 2);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 23, "zwlr_screencopy_manager_v1", 3);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 32, "zwp_virtual_keyboard_manager_v1", 1);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 36, "wl_seat", 99);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 38, "wl_output", 4);
}

static void assert_error(struct wlf_conn *c, uint32_t object, uint32_t code, const char *text)
{
	struct h_msg m;
	assert_int_equal(c->state, WLF_CONN_CLIENT_ERROR);
	assert_true(h_find(&c->cout, 1, WLF_EV_DISPLAY_ERROR, &m));
	assert_int_equal(h_word(&m, 2), object);
	assert_int_equal(h_word(&m, 3), code);
	if (!strstr(h_string(&m, 4), text))
		fail_msg("error \"%s\" lacks \"%s\"", h_string(&m, 4), text);
}

static void test_registry_filter(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	registry(c);
	struct h_msg m;
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(m.opcode, WL_DISPLAY_GET_REGISTRY);
	const char *want[] = {"wl_shm", "wl_compositor", "xdg_wm_base", "wl_seat", "wl_output"};
	for (size_t i = 0; i < 5; i++) {
		assert_true(h_next(&c->cout, &m));
		assert_int_equal(m.id, 2);
		assert_string_equal(h_string(&m, 3), want[i]);
		if (i == 3) /* capped to the version of our table */
			assert_int_equal(h_word(&m, 3 + 3), wl_seat_interface.version);
	}
	assert_false(h_next(&c->cout, &m));
	/* Removal of a hidden global is not news to the client. */
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL_REMOVE, "u", 24);
	assert_false(h_next(&c->cout, &m));
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL_REMOVE, "u", 38);
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(h_word(&m, 2), 38);
	/* A removed global may still be bound while the client catches up. */
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 38, "wl_output", 4, 3);
	assert_int_equal(c->state, WLF_CONN_OK);
}

static void test_bind_guessed_names(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	registry(c);
	h_drain(c);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 36, "wl_seat", 7, 3);
	assert_int_equal(c->state, WLF_CONN_OK);
	struct h_msg m;
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(m.opcode, WL_REGISTRY_BIND);
	/* The data-control global exists upstream, the client was not shown
	 * it, and binding it by name is fatal. The request after it in the
	 * same read never leaves either. */
	h_put(&c->cin, 2, WL_REGISTRY_BIND, "usun", 24, "zwlr_data_control_manager_v1", 2, 4);
	h_put(&c->cin, 1, WL_DISPLAY_SYNC, "n", 5);
	wlf_conn_from_client(c);
	assert_error(c, 2, WL_DISPLAY_ERROR_INVALID_OBJECT, "invalid global 24");
	assert_int_equal(c->uout.len, 0);
	assert_false(wlf_conn_can_read_client(c));
}

static void test_bind_lies(void **state)
{
	static const struct {
		uint32_t name;
		const char *iface;
		uint32_t version;
		uint32_t id;
		const char *error;
	} cases[] = {
	    {36, "zwlr_data_control_manager_v1", 1, 3, "is not a"},
	    {36, "wl_seat", 9, 3, "invalid version"},
	    {36, "wl_seat", 0, 3, "invalid version"},
	    {36, "wl_seat", 1, 9, "invalid new id"},
	    {36, "wl_seat", 1, 2, "invalid new id"},
	    {99999, "wl_seat", 1, 3, "invalid global"},
	    {0xfff00001, "wl_data_device_manager", 1, 3, "invalid global"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env *e = *state;
		struct wlf_conn *c;
		assert_int_equal(wlf_conn_new(&e->ctx, false, &c), 0);
		registry(c);
		h_drain(c);
		h_req(c, 2, WL_REGISTRY_BIND, "usun", cases[i].name, cases[i].iface,
		      cases[i].version, cases[i].id);
		assert_error(c, 2, WL_DISPLAY_ERROR_INVALID_OBJECT, cases[i].error);
		assert_int_equal(c->uout.len, 0);
		wlf_conn_free(c);
	}
}

/* Each malformed request ends the connection with an error and forwards
 * nothing. */
static void test_violations(void **state)
{
	struct env *e = *state;
	struct {
		const char *what;
		uint32_t words[6];
		size_t n;
		int fd;
		uint32_t code;
		const char *error;
	} cases[] = {
	    {"unknown object", {50, 8u << 16}, 2, -1, 0, "unknown object 50"},
	    {"unknown opcode", {2, 8u << 16 | 7}, 2, -1, 1, "has no request 7"},
	    {"size under a header", {1, 4u << 16}, 2, -1, 1, "impossible"},
	    {"size not a multiple of 4", {1, 14u << 16}, 2, -1, 1, "impossible"},
	    {"size over 4096", {1, 4100u << 16}, 2, -1, 1, "impossible"},
	    {"new id skips ahead", {1, 12u << 16 | 0, 7}, 3, -1, 0, "invalid new id 7"},
	    {"new id in use", {1, 12u << 16 | 1, 1}, 3, -1, 0, "invalid new id 1"},
	    {"server id from a client", {1, 12u << 16 | 0, 0xff000000}, 3, -1, 0, "invalid new id"},
	    {"fd missing", {3, 16u << 16, 4, 4096}, 4, -1, 1, "file descriptor missing"},
	    {"string longer than message", {2, 20u << 16, 36, 64, 0, 0}, 6, -1, 1, "longer"},
	    {"since version", {5, 8u << 16 | 3}, 2, -1, 1, "needs version 5"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wlf_conn *c;
		assert_int_equal(wlf_conn_new(&e->ctx, false, &c), 0);
		registry(c);
		/* wl_shm as 3, wl_compositor as 4, wl_seat v4 as 5 */
		h_req(c, 2, WL_REGISTRY_BIND, "usun", 1, "wl_shm", 1, 3);
		h_req(c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, 4);
		h_req(c, 2, WL_REGISTRY_BIND, "usun", 36, "wl_seat", 4, 5);
		assert_int_equal(c->state, WLF_CONN_OK);
		h_drain(c);
		h_put_raw(&c->cin, cases[i].words, 4 * cases[i].n);
		h_put(&c->cin, 1, WL_DISPLAY_SYNC, "n", 6);
		wlf_conn_from_client(c);
		if (c->state != WLF_CONN_CLIENT_ERROR)
			fail_msg("accepted: %s", cases[i].what);
		assert_error(c, c->state == WLF_CONN_CLIENT_ERROR ? cases[i].words[0] : 0,
			     cases[i].code, cases[i].error);
		assert_int_equal(c->uout.len, 0);
		wlf_conn_free(c);
	}
}

static void test_fds_pass(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	registry(c);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 1, "wl_shm", 1, 3);
	h_drain(c);
	int w, r = h_pipe(&w);
	h_req(c, 3, WL_SHM_CREATE_POOL, "nhi", 4, r, 4096);
	assert_int_equal(c->state, WLF_CONN_OK);
	assert_int_equal(c->uout.nfds, 1);
	assert_int_equal(c->cin.nfds, 0);
	struct h_msg m;
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(m.size, 16);
	int got = h_take_fd(&c->uout);
	assert_int_equal(write(w, "z", 1), 1);
	char ch;
	assert_int_equal(read(got, &ch, 1), 1);
	close(got);
	close(w);
	/* An object argument of the wrong interface is refused. */
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 10, "xdg_wm_base", 1, 5);
	h_req(c, 5, XDG_WM_BASE_GET_XDG_SURFACE, "no", 6, 3);
	assert_error(c, 5, WL_DISPLAY_ERROR_INVALID_OBJECT, "is a wl_shm");
}

static void test_titles(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	registry(c);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, 3);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 10, "xdg_wm_base", 2, 4);
	h_req(c, 3, WL_COMPOSITOR_CREATE_SURFACE, "n", 5);
	h_req(c, 4, XDG_WM_BASE_GET_XDG_SURFACE, "no", 6, 5);
	h_drain(c);
	h_req(c, 6, XDG_SURFACE_GET_TOPLEVEL, "n", 7);
	struct h_msg m;
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(m.opcode, XDG_SURFACE_GET_TOPLEVEL);
	/* Tagged from the start, before the client says anything. */
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(m.id, 7);
	assert_int_equal(m.opcode, XDG_TOPLEVEL_SET_TITLE);
	assert_string_equal(h_string(&m, 2), "[mail]");
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(m.opcode, XDG_TOPLEVEL_SET_APP_ID);
	assert_string_equal(h_string(&m, 2), "mail");
	h_req(c, 7, XDG_TOPLEVEL_SET_TITLE, "s", "Inbox");
	h_req(c, 7, XDG_TOPLEVEL_SET_APP_ID, "s", "org.gnome.Foo");
	h_req(c, 7, XDG_TOPLEVEL_SET_TITLE, "s", "[bank] Login");
	assert_true(h_next(&c->uout, &m));
	assert_string_equal(h_string(&m, 2), "[mail] Inbox");
	assert_true(h_next(&c->uout, &m));
	assert_string_equal(h_string(&m, 2), "mail:org.gnome.Foo");
	assert_true(h_next(&c->uout, &m));
	assert_string_equal(h_string(&m, 2), "[mail] [bank] Login");
	/* The longest title a client can send still fits, tag and all. */
	static char longest[WLF_MAX_MSG - 12];
	memset(longest, 'x', sizeof(longest) - 1);
	h_req(c, 7, XDG_TOPLEVEL_SET_TITLE, "s", longest);
	assert_int_equal(c->state, WLF_CONN_OK);
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(strncmp(h_string(&m, 2), "[mail] xxx", 10), 0);
}

/* The host's monitors are described to a VM by geometry and name only:
 * make, model and description (sway's holds the serial number) would tell
 * every VM which machine, which monitor it runs on. */
static void test_output_texts(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	registry(c);
	h_ev(c, 2, WLF_EV_REGISTRY_GLOBAL, "usu", 6, "zxdg_output_manager_v1", 3);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 38, "wl_output", 4, 3);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 6, "zxdg_output_manager_v1", 3, 4);
	h_req(c, 4, 1 /* get_xdg_output */, "no", 5, 3);
	assert_int_equal(c->state, WLF_CONN_OK);
	h_drain(c);
	struct h_msg m;
	h_ev(c, 3, 0 /* geometry */, "iiiiissi", 10, 20, 600, 340, 1, "Dell Inc.", "DELL U2720Q",
	     3);
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.id, 3);
	assert_int_equal(m.opcode, 0);
	static const uint32_t ints[] = {10, 20, 600, 340, 1};
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(h_word(&m, 2 + i), ints[i]);
	assert_string_equal(h_string(&m, 7), "unknown");
	assert_string_equal(h_string(&m, 10), "unknown");
	assert_int_equal(h_word(&m, 13), 3);
	assert_int_equal(m.size, 14 * 4);
	h_ev(c, 3, 4 /* name */, "s", "DP-1");
	assert_true(h_next(&c->cout, &m));
	assert_string_equal(h_string(&m, 2), "DP-1");
	h_ev(c, 3, 5 /* description */, "s", "Dell Inc. DELL U2720Q 8XYZ123 (DP-1)");
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.opcode, 5);
	assert_string_equal(h_string(&m, 2), "unknown");
	h_ev(c, 5, 4 /* zxdg_output_v1.description */, "s", "Dell Inc. DELL U2720Q 8XYZ123");
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.id, 5);
	assert_string_equal(h_string(&m, 2), "unknown");
	h_ev(c, 5, 3 /* name */, "s", "DP-1");
	assert_true(h_next(&c->cout, &m));
	assert_string_equal(h_string(&m, 2), "DP-1");
	assert_int_equal(c->state, WLF_CONN_OK);
	/* The guest filter passes them on: the host's have been hidden already. */
	struct wlf_ctx gctx;
	struct wlf_conn *g;
	wlf_ctx_init(&gctx, WLF_MODE_GUEST, NULL);
	assert_int_equal(wlf_conn_new(&gctx, false, &g), 0);
	registry(g);
	h_req(g, 2, WL_REGISTRY_BIND, "usun", 38, "wl_output", 4, 3);
	h_drain(g);
	h_ev(g, 3, 5, "s", "a monitor");
	assert_true(h_find(&g->cout, 3, 5, &m));
	assert_string_equal(h_string(&m, 2), "a monitor");
	h_free_all(&gctx);
}

/* Binds wl_compositor as 3, wl_seat as 4, creates surface 5, keyboard 6. */
static void keyboard(struct wlf_conn *c)
{
	registry(c);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, 3);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 36, "wl_seat", 7, 4);
	h_req(c, 3, WL_COMPOSITOR_CREATE_SURFACE, "n", 5);
	h_req(c, 4, WL_SEAT_GET_KEYBOARD, "n", 6);
	assert_int_equal(c->state, WLF_CONN_OK);
	h_drain(c);
}

static void test_focus(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	keyboard(c);
	struct wlf_blob keys = {NULL, 0};
	assert_int_equal(e->ctx.focused, 0);
	h_ev(c, 6, WLF_EV_KEYBOARD_ENTER, "uoa", 10, 5, &keys);
	assert_int_equal(e->ctx.focused, 1);
	assert_true(e->ctx.focus_changed);
	e->ctx.focus_changed = false;
	/* A second enter without leave changes nothing. */
	h_ev(c, 6, WLF_EV_KEYBOARD_ENTER, "uoa", 11, 5, &keys);
	assert_int_equal(e->ctx.focused, 1);
	assert_false(e->ctx.focus_changed);
	h_ev(c, 6, WLF_EV_KEYBOARD_LEAVE, "uo", 12, 5);
	assert_int_equal(e->ctx.focused, 0);
	assert_true(e->ctx.focus_changed);
	/* A client that goes away while focused takes its focus with it. */
	h_ev(c, 6, WLF_EV_KEYBOARD_ENTER, "uoa", 13, 5, &keys);
	assert_int_equal(e->ctx.focused, 1);
	struct wlf_conn *other;
	assert_int_equal(wlf_conn_new(&e->ctx, false, &other), 0);
	wlf_conn_free(c);
	e->c = other;
	assert_int_equal(e->ctx.focused, 0);
	/* So does a keyboard released while focused (delete_id). */
	keyboard(other);
	h_ev(other, 6, WLF_EV_KEYBOARD_ENTER, "uoa", 14, 5, &keys);
	h_req(other, 6, WL_KEYBOARD_RELEASE, "");
	h_ev(other, 1, WLF_EV_DISPLAY_DELETE_ID, "u", 6);
	assert_int_equal(e->ctx.focused, 0);
}

/* A client that stops reading its events makes the filter stop reading
 * upstream (backpressure), so a keyboard leave could wait unread for as long
 * as the guest likes: the focus file would go on naming the VM while
 * another window has the keyboard, and a "paste into the focused VM" would
 * reach it. Whatever the filter cannot see is not focus: a connection
 * counts as focused only while its events are being read, and not once it
 * is ending. */
static void test_focus_unread(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	keyboard(c);
	struct wlf_blob keys = {NULL, 0};
	h_ev(c, 6, WLF_EV_KEYBOARD_ENTER, "uoa", 10, 5, &keys);
	assert_int_equal(e->ctx.focused, 1);
	/* The client reads nothing: its events pile up to the soft limit. */
	unsigned n = 0;
	while (wlf_conn_can_read_upstream(c)) {
		h_ev(c, 6, WLF_EV_KEYBOARD_KEY, "uuuu", 20 + n, n, 30, 1);
		n++;
	}
	assert_int_equal(c->state, WLF_CONN_OK);
	assert_int_equal(e->ctx.focused, 0);
	assert_true(e->ctx.focus_changed);
	e->ctx.focus_changed = false;
	/* It reads again: the keyboard it still has counts once more. */
	h_drain(c);
	wlf_conn_from_upstream(c);
	assert_int_equal(e->ctx.focused, 1);
	assert_true(e->ctx.focus_changed);
	/* Upstream closed, the connection only flushes its last bytes: not
	 * focused any more. */
	wlf_conn_upstream_closed(c);
	assert_int_equal(e->ctx.focused, 0);
	/* A client error ends it too, before the loop frees it. */
	struct wlf_conn *other;
	assert_int_equal(wlf_conn_new(&e->ctx, false, &other), 0);
	keyboard(other);
	h_ev(other, 6, WLF_EV_KEYBOARD_ENTER, "uoa", 40, 5, &keys);
	assert_int_equal(e->ctx.focused, 1);
	h_req(other, 77, 0, "");
	assert_int_equal(other->state, WLF_CONN_CLIENT_ERROR);
	assert_int_equal(e->ctx.focused, 0);
}

/* The focus file's settling, step by step: each step feeds the focus at a
 * time and expects what is written (-1: nothing) and when to call again. */
struct settle_step {
	uint64_t now;
	bool focused;
	int write;
	uint64_t wake;
};

static void settle_run(struct wlf_focus_settle *s, const struct settle_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t wake = 0;
		int v = wlf_focus_settle(s, steps[i].focused, steps[i].now, &wake);
		print_message("step %zu: t=%llu focused=%d -> %d, wake %llu\n", i,
			      (unsigned long long)steps[i].now, steps[i].focused, v,
			      (unsigned long long)wake);
		assert_int_equal(v, steps[i].write);
		assert_true(wake == steps[i].wake);
		if (v >= 0)
			s->written = v;
	}
}

static void test_focus_settle(void **state)
{
	(void)state;
	const uint64_t never = UINT64_MAX, S = WLF_FOCUS_SETTLE_MS;
	struct wlf_focus_settle s = {.written = -1, .pending = -1};
	const struct settle_step steps[] = {
	    {0, false, 0, never}, /* the first value: at once */
	    {10, false, -1, never},
	    {20, true, -1, 20 + S}, /* a window of the VM gets the focus */
	    {20 + S - 1, true, -1, 20 + S},
	    {20 + S, true, 1, never}, /* held: written */
	    /* The window closes, another of the VM opens: leave, then enter. */
	    {1000, false, -1, 1000 + S},
	    {1050, true, -1, never},
	    {1000 + S, true, -1, never}, /* nothing was written */
	    /* Flapping: each change back starts the wait again. */
	    {2000, false, -1, 2000 + S},
	    {2100, true, -1, never},
	    {2150, false, -1, 2150 + S},
	    {2150 + S - 1, false, -1, 2150 + S},
	    {2150 + S, false, 0, never},
	    {5000, false, -1, never},
	};
	settle_run(&s, steps, sizeof(steps) / sizeof(steps[0]));
	assert_int_equal(s.dropped, 2);
	/* Two VMs, A focused: A's window closes, B's window gets the focus
	 * for a moment, then A's new window: neither file changes. */
	struct wlf_focus_settle a = {.written = 1, .pending = -1};
	struct wlf_focus_settle b = {.written = 0, .pending = -1};
	const struct settle_step a_steps[] = {
	    {100, false, -1, 100 + S}, {165, true, -1, never}, {100 + S, true, -1, never}};
	const struct settle_step b_steps[] = {
	    {105, true, -1, 105 + S}, {160, false, -1, never}, {105 + S, false, -1, never}};
	settle_run(&a, a_steps, 3);
	settle_run(&b, b_steps, 3);
	assert_int_equal(a.written, 1);
	assert_int_equal(b.written, 0);
	/* A real move from A to B: both files change once it has held. */
	const struct settle_step a_move[] = {{300, false, -1, 300 + S}, {300 + S, false, 0, never}};
	const struct settle_step b_move[] = {{301, true, -1, 301 + S}, {301 + S, true, 1, never}};
	settle_run(&a, a_move, 2);
	settle_run(&b, b_move, 2);
	/* No wake pointer: fine too. */
	assert_int_equal(wlf_focus_settle(&a, true, 1000, NULL), -1);
}

static void test_delete_id(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	h_req(c, 1, WL_DISPLAY_SYNC, "n", 2);
	h_ev(c, 2, WLF_EV_CALLBACK_DONE, "u", 7);
	h_ev(c, 1, WLF_EV_DISPLAY_DELETE_ID, "u", 2);
	struct h_msg m;
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.id, 2);
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.opcode, WLF_EV_DISPLAY_DELETE_ID);
	assert_int_equal(h_word(&m, 2), 2);
	/* The id is free again, and events for it are now upstream's error. */
	h_req(c, 1, WL_DISPLAY_SYNC, "n", 2);
	assert_int_equal(c->state, WLF_CONN_OK);
	h_ev(c, 1, WLF_EV_DISPLAY_DELETE_ID, "u", 2);
	h_ev(c, 2, WLF_EV_CALLBACK_DONE, "u", 8);
	assert_int_equal(c->state, WLF_CONN_UPSTREAM_ERROR);
}

/* A client with many objects: the id tables grow (and move) while the
 * filter handles the very request that creates the next object. Every
 * request still goes up whole and right, whatever the size of the tables:
 * the object a request is sent to is not read from the table's old memory
 * (that crashed the host filter once a client had a few thousand objects). */
static void test_many_objects(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	registry(c);
	h_drain(c);
	struct h_msg m;
	enum { N = 20000 };
	/* wl_display.sync with no delete_id coming back: ids 3 ... N + 2. */
	uint32_t id;
	for (id = 3; id < N + 3; id++) {
		h_req(c, 1, WL_DISPLAY_SYNC, "n", id);
		assert_true(h_next(&c->uout, &m));
		assert_int_equal(m.id, 1);
		assert_int_equal(h_word(&m, 2), id);
		/* Now and then a bind, through the registry's old memory. */
		if (id % 997 == 0) {
			id++;
			h_req(c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, id);
			assert_true(h_next(&c->uout, &m));
			assert_int_equal(m.id, 2);
			assert_int_equal(h_word(&m, m.size / 4 - 1), id);
		}
	}
	assert_int_equal(c->state, WLF_CONN_OK);
	assert_true(c->objs.cli_c.cap >= N);
	/* A window past them all is still tagged. */
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 10, "xdg_wm_base", 2, id);
	h_req(c, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, id + 1);
	h_req(c, id + 1, WL_COMPOSITOR_CREATE_SURFACE, "n", id + 2);
	h_req(c, id, XDG_WM_BASE_GET_XDG_SURFACE, "no", id + 3, id + 2);
	h_drain(c);
	h_req(c, id + 3, XDG_SURFACE_GET_TOPLEVEL, "n", id + 4);
	assert_int_equal(c->state, WLF_CONN_OK);
	assert_true(h_next(&c->uout, &m)); /* get_toplevel */
	assert_true(h_next(&c->uout, &m));
	assert_string_equal(h_string(&m, 2), "[mail]");
}

static void test_upstream_lies(void **state)
{
	struct env *e = *state;
	static const struct {
		uint32_t words[6];
		size_t n;
		const char *error;
	} cases[] = {
	    {{77, 8u << 16}, 2, "unknown object 77"},
	    {{1, 8u << 16 | 9}, 2, "no event 9"},
	    {{1, 12u << 16 | 1, 99}, 3, "delete_id of unknown"},
	    {{1, 2u << 16}, 2, "impossible"},
	    {{2, 16u << 16, 1, 500}, 4, "longer"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wlf_conn *c;
		assert_int_equal(wlf_conn_new(&e->ctx, false, &c), 0);
		registry(c);
		h_drain(c);
		h_put_raw(&c->uin, cases[i].words, 4 * cases[i].n);
		wlf_conn_from_upstream(c);
		assert_int_equal(c->state, WLF_CONN_UPSTREAM_ERROR);
		if (!strstr(c->reason, cases[i].error))
			fail_msg("\"%s\" lacks \"%s\"", c->reason, cases[i].error);
		struct h_msg m;
		assert_true(h_find(&c->cout, 1, WLF_EV_DISPLAY_ERROR, &m));
		assert_int_equal(h_word(&m, 3), WL_DISPLAY_ERROR_IMPLEMENTATION);
		wlf_conn_free(c);
	}
}

/* One client's violation leaves the others untouched. */
static void test_independent_clients(void **state)
{
	struct env *e = *state;
	struct wlf_conn *a = e->c, *b;
	assert_int_equal(wlf_conn_new(&e->ctx, false, &b), 0);
	registry(a);
	registry(b);
	h_drain(a);
	h_drain(b);
	h_req(a, 2, WL_REGISTRY_BIND, "usun", 24, "zwlr_data_control_manager_v1", 2, 3);
	assert_int_equal(a->state, WLF_CONN_CLIENT_ERROR);
	h_req(b, 2, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, 3);
	assert_int_equal(b->state, WLF_CONN_OK);
	assert_int_equal(h_count(&b->uout), 1);
	assert_int_equal(h_count(&b->cout), 0);
}

static void test_backpressure(void **state)
{
	struct env *e = *state;
	struct wlf_conn *c = e->c;
	/* Upstream is not reading: once a soft limit of output waits, the
	 * filter stops decoding (and the loop stops reading) this client. */
	static uint8_t junk[WLF_OUT_SOFT];
	memset(junk, 0, sizeof(junk));
	assert_int_equal(wlf_conn_send_up(c, junk, sizeof(junk), NULL, 0), 0);
	h_req(c, 1, WL_DISPLAY_SYNC, "n", 2);
	assert_false(wlf_conn_can_read_client(c));
	assert_int_equal(c->cin.len, 12);
	wlf_out_clear(&c->uout);
	assert_true(wlf_conn_can_read_client(c));
	wlf_conn_from_client(c);
	assert_int_equal(c->cin.len, 0);
	assert_int_equal(h_count(&c->uout), 1);
	/* Past the hard limit the connection is dropped, not grown. */
	static uint8_t more[WLF_OUT_HARD_UP];
	assert_int_equal(wlf_conn_send_up(c, more, sizeof(more), NULL, 0), -ENOBUFS);
	assert_int_equal(c->state, WLF_CONN_OVERFLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registry_filter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bind_guessed_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bind_lies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_violations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fds_pass, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_titles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_focus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_focus_unread, setup, teardown),
	    cmocka_unit_test(test_focus_settle),
	    cmocka_unit_test_setup_teardown(test_output_texts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_objects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upstream_lies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_independent_clients, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
