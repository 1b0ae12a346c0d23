# shellcheck shell=bash disable=SC2154
# What tests/vm/bench-boot and tests/vm/boot-timeline share: the two images
# (appvm-init and busybox init, each starting the same agent and the same app)
# and one boot of either, to the agent's READY, with the kernel log fetched
# from the guest afterwards (tests/vm/boot-probe.c). Sourced; uses $src and
# $boot_build (the CMake build tree), which the caller sets.

# The app serves the kernel log on this vsock port (appvm-boot-probe --serve).
boot_probe_port=5005

# boot_images BUILD WORK [APP]: WORK/appvm and WORK/busybox, one store "data"
# each; APP is the appvm image's app command line (default: the probe serving
# the kernel log on $boot_probe_port).
# init and the agent are the images' builds (BUILD/guest-programs.txt:
# static, musl), the tree's own when it has none; APPVM_BOOT_INIT: another
# appvm-init binary, APPVM_BOOT_AGENT: another appvm-agent binary. Both initramfs images hold appvm-boot-probe, so any
# kernel can be booted with rdinit=/usr/bin/appvm-boot-probe and the same
# image bytes.
boot_images() {
	local build=$1 work=$2 f agent init
	local probe=$build/tests/vm/appvm-boot-probe
	agent=$(awk '$1 == "appvm-agent" { print $2 }' "$build/guest-programs.txt" 2>/dev/null)
	init=$(awk '$1 == "appvm-init" { print $2 }' "$build/guest-programs.txt" 2>/dev/null)
	agent=${APPVM_BOOT_AGENT:-${agent:-$build/agent/appvm-agent}}
	init=${APPVM_BOOT_INIT:-${init:-$build/init/appvm-init}}
	for f in "$init" "$agent" "$probe" "$build/host/ctl/appvmctl" \
		"$build/host/vsock/appvm-vsock"; do
		[ -x "$f" ] || { echo "boot: $f not built" >&2; return 1; }
	done
	mkdir -p "$work/store/share"
	echo hello >"$work/store/share/hello.txt"
	cat >"$work/vm.conf" <<-EOF
		[vm]
		name = bench
		on-app-exit = poweroff

		[store data]
		source = serial:data
		type = erofs
		path = /run/store/data

		[app]
		exec = ${3:-/usr/bin/appvm-boot-probe --serve $boot_probe_port}
	EOF
	"$src/rootfs/build" --init "$init" --config "$work/vm.conf" \
		--bin "$agent" --bin "$probe" --store "data=$work/store" "$work/appvm" >/dev/null || return 1
	"$src/rootfs/build" --init busybox --bin "$agent" --bin "$probe" \
		--add "$src/tests/vm/busybox/inittab-ready:/etc/inittab:0644" \
		--add "$src/tests/vm/busybox/rcS:/etc/rcS:0755" \
		--add "$src/tests/vm/busybox/run-ready:/etc/run-ready:0755" \
		--store "data=$work/store" "$work/busybox" >/dev/null
}

# The qemu side is the same for every boot: run-vm's defaults (q35, TCG,
# 1 vCPU, 256 MiB, qboot, virtio-rng, virtio-net), the store disk and the
# vsock device through appvm-vsock.
boot_vm_args() { # IMGDIR SOCKDIR
	printf '%s\n' -i "$1/initramfs.cpio.zst" --store "$1/data.erofs:data" --vsock-cid 3 \
		--vsock-hybrid "$2/v" --vsock-backend "$boot_build/host/vsock/appvm-vsock"
}

# boot_ready KERNEL IMGDIR OUT [APPEND]: boots to the agent's READY, then reads
# the kernel log from the app and stops the VM. Writes OUT.ready (wait-ready's
# JSON), OUT.kmsg and OUT.console. Returns 2 when READY came by ping (the host
# saw the agent before its event; the caller boots again), 1 on failure.
boot_ready() {
	local kernel=$1 img=$2 out=$3 append=${4:-} sock vm rc=0
	sock=$(mktemp -d /var/tmp/appvm-boot.XXXXXX)
	local args
	mapfile -t args < <(boot_vm_args "$img" "$sock")
	"$src/scripts/run-vm" -k "$kernel" "${args[@]}" -a "$append" \
		--log "$out.console" --quiet --timeout 300 </dev/null >/dev/null 2>&1 &
	vm=$!
	if ! "$boot_build/host/ctl/appvmctl" --json "hybrid:$sock/v" wait-ready --timeout 240 \
		>"$out.ready" 2>"$out.ready.err"; then
		echo "boot: no READY from $img with $kernel (console: $out.console)" >&2
		rc=1
	elif ! grep -q '"via":"event"' "$out.ready"; then
		rc=2
	elif ! "$src/tests/vm/hybrid-read" "$sock/v" "$boot_probe_port" 120 >"$out.kmsg"; then
		echo "boot: no kernel log from $img (console: $out.console)" >&2
		rc=1
	fi
	kill -TERM "$vm" 2>/dev/null
	wait "$vm" 2>/dev/null
	rm -rf "$sock"
	return $rc
}

# boot_kernel_only KERNEL IMGDIR OUT [APPEND]: the same VM, but the kernel runs
# appvm-boot-probe as init, which prints the log on the console and powers off.
# Writes OUT.kmsg, OUT.console and OUT.cpu (CPU seconds, user and system, of
# the whole run: firmware, kernel, the probe's dump, power-off).
boot_kernel_only() {
	local kernel=$1 img=$2 out=$3 append=${4:-} sock args rc=0
	sock=$(mktemp -d /var/tmp/appvm-boot.XXXXXX)
	mapfile -t args < <(boot_vm_args "$img" "$sock")
	# The CPU time qemu (and run-vm) used, user + system seconds: the
	# emulation's work, which load on the host inflates far less than the
	# guest's clock, since that runs on host time.
	local TIMEFORMAT='%3U %3S'
	{ time "$src/scripts/run-vm" -k "$kernel" "${args[@]}" \
		-a "rdinit=/usr/bin/appvm-boot-probe $append" --log "$out.console" --quiet \
		--timeout 300 </dev/null >/dev/null 2>&1 || rc=1; } 2>"$out.cpu"
	rm -rf "$sock"
	tr -d '\r' <"$out.console" | grep -a '^appvm-kmsg' >"$out.kmsg" || true
	if [ $rc -ne 0 ] || ! grep -q 'as init process' "$out.kmsg"; then
		echo "boot: $kernel did not reach init (console: $out.console)" >&2
		return 1
	fi
}

# boot_until_ready ...: boot_ready, booted again (up to 5 times) while READY
# comes by ping: wait-ready's poll of the agent's port can answer before the
# agent's event connection does, more often the more loaded the host is, and
# then READY's uptime is unknown.
boot_until_ready() {
	local i rc
	for i in 1 2 3 4 5; do
		boot_ready "$@" && return 0
		rc=$?
		[ $rc -eq 2 ] || return 1
		echo "boot: READY came by ping, booting again ($i)" >&2
	done
	echo "boot: READY came by ping $i times in a row" >&2
	return 1
}
