# shellcheck shell=bash
# The VM of the vsock benchmarks (bench.sh, hops.sh), sourced: a busybox
# initramfs with vsock_peer (tests/vsock/guest-init.sh as PID 1) under qemu
# TCG, with appvm-vsock as its vsock device and a virtio-serial port beside
# it, both served by echo servers in the guest.

# benchvm_initrd WORK BUILD SRC: builds WORK/initrd.
benchvm_initrd() {
	local work=$1 build=$2 src=$3
	mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev"
	cp /bin/busybox "$work/root/bin/busybox"
	cp "$build/tests/vsock/vsock_peer_guest" "$work/root/bin/vsock_peer"
	cp "$src/tests/vsock/guest-init.sh" "$work/root/init"
	(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd")
}

benchvm_pids=()

# benchvm_start WORK APPVM_VSOCK KERNEL SRC [APPEND]: starts the back-end and
# the VM (APPEND: extra kernel command line),
# returns once the guest's servers listen. Sockets: WORK/h.sock (hybrid),
# WORK/serial.sock (virtio-serial). Sets benchvm_backend and benchvm_qemu_parent.
benchvm_start() {
	local work=$1 backend=$2 kernel=$3 src=$4 append=${5:-} i
	rm -f "$work"/*.sock "$work/console.log"
	"$backend" --cid 3 --socket "$work/h.sock" --vhost-user "$work/vu.sock" >>"$work/backend.log" 2>&1 &
	benchvm_backend=$!
	benchvm_pids+=("$benchvm_backend")
	for ((i = 0; i < 50; i++)); do [ -S "$work/vu.sock" ] && break; sleep 0.1; done
	"$src/scripts/run-vm" -k "$kernel" -i "$work/initrd" --no-net --accel tcg -t 0 -q -m 512 \
		-a "$append" --log "$work/console.log" --vsock-socket "$work/vu.sock" -- \
		-device virtio-serial-pci \
		-chardev "socket,id=bench,path=$work/serial.sock,server=on,wait=off" \
		-device virtserialport,chardev=bench,name=bench >"$work/vm.log" 2>&1 &
	benchvm_qemu_parent=$!
	benchvm_pids+=("$benchvm_qemu_parent")
	for ((i = 0; i < 600; i++)); do grep -qs 'VSOCK-TEST READY' "$work/console.log" && break; sleep 0.1; done
	grep -qs '^SERIAL ' "$work/console.log" || {
		cat "$work/vm.log" "$work/console.log" >&2
		echo "benchvm: no guest, or no virtio-serial port (CONFIG_VIRTIO_CONSOLE)" >&2
		return 1
	}
}

# benchvm_stop: stops the VM and the back-end.
benchvm_stop() {
	local p
	for p in "${benchvm_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	benchvm_pids=()
}
