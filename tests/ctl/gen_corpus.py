#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_ctl (tests/fuzz/corpus/ctl/) from the test
vectors in docs/protocol.md. Each seed is: one byte role (0 PING, 1 STATUS,
2 SHUTDOWN, 3 REBOOT in flight after HELLO; 4 event connection), one byte
piece size, then what the guest sends. Run from the repository root."""
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
doc = open(os.path.join(root, "docs", "protocol.md"), encoding="utf-8").read()
vec = {}
for m in re.finditer(r"^`(\w+)` \([^)]*\) — .*?\n\n    ([0-9a-f ]+)$|^`(\w+)` — .*?\n\n    ([0-9a-f ]+)$",
                     doc, re.M):
    name = m.group(1) or m.group(3)
    hexs = m.group(2) or m.group(4)
    vec[name] = bytes.fromhex(hexs)

seeds = {
    "ping_ok": (0, 63, ["hello_reply", "ping_reply"]),
    "ping_bytewise": (0, 0, ["hello_reply", "ping_reply"]),
    "status_ok": (1, 63, ["hello_reply", "status_reply"]),
    "status_split7": (1, 6, ["hello_reply", "status_reply"]),
    "shutdown_ok": (2, 63, ["hello_reply", "shutdown_reply"]),
    "reboot_ok": (3, 63, ["hello_reply", "reboot_reply"]),
    "events_before_reply": (1, 63, ["hello_reply", "ready_event", "app_exit_code",
                                    "app_exit_signal", "status_reply"]),
    "guest_request_before_reply": (0, 63, ["hello_reply", "unknown_type", "file_open_request",
                                           "ping_reply"]),
    "error_reply_wrong_id": (0, 63, ["hello_reply", "error_reply"]),
    "ping_before_hello": (0, 63, ["ping_reply"]),
    "status_name_too_long": (1, 63, ["hello_reply", "name_too_long"]),
    "status_bad_family": (1, 63, ["hello_reply", "status_bad_family"]),
    "status_too_many_stores": (1, 63, ["hello_reply", "status_too_many_stores"]),
    "bad_magic": (0, 63, ["bad_magic"]),
    "over_cap": (0, 63, ["hello_reply", "ping_over_cap"]),
    "over_global_cap": (1, 63, ["hello_reply", "unknown_over_global_cap"]),
    "bad_exit_before_reply": (0, 63, ["hello_reply", "app_exit_bad_status", "ping_reply"]),
    "event_bad_exit": (4, 63, ["hello_request", "app_exit_bad_how", "ready_event"]),
    "event_ready": (4, 63, ["hello_request", "ready_event"]),
    "event_app_exit_then_ready": (4, 63, ["hello_request", "app_exit_code", "ready_event"]),
    "event_request": (4, 63, ["hello_request", "file_save_request", "ready_event"]),
    "event_bad_name": (4, 63, ["hello_request", "name_control_char"]),
    "event_no_hello": (4, 63, ["ready_event"]),
}
out = os.path.join(root, "tests", "fuzz", "corpus", "ctl")
os.makedirs(out, exist_ok=True)
for name, (role, piece, parts) in seeds.items():
    missing = [p for p in parts if p not in vec]
    if missing:
        sys.exit(f"gen_corpus: vectors {missing} not found in docs/protocol.md")
    data = bytes([role, piece]) + b"".join(vec[p] for p in parts)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"gen_corpus: wrote {len(seeds)} seeds to {out}")
