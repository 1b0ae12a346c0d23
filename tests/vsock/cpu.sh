#!/usr/bin/env bash
# The CPU appvm-vsock spends per round trip, and while idle: for each
# back-end, one boot of the benchmark VM (benchvm.sh), COUNT 64-byte round
# trips over vsock (vsock_peer pingpong), the back-end's CPU time (utime +
# stime from /proc/PID/stat) over them divided by COUNT, then its CPU time
# over 2 s with no traffic. The same round trips over virtio-serial follow,
# for the latency beside it (not for CPU: that is qemu's).
# With -g GAP_US, what a guest making useless requests costs instead: the
# guest connects COUNT times to a host port nobody listens on, one attempt
# every GAP_US (vsock_peer refused: a REQUEST answered by an RST), and the
# back-end's CPU time over the attempts is printed beside their duration.
#
# Usage: cpu.sh [-n COUNT] [-r REPS] [-g GAP_US] BUILD_DIR NAME=APPVM_VSOCK...
#   COUNT round trips (or attempts) per run (default 5000), REPS boots per
#   back-end (default 2, alternating). Prints one line per boot.
set -uo pipefail
count=5000 reps=2 gap=''
while getopts n:r:g:h opt; do
	case $opt in
	n) count=$OPTARG ;;
	r) reps=$OPTARG ;;
	g) gap=$OPTARG ;;
	h) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${APPVM_KERNEL:-$build/../kernel/bzImage}
peer=$build/tests/vsock/vsock_peer
# shellcheck source=tests/vsock/benchvm.sh
. "$src/tests/vsock/benchvm.sh"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vsock-cpu.XXXXXX")
trap 'benchvm_stop; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
benchvm_initrd "$work" "$build" "$src"
tck=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
p50() { sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p'; }
for ((rep = 0; rep < reps; rep++)); do
	for b in "$@"; do
		name=${b%%=*} bin=${b#*=}
		benchvm_start "$work" "$bin" "$kernel" "$src" || exit 1
		pid=$benchvm_backend
		if [ -n "$gap" ]; then
			c0=$(cpu "$pid")
			out=$("$peer" remote "hybrid:$work/h.sock:5020" refused vsock:2:7999 "$count" "$gap")
			c1=$(cpu "$pid")
			echo "$name: $(sed -n 's/.*RESULT ok refused [^ ]* ([^)]*) //p' <<<"$out" | head -1);" \
				"appvm-vsock CPU $(((c1 - c0) * 1000 / tck)) ms"
			benchvm_stop
			continue
		fi
		"$peer" pingpong "hybrid:$work/h.sock:5000" 100 >/dev/null # warm-up
		c0=$(cpu "$pid")
		v=$("$peer" pingpong "hybrid:$work/h.sock:5000" "$count" | p50)
		c1=$(cpu "$pid")
		s=$("$peer" pingpong "unix:$work/serial.sock" "$count" | p50)
		i0=$(cpu "$pid")
		sleep 2
		i1=$(cpu "$pid")
		echo "$name: vsock p50 $v µs, serial p50 $s µs; appvm-vsock CPU" \
			"$(awk -v c=$((c1 - c0)) -v t="$tck" -v n="$count" 'BEGIN { printf "%.1f", c * 1e6 / t / n }') µs per round trip," \
			"$(((i1 - i0) * 1000 / tck)) ms in 2 s idle"
		benchvm_stop
	done
done
