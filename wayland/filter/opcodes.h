/* Event opcodes the filter sends or inspects. libwayland's client headers
 * name request opcodes only; tests/wayland/test_wayland_wire.c checks each of
 * these against the name in the interface table. */
#ifndef APPVM_WAYLAND_OPCODES_H
#define APPVM_WAYLAND_OPCODES_H

enum {
	WLF_EV_DISPLAY_ERROR = 0,
	WLF_EV_DISPLAY_DELETE_ID = 1,
	WLF_EV_REGISTRY_GLOBAL = 0,
	WLF_EV_REGISTRY_GLOBAL_REMOVE = 1,
	WLF_EV_CALLBACK_DONE = 0,
	WLF_EV_SEAT_CAPABILITIES = 0,
	WLF_EV_SEAT_NAME = 1,
	WLF_EV_POINTER_ENTER = 0,
	WLF_EV_POINTER_BUTTON = 3,
	WLF_EV_KEYBOARD_ENTER = 1,
	WLF_EV_KEYBOARD_LEAVE = 2,
	WLF_EV_KEYBOARD_KEY = 3,
	WLF_EV_TOUCH_DOWN = 0,
	/* wl_data_device, zwp_primary_selection_device_v1, zwlr_data_control_device_v1 */
	WLF_EV_DATA_DEVICE_DATA_OFFER = 0,
	WLF_EV_DATA_DEVICE_SELECTION = 5,
	WLF_EV_PRIMARY_DEVICE_DATA_OFFER = 0,
	WLF_EV_PRIMARY_DEVICE_SELECTION = 1,
	WLF_EV_CONTROL_DEVICE_DATA_OFFER = 0,
	WLF_EV_CONTROL_DEVICE_SELECTION = 1,
	WLF_EV_CONTROL_DEVICE_PRIMARY_SELECTION = 3,
	/* the offer event of all three offer interfaces */
	WLF_EV_OFFER_OFFER = 0,
	/* wl_data_source; the primary and data-control sources have send 0, cancelled 1 */
	WLF_EV_DATA_SOURCE_SEND = 1,
	WLF_EV_DATA_SOURCE_CANCELLED = 2,
	WLF_EV_OTHER_SOURCE_SEND = 0,
	WLF_EV_OTHER_SOURCE_CANCELLED = 1,
};

#endif
