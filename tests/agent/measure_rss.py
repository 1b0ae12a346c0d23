#!/usr/bin/env python3
"""Measures appvm-agent's memory when idle with 0 and with N host clients
(docs/benchmarks.md). Runs the agent on a Unix socket (never vsock),
and, when qemu-ga is installed, qemu-guest-agent on a Unix socket for a
same-machine reference.

    tests/agent/measure_rss.py BUILD/agent/appvm-agent [N]
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time


def mem(pid):
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, v = line.split(":", 1)
            status[k] = (v.split() or [""])[0]
    rollup = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.endswith("kB\n"):
                k, v = line.split(":", 1)
                rollup[k] = int(v.split()[0])
    private = rollup["Private_Clean"] + rollup["Private_Dirty"]
    return (f"RSS {status['VmRSS']} kB, PSS {rollup['Pss']} kB, "
            f"private {private} kB (dirty {rollup['Private_Dirty']} kB)")


def frame(typ, ident, payload=b""):
    return struct.pack("<HHHHII", 0x5641, typ, 0, 0, ident, len(payload)) + payload


def recv_frame(s):
    head = b""
    while len(head) < 16:
        head += s.recv(16 - len(head))
    length = struct.unpack("<I", head[12:16])[0]
    body = b""
    while len(body) < length:
        body += s.recv(length - len(body))
    return head, body


def wait_socket(path):
    for _ in range(100):
        if os.path.exists(path):
            return
        time.sleep(0.05)
    sys.exit(f"{path} did not appear")


def main():
    agent = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    work = tempfile.mkdtemp(prefix="appvm-rss.")
    sock = os.path.join(work, "agent.sock")
    p = subprocess.Popen([agent, "--listen-unix", sock, "--init-socket",
                          os.path.join(work, "none"), "--name", "rss",
                          "--max-clients", str(max(n, 16))],
                         stderr=subprocess.DEVNULL)
    try:
        wait_socket(sock)
        time.sleep(0.2)
        print(f"appvm-agent, idle, 0 clients: {mem(p.pid)}")
        clients = []
        sw = b"rss"
        for _ in range(n):
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            s.sendall(frame(0x0001, 1, struct.pack("<HHIH", 1, 1, 1, len(sw)) + sw))
            recv_frame(s)
            s.sendall(frame(0x0011, 2))
            recv_frame(s)
            s.sendall(frame(0x0010, 3, b"\0" * 8))
            recv_frame(s)
            clients.append(s)
        time.sleep(0.2)
        print(f"appvm-agent, idle, {n} clients (each after HELLO, STATUS, PING): {mem(p.pid)}")
    finally:
        p.terminate()
        p.wait()

    qga = shutil.which("qemu-ga")
    if qga:
        qsock = os.path.join(work, "qga.sock")
        state = os.path.join(work, "qga-state")
        os.mkdir(state)
        q = subprocess.Popen([qga, "-m", "unix-listen", "-p", qsock, "-f",
                              os.path.join(work, "qga.pid"), "-t", state],
                             stderr=subprocess.DEVNULL)
        try:
            wait_socket(qsock)
            time.sleep(0.5)
            print(f"qemu-ga, idle, 0 clients: {mem(q.pid)}")
            s = socket.socket(socket.AF_UNIX)
            s.connect(qsock)
            s.sendall(b'{"execute":"guest-ping"}\n')
            s.recv(100)
            s.sendall(b'{"execute":"guest-info"}\n')
            time.sleep(0.3)
            s.recv(65536)
            time.sleep(0.2)
            print(f"qemu-ga, idle, 1 client (after guest-ping, guest-info): {mem(q.pid)}")
        finally:
            q.terminate()
            q.wait()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
