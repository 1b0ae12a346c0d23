#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_portald and fuzz_pd_ctl
(tests/fuzz/corpus/portald/, tests/fuzz/corpus/pd_ctl/): the dialog
requests of tests/lib/proto_vectors.txt with sample chooser answers, and
control lines. Run from anywhere."""
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = {0x30: 0, 0x31: 1, 0x32: 2}
ANSWERS = [b'', b'/home/u/a.txt\n', b'filter 0\nchoice ro true\n/a\n/b\n',
           b'choice encoding latin1\n/r.pdf', b'relative\n', b'/dir\n',
           b'/home/u/a.txt//\n/home/u/b.txt\n', b'/home/u/evil\n/etc/passwd\n']


def vectors():
    with open(os.path.join(ROOT, 'tests/lib/proto_vectors.txt')) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            w = line.split()
            hexs = w[2:] if w[0] == 'valid' else w[3:]
            yield w[1], bytes.fromhex(''.join(hexs))


ENTRY_TYPES = [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57]


def step(*b):
    return struct.pack('<H', len(b)) + bytes(b)


def folder_seeds():
    """Programs for the folder tables (byte 0 = 3): a handle limit byte, a
    permission byte, then steps (u16 length, opcode, connection, arguments)."""
    seeds = {
        'folder_nodes': bytes([3, 5, 1]) + step(0, 0, 1, 1) + step(0, 0, 1, 1) + step(0, 1, 2, 3)
        + step(3, 0, 2) + step(1, 0, 2, 1) + step(1, 0, 2, 9) + step(2, 1) + step(0, 0, 4, 255),
        'folder_files': bytes([3, 3, 0]) + step(4, 0) + step(4, 1) + step(0, 0, 2, 1)
        + step(4, 0) + step(5, 0) + step(2, 0) + step(2, 1),
        # Folders moved (opcode 7: depth, count, inodes p[4..19], levels
        # p[20..35], p[36] odd: depth + 256, p[37] a walk's errno).
        'folder_moves': bytes([3, 9, 1]) + step(0, 0, 1, 10) + step(0, 1, 2, 20)
        + step(0, 0, 3, 30) + step(*([7, 0, 100, 2, 1, 2] + [0] * 14 + [0, 5] + [0] * 14 + [0, 36]))
        + step(*([7, 0, 0, 3, 3, 2, 1] + [0] * 13 + [1, 0, 2] + [0] * 13 + [1, 7]))
        + step(*([7, 1, 255, 1, 2] + [0] * 15 + [0] * 16 + [0, 18])),
        # Two grants, the second inside the first (p[1] of a step & 4 picks
        # it; the program's byte 2: both writable, the first 2 below /, the
        # second 3 below it, its folder inode 15): nodes of both, a move
        # deeper through the first that walks the second's folder, one
        # shallower through the second (p[38]: from).
        'folder_nested': bytes([3, 9, 0x27]) + step(0, 4, 1, 10) + step(0, 0, 2, 12)
        + step(0, 5, 3, 40) + step(*([7, 0, 100, 3, 1, 2, 15] + [0] * 13 + [0, 1, 2] + [0] * 13
                                     + [0, 5, 20]))
        + step(*([7, 4, 30, 0] + [1] * 16 + [0] * 16 + [0, 0, 120])),
    }
    for name, b in vectors():
        typ, flags = struct.unpack_from('<HH', b, 2)
        if typ in ENTRY_TYPES and not flags & 1:
            body = bytes([6, 0, ENTRY_TYPES.index(typ)]) + b[16:]
            seeds['folder_' + name] = bytes([3, 8, 1]) + struct.pack('<H', len(body)) + body
    return seeds


def s16(b):
    return struct.pack('<H', len(b)) + b


def label_seeds():
    """FILE_OPEN dialogs whose filter name and choice label hold characters
    that show as nothing (zero width space, a Hangul filler) and a
    backslash: the dialog shows them escaped (pd_label)."""
    zwsp, filler = '\u200b'.encode(), '\u3164'.encode()
    filters = bytes([2]) + s16(b'Im' + zwsp + b'ages') + bytes([1, 0]) + s16(b'*.png') \
        + s16(filler) + bytes([1, 1]) + s16(b'image/*') + bytes([1])
    choices = bytes([1]) + s16(b'ro') + s16(b'back\\slash' + filler) + bytes([0]) + s16(b'true')
    payload = struct.pack('<I', 0) + s16(b'Open') + s16(b'') + filters + choices
    return {'label_invisible_%d' % i: bytes([0]) + struct.pack('<H', len(payload)) + payload + ans
            for i, ans in enumerate([b'filter 1\nchoice ro false\n/a\n', b''])}


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    out = os.path.join(ROOT, 'tests/fuzz/corpus/portald')
    n = 0
    for name, b in vectors():
        typ, flags = struct.unpack_from('<HH', b, 2)
        if typ not in TYPES or flags & 1 or len(b) < 16:
            continue
        payload = b[16:]
        for i, ans in enumerate(ANSWERS):
            write(out, '%s_%d' % (name, i),
                  bytes([TYPES[typ]]) + struct.pack('<H', len(payload)) + payload + ans)
            n += 1
    for name, data in {**folder_seeds(), **label_seeds()}.items():
        write(out, name, data)
        n += 1
    ctl = os.path.join(ROOT, 'tests/fuzz/corpus/pd_ctl')
    seeds = {
        'list': b'\x01list',
        'revoke': b'\x01revoke 00000000000000ff',
        'revoke_all': b'\x01revoke-all',
        'bad_request': b'\x01revoke zz',
        'listing': b'\x00ok 2\n000000000000feed rw 4096 61 /home/u/a b\\x0a\\\\x\n'
                   b'00000000000000ff ro - 0 /p\n',
        'error': b'\x00error not-found\n',
        'bad_listing': b'\x00ok 1\n000000000000feed rx - 1 /p\\x4\n',
    }
    for name, data in seeds.items():
        write(ctl, name, data)
    print('gen_corpus: %d portald seeds, %d pd_ctl seeds' % (n, len(seeds)))


if __name__ == '__main__':
    main()
