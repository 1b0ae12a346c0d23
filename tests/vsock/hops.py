#!/usr/bin/env python3
"""Where a round trip's time goes, hop by hop, from a perf trace.

Reads `perf script -F tid,time,event,trace` output of a trace of
sched:sched_switch, sched:sched_wakeup, raw_syscalls:sys_enter and
raw_syscalls:sys_exit taken while vsock_peer pingpong ran (tests/vsock/hops.sh),
follows each round trip through the threads it crosses and prints the median
and quartiles of each hop in microseconds.

Usage: hops.py vsock|serial TRACE MAIN_TID VCPU_TID CLIENT_TID [BACKEND_TID]
"""
import re
import statistics
import sys

# x86-64 system call numbers
READ, WRITE, READV, SENDTO, SENDMSG, FUTEX, EPOLL_WAIT, PPOLL = 0, 1, 19, 44, 46, 202, 232, 271

HOPS = {
    # (name, description, thread role, event, system calls)
    "vsock": [
        ("client_write", "host client writes 64 bytes", "client", "enter", {WRITE}),
        ("dev_wake", "appvm-vsock woken (epoll_wait returns)", "backend", "exit", {EPOLL_WAIT}),
        ("dev_read", "... has read them into an RX buffer", "backend", "exit", {READ, READV}),
        ("dev_call", "... put them in the RX ring, writes the call eventfd", "backend", "enter", {WRITE}),
        ("main_wake", "qemu main loop woken by the call", "main", "exit", {PPOLL}),
        ("main_kick", "... raises the interrupt, wakes the vCPU", "main", "enter", {FUTEX}),
        ("vcpu_run", "vCPU thread runs", "vcpu", "any", None),
        ("vcpu_kick", "guest: interrupt, vsock RX, app reads and writes, vsock TX; kick eventfd", "vcpu", "enter", {WRITE}),
        ("dev_wake2", "appvm-vsock woken by the kick (epoll_wait returns)", "backend", "exit", {EPOLL_WAIT}),
        ("dev_send", "... takes the TX chain, writes the host socket", "backend", "enter", {SENDTO, SENDMSG}),
        ("client_read", "host client woken, has read 64 bytes", "client", "exit64", {READ}),
    ],
    "serial": [
        ("client_write", "host client writes 64 bytes", "client", "enter", {WRITE}),
        ("main_wake", "qemu main loop woken by the chardev socket", "main", "exit", {PPOLL}),
        ("main_kick", "... fills the port's queue, raises the interrupt", "main", "enter", {FUTEX}),
        ("vcpu_run", "vCPU thread runs", "vcpu", "any", None),
        ("vcpu_kick", "guest: interrupt, port read, app reads and writes, port write; ioeventfd", "vcpu", "enter", {WRITE}),
        ("main_wake2", "qemu main loop woken by the ioeventfd", "main", "exit", {PPOLL}),
        ("main_send", "... writes the chardev socket", "main", "enter", {SENDTO, SENDMSG}),
        ("client_read", "host client woken, has read 64 bytes", "client", "exit64", {READ}),
    ],
}

LINE = re.compile(r"\s*(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)")
NR = re.compile(r"NR (\d+)")


def events(path):
    for line in open(path, encoding="utf-8", errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        nr = NR.match(m[4])
        yield int(m[1]), float(m[2]) * 1e6, m[3], m[4], int(nr[1]) if nr else -1


def matches(step, tids, ev):
    _, _, role, kind, calls = step
    tid, _, name, rest, nr = ev
    if tid != tids[role]:
        return False
    if kind == "any":
        return True
    if kind == "enter":
        return name == "raw_syscalls:sys_enter" and nr in calls
    if kind == "exit":
        return name == "raw_syscalls:sys_exit" and nr in calls
    return name == "raw_syscalls:sys_exit" and nr in calls and rest.endswith("= 64")


def round_trips(path, hops, tids):
    """Yields the time of each hop of every complete round trip."""
    cur = None
    for ev in events(path):
        if matches(hops[0], tids, ev):
            cur = [ev[1]]
            continue
        if cur is None or len(cur) == len(hops):
            continue
        if matches(hops[len(cur)], tids, ev):
            cur.append(ev[1])
            if len(cur) == len(hops):
                yield cur


def main():
    if len(sys.argv) < 6 or sys.argv[1] not in HOPS:
        sys.exit(__doc__)
    mode, path = sys.argv[1], sys.argv[2]
    tids = dict(zip(("main", "vcpu", "client", "backend"), map(int, sys.argv[3:])))
    hops = HOPS[mode]
    trips = list(round_trips(path, hops, tids))
    if not trips:
        sys.exit(f"hops.py: no complete round trip found in {path}")
    print(f"{mode}: {len(trips)} round trips traced; microseconds, median (p25-p75)\n")
    print("| hop | what happens | median | p25-p75 |")
    print("|---|---|---:|---|")

    def row(name, desc, values):
        v = sorted(values)
        q1, q3 = v[len(v) // 4], v[3 * len(v) // 4]
        print(f"| {name} | {desc} | {statistics.median(v):.0f} | {q1:.0f}-{q3:.0f} |")

    for i in range(1, len(hops)):
        row(f"{hops[i - 1][0]} → {hops[i][0]}", hops[i][1], [t[i] - t[i - 1] for t in trips])
    row("total", "client write → client read", [t[-1] - t[0] for t in trips])


if __name__ == "__main__":
    main()
