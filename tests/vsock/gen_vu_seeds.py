#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_vsock_vu (tests/fuzz/corpus/vsock_vu/):
vhost-user sessions as qemu 7.2 runs them, in the target's record format
[mode][len][bytes] (mode: fd count in the low 4 bits, their files' size in
4 KiB units in the high 4). Usage: gen_vu_seeds.py OUTDIR"""
import os
import struct
import sys

GET_FEATURES, SET_FEATURES, SET_OWNER, SET_MEM_TABLE = 1, 2, 3, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, SET_VRING_ENABLE = 15, 16, 18
GET_CONFIG, GET_MAX_MEM_SLOTS, ADD_MEM_REG, REM_MEM_REG = 24, 36, 37, 38
NEED_REPLY = 0x8
UVA = 0x7F0000000000


def msg(req, payload=b"", flags=1):
    return struct.pack("<III", req, flags, len(payload)) + payload


def rec(data, nfds=0, file_kib4=0):
    out = b""
    while True:  # records carry at most 255 bytes; fds go with the first
        chunk, data = data[:255], data[255:]
        out += bytes([(file_kib4 << 4) | nfds, len(chunk)]) + chunk
        nfds = 0
        if not data:
            return out


def region(gpa, size, uva, off=0):
    return struct.pack("<QQQQ", gpa, size, uva, off)


def start(num=16, mem_table=False):
    s = rec(msg(GET_FEATURES)) + rec(msg(SET_FEATURES, struct.pack("<Q", 1 << 32 | 1 << 30)))
    s += rec(msg(GET_PROTOCOL_FEATURES))
    s += rec(msg(SET_PROTOCOL_FEATURES, struct.pack("<Q", 1 << 3 | 1 << 9 | 1 << 15)))
    s += rec(msg(SET_OWNER)) + rec(msg(GET_CONFIG, struct.pack("<III", 0, 8, 0) + bytes(8)))
    reg = region(0, 0xF000, UVA)
    if mem_table:
        s += rec(msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) + reg, 1 | NEED_REPLY), 1, 15)
    else:
        s += rec(msg(GET_MAX_MEM_SLOTS))
        s += rec(msg(ADD_MEM_REG, bytes(8) + reg, 1 | NEED_REPLY), 1, 15)
    for q in range(2):
        base = UVA + 0x1000 + q * 0x2000
        s += rec(msg(SET_VRING_NUM, struct.pack("<II", q, num)))
        s += rec(msg(SET_VRING_ADDR, struct.pack("<IIQQQQ", q, 0, base, base + 0x800,
                                                  base + 0x400, 0)))
        s += rec(msg(SET_VRING_BASE, struct.pack("<II", q, 0)))
        s += rec(msg(SET_VRING_KICK, struct.pack("<Q", q)), 1)
        s += rec(msg(SET_VRING_CALL, struct.pack("<Q", q)), 1)
        s += rec(msg(SET_VRING_ENABLE, struct.pack("<II", q, 1)))
    return s


def stop():
    return rec(msg(GET_VRING_BASE, struct.pack("<II", 0, 0))) + \
        rec(msg(GET_VRING_BASE, struct.pack("<II", 1, 0)))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        "start_add_mem_reg": start() + stop(),
        "start_mem_table": start(mem_table=True) + stop(),
        # a running queue asked to grow: refused
        "num_while_running": start() + rec(msg(SET_VRING_NUM, struct.pack("<II", 1, 32768))),
        # a region larger than its file: refused before mapping
        "region_past_file": rec(msg(ADD_MEM_REG, bytes(8) + region(0, 0x10000, UVA), 1), 1, 1),
        # a header in two pieces, then the rest
        "split_header": rec(msg(GET_FEATURES)[:5]) + rec(msg(GET_FEATURES)[5:]),
        "remove_region": start() + rec(msg(REM_MEM_REG, bytes(8) + region(0, 0xF000, UVA))),
        "bad_version": rec(struct.pack("<III", 1, 2, 0)),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
