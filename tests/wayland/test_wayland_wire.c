/* The wire decoder and encoder against canned byte streams, and the event
 * opcodes the core uses against libwayland's tables. */
#include "opcodes.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "wire.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wayland-client-protocol.h>

#include <cmocka.h>

/* Builds a message from 32-bit words; word 1 gets size << 16 | opcode. */
static size_t build(uint8_t *buf, uint32_t id, uint16_t opcode, const uint32_t *words, size_t n)
{
	uint32_t size = (uint32_t)(8 + 4 * n);
	uint32_t w1 = size << 16 | opcode;
	memcpy(buf, &id, 4);
	memcpy(buf + 4, &w1, 4);
	memcpy(buf + 8, words, 4 * n);
	return size;
}

static int decode(const uint8_t *buf, size_t len, const struct wl_message *m, struct wlf_msg *out,
		  const char **why)
{
	struct wlf_header h;
	int r = wlf_header_parse(buf, len, &h);
	if (r < 0)
		return r;
	return wlf_msg_decode(buf, &h, m, out, why);
}

static void test_header(void **state)
{
	(void)state;
	uint8_t buf[16] = {0};
	struct wlf_header h;
	uint32_t words[2] = {7, 9};
	size_t n = build(buf, 3, 1, words, 2);
	assert_int_equal(wlf_header_parse(buf, n, &h), 0);
	assert_int_equal(h.id, 3);
	assert_int_equal(h.opcode, 1);
	assert_int_equal(h.size, 16);
	/* Short reads wait for more. */
	assert_int_equal(wlf_header_parse(buf, 7, &h), -EAGAIN);
	assert_int_equal(wlf_header_parse(buf, 15, &h), -EAGAIN);
	/* Impossible sizes are errors, not waits. */
	static const uint32_t bad_sizes[] = {0, 4, 7, 10, 4100, 0xfffc};
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		uint32_t w1 = bad_sizes[i] << 16;
		memcpy(buf + 4, &w1, 4);
		assert_int_equal(wlf_header_parse(buf, sizeof(buf), &h), -EBADMSG);
	}
}

static const struct wl_message *msg_of(const struct wl_interface *i, const char *name, bool req)
{
	int n = req ? i->method_count : i->event_count;
	const struct wl_message *ms = req ? i->methods : i->events;
	for (int k = 0; k < n; k++)
		if (strcmp(ms[k].name, name) == 0)
			return &ms[k];
	fail_msg("%s.%s not found", i->name, name);
	return NULL;
}

static void test_decode_bind(void **state)
{
	(void)state;
	const struct wl_message *bind = msg_of(&wl_registry_interface, "bind", true);
	uint8_t buf[64];
	/* name 5, "wl_seat" (8 bytes with NUL), version 7, new id 9 */
	uint32_t w[] = {5, 8, 0, 0, 7, 9};
	memcpy(&w[2], "wl_seat", 8);
	size_t n = build(buf, 2, 0, w, 6);
	struct wlf_msg m;
	const char *why = NULL;
	assert_int_equal(decode(buf, n, bind, &m, &why), 0);
	assert_int_equal(m.nargs, 4);
	assert_int_equal(m.args[0].u, 5);
	assert_string_equal((const char *)m.args[1].data, "wl_seat");
	assert_int_equal(m.args[2].u, 7);
	assert_int_equal(m.args[3].type, 'n');
	assert_int_equal(m.args[3].u, 9);
	assert_int_equal(m.args[3].word, 7);
	assert_null(m.args[3].iface);
}

struct bad_case {
	const char *what;
	uint32_t words[8];
	size_t n;
};

/* wl_registry.bind with each way of lying about its arguments. */
static void test_decode_lies(void **state)
{
	(void)state;
	const struct wl_message *bind = msg_of(&wl_registry_interface, "bind", true);
	static const struct bad_case cases[] = {
	    {"string longer than the message", {5, 400, 0x6c77, 0, 7, 9}, 6},
	    {"string length 2^32-1", {5, 0xffffffff, 0x6c77, 0, 7, 9}, 6},
	    {"string without terminator", {5, 4, 0x61616161, 7, 9}, 5},
	    {"embedded NUL", {5, 4, 0x00610061, 7, 9}, 5},
	    {"null string where not nullable", {5, 0, 7, 9}, 4},
	    {"new id 0", {5, 4, 0x00616161, 7, 0}, 5},
	    {"message too short", {5, 4, 0x00616161, 7}, 4},
	    {"trailing bytes", {5, 4, 0x00616161, 7, 9, 1}, 6},
	    {"header only", {0}, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[64];
		size_t n = build(buf, 2, 0, cases[i].words, cases[i].n);
		struct wlf_msg m;
		const char *why = NULL;
		if (decode(buf, n, bind, &m, &why) != -EBADMSG)
			fail_msg("accepted: %s", cases[i].what);
		assert_non_null(why);
	}
}

static void test_decode_nullable_and_fds(void **state)
{
	(void)state;
	/* wl_data_device.set_selection(?o source, u serial): null source is fine. */
	const struct wl_message *sel = msg_of(&wl_data_device_interface, "set_selection", true);
	uint8_t buf[64];
	uint32_t w[] = {0, 42};
	size_t n = build(buf, 7, 1, w, 2);
	struct wlf_msg m;
	const char *why;
	assert_int_equal(decode(buf, n, sel, &m, &why), 0);
	assert_int_equal(m.args[0].u, 0);
	/* wl_pointer.set_cursor needs a serial, ?o surface, i, i. */
	const struct wl_message *create_pool = msg_of(&wl_shm_interface, "create_pool", true);
	uint32_t w2[] = {10, 4096};
	n = build(buf, 4, 0, w2, 2);
	assert_int_equal(decode(buf, n, create_pool, &m, &why), 0);
	assert_int_equal(m.nfds, 1);
	assert_int_equal(m.args[1].type, 'h');
	assert_ptr_equal(m.args[0].iface, &wl_shm_pool_interface);
	/* Non-nullable object 0: wl_data_device_manager.get_data_device(n, o seat). */
	const struct wl_message *get =
	    msg_of(&wl_data_device_manager_interface, "get_data_device", true);
	uint32_t w3[] = {5, 0};
	n = build(buf, 3, 1, w3, 2);
	assert_int_equal(decode(buf, n, get, &m, &why), -EBADMSG);
}

static void test_since(void **state)
{
	(void)state;
	assert_int_equal(wlf_message_since(msg_of(&wl_seat_interface, "release", true)), 5);
	assert_int_equal(wlf_message_since(msg_of(&wl_seat_interface, "get_pointer", true)), 1);
	assert_int_equal(wlf_message_since(msg_of(&wl_surface_interface, "offset", true)), 5);
}

static void test_encode(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct wlf_enc e;
	wlf_enc_begin(&e, buf, sizeof(buf), 1, 0);
	wlf_enc_u32(&e, 3);
	wlf_enc_string(&e, "abc", 3);
	wlf_enc_string(&e, NULL, 0);
	wlf_enc_array(&e, "xy", 2);
	assert_int_equal(wlf_enc_end(&e), 8 + 4 + 8 + 4 + 8);
	struct wlf_header h;
	assert_int_equal(wlf_header_parse(buf, 32, &h), 0);
	assert_int_equal(h.size, 32);
	assert_string_equal((const char *)buf + 16, "abc");
	/* Too big for the buffer: an error, never a partial message. */
	wlf_enc_begin(&e, buf, sizeof(buf), 1, 0);
	char big[100];
	memset(big, 'x', sizeof(big));
	wlf_enc_string(&e, big, sizeof(big));
	assert_int_equal(wlf_enc_end(&e), -EMSGSIZE);
}

static void check_event(const struct wl_interface *i, int opcode, const char *name)
{
	if (opcode >= i->event_count || strcmp(i->events[opcode].name, name) != 0)
		fail_msg("%s event %d is not %s", i->name, opcode, name);
}

static void check_request(const struct wl_interface *i, int opcode, const char *name)
{
	if (opcode >= i->method_count || strcmp(i->methods[opcode].name, name) != 0)
		fail_msg("%s request %d is not %s", i->name, opcode, name);
}

static void test_opcodes(void **state)
{
	(void)state;
	check_event(&wl_display_interface, WLF_EV_DISPLAY_ERROR, "error");
	check_event(&wl_display_interface, WLF_EV_DISPLAY_DELETE_ID, "delete_id");
	check_event(&wl_registry_interface, WLF_EV_REGISTRY_GLOBAL, "global");
	check_event(&wl_registry_interface, WLF_EV_REGISTRY_GLOBAL_REMOVE, "global_remove");
	check_event(&wl_callback_interface, WLF_EV_CALLBACK_DONE, "done");
	check_event(&wl_seat_interface, WLF_EV_SEAT_CAPABILITIES, "capabilities");
	check_event(&wl_seat_interface, WLF_EV_SEAT_NAME, "name");
	check_event(&wl_pointer_interface, WLF_EV_POINTER_ENTER, "enter");
	check_event(&wl_pointer_interface, WLF_EV_POINTER_BUTTON, "button");
	check_event(&wl_keyboard_interface, WLF_EV_KEYBOARD_ENTER, "enter");
	check_event(&wl_keyboard_interface, WLF_EV_KEYBOARD_LEAVE, "leave");
	check_event(&wl_keyboard_interface, WLF_EV_KEYBOARD_KEY, "key");
	check_event(&wl_touch_interface, WLF_EV_TOUCH_DOWN, "down");
	check_event(&wl_data_device_interface, WLF_EV_DATA_DEVICE_DATA_OFFER, "data_offer");
	check_event(&wl_data_device_interface, WLF_EV_DATA_DEVICE_SELECTION, "selection");
	check_event(&zwp_primary_selection_device_v1_interface, WLF_EV_PRIMARY_DEVICE_DATA_OFFER,
		    "data_offer");
	check_event(&zwp_primary_selection_device_v1_interface, WLF_EV_PRIMARY_DEVICE_SELECTION,
		    "selection");
	check_event(&zwlr_data_control_device_v1_interface, WLF_EV_CONTROL_DEVICE_DATA_OFFER,
		    "data_offer");
	check_event(&zwlr_data_control_device_v1_interface, WLF_EV_CONTROL_DEVICE_SELECTION,
		    "selection");
	check_event(&zwlr_data_control_device_v1_interface, WLF_EV_CONTROL_DEVICE_PRIMARY_SELECTION,
		    "primary_selection");
	check_event(&wl_data_offer_interface, WLF_EV_OFFER_OFFER, "offer");
	check_event(&zwp_primary_selection_offer_v1_interface, WLF_EV_OFFER_OFFER, "offer");
	check_event(&zwlr_data_control_offer_v1_interface, WLF_EV_OFFER_OFFER, "offer");
	check_event(&wl_data_source_interface, WLF_EV_DATA_SOURCE_SEND, "send");
	check_event(&wl_data_source_interface, WLF_EV_DATA_SOURCE_CANCELLED, "cancelled");
	check_event(&zwp_primary_selection_source_v1_interface, WLF_EV_OTHER_SOURCE_SEND, "send");
	check_event(&zwp_primary_selection_source_v1_interface, WLF_EV_OTHER_SOURCE_CANCELLED,
		    "cancelled");
	check_event(&zwlr_data_control_source_v1_interface, WLF_EV_OTHER_SOURCE_SEND, "send");
	check_event(&zwlr_data_control_source_v1_interface, WLF_EV_OTHER_SOURCE_CANCELLED,
		    "cancelled");
	/* The request layout select_req.c relies on in all three protocols. */
	const struct wl_interface *managers[] = {&wl_data_device_manager_interface,
						 &zwp_primary_selection_device_manager_v1_interface,
						 &zwlr_data_control_manager_v1_interface};
	static const char *const create[] = {"create_data_source", "create_source",
					     "create_data_source"};
	static const char *const get[] = {"get_data_device", "get_device", "get_data_device"};
	for (int i = 0; i < 3; i++) {
		check_request(managers[i], 0, create[i]);
		check_request(managers[i], 1, get[i]);
		if (i > 0)
			check_request(managers[i], 2, "destroy");
	}
	const struct wl_interface *sources[] = {&wl_data_source_interface,
						&zwp_primary_selection_source_v1_interface,
						&zwlr_data_control_source_v1_interface};
	const struct wl_interface *offers[] = {&wl_data_offer_interface,
					       &zwp_primary_selection_offer_v1_interface,
					       &zwlr_data_control_offer_v1_interface};
	for (int i = 0; i < 3; i++) {
		check_request(sources[i], 0, "offer");
		check_request(sources[i], 1, "destroy");
		if (i > 0) {
			check_request(offers[i], 0, "receive");
			check_request(offers[i], 1, "destroy");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header),	cmocka_unit_test(test_decode_bind),
	    cmocka_unit_test(test_decode_lies), cmocka_unit_test(test_decode_nullable_and_fds),
	    cmocka_unit_test(test_since),	cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_opcodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
