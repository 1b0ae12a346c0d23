#!/usr/bin/env bash
# Out of file descriptors with no client to leave: the filter pauses its
# listening socket (a pending connection would wake it forever), stays idle
# meanwhile (CPU ~0), warns once, and listens again within ACCEPT_RETRY_MS
# (1 s) once fds are free: the waiting client is served.
# Usage: accept-limit-test.sh APPVM_WAYLAND
set -euo pipefail
filter=${1:?usage: accept-limit-test.sh APPVM_WAYLAND}
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"
[ -x "$filter" ] || { echo "not an executable: $filter" >&2; exit 2; }
command -v prlimit >/dev/null || test_skip "prlimit not installed"
exec python3 - "$filter" <<'PY'
import os, signal, socket, subprocess, sys, tempfile, time

def main(filter, work):
    path, log = f"{work}/w.sock", f"{work}/log"
    # No compositor behind --upstream: a client that gets through is told
    # so with a protocol error, which is how the test sees it was accepted.
    proc = subprocess.Popen([filter, "host", "--listen", path, "--upstream",
                             f"{work}/none.sock", "--name", "vm"],
                            stderr=open(log, "w"))
    try:
        check(proc, path, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=10) != 0:
            sys.exit(f"FAIL: the filter exited {proc.returncode} after SIGTERM")

def fail(log, msg):
    sys.exit(f"FAIL: {msg}\nlog:\n{open(log).read()}")

def wait_for(log, what, cond, secs=5.0):
    end = time.monotonic() + secs
    while not cond():
        if time.monotonic() > end:
            fail(log, f"timed out waiting for {what}")
        time.sleep(0.02)

def check(proc, path, log):
    pid = proc.pid

    def ticks():
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])  # utime + stime

    def prlimit(soft):
        subprocess.run(["prlimit", "--pid", str(pid), f"--nofile={soft}:"], check=True)

    wait_for(log, "the listening socket", lambda: os.path.exists(path))
    # The lowest free fd becomes the limit: the next accept fails (EMFILE).
    used = {int(fd) for fd in os.listdir(f"/proc/{pid}/fd")}
    prlimit(next(fd for fd in range(len(used) + 1) if fd not in used))

    c = socket.socket(socket.AF_UNIX)
    c.settimeout(10)
    c.connect(path)  # waits in the backlog
    warning = "accept: Too many open files"
    wait_for(log, "the warning", lambda: warning in open(log).read())

    # Paused, the connection still pending: idle, though it tries again
    # every second. 1.5 s, so at least one retry fails in the window.
    hz = os.sysconf("SC_CLK_TCK")
    t0 = ticks()
    time.sleep(1.5)
    spent, limit = ticks() - t0, int(hz * 1.5 * 0.05)
    if spent > limit:
        fail(log, f"{spent} ticks in 1.5 s while paused (limit {limit})")
    text = open(log).read()
    if text.count(warning) != 1:
        fail(log, f"warned {text.count(warning)} times in one pause, not once")
    if "accepting clients again" in text:
        fail(log, "accepted while out of fds?")

    # Room again, and no client left: the retry serves the waiting client.
    prlimit(1024)
    t1 = time.monotonic()
    data = b""
    try:
        while b"compositor" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        fail(log, "the waiting client was not served within 10 s of freeing fds")
    took = time.monotonic() - t1
    if b"cannot connect to the compositor" not in data:
        fail(log, f"the waiting client got {data!r}")
    if took > 3.0:
        fail(log, f"served {took:.2f} s after fds were freed (retry every 1 s)")
    wait_for(log, "the recovery in the log",
             lambda: "accepting clients again" in open(log).read())
    print(f"ok: paused {spent} ticks in 1.5 s (limit {limit}); "
          f"served {took:.2f} s after fds were freed")

with tempfile.TemporaryDirectory(dir="/var/tmp", prefix="appvm-accept.") as work:
    main(sys.argv[1], work)
PY
