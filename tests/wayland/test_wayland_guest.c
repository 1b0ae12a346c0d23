/* Guest mode: the VM's clipboard and primary selection implemented in the
 * filter, with upstream ids kept dense around them, and the data-control
 * connection the agent uses. */
#include "harness.h"
#include "opcodes.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

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

#define NAME_DATA    0xfff00001u
#define NAME_PRIMARY 0xfff00002u
#define NAME_SEAT    0xfff00003u
#define NAME_CONTROL 0xfff00004u
#define OFFER0	     WLF_SERVER_ID_START

/* Client ids of an app connection after app(): */
enum { REG = 2, DDM, SEAT, KBD, COMP, SURF, DEV, PSM, PDEV, NEXT_ID };
/* ... and their upstream ids: the local objects are skipped. */
enum { UP_SEAT = 3, UP_KBD, UP_COMP, UP_SURF };

struct env {
	struct wlf_ctx ctx;
	struct wlf_conn *a, *b;
};

static void app(struct wlf_conn *c)
{
	h_req(c, 1, WL_DISPLAY_GET_REGISTRY, "n", REG);
	h_ev(c, REG, WLF_EV_REGISTRY_GLOBAL, "usu", 2, "wl_compositor", 4);
	h_ev(c, REG, WLF_EV_REGISTRY_GLOBAL, "usu", 4, "wl_data_device_manager", 3);
	h_ev(c, REG, WLF_EV_REGISTRY_GLOBAL, "usu", 36, "wl_seat", 7);
	h_req(c, REG, WL_REGISTRY_BIND, "usun", NAME_DATA, "wl_data_device_manager", 3, DDM);
	h_req(c, REG, WL_REGISTRY_BIND, "usun", 36, "wl_seat", 7, SEAT);
	h_req(c, SEAT, WL_SEAT_GET_KEYBOARD, "n", KBD);
	h_req(c, REG, WL_REGISTRY_BIND, "usun", 2, "wl_compositor", 4, COMP);
	h_req(c, COMP, WL_COMPOSITOR_CREATE_SURFACE, "n", SURF);
	h_req(c, DDM, WL_DATA_DEVICE_MANAGER_GET_DATA_DEVICE, "no", DEV, SEAT);
	h_req(c, REG, WL_REGISTRY_BIND, "usun", NAME_PRIMARY,
	      "zwp_primary_selection_device_manager_v1", 1, PSM);
	h_req(c, PSM, ZWP_PRIMARY_SELECTION_DEVICE_MANAGER_V1_GET_DEVICE, "no", PDEV, SEAT);
	assert_int_equal(c->state, WLF_CONN_OK);
	h_drain(c);
}

static void enter(struct wlf_conn *c, uint32_t serial)
{
	struct wlf_blob keys = {NULL, 0};
	h_ev(c, UP_KBD, WLF_EV_KEYBOARD_ENTER, "uoa", serial, UP_SURF, &keys);
}

static void leave(struct wlf_conn *c, uint32_t serial)
{
	h_ev(c, UP_KBD, WLF_EV_KEYBOARD_LEAVE, "uo", serial, UP_SURF);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	wlf_ctx_init(&e->ctx, WLF_MODE_GUEST, NULL);
	assert_int_equal(wlf_conn_new(&e->ctx, false, &e->a), 0);
	assert_int_equal(wlf_conn_new(&e->ctx, false, &e->b), 0);
	app(e->a);
	app(e->b);
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

static void test_registry_and_renumbering(void **state)
{
	(void)state;
	struct wlf_ctx ctx;
	wlf_ctx_init(&ctx, WLF_MODE_GUEST, NULL);
	struct wlf_conn *c;
	assert_int_equal(wlf_conn_new(&ctx, false, &c), 0);
	h_req(c, 1, WL_DISPLAY_GET_REGISTRY, "n", REG);
	struct h_msg m;
	/* The filter's own globals come at once... */
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(h_word(&m, 2), NAME_DATA);
	assert_string_equal(h_string(&m, 3), "wl_data_device_manager");
	assert_true(h_next(&c->cout, &m));
	assert_string_equal(h_string(&m, 3), "zwp_primary_selection_device_manager_v1");
	/* ... and upstream's clipboard is hidden, also from binds by name. */
	h_ev(c, REG, WLF_EV_REGISTRY_GLOBAL, "usu", 4, "wl_data_device_manager", 3);
	h_ev(c, REG, WLF_EV_REGISTRY_GLOBAL, "usu", 0xfff00001, "wl_seat", 3);
	assert_false(h_next(&c->cout, &m));
	h_ev(c, REG, WLF_EV_REGISTRY_GLOBAL, "usu", 36, "wl_seat", 7);
	h_drain(c);
	h_req(c, REG, WL_REGISTRY_BIND, "usun", NAME_DATA, "wl_data_device_manager", 3, DDM);
	assert_int_equal(c->uout.len, 0);
	h_req(c, REG, WL_REGISTRY_BIND, "usun", 36, "wl_seat", 7, SEAT);
	h_req(c, SEAT, WL_SEAT_GET_KEYBOARD, "n", KBD);
	/* Upstream sees ids 3 and 4: no gap where the local object is. */
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(h_word(&m, 0), REG);
	assert_int_equal(h_word(&m, 7), UP_SEAT);
	assert_true(h_next(&c->uout, &m));
	assert_int_equal(h_word(&m, 0), UP_SEAT);
	assert_int_equal(h_word(&m, 2), UP_KBD);
	h_req(c, REG, WL_REGISTRY_BIND, "usun", 4, "wl_data_device_manager", 3, 5);
	assert_int_equal(c->state, WLF_CONN_CLIENT_ERROR);
	wlf_conn_free(c);
}

/* Events up to and including selection: returns the offer id. */
static uint32_t expect_offer(struct wlf_conn *c, uint32_t dev, uint16_t sel_ev, const char *mime)
{
	struct h_msg m;
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.id, dev);
	assert_int_equal(m.opcode, WLF_EV_DATA_DEVICE_DATA_OFFER);
	uint32_t offer = h_word(&m, 2);
	assert_true(offer >= WLF_SERVER_ID_START);
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.id, offer);
	assert_string_equal(h_string(&m, 2), mime);
	assert_true(h_next(&c->cout, &m));
	assert_int_equal(m.id, dev);
	assert_int_equal(m.opcode, sel_ev);
	assert_int_equal(h_word(&m, 2), offer);
	return offer;
}

static void expect_no_selection(struct wlf_conn *c, uint32_t dev, uint16_t sel_ev)
{
	struct h_msg m;
	assert_true(h_find(&c->cout, dev, sel_ev, &m));
	assert_int_equal(h_word(&m, 2), 0);
}

/* A copies (serial of its keyboard enter), B gets the offer before its
 * keyboard enter, B's receive fd reaches A's source. */
static void test_copy_paste(void **state)
{
	struct env *e = *state;
	struct wlf_conn *a = e->a, *b = e->b;
	enter(a, 100);
	expect_no_selection(a, DEV, WLF_EV_DATA_DEVICE_SELECTION);
	h_drain(a);
	h_req(a, DDM, WL_DATA_DEVICE_MANAGER_CREATE_DATA_SOURCE, "n", NEXT_ID);
	h_req(a, NEXT_ID, WL_DATA_SOURCE_OFFER, "s", "text/plain");
	h_req(a, DEV, WL_DATA_DEVICE_SET_SELECTION, "ou", NEXT_ID, 100);
	assert_int_equal(a->state, WLF_CONN_OK);
	assert_int_equal(a->uout.len, 0); /* never upstream */
	expect_offer(a, DEV, WLF_EV_DATA_DEVICE_SELECTION, "text/plain");
	assert_int_equal(h_count(&b->cout), 0); /* B has no focus */
	leave(a, 101);
	enter(b, 102);
	uint32_t offer = expect_offer(b, DEV, WLF_EV_DATA_DEVICE_SELECTION, "text/plain");
	struct h_msg m;
	assert_true(h_next(&b->cout, &m)); /* primary: none */
	assert_int_equal(m.id, PDEV);
	assert_true(h_next(&b->cout, &m)); /* then the keyboard enter */
	assert_int_equal(m.id, KBD);
	assert_int_equal(m.opcode, WLF_EV_KEYBOARD_ENTER);
	int w, r = h_pipe(&w);
	h_req(b, offer, WL_DATA_OFFER_RECEIVE, "sh", "text/plain", w);
	assert_true(h_find(&a->cout, NEXT_ID, WLF_EV_DATA_SOURCE_SEND, &m));
	assert_string_equal(h_string(&m, 2), "text/plain");
	int fd = h_take_fd(&a->cout);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hi", 2), 2);
	close(fd);
	char buf[4];
	assert_int_equal(read(r, buf, sizeof(buf)), 2);
	close(r);
	assert_int_equal(b->uout.len, 0);
}

static void test_refused(void **state)
{
	struct env *e = *state;
	struct wlf_conn *a = e->a;
	enter(a, 100);
	h_drain(a);
	/* A serial the client never got: refused, the source cancelled. */
	h_req(a, DDM, WL_DATA_DEVICE_MANAGER_CREATE_DATA_SOURCE, "n", NEXT_ID);
	h_req(a, DEV, WL_DATA_DEVICE_SET_SELECTION, "ou", NEXT_ID, 999);
	struct h_msg m;
	assert_true(h_next(&a->cout, &m));
	assert_int_equal(m.id, NEXT_ID);
	assert_int_equal(m.opcode, WLF_EV_DATA_SOURCE_CANCELLED);
	assert_null(e->ctx.sel[WLF_SEL_CLIPBOARD]);
	/* Drag-and-drop: cancelled at once, the connection lives on. */
	h_req(a, DDM, WL_DATA_DEVICE_MANAGER_CREATE_DATA_SOURCE, "n", NEXT_ID + 1);
	h_req(a, DEV, WL_DATA_DEVICE_START_DRAG, "ooou", NEXT_ID + 1, SURF, 0, 100);
	assert_true(h_next(&a->cout, &m));
	assert_int_equal(m.id, NEXT_ID + 1);
	assert_int_equal(m.opcode, WLF_EV_DATA_SOURCE_CANCELLED);
	assert_int_equal(a->state, WLF_CONN_OK);
	assert_int_equal(a->uout.len, 0);
	/* A source destroyed: delete_id, and the id can be used again. */
	h_req(a, NEXT_ID, WL_DATA_SOURCE_DESTROY, "");
	assert_true(h_find(&a->cout, 1, WLF_EV_DISPLAY_DELETE_ID, &m));
	assert_int_equal(h_word(&m, 2), NEXT_ID);
	h_req(a, DDM, WL_DATA_DEVICE_MANAGER_CREATE_DATA_SOURCE, "n", NEXT_ID);
	h_req(a, NEXT_ID, WL_DATA_SOURCE_OFFER, "s", "x");
	h_req(a, DEV, WL_DATA_DEVICE_SET_SELECTION, "ou", NEXT_ID, 100);
	assert_int_equal(a->state, WLF_CONN_OK);
	expect_offer(a, DEV, WLF_EV_DATA_DEVICE_SELECTION, "x");
}

/* A copies text/plain; B, focused, gets the offer (returned). */
static uint32_t a_copies(struct env *e)
{
	struct wlf_conn *a = e->a, *b = e->b;
	enter(a, 100);
	h_req(a, DDM, WL_DATA_DEVICE_MANAGER_CREATE_DATA_SOURCE, "n", NEXT_ID);
	h_req(a, NEXT_ID, WL_DATA_SOURCE_OFFER, "s", "text/plain");
	h_req(a, DEV, WL_DATA_DEVICE_SET_SELECTION, "ou", NEXT_ID, 100);
	enter(b, 5);
	uint32_t offer = expect_offer(b, DEV, WLF_EV_DATA_DEVICE_SELECTION, "text/plain");
	h_drain(b);
	h_drain(a);
	return offer;
}

static void test_source_gone(void **state)
{
	struct env *e = *state;
	struct wlf_conn *b = e->b;
	uint32_t offer = a_copies(e);
	/* The source's owner leaves: the focused client hears the selection
	 * is gone, and receiving from the old offer gives end of file. */
	wlf_conn_free(e->a);
	e->a = NULL;
	expect_no_selection(b, DEV, WLF_EV_DATA_DEVICE_SELECTION);
	int w, r = h_pipe(&w);
	h_req(b, offer, WL_DATA_OFFER_RECEIVE, "sh", "text/plain", w);
	assert_int_equal(b->state, WLF_CONN_OK);
	char c;
	assert_int_equal(read(r, &c, 1), 0);
	close(r);
	h_req(b, offer, WL_DATA_OFFER_FINISH, "");
	assert_int_equal(b->state, WLF_CONN_CLIENT_ERROR);
}

/* The source's owner broke the protocol and is being closed (its last bytes
 * flushing) when another client receives: that client's fd is closed at
 * once (end of file), not kept by the filter. */
static void test_source_owner_ending(void **state)
{
	struct env *e = *state;
	struct wlf_conn *a = e->a, *b = e->b;
	uint32_t offer = a_copies(e);
	h_req(a, 999, 0, "");
	assert_int_equal(a->state, WLF_CONN_CLIENT_ERROR);
	h_drain(a);
	int w, r = h_pipe(&w);
	assert_int_equal(fcntl(r, F_SETFL, O_NONBLOCK), 0);
	h_req(b, offer, WL_DATA_OFFER_RECEIVE, "sh", "text/plain", w);
	assert_int_equal(b->state, WLF_CONN_OK);
	assert_int_equal(a->cout.nfds, 0);
	char c;
	assert_int_equal(read(r, &c, 1), 0);
	close(r);
}

/* The agent's connection: a local display with a seat and data-control. */
static struct wlf_conn *control(struct env *e)
{
	struct wlf_conn *d;
	assert_int_equal(wlf_conn_new(&e->ctx, true, &d), 0);
	h_req(d, 1, WL_DISPLAY_GET_REGISTRY, "n", 2);
	struct h_msg m;
	assert_true(h_next(&d->cout, &m));
	assert_int_equal(h_word(&m, 2), NAME_SEAT);
	assert_true(h_next(&d->cout, &m));
	assert_string_equal(h_string(&m, 3), "zwlr_data_control_manager_v1");
	h_req(d, 2, WL_REGISTRY_BIND, "usun", NAME_SEAT, "wl_seat", 2, 3);
	assert_true(h_next(&d->cout, &m));
	assert_int_equal(m.opcode, WLF_EV_SEAT_CAPABILITIES);
	assert_int_equal(h_word(&m, 2), 0);
	assert_true(h_next(&d->cout, &m));
	assert_string_equal(h_string(&m, 2), "seat0");
	h_req(d, 2, WL_REGISTRY_BIND, "usun", NAME_CONTROL, "zwlr_data_control_manager_v1", 2, 4);
	h_req(d, 1, WL_DISPLAY_SYNC, "n", 5);
	assert_true(h_next(&d->cout, &m));
	assert_int_equal(m.id, 5);
	assert_true(h_next(&d->cout, &m));
	assert_int_equal(m.opcode, WLF_EV_DISPLAY_DELETE_ID);
	h_req(d, 4, ZWLR_DATA_CONTROL_MANAGER_V1_GET_DATA_DEVICE, "no", 6, 3);
	assert_int_equal(d->state, WLF_CONN_OK);
	return d;
}

static void test_data_control(void **state)
{
	struct env *e = *state;
	struct wlf_conn *a = e->a;
	struct wlf_conn *d = control(e);
	/* The device learns both selections at once: none yet. */
	expect_no_selection(d, 6, WLF_EV_CONTROL_DEVICE_SELECTION);
	expect_no_selection(d, 6, WLF_EV_CONTROL_DEVICE_PRIMARY_SELECTION);
	/* An app copies: the agent hears it without any focus. */
	enter(a, 100);
	h_req(a, DDM, WL_DATA_DEVICE_MANAGER_CREATE_DATA_SOURCE, "n", NEXT_ID);
	h_req(a, NEXT_ID, WL_DATA_SOURCE_OFFER, "s", "text/plain");
	h_req(a, DEV, WL_DATA_DEVICE_SET_SELECTION, "ou", NEXT_ID, 100);
	uint32_t offer = expect_offer(d, 6, WLF_EV_CONTROL_DEVICE_SELECTION, "text/plain");
	int w, r = h_pipe(&w);
	h_req(d, offer, ZWLR_DATA_CONTROL_OFFER_V1_RECEIVE, "sh", "text/plain", w);
	struct h_msg m;
	assert_true(h_find(&a->cout, NEXT_ID, WLF_EV_DATA_SOURCE_SEND, &m));
	close(h_take_fd(&a->cout));
	close(r);
	h_drain(a);
	/* The agent sets the selection: the app's source is cancelled and
	 * the focused app gets an offer from the agent's source. */
	h_req(d, 4, ZWLR_DATA_CONTROL_MANAGER_V1_CREATE_DATA_SOURCE, "n", 7);
	h_req(d, 7, ZWLR_DATA_CONTROL_SOURCE_V1_OFFER, "s", "text/plain;charset=utf-8");
	h_req(d, 6, ZWLR_DATA_CONTROL_DEVICE_V1_SET_SELECTION, "o", 7);
	assert_true(h_next(&a->cout, &m));
	assert_int_equal(m.id, NEXT_ID);
	assert_int_equal(m.opcode, WLF_EV_DATA_SOURCE_CANCELLED);
	expect_offer(a, DEV, WLF_EV_DATA_DEVICE_SELECTION, "text/plain;charset=utf-8");
	/* Protocol rules of data-control: a source is used once, and gets no
	 * more offers after. */
	h_req(d, 6, ZWLR_DATA_CONTROL_DEVICE_V1_SET_PRIMARY_SELECTION, "o", 7);
	assert_int_equal(d->state, WLF_CONN_CLIENT_ERROR);
	struct wlf_conn *d2 = control(e);
	h_req(d2, 4, ZWLR_DATA_CONTROL_MANAGER_V1_CREATE_DATA_SOURCE, "n", 7);
	h_req(d2, 6, ZWLR_DATA_CONTROL_DEVICE_V1_SET_PRIMARY_SELECTION, "o", 7);
	assert_int_equal(d2->state, WLF_CONN_OK);
	h_req(d2, 7, ZWLR_DATA_CONTROL_SOURCE_V1_OFFER, "s", "text/plain");
	assert_int_equal(d2->state, WLF_CONN_CLIENT_ERROR);
	/* The control seat has nothing to give. */
	struct wlf_conn *d3 = control(e);
	h_req(d3, 3, WL_SEAT_GET_KEYBOARD, "n", 7);
	assert_int_equal(d3->state, WLF_CONN_CLIENT_ERROR);
}

static void test_primary(void **state)
{
	struct env *e = *state;
	struct wlf_conn *a = e->a, *b = e->b;
	enter(a, 100);
	h_req(a, PSM, ZWP_PRIMARY_SELECTION_DEVICE_MANAGER_V1_CREATE_SOURCE, "n", NEXT_ID);
	h_req(a, NEXT_ID, ZWP_PRIMARY_SELECTION_SOURCE_V1_OFFER, "s", "UTF8_STRING");
	h_req(a, PDEV, ZWP_PRIMARY_SELECTION_DEVICE_V1_SET_SELECTION, "ou", NEXT_ID, 100);
	assert_non_null(e->ctx.sel[WLF_SEL_PRIMARY]);
	assert_null(e->ctx.sel[WLF_SEL_CLIPBOARD]);
	enter(b, 7);
	expect_no_selection(b, DEV, WLF_EV_DATA_DEVICE_SELECTION);
	uint32_t offer = expect_offer(b, PDEV, WLF_EV_PRIMARY_DEVICE_SELECTION, "UTF8_STRING");
	int w, r = h_pipe(&w);
	h_req(b, offer, ZWP_PRIMARY_SELECTION_OFFER_V1_RECEIVE, "sh", "UTF8_STRING", w);
	struct h_msg m;
	assert_true(h_find(&a->cout, NEXT_ID, WLF_EV_OTHER_SOURCE_SEND, &m));
	close(r);
	/* Offers are destroyed by the client like any local object. */
	h_req(b, offer, ZWP_PRIMARY_SELECTION_OFFER_V1_DESTROY, "");
	assert_int_equal(b->state, WLF_CONN_OK);
	assert_null(wlf_obj_get(&b->objs, offer));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_and_renumbering),
	    cmocka_unit_test_setup_teardown(test_copy_paste, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_source_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_source_owner_ending, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_data_control, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_primary, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
