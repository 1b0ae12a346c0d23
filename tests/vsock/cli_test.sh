#!/usr/bin/env bash
# appvm-vsock without a VM: command line errors, socket file handling, the
# hybrid socket's handling of bad or unanswerable clients, a hostile
# vhost-user front-end, and a clean SIGTERM. (vsock_hostile drives the
# binary much harder: a hostile guest behind a fake front-end.)
# Usage: cli_test.sh PATH-TO-appvm-vsock
set -uo pipefail
bin=${1:?usage: cli_test.sh APPVM_VSOCK}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vsock-cli.XXXXXX")
pid=
failures=0
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	rm -rf "$work"
}
trap cleanup EXIT
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
# result STATUS OK-TEXT FAIL-TEXT: reports the status of the command before.
result() { if [ "$1" -eq 0 ]; then ok "$2"; else fail "$3"; fi; }
# wait_for SECONDS COMMAND...: polls COMMAND until it succeeds; fails after SECONDS.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt "$end" ] || return 1
		sleep 0.1
	done
}
# logged PATTERN: the back-end logged a line matching PATTERN since the last mark.
mark=0
logged() { tail -n "+$((mark + 1))" "$work/log" | grep -q -- "$1"; }
set_mark() { mark=$(wc -l <"$work/log"); }
# send BYTES SOCKET [SOCAT-TIMEOUT]: writes printf-escaped BYTES, prints the reply.
send() { printf '%b' "$1" | timeout 15 socat -t "${3:-1}" - "UNIX-CONNECT:$2" 2>/dev/null; }

# expect_exit CODE PATTERN ARGS...: exit status and a message matching PATTERN
expect_exit() {
	local want=$1 pat=$2 out rc
	shift 2
	out=$("$bin" "$@" 2>&1)
	rc=$?
	[ $rc -eq "$want" ] && grep -q -- "$pat" <<<"$out" && { [ "$want" -eq 0 ] || [ "$(wc -l <<<"$out")" -eq 1 ]; }
	result $? "$* -> $rc" "$* -> $rc, output: $out"
}

expect_exit 0 "Usage: appvm-vsock" --help
expect_exit 2 "are all required" --cid 3 --socket "$work/h"
expect_exit 2 "not a guest CID" --cid 2 --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "not a guest CID" --cid 3x --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "not a guest CID" --cid -5 --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "not a guest CID" --cid 4294967295 --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "not a guest CID (3 to 4294967294)" --cid 03 --socket "$work/h" --vhost-user "$work/v"
expect_exit 2 "path too long" --cid 3 --socket "/tmp/$(printf 'x%.0s' {1..100})" --vhost-user "$work/v"
expect_exit 2 "unexpected argument" --cid 3 --socket "$work/h" --vhost-user "$work/v" extra
for bad in 1001 -1 x 10x "" 99999999999999999999; do
	expect_exit 2 "not a number of microseconds from 0 to 1000" \
		--cid 3 --socket "$work/h" --vhost-user "$work/v" --poll-us "$bad"
done
expect_exit 0 "Usage: appvm-vsock" -h
# Usage errors: one line naming the option, not getopt's line and the usage.
expect_exit 2 '^appvm-vsock: unknown option "--bogus" (see --help)$' --cid 3 --bogus
expect_exit 2 '^appvm-vsock: --verbose takes no value$' --verbose=yes
expect_exit 2 '^appvm-vsock: unknown option "-x" (see --help)$' -x
# Inside a cluster getopt has not moved past it: still named by itself.
expect_exit 2 '^appvm-vsock: unknown option "-x" (see --help)$' -xh
expect_exit 2 '^appvm-vsock: unknown option "-x" (see --help)$' --cid 3 -xh
expect_exit 2 '^appvm-vsock: --cid needs a value$' --socket "$work/h" --cid
: >"$work/file"
expect_exit 1 "appvm-vsock: --socket $work/file: a file that is not a socket is in the way" \
	--cid 3 --socket "$work/file" --vhost-user "$work/v"

"$bin" --cid 3 --socket "$work/h" --vhost-user "$work/v" 2>"$work/log" &
pid=$!
wait_for 5 test -S "$work/h" -a -S "$work/v"
result $? "sockets created" "sockets not created"
expect_exit 1 "appvm-vsock: --vhost-user $work/v: another process is serving it" \
	--cid 3 --socket "$work/h2" --vhost-user "$work/v"

# Malformed request lines are closed at once, without a reply, and logged.
for line in 'HELLO\n' 'CONNECT x\n' 'CONNECT 07\n' 'CONNECT 99999999999\n'; do
	set_mark
	reply=$(send "$line" "$work/h" 3)
	rc=$?
	[ $rc -ne 124 ] && [ -z "$reply" ] && wait_for 5 logged "malformed CONNECT line"
	result $? "closed on '$line'" "'$line': rc $rc reply '$reply'"
done
# A well-formed request with no guest behind it is closed after the timeout.
start=$SECONDS
reply=$(send 'CONNECT 5000\n' "$work/h" 12)
took=$((SECONDS - start))
[ -z "$reply" ] && [ $took -le 10 ]
result $? "unanswered CONNECT closed after ${took}s" "unanswered CONNECT: reply '$reply' after ${took}s"

# vhost-user: GET_FEATURES is answered with VERSION_1 | PROTOCOL_FEATURES | EVENT_IDX.
set_mark
reply=$(send '\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' "$work/v" | od -An -tx1 | tr -d ' \n')
# header: request 1, flags 5 (version 1 | reply), size 8; then bits 29, 30 and 32
[ "$reply" = "0100000005000000080000000000006001000000" ]
result $? "GET_FEATURES reply" "GET_FEATURES reply '$reply'"
# One front-end at a time: the next may connect once this one is gone.
wait_for 5 logged "front-end disconnected" || fail "first front-end not seen leaving"

# Hostile front-ends: wrong version, payload larger than any request,
# truncated payload. Each is dropped with its reason; the back-end keeps serving.
hostile() { # DESCRIPTION MESSAGE LOGGED-REASON
	set_mark
	send "$2" "$work/v" >/dev/null
	wait_for 5 logged "dropping front-end: $3" && kill -0 "$pid" 2>/dev/null
	result $? "$1: dropped ($3)" "$1: not dropped with '$3'"
}
hostile "version 2 header" '\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00' \
	"message framing broken"
hostile "payload of 2 GiB announced" '\x05\x00\x00\x00\x01\x00\x00\x00\xff\xff\xff\x7f' \
	"message framing broken"
hostile "payload cut short" \
	'\x08\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00\x01\x02' \
	"closed in the middle of a message"
reply=$(send '\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' "$work/v" | od -An -tx1 | tr -d ' \n')
[ -n "$reply" ]
result $? "new front-end served afterwards" "no reply after hostile front-ends"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] && [ ! -e "$work/h" ] && [ ! -e "$work/v" ]
result $? "SIGTERM: exit 0, sockets removed" "SIGTERM: rc $rc, sockets: $(ls "$work")"
#EMFILE

# Out of file descriptors: a back-end that cannot accept a client must not
# spin on its listening socket (it stays readable), and must accept again
# once a connection closes. 30 silent clients against a limit of 20 fds;
# CPU time (utime + stime) over 1.5 s must stay under 5% of it.
prlimit --nofile=20:20 "$bin" --cid 3 --socket "$work/f" --vhost-user "$work/fv" 2>"$work/log" &
pid=$!
mark=0
wait_for 5 test -S "$work/f" -a -S "$work/fv" || fail "fd-limited back-end: no sockets"
out=$(python3 - "$work/f" "$pid" "$work/log" 2>&1 <<'PY'
import os, socket, sys, time
path, pid, log = sys.argv[1], sys.argv[2], sys.argv[3]
def ticks():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
held = []
for _ in range(30):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    held.append(s)
end = time.monotonic() + 5
while "Too many open files" not in open(log).read() and time.monotonic() < end:
    time.sleep(0.05)
t0 = ticks()
time.sleep(1.5)
hz = os.sysconf("SC_CLK_TCK")
print(f"cpu {ticks() - t0} limit {int(hz * 1.5 * 0.05)}")
for s in held:
    s.close()
# Room again: a fresh client is read (and closed for its bad line, with
# part of it unread: a reset).
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(path)
s.sendall(b"HELLO\n")
try:
    print("closed" if s.recv(1) == b"" else "answered")
except ConnectionResetError:
    print("closed")
except OSError as e:
    print(f"fresh client: {e}")
PY
)
read -r _ ticks _ limit _ <<<"$out"
logged "hybrid: cannot accept a client: Too many open files" && [ "${ticks:-999}" -le "${limit:-0}" ]
result $? "out of fds: listener paused, ${ticks} ticks in 1.5 s" "out of fds: $out"
grep -q "^closed" <<<"$out" && wait_for 5 logged "malformed CONNECT line"
result $? "out of fds: clients accepted again once some closed" "out of fds, then: $out"
kill -TERM "$pid"
wait "$pid"
pid=

[ $failures -eq 0 ] || {
	echo "$failures failure(s); log:"
	cat "$work/log"
	exit 1
}
echo "all checks passed"
