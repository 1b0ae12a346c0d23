#!/usr/bin/env bash
# Benchmark of appvm-vsock against virtio-serial, both in the same VM, side
# by side; optionally several back-end binaries (before/after a change),
# one VM boot per binary, the boots alternating.
#
#   vsock    host client -> hybrid socket -> appvm-vsock -> guest echo server
#   serial   host client -> qemu chardev socket -> virtio-serial -> guest echo
#
# Latency: in each boot, PAIRS pairs of COUNT 64-byte round trips, one run
# over vsock and one over virtio-serial back to back (which goes first
# alternates), so that both see the same machine load; each run gives its
# median round trip, each pair the ratio of the two medians.
# Throughput: in each boot, TPAIRS pairs of BYTES echoed (sent and checked
# back at once; MiB/s one way), again one transfer over each path back to
# back, the order alternating; each pair gives the ratio of the two rates.
#
# Usage: bench.sh [-b NAME=APPVM_VSOCK]... [-k NAME=BZIMAGE]... [-r REPS]
#                 [-p PAIRS] [-n COUNT] [-t TPAIRS] BUILD_DIR [BYTES]
#   -b  a back-end to measure (repeatable; default: BUILD_DIR's appvm-vsock)
#   -k  a guest kernel to measure (repeatable; default: $APPVM_KERNEL): each
#       back-end is booted with each kernel in turn, rows named
#       BACKEND/KERNEL (KERNEL alone with one back-end); -k NAME=BZIMAGE:ARGS
#       adds ARGS to the kernel command line (e.g. preempt=full)
#   -r  boots per back-end (default 3); -p pairs per boot (default 10);
#   -n  round trips per run (default 500); -t throughput pairs per boot
#   (default 6); BYTES default 16 MiB.
# Prints a markdown table; raw samples in the file named by $BENCH_RAW; a
# back-end that logs "polling stalled ..." at exit has that line on stderr.
# Needs a guest kernel with CONFIG_VIRTIO_VSOCKETS and CONFIG_VIRTIO_CONSOLE
# ($APPVM_KERNEL, default BUILD_DIR/../kernel/bzImage).
set -uo pipefail
usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
case ${1:-} in --help) usage; exit 0 ;; esac
backends=() kernels=() reps=3 pairs=10 count=500 tpairs=6
while getopts b:k:r:p:n:t:h opt; do
	case $opt in
	b) backends+=("$OPTARG") ;;
	k) kernels+=("$OPTARG") ;;
	r) reps=$OPTARG ;;
	p) pairs=$OPTARG ;;
	n) count=$OPTARG ;;
	t) tpairs=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { usage >&2; exit 2; }
build=$(cd "$1" && pwd)
bytes=${2:-$((16 * 1048576))}
src=$(cd "$(dirname "$0")/../.." && pwd)
peer=$build/tests/vsock/vsock_peer
[ ${#backends[@]} -gt 0 ] || backends=("appvm-vsock=$build/host/vsock/appvm-vsock")
[ ${#kernels[@]} -gt 0 ] || kernels=("kernel=${APPVM_KERNEL:-$build/../kernel/bzImage}")
kfiles=("${kernels[@]#*=}")
for f in "${kfiles[@]%%:*}" "$peer" "$build/tests/vsock/vsock_peer_guest"; do
	[ -r "$f" ] || { echo "bench.sh: $f not found" >&2; exit 1; }
done

# shellcheck source=tests/vsock/benchvm.sh
. "$src/tests/vsock/benchvm.sh"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vsock-bench.XXXXXX")
raw=${BENCH_RAW:-$work/raw}
trap 'benchvm_stop; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
benchvm_initrd "$work" "$build" "$src"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
vsock_addr() { echo "hybrid:$work/h.sock:5000"; }
serial_addr() { echo "unix:$work/serial.sock"; }

: >"$raw"
for ((rep = 0; rep < reps; rep++)); do
	for b in "${backends[@]}"; do for kv in "${kernels[@]}"; do
		name=${b%%=*} bin=${b#*=} kernel=${kv#*=} append=
		if [[ $kernel == *:* ]]; then append=${kernel#*:} kernel=${kernel%%:*}; fi
		if [ ${#kernels[@]} -gt 1 ]; then
			name=${kv%%=*}
			[ ${#backends[@]} -gt 1 ] && name=${b%%=*}/${kv%%=*}
		fi
		echo "bench.sh: boot $((rep + 1))/$reps with $name" >&2
		touch "$work/backend.log"
		logged=$(wc -l <"$work/backend.log")
		benchvm_start "$work" "$bin" "$kernel" "$src" "$append" || exit 1
		for ((k = 0; k < pairs; k++)); do
			order=(vsock serial)
			[ $((k % 2)) -eq 1 ] && order=(serial vsock)
			declare -A p50=()
			for path in "${order[@]}"; do
				p50[$path]=$("$peer" pingpong "$("${path}_addr")" "$count" | field p50_us)
			done
			echo "$name lat $rep ${p50[vsock]} ${p50[serial]}" >>"$raw"
		done
		for ((k = 0; k < tpairs; k++)); do
			order=(vsock serial)
			[ $((k % 2)) -eq 1 ] && order=(serial vsock)
			declare -A mibps=()
			for path in "${order[@]}"; do
				opt=()
				[ "$path" = serial ] && opt=(--noshut)
				mibps[$path]=$("$peer" echo "$("${path}_addr")" "$bytes" "${opt[@]}" | field MiBps)
			done
			echo "$name thr $rep ${mibps[vsock]} ${mibps[serial]}" >>"$raw"
		done
		benchvm_stop
		# The device's polling stalls on a busy host, if it counts them.
		tail -n +$((logged + 1)) "$work/backend.log" | grep -o 'polling stalled.*' |
			sed "s/^/bench.sh: $name: /" >&2
	done; done
done

python3 - "$raw" "$count" "$pairs" "$reps" "$((bytes / 1048576))" "$tpairs" <<'PY'
import sys, statistics as st
raw, count, pairs, reps, mib, tpairs = sys.argv[1], *sys.argv[2:]
rows = {}
for line in open(raw):
    f = line.split()
    if len(f) == 5 and all(f[3:]):
        rows.setdefault(f[0], {"lat": [], "thr": []})[f[1]].append((float(f[3]), float(f[4])))
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
print(f"{reps} boots per back-end; latency: {pairs} pairs of {count} round trips of 64 bytes per boot "
      f"(median round trip of each run); throughput: {tpairs} pairs of {mib} MiB echoed per boot.\n")
print("| back-end | vsock p50 µs | serial p50 µs | vsock / serial, paired (p25–p75) "
      "| vsock MiB/s | serial MiB/s | vsock / serial, paired (p25–p75) |")
print("|---|---:|---:|---|---:|---:|---:|")
for name, r in rows.items():
    lat, thr = r["lat"], r["thr"]
    ratio = [a / b for a, b in lat]
    tr = [a / b for a, b in thr]
    t = (f"| {st.median(a for a, _ in thr):.1f} | {st.median(b for _, b in thr):.1f} "
         f"| **{st.median(tr):.2f}** ({q(tr, .25):.2f}–{q(tr, .75):.2f}, n={len(thr)}) |") if thr else "| — | — | — |"
    print(f"| {name} | {st.median(a for a, _ in lat):.0f} | {st.median(b for _, b in lat):.0f} "
          f"| **{st.median(ratio):.2f}** ({q(ratio, .25):.2f}–{q(ratio, .75):.2f}, n={len(lat)}) " + t)
PY
