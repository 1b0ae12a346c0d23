#!/usr/bin/env bash
# Benchmark of appvm-vsock against its peers, all in one VM in one run:
#   vsock      host client -> hybrid socket -> appvm-vsock -> guest echo server
#   serial     host client -> qemu chardev socket -> virtio-serial -> guest echo
#   loopback   guest client -> in-guest vsock loopback (CID 1) -> guest echo
# Throughput: BYTES echoed (sent and checked back at once), MiB/s one way.
# Latency: 64-byte round trips. Median of RUNS runs each.
#
# Usage: bench.sh BUILD_DIR [BYTES] [RUNS]
# Needs a guest kernel with CONFIG_VIRTIO_VSOCKETS and CONFIG_VIRTIO_CONSOLE
# ($APPVM_KERNEL); without virtio-serial support the serial rows are skipped.
set -uo pipefail
build=${1:?usage: bench.sh BUILD_DIR [BYTES] [RUNS]}
bytes=${2:-$((64 * 1048576))}
runs=${3:-3}
src=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${APPVM_KERNEL:?set APPVM_KERNEL to a guest kernel}
peer=$build/tests/vsock/vsock_peer

work=$(mktemp -d /tmp/vsock-bench.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev"
cp /bin/busybox "$work/root/bin/busybox"
cp "$build/tests/vsock/vsock_peer_guest" "$work/root/bin/vsock_peer"
cp "$src/tests/vsock/guest-init.sh" "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd")

"$build/host/vsock/appvm-vsock" --cid 3 --socket "$work/h.sock" --vhost-user "$work/vu.sock" \
	>"$work/backend.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 50; i++)); do [ -S "$work/vu.sock" ] && break; sleep 0.1; done
"$src/scripts/run-vm" -k "$kernel" -i "$work/initrd" --no-net --accel tcg -t 0 -q -m 512 \
	--log "$work/console.log" --vsock-socket "$work/vu.sock" -- \
	-device virtio-serial-pci \
	-chardev "socket,id=bench,path=$work/serial.sock,server=on,wait=off" \
	-device virtserialport,chardev=bench,name=bench >"$work/vm.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 600; i++)); do grep -qs 'VSOCK-TEST READY' "$work/console.log" && break; sleep 0.1; done
grep -qs 'VSOCK-TEST READY' "$work/console.log" || { cat "$work/vm.log" "$work/console.log"; exit 1; }
has_serial=0
grep -qs '^SERIAL ' "$work/console.log" && has_serial=1

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

measure() { # NAME THROUGHPUT-CMD... -- LATENCY-CMD...
	local name=$1 i t l
	shift
	local tcmd=() lcmd=()
	while [ "$1" != -- ]; do tcmd+=("$1"); shift; done
	shift
	lcmd=("$@")
	t=$(for ((i = 0; i < runs; i++)); do "${tcmd[@]}" | field MiBps; done | median)
	l=$(for ((i = 0; i < runs; i++)); do "${lcmd[@]}" | field avg_us; done | median)
	echo "$name $t $l"
}

{
	measure vsock "$peer" echo "hybrid:$work/h.sock:5000" "$bytes" -- \
		"$peer" pingpong "hybrid:$work/h.sock:5000" 2000
	if [ $has_serial -eq 1 ]; then
		measure serial "$peer" echo "unix:$work/serial.sock" "$bytes" --noshut -- \
			"$peer" pingpong "unix:$work/serial.sock" 2000
	fi
	measure loopback "$peer" remote "hybrid:$work/h.sock:5020" echo vsock:1:5000 "$bytes" -- \
		"$peer" remote "hybrid:$work/h.sock:5020" pingpong vsock:1:5000 2000
} >"$work/results"

awk -v bytes="$bytes" -v runs="$runs" '
	{ name[NR] = $1; t[NR] = $2; l[NR] = $3; if ($1 == "vsock") { vt = $2; vl = $3 } }
	END {
		printf "echo of %d MiB, 64-byte round trips x 2000, median of %d runs\n\n", bytes / 1048576, runs
		print "| path | throughput MiB/s | vs vsock | round trip us | vs vsock |"
		print "|---|---|---|---|---|"
		for (i = 1; i <= NR; i++)
			printf "| %s | %.1f | %.2f | %.0f | %.2f |\n", name[i], t[i], t[i] / vt, l[i], l[i] / vl
	}' "$work/results"
