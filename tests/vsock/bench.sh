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
# Throughput: 3 pairs of BYTES echoed (sent and checked back at once), MiB/s
# one way.
#
# Usage: bench.sh [-b NAME=APPVM_VSOCK]... [-r REPS] [-p PAIRS] [-n COUNT]
#                 BUILD_DIR [BYTES]
#   -b  a back-end to measure (repeatable; default: BUILD_DIR's appvm-vsock)
#   -r  boots per back-end (default 3); -p pairs per boot (default 10);
#   -n  round trips per run (default 500); BYTES default 16 MiB.
# Prints a markdown table; raw samples in the file named by $BENCH_RAW.
# Needs a guest kernel with CONFIG_VIRTIO_VSOCKETS and CONFIG_VIRTIO_CONSOLE
# ($APPVM_KERNEL, default BUILD_DIR/../kernel/bzImage).
set -uo pipefail
usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
backends=() reps=3 pairs=10 count=500
while getopts b:r:p:n:h opt; do
	case $opt in
	b) backends+=("$OPTARG") ;;
	r) reps=$OPTARG ;;
	p) pairs=$OPTARG ;;
	n) count=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { usage >&2; exit 2; }
build=$(cd "$1" && pwd)
bytes=${2:-$((16 * 1048576))}
src=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${APPVM_KERNEL:-$build/../kernel/bzImage}
peer=$build/tests/vsock/vsock_peer
[ ${#backends[@]} -gt 0 ] || backends=("appvm-vsock=$build/host/vsock/appvm-vsock")
for f in "$kernel" "$peer" "$build/tests/vsock/vsock_peer_guest"; do
	[ -r "$f" ] || { echo "bench.sh: $f not found" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/vsock-bench.XXXXXX")
raw=${BENCH_RAW:-$work/raw}
pids=()
stop_vm() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=()
}
trap 'stop_vm; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev"
cp /bin/busybox "$work/root/bin/busybox"
cp "$build/tests/vsock/vsock_peer_guest" "$work/root/bin/vsock_peer"
cp "$src/tests/vsock/guest-init.sh" "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd")

start_vm() { # BACKEND_BINARY
	rm -f "$work"/*.sock "$work/console.log"
	"$1" --cid 3 --socket "$work/h.sock" --vhost-user "$work/vu.sock" >>"$work/backend.log" 2>&1 &
	pids+=($!)
	local i
	for ((i = 0; i < 50; i++)); do [ -S "$work/vu.sock" ] && break; sleep 0.1; done
	"$src/scripts/run-vm" -k "$kernel" -i "$work/initrd" --no-net --accel tcg -t 0 -q -m 512 \
		--log "$work/console.log" --vsock-socket "$work/vu.sock" -- \
		-device virtio-serial-pci \
		-chardev "socket,id=bench,path=$work/serial.sock,server=on,wait=off" \
		-device virtserialport,chardev=bench,name=bench >"$work/vm.log" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 600; i++)); do grep -qs 'VSOCK-TEST READY' "$work/console.log" && break; sleep 0.1; done
	grep -qs '^SERIAL ' "$work/console.log" ||
		{ cat "$work/vm.log" "$work/console.log" >&2; echo "bench.sh: no guest, or no virtio-serial port" >&2; exit 1; }
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
vsock_addr() { echo "hybrid:$work/h.sock:5000"; }
serial_addr() { echo "unix:$work/serial.sock"; }

: >"$raw"
for ((rep = 0; rep < reps; rep++)); do
	for b in "${backends[@]}"; do
		name=${b%%=*} bin=${b#*=}
		echo "bench.sh: boot $((rep + 1))/$reps with $name" >&2
		start_vm "$bin"
		for ((k = 0; k < pairs; k++)); do
			order=(vsock serial)
			[ $((k % 2)) -eq 1 ] && order=(serial vsock)
			declare -A p50=()
			for path in "${order[@]}"; do
				p50[$path]=$("$peer" pingpong "$("${path}_addr")" "$count" | field p50_us)
			done
			echo "$name lat $rep ${p50[vsock]} ${p50[serial]}" >>"$raw"
		done
		for ((k = 0; k < 3; k++)); do
			tv=$("$peer" echo "$(vsock_addr)" "$bytes" | field MiBps)
			ts=$("$peer" echo "$(serial_addr)" "$bytes" --noshut | field MiBps)
			echo "$name thr $rep $tv $ts" >>"$raw"
		done
		stop_vm
	done
done

python3 - "$raw" "$count" "$pairs" "$reps" "$((bytes / 1048576))" <<'PY'
import sys, statistics as st
raw, count, pairs, reps, mib = sys.argv[1], *sys.argv[2:]
rows = {}
for line in open(raw):
    f = line.split()
    if len(f) == 5 and all(f[3:]):
        rows.setdefault(f[0], {"lat": [], "thr": []})[f[1]].append((float(f[3]), float(f[4])))
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
print(f"{reps} boots per back-end; latency: {pairs} pairs of {count} round trips of 64 bytes per boot "
      f"(median round trip of each run); throughput: 3 pairs of {mib} MiB echoed per boot.\n")
print("| back-end | vsock p50 µs | serial p50 µs | vsock / serial, paired (p25–p75) "
      "| vsock MiB/s | serial MiB/s | vsock / serial |")
print("|---|---:|---:|---|---:|---:|---:|")
for name, r in rows.items():
    lat, thr = r["lat"], r["thr"]
    ratio = [a / b for a, b in lat]
    tr = [a / b for a, b in thr]
    print(f"| {name} | {st.median(a for a, _ in lat):.0f} | {st.median(b for _, b in lat):.0f} "
          f"| **{st.median(ratio):.2f}** ({q(ratio, .25):.2f}–{q(ratio, .75):.2f}, n={len(lat)}) "
          f"| {st.median(a for a, _ in thr):.1f} | {st.median(b for _, b in thr):.1f} "
          f"| **{st.median(tr):.2f}** |")
PY
