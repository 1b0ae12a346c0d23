#!/usr/bin/env bash
# appvm-portal ends promptly on TERM whatever it is doing (ctest label "ns"):
# appvm-init's shutdown gives it `grace` (10 s) and then KILLs it, so a
# portal that lingers loses what the KILL interrupts. Each state gets a fresh
# portal (its own FUSE mount, in a private mount namespace), a TERM, and
# must be gone within TERM_BOUND seconds with status 0, its mount lifted:
#
#   idle            connected, nothing in flight
#   unreachable     no host listening: reconnecting with backoff
#   mid-request     a dialog open on the host, the app waiting on D-Bus
#   bus-stopped     the session bus stopped (SIGSTOP): nothing answers there
#   fuse-busy       an app blocked in read(2) of a document, the request sent
#                   to a host that is stopped; the read must end too
#   fuse-parked     the same with the host gone: the request waits for a
#                   connection (reconnecting with backoff)
#
# Usage: tests/portal/term.sh
# Environment: APPVM_PORTAL, APPVM_PORTALD, APPVMCTL, PORTAL_CLIENT.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (FUSE mounts)"; exit 77; }
: "${APPVM_PORTAL:?}" "${APPVM_PORTALD:?}" "${APPVMCTL:?}" "${PORTAL_CLIENT:?}"
if [ -z "${PORTAL_TEST_NS:-}" ]; then
	exec env PORTAL_TEST_NS=1 unshare -m --propagation private "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
# 10 s is init's grace; a portal must be well inside it, on a loaded
# 2-core machine with sanitizers too (measured: under 0.5 s).
TERM_BOUND=${TERM_BOUND:-5}
work=$(mktemp -d /var/tmp/appvm-pterm.XXXXXX)
sock=$work # short: sun_path holds 107 bytes
mkdir -p "$work/host"
# shellcheck source=tests/portal/lib.sh
. "$here/lib.sh"
state=setup
stopped=() # processes this script stopped: continued before they are ended
cleanup() {
	local p
	for p in "${stopped[@]}"; do kill -CONT "$p" 2>/dev/null || true; done
	stop_started
	rm -rf "$work"
}
trap cleanup EXIT
fail() { portal_fail "portal term: $state" "$*"; }
pass() { printf 'ok: %s\n' "$*"; }

portal_chooser "$work"
portal_bus "$work" "$sock" || fail "dbus-daemon did not start"
"$APPVM_PORTALD" --name term --vsock "$sock/vm.vsock" --chooser "command:$work/chooser.sh" \
	--dialog-burst 100 --dialog-interval 10ms >>"$work/portald.log" 2>&1 &
portald_pid=$!
pids+=("$portald_pid")
wait_for 5 test -S "$sock/vm.vsock_1026" || fail "appvm-portald did not listen"

# gone PID: true once PID has exited (no process, or a zombie).
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
# term_portal: TERMs the portal of this state and checks it ends in time,
# with status 0 and its filesystem unmounted.
term_portal() {
	local t0 ms rc=0
	t0=$(date +%s%N)
	kill -TERM "$portal_pid"
	wait_for "$TERM_BOUND" gone "$portal_pid" || fail "still running $TERM_BOUND s after TERM"
	ms=$((($(date +%s%N) - t0) / 1000000))
	wait "$portal_pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "exit status $rc after TERM"
	grep -q "signal 15: stopping" "$work/portal.log" || fail "no line about the TERM"
	! grep -q "AddressSanitizer\|LeakSanitizer\|runtime error:" "$work/portal.log" ||
		fail "sanitizer report"
	! grep -q " $mnt fuse" /proc/self/mounts || fail "the filesystem is still mounted"
	term_ms=$ms
}
# start STATE ARGS...: a fresh portal on its own mountpoint.
start() {
	state=$1
	shift
	mnt=$work/doc-$state
	portal_guest "$work" "$sock/vm.vsock_1026" "$mnt" "$@" 2>"$work/err" ||
		fail "$(cat "$work/err")"
}
# open_doc NAME: a host file opened through the portal; its guest path in $doc.
open_doc() {
	printf 'content of %s\n' "$1" >"$work/host/$1"
	plan "$work/host/$1"
	"$PORTAL_CLIENT" --timeout 20 open >"$work/out" 2>&1 || fail "open: $(cat "$work/out")"
	doc=$(sed -n 's/^path //p' "$work/out")
	[ -n "$doc" ] || fail "open: no path: $(cat "$work/out")"
}
# in_fuse PID: PID is blocked in a FUSE request (its kernel stack says so).
in_fuse() { grep -q "fuse" "/proc/$1/stack" 2>/dev/null; }

# term_blocked_read: an app reads $doc and blocks in the filesystem; the
# portal is TERMed; it ends in time, and so does the read, with an error.
term_blocked_read() {
	local reader rc=0
	cat "$doc" >/dev/null 2>"$work/reader.err" &
	reader=$!
	pids+=("$reader")
	wait_for 10 in_fuse "$reader" || fail "the reader did not block in the filesystem"
	term_portal
	wait_for "$TERM_BOUND" gone "$reader" || fail "the reader still blocks after the portal ended"
	wait "$reader" || rc=$?
	[ "$rc" -ne 0 ] || fail "the read succeeded without the host"
}

start idle
term_portal
pass "idle: gone ${term_ms} ms after TERM"

state=unreachable
mnt=$work/doc-$state
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1 \
	"$APPVM_PORTAL" --host-unix "$sock/nobody-listens" --mountpoint "$mnt" --mount -v \
	>"$work/portal.log" 2>&1 &
portal_pid=$!
pids+=("$portal_pid")
# Two attempts seen: the backoff timer is armed.
retried() { [ "$(grep -c "nobody-listens" "$work/portal.log")" -ge 2 ]; }
wait_for 10 retried || fail "no reconnection attempts"
term_portal
pass "host unreachable (reconnecting): gone ${term_ms} ms after TERM"

start mid-request
plan "sleep 60" "$work/host/never.txt"
: >"$work/chooser.log"
"$PORTAL_CLIENT" --timeout 30 open >"$work/out" 2>&1 &
client=$!
pids+=("$client")
wait_for 10 grep -q "APPVM_CHOOSER_MODE=open" "$work/chooser.log" || fail "no dialog opened"
term_portal
pass "a dialog open on the host: gone ${term_ms} ms after TERM"
kill "$client" 2>/dev/null || true

start bus-stopped
bus_pid=${pids[0]} # portal_bus's dbus-daemon
kill -STOP "$bus_pid"
stopped+=("$bus_pid")
term_portal
kill -CONT "$bus_pid"
stopped=()
pass "the session bus stopped: gone ${term_ms} ms after TERM"

start fuse-busy
open_doc busy.txt
kill -STOP "$portald_pid"
stopped+=("$portald_pid")
term_blocked_read
kill -CONT "$portald_pid"
stopped=()
pass "an app blocked in read(2), the host stopped: gone ${term_ms} ms after TERM; the read failed"

start fuse-parked
open_doc parked.txt
kill "$portald_pid"
wait "$portald_pid" || true
wait_for 10 grep -q "host: .*retrying" "$work/portal.log" || fail "the portal did not notice the host left"
term_blocked_read
pass "an app blocked in read(2), the host gone: gone ${term_ms} ms after TERM; the read failed"
