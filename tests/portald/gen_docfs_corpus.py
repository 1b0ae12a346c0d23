#!/usr/bin/env python3
"""Seeds for fuzz_pd_docfs (tests/fuzz/corpus/pd_docfs): one file per
request sequence, in the record format fuzz_pd_docfs.c describes."""
import os
import struct
import sys

# FUSE opcodes (linux/fuse.h)
LOOKUP, FORGET, GETATTR, OPEN, READ, WRITE, STATFS, RELEASE = 1, 2, 3, 14, 15, 16, 17, 18
FLUSH, INIT, OPENDIR, READDIR, RELEASEDIR, ACCESS = 25, 26, 27, 28, 29, 34
INTERRUPT, DESTROY, BATCH_FORGET, MKDIR = 36, 38, 42, 9
FH = 1 << 32


def req(op, nodeid, args=b"", flags=0x90, unique=7):
    body = struct.pack("<IIQQIIIHH", 40 + len(args), op, unique, nodeid, 0, 0, 0, 0, 0) + args
    return bytes([flags]) + struct.pack("<H", len(body)) + body


def read_in(fh, off, size):
    return struct.pack("<QQIIQII", fh, off, size, 0, 0, 0, 0)


REVOKE = b"\x00\x00\x00"
seeds = {
    "read_1m": req(READ, 3, read_in(FH, 0, 1 << 20), flags=0xBF),
    "read_small_room": req(READ, 3, read_in(FH, 4096, 65536), flags=0x02),
    "read_stale_fh": req(READ, 3, read_in(FH + 5, 0, 10)),
    "getattr": req(GETATTR, 3, struct.pack("<IIQ", 1, 0, FH)) + req(GETATTR, 1, bytes(16)),
    "readdir": req(OPENDIR, 1, bytes(8)) + req(READDIR, 1, read_in(0, 0, 4096))
    + req(READDIR, 2, read_in(0, 0, 4096)) + req(RELEASEDIR, 1, bytes(24)),
    "lookup_names": req(LOOKUP, 2, b"doc.txt\0") + req(LOOKUP, 2, b"..\0")
    + req(LOOKUP, 1, b"a/b\0") + req(LOOKUP, 3, b"x\0") + req(LOOKUP, 2, b"noterm"),
    "forget": req(FORGET, 3, struct.pack("<Q", 1)) + req(GETATTR, 3, bytes(16))
    + req(BATCH_FORGET, 0, struct.pack("<II", 3, 0) + struct.pack("<QQ", 2, 1) * 3),
    "revoke_then_read": REVOKE + req(READ, 3, read_in(FH, 0, 100)) + req(LOOKUP, 2, b"doc.txt\0"),
    "open_release": req(OPEN, 3, struct.pack("<II", 0, 0)) + req(RELEASE, 3, struct.pack("<QIIQ", FH, 0, 0, 0))
    + req(FLUSH, 3, struct.pack("<QIIQ", FH, 0, 0, 0)),
    "refused": req(WRITE, 3, bytes(80)) + req(MKDIR, 1, bytes(16)) + req(9999, 1)
    + req(OPEN, 3, struct.pack("<II", 2, 0)),
    "misc": req(STATFS, 1) + req(ACCESS, 3, struct.pack("<II", 2, 0)) + req(INTERRUPT, 0, bytes(8))
    + req(DESTROY, 0) + req(GETATTR, 1, bytes(16)),
    "bad_len": req(GETATTR, 1, bytes(16), flags=0xD0)[:3] + b"\xff\xff\xff\xff" + req(GETATTR, 1, bytes(16))[7:],
    "init_again": req(INIT, 0, struct.pack("<IIII", 7, 36, 65536, 0)) + req(GETATTR, 3, bytes(16)),
    # Inside the folder grant: node 5 the folder, 6 its "dsub", 7 "dsub/f".
    "folder_lookups": req(LOOKUP, 5, b"..\0") + req(LOOKUP, 5, b"slink\0")
    + req(LOOKUP, 5, b"nx\0") + req(LOOKUP, 7, b"a\0") + req(LOOKUP, 6, b"f\0")
    + req(LOOKUP, 5, b"/\0") + req(LOOKUP, 4, b"pics\0") + req(LOOKUP, 4, b"other\0"),
    "folder_readdir": req(OPENDIR, 5, bytes(8)) + req(READDIR, 5, read_in(0, 0, 4096))
    + req(READDIR, 6, read_in(0, 2, 4096)) + req(READDIR, 7, read_in(0, 0, 4096))
    + req(READDIR, 4, read_in(0, 0, 4096)) + req(READDIR, 5, read_in(0, 200, 4096))
    + req(READDIR, 5, read_in(0, 0, 48)),
    "folder_read": req(OPEN, 7, struct.pack("<II", 0, 0)) + req(READ, 7, read_in(FH + 1, 0, 4096))
    + req(GETATTR, 7, struct.pack("<IIQ", 1, 0, FH + 1)) + req(GETATTR, 6, struct.pack("<IIQ", 1, 0, FH))
    + req(OPEN, 6, struct.pack("<II", 0, 0)) + req(OPEN, 7, struct.pack("<II", 1, 0))
    + req(RELEASE, 7, struct.pack("<QIIQ", FH + 1, 0, 0, 0)),
    "folder_cap": b"".join(req(LOOKUP, 6, b"f%d\0" % i) for i in range(12))
    + req(FORGET, 7, struct.pack("<Q", 1)) + req(LOOKUP, 6, b"g\0") + req(GETATTR, 7, bytes(16)),
    # Answers that do not fit their room (64 bytes): nothing kept.
    "lookup_small_room": req(LOOKUP, 6, b"f3\0", flags=0x01) + req(LOOKUP, 6, b"f\0", flags=0x01)
    + req(LOOKUP, 1, b"0000000000000000\0", flags=0x01) + req(LOOKUP, 4, b"pics\0", flags=0x01)
    + req(FORGET, 7, struct.pack("<Q", 1)) + req(GETATTR, 7, bytes(16)),
    # A file's handle named beside the folder's and a subfolder's node.
    "getattr_fh_other_node": req(OPEN, 7, struct.pack("<II", 0, 0))
    + req(GETATTR, 5, struct.pack("<IIQ", 1, 0, FH + 1)) + req(GETATTR, 6, struct.pack("<IIQ", 1, 0, FH + 1))
    + req(GETATTR, 2, struct.pack("<IIQ", 1, 0, FH)),
    # The folder node cap reached, then grants leaving the table untold
    # (flags 2): the first document, then the folder.
    "folder_untold_at_cap": b"".join(req(LOOKUP, 6, b"f%d\0" % i) for i in range(12))
    + b"\x02\x00\x00" + req(LOOKUP, 6, b"g\0") + req(LOOKUP, 6, b"h\0") + req(LOOKUP, 6, b"f1\0")
    + b"\x03\x00\x00" + req(LOOKUP, 6, b"g\0") + req(LOOKUP, 4, b"pics\0"),
    "folder_revoke": req(OPEN, 7, struct.pack("<II", 0, 0)) + b"\x01\x00\x00"
    + req(READ, 7, read_in(FH + 1, 0, 100)) + req(LOOKUP, 6, b"f\0") + req(GETATTR, 5, bytes(16))
    + req(READDIR, 6, read_in(0, 0, 4096)),
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "fuzz", "corpus", "pd_docfs")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
