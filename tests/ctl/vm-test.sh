#!/usr/bin/env bash
# appvmctl against a real guest (ctest label "vm"): our kernel, an image with
# appvm-init and appvm-agent, qemu through scripts/run-vm, and the hybrid
# vsock socket of appvm-vsock, exactly as scripts/demo runs them.
#
#   boot -> wait-ready -> ping -> status fields -> reboot -> ready again ->
#   the agent is killed inside the guest -> init restarts it -> the host
#   reconnects -> shutdown while the app writes to the state store -> qemu
#   exits 0 within the deadline -> every write the app reported is on disk.
#
# Usage: tests/ctl/vm-test.sh APPVMCTL APPVM-AGENT APPVM-INIT APPVM-VSOCK KERNEL
# Environment: APPVM_ACCEL (default tcg), APPVM_TEST_WORK (work directory),
# APPVM_GUEST_STATIC=1: the agent and init must be static musl programs.
set -euo pipefail
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"
ctl=$1 agent=$2 init=$3 vsockd=$4 kernel=${APPVM_KERNEL:-$5}
src=$(cd "$(dirname "$0")/../.." && pwd)
export APPVM_ACCEL=${APPVM_ACCEL:-tcg}
work=${APPVM_TEST_WORK:-$(mktemp -d)}/ctl-vm
# Sockets in a short directory: a Unix socket path has at most 107 bytes,
# however deep the build tree is.
sockdir=$(mktemp -d /tmp/appvm-ctlvm.XXXXXX)
vm_pid=
cleanup() {
	if [ -n "$vm_pid" ]; then
		kill -TERM "$vm_pid" 2>/dev/null || true
		wait "$vm_pid" 2>/dev/null || true
	fi
	rm -rf "$sockdir"
}
trap cleanup EXIT
fail() {
	printf 'FAIL (ctl vm): %s\n' "$*" >&2
	[ -f "$work/console.log" ] && tail -n 40 "$work/console.log" >&2
	exit 1
}
pass() { printf 'ok: %s\n' "$*"; }
wait_console() { # TEXT: up to 60 s (init relays the app's lines as they come)
	for _ in $(seq 600); do
		grep -q "$1" "$work/console.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
json_check() { # JSON PYTHON-EXPRESSION-ON-d
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
[ -s "$kernel" ] || test_skip "guest kernel '$kernel' not found: build it with kernel-config/build BUILD/kernel"
for f in "$ctl" "$agent" "$init" "$vsockd"; do [ -x "$f" ] || fail "$f not built"; done
# The guest's programs are their image builds: static musl programs.
if [ "${APPVM_GUEST_STATIC:-0}" = 1 ]; then
	"$src/tests/vm/check-static" --quiet "$agent" "$init" || fail "the guest programs are not static musl builds"
fi

rm -rf "$work"
mkdir -p "$work/store"
echo data >"$work/store/file"
cat >"$work/vm.conf" <<'CONF'
[vm]
name = ctltest
on-app-exit = poweroff
grace = 5s
restart-delay = 100ms

[store data]
source = serial:data
type = erofs
path = /run/store/data

[state]
source = serial:state
type = ext4
path = /var/lib/appvm

[net]
interface = eth0
address = 10.0.2.15/24

[app]
exec = /usr/bin/ctl-test-app
CONF
# Boot 1 does nothing; boot 2 kills the agent once, then keeps writing
# numbered lines to the state store, reporting each one after it is written.
cat >"$work/app" <<'APP'
#!/bin/sh
n=$(cat /var/lib/appvm/boots 2>/dev/null || echo 0)
n=$((n + 1))
echo $n >/var/lib/appvm/boots
sync
echo "ctl-test: boot $n"
if [ $n -eq 2 ]; then
	sleep 3
	killall appvm-agent && echo "ctl-test: killed the agent"
	i=0
	while :; do
		i=$((i + 1))
		echo $i >>/var/lib/appvm/writes
		echo "ctl-test: wrote $i"
		sleep 0.1
	done
fi
exec sleep 86400
APP
"$src/rootfs/build" --init "$init" --bin "$agent" --busybox --config "$work/vm.conf" \
	--add "$work/app:/usr/bin/ctl-test-app:0755" --store "data=$work/store" \
	--state-disk 16 "$work/image" >/dev/null

# run-vm starts appvm-vsock as the guest's vsock device (no /dev/vhost-vsock
# here) and serves it at the hybrid socket, as scripts/demo uses it.
target=hybrid:$sockdir/vm.vsock
"$src/scripts/run-vm" --kernel "$kernel" --initrd "$work/image/initramfs.cpio.zst" \
	--store "$work/image/data.erofs" --state "$work/image/state.ext4" --allow-reboot \
	--vsock-cid 3 --vsock-hybrid "$sockdir/vm.vsock" --vsock-backend "$vsockd" \
	--log "$work/console.log" --quiet --timeout 400 &
vm_pid=$!

out=$("$ctl" --json "$target" wait-ready --timeout 180) || fail "wait-ready: exit $? ($out)"
json_check "$out" 'd["ok"] and (d["via"] == "poll" or d["vm_name"] == "ctltest")' || fail "wait-ready: $out"
pass "boot 1 ready ($(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["via"], d["waited_ms"], "ms")' "$out"))"

for i in 1 2 3; do
	"$ctl" -q "$target" ping --timeout 20 || fail "ping $i: exit $?"
done
pass "ping x3"

out=$("$ctl" --json "$target" status --timeout 20) || fail "status: exit $?"
json_check "$out" '(lambda s: s["vm_name"] == "ctltest" and s["protocol_version"] == 1 and s["uptime_ms"] > 0 and s["memory"]["total_kib"] > 0 and s["app"]["state"] == "running" and {"name": "data", "mount_point": "/run/store/data", "writable": False} in s["stores"] and {"name": "state", "mount_point": "/var/lib/appvm", "writable": True} in s["stores"] and {"ifname": "eth0", "family": 4, "address": "10.0.2.15", "prefix": 24} in s["addresses"])(d["status"])' ||
	fail "status fields: $out"
pass "status fields"
# The built-in agent starts before init's control socket exists and waits
# for it quietly (docs/config.md, boot steps 3 and 4): no line about it.
! grep -E 'appvm-agent: (warning: )?cannot (watch|get) the app state' "$work/console.log" ||
	fail "the agent did not reach init's control socket"

"$ctl" "$target" reboot --timeout 60 >/dev/null || fail "reboot: exit $?"
out=$("$ctl" --json "$target" wait-ready --timeout 180) || fail "wait-ready after reboot: exit $?"
wait_console 'ctl-test: boot 2' || fail "the guest did not reboot"
pass "reboot, ready again"

# The app kills the agent 3 s into boot 2; init restarts it; we reconnect.
wait_console 'ctl-test: killed the agent' || fail "the app did not kill the agent"
"$ctl" "$target" wait-ready --timeout 60 >/dev/null || fail "wait-ready after the agent was killed: exit $?"
"$ctl" -q "$target" ping --timeout 20 || fail "ping after the agent restarted: exit $?"
pass "agent killed, restarted by init, host reconnected"

sleep 1 # let the app write for a while
t0=$(date +%s%3N)
"$ctl" "$target" shutdown --timeout 60 >/dev/null || fail "shutdown: exit $?"
set +e
wait "$vm_pid"
status=$?
set -e
vm_pid=
t1=$(date +%s%3N)
[ $status -eq 0 ] || fail "qemu exited with status $status after shutdown"
[ $((t1 - t0)) -lt 60000 ] || fail "qemu took $((t1 - t0)) ms to exit"
pass "shutdown: qemu exited 0 after $((t1 - t0)) ms"

reported=$(grep -o 'ctl-test: wrote [0-9]*' "$work/console.log" | awk '{print $3}' | sort -n | tail -n 1)
[ -n "$reported" ] || fail "the app reported no writes"
ondisk=$(debugfs -R 'cat /writes' "$work/image/state.ext4" 2>/dev/null | tail -n 1)
if [ -z "$ondisk" ] || [ "$ondisk" -lt "$reported" ]; then
	fail "the app reported write $reported, the state disk ends at '${ondisk}'"
fi
pass "every reported write is on disk ($reported reported, $ondisk on disk)"
echo "ctl vm test: all passed"
