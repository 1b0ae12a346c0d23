#!/usr/bin/env python3
"""Writes the seed corpora of the filter's fuzz targets:
tests/fuzz/corpus/wayland_client/ and tests/fuzz/corpus/wayland_upstream/.

Seeds are Wayland byte streams in the state fuzz_common.h sets up: an app
connection with registry 2, wl_seat 3, wl_keyboard 4, wl_compositor 5,
wl_surface 6 (and in guest mode data device manager 7, data device 8);
upstream seeds also have wl_output 7 and its zxdg_output_v1 9 (upstream ids).
The first byte is the fuzz target's selector (see the targets).
Usage: tests/wayland/gen_corpus.py [SOURCE_DIR]"""
import os
import struct
import sys


def msg(obj, opcode, *args):
    body = b""
    for a in args:
        if isinstance(a, int):
            body += struct.pack("=I", a & 0xFFFFFFFF)
        elif isinstance(a, bytes):  # array
            body += struct.pack("=I", len(a)) + a + b"\0" * (-len(a) % 4)
        elif a is None:  # null string
            body += struct.pack("=I", 0)
        else:
            s = a.encode() + b"\0"
            body += struct.pack("=I", len(s)) + s + b"\0" * (-len(s) % 4)
    return struct.pack("=II", obj, (8 + len(body)) << 16 | opcode) + body


def bind(name, iface, version, new_id):
    return msg(2, 0, name, iface, version, new_id)


CLIENT = {
    # host app: a window with a title
    "host_toplevel": (0, [
        bind(10, "xdg_wm_base", 2, 7), msg(7, 2, 8, 6), msg(8, 1, 9),
        msg(9, 2, "Inbox"), msg(9, 3, "org.example.Mail"), msg(6, 6),
        msg(7, 3, 77), msg(9, 0)]),
    # host app: a window trying to lose its frame (fullscreen, client-side
    # decorations) and a right-to-left title
    "host_window_escape": (0, [
        bind(10, "xdg_wm_base", 2, 7), bind(13, "zxdg_decoration_manager_v1", 1, 8),
        msg(7, 2, 9, 6), msg(9, 1, 10), msg(8, 1, 11, 10), msg(11, 1, 1), msg(11, 2),
        msg(10, 11, 0), msg(10, 12), msg(10, 2, "\u05e9\u05dc\u05d5\u05dd [bank]"),
        msg(6, 6)]),
    # host app: shm pool with its fd, a buffer, attach and commit
    "host_shm": (1 << 2, [
        bind(1, "wl_shm", 1, 7), msg(7, 0, 8, 4096), msg(8, 0, 9, 0, 16, 16, 64, 1),
        msg(6, 1, 9, 0, 0), msg(6, 2, 0, 0, 16, 16), msg(6, 6)]),
    # host app: binding a hidden global by its name
    "host_bind_hidden": (0, [bind(24, "zwlr_data_control_manager_v1", 2, 7)]),
    "host_bind_wrong_iface": (0, [bind(36, "wl_output", 1, 7)]),
    "host_unknown_object": (0, [msg(99, 0)]),
    "host_gap": (0, [msg(1, 0, 12)]),
    "host_lying_string": (0, [struct.pack("=IIII", 2, 16 << 16, 36, 4000)]),
    "host_sync_registry": (0, [msg(1, 0, 7), msg(1, 1, 8), msg(3, 3), msg(4, 0)]),
    # the id tables grow (and move) under the requests that create objects
    "host_many_objects": (0, [msg(1, 0, i) for i in range(7, 300)] +
                          [bind(2, "wl_compositor", 4, 300), msg(300, 0, 301),
                           bind(10, "xdg_wm_base", 2, 302), msg(302, 2, 303, 301),
                           msg(303, 1, 304), msg(304, 2, "many")]),
    # guest app: copy with the serial of the keyboard enter (1)
    "guest_copy": (1, [
        msg(7, 0, 9), msg(9, 0, "text/plain"), msg(9, 0, "UTF8_STRING"),
        msg(8, 1, 9, 1), msg(9, 1)]),
    "guest_bad_serial": (1, [msg(7, 0, 9), msg(8, 1, 9, 12345)]),
    "guest_drag": (1, [msg(7, 0, 9), msg(9, 2, 1), msg(8, 0, 9, 6, 0, 1), msg(8, 2)]),
    "guest_primary": (1, [
        bind(0xFFF00002, "zwp_primary_selection_device_manager_v1", 1, 9),
        msg(9, 1, 10, 3), msg(9, 0, 11), msg(11, 0, "text/plain"), msg(10, 0, 11, 1),
        msg(10, 1), msg(9, 2)]),
    # guest data-control connection (the agent's socket)
    "control_copy": (2, [
        msg(1, 1, 2), bind(0xFFF00003, "wl_seat", 2, 3),
        bind(0xFFF00004, "zwlr_data_control_manager_v1", 2, 4),
        msg(4, 1, 5, 3), msg(4, 0, 6), msg(6, 0, "text/plain"), msg(5, 0, 6),
        msg(4, 0, 7), msg(7, 0, "text/plain"), msg(5, 2, 7), msg(1, 0, 8),
        msg(5, 0, 0), msg(5, 1), msg(4, 2)]),
    "control_offer_receive": (2 | 1 << 2, [
        msg(1, 1, 2), bind(0xFFF00003, "wl_seat", 7, 3),
        bind(0xFFF00004, "zwlr_data_control_manager_v1", 2, 4),
        msg(4, 1, 5, 3), msg(0xFF000000, 0, "text/plain"), msg(3, 3)]),
}

UPSTREAM = {
    # keymap with its fd, focus, keys, modifiers, repeat info
    "host_keyboard": (1 << 1, [
        msg(4, 0, 1, 48), msg(4, 2, 2, 6), msg(4, 1, 3, 6, b"\x1e\0\0\0"),
        msg(4, 3, 4, 100, 30, 1), msg(4, 4, 5, 0, 0, 0, 0), msg(4, 5, 25, 600)]),
    "host_registry": (0, [
        msg(2, 0, 50, "wl_output", 4), msg(2, 0, 51, "zwlr_layer_shell_v1", 4),
        msg(2, 1, 50), msg(2, 1, 51), msg(2, 1, 9999)]),
    "host_seat": (0, [msg(3, 0, 3), msg(3, 1, "seat0"), msg(6, 0, 0)]),
    "host_error": (0, [msg(1, 0, 6, 2, "invalid size")]),
    "host_delete_id": (0, [msg(1, 1, 4), msg(4, 1, 9, 6, b"")]),
    # the host's monitor: make, model and description reach the client hidden
    "host_output": (0, [
        msg(7, 0, 0, 0, 600, 340, 0, "Dell Inc.", "DELL U2720Q", 0),
        msg(7, 1, 3, 3840, 2160, 60000), msg(7, 3, 2), msg(7, 4, "DP-1"),
        msg(7, 5, "Dell Inc. DELL U2720Q 8XYZ123 (DP-1)"), msg(7, 2),
        msg(9, 0, 0, 0), msg(9, 1, 1920, 1080), msg(9, 3, "DP-1"),
        msg(9, 4, "Dell Inc. DELL U2720Q 8XYZ123 (DP-1)"), msg(9, 2), msg(7, 0, 0, 0, 0, 0, 0, "",
                                                                            None, 0)]),
    "guest_focus": (1, [msg(4, 2, 2, 6), msg(4, 1, 3, 6, b""), msg(4, 2, 4, 6)]),
    "guest_server_object": (1, [msg(3, 0, 7), msg(1, 2, 0)]),
}


def write(root, target, seeds):
    d = os.path.join(root, "tests", "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, (selector, msgs) in sorted(seeds.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes([selector]) + b"".join(msgs))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    write(root, "wayland_client", CLIENT)
    write(root, "wayland_upstream", UPSTREAM)


if __name__ == "__main__":
    main()
