#!/usr/bin/env bash
# A host daemon that appears late (ctest label "ns"): appvm-portal starts
# with nobody listening and backs off until its retries are seconds apart;
# then the real appvm-portald starts and a FileChooser request comes. The
# request kicks the link: it is served at once, not at the next scheduled
# retry (lib/frame_link.h, frame_link_kick). Real dbus-daemon, FUSE (in a
# private mount namespace), appvm-portald with its command chooser, and
# portal-client.
#
# Usage: tests/portal/late-host.sh
# Environment: APPVM_PORTAL, APPVM_PORTALD, APPVMCTL, PORTAL_CLIENT (the
# binaries), APPVM_TEST_WORK (work directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/portal/lib.sh
. "$here/lib.sh"
portal_ns_test late-host "$@"
fail() { portal_fail "portal late host" "$*"; }
# The backoff before the request: retries this far apart at least. The
# request must be served well within it (the old ceiling was 5 s, the new
# one is 60 s), with room for a loaded machine and sanitizers.
GROWN_MS=3200
BOUND_MS=2000

stack_chooser
stack_bus
mnt=$work/doc
: >"$work/ready"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1 \
	"$APPVM_PORTAL" --host-unix "$sock/vm.vsock_1026" --mountpoint "$mnt" --mount -v \
	--ready-fd 3 3>"$work/ready" >"$work/portal.log" 2>&1 &
portal_pid=$!
pids+=("$portal_pid")
wait_for 30 grep -q ready "$work/ready" || fail "appvm-portal did not report ready"

# grown: the last failed attempt scheduled the next one GROWN_MS or more away.
grown() {
	local ms
	ms=$(sed -n 's/^.*host: .*; retry in \([0-9]*\) ms$/\1/p' "$work/portal.log" | tail -n 1)
	[ -n "$ms" ] && [ "$ms" -ge "$GROWN_MS" ]
}
wait_for 30 grown || fail "the link's backoff did not grow to $GROWN_MS ms"
! grep -q "host: connected" "$work/portal.log" || fail "connected with nobody listening"

# open_bg NAME TEXT: the host offers a file NAME holding TEXT; a
# portal-client Open starts in the background (its pid in client, its
# output in $work/NAME.out).
open_bg() {
	printf '%s\n' "$2" >"$work/host/$1"
	plan "$work/host/$1"
	"$PORTAL_CLIENT" --timeout 20 open >"$work/$1.out" 2>&1 &
	client=$!
	pids+=("$client")
}
# served WHAT NAME TEXT T0 SINCE: the Open of open_bg NAME ends well with
# TEXT, within BOUND_MS of T0 (the moment SINCE names); took: its ms.
served() {
	local rc=0 path
	wait "$client" || rc=$?
	took=$(($(date +%s%3N) - $4))
	[ $rc -eq 0 ] || fail "$1: status $rc: $(cat "$work/$2.out")"
	path=$(sed -n 's/^path //p' "$work/$2.out" | head -n 1)
	[ "$(cat "$path")" = "$3" ] || fail "$1: content differs"
	[ "$took" -lt $BOUND_MS ] || fail "$1: served $took ms after $5 (bound $BOUND_MS ms)"
}

start_portald --dialog-burst 100 --dialog-interval 10ms
t0=$(date +%s%3N)
open_bg late.txt "from a late host"
served "open" late.txt "from a late host" "$t0" "it was made"
pass "a host appearing during a ${GROWN_MS}+ ms backoff: request served in $took ms"

# The host goes away; a request made meanwhile waits for it, and the host
# comes back AWAY_S later. The waiting request keeps kicking the link (an
# attempt per backoff_first_ms), so it is served soon after the host
# listens, not at the retry the backoff would have chosen (6.3 s after the
# request, past which a request parked up to 10 s could time out).
AWAY_S=3.5
retries() { grep -c "host: .*; retrying" "$work/portal.log" || true; }
seen=$(retries)
kill -TERM "$portald_pid"
wait "$portald_pid" || true
gone() { [ "$(retries)" -gt "$seen" ]; }
wait_for 20 gone || fail "the portal did not see the host go"
open_bg back.txt "from a host that came back"
sleep "$AWAY_S" # the host's absence, the scenario itself; not a wait for a condition
start_portald --dialog-burst 100 --dialog-interval 10ms
t0=$(date +%s%3N)
served "open while the host was away" back.txt "from a host that came back" "$t0" "it listened"
pass "a request made while the host was away ${AWAY_S} s: served $took ms after it listened"
kill -TERM "$portal_pid"
status=0
wait "$portal_pid" || status=$?
[ $status -eq 0 ] || fail "the portal exited with status $status"
! grep -q "AddressSanitizer\|runtime error:" "$work/portal.log" "$work/portald.log" ||
	fail "sanitizer report"
pass "stopped on TERM"
