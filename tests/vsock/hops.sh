#!/usr/bin/env bash
# Where a round trip's time goes: boots the benchmark VM (benchvm.sh), then,
# for vsock and for virtio-serial in turn, traces the scheduler and the
# system calls of qemu's threads, appvm-vsock and the pingpong client with
# `perf record` while 64-byte round trips run, and prints for each hop (host
# client -> device -> qemu's main loop -> vCPU -> guest -> kick -> device ->
# host client) the median time (tests/vsock/hops.py). Tracing slows every
# system call and context switch, so the totals are longer than untraced
# ones; the hops show where the time goes.
#
# Usage: hops.sh [-b APPVM_VSOCK] [-s SECONDS] [-k DIR] BUILD_DIR
#   -b  the back-end (default: BUILD_DIR's appvm-vsock); -s  seconds traced
#   per path (default 0.5); -k  keeps the decoded traces (PATH.txt) in DIR.
# Needs perf (linux-perf) and a guest kernel with CONFIG_VIRTIO_VSOCKETS and
# CONFIG_VIRTIO_CONSOLE ($APPVM_KERNEL, default BUILD_DIR/../kernel/bzImage).
# Root.
set -uo pipefail
usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
backend='' seconds=0.5 keep=''
while getopts b:s:k:h opt; do
	case $opt in
	b) backend=$OPTARG ;;
	s) seconds=$OPTARG ;;
	k) keep=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { usage >&2; exit 2; }
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${APPVM_KERNEL:-$build/../kernel/bzImage}
backend=${backend:-$build/host/vsock/appvm-vsock}
peer=$build/tests/vsock/vsock_peer
command -v perf >/dev/null || { echo "hops.sh: perf not installed (linux-perf)" >&2; exit 1; }

# shellcheck source=tests/vsock/benchvm.sh
. "$src/tests/vsock/benchvm.sh"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vsock-hops.XXXXXX")
trap 'benchvm_stop; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
benchvm_initrd "$work" "$build" "$src"
benchvm_start "$work" "$backend" "$kernel" "$src" || exit 1
qemu=$(pgrep -P "$benchvm_qemu_parent" -x qemu-system-x86 || pgrep -P "$benchvm_qemu_parent")

for path in vsock serial; do
	addr="hybrid:$work/h.sock:5000"
	[ $path = serial ] && addr="unix:$work/serial.sock"
	"$peer" pingpong "$addr" 1000000 >/dev/null &
	client=$!
	sleep 0.3
	perf record -q -o "$work/$path.data" \
		-e sched:sched_switch,sched:sched_wakeup,raw_syscalls:sys_enter,raw_syscalls:sys_exit \
		-p "$qemu,$benchvm_backend,$client" -- sleep "$seconds" >/dev/null 2>&1
	kill "$client"
	wait "$client" 2>/dev/null
	perf script -i "$work/$path.data" -F tid,time,event,trace >"$work/$path.txt" 2>/dev/null
	# The vCPU thread: of qemu's threads other than the main one, the one
	# that writes most (its kicks and ioeventfds).
	vcpu=$(for t in /proc/"$qemu"/task/*; do
		t=${t##*/}
		[ "$t" = "$qemu" ] || echo "$(grep -c "^ *$t .*sys_enter: NR 1 " "$work/$path.txt") $t"
	done | sort -rn | awk 'NR == 1 { print $2 }')
	python3 "$src/tests/vsock/hops.py" "$path" "$work/$path.txt" "$qemu" "$vcpu" "$client" \
		"$benchvm_backend"
	[ -z "$keep" ] || { mkdir -p "$keep" && cp "$work/$path.txt" "$keep/"; }
	echo
done
