#!/usr/bin/env bash
# What a guest that keeps making useless requests costs appvm-vsock, in the
# benchmark VM (benchvm.sh): for each back-end, one boot, then the guest
# connects COUNT times to a host port nobody listens on, one attempt every
# GAP_US (vsock_peer refused: a REQUEST, answered by an RST), and the
# back-end's CPU time (utime + stime from /proc/PID/stat) over those
# attempts is printed beside their duration.
#
# Usage: spinvm.sh [-n COUNT] [-g GAP_US] [-r REPS] BUILD_DIR NAME=APPVM_VSOCK...
#   COUNT default 5000, GAP_US default 600, REPS boots per back-end
#   (default 1, alternating). Prints one line per boot.
set -uo pipefail
count=5000 gap=600 reps=1
usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while getopts n:g:r:h opt; do
	case $opt in
	n) count=$OPTARG ;;
	g) gap=$OPTARG ;;
	r) reps=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { usage >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${APPVM_KERNEL:-$build/../kernel/bzImage}
peer=$build/tests/vsock/vsock_peer
# shellcheck source=tests/vsock/benchvm.sh
. "$src/tests/vsock/benchvm.sh"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vsock-spinvm.XXXXXX")
trap 'benchvm_stop; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
benchvm_initrd "$work" "$build" "$src"
tck=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for ((rep = 0; rep < reps; rep++)); do
	for b in "$@"; do
		name=${b%%=*} bin=${b#*=}
		benchvm_start "$work" "$bin" "$kernel" "$src" || exit 1
		c0=$(cpu "$benchvm_backend")
		out=$("$peer" remote "hybrid:$work/h.sock:5020" refused vsock:2:7999 "$count" "$gap")
		c1=$(cpu "$benchvm_backend")
		echo "$name: $(sed -n 's/.*RESULT ok refused [^ ]* ([^)]*) //p' <<<"$out" | head -1);" \
			"appvm-vsock CPU $(((c1 - c0) * 1000 / tck)) ms"
		benchvm_stop
	done
done
