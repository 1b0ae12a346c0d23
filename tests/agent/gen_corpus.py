#!/usr/bin/env python3
"""Writes the seed corpus of the agent fuzz target (tests/fuzz/corpus/agent).

Each seed is one byte choosing the read size, then what a host client sends:
a HELLO followed by one protocol test vector (tests/lib/proto_vectors.txt),
plus a few whole sessions. Run from the source tree root."""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "agent")


def frame(typ, flags, ident, payload=b""):
    return struct.pack("<HHHHII", 0x5641, typ, flags, 0, ident, len(payload)) + payload


def hello(lo=1, hi=1, ident=1):
    sw = b"appvmctl 0.1.0"
    return frame(0x0001, 0, ident, struct.pack("<HHIH", lo, hi, 1, len(sw)) + sw)


def vectors():
    path = os.path.join(ROOT, "tests", "lib", "proto_vectors.txt")
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            words = line.split()
            if words[0] == "valid":
                yield words[1], bytes.fromhex("".join(words[2:]))
            else:
                yield words[1], bytes.fromhex("".join(words[3:]))


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for name, data in vectors():
        seeds["after_hello_" + name] = b"\x0f" + hello() + data
    ping = frame(0x0010, 0, 2, struct.pack("<Q", 0x0102030405060708))
    seeds["session"] = (b"\x00" + hello() + ping + frame(0x0011, 0, 3) +
                        frame(0x7777, 0, 4, b"abc") + frame(0x0010, 0, 5, b"\x01\x02") +
                        frame(0x0012, 0, 6, struct.pack("<I", 30000)) +
                        frame(0x0013, 0, 7, struct.pack("<I", 0)) + ping)
    seeds["session_bytewise"] = b"\x00" + hello() + ping + frame(0x0011, 0, 3)
    seeds["session_big_reads"] = b"\x3f" + hello() + ping * 20
    seeds["no_hello"] = b"\x07" + ping + hello()
    seeds["version_mismatch"] = b"\x07" + hello(2, 3) + ping
    seeds["bad_hello"] = b"\x07" + hello(2, 1) + ping
    seeds["second_hello"] = b"\x07" + hello() + hello(ident=2) + ping
    seeds["reply_from_host"] = b"\x07" + hello() + frame(0x0010, 1, 2, b"\0" * 8)
    seeds["partial"] = b"\x07" + hello() + ping[:10]
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
