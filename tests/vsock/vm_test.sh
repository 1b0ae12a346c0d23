#!/usr/bin/env bash
# VM tests of appvm-vsock: boots a throwaway guest (our kernel, a busybox
# initramfs with vsock_peer, tests/vsock/guest-init.sh as PID 1) under qemu
# TCG with the backend as its vhost-user vsock device, and drives traffic
# from the host side through the hybrid socket.
#
# Usage: vm_test.sh CASE   (h2g g2h concurrent large slow reboot restart)
# Environment (set by ctest): VSOCK_BIN, PEER_HOST, PEER_GUEST, APPVM_SOURCE_DIR;
# APPVM_KERNEL overrides the kernel search. Without a kernel: see test_skip.
# VSOCK_VM_CPUS: the guest's vCPUs (default 1; 2 runs the guest kernel's
# receive paths truly in parallel).
set -uo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"

case=${1:?usage: vm_test.sh CASE}
src=${APPVM_SOURCE_DIR:?}
prog="vsock-vm[$case]"
failures=0

say() { printf '%s: %s\n' "$prog" "$*"; }
fail() { say "FAIL: $*"; failures=$((failures + 1)); }

find_kernel() {
	local k
	for k in "${APPVM_KERNEL:-}" "$src/build/kernel/bzImage" "$src"/build*/kernel/bzImage \
		$(ls -t /var/cache/appvm/kernel/*/bzImage 2>/dev/null); do
		[ -n "$k" ] && [ -r "$k" ] && { echo "$k"; return 0; }
	done
	return 1
}
kernel=$(find_kernel) || test_skip "$prog: no guest kernel (set APPVM_KERNEL or run kernel-config/build)"
[ -x /bin/busybox ] || test_skip "$prog: /bin/busybox missing (busybox-static)"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/vsock-vm.XXXXXX")
backend_pid=
vm_pid=
bg_pids=()
stop_pid() { # PID: TERM, wait up to 5 s, KILL
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
cleanup() {
	local p
	for p in "${bg_pids[@]}"; do stop_pid "$p"; done
	stop_pid "$vm_pid"
	stop_pid "$backend_pid"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The initramfs: busybox, the static guest peer and the init script.
mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev"
cp /bin/busybox "$work/root/bin/busybox"
cp "$PEER_GUEST" "$work/root/bin/vsock_peer"
cp "$src/tests/vsock/guest-init.sh" "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd") ||
	{ say "cannot build the initramfs"; exit 1; }

hsock=$work/h.sock
vusock=$work/vu.sock

start_backend() {
	"$VSOCK_BIN" --cid 3 --socket "$hsock" --vhost-user "$vusock" >>"$work/backend.log" 2>&1 &
	backend_pid=$!
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$vusock" ] && [ -S "$hsock" ] && return 0
		sleep 0.1
	done
	cat "$work/backend.log"
	say "backend did not start"
	exit 1
}

# Waits until the console shows READY n times (n-th boot). Returns 1 on timeout.
wait_ready() {
	local n=$1 i
	for ((i = 0; i < 600; i++)); do
		[ "$(grep -c 'VSOCK-TEST READY' "$work/console.log" 2>/dev/null)" -ge "$n" ] && return 0
		kill -0 "$vm_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

start_vm() { # extra qemu arguments
	: >"$work/console.log"
	"$src/scripts/run-vm" -k "$kernel" -i "$work/initrd" --no-net --accel tcg -t 280 -q \
		--cpus "${VSOCK_VM_CPUS:-1}" \
		--log "$work/console.log" --vsock-socket "$vusock" -m 512 -- "$@" \
		>>"$work/vm.log" 2>&1 &
	vm_pid=$!
	if ! wait_ready 1; then
		cat "$work/vm.log" "$work/console.log"
		say "guest did not come up"
		exit 1
	fi
}

stop_vm() { stop_pid "$vm_pid"; vm_pid=; }

peer() { "$PEER_HOST" "$@"; }
guest() { "$PEER_HOST" remote "hybrid:$hsock:5020" "$@"; }

# check DESCRIPTION COMMAND...: runs it, shows its RESULT line, counts failures.
check() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s/^/  /"
	if [ $rc -ne 0 ]; then fail "$what"; else say "ok: $what"; fi
}

host_listener() { # MODE PORT [--slow]: a host-side server on PATH_PORT
	"$PEER_HOST" serve "$1" "unix:${hsock}_$2" "${@:3}" >>"$work/listener.log" 2>&1 &
	bg_pids+=("$!")
	local i
	for ((i = 0; i < 50; i++)); do [ -S "${hsock}_$2" ] && return 0; sleep 0.1; done
	fail "host listener on port $2 did not start"
}

backend_rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$backend_pid/status"; }
# Bytes the backend has read from all its fds so far.
backend_rchar() { awk '/^rchar:/ {print $2}' "/proc/$backend_pid/io"; }
# expect_idle STATE: the backend's CPU time (utime + stime) over 1.5 s must
# stay under 5% of it. Idle means asleep, whatever the guest did.
expect_idle() {
	local hz t0 t1 ms
	hz=$(getconf CLK_TCK)
	t0=$(awk '{print $14 + $15}' "/proc/$backend_pid/stat")
	sleep 1.5 # the interval measured, not a wait for a condition
	t1=$(awk '{print $14 + $15}' "/proc/$backend_pid/stat")
	ms=$(((t1 - t0) * 1000 / hz))
	if [ "$ms" -lt 75 ]; then
		say "ok: backend idle $1: ${ms} ms of CPU in 1.5 s"
	else
		fail "backend busy $1: ${ms} ms of CPU in 1.5 s"
	fi
}

MiB=1048576
start_backend

case $case in
h2g)
	start_vm
	check "host -> guest echo, 1 MiB" peer echo "hybrid:$hsock:5000" $MiB
	check "host -> guest sink with checksum, 8 MiB" peer sink "hybrid:$hsock:5002" $((8 * MiB))
	check "no guest listener: client closed" peer refused "hybrid:$hsock:5999"
	check "malformed CONNECT line: client closed" \
		bash -c "printf 'CONNECT x\n' | timeout 10 socat -t5 - UNIX-CONNECT:$hsock | grep -q . && exit 1 || exit 0"
	# A client that vanishes mid-stream must not disturb the backend: it is
	# killed once the backend has read a MiB of its stream.
	before=$(backend_rchar)
	"$PEER_HOST" echo "hybrid:$hsock:5000" $((512 * MiB)) >/dev/null 2>&1 &
	client=$!
	for ((i = 0; i < 300; i++)); do
		[ $(($(backend_rchar) - before)) -ge $MiB ] && break
		sleep 0.1
	done
	[ $(($(backend_rchar) - before)) -ge $MiB ] || fail "the 512 MiB client never got going"
	kill -KILL "$client"
	wait "$client" 2>/dev/null
	check "echo after a client vanished mid-stream" peer echo "hybrid:$hsock:5000" $MiB
	# The guest kernel's RX fast path (kernel-config/patches, docs/kernel.md):
	# data of an established stream is delivered by the interrupt's tasklet,
	# not by a work item, so the guest's tasklet count grows with the round
	# trips (by one per round trip; without the patch it stays put).
	tasklets() { guest cat /proc/softirqs | awk '/TASKLET:/ { for (i = 2; i <= NF; i++) n += $i; print n }'; }
	t0=$(tasklets)
	check "round trips" peer pingpong "hybrid:$hsock:5000" 200
	t1=$(tasklets)
	cpus=$(guest cat /proc/softirqs | awk 'NR == 1 { print NF }')
	if [ -n "$t0" ] && [ -n "$t1" ] && [ $((t1 - t0)) -ge 100 ]; then
		say "ok: RX fast path: $((t1 - t0)) guest tasklets for 200 round trips (${cpus:-?} vCPUs)"
	else
		fail "RX fast path not taken: guest tasklets ${t0:-?} -> ${t1:-?} over 200 round trips"
	fi
	;;
g2h)
	start_vm
	host_listener echo 6000
	check "guest -> host echo to PATH_6000, 1 MiB" guest echo vsock:2:6000 $MiB
	host_listener sink 6002
	check "guest -> host sink with checksum, 8 MiB" guest sink vsock:2:6002 $((8 * MiB))
	check "no host listener: guest gets a reset" guest refused vsock:2:6999
	check "guest -> host still works afterwards" guest echo vsock:2:6000 65536
	;;
concurrent)
	start_vm
	host_listener echo 6000
	check "64 concurrent host -> guest streams, 1 MiB each way" \
		peer echo "hybrid:$hsock:5000" $MiB --conns 64
	check "64 concurrent guest -> host streams, 1 MiB each way" \
		guest echo vsock:2:6000 $MiB --conns 64
	# Load: streams opened from both sides at once, every reader (host
	# clients, guest echo, guest clients, host echo) stopping for 10-160 ms
	# now and then so that senders run out of credit; every byte checked
	# against its seeded stream, in order.
	h_mib=${VSOCK_STRESS_HOST_MIB:-6} g_mib=${VSOCK_STRESS_GUEST_MIB:-2}
	host_listener echo 6003 --stall 13
	guest echo vsock:2:6003 $((g_mib * MiB)) --conns 32 --stall 9 >"$work/stress.guest" 2>&1 &
	stress_guest=$!
	check "under load: 32 host -> guest streams, $h_mib MiB each way, readers stalling" \
		peer echo "hybrid:$hsock:5003" $((h_mib * MiB)) --conns 32 --stall 5
	wait "$stress_guest"
	rc=$?
	sed 's/^/  /' "$work/stress.guest"
	if [ $rc -eq 0 ]; then
		say "ok: under load: 32 guest -> host streams, $g_mib MiB each way, readers stalling"
	else
		fail "under load: 32 guest -> host streams, $g_mib MiB each way, readers stalling"
	fi
	say "moved $((32 * 2 * (h_mib + g_mib))) MiB through the device at once"
	;;
large)
	size=$((${VSOCK_LARGE_MIB:-256} * MiB))
	start_vm
	host_listener sink 6002
	check "host -> guest echo, $((size / MiB)) MiB each way" peer echo "hybrid:$hsock:5000" $size
	check "host -> guest sink, $((size / MiB)) MiB" peer sink "hybrid:$hsock:5002" $size
	check "guest -> host sink, $((size / MiB)) MiB" guest sink vsock:2:6002 $size
	;;
slow)
	start_vm
	host_listener echo 6001 --slow
	check "slow guest reader (guest echo reads 4 KiB per 2 ms), 4 MiB" \
		peer echo "hybrid:$hsock:5001" $((4 * MiB))
	check "slow host reader (host client reads 4 KiB per 2 ms), 4 MiB" \
		peer echo "hybrid:$hsock:5000" $((4 * MiB)) --slow
	check "slow host listener for a guest client, 4 MiB" guest echo vsock:2:6001 $((4 * MiB))
	# A host client that writes and never reads: the guest echo's replies
	# fill the guest's credit, and the backend must stop reading instead of
	# buffering.
	timeout 5 bash -c "{ printf 'CONNECT 5000\n'; head -c $((64 * MiB)) /dev/zero; } |
		socat -u - UNIX-CONNECT:$hsock" >/dev/null 2>&1
	rss=$(backend_rss_kib)
	say "backend RSS after the slow-reader runs: ${rss} KiB"
	[ "${rss:-999999}" -lt 65536 ] || fail "backend RSS ${rss} KiB: buffering not bounded"
	;;
reboot)
	start_vm -action reboot=reset
	"$PEER_HOST" hold "hybrid:$hsock:5000" 8 >"$work/hold.out" 2>&1 &
	hold_pid=$!
	bg_pids+=("$hold_pid")
	for ((i = 0; i < 100; i++)); do grep -qs HOLDING "$work/hold.out" && break; sleep 0.1; done
	grep -qs HOLDING "$work/hold.out" || fail "the 8 streams were not established"
	peer refused "hybrid:$hsock:5010" >/dev/null 2>&1 # triggers the reboot
	if wait_ready 2; then say "ok: guest rebooted"; else fail "guest did not come back"; fi
	wait "$hold_pid"
	rc=$?
	sed 's/^/  /' "$work/hold.out"
	if [ $rc -eq 0 ]; then
		say "ok: open connections closed by the reboot"
	else
		fail "open connections not closed by the reboot"
	fi
	expect_idle "after the guest's reset and restart of the device"
	check "host -> guest echo after reboot" peer echo "hybrid:$hsock:5000" $MiB
	host_listener echo 6000
	check "guest -> host echo after reboot" guest echo vsock:2:6000 $MiB
	;;
restart)
	expect_idle "before qemu connects"
	start_vm
	check "echo with the first VM" peer echo "hybrid:$hsock:5000" $MiB
	expect_idle "with a guest that does nothing"
	stop_vm
	expect_idle "after qemu left"
	start_vm
	check "the backend serves a second qemu after the first exited" \
		peer echo "hybrid:$hsock:5000" $MiB
	stop_vm
	kill -KILL "$backend_pid"
	wait "$backend_pid" 2>/dev/null
	backend_pid=
	[ -S "$vusock" ] || fail "expected stale socket files after SIGKILL"
	start_backend
	start_vm
	check "a restarted backend (stale socket files) serves a new VM" \
		peer echo "hybrid:$hsock:5000" $MiB
	stop_pid "$backend_pid"
	backend_pid=
	if [ ! -e "$vusock" ] && [ ! -e "$hsock" ]; then
		say "ok: SIGTERM removes the sockets"
	else
		fail "sockets left behind after SIGTERM"
	fi
	;;
*)
	say "unknown case"
	exit 2
	;;
esac

# The guest kernel must not have warned (WARN_ON, a BUG, a lockup) on the way.
if grep -qE 'WARNING:|BUG:|Oops|soft lockup|hung_task' "$work/console.log" 2>/dev/null; then
	grep -E -A 12 'WARNING:|BUG:|Oops|soft lockup|hung_task' "$work/console.log" | head -40 | sed 's/^/  /'
	fail "the guest kernel warned (console above)"
fi

if [ $failures -ne 0 ]; then
	say "$failures check(s) failed; backend log:"
	sed 's/^/  /' "$work/backend.log" | tail -40
	exit 1
fi
say "all checks passed"
