#!/usr/bin/env python3
"""Host side of qemu-guest-agent for the control benchmark: guest-exec.
(The round trips are timed by appvm-bench-qga-ping, in C like the agent's.)

Talks QMP-style JSON to qemu-ga over either the chardev Unix socket of a
virtio-serial or isa-serial port (unix:PATH), or the guest's vsock through a
hybrid vsock socket (hybrid:PATH:PORT, the CONNECT/OK handshake of
docs/vsock.md). Every connection starts with guest-sync-delimited, so bytes
left over from an earlier client on a serial line are skipped.

Usage:
  qga.py TARGET exec PATH [ARG..] guest-exec with captured output; prints the
                                  output, exits with the program's status
  qga.py TARGET spawn PATH [ARG..] guest-exec without waiting for the program
"""
import base64
import json
import socket
import sys
import time

TIMEOUT = 30.0


class QgaError(Exception):
    pass


class Qga:
    def __init__(self, target):
        self.buf = b""
        if target.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(TIMEOUT)
            self.sock.connect(target[5:])
        elif target.startswith("hybrid:"):
            path, _, port = target[7:].rpartition(":")
            if not path or not port.isdigit():
                raise QgaError("hybrid target needs PATH:PORT")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(TIMEOUT)
            self.sock.connect(path)
            self.sock.sendall(b"CONNECT %d\n" % int(port))
            line = self._line()
            if not line.startswith(b"OK "):
                raise QgaError("hybrid CONNECT refused: %r" % line)
        else:
            raise QgaError("target must be unix:PATH or hybrid:PATH:PORT")
        self.sync()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise QgaError("qemu-ga closed the connection")
        self.buf += data

    def _line(self):
        while b"\n" not in self.buf:
            if len(self.buf) > 1 << 20:
                raise QgaError("reply line over 1 MiB")
            self._fill()
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def sync(self):
        # The 0xFF byte resets qemu-ga's JSON parser; its answer to
        # guest-sync-delimited starts with 0xFF too, so anything before that
        # is stale.
        token = int(time.monotonic_ns() & 0x7FFFFFFF)
        self.sock.sendall(b"\xff" + json.dumps(
            {"execute": "guest-sync-delimited", "arguments": {"id": token}}).encode() + b"\n")
        while True:
            while b"\xff" not in self.buf:
                self.buf = b""
                self._fill()
            self.buf = self.buf[self.buf.index(b"\xff") + 1:]
            reply = json.loads(self._line())
            if reply.get("return") == token:
                return

    def call(self, cmd, args=None):
        req = {"execute": cmd}
        if args is not None:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        return self.reply()

    def reply(self):
        while True:
            line = self._line().strip(b"\xff \r")
            if not line:
                continue
            msg = json.loads(line)
            if "error" in msg:
                raise QgaError("qemu-ga error: %s" % msg["error"])
            if "return" in msg:
                return msg["return"]


def cmd_exec(q, argv, wait):
    r = q.call("guest-exec", {"path": argv[0], "arg": argv[1:], "capture-output": wait})
    if not wait:
        return 0
    pid = r["pid"]
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        st = q.call("guest-exec-status", {"pid": pid})
        if st.get("exited"):
            sys.stdout.write(base64.b64decode(st.get("out-data", "")).decode(errors="replace"))
            sys.stderr.write(base64.b64decode(st.get("err-data", "")).decode(errors="replace"))
            return st.get("exitcode", 128 + st.get("signal", 0))
        time.sleep(0.05)
    raise QgaError("guest-exec: %s still running after 600 s" % argv[0])


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    target, cmd = sys.argv[1], sys.argv[2]
    try:
        q = Qga(target)
        if cmd in ("exec", "spawn"):
            return cmd_exec(q, sys.argv[3:], cmd == "exec")
        sys.stderr.write("qga.py: unknown command %s\n" % cmd)
        return 2
    except (OSError, QgaError, ValueError) as e:
        sys.stderr.write("qga.py: %s: %s\n" % (target, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
