#!/usr/bin/env python3
"""Writes the seed corpus of the net_reply fuzz target (tests/fuzz/corpus/net_reply/):
realistic rtnetlink replies plus a few broken ones. Format: see fuzz_net_reply.c.
Usage: tests/net/gen_fuzz_seeds.py [OUTDIR]"""
import os
import struct
import sys

SEQ, PORT = 1, 100
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE = 16, 20, 24
F_MULTI, F_CAPPED, F_ACK_TLVS = 0x2, 0x100, 0x200


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def attr(t, data):
    return pad(struct.pack("<HH", 4 + len(data), t) + data)


def msg(t, payload, flags=0, seq=SEQ, pid=PORT, length=None):
    n = 16 + len(payload) if length is None else length
    return pad(struct.pack("<IHHII", n, t, flags, seq, pid) + payload)


def err(code, flags=F_CAPPED, tlvs=b""):
    inner = struct.pack("<IHHII", 16, 20, 0x5, SEQ, 0)
    return msg(NLMSG_ERROR, struct.pack("<i", code) + inner + tlvs, flags)


def link(index, name, mac, mtu, flags=0x10043, multi=F_MULTI):
    body = struct.pack("<BxHiII", 0, 1, index, flags, 0)
    body += attr(3, name.encode() + b"\0") + attr(1, bytes(mac)) + attr(4, struct.pack("<I", mtu))
    body += attr(33, b"\x01") + attr(16, b"\x06")
    return msg(RTM_NEWLINK, body, multi)


def addr(index, family, raw, prefix):
    body = struct.pack("<BBBBI", family, prefix, 0x80, 0, index) + attr(1, raw)
    if family == 2:
        body += attr(2, raw)
    return msg(RTM_NEWADDR, body, F_MULTI)


def route(family, dst, dst_len, gw, oif, prio=None):
    body = struct.pack("<BBBBBBBBI", family, dst_len, 0, 0, 254, 4, 0, 1, 0)
    if dst_len:
        body += attr(1, dst)
    if gw:
        body += attr(5, gw)
    body += attr(4, struct.pack("<I", oif)) + attr(15, struct.pack("<I", 254))
    if prio is not None:
        body += attr(6, struct.pack("<I", prio))
    return msg(RTM_NEWROUTE, body, F_MULTI)


def done(code=0):
    return msg(NLMSG_DONE, struct.pack("<i", code), F_MULTI)


def seed(dump, *datagrams):
    out = bytes([1 if dump else 0])
    for d in datagrams:
        out += struct.pack("<H", len(d)) + d
    return out


mac = [0x52, 0x54, 0, 0x12, 0x34, 0x56]
v6 = bytes([0xfd] + [0] * 14 + [0x15])
seeds = {
    "ack": seed(False, err(0)),
    "error_eexist_text": seed(False, err(-17, F_CAPPED | F_ACK_TLVS, attr(1, b"Address already assigned\0"))),
    "error_uncapped": seed(False, err(-19, F_ACK_TLVS, attr(1, b"no device\0") + attr(2, struct.pack("<I", 20)))),
    "link_dump": seed(True, link(1, "lo", [0] * 6, 65536) + link(2, "eth0", mac, 1500), done()),
    "link_dump_split": seed(True, link(1, "lo", [0] * 6, 65536), link(2, "eth0", mac, 1500) + done()),
    "link_single": seed(False, link(2, "eth0", mac, 1500, multi=0) + err(0)),
    "addr_dump": seed(True, addr(2, 2, bytes([10, 0, 2, 15]), 24) + addr(2, 10, v6, 64) + done()),
    "route_dump": seed(True, route(2, b"", 0, bytes([10, 0, 2, 2]), 2)
                       + route(2, bytes([10, 1, 0, 0]), 16, None, 2)
                       + route(10, b"", 0, bytes([0xfd] + [0] * 14 + [2]), 2, 1024) + done()),
    "dump_interrupted": seed(True, done(-4)),
    "multipart_no_done": seed(True, link(1, "lo", [0] * 6, 65536)),
    "lying_length": seed(False, msg(NLMSG_ERROR, struct.pack("<i", 0) + b"\0" * 16, length=4096)),
    "bad_seq": seed(False, msg(NLMSG_ERROR, struct.pack("<i", 0) + b"\0" * 16, seq=9)),
    "bad_port": seed(False, msg(NLMSG_ERROR, struct.pack("<i", 0) + b"\0" * 16, pid=7)),
    "truncated": seed(False, err(0)[:-6]),
}

outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus", "net_reply")
os.makedirs(outdir, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {os.path.normpath(outdir)}")
